/* src/libfleetward/server/datadir.c - the server's data directory
 *
 * DATA/fleetward.db (store), DATA/artifacts/<sha256hex> (content-addressed blobs),
 * DATA/keys/{snapshot,timestamp,director}.key (flw_signer key files, 0600) and
 * DATA/keys/token.key (32 random bytes, 0600: the device-token MAC key). Missing keys are
 * created on first start; existing ones are loaded. An online key is replaced only by a
 * rotation: DATA/keys/<name>.pending.key is made first (flw_datadir_make_pending), and renamed
 * over <name>.key once a root that lists it is stored (flw_datadir_promote).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"
#include "server/server.h"

static int load_or_create_signer(struct flw_signer **out, const char *dir, const char *name,
                                 struct flw_diag *diag)
{
	struct flw_signer *s = NULL;
	char *path = NULL;
	int rc = FLW_ENOMEM;

	path = flw_fs_join(dir, name);
	if (!path)
		goto out;
	if (access(path, F_OK) == 0) {
		rc = flw_signer_load_file(&s, path, diag);
		goto done;
	}
	rc = flw_signer_generate(&s);
	if (rc != 0)
		goto out;
	rc = flw_signer_save_file(s, path, diag);
done:
	if (rc != 0)
		goto out;
	*out = s;
	s = NULL;
out:
	flw_signer_free(s);
	flw_free(path);
	return rc;
}

static const char *const online_names[_FLW_ONLINE_MAX] = { "snapshot", "timestamp", "director" };

const char *flw_online_key_name(int which)
{
	return which >= 0 && which < _FLW_ONLINE_MAX ? online_names[which] : "?";
}

int flw_online_key_from_string(const char *s)
{
	int i;

	for (i = 0; s && i < _FLW_ONLINE_MAX; i++)
		if (strcmp(s, online_names[i]) == 0)
			return i;
	return -1;
}

static struct flw_signer **current_slot(struct flw_datadir *dd, int which)
{
	switch (which) {
	case FLW_ONLINE_SNAPSHOT:
		return &dd->snapshot_key;
	case FLW_ONLINE_TIMESTAMP:
		return &dd->timestamp_key;
	default:
		return &dd->director_key;
	}
}

struct flw_signer *flw_datadir_key(const struct flw_datadir *dd, int which)
{
	return *current_slot((struct flw_datadir *)dd, which);
}

/* DATA/keys/<name>.key or <name>.pending.key */
static char *key_path(const struct flw_datadir *dd, int which, int pending)
{
	return flw_asprintf("%s/%s%s.key", dd->keys, online_names[which],
	                    pending ? ".pending" : "");
}

static int load_pending(struct flw_datadir *dd, struct flw_diag *diag)
{
	int rc = 0;
	int i;

	for (i = 0; i < _FLW_ONLINE_MAX && rc == 0; i++) {
		char *path = key_path(dd, i, 1);

		if (!path)
			return FLW_ENOMEM;
		if (access(path, F_OK) == 0)
			rc = flw_signer_load_file(&dd->pending[i], path, diag);
		flw_free(path);
	}
	return rc;
}

int flw_datadir_make_pending(struct flw_datadir *dd, int which, struct flw_diag *diag)
{
	struct flw_signer *s = NULL;
	char *path = NULL;
	int rc = FLW_EINVAL;

	if (which < 0 || which >= _FLW_ONLINE_MAX)
		goto out;
	rc = 0;
	if (dd->pending[which])
		goto out;
	rc = FLW_ENOMEM;
	path = key_path(dd, which, 1);
	if (!path)
		goto out;
	if ((rc = flw_signer_generate(&s)) != 0 ||
	    (rc = flw_signer_save_file(s, path, diag)) != 0 ||
	    (rc = flw_fs_fsync_dir(dd->keys, diag)) != 0)
		goto out;
	dd->pending[which] = s;
	s = NULL;
out:
	flw_signer_free(s);
	flw_free(path);
	return rc;
}

