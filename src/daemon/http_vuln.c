/* src/daemon/http_vuln.c - the vulnerability API (/api/v1/feeds, vulns, assessment, findings,
 * models, reports; docs/PROTOCOL.md "Vulnerabilities")
 *
 * Thin: query arguments and bodies are checked here (400 naming the argument), the work is
 * the vulnerability service's (server/vulnsvc.h, its own lock). Feed uploads stream into the
 * service's temporary file as they arrive (FLWD_BODY_FEED, never held in memory, capped by
 * --feed-max-bytes); the kind and name are checked before any body byte is read. Changes
 * that the store records with their audit row set r->audited; the others (assessment runs,
 * duplicate imports) get their row from http.c after the answer is ready.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetward/alloc.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "http.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int service(struct flwd_req *r, struct flw_vulnsvc **out)
{
	*out = r->d->vuln;
	if (!*out)
		return flw_diag_set(&r->diag, FLW_ESTATE, NULL,
		                    "the vulnerability service is not running");
	return 0;
}

static int query_text(struct flwd_req *r, const char *name, size_t max, const char **out)
{
	const char *v = flwd_query(r, name);
	const char *p;

	*out = v && *v ? v : NULL;
	if (!*out)
		return 0;
	if (strlen(v) > max)
		return flw_diag_set(&r->diag, FLW_EFORMAT, name,
		                    "query argument '%s': at most %zu characters", name, max);
	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return flw_diag_set(&r->diag, FLW_EFORMAT, name,
			                    "query argument '%s': no control characters", name);
	return 0;
}

static int param_id(struct flwd_req *r, size_t max, const char **out)
{
	const char *v = r->params[0];

	if (!v || !flw_id_ok(v) || strlen(v) > max)
		return flw_diag_set(&r->diag, FLW_EINVAL, NULL,
		                    "'%.80s' is not a valid name (1-%zu of [A-Za-z0-9._:-], not "
		                    "starting with '.' or '-')",
		                    v ? v : "", max);
	*out = v;
	return 0;
}

/* the validated body, for the audit detail ("" when it cannot be shown) */
static void body_detail(struct flwd_req *r, struct flw_buf *out)
{
	json_t *b = NULL;

	flw_buf_init(out, FLW_AUDIT_DETAIL_MAX);
	if (flw_json_parse(&b, r->body.data, r->body.len, NULL, NULL) == 0 &&
	    flw_json_dump(out, b, 0) != 0)
		flw_buf_reset(out);
	json_decref(b);
}

/* ---- feeds ------------------------------------------------------------------------------- */

int flwd_feed_begin(struct flwd_req *r)
{
	struct flw_vulnsvc *v = NULL;
	const char *kind = NULL;
	const char *name = NULL;
	int rc;

	if ((rc = service(r, &v)) != 0 || (rc = query_text(r, "kind", 32, &kind)) != 0)
		return rc;
	name = flwd_query(r, "name");
	return flw_vulnsvc_upload_new(v, kind, name, &r->feed, &r->diag);
}

int flwd_feed_data(struct flwd_req *r, const char *data, size_t n)
{
	return flw_vulnsvc_upload_write(r->feed, data, n, &r->diag);
}

int flwd_h_feed_import(struct flwd_req *r)
{
	struct flw_vulnsvc *v = NULL;
	struct flw_store *s = NULL;
	struct flw_audit a;
	uint64_t len = 0;
	json_t *out = NULL;
	char hex[65];
	int audited = 0;
	int rc;

	snprintf(r->audit_object, sizeof(r->audit_object), "feed");
	if ((rc = service(r, &v)) != 0)
		return rc;
	if (flw_vulnsvc_upload_digest(r->feed, hex, &len) == 0 && len > 0)
		snprintf(r->audit_object, sizeof(r->audit_object), "feed:%s", hex);
	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	flwd_audit(r, &a, NULL);
	rc = flw_vulnsvc_import(v, s, r->feed, &a, now_ms(), &out, &audited, &r->diag);
	r->audited = audited;
	if (rc != 0)
		return rc;
	atomic_fetch_add(&r->d->m.bytes_uploaded, len);
	log_info("feed %s imported by %s (%" PRIu64 " bytes)", hex, r->actor, len);
	return flwd_reply_json(r, 200, out);
}

