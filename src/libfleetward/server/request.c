/* src/libfleetward/server/request.c - request bodies of the device and management APIs
 * (include/fleetward/request.h): bytes in, validated struct or FLW_E* with diag out
 *
 * Pure: no HTTP, no store, no clock (callers pass now). Every body goes through
 * flw_json_parse() with the API's size limit and FLW_REQ_MAX_DEPTH, then an allowlist of keys
 * per object, then typed getters with per-field limits. A required field that is absent is
 * malformed input (FLW_EFORMAT); an optional one that is absent keeps its default. Device
 * signatures are not checked while parsing: flw_req_verify_signed() does that, default-deny.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/cpe.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/request.h"

#define ID_RULE "[A-Za-z0-9._:-], not starting with '.' or '-'"

/* ---- shared helpers ---------------------------------------------------------------------- */

/* The body as a JSON object with only the allowed keys; *out gets a new reference. */
static int body_object(json_t **out, const void *body, size_t len, size_t max,
                       const char *const *keys, struct flw_diag *diag)
{
	struct flw_json_limits lim = { max, FLW_REQ_MAX_DEPTH };
	json_t *v = NULL;
	int rc;

	if (len == 0)
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "a JSON body is required");
	rc = flw_json_parse(&v, body, len, &lim, diag);
	if (rc != 0)
		return rc;
	if (!json_is_object(v)) {
		json_decref(v);
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "the body must be a JSON object");
	}
	rc = flw_json_only_keys(v, keys, "", diag);
	if (rc != 0) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* Absent optional fields are fine: FLW_ENOTFOUND -> 0 (the output keeps its default). */
static int optional(int rc)
{
	return rc == FLW_ENOTFOUND ? 0 : rc;
}

/* A required field that is absent is malformed input. */
static int required(int rc)
{
	return rc == FLW_ENOTFOUND ? FLW_EFORMAT : rc;
}

/* An identifier field (device id, group, token name: at most max <= FLW_ID_MAX characters)
 * copied into out[max + 1]. FLW_ENOTFOUND when absent and not required. */
static int get_id_max(const json_t *o, const char *key, const char *path, size_t max, int req,
                      char *out, struct flw_diag *diag)
{
	const char *v = NULL;
	int rc = flw_json_get_str(o, key, &v, max, req, diag);

	if (req)
		rc = required(rc);
	if (rc == FLW_ELIMIT || (rc == 0 && !flw_id_ok(v)))
		return flw_diag_set(diag, FLW_EFORMAT, path, "field '%s': at most %zu of " ID_RULE,
		                    key, max);
	if (rc == 0)
		memcpy(out, v, strlen(v) + 1);
	return rc;
}

static int get_id(const json_t *o, const char *key, const char *path, int req, char *out,
                  struct flw_diag *diag)
{
	return get_id_max(o, key, path, FLW_ID_MAX, req, out, diag);
}

/* A string field of at most max bytes copied into out[max + 1] (absent: untouched). */
static int get_text(const json_t *o, const char *key, size_t max, int req, char *out,
                    struct flw_diag *diag)
{
	const char *v = NULL;
	int rc = flw_json_get_str(o, key, &v, max, req, diag);

	if (rc == 0)
		memcpy(out, v, strlen(v) + 1);
	return req ? required(rc) : optional(rc);
}

/* An optional array of ids -> borrowed pointers (the array is new, flw_free it). */
static int get_ids(const json_t *o, const char *key, const char ***out, size_t *n_out,
                   struct flw_diag *diag)
{
	json_t *arr = NULL;
	json_t *v;
	size_t i;
	int rc;

	rc = flw_json_get_arr(o, key, &arr, FLW_REQ_IDS_MAX, 0, diag);
	if (rc != 0)
		return optional(rc);
	*out = flw_calloc(json_array_size(arr) + 1, sizeof(**out));
	if (!*out)
		return FLW_ENOMEM;
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(v);

		if (!s || !flw_id_ok(s))
			return flw_diag_set(diag, FLW_EFORMAT, key,
			                    "field '%s'[%zu]: expected a device id", key, i);
		(*out)[i] = s;
	}
	*n_out = json_array_size(arr);
	return 0;
}

