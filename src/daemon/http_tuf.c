/* src/daemon/http_tuf.c - the TUF repository (/tuf/...), readable without authentication
 *
 * Metadata is served as the exact stored bytes. Targets are served from the content-addressed
 * artifact file DATA/artifacts/<sha256hex>, and only when a published release of that name
 * has that sha256, with single-range support (206 + Content-Range; 416 when unsatisfiable).
 * Names are parsed strictly: no "." or ".." components, no empty components.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/fs.h"
#include "http.h"

/* "timestamp.json" -> (timestamp, 0); "<N>.<role>.json" -> (role, N) */
static int parse_meta_name(const char *name, int *role, int64_t *version)
{
	static const char *const versioned[] = { "root", "snapshot", "targets" };
	char *end = NULL;
	long long v;
	size_t i;

	if (strcmp(name, "timestamp.json") == 0) {
		*role = FLW_TUF_TIMESTAMP;
		*version = 0;
		return 0;
	}
	if (name[0] < '1' || name[0] > '9')
		return FLW_ENOTFOUND;
	errno = 0;
	v = strtoll(name, &end, 10);
	if (errno != 0 || v <= 0 || *end != '.')
		return FLW_ENOTFOUND;
	end++;
	for (i = 0; i < FLW_ARRAY_SIZE(versioned); i++) {
		size_t n = strlen(versioned[i]);

		if (strncmp(end, versioned[i], n) == 0 && strcmp(end + n, ".json") == 0) {
			*role = flw_tuf_role_from_string(versioned[i]);
			*version = v;
			return 0;
		}
	}
	return FLW_ENOTFOUND;
}

int flwd_reply_tuf(struct flwd_req *r, int role, int64_t version, const char *missing)
{
	struct flw_store *s = NULL;
	struct flw_buf b;
	int64_t got = 0;
	int rc;

	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	flw_buf_init(&b, flw_repo_role_max_bytes(role));
	rc = flw_store_tuf_get(s, role, version, &b, &got, &r->diag);
	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL, "%s", missing);
	if (rc == 0)
		rc = flwd_reply_bytes(r, 200, "application/json", b.data, b.len);
	flw_buf_free(&b);
	return rc;
}

int flwd_h_tuf_metadata(struct flwd_req *r)
{
	char missing[FLW_DIAG_MSG_MAX];
	int64_t version = 0;
	int role = 0;

	snprintf(missing, sizeof(missing), "no such metadata file '%.64s'", r->params[0]);
	if (parse_meta_name(r->params[0], &role, &version) != 0)
		return flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL, "%s", missing);
	return flwd_reply_tuf(r, role, version, missing);
}

/* "<dir>/<sha256hex>.<basename>" -> target name "<dir>/<basename>" and the digest */
static int parse_target_path(const char *path, char *name, size_t name_len,
                             unsigned char sha[FLW_SHA256_BYTES])
{
	const char *base = strrchr(path, '/');
	const char *p = path;
	size_t dirlen;

	base = base ? base + 1 : path;
	dirlen = (size_t)(base - path);
	/* every component must be a safe name; this also refuses "", "." and ".." */
	while (*p) {
		size_t n = strcspn(p, "/");
		char comp[FLW_TUF_TARGET_NAME_MAX + 1];

		if (n == 0 || n > FLW_TUF_TARGET_NAME_MAX)
			return FLW_ENOTFOUND;
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (!flw_fs_name_ok(comp, FLW_TUF_TARGET_NAME_MAX))
			return FLW_ENOTFOUND;
		p += n;
		if (*p == '/')
			p++;
	}
	if (strlen(base) < 2 * FLW_SHA256_BYTES + 2 || base[2 * FLW_SHA256_BYTES] != '.')
		return FLW_ENOTFOUND;
	{
		char hex[2 * FLW_SHA256_BYTES + 1];

		memcpy(hex, base, 2 * FLW_SHA256_BYTES);
		hex[2 * FLW_SHA256_BYTES] = '\0';
		if (flw_hex_decode(sha, FLW_SHA256_BYTES, hex) != 0)
			return FLW_ENOTFOUND;
	}
	if (dirlen + strlen(base + 2 * FLW_SHA256_BYTES + 1) + 1 > name_len)
		return FLW_ENOTFOUND;
	snprintf(name, name_len, "%.*s%s", (int)dirlen, path, base + 2 * FLW_SHA256_BYTES + 1);
	return 0;
}

