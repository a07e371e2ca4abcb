/* server/vulnsvc_fleet.c - the fleet tables an assessment is built from
 *
 * One flw_store_assess_load() (one read transaction) gives every release then every device;
 * they become the assessment input (struct flw_assess_release / flw_assess_device) plus what
 * the reports need of each device (struct vs_devinfo). Strings live in an arena and repeated
 * ones (classes, segments, component names and versions, hardware CPEs) are interned, so a
 * homogeneous fleet of a million devices costs little more than its device ids. Devices whose
 * running target is not a release of the repository run the synthetic release "" (no
 * components, a product line of its own). A full run also loads the stored findings as
 * priors (flw_store_findings_each, ordered by device), with their lifecycles interned.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "server/vulnsvc_impl.h"
#include "util/sort.h"

#define VS_CHUNK (256u * 1024u)
#define VS_NONE  ((size_t)-1)

/* ---- arena ------------------------------------------------------------------------------- */

struct vs_chunk {
	struct vs_chunk *next;
	size_t used;
	size_t cap;
	unsigned char data[];
};

void *vs_arena_alloc(struct vs_arena *a, size_t n)
{
	struct vs_chunk *c = a->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > VS_CHUNK ? n : VS_CHUNK;

		c = flw_malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *vs_arena_strdup(struct vs_arena *a, const char *s)
{
	size_t n = strlen(s);
	char *p = vs_arena_alloc(a, n + 1);

	if (p)
		memcpy(p, s, n);
	return p;
}

void vs_arena_free(struct vs_arena *a)
{
	while (a->head) {
		struct vs_chunk *c = a->head;

		a->head = c->next;
		flw_free(c);
	}
}

/* ---- interning --------------------------------------------------------------------------- */

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int intern_grow(struct vs_intern *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	const void **slots = flw_calloc(cap, sizeof(*slots));
	size_t *lens = flw_calloc(cap, sizeof(*lens));
	size_t i;

	if (!slots || !lens) {
		flw_free(slots);
		flw_free(lens);
		return FLW_ENOMEM;
	}
	for (i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->slots[i])
			continue;
		j = hash_bytes(t->slots[i], t->lens[i]) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = t->slots[i];
		lens[j] = t->lens[i];
	}
	flw_free(t->slots);
	flw_free(t->lens);
	t->slots = slots;
	t->lens = lens;
	t->cap = cap;
	return 0;
}

const void *vs_intern_bytes(struct vs_intern *t, const void *p, size_t n)
{
	unsigned char *copy;
	size_t i;

	if ((t->n + 1) * 2 > t->cap && intern_grow(t) != 0)
		return NULL;
	i = hash_bytes(p, n) & (t->cap - 1);
	while (t->slots[i]) {
		if (t->lens[i] == n && memcmp(t->slots[i], p, n) == 0)
			return t->slots[i];
		i = (i + 1) & (t->cap - 1);
	}
	copy = vs_arena_alloc(t->arena, n + 1);
	if (!copy)
		return NULL;
	memcpy(copy, p, n);
	t->slots[i] = copy;
	t->lens[i] = n;
	t->n++;
	return copy;
}

const char *vs_intern_str(struct vs_intern *t, const char *s, int *err)
{
	const char *r;

	if (!s)
		return NULL;
	r = vs_intern_bytes(t, s, strlen(s));
	if (!r)
		*err = 1;
	return r;
}

void vs_intern_free(struct vs_intern *t)
{
	flw_free(t->slots);
	flw_free(t->lens);
	t->slots = NULL;
	t->lens = NULL;
	t->cap = 0;
	t->n = 0;
}

/* ---- fleet ------------------------------------------------------------------------------- */

