/* include/fleetward/tuf.h - TUF metadata: keys, signing, verification, and the client workflow
 *
 * fleetward releases are TUF targets (specification 1.0.x, see docs/PROTOCOL.md). Metadata is
 * the usual envelope {"signatures":[{"keyid","sig"}],"signed":{...}}; signatures are Ed25519
 * over the canonical JSON of "signed"; keyid = hex SHA-256 of the canonical JSON of the key
 * object. Files are written (and served) as the canonical JSON of the whole envelope, so the
 * bytes a client stores are the bytes that were signed over plus the signatures.
 *
 * Verification is default-deny: a role is trusted only when at least `threshold` distinct
 * keys listed for the role in the trusted root produced valid signatures. A keyid counts once
 * (signatures listing a keyid twice are refused), and one public key listed under two keyids
 * counts once. Threshold 0 is invalid. fleetward signs with Ed25519; verification also takes
 * ecdsa-sha2-nistp256, rsassa-pss-sha256 and rsa-pkcs1v15-sha256 keys (other repositories).
 *
 * Repository side (CLI and server): flw_signer, flw_tuf_sign(), flw_tuf_make_*().
 * Client side (agent, conformance CLI): struct flw_tuf_client.
 */
#ifndef FLW_TUF_H
#define FLW_TUF_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "fleetward/common.h"
#include "fleetward/crypto.h"
FLW_BEGIN_DECLS

struct flw_diag;
struct flw_buf;

/* Limits on metadata from outside (python-tuf's defaults where they exist). */
#define FLW_TUF_ROOT_MAX_BYTES      (512u * 1024u)
#define FLW_TUF_TIMESTAMP_MAX_BYTES (16u * 1024u)
#define FLW_TUF_SNAPSHOT_MAX_BYTES  (2000u * 1000u)
#define FLW_TUF_TARGETS_MAX_BYTES   (5000u * 1000u)
#define FLW_TUF_MAX_DEPTH           16
#define FLW_TUF_MAX_KEYS            64  /* keys in root, signatures per envelope */
#define FLW_TUF_MAX_ROOT_ROTATIONS  256 /* root versions walked in one refresh */
#define FLW_TUF_TARGET_NAME_MAX     255
#define FLW_TUF_MAX_HWIDS           16
#define FLW_TUF_HWID_MAX            63
#define FLW_TUF_VERSION_STR_MAX     63
#define FLW_TUF_COMMIT_MAX          64 /* custom.source_commit: 7-64 hex digits */
#define FLW_TUF_BUILDER_MAX         255
#define FLW_TUF_SPEC_VERSION        "1.0.31"

/* Default lifetimes in seconds (PROTOCOLS.md 4.1). */
#define FLW_TUF_ROOT_LIFETIME      (365 * 86400)
#define FLW_TUF_TARGETS_LIFETIME   (90 * 86400)
#define FLW_TUF_SNAPSHOT_LIFETIME  (7 * 86400)
#define FLW_TUF_TIMESTAMP_LIFETIME (1 * 86400)

enum flw_tuf_role {
	FLW_TUF_ROOT,
	FLW_TUF_TARGETS,
	FLW_TUF_SNAPSHOT,
	FLW_TUF_TIMESTAMP,
	_FLW_TUF_ROLE_MAX,
	_FLW_TUF_ROLE_INVALID = -1
};
FLW_EXPORT const char *flw_tuf_role_to_string(int role);
FLW_EXPORT int flw_tuf_role_from_string(const char *s);

/* ---- time -------------------------------------------------------------------------------- */
/* "YYYY-MM-DDTHH:MM:SSZ" <-> time_t (UTC). parse: 0 or FLW_EFORMAT. out holds 21 bytes. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_time_parse(const char *s, time_t *out);
FLW_EXPORT void flw_tuf_time_format(time_t t, char out[21]);

/* ---- keys and signers -------------------------------------------------------------------- */
struct flw_tuf_key {
	char keyid[FLW_SHA256_HEX];
	unsigned char pk[FLW_ED25519_PK_BYTES];
};

/* The TUF key object {"keytype":"ed25519","scheme":"ed25519","keyval":{"public":hex}}. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_key_to_json(const struct flw_tuf_key *k, json_t **out);
/* Parse a key object; computes keyid from its canonical form (extra fields included). Only
 * ed25519/ed25519 is accepted: others are FLW_EFORMAT ("unsupported key type"). */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_key_from_json(const json_t *obj, struct flw_tuf_key *out,
                                                     struct flw_diag *diag);

