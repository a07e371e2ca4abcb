/* vuln/vuln_private.h - shared internals of the matching engine (cpe, version, alias, config,
 * affected, match). Not installed; tests may include it.
 *
 * Records are flat arrays plus one string/key pool per record: offsets (uint32) instead of
 * pointers, so a record is a handful of allocations and the match path walks arrays.
 */
#ifndef FLW_VULN_PRIVATE_H
#define FLW_VULN_PRIVATE_H
#include <stddef.h>
#include <stdint.h>

#include "fleetward/cpe.h"
#include "fleetward/match.h"
#include "fleetward/version.h"

#define FLW_VULN_NOSTR UINT32_MAX

/* ---- alias table ---- */
enum alias_kind {
	FLW_ALIAS_PRODUCT = 0,
	FLW_ALIAS_VENDOR,
	FLW_ALIAS_SCHEME,
	_FLW_ALIAS_KIND_MAX
};

#define FLW_ALIAS_MAX_VALUES 8

struct flw_alias_row {
	int kind; /* enum alias_kind */
	const char *key;
	const char *vals[FLW_ALIAS_MAX_VALUES];
	size_t n_vals;
};

struct flw_alias_table {
	const struct flw_alias_row *builtin;
	size_t n_builtin;
	struct flw_alias_row *rows; /* added rows, strings in owned pool */
	size_t n_rows;
	char **pools;
	size_t n_pools;
};

/* Row i of all rows (builtin first), or NULL past the end. */
const struct flw_alias_row *flw_alias__row(const struct flw_alias_table *t, size_t i);

/* 64-bit FNV-1a of "vendor:product" (inputs already lower case). */
uint64_t flw_vuln__key(const char *vendor, size_t vlen, const char *product, size_t plen);

/* ---- one cpeMatch (or one CVE 5 cpes[] entry) ---- */
#define CM_VULNERABLE 0x01u
#define CM_START_INCL 0x02u
#define CM_END_INCL   0x04u
#define CM_HAS_START  0x08u
#define CM_HAS_END    0x10u
#define CM_REST_ANY   0x20u /* attributes other than part/vendor/product/version all ANY */
#define CM_UNEVAL     0x40u /* a bound/version could not be parsed: REVIEW at best */
#define CM_NAME_PLAIN 0x80u /* vendor and product are plain values (indexable) */

struct flw_vuln_cm {
	uint64_t key;       /* flw_vuln__key(vendor, product) */
	uint32_t cpe;       /* index into the record's parsed CPEs, NOSTR if not kept */
	uint32_t crit_off;  /* criteria text */
	uint32_t name_off;  /* "vendor:product" text */
	uint32_t ver_off;   /* literal criteria version (exact / wildcard) or NOSTR */
	uint32_t id_off;    /* matchCriteriaId text or NOSTR */
	uint32_t start_off; /* bound texts or NOSTR */
	uint32_t end_off;
	uint32_t skey_off; /* version keys (bounds, or the exact version) */
	uint32_t ekey_off;
	uint8_t skey_len;
	uint8_t ekey_len;
	uint8_t part;  /* 'a' 'o' 'h' '*' '-' */
	uint8_t vkind; /* enum flw_cpe_kind of the version attribute */
	uint8_t vwild; /* version has wildcards */
	uint8_t flags; /* CM_* */
	uint8_t scheme;
};

struct flw_vuln_node {
	uint32_t first; /* first cpeMatch */
	uint32_t count;
	uint8_t and_op;
	uint8_t negate;
};

struct flw_vuln_conf {
	uint32_t first; /* first node */
	uint32_t count;
	uint8_t and_op;
	uint8_t negate;
};

struct flw_vuln_config {
	struct flw_vuln_conf *confs;
	size_t n_confs;
	struct flw_vuln_node *nodes;
	size_t n_nodes;
	struct flw_vuln_cm *cms;
	size_t n_cms;
	struct flw_cpe *cpes; /* only for cms that need a full NISTIR 7696 comparison */
	size_t n_cpes;
	char *pool;
	size_t pool_len;
	size_t pool_cap;
	size_t n_uneval;
};

