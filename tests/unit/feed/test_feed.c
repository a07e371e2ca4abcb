/* tests/unit/feed/test_feed.c - vulnerability feed import (NVD 2.0, CVE 5, KEV, EPSS)
 *
 * The real samples of ../shared/vulndata (located through $FLW_SRC_DIR; the tests that need
 * them skip only when that directory is absent). Expected counts and values were computed
 * independently with python3's json/csv modules from the same files, and the CVE 5 SSVC and
 * KEV membership are checked row by row against cve5_iot_sample_index.tsv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/feed.h"
#include "fleetward/fs.h"
#include "flw_test.h"
#include "vuln/feed_private.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static char *data_path(const char *rel)
{
	const char *src = getenv("FLW_SRC_DIR");
	struct stat st;
	char *p;

	p = flw_asprintf("%s/../shared/vulndata/%s", src ? src : ".", rel);
	assert_non_null(p);
	if (stat(p, &st) != 0) {
		flw_free(p);
		return NULL;
	}
	return p;
}

#define MAX_ERRORS 32

struct errs {
	size_t n;
	char id[MAX_ERRORS][FLW_CVE_ID_MAX + 1];
	size_t index[MAX_ERRORS];
	int code[MAX_ERRORS];
	int kept[MAX_ERRORS];
	char path[MAX_ERRORS][FLW_DIAG_PATH_MAX];
	size_t progress_calls;
	int progress_done;
};

static void on_error(const struct flw_feed_error *e, void *payload)
{
	struct errs *er = payload;

	if (er->n >= MAX_ERRORS)
		return;
	snprintf(er->id[er->n], sizeof(er->id[0]), "%s", e->id);
	snprintf(er->path[er->n], sizeof(er->path[0]), "%s", e->diag->path);
	er->index[er->n] = e->index;
	er->code[er->n] = e->diag->code;
	er->kept[er->n] = e->record_kept;
	er->n++;
}

static void on_progress(const struct flw_feed_progress *p, void *payload)
{
	struct errs *er = payload;

	er->progress_calls++;
	if (p->done) {
		er->progress_done++;
		assert_true(p->bytes_done == p->bytes_total || p->bytes_total == 0);
	}
	assert_true(p->bytes_done <= p->bytes_total || p->bytes_total == 0);
}

static struct flw_feed_opts opts_for(struct errs *er)
{
	struct flw_feed_opts o = FLW_FEED_OPTS_INIT;

	memset(er, 0, sizeof(*er));
	o.on_error = on_error;
	o.on_progress = on_progress;
	o.progress_every = 100;
	o.payload = er;
	return o;
}

static int64_t t(const char *s)
{
	int64_t v = 0;

	assert_int_equal(flw_feed__time_parse(s, &v), 0);
	return v;
}

static struct flw_vuln_db *new_db(void)
{
	struct flw_vuln_db *db = NULL;

	assert_int_equal(flw_vuln_db_new(&db), 0);
	return db;
}

static int import_mem(struct flw_vuln_db *db, int kind, int lines, const char *text,
                      struct errs *er, struct flw_feed_stats *st)
{
	struct flw_feed_opts o = opts_for(er);
	struct flw_diag d;

	memset(st, 0, sizeof(*st));
	flw_diag_clear(&d);
	return flw_feed_import_mem(db, kind, lines, text, strlen(text), &o, st, &d);
}

/* A minimal NVD cve object. */
static char *nvd_cve(const char *id, const char *last_modified, const char *desc)
{
	char *s = flw_asprintf(
	        "{\"cve\":{\"id\":\"%s\",\"published\":\"2023-01-01T00:00:00.000\","
	        "\"lastModified\":\"%s\",\"vulnStatus\":\"Analyzed\","
	        "\"descriptions\":[{\"lang\":\"en\",\"value\":\"%s\"}],"
	        "\"metrics\":{\"cvssMetricV31\":[{\"source\":\"nvd@nist.gov\",\"type\":\"Primary\","
	        "\"cvssData\":{\"version\":\"3.1\",\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/"
	        "S:U/C:H/I:H/A:H\",\"baseScore\":9.8,\"baseSeverity\":\"CRITICAL\"}}]},"
	        "\"references\":[{\"url\":\"https://example.com\"}]}}",
	        id, last_modified, desc);

	assert_non_null(s);
	return s;
}

static char *nvd_page(const char *elems)
{
	char *s = flw_asprintf("{\"resultsPerPage\":1,\"startIndex\":0,\"totalResults\":1,"
	                       "\"format\":\"NVD_CVE\",\"version\":\"2.0\","
	                       "\"timestamp\":\"2026-01-01T00:00:00.000\","
	                       "\"vulnerabilities\":[%s]}",
	                       elems);

	assert_non_null(s);
	return s;
}

/* ---- times and ids -------------------------------------------------------------------------- */

static void test_time_parse(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(t("1970-01-01"), 0);
	assert_int_equal(t("2023-03-15T23:15:09.403"), 1678922109403LL);
	assert_int_equal(t("2023-05-01"), 1682899200000LL);
	assert_int_equal(t("2025-08-25T17:04:19.9796Z"), 1756141459979LL);
	assert_int_equal(t("2026-08-16T00:00:00+0000"), 1786838400000LL);
	assert_int_equal(t("2024-01-01T02:00:00+02:00"), t("2024-01-01T00:00:00Z"));
	assert_int_equal(t("2024-02-29T00:00"), t("2024-02-29T00:00:00.000000Z"));
	assert_int_equal(t("2024-10-24T14:55:12.123456"), t("2024-10-24T14:55:12.123"));
	assert_int_equal(flw_feed__time_parse("2023-02-29", &v), FLW_EFORMAT);
	assert_int_equal(flw_feed__time_parse("2023-13-01", &v), FLW_EFORMAT);
	assert_int_equal(flw_feed__time_parse("2023-1-01", &v), FLW_EFORMAT);
	assert_int_equal(flw_feed__time_parse("2023-01-01T25:00:00", &v), FLW_EFORMAT);
	assert_int_equal(flw_feed__time_parse("2023-01-01T10:00:00.", &v), FLW_EFORMAT);
	assert_int_equal(flw_feed__time_parse("2023-01-01T10:00:00.1234567890", &v), FLW_EFORMAT);
	assert_int_equal(flw_feed__time_parse("2023-01-01 junk", &v), FLW_EFORMAT);
	assert_int_equal(flw_feed__time_parse("", &v), FLW_EFORMAT);
	assert_true(flw_feed__cve_id_ok("CVE-2014-100005"));
	assert_true(flw_feed__cve_id_ok("CVE-2023-1389"));
	assert_false(flw_feed__cve_id_ok("CVE-2023-138"));
	assert_false(flw_feed__cve_id_ok("cve-2023-1389"));
	assert_false(flw_feed__cve_id_ok("CVE-2023-1389 "));
	assert_false(flw_feed__cve_id_ok("CVE-2023-12345678901234567890"));
}

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < _FLW_VULN_STATUS_MAX; i++)
		assert_int_equal(flw_vuln_status_from_string(flw_vuln_status_to_string(i)), i);
	assert_int_equal(flw_vuln_status_from_string("Nonsense"), _FLW_VULN_STATUS_INVALID);
	assert_null(flw_vuln_status_to_string(_FLW_VULN_STATUS_MAX));
	for (i = 0; i < _FLW_FEED_MAX; i++)
		assert_non_null(flw_feed_kind_to_string(i));
	assert_string_equal(flw_cvss_version_to_string(FLW_CVSS_V31), "3.1");
	assert_string_equal(flw_cvss_severity_to_string(FLW_CVSS_SEVERITY_CRITICAL), "CRITICAL");
}

