/* tests/unit/match/test_match.c - matcher vectors of VULNDATA.md section 11.3 against the real
 * NVD records (../shared/vulndata/nvd_api2_sample.json via FLW_SRC_DIR), CVE 5 affected cases,
 * alias table, index. */
#include "flw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/match.h"
#include "match_diff.h"
#include "vuln/vuln_private.h"

static json_t *nvd;

static int load_nvd(void **state)
{
	const char *src = getenv("FLW_SRC_DIR");
	char path[4096];
	json_error_t err;

	(void)state;
	snprintf(path, sizeof(path), "%s/../shared/vulndata/nvd_api2_sample.json", src ? src : ".");
	nvd = json_load_file(path, 0, &err);
	if (!nvd)
		fprintf(stderr, "cannot load %s: %s\n", path, err.text);
	return nvd ? 0 : -1;
}

static int free_nvd(void **state)
{
	(void)state;
	json_decref(nvd);
	return 0;
}

static json_t *cve(const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(nvd, "vulnerabilities"), i, v)
	{
		json_t *c = json_object_get(v, "cve");

		if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
			return c;
	}
	fail_msg("%s not in the sample", id);
	return NULL;
}

static struct flw_vuln_config *config_of(const char *id)
{
	struct flw_vuln_config *c = NULL;
	struct flw_diag d;

	memset(&d, 0, sizeof(d));
	if (flw_vuln_config_parse(&c, json_object_get(cve(id), "configurations"), &d) != 0)
		fail_msg("%s: %s %s", id, d.path, d.msg);
	return c;
}

/* name: product name (alias table) or a CPE when it starts with "cpe:" */
static struct flw_match_result run(const struct flw_vuln_config *c, const char *name,
                                   const char *version, const struct flw_platform *plat)
{
	struct flw_component comp = { 0 };
	struct flw_match_item *it = NULL;
	struct flw_match_result r;

	if (strncmp(name, "cpe:", 4) == 0)
		comp.cpe = name;
	else
		comp.product = name;
	comp.version = version;
	assert_int_equal(flw_match_item_new(&it, &comp, NULL, NULL), 0);
	assert_int_equal(flw_match_config(c, it, plat, &r), 0);
	flw_match_item_free(it);
	return r;
}

static void expect(const char *id, const char *name, const char *const *versions,
                   const enum flw_match_verdict *want, size_t n)
{
	struct flw_vuln_config *c = config_of(id);
	size_t i;

	for (i = 0; i < n; i++) {
		struct flw_match_result r = run(c, name, versions[i], NULL);

		if (r.verdict != want[i])
			fail_msg("%s %s %s: got %s (%s), want %s", id, name, versions[i],
			         flw_match_verdict_to_string(r.verdict), r.reason ? r.reason : "",
			         flw_match_verdict_to_string(want[i]));
	}
	flw_vuln_config_free(c);
}

#define Y FLW_MATCH_YES
#define N FLW_MATCH_NO
#define EXPECT(id, name, vs, ws)                                      \
	do {                                                          \
		static const char *const v_[] = vs;                   \
		static const enum flw_match_verdict w_[] = ws;        \
		expect(id, name, v_, w_, sizeof(v_) / sizeof(v_[0])); \
	} while (0)
#define L(...)              \
	{                   \
		__VA_ARGS__ \
	}

static void test_cve_2023_0286_openssl_1_1_1(void **s)
{
	(void)s;
	EXPECT("CVE-2023-0286", "openssl", L("1.1.1s", "1.1.1t", "1.1.1", "1.1.1za"),
	       L(Y, N, Y, N));
}

static void test_cve_2023_0286_openssl_1_0_2_and_3(void **s)
{
	(void)s;
	EXPECT("CVE-2023-0286", "openssl", L("1.0.2zf", "1.0.2zg", "3.0.7", "3.0.8"),
	       L(Y, N, Y, N));
}

static void test_cve_2022_3602_openssl(void **s)
{
	(void)s;
	EXPECT("CVE-2022-3602", "openssl", L("3.0.6", "3.0.7", "1.1.1s"), L(Y, N, N));
}

static void test_cve_2022_3602_nodejs_sw_edition(void **s)
{
	struct flw_vuln_config *c = config_of("CVE-2022-3602");

	(void)s;
	/* sw_edition "-" in the range criteria vs "lts" in the exact one */
	assert_int_equal(
	        run(c, "cpe:2.3:a:nodejs:node.js:18.5.0:*:*:*:-:*:*:*", NULL, NULL).verdict, Y);
	assert_int_equal(
	        run(c, "cpe:2.3:a:nodejs:node.js:18.5.0:*:*:*:lts:*:*:*", NULL, NULL).verdict, N);
	assert_int_equal(
	        run(c, "cpe:2.3:a:nodejs:node.js:18.12.0:*:*:*:lts:*:*:*", NULL, NULL).verdict, Y);
	assert_int_equal(
	        run(c, "cpe:2.3:a:nodejs:node.js:18.12.0:*:*:*:-:*:*:*", NULL, NULL).verdict, N);
	flw_vuln_config_free(c);
}

