/* src/libfleetward/server/vulnsvc.h - the vulnerability service (private to flw_server)
 *
 * The server around the pure engines (feed.h, match.h, risk.h, assess.h): it owns the
 * in-memory vulnerability record set, its match index, the risk policy, the current fleet
 * assessment and the device/release tables that assessment was built from, and it keeps the
 * store (store.h "vulnerability data") in step with them. Used by fleetwardd (src/daemon) and
 * its tests; nothing here knows about HTTP. Answers are JSON in the shapes of docs/PROTOCOL.md
 * "Vulnerabilities".
 *
 * Invariants:
 *  - Feed files live whole at DATA/feeds/<sha256hex>. An upload streams to DATA/feeds/tmp/,
 *    is fsynced and renamed to its digest (directory fsynced) before the store records the
 *    import, so every recorded import can be replayed; at open every recorded import is
 *    replayed in id order. The same kind and bytes again are a duplicate: nothing is imported.
 *  - Findings' lifecycle changes (new, reopened, fixed, acceptance lapsed) are persisted after
 *    every assessment, in batches of FLW_FINDINGS_PUT_MAX, and the new assessment replaces the
 *    current one only once they are committed; a risk acceptance or revocation is committed
 *    (with its audit row) before it is applied in memory. A call that returns 0 has had
 *    everything it changed committed. When persisting fails, the current assessment is kept
 *    and the next run starts again from the store (priors loaded, everything re-matched).
 *  - Thread safety: ONE mutex around the whole service. Every function below takes it, except
 *    the upload functions, which touch only their own upload object (streaming happens
 *    outside the lock; the import itself takes it). The store handle passed in belongs to
 *    the calling thread (store.h: a connection per thread).
 *  - Time only goes forward: runs use max(now, the newest time the service has seen), so a
 *    clock stepping back never makes the lifecycle refuse an event.
 */
#ifndef FLW_SERVER_VULNSVC_H
#define FLW_SERVER_VULNSVC_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "fleetward/risk.h"

struct flw_diag;
struct flw_store;
struct flw_audit;
struct flw_buf;
struct flw_vulnsvc;
struct flw_vulnsvc_upload;

#define FLW_VULNSVC_FEED_MAX_DEFAULT ((uint64_t)1 << 30) /* --feed-max-bytes default */
#define FLW_VULNSVC_ERRORS_MAX       100 /* per-record errors listed in an import answer */
#define FLW_VULNSVC_NAME_MAX         255 /* ?name= of an import */
#define FLW_VULNSVC_LIST_DEFAULT     100
#define FLW_VULNSVC_LIST_MAX         1000
#define FLW_VULNSVC_REPORT_ITEMS     1000            /* report items answered by default */
#define FLW_VULNSVC_REPORT_ITEMS_MAX 100000          /* ... and at most (?limit=) */
#define FLW_VULNSVC_ACCEPT_MAX_S     (365LL * 86400) /* acceptance expiry at most now + this */
#define FLW_VULNSVC_PERIOD_DEFAULT   (7 * 86400)     /* reports' ?period= default, seconds */

struct flw_vulnsvc_config {
	const char *data_dir;                 /* DATA: feed files in DATA/feeds */
	const struct flw_risk_policy *policy; /* copied; NULL = flw_risk_policy_init() */
	uint64_t feed_max_bytes;              /* 0 = FLW_VULNSVC_FEED_MAX_DEFAULT */
};

/* What open did (for the daemon's log) */
struct flw_vulnsvc_open_info {
	size_t feeds;         /* recorded imports replayed */
	size_t feeds_missing; /* recorded but their file is gone (replay skipped them) */
	size_t feeds_failed;  /* replay ended with a file-level error (as at import) */
	int64_t first_missing_id;
	size_t cves;     /* CVE ids in the record set */
	size_t findings; /* stored findings loaded as priors */
};

