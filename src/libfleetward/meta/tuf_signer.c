/* meta/tuf_signer.c - something that can sign TUF metadata
 *
 * A signer is a public key plus an ops table; callers never see the secret. Backends: an
 * Ed25519 key in memory (generated, or loaded from a 0600 key file, plain or sealed under a
 * passphrase: tuf_signer_sealed.c) and a key on a PKCS#11 token (tuf_signer_pkcs11.c).
 * flw_signer_load() picks the backend from the spec. Secrets are wiped on free.
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
#include "tuf_signer_impl.h"

#define KEYFILE_MAX_BYTES 4096u

/* ---- common ---------------------------------------------------------------------------------- */

int flw_signer__new(struct flw_signer **out, const struct flw_signer_ops *ops,
                    const unsigned char pk[FLW_ED25519_PK_BYTES], void *impl)
{
	struct flw_signer *s;
	json_t *key = NULL;
	int rc = FLW_ENOMEM;

	s = flw_calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->ops = ops;
	memcpy(s->key.pk, pk, FLW_ED25519_PK_BYTES);
	if ((rc = flw_tuf_key_to_json(&s->key, &key)) != 0 ||
	    (rc = flw_tuf__keyid(key, s->key.keyid, NULL)) != 0)
		goto out;
	s->impl = impl; /* owned from here on */
	*out = s;
	s = NULL;
out:
	json_decref(key);
	flw_free(s);
	return rc;
}

void flw_signer__wipe(struct flw_signer *s)
{
	s->ops->destroy(s);
	flw_memzero(s, sizeof(*s));
}

int flw_signer__passphrase(const struct flw_signer_opts *opts, const char *what, int confirm,
                           char *pass, size_t *len_out, struct flw_diag *diag)
{
	size_t len = 0;
	int rc;

	if (!opts || !opts->passphrase)
		return flw_diag_set(diag, FLW_EAUTH, what,
		                    "the key file is encrypted: a passphrase is needed");
	rc = opts->passphrase(pass, FLW_PASSPHRASE_MAX, &len, what, confirm,
	                      opts->passphrase_payload);
	if (rc == 0 && len > FLW_PASSPHRASE_MAX)
		rc = FLW_ELIMIT;
	if (rc == 0 && confirm && len == 0)
		rc = flw_diag_set(diag, FLW_EINVAL, what, "an empty passphrase protects nothing");
	if (rc != 0) {
		flw_memzero(pass, FLW_PASSPHRASE_MAX);
		if (rc > 0 || rc <= _FLW_E_MIN)
			rc = FLW_EAUTH;
		if (!diag || diag->code != rc)
			flw_diag_set(diag, rc, what, "no passphrase: %s", flw_strerror(rc));
		return rc;
	}
	*len_out = len;
	return 0;
}

/* read a file that only its owner may read, at most out->max bytes */
int flw_signer__read_private(const char *path, struct flw_buf *out, struct flw_diag *diag)
{
	unsigned char chunk[512];
	struct stat st;
	ssize_t n;
	int fd;
	int rc = FLW_EIO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? flw_diag_set(diag, FLW_ENOTFOUND, path, "no such file")
		                       : flw_diag_errno(diag, errno, path, "opening key file");
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
		if ((rc = flw_buf_append(out, chunk, (size_t)n)) != 0) {
			if (rc == FLW_ELIMIT)
				flw_diag_set(diag, rc, path, "file larger than %zu bytes",
				             out->max);
			goto out;
		}
	}
	rc = n < 0 ? flw_diag_errno(diag, errno, path, "reading key file") : 0;
