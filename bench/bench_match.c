/* bench/bench_match.c - matching throughput against an NVD-sized index, with crowded products
 *
 * Builds RECORDS (~300k) records from the 11 real NVD records of ../shared/vulndata that have
 * configurations:
 *   - crowded products, as in NVD where linux_kernel, imagemagick, binutils, tcpdump, ...
 *     each carry hundreds to thousands of CVEs: 5000, 2000, 1000 and 500 copies of the real
 *     records (cycled) whose main product (the first vulnerable criteria's vendor:product)
 *     is renamed to the crowded product, with its version bounds moved onto a synthetic
 *     release history (10 branches "4.4" ... "6.12", patch levels .0 to .299): a copy keeps
 *     the shape of its template (start and end, end only, exact version; inclusive or
 *     exclusive as in the template) with the branch and fix level drawn at random, so an
 *     end-only range covers every older branch as NVD's "versionEndExcluding" does. The
 *     other products of the copy get varied names;
 *   - the rest: copies with every vendor:product varied (product "busybox" -> "busybox_17"),
 *     except that every KEEP-th copy keeps the real names (KEEP 1000: ~27-54 candidate records
 *     per real product).
 * Then it matches component-versions through the index (lookup + evaluation, no allocation)
 * on one core, in three mixes: "uniform" (the 8 real components), "crowded" (queries on the
 * crowded products with versions drawn uniformly from their history) and the headline
 * "mixed" one (CROWDED% of the queries crowded, default 10%: more than a firmware SBOM, where
 * the kernel is one component of a hundred or more; the rest uniform). Each mix is also run
 * the plain way (every candidate record evaluated: flw_vuln_index_lookup +
 * flw_vuln_index_eval, what flw_vuln_index_match did before it had version filters), and
 * both must report the same findings for every query. Rates are the best of REPEAT runs,
 * timed by the CPU time of the benchmark thread (CLOCK_THREAD_CPUTIME_ID), so that other
 * load on the machine counts less (it still shares the caches).
 *
 * Usage: bench_match [NVD_JSON] [RECORDS] [LOOKUPS] [KEEP] [CROWDED%]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetward/match.h"
#include "vuln/vuln_private.h"

#define N_BRANCH  10
#define N_PATCH   300
#define N_CROWDQ  512  /* distinct crowded queries */
#define MIX_LEN   4096 /* the mixed sequence repeats after this many queries */
#define MAX_PARTS 13
#define REPEAT    3

static const char *const branches[N_BRANCH] = { "4.4",  "4.9",  "4.14", "4.19", "5.4",
	                                        "5.10", "5.15", "6.1",  "6.6",  "6.12" };

static const struct crowded {
	const char *vendor;
	const char *product;
	unsigned long records;
} crowded[] = {
	{ "linux", "linux_kernel", 5000 },
	{ "imagemagick", "imagemagick", 2000 },
	{ "gnu", "binutils", 1000 },
	{ "tcpdump", "tcpdump", 500 },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* one core's work, whatever else runs */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)((rng_state >> 11) % n);
}

/* Split a CPE 2.3 criteria (the sample has no escaped colons) into its 13 parts. */
static int split(const char *s, char parts[MAX_PARTS][128])
{
	int n = 0;

	while (n < MAX_PARTS) {
		size_t l = strcspn(s, ":");

		if (l >= 128)
			return -1;
		memcpy(parts[n], s, l);
		parts[n++][l] = '\0';
		if (!s[l])
			break;
		s += l + 1;
	}
	return n == MAX_PARTS ? 0 : -1;
}

static void join(char parts[MAX_PARTS][128], char *out, size_t n)
{
	size_t used = 0;
	int i;

	for (i = 0; i < MAX_PARTS; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ":" : "", parts[i]);
}

/* A copy of conf: criteria naming main (vendor:product; NULL = none) become the crowded
 * product c with versions from its synthetic history; every other product gets "_<n>"
 * (n > 0), or keeps its name (n == 0). */
