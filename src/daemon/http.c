/* src/daemon/http.c - libmicrohttpd set-up, the route table, dispatch and error answers
 *
 * Invariants:
 *  - Every answer, error or not, goes through answer(): errors are JSON
 *    {"error":{"code","message","field"}}, also for unknown routes (404) and methods (405).
 *  - A request is routed, its headers bounded and its caller authenticated and authorised on
 *    the FIRST callback, before any body byte is accepted. Bodies accumulate into a flw_buf
 *    capped for the route (413 when over it); artifact uploads stream to a file instead.
 *    Routes with a per-device floor (the rate column) answer 429 + Retry-After at that point.
 *  - Each HTTP thread has its own store (pthread key, opened on first use).
 *  - Changing API requests leave exactly one audit row: written by the store together with the
 *    change, or appended here for refused ones.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fleetward/alloc.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "http.h"

#define FLWD_HEADERS_MAX  (16u * 1024u) /* all request headers together */
#define FLWD_CONN_MEMORY  (64u * 1024u) /* per-connection memory pool in libmicrohttpd */
#define FLWD_CONN_TIMEOUT 30            /* seconds of inactivity (slow loris) */
#define FLWD_CONN_LIMIT   4000
#define FLWD_OUT_MAX      (32u * 1024u * 1024u) /* largest answer built in memory */
#define FLWD_DISCARD_MAX  (4u * 1024u * 1024u)  /* chunked over-limit bodies read before closing */

#define R(m, p, a, b, c, act, h, rate)                                                             \
	{                                                                                          \
		m, p, FLWD_AUTH_##a, FLWD_BODY_##b, FLWD_RC_##c, act, flwd_h_##h, FLWD_RATE_##rate \
	}