/* Something that can sign: an Ed25519 key in memory (from a plain or passphrase-encrypted key
 * file) or a key on a PKCS#11 token that never leaves it. Callers see only the public key.
 * Key file formats and the PKCS#11 URI subset: docs/KEYS.md. */
struct flw_signer;
FLW_EXPORT FLW_WARN_UNUSED int flw_signer_generate(struct flw_signer **out);

/* Asked for the passphrase of an encrypted key file. Write it (no NUL needed) into buf, at most
 * cap bytes, and its length to *len_out; return 0, or an FLW_E* code that the load returns
 * (e.g. FLW_EAUTH when none can be had). `what` names the key for a prompt; confirm is 1 when a
 * new passphrase is being chosen (ask twice). The library wipes buf afterwards. */
typedef int (*flw_passphrase_fn)(char *buf, size_t cap, size_t *len_out, const char *what,
                                 int confirm, void *payload);

#define FLW_SIGNER_OPTS_VERSION 1
/* NULL opts = all defaults: no passphrase (encrypted files fail with FLW_EAUTH), the default
 * PKCS#11 module, no PIN. */
struct flw_signer_opts {
	unsigned version; /* FLW_SIGNER_OPTS_VERSION */
	flw_passphrase_fn passphrase;
	void *passphrase_payload;
	const char *pkcs11_module; /* NULL: the URI's module-path, else FLW_PKCS11_DEFAULT_MODULE */
	const char *pkcs11_pin;    /* user PIN; NULL: the URI's pin-source, else no login */
	uint64_t kdf_opslimit;     /* saving encrypted files; 0: FLW_PWHASH_OPSLIMIT_DEFAULT */
	uint64_t kdf_memlimit;     /* 0: FLW_PWHASH_MEMLIMIT_DEFAULT */
};
#define FLW_PKCS11_DEFAULT_MODULE "p11-kit-proxy.so"
#define FLW_PKCS11_URI_MAX        1024

/* Load a signer from spec: a "pkcs11:" URI (RFC 7512 subset: token, object, id, serial,
 * manufacturer, model, type=private; query module-path, pin-source, pin-value) or a key file.
 * Key files (mode 0600 or stricter, else FLW_EPERM):
 *   plain:     {"keytype":"ed25519","scheme":"ed25519","keyval":{"public":hex,"private":hex}}
 *   encrypted: {"keytype":..,"scheme":..,"keyval":{"public":hex},"encrypted":{...}}
 * Encrypted files ask opts->passphrase; a wrong passphrase or any tampering is FLW_EAUTH
 * ("wrong passphrase or damaged key file"). PKCS#11: FLW_ENOTFOUND (no such token or key),
 * FLW_EAUTH (PIN needed or wrong), FLW_EIO (module or token failure), FLW_ECONFLICT (URI
 * matches several). Secrets (seed, passphrase, PIN copies) are wiped before returning. */
FLW_EXPORT FLW_WARN_UNUSED int flw_signer_load(struct flw_signer **out, const char *spec,
                                               const struct flw_signer_opts *opts,
                                               struct flw_diag *diag);
/* flw_signer_load(out, path, NULL, diag) */
FLW_EXPORT FLW_WARN_UNUSED int flw_signer_load_file(struct flw_signer **out, const char *path,
                                                    struct flw_diag *diag);
/* Writes the private key file atomically with mode 0600; FLW_ECONFLICT if it exists, FLW_EPERM
 * for a signer whose secret cannot leave its token. */
FLW_EXPORT FLW_WARN_UNUSED int flw_signer_save_file(const struct flw_signer *s, const char *path,
                                                    struct flw_diag *diag);
/* Same; with opts->passphrase set (asked with confirm = 1) the seed is sealed (encrypted file,
 * Argon2id with opts' costs + XChaCha20-Poly1305, the public key as associated data). An empty
 * passphrase is refused (FLW_EINVAL). */
FLW_EXPORT FLW_WARN_UNUSED int flw_signer_save(const struct flw_signer *s, const char *path,
                                               const struct flw_signer_opts *opts,
                                               struct flw_diag *diag);
