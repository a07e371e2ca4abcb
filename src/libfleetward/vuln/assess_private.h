/* src/libfleetward/vuln/assess_private.h - fleet assessment internals shared by assess.c
 * (tables, matching, risk, projection), assess_store.c (findings stored per shape and
 * materialised on read) and assess_queue.c (release order, fix releases, patch queue).
 * The storage design is described at the top of assess.c.
 */
#ifndef FLW_ASSESS_PRIVATE_H
#define FLW_ASSESS_PRIVATE_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/assess.h"
#include "fleetward/error.h"

#define NONE FLW_ASSESS_NONE

/* ---- hash map: 64-bit hash -> uint32 index, equality checked by the caller ------------- */

struct map {
	uint64_t *h; /* 0 = empty */
	uint32_t *v;
	size_t cap; /* power of two */
	size_t n;
};

typedef int (*map_eq_fn)(const void *ctx, uint32_t v);

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x | 1; /* never 0 */
}

static inline uint64_t hash_str(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	h ^= s ? 0x9e3779b97f4a7c15ULL : 0x7f4a7c159e3779b9ULL;
	while (*p)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

static inline int map_reserve(struct map *m)
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
static inline uint32_t map_find(const struct map *m, uint64_t h, map_eq_fn eq, const void *ctx,
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

static inline void map_put(struct map *m, size_t slot, uint64_t h, uint32_t v)
{
	m->h[slot] = h;
	m->v[slot] = v;
	m->n++;
}

static inline void map_done(struct map *m)
{
	flw_free(m->h);
	flw_free(m->v);
	memset(m, 0, sizeof(*m));
}

/* grow *p (n used, *cap) to hold one more element */
static inline int grow(void *pp, size_t *cap, size_t n, size_t elsize)
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

/* ---- tables --------------------------------------------------------------------------- */

struct ablk;

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

/* (CVE, component name) of a hit: what a release carries, what a fix removes */
static inline uint64_t hit_pair(const struct hit *h)
{
	return (uint64_t)h->pub.cve << 32 | h->name;
}

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

/* what findings need of a risk result, packed (a result is 3 KiB with its reasons) */
struct rinfo {
	const struct flw_risk_class *cls; /* in the assessment's policy copy */
	int64_t kev_due_ms;               /* KEV due date given to the deadline */
	int64_t due_ms;                   /* deadline of a finding first seen now */
	uint32_t days;                    /* policy days its deadline applies */
	uint32_t score;
	uint8_t decision; /* enum flw_risk_decision */
	uint8_t overdue;  /* of a finding first seen now */
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
	uint32_t fresh; /* shape of its devices without priors or extras, NONE before the first */
};

/* one finding of every device of a group: the hit on the group's hardware, its risk in the
 * group and the fix release for the group's release */
struct gitem {
	uint32_t hit;
	uint32_t risk;
	uint32_t fix;
};

struct rel {
	const char *id;
	const char *line;
	int64_t released_ms;
	uint32_t *comps;
	size_t n;
	uint64_t *pairs; /* hit_pair() of its hits without hardware: sorted, unique */
	uint32_t *pfix;  /* per pair: the first newer release of the line without it, or NONE */
	size_t n_pairs;
	uint32_t *hfix; /* per hit of its components (in component, hit order): pfix of its pair */
};

struct pair2 {
	uint64_t a;
	uint32_t b;
};

/* A lifecycle as findings report it (flw_finding_life without acceptance texts), stored
 * once per distinct value. Zero-filled before use so that equal values compare equal. */
struct life {
	int64_t first_seen_ms;
	int64_t opened_ms;
	int64_t fixed_ms;
	int64_t updated_ms;
	int64_t accept_expiry_ms;
	uint8_t state;
	uint8_t change;
	uint8_t reopen_count;
};

/* items [previous run's end, end) of a pattern have lifecycle life */
struct lrun {
	uint32_t end;
	uint32_t life;
};

/* lifecycles of a group's items, as runs */
struct pattern {
	size_t run0; /* into runs */
	uint32_t n_runs;
	uint32_t n_items;
};

/* an explicit finding of a tail */
struct tent {
	uint32_t hit;
	uint32_t risk; /* NONE: not present now (fixed) */
	uint32_t life;
	uint32_t fix;
};

struct tail {
	size_t ent0; /* into tents */
	uint32_t n;
};

/* a device's findings: its group's items with a pattern, then a tail; with the summary
 * (counts fit: a shape's findings are those of one device, <= FLW_ASSESS_MAX_FINDINGS) */
struct shape {
	uint32_t group;
	uint32_t pat;
	uint32_t tail;
	uint32_t n;
	uint32_t n_open;
	uint32_t n_overdue;
	uint32_t n_fixed;
	uint32_t n_accepted;
	uint32_t worst_score;
	uint8_t worst; /* enum flw_risk_decision */
};

struct flw_assessment {
	struct ablk *ar;
	struct flw_assess_stats st;
	int64_t now;
	struct flw_risk_policy pol; /* copy: risks' classes point here, deadlines on read */
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
	struct rinfo *rinfo;
	size_t n_risks, cap_risks, cap_rkeys, cap_rinfo;
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
	uint32_t *order;    /* releases by (line, released_ms, index) */
	uint32_t *pos;      /* release -> position in order */
	uint32_t *line_end; /* position -> end of its line in order */
	struct flw_assess_device_result *devs;
	const char **dev_ids;
	uint32_t *dev_shape;
	size_t n_devs;
	size_t n_f;
	/* stored findings (assess_store.c) */
	struct life *lives;
	size_t n_lives, cap_lives;
	struct map life_map;
	struct lrun *runs;
	size_t n_runs, cap_runs;
	struct pattern *pats;
	size_t n_pats, cap_pats;
	struct map pat_map;
	struct tent *tents;
	size_t n_tents, cap_tents;
	struct tail *tails;
	size_t n_tails, cap_tails;
	struct map tail_map;
	struct shape *shapes;
	size_t n_shapes, cap_shapes;
	struct map shape_map;
};

/* ---- assess_store.c ------------------------------------------------------------------- */

/* Intern a lifecycle, a pattern (runs[0..n)), a tail (e[0..n)), a shape. @return 0 or
 * FLW_ENOMEM / FLW_ELIMIT */
int flw_assess__life_get(struct flw_assessment *a, const struct life *l, uint32_t *out);
int flw_assess__pattern_get(struct flw_assessment *a, const struct lrun *runs, size_t n,
                            uint32_t *out);
int flw_assess__tail_get(struct flw_assessment *a, const struct tent *e, size_t n, uint32_t *out);
int flw_assess__shape_get(struct flw_assessment *a, uint32_t group, uint32_t pat, uint32_t tail,
                          uint32_t *out);
void flw_assess__store_free(struct flw_assessment *a);

/* One stored finding of a shape. */
struct sfind {
	uint32_t hit;
	uint32_t risk;
	uint32_t fix;
	const struct life *life;
};

/* Walks the findings of a shape from index j on. */
struct shape_it {
	const struct flw_assessment *a;
	const struct gitem *items; /* the group's */
	const struct lrun *runs;   /* the pattern's */
	const struct tent *tents;  /* the tail's */
	size_t n_items;
	size_t n;
	size_t j;
	size_t run;
};

void flw_assess__shape_begin(struct shape_it *it, const struct flw_assessment *a, uint32_t shape,
                             size_t j);
/* 1 and *out = finding j (then j + 1 on the next call), 0 past the end */
int flw_assess__shape_next(struct shape_it *it, struct sfind *out);

/* ---- assess_queue.c ------------------------------------------------------------------- */

/* Order releases within their product line, collect what each release carries and the fix
 * release of each of its (CVE, component name) pairs. After matching. @return 0, FLW_ENOMEM */
int flw_assess__releases_prepare(struct flw_assessment *a);
/* Whether release rel carries pair (a hit for it without hardware). */
int flw_assess__carries(const struct flw_assessment *a, uint32_t rel, uint64_t pair);
/* The first release of rel's line, newer than rel, that does not carry pair; NONE if none. */
uint32_t flw_assess__fix_for(const struct flw_assessment *a, uint32_t rel, uint64_t pair);

#endif /* FLW_ASSESS_PRIVATE_H */