static int get_hex(const json_t *o, const char *key, const char *path, unsigned char *out, size_t n,
                   struct flw_diag *diag)
{
	const char *v = NULL;
	int rc = required(flw_json_get_str(o, key, &v, 2 * n, 1, diag));

	if (rc == FLW_ELIMIT || (rc == 0 && (strlen(v) != 2 * n || flw_hex_decode(out, n, v) != 0)))
		return flw_diag_set(diag, FLW_EFORMAT, path, "field '%s': expected %zu hex digits",
		                    key, 2 * n);
	return rc;
}

/* ---- device API: signed requests --------------------------------------------------------- */

static const char *const signed_env_keys[] = { "signed", "signature", NULL };
static const char *const enroll_keys[] = { "device_id",        "hardware_id", "public_key",
	                                   "enrollment_token", "time",        NULL };
static const char *const auth_keys[] = { "device_id", "time", NULL };

void flw_req_signed_clear(struct flw_req_signed *r)
{
	if (!r)
		return;
	flw_buf_free(&r->canon);
	memset(r, 0, sizeof(*r));
}

/* Envelope and the fields every signed request has; *signed_out is borrowed from *doc_out. */
static int parse_signed(struct flw_req_signed *sg, json_t **doc_out, json_t **signed_out,
                        const void *body, size_t len, const char *const *allowed,
                        struct flw_diag *diag)
{
	int rc;

	flw_buf_init(&sg->canon, FLW_DEVICE_BODY_MAX);
	if ((rc = body_object(doc_out, body, len, FLW_DEVICE_BODY_MAX, signed_env_keys, diag)) !=
	            0 ||
	    (rc = required(flw_json_get_obj(*doc_out, "signed", signed_out, 1, diag))) != 0 ||
	    (rc = flw_json_only_keys(*signed_out, allowed, "signed", diag)) != 0 ||
	    (rc = get_hex(*doc_out, "signature", "signature", sg->sig, sizeof(sg->sig), diag)) !=
	            0 ||
	    (rc = get_id(*signed_out, "device_id", "signed.device_id", 1, sg->device_id, diag)) !=
	            0 ||
	    (rc = required(
	             flw_json_get_int(*signed_out, "time", &sg->time, 0, INT64_MAX, 1, diag))) != 0)
		return rc;
	rc = flw_json_canonical(&sg->canon, *signed_out, diag);
	if (rc != 0 && rc != FLW_ENOMEM)
		rc = flw_diag_set(diag, FLW_EFORMAT, "signed", "cannot canonicalise 'signed'");
	return rc;
}

int flw_req_parse_auth(struct flw_req_signed *out, const void *body, size_t len,
                       struct flw_diag *diag)
{
	json_t *doc = NULL;
	json_t *so = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_signed(out, &doc, &so, body, len, auth_keys, diag);
	if (rc != 0)
		flw_req_signed_clear(out);
	json_decref(doc);
	return rc;
}

int flw_req_verify_signed(const struct flw_req_signed *r,
                          const unsigned char pk[FLW_ED25519_PK_BYTES], time_t now,
                          struct flw_diag *diag)
{
	int rc = FLW_EAUTH; /* default-deny */

	if (r->canon.len == 0 || flw_ed25519_verify(r->sig, r->canon.data, r->canon.len, pk) != 0) {
		flw_diag_set(diag, FLW_EAUTH, "signature",
		             "signature does not verify with the device key");
		goto out;
	}
	if (r->time < (int64_t)now - FLW_REQ_CLOCK_SKEW ||
	    r->time > (int64_t)now + FLW_REQ_CLOCK_SKEW) {
		flw_diag_set(diag, FLW_EAUTH, "signed.time",
		             "request time is more than %d minutes off the server's clock (check "
		             "the device clock)",
		             FLW_REQ_CLOCK_SKEW / 60);
		goto out;
	}
	rc = 0; /* the only success point */
out:
	return rc;
}

