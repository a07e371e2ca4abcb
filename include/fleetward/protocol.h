/* include/fleetward/protocol.h - names shared by the server, the agent and the CLI
 *
 * The wire contract itself (endpoints, JSON shapes) is docs/PROTOCOL.md; this header holds
 * the enumerations both sides must agree on, with their string forms.
 */
#ifndef FLW_PROTOCOL_H
#define FLW_PROTOCOL_H
#include "fleetward/common.h"
FLW_BEGIN_DECLS

/* Per-device progress of a deployment, in rank order. A report may only move a device's state
 * to a higher rank; the terminal states (>= FLW_ST_SUCCESS) never change again. */
enum flw_action_state {
	FLW_ST_PENDING,     /* assigned; the device has not picked it up */
	FLW_ST_DOWNLOADING, /* fetching metadata and payload */
	FLW_ST_DOWNLOADED,  /* payload verified against signed metadata */
	FLW_ST_INSTALLING,  /* writing the inactive slot */
	FLW_ST_INSTALLED,   /* slot written and synced, boot switched to it on trial */
	FLW_ST_BOOTED,      /* running the new slot on trial, health check under way */
	FLW_ST_SUCCESS,     /* committed: the new slot is permanent */
	FLW_ST_FAILURE,     /* failed before the boot switch; old slot untouched */
	FLW_ST_ROLLED_BACK, /* trial failed; back on the old slot */
	FLW_ST_CANCELED,    /* withdrawn by an operator or superseded by a newer deployment */
	_FLW_ST_MAX,
	_FLW_ST_INVALID = -1
};
FLW_EXPORT const char *flw_action_state_to_string(int st);  /* "downloading"; NULL if bad */
FLW_EXPORT int flw_action_state_from_string(const char *s); /* _FLW_ST_INVALID if unknown */
FLW_EXPORT int flw_action_state_terminal(int st);           /* 1 for success..canceled */

/* Management API roles; a role can do everything the roles below it can. */
enum flw_role {
	FLW_ROLE_VIEWER,   /* read everything except secrets */
	FLW_ROLE_OPERATOR, /* + devices, groups, enrollment tokens, releases, deployments */
	FLW_ROLE_ADMIN,    /* + API tokens */
	_FLW_ROLE_MAX,
	_FLW_ROLE_INVALID = -1
};
FLW_EXPORT const char *flw_role_to_string(int role);
FLW_EXPORT int flw_role_from_string(const char *s);

/* Identifiers that reach URLs, file names or SQL as values: device ids, group names, token
 * names. [A-Za-z0-9._:-], 1..FLW_ID_MAX chars, not starting with '.' or '-'. */
#define FLW_ID_MAX 64
FLW_EXPORT int flw_id_ok(const char *s);

/* Body limits (bytes) for the HTTP APIs */
#define FLW_DEVICE_BODY_MAX   (64u * 1024u)   /* enroll, check-in, reports */
#define FLW_API_BODY_MAX      (1024u * 1024u) /* management JSON (targets metadata included) */
#define FLW_REPORTS_MAX       64              /* reports in one request */
#define FLW_ATTRS_MAX         100             /* inventory attributes per device */
#define FLW_ATTR_VALUE_MAX    256
#define FLW_REPORT_DETAIL_MAX 512

/* Device tokens: "<b64url(payload)>.<b64url(mac)>", payload = "v1|<device id>|<expiry>" */
#define FLW_DEVICE_TOKEN_LIFETIME (24 * 3600)
#define FLW_DEVICE_TOKEN_MAX      256
/* Management API tokens: "flw_" + 43 b64url chars (32 random bytes); stored as SHA-256 */
#define FLW_API_TOKEN_PREFIX "flw_"
/* Enrollment tokens: "fle_" + 43 b64url chars; stored as SHA-256 */
#define FLW_ENROLL_TOKEN_PREFIX "fle_"
#define FLW_SECRET_TOKEN_MAX    64

FLW_END_DECLS
#endif /* FLW_PROTOCOL_H */
