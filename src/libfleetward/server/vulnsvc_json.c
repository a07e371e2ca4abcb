/* server/vulnsvc_json.c - the service's JSON objects: assessment, finding, vulnerability,
 * feed import, and the findings listing
 *
 * Times are Unix seconds (null when unknown), durations days with two decimals, CVSS base
 * scores with one decimal, EPSS as published. A finding carries what an operator needs to act
 * on it without another request: the CVE's dates and exploitation data, the decision with its
 * reasons, the match explained, the fix release and the acceptance.
 *
 * The listing filters in one pass over the findings and keeps the best offset + limit of them
 * in a bounded heap (open first, then decision, score, due date, device, CVE, component), so
 * listing a large fleet costs memory for one page, not for every finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "server/vulnsvc_impl.h"
#include "util/sort.h"

#define VS_NONE ((size_t)-1)

json_t *vs_time(int64_t ms)
{
	return ms > 0 ? json_integer((json_int_t)(ms / 1000)) : json_null();
}

json_t *vs_days(int64_t ms)
{
	int64_t c = (ms >= 0 ? ms + 432000 : ms - 432000) / 864000; /* hundredths of a day */

	return json_real((double)c / 100.0);
}

json_t *vs_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *str_nonempty(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

void vs_fiter_init(struct vs_fiter *it, const struct flw_assessment *a, size_t first, size_t end)
{
	it->a = a;
	it->next = first;
	it->end = end;
	it->base = first;
	it->n = 0;
	it->rc = 0;
}

const struct flw_assess_finding *vs_fiter_next(struct vs_fiter *it, size_t *idx_out)
{
	if (it->next >= it->end || it->rc != 0)
		return NULL;
	if (it->next >= it->base + it->n) {
		size_t n =
		        it->end - it->next < VS_FITER_CHUNK ? it->end - it->next : VS_FITER_CHUNK;

		it->rc = flw_assessment_findings_get(it->a, it->next, n, it->buf);
		if (it->rc != 0)
			return NULL;
		it->base = it->next;
		it->n = n;
	}
	if (idx_out)
		*idx_out = it->next;
	return &it->buf[it->next++ - it->base];
}

const char *vs_effective_class(const struct flw_vulnsvc *v, size_t dev)
{
	const char *c = v->fleet->dev[dev].class_name;

	return c && flw_risk_policy_class(&v->policy, c) ? c : v->policy.default_class;
}

/* ---- assessment object ------------------------------------------------------------------- */

static int count_cves(const struct flw_assessment *a, size_t *out)
{
	const struct flw_assess_finding *f;
	struct vs_fiter it;
	unsigned char *seen = NULL;
	size_t cap = 0;

	*out = 0;
	vs_fiter_init(&it, a, 0, flw_assessment_finding_count(a));
	while ((f = vs_fiter_next(&it, NULL)) != NULL) {
		uint32_t c;

		if (f->state != FLW_FINDING_OPEN)
			continue;
		c = flw_assessment_hit(a, f->hit)->cve;
		if ((size_t)c / 8 >= cap) {
			size_t nc = ((size_t)c / 8 + 1) * 2;
			unsigned char *p = flw_reallocarray(seen, nc, 1);

			if (!p) {
				flw_free(seen);
				return FLW_ENOMEM;
			}
			memset(p + cap, 0, nc - cap);
			seen = p;
			cap = nc;
		}
		if (!(seen[c / 8] & (1u << (c % 8)))) {
			seen[c / 8] |= (unsigned char)(1u << (c % 8));
			(*out)++;
		}
	}
	flw_free(seen);
	return it.rc;
}

int vs_assessment_json(struct flw_vulnsvc *v)
{
	const struct flw_assess_stats *st;
	json_t *o;

	json_decref(v->cur_json);
	v->cur_json = NULL;
	if (!v->cur)
		return FLW_ENOTFOUND;
	if (count_cves(v->cur, &v->cves) != 0)
		return FLW_ENOMEM;
	st = flw_assessment_stats(v->cur);
	o = json_pack("{s:o,s:f,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "at",
	              vs_time(v->at_ms), "seconds",
	              (double)(int64_t)(v->seconds * 1000 + 0.5) / 1000.0, "incremental",
	              v->incremental, "devices", (json_int_t)v->fleet->n_dev, "releases",
	              (json_int_t)(v->fleet->n_rel - 1), "components", (json_int_t)st->components,
	              "unmatchable", (json_int_t)st->unmatchable, "hits", (json_int_t)st->hits,
	              "findings", (json_int_t)st->findings, "open", (json_int_t)st->open, "fixed",
	              (json_int_t)st->fixed, "accepted", (json_int_t)st->accepted, "overdue",
	              (json_int_t)st->overdue, "eol_devices", (json_int_t)st->eol_devices, "cves",
	              (json_int_t)v->cves);
	if (!o)
		return FLW_ENOMEM;
	v->cur_json = o;
	return 0;
}

/* ---- finding ----------------------------------------------------------------------------- */

int vs_finding_find(const struct flw_vulnsvc *v, size_t dev, const char *cve, const char *comp,
                    size_t *idx_out, struct flw_assess_finding *out)
{
	const struct flw_assess_device_result *dr = flw_assessment_device(v->cur, dev);
	size_t k;

	for (k = 0; dr && k < dr->n; k++) {
		const struct flw_assess_hit *h;

		if (flw_assessment_finding_get(v->cur, dr->first + k, out) != 0)
			break;
		h = flw_assessment_hit(v->cur, out->hit);
		if (strcmp(h->cve_id, cve) == 0 && strcmp(h->component_name, comp) == 0) {
			*idx_out = dr->first + k;
			return 0;
		}
	}
	return FLW_ENOTFOUND;
}

static const char *const source_names[] = { NULL, "NVD configurations", "CVE 5 affected",
	                                    "description" };

/* the match explained as short sentences */
static json_t *match_json(const struct flw_match_result *m, const char *hardware)
{
	json_t *a = json_array();
	char buf[1024];

	if (!a)
		return NULL;
	if (m->reason)
		json_array_append_new(a, json_string(m->reason));
	if (m->source > FLW_MATCH_SRC_NONE && m->source <= FLW_MATCH_SRC_DESCRIPTION) {
		snprintf(buf, sizeof(buf), "source: %s", source_names[m->source]);
		json_array_append_new(a, json_string(buf));
	}
	if (m->criteria) {
		snprintf(buf, sizeof(buf), "criteria: %.900s", m->criteria);
		json_array_append_new(a, json_string(buf));
	}
	if (m->start || m->end) {
		snprintf(buf, sizeof(buf), "range:%s%.200s%s%s%.200s", m->start ? " " : "",
		         m->start ? (m->start_incl ? ">= " : "> ") : "", m->start ? m->start : "",
		         m->end ? (m->start ? ", " : " ") : "",
		         m->end ? (m->end_incl ? "<= " : "< ") : "");
		if (m->end)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%.200s", m->end);
		json_array_append_new(a, json_string(buf));
	}
	if (m->flags & FLW_MATCH_F_ASSUMED)
		json_array_append_new(
		        a, json_string(hardware ? "platform: on this device's hardware"
		                                : "platform: assumed (hardware unknown)"));
	if (m->flags & FLW_MATCH_F_NO_BOUNDS)
		json_array_append_new(a, json_string("no version bounds: every version listed"));
	if (m->flags & FLW_MATCH_F_UNPARSED)
		json_array_append_new(a, json_string("a version could not be ordered: review"));
	if (m->flags & FLW_MATCH_F_STRING_EQ)
		json_array_append_new(a, json_string("exact version by string equality"));
	return a;
}

static json_t *reasons_json(const struct flw_risk_reason *r, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "code",
		                                   flw_risk_reason_code_to_string(r[i].code),
		                                   "text", r[i].text));
	return a;
}

