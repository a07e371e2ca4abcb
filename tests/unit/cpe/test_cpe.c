/* tests/unit/cpe/test_cpe.c - CPE 2.3 formatted strings (NISTIR 7695) and matching (NISTIR 7696) */
#include "flw_test.h"

#include <stdio.h>
#include <string.h>

#include "fleetward/cpe.h"
#include "fleetward/error.h"

static struct flw_cpe P(const char *s) {
	struct flw_cpe c;
	struct flw_diag d;

	if (flw_cpe_parse(&c, s, strlen(s), &d) != 0)
		fail_msg("'%s': %s", s, d.msg);
	return c;
}

static void
test_cpe_parse_escapes(void **state)
{
	struct flw_cpe c = P("cpe:2.3:a:sdbus-c\\+\\+_project:sdbus-c\\+\\+:1.0\\+x:*:*:*:*:*:*:*");
	char out[FLW_CPE_MAX_LEN + 1];

	(void)state;
	assert_string_equal(flw_cpe_value(&c, FLW_CPE_VENDOR), "sdbus-c++_project");
	assert_string_equal(flw_cpe_value(&c, FLW_CPE_VERSION), "1.0+x");
	assert_int_equal(c.attr[FLW_CPE_UPDATE].kind, FLW_CPE_ANY);
	assert_int_equal(flw_cpe_format(&c, out, sizeof(out)), 0);
	assert_string_equal(out,
	                    "cpe:2.3:a:sdbus-c\\+\\+_project:sdbus-c\\+\\+:1.0\\+x:*:*:*:*:*:*:*");
	c = P("cpe:2.3:o:tenda:f1202_firmware:1.2.0.20\\(408\\):*:*:*:*:*:*:*");
	assert_string_equal(flw_cpe_value(&c, FLW_CPE_VERSION), "1.2.0.20(408)");
	c = P("cpe:2.3:a:Vendor:Foo\\:Bar:-:*:*:*:*:*:*:*"); /* quoted colon, upper case */
	assert_string_equal(flw_cpe_value(&c, FLW_CPE_VENDOR), "vendor");
	assert_string_equal(flw_cpe_value(&c, FLW_CPE_PRODUCT), "foo:bar");
	assert_int_equal(c.attr[FLW_CPE_VERSION].kind, FLW_CPE_NA);
	c = P("cpe:2.3:a:nodejs:node.js:*:*:*:*:lts:*:*:*");
	assert_string_equal(flw_cpe_value(&c, FLW_CPE_SW_EDITION), "lts");
	c = P("cpe:2.3:a:x:y:\\*:*:*:*:*:*:*:*"); /* quoted asterisk is a literal */
	assert_false(flw_cpe_has_wildcard(&c, FLW_CPE_VERSION));
	assert_string_equal(flw_cpe_value(&c, FLW_CPE_VERSION), "*");
	c = P("cpe:2.3:a:x:y:\\-:*:*:*:*:*:*:*"); /* quoted hyphen is a value, not NA */
	assert_int_equal(c.attr[FLW_CPE_VERSION].kind, FLW_CPE_VALUE);
	c = P("cpe:2.3:a:x:y:1.?:*:*:*:*:*:*:*");
	assert_true(flw_cpe_has_wildcard(&c, FLW_CPE_VERSION));
	c = P("cpe:2.3:*:x:*foo*:*:*:*:*:*:*:*:*");
	assert_true(flw_cpe_has_wildcard(&c, FLW_CPE_PRODUCT));
}

