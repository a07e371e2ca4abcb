/* fuzz/kev_feed_fuzzer.c - CISA KEV catalogue import (oracle in feed_fuzz.h) */
#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return feed_fuzz_one(FLW_FEED_KEV, 0, data, size);
}