static json_t *accept_json(const struct flw_vulnsvc *v, const char *dev, const char *cve,
                           const char *comp, const struct flw_assess_finding *f)
{
	const struct vs_accept *acc;

	if (f->state != FLW_FINDING_ACCEPTED)
		return json_null();
	acc = vs_accept_get(v, dev, cve, comp);
	return json_pack("{s:o,s:o,s:o,s:o}", "reason", vs_str(acc ? acc->reason : NULL),
	                 "approver", vs_str(acc ? acc->approver : NULL), "accepted",
	                 vs_time(acc ? acc->accepted_ms : 0), "expires",
	                 vs_time(f->accept_expiry_ms));
}

/* exploitation and scoring data of the CVE */
static int cve_fields(json_t *o, const struct flw_vuln_entry *e)
{
	const struct flw_vuln_record *rec = e ? flw_vuln_entry_record(e) : NULL;
	const struct flw_vuln_cvss *cv = e ? flw_vuln_entry_cvss(e) : NULL;
	int64_t kev_due = e && e->kev ? e->kev->due_date_ms : rec ? rec->kev_due_ms : 0;
	int kev = (e && e->kev) || (rec && rec->kev_added_ms > 0);

	if (json_object_set_new(o, "published", vs_time(rec ? rec->published_ms : 0)) != 0 ||
	    json_object_set_new(o, "severity",
	                        cv ? vs_str(flw_cvss_severity_to_string(cv->severity))
	                           : json_null()) != 0 ||
	    json_object_set_new(o, "cvss", cv ? json_real(cv->score10 / 10.0) : json_null()) != 0 ||
	    json_object_set_new(o, "kev", json_boolean(kev)) != 0 ||
	    json_object_set_new(o, "kev_due", vs_time(kev ? kev_due : 0)) != 0 ||
	    json_object_set_new(o, "epss",
	                        e && e->epss.present ? json_real(e->epss.epss_e5 / 100000.0)
	                                             : json_null()) != 0)
		return FLW_ENOMEM;
	return 0;
}

