/* include/fleetward/json.h - strict JSON parsing and canonical JSON (jansson)
 *
 * Every JSON document from outside goes through flw_json_parse(), which enforces a size limit,
 * a nesting-depth limit, rejects duplicate object keys, trailing data, NUL bytes and invalid
 * UTF-8, and reports line/column in diag.
 *
 * Canonical JSON is the OLPC dialect used by TUF (securesystemslib, @tufjs/canonical-json):
 * object keys sorted by their UTF-8 bytes, no whitespace, integers only (a real is an error),
 * strings escape only '\\' and '"' and emit every other byte raw.
 */
#ifndef FLW_JSON_H
#define FLW_JSON_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_diag;
struct flw_buf;

#define FLW_JSON_DEFAULT_MAX_DEPTH 32

struct flw_json_limits {
	size_t max_bytes; /* input larger than this: FLW_ELIMIT */
	unsigned max_depth;
};

/* Parse data (need not be NUL-terminated). *out gets a new reference. FLW_EFORMAT or
 * FLW_ELIMIT with position in diag. Integers outside int64 are FLW_EFORMAT. */
FLW_EXPORT FLW_WARN_UNUSED int flw_json_parse(json_t **out, const void *data, size_t len,
                                              const struct flw_json_limits *lim,
                                              struct flw_diag *diag);

/* Append the canonical form of v to out (bounded by out->max). FLW_EFORMAT for reals. */
FLW_EXPORT FLW_WARN_UNUSED int flw_json_canonical(struct flw_buf *out, const json_t *v,
                                                  struct flw_diag *diag);

/* Compact (not canonical) dump with sorted keys into out; for API responses and files. */
FLW_EXPORT FLW_WARN_UNUSED int flw_json_dump(struct flw_buf *out, const json_t *v, int pretty);

/* Typed getters with a field path for errors. All return 0, FLW_EFORMAT (wrong type, bad
 * value) or FLW_ENOTFOUND (absent; diag set only when the field is required).
 * Strings are borrowed from the object. */
FLW_EXPORT FLW_WARN_UNUSED int flw_json_get_str(const json_t *obj, const char *key,
                                                const char **out, size_t max_len, int required,
                                                struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_json_get_int(const json_t *obj, const char *key, int64_t *out,
                                                int64_t min, int64_t max, int required,
                                                struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_json_get_bool(const json_t *obj, const char *key, int *out,
                                                 int required, struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_json_get_obj(const json_t *obj, const char *key, json_t **out,
                                                int required, struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_json_get_arr(const json_t *obj, const char *key, json_t **out,
                                                size_t max_items, int required,
                                                struct flw_diag *diag);
/* Reject any key of obj not in the NULL-terminated allowed list (FLW_EFORMAT naming it). */
FLW_EXPORT FLW_WARN_UNUSED int flw_json_only_keys(const json_t *obj, const char *const *allowed,
                                                  const char *path, struct flw_diag *diag);

FLW_END_DECLS
#endif /* FLW_JSON_H */
