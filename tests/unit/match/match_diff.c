/* tests/unit/match/match_diff.c - differential test of the index's version filters
 *
 * flw_vuln_index_match evaluates, for crowded keys, only the records whose version entries can
 * contain the item's version. Its answers must be exactly those of the plain evaluation of
 * every candidate (flw_vuln_index_lookup + flw_vuln_index_eval): same records, same order,
 * same results. Compared over generated queries against
 *   - the real records of ../shared/vulndata (NVD sample and the 1,975 CVE 5 records), each
 *     added REAL_COPIES times so that their products cross the filter threshold, and
 *   - generated records crowding a few products with every entry shape the matcher knows
 *     (bounds in all combinations, exact and NA versions, wildcards, unparseable bounds,
 *     update/sw_edition qualifiers, non-plain names, AND platforms, negated nodes, CVE 5
 *     defaultStatus/changes/lessThan/lessThanOrEqual/"*"/"2.*"/custom/string versions, ADP
 *     cpes, description evidence).
 */
#include "flw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/feed.h"
#include "fleetward/match.h"
#include "match_diff.h"
#include "vuln/vuln_private.h"

#define REAL_COPIES 4
#define GEN_RECORDS 2400

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)((r->s >> 11) % n);
}

/* Versions from a small space so that bounds and queries often meet exactly. */
static void gen_version(struct rng *r, int openssl, char *out, size_t n)
{
	static const char *const letters[] = { "a", "t", "z", "za", "zg" };
	unsigned a = rnd(r, 3);
	unsigned b = rnd(r, 4);
	unsigned c = rnd(r, 10);

	switch (rnd(r, 12)) {
	case 0:
		snprintf(out, n, "%u.%u", a, b);
		break;
	case 1:
		snprintf(out, n, "%u.%u.%u%s", a, b, c, letters[rnd(r, 5)]);
		break;
	case 2:
		snprintf(out, n, "%u.%u.%u%s", a, b, c, openssl ? "" : "rc1");
		break;
	case 3:
		snprintf(out, n, "%u.%u.%u-rc%u", a, b, c, rnd(r, 3));
		break;
	case 4:
		snprintf(out, n, "%u.%u.%u.%u", a, b, c, rnd(r, 3));
		break;
	default:
		snprintf(out, n, "%u.%u.%u", a, b, c);
		break;
	}
}

struct prod {
	const char *vendor;
	const char *product;
	int openssl;
};

static const struct prod crowded[] = {
	{ "acme", "router_os", 0 }, { "openssl", "openssl", 1 }, { "busybox", "busybox", 0 },
	{ "dlink", "dir-615", 0 },  { "d-link", "dir-615", 0 },
};

static const struct prod others[] = {
	{ "thekelleys", "dnsmasq", 0 },
	{ "lighttpd", "lighttpd", 0 },
	{ "acme", "cam_firmware", 0 },
};

/* ---- generated NVD configurations ---- */

