/* vuln/feed_epss.c - FIRST EPSS scores, CSV (VULNDATA 8)
 *
 *   #model_version:v2025.03.14,score_date:2025-03-14T00:00:00+0000    (optional)
 *   cve,epss,percentile                                                 (required)
 *   CVE-2014-0160,0.99999,0.99997
 *
 * Plain text only (decompress .csv.gz first). Every score carries the model version and the
 * score date of its file; a score replaces an older one only when its score date is later.
 * Numbers are read as decimals 0..1 with at most 9 fraction digits (no locale, no exponent).
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "vuln/feed_private.h"

struct epss_run {
	struct feed_ctx *ctx;
	int header_seen;
	int64_t score_date_ms;
	char model_version[32];
	struct flw_diag *diag; /* file-level errors */
};

/* "0.01019" -> value and value x 1e5 (rounded); 0 or FLW_EFORMAT */
static int epss_decimal(const char *s, size_t n, double *v, uint32_t *e5)
{
	uint64_t num = 0;
	uint64_t den = 1;
	size_t i = 0;
	size_t frac = 0;

	if (n == 0 || s[0] < '0' || s[0] > '1')
		return FLW_EFORMAT;
	num = (uint64_t)(s[0] - '0');
	i = 1;
	if (i < n && s[i] == '.') {
		for (i = 2; i < n && frac < 9 && s[i] >= '0' && s[i] <= '9'; i++, frac++) {
			num = num * 10 + (uint64_t)(s[i] - '0');
			den *= 10;
		}
		if (frac == 0)
			return FLW_EFORMAT;
	}
	if (i != n || num > den)
		return FLW_EFORMAT;
	*v = (double)num / (double)den;
	*e5 = (uint32_t)((num * 100000 + den / 2) / den);
	return 0;
}

/* "#model_version:X,score_date:Y" */
static int epss_comment(struct epss_run *r, const char *line, size_t n, struct flw_diag *diag)
{
	char buf[FLW_FEED_EPSS_MAX_LINE + 1];
	char *field;
	char *next;
	char *colon;

	if (n > FLW_FEED_EPSS_MAX_LINE)
		return flw_diag_set(diag, FLW_ELIMIT, "line 1", "comment line too long");
	memcpy(buf, line + 1, n - 1);
	buf[n - 1] = '\0';
	for (field = buf; field; field = next) {
		next = strchr(field, ',');
		if (next)
			*next++ = '\0';
		colon = strchr(field, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (strcmp(field, "model_version") == 0 &&
		    strlen(colon + 1) < sizeof(r->model_version))
			memcpy(r->model_version, colon + 1, strlen(colon + 1) + 1);
		else if (strcmp(field, "score_date") == 0 &&
		         flw_feed__time_parse(colon + 1, &r->score_date_ms) != 0)
			return flw_diag_set(diag, FLW_EFORMAT, "score_date", "'%s' is not a date",
			                    colon + 1);
	}
	return 0;
}

/* splits "a,b,c" into exactly three fields */
static int epss_fields(const char *line, size_t n, const char *f[3], size_t len[3])
{
	const char *p = line;
	const char *end = line + n;
	const char *comma;
	int i;

	for (i = 0; i < 3; i++) {
		comma = memchr(p, ',', (size_t)(end - p));
		if ((i < 2) != (comma != NULL))
			return FLW_EFORMAT;
		f[i] = p;
		len[i] = (size_t)((comma ? comma : end) - p);
		p = comma ? comma + 1 : end;
	}
	return 0;
}

static int epss_row(struct epss_run *r, const char *line, size_t n, size_t lineno)
{
	struct flw_vuln_epss e;
	struct flw_diag d;
	const char *f[3];
	const char *comma;
	size_t len[3];
	size_t k;
	char id[FLW_CVE_ID_MAX + 1] = "";
	int rc = flw_feed__record_seen(r->ctx, NULL);

	if (rc != 0)
		return rc;
	memset(&e, 0, sizeof(e));
	flw_diag_clear(&d);
	comma = memchr(line, ',', n);
	k = comma ? (size_t)(comma - line) : n;
	if (k <= FLW_CVE_ID_MAX) {
		memcpy(id, line, k);
		id[k] = '\0';
	}
	if (!flw_feed__cve_id_ok(id)) {
		flw_diag_set(&d, FLW_EFORMAT, "cve", "not a CVE id");
		id[0] = '\0';
		goto bad;
	}
	if (n > FLW_FEED_EPSS_MAX_LINE || epss_fields(line, n, f, len) != 0) {
		flw_diag_set(&d, FLW_EFORMAT, NULL, "expected cve,epss,percentile");
		goto bad;
	}
	if (epss_decimal(f[1], len[1], &e.epss, &e.epss_e5) != 0 ||
	    epss_decimal(f[2], len[2], &e.percentile, &e.percentile_e5) != 0) {
		flw_diag_set(&d, FLW_EFORMAT, "epss", "scores must be decimals in 0..1");
		goto bad;
	}
	e.score_date_ms = r->score_date_ms;
	memcpy(e.model_version, r->model_version, sizeof(e.model_version));
	return flw_feed__put_epss(r->ctx, id, &e);
bad:
	flw_feed__report(r->ctx, id, lineno, &d);
	return 0;
}

static int epss_line(void *payload, const char *line, size_t n, size_t lineno)
{
	struct epss_run *r = payload;
	static const char header[] = "cve,epss,percentile";

	if (n == 0)
		return 0;
	if (!r->header_seen && lineno == 1 && line[0] == '#')
		return epss_comment(r, line, n, r->diag);
	if (!r->header_seen) {
		if (n != sizeof(header) - 1 || memcmp(line, header, n) != 0)
			return flw_diag_set(r->diag, FLW_EFORMAT, r->ctx->file,
			                    "line %zu: expected the header '%s'", lineno, header);
		r->header_seen = 1;
		return 0;
	}
	return epss_row(r, line, n, lineno);
}

int flw_feed__epss_run(struct feed_ctx *ctx, const char *path, const void *mem, size_t len,
                       struct flw_diag *diag)
{
	struct epss_run r;
	struct feed_lines l;
	int rc;

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.diag = diag;
	flw_feed__lines_init(&l, ctx, FLW_FEED_EPSS_MAX_LINE, epss_line, &r);
	rc = flw_feed__stream(ctx, path, mem, len, FLW_FEED_EPSS_MAX_FILE_BYTES,
	                      flw_feed__lines_push, flw_feed__lines_finish, &l, diag);
	flw_feed__lines_done(&l);
	if (rc == 0 && !r.header_seen)
		rc = flw_diag_set(diag, FLW_EFORMAT, ctx->file, "no 'cve,epss,percentile' header");
	return rc;
}
