/* meta/tuf_signer.c - something that can sign TUF metadata
 *
 * A signer is a public key plus an ops table; callers never see the secret. The only backend
 * today keeps an Ed25519 key in memory (generated, or loaded from a 0600 key file); a PKCS#11
 * token or an encrypted key file plugs in as another ops table. Secrets are wiped on free.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "tuf_private.h"

#define KEYFILE_MAX_BYTES 4096u

struct signer_ops {
	unsigned version;
	int (*sign)(const struct flw_signer *s, const void *msg, size_t len,
	            unsigned char sig[FLW_ED25519_SIG_BYTES]);
	/* write the private key file; FLW_EPERM when the backend cannot export */
	int (*save)(const struct flw_signer *s, const char *path, struct flw_diag *diag);
	void (*destroy)(struct flw_signer *s);
};

struct flw_signer {
	const struct signer_ops *ops;
	struct flw_tuf_key key;
	unsigned char sk[FLW_ED25519_SK_BYTES]; /* in-memory backend only */
};

/* ---- in-memory Ed25519 backend --------------------------------------------------------------- */

static int mem_sign(const struct flw_signer *s, const void *msg, size_t len,
                    unsigned char sig[FLW_ED25519_SIG_BYTES])
{
	return flw_ed25519_sign(sig, msg, len, s->sk);
}

static int mem_save(const struct flw_signer *s, const char *path, struct flw_diag *diag)
{
	char pub[2 * FLW_ED25519_PK_BYTES + 1];
	char priv[2 * FLW_ED25519_SEED_BYTES + 1];
	struct flw_buf b;
	json_t *o;
	int rc = FLW_ENOMEM;

	flw_buf_init(&b, KEYFILE_MAX_BYTES);
	flw_hex_encode(pub, s->key.pk, sizeof(s->key.pk));
	flw_hex_encode(priv, s->sk, FLW_ED25519_SEED_BYTES);
	o = json_pack("{s:s, s:s, s:{s:s, s:s}}", "keytype", "ed25519", "scheme", "ed25519",
	              "keyval", "public", pub, "private", priv);
	if (!o)
		goto out;
	if ((rc = flw_json_canonical(&b, o, diag)) != 0 || (rc = flw_buf_puts(&b, "\n")) != 0)
		goto out;
	rc = flw_fs_write_atomic(path, b.data, b.len, 0600, diag);
out:
	if (o)
		flw_memzero((char *)json_string_value(
		                    json_object_get(json_object_get(o, "keyval"), "private")),
		            sizeof(priv) - 1);
	json_decref(o);
	flw_memzero(priv, sizeof(priv));
	flw_buf_free_secure(&b);
	return rc;
}

static void mem_destroy(struct flw_signer *s)
{
	flw_memzero(s->sk, sizeof(s->sk));
}

static const struct signer_ops mem_ops = {
	.version = 1,
	.sign = mem_sign,
	.save = mem_save,
	.destroy = mem_destroy,
};

static int mem_signer_new(struct flw_signer **out, const unsigned char pk[FLW_ED25519_PK_BYTES],
                          const unsigned char sk[FLW_ED25519_SK_BYTES])
{
	struct flw_signer *s;
	json_t *key = NULL;
	int rc = FLW_ENOMEM;

	s = flw_calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->ops = &mem_ops;
	memcpy(s->key.pk, pk, FLW_ED25519_PK_BYTES);
	memcpy(s->sk, sk, FLW_ED25519_SK_BYTES);
	if ((rc = flw_tuf_key_to_json(&s->key, &key)) != 0 ||
	    (rc = flw_tuf__keyid(key, s->key.keyid, NULL)) != 0)
		goto out;
	*out = s;
	s = NULL;
out:
	json_decref(key);
	flw_signer_free(s);
	return rc;
}

/* ---- public API ------------------------------------------------------------------------------ */

int flw_signer_generate(struct flw_signer **out)
{
	unsigned char pk[FLW_ED25519_PK_BYTES];
	unsigned char sk[FLW_ED25519_SK_BYTES];
	int rc;

	if (!out)
		return FLW_EINVAL;
	rc = flw_ed25519_keypair(pk, sk);
	if (rc == 0)
		rc = mem_signer_new(out, pk, sk);
	flw_memzero(sk, sizeof(sk));
	return rc;
}