static json_t *gen_cm(struct rng *r, const struct prod *p, int vulnerable)
{
	char crit[320];
	char v1[32];
	char v2[32];
	const char *ver = "*";
	const char *upd = "*";
	const char *swe = "*";
	const char *vendor = p->vendor;
	char part = 'a';
	json_t *m = json_object();
	int shape = (int)rnd(r, 128);

	/* mostly ranges and exact versions; each other shape about 1 entry in 90 */
	shape = shape < 96 ? shape % 4 : shape < 112 ? 4 : 5 + (shape - 112) % 11;

	gen_version(r, p->openssl, v1, sizeof(v1));
	gen_version(r, p->openssl, v2, sizeof(v2));
	switch (shape) {
	case 0:
	case 1:
	case 2:
	case 3: { /* range: mostly narrow (fixed soon after), every combination of bounds */
		unsigned b = rnd(r, 40);
		unsigned a = rnd(r, 3);
		unsigned mi = rnd(r, 4);
		unsigned c = rnd(r, 10);

		if (rnd(r, 3) != 0) {
			snprintf(v1, sizeof(v1), "%u.%u.%u", a, mi, c);
			snprintf(v2, sizeof(v2), "%u.%u.%u%s", a, mi, c + 1 + rnd(r, 3),
			         p->openssl && rnd(r, 2) ? "g" : "");
		}
		/* b < 28 both, then start only, end only, reversed (empty), none */
		if (b < 32 || (b >= 36 && b < 39))
			json_object_set_new(
			        m, rnd(r, 2) ? "versionStartIncluding" : "versionStartExcluding",
			        json_string(b >= 36 ? v2 : v1));
		if (b < 28 || (b >= 32 && b < 39))
			json_object_set_new(
			        m, rnd(r, 2) ? "versionEndIncluding" : "versionEndExcluding",
			        json_string(b >= 36 ? v1 : v2));
		break;
	}
	case 4:
	case 5:
		ver = v1;
		break;
	case 6:
		ver = "-";
		break;
	case 7: /* wildcard version */
		snprintf(v1, sizeof(v1), "%u.%u*", rnd(r, 3), rnd(r, 4));
		ver = v1;
		break;
	case 8: /* bound that is not a version */
		json_object_set_new(m, "versionEndExcluding", json_string("n/a"));
		break;
	case 9: /* release candidate in the update attribute */
		ver = v1;
		upd = "rc1";
		break;
	case 10: /* exact version that is not a version: string equality (a dpkg version
	          * string can equal a Debian item's version while its upstream part parses) */
		snprintf(v1, sizeof(v1), "1\\:%u.%u.%u-3", rnd(r, 2), rnd(r, 2), rnd(r, 3));
		ver = rnd(r, 2) ? "latest" : v1;
		break;
	case 11: /* bounds on a concrete version: unevaluable */
		ver = v1;
		json_object_set_new(m, "versionEndExcluding", json_string(v2));
		break;
	case 12:
		part = 'o';
		json_object_set_new(m, "versionEndExcluding", json_string(v2));
		break;
	case 13:
		swe = rnd(r, 2) ? "lts" : "-";
		json_object_set_new(m, "versionStartIncluding", json_string(v1));
		break;
	case 14: /* vendor wildcard: not indexable, the record is always a candidate */
		vendor = "*";
		json_object_set_new(m, "versionEndIncluding", json_string(v2));
		break;
	default: /* no bounds: every version */
		break;
	}
	snprintf(crit, sizeof(crit), "cpe:2.3:%c:%s:%s:%s:%s:*:*:%s:*:*:*", part, vendor,
	         p->product, ver, upd, swe);
	json_object_set_new(m, "vulnerable", json_boolean(vulnerable));
	json_object_set_new(m, "criteria", json_string(crit));
	json_object_set_new(m, "matchCriteriaId",
	                    json_string("00000000-0000-4000-8000-000000000000"));
	return m;
}

static json_t *node(json_t *cms, int and_op, int negate)
{
	json_t *n = json_object();

	json_object_set_new(n, "operator", json_string(and_op ? "AND" : "OR"));
	json_object_set_new(n, "negate", json_boolean(negate));
	json_object_set_new(n, "cpeMatch", cms);
	return n;
}

static json_t *gen_config(struct rng *r, const struct prod *p)
{
	json_t *confs = json_array();
	unsigned n = 1 + rnd(r, 2);
	unsigned i;
	unsigned k;

	for (i = 0; i < n; i++) {
		json_t *conf = json_object();
		json_t *nodes = json_array();
		json_t *cms = json_array();
		unsigned kind = rnd(r, 6);

		for (k = 0; k < 1 + rnd(r, 2); k++)
			json_array_append_new(cms,
			                      gen_cm(r, kind == 5 ? &others[rnd(r, 3)] : p, 1));
		json_array_append_new(nodes, node(cms, rnd(r, 8) == 0, rnd(r, 12) == 0));
		if (kind == 3 || kind == 4) { /* firmware on hardware */
			char crit[160];
			json_t *hw = json_array();
			json_t *m = json_object();

			snprintf(crit, sizeof(crit), "cpe:2.3:h:acme:model_%u:-:*:*:*:*:*:*:*",
			         rnd(r, 4));
			json_object_set_new(m, "vulnerable", json_false());
			json_object_set_new(m, "criteria", json_string(crit));
			json_array_append_new(hw, m);
			json_array_append_new(nodes, node(hw, 0, 0));
			json_object_set_new(conf, "operator",
			                    json_string(kind == 3 ? "AND" : "OR"));
		}
		json_object_set_new(conf, "nodes", nodes);
		json_array_append_new(confs, conf);
	}
	return confs;
}

