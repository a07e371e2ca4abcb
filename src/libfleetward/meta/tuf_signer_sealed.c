/* meta/tuf_signer_sealed.c - the "encrypted" member of a key file (docs/KEYS.md)
 *
 *   "encrypted": {"version":1, "kdf":"argon2id", "opslimit":N, "memlimit":BYTES,
 *                 "salt":hex16, "cipher":"xchacha20poly1305-ietf", "nonce":hex24,
 *                 "ciphertext":hex(seed 32 + tag 16)}
 *
 * key = Argon2id13(passphrase, salt, opslimit, memlimit); ciphertext = XChaCha20-Poly1305-IETF
 * (key, nonce, seed, ad = the 32-byte public key). Any change to the salt, costs, nonce,
 * ciphertext or public key makes the tag check fail, reported like a wrong passphrase.
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"
#include "tuf_signer_impl.h"

#define KDF_NAME    "argon2id"
#define CIPHER_NAME "xchacha20poly1305-ietf"
#define SEALED_LEN  (FLW_ED25519_SEED_BYTES + FLW_AEAD_TAG_BYTES)
#define BAD_SECRET  "wrong passphrase or damaged key file"

/* hex member of exactly n bytes */
static int get_hex(const json_t *enc, const char *key, unsigned char *out, size_t n,
                   struct flw_diag *diag)
{
	char path[32];
	const char *hex = NULL;
	int rc;

	snprintf(path, sizeof(path), "encrypted.%s", key);
	rc = flw_json_get_str(enc, key, &hex, 2 * n, 1, diag);
	if (rc == FLW_ENOTFOUND || (rc == 0 && strlen(hex) != 2 * n))
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s must be %zu hex digits", path,
		                    2 * n);
	if (rc != 0)
		return rc;
	if (flw_hex_decode(out, n, hex) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s must be %zu hex digits", path,
		                    2 * n);
	return 0;
}

static int expect_str(const json_t *enc, const char *key, const char *want, struct flw_diag *diag)
{
	const char *v = NULL;
	int rc = flw_json_get_str(enc, key, &v, 64, 1, diag);

	if ((rc = flw_tuf__required(rc, diag)) != 0)
		return rc;
	if (strcmp(v, want) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, key, "unsupported %s '%s' (want '%s')", key,
		                    v, want);
	return 0;
}

int flw_signer__sealed_open(const json_t *enc, const unsigned char pk[FLW_ED25519_PK_BYTES],
                            const struct flw_signer_opts *opts, const char *what,
                            unsigned char seed[FLW_ED25519_SEED_BYTES], struct flw_diag *diag)
{
	static const char *const allowed[] = { "version", "kdf",   "opslimit",   "memlimit", "salt",
		                               "cipher",  "nonce", "ciphertext", NULL };
	unsigned char salt[FLW_PWHASH_SALT_BYTES];
	unsigned char nonce[FLW_AEAD_NONCE_BYTES];
	unsigned char ct[SEALED_LEN];
	unsigned char key[FLW_AEAD_KEY_BYTES];
	char pass[FLW_PASSPHRASE_MAX];
	size_t pass_len = 0;
	int64_t version = 0, ops = 0, mem = 0;
	int rc;

	if (!json_is_object(enc))
		return flw_diag_set(diag, FLW_EFORMAT, "encrypted",
		                    "encrypted: expected an object");
	if ((rc = flw_json_only_keys(enc, allowed, "encrypted", diag)) != 0)
		return rc;
	rc = flw_json_get_int(enc, "version", &version, 1, INT64_MAX, 1, diag);
	if ((rc = flw_tuf__required(rc, diag)) != 0)
		return rc;
	if (version != FLW_SEALED_VERSION)
		return flw_diag_set(diag, FLW_EFORMAT, "encrypted.version",
		                    "encrypted key file version %lld is not supported (this "
		                    "fleetward reads version %d)",
		                    (long long)version, FLW_SEALED_VERSION);
	if ((rc = expect_str(enc, "kdf", KDF_NAME, diag)) != 0 ||
	    (rc = expect_str(enc, "cipher", CIPHER_NAME, diag)) != 0)
		return rc;
	rc = flw_json_get_int(enc, "opslimit", &ops, 0, INT64_MAX, 1, diag);
	if ((rc = flw_tuf__required(rc, diag)) != 0)
		return rc;
	rc = flw_json_get_int(enc, "memlimit", &mem, 0, INT64_MAX, 1, diag);
	if ((rc = flw_tuf__required(rc, diag)) != 0)
		return rc;
	if (ops < FLW_PWHASH_OPSLIMIT_MIN || ops > FLW_PWHASH_OPSLIMIT_MAX ||
	    mem < FLW_PWHASH_MEMLIMIT_MIN || mem > FLW_PWHASH_MEMLIMIT_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "encrypted",
		                    "Argon2id costs out of range (opslimit %u..%u, memlimit %u..%u "
		                    "bytes)",
		                    FLW_PWHASH_OPSLIMIT_MIN, FLW_PWHASH_OPSLIMIT_MAX,
		                    FLW_PWHASH_MEMLIMIT_MIN, FLW_PWHASH_MEMLIMIT_MAX);
	if ((rc = get_hex(enc, "salt", salt, sizeof(salt), diag)) != 0 ||
	    (rc = get_hex(enc, "nonce", nonce, sizeof(nonce), diag)) != 0 ||
	    (rc = get_hex(enc, "ciphertext", ct, sizeof(ct), diag)) != 0)
		return rc;
	rc = flw_signer__passphrase(opts, what, 0, pass, &pass_len, diag);
	if (rc != 0)
		goto out;
	rc = flw_pwhash_argon2id(key, pass, pass_len, salt, (uint64_t)ops, (uint64_t)mem);
	if (rc != 0) {
		flw_diag_set(diag, rc, what, "deriving the key from the passphrase: %s",
		             flw_strerror(rc));
		goto out;
	}
	rc = flw_aead_open(seed, ct, sizeof(ct), pk, FLW_ED25519_PK_BYTES, nonce, key);
	if (rc != 0)
		rc = flw_diag_set(diag, FLW_EAUTH, what, BAD_SECRET);
out:
	flw_memzero(pass, sizeof(pass));
	flw_memzero(key, sizeof(key));
	return rc;
}

