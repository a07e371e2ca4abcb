/* meta/tuf_root.c - a parsed root: for each top-level role, its usable keys and threshold
 *
 * Parsing does not trust: callers verify the same bytes with flw_tuf_verify() (the old root
 * and the new root itself) before use. Keys are indexed by the keyid the root lists them under;
 * keys of other types than ed25519 and keyids without a key object are kept out of the role's
 * key list, so they can never count towards a threshold. Duplicate keyids in a role and a
 * threshold below 1 are malformed.
 */
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"

#define THRESHOLD_MAX 1024

struct tuf_role {
	struct flw_tuf_key keys[FLW_TUF_MAX_KEYS]; /* ed25519 keys listed for the role */
	size_t n_keys;
	unsigned threshold;
};

struct flw_tuf_root {
	int64_t version;
	time_t expires;
	int consistent_snapshot;
	struct tuf_role roles[_FLW_TUF_ROLE_MAX];
};

/* every entry of signed.keys must be a well-formed key under a keyid of 1..64 characters */
static int check_keys(const json_t *keys, struct flw_diag *diag)
{
	unsigned char pk[FLW_ED25519_PK_BYTES];
	const char *id;
	json_t *k;
	int rc;

	if (json_object_size(keys) > FLW_TUF_MAX_KEYS)
		return flw_diag_set(diag, FLW_ELIMIT, "signed.keys", "more than %d keys",
		                    FLW_TUF_MAX_KEYS);
	json_object_foreach((json_t *)keys, id, k)
	{
		if (strlen(id) == 0 || strlen(id) > 64)
			return flw_diag_set(diag, FLW_EFORMAT, "signed.keys",
			                    "keyid must have 1 to 64 characters");
		rc = flw_tuf__key_parse(k, pk, diag);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int id_listed_before(const json_t *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(json_string_value(json_array_get(ids, i)), id) == 0)
			return 1;
	return 0;
}

static int parse_role(const json_t *roles, int role, const json_t *keys, struct tuf_role *out,
                      struct flw_diag *diag)
{
	const char *name = flw_tuf_role_to_string(role);
	json_t *r = NULL;
	json_t *ids = NULL;
	json_t *id;
	int64_t th = 0;
	size_t i;
	int rc;

	if ((rc = flw_json_get_obj(roles, name, &r, 1, diag)) != 0 ||
	    (rc = flw_json_get_arr(r, "keyids", &ids, FLW_TUF_MAX_KEYS, 1, diag)) != 0 ||
	    (rc = flw_json_get_int(r, "threshold", &th, 1, THRESHOLD_MAX, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	out->threshold = (unsigned)th;
	json_array_foreach(ids, i, id)
	{
		const char *s = json_string_value(id);
		struct flw_tuf_key *k = &out->keys[out->n_keys];

		if (!s || id_listed_before(ids, i, s))
			return flw_diag_set(diag, FLW_EFORMAT, name,
			                    "role '%s': keyids must be distinct strings", name);
		if (strlen(s) > 64 ||
		    flw_tuf__key_parse(json_object_get(keys, s), k->pk, NULL) != 0)
			continue; /* no such key, or not ed25519: cannot count */
		memcpy(k->keyid, s, strlen(s) + 1);
		out->n_keys++;
	}
	return 0;
}

static int parse_signed_root(const json_t *sgn, struct flw_tuf_root *r, struct flw_diag *diag)
{
	json_t *keys = NULL;
	json_t *roles = NULL;
	int cs = 0;
	int i;
	int rc;

	rc = flw_tuf__check_header(sgn, FLW_TUF_ROOT, &r->version, &r->expires, diag);
	if (rc != 0)
		return rc;
	rc = flw_json_get_bool(sgn, "consistent_snapshot", &cs, 0, diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	r->consistent_snapshot = cs;
	if ((rc = flw_json_get_obj(sgn, "keys", &keys, 1, diag)) != 0 ||
	    (rc = flw_json_get_obj(sgn, "roles", &roles, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	rc = check_keys(keys, diag);
	for (i = 0; rc == 0 && i < _FLW_TUF_ROLE_MAX; i++)
		rc = parse_role(roles, i, keys, &r->roles[i], diag);
	return rc;
}

int flw_tuf_root_parse(struct flw_tuf_root **out, const void *doc, size_t len,
                       struct flw_diag *diag)
{
	struct flw_tuf_root *r = NULL;
	json_t *env = NULL;
	int rc = FLW_EINVAL;

	if (!out || (!doc && len))
		goto out;
	rc = flw_tuf__envelope_parse(&env, doc ? doc : "", len, FLW_TUF_ROOT_MAX_BYTES, diag);
	if (rc != 0)
		goto out;
	rc = FLW_ENOMEM;
	r = flw_calloc(1, sizeof(*r));
	if (!r)
		goto out;
	rc = parse_signed_root(json_object_get(env, "signed"), r, diag);
	if (rc != 0)
		goto out;
	*out = r;
	r = NULL;
out:
	flw_tuf_root_free(r);
	json_decref(env);
	return rc;
}

void flw_tuf_root_free(struct flw_tuf_root *r)
{
	flw_free(r);
}

int64_t flw_tuf_root_version(const struct flw_tuf_root *r)
{
	return r ? r->version : 0;
}

time_t flw_tuf_root_expires(const struct flw_tuf_root *r)
{
	return r ? r->expires : 0;
}

int flw_tuf__root_consistent(const struct flw_tuf_root *r)
{
	return r->consistent_snapshot;
}

int flw_tuf_root_role(const struct flw_tuf_root *r, int role, struct flw_tuf_role_keys *out)
{
	if (!r || !out || role < 0 || role >= _FLW_TUF_ROLE_MAX)
		return FLW_EINVAL;
	out->keys = r->roles[role].keys;
	out->n_keys = r->roles[role].n_keys;
	out->threshold = r->roles[role].threshold;
	return 0;
}
