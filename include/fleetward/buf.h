/* include/fleetward/buf.h - bounded growable byte buffer
 *
 * A buffer is capped at init: growth past max gives FLW_ELIMIT, so every parser of outside
 * input states its limit where it creates the buffer. The data is always NUL-terminated
 * (not counted in len), so text can be used as a C string.
 */
#ifndef FLW_BUF_H
#define FLW_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_buf {
	unsigned char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* hard limit on len */
};

FLW_EXPORT void flw_buf_init(struct flw_buf *b, size_t max);
FLW_EXPORT void flw_buf_free(struct flw_buf *b); /* wipes nothing; see flw_buf_free_secure */
FLW_EXPORT void flw_buf_free_secure(struct flw_buf *b);
FLW_EXPORT void flw_buf_reset(struct flw_buf *b); /* len = 0, keeps memory */
/* 0, FLW_ENOMEM or FLW_ELIMIT; on error the buffer is unchanged */
FLW_EXPORT FLW_WARN_UNUSED int flw_buf_append(struct flw_buf *b, const void *p, size_t n);
FLW_EXPORT FLW_WARN_UNUSED int flw_buf_puts(struct flw_buf *b, const char *s);
FLW_EXPORT FLW_WARN_UNUSED int flw_buf_printf(struct flw_buf *b, const char *fmt, ...)
        FLW_PRINTF(2, 3);
FLW_EXPORT FLW_WARN_UNUSED int flw_buf_vprintf(struct flw_buf *b, const char *fmt, va_list ap)
        FLW_PRINTF(2, 0);
/* make room for n more bytes; returns 0 and sets *out to the write position */
FLW_EXPORT FLW_WARN_UNUSED int flw_buf_reserve(struct flw_buf *b, size_t n, unsigned char **out);
/* give the data to the caller (free with flw_free); buffer becomes empty. NULL if empty. */
FLW_EXPORT unsigned char *flw_buf_detach(struct flw_buf *b, size_t *len_out);
/* the data as a C string ("" when empty); borrowed */
FLW_EXPORT const char *flw_buf_cstr(const struct flw_buf *b);

FLW_END_DECLS
#endif /* FLW_BUF_H */
