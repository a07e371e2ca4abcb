/* vuln/feed_kev.c - the CISA Known Exploited Vulnerabilities catalogue (VULNDATA 7)
 *
 * Entries are streamed out of "vulnerabilities" and checked against the schema's eight
 * required fields, then held until the end of the file: an entry has no date of its own, so
 * it replaces an older copy by the catalogue's dateReleased, which is only known once the
 * whole envelope is read. A catalogue whose envelope is broken imports nothing.
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/json.h"
#include "vuln/feed_private.h"

struct kev_run {
	struct feed_ctx *ctx;
	struct flw_vuln_kev **held;
	size_t n_held;
	size_t cap_held;
};

/* required by the schema; kept or only checked */
static const char *const kev_required_text[] = { "shortDescription", "requiredAction" };

static int kev_cwes(struct flw_vuln_kev *k, const json_t *e, struct flw_diag *diag)
{
	json_t *arr = NULL;
	const json_t *c;
	const char *s;
	size_t i;
	int rc = flw_json_get_arr(e, "cwes", &arr, FLW_FEED_MAX_ITEMS, 0, diag);

	if (rc != 0)
		return rc == FLW_ENOTFOUND ? 0 : rc;
	json_array_foreach(arr, i, c)
	{
		s = json_string_value(c);
		if (!s || strncmp(s, "CWE-", 4) != 0 || strlen(s) > 32)
			return flw_diag_set(diag, FLW_EFORMAT, "cwes", "cwes[%zu]: expected CWE-n",
			                    i);
		rc = flw_feed__add_cwe(&k->cwes, &k->n_cwes, s, diag);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int kev_ransomware(struct flw_vuln_kev *k, const json_t *e, struct flw_diag *diag)
{
	const char *s = NULL;
	int rc = flw_json_get_str(e, "knownRansomwareCampaignUse", &s, 16, 0, diag);

	if (rc == FLW_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (strcmp(s, "Known") == 0)
		k->ransomware = FLW_KEV_RANSOMWARE_KNOWN;
	else if (strcmp(s, "Unknown") != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "knownRansomwareCampaignUse",
		                    "'%s' is neither Known nor Unknown", s);
	return 0;
}

static int kev_entry(const json_t *e, struct flw_vuln_kev **out, struct flw_diag *diag)
{
	struct flw_vuln_kev *k = NULL;
	const char *s = NULL;
	size_t i;
	int rc;

	if (!json_is_object(e))
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "expected an object");
	k = flw_calloc(1, sizeof(*k));
	if (!k)
		return FLW_ENOMEM;
	if ((rc = flw_feed__get_id(e, "cveID", k->id, diag)) != 0 ||
	    (rc = flw_feed__get_strdup(e, "vendorProject", FLW_FEED_MAX_STR, 1, &k->vendor_project,
	                               diag)) != 0 ||
	    (rc = flw_feed__get_strdup(e, "product", FLW_FEED_MAX_STR, 1, &k->product, diag)) !=
	            0 ||
	    (rc = flw_feed__get_strdup(e, "vulnerabilityName", FLW_FEED_MAX_STR, 1, &k->name,
	                               diag)) != 0 ||
	    (rc = flw_feed__get_time(e, "dateAdded", 1, &k->date_added_ms, diag)) != 0 ||
	    (rc = flw_feed__get_time(e, "dueDate", 1, &k->due_date_ms, diag)) != 0 ||
	    (rc = kev_ransomware(k, e, diag)) != 0 || (rc = kev_cwes(k, e, diag)) != 0)
		goto out;
	for (i = 0; i < FLW_ARRAY_SIZE(kev_required_text); i++) {
		rc = flw_json_get_str(e, kev_required_text[i], &s, FLW_FEED_MAX_TEXT, 1, diag);
		if (rc != 0)
			goto out;
	}
	rc = flw_json_get_str(e, "notes", &s, FLW_FEED_MAX_TEXT, 0, diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		goto out;
	rc = 0;
	*out = k;
	k = NULL;
out:
	flw_feed__kev_free(k);
	return rc;
}

static int kev_hold(struct kev_run *r, struct flw_vuln_kev *k)
{
	struct flw_vuln_kev **v;
	size_t cap;

	if (r->n_held == r->cap_held) {
		cap = r->cap_held ? r->cap_held * 2 : 256;
		v = flw_reallocarray(r->held, cap, sizeof(*v));
		if (!v) {
			flw_feed__kev_free(k);
			return FLW_ENOMEM;
		}
		r->held = v;
		r->cap_held = cap;
	}
	r->held[r->n_held++] = k;
	return 0;
}

static int kev_elem(void *payload, const unsigned char *p, size_t n, size_t index)
{
	struct kev_run *r = payload;
	struct flw_vuln_kev *k = NULL;
	struct flw_diag d;
	json_t *e = NULL;
	char id[FLW_CVE_ID_MAX + 1];
	int rc = flw_feed__record_seen(r->ctx, NULL);

	if (rc != 0)
		return rc;
	flw_diag_clear(&d);
	rc = flw_json_parse(&e, p, n, &flw_feed__json_limits, &d);
	if (rc == 0)
		rc = kev_entry(e, &k, &d);
	json_decref(e);
	if (rc == 0)
		return kev_hold(r, k);
	if (rc == FLW_ENOMEM)
		return rc;
	flw_feed__guess_id(p, n, "cveID", id);
	flw_feed__report(r->ctx, id, index, &d);
	return 0;
}

/* catalogue header: stamps every held entry, then gives them to the set */
static int kev_commit(struct kev_run *r, const json_t *env, struct flw_diag *diag)
{
	const char *version = NULL;
	int64_t released = 0;
	int64_t count = 0;
	size_t i;
	int rc;

	if ((rc = flw_json_get_str(env, "catalogVersion", &version, 31, 1, diag)) != 0 ||
	    (rc = flw_feed__get_time(env, "dateReleased", 1, &released, diag)) != 0 ||
	    (rc = flw_json_get_int(env, "count", &count, 0, INT64_MAX, 1, diag)) != 0)
		return rc;
	for (i = 0; i < r->n_held; i++) {
		r->held[i]->catalog_released_ms = released;
		snprintf(r->held[i]->catalog_version, sizeof(r->held[i]->catalog_version), "%s",
		         version);
	}
	for (i = 0; rc == 0 && i < r->n_held; i++) {
		rc = flw_feed__put_kev(r->ctx, r->held[i]);
		r->held[i] = NULL; /* the set owns or freed it */
	}
	return rc;
}

static int kev_finish(void *sink, struct flw_diag *diag)
{
	struct feed_split *s = sink;
	json_t *env = NULL;
	int rc = flw_feed__split_finish(s, &env, diag);

	if (rc == 0)
		rc = kev_commit(s->payload, env, diag);
	json_decref(env);
	return rc;
}

int flw_feed__kev_run(struct feed_ctx *ctx, const char *path, const void *mem, size_t len,
                      struct flw_diag *diag)
{
	struct kev_run r = { ctx, NULL, 0, 0 };
	struct feed_split split;
	size_t i;
	int rc;

	flw_feed__split_init(&split, ctx, "vulnerabilities", kev_elem, NULL, &r);
	rc = flw_feed__stream(ctx, path, mem, len, FLW_FEED_KEV_MAX_FILE_BYTES,
	                      flw_feed__split_push, kev_finish, &split, diag);
	flw_feed__split_done(&split);
	for (i = 0; i < r.n_held; i++)
		flw_feed__kev_free(r.held[i]);
	flw_free(r.held);
	return rc;
}