/* ---- the real samples ---------------------------------------------------------------------- */

static void test_nvd_sample(void **state)
{
	char *p = data_path("nvd_api2_sample.json");
	struct flw_vuln_db *db;
	struct flw_feed_stats st = { 0 };
	struct errs er;
	struct flw_feed_opts o = opts_for(&er);
	struct flw_diag d;
	const struct flw_vuln_entry *e;
	const struct flw_vuln_cvss *c;

	(void)state;
	if (!p)
		skip();
	db = new_db();
	assert_int_equal(flw_feed_import_nvd(db, p, &o, &st, &d), 0);
	assert_int_equal(st.records, 12);
	assert_int_equal(st.added, 12);
	assert_int_equal(st.failed, 0);
	assert_int_equal(er.n, 0);
	assert_int_equal(er.progress_done, 1);
	assert_int_equal(flw_vuln_db_count(db), 12);

	e = flw_vuln_db_get(db, "CVE-2023-1389");
	assert_non_null(e);
	assert_non_null(e->nvd);
	assert_null(e->cve5);
	assert_int_equal(e->nvd->published_ms, 1678922109403LL);
	assert_int_equal(e->nvd->last_modified_ms, 1761077958847LL);
	assert_int_equal(e->nvd->kev_added_ms, 1682899200000LL);
	assert_int_equal(e->nvd->kev_due_ms, 1684713600000LL);
	assert_int_equal(e->nvd->status, FLW_VULN_STATUS_MODIFIED);
	assert_int_equal(e->nvd->n_references, 2);
	assert_int_equal(e->nvd->n_cvss, 2);
	assert_int_equal(strlen(e->nvd->description), 444);
	assert_int_equal(strncmp(e->nvd->description, "TP-Link Archer AX21 (AX1800)", 28), 0);
	assert_int_equal(e->nvd->n_cwes, 1);
	assert_string_equal(e->nvd->cwes[0], "CWE-77");
	assert_non_null(e->nvd->config_json);
	assert_int_equal(json_array_size(e->nvd->config_json), 1);
	c = flw_vuln_entry_cvss(e);
	assert_non_null(c);
	assert_int_equal(c->origin, FLW_VULN_ORIGIN_NVD);
	assert_int_equal(c->version, FLW_CVSS_V31);
	assert_int_equal(c->score10, 88);
	assert_int_equal(c->severity, FLW_CVSS_SEVERITY_HIGH);
	assert_string_equal(c->vector, "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
	assert_false(e->nvd->ssvc.present);

	/* NVD's own metric is typed Secondary here: chosen by source, not type */
	e = flw_vuln_db_get(db, "CVE-2023-28771");
	c = flw_vuln_entry_cvss(e);
	assert_int_equal(c->origin, FLW_VULN_ORIGIN_NVD);
	assert_false(c->primary);
	assert_string_equal(c->source, "nvd@nist.gov");
	assert_int_equal(c->score10, 98);
	assert_int_equal(e->nvd->n_references, 0);
	assert_int_equal(json_array_size(e->nvd->config_json), 5);
	assert_int_equal(e->nvd->kev_added_ms, t("2023-05-31"));

	/* CNA v4.0, CNA v3.1, NVD v3.1, CNA v2: NVD v3.1 wins, all four kept */
	e = flw_vuln_db_get(db, "CVE-2024-10123");
	assert_int_equal(e->nvd->n_cvss, 4);
	assert_int_equal(e->nvd->cvss[0].version, FLW_CVSS_V40);
	assert_int_equal(e->nvd->cvss[0].origin, FLW_VULN_ORIGIN_CNA);
	assert_int_equal(e->nvd->cvss[0].score10, 87);
	assert_int_equal(e->nvd->cvss[3].version, FLW_CVSS_V2);
	assert_int_equal(e->nvd->cvss[3].severity, FLW_CVSS_SEVERITY_HIGH); /* 9.0, v2 */
	c = flw_vuln_entry_cvss(e);
	assert_int_equal(c->origin, FLW_VULN_ORIGIN_NVD);
	assert_string_equal(c->vector, "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
	assert_int_equal(e->nvd->status, FLW_VULN_STATUS_ANALYZED);

	/* v3.0 + v2 only */
	c = flw_vuln_entry_cvss(flw_vuln_db_get(db, "CVE-2016-7406"));
	assert_int_equal(c->version, FLW_CVSS_V30);
	assert_int_equal(c->score10, 98);
	assert_int_equal(c->severity, FLW_CVSS_SEVERITY_CRITICAL);

	/* ssvcV203, duplicate CWE across sources kept once */
	e = flw_vuln_db_get(db, "CVE-2021-42374");
	assert_true(e->nvd->ssvc.present);
	assert_int_equal(e->nvd->ssvc.exploitation, FLW_SSVC_EXPLOITATION_POC);
	assert_int_equal(e->nvd->ssvc.automatable, 0);
	assert_int_equal(e->nvd->ssvc.technical_total, 0);
	assert_int_equal(e->nvd->ssvc.timestamp_ms, t("2025-04-23T13:31:05.207395Z"));
	assert_int_equal(e->nvd->n_cwes, 1);
	assert_non_null(e->nvd->affected_json); /* NVD "affected" flattened */
	assert_true(json_array_size(e->nvd->affected_json) > 0);

	/* NVD backlog: Received, no configurations */
	e = flw_vuln_db_get(db, "CVE-2025-46394");
	assert_int_equal(e->nvd->status, FLW_VULN_STATUS_RECEIVED);
	assert_null(e->nvd->config_json);
	assert_null(e->nvd->config);
	assert_int_equal(flw_vuln_entry_cvss(e)->origin, FLW_VULN_ORIGIN_CNA);

	assert_string_equal(flw_vuln_db_get(db, "CVE-2023-28450")->nvd->cwes[0], "NVD-CWE-noinfo");
	/* English picked although an es description is there */
	assert_int_equal(strncmp(flw_vuln_db_get(db, "CVE-2022-30065")->nvd->description,
	                         "A use-after-free", 16),
	                 0);
	assert_null(flw_vuln_db_get(db, "CVE-1999-0001"));

	if (flw_feed_have_matcher()) {
		assert_non_null(flw_vuln_db_get(db, "CVE-2023-1389")->nvd->config);
		assert_non_null(flw_vuln_db_get(db, "CVE-2023-28771")->nvd->config);
	}
	flw_vuln_db_free(db);
	flw_free(p);
}

struct cve5_sums {
	size_t records;
	size_t no_published;
	size_t cvss;
	size_t cisa_cvss;
	size_t refs;
	size_t cwes;
	size_t affected;
	size_t ssvc;
	size_t no_desc;
};

static int sum_cve5(const struct flw_vuln_entry *e, void *payload)
{
	struct cve5_sums *s = payload;
	const struct flw_vuln_record *r = e->cve5;
	size_t i;

	if (!r)
		return 0;
	s->records++;
	s->no_published += r->published_ms == 0;
	s->cvss += r->n_cvss;
	for (i = 0; i < r->n_cvss; i++)
		s->cisa_cvss += r->cvss[i].origin == FLW_VULN_ORIGIN_CISA_ADP;
	s->refs += r->n_references;
	s->cwes += r->n_cwes;
	s->affected += r->affected_json ? json_array_size(r->affected_json) : 0;
	s->ssvc += r->ssvc.present;
	s->no_desc += r->description == NULL;
	assert_int_equal(r->status, FLW_VULN_STATUS_PUBLISHED);
	assert_true(r->last_modified_ms > 0);
	return 0;
}

static const char *const ssvc_e[] = { "none", "poc", "active" };

/* every row of the index: SSVC (case-insensitive) and KEV membership */
static void check_index(struct flw_vuln_db *db, int with_kev)
{
	char *p = data_path("cve5_iot_sample_index.tsv");
	char line[1024];
	char *f[8];
	size_t rows = 0;
	size_t in_kev = 0;
	const struct flw_vuln_entry *e;
	FILE *fp;
	int i;

	assert_non_null(p);
	fp = fopen(p, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp)); /* header */
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		f[0] = line;
		for (i = 1; i < 8; i++) {
			f[i] = strchr(f[i - 1], '\t');
			assert_non_null(f[i]);
			*f[i]++ = '\0';
		}
		e = flw_vuln_db_get(db, f[0]);
		assert_non_null(e);
		assert_non_null(e->cve5);
		assert_true(e->cve5->ssvc.present);
		assert_int_equal(strcasecmp(ssvc_e[e->cve5->ssvc.exploitation], f[3]), 0);
		assert_int_equal(strcasecmp(e->cve5->ssvc.automatable ? "yes" : "no", f[4]), 0);
		assert_int_equal(
		        strcasecmp(e->cve5->ssvc.technical_total ? "total" : "partial", f[5]), 0);
		if (with_kev) {
			assert_int_equal(e->kev != NULL, strcmp(f[6], "yes") == 0);
			in_kev += e->kev != NULL;
		}
		rows++;
	}
	fclose(fp);
	flw_free(p);
	assert_int_equal(rows, 1975);
	if (with_kev)
		assert_int_equal(in_kev, 11);
}

