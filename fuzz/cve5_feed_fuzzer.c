/* fuzz/cve5_feed_fuzzer.c - CVE JSON 5 record import; a first byte 'L' selects JSON lines
 * (oracle in feed_fuzz.h) */
#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int lines = size > 0 && data[0] == 'L';

	return lines ? feed_fuzz_one(FLW_FEED_CVE5, 1, data + 1, size - 1)
	             : feed_fuzz_one(FLW_FEED_CVE5, 0, data, size);
}
