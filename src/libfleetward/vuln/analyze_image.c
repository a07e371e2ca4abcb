/* src/libfleetward/vuln/analyze_image.c - walk an image: ext2/3/4 through libext2fs, else raw
 *
 * ext4: directories are walked from the root, depth-first, with a visited-inode bitmap (a
 * corrupt filesystem can link a directory into itself); every regular file up to
 * max_file_bytes is read in FLW_ANALYZE_CHUNK pieces into one streaming scan. Symlinks,
 * devices and the like are not followed. Limits: max_files, max_total_bytes, max_depth.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <ext2fs/ext2fs.h>

#include "fleetward/alloc.h"
#include "fleetward/analyze.h"
#include "fleetward/error.h"
#include "vuln/analyze_private.h"

void flw_analyze__set_stats(struct flw_analyze_result *r, const char *kind, uint64_t files,
                            uint64_t skipped);

#define EXT_SB_OFFSET    1024
#define EXT_MAGIC_OFFSET (EXT_SB_OFFSET + 56)
#define DIR_ENTRIES_MAX  (1u << 20) /* entries of one directory */

struct walk {
	struct flw_analyze_result *r;
	const struct flw_analyze_limits *lim;
	struct flw_diag *diag;
	ext2_filsys fs;
	ext2fs_inode_bitmap seen;
	unsigned char *chunk;
	uint64_t files;
	uint64_t skipped;
	uint64_t bytes;
};

struct dirent_rec {
	ext2_ino_t ino;
	char name[256];
};

struct dir_list {
	struct dirent_rec *e;
	size_t n;
	size_t cap;
	int rc;
};

static int scan_file_ext(struct walk *w, ext2_ino_t ino, const char *path, uint64_t size)
{
	struct flw_analyze_scan *s = NULL;
	ext2_file_t f = NULL;
	uint64_t done = 0;
	errcode_t err;
	int rc;

	if (w->files >= w->lim->max_files) {
		rc = flw_diag_set(w->diag, FLW_ELIMIT, path, "more than %llu files",
		                  (unsigned long long)w->lim->max_files);
		goto out;
	}
	if (w->bytes + size > w->lim->max_total_bytes) {
		rc = flw_diag_set(w->diag, FLW_ELIMIT, path, "more than %llu bytes to scan",
		                  (unsigned long long)w->lim->max_total_bytes);
		goto out;
	}
	w->files++;
	w->bytes += size;
	rc = flw_analyze_scan_new(&s, w->r, path);
	if (rc != 0)
		goto out;
	err = ext2fs_file_open(w->fs, ino, 0, &f);
	if (err) {
		rc = flw_diag_set(w->diag, FLW_EFORMAT, path, "cannot open: %s",
		                  error_message(err));
		goto out;
	}
	while (done < size) {
		unsigned int got = 0;
		unsigned int want =
		        (unsigned int)(size - done < FLW_ANALYZE_CHUNK ? size - done
		                                                       : FLW_ANALYZE_CHUNK);

		err = ext2fs_file_read(f, w->chunk, want, &got);
		if (err) {
			rc = flw_diag_set(w->diag, FLW_EFORMAT, path, "cannot read: %s",
			                  error_message(err));
			goto out;
		}
		if (got == 0)
			break;
		rc = flw_analyze_scan_feed(s, w->chunk, got);
		if (rc != 0)
			goto out;
		done += got;
	}
	rc = flw_analyze_scan_finish(s);
out:
	if (f)
		(void)ext2fs_file_close(f);
	flw_analyze_scan_free(s);
	return rc;
}

static int collect(ext2_ino_t dir, int entry, struct ext2_dir_entry *dirent, int offset,
                   int blocksize, char *buf, void *priv)
{
	struct dir_list *l = priv;
	size_t len = ext2fs_dirent_name_len(dirent);
	struct dirent_rec *e;

	(void)dir;
	(void)entry;
	(void)offset;
	(void)blocksize;
	(void)buf;
	if (dirent->inode == 0 || (len == 1 && dirent->name[0] == '.') ||
	    (len == 2 && dirent->name[0] == '.' && dirent->name[1] == '.'))
		return 0;
	if (l->n >= DIR_ENTRIES_MAX) {
		l->rc = FLW_ELIMIT;
		return DIRENT_ABORT;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct dirent_rec *ne = flw_reallocarray(l->e, ncap, sizeof(*ne));

		if (!ne) {
			l->rc = FLW_ENOMEM;
			return DIRENT_ABORT;
		}
		l->e = ne;
		l->cap = ncap;
	}
	e = &l->e[l->n++];
	e->ino = dirent->inode;
	memcpy(e->name, dirent->name, len);
	e->name[len] = '\0';
	return 0;
}

