/* meta/tuf_key.c - TUF key objects, keyids, the envelope shape and the common "signed" header
 *
 * keyid = lowercase hex SHA-256 of the canonical JSON of the key object exactly as given
 * (extra fields such as keyid_hash_algorithms included, and never trusted). Only
 * ed25519/ed25519 keys can verify; other well-formed key types are carried but never counted.
 */
#include <string.h>

#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"

#define KEY_MAX_BYTES (16u * 1024u) /* canonical key object (PEM keys of other types fit) */
#define KEYTYPE_MAX   64

int flw_tuf__canonical(struct flw_buf *out, const json_t *v, size_t max, struct flw_diag *diag)
{
	flw_buf_init(out, max);
	return flw_json_canonical(out, v, diag);
}

int flw_tuf__keyid(const json_t *key_obj, char keyid[FLW_SHA256_HEX], struct flw_diag *diag)
{
	struct flw_buf b;
	unsigned char md[FLW_SHA256_BYTES];
	int rc;

	rc = flw_tuf__canonical(&b, key_obj, KEY_MAX_BYTES, diag);
	if (rc != 0)
		goto out;
	rc = flw_sha256(b.data, b.len, md);
	if (rc != 0)
		goto out;
	flw_hex_encode(keyid, md, sizeof(md));
out:
	flw_buf_free(&b);
	return rc;
}

int flw_tuf__key_parse(const json_t *obj, unsigned char pk[FLW_ED25519_PK_BYTES],
                       struct flw_diag *diag)
{
	const char *keytype = NULL;
	const char *scheme = NULL;
	const char *pub = NULL;
	json_t *keyval = NULL;
	int rc = FLW_EFORMAT;

