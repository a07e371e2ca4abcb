/* include/fleetward/store.h - the one storage interface (SQLite today, PostgreSQL later)
 *
 * A store is opened per thread (a connection is not shared between threads). Every function
 * that changes more than one row does it in one transaction; functions that take a
 * `const struct flw_audit *audit` write that audit row in the same transaction as the change,
 * so a change and its record commit together or not at all. A 0 return from a changing call
 * means the change is durably committed (SQLite: WAL + synchronous=FULL).
 *
 * Listings return JSON arrays of objects (new references) whose fields are documented in
 * docs/PROTOCOL.md, so the API can hand them out as they are.
 *
 * Backends implement struct flw_store_ops; only store_<backend>.c sees the database's header.
 */
#ifndef FLW_STORE_H
#define FLW_STORE_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "fleetward/common.h"
#include "fleetward/crypto.h"
#include "fleetward/protocol.h"
#include "fleetward/risk.h"
#include "fleetward/sbom.h"
#include "fleetward/tuf.h"
FLW_BEGIN_DECLS

struct flw_diag;
struct flw_buf;
struct flw_store;

/* Who did what: actor is "token:<name>", "device:<id>" or "system". */
struct flw_audit {
	const char *actor;
	const char *action; /* "device.enroll", "deployment.create", "token.revoke", ... */
	const char *object; /* "device:cam-01", "deployment:7", ... */
	const char *detail; /* JSON text or NULL */
	int result;         /* 0 ok, else the FLW_E* of a refused request */
};

/* Limits checked at every entry point (FLW_ELIMIT / FLW_EINVAL beyond them). */
#define FLW_STORE_LIST_DEFAULT      100    /* rows in a listing when the caller says 0 */
#define FLW_STORE_LIST_MAX          1000   /* rows in one listing at most */
#define FLW_STORE_BATCH_MAX         20000  /* devices named in one call (groups, deployments) */
#define FLW_STORE_TOUCH_MAX         100000 /* last-seen times in one flw_store_device_touch() */
#define FLW_STORE_URI_MAX           4096
#define FLW_STORE_SETTING_KEY_MAX   128
#define FLW_STORE_SETTING_VALUE_MAX (64u * 1024u)
#define FLW_AUDIT_ACTOR_MAX         128
#define FLW_AUDIT_ACTION_MAX        64
#define FLW_AUDIT_OBJECT_MAX        320
#define FLW_AUDIT_DETAIL_MAX        4096

/* Open (creating if needed) and migrate. uri: "sqlite:/path/file.db" or a plain path.
 * Migrations are versioned and applied in order at open, each in its own transaction. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_open(struct flw_store **out, const char *uri,
                                              struct flw_diag *diag);
FLW_EXPORT void flw_store_close(struct flw_store *s); /* NULL is fine */
/* Schema version after migration */
FLW_EXPORT int flw_store_schema_version(struct flw_store *s);
/* Fail-stop. Returns 1 once the store has hit an error that may have lost data (SQLite:
 * SQLITE_IOERR*, SQLITE_FULL, SQLITE_CORRUPT, SQLITE_NOTADB; reported as FLW_EIO or
 * FLW_ESTORE with the database's message in diag), else 0. From then on every call on s
 * returns FLW_ESTORE without touching the database: the daemon must stop acknowledging, log,
 * and exit non-zero so that the supervisor restarts it and recovery runs. SQLITE_BUSY after
 * the busy timeout (5 s) is FLW_ESTORE too but not fatal: the call may be retried. */
FLW_EXPORT int flw_store_failed(const struct flw_store *s);

