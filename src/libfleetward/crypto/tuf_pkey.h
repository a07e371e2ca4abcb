/* crypto/tuf_pkey.h - public keys of the TUF key types, and the digests TUF metadata lists
 *   (internal to libfleetward; the TUF module in meta/ is the only user)
 *
 * Key types (PROTOCOLS.md 4.3): ed25519 (32-byte key as hex), ecdsa-sha2-nistp256 (PEM
 * SubjectPublicKeyInfo, or the uncompressed point as hex; signature DER), rsassa-pss-sha256
 * and rsa-pkcs1v15-sha256 (PEM, at least 2048 bits). Verification is default-deny: any
 * parse or library failure is "not signed".
 */
#ifndef FLW_CRYPTO_TUF_PKEY_H
#define FLW_CRYPTO_TUF_PKEY_H
#include <stddef.h>
#include <stdint.h>

#define FLW_PKEY_FP_BYTES     32   /* fingerprint: SHA-256 of the DER public key */
#define FLW_PKEY_SIG_MAX      1024 /* bytes of a decoded signature (RSA 8192) */
#define FLW_PKEY_PUBLIC_MAX   8192 /* characters of a keyval.public string */
#define FLW_SHA512_BYTES      64
#define FLW_PKEY_RSA_MIN_BITS 2048
#define FLW_PKEY_RSA_MAX_BITS 8192

enum flw_pkey_scheme {
	FLW_PKEY_ED25519,
	FLW_PKEY_ECDSA_P256_SHA256,
	FLW_PKEY_RSA_PSS_SHA256,
	FLW_PKEY_RSA_PKCS1_SHA256,
	_FLW_PKEY_SCHEME_MAX,
	_FLW_PKEY_SCHEME_INVALID = -1
};

struct flw_pkey;

/* Scheme of a TUF (keytype, scheme) pair; _FLW_PKEY_SCHEME_INVALID if not supported. */
int flw_pkey_scheme(const char *keytype, const char *scheme);
/* Parse keyval.public for scheme. 0, FLW_EFORMAT (malformed or wrong kind/size of key),
 * FLW_ENOMEM. */
int flw_pkey_parse(struct flw_pkey **out, int scheme, const char *pub);
void flw_pkey_free(struct flw_pkey *k);
/* SHA-256 of the key's DER SubjectPublicKeyInfo (raw 32 bytes for ed25519): one physical key
 * has one fingerprint whatever keyid or PEM spelling it is listed under. */
const unsigned char *flw_pkey_fingerprint(const struct flw_pkey *k);
/* 0 if sig is a valid signature of msg by k, else FLW_ESIG. */
int flw_pkey_verify(const struct flw_pkey *k, const unsigned char *sig, size_t sig_len,
                    const void *msg, size_t len);

/* One-shot SHA-512 */
int flw_sha512(const void *p, size_t n, unsigned char out[FLW_SHA512_BYTES]);

/* Incremental SHA-256 and SHA-512 of the same stream (target downloads). */
struct flw_tuf_hasher;
int flw_tuf_hasher_new(struct flw_tuf_hasher **out, int sha256, int sha512);
int flw_tuf_hasher_update(struct flw_tuf_hasher *h, const void *p, size_t n);
/* out256 / out512 may be NULL for an algorithm that was not asked for */
int flw_tuf_hasher_final(struct flw_tuf_hasher *h, unsigned char out256[32],
                         unsigned char out512[FLW_SHA512_BYTES]);
void flw_tuf_hasher_free(struct flw_tuf_hasher *h);

#endif /* FLW_CRYPTO_TUF_PKEY_H */
