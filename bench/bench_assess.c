/* bench/bench_assess.c - a 1M-device fleet fully assessed on one core (issue 4: goal <= 5 s)
 *
 * Feeds: everything in ../shared/vulndata (NVD sample, 1,975 CVE 5 records, KEV, EPSS).
 * Inventory (synthetic, deterministic): LINES product lines x RELEASES_PER_LINE releases = 1,000
 * releases of 300 components each: 10 real components (busybox, openssl, dnsmasq, dropbear,
 * lighttpd, uclibc-ng, curl, zlib, and TP-Link firmware with a CPE) at versions the sample CVEs
 * affect or not (newer releases of a line carry newer versions), plus 290 filler components
 * drawn from a pool of 4,000 names x 4 versions. Devices: round-robin over releases; 3 classes,
 * 3 exposures, 8 segments; 1 in 16 reports its hardware CPE; 1 in 10 is past support end.
 *
 * Prints: devices, findings, assess_seconds (full assessment: match every distinct component,
 * project onto every device, risk, lifecycle, EOL), then the incremental re-assessment for one
 * changed CVE and the patch queue, the time to read every finding of the incremental result
 * (flw_assessment_findings_get, 4,096 at a time), and the peak RSS (getrusage) after each
 * step: the two results are alive together, as in a server re-assessing.
 *
 * Usage: bench_assess [VULNDATA_DIR] [DEVICES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fleetward/assess.h"
#include "fleetward/error.h"

#define LINES             100
#define RELEASES_PER_LINE 10
#define N_RELEASES        (LINES * RELEASES_PER_LINE)
#define N_COMPONENTS      300
#define FILLER_NAMES      4000
#define T_NOW             (1756080000LL * 1000) /* 2025-08-25 */
#define DAY               (86400LL * 1000)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* peak resident set size so far, MiB */
static double peak_rss_mib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (double)ru.ru_maxrss / 1024; /* kilobytes on Linux */
}

