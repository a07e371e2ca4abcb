/* src/libfleetward/server/vulnsvc_impl.h - internals shared by vulnsvc*.c (private)
 *
 * vulnsvc.c        open/free, fleet tables, assessment runs, persistence, accept/revoke
 * vulnsvc_feed.c   uploads, kind sniffing, imports with change detection, replay
 * vulnsvc_json.c   finding / vuln / assessment / feed objects, the findings listing
 * vulnsvc_report.c the reports (JSON and CSV)
 *
 * Functions named vs_* with a struct flw_vulnsvc argument expect the service lock held.
 */
#ifndef FLW_SERVER_VULNSVC_IMPL_H
#define FLW_SERVER_VULNSVC_IMPL_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "fleetward/assess.h"
#include "fleetward/feed.h"
#include "fleetward/risk.h"
#include "fleetward/store.h"
#include "server/vulnsvc.h"

/* ---- arena and interned strings (fleet tables of a million devices stay compact) -------- */
struct vs_chunk;
struct vs_arena {
	struct vs_chunk *head;
};
void *vs_arena_alloc(struct vs_arena *a, size_t n); /* zeroed, 8-aligned; NULL on ENOMEM */
char *vs_arena_strdup(struct vs_arena *a, const char *s);
void vs_arena_free(struct vs_arena *a);

/* byte strings interned into an arena: equal content, one copy */
struct vs_intern {
	struct vs_arena *arena;
	const void **slots;
	size_t *lens;
	size_t cap;
	size_t n;
};
/* The interned copy of p[0..n) (NUL added), or NULL on ENOMEM. */
const void *vs_intern_bytes(struct vs_intern *t, const void *p, size_t n);
/* s interned; NULL stays NULL, *err = 1 on ENOMEM */
const char *vs_intern_str(struct vs_intern *t, const char *s, int *err);
void vs_intern_free(struct vs_intern *t);

/* ---- the fleet: the assessment input and what the reports need of each device ----------- */
struct vs_devinfo {
	const char *hwid;
	const char *installed;         /* "" when not reported */
	const char *installed_version; /* "" when not reported */
	int64_t last_seen;             /* Unix seconds */
	const char *class_name;        /* inventory class, NULL when unset */
	const char *site;              /* NULL when unset */
	const char *support_end;       /* effective "YYYY-MM-DD" (own or the model's), or NULL */
	int last_action_state;         /* enum flw_action_state, -1 none */
	int release_known;             /* installed is a release of the repository */
};

struct vs_fleet {
	struct vs_arena arena;
	struct vs_intern strs;
	struct flw_assess_release *rel;
	size_t n_rel; /* the last one is "no known release" (id "") */
	size_t cap_rel;
	uint32_t *rel_map; /* open addressing: release name -> index + 1 */
	size_t rel_map_cap;
	struct flw_assess_device *dev;
	struct vs_devinfo *info;
	size_t n_dev;
	size_t cap_dev;
	uint32_t *by_id; /* device indexes sorted by id */
	/* priors of a full run (from the store): device k's are dev[k].priors */
	struct flw_assess_prior *pri;
	const char **pri_ver; /* component version of each prior (may be NULL) */
	size_t n_pri;
	size_t cap_pri;
	size_t *pri_first;         /* per device: index of its first prior, (size_t)-1 none */
	struct vs_arena pri_arena; /* what only the priors use: freed after the run */
	struct vs_intern pri_strs;
	struct vs_intern lives;
	int64_t newest_ms; /* newest updated_ms among the priors */
	size_t none_rel;
};
void vs_fleet_free(struct vs_fleet *fl);
/* every release and device from the store (one read transaction) */
int vs_fleet_load(struct flw_store *s, struct vs_fleet **out, struct flw_diag *diag);
/* the stored findings as priors of a full run (also refills the acceptances) */
int vs_fleet_priors(struct flw_vulnsvc *v, struct flw_store *s, struct vs_fleet *fl,
                    struct flw_diag *diag);
void vs_fleet_drop_priors(struct vs_fleet *fl);
/* device index by id, or (size_t)-1 */
size_t vs_fleet_device(const struct vs_fleet *fl, const char *id);

/* ---- acceptances (reason and approver are not in the assessment) ------------------------- */
struct vs_accept {
	struct vs_accept *next;
	char *key; /* device \n cve \n component */
	char reason[FLW_FINDING_TEXT_MAX + 1];
	char approver[FLW_FINDING_TEXT_MAX + 1];
	int64_t accepted_ms;
	int64_t expiry_ms;
};

