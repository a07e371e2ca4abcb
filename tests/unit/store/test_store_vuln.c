/* tests/unit/store/test_store_vuln.c - the store's vulnerability data on real SQLite files:
 * feed imports, findings, model support ends and the assessment's load
 *
 * Part of the unit/store binary: test_store.c's main() runs flw_test_store_vuln().
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "flw_test.h"
#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/protocol.h"
#include "fleetward/store.h"
#include "store_fixture.h"

int flw_test_store_vuln(void);

static const struct flw_audit AUDIT = { "token:ops", "test.vuln", "test:1", NULL, 0 };

/* ---- helpers ------------------------------------------------------------------------------ */

static int64_t audit_rows(struct flw_store *s)
{
	json_t *a = NULL;
	int64_t n;

	assert_int_equal(flw_store_audit_list(s, 0, 1000, &a, NULL), 0);
	n = (int64_t)json_array_size(a);
	json_decref(a);
	return n;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static int enroll_token(struct flw_store *s, struct flw_diag *diag)
{
	struct flw_enroll_token t;

	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "fleet");
	memset(t.hash, 0x77, sizeof(t.hash));
	t.uses_left = -1;
	return flw_store_enroll_token_add(s, &t, NULL, NULL, diag);
}

static int enroll(struct flw_store *s, const char *id, const char *hwid, struct flw_diag *diag)
{
	unsigned char th[FLW_SHA256_BYTES];
	struct flw_device d;

	memset(&d, 0, sizeof(d));
	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.hwid, sizeof(d.hwid), "%s", hwid);
	memset(d.pubkey, id[strlen(id) - 1], sizeof(d.pubkey));
	memset(th, 0x77, sizeof(th));
	return flw_store_device_enroll(s, &d, th, 100, NULL, diag);
}

/* Publish targets version v adding release name for hwids (comma-separated, in this order)
 * with n components c. */
static int publish(struct flw_store *s, int64_t v, const char *name, const char *hwids,
                   const struct flw_sbom_component *c, size_t n, struct flw_diag *diag)
{
	struct flw_release r;
	const char *h = hwids;

	memset(&r, 0, sizeof(r));
	snprintf(r.target.name, sizeof(r.target.name), "%s", name);
	snprintf(r.target.version, sizeof(r.target.version), "1.%lld", (long long)v);
	memset(r.target.sha256, (int)v, sizeof(r.target.sha256));
	r.target.length = 1000;
	r.created = 5000 + v;
	while (*h) {
		size_t k = strcspn(h, ",");

		snprintf(r.target.hwids[r.target.n_hwids++], FLW_TUF_HWID_MAX + 1, "%.*s", (int)k,
		         h);
		h += k + (h[k] == ',');
	}
	return flw_test_publish(s, v, v, v, &r, c, n, NULL, diag);
}

static struct flw_feed_import feed(const char *kind, const char *name, unsigned char hb,
                                   const char *stats)
{
	struct flw_feed_import f;

	memset(&f, 0, sizeof(f));
	snprintf(f.kind, sizeof(f.kind), "%s", kind);
	snprintf(f.name, sizeof(f.name), "%s", name);
	memset(f.sha256, hb, sizeof(f.sha256));
	f.bytes = 1000u + hb;
	f.imported = 1700000000 + hb;
	snprintf(f.stats, sizeof(f.stats), "%s", stats);
	return f;
}

static struct flw_store_finding finding(const char *dev, const char *cve, const char *comp,
                                        const char *ver, int64_t at_ms)
{
	struct flw_store_finding f;

	memset(&f, 0, sizeof(f));
	f.device_id = dev;
	f.cve_id = cve;
	f.component = comp;
	f.component_version = ver;
	flw_finding_init(&f.life, at_ms);
	return f;
}

static void assert_life_equal(const struct flw_finding_life *a, const struct flw_finding_life *b)
{
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->first_seen_ms, b->first_seen_ms);
	assert_int_equal(a->opened_ms, b->opened_ms);
	assert_int_equal(a->fixed_ms, b->fixed_ms);
	assert_int_equal(a->updated_ms, b->updated_ms);
	assert_int_equal(a->reopen_count, b->reopen_count);
	assert_string_equal(a->accept_reason, b->accept_reason);
	assert_string_equal(a->accept_approver, b->accept_approver);
	assert_int_equal(a->accepted_ms, b->accepted_ms);
	assert_int_equal(a->accept_expiry_ms, b->accept_expiry_ms);
}

static int count_finding(const struct flw_store_finding *f, void *ctx)
{
	(void)f;
	++*(size_t *)ctx;
	return 0;
}

static size_t findings_count(struct flw_store *s)
{
	size_t n = 0;

	assert_int_equal(flw_store_findings_each(s, count_finding, &n, NULL), 0);
	return n;
}

/* ---- schema ------------------------------------------------------------------------------- */

/* A database of schema 5 (before the vulnerability tables) gets them at open, its data kept */
static void test_migration_from_5(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_feed_import fi = feed("kev", "kev.json", 0x44, "");
	int v = flw_store_schema_version(f->s);
	sqlite3 *db = NULL;
	json_t *l = NULL;

	assert_true(v >= 6);
	assert_int_equal(enroll_token(f->s, &diag), 0);
	assert_int_equal(enroll(f->s, "cam-1", "hw-a", &diag), 0);
	flw_store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "DROP TABLE feed_imports; DROP TABLE findings;"
	                              " DROP TABLE models; PRAGMA user_version = 5",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(flw_store_open(&f->s, f->path, &diag), 0);
	assert_int_equal(flw_store_schema_version(f->s), v);
	assert_int_equal(flw_store_feed_add(f->s, &fi, NULL, NULL, NULL, &diag), 0);
	assert_int_equal(flw_store_model_list(f->s, &l, &diag), 0);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(jstr(json_array_get(l, 0), "hwid"), "hw-a");
	json_decref(l);
}

/* ---- feed imports ------------------------------------------------------------------------- */

struct feed_seen {
	int64_t ids[8];
	int n;
	int stop_at;         /* return 7 from this call (1-based); 0 never */
	struct flw_store *s; /* write through it from the callback when set */
};

static int feed_cb(const struct flw_feed_import *f, void *ctx)
{
	struct feed_seen *s = ctx;

	s->ids[s->n++] = f->id;
	if (s->n == 1) {
		assert_string_equal(f->kind, "nvd");
		assert_string_equal(f->name, "nvdcve-2.0-2024.json");
		assert_int_equal(f->sha256[31], 0x11);
		assert_int_equal(f->bytes, 1000 + 0x11);
		assert_int_equal(f->imported, 1700000000 + 0x11);
		assert_string_equal(f->stats, "{\"added\":3,\"records\":4}");
	}
	if (s->s) /* no transaction is held while fn runs: the store takes a write */
		assert_int_equal(
		        flw_store_model_support_set(s->s, "hw-cb", "2030-01-01", NULL, NULL), 0);
	return s->n == s->stop_at ? 7 : 0;
}

