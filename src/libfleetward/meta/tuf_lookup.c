/* meta/tuf_lookup.c - target search over delegations (TUF spec 5.6.7) and target download
 *
 * The search is python-tuf's pre-order depth-first walk: look in a role's own targets first,
 * then push the delegated roles whose paths match, in reverse order of appearance, so they are
 * popped in order; a matching terminating delegation discards everything still on the stack.
 * A role name is visited once per search (cycles end), and at most FLW_TUF_MAX_DELEGATIONS
 * delegated roles are visited.
 *
 * A delegated role is verified with the keys and threshold of the delegation the search came
 * through - also a copy trusted on disk, so a role reached through two delegators with
 * different keys ("diamond") never inherits the authority of the other path. It must be listed
 * in the trusted snapshot, have the listed version, length and hashes, and not be expired at
 * the refresh's update-start time. Role names are percent-encoded in URLs and file names.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/tuf_pkey.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "tuf_private.h"

#define READ_CHUNK (64u * 1024u)

/* ---- loading one delegated role ---------------------------------------------------------- */

struct delegation {
	const char *name;
	const struct flw_tuf_meta *meta;
	struct flw_tuf__keyring kr;
	struct flw_tuf__rolekeys rk;
};

/* every check of a delegated role's bytes; *out = verified "signed" */
static int verify_delegated(const struct flw_tuf_client *c, const struct delegation *d,
                            const struct flw_buf *b, json_t **out, struct flw_diag *diag)
{
	json_t *env = NULL;
	json_t *sgn;
	int64_t version = 0;
	time_t expires = 0;
	char when[21];
	int rc;

	rc = flw_tuf__meta_check(d->meta, b->data, b->len, d->name, diag);
	if (rc != 0)
		goto out;
	rc = flw_tuf__envelope_parse(&env, b->data ? (const void *)b->data : "", b->len,
	                             FLW_TUF_TARGETS_MAX_BYTES, diag);
	if (rc != 0)
		goto out;
	rc = flw_tuf__verify_env(env, &d->kr, &d->rk, d->name, FLW_TUF_TARGETS_MAX_BYTES, diag);
	if (rc != 0)
		goto out;
	sgn = json_object_get(env, "signed");
	rc = flw_tuf__check_header(sgn, FLW_TUF_TARGETS, &version, &expires, diag);
	if (rc != 0)
		goto out;
	if (version != d->meta->version) {
		rc = flw_diag_set(diag, version < d->meta->version ? FLW_EROLLBACK : FLW_EHASH,
		                  d->name,
		                  "%s: role '%.64s' has version %" PRId64 ", %" PRId64 " listed",
		                  version < d->meta->version ? "rollback" : "mix-and-match",
		                  d->name, version, d->meta->version);
		goto out;
	}
	if (c->now >= expires) {
		flw_tuf_time_format(expires, when);
		rc = flw_diag_set(diag, FLW_EEXPIRED, d->name, "freeze: role '%.64s' expired at %s",
		                  d->name, when);
		goto out;
	}
	rc = flw_tuf__targets_check(sgn, diag);
	if (rc == 0)
		*out = json_incref(sgn);
out:
	json_decref(env);
	return rc;
}

static int load_delegated(struct flw_tuf_client *c, struct delegation *d, json_t **out,
                          struct flw_diag *diag)
{
	struct flw_buf b;
	char *quoted = flw_tuf__quote(d->name);
	char *file = quoted ? flw_asprintf("%s.json", quoted) : NULL;
	char *name = NULL;
	size_t cap = FLW_TUF_TARGETS_MAX_BYTES;
	int rc = FLW_ENOMEM;