void flw_req_enroll_clear(struct flw_req_enroll *r)
{
	if (!r)
		return;
	flw_req_signed_clear(&r->sg);
	flw_memzero(r, sizeof(*r));
}

static int enroll_fields(struct flw_req_enroll *e, const json_t *so, struct flw_diag *diag)
{
	const char *tok = NULL;
	int rc;

	if ((rc = get_id_max(so, "hardware_id", "signed.hardware_id", FLW_TUF_HWID_MAX, 1,
	                     e->hardware_id, diag)) != 0 ||
	    (rc = get_hex(so, "public_key", "signed.public_key", e->public_key,
	                  sizeof(e->public_key), diag)) != 0 ||
	    (rc = required(flw_json_get_str(so, "enrollment_token", &tok, FLW_SECRET_TOKEN_MAX, 1,
	                                    diag))) != 0)
		return rc;
	return flw_sha256(tok, strlen(tok), e->token_hash);
}

int flw_req_parse_enroll(struct flw_req_enroll *out, const void *body, size_t len,
                         struct flw_diag *diag)
{
	json_t *doc = NULL;
	json_t *so = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_signed(&out->sg, &doc, &so, body, len, enroll_keys, diag);
	if (rc == 0)
		rc = enroll_fields(out, so, diag);
	if (rc != 0)
		flw_req_enroll_clear(out);
	json_decref(doc);
	return rc;
}

/* ---- device API: check-in ---------------------------------------------------------------- */

static const char *const checkin_keys[] = { "installed",  "slot",       "health",
	                                    "attributes", "components", NULL };
static const char *const component_keys[] = { "name", "version", "purl", "cpe", NULL };
static const char *const installed_keys[] = { "target", "version", NULL };
static const char *const slot_keys[] = { "active", "trial", NULL };

void flw_req_checkin_clear(struct flw_req_checkin *r)
{
	if (!r)
		return;
	json_decref(r->doc);
	flw_free(r->comp);
	flw_free(r->vendors);
	memset(r, 0, sizeof(*r));
}

/* An optional sub-object with its own allowlist; *out stays NULL when absent. */
static int get_sub(const json_t *o, const char *key, const char *const *keys, json_t **out,
                   struct flw_diag *diag)
{
	int rc = flw_json_get_obj(o, key, out, 0, diag);

	if (rc == 0)
		rc = flw_json_only_keys(*out, keys, key, diag);
	return optional(rc);
}

static int checkin_attrs(const json_t *body, struct flw_checkin *c, struct flw_diag *diag)
{
	json_t *attrs = NULL;
	const char *k;
	json_t *v;
	int rc;

	rc = flw_json_get_obj(body, "attributes", &attrs, 0, diag);
	if (rc != 0)
		return optional(rc);
	if (json_object_size(attrs) > FLW_ATTRS_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "attributes", "at most %d attributes",
		                    FLW_ATTRS_MAX);
	json_object_foreach(attrs, k, v)
	{
		if (!flw_id_ok(k))
			return flw_diag_set(diag, FLW_EFORMAT, "attributes",
			                    "attribute name '%.64s': 1-64 of [A-Za-z0-9._:-]", k);
		if (!json_is_string(v) || json_string_length(v) > FLW_ATTR_VALUE_MAX)
			return flw_diag_set(diag, FLW_EFORMAT, "attributes",
			                    "attribute '%s': expected a string of at most %d bytes",
			                    k, FLW_ATTR_VALUE_MAX);
	}
	c->attrs = attrs;
	return 0;
}

/* Member key of component o at path: a string (required or not); NULL when absent. */
static int comp_str(const json_t *o, const char *key, int req, const char *path, const char **out,
                    struct flw_diag *diag)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v && !req)
		return 0;
	if (!json_is_string(v))
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s.%s: expected a string", path, key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s.%s: NUL byte", path, key);
	*out = json_string_value(v);
	return 0;
}

