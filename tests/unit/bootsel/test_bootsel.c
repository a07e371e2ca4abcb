/* tests/unit/bootsel/test_bootsel.c - boot selection state file and the boot contract
 *
 * Round trip of every field; the bootloader model (trial counts down, falls back when tries
 * run out, commit makes the trial primary); a torn, garbage, edited or oversized state file
 * is an error, never a silent default; the write is atomic (no temp file left, old content
 * intact when the directory is not writable).
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flw_test.h"
#include "fleetward/alloc.h"
#include "fleetward/bootsel.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"

struct fx {
	char *dir;
	char *path;
	struct flw_bootsel *b;
};

static int setup(void **state)
{
	struct fx *f = flw_calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = flw_test_tmpdir();
	f->path = flw_fs_join(f->dir, "bootsel");
	assert_int_equal(flw_bootsel_file_open(&f->b, f->path, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	flw_bootsel_free(f->b);
	flw_test_rmrf(f->dir);
	flw_free(f->path);
	flw_free(f->dir);
	flw_free(f);
	return 0;
}

static void load_ok(struct fx *f, struct flw_bootsel_state *st)
{
	struct flw_diag d = { 0 };

	assert_int_equal(flw_bootsel_load(f->b, st, &d), 0);
}

static void test_missing_file_is_factory_state(void **state)
{
	struct fx *f = *state;
	struct flw_bootsel_state st;

	load_ok(f, &st);
	assert_int_equal(st.primary, 'A');
	assert_int_equal(st.trial, 0);
	assert_int_equal(st.booted, 'A');
	assert_int_equal(st.last_failed, 0);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	const struct flw_bootsel_state cases[] = {
		{ 'A', 0, 0, 'A', 0 },
		{ 'A', 'B', 3, 'A', 0 },
		{ 'B', 'A', 100, 'A', 'A' },
		{ 'B', 0, 0, 'A', 'B' },
	};
	struct flw_bootsel_state got;
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(cases); i++) {
		assert_int_equal(flw_bootsel_store(f->b, &cases[i], NULL), 0);
		load_ok(f, &got);
		assert_int_equal(got.primary, cases[i].primary);
		assert_int_equal(got.trial, cases[i].trial);
		assert_int_equal(got.tries_left, cases[i].tries_left);
		assert_int_equal(got.booted, cases[i].booted);
		assert_int_equal(got.last_failed, cases[i].last_failed);
	}
}

static void test_store_refuses_invalid(void **state)
{
	struct fx *f = *state;
	const struct flw_bootsel_state bad[] = {
		{ 'C', 0, 0, 'A', 0 },     /* bad primary */
		{ 'A', 'A', 3, 'A', 0 },   /* trial == primary */
		{ 'A', 'X', 3, 'A', 0 },   /* bad trial */
		{ 'A', 0, 0, 0, 0 },       /* bad booted */
		{ 'A', 0, 0, 'A', 'Q' },   /* bad last_failed */
		{ 'A', 'B', 101, 'A', 0 }, /* too many tries */
	};
	struct flw_bootsel_state got;
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(bad); i++)
		assert_int_equal(flw_bootsel_store(f->b, &bad[i], NULL), FLW_EINVAL);
	/* nothing was written */
	load_ok(f, &got);
	assert_int_equal(got.primary, 'A');
	assert_int_equal(access(f->path, F_OK), -1);
}

static void test_trial_counts_down_then_falls_back(void **state)
{
	struct fx *f = *state;
	const struct flw_bootsel_state sw = { 'A', 'B', 3, 'A', 0 };
	struct flw_bootsel_state st;
	char booted = 0;
	int i;

	assert_int_equal(flw_bootsel_store(f->b, &sw, NULL), 0);
	for (i = 2; i >= 0; i--) {
		assert_int_equal(flw_bootsel_boot(f->b, &booted, NULL), 0);
		assert_int_equal(booted, 'B');
		load_ok(f, &st);
		assert_int_equal(st.tries_left, (unsigned)i);
		assert_int_equal(st.trial, 'B');
		assert_int_equal(st.booted, 'B');
	}
	/* tries exhausted: back to the primary, the failed slot recorded */
	assert_int_equal(flw_bootsel_boot(f->b, &booted, NULL), 0);
	assert_int_equal(booted, 'A');
	load_ok(f, &st);
	assert_int_equal(st.trial, 0);
	assert_int_equal(st.primary, 'A');
	assert_int_equal(st.last_failed, 'B');
	assert_int_equal(st.booted, 'A');
	/* and it stays there */
	assert_int_equal(flw_bootsel_boot(f->b, &booted, NULL), 0);
	assert_int_equal(booted, 'A');
}