	flw_buf_init(&b, 0);
	if (!file)
		goto out;
	if (strlen(file) > 255) {
		rc = flw_diag_set(diag, FLW_ELIMIT, "name", "role name '%.64s' is too long",
		                  d->name);
		goto out;
	}
	/* the trusted copy, if it verifies through this delegation */
	if (flw_tuf__read_file(c, file, FLW_TUF_TARGETS_MAX_BYTES, &b, NULL) == 0 &&
	    verify_delegated(c, d, &b, out, NULL) == 0) {
		rc = 0;
		goto out;
	}
	flw_buf_free(&b);
	if (d->meta->length >= 0 && (uint64_t)d->meta->length < (uint64_t)cap)
		cap = (size_t)d->meta->length;
	if (flw_tuf__root_consistent(c->root))
		name = flw_asprintf("%" PRId64 ".%s", d->meta->version, file);
	else
		name = flw_strdup(file);
	rc = FLW_ENOMEM;
	if (!name)
		goto out;
	if ((rc = flw_tuf__fetch(c, name, cap, &b, diag)) != 0 ||
	    (rc = verify_delegated(c, d, &b, out, diag)) != 0)
		goto out;
	rc = flw_tuf__write_file(c, file, &b, diag);
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
	}
out:
	flw_buf_free(&b);
	flw_free(name);
	flw_free(file);
	flw_free(quoted);
	return rc;
}

/* role `idx` of parent's delegations, loaded and verified through parent */
static int visit(struct flw_tuf_client *c, const json_t *parent, size_t idx, json_t **out,
                 struct flw_diag *diag)
{
	const json_t *dg = json_object_get(parent, "delegations");
	const json_t *role = json_array_get(json_object_get(dg, "roles"), idx);
	struct delegation d = { json_string_value(json_object_get(role, "name")),
		                NULL,
		                { NULL, 0 },
		                { { NULL }, 0, 0 } };
	struct flw_tuf_meta m;
	char *file = flw_asprintf("%s.json", d.name);
	int rc = FLW_ENOMEM;

	if (!file)
		goto out;
	rc = flw_tuf__meta_get(c->snapshot, file, &m, diag);
	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(diag, FLW_EFORMAT, d.name,
		                  "mix-and-match: delegated role '%.64s' is not listed in snapshot",
		                  d.name);
	if (rc != 0)
		goto out;
	d.meta = &m;
	if ((rc = flw_tuf__keyring_parse(&d.kr, json_object_get(dg, "keys"), diag)) != 0 ||
	    (rc = flw_tuf__rolekeys_parse(&d.rk, role, d.name, diag)) != 0)
		goto out;
	rc = load_delegated(c, &d, out, diag);
out:
	flw_tuf__keyring_free(&d.kr);
	flw_free(file);
	return rc;
}

/* ---- the search -------------------------------------------------------------------------- */

struct pending {
	json_t *parent; /* reference */
	size_t idx;     /* in parent's delegations.roles */
};

struct search {
	struct pending *stack;
	size_t n;
	size_t cap;
	const char *visited[FLW_TUF_MAX_DELEGATIONS + 2]; /* names, living in held[] */
	json_t *held[FLW_TUF_MAX_DELEGATIONS + 2];        /* the visited roles' "signed" */
	size_t n_visited;
};

static const char *pending_name(const struct pending *p)
{
	const json_t *roles = json_object_get(json_object_get(p->parent, "delegations"), "roles");

	return json_string_value(json_object_get(json_array_get(roles, p->idx), "name"));
}

static int push(struct search *s, json_t *parent, size_t idx)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct pending *p = flw_reallocarray(s->stack, cap, sizeof(*p));

		if (!p)
			return FLW_ENOMEM;
		s->stack = p;
		s->cap = cap;
	}
	s->stack[s->n].parent = json_incref(parent);
	s->stack[s->n].idx = idx;
	s->n++;
	return 0;
}

static void clear_stack(struct search *s)
{
	while (s->n > 0)
		json_decref(s->stack[--s->n].parent);
}