int flwd_h_feed_list(struct flwd_req *r)
{
	struct flw_vulnsvc *v = NULL;
	struct flw_store *s = NULL;
	json_t *out = NULL;
	int rc;

	if ((rc = service(r, &v)) != 0 || (rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_vulnsvc_feeds(v, s, &out, &r->diag)) != 0)
		return rc;
	return flwd_reply_json(r, 200, out);
}

int flwd_h_vuln_get(struct flwd_req *r)
{
	struct flw_vulnsvc *v = NULL;
	json_t *out = NULL;
	int rc;

	if ((rc = service(r, &v)) != 0)
		return rc;
	rc = flw_vulnsvc_vuln(v, r->params[0], &out, &r->diag);
	return rc != 0 ? rc : flwd_reply_json(r, 200, out);
}

/* ---- assessment -------------------------------------------------------------------------- */

int flwd_h_assessment_get(struct flwd_req *r)
{
	struct flw_vulnsvc *v = NULL;
	json_t *out = NULL;
	int rc;

	if ((rc = service(r, &v)) != 0 || (rc = flw_vulnsvc_assessment(v, &out, &r->diag)) != 0)
		return rc;
	return flwd_reply_json(r, 200, out);
}

/* the body must be {} */
static int empty_object(struct flwd_req *r)
{
	static const char *const none[] = { NULL };
	struct flw_json_limits lim = { 1024, 2 };
	json_t *o = NULL;
	int rc;

	rc = flw_json_parse(&o, r->body.data, r->body.len, &lim, &r->diag);
	if (rc == 0 && !json_is_object(o))
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, NULL, "expected {}");
	if (rc == 0)
		rc = flw_json_only_keys(o, none, "", &r->diag);
	json_decref(o);
	return rc;
}

int flwd_h_assessment_run(struct flwd_req *r)
{
	struct flw_vulnsvc *v = NULL;
	struct flw_store *s = NULL;
	json_t *out = NULL;
	int rc;

	snprintf(r->audit_object, sizeof(r->audit_object), "assessment");
	if ((rc = empty_object(r)) != 0 || (rc = service(r, &v)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_vulnsvc_run(v, s, now_ms(), &out, &r->diag)) != 0)
		return rc;
	log_info("assessment run by %s", r->actor);
	return flwd_reply_json(r, 200, out);
}

/* ---- findings ---------------------------------------------------------------------------- */

static int query_enum(struct flwd_req *r, const char *name, int (*from)(const char *),
                      const char *expect, int *out)
{
	const char *v = flwd_query(r, name);

	*out = -1;
	if (!v || !*v)
		return 0;
	if (strcmp(name, "decision") == 0 && strcmp(v, "track-star") == 0)
		v = "track*";
	*out = from(v);
	if (*out < 0)
		return flw_diag_set(&r->diag, FLW_EFORMAT, name, "query argument '%s': expected %s",
		                    name, expect);
	return 0;
}

static int state_from(const char *s)
{
	int i;

	for (i = 0; i < _FLW_FINDING_STATE_MAX; i++)
		if (strcmp(flw_finding_state_to_string(i), s) == 0)
			return i;
	return -1;
}

static int query_bool(struct flwd_req *r, const char *name, int *out)
{
	const char *v = flwd_query(r, name);

	*out = 0;
	if (!v || !*v || strcmp(v, "false") == 0)
		return 0;
	if (strcmp(v, "true") == 0) {
		*out = 1;
		return 0;
	}
	return flw_diag_set(&r->diag, FLW_EFORMAT, name,
	                    "query argument '%s': expected true or false", name);
}

