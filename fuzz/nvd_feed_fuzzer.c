/* fuzz/nvd_feed_fuzzer.c - NVD API 2.0 response import (oracle in feed_fuzz.h) */
#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return feed_fuzz_one(FLW_FEED_NVD, 0, data, size);
}
