/* meta/tuf_private.h - internals shared by the TUF files (tuf_*.c); not installed
 *
 * Layout of the module:
 *   tuf_time.c     role names, size caps, strict time parsing
 *   tuf_key.c      key objects, keyids, canonical helper, envelope shape, common header
 *   tuf_signer.c   flw_signer (ops table; in-memory Ed25519 today)
 *   tuf_sign.c     envelopes: sign, add a signature
 *   tuf_make.c     root/targets/snapshot/timestamp "signed" objects
 *   tuf_targets.c  targets with fleetward's custom fields, name checks, target paths
 *   tuf_root.c     parsed root (keys and thresholds per role)
 *   tuf_verify.c   keyrings, threshold verification (any key type), meta entries
 *   tuf_deleg.c    delegations: parsing, path patterns, role name quoting
 *   tuf_client.c   the client workflow (spec section 5, top-level roles)
 *   tuf_lookup.c   target search over delegations (pre-order DFS) and target download
 */
#ifndef FLW_TUF_PRIVATE_H
#define FLW_TUF_PRIVATE_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "fleetward/tuf.h"

struct flw_buf;
struct flw_diag;

#define FLW_TUF__SHA512_BYTES 64

/* one entry of a timestamp/snapshot "meta" object */
struct flw_tuf_meta {
	int64_t version;
	int64_t length; /* -1 when absent */
	int has_sha256;
	unsigned char sha256[FLW_SHA256_BYTES];
	int has_sha512;
	unsigned char sha512[FLW_TUF__SHA512_BYTES];
	unsigned n_unsupported; /* listed hash algorithms we cannot compute: bytes never match */
};

/* ---- keys of any supported type (crypto/tuf_pkey.c) -------------------------------------- */
struct flw_pkey;

struct flw_tuf__vkey {
	char keyid[FLW_SHA256_HEX];
	struct flw_pkey *pk; /* NULL: a key of a type we cannot verify (never counted) */
};

/* the keys of root.keys or of a delegator's delegations.keys */
struct flw_tuf__keyring {
	struct flw_tuf__vkey *keys;
	size_t n;
};

/* the keyids and threshold a role (top-level or delegated) is verified with; keyids borrowed */
struct flw_tuf__rolekeys {
	const char *keyids[FLW_TUF_MAX_KEYS];
	size_t n;
	unsigned threshold;
};

/* Parse a "keys" object (<= FLW_TUF_MAX_KEYS entries, keyids of 1..64 characters). */
int flw_tuf__keyring_parse(struct flw_tuf__keyring *out, const json_t *keys, struct flw_diag *diag);
void flw_tuf__keyring_free(struct flw_tuf__keyring *kr);
const struct flw_tuf__vkey *flw_tuf__keyring_get(const struct flw_tuf__keyring *kr,
                                                 const char *keyid);
/* {"keyids":[distinct strings <= FLW_TUF_MAX_KEYS],"threshold":1..1024} (borrows from obj) */
int flw_tuf__rolekeys_parse(struct flw_tuf__rolekeys *out, const json_t *obj, const char *name,
                            struct flw_diag *diag);
/* Threshold check of a parsed envelope: at least threshold distinct keys (by keyid and by
 * public key) of rk in kr signed the canonical form of env.signed. Duplicate keyids among the
 * signatures are refused. FLW_ESIG names the count. max caps the canonical form. */
int flw_tuf__verify_env(const json_t *env, const struct flw_tuf__keyring *kr,
                        const struct flw_tuf__rolekeys *rk, const char *rolename, size_t max,
                        struct flw_diag *diag);
/* The root's keyring and a top-level role's keys (borrowed) */
const struct flw_tuf__keyring *flw_tuf__root_keyring(const struct flw_tuf_root *r);
/* role: a top-level role, or FLW_TUF__DIRECTOR for the root's director keys (NULL if none) */
#define FLW_TUF__DIRECTOR 100
const struct flw_tuf__rolekeys *flw_tuf__root_rolekeys(const struct flw_tuf_root *r, int role);

/* Size cap of a role's documents (root, targets, ...); 0 for an invalid role. */
size_t flw_tuf__role_max(int role);

/* A required field that is absent is malformed metadata: turn FLW_ENOTFOUND into FLW_EFORMAT. */
int flw_tuf__required(int rc, struct flw_diag *diag);

/* Canonical JSON of v into a fresh buffer capped at max (caller frees out). */
int flw_tuf__canonical(struct flw_buf *out, const json_t *v, size_t max, struct flw_diag *diag);

/* keyid (hex SHA-256 of the canonical key object, extra fields included) */
int flw_tuf__keyid(const json_t *key_obj, char keyid[FLW_SHA256_HEX], struct flw_diag *diag);

/* Parse a key object. 0 with pk set for ed25519/ed25519, 1 for a well-formed key of another
 * type (never counted), FLW_EFORMAT otherwise. */
