/* src/daemon/scheduler.c - background duties of fleetwardd
 *
 * One thread with its own store:
 *  - every FLWD_FLUSH_INTERVAL seconds, the last-seen times gathered by check-ins are written
 *    in one transaction (group commit; a check-in itself writes nothing when nothing changed);
 *  - every FLWD_REPO_INTERVAL seconds (or an eighth of the shorter configured lifetime),
 *    a pending online key that the newest root lists is switched to, and snapshot and
 *    timestamp are re-signed once half their life is gone (an alarm line is logged each time,
 *    when re-signing fails past half-life, and when expiry is near); the expiry of every
 *    role and the failures are /metrics gauges (flwd_repo_metrics);
 *  - every --assess-interval seconds (0: never), the fleet is re-assessed: devices and
 *    releases reloaded from the store (inventory, installed releases, new SBOMs), matches
 *    reused, lifecycle changes (fixed, new, lapsed acceptances) persisted.
 * A storage failure here is fail-stop like anywhere else.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/log.h"
#include "fleetward/store.h"

#define FLWD_FLUSH_INTERVAL 2
#define FLWD_REPO_INTERVAL  60

struct flwd_scheduler {
	struct flwd *d;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
};

int flwd_flush_touches(struct flwd *d)
{
	struct flw_store *s;
	struct flw_diag diag;
	char **ids = NULL;
	time_t *times = NULL;
	size_t n = 0;
	size_t i;
	int rc;

	rc = flwd_dev_take_dirty(d, &ids, &times, &n);
	if (rc != 0 || n == 0)
		goto out;
	s = flwd_store(d);
	if (!s) {
		rc = FLW_ESTORE;
		flwd_dev_mark_dirty(d, ids, times, n);
		goto out;
	}
	flw_diag_clear(&diag);
	rc = flw_store_device_touch(s, (const char *const *)ids, times, n, &diag);
	if (rc != 0) {
		rc = flwd_store_check(d, s, rc);
		log_warn("writing last-seen times of %zu devices: %s; will retry", n,
		         diag.msg[0] ? diag.msg : flw_strerror(rc));
		flwd_dev_mark_dirty(d, ids, times, n);
	}
out:
	for (i = 0; ids && i < n; i++)
		flw_free(ids[i]);
	flw_free(ids);
	flw_free(times);
	return rc;
}

int flwd_assess_tick(struct flwd *d, time_t now)
{
	struct flw_store *s;
	struct flw_diag diag;
	json_t *out = NULL;
	int rc;

	if (!d->vuln)
		return 0;
	s = flwd_store(d);
	if (!s)
		return FLW_ESTORE;
	flw_diag_clear(&diag);
	rc = flw_vulnsvc_run(d->vuln, s, (int64_t)now * 1000, &out, &diag);
	json_decref(out);
	if (rc != 0) {
		rc = flwd_store_check(d, s, rc);
		log_warn("periodic assessment: %s; will retry",
		         diag.msg[0] ? diag.msg : flw_strerror(rc));
	}
	return rc;
}

static void update_expiry_gauges(struct flwd *d, struct flw_store *s)
{
	int role;

	for (role = 0; role < _FLW_TUF_ROLE_MAX; role++) {
		time_t exp = 0;

		if (flw_repo_expires(s, role, &exp, NULL, NULL) == 0)
			atomic_store(&d->m.tuf_expires[role], (long long)exp);
	}
}

/* Caller holds d->repo_lock or is the only writer. */
int flwd_repo_tick(struct flwd *d, time_t now)
{
	struct flw_store *s = flwd_store(d);
	time_t ts_life = flw_repo_timestamp_lifetime(&d->repo);
	struct flw_diag diag;
	time_t ts_exp = 0;
	int switched = 0;
	int resigned = 0;
	int rc;

	if (!s)
		return FLW_ESTORE;
	flw_diag_clear(&diag);
	rc = flw_repo_adopt_pending(&d->repo, s, now, &switched, &diag);
	if (rc == 0 && switched)
		log_notice(
		        "online key rotation completed: now signing with the new key(s) the root "
		        "lists (mask %d)",
		        switched);
	if (rc == 0)
		rc = flw_repo_refresh(&d->repo, s, now, &ts_exp, &resigned, &diag);
	if (rc != 0) {
		long long old = atomic_load(&d->m.timestamp_expires);

		rc = flwd_store_check(d, s, rc);
		atomic_fetch_add(&d->m.resign_failures, 1);
		log_error("re-signing TUF metadata: %s", diag.msg[0] ? diag.msg : flw_strerror(rc));
		if (old != 0 && old - (long long)now < (long long)ts_life / 2)
			log_error("alarm: the TUF timestamp is past half its lifetime and could "
			          "not be "
			          "re-signed; it expires in %lld s",
			          old - (long long)now);
		return rc;
	}
	if (resigned & 1)
		log_warn("alarm: snapshot had less than half its lifetime left: re-signed");
	if (resigned & 2)
		log_warn("alarm: timestamp had less than half its lifetime left: re-signed (now "
		         "expires in %" PRId64 "s)",
		         (int64_t)(ts_exp - now));
	if (ts_exp != 0 && ts_exp - now < ts_life / 4)
		log_error("alarm: the TUF timestamp expires in %" PRId64 "s and could not be "
		          "refreshed",
		          (int64_t)(ts_exp - now));
	atomic_store(&d->m.timestamp_expires, (long long)ts_exp);
	update_expiry_gauges(d, s);
	return 0;
}