static json_t *copy_config(const json_t *conf, const char *main, const struct crowded *c,
                           unsigned long n)
{
	json_t *cfgs = json_deep_copy(conf);
	json_t *cfg;
	json_t *node;
	json_t *m;
	size_t i, j, k;

	json_array_foreach(cfgs, i, cfg) json_array_foreach(json_object_get(cfg, "nodes"), j, node)
	        json_array_foreach(json_object_get(node, "cpeMatch"), k, m)
	{
		char parts[MAX_PARTS][128];
		char name[300];
		char crit[600];

		if (split(json_string_value(json_object_get(m, "criteria")), parts) != 0)
			abort();
		snprintf(name, sizeof(name), "%s:%s", parts[3], parts[4]);
		if (c && main && strcmp(name, main) == 0 &&
		    json_is_true(json_object_get(m, "vulnerable"))) {
			const char *br = branches[rnd(N_BRANCH)];
			unsigned fix = 1 + rnd(N_PATCH - 1);
			static const char *const keys[] = { "versionStartIncluding",
				                            "versionStartExcluding",
				                            "versionEndIncluding",
				                            "versionEndExcluding" };
			char v[32];
			int b;

			snprintf(parts[3], sizeof(parts[3]), "%s", c->vendor);
			snprintf(parts[4], sizeof(parts[4]), "%s", c->product);
			if (strcmp(parts[5], "*") != 0 && strcmp(parts[5], "-") != 0)
				snprintf(parts[5], sizeof(parts[5]), "%s.%u", br, rnd(N_PATCH));
			for (b = 0; b < 4; b++) {
				if (!json_object_get(m, keys[b]))
					continue;
				snprintf(v, sizeof(v), "%s.%u", br, b < 2 ? rnd(fix) : fix);
				json_object_set_new(m, keys[b], json_string(v));
			}
		} else if (n > 0) {
			size_t l = strlen(parts[4]);

			snprintf(parts[4] + l, sizeof(parts[4]) - l, "_%lu", n);
		}
		join(parts, crit, sizeof(crit));
		json_object_set_new(m, "criteria", json_string(crit));
	}
	return cfgs;
}

/* vendor:product of the first vulnerable criteria */
static void main_product(const json_t *conf, char *out, size_t n)
{
	json_t *cfg;
	json_t *node;
	json_t *m;
	size_t i, j, k;

	out[0] = '\0';
	json_array_foreach(conf, i, cfg) json_array_foreach(json_object_get(cfg, "nodes"), j, node)
	        json_array_foreach(json_object_get(node, "cpeMatch"), k, m)
	{
		char parts[MAX_PARTS][128];

		if (out[0] || !json_is_true(json_object_get(m, "vulnerable")) ||
		    split(json_string_value(json_object_get(m, "criteria")), parts) != 0)
			continue;
		snprintf(out, n, "%s:%s", parts[3], parts[4]);
	}
}

static int count_fn(const char *cve, const struct flw_match_result *r, void *payload)
{
	(void)cve;
	(void)r;
	(*(unsigned long *)payload)++;
	return 0;
}

struct mix {
	const char *name;
	struct flw_match_item **seq; /* MIX_LEN queries, repeated */
};

struct measure {
	double candidates; /* per query */
	double evaluated;
	double findings;
};

/* Rate of n queries of the mix, through flw_vuln_index_match (plain 0) or lookup + eval (1):
 * the best of REPEAT runs of n / REPEAT (the machine may be shared). */
