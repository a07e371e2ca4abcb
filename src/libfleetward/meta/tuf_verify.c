/* meta/tuf_verify.c - keyrings, threshold verification of TUF envelopes, and meta entries
 *
 * Default-deny: a document is trusted only when at least `threshold` distinct keys listed for
 * the role produced a valid signature over the canonical JSON of "signed". Keys may be
 * ed25519, ECDSA P-256 or RSA (crypto/tuf_pkey.c); a key of another type is carried but never
 * counts. Each keyid counts once and the signatures may not list a keyid twice; one public key
 * listed under two keyids counts once (keys are compared by the fingerprint of their DER
 * form). A signature that is not hex never counts. Only the envelope is read before the
 * count is met; then the common header (_type, spec_version, version, expires) is checked.
 */
#include <string.h>

#include "crypto/tuf_pkey.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"

#define THRESHOLD_MAX 1024
#define KEYID_MAX     64

/* ---- keyrings ---------------------------------------------------------------------------- */

void flw_tuf__keyring_free(struct flw_tuf__keyring *kr)
{
	size_t i;

	if (!kr)
		return;
	for (i = 0; i < kr->n; i++)
		flw_pkey_free(kr->keys[i].pk);
	flw_free(kr->keys);
	kr->keys = NULL;
	kr->n = 0;
}

/* a usable key for obj, or NULL for a well-formed key we cannot verify with */
static int vkey_parse(const json_t *obj, struct flw_pkey **out, struct flw_diag *diag)
{
	unsigned char pk[FLW_ED25519_PK_BYTES];
	const char *type = json_string_value(json_object_get(obj, "keytype"));
	const char *scheme = json_string_value(json_object_get(obj, "scheme"));
	const char *pub;
	int sch;
	int rc;

	*out = NULL;
	rc = flw_tuf__key_parse(obj, pk, diag);
	if (rc < 0)
		return rc;
	sch = flw_pkey_scheme(type, scheme);
	if (sch < 0)
		return 0;
	pub = json_string_value(json_object_get(json_object_get(obj, "keyval"), "public"));
	rc = flw_pkey_parse(out, sch, pub);
	if (rc == FLW_ENOMEM)
		return rc;
	if (rc != 0)
		*out = NULL; /* malformed key material: listed, never counted */
	return 0;
}

int flw_tuf__keyring_parse(struct flw_tuf__keyring *out, const json_t *keys, struct flw_diag *diag)
{
	struct flw_tuf__keyring kr = { NULL, 0 };
	const char *id;
	json_t *k;
	int rc = 0;

	if (!json_is_object(keys))
		return flw_diag_set(diag, FLW_EFORMAT, "keys", "keys: expected an object");
	if (json_object_size(keys) > FLW_TUF_MAX_KEYS)
		return flw_diag_set(diag, FLW_ELIMIT, "keys", "more than %d keys",
		                    FLW_TUF_MAX_KEYS);
	kr.keys = flw_calloc(json_object_size(keys) + 1, sizeof(*kr.keys));
	if (!kr.keys)
		return FLW_ENOMEM;
	json_object_foreach((json_t *)keys, id, k)
	{
		size_t len = strlen(id);

		if (len == 0 || len > KEYID_MAX) {
			rc = flw_diag_set(diag, FLW_EFORMAT, "keys",
			                  "keyid must have 1 to %d characters", KEYID_MAX);
			break;
		}
		rc = vkey_parse(k, &kr.keys[kr.n].pk, diag);
		if (rc != 0)
			break;
		memcpy(kr.keys[kr.n].keyid, id, len + 1);
		kr.n++;
	}
	if (rc != 0)
		flw_tuf__keyring_free(&kr);
	else
		*out = kr;
	return rc;
}

const struct flw_tuf__vkey *flw_tuf__keyring_get(const struct flw_tuf__keyring *kr,
                                                 const char *keyid)
{
	size_t i;

	for (i = 0; kr && keyid && i < kr->n; i++)
		if (strcmp(kr->keys[i].keyid, keyid) == 0)
			return &kr->keys[i];
	return NULL;
}

static int listed_before(const json_t *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(json_string_value(json_array_get(ids, i)), id) == 0)
			return 1;
	return 0;
}

int flw_tuf__rolekeys_parse(struct flw_tuf__rolekeys *out, const json_t *obj, const char *name,
                            struct flw_diag *diag)
{
	json_t *ids = NULL;
	json_t *id;
	int64_t th = 0;
	size_t i;
	int rc;

