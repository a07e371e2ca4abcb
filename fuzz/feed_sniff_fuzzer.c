/* fuzz/feed_sniff_fuzzer.c - telling a feed's kind from its first bytes (flw_feed_sniff)
 *
 * Input: any bytes, looked at as a prefix and as a whole file. Oracle: the answer is NULL or
 * one of the five kinds, the same for the same bytes, and a prefix that decided on a kind other
 * than CVE 5 (whose one-record / lines form depends on later bytes) is not contradicted by
 * the whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int known(const char *k)
{
	static const char *const kinds[] = { "nvd", "cve5", "cve5-jsonl", "kev", "epss" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(k, kinds[i]) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut = size > FLW_FEED_SNIFF_BYTES ? FLW_FEED_SNIFF_BYTES : size;
	const char *part = flw_feed_sniff(data, cut, 0);
	const char *whole = flw_feed_sniff(data, size, 1);

	if ((part && !known(part)) || (whole && !known(whole)))
		abort();
	if (whole != flw_feed_sniff(data, size, 1))
		abort();
	if (part && whole && strncmp(part, "cve5", 4) != 0 && strcmp(part, whole) != 0)
		abort();
	return 0;
}