static void test_cve_2023_28450_dnsmasq(void **s)
{
	(void)s;
	EXPECT("CVE-2023-28450", "dnsmasq", L("2.89", "2.90", "2.90test3"), L(Y, N, Y));
}

static void test_cve_2023_28450_dnsmasq_without_alias(void **s)
{
	struct flw_vuln_config *c = config_of("CVE-2023-28450");
	struct flw_match_result r;

	(void)s;
	r = run(c, "cpe:2.3:a:dnsmasq:dnsmasq:2.89:*:*:*:*:*:*:*", NULL, NULL);
	assert_int_equal(r.verdict, N);
	assert_false(r.flags & FLW_MATCH_F_NAME);
	r = run(c, "cpe:2.3:a:thekelleys:dnsmasq:2.89:*:*:*:*:*:*:*", NULL, NULL);
	assert_int_equal(r.verdict, Y);
	flw_vuln_config_free(c);
}

static void test_cve_2021_42374_busybox(void **s)
{
	(void)s;
	EXPECT("CVE-2021-42374", "busybox", L("1.26.2", "1.27.0", "1.33.1", "1.34.0"),
	       L(N, Y, Y, N));
}

static void test_cve_2022_30065_busybox_exact(void **s)
{
	struct flw_vuln_config *c = config_of("CVE-2022-30065");
	struct flw_match_result r;

	(void)s;
	EXPECT("CVE-2022-30065", "busybox", L("1.34.1", "1.35.0", "1.35.1"), L(N, Y, N));
	r = run(c, "busybox", "1.35.0", NULL);
	assert_int_equal(r.confidence, FLW_MATCH_CONF_EXACT);
	assert_string_equal(r.criteria, "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*");
	assert_string_equal(r.criteria_id, "F4554177-6CDF-42D9-80DF-5789A982CB6F");
	flw_vuln_config_free(c);
}

static void test_cve_2016_7406_dropbear(void **s)
{
	(void)s;
	EXPECT("CVE-2016-7406", "dropbear", L("2016.73", "2016.74"), L(Y, N));
}

static void test_cve_2022_22707_lighttpd(void **s)
{
	(void)s;
	EXPECT("CVE-2022-22707", "lighttpd", L("1.4.45", "1.4.46", "1.4.63", "1.4.64"),
	       L(N, Y, Y, N));
}

static void test_cve_2022_30295_uclibc(void **s)
{
	(void)s;
	EXPECT("CVE-2022-30295", "uclibc", L("0.9.33.2"), L(Y));
	EXPECT("CVE-2022-30295", "uclibc-ng", L("1.0.40", "1.0.41"), L(Y, N));
}

static struct flw_cpe cpe(const char *s)
{
	struct flw_cpe c;

	assert_int_equal(flw_cpe_parse(&c, s, strlen(s), NULL), 0);
	return c;
}

static void test_cve_2023_1389_firmware_on_hardware(void **s)
{
	struct flw_vuln_config *c = config_of("CVE-2023-1389");
	struct flw_cpe hw = cpe("cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*");
	struct flw_cpe other_hw = cpe("cpe:2.3:h:tp-link:archer_c7:-:*:*:*:*:*:*:*");
	struct flw_platform plat = { .hardware = &hw };
	struct flw_platform plat2 = { .hardware = &other_hw };
	const char *fw113 = "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3:*:*:*:*:*:*:*";
	const char *fw114 = "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.4:*:*:*:*:*:*:*";
	struct flw_match_result r;

	(void)s;
	r = run(c, fw113, NULL, &plat);
	assert_int_equal(r.verdict, Y);
	assert_int_equal(r.confidence, FLW_MATCH_CONF_RANGE);
	assert_string_equal(r.criteria, "cpe:2.3:o:tp-link:archer_ax21_firmware:*:*:*:*:*:*:*:*");
	assert_string_equal(r.end, "1.1.4");
	assert_false(r.end_incl);
	/* the hardware is platform context only: it never produces a finding itself */
	r = run(c, "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*", NULL, &plat);
	assert_int_equal(r.verdict, N);
	assert_int_equal(run(c, fw114, NULL, &plat).verdict, N);
	assert_int_equal(run(c, fw113, NULL, &plat2).verdict, N); /* other hardware */
	r = run(c, fw113, NULL, NULL);                            /* hardware unknown */
	assert_int_equal(r.verdict, Y);
	assert_int_equal(r.confidence, FLW_MATCH_CONF_HEURISTIC);
	assert_true(r.flags & FLW_MATCH_F_ASSUMED);
	flw_vuln_config_free(c);
}

