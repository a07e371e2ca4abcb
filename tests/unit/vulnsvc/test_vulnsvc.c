/* tests/unit/vulnsvc/test_vulnsvc.c - the vulnerability service (server/vulnsvc.h) on a real
 * SQLite store in a temporary data directory with the real sample feeds
 * ($FLW_SRC_DIR/../shared/vulndata): imports (streamed in chunks, kinds sniffed), duplicate
 * and broken files, findings of a small fleet built through the store, their lifecycle across
 * a new release (fixed, fix release), risk acceptance with expiry and revocation (audited),
 * a restart (same findings and history, nothing imported twice) and the reports' numbers on
 * a hand-computed fleet. */
#include "flw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/protocol.h"
#include "fleetward/store.h"
#include "server/vulnsvc.h"

#define T0    1700000000LL /* 2023-11-14T22:13:20Z, Unix seconds */
#define DAY   86400LL
#define MS(s) ((int64_t)(s)*1000)

struct fx {
	char *dir;
	char *db;
	struct flw_store *s;
	struct flw_vulnsvc *v;
	struct flw_vulnsvc_open_info info;
};

static const struct flw_audit AUDIT = { "token:ops", "feed.import", "feed", NULL, 0 };

static char *vd(const char *rel)
{
	const char *src = getenv("FLW_SRC_DIR");

	return flw_asprintf("%s/../shared/vulndata/%s", src ? src : ".", rel);
}

static void svc_open(struct fx *f, int64_t now_s)
{
	struct flw_vulnsvc_config c;
	struct flw_diag d;

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	c.data_dir = f->dir;
	if (flw_vulnsvc_open(&f->v, f->s, &c, MS(now_s), &f->info, &d) != 0)
		fail_msg("open: %s %s", d.path, d.msg);
}

