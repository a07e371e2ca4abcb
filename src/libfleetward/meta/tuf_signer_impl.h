/* meta/tuf_signer_impl.h - the signer's backends (tuf_signer*.c); not installed
 *
 *   tuf_signer.c         struct flw_signer, the in-memory Ed25519 backend, key files, dispatch
 *   tuf_signer_sealed.c  the "encrypted" member of a key file (Argon2id + XChaCha20-Poly1305)
 *   tuf_signer_p11uri.c  PKCS#11 URIs (RFC 7512 subset)
 *   tuf_signer_pkcs11.c  the PKCS#11 backend (module loaded with dlopen, CKM_EDDSA)
 */
#ifndef FLW_TUF_SIGNER_IMPL_H
#define FLW_TUF_SIGNER_IMPL_H
#include <stddef.h>
#include <jansson.h>
#include "fleetward/tuf.h"

struct flw_buf;
struct flw_diag;

#define FLW_SIGNER_OPS_VERSION 1
struct flw_signer_ops {
	unsigned version;
	const char *name; /* "file", "pkcs11" */
	int (*sign)(const struct flw_signer *s, const void *msg, size_t len,
	            unsigned char sig[FLW_ED25519_SIG_BYTES]);
	/* write the private key file; FLW_EPERM when the backend cannot export */
	int (*save)(const struct flw_signer *s, const char *path,
	            const struct flw_signer_opts *opts, struct flw_diag *diag);
	/* release backend state and wipe secrets; the struct itself is wiped by the caller */
	void (*destroy)(struct flw_signer *s);
};

struct flw_signer {
	const struct flw_signer_ops *ops;
	struct flw_tuf_key key;
	void *impl;                             /* backend state (PKCS#11 session) */
	unsigned char sk[FLW_ED25519_SK_BYTES]; /* in-memory backend only */
};

/* New signer with ops and public key pk (keyid computed). impl is not owned until success. */
int flw_signer__new(struct flw_signer **out, const struct flw_signer_ops *ops,
                    const unsigned char pk[FLW_ED25519_PK_BYTES], void *impl);
/* ops->destroy, then wipe the whole struct; does not free it (flw_signer_free does) */
void flw_signer__wipe(struct flw_signer *s);

/* Read a file that only its owner may access (FLW_EPERM otherwise), at most out->max bytes. */
int flw_signer__read_private(const char *path, struct flw_buf *out, struct flw_diag *diag);

/* Ask opts for a passphrase into pass (cap FLW_PASSPHRASE_MAX); FLW_EAUTH when there is no
 * callback, the callback's code when it fails. Empty passphrases are FLW_EINVAL when confirm. */
int flw_signer__passphrase(const struct flw_signer_opts *opts, const char *what, int confirm,
                           char *pass, size_t *len_out, struct flw_diag *diag);

/* ---- tuf_signer_sealed.c ---- */
#define FLW_SEALED_VERSION 1
/* Open the "encrypted" member of a key file whose public key is pk: asks for the passphrase
 * (what names the file) and writes the 32-byte seed. FLW_EAUTH when the passphrase is wrong or
 * the file was tampered with; FLW_EFORMAT/FLW_ELIMIT for a malformed member. */
int flw_signer__sealed_open(const json_t *enc, const unsigned char pk[FLW_ED25519_PK_BYTES],
                            const struct flw_signer_opts *opts, const char *what,
                            unsigned char seed[FLW_ED25519_SEED_BYTES], struct flw_diag *diag);
/* Seal seed under a passphrase asked from opts (confirm = 1) into a new "encrypted" member. */
int flw_signer__sealed_make(json_t **out, const unsigned char pk[FLW_ED25519_PK_BYTES],
                            const unsigned char seed[FLW_ED25519_SEED_BYTES],
                            const struct flw_signer_opts *opts, const char *what,
                            struct flw_diag *diag);

/* ---- tuf_signer_p11uri.c ---- */
#define FLW_P11_LABEL_MAX    255 /* object label */
#define FLW_P11_ID_MAX       64  /* CKA_ID bytes */
#define FLW_P11_PATH_MAX     1024
#define FLW_P11_PIN_MAX      256
#define FLW_P11_PIN_FILE_MAX 4096
struct flw_p11_uri {
	char token[33];        /* CK_TOKEN_INFO.label, at most 32 bytes ("" = any) */
	char manufacturer[33]; /* CK_TOKEN_INFO.manufacturerID */
	char model[17];
	char serial[17];
	char object[FLW_P11_LABEL_MAX + 1]; /* CKA_LABEL ("" = any) */
	unsigned char id[FLW_P11_ID_MAX];   /* CKA_ID */
	size_t id_len;
	int has_id;
	char module_path[FLW_P11_PATH_MAX + 1]; /* query: module-path */
	char pin_source[FLW_P11_PATH_MAX + 1];  /* query: pin-source (file path) */
	char pin_value[FLW_P11_PIN_MAX + 1];    /* query: pin-value */
};
/* 1 if spec starts with "pkcs11:" (any case) */
int flw_signer__is_p11_uri(const char *spec);
/* Parse uri into out (zeroed first). FLW_EFORMAT names the bad attribute, FLW_ELIMIT for
 * over-long values or a URI longer than FLW_PKCS11_URI_MAX. */
int flw_signer__p11_uri_parse(struct flw_p11_uri *out, const char *uri, struct flw_diag *diag);
/* Wipe the PIN fields */
void flw_signer__p11_uri_clear(struct flw_p11_uri *u);

/* ---- tuf_signer_pkcs11.c ---- */
int flw_signer__pkcs11_load(struct flw_signer **out, const char *uri,
                            const struct flw_signer_opts *opts, int generate,
                            struct flw_diag *diag);

#endif /* FLW_TUF_SIGNER_IMPL_H */
