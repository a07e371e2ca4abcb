/* src/daemon/cache.c - in-memory state that keeps the database off the hot paths
 *
 * API tokens: sha256(token) -> {name, role, expiry}, filled from the store on a miss, dropped
 * when the token is revoked through this server, and re-read after FLWD_TOKEN_TTL seconds.
 * Devices: per device id an inventory fingerprint (a check-in that reports the same inventory
 * causes no write), the last-seen time waiting for the scheduler's group commit, and the
 * highest durably acknowledged report sequence number, and the time of the last admitted
 * check-in (the per-device floor of --min-checkin-interval).
 * Both are open hash tables (chained) behind one mutex each.
 */
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/store.h"

#define FLWD_TOKEN_TTL       60
#define FLWD_TOKEN_CACHE_MAX 4096

struct flwd_token_entry {
	struct flwd_token_entry *next;
	unsigned char hash[FLW_SHA256_BYTES];
	struct flwd_token_info info;
	time_t cached;
};

struct flwd_devstate {
	struct flwd_devstate *next;
	unsigned char fp[FLW_SHA256_BYTES];
	int has_fp;
	int dirty;
	time_t last_seen;
	uint64_t last_checkin_ms; /* monotonic; valid when has_checkin */
	int has_checkin;
	int64_t acked;
	char id[FLW_ID_MAX + 1];
};

