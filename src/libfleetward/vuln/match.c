/* vuln/match.c - prepared components and the evaluation of configurations / affected entries
 *
 * Hot path (flw_match_config, flw_match_affected): integer key comparison against the item's
 * few vendor:product candidates first; only on a hit are names, attributes and version keys
 * (memcmp) looked at. Three-valued logic: TRUE, REVIEW (depends on something unparseable),
 * FALSE; OR takes the maximum, AND the minimum, negate swaps TRUE and FALSE.
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "vuln_private.h"

enum {
	T_FALSE = 0,
	T_REVIEW = 1,
	T_TRUE = 2
};

/* ---- item preparation ---- */

static int set_val(struct flw_cpe *c, size_t *used, int attr, const char *s, size_t n)
{
	size_t i;

	if (*used + n + 1 > sizeof(c->buf))
		return FLW_ELIMIT;
	c->attr[attr].kind = FLW_CPE_VALUE;
	c->attr[attr].off = (uint16_t)*used;
	c->attr[attr].len = (uint16_t)n;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		c->buf[*used + i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	c->buf[*used + n] = '\0';
	*used += n + 1;
	return 0;
}

static int add_cand(struct flw_match_item *it, const char *v, size_t vl, const char *p, size_t pl)
{
	struct flw_vuln_cand *c;
	size_t i;

	if (vl == 0 || pl == 0 || vl + pl + 2 > sizeof(c->name))
		return vl + pl + 2 > sizeof(c->name) ? FLW_ELIMIT : 0;
	for (i = 0; i < it->n_cand; i++)
		if (it->cand[i].vlen == vl && strncmp(it->cand[i].name, v, vl) == 0 &&
		    strcmp(it->cand[i].name + vl + 1, p) == 0 && strlen(p) == pl)
			return 0;
	if (it->n_cand == FLW_VULN_MAX_CANDIDATES)
		return FLW_ELIMIT;
	c = &it->cand[it->n_cand++];
	memcpy(c->name, v, vl);
	c->name[vl] = ':';
	memcpy(c->name + vl + 1, p, pl);
	c->name[vl + 1 + pl] = '\0';
	c->vlen = (uint16_t)vl;
	c->key = flw_vuln__key(v, vl, p, pl);
	return 0;
}

/* (vendor, product) plus every equivalent vendor spelling. */
static int add_with_vendors(struct flw_match_item *it, const char *v, const char *p)
{
	const struct flw_alias_table *t = it->aliases;
	const struct flw_alias_row *r;
	size_t i;
	size_t j;
	int rc = add_cand(it, v, strlen(v), p, strlen(p));

	for (i = 0; rc == 0 && (r = flw_alias__row(t, i)) != NULL; i++) {
		int in = r->kind == FLW_ALIAS_VENDOR && strcmp(r->key, v) == 0;

		for (j = 0; r->kind == FLW_ALIAS_VENDOR && j < r->n_vals; j++)
			in |= strcmp(r->vals[j], v) == 0;
		if (!in)
			continue;
		rc = add_cand(it, r->key, strlen(r->key), p, strlen(p));
		for (j = 0; rc == 0 && j < r->n_vals; j++)
			rc = add_cand(it, r->vals[j], strlen(r->vals[j]), p, strlen(p));
	}
	return rc;
}

static int add_product_aliases(struct flw_match_item *it, const char *name)
{
	const struct flw_alias_row *r;
	size_t i;
	size_t j;
	int rc = 0;

	for (i = 0; rc == 0 && (r = flw_alias__row(it->aliases, i)) != NULL; i++) {
		if (r->kind != FLW_ALIAS_PRODUCT || strcmp(r->key, name) != 0)
			continue;
		for (j = 0; rc == 0 && j < r->n_vals; j++) {
			char v[256];
			const char *colon = strchr(r->vals[j], ':');

			snprintf(v, sizeof(v), "%.*s", (int)(colon - r->vals[j]), r->vals[j]);
			rc = add_with_vendors(it, v, colon + 1);
		}
	}
	return rc;
}

/* pkg:type/namespace/name@version?qualifiers#subpath -> name and version (no decoding). */
static int parse_purl(const char *purl, char *name, size_t nlen, char *ver, size_t vlen)
{
	const char *end = purl + strcspn(purl, "?#");
	const char *at;
	const char *slash;
	const char *start;

	if (strncmp(purl, "pkg:", 4) != 0 || strchr(purl, '%'))
		return FLW_EFORMAT;
	at = memchr(purl, '@', (size_t)(end - purl));
	slash = NULL;
	for (start = purl + 4; start < (at ? at : end); start++)
		if (*start == '/')
			slash = start;
	if (!slash || (size_t)((at ? at : end) - slash - 1) >= nlen || slash + 1 == (at ? at : end))
		return FLW_EFORMAT;
	snprintf(name, nlen, "%.*s", (int)((at ? at : end) - slash - 1), slash + 1);
	ver[0] = '\0';
	if (at && (size_t)(end - at - 1) < vlen)
		snprintf(ver, vlen, "%.*s", (int)(end - at - 1), at + 1);
	else if (at)
		return FLW_ELIMIT;
	return 0;
}

static void prepare_version(struct flw_match_item *it, const char *s, unsigned flags)
{
	size_t off = 0;
	size_t len = strlen(s);
	int sc;

	if (len > FLW_VERSION_MAX_LEN)
		return;
	memcpy(it->version, s, len + 1);
	it->version_len = len;
	if (flags & FLW_COMPONENT_DEB_VERSION) {
		it->ver_ok[FLW_VSCHEME_DEB] = flw_version_parse(&it->ver[FLW_VSCHEME_DEB],
		                                                FLW_VSCHEME_DEB, s, len, NULL) == 0;
		if (flw_version_deb_upstream(s, len, &off, &len) != 0)
			return;
	}
	for (sc = FLW_VSCHEME_GENERIC; sc <= FLW_VSCHEME_OPENSSL; sc++)
		it->ver_ok[sc] = flw_version_parse(&it->ver[sc], (enum flw_vscheme)sc, s + off, len,
		                                   NULL) == 0;
}

static int item_names(struct flw_match_item *it, const struct flw_component *comp,
                      const char **vendor, const char **product, const char **version, char *pbuf,
                      char *vbuf, struct flw_diag *diag)
{
	size_t used = 1;
	int rc;

	if (comp->cpe) {
		rc = flw_cpe_parse(&it->cpe, comp->cpe, strlen(comp->cpe), diag);
		if (rc != 0)
			return rc;
		it->part_known = it->cpe.attr[FLW_CPE_PART].kind == FLW_CPE_VALUE;
		*vendor = flw_cpe_value(&it->cpe, FLW_CPE_VENDOR);
		*product = flw_cpe_value(&it->cpe, FLW_CPE_PRODUCT);
		it->version_na = it->cpe.attr[FLW_CPE_VERSION].kind == FLW_CPE_NA;
		if (it->cpe.attr[FLW_CPE_VERSION].kind == FLW_CPE_VALUE)
			*version = flw_cpe_value(&it->cpe, FLW_CPE_VERSION);
		return 0;
	}
	if (comp->purl) {
		rc = parse_purl(comp->purl, pbuf, 256, vbuf, FLW_VERSION_MAX_LEN + 1);
		if (rc != 0)
			return flw_diag_set(diag, rc, "purl", "not a package URL");
		if (!*product)
			*product = pbuf;
		if (!*version && vbuf[0])
			*version = vbuf;
	}
	if (!*product)
		return flw_diag_set(diag, FLW_EINVAL, "component", "no product, cpe or purl");
	memset(&it->cpe, 0, sizeof(it->cpe));
	for (rc = FLW_CPE_UPDATE; rc < _FLW_CPE_ATTR_MAX; rc++)
		it->cpe.attr[rc].kind = FLW_CPE_NA; /* a plain component has no such qualifiers */
	if (set_val(&it->cpe, &used, FLW_CPE_PRODUCT, *product, strlen(*product)) != 0 ||
	    (*vendor && set_val(&it->cpe, &used, FLW_CPE_VENDOR, *vendor, strlen(*vendor)) != 0))
		return flw_diag_set(diag, FLW_ELIMIT, "component", "names too long");
	if (*version && set_val(&it->cpe, &used, FLW_CPE_VERSION, *version, strlen(*version)) != 0)
		return flw_diag_set(diag, FLW_ELIMIT, "component", "version too long");
	*product = flw_cpe_value(&it->cpe, FLW_CPE_PRODUCT);
	*vendor = *vendor ? flw_cpe_value(&it->cpe, FLW_CPE_VENDOR) : NULL;
	return 0;
}

int flw_match_item_new(struct flw_match_item **out, const struct flw_component *comp,
                       const struct flw_alias_table *aliases, struct flw_diag *diag)
{
	struct flw_match_item *it = NULL;
	const char *vendor = comp->vendor;
	const char *product = comp->product;
	const char *version = comp->version;
	char pbuf[256];
	char vbuf[FLW_VERSION_MAX_LEN + 1];
	char norm[256];
	int rc = FLW_ENOMEM;

	it = flw_calloc(1, sizeof(*it));
	if (!it)
		goto out;
	it->aliases = aliases ? aliases : flw_alias_table_default();
	rc = item_names(it, comp, &vendor, &product, &version, pbuf, vbuf, diag);
	if (rc != 0)
		goto out;
	if (flw_vuln__norm_name(norm, sizeof(norm), product) < 0) {
		rc = flw_diag_set(diag, FLW_ELIMIT, "component", "product name too long");
		goto out;
	}
	if (vendor && *vendor)
		rc = add_with_vendors(it, vendor, norm);
	if (rc == 0 && !comp->cpe)
		rc = add_product_aliases(it, norm);
	if (rc != 0) {
		flw_diag_set(diag, rc, "component", "too many names");
		goto out;
	}
	if (version && !it->version_na)
		prepare_version(it, version, comp->flags);
	*out = it;
	it = NULL;
out:
	if (rc == FLW_ENOMEM)
		flw_diag_set(diag, rc, "component", "out of memory");
	flw_free(it);
	return rc;
}

void flw_match_item_free(struct flw_match_item *it)
{
	flw_free(it);
}

size_t flw_match_item_candidates(const struct flw_match_item *it)
{
	return it->n_cand;
}

const char *flw_match_item_candidate(const struct flw_match_item *it, size_t i)
{
	return i < it->n_cand ? it->cand[i].name : NULL;
}

/* ---- one cpeMatch against one item ---- */

static int key_cmp(const char *pool, uint32_t off, uint8_t len, const struct flw_version *v)
{
	size_t n = len < v->len ? len : v->len;
	int r = memcmp(v->key, pool + off, n);

	if (r != 0)
		return r;
	return v->len == len ? 0 : (v->len < len ? -1 : 1);
}

static int names_hit(const struct flw_vuln_config *c, const struct flw_vuln_cm *cm,
                     const struct flw_match_item *it)
{
	size_t i;

	if (!(cm->flags & CM_NAME_PLAIN)) {
		const struct flw_cpe *src = &c->cpes[cm->cpe];
		enum flw_cpe_rel rv = flw_cpe_compare_attr(src, &it->cpe, FLW_CPE_VENDOR);
		enum flw_cpe_rel rp = flw_cpe_compare_attr(src, &it->cpe, FLW_CPE_PRODUCT);

		return (rv == FLW_CPE_REL_EQUAL || rv == FLW_CPE_REL_SUPERSET) &&
		       (rp == FLW_CPE_REL_EQUAL || rp == FLW_CPE_REL_SUPERSET);
	}
	for (i = 0; i < it->n_cand; i++)
		if (it->cand[i].key == cm->key &&
		    strcmp(it->cand[i].name, c->pool + cm->name_off) == 0)
			return 1;
	return 0;
}

static int rest_ok(const struct flw_vuln_config *c, const struct flw_vuln_cm *cm,
                   const struct flw_match_item *it)
{
	int a;

	if (it->part_known && cm->part != '*' &&
	    (uint8_t)flw_cpe_value(&it->cpe, FLW_CPE_PART)[0] != cm->part)
		return 0;
	if (cm->flags & CM_REST_ANY)
		return 1;
	for (a = FLW_CPE_UPDATE; a < _FLW_CPE_ATTR_MAX; a++) {
		enum flw_cpe_rel r =
		        flw_cpe_compare_attr(&c->cpes[cm->cpe], &it->cpe, (enum flw_cpe_attr)a);

		if (r != FLW_CPE_REL_EQUAL && r != FLW_CPE_REL_SUPERSET)
			return 0;
	}
	return 1;
}

static int version_in(const struct flw_vuln_config *c, const struct flw_vuln_cm *cm,
                      const struct flw_match_item *it, unsigned *flags)
{
	const struct flw_version *v = &it->ver[cm->scheme];
	int r;

	if (cm->vkind == FLW_CPE_NA)
		return it->version_na ? T_TRUE : T_FALSE;
	if (cm->vkind == FLW_CPE_VALUE && cm->vwild)
		return it->version_len &&
		                       flw_cpe_compare_attr(&c->cpes[cm->cpe], &it->cpe,
		                                            FLW_CPE_VERSION) == FLW_CPE_REL_SUPERSET
		               ? T_TRUE
		               : T_FALSE;
	if (cm->vkind == FLW_CPE_VALUE) {
		if (it->version_na)
			return T_FALSE;
		if (!it->version_len)
			return T_REVIEW;
		if (cm->skey_len && it->ver_ok[cm->scheme])
			return key_cmp(c->pool, cm->skey_off, cm->skey_len, v) == 0 ? T_TRUE
			                                                            : T_FALSE;
		*flags |= FLW_MATCH_F_STRING_EQ;
		return strcmp(c->pool + cm->ver_off, it->version) == 0 ? T_TRUE : T_FALSE;
	}
	if (!(cm->flags & (CM_HAS_START | CM_HAS_END))) {
		*flags |= FLW_MATCH_F_NO_BOUNDS;
		return T_TRUE;
	}
	if (it->version_na)
		return T_FALSE;
	if ((cm->flags & CM_UNEVAL) || !it->ver_ok[cm->scheme]) {
		*flags |= FLW_MATCH_F_UNPARSED;
		return T_REVIEW;
	}
	if (cm->flags & CM_HAS_START) {
		r = key_cmp(c->pool, cm->skey_off, cm->skey_len, v);
		if (r < 0 || (r == 0 && !(cm->flags & CM_START_INCL)))
			return T_FALSE;
	}
	if (cm->flags & CM_HAS_END) {
		r = key_cmp(c->pool, cm->ekey_off, cm->ekey_len, v);
		if (r > 0 || (r == 0 && !(cm->flags & CM_END_INCL)))
			return T_FALSE;
	}
	return T_TRUE;
}

static int cm_item(const struct flw_vuln_config *c, const struct flw_vuln_cm *cm,
                   const struct flw_match_item *it, unsigned *flags)
{
	if (!names_hit(c, cm, it) || !rest_ok(c, cm, it))
		return T_FALSE;
	*flags |= FLW_MATCH_F_NAME;
	return version_in(c, cm, it, flags);
}

/* A platform CPE against an entry: cheap key test, then a temporary item. */
static int cm_platform_one(const struct flw_vuln_config *c, const struct flw_vuln_cm *cm,
                           const struct flw_cpe *pc)
{
	struct flw_match_item tmp;
	const char *v = flw_cpe_value(pc, FLW_CPE_VENDOR);
	const char *p = flw_cpe_value(pc, FLW_CPE_PRODUCT);
	unsigned fl = 0;

	if ((cm->flags & CM_NAME_PLAIN) && flw_vuln__key(v, strlen(v), p, strlen(p)) != cm->key)
		return T_FALSE;
	memset(&tmp, 0, sizeof(tmp));
	tmp.aliases = flw_alias_table_default();
	tmp.cpe = *pc;
	tmp.part_known = pc->attr[FLW_CPE_PART].kind == FLW_CPE_VALUE;
	tmp.version_na = pc->attr[FLW_CPE_VERSION].kind == FLW_CPE_NA;
	if (add_cand(&tmp, v, strlen(v), p, strlen(p)) != 0)
		return T_FALSE;
	if (pc->attr[FLW_CPE_VERSION].kind == FLW_CPE_VALUE)
		prepare_version(&tmp, flw_cpe_value(pc, FLW_CPE_VERSION), 0);
	return cm_item(c, cm, &tmp, &fl);
}

static int cm_platform(const struct flw_vuln_config *c, const struct flw_vuln_cm *cm,
                       const struct flw_platform *plat, unsigned *flags)
{
	int best = T_FALSE;
	size_t i;

	if (plat && plat->hardware)
		best = cm_platform_one(c, cm, plat->hardware);
	for (i = 0; plat && best != T_TRUE && i < plat->n_others; i++) {
		int r = cm_platform_one(c, cm, plat->others[i]);

		best = r > best ? r : best;
	}
	if (best != T_TRUE && !(cm->flags & CM_VULNERABLE) && cm->part == 'h' &&
	    (!plat || !plat->hardware)) {
		*flags |= FLW_MATCH_F_ASSUMED;
		return T_TRUE;
	}
	return best;
}

/* ---- configurations ---- */

struct hit {
	const struct flw_vuln_cm *cm;
	unsigned node;
	unsigned entry;
	unsigned flags;
	int val;
};

static int conf_touches(const struct flw_vuln_config *c, const struct flw_vuln_conf *cf,
                        const struct flw_match_item *it)
{
	uint32_t n;
	uint32_t k;
	size_t i;

	for (n = cf->first; n < cf->first + cf->count; n++) {
		const struct flw_vuln_node *nd = &c->nodes[n];

		for (k = nd->first; k < nd->first + nd->count; k++) {
			const struct flw_vuln_cm *cm = &c->cms[k];

			if (!(cm->flags & CM_VULNERABLE))
				continue;
			if (!(cm->flags & CM_NAME_PLAIN))
				return 1;
			for (i = 0; i < it->n_cand; i++)
				if (it->cand[i].key == cm->key)
					return 1;
		}
	}
	return 0;
}

static int node_eval(const struct flw_vuln_config *c, unsigned ni, const struct flw_match_item *it,
                     const struct flw_platform *plat, struct hit *h, unsigned *flags)
{
	const struct flw_vuln_node *nd = &c->nodes[ni];
	int acc = nd->and_op ? T_TRUE : T_FALSE;
	uint32_t k;

	for (k = nd->first; k < nd->first + nd->count; k++) {
		const struct flw_vuln_cm *cm = &c->cms[k];
		unsigned f = 0;
		int v = cm_item(c, cm, it, &f);

		if ((cm->flags & CM_VULNERABLE) && v > h->val) {
			h->cm = cm;
			h->node = ni;
			h->entry = k - nd->first;
			h->flags = f;
			h->val = v;
		}
		*flags |= f & FLW_MATCH_F_NAME;
		if (v != T_TRUE) {
			int pv = cm_platform(c, cm, plat, &f);

			if (pv > v) {
				v = pv;
				*flags |= f & FLW_MATCH_F_ASSUMED;
			}
		}
		acc = nd->and_op ? (v < acc ? v : acc) : (v > acc ? v : acc);
	}
	if (nd->negate && acc != T_REVIEW)
		acc = T_TRUE - acc;
	return acc;
}

static void fill(struct flw_match_result *out, const struct flw_vuln_config *c, const struct hit *h,
                 unsigned ci, unsigned flags, int val)
{
	const struct flw_vuln_cm *cm = h->cm;

	out->verdict = val == T_TRUE ? FLW_MATCH_YES : FLW_MATCH_REVIEW;
	out->source = FLW_MATCH_SRC_NVD;
	out->flags = flags | h->flags;
	out->config = ci;
	out->node = h->node - c->confs[ci].first;
	out->entry = h->entry;
	out->scheme = (enum flw_vscheme)cm->scheme;
	out->criteria = c->pool + cm->crit_off;
	out->criteria_id = cm->id_off == FLW_VULN_NOSTR ? NULL : c->pool + cm->id_off;
	out->start = cm->start_off == FLW_VULN_NOSTR ? NULL : c->pool + cm->start_off;
	out->end = cm->end_off == FLW_VULN_NOSTR ? NULL : c->pool + cm->end_off;
	out->start_incl = !!(cm->flags & CM_START_INCL);
	out->end_incl = !!(cm->flags & CM_END_INCL);
	if (val != T_TRUE) {
		out->confidence = FLW_MATCH_CONF_NEEDS_REVIEW;
		out->reason = "version cannot be ordered";
	} else if (out->flags & (FLW_MATCH_F_ASSUMED | FLW_MATCH_F_NO_BOUNDS)) {
		out->confidence = FLW_MATCH_CONF_HEURISTIC;
		out->reason = (out->flags & FLW_MATCH_F_ASSUMED)
		                      ? "platform assumed (hardware unknown)"
		                      : "any version (no bounds)";
	} else if (cm->vkind == FLW_CPE_VALUE || cm->vkind == FLW_CPE_NA) {
		out->confidence = FLW_MATCH_CONF_EXACT;
		out->reason = "exact version";
	} else {
		out->confidence = FLW_MATCH_CONF_RANGE;
		out->reason = "version in range";
	}
}

int flw_match_config(const struct flw_vuln_config *c, const struct flw_match_item *it,
                     const struct flw_platform *plat, struct flw_match_result *out)
{
	unsigned ci;
	int have_review = 0;
	unsigned name_flag = 0;

	memset(out, 0, sizeof(*out));
	for (ci = 0; ci < c->n_confs; ci++) {
		const struct flw_vuln_conf *cf = &c->confs[ci];
		struct hit h = { 0 };
		unsigned flags = 0;
		int acc = cf->and_op ? T_TRUE : T_FALSE;
		unsigned n;

		if (!conf_touches(c, cf, it))
			continue;
		for (n = cf->first; n < cf->first + cf->count; n++) {
			int v = node_eval(c, n, it, plat, &h, &flags);

			acc = cf->and_op ? (v < acc ? v : acc) : (v > acc ? v : acc);
		}
		if (cf->negate && acc != T_REVIEW)
			acc = T_TRUE - acc;
		name_flag |= flags & FLW_MATCH_F_NAME;
		if (!h.cm || acc == T_FALSE || h.val == T_FALSE)
			continue;
		if (acc == T_TRUE && h.val == T_TRUE) {
			fill(out, c, &h, ci, flags, T_TRUE);
			return 0;
		}
		if (!have_review) {
			fill(out, c, &h, ci, flags, T_REVIEW);
			have_review = 1;
		}
	}
	out->flags |= name_flag;
	if (!have_review)
		out->reason = name_flag ? "name matches, version or platform does not"
		                        : "no entry names the component";
	return 0;
}

int flw_match_component(const struct flw_vuln_config *c, const struct flw_component *comp,
                        const struct flw_platform *plat, struct flw_match_result *out)
{
	struct flw_match_item *it = NULL;
	int rc = flw_match_item_new(&it, comp, NULL, NULL);

	if (rc == 0)
		rc = flw_match_config(c, it, plat, out);
	flw_match_item_free(it);
	return rc;
}

/* ---- CVE 5 affected ---- */

static int aff_names(const struct flw_vuln_affected *a, const struct flw_vuln_aprod *pr,
                     const struct flw_match_item *it)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < it->n_cand; i++) {
		if (pr->key && it->cand[i].key == pr->key &&
		    strcmp(it->cand[i].name, a->pool + pr->name_off) == 0)
			return 1;
		for (k = pr->first_cpe; k < pr->first_cpe + pr->n_cpe; k++)
			if (a->cpe_keys[k] == it->cand[i].key &&
			    strcmp(it->cand[i].name, a->pool + a->cpe_name_off[k]) == 0)
				return 1;
	}
	return 0;
}

