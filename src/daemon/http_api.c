/* src/daemon/http_api.c - the management API (/api/v1/...)
 *
 * Roles are checked by http.c from the route table before a handler runs. Handlers validate
 * their input strictly (allowlisted keys, typed fields, identifier syntax), pass the audit row
 * to the store so that it commits with the change (r->audited = 1), and answer with the
 * shapes of docs/PROTOCOL.md. Artifact uploads stream to a temporary file in the artifact
 * directory while hashing; the file is renamed to its digest and fsynced before the store
 * records it, and only then is 201 sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "fleetward/request.h"
#include "http.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static int id_param(struct flwd_req *r, unsigned i, const char **out)
{
	const char *v = r->params[i];

	if (!v || !flw_id_ok(v))
		return flw_diag_set(&r->diag, FLW_EINVAL, NULL,
		                    "'%.80s' is not a valid name (1-64 of [A-Za-z0-9._:-], not "
		                    "starting with '.' or '-')",
		                    v ? v : "");
	*out = v;
	return 0;
}

static int int_param(struct flwd_req *r, unsigned i, int64_t *out)
{
	const char *v = r->params[i];
	long long n;
	char *end = NULL;

	errno = 0;
	n = v ? strtoll(v, &end, 10) : 0;
	if (!v || *v < '1' || *v > '9' || errno != 0 || *end != '\0' || n <= 0)
		return flw_diag_set(&r->diag, FLW_EINVAL, NULL, "'%.80s' is not a valid id",
		                    v ? v : "");
	*out = n;
	return 0;
}

static int reply_items(struct flwd_req *r, json_t *items, int64_t total)
{
	json_t *o = json_object();

	if (!o || !items) {
		json_decref(o);
		json_decref(items);
		return FLW_ENOMEM;
	}
	json_object_set_new(o, "items", items);
	if (total >= 0)
		json_object_set_new(o, "total", json_integer(total));
	return flwd_reply_json(r, 200, o);
}

static int reply_empty(struct flwd_req *r)
{
	return flwd_reply_json(r, 200, json_object());
}

static void set_object(struct flwd_req *r, const char *kind, const char *name)
{
	snprintf(r->audit_object, sizeof(r->audit_object), "%s:%.*s", kind, FLW_TUF_TARGET_NAME_MAX,
	         name);
}

/* GET of a whole listing: {"items": [...]} */
typedef int (*list_fn)(struct flw_store *s, json_t **out, struct flw_diag *diag);

static int reply_list(struct flwd_req *r, list_fn list)
{
	struct flw_store *s = NULL;
	json_t *items = NULL;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0 || (rc = list(s, &items, &r->diag)) != 0)
		return rc;
	return reply_items(r, items, -1);
}

/* DELETE of the object named by the path, audited with the change: {} */
typedef int (*delete_fn)(struct flw_store *s, const char *name, const struct flw_audit *a,
                         struct flw_diag *diag);

