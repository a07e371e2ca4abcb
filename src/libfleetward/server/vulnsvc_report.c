/* server/vulnsvc_report.c - the reports of GET /api/v1/reports/{name} (docs/RISK.md "Reports")
 *
 * Every report describes the current assessment: "at" is its time and the "now" of every
 * figure (ages, censoring, check-in periods), so the numbers of one report agree with each
 * other and with the findings listing. A report is a table (struct report) of a builder that
 * makes the JSON and the columns of its CSV; the CSV is derived from the JSON (one row per
 * item of the main list; patch-queue: one row per fix with its release's columns), so the two
 * can never disagree. Long item lists are paged (?limit=, ?offset=, "total").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/protocol.h"
#include "server/vulnsvc_impl.h"
#include "util/sort.h"

#define DAY_MS (86400LL * 1000)

struct rctx {
	struct flw_vulnsvc *v;
	struct flw_store *s;
	const struct flw_vulnsvc_report_opts *o;
	int64_t at;     /* ms: the assessment's time */
	int64_t period; /* ms */
	double min_share;
	size_t limit;
	struct flw_diag *diag;
};

/* a page of a JSON array (steals all), with "total" set on o */
static int page(struct rctx *c, json_t *o, const char *key, json_t *all)
{
	json_t *items = json_array();
	size_t n = json_array_size(all);
	size_t i;

	if (!items || !all) {
		json_decref(items);
		json_decref(all);
		return FLW_ENOMEM;
	}
	for (i = c->o->offset; i < n && i < c->o->offset + c->limit; i++)
		json_array_append(items, json_array_get(all, i));
	json_decref(all);
	if (json_object_set_new(o, key, items) != 0 ||
	    json_object_set_new(o, "total", json_integer((json_int_t)n)) != 0)
		return FLW_ENOMEM;
	return 0;
}

static json_t *share(size_t part, size_t whole, double empty)
{
	double x = whole ? (double)part / (double)whole : empty;

	return json_real((double)(int64_t)(x * 10000 + 0.5) / 10000.0);
}

static struct flw_assess_finding *finding(const struct rctx *c, size_t i,
                                          struct flw_assess_finding *f)
{
	return flw_assessment_finding_get(c->v->cur, i, f) == 0 ? f : NULL;
}

/* ---- what the reports share about CVEs (cached per CVE index of the assessment) ---------- */

struct cveinfo {
	int filled;
	int64_t published;
	int64_t kev_added;
	int severity;
};

struct cvecache {
	struct cveinfo *e;
	size_t cap;
};

static const struct cveinfo *cve_info(const struct rctx *c, struct cvecache *cc,
                                      const struct flw_assess_hit *h)
{
	const struct flw_vuln_entry *e;
	const struct flw_vuln_record *rec;
	const struct flw_vuln_cvss *cv;
	struct cveinfo *x;

	if (h->cve >= cc->cap) {
		size_t nc = ((size_t)h->cve + 1) * 2;
		struct cveinfo *p = flw_reallocarray(cc->e, nc, sizeof(*p));

		if (!p)
			return NULL;
		memset(p + cc->cap, 0, (nc - cc->cap) * sizeof(*p));
		cc->e = p;
		cc->cap = nc;
	}
	x = &cc->e[h->cve];
	if (x->filled)
		return x;
	e = flw_vuln_db_get(c->v->db, h->cve_id);
	rec = e ? flw_vuln_entry_record(e) : NULL;
	cv = e ? flw_vuln_entry_cvss(e) : NULL;
	x->filled = 1;
	x->published = rec ? rec->published_ms : 0;
	x->kev_added = e && e->kev ? e->kev->date_added_ms : rec ? rec->kev_added_ms : 0;
	x->severity = cv ? (int)cv->severity : _FLW_CVSS_SEVERITY_INVALID;
	return x;
}

/* ---- MTTP -------------------------------------------------------------------------------- */

static int mttp_compute(const struct rctx *c, struct flw_mttp_report **out)
{
	const struct flw_assessment *a = c->v->cur;
	size_t n = flw_assessment_finding_count(a);
	struct flw_mttp_finding *m = flw_calloc(n ? n : 1, sizeof(*m));
	struct cvecache cc = { NULL, 0 };
	const struct flw_assess_finding *f;
	struct vs_fiter it;
	size_t i;
	int rc = m ? 0 : FLW_ENOMEM;

	vs_fiter_init(&it, a, 0, n);
	while (rc == 0 && (f = vs_fiter_next(&it, &i)) != NULL) {
		const struct flw_assess_hit *h = flw_assessment_hit(a, f->hit);
		const struct cveinfo *ci = cve_info(c, &cc, h);

		if (!ci) {
			rc = FLW_ENOMEM;
			break;
		}
		m[i].device_id = c->v->fleet->dev[f->device].id;
		m[i].cve_id = h->cve_id;
		m[i].class_name = vs_effective_class(c->v, f->device);
		m[i].severity = (enum flw_cvss_severity)ci->severity;
		m[i].published_ms = ci->published;
		m[i].fix_available_ms = f->fix_available_ms;
		m[i].remediated_ms = f->state == FLW_FINDING_FIXED ? f->fixed_ms : 0;
		m[i].kev_added_ms = ci->kev_added;
		m[i].due_ms = f->state == FLW_FINDING_OPEN ? f->due_ms : 0;
	}
	if (rc == 0)
		rc = it.rc;
	if (rc == 0)
		rc = flw_mttp_compute(m, n, c->at, out);
	flw_free(cc.e);
	flw_free(m);
	return rc;
}