/* ---- CVE 5 affected ---- */
enum {
	FLW_ST_UNKNOWN = 0,
	FLW_ST_AFFECTED,
	FLW_ST_UNAFFECTED,
};

#define AV_RANGE     0x01u /* lessThan / lessThanOrEqual present */
#define AV_HI_INCL   0x02u
#define AV_HI_INF    0x04u /* upper bound "*" */
#define AV_HI_PREFIX 0x08u /* upper bound "2.*": everything with prefix 2 */
#define AV_NO_LOWER  0x10u /* version "0", "unspecified", "*", "" in a range */
#define AV_UNEVAL    0x20u
#define AV_STRING    0x40u /* single version not parseable: string equality */

struct flw_vuln_achange {
	uint32_t key_off;
	uint8_t key_len;
	uint8_t status;
};

struct flw_vuln_aver {
	uint32_t ver_off; /* texts */
	uint32_t hi_off;
	uint32_t lo_key_off;
	uint32_t hi_key_off;
	uint32_t first_change;
	uint32_t n_changes;
	uint8_t lo_key_len;
	uint8_t hi_key_len;
	uint8_t status;
	uint8_t flags; /* AV_* */
};

struct flw_vuln_aprod {
	uint64_t key;        /* vendor:product, or 0 when "n/a" */
	uint32_t name_off;   /* "vendor:product" text */
	uint32_t vendor_off; /* normalised vendor and product */
	uint32_t product_off;
	uint32_t first_ver;
	uint32_t n_ver;
	uint32_t first_cpe; /* into cpe_keys */
	uint32_t n_cpe;
	uint8_t default_status;
	uint8_t scheme;
};

struct flw_vuln_affected {
	struct flw_vuln_aprod *prods;
	size_t n_prods;
	struct flw_vuln_aver *vers;
	size_t n_vers;
	struct flw_vuln_achange *changes;
	size_t n_changes;
	uint64_t *cpe_keys; /* vendor:product of cpes[] entries */
	uint32_t *cpe_name_off;
	size_t n_cpe;
	struct flw_vuln_affected_skip *skips; /* cpes[] entries that are not CPE 2.3 names */
	uint32_t *skip_text_off;
	size_t n_skips;
	char *pool;
	size_t pool_len;
	size_t pool_cap;
};

/* Pool helpers shared by config.c and affected.c: append bytes (+ NUL), return offset. */
int flw_vuln__pool_put(char **pool, size_t *len, size_t *cap, const void *data, size_t n,
                       uint32_t *off);

/* Normalise a CVE 5 / user name: lower case, blanks to '_'. Returns length or -1 if too long. */
int flw_vuln__norm_name(char *out, size_t out_len, const char *in);

/* Scheme for a CPE vendor:product from the built-in registry. */
enum flw_vscheme flw_vuln__scheme(const char *vendor, const char *product, int *known);

/* ---- prepared item ---- */
struct flw_vuln_cand {
	uint64_t key;
	char name[2 * 128 + 2]; /* "vendor:product" */
	uint16_t vlen;          /* vendor length within name */
};

struct flw_match_item {
	const struct flw_alias_table *aliases;
	struct flw_vuln_cand cand[FLW_VULN_MAX_CANDIDATES];
	size_t n_cand;
	struct flw_cpe cpe; /* the item as a CPE (synthesised if none given) */
	int part_known;
	int version_na;
	char version[FLW_VERSION_MAX_LEN + 1]; /* lower case */
	size_t version_len;
	struct flw_version ver[_FLW_VSCHEME_MAX];
	uint8_t ver_ok[_FLW_VSCHEME_MAX];
};

/* ---- index ---- */

/* For tests and benchmarks: the item's candidate records (as flw_vuln_index_lookup counts
 * them) and how many of them flw_vuln_index_match evaluates after its version filters. */
void flw_vuln__index_count(const struct flw_vuln_index *idx, const struct flw_match_item *it,
                           size_t *candidates, size_t *evaluated);

#endif /* FLW_VULN_PRIVATE_H */
