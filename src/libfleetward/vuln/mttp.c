/* vuln/mttp.c - mean time to patch and the figures around it (VULNDATA 10)
 *
 * Still-open findings are never dropped: they enter every distribution at their age at `now`
 * (right-censored) and are counted in n_censored, so a mean or median with n_censored > 0 is
 * a lower bound and says so. Vendor lag = published -> first release with the fix (censored
 * while there is none); operator lag = fix available -> device fixed, over findings whose fix
 * exists. Exploit time-to-exposure = published -> KEV dateAdded, once per CVE (may be
 * negative: exploited before publication).
 */
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/risk.h"
#include "util/sort.h"

typedef const struct flw_mttp_finding *fptr;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static const char *cls(fptr f)
{
	return f->class_name ? f->class_name : "";
}

static int cmp_group(const void *a, const void *b)
{
	fptr x = *(const fptr *)a;
	fptr y = *(const fptr *)b;
	int c = strcmp(cls(x), cls(y));

	if (c != 0)
		return c;
	return ((int)x->severity > (int)y->severity) - ((int)x->severity < (int)y->severity);
}

static int cmp_str(const char *x, const char *y)
{
	if (!x || !y)
		return (x != NULL) - (y != NULL);
	return strcmp(x, y);
}

static int cmp_device(const void *a, const void *b)
{
	return cmp_str((*(const fptr *)a)->device_id, (*(const fptr *)b)->device_id);
}

static int cmp_cve(const void *a, const void *b)
{
	return cmp_str((*(const fptr *)a)->cve_id, (*(const fptr *)b)->cve_id);
}

void flw_mttp_dist_compute(int64_t *values, const unsigned char *censored, size_t n,
                           struct flw_mttp_dist *out)
{
	double sum = 0;
	double mean;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n == 0 || !values)
		return;
	out->n = n;
	for (i = 0; i < n; i++) {
		sum += (double)values[i];
		if (censored && censored[i])
			out->n_censored++;
	}
	flw_sort(values, n, sizeof(*values), cmp_i64);
	mean = sum / (double)n;
	out->mean_ms = (int64_t)(mean < 0 ? mean - 0.5 : mean + 0.5);
	if (n % 2)
		out->median_ms = values[n / 2];
	else
		out->median_ms = values[n / 2 - 1] + (values[n / 2] - values[n / 2 - 1]) / 2;
	out->p90_ms = values[(9 * n + 9) / 10 - 1];
}

static int64_t span(int64_t from, int64_t to)
{
	return to > from ? to - from : 0;
}

struct scratch {
	int64_t *vals;
	unsigned char *cens;
};

static void group_stats(const fptr *v, size_t n, int64_t now, struct scratch *s,
                        struct flw_mttp_group *g)
{
	size_t i;
	size_t k = 0;

	g->n_findings = n;
	for (i = 0; i < n; i++) {
		s->cens[i] = v[i]->remediated_ms <= 0;
		s->vals[i] = span(v[i]->published_ms, s->cens[i] ? now : v[i]->remediated_ms);
		g->n_open += s->cens[i];
	}
	flw_mttp_dist_compute(s->vals, s->cens, n, &g->ttp);
	for (i = 0; i < n; i++) {
		s->cens[i] = v[i]->fix_available_ms <= 0;
		s->vals[i] = span(v[i]->published_ms, s->cens[i] ? now : v[i]->fix_available_ms);
	}
	flw_mttp_dist_compute(s->vals, s->cens, n, &g->vendor);
	for (i = 0; i < n; i++) {
		if (v[i]->fix_available_ms <= 0)
			continue;
		s->cens[k] = v[i]->remediated_ms <= 0;
		s->vals[k] = span(v[i]->fix_available_ms, s->cens[k] ? now : v[i]->remediated_ms);
		k++;
	}
	flw_mttp_dist_compute(s->vals, s->cens, k, &g->operator_);
}

static void name_copy(char *dst, size_t cap, const char *src)
{
	size_t l = strnlen(src, cap - 1);

	memset(dst, 0, cap);
	memcpy(dst, src, l);
}

static int build_groups(fptr *v, size_t n, int64_t now, struct scratch *s,
                        struct flw_mttp_report *r)
{
	size_t i;
	size_t start;
	size_t ng = 0;

