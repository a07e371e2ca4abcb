/* vuln/affected.c - parse CVE JSON 5 "affected" arrays (cve-schema v5 versions.md semantics)
 *
 * Each product entry keeps its normalised vendor:product key (0 for "n/a"), the keys of its
 * cpes[] names, defaultStatus and its version objects in order. Ranges are evaluable only
 * with a known ordering: versionType semver, or custom/absent for a product whose comparator
 * the registry lists; everything else is kept but marked AV_UNEVAL (REVIEW at best).
 * A cpes[] entry that is not a CPE 2.3 name (a CPE 2.2 URI "cpe:/o:redhat:...", anything
 * else) is skipped on its own and listed (flw_vuln_affected_skipped), never converted: its
 * product entry still matches by vendor/product and its other cpes.
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "vuln_private.h"

struct aff_parser {
	struct flw_vuln_affected *a;
	struct flw_diag *diag;
	unsigned pi, vi;
	size_t cpe_cap;
	size_t ch_cap;
	size_t skip_cap;
};

static int fail(struct aff_parser *p, int code, const char *what)
{
	char path[FLW_DIAG_PATH_MAX];

	snprintf(path, sizeof(path), "affected[%u].versions[%u]", p->pi, p->vi);
	return flw_diag_set(p->diag, code, path, "%s", what);
}

static int put(struct aff_parser *p, const void *s, size_t n, uint32_t *off)
{
	struct flw_vuln_affected *a = p->a;
	int rc = flw_vuln__pool_put(&a->pool, &a->pool_len, &a->pool_cap, s, n, off);

	return rc ? fail(p, rc, rc == FLW_ENOMEM ? "out of memory" : "record too large") : 0;
}

static int str_field(const json_t *o, const char *key, const char **out, struct aff_parser *p)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) > FLW_VULN_MAX_STR)
		return fail(p, FLW_EFORMAT, key);
	*out = json_string_value(v);
	return 0;
}

static int status_of(const char *s, uint8_t *out)
{
	static const char *const names[] = { "unknown", "affected", "unaffected" };
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	return FLW_EFORMAT;
}

/* Parse s into a key in the pool; returns 1 on success, 0 if not a version, <0 on error. */
static int put_key(struct aff_parser *p, const char *s, size_t n, enum flw_vscheme scheme,
                   uint32_t *off, uint8_t *len)
{
	struct flw_version v;
	int rc;

	if (flw_version_parse(&v, scheme, s, n, NULL) != 0)
		return 0;
	rc = put(p, v.key, v.len, off);
	*len = v.len;
	return rc ? rc : 1;
}

static int no_lower(const char *s)
{
	return strcmp(s, "0") == 0 || strcmp(s, "*") == 0 || s[0] == '\0' ||
	       strcmp(s, "unspecified") == 0;
}

static int upper(struct aff_parser *p, struct flw_vuln_aver *v, const char *hi, int scheme)
{
	size_t n = strlen(hi);
	int rc;

	if (strcmp(hi, "*") == 0) {
		v->flags |= AV_HI_INF;
		return 0;
	}
	if (n > 2 && hi[n - 1] == '*' && hi[n - 2] == '.') {
		v->flags |= AV_HI_PREFIX;
		n -= 2;
	}
	rc = put_key(p, hi, n, (enum flw_vscheme)scheme, &v->hi_key_off, &v->hi_key_len);
	if (rc == 0)
		v->flags |= AV_UNEVAL;
	else if (rc > 0 && (v->flags & AV_HI_PREFIX))
		v->hi_key_len--; /* drop END: a prefix of every 2.x key */
	return rc < 0 ? rc : 0;
}

static int changes(struct aff_parser *p, const json_t *arr, struct flw_vuln_aver *v, int scheme)
{
	struct flw_vuln_affected *a = p->a;
	const json_t *c;
	size_t i;
	int rc;

	if (!json_is_array(arr) || json_array_size(arr) > FLW_VULN_MAX_CHANGES)
		return fail(p, json_is_array(arr) ? FLW_ELIMIT : FLW_EFORMAT, "changes");
	if (a->n_changes + json_array_size(arr) > p->ch_cap) {
		size_t ncap = (p->ch_cap + json_array_size(arr)) * 2;
		struct flw_vuln_achange *n = flw_reallocarray(a->changes, ncap, sizeof(*n));

		if (!n)
			return fail(p, FLW_ENOMEM, "out of memory");
		a->changes = n;
		p->ch_cap = ncap;
	}
	v->first_change = (uint32_t)a->n_changes;
	json_array_foreach(arr, i, c)
	{
		struct flw_vuln_achange *ch = &a->changes[a->n_changes];
		const char *at;
		const char *st;

		if ((rc = str_field(c, "at", &at, p)) != 0 || (rc = str_field(c, "status", &st, p)))
			return rc;
		if (!at || !st || status_of(st, &ch->status) != 0)
			return fail(p, FLW_EFORMAT, "change needs 'at' and 'status'");
		rc = put_key(p, at, strlen(at), (enum flw_vscheme)scheme, &ch->key_off,
		             &ch->key_len);
		if (rc < 0)
			return rc;
		if (rc == 0)
			v->flags |= AV_UNEVAL;
		a->n_changes++;
	}
	v->n_changes = (uint32_t)json_array_size(arr);
	return 0;
}

