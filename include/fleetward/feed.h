/* include/fleetward/feed.h - vulnerability feeds (NVD API 2.0, CVE JSON 5, CISA KEV, FIRST EPSS)
 *
 * Import reads a feed file as a stream, one record at a time, into an in-memory record set
 * (struct flw_vuln_db) keyed by CVE id. Each CVE id has one entry joining what the feeds say
 * about it: the NVD record, the CVE 5 record, the KEV entry and the EPSS score.
 *
 * Guarantees:
 * - A malformed record is reported through flw_feed_opts.on_error (with its CVE id when one
 *   can be found, its record index or line) and skipped; the other records are imported.
 *   When only the matching engine refuses a record's configurations/affected as a whole
 *   (a criteria that is not a CPE 2.3 name, a limit), the record is imported without the
 *   parsed form; a single "cpes" entry of an affected product that is not a CPE 2.3 name
 *   (e.g. a CPE 2.2 URI "cpe:/o:redhat:enterprise_linux:8") is skipped alone: the record
 *   keeps its parsed form, its other entries and valid cpes still match. Either way the
 *   refusal is reported with record_kept = 1 and the field path (CVE 5:
 *   "containers.adp[0].affected[2].cpes[1]"; NVD: "affected[i]..." over its flattened
 *   affectedData): never guessed (no 2.2 URI is turned into a 2.3 name), never silently
 *   dropped.
 * - Each record is parsed completely before it touches the set, and replaces what the set
 *   holds for the same CVE and feed only if it is NEWER: NVD lastModified, CVE 5 dateUpdated,
 *   KEV catalogue dateReleased, EPSS score date. Equal or older: kept as is ("unchanged").
 *   So nothing already imported is lost by a failed or partial import, and importing the
 *   same file twice changes nothing.
 * - A file-level error (truncated file, broken envelope, limit) ends that import with an
 *   error code; the complete records read before it stay imported and are counted.
 * - Every input is bounded: file size, record size, record count, string length, JSON depth
 *   (the FLW_FEED_* constants below).
 *
 * The set is not thread-safe; entries and records are owned by it and stay valid until the
 * set is freed or the same CVE is imported again from the same feed.
 */
#ifndef FLW_FEED_H
#define FLW_FEED_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_diag;
struct flw_vuln_db;
struct flw_vuln_config;   /* fleetward/match.h */
struct flw_vuln_affected; /* fleetward/match.h */

/* ---- limits --------------------------------------------------------------------------- */
#define FLW_FEED_NVD_MAX_FILE_BYTES  ((uint64_t)1 << 30) /* a yearly bulk file is ~0.5 GiB */
#define FLW_FEED_CVE5_MAX_FILE_BYTES ((uint64_t)1 << 31) /* JSON lines of all of cvelistV5 */
#define FLW_FEED_KEV_MAX_FILE_BYTES  ((uint64_t)64 << 20)
#define FLW_FEED_EPSS_MAX_FILE_BYTES ((uint64_t)256 << 20)
#define FLW_FEED_MAX_RECORD_BYTES    ((size_t)16 << 20)  /* one NVD cve / CVE 5 record / line */
#define FLW_FEED_MAX_ENVELOPE_BYTES  ((size_t)64 << 10)  /* NVD/KEV keys other than the array */
#define FLW_FEED_MAX_RECORDS         ((size_t)4000000)   /* records per file */
#define FLW_FEED_MAX_DIR_FILES       ((size_t)100000)    /* NVD pages per directory */
#define FLW_FEED_MAX_DEPTH           32u                 /* JSON nesting within one record */
#define FLW_FEED_MAX_TEXT            ((size_t)256 << 10) /* description */
#define FLW_FEED_MAX_STR             ((size_t)1024)      /* vector, source, vendor, product */
#define FLW_FEED_MAX_ITEMS           ((size_t)10000)     /* metrics, CWEs per record */
#define FLW_FEED_EPSS_MAX_LINE       ((size_t)256)
#define FLW_VULN_DB_MAX_ENTRIES      ((size_t)8000000) /* CVE ids in one set */
#define FLW_CVE_ID_MAX               31                /* "CVE-" 4 digits "-" 4..19 digits = 28 */

/* ---- model ---------------------------------------------------------------------------- */
enum flw_feed_kind {
	FLW_FEED_NVD,
	FLW_FEED_CVE5,
	FLW_FEED_KEV,
	FLW_FEED_EPSS,
	_FLW_FEED_MAX,
	_FLW_FEED_INVALID = -1
};
FLW_EXPORT const char *flw_feed_kind_to_string(int kind); /* "nvd", ...; NULL if invalid */

