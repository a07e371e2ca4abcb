/* src/libfleetward/vuln/analyze.c - streaming signature scanner and the result set
 *
 * A scan keeps one buffer of FLW_ANALYZE_CHUNK + FLW_ANALYZE_KEEP bytes. When it is full, every
 * anchor that starts before the last FLW_ANALYZE_KEEP bytes is matched (a match reads at most
 * FLW_AZ_REACH < FLW_ANALYZE_KEEP bytes past its anchor, so it is complete), then those last
 * bytes move to the front and the next chunk is appended. Each byte position is an anchor
 * candidate exactly once, whatever the chunk sizes; finish() matches the rest.
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/analyze.h"
#include "fleetward/error.h"
#include "vuln/analyze_private.h"

#define SCAN_CAP (FLW_ANALYZE_CHUNK + FLW_ANALYZE_KEEP)

struct flw_analyze_result {
	struct flw_analyze_comp *comps;
	size_t n;
	size_t cap;
	const char *kind;
	uint64_t files;
	uint64_t skipped;
};

struct flw_analyze_scan {
	struct flw_analyze_result *r;
	char path[FLW_ANALYZE_PATH_MAX];
	unsigned char *buf;
	size_t len;
	uint64_t base; /* file offset of buf[0] */
	int header_done;
	int finished;
};

/* ---- results ------------------------------------------------------------------------------ */
int flw_analyze_result_new(struct flw_analyze_result **out)
{
	struct flw_analyze_result *r = flw_calloc(1, sizeof(*r));

	if (!r)
		return FLW_ENOMEM;
	r->kind = "raw";
	*out = r;
	return 0;
}

void flw_analyze_result_free(struct flw_analyze_result *r)
{
	if (!r)
		return;
	flw_free(r->comps);
	flw_free(r);
}

size_t flw_analyze_result_count(const struct flw_analyze_result *r)
{
	return r ? r->n : 0;
}

const struct flw_analyze_comp *flw_analyze_result_get(const struct flw_analyze_result *r, size_t i)
{
	return r && i < r->n ? &r->comps[i] : NULL;
}

const struct flw_analyze_comp *flw_analyze_result_find(const struct flw_analyze_result *r,
                                                       const char *name)
{
	size_t i;

	for (i = 0; r && name && i < r->n; i++)
		if (strcmp(r->comps[i].name, name) == 0)
			return &r->comps[i];
	return NULL;
}

const char *flw_analyze_result_kind(const struct flw_analyze_result *r)
{
	return r ? r->kind : NULL;
}

uint64_t flw_analyze_result_files(const struct flw_analyze_result *r)
{
	return r ? r->files : 0;
}

uint64_t flw_analyze_result_skipped(const struct flw_analyze_result *r)
{
	return r ? r->skipped : 0;
}

/* library-private: set by the image walker (analyze_image.c) */
void flw_analyze__set_stats(struct flw_analyze_result *r, const char *kind, uint64_t files,
                            uint64_t skipped);