/* ---- generated CVE 5 affected ---- */

static const char *status(struct rng *r)
{
	static const char *const s[] = { "affected", "unaffected", "unknown", "affected" };

	return s[rnd(r, 4)];
}

static json_t *gen_aver(struct rng *r, const struct prod *p)
{
	static const char *const types[] = { "semver", "semver", "semver", "semver",
		                             "semver", NULL,     "custom", "git" };
	static const char *const lows[] = { "0", "*", "unspecified" };
	json_t *o = json_object();
	char v1[32];
	char v2[32];
	const char *type = types[rnd(r, 8)];

	gen_version(r, p->openssl, v1, sizeof(v1));
	gen_version(r, p->openssl, v2, sizeof(v2));
	json_object_set_new(o, "status", json_string(status(r)));
	if (rnd(r, 3) == 0) { /* one version; sometimes not a version at all */
		json_object_set_new(o, "version", json_string(rnd(r, 10) ? v1 : "n/a"));
		return o;
	}
	json_object_set_new(o, "version", json_string(rnd(r, 3) ? v1 : lows[rnd(r, 3)]));
	if (type)
		json_object_set_new(o, "versionType", json_string(type));
	if (rnd(r, 6) == 0)
		snprintf(v2, sizeof(v2), "%s", rnd(r, 2) ? "*" : "1.*");
	json_object_set_new(o, rnd(r, 2) ? "lessThan" : "lessThanOrEqual", json_string(v2));
	if (rnd(r, 5) == 0) {
		json_t *ch = json_array();
		json_t *c = json_object();

		gen_version(r, p->openssl, v2, sizeof(v2));
		json_object_set_new(c, "at", json_string(v2));
		json_object_set_new(c, "status", json_string(status(r)));
		json_array_append_new(ch, c);
		json_object_set_new(o, "changes", ch);
	}
	return o;
}

static json_t *gen_affected(struct rng *r, const struct prod *p)
{
	static const char *const defaults[] = { NULL,         "unaffected", "unaffected",
		                                "unaffected", "unaffected", "unaffected",
		                                "affected",   "unknown" };
	json_t *arr = json_array();
	unsigned n = 1 + rnd(r, 2);
	unsigned i;
	unsigned k;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		json_t *vers = json_array();
		const char *ds = defaults[rnd(r, 8)];

		if (rnd(r, 4) == 0) { /* ADP style: names only in cpes */
			char cpe[160];
			json_t *cpes = json_array();

			snprintf(cpe, sizeof(cpe), "cpe:2.3:a:%s:%s:*:*:*:*:*:*:*:*", p->vendor,
			         p->product);
			json_array_append_new(cpes, json_string(cpe));
			json_object_set_new(o, "vendor", json_string("n/a"));
			json_object_set_new(o, "product", json_string("n/a"));
			json_object_set_new(o, "cpes", cpes);
		} else {
			json_object_set_new(o, "vendor", json_string(p->vendor));
			json_object_set_new(o, "product", json_string(p->product));
		}
		if (ds)
			json_object_set_new(o, "defaultStatus", json_string(ds));
		for (k = rnd(r, 4); k > 0; k--)
			json_array_append_new(vers, gen_aver(r, p));
		json_object_set_new(o, "versions", vers);
		json_array_append_new(arr, o);
	}
	return arr;
}

/* ---- the index ---- */

struct world {
	struct flw_vuln_db *db;
	struct flw_vuln_index *idx;
	struct flw_vuln_config **cfgs;
	struct flw_vuln_affected **affs;
	size_t n_gen;
	/* real CVE 5 vendor:product names, for queries */
	char (*names)[2][96];
	size_t n_names;
	int collect; /* remember names while adding */
};

