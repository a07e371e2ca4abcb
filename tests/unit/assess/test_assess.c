/* tests/unit/assess/test_assess.c - fleet assessment over the real NVD sample
 * (../shared/vulndata via FLW_SRC_DIR, plus KEV and EPSS): expected findings of small
 * hand-built fleets, projection, firmware on hardware, risk per class, incremental
 * re-assessment and lifecycle, patch queue order, end of life, allocation failures. */
#include "flw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/assess.h"
#include "fleetward/error.h"

#define DAY    (86400LL * 1000)
#define T0     (1700000000LL * 1000) /* 2023-11-14 */
#define NONE32 FLW_ASSESS_NONE

static json_t *nvd_all;
static struct flw_risk_policy policy;

static char *data_path(const char *rel)
{
	const char *src = getenv("FLW_SRC_DIR");

	return flw_asprintf("%s/../shared/vulndata/%s", src ? src : ".", rel);
}

static int setup(void **state)
{
	char *p = data_path("nvd_api2_sample.json");

	(void)state;
	nvd_all = json_load_file(p, 0, NULL);
	flw_free(p);
	flw_risk_policy_init(&policy);
	return nvd_all ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(nvd_all);
	return 0;
}

/* NVD envelope with the sample records, without `skip` (may be NULL); when `tweak` is set,
 * CVE-2023-0286's 1.0.2 range ends at 1.0.2ze instead and lastModified moves on. */
static char *envelope(const char *skip, int tweak)
{
	json_t *root = json_deep_copy(nvd_all);
	json_t *vulns = json_object_get(root, "vulnerabilities");
	json_t *v;
	size_t i;
	char *s;

	for (i = json_array_size(vulns); i-- > 0;) {
		json_t *c = json_object_get(json_array_get(vulns, i), "cve");
		const char *id = json_string_value(json_object_get(c, "id"));

		if (skip && strcmp(id, skip) == 0)
			json_array_remove(vulns, i);
	}
	json_array_foreach(vulns, i, v)
	{
		json_t *c = json_object_get(v, "cve");
		json_t *cfg;
		json_t *node;
		json_t *m;
		size_t a, b, k;

		if (!tweak || strcmp(json_string_value(json_object_get(c, "id")), "CVE-2023-0286"))
			continue;
		json_object_set_new(c, "lastModified", json_string("2030-01-01T00:00:00.000"));
		json_array_foreach(json_object_get(c, "configurations"), a, cfg)
		        json_array_foreach(json_object_get(cfg, "nodes"), b, node)
		                json_array_foreach(json_object_get(node, "cpeMatch"), k, m)
		{
			const char *e =
			        json_string_value(json_object_get(m, "versionEndExcluding"));

			if (e && strcmp(e, "1.0.2zg") == 0)
				json_object_set_new(m, "versionEndExcluding",
				                    json_string("1.0.2ze"));
		}
	}
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return s;
}

static void db_load(struct flw_vuln_db **db, struct flw_vuln_index **idx, const char *skip,
                    int tweak)
{
	char *env = envelope(skip, tweak);
	char *kev = data_path("kev/known_exploited_vulnerabilities.json");
	char *epss = data_path("epss_sample.csv");
	struct flw_diag d;

	memset(&d, 0, sizeof(d));
	assert_non_null(env);
	assert_int_equal(flw_vuln_db_new(db), 0);
	assert_int_equal(
	        flw_feed_import_mem(*db, FLW_FEED_NVD, 0, env, strlen(env), NULL, NULL, &d), 0);
	assert_int_equal(flw_feed_import_kev(*db, kev, NULL, NULL, &d), 0);
	assert_int_equal(flw_feed_import_epss(*db, epss, NULL, NULL, &d), 0);
	assert_int_equal(flw_assess_index_new(idx, *db, NULL, &d), 0);
	free(env);
	flw_free(kev);
	flw_free(epss);
}

/* ---- fleet builders ------------------------------------------------------------------- */

static const struct flw_sbom_component rel_old[] = {
	{ "openssl", "1.0.2zf", NULL, NULL, NULL },
	{ "busybox", "1.35.0", NULL, NULL, NULL },
	{ "zlib", "1.2.13", NULL, NULL, NULL },
};
static const struct flw_sbom_component rel_mid[] = {
	{ "openssl", "1.0.2zg", NULL, NULL, NULL },
	{ "busybox", "1.35.0", NULL, NULL, NULL },
	{ "zlib", "1.2.13", NULL, NULL, NULL },
};
static const struct flw_sbom_component rel_new[] = {
	{ "openssl", "1.0.2zg", NULL, NULL, NULL },
	{ "busybox", "1.35.1", NULL, NULL, NULL },
	{ "zlib", "1.2.13", NULL, NULL, NULL },
};
static const struct flw_sbom_component rel_ax21[] = {
	{ "archer_ax21_firmware", "1.1.3", NULL,
	  "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3:*:*:*:*:*:*:*", "tp-link" },
};

static const struct flw_assess_release releases[] = {
	{ "router-1.0", "router", 1 * DAY, rel_old, FLW_ARRAY_SIZE(rel_old) },
	{ "router-1.1", "router", 2 * DAY, rel_mid, FLW_ARRAY_SIZE(rel_mid) },
	{ "router-1.2", "router", 3 * DAY, rel_new, FLW_ARRAY_SIZE(rel_new) },
	{ "ax21-1.1.3", "ax21", 1 * DAY, rel_ax21, FLW_ARRAY_SIZE(rel_ax21) },
};