/* NVD vulnStatus; CVE 5 cveMetadata.state maps to PUBLISHED / REJECTED */
enum flw_vuln_status {
	FLW_VULN_STATUS_RECEIVED,
	FLW_VULN_STATUS_AWAITING_ANALYSIS,
	FLW_VULN_STATUS_UNDERGOING_ANALYSIS,
	FLW_VULN_STATUS_ANALYZED,
	FLW_VULN_STATUS_MODIFIED,
	FLW_VULN_STATUS_DEFERRED,
	FLW_VULN_STATUS_REJECTED,
	FLW_VULN_STATUS_PUBLISHED,
	_FLW_VULN_STATUS_MAX,
	_FLW_VULN_STATUS_INVALID = -1
};
/* "Awaiting Analysis" etc. (NVD spelling; "PUBLISHED" for CVE 5) */
FLW_EXPORT const char *flw_vuln_status_to_string(int status);
FLW_EXPORT int flw_vuln_status_from_string(const char *s); /* _INVALID if unknown */

enum flw_cvss_version {
	FLW_CVSS_V2,
	FLW_CVSS_V30,
	FLW_CVSS_V31,
	FLW_CVSS_V40,
	_FLW_CVSS_VERSION_MAX,
	_FLW_CVSS_VERSION_INVALID = -1
};
FLW_EXPORT const char *flw_cvss_version_to_string(int v); /* "2.0", "3.0", "3.1", "4.0" */

enum flw_cvss_severity {
	FLW_CVSS_SEVERITY_NONE,
	FLW_CVSS_SEVERITY_LOW,
	FLW_CVSS_SEVERITY_MEDIUM,
	FLW_CVSS_SEVERITY_HIGH,
	FLW_CVSS_SEVERITY_CRITICAL,
	_FLW_CVSS_SEVERITY_MAX,
	_FLW_CVSS_SEVERITY_INVALID = -1
};
FLW_EXPORT const char *flw_cvss_severity_to_string(int s); /* "NONE" ... "CRITICAL" */

/* who published a metric */
enum flw_vuln_origin {
	FLW_VULN_ORIGIN_NVD,      /* NVD source "nvd@nist.gov", whatever its type */
	FLW_VULN_ORIGIN_CNA,      /* the CNA (NVD: any other source; CVE 5: the cna container) */
	FLW_VULN_ORIGIN_CISA_ADP, /* CISA-ADP, org 134c704f-9b21-4f2e-91b3-4a467353bcc0 */
	FLW_VULN_ORIGIN_ADP,      /* another ADP container */
	_FLW_VULN_ORIGIN_MAX,
	_FLW_VULN_ORIGIN_INVALID = -1
};

struct flw_vuln_cvss {
	enum flw_cvss_version version;
	enum flw_vuln_origin origin;
	int primary;                     /* NVD "type": "Primary" (0 for CVE 5 metrics) */
	unsigned score10;                /* base score x 10, 0..100 (exact: 9.8 -> 98) */
	enum flw_cvss_severity severity; /* as published; from the score when absent (v2) */
	char *vector;                    /* vectorString */
	char *source;                    /* NVD source id, CVE 5 provider shortName; may be "" */
};

enum flw_ssvc_exploitation {
	FLW_SSVC_EXPLOITATION_NONE,
	FLW_SSVC_EXPLOITATION_POC,
	FLW_SSVC_EXPLOITATION_ACTIVE
};

/* CISA SSVC decision points as published (NVD ssvcV203, CVE 5 ADP "other"/"ssvc"),
 * normalised to lower case whatever the key spelling ("Technical Impact"/technicalImpact) */
struct flw_vuln_ssvc {
	int present;
	enum flw_ssvc_exploitation exploitation;
	int automatable;      /* 1 yes, 0 no */
	int technical_total;  /* 1 total, 0 partial */
	int64_t timestamp_ms; /* 0 when not given */
};

enum flw_vuln_source {
	FLW_VULN_SOURCE_NVD,
	FLW_VULN_SOURCE_CVE5
};

/* One NVD cve object or one CVE 5 record. Times are milliseconds since the epoch, UTC;
 * 0 = not given. Strings are NUL-terminated UTF-8 owned by the record. */
