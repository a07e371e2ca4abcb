/* src/agent/http.c - the agent's HTTP client (libcurl easy handle, reused for keep-alive)
 *
 * Every answer is bounded: API answers by the caller's flw_buf max, downloads by the signed
 * length. Timeouts: connect_timeout for connecting, request_timeout for a whole API request,
 * and for downloads a low-speed limit (less than min_download_rate bytes/s for stall_timeout seconds) instead
 * of a total timeout, so a slow-retrieval attack cannot hold the agent forever while a slow
 * but moving link still works. Retry-After on 429/503 is passed back to the poll loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "agent.h"

struct agent_http {
	CURL *curl;
	const struct agent_config *cfg;
};

struct dl_ctx {
	CURL *curl;
	struct agent_resp err; /* the body of an error answer (bounded), not written to fd */
	int fd;
	uint64_t max;
	uint64_t got;
	int too_long;
	int io_error;
};

int agent_http_new(struct agent_http **out, const struct agent_config *cfg)
{
	struct agent_http *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return FLW_ENET;
	h = flw_calloc(1, sizeof(*h));
	if (!h)
		return FLW_ENOMEM;
	h->curl = curl_easy_init();
	if (!h->curl) {
		flw_free(h);
		return FLW_ENOMEM;
	}
	h->cfg = cfg;
	*out = h;
	return 0;
}

void agent_http_free(struct agent_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	flw_free(h);
	curl_global_cleanup();
}

void agent_resp_init(struct agent_resp *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	flw_buf_init(&r->body, max);
}

void agent_resp_free(struct agent_resp *r)
{
	flw_buf_free(&r->body);
}

static size_t body_cb(char *p, size_t size, size_t n, void *payload)
{
	struct agent_resp *r = payload;

	if (flw_buf_append(&r->body, p, size * n) != 0)
		return 0; /* over the limit: abort the transfer */
	return size * n;
}

static size_t header_cb(char *p, size_t size, size_t n, void *payload)
{
	long *retry_after = payload;
	size_t len = size * n;
	char tmp[32];
	size_t k;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		k = len - 12 < sizeof(tmp) - 1 ? len - 12 : sizeof(tmp) - 1;
		memcpy(tmp, p + 12, k);
		tmp[k] = '\0';
		*retry_after = strtol(tmp, NULL, 10); /* HTTP-date form: ignored (0) */
		if (*retry_after < 0 || *retry_after > 86400)
			*retry_after = 0;
	}
	return len;
}

static long speed_floor(const struct agent_config *cfg)
{
	long floor = cfg->min_download_rate;

	if (cfg->download_rate_limit > 0 && floor > cfg->download_rate_limit / 2)
		floor = cfg->download_rate_limit / 2 > 0 ? cfg->download_rate_limit / 2 : 1;
	return floor;
}

static void common_opts(struct agent_http *h, const char *url)
{
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, h->cfg->connect_timeout);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "fleetward-agent/" FLW_VERSION);
}

int agent_http_request(struct agent_http *h, const char *method, const char *url,
                       const char *bearer, const char *body, size_t body_len, struct agent_resp *r,
                       struct flw_diag *diag)
{
	struct curl_slist *hdrs = NULL;
	char *auth = NULL;
	CURLcode cc;
	int rc = FLW_ENOMEM;

