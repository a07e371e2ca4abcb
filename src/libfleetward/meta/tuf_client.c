/* meta/tuf_client.c - the TUF client workflow for the top-level roles (spec section 5)
 *
 * refresh(now): root chain N -> N+1 (each new root signed by a threshold of the old and of its
 * own root keys, version exactly N+1, at most FLW_TUF_MAX_ROOT_ROTATIONS steps, a 404 ends the
 * chain), freeze check of the final root, deletion of the trusted timestamp and snapshot when
 * their keys rotated (fast-forward recovery), then timestamp, snapshot and targets, each
 * checked for signatures, version rules, hash/length against its parent and expiry against the
 * same `now`, and persisted atomically (the exact bytes fetched) before the next step. A step
 * that fails leaves its file and the following ones untouched.
 *
 * Trusted copies are read back from the directory at each step and count only while they
 * verify under the current root: a copy whose keys were rotated away gives no rollback
 * protection any more (which is what fast-forward recovery needs).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/tuf_pkey.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "tuf_private.h"

static const char *const trusted_file[_FLW_TUF_ROLE_MAX] = {
	[FLW_TUF_ROOT] = "root.json",
	[FLW_TUF_TARGETS] = "targets.json",
	[FLW_TUF_SNAPSHOT] = "snapshot.json",
	[FLW_TUF_TIMESTAMP] = "timestamp.json",
};

/* ---- small helpers --------------------------------------------------------------------------- */

/* prefix the message in diag with the attack class that the failed check defends against */
static int blame(struct flw_diag *diag, int rc, const char *attack)
{
	char msg[FLW_DIAG_MSG_MAX];
	char path[FLW_DIAG_PATH_MAX];

	if (!diag || rc == 0)
		return rc;
	memcpy(msg, diag->msg, sizeof(msg));
	memcpy(path, diag->path, sizeof(path));
	msg[sizeof(msg) - 1] = '\0';
	path[sizeof(path) - 1] = '\0';
	return flw_diag_set(diag, rc, path, "%s: %s", attack, msg);
}

static int64_t signed_version(const json_t *sgn)
{
	return (int64_t)json_integer_value(json_object_get(sgn, "version"));
}

static int is_expired(const json_t *sgn, time_t now)
{
	time_t exp = 0;

	return flw_tuf_signed_header(sgn, NULL, &exp, NULL) != 0 || now >= exp;
}

static int check_expiry(const json_t *sgn, int role, time_t now, struct flw_diag *diag)
{
	char when[21];
	time_t exp = 0;
	int rc;

	rc = flw_tuf_signed_header(sgn, NULL, &exp, diag);
	if (rc != 0)
		return rc;
	if (now < exp)
		return 0;
	flw_tuf_time_format(exp, when);
	return flw_diag_set(diag, FLW_EEXPIRED, trusted_file[role], "freeze: %s expired at %s",
	                    flw_tuf_role_to_string(role), when);
}

int flw_tuf__read_file(const struct flw_tuf_client *c, const char *file, size_t max,
                       struct flw_buf *out, struct flw_diag *diag)
{
	char *path = flw_fs_join(c->dir, file);
	int rc = FLW_ENOMEM;

	flw_buf_init(out, max);
	if (path)
		rc = flw_fs_read_all(path, out, diag);
	flw_free(path);
	return rc;
}

int flw_tuf__write_file(const struct flw_tuf_client *c, const char *file, const struct flw_buf *b,
                        struct flw_diag *diag)
{
	char *path = flw_fs_join(c->dir, file);
	int rc = FLW_ENOMEM;

	if (path)
		rc = flw_fs_write_atomic(path, b->data ? (const void *)b->data : "", b->len, 0644,
		                         diag);
	flw_free(path);
	return rc;
}

static int read_trusted(const struct flw_tuf_client *c, int role, struct flw_buf *out,
                        struct flw_diag *diag)
{
	return flw_tuf__read_file(c, trusted_file[role], flw_tuf__role_max(role), out, diag);
}

static int persist(const struct flw_tuf_client *c, int role, const struct flw_buf *b,
                   struct flw_diag *diag)
{
	return flw_tuf__write_file(c, trusted_file[role], b, diag);
}

static int remove_trusted(const struct flw_tuf_client *c, int role, struct flw_diag *diag)
{
	char *path = flw_fs_join(c->dir, trusted_file[role]);
	int rc = FLW_ENOMEM;

	if (!path)
		goto out;
	rc = 0;
	if (unlink(path) != 0 && errno != ENOENT)
		rc = flw_diag_errno(diag, errno, path, "removing");
out:
	flw_free(path);
	return rc;
}

