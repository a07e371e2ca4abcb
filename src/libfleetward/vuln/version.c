/* vuln/version.c - version strings to memcmp-ordered sort keys, one encoder per scheme
 *
 * GENERIC/OPENSSL key: a token sequence followed by END (0x02). Token type bytes order
 * PRE (0x01) < END (0x02) < ALPHA (0x03) < NUM (0x04), so at the first difference:
 *   a pre-release word sorts before the end of the other version (2.90test3 < 2.90),
 *   a letter run sorts after it (1.1.1 < 1.1.1a) and before a number (1.0a < 1.0.1).
 * NUM = 0x04, digit count, digits (leading zeros dropped). ALPHA = 0x03, letters, 0x00
 * (GENERIC: "z" < "za" < "zb"), or 0x03, length, letters (OPENSSL: length first). PRE = 0x01,
 * rank. Zero numbers right before a non-number or the end are dropped (3.0 == 3.0.0,
 * 1.0-rc1 == 1.0.0-rc1). Tokens are self-delimiting, so both keys are at a token boundary
 * wherever they first differ.
 *
 * DEB key (dpkg verrevcmp): epoch as NUM, then upstream and revision, each as alternating
 * non-digit runs (byte weights '~' 1 < end 2 < letters < + - . :, then terminator 2) and digit
 * runs (count, digits), closed by 2. Absent revision encodes like "0", as dpkg compares them.
 */
#include <string.h>

#include "fleetward/error.h"
#include "fleetward/version.h"

#define T_PRE   0x01
#define T_END   0x02
#define T_ALPHA 0x03
#define T_NUM   0x04

#define MAX_DIGITS 16
#define MAX_ALPHA  7

struct key {
	unsigned char *p;
	size_t len;
};