static int aver_in(const struct flw_vuln_affected *a, const struct flw_vuln_aver *v,
                   const struct flw_version *iv)
{
	int r;

	if (!(v->flags & AV_NO_LOWER) && key_cmp(a->pool, v->lo_key_off, v->lo_key_len, iv) < 0)
		return 0;
	if (v->flags & AV_HI_INF)
		return 1;
	r = key_cmp(a->pool, v->hi_key_off, v->hi_key_len, iv);
	if (v->flags & AV_HI_PREFIX)
		return r < 0 || (iv->len >= v->hi_key_len &&
		                 memcmp(iv->key, a->pool + v->hi_key_off, v->hi_key_len) == 0);
	return r < 0 || (r == 0 && (v->flags & AV_HI_INCL));
}

/* Status of the item under one product entry; *vi = deciding version object or n_ver. */
static int aprod_status(const struct flw_vuln_affected *a, const struct flw_vuln_aprod *pr,
                        const struct flw_match_item *it, unsigned *vi, unsigned *flags)
{
	const struct flw_version *iv = &it->ver[pr->scheme];
	uint32_t i;

	for (i = 0; i < pr->n_ver; i++) {
		const struct flw_vuln_aver *v = &a->vers[pr->first_ver + i];
		uint32_t k;
		int st;

		*vi = i;
		if (!(v->flags & AV_RANGE) && (v->flags & AV_STRING)) {
			*flags |= FLW_MATCH_F_STRING_EQ;
			if (strcmp(a->pool + v->ver_off, it->version) == 0)
				return v->status;
			continue;
		}
		if ((v->flags & AV_UNEVAL) || !it->ver_ok[pr->scheme]) {
			*flags |= FLW_MATCH_F_UNPARSED;
			return -1;
		}
		if (!(v->flags & AV_RANGE)) {
			if (key_cmp(a->pool, v->lo_key_off, v->lo_key_len, iv) == 0)
				return v->status;
			continue;
		}
		if (!aver_in(a, v, iv))
			continue;
		st = v->status;
		for (k = v->first_change; k < v->first_change + v->n_changes; k++)
			if (key_cmp(a->pool, a->changes[k].key_off, a->changes[k].key_len, iv) >= 0)
				st = a->changes[k].status;
		return st;
	}
	*vi = pr->n_ver;
	return pr->default_status;
}