/* The trusted copy of role, if it still verifies under the current root; else *out = NULL. */
static int load_trusted(const struct flw_tuf_client *c, int role, json_t **out,
                        struct flw_diag *diag)
{
	struct flw_buf b;
	int rc;

	*out = NULL;
	rc = read_trusted(c, role, &b, diag);
	if (rc == 0)
		rc = flw_tuf_verify(c->root, role, b.data, b.len, out, diag);
	if (rc == FLW_ESIG || rc == FLW_EFORMAT) {
		*out = NULL; /* signed by keys that are no longer trusted, or not ours */
		rc = FLW_ENOTFOUND;
	}
	if (rc == FLW_ENOTFOUND || rc == FLW_ELIMIT) {
		flw_diag_clear(diag);
		rc = 0;
	}
	flw_buf_free(&b);
	return rc;
}

int flw_tuf__fetch(const struct flw_tuf_client *c, const char *name, size_t max,
                   struct flw_buf *out, struct flw_diag *diag)
{
	int rc;

	flw_buf_init(out, max);
	rc = c->fetcher.fetch_meta(c->fetcher.payload, name, max, out, diag);
	if (rc == FLW_ELIMIT || (rc == 0 && out->len > max))
		return flw_diag_set(diag, FLW_ELIMIT, name,
		                    "endless data: '%s' is longer than %zu bytes", name, max);
	if (rc == FLW_ENOTFOUND)
		return flw_diag_set(diag, rc, name, "'%s' not found on the repository", name);
	return rc;
}

/* ---- step 1: root chain ---------------------------------------------------------------------- */

/* 1 when the chain ends (no next version), 0 when c->root advanced by one version */
static int next_root(struct flw_tuf_client *c, const struct flw_tuf_root *first,
                     struct flw_diag *diag)
{
	struct flw_tuf_root *nr = NULL;
	struct flw_buf b;
	int64_t want = flw_tuf_root_version(c->root) + 1;
	char name[40];
	int rc;