int flw_datadir_promote(struct flw_datadir *dd, int which, struct flw_diag *diag)
{
	struct flw_signer **slot;
	struct flw_signer **grown;
	char *from = NULL;
	char *to = NULL;
	int rc = FLW_EINVAL;

	if (which < 0 || which >= _FLW_ONLINE_MAX || !dd->pending[which])
		goto out;
	rc = FLW_ENOMEM;
	from = key_path(dd, which, 1);
	to = key_path(dd, which, 0);
	grown = flw_reallocarray(dd->retired, dd->n_retired + 1, sizeof(*dd->retired));
	if (!from || !to || !grown)
		goto out;
	dd->retired = grown;
	if (rename(from, to) != 0) {
		rc = flw_diag_errno(diag, errno, to, "switching to the pending %s key",
		                    online_names[which]);
		goto out;
	}
	rc = flw_fs_fsync_dir(dd->keys, diag);
	slot = current_slot(dd, which);
	dd->retired[dd->n_retired++] = *slot;
	*slot = dd->pending[which];
	dd->pending[which] = NULL;
out:
	flw_free(from);
	flw_free(to);
	return rc;
}

static int load_or_create_token_key(struct flw_datadir *dd, struct flw_diag *diag)
{
	struct flw_buf b;
	struct stat st;
	char *path = NULL;
	int rc = FLW_ENOMEM;

	flw_buf_init(&b, FLW_MAC_KEY_BYTES + 1);
	path = flw_fs_join(dd->keys, "token.key");
	if (!path)
		goto out;
	if (stat(path, &st) != 0) {
		flw_random(dd->token_key, sizeof(dd->token_key));
		rc = flw_fs_write_atomic(path, dd->token_key, sizeof(dd->token_key), 0600, diag);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = flw_diag_set(diag, FLW_EPERM, path,
		                  "key file is readable by others (chmod 600 it)");
		goto out;
	}
	rc = flw_fs_read_all(path, &b, diag);
	if (rc == FLW_ELIMIT || (rc == 0 && b.len != FLW_MAC_KEY_BYTES)) {
		rc = flw_diag_set(diag, FLW_EFORMAT, path, "token key must be exactly %u bytes",
		                  (unsigned)FLW_MAC_KEY_BYTES);
		goto out;
	}
	if (rc != 0)
		goto out;
	memcpy(dd->token_key, b.data, FLW_MAC_KEY_BYTES);
out:
	flw_buf_free_secure(&b);
	flw_free(path);
	return rc;
}

/* One server per data directory: two would each believe their caches (tokens, device state)
 * and sign metadata versions independently. The lock is released when the process ends. */
static int lock_datadir(struct flw_datadir *dd, struct flw_diag *diag)
{
	char *path = flw_fs_join(dd->root, "lock");
	int rc = 0;

	if (!path)
		return FLW_ENOMEM;
	dd->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (dd->lock_fd < 0)
		rc = flw_diag_errno(diag, errno, path, "opening the lock file '%s'", path);
	else if (flock(dd->lock_fd, LOCK_EX | LOCK_NB) != 0)
		rc = errno == EWOULDBLOCK
		             ? flw_diag_set(diag, FLW_ECONFLICT, path,
		                            "data directory '%s' is in use by another fleetwardd "
		                            "(it holds '%s'); stop it or choose another --data",
		                            dd->root, path)
		             : flw_diag_errno(diag, errno, path, "locking '%s'", path);
	flw_free(path);
	return rc;
}

