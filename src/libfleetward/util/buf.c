/* util/buf.c - bounded growable buffer (see buf.h); the data is always NUL-terminated */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"

void flw_buf_init(struct flw_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void flw_buf_free(struct flw_buf *b)
{
	flw_free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void flw_buf_free_secure(struct flw_buf *b)
{
	if (b->data)
		flw_memzero(b->data, b->cap);
	flw_buf_free(b);
}

void flw_buf_reset(struct flw_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

int flw_buf_reserve(struct flw_buf *b, size_t n, unsigned char **out)
{
	size_t need;
	size_t cap;
	unsigned char *p;

	if (n > b->max || b->len > b->max - n)
		return FLW_ELIMIT;
	need = b->len + n + 1; /* room for the NUL */
	if (need > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		p = flw_reallocarray(b->data, cap, 1);
		if (!p)
			return FLW_ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	*out = b->data + b->len;
	return 0;
}

int flw_buf_append(struct flw_buf *b, const void *p, size_t n)
{
	unsigned char *dst;
	int rc = flw_buf_reserve(b, n, &dst);

	if (rc != 0)
		return rc;
	if (n)
		memcpy(dst, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int flw_buf_puts(struct flw_buf *b, const char *s)
{
	return flw_buf_append(b, s, strlen(s));
}

int flw_buf_vprintf(struct flw_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	unsigned char *dst;
	int len;
	int rc;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		return FLW_EINVAL;
	rc = flw_buf_reserve(b, (size_t)len, &dst);
	if (rc != 0)
		return rc;
	vsnprintf((char *)dst, (size_t)len + 1, fmt, ap);
	b->len += (size_t)len;
	return 0;
}

int flw_buf_printf(struct flw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = flw_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

unsigned char *flw_buf_detach(struct flw_buf *b, size_t *len_out)
{
	unsigned char *p = b->data;

	if (len_out)
		*len_out = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

const char *flw_buf_cstr(const struct flw_buf *b)
{
	return b->data ? (const char *)b->data : "";
}
