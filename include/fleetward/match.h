/* include/fleetward/match.h - does a vulnerability record apply to a component, and why
 *
 * Pure matching engine (no store, no I/O policy): NVD API 2.0 "configurations" trees, CVE 5
 * "affected" entries, a vendor/product alias table with the comparator registry, prepared
 * components ("items") and an in-memory index keyed by vendor:product.
 *
 * Flow: parse records once (flw_vuln_config_parse / flw_vuln_affected_parse: CPEs parsed,
 * version bounds turned into sort keys), prepare each component once (flw_match_item_new:
 * names expanded through the alias table, version parsed per scheme), then match as often as
 * needed: the match path allocates nothing and compares integers and short byte keys.
 *
 * Rules (VULNDATA.md sections 2-5): only vulnerable:true entries produce findings;
 * vulnerable:false entries are platform context (hardware, OS) evaluated against the platform;
 * AND configurations need every node; criteria version "-" means NA (never "all versions");
 * "*" with versionStart/End bounds is a range evaluated with the product's comparator; a version
 * that cannot be parsed gives FLW_MATCH_REVIEW, never a guess.
 */
#ifndef FLW_MATCH_H
#define FLW_MATCH_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "fleetward/common.h"
#include "fleetward/cpe.h"
#include "fleetward/version.h"
FLW_BEGIN_DECLS

struct flw_diag;

/* Limits on parsed records (FLW_ELIMIT beyond them). */
#define FLW_VULN_MAX_CONFIGS     4096  /* configurations per record */
#define FLW_VULN_MAX_NODES       256   /* nodes per configuration */
#define FLW_VULN_MAX_CPE_MATCHES 65536 /* cpeMatch entries per record */
#define FLW_VULN_MAX_STR         512   /* any string field, bytes */
#define FLW_VULN_MAX_PRODUCTS    4096  /* affected products per record */
#define FLW_VULN_MAX_VERSIONS    4096  /* version objects per affected product */
#define FLW_VULN_MAX_CHANGES     64    /* changes per version object */
#define FLW_VULN_MAX_CANDIDATES  16    /* vendor:product names per prepared component */
#define FLW_VULN_MAX_DESC        65536 /* description bytes scanned for product names */

/* ---- alias table and comparator registry ---------------------------------------------------- */

/*
 * Rows (TSV: kind, key, values...; '#' comments):
 *   product <name> <vendor:product>...   component name -> CPE vendor:product pairs
 *   vendor  <name> <name>...             equivalent vendor spellings (d-link, dlink)
 *   scheme  <vendor:product> <scheme>    comparator for that product (generic|openssl|deb);
 *                                        listed products count as "comparator known", which
 *                                        lets CVE 5 versionType "custom" ranges be evaluated
 * The built-in table (data/aliases.tsv, compiled in) is always present; files add rows.
 */
struct flw_alias_table;

#define FLW_ALIAS_MAX_BYTES (1u << 20)
#define FLW_ALIAS_MAX_ROWS  8192

/* New table holding the built-in rows. */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_alias_table_new(struct flw_alias_table **out,
                                                                  struct flw_diag *diag);
/* Add the rows of a TSV text (need not be NUL-terminated). On error nothing is added.
 * @return 0, FLW_EFORMAT (line in diag), FLW_ELIMIT or FLW_ENOMEM */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_alias_table_load(struct flw_alias_table *t,
                                                                      const char *data, size_t len,
                                                                      struct flw_diag *diag);
FLW_EXPORT void flw_alias_table_free(struct flw_alias_table *t);
/* The shared built-in table (static, never freed). */
FLW_EXPORT const struct flw_alias_table *flw_alias_table_default(void);
/* Comparator of vendor:product (lower case); *known = 1 when the registry lists it. */
FLW_EXPORT enum flw_vscheme flw_alias_scheme(const struct flw_alias_table *t, const char *vendor,
                                             const char *product, int *known);

/* ---- records -------------------------------------------------------------------------------- */

struct flw_vuln_config;   /* parsed NVD "configurations" array (list of trees) */
struct flw_vuln_affected; /* parsed CVE 5 containers.cna.affected (and adp affected) array */

