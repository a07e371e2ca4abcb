/* fuzz/analyze_fuzzer.c - firmware-analysis signature scanner
 *
 * Oracle: the components found do not depend on how the bytes are fed (whole, or in pieces of
 * a size taken from the first byte); every component has a version and a CPE that parses; the
 * SBOM is produced. The data is scanned as a file named by its first line, too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/analyze.h"
#include "fleetward/buf.h"
#include "fleetward/cpe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct flw_analyze_result *run(const uint8_t *data, size_t size, size_t piece,
                                      const char *path)
{
	struct flw_analyze_result *r = NULL;
	struct flw_analyze_scan *s = NULL;
	size_t off = 0;

	if (flw_analyze_result_new(&r) != 0)
		abort();
	if (flw_analyze_scan_new(&s, r, path) != 0)
		abort();
	while (off < size) {
		size_t n = piece && size - off > piece ? piece : size - off;

		if (flw_analyze_scan_feed(s, data + off, n) != 0)
			abort();
		off += n;
	}
	if (flw_analyze_scan_finish(s) != 0)
		abort();
	flw_analyze_scan_free(s);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_analyze_result *a;
	struct flw_analyze_result *b;
	struct flw_buf sbom = { 0 };
	char path[128] = "/x/";
	size_t piece = size ? (size_t)data[0] % 64 + 1 : 1;
	size_t i;

	for (i = 0; i < size && i < 100 && data[i] != '\n' && data[i] != '\0'; i++)
		path[3 + i] = (char)data[i];
	path[3 + i] = '\0';
	a = run(data, size, 0, "/x");
	b = run(data, size, piece, "/x");
	if (flw_analyze_result_count(a) != flw_analyze_result_count(b))
		abort();
	for (i = 0; i < flw_analyze_result_count(a); i++) {
		const struct flw_analyze_comp *ca = flw_analyze_result_get(a, i);
		const struct flw_analyze_comp *cb = flw_analyze_result_get(b, i);
		char cpe[FLW_CPE_MAX_LEN];
		struct flw_cpe parsed;

		if (strcmp(ca->name, cb->name) != 0 || strcmp(ca->version, cb->version) != 0 ||
		    ca->nocc_total != cb->nocc_total || ca->version[0] == '\0')
			abort();
		if (flw_analyze_cpe(ca, cpe, sizeof(cpe)) != 0 ||
		    flw_cpe_parse(&parsed, cpe, strlen(cpe), NULL) != 0)
			abort();
	}
	if (flw_analyze_sbom(&sbom, a, "fuzz.img") != 0)
		abort();
	flw_buf_free(&sbom);
	flw_analyze_result_free(b);
	flw_analyze_result_free(a);
	b = run(data, 0, 0, path); /* the file-name signatures */
	flw_analyze_result_free(b);
	return 0;
}
