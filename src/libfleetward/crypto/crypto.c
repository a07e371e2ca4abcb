/* crypto/crypto.c - the only file that includes sodium.h and openssl headers
 *
 * SHA-256: OpenSSL EVP (SHA extensions where the CPU has them). Ed25519, HMAC-SHA-512-256,
 * randomness, constant-time compare, hex and base64url: libsodium.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "fleetward/alloc.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"

struct flw_sha256 {
	EVP_MD_CTX *ctx;
};

int flw_crypto_init(void)
{
	return sodium_init() < 0 ? FLW_ECRYPTO : 0;
}

int flw_sha256_new(struct flw_sha256 **out)
{
	struct flw_sha256 *h = flw_calloc(1, sizeof(*h));

	if (!h)
		return FLW_ENOMEM;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		flw_sha256_free(h);
		return FLW_ECRYPTO;
	}
	*out = h;
	return 0;
}

int flw_sha256_update(struct flw_sha256 *h, const void *p, size_t n)
{
	return EVP_DigestUpdate(h->ctx, p, n) == 1 ? 0 : FLW_ECRYPTO;
}

int flw_sha256_final(struct flw_sha256 *h, unsigned char out[FLW_SHA256_BYTES])
{
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != FLW_SHA256_BYTES)
		return FLW_ECRYPTO;
	return 0;
}

int flw_sha256_reset(struct flw_sha256 *h)
{
	return EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) == 1 ? 0 : FLW_ECRYPTO;
}

void flw_sha256_free(struct flw_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	flw_free(h);
}

int flw_sha256(const void *p, size_t n, unsigned char out[FLW_SHA256_BYTES])
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != FLW_SHA256_BYTES)
		return FLW_ECRYPTO;
	return 0;
}

int flw_sha256_file(const char *path, uint64_t limit, unsigned char out[FLW_SHA256_BYTES],
                    uint64_t *len_out, struct flw_diag *diag)
{
	struct flw_sha256 *h = NULL;
	unsigned char *chunk = NULL;
	uint64_t total = 0;
	int fd = -1;
	int rc = FLW_ENOMEM;
	ssize_t n;
	size_t want;

	chunk = flw_malloc(FLW_HASH_CHUNK);
	if (!chunk || (rc = flw_sha256_new(&h)) != 0)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT
		             ? flw_diag_set(diag, FLW_ENOTFOUND, path, "'%s' does not exist", path)
		             : flw_diag_errno(diag, errno, path, "opening '%s'", path);
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (total < limit) {
		want = limit - total < FLW_HASH_CHUNK ? (size_t)(limit - total) : FLW_HASH_CHUNK;
		n = read(fd, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = flw_diag_errno(diag, errno, path, "reading '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = flw_sha256_update(h, chunk, (size_t)n)) != 0)
			goto out;
		total += (uint64_t)n;
	}
	rc = flw_sha256_final(h, out);
	if (rc == 0 && len_out)
		*len_out = total;
out:
	if (fd >= 0)
		close(fd);
	flw_sha256_free(h);
	flw_free(chunk);
	return rc;
}

int flw_ed25519_keypair(unsigned char pk[FLW_ED25519_PK_BYTES],
                        unsigned char sk[FLW_ED25519_SK_BYTES])
{
	return crypto_sign_ed25519_keypair(pk, sk) == 0 ? 0 : FLW_ECRYPTO;
}

int flw_ed25519_from_seed(unsigned char pk[FLW_ED25519_PK_BYTES],
                          unsigned char sk[FLW_ED25519_SK_BYTES],
                          const unsigned char seed[FLW_ED25519_SEED_BYTES])
{
	return crypto_sign_ed25519_seed_keypair(pk, sk, seed) == 0 ? 0 : FLW_ECRYPTO;
}

int flw_ed25519_sign(unsigned char sig[FLW_ED25519_SIG_BYTES], const void *msg, size_t len,
                     const unsigned char sk[FLW_ED25519_SK_BYTES])
{
	return crypto_sign_ed25519_detached(sig, NULL, msg, len, sk) == 0 ? 0 : FLW_ECRYPTO;
}

int flw_ed25519_verify(const unsigned char sig[FLW_ED25519_SIG_BYTES], const void *msg, size_t len,
                       const unsigned char pk[FLW_ED25519_PK_BYTES])
{
	int rc = FLW_ESIG; /* default-deny */

	if (crypto_sign_ed25519_verify_detached(sig, msg, len, pk) == 0)
		rc = 0;
	return rc;
}

void flw_mac(unsigned char out[FLW_MAC_BYTES], const void *msg, size_t len,
             const unsigned char key[FLW_MAC_KEY_BYTES])
{
	crypto_auth_hmacsha512256(out, msg, len, key);
}

int flw_mac_verify(const unsigned char mac[FLW_MAC_BYTES], const void *msg, size_t len,
                   const unsigned char key[FLW_MAC_KEY_BYTES])
{
	return crypto_auth_hmacsha512256_verify(mac, msg, len, key) == 0 ? 0 : FLW_EAUTH;
}

void flw_random(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

uint32_t flw_random_uniform(uint32_t upper_bound)
{
	return upper_bound ? randombytes_uniform(upper_bound) : 0;
}

void flw_memzero(void *p, size_t n)
{
	sodium_memzero(p, n);
}

int flw_ct_memcmp(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0 ? 0 : 1;
}

void flw_hex_encode(char *out, const unsigned char *in, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

int flw_hex_decode(unsigned char *out, size_t n, const char *hex)
{
	size_t bin_len = 0;
	const char *end = NULL;

	if (!hex || strlen(hex) != 2 * n)
		return FLW_EFORMAT;
	if (sodium_hex2bin(out, n, hex, 2 * n, NULL, &bin_len, &end) != 0 || bin_len != n ||
	    *end != '\0')
		return FLW_EFORMAT;
	return 0;
}

size_t flw_b64url_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1;
}

void flw_b64url_encode(char *out, const unsigned char *in, size_t n)
{
	sodium_bin2base64(out, flw_b64url_len(n) + 1, in, n,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int flw_b64url_decode(unsigned char *out, size_t out_cap, size_t *len_out, const char *in,
                      size_t in_len)
{
	const char *end = NULL;
	size_t len = 0;

	if (in_len > 4 * ((out_cap + 2) / 3) + 4)
		return FLW_ELIMIT;
	if (sodium_base642bin(out, out_cap, in, in_len, NULL, &len, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != in + in_len)
		return FLW_EFORMAT;
	*len_out = len;
	return 0;
}