static void test_commit_makes_trial_primary(void **state)
{
	struct fx *f = *state;
	const struct flw_bootsel_state sw = { 'A', 'B', 1, 'A', 0 };
	struct flw_bootsel_state st;
	char booted = 0;

	assert_int_equal(flw_bootsel_store(f->b, &sw, NULL), 0);
	assert_int_equal(flw_bootsel_boot(f->b, &booted, NULL), 0);
	assert_int_equal(booted, 'B');
	load_ok(f, &st);
	st.primary = 'B'; /* the agent's commit: one store */
	st.trial = 0;
	st.tries_left = 0;
	assert_int_equal(flw_bootsel_store(f->b, &st, NULL), 0);
	assert_int_equal(flw_bootsel_boot(f->b, &booted, NULL), 0);
	assert_int_equal(booted, 'B');
	assert_int_equal(flw_bootsel_boot(f->b, &booted, NULL), 0);
	assert_int_equal(booted, 'B');
	assert_int_equal(flw_bootsel_other('A'), 'B');
	assert_int_equal(flw_bootsel_other('B'), 'A');
}

static void expect_load_error(struct fx *f, const void *data, size_t len)
{
	struct flw_bootsel_state st;
	struct flw_diag d = { 0 };

	flw_test_write_file(f->path, data, len);
	assert_int_equal(flw_bootsel_load(f->b, &st, &d), FLW_EFORMAT);
	assert_true(strlen(d.msg) > 0);
}

static void test_torn_or_garbage_file_is_an_error(void **state)
{
	struct fx *f = *state;
	const struct flw_bootsel_state sw = { 'B', 'A', 3, 'B', 0 };
	struct flw_buf good;
	char big[2048];
	size_t cut;

	assert_int_equal(flw_bootsel_store(f->b, &sw, NULL), 0);
	flw_buf_init(&good, 4096);
	assert_int_equal(flw_fs_read_all(f->path, &good, NULL), 0);
	/* every torn prefix, including empty */
	for (cut = 0; cut < good.len; cut++)
		expect_load_error(f, good.data, cut);
	/* one flipped value keeps the syntax but breaks the CRC */
	{
		char *p = (char *)good.data;
		char *v = strstr(p, "primary=B");

		assert_non_null(v);
		v[8] = 'A';
		expect_load_error(f, p, good.len);
		v[8] = 'B';
	}
	/* trailing data after a valid file */
	{
		char tmp[1024];

		memcpy(tmp, good.data, good.len);
		memcpy(tmp + good.len, "x\n", 2);
		expect_load_error(f, tmp, good.len + 2);
	}
	expect_load_error(f, "garbage\n", 8);
	memset(big, 'a', sizeof(big));
	expect_load_error(f, big, sizeof(big)); /* over the size limit */
	flw_buf_free(&good);
}

static void test_atomic_write(void **state)
{
	struct fx *f = *state;
	const struct flw_bootsel_state one = { 'A', 'B', 3, 'A', 0 };
	const struct flw_bootsel_state two = { 'B', 0, 0, 'B', 0 };
	struct flw_bootsel_state st;
	struct dirent *e;
	DIR *dir;
	int n = 0;

	assert_int_equal(flw_bootsel_store(f->b, &one, NULL), 0);
	assert_int_equal(flw_bootsel_store(f->b, &two, NULL), 0);
	dir = opendir(f->dir);
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dir);
	assert_int_equal(n, 1); /* no temp file left behind */
	if (geteuid() != 0) {
		/* a store that cannot complete leaves the old state intact */
		assert_int_equal(chmod(f->dir, 0500), 0);
		assert_int_not_equal(flw_bootsel_store(f->b, &one, NULL), 0);
		assert_int_equal(chmod(f->dir, 0700), 0);
	}
	load_ok(f, &st);
	assert_int_equal(st.primary, 'B');
	assert_int_equal(st.trial, 0);
}

static int torture_bootsel(void *payload)
{
	const struct flw_bootsel_state sw = { 'A', 'B', 3, 'A', 0 };
	struct flw_bootsel *b = NULL;
	char booted = 0;
	int rc;

	rc = flw_bootsel_file_open(&b, payload, NULL);
	if (rc == 0)
		rc = flw_bootsel_store(b, &sw, NULL);
	if (rc == 0)
		rc = flw_bootsel_boot(b, &booted, NULL);
	flw_bootsel_free(b);
	return rc;
}

static void test_oom(void **state)
{
	struct fx *f = *state;

	assert_true(flw_test_torture(torture_bootsel, f->path, 1000) > 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_file_is_factory_state, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_refuses_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trial_counts_down_then_falls_back, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_commit_makes_trial_primary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_or_garbage_file_is_an_error, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_atomic_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