/**
 * Parse an NVD API 2.0 "configurations" array. Unknown keys are ignored; legacy "children"
 * nodes are refused. A criteria that is not a CPE 2.3 name, an unknown operator or both
 * versionStartIncluding and versionStartExcluding is FLW_EFORMAT (field path in diag). A bound
 * that is not a version of the product's scheme makes that entry unevaluable (it can only give
 * FLW_MATCH_REVIEW), counted by flw_vuln_config_unevaluable().
 * @return 0, FLW_EFORMAT, FLW_ELIMIT, FLW_ENOMEM or FLW_EINVAL
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_vuln_config_parse(struct flw_vuln_config **out,
                                                                    const json_t *configurations,
                                                                    struct flw_diag *diag);
FLW_EXPORT void flw_vuln_config_free(struct flw_vuln_config *c);
FLW_EXPORT size_t flw_vuln_config_count(const struct flw_vuln_config *c);
FLW_EXPORT size_t flw_vuln_config_unevaluable(const struct flw_vuln_config *c);

/**
 * Parse a CVE 5 "affected" array (CNA and ADP entries may be concatenated). Vendor and product
 * are lower-cased with blanks turned into '_'; "n/a" names never match. Ranges are evaluated
 * for versionType "semver", and for "custom" or no versionType when the product has a
 * registered comparator (alias table "scheme"); other ranges (git, rpm, maven, ..., custom
 * without a comparator) and unparseable bounds are kept as unevaluable (needs review). A "cpes" entry
 * that is not a CPE 2.3 name is skipped alone and listed by flw_vuln_affected_skipped().
 * @return 0, FLW_EFORMAT, FLW_ELIMIT, FLW_ENOMEM or FLW_EINVAL
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_vuln_affected_parse(
        struct flw_vuln_affected **out, const json_t *affected, struct flw_diag *diag);
FLW_EXPORT void flw_vuln_affected_free(struct flw_vuln_affected *a);
FLW_EXPORT size_t flw_vuln_affected_count(const struct flw_vuln_affected *a);

/* A "cpes" entry flw_vuln_affected_parse skipped because it is not a CPE 2.3 formatted string
 * (e.g. a CPE 2.2 URI "cpe:/o:redhat:enterprise_linux:8", which is never converted: a URI
 * does not say which 2.3 attributes are ANY and which NA). Only that entry is left out: its
 * product entry still matches by vendor/product and its other cpes. */
struct flw_vuln_affected_skip {
	unsigned product;   /* index into the parsed affected array */
	unsigned cpe;       /* index into that entry's cpes[] */
	int code;           /* FLW_EFORMAT, or FLW_ELIMIT (longer than FLW_CPE_MAX_LEN) */
	const char *text;   /* the entry as given (at most FLW_CPE_MAX_LEN bytes; "" if not a
	                     * string), borrowed from the parsed form */
	const char *reason; /* static: "a CPE 2.2 URI, not a CPE 2.3 name (never converted)", ... */
};

/* The skipped entries in input order (*n_out of them; NULL when none), borrowed from a. */
FLW_EXPORT FLW_NONNULL(2) const
        struct flw_vuln_affected_skip *flw_vuln_affected_skipped(const struct flw_vuln_affected *a,
                                                                 size_t *n_out);

/* ---- components and platforms --------------------------------------------------------------- */

#define FLW_COMPONENT_DEB_VERSION 0x1u /* version is a dpkg version: match its upstream part */

struct flw_component {
	const char *vendor;  /* optional; CPE vendor spelling or alias-table vendor */
	const char *product; /* name; optional if cpe or purl is given */
	const char *version; /* optional if cpe or purl carries one */
	const char *cpe;     /* optional CPE 2.3 formatted string; its vendor/product/version win */
	const char *purl;    /* optional pkg:type/namespace/name@version */
	unsigned flags;      /* FLW_COMPONENT_* */
};

/* The device the component runs on. hardware NULL = unknown: hardware-only platform entries
 * of AND configurations are then assumed and the result is FLW_MATCH_CONF_HEURISTIC. */
