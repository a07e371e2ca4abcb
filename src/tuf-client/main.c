/* src/tuf-client/main.c - fleetward-tuf-client: the CLI that tuf-conformance drives
 *
 *   fleetward-tuf-client --metadata-dir DIR init TRUSTED_ROOT
 *   fleetward-tuf-client --metadata-dir DIR --metadata-url URL refresh
 *   fleetward-tuf-client --metadata-dir DIR --metadata-url URL --target-name PATH
 *           [--target-name PATH ...] --target-base-url URL2 --target-dir DIR2 download
 *
 * (tuf-conformance CLIENT-CLI.md; PROTOCOLS.md 4.9). Exit status is the only result: 0 when
 * everything succeeded, 1 otherwise. `init` makes no network access. `download` refreshes
 * first, then looks each target up (delegations included) and downloads it into
 * DIR2/<percent-encoded target path> unless a file with the signed length and hashes is
 * already there; targets are processed in order and the first failure stops. The time is
 * read once per run with time(), so faketime can move it. Errors go to stderr.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/tuf.h"

#define PROG           "fleetward-tuf-client"
#define MAX_TARGETS    64
#define URL_MAX        4096
#define CONNECT_SECS   10L
#define STALL_SECS     30L /* slow retrieval: below 1 byte/s for this long aborts */
#define ROOT_FILE_MAX  FLW_TUF_ROOT_MAX_BYTES
#define TARGET_NAME_FS 255

struct opts {
	const char *metadata_dir;
	const char *metadata_url;
	const char *target_base_url;
	const char *target_dir;
	const char *targets[MAX_TARGETS];
	size_t n_targets;
	const char *cmd;
	const char *arg; /* init's TRUSTED_ROOT */
};

struct http {
	CURL *curl;
	const char *meta_base;
	const char *target_base;
};

/* ---- HTTP (libcurl) ---------------------------------------------------------------------- */

struct recv {
	CURL *curl;
	struct flw_buf *buf;                             /* metadata: into memory */
	int (*sink)(void *ctx, const void *p, size_t n); /* targets: streamed */
	void *ctx;
	size_t max;
	int rc;
	int skip; /* not a 200: the body is an error page, drop it */
	int started;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *userdata)
{
	struct recv *r = userdata;
	size_t n = size * nmemb;
	long status = 0;

	if (!r->started) {
		r->started = 1;
		curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
		r->skip = status != 200;
	}
	if (r->skip)
		return n;
	if (r->sink) {
		r->rc = r->sink(r->ctx, p, n);
		return r->rc == 0 ? n : 0;
	}
	if (n > r->max - r->buf->len) {
		r->rc = FLW_ELIMIT;
		return 0;
	}
	r->rc = flw_buf_append(r->buf, p, n);
	return r->rc == 0 ? n : 0;
}

static int get(struct http *h, const char *base, const char *name, struct recv *r,
               struct flw_diag *diag)
{
	char url[URL_MAX];
	long status = 0;
	CURLcode cc;
	int n;

	n = snprintf(url, sizeof(url), "%s%s%s", base,
	             base[0] && base[strlen(base) - 1] == '/' ? "" : "/", name);
	if (n < 0 || (size_t)n >= sizeof(url))
		return flw_diag_set(diag, FLW_ELIMIT, name, "URL too long");
	r->curl = h->curl;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, r);
	cc = curl_easy_perform(h->curl);
	if (r->rc != 0)
		return r->rc;
	if (cc != CURLE_OK)
		return flw_diag_set(diag, FLW_ENET, name, "%s: %s", url, curl_easy_strerror(cc));
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 404 || status == 403)
		return FLW_ENOTFOUND;
	if (status != 200)
		return flw_diag_set(diag, FLW_ENET, name, "%s: HTTP %ld", url, status);
	return 0;
}

static int fetch_meta(void *payload, const char *name, size_t max_len, struct flw_buf *out,
                      struct flw_diag *diag)
{
	struct http *h = payload;
	struct recv r = { NULL, out, NULL, NULL, max_len, 0, 0, 0 };

	if (!h->meta_base)
		return flw_diag_set(diag, FLW_EINVAL, name, "no --metadata-url given");
	return get(h, h->meta_base, name, &r, diag);
}

static int fetch_target(void *payload, const char *path, uint64_t max_len,
                        int (*sink)(void *ctx, const void *p, size_t n), void *ctx,
                        struct flw_diag *diag)
{
	struct http *h = payload;
	struct recv r = { NULL, NULL, sink, ctx, 0, 0, 0, 0 };

	(void)max_len; /* the sink enforces it */
	if (!h->target_base)
		return flw_diag_set(diag, FLW_EINVAL, path, "no --target-base-url given");
	return get(h, h->target_base, path, &r, diag);
}

static int http_open(struct http *h, const struct opts *o)
{
	h->meta_base = o->metadata_url;
	h->target_base = o->target_base_url;
	h->curl = curl_easy_init();
	if (!h->curl)
		return FLW_ENOMEM;
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, CONNECT_SECS);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, STALL_SECS);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, PROG "/" FLW_VERSION);
	return 0;
}

/* ---- commands ---------------------------------------------------------------------------- */

static int fail(const struct flw_diag *d, const char *what)
{
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 64];

	fprintf(stderr, "%s: %s: %s\n", PROG, what, flw_diag_format(d, msg, sizeof(msg)));
	return 1;
}

static int cmd_init(const struct opts *o)
{
	struct flw_diag d;
	struct flw_buf b;
	int rc;

	flw_diag_clear(&d);
	flw_buf_init(&b, ROOT_FILE_MAX);
	rc = flw_fs_read_all(o->arg, &b, &d);
	if (rc == 0)
		rc = flw_tuf_client_init(o->metadata_dir, b.data ? (const void *)b.data : "", b.len,
		                         &d);
	flw_buf_free(&b);
	return rc == 0 ? 0 : fail(&d, "init");
}

