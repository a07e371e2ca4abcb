/* fuzz/version_fuzzer.c - version parsing and comparison under every scheme
 *
 * Input: two versions separated by a NUL byte. Oracle: comparison is reflexive and
 * antisymmetric, and a parsed key never exceeds FLW_VERSION_KEY_MAX.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	size_t la = nul ? (size_t)(nul - s) : size;
	size_t lb = nul ? size - la - 1 : 0;
	int sc;

	for (sc = 0; sc < _FLW_VSCHEME_MAX; sc++) {
		struct flw_version a;
		struct flw_version b;
		int ra = flw_version_parse(&a, (enum flw_vscheme)sc, s, la, NULL);
		int rb = nul ? flw_version_parse(&b, (enum flw_vscheme)sc, nul + 1, lb, NULL) : -1;

		if (ra == 0 && (a.len > FLW_VERSION_KEY_MAX || flw_version_compare(&a, &a) != 0))
			abort();
		if (ra == 0 && rb == 0 &&
		    flw_version_compare(&a, &b) != -flw_version_compare(&b, &a))
			abort();
	}
	return 0;
}
