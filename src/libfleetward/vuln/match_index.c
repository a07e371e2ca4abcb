/* vuln/match_index.c - in-memory index: vendor:product key -> records
 *
 * Open-addressing hash table of posting lists (record numbers, ascending because records are
 * only appended). A lookup merges the lists of the item's candidate keys (at most
 * FLW_VULN_MAX_CANDIDATES) without allocating. Records borrow their parsed config/affected.
 */
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "vuln_private.h"

#define CVE_ID_MAX 32
#define DESC_KEYS  8

struct posting {
	uint64_t key; /* 0 = empty slot */
	uint32_t *ids;
	uint32_t n;
	uint32_t cap;
};

struct rec {
	char cve[CVE_ID_MAX];
	const struct flw_vuln_config *config;
	const struct flw_vuln_affected *affected;
	uint64_t desc_keys[DESC_KEYS];
	uint8_t n_desc;
};

struct flw_vuln_index {
	const struct flw_alias_table *aliases;
	struct rec *recs;
	size_t n_recs;
	size_t cap_recs;
	struct posting *tab;
	size_t tab_cap; /* power of two */
	size_t tab_used;
};

int flw_vuln_index_new(struct flw_vuln_index **out, const struct flw_alias_table *aliases)
{
	struct flw_vuln_index *idx = flw_calloc(1, sizeof(*idx));

	if (!idx)
		return FLW_ENOMEM;
	idx->aliases = aliases ? aliases : flw_alias_table_default();
	idx->tab_cap = 1024;
	idx->tab = flw_calloc(idx->tab_cap, sizeof(*idx->tab));
	if (!idx->tab) {
		flw_free(idx);
		return FLW_ENOMEM;
	}
	*out = idx;
	return 0;
}

void flw_vuln_index_free(struct flw_vuln_index *idx)
{
	size_t i;

	if (!idx)
		return;
	for (i = 0; i < idx->tab_cap; i++)
		flw_free(idx->tab[i].ids);
	flw_free(idx->tab);
	flw_free(idx->recs);
	flw_free(idx);
}

size_t flw_vuln_index_size(const struct flw_vuln_index *idx)
{
	return idx->n_recs;
}

static struct posting *slot(struct posting *tab, size_t cap, uint64_t key)
{
	size_t i = (size_t)(key ^ (key >> 29)) & (cap - 1);