static void test_cve5_sample(void **state)
{
	char *p = data_path("cve5_iot_sample.jsonl");
	struct flw_vuln_db *db;
	struct flw_feed_stats st = { 0 };
	struct cve5_sums s = { 0 };
	struct errs er;
	struct flw_feed_opts o = opts_for(&er);
	struct flw_diag d;
	const struct flw_vuln_entry *e;
	size_t found = 0;
	size_t i;

	(void)state;
	if (!p)
		skip();
	db = new_db();
	assert_int_equal(flw_feed_import_cve5_jsonl(db, p, &o, &st, &d), 0);
	assert_int_equal(st.records, 1975);
	assert_int_equal(st.added, 1975);
	assert_int_equal(st.failed, 0);
	/* 39 "cpes" entries are CPE 2.2 URIs (Red Hat's cpe:/o:redhat:enterprise_linux:N,
	 * python3 over the file): each is skipped alone and reported with its path, the record
	 * keeps its parsed affected entries */
	assert_int_equal(st.refused, flw_feed_have_matcher() ? 39 : 0);
	assert_int_equal(er.n, st.refused < MAX_ERRORS ? st.refused : MAX_ERRORS);
	for (i = 0; i < er.n; i++) {
		e = flw_vuln_db_get(db, er.id[i]);
		assert_true(flw_feed__cve_id_ok(er.id[i]));
		assert_true(er.kept[i]);
		assert_int_equal(er.code[i], FLW_EFORMAT);
		assert_non_null(e->cve5);
		assert_non_null(e->cve5->affected);
		assert_int_equal(e->cve5->affected_rc, 0);
		assert_int_equal(strncmp(er.path[i], "containers.", 11), 0);
		assert_non_null(strstr(er.path[i], "].cpes["));
		if (strcmp(er.id[i], "CVE-2023-38469") == 0 &&
		    strcmp(er.path[i], "containers.cna.affected[3].cpes[0]") == 0)
			found++; /* cpe:/o:redhat:enterprise_linux:8 */
	}
	assert_int_equal(found, flw_feed_have_matcher() ? 1 : 0);
	assert_true(er.progress_calls >= 20); /* every 100 records, and once at the end */
	assert_int_equal(er.progress_done, 1);
	assert_int_equal(flw_vuln_db_foreach(db, sum_cve5, &s), 0);
	/* python3 over the same file */
	assert_int_equal(s.records, 1975);
	assert_int_equal(s.no_published, 78);
	assert_int_equal(s.cvss, 2749);
	assert_int_equal(s.cisa_cvss, 697);
	assert_int_equal(s.refs, 7546);
	assert_int_equal(s.cwes, 1678);
	assert_int_equal(s.affected, 5251);
	assert_int_equal(s.ssvc, 1975);
	assert_int_equal(s.no_desc, 0);
	check_index(db, 0);

	/* mixed-case SSVC values normalised */
	e = flw_vuln_db_get(db, "CVE-2024-3272");
	assert_int_equal(e->cve5->ssvc.exploitation, FLW_SSVC_EXPLOITATION_ACTIVE);
	assert_int_equal(e->cve5->ssvc.automatable, 1);
	assert_int_equal(e->cve5->ssvc.technical_total, 1);
	assert_int_equal(e->cve5->published_ms, t("2024-04-04T01:00:05.740Z"));
	assert_int_equal(e->cve5->last_modified_ms, t("2024-08-01T20:05:08.352Z"));
	if (flw_feed_have_matcher())
		assert_non_null(e->cve5->affected);
	flw_vuln_db_free(db);
	flw_free(p);
}

static void test_kev_epss_join(void **state)
{
	char *nvd = data_path("nvd_api2_sample.json");
	char *cve5 = data_path("cve5_iot_sample.jsonl");
	char *kev = data_path("kev/known_exploited_vulnerabilities.json");
	char *epss = data_path("epss_sample.csv");
	struct flw_vuln_db *db;
	struct flw_feed_stats st = { 0 };
	struct flw_diag d;
	const struct flw_vuln_entry *e;

	(void)state;
	if (!nvd || !cve5 || !kev || !epss)
		skip();
	db = new_db();
	assert_int_equal(flw_feed_import_kev(db, kev, NULL, &st, &d), 0);
	assert_int_equal(st.records, 1404);
	assert_int_equal(st.added, 1404);
	memset(&st, 0, sizeof(st));
	assert_int_equal(flw_feed_import_epss(db, epss, NULL, &st, &d), 0);
	assert_int_equal(st.records, 3377);
	assert_int_equal(st.failed, 0);
	assert_int_equal(flw_feed_import_nvd(db, nvd, NULL, NULL, &d), 0);
	assert_int_equal(flw_feed_import_cve5_jsonl(db, cve5, NULL, NULL, &d), 0);
	/* EPSS is exactly the union of the other three */
	assert_int_equal(flw_vuln_db_count(db), 3377);
	check_index(db, 1);

	e = flw_vuln_db_get(db, "CVE-2023-1389");
	assert_non_null(e->kev);
	assert_int_equal(e->kev->date_added_ms, e->nvd->kev_added_ms);
	assert_int_equal(e->kev->due_date_ms, e->nvd->kev_due_ms);
	assert_string_equal(e->kev->vendor_project, "TP-Link");
	assert_string_equal(e->kev->product, "Archer AX21");
	assert_int_equal(e->kev->ransomware, FLW_KEV_RANSOMWARE_UNKNOWN);
	assert_int_equal(e->kev->n_cwes, 1);
	assert_string_equal(e->kev->cwes[0], "CWE-77");
	assert_string_equal(e->kev->catalog_version, "2025.08.25");
	assert_int_equal(e->kev->catalog_released_ms, 1756141459979LL);
	assert_true(e->epss.present);
	assert_int_equal(e->epss.epss_e5, 99999);
	assert_string_equal(e->epss.model_version, "unknown");
	assert_int_equal(e->epss.score_date_ms, 1786838400000LL);

	e = flw_vuln_db_get(db, "CVE-2023-28771");
	assert_int_equal(e->kev->date_added_ms, e->nvd->kev_added_ms);
	assert_int_equal(e->kev->due_date_ms, e->nvd->kev_due_ms);

	e = flw_vuln_db_get(db, "CVE-2024-10123");
	assert_null(e->kev);
	assert_int_equal(e->epss.epss_e5, 1019);
	assert_int_equal(e->epss.percentile_e5, 60453);
	assert_true(e->epss.epss > 0.01018 && e->epss.epss < 0.01020);
	assert_int_equal(flw_vuln_db_get(db, "CVE-2025-46394")->epss.epss_e5, 170);

	/* KEV wins over an older SSVC "poc": both facts are there for the risk model */
	e = flw_vuln_db_get(db, "CVE-2023-39780");
	assert_non_null(e->kev);
	assert_int_equal(e->cve5->ssvc.exploitation, FLW_SSVC_EXPLOITATION_POC);
	flw_vuln_db_free(db);
	flw_free(nvd);
	flw_free(cve5);
	flw_free(kev);
	flw_free(epss);
}