static double run_mix(const struct flw_vuln_index *idx, const struct mix *mx, unsigned long n,
                      int plain)
{
	static uint32_t ids[1 << 20];
	unsigned long hits = 0;
	double best = 0;
	int rep;

	n = n / REPEAT < 64 ? 64 : n / REPEAT;
	for (rep = 0; rep < REPEAT; rep++) {
		double t0 = now();
		unsigned long i;

		for (i = 0; i < n; i++) {
			struct flw_match_item *it = mx->seq[i % MIX_LEN];
			size_t k;
			size_t c = 0;

			if (!plain) {
				if (flw_vuln_index_match(idx, it, NULL, count_fn, &hits) != 0)
					return -1;
				continue;
			}
			flw_vuln_index_lookup(idx, it, ids, sizeof(ids) / sizeof(ids[0]), &c);
			for (k = 0; k < c; k++) {
				struct flw_match_result r;

				if (flw_vuln_index_eval(idx, ids[k], it, NULL, &r) != 0)
					return -1;
				if (r.verdict != FLW_MATCH_NO)
					count_fn(flw_vuln_index_cve(idx, ids[k]), &r, &hits);
			}
		}
		t0 = (double)n / (now() - t0);
		best = t0 > best ? t0 : best;
	}
	return best;
}

/* Every query of the mix finds the same records both ways (the unit test unit/match compares
 * the results themselves); per-query averages over one cycle of the mix. */
