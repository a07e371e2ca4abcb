/* vuln/match_index.c - in-memory index: vendor:product key -> records, with version filters
 *
 * Open-addressing hash table of posting lists (record numbers, ascending because records are
 * only appended). A lookup merges the lists of the item's candidate keys (at most
 * FLW_VULN_MAX_CANDIDATES) without allocating. Records borrow their parsed config/affected.
 *
 * Crowded keys (FILTER_MIN records or more: linux_kernel, openssl, ...) also get a version
 * filter, so that a match evaluates only the records that can say YES or REVIEW for the
 * item's version instead of every record naming the product. The filter is a pruning step
 * only: the records it keeps are evaluated exactly as before, so results (and their order)
 * are those of the plain evaluation of every candidate. Per key it holds:
 *   - "always" postings: records it cannot reason about (CVE 5 entries whose defaultStatus is
 *     not unaffected, unevaluable or string-compared versions, wildcard or unbounded criteria,
 *     criteria with non-plain names, description evidence);
 *   - per comparator scheme, the version intervals in which each other record's entries can
 *     be true (NVD bounds or exact versions, CVE 5 version objects that are not unaffected).
 *     NA criteria are never true for a versioned item, so they add nothing.
 * Intervals are kept in static runs (logarithmic method: a small pending buffer, then runs of
 * doubling size merged as they fill), so adding stays cheap and every posting is always
 * covered. A run maps its distinct endpoint keys to ranks: a query locates the item's version
 * key once per run (binary search, memcmp) and then compares integers; entries are sorted by
 * start, cut into ~sqrt(n) blocks each sorted by end, so a stabbing query skips whole blocks
 * that end below the version.
 * A match uses a filter only when the item has a version parsed under every scheme the filter
 * uses (else the plain list: no version means REVIEW everywhere anyway); the postings it keeps
 * go into a bitmap on the stack (FILTER_WORDS words), so matching still allocates nothing.
 * An allocation failure while maintaining a filter drops that filter: the key is then matched
 * the plain way.
 */
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "vuln_private.h"
#include "util/sort.h"

#define CVE_ID_MAX 32
#define DESC_KEYS  8

#define FILTER_MIN   32   /* postings before a key gets a version filter */
#define FILTER_PEND  32   /* intervals buffered before they form a run */
#define FILTER_WORDS 1024 /* bitmap words one match keeps on its stack (65536 postings) */

/* A version interval of one posting; a NULL bound is open. Keys point into record pools. */
struct ivl {
	const unsigned char *lo;
	const unsigned char *hi;
	uint32_t pos; /* position in the key's posting list */
	uint8_t lo_len;
	uint8_t hi_len;
	uint8_t lo_incl;
	uint8_t hi_incl;
};

struct rkey {
	const unsigned char *p;
	uint32_t len;
};

/* Interval as ranks over the run's sorted distinct keys e[0..D): 2i+1 is e[i] itself, 2i the
 * gap below it; 0 = open start, 2D = open end. Contains code q iff lo <= q <= hi. */
struct rent {
	uint32_t lo;
	uint32_t hi;
	uint32_t pos;
};

struct run {
	struct rkey *keys;
	uint32_t n_keys;
	struct rent *ents; /* by start, then within each block by end descending */
	uint32_t n;
	uint32_t *block_lo; /* smallest start of each block */
	uint32_t n_blocks;
	uint32_t bsize;
};

struct group {
	struct ivl *pend; /* FILTER_PEND slots */
	uint32_t n_pend;
	struct run *runs;
	uint32_t n_runs;
	uint32_t cap_runs;
};

struct filter {
	uint32_t next; /* postings [0, next) are covered */
	uint32_t *always;
	uint32_t n_always;
	uint32_t cap_always;
	uint8_t schemes; /* bit per scheme whose versions the filter relies on */
	struct group g[_FLW_VSCHEME_MAX];
};

/* 24 bytes, as many slots as keys x 2: capacity is implied by n (powers of two) */
struct posting {
	uint64_t key; /* 0 = empty slot */
	uint32_t *ids;
	uint32_t n;
	uint32_t filter; /* 0 none, FILTER_DROPPED, else 1 + index into idx->filters */
};

#define FILTER_DROPPED UINT32_MAX /* maintaining the filter failed once: plain from then on */

struct rec {
	char cve[CVE_ID_MAX];
	const struct flw_vuln_config *config;
	const struct flw_vuln_affected *affected;
	uint64_t desc_keys[DESC_KEYS];
	uint8_t n_desc;
	uint8_t nonplain;    /* a vulnerable criteria with wildcard vendor/product */
	uint16_t n_desc_all; /* description keys posted (saturating) */
};