/* push the delegations of role that are trusted for path, so they pop in order */
static int push_children(struct search *s, json_t *role, const char *path)
{
	const json_t *roles = json_object_get(json_object_get(role, "delegations"), "roles");
	size_t first = s->n;
	size_t i;
	size_t j;
	int rc;

	for (i = 0; i < json_array_size(roles); i++) {
		const json_t *r = json_array_get(roles, i);

		if (!flw_tuf__role_matches(r, path))
			continue;
		if (json_is_true(json_object_get(r, "terminating"))) {
			/* no backtracking past a terminating delegation: keep only the siblings
			 * pushed so far (earlier in order) and this one */
			for (j = 0; j < first; j++)
				json_decref(s->stack[j].parent);
			memmove(s->stack, s->stack + first, (s->n - first) * sizeof(*s->stack));
			s->n -= first;
			first = 0;
			rc = push(s, role, i);
			if (rc != 0)
				return rc;
			break;
		}
		rc = push(s, role, i);
		if (rc != 0)
			return rc;
	}
	/* reverse what was pushed: the first match pops first */
	for (i = first, j = s->n; j > i + 1; i++, j--) {
		struct pending t = s->stack[i];

		s->stack[i] = s->stack[j - 1];
		s->stack[j - 1] = t;
	}
	return 0;
}

static int was_visited(const struct search *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_visited; i++)
		if (strcmp(s->visited[i], name) == 0)
			return 1;
	return 0;
}

int flw_tuf__find_entry(struct flw_tuf_client *c, const char *path, json_t **entry,
                        struct flw_diag *diag)
{
	struct search s;
	json_t *cur = json_incref(c->targets);
	const char *cur_name = "targets";
	json_t *e;
	size_t i;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	if (!c->targets || !c->snapshot) {
		json_decref(cur);
		return flw_diag_set(diag, FLW_ESTATE, NULL, "no trusted targets: refresh first");
	}
	for (;;) {
		e = json_object_get(json_object_get(cur, "targets"), path);
		if (e) {
			*entry = json_incref(e);
			goto out;
		}
		s.visited[s.n_visited] = cur_name;
		s.held[s.n_visited++] = cur;
		rc = push_children(&s, cur, path);
		cur = NULL;
		if (rc != 0)
			goto out;
		for (;;) {
			struct pending p;

			if (s.n == 0 || s.n_visited > FLW_TUF_MAX_DELEGATIONS) {
				rc = flw_diag_set(
				        diag, FLW_ENOTFOUND, "targets",
				        "extraneous dependencies: no trusted role signs a "
				        "target '%.200s'",
				        path);
				goto out;
			}
			p = s.stack[--s.n];
			cur_name = pending_name(&p);
			if (was_visited(&s, cur_name)) {
				json_decref(p.parent);
				continue;
			}
			/* cur_name lives in p.parent, a visited role held until the end */
			rc = visit(c, p.parent, p.idx, &cur, diag);
			json_decref(p.parent);
			if (rc != 0)
				goto out;
			break;
		}
	}
out:
	json_decref(cur);
	for (i = 0; i < s.n_visited; i++)
		json_decref(s.held[i]);
	clear_stack(&s);
	flw_free(s.stack);
	return rc;
}

/* ---- target info ------------------------------------------------------------------------- */

void flw_tuf_targetinfo_clear(struct flw_tuf_targetinfo *t)
{
	if (!t)
		return;
	flw_free(t->path);
	memset(t, 0, sizeof(*t));
}

static int info_from_entry(const char *path, const json_t *entry, struct flw_tuf_targetinfo *out,
                           struct flw_diag *diag)
{
	struct flw_tuf_targetinfo t;
	struct flw_tuf_meta m;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&m, 0, sizeof(m));
	/* same rules as a meta entry, with "length" and "hashes" required */
	if (!json_is_integer(json_object_get(entry, "length")) ||
	    !json_is_object(json_object_get(entry, "hashes")))
		return flw_diag_set(diag, FLW_EFORMAT, "targets",
		                    "target '%.200s' needs length and hashes", path);
	rc = flw_json_get_int(entry, "length", &m.length, 0, INT64_MAX, 1, diag);
	if (rc != 0)
		return flw_tuf__required(rc, diag);
	rc = flw_tuf__meta_parse_hashes(json_object_get(entry, "hashes"), &m, diag);
	if (rc != 0)
		return rc;
	t.path = flw_strdup(path);
	if (!t.path)
		return FLW_ENOMEM;
	t.length = (uint64_t)m.length;
	t.has_sha256 = m.has_sha256;
	t.has_sha512 = m.has_sha512;
	memcpy(t.sha256, m.sha256, sizeof(t.sha256));
	memcpy(t.sha512, m.sha512, sizeof(t.sha512));
	t.n_unsupported = m.n_unsupported;
	*out = t;
	return 0;
}

