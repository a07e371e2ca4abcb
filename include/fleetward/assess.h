/* include/fleetward/assess.h - fleet assessment: which devices carry which CVEs, and what to do
 *
 * A pure engine (no store, no I/O) over a vulnerability record set (feed.h) and its match index
 * (match.h). Fleets are homogeneous, so work is done per DISTINCT thing and projected:
 *
 * 1. Components of every release and every device's extra components are deduplicated (same
 *    name, version, purl, cpe, vendor = one component) and each distinct component is matched
 *    once through the index without a platform (hardware unknown).
 * 2. Matches that assumed the hardware (FLW_MATCH_F_ASSUMED: firmware-on-hardware) are
 *    re-evaluated once per (match, distinct hardware CPE) for devices that report hardware:
 *    firmware-on-hardware then applies only to matching hardware.
 * 3. Risk (flw_risk_assess) is computed once per (CVE, match confidence, class, exposure,
 *    segment) and shared; the deadline is per finding (it runs from the finding's first seen).
 * 4. Devices are projected: (release, hardware, class, exposure, segment) groups hold the list
 *    of (match, risk) once; each device gets its findings (device x CVE x component) from its
 *    group plus its extra components.
 * 5. Lifecycle (risk.h flw_finding_*): a device's earlier findings (given as priors, or taken
 *    from a previous assessment by device id) are identified by (CVE, component name); seen
 *    again they keep their first seen; not seen any more they become "fixed" at now and stay
 *    in the output (never deleted, history stays true).
 *
 * Incremental re-assessment (flw_assess_run with prev and a changed CVE list): matches of
 * components already matched in prev are reused for every CVE not in the list; only the listed
 * CVEs are evaluated again (components new since prev are matched in full). Projection and
 * risk are recomputed (they are cheap and depend on KEV/EPSS/policy and the device list).
 *
 * The result owns copies of every string it exposes and of the policy (risk results' classes
 * point into that copy): it stays valid after the inputs, the record set, the index and the
 * policy are freed or changed. Not thread-safe; one result per thread.
 */
#ifndef FLW_ASSESS_H
#define FLW_ASSESS_H
#include <stddef.h>
#include <stdint.h>
#include "fleetward/common.h"
#include "fleetward/feed.h"
#include "fleetward/match.h"
#include "fleetward/risk.h"
#include "fleetward/sbom.h"
FLW_BEGIN_DECLS

struct flw_diag;
struct flw_assessment; /* opaque result */

#define FLW_ASSESS_MAX_RELEASES   ((size_t)1 << 20)
#define FLW_ASSESS_MAX_DEVICES    ((size_t)1 << 26)
#define FLW_ASSESS_MAX_COMPONENTS ((size_t)1 << 16) /* per release, and extras per device */
#define FLW_ASSESS_MAX_PRIORS     ((size_t)1 << 16) /* per device */
#define FLW_ASSESS_MAX_FINDINGS   ((size_t)1 << 30)
#define FLW_ASSESS_NONE           UINT32_MAX /* "no index" in uint32_t fields */

/* ---- input ---------------------------------------------------------------------------- */

struct flw_assess_release {
	const char *id;           /* unique, e.g. "fw/router-2.1.0" */
	const char *product_line; /* releases of one line replace each other; NULL = id */
	int64_t released_ms;      /* order within the line (patch queue: newer = larger) */
	const struct flw_sbom_component *components; /* name required; others may be NULL */
	size_t n_components;
};

/* A finding the device already has (from the store): identity (CVE, component name) and its
 * lifecycle so far. */
struct flw_assess_prior {
	const char *cve_id;
	const char *component; /* component name */
	const struct flw_finding_life *life;
};

struct flw_assess_device {
	const char *id;           /* unique */
	size_t release;           /* index into flw_assess_input.releases */
	const char *hardware_cpe; /* CPE 2.3 of the hardware; NULL = unknown */
	const char *class_name;   /* NULL/unknown: policy default class (said in reasons) */
	enum flw_risk_exposure exposure;
	const char *segment;    /* LAN segment / VLAN, may be NULL */
	int64_t support_end_ms; /* first instant without vendor support (risk.h); 0 = unknown */
	const struct flw_sbom_component *extra; /* components the device reports itself */
	size_t n_extra;
	const struct flw_assess_prior *priors; /* ignored for devices found in prev ... */
	size_t n_priors;
	int priors_override; /* ... unless 1: then these priors replace prev's findings (the
	                      * server sets it after a risk acceptance or revocation) */
};