	flw_sort(v, n, sizeof(*v), cmp_group);
	for (i = 0; i < n; i++)
		if (i == 0 || cmp_group(&v[i - 1], &v[i]) != 0)
			ng++;
	if (ng == 0)
		return 0;
	r->groups = flw_calloc(ng, sizeof(*r->groups));
	if (!r->groups)
		return FLW_ENOMEM;
	for (start = 0, i = 1; i <= n; i++) {
		struct flw_mttp_group *g;

		if (i < n && cmp_group(&v[i - 1], &v[i]) == 0)
			continue;
		g = &r->groups[r->n_groups++];
		name_copy(g->class_name, sizeof(g->class_name), cls(v[start]));
		g->severity = v[start]->severity;
		group_stats(v + start, i - start, now, s, g);
		start = i;
	}
	return 0;
}

static void devices(fptr *v, size_t n, int64_t now, struct flw_mttp_report *r)
{
	size_t i;
	int overdue = 0;

	flw_sort(v, n, sizeof(*v), cmp_device);
	for (i = 0; i < n; i++) {
		if (!v[i]->device_id)
			continue;
		if (i == 0 || cmp_device(&v[i - 1], &v[i]) != 0) {
			r->n_devices++;
			overdue = 0;
		}
		if (!overdue && v[i]->remediated_ms <= 0 && v[i]->due_ms > 0 &&
		    v[i]->due_ms < now) {
			overdue = 1;
			r->n_devices_overdue++;
		}
	}
}

static void kev_tte(fptr *v, size_t n, struct scratch *s, struct flw_mttp_report *r)
{
	size_t i;
	size_t k = 0;
	int done = 0;

	flw_sort(v, n, sizeof(*v), cmp_cve);
	for (i = 0; i < n; i++) {
		if (!v[i]->cve_id)
			continue;
		if (i == 0 || cmp_cve(&v[i - 1], &v[i]) != 0)
			done = 0;
		if (done || v[i]->kev_added_ms <= 0)
			continue;
		s->vals[k++] = v[i]->kev_added_ms - v[i]->published_ms;
		done = 1;
	}
	flw_mttp_dist_compute(s->vals, NULL, k, &r->kev_tte);
}

void flw_mttp_report_free(struct flw_mttp_report *r)
{
	if (!r)
		return;
	flw_free(r->groups);
	flw_free(r);
}

int flw_mttp_compute(const struct flw_mttp_finding *f, size_t n, int64_t now_ms,
                     struct flw_mttp_report **out)
{
	struct flw_mttp_report *r = NULL;
	struct scratch s = { NULL, NULL };
	fptr *v = NULL;
	size_t nv = 0;
	size_t i;
	int rc = FLW_EINVAL;

	if ((!f && n > 0) || now_ms <= 0)
		goto out;
	rc = FLW_ELIMIT;
	if (n > FLW_MTTP_MAX_FINDINGS)
		goto out;
	rc = FLW_ENOMEM;
	r = flw_calloc(1, sizeof(*r));
	v = flw_calloc(n ? n : 1, sizeof(*v));
	s.vals = flw_calloc(n ? n : 1, sizeof(*s.vals));
	s.cens = flw_calloc(n ? n : 1, sizeof(*s.cens));
	if (!r || !v || !s.vals || !s.cens)
		goto out;
	r->now_ms = now_ms;
	for (i = 0; i < n; i++) {
		if (f[i].published_ms > 0)
			v[nv++] = &f[i];
		else
			r->n_skipped++;
	}
	name_copy(r->total.class_name, sizeof(r->total.class_name), "*");
	r->total.severity = _FLW_CVSS_SEVERITY_INVALID;
	group_stats(v, nv, now_ms, &s, &r->total);
	rc = build_groups(v, nv, now_ms, &s, r);
	if (rc != 0)
		goto out;
	devices(v, nv, now_ms, r);
	kev_tte(v, nv, &s, r);
	*out = r;
	r = NULL;
	rc = 0;
out:
	flw_free(s.vals);
	flw_free(s.cens);
	flw_free(v);
	flw_mttp_report_free(r);
	return rc;
}
