/* vuln/assess.c - fleet assessment: distinct components matched once, projected onto devices
 *
 * Invariants:
 * - every table (CVE ids, component names, components, hardware, segments, risks, groups) is
 *   interned through an open-addressing map of 64-bit hashes with an equality check against the
 *   table itself, so each distinct thing is computed once;
 * - hits of one component evaluated without hardware are contiguous (comp.hit0, comp.nhit):
 *   they are appended while that component is matched, hardware hits come later;
 * - the result owns every string it exposes (arena), so it outlives db, index and inputs;
 * - findings of a device are contiguous, in the order group hits, extra hits, priors gone.
 */
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/assess.h"
#include "fleetward/error.h"

#define NONE       FLW_ASSESS_NONE
#define CLS_OTHER  FLW_RISK_MAX_CLASSES
#define ARENA_BLK  ((size_t)64 << 10)
#define LOOKUP_MAX 4096u

/* ---- arena ---------------------------------------------------------------------------- */

struct ablk {
	struct ablk *next;
	size_t used;
	size_t cap;
	char data[];
};

static void *arena_alloc(struct ablk **head, size_t n)
{
	struct ablk *b = *head;
	size_t cap;

	n = (n + 7) & ~(size_t)7;
	if (!b || b->cap - b->used < n) {
		cap = n > ARENA_BLK ? n : ARENA_BLK;
		b = flw_malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = *head;
		b->used = 0;
		b->cap = cap;
		*head = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

/* s NULL gives NULL with rc 0; *rc = FLW_ENOMEM on failure */
static const char *arena_str(struct ablk **head, const char *s, int *rc)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = arena_alloc(head, n);
	if (!d) {
		*rc = FLW_ENOMEM;
		return NULL;
	}
	memcpy(d, s, n);
	return d;
}

static void arena_free(struct ablk *b)
{
	while (b) {
		struct ablk *n = b->next;

		flw_free(b);
		b = n;
	}
}

/* ---- hash map: 64-bit hash -> uint32 index, equality checked by the caller ------------- */

struct map {
	uint64_t *h; /* 0 = empty */
	uint32_t *v;
	size_t cap; /* power of two */
	size_t n;
};

typedef int (*map_eq_fn)(const void *ctx, uint32_t v);

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x | 1; /* never 0 */
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	h ^= s ? 0x9e3779b97f4a7c15ULL : 0x7f4a7c159e3779b9ULL;
	while (*p)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

static int map_reserve(struct map *m)
{
	uint64_t *nh;
	uint32_t *nv;
	size_t ncap;
	size_t i;

	if ((m->n + 1) * 4 < m->cap * 3)
		return 0;
	ncap = m->cap ? m->cap * 2 : 64;
	nh = flw_calloc(ncap, sizeof(*nh));
	nv = flw_calloc(ncap, sizeof(*nv));
	if (!nh || !nv) {
		flw_free(nh);
		flw_free(nv);
		return FLW_ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->h[i])
			continue;
		j = (size_t)m->h[i] & (ncap - 1);
		while (nh[j])
			j = (j + 1) & (ncap - 1);
		nh[j] = m->h[i];
		nv[j] = m->v[i];
	}
	flw_free(m->h);
	flw_free(m->v);
	m->h = nh;
	m->v = nv;
	m->cap = ncap;
	return 0;
}

/* Value for h (eq confirms), or NONE; *slot_out = slot to insert into. Call map_reserve first
 * when inserting (an empty map has no slots). */
static uint32_t map_find(const struct map *m, uint64_t h, map_eq_fn eq, const void *ctx,
                         size_t *slot_out)
{
	size_t j;

	*slot_out = 0;
	if (!m->cap)
		return NONE;
	j = (size_t)h & (m->cap - 1);
	while (m->h[j]) {
		if (m->h[j] == h && eq(ctx, m->v[j]))
			return m->v[j];
		j = (j + 1) & (m->cap - 1);
	}
	*slot_out = j;
	return NONE;
}

static void map_put(struct map *m, size_t slot, uint64_t h, uint32_t v)
{
	m->h[slot] = h;
	m->v[slot] = v;
	m->n++;
}

static void map_done(struct map *m)
{
	flw_free(m->h);
	flw_free(m->v);
	memset(m, 0, sizeof(*m));
}

/* grow *p (n used, *cap) to hold one more element */
static int grow(void *pp, size_t *cap, size_t n, size_t elsize)
{
	void **p = pp;
	size_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	np = flw_reallocarray(*p, ncap, elsize);
	if (!np)
		return FLW_ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

/* ---- the result ----------------------------------------------------------------------- */

struct cve_ent {
	const char *id;
	const struct flw_vuln_entry *e; /* valid during the run only */
};

struct comp {
	struct flw_sbom_component c;
	uint32_t name;
	uint32_t hit0;
	uint32_t nhit;
	struct flw_match_item *item; /* NULL: unmatchable */
};

struct hit {
	struct flw_assess_hit pub;
	uint32_t name;
};

struct hw {
	const char *s;
	int ok;
	struct flw_cpe cpe;
};

struct rkey {
	uint32_t cve;
	uint32_t seg;
	uint16_t cls;
	uint8_t conf;
	uint8_t exposure;
};

struct gkey {
	uint32_t rel;
	uint32_t hw;
	uint32_t seg;
	uint16_t cls;
	uint8_t exposure;
};

struct group {
	struct gkey k;
	size_t first; /* into gitems */
	size_t n;
};

struct gitem {
	uint32_t hit;
	uint32_t risk;
};

struct rel {
	const char *id;
	const char *line;
	int64_t released_ms;
	uint32_t *comps;
	size_t n;
};

struct pair2 {
	uint64_t a;
	uint32_t b;
};

struct flw_assessment {
	struct ablk *ar;
	struct flw_assess_stats st;
	int64_t now;
	struct cve_ent *cves;
	size_t n_cves, cap_cves;
	struct map cve_map;
	const char **names;
	size_t n_names, cap_names;
	struct map name_map;
	struct comp *comps;
	size_t n_comps, cap_comps;
	struct map comp_map;
	struct hit *hits;
	size_t n_hits, cap_hits;
	struct hw *hws;
	size_t n_hws, cap_hws;
	struct map hw_map;
	const char **segs;
	size_t n_segs, cap_segs;
	struct map seg_map;
	struct flw_risk_result *risks;
	struct rkey *rkeys;
	int64_t *rkev_due;
	size_t n_risks, cap_risks, cap_rkeys, cap_rkev;
	struct map risk_map;
	struct group *groups;
	size_t n_groups, cap_groups;
	struct map group_map;
	struct gitem *gitems;
	size_t n_gitems, cap_gitems;
	struct pair2 *hwc; /* (hit << 32 | hw) -> hit or NONE */
	size_t n_hwc, cap_hwc;
	struct map hwc_map;
	struct pair2 *ghosts; /* (cve << 32 | name) -> hit */
	size_t n_ghosts, cap_ghosts;
	struct map ghost_map;
	struct rel *rels;
	size_t n_rels;
	uint32_t *xcomps; /* device extras, [xoff[d], xoff[d + 1]) */
	size_t *xoff;
	size_t n_x, cap_x;
	struct flw_assess_device_result *devs;
	const char **dev_ids;
	uint32_t *dev_rel;
	size_t n_devs;
	struct flw_assess_finding *f;
	size_t n_f, cap_f;
};

/* run context: inputs and scratch */
struct run {
	struct flw_assessment *a;
	const struct flw_assess_input *in;
	const struct flw_assessment *prev;
	struct map changed; /* cve string hashes of changed ids */
	const char *const *changed_ids;
	uint32_t *ids; /* lookup buffer */
	size_t cap_ids;
	uint32_t *tr_cve; /* prev cve -> cve */
	uint32_t *tr_name;
	const struct flw_assess_finding **pri_prev; /* prior k from prev, or NULL */
	const struct flw_finding_life **pri_life;   /* prior k from the input */
	uint32_t *pri_cve;
	uint32_t *pri_name;
	size_t cap_pri;
	struct dl_cache {
		uint32_t risk;
		int64_t first_seen_ms;
		struct flw_risk_deadline dl;
	} dl_cache[256];
	struct flw_diag *diag;
};

void flw_assessment_free(struct flw_assessment *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n_comps; i++)
		flw_match_item_free(a->comps[i].item);
	for (i = 0; i < a->n_rels; i++)
		flw_free(a->rels[i].comps);
	flw_free(a->cves);
	flw_free(a->names);
	flw_free(a->comps);
	flw_free(a->hits);
	flw_free(a->hws);
	flw_free(a->segs);
	flw_free(a->risks);
	flw_free(a->rkeys);
	flw_free(a->rkev_due);
	flw_free(a->groups);
	flw_free(a->gitems);
	flw_free(a->hwc);
	flw_free(a->ghosts);
	flw_free(a->rels);
	flw_free(a->xcomps);
	flw_free(a->xoff);
	flw_free(a->devs);
	flw_free(a->dev_ids);
	flw_free(a->dev_rel);
	flw_free(a->f);
	map_done(&a->cve_map);
	map_done(&a->name_map);
	map_done(&a->comp_map);
	map_done(&a->hw_map);
	map_done(&a->seg_map);
	map_done(&a->risk_map);
	map_done(&a->group_map);
	map_done(&a->hwc_map);
	map_done(&a->ghost_map);
	arena_free(a->ar);
	flw_free(a);
}