	if (!json_is_object(obj))
		return flw_diag_set(diag, FLW_EFORMAT, "key", "key: expected an object");
	if ((rc = flw_json_get_str(obj, "keytype", &keytype, KEYTYPE_MAX, 1, diag)) != 0 ||
	    (rc = flw_json_get_str(obj, "scheme", &scheme, KEYTYPE_MAX, 1, diag)) != 0 ||
	    (rc = flw_json_get_obj(obj, "keyval", &keyval, 1, diag)) != 0 ||
	    (rc = flw_json_get_str(keyval, "public", &pub, KEY_MAX_BYTES, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	if (strcmp(keytype, "ed25519") != 0 || strcmp(scheme, "ed25519") != 0)
		return 1; /* another key type: carried, never counted */
	if (flw_hex_decode(pk, FLW_ED25519_PK_BYTES, pub) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "keyval.public",
		                    "ed25519 public key must be 64 hex digits");
	return 0;
}

int flw_tuf_key_to_json(const struct flw_tuf_key *k, json_t **out)
{
	char hex[2 * FLW_ED25519_PK_BYTES + 1];
	json_t *o;

	if (!k || !out)
		return FLW_EINVAL;
	flw_hex_encode(hex, k->pk, sizeof(k->pk));
	o = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme", "ed25519", "keyval",
	              "public", hex);
	if (!o)
		return FLW_ENOMEM;
	*out = o;
	return 0;
}

int flw_tuf_key_from_json(const json_t *obj, struct flw_tuf_key *out, struct flw_diag *diag)
{
	struct flw_tuf_key k;
	int rc;

	if (!obj || !out)
		return FLW_EINVAL;
	rc = flw_tuf__key_parse(obj, k.pk, diag);
	if (rc == 1)
		return flw_diag_set(diag, FLW_EFORMAT, "keytype", "unsupported key type");
	if (rc != 0)
		return rc;
	rc = flw_tuf__keyid(obj, k.keyid, diag);
	if (rc != 0)
		return rc;
	*out = k;
	return 0;
}

static int check_signature_entry(const json_t *s, struct flw_diag *diag)
{
	static const char *const allowed[] = { "keyid", "sig", NULL };

	if (!json_is_object(s))
		return flw_diag_set(diag, FLW_EFORMAT, "signatures",
		                    "signature: expected an object");
	if (!json_is_string(json_object_get(s, "keyid")) ||
	    !json_is_string(json_object_get(s, "sig")))
		return flw_diag_set(diag, FLW_EFORMAT, "signatures",
		                    "signature: 'keyid' and 'sig' must be strings");
	return flw_json_only_keys(s, allowed, "signatures", diag);
}

int flw_tuf__envelope_parse(json_t **out, const void *doc, size_t len, size_t max,
                            struct flw_diag *diag)
{
	static const char *const allowed[] = { "signatures", "signed", NULL };
	const struct flw_json_limits lim = { max, FLW_TUF_MAX_DEPTH };
	json_t *env = NULL;
	json_t *sigs = NULL;
	json_t *sig;
	json_t *sgn = NULL;
	size_t i;
	int rc;

	rc = flw_json_parse(&env, doc, len, &lim, diag);
	if (rc != 0)
		goto out;
	if (!json_is_object(env)) {
		rc = flw_diag_set(diag, FLW_EFORMAT, NULL, "metadata: expected an object");
		goto out;
	}
	if ((rc = flw_json_only_keys(env, allowed, "", diag)) != 0 ||
	    (rc = flw_json_get_arr(env, "signatures", &sigs, FLW_TUF_MAX_KEYS, 1, diag)) != 0 ||
	    (rc = flw_json_get_obj(env, "signed", &sgn, 1, diag)) != 0) {
		rc = flw_tuf__required(rc, diag);
		goto out;
	}
	json_array_foreach(sigs, i, sig)
	{
		rc = check_signature_entry(sig, diag);
		if (rc != 0)
			goto out;
	}
	*out = env;
	env = NULL;
out:
	json_decref(env);
	return rc;
}

/* "1.0", "1.0.31": digits separated by dots, major exactly 1 */
static int spec_version_ok(const char *s)
{
	size_t parts = 0;
	size_t run = 0;
	const char *p;

	if (strncmp(s, "1.", 2) != 0)
		return 0;
	for (p = s;; p++) {
		if (*p >= '0' && *p <= '9') {
			run++;
			continue;
		}
		if (run == 0 || (*p != '.' && *p != '\0'))
			return 0;
		parts++;
		run = 0;
		if (*p == '\0')
			break;
	}
	return parts >= 2 && parts <= 3;
}

int flw_tuf__check_header(const json_t *signed_obj, int role, int64_t *version, time_t *expires,
                          struct flw_diag *diag)
{
	const char *type = NULL;
	const char *spec = NULL;
	const char *exp = NULL;
	int64_t v = 0;
	time_t t;
	int rc;

	if ((rc = flw_json_get_str(signed_obj, "_type", &type, 32, 1, diag)) != 0 ||
	    (rc = flw_json_get_str(signed_obj, "spec_version", &spec, 32, 1, diag)) != 0 ||
	    (rc = flw_json_get_int(signed_obj, "version", &v, 1, INT64_MAX, 1, diag)) != 0 ||
	    (rc = flw_json_get_str(signed_obj, "expires", &exp, 32, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	if (role >= 0 && strcmp(type, flw_tuf_role_to_string(role)) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "signed._type",
		                    "wrong metadata type: expected '%s', got '%s'",
		                    flw_tuf_role_to_string(role), type);
	if (!spec_version_ok(spec))
		return flw_diag_set(diag, FLW_EFORMAT, "signed.spec_version",
		                    "unsupported spec_version '%s' (major must be 1)", spec);
	if (flw_tuf_time_parse(exp, &t) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "signed.expires",
		                    "expires '%s' is not YYYY-MM-DDTHH:MM:SSZ", exp);
	if (version)
		*version = v;
	if (expires)
		*expires = t;
	return 0;
}

int flw_tuf_signed_header(const json_t *signed_obj, int64_t *version, time_t *expires,
                          struct flw_diag *diag)
{
	if (!json_is_object(signed_obj))
		return FLW_EINVAL;
	return flw_tuf__check_header(signed_obj, -1, version, expires, diag);
}