out:
	flw_memzero(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

/* ---- in-memory Ed25519 backend --------------------------------------------------------------- */

static int mem_sign(const struct flw_signer *s, const void *msg, size_t len,
                    unsigned char sig[FLW_ED25519_SIG_BYTES])
{
	return flw_ed25519_sign(sig, msg, len, s->sk);
}

/* the key file object: plain {"keyval":{"public","private"}} or sealed {"keyval":{"public"},
 * "encrypted":{...}} */
static int key_object(const struct flw_signer *s, const struct flw_signer_opts *opts,
                      const char *path, json_t **out, struct flw_diag *diag)
{
	char pub[2 * FLW_ED25519_PK_BYTES + 1];
	char priv[2 * FLW_ED25519_SEED_BYTES + 1];
	json_t *enc = NULL;
	json_t *o = NULL;
	int rc;

	flw_hex_encode(pub, s->key.pk, sizeof(s->key.pk));
	if (opts && opts->passphrase) {
		rc = flw_signer__sealed_make(&enc, s->key.pk, s->sk, opts, path, diag);
		if (rc != 0)
			goto out;
		rc = FLW_ENOMEM;
		o = json_pack("{s:s, s:s, s:{s:s}, s:o}", "keytype", "ed25519", "scheme", "ed25519",
		              "keyval", "public", pub, "encrypted", enc);
		enc = NULL; /* "o" steals the reference, also on failure */
	} else {
		rc = FLW_ENOMEM;
		flw_hex_encode(priv, s->sk, FLW_ED25519_SEED_BYTES);
		o = json_pack("{s:s, s:s, s:{s:s, s:s}}", "keytype", "ed25519", "scheme", "ed25519",
		              "keyval", "public", pub, "private", priv);
		flw_memzero(priv, sizeof(priv));
	}
	if (!o)
		goto out;
	*out = o;
	rc = 0;
out:
	if (enc)
		json_decref(enc);
	return rc;
}

static void wipe_key_object(json_t *o)
{
	json_t *priv = json_object_get(json_object_get(o, "keyval"), "private");

	if (json_is_string(priv))
		flw_memzero((char *)json_string_value(priv), json_string_length(priv));
	json_decref(o);
}

static int mem_save(const struct flw_signer *s, const char *path,
                    const struct flw_signer_opts *opts, struct flw_diag *diag)
{
	struct flw_buf b;
	json_t *o = NULL;
	int rc;

	flw_buf_init(&b, KEYFILE_MAX_BYTES);
	if ((rc = key_object(s, opts, path, &o, diag)) != 0)
		goto out;
	if ((rc = flw_json_canonical(&b, o, diag)) != 0 || (rc = flw_buf_puts(&b, "\n")) != 0)
		goto out;
	rc = flw_fs_write_atomic(path, b.data, b.len, 0600, diag);
out:
	if (o)
		wipe_key_object(o);
	flw_buf_free_secure(&b);
	return rc;
}

static void mem_destroy(struct flw_signer *s)
{
	flw_memzero(s->sk, sizeof(s->sk));
}

static const struct flw_signer_ops mem_ops = {
	.version = FLW_SIGNER_OPS_VERSION,
	.name = "file",
	.sign = mem_sign,
	.save = mem_save,
	.destroy = mem_destroy,
};

static int mem_signer_new(struct flw_signer **out, const unsigned char pk[FLW_ED25519_PK_BYTES],
                          const unsigned char sk[FLW_ED25519_SK_BYTES])
{
	struct flw_signer *s = NULL;
	int rc;

	rc = flw_signer__new(&s, &mem_ops, pk, NULL);
	if (rc != 0)
		return rc;
	memcpy(s->sk, sk, FLW_ED25519_SK_BYTES);
	*out = s;
	return 0;
}

/* ---- key files ------------------------------------------------------------------------------- */

/* seed from the plain "private" member */
static int plain_seed(const json_t *o, unsigned char seed[FLW_ED25519_SEED_BYTES],
                      struct flw_diag *diag)
{
	const char *priv = NULL;
	int rc;

	rc = flw_json_get_str(json_object_get(o, "keyval"), "private", &priv, 64, 1, diag);
	if ((rc = flw_tuf__required(rc, diag)) != 0)
		return rc;
	rc = 0;
	if (flw_hex_decode(seed, FLW_ED25519_SEED_BYTES, priv) != 0)
		rc = flw_diag_set(diag, FLW_EFORMAT, "keyval.private",
		                  "private key must be 64 hex digits");
	return rc;
}

static int parse_key_file(const struct flw_buf *b, const char *path,
                          const struct flw_signer_opts *opts,
                          unsigned char pk[FLW_ED25519_PK_BYTES],
                          unsigned char sk[FLW_ED25519_SK_BYTES], struct flw_diag *diag)
{
	static const char *const allowed[] = { "keytype", "scheme", "keyval", "encrypted", NULL };
	const struct flw_json_limits lim = { KEYFILE_MAX_BYTES, 4 };
	unsigned char seed[FLW_ED25519_SEED_BYTES];
	unsigned char derived[FLW_ED25519_PK_BYTES];
	const json_t *enc;
	const json_t *priv;
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
	enc = json_object_get(o, "encrypted");
	priv = json_object_get(json_object_get(o, "keyval"), "private");
	if (enc && priv)
		rc = flw_diag_set(diag, FLW_EFORMAT, "keyval.private",
		                  "an encrypted key file must not hold a plain private key");
	else if (enc)
		rc = flw_signer__sealed_open(enc, pk, opts, path, seed, diag);
	else
		rc = plain_seed(o, seed, diag);
	if (rc != 0)
		goto out;
	if ((rc = flw_ed25519_from_seed(derived, sk, seed)) != 0)
		goto out;
	if (flw_ct_memcmp(derived, pk, sizeof(derived)) != 0)
		rc = enc ? flw_diag_set(diag, FLW_EAUTH, path,
		                        "wrong passphrase or damaged key file")
		         : flw_diag_set(diag, FLW_EFORMAT, "keyval",
		                        "public key does not belong to the private key");
out:
	if (o)
		wipe_key_object(o);
	flw_memzero(seed, sizeof(seed));
	return rc;
}

static int load_key_file(struct flw_signer **out, const char *path,
                         const struct flw_signer_opts *opts, struct flw_diag *diag)
{
	unsigned char pk[FLW_ED25519_PK_BYTES];
	unsigned char sk[FLW_ED25519_SK_BYTES];
	struct flw_buf b;
	int rc;

	flw_buf_init(&b, KEYFILE_MAX_BYTES);
	rc = flw_signer__read_private(path, &b, diag);
	if (rc == 0)
		rc = parse_key_file(&b, path, opts, pk, sk, diag);
	if (rc == 0)
		rc = mem_signer_new(out, pk, sk);
	flw_memzero(sk, sizeof(sk));
	flw_buf_free_secure(&b);
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

static int opts_ok(const struct flw_signer_opts *opts)
{
	return !opts || opts->version == FLW_SIGNER_OPTS_VERSION;
}

int flw_signer_load(struct flw_signer **out, const char *spec, const struct flw_signer_opts *opts,
                    struct flw_diag *diag)
{
	if (!out || !spec || !opts_ok(opts))
		return FLW_EINVAL;
	if (flw_signer__is_p11_uri(spec))
		return flw_signer__pkcs11_load(out, spec, opts, 0, diag);
	return load_key_file(out, spec, opts, diag);
}

int flw_signer_load_file(struct flw_signer **out, const char *path, struct flw_diag *diag)
{
	return flw_signer_load(out, path, NULL, diag);
}

int flw_signer_generate_pkcs11(struct flw_signer **out, const char *uri,
                               const struct flw_signer_opts *opts, struct flw_diag *diag)
{
	if (!out || !uri || !opts_ok(opts))
		return FLW_EINVAL;
	if (!flw_signer__is_p11_uri(uri))
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "not a PKCS#11 URI (pkcs11:...)");
	return flw_signer__pkcs11_load(out, uri, opts, 1, diag);
}

int flw_signer_save(const struct flw_signer *s, const char *path,
                    const struct flw_signer_opts *opts, struct flw_diag *diag)
{
	struct stat st;

	if (!s || !path || !opts_ok(opts))
		return FLW_EINVAL;
	if (lstat(path, &st) == 0)
		return flw_diag_set(diag, FLW_ECONFLICT, path, "key file '%s' already exists",
		                    path);
	return s->ops->save(s, path, opts, diag);
}

int flw_signer_save_file(const struct flw_signer *s, const char *path, struct flw_diag *diag)
{
	return flw_signer_save(s, path, NULL, diag);
}

int flw_signer_is_pkcs11(const struct flw_signer *s)
{
	return s && strcmp(s->ops->name, "pkcs11") == 0;
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
	flw_signer__wipe(s);
	flw_free(s);
}