static int walk_dir(struct walk *w, ext2_ino_t dir, const char *path, unsigned depth)
{
	struct dir_list l = { 0 };
	char *child = NULL;
	errcode_t err;
	size_t i;
	int rc = 0;

	if (depth > w->lim->max_depth) {
		rc = flw_diag_set(w->diag, FLW_ELIMIT, path, "directories nested deeper than %u",
		                  w->lim->max_depth);
		goto out;
	}
	err = ext2fs_dir_iterate2(w->fs, dir, 0, NULL, collect, &l);
	if (l.rc != 0) {
		rc = flw_diag_set(w->diag, l.rc, path, "directory too large");
		goto out;
	}
	if (err) {
		rc = flw_diag_set(w->diag, FLW_EFORMAT, path, "cannot read directory: %s",
		                  error_message(err));
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		struct ext2_inode inode;
		ext2_ino_t ino = l.e[i].ino;

		if (ino > w->fs->super->s_inodes_count || ino < 1)
			continue;
		if (ext2fs_test_inode_bitmap2(w->seen, ino))
			continue; /* a hard link, or a loop */
		ext2fs_mark_inode_bitmap2(w->seen, ino);
		if (ext2fs_read_inode(w->fs, ino, &inode) != 0)
			continue;
		flw_free(child);
		child = flw_asprintf("%s/%s", depth == 0 ? "" : path, l.e[i].name);
		if (!child) {
			rc = FLW_ENOMEM;
			goto out;
		}
		if (LINUX_S_ISDIR(inode.i_mode)) {
			rc = walk_dir(w, ino, child, depth + 1);
		} else if (LINUX_S_ISREG(inode.i_mode)) {
			uint64_t size = EXT2_I_SIZE(&inode);

			if (size > w->lim->max_file_bytes)
				w->skipped++;
			else
				rc = scan_file_ext(w, ino, child, size);
		}
		if (rc != 0)
			goto out;
	}
out:
	flw_free(child);
	flw_free(l.e);
	return rc;
}

static int analyze_ext(struct flw_analyze_result *r, const char *image,
                       const struct flw_analyze_limits *lim, struct flw_diag *diag)
{
	struct walk w = { 0 };
	errcode_t err;
	int rc = FLW_ENOMEM;

	w.r = r;
	w.lim = lim;
	w.diag = diag;
	w.chunk = flw_malloc(FLW_ANALYZE_CHUNK);
	if (!w.chunk)
		goto out;
	err = ext2fs_open(image, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &w.fs);
	if (err) {
		w.fs = NULL;
		rc = flw_diag_set(diag, FLW_EFORMAT, image, "ext2/3/4 superblock, but: %s",
		                  error_message(err));
		goto out;
	}
	err = ext2fs_allocate_inode_bitmap(w.fs, "visited", &w.seen);
	if (err) {
		w.seen = NULL;
		goto out;
	}
	ext2fs_mark_inode_bitmap2(w.seen, EXT2_ROOT_INO);
	rc = walk_dir(&w, EXT2_ROOT_INO, "/", 0);
	flw_analyze__set_stats(r, "ext4", w.files, w.skipped);
out:
	if (w.seen)
		ext2fs_free_inode_bitmap(w.seen);
	if (w.fs)
		(void)ext2fs_close_free(&w.fs);
	flw_free(w.chunk);
	return rc;
}

static int analyze_raw(struct flw_analyze_result *r, int fd, const char *image,
                       struct flw_diag *diag)
{
	struct flw_analyze_scan *s = NULL;
	unsigned char *chunk = NULL;
	const char *base;
	int rc = FLW_ENOMEM;

	chunk = flw_malloc(FLW_ANALYZE_CHUNK);
	if (!chunk)
		goto out;
	base = strrchr(image, '/');
	rc = flw_analyze_scan_new(&s, r, base && base[1] ? base + 1 : image);
	if (rc != 0)
		goto out;
	for (;;) {
		ssize_t got = read(fd, chunk, FLW_ANALYZE_CHUNK);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = flw_diag_errno(diag, errno, image, "read");
			goto out;
		}
		if (got == 0)
			break;
		rc = flw_analyze_scan_feed(s, chunk, (size_t)got);
		if (rc != 0)
			goto out;
	}
	rc = flw_analyze_scan_finish(s);
	flw_analyze__set_stats(r, "raw", 1, 0);
out:
	flw_analyze_scan_free(s);
	flw_free(chunk);
	return rc;
}

int flw_analyze_image(struct flw_analyze_result *r, const char *image,
                      const struct flw_analyze_limits *lim, struct flw_diag *diag)
{
	static const struct flw_analyze_limits defaults = FLW_ANALYZE_LIMITS_DEFAULT;
	unsigned char magic[2];
	int fd = -1;
	int rc;

	if (!lim)
		lim = &defaults;
	fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = flw_diag_errno(diag, errno, image, "open");
		goto out;
	}
	if (pread(fd, magic, sizeof(magic), EXT_MAGIC_OFFSET) == (ssize_t)sizeof(magic) &&
	    magic[0] == 0x53 && magic[1] == 0xef) {
		rc = analyze_ext(r, image, lim, diag);
		goto out;
	}
	rc = analyze_raw(r, fd, image, diag);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