json_t *vs_finding_json(const struct flw_vulnsvc *v, size_t i, const struct flw_assess_finding *f)
{
	const struct vs_fleet *fl = v->fleet;
	const struct flw_assess_hit *h = flw_assessment_hit(v->cur, f->hit);
	const struct flw_risk_result *r =
	        f->state == FLW_FINDING_FIXED ? NULL : flw_assessment_risk(v->cur, f->risk);
	const struct flw_sbom_component *c =
	        h->component != FLW_ASSESS_NONE ? flw_assessment_component(v->cur, h->component)
	                                        : NULL;
	const struct flw_assess_device *d = &fl->dev[f->device];
	const char *rel = fl->rel[d->release].id;
	json_t *o;

	(void)i;
	o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:I}", "device",
	              d->id, "cve", h->cve_id, "component", h->component_name, "component_version",
	              vs_str(c ? c->version : NULL), "release", str_nonempty(rel), "state",
	              flw_finding_state_to_string(f->state), "change",
	              flw_assess_change_to_string(f->change), "decision",
	              r ? json_string(flw_risk_decision_to_string(r->decision)) : json_null(),
	              "score", r ? json_integer(r->score) : json_null(), "due",
	              r ? vs_time(f->due_ms) : json_null(), "overdue", f->overdue != 0,
	              "first_seen", vs_time(f->first_seen_ms), "opened", vs_time(f->opened_ms),
	              "fixed", vs_time(f->state == FLW_FINDING_FIXED ? f->fixed_ms : 0),
	              "reopen_count", (json_int_t)f->reopen_count);
	if (!o)
		return NULL;
	if (cve_fields(o, flw_vuln_db_get(v->db, h->cve_id)) != 0 ||
	    json_object_set_new(o, "confidence",
	                        json_string(flw_match_confidence_to_string(h->match.confidence))) !=
	            0 ||
	    json_object_set_new(o, "fix_release",
	                        f->fix_release != FLW_ASSESS_NONE
	                                ? str_nonempty(fl->rel[f->fix_release].id)
	                                : json_null()) != 0 ||
	    json_object_set_new(o, "fix_available", vs_time(f->fix_available_ms)) != 0 ||
	    json_object_set_new(o, "reasons",
	                        r ? reasons_json(r->reasons, r->n_reasons) : json_null()) != 0 ||
	    json_object_set_new(o, "match", match_json(&h->match, d->hardware_cpe)) != 0 ||
	    json_object_set_new(o, "accept",
	                        accept_json(v, d->id, h->cve_id, h->component_name, f)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *vs_import_json(const struct flw_feed_import *f)
{
	char hex[65];
	json_t *stats = NULL;

	flw_hex_encode(hex, f->sha256, FLW_SHA256_BYTES);
	if (f->stats[0])
		stats = json_loads(f->stats, 0, NULL);
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:o}", "id", (json_int_t)f->id, "kind", f->kind,
	                 "name", f->name, "sha256", hex, "bytes", (json_int_t)f->bytes, "imported",
	                 (json_int_t)f->imported, "stats", stats ? stats : json_object());
}