/* ---- interning ------------------------------------------------------------------------ */

struct str_ctx {
	const char *const *tab;
	const char *s;
};

static int str_eq(const void *ctx, uint32_t v)
{
	const struct str_ctx *c = ctx;

	return strcmp(c->tab[v], c->s) == 0;
}

static int cve_eq(const void *ctx, uint32_t v)
{
	const struct str_ctx *c = ctx;
	const struct cve_ent *t = (const struct cve_ent *)(const void *)c->tab;

	return strcmp(t[v].id, c->s) == 0;
}

static int intern_cve(struct run *r, const char *id, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	struct str_ctx c = { (const char *const *)(const void *)a->cves, id };
	uint64_t h = mix(hash_str(0, id));
	size_t slot;
	int rc = 0;

	*out = map_find(&a->cve_map, h, cve_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (map_reserve(&a->cve_map) != 0 ||
	    grow(&a->cves, &a->cap_cves, a->n_cves, sizeof(*a->cves)))
		return FLW_ENOMEM;
	a->cves[a->n_cves].id = arena_str(&a->ar, id, &rc);
	if (rc != 0)
		return rc;
	a->cves[a->n_cves].e = flw_vuln_db_get(r->in->db, id);
	c.tab = (const char *const *)(const void *)a->cves;
	(void)map_find(&a->cve_map, h, cve_eq, &c, &slot);
	map_put(&a->cve_map, slot, h, (uint32_t)a->n_cves);
	*out = (uint32_t)a->n_cves++;
	return 0;
}

/* intern s into (tab, n, cap, map); NULL s gives NONE */
static int intern_str(struct flw_assessment *a, const char ***tab, size_t *n, size_t *cap,
                      struct map *m, const char *s, uint32_t *out)
{
	struct str_ctx c = { *tab, s };
	uint64_t h;
	size_t slot;
	int rc = 0;

	*out = NONE;
	if (!s)
		return 0;
	h = mix(hash_str(0, s));
	*out = map_find(m, h, str_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (map_reserve(m) != 0 || grow(tab, cap, *n, sizeof(**tab)) != 0)
		return FLW_ENOMEM;
	(*tab)[*n] = arena_str(&a->ar, s, &rc);
	if (rc != 0)
		return rc;
	c.tab = *tab;
	(void)map_find(m, h, str_eq, &c, &slot);
	map_put(m, slot, h, (uint32_t)*n);
	*out = (uint32_t)(*n)++;
	return 0;
}

static int same(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return strcmp(x, y) == 0;
}

static int comp_same(const struct flw_sbom_component *x, const struct flw_sbom_component *y)
{
	return same(x->name, y->name) && same(x->version, y->version) && same(x->purl, y->purl) &&
	       same(x->cpe, y->cpe) && same(x->vendor, y->vendor);
}

struct comp_ctx {
	const struct comp *tab;
	const struct flw_sbom_component *c;
};

static int comp_eq(const void *ctx, uint32_t v)
{
	const struct comp_ctx *c = ctx;

	return comp_same(&c->tab[v].c, c->c);
}

static uint64_t comp_hash(const struct flw_sbom_component *c)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = hash_str(h, c->name);
	h = hash_str(h, c->version);
	h = hash_str(h, c->purl);
	h = hash_str(h, c->cpe);
	return mix(hash_str(h, c->vendor));
}

static int intern_comp(struct run *r, const struct flw_sbom_component *c, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	struct comp_ctx ctx = { a->comps, c };
	uint64_t h = comp_hash(c);
	struct comp *n;
	size_t slot;
	int rc = 0;

	*out = map_find(&a->comp_map, h, comp_eq, &ctx, &slot);
	if (*out != NONE)
		return 0;
	if (map_reserve(&a->comp_map) != 0 ||
	    grow(&a->comps, &a->cap_comps, a->n_comps, sizeof(*a->comps)) != 0)
		return FLW_ENOMEM;
	n = &a->comps[a->n_comps];
	memset(n, 0, sizeof(*n));
	n->c.name = arena_str(&a->ar, c->name, &rc);
	n->c.version = arena_str(&a->ar, c->version, &rc);
	n->c.purl = arena_str(&a->ar, c->purl, &rc);
	n->c.cpe = arena_str(&a->ar, c->cpe, &rc);
	n->c.vendor = arena_str(&a->ar, c->vendor, &rc);
	if (rc == 0)
		rc = intern_str(a, &a->names, &a->n_names, &a->cap_names, &a->name_map,
		                c->name ? c->name : "", &n->name);
	if (rc != 0)
		return rc;
	ctx.tab = a->comps;
	(void)map_find(&a->comp_map, h, comp_eq, &ctx, &slot);
	map_put(&a->comp_map, slot, h, (uint32_t)a->n_comps);
	*out = (uint32_t)a->n_comps++;
	return 0;
}

/* ---- input ---------------------------------------------------------------------------- */

static int check_input(const struct flw_assess_input *in, struct flw_diag *diag)
{
	size_t i;

	if (!in->db || !in->index || !in->policy || in->now_ms <= 0 ||
	    (in->n_releases && !in->releases) || (in->n_devices && !in->devices))
		return flw_diag_set(diag, FLW_EINVAL, "input", "db, index, policy, now required");
	if (in->n_releases > FLW_ASSESS_MAX_RELEASES || in->n_devices > FLW_ASSESS_MAX_DEVICES)
		return flw_diag_set(diag, FLW_ELIMIT, "input", "too many releases or devices");
	for (i = 0; i < in->n_releases; i++)
		if (!in->releases[i].id ||
		    in->releases[i].n_components > FLW_ASSESS_MAX_COMPONENTS ||
		    (in->releases[i].n_components && !in->releases[i].components))
			return flw_diag_set(diag, FLW_EINVAL, "releases",
			                    "release %zu: bad id or components", i);
	for (i = 0; i < in->n_devices; i++) {
		const struct flw_assess_device *d = &in->devices[i];

		if (!d->id || d->release >= in->n_releases || (int)d->exposure < 0 ||
		    d->exposure >= _FLW_RISK_EXPOSURE_MAX ||
		    d->n_extra > FLW_ASSESS_MAX_COMPONENTS || d->n_priors > FLW_ASSESS_MAX_PRIORS ||
		    (d->n_extra && !d->extra) || (d->n_priors && !d->priors))
			return flw_diag_set(diag, FLW_EINVAL, "devices", "device %zu: bad field",
			                    i);
	}
	return 0;
}

static int intern_components(struct run *r, const struct flw_sbom_component *c, size_t n,
                             uint32_t *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		if (!c[i].name)
			return flw_diag_set(r->diag, FLW_EINVAL, "components",
			                    "component without name");
		rc = intern_comp(r, &c[i], &out[i]);
	}
	return rc;
}

static int load_releases(struct run *r)
{
	struct flw_assessment *a = r->a;
	const struct flw_assess_input *in = r->in;
	size_t i;
	int rc = 0;

	a->rels = flw_calloc(in->n_releases ? in->n_releases : 1, sizeof(*a->rels));
	if (!a->rels)
		return FLW_ENOMEM;
	for (i = 0; rc == 0 && i < in->n_releases; i++) {
		const struct flw_assess_release *s = &in->releases[i];
		struct rel *d = &a->rels[i];

		a->n_rels = i + 1;
		d->id = arena_str(&a->ar, s->id, &rc);
		d->line = arena_str(&a->ar, s->product_line ? s->product_line : s->id, &rc);
		d->released_ms = s->released_ms;
		d->comps = flw_calloc(s->n_components ? s->n_components : 1, sizeof(*d->comps));
		if (!d->comps || rc != 0)
			return FLW_ENOMEM;
		d->n = s->n_components;
		rc = intern_components(r, s->components, s->n_components, d->comps);
	}
	return rc;
}