/* read a key file that only its owner may read, at most KEYFILE_MAX_BYTES */
static int read_private_file(const char *path, struct flw_buf *out, struct flw_diag *diag)
{
	unsigned char chunk[512];
	struct stat st;
	ssize_t n;
	int fd;
	int rc = FLW_EIO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return flw_diag_errno(diag, errno, path, "opening key file");
	if (fstat(fd, &st) != 0) {
		rc = flw_diag_errno(diag, errno, path, "reading key file");
		goto out;
	}
	rc = FLW_EPERM;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		flw_diag_set(diag, rc, path, "key file must be a regular file of mode 0600");
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((rc = flw_buf_append(out, chunk, (size_t)n)) != 0)
			goto out;
	}
	rc = n < 0 ? flw_diag_errno(diag, errno, path, "reading key file") : 0;
out:
	flw_memzero(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

static int parse_key_file(const struct flw_buf *b, unsigned char pk[FLW_ED25519_PK_BYTES],
                          unsigned char sk[FLW_ED25519_SK_BYTES], struct flw_diag *diag)
{
	static const char *const allowed[] = { "keytype", "scheme", "keyval", NULL };
	const struct flw_json_limits lim = { KEYFILE_MAX_BYTES, 4 };
	unsigned char seed[FLW_ED25519_SEED_BYTES];
	unsigned char derived[FLW_ED25519_PK_BYTES];
	const char *priv = NULL;
	json_t *o = NULL;
	int rc;

	rc = flw_json_parse(&o, b->data, b->len, &lim, diag);
	if (rc != 0)
		goto out;
	if ((rc = flw_json_only_keys(o, allowed, "key file", diag)) != 0)
		goto out;
	rc = flw_tuf__key_parse(o, pk, diag);
	if (rc == 1)
		rc = flw_diag_set(diag, FLW_EFORMAT, "keytype", "unsupported key type");
	if (rc != 0)
		goto out;
	rc = flw_json_get_str(json_object_get(o, "keyval"), "private", &priv, 64, 1, diag);
	if ((rc = flw_tuf__required(rc, diag)) != 0)
		goto out;
	rc = flw_diag_set(diag, FLW_EFORMAT, "keyval.private", "private key must be 64 hex digits");
	if (flw_hex_decode(seed, sizeof(seed), priv) != 0)
		goto out;
	if ((rc = flw_ed25519_from_seed(derived, sk, seed)) != 0)
		goto out;
	rc = 0;
	if (memcmp(derived, pk, sizeof(derived)) != 0)
		rc = flw_diag_set(diag, FLW_EFORMAT, "keyval",
		                  "public key does not belong to the private key");
out:
	if (priv)
		flw_memzero((char *)priv, strlen(priv));
	json_decref(o);
	flw_memzero(seed, sizeof(seed));
	return rc;
}

int flw_signer_load_file(struct flw_signer **out, const char *path, struct flw_diag *diag)
{
	unsigned char pk[FLW_ED25519_PK_BYTES];
	unsigned char sk[FLW_ED25519_SK_BYTES];
	struct flw_buf b;
	int rc;

	if (!out || !path)
		return FLW_EINVAL;
	flw_buf_init(&b, KEYFILE_MAX_BYTES);
	rc = read_private_file(path, &b, diag);
	if (rc == 0)
		rc = parse_key_file(&b, pk, sk, diag);
	if (rc == 0)
		rc = mem_signer_new(out, pk, sk);
	flw_memzero(sk, sizeof(sk));
	flw_buf_free_secure(&b);
	return rc;
}

int flw_signer_save_file(const struct flw_signer *s, const char *path, struct flw_diag *diag)
{
	struct stat st;

	if (!s || !path)
		return FLW_EINVAL;
	if (lstat(path, &st) == 0)
		return flw_diag_set(diag, FLW_ECONFLICT, path, "key file '%s' already exists",
		                    path);
	return s->ops->save(s, path, diag);
}

const struct flw_tuf_key *flw_signer_key(const struct flw_signer *s)
{
	return s ? &s->key : NULL;
}

int flw_signer_sign(const struct flw_signer *s, const void *msg, size_t len,
                    unsigned char sig[FLW_ED25519_SIG_BYTES])
{
	if (!s || (!msg && len) || !sig)
		return FLW_EINVAL;
	return s->ops->sign(s, msg ? msg : "", len, sig);
}

void flw_signer_free(struct flw_signer *s)
{
	if (!s)
		return;
	s->ops->destroy(s);
	flw_memzero(s, sizeof(*s));
	flw_free(s);
}
