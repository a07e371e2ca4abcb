/* src/daemon/daemon.h - fleetwardd's shared state (private to src/daemon)
 *
 * One struct flwd per process. Configuration is read once (config.c) and passed down as a
 * const struct. HTTP threads (libmicrohttpd's pool) each open their own store lazily
 * (pthread key); everything else shared is behind the mutexes named below.
 */
#ifndef FLWD_DAEMON_H
#define FLWD_DAEMON_H
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "fleetward/crypto.h"
#include "fleetward/protocol.h"
#include "server/server.h"
#include "server/vulnsvc.h"

struct flw_store;
struct flw_diag;
struct flw_buf;

/* ---- configuration (config.c) ------------------------------------------------------------ */
struct flwd_config {
	struct sockaddr_storage listen_addr;
	socklen_t listen_len;
	char listen[128]; /* as given */
	const char *data_dir;
	const char *port_file;
	const char *init_token_file;
	unsigned poll_interval;        /* seconds */
	unsigned min_checkin_interval; /* seconds between a device's check-ins; 0 = no floor */
	uint64_t max_artifact_size;    /* bytes */
	unsigned timestamp_expiry;     /* seconds: lifetime of each timestamp the server signs */
	unsigned snapshot_expiry;      /* seconds: lifetime of each snapshot */
	unsigned director_expiry;      /* seconds: lifetime of each director document */
	const char *policy_file;       /* risk policy; NULL = built-in defaults */
	unsigned assess_interval;      /* seconds between periodic assessments; 0 = none */
	uint64_t feed_max_bytes;       /* largest feed upload */
	unsigned threads;
	int log_level;
	int help;
	int version;
};
/* 0, or 2 with the error printed (usage error). */
int flwd_config_parse(struct flwd_config *cfg, int argc, char **argv);
void flwd_config_usage(FILE *f);

/* ---- memory caches (cache.c) ------------------------------------------------------------- */
struct flwd_token_entry;
struct flwd_devstate;

/* ---- metrics ----------------------------------------------------------------------------- */
enum flwd_route_class {
	FLWD_RC_DEVICE,
	FLWD_RC_API,
	FLWD_RC_TUF,
	FLWD_RC_OTHER,
	_FLWD_RC_MAX
};
#define FLWD_STATUS_SLOTS 21

struct flwd_metrics {
	atomic_ulong requests[_FLWD_RC_MAX][FLWD_STATUS_SLOTS];
	atomic_ulong checkins;
	atomic_ulong checkins_throttled;
	atomic_ulong reports;
	atomic_ulong enrollments;
	atomic_ulong bytes_uploaded;
	atomic_llong timestamp_expires; /* unix time; 0 = no repository yet */
	atomic_llong tuf_expires[4];    /* per enum flw_tuf_role: unix time; 0 = none yet */
	atomic_ulong resign_failures;   /* failed re-signing attempts of snapshot/timestamp */
};

/* ---- the daemon -------------------------------------------------------------------------- */
struct flwd {
	const struct flwd_config *cfg;
	struct flw_datadir dd;
	struct flw_repo repo;
	pthread_mutex_t repo_lock; /* one repository writer at a time */
	pthread_key_t store_key;
	pthread_t main_thread;
	atomic_int failed; /* fail-stop: a store reported a fatal I/O error */
	atomic_int stopping;

	/* API tokens: sha256(token) -> name/role, invalidated on revoke */
	pthread_mutex_t tok_lock;
	struct flwd_token_entry **tok_tab;
	size_t tok_cap;
	size_t tok_n;

	/* devices: inventory fingerprint, last_seen (dirty until flushed), acked seq */
	pthread_mutex_t dev_lock;
	struct flwd_devstate **dev_tab;
	size_t dev_cap;
	size_t dev_n;

	/* vulnerability service (its own lock; opened after the store, before listening) */
	struct flw_vulnsvc *vuln;

	struct flwd_metrics m;
	time_t started;
};

/* Store of the calling thread, opened on first use; NULL (logged) on failure. */
struct flw_store *flwd_store(struct flwd *d);
/* After a failed store call: if the store says it is broken, enter fail-stop (stop acking,
 * make main exit non-zero). Returns rc. */
int flwd_store_check(struct flwd *d, struct flw_store *s, int rc);

/* cache.c: API token cache */
struct flwd_token_info {
	char name[FLW_ID_MAX + 1];
	int role;
	time_t expires;
};
/* 0 and *out, or FLW_EAUTH (unknown, revoked, expired), or a store error. */
int flwd_token_lookup(struct flwd *d, const char *token, size_t len, struct flwd_token_info *out);
void flwd_token_invalidate(struct flwd *d, const char *name);
void flwd_caches_free(struct flwd *d);

/* cache.c: device state */
#define FLWD_ACKED_UNKNOWN (-1)
/* 1 when fp differs from the stored fingerprint (or none is known); records last_seen. */
int flwd_dev_seen(struct flwd *d, const char *id, const unsigned char fp[FLW_SHA256_BYTES],
                  time_t now, int64_t *acked_out);
void flwd_dev_set_fp(struct flwd *d, const char *id, const unsigned char fp[FLW_SHA256_BYTES]);
void flwd_dev_set_acked(struct flwd *d, const char *id, int64_t acked);
/* Per-device floor between requests of one kind: 0 when the request may go ahead (now_ms is
 * recorded as its time), else the whole seconds to wait (>= 1). now_ms from a monotonic
 * clock; interval_s 0 lets everything through. */
unsigned flwd_dev_throttle(struct flwd *d, const char *id, uint64_t now_ms, unsigned interval_s);
/* Collect dirty last_seen times (ids are new strings); marks them clean. */
int flwd_dev_take_dirty(struct flwd *d, char ***ids_out, time_t **times_out, size_t *n_out);
void flwd_dev_mark_dirty(struct flwd *d, char **ids, const time_t *times, size_t n);

/* http.c */
int flwd_http_start(struct flwd *d, void **mhd_out, unsigned *port_out);
void flwd_http_stop(void *mhd);

/* scheduler.c */
struct flwd_scheduler;
int flwd_scheduler_start(struct flwd *d, struct flwd_scheduler **out);
void flwd_scheduler_stop(struct flwd_scheduler *s); /* flushes once more; NULL is fine */
/* one flush of last-seen times (also used at shutdown) */
int flwd_flush_touches(struct flwd *d);
/* one periodic assessment (scheduler.c); logs and fail-stops on storage errors */
int flwd_assess_tick(struct flwd *d, time_t now);
/* one repository check (re-sign when due) */
int flwd_repo_tick(struct flwd *d, time_t now);
/* the repository's /metrics lines (expiry per role, re-signing failures) */
int flwd_repo_metrics(struct flwd *d, struct flw_buf *out);

/* main loop (daemon.c) */
int flwd_run(int argc, char **argv);

#endif /* FLWD_DAEMON_H */
