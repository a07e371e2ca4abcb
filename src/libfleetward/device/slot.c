/* src/libfleetward/device/slot.c - write a verified image into an inactive slot (see slot.h)
 *
 * Memory: one FLW_SLOT_CHUNK buffer, whatever the image size. Page cache: the source is read
 * with POSIX_FADV_SEQUENTIAL, and both files are dropped from the cache once synced.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "device/slot.h"

struct slot_io {
	int src;
	int dst;
	int is_blk;
	uint64_t cap;
	unsigned char *buf;
	struct flw_sha256 *h;
	unsigned long n_writes;
};

static int open_capacity(int fd, const char *path, int *is_blk, uint64_t *out,
                         struct flw_diag *diag)
{
	struct stat sb;
	uint64_t size = 0;

	if (fstat(fd, &sb) != 0)
		return flw_diag_errno(diag, errno, path, "stat");
	if (S_ISREG(sb.st_mode)) {
		*is_blk = 0;
		*out = UINT64_MAX;
		return 0;
	}
	if (!S_ISBLK(sb.st_mode))
		return flw_diag_set(diag, FLW_EINVAL, path,
		                    "slot is neither a regular file nor a block device");
	if (ioctl(fd, BLKGETSIZE64, &size) != 0)
		return flw_diag_errno(diag, errno, path, "BLKGETSIZE64");
	*is_blk = 1;
	*out = size;
	return 0;
}

int flw_slot_capacity(const char *path, uint64_t *out, struct flw_diag *diag)
{
	int fd;
	int is_blk = 0;
	int rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*out = UINT64_MAX; /* a file slot that does not exist yet */
		return 0;
	}
	if (fd < 0)
		return flw_diag_errno(diag, errno, path, "opening slot");
	rc = open_capacity(fd, path, &is_blk, out, diag);
	close(fd);
	return rc;
}

/* Read exactly n bytes from the source (short read = source shorter than promised). */
static int read_chunk(struct slot_io *io, size_t n, const char *src, struct flw_diag *diag)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(io->src, io->buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return flw_diag_errno(diag, errno, src, "reading staged image");
		if (r == 0)
			return flw_diag_set(diag, FLW_EHASH, src,
			                    "staged image is shorter than its signed length");
		got += (size_t)r;
	}
	return 0;
}

static int write_chunk(struct slot_io *io, size_t n, const struct flw_slot_write_opts *opts,
                       const char *dst, struct flw_diag *diag)
{
	if (opts && opts->fault && opts->fault(io->n_writes, opts->fault_payload) != 0)
		return flw_diag_set(diag, FLW_EIO, dst, "injected write fault at write %lu",
		                    io->n_writes);
	io->n_writes++;
	if (flw_fs_write_full(io->dst, io->buf, n) != 0)
		return flw_diag_errno(diag, errno, dst, "writing slot");
	return 0;
}

static int copy_all(struct slot_io *io, const char *src, const char *dst, uint64_t length,
                    const struct flw_slot_write_opts *opts, struct flw_diag *diag)
{
	uint64_t done = 0;
	int rc = 0;

	while (done < length) {
		size_t n = FLW_SLOT_CHUNK;
		size_t wn;

		if (length - done < n)
			n = (size_t)(length - done);
		if ((rc = read_chunk(io, n, src, diag)) != 0)
			return rc;
		if ((rc = flw_sha256_update(io->h, io->buf, n)) != 0)
			return flw_diag_set(diag, rc, NULL, "hashing failed");
		wn = n;
		if (io->is_blk && n % FLW_SLOT_BLOCK != 0 &&
		    done + n + (FLW_SLOT_BLOCK - n % FLW_SLOT_BLOCK) <= io->cap) {
			wn = n + (FLW_SLOT_BLOCK - n % FLW_SLOT_BLOCK);
			memset(io->buf + n, 0, wn - n);
		}
		if ((rc = write_chunk(io, wn, opts, dst, diag)) != 0)
			return rc;
		done += n;
	}
	return 0;
}

static int finish(struct slot_io *io, const char *dst, uint64_t length,
                  const unsigned char sha256[FLW_SHA256_BYTES], struct flw_diag *diag)
{
	unsigned char got[FLW_SHA256_BYTES];
	int rc;

	if (!io->is_blk && ftruncate(io->dst, (off_t)length) != 0)
		return flw_diag_errno(diag, errno, dst, "truncating slot");
	if (fsync(io->dst) != 0)
		return flw_diag_errno(diag, errno, dst, "fsync of slot");
	(void)posix_fadvise(io->dst, 0, 0, POSIX_FADV_DONTNEED);
	(void)posix_fadvise(io->src, 0, 0, POSIX_FADV_DONTNEED);
	rc = flw_sha256_final(io->h, got);
	if (rc != 0)
		return flw_diag_set(diag, rc, NULL, "hashing failed");
	if (flw_ct_memcmp(got, sha256, FLW_SHA256_BYTES) != 0)
		return flw_diag_set(diag, FLW_EHASH, dst,
		                    "the bytes written do not match the signed sha256 (staged "
		                    "file changed after verification?)");
	return 0;
}

int flw_slot_write(const char *src, const char *dst, uint64_t length,
                   const unsigned char sha256[FLW_SHA256_BYTES],
                   const struct flw_slot_write_opts *opts, struct flw_diag *diag)
{
	struct slot_io io = { .src = -1, .dst = -1 };
	int rc = FLW_ENOMEM;

	io.buf = flw_malloc(FLW_SLOT_CHUNK);
	if (!io.buf || flw_sha256_new(&io.h) != 0)
		goto out;
	io.src = open(src, O_RDONLY | O_CLOEXEC);
	if (io.src < 0) {
		rc = flw_diag_errno(diag, errno, src, "opening staged image");
		goto out;
	}
	(void)posix_fadvise(io.src, 0, 0, POSIX_FADV_SEQUENTIAL);
	io.dst = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (io.dst < 0) {
		rc = flw_diag_errno(diag, errno, dst, "opening slot");
		goto out;
	}
	rc = open_capacity(io.dst, dst, &io.is_blk, &io.cap, diag);
	if (rc != 0)
		goto out;
	if (length > io.cap) {
		rc = flw_diag_set(diag, FLW_ELIMIT, dst,
		                  "image of %llu bytes does not fit the slot (%llu bytes)",
		                  (unsigned long long)length, (unsigned long long)io.cap);
		goto out;
	}
	rc = copy_all(&io, src, dst, length, opts, diag);
	if (rc != 0)
		goto out;
	rc = finish(&io, dst, length, sha256, diag);
out:
	if (io.dst >= 0)
		close(io.dst);
	if (io.src >= 0)
		close(io.src);
	flw_sha256_free(io.h);
	flw_free(io.buf);
	return rc;
}
