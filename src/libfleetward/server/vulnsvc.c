/* server/vulnsvc.c - the vulnerability service: open, assessment runs, persistence, risk
 * acceptance (see vulnsvc.h for the invariants)
 *
 * A run assesses the fleet tables (a new load from the store, or the current ones) against
 * the record set, incrementally against the current assessment when there is one and it is
 * in step with the store, else from the stored findings (a full run: open, or after a failed
 * persist). Its lifecycle changes (new, reopened - which includes a lapsed acceptance - and
 * fixed now) are written with flw_store_findings_put in batches; only then does the new
 * assessment replace the current one. Still-open findings and history are not rewritten: the
 * store holds the lifecycle at its last change.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "server/vulnsvc_impl.h"

#define VS_NONE ((size_t)-1)

/* ---- small helpers ----------------------------------------------------------------------- */

int vs_cve_ok(const char *s)
{
	size_t i;
	size_t n;

	if (!s || strncmp(s, "CVE-", 4) != 0)
		return 0;
	for (i = 4; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (s[8] != '-')
		return 0;
	for (n = 0, i = 9; s[i]; i++, n++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n >= 4 && n <= 19;
}

int64_t vs_now(struct flw_vulnsvc *v, int64_t now_ms)
{
	if (now_ms < v->last_now_ms)
		now_ms = v->last_now_ms;
	if (now_ms <= 0)
		now_ms = 1;
	v->last_now_ms = now_ms;
	return now_ms;
}

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vs_ensure_index(struct flw_vulnsvc *v, struct flw_diag *diag)
{
	if (v->index)
		return 0;
	return flw_assess_index_new(&v->index, v->db, NULL, diag);
}

/* ---- acceptances ------------------------------------------------------------------------- */

static char *accept_key(const char *dev, const char *cve, const char *comp)
{
	return flw_asprintf("%s\n%s\n%s", dev, cve, comp);
}

static size_t hash_more(size_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* the hash of "dev\ncve\ncomp" (as of the stored key), without building it */
static size_t key_hash3(const char *dev, const char *cve, const char *comp)
{
	size_t h = hash_more(1469598103934665603ull, dev);

	h = (h ^ '\n') * 1099511628211ull;
	h = hash_more(h, cve);
	h = (h ^ '\n') * 1099511628211ull;
	return hash_more(h, comp);
}

static size_t key_hash(const char *k)
{
	return hash_more(1469598103934665603ull, k);
}

/* key == "dev\ncve\ncomp" */
static int key_eq3(const char *key, const char *dev, const char *cve, const char *comp)
{
	size_t n;

	n = strlen(dev);
	if (strncmp(key, dev, n) != 0 || key[n] != '\n')
		return 0;
	key += n + 1;
	n = strlen(cve);
	if (strncmp(key, cve, n) != 0 || key[n] != '\n')
		return 0;
	return strcmp(key + n + 1, comp) == 0;
}

const struct vs_accept *vs_accept_get(const struct flw_vulnsvc *v, const char *dev, const char *cve,
                                      const char *comp)
{
	const struct vs_accept *a;

	if (v->acc_n == 0)
		return NULL;
	for (a = v->acc[key_hash3(dev, cve, comp) & (v->acc_cap - 1)]; a; a = a->next)
		if (key_eq3(a->key, dev, cve, comp))
			return a;
	return NULL;
}

static int accept_grow(struct flw_vulnsvc *v)
{
	size_t cap = v->acc_cap ? v->acc_cap * 2 : 64;
	struct vs_accept **t = flw_calloc(cap, sizeof(*t));
	size_t i;

	if (!t)
		return FLW_ENOMEM;
	for (i = 0; i < v->acc_cap; i++) {
		while (v->acc[i]) {
			struct vs_accept *a = v->acc[i];
			size_t j = key_hash(a->key) & (cap - 1);

			v->acc[i] = a->next;
			a->next = t[j];
			t[j] = a;
		}
	}
	flw_free(v->acc);
	v->acc = t;
	v->acc_cap = cap;
	return 0;
}

int vs_accept_put(struct flw_vulnsvc *v, const char *dev, const char *cve, const char *comp,
                  const struct flw_finding_life *life)
{
	struct vs_accept *a = (struct vs_accept *)vs_accept_get(v, dev, cve, comp);
	size_t j;

	if (!a) {
		if ((v->acc_n + 1) * 2 > v->acc_cap && accept_grow(v) != 0)
			return FLW_ENOMEM;
		a = flw_calloc(1, sizeof(*a));
		if (!a)
			return FLW_ENOMEM;
		a->key = accept_key(dev, cve, comp);
		if (!a->key) {
			flw_free(a);
			return FLW_ENOMEM;
		}
		j = key_hash(a->key) & (v->acc_cap - 1);
		a->next = v->acc[j];
		v->acc[j] = a;
		v->acc_n++;
	}
	snprintf(a->reason, sizeof(a->reason), "%s", life->accept_reason);
	snprintf(a->approver, sizeof(a->approver), "%s", life->accept_approver);
	a->accepted_ms = life->accepted_ms;
	a->expiry_ms = life->accept_expiry_ms;
	return 0;
}

void vs_accept_clear(struct flw_vulnsvc *v)
{
	size_t i;

	for (i = 0; i < v->acc_cap; i++) {
		while (v->acc[i]) {
			struct vs_accept *a = v->acc[i];

			v->acc[i] = a->next;
			flw_free(a->key);
			flw_free(a);
		}
	}
	v->acc_n = 0;
}

/* ---- persistence ------------------------------------------------------------------------- */

/* the components of one device of the previous assessment (a finding that is gone keeps the
 * version it had) */
struct prev_comp {
	const char *cve;
	const char *comp;
	const char *version;
};

struct persist {
	struct flw_store *s;
	struct flw_store_finding *b;
	size_t n;
	size_t cap;
	struct flw_diag *diag;
	size_t pc_dev; /* device (new index) whose prev components are in pc */
	struct prev_comp *pc;
	size_t n_pc;
	size_t cap_pc;
};

static int persist_flush(struct persist *p)
{
	int rc = 0;

	if (p->n > 0)
		rc = flw_store_findings_put(p->s, p->b, p->n, p->diag);
	p->n = 0;
	return rc;
}

/* the previous assessment's matched components of device dev (by id), into p->pc */
static int prev_comps(struct persist *p, const struct flw_vulnsvc *v, const struct vs_fleet *fl,
                      size_t dev, const struct flw_assessment *prev)
{
	size_t j = vs_fleet_device(v->fleet, fl->dev[dev].id);
	const struct flw_assess_device_result *dr =
	        j != VS_NONE ? flw_assessment_device(prev, j) : NULL;
	const struct flw_assess_finding *f;
	struct vs_fiter it;

	p->pc_dev = dev;
	p->n_pc = 0;
	if (!dr)
		return 0;
	vs_fiter_init(&it, prev, dr->first, dr->first + dr->n);
	while ((f = vs_fiter_next(&it, NULL)) != NULL) {
		const struct flw_assess_hit *h = flw_assessment_hit(prev, f->hit);

		if (h->component == FLW_ASSESS_NONE)
			continue;
		if (p->n_pc == p->cap_pc) {
			size_t cap = p->cap_pc ? p->cap_pc * 2 : 32;
			void *np = flw_reallocarray(p->pc, cap, sizeof(*p->pc));

			if (!np)
				return FLW_ENOMEM;
			p->pc = np;
			p->cap_pc = cap;
		}
		p->pc[p->n_pc].cve = h->cve_id;
		p->pc[p->n_pc].comp = h->component_name;
		p->pc[p->n_pc].version = flw_assessment_component(prev, h->component)->version;
		p->n_pc++;
	}
	return it.rc;
}

/* the component version a finding that is gone had: from the previous assessment (its
 * device with the same id) or from the priors of a full run; NULL when unknown */
static int old_version(struct persist *p, const struct flw_vulnsvc *v, const struct vs_fleet *fl,
                       size_t dev, const struct flw_assessment *prev, const char *cve,
                       const char *comp, const char **out)
{
	size_t k;
	int rc;

	*out = NULL;
	if (prev && v->fleet) {
		if (p->pc_dev != dev && (rc = prev_comps(p, v, fl, dev, prev)) != 0)
			return rc;
		for (k = 0; k < p->n_pc; k++)
			if (strcmp(p->pc[k].cve, cve) == 0 && strcmp(p->pc[k].comp, comp) == 0) {
				*out = p->pc[k].version;
				return 0;
			}
	}
	if (fl->pri_first && fl->pri_first[dev] != VS_NONE)
		for (k = 0; k < fl->dev[dev].n_priors; k++) {
			const struct flw_assess_prior *pr = &fl->dev[dev].priors[k];

			if (strcmp(pr->cve_id, cve) == 0 && strcmp(pr->component, comp) == 0) {
				*out = fl->pri_ver[fl->pri_first[dev] + k];
				return 0;
			}
		}
	return 0;
}

/* The lifecycle to store for a finding: the assessment's plus the acceptance details it does
 * not hold (kept as history after a revocation or lapse). */
static void life_of(const struct flw_vulnsvc *v, const char *dev, const char *cve, const char *comp,
                    const struct flw_assess_finding *f, struct flw_finding_life *l)
{
	const struct vs_accept *acc = vs_accept_get(v, dev, cve, comp);

	memset(l, 0, sizeof(*l));
	l->state = (enum flw_finding_state)f->state;
	l->first_seen_ms = f->first_seen_ms;
	l->opened_ms = f->opened_ms;
	l->fixed_ms = f->fixed_ms;
	l->updated_ms = f->updated_ms;
	l->reopen_count = f->reopen_count;
	l->accept_expiry_ms = f->accept_expiry_ms;
	if (!acc)
		return;
	snprintf(l->accept_reason, sizeof(l->accept_reason), "%s", acc->reason);
	snprintf(l->accept_approver, sizeof(l->accept_approver), "%s", acc->approver);
	l->accepted_ms = acc->accepted_ms;
	if (l->state != FLW_FINDING_ACCEPTED)
		l->accept_expiry_ms = acc->expiry_ms;
}

static int persist_one(struct persist *p, const struct flw_vulnsvc *v, const struct vs_fleet *fl,
                       const struct flw_assessment *a, const struct flw_assessment *prev,
                       const struct flw_assess_finding *f)
{
	const struct flw_assess_hit *h = flw_assessment_hit(a, f->hit);
	const char *dev = fl->dev[f->device].id;
	struct flw_store_finding *x;
	int rc;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 4 : 256;
		void *nb;

		if (cap > FLW_FINDINGS_PUT_MAX)
			cap = FLW_FINDINGS_PUT_MAX;
		nb = flw_reallocarray(p->b, cap, sizeof(*p->b));
		if (!nb)
			return FLW_ENOMEM;
		p->b = nb;
		p->cap = cap;
	}
	x = &p->b[p->n];
	x->device_id = dev;
	x->cve_id = h->cve_id;
	x->component = h->component_name;
	if (h->component != FLW_ASSESS_NONE)
		x->component_version = flw_assessment_component(a, h->component)->version;
	else if ((rc = old_version(p, v, fl, f->device, prev, h->cve_id, h->component_name,
	                           &x->component_version)) != 0)
		return rc;
	life_of(v, dev, h->cve_id, h->component_name, f, &x->life);
	p->n++;
	return p->n == FLW_FINDINGS_PUT_MAX ? persist_flush(p) : 0;
}

static int persist(struct flw_vulnsvc *v, struct flw_store *s, const struct flw_assessment *a,
                   const struct vs_fleet *fl, const struct flw_assessment *prev,
                   struct flw_diag *diag)
{
	struct persist p = { s, NULL, 0, 0, diag, VS_NONE, NULL, 0, 0 };
	const struct flw_assess_finding *f;
	struct vs_fiter it;
	int rc = 0;

	vs_fiter_init(&it, a, 0, flw_assessment_finding_count(a));
	while (rc == 0 && (f = vs_fiter_next(&it, NULL)) != NULL) {
		if (f->change == FLW_ASSESS_NEW || f->change == FLW_ASSESS_REOPENED ||
		    f->change == FLW_ASSESS_FIXED_NOW)
			rc = persist_one(&p, v, fl, a, prev, f);
	}
	if (rc == 0)
		rc = it.rc;
	if (rc == 0)
		rc = persist_flush(&p);
	flw_free(p.b);
	flw_free(p.pc);
	return rc;
}

/* ---- runs -------------------------------------------------------------------------------- */

/* Assess fl (owned from here: installed on success, freed on failure unless it is the current
 * fleet), persist, install. */
static int run_fleet(struct flw_vulnsvc *v, struct flw_store *s, struct vs_fleet *fl,
                     const struct flw_assessment *prev, const char *const *changed,
                     size_t n_changed, int64_t now_ms, struct flw_diag *diag)
{
	struct flw_assessment *a = NULL;
	struct flw_assess_input in;
	double t0 = monotonic_s();
	int rc;

	rc = vs_ensure_index(v, diag);
	if (rc == 0) {
		memset(&in, 0, sizeof(in));
		in.db = v->db;
		in.index = v->index;
		in.policy = &v->policy;
		in.releases = fl->rel;
		in.n_releases = fl->n_rel;
		in.devices = fl->dev;
		in.n_devices = fl->n_dev;
		in.now_ms = now_ms;
		rc = flw_assess_run(&a, &in, prev, changed, n_changed, diag);
	}
	if (rc == 0) {
		rc = persist(v, s, a, fl, prev, diag);
		if (rc != 0)
			v->stale = 1; /* the store lags behind: start from it next time */
	}
	vs_fleet_drop_priors(fl);
	if (rc != 0) {
		flw_assessment_free(a);
		if (fl != v->fleet)
			vs_fleet_free(fl);
		return rc;
	}
	if (v->cur != a)
		flw_assessment_free(v->cur);
	if (v->fleet != fl)
		vs_fleet_free(v->fleet);
	v->cur = a;
	v->fleet = fl;
	v->stale = 0;
	v->at_ms = now_ms;
	v->seconds = monotonic_s() - t0;
	v->incremental = prev != NULL;
	if (vs_assessment_json(v) != 0) {
		json_decref(v->cur_json);
		v->cur_json = NULL; /* rebuilt when asked for */
	}
	return 0;
}

/* Devices and releases (fl: loaded by the caller, outside the lock, or NULL: loaded here;
 * consumed either way) assessed: with priors (a full run) when there is no current
 * assessment or it is stale, else incrementally against it (matches reused for every CVE
 * not in changed). *n_priors_out (optional) gets the number of stored findings loaded. */
static int run_reload(struct flw_vulnsvc *v, struct flw_store *s, struct vs_fleet *fl,
                      const char *const *changed, size_t n_changed, int64_t now_ms,
                      size_t *n_priors_out, struct flw_diag *diag)
{
	int full = !v->cur || v->stale;
	int rc;

	if (!fl && (rc = vs_fleet_load(s, &fl, diag)) != 0)
		return rc;
	if (full && (rc = vs_fleet_priors(v, s, fl, diag)) != 0) {
		vs_fleet_free(fl);
		return rc;
	}
	if (n_priors_out)
		*n_priors_out = fl->n_pri;
	now_ms = vs_now(v, full && fl->newest_ms > now_ms ? fl->newest_ms : now_ms);
	if (full)
		return run_fleet(v, s, fl, NULL, NULL, 0, now_ms, diag);
	return run_fleet(v, s, fl, v->cur, changed, n_changed, now_ms, diag);
}

int vs_reassess(struct flw_vulnsvc *v, struct flw_store *s, struct vs_fleet *fl,
                const char *const *changed, size_t n_changed, int64_t now_ms, struct flw_diag *diag)
{
	return run_reload(v, s, fl, changed, n_changed, now_ms, NULL, diag);
}

int flw_vulnsvc_run(struct flw_vulnsvc *v, struct flw_store *s, int64_t now_ms, json_t **out,
                    struct flw_diag *diag)
{
	struct vs_fleet *fl = NULL;
	int rc;

	if (!v || !s || !out)
		return FLW_EINVAL;
	rc = vs_fleet_load(s, &fl, diag); /* the store's read, outside the lock */
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&v->lock);
	rc = run_reload(v, s, fl, NULL, 0, now_ms, NULL, diag);
	if (rc == 0 && !v->cur_json)
		rc = vs_assessment_json(v);
	if (rc == 0)
		*out = json_deep_copy(v->cur_json);
	if (rc == 0 && !*out)
		rc = FLW_ENOMEM;
	pthread_mutex_unlock(&v->lock);
	return rc;
}
int flw_vulnsvc_assessment(struct flw_vulnsvc *v, json_t **out, struct flw_diag *diag)
{
	int rc = 0;

	if (!v || !out)
		return FLW_EINVAL;
	pthread_mutex_lock(&v->lock);
	if (!v->cur)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, NULL, "no assessment yet");
	if (rc == 0 && !v->cur_json)
		rc = vs_assessment_json(v);
	if (rc == 0 && !(*out = json_deep_copy(v->cur_json)))
		rc = FLW_ENOMEM;
	pthread_mutex_unlock(&v->lock);
	return rc;
}