/* The one route table. Tests walk every row (tests/integration/103_malformed.sh). */
static const struct flwd_route routes[] = {
	R("GET", "/healthz", NONE, NONE, OTHER, NULL, healthz, NONE),
	R("GET", "/metrics", NONE, NONE, OTHER, NULL, metrics, NONE),
	/* native device API */
	R("POST", "/device/v1/enroll", NONE, DEVICE, DEVICE, NULL, enroll, NONE),
	R("POST", "/device/v1/auth", NONE, DEVICE, DEVICE, NULL, auth, NONE),
	R("POST", "/device/v1/checkin", DEVICE, DEVICE, DEVICE, NULL, checkin, CHECKIN),
	R("POST", "/device/v1/reports", DEVICE, DEVICE, DEVICE, NULL, reports, NONE),
	/* TUF repository */
	R("GET", "/tuf/metadata/{}", NONE, NONE, TUF, NULL, tuf_metadata, NONE),
	R("GET", "/tuf/targets/*", NONE, NONE, TUF, NULL, tuf_target, NONE),
	/* management API */
	R("GET", "/api/v1/devices", VIEWER, NONE, API, NULL, devices_list, NONE),
	R("GET", "/api/v1/devices/{}", VIEWER, NONE, API, NULL, device_get, NONE),
	R("PATCH", "/api/v1/devices/{}", OPERATOR, API, API, "device.inventory", device_patch,
	  NONE),
	R("GET", "/api/v1/devices/{}/components", VIEWER, NONE, API, NULL, device_components, NONE),
	R("POST", "/api/v1/groups", OPERATOR, API, API, "group.create", group_create, NONE),
	R("GET", "/api/v1/groups", VIEWER, NONE, API, NULL, group_list, NONE),
	R("POST", "/api/v1/groups/{}/devices", OPERATOR, API, API, "group.members", group_members,
	  NONE),
	R("DELETE", "/api/v1/groups/{}", OPERATOR, NONE, API, "group.delete", group_delete, NONE),
	R("POST", "/api/v1/enrollment-tokens", OPERATOR, API, API, "enroll_token.create",
	  etoken_create, NONE),
	R("GET", "/api/v1/enrollment-tokens", OPERATOR, NONE, API, NULL, etoken_list, NONE),
	R("DELETE", "/api/v1/enrollment-tokens/{}", OPERATOR, NONE, API, "enroll_token.revoke",
	  etoken_delete, NONE),
	R("GET", "/api/v1/tuf/root", VIEWER, NONE, API, NULL, tuf_root_get, NONE),
	R("GET", "/api/v1/tuf/targets", VIEWER, NONE, API, NULL, tuf_targets_get, NONE),
	R("GET", "/api/v1/tuf/online-keys", VIEWER, NONE, API, NULL, tuf_online_keys, NONE),
	R("POST", "/api/v1/tuf/root", ADMIN, API, API, "tuf.root", tuf_root_post, NONE),
	R("POST", "/api/v1/tuf/online-keys/rotate", ADMIN, API, API, "tuf.online_keys.rotate",
	  tuf_keys_rotate, NONE),
	R("PUT", "/api/v1/artifacts", OPERATOR, STREAM, API, "artifact.upload", artifact_put, NONE),
	R("POST", "/api/v1/releases", OPERATOR, API, API, "release.publish", release_post, NONE),
	R("GET", "/api/v1/releases", VIEWER, NONE, API, NULL, release_list, NONE),
	R("GET", "/api/v1/releases/*", VIEWER, NONE, API, NULL, release_get, NONE),
	R("POST", "/api/v1/deployments", OPERATOR, API, API, "deployment.create", deployment_create,
	  NONE),
	R("GET", "/api/v1/deployments", VIEWER, NONE, API, NULL, deployment_list, NONE),
	R("GET", "/api/v1/deployments/{}", VIEWER, NONE, API, NULL, deployment_get, NONE),
	R("POST", "/api/v1/deployments/{}/cancel", OPERATOR, API, API, "deployment.cancel",
	  deployment_cancel, NONE),
	R("POST", "/api/v1/tokens", ADMIN, API, API, "token.create", token_create, NONE),
	R("GET", "/api/v1/tokens", ADMIN, NONE, API, NULL, token_list, NONE),
	R("DELETE", "/api/v1/tokens/{}", ADMIN, NONE, API, "token.revoke", token_delete, NONE),
	R("GET", "/api/v1/audit", ADMIN, NONE, API, NULL, audit_list, NONE),
	R("GET", "/api/v1/status", VIEWER, NONE, API, NULL, status, NONE),
	/* vulnerabilities (http_vuln.c) */
	R("POST", "/api/v1/feeds", OPERATOR, FEED, API, "feed.import", feed_import, NONE),
	R("GET", "/api/v1/feeds", VIEWER, NONE, API, NULL, feed_list, NONE),
	R("GET", "/api/v1/vulns/{}", VIEWER, NONE, API, NULL, vuln_get, NONE),
	R("GET", "/api/v1/assessment", VIEWER, NONE, API, NULL, assessment_get, NONE),
	R("POST", "/api/v1/assessment", OPERATOR, API, API, "assessment.run", assessment_run, NONE),
	R("GET", "/api/v1/findings", VIEWER, NONE, API, NULL, findings_list, NONE),
	R("GET", "/api/v1/devices/{}/findings", VIEWER, NONE, API, NULL, device_findings, NONE),
	R("POST", "/api/v1/findings/accept", OPERATOR, API, API, "finding.accept", finding_accept,
	  NONE),
	R("POST", "/api/v1/findings/revoke", OPERATOR, API, API, "finding.revoke", finding_revoke,
	  NONE),
	R("GET", "/api/v1/models", VIEWER, NONE, API, NULL, model_list, NONE),
	R("PUT", "/api/v1/models/{}", OPERATOR, API, API, "model.support_end", model_put, NONE),
	R("GET", "/api/v1/reports/{}", VIEWER, NONE, API, NULL, report_get, NONE),
};

static const unsigned status_slots[FLWD_STATUS_SLOTS - 1] = { 200, 201, 204, 206, 304, 400, 401,
	                                                      403, 404, 405, 409, 410, 413, 416,
	                                                      422, 429, 431, 500, 503, 0 };

/* ---- per-thread store and fail-stop ----------------------------------------------------- */

