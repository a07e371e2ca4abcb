/* src/libfleetward/device/slot.h - writing a verified image into an inactive slot
 *
 * The image has already been verified in staging; flw_slot_write() reads it again while
 * writing (hash-while-writing: a staged file changed after verification - TOCTOU - is caught),
 * in fixed FLW_SLOT_CHUNK writes, fsyncs the slot, and only then reports success. It never
 * touches the boot selection: the caller flips it afterwards, as the last write.
 */
#ifndef FLW_DEVICE_SLOT_H
#define FLW_DEVICE_SLOT_H
#include <stddef.h>
#include <stdint.h>
#include "fleetward/common.h"
#include "fleetward/crypto.h"

struct flw_diag;

#define FLW_SLOT_CHUNK (256u * 1024u) /* a multiple of every block size we meet */
#define FLW_SLOT_BLOCK 4096u          /* raw devices: writes are padded to this */

/* Test hook: called before each write with the 0-based write index; returning non-zero makes
 * that write fail with FLW_EIO (a simulated I/O error or power cut). */
typedef int (*flw_slot_fault_fn)(unsigned long write_index, void *payload);

struct flw_slot_write_opts {
	flw_slot_fault_fn fault; /* optional */
	void *fault_payload;
};

/* Size of the slot at path: a regular file may grow (UINT64_MAX), a block device has its
 * size. FLW_EIO if it cannot be opened; FLW_EINVAL for other file types. */
FLW_WARN_UNUSED int flw_slot_capacity(const char *path, uint64_t *out, struct flw_diag *diag);

/* Copy the first `length` bytes of src into the slot dst, hashing them as they are written,
 * and fsync. A regular file is truncated to length; a block device is not truncated, must be
 * large enough (checked before the first write), and its last write is zero-padded to
 * FLW_SLOT_BLOCK when the device has room. FLW_EHASH when src is shorter than length or the
 * bytes written do not hash to sha256; FLW_ELIMIT when the slot is too small; FLW_EIO. */
FLW_WARN_UNUSED int flw_slot_write(const char *src, const char *dst, uint64_t length,
                                   const unsigned char sha256[FLW_SHA256_BYTES],
                                   const struct flw_slot_write_opts *opts, struct flw_diag *diag);

#endif /* FLW_DEVICE_SLOT_H */