static int load_devices(struct run *r)
{
	struct flw_assessment *a = r->a;
	const struct flw_assess_input *in = r->in;
	size_t nd = in->n_devices ? in->n_devices : 1;
	size_t i;
	int rc = 0;

	a->devs = flw_calloc(nd, sizeof(*a->devs));
	a->dev_ids = flw_calloc(nd, sizeof(*a->dev_ids));
	a->dev_rel = flw_calloc(nd, sizeof(*a->dev_rel));
	a->xoff = flw_calloc(nd + 1, sizeof(*a->xoff));
	if (!a->devs || !a->dev_ids || !a->dev_rel || !a->xoff)
		return FLW_ENOMEM;
	for (i = 0; rc == 0 && i < in->n_devices; i++) {
		const struct flw_assess_device *d = &in->devices[i];
		size_t k;

		a->dev_ids[i] = arena_str(&a->ar, d->id, &rc);
		a->dev_rel[i] = (uint32_t)d->release;
		a->xoff[i] = a->n_x;
		for (k = 0; rc == 0 && k < d->n_extra; k++) {
			rc = grow(&a->xcomps, &a->cap_x, a->n_x, sizeof(*a->xcomps));
			if (rc == 0)
				rc = intern_components(r, &d->extra[k], 1, &a->xcomps[a->n_x]);
			a->n_x += rc == 0;
		}
	}
	a->xoff[in->n_devices] = a->n_x;
	a->n_devs = in->n_devices;
	return rc;
}

/* ---- matching ------------------------------------------------------------------------- */

static int add_hit(struct run *r, const char *cve, uint32_t comp, uint32_t hw,
                   const struct flw_match_result *m, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	struct hit *h;
	int rc;

	if (a->n_hits >= NONE - 1)
		return FLW_ELIMIT;
	if (grow(&a->hits, &a->cap_hits, a->n_hits, sizeof(*a->hits)) != 0)
		return FLW_ENOMEM;
	h = &a->hits[a->n_hits];
	memset(h, 0, sizeof(*h));
	rc = intern_cve(r, cve, &h->pub.cve);
	if (rc != 0)
		return rc;
	h->pub.cve_id = a->cves[h->pub.cve].id;
	h->pub.component = comp;
	h->pub.hardware = hw;
	h->pub.match = *m;
	h->pub.match.criteria = arena_str(&a->ar, m->criteria, &rc);
	h->pub.match.criteria_id = arena_str(&a->ar, m->criteria_id, &rc);
	h->pub.match.start = arena_str(&a->ar, m->start, &rc);
	h->pub.match.end = arena_str(&a->ar, m->end, &rc);
	if (rc != 0)
		return rc;
	if (comp != NONE) {
		h->name = a->comps[comp].name;
		h->pub.component_name = a->names[h->name];
	}
	*out = (uint32_t)a->n_hits++;
	a->st.hits++;
	return 0;
}

struct match_ctx {
	struct run *r;
	uint32_t comp;
};

static int match_cb(const char *cve, const struct flw_match_result *m, void *payload)
{
	struct match_ctx *c = payload;
	uint32_t h;

	return add_hit(c->r, cve, c->comp, NONE, m, &h);
}

static int is_changed(const struct run *r, const char *cve)
{
	struct str_ctx c = { r->changed_ids, cve };
	size_t slot;

	return map_find(&r->changed, mix(hash_str(0, cve)), str_eq, &c, &slot) != NONE;
}

/* candidate record ids of an item into r->ids; *n_out */
static int lookup(struct run *r, const struct flw_match_item *it, size_t *n_out)
{
	flw_vuln_index_lookup(r->in->index, it, r->ids, r->cap_ids, n_out);
	if (*n_out <= r->cap_ids)
		return 0;
	flw_free(r->ids);
	r->ids = flw_calloc(*n_out, sizeof(*r->ids));
	if (!r->ids)
		return FLW_ENOMEM;
	r->cap_ids = *n_out;
	flw_vuln_index_lookup(r->in->index, it, r->ids, r->cap_ids, n_out);
	return 0;
}

/* reuse prev's hits of the same component except changed CVEs, evaluate the changed ones */
static int match_reuse(struct run *r, uint32_t ci, const struct comp *pc)
{
	const struct flw_assessment *p = r->prev;
	struct comp *c = &r->a->comps[ci];
	size_t i;
	size_t n;
	uint32_t h;
	int rc = 0;

	for (i = 0; rc == 0 && i < pc->nhit; i++) {
		const struct hit *ph = &p->hits[pc->hit0 + i];

		if (!is_changed(r, ph->pub.cve_id))
			rc = add_hit(r, ph->pub.cve_id, ci, NONE, &ph->pub.match, &h);
	}
	if (rc != 0 || r->changed.n == 0)
		return rc;
	rc = lookup(r, c->item, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		const char *cve = flw_vuln_index_cve(r->in->index, r->ids[i]);
		struct flw_match_result m;

		if (!is_changed(r, cve))
			continue;
		r->a->st.evaluated++;
		rc = flw_vuln_index_eval(r->in->index, r->ids[i], c->item, NULL, &m);
		if (rc == 0 && m.verdict != FLW_MATCH_NO)
			rc = add_hit(r, cve, ci, NONE, &m, &h);
	}
	return rc;
}

static const struct comp *prev_comp(const struct run *r, const struct flw_sbom_component *c)
{
	struct comp_ctx ctx;
	size_t slot;
	uint32_t v;

	if (!r->prev)
		return NULL;
	ctx.tab = r->prev->comps;
	ctx.c = c;
	v = map_find(&r->prev->comp_map, comp_hash(c), comp_eq, &ctx, &slot);
	return v == NONE || !r->prev->comps[v].item ? NULL : &r->prev->comps[v];
}

static int match_one(struct run *r, uint32_t ci)
{
	struct flw_assessment *a = r->a;
	struct comp *c = &a->comps[ci];
	struct flw_component fc;
	const struct comp *pc;
	struct match_ctx mc = { r, ci };
	int rc;

	memset(&fc, 0, sizeof(fc));
	fc.vendor = c->c.vendor;
	fc.product = c->c.name;
	fc.version = c->c.version;
	fc.cpe = c->c.cpe;
	fc.purl = c->c.purl;
	rc = flw_match_item_new(&c->item, &fc, NULL, NULL);
	if (rc == FLW_ENOMEM)
		return rc;
	c->hit0 = (uint32_t)a->n_hits;
	if (rc != 0) {
		c->item = NULL;
		a->st.unmatchable++;
		return 0;
	}
	pc = prev_comp(r, &c->c);
	if (pc) {
		a->st.reused++;
		rc = match_reuse(r, ci, pc);
	} else {
		a->st.matched++;
		rc = flw_vuln_index_match(r->in->index, c->item, NULL, match_cb, &mc);
	}
	c->nhit = (uint32_t)(a->n_hits - c->hit0);
	return rc;
}

static int match_components(struct run *r, size_t n_changed)
{
	struct flw_assessment *a = r->a;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < n_changed; i++) {
		struct str_ctx c = { r->changed_ids, r->changed_ids[i] };
		uint64_t h = mix(hash_str(0, r->changed_ids[i]));
		size_t slot;

		if (!r->changed_ids[i])
			return flw_diag_set(r->diag, FLW_EINVAL, "changed", "NULL CVE id");
		if (map_reserve(&r->changed) != 0)
			return FLW_ENOMEM;
		if (map_find(&r->changed, h, str_eq, &c, &slot) == NONE)
			map_put(&r->changed, slot, h, (uint32_t)i);
	}
	r->cap_ids = LOOKUP_MAX;
	r->ids = flw_calloc(r->cap_ids, sizeof(*r->ids));
	if (!r->ids)
		return FLW_ENOMEM;
	for (i = 0; rc == 0 && i < a->n_comps; i++)
		rc = match_one(r, (uint32_t)i);
	a->st.components = a->n_comps;
	return rc;
}

/* ---- hardware, risk, groups ----------------------------------------------------------- */

struct hw_ctx {
	const struct hw *tab;
	const char *s;
};

static int hw_eq(const void *ctx, uint32_t v)
{
	const struct hw_ctx *c = ctx;

	return strcmp(c->tab[v].s, c->s) == 0;
}