static int count_known(const struct flw_vuln_entry *e, void *payload)
{
	size_t *n = payload;

	*n += e->kev && e->kev->ransomware == FLW_KEV_RANSOMWARE_KNOWN;
	return 0;
}

static int stop_at_first(const struct flw_vuln_entry *e, void *payload)
{
	(void)e;
	(void)payload;
	return 7;
}

static void test_kev_counts(void **state)
{
	char *kev = data_path("kev/known_exploited_vulnerabilities.json");
	struct flw_vuln_db *db;
	struct flw_feed_stats st = { 0 };
	size_t known = 0;

	(void)state;
	if (!kev)
		skip();
	db = new_db();
	assert_int_equal(flw_feed_import_kev(db, kev, NULL, &st, NULL), 0);
	assert_int_equal(flw_vuln_db_foreach(db, count_known, &known), 0);
	assert_int_equal(known, 293);
	assert_int_equal(flw_vuln_db_foreach(db, stop_at_first, NULL), 7);
	/* the same catalogue again: nothing replaced */
	memset(&st, 0, sizeof(st));
	assert_int_equal(flw_feed_import_kev(db, kev, NULL, &st, NULL), 0);
	assert_int_equal(st.unchanged, 1404);
	assert_int_equal(st.added + st.replaced, 0);
	flw_vuln_db_free(db);
	flw_free(kev);
}

/* ---- malformed records ---------------------------------------------------------------------- */

static void test_nvd_malformed(void **state)
{
	char *good1 = nvd_cve("CVE-2099-0001", "2024-01-01T00:00:00.000", "one");
	char *good2 = nvd_cve("CVE-2099-0006", "2024-01-01T00:00:00.000", "six");
	char *bad_date = nvd_cve("CVE-2099-0003", "2024-13-01T00:00:00.000", "bad date");
	char *elems;
	char *page;
	struct flw_vuln_db *db = new_db();
	struct flw_feed_stats st;
	struct errs er;

	(void)state;
	elems = flw_asprintf(
	        "%s,"
	        "{\"cve\":{\"published\":\"2023-01-01T00:00:00\",\"lastModified\":\"2023-01-01T00:"
	        "00:00\"}},"
	        "%s,"
	        "{\"cve\":{\"id\":\"CVE-2099-0004\",\"published\":\"2023-01-01T00:00:00\","
	        "\"lastModified\":\"2023-01-01T00:00:00\",\"vulnStatus\":5,\"descriptions\":[]}},"
	        "{\"cve\":{\"id\":\"CVE-2099-0005\",\"id\":\"CVE-2099-0005\"}},"
	        "{\"cve\":{\"id\":\"CVE-2099-0007\",\"published\":\"2023-01-01T00:00:00\","
	        "\"lastModified\":\"2023-01-01T00:00:00\",\"vulnStatus\":\"Analyzed\","
	        "\"descriptions\":[],"
	        "\"metrics\":{\"cvssMetricV31\":[{\"source\":\"x\",\"cvssData\":{\"version\":\"3."
	        "1\","
	        "\"baseScore\":\"high\",\"vectorString\":\"v\"}}]}}},"
	        "%s",
	        good1, bad_date, good2);
	assert_non_null(elems);
	page = nvd_page(elems);
	assert_int_equal(import_mem(db, FLW_FEED_NVD, 0, page, &er, &st), 0);
	assert_int_equal(st.records, 7);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.failed, 5);
	assert_int_equal(er.n, 5);
	assert_string_equal(er.id[0], ""); /* missing id */
	assert_int_equal(er.index[0], 1);
	assert_string_equal(er.id[1], "CVE-2099-0003");
	assert_int_equal(er.index[1], 2);
	assert_string_equal(er.path[1], "lastModified");
	assert_string_equal(er.id[2], "CVE-2099-0004");
	assert_string_equal(er.path[2], "vulnStatus");
	assert_string_equal(er.id[3], "CVE-2099-0005"); /* duplicate key: only this record */
	assert_int_equal(er.code[3], FLW_EFORMAT);
	assert_string_equal(er.id[4], "CVE-2099-0007");
	assert_string_equal(er.path[4], "metrics.cvssMetricV31[0].baseScore");
	assert_non_null(flw_vuln_db_get(db, "CVE-2099-0001"));
	assert_non_null(flw_vuln_db_get(db, "CVE-2099-0006"));
	assert_null(flw_vuln_db_get(db, "CVE-2099-0003"));
	assert_int_equal(flw_vuln_db_count(db), 2);
	flw_vuln_db_free(db);
	flw_free(page);
	flw_free(elems);
	flw_free(good1);
	flw_free(good2);
	flw_free(bad_date);
}

static void test_nvd_broken_files(void **state)
{
	char *good1 = nvd_cve("CVE-2099-0001", "2024-01-01T00:00:00.000", "one");
	char *good2 = nvd_cve("CVE-2099-0002", "2024-01-01T00:00:00.000", "two");
	char *elems = flw_asprintf("%s,%s", good1, good2);
	char *page = nvd_page(elems);
	size_t cut = strlen(page) - strlen(good2) / 2;
	struct flw_vuln_db *db = new_db();
	struct flw_feed_stats st = { 0 };
	struct flw_diag d;
	struct errs er;
	static const char *const broken[] = {
		"",
		"[]",
		"{\"format\":\"NVD_CVE\"}",
		"{\"vulnerabilities\":[]} x",
		"{\"format\":\"OTHER\",\"vulnerabilities\":[]}",
		"{\"vulnerabilities\":[],\"vulnerabilities\":[]}",
		"{\"vulnerabilities\":[{\"cve\":{}},]}",
		"{\"vulnerabilities\":[{}}]}",
		"{\"a\":1,,\"vulnerabilities\":[]}",
	};
	size_t i;

	(void)state;
	/* truncated in the second record: the first stays, the error names the second */
	flw_diag_clear(&d);
	assert_int_equal(flw_feed_import_mem(db, FLW_FEED_NVD, 0, page, cut, NULL, &st, &d),
	                 FLW_EFORMAT);
	assert_non_null(strstr(d.msg, "truncated"));
	assert_non_null(strstr(d.msg, "CVE-2099-0002"));
	assert_int_equal(st.added, 1);
	assert_non_null(flw_vuln_db_get(db, "CVE-2099-0001"));
	assert_null(flw_vuln_db_get(db, "CVE-2099-0002"));
	for (i = 0; i < FLW_ARRAY_SIZE(broken); i++) {
		int rc = import_mem(db, FLW_FEED_NVD, 0, broken[i], &er, &st);

		if (rc != FLW_EFORMAT)
			fail_msg("broken[%zu] '%s': rc %d", i, broken[i], rc);
	}
	/* empty array is fine */
	assert_int_equal(import_mem(db, FLW_FEED_NVD, 0, "{\"vulnerabilities\": [ ] }", &er, &st),
	                 0);
	assert_int_equal(flw_vuln_db_count(db), 1);
	flw_vuln_db_free(db);
	flw_free(page);
	flw_free(elems);
	flw_free(good1);
	flw_free(good2);
}

