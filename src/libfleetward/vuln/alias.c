/* vuln/alias.c - vendor/product alias table and comparator registry
 *
 * The built-in rows mirror data/aliases.tsv (unit/match checks that they agree). Added rows
 * live in pools owned by the table; lookups scan added rows first, so a loaded file can
 * override a built-in comparator. Tables are small (hundreds of rows) and consulted when a
 * component or record is prepared, never on the match path.
 */
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "vuln_private.h"

static const struct flw_alias_row builtin_rows[] = {
	{ FLW_ALIAS_PRODUCT, "busybox", { "busybox:busybox" }, 1 },
	{ FLW_ALIAS_PRODUCT, "openssl", { "openssl:openssl" }, 1 },
	{ FLW_ALIAS_PRODUCT, "dnsmasq", { "thekelleys:dnsmasq" }, 1 },
	{ FLW_ALIAS_PRODUCT, "dropbear", { "dropbear_ssh_project:dropbear_ssh" }, 1 },
	{ FLW_ALIAS_PRODUCT, "dropbear_ssh", { "dropbear_ssh_project:dropbear_ssh" }, 1 },
	{ FLW_ALIAS_PRODUCT, "lighttpd", { "lighttpd:lighttpd" }, 1 },
	{ FLW_ALIAS_PRODUCT, "uclibc", { "uclibc:uclibc" }, 1 },
	{ FLW_ALIAS_PRODUCT, "uclibc-ng", { "uclibc-ng_project:uclibc-ng" }, 1 },
	{ FLW_ALIAS_PRODUCT, "glibc", { "gnu:glibc" }, 1 },
	{ FLW_ALIAS_PRODUCT, "curl", { "haxx:curl" }, 1 },
	{ FLW_ALIAS_PRODUCT, "libcurl", { "haxx:libcurl" }, 1 },
	{ FLW_ALIAS_PRODUCT, "zlib", { "zlib:zlib" }, 1 },
	{ FLW_ALIAS_PRODUCT, "openssh", { "openbsd:openssh" }, 1 },
	{ FLW_ALIAS_PRODUCT, "mbedtls", { "arm:mbed_tls" }, 1 },
	{ FLW_ALIAS_PRODUCT, "mbed_tls", { "arm:mbed_tls" }, 1 },
	{ FLW_ALIAS_PRODUCT, "wolfssl", { "wolfssl:wolfssl" }, 1 },
	{ FLW_ALIAS_PRODUCT, "u-boot", { "denx:u-boot" }, 1 },
	{ FLW_ALIAS_PRODUCT, "linux", { "linux:linux_kernel" }, 1 },
	{ FLW_ALIAS_PRODUCT, "linux_kernel", { "linux:linux_kernel" }, 1 },
	{ FLW_ALIAS_PRODUCT, "libxml2", { "xmlsoft:libxml2" }, 1 },
	{ FLW_ALIAS_PRODUCT, "sqlite", { "sqlite:sqlite" }, 1 },
	{ FLW_ALIAS_PRODUCT, "hostapd", { "w1.fi:hostapd" }, 1 },
	{ FLW_ALIAS_PRODUCT, "wpa_supplicant", { "w1.fi:wpa_supplicant" }, 1 },
	{ FLW_ALIAS_PRODUCT, "mosquitto", { "eclipse:mosquitto" }, 1 },
	{ FLW_ALIAS_PRODUCT, "nginx", { "f5:nginx", "nginx:nginx" }, 2 },
	{ FLW_ALIAS_PRODUCT, "expat", { "libexpat_project:libexpat" }, 1 },
	{ FLW_ALIAS_PRODUCT, "libexpat", { "libexpat_project:libexpat" }, 1 },
	{ FLW_ALIAS_VENDOR, "dlink", { "d-link" }, 1 },
	{ FLW_ALIAS_VENDOR, "tp-link", { "tp_link" }, 1 },
	{ FLW_ALIAS_SCHEME, "openssl:openssl", { "openssl" }, 1 },
	{ FLW_ALIAS_SCHEME, "busybox:busybox", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "thekelleys:dnsmasq", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "dropbear_ssh_project:dropbear_ssh", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "lighttpd:lighttpd", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "uclibc:uclibc", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "uclibc-ng_project:uclibc-ng", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "gnu:glibc", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "haxx:curl", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "zlib:zlib", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "arm:mbed_tls", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "wolfssl:wolfssl", { "generic" }, 1 },
	{ FLW_ALIAS_SCHEME, "linux:linux_kernel", { "generic" }, 1 },
};

