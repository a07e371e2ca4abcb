/* vuln/assess_store.c - findings stored once per shape and materialised on read
 *
 * Tables (see the top of assess.c for why): lifecycles, patterns (runs of lifecycles over a
 * group's items), tails (a device's explicit findings) and shapes (group, pattern, tail and
 * the summary of those findings). Each table is interned by content through a hash map, so
 * every distinct value is stored once and compared by index afterwards.
 *
 * Invariants:
 * - a pattern's runs are non-empty and increasing (end strictly grows); its last end is its
 *   n_items, which equals the item count of every group it is used with;
 * - a shape's n = its group's items + its tail's entries;
 * - a finding's due date is not stored: it is derived from (risk, first seen, state) by
 *   flw_risk_deadline with the policy copied into the assessment.
 */
#include <assert.h>
#include <string.h>

#include "vuln/assess_private.h"

#define DAY_MS (86400LL * 1000)

/* ---- lifecycles ----------------------------------------------------------------------- */

struct life_ctx {
	const struct life *tab;
	const struct life *l;
};

static int life_same(const struct life *x, const struct life *y)
{
	return x->first_seen_ms == y->first_seen_ms && x->opened_ms == y->opened_ms &&
	       x->fixed_ms == y->fixed_ms && x->updated_ms == y->updated_ms &&
	       x->accept_expiry_ms == y->accept_expiry_ms && x->state == y->state &&
	       x->change == y->change && x->reopen_count == y->reopen_count;
}

static int life_eq(const void *ctx, uint32_t v)
{
	const struct life_ctx *c = ctx;

	return life_same(&c->tab[v], c->l);
}

static uint64_t life_hash(const struct life *l)
{
	uint64_t h = mix((uint64_t)l->state | (uint64_t)l->change << 8 |
	                 (uint64_t)l->reopen_count << 16);

	h = mix(h ^ (uint64_t)l->first_seen_ms);
	h = mix(h ^ (uint64_t)l->opened_ms);
	h = mix(h ^ (uint64_t)l->fixed_ms);
	h = mix(h ^ (uint64_t)l->updated_ms);
	return mix(h ^ (uint64_t)l->accept_expiry_ms);
}