/* The CPE's literal vendor into vendor[] ("" when none) */
static void comp_vendor(const char *cpe_str, char *vendor)
{
	struct flw_cpe cpe;
	const char *v;

	vendor[0] = '\0';
	if (!cpe_str || flw_cpe_parse(&cpe, cpe_str, strlen(cpe_str), NULL) != 0 ||
	    cpe.attr[FLW_CPE_VENDOR].kind != FLW_CPE_VALUE ||
	    flw_cpe_has_wildcard(&cpe, FLW_CPE_VENDOR))
		return;
	v = flw_cpe_value(&cpe, FLW_CPE_VENDOR);
	if (strlen(v) <= FLW_SBOM_VENDOR_MAX)
		memcpy(vendor, v, strlen(v) + 1);
}

static int checkin_component(const json_t *o, size_t i, struct flw_sbom_component *c, char *vendor,
                             struct flw_diag *diag)
{
	char path[48]; /* "components[" + 20 digits + "]" */
	int rc;

	snprintf(path, sizeof(path), "components[%zu]", i);
	if (!json_is_object(o))
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s: expected an object", path);
	if ((rc = flw_json_only_keys(o, component_keys, path, diag)) != 0 ||
	    (rc = comp_str(o, "name", 1, path, &c->name, diag)) != 0 ||
	    (rc = comp_str(o, "version", 1, path, &c->version, diag)) != 0 ||
	    (rc = comp_str(o, "purl", 0, path, &c->purl, diag)) != 0 ||
	    (rc = comp_str(o, "cpe", 0, path, &c->cpe, diag)) != 0 ||
	    (rc = flw_sbom_component_check(c, path, diag)) != 0)
		return rc;
	comp_vendor(c->cpe, vendor);
	c->vendor = vendor[0] ? vendor : NULL;
	return 0;
}

static int checkin_components(struct flw_req_checkin *r, struct flw_diag *diag)
{
	json_t *arr = NULL;
	size_t n;
	size_t i;
	int rc;

	rc = flw_json_get_arr(r->doc, "components", &arr, FLW_DEVICE_COMPONENTS_MAX, 0, diag);
	if (rc != 0)
		return optional(rc);
	n = json_array_size(arr);
	r->comp = flw_calloc(n ? n : 1, sizeof(*r->comp));
	r->vendors = flw_calloc(n ? n : 1, sizeof(*r->vendors));
	if (!r->comp || !r->vendors)
		return FLW_ENOMEM;
	for (i = 0; i < n; i++)
		if ((rc = checkin_component(json_array_get(arr, i), i, &r->comp[i], r->vendors[i],
		                            diag)) != 0)
			return rc;
	r->c.has_components = 1;
	r->c.components = r->comp;
	r->c.n_components = n;
	return 0;
}

static int checkin_fields(const json_t *body, struct flw_checkin *c, struct flw_diag *diag)
{
	json_t *inst = NULL;
	json_t *slot = NULL;
	const char *active = NULL;
	int rc;

	if ((rc = get_sub(body, "installed", installed_keys, &inst, diag)) != 0 ||
	    (rc = get_sub(body, "slot", slot_keys, &slot, diag)) != 0)
		return rc;
	if (inst && ((rc = optional(flw_json_get_str(inst, "target", &c->installed,
	                                             FLW_TUF_TARGET_NAME_MAX, 0, diag))) != 0 ||
	             (rc = optional(flw_json_get_str(inst, "version", &c->installed_version,
	                                             FLW_TUF_VERSION_STR_MAX, 0, diag))) != 0))
		return rc;
	if (slot && ((rc = optional(flw_json_get_str(slot, "active", &active, 1, 0, diag))) != 0 ||
	             (rc = optional(flw_json_get_bool(slot, "trial", &c->trial, 0, diag))) != 0))
		return rc;
	if (active && strcmp(active, "A") != 0 && strcmp(active, "B") != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "slot.active",
		                    "field 'slot.active': expected \"A\" or \"B\"");
	c->slot_active = active ? active[0] : 0;
	rc = optional(flw_json_get_str(body, "health", &c->health, FLW_REQ_HEALTH_MAX, 0, diag));
	if (rc != 0)
		return rc;
	return checkin_attrs(body, c, diag);
}

