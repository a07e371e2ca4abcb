/* crypto/tuf_pkey.c - TUF public keys (ed25519, ECDSA P-256, RSA) and SHA-512 via OpenSSL EVP
 *
 * Ed25519 goes through libsodium like the rest of fleetward; ECDSA and RSA through OpenSSL 3
 * EVP. PEM input is parsed from a memory BIO of bounded size; the hex form of an ECDSA key
 * (an uncompressed P-256 point, as early sigstore roots have it) is wrapped into the fixed
 * DER SubjectPublicKeyInfo header and parsed the same way, so there is one code path.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "fleetward/alloc.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "tuf_pkey.h"

struct flw_pkey {
	int scheme;
	unsigned char ed25519[FLW_ED25519_PK_BYTES];
	EVP_PKEY *evp; /* NULL for ed25519 */
	unsigned char fp[FLW_PKEY_FP_BYTES];
};

struct flw_tuf_hasher {
	EVP_MD_CTX *c256;
	EVP_MD_CTX *c512;
};

/* DER SubjectPublicKeyInfo of an id-ecPublicKey on prime256v1, up to the 65-byte point */
static const unsigned char p256_spki_prefix[] = { 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a,
	                                          0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
	                                          0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
	                                          0x01, 0x07, 0x03, 0x42, 0x00 };
#define P256_POINT_BYTES 65

int flw_pkey_scheme(const char *keytype, const char *scheme)
{
	if (!keytype || !scheme)
		return _FLW_PKEY_SCHEME_INVALID;
	if (strcmp(keytype, "ed25519") == 0 && strcmp(scheme, "ed25519") == 0)
		return FLW_PKEY_ED25519;
	if ((strcmp(keytype, "ecdsa") == 0 || strcmp(keytype, "ecdsa-sha2-nistp256") == 0) &&
	    strcmp(scheme, "ecdsa-sha2-nistp256") == 0)
		return FLW_PKEY_ECDSA_P256_SHA256;
	if (strcmp(keytype, "rsa") == 0 && strcmp(scheme, "rsassa-pss-sha256") == 0)
		return FLW_PKEY_RSA_PSS_SHA256;
	if (strcmp(keytype, "rsa") == 0 && strcmp(scheme, "rsa-pkcs1v15-sha256") == 0)
		return FLW_PKEY_RSA_PKCS1_SHA256;
	return _FLW_PKEY_SCHEME_INVALID;
}

static EVP_PKEY *from_pem(const char *pub, size_t len)
{
	EVP_PKEY *k = NULL;
	BIO *bio = BIO_new_mem_buf(pub, (int)len);

	if (bio)
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return k;
}

static EVP_PKEY *from_p256_hex(const char *pub, size_t len)
{
	unsigned char der[sizeof(p256_spki_prefix) + P256_POINT_BYTES];
	const unsigned char *p = der;

	if (len != 2 * P256_POINT_BYTES ||
	    flw_hex_decode(der + sizeof(p256_spki_prefix), P256_POINT_BYTES, pub) != 0)
		return NULL;
	memcpy(der, p256_spki_prefix, sizeof(p256_spki_prefix));
	return d2i_PUBKEY(NULL, &p, (long)sizeof(der));
}

/* the key must be of the kind the scheme names: P-256 for ECDSA, 2048..8192-bit RSA */
static int kind_ok(EVP_PKEY *k, int scheme)
{
	char group[32];
	size_t glen = 0;
	int bits;

	if (scheme == FLW_PKEY_ECDSA_P256_SHA256) {
		if (!EVP_PKEY_is_a(k, "EC") ||
		    EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), &glen) != 1)
			return 0;
		return strcmp(group, "prime256v1") == 0;
	}
	bits = EVP_PKEY_get_bits(k);
	return EVP_PKEY_is_a(k, "RSA") && bits >= FLW_PKEY_RSA_MIN_BITS &&
	       bits <= FLW_PKEY_RSA_MAX_BITS;
}

static int evp_fingerprint(EVP_PKEY *k, unsigned char fp[FLW_PKEY_FP_BYTES])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	int rc = FLW_ECRYPTO;

	if (n > 0)
		rc = flw_sha256(der, (size_t)n, fp);
	OPENSSL_free(der);
	return rc;
}