int flw_tuf_client_find(struct flw_tuf_client *c, const char *path, struct flw_tuf_targetinfo *out,
                        struct flw_diag *diag)
{
	json_t *entry = NULL;
	int rc;

	if (!c || !path || !out)
		return FLW_EINVAL;
	if (path[0] == '\0' || strnlen(path, FLW_TUF_TARGET_PATH_MAX + 1) > FLW_TUF_TARGET_PATH_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "path", "target path is empty or too long");
	rc = flw_tuf__find_entry(c, path, &entry, diag);
	if (rc == 0)
		rc = info_from_entry(path, entry, out, diag);
	json_decref(entry);
	return rc;
}

/* ---- hashing files and streams ----------------------------------------------------------- */

struct sink {
	int fd;
	struct flw_tuf_hasher *h;
	uint64_t n;
	uint64_t max;
};

static int sink_write(void *ctx, const void *p, size_t n)
{
	struct sink *s = ctx;
	int rc;

	if (n > s->max - s->n)
		return FLW_ELIMIT; /* endless data: more than the signed length */
	s->n += n;
	rc = flw_tuf_hasher_update(s->h, p, n);
	if (rc == 0 && s->fd >= 0 && flw_fs_write_full(s->fd, p, n) != 0)
		rc = FLW_EIO;
	return rc;
}

/* length and every hash of what went through s against t: 0 or FLW_EHASH */
static int sink_check(struct sink *s, const struct flw_tuf_targetinfo *t, struct flw_diag *diag)
{
	unsigned char h256[FLW_SHA256_BYTES];
	unsigned char h512[FLW_SHA512_BYTES];
	int rc;

	if (s->n != t->length)
		return flw_diag_set(diag, FLW_EHASH, t->path,
		                    "wrong software: '%.200s' has %" PRIu64 " bytes, %" PRIu64
		                    " signed",
		                    t->path, s->n, t->length);
	rc = flw_tuf_hasher_final(s->h, h256, h512);
	if (rc != 0)
		return rc;
	if ((t->has_sha256 && flw_ct_memcmp(h256, t->sha256, sizeof(h256)) != 0) ||
	    (t->has_sha512 && flw_ct_memcmp(h512, t->sha512, sizeof(h512)) != 0))
		return flw_diag_set(
		        diag, FLW_EHASH, t->path,
		        "wrong software: the hash of '%.200s' differs from the signed one",
		        t->path);
	return 0;
}

static int checkable(const struct flw_tuf_targetinfo *t, struct flw_diag *diag)
{
	if (t->n_unsupported || (!t->has_sha256 && !t->has_sha512))
		return flw_diag_set(diag, FLW_EHASH, t->path,
		                    "'%.200s' lists a hash algorithm that cannot be checked",
		                    t->path);
	return 0;
}

int flw_tuf_target_cached(const struct flw_tuf_targetinfo *t, const char *file,
                          struct flw_diag *diag)
{
	unsigned char *buf = NULL;
	struct sink s = { -1, NULL, 0, 0 };
	struct stat st;
	ssize_t got;
	int fd = -1;
	int rc;

