/* meta/tuf_make.c - build the "signed" objects of the four top-level roles
 *
 * Every object carries the common header (_type, spec_version, version, expires). Snapshot and
 * timestamp pin the file below them with version, length and sha256, so that a client can
 * refuse mix-and-match and endless data before it parses anything.
 */
#include <string.h>

#include "fleetward/error.h"
#include "tuf_private.h"

static json_t *header(int role, int64_t version, time_t expires)
{
	char when[21];

	flw_tuf_time_format(expires, when);
	return json_pack("{s:s, s:s, s:I, s:s}", "_type", flw_tuf_role_to_string(role),
	                 "spec_version", FLW_TUF_SPEC_VERSION, "version", (json_int_t)version,
	                 "expires", when);
}

/* add role's keys to `keys` and return {"keyids":[...],"threshold":n} */
static int root_role(json_t *keys, const struct flw_tuf_role_keys *rk, json_t **out)
{
	json_t *ids = NULL;
	json_t *k = NULL;
	size_t i;
	int rc = FLW_EINVAL;

	if (rk->threshold < 1 || rk->n_keys > FLW_TUF_MAX_KEYS || (rk->n_keys && !rk->keys))
		goto out;
	rc = FLW_ENOMEM;
	ids = json_array();
	if (!ids)
		goto out;
	for (i = 0; i < rk->n_keys; i++) {
		if ((rc = flw_tuf_key_to_json(&rk->keys[i], &k)) != 0)
			goto out;
		rc = FLW_ENOMEM;
		if (json_object_set_new(keys, rk->keys[i].keyid, k) != 0 ||
		    json_array_append_new(ids, json_string(rk->keys[i].keyid)) != 0)
			goto out;
		k = NULL;
	}
	*out = json_pack("{s:O, s:I}", "keyids", ids, "threshold", (json_int_t)rk->threshold);
	rc = *out ? 0 : FLW_ENOMEM;
out:
	json_decref(ids);
	return rc;
}

int flw_tuf_make_root(json_t **out, int64_t version, time_t expires,
                      const struct flw_tuf_role_keys roles[4])
{
	json_t *o = NULL;
	json_t *keys = NULL;
	json_t *rolemap = NULL;
	json_t *r = NULL;
	int i;
	int rc = FLW_EINVAL;

	if (!out || !roles || version < 1)
		goto out;
	rc = FLW_ENOMEM;
	o = header(FLW_TUF_ROOT, version, expires);
	keys = json_object();
	rolemap = json_object();
	if (!o || !keys || !rolemap)
		goto out;
	for (i = 0; i < _FLW_TUF_ROLE_MAX; i++) {
		if ((rc = root_role(keys, &roles[i], &r)) != 0)
			goto out;
		rc = FLW_ENOMEM;
		if (json_object_set_new(rolemap, flw_tuf_role_to_string(i), r) != 0)
			goto out;
	}
	if (json_object_set_new(o, "consistent_snapshot", json_true()) != 0 ||
	    json_object_set(o, "keys", keys) != 0 || json_object_set(o, "roles", rolemap) != 0)
		goto out;
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(o);
	json_decref(keys);
	json_decref(rolemap);
	return rc;
}

int flw_tuf_root_set_director(json_t *root_signed, const struct flw_tuf_role_keys *director)
{
	json_t *keys;
	json_t *r = NULL;
	int rc = FLW_EINVAL;

	if (!root_signed || !director || director->n_keys < director->threshold)
		goto out;
	keys = json_object_get(root_signed, "keys");
	if (!json_is_object(keys))
		goto out;
	if ((rc = root_role(keys, director, &r)) != 0)
		goto out;
	rc = json_object_set_new(root_signed, FLW_TUF_DIRECTOR_FIELD, r) == 0 ? 0 : FLW_ENOMEM;
out:
	return rc;
}

int flw_tuf_make_targets(json_t **out, int64_t version, time_t expires)
{
	json_t *o;

	if (!out || version < 1)
		return FLW_EINVAL;
	o = header(FLW_TUF_TARGETS, version, expires);
	if (!o || json_object_set_new(o, "targets", json_object()) != 0) {
		json_decref(o);
		return FLW_ENOMEM;
	}
	*out = o;
	return 0;
}

/* {"_type":role,...,"meta":{file:{"version":v,"length":n,"hashes":{"sha256":hex}}}} */
static int make_pinning(json_t **out, int role, const char *file, int64_t version, time_t expires,
                        int64_t pinned_version, const void *bytes, size_t len)
{
	unsigned char md[FLW_SHA256_BYTES];
	char hex[FLW_SHA256_HEX];
	json_t *o;
	int rc;

	if (!out || version < 1 || pinned_version < 1 || (!bytes && len) ||
	    (uint64_t)len > (uint64_t)INT64_MAX)
		return FLW_EINVAL;
	rc = flw_sha256(bytes ? bytes : "", len, md);
	if (rc != 0)
		return rc;
	flw_hex_encode(hex, md, sizeof(md));
	o = header(role, version, expires);
	if (!o || json_object_set_new(o, "meta",
	                              json_pack("{s:{s:I, s:I, s:{s:s}}}", file, "version",
	                                        (json_int_t)pinned_version, "length",
	                                        (json_int_t)len, "hashes", "sha256", hex)) != 0) {
		json_decref(o);
		return FLW_ENOMEM;
	}
	*out = o;
	return 0;
}

int flw_tuf_make_snapshot(json_t **out, int64_t version, time_t expires, int64_t targets_version,
                          const void *targets_bytes, size_t targets_len)
{
	return make_pinning(out, FLW_TUF_SNAPSHOT, "targets.json", version, expires,
	                    targets_version, targets_bytes, targets_len);
}

int flw_tuf_make_timestamp(json_t **out, int64_t version, time_t expires, int64_t snapshot_version,
                           const void *snapshot_bytes, size_t snapshot_len)
{
	return make_pinning(out, FLW_TUF_TIMESTAMP, "snapshot.json", version, expires,
	                    snapshot_version, snapshot_bytes, snapshot_len);
}