/**
 * Open: create DATA/feeds (and feeds/tmp, emptied), replay every recorded import, build the
 * index, load the stored findings as priors and the fleet (flw_store_assess_load), assess,
 * and persist the lifecycle changes. s is the caller's store.
 * @return 0, FLW_ENOMEM, FLW_EIO (data directory), FLW_ESTORE and store errors, FLW_EINVAL
 */
int flw_vulnsvc_open(struct flw_vulnsvc **out, struct flw_store *s,
                     const struct flw_vulnsvc_config *cfg, int64_t now_ms,
                     struct flw_vulnsvc_open_info *info, struct flw_diag *diag);
void flw_vulnsvc_free(struct flw_vulnsvc *v); /* NULL is fine */

/* ---- feed imports -------------------------------------------------------------------------
 * An upload: new (kind and name checked before any body byte), write as the bytes arrive
 * (streamed to a temporary file and hashed; never held in memory; FLW_ELIMIT past
 * --feed-max-bytes), then flw_vulnsvc_import(). kind NULL = tell from the first bytes. */
int flw_vulnsvc_upload_new(struct flw_vulnsvc *v, const char *kind, const char *name,
                           struct flw_vulnsvc_upload **out, struct flw_diag *diag);
int flw_vulnsvc_upload_write(struct flw_vulnsvc_upload *u, const void *p, size_t n,
                             struct flw_diag *diag);
/* Finish hashing (idempotent): the upload's SHA-256 as hex and its length. */
int flw_vulnsvc_upload_digest(struct flw_vulnsvc_upload *u, char hex[65], uint64_t *len_out);
void flw_vulnsvc_upload_free(struct flw_vulnsvc_upload *u); /* removes the temporary file */

/**
 * Import a finished upload: kind (given or sniffed: FLW_EFORMAT when it cannot be told),
 * file kept at DATA/feeds/<sha256>, records imported, the import recorded (audit's actor,
 * action and object are used; the detail is the service's), re-assessment (devices and
 * releases reloaded, matches reused except for the CVE ids whose NVD/CVE 5 record was added
 * or replaced), lifecycle persisted. The answer
 * (*out) is the import object of docs/PROTOCOL.md. A file-level error after at least one
 * record is part of the answer (the file is recorded); before any record it is FLW_EFORMAT /
 * FLW_ELIMIT and nothing is recorded. *audited_out = 1 when the store wrote the audit row.
 */
int flw_vulnsvc_import(struct flw_vulnsvc *v, struct flw_store *s, struct flw_vulnsvc_upload *u,
                       const struct flw_audit *audit, int64_t now_ms, json_t **out,
                       int *audited_out, struct flw_diag *diag);
/* GET /api/v1/feeds: {items, total, cves, kev, epss} */
int flw_vulnsvc_feeds(struct flw_vulnsvc *v, struct flw_store *s, json_t **out,
                      struct flw_diag *diag);
/* GET /api/v1/vulns/{cve}; FLW_EFORMAT for a malformed id, FLW_ENOTFOUND for an unknown one */
int flw_vulnsvc_vuln(struct flw_vulnsvc *v, const char *cve, json_t **out, struct flw_diag *diag);

/* ---- assessment ---------------------------------------------------------------------------- */
/* The current assessment object; FLW_ENOTFOUND before the first one. */
int flw_vulnsvc_assessment(struct flw_vulnsvc *v, json_t **out, struct flw_diag *diag);
/* Reload devices and releases from the store and assess (matches reused), persist, answer
 * the assessment object. */
int flw_vulnsvc_run(struct flw_vulnsvc *v, struct flw_store *s, int64_t now_ms, json_t **out,
                    struct flw_diag *diag);