/* ---- open / free ------------------------------------------------------------------------- */

/* DATA/feeds and DATA/feeds/tmp (left-over uploads removed) */
static int dirs_open(struct flw_vulnsvc *v, const char *data_dir, struct flw_diag *diag)
{
	char path[4096];
	struct dirent *e;
	DIR *d;
	int rc;

	v->feeds_dir = flw_fs_join(data_dir, "feeds");
	v->tmp_dir = v->feeds_dir ? flw_fs_join(v->feeds_dir, "tmp") : NULL;
	if (!v->tmp_dir)
		return FLW_ENOMEM;
	if ((rc = flw_fs_mkdirs(v->tmp_dir, 0700, diag)) != 0)
		return rc;
	d = opendir(v->tmp_dir);
	if (!d)
		return flw_diag_errno(diag, errno, v->tmp_dir, "opening '%s'", v->tmp_dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", v->tmp_dir, e->d_name) <
		    sizeof(path))
			(void)unlink(path);
	}
	closedir(d);
	return 0;
}

int flw_vulnsvc_open(struct flw_vulnsvc **out, struct flw_store *s,
                     const struct flw_vulnsvc_config *cfg, int64_t now_ms,
                     struct flw_vulnsvc_open_info *info, struct flw_diag *diag)
{
	struct flw_vulnsvc_open_info dummy;
	struct flw_vulnsvc *v;
	int rc;