static const char cve5_good[] =
        "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{\"cveId\":\"CVE-"
        "2099-1000\","
        "\"state\":\"PUBLISHED\",\"datePublished\":\"2024-01-01T00:00:00\",\"dateUpdated\":\"2024-"
        "02-01T00:00:00.000Z\"},"
        "\"containers\":{\"cna\":{\"providerMetadata\":{\"orgId\":\"x\",\"shortName\":\"acme\"},"
        "\"descriptions\":[{\"lang\":\"en-US\",\"value\":\"hello\"}],"
        "\"affected\":[{\"vendor\":\"acme\",\"product\":\"widget\",\"versions\":[{\"version\":\"1."
        "0\",\"status\":\"affected\"}]}],"
        "\"references\":[{\"url\":\"https://e.example\"}]},"
        "\"adp\":[{\"providerMetadata\":{\"orgId\":\"134c704f-9b21-4f2e-91b3-4a467353bcc0\","
        "\"shortName\":\"CISA-ADP\"},"
        "\"metrics\":[{\"other\":{\"type\":\"ssvc\",\"content\":{\"options\":[{\"Exploitation\":"
        "\"Active\"},"
        "{\"Automatable\":\"no\"},{\"Technical Impact\":\"partial\"}]}}},"
        "{\"cvssV3_1\":{\"version\":\"3.1\",\"baseScore\":7.5,\"baseSeverity\":\"HIGH\","
        "\"vectorString\":\"CVSS:3.1/AV:N\"}}]}]}}";

static void test_cve5_malformed(void **state)
{
	struct flw_vuln_db *db = new_db();
	struct flw_feed_stats st;
	struct errs er;
	const struct flw_vuln_entry *e;
	char *text;
	size_t len = strlen(cve5_good);

	(void)state;
	text = flw_asprintf("%s\n"
	                    "\n"
	                    "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{"
	                    "\"state\":\"PUBLISHED\"}}\n"
	                    "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{"
	                    "\"cveId\":\"CVE-2099-1002\","
	                    "\"state\":\"PUBLISHED\",\"dateUpdated\":\"yesterday\"},\"containers\":"
	                    "{\"cna\":{}}}\r\n"
	                    "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{"
	                    "\"cveId\":\"CVE-2099-1003\","
	                    "\"state\":\"PUBLISHED\",\"dateUpdated\":\"2024-01-01\"},"
	                    "\"containers\":{\"cna\":{\"metrics\":{}}}}\n"
	                    "{\"dataType\":\"CVE_RECORD\",\"dataType\":\"CVE_RECORD\","
	                    "\"cveMetadata\":{\"cveId\":\"CVE-2099-1004\"}}\n"
	                    "%.*s",
	                    cve5_good, (int)(len - 10), cve5_good);
	assert_non_null(text);
	assert_int_equal(import_mem(db, FLW_FEED_CVE5, 1, text, &er, &st), 0);
	assert_int_equal(st.records, 6);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.failed, 5);
	assert_string_equal(er.id[0], "");
	assert_int_equal(er.index[0], 3); /* line numbers */
	assert_string_equal(er.id[1], "CVE-2099-1002");
	assert_string_equal(er.path[1], "cveMetadata.dateUpdated");
	assert_string_equal(er.id[2], "CVE-2099-1003");
	assert_string_equal(er.path[2], "containers.cna.metrics");
	assert_string_equal(er.id[3], "CVE-2099-1004");
	assert_string_equal(er.id[4], "CVE-2099-1000"); /* truncated last line */
	assert_int_equal(er.index[4], 7);

	e = flw_vuln_db_get(db, "CVE-2099-1000");
	assert_non_null(e);
	assert_string_equal(e->cve5->description, "hello");
	assert_true(e->cve5->ssvc.present);
	assert_int_equal(e->cve5->ssvc.exploitation, FLW_SSVC_EXPLOITATION_ACTIVE);
	assert_int_equal(e->cve5->n_cvss, 1);
	assert_int_equal(e->cve5->cvss[0].origin, FLW_VULN_ORIGIN_CISA_ADP);
	assert_string_equal(e->cve5->cvss[0].source, "CISA-ADP");
	assert_int_equal(json_array_size(e->cve5->affected_json), 1);
	assert_int_equal(e->cve5->last_modified_ms, t("2024-02-01"));

	/* a single-record file */
	assert_int_equal(import_mem(db, FLW_FEED_CVE5, 0, cve5_good, &er, &st), 0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(import_mem(db, FLW_FEED_CVE5, 0, "{\"dataType\":\"CVE_RECORD\"", &er, &st),
	                 0);
	assert_int_equal(st.failed, 1);
	assert_int_equal(er.code[0], FLW_EFORMAT);
	flw_vuln_db_free(db);
	flw_free(text);
}

/* A CVE 5 record whose "cpes" mix CPE 2.2 URIs / junk with CPE 2.3 names: only the bad
 * entries are skipped (reported with their path, record kept), everything else matches. */
static const char cve5_mixed_cpes[] =
        "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{\"cveId\":\"CVE-"
        "2099-1100\",\"state\":\"PUBLISHED\",\"dateUpdated\":\"2024-02-01T00:00:00Z\"},"
        "\"containers\":{\"cna\":{\"providerMetadata\":{\"orgId\":\"x\",\"shortName\":\"acme\"},"
        "\"affected\":["
        "{\"vendor\":\"Acme\",\"product\":\"Widget\",\"defaultStatus\":\"unaffected\","
        "\"cpes\":[\"cpe:/a:acme:widget:1.0\",\"cpe:2.3:a:acme:widget_pro:*:*:*:*:*:*:*:*\"],"
        "\"versions\":[{\"version\":\"1.0\",\"lessThan\":\"1.4\",\"versionType\":\"semver\","
        "\"status\":\"affected\"}]},"
        "{\"vendor\":\"Acme\",\"product\":\"Gadget\",\"versions\":[{\"version\":\"2.0\","
        "\"status\":\"affected\"}]}]},"
        "\"adp\":[{\"providerMetadata\":{\"orgId\":\"af854a3a-2127-422b-91ae-364da2661108\","
        "\"shortName\":\"CVE\"}},"
        "{\"providerMetadata\":{\"orgId\":\"134c704f-9b21-4f2e-91b3-4a467353bcc0\","
        "\"shortName\":\"CISA-ADP\"},\"affected\":[{\"vendor\":\"n/a\",\"product\":\"n/a\","
        "\"cpes\":[\"cpe:2.3:a:acme:gadget:*:*:*:*:*:*:*:*\"]},"
        "{\"vendor\":\"acme\",\"product\":\"tool\",\"defaultStatus\":\"unaffected\","
        "\"cpes\":[\"not a cpe\",42,\"cpe:2.3:a:acme:tool_lite:*:*:*:*:*:*:*:*\"],"
        "\"versions\":[{\"version\":\"0\",\"lessThan\":\"3\",\"versionType\":\"semver\","
        "\"status\":\"affected\"}]}]}]}}";

static enum flw_match_verdict verdict_of(const struct flw_vuln_affected *a, const char *product,
                                         const char *version)
{
	struct flw_component c = { .vendor = "acme", .product = product, .version = version };
	struct flw_match_item *it = NULL;
	struct flw_match_result r;

	assert_int_equal(flw_match_item_new(&it, &c, NULL, NULL), 0);
	assert_int_equal(flw_match_affected(a, it, &r), 0);
	flw_match_item_free(it);
	return r.verdict;
}

