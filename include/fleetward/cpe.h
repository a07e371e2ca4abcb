/* include/fleetward/cpe.h - CPE 2.3 formatted strings (NISTIR 7695) and name matching (NISTIR 7696)
 *
 * A parsed name is a plain value (struct flw_cpe, no allocation): eleven attributes, each ANY,
 * NA or a value. Values are stored unescaped and lower-cased (NVD compares case-insensitively),
 * with unquoted leading/trailing wildcards ('*' any run, '?' one character) kept as flags, so
 * that "\*" (a literal asterisk) and "*" (a wildcard) stay distinct.
 */
#ifndef FLW_CPE_H
#define FLW_CPE_H
#include <stddef.h>
#include <stdint.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_diag;

#define FLW_CPE_MAX_LEN    512 /* formatted string, bytes */
#define FLW_CPE_VALUES_MAX 320 /* all unescaped values together, bytes */

enum flw_cpe_attr {
	FLW_CPE_PART,
	FLW_CPE_VENDOR,
	FLW_CPE_PRODUCT,
	FLW_CPE_VERSION,
	FLW_CPE_UPDATE,
	FLW_CPE_EDITION,
	FLW_CPE_LANGUAGE,
	FLW_CPE_SW_EDITION,
	FLW_CPE_TARGET_SW,
	FLW_CPE_TARGET_HW,
	FLW_CPE_OTHER,
	_FLW_CPE_ATTR_MAX,
	_FLW_CPE_ATTR_INVALID = -1
};

enum flw_cpe_kind {
	FLW_CPE_ANY = 0, /* "*" */
	FLW_CPE_NA,      /* "-" */
	FLW_CPE_VALUE,
};

/* Attribute value. Wildcards: lead_star/trail_star = unquoted '*', lead_q/trail_q = number of
 * unquoted '?'. off/len locate the literal middle part in flw_cpe.buf (NUL-terminated). */
struct flw_cpe_val {
	uint8_t kind; /* enum flw_cpe_kind */
	uint8_t lead_star;
	uint8_t trail_star;
	uint8_t lead_q;
	uint8_t trail_q;
	uint16_t off;
	uint16_t len;
};

struct flw_cpe {
	struct flw_cpe_val attr[_FLW_CPE_ATTR_MAX];
	char buf[FLW_CPE_VALUES_MAX];
};

/* Relations of NISTIR 7696 section 6 (source compared with target). */
enum flw_cpe_rel {
	FLW_CPE_REL_DISJOINT = 0,
	FLW_CPE_REL_EQUAL,
	FLW_CPE_REL_SUBSET,   /* source is a subset of target */
	FLW_CPE_REL_SUPERSET, /* source is a superset of target ("criteria covers item") */
	FLW_CPE_REL_UNDEFINED /* target has wildcards, or (name level) mixed sub/superset */
};

/**
 * Parse a CPE 2.3 formatted string ("cpe:2.3:part:vendor:...:other", 13 components).
 * Rejects: wrong prefix or component count, empty components, characters outside
 * [A-Za-z0-9._-] unless backslash-quoted, quoted non-printables, '*' or '?' inside a value,
 * part other than a/o/h/ANY/NA, input longer than FLW_CPE_MAX_LEN (FLW_ELIMIT).
 * @return 0, FLW_EFORMAT or FLW_ELIMIT (details in diag); out is untouched on error
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_cpe_parse(struct flw_cpe *out, const char *s,
                                                               size_t len, struct flw_diag *diag);

/* Unescaped, lower-cased literal of an attribute (without wildcards); "" for ANY and NA. */
FLW_EXPORT const char *flw_cpe_value(const struct flw_cpe *c, enum flw_cpe_attr a);
/* 1 if the attribute has an unquoted wildcard. */
FLW_EXPORT int flw_cpe_has_wildcard(const struct flw_cpe *c, enum flw_cpe_attr a);

/* Attribute comparison, NISTIR 7696 Table 6-2. */
FLW_EXPORT enum flw_cpe_rel flw_cpe_compare_attr(const struct flw_cpe *source,
                                                 const struct flw_cpe *target, enum flw_cpe_attr a);
/* Name comparison: DISJOINT if any attribute is; UNDEFINED if any is; EQUAL if all are;
 * SUPERSET if all are SUPERSET or EQUAL; SUBSET if all are SUBSET or EQUAL; else UNDEFINED. */
FLW_EXPORT enum flw_cpe_rel flw_cpe_compare(const struct flw_cpe *source,
                                            const struct flw_cpe *target);
/* NISTIR 7696 CPE_SUPERSET(source, target) || CPE_EQUAL: "source matches target". */
FLW_EXPORT int flw_cpe_match(const struct flw_cpe *source, const struct flw_cpe *target);

/* Bind back to a formatted string (lower case, canonical quoting). FLW_ELIMIT if out is short. */
FLW_EXPORT FLW_WARN_UNUSED int flw_cpe_format(const struct flw_cpe *c, char *out, size_t out_len);

FLW_EXPORT const char *flw_cpe_rel_to_string(enum flw_cpe_rel r);

FLW_END_DECLS
#endif /* FLW_CPE_H */
