/* vuln/assess_queue.c - releases within their product line: what each carries, which newer
 * release first drops a (CVE, component name) pair (the fix release of findings), and the
 * patch queue built from the same knowledge
 *
 * Invariants:
 * - order lists releases by (product line, released_ms, index); line_end[p] is the end of
 *   p's line in order; "newer" is a strictly greater released_ms in the same line;
 * - a release carries a pair when one of its components has a hit for it without hardware
 *   (so a heuristic match counts as carried);
 * - the patch queue works per shape (devices sharing group, lifecycles and tail), weighted
 *   by its number of devices, never per device or per finding copy.
 */
#include <stdlib.h>
#include <string.h>

#include "vuln/assess_private.h"
#include "util/sort.h"

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

static int release_order(struct flw_assessment *a)
{
	size_t nr = a->n_rels ? a->n_rels : 1;
	struct rel_ord *ord = flw_calloc(nr, sizeof(*ord));
	size_t i;

	a->order = flw_calloc(nr, sizeof(*a->order));
	a->pos = flw_calloc(nr, sizeof(*a->pos));
	a->line_end = flw_calloc(nr, sizeof(*a->line_end));
	if (!ord || !a->order || !a->pos || !a->line_end) {
		flw_free(ord);
		return FLW_ENOMEM;
	}
	for (i = 0; i < a->n_rels; i++) {
		ord[i].line = a->rels[i].line;
		ord[i].t = a->rels[i].released_ms;
		ord[i].i = (uint32_t)i;
	}
	flw_sort(ord, a->n_rels, sizeof(*ord), cmp_rel);
	for (i = 0; i < a->n_rels; i++)
		a->order[i] = ord[i].i;
	flw_free(ord);
	for (i = a->n_rels; i-- > 0;) {
		a->pos[a->order[i]] = (uint32_t)i;
		a->line_end[i] = i + 1 < a->n_rels && strcmp(a->rels[a->order[i]].line,
		                                             a->rels[a->order[i + 1]].line) == 0
		                         ? a->line_end[i + 1]
		                         : (uint32_t)(i + 1);
	}
	return 0;
}

static int release_pairs(struct flw_assessment *a, struct rel *rl)
{
	size_t n = 0;
	size_t i;
	size_t k;

	for (i = 0; i < rl->n; i++)
		n += a->comps[rl->comps[i]].nhit;
	rl->pairs = flw_calloc(n ? n : 1, sizeof(*rl->pairs));
	if (!rl->pairs)
		return FLW_ENOMEM;
	n = 0;
	for (i = 0; i < rl->n; i++) {
		const struct comp *c = &a->comps[rl->comps[i]];

		for (k = 0; k < c->nhit; k++)
			rl->pairs[n++] = hit_pair(&a->hits[c->hit0 + k]);
	}
	flw_sort(rl->pairs, n, sizeof(*rl->pairs), cmp_u64);
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || rl->pairs[k - 1] != rl->pairs[i])
			rl->pairs[k++] = rl->pairs[i];
	rl->n_pairs = k;
	rl->pfix = flw_calloc(k ? k : 1, sizeof(*rl->pfix));
	return rl->pfix ? 0 : FLW_ENOMEM;
}

/* index of pair in rel's pairs, or NONE */
static uint32_t pair_index(const struct flw_assessment *a, uint32_t rel, uint64_t pair)
{
	const struct rel *rl = &a->rels[rel];
	const uint64_t *p = bsearch(&pair, rl->pairs, rl->n_pairs, sizeof(*p), cmp_u64);

	return p ? (uint32_t)(p - rl->pairs) : NONE;
}

int flw_assess__carries(const struct flw_assessment *a, uint32_t rel, uint64_t pair)
{
	return pair_index(a, rel, pair) != NONE;
}

/* the first position after rel's in order holding a newer release of its line */
static size_t newer_first(const struct flw_assessment *a, uint32_t rel)
{
	size_t s = a->pos[rel] + 1;

	while (s < a->line_end[a->pos[rel]] &&
	       a->rels[a->order[s]].released_ms <= a->rels[rel].released_ms)
		s++;
	return s;
}

static uint32_t fix_scan(const struct flw_assessment *a, uint32_t rel, uint64_t pair)
{
	size_t s;

	for (s = newer_first(a, rel); s < a->line_end[a->pos[rel]]; s++)
		if (!flw_assess__carries(a, a->order[s], pair))
			return a->order[s];
	return NONE;
}

uint32_t flw_assess__fix_for(const struct flw_assessment *a, uint32_t rel, uint64_t pair)
{
	uint32_t k = pair_index(a, rel, pair);

	return k != NONE ? a->rels[rel].pfix[k] : fix_scan(a, rel, pair);
}

/* the fix release of each hit of rel's components, in the order groups list them */
static int release_hfix(struct flw_assessment *a, uint32_t rel)
{
	struct rel *rl = &a->rels[rel];
	size_t n = 0;
	size_t i;
	uint32_t k;

	for (i = 0; i < rl->n; i++)
		n += a->comps[rl->comps[i]].nhit;
	rl->hfix = flw_calloc(n ? n : 1, sizeof(*rl->hfix));
	if (!rl->hfix)
		return FLW_ENOMEM;
	n = 0;
	for (i = 0; i < rl->n; i++) {
		const struct comp *c = &a->comps[rl->comps[i]];

		for (k = 0; k < c->nhit; k++)
			rl->hfix[n++] =
			        flw_assess__fix_for(a, rel, hit_pair(&a->hits[c->hit0 + k]));
	}
	return 0;
}

