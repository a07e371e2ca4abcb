/* util/alloc.c - the only place that calls malloc/free; overflow checks and fault injection
 *
 * Fault injection: flw_alloc_fail_at(n, sticky) makes the n-th allocation from now fail (and,
 * when sticky, all later ones). The counters are atomics so threads may allocate concurrently.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"

static atomic_ulong alloc_count;
static atomic_ulong fail_at;
static atomic_int fail_sticky;
static atomic_int injected;

void flw_alloc_fail_at(unsigned long n, int sticky)
{
	atomic_store(&alloc_count, 0);
	atomic_store(&injected, 0);
	atomic_store(&fail_sticky, sticky);
	atomic_store(&fail_at, n);
}

unsigned long flw_alloc_count(void)
{
	return atomic_load(&alloc_count);
}

int flw_alloc_injected(void)
{
	return atomic_load(&injected);
}

void *flw_malloc_or_abort(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p) {
		fputs("fleetward: out of memory in a library that cannot recover from it\n",
		      stderr);
		abort();
	}
	return p;
}

static int should_fail(void)
{
	unsigned long target = atomic_load(&fail_at);
	unsigned long n = atomic_fetch_add(&alloc_count, 1) + 1;

	if (target == 0)
		return 0;
	if (n == target || (n > target && atomic_load(&fail_sticky))) {
		atomic_store(&injected, 1);
		return 1;
	}
	return 0;
}

void *flw_malloc(size_t size)
{
	if (should_fail())
		return NULL;
	return malloc(size ? size : 1);
}

void *flw_calloc(size_t nmemb, size_t size)
{
	if (should_fail())
		return NULL;
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	return calloc(nmemb, size);
}

void *flw_reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	if (should_fail())
		return NULL;
	return realloc(ptr, nmemb * size != 0 ? nmemb * size : 1);
}

void flw_free(void *ptr)
{
	free(ptr);
}

char *flw_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = flw_malloc(len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *flw_strdup(const char *s)
{
	return flw_strndup(s, SIZE_MAX);
}

char *flw_asprintf(const char *fmt, ...)
{
	va_list ap;
	int len;
	char *p;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return NULL;
	p = flw_malloc((size_t)len + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}