	if ((rc = flw_json_get_arr(obj, "keyids", &ids, FLW_TUF_MAX_KEYS, 1, diag)) != 0 ||
	    (rc = flw_json_get_int(obj, "threshold", &th, 1, THRESHOLD_MAX, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	out->n = 0;
	out->threshold = (unsigned)th;
	json_array_foreach(ids, i, id)
	{
		const char *s = json_string_value(id);

		if (!s || listed_before(ids, i, s))
			return flw_diag_set(diag, FLW_EFORMAT, name,
			                    "role '%.64s': keyids must be distinct strings", name);
		out->keyids[out->n++] = s;
	}
	return 0;
}

/* ---- threshold ------------------------------------------------------------------------------ */

static int sig_keyids_distinct(const json_t *sigs, struct flw_diag *diag)
{
	size_t i;
	size_t j;

	for (i = 0; i < json_array_size(sigs); i++) {
		const char *a =
		        json_string_value(json_object_get(json_array_get(sigs, i), "keyid"));

		for (j = 0; j < i; j++) {
			const char *b = json_string_value(
			        json_object_get(json_array_get(sigs, j), "keyid"));

			if (a && b && strcmp(a, b) == 0)
				return flw_diag_set(diag, FLW_ESIG, "signatures",
				                    "threshold: signatures list keyid %.16s… twice",
				                    a);
		}
	}
	return 0;
}

/* 1 if the signature under k's keyid verifies msg with k */
static int key_signed(const struct flw_tuf__vkey *k, const json_t *sigs, const struct flw_buf *msg)
{
	unsigned char sig[FLW_PKEY_SIG_MAX];
	const json_t *s = NULL;
	const char *hex;
	size_t hlen;
	size_t i;

	json_array_foreach(sigs, i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "keyid")), k->keyid) == 0)
			break;
	}
	if (!s || i == json_array_size(sigs))
		return 0;
	hex = json_string_value(json_object_get(s, "sig"));
	hlen = strlen(hex);
	if (hlen == 0 || hlen % 2 != 0 || hlen / 2 > sizeof(sig) ||
	    flw_hex_decode(sig, hlen / 2, hex) != 0)
		return 0;
	return flw_pkey_verify(k->pk, sig, hlen / 2, msg->data, msg->len) == 0;
}

static int fp_counted(const unsigned char *const *seen, size_t n, const unsigned char *fp)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(seen[i], fp, FLW_PKEY_FP_BYTES) == 0)
			return 1;
	return 0;
}

int flw_tuf__verify_env(const json_t *env, const struct flw_tuf__keyring *kr,
                        const struct flw_tuf__rolekeys *rk, const char *rolename, size_t max,
                        struct flw_diag *diag)
{
	const unsigned char *seen[FLW_TUF_MAX_KEYS];
	const json_t *sigs = json_object_get(env, "signatures");
	struct flw_buf msg;
	size_t n = 0;
	size_t i;
	int rc;

	flw_buf_init(&msg, max);
	rc = sig_keyids_distinct(sigs, diag);
	if (rc != 0)
		goto out;
	rc = flw_tuf__canonical(&msg, json_object_get(env, "signed"), max, diag);
	if (rc != 0)
		goto out;
	for (i = 0; i < rk->n && i < FLW_TUF_MAX_KEYS; i++) {
		const struct flw_tuf__vkey *k = flw_tuf__keyring_get(kr, rk->keyids[i]);
		const unsigned char *fp;

		if (!k || !k->pk)
			continue;
		fp = flw_pkey_fingerprint(k->pk);
		if (fp_counted(seen, n, fp))
			continue;
		if (key_signed(k, sigs, &msg))
			seen[n++] = fp;
	}
	rc = 0;
	if (rk->threshold < 1 || n < rk->threshold)
		rc = flw_diag_set(diag, FLW_ESIG, "signatures",
		                  "threshold: %.64s was signed by %zu of %u required keys",
		                  rolename, n, rk->threshold);
out:
	flw_buf_free(&msg);
	return rc;
}

int flw_tuf_verify(const struct flw_tuf_root *root, int role, const void *doc, size_t len,
                   json_t **signed_out, struct flw_diag *diag)
{
	const struct flw_tuf__rolekeys *rk;
	json_t *env = NULL;
	json_t *sgn;
	size_t max = flw_tuf__role_max(role);
	int rc = FLW_EINVAL;

	if (!root || (!doc && len) || max == 0 || !(rk = flw_tuf__root_rolekeys(root, role)))
		goto out;
	rc = flw_tuf__envelope_parse(&env, doc ? doc : "", len, max, diag);
	if (rc != 0)
		goto out;
	rc = flw_tuf__verify_env(env, flw_tuf__root_keyring(root), rk, flw_tuf_role_to_string(role),
	                         max, diag);
	if (rc != 0)
		goto out;
	sgn = json_object_get(env, "signed");
	rc = flw_tuf__check_header(sgn, role, NULL, NULL, diag);
	if (rc != 0)
		goto out;
	if (signed_out)
		*signed_out = json_incref(sgn);
out:
	json_decref(env);
	return rc;
}

