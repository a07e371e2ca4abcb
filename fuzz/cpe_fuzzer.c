/* fuzz/cpe_fuzzer.c - CPE 2.3 formatted-string parser
 *
 * Oracle: whatever parses must bind back to a string that parses to the same name (EQUAL to
 * itself when it has no wildcards), and matching never reads past the parsed values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/cpe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_cpe a;
	struct flw_cpe b;
	char out[4 * FLW_CPE_MAX_LEN];
	int wild = 0;
	int i;

	if (flw_cpe_parse(&a, (const char *)data, size, NULL) != 0)
		return 0;
	if (flw_cpe_format(&a, out, sizeof(out)) != 0)
		abort();
	if (flw_cpe_parse(&b, out, strlen(out), NULL) != 0)
		abort(); /* our own binding must parse */
	for (i = 0; i < _FLW_CPE_ATTR_MAX; i++) {
		wild |= flw_cpe_has_wildcard(&a, (enum flw_cpe_attr)i);
		if (strcmp(flw_cpe_value(&a, (enum flw_cpe_attr)i),
		           flw_cpe_value(&b, (enum flw_cpe_attr)i)) != 0)
			abort();
	}
	if (!wild && flw_cpe_compare(&a, &b) != FLW_CPE_REL_EQUAL)
		abort();
	(void)flw_cpe_match(&b, &a);
	return 0;
}