int flw_req_parse_checkin(struct flw_req_checkin *out, const void *body, size_t len,
                          struct flw_diag *diag)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		rc = (out->doc = json_object()) ? 0 : FLW_ENOMEM; /* all fields are optional */
	else
		rc = body_object(&out->doc, body, len, FLW_DEVICE_BODY_MAX, checkin_keys, diag);
	if (rc == 0)
		rc = checkin_fields(out->doc, &out->c, diag);
	if (rc == 0)
		rc = checkin_components(out, diag);
	if (rc != 0)
		flw_req_checkin_clear(out);
	return rc;
}

/* ---- device API: reports ----------------------------------------------------------------- */

static const char *const reports_keys[] = { "reports", NULL };
static const char *const report_keys[] = { "seq", "deployment", "state", "detail", "time", NULL };

void flw_req_reports_clear(struct flw_req_reports *r)
{
	if (!r)
		return;
	flw_free(r->items);
	memset(r, 0, sizeof(*r));
}

static int report_parse(const json_t *o, struct flw_report *rep, size_t i, time_t now,
                        struct flw_diag *diag)
{
	const char *state = NULL;
	int64_t t = 0;
	int rc;

	if (!json_is_object(o))
		return flw_diag_set(diag, FLW_EFORMAT, "reports",
		                    "reports[%zu]: expected an object", i);
	if ((rc = flw_json_only_keys(o, report_keys, "reports[]", diag)) != 0 ||
	    (rc = required(flw_json_get_int(o, "seq", &rep->seq, 1, INT64_MAX, 1, diag))) != 0 ||
	    (rc = required(flw_json_get_str(o, "state", &state, FLW_REQ_STATE_MAX, 1, diag))) !=
	            0 ||
	    (rc = optional(flw_json_get_int(o, "deployment", &rep->deployment_id, 0, INT64_MAX, 0,
	                                    diag))) != 0 ||
	    (rc = get_text(o, "detail", FLW_REPORT_DETAIL_MAX, 0, rep->detail, diag)) != 0 ||
	    (rc = optional(flw_json_get_int(o, "time", &t, 0, INT64_MAX, 0, diag))) != 0)
		return rc;
	rep->state = flw_action_state_from_string(state);
	if (rep->state <= FLW_ST_PENDING || rep->state == FLW_ST_CANCELED)
		return flw_diag_set(diag, FLW_EFORMAT, "reports[].state",
		                    "reports[%zu]: unknown state '%.32s'", i, state);
	rep->at = t ? (time_t)t : now;
	return 0;
}

static int reports_items(const json_t *arr, struct flw_req_reports *rs, time_t now,
                         struct flw_diag *diag)
{
	size_t n = json_array_size(arr);
	size_t i;
	int rc;

	rs->items = flw_calloc(n ? n : 1, sizeof(*rs->items));
	if (!rs->items)
		return FLW_ENOMEM;
	for (i = 0; i < n; i++) {
		rc = report_parse(json_array_get(arr, i), &rs->items[i], i, now, diag);
		if (rc != 0)
			return rc;
		if (i > 0 && rs->items[i].seq <= rs->items[i - 1].seq)
			return flw_diag_set(diag, FLW_EFORMAT, "reports[].seq",
			                    "reports[%zu]: seq must be strictly increasing", i);
	}
	rs->n = n;
	return 0;
}

int flw_req_parse_reports(struct flw_req_reports *out, const void *body, size_t len, time_t now,
                          struct flw_diag *diag)
{
	json_t *doc = NULL;
	json_t *arr = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = body_object(&doc, body, len, FLW_DEVICE_BODY_MAX, reports_keys, diag)) != 0 ||
	    (rc = required(flw_json_get_arr(doc, "reports", &arr, FLW_REPORTS_MAX, 1, diag))) !=
	            0 ||
	    (rc = reports_items(arr, out, now, diag)) != 0)
		flw_req_reports_clear(out);
	json_decref(doc);
	return rc;
}

/* ---- management API ---------------------------------------------------------------------- */