int flw_tuf__key_parse(const json_t *obj, unsigned char pk[FLW_ED25519_PK_BYTES],
                       struct flw_diag *diag);

/* Parse doc (capped at max, FLW_TUF_MAX_DEPTH) and check the envelope shape only:
 * {"signatures":[{"keyid":str,"sig":str}...<= FLW_TUF_MAX_KEYS],"signed":{...}}. */
int flw_tuf__envelope_parse(json_t **out, const void *doc, size_t len, size_t max,
                            struct flw_diag *diag);

/* Check the common header of a "signed" object: _type (skipped when role < 0), spec_version
 * major 1, version >= 1, strict expires. version/expires may be NULL. */
int flw_tuf__check_header(const json_t *signed_obj, int role, int64_t *version, time_t *expires,
                          struct flw_diag *diag);

/* Entry `file` of signed.meta. FLW_ENOTFOUND (no diag) when the entry is absent. */
int flw_tuf__meta_get(const json_t *signed_obj, const char *file, struct flw_tuf_meta *out,
                      struct flw_diag *diag);
/* Parse one meta entry object. */
int flw_tuf__meta_parse(const json_t *entry, const char *file, struct flw_tuf_meta *out,
                        struct flw_diag *diag);

/* The hashes object of a meta or target entry: sha256/sha512 decoded, others counted. */
int flw_tuf__meta_parse_hashes(const json_t *hashes, struct flw_tuf_meta *out,
                               struct flw_diag *diag);
/* Check length (if listed) and every listed hash of bytes against m. 0 or FLW_EHASH. */
int flw_tuf__meta_check(const struct flw_tuf_meta *m, const void *data, size_t len,
                        const char *name, struct flw_diag *diag);

/* ---- delegations (tuf_deleg.c) ----------------------------------------------------------- */
#define FLW_TUF_ROLE_NAME_MAX 255  /* bytes of a delegated role name */
#define FLW_TUF_MAX_ROLES     1024 /* delegations.roles entries */
#define FLW_TUF_MAX_PATHS     1024 /* paths or path_hash_prefixes of one role */

/* Check the structure of a verified targets "signed": every target entry (length, non-empty
 * hashes of strings, optional custom object) and the delegations, if any (keys, roles with a
 * name that is no top-level role's, distinct names, keyids/threshold, terminating, exactly one
 * of paths and path_hash_prefixes). */
int flw_tuf__targets_check(const json_t *targets_signed, struct flw_diag *diag);
/* 1 if the delegated role object `role` is trusted for target path `path` */
int flw_tuf__role_matches(const json_t *role, const char *path);
/* one path pattern: shell-style glob per "/"-separated component ('*' never matches '/') */
int flw_tuf__path_match(const char *pattern, const char *path);
/* Percent-encode everything but [A-Za-z0-9_.~-] (Python's quote(name, "")): role names in
 * URLs and file names. Returns a new string, or NULL (allocation). */
char *flw_tuf__quote(const char *s);

/* ---- the client (tuf_client.c, tuf_lookup.c) --------------------------------------------- */
struct flw_tuf_client {
	char *dir;
	struct flw_tuf_fetcher fetcher;
	struct flw_tuf_root *root;
	json_t *snapshot; /* verified snapshot "signed" after a successful refresh, else NULL */
	json_t *targets;  /* verified targets "signed" after a successful refresh, else NULL */
	time_t now;       /* the refresh's fixed update-start time */
};

/* fetch name from the metadata base, at most max bytes (FLW_ELIMIT beyond) */
int flw_tuf__fetch(const struct flw_tuf_client *c, const char *name, size_t max,
                   struct flw_buf *out, struct flw_diag *diag);
/* read / atomically write dir/<file> */
int flw_tuf__read_file(const struct flw_tuf_client *c, const char *file, size_t max,
                       struct flw_buf *out, struct flw_diag *diag);
int flw_tuf__write_file(const struct flw_tuf_client *c, const char *file, const struct flw_buf *b,
                        struct flw_diag *diag);
/* The entry of target `path` found by the delegation search (new reference). */
int flw_tuf__find_entry(struct flw_tuf_client *c, const char *path, json_t **entry,
                        struct flw_diag *diag);
/* fleetward's view of a target entry (name must pass flw_tuf__name_ok) */
int flw_tuf__target_from_entry(const char *name, const json_t *entry, struct flw_tuf_target *out,
                               struct flw_diag *diag);

/* 1 if name is a valid target name (relative, [A-Za-z0-9._/-], no empty/./.. components) */
int flw_tuf__name_ok(const char *name);

/* root.consistent_snapshot */
int flw_tuf__root_consistent(const struct flw_tuf_root *r);

#endif /* FLW_TUF_PRIVATE_H */