static void test_cpe_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"cpe:/a:openssl:openssl:1.0",                    /* URI binding */
		"cpe:2.3:a:openssl:openssl:1.0:*:*:*:*:*:*",     /* 12 components */
		"cpe:2.3:a:openssl:openssl:1.0:*:*:*:*:*:*:*:*", /* 14 */
		"cpe:2.3:a:openssl:openssl:1.0:*:*:*:*:*:*:",    /* empty */
		"cpe:2.3:x:openssl:openssl:1.0:*:*:*:*:*:*:*",   /* bad part */
		"cpe:2.3:a:open ssl:openssl:1.0:*:*:*:*:*:*:*",  /* unquoted blank */
		"cpe:2.3:a:openssl:open*ssl:1.0:*:*:*:*:*:*:*",  /* wildcard inside */
		"cpe:2.3:a:openssl:**ssl:1.0:*:*:*:*:*:*:*",     /* two stars */
		"cpe:2.3:a:openssl:openssl:1.0\\:*:*:*:*:*:*:*", /* eats the colon: 12 */
		"cpe:2.3:a:openssl:openssl:1.0+:*:*:*:*:*:*:*",  /* unquoted + */
		"cpe:2.3:a:openssl:openssl:1.0\\\x01:*:*:*:*:*:*:*",
	};
	struct flw_cpe c;
	struct flw_diag d;
	char big[FLW_CPE_MAX_LEN + 40];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (flw_cpe_parse(&c, bad[i], strlen(bad[i]), &d) != FLW_EFORMAT)
			fail_msg("accepted '%s'", bad[i]);
	memset(big, 'a', sizeof(big));
	memcpy(big, "cpe:2.3:a:", 10);
	assert_int_equal(flw_cpe_parse(&c, big, sizeof(big), &d), FLW_ELIMIT);
}

struct rel_case {
	const char *source;
	const char *target;
	int attr;
	enum flw_cpe_rel want;
};

/* NISTIR 7696 Table 6-2 rows, on the version attribute */
static const struct rel_case rel_cases[] = {
	{ "*", "*", FLW_CPE_VERSION, FLW_CPE_REL_EQUAL },          /* 1 */
	{ "*", "-", FLW_CPE_VERSION, FLW_CPE_REL_SUPERSET },       /* 2 */
	{ "*", "1.0", FLW_CPE_VERSION, FLW_CPE_REL_SUPERSET },     /* 3 */
	{ "*", "1.*", FLW_CPE_VERSION, FLW_CPE_REL_UNDEFINED },    /* 4 */
	{ "-", "*", FLW_CPE_VERSION, FLW_CPE_REL_SUBSET },         /* 5 */
	{ "-", "-", FLW_CPE_VERSION, FLW_CPE_REL_EQUAL },          /* 6 */
	{ "-", "1.0", FLW_CPE_VERSION, FLW_CPE_REL_DISJOINT },     /* 7 */
	{ "-", "1.*", FLW_CPE_VERSION, FLW_CPE_REL_UNDEFINED },    /* 8 */
	{ "1.0", "1.0", FLW_CPE_VERSION, FLW_CPE_REL_EQUAL },      /* 9 */
	{ "1.0", "2.0", FLW_CPE_VERSION, FLW_CPE_REL_DISJOINT },   /* 10 */
	{ "1.0", "1.*", FLW_CPE_VERSION, FLW_CPE_REL_UNDEFINED },  /* 11 */
	{ "1.0", "-", FLW_CPE_VERSION, FLW_CPE_REL_DISJOINT },     /* 12 */
	{ "1.0", "*", FLW_CPE_VERSION, FLW_CPE_REL_SUBSET },       /* 13 */
	{ "1.*", "1.2.3", FLW_CPE_VERSION, FLW_CPE_REL_SUPERSET }, /* 14 */
	{ "1.*", "2.0", FLW_CPE_VERSION, FLW_CPE_REL_DISJOINT },   /* 14 */
	{ "1.*", "*", FLW_CPE_VERSION, FLW_CPE_REL_SUBSET },       /* 15 */
	{ "1.*", "-", FLW_CPE_VERSION, FLW_CPE_REL_DISJOINT },     /* 16 */
	{ "1.*", "1.*", FLW_CPE_VERSION, FLW_CPE_REL_UNDEFINED },  /* 17 */
	{ "1.?", "1.2", FLW_CPE_VERSION, FLW_CPE_REL_SUPERSET },
	{ "1.?", "1.23", FLW_CPE_VERSION, FLW_CPE_REL_DISJOINT },
	{ "??.0", "10.0", FLW_CPE_VERSION, FLW_CPE_REL_SUPERSET },
	{ "*.0", "10.0", FLW_CPE_VERSION, FLW_CPE_REL_SUPERSET },
	{ "*.0*", "1.0.1", FLW_CPE_VERSION, FLW_CPE_REL_SUPERSET },
	{ "1.0", "1.0", FLW_CPE_VENDOR, FLW_CPE_REL_EQUAL },
};