struct flw_store *flwd_store(struct flwd *d)
{
	struct flw_store *s = pthread_getspecific(d->store_key);
	struct flw_diag diag;
	char msg[FLW_DIAG_PATH_MAX + FLW_DIAG_MSG_MAX + 64];
	int rc;

	if (s)
		return s;
	flw_diag_clear(&diag);
	rc = flw_store_open(&s, d->dd.db_uri, &diag);
	if (rc != 0) {
		log_error("opening the store '%s': %s", d->dd.db_uri,
		          flw_diag_format(&diag, msg, sizeof(msg)));
		return NULL;
	}
	if (pthread_setspecific(d->store_key, s) != 0) {
		flw_store_close(s);
		return NULL;
	}
	return s;
}

int flwd_store_check(struct flwd *d, struct flw_store *s, int rc)
{
	if (rc == 0 || !s)
		return rc;
	if (flw_store_failed(s)) {
		if (atomic_exchange(&d->failed, 1) == 0) {
			log_error("storage failure (%s): no more acknowledgements; stopping",
			          flw_strerror(rc));
			pthread_kill(d->main_thread, SIGUSR1);
		}
		return FLW_ESTORE;
	}
	return rc;
}

int flwd_req_store(struct flwd_req *r, struct flw_store **out)
{
	*out = flwd_store(r->d);
	if (!*out)
		return flw_diag_set(&r->diag, FLW_ESTORE, NULL, "the store is not available");
	return 0;
}

/* ---- routing ----------------------------------------------------------------------------- */

/* 1 when url matches pattern; captured segments go into r (if not NULL). */
static int match(const char *pattern, const char *url, struct flwd_req *r)
{
	const char *p = pattern;
	const char *u = url;
	unsigned np = 0;

	while (*p && *u) {
		if (p[0] == '*' && p[1] == '\0') {
			if (*u == '\0')
				return 0;
			if (r && !(r->rest = flw_strdup(u)))
				return 0;
			return 1;
		}
		if (p[0] == '{' && p[1] == '}') {
			size_t n = strcspn(u, "/");

			if (n == 0 || np >= FLWD_MAX_PARAMS)
				return 0;
			if (r && !(r->params[np] = flw_strndup(u, n)))
				return 0;
			np++;
			p += 2;
			u += n;
			continue;
		}
		if (*p != *u)
			return 0;
		p++;
		u++;
	}
	return *p == '\0' && *u == '\0';
}

static void clear_params(struct flwd_req *r)
{
	unsigned i;

	for (i = 0; i < FLWD_MAX_PARAMS; i++) {
		flw_free(r->params[i]);
		r->params[i] = NULL;
	}
	flw_free(r->rest);
	r->rest = NULL;
}

/* 0 and r->route, or 404/405 */
static unsigned route(struct flwd_req *r, const char *url, const char *method)
{
	int path_found = 0;
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(routes); i++) {
		const struct flwd_route *rt = &routes[i];
		int mok = strcmp(rt->method, method) == 0 ||
		          (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0);

		if (!match(rt->pattern, url, NULL))
			continue;
		path_found = 1;
		if (!mok)
			continue;
		if (!match(rt->pattern, url, r)) {
			clear_params(r);
			return 500;
		}
		r->route = rt;
		return 0;
	}
	return path_found ? 405 : 404;
}

static int route_class_of(const char *url)
{
	if (strncmp(url, "/device/", 8) == 0)
		return FLWD_RC_DEVICE;
	if (strncmp(url, "/api/", 5) == 0)
		return FLWD_RC_API;
	if (strncmp(url, "/tuf/", 5) == 0)
		return FLWD_RC_TUF;
	return FLWD_RC_OTHER;
}

/* ---- answers ----------------------------------------------------------------------------- */

int flwd_reply_bytes(struct flwd_req *r, unsigned status, const char *type, const void *p, size_t n)
{
	int rc;

	flw_buf_reset(&r->out);
	rc = flw_buf_append(&r->out, p, n);
	if (rc != 0)
		return rc;
	r->status = status;
	r->content_type = type;
	return 0;
}

