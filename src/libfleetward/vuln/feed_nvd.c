/* vuln/feed_nvd.c - NVD CVE API 2.0 responses (VULNDATA 1)
 *
 * The response envelope is streamed: feed_split cuts the elements of "vulnerabilities" out one
 * by one, each {"cve": {...}} is parsed on its own (bounded), mapped to a flw_vuln_record and
 * given to the set. Unknown keys are ignored (NVD keeps adding blocks); known keys with the
 * wrong type or an unparseable value make the record malformed. Metrics are kept per source;
 * NVD's own are recognised by source "nvd@nist.gov", not by "type" (CVE-2023-28771).
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/json.h"
#include "vuln/feed_private.h"

struct nvd_metric_kind {
	const char *key;
	int has_sev_outside; /* v2: baseSeverity next to cvssData */
};

static const struct nvd_metric_kind nvd_metrics[] = {
	{ "cvssMetricV40", 0 },
	{ "cvssMetricV31", 0 },
	{ "cvssMetricV30", 0 },
	{ "cvssMetricV2", 1 },
};

static enum flw_vuln_origin origin_of(const char *source)
{
	if (strcmp(source, FEED_NVD_SOURCE) == 0)
		return FLW_VULN_ORIGIN_NVD;
	if (strcmp(source, FEED_CISA_ADP_ID) == 0)
		return FLW_VULN_ORIGIN_CISA_ADP;
	return FLW_VULN_ORIGIN_CNA;
}

static int nvd_metric(struct flw_vuln_record *rec, const json_t *m, const char *path, int sev_out,
                      struct flw_diag *diag)
{
	const char *source = "";
	const char *type = NULL;
	json_t *data = NULL;
	int rc = FLW_EFORMAT;

	if (!json_is_object(m))
		return flw_diag_set(diag, FLW_EFORMAT, path, "expected an object");
	rc = flw_json_get_str(m, "source", &source, FLW_FEED_MAX_STR, 1, diag);
	if (rc == 0) {
		rc = flw_json_get_str(m, "type", &type, 16, 0, diag);
		rc = rc == FLW_ENOTFOUND ? 0 : rc;
	}
	if (rc == 0)
		rc = flw_json_get_obj(m, "cvssData", &data, 1, diag);
	if (rc != 0) {
		if (diag)
			snprintf(diag->path, sizeof(diag->path), "%s", path);
		return rc;
	}
	return flw_feed__add_cvss(rec, data, sev_out ? m : NULL, origin_of(source),
	                          type && strcmp(type, "Primary") == 0, source, path, diag);
}

static int nvd_ssvc(struct flw_vuln_record *rec, const json_t *arr, struct flw_diag *diag)
{
	const json_t *first;
	json_t *data = NULL;
	json_t *options = NULL;
	int rc;

	if (!json_is_array(arr))
		return flw_diag_set(diag, FLW_EFORMAT, "metrics.ssvcV203", "expected an array");
	first = json_array_get(arr, 0);
	if (!first)
		return 0;
	if (!json_is_object(first) ||
	    (rc = flw_json_get_obj(first, "ssvcData", &data, 1, diag)) != 0 ||
	    (rc = flw_json_get_arr(data, "options", &options, 64, 1, diag)) != 0 ||
	    (rc = flw_feed__get_time(data, "timestamp", 0, &rec->ssvc.timestamp_ms, diag)) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "metrics.ssvcV203[0]", "malformed SSVC");
	return flw_feed__ssvc_options(&rec->ssvc, options, "metrics.ssvcV203[0].options", diag);
}

static int nvd_metrics_parse(struct flw_vuln_record *rec, const json_t *metrics,
                             struct flw_diag *diag)
{
	char path[FLW_DIAG_PATH_MAX];
	const json_t *arr;
	const json_t *m;
	size_t i;
	size_t j;
	int rc;

