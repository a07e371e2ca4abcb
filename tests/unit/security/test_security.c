/* tests/unit/security/test_security.c - one named regression test per bad-input class of
 * docs SECURITY-TESTS.md (§3.3 B1..B12, §7.4 BAD-01..BAD-11) that applies to today's code.
 * Each test is named after its class; docs/SECURITY-MAP.md maps every class to its tests.
 *
 * Metadata is built and signed with the library's own repository side (flw_tuf_make_*,
 * flw_tuf_sign) with freshly generated test keys; bad inputs are then made by editing the
 * JSON (or the bytes) after signing, which is what an attacker on the wire can do.
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
#include "fleetward/bootsel.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/protocol.h"
#include "fleetward/tuf.h"

#define NOW ((time_t)1700000000)
#define DAY 86400

struct fx {
	char *dir;
	struct flw_signer *k;  /* holds every role */
	struct flw_signer *k2; /* listed nowhere */
	struct flw_tuf_root *root;
	struct flw_buf root_bytes;
};

/* ---- helpers ------------------------------------------------------------------------------ */

static void sign1(struct flw_buf *out, const json_t *sgn, struct flw_signer *s)
{
	flw_buf_init(out, FLW_TUF_TARGETS_MAX_BYTES);
	assert_int_equal(flw_tuf_sign(out, sgn, &s, 1, NULL), 0);
}

static json_t *root_signed(struct flw_signer *k, unsigned threshold)
{
	const struct flw_tuf_key *key = flw_signer_key(k);
	struct flw_tuf_role_keys roles[4] = {
		[FLW_TUF_ROOT] = { key, 1, 1 },
		[FLW_TUF_TARGETS] = { key, 1, threshold },
		[FLW_TUF_SNAPSHOT] = { key, 1, 1 },
		[FLW_TUF_TIMESTAMP] = { key, 1, 1 },
	};
	json_t *o = NULL;

	assert_int_equal(flw_tuf_make_root(&o, 1, NOW + DAY, roles), 0);
	return o;
}

static int setup(void **state)
{
	struct fx *f = flw_calloc(1, sizeof(*f));
	json_t *r;

	assert_non_null(f);
	assert_int_equal(flw_crypto_init(), 0);
	f->dir = flw_test_tmpdir();
	assert_int_equal(flw_signer_generate(&f->k), 0);
	assert_int_equal(flw_signer_generate(&f->k2), 0);
	r = root_signed(f->k, 1);
	sign1(&f->root_bytes, r, f->k);
	json_decref(r);
	assert_int_equal(flw_tuf_root_parse(&f->root, f->root_bytes.data, f->root_bytes.len, NULL),
	                 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	flw_test_rmrf(f->dir);
	flw_free(f->dir);
	flw_signer_free(f->k);
	flw_signer_free(f->k2);
	flw_tuf_root_free(f->root);
	flw_buf_free(&f->root_bytes);
	flw_free(f);
	return 0;
}

static char *path_in(struct fx *f, const char *name)
{
	char *p = flw_fs_join(f->dir, name);

	assert_non_null(p);
	return p;
}

static void fill_target(struct flw_tuf_target *t, const char *name, uint64_t length)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->length = length;
	memset(t->sha256, 0xab, sizeof(t->sha256));
	snprintf(t->version, sizeof(t->version), "1.0.0");
	snprintf(t->hwids[0], sizeof(t->hwids[0]), "cam-v2");
	t->n_hwids = 1;
}

/* a targets "signed" with one target "fw/a.img" of the given length */
static json_t *targets_with(uint64_t length)
{
	struct flw_tuf_target t;
	json_t *sgn = NULL;

	assert_int_equal(flw_tuf_make_targets(&sgn, 1, NOW + DAY), 0);
	fill_target(&t, "fw/a.img", length);
	assert_int_equal(flw_tuf_targets_add(sgn, &t, NULL), 0);
	return sgn;
}

/* the target entry "fw/a.img" inside a targets "signed" (borrowed) */
static json_t *entry_of(json_t *sgn)
{
	json_t *e = json_object_get(json_object_get(sgn, "targets"), "fw/a.img");

	assert_non_null(e);
	return e;
}

/* sign sgn with f->k, verify as targets, and read "fw/a.img" back from the verified copy */
static int signed_target_get(struct fx *f, const json_t *sgn, struct flw_tuf_target *out)
{
	struct flw_buf b;
	json_t *v = NULL;
	int rc;

	sign1(&b, sgn, f->k);
	rc = flw_tuf_verify(f->root, FLW_TUF_TARGETS, b.data, b.len, &v, NULL);
	assert_int_equal(rc, 0);
	rc = flw_tuf_targets_get(v, "fw/a.img", out, NULL);
	json_decref(v);
	flw_buf_free(&b);
	return rc;
}