void flw_analyze__set_stats(struct flw_analyze_result *r, const char *kind, uint64_t files,
                            uint64_t skipped)
{
	r->kind = kind;
	r->files = files;
	r->skipped = skipped;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "9.2p1" -> update "p1" (the CPE update field of OpenSSH) */
static void set_version(struct flw_analyze_comp *c, const struct flw_analyze__sig *sig,
                        const char *version)
{
	const char *p;

	copy_str(c->version, sizeof(c->version), version);
	c->update[0] = '\0';
	if (sig->sfx == FLW_AZ_SFX_P && (p = strchr(c->version, 'p')) != NULL)
		copy_str(c->update, sizeof(c->update), p);
}

static void add_occ(struct flw_analyze_comp *c, const char *path, int64_t offset,
                    const char *evidence)
{
	struct flw_analyze_occ *o;

	unsigned i;

	c->nocc_total++;
	if (c->nocc >= FLW_ANALYZE_OCC_MAX)
		return;
	for (i = 0; i < c->nocc; i++)
		if (strcmp(c->occ[i].path, path) == 0)
			return; /* counted; one location per file is enough */
	o = &c->occ[c->nocc++];
	copy_str(o->path, sizeof(o->path), path);
	o->offset = offset;
	copy_str(o->evidence, sizeof(o->evidence), evidence);
}

/* a is b followed by a letter ("9.2p1" vs "9.2") */
static int extends(const char *a, const char *b)
{
	size_t lb = strlen(b);

	return strncmp(a, b, lb) == 0 && ((a[lb] >= 'a' && a[lb] <= 'z') || a[lb] == '-');
}

static int result_add(struct flw_analyze_result *r, const struct flw_analyze__sig *sig,
                      const char *version, const char *path, int64_t offset, const char *evidence)
{
	struct flw_analyze_comp *c;
	size_t i;

	for (i = 0; i < r->n; i++) {
		c = &r->comps[i];
		if (strcmp(c->name, sig->name) != 0)
			continue;
		if (strcmp(c->version, version) == 0) {
			add_occ(c, path, offset, evidence);
			return 0;
		}
		if (!(sig->flags & FLW_AZ_SUBSUME))
			continue;
		if (extends(version, c->version)) {
			set_version(c, sig, version);
			add_occ(c, path, offset, evidence);
			return 0;
		}
		if (extends(c->version, version)) {
			add_occ(c, path, offset, evidence);
			return 0;
		}
	}
	if (r->n >= FLW_ANALYZE_COMP_MAX)
		return FLW_ELIMIT;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct flw_analyze_comp *nc = flw_reallocarray(r->comps, ncap, sizeof(*nc));

		if (!nc)
			return FLW_ENOMEM;
		r->comps = nc;
		r->cap = ncap;
	}
	c = &r->comps[r->n++];
	memset(c, 0, sizeof(*c));
	c->name = sig->name;
	c->vendor = sig->vendor;
	c->product = sig->product;
	c->part = sig->part;
	c->type = sig->type;
	set_version(c, sig, version);
	add_occ(c, path, offset, evidence);
	return 0;
}

/* ---- the version grammar ------------------------------------------------------------------ */
static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_decor(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '-';
}

static int is_print(int c)
{
	return c >= 0x20 && c < 0x7f;
}

/* N(.N){min-1,max-1}; returns bytes used or 0. *major gets the first number. */
static size_t parse_dotted(const unsigned char *p, size_t n, unsigned min_parts, unsigned max_parts,
                           int *major)
{
	size_t i = 0;
	unsigned parts = 0;
	long first = 0;

	for (;;) {
		size_t start = i;

		while (i < n && is_digit(p[i]) && i - start < 9) {
			if (parts == 0)
				first = first * 10 + (p[i] - '0');
			i++;
		}
		if (i == start || (i < n && is_digit(p[i])))
			return 0; /* no digits, or an absurdly long number */
		parts++;
		if (parts == max_parts || i + 1 >= n || p[i] != '.' || !is_digit(p[i + 1]))
			break;
		i++; /* the dot */
	}
	if (parts < min_parts)
		return 0;
	*major = (int)first;
	return i;
}

static size_t parse_suffix(const unsigned char *p, size_t n, enum flw_az_sfx sfx)
{
	static const char *const pre[] = { "rc", "test", "beta", "alpha", "pre" };
	size_t i = 0;
	size_t k;

	switch (sfx) {
	case FLW_AZ_SFX_LETTERS:
		while (i < n && i < 2 && p[i] >= 'a' && p[i] <= 'z')
			i++;
		return i;
	case FLW_AZ_SFX_P:
		if (n < 2 || p[0] != 'p' || !is_digit(p[1]))
			return 0;
		for (i = 1; i < n && i < 4 && is_digit(p[i]); i++)
			;
		return i;
	case FLW_AZ_SFX_RC:
		if (n < 4 || memcmp(p, "-rc", 3) != 0 || !is_digit(p[3]))
			return 0;
		for (i = 3; i < n && i < 6 && is_digit(p[i]); i++)
			;
		return i;
	case FLW_AZ_SFX_PRE:
		for (k = 0; k < FLW_ARRAY_SIZE(pre); k++) {
			size_t l = strlen(pre[k]);

			if (n > l && memcmp(p, pre[k], l) == 0 && is_digit(p[l])) {
				for (i = l; i < n && i < l + 3 && is_digit(p[i]); i++)
					;
				return i;
			}
		}
		return 0;
	case FLW_AZ_SFX_NONE:
	default:
		return 0;
	}
}