static int range_ok(const char *type, int known)
{
	if (!type || strcmp(type, "custom") == 0)
		return known;
	return strcmp(type, "semver") == 0;
}

static int one_version(struct aff_parser *p, const json_t *o, struct flw_vuln_aver *v,
                       const struct flw_vuln_aprod *pr, int known)
{
	const char *ver;
	const char *st;
	const char *type;
	const char *lt;
	const char *le;
	int rc;

	memset(v, 0, sizeof(*v));
	v->hi_off = FLW_VULN_NOSTR;
	if ((rc = str_field(o, "version", &ver, p)) != 0 || (rc = str_field(o, "status", &st, p)) ||
	    (rc = str_field(o, "versionType", &type, p)) ||
	    (rc = str_field(o, "lessThan", &lt, p)) ||
	    (rc = str_field(o, "lessThanOrEqual", &le, p)))
		return rc;
	if (!ver || !st || status_of(st, &v->status) != 0)
		return fail(p, FLW_EFORMAT, "need 'version' and a valid 'status'");
	if (lt && le)
		return fail(p, FLW_EFORMAT, "both lessThan and lessThanOrEqual");
	if ((rc = put(p, ver, strlen(ver), &v->ver_off)) != 0)
		return rc;
	if (!lt && !le) {
		rc = put_key(p, ver, strlen(ver), (enum flw_vscheme)pr->scheme, &v->lo_key_off,
		             &v->lo_key_len);
		if (rc == 0)
			v->flags |= AV_STRING;
		return rc < 0 ? rc : 0;
	}
	v->flags |= AV_RANGE | (le ? AV_HI_INCL : 0);
	if ((rc = put(p, lt ? lt : le, strlen(lt ? lt : le), &v->hi_off)) != 0)
		return rc;
	if (!range_ok(type, known))
		v->flags |= AV_UNEVAL;
	if (no_lower(ver))
		v->flags |= AV_NO_LOWER;
	else if ((rc = put_key(p, ver, strlen(ver), (enum flw_vscheme)pr->scheme, &v->lo_key_off,
	                       &v->lo_key_len)) <= 0)
		v->flags |= rc == 0 ? AV_UNEVAL : 0;
	if (rc < 0 || (rc = upper(p, v, lt ? lt : le, pr->scheme)) != 0)
		return rc;
	if (json_object_get(o, "changes"))
		return changes(p, json_object_get(o, "changes"), v, pr->scheme);
	return 0;
}

/* A cpes[] entry that is not a CPE 2.3 name: remembered (reported by the feed), not matched. */
static int skip_cpe(struct aff_parser *p, unsigned ci, const json_t *c, int code)
{
	struct flw_vuln_affected *a = p->a;
	const char *s = json_is_string(c) ? json_string_value(c) : "";
	size_t n = json_is_string(c) ? json_string_length(c) : 0;
	struct flw_vuln_affected_skip *sk;
	int rc;

	if (a->n_skips == p->skip_cap) {
		size_t ncap = p->skip_cap ? p->skip_cap * 2 : 4;
		struct flw_vuln_affected_skip *k = flw_reallocarray(a->skips, ncap, sizeof(*k));
		uint32_t *o;

		if (k)
			a->skips = k;
		o = k ? flw_reallocarray(a->skip_text_off, ncap, sizeof(*o)) : NULL;
		if (!o)
			return fail(p, FLW_ENOMEM, "out of memory");
		a->skip_text_off = o;
		p->skip_cap = ncap;
	}
	sk = &a->skips[a->n_skips];
	memset(sk, 0, sizeof(*sk));
	sk->product = p->pi;
	sk->cpe = ci;
	sk->code = code;
	if (!json_is_string(c))
		sk->reason = "not a string";
	else if (code == FLW_ELIMIT)
		sk->reason = "longer than a CPE name may be";
	else if (strncmp(s, "cpe:/", 5) == 0)
		sk->reason = "a CPE 2.2 URI, not a CPE 2.3 name (never converted)";
	else
		sk->reason = "not a CPE 2.3 name";
	rc = put(p, s, n > FLW_CPE_MAX_LEN ? FLW_CPE_MAX_LEN : n, &a->skip_text_off[a->n_skips]);
	if (rc != 0)
		return rc;
	a->n_skips++;
	return 0;
}