static int setup(void **state)
{
	struct fx *f = flw_calloc(1, sizeof(*f));
	struct flw_diag d;

	assert_non_null(f);
	memset(&d, 0, sizeof(d));
	f->dir = flw_test_tmpdir();
	f->db = flw_asprintf("%s/fleetward.db", f->dir);
	assert_int_equal(flw_store_open(&f->s, f->db, &d), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	flw_vulnsvc_free(f->v);
	flw_store_close(f->s);
	flw_test_rmrf(f->dir);
	flw_free(f->db);
	flw_free(f->dir);
	flw_free(f);
	return 0;
}

/* ---- uploads ------------------------------------------------------------------------------ */

/* stream data in 64 KiB pieces, as HTTP would; rc of the import, answer in *out */
static int import_bytes(struct fx *f, const void *data, size_t len, const char *kind,
                        const char *name, int64_t now_s, json_t **out, struct flw_diag *d)
{
	struct flw_vulnsvc_upload *u = NULL;
	const unsigned char *p = data;
	size_t off;
	int rc;

	*out = NULL;
	memset(d, 0, sizeof(*d));
	rc = flw_vulnsvc_upload_new(f->v, kind, name, &u, d);
	for (off = 0; rc == 0 && off < len; off += 65536)
		rc = flw_vulnsvc_upload_write(u, p + off, len - off < 65536 ? len - off : 65536, d);
	if (rc == 0)
		rc = flw_vulnsvc_import(f->v, f->s, u, &AUDIT, MS(now_s), out, NULL, d);
	flw_vulnsvc_upload_free(u);
	return rc;
}

static void read_file(const char *path, struct flw_buf *b)
{
	flw_buf_init(b, (size_t)64 << 20);
	assert_int_equal(flw_fs_read_all(path, b, NULL), 0);
}

static json_t *import_file(struct fx *f, const char *rel, const char *kind, int64_t now_s)
{
	struct flw_buf b;
	struct flw_diag d;
	char *p = vd(rel);
	json_t *out = NULL;

	read_file(p, &b);
	if (import_bytes(f, b.data, b.len, kind, rel, now_s, &out, &d) != 0)
		fail_msg("import %s: %s %s", rel, d.path, d.msg);
	flw_buf_free(&b);
	flw_free(p);
	return out;
}

/* ---- a fleet, through the store ----------------------------------------------------------- */

static void publish(struct fx *f, int64_t v, const char *name, const char *hwid,
                    const struct flw_sbom_component *c, size_t n, int64_t created)
{
	struct flw_release r;
	struct flw_diag d;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	snprintf(r.target.name, sizeof(r.target.name), "%s", name);
	snprintf(r.target.version, sizeof(r.target.version), "1.%lld", (long long)v);
	memset(r.target.sha256, (int)v, sizeof(r.target.sha256));
	r.target.length = 1000;
	snprintf(r.target.hwids[0], sizeof(r.target.hwids[0]), "%s", hwid);
	r.target.n_hwids = 1;
	r.created = (time_t)created;
	if (flw_test_publish(f->s, v, v, v, &r, c, n, NULL, &d) != 0)
		fail_msg("publish %s: %s %s", name, d.path, d.msg);
}

static void enroll(struct fx *f, const char *id, const char *hwid)
{
	unsigned char th[FLW_SHA256_BYTES];
	struct flw_enroll_token t;
	struct flw_device dev;
	struct flw_diag d;

	memset(&t, 0, sizeof(t));
	memset(&d, 0, sizeof(d));
	snprintf(t.name, sizeof(t.name), "fleet");
	memset(t.hash, 0x77, sizeof(t.hash));
	t.uses_left = -1;
	if (flw_store_enroll_token_add(f->s, &t, NULL, NULL, &d) != 0)
		memset(&d, 0, sizeof(d)); /* made by the first device */
	memset(&dev, 0, sizeof(dev));
	snprintf(dev.id, sizeof(dev.id), "%s", id);
	snprintf(dev.hwid, sizeof(dev.hwid), "%s", hwid);
	memset(dev.pubkey, id[strlen(id) - 1], sizeof(dev.pubkey));
	memset(th, 0x77, sizeof(th));
	assert_int_equal(flw_store_device_enroll(f->s, &dev, th, (time_t)T0 - 30 * DAY, NULL, &d),
	                 0);
}

/* a check-in reporting the running release (and the hardware CPE as an attribute) */
static void checkin(struct fx *f, const char *id, const char *installed, const char *hw_cpe,
                    int64_t now_s)
{
	struct flw_checkin c;
	struct flw_diag d;
	json_t *attrs = hw_cpe ? json_pack("{s:s}", "hardware_cpe", hw_cpe) : NULL;

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	c.device_id = id;
	c.installed = installed;
	c.installed_version = "1.0";
	c.attrs = attrs;
	c.now = (time_t)now_s;
	if (flw_store_device_checkin(f->s, &c, &d) != 0)
		fail_msg("checkin %s: %s", id, d.msg);
	json_decref(attrs);
}

static void inventory(struct fx *f, const char *id, const char *cls, int exposed,
                      const char *support_end)
{
	struct flw_inventory_patch p;
	struct flw_diag d;

	memset(&p, 0, sizeof(p));
	memset(&d, 0, sizeof(d));
	p.fields = FLW_INV_F_CLASS | FLW_INV_F_EXPOSED | FLW_INV_F_SUPPORT_END;
	snprintf(p.v.class_name, sizeof(p.v.class_name), "%s", cls);
	p.v.internet_exposed = exposed;
	snprintf(p.v.support_end, sizeof(p.v.support_end), "%s", support_end ? support_end : "");
	if (flw_store_device_inventory_set(f->s, id, &p, NULL, &d) != 0)
		fail_msg("inventory %s: %s", id, d.msg);
}

static const struct flw_sbom_component rel10[] = {
	{ "openssl", "1.0.2zf", NULL, NULL, NULL },
	{ "busybox", "1.35.0", NULL, NULL, NULL },
	{ "zlib", "1.2.13", NULL, NULL, NULL },
};
static const struct flw_sbom_component rel11[] = {
	{ "openssl", "1.0.2zg", NULL, NULL, NULL },
	{ "busybox", "1.35.0", NULL, NULL, NULL },
	{ "zlib", "1.2.13", NULL, NULL, NULL },
};
static const struct flw_sbom_component ax21[] = {
	{ "archer_ax21_firmware", "1.1.3", NULL,
	  "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3:*:*:*:*:*:*:*", "tp-link" },
};
#define AX21_HW "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*"

/* r1 (non-critical, LAN) and r2 (safety-critical, internet) on fw/router-1.0; ax1
 * (safety-critical, internet, support ended 2020-01-01) on fw/ax21-1.1.3; fw/router-1.1
 * (released T0 - 1 day) fixes openssl */
static void fleet(struct fx *f)
{
	publish(f, 1, "fw/router-1.0", "router", rel10, 3, T0 - 10 * DAY);
	publish(f, 2, "fw/ax21-1.1.3", "ax21", ax21, 1, T0 - 10 * DAY);
	publish(f, 3, "fw/router-1.1", "router", rel11, 3, T0 - DAY);
	enroll(f, "r1", "router");
	enroll(f, "r2", "router");
	enroll(f, "ax1", "ax21");
	checkin(f, "r1", "fw/router-1.0", NULL, T0 - 3600);
	checkin(f, "r2", "fw/router-1.0", NULL, T0 - 3600);
	checkin(f, "ax1", "fw/ax21-1.1.3", AX21_HW, T0 - 3600);
	inventory(f, "r1", "non-critical", FLW_EXPOSED_NO, NULL);
	inventory(f, "r2", "safety-critical", FLW_EXPOSED_YES, NULL);
	inventory(f, "ax1", "safety-critical", FLW_EXPOSED_YES, "2020-01-01");
}

/* nvd + kev + epss at now: 7 open findings on the fleet above (see test_findings) */
static void import_small(struct fx *f, int64_t now_s)
{
	json_decref(import_file(f, "nvd_api2_sample.json", NULL, now_s));
	json_decref(import_file(f, "kev/known_exploited_vulnerabilities.json", NULL, now_s));
	json_decref(import_file(f, "epss_sample.csv", NULL, now_s));
}

/* ---- reading answers ---------------------------------------------------------------------- */

static int64_t jint(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	if (!json_is_integer(json_object_get(o, path)))
		fail_msg("'%s' is not an integer", path);
	return (int64_t)json_integer_value(json_object_get(o, path));
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double jreal(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

#define assert_near(a, b) assert_true(fabs_((a) - (b)) < 0.001)
static double fabs_(double x)
{
	return x < 0 ? -x : x;
}

static json_t *list(struct fx *f, const struct flw_vulnsvc_filter *flt)
{
	json_t *out = NULL;
	struct flw_diag d;

	memset(&d, 0, sizeof(d));
	if (flw_vulnsvc_findings(f->v, flt, &out, &d) != 0)
		fail_msg("findings: %s", d.msg);
	return out;
}

static size_t count(struct fx *f, const struct flw_vulnsvc_filter *flt)
{
	json_t *o = list(f, flt);
	size_t n = (size_t)jint(o, "total");

	json_decref(o);
	return n;
}

/* the finding (device, cve, component); NULL when there is none */
static json_t *finding(struct fx *f, const char *dev, const char *cve, const char *comp)
{
	struct flw_vulnsvc_filter flt;
	json_t *o;
	json_t *x;

	flw_vulnsvc_filter_init(&flt);
	flt.device = dev;
	flt.cve = cve;
	flt.component = comp;
	o = list(f, &flt);
	x = json_incref(json_array_get(json_object_get(o, "items"), 0));
	json_decref(o);
	return x;
}

struct life_ctx {
	const char *dev;
	const char *cve;
	const char *comp;
	struct flw_finding_life life;
	char version[64];
	size_t n;
	int found;
};

static int life_visit(const struct flw_store_finding *sf, void *p)
{
	struct life_ctx *c = p;

	c->n++;
	if (c->dev && strcmp(sf->device_id, c->dev) == 0 && strcmp(sf->cve_id, c->cve) == 0 &&
	    strcmp(sf->component, c->comp) == 0) {
		c->life = sf->life;
		snprintf(c->version, sizeof(c->version), "%s",
		         sf->component_version ? sf->component_version : "(null)");
		c->found = 1;
	}
	return 0;
}

/* the stored lifecycle of a finding (and the number of stored findings) */
static struct life_ctx stored(struct fx *f, const char *dev, const char *cve, const char *comp)
{
	struct life_ctx c;

	memset(&c, 0, sizeof(c));
	c.dev = dev;
	c.cve = cve;
	c.comp = comp;
	assert_int_equal(flw_store_findings_each(f->s, life_visit, &c, NULL), 0);
	return c;
}

static size_t feeds_total(struct fx *f)
{
	json_t *o = NULL;
	size_t n;

	assert_int_equal(flw_vulnsvc_feeds(f->v, f->s, &o, NULL), 0);
	n = (size_t)jint(o, "total");
	json_decref(o);
	return n;
}

static json_t *run(struct fx *f, int64_t now_s)
{
	json_t *o = NULL;
	struct flw_diag d;

	memset(&d, 0, sizeof(d));
	if (flw_vulnsvc_run(f->v, f->s, MS(now_s), &o, &d) != 0)
		fail_msg("run: %s", d.msg);
	return o;
}

/* ---- tests -------------------------------------------------------------------------------- */

static json_t *report(struct fx *f, const char *name)
{
	struct flw_vulnsvc_report_opts o;
	struct flw_diag d;
	json_t *out = NULL;

	flw_vulnsvc_report_opts_init(&o);
	memset(&d, 0, sizeof(d));
	if (flw_vulnsvc_report(f->v, f->s, name, &o, &out, NULL, &d) != 0)
		fail_msg("report %s: %s", name, d.msg);
	return out;
}

static void sniff_head(const char *rel, const char *want)
{
	struct flw_buf b;
	char *p = vd(rel);

	read_file(p, &b);
	assert_string_equal(flw_feed_sniff(b.data, b.len < 65536 ? b.len : 65536, 0), want);
	flw_buf_free(&b);
	flw_free(p);
}

static void test_sniff(void **state)
{
	static const char pretty[] =
	        "{\n  \"dataType\": \"CVE_RECORD\",\n  \"dataVersion\": \"5.1\"\n}\n";
	static const char gz[] = "\x1f\x8b\x08\x00";

	(void)state;
	sniff_head("nvd_api2_sample.json", "nvd");
	sniff_head("cve5_iot_sample.jsonl", "cve5-jsonl");
	sniff_head("kev/known_exploited_vulnerabilities.json", "kev");
	sniff_head("epss_sample.csv", "epss");
	assert_string_equal(flw_feed_sniff(pretty, strlen(pretty), 1), "cve5");
	assert_string_equal(flw_feed_sniff("cve,epss,percentile\n", 20, 1), "epss");
	/* KEV and NVD both have "vulnerabilities": told apart by the elements' keys */
	assert_string_equal(flw_feed_sniff("{\"vulnerabilities\":[{\"cveID\":\"x\"}]}", 35, 1),
	                    "kev");
	assert_string_equal(flw_feed_sniff("{\"vulnerabilities\":[{\"cve\":{}}]}", 32, 1), "nvd");
	/* a key inside a string or deeper does not count */
	assert_null(flw_feed_sniff("{\"a\":\"\\\"dataType\\\":\",\"b\":{\"format\":1}}", 38, 1));
	assert_null(flw_feed_sniff(gz, 4, 1));
	assert_null(flw_feed_sniff("[]", 2, 1));
	assert_null(flw_feed_sniff("{", 1, 1));
	assert_null(flw_feed_sniff("   ", 3, 1));
	assert_null(flw_feed_sniff("{\"a\":1,\"a\":2}", 13, 1));
	assert_true(flw_vulnsvc_kind_ok("cve5-jsonl"));
	assert_false(flw_vulnsvc_kind_ok("osv"));
}

static void test_import(void **state)
{
	struct fx *f = *state;
	struct flw_buf b;
	struct flw_diag d;
	unsigned char sha[FLW_SHA256_BYTES];
	char hex[65];
	char *path;
	struct stat st;
	size_t cut;
	int found = 0;
	json_t *o;
	json_t *a;

	fleet(f);
	svc_open(f, T0);
	assert_int_equal(f->info.feeds, 0);
	assert_int_equal(flw_vulnsvc_assessment(f->v, &a, NULL), 0);
	assert_int_equal(jint(a, "devices"), 3);
	assert_int_equal(jint(a, "releases"), 3);
	assert_int_equal(jint(a, "findings"), 0);
	json_decref(a);

	/* NVD, kind sniffed; the file is kept under its digest, no temporary file is left */
	o = import_file(f, "nvd_api2_sample.json", NULL, T0);
	assert_false(json_is_true(json_object_get(o, "duplicate")));
	assert_true(json_is_true(json_object_get(o, "complete")));
	assert_true(json_is_null(json_object_get(o, "error")));
	assert_string_equal(jstr(json_object_get(o, "import"), "kind"), "nvd");
	assert_string_equal(jstr(json_object_get(o, "import"), "name"), "nvd_api2_sample.json");
	assert_int_equal(jint(o, "stats.records"), 12);
	assert_int_equal(jint(o, "stats.added"), 12);
	assert_int_equal(jint(o, "changed"), 12);
	assert_int_equal(jint(o, "import.stats.records"), 12);
	assert_int_equal(jint(o, "assessment.findings"), 7);
	assert_true(json_is_true(json_object_get(json_object_get(o, "assessment"), "incremental")));
	path = vd("nvd_api2_sample.json");
	read_file(path, &b);
	flw_free(path);
	assert_int_equal(flw_sha256(b.data, b.len, sha), 0);
	flw_hex_encode(hex, sha, sizeof(sha));
	assert_string_equal(jstr(json_object_get(o, "import"), "sha256"), hex);
	assert_int_equal(jint(o, "import.bytes"), (int64_t)b.len);
	path = flw_asprintf("%s/feeds/%s", f->dir, hex);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, b.len);
	flw_free(path);
	flw_buf_free(&b);
	json_decref(o);

	/* CVE 5 JSON lines: records the matcher refused in part are kept and listed */
	o = import_file(f, "cve5_iot_sample.jsonl", NULL, T0 + 1);
	assert_string_equal(jstr(json_object_get(o, "import"), "kind"), "cve5-jsonl");
	assert_int_equal(jint(o, "stats.records"), 1975);
	assert_true(jint(o, "stats.refused") > 0);
	assert_int_equal(jint(o, "errors_total"),
	                 jint(o, "stats.refused") + jint(o, "stats.failed"));
	assert_int_equal(json_array_size(json_object_get(o, "errors")),
	                 (size_t)jint(o, "errors_total") < 100 ? (size_t)jint(o, "errors_total")
	                                                       : 100);
	a = json_array_get(json_object_get(o, "errors"), 0);
	assert_true(json_is_true(json_object_get(a, "record_kept")));
	assert_non_null(jstr(a, "id"));
	assert_non_null(jstr(a, "reason"));
	assert_true(jint(o, "assessment.findings") > 7); /* CVE 5 records match more */
	json_decref(o);

	o = import_file(f, "kev/known_exploited_vulnerabilities.json", NULL, T0 + 2);
	assert_string_equal(jstr(json_object_get(o, "import"), "kind"), "kev");
	assert_true(jint(o, "stats.records") > 1000);
	json_decref(o);
	o = import_file(f, "epss_sample.csv", "epss", T0 + 3);
	assert_true(jint(o, "stats.added") > 0);
	json_decref(o);
	assert_int_equal(flw_vulnsvc_feeds(f->v, f->s, &o, &d), 0);
	assert_int_equal(jint(o, "total"), 4);
	assert_true(jint(o, "kev") > 1000);
	assert_true(jint(o, "epss") > 1000);
	assert_string_equal(jstr(json_array_get(json_object_get(o, "items"), 0), "kind"), "epss");
	json_decref(o);
	/* nothing left in feeds/tmp */
	path = flw_asprintf("%s/feeds/tmp", f->dir);
	assert_int_equal(stat(path, &st), 0);
	flw_free(path);

	/* a CVE */
	assert_int_equal(flw_vulnsvc_vuln(f->v, "CVE-2023-1389", &o, &d), 0);
	assert_string_equal(jstr(o, "severity"), "HIGH");
	assert_near(jreal(json_object_get(o, "cvss"), "score"), 8.8);
	assert_int_equal(jint(o, "kev.date_added"), 1682899200); /* 2023-05-01 */
	assert_int_equal(jint(o, "kev.due_date"), 1684713600);
	assert_int_equal(jint(o, "devices"), 1);
	assert_non_null(jstr(o, "description"));
	json_decref(o);
	/* with many CVEs carried (the report's per-CVE cache grows meanwhile) */
	o = report(f, "kev-exposure");
	assert_true(jint(o, "cves") > 4);
	json_array_foreach(json_object_get(o, "items"), cut, a)
	{
		if (strcmp(jstr(a, "cve"), "CVE-2023-1389") != 0)
			continue;
		assert_int_equal(jint(a, "published"), 1678922109);
		assert_near(jreal(a, "days"), 46.03);
		found = 1;
	}
	assert_true(found);
	json_decref(o);
	assert_int_equal(flw_vulnsvc_vuln(f->v, "CVE-1999-00001", &o, &d), FLW_ENOTFOUND);
	assert_int_equal(flw_vulnsvc_vuln(f->v, "CVE-1999", &o, &d), FLW_EFORMAT);
}

static void test_duplicate_and_broken(void **state)
{
	struct fx *f = *state;
	struct flw_vulnsvc_config c;
	struct flw_vulnsvc_upload *u = NULL;
	struct flw_buf b;
	struct flw_diag d;
	char *path = vd("nvd_api2_sample.json");
	json_t *o;
	json_t *first;
	size_t cut;

	fleet(f);
	svc_open(f, T0);
	first = import_file(f, "nvd_api2_sample.json", "nvd", T0);
	/* the same bytes again: nothing imported, nothing recorded */
	o = import_file(f, "nvd_api2_sample.json", NULL, T0 + 1);
	assert_true(json_is_true(json_object_get(o, "duplicate")));
	assert_true(json_is_true(json_object_get(o, "complete")));
	assert_int_equal(jint(o, "changed"), 0);
	assert_int_equal(jint(o, "stats.records"), 0);
	assert_int_equal(jint(o, "import.id"), jint(first, "import.id"));
	assert_int_equal(jint(o, "import.stats.records"), 12);
	assert_int_equal(feeds_total(f), 1);
	json_decref(o);
	json_decref(first);

	/* a truncated file: the complete records before the break are imported and the file is
	 * recorded (so that a replay is the same) with its error */
	read_file(path, &b);
	cut = b.len * 6 / 10;
	assert_int_equal(import_bytes(f, b.data, cut, "nvd", "cut.json", T0 + 2, &o, &d), 0);
	assert_false(json_is_true(json_object_get(o, "complete")));
	assert_string_equal(jstr(json_object_get(o, "error"), "code"), "format");
	assert_true(jint(o, "stats.records") > 0 && jint(o, "stats.records") < 12);
	assert_int_equal(jint(o, "stats.added"), 0); /* the full file was first */
	assert_true(json_is_false(json_object_get(
	        json_object_get(json_object_get(o, "import"), "stats"), "complete")));
	assert_int_equal(feeds_total(f), 2);
	json_decref(o);
	assert_int_equal(import_bytes(f, b.data, cut, "nvd", "cut.json", T0 + 3, &o, &d), 0);
	assert_true(json_is_true(json_object_get(o, "duplicate")));
	assert_false(json_is_true(json_object_get(o, "complete")));
	assert_string_equal(jstr(json_object_get(o, "error"), "code"), "format");
	json_decref(o);
	/* before any record: refused, not recorded */
	assert_int_equal(import_bytes(f, b.data, 40, "nvd", "x", T0 + 4, &o, &d), FLW_EFORMAT);
	assert_int_equal(import_bytes(f, "{", 1, "kev", "x", T0 + 4, &o, &d), FLW_EFORMAT);
	/* no kind and none can be told; an unknown kind; an empty upload */
	assert_int_equal(import_bytes(f, "hello", 5, NULL, "x", T0 + 4, &o, &d), FLW_EFORMAT);
	assert_string_equal(d.path, "kind");
	assert_int_equal(import_bytes(f, b.data, b.len, "osv", "x", T0 + 4, &o, &d), FLW_EFORMAT);
	assert_string_equal(d.path, "kind");
	assert_int_equal(import_bytes(f, "", 0, "nvd", "x", T0 + 4, &o, &d), FLW_EFORMAT);
	assert_int_equal(import_bytes(f, b.data, b.len, "nvd", "a\nb", T0 + 4, &o, &d),
	                 FLW_EFORMAT);
	assert_string_equal(d.path, "name");
	assert_int_equal(feeds_total(f), 2);

	/* --feed-max-bytes: refused while streaming */
	flw_vulnsvc_free(f->v);
	memset(&c, 0, sizeof(c));
	c.data_dir = f->dir;
	c.feed_max_bytes = 1000;
	assert_int_equal(flw_vulnsvc_open(&f->v, f->s, &c, MS(T0 + 5), NULL, &d), 0);
	assert_int_equal(flw_vulnsvc_upload_new(f->v, NULL, NULL, &u, &d), 0);
	assert_int_equal(flw_vulnsvc_upload_write(u, b.data, 600, &d), 0);
	assert_int_equal(flw_vulnsvc_upload_write(u, b.data, 600, &d), FLW_ELIMIT);
	flw_vulnsvc_upload_free(u);
	flw_buf_free(&b);
	flw_free(path);
}

static void test_findings(void **state)
{
	struct fx *f = *state;
	struct flw_vulnsvc_filter flt;
	struct life_ctx lc;
	json_t *x;
	json_t *o;

	fleet(f);
	svc_open(f, T0);
	import_small(f, T0);
	flw_vulnsvc_filter_init(&flt);
	assert_int_equal(count(f, &flt), 7);
	/* openssl 1.0.2zf < 1.0.2zg on the non-critical LAN router */
	x = finding(f, "r1", "CVE-2023-0286", "openssl");
	assert_non_null(x);
	assert_string_equal(jstr(x, "state"), "open");
	assert_string_equal(jstr(x, "change"), "still");
	assert_string_equal(jstr(x, "decision"), "track");
	assert_string_equal(jstr(x, "component_version"), "1.0.2zf");
	assert_string_equal(jstr(x, "release"), "fw/router-1.0");
	assert_string_equal(jstr(x, "confidence"), "range");
	assert_string_equal(jstr(x, "severity"), "HIGH");
	assert_int_equal(jint(x, "first_seen"), T0);
	assert_int_equal(jint(x, "due"), T0 + 30 * DAY);
	assert_int_equal(jint(x, "published"), 1675887324);
	assert_false(json_is_true(json_object_get(x, "kev")));
	assert_string_equal(jstr(x, "fix_release"), "fw/router-1.1");
	assert_int_equal(jint(x, "fix_available"), T0 - DAY);
	assert_true(json_array_size(json_object_get(x, "reasons")) > 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(x, "match"), 0)),
	                    "version in range");
	assert_true(json_is_null(json_object_get(x, "accept")));
	json_decref(x);
	/* KEV on the internet-exposed safety-critical AX21: act, overdue at once */
	x = finding(f, "ax1", "CVE-2023-1389", "archer_ax21_firmware");
	assert_string_equal(jstr(x, "decision"), "act");
	assert_int_equal(jint(x, "score"), 88);
	assert_true(json_is_true(json_object_get(x, "overdue")));
	assert_int_equal(jint(x, "due"), 1684713600);
	assert_true(json_is_true(json_object_get(x, "kev")));
	json_decref(x);
	/* filters and order */
	flt.device = "r2";
	assert_int_equal(count(f, &flt), 3);
	flw_vulnsvc_filter_init(&flt);
	flt.decision = FLW_RISK_ACT;
	assert_int_equal(count(f, &flt), 1);
	flw_vulnsvc_filter_init(&flt);
	flt.overdue = 1;
	assert_int_equal(count(f, &flt), 1);
	flw_vulnsvc_filter_init(&flt);
	flt.class_name = "safety-critical";
	assert_int_equal(count(f, &flt), 4);
	flw_vulnsvc_filter_init(&flt);
	flt.class_name = "non-critical";
	flt.component = "busybox";
	assert_int_equal(count(f, &flt), 2);
	flw_vulnsvc_filter_init(&flt);
	flt.min_score = 50;
	assert_int_equal(count(f, &flt), 2);
	flw_vulnsvc_filter_init(&flt);
	flt.release = "fw/ax21-1.1.3";
	assert_int_equal(count(f, &flt), 1);
	flw_vulnsvc_filter_init(&flt);
	flt.state = FLW_FINDING_FIXED;
	assert_int_equal(count(f, &flt), 0);
	flw_vulnsvc_filter_init(&flt);
	flt.limit = 2;
	flt.offset = 1;
	o = list(f, &flt);
	assert_int_equal(jint(o, "total"), 7);
	assert_int_equal(json_array_size(json_object_get(o, "items")), 2);
	/* act (ax1) first, then r2's track* ones by score: 50 then 5 */
	assert_int_equal(jint(json_array_get(json_object_get(o, "items"), 0), "score"), 50);
	assert_string_equal(jstr(json_array_get(json_object_get(o, "items"), 1), "cve"),
	                    "CVE-2022-30065");
	json_decref(o);
	flw_vulnsvc_filter_init(&flt);
	flt.device = "nobody";
	assert_int_equal(flw_vulnsvc_findings(f->v, &flt, &o, NULL), FLW_ENOTFOUND);
	/* persisted: every finding, open, first seen at T0 */
	lc = stored(f, "r1", "CVE-2023-0286", "openssl");
	assert_int_equal(lc.n, 7);
	assert_true(lc.found);
	assert_int_equal(lc.life.state, FLW_FINDING_OPEN);
	assert_true(lc.life.first_seen_ms == MS(T0));
	assert_string_equal(lc.version, "1.0.2zf");
}

