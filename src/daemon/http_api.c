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
#include "http.h"

#define FLWD_LIST_IDS_MAX 10000 /* ids in one request (deployment, group members) */

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

static int body_only(struct flwd_req *r, json_t **body, const char *const *keys)
{
	int rc = flwd_body_json(r, body);

	if (rc == 0)
		rc = flw_json_only_keys(*body, keys, "", &r->diag);
	return rc;
}

static int get_name(struct flwd_req *r, json_t *body, const char *key, int required,
                    const char **out)
{
	int rc = flw_json_get_str(body, key, out, FLW_ID_MAX, required, &r->diag);

	if (required)
		rc = flwd_required(rc);

	if (rc == FLW_ELIMIT)
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, key, "field '%s': at most %d characters",
		                  key, FLW_ID_MAX);
	if (rc == 0 && !flw_id_ok(*out))
		rc = flw_diag_set(
		        &r->diag, FLW_EFORMAT, key,
		        "field '%s': 1-64 of [A-Za-z0-9._:-], not starting with '.' or '-'", key);
	return rc;
}

/* array of ids -> borrowed string pointers (flw_free the array) */
static int get_ids(struct flwd_req *r, json_t *body, const char *key, const char ***out,
                   size_t *n_out)
{
	json_t *arr = NULL;
	json_t *v;
	size_t i;
	int rc;

	*out = NULL;
	*n_out = 0;
	rc = flw_json_get_arr(body, key, &arr, FLWD_LIST_IDS_MAX, 0, &r->diag);
	if (rc != 0)
		return rc;
	*out = flw_calloc(json_array_size(arr) + 1, sizeof(**out));
	if (!*out)
		return FLW_ENOMEM;
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(v);

		if (!s || !flw_id_ok(s)) {
			flw_free(*out);
			*out = NULL;
			return flw_diag_set(&r->diag, FLW_EFORMAT, key,
			                    "field '%s'[%zu]: expected a device id", key, i);
		}
		(*out)[i] = s;
	}
	*n_out = json_array_size(arr);
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
	json_object_set(o, "attributes", dev->attrs ? dev->attrs : json_object());
	json_object_set(o, "groups", dev->groups ? dev->groups : json_array());
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

/* ---- groups ------------------------------------------------------------------------------ */

