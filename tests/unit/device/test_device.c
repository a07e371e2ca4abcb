/* tests/unit/device/test_device.c - device-side library: agent state + report queue, slot
 * writer, and the agent's config parser (src/agent/config.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flw_test.h"
#include "agent.h"
#include "device/agent_state.h"
#include "device/slot.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"

struct fx {
	char *dir;
	struct flw_agent_state *st;
	struct flw_agent_state *st2;
};

static int setup(void **state)
{
	struct fx *f = flw_calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = flw_test_tmpdir();
	f->st = flw_calloc(1, sizeof(*f->st));
	f->st2 = flw_calloc(1, sizeof(*f->st2));
	assert_non_null(f->st);
	assert_non_null(f->st2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	flw_test_rmrf(f->dir);
	flw_free(f->dir);
	flw_free(f->st);
	flw_free(f->st2);
	flw_free(f);
	return 0;
}

static char *path_in(struct fx *f, const char *name)
{
	char *p = flw_fs_join(f->dir, name);

	assert_non_null(p);
	return p;
}

/* ---- agent state ------------------------------------------------------------------------ */

static void test_state_missing_is_fresh(void **state)
{
	struct fx *f = *state;
	char *p = path_in(f, "state.json");

	assert_int_equal(flw_agent_state_load(p, f->st, NULL), 0);
	assert_int_equal(f->st->phase, FLW_AGENT_IDLE);
	assert_int_equal(f->st->next_seq, 1);
	assert_int_equal(f->st->n_queue, 0);
	flw_free(p);
}

static void test_state_round_trip(void **state)
{
	struct fx *f = *state;
	char *p = path_in(f, "state.json");
	struct flw_agent_state *a = f->st;
	struct flw_agent_state *b = f->st2;
	struct stat sb;

	flw_agent_state_init(a);
	a->phase = FLW_AGENT_TRIAL;
	a->deployment = 7;
	a->slot = 'B';
	snprintf(a->pending.target, sizeof(a->pending.target), "fw/cam-1.1.img");
	snprintf(a->pending.version, sizeof(a->pending.version), "1.1.0");
	a->pending.security_version = 3;
	a->reported = FLW_ST_INSTALLED;
	snprintf(a->reason, sizeof(a->reason), "health \"quoted\"\n");
	a->attempts_deployment = 7;
	a->attempts = 2;
	snprintf(a->slots[0].target, sizeof(a->slots[0].target), "fw/cam-1.0.img");
	flw_agent_state_mark_done(a, 5);
	flw_agent_state_enqueue(a, 7, FLW_ST_DOWNLOADING, "", 1700000000);
	flw_agent_state_enqueue(a, 7, FLW_ST_INSTALLED, "slot B", 1700000001);
	assert_int_equal(flw_agent_state_save(p, a, NULL), 0);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(flw_agent_state_load(p, b, NULL), 0);
	assert_int_equal(b->phase, FLW_AGENT_TRIAL);
	assert_int_equal(b->deployment, 7);
	assert_int_equal(b->slot, 'B');
	assert_string_equal(b->pending.target, "fw/cam-1.1.img");
	assert_string_equal(b->pending.version, "1.1.0");
	assert_int_equal(b->pending.security_version, 3);
	assert_int_equal(b->reported, FLW_ST_INSTALLED);
	assert_string_equal(b->reason, a->reason);
	assert_int_equal(b->attempts, 2);
	assert_string_equal(b->slots[0].target, "fw/cam-1.0.img");
	assert_true(flw_agent_state_is_done(b, 5));
	assert_false(flw_agent_state_is_done(b, 7));
	assert_int_equal(b->next_seq, 3);
	assert_int_equal(b->n_queue, 2);
	assert_int_equal(b->queue[1].seq, 2);
	assert_int_equal(b->queue[1].state, FLW_ST_INSTALLED);
	assert_string_equal(b->queue[1].detail, "slot B");
	assert_int_equal(b->queue[1].time, 1700000001);
	flw_free(p);
}

static void test_state_garbage_is_an_error(void **state)
{
	struct fx *f = *state;
	char *p = path_in(f, "state.json");
	struct flw_buf good;
	size_t cut;
	struct flw_diag d = { 0 };

	flw_agent_state_init(f->st);
	flw_agent_state_enqueue(f->st, 1, FLW_ST_SUCCESS, "x", 1);
	assert_int_equal(flw_agent_state_save(p, f->st, NULL), 0);
	flw_buf_init(&good, FLW_AGENT_STATE_MAX_BYTES);
	assert_int_equal(flw_fs_read_all(p, &good, NULL), 0);
	for (cut = 0; cut < good.len - 1; cut += 7) {
		flw_test_write_file(p, good.data, cut);
		assert_int_not_equal(flw_agent_state_load(p, f->st2, &d), 0);
	}
	flw_test_write_file(p, "{\"format\":1}", 12);
	assert_int_not_equal(flw_agent_state_load(p, f->st2, &d), 0);
	/* a queued seq at or above next_seq is inconsistent */
	{
		char *s = strstr((char *)good.data, "\"next_seq\": 2");

		assert_non_null(s);
		s[12] = '1';
		flw_test_write_file(p, good.data, good.len);
		assert_int_equal(flw_agent_state_load(p, f->st2, &d), FLW_EFORMAT);
	}
	flw_buf_free(&good);
	flw_free(p);
}