static void test_cve_2023_1389_hardware_revision_is_not_na(void **s)
{
	struct flw_vuln_config *c = config_of("CVE-2023-1389");
	struct flw_cpe hw = cpe("cpe:2.3:h:tp-link:archer_ax21:2.0:*:*:*:*:*:*:*");
	struct flw_platform plat = { .hardware = &hw };

	(void)s;
	/* strict NISTIR 7696: criteria "-" is DISJOINT from a concrete revision (section 2) */
	assert_int_equal(
	        run(c, "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3:*:*:*:*:*:*:*", NULL, &plat)
	                .verdict,
	        N);
	flw_vuln_config_free(c);
}

static void test_cve_2023_28771_zyxel(void **s)
{
	struct flw_vuln_config *c = config_of("CVE-2023-28771");
	struct flw_cpe atp100 = cpe("cpe:2.3:h:zyxel:atp100:-:*:*:*:*:*:*:*");
	struct flw_cpe atp100w = cpe("cpe:2.3:h:zyxel:atp100w:-:*:*:*:*:*:*:*");
	struct flw_platform p1 = { .hardware = &atp100 };
	struct flw_platform p2 = { .hardware = &atp100w };
	json_t *cfg = json_deep_copy(json_object_get(cve("CVE-2023-28771"), "configurations"));
	json_t *m;
	struct flw_vuln_config *over = NULL;
	size_t i;

	(void)s;
	assert_int_equal(
	        run(c, "cpe:2.3:o:zyxel:atp100_firmware:5.35:*:*:*:*:*:*:*", NULL, &p1).verdict, Y);
	assert_int_equal(
	        run(c, "cpe:2.3:o:zyxel:atp100w_firmware:5.35:*:*:*:*:*:*:*", NULL, &p2).verdict,
	        N);
	/* local override: ATP100W ends at <= 5.35 */
	json_array_foreach(
	        json_object_get(json_array_get(json_object_get(json_array_get(cfg, 1), "nodes"), 0),
	                        "cpeMatch"),
	        i, m)
	{
		json_object_del(m, "versionEndExcluding");
		json_object_set_new(m, "versionEndIncluding", json_string("5.35"));
	}
	assert_int_equal(flw_vuln_config_parse(&over, cfg, NULL), 0);
	assert_int_equal(
	        run(over, "cpe:2.3:o:zyxel:atp100w_firmware:5.35:*:*:*:*:*:*:*", NULL, &p2).verdict,
	        Y);
	assert_int_equal(
	        run(over, "cpe:2.3:o:zyxel:atp100w_firmware:5.36:*:*:*:*:*:*:*", NULL, &p2).verdict,
	        N);
	/* the ATP100 firmware on ATP100W hardware is not an ATP100 */
	assert_int_equal(
	        run(c, "cpe:2.3:o:zyxel:atp100_firmware:5.35:*:*:*:*:*:*:*", NULL, &p2).verdict, N);
	flw_vuln_config_free(over);
	json_decref(cfg);
	flw_vuln_config_free(c);
}

static void test_cve_2024_10123_tenda_hardware_version(void **s)
{
	struct flw_vuln_config *c = config_of("CVE-2024-10123");
	struct flw_cpe hw = cpe("cpe:2.3:h:tenda:ac8:4.0:*:*:*:*:*:*:*");
	struct flw_cpe hw3 = cpe("cpe:2.3:h:tenda:ac8:3.0:*:*:*:*:*:*:*");
	struct flw_platform plat = { .hardware = &hw };
	struct flw_platform plat3 = { .hardware = &hw3 };

	(void)s;
	assert_int_equal(
	        run(c, "cpe:2.3:o:tenda:ac8_firmware:16.03.34.06:*:*:*:*:*:*:*", NULL, &plat)
	                .verdict,
	        Y);
	assert_int_equal(
	        run(c, "cpe:2.3:o:tenda:ac8_firmware:16.03.34.07:*:*:*:*:*:*:*", NULL, &plat)
	                .verdict,
	        N);
	assert_int_equal(
	        run(c, "cpe:2.3:o:tenda:ac8_firmware:16.03.34.06:*:*:*:*:*:*:*", NULL, &plat3)
	                .verdict,
	        N);
	flw_vuln_config_free(c);
}

static int collect(const char *cve_id, const struct flw_match_result *r, void *payload)
{
	struct flw_match_result *out = payload;

	if (strcmp(cve_id, "CVE-2025-46394") == 0)
		*out = *r;
	return 0;
}

/* Build an index of all 12 records (configurations, NVD "affected" data, description). */
static struct flw_vuln_index *index_all(struct flw_vuln_config **cfgs,
                                        struct flw_vuln_affected **affs)
{
	struct flw_vuln_index *idx = NULL;
	json_t *v;
	size_t i;