struct dump_ctx {
	struct flw_buf *out;
	int rc;
};

static int dump_cb(const char *buf, size_t size, void *data)
{
	struct dump_ctx *c = data;

	c->rc = flw_buf_append(c->out, buf, size);
	return c->rc == 0 ? 0 : -1;
}

/* Like flw_json_dump (sorted keys, compact), with reals at 15 significant digits: a CVSS
 * score of 9.8 is written 9.8, not 9.8000000000000007 */
static int dump_json(struct flw_buf *out, const json_t *v)
{
	struct dump_ctx c = { out, 0 };

	if (json_dump_callback(v, dump_cb, &c,
	                       JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(15)) != 0)
		return c.rc != 0 ? c.rc : FLW_ENOMEM;
	return 0;
}

int flwd_reply_json(struct flwd_req *r, unsigned status, json_t *v)
{
	int rc;

	if (!v)
		return FLW_ENOMEM;
	flw_buf_reset(&r->out);
	rc = dump_json(&r->out, v);
	json_decref(v);
	if (rc == 0)
		rc = flw_buf_append(&r->out, "\n", 1);
	if (rc != 0)
		return rc;
	r->status = status;
	r->content_type = "application/json";
	return 0;
}

static unsigned status_of(int rc)
{
	switch (rc) {
	case FLW_EFORMAT:
	case FLW_EINVAL:
		return 400;
	case FLW_EAUTH:
		return 401;
	case FLW_EPERM:
		return 403;
	case FLW_ENOTFOUND:
		return 404;
	case FLW_ECONFLICT:
	case FLW_ESTATE:
		return 409;
	case FLW_ELIMIT:
		return 413;
	case FLW_ESIG:
	case FLW_EHASH:
	case FLW_EINCOMPAT:
	case FLW_EROLLBACK:
	case FLW_EEXPIRED:
		return 422;
	default:
		return 500;
	}
}

/* Error answer; code_name overrides the FLW_E* name ("method"). */
static void reply_error(struct flwd_req *r, unsigned status, int rc, const char *code_name,
                        const char *fmt, ...) FLW_PRINTF(5, 6);
static void reply_error(struct flwd_req *r, unsigned status, int rc, const char *code_name,
                        const char *fmt, ...)
{
	char msg[FLW_DIAG_MSG_MAX];
	json_t *err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err = json_pack("{s:{s:s,s:s}}", "error", "code",
	                code_name ? code_name : flw_error_name(rc), "message", msg);
	if (err && r->diag.path[0])
		json_object_set_new(json_object_get(err, "error"), "field",
		                    json_string(r->diag.path));
	if (r->resp) {
		MHD_destroy_response(r->resp);
		r->resp = NULL;
	}
	if (flwd_reply_json(r, status, err) != 0) {
		flw_buf_reset(&r->out);
		r->status = status;
	}
}

static void reply_rc(struct flwd_req *r, int rc)
{
	unsigned st = r->err_status ? r->err_status : status_of(rc);
	const char *msg = r->diag.msg[0] ? r->diag.msg : flw_strerror(rc);

	if (r->diag.code != 0 && r->diag.code != rc && !r->diag.msg[0])
		msg = flw_strerror(rc);
	if (st >= 500 && rc != FLW_ESTORE && rc != FLW_EIO)
		log_error("%s %s: %s", r->method, r->route ? r->route->pattern : "?", msg);
	reply_error(r, st, rc, NULL, "%s", msg);
}

static void count(struct flwd *d, int rclass, unsigned status)
{
	size_t i;

	for (i = 0; status_slots[i] != 0 && status_slots[i] != status; i++)
		;
	atomic_fetch_add(&d->m.requests[rclass][i], 1);
}

static enum MHD_Result answer(struct flwd_req *r, int rclass)
{
	struct MHD_Response *resp = r->resp;
	enum MHD_Result ret;