static void test_lifecycle(void **state)
{
	struct fx *f = *state;
	struct life_ctx lc;
	json_t *x;

	fleet(f);
	svc_open(f, T0);
	import_small(f, T0);
	/* r1 moves to the release with the fix: fixed now, kept as history */
	checkin(f, "r1", "fw/router-1.1", NULL, T0 + 2 * DAY);
	json_decref(run(f, T0 + 2 * DAY));
	x = finding(f, "r1", "CVE-2023-0286", "openssl");
	assert_string_equal(jstr(x, "state"), "fixed");
	assert_string_equal(jstr(x, "change"), "fixed-now");
	assert_int_equal(jint(x, "fixed"), T0 + 2 * DAY);
	assert_int_equal(jint(x, "first_seen"), T0);
	assert_true(json_is_null(json_object_get(x, "decision")));
	assert_true(json_is_null(json_object_get(x, "reasons")));
	assert_true(json_is_null(json_object_get(x, "due")));
	assert_string_equal(jstr(x, "release"), "fw/router-1.1");
	assert_string_equal(jstr(x, "fix_release"), "fw/router-1.1");
	json_decref(x);
	lc = stored(f, "r1", "CVE-2023-0286", "openssl");
	assert_int_equal(lc.life.state, FLW_FINDING_FIXED);
	assert_true(lc.life.fixed_ms == MS(T0 + 2 * DAY));
	assert_string_equal(lc.version, "1.0.2zf");        /* the version it was fixed from */
	x = finding(f, "r1", "CVE-2022-30065", "busybox"); /* still there */
	assert_string_equal(jstr(x, "state"), "open");
	assert_string_equal(jstr(x, "release"), "fw/router-1.1");
	json_decref(x);
	/* next run: history, unchanged */
	json_decref(run(f, T0 + 3 * DAY));
	x = finding(f, "r1", "CVE-2023-0286", "openssl");
	assert_string_equal(jstr(x, "change"), "history");
	assert_int_equal(jint(x, "fixed"), T0 + 2 * DAY);
	json_decref(x);
	/* back to the old release: a regression, open again */
	checkin(f, "r1", "fw/router-1.0", NULL, T0 + 4 * DAY);
	json_decref(run(f, T0 + 4 * DAY));
	x = finding(f, "r1", "CVE-2023-0286", "openssl");
	assert_string_equal(jstr(x, "state"), "open");
	assert_string_equal(jstr(x, "change"), "reopened");
	assert_int_equal(jint(x, "reopen_count"), 1);
	assert_int_equal(jint(x, "first_seen"), T0);
	assert_int_equal(jint(x, "opened"), T0 + 4 * DAY);
	json_decref(x);
	lc = stored(f, "r1", "CVE-2023-0286", "openssl");
	assert_int_equal(lc.life.state, FLW_FINDING_OPEN);
	assert_int_equal(lc.life.reopen_count, 1);
	assert_int_equal(lc.n, 7); /* never deleted, never doubled */
}