static json_t *dist_json(const struct flw_mttp_dist *d)
{
	return json_pack("{s:I,s:I,s:o,s:o,s:o}", "n", (json_int_t)d->n, "censored",
	                 (json_int_t)d->n_censored, "mean_days",
	                 d->n ? vs_days(d->mean_ms) : json_null(), "median_days",
	                 d->n ? vs_days(d->median_ms) : json_null(), "p90_days",
	                 d->n ? vs_days(d->p90_ms) : json_null());
}

static json_t *group_json(const struct flw_mttp_group *g)
{
	return json_pack("{s:s,s:o,s:I,s:I,s:o,s:o,s:o}", "class", g->class_name, "severity",
	                 vs_str(flw_cvss_severity_to_string(g->severity)), "findings",
	                 (json_int_t)g->n_findings, "open", (json_int_t)g->n_open, "ttp",
	                 dist_json(&g->ttp), "vendor", dist_json(&g->vendor), "operator",
	                 dist_json(&g->operator_));
}

static int report_mttp(struct rctx *c, json_t *o)
{
	struct flw_mttp_report *r = NULL;
	json_t *groups;
	size_t i;
	int rc;

	rc = mttp_compute(c, &r);
	if (rc != 0)
		return rc;
	groups = json_array();
	for (i = 0; groups && i < r->n_groups; i++)
		json_array_append_new(groups, group_json(&r->groups[i]));
	if (!groups || json_object_set_new(o, "total", group_json(&r->total)) != 0 ||
	    json_object_set_new(o, "groups", groups) != 0 ||
	    json_object_set_new(o, "skipped", json_integer((json_int_t)r->n_skipped)) != 0)
		rc = FLW_ENOMEM;
	flw_mttp_report_free(r);
	return rc;
}

/* ---- deadlines --------------------------------------------------------------------------- */

struct dl_item {
	size_t idx;
	int64_t due;
	int decision;
	unsigned score;
	uint32_t dev;
	const char *cve;
};

static int dl_cmp(const void *pa, const void *pb, void *fl)
{
	const struct dl_item *a = pa;
	const struct dl_item *b = pb;
	const struct vs_fleet *f = fl;
	int x;

	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	if (a->decision != b->decision)
		return a->decision > b->decision ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->dev != b->dev && (x = strcmp(f->dev[a->dev].id, f->dev[b->dev].id)) != 0)
		return x;
	return strcmp(a->cve, b->cve);
}

static int dl_items(struct rctx *c, struct dl_item **out, size_t *n_out, unsigned char *dev_over)
{
	const struct flw_assessment *a = c->v->cur;
	size_t n = flw_assessment_finding_count(a);
	const struct flw_assess_finding *f;
	struct dl_item *items = NULL;
	struct vs_fiter it;
	size_t k = 0;
	size_t cap = 0;
	size_t i;

	vs_fiter_init(&it, a, 0, n);
	while ((f = vs_fiter_next(&it, &i)) != NULL) {
		const struct flw_risk_result *r;

		if (f->state != FLW_FINDING_OPEN || !f->overdue)
			continue;
		r = flw_assessment_risk(a, f->risk);
		dev_over[f->device] = 1;
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 256;
			void *p = flw_reallocarray(items, nc, sizeof(*items));

			if (!p) {
				flw_free(items);
				return FLW_ENOMEM;
			}
			items = p;
			cap = nc;
		}
		items[k].idx = i;
		items[k].due = f->due_ms;
		items[k].decision = r ? (int)r->decision : -1;
		items[k].score = r ? r->score : 0;
		items[k].dev = f->device;
		items[k].cve = flw_assessment_hit(a, f->hit)->cve_id;
		k++;
	}
	if (it.rc != 0) {
		flw_free(items);
		return it.rc;
	}
	flw_sort_r(items, k, sizeof(*items), dl_cmp, (void *)c->v->fleet);
	*out = items;
	*n_out = k;
	return 0;
}