/* exact-size heap copy (no terminator after it), so ASan sees any over-read */
static unsigned char *exact_copy(const void *p, size_t n)
{
	unsigned char *c = flw_malloc(n ? n : 1);

	assert_non_null(c);
	memcpy(c, p, n);
	return c;
}

static char *repeat(char c, size_t n)
{
	char *s = flw_malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ---- B1 / BAD-01, BAD-02: names and ids ------------------------------------------------- */

/* BAD-01: target names reach file names (staging) and URL paths (/tuf/targets/...). */
static void test_B1_BAD01_target_names_traversal(void **state)
{
	static const char *const bad[] = { "../x", "/etc/x", "a/../../x", "a/./b", "a//b",
		                           "a/",   ".",      "..",        "a\\b",  "a b",
		                           "a?b",  "a#b",    "%2e%2e/x",  "" };
	struct fx *f = *state;
	struct flw_tuf_target t;
	json_t *sgn = targets_with(10);
	char *longname = repeat('n', 4097);
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(bad); i++) {
		fill_target(&t, bad[i], 10);
		assert_int_not_equal(flw_tuf_targets_add(sgn, &t, NULL), 0);
		assert_null(flw_tuf_target_path(&t));
		/* the same name placed by an attacker in validly signed metadata */
		json_object_set(json_object_get(sgn, "targets"), bad[i], entry_of(sgn));
		{
			struct flw_buf b;
			json_t *v = NULL;

			sign1(&b, sgn, f->k);
			assert_int_equal(
			        flw_tuf_verify(f->root, FLW_TUF_TARGETS, b.data, b.len, &v, NULL),
			        0);
			assert_int_equal(flw_tuf_targets_get(v, bad[i], &t, NULL), FLW_EFORMAT);
			json_decref(v);
			flw_buf_free(&b);
		}
		json_object_del(json_object_get(sgn, "targets"), bad[i]);
	}
	/* 4,097 bytes: longer than any name; lookups refuse it before touching the JSON */
	assert_int_equal(flw_tuf_targets_get(sgn, longname, &t, NULL), FLW_EFORMAT);
	/* a NUL inside a name cannot even be parsed */
	{
		static const char nul[] = "{\"targets\":{\"a\\u0000b\":{}}}";
		const struct flw_json_limits lim = { 1024, 8 };
		json_t *j = NULL;

		assert_int_not_equal(flw_json_parse(&j, nul, sizeof(nul) - 1, &lim, NULL), 0);
		assert_null(j);
	}
	flw_free(longname);
	json_decref(sgn);
}

/* BAD-02: ids reach URLs, file names and SQL. Allowed: [A-Za-z0-9._:-], not leading '.'/'-'. */
static void test_B1_BAD02_ids_with_url_and_path_characters(void **state)
{
	static const char *const bad[] = { "a?b",    "a#b",   "a/b",     "../x", "..",
		                           "%2e%2e", "a%2Fb", ".hidden", "-opt", "a b",
		                           "a\nb",   "a\\b",  "",        "a\"b", "a'b;--" };
	struct fx *f = *state;
	char *conf = path_in(f, "agent.conf");
	char *id200 = repeat('a', 200);
	char *id65 = repeat('a', FLW_ID_MAX + 1);
	char *id64 = repeat('a', FLW_ID_MAX);
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(bad); i++)
		assert_false(flw_id_ok(bad[i]));
	assert_false(flw_id_ok(id200));
	assert_false(flw_id_ok(id65));
	assert_true(flw_id_ok(id64));
	assert_true(flw_id_ok("cam-01.site:2"));
	/* the agent refuses such a device_id in its config before it is ever sent */
	for (i = 0; i < FLW_ARRAY_SIZE(bad) + 1; i++) {
		const char *id = i < FLW_ARRAY_SIZE(bad) ? bad[i] : id200;
		struct agent_config cfg;
		struct flw_diag d = { 0 };
		char *text;

		if (strchr(id, '\n') || !*id)
			continue; /* not expressible as one config value */
		text = flw_asprintf("server = http://127.0.0.1:1\ndevice_id = %s\n"
		                    "hardware_id = hw\nstate_dir = s\ntrust_root = r\n"
		                    "slot_a = a\nslot_b = b\n",
		                    id);
		assert_non_null(text);
		flw_test_write_file(conf, text, strlen(text));
		assert_int_equal(agent_config_load(&cfg, conf, &d), FLW_EFORMAT);
		assert_non_null(strstr(d.msg, "device_id"));
		flw_free(text);
	}
	flw_free(id200);
	flw_free(id65);
	flw_free(id64);
	flw_free(conf);
}