static int parse_filter(struct flwd_req *r, struct flw_vulnsvc_filter *f)
{
	uint64_t limit = 0;
	uint64_t offset = 0;
	uint64_t min_score = 0;
	int rc;

	flw_vulnsvc_filter_init(f);
	if ((rc = query_text(r, "device", FLW_ID_MAX, &f->device)) != 0 ||
	    (rc = query_text(r, "cve", FLW_CVE_ID_MAX, &f->cve)) != 0 ||
	    (rc = query_text(r, "component", 256, &f->component)) != 0 ||
	    (rc = query_text(r, "release", FLW_TUF_TARGET_NAME_MAX, &f->release)) != 0 ||
	    (rc = query_text(r, "class", FLW_INV_CLASS_MAX, &f->class_name)) != 0 ||
	    (rc = query_text(r, "site", FLW_INV_TEXT_MAX, &f->site)) != 0 ||
	    (rc = query_enum(r, "state", state_from, "open, fixed or accepted", &f->state)) != 0 ||
	    (rc = query_enum(r, "decision", flw_risk_decision_from_string,
	                     "act, attend, track* or track", &f->decision)) != 0 ||
	    (rc = query_bool(r, "overdue", &f->overdue)) != 0 ||
	    (rc = flwd_query_uint(r, "min_score", 0, 100, &min_score)) != 0 ||
	    (rc = flwd_query_uint(r, "limit", FLW_VULNSVC_LIST_DEFAULT, FLW_VULNSVC_LIST_MAX,
	                          &limit)) != 0 ||
	    (rc = flwd_query_uint(r, "offset", 0, UINT32_MAX, &offset)) != 0)
		return rc;
	if (f->device && !flw_id_ok(f->device))
		return flw_diag_set(&r->diag, FLW_EFORMAT, "device",
		                    "query argument 'device': not a device id");
	f->min_score =
	        flwd_query(r, "min_score") && *flwd_query(r, "min_score") ? (int)min_score : -1;
	f->limit = (size_t)limit;
	f->offset = (size_t)offset;
	return 0;
}

int flwd_h_findings_list(struct flwd_req *r)
{
	struct flw_vulnsvc_filter f;
	struct flw_vulnsvc *v = NULL;
	json_t *out = NULL;
	int rc;

	if ((rc = service(r, &v)) != 0 || (rc = parse_filter(r, &f)) != 0)
		return rc;
	rc = flw_vulnsvc_findings(v, &f, &out, &r->diag);
	if (rc == FLW_ENOTFOUND && f.device) { /* no such device in the assessment: none */
		flw_diag_clear(&r->diag);
		rc = 0;
		out = json_pack("{s:[],s:i}", "items", "total", 0);
	}
	return rc != 0 ? rc : flwd_reply_json(r, 200, out);
}

int flwd_h_device_findings(struct flwd_req *r)
{
	struct flw_vulnsvc_filter f;
	struct flw_vulnsvc *v = NULL;
	struct flw_store *s = NULL;
	struct flw_device dev;
	const char *id = NULL;
	json_t *out = NULL;
	int rc;

	if ((rc = service(r, &v)) != 0 || (rc = param_id(r, FLW_ID_MAX, &id)) != 0 ||
	    (rc = parse_filter(r, &f)) != 0)
		return rc;
	f.device = id;
	rc = flw_vulnsvc_findings(v, &f, &out, &r->diag);
	if (rc != FLW_ENOTFOUND)
		return rc != 0 ? rc : flwd_reply_json(r, 200, out);
	/* not in the assessment: enrolled since (none yet), or unknown (404) */
	flw_diag_clear(&r->diag);
	memset(&dev, 0, sizeof(dev));
	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_device_get(s, id, &dev, &r->diag)) != 0)
		return rc;
	flw_device_clear(&dev);
	return flwd_reply_json(r, 200, json_pack("{s:[],s:i}", "items", "total", 0));
}