static json_t *dl_item_json(const struct rctx *c, const struct dl_item *x)
{
	const struct flw_assessment *a = c->v->cur;
	struct flw_assess_finding f;
	const struct flw_assess_hit *h;

	if (!finding(c, x->idx, &f))
		return NULL;
	h = flw_assessment_hit(a, f.hit);
	return json_pack("{s:s,s:s,s:s,s:o,s:I,s:o,s:o}", "device", c->v->fleet->dev[x->dev].id,
	                 "cve", h->cve_id, "component", h->component_name, "decision",
	                 x->decision >= 0 ? json_string(flw_risk_decision_to_string(x->decision))
	                                  : json_null(),
	                 "score", (json_int_t)x->score, "due", vs_time(x->due), "days_overdue",
	                 vs_days(c->at - x->due));
}

static json_t *by_class_json(const struct rctx *c, const unsigned char *over)
{
	const struct flw_risk_policy *p = &c->v->policy;
	json_t *arr = json_array();
	size_t k;

	for (k = 0; arr && k < p->n_classes; k++) {
		size_t n = 0;
		size_t no = 0;
		size_t d;

		for (d = 0; d < c->v->fleet->n_dev; d++) {
			if (strcmp(vs_effective_class(c->v, d), p->classes[k].name) != 0)
				continue;
			n++;
			no += over[d];
		}
		if (n == 0)
			continue;
		json_array_append_new(arr,
		                      json_pack("{s:s,s:I,s:I,s:o}", "class", p->classes[k].name,
		                                "devices", (json_int_t)n, "overdue", (json_int_t)no,
		                                "share", share(no, n, 0)));
	}
	return arr;
}

static int report_deadlines(struct rctx *c, json_t *o)
{
	size_t nd = c->v->fleet->n_dev;
	unsigned char *over = flw_calloc(nd ? nd : 1, 1);
	struct dl_item *it = NULL;
	json_t *all = json_array();
	size_t n_over = 0;
	size_t n = 0;
	size_t i;
	int rc = over && all ? 0 : FLW_ENOMEM;

	if (rc == 0)
		rc = dl_items(c, &it, &n, over);
	for (i = 0; rc == 0 && i < nd; i++)
		n_over += over[i];
	/* only the requested page is materialised; "total" is the number of items */
	for (i = c->o->offset; rc == 0 && i < n && i < c->o->offset + c->limit; i++)
		if (json_array_append_new(all, dl_item_json(c, &it[i])) != 0)
			rc = FLW_ENOMEM;
	if (rc == 0 &&
	    (json_object_set_new(o, "devices", json_integer((json_int_t)nd)) != 0 ||
	     json_object_set_new(o, "devices_overdue", json_integer((json_int_t)n_over)) != 0 ||
	     json_object_set_new(o, "share", share(n_over, nd, 0)) != 0 ||
	     json_object_set_new(o, "by_class", by_class_json(c, over)) != 0 ||
	     json_object_set_new(o, "items", all) != 0 ||
	     json_object_set_new(o, "total", json_integer((json_int_t)n)) != 0))
		rc = FLW_ENOMEM;
	else if (rc != 0)
		json_decref(all);
	flw_free(it);
	flw_free(over);
	return rc;
}

/* ---- completeness and update channel ----------------------------------------------------- */

/* what device d lacks: bit 1 check-in, 2 firmware version, 4 signed release */
static unsigned missing(const struct rctx *c, size_t d)
{
	const struct vs_devinfo *inf = &c->v->fleet->info[d];
	unsigned m = 0;

	if (inf->last_seen <= 0 || inf->last_seen * 1000 < c->at - c->period)
		m |= 1;
	if (!inf->installed_version[0])
		m |= 2;
	if (!inf->release_known)
		m |= 4;
	return m;
}

static int completeness(struct rctx *c, json_t *o, int items)
{
	static const char *const names[] = { "checkin", "firmware_version", "signed_release" };
	const struct vs_fleet *fl = c->v->fleet;
	json_t *all = items ? json_array() : NULL;
	size_t complete = 0;
	size_t i;
	double sh;

	for (i = 0; i < fl->n_dev; i++) {
		size_t d = fl->by_id[i];
		unsigned m = missing(c, d);
		json_t *miss;
		unsigned b;

		complete += m == 0;
		if (m == 0 || !all)
			continue;
		miss = json_array();
		for (b = 0; miss && b < 3; b++)
			if (m & (1u << b))
				json_array_append_new(miss, json_string(names[b]));
		json_array_append_new(all, json_pack("{s:s,s:o}", "device", fl->dev[d].id,
		                                     "missing", miss ? miss : json_array()));
	}
	sh = fl->n_dev ? (double)complete / (double)fl->n_dev : 1.0;
	if (json_object_set_new(o, "share", share(complete, fl->n_dev, 1.0)) != 0 ||
	    json_object_set_new(o, "flagged", json_boolean(sh < c->min_share)) != 0) {
		json_decref(all);
		return FLW_ENOMEM;
	}
	if (!items)
		return 0;
	if (json_object_set_new(o, "period", json_integer((json_int_t)(c->period / 1000))) != 0 ||
	    json_object_set_new(o, "min_share", json_real(c->min_share)) != 0 ||
	    json_object_set_new(o, "devices", json_integer((json_int_t)fl->n_dev)) != 0 ||
	    json_object_set_new(o, "complete", json_integer((json_int_t)complete)) != 0) {
		json_decref(all);
		return FLW_ENOMEM;
	}
	return page(c, o, "items", all);
}