static int decide(struct fx *f, int accept, const char *body, int64_t now_s, json_t **out,
                  struct flw_diag *d)
{
	struct flw_vulnsvc_decision dec;
	struct flw_audit a = { "token:ops", accept ? "finding.accept" : "finding.revoke",
		               "finding:x", NULL, 0 };
	int audited = 0;
	int rc;

	*out = NULL;
	memset(d, 0, sizeof(*d));
	a.detail = body;
	rc = flw_vulnsvc_decision_parse(&dec, accept, body, strlen(body), MS(now_s), d);
	if (rc != 0)
		return rc;
	if (accept)
		rc = flw_vulnsvc_accept(f->v, f->s, &dec, "ops", &a, MS(now_s), out, &audited, d);
	else
		rc = flw_vulnsvc_revoke(f->v, f->s, &dec, &a, MS(now_s), out, &audited, d);
	assert_int_equal(audited, rc == 0);
	return rc;
}

static char *accept_body(const char *dev, const char *cve, const char *comp, int64_t expires)
{
	return flw_asprintf("{\"device\":\"%s\",\"cve\":\"%s\",\"component\":\"%s\","
	                    "\"reason\":\"compensating firewall rule\",\"expires\":%lld}",
	                    dev, cve, comp, (long long)expires);
}