	r->done = 1;
	r->resp = NULL;
	if (!resp) {
		resp = MHD_create_response_from_buffer(
		        r->out.len, r->out.len ? r->out.data : (void *)"", MHD_RESPMEM_MUST_COPY);
		if (!resp)
			return MHD_NO;
		if (r->content_type)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
			                        r->content_type);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	}
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->content_range[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, r->content_range);
	if (r->retry_after) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	count(r->d, rclass, r->status);
	return ret;
}

/* ---- request helpers --------------------------------------------------------------------- */

const char *flwd_query(struct flwd_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int flwd_query_uint(struct flwd_req *r, const char *name, uint64_t def, uint64_t max, uint64_t *out)
{
	const char *v = flwd_query(r, name);
	unsigned long long n;
	char *end = NULL;

	*out = def;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || errno != 0 || *end != '\0' || n > max)
		return flw_diag_set(&r->diag, FLW_EFORMAT, name,
		                    "query argument '%s': expected an integer 0..%" PRIu64, name,
		                    max);
	*out = n;
	return 0;
}

void flwd_audit(struct flwd_req *r, struct flw_audit *a, const char *detail)
{
	a->actor = r->actor;
	a->action = r->route && r->route->action ? r->route->action : "request";
	a->object = r->audit_object;
	a->detail = detail;
	a->result = 0;
}

static void audit_refused(struct flwd_req *r, int rc)
{
	struct flw_store *s = flwd_store(r->d);
	struct flw_audit a;
	int arc;

	if (!s)
		return;
	flwd_audit(r, &a, NULL);
	a.result = rc;
	if (!r->audit_object[0])
		snprintf(r->audit_object, sizeof(r->audit_object), "%.*s",
		         (int)sizeof(r->audit_object) - 1, r->route ? r->route->pattern : "");
	arc = flw_store_audit_append(s, &a, NULL);
	if (arc != 0) {
		flwd_store_check(r->d, s, arc);
		log_warn("audit row for refused '%s' not written: %s", a.action, flw_strerror(arc));
	}
}

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
	size_t *sum = cls;

	(void)kind;
	*sum += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

/* Bearer token from the Authorization header; NULL when absent or not Bearer */
static const char *bearer(struct flwd_req *r, size_t *len)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_AUTHORIZATION);

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	*len = strlen(h);
	return *len ? h : NULL;
}

static int authenticate(struct flwd_req *r)
{
	const struct flwd_route *rt = r->route;
	const char *tok;
	size_t len = 0;
	int rc;

	snprintf(r->actor, sizeof(r->actor), "anonymous");
	if (rt->auth == FLWD_AUTH_NONE)
		return 0;
	tok = bearer(r, &len);
	if (!tok)
		return flw_diag_set(&r->diag, FLW_EAUTH, NULL,
		                    "missing 'Authorization: Bearer <token>' header");
	if (rt->auth == FLWD_AUTH_DEVICE) {
		rc = flw_devtoken_check(tok, len, r->d->dd.token_key, r->now, r->device_id, NULL);
		if (rc == FLW_EEXPIRED)
			return flw_diag_set(&r->diag, FLW_EAUTH, NULL,
			                    "device token expired: re-authenticate");
		if (rc != 0)
			return flw_diag_set(&r->diag, FLW_EAUTH, NULL, "invalid device token");
		snprintf(r->actor, sizeof(r->actor), "device:%s", r->device_id);
		return 0;
	}
	rc = flwd_token_lookup(r->d, tok, len, &r->token);
	if (rc == FLW_EAUTH)
		return flw_diag_set(&r->diag, FLW_EAUTH, NULL, "unknown, revoked or expired token");
	if (rc != 0)
		return flw_diag_set(&r->diag, rc, NULL, "token lookup failed");
	snprintf(r->actor, sizeof(r->actor), "token:%s", r->token.name);
	if (r->token.role < (int)rt->auth - FLWD_AUTH_VIEWER)
		return flw_diag_set(&r->diag, FLW_EPERM, NULL,
		                    "role '%s' may not do this (needs %s)",
		                    flw_role_to_string(r->token.role),
		                    flw_role_to_string((int)rt->auth - FLWD_AUTH_VIEWER));
	return 0;
}