int flw_assess__releases_prepare(struct flw_assessment *a)
{
	size_t i;
	size_t k;
	int rc;

	if ((rc = release_order(a)) != 0)
		return rc;
	for (i = 0; i < a->n_rels; i++)
		if ((rc = release_pairs(a, &a->rels[i])) != 0)
			return rc;
	for (i = 0; i < a->n_rels; i++)
		for (k = 0; k < a->rels[i].n_pairs; k++)
			a->rels[i].pfix[k] = fix_scan(a, (uint32_t)i, a->rels[i].pairs[k]);
	for (i = 0; i < a->n_rels; i++)
		if ((rc = release_hfix(a, (uint32_t)i)) != 0)
			return rc;
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
	size_t *mult; /* per shape: its devices (with open findings) */
	struct qfix *fixes;
	size_t n_fixes, cap_fixes;
	struct map fix_map;
	struct flw_assess_patch *patch; /* per release */
};

static int qfix_eq(const void *ctx, uint32_t v)
{
	const struct qfix *k = ((const struct qfix *const *)ctx)[0];
	const struct qfix *t = ((const struct qfix *const *)ctx)[1];

	return t[v].rel == k->rel && t[v].pair == k->pair;
}

/* n devices more for which rel fixes pair */
static int fix_add(struct queue_run *q, uint32_t rel, uint64_t pair, const struct hit *h,
                   const struct rinfo *ri, size_t n)
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
		key.pub.decision = (enum flw_risk_decision)ri->decision;
		key.pub.score = ri->score;
		q->fixes[q->n_fixes] = key;
		ctx[1] = q->fixes;
		(void)map_find(&q->fix_map, hh, qfix_eq, ctx, &slot);
		map_put(&q->fix_map, slot, hh, (uint32_t)q->n_fixes);
		v = (uint32_t)q->n_fixes++;
	}
	f = &q->fixes[v].pub;
	f->n_devices += n;
	if ((int)ri->decision > (int)f->decision)
		f->decision = (enum flw_risk_decision)ri->decision;
	if (ri->score > f->score)
		f->score = ri->score;
	return 0;
}

/* what release rel fixes on each of the n devices of shape s */
static int shape_fixes(struct queue_run *q, uint32_t s, uint32_t rel, size_t n)
{
	const struct flw_assessment *a = q->a;
	struct flw_assess_patch *p = &q->patch[rel];
	struct shape_it it;
	struct sfind f;
	size_t any = 0;
	int rc = 0;

	flw_assess__shape_begin(&it, a, s, 0);
	while (rc == 0 && flw_assess__shape_next(&it, &f)) {
		const struct hit *h = &a->hits[f.hit];
		const struct rinfo *ri;
		uint64_t pair = hit_pair(h);

		if (f.life->state != FLW_FINDING_OPEN || f.risk == NONE ||
		    flw_assess__carries(a, rel, pair))
			continue;
		ri = &a->rinfo[f.risk];
		rc = fix_add(q, rel, pair, h, ri, n);
		p->n_findings += n;
		any++;
		if ((int)ri->decision > (int)p->decision ||
		    ((int)ri->decision == (int)p->decision && ri->score > p->score)) {
			p->decision = (enum flw_risk_decision)ri->decision;
			p->score = ri->score;
		}
	}
	p->n_devices += any > 0 ? n : 0;
	return rc;
}

static int queue_scan(struct queue_run *q)
{
	const struct flw_assessment *a = q->a;
	size_t d;
	size_t s;
	int rc = 0;

	for (d = 0; d < a->n_devs; d++)
		if (a->devs[d].n_open > 0)
			q->mult[a->dev_shape[d]]++;
	for (s = 0; rc == 0 && s < a->n_shapes; s++) {
		uint32_t r = a->groups[a->shapes[s].group].k.rel;
		size_t k;

		if (q->mult[s] == 0)
			continue;
		for (k = newer_first(a, r); rc == 0 && k < a->line_end[a->pos[r]]; k++)
			rc = shape_fixes(q, (uint32_t)s, a->order[k], q->mult[s]);
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

	flw_sort(q->fixes, q->n_fixes, sizeof(*q->fixes), cmp_qfix);
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
	flw_sort(out->patches, out->n, sizeof(*out->patches), cmp_patch);
	rc = 0;
out:
	flw_free(first);
	return rc;
}

int flw_assess_patch_queue(struct flw_assess_queue **out, const struct flw_assessment *a)
{
	struct queue_run q;
	struct flw_assess_queue *res = NULL;
	int rc = FLW_ENOMEM;

	memset(&q, 0, sizeof(q));
	q.a = a;
	q.mult = flw_calloc(a->n_shapes ? a->n_shapes : 1, sizeof(*q.mult));
	q.patch = flw_calloc(a->n_rels ? a->n_rels : 1, sizeof(*q.patch));
	res = flw_calloc(1, sizeof(*res));
	if (!q.mult || !q.patch || !res)
		goto out;
	if ((rc = queue_scan(&q)) != 0 || (rc = queue_build(&q, res)) != 0)
		goto out;
	*out = res;
	res = NULL;
out:
	flw_assess_queue_free(res);
	flw_free(q.mult);
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
