/* crypto/seal.c - passphrase-derived keys and authenticated encryption (libsodium)
 *
 * Used by encrypted key files (docs/KEYS.md): Argon2id turns a passphrase and a random salt into
 * a 32-byte key, XChaCha20-Poly1305 (IETF) seals the secret with the public key as associated
 * data. Costs read from a file are bounded before libsodium sees them.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "fleetward/crypto.h"
#include "fleetward/error.h"

_Static_assert(FLW_PWHASH_SALT_BYTES == crypto_pwhash_SALTBYTES, "salt size");
_Static_assert(FLW_AEAD_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");
_Static_assert(FLW_AEAD_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce");
_Static_assert(FLW_AEAD_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag size");

int flw_pwhash_argon2id(unsigned char key[FLW_AEAD_KEY_BYTES], const char *pass, size_t pass_len,
                        const unsigned char salt[FLW_PWHASH_SALT_BYTES], uint64_t opslimit,
                        uint64_t memlimit)
{
	if (!key || (!pass && pass_len) || !salt)
		return FLW_EINVAL;
	if (pass_len > FLW_PASSPHRASE_MAX || opslimit < FLW_PWHASH_OPSLIMIT_MIN ||
	    opslimit > FLW_PWHASH_OPSLIMIT_MAX || memlimit < FLW_PWHASH_MEMLIMIT_MIN ||
	    memlimit > FLW_PWHASH_MEMLIMIT_MAX)
		return FLW_ELIMIT;
	if (crypto_pwhash(key, FLW_AEAD_KEY_BYTES, pass ? pass : "", pass_len, salt,
	                  (unsigned long long)opslimit, (size_t)memlimit,
	                  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(key, FLW_AEAD_KEY_BYTES);
		return FLW_ENOMEM; /* the only documented failure: out of memory */
	}
	return 0;
}

int flw_aead_seal(unsigned char *ct, const void *pt, size_t len, const void *ad, size_t ad_len,
                  const unsigned char nonce[FLW_AEAD_NONCE_BYTES],
                  const unsigned char key[FLW_AEAD_KEY_BYTES])
{
	unsigned long long ct_len = 0;

	if (!ct || (!pt && len) || (!ad && ad_len) || !nonce || !key ||
	    len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
		return FLW_EINVAL;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ct_len, pt, len, ad, ad_len, NULL,
	                                               nonce, key) != 0 ||
	    ct_len != len + FLW_AEAD_TAG_BYTES)
		return FLW_ECRYPTO;
	return 0;
}

int flw_aead_open(void *pt, const unsigned char *ct, size_t ct_len, const void *ad, size_t ad_len,
                  const unsigned char nonce[FLW_AEAD_NONCE_BYTES],
                  const unsigned char key[FLW_AEAD_KEY_BYTES])
{
	unsigned long long pt_len = 0;

	if ((!pt && ct_len > FLW_AEAD_TAG_BYTES) || !ct || (!ad && ad_len) || !nonce || !key)
		return FLW_EINVAL;
	if (ct_len < FLW_AEAD_TAG_BYTES)
		return FLW_EAUTH;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &pt_len, NULL, ct, ct_len, ad, ad_len,
	                                               nonce, key) != 0 ||
	    pt_len != ct_len - FLW_AEAD_TAG_BYTES) {
		if (pt)
			sodium_memzero(pt, ct_len - FLW_AEAD_TAG_BYTES);
		return FLW_EAUTH;
	}
	return 0;
}