static int add_entry(const struct flw_vuln_entry *e, void *payload)
{
	struct world *w = payload;
	const struct flw_vuln_record *rec = flw_vuln_entry_record(e);
	const struct flw_vuln_config *config = e->nvd ? e->nvd->config : NULL;
	const struct flw_vuln_affected *aff = e->cve5 ? e->cve5->affected : NULL;
	size_t i;

	if (!aff && e->nvd)
		aff = e->nvd->affected;
	if (!rec)
		return 0;
	for (i = 0; w->collect && aff && i < aff->n_prods && w->n_names < 4096; i++) {
		const struct flw_vuln_aprod *pr = &aff->prods[i];

		if (!pr->key || strlen(aff->pool + pr->vendor_off) >= 96 ||
		    strlen(aff->pool + pr->product_off) >= 96)
			continue;
		snprintf(w->names[w->n_names][0], 96, "%s", aff->pool + pr->vendor_off);
		snprintf(w->names[w->n_names][1], 96, "%s", aff->pool + pr->product_off);
		w->n_names++;
	}
	return flw_vuln_index_add(w->idx, e->id, config, aff, rec->description, NULL);
}

static char *data_path(const char *name)
{
	const char *src = getenv("FLW_SRC_DIR");
	char buf[4096];
	char *p;

	snprintf(buf, sizeof(buf), "%s/../shared/vulndata/%s", src ? src : ".", name);
	p = flw_malloc(strlen(buf) + 1);
	assert_non_null(p);
	memcpy(p, buf, strlen(buf) + 1);
	return p;
}

static void world_build(struct world *w, struct rng *r)
{
	char *nvd = data_path("nvd_api2_sample.json");
	char *cve5 = data_path("cve5_iot_sample.jsonl");
	size_t i;

	memset(w, 0, sizeof(*w));
	w->names = flw_calloc(4096, sizeof(*w->names));
	w->cfgs = flw_calloc(GEN_RECORDS, sizeof(*w->cfgs));
	w->affs = flw_calloc(GEN_RECORDS, sizeof(*w->affs));
	assert_non_null(w->names);
	assert_non_null(w->cfgs);
	assert_non_null(w->affs);
	assert_int_equal(flw_vuln_db_new(&w->db), 0);
	assert_int_equal(flw_feed_import_nvd(w->db, nvd, NULL, NULL, NULL), 0);
	assert_int_equal(flw_feed_import_cve5_jsonl(w->db, cve5, NULL, NULL, NULL), 0);
	flw_free(nvd);
	flw_free(cve5);
	assert_int_equal(flw_vuln_index_new(&w->idx, NULL), 0);
	for (i = 0; i < REAL_COPIES; i++) {
		w->collect = i == 0;
		assert_int_equal(flw_vuln_db_foreach(w->db, add_entry, w), 0);
	}
	for (i = 0; i < GEN_RECORDS; i++) {
		const struct prod *p = &crowded[rnd(r, FLW_ARRAY_SIZE(crowded))];
		char id[32];
		json_t *j;
		int nvd_rec = rnd(r, 10) < 7;
		const char *desc = rnd(r, 16) == 0 ? "A flaw in BusyBox's wget applet." : NULL;

		snprintf(id, sizeof(id), "CVE-2099-%05zu", i);
		j = nvd_rec ? gen_config(r, p) : gen_affected(r, p);
		if (nvd_rec)
			assert_int_equal(flw_vuln_config_parse(&w->cfgs[i], j, NULL), 0);
		else
			assert_int_equal(flw_vuln_affected_parse(&w->affs[i], j, NULL), 0);
		json_decref(j);
		assert_int_equal(flw_vuln_index_add(w->idx, id, w->cfgs[i], w->affs[i], desc, NULL),
		                 0);
	}
	w->n_gen = GEN_RECORDS;
}