void vs_fleet_free(struct vs_fleet *fl)
{
	if (!fl)
		return;
	vs_intern_free(&fl->strs);
	vs_intern_free(&fl->lives);
	vs_intern_free(&fl->pri_strs);
	vs_arena_free(&fl->arena);
	vs_arena_free(&fl->pri_arena);
	flw_free(fl->rel);
	flw_free(fl->rel_map);
	flw_free(fl->dev);
	flw_free(fl->info);
	flw_free(fl->by_id);
	flw_free(fl->pri);
	flw_free(fl->pri_ver);
	flw_free(fl->pri_first);
	flw_free(fl);
}

static const char *dev_id(const struct vs_fleet *fl, uint32_t i)
{
	return fl->dev[i].id;
}

size_t vs_fleet_device(const struct vs_fleet *fl, const char *id)
{
	size_t lo = 0;
	size_t hi = fl ? fl->n_dev : 0;

	if (!id)
		return VS_NONE;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(dev_id(fl, fl->by_id[mid]), id);

		if (c == 0)
			return fl->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return VS_NONE;
}

static uint64_t hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

/* index of release name + 1 in the map, or 0 */
static uint32_t rel_find(const struct vs_fleet *fl, const char *name)
{
	size_t i;

	if (fl->rel_map_cap == 0)
		return 0;
	i = hash_str(name) & (fl->rel_map_cap - 1);
	while (fl->rel_map[i]) {
		if (strcmp(fl->rel[fl->rel_map[i] - 1].id, name) == 0)
			return fl->rel_map[i];
		i = (i + 1) & (fl->rel_map_cap - 1);
	}
	return 0;
}

static void rel_map_put(uint32_t *map, size_t cap, const char *name, uint32_t v)
{
	size_t i = hash_str(name) & (cap - 1);

	while (map[i])
		i = (i + 1) & (cap - 1);
	map[i] = v;
}

static int rel_map_add(struct vs_fleet *fl, size_t idx)
{
	if ((fl->n_rel + 1) * 2 > fl->rel_map_cap) {
		size_t cap = fl->rel_map_cap ? fl->rel_map_cap * 2 : 64;
		uint32_t *map = flw_calloc(cap, sizeof(*map));
		size_t i;

		if (!map)
			return FLW_ENOMEM;
		for (i = 0; i < fl->n_rel; i++)
			rel_map_put(map, cap, fl->rel[i].id, (uint32_t)i + 1);
		flw_free(fl->rel_map);
		fl->rel_map = map;
		fl->rel_map_cap = cap;
	}
	rel_map_put(fl->rel_map, fl->rel_map_cap, fl->rel[idx].id, (uint32_t)idx + 1);
	return 0;
}