struct flw_platform {
	const struct flw_cpe *hardware;
	const struct flw_cpe *const *others; /* OS, firmware, other components; may be NULL */
	size_t n_others;
};

struct flw_match_item; /* prepared component, opaque */

/**
 * Prepare a component: parse cpe/purl, expand names through aliases (NULL = built-in table),
 * parse the version under every scheme it fits. Nothing is guessed: a component without any
 * vendor:product candidate (no vendor, not in the alias table) gets no candidates and matches
 * nothing except description evidence; a version that fits no scheme only matches exact
 * string criteria. The item keeps a pointer to aliases (must outlive it).
 * @return 0, FLW_EFORMAT (bad cpe/purl), FLW_ELIMIT, FLW_ENOMEM, FLW_EINVAL (nothing to match)
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_match_item_new(
        struct flw_match_item **out, const struct flw_component *comp,
        const struct flw_alias_table *aliases, struct flw_diag *diag);
FLW_EXPORT void flw_match_item_free(struct flw_match_item *it);
/* Number of vendor:product names the item is looked up under, and the i-th ("vendor:product"). */
FLW_EXPORT size_t flw_match_item_candidates(const struct flw_match_item *it);
FLW_EXPORT const char *flw_match_item_candidate(const struct flw_match_item *it, size_t i);

/* ---- results -------------------------------------------------------------------------------- */

enum flw_match_verdict {
	FLW_MATCH_NO = 0,
	FLW_MATCH_YES,
	FLW_MATCH_REVIEW, /* cannot be decided by machine: never auto-closed */
};

enum flw_match_confidence {
	FLW_MATCH_CONF_NONE = 0,
	FLW_MATCH_CONF_EXACT,     /* criteria names the exact version */
	FLW_MATCH_CONF_RANGE,     /* version inside a range */
	FLW_MATCH_CONF_HEURISTIC, /* platform assumed (hardware unknown) or no bounds at all */
	FLW_MATCH_CONF_NEEDS_REVIEW,
};

enum flw_match_source {
	FLW_MATCH_SRC_NONE = 0,
	FLW_MATCH_SRC_NVD,         /* configurations */
	FLW_MATCH_SRC_CVE5,        /* affected */
	FLW_MATCH_SRC_DESCRIPTION, /* only text evidence */
};

#define FLW_MATCH_F_NAME      0x01u /* some entry's vendor:product matched the item */
#define FLW_MATCH_F_NO_BOUNDS 0x02u /* criteria version "*" without bounds: low information */
#define FLW_MATCH_F_ASSUMED   0x04u /* a platform entry was assumed (hardware unknown) */
#define FLW_MATCH_F_UNPARSED  0x08u /* a version could not be parsed/ordered */
#define FLW_MATCH_F_STRING_EQ 0x10u /* exact version decided by string equality */

/* Why. Pointers are borrowed from the record (valid while it lives) or static. */
struct flw_match_result {
	enum flw_match_verdict verdict;
	enum flw_match_confidence confidence;
	enum flw_match_source source;
	unsigned flags;  /* FLW_MATCH_F_* */
	unsigned config; /* configuration index, or affected product index */
	unsigned node;   /* node index, or version object index */
	unsigned entry;  /* cpeMatch index within the node */
	enum flw_vscheme scheme;
	const char *criteria;    /* CPE criteria, or "vendor:product" of the affected entry */
	const char *criteria_id; /* matchCriteriaId, or NULL */
	const char *start;       /* lower bound text or NULL */
	int start_incl;
	const char *end; /* upper bound text or NULL */
	int end_incl;
	const char *reason; /* static: "version in range", "exact version", ... */
};

