/* src/cli/client.c - libcurl client for the management API
 *
 * One easy handle per process (connections are reused across the polls of `deployment watch`).
 * Answers are read into a bounded buffer (CLI_RESP_MAX); uploads stream from the file with a
 * known Content-Length and are never loaded whole. Error answers are decoded from the
 * protocol's {"error": {"code", "message", "field"}} and printed with a hint of what to do next.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/protocol.h"

#define CLI_CONNECT_TIMEOUT 10L /* seconds */
#define CLI_STALL_TIME      60L /* seconds below 1 byte/s before giving up */
#define CLI_ERR_BODY_MAX    (64u * 1024u)

struct cli_http {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	char path[256]; /* last request path, for hints */
	int over_limit;
};

struct progress {
	const char *label;
	int tty;
	int shown;
	curl_off_t last_pct;
};

/* Hints for error answers: the first row matching code (and path prefix, when given) wins. */
static const struct {
	const char *code;
	const char *path_prefix;
	const char *hint;
} hints[] = {
	{ "perm", NULL,
	  "this token's role may not do that; an admin can make one with "
	  "'fleetward token create NAME --role operator' (or admin)" },
	{ "conflict", "/api/v1/releases",
	  "the server's targets moved on since this metadata was made; run 'fleetward release "
	  "create' again without --targets (it starts from the server's current targets)" },
	{ "conflict", "/api/v1/tuf/root",
	  "the repository already has a root; 'fleetward repo root' downloads it" },
	{ "hash", "/api/v1/releases",
	  "upload the images with the metadata: 'fleetward release upload --metadata NEW.json "
	  "IMAGE...'" },
	{ "signature", "/api/v1/releases",
	  "sign with the targets key that 'fleetward repo init' put into the root" },
	{ "expired", "/api/v1/releases",
	  "the metadata has expired; make it again with 'fleetward release create'" },
	{ "limit", "/api/v1/artifacts", "the image is larger than the server's artifact limit" },
	{ "conflict", "/api/v1/groups", "'fleetward group list' shows the existing groups" },
	{ "conflict", "/api/v1/tokens", "'fleetward token list' shows the existing tokens" },
	{ "conflict", "/api/v1/enrollment-tokens",
	  "'fleetward enroll-token list' shows the existing tokens" },
	{ "limit", "/api/v1/feeds", "the file is larger than the server's --feed-max-bytes" },
	{ "format", "/api/v1/feeds", "give the kind: --kind nvd, cve5, cve5-jsonl, kev or epss" },
	{ "state", "/api/v1/findings/accept",
	  "'fleetward finding show DEVICE CVE' shows its state: a fixed finding needs no "
	  "acceptance; an accepted one can be revoked first" },
	{ "state", "/api/v1/findings/revoke", "only an accepted finding can be revoked" },
	{ "state", "/api/v1/reports",
	  "no assessment yet: import feeds ('fleetward feed import') or run 'fleetward assess'" },
};

void cli_http_free(struct cli_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	flw_free(h);
}

void cli_resp_free(struct cli_resp *r)
{
	flw_buf_free(&r->body);
	if (r->json)
		json_decref(r->json);
	r->json = NULL;
	r->status = 0;
}

char *cli_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out;

	if (!e)
		return NULL;
	out = flw_strdup(e);
	curl_free(e);
	return out;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *payload)
{
	struct cli_resp *r = payload;
	size_t n = size * nmemb;

	if (flw_buf_append(&r->body, p, n) != 0)
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	return n;
}

static int on_progress(void *payload, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	struct progress *p = payload;
	char now_s[32];
	char total_s[32];
	curl_off_t pct;

	if (!p->tty || ultotal <= 0)
		return 0;
	pct = ulnow * 100 / ultotal;
	if (p->shown && pct == p->last_pct)
		return 0;
	p->last_pct = pct;
	p->shown = 1;
	cli_fmt_size((uint64_t)ulnow, now_s, sizeof(now_s));
	cli_fmt_size((uint64_t)ultotal, total_s, sizeof(total_s));
	fprintf(stderr, "\r\033[2Kuploading %s  %3d%%  %s / %s", p->label, (int)pct, now_s,
	        total_s);
	fflush(stderr);
	return 0;
}