static void test_cve5_bad_cpes_entry_skipped_alone(void **state)
{
	struct flw_vuln_db *db = new_db();
	struct flw_feed_stats st;
	struct errs er;
	const struct flw_vuln_record *rec;
	const struct flw_vuln_affected_skip *sk;
	size_t n = 0;

	(void)state;
	assert_int_equal(import_mem(db, FLW_FEED_CVE5, 0, cve5_mixed_cpes, &er, &st), 0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.failed, 0);
	rec = flw_vuln_db_get(db, "CVE-2099-1100")->cve5;
	assert_non_null(rec);
	assert_int_equal(json_array_size(rec->affected_json), 4);
	if (!flw_feed_have_matcher()) {
		assert_int_equal(st.refused, 0);
		flw_vuln_db_free(db);
		return;
	}
	/* reported: the two bad entries by their path, record kept */
	assert_int_equal(st.refused, 3);
	assert_int_equal(er.n, 3);
	assert_string_equal(er.id[0], "CVE-2099-1100");
	assert_true(er.kept[0]);
	assert_int_equal(er.code[0], FLW_EFORMAT);
	assert_string_equal(er.path[0], "containers.cna.affected[0].cpes[0]");
	assert_string_equal(er.path[1], "containers.adp[1].affected[1].cpes[0]");
	assert_string_equal(er.path[2], "containers.adp[1].affected[1].cpes[1]");
	assert_true(er.kept[1] && er.kept[2]);
	/* the parsed form is there, and lists what it skipped (never converted) */
	assert_int_equal(rec->affected_rc, 0);
	assert_non_null(rec->affected);
	assert_int_equal(flw_vuln_affected_count(rec->affected), 4);
	sk = flw_vuln_affected_skipped(rec->affected, &n);
	assert_int_equal(n, 3);
	assert_int_equal(sk[0].product, 0);
	assert_int_equal(sk[0].cpe, 0);
	assert_string_equal(sk[0].text, "cpe:/a:acme:widget:1.0");
	assert_non_null(strstr(sk[0].reason, "2.2"));
	assert_string_equal(sk[1].text, "not a cpe");
	assert_int_equal(sk[2].product, 3);
	assert_int_equal(sk[2].cpe, 1);
	assert_string_equal(sk[2].text, "");
	/* everything else still matches: the entry with the bad cpe (by name and by its valid
	 * 2.3 cpe), the CNA's other entry, the ADP entries */
	assert_int_equal(verdict_of(rec->affected, "widget", "1.2"), FLW_MATCH_YES);
	assert_int_equal(verdict_of(rec->affected, "widget", "1.4"), FLW_MATCH_NO);
	assert_int_equal(verdict_of(rec->affected, "widget_pro", "1.2"), FLW_MATCH_YES);
	assert_int_equal(verdict_of(rec->affected, "gadget", "2.0"), FLW_MATCH_YES);
	assert_int_equal(verdict_of(rec->affected, "tool", "2.9"), FLW_MATCH_YES);
	assert_int_equal(verdict_of(rec->affected, "tool_lite", "3.0"), FLW_MATCH_NO);
	flw_vuln_db_free(db);
}

static const char kev_head[] = "{\"title\":\"t\",\"catalogVersion\":\"%s\",\"dateReleased\":\"%s\","
                               "\"count\":2,\"vulnerabilities\":[%s]}";
static const char kev_entry[] =
        "{\"cveID\":\"CVE-2099-2000\",\"vendorProject\":\"Acme\",\"product\":\"Widget\","
        "\"vulnerabilityName\":\"%s\",\"dateAdded\":\"2024-01-02\",\"shortDescription\":\"s\","
        "\"requiredAction\":\"r\",\"dueDate\":\"2024-01-23\",\"knownRansomwareCampaignUse\":"
        "\"Known\","
        "\"notes\":\"\",\"cwes\":[\"CWE-78\"]}";

static char *kev_doc(const char *version, const char *released, const char *name, const char *extra)
{
	char *entry = flw_asprintf(kev_entry, name);
	char *list = flw_asprintf("%s%s", entry, extra);
	char *doc = flw_asprintf(kev_head, version, released, list);

	assert_non_null(doc);
	flw_free(entry);
	flw_free(list);
	return doc;
}

static void test_kev_malformed_and_reimport(void **state)
{
	struct flw_vuln_db *db = new_db();
	struct flw_feed_stats st;
	struct errs er;
	char *v1 =
	        kev_doc("2024.01.02", "2024-01-02T10:00:00.000Z", "first",
	                ",{\"cveID\":\"CVE-2099-2001\",\"vendorProject\":\"A\",\"product\":\"B\","
	                "\"vulnerabilityName\":\"n\",\"dateAdded\":\"2024-01-02\","
	                "\"shortDescription\":\"s\",\"requiredAction\":\"r\"}");
	char *older = kev_doc("2024.01.01", "2024-01-01T10:00:00.000Z", "older", "");
	char *newer = kev_doc("2024.01.03", "2024-01-03T10:00:00.000Z", "newer", "");
	char *no_date = kev_doc("2024.01.04", "", "x", "");
	const struct flw_vuln_entry *e;

	(void)state;
	assert_int_equal(import_mem(db, FLW_FEED_KEV, 0, v1, &er, &st), 0);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.failed, 1);
	assert_string_equal(er.id[0], "CVE-2099-2001");
	assert_string_equal(er.path[0], "dueDate");
	e = flw_vuln_db_get(db, "CVE-2099-2000");
	assert_string_equal(e->kev->name, "first");
	assert_int_equal(e->kev->ransomware, FLW_KEV_RANSOMWARE_KNOWN);
	assert_int_equal(e->kev->due_date_ms, t("2024-01-23"));

	assert_int_equal(import_mem(db, FLW_FEED_KEV, 0, older, &er, &st), 0);
	assert_int_equal(st.unchanged, 1);
	assert_string_equal(e->kev->name, "first");
	/* a broken catalogue envelope imports nothing and loses nothing */
	assert_int_equal(import_mem(db, FLW_FEED_KEV, 0, no_date, &er, &st), FLW_EFORMAT);
	assert_int_equal(st.added + st.replaced, 0);
	assert_string_equal(e->kev->name, "first");
	assert_int_equal(import_mem(db, FLW_FEED_KEV, 0, newer, &er, &st), 0);
	assert_int_equal(st.replaced, 1);
	assert_string_equal(e->kev->name, "newer");
	assert_string_equal(e->kev->catalog_version, "2024.01.03");
	flw_vuln_db_free(db);
	flw_free(v1);
	flw_free(older);
	flw_free(newer);
	flw_free(no_date);
}

