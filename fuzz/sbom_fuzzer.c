/* fuzz/sbom_fuzzer.c - CycloneDX JSON SBOM parsing
 *
 * Oracle: a parse that succeeds gives at most FLW_SBOM_MAX_COMPONENTS components, each with a
 * name and every string within its limit that passes flw_sbom_component_check() again; a
 * derived vendor only comes with a CPE; parsing the same input twice gives the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/error.h"
#include "fleetward/sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_sbom *a = NULL;
	struct flw_sbom *b = NULL;
	struct flw_diag diag;
	size_t i;
	int ra = flw_sbom_parse(&a, data, size, &diag);
	int rb = flw_sbom_parse(&b, data, size, &diag);

	if (ra != rb || (ra == 0) != (a != NULL) || (ra != 0 && diag.msg[0] == '\0'))
		abort();
	if (ra == 0) {
		if (a->n > FLW_SBOM_MAX_COMPONENTS || a->n != b->n)
			abort();
		for (i = 0; i < a->n; i++) {
			const struct flw_sbom_component *c = &a->c[i];

			if (!c->name || !c->name[0] || flw_sbom_component_check(c, "c", &diag) != 0)
				abort();
			if (c->vendor && !c->cpe)
				abort();
			if (!same(c->name, b->c[i].name) || !same(c->version, b->c[i].version) ||
			    !same(c->purl, b->c[i].purl) || !same(c->cpe, b->c[i].cpe) ||
			    !same(c->vendor, b->c[i].vendor))
				abort();
		}
	}
	flw_sbom_free(a);
	flw_sbom_free(b);
	return 0;
}
