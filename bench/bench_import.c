/*
 * bench_import.c - time importing the four vulnerability feeds of ../shared/vulndata
 *
 * Usage: bench_import [VULNDATA_DIR] [RUNS]
 *
 * Each run imports nvd_api2_sample.json, cve5_iot_sample.jsonl, kev/known_exploited_
 * vulnerabilities.json and epss_sample.csv into a fresh record set (parsing, matcher parsing of
 * configurations/affected when built in, joining by CVE id) and frees it. Prints per-feed
 * record counts, then "import_seconds <median>" and "records_per_s <n>" (issue 4 goal: <= 1 s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/feed.h"

typedef int (*import_fn)(struct flw_vuln_db *db, const char *path, const struct flw_feed_opts *opts,
                         struct flw_feed_stats *stats, struct flw_diag *diag);

struct feed_file {
	const char *name;
	const char *rel;
	import_fn import;
};

static const struct feed_file files[] = {
	{ "nvd", "nvd_api2_sample.json", flw_feed_import_nvd },
	{ "cve5", "cve5_iot_sample.jsonl", flw_feed_import_cve5_jsonl },
	{ "kev", "kev/known_exploited_vulnerabilities.json", flw_feed_import_kev },
	{ "epss", "epss_sample.csv", flw_feed_import_epss },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* one full import; records read into *records; 0 or an error */
static int run_once(const char *dir, int verbose, size_t *records, size_t *entries)
{
	struct flw_vuln_db *db = NULL;
	struct flw_feed_stats st;
	struct flw_diag diag;
	char path[4096];
	char msg[512];
	size_t i;
	int rc = flw_vuln_db_new(&db);

	*records = 0;
	for (i = 0; rc == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
		memset(&st, 0, sizeof(st));
		if (snprintf(path, sizeof(path), "%s/%s", dir, files[i].rel) >= (int)sizeof(path)) {
			rc = FLW_ELIMIT;
			break;
		}
		rc = files[i].import(db, path, NULL, &st, &diag);
		if (rc != 0) {
			fprintf(stderr, "%s: %s\n", path, flw_diag_format(&diag, msg, sizeof(msg)));
			break;
		}
		*records += st.records;
		if (verbose)
			printf("%-5s %6zu records, %zu added, %zu failed, %zu matcher-refused\n",
			       files[i].name, st.records, st.added, st.failed, st.refused);
	}
	*entries = flw_vuln_db_count(db);
	flw_vuln_db_free(db);
	return rc;
}

int main(int argc, char **argv)
{
	const char *src = getenv("FLW_SRC_DIR");
	char dflt[4096];
	const char *dir = argc > 1 ? argv[1] : NULL;
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	double *t;
	double t0;
	size_t records = 0;
	size_t entries = 0;
	int i;

	if (!dir) {
		if (snprintf(dflt, sizeof(dflt), "%s/../shared/vulndata", src ? src : ".") >=
		    (int)sizeof(dflt))
			return 2;
		dir = dflt;
	}
	if (runs < 1 || runs > 1000)
		runs = 5;
	t = calloc((size_t)runs, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < runs; i++) {
		t0 = now();
		if (run_once(dir, i == 0, &records, &entries) != 0) {
			free(t);
			return 1;
		}
		t[i] = now() - t0;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	printf("matcher_parsing %s\n", flw_feed_have_matcher() ? "on" : "off");
	printf("records %zu\ncve_ids %zu\n", records, entries);
	printf("import_seconds %.4f\n", t[runs / 2]);
	printf("import_seconds_min %.4f\n", t[0]);
	printf("records_per_s %.0f\n", (double)records / t[runs / 2]);
	free(t);
	return 0;
}