static size_t hash_bytes(const unsigned char *p, size_t n)
{
	size_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void tok_clear_locked(struct flwd *d)
{
	size_t i;

	for (i = 0; i < d->tok_cap; i++) {
		while (d->tok_tab[i]) {
			struct flwd_token_entry *e = d->tok_tab[i];

			d->tok_tab[i] = e->next;
			flw_memzero(e, sizeof(*e));
			flw_free(e);
		}
	}
	d->tok_n = 0;
}

static int tok_get(struct flwd *d, const unsigned char h[FLW_SHA256_BYTES],
                   struct flwd_token_info *out, time_t now)
{
	struct flwd_token_entry *e;
	int found = 0;

	pthread_mutex_lock(&d->tok_lock);
	if (d->tok_tab) {
		for (e = d->tok_tab[hash_bytes(h, 8) % d->tok_cap]; e; e = e->next) {
			if (flw_ct_memcmp(e->hash, h, FLW_SHA256_BYTES) == 0 &&
			    now - e->cached < FLWD_TOKEN_TTL) {
				*out = e->info;
				found = 1;
				break;
			}
		}
	}
	pthread_mutex_unlock(&d->tok_lock);
	return found;
}

static void tok_put(struct flwd *d, const unsigned char h[FLW_SHA256_BYTES],
                    const struct flwd_token_info *info, time_t now)
{
	struct flwd_token_entry *e;
	size_t b;

	pthread_mutex_lock(&d->tok_lock);
	if (!d->tok_tab) {
		d->tok_tab = flw_calloc(1024, sizeof(*d->tok_tab));
		if (!d->tok_tab)
			goto out;
		d->tok_cap = 1024;
	}
	if (d->tok_n >= FLWD_TOKEN_CACHE_MAX)
		tok_clear_locked(d);
	b = hash_bytes(h, 8) % d->tok_cap;
	for (e = d->tok_tab[b]; e; e = e->next) {
		if (memcmp(e->hash, h, FLW_SHA256_BYTES) == 0) {
			e->info = *info;
			e->cached = now;
			goto out;
		}
	}
	e = flw_calloc(1, sizeof(*e));
	if (!e)
		goto out;
	memcpy(e->hash, h, FLW_SHA256_BYTES);
	e->info = *info;
	e->cached = now;
	e->next = d->tok_tab[b];
	d->tok_tab[b] = e;
	d->tok_n++;
out:
	pthread_mutex_unlock(&d->tok_lock);
}

int flwd_token_lookup(struct flwd *d, const char *token, size_t len, struct flwd_token_info *out)
{
	unsigned char h[FLW_SHA256_BYTES];
	struct flw_api_token t;
	struct flw_store *s;
	time_t now = time(NULL);
	int rc;

	if (len == 0 || len > FLW_SECRET_TOKEN_MAX ||
	    strncmp(token, FLW_API_TOKEN_PREFIX, strlen(FLW_API_TOKEN_PREFIX)) != 0)
		return FLW_EAUTH;
	rc = flw_sha256(token, len, h);
	if (rc != 0)
		return rc;
	if (!tok_get(d, h, out, now)) {
		s = flwd_store(d);
		if (!s)
			return FLW_ESTORE;
		memset(&t, 0, sizeof(t));
		rc = flw_store_api_token_find(s, h, &t, NULL);
		if (rc == FLW_ENOTFOUND)
			return FLW_EAUTH;
		if (rc != 0)
			return flwd_store_check(d, s, rc);
		if (t.revoked)
			return FLW_EAUTH;
		memset(out, 0, sizeof(*out));
		memcpy(out->name, t.name, sizeof(out->name));
		out->role = t.role;
		out->expires = t.expires;
		tok_put(d, h, out, now);
	}
	if (out->expires != 0 && out->expires <= now)
		return FLW_EAUTH;
	if (out->role < 0 || out->role >= _FLW_ROLE_MAX)
		return FLW_EAUTH;
	return 0;
}

void flwd_token_invalidate(struct flwd *d, const char *name)
{
	size_t i;

	pthread_mutex_lock(&d->tok_lock);
	for (i = 0; i < d->tok_cap; i++) {
		struct flwd_token_entry **pp = &d->tok_tab[i];

		while (*pp) {
			struct flwd_token_entry *e = *pp;

			if (strcmp(e->info.name, name) == 0) {
				*pp = e->next;
				flw_free(e);
				d->tok_n--;
			} else {
				pp = &e->next;
			}
		}
	}
	pthread_mutex_unlock(&d->tok_lock);
}

/* ---- devices ----------------------------------------------------------------------------- */

static int dev_grow_locked(struct flwd *d)
{
	struct flwd_devstate **nt;
	size_t ncap = d->dev_cap ? d->dev_cap * 2 : 1024;
	size_t i;

	nt = flw_calloc(ncap, sizeof(*nt));
	if (!nt)
		return FLW_ENOMEM;
	for (i = 0; i < d->dev_cap; i++) {
		while (d->dev_tab[i]) {
			struct flwd_devstate *e = d->dev_tab[i];
			size_t b = hash_bytes((const unsigned char *)e->id, strlen(e->id)) % ncap;

			d->dev_tab[i] = e->next;
			e->next = nt[b];
			nt[b] = e;
		}
	}
	flw_free(d->dev_tab);
	d->dev_tab = nt;
	d->dev_cap = ncap;
	return 0;
}

/* entry for id, created when create is set; NULL on ENOMEM or not found */
static struct flwd_devstate *dev_find_locked(struct flwd *d, const char *id, int create)
{
	size_t len = strlen(id);
	struct flwd_devstate *e;
	size_t b;

	if (len > FLW_ID_MAX)
		return NULL;
	if (d->dev_cap) {
		b = hash_bytes((const unsigned char *)id, len) % d->dev_cap;
		for (e = d->dev_tab[b]; e; e = e->next) {
			if (strcmp(e->id, id) == 0)
				return e;
		}
	}
	if (!create)
		return NULL;
	if ((d->dev_n + 1 > d->dev_cap * 2 || !d->dev_cap) && dev_grow_locked(d) != 0)
		return NULL;
	e = flw_calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->id, id, len + 1);
	e->acked = FLWD_ACKED_UNKNOWN;
	b = hash_bytes((const unsigned char *)id, len) % d->dev_cap;
	e->next = d->dev_tab[b];
	d->dev_tab[b] = e;
	d->dev_n++;
	return e;
}

int flwd_dev_seen(struct flwd *d, const char *id, const unsigned char fp[FLW_SHA256_BYTES],
                  time_t now, int64_t *acked_out)
{
	struct flwd_devstate *e;
	int changed = 1;

	*acked_out = FLWD_ACKED_UNKNOWN;
	pthread_mutex_lock(&d->dev_lock);
	e = dev_find_locked(d, id, 1);
	if (e) {
		if (fp && e->has_fp && memcmp(e->fp, fp, FLW_SHA256_BYTES) == 0)
			changed = 0;
		if (now > e->last_seen) {
			e->last_seen = now;
			e->dirty = 1;
		}
		*acked_out = e->acked;
	}
	pthread_mutex_unlock(&d->dev_lock);
	return changed;
}