/* ---- findings ------------------------------------------------------------------------------ */
struct flw_vulnsvc_filter {
	const char *device; /* exact ids/names; NULL = any */
	const char *cve;
	const char *component;
	const char *release;
	const char *class_name; /* the class the risk model used for the device */
	const char *site;
	int state;     /* enum flw_finding_state, -1 = any */
	int decision;  /* enum flw_risk_decision, -1 = any (fixed findings have none) */
	int overdue;   /* 1: overdue ones only */
	int min_score; /* -1 = none */
	size_t limit;  /* 0 = FLW_VULNSVC_LIST_DEFAULT, at most FLW_VULNSVC_LIST_MAX */
	size_t offset;
};
void flw_vulnsvc_filter_init(struct flw_vulnsvc_filter *f);
/* {items, total}, ordered open, accepted, fixed; decision desc, score desc, due asc, device,
 * cve, component. With f->device set: FLW_ENOTFOUND when the assessment has no such device. */
int flw_vulnsvc_findings(struct flw_vulnsvc *v, const struct flw_vulnsvc_filter *f, json_t **out,
                         struct flw_diag *diag);

/* A risk acceptance or revocation (body of POST /api/v1/findings/accept|revoke) */
struct flw_vulnsvc_decision {
	char device[65];
	char cve[32];
	char component[257];
	char reason[FLW_FINDING_TEXT_MAX + 1]; /* accept */
	int64_t expires;                       /* accept: Unix seconds */
};
/* Parse and check a body (accept = 1: reason and expires required, expires in the future and
 * at most now + 365 days). FLW_EFORMAT / FLW_ELIMIT naming the field. */
int flw_vulnsvc_decision_parse(struct flw_vulnsvc_decision *out, int accept, const void *body,
                               size_t len, int64_t now_ms, struct flw_diag *diag);
/* Accept (approver = who) or revoke: the stored lifecycle changed with its audit row (the
 * audit's detail is the caller's), then the device re-assessed; *out = the finding;
 * *audited_out = 1 once the store wrote the change with its audit row.
 * FLW_ENOTFOUND no such finding, FLW_ESTATE fixed / accepted already / not accepted,
 * FLW_ECONFLICT changed meanwhile. */
int flw_vulnsvc_accept(struct flw_vulnsvc *v, struct flw_store *s,
                       const struct flw_vulnsvc_decision *d, const char *approver,
                       const struct flw_audit *audit, int64_t now_ms, json_t **out,
                       int *audited_out, struct flw_diag *diag);
int flw_vulnsvc_revoke(struct flw_vulnsvc *v, struct flw_store *s,
                       const struct flw_vulnsvc_decision *d, const struct flw_audit *audit,
                       int64_t now_ms, json_t **out, int *audited_out, struct flw_diag *diag);

/* ---- reports ------------------------------------------------------------------------------- */
struct flw_vulnsvc_report_opts {
	int64_t period_s; /* 0 = FLW_VULNSVC_PERIOD_DEFAULT */
	double min_share; /* < 0 = 0.95 */
	int csv;          /* answer CSV into csv_out instead of JSON */
	size_t limit;     /* items; 0 = FLW_VULNSVC_REPORT_ITEMS */
	size_t offset;
};
void flw_vulnsvc_report_opts_init(struct flw_vulnsvc_report_opts *o);
/* 1 when name is a report ("summary", "mttp", ...) */
int flw_vulnsvc_report_known(const char *name);
/* A report over the current assessment: JSON into *json_out, or CSV appended to csv_out.
 * FLW_ENOTFOUND for an unknown name, FLW_ESTATE before the first assessment. s is used by
 * update-channel (progress of unfinished updates) and the summary. */
int flw_vulnsvc_report(struct flw_vulnsvc *v, struct flw_store *s, const char *name,
                       const struct flw_vulnsvc_report_opts *o, json_t **json_out,
                       struct flw_buf *csv_out, struct flw_diag *diag);

/* "nvd", "cve5", "cve5-jsonl", "kev", "epss" -> 1 */
int flw_vulnsvc_kind_ok(const char *kind);

#endif /* FLW_SERVER_VULNSVC_H */