/* 1: added, 0: skipped (not a CPE 2.3 name), <0: error */
static int add_cpe_key(struct aff_parser *p, unsigned ci, const json_t *c)
{
	struct flw_vuln_affected *a = p->a;
	struct flw_cpe cpe;
	const char *v;
	const char *pr;
	char name[FLW_CPE_VALUES_MAX + 2];
	int rc;

	if (!json_is_string(c))
		return skip_cpe(p, ci, c, FLW_EFORMAT);
	if (json_string_length(c) > FLW_CPE_MAX_LEN)
		return skip_cpe(p, ci, c, FLW_ELIMIT);
	rc = flw_cpe_parse(&cpe, json_string_value(c), json_string_length(c), NULL);
	if (rc == FLW_EFORMAT || rc == FLW_ELIMIT)
		return skip_cpe(p, ci, c, rc);
	if (rc != 0)
		return fail(p, rc, "cpes");
	if (a->n_cpe == p->cpe_cap) {
		size_t ncap = p->cpe_cap ? p->cpe_cap * 2 : 4;
		uint64_t *k = flw_reallocarray(a->cpe_keys, ncap, sizeof(*k));
		uint32_t *o;

		if (k)
			a->cpe_keys = k;
		o = k ? flw_reallocarray(a->cpe_name_off, ncap, sizeof(*o)) : NULL;
		if (!o)
			return fail(p, FLW_ENOMEM, "out of memory");
		a->cpe_name_off = o;
		p->cpe_cap = ncap;
	}
	v = flw_cpe_value(&cpe, FLW_CPE_VENDOR);
	pr = flw_cpe_value(&cpe, FLW_CPE_PRODUCT);
	snprintf(name, sizeof(name), "%s:%s", v, pr);
	if ((rc = put(p, name, strlen(name), &a->cpe_name_off[a->n_cpe])) != 0)
		return rc;
	a->cpe_keys[a->n_cpe++] = flw_cpe_has_wildcard(&cpe, FLW_CPE_VENDOR) || !*v || !*pr
	                                  ? 0
	                                  : flw_vuln__key(v, strlen(v), pr, strlen(pr));
	return 1;
}

/* vendor/product (or collectionURL/packageName) and cpes[]; sets scheme and known. */
static int names(struct aff_parser *p, const json_t *o, struct flw_vuln_aprod *pr, int *known)
{
	const json_t *cpes = json_object_get(o, "cpes");
	const char *vendor;
	const char *product;
	char v[FLW_VULN_MAX_STR + 1];
	char n[FLW_VULN_MAX_STR + 1];
	char both[2 * FLW_VULN_MAX_STR + 2];
	const json_t *c;
	size_t i;
	int rc;

	if ((rc = str_field(o, "vendor", &vendor, p)) != 0 ||
	    (rc = str_field(o, "product", &product, p)) != 0)
		return rc;
	if (!product && (rc = str_field(o, "packageName", &product, p)) == 0)
		rc = str_field(o, "collectionURL", &vendor, p);
	if (rc != 0)
		return rc;
	if (flw_vuln__norm_name(v, sizeof(v), vendor ? vendor : "") < 0 ||
	    flw_vuln__norm_name(n, sizeof(n), product ? product : "") < 0)
		return fail(p, FLW_ELIMIT, "name too long");
	snprintf(both, sizeof(both), "%s:%s", v, n);
	if ((rc = put(p, both, strlen(both), &pr->name_off)) != 0 ||
	    (rc = put(p, v, strlen(v), &pr->vendor_off)) != 0 ||
	    (rc = put(p, n, strlen(n), &pr->product_off)) != 0)
		return rc;
	pr->key = (!*n || strcmp(n, "n/a") == 0 || strcmp(v, "n/a") == 0)
	                  ? 0
	                  : flw_vuln__key(v, strlen(v), n, strlen(n));
	pr->scheme = (uint8_t)flw_vuln__scheme(v, n, known);
	pr->first_cpe = (uint32_t)p->a->n_cpe;
	if (cpes && (!json_is_array(cpes) || json_array_size(cpes) > FLW_VULN_MAX_VERSIONS))
		return fail(p, FLW_EFORMAT, "cpes");
	json_array_foreach(cpes, i, c)
	{
		const char *cv;
		int k = 0;

		if ((rc = add_cpe_key(p, (unsigned)i, c)) <= 0) {
			if (rc < 0)
				return rc;
			continue; /* skipped: the entry still matches by its other names */
		}
		cv = p->a->pool + p->a->cpe_name_off[p->a->n_cpe - 1];
		if (!*known) { /* e.g. CNA "OpenSSL" + ADP cpe openssl:openssl */
			char vv[FLW_CPE_VALUES_MAX];
			const char *colon = strchr(cv, ':');

			snprintf(vv, sizeof(vv), "%.*s", (int)(colon - cv), cv);
			pr->scheme = (uint8_t)flw_vuln__scheme(vv, colon + 1, &k);
			*known = k;
		}
	}
	pr->n_cpe = (uint32_t)(p->a->n_cpe - pr->first_cpe);
	return 0;
}

