/* meta/tuf_signer_p11uri.c - PKCS#11 URIs (RFC 7512), the subset a signing key needs
 *
 *   pkcs11:token=NAME;object=LABEL[;id=%01%02][;serial=..][;manufacturer=..][;model=..]
 *          [;type=private][?module-path=/path/lib.so][&pin-source=file:/path][&pin-value=..]
 *
 * Values are percent-decoded. Unknown attributes, repeated attributes and values beyond the
 * PKCS#11 field sizes are refused with the attribute named: a key spec that is silently
 * half-understood could select the wrong key.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "tuf_signer_impl.h"

#define SCHEME     "pkcs11:"
#define SCHEME_LEN (sizeof(SCHEME) - 1)

int flw_signer__is_p11_uri(const char *spec)
{
	return spec && strncasecmp(spec, SCHEME, SCHEME_LEN) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* percent-decode v[0..n) into out (cap bytes); *len_out decoded length. NUL bytes only when
 * binary. */
static int pct_decode(const char *v, size_t n, unsigned char *out, size_t cap, size_t *len_out,
                      int binary, const char *name, struct flw_diag *diag)
{
	size_t i, o = 0;
	int hi, lo;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)v[i];
		if (c == '%') {
			if (i + 2 >= n)
				goto bad;
			hi = hexval(v[i + 1]);
			lo = hexval(v[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c < 0x21 || c > 0x7e) {
			goto bad;
		}
		if ((c == 0 && !binary) || o >= cap)
			return c == 0 ? flw_diag_set(diag, FLW_EFORMAT, name,
			                             "PKCS#11 URI: '%s' holds a NUL byte", name)
			              : flw_diag_set(diag, FLW_ELIMIT, name,
			                             "PKCS#11 URI: '%s' is longer than %zu bytes",
			                             name, cap);
		out[o++] = c;
	}
	*len_out = o;
	return 0;
bad:
	return flw_diag_set(diag, FLW_EFORMAT, name,
	                    "PKCS#11 URI: bad character or %%-escape in '%s'", name);
}

struct attr {
	const char *name;
	size_t off; /* offset of the field in struct flw_p11_uri */
	size_t cap; /* bytes, without the NUL of strings */
	int query;  /* 1: after '?' */
	int binary; /* id */
};

#define F(field) offsetof(struct flw_p11_uri, field)
static const struct attr attrs[] = {
	{ "token", F(token), 32, 0, 0 },
	{ "manufacturer", F(manufacturer), 32, 0, 0 },
	{ "model", F(model), 16, 0, 0 },
	{ "serial", F(serial), 16, 0, 0 },
	{ "object", F(object), FLW_P11_LABEL_MAX, 0, 0 },
	{ "id", F(id), FLW_P11_ID_MAX, 0, 1 },
	{ "type", 0, 16, 0, 0 }, /* checked, not stored */
	{ "module-path", F(module_path), FLW_P11_PATH_MAX, 1, 0 },
	{ "pin-source", F(pin_source), FLW_P11_PATH_MAX, 1, 0 },
	{ "pin-value", F(pin_value), FLW_P11_PIN_MAX, 1, 0 },
};
#undef F
#define N_ATTRS (sizeof(attrs) / sizeof(attrs[0]))

static int one_attr(struct flw_p11_uri *u, const char *a, size_t n, int query, unsigned *seen,
                    struct flw_diag *diag)
{
	unsigned char val[FLW_P11_PATH_MAX + 1];
	const char *eq = memchr(a, '=', n);
	size_t name_len, len = 0, i;
	const struct attr *at = NULL;
	int rc;

	if (!eq)
		return flw_diag_set(diag, FLW_EFORMAT, NULL,
		                    "PKCS#11 URI: attribute '%.*s' has no '='",
		                    (int)(n > 64 ? 64 : n), a);
	name_len = (size_t)(eq - a);
	for (i = 0; i < N_ATTRS; i++)
		if (strlen(attrs[i].name) == name_len && memcmp(attrs[i].name, a, name_len) == 0)
			at = &attrs[i];
	if (!at || at->query != query)
		return flw_diag_set(
		        diag, FLW_EFORMAT, NULL, "PKCS#11 URI: unsupported %s attribute '%.*s'",
		        query ? "query" : "path", (int)(name_len > 64 ? 64 : name_len), a);
	if (*seen & (1u << (at - attrs)))
		return flw_diag_set(diag, FLW_EFORMAT, at->name, "PKCS#11 URI: '%s' given twice",
		                    at->name);
	*seen |= 1u << (at - attrs);
	rc = pct_decode(eq + 1, n - name_len - 1, val, at->cap, &len, at->binary, at->name, diag);
	if (rc != 0)
		goto out;
	if (strcmp(at->name, "type") == 0) {
		if (len != 7 || memcmp(val, "private", 7) != 0)
			rc = flw_diag_set(diag, FLW_EFORMAT, "type",
			                  "PKCS#11 URI: a signing key is type=private");
		goto out;
	}
	memcpy((unsigned char *)u + at->off, val, len);
	if (at->binary) {
		u->id_len = len;
		u->has_id = 1;
	} else {
		((char *)u + at->off)[len] = '\0';
	}
out:
	flw_memzero(val, sizeof(val));
	return rc;
}

int flw_signer__p11_uri_parse(struct flw_p11_uri *out, const char *uri, struct flw_diag *diag)
{
	const char *p, *end, *sep, *q;
	unsigned seen = 0;
	size_t len;
	int query = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!flw_signer__is_p11_uri(uri))
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "not a PKCS#11 URI (pkcs11:...)");
	len = strnlen(uri, FLW_PKCS11_URI_MAX + 1);
	if (len > FLW_PKCS11_URI_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, NULL, "PKCS#11 URI longer than %d bytes",
		                    FLW_PKCS11_URI_MAX);
	p = uri + SCHEME_LEN;
	end = uri + len;
	q = memchr(p, '?', (size_t)(end - p));
	while (p < end && rc == 0) {
		if (!query && p == q) {
			query = 1;
			p++;
			continue;
		}
		sep = p;
		while (sep < end && *sep != (query ? '&' : ';') && (query || sep != q))
			sep++;
		if (sep > p)
			rc = one_attr(out, p, (size_t)(sep - p), query, &seen, diag);
		p = sep < end && sep != q ? sep + 1 : sep;
	}
	if (rc == 0 && !out->object[0] && !out->has_id)
		rc = flw_diag_set(diag, FLW_EFORMAT, NULL,
		                  "PKCS#11 URI: name the key with object=LABEL (or id=)");
	if (rc == 0 && out->pin_value[0] && out->pin_source[0])
		rc = flw_diag_set(diag, FLW_EFORMAT, "pin-value",
		                  "PKCS#11 URI: give pin-source or pin-value, not both");
	if (rc != 0)
		flw_signer__p11_uri_clear(out);
	return rc;
}

void flw_signer__p11_uri_clear(struct flw_p11_uri *u)
{
	flw_memzero(u->pin_value, sizeof(u->pin_value));
}