/* ---- listing ----------------------------------------------------------------------------- */

void flw_vulnsvc_filter_init(struct flw_vulnsvc_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->state = -1;
	f->decision = -1;
	f->min_score = -1;
}

struct fkey {
	size_t idx;
	const char *cve;
	const char *comp;
	int64_t due; /* INT64_MAX when none */
	uint32_t dev;
	uint8_t rank; /* open 0, accepted 1, fixed 2 */
	int8_t decision;
	uint8_t score;
};

static int key_cmp(const struct fkey *a, const struct fkey *b, const struct vs_fleet *fl)
{
	int c;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->decision != b->decision)
		return a->decision > b->decision ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	if (a->dev != b->dev && (c = strcmp(fl->dev[a->dev].id, fl->dev[b->dev].id)) != 0)
		return c;
	if ((c = strcmp(a->cve, b->cve)) != 0)
		return c;
	if ((c = strcmp(a->comp, b->comp)) != 0)
		return c;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* max-heap (worst on top) of the best k keys */
struct heap {
	struct fkey *k;
	size_t n;
	size_t cap;
	const struct vs_fleet *fl;
};

static void heap_swap(struct fkey *a, struct fkey *b)
{
	struct fkey t = *a;

	*a = *b;
	*b = t;
}

static void heap_down(struct heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1;
		size_t w = i;

		if (l < h->n && key_cmp(&h->k[l], &h->k[w], h->fl) > 0)
			w = l;
		if (l + 1 < h->n && key_cmp(&h->k[l + 1], &h->k[w], h->fl) > 0)
			w = l + 1;
		if (w == i)
			return;
		heap_swap(&h->k[i], &h->k[w]);
		i = w;
	}
}

static void heap_push(struct heap *h, const struct fkey *k)
{
	size_t i;

	if (h->n < h->cap) {
		i = h->n++;
		h->k[i] = *k;
		while (i > 0 && key_cmp(&h->k[(i - 1) / 2], &h->k[i], h->fl) < 0) {
			heap_swap(&h->k[(i - 1) / 2], &h->k[i]);
			i = (i - 1) / 2;
		}
	} else if (h->cap > 0 && key_cmp(k, &h->k[0], h->fl) < 0) {
		h->k[0] = *k;
		heap_down(h, 0);
	}
}

static int key_qsort(const void *a, const void *b, void *fl)
{
	return key_cmp(a, b, fl);
}