int flw_tuf_verify_director(const struct flw_tuf_root *root, const void *doc, size_t len,
                            json_t **signed_out, struct flw_diag *diag)
{
	const struct flw_tuf__rolekeys *rk;
	json_t *env = NULL;
	json_t *sgn;
	size_t max = flw_tuf__role_max(FLW_TUF_TARGETS);
	int rc = FLW_EINVAL;

	if (!root || (!doc && len))
		goto out;
	rk = flw_tuf__root_rolekeys(root, FLW_TUF__DIRECTOR);
	if (!rk) {
		rc = flw_diag_set(
		        diag, FLW_ESIG, FLW_TUF_DIRECTOR_FIELD,
		        "arbitrary installation: the trusted root names no director keys");
		goto out;
	}
	rc = flw_tuf__envelope_parse(&env, doc ? doc : "", len, max, diag);
	if (rc != 0)
		goto out;
	rc = flw_tuf__verify_env(env, flw_tuf__root_keyring(root), rk, "director", max, diag);
	if (rc != 0)
		goto out;
	sgn = json_object_get(env, "signed");
	rc = flw_tuf__check_header(sgn, FLW_TUF_TARGETS, NULL, NULL, diag);
	if (rc != 0)
		goto out;
	if (signed_out)
		*signed_out = json_incref(sgn);
out:
	json_decref(env);
	return rc;
}

int flw_tuf__meta_parse_hashes(const json_t *hashes, struct flw_tuf_meta *out,
                               struct flw_diag *diag)
{
	const char *alg;
	json_t *v;

	if (json_object_size(hashes) == 0)
		return flw_diag_set(diag, FLW_EFORMAT, "hashes", "empty hashes");
	json_object_foreach((json_t *)hashes, alg, v)
	{
		if (!json_is_string(v))
			return flw_diag_set(diag, FLW_EFORMAT, "hashes", "hash must be a string");
		if (strcmp(alg, "sha256") == 0) {
			if (flw_hex_decode(out->sha256, sizeof(out->sha256),
			                   json_string_value(v)) != 0)
				return flw_diag_set(diag, FLW_EFORMAT, "hashes.sha256",
				                    "sha256 must be 64 hex digits");
			out->has_sha256 = 1;
		} else if (strcmp(alg, "sha512") == 0) {
			if (flw_hex_decode(out->sha512, sizeof(out->sha512),
			                   json_string_value(v)) != 0)
				return flw_diag_set(diag, FLW_EFORMAT, "hashes.sha512",
				                    "sha512 must be 128 hex digits");
			out->has_sha512 = 1;
		} else {
			out->n_unsupported++; /* cannot be checked: the bytes never match */
		}
	}
	return 0;
}

int flw_tuf__meta_check(const struct flw_tuf_meta *m, const void *data, size_t len,
                        const char *name, struct flw_diag *diag)
{
	unsigned char md[FLW_SHA512_BYTES];
	int rc;

	if (m->length >= 0 && (uint64_t)len != (uint64_t)m->length)
		return flw_diag_set(diag, FLW_EHASH, name,
		                    "mix-and-match: '%.64s' has %zu bytes, %lld listed", name, len,
		                    (long long)m->length);
	if (m->n_unsupported)
		return flw_diag_set(diag, FLW_EHASH, name,
		                    "'%.64s' lists a hash algorithm that cannot be checked", name);
	if (m->has_sha256) {
		rc = flw_sha256(data ? data : "", len, md);
		if (rc != 0)
			return rc;
		if (flw_ct_memcmp(md, m->sha256, FLW_SHA256_BYTES) != 0)
			return flw_diag_set(diag, FLW_EHASH, name,
			                    "mix-and-match: sha256 of '%.64s' differs from the "
			                    "listed one",
			                    name);
	}
	if (m->has_sha512) {
		rc = flw_sha512(data, len, md);
		if (rc != 0)
			return rc;
		if (flw_ct_memcmp(md, m->sha512, FLW_SHA512_BYTES) != 0)
			return flw_diag_set(diag, FLW_EHASH, name,
			                    "mix-and-match: sha512 of '%.64s' differs from the "
			                    "listed one",
			                    name);
	}
	return 0;
}

int flw_tuf__meta_parse(const json_t *entry, const char *file, struct flw_tuf_meta *out,
                        struct flw_diag *diag)
{
	struct flw_tuf_meta m;
	json_t *hashes = NULL;
	int rc;

	memset(&m, 0, sizeof(m));
	m.length = -1;
	if (!json_is_object(entry))
		return flw_diag_set(diag, FLW_EFORMAT, file, "meta '%s': expected an object", file);
	rc = flw_json_get_int(entry, "version", &m.version, 1, INT64_MAX, 1, diag);
	if (rc != 0)
		return flw_tuf__required(rc, diag);
	rc = flw_json_get_int(entry, "length", &m.length, 0, INT64_MAX, 0, diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	rc = flw_json_get_obj(entry, "hashes", &hashes, 0, diag);
	if (rc == 0)
		rc = flw_tuf__meta_parse_hashes(hashes, &m, diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	*out = m;
	return 0;
}

int flw_tuf__meta_get(const json_t *signed_obj, const char *file, struct flw_tuf_meta *out,
                      struct flw_diag *diag)
{
	json_t *meta = NULL;
	json_t *entry;
	int rc;

	rc = flw_json_get_obj(signed_obj, "meta", &meta, 1, diag);
	if (rc != 0)
		return flw_tuf__required(rc, diag);
	entry = json_object_get(meta, file);
	if (!entry)
		return FLW_ENOTFOUND;
	return flw_tuf__meta_parse(entry, file, out, diag);
}
