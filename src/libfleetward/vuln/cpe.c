/* vuln/cpe.c - CPE 2.3 formatted-string binding (NISTIR 7695 section 6.2) and name matching
 * (NISTIR 7696 section 6)
 *
 * Invariants of a parsed struct flw_cpe: every VALUE attribute has a NUL-terminated, unescaped,
 * lower-cased literal in buf at off (length len, possibly 0 when the value is only wildcards);
 * ANY and NA have len 0; wildcards only at either end (a '*' at most once per end).
 */
#include <string.h>

#include "fleetward/cpe.h"
#include "fleetward/error.h"

static const char *const attr_names[_FLW_CPE_ATTR_MAX] = {
	"part",     "vendor",     "product",   "version",   "update", "edition",
	"language", "sw_edition", "target_sw", "target_hw", "other",
};

static int is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

struct cpe_parser {
	struct flw_cpe *c;
	size_t used;
	struct flw_diag *diag;
};

static int put_char(struct cpe_parser *p, char ch)
{
	if (p->used + 1 >= sizeof(p->c->buf))
		return flw_diag_set(p->diag, FLW_ELIMIT, "cpe", "values longer than %zu bytes",
		                    sizeof(p->c->buf) - 1);
	p->c->buf[p->used++] = ch;
	return 0;
}

/* Leading wildcards of a component: count '?' and at most one '*' (in any order). */
static size_t scan_wild(const char *s, size_t n, uint8_t *star, uint8_t *q)
{
	size_t i = 0;

	while (i < n && (s[i] == '*' || s[i] == '?')) {
		if (s[i] == '*') {
			if (*star)
				return (size_t)-1;
			*star = 1;
		} else if (*q < 255) {
			(*q)++;
		} else {
			return (size_t)-1;
		}
		i++;
	}
	return i;
}

/* Literal middle part [i, j) with quoting; an unquoted wildcard here is an error. */
static int parse_literal(struct cpe_parser *p, const char *s, size_t i, size_t j, int attr)
{
	int rc;

	while (i < j) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\\') {
			if (i + 1 >= j || (unsigned char)s[i + 1] < 0x21 ||
			    (unsigned char)s[i + 1] > 0x7e)
				return flw_diag_set(p->diag, FLW_EFORMAT, attr_names[attr],
				                    "bad quoting at offset %zu", i);
			ch = (unsigned char)s[i + 1];
			i += 2;
		} else if (is_plain(ch)) {
			i++;
		} else if (ch == '*' || ch == '?') {
			return flw_diag_set(p->diag, FLW_EFORMAT, attr_names[attr],
			                    "wildcard '%c' inside a value", ch);
		} else {
			return flw_diag_set(p->diag, FLW_EFORMAT, attr_names[attr],
			                    "character 0x%02x must be quoted", ch);
		}
		rc = put_char(p, lower((char)ch));
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Trailing wildcards, scanning back; a '\' right before them quotes the first one. */
static size_t trail_start(const char *s, size_t lo, size_t n, uint8_t *star, uint8_t *q)
{
	size_t j = n;

	while (j > lo && (s[j - 1] == '*' || s[j - 1] == '?')) {
		size_t bs = 0;

		while (j - 1 - bs > lo && s[j - 2 - bs] == '\\')
			bs++;
		if (bs % 2 == 1)
			break; /* quoted */
		if (s[j - 1] == '*') {
			if (*star)
				return (size_t)-1;
			*star = 1;
		} else if (*q < 255) {
			(*q)++;
		} else {
			return (size_t)-1;
		}
		j--;
	}
	return j;
}

static int parse_component(struct cpe_parser *p, const char *s, size_t n, int attr)
{
	struct flw_cpe_val *v = &p->c->attr[attr];
	size_t i;
	size_t j;
	int rc;

	memset(v, 0, sizeof(*v));
	if (n == 0)
		return flw_diag_set(p->diag, FLW_EFORMAT, attr_names[attr], "empty component");
	if (n == 1 && s[0] == '*') {
		v->kind = FLW_CPE_ANY;
		return 0;
	}
	if (n == 1 && s[0] == '-') {
		v->kind = FLW_CPE_NA;
		return 0;
	}
	v->kind = FLW_CPE_VALUE;
	i = scan_wild(s, n, &v->lead_star, &v->lead_q);
	if (i == (size_t)-1)
		return flw_diag_set(p->diag, FLW_EFORMAT, attr_names[attr], "repeated '*'");
	j = trail_start(s, i, n, &v->trail_star, &v->trail_q);
	if (j == (size_t)-1)
		return flw_diag_set(p->diag, FLW_EFORMAT, attr_names[attr], "repeated '*'");
	v->off = (uint16_t)p->used;
	rc = parse_literal(p, s, i, j, attr);
	if (rc != 0)
		return rc;
	v->len = (uint16_t)(p->used - v->off);
	return put_char(p, '\0');
}

