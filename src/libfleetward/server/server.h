/* src/libfleetward/server/server.h - server logic that is not HTTP (private to flw_server)
 *
 * Used by fleetwardd (src/daemon) and its tests: device tokens (devtoken.c), the data
 * directory with its keys and the first admin token (datadir.c), API token generation and
 * the TUF image repository's online side (repo.c: root upload, release publication, re-signing
 * snapshot and timestamp). Nothing here knows about HTTP.
 */
#ifndef FLW_SERVER_SERVER_H
#define FLW_SERVER_SERVER_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "fleetward/common.h"
#include "fleetward/crypto.h"
#include "fleetward/protocol.h"
#include "fleetward/tuf.h"

struct flw_diag;
struct flw_store;
struct flw_audit;
struct flw_signer;

/* ---- device tokens (devtoken.c) ---------------------------------------------------------- */
/* "<b64url("v1|<id>|<expiry>")>.<b64url(HMAC-SHA-512-256 of that payload)>". Checked in memory. */
#define FLW_DEVTOKEN_PAYLOAD_MAX (3 + FLW_ID_MAX + 1 + 20)

/* Write a token for device_id valid until expires into out (out_len >= FLW_DEVICE_TOKEN_MAX).
 * FLW_EINVAL for a bad id, FLW_ELIMIT when out is too small. */
int flw_devtoken_issue(char *out, size_t out_len, const unsigned char key[FLW_MAC_KEY_BYTES],
                       const char *device_id, time_t expires);
/* Check token (len bytes, need not be NUL-terminated) at time now. On success the device id
 * goes into id_out and the expiry into *expires_out (optional). FLW_EAUTH for anything wrong
 * (bad shape, bad MAC), FLW_EEXPIRED for a valid but expired token. */
int flw_devtoken_check(const char *token, size_t len, const unsigned char key[FLW_MAC_KEY_BYTES],
                       time_t now, char id_out[FLW_ID_MAX + 1], time_t *expires_out);

/* ---- secret tokens (API and enrollment) -------------------------------------------------- */
/* prefix + b64url(32 random bytes) into out (size FLW_SECRET_TOKEN_MAX + 1); hash_out gets the
 * SHA-256 of the whole string, which is what the store keeps. */
int flw_secret_token_new(char out[FLW_SECRET_TOKEN_MAX + 1], const char *prefix,
                         unsigned char hash_out[FLW_SHA256_BYTES]);

/* ---- data directory (datadir.c) ---------------------------------------------------------- */
struct flw_datadir {
	char *root;      /* DATA */
	char *db_uri;    /* DATA/fleetward.db */
	char *artifacts; /* DATA/artifacts */
	char *keys;      /* DATA/keys */
	struct flw_signer *snapshot_key;
	struct flw_signer *timestamp_key;
	struct flw_signer *director_key; /* signs per-device director documents (online) */
	/* online key rotation: DATA/keys/<role>.pending.key, indexed by enum flw_online_key;
	 * NULL when none is pending */
	struct flw_signer *pending[3];
	/* signers replaced by a rotation: kept alive until close, since other threads may still
	 * hold a pointer they read before the switch */
	struct flw_signer **retired;
	size_t n_retired;
	unsigned char token_key[FLW_MAC_KEY_BYTES];
	int lock_fd; /* DATA/lock, flock()ed for the life of the process; <= 0: none */
};

/* The server's online keys (root roles snapshot and timestamp, and the director field). */
enum flw_online_key {
	FLW_ONLINE_SNAPSHOT,
	FLW_ONLINE_TIMESTAMP,
	FLW_ONLINE_DIRECTOR,
	_FLW_ONLINE_MAX
};
/* "snapshot", "timestamp", "director"; from_string: -1 for anything else */
const char *flw_online_key_name(int which);
int flw_online_key_from_string(const char *s);
/* Current key of `which` (borrowed) */
struct flw_signer *flw_datadir_key(const struct flw_datadir *dd, int which);
/* Create the directories (0700) and keys on first use, load them otherwise. Key files that are
 * readable by group or others are refused (FLW_EPERM). The directory is locked (flock on
 * DATA/lock): a second process on the same DATA gets FLW_ECONFLICT naming it. */
int flw_datadir_open(struct flw_datadir *dd, const char *root, struct flw_diag *diag);
void flw_datadir_close(struct flw_datadir *dd); /* wipes the token key; zeroed dd is fine */
/* Online key rotation, step 1: make a pending key for `which` (DATA/keys/<name>.pending.key,
 * 0600), unless one is pending already (then that one stays: rotation is idempotent until a
 * root lists it). The caller serialises repository writers. */
int flw_datadir_make_pending(struct flw_datadir *dd, int which, struct flw_diag *diag);
/* Step 2, once a root listing the pending key is stored: rename the pending file over the
 * current one and switch to it (the old signer stays allocated until close). */
int flw_datadir_promote(struct flw_datadir *dd, int which, struct flw_diag *diag);
/* When the store holds no API token: create an admin token named "admin", write it to
 * token_file (if not NULL, mode 0600) and into token_out (FLW_SECRET_TOKEN_MAX + 1 bytes);
 * *created_out = 1. Otherwise *created_out = 0 and nothing is written. */
int flw_datadir_first_token(struct flw_store *s, const char *token_file,
                            char token_out[FLW_SECRET_TOKEN_MAX + 1], int *created_out,
                            struct flw_diag *diag);

