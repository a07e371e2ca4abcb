/* include/fleetward/alloc.h - overflow-checked allocation with a fault-injection hook
 *
 * All library and program code allocates through these. Tests call flw_alloc_fail_at(n) to
 * make the n-th allocation from now fail (0 disables), which drives the OOM torture tests.
 */
#ifndef FLW_ALLOC_H
#define FLW_ALLOC_H
#include <stddef.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

FLW_EXPORT void *flw_malloc(size_t size);
FLW_EXPORT void *flw_calloc(size_t nmemb, size_t size);
FLW_EXPORT void *flw_reallocarray(void *ptr, size_t nmemb, size_t size);
FLW_EXPORT void flw_free(void *ptr);
FLW_EXPORT char *flw_strdup(const char *s);
FLW_EXPORT char *flw_strndup(const char *s, size_t n);
/* printf into a new string; NULL on failure */
FLW_EXPORT char *flw_asprintf(const char *fmt, ...) FLW_PRINTF(1, 2);

/* Fault injection (tests only). flw_alloc_fail_at(n): the n-th allocation from now returns
 * NULL, and so does every later one until reset when sticky is set. Thread-safe (atomic). */
FLW_EXPORT void flw_alloc_fail_at(unsigned long n, int sticky);
/* Allocations made since the last flw_alloc_fail_at() call. */
FLW_EXPORT unsigned long flw_alloc_count(void);
/* 1 if an allocation was failed by injection since the last flw_alloc_fail_at() call */
FLW_EXPORT int flw_alloc_injected(void);
/* For libraries that cannot survive a failed allocation (jansson 2.14: see meta/json.c):
 * aborts the process instead of returning NULL (fail-stop); not subject to fault injection. */
FLW_EXPORT void *flw_malloc_or_abort(size_t size);

FLW_END_DECLS
#endif /* FLW_ALLOC_H */