int flw_datadir_open(struct flw_datadir *dd, const char *root, struct flw_diag *diag)
{
	int rc = FLW_ENOMEM;

	memset(dd, 0, sizeof(*dd));
	dd->root = flw_strdup(root);
	dd->db_uri = flw_fs_join(root, "fleetward.db");
	dd->artifacts = flw_fs_join(root, "artifacts");
	dd->keys = flw_fs_join(root, "keys");
	if (!dd->root || !dd->db_uri || !dd->artifacts || !dd->keys)
		goto out;
	if ((rc = flw_fs_mkdirs(root, 0700, diag)) != 0 ||
	    (rc = flw_fs_mkdirs(dd->artifacts, 0700, diag)) != 0 ||
	    (rc = flw_fs_mkdirs(dd->keys, 0700, diag)) != 0)
		goto out;
	if ((rc = lock_datadir(dd, diag)) != 0)
		goto out;
	if ((rc = load_or_create_signer(&dd->snapshot_key, dd->keys, "snapshot.key", diag)) != 0 ||
	    (rc = load_or_create_signer(&dd->timestamp_key, dd->keys, "timestamp.key", diag)) !=
	            0 ||
	    (rc = load_or_create_signer(&dd->director_key, dd->keys, "director.key", diag)) != 0)
		goto out;
	if ((rc = load_pending(dd, diag)) != 0)
		goto out;
	rc = load_or_create_token_key(dd, diag);
	if (rc != 0)
		goto out;
	rc = flw_fs_fsync_dir(dd->keys, diag);
out:
	if (rc != 0)
		flw_datadir_close(dd);
	return rc;
}

void flw_datadir_close(struct flw_datadir *dd)
{
	size_t n;
	int i;

	if (!dd)
		return;
	flw_free(dd->root);
	flw_free(dd->db_uri);
	flw_free(dd->artifacts);
	flw_free(dd->keys);
	flw_signer_free(dd->snapshot_key);
	flw_signer_free(dd->timestamp_key);
	flw_signer_free(dd->director_key);
	for (i = 0; i < _FLW_ONLINE_MAX; i++)
		flw_signer_free(dd->pending[i]);
	for (n = 0; n < dd->n_retired; n++)
		flw_signer_free(dd->retired[n]);
	flw_free(dd->retired);
	flw_memzero(dd->token_key, sizeof(dd->token_key));
	if (dd->lock_fd > 0)
		close(dd->lock_fd);
	memset(dd, 0, sizeof(*dd));
}

int flw_datadir_first_token(struct flw_store *s, const char *token_file,
                            char token_out[FLW_SECRET_TOKEN_MAX + 1], int *created_out,
                            struct flw_diag *diag)
{
	struct flw_api_token t;
	struct flw_audit audit = { "system", "token.create", "token:admin", "{\"role\":\"admin\"}",
		                   0 };
	char tok[FLW_SECRET_TOKEN_MAX + 1];
	int64_t count = 0;
	int64_t id = 0;
	int rc;

	*created_out = 0;
	rc = flw_store_api_token_count(s, &count, diag);
	if (rc != 0 || count > 0)
		goto out;
	memset(&t, 0, sizeof(t));
	memcpy(t.name, "admin", sizeof("admin"));
	t.role = FLW_ROLE_ADMIN;
	t.created = time(NULL);
	rc = flw_secret_token_new(tok, FLW_API_TOKEN_PREFIX, t.hash);
	if (rc != 0)
		goto out;
	/* the file first: a crash after the insert must not lose the only admin token */
	if (token_file) {
		size_t n = strlen(tok);
		char line[FLW_SECRET_TOKEN_MAX + 2];

		memcpy(line, tok, n);
		line[n] = '\n';
		rc = flw_fs_write_atomic(token_file, line, n + 1, 0600, diag);
		flw_memzero(line, sizeof(line));
		if (rc != 0)
			goto out;
	}
	rc = flw_store_api_token_add(s, &t, &audit, &id, diag);
	if (rc != 0)
		goto out;
	memcpy(token_out, tok, sizeof(tok));
	*created_out = 1;
out:
	flw_memzero(tok, sizeof(tok));
	return rc;
}