struct flw_vulnsvc {
	pthread_mutex_t lock;
	char *feeds_dir;
	char *tmp_dir;
	uint64_t feed_max;
	struct flw_risk_policy policy;
	struct flw_vuln_db *db;
	struct flw_vuln_index *index; /* NULL after a failed rebuild: rebuilt before use */
	size_t n_kev;
	size_t n_epss;
	/* recorded imports, in id order */
	struct flw_feed_import *imp;
	size_t n_imp;
	size_t cap_imp;
	/* the current assessment and the tables it was built from */
	struct vs_fleet *fleet;
	struct flw_assessment *cur;
	json_t *cur_json; /* the assessment object */
	int64_t at_ms;
	double seconds;      /* how long the current assessment took */
	int incremental;     /* it reused the matches of the one before */
	size_t cves;         /* distinct CVEs with open findings in it */
	int stale;           /* persisting failed: the next run starts from the store */
	int64_t last_now_ms; /* time only goes forward */
	struct vs_accept **acc;
	size_t acc_cap;
	size_t acc_n;
};

/* vulnsvc.c */
int vs_cve_ok(const char *s); /* CVE-YYYY-NNNN... */
int64_t vs_now(struct flw_vulnsvc *v, int64_t now_ms);
int vs_ensure_index(struct flw_vulnsvc *v, struct flw_diag *diag);
/* Devices and releases (fl, loaded beforehand outside the lock; NULL: loaded now; consumed)
 * assessed incrementally against cur, the CVE ids listed re-matched (a full run from the
 * stored findings when stale or there is no current one), persisted and installed. */
int vs_reassess(struct flw_vulnsvc *v, struct flw_store *s, struct vs_fleet *fl,
                const char *const *changed, size_t n_changed, int64_t now_ms,
                struct flw_diag *diag);
const struct vs_accept *vs_accept_get(const struct flw_vulnsvc *v, const char *dev, const char *cve,
                                      const char *comp);
int vs_accept_put(struct flw_vulnsvc *v, const char *dev, const char *cve, const char *comp,
                  const struct flw_finding_life *life);
void vs_accept_clear(struct flw_vulnsvc *v);

/* vulnsvc_feed.c */
int vs_replay(struct flw_vulnsvc *v, struct flw_store *s, struct flw_vulnsvc_open_info *info,
              struct flw_diag *diag);
void vs_count_feeds(struct flw_vulnsvc *v);

/* vulnsvc_json.c */
/* Findings [first, end) of an assessment, read in chunks (flw_assessment_findings_get) */
#define VS_FITER_CHUNK 256
struct vs_fiter {
	const struct flw_assessment *a;
	size_t next; /* index of the next finding to hand out */
	size_t end;
	size_t base; /* index of buf[0] */
	size_t n;    /* findings in buf */
	int rc;      /* FLW_EINVAL when a read failed */
	struct flw_assess_finding buf[VS_FITER_CHUNK];
};
void vs_fiter_init(struct vs_fiter *it, const struct flw_assessment *a, size_t first, size_t end);
/* the next finding (borrowed until the next call) and its index, or NULL at the end or on a
 * failed read (it->rc) */
const struct flw_assess_finding *vs_fiter_next(struct vs_fiter *it, size_t *idx_out);
json_t *vs_time(int64_t ms);   /* Unix seconds or null for 0 */
json_t *vs_days(int64_t ms);   /* days with two decimals */
json_t *vs_str(const char *s); /* string or null for NULL */
/* (re)build v->cur_json (and v->cves) from v->cur */
int vs_assessment_json(struct flw_vulnsvc *v);
json_t *vs_finding_json(const struct flw_vulnsvc *v, size_t i, const struct flw_assess_finding *f);
json_t *vs_import_json(const struct flw_feed_import *f);
/* the finding (device index, cve, component name) in the current assessment */
int vs_finding_find(const struct flw_vulnsvc *v, size_t dev, const char *cve, const char *comp,
                    size_t *idx_out, struct flw_assess_finding *out);
/* class the risk model uses for device i (its own when the policy knows it, else default) */
const char *vs_effective_class(const struct flw_vulnsvc *v, size_t dev);
/* date "YYYY-MM-DD" -> ms of the following midnight UTC (support lasts through that day); 0 bad */
int64_t vs_date_end_ms(const char *date);

#endif /* FLW_SERVER_VULNSVC_IMPL_H */