static size_t audit_count(struct fx *f, const char *action)
{
	json_t *a = NULL;
	json_t *x;
	size_t i;
	size_t n = 0;

	assert_int_equal(flw_store_audit_list(f->s, 0, 1000, &a, NULL), 0);
	json_array_foreach(a, i, x) n +=
	        jstr(x, "action") && strcmp(jstr(x, "action"), action) == 0;
	json_decref(a);
	return n;
}

static void test_accept(void **state)
{
	struct fx *f = *state;
	const char *revoke =
	        "{\"device\":\"r2\",\"cve\":\"CVE-2022-30065\",\"component\":\"busybox\"}";
	struct life_ctx lc;
	struct flw_diag d;
	char *body;
	json_t *x;

	fleet(f);
	svc_open(f, T0);
	import_small(f, T0);
	body = accept_body("r2", "CVE-2022-30065", "busybox", T0 + 10 * DAY);
	assert_int_equal(decide(f, 1, body, T0 + 3600, &x, &d), 0);
	assert_string_equal(jstr(x, "state"), "accepted");
	assert_string_equal(jstr(json_object_get(x, "accept"), "reason"),
	                    "compensating firewall rule");
	assert_string_equal(jstr(json_object_get(x, "accept"), "approver"), "ops");
	assert_int_equal(jint(x, "accept.accepted"), T0 + 3600);
	assert_int_equal(jint(x, "accept.expires"), T0 + 10 * DAY);
	assert_string_equal(jstr(x, "decision"), "track*"); /* still explained */
	json_decref(x);
	lc = stored(f, "r2", "CVE-2022-30065", "busybox");
	assert_int_equal(lc.life.state, FLW_FINDING_ACCEPTED);
	assert_string_equal(lc.life.accept_approver, "ops");
	assert_true(lc.life.accept_expiry_ms == MS(T0 + 10 * DAY));
	assert_int_equal(audit_count(f, "finding.accept"), 1);
	/* accepted already; revoke; revoked already */
	assert_int_equal(decide(f, 1, body, T0 + 3700, &x, &d), FLW_ESTATE);
	flw_free(body);
	assert_int_equal(decide(f, 0, revoke, T0 + 3800, &x, &d), 0);
	assert_string_equal(jstr(x, "state"), "open");
	assert_int_equal(jint(x, "reopen_count"), 1);
	assert_true(json_is_null(json_object_get(x, "accept")));
	json_decref(x);
	assert_int_equal(stored(f, "r2", "CVE-2022-30065", "busybox").life.state, FLW_FINDING_OPEN);
	assert_int_equal(audit_count(f, "finding.revoke"), 1);
	assert_int_equal(decide(f, 0, revoke, T0 + 3900, &x, &d), FLW_ESTATE);
	/* accepted until T0 + 5 days: lapses at the first run after that */
	body = accept_body("r2", "CVE-2022-30065", "busybox", T0 + 5 * DAY);
	assert_int_equal(decide(f, 1, body, T0 + 4000, &x, &d), 0);
	json_decref(x);
	flw_free(body);
	json_decref(run(f, T0 + 4 * DAY));
	x = finding(f, "r2", "CVE-2022-30065", "busybox");
	assert_string_equal(jstr(x, "state"), "accepted");
	json_decref(x);
	json_decref(run(f, T0 + 6 * DAY));
	x = finding(f, "r2", "CVE-2022-30065", "busybox");
	assert_string_equal(jstr(x, "state"), "open");
	assert_string_equal(jstr(x, "change"), "reopened");
	assert_int_equal(jint(x, "reopen_count"), 2);
	assert_int_equal(jint(x, "opened"), T0 + 5 * DAY);
	json_decref(x);
	lc = stored(f, "r2", "CVE-2022-30065", "busybox");
	assert_int_equal(lc.life.state, FLW_FINDING_OPEN);
	assert_int_equal(lc.life.reopen_count, 2);
	assert_string_equal(lc.life.accept_reason, "compensating firewall rule"); /* history */
	/* unknown finding, fixed finding */
	body = accept_body("r2", "CVE-2022-30065", "openssl", T0 + 10 * DAY);
	assert_int_equal(decide(f, 1, body, T0 + 6 * DAY, &x, &d), FLW_ENOTFOUND);
	flw_free(body);
	checkin(f, "r1", "fw/router-1.1", NULL, T0 + 7 * DAY);
	json_decref(run(f, T0 + 7 * DAY));
	body = accept_body("r1", "CVE-2023-0286", "openssl", T0 + 10 * DAY);
	assert_int_equal(decide(f, 1, body, T0 + 7 * DAY, &x, &d), FLW_ESTATE);
	flw_free(body);
}