/* ---- B2 / BAD-03: size arithmetic ----------------------------------------------------------- */

/* Lengths past 2^31 and 2^32 survive sign -> verify -> get exactly (no 32-bit truncation);
 * 2^63 and beyond, and negative lengths, are refused rather than wrapped. */
static void test_B2_BAD03_target_length_2_31_2_32_2_63(void **state)
{
	static const uint64_t ok[] = { (1ull << 31) - 1, 1ull << 31, 1ull << 32, (1ull << 32) + 1,
		                       (1ull << 63) - 1 };
	struct fx *f = *state;
	struct flw_tuf_target t;
	json_t *sgn;
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(ok); i++) {
		sgn = targets_with(ok[i]);
		assert_int_equal(signed_target_get(f, sgn, &t), 0);
		assert_true(t.length == ok[i]);
		json_decref(sgn);
	}
	/* the repository side refuses what it could not write as a JSON integer */
	fill_target(&t, "fw/a.img", 1ull << 63);
	sgn = targets_with(1);
	assert_int_equal(flw_tuf_targets_add(sgn, &t, NULL), FLW_EINVAL);
	/* negative length, validly signed: refused at read, never cast to 2^64 - 1 */
	json_object_set_new(entry_of(sgn), "length", json_integer(-1));
	assert_int_equal(signed_target_get(f, sgn, &t), FLW_EFORMAT);
	json_object_set_new(entry_of(sgn), "length", json_integer(INT64_MIN));
	assert_int_equal(signed_target_get(f, sgn, &t), FLW_EFORMAT);
	json_decref(sgn);
	/* 2^63 and 2^64 in the bytes: the strict parser refuses the overflowing integer */
	{
		static const char *const docs[] = { "{\"length\":9223372036854775808}",
			                            "{\"length\":18446744073709551616}",
			                            "{\"length\":-9223372036854775809}" };
		const struct flw_json_limits lim = { 1024, 8 };

		for (i = 0; i < FLW_ARRAY_SIZE(docs); i++) {
			json_t *j = NULL;

			assert_int_not_equal(
			        flw_json_parse(&j, docs[i], strlen(docs[i]), &lim, NULL), 0);
			assert_null(j);
		}
	}
}

/* RAUC CVE-2026-34155 class: a length past 2^32 must not shrink to its low bits. The staged
 * file is 10 bytes and the hash is theirs; a writer that truncated 2^32 + 10 to 10 would accept
 * it. It must fail, and the slot must not end up holding a "verified" image. */
static void test_B2_BAD03_slot_write_length_not_truncated(void **state)
{
	static const uint64_t lens[] = { (1ull << 32) + 10, (1ull << 63) + 10, UINT64_MAX };
	struct fx *f = *state;
	char *src = path_in(f, "staged");
	char *dst = path_in(f, "slot_b");
	unsigned char sha[FLW_SHA256_BYTES];
	size_t i;

	flw_test_write_file(src, "0123456789", 10);
	assert_int_equal(flw_sha256("0123456789", 10, sha), 0);
	for (i = 0; i < FLW_ARRAY_SIZE(lens); i++)
		assert_int_not_equal(flw_slot_write(src, dst, lens[i], sha, NULL, NULL), 0);
	assert_int_equal(flw_slot_write(src, dst, 10, sha, NULL, NULL), 0); /* the control */
	flw_free(src);
	flw_free(dst);
}

/* A server answer acked_seq near INT64_MAX must not overflow the agent's next_seq (signed
 * overflow; the saved state would then never load again). Found by agent_response_fuzzer. */
static void test_B2_acked_seq_near_int64_max(void **state)
{
	static const int64_t acks[] = { INT64_MAX, INT64_MAX - 1, INT64_MAX - 3,
		                        INT64_MAX / 2 + 1 };
	struct fx *f = *state;
	char *p = path_in(f, "state.json");
	struct flw_agent_state *st = flw_calloc(1, sizeof(*st));
	struct flw_agent_state *back = flw_calloc(1, sizeof(*back));
	size_t i;

	assert_non_null(st);
	assert_non_null(back);
	for (i = 0; i < FLW_ARRAY_SIZE(acks); i++) {
		flw_agent_state_init(st);
		flw_agent_state_enqueue(st, 1, FLW_ST_DOWNLOADING, "a", 1);
		flw_agent_state_enqueue(st, 1, FLW_ST_INSTALLED, "b", 2);
		assert_int_equal(flw_agent_state_ack(st, acks[i]), 0);
		assert_int_equal(st->n_queue, 2);
		assert_true(st->next_seq >= 1);
		assert_true(st->queue[0].seq < st->queue[1].seq);
		assert_true(st->queue[1].seq < st->next_seq);
		assert_int_equal(flw_agent_state_save(p, st, NULL), 0);
		assert_int_equal(flw_agent_state_load(p, back, NULL), 0);
		assert_int_equal(back->n_queue, 2);
	}
	/* an honest reset (server ahead by a little) still renumbers past the server's mark */
	flw_agent_state_init(st);
	flw_agent_state_enqueue(st, 1, FLW_ST_DOWNLOADING, "a", 1);
	assert_int_equal(flw_agent_state_ack(st, 1000), 0);
	assert_int_equal(st->queue[0].seq, 1001);
	assert_int_equal(st->next_seq, 1002);
	flw_free(st);
	flw_free(back);
	flw_free(p);
}