int flw_pkey_parse(struct flw_pkey **out, int scheme, const char *pub)
{
	struct flw_pkey *k = NULL;
	size_t len;
	int rc = FLW_EFORMAT;

	if (!out || !pub || scheme < 0 || scheme >= _FLW_PKEY_SCHEME_MAX)
		return FLW_EINVAL;
	len = strnlen(pub, FLW_PKEY_PUBLIC_MAX + 1);
	if (len > FLW_PKEY_PUBLIC_MAX)
		return FLW_EFORMAT;
	k = flw_calloc(1, sizeof(*k));
	if (!k)
		return FLW_ENOMEM;
	k->scheme = scheme;
	if (scheme == FLW_PKEY_ED25519) {
		if (flw_hex_decode(k->ed25519, sizeof(k->ed25519), pub) != 0)
			goto out;
		memcpy(k->fp, k->ed25519, sizeof(k->fp));
		rc = 0;
		goto out;
	}
	if (strncmp(pub, "-----BEGIN PUBLIC KEY-----", 26) == 0)
		k->evp = from_pem(pub, len);
	else if (scheme == FLW_PKEY_ECDSA_P256_SHA256)
		k->evp = from_p256_hex(pub, len);
	if (!k->evp || !kind_ok(k->evp, scheme))
		goto out;
	rc = evp_fingerprint(k->evp, k->fp);
out:
	if (rc == 0)
		*out = k;
	else
		flw_pkey_free(k);
	return rc;
}

void flw_pkey_free(struct flw_pkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->evp);
	flw_free(k);
}

const unsigned char *flw_pkey_fingerprint(const struct flw_pkey *k)
{
	return k->fp;
}

static int evp_verify(const struct flw_pkey *k, const unsigned char *sig, size_t sig_len,
                      const void *msg, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int rc = FLW_ESIG; /* default-deny */

	if (!ctx || EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, k->evp) != 1)
		goto out;
	if (k->scheme == FLW_PKEY_RSA_PSS_SHA256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
		goto out;
	if (k->scheme == FLW_PKEY_RSA_PKCS1_SHA256 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	if (EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int flw_pkey_verify(const struct flw_pkey *k, const unsigned char *sig, size_t sig_len,
                    const void *msg, size_t len)
{
	if (!k || !sig || sig_len == 0 || sig_len > FLW_PKEY_SIG_MAX || (!msg && len))
		return FLW_ESIG;
	if (!msg)
		msg = "";
	if (k->scheme == FLW_PKEY_ED25519) {
		if (sig_len != crypto_sign_ed25519_BYTES)
			return FLW_ESIG;
		return crypto_sign_ed25519_verify_detached(sig, msg, len, k->ed25519) == 0
		               ? 0
		               : FLW_ESIG;
	}
	return evp_verify(k, sig, sig_len, msg, len);
}

int flw_sha512(const void *p, size_t n, unsigned char out[FLW_SHA512_BYTES])
{
	unsigned int len = 0;

	if (EVP_Digest(p ? p : "", n, out, &len, EVP_sha512(), NULL) != 1 ||
	    len != FLW_SHA512_BYTES)
		return FLW_ECRYPTO;
	return 0;
}

int flw_tuf_hasher_new(struct flw_tuf_hasher **out, int sha256, int sha512)
{
	struct flw_tuf_hasher *h = flw_calloc(1, sizeof(*h));
	int rc = FLW_ECRYPTO;

	if (!h)
		return FLW_ENOMEM;
	if (sha256 &&
	    (!(h->c256 = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->c256, EVP_sha256(), NULL) != 1))
		goto out;
	if (sha512 &&
	    (!(h->c512 = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->c512, EVP_sha512(), NULL) != 1))
		goto out;
	rc = 0;
out:
	if (rc == 0)
		*out = h;
	else
		flw_tuf_hasher_free(h);
	return rc;
}

int flw_tuf_hasher_update(struct flw_tuf_hasher *h, const void *p, size_t n)
{
	if ((h->c256 && EVP_DigestUpdate(h->c256, p, n) != 1) ||
	    (h->c512 && EVP_DigestUpdate(h->c512, p, n) != 1))
		return FLW_ECRYPTO;
	return 0;
}

int flw_tuf_hasher_final(struct flw_tuf_hasher *h, unsigned char out256[32],
                         unsigned char out512[FLW_SHA512_BYTES])
{
	unsigned int len = 0;

	if (h->c256 && out256 &&
	    (EVP_DigestFinal_ex(h->c256, out256, &len) != 1 || len != FLW_SHA256_BYTES))
		return FLW_ECRYPTO;
	if (h->c512 && out512 &&
	    (EVP_DigestFinal_ex(h->c512, out512, &len) != 1 || len != FLW_SHA512_BYTES))
		return FLW_ECRYPTO;
	return 0;
}

void flw_tuf_hasher_free(struct flw_tuf_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->c256);
	EVP_MD_CTX_free(h->c512);
	flw_free(h);
}