/* DEV-13: the anti-rollback floor is persisted, never lowered, and state files from before it
 * start at the higher of the two slots' security versions (not the booted slot's) */
static void test_state_security_floor(void **state)
{
	struct fx *f = *state;
	char *p = path_in(f, "state.json");
	const struct flw_json_limits lim = { FLW_AGENT_STATE_MAX_BYTES, 8 };
	struct flw_buf b;
	json_t *j = NULL;

	flw_agent_state_init(f->st);
	assert_int_equal(f->st->security_floor, 0);
	assert_int_equal(flw_agent_state_raise_floor(f->st, 5), 1);
	assert_int_equal(flw_agent_state_raise_floor(f->st, 3), 0);
	assert_int_equal(flw_agent_state_raise_floor(f->st, 5), 0);
	assert_int_equal(f->st->security_floor, 5);
	f->st->slots[0].security_version = 1; /* an older image accepted into a slot later */
	assert_int_equal(flw_agent_state_save(p, f->st, NULL), 0);
	assert_int_equal(flw_agent_state_load(p, f->st2, NULL), 0);
	assert_int_equal(f->st2->security_floor, 5);

	/* a state file written before the floor existed */
	flw_buf_init(&b, FLW_AGENT_STATE_MAX_BYTES);
	f->st->slots[0].security_version = 7;
	f->st->slots[1].security_version = 4;
	assert_int_equal(flw_agent_state_save(p, f->st, NULL), 0);
	assert_int_equal(flw_fs_read_all(p, &b, NULL), 0);
	assert_int_equal(flw_json_parse(&j, b.data, b.len, &lim, NULL), 0);
	assert_int_equal(json_object_del(j, "security_floor"), 0);
	flw_buf_reset(&b);
	assert_int_equal(flw_json_dump(&b, j, 0), 0);
	flw_test_write_file(p, b.data, b.len);
	assert_int_equal(flw_agent_state_load(p, f->st2, NULL), 0);
	assert_int_equal(f->st2->security_floor, 7);

	/* a negative or non-integer floor is a broken file, not a reset */
	assert_int_equal(json_object_set_new(j, "security_floor", json_integer(-1)), 0);
	flw_buf_reset(&b);
	assert_int_equal(flw_json_dump(&b, j, 0), 0);
	flw_test_write_file(p, b.data, b.len);
	assert_int_equal(flw_agent_state_load(p, f->st2, NULL), FLW_EFORMAT);
	json_decref(j);
	flw_buf_free(&b);
	flw_free(p);
}

static void test_queue_ack_and_seq(void **state)
{
	struct fx *f = *state;
	struct flw_agent_state *st = f->st;
	int i;

	flw_agent_state_init(st);
	for (i = 0; i < 5; i++)
		assert_int_equal(flw_agent_state_enqueue(st, 1, FLW_ST_DOWNLOADING, "", 0), 0);
	assert_int_equal(st->queue[4].seq, 5);
	assert_int_equal(flw_agent_state_ack(st, 0), 0);
	assert_int_equal(flw_agent_state_ack(st, 3), 3);
	assert_int_equal(st->n_queue, 2);
	assert_int_equal(st->queue[0].seq, 4);
	assert_int_equal(flw_agent_state_ack(st, 3), 0); /* repeated ack: nothing more */
	/* seqs are never reused, even after every report was acked */
	assert_int_equal(flw_agent_state_ack(st, 5), 2);
	flw_agent_state_enqueue(st, 1, FLW_ST_SUCCESS, "", 0);
	assert_int_equal(st->queue[0].seq, 6);
	/* the server holds more than we ever sent (our state was reset): renumber, keep */
	assert_int_equal(flw_agent_state_ack(st, 40), 0);
	assert_int_equal(st->n_queue, 1);
	assert_int_equal(st->queue[0].seq, 41);
	assert_int_equal(st->next_seq, 42);
}