static int one_product(struct aff_parser *p, const json_t *o, struct flw_vuln_aprod *pr)
{
	struct flw_vuln_affected *a = p->a;
	const json_t *vers = json_object_get(o, "versions");
	const char *ds;
	const json_t *v;
	size_t i;
	int known = 0;
	int rc;

	memset(pr, 0, sizeof(*pr));
	if (!json_is_object(o))
		return fail(p, FLW_EFORMAT, "not an object");
	if ((rc = names(p, o, pr, &known)) != 0 || (rc = str_field(o, "defaultStatus", &ds, p)))
		return rc;
	if (ds && status_of(ds, &pr->default_status) != 0)
		return fail(p, FLW_EFORMAT, "defaultStatus");
	if (vers && (!json_is_array(vers) || json_array_size(vers) > FLW_VULN_MAX_VERSIONS))
		return fail(p, json_is_array(vers) ? FLW_ELIMIT : FLW_EFORMAT, "versions");
	pr->first_ver = (uint32_t)a->n_vers;
	json_array_foreach(vers, i, v)
	{
		p->vi = (unsigned)i;
		if (!json_is_object(v))
			return fail(p, FLW_EFORMAT, "version object");
		rc = one_version(p, v, &a->vers[a->n_vers], pr, known);
		if (rc != 0)
			return rc;
		a->n_vers++;
	}
	pr->n_ver = (uint32_t)(a->n_vers - pr->first_ver);
	return 0;
}

int flw_vuln_affected_parse(struct flw_vuln_affected **out, const json_t *affected,
                            struct flw_diag *diag)
{
	struct flw_vuln_affected *a = NULL;
	struct aff_parser p = { .diag = diag };
	size_t n_vers = 0;
	const json_t *o;
	size_t i;
	int rc = FLW_EFORMAT;

	if (!json_is_array(affected)) {
		flw_diag_set(diag, rc, "affected", "not an array");
		goto out;
	}
	rc = FLW_ELIMIT;
	if (json_array_size(affected) > FLW_VULN_MAX_PRODUCTS) {
		flw_diag_set(diag, rc, "affected", "more than %d products", FLW_VULN_MAX_PRODUCTS);
		goto out;
	}
	json_array_foreach(affected, i, o) n_vers +=
	        json_array_size(json_object_get(o, "versions"));
	rc = FLW_ENOMEM;
	a = flw_calloc(1, sizeof(*a));
	if (!a)
		goto out;
	a->prods = flw_calloc(json_array_size(affected) + 1, sizeof(*a->prods));
	a->vers = flw_calloc(n_vers + 1, sizeof(*a->vers));
	if (!a->prods || !a->vers)
		goto out;
	p.a = a;
	json_array_foreach(affected, i, o)
	{
		p.pi = (unsigned)i;
		p.vi = 0;
		rc = one_product(&p, o, &a->prods[a->n_prods]);
		if (rc != 0)
			goto out;
		a->n_prods++;
	}
	for (i = 0; i < a->n_skips; i++)
		a->skips[i].text = a->pool + a->skip_text_off[i];
	*out = a;
	a = NULL;
	rc = 0;
out:
	if (rc == FLW_ENOMEM && diag && diag->code != FLW_ENOMEM)
		flw_diag_set(diag, FLW_ENOMEM, "affected", "out of memory");
	flw_vuln_affected_free(a);
	return rc;
}

void flw_vuln_affected_free(struct flw_vuln_affected *a)
{
	if (!a)
		return;
	flw_free(a->prods);
	flw_free(a->vers);
	flw_free(a->changes);
	flw_free(a->cpe_keys);
	flw_free(a->cpe_name_off);
	flw_free(a->skips);
	flw_free(a->skip_text_off);
	flw_free(a->pool);
	flw_free(a);
}

size_t flw_vuln_affected_count(const struct flw_vuln_affected *a)
{
	return a ? a->n_prods : 0;
}

const struct flw_vuln_affected_skip *flw_vuln_affected_skipped(const struct flw_vuln_affected *a,
                                                               size_t *n_out)
{
	*n_out = a ? a->n_skips : 0;
	return *n_out ? a->skips : NULL;
}