/* Generate an Ed25519 key pair on the token named by uri (CKM_EC_EDWARDS_KEY_PAIR_GEN; private
 * key sensitive, not extractable; label = object=, CKA_ID = id= or 16 random bytes). Needs a
 * PIN. FLW_ECONFLICT if the token already holds a key with that label. */
FLW_EXPORT FLW_WARN_UNUSED int flw_signer_generate_pkcs11(struct flw_signer **out, const char *uri,
                                                          const struct flw_signer_opts *opts,
                                                          struct flw_diag *diag);
/* 1 if s signs on a PKCS#11 token, else 0 */
FLW_EXPORT int flw_signer_is_pkcs11(const struct flw_signer *s);
FLW_EXPORT const struct flw_tuf_key *flw_signer_key(const struct flw_signer *s); /* borrowed */
FLW_EXPORT FLW_WARN_UNUSED int flw_signer_sign(const struct flw_signer *s, const void *msg,
                                               size_t len,
                                               unsigned char sig[FLW_ED25519_SIG_BYTES]);
FLW_EXPORT void flw_signer_free(struct flw_signer *s); /* wipes the secret; NULL is fine */

/* ---- repository side: build and sign ----------------------------------------------------- */
/* Sign `signed` with each signer and write the canonical envelope to out. Signatures are sorted
 * by keyid. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_sign(struct flw_buf *out, const json_t *signed_obj,
                                            struct flw_signer *const *signers, size_t n,
                                            struct flw_diag *diag);
/* Add one signature to an existing envelope (signing separately, merging later): parses doc,
 * replaces any signature with the same keyid, writes the canonical envelope to out. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_add_signature(struct flw_buf *out, const void *doc,
                                                     size_t len, const struct flw_signer *s,
                                                     struct flw_diag *diag);

struct flw_tuf_role_keys {
	const struct flw_tuf_key *keys;
	size_t n_keys;
	unsigned threshold;
};
/* New root "signed" object: consistent_snapshot true, each role with its keys/threshold. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_make_root(json_t **out, int64_t version, time_t expires,
                                                 const struct flw_tuf_role_keys roles[4]);
/* New empty targets "signed" object. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_make_targets(json_t **out, int64_t version, time_t expires);

/* A release as a TUF target: path, length, sha256 and fleetward's custom fields. */
struct flw_tuf_target {
	char name[FLW_TUF_TARGET_NAME_MAX + 1]; /* target path, e.g. "fw/cam-1.2.0.img" */
	uint64_t length;
	unsigned char sha256[FLW_SHA256_BYTES];
	char version[FLW_TUF_VERSION_STR_MAX + 1]; /* custom.version, release version string */
	char hwids[FLW_TUF_MAX_HWIDS][FLW_TUF_HWID_MAX + 1]; /* custom.hardware_ids */
	unsigned n_hwids;
	uint64_t security_version; /* custom.security_version (anti-rollback) */
	/* provenance (optional; "" when absent): custom.source_commit (7-64 lowercase hex),
	 * custom.builder (1-255 printable ASCII, no control characters), custom.build_time
	 * ("YYYY-MM-DDTHH:MM:SSZ") */
	char source_commit[FLW_TUF_COMMIT_MAX + 1];
	char builder[FLW_TUF_BUILDER_MAX + 1];
	char build_time[21];
};
/* Add or replace target t in a targets "signed" object (custom fields written as
 * {"version":..,"hardware_ids":[..],"security_version":N} plus the provenance fields that are
 * set). Target names must be relative paths of [A-Za-z0-9._/-] components with no "." or ".."
 * component. */
FLW_EXPORT FLW_WARN_UNUSED int
flw_tuf_targets_add(json_t *targets_signed, const struct flw_tuf_target *t, struct flw_diag *diag);
/* Read target `name` from a (verified) targets "signed" object. FLW_ENOTFOUND if absent. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_targets_get(const json_t *targets_signed, const char *name,
                                                   struct flw_tuf_target *out,
                                                   struct flw_diag *diag);
/* 1 if hwid is listed in t (an empty list matches nothing) */
FLW_EXPORT int flw_tuf_target_fits(const struct flw_tuf_target *t, const char *hwid);