	snprintf(name, sizeof(name), "%" PRId64 ".root.json", want);
	rc = flw_tuf__fetch(c, name, FLW_TUF_ROOT_MAX_BYTES, &b, diag);
	if (rc == FLW_ENOTFOUND) {
		flw_diag_clear(diag);
		rc = 1;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = flw_tuf_verify(c->root, FLW_TUF_ROOT, b.data, b.len, NULL, diag);
	if (rc != 0)
		goto out_blame;
	if ((rc = flw_tuf_root_parse(&nr, b.data, b.len, diag)) != 0 ||
	    (rc = flw_tuf_verify(nr, FLW_TUF_ROOT, b.data, b.len, NULL, diag)) != 0)
		goto out_blame;
	if (flw_tuf_root_version(nr) != want) {
		rc = flw_diag_set(diag,
		                  flw_tuf_root_version(nr) < want ? FLW_EROLLBACK : FLW_EFORMAT,
		                  name, "%s: %s holds root version %" PRId64,
		                  flw_tuf_root_version(nr) < want ? "rollback" : "version mismatch",
		                  name, flw_tuf_root_version(nr));
		goto out;
	}
	rc = persist(c, FLW_TUF_ROOT, &b, diag);
	if (rc != 0)
		goto out;
	if (c->root != first)
		flw_tuf_root_free(c->root);
	c->root = nr;
	nr = NULL;
	goto out;
out_blame:
	if (rc == FLW_ESIG)
		blame(diag, rc, "arbitrary software (new root)");
out:
	flw_tuf_root_free(nr);
	flw_buf_free(&b);
	return rc;
}

/* 1 if role has the same keyids, with the same public keys, and threshold in a and b */
static int same_keys(const struct flw_tuf_root *a, const struct flw_tuf_root *b, int role)
{
	const struct flw_tuf__rolekeys *ka = flw_tuf__root_rolekeys(a, role);
	const struct flw_tuf__rolekeys *kb = flw_tuf__root_rolekeys(b, role);
	size_t i;
	size_t j;

	if (!ka || !kb || ka->n != kb->n || ka->threshold != kb->threshold)
		return 0;
	for (i = 0; i < ka->n; i++) {
		const struct flw_tuf__vkey *va =
		        flw_tuf__keyring_get(flw_tuf__root_keyring(a), ka->keyids[i]);

		for (j = 0; j < kb->n; j++) {
			const struct flw_tuf__vkey *vb =
			        flw_tuf__keyring_get(flw_tuf__root_keyring(b), kb->keyids[j]);

			if (strcmp(ka->keyids[i], kb->keyids[j]) != 0)
				continue;
			if ((!va || !va->pk) != (!vb || !vb->pk))
				return 0;
			if (va && va->pk &&
			    memcmp(flw_pkey_fingerprint(va->pk), flw_pkey_fingerprint(vb->pk),
			           FLW_PKEY_FP_BYTES) != 0)
				return 0;
			break;
		}
		if (j == kb->n)
			return 0;
	}
	return 1;
}

static int update_root(struct flw_tuf_client *c, time_t now, struct flw_diag *diag)
{
	struct flw_tuf_root *first = c->root;
	char when[21];
	unsigned i;
	int rc = 0;

	for (i = 0; i < FLW_TUF_MAX_ROOT_ROTATIONS && rc == 0; i++)
		rc = next_root(c, first, diag);
	if (rc < 0)
		goto out;
	rc = 0;
	if (now >= flw_tuf_root_expires(c->root)) {
		flw_tuf_time_format(flw_tuf_root_expires(c->root), when);
		rc = flw_diag_set(diag, FLW_EEXPIRED, "root.json", "freeze: root expired at %s",
		                  when);
		goto out;
	}
	if (same_keys(first, c->root, FLW_TUF_TIMESTAMP) &&
	    same_keys(first, c->root, FLW_TUF_SNAPSHOT))
		goto out;
	/* fast-forward recovery (5.3.11): versions signed by old keys bind us no more */
	if ((rc = remove_trusted(c, FLW_TUF_TIMESTAMP, diag)) != 0 ||
	    (rc = remove_trusted(c, FLW_TUF_SNAPSHOT, diag)) != 0)
		goto out;
	rc = flw_fs_fsync_dir(c->dir, diag);
out:
	if (first != c->root)
		flw_tuf_root_free(first);
	return rc;
}

/* ---- step 2: timestamp ----------------------------------------------------------------------- */

/* rollback checks of a new timestamp; *keep = 1 when it has the trusted version */
static int check_timestamp(const json_t *old, const json_t *new, int *keep, struct flw_diag *diag)
{
	struct flw_tuf_meta mo;
	struct flw_tuf_meta mn;
	int rc;

	rc = flw_tuf__meta_get(new, "snapshot.json", &mn, diag);
	if (rc == FLW_ENOTFOUND)
		return flw_diag_set(diag, FLW_EFORMAT, "meta", "timestamp lists no snapshot.json");
	if (rc != 0 || !old)
		return rc;
	if (signed_version(new) < signed_version(old))
		return flw_diag_set(diag, FLW_EROLLBACK, "timestamp.json",
		                    "rollback: timestamp version %" PRId64 " < trusted %" PRId64,
		                    signed_version(new), signed_version(old));
	*keep = signed_version(new) == signed_version(old);
	if (*keep || flw_tuf__meta_get(old, "snapshot.json", &mo, NULL) != 0)
		return 0;
	if (mn.version < mo.version)
		return flw_diag_set(diag, FLW_EROLLBACK, "timestamp.json",
		                    "rollback: timestamp lists snapshot version %" PRId64
		                    " < trusted %" PRId64,
		                    mn.version, mo.version);
	return 0;
}

static int update_timestamp(struct flw_tuf_client *c, time_t now, json_t **out,
                            struct flw_diag *diag)
{
	struct flw_buf b;
	json_t *old = NULL;
	json_t *new = NULL;
	int keep = 0;
	int rc;

	flw_buf_init(&b, 0);
	if ((rc = load_trusted(c, FLW_TUF_TIMESTAMP, &old, diag)) != 0 ||
	    (rc = flw_tuf__fetch(c, "timestamp.json", FLW_TUF_TIMESTAMP_MAX_BYTES, &b, diag)) != 0)
		goto out;
	rc = flw_tuf_verify(c->root, FLW_TUF_TIMESTAMP, b.data, b.len, &new, diag);
	if (rc == FLW_ESIG)
		blame(diag, rc, "arbitrary software");
	if (rc != 0 || (rc = check_timestamp(old, new, &keep, diag)) != 0)
		goto out;
	rc = check_expiry(keep ? old : new, FLW_TUF_TIMESTAMP, now, diag);
	if (rc != 0 || keep)
		goto out;
	rc = persist(c, FLW_TUF_TIMESTAMP, &b, diag);
out:
	if (rc == 0)
		*out = json_incref(keep ? old : new);
	json_decref(old);
	json_decref(new);
	flw_buf_free(&b);
	return rc;
}

/* ---- steps 3 and 4: snapshot and targets ----------------------------------------------------- */

/* fetch <v>.<role>.json, capped at the listed length, and check length and hashes */
static int fetch_pinned(const struct flw_tuf_client *c, int role, const struct flw_tuf_meta *m,
                        struct flw_buf *b, struct flw_diag *diag)
{
	const char *rn = flw_tuf_role_to_string(role);
	size_t cap = flw_tuf__role_max(role);
	char name[48];
	int rc;