struct flw_vuln_index {
	const struct flw_alias_table *aliases;
	struct rec *recs;
	size_t n_recs;
	size_t cap_recs;
	struct posting *tab;
	size_t tab_cap; /* power of two */
	size_t tab_used;
	struct filter **filters;
	uint32_t n_filters;
	uint32_t cap_filters;
};

static void run_free(struct run *r)
{
	flw_free(r->keys);
	flw_free(r->ents);
	flw_free(r->block_lo);
	memset(r, 0, sizeof(*r));
}

static void filter_free(struct filter *f)
{
	size_t s;
	uint32_t i;

	if (!f)
		return;
	for (s = 0; s < _FLW_VSCHEME_MAX; s++) {
		for (i = 0; i < f->g[s].n_runs; i++)
			run_free(&f->g[s].runs[i]);
		flw_free(f->g[s].runs);
		flw_free(f->g[s].pend);
	}
	flw_free(f->always);
	flw_free(f);
}

int flw_vuln_index_new(struct flw_vuln_index **out, const struct flw_alias_table *aliases)
{
	struct flw_vuln_index *idx = flw_calloc(1, sizeof(*idx));

	if (!idx)
		return FLW_ENOMEM;
	idx->aliases = aliases ? aliases : flw_alias_table_default();
	idx->tab_cap = 1024;
	idx->tab = flw_calloc(idx->tab_cap, sizeof(*idx->tab));
	if (!idx->tab) {
		flw_free(idx);
		return FLW_ENOMEM;
	}
	*out = idx;
	return 0;
}

void flw_vuln_index_free(struct flw_vuln_index *idx)
{
	size_t i;

	if (!idx)
		return;
	for (i = 0; i < idx->tab_cap; i++)
		flw_free(idx->tab[i].ids);
	for (i = 0; i < idx->n_filters; i++)
		filter_free(idx->filters[i]);
	flw_free(idx->filters);
	flw_free(idx->tab);
	flw_free(idx->recs);
	flw_free(idx);
}

size_t flw_vuln_index_size(const struct flw_vuln_index *idx)
{
	return idx->n_recs;
}

static struct posting *slot(struct posting *tab, size_t cap, uint64_t key)
{
	size_t i = (size_t)(key ^ (key >> 29)) & (cap - 1);