	if (!t || !file)
		return FLW_EINVAL;
	if (checkable(t, NULL) != 0)
		return 0;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	rc = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != t->length)
		goto out;
	s.max = t->length;
	rc = FLW_ENOMEM;
	buf = flw_malloc(READ_CHUNK);
	if (!buf || (rc = flw_tuf_hasher_new(&s.h, t->has_sha256, t->has_sha512)) != 0)
		goto out;
	while ((got = read(fd, buf, READ_CHUNK)) > 0) {
		rc = sink_write(&s, buf, (size_t)got);
		if (rc == FLW_ELIMIT) {
			rc = 0; /* grew meanwhile: not the cached target */
			goto out;
		}
		if (rc != 0)
			goto out;
	}
	if (got < 0) {
		rc = flw_diag_errno(diag, errno, file, "reading");
		goto out;
	}
	rc = sink_check(&s, t, NULL) == 0 ? 1 : 0;
out:
	flw_tuf_hasher_free(s.h);
	flw_free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* "dir/<hex>.base" with consistent snapshots, else the path itself */
static char *target_url_path(const struct flw_tuf_client *c, const struct flw_tuf_targetinfo *t)
{
	char hex[2 * FLW_SHA512_BYTES + 1];
	const char *slash;
	int dir_len;

	if (!flw_tuf__root_consistent(c->root))
		return flw_strdup(t->path);
	if (t->has_sha256)
		flw_hex_encode(hex, t->sha256, sizeof(t->sha256));
	else
		flw_hex_encode(hex, t->sha512, sizeof(t->sha512));
	slash = strrchr(t->path, '/');
	dir_len = slash ? (int)(slash - t->path + 1) : 0;
	return flw_asprintf("%.*s%s.%s", dir_len, t->path, hex, t->path + dir_len);
}

int flw_tuf_client_download(struct flw_tuf_client *c, const struct flw_tuf_targetinfo *t,
                            const char *dest, struct flw_diag *diag)
{
	struct sink s = { -1, NULL, 0, 0 };
	const char *slash;
	int made = 0;
	char *tmp = NULL;
	char *dir = NULL;
	char *url = NULL;
	int rc = FLW_EINVAL;

	if (!c || !t || !t->path || !dest || !c->fetcher.fetch_target)
		goto out;
	rc = checkable(t, diag);
	if (rc != 0)
		goto out;
	slash = strrchr(dest, '/');
	rc = FLW_ENOMEM;
	dir = slash ? flw_strndup(dest, (size_t)(slash - dest) + 1) : flw_strdup("./");
	tmp = dir ? flw_asprintf("%s.flw-download.XXXXXX", dir) : NULL;
	url = target_url_path(c, t);
	if (!tmp || !url || (rc = flw_tuf_hasher_new(&s.h, t->has_sha256, t->has_sha512)) != 0)
		goto out;
	s.max = t->length;
	s.fd = mkstemp(tmp);
	if (s.fd < 0) {
		rc = flw_diag_errno(diag, errno, tmp, "creating");
		goto out;
	}
	made = 1;
	rc = c->fetcher.fetch_target(c->fetcher.payload, url, t->length, sink_write, &s, diag);
	if (rc == FLW_ELIMIT)
		rc = flw_diag_set(diag, FLW_ELIMIT, t->path,
		                  "endless data: '%.200s' is longer than the signed %" PRIu64
		                  " bytes",
		                  t->path, t->length);
	if (rc != 0 || (rc = sink_check(&s, t, diag)) != 0)
		goto out;
	if (fsync(s.fd) != 0 || close(s.fd) != 0) {
		s.fd = -1;
		rc = flw_diag_errno(diag, errno, tmp, "writing");
		goto out;
	}
	s.fd = -1;
	if (rename(tmp, dest) != 0) {
		rc = flw_diag_errno(diag, errno, dest, "renaming");
		goto out;
	}
	made = 0;
	rc = flw_fs_fsync_dir(dir, diag);
out:
	if (s.fd >= 0)
		close(s.fd);
	if (made)
		unlink(tmp);
	flw_tuf_hasher_free(s.h);
	flw_free(url);
	flw_free(tmp);
	flw_free(dir);
	return rc;
}
