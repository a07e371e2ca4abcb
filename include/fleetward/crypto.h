/* include/fleetward/crypto.h - hashing, signatures, randomness (libsodium + OpenSSL libcrypto)
 *
 * The only module that includes sodium.h or openssl headers. SHA-256 goes through OpenSSL (it uses
 * the CPU's SHA extensions), Ed25519 and HMAC through libsodium. Digests are compared in
 * constant time; secrets are wiped with flw_memzero().
 */
#ifndef FLW_CRYPTO_H
#define FLW_CRYPTO_H
#include <stddef.h>
#include <stdint.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

#define FLW_SHA256_BYTES       32
#define FLW_SHA256_HEX         65 /* 64 hex digits + NUL */
#define FLW_ED25519_PK_BYTES   32
#define FLW_ED25519_SK_BYTES   64 /* libsodium layout: seed || public */
#define FLW_ED25519_SEED_BYTES 32
#define FLW_ED25519_SIG_BYTES  64
#define FLW_MAC_KEY_BYTES      32
#define FLW_MAC_BYTES          32
/* read size used by the streaming file hash: large enough that syscalls cost < 1% */
#define FLW_HASH_CHUNK (256u * 1024u)

/* Must be called once before any other function here (programs: first thing in main). */
FLW_EXPORT FLW_WARN_UNUSED int flw_crypto_init(void);

struct flw_sha256; /* opaque streaming context */
FLW_EXPORT FLW_WARN_UNUSED int flw_sha256_new(struct flw_sha256 **out);
FLW_EXPORT FLW_WARN_UNUSED int flw_sha256_update(struct flw_sha256 *h, const void *p, size_t n);
/* writes 32 bytes; the context may be reused after flw_sha256_reset() */
FLW_EXPORT FLW_WARN_UNUSED int flw_sha256_final(struct flw_sha256 *h,
                                                unsigned char out[FLW_SHA256_BYTES]);
FLW_EXPORT FLW_WARN_UNUSED int flw_sha256_reset(struct flw_sha256 *h);
FLW_EXPORT void flw_sha256_free(struct flw_sha256 *h);
FLW_EXPORT FLW_WARN_UNUSED int flw_sha256(const void *p, size_t n,
                                          unsigned char out[FLW_SHA256_BYTES]);

/* Hash a whole file (or its first `limit` bytes when limit != UINT64_MAX). *len_out gets the
 * number of bytes hashed. FLW_EIO with errno in diag. Reads FLW_HASH_CHUNK at a time and tells
 * the kernel it reads sequentially. */
struct flw_diag;
FLW_EXPORT FLW_WARN_UNUSED int flw_sha256_file(const char *path, uint64_t limit,
                                               unsigned char out[FLW_SHA256_BYTES],
                                               uint64_t *len_out, struct flw_diag *diag);

/* Ed25519 */
FLW_EXPORT FLW_WARN_UNUSED int flw_ed25519_keypair(unsigned char pk[FLW_ED25519_PK_BYTES],
                                                   unsigned char sk[FLW_ED25519_SK_BYTES]);
FLW_EXPORT FLW_WARN_UNUSED int
flw_ed25519_from_seed(unsigned char pk[FLW_ED25519_PK_BYTES],
                      unsigned char sk[FLW_ED25519_SK_BYTES],
                      const unsigned char seed[FLW_ED25519_SEED_BYTES]);
FLW_EXPORT FLW_WARN_UNUSED int flw_ed25519_sign(unsigned char sig[FLW_ED25519_SIG_BYTES],
                                                const void *msg, size_t len,
                                                const unsigned char sk[FLW_ED25519_SK_BYTES]);
/* 0 or FLW_ESIG. Signature length is checked by the caller (exactly 64 bytes). */
FLW_EXPORT FLW_WARN_UNUSED int flw_ed25519_verify(const unsigned char sig[FLW_ED25519_SIG_BYTES],
                                                  const void *msg, size_t len,
                                                  const unsigned char pk[FLW_ED25519_PK_BYTES]);

/* Keyed MAC (HMAC-SHA-512-256) for server-issued tokens. */
FLW_EXPORT void flw_mac(unsigned char out[FLW_MAC_BYTES], const void *msg, size_t len,
                        const unsigned char key[FLW_MAC_KEY_BYTES]);
