/* include/fleetward/risk.h - explainable risk per finding, deadlines, lifecycle, MTTP, end of life
 *
 * Pure functions over in-memory structs (no store, no I/O): the model of docs/RISK.md and
 * VULNDATA 9-10. A finding is one device x CVE x component.
 *
 * - flw_risk_assess(): SSVC-style decision (act / attend / track* / track) from a table of
 *   every Exploitation x Automatable x Technical Impact x Mission & Well-being leaf, a 0-100
 *   score ordering findings within a decision, the deadline and the reasons for all of it.
 * - struct flw_risk_policy: criticality classes (built-in safety-critical,
 *   confidentiality-sensitive, non-critical, plus operator-defined ones) with their Mission &
 *   Well-being, business impact and deadline; defaults from flw_risk_policy_init(), or a small
 *   "key = value" file read by flw_risk_policy_parse() (outside input: bounded, fuzzed).
 * - flw_finding_apply(): the lifecycle open / fixed / risk-accepted (never deleted), a table.
 * - flw_mttp_compute(): mean / median / p90 time to patch per class and severity, split into
 *   vendor and operator lag, still-open findings censored at now and counted.
 * - flw_eol_recommend(): isolate / replace / compensating control for devices past support.
 *
 * Times are milliseconds since the epoch, UTC; 0 means "not known / not given".
 */
#ifndef FLW_RISK_H
#define FLW_RISK_H
#include <stddef.h>
#include <stdint.h>
#include "fleetward/common.h"
#include "fleetward/feed.h"
#include "fleetward/match.h"
FLW_BEGIN_DECLS

struct flw_diag;

/* ---- enums ---------------------------------------------------------------------------- */

/* ordered: a larger value is more urgent */
enum flw_risk_decision {
	FLW_RISK_TRACK,
	FLW_RISK_TRACK_STAR, /* track closely */
	FLW_RISK_ATTEND,
	FLW_RISK_ACT,
	_FLW_RISK_DECISION_MAX,
	_FLW_RISK_DECISION_INVALID = -1
};
FLW_EXPORT const char *flw_risk_decision_to_string(int d); /* "track", "track*", ... */
FLW_EXPORT int flw_risk_decision_from_string(const char *s);

enum flw_risk_exposure {
	FLW_RISK_EXPOSURE_UNKNOWN, /* scored as policy.unknown_exposure */
	FLW_RISK_EXPOSURE_INTERNET,
	FLW_RISK_EXPOSURE_LAN, /* a segment / VLAN */
	FLW_RISK_EXPOSURE_ISOLATED,
	_FLW_RISK_EXPOSURE_MAX,
	_FLW_RISK_EXPOSURE_INVALID = -1
};
FLW_EXPORT const char *flw_risk_exposure_to_string(int e); /* "unknown", "internet", ... */
FLW_EXPORT int flw_risk_exposure_from_string(const char *s);

/* Mission & Well-being (SSVC) and business impact */
enum flw_risk_level {
	FLW_RISK_LOW,
	FLW_RISK_MEDIUM,
	FLW_RISK_HIGH,
	_FLW_RISK_LEVEL_MAX,
	_FLW_RISK_LEVEL_INVALID = -1
};
FLW_EXPORT const char *flw_risk_level_to_string(int l); /* "low", "medium", "high" */
FLW_EXPORT int flw_risk_level_from_string(const char *s);

/* SSVC decision table: one leaf per Exploitation x Automatable x Technical Impact x M&W
 * (VULNDATA 9.1). automatable, technical_total: 0/1. */
FLW_EXPORT enum flw_risk_decision flw_risk_ssvc_decide(enum flw_ssvc_exploitation e,
                                                       int automatable, int technical_total,
                                                       enum flw_risk_level mission_wellbeing);

/* ---- policy --------------------------------------------------------------------------- */

#define FLW_RISK_CLASS_NAME_MAX   31
#define FLW_RISK_MAX_CLASSES      16
#define FLW_RISK_MAX_DAYS         3650u
#define FLW_RISK_POLICY_MAX_BYTES ((size_t)64 << 10)
#define FLW_RISK_POLICY_MAX_LINE  512u