void flwd_dev_set_fp(struct flwd *d, const char *id, const unsigned char fp[FLW_SHA256_BYTES])
{
	struct flwd_devstate *e;

	pthread_mutex_lock(&d->dev_lock);
	e = dev_find_locked(d, id, 1);
	if (e) {
		memcpy(e->fp, fp, FLW_SHA256_BYTES);
		e->has_fp = 1;
	}
	pthread_mutex_unlock(&d->dev_lock);
}

unsigned flwd_dev_throttle(struct flwd *d, const char *id, uint64_t now_ms, unsigned interval_s)
{
	uint64_t floor_ms = (uint64_t)interval_s * 1000u;
	struct flwd_devstate *e;
	unsigned wait = 0;

	if (interval_s == 0)
		return 0;
	pthread_mutex_lock(&d->dev_lock);
	e = dev_find_locked(d, id, 1);
	if (e && e->has_checkin && now_ms - e->last_checkin_ms < floor_ms)
		wait = (unsigned)((floor_ms - (now_ms - e->last_checkin_ms) + 999u) / 1000u);
	else if (e) {
		e->last_checkin_ms = now_ms;
		e->has_checkin = 1;
	}
	pthread_mutex_unlock(&d->dev_lock);
	return wait;
}

void flwd_dev_set_acked(struct flwd *d, const char *id, int64_t acked)
{
	struct flwd_devstate *e;

	pthread_mutex_lock(&d->dev_lock);
	e = dev_find_locked(d, id, 1);
	if (e && acked > e->acked)
		e->acked = acked;
	pthread_mutex_unlock(&d->dev_lock);
}

static void free_ids(char **ids, size_t n)
{
	size_t i;

	for (i = 0; ids && i < n; i++)
		flw_free(ids[i]);
	flw_free(ids);
}

int flwd_dev_take_dirty(struct flwd *d, char ***ids_out, time_t **times_out, size_t *n_out)
{
	char **ids = NULL;
	time_t *times = NULL;
	size_t n = 0;
	size_t i;
	int rc = FLW_ENOMEM;
	struct flwd_devstate *e;

	pthread_mutex_lock(&d->dev_lock);
	ids = flw_calloc(d->dev_n ? d->dev_n : 1, sizeof(*ids));
	times = flw_calloc(d->dev_n ? d->dev_n : 1, sizeof(*times));
	if (!ids || !times)
		goto out;
	for (i = 0; i < d->dev_cap; i++) {
		for (e = d->dev_tab[i]; e; e = e->next) {
			if (!e->dirty)
				continue;
			ids[n] = flw_strdup(e->id);
			if (!ids[n])
				goto out;
			times[n++] = e->last_seen;
			e->dirty = 0;
		}
	}
	rc = 0;
out:
	pthread_mutex_unlock(&d->dev_lock);
	if (rc != 0) {
		flwd_dev_mark_dirty(d, ids, times, n);
		free_ids(ids, n);
		flw_free(times);
		return rc;
	}
	*ids_out = ids;
	*times_out = times;
	*n_out = n;
	return 0;
}

void flwd_dev_mark_dirty(struct flwd *d, char **ids, const time_t *times, size_t n)
{
	size_t i;

	pthread_mutex_lock(&d->dev_lock);
	for (i = 0; ids && i < n; i++) {
		struct flwd_devstate *e = dev_find_locked(d, ids[i], 0);

		if (e && e->last_seen <= times[i])
			e->dirty = 1;
	}
	pthread_mutex_unlock(&d->dev_lock);
}

void flwd_caches_free(struct flwd *d)
{
	size_t i;

	pthread_mutex_lock(&d->tok_lock);
	if (d->tok_tab)
		tok_clear_locked(d);
	flw_free(d->tok_tab);
	d->tok_tab = NULL;
	d->tok_cap = 0;
	pthread_mutex_unlock(&d->tok_lock);
	pthread_mutex_lock(&d->dev_lock);
	for (i = 0; i < d->dev_cap; i++) {
		while (d->dev_tab[i]) {
			struct flwd_devstate *e = d->dev_tab[i];

			d->dev_tab[i] = e->next;
			flw_free(e);
		}
	}
	flw_free(d->dev_tab);
	d->dev_tab = NULL;
	d->dev_cap = 0;
	d->dev_n = 0;
	pthread_mutex_unlock(&d->dev_lock);
}