static void test_feed_imports(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_feed_import a =
	        feed("nvd", "nvdcve-2.0-2024.json", 0x11, "{\"added\":3,\"records\":4}");
	struct flw_feed_import k = feed("kev", "known_exploited.json", 0x11, "");
	struct feed_seen seen = { { 0 }, 0, 0, NULL };
	int64_t id = 0;
	int existed = -1;
	json_t *l = NULL;
	json_t *o;

	assert_int_equal(flw_store_feed_add(f->s, &a, &AUDIT, &id, &existed, &diag), 0);
	assert_int_equal(id, 1);
	assert_int_equal(existed, 0);
	assert_int_equal(audit_rows(f->s), 1);
	/* the same kind and bytes again: the existing row, nothing written, nothing audited */
	id = 0;
	a.imported = 1800000000;
	snprintf(a.name, sizeof(a.name), "renamed.json");
	assert_int_equal(flw_store_feed_add(f->s, &a, &AUDIT, &id, &existed, &diag), 0);
	assert_int_equal(id, 1);
	assert_int_equal(existed, 1);
	assert_int_equal(audit_rows(f->s), 1);
	assert_int_equal(flw_store_feed_add(f->s, &a, &AUDIT, NULL, NULL, &diag), 0);
	assert_int_equal(audit_rows(f->s), 1);
	/* the same bytes as another kind are another import; imported 0 = now */
	k.imported = 0;
	assert_int_equal(flw_store_feed_add(f->s, &k, &AUDIT, &id, &existed, &diag), 0);
	assert_int_equal(id, 2);
	assert_int_equal(existed, 0);
	assert_int_equal(audit_rows(f->s), 2);
	/* listing: newest first, sha256 as hex, stats as an object (null when none) */
	assert_int_equal(flw_store_feed_list(f->s, &l, &diag), 0);
	assert_int_equal(json_array_size(l), 2);
	o = json_array_get(l, 0);
	assert_int_equal(jint(o, "id"), 2);
	assert_string_equal(jstr(o, "kind"), "kev");
	assert_true(json_is_null(json_object_get(o, "stats")));
	assert_true(jint(o, "imported") >= (int64_t)time(NULL) - 60);
	o = json_array_get(l, 1);
	assert_int_equal(jint(o, "id"), 1);
	assert_string_equal(jstr(o, "kind"), "nvd");
	assert_string_equal(jstr(o, "name"), "nvdcve-2.0-2024.json");
	assert_string_equal(jstr(o, "sha256"),
	                    "1111111111111111111111111111111111111111111111111111111111111111");
	assert_int_equal(jint(o, "bytes"), 1000 + 0x11);
	assert_int_equal(jint(o, "imported"), 1700000000 + 0x11);
	assert_int_equal(jint(json_object_get(o, "stats"), "records"), 4);
	assert_int_equal(json_object_size(o), 7);
	json_decref(l);
	/* each: id order, a nonzero return stops and is returned */
	assert_int_equal(flw_store_feed_each(f->s, feed_cb, &seen, &diag), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.ids[0], 1);
	assert_int_equal(seen.ids[1], 2);
	seen.n = 0;
	seen.stop_at = 1;
	seen.s = f->s;
	assert_int_equal(flw_store_feed_each(f->s, feed_cb, &seen, &diag), 7);
	assert_int_equal(seen.n, 1);
	assert_int_equal(flw_store_model_list(f->s, &l, &diag), 0);
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);
	seen.s = NULL;
	/* kept across a reopen */
	flw_store_close(f->s);
	assert_int_equal(flw_store_open(&f->s, f->path, &diag), 0);
	seen.n = 0;
	seen.stop_at = 0;
	assert_int_equal(flw_store_feed_each(f->s, feed_cb, &seen, &diag), 0);
	assert_int_equal(seen.n, 2);
}