/* read every finding of a through the range getter; returns how many are open */
static size_t read_all(const struct flw_assessment *a)
{
	static struct flw_assess_finding buf[4096];
	size_t n = flw_assessment_finding_count(a);
	size_t open = 0;
	size_t i;
	size_t k;

	for (i = 0; i < n; i += k) {
		size_t j;

		k = n - i < FLW_ARRAY_SIZE(buf) ? n - i : FLW_ARRAY_SIZE(buf);
		if (flw_assessment_findings_get(a, i, k, buf) != 0)
			exit(1);
		for (j = 0; j < k; j++)
			open += buf[j].state == FLW_FINDING_OPEN;
	}
	return open;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* real components: versions from old (affected) to new (fixed) */
struct real {
	const char *name;
	const char *vendor;
	const char *cpe_part; /* "o" etc.: the component is given as a CPE, or NULL */
	const char *versions[5];
};

static const struct real reals[] = {
	{ "busybox", NULL, NULL, { "1.27.2", "1.33.1", "1.35.0", "1.36.1", "1.37.0" } },
	{ "openssl", NULL, NULL, { "1.0.2zf", "1.1.1s", "3.0.6", "3.0.8", "3.0.15" } },
	{ "dnsmasq", NULL, NULL, { "2.80", "2.85", "2.89", "2.90", "2.90" } },
	{ "dropbear", NULL, NULL, { "2016.73", "2019.78", "2020.81", "2022.83", "2024.86" } },
	{ "lighttpd", NULL, NULL, { "1.4.45", "1.4.50", "1.4.63", "1.4.64", "1.4.76" } },
	{ "uclibc-ng", NULL, NULL, { "1.0.30", "1.0.40", "1.0.41", "1.0.45", "1.0.48" } },
	{ "curl", NULL, NULL, { "7.74.0", "7.88.1", "8.0.1", "8.4.0", "8.9.1" } },
	{ "zlib", NULL, NULL, { "1.2.11", "1.2.12", "1.2.13", "1.3", "1.3.1" } },
	{ "archer_ax21_firmware", "tp-link", "o", { "1.1.2", "1.1.3", "1.1.3", "1.1.4", "1.1.4" } },
	{ "mbedtls", NULL, NULL, { "2.16.0", "2.28.0", "3.4.0", "3.5.2", "3.6.1" } },
};

struct fleet {
	struct flw_assess_release rel[N_RELEASES];
	struct flw_sbom_component *comps; /* N_RELEASES * N_COMPONENTS */
	char *strings;
	size_t used;
	size_t cap;
	struct flw_assess_device *devs;
	char *ids;
};

static const char *keep(struct fleet *f, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if (f->used + n > f->cap) {
		fprintf(stderr, "string store full\n");
		exit(1);
	}
	d = f->strings + f->used;
	memcpy(d, s, n);
	f->used += n;
	return d;
}

static void build_release(struct fleet *f, unsigned line, unsigned k, const char **names)
{
	struct flw_assess_release *r = &f->rel[line * RELEASES_PER_LINE + k];
	struct flw_sbom_component *c =
	        &f->comps[(size_t)(line * RELEASES_PER_LINE + k) * N_COMPONENTS];
	unsigned stage = k / 2; /* 0..4: newer releases carry newer versions */
	char buf[160];
	unsigned i;

	snprintf(buf, sizeof(buf), "line%03u-%u.%u", line, 1 + k / 4, k % 4);
	r->id = keep(f, buf);
	snprintf(buf, sizeof(buf), "line%03u", line);
	r->product_line = keep(f, buf);
	r->released_ms = T_NOW - (RELEASES_PER_LINE - k) * 30 * DAY;
	r->components = c;
	r->n_components = N_COMPONENTS;
	for (i = 0; i < FLW_ARRAY_SIZE(reals); i++) {
		const struct real *re = &reals[i];
		unsigned v = (stage + line) % 5 < stage ? stage : (stage + (line % 2)) % 5;

		c[i].name = re->name;
		c[i].version = re->versions[v];
		c[i].vendor = re->vendor;
		if (re->cpe_part) {
			snprintf(buf, sizeof(buf), "cpe:2.3:%s:%s:%s:%s:*:*:*:*:*:*:*",
			         re->cpe_part, re->vendor, re->name, re->versions[v]);
			c[i].cpe = keep(f, buf);
		}
	}
	for (; i < N_COMPONENTS; i++) {
		/* the line's filler set is fixed; versions move with the release */
		unsigned name = (line * 131u + i * 7919u) % FILLER_NAMES;

		c[i].name = names[name];
		c[i].version = (k + i) % 3 == 0 ? "2.0.1" : (line + i) % 2 ? "1.4.0" : "1.2.3";
	}
}

static void build(struct fleet *f, size_t n_devices)
{
	static const char *const classes[] = { FLW_RISK_CLASS_SAFETY,
		                               FLW_RISK_CLASS_CONFIDENTIALITY,
		                               FLW_RISK_CLASS_NON_CRITICAL };
	static const char *const segs[] = { "vlan10", "vlan20", "vlan30", "vlan40",
		                            "vlan50", "vlan60", "vlan70", "vlan80" };
	static const char *names[FILLER_NAMES];
	unsigned i;
	size_t d;
	char buf[32];

	f->cap = 8u << 20;
	f->strings = malloc(f->cap);
	f->comps = calloc((size_t)N_RELEASES * N_COMPONENTS, sizeof(*f->comps));
	f->devs = calloc(n_devices, sizeof(*f->devs));
	f->ids = malloc(n_devices * 16);
	if (!f->strings || !f->comps || !f->devs || !f->ids)
		exit(1);
	for (i = 0; i < FILLER_NAMES; i++) {
		snprintf(buf, sizeof(buf), "libfill%04u", i);
		names[i] = keep(f, buf);
	}
	for (i = 0; i < N_RELEASES; i++)
		build_release(f, i / RELEASES_PER_LINE, i % RELEASES_PER_LINE, names);
	for (d = 0; d < n_devices; d++) {
		struct flw_assess_device *v = &f->devs[d];

		snprintf(f->ids + d * 16, 16, "d%09u", (unsigned)d);
		v->id = f->ids + d * 16;
		v->release = (d * 7919u) % N_RELEASES;
		v->class_name = classes[rnd(3)];
		v->exposure = (enum flw_risk_exposure)(1 + rnd(3));
		v->segment = v->exposure == FLW_RISK_EXPOSURE_LAN ? segs[rnd(8)] : NULL;
		if (rnd(16) == 0)
			v->hardware_cpe = "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*";
		v->support_end_ms = rnd(10) == 0 ? T_NOW - 90 * DAY : T_NOW + 365 * DAY;
	}
}

static void load(struct flw_vuln_db *db, const char *dir)
{
	char p[4096];
	struct flw_diag d;

	memset(&d, 0, sizeof(d));
	snprintf(p, sizeof(p), "%s/nvd_api2_sample.json", dir);
	if (flw_feed_import_nvd(db, p, NULL, NULL, &d) != 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/cve5_iot_sample.jsonl", dir);
	if (flw_feed_import_cve5_jsonl(db, p, NULL, NULL, &d) != 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/kev/known_exploited_vulnerabilities.json", dir);
	if (flw_feed_import_kev(db, p, NULL, NULL, &d) != 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/epss_sample.csv", dir);
	if (flw_feed_import_epss(db, p, NULL, NULL, &d) != 0)
		goto fail;
	return;
fail:
	fprintf(stderr, "bench_assess: %s: %s %s\n", p, d.path, d.msg);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../shared/vulndata";
	size_t n_devices = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
	static const char *const changed[] = { "CVE-2023-0286" };
	static struct fleet f;
	struct flw_vuln_db *db = NULL;
	struct flw_vuln_index *idx = NULL;
	struct flw_risk_policy policy;
	struct flw_assess_input in;
	struct flw_assessment *a = NULL;
	struct flw_assessment *b = NULL;
	struct flw_assess_queue *q = NULL;
	const struct flw_assess_stats *st;
	struct flw_diag d;
	double rss[3];
	double t0, t1;
	size_t open;

	memset(&d, 0, sizeof(d));
	build(&f, n_devices);
	if (flw_vuln_db_new(&db) != 0)
		return 1;
	load(db, dir);
	if (flw_assess_index_new(&idx, db, NULL, &d) != 0)
		return 1;
	flw_risk_policy_init(&policy);
	memset(&in, 0, sizeof(in));
	in.db = db;
	in.index = idx;
	in.policy = &policy;
	in.releases = f.rel;
	in.n_releases = N_RELEASES;
	in.devices = f.devs;
	in.n_devices = n_devices;
	in.now_ms = T_NOW;
	t0 = now();
	if (flw_assess_run(&a, &in, NULL, NULL, 0, &d) != 0) {
		fprintf(stderr, "assess: %s %s\n", d.path, d.msg);
		return 1;
	}
	t1 = now();
	st = flw_assessment_stats(a);
	printf("records %zu (index %zu)\n", flw_vuln_db_count(db), flw_vuln_index_size(idx));
	printf("releases %zu x %d components, distinct components %zu (unmatchable %zu)\n",
	       st->releases, N_COMPONENTS, st->components, st->unmatchable);
	printf("hits %zu, hardware evaluations %zu, groups %zu, risk results %zu\n", st->hits,
	       st->hardware_evals, st->groups, st->risks);
	printf("devices %zu\n", st->devices);
	printf("findings %zu (open %zu, overdue %zu), eol devices %zu\n", st->findings, st->open,
	       st->overdue, st->eol_devices);
	printf("assess_seconds %.3f\n", t1 - t0);
	rss[0] = peak_rss_mib();
	in.now_ms = T_NOW + DAY;
	t0 = now();
	if (flw_assess_run(&b, &in, a, changed, 1, &d) != 0) {
		fprintf(stderr, "incremental: %s %s\n", d.path, d.msg);
		return 1;
	}
	t1 = now();
	st = flw_assessment_stats(b);
	printf("incremental_seconds %.3f (1 changed CVE: %zu evaluations, %zu components reused, "
	       "%zu findings)\n",
	       t1 - t0, st->evaluated, st->reused, st->findings);
	rss[1] = peak_rss_mib();
	t0 = now();
	if (flw_assess_patch_queue(&q, a) != 0)
		return 1;
	t1 = now();
	printf("patch_queue_seconds %.3f (%zu releases fix findings", t1 - t0, q->n);
	if (q->n)
		printf("; first: %s fixes %zu findings on %zu devices, %s %u",
		       q->patches[0].release_id, q->patches[0].n_findings, q->patches[0].n_devices,
		       flw_risk_decision_to_string(q->patches[0].decision), q->patches[0].score);
	printf(")\n");
	rss[2] = peak_rss_mib();
	t0 = now();
	open = read_all(b);
	t1 = now();
	printf("read_seconds %.3f (%zu findings materialised, %zu open)\n", t1 - t0,
	       flw_assessment_finding_count(b), open);
	printf("peak_rss_mib %.1f (after full %.1f, incremental %.1f, patch queue %.1f)\n",
	       peak_rss_mib(), rss[0], rss[1], rss[2]);
	flw_assess_queue_free(q);
	flw_assessment_free(b);
	flw_assessment_free(a);
	flw_vuln_index_free(idx);
	flw_vuln_db_free(db);
	free(f.strings);
	free(f.comps);
	free(f.devs);
	free(f.ids);
	return 0;
}