static int report_completeness(struct rctx *c, json_t *o)
{
	return completeness(c, o, 1);
}

/* why device d's update channel does not work, or NULL */
static const char *channel_problem(struct rctx *c, size_t d, char *buf, size_t cap)
{
	const struct vs_devinfo *inf = &c->v->fleet->info[d];
	int st = inf->last_action_state;

	if (inf->last_seen <= 0 || inf->last_seen * 1000 < c->at - c->period)
		return "no check-in within the period";
	if (st == FLW_ST_FAILURE)
		return "its newest update failed";
	if (st == FLW_ST_ROLLED_BACK)
		return "its newest update was rolled back";
	if (st < 0 || flw_action_state_terminal(st))
		return NULL;
	/* unfinished: stuck when it has not moved within the period */
	if (inf->last_action_updated <= 0 || inf->last_action_updated * 1000 >= c->at - c->period)
		return NULL;
	snprintf(buf, cap, "its newest update has been %s for longer than the period",
	         flw_action_state_to_string(st));
	return buf;
}

static int update_channel(struct rctx *c, json_t *o, int items)
{
	const struct vs_fleet *fl = c->v->fleet;
	json_t *all = items ? json_array() : NULL;
	size_t working = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < fl->n_dev; i++) {
		size_t d = fl->by_id[i];
		char buf[128];
		const char *why = channel_problem(c, d, buf, sizeof(buf));

		working += why == NULL;
		if (why && all)
			json_array_append_new(all, json_pack("{s:s,s:s}", "device", fl->dev[d].id,
			                                     "reason", why));
	}
	if (json_object_set_new(o, "share", share(working, fl->n_dev, 1.0)) != 0)
		rc = FLW_ENOMEM;
	if (rc != 0 || !items) {
		json_decref(all);
		return rc;
	}
	if (json_object_set_new(o, "period", json_integer((json_int_t)(c->period / 1000))) != 0 ||
	    json_object_set_new(o, "devices", json_integer((json_int_t)fl->n_dev)) != 0 ||
	    json_object_set_new(o, "working", json_integer((json_int_t)working)) != 0) {
		json_decref(all);
		return FLW_ENOMEM;
	}
	return page(c, o, "items", all);
}

static int report_update_channel(struct rctx *c, json_t *o)
{
	return update_channel(c, o, 1);
}

/* ---- KEV exposure ------------------------------------------------------------------------ */

struct kev_cve {
	const char *id;
	struct cveinfo ci; /* a copy: the cache moves when it grows */
	size_t devices;
	uint32_t last_dev; /* device counted last (+1) */
};

