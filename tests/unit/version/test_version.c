/* tests/unit/version/test_version.c - version comparison tables per scheme */
#include "flw_test.h"

#include <string.h>

#include "fleetward/error.h"
#include "fleetward/version.h"

struct vcase {
	int scheme;
	const char *a;
	const char *b;
	int want; /* -1, 0, 1 */
};

static const struct vcase cases[] = {
	/* OpenSSL letter releases: a letter is later than none, letters by length then alpha */
	{ FLW_VSCHEME_OPENSSL, "1.1.1s", "1.1.1t", -1 },
	{ FLW_VSCHEME_OPENSSL, "1.1.1", "1.1.1a", -1 },
	{ FLW_VSCHEME_OPENSSL, "1.1.1z", "1.1.1za", -1 },
	{ FLW_VSCHEME_OPENSSL, "1.1.1t", "1.1.1za", -1 },
	{ FLW_VSCHEME_OPENSSL, "1.0.2zg", "1.0.2zh", -1 },
	{ FLW_VSCHEME_OPENSSL, "1.0.2zf", "1.0.2zg", -1 },
	{ FLW_VSCHEME_OPENSSL, "1.0.2y", "1.0.2za", -1 },
	{ FLW_VSCHEME_OPENSSL, "1.0.2zk", "1.1.0", -1 },
	{ FLW_VSCHEME_OPENSSL, "3.0.0-beta1", "3.0.0", -1 },
	{ FLW_VSCHEME_OPENSSL, "3.0.0-alpha17", "3.0.0-beta1", -1 },
	{ FLW_VSCHEME_OPENSSL, "3.0.7", "3.0.8", -1 },
	/* generic: numeric, padding, v-prefix, pre-releases, letters after */
	{ FLW_VSCHEME_GENERIC, "1.9", "1.10", -1 },
	{ FLW_VSCHEME_GENERIC, "3.0", "3.0.0", 0 },
	{ FLW_VSCHEME_GENERIC, "v1.2.3", "1.2.3", 0 },
	{ FLW_VSCHEME_GENERIC, "V5.36", "5.35", 1 },
	{ FLW_VSCHEME_GENERIC, "2.90test3", "2.90", -1 },
	{ FLW_VSCHEME_GENERIC, "2.89", "2.90test3", -1 },
	{ FLW_VSCHEME_GENERIC, "2.90test3", "2.90rc1", -1 },
	{ FLW_VSCHEME_GENERIC, "1.0-rc1", "1.0", -1 },
	{ FLW_VSCHEME_GENERIC, "1.0-rc1", "1.0.0-rc1", 0 },
	{ FLW_VSCHEME_GENERIC, "1.0-rc2", "1.0-rc10", -1 },
	{ FLW_VSCHEME_GENERIC, "1.0alpha", "1.0beta", -1 },
	{ FLW_VSCHEME_GENERIC, "1.0beta2", "1.0pre1", -1 },
	{ FLW_VSCHEME_GENERIC, "1.0pre1", "1.0rc1", -1 },
	{ FLW_VSCHEME_GENERIC, "1.0dev", "1.0alpha", -1 },
	{ FLW_VSCHEME_GENERIC, "7.4", "7.4p1", -1 },
	{ FLW_VSCHEME_GENERIC, "1.0a", "1.0.1", -1 },
	{ FLW_VSCHEME_GENERIC, "2016.73", "2016.74", -1 },
	{ FLW_VSCHEME_GENERIC, "0.9.33.2", "1.0.40", -1 },
	{ FLW_VSCHEME_GENERIC, "16.03.34.06", "16.03.34.07", -1 },
	{ FLW_VSCHEME_GENERIC, "16.03.34.06", "16.3.34.6", 0 },
	{ FLW_VSCHEME_GENERIC, "1.4.45", "1.4.46", -1 },
	{ FLW_VSCHEME_GENERIC, "1.36.1", "1.37.0", -1 },
	{ FLW_VSCHEME_GENERIC, "0", "0.1", -1 },
	{ FLW_VSCHEME_GENERIC, "1.2.3", "1.2.3", 0 },
	{ FLW_VSCHEME_GENERIC, "2.16ww", "2.16", 1 },
	/* Debian: epochs, revisions, tilde first */
	{ FLW_VSCHEME_DEB, "1:1.0", "2.0", 1 },
	{ FLW_VSCHEME_DEB, "1.0~rc1", "1.0", -1 },
	{ FLW_VSCHEME_DEB, "1.0~rc1-1", "1.0-1", -1 },
	{ FLW_VSCHEME_DEB, "1.0~~", "1.0~", -1 },
	{ FLW_VSCHEME_DEB, "1.0", "1.0-0", 0 },
	{ FLW_VSCHEME_DEB, "1.0-1", "1.0-2", -1 },
	{ FLW_VSCHEME_DEB, "1.0-1", "1.0-1+deb12u1", -1 },
	{ FLW_VSCHEME_DEB, "1.0-1ubuntu1", "1.0-1", 1 },
	{ FLW_VSCHEME_DEB, "1.0", "1.0.0", -1 },
	{ FLW_VSCHEME_DEB, "1.0a", "1.0+", -1 },
	{ FLW_VSCHEME_DEB, "1.0", "1.0a", -1 },
	{ FLW_VSCHEME_DEB, "2:1.0", "1:9.9", 1 },
	{ FLW_VSCHEME_DEB, "1.36.1-r29", "1.36.1-r30", -1 },
	{ FLW_VSCHEME_DEB, "3.0.11-1~deb12u2", "3.0.11-1", -1 },
	{ FLW_VSCHEME_DEB, "10", "9", 1 },
};

