/* vuln/assess.c - fleet assessment: distinct components matched once, projected onto devices
 *
 * Invariants:
 * - every table (CVE ids, component names, components, hardware, segments, risks, groups) is
 *   interned through an open-addressing map of 64-bit hashes with an equality check against the
 *   table itself, so each distinct thing is computed once;
 * - hits of one component evaluated without hardware are contiguous (comp.hit0, comp.nhit):
 *   they are appended while that component is matched, hardware hits come later;
 * - the result owns every string it exposes (arena) and a copy of the policy (risks' classes
 *   point into it), so it outlives db, index, policy and inputs;
 * - findings of a device are contiguous, in the order group hits, extra hits, priors gone.
 *
 * How findings are stored (a fleet is homogeneous: 1M devices, 50k groups, a few hundred
 * distinct lifecycles), assess_store.c:
 * - a projection group (release, hardware, class, exposure, segment) holds its items once:
 *   (hit on the group's hardware, risk in the group, fix release for the group's release);
 * - a lifecycle (state, change, reopen count, first seen, opened, fixed, updated, acceptance
 *   expiry) is stored once per distinct value: all findings first seen by this run share one,
 *   all findings seen again since the same earlier run share one;
 * - a pattern gives the lifecycle of each item of a group as runs (end, lifecycle): a device
 *   whose findings all share a lifecycle is one run, an acceptance splits a run;
 * - a tail holds a device's explicit findings (hit, risk, lifecycle, fix release): the hits of
 *   its extra components, then the findings no longer present (fixed now, or history);
 * - a shape = (group, pattern, tail) with the summary of its findings (count, open, worst,
 *   overdue, fixed, accepted); each device holds one shape id. Patterns, tails and shapes are
 *   deduplicated by content, so devices with the same history share them.
 * Finding i is materialised by finding_get: binary search of the device over the devices'
 * first index, then the run of the pattern (binary search) or the tail entry: O(log n). The
 * due date and overdue flag are not stored: they follow from (risk, first seen, state).
 *
 * Projection: a device without extra components whose priors come from prev, or who has
 * none, takes its shape from a cache keyed (group, prev shape): the merge of prev's findings
 * with the group's items (lifecycle events, fixed entries) is done once per key, not once per
 * device. Other devices (extra components, priors from the input) are merged one by one by
 * the same code. The patch queue (assess_queue.c) also works per shape, weighted by devices.
 */
#include <stdlib.h>
#include <string.h>

#include "vuln/assess_private.h"

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

/* ---- the result ----------------------------------------------------------------------- */

/* one item of the device being merged: a group item or a hit of an extra component */
struct mitem {
	struct gitem it;
	uint64_t pair;
	uint32_t life; /* NONE until a prior matched it: then its lifecycle */
};

/* one prior of the device being merged, identified by pair (this run's CVE and name) */
struct mprior {
	uint64_t pair;
	const struct life *pl;             /* from prev, else NULL */
	const struct flw_finding_life *in; /* from the input, else NULL */
	uint32_t r_open; /* release (this run's index) the device ran while it was present */
	uint32_t fix;    /* a fixed prior from prev: its fix release (this run's index) */
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
	uint32_t *tr_rel;
	struct map prev_devs; /* by id, built when a device is not at its prev position */
	int prev_devs_built;
	struct map cache; /* (group << 32 | prev shape) -> shape */
	struct pair2 *cache_ent;
	size_t n_cache, cap_cache;
	struct pmemo {
		uint32_t group;
		uint32_t shape;
	} * pmemo;         /* per prev shape: the last (group, shape) it gave */
	uint32_t *lmemo;   /* per prev lifecycle: the lifecycle it becomes when seen again */
	uint32_t life_new; /* first seen now */
	struct mitem *mi;
	size_t cap_mi;
	struct mprior *mp;
	size_t cap_mp;
	/* r->mi by pair (open addressing, chains in item order), built for a device whose
	 * priors are not in item order */
	uint32_t *ix_slot;
	uint32_t *ix_next;
	size_t cap_slot, cap_next, ix_mask;
	int ix_built;
	struct tent *te;
	size_t cap_te;
	struct lrun *lr;
	size_t cap_lr;
	/* flw_eol_recommend's answer per (past support end, open findings, worst decision,
	 * exposure, class): all its action depends on (risk.h) */
	struct eol_memo {
		int rc;
		uint8_t action;
		uint8_t known;
	} eol[2][2][_FLW_RISK_DECISION_MAX][_FLW_RISK_EXPOSURE_MAX][CLS_OTHER + 1];
	uint32_t *xcomps; /* device extras, [xoff[d], xoff[d + 1]) */
	size_t *xoff;
	size_t n_x, cap_x;
	struct flw_diag *diag;
};