static int kev_cmp(const void *pa, const void *pb)
{
	const struct kev_cve *a = pa;
	const struct kev_cve *b = pb;

	if (a->devices != b->devices)
		return a->devices > b->devices ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* carried CVEs (open findings) with their device counts, indexed by CVE index */
static int kev_collect(struct rctx *c, struct cvecache *cc, struct kev_cve **out, size_t *cap_out,
                       size_t *carried)
{
	const struct flw_assessment *a = c->v->cur;
	size_t n = flw_assessment_finding_count(a);
	const struct flw_assess_finding *f;
	struct kev_cve *t = NULL;
	struct vs_fiter it;
	size_t cap = 0;

	*carried = 0;
	vs_fiter_init(&it, a, 0, n);
	while ((f = vs_fiter_next(&it, NULL)) != NULL) {
		const struct flw_assess_hit *h;

		if (f->state != FLW_FINDING_OPEN)
			continue;
		h = flw_assessment_hit(a, f->hit);
		if (h->cve >= cap) {
			size_t nc = ((size_t)h->cve + 1) * 2;
			struct kev_cve *p = flw_reallocarray(t, nc, sizeof(*p));

			if (!p)
				goto nomem;
			memset(p + cap, 0, (nc - cap) * sizeof(*p));
			t = p;
			cap = nc;
		}
		if (!t[h->cve].id) {
			const struct cveinfo *ci = cve_info(c, cc, h);

			if (!ci)
				goto nomem;
			t[h->cve].id = h->cve_id;
			t[h->cve].ci = *ci;
			(*carried)++;
		}
		if (t[h->cve].last_dev != f->device + 1) {
			t[h->cve].last_dev = f->device + 1;
			t[h->cve].devices++;
		}
	}
	if (it.rc != 0) {
		flw_free(t);
		return it.rc;
	}
	*out = t;
	*cap_out = cap;
	return 0;
nomem:
	flw_free(t);
	return FLW_ENOMEM;
}

static int report_kev(struct rctx *c, json_t *o)
{
	struct cvecache cc = { NULL, 0 };
	struct kev_cve *t = NULL;
	struct flw_mttp_dist dist;
	int64_t *days = NULL;
	json_t *all = json_array();
	size_t cap = 0;
	size_t carried = 0;
	size_t k = 0;
	size_t i;
	int rc = all ? kev_collect(c, &cc, &t, &cap, &carried) : FLW_ENOMEM;

	/* keep the carried CVEs on KEV with a publication date, in front */
	for (i = 0; rc == 0 && i < cap; i++)
		if (t[i].id && t[i].ci.kev_added > 0 && t[i].ci.published > 0)
			t[k++] = t[i];
	days = rc == 0 ? flw_calloc(k ? k : 1, sizeof(*days)) : NULL;
	if (rc == 0 && !days)
		rc = FLW_ENOMEM;
	if (rc == 0) {
		flw_sort(t, k, sizeof(*t), kev_cmp);
		for (i = 0; i < k; i++) {
			days[i] = t[i].ci.kev_added - t[i].ci.published;
			json_array_append_new(
			        all, json_pack("{s:s,s:o,s:o,s:o,s:I}", "cve", t[i].id, "published",
			                       vs_time(t[i].ci.published), "kev_added",
			                       vs_time(t[i].ci.kev_added), "days", vs_days(days[i]),
			                       "devices", (json_int_t)t[i].devices));
		}
		flw_mttp_dist_compute(days, NULL, k, &dist);
		if (json_object_set_new(o, "cves", json_integer((json_int_t)carried)) != 0 ||
		    json_object_set_new(o, "tte", dist_json(&dist)) != 0)
			rc = FLW_ENOMEM;
	}
	if (rc == 0)
		rc = page(c, o, "items", all);
	else
		json_decref(all);
	flw_free(days);
	flw_free(t);
	flw_free(cc.e);
	return rc;
}

/* ---- patch queue ------------------------------------------------------------------------- */

static json_t *fixes_json(const struct flw_assess_patch *p)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < p->n_fixes; i++) {
		const struct flw_assess_fix *x = &p->fixes[i];

		json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:s,s:I}", "cve", x->cve_id,
		                                   "component", x->component_name, "devices",
		                                   (json_int_t)x->n_devices, "decision",
		                                   flw_risk_decision_to_string(x->decision),
		                                   "score", (json_int_t)x->score));
	}
	return a;
}

static int report_patch_queue(struct rctx *c, json_t *o)
{
	struct flw_assess_queue *q = NULL;
	json_t *all;
	size_t i;
	int rc;

	rc = flw_assess_patch_queue(&q, c->v->cur);
	if (rc != 0)
		return rc;
	all = json_array();
	for (i = 0; all && i < q->n; i++) {
		const struct flw_assess_patch *p = &q->patches[i];

		json_array_append_new(all,
		                      json_pack("{s:s,s:I,s:I,s:s,s:I,s:o}", "release",
		                                p->release_id, "devices", (json_int_t)p->n_devices,
		                                "findings", (json_int_t)p->n_findings, "decision",
		                                flw_risk_decision_to_string(p->decision), "score",
		                                (json_int_t)p->score, "fixes", fixes_json(p)));
	}
	flw_assess_queue_free(q);
	return page(c, o, "items", all);
}

/* ---- end of life ------------------------------------------------------------------------- */

struct eol_item {
	size_t dev;
	int action;
	int worst;
	unsigned score;
};

static int eol_cmp(const void *pa, const void *pb, void *fl)
{
	const struct eol_item *a = pa;
	const struct eol_item *b = pb;
	const struct vs_fleet *f = fl;

	if (a->action != b->action)
		return a->action > b->action ? -1 : 1;
	if (a->worst != b->worst)
		return a->worst > b->worst ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(f->dev[a->dev].id, f->dev[b->dev].id);
}