	assert_int_equal(flw_vuln_index_new(&idx, NULL), 0);
	json_array_foreach(json_object_get(nvd, "vulnerabilities"), i, v)
	{
		json_t *c = json_object_get(v, "cve");
		json_t *conf = json_object_get(c, "configurations");
		json_t *aff = json_array();
		json_t *a;
		size_t j;
		const char *desc = json_string_value(json_object_get(
		        json_array_get(json_object_get(c, "descriptions"), 0), "value"));

		json_array_foreach(json_object_get(c, "affected"), j, a)
		        json_array_extend(aff, json_object_get(a, "affectedData"));
		cfgs[i] = NULL;
		affs[i] = NULL;
		if (conf)
			assert_int_equal(flw_vuln_config_parse(&cfgs[i], conf, NULL), 0);
		assert_int_equal(flw_vuln_affected_parse(&affs[i], aff, NULL), 0);
		json_decref(aff);
		assert_int_equal(flw_vuln_index_add(idx,
		                                    json_string_value(json_object_get(c, "id")),
		                                    cfgs[i], affs[i], desc, NULL),
		                 0);
	}
	return idx;
}

static void test_cve_2025_46394_needs_review(void **s)
{
	struct flw_vuln_config *cfgs[16];
	struct flw_vuln_affected *affs[16];
	struct flw_vuln_index *idx = index_all(cfgs, affs);
	struct flw_component comp = { .product = "busybox", .version = "1.36.1" };
	struct flw_match_item *it = NULL;
	struct flw_match_result r;
	size_t i;

	(void)s;
	memset(&r, 0, sizeof(r));
	assert_int_equal(flw_vuln_index_size(idx), 12);
	assert_int_equal(flw_match_item_new(&it, &comp, NULL, NULL), 0);
	assert_int_equal(flw_vuln_index_match(idx, it, NULL, collect, &r), 0);
	assert_int_equal(r.verdict, FLW_MATCH_REVIEW);
	assert_int_equal(r.confidence, FLW_MATCH_CONF_NEEDS_REVIEW);
	assert_int_equal(r.source, FLW_MATCH_SRC_DESCRIPTION);
	flw_match_item_free(it);
	flw_vuln_index_free(idx);
	for (i = 0; i < 12; i++) {
		flw_vuln_config_free(cfgs[i]);
		flw_vuln_affected_free(affs[i]);
	}
}

struct tally {
	char ids[16][32];
	int verdict[16];
	size_t n;
};

static int tally_fn(const char *cve_id, const struct flw_match_result *r, void *payload)
{
	struct tally *t = payload;

	if (t->n < 16) {
		snprintf(t->ids[t->n], sizeof(t->ids[0]), "%s", cve_id);
		t->verdict[t->n++] = r->verdict;
	}
	return 0;
}

static void test_index_lookup_and_match(void **s)
{
	struct flw_vuln_config *cfgs[16];
	struct flw_vuln_affected *affs[16];
	struct flw_vuln_index *idx = index_all(cfgs, affs);
	struct flw_component comp = { .product = "openssl", .version = "3.0.6" };
	struct flw_match_item *it = NULL;
	struct tally t = { .n = 0 };
	uint32_t ids[16];
	size_t n = 0;
	size_t i;

	(void)s;
	assert_int_equal(flw_match_item_new(&it, &comp, NULL, NULL), 0);
	flw_vuln_index_lookup(idx, it, ids, 16, &n);
	assert_int_equal(n, 2);
	assert_string_equal(flw_vuln_index_cve(idx, ids[0]), "CVE-2022-3602");
	assert_string_equal(flw_vuln_index_cve(idx, ids[1]), "CVE-2023-0286");
	assert_int_equal(flw_vuln_index_match(idx, it, NULL, tally_fn, &t), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.verdict[0], Y);
	assert_int_equal(t.verdict[1], Y);
	flw_match_item_free(it);
	/* D-Link spelled either way finds the same records */
	comp = (struct flw_component){ .vendor = "d-link", .product = "dir-615", .version = "1" };
	assert_int_equal(flw_match_item_new(&it, &comp, NULL, NULL), 0);
	assert_int_equal(flw_match_item_candidates(it), 2);
	assert_string_equal(flw_match_item_candidate(it, 1), "dlink:dir-615");
	flw_match_item_free(it);
	flw_vuln_index_free(idx);
	for (i = 0; i < 12; i++) {
		flw_vuln_config_free(cfgs[i]);
		flw_vuln_affected_free(affs[i]);
	}
}

/* ---- CVE 5 affected ---- */

static enum flw_match_verdict aff(const char *json, const char *product, const char *version)
{
	json_error_t e;
	json_t *j = json_loads(json, 0, &e);
	struct flw_vuln_affected *a = NULL;
	struct flw_component comp = { .product = product, .version = version };
	struct flw_match_item *it = NULL;
	struct flw_match_result r;

	if (!j)
		fail_msg("bad test json: %s", e.text);
	assert_int_equal(flw_vuln_affected_parse(&a, j, NULL), 0);
	if (strchr(product, ':')) {
		comp.product = strchr(product, ':') + 1;
		comp.vendor = "tp-link";
	}
	assert_int_equal(flw_match_item_new(&it, &comp, NULL, NULL), 0);
	assert_int_equal(flw_match_affected(a, it, &r), 0);
	flw_match_item_free(it);
	flw_vuln_affected_free(a);
	json_decref(j);
	return r.verdict;
}

