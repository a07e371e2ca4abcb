/* fuzz/json_fuzzer.c - strict JSON parser + canonical encoder
 *
 * Oracle: whatever parses must canonicalise (or be refused for reals), and the canonical form
 * must parse again to the same canonical bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memchr_below(const unsigned char *p, size_t n, unsigned char limit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < limit)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_json_limits lim = { .max_bytes = 1u << 20, .max_depth = 32 };
	json_t *v = NULL;
	json_t *v2 = NULL;
	struct flw_buf a;
	struct flw_buf b;

	flw_buf_init(&a, 4u << 20);
	flw_buf_init(&b, 4u << 20);
	if (flw_json_parse(&v, data, size, &lim, NULL) != 0)
		goto out;
	if (flw_json_canonical(&a, v, NULL) != 0)
		goto out;
	/* OLPC canonical JSON writes control characters raw (as securesystemslib does), which
	 * strict JSON cannot read back: the round trip is only defined without them. */
	if (memchr_below(a.data, a.len, 0x20))
		goto out;
	if (flw_json_parse(&v2, a.data, a.len, NULL, NULL) != 0)
		abort(); /* canonical output must parse */
	if (flw_json_canonical(&b, v2, NULL) != 0 || a.len != b.len ||
	    memcmp(a.data, b.data, a.len) != 0)
		abort(); /* and be a fixed point */
out:
	json_decref(v);
	json_decref(v2);
	flw_buf_free(&a);
	flw_buf_free(&b);
	return 0;
}