static json_t *eol_json(const struct rctx *c, const struct eol_item *x)
{
	const struct vs_fleet *fl = c->v->fleet;
	const struct flw_assess_device *d = &fl->dev[x->dev];
	const struct flw_assess_device_result *dr = flw_assessment_device(c->v->cur, x->dev);
	struct flw_eol_input in;
	struct flw_eol_result res;
	json_t *reasons = json_array();
	size_t i;

	memset(&in, 0, sizeof(in));
	memset(&res, 0, sizeof(res));
	in.support_end_ms = d->support_end_ms;
	in.now_ms = c->at;
	in.n_open = dr->n_open;
	in.worst_decision = dr->worst;
	in.exposure = d->exposure;
	in.class_name = d->class_name;
	if (flw_eol_recommend(&c->v->policy, &in, &res) != 0)
		res.n_reasons = 0;
	for (i = 0; reasons && i < res.n_reasons; i++)
		json_array_append_new(reasons,
		                      json_pack("{s:s,s:s}", "code",
		                                flw_risk_reason_code_to_string(res.reasons[i].code),
		                                "text", res.reasons[i].text));
	return json_pack(
	        "{s:s,s:s,s:o,s:I,s:s,s:s,s:o}", "device", d->id, "hwid", fl->info[x->dev].hwid,
	        "support_end", vs_str(fl->info[x->dev].support_end), "open", (json_int_t)dr->n_open,
	        "worst", flw_risk_decision_to_string(dr->worst), "action",
	        flw_eol_action_to_string(dr->eol), "reasons", reasons ? reasons : json_array());
}

static int report_eol(struct rctx *c, json_t *o)
{
	const struct vs_fleet *fl = c->v->fleet;
	struct eol_item *it = flw_calloc(fl->n_dev ? fl->n_dev : 1, sizeof(*it));
	json_t *all = json_array();
	size_t k = 0;
	size_t i;

	if (!it || !all) {
		flw_free(it);
		json_decref(all);
		return FLW_ENOMEM;
	}
	for (i = 0; i < fl->n_dev; i++) {
		const struct flw_assess_device_result *dr = flw_assessment_device(c->v->cur, i);

		if (dr->eol == FLW_EOL_NONE)
			continue;
		it[k].dev = i;
		it[k].action = (int)dr->eol;
		it[k].worst = (int)dr->worst;
		it[k].score = dr->worst_score;
		k++;
	}
	flw_sort_r(it, k, sizeof(*it), eol_cmp, (void *)fl);
	for (i = 0; i < k; i++)
		json_array_append_new(all, eol_json(c, &it[i]));
	flw_free(it);
	return page(c, o, "items", all);
}

/* ---- summary ----------------------------------------------------------------------------- */

static int report_summary(struct rctx *c, json_t *o)
{
	const struct flw_assessment *a = c->v->cur;
	size_t n = flw_assessment_finding_count(a);
	size_t nd = c->v->fleet->n_dev;
	unsigned char *over = flw_calloc(nd ? nd : 1, 1);
	size_t by[_FLW_RISK_DECISION_MAX] = { 0 };
	struct flw_mttp_report *m = NULL;
	json_t *comp = json_object();
	json_t *chan = json_object();
	const struct flw_assess_finding *f;
	struct vs_fiter it;
	size_t open = 0;
	size_t n_over = 0;
	int rc = over && comp && chan ? 0 : FLW_ENOMEM;

	vs_fiter_init(&it, a, 0, rc == 0 ? n : 0);
	while ((f = vs_fiter_next(&it, NULL)) != NULL) {
		const struct flw_risk_result *r;

		if (f->state != FLW_FINDING_OPEN)
			continue;
		open++;
		r = flw_assessment_risk(a, f->risk);
		if (r && (int)r->decision >= 0 && r->decision < _FLW_RISK_DECISION_MAX)
			by[r->decision]++;
		if (f->overdue && !over[f->device]) {
			over[f->device] = 1;
			n_over++;
		}
	}
	if (rc == 0)
		rc = it.rc;
	if (rc == 0)
		rc = completeness(c, comp, 0);
	if (rc == 0)
		rc = update_channel(c, chan, 0);
	if (rc == 0)
		rc = mttp_compute(c, &m);
	if (rc == 0 &&
	    (json_object_set_new(o, "devices", json_integer((json_int_t)nd)) != 0 ||
	     json_object_set_new(o, "findings_open", json_integer((json_int_t)open)) != 0 ||
	     json_object_set_new(o, "by_decision",
	                         json_pack("{s:I,s:I,s:I,s:I}", "act", (json_int_t)by[FLW_RISK_ACT],
	                                   "attend", (json_int_t)by[FLW_RISK_ATTEND], "track*",
	                                   (json_int_t)by[FLW_RISK_TRACK_STAR], "track",
	                                   (json_int_t)by[FLW_RISK_TRACK])) != 0 ||
	     json_object_set_new(o, "devices_overdue", json_integer((json_int_t)n_over)) != 0 ||
	     json_object_set_new(o, "overdue_share", share(n_over, nd, 0)) != 0 ||
	     json_object_set(o, "completeness", comp) != 0 ||
	     json_object_set(o, "update_channel", chan) != 0 ||
	     json_object_set_new(
	             o, "mttp_days",
	             json_pack("{s:o,s:o}", "mean",
	                       m->total.ttp.n ? vs_days(m->total.ttp.mean_ms) : json_null(),
	                       "median",
	                       m->total.ttp.n ? vs_days(m->total.ttp.median_ms) : json_null())) !=
	             0 ||
	     json_object_set_new(o, "eol_devices",
	                         json_integer((json_int_t)flw_assessment_stats(a)->eol_devices)) !=
	             0 ||
	     json_object_set_new(o, "cves", json_integer((json_int_t)c->v->cves)) != 0))
		rc = FLW_ENOMEM;
	flw_mttp_report_free(m);
	json_decref(comp);
	json_decref(chan);
	flw_free(over);
	return rc;
}