/**
 * Evaluate an NVD configurations record for one item on a platform (plat may be NULL: hardware
 * unknown, no other inventory). YES needs a configuration that evaluates true in which a
 * vulnerable:true entry matched the item itself; REVIEW when that depends on an unparseable
 * version. Allocation-free. @return 0 or FLW_EINVAL
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2,
                                       4) int flw_match_config(const struct flw_vuln_config *c,
                                                               const struct flw_match_item *it,
                                                               const struct flw_platform *plat,
                                                               struct flw_match_result *out);

/* Evaluate CVE 5 affected entries: per entry naming the item, the first matching version
 * object wins, else defaultStatus. Entries combine: any "affected" gives YES; else an
 * unevaluable object gives REVIEW; else a definitive "unaffected" gives NO even when another
 * entry (e.g. an ADP with defaultStatus unknown) says "unknown"; "unknown" alone gives REVIEW.
 * @return 0 or FLW_EINVAL */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2,
                                       3) int flw_match_affected(const struct flw_vuln_affected *a,
                                                                 const struct flw_match_item *it,
                                                                 struct flw_match_result *out);

/* Convenience: prepare comp with the built-in aliases, flw_match_config, release. */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2,
                                       4) int flw_match_component(const struct flw_vuln_config *c,
                                                                  const struct flw_component *comp,
                                                                  const struct flw_platform *plat,
                                                                  struct flw_match_result *out);

FLW_EXPORT const char *flw_match_verdict_to_string(enum flw_match_verdict v);
FLW_EXPORT const char *flw_match_confidence_to_string(enum flw_match_confidence c);

/* ---- index ---------------------------------------------------------------------------------- */

struct flw_vuln_index;

#define FLW_VULN_INDEX_MAX_RECORDS (1u << 24)

/* aliases: NULL = built-in; borrowed, must outlive the index. */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_vuln_index_new(
        struct flw_vuln_index **out, const struct flw_alias_table *aliases);
FLW_EXPORT void flw_vuln_index_free(struct flw_vuln_index *idx);

/**
 * Add a record. config and affected are borrowed (either may be NULL) and must outlive the
 * index; cve_id is copied. Keys: vendor:product of every vulnerable:true criteria and of every
 * affected entry. A record without configurations also gets the alias-table product names its
 * description mentions (whole words), so NVD backlog records surface as REVIEW candidates.
 * @return 0, FLW_ELIMIT, FLW_ENOMEM or FLW_EINVAL
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_vuln_index_add(
        struct flw_vuln_index *idx, const char *cve_id, const struct flw_vuln_config *config,
        const struct flw_vuln_affected *affected, const char *description, struct flw_diag *diag);
FLW_EXPORT size_t flw_vuln_index_size(const struct flw_vuln_index *idx);

/* Candidate record numbers for an item (deduplicated, ascending) into ids[0..max).
 * *n_out = total number of candidates (may exceed max: then only max are written). */
FLW_EXPORT FLW_NONNULL(1, 2, 5) void flw_vuln_index_lookup(const struct flw_vuln_index *idx,
                                                           const struct flw_match_item *it,
                                                           uint32_t *ids, size_t max,
                                                           size_t *n_out);
FLW_EXPORT const char *flw_vuln_index_cve(const struct flw_vuln_index *idx, uint32_t id);

/* Decide one record for an item: NVD configurations when present, else CVE 5 affected, else
 * (or when affected names nothing of the item) description evidence gives REVIEW. */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 3, 5) int flw_vuln_index_eval(
        const struct flw_vuln_index *idx, uint32_t id, const struct flw_match_item *it,
        const struct flw_platform *plat, struct flw_match_result *out);

typedef int (*flw_vuln_match_fn)(const char *cve_id, const struct flw_match_result *r,
                                 void *payload);
/* Look up, evaluate, and call fn for every YES or REVIEW record, in ascending record order (fn
 * returning non-zero stops; that value is returned). Allocation-free. For crowded products
 * (many records under one vendor:product) the index first drops the records whose version
 * entries cannot contain the item's version; the answers are exactly those of evaluating
 * every candidate with flw_vuln_index_eval. @return 0, fn's value, or FLW_EINVAL */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2, 4) int flw_vuln_index_match(
        const struct flw_vuln_index *idx, const struct flw_match_item *it,
        const struct flw_platform *plat, flw_vuln_match_fn fn, void *payload);

FLW_END_DECLS
#endif /* FLW_MATCH_H */