/* 1 when finding f (index i) passes the filter; *k gets its sort key */
static int keep(const struct flw_vulnsvc *v, const struct flw_vulnsvc_filter *flt, size_t i,
                const struct flw_assess_finding *f, struct fkey *k)
{
	const struct vs_fleet *fl = v->fleet;
	const struct flw_assess_hit *h = flw_assessment_hit(v->cur, f->hit);
	const struct flw_risk_result *r =
	        f->state == FLW_FINDING_FIXED ? NULL : flw_assessment_risk(v->cur, f->risk);
	const struct vs_devinfo *inf = &fl->info[f->device];

	if ((flt->cve && strcmp(flt->cve, h->cve_id) != 0) ||
	    (flt->component && strcmp(flt->component, h->component_name) != 0) ||
	    (flt->state >= 0 && flt->state != f->state) ||
	    (flt->decision >= 0 && (!r || (int)r->decision != flt->decision)) ||
	    (flt->overdue && !f->overdue) ||
	    (flt->min_score >= 0 && (!r || (int)r->score < flt->min_score)) ||
	    (flt->release && strcmp(flt->release, fl->rel[fl->dev[f->device].release].id) != 0) ||
	    (flt->site && (!inf->site || strcmp(flt->site, inf->site) != 0)) ||
	    (flt->class_name && strcmp(flt->class_name, vs_effective_class(v, f->device)) != 0))
		return 0;
	k->idx = i;
	k->cve = h->cve_id;
	k->comp = h->component_name;
	k->due = r && f->due_ms > 0 ? f->due_ms : INT64_MAX;
	k->dev = f->device;
	k->rank = f->state == FLW_FINDING_OPEN ? 0 : f->state == FLW_FINDING_ACCEPTED ? 1 : 2;
	k->decision = (int8_t)(r ? (int)r->decision : -1);
	k->score = (uint8_t)(r ? r->score : 0);
	return 1;
}

static int collect(const struct flw_vulnsvc *v, const struct flw_vulnsvc_filter *flt, size_t first,
                   size_t end, struct heap *h, size_t *total)
{
	const struct flw_assess_finding *f;
	struct vs_fiter it;
	size_t i;

	vs_fiter_init(&it, v->cur, first, end);
	while ((f = vs_fiter_next(&it, &i)) != NULL) {
		struct fkey k;

		if (keep(v, flt, i, f, &k)) {
			(*total)++;
			heap_push(h, &k);
		}
	}
	return it.rc;
}

static int list_findings(const struct flw_vulnsvc *v, const struct flw_vulnsvc_filter *flt,
                         json_t **out, struct flw_diag *diag)
{
	size_t limit = flt->limit ? flt->limit : FLW_VULNSVC_LIST_DEFAULT;
	size_t nf = flw_assessment_finding_count(v->cur);
	size_t first = 0;
	size_t end = nf;
	size_t total = 0;
	struct heap h;
	json_t *items;
	size_t i;
	int rc;

	if (limit > FLW_VULNSVC_LIST_MAX)
		limit = FLW_VULNSVC_LIST_MAX;
	if (flt->device) {
		size_t d = vs_fleet_device(v->fleet, flt->device);
		const struct flw_assess_device_result *dr;

		if (d == VS_NONE)
			return flw_diag_set(diag, FLW_ENOTFOUND, NULL,
			                    "no device '%s' in the assessment", flt->device);
		dr = flw_assessment_device(v->cur, d);
		first = dr->first;
		end = dr->first + dr->n;
	}
	memset(&h, 0, sizeof(h));
	h.fl = v->fleet;
	h.cap = flt->offset >= end - first ? 0 : flt->offset + limit;
	if (h.cap > end - first)
		h.cap = end - first;
	h.k = flw_calloc(h.cap ? h.cap : 1, sizeof(*h.k));
	if (!h.k)
		return FLW_ENOMEM;
	rc = collect(v, flt, first, end, &h, &total);
	items = json_array();
	if (rc == 0 && !items)
		rc = FLW_ENOMEM;
	flw_sort_r(h.k, h.n, sizeof(*h.k), key_qsort, (void *)v->fleet);
	for (i = flt->offset; rc == 0 && i < h.n; i++) {
		struct flw_assess_finding f;
		json_t *o;

		rc = flw_assessment_finding_get(v->cur, h.k[i].idx, &f);
		o = rc == 0 ? vs_finding_json(v, h.k[i].idx, &f) : NULL;
		if (rc == 0 && (!o || json_array_append_new(items, o) != 0))
			rc = FLW_ENOMEM;
	}
	flw_free(h.k);
	if (rc == 0)
		*out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
	else
		json_decref(items);
	return rc != 0 ? rc : (*out ? 0 : FLW_ENOMEM);
}

int flw_vulnsvc_findings(struct flw_vulnsvc *v, const struct flw_vulnsvc_filter *f, json_t **out,
                         struct flw_diag *diag)
{
	int rc;