#define FLW_RISK_CLASS_SAFETY          "safety-critical"
#define FLW_RISK_CLASS_CONFIDENTIALITY "confidentiality-sensitive"
#define FLW_RISK_CLASS_NON_CRITICAL    "non-critical"

struct flw_risk_class {
	char name[FLW_RISK_CLASS_NAME_MAX + 1]; /* [a-z0-9_-], starts with a letter */
	enum flw_risk_level mission_wellbeing;  /* SSVC decision point */
	enum flw_risk_level business_impact;    /* score factor B, CVSS CR/IR/AR */
	unsigned deadline_days;                 /* 1..FLW_RISK_MAX_DAYS from first seen */
};

struct flw_risk_policy {
	struct flw_risk_class classes[FLW_RISK_MAX_CLASSES];
	size_t n_classes;
	char default_class[FLW_RISK_CLASS_NAME_MAX + 1]; /* for devices with no/unknown class */
	/* optional per-decision cap (0 = none): deadline = min(class days, decision days) */
	unsigned decision_days[_FLW_RISK_DECISION_MAX];
	enum flw_risk_exposure unknown_exposure; /* how an unknown exposure is scored */
	uint32_t epss_poc_e5; /* derived Exploitation poc when EPSS >= this (x1e5); 10000 = 0.1 */
};

/* Defaults: safety-critical (M&W high, impact high, 7 days), confidentiality-sensitive
 * (M&W medium, impact high, 14 days), non-critical (M&W low, impact low, 30 days); default
 * class non-critical; no decision caps; unknown exposure scored as internet; EPSS poc 0.1. */
FLW_EXPORT void flw_risk_policy_init(struct flw_risk_policy *p);
/* Class by name, NULL if the policy has none. */
FLW_EXPORT const struct flw_risk_class *flw_risk_policy_class(const struct flw_risk_policy *p,
                                                              const char *name);

/**
 * Apply a policy file on top of *p (call flw_risk_policy_init first). Lines "key = value",
 * '#' comments, blank lines. Keys:
 *   class.<name>.mission = low|medium|high      (a new <name> defines an operator class;
 *   class.<name>.impact = low|medium|high        it starts as M&W low, impact low, 30 days)
 *   class.<name>.deadline_days = 1..3650
 *   default_class = <name>                       (must be defined by the end of the file)
 *   decision.<act|attend|track-star|track>.days = 0..3650   (0 = no cap)
 *   exposure.unknown = internet|lan|isolated
 *   epss.poc_threshold = 0..1 (at most 5 decimals)
 * Unknown keys, duplicate keys, bad values are FLW_EFORMAT with diag line and path = key.
 * On error *p is unchanged. data need not be NUL-terminated.
 * @return 0, FLW_EFORMAT, FLW_ELIMIT (size, line length, class count) or FLW_EINVAL
 */
FLW_EXPORT FLW_WARN_UNUSED int flw_risk_policy_parse(struct flw_risk_policy *p, const char *data,
                                                     size_t len, struct flw_diag *diag);

/* ---- risk per finding ----------------------------------------------------------------- */

struct flw_risk_input {
	/* exploitation */
	int kev;              /* on the CISA KEV catalogue (or NVD cisaExploitAdd) */
	int64_t kev_added_ms; /* dateAdded */
	int64_t kev_due_ms;   /* dueDate */
	int kev_ransomware;   /* knownRansomwareCampaignUse = Known */
	int epss_present;
	uint32_t epss_e5;       /* EPSS x 1e5 (0..100000) */
	uint32_t percentile_e5; /* percentile x 1e5 */
	int exploit_reference;  /* a reference is tagged "Exploit" */
	struct flw_vuln_ssvc ssvc;
	/* CVSS: the vector (v2, v3.x or v4.0) and base score x10; vector may be NULL */
	const char *cvss_vector;
	int cvss_present;
	unsigned cvss_score10;
	const char *cvss_source; /* for the reason text, may be NULL */
	/* device */
	enum flw_risk_exposure exposure;
	const char *segment;    /* may be NULL */
	const char *class_name; /* NULL or unknown: policy default_class (said in reasons) */
	enum flw_match_confidence confidence;
	/* deadline: first seen of the finding, and now (0: no deadline / overdue computed) */
	int64_t first_seen_ms;
	int64_t now_ms;
};