static void test_feed_refusals(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_feed_import a = feed("nvd", "x.json", 0x22, "");
	json_t *l = NULL;

	snprintf(a.kind, sizeof(a.kind), "nvd2");
	assert_int_equal(flw_store_feed_add(f->s, &a, NULL, NULL, NULL, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "kind");
	assert_non_null(strstr(diag.msg, "nvd2"));
	a.kind[0] = '\0';
	assert_int_equal(flw_store_feed_add(f->s, &a, NULL, NULL, NULL, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "kind");
	memset(a.kind, 'x', sizeof(a.kind));
	assert_int_equal(flw_store_feed_add(f->s, &a, NULL, NULL, NULL, &diag), FLW_ELIMIT);
	assert_string_equal(diag.path, "kind");
	a = feed("cve5-jsonl", "x\n.json", 0x22, "");
	assert_int_equal(flw_store_feed_add(f->s, &a, NULL, NULL, NULL, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "name");
	a = feed("epss", "x.csv", 0x22, "[1]");
	assert_int_equal(flw_store_feed_add(f->s, &a, NULL, NULL, NULL, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "stats");
	a = feed("epss", "x.csv", 0x22, "{\"records\":");
	assert_int_equal(flw_store_feed_add(f->s, &a, NULL, NULL, NULL, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "stats");
	a = feed("cve5", "x.json", 0x22, "");
	a.bytes = (uint64_t)INT64_MAX + 1;
	assert_int_equal(flw_store_feed_add(f->s, &a, NULL, NULL, NULL, &diag), FLW_ELIMIT);
	assert_string_equal(diag.path, "bytes");
	a.bytes = 1;
	a.imported = -1;
	assert_int_equal(flw_store_feed_add(f->s, &a, NULL, NULL, NULL, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_feed_add(f->s, NULL, NULL, NULL, NULL, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_feed_add(NULL, &a, NULL, NULL, NULL, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_feed_each(f->s, NULL, NULL, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_feed_list(f->s, NULL, &diag), FLW_EINVAL);
	/* nothing was written */
	assert_int_equal(flw_store_feed_list(f->s, &l, &diag), 0);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
}

/* ---- findings ----------------------------------------------------------------------------- */

struct kept {
	char key[8][128];
	const char *version[8]; /* "NULL" or a static copy */
	char version_buf[8][32];
	struct flw_finding_life life[8];
	int n;
	int stop_at;
};

static int finding_cb(const struct flw_store_finding *f, void *ctx)
{
	struct kept *k = ctx;

	assert_true(k->n < 8);
	snprintf(k->key[k->n], sizeof(k->key[0]), "%s|%s|%s", f->device_id, f->cve_id,
	         f->component);
	k->version[k->n] = NULL;
	if (f->component_version) {
		snprintf(k->version_buf[k->n], sizeof(k->version_buf[0]), "%s",
		         f->component_version);
		k->version[k->n] = k->version_buf[k->n];
	}
	k->life[k->n] = f->life;
	k->n++;
	return k->n == k->stop_at ? -99 : 0;
}

static void test_findings(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_store_finding in[4];
	struct flw_finding_life l;
	struct kept k;

	in[0] = finding("gw-02", "CVE-2024-0001", "openssl", "3.0.11", 1000);
	in[1] = finding("gw-01", "CVE-2024-12345", "openssl", "3.0.11", 2000);
	in[2] = finding("gw-01", "CVE-2024-0001", "busybox", NULL, 3000);
	in[3] = finding("gw-01", "CVE-2024-0001", "openssl", "3.0.11", 4000);
	in[3].life.state = FLW_FINDING_FIXED;
	in[3].life.fixed_ms = 4500;
	in[3].life.updated_ms = 4500;
	in[3].life.reopen_count = 2;
	assert_int_equal(flw_store_findings_put(f->s, in, 4, &diag), 0);
	assert_int_equal(audit_rows(f->s), 0); /* not audited: the caller logs the assessment */
	/* each: ordered by device, CVE, component */
	memset(&k, 0, sizeof(k));
	assert_int_equal(flw_store_findings_each(f->s, finding_cb, &k, &diag), 0);
	assert_int_equal(k.n, 4);
	assert_string_equal(k.key[0], "gw-01|CVE-2024-0001|busybox");
	assert_string_equal(k.key[1], "gw-01|CVE-2024-0001|openssl");
	assert_string_equal(k.key[2], "gw-01|CVE-2024-12345|openssl");
	assert_string_equal(k.key[3], "gw-02|CVE-2024-0001|openssl");
	assert_null(k.version[0]);
	assert_string_equal(k.version[1], "3.0.11");
	assert_int_equal(k.life[0].state, FLW_FINDING_OPEN);
	assert_int_equal(k.life[0].first_seen_ms, 3000);
	assert_int_equal(k.life[1].state, FLW_FINDING_FIXED);
	assert_int_equal(k.life[1].fixed_ms, 4500);
	assert_int_equal(k.life[1].reopen_count, 2);
	assert_life_equal(&k.life[1], &in[3].life);
	/* a nonzero return stops and is returned */
	memset(&k, 0, sizeof(k));
	k.stop_at = 2;
	assert_int_equal(flw_store_findings_each(f->s, finding_cb, &k, &diag), -99);
	assert_int_equal(k.n, 2);
	/* replace: same key, new lifecycle and version; still 4 rows */
	in[2].component_version = "1.36.1";
	in[2].life.state = FLW_FINDING_FIXED;
	in[2].life.fixed_ms = 9000;
	in[2].life.updated_ms = 9000;
	assert_int_equal(flw_store_findings_put(f->s, &in[2], 1, &diag), 0);
	memset(&k, 0, sizeof(k));
	assert_int_equal(flw_store_findings_each(f->s, finding_cb, &k, &diag), 0);
	assert_int_equal(k.n, 4);
	assert_string_equal(k.version[0], "1.36.1");
	assert_int_equal(k.life[0].fixed_ms, 9000);
	/* get */
	assert_int_equal(
	        flw_store_finding_get(f->s, "gw-01", "CVE-2024-0001", "busybox", &l, &diag), 0);
	assert_life_equal(&l, &in[2].life);
	assert_int_equal(
	        flw_store_finding_get(f->s, "gw-01", "CVE-2024-0002", "busybox", &l, &diag),
	        FLW_ENOTFOUND);
	assert_int_equal(
	        flw_store_finding_get(f->s, "gw-03", "CVE-2024-0001", "busybox", &l, &diag),
	        FLW_ENOTFOUND);
	/* an empty batch is fine */
	assert_int_equal(flw_store_findings_put(f->s, NULL, 0, &diag), 0);
}

static void test_finding_set_life(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_store_finding in = finding("gw-01", "CVE-2023-4567", "dnsmasq", "2.89", 1000);
	struct flw_finding_life l;
	struct flw_finding_life acc;
	json_t *a = NULL;

	assert_int_equal(flw_store_findings_put(f->s, &in, 1, &diag), 0);
	acc = in.life;
	acc.state = FLW_FINDING_ACCEPTED;
	acc.updated_ms = 2000;
	acc.accepted_ms = 2000;
	acc.accept_expiry_ms = 90000;
	snprintf(acc.accept_reason, sizeof(acc.accept_reason), "isolated VLAN");
	snprintf(acc.accept_approver, sizeof(acc.accept_approver), "ops");
	/* stale expectation: conflict, nothing written, no audit row */
	assert_int_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2023-4567", "dnsmasq", &acc,
	                                            999, &AUDIT, &diag),
	                 FLW_ECONFLICT);
	assert_int_equal(audit_rows(f->s), 0);
	assert_int_equal(
	        flw_store_finding_get(f->s, "gw-01", "CVE-2023-4567", "dnsmasq", &l, &diag), 0);
	assert_int_equal(l.state, FLW_FINDING_OPEN);
	/* unknown finding */
	assert_int_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2023-4567", "dropbear",
	                                            &acc, 1000, &AUDIT, &diag),
	                 FLW_ENOTFOUND);
	assert_int_equal(audit_rows(f->s), 0);
	/* the expected one: changed, audited in the same call */
	assert_int_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2023-4567", "dnsmasq", &acc,
	                                            1000, &AUDIT, &diag),
	                 0);
	assert_int_equal(
	        flw_store_finding_get(f->s, "gw-01", "CVE-2023-4567", "dnsmasq", &l, &diag), 0);
	assert_life_equal(&l, &acc);
	assert_int_equal(flw_store_audit_list(f->s, 0, 10, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(jstr(json_array_get(a, 0), "action"), "test.vuln");
	json_decref(a);
	/* the same expectation again is stale now */
	assert_int_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2023-4567", "dnsmasq",
	                                            &in.life, 1000, &AUDIT, &diag),
	                 FLW_ECONFLICT);
	assert_int_equal(audit_rows(f->s), 1);
	/* the component version is the assessment's, not changed here */
	{
		struct kept k;

		memset(&k, 0, sizeof(k));
		assert_int_equal(flw_store_findings_each(f->s, finding_cb, &k, &diag), 0);
		assert_int_equal(k.n, 1);
		assert_string_equal(k.version[0], "2.89");
	}
}

static void test_findings_refusals(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	char longname[FLW_SBOM_NAME_MAX + 2];
	char longver[FLW_SBOM_VERSION_MAX + 2];
	struct flw_store_finding in[3];
	struct flw_finding_life l;
	size_t stored;
	size_t i;
	static const struct {
		const char *cve;
		int ok;
	} cves[] = {
		{ "CVE-2024-1234", 1 },
		{ "CVE-1999-0001", 1 },
		{ "CVE-2024-1234567890123456789", 1 },
		{ "CVE-2024-123", 0 },
		{ "cve-2024-1234", 0 },
		{ "CVE-24-1234", 0 },
		{ "CVE-2024-12a4", 0 },
		{ "CVE-2024-1234 ", 0 },
		{ "CVE-2024-12345678901234567890", 0 },
		{ "", 0 },
	};

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memset(longver, '1', sizeof(longver) - 1);
	longver[sizeof(longver) - 1] = '\0';
	in[0] = finding("gw-01", "CVE-2024-0001", "openssl", NULL, 1000);
	in[1] = finding("gw-01", "CVE-2024-0002", "openssl", NULL, 1000);
	in[2] = finding("gw-01", "CVE-2024-0003", "openssl", NULL, 1000);
	for (i = 0; i < FLW_ARRAY_SIZE(cves); i++) {
		in[1].cve_id = cves[i].cve;
		assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag),
		                 cves[i].ok ? 0 : FLW_EINVAL);
		if (!cves[i].ok)
			assert_string_equal(diag.path, "findings[1].cve_id");
	}
	in[1].cve_id = "CVE-2024-0002";
	in[2].device_id = "bad id";
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "findings[2].device_id");
	in[2].device_id = NULL;
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_EINVAL);
	in[2].device_id = "gw-01";
	in[2].component = "";
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "findings[2].component");
	in[2].component = longname;
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_ELIMIT);
	assert_string_equal(diag.path, "findings[2].component");
	longname[FLW_SBOM_NAME_MAX] = '\0'; /* exactly the limit is fine */
	in[2].component_version = longver;
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_ELIMIT);
	assert_string_equal(diag.path, "findings[2].component_version");
	longver[FLW_SBOM_VERSION_MAX] = '\0';
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), 0);
	stored = findings_count(f->s);
	/* 0001, 0003, the 3 good CVE ids of the loop, 0002, 0003 of the longest name */
	assert_int_equal(stored, 7);
	/* lifecycles */
	in[0].life.state = (enum flw_finding_state)3;
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "findings[0].state");
	in[0].life.state = FLW_FINDING_ACCEPTED;
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "findings[0].accept_reason");
	snprintf(in[0].life.accept_reason, sizeof(in[0].life.accept_reason), "isolated");
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_EINVAL);
	assert_string_equal(diag.path, "findings[0].accept_approver");
	memset(in[0].life.accept_approver, 'a', sizeof(in[0].life.accept_approver));
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_ELIMIT);
	assert_string_equal(diag.path, "findings[0].accept_approver");
	snprintf(in[0].life.accept_approver, sizeof(in[0].life.accept_approver), "ops");
	in[0].life.fixed_ms = -1;
	assert_int_equal(flw_store_findings_put(f->s, in, 3, &diag), FLW_EINVAL);
	in[0].life.fixed_ms = 0;
	assert_int_equal(flw_store_findings_put(f->s, in, FLW_FINDINGS_PUT_MAX + 1, &diag),
	                 FLW_ELIMIT);
	assert_int_equal(flw_store_findings_put(f->s, NULL, 1, &diag), FLW_EINVAL);
	/* a refused batch wrote nothing */
	assert_int_equal(findings_count(f->s), stored);
	assert_int_equal(
	        flw_store_finding_get(f->s, "gw-01", "CVE-2024-0001", "openssl", &l, &diag), 0);
	assert_int_equal(l.state, FLW_FINDING_OPEN);
	assert_int_equal(flw_store_findings_each(f->s, NULL, NULL, &diag), FLW_EINVAL);
	/* get and set_life check the key and the life the same way */
	assert_int_equal(flw_store_finding_get(f->s, "gw-01", "CVE-2024", "openssl", &l, &diag),
	                 FLW_EINVAL);
	assert_string_equal(diag.path, "cve_id");
	assert_int_equal(flw_store_finding_get(f->s, "gw-01", "CVE-2024-0001", NULL, &l, &diag),
	                 FLW_EINVAL);
	assert_string_equal(diag.path, "component");
	assert_int_equal(
	        flw_store_finding_get(f->s, "gw-01", "CVE-2024-0001", "openssl", NULL, &diag),
	        FLW_EINVAL);
	l = in[1].life;
	l.state = _FLW_FINDING_STATE_INVALID;
	assert_int_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2024-0001", "openssl", &l,
	                                            1000, &AUDIT, &diag),
	                 FLW_EINVAL);
	assert_string_equal(diag.path, "life.state");
	assert_non_null(strstr(diag.msg, "life.state"));
	assert_int_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2024-0001", "openssl", NULL,
	                                            1000, &AUDIT, &diag),
	                 FLW_EINVAL);
	assert_int_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2024-0001", "openssl",
	                                            &in[1].life, -1, &AUDIT, &diag),
	                 FLW_EINVAL);
	assert_int_equal(flw_store_finding_set_life(f->s, "..", "CVE-2024-0001", "openssl",
	                                            &in[1].life, 1000, &AUDIT, &diag),
	                 FLW_EINVAL);
	assert_string_equal(diag.path, "device_id");
	assert_int_equal(audit_rows(f->s), 0);
}