	if (!out || !s || !cfg || !cfg->data_dir)
		return FLW_EINVAL;
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	v = flw_calloc(1, sizeof(*v));
	if (!v)
		return FLW_ENOMEM;
	pthread_mutex_init(&v->lock, NULL);
	if (cfg->policy)
		v->policy = *cfg->policy;
	else
		flw_risk_policy_init(&v->policy);
	v->feed_max = cfg->feed_max_bytes ? cfg->feed_max_bytes : FLW_VULNSVC_FEED_MAX_DEFAULT;
	rc = dirs_open(v, cfg->data_dir, diag);
	if (rc == 0)
		rc = flw_vuln_db_new(&v->db);
	if (rc == 0)
		rc = vs_replay(v, s, info, diag);
	if (rc == 0) {
		vs_count_feeds(v);
		info->cves = flw_vuln_db_count(v->db);
		rc = run_reload(v, s, NULL, NULL, 0, now_ms, &info->findings, diag);
	}
	if (rc != 0) {
		flw_vulnsvc_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

void flw_vulnsvc_free(struct flw_vulnsvc *v)
{
	if (!v)
		return;
	flw_assessment_free(v->cur);
	vs_fleet_free(v->fleet);
	json_decref(v->cur_json);
	flw_vuln_index_free(v->index);
	flw_vuln_db_free(v->db);
	vs_accept_clear(v);
	flw_free(v->acc);
	flw_free(v->imp);
	flw_free(v->feeds_dir);
	flw_free(v->tmp_dir);
	pthread_mutex_destroy(&v->lock);
	flw_free(v);
}

/* ---- risk acceptance --------------------------------------------------------------------- */

/* Re-assess with device dev's priors taken from the current assessment, the finding
 * (cve, comp) replaced by *life (priors_override), everything else reused. */
static int rerun_device(struct flw_vulnsvc *v, struct flw_store *s, size_t dev, const char *cve,
                        const char *comp, const struct flw_finding_life *life, int64_t now_ms,
                        struct flw_diag *diag)
{
	const struct flw_assess_device_result *dr = flw_assessment_device(v->cur, dev);
	struct flw_assess_device *d = &v->fleet->dev[dev];
	struct flw_assess_prior *pri = flw_calloc(dr->n ? dr->n : 1, sizeof(*pri));
	struct flw_finding_life *lives = flw_calloc(dr->n ? dr->n : 1, sizeof(*lives));
	size_t k;
	int rc = pri && lives ? 0 : FLW_ENOMEM;

	for (k = 0; rc == 0 && k < dr->n; k++) {
		struct flw_assess_finding f;
		const struct flw_assess_hit *h;

		rc = flw_assessment_finding_get(v->cur, dr->first + k, &f);
		if (rc != 0)
			break;
		h = flw_assessment_hit(v->cur, f.hit);
		pri[k].cve_id = h->cve_id;
		pri[k].component = h->component_name;
		pri[k].life = &lives[k];
		if (strcmp(h->cve_id, cve) == 0 && strcmp(h->component_name, comp) == 0)
			lives[k] = *life;
		else
			life_of(v, d->id, h->cve_id, h->component_name, &f, &lives[k]);
	}
	if (rc == 0) {
		d->priors = pri;
		d->n_priors = dr->n;
		d->priors_override = 1;
		rc = run_fleet(v, s, v->fleet, v->cur, NULL, 0, now_ms, diag);
		/* run_fleet dropped the priors of the fleet (it stays the current one) */
		d->priors = NULL;
		d->n_priors = 0;
		d->priors_override = 0;
	}
	flw_free(pri);
	flw_free(lives);
	return rc;
}

static int decide(struct flw_vulnsvc *v, struct flw_store *s, const struct flw_vulnsvc_decision *d,
                  enum flw_finding_event event, const char *approver, const struct flw_audit *audit,
                  int64_t now_ms, json_t **out, int *audited, struct flw_diag *diag)
{
	struct flw_finding_event_data ev;
	struct flw_finding_life stored;
	struct flw_finding_life life;
	struct flw_assess_finding f;
	size_t dev;
	size_t idx;
	int rc;

	if (!v->cur || !v->fleet)
		return flw_diag_set(diag, FLW_ENOTFOUND, NULL, "no assessment yet");
	dev = vs_fleet_device(v->fleet, d->device);
	if (dev == VS_NONE || vs_finding_find(v, dev, d->cve, d->component, &idx, &f) != 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, NULL,
		                    "no finding %s on component '%.80s' of device '%s'", d->cve,
		                    d->component, d->device);
	now_ms = vs_now(v, now_ms);
	rc = flw_store_finding_get(s, d->device, d->cve, d->component, &stored, diag);
	if (rc == FLW_ENOTFOUND)
		return flw_diag_set(diag, FLW_ENOTFOUND, NULL,
		                    "finding %s of '%s' is not stored yet", d->cve, d->device);
	if (rc != 0)
		return rc;
	life = stored;
	(void)flw_finding_tick(&life, now_ms);
	if (event == FLW_FINDING_EV_ACCEPT && life.state != FLW_FINDING_OPEN)
		return flw_diag_set(diag, FLW_ESTATE, "state",
		                    "the finding is %s: only an open one "
		                    "can be accepted",
		                    flw_finding_state_to_string(life.state));
	if (event == FLW_FINDING_EV_REVOKE && life.state != FLW_FINDING_ACCEPTED)
		return flw_diag_set(diag, FLW_ESTATE, "state", "the finding is %s, not accepted",
		                    flw_finding_state_to_string(life.state));
	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.at_ms = now_ms;
	ev.reason = d->reason;
	ev.approver = approver;
	ev.expiry_ms = d->expires * 1000;
	rc = flw_finding_apply(&life, &ev, diag);
	if (rc == 0)
		rc = flw_store_finding_set_life(s, d->device, d->cve, d->component, &life,
		                                stored.updated_ms, audit, diag);
	if (rc == FLW_ECONFLICT && !diag->msg[0])
		flw_diag_set(diag, FLW_ECONFLICT, NULL, "the finding changed meanwhile: try again");
	if (rc != 0)
		return rc;
	*audited = 1;
	if ((rc = vs_accept_put(v, d->device, d->cve, d->component, &life)) != 0 ||
	    (rc = rerun_device(v, s, dev, d->cve, d->component, &life, now_ms, diag)) != 0) {
		v->stale = 1; /* committed, not yet in memory: the next run starts from the store */
		return rc;
	}
	if (vs_finding_find(v, dev, d->cve, d->component, &idx, &f) != 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, NULL, "finding gone");
	*out = vs_finding_json(v, idx, &f);
	return *out ? 0 : FLW_ENOMEM;
}

int flw_vulnsvc_accept(struct flw_vulnsvc *v, struct flw_store *s,
                       const struct flw_vulnsvc_decision *d, const char *approver,
                       const struct flw_audit *audit, int64_t now_ms, json_t **out,
                       int *audited_out, struct flw_diag *diag)
{
	int audited = 0;
	int rc;

	if (!v || !s || !d || !approver || !out)
		return FLW_EINVAL;
	pthread_mutex_lock(&v->lock);
	rc = decide(v, s, d, FLW_FINDING_EV_ACCEPT, approver, audit, now_ms, out, &audited, diag);
	pthread_mutex_unlock(&v->lock);
	if (audited_out)
		*audited_out = audited;
	return rc;
}

int flw_vulnsvc_revoke(struct flw_vulnsvc *v, struct flw_store *s,
                       const struct flw_vulnsvc_decision *d, const struct flw_audit *audit,
                       int64_t now_ms, json_t **out, int *audited_out, struct flw_diag *diag)
{
	int audited = 0;
	int rc;

	if (!v || !s || !d || !out)
		return FLW_EINVAL;
	pthread_mutex_lock(&v->lock);
	rc = decide(v, s, d, FLW_FINDING_EV_REVOKE, NULL, audit, now_ms, out, &audited, diag);
	pthread_mutex_unlock(&v->lock);
	if (audited_out)
		*audited_out = audited;
	return rc;
}

/* ---- request bodies ---------------------------------------------------------------------- */

static int text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int get_text(const json_t *o, const char *key, size_t max, char *dst, size_t cap,
                    struct flw_diag *diag)
{
	const char *s = NULL;
	json_t *v = json_object_get(o, key);
	int rc;

	if (json_is_string(v) && strlen(json_string_value(v)) > max)
		return flw_diag_set(diag, FLW_ELIMIT, key, "'%s': at most %zu bytes", key, max);
	rc = flw_json_get_str(o, key, &s, max, 1, diag);
	if (rc == FLW_ENOTFOUND)
		return flw_diag_set(diag, FLW_EFORMAT, key, "field '%s' is missing", key);
	if (rc != 0)
		return rc;
	if (!*s || !text_ok(s))
		return flw_diag_set(diag, FLW_EFORMAT, key,
		                    "'%s': 1-%zu bytes without control characters", key, max);
	snprintf(dst, cap, "%s", s);
	return 0;
}

int flw_vulnsvc_decision_parse(struct flw_vulnsvc_decision *out, int accept, const void *body,
                               size_t len, int64_t now_ms, struct flw_diag *diag)
{
	static const char *const accept_keys[] = { "device", "cve",     "component",
		                                   "reason", "expires", NULL };
	static const char *const revoke_keys[] = { "device", "cve", "component", NULL };
	struct flw_json_limits lim = { 64u * 1024u, 4 };
	int64_t now_s = now_ms / 1000;
	json_t *o = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = flw_json_parse(&o, body, len, &lim, diag);
	if (rc == 0 && !json_is_object(o))
		rc = flw_diag_set(diag, FLW_EFORMAT, NULL, "expected a JSON object");
	if (rc == 0)
		rc = flw_json_only_keys(o, accept ? accept_keys : revoke_keys, "", diag);
	if (rc == 0)
		rc = get_text(o, "device", FLW_ID_MAX, out->device, sizeof(out->device), diag);
	if (rc == 0 && !flw_id_ok(out->device))
		rc = flw_diag_set(diag, FLW_EFORMAT, "device", "'device': not a device id");
	if (rc == 0)
		rc = get_text(o, "cve", FLW_CVE_ID_MAX, out->cve, sizeof(out->cve), diag);
	if (rc == 0 && !vs_cve_ok(out->cve))
		rc = flw_diag_set(diag, FLW_EFORMAT, "cve", "'cve': not a CVE id (CVE-YYYY-NNNN)");
	if (rc == 0)
		rc = get_text(o, "component", sizeof(out->component) - 1, out->component,
		              sizeof(out->component), diag);
	if (rc == 0 && accept)
		rc = get_text(o, "reason", FLW_FINDING_TEXT_MAX, out->reason, sizeof(out->reason),
		              diag);
	if (rc == 0 && accept) {
		rc = flw_json_get_int(o, "expires", &out->expires, 0, INT64_MAX / 1000, 1, diag);
		if (rc == FLW_ENOTFOUND)
			rc = flw_diag_set(diag, FLW_EFORMAT, "expires",
			                  "field 'expires' is missing");
		if (rc == 0 &&
		    (out->expires <= now_s || out->expires > now_s + FLW_VULNSVC_ACCEPT_MAX_S))
			rc = flw_diag_set(diag, FLW_EFORMAT, "expires",
			                  "'expires': Unix seconds in the future, at most 365 days "
			                  "ahead");
	}
	json_decref(o);
	return rc;
}