struct flw_assess_input {
	const struct flw_vuln_db *db;       /* KEV, EPSS, SSVC, CVSS per CVE */
	const struct flw_vuln_index *index; /* built over db (flw_assess_index_new) */
	const struct flw_risk_policy *policy;
	const struct flw_assess_release *releases;
	size_t n_releases;
	const struct flw_assess_device *devices;
	size_t n_devices;
	int64_t now_ms; /* > 0: time of this assessment (first seen, fixed, overdue) */
};

/* ---- output --------------------------------------------------------------------------- */

/* One CVE matched on one distinct component (for one hardware, or any). */
struct flw_assess_hit {
	const char *cve_id;
	uint32_t cve;       /* index for flw_assessment_cve_count() and friends */
	uint32_t component; /* flw_assessment_component() index; NONE for a fixed-only hit */
	const char *component_name;
	uint32_t hardware;             /* NONE: evaluated without hardware; else hardware index */
	struct flw_match_result match; /* the explanation; strings owned by the assessment */
};

enum flw_assess_change {
	FLW_ASSESS_NEW,       /* first seen now */
	FLW_ASSESS_STILL,     /* seen before and now */
	FLW_ASSESS_REOPENED,  /* was fixed (or acceptance lapsed), open again */
	FLW_ASSESS_FIXED_NOW, /* was open/accepted, gone now */
	FLW_ASSESS_HISTORY,   /* was fixed, still gone: kept as history */
};

struct flw_assess_finding {
	uint32_t device;      /* index into the input devices */
	uint32_t hit;         /* flw_assessment_hit() */
	uint32_t risk;        /* flw_assessment_risk(); NONE when not present now (fixed) */
	uint8_t state;        /* enum flw_finding_state */
	uint8_t change;       /* enum flw_assess_change */
	uint8_t overdue;      /* open and now > due */
	uint8_t reopen_count; /* saturates at 255 */
	int64_t first_seen_ms;
	int64_t opened_ms;
	int64_t fixed_ms;
	int64_t updated_ms;
	int64_t accept_expiry_ms;
	int64_t due_ms; /* 0 when fixed */
	/* The first release of the device's product line, newer than the release the device runs
	 * (released_ms greater), that does not carry (CVE, component name): the vendor's fix.
	 * For a fixed finding: the first such release newer than the release the device ran
	 * when the finding was last open, else the release it runs now. NONE / 0: none yet. */
	uint32_t fix_release;     /* input release index or FLW_ASSESS_NONE */
	int64_t fix_available_ms; /* its released_ms, 0 when none */
};

struct flw_assess_device_result {
	size_t first; /* findings [first, first + n) belong to the device */
	size_t n;
	size_t n_open;                /* open (not accepted, not fixed) */
	enum flw_risk_decision worst; /* of the open findings; TRACK when none */
	unsigned worst_score;
	enum flw_eol_action eol; /* flw_eol_recommend() for past-support devices */
	uint32_t group; /* projection group (release, hardware, class, exposure, segment) */
};

struct flw_assess_stats {
	size_t devices;
	size_t releases;
	size_t components;  /* distinct components */
	size_t unmatchable; /* distinct components the matcher refused (bad cpe/purl) */
	size_t matched;     /* distinct components matched through the index this run */
	size_t reused;      /* distinct components whose matches came from prev */
	size_t evaluated;   /* (component, record) evaluations for changed CVEs */
	size_t hits;
	size_t hardware_evals; /* (hit, hardware) re-evaluations */
	size_t groups;
	size_t risks; /* distinct risk results */
	size_t findings;
	size_t open;
	size_t fixed;
	size_t accepted;
	size_t overdue;
	size_t bad_hardware; /* hardware CPEs that did not parse: treated as unknown */
	size_t eol_devices;  /* devices with an end-of-life recommendation */
};

