/* util/fs.c - crash-consistent file writes and small file helpers
 *
 * Atomic replace: write "<path>.tmp.<pid>", fsync, rename over path, fsync the directory. At
 * any crash point path holds the complete old or the complete new content.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"

int flw_fs_write_full(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return FLW_EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

char *flw_fs_join(const char *dir, const char *name)
{
	return flw_asprintf("%s/%s", dir, name);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return flw_strdup(".");
	if (slash == path)
		return flw_strdup("/");
	return flw_strndup(path, (size_t)(slash - path));
}

int flw_fs_fsync_dir(const char *dir, struct flw_diag *diag)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return flw_diag_errno(diag, errno, dir, "opening directory '%s'", dir);
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = flw_diag_errno(diag, errno, dir, "syncing directory '%s'", dir);
	close(fd);
	return rc;
}

int flw_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                        struct flw_diag *diag)
{
	char *tmp = NULL;
	char *dir = NULL;
	int fd = -1;
	int rc = FLW_ENOMEM;

	tmp = flw_asprintf("%s.tmp.%ld", path, (long)getpid());
	dir = dir_of(path);
	if (!tmp || !dir)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = flw_diag_errno(diag, errno, path, "creating '%s'", tmp);
		goto out;
	}
	if (flw_fs_write_full(fd, data, len) != 0 || fsync(fd) != 0) {
		rc = flw_diag_errno(diag, errno, path, "writing '%s'", tmp);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = flw_diag_errno(diag, errno, path, "closing '%s'", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = flw_diag_errno(diag, errno, path, "renaming '%s' to '%s'", tmp, path);
		goto out;
	}
	rc = flw_fs_fsync_dir(dir, diag);
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp)
		unlink(tmp);
	flw_free(tmp);
	flw_free(dir);
	return rc;
}

int flw_fs_read_all(const char *path, struct flw_buf *out, struct flw_diag *diag)
{
	unsigned char chunk[16384];
	int fd;
	ssize_t n;
	int rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return flw_diag_set(diag, FLW_ENOTFOUND, path, "'%s' does not exist", path);
		return flw_diag_errno(diag, errno, path, "opening '%s'", path);
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = flw_diag_errno(diag, errno, path, "reading '%s'", path);
			break;
		}
		if (n == 0)
			break;
		rc = flw_buf_append(out, chunk, (size_t)n);
		if (rc == FLW_ELIMIT) {
			flw_diag_set(diag, rc, path, "'%s' is larger than %zu bytes", path,
			             out->max);
			break;
		}
		if (rc != 0)
			break;
	}
	close(fd);
	return rc;
}

int flw_fs_mkdirs(const char *path, mode_t mode, struct flw_diag *diag)
{
	char *p = flw_strdup(path);
	char *s;
	int rc = 0;

	if (!p)
		return FLW_ENOMEM;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			rc = flw_diag_errno(diag, errno, p, "creating directory '%s'", p);
			goto out;
		}
		*s = '/';
	}
	if (mkdir(p, mode) != 0 && errno != EEXIST)
		rc = flw_diag_errno(diag, errno, p, "creating directory '%s'", p);
out:
	flw_free(p);
	return rc;
}

int flw_fs_name_ok(const char *name, size_t max)
{
	size_t i;

	if (!name || !name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= max)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}