static void test_decision_parse(void **state)
{
	struct flw_vulnsvc_decision dec;
	struct flw_diag d;
	char reason[300];
	char *b;
	const int64_t now = MS(T0);

	(void)state;
#define PARSE(accept, body) flw_vulnsvc_decision_parse(&dec, accept, body, strlen(body), now, &d)
	b = accept_body("r1", "CVE-2023-0286", "openssl", T0 + DAY);
	assert_int_equal(PARSE(1, b), 0);
	assert_string_equal(dec.device, "r1");
	assert_int_equal(dec.expires, T0 + DAY);
	assert_int_equal(PARSE(0, b), FLW_EFORMAT); /* revoke takes no reason */
	flw_free(b);
	b = accept_body("r1", "CVE-2023-0286", "openssl", T0);
	assert_int_equal(PARSE(1, b), FLW_EFORMAT);
	assert_string_equal(d.path, "expires");
	flw_free(b);
	b = accept_body("r1", "CVE-2023-0286", "openssl", T0 + 366 * DAY);
	assert_int_equal(PARSE(1, b), FLW_EFORMAT);
	flw_free(b);
	b = accept_body("../x", "CVE-2023-0286", "openssl", T0 + DAY);
	assert_int_equal(PARSE(1, b), FLW_EFORMAT);
	assert_string_equal(d.path, "device");
	flw_free(b);
	b = accept_body("r1", "CVE-23-1", "openssl", T0 + DAY);
	assert_int_equal(PARSE(1, b), FLW_EFORMAT);
	assert_string_equal(d.path, "cve");
	flw_free(b);
	assert_int_equal(PARSE(1, "{\"device\":\"r1\",\"cve\":\"CVE-2023-0286\","
	                          "\"component\":\"openssl\",\"expires\":1800000000}"),
	                 FLW_EFORMAT);
	assert_string_equal(d.path, "reason");
	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	b = flw_asprintf("{\"device\":\"r1\",\"cve\":\"CVE-2023-0286\",\"component\":\"c\","
	                 "\"reason\":\"%s\",\"expires\":%lld}",
	                 reason, (long long)(T0 + DAY));
	assert_int_equal(PARSE(1, b), FLW_ELIMIT);
	flw_free(b);
	assert_int_equal(PARSE(0, "{\"device\":\"r1\",\"cve\":\"CVE-2023-0286\"}"), FLW_EFORMAT);
	assert_int_equal(PARSE(0, "[]"), FLW_EFORMAT);
	assert_int_equal(PARSE(0, "{\"device\":\"r1\",\"cve\":\"CVE-2023-0286\",\"component\":"
	                          "\"c\",\"x\":1}"),
	                 FLW_EFORMAT);
#undef PARSE
}

/* every finding as "device cve component state first_seen opened fixed reopen accept..." */
static char *snapshot(struct fx *f)
{
	struct flw_vulnsvc_filter flt;
	struct flw_buf b;
	json_t *o;
	json_t *x;
	size_t i;

	flw_vulnsvc_filter_init(&flt);
	flt.limit = 1000;
	o = list(f, &flt);
	flw_buf_init(&b, 1u << 20);
	json_array_foreach(json_object_get(o, "items"), i, x)
	{
		json_t *c = json_deep_copy(x);

		json_object_del(c, "change");
		assert_int_equal(flw_json_dump(&b, c, 0), 0);
		assert_int_equal(flw_buf_puts(&b, "\n"), 0);
		json_decref(c);
	}
	json_decref(o);
	return (char *)flw_buf_detach(&b, NULL);
}

static void test_restart(void **state)
{
	struct fx *f = *state;
	struct flw_buf b;
	struct flw_diag d;
	size_t n_stored;
	char *before;
	char *after;
	char *body;
	char *path = vd("nvd_api2_sample.json");
	json_t *o;

	fleet(f);
	svc_open(f, T0);
	import_small(f, T0);
	json_decref(import_file(f, "cve5_iot_sample.jsonl", NULL, T0 + 1));
	read_file(path, &b);
	assert_int_equal(import_bytes(f, b.data, b.len / 2, "nvd", "half", T0 + 2, &o, &d), 0);
	json_decref(o);
	body = accept_body("r2", "CVE-2022-30065", "busybox", T0 + 10 * DAY);
	assert_int_equal(decide(f, 1, body, T0 + 3, &o, &d), 0);
	json_decref(o);
	flw_free(body);
	checkin(f, "r1", "fw/router-1.1", NULL, T0 + 4);
	json_decref(run(f, T0 + 4));
	before = snapshot(f);
	n_stored = stored(f, NULL, NULL, NULL).n;
	assert_int_equal(feeds_total(f), 5);

	/* restart: replay, priors from the store */
	flw_vulnsvc_free(f->v);
	f->v = NULL;
	svc_open(f, T0 + 5);
	assert_int_equal(f->info.feeds, 5);
	assert_int_equal(f->info.feeds_missing, 0);
	assert_int_equal(f->info.feeds_failed, 1); /* the half file, as when it was imported */
	assert_int_equal(f->info.findings, n_stored);
	after = snapshot(f);
	assert_string_equal(before, after);
	assert_int_equal(stored(f, NULL, NULL, NULL).n, n_stored);
	assert_int_equal(feeds_total(f), 5);
	/* the same files are still duplicates */
	o = import_file(f, "cve5_iot_sample.jsonl", NULL, T0 + 6);
	assert_true(json_is_true(json_object_get(o, "duplicate")));
	json_decref(o);
	assert_int_equal(import_bytes(f, b.data, b.len / 2, "nvd", "half", T0 + 7, &o, &d), 0);
	assert_true(json_is_true(json_object_get(o, "duplicate")));
	json_decref(o);
	assert_int_equal(feeds_total(f), 5);
	flw_free(before);
	flw_free(after);
	flw_buf_free(&b);
	flw_free(path);
}

/* ---- reports on a hand-computed fleet ----------------------------------------------------- */

static void deployments(struct fx *f)
{
	static const char *const r1[] = { "r1" };
	static const char *const r2[] = { "r2" };
	struct flw_report rep;
	struct flw_diag d;
	int64_t id1 = 0;
	int64_t id2 = 0;
	int64_t acked = 0;

	memset(&d, 0, sizeof(d));
	/* r1: an update pending for 10 days (stuck); r2: its update failed */
	assert_int_equal(flw_store_deployment_create(f->s, "fw/router-1.1", r1, 1, NULL,
	                                             (time_t)(T0 - 10 * DAY), NULL, &id1, &d),
	                 0);
	assert_int_equal(flw_store_deployment_create(f->s, "fw/router-1.1", r2, 1, NULL,
	                                             (time_t)(T0 - 2 * DAY), NULL, &id2, &d),
	                 0);
	memset(&rep, 0, sizeof(rep));
	rep.seq = 1;
	rep.deployment_id = id2;
	rep.state = FLW_ST_FAILURE;
	rep.at = (time_t)(T0 - DAY);
	assert_int_equal(
	        flw_store_reports_apply(f->s, "r2", &rep, 1, (time_t)(T0 - DAY), &acked, &d), 0);
}