int flw_signer__sealed_make(json_t **out, const unsigned char pk[FLW_ED25519_PK_BYTES],
                            const unsigned char seed[FLW_ED25519_SEED_BYTES],
                            const struct flw_signer_opts *opts, const char *what,
                            struct flw_diag *diag)
{
	unsigned char salt[FLW_PWHASH_SALT_BYTES];
	unsigned char nonce[FLW_AEAD_NONCE_BYTES];
	unsigned char ct[SEALED_LEN];
	unsigned char key[FLW_AEAD_KEY_BYTES];
	char salt_hex[2 * sizeof(salt) + 1];
	char nonce_hex[2 * sizeof(nonce) + 1];
	char ct_hex[2 * sizeof(ct) + 1];
	char pass[FLW_PASSPHRASE_MAX];
	size_t pass_len = 0;
	uint64_t ops = opts->kdf_opslimit ? opts->kdf_opslimit : FLW_PWHASH_OPSLIMIT_DEFAULT;
	uint64_t mem = opts->kdf_memlimit ? opts->kdf_memlimit : FLW_PWHASH_MEMLIMIT_DEFAULT;
	json_t *o;
	int rc;

	if (ops < FLW_PWHASH_OPSLIMIT_MIN || ops > FLW_PWHASH_OPSLIMIT_MAX ||
	    mem < FLW_PWHASH_MEMLIMIT_MIN || mem > FLW_PWHASH_MEMLIMIT_MAX)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "Argon2id costs out of range");
	rc = flw_signer__passphrase(opts, what, 1, pass, &pass_len, diag);
	if (rc != 0)
		goto out;
	flw_random(salt, sizeof(salt));
	flw_random(nonce, sizeof(nonce));
	rc = flw_pwhash_argon2id(key, pass, pass_len, salt, ops, mem);
	if (rc != 0) {
		flw_diag_set(diag, rc, what, "deriving the key from the passphrase: %s",
		             flw_strerror(rc));
		goto out;
	}
	if ((rc = flw_aead_seal(ct, seed, FLW_ED25519_SEED_BYTES, pk, FLW_ED25519_PK_BYTES, nonce,
	                        key)) != 0)
		goto out;
	flw_hex_encode(salt_hex, salt, sizeof(salt));
	flw_hex_encode(nonce_hex, nonce, sizeof(nonce));
	flw_hex_encode(ct_hex, ct, sizeof(ct));
	rc = FLW_ENOMEM;
	o = json_pack("{s:i, s:s, s:I, s:I, s:s, s:s, s:s, s:s}", "version", FLW_SEALED_VERSION,
	              "kdf", KDF_NAME, "opslimit", (json_int_t)ops, "memlimit", (json_int_t)mem,
	              "salt", salt_hex, "cipher", CIPHER_NAME, "nonce", nonce_hex, "ciphertext",
	              ct_hex);
	if (!o)
		goto out;
	*out = o;
	rc = 0;
out:
	flw_memzero(pass, sizeof(pass));
	flw_memzero(key, sizeof(key));
	return rc;
}
