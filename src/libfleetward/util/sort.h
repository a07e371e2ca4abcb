/* src/libfleetward/util/sort.h - qsort that is defined for empty arrays
 *
 * qsort's base is declared non-null, so sorting an empty array that was never allocated
 * (NULL, 0) is undefined behaviour (UBSan stops on it). Every sort in the tree goes through
 * these; scripts/checksrc.sh refuses a raw qsort elsewhere.
 */
#ifndef FLW_UTIL_SORT_H
#define FLW_UTIL_SORT_H
#include <stdlib.h>

static inline void flw_sort(void *base, size_t n, size_t size,
                            int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp); /* checksrc:allow */
}

static inline void flw_sort_r(void *base, size_t n, size_t size,
                              int (*cmp)(const void *, const void *, void *), void *arg)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, arg); /* checksrc:allow */
}

#endif /* FLW_UTIL_SORT_H */
