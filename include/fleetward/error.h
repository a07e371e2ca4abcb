/* include/fleetward/error.h - error codes and the diagnostics struct
 *
 * Fallible functions return 0 or a negative FLW_E* code. Details go into an optional,
 * fixed-size struct flw_diag supplied by the caller (no allocation, no thread-local state).
 */
#ifndef FLW_ERROR_H
#define FLW_ERROR_H
#include <stddef.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

enum flw_error {
	FLW_OK = 0,
	FLW_ENOMEM = -1,     /* allocation failed */
	FLW_EINVAL = -2,     /* invalid argument at a public entry point (caller's bug) */
	FLW_EFORMAT = -3,    /* malformed input */
	FLW_ELIMIT = -4,     /* input exceeds a stated limit */
	FLW_ESIG = -5,       /* signature or threshold check failed */
	FLW_EHASH = -6,      /* length or digest does not match signed metadata */
	FLW_EIO = -7,        /* I/O error (errno in diag) */
	FLW_ENOTFOUND = -8,  /* no such object */
	FLW_ECONFLICT = -9,  /* already exists, or version conflict */
	FLW_ESTORE = -10,    /* storage backend failure */
	FLW_EEXPIRED = -11,  /* metadata or token expired (freeze) */
	FLW_EROLLBACK = -12, /* version went backwards */
	FLW_EAUTH = -13,     /* authentication failed */
	FLW_EPERM = -14,     /* authenticated but not allowed */
	FLW_ENET = -15,      /* network/transport failure */
	FLW_ESTATE = -16,    /* operation not valid in the current state */
	FLW_EINCOMPAT = -17, /* target not for this hardware */
	FLW_ECRYPTO = -18,   /* crypto library failure */
	_FLW_E_MIN = -19
};

#define FLW_DIAG_PATH_MAX 128
#define FLW_DIAG_MSG_MAX  256

/* Where and why an operation failed. Fill with flw_diag_set(); all fields are NUL-terminated. */
struct flw_diag {
	int code;                     /* FLW_E* */
	int sys_errno;                /* errno when code == FLW_EIO, else 0 */
	unsigned line;                /* 1-based line in the input, 0 if unknown */
	unsigned column;              /* 1-based column, 0 if unknown */
	char path[FLW_DIAG_PATH_MAX]; /* field path ("signed.roles.root.threshold") or file */
	char msg[FLW_DIAG_MSG_MAX];   /* human message, no trailing newline */
};

/* Static, never NULL: "signature check failed" etc. Unknown codes give "unknown error". */
FLW_EXPORT const char *flw_strerror(int code);

/* Stable machine-readable name for the code: "format", "limit", "signature", ... */
FLW_EXPORT const char *flw_error_name(int code);

/* Record code, field path (may be NULL) and a printf-style message into diag (may be NULL).
 * Returns code so callers can write: return flw_diag_set(diag, FLW_EFORMAT, "x", "..."). */
FLW_EXPORT int flw_diag_set(struct flw_diag *diag, int code, const char *path, const char *fmt, ...)
        FLW_PRINTF(4, 5);

/* Same, for an I/O error: stores errno and appends strerror(errno). */
FLW_EXPORT int flw_diag_errno(struct flw_diag *diag, int sys_errno, const char *path,
                              const char *fmt, ...) FLW_PRINTF(4, 5);

FLW_EXPORT void flw_diag_clear(struct flw_diag *diag);

/* "what: message (field 'path')" into out, always NUL-terminated; returns out. */
FLW_EXPORT const char *flw_diag_format(const struct flw_diag *diag, char *out, size_t out_len);

FLW_END_DECLS
#endif /* FLW_ERROR_H */
