/* vuln/feed_cve5.c - CVE JSON 5 records (cvelistV5, CISA vulnrichment; VULNDATA 3)
 *
 * One record per file, or one per line (JSON lines, streamed; each line parsed on its own).
 * Maps cveMetadata, the CNA container (description, metrics, CWEs, references, affected) and
 * the ADP containers (CISA-ADP CVSS, SSVC under metrics[].other, KEV date, CWEs, affected with
 * CPEs) to one flw_vuln_record. "affected" handed to the matcher is the CNA entries followed
 * by the ADP ones. A record replaces an older copy by cveMetadata.dateUpdated (else
 * datePublished, else dateReserved).
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/json.h"
#include "vuln/feed_private.h"

struct cve5_metric_kind {
	const char *key;
};

static const struct cve5_metric_kind cve5_metrics[] = {
	{ "cvssV4_0" },
	{ "cvssV3_1" },
	{ "cvssV3_0" },
	{ "cvssV2_0" },
};

struct cve5_container {
	const json_t *obj;
	enum flw_vuln_origin origin;
	const char *source; /* providerMetadata.shortName */
	char path[32];      /* "containers.cna", "containers.adp[1]" */
	uint16_t from;      /* 0 cna, k + 1 adp[k] (flw_vuln_record.affected_from) */
};

static int cve5_other(struct flw_vuln_record *rec, const struct cve5_container *c,
                      const json_t *other, struct flw_diag *diag)
{
	const char *type = json_string_value(json_object_get(other, "type"));
	json_t *content = json_object_get(other, "content");
	json_t *options = NULL;
	int rc;

	if (!type || c->origin == FLW_VULN_ORIGIN_CNA)
		return 0; /* a CNA's own rating scheme: not ours to read */
	if (strcmp(type, "ssvc") == 0 && !rec->ssvc.present) {
		if (!json_is_object(content))
			return flw_diag_set(diag, FLW_EFORMAT, "other.content",
			                    "expected an object");
		if ((rc = flw_json_get_arr(content, "options", &options, 64, 1, diag)) != 0 ||
		    (rc = flw_feed__get_time(content, "timestamp", 0, &rec->ssvc.timestamp_ms,
		                             diag)) != 0)
			return rc;
		return flw_feed__ssvc_options(&rec->ssvc, options, "other.content.options", diag);
	}
	if (strcmp(type, "kev") == 0 && json_is_object(content))
		return flw_feed__get_time(content, "dateAdded", 0, &rec->kev_added_ms, diag);
	return 0;
}

static int cve5_metric(struct flw_vuln_record *rec, const struct cve5_container *c, const json_t *m,
                       struct flw_diag *diag)
{
	const json_t *v;
	size_t i;
	int rc;

	if (!json_is_object(m))
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "expected an object");
	for (i = 0; i < FLW_ARRAY_SIZE(cve5_metrics); i++) {
		v = json_object_get(m, cve5_metrics[i].key);
		if (!v)
			continue;
		rc = flw_feed__add_cvss(rec, v, NULL, c->origin, 0, c->source, cve5_metrics[i].key,
		                        diag);
		if (rc != 0)
			return rc;
	}
	v = json_object_get(m, "other");
	return json_is_object(v) ? cve5_other(rec, c, v, diag) : 0;
}

