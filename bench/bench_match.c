/* bench/bench_match.c - matching throughput against an NVD-sized index
 *
 * Builds ~300k records by replicating the 11 real NVD records of ../shared/vulndata with their
 * vendor:product names varied (product "busybox" -> "busybox_17", ...; the originals are kept),
 * except that every KEEP-th copy keeps the real names, so the real products get realistic
 * posting lists (KEEP 100: ~545 records under openssl:openssl, like NVD). Then it matches
 * component-versions through the index (lookup + evaluation, no allocation) and reports
 * component-versions per second on one core.
 *
 * Usage: bench_match [NVD_JSON] [RECORDS] [LOOKUPS] [KEEP]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetward/match.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rename every criteria product of a copy of conf to <product>_<n> (n > 0). */
static json_t *vary(const json_t *conf, unsigned n)
{
	json_t *c = json_deep_copy(conf);
	json_t *cfg;
	json_t *node;
	json_t *m;
	size_t i, j, k;

	json_array_foreach(c, i, cfg) json_array_foreach(json_object_get(cfg, "nodes"), j, node)
	        json_array_foreach(json_object_get(node, "cpeMatch"), k, m)
	{
		const char *s = json_string_value(json_object_get(m, "criteria"));
		char buf[600];
		const char *p = s;
		int colons = 0;

		while (*p && colons < 5)
			colons += *p++ == ':';
		/* p is just past "cpe:2.3:x:vendor:product:" */
		snprintf(buf, sizeof(buf), "%.*s_%u:%s", (int)(p - s - 1), s, n, p);
		json_object_set_new(m, "criteria", json_string(buf));
	}
	return c;
}

static int count_fn(const char *cve, const struct flw_match_result *r, void *payload)
{
	(void)cve;
	(void)r;
	(*(unsigned long *)payload)++;
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "../shared/vulndata/nvd_api2_sample.json";
	unsigned long target = argc > 2 ? strtoul(argv[2], NULL, 10) : 300000;
	unsigned long lookups = argc > 3 ? strtoul(argv[3], NULL, 10) : 2000000;
	unsigned long keep = argc > 4 ? strtoul(argv[4], NULL, 10) : 100;
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
	struct flw_match_item *items[FLW_ARRAY_SIZE(base)];
	struct flw_vuln_config **cfgs;
	struct flw_vuln_index *idx = NULL;
	json_t *root;
	json_t *recs[16];
	size_t nrec = 0;
	json_t *v;
	size_t i;
	unsigned long n;
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

		if (c && nrec < 16)
			recs[nrec++] = c;
	}
	cfgs = calloc(target, sizeof(*cfgs));
	if (!cfgs || flw_vuln_index_new(&idx, NULL) != 0)
		return 1;
	t0 = now();
	for (n = 0; n < target; n++) {
		unsigned long copy = n / nrec;
		json_t *c = (keep && copy % keep == 0) ? json_incref(recs[n % nrec])
		                                       : vary(recs[n % nrec], (unsigned)copy);
		char id[32];

		if (flw_vuln_config_parse(&cfgs[n], c, NULL) != 0)
			return 1;
		json_decref(c);
		snprintf(id, sizeof(id), "CVE-9%03lu-%06lu", n % 1000, n);
		if (flw_vuln_index_add(idx, id, cfgs[n], NULL, NULL, NULL) != 0)
			return 1;
	}
	t1 = now();
	printf("index: %lu records (every %lu-th copy with real names) built in %.2f s (%.0f "
	       "records/s, parse + index)\n",
	       target, keep, t1 - t0, (double)target / (t1 - t0));
	for (i = 0; i < FLW_ARRAY_SIZE(base); i++)
		if (flw_match_item_new(&items[i], &base[i], NULL, NULL) != 0)
			return 1;
	t0 = now();
	for (n = 0; n < lookups; n++)
		if (flw_vuln_index_match(idx, items[n % FLW_ARRAY_SIZE(base)], NULL, count_fn,
		                         &hits))
			return 1;
	t1 = now();
	printf("match: %lu component-versions in %.3f s = %.0f component-versions/s "
	       "(%lu findings; goal >= 100000/s)\n",
	       lookups, t1 - t0, (double)lookups / (t1 - t0), hits);
	t0 = now();
	for (n = 0; n < lookups / 10; n++) {
		struct flw_match_item *it = NULL;

		if (flw_match_item_new(&it, &base[n % FLW_ARRAY_SIZE(base)], NULL, NULL) != 0 ||
		    flw_vuln_index_match(idx, it, NULL, count_fn, &hits) != 0)
			return 1;
		flw_match_item_free(it);
	}
	t1 = now();
	printf("prepare+match: %.0f component-versions/s (item prepared each time)\n",
	       (double)(lookups / 10) / (t1 - t0));
	for (i = 0; i < FLW_ARRAY_SIZE(base); i++)
		flw_match_item_free(items[i]);
	flw_vuln_index_free(idx);
	for (n = 0; n < target; n++)
		flw_vuln_config_free(cfgs[n]);
	free(cfgs);
	json_decref(root);
	return 0;
}
