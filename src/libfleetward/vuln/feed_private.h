/* vuln/feed_private.h - shared internals of the feed importers (feed*.c) */
#ifndef FLW_FEED_PRIVATE_H
#define FLW_FEED_PRIVATE_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/feed.h"

/* The matching engine's parsers (include/fleetward/match.h, built by the matcher work).
 * Without that header (or with -DFLW_FEED_NO_MATCH) the feeds keep the raw JSON only
 * (FEED_HAVE_MATCH 0). */
#if defined(__has_include) && !defined(FLW_FEED_NO_MATCH)
#if __has_include("fleetward/match.h")
#include "fleetward/match.h"
#endif
#endif
#ifdef FLW_MATCH_H
#define FEED_HAVE_MATCH 1
#else
#define FEED_HAVE_MATCH 0
struct flw_vuln_config;
struct flw_vuln_affected;
int flw_vuln_config_parse(struct flw_vuln_config **out, const json_t *configurations,
                          struct flw_diag *diag);
void flw_vuln_config_free(struct flw_vuln_config *c);
int flw_vuln_affected_parse(struct flw_vuln_affected **out, const json_t *affected,
                            struct flw_diag *diag);
void flw_vuln_affected_free(struct flw_vuln_affected *a);
#endif

#define FEED_CHUNK       ((size_t)64 << 10) /* read size */
#define FEED_CISA_ADP_ID "134c704f-9b21-4f2e-91b3-4a467353bcc0"
#define FEED_NVD_SOURCE  "nvd@nist.gov"

/* One import: where records go and whom to tell. */
struct feed_ctx {
	struct flw_vuln_db *db;
	const struct flw_feed_opts *opts;
	struct flw_feed_stats *stats; /* never NULL inside (a local when the caller gave none) */
	enum flw_feed_kind kind;
	const char *file;
	uint64_t bytes_done;
	uint64_t bytes_total;
	size_t next_progress;
	size_t n_records; /* records of this file (cap FLW_FEED_MAX_RECORDS) */
};

/* A sink that consumes the input in chunks: 0 or a file-level error. */
typedef int (*feed_push_fn)(void *sink, const unsigned char *p, size_t n, struct flw_diag *diag);
typedef int (*feed_finish_fn)(void *sink, struct flw_diag *diag);

/* Stream path (size-capped) or memory through push, then finish. */
int flw_feed__stream(struct feed_ctx *ctx, const char *path, const void *mem, size_t mem_len,
                     uint64_t max_bytes, feed_push_fn push, feed_finish_fn finish, void *sink,
                     struct flw_diag *diag);

/* ---- splitting a JSON document into the elements of one top-level array -------------- */
typedef int (*feed_elem_fn)(void *payload, const unsigned char *p, size_t n, size_t index);
typedef int (*feed_env_fn)(void *payload, const json_t *envelope, struct flw_diag *diag);

struct feed_split {
	const char *array_key;
	feed_elem_fn on_elem;
	feed_env_fn on_array_start; /* envelope keys seen before the array; may be NULL */
	void *payload;
	struct feed_ctx *ctx;
	int state;
	int in_str;
	int esc;
	unsigned depth;
	int key_open;     /* capturing a depth-1 string */
	int key_done;     /* a depth-1 string just ended */
	int key_is_array; /* ... and it was array_key, followed by ':' */
	int skipping;     /* element over the size cap */
	int arrays_seen;
	size_t index;
	struct flw_buf key;
	struct flw_buf env;
	struct flw_buf rec;
};

void flw_feed__split_init(struct feed_split *s, struct feed_ctx *ctx, const char *array_key,
                          feed_elem_fn on_elem, feed_env_fn on_array_start, void *payload);
void flw_feed__split_done(struct feed_split *s);
int flw_feed__split_push(void *sink, const unsigned char *p, size_t n, struct flw_diag *diag);
/* After the last push: checks completeness and parses the envelope (new ref in *env_out). */
int flw_feed__split_finish(struct feed_split *s, json_t **env_out, struct flw_diag *diag);

/* ---- lines ------------------------------------------------------------------------------ */
typedef int (*feed_line_fn)(void *payload, const char *line, size_t n, size_t lineno);

struct feed_lines {
	feed_line_fn on_line;
	void *payload;
	struct feed_ctx *ctx;
	size_t max;
	size_t lineno;
	int skipping;
	struct flw_buf line;
};

void flw_feed__lines_init(struct feed_lines *l, struct feed_ctx *ctx, size_t max,
                          feed_line_fn on_line, void *payload);
void flw_feed__lines_done(struct feed_lines *l);
int flw_feed__lines_push(void *sink, const unsigned char *p, size_t n, struct flw_diag *diag);
int flw_feed__lines_finish(void *sink, struct flw_diag *diag);

/* ---- reporting -------------------------------------------------------------------------- */
/* Report a malformed record (id may be NULL or ""), count it, call progress if due. */
void flw_feed__report(struct feed_ctx *ctx, const char *id, size_t index,
                      const struct flw_diag *diag);