/* Range header -> [*from, *to] inclusive. 0: serve the range; 1: serve everything (absent,
 * malformed or multi-range: RFC 9110 lets a server ignore it); FLW_ELIMIT: unsatisfiable. */
static int parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
	unsigned long long a;
	unsigned long long b;
	char *end = NULL;

	if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return 1;
	h += 6;
	if (*h == '-') {
		if (h[1] < '0' || h[1] > '9')
			return 1;
		errno = 0;
		b = strtoull(h + 1, &end, 10);
		if (errno != 0 || *end != '\0')
			return 1;
		if (b == 0 || size == 0)
			return FLW_ELIMIT;
		*from = b >= size ? 0 : size - b;
		*to = size - 1;
		return 0;
	}
	if (*h < '0' || *h > '9')
		return 1;
	errno = 0;
	a = strtoull(h, &end, 10);
	if (errno != 0 || *end != '-')
		return 1;
	h = end + 1;
	b = size ? size - 1 : 0;
	if (*h != '\0') {
		if (*h < '0' || *h > '9')
			return 1;
		b = strtoull(h, &end, 10);
		if (errno != 0 || *end != '\0' || b < a)
			return 1;
	}
	if (a >= size)
		return FLW_ELIMIT;
	*from = a;
	*to = b >= size ? size - 1 : b;
	return 0;
}

static int serve_file(struct flwd_req *r, int fd, uint64_t size, const char *etag)
{
	const char *rh =
	        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
	char cr[96];
	uint64_t from = 0;
	uint64_t to = size ? size - 1 : 0;
	int pr = parse_range(rh, size, &from, &to);

	if (pr == FLW_ELIMIT) {
		close(fd);
		snprintf(r->content_range, sizeof(r->content_range), "bytes */%" PRIu64, size);
		r->err_status = 416;
		return flw_diag_set(&r->diag, FLW_ELIMIT, NULL,
		                    "range not satisfiable: the file has %" PRIu64 " bytes", size);
	}
	if (pr == 1) {
		from = 0;
		to = size ? size - 1 : 0;
	}
	r->resp = MHD_create_response_from_fd_at_offset64(size ? to - from + 1 : 0, fd,
	                                                  (uint64_t)from);
	if (!r->resp) {
		close(fd);
		return FLW_ENOMEM;
	}
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ETAG, etag);
	r->status = 200;
	if (pr == 0) {
		snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, from, to, size);
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
		r->status = 206;
	}
	return 0;
}

int flwd_h_tuf_target(struct flwd_req *r)
{
	unsigned char sha[FLW_SHA256_BYTES];
	char name[FLW_TUF_TARGET_NAME_MAX + 1];
	char hex[FLW_SHA256_HEX];
	char etag[FLW_SHA256_HEX + 2];
	struct flw_release rel;
	struct flw_store *s = NULL;
	struct stat st;
	char *path = NULL;
	int fd = -1;
	int rc;

	if (parse_target_path(r->rest, name, sizeof(name), sha) != 0)
		return flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL, "no such target");
	if ((rc = flwd_req_store(r, &s)) != 0)
		return rc;
	memset(&rel, 0, sizeof(rel));
	rc = flw_store_release_get(s, name, &rel, &r->diag);
	if (rc == FLW_ENOTFOUND ||
	    (rc == 0 && flw_ct_memcmp(rel.target.sha256, sha, FLW_SHA256_BYTES) != 0))
		return flw_diag_set(&r->diag, FLW_ENOTFOUND, NULL, "no such target");
	if (rc != 0)
		return rc;
	flw_hex_encode(hex, sha, FLW_SHA256_BYTES);
	path = flw_fs_join(r->d->dd.artifacts, hex);
	if (!path)
		return FLW_ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	flw_free(path);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != rel.target.length) {
		if (fd >= 0)
			close(fd);
		return flw_diag_set(&r->diag, FLW_EIO, NULL, "artifact file missing or damaged");
	}
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	return serve_file(r, fd, (uint64_t)st.st_size, etag);
}