static void test_cpe_compare_table(void **state)
{
	size_t i;
	char s[128];
	char t[128];

	(void)state;
	for (i = 0; i < sizeof(rel_cases) / sizeof(rel_cases[0]); i++) {
		struct flw_cpe a;
		struct flw_cpe b;
		enum flw_cpe_rel r;

		snprintf(s, sizeof(s), "cpe:2.3:a:%s:p:%s:*:*:*:*:*:*:*",
		         rel_cases[i].attr == FLW_CPE_VENDOR ? rel_cases[i].source : "v",
		         rel_cases[i].attr == FLW_CPE_VENDOR ? "*" : rel_cases[i].source);
		snprintf(t, sizeof(t), "cpe:2.3:a:%s:p:%s:*:*:*:*:*:*:*",
		         rel_cases[i].attr == FLW_CPE_VENDOR ? rel_cases[i].target : "v",
		         rel_cases[i].attr == FLW_CPE_VENDOR ? "*" : rel_cases[i].target);
		a = P(s);
		b = P(t);
		r = flw_cpe_compare_attr(&a, &b, (enum flw_cpe_attr)rel_cases[i].attr);
		if (r != rel_cases[i].want)
			fail_msg("case %zu: %s vs %s = %s, want %s", i, rel_cases[i].source,
			         rel_cases[i].target, flw_cpe_rel_to_string(r),
			         flw_cpe_rel_to_string(rel_cases[i].want));
	}
}

static void test_cpe_name_relations(void **state)
{
	struct flw_cpe crit = P("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*");
	struct flw_cpe ie = P("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*");
	struct flw_cpe ie2 = P("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:sp2:*:*:*:*:*:*");
	struct flw_cpe sys = P("cpe:2.3:a:syslog-ng:syslog-ng:*:*:*:*:-:*:*:*");
	struct flw_cpe prem = P("cpe:2.3:a:syslog-ng:syslog-ng:3.0:*:*:*:premium:*:*:*");
	struct flw_cpe plain = P("cpe:2.3:a:syslog-ng:syslog-ng:3.0:*:*:*:-:*:*:*");
	struct flw_cpe star_vendor = P("cpe:2.3:a:*:syslog-ng:3.0:*:*:*:-:*:*:*");

	(void)state;
	/* NISTIR 7696 section 6.3 example: sp? matches sp2, not beta */
	assert_int_equal(flw_cpe_compare(&crit, &ie), FLW_CPE_REL_DISJOINT);
	assert_int_equal(flw_cpe_compare(&crit, &ie2), FLW_CPE_REL_SUPERSET);
	assert_true(flw_cpe_match(&crit, &ie2));
	assert_int_equal(flw_cpe_compare(&ie2, &ie2), FLW_CPE_REL_EQUAL);
	assert_int_equal(flw_cpe_compare(&ie2, &crit), FLW_CPE_REL_UNDEFINED);
	/* Buildroot's NA fix: "-" must not match "premium" */
	assert_false(flw_cpe_match(&sys, &prem));
	assert_true(flw_cpe_match(&sys, &plain));
	/* a "*" vendor in an inventory CPE is a subset relation, never a match */
	assert_int_equal(flw_cpe_compare(&sys, &star_vendor), FLW_CPE_REL_UNDEFINED);
	assert_false(flw_cpe_match(&plain, &star_vendor));
	assert_string_equal(flw_cpe_rel_to_string(FLW_CPE_REL_SUBSET), "subset");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpe_parse_escapes),
		cmocka_unit_test(test_cpe_parse_rejects),
		cmocka_unit_test(test_cpe_compare_table),
		cmocka_unit_test(test_cpe_name_relations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