/* diag->path = prefix "." diag->path (diag may be NULL) */
void flw_feed__path_prefix(struct flw_diag *diag, const char *prefix);
/* Best effort: the value of the first "key": "CVE-..." in raw bytes, into out ("" if none). */
void flw_feed__guess_id(const unsigned char *p, size_t n, const char *key,
                        char out[FLW_CVE_ID_MAX + 1]);
/* A record was read (complete): counts it, enforces FLW_FEED_MAX_RECORDS, progress. */
int flw_feed__record_seen(struct feed_ctx *ctx, struct flw_diag *diag);
void flw_feed__progress(struct feed_ctx *ctx, int done);

/* ---- the set ---------------------------------------------------------------------------- */
enum feed_put {
	FEED_PUT_ADDED,
	FEED_PUT_REPLACED,
	FEED_PUT_UNCHANGED
};

/* Give rec (NVD or CVE 5) to the set; it is freed when not newer. Counts into ctx->stats.
 * FLW_ENOMEM/FLW_ELIMIT leave the set unchanged and free rec. */
int flw_feed__put_record(struct feed_ctx *ctx, struct flw_vuln_record *rec);
int flw_feed__put_kev(struct feed_ctx *ctx, struct flw_vuln_kev *kev);
int flw_feed__put_epss(struct feed_ctx *ctx, const char *id, const struct flw_vuln_epss *e);

void flw_feed__record_free(struct flw_vuln_record *rec);
void flw_feed__kev_free(struct flw_vuln_kev *kev);

/* ---- field helpers (diag path = field) --------------------------------------------------- */
/* "CVE-YYYY-NNNN+" (4..19 digits) */
int flw_feed__cve_id_ok(const char *s);
int flw_feed__get_id(const json_t *obj, const char *key, char out[FLW_CVE_ID_MAX + 1],
                     struct flw_diag *diag);
/* YYYY-MM-DD[THH:MM[:SS[.f{1,9}]]][Z|+HH:MM|+HHMM|-..] -> ms since the epoch */
int flw_feed__time_parse(const char *s, int64_t *out);
int flw_feed__get_time(const json_t *obj, const char *key, int required, int64_t *out,
                       struct flw_diag *diag);
/* copy of a string member (NULL out when absent and not required) */
int flw_feed__get_strdup(const json_t *obj, const char *key, size_t max, int required, char **out,
                         struct flw_diag *diag);
/* English description out of [{lang, value}] */
int flw_feed__english(const json_t *arr, const char *path, char **out, struct flw_diag *diag);
/* add a distinct CWE id to rec */
int flw_feed__add_cwe(char ***cwes, size_t *n, const char *cwe, struct flw_diag *diag);
/* append one CVSS metric parsed from a cvssData-like object (version, baseScore, baseSeverity,
 * vectorString); severity_obj holds baseSeverity when it is not inside data (NVD v2) */
int flw_feed__add_cvss(struct flw_vuln_record *rec, const json_t *data, const json_t *sev_obj,
                       enum flw_vuln_origin origin, int primary, const char *source,
                       const char *path, struct flw_diag *diag);
/* SSVC options array ([{"exploitation": "poc"}, ...], any key case/spelling) into ssvc */
int flw_feed__ssvc_options(struct flw_vuln_ssvc *ssvc, const json_t *options, const char *path,
                           struct flw_diag *diag);
/* The matcher's parsers (nothing when it is not built in). Only FLW_ENOMEM is returned; a
 * refusal is kept in rec->config_rc/affected_rc, reported (record_kept) and counted. */
int flw_feed__parse_matcher(struct feed_ctx *ctx, struct flw_vuln_record *rec, size_t index);

/* One record of a feed: parse p (bounded), build it with `build`, parse its matcher data and
 * put it into the set. A malformed record is reported (its id guessed from id_key) and skipped
 * (0); only FLW_ENOMEM and the record-count limit stop the import. */
typedef int (*flw_feed_build_fn)(const json_t *doc, struct flw_vuln_record **out,
                                 struct flw_diag *diag);
int flw_feed__import_record(struct feed_ctx *ctx, const unsigned char *p, size_t n, size_t index,
                            flw_feed_build_fn build, const char *id_key);
/* Report without failing the record (stats->refused). */
void flw_feed__report_kept(struct feed_ctx *ctx, const char *id, size_t index,
                           const struct flw_diag *diag);

/* JSON limits for one record */
extern const struct flw_json_limits flw_feed__json_limits;

/* per-kind import over one file or memory */
int flw_feed__nvd_run(struct feed_ctx *ctx, const char *path, const void *mem, size_t len,
                      struct flw_diag *diag);
int flw_feed__cve5_run(struct feed_ctx *ctx, const char *path, const void *mem, size_t len,
                       int lines, struct flw_diag *diag);
int flw_feed__kev_run(struct feed_ctx *ctx, const char *path, const void *mem, size_t len,
                      struct flw_diag *diag);
int flw_feed__epss_run(struct feed_ctx *ctx, const char *path, const void *mem, size_t len,
                       struct flw_diag *diag);

#endif /* FLW_FEED_PRIVATE_H */