/* ---- director keys (Uptane-style) --------------------------------------------------------
 * The director is the server's online role that tells ONE device what to install now. Its keys
 * and threshold live in root, signed by the offline root keys, as an extra field that other TUF
 * clients ignore:  "x-fleetward-director": {"keyids": [...], "threshold": n}  (the key objects
 * in root's "keys"). Rotating the director key is a root rotation. A director document is a
 * TUF targets document ("_type": "targets") signed by a threshold of those keys; what its
 * fields mean is docs/PROTOCOL.md's business (device binding, version counter). */
#define FLW_TUF_DIRECTOR_FIELD "x-fleetward-director"
/* Add director keys to a root "signed" object (keys into its "keys", the field set). */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_root_set_director(json_t *root_signed,
                                                         const struct flw_tuf_role_keys *director);

/* Snapshot listing targets.json at targets_version (with length and sha256 of its bytes). */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_make_snapshot(json_t **out, int64_t version, time_t expires,
                                                     int64_t targets_version,
                                                     const void *targets_bytes, size_t targets_len);
/* Timestamp pinning snapshot.json (version, length, sha256). */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_make_timestamp(json_t **out, int64_t version, time_t expires,
                                                      int64_t snapshot_version,
                                                      const void *snapshot_bytes,
                                                      size_t snapshot_len);

/* ---- verification ------------------------------------------------------------------------ */
/* Parsed, trusted root: just what verification needs. */
struct flw_tuf_root;
/* Parse a root envelope WITHOUT trusting it: the caller must verify it (flw_tuf_verify) before
 * use, except for the initial trust anchor. FLW_EFORMAT for anything malformed. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_root_parse(struct flw_tuf_root **out, const void *doc,
                                                  size_t len, struct flw_diag *diag);
FLW_EXPORT void flw_tuf_root_free(struct flw_tuf_root *r);
FLW_EXPORT int64_t flw_tuf_root_version(const struct flw_tuf_root *r);
FLW_EXPORT time_t flw_tuf_root_expires(const struct flw_tuf_root *r);
/* Keys and threshold of a role (borrowed, valid while r lives) */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_root_role(const struct flw_tuf_root *r, int role,
                                                 struct flw_tuf_role_keys *out);

/* Verify envelope doc as role `role` against root: envelope shape, signature threshold (each
 * key once), _type. On success *signed_out (optional) gets a new reference to "signed".
 * Nothing but the envelope is read before the signatures check out. FLW_ESIG names how many
 * valid signatures of how many needed. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_verify(const struct flw_tuf_root *root, int role,
                                              const void *doc, size_t len, json_t **signed_out,
                                              struct flw_diag *diag);
/* Director keys of a parsed root (borrowed). FLW_ENOTFOUND when the root names none. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_root_director(const struct flw_tuf_root *r,
                                                     struct flw_tuf_role_keys *out);
/* Verify a director document against root's director keys: envelope, threshold (each key
 * once), "_type": "targets", header. FLW_ESIG when the root names no director keys. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_verify_director(const struct flw_tuf_root *root,
                                                       const void *doc, size_t len,
                                                       json_t **signed_out, struct flw_diag *diag);
/* Common header of a verified "signed": version and expiry. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_signed_header(const json_t *signed_obj, int64_t *version,
                                                     time_t *expires, struct flw_diag *diag);

/* ---- client workflow (TUF spec section 5) ------------------------------------------------ */
/* Fetch `name` relative to the metadata base ("2.root.json", "timestamp.json") or, for
 * targets, relative to the targets base ("fw/<sha256>.cam.img"), at most max_len bytes into
 * out. Return 0, FLW_ENOTFOUND (404/403), FLW_ELIMIT (longer than max_len), FLW_ENET. */
struct flw_tuf_fetcher {
	unsigned version; /* FLW_TUF_FETCHER_VERSION */
	int (*fetch_meta)(void *payload, const char *name, size_t max_len, struct flw_buf *out,
	                  struct flw_diag *diag);
	void *payload;
	/* Optional (NULL: flw_tuf_client_download() is unavailable). Stream the target at `path`
	 * (relative to the targets base) into sink(ctx, bytes, n) as it arrives. A sink error
	 * (FLW_ELIMIT once more than max_len bytes came) must stop the transfer and be returned.
	 * Return 0, FLW_ENOTFOUND, FLW_ENET or the sink's error. */
	int (*fetch_target)(void *payload, const char *path, uint64_t max_len,
	                    int (*sink)(void *ctx, const void *p, size_t n), void *ctx,
	                    struct flw_diag *diag);
};
#define FLW_TUF_FETCHER_VERSION 1