/* 0 or FLW_EAUTH, constant time */
FLW_EXPORT FLW_WARN_UNUSED int flw_mac_verify(const unsigned char mac[FLW_MAC_BYTES],
                                              const void *msg, size_t len,
                                              const unsigned char key[FLW_MAC_KEY_BYTES]);

FLW_EXPORT void flw_random(void *buf, size_t n);
FLW_EXPORT uint32_t flw_random_uniform(uint32_t upper_bound); /* [0, upper_bound) */
FLW_EXPORT void flw_memzero(void *p, size_t n);
/* 0 when equal; constant time in n */
FLW_EXPORT int flw_ct_memcmp(const void *a, const void *b, size_t n);

/* Lowercase hex. out must hold 2*n+1 bytes. */
FLW_EXPORT void flw_hex_encode(char *out, const unsigned char *in, size_t n);
/* Exactly 2*n hex digits (either case) into n bytes; 0 or FLW_EFORMAT. */
FLW_EXPORT FLW_WARN_UNUSED int flw_hex_decode(unsigned char *out, size_t n, const char *hex);
/* URL-safe base64 without padding (tokens). out holds flw_b64url_len(n)+1 bytes. */
FLW_EXPORT size_t flw_b64url_len(size_t n);
FLW_EXPORT void flw_b64url_encode(char *out, const unsigned char *in, size_t n);
/* decodes into out (capacity out_cap); 0 or FLW_EFORMAT/FLW_ELIMIT; *len_out decoded bytes */
FLW_EXPORT FLW_WARN_UNUSED int flw_b64url_decode(unsigned char *out, size_t out_cap,
                                                 size_t *len_out, const char *in, size_t in_len);

/* ---- passphrase sealing (crypto/seal.c): Argon2id + XChaCha20-Poly1305, for key files ---- */
#define FLW_PWHASH_SALT_BYTES 16 /* crypto_pwhash_SALTBYTES */
#define FLW_AEAD_KEY_BYTES    32
#define FLW_AEAD_NONCE_BYTES  24 /* XChaCha20: random nonces are safe */
#define FLW_AEAD_TAG_BYTES    16
/* Argon2id cost. Defaults: libsodium's "moderate" (3 passes, 256 MiB, about 0.5 s). Files from
 * outside are refused (FLW_ELIMIT) outside [MIN, MAX] so a tampered file cannot ask for
 * unbounded time or memory. */
#define FLW_PWHASH_OPSLIMIT_DEFAULT 3u
#define FLW_PWHASH_MEMLIMIT_DEFAULT (256u * 1024u * 1024u)
#define FLW_PWHASH_OPSLIMIT_MIN     1u
#define FLW_PWHASH_OPSLIMIT_MAX     16u
#define FLW_PWHASH_MEMLIMIT_MIN     (8u * 1024u)
#define FLW_PWHASH_MEMLIMIT_MAX     (1024u * 1024u * 1024u)
#define FLW_PASSPHRASE_MAX          1024 /* bytes, without the NUL */

/* Argon2id (version 1.3) key from a passphrase and salt. FLW_ELIMIT for costs out of range,
 * FLW_ENOMEM when the memory cannot be had. */
FLW_EXPORT FLW_WARN_UNUSED int flw_pwhash_argon2id(unsigned char key[FLW_AEAD_KEY_BYTES],
                                                   const char *pass, size_t pass_len,
                                                   const unsigned char salt[FLW_PWHASH_SALT_BYTES],
                                                   uint64_t opslimit, uint64_t memlimit);
/* XChaCha20-Poly1305 (IETF). seal: ct holds len + FLW_AEAD_TAG_BYTES. open: pt holds
 * ct_len - FLW_AEAD_TAG_BYTES; 0, or FLW_EAUTH (wrong key, tampered ct/nonce/ad) with pt wiped. */
FLW_EXPORT FLW_WARN_UNUSED int flw_aead_seal(unsigned char *ct, const void *pt, size_t len,
                                             const void *ad, size_t ad_len,
                                             const unsigned char nonce[FLW_AEAD_NONCE_BYTES],
                                             const unsigned char key[FLW_AEAD_KEY_BYTES]);
FLW_EXPORT FLW_WARN_UNUSED int flw_aead_open(void *pt, const unsigned char *ct, size_t ct_len,
                                             const void *ad, size_t ad_len,
                                             const unsigned char nonce[FLW_AEAD_NONCE_BYTES],
                                             const unsigned char key[FLW_AEAD_KEY_BYTES]);

FLW_END_DECLS
#endif /* FLW_CRYPTO_H */