	if (!json_is_object(metrics))
		return flw_diag_set(diag, FLW_EFORMAT, "metrics", "expected an object");
	for (i = 0; i < FLW_ARRAY_SIZE(nvd_metrics); i++) {
		arr = json_object_get(metrics, nvd_metrics[i].key);
		if (!arr)
			continue;
		if (!json_is_array(arr))
			return flw_diag_set(diag, FLW_EFORMAT, nvd_metrics[i].key,
			                    "expected an array");
		json_array_foreach(arr, j, m)
		{
			snprintf(path, sizeof(path), "metrics.%s[%zu]", nvd_metrics[i].key, j);
			rc = nvd_metric(rec, m, path, nvd_metrics[i].has_sev_outside, diag);
			if (rc != 0)
				return rc;
		}
	}
	arr = json_object_get(metrics, "ssvcV203");
	return arr ? nvd_ssvc(rec, arr, diag) : 0;
}

static int cwe_ok(const char *s)
{
	return strncmp(s, "CWE-", 4) == 0 || strncmp(s, "NVD-CWE-", 8) == 0;
}

static int nvd_weaknesses(struct flw_vuln_record *rec, const json_t *arr, struct flw_diag *diag)
{
	const json_t *w;
	const json_t *d;
	json_t *descs = NULL;
	const char *v = NULL;
	size_t i;
	size_t j;
	int rc;

	if (!json_is_array(arr))
		return flw_diag_set(diag, FLW_EFORMAT, "weaknesses", "expected an array");
	json_array_foreach(arr, i, w)
	{
		if (!json_is_object(w) ||
		    flw_json_get_arr(w, "description", &descs, FLW_FEED_MAX_ITEMS, 1, diag) != 0)
			return flw_diag_set(diag, FLW_EFORMAT, "weaknesses",
			                    "malformed weakness %zu", i);
		json_array_foreach(descs, j, d)
		{
			if (!json_is_object(d) ||
			    flw_json_get_str(d, "value", &v, 64, 1, diag) != 0 || !cwe_ok(v))
				return flw_diag_set(diag, FLW_EFORMAT, "weaknesses",
				                    "weakness %zu: expected CWE ids", i);
			rc = flw_feed__add_cwe(&rec->cwes, &rec->n_cwes, v, diag);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* NVD "affected": [{source, affectedData: [<CVE 5 affected entries>]}] -> one flat array */
static int nvd_affected(struct flw_vuln_record *rec, const json_t *arr, struct flw_diag *diag)
{
	const json_t *a;
	json_t *data = NULL;
	size_t i;

	if (!json_is_array(arr))
		return flw_diag_set(diag, FLW_EFORMAT, "affected", "expected an array");
	rec->affected_json = json_array();
	if (!rec->affected_json)
		return FLW_ENOMEM;
	json_array_foreach(arr, i, a)
	{
		if (!json_is_object(a) ||
		    flw_json_get_arr(a, "affectedData", &data, FLW_FEED_MAX_ITEMS, 1, diag) != 0)
			return flw_diag_set(diag, FLW_EFORMAT, "affected",
			                    "affected[%zu]: expected affectedData", i);
		if (json_array_extend(rec->affected_json, data) != 0)
			return FLW_ENOMEM;
	}
	return 0;
}

static int nvd_status(struct flw_vuln_record *rec, const json_t *cve, struct flw_diag *diag)
{
	const char *s = NULL;
	int st;
	int rc = flw_json_get_str(cve, "vulnStatus", &s, 64, 1, diag);

	if (rc != 0)
		return rc;
	st = flw_vuln_status_from_string(s);
	if (st < 0 || st == FLW_VULN_STATUS_PUBLISHED)
		return flw_diag_set(diag, FLW_EFORMAT, "vulnStatus", "unknown status '%s'", s);
	rec->status = (enum flw_vuln_status)st;
	return 0;
}

static int nvd_lists(struct flw_vuln_record *rec, const json_t *cve, struct flw_diag *diag)
{
	json_t *v = NULL;
	int rc;

	rc = flw_json_get_arr(cve, "descriptions", &v, FLW_FEED_MAX_ITEMS, 1, diag);
	if (rc == 0)
		rc = flw_feed__english(v, "descriptions", &rec->description, diag);
	if (rc == 0 && (v = json_object_get(cve, "metrics")) != NULL)
		rc = nvd_metrics_parse(rec, v, diag);
	if (rc == 0 && (v = json_object_get(cve, "weaknesses")) != NULL)
		rc = nvd_weaknesses(rec, v, diag);
	if (rc == 0 && (rc = flw_json_get_arr(cve, "references", &v, 0, 0, diag)) == 0)
		rec->n_references = json_array_size(v);
	else if (rc == FLW_ENOTFOUND)
		rc = 0;
	if (rc == 0 && (rc = flw_json_get_arr(cve, "configurations", &v, 0, 0, diag)) == 0)
		rec->config_json = json_incref(v);
	else if (rc == FLW_ENOTFOUND)
		rc = 0;
	if (rc == 0 && (v = json_object_get(cve, "affected")) != NULL)
		rc = nvd_affected(rec, v, diag);
	return rc;
}

static int nvd_record(const json_t *elem, struct flw_vuln_record **out, struct flw_diag *diag)
{
	struct flw_vuln_record *rec = NULL;
	json_t *cve = NULL;
	int rc;

	if (!json_is_object(elem))
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "expected {\"cve\": {...}}");
	rc = flw_json_get_obj(elem, "cve", &cve, 1, diag);
	if (rc != 0)
		return rc;
	rec = flw_calloc(1, sizeof(*rec));
	if (!rec)
		return FLW_ENOMEM;
	rec->source = FLW_VULN_SOURCE_NVD;
	if ((rc = flw_feed__get_id(cve, "id", rec->id, diag)) != 0 ||
	    (rc = flw_feed__get_time(cve, "published", 1, &rec->published_ms, diag)) != 0 ||
	    (rc = flw_feed__get_time(cve, "lastModified", 1, &rec->last_modified_ms, diag)) != 0 ||
	    (rc = nvd_status(rec, cve, diag)) != 0 || (rc = nvd_lists(rec, cve, diag)) != 0 ||
	    (rc = flw_feed__get_time(cve, "cisaExploitAdd", 0, &rec->kev_added_ms, diag)) != 0 ||
	    (rc = flw_feed__get_time(cve, "cisaActionDue", 0, &rec->kev_due_ms, diag)) != 0)
		goto out;
	*out = rec;
	rec = NULL;
out:
	flw_feed__record_free(rec);
	return rc;
}

/* one element of "vulnerabilities" */
static int nvd_elem(void *payload, const unsigned char *p, size_t n, size_t index)
{
	return flw_feed__import_record(payload, p, n, index, nvd_record, "id");
}

static int nvd_envelope(void *payload, const json_t *env, struct flw_diag *diag)
{
	struct feed_ctx *ctx = payload;
	const char *s = NULL;
	int rc = flw_json_get_str(env, "format", &s, 32, 0, diag);

	if (rc == 0 && strcmp(s, "NVD_CVE") != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "format", "'%s' is not NVD_CVE", s);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	rc = flw_json_get_str(env, "version", &s, 32, 0, diag);
	if (rc == 0 && strncmp(s, "2.", 2) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "version", "API version '%s' is not 2.x", s);
	(void)ctx;
	return rc == FLW_ENOTFOUND ? 0 : rc;
}

static int nvd_finish(void *sink, struct flw_diag *diag)
{
	struct feed_split *s = sink;
	json_t *env = NULL;
	int rc = flw_feed__split_finish(s, &env, diag);

	if (rc == 0)
		rc = nvd_envelope(s->payload, env, diag);
	json_decref(env);
	return rc;
}

int flw_feed__nvd_run(struct feed_ctx *ctx, const char *path, const void *mem, size_t len,
                      struct flw_diag *diag)
{
	struct feed_split split;
	int rc;

	flw_feed__split_init(&split, ctx, "vulnerabilities", nvd_elem, nvd_envelope, ctx);
	rc = flw_feed__stream(ctx, path, mem, len, FLW_FEED_NVD_MAX_FILE_BYTES,
	                      flw_feed__split_push, nvd_finish, &split, diag);
	flw_feed__split_done(&split);
	return rc;
}