static void test_version_tables(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = 99;
		int back = 99;

		if (flw_version_cmp(cases[i].scheme, cases[i].a, cases[i].b, &got) != 0 ||
		    flw_version_cmp(cases[i].scheme, cases[i].b, cases[i].a, &back) != 0)
			fail_msg("case %zu: '%s' vs '%s' did not parse", i, cases[i].a, cases[i].b);
		if (got != cases[i].want || back != -cases[i].want)
			fail_msg("case %zu (%s): '%s' vs '%s' = %d/%d, want %d", i,
			         flw_vscheme_to_string(cases[i].scheme), cases[i].a, cases[i].b,
			         got, back, cases[i].want);
	}
}

static void test_version_unparseable_is_error(void **state)
{
	static const char *const bad[] = {
		"",   "unspecified",          "n/a",           "1..2", "1.2.",
		".1", "1.1.4 Build 20230219", "V5.36(ABPS.0)", "abc",  "1.2\x01"
	};
	struct flw_version v;
	struct flw_diag d;
	size_t i;
	int out;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (flw_version_parse(&v, FLW_VSCHEME_GENERIC, bad[i], strlen(bad[i]), &d) !=
		    FLW_EFORMAT)
			fail_msg("'%s' should be FLW_EFORMAT", bad[i]);
	assert_int_equal(flw_version_parse(&v, FLW_VSCHEME_GENERIC, "1.12345678901234567", 19, &d),
	                 FLW_ELIMIT);
	assert_int_equal(flw_version_parse(&v, FLW_VSCHEME_GENERIC, "1.abcdefgh", 10, &d),
	                 FLW_ELIMIT);
	assert_int_equal(flw_version_cmp(FLW_VSCHEME_DEB, "a1.0", "1.0", &out), FLW_EFORMAT);
	assert_int_equal(flw_version_cmp(FLW_VSCHEME_DEB, "1.0-", "1.0", &out), FLW_EFORMAT);
	assert_int_equal(flw_version_cmp(FLW_VSCHEME_DEB, "x:1.0", "1.0", &out), FLW_EFORMAT);
	assert_int_equal(flw_version_cmp(FLW_VSCHEME_DEB, "1:2:3", "1.0", &out), 0);
	assert_int_equal(flw_version_parse(&v, (enum flw_vscheme)7, "1", 1, &d), FLW_EINVAL);
}

static void test_version_deb_upstream(void **state)
{
	size_t off = 0;
	size_t len = 0;
	const char *s = "1:1.36.1-2+deb12u1";

	(void)state;
	assert_int_equal(flw_version_deb_upstream(s, strlen(s), &off, &len), 0);
	assert_int_equal(off, 2);
	assert_int_equal(len, 6);
	assert_memory_equal(s + off, "1.36.1", 6);
	assert_int_equal(flw_vscheme_from_string("openssl"), FLW_VSCHEME_OPENSSL);
	assert_int_equal(flw_vscheme_from_string("nope"), _FLW_VSCHEME_INVALID);
	assert_string_equal(flw_vscheme_to_string(FLW_VSCHEME_DEB), "deb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_tables),
		cmocka_unit_test(test_version_unparseable_is_error),
		cmocka_unit_test(test_version_deb_upstream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
