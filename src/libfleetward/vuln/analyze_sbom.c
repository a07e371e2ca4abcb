/* src/libfleetward/vuln/analyze_sbom.c - CycloneDX 1.5 JSON of a firmware analysis
 *
 * One component per (name, version): name, version, cpe, purl (pkg:generic/NAME@VERSION),
 * bom-ref, and evidence: occurrences (the files) and identity.methods, one per kept
 * occurrence, technique "binary-analysis", value "PATH@OFFSET: matched text" (CycloneDX 1.5
 * occurrences carry no offset). A property counts all occurrences. No timestamp or serial
 * number: the same image gives the same bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "fleetward/alloc.h"
#include "fleetward/analyze.h"
#include "fleetward/buf.h"
#include "fleetward/cpe.h"
#include "fleetward/error.h"
#include "fleetward/json.h"

#define SBOM_MAX_BYTES (64u * 1024u * 1024u)

static json_t *component_json(const struct flw_analyze_comp *c, size_t idx)
{
	char cpe[FLW_CPE_MAX_LEN];
	char ref[96];
	char value[FLW_ANALYZE_PATH_MAX + FLW_ANALYZE_EVIDENCE_MAX + 40];
	char total[24];
	json_t *o = NULL;
	json_t *occ = NULL;
	json_t *methods = NULL;
	json_t *ret = NULL;
	char *purl = NULL;
	unsigned i;

	if (flw_analyze_cpe(c, cpe, sizeof(cpe)) != 0)
		goto out;
	purl = flw_asprintf("pkg:generic/%s@%s", c->name, c->version);
	if (!purl)
		goto out;
	snprintf(ref, sizeof(ref), "component-%zu-%s", idx, c->name);
	snprintf(total, sizeof(total), "%" PRIu64, c->nocc_total);
	occ = json_array();
	methods = json_array();
	if (!occ || !methods)
		goto out;
	for (i = 0; i < c->nocc; i++) {
		const struct flw_analyze_occ *e = &c->occ[i];

		if (e->offset < 0)
			snprintf(value, sizeof(value), "%s (file name): %s", e->path, e->evidence);
		else
			snprintf(value, sizeof(value), "%s@%" PRId64 ": %s", e->path, e->offset,
			         e->evidence);
		if (json_array_append_new(occ, json_pack("{s:s}", "location", e->path)) != 0 ||
		    json_array_append_new(methods,
		                          json_pack("{s:s,s:f,s:s}", "technique", "binary-analysis",
		                                    "confidence", 0.8, "value", value)) != 0)
			goto out;
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:O,s:{s:s,s:f,s:O}},s:[{s:s,s:s}]}", "type",
	              c->type, "bom-ref", ref, "name", c->name, "version", c->version, "cpe", cpe,
	              "purl", purl, "evidence", "occurrences", occ, "identity", "field", "cpe",
	              "confidence", 0.8, "methods", methods, "properties", "name",
	              "fleetward:analyze:occurrences", "value", total);
	if (!o)
		goto out;
	ret = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(occ);
	json_decref(methods);
	flw_free(purl);
	return ret;
}

int flw_analyze_sbom(struct flw_buf *out, const struct flw_analyze_result *r, const char *subject)
{
	const char *base = strrchr(subject, '/');
	json_t *doc = NULL;
	json_t *comps = NULL;
	struct flw_buf b;
	size_t i;
	int rc = FLW_ENOMEM;

	flw_buf_init(&b, SBOM_MAX_BYTES);
	base = base && base[1] ? base + 1 : subject;
	comps = json_array();
	if (!comps)
		goto out;
	for (i = 0; i < flw_analyze_result_count(r); i++)
		if (json_array_append_new(comps, component_json(flw_analyze_result_get(r, i), i)) !=
		    0)
			goto out;
	doc = json_pack("{s:s,s:s,s:i,s:{s:{s:[{s:s,s:s,s:s}]},s:{s:s,s:s,s:s},s:[{s:s,s:s}]},"
	                "s:O}",
	                "bomFormat", "CycloneDX", "specVersion", "1.5", "version", 1, "metadata",
	                "tools", "components", "type", "application", "name", "fleetward",
	                "version", FLW_VERSION, "component", "type", "firmware", "bom-ref",
	                "subject", "name", base, "properties", "name",
	                "fleetward:analyze:image-kind", "value", flw_analyze_result_kind(r),
	                "components", comps);
	if (!doc)
		goto out;
	rc = flw_json_dump(&b, doc, 1);
	if (rc != 0)
		goto out;
	*out = b;
	flw_buf_init(&b, 0);
out:
	flw_buf_free(&b);
	json_decref(doc);
	json_decref(comps);
	return rc;
}