static void test_cve5_less_than(void **s)
{
	const char *j =
	        "[{\"vendor\":\"thekelleys\",\"product\":\"dnsmasq\",\"defaultStatus\":"
	        "\"unaffected\",\"versions\":[{\"version\":\"0\",\"versionType\":\"custom\","
	        "\"lessThan\":\"2.90\",\"status\":\"affected\"}]}]";

	(void)s;
	assert_int_equal(aff(j, "dnsmasq", "2.89"), Y);
	assert_int_equal(aff(j, "dnsmasq", "2.90test3"), Y);
	assert_int_equal(aff(j, "dnsmasq", "2.90"), N);
	assert_int_equal(aff(j, "dnsmasq", "not-a-version"), FLW_MATCH_REVIEW);
	assert_int_equal(aff(j, "busybox", "1.0"), N);
}

static void test_cve5_less_than_or_equal_and_default(void **s)
{
	const char *j =
	        "[{\"vendor\":\"OpenSSL\",\"product\":\"OpenSSL\",\"versions\":[{\"version\":"
	        "\"3.0.0\",\"versionType\":\"semver\",\"lessThanOrEqual\":\"3.0.6\",\"status\":"
	        "\"affected\"},{\"version\":\"1.1.1\",\"versionType\":\"semver\",\"lessThan\":"
	        "\"1.1.1t\",\"status\":\"affected\"}]}]";

	(void)s;
	assert_int_equal(aff(j, "openssl", "3.0.6"), Y);
	assert_int_equal(aff(j, "openssl", "3.0.0"), Y);
	assert_int_equal(aff(j, "openssl", "1.1.1s"), Y);
	assert_int_equal(aff(j, "openssl", "1.1.1t"), FLW_MATCH_REVIEW); /* default unknown */
	assert_int_equal(aff(j, "openssl", "2.0"), FLW_MATCH_REVIEW);
}

static void test_cve5_unaffected_first_wins_and_changes(void **s)
{
	const char *j =
	        "[{\"vendor\":\"busybox\",\"product\":\"busybox\",\"defaultStatus\":\"unaffected\","
	        "\"versions\":[{\"version\":\"1.35.0\",\"status\":\"unaffected\"},"
	        "{\"version\":\"1.0\",\"versionType\":\"semver\",\"lessThan\":\"2.*\","
	        "\"status\":\"affected\",\"changes\":[{\"at\":\"1.36.0\",\"status\":\"unaffected\"}"
	        ","
	        "{\"at\":\"1.36.2\",\"status\":\"affected\"}]}]}]";

	(void)s;
	assert_int_equal(aff(j, "busybox", "1.35.0"), N); /* first matching object wins */
	assert_int_equal(aff(j, "busybox", "1.34.9"), Y);
	assert_int_equal(aff(j, "busybox", "1.36.1"), N); /* changes: fixed at 1.36.0 */
	assert_int_equal(aff(j, "busybox", "1.36.2"), Y); /* regressed at 1.36.2 */
	assert_int_equal(aff(j, "busybox", "2.9"), Y);    /* "2.*": the whole 2.x line */
	assert_int_equal(aff(j, "busybox", "3.0"), N);
	assert_int_equal(aff(j, "busybox", "0.9"), N);
}

static void test_cve5_custom_needs_known_comparator(void **s)
{
	const char *j =
	        "[{\"vendor\":\"TP-Link\",\"product\":\"Archer C4500X\",\"defaultStatus\":"
	        "\"unaffected\",\"versions\":[{\"version\":\"0\",\"versionType\":\"custom\","
	        "\"lessThanOrEqual\":\"1_1.1.6\",\"status\":\"affected\"}]}]";
	const char *git =
	        "[{\"vendor\":\"busybox\",\"product\":\"busybox\",\"versions\":[{\"version\":"
	        "\"abc123\",\"versionType\":\"git\",\"lessThan\":\"def456\",\"status\":"
	        "\"affected\"}]}]";
	const char *single = "[{\"vendor\":\"Tenda\",\"product\":\"AC8\",\"versions\":[{\"status\":"
	                     "\"affected\",\"version\":\"16.03.34.09\"}]}]";

	(void)s;
	assert_int_equal(aff(j, "tp-link:archer_c4500x", "1.1.5"), FLW_MATCH_REVIEW);
	assert_int_equal(aff(git, "busybox", "1.0"), FLW_MATCH_REVIEW);
	assert_int_equal(aff(single, "tp-link:ac8", "16.03.34.09"), N); /* other vendor */
}

/* CNA and ADP entries together (CVE-2024-6119's shape): the CNA is definitive (defaultStatus
 * unaffected), the ADP repeats the ranges with defaultStatus unknown. A fixed version is not
 * affected (the ADP's "unknown" adds nothing to the CNA's "unaffected"); with only the ADP it
 * needs review; a range the ADP cannot order still needs review. */
