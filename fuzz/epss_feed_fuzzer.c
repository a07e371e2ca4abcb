/* fuzz/epss_feed_fuzzer.c - FIRST EPSS CSV import (oracle in feed_fuzz.h) */
#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return feed_fuzz_one(FLW_FEED_EPSS, 0, data, size);
}