/* ---- CSV --------------------------------------------------------------------------------- */

struct csv {
	struct flw_buf *b;
	int first;
	int rc;
};

static void csv_raw(struct csv *c, const char *s, size_t n)
{
	if (c->rc == 0)
		c->rc = flw_buf_append(c->b, s, n);
}

/* one cell; text that a spreadsheet would read as a formula gets a leading quote */
static void csv_text(struct csv *c, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	const char *p;

	if (!c->first)
		csv_raw(c, ",", 1);
	c->first = 0;
	if (quote)
		csv_raw(c, "\"", 1);
	if (s[0] && strchr("=+-@\t", s[0]))
		csv_raw(c, "'", 1);
	for (p = s; *p; p++) {
		if (*p == '"')
			csv_raw(c, "\"\"", 2);
		else
			csv_raw(c, p, 1);
	}
	if (quote)
		csv_raw(c, "\"", 1);
}

static void csv_value(struct csv *c, const json_t *v)
{
	char buf[64];
	json_t *x;
	size_t i;

	if (json_is_string(v)) {
		csv_text(c, json_string_value(v));
		return;
	}
	if (json_is_array(v)) { /* strings joined by ';', reasons as "code: text" */
		struct flw_buf j;

		flw_buf_init(&j, 1u << 20);
		json_array_foreach(v, i, x)
		{
			if (i > 0 && flw_buf_puts(&j, "; ") != 0)
				break;
			if (json_is_object(x) &&
			    flw_buf_printf(&j, "%s: %s",
			                   json_string_value(json_object_get(x, "code")),
			                   json_string_value(json_object_get(x, "text"))) != 0)
				break;
			if (json_is_string(x) && flw_buf_puts(&j, json_string_value(x)) != 0)
				break;
		}
		csv_text(c, flw_buf_cstr(&j));
		flw_buf_free(&j);
		return;
	}
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof(buf), "%.10g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "true" : "false");
	else
		buf[0] = '\0';
	if (!c->first)
		csv_raw(c, ",", 1);
	c->first = 0;
	csv_raw(c, buf, strlen(buf));
}

/* a value by dotted path ("ttp.mean_days") */
static const json_t *path_get(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_object_get(o, path);
}

static void csv_header(struct csv *c, const char *const *cols)
{
	size_t i;

	for (i = 0; cols[i]; i++) {
		char name[64];
		char *p;

		snprintf(name, sizeof(name), "%s", cols[i][0] == '@' ? cols[i] + 1 : cols[i]);
		for (p = name; *p; p++)
			if (*p == '.')
				*p = '_';
		if ((p = strchr(name, '*')) != NULL)
			snprintf(p, sizeof(name) - (size_t)(p - name), "_star");
		if (cols[i][0] == '@' && strcmp(name, "cve") != 0 && strcmp(name, "component") != 0)
			snprintf(name, sizeof(name), "fix_%s", cols[i] + 1);
		csv_text(c, name);
	}
	csv_raw(c, "\n", 1);
}

static void csv_row(struct csv *c, const json_t *item, const json_t *child, const char *const *cols)
{
	size_t i;

	c->first = 1;
	for (i = 0; cols[i]; i++)
		csv_value(c, cols[i][0] == '@' ? path_get(child, cols[i] + 1)
		                               : path_get(item, cols[i]));
	csv_raw(c, "\n", 1);
}

/* ---- the table of reports ---------------------------------------------------------------- */

typedef int (*report_fn)(struct rctx *c, json_t *o);

static const char *const cols_summary[] = { "at",
	                                    "devices",
	                                    "findings_open",
	                                    "by_decision.act",
	                                    "by_decision.attend",
	                                    "by_decision.track*",
	                                    "by_decision.track",
	                                    "devices_overdue",
	                                    "overdue_share",
	                                    "completeness.share",
	                                    "completeness.flagged",
	                                    "update_channel.share",
	                                    "mttp_days.mean",
	                                    "mttp_days.median",
	                                    "eol_devices",
	                                    "cves",
	                                    NULL };
#define DIST_COLS(d) d ".n", d ".censored", d ".mean_days", d ".median_days", d ".p90_days"
static const char *const cols_mttp[] = { "class",
	                                 "severity",
	                                 "findings",
	                                 "open",
	                                 DIST_COLS("ttp"),
	                                 DIST_COLS("vendor"),
	                                 DIST_COLS("operator"),
	                                 NULL };