static void world_free(struct world *w)
{
	size_t i;

	flw_vuln_index_free(w->idx);
	for (i = 0; i < w->n_gen; i++) {
		flw_vuln_config_free(w->cfgs[i]);
		flw_vuln_affected_free(w->affs[i]);
	}
	flw_free(w->cfgs);
	flw_free(w->affs);
	flw_free(w->names);
	flw_vuln_db_free(w->db);
}

/* ---- one query both ways ---- */

struct got {
	const char *cve[8192];
	struct flw_match_result res[8192];
	size_t n;
};

static int collect_fn(const char *cve_id, const struct flw_match_result *r, void *payload)
{
	struct got *g = payload;

	assert_true(g->n < FLW_ARRAY_SIZE(g->cve));
	g->cve[g->n] = cve_id;
	g->res[g->n++] = *r;
	return 0;
}

static void same_result(const struct flw_match_result *a, const struct flw_match_result *b,
                        const char *cve, const char *what)
{
	if (a->verdict != b->verdict || a->confidence != b->confidence || a->source != b->source ||
	    a->flags != b->flags || a->config != b->config || a->node != b->node ||
	    a->entry != b->entry || a->scheme != b->scheme || a->criteria != b->criteria ||
	    a->criteria_id != b->criteria_id || a->start != b->start ||
	    a->start_incl != b->start_incl || a->end != b->end || a->end_incl != b->end_incl ||
	    a->reason != b->reason)
		fail_msg("%s %s: the filtered match differs from the plain evaluation (%s/%s vs "
		         "%s/%s)",
		         what, cve, flw_match_verdict_to_string(a->verdict), a->reason,
		         flw_match_verdict_to_string(b->verdict), b->reason);
}

struct totals {
	size_t queries;
	size_t candidates;
	size_t evaluated;
	size_t findings;
	size_t v_candidates; /* the same for items with a version that parsed */
	size_t v_evaluated;
};

static void compare(const struct world *w, const struct flw_component *comp,
                    const struct flw_platform *plat, struct totals *t, struct got *fast,
                    struct got *plain)
{
	static uint32_t ids[65536];
	struct flw_match_item *it = NULL;
	char what[256];
	size_t n = 0;
	size_t cand = 0;
	size_t eval = 0;
	size_t i;

	snprintf(what, sizeof(what), "%s%s%s %s%s", comp->vendor ? comp->vendor : "",
	         comp->vendor ? ":" : "", comp->product ? comp->product : comp->cpe,
	         comp->version ? comp->version : "(no version)", plat ? " on hardware" : "");
	if (flw_match_item_new(&it, comp, NULL, NULL) != 0)
		return; /* e.g. a name too long: nothing to compare */
	fast->n = plain->n = 0;
	assert_int_equal(flw_vuln_index_match(w->idx, it, plat, collect_fn, fast), 0);
	flw_vuln_index_lookup(w->idx, it, ids, FLW_ARRAY_SIZE(ids), &n);
	assert_true(n <= FLW_ARRAY_SIZE(ids));
	for (i = 0; i < n; i++) {
		struct flw_match_result res;

		assert_int_equal(flw_vuln_index_eval(w->idx, ids[i], it, plat, &res), 0);
		if (res.verdict != FLW_MATCH_NO)
			assert_int_equal(
			        collect_fn(flw_vuln_index_cve(w->idx, ids[i]), &res, plain), 0);
	}
	if (fast->n != plain->n)
		fail_msg("%s: %zu findings filtered, %zu plain", what, fast->n, plain->n);
	for (i = 0; i < fast->n; i++) {
		if (fast->cve[i] != plain->cve[i])
			fail_msg("%s: finding %zu is %s filtered, %s plain", what, i, fast->cve[i],
			         plain->cve[i]);
		same_result(&fast->res[i], &plain->res[i], fast->cve[i], what);
	}
	flw_vuln__index_count(w->idx, it, &cand, &eval);
	assert_int_equal(cand, n);
	assert_true(eval <= cand);
	assert_true(eval >= fast->n);
	t->queries++;
	t->candidates += cand;
	t->evaluated += eval;
	t->findings += fast->n;
	if (it->version_len && !it->version_na && it->ver_ok[FLW_VSCHEME_GENERIC]) {
		t->v_candidates += cand;
		t->v_evaluated += eval;
	}
	flw_match_item_free(it);
}