static int cve5_problem_types(struct flw_vuln_record *rec, const json_t *arr, struct flw_diag *diag)
{
	const json_t *pt;
	const json_t *d;
	const char *cwe;
	json_t *descs;
	size_t i;
	size_t j;
	int rc;

	if (!json_is_array(arr))
		return flw_diag_set(diag, FLW_EFORMAT, "problemTypes", "expected an array");
	json_array_foreach(arr, i, pt)
	{
		descs = json_object_get(pt, "descriptions");
		if (!json_is_array(descs))
			return flw_diag_set(diag, FLW_EFORMAT, "problemTypes",
			                    "problemTypes[%zu]: expected descriptions", i);
		json_array_foreach(descs, j, d)
		{
			if (!json_object_get(d, "cweId"))
				continue;
			cwe = json_string_value(json_object_get(d, "cweId"));
			if (!cwe || strncmp(cwe, "CWE-", 4) != 0 || strlen(cwe) > 32)
				return flw_diag_set(diag, FLW_EFORMAT, "problemTypes",
				                    "problemTypes[%zu]: bad cweId", i);
			rc = flw_feed__add_cwe(&rec->cwes, &rec->n_cwes, cwe, diag);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* Record that the next n affected entries come from container `from` (for report paths). */
static int cve5_affected_from(struct flw_vuln_record *rec, size_t n, uint16_t from)
{
	size_t have = json_array_size(rec->affected_json);
	uint16_t *f;
	size_t i;

	if (n == 0)
		return 0;
	f = flw_reallocarray(rec->affected_from, have + n, sizeof(*f));
	if (!f)
		return FLW_ENOMEM;
	rec->affected_from = f;
	for (i = 0; i < n; i++)
		f[have + i] = from;
	return 0;
}

static int cve5_lists(struct flw_vuln_record *rec, const struct cve5_container *c,
                      struct flw_diag *diag)
{
	json_t *v = NULL;
	size_t i;
	const json_t *m;
	int rc = 0;

	if ((v = json_object_get(c->obj, "metrics")) != NULL) {
		if (!json_is_array(v))
			return flw_diag_set(diag, FLW_EFORMAT, "metrics", "expected an array");
		json_array_foreach(v, i, m)
		{
			rc = cve5_metric(rec, c, m, diag);
			if (rc != 0)
				return rc;
		}
	}
	if ((v = json_object_get(c->obj, "problemTypes")) != NULL &&
	    (rc = cve5_problem_types(rec, v, diag)) != 0)
		return rc;
	rc = flw_json_get_arr(c->obj, "references", &v, 0, 0, diag);
	if (rc == 0)
		rec->n_references += json_array_size(v);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	rc = flw_json_get_arr(c->obj, "affected", &v, 0, 0, diag);
	if (rc == 0 && !rec->affected_json && !(rec->affected_json = json_array()))
		return FLW_ENOMEM;
	if (rc == 0)
		rc = cve5_affected_from(rec, json_array_size(v), c->from);
	if (rc == 0 && json_array_extend(rec->affected_json, v) != 0)
		return FLW_ENOMEM;
	return rc == FLW_ENOTFOUND ? 0 : rc;
}

static int cve5_container_init(struct cve5_container *c, const json_t *obj, int adp, size_t i,
                               struct flw_diag *diag)
{
	const json_t *pm;
	const char *org;

	if (adp)
		snprintf(c->path, sizeof(c->path), "containers.adp[%zu]", i);
	else
		snprintf(c->path, sizeof(c->path), "containers.cna");
	c->from = (uint16_t)(adp ? i + 1 : 0); /* i < 1000: flw_json_get_arr caps adp */
	if (!json_is_object(obj))
		return flw_diag_set(diag, FLW_EFORMAT, c->path, "expected an object");
	pm = json_object_get(obj, "providerMetadata");
	c->obj = obj;
	c->source = json_string_value(json_object_get(pm, "shortName"));
	if (!c->source || strlen(c->source) > FLW_FEED_MAX_STR)
		c->source = "";
	org = json_string_value(json_object_get(pm, "orgId"));
	c->origin = !adp                                        ? FLW_VULN_ORIGIN_CNA
	            : org && strcmp(org, FEED_CISA_ADP_ID) == 0 ? FLW_VULN_ORIGIN_CISA_ADP
	                                                        : FLW_VULN_ORIGIN_ADP;
	return 0;
}

static int cve5_containers(struct flw_vuln_record *rec, const json_t *containers,
                           struct flw_diag *diag)
{
	struct cve5_container c;
	json_t *cna = NULL;
	json_t *adps = NULL;
	json_t *descs = NULL;
	const json_t *adp;
	size_t i;
	int rc;

	if ((rc = flw_json_get_obj(containers, "cna", &cna, 1, diag)) != 0 ||
	    (rc = cve5_container_init(&c, cna, 0, 0, diag)) != 0)
		return rc;
	rc = flw_json_get_arr(cna, "descriptions", &descs, FLW_FEED_MAX_ITEMS, 0, diag);
	if (rc == 0)
		rc = flw_feed__english(descs, "descriptions", &rec->description, diag);
	if ((rc != 0 && rc != FLW_ENOTFOUND) || (rc = cve5_lists(rec, &c, diag)) != 0) {
		flw_feed__path_prefix(diag, c.path);
		return rc;
	}
	rc = flw_json_get_arr(containers, "adp", &adps, 1000, 0, diag);
	if (rc != 0)
		return rc == FLW_ENOTFOUND ? 0 : rc;
	json_array_foreach(adps, i, adp)
	{
		if ((rc = cve5_container_init(&c, adp, 1, i, diag)) != 0)
			return rc;
		if ((rc = cve5_lists(rec, &c, diag)) != 0) {
			flw_feed__path_prefix(diag, c.path);
			return rc;
		}
	}
	return 0;
}

static int cve5_meta(struct flw_vuln_record *rec, const json_t *meta, struct flw_diag *diag)
{
	const char *state = NULL;
	int64_t reserved = 0;
	int rc;

	if ((rc = flw_feed__get_id(meta, "cveId", rec->id, diag)) != 0 ||
	    (rc = flw_json_get_str(meta, "state", &state, 16, 1, diag)) != 0 ||
	    (rc = flw_feed__get_time(meta, "datePublished", 0, &rec->published_ms, diag)) != 0 ||
	    (rc = flw_feed__get_time(meta, "dateUpdated", 0, &rec->last_modified_ms, diag)) != 0 ||
	    (rc = flw_feed__get_time(meta, "dateReserved", 0, &reserved, diag)) != 0) {
		flw_feed__path_prefix(diag, "cveMetadata");
		return rc;
	}
	if (strcmp(state, "PUBLISHED") == 0)
		rec->status = FLW_VULN_STATUS_PUBLISHED;
	else if (strcmp(state, "REJECTED") == 0)
		rec->status = FLW_VULN_STATUS_REJECTED;
	else
		return flw_diag_set(diag, FLW_EFORMAT, "cveMetadata.state", "unknown state '%s'",
		                    state);
	if (!rec->last_modified_ms)
		rec->last_modified_ms = rec->published_ms ? rec->published_ms : reserved;
	if (!rec->last_modified_ms)
		return flw_diag_set(diag, FLW_EFORMAT, "cveMetadata.dateUpdated",
		                    "record has no date to order updates by");
	return 0;
}

static int cve5_record(const json_t *doc, struct flw_vuln_record **out, struct flw_diag *diag)
{
	struct flw_vuln_record *rec = NULL;
	const char *s = NULL;
	json_t *meta = NULL;
	json_t *containers = NULL;
	int rc;

	if (!json_is_object(doc))
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "expected a CVE record object");
	if ((rc = flw_json_get_str(doc, "dataType", &s, 32, 1, diag)) != 0)
		return rc;
	if (strcmp(s, "CVE_RECORD") != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "dataType", "'%s' is not CVE_RECORD", s);
	if ((rc = flw_json_get_str(doc, "dataVersion", &s, 16, 1, diag)) != 0)
		return rc;
	if (strncmp(s, "5.", 2) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "dataVersion", "version '%s' is not 5.x", s);
	if ((rc = flw_json_get_obj(doc, "cveMetadata", &meta, 1, diag)) != 0 ||
	    (rc = flw_json_get_obj(doc, "containers", &containers, 1, diag)) != 0)
		return rc;
	rec = flw_calloc(1, sizeof(*rec));
	if (!rec)
		return FLW_ENOMEM;
	rec->source = FLW_VULN_SOURCE_CVE5;
	if ((rc = cve5_meta(rec, meta, diag)) != 0 ||
	    (rc = cve5_containers(rec, containers, diag)) != 0)
		goto out;
	*out = rec;
	rec = NULL;
out:
	flw_feed__record_free(rec);
	return rc;
}

static int cve5_one(struct feed_ctx *ctx, const char *p, size_t n, size_t index)
{
	return flw_feed__import_record(ctx, (const unsigned char *)p, n, index, cve5_record,
	                               "cveId");
}

static int cve5_line(void *payload, const char *line, size_t n, size_t lineno)
{
	size_t i;

	for (i = 0; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == n)
		return 0; /* empty line */
	return cve5_one(payload, line, n, lineno);
}

/* a single-record file: collected whole (bounded), then parsed as one record */
static int cve5_collect(void *sink, const unsigned char *p, size_t n, struct flw_diag *diag)
{
	struct flw_buf *b = sink;
	int rc = flw_buf_append(b, p, n);

	if (rc == FLW_ELIMIT)
		return flw_diag_set(diag, rc, NULL, "record larger than %zu bytes",
		                    (size_t)FLW_FEED_MAX_RECORD_BYTES);
	return rc;
}

int flw_feed__cve5_run(struct feed_ctx *ctx, const char *path, const void *mem, size_t len,
                       int lines, struct flw_diag *diag)
{
	struct feed_lines l;
	struct flw_buf b;
	int rc;

	if (lines) {
		flw_feed__lines_init(&l, ctx, FLW_FEED_MAX_RECORD_BYTES, cve5_line, ctx);
		rc = flw_feed__stream(ctx, path, mem, len, FLW_FEED_CVE5_MAX_FILE_BYTES,
		                      flw_feed__lines_push, flw_feed__lines_finish, &l, diag);
		flw_feed__lines_done(&l);
		return rc;
	}
	flw_buf_init(&b, FLW_FEED_MAX_RECORD_BYTES);
	rc = flw_feed__stream(ctx, path, mem, len, FLW_FEED_MAX_RECORD_BYTES, cve5_collect, NULL,
	                      &b, diag);
	if (rc == 0)
		rc = cve5_one(ctx, b.len ? (const char *)b.data : "", b.len, 0);
	flw_buf_free(&b);
	flw_feed__progress(ctx, 1);
	return rc;
}