static struct flw_assess_device dev(const char *id, size_t rel)
{
	struct flw_assess_device d;

	memset(&d, 0, sizeof(d));
	d.id = id;
	d.release = rel;
	d.class_name = FLW_RISK_CLASS_NON_CRITICAL;
	d.exposure = FLW_RISK_EXPOSURE_LAN;
	return d;
}

static struct flw_assess_input input(const struct flw_vuln_db *db, const struct flw_vuln_index *idx,
                                     const struct flw_assess_device *devs, size_t n, int64_t now)
{
	struct flw_assess_input in;

	memset(&in, 0, sizeof(in));
	in.db = db;
	in.index = idx;
	in.policy = &policy;
	in.releases = releases;
	in.n_releases = FLW_ARRAY_SIZE(releases);
	in.devices = devs;
	in.n_devices = n;
	in.now_ms = now;
	return in;
}

/* finding i copied into one of a few rotating buffers (findings are materialised) */
static const struct flw_assess_finding *finding_at(const struct flw_assessment *a, size_t i)
{
	static struct flw_assess_finding ring[8];
	static unsigned next;
	struct flw_assess_finding *f = &ring[next++ % 8];

	assert_int_equal(flw_assessment_finding_get(a, i, f), 0);
	return f;
}

/* the finding of device d for (cve, component name), or NULL */
static const struct flw_assess_finding *find(const struct flw_assessment *a, size_t d,
                                             const char *cve, const char *comp)
{
	const struct flw_assess_device_result *dr = flw_assessment_device(a, d);
	size_t i;

	for (i = dr->first; i < dr->first + dr->n; i++) {
		const struct flw_assess_finding *f = finding_at(a, i);
		const struct flw_assess_hit *h = flw_assessment_hit(a, f->hit);

		assert_int_equal(f->device, d);
		if (strcmp(h->cve_id, cve) == 0 && strcmp(h->component_name, comp) == 0)
			return f;
	}
	return NULL;
}