	while (tab[i].key != 0 && tab[i].key != key)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static struct posting *find(const struct flw_vuln_index *idx, uint64_t key)
{
	struct posting *p;

	if (key == 0)
		return NULL;
	p = slot(idx->tab, idx->tab_cap, key);
	return p->key == key ? p : NULL;
}

static int grow(struct flw_vuln_index *idx)
{
	size_t ncap = idx->tab_cap * 2;
	struct posting *n = flw_calloc(ncap, sizeof(*n));
	size_t i;

	if (!n)
		return FLW_ENOMEM;
	for (i = 0; i < idx->tab_cap; i++)
		if (idx->tab[i].key)
			*slot(n, ncap, idx->tab[i].key) = idx->tab[i];
	flw_free(idx->tab);
	idx->tab = n;
	idx->tab_cap = ncap;
	return 0;
}

static int post(struct flw_vuln_index *idx, uint64_t key, uint32_t id)
{
	struct posting *p;

	if (key == 0)
		return 0;
	if ((idx->tab_used + 1) * 2 > idx->tab_cap && grow(idx) != 0)
		return FLW_ENOMEM;
	p = slot(idx->tab, idx->tab_cap, key);
	if (p->key == 0) {
		p->key = key;
		idx->tab_used++;
	}
	if (p->n > 0 && p->ids[p->n - 1] == id)
		return 0; /* this record is already listed */
	if (p->n == 0 || (p->n >= 2 && (p->n & (p->n - 1)) == 0)) { /* full */
		uint32_t *ids = flw_reallocarray(p->ids, p->n ? 2 * (size_t)p->n : 2, sizeof(*ids));

		if (!ids)
			return FLW_ENOMEM;
		p->ids = ids;
	}
	p->ids[p->n++] = id;
	return 0;
}

/* Take back a posting of a failed add (id is the newest record, so it is last). */
static int unpost(struct flw_vuln_index *idx, uint64_t key, uint32_t id)
{
	struct posting *p = find(idx, key);

	if (p && p->n > 0 && p->ids[p->n - 1] == id)
		p->n--;
	return 0;
}

/* ---- version filter: building ---- */

static int kcmp(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	if (r != 0)
		return r;
	return al == bl ? 0 : (al < bl ? -1 : 1);
}

static int rkey_cmp(const void *a, const void *b)
{
	const struct rkey *x = a;
	const struct rkey *y = b;

	return kcmp(x->p, x->len, y->p, y->len);
}

static int rent_lo_cmp(const void *a, const void *b)
{
	const struct rent *x = a;
	const struct rent *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int rent_hi_desc(const void *a, const void *b)
{
	const struct rent *x = a;
	const struct rent *y = b;

	return x->hi > y->hi ? -1 : x->hi < y->hi;
}

/* Index of key (p, len) among the run's sorted distinct keys (it is there). */
static uint32_t rank_of(const struct run *r, const unsigned char *p, size_t len)
{
	uint32_t lo = 0;
	uint32_t hi = r->n_keys;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (kcmp(r->keys[mid].p, r->keys[mid].len, p, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t isqrt32(uint32_t n)
{
	uint32_t x = 1;

	while ((x + 1) * (x + 1) <= n)
		x++;
	return x;
}

/* Build a run from v[0..n). Empty intervals are dropped. 0 or FLW_ENOMEM. */
static int run_build(struct run *r, const struct ivl *v, size_t n)
{
	uint32_t i;
	uint32_t j;
	uint32_t d = 0;

	memset(r, 0, sizeof(*r));
	r->keys = flw_reallocarray(NULL, 2 * n + 1, sizeof(*r->keys));
	r->ents = flw_reallocarray(NULL, n + 1, sizeof(*r->ents));
	if (!r->keys || !r->ents)
		goto oom;
	for (i = 0; i < n; i++) {
		if (v[i].lo)
			r->keys[d++] = (struct rkey){ v[i].lo, v[i].lo_len };
		if (v[i].hi)
			r->keys[d++] = (struct rkey){ v[i].hi, v[i].hi_len };
	}
	flw_sort(r->keys, d, sizeof(*r->keys), rkey_cmp);
	for (i = 0, j = 0; i < d; i++)
		if (j == 0 || rkey_cmp(&r->keys[j - 1], &r->keys[i]) != 0)
			r->keys[j++] = r->keys[i];
	r->n_keys = j;
	for (i = 0; i < n; i++) {
		struct rent e;

		e.pos = v[i].pos;
		e.lo = v[i].lo ? 2 * rank_of(r, v[i].lo, v[i].lo_len) + (v[i].lo_incl ? 1 : 2) : 0;
		e.hi = v[i].hi ? 2 * rank_of(r, v[i].hi, v[i].hi_len) + (v[i].hi_incl ? 1 : 0)
		               : 2 * r->n_keys;
		if (e.lo <= e.hi)
			r->ents[r->n++] = e;
	}
	if (r->n == 0)
		return 0;
	flw_sort(r->ents, r->n, sizeof(*r->ents), rent_lo_cmp);
	r->bsize = isqrt32(r->n);
	r->bsize = r->bsize < 16 ? 16 : r->bsize;
	r->n_blocks = (r->n + r->bsize - 1) / r->bsize;
	r->block_lo = flw_reallocarray(NULL, r->n_blocks, sizeof(*r->block_lo));
	if (!r->block_lo)
		goto oom;
	for (i = 0; i < r->n_blocks; i++) {
		uint32_t s = i * r->bsize;
		uint32_t e = s + r->bsize < r->n ? s + r->bsize : r->n;

		r->block_lo[i] = r->ents[s].lo;
		flw_sort(r->ents + s, e - s, sizeof(*r->ents), rent_hi_desc);
	}
	return 0;
oom:
	run_free(r);
	return FLW_ENOMEM;
}

/* The intervals of a run back as ivl (appended to out). */
static size_t run_expand(const struct run *r, struct ivl *out)
{
	uint32_t i;

	for (i = 0; i < r->n; i++) {
		const struct rent *e = &r->ents[i];
		struct ivl *v = &out[i];

		memset(v, 0, sizeof(*v));
		v->pos = e->pos;
		if (e->lo > 0) {
			const struct rkey *k = &r->keys[(e->lo - 1) / 2];

			v->lo = k->p;
			v->lo_len = (uint8_t)k->len;
			v->lo_incl = e->lo & 1;
		}
		if (e->hi < 2 * r->n_keys) {
			const struct rkey *k = &r->keys[(e->hi & 1) ? (e->hi - 1) / 2 : e->hi / 2];

			v->hi = k->p;
			v->hi_len = (uint8_t)k->len;
			v->hi_incl = e->hi & 1;
		}
	}
	return r->n;
}

/* Turn the pending intervals into a run, then merge runs of similar size. */
static int group_flush(struct group *g)
{
	struct run nr;
	int rc;

	if (g->n_runs == g->cap_runs) {
		uint32_t ncap = g->cap_runs ? g->cap_runs * 2 : 4;
		struct run *n = flw_reallocarray(g->runs, ncap, sizeof(*n));

		if (!n)
			return FLW_ENOMEM;
		g->runs = n;
		g->cap_runs = ncap;
	}
	rc = run_build(&nr, g->pend, g->n_pend);
	if (rc != 0)
		return rc;
	g->n_pend = 0;
	if (nr.n == 0) {
		run_free(&nr);
		return 0;
	}
	g->runs[g->n_runs++] = nr;
	while (g->n_runs >= 2 && g->runs[g->n_runs - 2].n <= g->runs[g->n_runs - 1].n) {
		struct run *a = &g->runs[g->n_runs - 2];
		struct run *b = &g->runs[g->n_runs - 1];
		struct ivl *tmp = flw_reallocarray(NULL, (size_t)a->n + b->n, sizeof(*tmp));
		size_t n;

		if (!tmp)
			return FLW_ENOMEM;
		n = run_expand(a, tmp);
		n += run_expand(b, tmp + n);
		rc = run_build(&nr, tmp, n);
		flw_free(tmp);
		if (rc != 0)
			return rc;
		run_free(a);
		run_free(b);
		*a = nr;
		g->n_runs--;
	}
	return 0;
}

static int group_add(struct group *g, const struct ivl *v)
{
	if (!g->pend) {
		g->pend = flw_reallocarray(NULL, FILTER_PEND, sizeof(*g->pend));
		if (!g->pend)
			return FLW_ENOMEM;
	}
	g->pend[g->n_pend++] = *v;
	return g->n_pend == FILTER_PEND ? group_flush(g) : 0;
}

static int add_always(struct filter *f, uint32_t pos)
{
	if (f->n_always > 0 && f->always[f->n_always - 1] == pos)
		return 0;
	if (f->n_always == f->cap_always) {
		uint32_t ncap = f->cap_always ? f->cap_always * 2 : 8;
		uint32_t *n = flw_reallocarray(f->always, ncap, sizeof(*n));

		if (!n)
			return FLW_ENOMEM;
		f->always = n;
		f->cap_always = ncap;
	}
	f->always[f->n_always++] = pos;
	return 0;
}

/* Versions for which an NVD entry can be true for an item with a version parsed under the
 * entry's scheme (mirrors match.c version_in). 1: always a candidate, 0: *v, -1: never. */
static int cm_interval(const struct flw_vuln_config *c, const struct flw_vuln_cm *cm, struct ivl *v)
{
	const unsigned char *pool = (const unsigned char *)c->pool;

	if (cm->vkind == FLW_CPE_NA)
		return -1;
	if (cm->vkind == FLW_CPE_VALUE) {
		if (cm->vwild || cm->skey_len == 0)
			return 1;
		v->lo = v->hi = pool + cm->skey_off;
		v->lo_len = v->hi_len = cm->skey_len;
		v->lo_incl = v->hi_incl = 1;
		return 0;
	}
	if (!(cm->flags & (CM_HAS_START | CM_HAS_END)) || (cm->flags & CM_UNEVAL))
		return 1;
	if (cm->flags & CM_HAS_START) {
		v->lo = pool + cm->skey_off;
		v->lo_len = cm->skey_len;
		v->lo_incl = !!(cm->flags & CM_START_INCL);
	}
	if (cm->flags & CM_HAS_END) {
		v->hi = pool + cm->ekey_off;
		v->hi_len = cm->ekey_len;
		v->hi_incl = !!(cm->flags & CM_END_INCL);
	}
	return 0;
}

static int derive_config(struct filter *f, const struct flw_vuln_config *c, uint64_t key,
                         uint32_t pos)
{
	size_t i;
	int rc;

	for (i = 0; i < c->n_cms; i++) {
		const struct flw_vuln_cm *cm = &c->cms[i];
		struct ivl v;
		int k;

		if (!(cm->flags & CM_VULNERABLE) || !(cm->flags & CM_NAME_PLAIN) || cm->key != key)
			continue;
		memset(&v, 0, sizeof(v));
		v.pos = pos;
		k = cm_interval(c, cm, &v);
		if (k > 0)
			return add_always(f, pos);
		if (k < 0)
			continue;
		f->schemes |= (uint8_t)(1u << cm->scheme);
		if ((rc = group_add(&f->g[cm->scheme], &v)) != 0)
			return rc;
	}
	return 0;
}

/* CVE 5 product entry (mirrors match.c aprod_status): with defaultStatus unaffected, only
 * version objects that are not entirely unaffected can give YES or REVIEW. */
static int derive_aprod(struct filter *f, const struct flw_vuln_affected *a,
                        const struct flw_vuln_aprod *pr, uint32_t pos)
{
	const unsigned char *pool = (const unsigned char *)a->pool;
	uint32_t i;
	uint32_t k;
	int rc;

	if (pr->default_status != FLW_ST_UNAFFECTED)
		return add_always(f, pos);
	f->schemes |= (uint8_t)(1u << pr->scheme);
	for (i = 0; i < pr->n_ver; i++) {
		const struct flw_vuln_aver *av = &a->vers[pr->first_ver + i];
		int matters = av->status != FLW_ST_UNAFFECTED;
		struct ivl v;

		for (k = av->first_change; k < av->first_change + av->n_changes; k++)
			matters |= a->changes[k].status != FLW_ST_UNAFFECTED;
		if (!(av->flags & AV_RANGE) && (av->flags & AV_STRING)) {
			if (matters)
				return add_always(f, pos);
			continue;
		}
		if (av->flags & AV_UNEVAL)
			return add_always(f, pos);
		if (!matters)
			continue;
		memset(&v, 0, sizeof(v));
		v.pos = pos;
		if (!(av->flags & AV_RANGE) || !(av->flags & AV_NO_LOWER)) {
			v.lo = pool + av->lo_key_off;
			v.lo_len = av->lo_key_len;
			v.lo_incl = 1;
		}
		if (!(av->flags & AV_RANGE)) {
			v.hi = v.lo;
			v.hi_len = v.lo_len;
			v.hi_incl = 1;
		} else if (!(av->flags & (AV_HI_INF | AV_HI_PREFIX))) {
			v.hi = pool + av->hi_key_off;
			v.hi_len = av->hi_key_len;
			v.hi_incl = !!(av->flags & AV_HI_INCL);
		}
		if ((rc = group_add(&f->g[pr->scheme], &v)) != 0)
			return rc;
	}
	return 0;
}

static int derive_affected(struct filter *f, const struct flw_vuln_affected *a, uint64_t key,
                           uint32_t pos)
{
	size_t i;
	uint32_t k;
	int rc;

	for (i = 0; i < a->n_prods; i++) {
		const struct flw_vuln_aprod *pr = &a->prods[i];
		int named = pr->key == key;

		for (k = pr->first_cpe; !named && k < pr->first_cpe + pr->n_cpe; k++)
			named = a->cpe_keys[k] == key;
		if (named && (rc = derive_aprod(f, a, pr, pos)) != 0)
			return rc;
	}
	return 0;
}

/* Filter entries of the record at posting position pos of key (see flw_vuln_index_eval: a
 * record can only be YES/REVIEW for an item through an entry naming one of its keys). */
static int derive(struct filter *f, const struct rec *r, uint64_t key, uint32_t pos)
{
	uint8_t i;

	if (flw_vuln_config_count(r->config) > 0) {
		if (r->nonplain)
			return add_always(f, pos);
		return derive_config(f, r->config, key, pos);
	}
	for (i = 0; i < r->n_desc; i++)
		if (r->desc_keys[i] == key)
			return add_always(f, pos);
	return r->affected ? derive_affected(f, r->affected, key, pos) : 0;
}

static struct filter *filter_of(const struct flw_vuln_index *idx, const struct posting *p)
{
	return p->filter == 0 || p->filter == FILTER_DROPPED ? NULL : idx->filters[p->filter - 1];
}

/* A new filter for p, or NULL. */
static struct filter *filter_new(struct flw_vuln_index *idx, struct posting *p)
{
	struct filter *f;

	if (idx->n_filters == idx->cap_filters) {
		uint32_t ncap = idx->cap_filters ? idx->cap_filters * 2 : 16;
		struct filter **n;

		if (idx->cap_filters >= FILTER_DROPPED / 4)
			return NULL;
		n = flw_reallocarray(idx->filters, ncap, sizeof(*n));
		if (!n)
			return NULL;
		idx->filters = n;
		idx->cap_filters = ncap;
	}
	f = flw_calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	idx->filters[idx->n_filters++] = f;
	p->filter = idx->n_filters;
	return f;
}

/* Bring key's filter up to its posting list (creating it once the key is crowded). */
static int catch_up(struct flw_vuln_index *idx, uint64_t key, uint32_t id)
{
	struct posting *p = find(idx, key);
	struct filter *f;

	(void)id;
	if (!p || p->filter == FILTER_DROPPED || (p->filter == 0 && p->n < FILTER_MIN))
		return 0;
	f = p->filter ? filter_of(idx, p) : filter_new(idx, p);
	if (!f)
		goto drop;
	while (f->next < p->n) {
		if (derive(f, &idx->recs[p->ids[f->next]], key, f->next) != 0)
			goto drop;
		f->next++;
	}
	return 0;
drop:
	if (f) { /* the slot stays (NULL), the key is matched the plain way from now on */
		filter_free(f);
		idx->filters[p->filter - 1] = NULL;
	}
	p->filter = FILTER_DROPPED;
	return 0;
}

/* ---- keys of a record ---- */

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Whole-word, case-insensitive occurrence of name in text[0..n). */
static int mentions(const char *text, size_t n, const char *name)
{
	size_t ln = strlen(name);
	size_t i;
	size_t j;

	for (i = 0; i + ln <= n; i++) {
		if (i > 0 && is_word(text[i - 1]))
			continue;
		for (j = 0; j < ln; j++) {
			char c = text[i + j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != name[j])
				break;
		}
		if (j == ln && (i + ln == n || !is_word(text[i + ln])))
			return 1;
	}
	return 0;
}

typedef int (*key_fn)(struct flw_vuln_index *idx, uint64_t key, uint32_t id);

/* Keys of the alias-table products the description names. fill: remember them in r (the
 * first DESC_KEYS, and how many there were); later walks reuse them when they were all kept. */
static int desc_walk(struct flw_vuln_index *idx, struct rec *r, uint32_t id, const char *desc,
                     int fill, key_fn fn)
{
	const struct flw_alias_row *row;
	size_t n;
	size_t i;
	size_t j;
	int rc = 0;

	if (!fill && r->n_desc_all <= r->n_desc) {
		for (i = 0; rc == 0 && i < r->n_desc; i++)
			rc = fn(idx, r->desc_keys[i], id);
		return rc;
	}
	n = strnlen(desc, FLW_VULN_MAX_DESC);
	for (i = 0; rc == 0 && (row = flw_alias__row(idx->aliases, i)) != NULL; i++) {
		if (row->kind != FLW_ALIAS_PRODUCT || !mentions(desc, n, row->key))
			continue;
		for (j = 0; rc == 0 && j < row->n_vals; j++) {
			const char *colon = strchr(row->vals[j], ':');
			uint64_t k = flw_vuln__key(row->vals[j], (size_t)(colon - row->vals[j]),
			                           colon + 1, strlen(colon + 1));

			if (fill && r->n_desc < DESC_KEYS)
				r->desc_keys[r->n_desc++] = k;
			if (fill && r->n_desc_all < UINT16_MAX)
				r->n_desc_all++;
			rc = fn(idx, k, id);
		}
	}
	return rc;
}

/* Call fn for every key the record is listed under: the vendor:product of every vulnerable
 * criteria and of every affected entry (and its cpes), and, for a record without
 * configurations, the products its description names. */
static int walk_keys(struct flw_vuln_index *idx, struct rec *r, uint32_t id, const char *desc,
                     int fill, key_fn fn)
{
	const struct flw_vuln_config *c = r->config;
	const struct flw_vuln_affected *a = r->affected;
	size_t i;
	int rc = 0;

	for (i = 0; c && rc == 0 && i < c->n_cms; i++)
		if ((c->cms[i].flags & CM_VULNERABLE) && (c->cms[i].flags & CM_NAME_PLAIN))
			rc = fn(idx, c->cms[i].key, id);
	for (i = 0; a && rc == 0 && i < a->n_prods; i++)
		rc = fn(idx, a->prods[i].key, id);
	for (i = 0; a && rc == 0 && i < a->n_cpe; i++)
		rc = fn(idx, a->cpe_keys[i], id);
	if (rc == 0 && desc && flw_vuln_config_count(c) == 0)
		rc = desc_walk(idx, r, id, desc, fill, fn);
	return rc;
}

static int has_nonplain(const struct flw_vuln_config *c)
{
	size_t i;

	for (i = 0; c && i < c->n_cms; i++)
		if ((c->cms[i].flags & CM_VULNERABLE) && !(c->cms[i].flags & CM_NAME_PLAIN))
			return 1;
	return 0;
}

int flw_vuln_index_add(struct flw_vuln_index *idx, const char *cve_id,
                       const struct flw_vuln_config *config,
                       const struct flw_vuln_affected *affected, const char *description,
                       struct flw_diag *diag)
{
	struct rec *r;
	uint32_t id;
	int rc;

	if (strlen(cve_id) >= CVE_ID_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "cve", "id longer than %d", CVE_ID_MAX - 1);
	if (idx->n_recs >= FLW_VULN_INDEX_MAX_RECORDS)
		return flw_diag_set(diag, FLW_ELIMIT, "index", "more than %u records",
		                    FLW_VULN_INDEX_MAX_RECORDS);
	if (idx->n_recs == idx->cap_recs) {
		size_t ncap = idx->cap_recs ? idx->cap_recs * 2 : 64;
		struct rec *n = flw_reallocarray(idx->recs, ncap, sizeof(*n));

		if (!n)
			return flw_diag_set(diag, FLW_ENOMEM, "index", "out of memory");
		idx->recs = n;
		idx->cap_recs = ncap;
	}
	id = (uint32_t)idx->n_recs;
	r = &idx->recs[id];
	memset(r, 0, sizeof(*r));
	memcpy(r->cve, cve_id, strlen(cve_id) + 1);
	r->config = config;
	r->affected = affected;
	r->nonplain = (uint8_t)has_nonplain(config);
	rc = walk_keys(idx, r, id, description, 1, post);
	if (rc != 0) {
		(void)walk_keys(idx, r, id, description, 0, unpost);
		return flw_diag_set(diag, rc, "index", "out of memory");
	}
	(void)walk_keys(idx, r, id, description, 0, catch_up); /* cannot fail: degrades */
	idx->n_recs++;
	return 0;
}

const char *flw_vuln_index_cve(const struct flw_vuln_index *idx, uint32_t id)
{
	return id < idx->n_recs ? idx->recs[id].cve : NULL;
}

/* ---- version filter: querying ---- */

static void set_bit(uint64_t *bits, uint32_t pos)
{
	bits[pos >> 6] |= (uint64_t)1 << (pos & 63);
}

static int ivl_has(const struct ivl *v, const struct flw_version *q)
{
	int c;

	if (v->lo) {
		c = kcmp(q->key, q->len, v->lo, v->lo_len);
		if (c < 0 || (c == 0 && !v->lo_incl))
			return 0;
	}
	if (v->hi) {
		c = kcmp(q->key, q->len, v->hi, v->hi_len);
		if (c > 0 || (c == 0 && !v->hi_incl))
			return 0;
	}
	return 1;
}

static void run_query(const struct run *r, const struct flw_version *q, uint64_t *bits)
{
	uint32_t lo = 0;
	uint32_t hi = r->n_keys;
	uint32_t code;
	uint32_t nb;
	uint32_t j;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (kcmp(r->keys[mid].p, r->keys[mid].len, q->key, q->len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	code = 2 * lo +
	       (lo < r->n_keys && kcmp(r->keys[lo].p, r->keys[lo].len, q->key, q->len) == 0);
	lo = 0; /* nb = number of blocks starting at or below code */
	hi = r->n_blocks;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->block_lo[mid] <= code)
			lo = mid + 1;
		else
			hi = mid;
	}
	nb = lo;
	for (j = 0; j < nb; j++) {
		uint32_t s = j * r->bsize;
		uint32_t e = s + r->bsize < r->n ? s + r->bsize : r->n;

		for (; s < e && r->ents[s].hi >= code; s++) /* by end, descending */
			if (j + 1 < nb || r->ents[s].lo <= code)
				set_bit(bits, r->ents[s].pos);
	}
}

/* Bit i set for every posting i of p that can be YES/REVIEW for a version q[scheme]. */
static void filter_query(const struct filter *f, const struct posting *p,
                         const struct flw_match_item *it, uint64_t *bits)
{
	size_t s;
	uint32_t i;

	memset(bits, 0, ((p->n + 63) / 64) * sizeof(*bits));
	for (i = 0; i < f->n_always; i++)
		set_bit(bits, f->always[i]);
	for (s = 0; s < _FLW_VSCHEME_MAX; s++) {
		const struct group *g = &f->g[s];

		if (!(f->schemes & (1u << s)))
			continue;
		for (i = 0; i < g->n_pend; i++)
			if (ivl_has(&g->pend[i], &it->ver[s]))
				set_bit(bits, g->pend[i].pos);
		for (i = 0; i < g->n_runs; i++)
			run_query(&g->runs[i], &it->ver[s], bits);
	}
}

/* Schemes the item's version parsed under; 0 when it has no version to filter by. */
static unsigned item_schemes(const struct flw_match_item *it)
{
	unsigned m = 0;
	size_t s;

	if (it->version_len == 0 || it->version_na)
		return 0;
	for (s = 0; s < _FLW_VSCHEME_MAX; s++)
		if (it->ver_ok[s])
			m |= 1u << s;
	return m;
}

/* k-way merge over the candidates' posting lists, each optionally filtered by a bitmap. */
struct merge {
	const struct posting *lists[FLW_VULN_MAX_CANDIDATES];
	const uint64_t *bits[FLW_VULN_MAX_CANDIDATES]; /* NULL: every posting */
	uint32_t pos[FLW_VULN_MAX_CANDIDATES];
	size_t k;
};

/* bits: FILTER_WORDS words of scratch to filter crowded keys with, or NULL (all postings). */
static void merge_init(struct merge *m, const struct flw_vuln_index *idx,
                       const struct flw_match_item *it, uint64_t *bits)
{
	unsigned ok = bits ? item_schemes(it) : 0;
	size_t used = 0;
	size_t i;

	m->k = 0;
	for (i = 0; i < it->n_cand; i++) {
		const struct posting *p = find(idx, it->cand[i].key);
		const struct filter *f;
		size_t words;

		if (!p)
			continue;
		m->pos[m->k] = 0;
		m->bits[m->k] = NULL;
		words = (p->n + 63) / 64;
		f = ok ? filter_of(idx, p) : NULL;
		if (f && f->next == p->n && (f->schemes & ~ok) == 0 &&
		    used + words <= FILTER_WORDS) {
			filter_query(f, p, it, bits + used);
			m->bits[m->k] = bits + used;
			used += words;
		}
		m->lists[m->k++] = p;
	}
}

/* First set bit at or after from, or n. */
static uint32_t next_bit(const uint64_t *bits, uint32_t from, uint32_t n)
{
	while (from < n) {
		uint64_t w = bits[from >> 6] >> (from & 63);

		if (w) {
			from += (uint32_t)__builtin_ctzll(w);
			return from < n ? from : n;
		}
		from = (from | 63) + 1;
	}
	return n;
}

/* Next id, or -1 when done. Ids beyond n_recs (left by a failed add) are skipped. */
static int64_t merge_next(struct merge *m, size_t n_recs)
{
	uint32_t best = UINT32_MAX;
	size_t i;

	for (i = 0; i < m->k; i++) {
		if (m->bits[i])
			m->pos[i] = next_bit(m->bits[i], m->pos[i], m->lists[i]->n);
		if (m->pos[i] < m->lists[i]->n && m->lists[i]->ids[m->pos[i]] < best)
			best = m->lists[i]->ids[m->pos[i]];
	}
	if (best == UINT32_MAX || best >= n_recs)
		return -1;
	for (i = 0; i < m->k; i++)
		if (m->pos[i] < m->lists[i]->n && m->lists[i]->ids[m->pos[i]] == best)
			m->pos[i]++;
	return best;
}

void flw_vuln_index_lookup(const struct flw_vuln_index *idx, const struct flw_match_item *it,
                           uint32_t *ids, size_t max, size_t *n_out)
{
	struct merge m;
	int64_t id;
	size_t n = 0;

	merge_init(&m, idx, it, NULL);
	while ((id = merge_next(&m, idx->n_recs)) >= 0) {
		if (n < max)
			ids[n] = (uint32_t)id;
		n++;
	}
	*n_out = n;
}

void flw_vuln__index_count(const struct flw_vuln_index *idx, const struct flw_match_item *it,
                           size_t *candidates, size_t *evaluated)
{
	uint64_t bits[FILTER_WORDS];
	struct merge m;

	*candidates = *evaluated = 0;
	merge_init(&m, idx, it, NULL);
	while (merge_next(&m, idx->n_recs) >= 0)
		(*candidates)++;
	merge_init(&m, idx, it, bits);
	while (merge_next(&m, idx->n_recs) >= 0)
		(*evaluated)++;
}

static int desc_hit(const struct rec *r, const struct flw_match_item *it)
{
	size_t i;
	size_t j;

	for (i = 0; i < r->n_desc; i++)
		for (j = 0; j < it->n_cand; j++)
			if (r->desc_keys[i] == it->cand[j].key)
				return 1;
	return 0;
}

int flw_vuln_index_eval(const struct flw_vuln_index *idx, uint32_t id,
                        const struct flw_match_item *it, const struct flw_platform *plat,
                        struct flw_match_result *out)
{
	const struct rec *r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (id >= idx->n_recs)
		return FLW_EINVAL;
	r = &idx->recs[id];
	if (r->config && r->config->n_confs > 0)
		return flw_match_config(r->config, it, plat, out);
	if (r->affected)
		rc = flw_match_affected(r->affected, it, out);
	if (rc == 0 && out->verdict == FLW_MATCH_NO && !(out->flags & FLW_MATCH_F_NAME) &&
	    desc_hit(r, it)) {
		out->verdict = FLW_MATCH_REVIEW;
		out->confidence = FLW_MATCH_CONF_NEEDS_REVIEW;
		out->source = FLW_MATCH_SRC_DESCRIPTION;
		out->reason = "not analysed; the description names the component";
	}
	return rc;
}

int flw_vuln_index_match(const struct flw_vuln_index *idx, const struct flw_match_item *it,
                         const struct flw_platform *plat, flw_vuln_match_fn fn, void *payload)
{
	uint64_t bits[FILTER_WORDS];
	struct flw_match_result res;
	struct merge m;
	int64_t id;
	int rc;

	merge_init(&m, idx, it, bits);
	while ((id = merge_next(&m, idx->n_recs)) >= 0) {
		rc = flw_vuln_index_eval(idx, (uint32_t)id, it, plat, &res);
		if (rc != 0)
			return rc;
		if (res.verdict == FLW_MATCH_NO)
			continue;
		rc = fn(idx->recs[id].cve, &res, payload);
		if (rc != 0)
			return rc;
	}
	return 0;
}