static const struct flw_alias_table default_table = {
	.builtin = builtin_rows,
	.n_builtin = FLW_ARRAY_SIZE(builtin_rows),
};

const struct flw_alias_table *flw_alias_table_default(void)
{
	return &default_table;
}

uint64_t flw_vuln__key(const char *vendor, size_t vlen, const char *product, size_t plen)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < vlen; i++)
		h = (h ^ (unsigned char)vendor[i]) * 1099511628211ull;
	h = (h ^ (unsigned char)':') * 1099511628211ull;
	for (i = 0; i < plen; i++)
		h = (h ^ (unsigned char)product[i]) * 1099511628211ull;
	return h ? h : 1; /* 0 means "no key" */
}

int flw_alias_table_new(struct flw_alias_table **out, struct flw_diag *diag)
{
	struct flw_alias_table *t = flw_calloc(1, sizeof(*t));

	if (!t)
		return flw_diag_set(diag, FLW_ENOMEM, "aliases", "out of memory");
	t->builtin = builtin_rows;
	t->n_builtin = FLW_ARRAY_SIZE(builtin_rows);
	*out = t;
	return 0;
}

void flw_alias_table_free(struct flw_alias_table *t)
{
	size_t i;

	if (!t || t == &default_table)
		return;
	for (i = 0; i < t->n_pools; i++)
		flw_free(t->pools[i]);
	flw_free(t->pools);
	flw_free(t->rows);
	flw_free(t);
}

const struct flw_alias_row *flw_alias__row(const struct flw_alias_table *t, size_t i)
{
	if (i < t->n_builtin)
		return &t->builtin[i];
	i -= t->n_builtin;
	return i < t->n_rows ? &t->rows[i] : NULL;
}

static int name_ok(const char *s, int colons)
{
	size_t n = 0;
	int seen = 0;

	for (; *s; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c == ':') {
			seen++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '+'))
			return 0;
	}
	return n > 0 && n <= 255 && seen == colons;
}

static const char *const kind_names[_FLW_ALIAS_KIND_MAX] = { "product", "vendor", "scheme" };

/* Split one NUL-terminated line (tabs become NULs) into row; 0 or FLW_EFORMAT. */
static int parse_row(char *line, struct flw_alias_row *row, unsigned lineno, struct flw_diag *diag)
{
	char *f[FLW_ALIAS_MAX_VALUES + 2];
	size_t n = 0;
	size_t i;
	int k;

	while (n < FLW_ARRAY_SIZE(f)) {
		char *tab = strchr(line, '\t');

		f[n++] = line;
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
		if (n == FLW_ARRAY_SIZE(f))
			return flw_diag_set(diag, FLW_EFORMAT, "aliases",
			                    "line %u: too many values", lineno);
	}
	for (k = 0; k < _FLW_ALIAS_KIND_MAX; k++)
		if (strcmp(f[0], kind_names[k]) == 0)
			break;
	if (k == _FLW_ALIAS_KIND_MAX || n < 3)
		return flw_diag_set(diag, FLW_EFORMAT, "aliases",
		                    "line %u: need kind, key and values", lineno);
	memset(row, 0, sizeof(*row));
	row->kind = k;
	row->key = f[1];
	row->n_vals = n - 2;
	for (i = 2; i < n; i++)
		row->vals[i - 2] = f[i];
	if (!name_ok(row->key, k == FLW_ALIAS_SCHEME ? 1 : 0))
		return flw_diag_set(diag, FLW_EFORMAT, "aliases", "line %u: bad key '%s'", lineno,
		                    row->key);
	for (i = 0; i < row->n_vals; i++) {
		int ok = k == FLW_ALIAS_SCHEME ? flw_vscheme_from_string(row->vals[i]) >= 0
		                               : name_ok(row->vals[i], k == FLW_ALIAS_PRODUCT);

		if (!ok || (k == FLW_ALIAS_SCHEME && row->n_vals != 1))
			return flw_diag_set(diag, FLW_EFORMAT, "aliases", "line %u: bad value '%s'",
			                    lineno, row->vals[i]);
	}
	return 0;
}

static int parse_text(char *text, struct flw_alias_row *rows, size_t *n_rows, size_t max_rows,
                      struct flw_diag *diag)
{
	unsigned lineno = 0;
	char *line = text;
	int rc;