int flw_assess__life_get(struct flw_assessment *a, const struct life *l, uint32_t *out)
{
	struct life_ctx c = { a->lives, l };
	uint64_t h = life_hash(l);
	size_t slot;

	*out = map_find(&a->life_map, h, life_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (a->n_lives >= NONE - 1)
		return FLW_ELIMIT;
	if (map_reserve(&a->life_map) != 0 ||
	    grow(&a->lives, &a->cap_lives, a->n_lives, sizeof(*a->lives)) != 0)
		return FLW_ENOMEM;
	a->lives[a->n_lives] = *l;
	c.tab = a->lives;
	(void)map_find(&a->life_map, h, life_eq, &c, &slot);
	map_put(&a->life_map, slot, h, (uint32_t)a->n_lives);
	*out = (uint32_t)a->n_lives++;
	return 0;
}

/* ---- patterns and tails --------------------------------------------------------------- */

struct seq_ctx {
	const struct flw_assessment *a;
	const void *e; /* the candidate's elements */
	size_t n;
};

static int pat_eq(const void *ctx, uint32_t v)
{
	const struct seq_ctx *c = ctx;
	const struct pattern *p = &c->a->pats[v];

	return p->n_runs == c->n &&
	       (c->n == 0 || memcmp(&c->a->runs[p->run0], c->e, c->n * sizeof(struct lrun)) == 0);
}

static uint64_t word_hash(uint64_t h, uint32_t w)
{
	return (h ^ w) * 0x100000001b3ULL;
}

int flw_assess__pattern_get(struct flw_assessment *a, const struct lrun *runs, size_t n,
                            uint32_t *out)
{
	struct seq_ctx c = { a, runs, n };
	uint64_t h = 0xcbf29ce484222325ULL;
	struct pattern *p;
	size_t i;
	size_t slot;

	for (i = 0; i < n; i++)
		h = word_hash(word_hash(h, runs[i].end), runs[i].life);
	h = mix(h ^ n);
	*out = map_find(&a->pat_map, h, pat_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (a->n_pats >= NONE - 1)
		return FLW_ELIMIT;
	if (map_reserve(&a->pat_map) != 0 ||
	    grow(&a->pats, &a->cap_pats, a->n_pats, sizeof(*a->pats)) != 0)
		return FLW_ENOMEM;
	for (i = 0; i < n; i++) {
		if (grow(&a->runs, &a->cap_runs, a->n_runs + i, sizeof(*a->runs)) != 0)
			return FLW_ENOMEM;
		a->runs[a->n_runs + i] = runs[i];
	}
	p = &a->pats[a->n_pats];
	p->run0 = a->n_runs;
	p->n_runs = (uint32_t)n;
	p->n_items = n ? runs[n - 1].end : 0;
	a->n_runs += n;
	(void)map_find(&a->pat_map, h, pat_eq, &c, &slot);
	map_put(&a->pat_map, slot, h, (uint32_t)a->n_pats);
	*out = (uint32_t)a->n_pats++;
	return 0;
}

static int tail_eq(const void *ctx, uint32_t v)
{
	const struct seq_ctx *c = ctx;
	const struct tail *t = &c->a->tails[v];

	return t->n == c->n &&
	       (c->n == 0 || memcmp(&c->a->tents[t->ent0], c->e, c->n * sizeof(struct tent)) == 0);
}

int flw_assess__tail_get(struct flw_assessment *a, const struct tent *e, size_t n, uint32_t *out)
{
	struct seq_ctx c = { a, e, n };
	uint64_t h = 0x84222325cbf29ce4ULL;
	size_t i;
	size_t slot;

	for (i = 0; i < n; i++)
		h = word_hash(word_hash(word_hash(word_hash(h, e[i].hit), e[i].risk), e[i].life),
		              e[i].fix);
	h = mix(h ^ n);
	*out = map_find(&a->tail_map, h, tail_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (a->n_tails >= NONE - 1 || n >= NONE)
		return FLW_ELIMIT;
	if (map_reserve(&a->tail_map) != 0 ||
	    grow(&a->tails, &a->cap_tails, a->n_tails, sizeof(*a->tails)) != 0)
		return FLW_ENOMEM;
	for (i = 0; i < n; i++) {
		if (grow(&a->tents, &a->cap_tents, a->n_tents + i, sizeof(*a->tents)) != 0)
			return FLW_ENOMEM;
		a->tents[a->n_tents + i] = e[i];
	}
	a->tails[a->n_tails].ent0 = a->n_tents;
	a->tails[a->n_tails].n = (uint32_t)n;
	a->n_tents += n;
	(void)map_find(&a->tail_map, h, tail_eq, &c, &slot);
	map_put(&a->tail_map, slot, h, (uint32_t)a->n_tails);
	*out = (uint32_t)a->n_tails++;
	return 0;
}

/* ---- reading a shape ------------------------------------------------------------------ */

/* the run of runs[0..n) holding item j: the first one ending after it */
static size_t run_at(const struct lrun *runs, size_t n, size_t j)
{
	size_t lo = 0;
	size_t hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (runs[mid].end <= j)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void flw_assess__shape_begin(struct shape_it *it, const struct flw_assessment *a, uint32_t shape,
                             size_t j)
{
	const struct shape *s = &a->shapes[shape];
	const struct group *g = &a->groups[s->group];
	const struct pattern *p = &a->pats[s->pat];

	it->a = a;
	it->items = a->gitems ? &a->gitems[g->first] : NULL; /* tables stay NULL while empty */
	it->runs = a->runs ? &a->runs[p->run0] : NULL;
	it->tents = a->tents ? &a->tents[a->tails[s->tail].ent0] : NULL;
	it->n_items = g->n;
	it->n = s->n;
	it->j = j;
	it->run = run_at(it->runs, p->n_runs, j);
}

int flw_assess__shape_next(struct shape_it *it, struct sfind *out)
{
	const struct flw_assessment *a = it->a;

	if (it->j >= it->n)
		return 0;
	if (it->j < it->n_items) {
		const struct gitem *gi = &it->items[it->j];

		while (it->runs[it->run].end <= it->j)
			it->run++;
		out->hit = gi->hit;
		out->risk = gi->risk;
		out->fix = gi->fix;
		out->life = &a->lives[it->runs[it->run].life];
	} else {
		const struct tent *e = &it->tents[it->j - it->n_items];

		out->hit = e->hit;
		out->risk = e->risk;
		out->fix = e->fix;
		out->life = &a->lives[e->life];
	}
	it->j++;
	return 1;
}

/* Due date and overdue of a finding with this risk and lifecycle: a finding first seen now
 * has its risk's deadline; others follow flw_risk_deadline's rule (risk.h: the days its risk
 * result applied, from first seen; a KEV due date that is earlier replaces it). The rule is
 * applied here because it runs for every finding read (a call costs more than the rest of
 * the read); shape_summarise() checks it against flw_risk_deadline in debug builds. */
static void due_of(const struct flw_assessment *a, uint32_t risk, const struct life *l,
                   int64_t *due_out, uint8_t *overdue_out)
{
	const struct rinfo *ri;
	int64_t due;

	*due_out = 0;
	*overdue_out = 0;
	if (risk == NONE)
		return;
	ri = &a->rinfo[risk];
	if (l->first_seen_ms == a->now) {
		*due_out = ri->due_ms;
		*overdue_out = (uint8_t)(l->state == FLW_FINDING_OPEN && ri->overdue);
		return;
	}
	due = l->first_seen_ms > 0 ? l->first_seen_ms + (int64_t)ri->days * DAY_MS : 0;
	if (ri->kev_due_ms > 0 && (due == 0 || ri->kev_due_ms < due))
		due = ri->kev_due_ms;
	*due_out = due;
	*overdue_out = (uint8_t)(l->state == FLW_FINDING_OPEN && due > 0 && a->now > due);
}

#ifndef NDEBUG
/* due_of() agrees with flw_risk_deadline (debug builds) */
static int due_checked(const struct flw_assessment *a, uint32_t risk, const struct life *l)
{
	const struct rinfo *ri = &a->rinfo[risk];
	struct flw_risk_deadline dl;
	int64_t due;
	uint8_t overdue;

	due_of(a, risk, l, &due, &overdue);
	return flw_risk_deadline(&a->pol, ri->cls, (enum flw_risk_decision)ri->decision,
	                         l->first_seen_ms, ri->kev_due_ms, a->now, &dl) == 0 &&
	       dl.due_ms == due && (l->state == FLW_FINDING_OPEN && dl.overdue) == overdue;
}
#endif

/* the fields of a finding that come from its device and lifecycle */
static void finding_life(uint32_t device, const struct life *l, struct flw_assess_finding *out)
{
	memset(out, 0, sizeof(*out));
	out->device = device;
	out->state = l->state;
	out->change = l->change;
	out->reopen_count = l->reopen_count;
	out->first_seen_ms = l->first_seen_ms;
	out->opened_ms = l->opened_ms;
	out->fixed_ms = l->fixed_ms;
	out->updated_ms = l->updated_ms;
	out->accept_expiry_ms = l->accept_expiry_ms;
}

/* the fields that come from its item (with due date and overdue) */
static void finding_item(const struct flw_assessment *a, const struct life *l, uint32_t hit,
                         uint32_t risk, uint32_t fix, struct flw_assess_finding *out)
{
	out->hit = hit;
	out->risk = risk;
	due_of(a, risk, l, &out->due_ms, &out->overdue);
	out->fix_release = fix;
	out->fix_available_ms = fix == NONE ? 0 : a->rels[fix].released_ms;
}

/* ---- shapes --------------------------------------------------------------------------- */

struct shape_ctx {
	const struct shape *tab;
	uint32_t g, p, t;
};

static int shape_eq(const void *ctx, uint32_t v)
{
	const struct shape_ctx *c = ctx;
	const struct shape *s = &c->tab[v];

	return s->group == c->g && s->pat == c->p && s->tail == c->t;
}

static void shape_summarise(const struct flw_assessment *a, uint32_t shape)
{
	struct shape *s = &a->shapes[shape];
	struct shape_it it;
	struct sfind f;

	s->worst = (uint8_t)FLW_RISK_TRACK;
	flw_assess__shape_begin(&it, a, shape, 0);
	while (flw_assess__shape_next(&it, &f)) {
		const struct rinfo *ri;
		int64_t due;
		uint8_t overdue;

		due_of(a, f.risk, f.life, &due, &overdue);
		assert(f.risk == NONE || due_checked(a, f.risk, f.life));
		s->n_fixed += f.life->state == FLW_FINDING_FIXED;
		s->n_accepted += f.life->state == FLW_FINDING_ACCEPTED;
		s->n_overdue += overdue;
		if (f.life->state != FLW_FINDING_OPEN || f.risk == NONE)
			continue;
		ri = &a->rinfo[f.risk];
		s->n_open++;
		if (ri->decision > s->worst ||
		    (ri->decision == s->worst && ri->score > s->worst_score)) {
			s->worst = ri->decision;
			s->worst_score = ri->score;
		}
	}
}

int flw_assess__shape_get(struct flw_assessment *a, uint32_t group, uint32_t pat, uint32_t tail,
                          uint32_t *out)
{
	struct shape_ctx c = { a->shapes, group, pat, tail };
	uint64_t h = mix(((uint64_t)group << 32 | pat) ^ mix((uint64_t)tail + 0x51ed27ULL));
	struct shape *s;
	size_t slot;

	*out = map_find(&a->shape_map, h, shape_eq, &c, &slot);
	if (*out != NONE)
		return 0;
	if (a->n_shapes >= NONE - 1 ||
	    (size_t)a->groups[group].n + a->tails[tail].n > FLW_ASSESS_MAX_FINDINGS)
		return FLW_ELIMIT;
	if (map_reserve(&a->shape_map) != 0 ||
	    grow(&a->shapes, &a->cap_shapes, a->n_shapes, sizeof(*a->shapes)) != 0)
		return FLW_ENOMEM;
	assert(a->pats[pat].n_items == a->groups[group].n);
	s = &a->shapes[a->n_shapes];
	memset(s, 0, sizeof(*s));
	s->group = group;
	s->pat = pat;
	s->tail = tail;
	s->n = (uint32_t)(a->groups[group].n + a->tails[tail].n);
	shape_summarise(a, (uint32_t)a->n_shapes);
	c.tab = a->shapes;
	(void)map_find(&a->shape_map, h, shape_eq, &c, &slot);
	map_put(&a->shape_map, slot, h, (uint32_t)a->n_shapes);
	*out = (uint32_t)a->n_shapes++;
	return 0;
}

void flw_assess__store_free(struct flw_assessment *a)
{
	flw_free(a->lives);
	flw_free(a->runs);
	flw_free(a->pats);
	flw_free(a->tents);
	flw_free(a->tails);
	flw_free(a->shapes);
	flw_free(a->dev_shape);
	map_done(&a->life_map);
	map_done(&a->pat_map);
	map_done(&a->tail_map);
	map_done(&a->shape_map);
}

/* ---- getters -------------------------------------------------------------------------- */

size_t flw_assessment_finding_count(const struct flw_assessment *a)
{
	return a->n_f;
}

/* the device whose findings contain i (devices' findings are contiguous, in device order) */
static size_t device_of(const struct flw_assessment *a, size_t i)
{
	size_t lo = 0;
	size_t hi = a->n_devs;

	while (lo < hi) { /* the first device starting after i */
		size_t mid = lo + (hi - lo) / 2;

		if (a->devs[mid].first <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1; /* i < n_f, so device 0 starts at or before it */
}

/* findings j.. of device d, at most n, into out; returns how many (a run of items shares its
 * lifecycle's fields) */
static size_t device_findings(const struct flw_assessment *a, size_t d, size_t j, size_t n,
                              struct flw_assess_finding *out)
{
	const struct shape *s = &a->shapes[a->dev_shape[d]];
	const struct group *g = &a->groups[s->group];
	const struct pattern *p = &a->pats[s->pat];
	const struct lrun *runs = a->runs ? &a->runs[p->run0] : NULL;
	const struct tent *te = a->tents ? &a->tents[a->tails[s->tail].ent0] : NULL;
	size_t end = s->n - j < n ? s->n : j + n;
	size_t run = run_at(runs, p->n_runs, j);
	size_t k = 0;

	while (j < end && j < g->n) {
		const struct life *l = &a->lives[runs[run].life];
		struct flw_assess_finding t;

		finding_life((uint32_t)d, l, &t);
		for (; j < end && j < runs[run].end; j++, k++) {
			const struct gitem *gi = &a->gitems[g->first + j];

			out[k] = t;
			finding_item(a, l, gi->hit, gi->risk, gi->fix, &out[k]);
		}
		run++;
	}
	for (; j < end; j++, k++) {
		const struct tent *e = &te[j - g->n];
		const struct life *l = &a->lives[e->life];

		finding_life((uint32_t)d, l, &out[k]);
		finding_item(a, l, e->hit, e->risk, e->fix, &out[k]);
	}
	return k;
}

int flw_assessment_findings_get(const struct flw_assessment *a, size_t i, size_t n,
                                struct flw_assess_finding *out)
{
	size_t d;
	size_t j;
	size_t k;

	if (i > a->n_f || n > a->n_f - i)
		return FLW_EINVAL;
	if (n == 0)
		return 0;
	d = device_of(a, i);
	j = i - a->devs[d].first;
	for (k = 0; k < n; d++, j = 0) /* devices without findings give none */
		k += device_findings(a, d, j, n - k, &out[k]);
	return 0;
}

int flw_assessment_finding_get(const struct flw_assessment *a, size_t i,
                               struct flw_assess_finding *out)
{
	if (i >= a->n_f)
		return FLW_EINVAL;
	return flw_assessment_findings_get(a, i, 1, out);
}