int flwd_h_group_create(struct flwd_req *r)
{
	static const char *const keys[] = { "name", NULL };
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char *name = NULL;
	json_t *body = NULL;
	int rc;

	if ((rc = body_only(r, &body, keys)) != 0 ||
	    (rc = get_name(r, body, "name", 1, &name)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	set_object(r, "group", name);
	flwd_audit(r, &a, NULL);
	rc = flw_store_group_add(s, name, &a, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	rc = flwd_reply_json(r, 201, json_pack("{s:s}", "name", name));
out:
	json_decref(body);
	return rc;
}

int flwd_h_group_list(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	json_t *items = NULL;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_group_list(s, &items, &r->diag)) != 0)
		return rc;
	return reply_items(r, items, -1);
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
	static const char *const keys[] = { "add", "remove", NULL };
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char **add = NULL;
	const char **rem = NULL;
	const char *name = NULL;
	size_t n_add = 0;
	size_t n_rem = 0;
	json_t *body = NULL;
	json_t *g = NULL;
	int rc;

	if ((rc = id_param(r, 0, &name)) != 0 || (rc = body_only(r, &body, keys)) != 0)
		goto out;
	if (((rc = get_ids(r, body, "add", &add, &n_add)) != 0 && rc != FLW_ENOTFOUND) ||
	    ((rc = get_ids(r, body, "remove", &rem, &n_rem)) != 0 && rc != FLW_ENOTFOUND))
		goto out;
	if ((rc = flwd_req_store(r, &s)) != 0)
		goto out;
	set_object(r, "group", name);
	flwd_audit(r, &a, NULL);
	if (n_add > 0 &&
	    (rc = flw_store_group_set_members(s, name, add, n_add, 1, &a, &r->diag)) != 0)
		goto out;
	if (n_rem > 0 &&
	    (rc = flw_store_group_set_members(s, name, rem, n_rem, 0, &a, &r->diag)) != 0)
		goto out;
	r->audited = n_add > 0 || n_rem > 0;
	rc = group_count(r, s, name, &g);
	if (rc == 0)
		rc = flwd_reply_json(r, 200, g);
out:
	flw_free(add);
	flw_free(rem);
	json_decref(body);
	return rc;
}

int flwd_h_group_delete(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char *name = NULL;
	int rc;

	if ((rc = id_param(r, 0, &name)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		return rc;
	set_object(r, "group", name);
	flwd_audit(r, &a, NULL);
	rc = flw_store_group_delete(s, name, &a, &r->diag);
	if (rc != 0)
		return rc;
	r->audited = 1;
	return reply_empty(r);
}

/* ---- enrollment tokens ------------------------------------------------------------------- */

int flwd_h_etoken_create(struct flwd_req *r)
{
	static const char *const keys[] = { "name", "uses", "expires_in", "group", NULL };
	char tok[FLW_SECRET_TOKEN_MAX + 1];
	struct flw_enroll_token t;
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char *name = NULL;
	const char *group = NULL;
	int64_t uses = 1;
	int64_t exp_in = 0;
	int64_t id = 0;
	json_t *body = NULL;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = body_only(r, &body, keys)) != 0 ||
	    (rc = get_name(r, body, "name", 1, &name)) != 0)
		goto out;
	if (((rc = flw_json_get_int(body, "uses", &uses, -1, 1000000000, 0, &r->diag)) != 0 &&
	     rc != FLW_ENOTFOUND) ||
	    ((rc = flw_json_get_int(body, "expires_in", &exp_in, 1, 10ll * 366 * 86400, 0,
	                            &r->diag)) != 0 &&
	     rc != FLW_ENOTFOUND) ||
	    ((rc = get_name(r, body, "group", 0, &group)) != 0 && rc != FLW_ENOTFOUND))
		goto out;
	if (uses == 0) {
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, "uses",
		                  "field 'uses': a positive number, or -1 for unlimited");
		goto out;
	}
	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_secret_token_new(tok, FLW_ENROLL_TOKEN_PREFIX, t.hash)) != 0)
		goto out;
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.group, sizeof(t.group), "%s", group ? group : "");
	t.uses_left = uses;
	t.created = r->now;
	t.expires = exp_in ? r->now + exp_in : 0;
	set_object(r, "enroll_token", name);
	flwd_audit(r, &a, NULL);
	rc = flw_store_enroll_token_add(s, &t, &a, &id, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	rc = flwd_reply_json(r, 201,
	                     json_pack("{s:s,s:s,s:I}", "name", name, "token", tok, "expires",
	                               (json_int_t)t.expires));
out:
	flw_memzero(tok, sizeof(tok));
	json_decref(body);
	return rc;
}

int flwd_h_etoken_list(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	json_t *items = NULL;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_enroll_token_list(s, &items, &r->diag)) != 0)
		return rc;
	return reply_items(r, items, -1);
}

int flwd_h_etoken_delete(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char *name = NULL;
	int rc;

	if ((rc = id_param(r, 0, &name)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		return rc;
	set_object(r, "enroll_token", name);
	flwd_audit(r, &a, NULL);
	rc = flw_store_enroll_token_revoke(s, name, &a, &r->diag);
	if (rc != 0)
		return rc;
	r->audited = 1;
	return reply_empty(r);
}

/* ---- TUF --------------------------------------------------------------------------------- */

static int tuf_newest(struct flwd_req *r, int role, size_t max)
{
	struct flw_store *s = NULL;
	struct flw_buf b;
	int64_t v = 0;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	flw_buf_init(&b, max);
	rc = flw_store_tuf_get(s, role, 0, &b, &v, &r->diag);
	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL,
		                  "no %s metadata yet (run 'fleetward repo init')",
		                  flw_tuf_role_to_string(role));
	if (rc == 0)
		rc = flwd_reply_bytes(r, 200, "application/json", b.data, b.len);
	flw_buf_free(&b);
	return rc;
}

int flwd_h_tuf_root_get(struct flwd_req *r)
{
	return tuf_newest(r, FLW_TUF_ROOT, FLW_TUF_ROOT_MAX_BYTES);
}

int flwd_h_tuf_targets_get(struct flwd_req *r)
{
	return tuf_newest(r, FLW_TUF_TARGETS, FLW_TUF_TARGETS_MAX_BYTES);
}

int flwd_h_tuf_online_keys(struct flwd_req *r)
{
	json_t *sk = NULL;
	json_t *tk = NULL;
	int rc;

	if ((rc = flw_tuf_key_to_json(flw_signer_key(r->d->dd.snapshot_key), &sk)) != 0 ||
	    (rc = flw_tuf_key_to_json(flw_signer_key(r->d->dd.timestamp_key), &tk)) != 0) {
		json_decref(sk);
		return rc;
	}
	return flwd_reply_json(r, 200, json_pack("{s:o,s:o}", "snapshot", sk, "timestamp", tk));
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
	pthread_mutex_unlock(&r->d->repo_lock);
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
	struct flw_store *s = NULL;
	json_t *items = NULL;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_release_list(s, &items, &r->diag)) != 0)
		return rc;
	return reply_items(r, items, -1);
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
	static const char *const keys[] = { "release", "devices", "group", NULL };
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char **devs = NULL;
	const char *rel = NULL;
	const char *group = NULL;
	size_t n = 0;
	int64_t id = 0;
	json_t *body = NULL;
	int rc;

	if ((rc = body_only(r, &body, keys)) != 0 ||
	    (rc = flw_json_get_str(body, "release", &rel, FLW_TUF_TARGET_NAME_MAX, 1, &r->diag)) !=
	            0) {
		rc = flwd_required(rc);
		goto out;
	}
	if (((rc = get_ids(r, body, "devices", &devs, &n)) != 0 && rc != FLW_ENOTFOUND) ||
	    ((rc = get_name(r, body, "group", 0, &group)) != 0 && rc != FLW_ENOTFOUND))
		goto out;
	if (n == 0 && !group) {
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, "devices",
		                  "name the target devices: \"devices\": [ids] and/or \"group\"");
		goto out;
	}
	if ((rc = flwd_req_store(r, &s)) != 0)
		goto out;
	set_object(r, "release", rel);
	flwd_audit(r, &a, NULL);
	rc = flw_store_deployment_create(s, rel, devs, n, group, r->now, &a, &id, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	snprintf(r->audit_object, sizeof(r->audit_object), "deployment:%" PRId64, id);
	log_info("deployment %" PRId64 " of '%s' created by %s", id, rel, r->actor);
	rc = flwd_reply_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
out:
	flw_free(devs);
	json_decref(body);
	return rc;
}