static void test_reports(void **state)
{
	struct fx *f = *state;
	struct flw_vulnsvc_report_opts ro;
	struct flw_buf csv;
	json_t *o;
	json_t *x;

	/* r1, r2, ax1 as everywhere; u1 runs a release the repository does not know; n1 never
	 * checked in */
	fleet(f);
	enroll(f, "u1", "router");
	enroll(f, "n1", "router");
	checkin(f, "u1", "fw/unknown", NULL, T0 - 3600);
	deployments(f);
	svc_open(f, T0 - 10);
	import_small(f, T0);
	/* 7 open findings, all first seen at T0 (= the report's now):
	 *   ax1 CVE-2023-1389 act 88 (KEV due 2023-05-22: overdue)
	 *   r2  CVE-2023-0286 track* 50, CVE-2022-30065 track* 5, CVE-2025-46394 track 2
	 *   r1  CVE-2023-0286 track 7, CVE-2022-30065 track 1, CVE-2025-46394 track 0 */
	o = report(f, "summary");
	assert_int_equal(jint(o, "at"), T0);
	assert_int_equal(jint(o, "devices"), 5);
	assert_int_equal(jint(o, "findings_open"), 7);
	assert_int_equal(jint(o, "by_decision.act"), 1);
	assert_int_equal(jint(o, "by_decision.attend"), 0);
	assert_int_equal(jint(o, "by_decision.track*"), 2);
	assert_int_equal(jint(o, "by_decision.track"), 4);
	assert_int_equal(jint(o, "devices_overdue"), 1);
	assert_near(jreal(o, "overdue_share"), 0.2);
	/* complete: r1 r2 ax1 (u1: unsigned release; n1: nothing) */
	assert_near(jreal(json_object_get(o, "completeness"), "share"), 0.6);
	assert_true(json_is_true(json_object_get(json_object_get(o, "completeness"), "flagged")));
	/* working: ax1, u1 (r1 stuck, r2 failed, n1 silent) */
	assert_near(jreal(json_object_get(o, "update_channel"), "share"), 0.4);
	/* published -> T0 (all open, censored): 21077891, 24112676 x2, 47113090 x2, 0 x2 s */
	assert_near(jreal(json_object_get(o, "mttp_days"), "mean"), 270.39);
	assert_near(jreal(json_object_get(o, "mttp_days"), "median"), 279.08);
	assert_int_equal(jint(o, "eol_devices"), 1);
	assert_int_equal(jint(o, "cves"), 4);
	json_decref(o);

	o = report(f, "mttp");
	assert_int_equal(jint(o, "total.findings"), 7);
	assert_int_equal(jint(o, "total.open"), 7);
	assert_int_equal(jint(o, "total.ttp.n"), 7);
	assert_int_equal(jint(o, "total.ttp.censored"), 7);
	assert_near(jreal(json_object_get(json_object_get(o, "total"), "ttp"), "mean_days"),
	            270.39);
	/* operator lag over the two findings whose fix exists (released T0 - 1 day): 1 day */
	assert_int_equal(jint(o, "total.operator.n"), 2);
	assert_near(jreal(json_object_get(json_object_get(o, "total"), "operator"), "mean_days"),
	            1.0);
	/* vendor lag: CVE-2023-0286 published -> fw/router-1.1 = 278.08 days, 5 censored */
	assert_int_equal(jint(o, "total.vendor.censored"), 5);
	assert_int_equal(jint(o, "skipped"), 0);
	assert_int_equal(json_array_size(json_object_get(o, "groups")), 4);
	x = json_array_get(json_object_get(o, "groups"), 3);
	assert_string_equal(jstr(x, "class"), "safety-critical");
	assert_string_equal(jstr(x, "severity"), "HIGH");
	assert_int_equal(jint(x, "findings"), 3);
	x = json_array_get(json_object_get(o, "groups"), 0);
	assert_string_equal(jstr(x, "class"), "non-critical");
	assert_string_equal(jstr(x, "severity"), "LOW");
	json_decref(o);

	o = report(f, "deadlines");
	assert_int_equal(jint(o, "devices"), 5);
	assert_int_equal(jint(o, "devices_overdue"), 1);
	assert_int_equal(jint(o, "total"), 1);
	x = json_array_get(json_object_get(o, "items"), 0);
	assert_string_equal(jstr(x, "device"), "ax1");
	assert_string_equal(jstr(x, "cve"), "CVE-2023-1389");
	assert_int_equal(jint(x, "due"), 1684713600);
	assert_near(jreal(x, "days_overdue"), 176.93); /* (T0 - 2023-05-22) / 1 day */
	/* by class: safety-critical r2 ax1 (1 overdue); non-critical r1 u1 n1 (default class) */
	x = json_object_get(o, "by_class");
	assert_int_equal(json_array_size(x), 2);
	assert_string_equal(jstr(json_array_get(x, 0), "class"), "safety-critical");
	assert_int_equal(jint(json_array_get(x, 0), "devices"), 2);
	assert_int_equal(jint(json_array_get(x, 0), "overdue"), 1);
	assert_near(jreal(json_array_get(x, 0), "share"), 0.5);
	assert_int_equal(jint(json_array_get(x, 1), "devices"), 3);
	json_decref(o);

	o = report(f, "completeness");
	assert_int_equal(jint(o, "devices"), 5);
	assert_int_equal(jint(o, "complete"), 3);
	assert_int_equal(jint(o, "period"), 7 * DAY);
	assert_int_equal(jint(o, "total"), 2);
	x = json_array_get(json_object_get(o, "items"), 0);
	assert_string_equal(jstr(x, "device"), "n1");
	assert_int_equal(json_array_size(json_object_get(x, "missing")), 3);
	x = json_array_get(json_object_get(o, "items"), 1);
	assert_string_equal(jstr(x, "device"), "u1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(x, "missing"), 0)),
	                    "signed_release");
	json_decref(o);

	o = report(f, "update-channel");
	assert_int_equal(jint(o, "working"), 2);
	assert_int_equal(jint(o, "total"), 3);
	x = json_object_get(o, "items");
	assert_string_equal(jstr(json_array_get(x, 0), "device"), "n1");
	assert_string_equal(jstr(json_array_get(x, 1), "device"), "r1");
	assert_non_null(strstr(jstr(json_array_get(x, 1), "reason"), "pending"));
	assert_string_equal(jstr(json_array_get(x, 2), "reason"), "its newest update failed");
	json_decref(o);

	o = report(f, "kev-exposure");
	assert_int_equal(jint(o, "cves"), 4);
	assert_int_equal(jint(o, "total"), 1);
	x = json_array_get(json_object_get(o, "items"), 0);
	assert_string_equal(jstr(x, "cve"), "CVE-2023-1389");
	assert_int_equal(jint(x, "kev_added"), 1682899200);
	assert_near(jreal(x, "days"), 46.03); /* published 2023-03-16 -> KEV 2023-05-01 */
	assert_int_equal(jint(x, "devices"), 1);
	assert_int_equal(jint(o, "tte.n"), 1);
	json_decref(o);

	o = report(f, "patch-queue");
	assert_int_equal(jint(o, "total"), 1);
	x = json_array_get(json_object_get(o, "items"), 0);
	assert_string_equal(jstr(x, "release"), "fw/router-1.1");
	assert_int_equal(jint(x, "devices"), 2);
	assert_int_equal(jint(x, "findings"), 2);
	assert_string_equal(jstr(x, "decision"), "track*");
	assert_int_equal(jint(x, "score"), 50);
	x = json_array_get(json_object_get(x, "fixes"), 0);
	assert_string_equal(jstr(x, "cve"), "CVE-2023-0286");
	assert_string_equal(jstr(x, "component"), "openssl");
	json_decref(o);

	o = report(f, "eol");
	assert_int_equal(jint(o, "total"), 1);
	x = json_array_get(json_object_get(o, "items"), 0);
	assert_string_equal(jstr(x, "device"), "ax1");
	assert_string_equal(jstr(x, "hwid"), "ax21");
	assert_string_equal(jstr(x, "support_end"), "2020-01-01");
	assert_string_equal(jstr(x, "worst"), "act");
	assert_string_equal(jstr(x, "action"), "replace"); /* internet x high x act */
	assert_true(json_array_size(json_object_get(x, "reasons")) > 0);
	json_decref(o);

	/* CSV: a header and one row per item */
	flw_vulnsvc_report_opts_init(&ro);
	ro.csv = 1;
	flw_buf_init(&csv, 1u << 20);
	assert_int_equal(flw_vulnsvc_report(f->v, f->s, "deadlines", &ro, NULL, &csv, NULL), 0);
	assert_string_equal(flw_buf_cstr(&csv),
	                    "device,cve,component,decision,score,due,days_overdue\n"
	                    "ax1,CVE-2023-1389,archer_ax21_firmware,act,88,1684713600,176.93\n");
	flw_buf_reset(&csv);
	assert_int_equal(flw_vulnsvc_report(f->v, f->s, "completeness", &ro, NULL, &csv, NULL), 0);
	assert_string_equal(flw_buf_cstr(&csv), "device,missing\n"
	                                        "n1,checkin; firmware_version; signed_release\n"
	                                        "u1,signed_release\n");
	flw_buf_reset(&csv);
	assert_int_equal(flw_vulnsvc_report(f->v, f->s, "patch-queue", &ro, NULL, &csv, NULL), 0);
	assert_non_null(strstr(flw_buf_cstr(&csv),
	                       "fw/router-1.1,2,2,track*,50,CVE-2023-0286,openssl,2,track*,50\n"));
	flw_buf_free(&csv);
	assert_int_equal(flw_vulnsvc_report(f->v, f->s, "nope", &ro, NULL, &csv, NULL),
	                 FLW_ENOTFOUND);
	assert_false(flw_vulnsvc_report_known("nope"));
}