static int kput(struct key *k, unsigned char b)
{
	if (k->len >= FLW_VERSION_KEY_MAX)
		return FLW_ELIMIT;
	k->p[k->len++] = b;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int is_sep(char c)
{
	return c == '.' || c == '-' || c == '_' || c == '+';
}

/* Pre-release words and their rank. */
static const struct {
	const char *word;
	unsigned char rank;
} pre_words[] = {
	{ "dev", 1 },     { "alpha", 2 }, { "beta", 3 }, { "pre", 4 },
	{ "preview", 4 }, { "test", 5 },  { "rc", 6 },
};

static int pre_rank(const char *s, size_t n)
{
	size_t i;
	size_t j;

	for (i = 0; i < FLW_ARRAY_SIZE(pre_words); i++) {
		if (strlen(pre_words[i].word) != n)
			continue;
		for (j = 0; j < n && lower(s[j]) == pre_words[i].word[j]; j++)
			;
		if (j == n)
			return pre_words[i].rank;
	}
	return 0;
}

/* Append a digit run (leading zeros dropped) as count + digits. */
static int put_number(struct key *k, const char *s, size_t n, struct flw_diag *diag)
{
	int rc;

	while (n > 1 && *s == '0') {
		s++;
		n--;
	}
	if (n == 1 && *s == '0')
		n = 0;
	if (n > MAX_DIGITS)
		return flw_diag_set(diag, FLW_ELIMIT, "version", "number longer than %d digits",
		                    MAX_DIGITS);
	rc = kput(k, (unsigned char)n);
	while (rc == 0 && n-- > 0)
		rc = kput(k, (unsigned char)*s++);
	return rc;
}

static int put_alpha(struct key *k, const char *s, size_t n, int openssl, struct flw_diag *diag)
{
	int rank = pre_rank(s, n);
	int rc;

	if (rank > 0) {
		rc = kput(k, T_PRE);
		return rc ? rc : kput(k, (unsigned char)rank);
	}
	if (n > MAX_ALPHA)
		return flw_diag_set(diag, FLW_ELIMIT, "version", "letter run longer than %d",
		                    MAX_ALPHA);
	rc = kput(k, T_ALPHA);
	if (rc == 0 && openssl)
		rc = kput(k, (unsigned char)n);
	while (rc == 0 && n-- > 0)
		rc = kput(k, (unsigned char)lower(*s++));
	if (rc == 0 && !openssl)
		rc = kput(k, 0);
	return rc;
}

static int encode_generic(struct key *k, const char *s, size_t n, int openssl,
                          struct flw_diag *diag)
{
	size_t i = 0;
	size_t zeros_at = (size_t)-1; /* key offset where a run of zero NUM tokens starts */
	int rc = 0;

	if (n > 1 && (s[0] == 'v' || s[0] == 'V') && is_digit(s[1]))
		i = 1;
	if (i >= n || !is_digit(s[i]))
		return flw_diag_set(diag, FLW_EFORMAT, "version", "must start with a digit");
	while (i < n && rc == 0) {
		size_t j = i;

		if (is_sep(s[i])) {
			if (i + 1 >= n || is_sep(s[i + 1]))
				return flw_diag_set(diag, FLW_EFORMAT, "version",
				                    "empty component at offset %zu", i);
			i++;
			continue;
		}
		if (is_digit(s[i])) {
			while (j < n && is_digit(s[j]))
				j++;
			if (zeros_at == (size_t)-1)
				zeros_at = k->len;
			rc = kput(k, T_NUM);
			if (rc == 0)
				rc = put_number(k, s + i, j - i, diag);
			if (rc == 0 && k->p[k->len - 1] != 0)
				zeros_at = (size_t)-1;
		} else if (is_alpha(s[i])) {
			while (j < n && is_alpha(s[j]))
				j++;
			if (zeros_at != (size_t)-1)
				k->len = zeros_at; /* 1.0a == 1a, 1.0-rc1 == 1-rc1 */
			zeros_at = (size_t)-1;
			rc = put_alpha(k, s + i, j - i, openssl, diag);
		} else {
			return flw_diag_set(diag, FLW_EFORMAT, "version",
			                    "character 0x%02x at offset %zu", (unsigned char)s[i],
			                    i);
		}
		i = j;
	}
	if (rc == 0 && zeros_at != (size_t)-1)
		k->len = zeros_at;
	return rc ? rc : kput(k, T_END);
}

static unsigned char deb_weight(char c)
{
	switch (c) {
	case '~':
		return 1;
	case '+':
		return 201;
	case '-':
		return 202;
	case '.':
		return 203;
	case ':':
		return 204;
	default:
		return (unsigned char)c; /* letters: 65..122 */
	}
}

/* One dpkg part (upstream or revision), chars already validated. */
static int encode_deb_part(struct key *k, const char *s, size_t n, struct flw_diag *diag)
{
	size_t i = 0;
	int rc = 0;

	do {
		size_t j;

		while (rc == 0 && i < n && !is_digit(s[i]))
			rc = kput(k, deb_weight(s[i++]));
		if (rc == 0)
			rc = kput(k, T_END);
		for (j = i; j < n && is_digit(s[j]); j++)
			;
		if (rc == 0)
			rc = put_number(k, s + i, j - i, diag);
		i = j;
	} while (rc == 0 && i < n);
	return rc ? rc : kput(k, T_END);
}

static int deb_chars_ok(const char *s, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]) && !is_alpha(s[i]) && !strchr(extra, s[i]))
			return 0;
	return 1;
}

int flw_version_deb_upstream(const char *str, size_t len, size_t *off, size_t *out_len)
{
	const char *colon = memchr(str, ':', len);
	size_t start = 0;
	size_t end = len;
	size_t i;

	if (colon) {
		start = (size_t)(colon - str) + 1;
		if (start == 1 || !deb_chars_ok(str, start - 1, "") || !is_digit(str[0]) ||
		    memchr(str, ':', start - 1))
			return FLW_EFORMAT;
		for (i = 0; i < start - 1; i++)
			if (!is_digit(str[i]))
				return FLW_EFORMAT;
	}
	for (i = len; i > start; i--)
		if (str[i - 1] == '-') {
			end = i - 1;
			break;
		}
	if (end < len && (end + 1 == len || !deb_chars_ok(str + end + 1, len - end - 1, ".+~")))
		return FLW_EFORMAT;
	if (end <= start || !is_digit(str[start]) ||
	    !deb_chars_ok(str + start, end - start, end < len ? ".+~-:" : ".+~:"))
		return FLW_EFORMAT;
	if (!colon && memchr(str + start, ':', end - start))
		return FLW_EFORMAT;
	*off = start;
	*out_len = end - start;
	return 0;
}