static void test_cve5_definitive_entry_outweighs_unknown(void **s)
{
	const char *cna = "{\"vendor\":\"OpenSSL\",\"product\":\"OpenSSL\",\"defaultStatus\":"
	                  "\"unaffected\",\"versions\":[{\"status\":\"affected\",\"version\":"
	                  "\"3.0.0\",\"lessThan\":\"3.0.15\",\"versionType\":\"semver\"}]}";
	const char *adp = "{\"vendor\":\"openssl\",\"product\":\"openssl\",\"defaultStatus\":"
	                  "\"unknown\",\"versions\":[{\"status\":\"affected\",\"version\":"
	                  "\"3.0.0\",\"lessThan\":\"3.0.15\",\"versionType\":\"custom\"}]}";
	const char *adp_git = "{\"vendor\":\"openssl\",\"product\":\"openssl\",\"versions\":[{"
	                      "\"status\":\"affected\",\"version\":\"abc\",\"lessThan\":\"def\","
	                      "\"versionType\":\"git\"}]}";
	char both[1024];
	char only_adp[512];
	char with_git[1024];

	(void)s;
	snprintf(both, sizeof(both), "[%s,%s]", cna, adp);
	snprintf(only_adp, sizeof(only_adp), "[%s]", adp);
	snprintf(with_git, sizeof(with_git), "[%s,%s]", cna, adp_git);
	assert_int_equal(aff(both, "openssl", "3.0.14"), Y);
	assert_int_equal(aff(both, "openssl", "3.0.16"), N);
	assert_int_equal(aff(only_adp, "openssl", "3.0.16"), FLW_MATCH_REVIEW);
	assert_int_equal(aff(with_git, "openssl", "3.0.16"), FLW_MATCH_REVIEW);
}

static void test_cve5_real_record_shapes(void **s)
{
	struct flw_vuln_affected *a = NULL;
	json_t *all = json_array();
	json_t *x;
	size_t i;

	(void)s;
	json_array_foreach(json_object_get(cve("CVE-2022-3602"), "affected"), i, x)
	        json_array_extend(all, json_object_get(x, "affectedData"));
	assert_int_equal(flw_vuln_affected_parse(&a, all, NULL), 0);
	assert_int_equal(flw_vuln_affected_count(a), 10);
	flw_vuln_affected_free(a);
	json_decref(all);
	/* the prose CNA version decides nothing: string equality only */
	x = json_array();
	json_array_foreach(json_object_get(cve("CVE-2021-42374"), "affected"), i, all)
	        json_array_extend(x, json_object_get(all, "affectedData"));
	assert_int_equal(flw_vuln_affected_parse(&a, x, NULL), 0);
	flw_vuln_affected_free(a);
	json_decref(x);
}

/* a cpes entry that is not a CPE 2.3 name is skipped alone, never converted */
static void test_cve5_bad_cpes_entry(void **s)
{
	const char *json =
	        "[{\"vendor\":\"n/a\",\"product\":\"n/a\",\"cpes\":[\"cpe:/a:"
	        "thekelleys:dnsmasq:2.89\",\"cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*"
	        "\"],\"defaultStatus\":\"unaffected\",\"versions\":[{\"version\":"
	        "\"0\",\"lessThan\":\"2.90\",\"versionType\":\"custom\",\"status\":"
	        "\"affected\"}]}]";
	const struct flw_vuln_affected_skip *sk;
	size_t n = 0;
	json_t *j = json_loads(json, 0, NULL);
	struct flw_vuln_affected *a = NULL;

	(void)s;
	assert_non_null(j);
	assert_int_equal(flw_vuln_affected_parse(&a, j, NULL), 0);
	sk = flw_vuln_affected_skipped(a, &n);
	assert_int_equal(n, 1);
	assert_int_equal(sk[0].code, FLW_EFORMAT);
	assert_string_equal(sk[0].text, "cpe:/a:thekelleys:dnsmasq:2.89");
	assert_int_equal(a->n_cpe, 1);
	assert_int_equal(aff(json, "dnsmasq", "2.89"), Y);
	assert_int_equal(aff(json, "dnsmasq", "2.90"), N);
	assert_null(flw_vuln_affected_skipped(NULL, &n));
	assert_int_equal(n, 0);
	flw_vuln_affected_free(a);
	json_decref(j);
}

/* ---- alias table ---- */