struct flw_vuln_record {
	enum flw_vuln_source source;
	char id[FLW_CVE_ID_MAX + 1];
	int64_t published_ms;     /* NVD published / CVE 5 datePublished (may be 0) */
	int64_t last_modified_ms; /* NVD lastModified / CVE 5 dateUpdated (else published) */
	enum flw_vuln_status status;
	char *description;          /* English ("en", "en-US", ...), NULL when there is none */
	struct flw_vuln_cvss *cvss; /* every CVSS metric, in input order */
	size_t n_cvss;
	char **cwes; /* distinct CWE ids ("CWE-787", "NVD-CWE-noinfo") */
	size_t n_cwes;
	size_t n_references;
	struct flw_vuln_ssvc ssvc;
	int64_t kev_added_ms; /* NVD cisaExploitAdd, 0 if absent */
	int64_t kev_due_ms;   /* NVD cisaActionDue, 0 if absent */
	/* NVD configurations / CVE 5 affected (CNA then ADP entries; NVD affectedData too):
	 * the raw JSON array (NULL if absent), and the matcher's parsed form when the matching
	 * engine is built in (flw_feed_have_matcher()), else NULL. */
	json_t *config_json;
	struct flw_vuln_config *config;
	json_t *affected_json;
	struct flw_vuln_affected *affected;
	/* the matcher refused the JSON above (FLW_EFORMAT, FLW_ELIMIT): the record is kept
	 * with config/affected NULL, and the refusal reported (flw_feed_error.record_kept) */
	int config_rc;
	int affected_rc;
	/* CVE 5: the container of each affected_json entry (0 = containers.cna, k + 1 =
	 * containers.adp[k]), so that reports name the field; NULL for NVD records */
	uint16_t *affected_from;
};

enum flw_kev_ransomware {
	FLW_KEV_RANSOMWARE_UNKNOWN,
	FLW_KEV_RANSOMWARE_KNOWN
};

struct flw_vuln_kev {
	char id[FLW_CVE_ID_MAX + 1];
	int64_t date_added_ms;
	int64_t due_date_ms;
	enum flw_kev_ransomware ransomware;
	char *vendor_project;
	char *product;
	char *name; /* vulnerabilityName */
	char **cwes;
	size_t n_cwes;
	int64_t catalog_released_ms; /* dateReleased of the catalogue it came from */
	char catalog_version[32];
};

struct flw_vuln_epss {
	int present;
	double epss;       /* 0..1 */
	double percentile; /* 0..1 */
	uint32_t epss_e5;  /* the same values x 100000, as read (exact) */
	uint32_t percentile_e5;
	int64_t score_date_ms;
	char model_version[32]; /* "" when the file had no comment line */
};

/* Everything known about one CVE id. Pointers are NULL when that feed has no record. */
struct flw_vuln_entry {
	char id[FLW_CVE_ID_MAX + 1];
	struct flw_vuln_record *nvd;
	struct flw_vuln_record *cve5;
	struct flw_vuln_kev *kev;
	struct flw_vuln_epss epss;
};

/* ---- record set ----------------------------------------------------------------------- */
FLW_EXPORT FLW_WARN_UNUSED int flw_vuln_db_new(struct flw_vuln_db **out);
FLW_EXPORT void flw_vuln_db_free(struct flw_vuln_db *db); /* NULL is fine */
/* Borrowed entry for an exact CVE id ("CVE-2023-1389"), NULL when unknown. */
FLW_EXPORT const struct flw_vuln_entry *flw_vuln_db_get(const struct flw_vuln_db *db,
                                                        const char *cve_id);
FLW_EXPORT size_t flw_vuln_db_count(const struct flw_vuln_db *db);
/* Visit every entry (unspecified order). A nonzero return from fn stops and is returned. */
typedef int (*flw_vuln_db_visit_fn)(const struct flw_vuln_entry *e, void *payload);
FLW_EXPORT int flw_vuln_db_foreach(const struct flw_vuln_db *db, flw_vuln_db_visit_fn fn,
                                   void *payload);

/* The CVSS base metric to display, per VULNDATA 9.3: NVD v3.1, NVD v3.0, CNA v4.0, CNA v3.1,
 * CNA v3.0, CISA-ADP/ADP v3.x, any v4.0, then v2 (NVD before others). Selected by source,
 * never by "type". Looks at the NVD record first, then the CVE 5 record. NULL if none. */
FLW_EXPORT const struct flw_vuln_cvss *flw_vuln_entry_cvss(const struct flw_vuln_entry *e);
/* The record to use for dates and text: NVD when present, else CVE 5; NULL if neither. */
FLW_EXPORT const struct flw_vuln_record *flw_vuln_entry_record(const struct flw_vuln_entry *e);

/* 1 when NVD configurations and CVE 5 affected are parsed by the matching engine. */
FLW_EXPORT int flw_feed_have_matcher(void);

/* ---- import --------------------------------------------------------------------------- */
struct flw_feed_stats {
	size_t records;   /* complete records read */
	size_t added;     /* new for this CVE and feed */
	size_t replaced;  /* newer than what the set held */
	size_t unchanged; /* equal or older: the set keeps its copy */
	size_t failed;    /* malformed, reported and skipped */
	size_t refused;   /* refusals reported with record_kept: configurations/affected refused
	                   * as a whole, or one skipped cpes entry (a record may count more) */
	size_t files;     /* files read (directory import) */
};