/* A version for a query: mostly versions of the generated space, sometimes none, not a
 * version, a Debian version, or a version with a distro suffix. */
static const char *query_version(struct rng *r, int openssl, char *buf, size_t n, unsigned *flags)
{
	*flags = 0;
	switch (rnd(r, 14)) {
	case 0:
		return NULL;
	case 1:
		return "n/a";
	case 2: {
		char up[32];

		gen_version(r, openssl, up, sizeof(up));
		if (rnd(r, 2))
			snprintf(up, sizeof(up), "%u.%u.%u", rnd(r, 2), rnd(r, 2), rnd(r, 3));
		snprintf(buf, n, "1:%s-3", up);
		*flags = FLW_COMPONENT_DEB_VERSION;
		return buf;
	}
	case 3:
		return "latest";
	default:
		gen_version(r, openssl, buf, n);
		return buf;
	}
}

void test_index_filter_differential(void **state)
{
	static struct got fast;
	static struct got plain;
	struct rng r = { 0x9e3779b97f4a7c15ull };
	struct totals crowd = { 0 };
	struct totals real = { 0 };
	struct world w;
	struct flw_cpe hw;
	const struct flw_cpe *none[1] = { NULL };
	struct flw_platform plat = { &hw, none, 0 };
	char ver[64];
	char cpe[256];
	size_t i;

	(void)state;
	assert_int_equal(flw_cpe_parse(&hw, "cpe:2.3:h:acme:model_1:-:*:*:*:*:*:*:*", 38, NULL), 0);
	world_build(&w, &r);
	/* crowded products, as names, with the vendor, and as CPEs (NA and qualified too) */
	for (i = 0; i < 3000; i++) {
		const struct prod *p = &crowded[rnd(&r, FLW_ARRAY_SIZE(crowded))];
		struct flw_component c = { 0 };
		unsigned flags;

		c.version = query_version(&r, p->openssl, ver, sizeof(ver), &flags);
		c.flags = flags;
		switch (rnd(&r, 5)) {
		case 0:
			c.product = p->product;
			break;
		case 1:
			snprintf(cpe, sizeof(cpe), "cpe:2.3:%c:%s:%s:%s:%s:*:*:%s:*:*:*",
			         rnd(&r, 3) ? 'a' : 'o', p->vendor, p->product,
			         c.version && !strchr(c.version, ':') ? c.version : "-",
			         rnd(&r, 4) ? "*" : "rc1", rnd(&r, 3) ? "*" : "lts");
			c = (struct flw_component){ .cpe = cpe };
			break;
		default:
			c.vendor = p->vendor;
			c.product = p->product;
			break;
		}
		compare(&w, &c, rnd(&r, 4) == 0 ? &plat : NULL, &crowd, &fast, &plain);
	}
	/* the real products: alias-table names and the CVE 5 sample's vendor:product pairs */
	for (i = 0; i < 3000; i++) {
		static const char *const names[] = { "openssl",  "busybox",   "dnsmasq", "lighttpd",
			                             "dropbear", "uclibc-ng", "curl",    "linux",
			                             "sqlite",   "wolfssl" };
		struct flw_component c = { 0 };
		unsigned flags;

		c.version = query_version(&r, 0, ver, sizeof(ver), &flags);
		c.flags = flags;
		if (rnd(&r, 3) == 0 || w.n_names == 0) {
			c.product = names[rnd(&r, FLW_ARRAY_SIZE(names))];
		} else {
			size_t k = rnd(&r, (uint32_t)w.n_names);

			c.vendor = w.names[k][0];
			c.product = w.names[k][1];
		}
		compare(&w, &c, rnd(&r, 8) == 0 ? &plat : NULL, &real, &fast, &plain);
	}
	print_message("differential: crowded %zu queries, %zu candidates, %zu evaluated (with a "
	              "version: %zu of %zu), %zu findings; real %zu queries, %zu candidates, %zu "
	              "evaluated (with a version: %zu of %zu), %zu findings\n",
	              crowd.queries, crowd.candidates, crowd.evaluated, crowd.v_evaluated,
	              crowd.v_candidates, crowd.findings, real.queries, real.candidates,
	              real.evaluated, real.v_evaluated, real.v_candidates, real.findings);
	/* the filters really pruned (else this test would prove nothing) */
	assert_true(crowd.v_evaluated * 10 < crowd.v_candidates * 6);
	assert_true(real.v_evaluated < real.v_candidates);
	assert_true(crowd.findings > 1000);
	world_free(&w);
}