/* ---- TUF repository, online side (repo.c) ------------------------------------------------ */
struct flw_repo {
	struct flw_signer *snapshot_key;  /* borrowed; used when dd is NULL */
	struct flw_signer *timestamp_key; /* borrowed; used when dd is NULL */
	const char *artifacts_dir;        /* DATA/artifacts */
	struct flw_signer *director_key;  /* borrowed; used when dd is NULL */
	/* when set, the online keys (current and pending) come from here: rotation works */
	struct flw_datadir *dd;
	time_t snapshot_lifetime;  /* seconds; 0 = FLW_TUF_SNAPSHOT_LIFETIME */
	time_t timestamp_lifetime; /* seconds; 0 = FLW_TUF_TIMESTAMP_LIFETIME */
};

/* Accept a root envelope: v1 when no root exists (signed by its own root threshold), v N+1
 * signed by a threshold of v N's root keys and of its own, not expired. Its snapshot and
 * timestamp roles must list the server's current or pending online key (threshold 1), and its
 * director field the current or pending director key (threshold 1). When it lists a pending
 * key, the server switches to that key (flw_datadir_promote) and, for snapshot/timestamp,
 * re-signs snapshot and timestamp at once. *version_out gets the version stored. */
int flw_repo_put_root(const struct flw_repo *repo, struct flw_store *s, const void *doc, size_t len,
                      time_t now, int64_t *version_out, struct flw_diag *diag);

/* Publish a targets envelope (docs/PROTOCOL.md "Release upload checks", in that order), then
 * sign snapshot and timestamp and store all three in one transaction with audit.
 * *added_out gets a new JSON array of the names added or changed. */
int flw_repo_publish_targets(const struct flw_repo *repo, struct flw_store *s, const void *doc,
                             size_t len, time_t now, const struct flw_audit *audit,
                             int64_t *version_out, json_t **added_out, struct flw_diag *diag);

/* Re-sign snapshot (when under half its life remains) and timestamp (likewise, or when the
 * snapshot was re-signed). *ts_expires_out gets the newest timestamp's expiry (0 when no
 * timestamp exists yet); *resigned_out (optional) a bit mask 1 = snapshot, 2 = timestamp. */
int flw_repo_refresh(const struct flw_repo *repo, struct flw_store *s, time_t now,
                     time_t *ts_expires_out, int *resigned_out, struct flw_diag *diag);

/* Switch to pending online keys that the newest root lists (and no longer the current key),
 * then re-sign snapshot and timestamp when a key of theirs changed: completes a rotation that
 * was interrupted between storing the root and switching. *switched_out (optional): bit mask
 * 1 << enum flw_online_key of keys switched. The scheduler calls it before each refresh. */
int flw_repo_adopt_pending(const struct flw_repo *repo, struct flw_store *s, time_t now,
                           int *switched_out, struct flw_diag *diag);

/* Lifetimes in effect (the configured ones or the defaults) */
time_t flw_repo_snapshot_lifetime(const struct flw_repo *repo);
time_t flw_repo_timestamp_lifetime(const struct flw_repo *repo);

/* Largest accepted/served document of role (FLW_TUF_*_MAX_BYTES; targets for unknown roles). */
size_t flw_repo_role_max_bytes(int role);

/* Expiry of the newest metadata of role (0 when none). */
int flw_repo_expires(struct flw_store *s, int role, time_t *expires_out, int64_t *version_out,
                     struct flw_diag *diag);

/* ---- director (director.c) ---------------------------------------------------------------
 * One signed director document per action (docs/PROTOCOL.md "Director"): a TUF targets
 * envelope signed by the server's director key naming the one target this device installs now,
 * bound to the device id and the deployment, with a per-device version that only goes up. It is
 * signed once per instruction and re-sent unchanged; it is re-signed (new version) when under a
 * quarter of its lifetime is left or the director key changed. */
#define FLW_DIRECTOR_LIFETIME (1 * 86400) /* default lifetime of a director document */
struct flw_action;
struct flw_director_doc;
struct flw_buf;

/* Build and sign the director document of act for device_id with version and expiry
 * now + lifetime into out (canonical envelope); *meta (optional) describes it. */
int flw_director_sign(struct flw_signer *key, const char *device_id, const struct flw_action *act,
                      int64_t version, time_t now, time_t lifetime, struct flw_buf *out,
                      struct flw_director_doc *meta, struct flw_diag *diag);
/* 1 when a stored document (meta) must be re-signed at now: none stored, signed by another key
 * than key, or under a quarter of lifetime left before it expires; else 0. */
int flw_director_stale(const struct flw_director_doc *meta, const struct flw_signer *key,
                       time_t now, time_t lifetime);
/* The device's current action (*act) and its director document (doc, appended): the stored
 * one, or when stale a new one (the device's counter incremented, signed, stored). key is
 * read by the caller at each use (online key rotation switches it). FLW_ENOTFOUND when the
 * device has nothing to do. lifetime 0 = FLW_DIRECTOR_LIFETIME. */
int flw_director_for_device(struct flw_store *s, struct flw_signer *key, const char *device_id,
                            time_t now, time_t lifetime, struct flw_action *act,
                            struct flw_buf *doc, struct flw_diag *diag);

#endif /* FLW_SERVER_SERVER_H */