static void test_epss_malformed_and_reimport(void **state)
{
	struct flw_vuln_db *db = new_db();
	struct flw_feed_stats st;
	struct errs er;
	const struct flw_vuln_entry *e;

	(void)state;
	assert_int_equal(import_mem(db, FLW_FEED_EPSS, 0,
	                            "#model_version:v2025.03.14,score_date:2025-03-14T00:00:00Z\n"
	                            "cve,epss,percentile\n"
	                            "CVE-2099-3000,0.50000,0.90000\n"
	                            "CVE-2099-3001,1.5,0.9\n"
	                            "CVE-2099-3002,0.1,0.2,0.3\n"
	                            "XVE-2099-3003,0.1,0.2\n"
	                            "CVE-2099-3004,-0.1,0.2\n"
	                            "CVE-2099-3005,0.1e1,0.2\n"
	                            "\n"
	                            "CVE-2099-3006,1,0.99999\r\n"
	                            "CVE-2099-3007,0.00001",
	                            &er, &st),
	                 0);
	assert_int_equal(st.records, 8);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.failed, 6);
	assert_string_equal(er.id[0], "CVE-2099-3001");
	assert_int_equal(er.index[0], 4);
	assert_string_equal(er.id[1], "CVE-2099-3002");
	assert_string_equal(er.id[2], "");              /* not a CVE id */
	assert_string_equal(er.id[5], "CVE-2099-3007"); /* truncated last line */
	e = flw_vuln_db_get(db, "CVE-2099-3000");
	assert_int_equal(e->epss.epss_e5, 50000);
	assert_string_equal(e->epss.model_version, "v2025.03.14");
	assert_int_equal(flw_vuln_db_get(db, "CVE-2099-3006")->epss.epss_e5, 100000);

	/* older scores are ignored, newer replace */
	assert_int_equal(import_mem(db, FLW_FEED_EPSS, 0,
	                            "#model_version:v2025.03.14,score_date:2025-03-13T00:00:00Z\n"
	                            "cve,epss,percentile\nCVE-2099-3000,0.7,0.95\n",
	                            &er, &st),
	                 0);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(e->epss.epss_e5, 50000);
	assert_int_equal(import_mem(db, FLW_FEED_EPSS, 0,
	                            "#model_version:v2025.03.14,score_date:2025-03-15T00:00:00Z\n"
	                            "cve,epss,percentile\nCVE-2099-3000,0.7,0.95\n",
	                            &er, &st),
	                 0);
	assert_int_equal(st.replaced, 1);
	assert_int_equal(e->epss.epss_e5, 70000);
	assert_int_equal(e->epss.score_date_ms, t("2025-03-15"));

	/* header problems are file-level */
	assert_int_equal(import_mem(db, FLW_FEED_EPSS, 0, "CVE-2099-3000,0.7,0.95\n", &er, &st),
	                 FLW_EFORMAT);
	assert_int_equal(import_mem(db, FLW_FEED_EPSS, 0,
	                            "#score_date:2025-99-01\ncve,epss,percentile\n", &er, &st),
	                 FLW_EFORMAT);
	assert_int_equal(import_mem(db, FLW_FEED_EPSS, 0, "", &er, &st), FLW_EFORMAT);
	assert_int_equal(e->epss.epss_e5, 70000);
	flw_vuln_db_free(db);
}

/* ---- re-import by lastModified --------------------------------------------------------------- */

static void test_nvd_reimport(void **state)
{
	char *mid = nvd_cve("CVE-2099-0001", "2024-06-01T00:00:00.000", "middle");
	char *old = nvd_cve("CVE-2099-0001", "2024-01-01T00:00:00.000", "older");
	char *same = nvd_cve("CVE-2099-0001", "2024-06-01T00:00:00.000", "same date");
	char *bad = nvd_cve("CVE-2099-0001", "2024-99-01T00:00:00.000", "broken");
	char *newer = nvd_cve("CVE-2099-0001", "2024-06-01T00:00:00.001", "newer");
	char *docs[5];
	struct flw_vuln_db *db = new_db();
	struct flw_feed_stats st;
	struct errs er;
	const struct flw_vuln_entry *e;
	size_t i;

	(void)state;
	docs[0] = nvd_page(mid);
	docs[1] = nvd_page(old);
	docs[2] = nvd_page(same);
	docs[3] = nvd_page(bad);
	docs[4] = nvd_page(newer);
	assert_int_equal(import_mem(db, FLW_FEED_NVD, 0, docs[0], &er, &st), 0);
	assert_int_equal(st.added, 1);
	e = flw_vuln_db_get(db, "CVE-2099-0001");
	assert_string_equal(e->nvd->description, "middle");
	assert_int_equal(import_mem(db, FLW_FEED_NVD, 0, docs[1], &er, &st), 0);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(import_mem(db, FLW_FEED_NVD, 0, docs[2], &er, &st), 0);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(import_mem(db, FLW_FEED_NVD, 0, docs[3], &er, &st), 0);
	assert_int_equal(st.failed, 1);
	assert_string_equal(e->nvd->description, "middle");
	assert_int_equal(import_mem(db, FLW_FEED_NVD, 0, docs[4], &er, &st), 0);
	assert_int_equal(st.replaced, 1);
	assert_string_equal(e->nvd->description, "newer");
	assert_int_equal(flw_vuln_db_count(db), 1);
	for (i = 0; i < 5; i++)
		flw_free(docs[i]);
	flw_free(mid);
	flw_free(old);
	flw_free(same);
	flw_free(bad);
	flw_free(newer);
	flw_vuln_db_free(db);
}

/* the real sample, then a damaged copy of it: nothing imported before is lost */
static void test_failed_reimport_keeps_data(void **state)
{
	char *p = data_path("nvd_api2_sample.json");
	struct flw_vuln_db *db;
	struct flw_feed_stats st = { 0 };
	struct flw_buf b;
	struct flw_diag d;
	struct errs er;
	struct flw_feed_opts o = opts_for(&er);
	char *tmp;
	char *bad_path;
	char *dir_path;
	const char *hit;
	char *desc;
	size_t off;

	(void)state;
	if (!p)
		skip();
	db = new_db();
	assert_int_equal(flw_feed_import_nvd(db, p, NULL, NULL, &d), 0);
	desc = flw_strdup(flw_vuln_db_get(db, "CVE-2023-0286")->nvd->description);
	flw_buf_init(&b, 1 << 20);
	assert_int_equal(flw_fs_read_all(p, &b, NULL), 0);
	/* make CVE-2023-0286 newer but broken (a string where a number belongs), cut the file */
	hit = strstr((const char *)b.data, "\"id\": \"CVE-2023-0286\"");
	if (!hit)
		hit = strstr((const char *)b.data, "\"id\":\"CVE-2023-0286\"");
	assert_non_null(hit);
	hit = strstr(hit, "\"lastModified\"");
	assert_non_null(hit);
	off = (size_t)(hit - (const char *)b.data);
	assert_int_equal(memcmp(b.data + off, "\"lastModified\": \"2025-03-20", 27), 0);
	memcpy(b.data + off, "\"lastModified\": \"2099-13-20", 27);
	tmp = flw_test_tmpdir();
	bad_path = flw_asprintf("%s/page-0001.json", tmp);
	flw_test_write_file(bad_path, b.data, b.len * 3 / 4);
	dir_path = flw_asprintf("%s/page-0000.json", tmp);
	flw_test_write_file(dir_path, b.data, b.len);
	assert_int_equal(flw_feed_import_nvd(db, bad_path, &o, &st, &d), FLW_EFORMAT);
	assert_int_equal(er.n, 1);
	assert_string_equal(er.id[0], "CVE-2023-0286");
	assert_int_equal(flw_vuln_db_count(db), 12);
	assert_string_equal(flw_vuln_db_get(db, "CVE-2023-0286")->nvd->description, desc);
	assert_non_null(flw_vuln_db_get(db, "CVE-2025-46394")->nvd);

	/* directory: page-0000 (same damage, complete) then page-0001 (truncated) */
	memset(&st, 0, sizeof(st));
	o = opts_for(&er);
	assert_int_equal(flw_feed_import_nvd_dir(db, tmp, &o, &st, &d), FLW_EFORMAT);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.failed, 2);
	assert_int_equal(st.unchanged, st.records - st.failed);
	assert_int_equal(er.progress_done, 2);
	assert_int_equal(flw_vuln_db_count(db), 12);
	flw_test_write_file(bad_path, "{\"vulnerabilities\":[]}", 22);
	memset(&st, 0, sizeof(st));
	assert_int_equal(flw_feed_import_nvd_dir(db, tmp, NULL, &st, &d), 0);
	assert_int_equal(st.files, 2);
	assert_int_equal(flw_feed_import_nvd_dir(db, "/nonexistent-feed-dir", NULL, NULL, &d),
	                 FLW_ENOTFOUND);
	assert_int_equal(flw_feed_import_nvd(db, "/nonexistent-feed-file.json", NULL, NULL, &d),
	                 FLW_ENOTFOUND);
	assert_int_equal(flw_feed_import_nvd(db, tmp, NULL, NULL, &d),
	                 FLW_EINVAL); /* a directory */
	flw_test_rmrf(tmp);
	flw_free(tmp);
	flw_free(bad_path);
	flw_free(dir_path);
	flw_free(desc);
	flw_buf_free(&b);
	flw_vuln_db_free(db);
	flw_free(p);
}

