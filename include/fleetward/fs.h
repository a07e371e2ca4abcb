/* include/fleetward/fs.h - file helpers with crash-consistent writes
 *
 * flw_fs_write_atomic(): write to "<path>.tmp.<pid>", fsync, rename over path, fsync the
 * directory. After a crash at any instant path holds the old or the new content, never a mix.
 */
#ifndef FLW_FS_H
#define FLW_FS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_diag;
struct flw_buf;

FLW_EXPORT FLW_WARN_UNUSED int flw_fs_write_atomic(const char *path, const void *data, size_t len,
                                                   mode_t mode, struct flw_diag *diag);
/* Read a whole file into out (bounded by out->max: FLW_ELIMIT when larger). FLW_ENOTFOUND when
 * it does not exist, FLW_EIO otherwise. */
FLW_EXPORT FLW_WARN_UNUSED int flw_fs_read_all(const char *path, struct flw_buf *out,
                                               struct flw_diag *diag);
/* mkdir -p with mode for created directories */
FLW_EXPORT FLW_WARN_UNUSED int flw_fs_mkdirs(const char *path, mode_t mode, struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int flw_fs_fsync_dir(const char *dir, struct flw_diag *diag);
/* write all of buf to fd, retrying on EINTR/short writes */
FLW_EXPORT FLW_WARN_UNUSED int flw_fs_write_full(int fd, const void *buf, size_t len);
/* join dir + "/" + name into a new string; NULL on ENOMEM */
FLW_EXPORT char *flw_fs_join(const char *dir, const char *name);
/* 1 if name is a safe single path component: [A-Za-z0-9._-], 1..max chars, not "." or ".." */
FLW_EXPORT int flw_fs_name_ok(const char *name, size_t max);

FLW_END_DECLS
#endif /* FLW_FS_H */