static void test_alias_file_matches_builtin(void **s)
{
	const char *src = getenv("FLW_SRC_DIR");
	char path[4096];
	char *data = NULL;
	size_t len = 0;
	FILE *f;
	struct flw_alias_table *t = NULL;
	const struct flw_alias_table *def = flw_alias_table_default();
	struct flw_diag d;
	size_t i;
	size_t j;

	(void)s;
	snprintf(path, sizeof(path), "%s/data/aliases.tsv", src ? src : ".");
	f = fopen(path, "rb");
	assert_non_null(f);
	data = flw_calloc(1, 1 << 16);
	len = fread(data, 1, (1 << 16) - 1, f);
	fclose(f);
	assert_int_equal(flw_alias_table_new(&t, &d), 0);
	assert_int_equal(flw_alias_table_load(t, data, len, &d), 0);
	assert_int_equal(t->n_rows, def->n_builtin);
	for (i = 0; i < def->n_builtin; i++) {
		const struct flw_alias_row *a = flw_alias__row(def, i);
		const struct flw_alias_row *b = &t->rows[i];

		assert_int_equal(a->kind, b->kind);
		assert_string_equal(a->key, b->key);
		assert_int_equal(a->n_vals, b->n_vals);
		for (j = 0; j < a->n_vals; j++)
			assert_string_equal(a->vals[j], b->vals[j]);
	}
	flw_free(data);
	flw_alias_table_free(t);
}

static void test_alias_cases(void **s)
{
	struct flw_alias_table *t = NULL;
	struct flw_match_item *it = NULL;
	struct flw_component comp = { .product = "Dropbear", .version = "2016.73" };
	struct flw_diag d;
	int known = 0;
	const char *extra = "# local\nproduct\tmyssl\topenssl:openssl\nscheme\tacme:fw\tdeb\n";

	(void)s;
	assert_int_equal(flw_match_item_new(&it, &comp, NULL, NULL), 0);
	assert_int_equal(flw_match_item_candidates(it), 1);
	assert_string_equal(flw_match_item_candidate(it, 0), "dropbear_ssh_project:dropbear_ssh");
	flw_match_item_free(it);
	comp = (struct flw_component){ .product = "uclibc-ng", .version = "1.0.40" };
	assert_int_equal(flw_match_item_new(&it, &comp, NULL, NULL), 0);
	assert_int_equal(flw_match_item_candidates(it), 1); /* not uclibc:uclibc */
	assert_string_equal(flw_match_item_candidate(it, 0), "uclibc-ng_project:uclibc-ng");
	flw_match_item_free(it);
	comp = (struct flw_component){ .product = "frobnicator", .version = "1.0" };
	assert_int_equal(flw_match_item_new(&it, &comp, NULL, NULL), 0);
	assert_int_equal(flw_match_item_candidates(it), 0); /* no vendor is guessed */
	flw_match_item_free(it);
	assert_int_equal(flw_alias_table_new(&t, &d), 0);
	assert_int_equal(flw_alias_table_load(t, extra, strlen(extra), &d), 0);
	assert_int_equal(flw_alias_scheme(t, "acme", "fw", &known), FLW_VSCHEME_DEB);
	assert_int_equal(known, 1);
	assert_int_equal(flw_alias_scheme(t, "openssl", "openssl", &known), FLW_VSCHEME_OPENSSL);
	assert_int_equal(flw_alias_scheme(t, "acme", "other", &known), FLW_VSCHEME_GENERIC);
	assert_int_equal(known, 0);
	comp = (struct flw_component){ .product = "myssl", .version = "1.1.1s" };
	assert_int_equal(flw_match_item_new(&it, &comp, t, NULL), 0);
	assert_string_equal(flw_match_item_candidate(it, 0), "openssl:openssl");
	flw_match_item_free(it);
	assert_int_equal(flw_alias_table_load(t, "bogus\tx\ty\n", 10, &d), FLW_EFORMAT);
	assert_int_equal(flw_alias_table_load(t, "product\tx\tnocolon\n", 18, &d), FLW_EFORMAT);
	assert_int_equal(flw_alias_table_load(t, "scheme\ta:b\tnope\n", 16, &d), FLW_EFORMAT);
	flw_alias_table_free(t);
}

static void test_component_purl_and_deb(void **s)
{
	struct flw_vuln_config *c = config_of("CVE-2021-42374");
	struct flw_component comp = { .purl = "pkg:generic/busybox@1.33.1" };
	struct flw_match_result r;

	(void)s;
	assert_int_equal(flw_match_component(c, &comp, NULL, &r), 0);
	assert_int_equal(r.verdict, Y);
	comp = (struct flw_component){ .product = "busybox",
		                       .version = "1:1.30.1-6+b3",
		                       .flags = FLW_COMPONENT_DEB_VERSION };
	assert_int_equal(flw_match_component(c, &comp, NULL, &r), 0);
	assert_int_equal(r.verdict, Y);
	comp = (struct flw_component){ .product = "busybox", .version = "1.30.1 build 7" };
	assert_int_equal(flw_match_component(c, &comp, NULL, &r), 0);
	assert_int_equal(r.verdict, FLW_MATCH_REVIEW); /* never guessed */
	assert_true(r.flags & FLW_MATCH_F_UNPARSED);
	flw_vuln_config_free(c);
}