void flw_assessment_free(struct flw_assessment *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n_comps; i++)
		flw_match_item_free(a->comps[i].item);
	for (i = 0; i < a->n_rels; i++) {
		flw_free(a->rels[i].comps);
		flw_free(a->rels[i].pairs);
		flw_free(a->rels[i].pfix);
		flw_free(a->rels[i].hfix);
	}
	flw_free(a->cves);
	flw_free(a->names);
	flw_free(a->comps);
	flw_free(a->hits);
	flw_free(a->hws);
	flw_free(a->segs);
	flw_free(a->risks);
	flw_free(a->rkeys);
	flw_free(a->rinfo);
	flw_free(a->groups);
	flw_free(a->gitems);
	flw_free(a->hwc);
	flw_free(a->ghosts);
	flw_free(a->rels);
	flw_free(a->order);
	flw_free(a->pos);
	flw_free(a->line_end);
	flw_free(a->devs);
	flw_free(a->dev_ids);
	flw_assess__store_free(a);
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
	a->dev_shape = flw_calloc(nd, sizeof(*a->dev_shape));
	r->xoff = flw_calloc(nd + 1, sizeof(*r->xoff));
	if (!a->devs || !a->dev_ids || !a->dev_shape || !r->xoff)
		return FLW_ENOMEM;
	for (i = 0; rc == 0 && i < in->n_devices; i++) {
		const struct flw_assess_device *d = &in->devices[i];
		size_t k;

		a->dev_ids[i] = arena_str(&a->ar, d->id, &rc);
		r->xoff[i] = r->n_x;
		for (k = 0; rc == 0 && k < d->n_extra; k++) {
			rc = grow(&r->xcomps, &r->cap_x, r->n_x, sizeof(*r->xcomps));
			if (rc == 0)
				rc = intern_components(r, &d->extra[k], 1, &r->xcomps[r->n_x]);
			r->n_x += rc == 0;
		}
	}
	r->xoff[in->n_devices] = r->n_x;
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
	struct flw_risk_result *rr = &a->risks[a->n_risks];
	struct rinfo *ri = &a->rinfo[a->n_risks];
	struct flw_risk_input in;
	int rc;

	memset(&in, 0, sizeof(in));
	if (e)
		flw_risk_input_from_entry(&in, e);
	in.exposure = (enum flw_risk_exposure)k->exposure;
	in.segment = k->seg == NONE ? NULL : a->segs[k->seg];
	in.class_name = class_name;
	in.confidence = (enum flw_match_confidence)k->conf;
	in.first_seen_ms = a->now;
	in.now_ms = a->now;
	rc = flw_risk_assess(&a->pol, &in, rr, r->diag);
	if (rc != 0)
		return rc;
	ri->cls = rr->cls;
	ri->kev_due_ms = in.kev_due_ms;
	ri->due_ms = rr->deadline.due_ms;
	ri->days = rr->deadline.days;
	ri->score = rr->score;
	ri->decision = (uint8_t)rr->decision;
	ri->overdue = (uint8_t)rr->deadline.overdue;
	return 0;
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
	    grow(&a->rinfo, &a->cap_rinfo, a->n_risks, sizeof(*a->rinfo)) != 0)
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

/* (hit on hardware, risk) for one component hit, or hit NONE; fix: for the caller */
static int hit_item(struct run *r, uint32_t hit, const struct gkey *g, const char *class_name,
                    struct gitem *out)
{
	struct rkey k;
	int rc;