static int check_mix(const struct flw_vuln_index *idx, const struct mix *mx, struct measure *out)
{
	static uint32_t ids[1 << 20];
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < MIX_LEN; i++) {
		unsigned long a = 0;
		unsigned long b = 0;
		size_t c = 0;
		size_t e = 0;
		size_t k;

		if (flw_vuln_index_match(idx, mx->seq[i], NULL, count_fn, &a) != 0)
			return -1;
		flw_vuln_index_lookup(idx, mx->seq[i], ids, sizeof(ids) / sizeof(ids[0]), &c);
		for (k = 0; k < c; k++) {
			struct flw_match_result r;

			if (flw_vuln_index_eval(idx, ids[k], mx->seq[i], NULL, &r) != 0)
				return -1;
			b += r.verdict != FLW_MATCH_NO;
		}
		if (a != b)
			return -1;
		flw_vuln__index_count(idx, mx->seq[i], &c, &e);
		out->candidates += (double)c / MIX_LEN;
		out->evaluated += (double)e / MIX_LEN;
		out->findings += (double)a / MIX_LEN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "../shared/vulndata/nvd_api2_sample.json";
	unsigned long target = argc > 2 ? strtoul(argv[2], NULL, 10) : 300000;
	unsigned long lookups = argc > 3 ? strtoul(argv[3], NULL, 10) : 2000000;
	unsigned long keep = argc > 4 ? strtoul(argv[4], NULL, 10) : 1000;
	unsigned long share = argc > 5 ? strtoul(argv[5], NULL, 10) : 10;
	static const struct flw_component base[] = {
		{ .product = "openssl", .version = "1.1.1s" },
		{ .product = "busybox", .version = "1.33.1" },
		{ .product = "dnsmasq", .version = "2.89" },
		{ .product = "lighttpd", .version = "1.4.50" },
		{ .product = "dropbear", .version = "2016.73" },
		{ .product = "uclibc-ng", .version = "1.0.41" },
		{ .cpe = "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3:*:*:*:*:*:*:*" },
		{ .product = "curl", .version = "8.0.1" },
	};
	const size_t n_base = sizeof(base) / sizeof(base[0]);
	const size_t n_crowd = sizeof(crowded) / sizeof(crowded[0]);
	struct flw_match_item *items[sizeof(base) / sizeof(base[0])];
	struct flw_match_item *citems[N_CROWDQ];
	struct flw_match_item *useq[MIX_LEN];
	struct flw_match_item *cseq[MIX_LEN];
	struct flw_match_item *mseq[MIX_LEN];
	struct flw_match_item *pseq[MIX_LEN];
	struct mix mixes[3] = { { "uniform", useq }, { "crowded", cseq }, { "mixed", mseq } };
	const struct flw_component *mcomp[MIX_LEN];
	struct flw_component ccomp[N_CROWDQ];
	char cver[N_CROWDQ][32];
	struct measure avg[3];
	double fast[3];
	double plain[3];
	double best;
	int rep;
	struct flw_vuln_config **cfgs;
	struct flw_vuln_index *idx = NULL;
	json_t *root;
	json_t *recs[16];
	char mains[16][300];
	size_t nrec = 0;
	json_t *v;
	size_t i;
	unsigned long n;
	unsigned long n_crowded = 0;
	unsigned long hits = 0;
	double t0, t1;

	root = json_load_file(path, 0, NULL);
	if (!root) {
		fprintf(stderr, "bench_match: cannot load %s\n", path);
		return 1;
	}
	json_array_foreach(json_object_get(root, "vulnerabilities"), i, v)
	{
		json_t *c = json_object_get(json_object_get(v, "cve"), "configurations");

		if (c && nrec < 16) {
			main_product(c, mains[nrec], sizeof(mains[0]));
			recs[nrec++] = c;
		}
	}
	for (i = 0; i < n_crowd; i++)
		n_crowded += crowded[i].records;
	if (nrec == 0 || target < n_crowded + nrec)
		return 1;
	cfgs = calloc(target, sizeof(*cfgs));
	if (!cfgs || flw_vuln_index_new(&idx, NULL) != 0)
		return 1;
	t0 = now();
	for (n = 0; n < target; n++) {
		const struct crowded *c = NULL;
		unsigned long copy = n / nrec;
		unsigned long left = n;
		json_t *cj;
		char id[32];

		for (i = 0; i < n_crowd && !c; i++) {
			if (left < crowded[i].records)
				c = &crowded[i];
			else
				left -= crowded[i].records;
		}
		if (c)
			cj = copy_config(recs[n % nrec], mains[n % nrec], c, copy + 1);
		else if (keep && copy % keep == 0)
			cj = json_incref(recs[n % nrec]);
		else
			cj = copy_config(recs[n % nrec], NULL, NULL, copy);
		if (flw_vuln_config_parse(&cfgs[n], cj, NULL) != 0)
			return 1;
		json_decref(cj);
		snprintf(id, sizeof(id), "CVE-9%03lu-%06lu", n % 1000, n);
		if (flw_vuln_index_add(idx, id, cfgs[n], NULL, NULL, NULL) != 0)
			return 1;
	}
	t1 = now();
	printf("index: %lu records built in %.2f s (%.0f records/s, parse + index): %lu on "
	       "crowded products (",
	       target, t1 - t0, (double)target / (t1 - t0), n_crowded);
	for (i = 0; i < n_crowd; i++)
		printf("%s%s:%s %lu", i ? ", " : "", crowded[i].vendor, crowded[i].product,
		       crowded[i].records);
	printf("; versions <branch>.<0..%d> on %d branches), every %lu-th other copy with "
	       "real names\n",
	       N_PATCH - 1, N_BRANCH, keep);

	for (i = 0; i < n_base; i++)
		if (flw_match_item_new(&items[i], &base[i], NULL, NULL) != 0)
			return 1;
	for (i = 0; i < N_CROWDQ; i++) {
		const struct crowded *c = &crowded[i % n_crowd];

		snprintf(cver[i], sizeof(cver[i]), "%s.%u", branches[rnd(N_BRANCH)], rnd(N_PATCH));
		ccomp[i] = (struct flw_component){ .vendor = c->vendor,
			                           .product = c->product,
			                           .version = cver[i] };
		if (flw_match_item_new(&citems[i], &ccomp[i], NULL, NULL) != 0)
			return 1;
	}
	for (i = 0; i < MIX_LEN; i++) {
		unsigned k = rnd(100) < share ? rnd(N_CROWDQ) : N_CROWDQ + rnd((unsigned)n_base);

		useq[i] = items[i % n_base];
		cseq[i] = citems[i % N_CROWDQ];
		mseq[i] = k < N_CROWDQ ? citems[k] : items[k - N_CROWDQ];
		mcomp[i] = k < N_CROWDQ ? &ccomp[k] : &base[k - N_CROWDQ];
	}

	/* the same queries both ways: the filters must not change a single finding */
	for (i = 0; i < 3; i++) {
		unsigned long nf = i == 1 ? lookups / 20 : lookups;
		unsigned long np = i == 0 ? lookups / 10 : i == 1 ? lookups / 1000 : lookups / 100;

		if (check_mix(idx, &mixes[i], &avg[i]) != 0) {
			fprintf(stderr,
			        "bench_match: %s: findings differ from the plain evaluation\n",
			        mixes[i].name);
			return 1;
		}
		fast[i] = run_mix(idx, &mixes[i], nf, 0);
		plain[i] = run_mix(idx, &mixes[i], np < MIX_LEN ? MIX_LEN : np, 1);
		if (fast[i] < 0 || plain[i] < 0)
			return 1;
	}
	for (i = 0; i < 3; i++)
		printf("%-7s %7.0f component-versions/s, %9.0f findings/s (every candidate "
		       "evaluated: %6.0f/s; x%.1f); per query: %4.0f candidates, %4.0f evaluated, "
		       "%5.1f findings\n",
		       mixes[i].name, fast[i], fast[i] * avg[i].findings, plain[i],
		       fast[i] / plain[i], avg[i].candidates, avg[i].evaluated, avg[i].findings);
	for (i = 0; i < n_crowd; i++) { /* each crowded product alone */
		struct mix one = { crowded[i].product, pseq };
		char name[64];
		struct measure a;
		double f;
		double p;
		size_t k;

		snprintf(name, sizeof(name), "%s:%s", crowded[i].vendor, crowded[i].product);
		for (k = 0; k < MIX_LEN; k++)
			pseq[k] = citems[(k * n_crowd + i) % N_CROWDQ];
		if (check_mix(idx, &one, &a) != 0)
			return 1;
		f = run_mix(idx, &one, lookups / 40, 0);
		p = run_mix(idx, &one, MIX_LEN, 1);
		printf("  %-24s %7.0f component-versions/s (every candidate evaluated: %6.0f/s; "
		       "x%.1f); per query: %4.0f candidates, %4.0f evaluated, %5.1f findings\n",
		       name, f, p, f / p, a.candidates, a.evaluated, a.findings);
	}
	/* bench/run.sh reads the 8th field: keep "match: N component-versions in T s = RATE" */
	printf("match: %lu component-versions in %.3f s = %.0f component-versions/s on one core "
	       "(mixed, %lu%% on crowded products; best of %d; goal >= 100000/s: ratio %.2f; every "
	       "candidate evaluated: %.0f/s)\n",
	       lookups / REPEAT, (double)(lookups / REPEAT) / fast[2], fast[2], share, REPEAT,
	       fast[2] / 100000.0, plain[2]);
	best = 0;
	for (rep = 0; rep < REPEAT; rep++) {
		t0 = now();
		for (n = 0; n < lookups / 10 / REPEAT; n++) {
			struct flw_match_item *it = NULL;

			if (flw_match_item_new(&it, mcomp[n % MIX_LEN], NULL, NULL) != 0 ||
			    flw_vuln_index_match(idx, it, NULL, count_fn, &hits) != 0)
				return 1;
			flw_match_item_free(it);
		}
		t1 = (double)(lookups / 10 / REPEAT) / (now() - t0);
		best = t1 > best ? t1 : best;
	}
	printf("prepare+match: %.0f component-versions/s (mixed; item prepared each time)\n", best);
	for (i = 0; i < n_base; i++)
		flw_match_item_free(items[i]);
	for (i = 0; i < N_CROWDQ; i++)
		flw_match_item_free(citems[i]);
	flw_vuln_index_free(idx);
	for (n = 0; n < target; n++)
		flw_vuln_config_free(cfgs[n]);
	free(cfgs);
	json_decref(root);
	return 0;
}