/* ---- settings (small server-wide values) ------------------------------------------------- */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_setting_get(struct flw_store *s, const char *key,
                                                     struct flw_buf *out, struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_setting_set(struct flw_store *s, const char *key,
                                                     const char *value, struct flw_diag *diag);

/* ---- audit ------------------------------------------------------------------------------- */
/* For refused requests and anything not covered by a changing call below. */
FLW_EXPORT FLW_WARN_UNUSED int
flw_store_audit_append(struct flw_store *s, const struct flw_audit *a, struct flw_diag *diag);
/* Newest first, ids below before_id (0 = from the newest), at most limit rows.
 * Objects: {id, at, actor, action, object, detail, result}. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_audit_list(struct flw_store *s, int64_t before_id,
                                                    unsigned limit, json_t **out,
                                                    struct flw_diag *diag);

/* ---- management API tokens --------------------------------------------------------------- */
struct flw_api_token {
	int64_t id;
	char name[FLW_ID_MAX + 1];
	int role; /* enum flw_role */
	unsigned char hash[FLW_SHA256_BYTES];
	time_t created;
	time_t expires; /* 0 = never */
	int revoked;
};
/* FLW_ECONFLICT if the name exists (and is not revoked). */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_api_token_add(struct flw_store *s,
                                                       const struct flw_api_token *t,
                                                       const struct flw_audit *audit,
                                                       int64_t *id_out, struct flw_diag *diag);
/* Look a token up by the SHA-256 of its secret (an index lookup). Returns the row as stored,
 * revoked or expired ones included: the caller must refuse `revoked` and `expires` in the past.
 * FLW_ENOTFOUND for an unknown hash. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_api_token_find(struct flw_store *s,
                                                        const unsigned char hash[FLW_SHA256_BYTES],
                                                        struct flw_api_token *out,
                                                        struct flw_diag *diag);
/* All tokens, including revoked ones (never the hash). {id,name,role,created,expires,revoked} */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_api_token_list(struct flw_store *s, json_t **out,
                                                        struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_api_token_revoke(struct flw_store *s, const char *name,
                                                          const struct flw_audit *audit,
                                                          struct flw_diag *diag);
/* Number of API tokens that exist (first-run detection). */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_api_token_count(struct flw_store *s, int64_t *out,
                                                         struct flw_diag *diag);

/* ---- enrollment tokens ------------------------------------------------------------------- */
struct flw_enroll_token {
	int64_t id;
	char name[FLW_ID_MAX + 1];
	unsigned char hash[FLW_SHA256_BYTES];
	int64_t uses_left; /* -1 = unlimited */
	time_t created;
	time_t expires;             /* 0 = never */
	char group[FLW_ID_MAX + 1]; /* group new devices join; "" for none */
	int revoked;
};
FLW_EXPORT FLW_WARN_UNUSED int flw_store_enroll_token_add(struct flw_store *s,
                                                          const struct flw_enroll_token *t,
                                                          const struct flw_audit *audit,
                                                          int64_t *id_out, struct flw_diag *diag);
/* {id,name,uses_left,created,expires,group,revoked} */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_enroll_token_list(struct flw_store *s, json_t **out,
                                                           struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_enroll_token_revoke(struct flw_store *s, const char *name,
                                                             const struct flw_audit *audit,
                                                             struct flw_diag *diag);

/* ---- devices ----------------------------------------------------------------------------- */
/* Inventory an operator keeps per device (docs/PROTOCOL.md "Inventory"): what the risk model
 * needs. Empty strings and FLW_EXPOSED_UNKNOWN mean "not set". */
#define FLW_INV_CLASS_MAX             32 /* criticality class: 1-32 of [a-z0-9-], not starting with '-' */
#define FLW_INV_TEXT_MAX              128 /* segment, owner, site: printable, no control characters */
#define FLW_INV_DATE_MAX              10 /* support_end: YYYY-MM-DD, a real calendar date */
#define FLW_INV_CLASS_SAFETY          "safety-critical"
#define FLW_INV_CLASS_CONFIDENTIALITY "confidentiality-sensitive"
#define FLW_INV_CLASS_NONCRITICAL     "non-critical"
enum flw_exposed {
	FLW_EXPOSED_UNKNOWN = 0,
	FLW_EXPOSED_YES = 1, /* reachable from the internet */
	FLW_EXPOSED_NO = 2
};
struct flw_inventory {
	char class_name[FLW_INV_CLASS_MAX + 1];
	int internet_exposed; /* enum flw_exposed */
	char segment[FLW_INV_TEXT_MAX + 1];
	char owner[FLW_INV_TEXT_MAX + 1];
	char site[FLW_INV_TEXT_MAX + 1];
	char support_end[FLW_INV_DATE_MAX + 1]; /* vendor support end date */
};
/* Fields of struct flw_inventory, for patches and errors */
enum {
	FLW_INV_F_CLASS = 1u << 0,
	FLW_INV_F_EXPOSED = 1u << 1,
	FLW_INV_F_SEGMENT = 1u << 2,
	FLW_INV_F_OWNER = 1u << 3,
	FLW_INV_F_SITE = 1u << 4,
	FLW_INV_F_SUPPORT_END = 1u << 5,
	FLW_INV_F_ALL = (1u << 6) - 1
};
/* Check the fields named by `fields` of inv (pure). "" (and FLW_EXPOSED_UNKNOWN) are valid: they
 * clear a field. FLW_EFORMAT / FLW_ELIMIT with the field's JSON name ("class", "segment", ...)
 * in diag->path. */
FLW_EXPORT FLW_WARN_UNUSED int flw_inventory_check(const struct flw_inventory *inv, unsigned fields,
                                                   struct flw_diag *diag);

struct flw_device {
	char id[FLW_ID_MAX + 1];
	unsigned char pubkey[FLW_ED25519_PK_BYTES];
	char hwid[FLW_TUF_HWID_MAX + 1];
	time_t enrolled;
	time_t last_seen;
	char installed[FLW_TUF_TARGET_NAME_MAX + 1]; /* target name of the running release */
	char installed_version[FLW_TUF_VERSION_STR_MAX + 1];
	char slot_active;         /* 'A', 'B' or 0 */
	int trial;                /* 1 while running a slot on trial */
	char health[32];          /* "ok", "failing", "" */
	int64_t last_seq;         /* highest applied report sequence number */
	json_t *attrs;            /* inventory attributes (object), owned; NULL if none */
	json_t *groups;           /* array of group names, owned; filled by _get only */
	struct flw_inventory inv; /* filled by _get only */
};
FLW_EXPORT void flw_device_clear(struct flw_device *d); /* releases attrs/groups */

/* Enroll: consume one use of the enrollment token with hash token_hash (valid, not revoked, not
 * expired, uses left) and add the device, joining the token's group, all in one transaction.
 * FLW_EAUTH for an unknown/revoked/used-up token, FLW_EEXPIRED for an expired one,
 * FLW_ECONFLICT if the device id exists with another key. Enrolling again with the same id and
 * the same key is idempotent (0, no use consumed). */
FLW_EXPORT FLW_WARN_UNUSED int
flw_store_device_enroll(struct flw_store *s, const struct flw_device *d,
                        const unsigned char token_hash[FLW_SHA256_BYTES], time_t now,
                        const struct flw_audit *audit, struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_device_get(struct flw_store *s, const char *id,
                                                    struct flw_device *out, struct flw_diag *diag);

struct flw_device_filter {
	const char *group;     /* member of; NULL = any */
	const char *hwid;      /* NULL = any */
	const char *installed; /* target name; NULL = any */
	const char *id_prefix; /* NULL = any */
	unsigned limit;        /* 0 = 100; capped at 1000 */
	unsigned offset;
	const char *class_name; /* inventory class; NULL = any */
	const char *site;       /* NULL = any */
	int internet_exposed;   /* enum flw_exposed; FLW_EXPOSED_UNKNOWN = any */
};
/* {id,hwid,enrolled,last_seen,installed,installed_version,slot_active,trial,health,
 *  class,internet_exposed,segment,owner,site,support_end} ordered by id (inventory fields null
 * when not set); *total_out (optional) gets the count without limit/offset. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_device_list(struct flw_store *s,
                                                     const struct flw_device_filter *f,
                                                     json_t **out, int64_t *total_out,
                                                     struct flw_diag *diag);

/* What a check-in reports. NULL/empty fields leave the stored value alone; slot_active 0 means
 * "no slot information" and leaves trial alone too. */
struct flw_checkin {
	const char *device_id;
	const char *installed;
	const char *installed_version;
	char slot_active;
	int trial;
	const char *health;
	const json_t *attrs; /* replaces the stored attributes when not NULL */
	time_t now;
	/* The components the device reports itself (docs/PROTOCOL.md "Check-in"): replace the
	 * stored list when has_components (n_components may be 0: the list is emptied), written
	 * only when their fingerprint differs from the stored one. */
	int has_components;
	const struct flw_sbom_component *components;
	size_t n_components;
};
#define FLW_DEVICE_COMPONENTS_MAX 512 /* components one device reports */
/* Write the reported inventory if it differs from what is stored (no write otherwise; a write
 * also moves last_seen up to c->now). FLW_ENOTFOUND for an unknown device. */
FLW_EXPORT FLW_WARN_UNUSED int
flw_store_device_checkin(struct flw_store *s, const struct flw_checkin *c, struct flw_diag *diag);
/* Change the inventory fields named by p->fields (FLW_INV_F_*) to p->v's values ("" and
 * FLW_EXPOSED_UNKNOWN clear one), audited in the same transaction. FLW_ENOTFOUND for an
 * unknown device. */
struct flw_inventory_patch {
	unsigned fields;
	struct flw_inventory v;
};
FLW_EXPORT FLW_WARN_UNUSED int flw_store_device_inventory_set(struct flw_store *s,
                                                              const char *device_id,
                                                              const struct flw_inventory_patch *p,
                                                              const struct flw_audit *audit,
                                                              struct flw_diag *diag);
/* The device's components: those of the release it runs (its `installed` target's SBOM, in
 * SBOM order, "source": "release") then those it reported itself (in its order, "source":
 * "device"): [{name, version, purl, cpe, vendor, source}] (null where absent).
 * FLW_ENOTFOUND for an unknown device. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_device_components(struct flw_store *s,
                                                           const char *device_id, json_t **out,
                                                           struct flw_diag *diag);
/* Group commit of last-seen times gathered in memory: one transaction for n devices. Unknown
 * ids are skipped; last_seen never goes back. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_device_touch(struct flw_store *s, const char *const *ids,
                                                      const time_t *times, size_t n,
                                                      struct flw_diag *diag);

/* ---- groups ------------------------------------------------------------------------------ */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_group_add(struct flw_store *s, const char *name,
                                                   const struct flw_audit *audit,
                                                   struct flw_diag *diag);
/* {name, devices} with the member count */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_group_list(struct flw_store *s, json_t **out,
                                                    struct flw_diag *diag);
/* Add/remove devices (all or nothing: FLW_ENOTFOUND names the first unknown device). */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_group_set_members(struct flw_store *s, const char *group,
                                                           const char *const *devices, size_t n,
                                                           int add, const struct flw_audit *audit,
                                                           struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_group_delete(struct flw_store *s, const char *name,
                                                      const struct flw_audit *audit,
                                                      struct flw_diag *diag);

/* ---- artifacts, TUF metadata, releases --------------------------------------------------- */
/* Record an artifact stored at <data>/artifacts/<sha256hex> (idempotent). */
FLW_EXPORT FLW_WARN_UNUSED int
flw_store_artifact_add(struct flw_store *s, const unsigned char sha256[FLW_SHA256_BYTES],
                       uint64_t length, const struct flw_audit *audit, struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_artifact_get(struct flw_store *s,
                                                      const unsigned char sha256[FLW_SHA256_BYTES],
                                                      uint64_t *length_out, struct flw_diag *diag);

/* Published metadata files, immutable once stored (FLW_ECONFLICT if role+version exists). */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_tuf_put(struct flw_store *s, int role, int64_t version,
                                                 const void *bytes, size_t len,
                                                 struct flw_diag *diag);
/* version 0 = the newest. FLW_ENOTFOUND if none. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_tuf_get(struct flw_store *s, int role, int64_t version,
                                                 struct flw_buf *out, int64_t *version_out,
                                                 struct flw_diag *diag);

struct flw_release {
	int64_t id;
	struct flw_tuf_target target; /* name, length, sha256, version, hwids, security_version */
	int64_t targets_version;      /* targets.json version that introduced it */
	time_t created;
};
/* The components a release carries (its SBOM, docs/PROTOCOL.md "SBOM"). */
struct flw_release_components {
	const char *release; /* a name in flw_tuf_publish.added */
	const struct flw_sbom_component *c;
	size_t n;
};
/* Publish a new targets version in one transaction: the targets file, the snapshot and
 * timestamp that go with it, and a release row for each new target in `added`. Any
 * FLW_ECONFLICT (a version already taken, or a release name already used for another
 * sha256/length) leaves everything unchanged. A release in `added` that exists with the same
 * sha256 and length is kept as it is. Its targets_version is p->targets_version. */
struct flw_tuf_publish {
	const void *targets;
	size_t targets_len;
	int64_t targets_version;
	const void *snapshot;
	size_t snapshot_len;
	int64_t snapshot_version;
	const void *timestamp;
	size_t timestamp_len;
	int64_t timestamp_version;
	const struct flw_release *added;
	size_t n_added;
	/* The components of releases in `added` (from their SBOMs), stored in the same
	 * transaction; a release not named here gets none. At most FLW_SBOM_MAX_COMPONENTS each. */
	const struct flw_release_components *components;
	size_t n_components;
};
FLW_EXPORT FLW_WARN_UNUSED int flw_store_tuf_publish(struct flw_store *s,
                                                     const struct flw_tuf_publish *p,
                                                     const struct flw_audit *audit,
                                                     struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_release_get(struct flw_store *s, const char *name,
                                                     struct flw_release *out,
                                                     struct flw_diag *diag);
/* {id,name,version,length,sha256,hardware_ids,security_version,targets_version,created} */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_release_list(struct flw_store *s, json_t **out,
                                                      struct flw_diag *diag);
/* The release's components in SBOM order: {name,version,purl,cpe,vendor} (null when absent);
 * an empty array for a release published without an SBOM. FLW_ENOTFOUND for an unknown one. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_release_components(struct flw_store *s, const char *name,
                                                            json_t **out, struct flw_diag *diag);

/* ---- deployments and per-device actions -------------------------------------------------- */
/* Create a deployment of release to the listed devices and/or every member of group (either may
 * be empty), one pending action per device, in one transaction. A device's unfinished action of
 * an older deployment becomes FLW_ST_CANCELED. FLW_ENOTFOUND names an unknown release, device
 * or group; FLW_EINCOMPAT names a device whose hwid the release does not list. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_deployment_create(struct flw_store *s, const char *release,
                                                           const char *const *devices, size_t n,
                                                           const char *group, time_t now,
                                                           const struct flw_audit *audit,
                                                           int64_t *id_out, struct flw_diag *diag);
/* {id,release,created,created_by,devices,counts:{state:n,...},done} newest first */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_deployment_list(struct flw_store *s, json_t **out,
                                                         struct flw_diag *diag);
/* {id,release,created,created_by,counts,done,devices:[{device,state,detail,updated}]} */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_deployment_get(struct flw_store *s, int64_t id,
                                                        json_t **out, struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_deployment_cancel(struct flw_store *s, int64_t id,
                                                           const struct flw_audit *audit,
                                                           struct flw_diag *diag);

struct flw_action {
	int64_t deployment_id;
	int state; /* enum flw_action_state */
	struct flw_tuf_target target;
};
/* The device's current non-terminal action. FLW_ENOTFOUND when it has none. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_action_next(struct flw_store *s, const char *device_id,
                                                     struct flw_action *out, struct flw_diag *diag);

/* ---- director documents (Uptane-style, docs/PROTOCOL.md "Director") --------------------
 * The server signs one director document per action (per device and deployment) with its online
 * director key and re-sends the stored bytes on every check-in until it must be re-signed. Each
 * device has a director counter that only goes up: every document gets a new, higher version. */
#define FLW_DIRECTOR_DOC_MAX (32u * 1024u) /* bytes of one stored director document */
struct flw_director_doc {
	int64_t version;            /* signed.version; 0 when no document is stored */
	time_t expires;             /* signed.expires */
	char keyid[FLW_SHA256_HEX]; /* the director key that signed it */
};
/* flw_store_action_next() plus the director document stored for that action, in one read
 * transaction: its bytes are appended to doc (nothing when none; doc->max should be at least
 * FLW_DIRECTOR_DOC_MAX) and *meta describes it (version 0 when none). */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_action_director(struct flw_store *s, const char *device_id,
                                                         struct flw_action *out,
                                                         struct flw_buf *doc,
                                                         struct flw_director_doc *meta,
                                                         struct flw_diag *diag);
/* Increment the device's director counter and return the new value, in one transaction.
 * FLW_ENOTFOUND for an unknown device. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_director_next_version(struct flw_store *s,
                                                               const char *device_id,
                                                               int64_t *version_out,
                                                               struct flw_diag *diag);
/* Store the signed director document of the device's action in deployment_id, unless the
 * action is finished or already holds a document with a version >= meta->version (then
 * FLW_ECONFLICT and nothing changes: a concurrent check-in stored a newer one). */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_director_put(struct flw_store *s, const char *device_id,
                                                      int64_t deployment_id, const void *doc,
                                                      size_t len,
                                                      const struct flw_director_doc *meta,
                                                      struct flw_diag *diag);

struct flw_report {
	int64_t seq;           /* per-device, strictly increasing as the device sends them */
	int64_t deployment_id; /* 0 for reports not tied to a deployment */
	int state;             /* enum flw_action_state */
	char detail[FLW_REPORT_DETAIL_MAX + 1];
	time_t at; /* device's clock */
};
/* Apply reports in one transaction. Reports with seq <= the device's last_seq are duplicates
 * and skipped. A report never moves an action to a lower-ranked state nor out of a terminal
 * one (it is still recorded in the device's history). *acked_seq_out gets the device's
 * last_seq after the commit: everything up to it is durable. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_reports_apply(struct flw_store *s, const char *device_id,
                                                       const struct flw_report *r, size_t n,
                                                       time_t now, int64_t *acked_seq_out,
                                                       struct flw_diag *diag);
/* The device's report history, newest first: {seq,deployment,state,detail,at,received} */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_device_history(struct flw_store *s, const char *device_id,
                                                        unsigned limit, json_t **out,
                                                        struct flw_diag *diag);

/* ---- vulnerability data (docs/PROTOCOL.md "Vulnerabilities") -----------------------------
 * Feed files are kept whole at <data>/feeds/<sha256hex> (written and fsynced by the server
 * before flw_store_feed_add); the store records each import. At start-up the server replays
 * the imports in id order into its in-memory record set (newer lastModified wins, so replay
 * order only matters for equal dates). Findings (device x CVE x component) keep their
 * lifecycle here so history survives restarts; they are never deleted. */
#define FLW_FEED_KIND_MAX    15    /* "nvd", "cve5", "cve5-jsonl", "kev", "epss" */
#define FLW_FEED_NAME_MAX    255   /* file name as the client gave it (display only) */
#define FLW_FEED_STATS_MAX   1024  /* JSON text of the import's statistics */
#define FLW_FINDINGS_PUT_MAX 50000 /* findings in one flw_store_findings_put() */
struct flw_feed_import {
	int64_t id; /* set by the store */
	char kind[FLW_FEED_KIND_MAX + 1];
	char name[FLW_FEED_NAME_MAX + 1];
	unsigned char sha256[FLW_SHA256_BYTES];
	uint64_t bytes;
	time_t imported;
	char stats[FLW_FEED_STATS_MAX + 1]; /* {"records":n,"added":n,...} or "" */
};
/* Record an import (audited). The same kind and sha256 again: 0 with *id_out = the existing
 * row's id and *existed_out = 1 (nothing written; existed_out may be NULL). id_out may be NULL
 * too. kind: "nvd", "cve5", "cve5-jsonl", "kev" or "epss"; name without control characters;
 * stats "" or a JSON object; imported 0 = now. FLW_EINVAL / FLW_ELIMIT naming the field. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_feed_add(struct flw_store *s,
                                                  const struct flw_feed_import *f,
                                                  const struct flw_audit *audit, int64_t *id_out,
                                                  int *existed_out, struct flw_diag *diag);
/* Every import in id order (read in one read transaction that has ended when fn runs, so fn
 * may take long and may use s). A nonzero return from fn stops and is returned. */
typedef int (*flw_store_feed_fn)(const struct flw_feed_import *f, void *ctx);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_feed_each(struct flw_store *s, flw_store_feed_fn fn,
                                                   void *ctx, struct flw_diag *diag);
/* {id,kind,name,sha256,bytes,imported,stats(object)} newest first (sha256 in hex, stats null
 * when it was recorded as "") */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_feed_list(struct flw_store *s, json_t **out,
                                                   struct flw_diag *diag);

/* One finding's lifecycle as stored. Strings are borrowed (valid during a callback, or owned
 * by the caller for put). component is the component name. */
struct flw_store_finding {
	const char *device_id;
	const char *cve_id;
	const char *component;
	const char *component_version; /* may be NULL */
	struct flw_finding_life life;
};
/* Insert or replace n <= FLW_FINDINGS_PUT_MAX findings keyed by (device_id, cve_id,
 * component) in one transaction (no audit: the assessment that produced them is logged by
 * the caller). Devices are not checked (a finding outlives nothing, but keeps history).
 * Every finding is checked before anything is written (a refused batch writes nothing):
 * device_id an id, cve_id "CVE-YYYY-NNNN..." (4-19 digits), component 1..FLW_SBOM_NAME_MAX
 * bytes, component_version NULL or at most FLW_SBOM_VERSION_MAX, life: a valid state, no
 * negative time, texts terminated within their fields, an accepted one with reason and
 * approver. FLW_EINVAL / FLW_ELIMIT with diag->path "findings[i].<field>". n 0 does nothing.
 * One prepared upsert in one transaction: 50,000 findings take about 0.1 s (SQLite file,
 * synchronous=FULL; see tests/unit/store). */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_findings_put(struct flw_store *s,
                                                      const struct flw_store_finding *f, size_t n,
                                                      struct flw_diag *diag);
/* Every stored finding ordered by device_id, cve_id, component, in one read transaction. A
 * nonzero return from fn stops and is returned; fn must not call the store s. */
typedef int (*flw_store_finding_fn)(const struct flw_store_finding *f, void *ctx);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_findings_each(struct flw_store *s, flw_store_finding_fn fn,
                                                       void *ctx, struct flw_diag *diag);
/* One finding's lifecycle. FLW_ENOTFOUND when none. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_finding_get(struct flw_store *s, const char *device_id,
                                                     const char *cve_id, const char *component,
                                                     struct flw_finding_life *out,
                                                     struct flw_diag *diag);
/* Replace one finding's lifecycle (risk acceptance, revocation) with its audit row, in one
 * transaction, only if the stored life's updated_ms is still expect_updated_ms: else
 * FLW_ECONFLICT (changed meanwhile) and nothing is written. FLW_ENOTFOUND when absent. The
 * component_version stays as the assessment stored it. Arguments are checked as for
 * flw_store_findings_put (diag->path "cve_id", "life.state", ...). */
FLW_EXPORT FLW_WARN_UNUSED int
flw_store_finding_set_life(struct flw_store *s, const char *device_id, const char *cve_id,
                           const char *component, const struct flw_finding_life *life,
                           int64_t expect_updated_ms, const struct flw_audit *audit,
                           struct flw_diag *diag);

/* Vendor support end per device model (hardware id): devices with no support_end of their
 * own inherit it. support_end "YYYY-MM-DD" (a real date, as flw_inventory_check's) or ""
 * (removes the row; removing an absent one is fine). Audited. */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_model_support_set(struct flw_store *s, const char *hwid,
                                                           const char *support_end,
                                                           const struct flw_audit *audit,
                                                           struct flw_diag *diag);
/* {hwid, support_end (null when unset), devices} for every hwid that has devices or a support
 * end, ordered by hwid */
FLW_EXPORT FLW_WARN_UNUSED int flw_store_model_list(struct flw_store *s, json_t **out,
                                                    struct flw_diag *diag);

/* Everything an assessment needs, read in ONE read transaction (a consistent view): every
 * release in id order, then every device in id order. Pointers are valid during the callback
 * only. A nonzero return from a callback stops the load and is returned. rfn or dfn may be
 * NULL (that part is skipped), not both. Callbacks must not call the store s; commits made
 * meanwhile through other connections are not seen by this load. A few set-wise scans merged
 * by id (no query per release or device): 100,000 devices load in about 0.2 s. */
struct flw_store_assess_release {
	const char *name;
	time_t created;
	const char *product_line;           /* its hardware ids sorted and joined by ',' */
	const struct flw_sbom_component *c; /* its SBOM components, SBOM order */
	size_t n;
};
struct flw_store_assess_device {
	const char *id;
	const char *hwid;
	const char *installed;         /* running target name, "" when not reported */
	const char *installed_version; /* "" when not reported */
	time_t enrolled;
	time_t last_seen;
	const struct flw_inventory *inv;
	const char *model_support_end; /* its hwid's support end, "" when none */
	const char *hardware_cpe;      /* attrs "hardware_cpe" when it is a string, else NULL */
	int last_action_state;      /* enum flw_action_state of its newest action, -1 when none */
	time_t last_action_updated; /* when that action last changed, 0 when none */
	const struct flw_sbom_component *extra; /* components it reported itself */
	size_t n_extra;
};
typedef int (*flw_store_assess_release_fn)(const struct flw_store_assess_release *r, void *ctx);
typedef int (*flw_store_assess_device_fn)(const struct flw_store_assess_device *d, void *ctx);
FLW_EXPORT FLW_WARN_UNUSED int flw_store_assess_load(struct flw_store *s,
                                                     flw_store_assess_release_fn rfn,
                                                     flw_store_assess_device_fn dfn, void *ctx,
                                                     struct flw_diag *diag);

FLW_END_DECLS
#endif /* FLW_STORE_H */