static void test_queue_overflow_drops_oldest(void **state)
{
	struct fx *f = *state;
	struct flw_agent_state *st = f->st;
	int i;

	flw_agent_state_init(st);
	for (i = 0; i < FLW_AGENT_QUEUE_MAX; i++)
		assert_int_equal(flw_agent_state_enqueue(st, 1, FLW_ST_DOWNLOADING, "", 0), 0);
	assert_int_equal(flw_agent_state_enqueue(st, 1, FLW_ST_SUCCESS, "", 0), 1);
	assert_int_equal(st->n_queue, FLW_AGENT_QUEUE_MAX);
	assert_int_equal(st->queue[0].seq, 2);
	assert_int_equal(st->queue[FLW_AGENT_QUEUE_MAX - 1].state, FLW_ST_SUCCESS);
	for (i = 0; i < FLW_AGENT_DONE_MAX + 3; i++)
		flw_agent_state_mark_done(st, i + 1);
	assert_int_equal(st->n_done, FLW_AGENT_DONE_MAX);
	assert_false(flw_agent_state_is_done(st, 1));
	assert_true(flw_agent_state_is_done(st, FLW_AGENT_DONE_MAX + 3));
}

struct torture_ctx {
	const char *path;
	struct flw_agent_state *st;
};

/* Only the save path: flw_json_parse() reports an injected allocation failure inside
 * json_loadb() as FLW_EFORMAT (meta/json.c), so a load cannot be tortured yet. */
static int torture_state(void *payload)
{
	struct torture_ctx *t = payload;

	return flw_agent_state_save(t->path, t->st, NULL);
}

static void test_state_oom(void **state)
{
	struct fx *f = *state;
	char *p = path_in(f, "state.json");
	struct torture_ctx t = { p, f->st };
	int i;

	flw_agent_state_init(f->st);
	for (i = 0; i < 5; i++)
		flw_agent_state_enqueue(f->st, 3, FLW_ST_INSTALLED, "detail", 1);
	assert_true(flw_test_torture(torture_state, &t, 10000) > 1);
	assert_int_equal(flw_agent_state_load(p, f->st, NULL), 0);
	assert_int_equal(f->st->n_queue, 5);
	flw_free(p);
}

/* ---- slot writer ------------------------------------------------------------------------ */

#define IMG_LEN (3 * FLW_SLOT_CHUNK + 1234)

static unsigned char *make_image(struct fx *f, const char *name, unsigned char sha[32])
{
	unsigned char *img = flw_malloc(IMG_LEN);
	char *p = path_in(f, name);
	size_t i;

	assert_non_null(img);
	for (i = 0; i < IMG_LEN; i++)
		img[i] = (unsigned char)(i * 131 + (i >> 9));
	flw_test_write_file(p, img, IMG_LEN);
	assert_int_equal(flw_sha256(img, IMG_LEN, sha), 0);
	flw_free(p);
	return img;
}

static void assert_file_equals(const char *path, const void *data, size_t len)
{
	struct flw_buf b;

	flw_buf_init(&b, len + 1);
	assert_int_equal(flw_fs_read_all(path, &b, NULL), 0);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.data, data, len);
	flw_buf_free(&b);
}

static void test_slot_write_ok_and_truncates(void **state)
{
	struct fx *f = *state;
	unsigned char sha[32];
	unsigned char *img = make_image(f, "img", sha);
	char *src = path_in(f, "img");
	char *dst = path_in(f, "slot");
	unsigned char junk[IMG_LEN / 2 + IMG_LEN];
	struct flw_diag d = { 0 };

	memset(junk, 0x5a, sizeof(junk));
	flw_test_write_file(dst, junk, sizeof(junk)); /* longer old content */
	assert_int_equal(flw_slot_write(src, dst, IMG_LEN, sha, NULL, &d), 0);
	assert_file_equals(dst, img, IMG_LEN);
	flw_free(img);
	flw_free(src);
	flw_free(dst);
}

static void test_slot_write_detects_changed_source(void **state)
{
	struct fx *f = *state;
	unsigned char sha[32];
	unsigned char *img = make_image(f, "img", sha);
	char *src = path_in(f, "img");
	char *dst = path_in(f, "slot");
	struct flw_diag d = { 0 };

	/* the staged file changes after verification (TOCTOU): caught while writing */
	img[IMG_LEN - 1] ^= 1;
	flw_test_write_file(src, img, IMG_LEN);
	assert_int_equal(flw_slot_write(src, dst, IMG_LEN, sha, NULL, &d), FLW_EHASH);
	/* a source shorter than the signed length */
	flw_test_write_file(src, img, IMG_LEN - 10);
	assert_int_equal(flw_slot_write(src, dst, IMG_LEN, sha, NULL, &d), FLW_EHASH);
	flw_free(img);
	flw_free(src);
	flw_free(dst);
}

static int fail_at_2(unsigned long i, void *payload)
{
	unsigned long *count = payload;

	(*count)++;
	return i == 2;
}