static void fill_aff(struct flw_match_result *out, const struct flw_vuln_affected *a, unsigned pi,
                     unsigned vi, int st, unsigned flags)
{
	const struct flw_vuln_aprod *pr = &a->prods[pi];
	const struct flw_vuln_aver *v = vi < pr->n_ver ? &a->vers[pr->first_ver + vi] : NULL;

	memset(out, 0, sizeof(*out));
	out->source = FLW_MATCH_SRC_CVE5;
	out->flags = flags | FLW_MATCH_F_NAME;
	out->config = pi;
	out->node = vi;
	out->scheme = (enum flw_vscheme)pr->scheme;
	out->criteria = a->pool + pr->name_off;
	if (v) {
		out->start = a->pool + v->ver_off;
		out->start_incl = 1;
		out->end = v->hi_off == FLW_VULN_NOSTR ? NULL : a->pool + v->hi_off;
		out->end_incl = !!(v->flags & AV_HI_INCL);
	}
	if (st == FLW_ST_AFFECTED) {
		out->verdict = FLW_MATCH_YES;
		out->confidence =
		        v && (v->flags & AV_RANGE) ? FLW_MATCH_CONF_RANGE : FLW_MATCH_CONF_EXACT;
		out->reason = v ? "affected version" : "defaultStatus affected";
	} else if (st == FLW_ST_UNAFFECTED) {
		out->verdict = FLW_MATCH_NO;
		out->reason = v ? "unaffected version" : "defaultStatus unaffected";
	} else {
		out->verdict = FLW_MATCH_REVIEW;
		out->confidence = FLW_MATCH_CONF_NEEDS_REVIEW;
		out->reason = st < 0 ? "version ordering unknown" : "status unknown";
	}
}