/* ---- B3 / BAD-07, BAD-08: unbounded strings ------------------------------------------------ */

/* Version strings of 51, 255, 256 and 64 Ki characters in signed release metadata, target
 * names of 255/256/64 Ki, and long strings in the agent's state file. */
static void test_B3_BAD07_version_strings_51_255_256_64k(void **state)
{
	static const size_t lens[] = { 51, 63, 64, 255, 256, 65536 };
	struct fx *f = *state;
	struct flw_tuf_target t;
	json_t *sgn = targets_with(1);
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(lens); i++) {
		char *v = repeat('9', lens[i]);
		int rc;

		json_object_set_new(json_object_get(entry_of(sgn), "custom"), "version",
		                    json_string(v));
		rc = signed_target_get(f, sgn, &t);
		if (lens[i] <= FLW_TUF_VERSION_STR_MAX) {
			assert_int_equal(rc, 0);
			assert_int_equal(strlen(t.version), lens[i]);
		} else {
			assert_int_not_equal(rc, 0);
		}
		flw_free(v);
	}
	json_decref(sgn);
	/* target names: 255 is the limit */
	for (i = 0; i < FLW_ARRAY_SIZE(lens); i++) {
		char *n = repeat('n', lens[i]);

		fill_target(&t, "x", 1);
		sgn = targets_with(1);
		json_object_set(json_object_get(sgn, "targets"), n, entry_of(sgn));
		if (lens[i] <= FLW_TUF_TARGET_NAME_MAX)
			assert_int_equal(flw_tuf_targets_get(sgn, n, &t, NULL), 0);
		else
			assert_int_equal(flw_tuf_targets_get(sgn, n, &t, NULL), FLW_EFORMAT);
		json_decref(sgn);
		flw_free(n);
	}
}

static void test_B3_BAD07_agent_state_long_strings(void **state)
{
	static const size_t lens[] = { 64, 255, 256, 65536 };
	static const char *const fields[] = { "version", "target", "reason" };
	static const size_t limits[] = { FLW_TUF_VERSION_STR_MAX, FLW_TUF_TARGET_NAME_MAX,
		                         FLW_REPORT_DETAIL_MAX };
	struct fx *f = *state;
	char *p = path_in(f, "state.json");
	struct flw_agent_state *st = flw_calloc(1, sizeof(*st));
	struct flw_buf good;
	size_t i;
	size_t k;

	assert_non_null(st);
	flw_agent_state_init(st);
	assert_int_equal(flw_agent_state_save(p, st, NULL), 0);
	flw_buf_init(&good, FLW_AGENT_STATE_MAX_BYTES);
	assert_int_equal(flw_fs_read_all(p, &good, NULL), 0);
	for (k = 0; k < FLW_ARRAY_SIZE(fields); k++) {
		for (i = 0; i < FLW_ARRAY_SIZE(lens); i++) {
			const struct flw_json_limits lim = { FLW_AGENT_STATE_MAX_BYTES, 8 };
			char *v = repeat('v', lens[i]);
			json_t *j = NULL;
			json_t *obj;
			struct flw_buf out;

			assert_int_equal(flw_json_parse(&j, good.data, good.len, &lim, NULL), 0);
			obj = k == 2 ? j : json_object_get(j, "pending");
			json_object_set_new(obj, fields[k], json_string(v));
			flw_buf_init(&out, FLW_AGENT_STATE_MAX_BYTES);
			assert_int_equal(flw_json_dump(&out, j, 0), 0);
			flw_test_write_file(p, out.data, out.len);
			if (lens[i] <= limits[k]) {
				assert_int_equal(flw_agent_state_load(p, st, NULL), 0);
			} else {
				assert_int_not_equal(flw_agent_state_load(p, st, NULL), 0);
				assert_int_equal(st->n_queue, 0); /* fresh, not half-loaded */
				assert_int_equal(st->pending.version[0], '\0');
			}
			flw_buf_free(&out);
			json_decref(j);
			flw_free(v);
		}
	}
	flw_buf_free(&good);
	flw_free(st);
	flw_free(p);
}