/* 50,000 findings in one call, as an assessment of a large fleet writes them: timed, printed */
static void test_findings_put_timing(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	const size_t n = FLW_FINDINGS_PUT_MAX;
	struct flw_store_finding *in = flw_calloc(n, sizeof(*in));
	char(*dev)[16] = flw_calloc(n / 10, sizeof(*dev));
	char(*cve)[16] = flw_calloc(10, sizeof(*cve));
	struct timespec t0;
	struct timespec t1;
	struct timespec t2;
	struct kept k;
	size_t i;

	assert_non_null(in);
	assert_non_null(dev);
	assert_non_null(cve);
	for (i = 0; i < n / 10; i++)
		snprintf(dev[i], sizeof(dev[i]), "dev-%06zu", (i * 7919) % (n / 10));
	for (i = 0; i < 10; i++)
		snprintf(cve[i], sizeof(cve[i]), "CVE-2024-%05zu", 10000 + i * 37);
	for (i = 0; i < n; i++)
		in[i] = finding(dev[i / 10], cve[i % 10], i % 3 ? "openssl" : "busybox", "3.0.11",
		                1000 + (int64_t)i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(flw_store_findings_put(f->s, in, n, &diag), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < n; i++) {
		in[i].life.state = FLW_FINDING_FIXED;
		in[i].life.fixed_ms = in[i].life.updated_ms = 99000;
	}
	assert_int_equal(flw_store_findings_put(f->s, in, n, &diag), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	print_message(
	        "findings_put: %zu new findings in %.1f ms, %zu replaced in %.1f ms\n", n,
	        (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, n,
	        (double)(t2.tv_sec - t1.tv_sec) * 1e3 + (double)(t2.tv_nsec - t1.tv_nsec) / 1e6);
	memset(&k, 0, sizeof(k));
	k.stop_at = 8; /* the first 8 rows, then stop */
	assert_int_equal(flw_store_findings_each(f->s, finding_cb, &k, &diag), -99);
	assert_string_equal(k.key[0], "dev-000000|CVE-2024-10000|busybox");
	assert_int_equal(k.life[0].state, FLW_FINDING_FIXED);
	flw_free(in);
	flw_free(dev);
	flw_free(cve);
}

/* ---- models ------------------------------------------------------------------------------- */

static void test_models(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	json_t *l = NULL;
	json_t *o;

	assert_int_equal(enroll_token(f->s, &diag), 0);
	assert_int_equal(enroll(f->s, "cam-1", "hw-b", &diag), 0);
	assert_int_equal(enroll(f->s, "cam-2", "hw-a", &diag), 0);
	assert_int_equal(enroll(f->s, "cam-3", "hw-a", &diag), 0);
	assert_int_equal(flw_store_model_list(f->s, &l, &diag), 0);
	assert_int_equal(json_array_size(l), 2);
	o = json_array_get(l, 0);
	assert_string_equal(jstr(o, "hwid"), "hw-a");
	assert_true(json_is_null(json_object_get(o, "support_end")));
	assert_int_equal(jint(o, "devices"), 2);
	assert_int_equal(jint(json_array_get(l, 1), "devices"), 1);
	json_decref(l);
	/* set (a model without devices too), change, clear */
	assert_int_equal(flw_store_model_support_set(f->s, "hw-a", "2030-12-31", &AUDIT, &diag), 0);
	assert_int_equal(flw_store_model_support_set(f->s, "hw-0", "2029-02-28", &AUDIT, &diag), 0);
	assert_int_equal(flw_store_model_support_set(f->s, "hw-a", "2032-02-29", &AUDIT, &diag), 0);
	assert_int_equal(audit_rows(f->s), 3);
	assert_int_equal(flw_store_model_list(f->s, &l, &diag), 0);
	assert_int_equal(json_array_size(l), 3);
	o = json_array_get(l, 0);
	assert_string_equal(jstr(o, "hwid"), "hw-0");
	assert_string_equal(jstr(o, "support_end"), "2029-02-28");
	assert_int_equal(jint(o, "devices"), 0);
	o = json_array_get(l, 1);
	assert_string_equal(jstr(o, "hwid"), "hw-a");
	assert_string_equal(jstr(o, "support_end"), "2032-02-29");
	assert_int_equal(jint(o, "devices"), 2);
	assert_int_equal(json_object_size(o), 3);
	json_decref(l);
	assert_int_equal(flw_store_model_support_set(f->s, "hw-0", "", &AUDIT, &diag), 0);
	assert_int_equal(flw_store_model_support_set(f->s, "hw-a", "", &AUDIT, &diag), 0);
	assert_int_equal(flw_store_model_support_set(f->s, "hw-none", "", NULL, &diag), 0);
	assert_int_equal(audit_rows(f->s), 5);
	assert_int_equal(flw_store_model_list(f->s, &l, &diag), 0);
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(jstr(json_array_get(l, 0), "hwid"), "hw-a");
	assert_true(json_is_null(json_object_get(json_array_get(l, 0), "support_end")));
	json_decref(l);
	/* refusals */
	assert_int_equal(flw_store_model_support_set(f->s, "hw-a", "2030-02-29", &AUDIT, &diag),
	                 FLW_EFORMAT);
	assert_string_equal(diag.path, "support_end");
	assert_int_equal(flw_store_model_support_set(f->s, "hw-a", "2030-1-01", &AUDIT, &diag),
	                 FLW_EFORMAT);
	assert_int_equal(flw_store_model_support_set(f->s, "hw-a", "2030-01-011", &AUDIT, &diag),
	                 FLW_ELIMIT);
	assert_string_equal(diag.path, "support_end");
	assert_int_equal(flw_store_model_support_set(f->s, "hw-a", NULL, &AUDIT, &diag),
	                 FLW_EINVAL);
	assert_int_equal(flw_store_model_support_set(f->s, "", "2030-01-01", &AUDIT, &diag),
	                 FLW_EINVAL);
	assert_string_equal(diag.path, "hwid");
	assert_int_equal(flw_store_model_support_set(f->s, "hw\t1", "2030-01-01", &AUDIT, &diag),
	                 FLW_EINVAL);
	assert_int_equal(
	        flw_store_model_support_set(f->s,
	                                    "hw-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                                    "aaaaaaaaaaaaa",
	                                    "2030-01-01", &AUDIT, &diag),
	        FLW_ELIMIT);
	assert_int_equal(flw_store_model_list(f->s, NULL, &diag), FLW_EINVAL);
	assert_int_equal(audit_rows(f->s), 5);
}

/* The audit row is written in the same transaction as the change: when it cannot be written,
 * nothing of the change remains. */
static void test_vuln_audit_atomic(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_feed_import fi = feed("nvd", "a.json", 0x33, "");
	struct flw_store_finding in = finding("gw-01", "CVE-2023-4567", "dnsmasq", "2.89", 1000);
	struct flw_finding_life l = in.life;
	sqlite3 *db = NULL;
	json_t *a = NULL;

	assert_int_equal(flw_store_findings_put(f->s, &in, 1, &diag), 0);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db,
	                     "CREATE TRIGGER audit_refused BEFORE INSERT ON audit"
	                     " BEGIN SELECT RAISE(ABORT, 'audit refused by the test'); END",
	                     NULL, NULL, NULL),
	        SQLITE_OK);
	l.state = FLW_FINDING_FIXED;
	l.fixed_ms = l.updated_ms = 2000;
	assert_int_not_equal(flw_store_feed_add(f->s, &fi, &AUDIT, NULL, NULL, &diag), 0);
	assert_int_not_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2023-4567", "dnsmasq",
	                                                &l, 1000, &AUDIT, &diag),
	                     0);
	assert_int_not_equal(flw_store_model_support_set(f->s, "hw-a", "2030-01-01", &AUDIT, &diag),
	                     0);
	assert_int_equal(flw_store_failed(f->s), 0);
	assert_int_equal(flw_store_feed_list(f->s, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	assert_int_equal(flw_store_model_list(f->s, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	assert_int_equal(
	        flw_store_finding_get(f->s, "gw-01", "CVE-2023-4567", "dnsmasq", &l, &diag), 0);
	assert_int_equal(l.state, FLW_FINDING_OPEN);
	/* the same calls go through once the audit log takes rows again */
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER audit_refused", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	l.state = FLW_FINDING_FIXED;
	l.fixed_ms = l.updated_ms = 2000;
	assert_int_equal(flw_store_feed_add(f->s, &fi, &AUDIT, NULL, NULL, &diag), 0);
	assert_int_equal(flw_store_finding_set_life(f->s, "gw-01", "CVE-2023-4567", "dnsmasq", &l,
	                                            1000, &AUDIT, &diag),
	                 0);
	assert_int_equal(flw_store_model_support_set(f->s, "hw-a", "2030-01-01", &AUDIT, &diag), 0);
	assert_int_equal(audit_rows(f->s), 3);
}

/* ---- the assessment's load ---------------------------------------------------------------- */

#define LOAD_MAX 16

/* Copies of what the callbacks saw */
struct loaded {
	char rel[LOAD_MAX][256];      /* "name|created|product_line|n" */
	char rel_comp[LOAD_MAX][512]; /* the components, "name/version/purl/cpe/vendor;" each */
	int n_rel;
	char dev[LOAD_MAX][512]; /* "id|hwid|installed|version|enrolled|class|exposed|segment|
	                          *  owner|site|support_end|model_end|cpe|state|n_extra" */
	char dev_comp[LOAD_MAX][512];
	int n_dev;
	int stop_rel;             /* return this from the first release callback when nonzero */
	struct flw_store *writer; /* enroll a device through this connection during the load */
};

static void comps_text(char *out, size_t cap, const struct flw_sbom_component *c, size_t n)
{
	size_t used = 0;
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s/%s/%s/%s/%s;", c[i].name,
		                         c[i].version ? c[i].version : "-",
		                         c[i].purl ? c[i].purl : "-", c[i].cpe ? c[i].cpe : "-",
		                         c[i].vendor ? c[i].vendor : "-");
}

static int rel_cb(const struct flw_store_assess_release *r, void *ctx)
{
	struct loaded *l = ctx;
	struct flw_diag diag = { 0 };

	assert_true(l->n_rel < LOAD_MAX);
	snprintf(l->rel[l->n_rel], sizeof(l->rel[0]), "%s|%lld|%s|%zu", r->name,
	         (long long)r->created, r->product_line, r->n);
	comps_text(l->rel_comp[l->n_rel], sizeof(l->rel_comp[0]), r->c, r->n);
	l->n_rel++;
	if (l->writer) /* another connection commits while this load reads: not seen */
		assert_int_equal(enroll(l->writer, "zz-late", "hw-a", &diag), 0);
	l->writer = NULL;
	return l->stop_rel;
}

static int dev_cb(const struct flw_store_assess_device *d, void *ctx)
{
	struct loaded *l = ctx;
	const struct flw_inventory *v = d->inv;

	assert_true(l->n_dev < LOAD_MAX);
	/* a device with an action has the time that action last changed, one without has none */
	assert_true((d->last_action_state == -1) == (d->last_action_updated == 0));
	snprintf(l->dev[l->n_dev], sizeof(l->dev[0]),
	         "%s|%s|%s|%s|%lld|%s|%d|%s|%s|%s|%s|%s|%s|%d|%zu", d->id, d->hwid, d->installed,
	         d->installed_version, (long long)d->enrolled, v->class_name, v->internet_exposed,
	         v->segment, v->owner, v->site, v->support_end, d->model_support_end,
	         d->hardware_cpe ? d->hardware_cpe : "(null)", d->last_action_state, d->n_extra);
	comps_text(l->dev_comp[l->n_dev], sizeof(l->dev_comp[0]), d->extra, d->n_extra);
	l->n_dev++;
	return 0;
}

static int checkin(struct flw_store *s, const char *id, const char *installed, const char *attrs,
                   const struct flw_sbom_component *c, size_t n, struct flw_diag *diag)
{
	struct flw_checkin ci;
	json_t *a = attrs ? json_loads(attrs, 0, NULL) : NULL;
	int rc;

	memset(&ci, 0, sizeof(ci));
	ci.device_id = id;
	ci.installed = installed;
	ci.installed_version = installed ? "1.0" : NULL;
	ci.attrs = a;
	ci.now = 200;
	ci.has_components = c != NULL;
	ci.components = c;
	ci.n_components = n;
	rc = flw_store_device_checkin(s, &ci, diag);
	json_decref(a);
	return rc;
}

/* Releases with components and several hardware ids; devices with inventory, attributes,
 * their own components and actions. */
static void load_fleet(struct flw_store *s)
{
	static const struct flw_sbom_component rc1[] = {
		{ "openssl", "3.0.11", "pkg:generic/openssl@3.0.11",
		  "cpe:2.3:a:openssl:openssl:3.0.11:*:*:*:*:*:*:*", "openssl" },
		{ "busybox", "1.36.1", NULL, NULL, NULL },
		{ "zlib", NULL, "pkg:generic/zlib", NULL, NULL },
	};
	static const struct flw_sbom_component rc3[] = {
		{ "dnsmasq", "2.89", NULL, NULL, NULL },
	};
	static const struct flw_sbom_component own1[] = {
		{ "agent-plugin", "0.1", NULL, NULL, NULL },
		{ "curl", "8.4.0", NULL, NULL, NULL },
	};
	static const struct flw_sbom_component own10[] = {
		{ "lighttpd", "1.4.71", NULL, NULL, NULL },
	};
	struct flw_inventory_patch p;
	struct flw_diag diag = { 0 };
	const char *d2[] = { "d-2" };
	struct flw_report r;
	int64_t dep1 = 0;
	int64_t dep2 = 0;
	int64_t acked = 0;

	assert_int_equal(publish(s, 1, "fw/r-1.img", "hw-b,hw-a", rc1, 3, &diag), 0);
	assert_int_equal(publish(s, 2, "fw/r-2.img", "hw-a", NULL, 0, &diag), 0);
	assert_int_equal(publish(s, 3, "fw/r-3.img", "hw-c,hw-a,hw-b", rc3, 1, &diag), 0);
	assert_int_equal(enroll_token(s, &diag), 0);
	/* byte order of ids: d-1 < d-10 < d-2 < d-3 */
	assert_int_equal(enroll(s, "d-3", "hw-a", &diag), 0);
	assert_int_equal(enroll(s, "d-2", "hw-b", &diag), 0);
	assert_int_equal(enroll(s, "d-10", "hw-c", &diag), 0);
	assert_int_equal(enroll(s, "d-1", "hw-a", &diag), 0);
	assert_int_equal(checkin(s, "d-1", "fw/r-1.img",
	                         "{\"hardware_cpe\":\"cpe:2.3:h:acme:r1:-:*:*:*:*:*:*:*\"}", own1,
	                         2, &diag),
	                 0);
	assert_int_equal(checkin(s, "d-2", "fw/r-3.img", "{\"hardware_cpe\":5}", NULL, 0, &diag),
	                 0);
	assert_int_equal(checkin(s, "d-10", NULL, "{\"site\":\"x\"}", own10, 1, &diag), 0);
	memset(&p, 0, sizeof(p));
	p.fields = FLW_INV_F_ALL;
	snprintf(p.v.class_name, sizeof(p.v.class_name), "safety-critical");
	p.v.internet_exposed = FLW_EXPOSED_YES;
	snprintf(p.v.segment, sizeof(p.v.segment), "vlan 10");
	snprintf(p.v.owner, sizeof(p.v.owner), "plant");
	snprintf(p.v.site, sizeof(p.v.site), "north");
	snprintf(p.v.support_end, sizeof(p.v.support_end), "2027-06-30");
	assert_int_equal(flw_store_device_inventory_set(s, "d-1", &p, NULL, &diag), 0);
	p.fields = FLW_INV_F_EXPOSED;
	p.v.internet_exposed = FLW_EXPOSED_NO;
	assert_int_equal(flw_store_device_inventory_set(s, "d-2", &p, NULL, &diag), 0);
	assert_int_equal(flw_store_model_support_set(s, "hw-a", "2026-01-31", NULL, &diag), 0);
	assert_int_equal(flw_store_model_support_set(s, "hw-z", "2020-01-31", NULL, &diag), 0);
	/* d-2: an older deployment (its action canceled by the newer), the newer one downloading */
	assert_int_equal(
	        flw_store_deployment_create(s, "fw/r-1.img", d2, 1, NULL, 300, NULL, &dep1, &diag),
	        0);
	assert_int_equal(
	        flw_store_deployment_create(s, "fw/r-3.img", d2, 1, NULL, 400, NULL, &dep2, &diag),
	        0);
	memset(&r, 0, sizeof(r));
	r.seq = 1;
	r.deployment_id = dep2;
	r.state = FLW_ST_DOWNLOADING;
	assert_int_equal(flw_store_reports_apply(s, "d-2", &r, 1, 500, &acked, &diag), 0);
}

static void test_assess_load(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_store *s2 = NULL;
	struct loaded *l = flw_calloc(1, sizeof(*l));

	assert_non_null(l);
	load_fleet(f->s);
	assert_int_equal(flw_store_open(&s2, f->path, &diag), 0);
	l->writer = s2;
	assert_int_equal(flw_store_assess_load(f->s, rel_cb, dev_cb, l, &diag), 0);
	/* releases in id order, hardware ids sorted, components in SBOM order */
	assert_int_equal(l->n_rel, 3);
	assert_string_equal(l->rel[0], "fw/r-1.img|5001|hw-a,hw-b|3");
	assert_string_equal(l->rel_comp[0],
	                    "openssl/3.0.11/pkg:generic/openssl@3.0.11/"
	                    "cpe:2.3:a:openssl:openssl:3.0.11:*:*:*:*:*:*:*/openssl;"
	                    "busybox/1.36.1/-/-/-;zlib/-/pkg:generic/zlib/-/-;");
	assert_string_equal(l->rel[1], "fw/r-2.img|5002|hw-a|0");
	assert_string_equal(l->rel_comp[1], "");
	assert_string_equal(l->rel[2], "fw/r-3.img|5003|hw-a,hw-b,hw-c|1");
	assert_string_equal(l->rel_comp[2], "dnsmasq/2.89/-/-/-;");
	/* devices in id order; the one enrolled meanwhile by another connection is not there */
	assert_int_equal(l->n_dev, 4);
	assert_string_equal(l->dev[0], "d-1|hw-a|fw/r-1.img|1.0|100|safety-critical|1|vlan 10|"
	                               "plant|north|2027-06-30|2026-01-31|"
	                               "cpe:2.3:h:acme:r1:-:*:*:*:*:*:*:*|-1|2");
	assert_string_equal(l->dev_comp[0], "agent-plugin/0.1/-/-/-;curl/8.4.0/-/-/-;");
	assert_string_equal(l->dev[1], "d-10|hw-c|||100||0||||||(null)|-1|1");
	assert_string_equal(l->dev_comp[1], "lighttpd/1.4.71/-/-/-;");
	/* newest action by deployment id: downloading (the older one is canceled) */
	assert_string_equal(l->dev[2], "d-2|hw-b|fw/r-3.img|1.0|100||2||||||(null)|1|0");
	assert_string_equal(l->dev[3], "d-3|hw-a|||100||0|||||2026-01-31|(null)|-1|0");
	assert_string_equal(l->dev_comp[3], "");
	/* the next load sees it */
	memset(l, 0, sizeof(*l));
	assert_int_equal(flw_store_assess_load(f->s, NULL, dev_cb, l, &diag), 0);
	assert_int_equal(l->n_rel, 0);
	assert_int_equal(l->n_dev, 5);
	assert_string_equal(l->dev[4], "zz-late|hw-a|||100||0|||||2026-01-31|(null)|-1|0");
	/* a nonzero return stops the load and is returned */
	memset(l, 0, sizeof(*l));
	l->stop_rel = 42;
	assert_int_equal(flw_store_assess_load(f->s, rel_cb, dev_cb, l, &diag), 42);
	assert_int_equal(l->n_rel, 1);
	assert_int_equal(l->n_dev, 0);
	assert_int_equal(flw_store_assess_load(f->s, NULL, NULL, l, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_assess_load(NULL, rel_cb, dev_cb, l, &diag), FLW_EINVAL);
	/* the store is usable after a stopped load (no transaction left open) */
	assert_int_equal(flw_store_model_support_set(f->s, "hw-b", "2030-01-01", NULL, &diag), 0);
	flw_store_close(s2);
	flw_free(l);
}

/* An empty store loads nothing, without error */
static void test_assess_load_empty(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct loaded *l = flw_calloc(1, sizeof(*l));

	assert_non_null(l);
	assert_int_equal(flw_store_assess_load(f->s, rel_cb, dev_cb, l, &diag), 0);
	assert_int_equal(l->n_rel + l->n_dev, 0);
	flw_free(l);
}

/* ---- allocation failures ------------------------------------------------------------------ */

struct torture {
	const char *dir;
	char *template_path; /* a store with its schema and a device, copied for each run */
	unsigned run;
};

static int count_cb(const struct flw_store_assess_device *d, void *ctx)
{
	*(size_t *)ctx += d->n_extra + 1;
	return 0;
}

static int count_rel_cb(const struct flw_store_assess_release *r, void *ctx)
{
	*(size_t *)ctx += r->n + 1;
	return 0;
}

static int count_feed(const struct flw_feed_import *f, void *ctx)
{
	(void)f;
	++*(size_t *)ctx;
	return 0;
}

/* The vulnerability calls on a small store: each returns 0 or FLW_ENOMEM/FLW_ESTORE */
static int vuln_calls(struct flw_store *s, struct flw_diag *diag)
{
	static const struct flw_sbom_component c[] = { { "openssl", "3.0.11", NULL, NULL, NULL },
		                                       { "zlib", "1.3", NULL, NULL, NULL } };
	struct flw_feed_import fi = feed("nvd", "a.json", 1, "{\"records\":1}");
	struct flw_store_finding fs[2];
	struct flw_finding_life life;
	size_t n = 0;
	json_t *l = NULL;
	int existed = 0;
	int rc;

	fs[0] = finding("dev-1", "CVE-2024-0001", "openssl", "3.0.11", 1000);
	fs[1] = finding("dev-1", "CVE-2024-0002", "zlib", NULL, 1000);
	if ((rc = publish(s, 1, "fw/a.img", "hw-2,hw", c, 2, diag)) != 0 ||
	    (rc = checkin(s, "dev-1", "fw/a.img", NULL, c, 1, diag)) != 0 ||
	    (rc = flw_store_feed_add(s, &fi, &AUDIT, NULL, NULL, diag)) != 0 ||
	    (rc = flw_store_feed_add(s, &fi, &AUDIT, NULL, &existed, diag)) != 0 ||
	    (rc = flw_store_feed_each(s, count_feed, &n, diag)) != 0 ||
	    (rc = flw_store_feed_list(s, &l, diag)) != 0)
		goto out;
	json_decref(l);
	l = NULL;
	if ((rc = flw_store_findings_put(s, fs, 2, diag)) != 0 ||
	    (rc = flw_store_findings_each(s, count_finding, &n, diag)) != 0 ||
	    (rc = flw_store_finding_get(s, "dev-1", "CVE-2024-0002", "zlib", &life, diag)) != 0)
		goto out;
	life.state = FLW_FINDING_FIXED;
	life.fixed_ms = life.updated_ms = 2000;
	if ((rc = flw_store_finding_set_life(s, "dev-1", "CVE-2024-0002", "zlib", &life, 1000,
	                                     &AUDIT, diag)) != 0 ||
	    (rc = flw_store_model_support_set(s, "hw", "2030-01-01", &AUDIT, diag)) != 0 ||
	    (rc = flw_store_model_list(s, &l, diag)) != 0 ||
	    (rc = flw_store_assess_load(s, count_rel_cb, count_cb, &n, diag)) != 0)
		goto out;
	/* 1 feed + 2 findings + (release: 2 components + 1) + (device: 1 extra + 1) */
	rc = existed == 1 && n == 1 + 2 + 3 + 2 && json_array_size(l) == 1 ? 0 : FLW_EFORMAT;
out:
	json_decref(l);
	return rc;
}

static void copy_file(const char *from, const char *to)
{
	unsigned char buf[1 << 14];
	FILE *in = fopen(from, "rb");
	FILE *out = fopen(to, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(ferror(in), 0);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* One run on a fresh copy of the template store, opened without failures: the vulnerability
 * calls with their fail_at-th allocation failing (0: none). */
static int vuln_run(struct torture *t, unsigned long fail_at, int *injected_out,
                    unsigned long *count_out)
{
	struct flw_store *s = NULL;
	struct flw_diag diag = { 0 };
	char path[512];
	char side[520];
	int rc;

	snprintf(path, sizeof(path), "%s/v%u.db", t->dir, t->run++);
	copy_file(t->template_path, path);
	flw_alloc_fail_at(0, 0);
	assert_int_equal(flw_store_open(&s, path, &diag), 0);
	flw_alloc_fail_at(fail_at, 0);
	rc = vuln_calls(s, &diag);
	*injected_out = flw_alloc_injected();
	*count_out = flw_alloc_count();
	flw_alloc_fail_at(0, 0);
	flw_store_close(s);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return rc;
}

/* Every allocation of the vulnerability calls fails once. The store they run on (schema, a
 * device) is a copy of a template, so that the runs torture these calls and not the open and
 * the migrations again (test_alloc_failures does). Files in /dev/shm when there is one. */
static void test_vuln_alloc_failures(void **state)
{
	struct fx *f = *state;
	char shm[] = "/dev/shm/flwunit.XXXXXX"; /* flw_test_rmrf removes only flwunit.* */
	struct torture t = { f->dir, NULL, 0 };
	struct flw_store *s = NULL;
	struct flw_diag diag = { 0 };
	unsigned long total = 0;
	unsigned long count = 0;
	unsigned long n;
	int injected = 0;
	int rc;

	if (access("/dev/shm", W_OK) == 0 && mkdtemp(shm))
		t.dir = shm;
	t.template_path = flw_asprintf("%s/template.db", t.dir);
	assert_non_null(t.template_path);
	assert_int_equal(flw_store_open(&s, t.template_path, &diag), 0);
	assert_int_equal(enroll_token(s, &diag), 0);
	assert_int_equal(enroll(s, "dev-1", "hw", &diag), 0);
	flw_store_close(s); /* the last connection checkpoints: everything is in the file */
	assert_int_equal(vuln_run(&t, 0, &injected, &total), 0);
	for (n = 1; n <= total + 100; n++) {
		rc = vuln_run(&t, n, &injected, &count);
		if (!injected) {
			assert_int_equal(rc, 0);
			break;
		}
		if (rc != 0 && rc != FLW_ENOMEM && rc != FLW_ESTORE)
			fail_msg("run %lu: unexpected rc %d (%s) under allocation failure", n, rc,
			         flw_strerror(rc));
	}
	print_message("vulnerability data, allocation failures: %lu runs over %lu allocations\n", n,
	              total);
	assert_true(n > 1 && n <= total + 100);
	flw_free(t.template_path);
	if (t.dir == shm)
		flw_test_rmrf(shm);
}

int flw_test_store_vuln(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migration_from_5, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_imports, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_refusals, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_findings, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_finding_set_life, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_findings_refusals, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_findings_put_timing, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_models, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_vuln_audit_atomic, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_assess_load, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_assess_load_empty, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_vuln_alloc_failures, store_fx_setup,
		                                store_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
