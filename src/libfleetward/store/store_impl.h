/* store/store_impl.h - the backend interface behind include/fleetward/store.h (private)
 *
 * A backend provides one `struct flw_store_ops` table and an open function. Its store object
 * embeds `struct flw_store` as its first member. store.c checks every argument at the public
 * entry (NULL pointers, ids, string lengths against the struct sizes, counts, enum ranges) and
 * normalises defaults (listing limits) before dispatching, so a backend may assert them.
 *
 * Fail-stop: after an error that may have lost or corrupted data (SQLite: IOERR*, FULL,
 * CORRUPT, NOTADB; PostgreSQL: a failed commit or a lost connection) the backend calls
 * flw_store__fatal(); from then on store.c refuses every call with FLW_ESTORE and
 * flw_store_failed() returns 1, so the daemon stops acknowledging and exits for a restart.
 *
 * Only the backends' own files see the database client's header; SQL lives in the backend.
 */
#ifndef FLW_STORE_IMPL_H
#define FLW_STORE_IMPL_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "fleetward/store.h"

struct flw_diag;
struct flw_buf;

#define FLW_STORE_OPS_VERSION 1

struct flw_store_ops {
	unsigned version; /* FLW_STORE_OPS_VERSION */
	const char *name; /* "sqlite" */
	void (*close)(struct flw_store *s);
	int (*schema_version)(struct flw_store *s);

	int (*setting_get)(struct flw_store *s, const char *key, struct flw_buf *out,
	                   struct flw_diag *diag);
	int (*setting_set)(struct flw_store *s, const char *key, const char *value,
	                   struct flw_diag *diag);

	int (*audit_append)(struct flw_store *s, const struct flw_audit *a, struct flw_diag *diag);
	int (*audit_list)(struct flw_store *s, int64_t before_id, unsigned limit, json_t **out,
	                  struct flw_diag *diag);

	int (*api_token_add)(struct flw_store *s, const struct flw_api_token *t,
	                     const struct flw_audit *audit, int64_t *id_out, struct flw_diag *diag);
	int (*api_token_find)(struct flw_store *s, const unsigned char hash[FLW_SHA256_BYTES],
	                      struct flw_api_token *out, struct flw_diag *diag);
	int (*api_token_list)(struct flw_store *s, json_t **out, struct flw_diag *diag);
	int (*api_token_revoke)(struct flw_store *s, const char *name,
	                        const struct flw_audit *audit, struct flw_diag *diag);
	int (*api_token_count)(struct flw_store *s, int64_t *out, struct flw_diag *diag);

	int (*enroll_token_add)(struct flw_store *s, const struct flw_enroll_token *t,
	                        const struct flw_audit *audit, int64_t *id_out,
	                        struct flw_diag *diag);
	int (*enroll_token_list)(struct flw_store *s, json_t **out, struct flw_diag *diag);
	int (*enroll_token_revoke)(struct flw_store *s, const char *name,
	                           const struct flw_audit *audit, struct flw_diag *diag);

	int (*device_enroll)(struct flw_store *s, const struct flw_device *d,
	                     const unsigned char token_hash[FLW_SHA256_BYTES], time_t now,
	                     const struct flw_audit *audit, struct flw_diag *diag);
	int (*device_get)(struct flw_store *s, const char *id, struct flw_device *out,
	                  struct flw_diag *diag);
	int (*device_list)(struct flw_store *s, const struct flw_device_filter *f, json_t **out,
	                   int64_t *total_out, struct flw_diag *diag);
	int (*device_checkin)(struct flw_store *s, const struct flw_checkin *c,
	                      struct flw_diag *diag);
	int (*device_touch)(struct flw_store *s, const char *const *ids, const time_t *times,
	                    size_t n, struct flw_diag *diag);

	int (*group_add)(struct flw_store *s, const char *name, const struct flw_audit *audit,
	                 struct flw_diag *diag);
	int (*group_list)(struct flw_store *s, json_t **out, struct flw_diag *diag);
	int (*group_set_members)(struct flw_store *s, const char *group, const char *const *devices,
	                         size_t n, int add, const struct flw_audit *audit,
	                         struct flw_diag *diag);
	int (*group_delete)(struct flw_store *s, const char *name, const struct flw_audit *audit,
	                    struct flw_diag *diag);

	int (*artifact_add)(struct flw_store *s, const unsigned char sha256[FLW_SHA256_BYTES],
	                    uint64_t length, const struct flw_audit *audit, struct flw_diag *diag);
	int (*artifact_get)(struct flw_store *s, const unsigned char sha256[FLW_SHA256_BYTES],
	                    uint64_t *length_out, struct flw_diag *diag);
	int (*tuf_put)(struct flw_store *s, int role, int64_t version, const void *bytes,
	               size_t len, struct flw_diag *diag);
	int (*tuf_get)(struct flw_store *s, int role, int64_t version, struct flw_buf *out,
	               int64_t *version_out, struct flw_diag *diag);
	int (*tuf_publish)(struct flw_store *s, const struct flw_tuf_publish *p,
	                   const struct flw_audit *audit, struct flw_diag *diag);
	int (*release_get)(struct flw_store *s, const char *name, struct flw_release *out,
	                   struct flw_diag *diag);
	int (*release_list)(struct flw_store *s, json_t **out, struct flw_diag *diag);