/* BAD-08: the boot selection file (fleetward's boot env today): a 300-byte value, empty values,
 * bad CRC, oversize file. No overflow (ASan), and every one is an error, never a default. */
static void test_B3_BAD08_bootsel_long_and_empty_values(void **state)
{
	struct fx *f = *state;
	char *p = path_in(f, "bootsel");
	char *v300 = repeat('A', 300);
	struct flw_bootsel *b = NULL;
	struct flw_bootsel_state st;
	const char *docs[5];
	char *big = repeat('#', 600);
	size_t i;

	docs[0] = flw_asprintf("fleetward-bootsel 1\nprimary=%s\ntrial=-\ntries_left=0\n"
	                       "booted=A\nlast_failed=-\ncrc32=00000000\n",
	                       v300);
	docs[1] = "fleetward-bootsel 1\nprimary=\ntrial=-\ntries_left=0\nbooted=A\n"
	          "last_failed=-\ncrc32=00000000\n";
	docs[2] = "fleetward-bootsel 1\nprimary=A\ntrial=\ntries_left=\nbooted=\nlast_failed=\n"
	          "crc32=\n";
	docs[3] = "fleetward-bootsel 1\nprimary=A\ntrial=-\ntries_left=0\nbooted=A\n"
	          "last_failed=-\ncrc32=ffffffff\n";
	docs[4] = big;
	assert_non_null(docs[0]);
	assert_int_equal(flw_bootsel_file_open(&b, p, NULL), 0);
	for (i = 0; i < FLW_ARRAY_SIZE(docs); i++) {
		flw_test_write_file(p, docs[i], strlen(docs[i]));
		assert_int_equal(flw_bootsel_load(b, &st, NULL), FLW_EFORMAT);
	}
	flw_bootsel_free(b);
	flw_free((void *)docs[0]);
	flw_free(big);
	flw_free(v300);
	flw_free(p);
}

/* ---- B4: missing terminators, truncation at every byte ------------------------------------- */

static void test_B4_BAD07_json_without_nul_terminator(void **state)
{
	static const char doc[] = "{\"a\":\"b\",\"n\":[1,2,3]}";
	const struct flw_json_limits lim = { 1024, 8 };
	unsigned char *c;
	json_t *j = NULL;
	size_t cut;

	(void)state;
	c = exact_copy(doc, sizeof(doc) - 1);
	assert_int_equal(flw_json_parse(&j, c, sizeof(doc) - 1, &lim, NULL), 0);
	json_decref(j);
	flw_free(c);
	for (cut = 0; cut < sizeof(doc) - 1; cut++) {
		c = exact_copy(doc, cut);
		j = NULL;
		assert_int_not_equal(flw_json_parse(&j, c, cut, &lim, NULL), 0);
		assert_null(j);
		flw_free(c);
	}
}

/* every role's metadata, cut at every byte (exact-size buffers): never accepted, no over-read */
static void test_B4_tuf_metadata_truncated_at_every_byte(void **state)
{
	struct fx *f = *state;
	struct flw_buf docs[4];
	json_t *sgn[4] = { NULL };
	size_t r;
	size_t cut;

	sgn[FLW_TUF_ROOT] = root_signed(f->k, 1);
	sgn[FLW_TUF_TARGETS] = targets_with(1ull << 32);
	sign1(&docs[FLW_TUF_TARGETS], sgn[FLW_TUF_TARGETS], f->k);
	assert_int_equal(flw_tuf_make_snapshot(&sgn[FLW_TUF_SNAPSHOT], 1, NOW + DAY, 1,
	                                       docs[FLW_TUF_TARGETS].data,
	                                       docs[FLW_TUF_TARGETS].len),
	                 0);
	sign1(&docs[FLW_TUF_SNAPSHOT], sgn[FLW_TUF_SNAPSHOT], f->k);
	assert_int_equal(flw_tuf_make_timestamp(&sgn[FLW_TUF_TIMESTAMP], 1, NOW + DAY, 1,
	                                        docs[FLW_TUF_SNAPSHOT].data,
	                                        docs[FLW_TUF_SNAPSHOT].len),
	                 0);
	sign1(&docs[FLW_TUF_TIMESTAMP], sgn[FLW_TUF_TIMESTAMP], f->k);
	sign1(&docs[FLW_TUF_ROOT], sgn[FLW_TUF_ROOT], f->k);
	for (r = 0; r < 4; r++) {
		assert_int_equal(
		        flw_tuf_verify(f->root, (int)r, docs[r].data, docs[r].len, NULL, NULL), 0);
		for (cut = 0; cut < docs[r].len; cut++) {
			unsigned char *c = exact_copy(docs[r].data, cut);
			struct flw_tuf_root *pr = NULL;

			assert_int_not_equal(flw_tuf_verify(f->root, (int)r, c, cut, NULL, NULL),
			                     0);
			if (r == FLW_TUF_ROOT) {
				assert_int_not_equal(flw_tuf_root_parse(&pr, c, cut, NULL), 0);
				assert_null(pr);
			}
			flw_free(c);
		}
		flw_buf_free(&docs[r]);
		json_decref(sgn[r]);
	}
}