static int check_part(const struct flw_cpe *c, struct flw_diag *diag)
{
	const struct flw_cpe_val *v = &c->attr[FLW_CPE_PART];
	char ch;

	if (v->kind != FLW_CPE_VALUE)
		return 0;
	ch = c->buf[v->off];
	if (v->len != 1 || v->lead_star || v->trail_star || v->lead_q || v->trail_q ||
	    (ch != 'a' && ch != 'o' && ch != 'h'))
		return flw_diag_set(diag, FLW_EFORMAT, "part", "part must be a, o, h, * or -");
	return 0;
}

int flw_cpe_parse(struct flw_cpe *out, const char *s, size_t len, struct flw_diag *diag)
{
	struct flw_cpe c;
	struct cpe_parser p = { .c = &c, .used = 1, .diag = diag };
	size_t pos = 8;
	int attr = 0;
	int done = 0;
	int rc;

	if (len > FLW_CPE_MAX_LEN)
		return flw_diag_set(diag, FLW_ELIMIT, "cpe", "longer than %d bytes",
		                    FLW_CPE_MAX_LEN);
	if (len < 8 || memcmp(s, "cpe:2.3:", 8) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "cpe", "does not start with 'cpe:2.3:'");
	memset(&c, 0, sizeof(c));
	while (attr < _FLW_CPE_ATTR_MAX) {
		size_t end = pos;

		while (end < len && s[end] != ':') {
			if (s[end] == '\\' && end + 1 < len)
				end++;
			else if (s[end] == '\0')
				return flw_diag_set(diag, FLW_EFORMAT, "cpe", "NUL byte");
			end++;
		}
		if (end > len)
			end = len;
		rc = parse_component(&p, s + pos, end - pos, attr);
		if (rc != 0)
			return rc;
		attr++;
		if (end == len) {
			done = 1;
			break;
		}
		pos = end + 1;
	}
	if (!done || attr != _FLW_CPE_ATTR_MAX)
		return flw_diag_set(diag, FLW_EFORMAT, "cpe", "need exactly 13 components");
	rc = check_part(&c, diag);
	if (rc != 0)
		return rc;
	*out = c;
	return 0;
}

const char *flw_cpe_value(const struct flw_cpe *c, enum flw_cpe_attr a)
{
	if (a < 0 || a >= _FLW_CPE_ATTR_MAX || c->attr[a].kind != FLW_CPE_VALUE)
		return "";
	return c->buf + c->attr[a].off;
}

int flw_cpe_has_wildcard(const struct flw_cpe *c, enum flw_cpe_attr a)
{
	const struct flw_cpe_val *v;

	if (a < 0 || a >= _FLW_CPE_ATTR_MAX)
		return 0;
	v = &c->attr[a];
	return v->kind == FLW_CPE_VALUE &&
	       (v->lead_star || v->trail_star || v->lead_q || v->trail_q);
}

/* Does pattern p (wildcards + literal) match the plain string t of length tn? */
static int pattern_match(const struct flw_cpe_val *p, const char *lit, const char *t, size_t tn)
{
	size_t pre_min = p->lead_q;
	size_t pre_max = p->lead_star ? tn : p->lead_q;
	size_t k;

	if (tn < (size_t)p->lead_q + p->len + p->trail_q)
		return 0;
	for (k = pre_min; k <= pre_max && k + p->len <= tn; k++) {
		size_t rest = tn - k - p->len;

		if (memcmp(t + k, lit, p->len) != 0)
			continue;
		if (rest == p->trail_q || (p->trail_star && rest >= p->trail_q))
			return 1;
	}
	return 0;
}

enum flw_cpe_rel flw_cpe_compare_attr(const struct flw_cpe *source, const struct flw_cpe *target,
                                      enum flw_cpe_attr a)
{
	const struct flw_cpe_val *s;
	const struct flw_cpe_val *t;