	while (tab[i].key != 0 && tab[i].key != key)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static const struct posting *find(const struct flw_vuln_index *idx, uint64_t key)
{
	const struct posting *p = slot(idx->tab, idx->tab_cap, key);

	return p->key == key ? p : NULL;
}

static int grow(struct flw_vuln_index *idx)
{
	size_t ncap = idx->tab_cap * 2;
	struct posting *n = flw_calloc(ncap, sizeof(*n));
	size_t i;

	if (!n)
		return FLW_ENOMEM;
	for (i = 0; i < idx->tab_cap; i++)
		if (idx->tab[i].key)
			*slot(n, ncap, idx->tab[i].key) = idx->tab[i];
	flw_free(idx->tab);
	idx->tab = n;
	idx->tab_cap = ncap;
	return 0;
}

static int post(struct flw_vuln_index *idx, uint64_t key, uint32_t id)
{
	struct posting *p;

	if (key == 0)
		return 0;
	if ((idx->tab_used + 1) * 2 > idx->tab_cap && grow(idx) != 0)
		return FLW_ENOMEM;
	p = slot(idx->tab, idx->tab_cap, key);
	if (p->key == 0) {
		p->key = key;
		idx->tab_used++;
	}
	if (p->n > 0 && p->ids[p->n - 1] == id)
		return 0; /* this record is already listed */
	if (p->n == p->cap) {
		uint32_t ncap = p->cap ? p->cap * 2 : 2;
		uint32_t *ids = flw_reallocarray(p->ids, ncap, sizeof(*ids));

		if (!ids)
			return FLW_ENOMEM;
		p->ids = ids;
		p->cap = ncap;
	}
	p->ids[p->n++] = id;
	return 0;
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Whole-word, case-insensitive occurrence of name in text[0..n). */
static int mentions(const char *text, size_t n, const char *name)
{
	size_t ln = strlen(name);
	size_t i;
	size_t j;

	for (i = 0; i + ln <= n; i++) {
		if (i > 0 && is_word(text[i - 1]))
			continue;
		for (j = 0; j < ln; j++) {
			char c = text[i + j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != name[j])
				break;
		}
		if (j == ln && (i + ln == n || !is_word(text[i + ln])))
			return 1;
	}
	return 0;
}

static int desc_keys(struct flw_vuln_index *idx, struct rec *r, uint32_t id, const char *desc)
{
	const struct flw_alias_row *row;
	size_t n = strnlen(desc, FLW_VULN_MAX_DESC);
	size_t i;
	size_t j;
	int rc = 0;

	for (i = 0; rc == 0 && (row = flw_alias__row(idx->aliases, i)) != NULL; i++) {
		if (row->kind != FLW_ALIAS_PRODUCT || !mentions(desc, n, row->key))
			continue;
		for (j = 0; rc == 0 && j < row->n_vals; j++) {
			const char *colon = strchr(row->vals[j], ':');
			uint64_t k = flw_vuln__key(row->vals[j], (size_t)(colon - row->vals[j]),
			                           colon + 1, strlen(colon + 1));

			if (r->n_desc < DESC_KEYS)
				r->desc_keys[r->n_desc++] = k;
			rc = post(idx, k, id);
		}
	}
	return rc;
}

static int config_keys(struct flw_vuln_index *idx, const struct flw_vuln_config *c, uint32_t id)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < c->n_cms; i++)
		if ((c->cms[i].flags & CM_VULNERABLE) && (c->cms[i].flags & CM_NAME_PLAIN))
			rc = post(idx, c->cms[i].key, id);
	return rc;
}

static int affected_keys(struct flw_vuln_index *idx, const struct flw_vuln_affected *a, uint32_t id)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < a->n_prods; i++)
		rc = post(idx, a->prods[i].key, id);
	for (i = 0; rc == 0 && i < a->n_cpe; i++)
		rc = post(idx, a->cpe_keys[i], id);
	return rc;
}

int flw_vuln_index_add(struct flw_vuln_index *idx, const char *cve_id,
                       const struct flw_vuln_config *config,
                       const struct flw_vuln_affected *affected, const char *description,
                       struct flw_diag *diag)
{
	struct rec *r;
	uint32_t id;
	int rc;

	if (strlen(cve_id) >= CVE_ID_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "cve", "id longer than %d", CVE_ID_MAX - 1);
	if (idx->n_recs >= FLW_VULN_INDEX_MAX_RECORDS)
		return flw_diag_set(diag, FLW_ELIMIT, "index", "more than %u records",
		                    FLW_VULN_INDEX_MAX_RECORDS);
	if (idx->n_recs == idx->cap_recs) {
		size_t ncap = idx->cap_recs ? idx->cap_recs * 2 : 64;
		struct rec *n = flw_reallocarray(idx->recs, ncap, sizeof(*n));

		if (!n)
			return flw_diag_set(diag, FLW_ENOMEM, "index", "out of memory");
		idx->recs = n;
		idx->cap_recs = ncap;
	}
	id = (uint32_t)idx->n_recs;
	r = &idx->recs[id];
	memset(r, 0, sizeof(*r));
	memcpy(r->cve, cve_id, strlen(cve_id) + 1);
	r->config = config;
	r->affected = affected;
	rc = config ? config_keys(idx, config, id) : 0;
	if (rc == 0 && affected)
		rc = affected_keys(idx, affected, id);
	if (rc == 0 && description && flw_vuln_config_count(config) == 0)
		rc = desc_keys(idx, r, id, description);
	if (rc != 0)
		return flw_diag_set(diag, rc, "index", "out of memory");
	idx->n_recs++; /* postings naming id of a failed add are harmless: id is reused */
	return 0;
}