static struct flw_assessment *run(const struct flw_assess_input *in,
                                  const struct flw_assessment *prev, const char *const *ch,
                                  size_t nch)
{
	struct flw_assessment *a = NULL;
	struct flw_diag d;

	memset(&d, 0, sizeof(d));
	if (flw_assess_run(&a, in, prev, ch, nch, &d) != 0)
		fail_msg("assess: %s %s", d.path, d.msg);
	return a;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_expected_findings(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device devs[2];
	struct flw_assess_input in;
	struct flw_assessment *a;
	const struct flw_assess_finding *f;
	const struct flw_assess_hit *h;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	devs[0] = dev("d-old", 0);
	devs[1] = dev("d-mid", 1);
	in = input(db, idx, devs, 2, T0);
	a = run(&in, NULL, NULL, 0);
	/* openssl 1.0.2zf < 1.0.2zg: CVE-2023-0286; busybox 1.35.0 exactly: CVE-2022-30065 */
	f = find(a, 0, "CVE-2023-0286", "openssl");
	assert_non_null(f);
	assert_int_equal(f->state, FLW_FINDING_OPEN);
	assert_int_equal(f->change, FLW_ASSESS_NEW);
	assert_true(f->first_seen_ms == T0);
	h = flw_assessment_hit(a, f->hit);
	assert_int_equal(h->match.verdict, FLW_MATCH_YES);
	assert_int_equal(h->match.confidence, FLW_MATCH_CONF_RANGE);
	assert_string_equal(h->match.end, "1.0.2zg");
	assert_false(h->match.end_incl);
	assert_string_equal(flw_assessment_component(a, h->component)->version, "1.0.2zf");
	assert_non_null(flw_assessment_risk(a, f->risk));
	assert_true(f->due_ms == T0 + 30 * DAY); /* non-critical */
	assert_non_null(find(a, 0, "CVE-2022-30065", "busybox"));
	/* the fixed openssl release carries neither openssl CVE */
	assert_null(find(a, 1, "CVE-2023-0286", "openssl"));
	assert_null(find(a, 1, "CVE-2022-3602", "openssl"));
	assert_non_null(find(a, 1, "CVE-2022-30065", "busybox"));
	assert_null(find(a, 0, "CVE-2022-3602", "openssl")); /* 3.0.x only */
	/* zlib: nothing in the sample */
	assert_int_equal(flw_assessment_device(a, 0)->n, flw_assessment_device(a, 1)->n + 1);
	assert_int_equal(flw_assessment_stats(a)->components, 6); /* every release */
	assert_int_equal(flw_assessment_stats(a)->findings, flw_assessment_finding_count(a));
	flw_assessment_free(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_projection(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device devs[100];
	char ids[100][16];
	struct flw_assess_input in;
	struct flw_assessment *a;
	struct flw_assessment *one;
	size_t i;
	size_t per[2];

	(void)state;
	db_load(&db, &idx, NULL, 0);
	for (i = 0; i < 100; i++) {
		snprintf(ids[i], sizeof(ids[i]), "dev-%03zu", i);
		devs[i] = dev(ids[i], i % 2);
	}
	in = input(db, idx, devs, 2, T0);
	one = run(&in, NULL, NULL, 0);
	per[0] = flw_assessment_device(one, 0)->n;
	per[1] = flw_assessment_device(one, 1)->n;
	in.n_devices = 100;
	a = run(&in, NULL, NULL, 0);
	assert_int_equal(flw_assessment_stats(a)->groups, 2);
	assert_int_equal(flw_assessment_finding_count(a), 50 * per[0] + 50 * per[1]);
	assert_int_equal(flw_assessment_stats(a)->hits, flw_assessment_stats(one)->hits);
	for (i = 0; i < 100; i++) {
		const struct flw_assess_device_result *dr = flw_assessment_device(a, i);
		size_t k;

		assert_int_equal(dr->n, per[i % 2]);
		for (k = 0; k < dr->n; k++) {
			const struct flw_assess_finding *x = finding_at(a, dr->first + k);
			const struct flw_assess_finding *y =
			        finding_at(one, flw_assessment_device(one, i % 2)->first + k);

			assert_int_equal(x->device, i);
			assert_string_equal(flw_assessment_hit(a, x->hit)->cve_id,
			                    flw_assessment_hit(one, y->hit)->cve_id);
			assert_int_equal(flw_assessment_risk(a, x->risk)->score,
			                 flw_assessment_risk(one, y->risk)->score);
		}
	}
	assert_string_equal(flw_assessment_device_id(a, 42), "dev-042");
	flw_assessment_free(one);
	flw_assessment_free(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_firmware_on_hardware(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device devs[4];
	struct flw_assess_input in;
	struct flw_assessment *a;
	const struct flw_assess_finding *f;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	devs[0] = dev("ax21-a", 3);
	devs[0].hardware_cpe = "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*";
	devs[1] = dev("ax21-b", 3);
	devs[1].hardware_cpe = "cpe:2.3:h:tenda:ac8:4.0:*:*:*:*:*:*:*";
	devs[2] = dev("ax21-c", 3); /* hardware unknown */
	devs[3] = dev("ax21-d", 3);
	devs[3].hardware_cpe = "not a cpe";
	in = input(db, idx, devs, 4, T0);
	a = run(&in, NULL, NULL, 0);
	f = find(a, 0, "CVE-2023-1389", "archer_ax21_firmware");
	assert_non_null(f);
	assert_int_not_equal(flw_assessment_hit(a, f->hit)->match.confidence,
	                     FLW_MATCH_CONF_HEURISTIC);
	assert_int_not_equal(flw_assessment_hit(a, f->hit)->hardware, NONE32);
	/* KEV: due date 2023-05-22 is long past -> overdue at once */
	assert_true(f->overdue);
	assert_true(flw_assessment_risk(a, f->risk)->deadline.kev_tightened);
	assert_null(find(a, 1, "CVE-2023-1389", "archer_ax21_firmware"));
	f = find(a, 2, "CVE-2023-1389", "archer_ax21_firmware");
	assert_non_null(f);
	assert_int_equal(flw_assessment_hit(a, f->hit)->match.confidence, FLW_MATCH_CONF_HEURISTIC);
	assert_non_null(find(a, 3, "CVE-2023-1389", "archer_ax21_firmware")); /* as unknown */
	assert_int_equal(flw_assessment_stats(a)->bad_hardware, 1);
	assert_int_equal(flw_assessment_stats(a)->hardware_evals, 2);
	flw_assessment_free(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_risk_per_class(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device devs[3];
	struct flw_assess_input in;
	struct flw_assessment *a;
	const struct flw_risk_result *r[3];
	size_t i;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	for (i = 0; i < 3; i++) {
		devs[i] = dev(i == 0 ? "a" : i == 1 ? "b" : "c", 3);
		devs[i].hardware_cpe = "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*";
	}
	devs[0].class_name = FLW_RISK_CLASS_SAFETY;
	devs[0].exposure = FLW_RISK_EXPOSURE_INTERNET;
	devs[1].class_name = FLW_RISK_CLASS_CONFIDENTIALITY;
	devs[1].exposure = FLW_RISK_EXPOSURE_INTERNET;
	devs[2].exposure = FLW_RISK_EXPOSURE_ISOLATED;
	in = input(db, idx, devs, 3, T0);
	a = run(&in, NULL, NULL, 0);
	for (i = 0; i < 3; i++) {
		const struct flw_assess_finding *f =
		        find(a, i, "CVE-2023-1389", "archer_ax21_firmware");

		assert_non_null(f);
		r[i] = flw_assessment_risk(a, f->risk);
	}
	/* VULNDATA 9.3: KEV -> active, AV:A -> not automatable, total; M&W high/medium/low */
	assert_int_equal(r[0]->decision, FLW_RISK_ACT);
	assert_int_equal(r[1]->decision, FLW_RISK_ATTEND);
	assert_int_equal(r[2]->decision, FLW_RISK_TRACK);
	assert_string_equal(r[0]->cls->name, FLW_RISK_CLASS_SAFETY);
	assert_true(r[0]->score > r[2]->score);
	assert_true(r[0]->n_reasons > 0);
	assert_int_equal(flw_assessment_stats(a)->risks, 3);
	assert_int_equal(flw_assessment_device(a, 0)->worst, FLW_RISK_ACT);
	flw_assessment_free(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_incremental(void **state)
{
	struct flw_vuln_db *db1 = NULL, *db2 = NULL, *db3 = NULL;
	struct flw_vuln_index *ix1 = NULL, *ix2 = NULL, *ix3 = NULL;
	static const char *const ch[] = { "CVE-2023-0286" };
	struct flw_assess_device devs[2];
	struct flw_assess_input in;
	struct flw_assessment *a1, *a2, *a3, *a4, *a5, *stale;
	const struct flw_assess_finding *f;

	(void)state;
	db_load(&db1, &ix1, "CVE-2023-0286", 0);
	db_load(&db2, &ix2, NULL, 0);
	db_load(&db3, &ix3, NULL, 1);
	devs[0] = dev("d-old", 0);
	devs[1] = dev("d-mid", 1);
	in = input(db1, ix1, devs, 2, T0);
	a1 = run(&in, NULL, NULL, 0);
	assert_null(find(a1, 0, "CVE-2023-0286", "openssl"));
	/* added CVE: only it is evaluated, the rest is reused */
	in = input(db2, ix2, devs, 2, T0 + DAY);
	a2 = run(&in, a1, ch, 1);
	assert_int_equal(flw_assessment_stats(a2)->matched, 0);
	assert_int_equal(flw_assessment_stats(a2)->reused, 6);
	assert_true(flw_assessment_stats(a2)->evaluated >= 2); /* both openssl versions */
	f = find(a2, 0, "CVE-2023-0286", "openssl");
	assert_non_null(f);
	assert_int_equal(f->change, FLW_ASSESS_NEW);
	assert_true(f->first_seen_ms == T0 + DAY);
	f = find(a2, 0, "CVE-2022-30065", "busybox");
	assert_int_equal(f->change, FLW_ASSESS_STILL);
	assert_true(f->first_seen_ms == T0);
	assert_true(f->due_ms == T0 + 30 * DAY); /* from first seen */
	assert_null(find(a2, 1, "CVE-2023-0286", "openssl"));
	/* modified CVE: the range now ends before 1.0.2zf -> re-evaluated, gone, fixed */
	in = input(db3, ix3, devs, 2, T0 + 2 * DAY);
	stale = run(&in, a2, NULL, 0); /* not listed as changed: the old match is reused */
	assert_int_equal(find(stale, 0, "CVE-2023-0286", "openssl")->state, FLW_FINDING_OPEN);
	a3 = run(&in, a2, ch, 1);
	f = find(a3, 0, "CVE-2023-0286", "openssl");
	assert_non_null(f);
	assert_int_equal(f->state, FLW_FINDING_FIXED);
	assert_int_equal(f->change, FLW_ASSESS_FIXED_NOW);
	assert_true(f->fixed_ms == T0 + 2 * DAY);
	assert_true(f->first_seen_ms == T0 + DAY);
	/* back to db2 and a device moving to the fixed release */
	in = input(db2, ix2, devs, 2, T0 + 3 * DAY);
	a4 = run(&in, a3, ch, 1);
	f = find(a4, 0, "CVE-2023-0286", "openssl");
	assert_int_equal(f->state, FLW_FINDING_OPEN);
	assert_int_equal(f->change, FLW_ASSESS_REOPENED);
	assert_int_equal(f->reopen_count, 1);
	devs[0].release = 1;
	in = input(db2, ix2, devs, 2, T0 + 4 * DAY);
	a5 = run(&in, a4, NULL, 0);
	f = find(a5, 0, "CVE-2023-0286", "openssl");
	assert_non_null(f);
	assert_int_equal(f->state, FLW_FINDING_FIXED);
	assert_int_equal(f->change, FLW_ASSESS_FIXED_NOW);
	assert_true(f->fixed_ms == T0 + 4 * DAY);
	assert_true(f->first_seen_ms == T0 + DAY);
	assert_int_equal(f->risk, NONE32);
	assert_int_equal(find(a5, 0, "CVE-2022-30065", "busybox")->change, FLW_ASSESS_STILL);
	assert_int_equal(flw_assessment_stats(a5)->fixed, 1);
	flw_assessment_free(a1);
	flw_assessment_free(a2);
	flw_assessment_free(stale);
	flw_assessment_free(a3);
	/* history stays: the next run still shows it, fixed, unchanged */
	a1 = run(&in, a5, NULL, 0);
	f = find(a1, 0, "CVE-2023-0286", "openssl");
	assert_int_equal(f->change, FLW_ASSESS_HISTORY);
	assert_true(f->fixed_ms == T0 + 4 * DAY);
	flw_assessment_free(a1);
	flw_assessment_free(a4);
	flw_assessment_free(a5);
	flw_vuln_index_free(ix1);
	flw_vuln_index_free(ix2);
	flw_vuln_index_free(ix3);
	flw_vuln_db_free(db1);
	flw_vuln_db_free(db2);
	flw_vuln_db_free(db3);
}

static void test_priors_from_store(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_finding_life l1, l2;
	struct flw_assess_prior pr[2];
	struct flw_assess_device d = dev("d", 0);
	struct flw_assess_input in;
	struct flw_assessment *a;
	const struct flw_assess_finding *f;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	flw_finding_init(&l1, T0 - 40 * DAY);
	flw_finding_init(&l2, T0 - 5 * DAY);
	pr[0] = (struct flw_assess_prior){ "CVE-2023-0286", "openssl", &l1 };
	pr[1] = (struct flw_assess_prior){ "CVE-2016-7406", "dropbear", &l2 };
	d.priors = pr;
	d.n_priors = 2;
	in = input(db, idx, &d, 1, T0);
	a = run(&in, NULL, NULL, 0);
	f = find(a, 0, "CVE-2023-0286", "openssl");
	assert_true(f->first_seen_ms == T0 - 40 * DAY);
	assert_true(f->overdue); /* 30 days from first seen */
	f = find(a, 0, "CVE-2016-7406", "dropbear");
	assert_int_equal(f->state, FLW_FINDING_FIXED);
	assert_true(f->fixed_ms == T0);
	assert_int_equal(flw_assessment_hit(a, f->hit)->component, NONE32);
	flw_assessment_free(a);
	/* time going backwards is refused */
	l1.updated_ms = T0 + DAY;
	assert_int_equal(flw_assess_run(&a, &in, NULL, NULL, 0, NULL), FLW_EINVAL);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_patch_queue(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device devs[5];
	struct flw_assess_input in;
	struct flw_assessment *a;
	struct flw_assess_queue *q = NULL;
	size_t i;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	devs[0] = dev("o1", 0);
	devs[1] = dev("o2", 0);
	devs[2] = dev("o3", 0);
	devs[3] = dev("m1", 1);
	devs[4] = dev("m2", 1);
	devs[0].class_name = FLW_RISK_CLASS_SAFETY;
	devs[0].exposure = FLW_RISK_EXPOSURE_INTERNET;
	in = input(db, idx, devs, 5, T0);
	a = run(&in, NULL, NULL, 0);
	assert_int_equal(flw_assess_patch_queue(&q, a), 0);
	assert_int_equal(q->n, 2);
	for (i = 0; i < q->n; i++) {
		const struct flw_assess_patch *p = &q->patches[i];
		size_t k;

		if (strcmp(p->release_id, "router-1.1") == 0) {
			/* fixes openssl (CVE-2023-0286) on the three devices on 1.0 */
			assert_int_equal(p->n_devices, 3);
			assert_int_equal(p->n_fixes, 1);
			assert_string_equal(p->fixes[0].cve_id, "CVE-2023-0286");
			assert_int_equal(p->fixes[0].n_devices, 3);
		} else {
			assert_string_equal(p->release_id, "router-1.2");
			assert_int_equal(p->n_devices, 5);
			assert_true(p->n_fixes >= 2);
		}
		for (k = 1; k < p->n_fixes; k++)
			assert_true(p->fixes[k - 1].decision > p->fixes[k].decision ||
			            (p->fixes[k - 1].decision == p->fixes[k].decision &&
			             p->fixes[k - 1].score >= p->fixes[k].score));
		if (i > 0)
			assert_true(q->patches[i - 1].decision > p->decision ||
			            (q->patches[i - 1].decision == p->decision &&
			             q->patches[i - 1].score >= p->score));
	}
	flw_assess_queue_free(q);
	flw_assessment_free(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_eol(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device devs[3];
	struct flw_assess_input in;
	struct flw_assessment *a;
	struct flw_eol_input ei;
	struct flw_eol_result er;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	devs[0] = dev("past", 0);
	devs[0].support_end_ms = T0 - DAY;
	devs[0].exposure = FLW_RISK_EXPOSURE_INTERNET;
	devs[0].class_name = FLW_RISK_CLASS_SAFETY;
	devs[1] = dev("supported", 0);
	devs[1].support_end_ms = T0 + DAY;
	devs[2] = dev("unknown", 0);
	in = input(db, idx, devs, 3, T0);
	a = run(&in, NULL, NULL, 0);
	memset(&ei, 0, sizeof(ei));
	ei.support_end_ms = T0 - DAY;
	ei.now_ms = T0;
	ei.n_open = flw_assessment_device(a, 0)->n_open;
	ei.worst_decision = flw_assessment_device(a, 0)->worst;
	ei.exposure = FLW_RISK_EXPOSURE_INTERNET;
	ei.class_name = FLW_RISK_CLASS_SAFETY;
	assert_int_equal(flw_eol_recommend(&policy, &ei, &er), 0);
	assert_true(ei.n_open > 0);
	assert_int_equal(flw_assessment_device(a, 0)->eol, FLW_EOL_REPLACE);
	assert_int_equal(flw_assessment_device(a, 0)->eol, er.action);
	assert_int_equal(flw_assessment_device(a, 1)->eol, FLW_EOL_NONE);
	assert_int_equal(flw_assessment_device(a, 2)->eol, FLW_EOL_NONE);
	assert_int_equal(flw_assessment_stats(a)->eol_devices, 1);
	flw_assessment_free(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_bad_input(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device d = dev("d", 9);
	struct flw_assess_input in;
	struct flw_assessment *a = NULL;
	struct flw_diag diag;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	in = input(db, idx, &d, 1, T0);
	assert_int_equal(flw_assess_run(&a, &in, NULL, NULL, 0, &diag), FLW_EINVAL);
	d.release = 0;
	d.exposure = (enum flw_risk_exposure)7;
	assert_int_equal(flw_assess_run(&a, &in, NULL, NULL, 0, &diag), FLW_EINVAL);
	d.exposure = FLW_RISK_EXPOSURE_LAN;
	in.now_ms = 0;
	assert_int_equal(flw_assess_run(&a, &in, NULL, NULL, 0, &diag), FLW_EINVAL);
	assert_null(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

/* device d's findings of a as the store would give them back: priors pr[] with lifecycles
 * lives[] (strings borrowed from a); returns how many */
static size_t priors_of(const struct flw_assessment *a, size_t d, struct flw_assess_prior *pr,
                        struct flw_finding_life *lives, size_t cap)
{
	const struct flw_assess_device_result *dr = flw_assessment_device(a, d);
	size_t k;

	assert_true(dr->n <= cap);
	for (k = 0; k < dr->n; k++) {
		const struct flw_assess_finding *f = finding_at(a, dr->first + k);
		const struct flw_assess_hit *h = flw_assessment_hit(a, f->hit);
		struct flw_finding_life *l = &lives[k];

		memset(l, 0, sizeof(*l));
		l->state = (enum flw_finding_state)f->state;
		l->first_seen_ms = f->first_seen_ms;
		l->opened_ms = f->opened_ms;
		l->fixed_ms = f->fixed_ms;
		l->updated_ms = f->updated_ms;
		l->reopen_count = f->reopen_count;
		l->accept_expiry_ms = f->accept_expiry_ms;
		pr[k] = (struct flw_assess_prior){ h->cve_id, h->component_name, l };
	}
	return dr->n;
}

/* the lifecycle of (cve, comp) among lives[0..n) of pr */
static struct flw_finding_life *prior_life_of(struct flw_assess_prior *pr,
                                              struct flw_finding_life *lives, size_t n,
                                              const char *cve, const char *comp)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (strcmp(pr[k].cve_id, cve) == 0 && strcmp(pr[k].component, comp) == 0)
			return &lives[k];
	fail_msg("no prior %s %s", cve, comp);
	return NULL;
}

/* every open finding with a fix release is in that release's patch queue entry */
static void check_fix_in_queue(const struct flw_assessment *a)
{
	struct flw_assess_queue *q = NULL;
	size_t i;

	assert_int_equal(flw_assess_patch_queue(&q, a), 0);
	for (i = 0; i < flw_assessment_finding_count(a); i++) {
		const struct flw_assess_finding *f = finding_at(a, i);
		const struct flw_assess_hit *h = flw_assessment_hit(a, f->hit);
		int found = 0;
		size_t p;
		size_t k;

		if (f->state != FLW_FINDING_OPEN || f->fix_release == NONE32)
			continue;
		for (p = 0; p < q->n; p++)
			for (k = 0;
			     q->patches[p].release == f->fix_release && k < q->patches[p].n_fixes;
			     k++)
				found |= strcmp(q->patches[p].fixes[k].cve_id, h->cve_id) == 0 &&
				         strcmp(q->patches[p].fixes[k].component_name,
				                h->component_name) == 0;
		assert_true(found);
	}
	flw_assess_queue_free(q);
}

static void test_fix_release(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device devs[4];
	struct flw_finding_life life;
	struct flw_assess_prior pr;
	struct flw_assess_input in;
	struct flw_assessment *a1, *a2, *a3;
	const struct flw_assess_finding *f;
	size_t d;
	size_t i;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	devs[0] = dev("on-1.0", 0);
	devs[1] = dev("on-1.2", 2);
	devs[2] = dev("ax21", 3);
	devs[2].hardware_cpe = "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*";
	in = input(db, idx, devs, 3, T0);
	a1 = run(&in, NULL, NULL, 0);
	/* busybox 1.35.0 (CVE-2022-30065) is on 1.0 and still on 1.1; 1.2 has 1.35.1 */
	f = find(a1, 0, "CVE-2022-30065", "busybox");
	assert_non_null(f);
	assert_int_equal(f->fix_release, 2);
	assert_true(f->fix_available_ms == 3 * DAY);
	/* openssl 1.0.2zf (CVE-2023-0286) is fixed by 1.1 already */
	f = find(a1, 0, "CVE-2023-0286", "openssl");
	assert_int_equal(f->fix_release, 1);
	assert_true(f->fix_available_ms == 2 * DAY);
	/* no newer fix: the newest release of its line, a line of one release */
	for (d = 1; d < 3; d++) {
		const struct flw_assess_device_result *dr = flw_assessment_device(a1, d);

		assert_true(dr->n > 0);
		for (i = dr->first; i < dr->first + dr->n; i++) {
			f = finding_at(a1, i);
			assert_int_equal(f->fix_release, NONE32);
			assert_true(f->fix_available_ms == 0);
		}
	}
	check_fix_in_queue(a1);
	/* the device moves to 1.2: its 1.0 findings are fixed, each by its vendor fix */
	devs[0].release = 2;
	in.now_ms = T0 + DAY;
	a2 = run(&in, a1, NULL, 0);
	f = find(a2, 0, "CVE-2022-30065", "busybox");
	assert_int_equal(f->state, FLW_FINDING_FIXED);
	assert_int_equal(f->change, FLW_ASSESS_FIXED_NOW);
	assert_int_equal(f->fix_release, 2);
	assert_true(f->fix_available_ms == 3 * DAY);
	f = find(a2, 0, "CVE-2023-0286", "openssl");
	assert_int_equal(f->state, FLW_FINDING_FIXED);
	assert_int_equal(f->fix_release, 1);
	assert_true(f->fix_available_ms == 2 * DAY);
	/* history keeps it */
	in.now_ms = T0 + 2 * DAY;
	a3 = run(&in, a2, NULL, 0);
	f = find(a3, 0, "CVE-2022-30065", "busybox");
	assert_int_equal(f->change, FLW_ASSESS_HISTORY);
	assert_int_equal(f->fix_release, 2);
	flw_assessment_free(a1);
	flw_assessment_free(a2);
	flw_assessment_free(a3);
	/* a prior from the store (the release it was open on is unknown): the release the
	 * device runs now */
	flw_finding_init(&life, T0 - 10 * DAY);
	pr = (struct flw_assess_prior){ "CVE-2022-30065", "busybox", &life };
	devs[3] = dev("from-store", 2);
	devs[3].priors = &pr;
	devs[3].n_priors = 1;
	in = input(db, idx, &devs[3], 1, T0);
	a1 = run(&in, NULL, NULL, 0);
	f = find(a1, 0, "CVE-2022-30065", "busybox");
	assert_int_equal(f->change, FLW_ASSESS_FIXED_NOW);
	assert_int_equal(f->fix_release, 2);
	assert_true(f->fix_available_ms == 3 * DAY);
	flw_assessment_free(a1);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_priors_override(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_prior pr[64];
	struct flw_finding_life lives[64];
	struct flw_finding_event_data accept = { FLW_FINDING_EV_ACCEPT, T0 + DAY / 2, "mitigated",
		                                 "alice", T0 + 10 * DAY };
	struct flw_finding_event_data revoke = { FLW_FINDING_EV_REVOKE, T0 + 6 * DAY, NULL, NULL,
		                                 0 };
	struct flw_assess_device d = dev("d", 0);
	struct flw_assess_input in;
	struct flw_assessment *a1, *a2, *a3, *a4, *a5;
	const struct flw_assess_finding *f;
	size_t n;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	in = input(db, idx, &d, 1, T0);
	a1 = run(&in, NULL, NULL, 0);
	n = priors_of(a1, 0, pr, lives, FLW_ARRAY_SIZE(pr));
	assert_int_equal(flw_finding_apply(prior_life_of(pr, lives, n, "CVE-2023-0286", "openssl"),
	                                   &accept, NULL),
	                 0);
	d.priors = pr;
	d.n_priors = n;
	/* without the flag the device's findings in prev win: the priors are ignored */
	in.now_ms = T0 + DAY;
	a2 = run(&in, a1, NULL, 0);
	f = find(a2, 0, "CVE-2023-0286", "openssl");
	assert_int_equal(f->state, FLW_FINDING_OPEN);
	assert_int_equal(flw_assessment_stats(a2)->accepted, 0);
	/* with it the given priors replace prev's: the acceptance holds, the rest goes on */
	d.priors_override = 1;
	a3 = run(&in, a1, NULL, 0);
	f = find(a3, 0, "CVE-2023-0286", "openssl");
	assert_int_equal(f->state, FLW_FINDING_ACCEPTED);
	assert_int_equal(f->change, FLW_ASSESS_STILL);
	assert_true(f->accept_expiry_ms == T0 + 10 * DAY);
	assert_true(f->first_seen_ms == T0);
	assert_true(f->due_ms == T0 + 30 * DAY);
	assert_false(f->overdue);
	f = find(a3, 0, "CVE-2022-30065", "busybox");
	assert_int_equal(f->state, FLW_FINDING_OPEN);
	assert_int_equal(f->change, FLW_ASSESS_STILL);
	assert_true(f->first_seen_ms == T0);
	assert_int_equal(flw_assessment_stats(a3)->accepted, 1);
	assert_int_equal(flw_assessment_device(a3, 0)->n_open,
	                 flw_assessment_device(a2, 0)->n_open - 1);
	assert_int_equal(flw_assessment_device(a3, 0)->n, flw_assessment_device(a2, 0)->n);
	/* later runs carry the acceptance without the flag, until it expires */
	d.priors_override = 0;
	in.now_ms = T0 + 5 * DAY;
	a4 = run(&in, a3, NULL, 0);
	assert_int_equal(find(a4, 0, "CVE-2023-0286", "openssl")->state, FLW_FINDING_ACCEPTED);
	in.now_ms = T0 + 11 * DAY;
	a5 = run(&in, a4, NULL, 0);
	f = find(a5, 0, "CVE-2023-0286", "openssl");
	assert_int_equal(f->state, FLW_FINDING_OPEN);
	assert_int_equal(f->change, FLW_ASSESS_REOPENED);
	assert_int_equal(f->reopen_count, 1);
	assert_true(f->opened_ms == T0 + 10 * DAY);
	assert_true(f->accept_expiry_ms == 0);
	flw_assessment_free(a5);
	/* a revocation: the store's lifecycle, open again, replaces prev's acceptance */
	n = priors_of(a4, 0, pr, lives, FLW_ARRAY_SIZE(pr));
	assert_int_equal(flw_finding_apply(prior_life_of(pr, lives, n, "CVE-2023-0286", "openssl"),
	                                   &revoke, NULL),
	                 0);
	d.priors_override = 1;
	d.n_priors = n;
	in.now_ms = T0 + 6 * DAY;
	a5 = run(&in, a4, NULL, 0);
	f = find(a5, 0, "CVE-2023-0286", "openssl");
	assert_int_equal(f->state, FLW_FINDING_OPEN);
	assert_int_equal(f->reopen_count, 1);
	assert_true(f->opened_ms == T0 + 6 * DAY);
	assert_int_equal(flw_assessment_stats(a5)->accepted, 0);
	flw_assessment_free(a5);
	/* the given priors are the whole history: a finding they lack is new again */
	d.priors = &pr[prior_life_of(pr, lives, n, "CVE-2023-0286", "openssl") - lives];
	d.n_priors = 1;
	a5 = run(&in, a4, NULL, 0);
	assert_true(find(a5, 0, "CVE-2023-0286", "openssl")->first_seen_ms == T0);
	f = find(a5, 0, "CVE-2022-30065", "busybox");
	assert_int_equal(f->change, FLW_ASSESS_NEW);
	assert_true(f->first_seen_ms == T0 + 6 * DAY);
	flw_assessment_free(a1);
	flw_assessment_free(a2);
	flw_assessment_free(a3);
	flw_assessment_free(a4);
	flw_assessment_free(a5);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_findings_range(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_assess_device devs[5];
	struct flw_assess_finding *all;
	struct flw_assess_finding one;
	struct flw_assess_input in;
	struct flw_assessment *a;
	size_t n;
	size_t i;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	devs[0] = dev("a", 0);
	devs[1] = dev("b", 3); /* ax21 without hardware */
	devs[2] = dev("c", 1);
	devs[3] = dev("d", 2);
	devs[3].extra = rel_old;
	devs[3].n_extra = 1;
	devs[4] = dev("e", 0);
	in = input(db, idx, devs, 5, T0);
	a = run(&in, NULL, NULL, 0);
	n = flw_assessment_finding_count(a);
	all = flw_calloc(n, sizeof(*all));
	assert_non_null(all);
	assert_int_equal(flw_assessment_findings_get(a, 0, n, all), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(flw_assessment_finding_get(a, i, &one), 0);
		assert_memory_equal(&one, &all[i], sizeof(one));
	}
	/* a range across devices, from the middle of one */
	assert_int_equal(flw_assessment_findings_get(a, 3, n - 4, all), 0);
	assert_int_equal(flw_assessment_finding_get(a, 3, &one), 0);
	assert_memory_equal(&one, &all[0], sizeof(one));
	assert_int_equal(flw_assessment_findings_get(a, n, 0, all), 0);
	assert_int_equal(flw_assessment_findings_get(a, n - 1, 2, all), FLW_EINVAL);
	assert_int_equal(flw_assessment_findings_get(a, n + 1, 0, all), FLW_EINVAL);
	assert_int_equal(flw_assessment_finding_get(a, n, &one), FLW_EINVAL);
	/* the extra component's hits come after the group's, each finding names its device */
	for (i = 0; i < 5; i++) {
		const struct flw_assess_device_result *dr = flw_assessment_device(a, i);
		size_t k;

		for (k = dr->first; k < dr->first + dr->n; k++)
			assert_int_equal(finding_at(a, k)->device, i);
	}
	assert_non_null(find(a, 3, "CVE-2023-0286", "openssl"));
	flw_free(all);
	flw_assessment_free(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

static void test_policy_copied(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_risk_policy local = policy;
	struct flw_assess_device d = dev("d", 0);
	struct flw_assess_input in;
	struct flw_assessment *a;
	struct flw_assessment *b;
	const struct flw_assess_finding *f;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	d.class_name = FLW_RISK_CLASS_SAFETY;
	in = input(db, idx, &d, 1, T0);
	in.policy = &local;
	a = run(&in, NULL, NULL, 0);
	in.now_ms = T0 + DAY;
	b = run(&in, a, NULL, 0);
	memset(&local, 0xa5, sizeof(local)); /* the caller's policy is gone */
	f = find(b, 0, "CVE-2023-0286", "openssl");
	assert_string_equal(flw_assessment_risk(b, f->risk)->cls->name, FLW_RISK_CLASS_SAFETY);
	assert_true(f->due_ms == T0 + 7 * DAY); /* from first seen, safety-critical days */
	flw_assessment_free(a);
	flw_assessment_free(b);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

/* ---- allocation failures -------------------------------------------------------------- */

struct torture {
	const struct flw_vuln_db *db;
	const struct flw_vuln_index *idx;
};

static int torture_once(void *payload)
{
	const struct torture *t = payload;
	static const char *const ch[] = { "CVE-2023-0286" };
	struct flw_assess_device devs[4];
	struct flw_assess_input in;
	struct flw_assessment *a = NULL;
	struct flw_assessment *b = NULL;
	struct flw_assess_queue *q = NULL;
	int rc;

	devs[0] = dev("a", 0);
	devs[1] = dev("b", 1);
	devs[2] = dev("c", 3);
	devs[2].hardware_cpe = "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*";
	devs[3] = dev("d", 2);
	devs[3].extra = rel_old;
	devs[3].n_extra = 1;
	in = input(t->db, t->idx, devs, 4, T0);
	rc = flw_assess_run(&a, &in, NULL, NULL, 0, NULL);
	if (rc == 0) {
		devs[0].release = 2;
		in.now_ms = T0 + DAY;
		rc = flw_assess_run(&b, &in, a, ch, 1, NULL);
	}
	if (rc == 0)
		rc = flw_assess_patch_queue(&q, a);
	flw_assess_queue_free(q);
	flw_assessment_free(b);
	flw_assessment_free(a);
	return rc;
}

static void test_torture(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct torture t;

	(void)state;
	db_load(&db, &idx, NULL, 0);
	t.db = db;
	t.idx = idx;
	assert_int_equal(torture_once(&t), 0);
	assert_true(flw_test_torture(torture_once, &t, 5000) > 20);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected_findings),
		cmocka_unit_test(test_projection),
		cmocka_unit_test(test_firmware_on_hardware),
		cmocka_unit_test(test_risk_per_class),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_priors_from_store),
		cmocka_unit_test(test_fix_release),
		cmocka_unit_test(test_priors_override),
		cmocka_unit_test(test_findings_range),
		cmocka_unit_test(test_policy_copied),
		cmocka_unit_test(test_patch_queue),
		cmocka_unit_test(test_eol),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_torture),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