static const char *const cols_deadlines[] = { "device", "cve", "component",    "decision",
	                                      "score",  "due", "days_overdue", NULL };
static const char *const cols_completeness[] = { "device", "missing", NULL };
static const char *const cols_channel[] = { "device", "reason", NULL };
static const char *const cols_kev[] = { "cve", "published", "kev_added", "days", "devices", NULL };
static const char *const cols_patch[] = { "release",   "devices", "findings",   "decision",
	                                  "score",     "@cve",    "@component", "@devices",
	                                  "@decision", "@score",  NULL };
static const char *const cols_eol[] = { "device", "hwid",   "support_end", "open",
	                                "worst",  "action", "reasons",     NULL };

static const struct report {
	const char *name;
	report_fn fn;
	const char *list;  /* the main list; NULL: the report is one row */
	const char *child; /* one row per element of this list of each item */
	const char *const *cols;
} reports[] = {
	{ "summary", report_summary, NULL, NULL, cols_summary },
	{ "mttp", report_mttp, "groups", NULL, cols_mttp },
	{ "deadlines", report_deadlines, "items", NULL, cols_deadlines },
	{ "completeness", report_completeness, "items", NULL, cols_completeness },
	{ "update-channel", report_update_channel, "items", NULL, cols_channel },
	{ "kev-exposure", report_kev, "items", NULL, cols_kev },
	{ "patch-queue", report_patch_queue, "items", "fixes", cols_patch },
	{ "eol", report_eol, "items", NULL, cols_eol },
};

static const struct report *report_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < FLW_ARRAY_SIZE(reports); i++)
		if (strcmp(reports[i].name, name) == 0)
			return &reports[i];
	return NULL;
}

int flw_vulnsvc_report_known(const char *name)
{
	return report_find(name) != NULL;
}

void flw_vulnsvc_report_opts_init(struct flw_vulnsvc_report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->min_share = -1;
}

static int to_csv(const struct report *rp, const json_t *o, struct flw_buf *out)
{
	struct csv c = { out, 1, 0 };
	const json_t *item;
	size_t i;

	csv_header(&c, rp->cols);
	if (!rp->list) {
		csv_row(&c, o, NULL, rp->cols);
		return c.rc;
	}
	json_array_foreach(json_object_get(o, rp->list), i, item)
	{
		const json_t *child;
		size_t k;

		if (!rp->child) {
			csv_row(&c, item, NULL, rp->cols);
			continue;
		}
		json_array_foreach(json_object_get(item, rp->child), k, child)
		        csv_row(&c, item, child, rp->cols);
	}
	return c.rc;
}

int flw_vulnsvc_report(struct flw_vulnsvc *v, struct flw_store *s, const char *name,
                       const struct flw_vulnsvc_report_opts *o, json_t **json_out,
                       struct flw_buf *csv_out, struct flw_diag *diag)
{
	const struct report *rp = report_find(name);
	struct rctx c;
	json_t *obj = NULL;
	int rc;

	if (!v || !o || (o->csv ? !csv_out : !json_out))
		return FLW_EINVAL;
	if (!rp)
		return flw_diag_set(diag, FLW_ENOTFOUND, NULL,
		                    "no report '%.40s' (summary, mttp, deadlines, completeness, "
		                    "update-channel, kev-exposure, patch-queue, eol)",
		                    name ? name : "");
	pthread_mutex_lock(&v->lock);
	rc = v->cur ? 0 : flw_diag_set(diag, FLW_ESTATE, NULL, "no assessment yet");
	if (rc == 0) {
		memset(&c, 0, sizeof(c));
		c.v = v;
		c.s = s;
		c.o = o;
		c.at = v->at_ms;
		c.period = (o->period_s > 0 ? o->period_s : FLW_VULNSVC_PERIOD_DEFAULT) * 1000;
		c.min_share = o->min_share >= 0 ? o->min_share : 0.95;
		c.limit = o->limit ? o->limit : FLW_VULNSVC_REPORT_ITEMS;
		if (c.limit > FLW_VULNSVC_REPORT_ITEMS_MAX)
			c.limit = FLW_VULNSVC_REPORT_ITEMS_MAX;
		c.diag = diag;
		obj = json_pack("{s:o}", "at", vs_time(v->at_ms));
		rc = obj ? rp->fn(&c, obj) : FLW_ENOMEM;
	}
	pthread_mutex_unlock(&v->lock);
	if (rc == 0 && o->csv)
		rc = to_csv(rp, obj, csv_out);
	if (rc == 0 && !o->csv) {
		*json_out = obj;
		obj = NULL;
	}
	json_decref(obj);
	return rc;
}
