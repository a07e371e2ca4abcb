/* src/libfleetward/server/director.c - per-device director documents (Uptane-style director)
 *
 * The image repository (offline-signed targets) says what exists; the director says what ONE
 * device installs now. A director document is a TUF targets envelope signed by the server's
 * online director key (listed in root's "x-fleetward-director" field, so the offline root keys
 * vouch for it):
 *
 *   {"_type":"targets","spec_version":..,"version":V,"expires":now+lifetime,
 *    "targets":{NAME:{"length":..,"hashes":{"sha256":..},
 *                     "custom":{"hardware_ids":[..],"security_version":N}}},
 *    "custom":{"device_id":ID,"deployment":D}}
 *
 * V is the device's director counter (store: incremented in one transaction, never reused),
 * so the agent can refuse a replayed older instruction. Check-ins are the hot path: a stored
 * document is re-sent as it is; signing happens once per instruction and again only when the
 * stored one nears expiry (under a quarter of its lifetime left) or the director key changed.
 */
#include <string.h>

#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"
#include "server/server.h"

static json_t *target_entry(const struct flw_tuf_target *t)
{
	char hex[FLW_SHA256_HEX];
	json_t *hw = json_array();
	unsigned i;

	for (i = 0; hw && i < t->n_hwids && i < FLW_TUF_MAX_HWIDS; i++) {
		if (json_array_append_new(hw, json_string(t->hwids[i])) != 0) {
			json_decref(hw);
			return NULL;
		}
	}
	if (!hw)
		return NULL;
	flw_hex_encode(hex, t->sha256, sizeof(t->sha256));
	return json_pack("{s:I, s:{s:s}, s:{s:o, s:I}}", "length", (json_int_t)t->length, "hashes",
	                 "sha256", hex, "custom", "hardware_ids", hw, "security_version",
	                 (json_int_t)t->security_version);
}

int flw_director_sign(struct flw_signer *key, const char *device_id, const struct flw_action *act,
                      int64_t version, time_t now, time_t lifetime, struct flw_buf *out,
                      struct flw_director_doc *meta, struct flw_diag *diag)
{
	json_t *o = NULL;
	json_t *targets;
	json_t *entry = NULL;
	time_t expires;
	int rc = FLW_EINVAL;

	if (!key || !device_id || !act || !out || version < 1 || act->deployment_id < 1 ||
	    act->target.length > (uint64_t)INT64_MAX ||
	    act->target.security_version > (uint64_t)INT64_MAX)
		return flw_diag_set(diag, FLW_EINVAL, "director", "bad director document request");
	if (lifetime <= 0)
		lifetime = FLW_DIRECTOR_LIFETIME;
	expires = now + lifetime;
	if ((rc = flw_tuf_make_targets(&o, version, expires)) != 0)
		goto out;
	rc = FLW_ENOMEM;
	targets = json_object_get(o, "targets");
	entry = target_entry(&act->target);
	if (!entry || json_object_set_new(targets, act->target.name, entry) != 0)
		goto out;
	if (json_object_set_new(o, "custom",
	                        json_pack("{s:s, s:I}", "device_id", device_id, "deployment",
	                                  (json_int_t)act->deployment_id)) != 0 ||
	    !json_object_get(o, "custom"))
		goto out;
	rc = flw_tuf_sign(out, o, &key, 1, diag);
	if (rc != 0)
		goto out;
	if (meta) {
		memset(meta, 0, sizeof(*meta));
		meta->version = version;
		meta->expires = expires;
		memcpy(meta->keyid, flw_signer_key(key)->keyid, sizeof(meta->keyid));
	}
out:
	json_decref(o);
	return rc;
}

int flw_director_stale(const struct flw_director_doc *meta, const struct flw_signer *key,
                       time_t now, time_t lifetime)
{
	if (lifetime <= 0)
		lifetime = FLW_DIRECTOR_LIFETIME;
	if (!meta || meta->version < 1 || !key)
		return 1;
	if (strcmp(meta->keyid, flw_signer_key(key)->keyid) != 0)
		return 1; /* the director key was rotated: the old one may leave root */
	return meta->expires - now < lifetime / 4;
}

int flw_director_for_device(struct flw_store *s, struct flw_signer *key, const char *device_id,
                            time_t now, time_t lifetime, struct flw_action *act,
                            struct flw_buf *doc, struct flw_diag *diag)
{
	struct flw_director_doc meta;
	struct flw_buf fresh;
	int64_t version = 0;
	int rc;

	flw_buf_init(&fresh, FLW_DIRECTOR_DOC_MAX);
	memset(act, 0, sizeof(*act));
	rc = flw_store_action_director(s, device_id, act, doc, &meta, diag);
	if (rc != 0 || !flw_director_stale(&meta, key, now, lifetime))
		goto out;
	if (!key) {
		rc = flw_diag_set(diag, FLW_ESTATE, "director", "the server has no director key");
		goto out;
	}
	if ((rc = flw_store_director_next_version(s, device_id, &version, diag)) != 0 ||
	    (rc = flw_director_sign(key, device_id, act, version, now, lifetime, &fresh, &meta,
	                            diag)) != 0)
		goto out;
	rc = flw_store_director_put(s, device_id, act->deployment_id, fresh.data, fresh.len, &meta,
	                            diag);
	if (rc == FLW_ECONFLICT) {
		/* a concurrent check-in of this device stored a newer document, or the action
		 * ended meanwhile: answer with what the store holds now */
		flw_diag_clear(diag);
		flw_buf_reset(doc);
		rc = flw_store_action_director(s, device_id, act, doc, &meta, diag);
		if (rc == 0 && meta.version < 1)
			rc = flw_diag_set(diag, FLW_ESTORE, "director",
			                  "no director document stored");
		goto out;
	}
	if (rc != 0)
		goto out;
	flw_buf_reset(doc);
	rc = flw_buf_append(doc, fresh.data, fresh.len);
out:
	flw_buf_free(&fresh);
	return rc;
}