static int decision(struct flwd_req *r, int accept)
{
	struct flw_vulnsvc_decision d;
	struct flw_vulnsvc *v = NULL;
	struct flw_store *s = NULL;
	struct flw_buf detail;
	struct flw_audit a;
	json_t *out = NULL;
	int audited = 0;
	int rc;

	snprintf(r->audit_object, sizeof(r->audit_object), "finding");
	if ((rc = service(r, &v)) != 0 ||
	    (rc = flw_vulnsvc_decision_parse(&d, accept, r->body.data, r->body.len, now_ms(),
	                                     &r->diag)) != 0)
		return rc;
	snprintf(r->audit_object, sizeof(r->audit_object), "finding:%s/%s/%.120s", d.device, d.cve,
	         d.component);
	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	body_detail(r, &detail);
	flwd_audit(r, &a, detail.len ? flw_buf_cstr(&detail) : NULL);
	if (accept)
		rc = flw_vulnsvc_accept(v, s, &d, r->token.name, &a, now_ms(), &out, &audited,
		                        &r->diag);
	else
		rc = flw_vulnsvc_revoke(v, s, &d, &a, now_ms(), &out, &audited, &r->diag);
	flw_buf_free(&detail);
	r->audited = audited;
	if (rc != 0)
		return rc;
	log_info("finding %s of '%s' (%s) %s by %s", d.cve, d.device, d.component,
	         accept ? "risk-accepted" : "acceptance revoked", r->actor);
	return flwd_reply_json(r, 200, out);
}

int flwd_h_finding_accept(struct flwd_req *r)
{
	return decision(r, 1);
}

int flwd_h_finding_revoke(struct flwd_req *r)
{
	return decision(r, 0);
}

/* ---- models ------------------------------------------------------------------------------ */

int flwd_h_model_list(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	json_t *items = NULL;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_model_list(s, &items, &r->diag)) != 0)
		return rc;
	return flwd_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* {"support_end": "YYYY-MM-DD" | null} -> inv.support_end ("" for null) */
static int parse_support_end(struct flwd_req *r, struct flw_inventory *inv)
{
	static const char *const keys[] = { "support_end", NULL };
	struct flw_json_limits lim = { 1024, 2 };
	const char *se = NULL;
	json_t *o = NULL;
	json_t *x;
	int rc;

	memset(inv, 0, sizeof(*inv));
	rc = flw_json_parse(&o, r->body.data, r->body.len, &lim, &r->diag);
	if (rc == 0 && !json_is_object(o))
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, NULL, "expected {\"support_end\": ...}");
	if (rc == 0)
		rc = flw_json_only_keys(o, keys, "", &r->diag);
	x = rc == 0 ? json_object_get(o, "support_end") : NULL;
	if (rc == 0 && !x)
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, "support_end",
		                  "field 'support_end' is missing (a date or null)");
	if (rc == 0 && !json_is_null(x)) {
		rc = flw_json_get_str(o, "support_end", &se, 64, 1, &r->diag);
		if (rc == 0 && !*se)
			rc = flw_diag_set(&r->diag, FLW_EFORMAT, "support_end",
			                  "'support_end': YYYY-MM-DD or null");
		if (rc == 0)
			snprintf(inv->support_end, sizeof(inv->support_end), "%.*s",
			         FLW_INV_DATE_MAX, se);
		if (rc == 0 && strlen(se) > FLW_INV_DATE_MAX)
			rc = flw_diag_set(&r->diag, FLW_EFORMAT, "support_end",
			                  "'support_end': YYYY-MM-DD");
	}
	if (rc == 0)
		rc = flw_inventory_check(inv, FLW_INV_F_SUPPORT_END, &r->diag);
	json_decref(o);
	return rc;
}