	if (m->length >= 0 && (uint64_t)m->length < (uint64_t)cap)
		cap = (size_t)m->length;
	if (flw_tuf__root_consistent(c->root))
		snprintf(name, sizeof(name), "%" PRId64 ".%s.json", m->version, rn);
	else
		snprintf(name, sizeof(name), "%s.json", rn);
	rc = flw_tuf__fetch(c, name, cap, b, diag);
	if (rc != 0)
		return rc;
	return flw_tuf__meta_check(m, b->data, b->len, name, diag);
}

static int check_listed_version(const json_t *sgn, int role, int64_t want, struct flw_diag *diag)
{
	const char *rn = flw_tuf_role_to_string(role);
	int64_t v = signed_version(sgn);

	if (v < want)
		return flw_diag_set(diag, FLW_EROLLBACK, trusted_file[role],
		                    "rollback: %s version %" PRId64 ", %" PRId64 " listed", rn, v,
		                    want);
	if (v > want)
		return flw_diag_set(diag, FLW_EHASH, trusted_file[role],
		                    "mix-and-match: %s version %" PRId64 ", %" PRId64 " listed", rn,
		                    v, want);
	return 0;
}

/* nothing the trusted snapshot lists may disappear or go down in version */
static int check_snapshot(const json_t *old, const json_t *new, struct flw_diag *diag)
{
	struct flw_tuf_meta mo;
	struct flw_tuf_meta mn;
	const char *file;
	json_t *entry;
	int rc;

	if (signed_version(new) < signed_version(old))
		return flw_diag_set(diag, FLW_EROLLBACK, "snapshot.json",
		                    "rollback: snapshot version %" PRId64 " < trusted %" PRId64,
		                    signed_version(new), signed_version(old));
	json_object_foreach(json_object_get(old, "meta"), file, entry)
	{
		if (flw_tuf__meta_parse(entry, file, &mo, NULL) != 0)
			continue;
		rc = flw_tuf__meta_get(new, file, &mn, diag);
		if (rc == FLW_ENOTFOUND)
			return flw_diag_set(diag, FLW_EROLLBACK, file,
			                    "rollback: '%s' removed from snapshot", file);
		if (rc != 0)
			return rc;
		if (mn.version < mo.version)
			return flw_diag_set(diag, FLW_EROLLBACK, file,
			                    "rollback: snapshot lists '%s' version %" PRId64
			                    " < trusted %" PRId64,
			                    file, mn.version, mo.version);
	}
	return 0;
}

/* steps 3 and 4: the role pinned by parent's meta entry `file` */
static int update_pinned(struct flw_tuf_client *c, int role, const json_t *parent, const char *file,
                         time_t now, json_t **out, struct flw_diag *diag)
{
	struct flw_tuf_meta m;
	struct flw_buf b;
	json_t *old = NULL;
	json_t *new = NULL;
	int rc;

	flw_buf_init(&b, 0);
	rc = flw_tuf__meta_get(parent, file, &m, diag);
	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(diag, FLW_EFORMAT, "meta", "'%s' is not listed", file);
	if (rc != 0 || (rc = load_trusted(c, role, &old, diag)) != 0)
		goto out;
	if (old && signed_version(old) == m.version && !is_expired(old, now)) {
		new = json_incref(old); /* the trusted copy is current */
		goto out;
	}
	if ((rc = fetch_pinned(c, role, &m, &b, diag)) != 0)
		goto out;
	rc = flw_tuf_verify(c->root, role, b.data, b.len, &new, diag);
	if (rc == FLW_ESIG)
		blame(diag, rc, "arbitrary software");
	if (rc != 0 || (rc = check_listed_version(new, role, m.version, diag)) != 0)
		goto out;
	if (role == FLW_TUF_SNAPSHOT && old && (rc = check_snapshot(old, new, diag)) != 0)
		goto out;
	if (role == FLW_TUF_TARGETS && (rc = flw_tuf__targets_check(new, diag)) != 0)
		goto out;
	if ((rc = check_expiry(new, role, now, diag)) != 0 ||
	    (rc = persist(c, role, &b, diag)) != 0)
		goto out;
out:
	if (rc == 0)
		*out = json_incref(new);
	json_decref(old);
	json_decref(new);
	flw_buf_free(&b);
	return rc;
}

/* ---- public API ------------------------------------------------------------------------------ */

int flw_tuf_client_refresh(struct flw_tuf_client *c, time_t now, struct flw_diag *diag)
{
	json_t *ts = NULL;
	json_t *snap = NULL;
	json_t *tg = NULL;
	int rc;

	if (!c)
		return FLW_EINVAL;
	json_decref(c->targets); /* default-deny: nothing to look up until this refresh succeeds */
	json_decref(c->snapshot);
	c->targets = NULL;
	c->snapshot = NULL;
	c->now = now;
	if ((rc = update_root(c, now, diag)) != 0 ||
	    (rc = update_timestamp(c, now, &ts, diag)) != 0 ||
	    (rc = update_pinned(c, FLW_TUF_SNAPSHOT, ts, "snapshot.json", now, &snap, diag)) != 0 ||
	    (rc = update_pinned(c, FLW_TUF_TARGETS, snap, "targets.json", now, &tg, diag)) != 0)
		goto out;
	c->targets = tg;
	c->snapshot = snap;
	tg = NULL;
	snap = NULL;
out:
	json_decref(ts);
	json_decref(snap);
	json_decref(tg);
	return rc;
}

int flw_tuf_client_open(struct flw_tuf_client **out, const char *dir,
                        const struct flw_tuf_fetcher *fetcher, struct flw_diag *diag)
{
	struct flw_tuf_client *c = NULL;
	struct flw_buf b;
	int rc = FLW_EINVAL;

	flw_buf_init(&b, 0);
	if (!out || !dir || !fetcher || fetcher->version != FLW_TUF_FETCHER_VERSION ||
	    !fetcher->fetch_meta)
		goto out;
	rc = FLW_ENOMEM;
	c = flw_calloc(1, sizeof(*c));
	if (!c || !(c->dir = flw_strdup(dir)))
		goto out;
	c->fetcher = *fetcher;
	if ((rc = read_trusted(c, FLW_TUF_ROOT, &b, diag)) != 0 ||
	    (rc = flw_tuf_root_parse(&c->root, b.data, b.len, diag)) != 0)
		goto out;
	rc = flw_tuf_verify(c->root, FLW_TUF_ROOT, b.data, b.len, NULL, diag);
	if (rc == FLW_ESIG)
		blame(diag, rc, "trusted root.json is not signed by its own keys");
	if (rc != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	flw_tuf_client_free(c);
	flw_buf_free(&b);
	return rc;
}

void flw_tuf_client_free(struct flw_tuf_client *c)
{
	if (!c)
		return;
	flw_tuf_root_free(c->root);
	json_decref(c->targets);
	json_decref(c->snapshot);
	flw_free(c->dir);
	flw_free(c);
}

int flw_tuf_client_init(const char *dir, const void *root, size_t len, struct flw_diag *diag)
{
	struct flw_tuf_root *r = NULL;
	char *path = NULL;
	int rc = FLW_EINVAL;

	if (!dir || !root)
		goto out;
	if ((rc = flw_tuf_root_parse(&r, root, len, diag)) != 0 ||
	    (rc = flw_fs_mkdirs(dir, 0755, diag)) != 0)
		goto out;
	rc = FLW_ENOMEM;
	path = flw_fs_join(dir, trusted_file[FLW_TUF_ROOT]);
	if (path)
		rc = flw_fs_write_atomic(path, root, len, 0644, diag);
out:
	flw_free(path);
	flw_tuf_root_free(r);
	return rc;
}

int flw_tuf_client_target(struct flw_tuf_client *c, const char *name, struct flw_tuf_target *out,
                          struct flw_diag *diag)
{
	json_t *entry = NULL;
	int rc;

	if (!c || !name || !out)
		return FLW_EINVAL;
	if (!c->targets)
		return flw_diag_set(diag, FLW_ESTATE, NULL, "no trusted targets: refresh first");
	if (!flw_tuf__name_ok(name))
		return flw_diag_set(diag, FLW_EFORMAT, "name", "invalid target name");
	rc = flw_tuf__find_entry(c, name, &entry, diag);
	if (rc == 0)
		rc = flw_tuf__target_from_entry(name, entry, out, diag);
	json_decref(entry);
	return rc;
}
