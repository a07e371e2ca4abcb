/* vuln/config.c - parse NVD API 2.0 "configurations" into flat arrays
 *
 * configurations[] -> struct flw_vuln_conf, nodes[] -> struct flw_vuln_node, cpeMatch[] ->
 * struct flw_vuln_cm. A first pass counts (and enforces the limits), a second fills. Version
 * bounds become sort keys under the product's comparator; a bound that does not parse marks
 * its entry CM_UNEVAL instead of failing the record (it can only give REVIEW).
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "vuln_private.h"

struct cfg_parser {
	struct flw_vuln_config *c;
	struct flw_diag *diag;
	size_t cpes_cap;
	unsigned ci, ni, mi; /* indices for diagnostics */
};

static int fail(struct cfg_parser *p, int code, const char *what)
{
	char path[FLW_DIAG_PATH_MAX];

	snprintf(path, sizeof(path), "configurations[%u].nodes[%u].cpeMatch[%u]", p->ci, p->ni,
	         p->mi);
	return flw_diag_set(p->diag, code, path, "%s", what);
}

static int get_op(const json_t *obj, uint8_t *and_op, uint8_t *negate)
{
	const json_t *op = json_object_get(obj, "operator");
	const json_t *neg = json_object_get(obj, "negate");

	*and_op = 0;
	*negate = 0;
	if (op) {
		if (!json_is_string(op))
			return FLW_EFORMAT;
		if (strcmp(json_string_value(op), "AND") == 0)
			*and_op = 1;
		else if (strcmp(json_string_value(op), "OR") != 0)
			return FLW_EFORMAT;
	}
	if (neg) {
		if (!json_is_boolean(neg))
			return FLW_EFORMAT;
		*negate = json_is_true(neg) ? 1 : 0;
	}
	return 0;
}

static int count(const json_t *cfgs, size_t *n_nodes, size_t *n_cms, struct cfg_parser *p)
{
	size_t i;
	size_t j;
	const json_t *cfg;

	if (!json_is_array(cfgs))
		return flw_diag_set(p->diag, FLW_EFORMAT, "configurations", "not an array");
	if (json_array_size(cfgs) > FLW_VULN_MAX_CONFIGS)
		return flw_diag_set(p->diag, FLW_ELIMIT, "configurations", "more than %d",
		                    FLW_VULN_MAX_CONFIGS);
	json_array_foreach(cfgs, i, cfg)
	{
		const json_t *nodes = json_object_get(cfg, "nodes");
		const json_t *node;

		p->ci = (unsigned)i;
		if (!json_is_array(nodes) || json_array_size(nodes) == 0)
			return flw_diag_set(p->diag, FLW_EFORMAT, "configurations",
			                    "configuration %zu has no nodes", i);
		if (json_array_size(nodes) > FLW_VULN_MAX_NODES)
			return flw_diag_set(p->diag, FLW_ELIMIT, "configurations",
			                    "configuration %zu has more than %d nodes", i,
			                    FLW_VULN_MAX_NODES);
		json_array_foreach(nodes, j, node)
		{
			const json_t *cms = json_object_get(node, "cpeMatch");

			if (json_object_get(node, "children"))
				return flw_diag_set(p->diag, FLW_EFORMAT, "configurations",
				                    "nested 'children' nodes are not NVD 2.0");
			if (!json_is_array(cms) || json_array_size(cms) == 0)
				return flw_diag_set(p->diag, FLW_EFORMAT, "configurations",
				                    "node without cpeMatch");
			*n_cms += json_array_size(cms);
			if (*n_cms > FLW_VULN_MAX_CPE_MATCHES)
				return flw_diag_set(p->diag, FLW_ELIMIT, "configurations",
				                    "more than %d cpeMatch entries",
				                    FLW_VULN_MAX_CPE_MATCHES);
		}
		*n_nodes += json_array_size(nodes);
	}
	return 0;
}

static int put_str(struct cfg_parser *p, const char *s, size_t n, uint32_t *off)
{
	struct flw_vuln_config *c = p->c;
	int rc = flw_vuln__pool_put(&c->pool, &c->pool_len, &c->pool_cap, s, n, off);

	return rc ? fail(p, rc, rc == FLW_ENOMEM ? "out of memory" : "record too large") : 0;
}

static int opt_str(const json_t *m, const char *key, const char **out, struct cfg_parser *p)
{
	const json_t *v = json_object_get(m, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > FLW_VULN_MAX_STR)
		return fail(p, FLW_EFORMAT, key);
	*out = json_string_value(v);
	return 0;
}

/* Parse one bound into a key; unparseable -> CM_UNEVAL. */
static int put_bound(struct cfg_parser *p, struct flw_vuln_cm *cm, const char *s, int is_end)
{
	struct flw_version v;
	uint32_t off;
	int rc;

	rc = put_str(p, s, strlen(s), is_end ? &cm->end_off : &cm->start_off);
	if (rc != 0)
		return rc;
	if (flw_version_parse(&v, (enum flw_vscheme)cm->scheme, s, strlen(s), NULL) != 0) {
		cm->flags |= CM_UNEVAL;
		return 0;
	}
	rc = put_str(p, (const char *)v.key, v.len, &off);
	if (rc != 0)
		return rc;
	if (is_end) {
		cm->ekey_off = off;
		cm->ekey_len = v.len;
	} else {
		cm->skey_off = off;
		cm->skey_len = v.len;
	}
	return 0;
}