	int (*deployment_create)(struct flw_store *s, const char *release,
	                         const char *const *devices, size_t n, const char *group,
	                         time_t now, const struct flw_audit *audit, int64_t *id_out,
	                         struct flw_diag *diag);
	int (*deployment_list)(struct flw_store *s, json_t **out, struct flw_diag *diag);
	int (*deployment_get)(struct flw_store *s, int64_t id, json_t **out, struct flw_diag *diag);
	int (*deployment_cancel)(struct flw_store *s, int64_t id, const struct flw_audit *audit,
	                         struct flw_diag *diag);
	int (*action_next)(struct flw_store *s, const char *device_id, struct flw_action *out,
	                   struct flw_diag *diag);
	int (*reports_apply)(struct flw_store *s, const char *device_id, const struct flw_report *r,
	                     size_t n, time_t now, int64_t *acked_seq_out, struct flw_diag *diag);
	int (*device_history)(struct flw_store *s, const char *device_id, unsigned limit,
	                      json_t **out, struct flw_diag *diag);

	/* director documents (appended; see store.h) */
	int (*action_director)(struct flw_store *s, const char *device_id, struct flw_action *out,
	                       struct flw_buf *doc, struct flw_director_doc *meta,
	                       struct flw_diag *diag);
	int (*director_next_version)(struct flw_store *s, const char *device_id,
	                             int64_t *version_out, struct flw_diag *diag);
	int (*director_put)(struct flw_store *s, const char *device_id, int64_t deployment_id,
	                    const void *doc, size_t len, const struct flw_director_doc *meta,
	                    struct flw_diag *diag);

	/* components (appended; see store.h) */
	int (*release_components)(struct flw_store *s, const char *name, json_t **out,
	                          struct flw_diag *diag);

	/* inventory and device components (appended; see store.h) */
	int (*device_inventory_set)(struct flw_store *s, const char *device_id,
	                            const struct flw_inventory_patch *p,
	                            const struct flw_audit *audit, struct flw_diag *diag);
	int (*device_components)(struct flw_store *s, const char *device_id, json_t **out,
	                         struct flw_diag *diag);

	/* vulnerability data (appended; see store.h) */
	int (*feed_add)(struct flw_store *s, const struct flw_feed_import *f,
	                const struct flw_audit *audit, int64_t *id_out, int *existed_out,
	                struct flw_diag *diag);
	int (*feed_each)(struct flw_store *s, flw_store_feed_fn fn, void *ctx,
	                 struct flw_diag *diag);
	int (*feed_list)(struct flw_store *s, json_t **out, struct flw_diag *diag);
	int (*findings_put)(struct flw_store *s, const struct flw_store_finding *f, size_t n,
	                    struct flw_diag *diag);
	int (*findings_each)(struct flw_store *s, flw_store_finding_fn fn, void *ctx,
	                     struct flw_diag *diag);
	int (*finding_get)(struct flw_store *s, const char *device_id, const char *cve_id,
	                   const char *component, struct flw_finding_life *out,
	                   struct flw_diag *diag);
	int (*finding_set_life)(struct flw_store *s, const char *device_id, const char *cve_id,
	                        const char *component, const struct flw_finding_life *life,
	                        int64_t expect_updated_ms, const struct flw_audit *audit,
	                        struct flw_diag *diag);
	int (*model_support_set)(struct flw_store *s, const char *hwid, const char *support_end,
	                         const struct flw_audit *audit, struct flw_diag *diag);
	int (*model_list)(struct flw_store *s, json_t **out, struct flw_diag *diag);
	/* rfn or dfn may be NULL (that part is skipped), not both */
	int (*assess_load)(struct flw_store *s, flw_store_assess_release_fn rfn,
	                   flw_store_assess_device_fn dfn, void *ctx, struct flw_diag *diag);
};

/* The part of every backend's store object that store.c reads. */
struct flw_store {
	const struct flw_store_ops *ops;
	int failed; /* set by flw_store__fatal(): fail-stop */
};

/* Backends call this on errors that may have lost data; see the file head. */
void flw_store__fatal(struct flw_store *s);

/* TUF role names as stored ("root", "targets", "snapshot", "timestamp"); NULL if bad. */
const char *flw_store__role_name(int role);
/* Largest metadata file accepted for role (limits from tuf.h); 0 if bad. */
size_t flw_store__role_max_bytes(int role);

/* Report history kept per device and deployment (hawkBit's status entries per action): a
 * backend stores every report but keeps only the newest FLW_STORE_HISTORY_MAX rows of each
 * (device, deployment) pair, deleting older ones in the same transaction; the action's state and
 * the device's last_seq advance as usual. Deployment 0 (reports not tied to one) counts as one. */
#define FLW_STORE_HISTORY_MAX 1000

/* Upper bound for an id prefix filter: end gets the smallest string above every string starting
 * with prefix, for "prefix <= id < end" under a byte-wise collation (SQLite BINARY, PostgreSQL
 * COLLATE "C"); never LIKE or GLOB, whose '_', '%', '*', '?' ids may contain or look like.
 * end holds FLW_ID_MAX + 1 bytes. Returns 0 (and "" in end) when there is no upper bound. */
int flw_store__prefix_end(const char *prefix, char end[FLW_ID_MAX + 1]);

/* Backends' open functions: target is the part of the URI after the scheme. */
int flw_store__sqlite_open(struct flw_store **out, const char *target, struct flw_diag *diag);

#endif /* FLW_STORE_IMPL_H */