static size_t body_max(const struct flwd *d, const struct flwd_route *rt)
{
	switch (rt->body) {
	case FLWD_BODY_DEVICE:
		return FLW_DEVICE_BODY_MAX;
	case FLWD_BODY_API:
		return FLW_API_BODY_MAX;
	case FLWD_BODY_STREAM:
		return d->cfg->max_artifact_size;
	case FLWD_BODY_FEED:
		return d->cfg->feed_max_bytes;
	default:
		return 0;
	}
}

/* Content-Length over the limit: answer 413 before reading the body */
static int check_length(struct flwd_req *r, size_t max)
{
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n;
	char *end = NULL;

	if (!cl)
		return 0;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return flw_diag_set(&r->diag, FLW_ELIMIT, NULL,
		                    "request body too large (limit %zu bytes)", max);
	return 0;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The route's per-device floor (after authentication, before the body): 429 + Retry-After */
static int throttle(struct flwd_req *r)
{
	unsigned iv = r->d->cfg->min_checkin_interval;
	unsigned wait;

	if (r->route->rate != FLWD_RATE_CHECKIN)
		return 0;
	wait = flwd_dev_throttle(r->d, r->device_id, monotonic_ms(), iv);
	if (wait == 0)
		return 0;
	atomic_fetch_add(&r->d->m.checkins_throttled, 1);
	r->err_status = 429;
	r->retry_after = wait;
	return flw_diag_set(&r->diag, FLW_ELIMIT, NULL,
	                    "too many check-ins: at most one every %u s per device; retry in %u s",
	                    iv, wait);
}

static int changing(const struct flwd_route *rt)
{
	return rt->action != NULL || rt->rclass == FLWD_RC_DEVICE;
}

/* First callback: route, bound headers, authenticate, check declared length. 0 to go on. */
static int first_call(struct flwd_req *r, const char *url, const char *method)
{
	size_t hdr = 0;
	unsigned st;
	int rc;

	st = route(r, url, method);
	if (st == 404) {
		reply_error(r, 404, FLW_ENOTFOUND, NULL, "no such route: '%.200s'", url);
		return -1;
	}
	if (st == 405) {
		reply_error(r, 405, FLW_EINVAL, "method", "method %.16s not allowed on '%.200s'",
		            method, url);
		return -1;
	}
	if (st != 0) {
		reply_rc(r, FLW_ENOMEM);
		return -1;
	}
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, sum_header, &hdr);
	if (hdr > FLWD_HEADERS_MAX) {
		reply_error(r, 431, FLW_ELIMIT, NULL, "request headers too large (limit %u bytes)",
		            FLWD_HEADERS_MAX);
		return -1;
	}
	if (atomic_load(&r->d->failed) && changing(r->route)) {
		reply_error(r, 500, FLW_ESTORE, NULL, "storage failure: the server is stopping");
		return -1;
	}
	rc = authenticate(r);
	if (rc == 0)
		rc = throttle(r);
	if (rc == 0)
		rc = check_length(r, body_max(r->d, r->route));
	if (rc == 0 && r->route->body == FLWD_BODY_STREAM)
		rc = flwd_stream_begin(r);
	if (rc == 0 && r->route->body == FLWD_BODY_FEED)
		rc = flwd_feed_begin(r);
	if (rc != 0) {
		if (r->route->action && (rc == FLW_EPERM || rc == FLW_EAUTH))
			audit_refused(r, rc);
		reply_rc(r, rc);
		return -1;
	}
	flw_buf_init(&r->body, body_max(r->d, r->route));
	return 0;
}

static void take_body(struct flwd_req *r, const char *data, size_t n)
{
	int rc;

	r->received += n;
	if (r->too_big)
		return;
	if (r->route->body == FLWD_BODY_STREAM)
		rc = flwd_stream_data(r, data, n);
	else if (r->route->body == FLWD_BODY_FEED)
		rc = flwd_feed_data(r, data, n);
	else
		rc = flw_buf_append(&r->body, data, n);
	if (rc == FLW_ELIMIT)
		r->too_big = 1;
	else if (rc != 0)
		r->too_big = rc;
}