static int bounds(struct cfg_parser *p, const json_t *m, struct flw_vuln_cm *cm)
{
	const char *si;
	const char *se;
	const char *ei;
	const char *ee;
	int rc;

	if ((rc = opt_str(m, "versionStartIncluding", &si, p)) != 0 ||
	    (rc = opt_str(m, "versionStartExcluding", &se, p)) != 0 ||
	    (rc = opt_str(m, "versionEndIncluding", &ei, p)) != 0 ||
	    (rc = opt_str(m, "versionEndExcluding", &ee, p)) != 0)
		return rc;
	if ((si && se) || (ei && ee))
		return fail(p, FLW_EFORMAT, "both Including and Excluding bound");
	if ((si || se || ei || ee) && cm->vkind != FLW_CPE_ANY) {
		cm->flags |= CM_UNEVAL; /* bounds on a concrete version: not NVD practice */
		return 0;
	}
	if (si || se) {
		cm->flags |= CM_HAS_START | (si ? CM_START_INCL : 0);
		rc = put_bound(p, cm, si ? si : se, 0);
	}
	if (rc == 0 && (ei || ee)) {
		cm->flags |= CM_HAS_END | (ei ? CM_END_INCL : 0);
		rc = put_bound(p, cm, ei ? ei : ee, 1);
	}
	return rc;
}

static int keep_cpe(struct cfg_parser *p, const struct flw_cpe *cpe, struct flw_vuln_cm *cm)
{
	struct flw_vuln_config *c = p->c;

	if (c->n_cpes == p->cpes_cap) {
		size_t ncap = p->cpes_cap ? p->cpes_cap * 2 : 4;
		struct flw_cpe *n = flw_reallocarray(c->cpes, ncap, sizeof(*n));

		if (!n)
			return fail(p, FLW_ENOMEM, "out of memory");
		c->cpes = n;
		p->cpes_cap = ncap;
	}
	c->cpes[c->n_cpes] = *cpe;
	cm->cpe = (uint32_t)c->n_cpes++;
	return 0;
}

static int names(struct cfg_parser *p, const struct flw_cpe *cpe, struct flw_vuln_cm *cm)
{
	const char *v = flw_cpe_value(cpe, FLW_CPE_VENDOR);
	const char *pr = flw_cpe_value(cpe, FLW_CPE_PRODUCT);
	char name[2 * FLW_VULN_MAX_STR + 2];
	int a;

	cm->flags |= CM_REST_ANY;
	for (a = FLW_CPE_UPDATE; a < _FLW_CPE_ATTR_MAX; a++)
		if (cpe->attr[a].kind != FLW_CPE_ANY)
			cm->flags &= (uint8_t)~CM_REST_ANY;
	if (cpe->attr[FLW_CPE_VENDOR].kind == FLW_CPE_VALUE &&
	    cpe->attr[FLW_CPE_PRODUCT].kind == FLW_CPE_VALUE &&
	    !flw_cpe_has_wildcard(cpe, FLW_CPE_VENDOR) &&
	    !flw_cpe_has_wildcard(cpe, FLW_CPE_PRODUCT))
		cm->flags |= CM_NAME_PLAIN;
	cm->key = flw_vuln__key(v, strlen(v), pr, strlen(pr));
	cm->scheme = (uint8_t)flw_vuln__scheme(v, pr, NULL);
	snprintf(name, sizeof(name), "%s:%s", v, pr);
	return put_str(p, name, strlen(name), &cm->name_off);
}