static struct cli_http *http_get(struct cli_ctx *ctx)
{
	if (!ctx->http) {
		ctx->http = flw_calloc(1, sizeof(*ctx->http));
		if (!ctx->http)
			return NULL;
	}
	if (!ctx->http->curl)
		ctx->http->curl = curl_easy_init();
	else
		curl_easy_reset(ctx->http->curl);
	return ctx->http->curl ? ctx->http : NULL;
}

static int transport_error(const struct cli_ctx *ctx, CURLcode cc, const char *url)
{
	const char *detail = ctx->http->errbuf[0] ? ctx->http->errbuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		cli_fail(ctx, "cannot connect to %s: %s", ctx->cfg->server, detail);
		cli_hint("is fleetwardd running at %s? (set --server or $FLEETWARD_SERVER)",
		         ctx->cfg->server);
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		cli_fail(ctx, "bad server URL '%s': %s", ctx->cfg->server, detail);
		cli_hint("give it as --server http://HOST:PORT");
		break;
	case CURLE_WRITE_ERROR:
		if (ctx->http->over_limit) {
			cli_fail(ctx, "the answer from %s is larger than %u bytes", url,
			         CLI_RESP_MAX);
			break;
		}
		cli_fail(ctx, "%s: %s", url, detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		cli_fail(ctx, "%s: the server stopped answering (%s)", url, detail);
		break;
	default:
		cli_fail(ctx, "%s: %s", url, detail);
		break;
	}
	return CLI_EXIT_FAIL;
}

struct request {
	const char *method;
	const char *path;
	const void *body;
	size_t len;
	FILE *upload;
	curl_off_t upload_len;
	const char *label;
	long stall; /* seconds below 1 byte/s before giving up; 0: CLI_STALL_TIME */
};

/* Perform one request; 0 when an HTTP answer arrived (any status), else CLI_EXIT_FAIL. */
static int perform(struct cli_ctx *ctx, const struct request *rq, struct cli_resp *r)
{
	struct curl_slist *hdrs = NULL;
	struct curl_slist *tmp;
	struct progress prog = { rq->label, ctx->err_tty, 0, -1 };
	struct cli_http *h = http_get(ctx);
	char *url = NULL;
	char *auth = NULL;
	size_t slen = strlen(ctx->cfg->server);
	CURLcode cc;
	int rc = CLI_EXIT_FAIL;

	flw_buf_init(&r->body, CLI_RESP_MAX);
	r->status = 0;
	r->json = NULL;
	if (!h)
		return cli_fail(ctx, "cannot initialise libcurl");
	while (slen > 0 && ctx->cfg->server[slen - 1] == '/')
		slen--;
	url = flw_asprintf("%.*s%s", (int)slen, ctx->cfg->server, rq->path);
	if (ctx->cfg->token)
		auth = flw_asprintf("Authorization: Bearer %s", ctx->cfg->token);
	if (!url || (ctx->cfg->token && !auth)) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	snprintf(h->path, sizeof(h->path), "%s", rq->path);
	h->errbuf[0] = '\0';
	h->over_limit = 0;
	tmp = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = tmp ? tmp : hdrs;
	if (auth && (tmp = curl_slist_append(hdrs, auth)) != NULL)
		hdrs = tmp;
	if (rq->body && (tmp = curl_slist_append(hdrs, "Content-Type: application/json")) != NULL)
		hdrs = tmp;
	if (rq->upload &&
	    (tmp = curl_slist_append(hdrs, "Content-Type: application/octet-stream")) != NULL)
		hdrs = tmp;
	/* a refusal on the headers (token, role, size) arrives before any body byte is sent,
	 * instead of racing the server closing the connection mid-upload (broken pipe) */
	if (rq->upload && (tmp = curl_slist_append(hdrs, "Expect: 100-continue")) != NULL)
		hdrs = tmp;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, CLI_CONNECT_TIMEOUT);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, rq->stall ? rq->stall : CLI_STALL_TIME);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (rq->upload && strcmp(rq->method, "POST") == 0) {
		/* POST from the read callback: the body streams from the file */
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_READDATA, rq->upload);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, rq->upload_len);
	} else if (rq->upload) {
		curl_easy_setopt(h->curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h->curl, CURLOPT_READDATA, rq->upload);
		curl_easy_setopt(h->curl, CURLOPT_INFILESIZE_LARGE, rq->upload_len);
	}
	if (rq->upload) {
		curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, &prog);
	} else if (rq->body || strcmp(rq->method, "POST") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
	}
	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "POST") != 0 && !rq->upload)
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, rq->method);
	cc = curl_easy_perform(h->curl);
	if (prog.shown)
		fputc('\n', stderr);
	if (cc != CURLE_OK) {
		h->over_limit = r->body.len + CURL_MAX_WRITE_SIZE > CLI_RESP_MAX;
		rc = transport_error(ctx, cc, url);
		goto out;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	flw_free(url);
	if (auth) {
		memset(auth, 0, strlen(auth));
		flw_free(auth);
	}
	return rc;
}