static int encode_deb(struct key *k, const char *s, size_t n, struct flw_diag *diag)
{
	size_t off;
	size_t ulen;
	const char *colon = memchr(s, ':', n);
	int rc;

	if (flw_version_deb_upstream(s, n, &off, &ulen) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "version", "not a Debian version");
	rc = kput(k, T_NUM);
	if (rc == 0)
		rc = put_number(k, s, colon ? (size_t)(colon - s) : 0, diag);
	if (rc == 0)
		rc = encode_deb_part(k, s + off, ulen, diag);
	if (rc == 0 && off + ulen < n)
		rc = encode_deb_part(k, s + off + ulen + 1, n - off - ulen - 1, diag);
	else if (rc == 0)
		rc = encode_deb_part(k, "", 0, diag);
	return rc;
}

int flw_version_parse(struct flw_version *out, enum flw_vscheme scheme, const char *str, size_t len,
                      struct flw_diag *diag)
{
	struct flw_version v;
	struct key k = { .p = v.key, .len = 0 };
	int rc;

	if (scheme < 0 || scheme >= _FLW_VSCHEME_MAX)
		return flw_diag_set(diag, FLW_EINVAL, "version", "unknown scheme %d", scheme);
	if (len > FLW_VERSION_MAX_LEN)
		return flw_diag_set(diag, FLW_ELIMIT, "version", "longer than %d bytes",
		                    FLW_VERSION_MAX_LEN);
	if (len == 0 || memchr(str, '\0', len))
		return flw_diag_set(diag, FLW_EFORMAT, "version", "empty or NUL byte");
	if (scheme == FLW_VSCHEME_DEB)
		rc = encode_deb(&k, str, len, diag);
	else
		rc = encode_generic(&k, str, len, scheme == FLW_VSCHEME_OPENSSL, diag);
	if (rc == FLW_ELIMIT && (!diag || diag->code != FLW_ELIMIT))
		rc = flw_diag_set(diag, FLW_ELIMIT, "version", "sort key too long");
	if (rc != 0)
		return rc;
	v.scheme = (uint8_t)scheme;
	v.len = (uint8_t)k.len;
	*out = v;
	return 0;
}

int flw_version_compare(const struct flw_version *a, const struct flw_version *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int r;

	if (a->scheme != b->scheme)
		return a->scheme < b->scheme ? -1 : 1;
	r = memcmp(a->key, b->key, n);
	if (r != 0)
		return r < 0 ? -1 : 1;
	return a->len == b->len ? 0 : (a->len < b->len ? -1 : 1);
}

int flw_version_cmp(enum flw_vscheme scheme, const char *a, const char *b, int *out)
{
	struct flw_version va;
	struct flw_version vb;
	int rc;

	rc = flw_version_parse(&va, scheme, a, strlen(a), NULL);
	if (rc == 0)
		rc = flw_version_parse(&vb, scheme, b, strlen(b), NULL);
	if (rc != 0)
		return rc;
	*out = flw_version_compare(&va, &vb);
	return 0;
}

static const char *const scheme_names[_FLW_VSCHEME_MAX] = { "generic", "openssl", "deb" };

const char *flw_vscheme_to_string(enum flw_vscheme s)
{
	if (s < 0 || s >= _FLW_VSCHEME_MAX)
		return "invalid";
	return scheme_names[s];
}

enum flw_vscheme flw_vscheme_from_string(const char *s)
{
	int i;

	for (i = 0; i < _FLW_VSCHEME_MAX; i++)
		if (strcmp(s, scheme_names[i]) == 0)
			return (enum flw_vscheme)i;
	return _FLW_VSCHEME_INVALID;
}