/* the device's own state files, torn at every byte (DEV-09's parser half) */
static void test_B4_state_files_truncated_at_every_byte(void **state)
{
	struct fx *f = *state;
	char *sp = path_in(f, "state.json");
	char *bp = path_in(f, "bootsel");
	struct flw_agent_state *st = flw_calloc(1, sizeof(*st));
	struct flw_bootsel *b = NULL;
	struct flw_bootsel_state bs = {
		.primary = 'A', .trial = 'B', .tries_left = 3, .booted = 'A'
	};
	struct flw_buf good;
	size_t cut;

	assert_non_null(st);
	flw_agent_state_init(st);
	flw_agent_state_enqueue(st, 7, FLW_ST_INSTALLED, "slot B", 1700000001);
	assert_int_equal(flw_agent_state_save(sp, st, NULL), 0);
	flw_buf_init(&good, FLW_AGENT_STATE_MAX_BYTES);
	assert_int_equal(flw_fs_read_all(sp, &good, NULL), 0);
	/* the saved form ends in "}\n": a cut of the newline alone still holds all the data */
	for (cut = 0; cut + 1 < good.len; cut++) {
		flw_test_write_file(sp, good.data, cut);
		assert_int_not_equal(flw_agent_state_load(sp, st, NULL), 0);
		assert_int_equal(st->n_queue, 0);
	}
	flw_buf_free(&good);
	assert_int_equal(flw_bootsel_file_open(&b, bp, NULL), 0);
	assert_int_equal(flw_bootsel_store(b, &bs, NULL), 0);
	flw_buf_init(&good, 4096);
	assert_int_equal(flw_fs_read_all(bp, &good, NULL), 0);
	for (cut = 0; cut < good.len; cut++) {
		struct flw_bootsel_state got;

		flw_test_write_file(bp, good.data, cut);
		assert_int_equal(flw_bootsel_load(b, &got, NULL), FLW_EFORMAT);
	}
	flw_buf_free(&good);
	flw_bootsel_free(b);
	flw_free(st);
	flw_free(sp);
	flw_free(bp);
}

/* ---- B6 / BAD-06: signature semantics ---------------------------------------------------- */

static json_t *sig_entry(const json_t *sgn, const struct flw_signer *s, const char *keyid,
                         size_t sig_len)
{
	unsigned char sig[FLW_ED25519_SIG_BYTES + 1] = { 0 };
	char hex[2 * (FLW_ED25519_SIG_BYTES + 1) + 1];
	struct flw_buf m;

	flw_buf_init(&m, 1u << 20);
	assert_int_equal(flw_json_canonical(&m, sgn, NULL), 0);
	assert_int_equal(flw_signer_sign(s, m.data, m.len, sig), 0);
	flw_buf_free(&m);
	flw_hex_encode(hex, sig, sig_len);
	return json_pack("{s:s, s:s}", "keyid", keyid ? keyid : flw_signer_key(s)->keyid, "sig",
	                 hex);
}

static int verify_with(const struct flw_tuf_root *r, const json_t *sgn, json_t *sigs)
{
	json_t *env = json_pack("{s:o, s:O}", "signatures", sigs, "signed", (json_t *)sgn);
	struct flw_buf b;
	int rc;

	assert_non_null(env);
	flw_buf_init(&b, 1u << 20);
	assert_int_equal(flw_json_canonical(&b, env, NULL), 0);
	rc = flw_tuf_verify(r, FLW_TUF_TARGETS, b.data, b.len, NULL, NULL);
	flw_buf_free(&b);
	json_decref(env);
	return rc;
}

static void test_B6_BAD06_empty_signature_list(void **state)
{
	struct fx *f = *state;
	json_t *sgn = targets_with(1);

	assert_int_equal(verify_with(f->root, sgn, json_array()), FLW_ESIG);
	/* a signature by a key the root does not list is as good as none */
	assert_int_equal(
	        verify_with(f->root, sgn, json_pack("[o]", sig_entry(sgn, f->k2, NULL, 64))),
	        FLW_ESIG);
	/* ... also when it claims a listed keyid */
	assert_int_equal(verify_with(f->root, sgn,
	                             json_pack("[o]", sig_entry(sgn, f->k2,
	                                                        flw_signer_key(f->k)->keyid, 64))),
	                 FLW_ESIG);
	assert_int_equal(
	        verify_with(f->root, sgn, json_pack("[o]", sig_entry(sgn, f->k, NULL, 64))), 0);
	json_decref(sgn);
}

