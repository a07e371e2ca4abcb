/* src/daemon/http.h - request context, route table entry and response helpers
 *
 * http.c owns the libmicrohttpd daemon: it matches the request against the static route
 * table, authenticates (before any body byte is accepted), accumulates the body into a bounded
 * buffer (or streams it, for artifact uploads), calls the handler, and turns a handler's
 * FLW_E* return into the JSON error answer. Handlers (http_device.c, http_api.c, http_tuf.c)
 * set either a JSON/bytes answer or an MHD response and return 0, or return an error code
 * with details in r->diag.
 */
#ifndef FLWD_HTTP_H
#define FLWD_HTTP_H
#include <microhttpd.h>
#include <jansson.h>
#include <stdint.h>

#include "daemon.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/store.h"

enum flwd_auth {
	FLWD_AUTH_NONE,
	FLWD_AUTH_DEVICE, /* Authorization: Bearer <device token> */
	FLWD_AUTH_VIEWER,
	FLWD_AUTH_OPERATOR,
	FLWD_AUTH_ADMIN
};

enum flwd_body {
	FLWD_BODY_NONE,   /* a body is refused (413 when present) */
	FLWD_BODY_DEVICE, /* FLW_DEVICE_BODY_MAX */
	FLWD_BODY_API,    /* FLW_API_BODY_MAX */
	FLWD_BODY_STREAM, /* artifact upload: streamed by the handler's stream hooks */
	FLWD_BODY_FEED    /* vulnerability feed upload: streamed to the feed service's file */
};

/* Per-device request floors, checked before the body is read (429 + Retry-After) */
enum flwd_rate {
	FLWD_RATE_NONE,
	FLWD_RATE_CHECKIN /* one check-in per device every --min-checkin-interval seconds */
};

struct flwd_req;
typedef int (*flwd_handler_fn)(struct flwd_req *r);

#define FLWD_MAX_PARAMS 2

struct flwd_route {
	const char *method;  /* "GET" matches HEAD too */
	const char *pattern; /* "/api/v1/groups/{}/devices"; "{}" one segment, trailing "*" rest */
	enum flwd_auth auth;
	enum flwd_body body;
	int rclass;         /* enum flwd_route_class, for metrics */
	const char *action; /* audit action for changing requests; NULL = not audited */
	flwd_handler_fn handler;
	enum flwd_rate rate;
};

/* streaming body hooks (FLWD_BODY_STREAM routes) */
struct flwd_stream;

struct flwd_req {
	struct flwd *d;
	struct MHD_Connection *conn;
	const struct flwd_route *route;
	const char *method;
	char *params[FLWD_MAX_PARAMS]; /* "{}" segments, decoded, owned */
	char *rest;                    /* "*" remainder, owned */
	struct flw_buf body;
	struct flw_diag diag;
	time_t now;

	/* who */
	char actor[FLW_ID_MAX + 16]; /* "token:<name>", "device:<id>", "anonymous" */
	struct flwd_token_info token;
	char device_id[FLW_ID_MAX + 1];

	/* audit of changing requests: action from the route, object set by the handler */
	char audit_object[FLW_TUF_TARGET_NAME_MAX + 32];
	int audited; /* the store wrote the row with the change */

	/* answer */
	unsigned status;           /* 0 = not answered yet */
	unsigned err_status;       /* overrides the status derived from an error code */
	struct MHD_Response *resp; /* set by handlers that build their own */
	struct flw_buf out;
	const char *content_type;
	char content_range[64]; /* added to the answer when set (416) */
	unsigned retry_after;   /* seconds; Retry-After is added to the answer when set (429) */

	/* upload streaming state (artifact PUT, feed POST) */
	struct flwd_stream *stream;
	struct flw_vulnsvc_upload *feed;
	int too_big;
	uint64_t received;
	int done;
};

/* Answer helpers */
int flwd_reply_json(struct flwd_req *r, unsigned status, json_t *v); /* steals v */
int flwd_reply_bytes(struct flwd_req *r, unsigned status, const char *type, const void *p,
                     size_t n);
/* Query argument (decoded by libmicrohttpd) or NULL */
const char *flwd_query(struct flwd_req *r, const char *name);
/* Query unsigned integer with default and range; FLW_EFORMAT naming the argument. */
int flwd_query_uint(struct flwd_req *r, const char *name, uint64_t def, uint64_t max,
                    uint64_t *out);
/* Fill an audit struct for the current request */
void flwd_audit(struct flwd_req *r, struct flw_audit *a, const char *detail);
/* store for this thread, FLW_ESTORE when it cannot be opened */
int flwd_req_store(struct flwd_req *r, struct flw_store **out);
/* Answer with the stored TUF metadata of role (version 0 = newest), exact bytes; FLW_ENOTFOUND
 * with the message missing when there is none (http_tuf.c). */
int flwd_reply_tuf(struct flwd_req *r, int role, int64_t version, const char *missing);

/* handlers, named by route (the one route table is in http.c) */
#define FLWD_HANDLERS(X)     \
	X(healthz)           \
	X(metrics)           \
	X(enroll)            \
	X(auth)              \
	X(checkin)           \
	X(reports)           \
	X(tuf_metadata)      \
	X(tuf_target)        \
	X(devices_list)      \
	X(device_get)        \
	X(device_patch)      \
	X(device_components) \
	X(group_create)      \
	X(group_list)        \
	X(group_members)     \
	X(group_delete)      \
	X(etoken_create)     \
	X(etoken_list)       \
	X(etoken_delete)     \
	X(tuf_root_get)      \
	X(tuf_targets_get)   \
	X(tuf_online_keys)   \
	X(tuf_root_post)     \
	X(tuf_keys_rotate)   \
	X(artifact_put)      \
	X(release_post)      \
	X(release_list)      \
	X(release_get)       \
	X(deployment_create) \
	X(deployment_list)   \
	X(deployment_get)    \
	X(deployment_cancel) \
	X(token_create)      \
	X(token_list)        \
	X(token_delete)      \
	X(audit_list)        \
	X(status)            \
	X(feed_import)       \
	X(feed_list)         \
	X(vuln_get)          \
	X(assessment_get)    \
	X(assessment_run)    \
	X(findings_list)     \
	X(device_findings)   \
	X(finding_accept)    \
	X(finding_revoke)    \
	X(model_list)        \
	X(model_put)         \
	X(report_get)
#define FLWD_DECLARE_HANDLER(n) int flwd_h_##n(struct flwd_req *r);
FLWD_HANDLERS(FLWD_DECLARE_HANDLER)
#undef FLWD_DECLARE_HANDLER

/* artifact upload streaming (http_api.c) */
int flwd_stream_begin(struct flwd_req *r);
int flwd_stream_data(struct flwd_req *r, const char *data, size_t n);
void flwd_stream_free(struct flwd_stream *st);

/* feed upload streaming (http_vuln.c) */
int flwd_feed_begin(struct flwd_req *r);
int flwd_feed_data(struct flwd_req *r, const char *data, size_t n);

/* metrics text (http.c) */
int flwd_metrics_text(struct flwd *d, struct flw_buf *out);

#endif /* FLWD_HTTP_H */