/* server text goes to the operator's terminal: no control characters */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void print_auth_hint(const struct cli_ctx *ctx)
{
	if (!ctx->cfg->token)
		cli_hint("no API token given: set $FLEETWARD_TOKEN, pass --token, or put "
		         "'token = ...' in ~/.config/fleetward/cli.conf");
	else
		cli_hint("check FLEETWARD_TOKEN (the token came from %s): it may be mistyped, "
		         "revoked or expired; fleetwardd prints the first admin token when it "
		         "first starts",
		         ctx->cfg->token_source ? ctx->cfg->token_source : "?");
}

int cli_api_error(const struct cli_ctx *ctx, const struct cli_resp *r, const char *hint_404)
{
	static const struct flw_json_limits lim = { CLI_ERR_BODY_MAX, 8 };
	json_t *doc = NULL;
	json_t *err = NULL;
	const char *code = NULL;
	const char *msg = NULL;
	const char *fieldname = NULL;
	const char *path = ctx->http ? ctx->http->path : "";
	char clean[1024];
	size_t i;

	if (flw_json_parse(&doc, r->body.data, r->body.len, &lim, NULL) == 0 &&
	    flw_json_get_obj(doc, "error", &err, 1, NULL) == 0) {
		code = json_string_value(json_object_get(err, "code"));
		msg = json_string_value(json_object_get(err, "message"));
		fieldname = json_string_value(json_object_get(err, "field"));
		if (fieldname && msg && strstr(msg, fieldname))
			fieldname = NULL; /* the message names it already */
	}
	if (code) {
		snprintf(clean, sizeof(clean), "%s", msg ? msg : "");
		sanitize(clean);
		cli_fail(ctx, "%s: %s%s%s%s (HTTP %ld)", code, clean, fieldname ? " (field '" : "",
		         fieldname ? fieldname : "", fieldname ? "')" : "", r->status);
	} else {
		snprintf(clean, sizeof(clean), "%s",
		         r->body.len ? flw_buf_cstr(&r->body) : "(no body)");
		sanitize(clean);
		cli_fail(ctx, "HTTP %ld from %s: %.200s", r->status, ctx->cfg->server, clean);
	}
	if (r->status == 401)
		print_auth_hint(ctx);
	else if (r->status == 404 && hint_404)
		cli_hint("%s", hint_404);
	for (i = 0; code && i < FLW_ARRAY_SIZE(hints); i++) {
		if (strcmp(hints[i].code, code) != 0)
			continue;
		if (hints[i].path_prefix &&
		    strncmp(path, hints[i].path_prefix, strlen(hints[i].path_prefix)) != 0)
			continue;
		cli_hint("%s", hints[i].hint);
		break;
	}
	if (doc)
		json_decref(doc);
	return CLI_EXIT_FAIL;
}