static void run_handler(struct flwd_req *r)
{
	int rc;

	if (r->too_big) {
		rc = r->too_big == 1 ? FLW_ELIMIT : r->too_big;
		if (rc == FLW_ELIMIT)
			flw_diag_set(&r->diag, FLW_ELIMIT, NULL,
			             "request body too large (limit %zu bytes)",
			             body_max(r->d, r->route));
	} else {
		rc = r->route->handler(r);
	}
	if (rc != 0) {
		rc = flwd_store_check(r->d, flwd_store(r->d), rc);
		if (r->route->action && !r->audited && rc != FLW_ESTORE && rc != FLW_EIO)
			audit_refused(r, rc);
		reply_rc(r, rc);
		return;
	}
	if (r->route->action && !r->audited)
		audit_refused(r, 0); /* a change the store could not record with it */
	if (r->status == 0)
		reply_error(r, 500, FLW_EINVAL, NULL, "handler gave no answer");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct flwd *d = cls;
	struct flwd_req *r = *con_cls;

	(void)version;
	if (!r) {
		r = flw_calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		*con_cls = r;
		r->d = d;
		r->conn = conn;
		r->method = method;
		r->now = time(NULL);
		flw_buf_init(&r->out, FLWD_OUT_MAX);
		flw_buf_init(&r->body, 0);
		if (first_call(r, url, method) != 0)
			return answer(r, r->route ? r->route->rclass : route_class_of(url));
		return MHD_YES;
	}
	if (r->done) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		take_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		if (r->too_big && r->received > body_max(d, r->route) + FLWD_DISCARD_MAX)
			return MHD_NO; /* do not read an endless body just to refuse it */
		return MHD_YES;
	}
	run_handler(r);
	return answer(r, r->route->rclass);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct flwd_req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	clear_params(r);
	flw_buf_free(&r->body);
	flw_buf_free(&r->out);
	if (r->resp)
		MHD_destroy_response(r->resp);
	flwd_stream_free(r->stream);
	flw_vulnsvc_upload_free(r->feed);
	flw_free(r);
	*con_cls = NULL;
}

/* %XX decoding for paths and query arguments, except that %00 stays as it is: a NUL would cut
 * the string short and make "/api/v1/devices%00/x" look like another route. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	char *p = s;

	(void)cls;
	(void)c;
	while (*p) {
		unsigned v = 0;
		int i;
		int ok = p[0] == '%';

		for (i = 1; ok && i <= 2; i++) {
			char h = p[i];

			if (h >= '0' && h <= '9')
				v = v * 16 + (unsigned)(h - '0');
			else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
				v = v * 16 + (unsigned)((h | 0x20) - 'a' + 10);
			else
				ok = 0;
		}
		if (ok && v != 0) {
			*w++ = (char)v;
			p += 3;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_info("http: %s", msg);
}

/* ---- unauthenticated endpoints ----------------------------------------------------------- */