const char *flw_vuln_index_cve(const struct flw_vuln_index *idx, uint32_t id)
{
	return id < idx->n_recs ? idx->recs[id].cve : NULL;
}

/* k-way merge over the candidates' posting lists. */
struct merge {
	const struct posting *lists[FLW_VULN_MAX_CANDIDATES];
	uint32_t pos[FLW_VULN_MAX_CANDIDATES];
	size_t k;
};

static void merge_init(struct merge *m, const struct flw_vuln_index *idx,
                       const struct flw_match_item *it)
{
	size_t i;

	m->k = 0;
	for (i = 0; i < it->n_cand; i++) {
		const struct posting *p = find(idx, it->cand[i].key);

		if (p) {
			m->pos[m->k] = 0;
			m->lists[m->k++] = p;
		}
	}
}

/* Next id, or -1 when done. Ids beyond n_recs (left by a failed add) are skipped. */
static int64_t merge_next(struct merge *m, size_t n_recs)
{
	uint32_t best = UINT32_MAX;
	size_t i;

	for (i = 0; i < m->k; i++)
		if (m->pos[i] < m->lists[i]->n && m->lists[i]->ids[m->pos[i]] < best)
			best = m->lists[i]->ids[m->pos[i]];
	if (best == UINT32_MAX || best >= n_recs)
		return -1;
	for (i = 0; i < m->k; i++)
		if (m->pos[i] < m->lists[i]->n && m->lists[i]->ids[m->pos[i]] == best)
			m->pos[i]++;
	return best;
}

void flw_vuln_index_lookup(const struct flw_vuln_index *idx, const struct flw_match_item *it,
                           uint32_t *ids, size_t max, size_t *n_out)
{
	struct merge m;
	int64_t id;
	size_t n = 0;

	merge_init(&m, idx, it);
	while ((id = merge_next(&m, idx->n_recs)) >= 0) {
		if (n < max)
			ids[n] = (uint32_t)id;
		n++;
	}
	*n_out = n;
}

static int desc_hit(const struct rec *r, const struct flw_match_item *it)
{
	size_t i;
	size_t j;

	for (i = 0; i < r->n_desc; i++)
		for (j = 0; j < it->n_cand; j++)
			if (r->desc_keys[i] == it->cand[j].key)
				return 1;
	return 0;
}

int flw_vuln_index_eval(const struct flw_vuln_index *idx, uint32_t id,
                        const struct flw_match_item *it, const struct flw_platform *plat,
                        struct flw_match_result *out)
{
	const struct rec *r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (id >= idx->n_recs)
		return FLW_EINVAL;
	r = &idx->recs[id];
	if (flw_vuln_config_count(r->config) > 0)
		return flw_match_config(r->config, it, plat, out);
	if (r->affected)
		rc = flw_match_affected(r->affected, it, out);
	if (rc == 0 && out->verdict == FLW_MATCH_NO && !(out->flags & FLW_MATCH_F_NAME) &&
	    desc_hit(r, it)) {
		out->verdict = FLW_MATCH_REVIEW;
		out->confidence = FLW_MATCH_CONF_NEEDS_REVIEW;
		out->source = FLW_MATCH_SRC_DESCRIPTION;
		out->reason = "not analysed; the description names the component";
	}
	return rc;
}

int flw_vuln_index_match(const struct flw_vuln_index *idx, const struct flw_match_item *it,
                         const struct flw_platform *plat, flw_vuln_match_fn fn, void *payload)
{
	struct flw_match_result res;
	struct merge m;
	int64_t id;
	int rc;

	merge_init(&m, idx, it);
	while ((id = merge_next(&m, idx->n_recs)) >= 0) {
		rc = flw_vuln_index_eval(idx, (uint32_t)id, it, plat, &res);
		if (rc != 0)
			return rc;
		if (res.verdict == FLW_MATCH_NO)
			continue;
		rc = fn(idx->recs[id].cve, &res, payload);
		if (rc != 0)
			return rc;
	}
	return 0;
}