/* 2xx: parse the JSON body (if any); else print the error. */
static int finish(struct cli_ctx *ctx, struct cli_resp *r, const char *hint_404)
{
	static const struct flw_json_limits lim = { CLI_RESP_MAX, 64 };
	struct flw_diag diag = { 0 };
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32];

	if (r->status < 200 || r->status > 299)
		return cli_api_error(ctx, r, hint_404);
	if (r->body.len == 0)
		return 0;
	if (flw_json_parse(&r->json, r->body.data, r->body.len, &lim, &diag) != 0)
		return cli_fail(ctx, "the server's answer is not valid JSON: %s",
		                flw_diag_format(&diag, msg, sizeof(msg)));
	return 0;
}

int cli_api_raw(struct cli_ctx *ctx, const char *method, const char *path, const void *body,
                size_t len, struct cli_resp *r, const char *hint_404)
{
	struct request rq = { method, path, body, len, NULL, 0, NULL, 0 };
	int rc = perform(ctx, &rq, r);

	return rc != 0 ? rc : finish(ctx, r, hint_404);
}

int cli_api_get_text(struct cli_ctx *ctx, const char *path, struct cli_resp *r)
{
	struct request rq = { "GET", path, NULL, 0, NULL, 0, NULL, 0 };
	int rc = perform(ctx, &rq, r);

	if (rc != 0)
		return rc;
	if (r->status < 200 || r->status > 299)
		return cli_api_error(ctx, r, NULL);
	return 0;
}

int cli_api(struct cli_ctx *ctx, const char *method, const char *path, const json_t *body,
            struct cli_resp *r, const char *hint_404)
{
	struct flw_buf b;
	int rc;

	flw_buf_init(&b, FLW_API_BODY_MAX);
	if (body && flw_json_dump(&b, body, 0) != 0) {
		flw_buf_free(&b);
		flw_buf_init(&r->body, CLI_RESP_MAX);
		return cli_fail(ctx, "cannot encode the request (too large?)");
	}
	rc = cli_api_raw(ctx, method, path, body ? b.data : NULL, b.len, r, hint_404);
	flw_buf_free(&b);
	return rc;
}

static int upload(struct cli_ctx *ctx, struct request *rq, const char *file, struct cli_resp *r)
{
	struct stat st;
	int rc;

	flw_buf_init(&r->body, CLI_RESP_MAX);
	rq->upload = fopen(file, "rbe");
	if (!rq->upload)
		return cli_fail(ctx, "cannot open '%s': %s", file, strerror(errno));
	if (fstat(fileno(rq->upload), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(rq->upload);
		return cli_fail(ctx, "'%s' is not a regular file", file);
	}
	rq->upload_len = (curl_off_t)st.st_size;
	rc = perform(ctx, rq, r);
	fclose(rq->upload);
	return rc != 0 ? rc : finish(ctx, r, NULL);
}

int cli_api_upload(struct cli_ctx *ctx, const char *path, const char *file, const char *label,
                   struct cli_resp *r)
{
	struct request rq = { "PUT", path, NULL, 0, NULL, 0, label, 0 };

	return upload(ctx, &rq, file, r);
}

int cli_api_post_file(struct cli_ctx *ctx, const char *path, const char *file, const char *label,
                      long stall, struct cli_resp *r)
{
	struct request rq = { "POST", path, NULL, 0, NULL, 0, label, stall };

	return upload(ctx, &rq, file, r);
}