int flwd_h_model_put(struct flwd_req *r)
{
	struct flw_inventory inv;
	struct flw_store *s = NULL;
	struct flw_buf detail;
	struct flw_audit a;
	const char *hwid = NULL;
	int rc;

	if ((rc = param_id(r, FLW_TUF_HWID_MAX, &hwid)) != 0)
		return rc;
	snprintf(r->audit_object, sizeof(r->audit_object), "model:%s", hwid);
	if ((rc = parse_support_end(r, &inv)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		return rc;
	body_detail(r, &detail);
	flwd_audit(r, &a, detail.len ? flw_buf_cstr(&detail) : NULL);
	rc = flw_store_model_support_set(s, hwid, inv.support_end, &a, &r->diag);
	flw_buf_free(&detail);
	if (rc != 0)
		return rc;
	r->audited = 1;
	return flwd_reply_json(
	        r, 200,
	        json_pack("{s:s,s:o}", "hwid", hwid, "support_end",
	                  inv.support_end[0] ? json_string(inv.support_end) : json_null()));
}

/* ---- reports ----------------------------------------------------------------------------- */

static int parse_report_opts(struct flwd_req *r, struct flw_vulnsvc_report_opts *o)
{
	const char *fmt = flwd_query(r, "format");
	const char *ms = flwd_query(r, "min_share");
	uint64_t period = 0;
	uint64_t limit = 0;
	uint64_t offset = 0;
	int rc;

	flw_vulnsvc_report_opts_init(o);
	if ((rc = flwd_query_uint(r, "period", FLW_VULNSVC_PERIOD_DEFAULT, 3650ull * 86400,
	                          &period)) != 0 ||
	    (rc = flwd_query_uint(r, "limit", FLW_VULNSVC_REPORT_ITEMS,
	                          FLW_VULNSVC_REPORT_ITEMS_MAX, &limit)) != 0 ||
	    (rc = flwd_query_uint(r, "offset", 0, UINT32_MAX, &offset)) != 0)
		return rc;
	if (period == 0)
		return flw_diag_set(&r->diag, FLW_EFORMAT, "period",
		                    "query argument 'period': seconds, at least 1");
	if (ms && *ms) {
		char *end = NULL;
		double x;

		errno = 0;
		x = strtod(ms, &end);
		if (errno != 0 || *end != '\0' || !(x >= 0.0 && x <= 1.0) || ms[0] < '0' ||
		    ms[0] > '9')
			return flw_diag_set(&r->diag, FLW_EFORMAT, "min_share",
			                    "query argument 'min_share': a number 0..1");
		o->min_share = x;
	}
	if (fmt && *fmt && strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0)
		return flw_diag_set(&r->diag, FLW_EFORMAT, "format",
		                    "query argument 'format': json or csv");
	o->csv = fmt && strcmp(fmt, "csv") == 0;
	o->period_s = (int64_t)period;
	o->limit = (size_t)limit;
	o->offset = (size_t)offset;
	return 0;
}

int flwd_h_report_get(struct flwd_req *r)
{
	struct flw_vulnsvc_report_opts o;
	struct flw_vulnsvc *v = NULL;
	struct flw_store *s = NULL;
	struct flw_buf csv;
	json_t *out = NULL;
	int rc;

	if ((rc = service(r, &v)) != 0)
		return rc;
	if (!flw_vulnsvc_report_known(r->params[0]))
		return flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL,
		                    "no report '%.40s' (summary, mttp, deadlines, completeness, "
		                    "update-channel, kev-exposure, patch-queue, eol)",
		                    r->params[0] ? r->params[0] : "");
	if ((rc = parse_report_opts(r, &o)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		return rc;
	flw_buf_init(&csv, 256u * 1024u * 1024u);
	rc = flw_vulnsvc_report(v, s, r->params[0], &o, &out, &csv, &r->diag);
	if (rc == 0 && o.csv)
		rc = flwd_reply_bytes(r, 200, "text/csv; charset=utf-8",
		                      csv.data ? (const void *)csv.data : (const void *)"",
		                      csv.len);
	else if (rc == 0)
		rc = flwd_reply_json(r, 200, out);
	flw_buf_free(&csv);
	return rc;
}