	while (line && *line) {
		char *nl = strchr(line, '\n');

		lineno++;
		if (nl)
			*nl = '\0';
		if (nl && nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (line[0] != '#' && line[0] != '\0') {
			if (*n_rows >= max_rows)
				return flw_diag_set(diag, FLW_ELIMIT, "aliases",
				                    "more than %u rows", FLW_ALIAS_MAX_ROWS);
			rc = parse_row(line, &rows[*n_rows], lineno, diag);
			if (rc != 0)
				return rc;
			(*n_rows)++;
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int flw_alias_table_load(struct flw_alias_table *t, const char *data, size_t len,
                         struct flw_diag *diag)
{
	char *text = NULL;
	char **pools = NULL;
	struct flw_alias_row *rows = NULL;
	size_t n = 0;
	size_t lines = 1;
	size_t i;
	int rc = FLW_ENOMEM;

	if (t == &default_table)
		return flw_diag_set(diag, FLW_EINVAL, "aliases", "built-in table is read-only");
	if (len > FLW_ALIAS_MAX_BYTES)
		return flw_diag_set(diag, FLW_ELIMIT, "aliases", "larger than %u bytes",
		                    FLW_ALIAS_MAX_BYTES);
	if (memchr(data, '\0', len))
		return flw_diag_set(diag, FLW_EFORMAT, "aliases", "NUL byte");
	for (i = 0; i < len; i++)
		lines += data[i] == '\n';
	if (lines > FLW_ALIAS_MAX_ROWS)
		lines = FLW_ALIAS_MAX_ROWS;
	text = flw_strndup(data, len);
	rows = flw_reallocarray(t->rows, t->n_rows + lines, sizeof(*rows));
	if (!text || !rows)
		goto out;
	t->rows = rows;
	pools = flw_reallocarray(t->pools, t->n_pools + 1, sizeof(*pools));
	if (!pools)
		goto out;
	t->pools = pools;
	rc = parse_text(text, rows + t->n_rows, &n, lines, diag);
	if (rc != 0)
		goto out;
	t->pools[t->n_pools++] = text;
	text = NULL;
	t->n_rows += n;
	rc = 0;
out:
	if (rc == FLW_ENOMEM)
		flw_diag_set(diag, FLW_ENOMEM, "aliases", "out of memory");
	flw_free(text);
	return rc;
}

enum flw_vscheme flw_alias_scheme(const struct flw_alias_table *t, const char *vendor,
                                  const char *product, int *known)
{
	size_t vlen = strlen(vendor);
	size_t total = t->n_builtin + t->n_rows;
	size_t i;

	for (i = total; i-- > 0;) {
		const struct flw_alias_row *r = flw_alias__row(t, i);

		if (r->kind != FLW_ALIAS_SCHEME || strncmp(r->key, vendor, vlen) != 0 ||
		    r->key[vlen] != ':' || strcmp(r->key + vlen + 1, product) != 0)
			continue;
		if (known)
			*known = 1;
		return flw_vscheme_from_string(r->vals[0]);
	}
	if (known)
		*known = 0;
	return FLW_VSCHEME_GENERIC;
}

enum flw_vscheme flw_vuln__scheme(const char *vendor, const char *product, int *known)
{
	return flw_alias_scheme(&default_table, vendor, product, known);
}

int flw_vuln__norm_name(char *out, size_t out_len, const char *in)
{
	size_t n = 0;

	for (; *in; in++) {
		char c = *in;

		if (n + 1 >= out_len)
			return -1;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == ' ' || c == '\t')
			c = '_';
		out[n++] = c;
	}
	out[n] = '\0';
	return (int)n;
}

int flw_vuln__pool_put(char **pool, size_t *len, size_t *cap, const void *data, size_t n,
                       uint32_t *off)
{
	if (n > UINT32_MAX / 2 || *len + n + 1 > UINT32_MAX / 2)
		return FLW_ELIMIT;
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		char *p;

		while (ncap < *len + n + 1)
			ncap *= 2;
		p = flw_reallocarray(*pool, ncap, 1);
		if (!p)
			return FLW_ENOMEM;
		*pool = p;
		*cap = ncap;
	}
	if (n)
		memcpy(*pool + *len, data, n);
	(*pool)[*len + n] = '\0';
	*off = (uint32_t)*len;
	*len += n + 1;
	return 0;
}