struct flw_tuf_client;
/* Open a client whose trusted metadata lives in dir (root.json, timestamp.json, snapshot.json,
 * targets.json: the exact bytes fetched). dir/root.json must exist (the trust anchor). */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_client_open(struct flw_tuf_client **out, const char *dir,
                                                   const struct flw_tuf_fetcher *fetcher,
                                                   struct flw_diag *diag);
FLW_EXPORT void flw_tuf_client_free(struct flw_tuf_client *c);
/* Store root bytes as dir/root.json (the `init` step; no checks beyond parsing). */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_client_init(const char *dir, const void *root, size_t len,
                                                   struct flw_diag *diag);
/* Full top-level refresh at time `now` (fixed for the whole refresh): root chain, timestamp,
 * snapshot, targets; each newly trusted file persisted atomically before the next step; a
 * failed step leaves the trusted files as they were. Errors: FLW_ESIG, FLW_EEXPIRED,
 * FLW_EROLLBACK, FLW_EHASH, FLW_ELIMIT, FLW_EFORMAT, FLW_ENET, with the attack named in diag. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_client_refresh(struct flw_tuf_client *c, time_t now,
                                                      struct flw_diag *diag);
/* Look a target up (after a successful refresh) with the search of flw_tuf_client_find(),
 * then read fleetward's fields from its entry. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_client_target(struct flw_tuf_client *c, const char *name,
                                                     struct flw_tuf_target *out,
                                                     struct flw_diag *diag);
/* URL path of a target under the targets base with consistent snapshots:
 * "fw/<sha256hex>.cam.img" for "fw/cam.img". Returns a new string or NULL. */
FLW_EXPORT char *flw_tuf_target_path(const struct flw_tuf_target *t);

/* ---- any target, delegations, download (conformance CLI; TUF spec 5.6, 5.7) ------------- */
/* Limits of the target search (python-tuf's defaults). */
#define FLW_TUF_MAX_DELEGATIONS 32   /* delegated roles visited in one search */
#define FLW_TUF_TARGET_PATH_MAX 4096 /* bytes of a target path */

/* A target as TUF knows it: path, length and the hashes we can check. */
struct flw_tuf_targetinfo {
	char *path; /* owned: flw_tuf_targetinfo_clear() frees it */
	uint64_t length;
	int has_sha256;
	unsigned char sha256[FLW_SHA256_BYTES];
	int has_sha512;
	unsigned char sha512[64];
	unsigned n_unsupported; /* listed hash algorithms we cannot compute: never verifies */
};
FLW_EXPORT void flw_tuf_targetinfo_clear(struct flw_tuf_targetinfo *t);

/* Search target `path` (any string up to FLW_TUF_TARGET_PATH_MAX bytes) after a successful
 * refresh: top-level targets, then delegated roles in pre-order depth-first order (honouring
 * `terminating`, paths / path_hash_prefixes, at most FLW_TUF_MAX_DELEGATIONS roles, each role
 * visited once). Each delegated role must be listed in the trusted snapshot; its trusted copy
 * (dir/<percent-encoded role>.json) is used only while it verifies against the keys of the
 * delegator the search came through, else <version>.<role>.json is fetched, checked against
 * the snapshot, verified and persisted. FLW_ENOTFOUND when no role provides the target;
 * any failed check is an error (the search stops). */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_client_find(struct flw_tuf_client *c, const char *path,
                                                   struct flw_tuf_targetinfo *out,
                                                   struct flw_diag *diag);
/* 1 if the file at `file` has t's length and all of t's hashes, 0 if not or absent. */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_target_cached(const struct flw_tuf_targetinfo *t,
                                                     const char *file, struct flw_diag *diag);
/* Download t through fetcher->fetch_target (hash-prefixed name when the root uses consistent
 * snapshots), stopping after t->length bytes; the bytes must have exactly t's length and match
 * every listed hash. The file appears at `dest` (atomically) only when they do; a failed
 * download leaves nothing behind. FLW_ELIMIT (endless data), FLW_EHASH (wrong software), ... */
FLW_EXPORT FLW_WARN_UNUSED int flw_tuf_client_download(struct flw_tuf_client *c,
                                                       const struct flw_tuf_targetinfo *t,
                                                       const char *dest, struct flw_diag *diag);

FLW_END_DECLS
#endif /* FLW_TUF_H */