/* Fill in from feed data (exploitation and CVSS; device fields zeroed, exposure unknown).
 * Borrowed pointers into e. The CVSS used is a v3.x vector when one exists (NVD v3.1/3.0,
 * CNA v3.x, CISA-ADP v3.x: the environmental score needs it), else flw_vuln_entry_cvss(). */
FLW_EXPORT void flw_risk_input_from_entry(struct flw_risk_input *in,
                                          const struct flw_vuln_entry *e);

enum flw_risk_reason_code {
	FLW_RISK_R_KEV,          /* "kev" */
	FLW_RISK_R_EPSS,         /* "epss" */
	FLW_RISK_R_EXPLOITATION, /* "exploitation" */
	FLW_RISK_R_AUTOMATABLE,  /* "automatable" */
	FLW_RISK_R_IMPACT,       /* "technical-impact" */
	FLW_RISK_R_EXPOSURE,     /* "exposure" */
	FLW_RISK_R_CLASS,        /* "class" */
	FLW_RISK_R_CVSS,         /* "cvss" */
	FLW_RISK_R_CONFIDENCE,   /* "match" */
	FLW_RISK_R_DECISION,     /* "decision" */
	FLW_RISK_R_SCORE,        /* "score" */
	FLW_RISK_R_DEADLINE,     /* "deadline" */
	FLW_RISK_R_EOL,          /* "eol" */
	_FLW_RISK_R_MAX,
	_FLW_RISK_R_INVALID = -1
};
FLW_EXPORT const char *flw_risk_reason_code_to_string(int c);

#define FLW_RISK_MAX_REASONS 20
#define FLW_RISK_REASON_TEXT 160

struct flw_risk_reason {
	enum flw_risk_reason_code code;
	char text[FLW_RISK_REASON_TEXT]; /* human text, shown as "<code>: <text>" */
};

struct flw_risk_deadline {
	int64_t due_ms; /* 0 when first_seen is unknown and there is no KEV due date */
	unsigned days;  /* policy days applied */
	int kev_tightened;
	int overdue; /* now_ms given and now > due */
};

struct flw_risk_result {
	enum flw_risk_decision decision;
	unsigned score; /* 0..100 */
	/* the SSVC path actually used */
	enum flw_ssvc_exploitation exploitation;
	int automatable;
	int technical_total;
	enum flw_risk_level mission_wellbeing;
	enum flw_risk_level business_impact;
	enum flw_risk_exposure exposure;  /* after policy.unknown_exposure */
	unsigned cvss_env10;              /* impact used, x10 */
	int cvss_env_computed;            /* 1: CVSS 3.x environmental, 0: base score or assumed */
	const struct flw_risk_class *cls; /* borrowed from the policy */
	struct flw_risk_deadline deadline;
	struct flw_risk_reason reasons[FLW_RISK_MAX_REASONS];
	size_t n_reasons;
};

/**
 * Decide, score and explain one finding. Deterministic; allocation-free.
 * @return 0, or FLW_EINVAL (bad enum value, EPSS > 1e5, no classes in policy)
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2, 3) int flw_risk_assess(const struct flw_risk_policy *p,
                                                                    const struct flw_risk_input *in,
                                                                    struct flw_risk_result *out,
                                                                    struct flw_diag *diag);

/* Deadline only: days = min(class days, decision cap) from first_seen; a KEV due date that is
 * earlier replaces it (kev_tightened). @return 0 or FLW_EINVAL */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2, 7) int flw_risk_deadline(
        const struct flw_risk_policy *p, const struct flw_risk_class *cls,
        enum flw_risk_decision decision, int64_t first_seen_ms, int64_t kev_due_ms, int64_t now_ms,
        struct flw_risk_deadline *out);