	flw_buf_reset(&r->body);
	r->status = 0;
	r->retry_after = 0;
	common_opts(h, url);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, h->cfg->request_timeout);
	curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, &r->retry_after);
	if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	if (bearer) {
		auth = flw_asprintf("Authorization: Bearer %s", bearer);
		if (!auth)
			goto out;
		hdrs = curl_slist_append(hdrs, auth);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (cc == CURLE_WRITE_ERROR && r->body.len + CURL_MAX_WRITE_SIZE > r->body.max) {
		rc = flw_diag_set(diag, FLW_ELIMIT, url, "answer from %s is larger than %zu bytes",
		                  url, r->body.max);
		goto out;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		rc = flw_diag_set(diag, FLW_ENET, url,
		                  "%s %s: slow retrieval: no complete answer within %ld s "
		                  "(request_timeout)",
		                  method, url, h->cfg->request_timeout);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = flw_diag_set(diag, FLW_ENET, url, "%s %s: %s", method, url,
		                  curl_easy_strerror(cc));
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	if (auth) {
		flw_memzero(auth, strlen(auth));
		flw_free(auth);
	}
	return rc;
}

static size_t dl_cb(char *p, size_t size, size_t n, void *payload)
{
	struct dl_ctx *c = payload;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300) {
		if (flw_buf_append(&c->err.body, p, len) != 0)
			return 0; /* an error page longer than we keep: stop reading it */
		return len;
	}
	if (len > c->max - c->got) {
		c->too_long = 1;
		return 0;
	}
	if (flw_fs_write_full(c->fd, p, len) != 0) {
		c->io_error = errno ? errno : EIO;
		return 0;
	}
	c->got += len;
	return len;
}

int agent_http_download(struct agent_http *h, const char *url, int fd, uint64_t offset,
                        uint64_t max_bytes, uint64_t *got_out, long *status_out,
                        struct flw_diag *diag)
{
	struct dl_ctx c = { .curl = h->curl, .fd = fd, .max = max_bytes };
	char msg[FLW_DIAG_MSG_MAX];
	char range[64];
	long status = 0;
	CURLcode cc;
	int rc;

	agent_resp_init(&c.err, 4096);
	common_opts(h, url);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, dl_cb);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &c);
	/* slow retrieval (TUF, Uptane): averaged over stall_timeout, slower than the floor gives
	 * up; a rate limit set for metered links lowers the floor below itself */
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, speed_floor(h->cfg));
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, h->cfg->stall_timeout);
	if (h->cfg->download_rate_limit > 0)
		curl_easy_setopt(h->curl, CURLOPT_MAX_RECV_SPEED_LARGE,
		                 (curl_off_t)h->cfg->download_rate_limit);
	if (offset > 0) {
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)offset);
		curl_easy_setopt(h->curl, CURLOPT_RANGE, range);
	}
	cc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	*got_out = c.got;
	*status_out = status;
	c.err.status = status;
	if (c.too_long)
		rc = flw_diag_set(diag, FLW_ELIMIT, NULL,
		                  "%s: server sent more than the signed length (endless data)",
		                  url);
	else if (c.io_error)
		rc = flw_diag_errno(diag, c.io_error, NULL, "writing staging file");
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		rc = flw_diag_set(diag, FLW_ENET, NULL,
		                  "%s: slow retrieval: under %ld bytes/s for %ld s "
		                  "(min_download_rate, stall_timeout)",
		                  url, speed_floor(h->cfg), h->cfg->stall_timeout);
	else if (cc != CURLE_OK)
		rc = flw_diag_set(diag, FLW_ENET, NULL, "%s: %s", url, curl_easy_strerror(cc));
	else if (status >= 300)
		rc = flw_diag_set(diag, status == 404 ? FLW_ENOTFOUND : FLW_ENET, NULL, "%s: %s",
		                  url, agent_resp_error(&c.err, msg, sizeof(msg)));
	else
		rc = 0;
	agent_resp_free(&c.err);
	return rc;
}

const char *agent_resp_error(const struct agent_resp *r, char *out, size_t len)
{
	const struct flw_json_limits lim = { AGENT_RESP_MAX, 8 };
	json_t *j = NULL;
	const char *code = NULL;
	const char *msg = NULL;

	if (r->body.len && flw_json_parse(&j, r->body.data, r->body.len, &lim, NULL) == 0) {
		json_t *e = json_object_get(j, "error");

		code = json_string_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
	}
	if (msg)
		snprintf(out, len, "HTTP %ld %s: %s", r->status, code ? code : "?", msg);
	else
		snprintf(out, len, "HTTP %ld", r->status);
	json_decref(j);
	return out;
}