	out->risk = NONE;
	out->fix = NONE;
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

static int gkey_same(const struct gkey *x, const struct gkey *y)
{
	return x->rel == y->rel && x->hw == y->hw && x->seg == y->seg && x->cls == y->cls &&
	       x->exposure == y->exposure;
}

static int gkey_eq(const void *ctx, uint32_t v)
{
	const struct gkey_ctx *c = ctx;

	return gkey_same(&c->tab[v].k, c->k);
}

static int group_build(struct run *r, const struct gkey *k, const char *class_name)
{
	struct flw_assessment *a = r->a;
	const struct rel *rl = &a->rels[k->rel];
	struct group *g = &a->groups[a->n_groups];
	size_t p = 0;
	size_t i;
	uint32_t j;
	int rc = 0;

	g->k = *k;
	g->first = a->n_gitems;
	g->fresh = NONE;
	for (i = 0; rc == 0 && i < rl->n; i++) {
		const struct comp *c = &a->comps[rl->comps[i]];

		for (j = 0; rc == 0 && j < c->nhit; j++) {
			struct gitem it;

			rc = hit_item(r, c->hit0 + j, k, class_name, &it);
			it.fix = rl->hfix[p++];
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

/* ---- projection: lifecycles ----------------------------------------------------------- */

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

static void life_from(const struct flw_finding_life *l, struct life *v)
{
	memset(v, 0, sizeof(*v));
	v->state = (uint8_t)l->state;
	v->first_seen_ms = l->first_seen_ms;
	v->opened_ms = l->opened_ms;
	v->fixed_ms = l->fixed_ms;
	v->updated_ms = l->updated_ms;
	v->accept_expiry_ms = l->state == FLW_FINDING_ACCEPTED ? l->accept_expiry_ms : 0;
	v->reopen_count = (uint8_t)(l->reopen_count > 255 ? 255 : l->reopen_count);
}

/* the lifecycle of prior p as risk.h knows it */
static void prior_life(const struct mprior *p, struct flw_finding_life *l)
{
	if (!p->pl) {
		*l = *p->in;
		return;
	}
	memset(l, 0, sizeof(*l));
	l->state = (enum flw_finding_state)p->pl->state;
	l->first_seen_ms = p->pl->first_seen_ms;
	l->opened_ms = p->pl->opened_ms;
	l->fixed_ms = p->pl->fixed_ms;
	l->updated_ms = p->pl->updated_ms;
	l->reopen_count = p->pl->reopen_count;
	l->accept_expiry_ms = p->pl->accept_expiry_ms;
}

/* prior p seen again with risk: SEEN at now (flw_finding_apply; an open finding only moves
 * its update time, by the same table); its deadline runs from its first seen. The result
 * for a lifecycle of prev is remembered: the deadline check cannot fail for another risk
 * (every risk passed it at first seen = now, only first seen varies). */
static int prior_seen(struct run *r, const struct mprior *p, uint32_t risk, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	struct flw_finding_event_data ev = { FLW_FINDING_EV_SEEN, a->now, NULL, NULL, 0 };
	const struct rinfo *ri = &a->rinfo[risk];
	uint32_t *memo = p->pl ? &r->lmemo[p->pl - r->prev->lives] : NULL;
	struct flw_risk_deadline dl;
	struct flw_finding_life l;
	struct life v;
	int rc;

	if (memo && *memo != NONE) {
		*out = *memo;
		return 0;
	}
	if (p->pl && p->pl->state == FLW_FINDING_OPEN && p->pl->updated_ms <= ev.at_ms &&
	    flw_finding_next(FLW_FINDING_OPEN, FLW_FINDING_EV_SEEN) == FLW_FINDING_OPEN) {
		v = *p->pl;
		v.change = FLW_ASSESS_STILL;
		v.updated_ms = ev.at_ms;
		v.accept_expiry_ms = 0;
	} else if (p->in && p->in->state == FLW_FINDING_OPEN && p->in->updated_ms <= ev.at_ms &&
	           flw_finding_next(FLW_FINDING_OPEN, FLW_FINDING_EV_SEEN) == FLW_FINDING_OPEN) {
		life_from(p->in, &v); /* the same without copying the acceptance texts */
		v.change = FLW_ASSESS_STILL;
		v.updated_ms = ev.at_ms;
	} else {
		prior_life(p, &l);
		rc = flw_finding_apply(&l, &ev, r->diag);
		if (rc != 0)
			return rc;
		life_from(&l, &v);
		v.change = l.state == FLW_FINDING_OPEN &&
		                           (p->pl ? p->pl->state : p->in->state) != FLW_FINDING_OPEN
		                   ? FLW_ASSESS_REOPENED
		                   : FLW_ASSESS_STILL;
	}
	rc = flw_risk_deadline(&a->pol, ri->cls, (enum flw_risk_decision)ri->decision,
	                       v.first_seen_ms, ri->kev_due_ms, a->now, &dl);
	if (rc == 0)
		rc = flw_assess__life_get(a, &v, out);
	if (rc == 0 && memo)
		*memo = *out;
	return rc;
}

/* prior p not seen on a device running release rel: fixed now (or kept as history when it
 * was fixed already). Its fix release: prev's for history; else, when the release the device
 * ran with it still carries it, the first newer release of that line without it; else (that
 * release is unknown, or the feed no longer puts the pair on it, or no newer release drops
 * it) the release the device runs now. */
static int prior_gone(struct run *r, const struct mprior *p, uint32_t rel, struct tent *out)
{
	struct flw_assessment *a = r->a;
	struct flw_finding_event_data ev = { FLW_FINDING_EV_GONE, a->now, NULL, NULL, 0 };
	struct flw_finding_life l;
	struct life v;
	int history;
	int rc;

	prior_life(p, &l);
	history = l.state == FLW_FINDING_FIXED;
	if (!history && (rc = flw_finding_apply(&l, &ev, r->diag)) != 0)
		return rc;
	rc = ghost_get(r, (uint32_t)(p->pair >> 32), (uint32_t)p->pair, &out->hit);
	if (rc != 0)
		return rc;
	life_from(&l, &v);
	v.change = history ? FLW_ASSESS_HISTORY : FLW_ASSESS_FIXED_NOW;
	out->risk = NONE;
	out->fix = history ? p->fix : NONE;
	if (out->fix == NONE && p->r_open != NONE && flw_assess__carries(a, p->r_open, p->pair))
		out->fix = flw_assess__fix_for(a, p->r_open, p->pair);
	if (out->fix == NONE)
		out->fix = rel;
	return flw_assess__life_get(a, &v, &out->life);
}

/* ---- projection: one device ----------------------------------------------------------- */

static int reserve(void *pp, size_t *cap, size_t n, size_t elsize)
{
	void **p = pp;
	void *np;

	if (n <= *cap)
		return 0;
	n = n < 2 * *cap ? 2 * *cap : n;
	np = flw_reallocarray(*p, n, elsize);
	if (!np)
		return FLW_ENOMEM;
	*p = np;
	*cap = n;
	return 0;
}

/* the device's items into r->mi: its group's, then its extra components' hits; *n_out */
static int device_items(struct run *r, size_t i, uint32_t g, const struct gkey *k,
                        const char *class_name, size_t *n_out)
{
	struct flw_assessment *a = r->a;
	const struct group *gr = &a->groups[g];
	size_t n = gr->n;
	size_t j;
	uint32_t h;
	int rc = 0;

	if (reserve(&r->mi, &r->cap_mi, n, sizeof(*r->mi)) != 0)
		return FLW_ENOMEM;
	for (j = 0; j < n; j++) {
		r->mi[j].it = a->gitems[gr->first + j];
		r->mi[j].pair = hit_pair(&a->hits[r->mi[j].it.hit]);
		r->mi[j].life = NONE;
	}
	for (j = r->xoff[i]; rc == 0 && j < r->xoff[i + 1]; j++) {
		const struct comp *c = &a->comps[r->xcomps[j]];

		for (h = 0; rc == 0 && h < c->nhit; h++) {
			struct gitem it;

			rc = hit_item(r, c->hit0 + h, k, class_name, &it);
			if (rc != 0 || it.hit == NONE)
				continue;
			it.fix = flw_assess__fix_for(a, k->rel, hit_pair(&a->hits[it.hit]));
			if (reserve(&r->mi, &r->cap_mi, n + 1, sizeof(*r->mi)) != 0)
				return FLW_ENOMEM;
			r->mi[n].it = it;
			r->mi[n].pair = hit_pair(&a->hits[it.hit]);
			r->mi[n++].life = NONE;
		}
	}
	*n_out = n;
	return rc;
}

/* this run's (cve, name) pair for prev's hit */
static int translate(struct run *r, const struct hit *h, uint64_t *out)
{
	struct flw_assessment *a = r->a;
	const struct flw_assessment *p = r->prev;
	int rc = 0;

	if (r->tr_cve[h->pub.cve] == NONE)
		rc = intern_cve(r, h->pub.cve_id, &r->tr_cve[h->pub.cve]);
	if (rc == 0 && r->tr_name[h->name] == NONE)
		rc = intern_str(a, &a->names, &a->n_names, &a->cap_names, &a->name_map,
		                p->names[h->name], &r->tr_name[h->name]);
	*out = (uint64_t)r->tr_cve[h->pub.cve] << 32 | r->tr_name[h->name];
	return rc;
}

/* priors of a device from prev's shape ps into r->mp; *n_out */
static int priors_prev(struct run *r, uint32_t ps, size_t *n_out)
{
	const struct flw_assessment *p = r->prev;
	uint32_t r_open = r->tr_rel[p->groups[p->shapes[ps].group].k.rel];
	struct shape_it it;
	struct sfind f;
	size_t k = 0;
	int rc = 0;

	if (reserve(&r->mp, &r->cap_mp, p->shapes[ps].n, sizeof(*r->mp)) != 0)
		return FLW_ENOMEM;
	flw_assess__shape_begin(&it, p, ps, 0);
	while (rc == 0 && flw_assess__shape_next(&it, &f)) {
		struct mprior *m = &r->mp[k++];
		int fixed = f.life->state == FLW_FINDING_FIXED;

		rc = translate(r, &p->hits[f.hit], &m->pair);
		m->pl = f.life;
		m->in = NULL;
		m->r_open = fixed ? NONE : r_open;
		m->fix = fixed && f.fix != NONE ? r->tr_rel[f.fix] : NONE;
	}
	*n_out = k;
	return rc;
}

/* priors of device i from the input into r->mp (pdev: the device in prev, or NONE); *n_out */
static int priors_input(struct run *r, size_t i, uint32_t pdev, size_t *n_out)
{
	struct flw_assessment *a = r->a;
	const struct flw_assess_device *d = &r->in->devices[i];
	const struct flw_assessment *p = r->prev;
	uint32_t r_open = pdev != NONE ? r->tr_rel[p->groups[p->devs[pdev].group].k.rel] : NONE;
	uint32_t cve;
	uint32_t name;
	size_t k;
	int rc = 0;

	*n_out = 0;
	if (reserve(&r->mp, &r->cap_mp, d->n_priors, sizeof(*r->mp)) != 0)
		return FLW_ENOMEM;
	for (k = 0; rc == 0 && k < d->n_priors; k++) {
		const struct flw_assess_prior *pr = &d->priors[k];
		struct mprior *m = &r->mp[k];

		if (!pr->cve_id || !pr->component || !pr->life)
			return flw_diag_set(r->diag, FLW_EINVAL, "priors",
			                    "device '%s': incomplete prior", d->id);
		rc = intern_cve(r, pr->cve_id, &cve);
		if (rc == 0)
			rc = intern_str(a, &a->names, &a->n_names, &a->cap_names, &a->name_map,
			                pr->component, &name);
		m->pair = (uint64_t)cve << 32 | name;
		m->pl = NULL;
		m->in = pr->life;
		m->r_open = pr->life->state == FLW_FINDING_FIXED ? NONE : r_open;
		m->fix = NONE;
	}
	*n_out = d->n_priors;
	return rc;
}

/* slot of pair in the index over r->mi */
static size_t ix_find(const struct run *r, uint64_t pair)
{
	size_t s = (size_t)mix(pair) & r->ix_mask;

	while (r->ix_slot[s] != NONE && r->mi[r->ix_slot[s]].pair != pair)
		s = (s + 1) & r->ix_mask;
	return s;
}

/* index r->mi[0..n) by pair: each slot heads the chain of its items, in item order */
static int ix_build(struct run *r, size_t n)
{
	size_t cap = 16;
	size_t j;

	while (cap < 2 * n)
		cap *= 2;
	if (reserve(&r->ix_slot, &r->cap_slot, cap, sizeof(*r->ix_slot)) != 0 ||
	    reserve(&r->ix_next, &r->cap_next, n, sizeof(*r->ix_next)) != 0)
		return FLW_ENOMEM;
	memset(r->ix_slot, 0xff, cap * sizeof(*r->ix_slot));
	r->ix_mask = cap - 1;
	for (j = n; j-- > 0;) {
		size_t s = ix_find(r, r->mi[j].pair);

		r->ix_next[j] = r->ix_slot[s];
		r->ix_slot[s] = (uint32_t)j;
	}
	r->ix_built = 1;
	return 0;
}

/* the item prior k is seen as (*out): k itself when it matches (same order as before), else
 * the first item not matched yet with the same (CVE, component name); n when there is none */
static int prior_match(struct run *r, size_t n, size_t k, size_t *out)
{
	uint64_t pair = r->mp[k].pair;
	uint32_t j;

	*out = k;
	if (k < n && r->mi[k].life == NONE && r->mi[k].pair == pair)
		return 0;
	if (!r->ix_built && ix_build(r, n) != 0)
		return FLW_ENOMEM;
	for (j = r->ix_slot[ix_find(r, pair)]; j != NONE && r->mi[j].life != NONE;)
		j = r->ix_next[j];
	*out = j == NONE ? n : j;
	return 0;
}

/* the device's items with lifecycles (r->mi[0..n_g) group items, then extras) and its
 * findings gone (r->te after the extras) as a shape */
static int device_store(struct run *r, uint32_t g, size_t n_items, size_t n_tail, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	size_t n_g = a->groups[g].n;
	size_t nr = 0;
	size_t j;
	uint32_t pat;
	uint32_t tail;
	int rc;

	if (reserve(&r->lr, &r->cap_lr, n_g, sizeof(*r->lr)) != 0)
		return FLW_ENOMEM;
	for (j = 0; j < n_items; j++) {
		uint32_t life = r->mi[j].life == NONE ? r->life_new : r->mi[j].life;

		if (j >= n_g) {
			r->te[j - n_g] = (struct tent){ r->mi[j].it.hit, r->mi[j].it.risk, life,
				                        r->mi[j].it.fix };
		} else if (nr > 0 && r->lr[nr - 1].life == life) {
			r->lr[nr - 1].end = (uint32_t)j + 1;
		} else {
			r->lr[nr].end = (uint32_t)j + 1;
			r->lr[nr++].life = life;
		}
	}
	if ((rc = flw_assess__pattern_get(a, r->lr, nr, &pat)) != 0 ||
	    (rc = flw_assess__tail_get(a, r->te, n_tail, &tail)) != 0)
		return rc;
	return flw_assess__shape_get(a, g, pat, tail, out);
}

/* device i in group g: its items merged with its priors (from prev's device pdev when
 * from_prev, else from the input) into a shape */
static int device_merge(struct run *r, size_t i, uint32_t g, const struct gkey *k, uint32_t pdev,
                        int from_prev, uint32_t *out)
{
	struct flw_assessment *a = r->a;
	size_t n_items;
	size_t n_pri;
	size_t n_tail;
	size_t kk;
	int rc;

	rc = device_items(r, i, g, k, r->in->devices[i].class_name, &n_items);
	if (rc == 0)
		rc = from_prev ? priors_prev(r, r->prev->dev_shape[pdev], &n_pri)
		               : priors_input(r, i, pdev, &n_pri);
	if (rc != 0)
		return rc;
	n_tail = n_items - a->groups[g].n;
	if (reserve(&r->te, &r->cap_te, n_tail + n_pri, sizeof(*r->te)) != 0)
		return FLW_ENOMEM;
	r->ix_built = 0;
	for (kk = 0; rc == 0 && kk < n_pri; kk++) {
		size_t j;

		if ((rc = prior_match(r, n_items, kk, &j)) != 0)
			break;
		if (j < n_items)
			rc = prior_seen(r, &r->mp[kk], r->mi[j].it.risk, &r->mi[j].life);
		else
			rc = prior_gone(r, &r->mp[kk], k->rel, &r->te[n_tail++]);
	}
	return rc ? rc : device_store(r, g, n_items, n_tail, out);
}

/* end of life of device i (class cls as its group has it): asked of flw_eol_recommend once
 * per memo key, the reasons (formatted text) are not kept */
static int device_eol(struct run *r, size_t i, uint16_t cls, struct flw_assess_device_result *dr)
{
	const struct flw_assess_device *d = &r->in->devices[i];
	int past = d->support_end_ms > 0 && r->a->now > d->support_end_ms;
	struct eol_memo *m = &r->eol[past][dr->n_open > 0][dr->worst][d->exposure][cls];
	struct flw_eol_input in;
	struct flw_eol_result res;

	if (!m->known) {
		memset(&in, 0, sizeof(in));
		in.support_end_ms = d->support_end_ms;
		in.now_ms = r->a->now;
		in.n_open = dr->n_open;
		in.worst_decision = dr->worst;
		in.exposure = d->exposure;
		in.class_name = d->class_name;
		m->rc = flw_eol_recommend(r->in->policy, &in, &res);
		m->action = (uint8_t)(m->rc == 0 ? res.action : FLW_EOL_NONE);
		m->known = 1;
	}
	dr->eol = (enum flw_eol_action)m->action;
	r->a->st.eol_devices += dr->eol != FLW_EOL_NONE;
	return m->rc;
}

/* device i takes shape s: its place in the finding index, its summary, end of life */
static int device_place(struct run *r, size_t i, uint32_t g, uint32_t s)
{
	struct flw_assessment *a = r->a;
	const struct shape *sh = &a->shapes[s];
	struct flw_assess_device_result *dr = &a->devs[i];

	if (sh->n > FLW_ASSESS_MAX_FINDINGS - a->n_f)
		return FLW_ELIMIT;
	a->dev_shape[i] = s;
	dr->group = g;
	dr->first = a->n_f;
	dr->n = sh->n;
	dr->n_open = sh->n_open;
	dr->worst = (enum flw_risk_decision)sh->worst;
	dr->worst_score = sh->worst_score;
	a->n_f += sh->n;
	a->st.open += sh->n_open;
	a->st.fixed += sh->n_fixed;
	a->st.accepted += sh->n_accepted;
	a->st.overdue += sh->n_overdue;
	return device_eol(r, i, a->groups[g].k.cls, dr);
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

/* the shape merged before for devices of group g whose prev shape was ps, or NONE */
static uint32_t cache_find(const struct run *r, uint32_t g, uint32_t ps)
{
	struct pair_ctx c = { r->cache_ent, (uint64_t)g << 32 | ps };
	size_t slot;
	uint32_t v;

	if (r->pmemo[ps].group == g)
		return r->pmemo[ps].shape;
	v = map_find(&r->cache, mix(c.a), pair_eq, &c, &slot);
	return v == NONE ? NONE : r->cache_ent[v].b;
}

static int cache_put(struct run *r, uint32_t g, uint32_t ps, uint32_t shape)
{
	uint64_t key = (uint64_t)g << 32 | ps;
	struct pair_ctx c = { NULL, key };
	size_t slot;

	r->pmemo[ps].group = g;
	r->pmemo[ps].shape = shape;

	if (map_reserve(&r->cache) != 0 ||
	    grow(&r->cache_ent, &r->cap_cache, r->n_cache, sizeof(*r->cache_ent)) != 0)
		return FLW_ENOMEM;
	r->cache_ent[r->n_cache].a = key;
	r->cache_ent[r->n_cache].b = shape;
	c.tab = r->cache_ent;
	(void)map_find(&r->cache, mix(key), pair_eq, &c, &slot);
	map_put(&r->cache, slot, mix(key), (uint32_t)r->n_cache++);
	return 0;
}

/* Device i (pdev: the same device in prev, or NONE). Without extra components, its shape
 * depends only on its group when it has no priors (group.fresh), or on (group, prev shape)
 * when its priors come from prev: merged once per such key. */
static int project_device(struct run *r, size_t i, uint32_t pdev)
{
	struct flw_assessment *a = r->a;
	const struct flw_assess_device *d = &r->in->devices[i];
	int from_prev = pdev != NONE && !d->priors_override;
	int plain = r->xoff[i] == r->xoff[i + 1];
	uint32_t ps = from_prev ? r->prev->dev_shape[pdev] : NONE;
	struct gkey k;
	uint32_t g;
	uint32_t s = NONE;
	int rc;

	if ((rc = device_key(r, d, &k)) != 0)
		return rc;
	if (from_prev && r->pmemo[ps].group != NONE &&
	    gkey_same(&a->groups[r->pmemo[ps].group].k, &k))
		g = r->pmemo[ps].group; /* the group of the last device with this prev shape */
	else if ((rc = group_get(r, &k, d->class_name, &g)) != 0)
		return rc;
	plain = plain && (from_prev || d->n_priors == 0);
	if (plain)
		s = from_prev ? cache_find(r, g, ps) : a->groups[g].fresh;
	if (s == NONE) {
		rc = device_merge(r, i, g, &k, pdev, from_prev, &s);
		if (rc == 0 && plain && from_prev)
			rc = cache_put(r, g, ps, s);
		else if (rc == 0 && plain)
			a->groups[g].fresh = s;
	}
	return rc ? rc : device_place(r, i, g, s);
}

/* ---- projection: the fleet ------------------------------------------------------------ */

static int dev_eq(const void *ctx, uint32_t v)
{
	return str_eq(ctx, v);
}

/* prev's device with device i's id, or NONE. Ids are unique (input contract): the same
 * position is tried first, the map by id is built only when that fails. */
static int prev_device(struct run *r, size_t i, uint32_t *out)
{
	const struct flw_assessment *p = r->prev;
	struct str_ctx c = { NULL, r->in->devices[i].id };
	size_t slot;
	size_t k;

	*out = NONE;
	if (!p)
		return 0;
	if (i < p->n_devs && strcmp(p->dev_ids[i], c.s) == 0) {
		*out = (uint32_t)i;
		return 0;
	}
	c.tab = p->dev_ids;
	for (k = 0; !r->prev_devs_built && k < p->n_devs; k++) {
		struct str_ctx e = { p->dev_ids, p->dev_ids[k] };
		uint64_t h = mix(hash_str(2, p->dev_ids[k]));

		if (map_reserve(&r->prev_devs) != 0)
			return FLW_ENOMEM;
		if (map_find(&r->prev_devs, h, dev_eq, &e, &slot) == NONE)
			map_put(&r->prev_devs, slot, h, (uint32_t)k);
	}
	r->prev_devs_built = 1;
	*out = map_find(&r->prev_devs, mix(hash_str(2, c.s)), dev_eq, &c, &slot);
	return 0;
}

struct relid_ctx {
	const struct rel *tab;
	const char *s;
};

static int relid_eq(const void *ctx, uint32_t v)
{
	const struct relid_ctx *c = ctx;

	return strcmp(c->tab[v].id, c->s) == 0;
}

/* translation tables from prev's CVE, name and release indexes to this run's */
static int prev_translation(struct run *r)
{
	const struct flw_assessment *p = r->prev;
	struct flw_assessment *a = r->a;
	struct map m = { 0 };
	struct relid_ctx c = { a->rels, NULL };
	size_t slot;
	size_t i;
	int rc = 0;

	r->tr_cve = flw_malloc((p->n_cves + 1) * sizeof(*r->tr_cve));
	r->tr_name = flw_malloc((p->n_names + 1) * sizeof(*r->tr_name));
	r->tr_rel = flw_malloc((p->n_rels + 1) * sizeof(*r->tr_rel));
	r->pmemo = flw_malloc((p->n_shapes + 1) * sizeof(*r->pmemo));
	r->lmemo = flw_malloc((p->n_lives + 1) * sizeof(*r->lmemo));
	if (!r->tr_cve || !r->tr_name || !r->tr_rel || !r->pmemo || !r->lmemo)
		return FLW_ENOMEM;
	memset(r->tr_cve, 0xff, (p->n_cves + 1) * sizeof(*r->tr_cve));
	memset(r->tr_name, 0xff, (p->n_names + 1) * sizeof(*r->tr_name));
	memset(r->pmemo, 0xff, (p->n_shapes + 1) * sizeof(*r->pmemo));
	memset(r->lmemo, 0xff, (p->n_lives + 1) * sizeof(*r->lmemo));
	for (i = 0; rc == 0 && i < a->n_rels; i++) {
		c.s = a->rels[i].id;
		rc = map_reserve(&m);
		if (rc == 0 && map_find(&m, mix(hash_str(3, c.s)), relid_eq, &c, &slot) == NONE)
			map_put(&m, slot, mix(hash_str(3, c.s)), (uint32_t)i);
	}
	for (i = 0; rc == 0 && i < p->n_rels; i++) {
		c.s = p->rels[i].id;
		r->tr_rel[i] = map_find(&m, mix(hash_str(3, c.s)), relid_eq, &c, &slot);
	}
	map_done(&m);
	return rc;
}

static int project(struct run *r)
{
	struct flw_assessment *a = r->a;
	struct life v;
	size_t i;
	int rc;

	memset(&v, 0, sizeof(v)); /* = flw_finding_init(now) */
	v.state = FLW_FINDING_OPEN;
	v.change = FLW_ASSESS_NEW;
	v.first_seen_ms = a->now;
	v.opened_ms = a->now;
	v.updated_ms = a->now;
	rc = flw_assess__life_get(a, &v, &r->life_new);
	if (rc == 0 && r->prev)
		rc = prev_translation(r);
	for (i = 0; rc == 0 && i < r->in->n_devices; i++) {
		uint32_t pdev;

		rc = prev_device(r, i, &pdev);
		if (rc == 0)
			rc = project_device(r, i, pdev);
	}
	a->st.findings = a->n_f;
	return rc;
}

static void run_done(struct run *r)
{
	map_done(&r->changed);
	map_done(&r->prev_devs);
	map_done(&r->cache);
	flw_free(r->cache_ent);
	flw_free(r->ids);
	flw_free(r->tr_cve);
	flw_free(r->tr_name);
	flw_free(r->tr_rel);
	flw_free(r->xcomps);
	flw_free(r->xoff);
	flw_free(r->pmemo);
	flw_free(r->lmemo);
	flw_free(r->mi);
	flw_free(r->mp);
	flw_free(r->ix_slot);
	flw_free(r->ix_next);
	flw_free(r->te);
	flw_free(r->lr);
}

int flw_assess_run(struct flw_assessment **out, const struct flw_assess_input *in,
                   const struct flw_assessment *prev, const char *const *changed, size_t n_changed,
                   struct flw_diag *diag)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
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
	r.a->pol = *in->policy;
	r.a->st.devices = in->n_devices;
	r.a->st.releases = in->n_releases;
	if ((rc = load_releases(&r)) != 0 || (rc = load_devices(&r)) != 0 ||
	    (rc = match_components(&r, n_changed)) != 0 ||
	    (rc = flw_assess__releases_prepare(r.a)) != 0 || (rc = project(&r)) != 0)
		goto out;
	*out = r.a;
	r.a = NULL;
out:
	if (rc == FLW_ENOMEM && diag && diag->code == 0)
		(void)flw_diag_set(diag, rc, "assess", "out of memory");
	flw_assessment_free(r.a);
	run_done(&r);
	return rc;
}

/* ---- getters -------------------------------------------------------------------------- */

const struct flw_assess_stats *flw_assessment_stats(const struct flw_assessment *a)
{
	return &a->st;
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