/* CVSS 3.0/3.1 environmental score x10 for a vector, with the modified attack vector capped
 * by exposure (internet N, lan A, isolated L; unknown: no cap) and CR/IR/AR = impact
 * (low L, medium M, high H). Modified and temporal metrics in the vector are honoured.
 * @return 0, FLW_EFORMAT (not a CVSS 3.x vector) or FLW_EINVAL */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 4) int flw_cvss3_environmental(
        const char *vector, enum flw_risk_exposure exposure, enum flw_risk_level impact,
        unsigned *score10_out);

/* ---- finding lifecycle ---------------------------------------------------------------- */

enum flw_finding_state {
	FLW_FINDING_OPEN,
	FLW_FINDING_FIXED,
	FLW_FINDING_ACCEPTED,
	_FLW_FINDING_STATE_MAX,
	_FLW_FINDING_STATE_INVALID = -1
};
FLW_EXPORT const char *flw_finding_state_to_string(int s); /* "open", "fixed", "accepted" */

enum flw_finding_event {
	FLW_FINDING_EV_SEEN,   /* an assessment found it on the device */
	FLW_FINDING_EV_GONE,   /* the device runs a release without it */
	FLW_FINDING_EV_ACCEPT, /* risk accepted: reason, approver, expiry required */
	FLW_FINDING_EV_REVOKE, /* acceptance withdrawn */
	FLW_FINDING_EV_EXPIRE, /* acceptance reached its expiry (also applied implicitly) */
	_FLW_FINDING_EV_MAX,
	_FLW_FINDING_EV_INVALID = -1
};
FLW_EXPORT const char *flw_finding_event_to_string(int e);

#define FLW_FINDING_TEXT_MAX 255

struct flw_finding_life {
	enum flw_finding_state state;
	int64_t first_seen_ms; /* first SEEN ever; never changes afterwards */
	int64_t opened_ms;     /* last time it became open */
	int64_t fixed_ms;      /* last time it became fixed, 0 if never */
	int64_t updated_ms;    /* last event */
	unsigned reopen_count; /* fixed -> open (regression) and accepted -> open */
	char accept_reason[FLW_FINDING_TEXT_MAX + 1];
	char accept_approver[FLW_FINDING_TEXT_MAX + 1];
	int64_t accepted_ms;
	int64_t accept_expiry_ms;
};

struct flw_finding_event_data {
	enum flw_finding_event event;
	int64_t at_ms;        /* > 0, not before the finding's last event */
	const char *reason;   /* ACCEPT */
	const char *approver; /* ACCEPT */
	int64_t expiry_ms;    /* ACCEPT: > at_ms */
};

/* A new finding, open, first seen at at_ms. */
FLW_EXPORT void flw_finding_init(struct flw_finding_life *f, int64_t at_ms);
/* Next state for (state, event) from the table; _FLW_FINDING_STATE_INVALID when the event is
 * not allowed in that state. */
FLW_EXPORT int flw_finding_next(enum flw_finding_state s, enum flw_finding_event e);
/**
 * Apply an event. An acceptance whose expiry is <= at_ms first expires (back to open). A
 * refused event leaves *f unchanged: FLW_ESTATE (not allowed in this state), FLW_EINVAL
 * (missing reason/approver, expiry not after at_ms, time going backwards, text too long).
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_finding_apply(
        struct flw_finding_life *f, const struct flw_finding_event_data *ev, struct flw_diag *diag);
/* Expire an acceptance due at now_ms; returns 1 when it did. */
FLW_EXPORT int flw_finding_tick(struct flw_finding_life *f, int64_t now_ms);

/* ---- mean time to patch (VULNDATA 10) ------------------------------------------------- */

struct flw_mttp_finding {
	const char *device_id;  /* for the share of devices past deadline */
	const char *cve_id;     /* for exploit time-to-exposure, counted once per CVE */
	const char *class_name; /* NULL counts as "" */
	enum flw_cvss_severity severity;
	int64_t published_ms;     /* required (> 0): findings without it are counted as skipped */
	int64_t fix_available_ms; /* first release with the fix; 0 = none yet */
	int64_t remediated_ms;    /* device fixed; 0 = still open */
	int64_t kev_added_ms;     /* 0 = not on KEV */
	int64_t due_ms;           /* 0 = no deadline */
};