int flwd_h_healthz(struct flwd_req *r)
{
	if (atomic_load(&r->d->failed))
		return flw_diag_set(&r->diag, FLW_ESTORE, NULL, "storage failure");
	return flwd_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static const char *const rclass_names[_FLWD_RC_MAX] = { "device", "api", "tuf", "other" };

int flwd_metrics_text(struct flwd *d, struct flw_buf *out)
{
	struct flwd_metrics *m = &d->m;
	long long ts = atomic_load(&m->timestamp_expires);
	size_t active;
	int rc = 0;
	size_t c;
	size_t i;

	rc |= flw_buf_puts(out, "# HELP fleetward_http_requests_total HTTP requests by route class "
	                        "and status.\n# TYPE fleetward_http_requests_total counter\n");
	for (c = 0; c < _FLWD_RC_MAX; c++) {
		for (i = 0; i < FLWD_STATUS_SLOTS; i++) {
			unsigned long v = atomic_load(&m->requests[c][i]);

			if (v == 0)
				continue;
			if (status_slots[i] == 0)
				rc |= flw_buf_printf(out,
				                     "fleetward_http_requests_total{class=\"%s\","
				                     "code=\"other\"} %lu\n",
				                     rclass_names[c], v);
			else
				rc |= flw_buf_printf(out,
				                     "fleetward_http_requests_total{class=\"%s\","
				                     "code=\"%u\"} %lu\n",
				                     rclass_names[c], status_slots[i], v);
			if (status_slots[i] == 0)
				break;
		}
	}
	pthread_mutex_lock(&d->dev_lock);
	active = d->dev_n;
	pthread_mutex_unlock(&d->dev_lock);
	rc |= flw_buf_printf(
	        out,
	        "# TYPE fleetward_checkins_total counter\nfleetward_checkins_total %lu\n"
	        "# TYPE fleetward_checkins_throttled_total counter\n"
	        "fleetward_checkins_throttled_total %lu\n"
	        "# TYPE fleetward_reports_total counter\nfleetward_reports_total %lu\n"
	        "# TYPE fleetward_enrollments_total counter\n"
	        "fleetward_enrollments_total %lu\n"
	        "# TYPE fleetward_devices_seen gauge\nfleetward_devices_seen %zu\n",
	        atomic_load(&m->checkins), atomic_load(&m->checkins_throttled),
	        atomic_load(&m->reports), atomic_load(&m->enrollments), active);
	rc |= flw_buf_printf(out, "# HELP fleetward_tuf_timestamp_expiry_seconds Seconds until the "
	                          "published timestamp expires (absent before the first release).\n"
	                          "# TYPE fleetward_tuf_timestamp_expiry_seconds gauge\n");
	if (ts != 0)
		rc |= flw_buf_printf(out, "fleetward_tuf_timestamp_expiry_seconds %lld\n",
		                     ts - (long long)time(NULL));
	rc |= flwd_repo_metrics(d, out);
	rc |= flw_buf_printf(out, "# TYPE fleetward_up gauge\nfleetward_up %d\n",
	                     atomic_load(&d->failed) ? 0 : 1);
	return rc ? FLW_ENOMEM : 0;
}

int flwd_h_metrics(struct flwd_req *r)
{
	struct flw_store *s = NULL;
	int64_t total = 0;
	int rc;

	rc = flwd_metrics_text(r->d, &r->out);
	if (rc == 0 && flwd_req_store(r, &s) == 0) {
		struct flw_device_filter f;
		json_t *items = NULL;

		memset(&f, 0, sizeof(f));
		f.limit = 1;
		if (flw_store_device_list(s, &f, &items, &total, NULL) == 0)
			rc = flw_buf_printf(&r->out,
			                    "# TYPE fleetward_devices gauge\nfleetward_devices "
			                    "%" PRId64 "\n",
			                    total);
		json_decref(items);
	}
	if (rc != 0)
		return rc;
	r->status = 200;
	r->content_type = "text/plain; version=0.0.4";
	return 0;
}

/* ---- start/stop -------------------------------------------------------------------------- */

int flwd_http_start(struct flwd *d, void **mhd_out, unsigned *port_out)
{
	const struct flwd_config *cfg = d->cfg;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *mhd;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (cfg->listen_addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	mhd = MHD_start_daemon(
	        flags, 0, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR,
	        (const struct sockaddr *)&cfg->listen_addr, MHD_OPTION_THREAD_POOL_SIZE,
	        (unsigned)cfg->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)FLWD_CONN_LIMIT,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)FLWD_CONN_TIMEOUT,
	        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)FLWD_CONN_MEMORY,
	        MHD_OPTION_NOTIFY_COMPLETED, on_completed, d, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	        d, MHD_OPTION_UNESCAPE_CALLBACK, unescape, d, MHD_OPTION_END);
	if (!mhd) {
		log_error("cannot listen on '%s' (in use, or not a local address?)", cfg->listen);
		return FLW_EIO;
	}
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	*port_out = info ? info->port : 0;
	*mhd_out = mhd;
	return 0;
}

void flwd_http_stop(void *mhd)
{
	if (mhd)
		MHD_stop_daemon(mhd);
}
