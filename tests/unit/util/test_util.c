/* tests/unit/util/test_util.c - errors, diag, buffers, allocator fault injection, files */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "flw_test.h"

static void test_error_names_are_unique_and_known(void **state)
{
	int a;
	int b;

	(void)state;
	for (a = _FLW_E_MIN + 1; a <= 0; a++) {
		assert_string_not_equal(flw_error_name(a), "unknown");
		for (b = a + 1; b <= 0; b++)
			assert_string_not_equal(flw_error_name(a), flw_error_name(b));
	}
	assert_string_equal(flw_error_name(-1000), "unknown");
	assert_string_equal(flw_strerror(FLW_ESIG), "signature check failed");
}

static void test_diag_format(void **state)
{
	struct flw_diag d;
	char out[512];

	(void)state;
	flw_diag_clear(&d);
	assert_int_equal(flw_diag_set(&d, FLW_EFORMAT, "signed.version", "expected %s", "int"),
	                 FLW_EFORMAT);
	assert_string_equal(flw_diag_format(&d, out, sizeof(out)),
	                    "expected int (field 'signed.version')");
	assert_int_equal(flw_diag_errno(&d, ENOENT, NULL, "opening '%s'", "x"), FLW_EIO);
	assert_int_equal(d.sys_errno, ENOENT);
	assert_non_null(strstr(d.msg, "No such file"));
	/* a NULL diag is fine everywhere */
	assert_int_equal(flw_diag_set(NULL, FLW_ELIMIT, NULL, "x"), FLW_ELIMIT);
}

static void test_buf_limit_and_nul(void **state)
{
	struct flw_buf b;

	(void)state;
	flw_buf_init(&b, 8);
	assert_string_equal(flw_buf_cstr(&b), "");
	assert_int_equal(flw_buf_puts(&b, "abcd"), 0);
	assert_int_equal(flw_buf_printf(&b, "%d", 1234), 0);
	assert_string_equal(flw_buf_cstr(&b), "abcd1234");
	/* growth past max is refused and leaves the buffer unchanged */
	assert_int_equal(flw_buf_append(&b, "x", 1), FLW_ELIMIT);
	assert_int_equal(flw_buf_printf(&b, "%s", "y"), FLW_ELIMIT);
	assert_int_equal(b.len, 8);
	assert_string_equal(flw_buf_cstr(&b), "abcd1234");
	/* size_t overflow in the request is a limit, not a wrap-around */
	assert_int_equal(flw_buf_append(&b, "x", (size_t)-1), FLW_ELIMIT);
	flw_buf_free(&b);
}

static void test_alloc_fault_injection(void **state)
{
	void *p;

	(void)state;
	flw_alloc_fail_at(2, 0);
	p = flw_malloc(10);
	assert_non_null(p);
	flw_free(p);
	assert_null(flw_malloc(10));
	assert_true(flw_alloc_injected());
	p = flw_malloc(10); /* not sticky: the third works */
	assert_non_null(p);
	flw_free(p);
	flw_alloc_fail_at(1, 1);
	assert_null(flw_strdup("x"));
	assert_null(flw_calloc(1, 1));
	flw_alloc_fail_at(0, 0);
	/* overflow in nmemb * size is refused */
	assert_null(flw_reallocarray(NULL, (size_t)-1, 16));
}

static void test_write_atomic_and_read(void **state)
{
	char *dir = flw_test_tmpdir();
	char *path = flw_fs_join(dir, "f");
	struct flw_buf b;
	struct flw_diag d;
	struct stat st;

	(void)state;
	flw_buf_init(&b, 100);
	assert_int_equal(flw_fs_write_atomic(path, "old", 3, 0600, &d), 0);
	assert_int_equal(flw_fs_write_atomic(path, "new content", 11, 0600, &d), 0);
	assert_int_equal(flw_fs_read_all(path, &b, &d), 0);
	assert_string_equal(flw_buf_cstr(&b), "new content");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	flw_buf_free(&b);
	/* a file larger than the buffer's limit is refused */
	flw_buf_init(&b, 4);
	assert_int_equal(flw_fs_read_all(path, &b, &d), FLW_ELIMIT);
	flw_buf_free(&b);
	flw_buf_init(&b, 4);
	assert_int_equal(flw_fs_read_all("/nonexistent/x", &b, &d), FLW_ENOTFOUND);
	flw_buf_free(&b);
	/* writing into a missing directory fails cleanly and leaves no temp file behind */
	flw_free(path);
	path = flw_fs_join(dir, "missing/f");
	assert_int_equal(flw_fs_write_atomic(path, "x", 1, 0600, &d), FLW_EIO);
	flw_test_rmrf(dir);
	flw_free(path);
	flw_free(dir);
}

static void test_name_ok(void **state)
{
	(void)state;
	assert_true(flw_fs_name_ok("abc-1.2_x", 64));
	assert_false(flw_fs_name_ok("..", 64));
	assert_false(flw_fs_name_ok(".", 64));
	assert_false(flw_fs_name_ok("", 64));
	assert_false(flw_fs_name_ok("a/b", 64));
	assert_false(flw_fs_name_ok("a b", 64));
	assert_false(flw_fs_name_ok("abcdef", 5));
}

static void test_mkdirs(void **state)
{
	char *dir = flw_test_tmpdir();
	char *deep = flw_fs_join(dir, "a/b/c");
	struct stat st;

	(void)state;
	assert_int_equal(flw_fs_mkdirs(deep, 0700, NULL), 0);
	assert_int_equal(flw_fs_mkdirs(deep, 0700, NULL), 0); /* idempotent */
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	flw_test_rmrf(dir);
	flw_free(deep);
	flw_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_names_are_unique_and_known),
		cmocka_unit_test(test_diag_format),
		cmocka_unit_test(test_buf_limit_and_nul),
		cmocka_unit_test(test_alloc_fault_injection),
		cmocka_unit_test(test_write_atomic_and_read),
		cmocka_unit_test(test_name_ok),
		cmocka_unit_test(test_mkdirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