/*
 * Entries (CNA, ADPs) naming the component are combined: any "affected" wins; then a version
 * whose ordering cannot be evaluated (it might be affected) needs review; then a definitive
 * "unaffected" from one entry outweighs an entry that only says "unknown" (typically an ADP
 * re-publishing the CNA's ranges with defaultStatus unknown); only "unknown" everywhere needs
 * review.
 */
int flw_match_affected(const struct flw_vuln_affected *a, const struct flw_match_item *it,
                       struct flw_match_result *out)
{
	struct flw_match_result unparsed;
	struct flw_match_result unknown;
	struct flw_match_result no;
	int have_unparsed = 0;
	int have_unknown = 0;
	int have_no = 0;
	unsigned pi;

	memset(out, 0, sizeof(*out));
	for (pi = 0; pi < a->n_prods; pi++) {
		const struct flw_vuln_aprod *pr = &a->prods[pi];
		unsigned vi = 0;
		unsigned flags = 0;
		int st;

		if (!aff_names(a, pr, it))
			continue;
		if (!it->version_len)
			st = -1;
		else
			st = aprod_status(a, pr, it, &vi, &flags);
		fill_aff(out, a, pi, vi, st, flags);
		if (out->verdict == FLW_MATCH_YES)
			return 0;
		if (out->verdict == FLW_MATCH_REVIEW && st < 0 && !have_unparsed) {
			unparsed = *out;
			have_unparsed = 1;
		} else if (out->verdict == FLW_MATCH_REVIEW && st >= 0 && !have_unknown) {
			unknown = *out;
			have_unknown = 1;
		} else if (out->verdict == FLW_MATCH_NO && !have_no) {
			no = *out;
			have_no = 1;
		}
	}
	if (have_unparsed)
		*out = unparsed;
	else if (have_no)
		*out = no;
	else if (have_unknown)
		*out = unknown;
	else if (out->flags & FLW_MATCH_F_NAME)
		out->verdict = FLW_MATCH_NO;
	else
		out->reason = "no entry names the component";
	return 0;
}

const char *flw_match_verdict_to_string(enum flw_match_verdict v)
{
	static const char *const names[] = { "no", "yes", "review" };

	return (unsigned)v < FLW_ARRAY_SIZE(names) ? names[v] : "invalid";
}

const char *flw_match_confidence_to_string(enum flw_match_confidence c)
{
	static const char *const names[] = { "none", "exact", "range", "heuristic",
		                             "needs_review" };

	return (unsigned)c < FLW_ARRAY_SIZE(names) ? names[c] : "invalid";
}