static int intern_hw(struct run *r, const char *s, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	struct hw_ctx c = { a->hws, s };
	uint64_t h;
	size_t slot;
	struct hw *n;
	int rc = 0;

	*out = NONE;
	if (!s)
		return 0;
	h = mix(hash_str(1, s));
	*out = map_find(&a->hw_map, h, hw_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (map_reserve(&a->hw_map) != 0 || grow(&a->hws, &a->cap_hws, a->n_hws, sizeof(*a->hws)))
		return FLW_ENOMEM;
	n = &a->hws[a->n_hws];
	n->s = arena_str(&a->ar, s, &rc);
	if (rc != 0)
		return rc;
	n->ok = flw_cpe_parse(&n->cpe, s, strlen(s), NULL) == 0;
	a->st.bad_hardware += !n->ok;
	c.tab = a->hws;
	(void)map_find(&a->hw_map, h, hw_eq, &c, &slot);
	map_put(&a->hw_map, slot, h, (uint32_t)a->n_hws);
	*out = (uint32_t)a->n_hws++;
	return 0;
}

struct pair_ctx {
	const struct pair2 *tab;
	uint64_t a;
};

static int pair_eq(const void *ctx, uint32_t v)
{
	const struct pair_ctx *c = ctx;

	return c->tab[v].a == c->a;
}

/* the hit as it applies on hardware hw: re-evaluated once per (hit, hw) when the match assumed
 * the hardware; NONE when it does not apply there */
static int hw_adjust(struct run *r, uint32_t hit, uint32_t hw, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	const struct hit *h = &a->hits[hit];
	struct pair_ctx c = { a->hwc, ((uint64_t)hit << 32) | hw };
	uint64_t key = mix(c.a);
	struct flw_platform plat = { 0 };
	const struct comp *cp;
	size_t slot;
	size_t n;
	size_t i;
	uint32_t v;
	int rc;

	*out = hit;
	if (hw == NONE || !a->hws[hw].ok || !(h->pub.match.flags & FLW_MATCH_F_ASSUMED))
		return 0;
	v = map_find(&a->hwc_map, key, pair_eq, &c, &slot);
	if (v != NONE) {
		*out = a->hwc[v].b;
		return 0;
	}
	cp = &a->comps[h->pub.component];
	rc = lookup(r, cp->item, &n);
	plat.hardware = &a->hws[hw].cpe;
	*out = NONE;
	for (i = 0; rc == 0 && i < n; i++) {
		struct flw_match_result m;

		if (strcmp(flw_vuln_index_cve(r->in->index, r->ids[i]), h->pub.cve_id) != 0)
			continue;
		a->st.hardware_evals++;
		rc = flw_vuln_index_eval(r->in->index, r->ids[i], cp->item, &plat, &m);
		if (rc == 0 && m.verdict != FLW_MATCH_NO)
			rc = add_hit(r, h->pub.cve_id, h->pub.component, hw, &m, out);
		break;
	}
	if (rc != 0 || map_reserve(&a->hwc_map) != 0 ||
	    grow(&a->hwc, &a->cap_hwc, a->n_hwc, sizeof(*a->hwc)) != 0)
		return rc ? rc : FLW_ENOMEM;
	a->hwc[a->n_hwc].a = c.a;
	a->hwc[a->n_hwc].b = *out;
	c.tab = a->hwc;
	(void)map_find(&a->hwc_map, key, pair_eq, &c, &slot);
	map_put(&a->hwc_map, slot, key, (uint32_t)a->n_hwc++);
	return 0;
}

struct rkey_ctx {
	const struct rkey *tab;
	const struct rkey *k;
};

static int rkey_eq(const void *ctx, uint32_t v)
{
	const struct rkey_ctx *c = ctx;
	const struct rkey *x = &c->tab[v];

	return x->cve == c->k->cve && x->seg == c->k->seg && x->cls == c->k->cls &&
	       x->conf == c->k->conf && x->exposure == c->k->exposure;
}

static uint64_t rkey_hash(const struct rkey *k)
{
	return mix(((uint64_t)k->cve << 32 | k->seg) ^
	           mix((uint64_t)k->cls << 16 | (uint64_t)k->conf << 8 | k->exposure));
}

static int risk_compute(struct run *r, const struct rkey *k, const char *class_name)
{
	struct flw_assessment *a = r->a;
	const struct flw_vuln_entry *e = a->cves[k->cve].e;
	struct flw_risk_input in;

	memset(&in, 0, sizeof(in));
	if (e)
		flw_risk_input_from_entry(&in, e);
	in.exposure = (enum flw_risk_exposure)k->exposure;
	in.segment = k->seg == NONE ? NULL : a->segs[k->seg];
	in.class_name = class_name;
	in.confidence = (enum flw_match_confidence)k->conf;
	in.first_seen_ms = a->now;
	in.now_ms = a->now;
	a->rkev_due[a->n_risks] = in.kev_due_ms;
	return flw_risk_assess(r->in->policy, &in, &a->risks[a->n_risks], r->diag);
}

static int risk_get(struct run *r, const struct rkey *k, const char *class_name, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	struct rkey_ctx c = { a->rkeys, k };
	uint64_t h = rkey_hash(k);
	size_t slot;
	int rc;

	*out = map_find(&a->risk_map, h, rkey_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (map_reserve(&a->risk_map) != 0 ||
	    grow(&a->risks, &a->cap_risks, a->n_risks, sizeof(*a->risks)) != 0 ||
	    grow(&a->rkeys, &a->cap_rkeys, a->n_risks, sizeof(*a->rkeys)) != 0 ||
	    grow(&a->rkev_due, &a->cap_rkev, a->n_risks, sizeof(*a->rkev_due)) != 0)
		return FLW_ENOMEM;
	rc = risk_compute(r, k, class_name);
	if (rc != 0)
		return rc;
	a->rkeys[a->n_risks] = *k;
	c.tab = a->rkeys;
	(void)map_find(&a->risk_map, h, rkey_eq, &c, &slot);
	map_put(&a->risk_map, slot, h, (uint32_t)a->n_risks);
	*out = (uint32_t)a->n_risks++;
	a->st.risks++;
	return 0;
}

/* (hit on hardware, risk) for one component hit, or hit NONE */
static int hit_item(struct run *r, uint32_t hit, const struct gkey *g, const char *class_name,
                    struct gitem *out)
{
	struct rkey k;
	int rc;

	out->risk = NONE;
	rc = hw_adjust(r, hit, g->hw, &out->hit);
	if (rc != 0 || out->hit == NONE)
		return rc;
	memset(&k, 0, sizeof(k));
	k.cve = r->a->hits[out->hit].pub.cve;
	k.seg = g->seg;
	k.cls = g->cls;
	k.conf = (uint8_t)r->a->hits[out->hit].pub.match.confidence;
	k.exposure = g->exposure;
	return risk_get(r, &k, class_name, &out->risk);
}

struct gkey_ctx {
	const struct group *tab;
	const struct gkey *k;
};

static int gkey_eq(const void *ctx, uint32_t v)
{
	const struct gkey_ctx *c = ctx;
	const struct gkey *x = &c->tab[v].k;

	return x->rel == c->k->rel && x->hw == c->k->hw && x->seg == c->k->seg &&
	       x->cls == c->k->cls && x->exposure == c->k->exposure;
}

static int group_build(struct run *r, const struct gkey *k, const char *class_name)
{
	struct flw_assessment *a = r->a;
	const struct rel *rl = &a->rels[k->rel];
	struct group *g = &a->groups[a->n_groups];
	size_t i;
	uint32_t j;
	int rc = 0;

	g->k = *k;
	g->first = a->n_gitems;
	for (i = 0; rc == 0 && i < rl->n; i++) {
		const struct comp *c = &a->comps[rl->comps[i]];

		for (j = 0; rc == 0 && j < c->nhit; j++) {
			struct gitem it;

			rc = hit_item(r, c->hit0 + j, k, class_name, &it);
			if (rc != 0 || it.hit == NONE)
				continue;
			rc = grow(&a->gitems, &a->cap_gitems, a->n_gitems, sizeof(*a->gitems));
			if (rc == 0)
				a->gitems[a->n_gitems++] = it;
		}
	}
	g->n = a->n_gitems - g->first;
	return rc;
}

static int group_get(struct run *r, const struct gkey *k, const char *class_name, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	struct gkey_ctx c = { a->groups, k };
	uint64_t h = mix(((uint64_t)k->rel << 32 | k->hw) ^
	                 mix((uint64_t)k->seg << 24 | (uint64_t)k->cls << 8 | k->exposure));
	size_t slot;
	int rc;

	*out = map_find(&a->group_map, h, gkey_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (map_reserve(&a->group_map) != 0 ||
	    grow(&a->groups, &a->cap_groups, a->n_groups, sizeof(*a->groups)) != 0)
		return FLW_ENOMEM;
	rc = group_build(r, k, class_name);
	if (rc != 0)
		return rc;
	c.tab = a->groups;
	(void)map_find(&a->group_map, h, gkey_eq, &c, &slot);
	map_put(&a->group_map, slot, h, (uint32_t)a->n_groups);
	*out = (uint32_t)a->n_groups++;
	a->st.groups++;
	return 0;
}

/* ---- projection ----------------------------------------------------------------------- */

static int emit(struct run *r, uint32_t dev, const struct gitem *it)
{
	struct flw_assessment *a = r->a;
	struct flw_assess_finding *f;
	const struct flw_risk_result *rr;

	if (a->n_f >= FLW_ASSESS_MAX_FINDINGS)
		return FLW_ELIMIT;
	if (grow(&a->f, &a->cap_f, a->n_f, sizeof(*a->f)) != 0)
		return FLW_ENOMEM;
	f = &a->f[a->n_f++];
	memset(f, 0, sizeof(*f));
	f->device = dev;
	f->fix_release = NONE; /* filled by the fix pass */
	f->hit = it->hit;
	f->risk = it->risk;
	f->state = FLW_FINDING_OPEN; /* = flw_finding_init(now) */
	f->change = FLW_ASSESS_NEW;
	f->first_seen_ms = a->now;
	f->opened_ms = a->now;
	f->updated_ms = a->now;
	if (it->risk != NONE) {
		rr = &a->risks[it->risk];
		f->due_ms = rr->deadline.due_ms;
		f->overdue = (uint8_t)rr->deadline.overdue;
	}
	return 0;
}

struct ghost_ctx {
	const struct pair2 *tab;
	uint64_t a;
};

/* a hit standing for (cve, component name) no longer present */
static int ghost_get(struct run *r, uint32_t cve, uint32_t name, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	struct pair_ctx c = { a->ghosts, (uint64_t)cve << 32 | name };
	uint64_t h = mix(c.a ^ 0x5bd1e995ULL);
	struct flw_match_result m;
	size_t slot;
	uint32_t v;
	int rc;

	v = map_find(&a->ghost_map, h, pair_eq, &c, &slot);
	if (v != NONE) {
		*out = a->ghosts[v].b;
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.reason = "not present on the device any more";
	rc = add_hit(r, a->cves[cve].id, NONE, NONE, &m, out);
	if (rc != 0 || map_reserve(&a->ghost_map) != 0 ||
	    grow(&a->ghosts, &a->cap_ghosts, a->n_ghosts, sizeof(*a->ghosts)) != 0)
		return rc ? rc : FLW_ENOMEM;
	a->st.hits--; /* not a match */
	a->hits[*out].name = name;
	a->hits[*out].pub.component_name = a->names[name];
	a->ghosts[a->n_ghosts].a = c.a;
	a->ghosts[a->n_ghosts].b = *out;
	c.tab = a->ghosts;
	(void)map_find(&a->ghost_map, h, pair_eq, &c, &slot);
	map_put(&a->ghost_map, slot, h, (uint32_t)a->n_ghosts++);
	return 0;
}

static void life_to_finding(const struct flw_finding_life *l, struct flw_assess_finding *f)
{
	f->state = (uint8_t)l->state;
	f->first_seen_ms = l->first_seen_ms;
	f->opened_ms = l->opened_ms;
	f->fixed_ms = l->fixed_ms;
	f->updated_ms = l->updated_ms;
	f->accept_expiry_ms = l->state == FLW_FINDING_ACCEPTED ? l->accept_expiry_ms : 0;
	f->reopen_count = (uint8_t)(l->reopen_count > 255 ? 255 : l->reopen_count);
}

/* the lifecycle of prior k as risk.h knows it */
static void prior_life(const struct run *r, size_t k, struct flw_finding_life *l)
{
	const struct flw_assess_finding *f = r->pri_prev[k];

	if (!f) {
		*l = *r->pri_life[k];
		return;
	}
	memset(l, 0, sizeof(*l));
	l->state = (enum flw_finding_state)f->state;
	l->first_seen_ms = f->first_seen_ms;
	l->opened_ms = f->opened_ms;
	l->fixed_ms = f->fixed_ms;
	l->updated_ms = f->updated_ms;
	l->reopen_count = f->reopen_count;
	l->accept_expiry_ms = f->accept_expiry_ms;
}

/* deadline of a finding first seen at t, cached per risk (findings of a device share t) */
static int deadline(struct run *r, uint32_t risk, int64_t t, struct flw_risk_deadline *out)
{
	struct dl_cache *c = &r->dl_cache[risk & 255];
	const struct flw_risk_result *rr = &r->a->risks[risk];
	int rc;

	if (c->risk == risk && c->first_seen_ms == t) {
		*out = c->dl;
		return 0;
	}
	rc = flw_risk_deadline(r->in->policy, rr->cls, rr->decision, t, r->a->rkev_due[risk],
	                       r->a->now, out);
	if (rc == 0) {
		c->risk = risk;
		c->first_seen_ms = t;
		c->dl = *out;
	}
	return rc;
}

/* prior k seen again: SEEN at now (flw_finding_apply; an open finding only moves its update
 * time, by the same table), deadline from its first seen */
static int prior_seen(struct run *r, size_t k, struct flw_assess_finding *f)
{
	struct flw_finding_event_data ev = { FLW_FINDING_EV_SEEN, r->a->now, NULL, NULL, 0 };
	const struct flw_assess_finding *pf = r->pri_prev[k];
	struct flw_risk_deadline dl;
	struct flw_finding_life l;
	int rc;

	if (pf && pf->state == FLW_FINDING_OPEN && pf->updated_ms <= ev.at_ms &&
	    flw_finding_next(FLW_FINDING_OPEN, FLW_FINDING_EV_SEEN) == FLW_FINDING_OPEN) {
		*f = (struct flw_assess_finding){ f->device,
			                          f->hit,
			                          f->risk,
			                          FLW_FINDING_OPEN,
			                          FLW_ASSESS_STILL,
			                          0,
			                          pf->reopen_count,
			                          pf->first_seen_ms,
			                          pf->opened_ms,
			                          pf->fixed_ms,
			                          ev.at_ms,
			                          0,
			                          0 };
	} else {
		prior_life(r, k, &l);
		rc = flw_finding_apply(&l, &ev, r->diag);
		if (rc != 0)
			return rc;
		life_to_finding(&l, f);
		f->change =
		        l.state == FLW_FINDING_OPEN &&
		                        (pf ? pf->state : r->pri_life[k]->state) != FLW_FINDING_OPEN
		                ? FLW_ASSESS_REOPENED
		                : FLW_ASSESS_STILL;
	}
	rc = deadline(r, f->risk, f->first_seen_ms, &dl);
	if (rc != 0)
		return rc;
	f->due_ms = dl.due_ms;
	f->overdue = (uint8_t)(f->state == FLW_FINDING_OPEN && dl.overdue);
	return 0;
}

/* prior k not seen: fixed now (or kept as history when it was fixed already) */
static int prior_gone(struct run *r, uint32_t dev, size_t k)
{
	struct flw_assessment *a = r->a;
	struct flw_finding_event_data ev = { FLW_FINDING_EV_GONE, a->now, NULL, NULL, 0 };
	struct gitem it = { NONE, NONE };
	struct flw_finding_life l;
	int history;
	int rc;

	prior_life(r, k, &l);
	history = l.state == FLW_FINDING_FIXED;
	if (!history && (rc = flw_finding_apply(&l, &ev, r->diag)) != 0)
		return rc;
	rc = ghost_get(r, r->pri_cve[k], r->pri_name[k], &it.hit);
	if (rc == 0)
		rc = emit(r, dev, &it);
	if (rc != 0)
		return rc;
	life_to_finding(&l, &a->f[a->n_f - 1]);
	a->f[a->n_f - 1].change = history ? FLW_ASSESS_HISTORY : FLW_ASSESS_FIXED_NOW;
	return 0;
}

static int prior_grow(struct run *r, size_t n)
{
	if (n <= r->cap_pri)
		return 0;
	flw_free(r->pri_prev);
	flw_free(r->pri_life);
	flw_free(r->pri_cve);
	flw_free(r->pri_name);
	r->pri_prev = flw_calloc(n, sizeof(*r->pri_prev));
	r->pri_life = flw_calloc(n, sizeof(*r->pri_life));
	r->pri_cve = flw_calloc(n, sizeof(*r->pri_cve));
	r->pri_name = flw_calloc(n, sizeof(*r->pri_name));
	r->cap_pri = r->pri_prev && r->pri_life && r->pri_cve && r->pri_name ? n : 0;
	return r->cap_pri ? 0 : FLW_ENOMEM;
}

/* priors of device i from prev (the device with the same id) */
static int priors_prev(struct run *r, uint32_t pdev, size_t *n_out)
{
	struct flw_assessment *a = r->a;
	const struct flw_assessment *p = r->prev;
	const struct flw_assess_device_result *pd = &p->devs[pdev];
	size_t k;
	int rc;

	if ((rc = prior_grow(r, pd->n)) != 0)
		return rc;
	for (k = 0; rc == 0 && k < pd->n; k++) {
		const struct flw_assess_finding *f = &p->f[pd->first + k];
		const struct hit *h = &p->hits[f->hit];

		r->pri_prev[k] = f;
		if (r->tr_cve[h->pub.cve] == NONE)
			rc = intern_cve(r, h->pub.cve_id, &r->tr_cve[h->pub.cve]);
		if (rc == 0 && r->tr_name[h->name] == NONE)
			rc = intern_str(a, &a->names, &a->n_names, &a->cap_names, &a->name_map,
			                p->names[h->name], &r->tr_name[h->name]);
		r->pri_cve[k] = r->tr_cve[h->pub.cve];
		r->pri_name[k] = r->tr_name[h->name];
	}
	*n_out = pd->n;
	return rc;
}

/* priors of device i into r->pri_*: from prev (same id) or the input; *n_out */
static int priors_load(struct run *r, size_t i, uint32_t pdev, size_t *n_out)
{
	struct flw_assessment *a = r->a;
	const struct flw_assess_device *d = &r->in->devices[i];
	size_t k;
	int rc = 0;

	*n_out = 0;
	if (pdev != NONE && !d->priors_override)
		return priors_prev(r, pdev, n_out);
	if ((rc = prior_grow(r, d->n_priors)) != 0)
		return rc;
	for (k = 0; rc == 0 && k < d->n_priors; k++) {
		const struct flw_assess_prior *pr = &d->priors[k];

		if (!pr->cve_id || !pr->component || !pr->life)
			return flw_diag_set(r->diag, FLW_EINVAL, "priors",
			                    "device '%s': incomplete prior", d->id);
		r->pri_prev[k] = NULL;
		r->pri_life[k] = pr->life;
		rc = intern_cve(r, pr->cve_id, &r->pri_cve[k]);
		if (rc == 0)
			rc = intern_str(a, &a->names, &a->n_names, &a->cap_names, &a->name_map,
			                pr->component, &r->pri_name[k]);
	}
	*n_out = d->n_priors;
	return rc;
}

static int prior_match(const struct run *r, const struct flw_assess_finding *f, size_t k)
{
	const struct hit *h = &r->a->hits[f->hit];

	return f->change == FLW_ASSESS_NEW && h->pub.cve == r->pri_cve[k] &&
	       h->name == r->pri_name[k];
}

static int priors_merge(struct run *r, uint32_t dev, size_t first, size_t np)
{
	struct flw_assessment *a = r->a;
	size_t end = a->n_f;
	size_t k;
	size_t j;
	int rc = 0;

	for (k = 0; rc == 0 && k < np; k++) {
		/* fast path: same order as in the previous run (same group) */
		j = first + k;
		if (j >= end || !prior_match(r, &a->f[j], k))
			for (j = first; j < end && !prior_match(r, &a->f[j], k); j++)
				;
		if (j < end)
			rc = prior_seen(r, k, &a->f[j]);
		else
			rc = prior_gone(r, dev, k);
	}
	return rc;
}

static int device_eol(struct run *r, size_t i, struct flw_assess_device_result *dr)
{
	const struct flw_assess_device *d = &r->in->devices[i];
	struct flw_eol_input in;
	struct flw_eol_result res;
	int rc;

	memset(&in, 0, sizeof(in));
	in.support_end_ms = d->support_end_ms;
	in.now_ms = r->a->now;
	in.n_open = dr->n_open;
	in.worst_decision = dr->worst;
	in.exposure = d->exposure;
	in.class_name = d->class_name;
	rc = flw_eol_recommend(r->in->policy, &in, &res);
	dr->eol = rc == 0 ? res.action : FLW_EOL_NONE;
	r->a->st.eol_devices += dr->eol != FLW_EOL_NONE;
	return rc;
}

static int device_summary(struct run *r, size_t i)
{
	struct flw_assessment *a = r->a;
	struct flw_assess_device_result *dr = &a->devs[i];
	size_t k;

	dr->n = a->n_f - dr->first;
	dr->worst = FLW_RISK_TRACK;
	for (k = dr->first; k < a->n_f; k++) {
		const struct flw_assess_finding *f = &a->f[k];
		const struct flw_risk_result *rr;

		a->st.fixed += f->state == FLW_FINDING_FIXED;
		a->st.accepted += f->state == FLW_FINDING_ACCEPTED;
		a->st.overdue += f->overdue;
		if (f->state != FLW_FINDING_OPEN || f->risk == NONE)
			continue;
		rr = &a->risks[f->risk];
		dr->n_open++;
		if (rr->decision > dr->worst ||
		    (rr->decision == dr->worst && rr->score > dr->worst_score)) {
			dr->worst = rr->decision;
			dr->worst_score = rr->score;
		}
	}
	a->st.open += dr->n_open;
	return device_eol(r, i, dr);
}

static int device_key(struct run *r, const struct flw_assess_device *d, struct gkey *k)
{
	const struct flw_risk_class *cls =
	        d->class_name ? flw_risk_policy_class(r->in->policy, d->class_name) : NULL;
	int rc;

	memset(k, 0, sizeof(*k));
	k->rel = (uint32_t)d->release;
	k->cls = (uint16_t)(cls ? (size_t)(cls - r->in->policy->classes) : CLS_OTHER);
	k->exposure = (uint8_t)d->exposure;
	rc = intern_hw(r, d->hardware_cpe, &k->hw);
	if (rc == 0)
		rc = intern_str(r->a, &r->a->segs, &r->a->n_segs, &r->a->cap_segs, &r->a->seg_map,
		                d->segment, &k->seg);
	return rc;
}

static int project_device(struct run *r, size_t i, uint32_t pdev)
{
	struct flw_assessment *a = r->a;
	const struct flw_assess_device *d = &r->in->devices[i];
	struct gkey k;
	uint32_t g;
	size_t j;
	size_t np;
	int rc;

	if ((rc = device_key(r, d, &k)) != 0 || (rc = group_get(r, &k, d->class_name, &g)) != 0)
		return rc;
	a->devs[i].group = g;
	a->devs[i].first = a->n_f;
	for (j = 0; rc == 0 && j < a->groups[g].n; j++)
		rc = emit(r, (uint32_t)i, &a->gitems[a->groups[g].first + j]);
	for (j = a->xoff[i]; rc == 0 && j < a->xoff[i + 1]; j++) {
		const struct comp *c = &a->comps[a->xcomps[j]];
		uint32_t h;

		for (h = 0; rc == 0 && h < c->nhit; h++) {
			struct gitem it;

			rc = hit_item(r, c->hit0 + h, &k, d->class_name, &it);
			if (rc == 0 && it.hit != NONE)
				rc = emit(r, (uint32_t)i, &it);
		}
	}
	if (rc == 0)
		rc = priors_load(r, i, pdev, &np);
	if (rc == 0 && np)
		rc = priors_merge(r, (uint32_t)i, a->devs[i].first, np);
	if (rc == 0)
		rc = device_summary(r, i);
	return rc;
}

static int dev_eq(const void *ctx, uint32_t v)
{
	return str_eq(ctx, v);
}

static int project(struct run *r)
{
	const struct flw_assessment *p = r->prev;
	struct map pm = { 0 };
	size_t i;
	int rc = 0;

	if (p) {
		r->tr_cve = flw_malloc((p->n_cves + 1) * sizeof(*r->tr_cve));
		r->tr_name = flw_malloc((p->n_names + 1) * sizeof(*r->tr_name));
		if (!r->tr_cve || !r->tr_name)
			return FLW_ENOMEM;
		memset(r->tr_cve, 0xff, (p->n_cves + 1) * sizeof(*r->tr_cve));
		memset(r->tr_name, 0xff, (p->n_names + 1) * sizeof(*r->tr_name));
		for (i = 0; rc == 0 && i < p->n_devs; i++) {
			struct str_ctx c = { p->dev_ids, p->dev_ids[i] };
			uint64_t h = mix(hash_str(2, p->dev_ids[i]));
			size_t slot;

			rc = map_reserve(&pm);
			if (rc == 0 && map_find(&pm, h, dev_eq, &c, &slot) == NONE)
				map_put(&pm, slot, h, (uint32_t)i);
		}
	}
	for (i = 0; rc == 0 && i < r->in->n_devices; i++) {
		uint32_t pdev = NONE;

		if (p) {
			struct str_ctx c = { p->dev_ids, r->in->devices[i].id };
			size_t slot;

			pdev = map_find(&pm, mix(hash_str(2, c.s)), dev_eq, &c, &slot);
		}
		rc = project_device(r, i, pdev);
	}
	map_done(&pm);
	r->a->st.findings = r->a->n_f;
	return rc;
}

int flw_assess_run(struct flw_assessment **out, const struct flw_assess_input *in,
                   const struct flw_assessment *prev, const char *const *changed, size_t n_changed,
                   struct flw_diag *diag)
{
	struct run r;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < FLW_ARRAY_SIZE(r.dl_cache); i++)
		r.dl_cache[i].risk = NONE;
	r.in = in;
	r.prev = prev;
	r.changed_ids = changed;
	r.diag = diag;
	rc = check_input(in, diag);
	if (rc != 0)
		return rc;
	if (n_changed && !changed)
		return flw_diag_set(diag, FLW_EINVAL, "changed", "NULL list");
	rc = FLW_ENOMEM;
	r.a = flw_calloc(1, sizeof(*r.a));
	if (!r.a)
		goto out;
	r.a->now = in->now_ms;
	r.a->st.devices = in->n_devices;
	r.a->st.releases = in->n_releases;
	if ((rc = load_releases(&r)) != 0 || (rc = load_devices(&r)) != 0 ||
	    (rc = match_components(&r, n_changed)) != 0 || (rc = project(&r)) != 0)
		goto out;
	*out = r.a;
	r.a = NULL;
out:
	if (rc == FLW_ENOMEM && diag && diag->code == 0)
		(void)flw_diag_set(diag, rc, "assess", "out of memory");
	flw_assessment_free(r.a);
	map_done(&r.changed);
	flw_free(r.ids);
	flw_free(r.tr_cve);
	flw_free(r.tr_name);
	flw_free(r.pri_prev);
	flw_free(r.pri_life);
	flw_free(r.pri_cve);
	flw_free(r.pri_name);
	return rc;
}

/* ---- getters -------------------------------------------------------------------------- */

const struct flw_assess_stats *flw_assessment_stats(const struct flw_assessment *a)
{
	return &a->st;
}

size_t flw_assessment_finding_count(const struct flw_assessment *a)
{
	return a->n_f;
}

int flw_assessment_finding_get(const struct flw_assessment *a, size_t i,
                               struct flw_assess_finding *out)
{
	if (i >= a->n_f)
		return FLW_EINVAL;
	*out = a->f[i];
	return 0;
}

const struct flw_assess_device_result *flw_assessment_device(const struct flw_assessment *a,
                                                             size_t i)
{
	return i < a->n_devs ? &a->devs[i] : NULL;
}

const char *flw_assessment_device_id(const struct flw_assessment *a, size_t i)
{
	return i < a->n_devs ? a->dev_ids[i] : NULL;
}

const struct flw_assess_hit *flw_assessment_hit(const struct flw_assessment *a, uint32_t i)
{
	return i < a->n_hits ? &a->hits[i].pub : NULL;
}

const struct flw_risk_result *flw_assessment_risk(const struct flw_assessment *a, uint32_t i)
{
	return i < a->n_risks ? &a->risks[i] : NULL;
}

const struct flw_sbom_component *flw_assessment_component(const struct flw_assessment *a,
                                                          uint32_t i)
{
	return i < a->n_comps ? &a->comps[i].c : NULL;
}

const char *flw_assess_change_to_string(int c)
{
	static const char *const names[] = { "new", "still", "reopened", "fixed-now", "history" };

	if (c < 0 || (size_t)c >= FLW_ARRAY_SIZE(names))
		return NULL;
	return names[c];
}

/* ---- index over a record set ---------------------------------------------------------- */

struct index_ctx {
	struct flw_vuln_index *idx;
	struct flw_diag *diag;
};

static int index_one(const struct flw_vuln_entry *e, void *payload)
{
	struct index_ctx *c = payload;
	const struct flw_vuln_record *rec = flw_vuln_entry_record(e);
	const struct flw_vuln_config *config = e->nvd ? e->nvd->config : NULL;
	const struct flw_vuln_affected *aff = e->cve5 ? e->cve5->affected : NULL;

	if (!aff && e->nvd)
		aff = e->nvd->affected;
	if (!rec)
		return 0; /* KEV/EPSS only: nothing to match */
	return flw_vuln_index_add(c->idx, e->id, config, aff, rec->description, c->diag);
}

int flw_assess_index_new(struct flw_vuln_index **out, const struct flw_vuln_db *db,
                         const struct flw_alias_table *aliases, struct flw_diag *diag)
{
	struct index_ctx c = { NULL, diag };
	int rc;

	rc = flw_vuln_index_new(&c.idx, aliases);
	if (rc != 0)
		return rc;
	rc = flw_vuln_db_foreach(db, index_one, &c);
	if (rc != 0) {
		flw_vuln_index_free(c.idx);
		return rc;
	}
	*out = c.idx;
	return 0;
}

/* ---- patch queue ---------------------------------------------------------------------- */

struct qfix {
	uint32_t rel;
	uint64_t pair;
	struct flw_assess_fix pub;
};

struct queue_run {
	const struct flw_assessment *a;
	uint64_t **pairs; /* per release, sorted */
	size_t *n_pairs;
	uint32_t *order;  /* releases by (line, released_ms) */
	size_t *pos;      /* release -> position in order */
	size_t *line_end; /* position -> end of its line */
	struct qfix *fixes;
	size_t n_fixes, cap_fixes;
	struct map fix_map;
	struct flw_assess_patch *patch; /* per release */
};

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x;
	uint64_t b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

struct rel_ord {
	const char *line;
	int64_t t;
	uint32_t i;
};

static int cmp_rel(const void *x, const void *y)
{
	const struct rel_ord *a = x;
	const struct rel_ord *b = y;
	int c = strcmp(a->line, b->line);

	if (c)
		return c;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static int release_pairs(struct queue_run *q, size_t ri)
{
	const struct flw_assessment *a = q->a;
	const struct rel *rl = &a->rels[ri];
	size_t n = 0;
	size_t i;
	size_t k;

	for (i = 0; i < rl->n; i++)
		n += a->comps[rl->comps[i]].nhit;
	q->pairs[ri] = flw_calloc(n ? n : 1, sizeof(uint64_t));
	if (!q->pairs[ri])
		return FLW_ENOMEM;
	n = 0;
	for (i = 0; i < rl->n; i++) {
		const struct comp *c = &a->comps[rl->comps[i]];

		for (k = 0; k < c->nhit; k++) {
			const struct hit *h = &a->hits[c->hit0 + k];

			q->pairs[ri][n++] = (uint64_t)h->pub.cve << 32 | h->name;
		}
	}
	qsort(q->pairs[ri], n, sizeof(uint64_t), cmp_u64);
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || q->pairs[ri][k - 1] != q->pairs[ri][i])
			q->pairs[ri][k++] = q->pairs[ri][i];
	q->n_pairs[ri] = k;
	return 0;
}

static int carries(const struct queue_run *q, size_t ri, uint64_t pair)
{
	return bsearch(&pair, q->pairs[ri], q->n_pairs[ri], sizeof(uint64_t), cmp_u64) != NULL;
}

static int qfix_eq(const void *ctx, uint32_t v)
{
	const struct qfix *k = ((const struct qfix *const *)ctx)[0];
	const struct qfix *t = ((const struct qfix *const *)ctx)[1];

	return t[v].rel == k->rel && t[v].pair == k->pair;
}

static int fix_add(struct queue_run *q, uint32_t rel, uint64_t pair, const struct hit *h,
                   const struct flw_risk_result *rr)
{
	struct qfix key = { rel, pair, { 0 } };
	const struct qfix *ctx[2] = { &key, q->fixes };
	uint64_t hh = mix(pair ^ mix(rel));
	struct flw_assess_fix *f;
	size_t slot;
	uint32_t v;

	v = map_find(&q->fix_map, hh, qfix_eq, ctx, &slot);
	if (v == NONE) {
		if (map_reserve(&q->fix_map) != 0 ||
		    grow(&q->fixes, &q->cap_fixes, q->n_fixes, sizeof(*q->fixes)) != 0)
			return FLW_ENOMEM;
		key.pub.cve_id = h->pub.cve_id;
		key.pub.component_name = h->pub.component_name;
		key.pub.decision = rr->decision;
		key.pub.score = rr->score;
		q->fixes[q->n_fixes] = key;
		ctx[1] = q->fixes;
		(void)map_find(&q->fix_map, hh, qfix_eq, ctx, &slot);
		map_put(&q->fix_map, slot, hh, (uint32_t)q->n_fixes);
		v = (uint32_t)q->n_fixes++;
	}
	f = &q->fixes[v].pub;
	f->n_devices++;
	if (rr->decision > f->decision)
		f->decision = rr->decision;
	if (rr->score > f->score)
		f->score = rr->score;
	return 0;
}

/* what release rel would fix on device d */
static int device_fixes(struct queue_run *q, size_t d, uint32_t rel)
{
	const struct flw_assessment *a = q->a;
	const struct flw_assess_device_result *dr = &a->devs[d];
	struct flw_assess_patch *p = &q->patch[rel];
	size_t any = 0;
	size_t k;
	int rc = 0;

	for (k = dr->first; rc == 0 && k < dr->first + dr->n; k++) {
		const struct flw_assess_finding *f = &a->f[k];
		const struct hit *h = &a->hits[f->hit];
		const struct flw_risk_result *rr;
		uint64_t pair = (uint64_t)h->pub.cve << 32 | h->name;

		if (f->state != FLW_FINDING_OPEN || f->risk == NONE || carries(q, rel, pair))
			continue;
		rr = &a->risks[f->risk];
		rc = fix_add(q, rel, pair, h, rr);
		p->n_findings++;
		any++;
		if (rr->decision > p->decision ||
		    (rr->decision == p->decision && rr->score > p->score)) {
			p->decision = rr->decision;
			p->score = rr->score;
		}
	}
	p->n_devices += any > 0;
	return rc;
}

static int queue_scan(struct queue_run *q)
{
	const struct flw_assessment *a = q->a;
	size_t i;
	size_t d;
	int rc = 0;

	struct rel_ord *ord = flw_calloc(a->n_rels ? a->n_rels : 1, sizeof(*ord));

	if (!ord)
		return FLW_ENOMEM;
	for (i = 0; i < a->n_rels; i++) {
		ord[i].line = a->rels[i].line;
		ord[i].t = a->rels[i].released_ms;
		ord[i].i = (uint32_t)i;
	}
	qsort(ord, a->n_rels, sizeof(*ord), cmp_rel);
	for (i = 0; i < a->n_rels; i++)
		q->order[i] = ord[i].i;
	flw_free(ord);
	for (i = a->n_rels; i-- > 0;) {
		q->pos[q->order[i]] = i;
		q->line_end[i] = i + 1 < a->n_rels && strcmp(a->rels[q->order[i]].line,
		                                             a->rels[q->order[i + 1]].line) == 0
		                         ? q->line_end[i + 1]
		                         : i + 1;
	}
	for (i = 0; rc == 0 && i < a->n_rels; i++)
		rc = release_pairs(q, i);
	for (d = 0; rc == 0 && d < a->n_devs; d++) {
		uint32_t r = a->dev_rel[d];
		size_t s;

		if (a->devs[d].n_open == 0)
			continue;
		for (s = q->pos[r] + 1; rc == 0 && s < q->line_end[q->pos[r]]; s++)
			if (a->rels[q->order[s]].released_ms > a->rels[r].released_ms)
				rc = device_fixes(q, d, q->order[s]);
	}
	return rc;
}

static int cmp_patch(const void *x, const void *y)
{
	const struct flw_assess_patch *a = x;
	const struct flw_assess_patch *b = y;

	if (a->decision != b->decision)
		return a->decision > b->decision ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->n_devices != b->n_devices)
		return a->n_devices > b->n_devices ? -1 : 1;
	return a->release < b->release ? -1 : a->release > b->release;
}

static int cmp_qfix(const void *x, const void *y)
{
	const struct qfix *a = x;
	const struct qfix *b = y;

	if (a->rel != b->rel)
		return a->rel < b->rel ? -1 : 1;
	if (a->pub.decision != b->pub.decision)
		return a->pub.decision > b->pub.decision ? -1 : 1;
	if (a->pub.score != b->pub.score)
		return a->pub.score > b->pub.score ? -1 : 1;
	if (a->pub.n_devices != b->pub.n_devices)
		return a->pub.n_devices > b->pub.n_devices ? -1 : 1;
	return a->pair < b->pair ? -1 : a->pair > b->pair;
}

static int queue_build(struct queue_run *q, struct flw_assess_queue *out)
{
	const struct flw_assessment *a = q->a;
	size_t *first = NULL;
	size_t i;
	int rc = FLW_ENOMEM;

	qsort(q->fixes, q->n_fixes, sizeof(*q->fixes), cmp_qfix);
	out->fix_store = flw_calloc(q->n_fixes ? q->n_fixes : 1, sizeof(*out->fix_store));
	out->patches = flw_calloc(a->n_rels ? a->n_rels : 1, sizeof(*out->patches));
	first = flw_calloc(a->n_rels + 1, sizeof(*first));
	if (!out->fix_store || !out->patches || !first)
		goto out;
	for (i = 0; i < q->n_fixes; i++) {
		out->fix_store[i] = q->fixes[i].pub;
		if (i == 0 || q->fixes[i - 1].rel != q->fixes[i].rel)
			first[q->fixes[i].rel] = i;
	}
	for (i = 0; i < a->n_rels; i++) {
		struct flw_assess_patch *p = &q->patch[i];

		if (p->n_findings == 0)
			continue;
		p->release = i;
		p->release_id = a->rels[i].id;
		p->fixes = &out->fix_store[first[i]];
		while (first[i] + p->n_fixes < q->n_fixes &&
		       q->fixes[first[i] + p->n_fixes].rel == i)
			p->n_fixes++;
		out->patches[out->n++] = *p;
	}
	qsort(out->patches, out->n, sizeof(*out->patches), cmp_patch);
	rc = 0;
out:
	flw_free(first);
	return rc;
}

int flw_assess_patch_queue(struct flw_assess_queue **out, const struct flw_assessment *a)
{
	struct queue_run q;
	struct flw_assess_queue *res = NULL;
	size_t nr = a->n_rels ? a->n_rels : 1;
	size_t i;
	int rc = FLW_ENOMEM;

	memset(&q, 0, sizeof(q));
	q.a = a;
	q.pairs = flw_calloc(nr, sizeof(*q.pairs));
	q.n_pairs = flw_calloc(nr, sizeof(*q.n_pairs));
	q.order = flw_calloc(nr, sizeof(*q.order));
	q.pos = flw_calloc(nr, sizeof(*q.pos));
	q.line_end = flw_calloc(nr, sizeof(*q.line_end));
	q.patch = flw_calloc(nr, sizeof(*q.patch));
	res = flw_calloc(1, sizeof(*res));
	if (!q.pairs || !q.n_pairs || !q.order || !q.pos || !q.line_end || !q.patch || !res)
		goto out;
	if ((rc = queue_scan(&q)) != 0 || (rc = queue_build(&q, res)) != 0)
		goto out;
	*out = res;
	res = NULL;
out:
	flw_assess_queue_free(res);
	for (i = 0; q.pairs && i < a->n_rels; i++)
		flw_free(q.pairs[i]);
	flw_free(q.pairs);
	flw_free(q.n_pairs);
	flw_free(q.order);
	flw_free(q.pos);
	flw_free(q.line_end);
	flw_free(q.patch);
	flw_free(q.fixes);
	map_done(&q.fix_map);
	return rc;
}

void flw_assess_queue_free(struct flw_assess_queue *q)
{
	if (!q)
		return;
	flw_free(q->patches);
	flw_free(q->fix_store);
	flw_free(q);
}