/* SECURITY: a component name from an SBOM is outside input; in a CSV report, text a
 * spreadsheet would run as a formula (= + - @) starts with a quote, and quotes are doubled */
static const struct flw_sbom_component evil10[] = {
	{ "=HYPERLINK(\"http://x\",\"y\")", "1.0.2zf", NULL,
	  "cpe:2.3:a:openssl:openssl:1.0.2zf:*:*:*:*:*:*:*", "openssl" },
};
static const struct flw_sbom_component evil11[] = {
	{ "=HYPERLINK(\"http://x\",\"y\")", "1.0.2zg", NULL,
	  "cpe:2.3:a:openssl:openssl:1.0.2zg:*:*:*:*:*:*:*", "openssl" },
};

static void test_csv_formula(void **state)
{
	struct fx *f = *state;
	struct flw_vulnsvc_report_opts ro;
	struct flw_buf csv;

	publish(f, 1, "fw/evil-1.0", "evil", evil10, 1, T0 - 10 * DAY);
	publish(f, 2, "fw/evil-1.1", "evil", evil11, 1, T0 - DAY);
	enroll(f, "e1", "evil");
	checkin(f, "e1", "fw/evil-1.0", NULL, T0 - 3600);
	svc_open(f, T0);
	json_decref(import_file(f, "nvd_api2_sample.json", NULL, T0));
	flw_vulnsvc_report_opts_init(&ro);
	ro.csv = 1;
	flw_buf_init(&csv, 1u << 20);
	assert_int_equal(flw_vulnsvc_report(f->v, f->s, "patch-queue", &ro, NULL, &csv, NULL), 0);
	assert_non_null(strstr(flw_buf_cstr(&csv),
	                       ",CVE-2023-0286,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","));
	assert_null(strstr(flw_buf_cstr(&csv), ",=HYPERLINK"));
	flw_buf_free(&csv);
}

/* ---- allocation failures ------------------------------------------------------------------ */

/* an NVD response holding only CVE-2023-1389, as text */
static char *nvd_one(void)
{
	char *p = vd("nvd_api2_sample.json");
	json_t *all = json_load_file(p, 0, NULL);
	json_t *v = json_array();
	json_t *x;
	size_t i;
	char *s;

	assert_non_null(all);
	json_array_foreach(json_object_get(all, "vulnerabilities"), i, x)
	{
		const char *id =
		        json_string_value(json_object_get(json_object_get(x, "cve"), "id"));

		if (id && strcmp(id, "CVE-2023-1389") == 0)
			json_array_append(v, x);
	}
	json_object_set_new(all, "vulnerabilities", v);
	s = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	flw_free(p);
	return s;
}

struct torture {
	struct fx *f;
	const char *nvd;
	int64_t t;
};

/* open, import, list, report, accept, free: every step either works or fails cleanly */
static int torture_once(void *payload)
{
	struct torture *t = payload;
	struct fx *f = t->f;
	struct flw_vulnsvc_config c;
	struct flw_vulnsvc_filter flt;
	struct flw_vulnsvc_report_opts ro;
	struct flw_vulnsvc_decision dec;
	struct flw_diag d;
	char *body = NULL;
	json_t *o = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	c.data_dir = f->dir;
	t->t += 10 * DAY; /* lets each acceptance lapse before the next */
	rc = flw_vulnsvc_open(&f->v, f->s, &c, MS(t->t), NULL, &d);
	if (rc == 0)
		rc = import_bytes(f, t->nvd, strlen(t->nvd), NULL, "one.json", t->t, &o, &d);
	json_decref(o);
	o = NULL;
	flw_vulnsvc_filter_init(&flt);
	if (rc == 0 && (rc = flw_vulnsvc_findings(f->v, &flt, &o, &d)) == 0)
		json_decref(o);
	flw_vulnsvc_report_opts_init(&ro);
	if (rc == 0 && (rc = flw_vulnsvc_report(f->v, f->s, "summary", &ro, &o, NULL, &d)) == 0)
		json_decref(o);
	if (rc == 0 &&
	    !(body = accept_body("ax1", "CVE-2023-1389", "archer_ax21_firmware", t->t + 5 * DAY)))
		rc = FLW_ENOMEM;
	if (rc == 0)
		rc = flw_vulnsvc_decision_parse(&dec, 1, body, strlen(body), MS(t->t), &d);
	if (rc == 0 && (rc = flw_vulnsvc_accept(f->v, f->s, &dec, "ops", &AUDIT, MS(t->t + 1), &o,
	                                        NULL, &d)) == 0)
		json_decref(o);
	if (rc == FLW_ESTATE)
		rc = 0; /* accepted in an earlier round whose answer failed */
	flw_free(body);
	flw_vulnsvc_free(f->v);
	f->v = NULL;
	return rc;
}

static void test_torture(void **state)
{
	struct torture t;
	unsigned long before;

	t.f = *state;
	t.nvd = nvd_one();
	t.t = T0;
	fleet(t.f);
	before = flw_alloc_count();
	assert_int_equal(torture_once(&t), 0);
	printf("# allocations: %lu\n", flw_alloc_count() - before);
	assert_true(flw_test_torture(torture_once, &t, 20000) > 100);
	free((void *)t.nvd); /* jansson's */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_decision_parse),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_and_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_formula, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torture, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
