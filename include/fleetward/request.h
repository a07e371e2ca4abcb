/* include/fleetward/request.h - request bodies of the device and management APIs, parsed and
 * validated without HTTP or a store
 *
 * Each flw_req_parse_*() takes the raw body bytes as they came off the network and returns a
 * validated struct, or FLW_EFORMAT / FLW_ELIMIT / FLW_ENOMEM with the field path and reason in
 * diag (optional). Bodies are strict JSON objects (flw_json_parse: no duplicate keys, no
 * trailing bytes) of at most FLW_DEVICE_BODY_MAX (device API) or FLW_API_BODY_MAX (management
 * API) bytes; unknown keys, wrong types, over-long strings and malformed identifiers are
 * refused. The docs/PROTOCOL.md shapes are the reference.
 *
 * Ownership: *out is zeroed first, filled on success and zeroed again on error (nothing to
 * release then). Structs with a *_clear() function own memory (strings borrowed from their
 * doc); *_clear() is NULL-safe, idempotent and leaves the struct zeroed.
 */
#ifndef FLW_REQUEST_H
#define FLW_REQUEST_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "fleetward/buf.h"
#include "fleetward/common.h"
#include "fleetward/crypto.h"
#include "fleetward/protocol.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"
FLW_BEGIN_DECLS

struct flw_diag;

/* Limits on request fields (bytes, items or seconds) beyond those in protocol.h */
#define FLW_REQ_MAX_DEPTH      16    /* JSON nesting of any request body */
#define FLW_REQ_CLOCK_SKEW     600   /* signed device requests: seconds either way of now */
#define FLW_REQ_IDS_MAX        10000 /* ids in one request (deployment, group members) */
#define FLW_REQ_HEALTH_MAX     31
#define FLW_REQ_STATE_MAX      32
#define FLW_REQ_ROLE_MAX       16
#define FLW_REQ_TTL_MAX        (10ll * 366 * 86400) /* expires_in of tokens */
#define FLW_REQ_USES_MAX       1000000000           /* uses of an enrollment token */
#define FLW_REQ_USES_UNLIMITED (-1)

/* ---- device API ------------------------------------------------------------------------- */

/* {"signed": {...}, "signature": "<128 hex>"}: what every device-signed request shares. */
struct flw_req_signed {
	char device_id[FLW_ID_MAX + 1];
	int64_t time; /* signed.time; checked by flw_req_verify_signed */
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	struct flw_buf canon; /* canonical JSON of "signed": the bytes the signature covers */
};
FLW_EXPORT void flw_req_signed_clear(struct flw_req_signed *r);

/* Default-deny: the signature over r->canon with pk, then r->time within FLW_REQ_CLOCK_SKEW
 * of now. 0 or FLW_EAUTH (diag names "signature" or "signed.time"). */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_req_verify_signed(
        const struct flw_req_signed *r, const unsigned char pk[FLW_ED25519_PK_BYTES], time_t now,
        struct flw_diag *diag);

/* POST /device/v1/enroll. Nothing is verified here: call flw_req_verify_signed() with
 * public_key (proof of possession) before using anything. */
struct flw_req_enroll {
	struct flw_req_signed sg;
	char hardware_id[FLW_TUF_HWID_MAX + 1];
	unsigned char public_key[FLW_ED25519_PK_BYTES];
	unsigned char token_hash[FLW_SHA256_BYTES]; /* SHA-256 of signed.enrollment_token */
};
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_enroll(struct flw_req_enroll *out,
                                                                   const void *body, size_t len,
                                                                   struct flw_diag *diag);
FLW_EXPORT void flw_req_enroll_clear(struct flw_req_enroll *r);

/* POST /device/v1/auth: {"signed": {device_id, time}, "signature"}. */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_auth(struct flw_req_signed *out,
                                                                 const void *body, size_t len,
                                                                 struct flw_diag *diag);