int flw_req_parse_group(struct flw_req_group *out, const void *body, size_t len,
                        struct flw_diag *diag)
{
	static const char *const keys[] = { "name", NULL };
	json_t *doc = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = body_object(&doc, body, len, FLW_API_BODY_MAX, keys, diag);
	if (rc == 0)
		rc = get_id(doc, "name", "name", 1, out->name, diag);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	json_decref(doc);
	return rc;
}

void flw_req_members_clear(struct flw_req_members *r)
{
	if (!r)
		return;
	flw_free(r->add);
	flw_free(r->remove);
	json_decref(r->doc);
	memset(r, 0, sizeof(*r));
}

int flw_req_parse_members(struct flw_req_members *out, const void *body, size_t len,
                          struct flw_diag *diag)
{
	static const char *const keys[] = { "add", "remove", NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = body_object(&out->doc, body, len, FLW_API_BODY_MAX, keys, diag)) != 0 ||
	    (rc = get_ids(out->doc, "add", &out->add, &out->n_add, diag)) != 0 ||
	    (rc = get_ids(out->doc, "remove", &out->remove, &out->n_remove, diag)) != 0)
		flw_req_members_clear(out);
	return rc;
}

/* "expires_in": optional, 1..FLW_REQ_TTL_MAX seconds (0 when absent) */
static int get_ttl(const json_t *o, int64_t *out, struct flw_diag *diag)
{
	return optional(flw_json_get_int(o, "expires_in", out, 1, FLW_REQ_TTL_MAX, 0, diag));
}

int flw_req_parse_enroll_token(struct flw_req_enroll_token *out, const void *body, size_t len,
                               struct flw_diag *diag)
{
	static const char *const keys[] = { "name", "uses", "expires_in", "group", NULL };
	json_t *doc = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->uses = 1;
	if ((rc = body_object(&doc, body, len, FLW_API_BODY_MAX, keys, diag)) != 0 ||
	    (rc = get_id(doc, "name", "name", 1, out->name, diag)) != 0 ||
	    (rc = optional(flw_json_get_int(doc, "uses", &out->uses, FLW_REQ_USES_UNLIMITED,
	                                    FLW_REQ_USES_MAX, 0, diag))) != 0 ||
	    (rc = get_ttl(doc, &out->expires_in, diag)) != 0 ||
	    (rc = optional(get_id(doc, "group", "group", 0, out->group, diag))) != 0)
		goto out;
	if (out->uses == 0)
		rc = flw_diag_set(diag, FLW_EFORMAT, "uses",
		                  "field 'uses': a positive number, or -1 for unlimited");
out:
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	json_decref(doc);
	return rc;
}

int flw_req_parse_api_token(struct flw_req_api_token *out, const void *body, size_t len,
                            struct flw_diag *diag)
{
	static const char *const keys[] = { "name", "role", "expires_in", NULL };
	char role[FLW_REQ_ROLE_MAX + 1] = "";
	json_t *doc = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = body_object(&doc, body, len, FLW_API_BODY_MAX, keys, diag)) != 0 ||
	    (rc = get_id(doc, "name", "name", 1, out->name, diag)) != 0 ||
	    (rc = get_text(doc, "role", FLW_REQ_ROLE_MAX, 1, role, diag)) != 0 ||
	    (rc = get_ttl(doc, &out->expires_in, diag)) != 0)
		goto out;
	out->role = flw_role_from_string(role);
	if (out->role < 0)
		rc = flw_diag_set(diag, FLW_EFORMAT, "role",
		                  "field 'role': expected admin, operator or viewer");
out:
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	json_decref(doc);
	return rc;
}

void flw_req_deployment_clear(struct flw_req_deployment *r)
{
	if (!r)
		return;
	flw_free(r->devices);
	json_decref(r->doc);
	memset(r, 0, sizeof(*r));
}

int flw_req_parse_deployment(struct flw_req_deployment *out, const void *body, size_t len,
                             struct flw_diag *diag)
{
	static const char *const keys[] = { "release", "devices", "group", NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = body_object(&out->doc, body, len, FLW_API_BODY_MAX, keys, diag)) != 0 ||
	    (rc = get_text(out->doc, "release", FLW_TUF_TARGET_NAME_MAX, 1, out->release, diag)) !=
	            0 ||
	    (rc = get_ids(out->doc, "devices", &out->devices, &out->n_devices, diag)) != 0 ||
	    (rc = optional(get_id(out->doc, "group", "group", 0, out->group, diag))) != 0)
		goto out;
	if (out->n_devices == 0 && !out->group[0])
		rc = flw_diag_set(diag, FLW_EFORMAT, "devices",
		                  "name the target devices: \"devices\": [ids] and/or \"group\"");