static void test_B6_BAD06_signature_63_65_bytes(void **state)
{
	struct fx *f = *state;
	json_t *sgn = targets_with(1);

	assert_int_equal(
	        verify_with(f->root, sgn, json_pack("[o]", sig_entry(sgn, f->k, NULL, 63))),
	        FLW_ESIG);
	assert_int_equal(
	        verify_with(f->root, sgn, json_pack("[o]", sig_entry(sgn, f->k, NULL, 65))),
	        FLW_ESIG);
	assert_int_equal(verify_with(f->root, sgn,
	                             json_pack("[{s:s,s:s}]", "keyid", flw_signer_key(f->k)->keyid,
	                                       "sig", "")),
	                 FLW_ESIG);
	json_decref(sgn);
}

/* duplicate keyid with threshold 2: one key counts once */
static void test_B6_BAD06_duplicate_keyid(void **state)
{
	struct fx *f = *state;
	json_t *r2 = root_signed(f->k, 2);
	struct flw_tuf_root *root = NULL;
	json_t *sgn = targets_with(1);
	struct flw_buf b;

	/* threshold 2 with one key listed ("threshold > keys"): the role can never be satisfied,
	 * not even by the one key's signature listed twice */
	sign1(&b, r2, f->k);
	assert_int_equal(flw_tuf_root_parse(&root, b.data, b.len, NULL), 0);
	assert_int_equal(verify_with(root, sgn, json_pack("[o]", sig_entry(sgn, f->k, NULL, 64))),
	                 FLW_ESIG);
	assert_int_equal(verify_with(root, sgn,
	                             json_pack("[o,o]", sig_entry(sgn, f->k, NULL, 64),
	                                       sig_entry(sgn, f->k, NULL, 64))),
	                 FLW_ESIG);
	flw_tuf_root_free(root);
	root = NULL;
	flw_buf_free(&b);
	json_decref(r2);
	{
		const struct flw_tuf_key keys[2] = { *flw_signer_key(f->k),
			                             *flw_signer_key(f->k2) };
		struct flw_tuf_role_keys roles[4] = {
			[FLW_TUF_ROOT] = { keys, 1, 1 },
			[FLW_TUF_TARGETS] = { keys, 2, 2 },
			[FLW_TUF_SNAPSHOT] = { keys, 1, 1 },
			[FLW_TUF_TIMESTAMP] = { keys, 1, 1 },
		};

		assert_int_equal(flw_tuf_make_root(&r2, 1, NOW + DAY, roles), 0);
	}
	sign1(&b, r2, f->k);
	assert_int_equal(flw_tuf_root_parse(&root, b.data, b.len, NULL), 0);
	assert_int_equal(verify_with(root, sgn,
	                             json_pack("[o,o]", sig_entry(sgn, f->k, NULL, 64),
	                                       sig_entry(sgn, f->k, NULL, 64))),
	                 FLW_ESIG);
	assert_int_equal(verify_with(root, sgn,
	                             json_pack("[o,o]", sig_entry(sgn, f->k, NULL, 64),
	                                       sig_entry(sgn, f->k2, NULL, 64))),
	                 0);
	flw_tuf_root_free(root);
	flw_buf_free(&b);
	json_decref(r2);
	json_decref(sgn);
}

/* threshold 0 and unknown algorithms in the root */
static void test_B6_BAD06_threshold_0_and_unknown_algorithm(void **state)
{
	struct fx *f = *state;
	json_t *r = root_signed(f->k, 1);
	json_t *tr = json_object_get(json_object_get(r, "roles"), "targets");
	json_t *key = json_object_get(json_object_get(r, "keys"), flw_signer_key(f->k)->keyid);
	struct flw_tuf_root *root = NULL;
	struct flw_buf b;

	json_object_set_new(tr, "threshold", json_integer(0));
	sign1(&b, r, f->k);
	assert_int_equal(flw_tuf_root_parse(&root, b.data, b.len, NULL), FLW_EFORMAT);
	assert_null(root);
	flw_buf_free(&b);
	json_object_set_new(tr, "threshold", json_integer(-1));
	sign1(&b, r, f->k);
	assert_int_equal(flw_tuf_root_parse(&root, b.data, b.len, NULL), FLW_EFORMAT);
	flw_buf_free(&b);
	json_object_set_new(tr, "threshold", json_integer(1));
	/* the only key under another scheme: it cannot count, so no role can be satisfied */
	json_object_set_new(key, "scheme", json_string("rsassa-pss-sha256"));
	sign1(&b, r, f->k);
	if (flw_tuf_root_parse(&root, b.data, b.len, NULL) == 0) {
		json_t *sgn = targets_with(1);

		assert_int_equal(flw_tuf_verify(root, FLW_TUF_ROOT, b.data, b.len, NULL, NULL),
		                 FLW_ESIG);
		assert_int_equal(
		        verify_with(root, sgn, json_pack("[o]", sig_entry(sgn, f->k, NULL, 64))),
		        FLW_ESIG);
		json_decref(sgn);
		flw_tuf_root_free(root);
	}
	flw_buf_free(&b);
	json_decref(r);
}