/* " 25 Aug 2026" or "  7 Feb 2017" (OPENSSL_VERSION_TEXT); bytes used or 0 */
static size_t parse_date(const unsigned char *p, size_t n)
{
	size_t i = 0;
	size_t d;
	size_t k;

	while (i < n && i < 2 && p[i] == ' ')
		i++;
	if (i == 0)
		return 0;
	for (d = 0; i < n && d < 2 && is_digit(p[i]); d++)
		i++;
	if (d == 0 || i >= n || p[i++] != ' ')
		return 0;
	for (k = 0; k < 3; k++, i++)
		if (i >= n || !((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
			return 0;
	if (i >= n || p[i++] != ' ')
		return 0;
	for (k = 0; k < 4; k++, i++)
		if (i >= n || !is_digit(p[i]))
			return 0;
	return i;
}

/* Printable text p[0..n) into out (a NUL-terminated copy, shortened) */
static void evidence_text(const unsigned char *p, size_t n, char *out, size_t out_len)
{
	size_t i;

	if (n >= out_len)
		n = out_len - 1;
	for (i = 0; i < n; i++)
		out[i] = is_print(p[i]) ? (char)p[i] : '.';
	out[n] = '\0';
}

/* Debian kernels: "6.1.0-54-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.190-1 (2026-10-16)":
 * the upstream version is the one after "Debian ". */
static int kernel_upstream(const unsigned char *p, size_t n, char *ver, size_t ver_len)
{
	static const char tag[] = " Debian ";
	size_t lim = n < FLW_AZ_DEBIAN_SPAN ? n : FLW_AZ_DEBIAN_SPAN;
	size_t i;
	int major;

	for (i = 0; i < lim && is_print(p[i]); i++) {
		size_t used;

		if (lim - i < sizeof(tag) - 1 || memcmp(p + i, tag, sizeof(tag) - 1) != 0)
			continue;
		used = parse_dotted(p + i + sizeof(tag) - 1, lim - i - (sizeof(tag) - 1), 3, 3,
		                    &major);
		if (used == 0 || used >= ver_len || i + sizeof(tag) - 1 + used >= lim ||
		    p[i + sizeof(tag) - 1 + used] != '-')
			continue;
		memcpy(ver, p + i + sizeof(tag) - 1, used);
		ver[used] = '\0';
		return 1;
	}
	return 0;
}

/* Match sig at p (p starts with the version when skip_anchor, else with the anchor).
 * Returns 1 and fills ver/evidence on a match. */
static int match_at(const struct flw_analyze__sig *sig, const unsigned char *p, size_t n,
                    int skip_anchor, char *ver, size_t ver_len, char *evidence, size_t ev_len)
{
	size_t i = skip_anchor ? 0 : strlen(sig->anchor);
	size_t vstart;
	size_t vend;
	size_t used;
	int major = 0;

	if (n > FLW_AZ_REACH)
		n = FLW_AZ_REACH;
	if (i >= n)
		return 0;
	if (sig->anchor2) {
		size_t l2 = strlen(sig->anchor2);
		size_t lim = i + FLW_AZ_ANCHOR2_SPAN;

		for (; i < n && i < lim && is_print(p[i]); i++)
			if (n - i >= l2 && memcmp(p + i, sig->anchor2, l2) == 0)
				break;
		if (i >= n || i >= lim || !is_print(p[i]))
			return 0;
		i += l2;
	}
	vstart = i;
	used = parse_dotted(p + i, n - i, sig->min_parts, sig->max_parts, &major);
	if (used == 0 || major < sig->major_min || major > sig->major_max)
		return 0;
	i += used;
	i += parse_suffix(p + i, n - i, (enum flw_az_sfx)sig->sfx);
	vend = i;
	if (sig->flags & FLW_AZ_DECOR)
		while (i < n && is_decor(p[i]) && i - vend < 64)
			i++;
	if (sig->flags & FLW_AZ_DATE) {
		size_t dl = parse_date(p + i, n - i);

		if (dl == 0)
			return 0;
		i += dl;
	}
	if (sig->after) {
		size_t la = strlen(sig->after);

		if (n - i < la || memcmp(p + i, sig->after, la) != 0)
			return 0;
		i += la;
	} else {
		if (i >= n && !skip_anchor)
			return 0; /* cut off: cannot tell whether the version ends here */
		if (i < n && (is_alnum(p[i]) || p[i] == '*' || p[i] == '?' || p[i] == '_' ||
		              p[i] == '-' || p[i] == '+'))
			return 0;
		if (i + 1 < n && p[i] == '.' && is_digit(p[i + 1]))
			return 0;
	}
	if (vend - vstart >= ver_len)
		return 0;
	memcpy(ver, p + vstart, vend - vstart);
	ver[vend - vstart] = '\0';
	if (sig->flags & FLW_AZ_KERNEL)
		(void)kernel_upstream(p + i, n - i, ver, ver_len);
	evidence_text(p, i, evidence, ev_len);
	return 1;
}

/* ---- scanning ----------------------------------------------------------------------------- */
static const struct flw_analyze__sig *kernel_sig(void)
{
	size_t k;

	for (k = 0; k < flw_analyze__nsigs; k++)
		if (flw_analyze__sigs[k].flags & FLW_AZ_KERNEL)
			return &flw_analyze__sigs[k];
	return NULL;
}

/* x86 bzImage: setup header "HdrS" at 0x202, kernel_version (le16) at 0x20e points (+0x200) to
 * "6.1.0-54-amd64 (debian-kernel@...) #1 SMP ..." - the kernel proper is compressed. */
static int scan_bzimage(struct flw_analyze_scan *s)
{
	const struct flw_analyze__sig *sig = kernel_sig();
	char ver[FLW_ANALYZE_VERSION_MAX];
	char ev[FLW_ANALYZE_EVIDENCE_MAX];
	size_t off;

	s->header_done = 1;
	if (!sig || s->base != 0 || s->len < 0x210 || memcmp(s->buf + 0x202, "HdrS", 4) != 0)
		return 0;
	off = (size_t)s->buf[0x20e] | ((size_t)s->buf[0x20f] << 8);
	if (off == 0)
		return 0;
	off += 0x200;
	if (off >= s->len ||
	    !match_at(sig, s->buf + off, s->len - off, 1, ver, sizeof(ver), ev, sizeof(ev)))
		return 0;
	return result_add(s->r, sig, ver, s->path, (int64_t)off, ev);
}

/* match every anchor starting before limit */
static int scan_buf(struct flw_analyze_scan *s, size_t limit, int final)
{
	char ver[FLW_ANALYZE_VERSION_MAX];
	char ev[FLW_ANALYZE_EVIDENCE_MAX];
	size_t k;
	int rc;

	if (!s->header_done && (final || s->len >= 0x1000)) {
		rc = scan_bzimage(s);
		if (rc != 0)
			return rc;
	}
	for (k = 0; k < flw_analyze__nsigs; k++) {
		const struct flw_analyze__sig *sig = &flw_analyze__sigs[k];
		size_t al = strlen(sig->anchor);
		size_t pos = 0;

		while (pos < limit && s->len - pos >= al) {
			const unsigned char *hit =
			        memmem(s->buf + pos, s->len - pos, sig->anchor, al);
			size_t at;

			if (!hit)
				break;
			at = (size_t)(hit - s->buf);
			if (at >= limit)
				break;
			if (match_at(sig, hit, s->len - at, 0, ver, sizeof(ver), ev, sizeof(ev))) {
				rc = result_add(s->r, sig, ver, s->path, (int64_t)(s->base + at),
				                ev);
				if (rc != 0)
					return rc;
			}
			pos = at + 1;
		}
	}
	return 0;
}

/* the file name itself: "libuClibc-1.0.45.so" */
static int scan_name(struct flw_analyze_scan *s)
{
	const char *base = strrchr(s->path, '/');
	const unsigned char *p;
	size_t n;
	char ver[FLW_ANALYZE_VERSION_MAX];
	char ev[FLW_ANALYZE_EVIDENCE_MAX];
	size_t k;
	size_t i;
	int rc;

	base = base ? base + 1 : s->path;
	p = (const unsigned char *)base;
	n = strlen(base);
	for (k = 0; k < flw_analyze__nsigs; k++) {
		const struct flw_analyze__sig *sig = &flw_analyze__sigs[k];
		size_t al = strlen(sig->anchor);

		for (i = 0; i + al <= n; i++) {
			if (memcmp(p + i, sig->anchor, al) != 0)
				continue;
			if (!match_at(sig, p + i, n - i, 0, ver, sizeof(ver), ev, sizeof(ev)))
				continue;
			rc = result_add(s->r, sig, ver, s->path, -1, ev);
			if (rc != 0)
				return rc;
			break;
		}
	}
	return 0;
}

int flw_analyze_scan_new(struct flw_analyze_scan **out, struct flw_analyze_result *r,
                         const char *path)
{
	struct flw_analyze_scan *s = NULL;
	int rc = FLW_ENOMEM;

	s = flw_calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->buf = flw_malloc(SCAN_CAP);
	if (!s->buf)
		goto out;
	s->r = r;
	copy_str(s->path, sizeof(s->path), path);
	rc = scan_name(s);
	if (rc != 0)
		goto out;
	*out = s;
	s = NULL;
out:
	flw_analyze_scan_free(s);
	return rc;
}

int flw_analyze_scan_feed(struct flw_analyze_scan *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	int rc;

	if (!s || (!data && len) || s->finished)
		return FLW_EINVAL;
	while (len > 0) {
		size_t take = SCAN_CAP - s->len;

		if (take > len)
			take = len;
		memcpy(s->buf + s->len, p, take);
		s->len += take;
		p += take;
		len -= take;
		if (s->len < SCAN_CAP)
			break;
		rc = scan_buf(s, s->len - FLW_ANALYZE_KEEP, 0);
		if (rc != 0)
			return rc;
		memmove(s->buf, s->buf + s->len - FLW_ANALYZE_KEEP, FLW_ANALYZE_KEEP);
		s->base += s->len - FLW_ANALYZE_KEEP;
		s->len = FLW_ANALYZE_KEEP;
	}
	return 0;
}

int flw_analyze_scan_finish(struct flw_analyze_scan *s)
{
	if (!s || s->finished)
		return FLW_EINVAL;
	s->finished = 1;
	return scan_buf(s, s->len, 1);
}

void flw_analyze_scan_free(struct flw_analyze_scan *s)
{
	if (!s)
		return;
	flw_free(s->buf);
	flw_free(s);
}

/* ---- CPE ---------------------------------------------------------------------------------- */
static int put_cpe_value(char *out, size_t out_len, size_t *pos, const char *v, size_t vlen)
{
	size_t i;

	if (vlen == 0) {
		v = "*";
		vlen = 1;
	}
	for (i = 0; i < vlen; i++) {
		char c = v[i];
		int plain = is_alnum((unsigned char)c) || c == '.' || c == '_' || c == '-' ||
		            (c == '*' && vlen == 1);

		if (*pos + 3 > out_len)
			return FLW_ELIMIT;
		if (!plain)
			out[(*pos)++] = '\\';
		out[(*pos)++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[*pos] = '\0';
	return 0;
}

static int put_sep(char *out, size_t out_len, size_t *pos)
{
	if (*pos + 2 > out_len)
		return FLW_ELIMIT;
	out[(*pos)++] = ':';
	out[*pos] = '\0';
	return 0;
}

int flw_analyze_cpe(const struct flw_analyze_comp *c, char *out, size_t out_len)
{
	static const char tail[] = ":*:*:*:*:*:*";
	size_t vlen;
	size_t pos;
	int rc;

	if (!c || !out || out_len < 16 || strlen(c->update) > strlen(c->version))
		return FLW_EINVAL;
	vlen = strlen(c->version) - strlen(c->update);
	rc = snprintf(out, out_len, "cpe:2.3:%c:", c->part);
	if (rc < 0 || (size_t)rc >= out_len)
		return FLW_ELIMIT;
	pos = (size_t)rc;
	if ((rc = put_cpe_value(out, out_len, &pos, c->vendor, strlen(c->vendor))) != 0 ||
	    (rc = put_sep(out, out_len, &pos)) != 0 ||
	    (rc = put_cpe_value(out, out_len, &pos, c->product, strlen(c->product))) != 0 ||
	    (rc = put_sep(out, out_len, &pos)) != 0 ||
	    (rc = put_cpe_value(out, out_len, &pos, c->version, vlen)) != 0 ||
	    (rc = put_sep(out, out_len, &pos)) != 0 ||
	    (rc = put_cpe_value(out, out_len, &pos, c->update, strlen(c->update))) != 0)
		return rc;
	if (pos + sizeof(tail) > out_len)
		return FLW_ELIMIT;
	memcpy(out + pos, tail, sizeof(tail));
	return 0;
}