int flwd_repo_metrics(struct flwd *d, struct flw_buf *out)
{
	long long now = (long long)time(NULL);
	int rc = 0;
	int role;

	rc |= flw_buf_puts(out, "# HELP fleetward_tuf_expires_seconds Seconds until the newest "
	                        "metadata of each TUF role expires (absent before it exists).\n"
	                        "# TYPE fleetward_tuf_expires_seconds gauge\n");
	for (role = 0; role < _FLW_TUF_ROLE_MAX; role++) {
		long long exp = atomic_load(&d->m.tuf_expires[role]);

		if (exp != 0)
			rc |= flw_buf_printf(out,
			                     "fleetward_tuf_expires_seconds{role=\"%s\"} %lld\n",
			                     flw_tuf_role_to_string(role), exp - now);
	}
	rc |= flw_buf_printf(
	        out,
	        "# HELP fleetward_tuf_resign_failures_total Failed attempts to re-sign "
	        "snapshot and timestamp.\n"
	        "# TYPE fleetward_tuf_resign_failures_total counter\n"
	        "fleetward_tuf_resign_failures_total %lu\n",
	        atomic_load(&d->m.resign_failures));
	return rc ? FLW_ENOMEM : 0;
}

/* Seconds between repository checks: FLWD_REPO_INTERVAL, or an eighth of the shorter lifetime */
static time_t repo_interval(const struct flwd *d)
{
	time_t life = flw_repo_timestamp_lifetime(&d->repo);
	time_t snap = flw_repo_snapshot_lifetime(&d->repo);

	if (snap < life)
		life = snap;
	life /= 8;
	return life < 1 ? 1 : (life > FLWD_REPO_INTERVAL ? FLWD_REPO_INTERVAL : life);
}

static void *run(void *arg)
{
	struct flwd_scheduler *sc = arg;
	struct flwd *d = sc->d;
	time_t last_repo = 0;
	time_t last_assess = time(NULL); /* start-up assessed the fleet */

	pthread_mutex_lock(&sc->lock);
	while (!sc->stop) {
		struct timespec until;
		time_t now;

		pthread_mutex_unlock(&sc->lock);
		(void)flwd_flush_touches(d);
		now = time(NULL);
		if (now - last_repo >= repo_interval(d) && !atomic_load(&d->failed)) {
			pthread_mutex_lock(&d->repo_lock);
			(void)flwd_repo_tick(d, now);
			pthread_mutex_unlock(&d->repo_lock);
			last_repo = now;
		}
		if (d->cfg->assess_interval &&
		    now - last_assess >= (time_t)d->cfg->assess_interval &&
		    !atomic_load(&d->failed)) {
			(void)flwd_assess_tick(d, now);
			last_assess = time(NULL);
		}
		pthread_mutex_lock(&sc->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += FLWD_FLUSH_INTERVAL;
		while (!sc->stop && pthread_cond_timedwait(&sc->cond, &sc->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&sc->lock);
	(void)flwd_flush_touches(d); /* what is left, before the store closes */
	return NULL;
}

int flwd_scheduler_start(struct flwd *d, struct flwd_scheduler **out)
{
	struct flwd_scheduler *sc = flw_calloc(1, sizeof(*sc));

	if (!sc)
		return FLW_ENOMEM;
	sc->d = d;
	pthread_mutex_init(&sc->lock, NULL);
	pthread_cond_init(&sc->cond, NULL);
	if (pthread_create(&sc->thread, NULL, run, sc) != 0) {
		pthread_mutex_destroy(&sc->lock);
		pthread_cond_destroy(&sc->cond);
		flw_free(sc);
		return FLW_ENOMEM;
	}
	*out = sc;
	return 0;
}

void flwd_scheduler_stop(struct flwd_scheduler *sc)
{
	if (!sc)
		return;
	pthread_mutex_lock(&sc->lock);
	sc->stop = 1;
	pthread_cond_signal(&sc->cond);
	pthread_mutex_unlock(&sc->lock);
	pthread_join(sc->thread, NULL);
	pthread_mutex_destroy(&sc->lock);
	pthread_cond_destroy(&sc->cond);
	flw_free(sc);
}