static void test_limits(void **state)
{
	struct flw_vuln_db *db = new_db();
	struct flw_feed_stats st;
	struct errs er;
	struct flw_buf b;
	char *page;
	char *deep;
	size_t i;

	(void)state;
	/* one record over the record cap is reported and skipped; the next one is imported */
	flw_buf_init(&b, FLW_FEED_MAX_RECORD_BYTES + 4096);
	assert_int_equal(
	        flw_buf_puts(&b,
	                     "{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2099-4000\",\"x\":\""),
	        0);
	for (i = 0; i < FLW_FEED_MAX_RECORD_BYTES / 1024 + 1; i++) {
		unsigned char *w = NULL;

		assert_int_equal(flw_buf_reserve(&b, 1024, &w), 0);
		memset(w, 'a', 1024);
		b.len += 1024;
	}
	page = nvd_cve("CVE-2099-4001", "2024-01-01T00:00:00", "ok");
	assert_int_equal(flw_buf_printf(&b, "\"}},%s]}", page), 0);
	flw_free(page);
	memset(&st, 0, sizeof(st));
	{
		struct flw_feed_opts o = opts_for(&er);

		assert_int_equal(
		        flw_feed_import_mem(db, FLW_FEED_NVD, 0, b.data, b.len, &o, &st, NULL), 0);
	}
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.added, 1);
	assert_string_equal(er.id[0], "CVE-2099-4000");
	assert_int_equal(er.code[0], FLW_ELIMIT);
	flw_buf_free(&b);

	/* nesting past FLW_FEED_MAX_DEPTH inside one record */
	flw_buf_init(&b, 1 << 16);
	assert_int_equal(
	        flw_buf_puts(&b, "{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2099-4002\",\"x\":"),
	        0);
	for (i = 0; i < 40; i++)
		assert_int_equal(flw_buf_puts(&b, "["), 0);
	for (i = 0; i < 40; i++)
		assert_int_equal(flw_buf_puts(&b, "]"), 0);
	assert_int_equal(flw_buf_puts(&b, "}}]}"), 0);
	deep = (char *)b.data;
	assert_int_equal(import_mem(db, FLW_FEED_NVD, 0, deep, &er, &st), 0);
	assert_int_equal(st.failed, 1);
	assert_int_equal(er.code[0], FLW_ELIMIT);
	assert_string_equal(er.id[0], "CVE-2099-4002");
	flw_buf_free(&b);

	/* EPSS line cap */
	flw_buf_init(&b, 1 << 16);
	assert_int_equal(flw_buf_puts(&b, "cve,epss,percentile\nCVE-2099-4003,0.1,0.1"), 0);
	for (i = 0; i < FLW_FEED_EPSS_MAX_LINE; i++)
		assert_int_equal(flw_buf_puts(&b, "0"), 0);
	assert_int_equal(flw_buf_puts(&b, "\nCVE-2099-4004,0.1,0.1\n"), 0);
	assert_int_equal(import_mem(db, FLW_FEED_EPSS, 0, (const char *)b.data, &er, &st), 0);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.added, 1);
	assert_int_equal(er.code[0], FLW_ELIMIT);
	flw_buf_free(&b);
	/* invalid arguments */
	assert_int_equal(flw_feed_import_mem(NULL, FLW_FEED_NVD, 0, "", 0, NULL, NULL, NULL),
	                 FLW_EINVAL);
	assert_int_equal(flw_feed_import_mem(db, 99, 0, "", 0, NULL, NULL, NULL), FLW_EINVAL);
	assert_int_equal(flw_feed_import_nvd(db, NULL, NULL, NULL, NULL), FLW_EINVAL);
	flw_vuln_db_free(db);
}

/* ---- allocation failures ---------------------------------------------------------------------- */

/*
 * jansson's lexer ignores a failed allocation while it grows its token buffer and then reads
 * past the token (an abort or a wild read inside jansson, not in the feeds): with injected
 * failures, only JSON whose every token fits jansson's initial 16-byte buffer (at most 13
 * characters between the quotes) is safe to parse. So the OOM run uses CVE 5 lines written
 * that way, plus EPSS (no JSON); NVD and KEV (the key "vulnerabilities" alone is too long) run
 * with real allocations only, in the tests above.
 */
static const char cve5_short[] =
        "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{\"cveId\":"
        "\"CVE-2099-1000\",\"state\":\"PUBLISHED\",\"dateUpdated\":\"2024-02-01\"},"
        "\"containers\":{\"cna\":{\"descriptions\":[{\"lang\":\"en\",\"value\":\"x\"}],"
        "\"metrics\":[{\"cvssV3_1\":{\"version\":\"3.1\",\"baseScore\":7.5,"
        "\"vectorString\":\"CVSS:3.1/AV:N\"}}],\"references\":[]}}}\n"
        "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{\"cveId\":"
        "\"CVE-2099-1001\",\"state\":\"REJECTED\",\"dateUpdated\":\"2024-02-01\"},"
        "\"containers\":{\"cna\":{}}}\n";
static const char epss_small[] = "#model_version:v1,score_date:2025-01-01\ncve,epss,percentile\n"
                                 "CVE-2099-1000,0.1,0.2\nCVE-2099-1002,0.3,0.4\n";

static int torture_all(void *payload)
{
	struct flw_vuln_db *db = NULL;
	struct flw_feed_stats st = { 0 };
	int rc = flw_vuln_db_new(&db);

	(void)payload;
	if (rc == 0)
		rc = flw_feed_import_mem(db, FLW_FEED_CVE5, 1, cve5_short, strlen(cve5_short), NULL,
		                         &st, NULL);
	if (rc == 0)
		rc = flw_feed_import_mem(db, FLW_FEED_EPSS, 0, epss_small, strlen(epss_small), NULL,
		                         &st, NULL);
	/* a record lost to an allocation failure must not pass as "malformed" */
	if (rc == 0 && (flw_vuln_db_count(db) != 3 || st.failed != 0 || st.added != 4))
		rc = FLW_EFORMAT;
	flw_vuln_db_free(db);
	return rc;
}

static void test_torture(void **state)
{
	(void)state;
	assert_true(flw_test_torture(torture_all, NULL, 5000) > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_nvd_sample),
		cmocka_unit_test(test_cve5_sample),
		cmocka_unit_test(test_kev_epss_join),
		cmocka_unit_test(test_kev_counts),
		cmocka_unit_test(test_nvd_malformed),
		cmocka_unit_test(test_nvd_broken_files),
		cmocka_unit_test(test_cve5_malformed),
		cmocka_unit_test(test_cve5_bad_cpes_entry_skipped_alone),
		cmocka_unit_test(test_kev_malformed_and_reimport),
		cmocka_unit_test(test_epss_malformed_and_reimport),
		cmocka_unit_test(test_nvd_reimport),
		cmocka_unit_test(test_failed_reimport_keeps_data),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_torture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