static int delete_named(struct flwd_req *r, const char *kind, delete_fn del)
{
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char *name = NULL;
	int rc;

	if ((rc = id_param(r, 0, &name)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		return rc;
	set_object(r, kind, name);
	flwd_audit(r, &a, NULL);
	rc = del(s, name, &a, &r->diag);
	if (rc != 0)
		return rc;
	r->audited = 1;
	return reply_empty(r);
}

/* ---- devices ----------------------------------------------------------------------------- */

static int query_str(struct flwd_req *r, const char *name, size_t max, const char **out)
{
	const char *v = flwd_query(r, name);

	*out = (v && *v) ? v : NULL;
	if (*out && strlen(*out) > max)
		return flw_diag_set(&r->diag, FLW_EFORMAT, name,
		                    "query argument '%s': at most %zu characters", name, max);
	return 0;
}

/* ?internet_exposed=true|false (also yes/no, 1/0); absent or empty: any */
static int query_exposed(struct flwd_req *r, int *out)
{
	const char *v = flwd_query(r, "internet_exposed");

	*out = FLW_EXPOSED_UNKNOWN;
	if (!v || !*v)
		return 0;
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
		*out = FLW_EXPOSED_YES;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
		*out = FLW_EXPOSED_NO;
	else
		return flw_diag_set(&r->diag, FLW_EFORMAT, "internet_exposed",
		                    "query argument 'internet_exposed': expected true or false");
	return 0;
}

int flwd_h_devices_list(struct flwd_req *r)
{
	struct flw_device_filter f;
	struct flw_store *s = NULL;
	json_t *items = NULL;
	int64_t total = 0;
	uint64_t limit = 0;
	uint64_t offset = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = query_str(r, "group", FLW_ID_MAX, &f.group)) != 0 ||
	    (rc = query_str(r, "hardware", FLW_TUF_HWID_MAX, &f.hwid)) != 0 ||
	    (rc = query_str(r, "installed", FLW_TUF_TARGET_NAME_MAX, &f.installed)) != 0 ||
	    (rc = query_str(r, "prefix", FLW_ID_MAX, &f.id_prefix)) != 0 ||
	    (rc = query_str(r, "class", FLW_INV_CLASS_MAX, &f.class_name)) != 0 ||
	    (rc = query_str(r, "site", FLW_INV_TEXT_MAX, &f.site)) != 0 ||
	    (rc = query_exposed(r, &f.internet_exposed)) != 0 ||
	    (rc = flwd_query_uint(r, "limit", 100, 1000, &limit)) != 0 ||
	    (rc = flwd_query_uint(r, "offset", 0, UINT32_MAX, &offset)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		return rc;
	f.limit = (unsigned)limit;
	f.offset = (unsigned)offset;
	rc = flw_store_device_list(s, &f, &items, &total, &r->diag);
	if (rc != 0)
		return rc;
	return reply_items(r, items, total);
}

/* "" -> null */
static json_t *str_or_null(const char *v)
{
	return v[0] ? json_string(v) : json_null();
}

/* The inventory fields, as in the device listing (null when not set) */
static int inventory_json(json_t *o, const struct flw_inventory *inv)
{
	json_t *exp = inv->internet_exposed == FLW_EXPOSED_UNKNOWN
	                      ? json_null()
	                      : json_boolean(inv->internet_exposed == FLW_EXPOSED_YES);

	if (json_object_set_new(o, "class", str_or_null(inv->class_name)) != 0 ||
	    json_object_set_new(o, "internet_exposed", exp) != 0 ||
	    json_object_set_new(o, "segment", str_or_null(inv->segment)) != 0 ||
	    json_object_set_new(o, "owner", str_or_null(inv->owner)) != 0 ||
	    json_object_set_new(o, "site", str_or_null(inv->site)) != 0 ||
	    json_object_set_new(o, "support_end", str_or_null(inv->support_end)) != 0)
		return FLW_ENOMEM;
	return 0;
}

static json_t *device_json(const struct flw_device *dev)
{
	char pk[2 * FLW_ED25519_PK_BYTES + 1];
	char slot[2] = { dev->slot_active, 0 };
	json_t *o;

	flw_hex_encode(pk, dev->pubkey, FLW_ED25519_PK_BYTES);
	o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:b,s:s,s:I}", "id", dev->id, "hwid",
	              dev->hwid, "public_key", pk, "enrolled", (json_int_t)dev->enrolled,
	              "last_seen", (json_int_t)dev->last_seen, "installed", dev->installed,
	              "installed_version", dev->installed_version, "slot_active", slot, "trial",
	              dev->trial, "health", dev->health, "last_seq", (json_int_t)dev->last_seq);
	if (!o)
		return NULL;
	/* new references either way (an empty object made here must not leak) */
	json_object_set_new(o, "attributes", dev->attrs ? json_incref(dev->attrs) : json_object());
	json_object_set_new(o, "groups", dev->groups ? json_incref(dev->groups) : json_array());
	if (inventory_json(o, &dev->inv) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int flwd_h_device_get(struct flwd_req *r)
{
	struct flw_device dev;
	struct flw_store *s = NULL;
	const char *id = NULL;
	json_t *hist = NULL;
	json_t *o = NULL;
	int rc;

	memset(&dev, 0, sizeof(dev));
	if ((rc = id_param(r, 0, &id)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	rc = flw_store_device_get(s, id, &dev, &r->diag);
	if (rc != 0)
		goto out;
	rc = flw_store_device_history(s, id, 50, &hist, &r->diag);
	if (rc != 0)
		goto out;
	o = device_json(&dev);
	if (!o) {
		rc = FLW_ENOMEM;
		goto out;
	}
	json_object_set(o, "history", hist);
	rc = flwd_reply_json(r, 200, o);
out:
	json_decref(hist);
	flw_device_clear(&dev);
	return rc;
}

/* PATCH /api/v1/devices/{id}: inventory fields, audited with the change; answers the device */
int flwd_h_device_patch(struct flwd_req *r)
{
	struct flw_inventory_patch p;
	struct flw_device dev;
	struct flw_store *s = NULL;
	struct flw_audit a;
	struct flw_buf detail;
	const char *id = NULL;
	json_t *body = NULL;
	json_t *o = NULL;
	int rc;

	memset(&dev, 0, sizeof(dev));
	flw_buf_init(&detail, FLW_AUDIT_DETAIL_MAX);
	if ((rc = id_param(r, 0, &id)) != 0)
		goto out;
	set_object(r, "device", id);
	if ((rc = flw_req_parse_device_patch(&p, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	/* the audit detail: the validated body (bounded by the field limits) */
	if (flw_json_parse(&body, r->body.data, r->body.len, NULL, NULL) == 0 &&
	    flw_json_dump(&detail, body, 0) != 0)
		flw_buf_reset(&detail);
	flwd_audit(r, &a, detail.len ? flw_buf_cstr(&detail) : NULL);
	rc = flw_store_device_inventory_set(s, id, &p, &a, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	if ((rc = flw_store_device_get(s, id, &dev, &r->diag)) != 0)
		goto out;
	o = device_json(&dev);
	rc = flwd_reply_json(r, 200, o);
out:
	json_decref(body);
	flw_buf_free(&detail);
	flw_device_clear(&dev);
	return rc;
}

/* GET /api/v1/devices/{id}/components: the running release's and the device's own */
int flwd_h_device_components(struct flwd_req *r)
{
	struct flw_device dev;
	struct flw_store *s = NULL;
	const char *id = NULL;
	json_t *items = NULL;
	json_t *o = NULL;
	int rc;

	memset(&dev, 0, sizeof(dev));
	if ((rc = id_param(r, 0, &id)) != 0 || (rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_device_get(s, id, &dev, &r->diag)) != 0 ||
	    (rc = flw_store_device_components(s, id, &items, &r->diag)) != 0)
		goto out;
	o = json_pack("{s:s,s:o,s:o}", "device", dev.id, "release", str_or_null(dev.installed),
	              "items", items);
	items = NULL;
	rc = flwd_reply_json(r, 200, o);
out:
	json_decref(items);
	flw_device_clear(&dev);
	return rc;
}

/* ---- groups ------------------------------------------------------------------------------ */

int flwd_h_group_create(struct flwd_req *r)
{
	struct flw_req_group g;
	struct flw_store *s = NULL;
	struct flw_audit a;
	int rc;

	if ((rc = flw_req_parse_group(&g, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		return rc;
	set_object(r, "group", g.name);
	flwd_audit(r, &a, NULL);
	rc = flw_store_group_add(s, g.name, &a, &r->diag);
	if (rc != 0)
		return rc;
	r->audited = 1;
	return flwd_reply_json(r, 201, json_pack("{s:s}", "name", g.name));
}

int flwd_h_group_list(struct flwd_req *r)
{
	return reply_list(r, flw_store_group_list);
}

static int group_count(struct flwd_req *r, struct flw_store *s, const char *name, json_t **out)
{
	json_t *items = NULL;
	json_t *v;
	size_t i;
	int rc;

	rc = flw_store_group_list(s, &items, &r->diag);
	if (rc != 0)
		return rc;
	rc = flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL, "no group '%s'", name);
	json_array_foreach(items, i, v)
	{
		const char *gn = json_string_value(json_object_get(v, "name"));

		if (gn && strcmp(gn, name) == 0) {
			*out = json_incref(v);
			flw_diag_clear(&r->diag);
			rc = 0;
			break;
		}
	}
	json_decref(items);
	return rc;
}

int flwd_h_group_members(struct flwd_req *r)
{
	struct flw_req_members m;
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char *name = NULL;
	json_t *g = NULL;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = id_param(r, 0, &name)) != 0 ||
	    (rc = flw_req_parse_members(&m, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	set_object(r, "group", name);
	flwd_audit(r, &a, NULL);
	if (m.n_add > 0 &&
	    (rc = flw_store_group_set_members(s, name, m.add, m.n_add, 1, &a, &r->diag)) != 0)
		goto out;
	if (m.n_remove > 0 &&
	    (rc = flw_store_group_set_members(s, name, m.remove, m.n_remove, 0, &a, &r->diag)) != 0)
		goto out;
	r->audited = m.n_add > 0 || m.n_remove > 0;
	rc = group_count(r, s, name, &g);
	if (rc == 0)
		rc = flwd_reply_json(r, 200, g);
out:
	flw_req_members_clear(&m);
	return rc;
}

int flwd_h_group_delete(struct flwd_req *r)
{
	return delete_named(r, "group", flw_store_group_delete);
}

/* ---- enrollment tokens ------------------------------------------------------------------- */

/* A secret token for a create request (shown once; the store keeps its hash), and the store. */
static int new_secret(struct flwd_req *r, const char *prefix, char tok[FLW_SECRET_TOKEN_MAX + 1],
                      unsigned char hash[FLW_SHA256_BYTES], struct flw_store **s)
{
	int rc = flwd_req_store(r, s);

	return rc != 0 ? rc : flw_secret_token_new(tok, prefix, hash);
}

/* "expires_in" seconds from now; 0 (never) when absent */
static time_t expiry(const struct flwd_req *r, int64_t expires_in)
{
	return expires_in ? r->now + (time_t)expires_in : 0;
}

int flwd_h_etoken_create(struct flwd_req *r)
{
	char tok[FLW_SECRET_TOKEN_MAX + 1];
	struct flw_req_enroll_token req;
	struct flw_enroll_token t;
	struct flw_store *s = NULL;
	struct flw_audit a;
	int64_t id = 0;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = flw_req_parse_enroll_token(&req, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = new_secret(r, FLW_ENROLL_TOKEN_PREFIX, tok, t.hash, &s)) != 0)
		goto out;
	snprintf(t.name, sizeof(t.name), "%s", req.name);
	snprintf(t.group, sizeof(t.group), "%s", req.group);
	t.uses_left = req.uses;
	t.created = r->now;
	t.expires = expiry(r, req.expires_in);
	set_object(r, "enroll_token", req.name);
	flwd_audit(r, &a, NULL);
	rc = flw_store_enroll_token_add(s, &t, &a, &id, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	rc = flwd_reply_json(r, 201,
	                     json_pack("{s:s,s:s,s:I}", "name", req.name, "token", tok, "expires",
	                               (json_int_t)t.expires));
out:
	flw_memzero(tok, sizeof(tok));
	return rc;
}

int flwd_h_etoken_list(struct flwd_req *r)
{
	return reply_list(r, flw_store_enroll_token_list);
}

int flwd_h_etoken_delete(struct flwd_req *r)
{
	return delete_named(r, "enroll_token", flw_store_enroll_token_revoke);
}

/* ---- TUF --------------------------------------------------------------------------------- */

int flwd_h_tuf_root_get(struct flwd_req *r)
{
	return flwd_reply_tuf(r, FLW_TUF_ROOT, 0,
	                      "no root metadata yet (run 'fleetward repo init')");
}

int flwd_h_tuf_targets_get(struct flwd_req *r)
{
	return flwd_reply_tuf(r, FLW_TUF_TARGETS, 0,
	                      "no targets metadata yet (run 'fleetward repo init')");
}

/* {"snapshot": key, "timestamp": key, "director": key} of the current (pending = 0) or pending
 * keys (roles without a pending key are left out). Caller holds repo_lock. */
static int online_keys_json(const struct flw_datadir *dd, int pending, json_t **out)
{
	json_t *o = json_object();
	int rc = 0;
	int i;

	for (i = 0; o && rc == 0 && i < _FLW_ONLINE_MAX; i++) {
		struct flw_signer *sg = pending ? dd->pending[i] : flw_datadir_key(dd, i);
		json_t *k = NULL;

		if (!sg)
			continue;
		rc = flw_tuf_key_to_json(flw_signer_key(sg), &k);
		if (rc == 0 && json_object_set_new(o, flw_online_key_name(i), k) != 0)
			rc = FLW_ENOMEM;
	}
	if (!o || rc != 0) {
		json_decref(o);
		return rc ? rc : FLW_ENOMEM;
	}
	*out = o;
	return 0;
}

int flwd_h_tuf_online_keys(struct flwd_req *r)
{
	json_t *cur = NULL;
	json_t *pend = NULL;
	int rc;

	pthread_mutex_lock(&r->d->repo_lock);
	rc = online_keys_json(&r->d->dd, 0, &cur);
	if (rc == 0)
		rc = online_keys_json(&r->d->dd, 1, &pend);
	pthread_mutex_unlock(&r->d->repo_lock);
	if (rc != 0) {
		json_decref(cur);
		return rc;
	}
	if (json_object_size(pend) > 0)
		json_object_set(cur, "pending", pend);
	json_decref(pend);
	return flwd_reply_json(r, 200, cur);
}

/* {"roles": ["snapshot"|"timestamp"|"director", ...]}: 1 to 3 distinct names -> bit mask */
static int parse_rotate(struct flwd_req *r, int *mask_out)
{
	static const char *const allowed[] = { "roles", NULL };
	struct flw_json_limits lim = { FLW_API_BODY_MAX, 4 };
	json_t *doc = NULL;
	json_t *roles = NULL;
	json_t *v;
	size_t i;
	int mask = 0;
	int rc;

	rc = flw_json_parse(&doc, r->body.data, r->body.len, &lim, &r->diag);
	if (rc == 0 && !json_is_object(doc))
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, NULL, "expected a JSON object");
	if (rc == 0)
		rc = flw_json_only_keys(doc, allowed, "", &r->diag);
	if (rc == 0)
		rc = flw_json_get_arr(doc, "roles", &roles, _FLW_ONLINE_MAX, 1, &r->diag);
	if (rc == FLW_ENOTFOUND)
		rc = FLW_EFORMAT;
	if (rc == 0 && json_array_size(roles) == 0)
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, "roles",
		                  "name at least one of snapshot, timestamp, director");
	json_array_foreach(roles, i, v)
	{
		int which = flw_online_key_from_string(json_string_value(v));

		if (rc != 0)
			break;
		if (which < 0)
			rc = flw_diag_set(&r->diag, FLW_EFORMAT, "roles",
			                  "roles[%zu]: expected \"snapshot\", \"timestamp\" or "
			                  "\"director\"",
			                  i);
		else if (mask & (1 << which))
			rc = flw_diag_set(&r->diag, FLW_EFORMAT, "roles", "roles: '%s' given twice",
			                  flw_online_key_name(which));
		else
			mask |= 1 << which;
	}
	json_decref(doc);
	*mask_out = mask;
	return rc;
}

int flwd_h_tuf_keys_rotate(struct flwd_req *r)
{
	json_t *pend = NULL;
	int mask = 0;
	int rc;
	int i;

	snprintf(r->audit_object, sizeof(r->audit_object), "tuf:online-keys");
	if ((rc = parse_rotate(r, &mask)) != 0)
		return rc;
	pthread_mutex_lock(&r->d->repo_lock);
	for (i = 0; rc == 0 && i < _FLW_ONLINE_MAX; i++)
		if (mask & (1 << i))
			rc = flw_datadir_make_pending(&r->d->dd, i, &r->diag);
	if (rc == 0)
		rc = online_keys_json(&r->d->dd, 1, &pend);
	pthread_mutex_unlock(&r->d->repo_lock);
	if (rc != 0)
		return rc;
	log_notice("online key rotation started by %s: pending keys made; they are used once a "
	           "root that lists them is uploaded",
	           r->actor);
	return flwd_reply_json(r, 200, json_pack("{s:o}", "pending", pend));
}

int flwd_h_tuf_root_post(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	int64_t v = 0;
	int rc;

	snprintf(r->audit_object, sizeof(r->audit_object), "tuf:root");
	if (r->body.len == 0)
		return flw_diag_set(&r->diag, FLW_EFORMAT, NULL, "a root envelope is required");
	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	pthread_mutex_lock(&r->d->repo_lock);
	rc = flw_repo_put_root(&r->d->repo, s, r->body.data, r->body.len, r->now, &v, &r->diag);
	if (v != 0)
		(void)flwd_repo_tick(r->d, r->now); /* expiry gauges; finishes a key switch */
	pthread_mutex_unlock(&r->d->repo_lock);
	if (rc != 0 && v != 0) {
		/* stored; only the switch to pending keys failed: the scheduler retries it */
		log_error("root version %" PRId64 " stored, but switching to its new online keys "
		          "failed: %s (will retry)",
		          v, r->diag.msg);
		flw_diag_clear(&r->diag);
		rc = 0;
	}
	if (rc != 0)
		return rc;
	snprintf(r->audit_object, sizeof(r->audit_object), "tuf:root.v%" PRId64, v);
	log_notice("root version %" PRId64 " published", v);
	return flwd_reply_json(r, 201, json_pack("{s:I}", "version", (json_int_t)v));
}

int flwd_h_release_post(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	struct flw_audit a;
	json_t *added = NULL;
	int64_t v = 0;
	int rc;

	snprintf(r->audit_object, sizeof(r->audit_object), "tuf:targets");
	if (r->body.len == 0)
		return flw_diag_set(&r->diag, FLW_EFORMAT, NULL, "a targets envelope is required");
	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	flwd_audit(r, &a, NULL);
	pthread_mutex_lock(&r->d->repo_lock);
	rc = flw_repo_publish_targets(&r->d->repo, s, r->body.data, r->body.len, r->now, &a, &v,
	                              &added, &r->diag);
	if (rc == 0)
		(void)flwd_repo_tick(r->d, r->now); /* refresh the expiry gauge */
	pthread_mutex_unlock(&r->d->repo_lock);
	if (rc != 0)
		return rc;
	r->audited = 1;
	log_notice("targets version %" PRId64 " published (%zu new or changed)", v,
	           json_array_size(added));
	return flwd_reply_json(
	        r, 201, json_pack("{s:I,s:o}", "targets_version", (json_int_t)v, "added", added));
}

static json_t *release_json(const struct flw_release *rel)
{
	char hex[FLW_SHA256_HEX];
	json_t *hw = json_array();
	unsigned i;

	if (!hw)
		return NULL;
	for (i = 0; i < rel->target.n_hwids && i < FLW_TUF_MAX_HWIDS; i++)
		json_array_append_new(hw, json_string(rel->target.hwids[i]));
	flw_hex_encode(hex, rel->target.sha256, FLW_SHA256_BYTES);
	return json_pack("{s:I,s:s,s:s,s:I,s:s,s:o,s:I,s:I,s:I}", "id", (json_int_t)rel->id, "name",
	                 rel->target.name, "version", rel->target.version, "length",
	                 (json_int_t)rel->target.length, "sha256", hex, "hardware_ids", hw,
	                 "security_version", (json_int_t)rel->target.security_version,
	                 "targets_version", (json_int_t)rel->targets_version, "created",
	                 (json_int_t)rel->created);
}

int flwd_h_release_list(struct flwd_req *r)
{
	return reply_list(r, flw_store_release_list);
}

/* GET /api/v1/releases/{name}/components: names may contain '/', so a release called exactly
 * "<name>/components" wins; otherwise this answers with the components of <name>. Returns 1
 * when it handled the request (*rc_out the result), 0 when the path is not such a request. */
static int release_components(struct flwd_req *r, struct flw_store *s, int *rc_out)
{
	static const char suffix[] = "/components";
	size_t n = strlen(r->rest);
	size_t k = sizeof(suffix) - 1;
	json_t *items = NULL;
	char *name;
	int rc;

	if (n <= k || strcmp(r->rest + n - k, suffix) != 0)
		return 0;
	name = flw_strndup(r->rest, n - k);
	if (!name) {
		*rc_out = FLW_ENOMEM;
		return 1;
	}
	rc = flw_store_release_components(s, name, &items, &r->diag);
	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL, "no release '%.200s'", name);
	flw_free(name);
	*rc_out = rc != 0 ? rc : reply_items(r, items, -1);
	return 1;
}

int flwd_h_release_get(struct flwd_req *r)
{
	struct flw_release rel;
	struct flw_store *s = NULL;
	int rc;

	if (!r->rest || strlen(r->rest) > FLW_TUF_TARGET_NAME_MAX)
		return flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL, "no such release");
	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	memset(&rel, 0, sizeof(rel));
	rc = flw_store_release_get(s, r->rest, &rel, &r->diag);
	if (rc == FLW_ENOTFOUND && release_components(r, s, &rc))
		return rc;
	if (rc == FLW_ENOTFOUND)
		return flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL, "no release '%.200s'", r->rest);
	if (rc != 0)
		return rc;
	return flwd_reply_json(r, 200, release_json(&rel));
}

/* ---- artifacts (streamed) ---------------------------------------------------------------- */

struct flwd_stream {
	int fd;
	char *tmp; /* temporary path until renamed */
	struct flw_sha256 *h;
	uint64_t len;
	uint64_t max;
};

void flwd_stream_free(struct flwd_stream *st)
{
	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	if (st->tmp) {
		unlink(st->tmp);
		flw_free(st->tmp);
	}
	flw_sha256_free(st->h);
	flw_free(st);
}

int flwd_stream_begin(struct flwd_req *r)
{
	struct flwd_stream *st;
	int rc = FLW_ENOMEM;

	st = flw_calloc(1, sizeof(*st));
	if (!st)
		return FLW_ENOMEM;
	st->fd = -1;
	st->max = r->d->cfg->max_artifact_size;
	st->tmp = flw_asprintf("%s/.upload.XXXXXX", r->d->dd.artifacts);
	if (!st->tmp || flw_sha256_new(&st->h) != 0)
		goto out;
	st->fd = mkostemp(st->tmp, O_CLOEXEC);
	if (st->fd < 0) {
		rc = flw_diag_errno(&r->diag, errno, NULL, "creating an upload file");
		flw_free(st->tmp);
		st->tmp = NULL;
		goto out;
	}
	(void)fchmod(st->fd, 0600);
	r->stream = st;
	st = NULL;
	rc = 0;
out:
	flwd_stream_free(st);
	return rc;
}

int flwd_stream_data(struct flwd_req *r, const char *data, size_t n)
{
	struct flwd_stream *st = r->stream;

	if (n > st->max - st->len)
		return FLW_ELIMIT;
	if (flw_fs_write_full(st->fd, data, n) != 0)
		return flw_diag_errno(&r->diag, errno, NULL, "writing the upload file");
	if (flw_sha256_update(st->h, data, n) != 0)
		return FLW_ECRYPTO;
	st->len += n;
	return 0;
}

int flwd_h_artifact_put(struct flwd_req *r)
{
	struct flwd_stream *st = r->stream;
	unsigned char sha[FLW_SHA256_BYTES];
	char hex[FLW_SHA256_HEX];
	struct flw_store *s = NULL;
	struct flw_audit a;
	char *dst = NULL;
	int rc;

	if (st->len == 0)
		return flw_diag_set(&r->diag, FLW_EFORMAT, NULL,
		                    "empty upload: send the image bytes");
	if ((rc = flw_sha256_final(st->h, sha)) != 0)
		return rc;
	flw_hex_encode(hex, sha, FLW_SHA256_BYTES);
	set_object(r, "artifact", hex);
	if (fsync(st->fd) != 0)
		return flw_diag_errno(&r->diag, errno, NULL, "syncing the upload file");
	dst = flw_fs_join(r->d->dd.artifacts, hex);
	if (!dst)
		return FLW_ENOMEM;
	if (rename(st->tmp, dst) != 0) {
		rc = flw_diag_errno(&r->diag, errno, NULL, "storing the artifact");
		goto out;
	}
	flw_free(st->tmp);
	st->tmp = NULL;
	if ((rc = flw_fs_fsync_dir(r->d->dd.artifacts, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	flwd_audit(r, &a, NULL);
	rc = flw_store_artifact_add(s, sha, st->len, &a, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	atomic_fetch_add(&r->d->m.bytes_uploaded, st->len);
	rc = flwd_reply_json(r, 201,
	                     json_pack("{s:s,s:I}", "sha256", hex, "length", (json_int_t)st->len));
out:
	flw_free(dst);
	return rc;
}

/* ---- deployments ------------------------------------------------------------------------- */

int flwd_h_deployment_create(struct flwd_req *r)
{
	struct flw_req_deployment dp;
	struct flw_store *s = NULL;
	struct flw_audit a;
	int64_t id = 0;
	int rc;

	if ((rc = flw_req_parse_deployment(&dp, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	set_object(r, "release", dp.release);
	flwd_audit(r, &a, NULL);
	rc = flw_store_deployment_create(s, dp.release, dp.devices, dp.n_devices,
	                                 dp.group[0] ? dp.group : NULL, r->now, &a, &id, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	snprintf(r->audit_object, sizeof(r->audit_object), "deployment:%" PRId64, id);
	log_info("deployment %" PRId64 " of '%s' created by %s", id, dp.release, r->actor);
	rc = flwd_reply_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
out:
	flw_req_deployment_clear(&dp);
	return rc;
}

int flwd_h_deployment_list(struct flwd_req *r)
{
	return reply_list(r, flw_store_deployment_list);
}

int flwd_h_deployment_get(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	json_t *o = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = int_param(r, 0, &id)) != 0 || (rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_deployment_get(s, id, &o, &r->diag)) != 0)
		return rc;
	return flwd_reply_json(r, 200, o);
}

int flwd_h_deployment_cancel(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	struct flw_audit a;
	int64_t id = 0;
	int rc;

	if ((rc = int_param(r, 0, &id)) != 0)
		return rc;
	snprintf(r->audit_object, sizeof(r->audit_object), "deployment:%" PRId64, id);
	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	flwd_audit(r, &a, NULL);
	rc = flw_store_deployment_cancel(s, id, &a, &r->diag);
	if (rc != 0)
		return rc;
	r->audited = 1;
	return reply_empty(r);
}

/* ---- API tokens -------------------------------------------------------------------------- */

int flwd_h_token_create(struct flwd_req *r)
{
	char tok[FLW_SECRET_TOKEN_MAX + 1];
	struct flw_req_api_token req;
	struct flw_api_token t;
	struct flw_store *s = NULL;
	struct flw_audit a;
	int64_t id = 0;
	char detail[64];
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = flw_req_parse_api_token(&req, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = new_secret(r, FLW_API_TOKEN_PREFIX, tok, t.hash, &s)) != 0)
		goto out;
	snprintf(t.name, sizeof(t.name), "%s", req.name);
	t.role = req.role;
	t.created = r->now;
	t.expires = expiry(r, req.expires_in);
	set_object(r, "token", req.name);
	snprintf(detail, sizeof(detail), "{\"role\":\"%s\"}", flw_role_to_string(t.role));
	flwd_audit(r, &a, detail);
	rc = flw_store_api_token_add(s, &t, &a, &id, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	rc = flwd_reply_json(r, 201,
	                     json_pack("{s:s,s:s,s:s}", "name", req.name, "role",
	                               flw_role_to_string(t.role), "token", tok));
out:
	flw_memzero(tok, sizeof(tok));
	return rc;
}

int flwd_h_token_list(struct flwd_req *r)
{
	return reply_list(r, flw_store_api_token_list);
}

int flwd_h_token_delete(struct flwd_req *r)
{
	int rc = delete_named(r, "token", flw_store_api_token_revoke);

	if (r->params[0])
		flwd_token_invalidate(r->d, r->params[0]); /* also after a failure: re-read */
	return rc;
}

/* ---- audit, status ----------------------------------------------------------------------- */

int flwd_h_audit_list(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	json_t *items = NULL;
	uint64_t before = 0;
	uint64_t limit = 0;
	int rc;

	if ((rc = flwd_query_uint(r, "before", 0, INT64_MAX, &before)) != 0 ||
	    (rc = flwd_query_uint(r, "limit", 100, 1000, &limit)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_audit_list(s, (int64_t)before, (unsigned)limit, &items, &r->diag)) != 0)
		return rc;
	return reply_items(r, items, -1);
}

int flwd_h_status(struct flwd_req *r)
{
	struct flw_device_filter f;
	struct flw_store *s = NULL;
	json_t *dl = NULL;
	json_t *rl = NULL;
	json_t *o = NULL;
	int64_t total = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	f.limit = 1;
	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_device_list(s, &f, &dl, &total, &r->diag)) != 0 ||
	    (rc = flw_store_release_list(s, &rl, &r->diag)) != 0)
		goto out;
	o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "version", FLW_VERSION, "devices",
	              (json_int_t)total, "releases", (json_int_t)json_array_size(rl), "started",
	              (json_int_t)r->d->started, "schema", (json_int_t)flw_store_schema_version(s),
	              "timestamp_expires", (json_int_t)atomic_load(&r->d->m.timestamp_expires));
	rc = flwd_reply_json(r, 200, o);
out:
	json_decref(dl);
	json_decref(rl);
	return rc;
}