int flwd_h_deployment_list(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	json_t *items = NULL;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_deployment_list(s, &items, &r->diag)) != 0)
		return rc;
	return reply_items(r, items, -1);
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
	static const char *const keys[] = { "name", "role", "expires_in", NULL };
	char tok[FLW_SECRET_TOKEN_MAX + 1];
	struct flw_api_token t;
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char *name = NULL;
	const char *role = NULL;
	int64_t exp_in = 0;
	int64_t id = 0;
	json_t *body = NULL;
	char detail[64];
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = body_only(r, &body, keys)) != 0 ||
	    (rc = get_name(r, body, "name", 1, &name)) != 0 ||
	    (rc = flw_json_get_str(body, "role", &role, 16, 1, &r->diag)) != 0) {
		rc = flwd_required(rc);
		goto out;
	}
	rc = flw_json_get_int(body, "expires_in", &exp_in, 1, 10ll * 366 * 86400, 0, &r->diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		goto out;
	t.role = flw_role_from_string(role);
	if (t.role < 0) {
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, "role",
		                  "field 'role': expected admin, operator or viewer");
		goto out;
	}
	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_secret_token_new(tok, FLW_API_TOKEN_PREFIX, t.hash)) != 0)
		goto out;
	snprintf(t.name, sizeof(t.name), "%s", name);
	t.created = r->now;
	t.expires = exp_in ? r->now + exp_in : 0;
	set_object(r, "token", name);
	snprintf(detail, sizeof(detail), "{\"role\":\"%s\"}", flw_role_to_string(t.role));
	flwd_audit(r, &a, detail);
	rc = flw_store_api_token_add(s, &t, &a, &id, &r->diag);
	if (rc != 0)
		goto out;
	r->audited = 1;
	rc = flwd_reply_json(r, 201,
	                     json_pack("{s:s,s:s,s:s}", "name", name, "role",
	                               flw_role_to_string(t.role), "token", tok));
out:
	flw_memzero(tok, sizeof(tok));
	json_decref(body);
	return rc;
}

int flwd_h_token_list(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	json_t *items = NULL;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = flw_store_api_token_list(s, &items, &r->diag)) != 0)
		return rc;
	return reply_items(r, items, -1);
}

int flwd_h_token_delete(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	struct flw_audit a;
	const char *name = NULL;
	int rc;

	if ((rc = id_param(r, 0, &name)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		return rc;
	set_object(r, "token", name);
	flwd_audit(r, &a, NULL);
	rc = flw_store_api_token_revoke(s, name, &a, &r->diag);
	flwd_token_invalidate(r->d, name);
	if (rc != 0)
		return rc;
	r->audited = 1;
	return reply_empty(r);
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