static void test_slot_write_fault_and_chunking(void **state)
{
	struct fx *f = *state;
	unsigned char sha[32];
	unsigned char *img = make_image(f, "img", sha);
	char *src = path_in(f, "img");
	char *dst = path_in(f, "slot");
	unsigned long calls = 0;
	struct flw_slot_write_opts o = { fail_at_2, &calls };
	struct flw_diag d = { 0 };

	assert_int_equal(flw_slot_write(src, dst, IMG_LEN, sha, &o, &d), FLW_EIO);
	assert_int_equal(calls, 3);
	assert_int_equal(flw_slot_write(src, "/nonexistent-dir/slot", IMG_LEN, sha, NULL, &d),
	                 FLW_EIO);
	flw_free(img);
	flw_free(src);
	flw_free(dst);
}

/* ---- agent config ----------------------------------------------------------------------- */

static const char base_conf[] = "server = http://127.0.0.1:1\n"
                                "device_id = cam-01\n"
                                "hardware_id = cam-v2\n"
                                "state_dir = /tmp/x\n"
                                "trust_root = /tmp/root.json\n"
                                "slot_a = /tmp/a\n"
                                "slot_b = /tmp/b\n";

static int load_conf(struct fx *f, const char *extra, struct agent_config *cfg, struct flw_diag *d)
{
	char *p = path_in(f, "agent.conf");
	char text[4096];
	int rc;

	snprintf(text, sizeof(text), "%s%s", base_conf, extra);
	flw_test_write_file(p, text, strlen(text));
	rc = agent_config_load(cfg, p, d);
	flw_free(p);
	return rc;
}

static void test_config_defaults(void **state)
{
	struct fx *f = *state;
	struct agent_config cfg;
	struct flw_diag d = { 0 };

	assert_int_equal(load_conf(f, "# comment\n\nattribute.os = FleetOS 1\n", &cfg, &d), 0);
	assert_string_equal(cfg.server, "http://127.0.0.1:1");
	assert_int_equal(cfg.boot_tries, 3);
	assert_int_equal(cfg.health_timeout, 60);
	assert_int_equal(cfg.poll_interval, 300);
	assert_int_equal(cfg.stall_timeout, 60);
	assert_string_equal(cfg.reboot_command, "simulate");
	assert_string_equal(cfg.bootsel, "file:/tmp/x/bootsel");
	assert_int_equal(cfg.n_attrs, 1);
	assert_string_equal(cfg.attrs[0].value, "FleetOS 1");
	agent_config_free(&cfg);
}

static void test_config_errors_name_the_line(void **state)
{
	static const struct {
		const char *extra;
		const char *want;
	} cases[] = {
		{ "bogus = 1\n", ":8: unknown key 'bogus'" },
		{ "boot_tries = 0\n", ":8: 'boot_tries' must be an integer" },
		{ "poll_interval = 5x\n", ":8:" },
		{ "no equals sign\n", ":8: expected" },
		{ "\nserver = ftp://x\n", ":9:" },
		{ "device_id = -bad\n", ":8:" },
		{ "device_id = cam-02\n", "given twice" },
		{ "bootsel = uboot\n", "file:PATH" },
	};
	struct fx *f = *state;
	struct agent_config cfg;
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(cases); i++) {
		struct flw_diag d = { 0 };

		assert_int_not_equal(load_conf(f, cases[i].extra, &cfg, &d), 0);
		if (!strstr(d.msg, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, d.msg, cases[i].want);
		assert_non_null(strstr(d.msg, "agent.conf"));
		agent_config_free(&cfg);
	}
}

static void test_config_missing_required(void **state)
{
	struct fx *f = *state;
	char *p = path_in(f, "agent.conf");
	struct agent_config cfg;
	struct flw_diag d = { 0 };

	flw_test_write_file(p, "server = http://x\n", 18);
	assert_int_equal(agent_config_load(&cfg, p, &d), FLW_EFORMAT);
	assert_non_null(strstr(d.msg, "required key 'device_id'"));
	agent_config_free(&cfg);
	{
		char text[512];

		snprintf(text, sizeof(text), "%s", base_conf);
		memcpy(strstr(text, "slot_b = /tmp/b") + 14, "a", 1);
		flw_test_write_file(p, text, strlen(text));
		assert_int_equal(agent_config_load(&cfg, p, &d), FLW_EFORMAT);
		assert_non_null(strstr(d.msg, "the same"));
		agent_config_free(&cfg);
	}
	flw_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_missing_is_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_garbage_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_security_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_ack_and_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_overflow_drops_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_oom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_write_ok_and_truncates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_write_detects_changed_source, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_slot_write_fault_and_chunking, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_config_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors_name_the_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_missing_required, setup, teardown),
	};

	if (flw_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