/**
 * Assess a fleet. prev (may be NULL) is an earlier result: its findings become the priors of
 * devices with the same id, and its matches are reused for every CVE not in changed[0..n)
 * (CVE ids added or modified since prev; pass n_changed = 0 with prev to reuse everything, or
 * prev = NULL for a full assessment). prev is not modified and may be freed afterwards.
 * @return 0, FLW_EINVAL (bad index, exposure or time; diag names the field), FLW_ELIMIT,
 *         FLW_ENOMEM; *out set only on success
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_assess_run(struct flw_assessment **out,
                                                                const struct flw_assess_input *in,
                                                                const struct flw_assessment *prev,
                                                                const char *const *changed,
                                                                size_t n_changed,
                                                                struct flw_diag *diag);
FLW_EXPORT void flw_assessment_free(struct flw_assessment *a); /* NULL is fine */

FLW_EXPORT const struct flw_assess_stats *flw_assessment_stats(const struct flw_assessment *a);
FLW_EXPORT size_t flw_assessment_finding_count(const struct flw_assessment *a);
/* Finding i (0 <= i < flw_assessment_finding_count(); a device's findings are
 * [first, first + n) of its flw_assessment_device()) copied into *out (findings may be stored
 * shared per projection group and materialised here). @return 0, FLW_EINVAL when i is out of
 * range. */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 3) int flw_assessment_finding_get(
        const struct flw_assessment *a, size_t i, struct flw_assess_finding *out);
/* Findings [i, i + n) copied into out[0..n): one device lookup, then sequential (for listings;
 * n calls of flw_assessment_finding_get each look the device up). @return 0, FLW_EINVAL when
 * [i, i + n) is not within [0, flw_assessment_finding_count()). */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1) int flw_assessment_findings_get(
        const struct flw_assessment *a, size_t i, size_t n, struct flw_assess_finding *out);
FLW_EXPORT const struct flw_assess_device_result *
flw_assessment_device(const struct flw_assessment *a, size_t i);
FLW_EXPORT const char *flw_assessment_device_id(const struct flw_assessment *a, size_t i);
FLW_EXPORT const struct flw_assess_hit *flw_assessment_hit(const struct flw_assessment *a,
                                                           uint32_t i);
FLW_EXPORT const struct flw_risk_result *flw_assessment_risk(const struct flw_assessment *a,
                                                             uint32_t i); /* NULL for NONE */
FLW_EXPORT const struct flw_sbom_component *flw_assessment_component(const struct flw_assessment *a,
                                                                     uint32_t i);

/* ---- patch queue ---------------------------------------------------------------------- */

struct flw_assess_fix {
	const char *cve_id;
	const char *component_name;
	size_t n_devices;
	enum flw_risk_decision decision; /* worst over those devices */
	unsigned score;                  /* highest */
};

/* A release that fixes open findings of devices on older releases of its product line: the
 * findings whose (CVE, component name) the release does not carry (matched without hardware,
 * so a heuristic match counts as carried). Sorted by decision, score, devices (desc). */
struct flw_assess_patch {
	size_t release; /* input index */
	const char *release_id;
	size_t n_devices;  /* devices with at least one finding it fixes */
	size_t n_findings; /* findings it fixes */
	enum flw_risk_decision decision;
	unsigned score;
	const struct flw_assess_fix *fixes; /* decision, score, devices (desc) */
	size_t n_fixes;
};

struct flw_assess_queue {
	struct flw_assess_patch *patches;
	size_t n;
	struct flw_assess_fix *fix_store; /* internal */
};

/* Build the patch queue of an assessment (open findings only). *out is new
 * (flw_assess_queue_free). @return 0 or FLW_ENOMEM */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_assess_patch_queue(
        struct flw_assess_queue **out, const struct flw_assessment *a);
FLW_EXPORT void flw_assess_queue_free(struct flw_assess_queue *q); /* NULL is fine */

/* ---- helpers -------------------------------------------------------------------------- */

/* Index every entry of db: NVD configurations, CVE 5 affected (NVD affected when there is no
 * CVE 5 record), description. Borrowed from db: free the index before db changes.
 * aliases: NULL = built-in. @return 0, FLW_ELIMIT, FLW_ENOMEM */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_assess_index_new(
        struct flw_vuln_index **out, const struct flw_vuln_db *db,
        const struct flw_alias_table *aliases, struct flw_diag *diag);

FLW_EXPORT const char *flw_assess_change_to_string(int c); /* "new", "still", ... */

FLW_END_DECLS
#endif /* FLW_ASSESS_H */