out:
	if (rc != 0)
		flw_req_deployment_clear(out);
	return rc;
}

/* ---- management API: device inventory ---------------------------------------------------- */

static const struct {
	const char *key;
	unsigned flag;
	size_t off; /* of the char array in struct flw_inventory */
	size_t size;
} inv_fields[] = {
	{ "class", FLW_INV_F_CLASS, offsetof(struct flw_inventory, class_name),
	  sizeof(((struct flw_inventory *)0)->class_name) },
	{ "segment", FLW_INV_F_SEGMENT, offsetof(struct flw_inventory, segment),
	  sizeof(((struct flw_inventory *)0)->segment) },
	{ "owner", FLW_INV_F_OWNER, offsetof(struct flw_inventory, owner),
	  sizeof(((struct flw_inventory *)0)->owner) },
	{ "site", FLW_INV_F_SITE, offsetof(struct flw_inventory, site),
	  sizeof(((struct flw_inventory *)0)->site) },
	{ "support_end", FLW_INV_F_SUPPORT_END, offsetof(struct flw_inventory, support_end),
	  sizeof(((struct flw_inventory *)0)->support_end) },
};

/* One text field: null clears it, a non-empty string of at most size - 1 bytes sets it */
static int patch_text(const json_t *doc, size_t i, struct flw_inventory_patch *p,
                      struct flw_diag *diag)
{
	const char *key = inv_fields[i].key;
	const json_t *v = json_object_get(doc, key);
	char *dst = (char *)&p->v + inv_fields[i].off;
	const char *str;
	size_t n;

	if (!v)
		return 0;
	p->fields |= inv_fields[i].flag;
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return flw_diag_set(diag, FLW_EFORMAT, key,
		                    "field '%s': expected a string, or null to clear it", key);
	str = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || strlen(str) != n)
		return flw_diag_set(diag, FLW_EFORMAT, key,
		                    "field '%s': empty or with a NUL byte (null clears it)", key);
	if (n >= inv_fields[i].size)
		return flw_diag_set(diag, FLW_ELIMIT, key, "field '%s': at most %zu bytes", key,
		                    inv_fields[i].size - 1);
	memcpy(dst, str, n + 1);
	return flw_inventory_check(&p->v, inv_fields[i].flag, diag);
}

int flw_req_parse_device_patch(struct flw_inventory_patch *out, const void *body, size_t len,
                               struct flw_diag *diag)
{
	static const char *const keys[] = { "class", "internet_exposed", "segment", "owner",
		                            "site",  "support_end",      NULL };
	const json_t *exp;
	json_t *doc = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = body_object(&doc, body, len, FLW_API_BODY_MAX, keys, diag)) != 0)
		goto out;
	for (i = 0; i < FLW_ARRAY_SIZE(inv_fields); i++)
		if ((rc = patch_text(doc, i, out, diag)) != 0)
			goto out;
	exp = json_object_get(doc, "internet_exposed");
	if (exp) {
		out->fields |= FLW_INV_F_EXPOSED;
		if (json_is_boolean(exp))
			out->v.internet_exposed =
			        json_is_true(exp) ? FLW_EXPOSED_YES : FLW_EXPOSED_NO;
		else if (!json_is_null(exp))
			rc = flw_diag_set(diag, FLW_EFORMAT, "internet_exposed",
			                  "field 'internet_exposed': expected true, false or null");
	}
	if (rc == 0 && out->fields == 0)
		rc = flw_diag_set(
		        diag, FLW_EFORMAT, NULL,
		        "nothing to change: give class, internet_exposed, segment, owner, "
		        "site and/or support_end");
out:
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	json_decref(doc);
	return rc;
}