/* POST /device/v1/checkin. Every field is optional; an empty body is "{}". c.device_id and
 * c.now are left for the caller; the strings and c.attrs are borrowed from doc.
 * "components": [{"name", "version", "purl"?, "cpe"?}] (at most FLW_DEVICE_COMPONENTS_MAX,
 * each checked like an SBOM's by flw_sbom_component_check; vendor derived from a literal CPE
 * vendor) sets c.has_components, c.components (comp) and c.n_components. */
struct flw_req_checkin {
	struct flw_checkin c;
	json_t *doc;
	struct flw_sbom_component *comp; /* c.components: owned array, strings from doc/vendors */
	char (*vendors)[FLW_SBOM_VENDOR_MAX + 1]; /* owned */
};
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_checkin(struct flw_req_checkin *out,
                                                                    const void *body, size_t len,
                                                                    struct flw_diag *diag);
FLW_EXPORT void flw_req_checkin_clear(struct flw_req_checkin *r);

/* POST /device/v1/reports: 0..FLW_REPORTS_MAX reports, seq strictly increasing, states a
 * device may report (downloading..rolled_back). A report without "time" gets now. */
struct flw_req_reports {
	struct flw_report *items; /* n entries (owned) */
	size_t n;
};
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_reports(struct flw_req_reports *out,
                                                                    const void *body, size_t len,
                                                                    time_t now,
                                                                    struct flw_diag *diag);
FLW_EXPORT void flw_req_reports_clear(struct flw_req_reports *r);

/* ---- management API --------------------------------------------------------------------- */

/* POST /api/v1/groups: {"name"} */
struct flw_req_group {
	char name[FLW_ID_MAX + 1];
};
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_group(struct flw_req_group *out,
                                                                  const void *body, size_t len,
                                                                  struct flw_diag *diag);

/* POST /api/v1/groups/{name}/devices: {"add": [ids], "remove": [ids]}, both optional. */
struct flw_req_members {
	const char **add; /* n_add ids borrowed from doc (the array is owned) */
	size_t n_add;
	const char **remove;
	size_t n_remove;
	json_t *doc;
};
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_members(struct flw_req_members *out,
                                                                    const void *body, size_t len,
                                                                    struct flw_diag *diag);
FLW_EXPORT void flw_req_members_clear(struct flw_req_members *r);

/* POST /api/v1/enrollment-tokens: {"name", "uses": N or -1 (default 1), "expires_in": s
 * (0 = absent: no expiry), "group" (optional; "" when absent)} */
struct flw_req_enroll_token {
	char name[FLW_ID_MAX + 1];
	char group[FLW_ID_MAX + 1];
	int64_t uses;
	int64_t expires_in;
};
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_enroll_token(
        struct flw_req_enroll_token *out, const void *body, size_t len, struct flw_diag *diag);

/* POST /api/v1/tokens: {"name", "role", "expires_in" (optional, 0 = no expiry)} */
struct flw_req_api_token {
	char name[FLW_ID_MAX + 1];
	int role; /* enum flw_role */
	int64_t expires_in;
};
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_api_token(struct flw_req_api_token *out,
                                                                      const void *body, size_t len,
                                                                      struct flw_diag *diag);

/* POST /api/v1/deployments: {"release", "devices": [ids], "group"}; at least one device or a
 * group. */
struct flw_req_deployment {
	char release[FLW_TUF_TARGET_NAME_MAX + 1];
	char group[FLW_ID_MAX + 1]; /* "" when absent */
	const char **devices;       /* n_devices ids borrowed from doc (the array is owned) */
	size_t n_devices;
	json_t *doc;
};
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_deployment(
        struct flw_req_deployment *out, const void *body, size_t len, struct flw_diag *diag);
FLW_EXPORT void flw_req_deployment_clear(struct flw_req_deployment *r);

/* PATCH /api/v1/devices/{id}: {"class", "internet_exposed", "segment", "owner", "site",
 * "support_end"}, each optional and null to clear it, at least one. Values are checked by
 * flw_inventory_check() (store.h); "" is refused (null clears). out->fields names those given. */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_req_parse_device_patch(
        struct flw_inventory_patch *out, const void *body, size_t len, struct flw_diag *diag);

FLW_END_DECLS
#endif /* FLW_REQUEST_H */