/* A distribution of durations. Censored values (still open) enter at their age at now, so
 * mean/median/p90 are lower bounds when n_censored > 0. In groups durations are clamped at 0;
 * kev_tte keeps negative values (on KEV before published). */
struct flw_mttp_dist {
	size_t n;
	size_t n_censored;
	int64_t mean_ms;
	int64_t median_ms; /* mean of the two middle values for even n */
	int64_t p90_ms;    /* nearest rank */
};

struct flw_mttp_group {
	char class_name[FLW_RISK_CLASS_NAME_MAX + 1]; /* "*" in the total */
	enum flw_cvss_severity severity;              /* _FLW_CVSS_SEVERITY_INVALID in the total */
	size_t n_findings;
	size_t n_open;
	struct flw_mttp_dist ttp;       /* published -> remediated (open: censored at now) */
	struct flw_mttp_dist vendor;    /* published -> fix available (none yet: censored) */
	struct flw_mttp_dist operator_; /* fix available -> remediated (fix exists only) */
};

struct flw_mttp_report {
	int64_t now_ms;
	struct flw_mttp_group total;
	struct flw_mttp_group *groups; /* per (class, severity), sorted by class then severity */
	size_t n_groups;
	size_t n_skipped; /* findings without published_ms */
	size_t n_devices;
	size_t n_devices_overdue;     /* an open finding with due_ms < now */
	struct flw_mttp_dist kev_tte; /* per CVE: published -> KEV dateAdded */
};

#define FLW_MTTP_MAX_FINDINGS ((size_t)1 << 26)

/**
 * Compute the report over f[0..n). *out is new (flw_mttp_report_free). Strings are copied.
 * @return 0, FLW_ELIMIT, FLW_ENOMEM or FLW_EINVAL
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(4) int flw_mttp_compute(const struct flw_mttp_finding *f,
                                                               size_t n, int64_t now_ms,
                                                               struct flw_mttp_report **out);
FLW_EXPORT void flw_mttp_report_free(struct flw_mttp_report *r);
/* Statistics of values[0..n) (sorted in place); censored[i] != 0 flags a censored value
 * (censored may be NULL). */
FLW_EXPORT FLW_NONNULL(4) void flw_mttp_dist_compute(int64_t *values, const unsigned char *censored,
                                                     size_t n, struct flw_mttp_dist *out);

/* ---- end of life ---------------------------------------------------------------------- */

enum flw_eol_action {
	FLW_EOL_NONE, /* supported, or no open findings */
	FLW_EOL_COMPENSATING,
	FLW_EOL_ISOLATE,
	FLW_EOL_REPLACE,
	_FLW_EOL_ACTION_MAX,
	_FLW_EOL_ACTION_INVALID = -1
};
FLW_EXPORT const char *flw_eol_action_to_string(int a); /* "none", "compensating-control", ... */

struct flw_eol_input {
	int64_t support_end_ms; /* first instant without support (the day after the last
	                         * supported day, 00:00 UTC); 0 = unknown: never past */
	int64_t now_ms;
	size_t n_open;                         /* open findings on the device */
	enum flw_risk_decision worst_decision; /* of those findings */
	enum flw_risk_exposure exposure;
	const char *class_name;
};

struct flw_eol_result {
	enum flw_eol_action action;
	struct flw_risk_reason reasons[6];
	size_t n_reasons;
};

/* Recommendation by table from exposure x class Mission & Well-being x decision band
 * (act or attend vs track-closely or track). @return 0 or FLW_EINVAL */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2,
                                       3) int flw_eol_recommend(const struct flw_risk_policy *p,
                                                                const struct flw_eol_input *in,
                                                                struct flw_eol_result *out);

FLW_END_DECLS
#endif /* FLW_RISK_H */