/* DIR2/<percent-encoded path>: one flat, stable file name per target path */
static char *dest_path(const char *dir, const char *target)
{
	static const char hexd[] = "0123456789ABCDEF";
	struct flw_buf b;
	const unsigned char *p;
	char *out = NULL;
	int rc = 0;

	flw_buf_init(&b, TARGET_NAME_FS + 1);
	for (p = (const unsigned char *)target; *p && rc == 0; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-' || *p == '~')
			rc = flw_buf_append(&b, p, 1);
		else
			rc = flw_buf_printf(&b, "%%%c%c", hexd[*p >> 4], hexd[*p & 15]);
	}
	/* "." and ".." are not file names; the quoted form never contains '/' */
	if (rc == 0 && b.len > 0 && b.len <= TARGET_NAME_FS && strcmp(flw_buf_cstr(&b), ".") != 0 &&
	    strcmp(flw_buf_cstr(&b), "..") != 0)
		out = flw_fs_join(dir, flw_buf_cstr(&b));
	flw_buf_free(&b);
	return out;
}

static int download_one(struct flw_tuf_client *c, const struct opts *o, const char *target,
                        struct flw_diag *d)
{
	struct flw_tuf_targetinfo t;
	char *dest = NULL;
	int rc;

	memset(&t, 0, sizeof(t));
	rc = flw_tuf_client_find(c, target, &t, d);
	if (rc != 0)
		goto out;
	dest = dest_path(o->target_dir, target);
	if (!dest) {
		rc = flw_diag_set(d, FLW_ELIMIT, "target", "target path cannot be a file name");
		goto out;
	}
	rc = flw_tuf_target_cached(&t, dest, d);
	if (rc < 0)
		goto out;
	rc = rc == 1 ? 0 : flw_tuf_client_download(c, &t, dest, d);
out:
	flw_free(dest);
	flw_tuf_targetinfo_clear(&t);
	return rc;
}

static int cmd_update(const struct opts *o, int download)
{
	struct flw_tuf_client *c = NULL;
	struct flw_tuf_fetcher f;
	struct http h = { NULL, NULL, NULL };
	struct flw_diag d;
	const char *what = "refresh";
	size_t i;
	int rc;

	flw_diag_clear(&d);
	memset(&f, 0, sizeof(f));
	f.version = FLW_TUF_FETCHER_VERSION;
	f.fetch_meta = fetch_meta;
	f.fetch_target = fetch_target;
	f.payload = &h;
	rc = http_open(&h, o);
	if (rc != 0)
		goto out;
	if ((rc = flw_tuf_client_open(&c, o->metadata_dir, &f, &d)) != 0 ||
	    (rc = flw_tuf_client_refresh(c, time(NULL), &d)) != 0)
		goto out;
	what = "download";
	if (download && o->target_dir && (rc = flw_fs_mkdirs(o->target_dir, 0755, &d)) != 0)
		goto out;
	for (i = 0; download && i < o->n_targets && rc == 0; i++)
		rc = download_one(c, o, o->targets[i], &d);
out:
	flw_tuf_client_free(c);
	if (h.curl)
		curl_easy_cleanup(h.curl);
	return rc == 0 ? 0 : fail(&d, what);
}

/* ---- arguments --------------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
	        "usage: %s --metadata-dir DIR init TRUSTED_ROOT\n"
	        "       %s --metadata-dir DIR --metadata-url URL refresh\n"
	        "       %s --metadata-dir DIR --metadata-url URL --target-name PATH [...]\n"
	        "          --target-base-url URL --target-dir DIR download\n",
	        PROG, PROG, PROG);
	return 1;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (strcmp(a, "--metadata-dir") == 0)
			slot = &o->metadata_dir;
		else if (strcmp(a, "--metadata-url") == 0)
			slot = &o->metadata_url;
		else if (strcmp(a, "--target-base-url") == 0)
			slot = &o->target_base_url;
		else if (strcmp(a, "--target-dir") == 0)
			slot = &o->target_dir;
		else if (strcmp(a, "--target-name") == 0) {
			if (o->n_targets == MAX_TARGETS)
				return -1;
			slot = &o->targets[o->n_targets++];
		} else if (a[0] == '-' && a[1] == '-')
			return -1;
		else if (!o->cmd)
			o->cmd = a;
		else if (!o->arg)
			o->arg = a;
		else
			return -1;
		if (slot) {
			if (++i == argc)
				return -1;
			*slot = argv[i];
		}
	}
	if (!o->cmd || !o->metadata_dir)
		return -1;
	if (strcmp(o->cmd, "init") == 0)
		return o->arg ? 0 : -1;
	if (o->arg || !o->metadata_url)
		return -1;
	if (strcmp(o->cmd, "refresh") == 0)
		return 0;
	if (strcmp(o->cmd, "download") == 0)
		return o->n_targets > 0 && o->target_base_url && o->target_dir ? 0 : -1;
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc;

	if (parse_args(argc, argv, &o) != 0)
		return usage();
	if (flw_crypto_init() != 0) {
		fprintf(stderr, "%s: cannot initialise the crypto library\n", PROG);
		return 1;
	}
	if (strcmp(o.cmd, "init") == 0)
		return cmd_init(&o);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "%s: cannot initialise libcurl\n", PROG);
		return 1;
	}
	rc = cmd_update(&o, strcmp(o.cmd, "download") == 0);
	curl_global_cleanup();
	return rc;
}
