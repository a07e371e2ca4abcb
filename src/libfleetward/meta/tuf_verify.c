/* meta/tuf_verify.c - threshold verification of TUF envelopes, and meta entries
 *
 * Default-deny: a document is trusted only when at least `threshold` distinct keys listed for
 * the role produced a valid Ed25519 signature over the canonical JSON of "signed". Each keyid
 * counts once (its first signature entry is the one checked); one public key listed under two
 * keyids counts once; a signature that is not exactly 64 bytes of hex never counts. Only the
 * envelope is read before the count is met; then the common header (_type, spec_version,
 * version, expires) is checked.
 */
#include <string.h>

#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"

/* 1 if the first signature under k's keyid verifies msg with k. Later entries with the same
 * keyid are ignored: each keyid counts once, and at most one Ed25519 check is spent per key. */
static int key_signed(const struct flw_tuf_key *k, const json_t *sigs, const struct flw_buf *msg)
{
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	const json_t *s = NULL;
	const json_t *hex;
	size_t i;

	json_array_foreach(sigs, i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "keyid")), k->keyid) == 0)
			break;
	}
	if (!s || i == json_array_size(sigs))
		return 0;
	hex = json_object_get(s, "sig");
	if (json_string_length(hex) != 2 * FLW_ED25519_SIG_BYTES ||
	    flw_hex_decode(sig, sizeof(sig), json_string_value(hex)) != 0)
		return 0;
	return flw_ed25519_verify(sig, msg->data ? (const void *)msg->data : "", msg->len, k->pk) ==
	       0;
}

static int pk_counted(const unsigned char *const *seen, size_t n, const unsigned char *pk)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(seen[i], pk, FLW_ED25519_PK_BYTES) == 0)
			return 1;
	return 0;
}

/* number of distinct public keys of the role with a valid signature */
static unsigned count_valid(const struct flw_tuf_role_keys *rk, const json_t *sigs,
                            const struct flw_buf *msg)
{
	const unsigned char *seen[FLW_TUF_MAX_KEYS];
	size_t n = 0;
	size_t i;

	for (i = 0; i < rk->n_keys && i < FLW_TUF_MAX_KEYS; i++) {
		if (pk_counted(seen, n, rk->keys[i].pk))
			continue;
		if (key_signed(&rk->keys[i], sigs, msg))
			seen[n++] = rk->keys[i].pk;
	}
	return (unsigned)n;
}

int flw_tuf_verify(const struct flw_tuf_root *root, int role, const void *doc, size_t len,
                   json_t **signed_out, struct flw_diag *diag)
{
	struct flw_tuf_role_keys rk;
	struct flw_buf msg;
	json_t *env = NULL;
	json_t *sgn;
	unsigned valid;
	size_t max = flw_tuf__role_max(role);
	int rc = FLW_EINVAL;

	flw_buf_init(&msg, max);
	if (!root || (!doc && len) || max == 0 || flw_tuf_root_role(root, role, &rk) != 0)
		goto out;
	rc = flw_tuf__envelope_parse(&env, doc ? doc : "", len, max, diag);
	if (rc != 0)
		goto out;
	sgn = json_object_get(env, "signed");
	rc = flw_tuf__canonical(&msg, sgn, max, diag);
	if (rc != 0)
		goto out;
	valid = count_valid(&rk, json_object_get(env, "signatures"), &msg);
	rc = FLW_ESIG; /* default-deny */
	if (rk.threshold < 1 || valid < rk.threshold) {
		flw_diag_set(diag, rc, "signatures", "%s was signed by %u of %u required keys",
		             flw_tuf_role_to_string(role), valid, rk.threshold);
		goto out;
	}
	rc = flw_tuf__check_header(sgn, role, NULL, NULL, diag);
	if (rc != 0)
		goto out;
	if (signed_out)
		*signed_out = json_incref(sgn);
out:
	json_decref(env);
	flw_buf_free(&msg);
	return rc;
}

static int meta_hashes(const json_t *hashes, struct flw_tuf_meta *out, struct flw_diag *diag)
{
	const char *alg;
	json_t *v;

	if (json_object_size(hashes) == 0)
		return flw_diag_set(diag, FLW_EFORMAT, "hashes", "empty hashes");
	json_object_foreach((json_t *)hashes, alg, v)
	{
		if (strcmp(alg, "sha256") != 0)
			return flw_diag_set(diag, FLW_EFORMAT, "hashes",
			                    "unsupported hash algorithm '%.32s'", alg);
		if (!json_is_string(v) ||
		    flw_hex_decode(out->sha256, sizeof(out->sha256), json_string_value(v)) != 0)
			return flw_diag_set(diag, FLW_EFORMAT, "hashes.sha256",
			                    "sha256 must be 64 hex digits");
		out->has_sha256 = 1;
	}
	return 0;
}

int flw_tuf__meta_parse(const json_t *entry, const char *file, struct flw_tuf_meta *out,
                        struct flw_diag *diag)
{
	struct flw_tuf_meta m = { 0, -1, 0, { 0 } };
	json_t *hashes = NULL;
	int rc;

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
		rc = meta_hashes(hashes, &m, diag);
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