	if (!v || !f || !out)
		return FLW_EINVAL;
	pthread_mutex_lock(&v->lock);
	if (!v->cur)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, NULL, "no assessment yet");
	else
		rc = list_findings(v, f, out, diag);
	pthread_mutex_unlock(&v->lock);
	return rc;
}

/* ---- vulnerability ----------------------------------------------------------------------- */

static json_t *cvss_json(const struct flw_vuln_cvss *c)
{
	if (!c)
		return json_null();
	return json_pack("{s:o,s:o,s:f,s:o}", "version",
	                 vs_str(flw_cvss_version_to_string(c->version)), "vector",
	                 vs_str(c->vector), "score", c->score10 / 10.0, "source",
	                 str_nonempty(c->source));
}

static json_t *kev_json(const struct flw_vuln_entry *e, const struct flw_vuln_record *rec)
{
	if (e->kev)
		return json_pack("{s:o,s:o,s:b}", "date_added", vs_time(e->kev->date_added_ms),
		                 "due_date", vs_time(e->kev->due_date_ms), "ransomware",
		                 e->kev->ransomware == FLW_KEV_RANSOMWARE_KNOWN);
	if (rec && rec->kev_added_ms > 0) /* NVD cisaExploitAdd without the catalogue */
		return json_pack("{s:o,s:o,s:n}", "date_added", vs_time(rec->kev_added_ms),
		                 "due_date", vs_time(rec->kev_due_ms), "ransomware");
	return json_null();
}

/* devices with an open finding of cve */
static size_t cve_devices(const struct flw_vulnsvc *v, const char *cve)
{
	const struct flw_assess_finding *f;
	struct vs_fiter it;
	uint32_t last = UINT32_MAX;
	size_t n = 0;

	if (!v->cur)
		return 0;
	vs_fiter_init(&it, v->cur, 0, flw_assessment_finding_count(v->cur));
	while ((f = vs_fiter_next(&it, NULL)) != NULL)
		if (f->device != last && f->state == FLW_FINDING_OPEN &&
		    strcmp(flw_assessment_hit(v->cur, f->hit)->cve_id, cve) == 0) {
			last = f->device;
			n++;
		}
	return n;
}

static json_t *vuln_json(const struct flw_vulnsvc *v, const struct flw_vuln_entry *e)
{
	const struct flw_vuln_record *rec = flw_vuln_entry_record(e);
	const struct flw_vuln_cvss *cv = flw_vuln_entry_cvss(e);
	json_t *epss = json_null();

	if (e->epss.present)
		epss = json_pack("{s:f,s:f,s:o}", "score", e->epss.epss_e5 / 100000.0, "percentile",
		                 e->epss.percentile_e5 / 100000.0, "date",
		                 vs_time(e->epss.score_date_ms));
	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "id", e->id, "published",
	                 vs_time(rec ? rec->published_ms : 0), "last_modified",
	                 vs_time(rec ? rec->last_modified_ms : 0), "status",
	                 rec ? vs_str(flw_vuln_status_to_string(rec->status)) : json_null(),
	                 "description", vs_str(rec ? rec->description : NULL), "severity",
	                 cv ? vs_str(flw_cvss_severity_to_string(cv->severity)) : json_null(),
	                 "cvss", cvss_json(cv), "kev", kev_json(e, rec), "epss", epss, "devices",
	                 (json_int_t)cve_devices(v, e->id));
}

int flw_vulnsvc_vuln(struct flw_vulnsvc *v, const char *cve, json_t **out, struct flw_diag *diag)
{
	const struct flw_vuln_entry *e;
	int rc = 0;

	if (!v || !out)
		return FLW_EINVAL;
	if (!vs_cve_ok(cve))
		return flw_diag_set(diag, FLW_EFORMAT, NULL,
		                    "'%.40s' is not a CVE id (CVE-YYYY-NNNN)", cve ? cve : "");
	pthread_mutex_lock(&v->lock);
	e = flw_vuln_db_get(v->db, cve);
	if (!e)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, NULL, "no record of %s", cve);
	else if (!(*out = vuln_json(v, e)))
		rc = FLW_ENOMEM;
	pthread_mutex_unlock(&v->lock);
	return rc;
}