static int parse_cm(struct cfg_parser *p, const json_t *m, struct flw_vuln_cm *cm)
{
	const json_t *vul = json_object_get(m, "vulnerable");
	const char *crit;
	const char *id;
	struct flw_cpe cpe;
	int rc;

	memset(cm, 0, sizeof(*cm));
	cm->id_off = cm->start_off = cm->end_off = cm->ver_off = cm->cpe = FLW_VULN_NOSTR;
	if (!json_is_object(m) || !json_is_boolean(vul))
		return fail(p, FLW_EFORMAT, "need an object with boolean 'vulnerable'");
	if (json_is_true(vul))
		cm->flags |= CM_VULNERABLE;
	if ((rc = opt_str(m, "criteria", &crit, p)) != 0 ||
	    (rc = opt_str(m, "matchCriteriaId", &id, p)) != 0)
		return rc;
	if (!crit)
		return fail(p, FLW_EFORMAT, "missing criteria");
	rc = flw_cpe_parse(&cpe, crit, strlen(crit), p->diag);
	if (rc != 0) {
		char msg[FLW_DIAG_MSG_MAX + 16];

		snprintf(msg, sizeof(msg), "criteria: %s", p->diag ? p->diag->msg : "not a CPE");
		return fail(p, rc, msg);
	}
	cm->part = cpe.attr[FLW_CPE_PART].kind == FLW_CPE_VALUE
	                   ? (uint8_t)cpe.buf[cpe.attr[FLW_CPE_PART].off]
	                   : (cpe.attr[FLW_CPE_PART].kind == FLW_CPE_ANY ? '*' : '-');
	cm->vkind = cpe.attr[FLW_CPE_VERSION].kind;
	cm->vwild = (uint8_t)flw_cpe_has_wildcard(&cpe, FLW_CPE_VERSION);
	if ((rc = names(p, &cpe, cm)) != 0 || (rc = put_str(p, crit, strlen(crit), &cm->crit_off)))
		return rc;
	if (id && (rc = put_str(p, id, strlen(id), &cm->id_off)) != 0)
		return rc;
	if (!(cm->flags & CM_REST_ANY) || !(cm->flags & CM_NAME_PLAIN) || cm->vwild)
		if ((rc = keep_cpe(p, &cpe, cm)) != 0)
			return rc;
	if (cm->vkind == FLW_CPE_VALUE) {
		const char *lit = flw_cpe_value(&cpe, FLW_CPE_VERSION);
		struct flw_version v;

		rc = put_str(p, lit, strlen(lit), &cm->ver_off);
		if (rc == 0 && !cm->vwild &&
		    flw_version_parse(&v, (enum flw_vscheme)cm->scheme, lit, strlen(lit), NULL) ==
		            0) {
			rc = put_str(p, (const char *)v.key, v.len, &cm->skey_off);
			cm->skey_len = v.len;
		}
		if (rc != 0)
			return rc;
	}
	return bounds(p, m, cm);
}

static int fill(struct cfg_parser *p, const json_t *cfgs)
{
	struct flw_vuln_config *c = p->c;
	const json_t *cfg;
	size_t i;
	int rc;

	json_array_foreach(cfgs, i, cfg)
	{
		struct flw_vuln_conf *cf = &c->confs[c->n_confs++];
		const json_t *nodes = json_object_get(cfg, "nodes");
		const json_t *node;
		size_t j;

		p->ci = (unsigned)i;
		if (get_op(cfg, &cf->and_op, &cf->negate) != 0)
			return fail(p, FLW_EFORMAT, "bad configuration operator/negate");
		cf->first = (uint32_t)c->n_nodes;
		cf->count = (uint32_t)json_array_size(nodes);
		json_array_foreach(nodes, j, node)
		{
			struct flw_vuln_node *nd = &c->nodes[c->n_nodes++];
			const json_t *cms = json_object_get(node, "cpeMatch");
			const json_t *m;
			size_t k;

			p->ni = (unsigned)j;
			if (get_op(node, &nd->and_op, &nd->negate) != 0)
				return fail(p, FLW_EFORMAT, "bad node operator/negate");
			nd->first = (uint32_t)c->n_cms;
			nd->count = (uint32_t)json_array_size(cms);
			json_array_foreach(cms, k, m)
			{
				p->mi = (unsigned)k;
				rc = parse_cm(p, m, &c->cms[c->n_cms]);
				if (rc != 0)
					return rc;
				if (c->cms[c->n_cms].flags & CM_UNEVAL)
					c->n_uneval++;
				c->n_cms++;
			}
		}
	}
	return 0;
}

int flw_vuln_config_parse(struct flw_vuln_config **out, const json_t *configurations,
                          struct flw_diag *diag)
{
	struct flw_vuln_config *c = NULL;
	struct cfg_parser p = { .diag = diag };
	size_t n_nodes = 0;
	size_t n_cms = 0;
	int rc;

	rc = count(configurations, &n_nodes, &n_cms, &p);
	if (rc != 0)
		goto out;
	rc = FLW_ENOMEM;
	c = flw_calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->confs = flw_calloc(json_array_size(configurations) + 1, sizeof(*c->confs));
	c->nodes = flw_calloc(n_nodes + 1, sizeof(*c->nodes));
	c->cms = flw_calloc(n_cms + 1, sizeof(*c->cms));
	if (!c->confs || !c->nodes || !c->cms)
		goto out;
	p.c = c;
	rc = fill(&p, configurations);
	if (rc != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	if (rc == FLW_ENOMEM && diag && diag->code != FLW_ENOMEM)
		flw_diag_set(diag, FLW_ENOMEM, "configurations", "out of memory");
	flw_vuln_config_free(c);
	return rc;
}

void flw_vuln_config_free(struct flw_vuln_config *c)
{
	if (!c)
		return;
	flw_free(c->confs);
	flw_free(c->nodes);
	flw_free(c->cms);
	flw_free(c->cpes);
	flw_free(c->pool);
	flw_free(c);
}

size_t flw_vuln_config_count(const struct flw_vuln_config *c)
{
	return c ? c->n_confs : 0;
}

size_t flw_vuln_config_unevaluable(const struct flw_vuln_config *c)
{
	return c ? c->n_uneval : 0;
}
