/* fuzz/nvd_config_fuzzer.c - NVD "configurations" and CVE 5 "affected" parsing + matching
 *
 * The input is a JSON array, parsed with the strict parser, then given to both record parsers;
 * whatever parses is matched against a few fixed components (no crash, no leak, and a verdict
 * from the enum).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/json.h"
#include "fleetward/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct flw_component comps[] = {
	{ .product = "busybox", .version = "1.35.0" },
	{ .product = "openssl", .version = "1.1.1s" },
	{ .cpe = "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3:*:*:*:*:*:*:*" },
	{ .vendor = "dlink", .product = "dir-615", .version = "v2.0b01" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_json_limits lim = { .max_bytes = 1u << 20, .max_depth = 16 };
	struct flw_vuln_config *c = NULL;
	struct flw_vuln_affected *a = NULL;
	struct flw_cpe hw;
	struct flw_platform plat = { .hardware = &hw };
	json_t *v = NULL;
	size_t i;

	if (flw_cpe_parse(&hw, "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*", 45, NULL) != 0)
		abort();
	if (flw_json_parse(&v, data, size, &lim, NULL) != 0)
		return 0;
	if (flw_vuln_config_parse(&c, v, NULL) != 0)
		c = NULL;
	if (flw_vuln_affected_parse(&a, v, NULL) != 0)
		a = NULL;
	for (i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
		struct flw_match_item *it = NULL;
		struct flw_match_result r;

		if (flw_match_item_new(&it, &comps[i], NULL, NULL) != 0)
			abort();
		if (c && (flw_match_config(c, it, i % 2 ? &plat : NULL, &r) != 0 ||
		          r.verdict > FLW_MATCH_REVIEW))
			abort();
		if (a && (flw_match_affected(a, it, &r) != 0 || r.verdict > FLW_MATCH_REVIEW))
			abort();
		flw_match_item_free(it);
	}
	flw_vuln_config_free(c);
	flw_vuln_affected_free(a);
	json_decref(v);
	return 0;
}