/* ---- B7 / BAD-05: parse before verify ------------------------------------------------------- */

/* Metadata whose signed content is malformed beyond the envelope (wrong _type, wrong types,
 * traversal names, absurd numbers, unknown fields) and whose signatures do not match it is
 * refused by the signature check (FLW_ESIG): nothing in "signed" was interpreted first. The
 * control: the same content, validly signed, gets past the signatures and fails later or is
 * read, which shows the order of the checks. */
static void test_B7_BAD05_tampered_malformed_rejected_at_signature(void **state)
{
	static const char *const tampers[] = {
		"{\"_type\":\"root\",\"version\":1,\"expires\":\"2099-01-01T00:00:00Z\"}",
		"{\"_type\":\"targets\",\"version\":-5,\"expires\":\"never\",\"targets\":[]}",
		"{\"_type\":\"targets\",\"targets\":{\"../x\":{\"length\":\"a\",\"hashes\":7}}}",
		"{\"_type\":7}",
		"{\"run\":\"sh -c 'reboot'\",\"redirect\":\"http://evil.example/\"}",
		"[1,2,3]",
		"\"signed\"",
	};
	struct fx *f = *state;
	json_t *good = targets_with(1);
	json_t *sigs = json_pack("[o]", sig_entry(good, f->k, NULL, 64));
	size_t i;

	assert_int_equal(verify_with(f->root, good, json_incref(sigs)), 0);
	for (i = 0; i < FLW_ARRAY_SIZE(tampers); i++) {
		json_t *bad = json_loads(tampers[i], JSON_DECODE_ANY, NULL);
		int rc;

		assert_non_null(bad);
		/* tampered: the good signatures over other content. A "signed" that is not an
		 * object fails the envelope framing (FLW_EFORMAT); anything else the signatures. */
		rc = verify_with(f->root, bad, json_deep_copy(sigs));
		assert_int_equal(rc, json_is_object(bad) ? FLW_ESIG : FLW_EFORMAT);
		/* control: validly signed, the content is examined and fails (or is fine) there */
		if (json_is_object(bad)) {
			rc = verify_with(f->root, bad,
			                 json_pack("[o]", sig_entry(bad, f->k, NULL, 64)));
			assert_int_not_equal(rc, FLW_ESIG);
		}
		json_decref(bad);
	}
	json_decref(sigs);
	json_decref(good);
}

/* ---- B9: pathological counts and depth ---------------------------------------------------- */

static void test_B9_pathological_counts_and_depth(void **state)
{
	struct fx *f = *state;
	json_t *sgn = targets_with(1);
	json_t *sigs = json_array();
	json_t *deep = json_string("x");
	size_t i;

	for (i = 0; i < FLW_TUF_MAX_KEYS + 1; i++)
		json_array_append_new(sigs, sig_entry(sgn, f->k, NULL, 64));
	assert_int_not_equal(verify_with(f->root, sgn, sigs), 0);
	for (i = 0; i < FLW_TUF_MAX_DEPTH + 2; i++)
		deep = json_pack("{s:o}", "d", deep);
	json_object_set_new(sgn, "deep", deep);
	assert_int_not_equal(
	        verify_with(f->root, sgn, json_pack("[o]", sig_entry(sgn, f->k, NULL, 64))), 0);
	json_decref(sgn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_B1_BAD01_target_names_traversal, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B1_BAD02_ids_with_url_and_path_characters,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_B2_BAD03_target_length_2_31_2_32_2_63, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B2_BAD03_slot_write_length_not_truncated,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_B2_acked_seq_near_int64_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_B3_BAD07_version_strings_51_255_256_64k, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B3_BAD07_agent_state_long_strings, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B3_BAD08_bootsel_long_and_empty_values, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B4_BAD07_json_without_nul_terminator, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B4_tuf_metadata_truncated_at_every_byte, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B4_state_files_truncated_at_every_byte, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B6_BAD06_empty_signature_list, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B6_BAD06_signature_63_65_bytes, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_B6_BAD06_duplicate_keyid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_B6_BAD06_threshold_0_and_unknown_algorithm,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_B7_BAD05_tampered_malformed_rejected_at_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_B9_pathological_counts_and_depth, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
