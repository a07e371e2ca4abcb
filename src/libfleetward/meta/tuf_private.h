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
 *   tuf_verify.c   threshold verification, meta entries
 *   tuf_client.c   the client workflow (spec section 5, top-level roles)
 */
#ifndef FLW_TUF_PRIVATE_H
#define FLW_TUF_PRIVATE_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "fleetward/tuf.h"

struct flw_buf;
struct flw_diag;

/* one entry of a timestamp/snapshot "meta" object */
struct flw_tuf_meta {
	int64_t version;
	int64_t length; /* -1 when absent */
	int has_sha256;
	unsigned char sha256[FLW_SHA256_BYTES];
};

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

/* 1 if name is a valid target name (relative, [A-Za-z0-9._/-], no empty/./.. components) */
int flw_tuf__name_ok(const char *name);

/* root.consistent_snapshot */
int flw_tuf__root_consistent(const struct flw_tuf_root *r);

#endif /* FLW_TUF_PRIVATE_H */