struct flw_feed_error {
	enum flw_feed_kind kind;
	const char *file;            /* path, or "<memory>" */
	const char *id;              /* CVE id if one could be found, else "" */
	size_t index;                /* 0-based record index (JSON), or 1-based line (lines/CSV) */
	const struct flw_diag *diag; /* code, field path and reason */
	int record_kept;             /* 1: only the matcher refused its part, record imported */
};

struct flw_feed_progress {
	enum flw_feed_kind kind;
	const char *file;
	uint64_t bytes_done;
	uint64_t bytes_total; /* 0 when unknown */
	const struct flw_feed_stats *stats;
	int done; /* 1 on the last call for this file */
};

typedef void (*flw_feed_error_fn)(const struct flw_feed_error *e, void *payload);
typedef void (*flw_feed_progress_fn)(const struct flw_feed_progress *p, void *payload);

#define FLW_FEED_OPTS_VERSION 1
struct flw_feed_opts {
	unsigned version;           /* FLW_FEED_OPTS_VERSION */
	flw_feed_error_fn on_error; /* each malformed record; NULL: count only */
	flw_feed_progress_fn on_progress;
	size_t progress_every; /* records between progress calls; 0: 1000 */
	void *payload;
};
#define FLW_FEED_OPTS_INIT                                 \
	{                                                  \
		FLW_FEED_OPTS_VERSION, NULL, NULL, 0, NULL \
	}

/*
 * Import one file into db. opts may be NULL; stats (may be NULL) is added to, not reset.
 * Returns 0 when the file was read to its end (malformed records are not an error: see
 * stats->failed), FLW_EFORMAT for a broken file, FLW_ELIMIT, FLW_EIO/FLW_ENOTFOUND,
 * FLW_ENOMEM, FLW_EINVAL; diag says where. Records read before the error stay imported.
 *
 * nvd:        one NVD CVE API 2.0 response ({..., "vulnerabilities": [{"cve": {...}}]})
 * nvd_dir:    every regular "*.json" file of a directory (not recursive), in name order,
 *             each an API 2.0 response; stops at the first file-level error
 * cve5:       one CVE JSON 5 record per file ({"dataType": "CVE_RECORD", ...})
 * cve5_jsonl: CVE JSON 5 records one per line (empty lines are skipped)
 * kev:        the CISA KEV catalogue JSON
 * epss:       FIRST EPSS CSV, plain text (not gzip): optional "#model_version:...,score_date:..."
 *             line, header "cve,epss,percentile", then rows
 */
FLW_EXPORT FLW_WARN_UNUSED int flw_feed_import_nvd(struct flw_vuln_db *db, const char *path,
                                                   const struct flw_feed_opts *opts,
                                                   struct flw_feed_stats *stats,
                                                   struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_feed_import_nvd_dir(struct flw_vuln_db *db, const char *dir,
                                                       const struct flw_feed_opts *opts,
                                                       struct flw_feed_stats *stats,
                                                       struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_feed_import_cve5(struct flw_vuln_db *db, const char *path,
                                                    const struct flw_feed_opts *opts,
                                                    struct flw_feed_stats *stats,
                                                    struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_feed_import_cve5_jsonl(struct flw_vuln_db *db, const char *path,
                                                          const struct flw_feed_opts *opts,
                                                          struct flw_feed_stats *stats,
                                                          struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_feed_import_kev(struct flw_vuln_db *db, const char *path,
                                                   const struct flw_feed_opts *opts,
                                                   struct flw_feed_stats *stats,
                                                   struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_feed_import_epss(struct flw_vuln_db *db, const char *path,
                                                    const struct flw_feed_opts *opts,
                                                    struct flw_feed_stats *stats,
                                                    struct flw_diag *diag);

/* The same from memory (fuzzers, network responses): kind is FLW_FEED_NVD, FLW_FEED_CVE5
 * (one record), FLW_FEED_KEV or FLW_FEED_EPSS; cve5_lines selects JSON lines for CVE5.
 * The size cap of the kind applies. */
FLW_EXPORT FLW_WARN_UNUSED int flw_feed_import_mem(struct flw_vuln_db *db, int kind, int cve5_lines,
                                                   const void *data, size_t len,
                                                   const struct flw_feed_opts *opts,
                                                   struct flw_feed_stats *stats,
                                                   struct flw_diag *diag);

/* ---- kind of a file ------------------------------------------------------------------- */
#define FLW_FEED_SNIFF_BYTES (64u * 1024u) /* the first bytes of a file enough to tell its kind */
/* The kind of a feed from its first n bytes (complete = 1 when p holds the whole file):
 * "nvd", "cve5" (one record), "cve5-jsonl", "kev" or "epss" by a decisive key or header, NULL
 * when it cannot be told (the caller asks for an explicit kind). Never reads past n. */
FLW_EXPORT const char *flw_feed_sniff(const void *p, size_t n, int complete);

FLW_END_DECLS
#endif /* FLW_FEED_H */