/* two parallel arrays with one capacity */
static int grow2(void **p, void **q, size_t *cap, size_t n, size_t psize, size_t qsize)
{
	void *np;
	void *nq;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	np = flw_reallocarray(*p, nc, psize);
	if (!np)
		return FLW_ENOMEM;
	*p = np;
	nq = flw_reallocarray(*q, nc, qsize);
	if (!nq)
		return FLW_ENOMEM;
	*q = nq;
	*cap = nc;
	return 0;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	q = flw_reallocarray(*p, nc, size);
	if (!q)
		return FLW_ENOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

/* components copied with every field interned */
static int copy_components(struct vs_fleet *fl, const struct flw_sbom_component *c, size_t n,
                           const struct flw_sbom_component **out)
{
	struct flw_sbom_component *x;
	size_t i;
	int err = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	x = vs_arena_alloc(&fl->arena, n * sizeof(*x));
	if (!x)
		return FLW_ENOMEM;
	for (i = 0; i < n; i++) {
		x[i].name = vs_intern_str(&fl->strs, c[i].name ? c[i].name : "", &err);
		x[i].version = vs_intern_str(&fl->strs, c[i].version, &err);
		x[i].purl = vs_intern_str(&fl->strs, c[i].purl, &err);
		x[i].cpe = vs_intern_str(&fl->strs, c[i].cpe, &err);
		x[i].vendor = vs_intern_str(&fl->strs, c[i].vendor, &err);
	}
	*out = x;
	return err ? FLW_ENOMEM : 0;
}

struct load_ctx {
	struct vs_fleet *fl;
	struct flw_diag *diag;
};

static int on_release(const struct flw_store_assess_release *r, void *ctx)
{
	struct load_ctx *c = ctx;
	struct vs_fleet *fl = c->fl;
	struct flw_assess_release *x;
	int err = 0;
	int rc;

	if (fl->n_rel + 1 >= FLW_ASSESS_MAX_RELEASES)
		return flw_diag_set(c->diag, FLW_ELIMIT, "releases", "more than %zu releases",
		                    (size_t)FLW_ASSESS_MAX_RELEASES - 1);
	if (rel_find(fl, r->name))
		return 0; /* names are unique in the store */
	if ((rc = grow((void **)&fl->rel, &fl->cap_rel, fl->n_rel + 1, sizeof(*fl->rel))) != 0)
		return rc;
	x = &fl->rel[fl->n_rel];
	memset(x, 0, sizeof(*x));
	x->id = vs_arena_strdup(&fl->arena, r->name);
	x->product_line =
	        vs_intern_str(&fl->strs, r->product_line ? r->product_line : r->name, &err);
	x->released_ms = (int64_t)r->created * 1000;
	x->n_components = r->n < FLW_ASSESS_MAX_COMPONENTS ? r->n : FLW_ASSESS_MAX_COMPONENTS;
	if (!x->id || err || copy_components(fl, r->c, x->n_components, &x->components) != 0)
		return FLW_ENOMEM;
	fl->n_rel++;
	return rel_map_add(fl, fl->n_rel - 1);
}

static enum flw_risk_exposure exposure_of(int internet_exposed)
{
	if (internet_exposed == FLW_EXPOSED_YES)
		return FLW_RISK_EXPOSURE_INTERNET;
	if (internet_exposed == FLW_EXPOSED_NO)
		return FLW_RISK_EXPOSURE_LAN;
	return FLW_RISK_EXPOSURE_UNKNOWN;
}

int64_t vs_date_end_ms(const char *date)
{
	struct tm tm;
	int y;
	int m;
	int d;
	char tail;

	if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1; /* support lasts through the named day */
	return (int64_t)timegm(&tm) * 1000;
}

static int on_device(const struct flw_store_assess_device *d, void *ctx)
{
	struct load_ctx *c = ctx;
	struct vs_fleet *fl = c->fl;
	struct flw_assess_device *x;
	struct vs_devinfo *inf;
	const char *se;
	uint32_t rel;
	int err = 0;
	int rc;

	if (fl->n_dev >= FLW_ASSESS_MAX_DEVICES)
		return flw_diag_set(c->diag, FLW_ELIMIT, "devices", "more than %zu devices",
		                    (size_t)FLW_ASSESS_MAX_DEVICES);
	if ((rc = grow2((void **)&fl->dev, (void **)&fl->info, &fl->cap_dev, fl->n_dev,
	                sizeof(*fl->dev), sizeof(*fl->info))) != 0)
		return rc;
	x = &fl->dev[fl->n_dev];
	inf = &fl->info[fl->n_dev];
	memset(x, 0, sizeof(*x));
	memset(inf, 0, sizeof(*inf));
	rel = d->installed && d->installed[0] ? rel_find(fl, d->installed) : 0;
	x->id = vs_arena_strdup(&fl->arena, d->id);
	x->release = rel ? rel - 1 : VS_NONE; /* fixed up once every device is in */
	x->hardware_cpe = vs_intern_str(&fl->strs, d->hardware_cpe, &err);
	x->class_name =
	        d->inv->class_name[0] ? vs_intern_str(&fl->strs, d->inv->class_name, &err) : NULL;
	x->exposure = exposure_of(d->inv->internet_exposed);
	x->segment = d->inv->segment[0] ? vs_intern_str(&fl->strs, d->inv->segment, &err) : NULL;
	se = d->inv->support_end[0]                            ? d->inv->support_end
	     : d->model_support_end && d->model_support_end[0] ? d->model_support_end
	                                                       : NULL;
	x->support_end_ms = vs_date_end_ms(se);
	x->n_extra = d->n_extra < FLW_ASSESS_MAX_COMPONENTS ? d->n_extra : 0;
	inf->hwid = vs_intern_str(&fl->strs, d->hwid ? d->hwid : "", &err);
	inf->installed = vs_intern_str(&fl->strs, d->installed ? d->installed : "", &err);
	inf->installed_version =
	        vs_intern_str(&fl->strs, d->installed_version ? d->installed_version : "", &err);
	inf->last_seen = (int64_t)d->last_seen;
	inf->class_name = x->class_name;
	inf->site = d->inv->site[0] ? vs_intern_str(&fl->strs, d->inv->site, &err) : NULL;
	inf->support_end = vs_intern_str(&fl->strs, se, &err);
	inf->last_action_state = d->last_action_state;
	inf->last_action_updated = (int64_t)d->last_action_updated;
	inf->release_known = rel != 0;
	if (!x->id || err || copy_components(fl, d->extra, x->n_extra, &x->extra) != 0)
		return FLW_ENOMEM;
	fl->n_dev++;
	return 0;
}

static int cmp_by_id(const void *a, const void *b, void *ctx)
{
	const struct vs_fleet *fl = ctx;

	return strcmp(dev_id(fl, *(const uint32_t *)a), dev_id(fl, *(const uint32_t *)b));
}

/* "no known release", and the id order */
static int fleet_finish(struct vs_fleet *fl)
{
	struct flw_assess_release *none;
	size_t i;
	int rc;

	if ((rc = grow((void **)&fl->rel, &fl->cap_rel, fl->n_rel, sizeof(*fl->rel))) != 0)
		return rc;
	none = &fl->rel[fl->n_rel];
	memset(none, 0, sizeof(*none));
	none->id = "";
	none->product_line = "\x01(no known release)";
	fl->none_rel = fl->n_rel++;
	fl->by_id = flw_calloc(fl->n_dev ? fl->n_dev : 1, sizeof(*fl->by_id));
	if (!fl->by_id)
		return FLW_ENOMEM;
	for (i = 0; i < fl->n_dev; i++) {
		if (fl->dev[i].release == VS_NONE)
			fl->dev[i].release = fl->none_rel;
		fl->by_id[i] = (uint32_t)i;
	}
	flw_sort_r(fl->by_id, fl->n_dev, sizeof(*fl->by_id), cmp_by_id, fl);
	return 0;
}

int vs_fleet_load(struct flw_store *s, struct vs_fleet **out, struct flw_diag *diag)
{
	struct vs_fleet *fl = flw_calloc(1, sizeof(*fl));
	struct load_ctx c;
	int rc;

	if (!fl)
		return FLW_ENOMEM;
	fl->strs.arena = &fl->arena;
	fl->lives.arena = &fl->pri_arena;
	fl->pri_strs.arena = &fl->pri_arena;
	c.fl = fl;
	c.diag = diag;
	rc = flw_store_assess_load(s, on_release, on_device, &c, diag);
	if (rc == 0)
		rc = fleet_finish(fl);
	if (rc != 0) {
		vs_fleet_free(fl);
		return rc;
	}
	*out = fl;
	return 0;
}

/* ---- priors ------------------------------------------------------------------------------ */

struct prior_ctx {
	struct flw_vulnsvc *v;
	struct vs_fleet *fl;
	size_t last_dev;
	struct flw_diag *diag;
};

static int on_finding(const struct flw_store_finding *f, void *ctx)
{
	struct prior_ctx *c = ctx;
	struct vs_fleet *fl = c->fl;
	struct flw_finding_life l;
	struct flw_assess_prior *p;
	size_t d = vs_fleet_device(fl, f->device_id);
	int err = 0;
	int rc;

	if (d == VS_NONE || !f->cve_id || !f->component)
		return 0; /* a device that is gone: its findings stay in the store */
	if (f->life.accepted_ms != 0 &&
	    vs_accept_put(c->v, f->device_id, f->cve_id, f->component, &f->life) != 0)
		return FLW_ENOMEM;
	if (fl->pri_first[d] != VS_NONE && c->last_dev != d)
		return flw_diag_set(c->diag, FLW_ESTORE, "findings",
		                    "stored findings are not ordered by device");
	if (fl->dev[d].n_priors >= FLW_ASSESS_MAX_PRIORS)
		return 0;
	if ((rc = grow2((void **)&fl->pri, (void **)&fl->pri_ver, &fl->cap_pri, fl->n_pri,
	                sizeof(*fl->pri), sizeof(*fl->pri_ver))) != 0)
		return rc;
	/* a clean copy (no padding bytes) so that equal lifecycles intern to one */
	memset(&l, 0, sizeof(l));
	l.state = f->life.state;
	l.first_seen_ms = f->life.first_seen_ms;
	l.opened_ms = f->life.opened_ms;
	l.fixed_ms = f->life.fixed_ms;
	l.updated_ms = f->life.updated_ms;
	l.reopen_count = f->life.reopen_count;
	l.accepted_ms = f->life.accepted_ms;
	l.accept_expiry_ms = f->life.accept_expiry_ms;
	memcpy(l.accept_reason, f->life.accept_reason, sizeof(l.accept_reason) - 1);
	memcpy(l.accept_approver, f->life.accept_approver, sizeof(l.accept_approver) - 1);
	p = &fl->pri[fl->n_pri];
	p->cve_id = vs_intern_str(&fl->pri_strs, f->cve_id, &err);
	p->component = vs_intern_str(&fl->pri_strs, f->component, &err);
	p->life = vs_intern_bytes(&fl->lives, &l, sizeof(l));
	fl->pri_ver[fl->n_pri] = vs_intern_str(&fl->pri_strs, f->component_version, &err);
	if (err || !p->life)
		return FLW_ENOMEM;
	if (fl->pri_first[d] == VS_NONE)
		fl->pri_first[d] = fl->n_pri;
	fl->dev[d].n_priors++;
	if (l.updated_ms > fl->newest_ms)
		fl->newest_ms = l.updated_ms;
	c->last_dev = d;
	fl->n_pri++;
	return 0;
}

int vs_fleet_priors(struct flw_vulnsvc *v, struct flw_store *s, struct vs_fleet *fl,
                    struct flw_diag *diag)
{
	struct prior_ctx c = { v, fl, VS_NONE, diag };
	size_t i;
	int rc;

	fl->pri_first = flw_malloc((fl->n_dev ? fl->n_dev : 1) * sizeof(*fl->pri_first));
	if (!fl->pri_first)
		return FLW_ENOMEM;
	for (i = 0; i < fl->n_dev; i++)
		fl->pri_first[i] = VS_NONE;
	vs_accept_clear(v);
	rc = flw_store_findings_each(s, on_finding, &c, diag);
	if (rc != 0)
		return rc;
	for (i = 0; i < fl->n_dev; i++)
		if (fl->pri_first[i] != VS_NONE)
			fl->dev[i].priors = &fl->pri[fl->pri_first[i]];
	return 0;
}

/* after a run: priors are not needed any more */
void vs_fleet_drop_priors(struct vs_fleet *fl)
{
	size_t i;

	for (i = 0; i < fl->n_dev; i++) {
		fl->dev[i].priors = NULL;
		fl->dev[i].n_priors = 0;
		fl->dev[i].priors_override = 0;
	}
	flw_free(fl->pri);
	flw_free(fl->pri_ver);
	flw_free(fl->pri_first);
	fl->pri = NULL;
	fl->pri_ver = NULL;
	fl->pri_first = NULL;
	fl->n_pri = 0;
	fl->cap_pri = 0;
	vs_intern_free(&fl->lives);
	vs_intern_free(&fl->pri_strs);
	vs_arena_free(&fl->pri_arena);
}