static void test_config_bad_input(void **s)
{
	static const char *const bad[] = {
		"{}",
		"[{\"nodes\":[]}]",
		"[{\"nodes\":[{\"operator\":\"XOR\",\"cpeMatch\":[{\"vulnerable\":true,"
		"\"criteria\":\"cpe:2.3:a:a:b:*:*:*:*:*:*:*:*\"}]}]}]",
		"[{\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
		"\"cpe:2.3:a:a:b:*:*:*:*:*:*:*\"}]}]}]",
		"[{\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[{\"criteria\":\"cpe:2.3:a:a:b:*:*:"
		"*:*:*:*:*:*\"}]}]}]",
		"[{\"nodes\":[{\"operator\":\"OR\",\"children\":[],\"cpeMatch\":[{\"vulnerable\":"
		"true,\"criteria\":\"cpe:2.3:a:a:b:*:*:*:*:*:*:*:*\"}]}]}]",
		"[{\"nodes\":[{\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:*:*:"
		"*:*:*:*:*:*\",\"versionStartIncluding\":\"1\",\"versionStartExcluding\":\"1\"}]}]}"
		"]",
	};
	const char *uneval = "[{\"nodes\":[{\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
	                     "\"cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*\","
	                     "\"versionEndExcluding\":\"1.2 beta\"}]}]}]";
	struct flw_vuln_config *c = NULL;
	struct flw_diag d;
	struct flw_match_result r;
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);

		assert_non_null(j);
		if (flw_vuln_config_parse(&c, j, &d) != FLW_EFORMAT)
			fail_msg("case %zu accepted", i);
		json_decref(j);
	}
	{
		json_t *j = json_loads(uneval, 0, NULL);

		assert_int_equal(flw_vuln_config_parse(&c, j, &d), 0);
		assert_int_equal(flw_vuln_config_unevaluable(c), 1);
		r = run(c, "busybox", "1.0", NULL);
		assert_int_equal(r.verdict, FLW_MATCH_REVIEW);
		flw_vuln_config_free(c);
		json_decref(j);
	}
}

static int parse_all(void *payload)
{
	struct flw_vuln_config *cfgs[16];
	struct flw_vuln_affected *affs[16];
	json_t *v;
	size_t i;
	int rc = 0;

	(void)payload;
	json_array_foreach(json_object_get(nvd, "vulnerabilities"), i, v)
	{
		json_t *conf = json_object_get(json_object_get(v, "cve"), "configurations");

		cfgs[i] = NULL;
		affs[i] = NULL;
		if (rc == 0 && conf)
			rc = flw_vuln_config_parse(&cfgs[i], conf, NULL);
	}
	for (i = 0; i < 12; i++) {
		flw_vuln_config_free(cfgs[i]);
		flw_vuln_affected_free(affs[i]);
	}
	return rc;
}

static void test_config_oom(void **s)
{
	(void)s;
	flw_test_torture(parse_all, NULL, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cve_2023_0286_openssl_1_1_1),
		cmocka_unit_test(test_cve_2023_0286_openssl_1_0_2_and_3),
		cmocka_unit_test(test_cve_2022_3602_openssl),
		cmocka_unit_test(test_cve_2022_3602_nodejs_sw_edition),
		cmocka_unit_test(test_cve_2023_28450_dnsmasq),
		cmocka_unit_test(test_cve_2023_28450_dnsmasq_without_alias),
		cmocka_unit_test(test_cve_2021_42374_busybox),
		cmocka_unit_test(test_cve_2022_30065_busybox_exact),
		cmocka_unit_test(test_cve_2016_7406_dropbear),
		cmocka_unit_test(test_cve_2022_22707_lighttpd),
		cmocka_unit_test(test_cve_2022_30295_uclibc),
		cmocka_unit_test(test_cve_2023_1389_firmware_on_hardware),
		cmocka_unit_test(test_cve_2023_1389_hardware_revision_is_not_na),
		cmocka_unit_test(test_cve_2023_28771_zyxel),
		cmocka_unit_test(test_cve_2024_10123_tenda_hardware_version),
		cmocka_unit_test(test_cve_2025_46394_needs_review),
		cmocka_unit_test(test_index_lookup_and_match),
		cmocka_unit_test(test_cve5_less_than),
		cmocka_unit_test(test_cve5_less_than_or_equal_and_default),
		cmocka_unit_test(test_cve5_unaffected_first_wins_and_changes),
		cmocka_unit_test(test_cve5_custom_needs_known_comparator),
		cmocka_unit_test(test_cve5_definitive_entry_outweighs_unknown),
		cmocka_unit_test(test_cve5_real_record_shapes),
		cmocka_unit_test(test_cve5_bad_cpes_entry),
		cmocka_unit_test(test_alias_file_matches_builtin),
		cmocka_unit_test(test_alias_cases),
		cmocka_unit_test(test_component_purl_and_deb),
		cmocka_unit_test(test_config_bad_input),
		cmocka_unit_test(test_config_oom),
		cmocka_unit_test(test_index_filter_differential),
		cmocka_unit_test(test_index_filter_oom),
	};

	return cmocka_run_group_tests(tests, load_nvd, free_nvd);
}
