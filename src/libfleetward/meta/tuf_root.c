/* meta/tuf_root.c - a parsed root: the keyring, and for each top-level role its keyids and
 * threshold
 *
 * Parsing does not trust: callers verify the same bytes with flw_tuf_verify() (the old root
 * and the new root itself) before use. Keys are indexed by the keyid the root lists them under;
 * keys of unsupported types and keyids without a key object can never count towards a
 * threshold. Duplicate keyids in a role and a threshold below 1 are malformed. The ed25519
 * keys of each role are also kept as struct flw_tuf_key for flw_tuf_root_role().
 */
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"

struct tuf_role {
	struct flw_tuf_key keys[FLW_TUF_MAX_KEYS]; /* ed25519 keys listed for the role */
	size_t n_keys;
	unsigned threshold;
	char ids[FLW_TUF_MAX_KEYS][FLW_SHA256_HEX]; /* all keyids listed (rk points here) */
	struct flw_tuf__rolekeys rk;
};

struct flw_tuf_root {
	int64_t version;
	time_t expires;
	int consistent_snapshot;
	struct flw_tuf__keyring kr;
	struct tuf_role roles[_FLW_TUF_ROLE_MAX];
	struct tuf_role director; /* FLW_TUF_DIRECTOR_FIELD; n_keys == 0 and !has_director: none */
	int has_director;
};

/* {"keyids":[...],"threshold":n} of role `name`, with its ed25519 keys looked up in keys */
static int parse_role_obj(const json_t *r, const char *name, const json_t *keys,
                          struct tuf_role *out, struct flw_diag *diag)
{
	struct flw_tuf__rolekeys rk;
	size_t i;
	int rc;

	if ((rc = flw_tuf__rolekeys_parse(&rk, r, name, diag)) != 0)
		return flw_tuf__required(rc, diag);
	out->threshold = rk.threshold;
	for (i = 0; i < rk.n; i++) {
		const char *s = rk.keyids[i];
		struct flw_tuf_key *k = &out->keys[out->n_keys];

		if (strlen(s) > 64)
			continue; /* no key can be listed under it: cannot count */
		memcpy(out->ids[out->rk.n], s, strlen(s) + 1);
		out->rk.keyids[out->rk.n] = out->ids[out->rk.n];
		out->rk.n++;
		if (flw_tuf__key_parse(json_object_get(keys, s), k->pk, NULL) != 0)
			continue; /* no such key, or not ed25519 */
		memcpy(k->keyid, s, strlen(s) + 1);
		out->n_keys++;
	}
	out->rk.threshold = rk.threshold;
	return 0;
}

static int parse_role(const json_t *roles, int role, const json_t *keys, struct tuf_role *out,
                      struct flw_diag *diag)
{
	const char *name = flw_tuf_role_to_string(role);
	json_t *r = NULL;
	int rc;

	if ((rc = flw_json_get_obj(roles, name, &r, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	return parse_role_obj(r, name, keys, out, diag);
}

/* fleetward's director keys: an extra field of root, so that the offline root keys sign them
 * and root rotation rotates them; TUF clients that do not know it ignore it. */
static int parse_director(const json_t *sgn, const json_t *keys, struct flw_tuf_root *r,
                          struct flw_diag *diag)
{
	json_t *d = NULL;
	int rc = flw_json_get_obj(sgn, FLW_TUF_DIRECTOR_FIELD, &d, 0, diag);

	if (rc == FLW_ENOTFOUND)
		return 0;
	if (rc == 0)
		rc = parse_role_obj(d, FLW_TUF_DIRECTOR_FIELD, keys, &r->director, diag);
	if (rc == 0)
		r->has_director = 1;
	return rc;
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
	rc = flw_tuf__keyring_parse(&r->kr, keys, diag);
	for (i = 0; rc == 0 && i < _FLW_TUF_ROLE_MAX; i++)
		rc = parse_role(roles, i, keys, &r->roles[i], diag);
	if (rc == 0)
		rc = parse_director(sgn, keys, r, diag);
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
	if (!r)
		return;
	flw_tuf__keyring_free(&r->kr);
	flw_free(r);
}

const struct flw_tuf__keyring *flw_tuf__root_keyring(const struct flw_tuf_root *r)
{
	return &r->kr;
}

const struct flw_tuf__rolekeys *flw_tuf__root_rolekeys(const struct flw_tuf_root *r, int role)
{
	if (r && role == FLW_TUF__DIRECTOR && r->has_director)
		return &r->director.rk;
	if (!r || role < 0 || role >= _FLW_TUF_ROLE_MAX)
		return NULL;
	return &r->roles[role].rk;
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

int flw_tuf_root_director(const struct flw_tuf_root *r, struct flw_tuf_role_keys *out)
{
	if (!r || !out)
		return FLW_EINVAL;
	if (!r->has_director)
		return FLW_ENOTFOUND;
	out->keys = r->director.keys;
	out->n_keys = r->director.n_keys;
	out->threshold = r->director.threshold;
	return 0;
}