/* ---- allocation failures while filters are built: dropped filters, same answers ---- */

static int torture_op(void *payload)
{
	struct rng r = { 0x1234567ull };
	struct flw_vuln_config *cfgs[80];
	struct flw_vuln_index *idx = NULL;
	struct flw_match_item *it = NULL;
	size_t i;
	size_t k;
	int rc;

	(void)payload;
	memset(cfgs, 0, sizeof(cfgs));
	/* parsed without injected failures: only the index is tortured */
	flw_alloc_fail_at(0, 0);
	for (i = 0; i < FLW_ARRAY_SIZE(cfgs); i++) {
		json_t *j = gen_config(&r, &crowded[1]);

		assert_int_equal(flw_vuln_config_parse(&cfgs[i], j, NULL), 0);
		json_decref(j);
	}
	flw_alloc_fail_at(*(unsigned *)payload, 0);
	rc = flw_vuln_index_new(&idx, NULL);
	for (i = 0; rc == 0 && i < FLW_ARRAY_SIZE(cfgs); i++) {
		char id[32];

		snprintf(id, sizeof(id), "CVE-2099-%05zu", i);
		rc = flw_vuln_index_add(idx, id, cfgs[i], NULL, NULL, NULL);
	}
	for (k = 0; rc == 0 && k < 40; k++) {
		static struct got fast;
		static struct got plain;
		static uint32_t ids[128];
		char ver[64];
		struct flw_component c = { .vendor = "openssl", .product = "openssl" };
		size_t n = 0;

		gen_version(&r, 1, ver, sizeof(ver));
		c.version = ver;
		rc = flw_match_item_new(&it, &c, NULL, NULL);
		if (rc != 0)
			break;
		fast.n = plain.n = 0;
		assert_int_equal(flw_vuln_index_match(idx, it, NULL, collect_fn, &fast), 0);
		flw_vuln_index_lookup(idx, it, ids, FLW_ARRAY_SIZE(ids), &n);
		for (i = 0; i < n; i++) {
			struct flw_match_result res;

			assert_int_equal(flw_vuln_index_eval(idx, ids[i], it, NULL, &res), 0);
			if (res.verdict != FLW_MATCH_NO)
				collect_fn(flw_vuln_index_cve(idx, ids[i]), &res, &plain);
		}
		assert_int_equal(fast.n, plain.n);
		for (i = 0; i < fast.n; i++) {
			assert_string_equal(fast.cve[i], plain.cve[i]);
			same_result(&fast.res[i], &plain.res[i], fast.cve[i], "torture");
		}
		flw_match_item_free(it);
		it = NULL;
	}
	flw_match_item_free(it);
	flw_vuln_index_free(idx);
	for (i = 0; i < FLW_ARRAY_SIZE(cfgs); i++)
		flw_vuln_config_free(cfgs[i]);
	return rc;
}

/* flw_test_torture, but the records are parsed before the failure point is armed */
void test_index_filter_oom(void **state)
{
	unsigned n;

	(void)state;
	for (n = 1; n < 100000; n++) {
		int rc = torture_op(&n);
		int injected = flw_alloc_injected();

		flw_alloc_fail_at(0, 0);
		if (rc != 0 && rc != FLW_ENOMEM)
			fail_msg("allocation %u: rc %d", n, rc);
		if (!injected)
			break;
	}
	print_message("index filters: %u allocation failures survived\n", n - 1);
	assert_true(n > 50);
}