	if (a < 0 || a >= _FLW_CPE_ATTR_MAX)
		return FLW_CPE_REL_UNDEFINED;
	s = &source->attr[a];
	t = &target->attr[a];
	if (flw_cpe_has_wildcard(target, a))
		return FLW_CPE_REL_UNDEFINED; /* rows 4, 8, 11, 17 */
	if (s->kind == FLW_CPE_ANY)
		return t->kind == FLW_CPE_ANY ? FLW_CPE_REL_EQUAL : FLW_CPE_REL_SUPERSET;
	if (t->kind == FLW_CPE_ANY)
		return FLW_CPE_REL_SUBSET; /* rows 5, 13, 15 */
	if (s->kind == FLW_CPE_NA || t->kind == FLW_CPE_NA)
		return s->kind == t->kind ? FLW_CPE_REL_EQUAL : FLW_CPE_REL_DISJOINT;
	if (flw_cpe_has_wildcard(source, a))
		return pattern_match(s, source->buf + s->off, target->buf + t->off, t->len)
		               ? FLW_CPE_REL_SUPERSET
		               : FLW_CPE_REL_DISJOINT;
	if (s->len == t->len && memcmp(source->buf + s->off, target->buf + t->off, s->len) == 0)
		return FLW_CPE_REL_EQUAL;
	return FLW_CPE_REL_DISJOINT;
}

enum flw_cpe_rel flw_cpe_compare(const struct flw_cpe *source, const struct flw_cpe *target)
{
	unsigned seen = 0;
	int a;

	for (a = 0; a < _FLW_CPE_ATTR_MAX; a++) {
		enum flw_cpe_rel r = flw_cpe_compare_attr(source, target, (enum flw_cpe_attr)a);

		if (r == FLW_CPE_REL_DISJOINT)
			return FLW_CPE_REL_DISJOINT;
		seen |= 1u << r;
	}
	if (seen & (1u << FLW_CPE_REL_UNDEFINED))
		return FLW_CPE_REL_UNDEFINED;
	if (seen == (1u << FLW_CPE_REL_EQUAL))
		return FLW_CPE_REL_EQUAL;
	if (!(seen & (1u << FLW_CPE_REL_SUBSET)))
		return FLW_CPE_REL_SUPERSET;
	if (!(seen & (1u << FLW_CPE_REL_SUPERSET)))
		return FLW_CPE_REL_SUBSET;
	return FLW_CPE_REL_UNDEFINED;
}

int flw_cpe_match(const struct flw_cpe *source, const struct flw_cpe *target)
{
	enum flw_cpe_rel r = flw_cpe_compare(source, target);

	return r == FLW_CPE_REL_SUPERSET || r == FLW_CPE_REL_EQUAL;
}

struct outbuf {
	char *p;
	size_t n;
	size_t used;
};

static int emit(struct outbuf *o, char ch)
{
	if (o->used + 1 >= o->n)
		return FLW_ELIMIT;
	o->p[o->used++] = ch;
	o->p[o->used] = '\0';
	return 0;
}

static int emit_repeat(struct outbuf *o, char ch, unsigned count)
{
	int rc = 0;

	while (count-- > 0 && rc == 0)
		rc = emit(o, ch);
	return rc;
}

static int emit_val(struct outbuf *o, const struct flw_cpe *c, int a)
{
	const struct flw_cpe_val *v = &c->attr[a];
	const char *lit = c->buf + v->off;
	int rc = 0;
	size_t i;

	if (v->kind == FLW_CPE_ANY)
		return emit(o, '*');
	if (v->kind == FLW_CPE_NA)
		return emit(o, '-');
	if (v->lead_star)
		rc = emit(o, '*');
	if (rc == 0)
		rc = emit_repeat(o, '?', v->lead_q);
	for (i = 0; rc == 0 && i < v->len; i++) {
		if (!is_plain((unsigned char)lit[i]) || (i == 0 && v->len == 1 && lit[i] == '-'))
			rc = emit(o, '\\');
		if (rc == 0)
			rc = emit(o, lit[i]);
	}
	if (rc == 0)
		rc = emit_repeat(o, '?', v->trail_q);
	if (rc == 0 && v->trail_star)
		rc = emit(o, '*');
	return rc;
}

int flw_cpe_format(const struct flw_cpe *c, char *out, size_t out_len)
{
	struct outbuf o = { .p = out, .n = out_len, .used = 0 };
	const char *prefix = "cpe:2.3";
	int rc = 0;
	int a;

	if (out_len == 0)
		return FLW_ELIMIT;
	out[0] = '\0';
	while (*prefix && rc == 0)
		rc = emit(&o, *prefix++);
	for (a = 0; a < _FLW_CPE_ATTR_MAX && rc == 0; a++) {
		rc = emit(&o, ':');
		if (rc == 0)
			rc = emit_val(&o, c, a);
	}
	return rc;
}

const char *flw_cpe_rel_to_string(enum flw_cpe_rel r)
{
	static const char *const names[] = { "disjoint", "equal", "subset", "superset",
		                             "undefined" };

	if ((unsigned)r >= FLW_ARRAY_SIZE(names))
		return "invalid";
	return names[r];
}
