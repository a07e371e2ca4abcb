/* include/fleetward/sbom.h - CycloneDX (1.4, 1.5, 1.6) JSON SBOMs: the components a release
 * carries
 *
 * flw_sbom_parse() reads one CycloneDX JSON document through flw_json_parse() (size and depth
 * bounded, duplicate keys refused) and returns its components, nested ones (a component's own
 * "components") included, flattened in document order. Checked: "bomFormat" is "CycloneDX",
 * "specVersion" is 1.4, 1.5 or 1.6; every component has a non-empty "name"; "version", "purl",
 * "cpe" are strings within their limits; a "cpe" must be a CPE 2.3 formatted string that
 * flw_cpe_parse() accepts and a "purl" must look like "pkg:type/...name" - nothing is guessed.
 * Every error names its field ("components[3].components[0].cpe").
 *
 * vendor is derived, never guessed: the CPE's vendor attribute when the component has a CPE
 * with a literal vendor, else NULL.
 */
#ifndef FLW_SBOM_H
#define FLW_SBOM_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_diag;

/* ---- limits ----------------------------------------------------------------------------- */
#define FLW_SBOM_MAX_BYTES      ((size_t)32 << 20) /* one SBOM document */
#define FLW_SBOM_MAX_COMPONENTS ((size_t)20000)    /* all components, nested ones included */
#define FLW_SBOM_MAX_NESTING    16u                /* components inside components */
#define FLW_SBOM_MAX_DEPTH      64u                /* JSON nesting of the whole document */
#define FLW_SBOM_NAME_MAX       256u
#define FLW_SBOM_VERSION_MAX    128u
#define FLW_SBOM_PURL_MAX       1024u
#define FLW_SBOM_CPE_MAX        512u /* FLW_CPE_MAX_LEN */
#define FLW_SBOM_VENDOR_MAX     256u

/* One component. Strings are owned by the struct flw_sbom (or, for components built by a
 * caller, by the caller); version, purl, cpe, vendor may be NULL. */
struct flw_sbom_component {
	const char *name;
	const char *version;
	const char *purl;
	const char *cpe;
	const char *vendor;
};

struct flw_sbom {
	char spec_version[8]; /* "1.4", "1.5", "1.6" */
	size_t n;
	struct flw_sbom_component *c; /* n components, document order (depth first) */
};

/**
 * Parse a CycloneDX JSON SBOM (need not be NUL-terminated).
 * @return 0, FLW_EFORMAT (not JSON, not CycloneDX, bad field; diag names the field),
 *         FLW_ELIMIT (a limit above), FLW_ENOMEM, FLW_EINVAL (NULL arguments)
 */
FLW_EXPORT FLW_WARN_UNUSED int flw_sbom_parse(struct flw_sbom **out, const void *data, size_t len,
                                              struct flw_diag *diag);
FLW_EXPORT void flw_sbom_free(struct flw_sbom *s); /* NULL is fine */

/**
 * Check one component as a caller built it (e.g. from a device's check-in): the same rules as
 * a parsed one (name required, limits, CPE and purl syntax). path names it in errors.
 * @return 0, FLW_EFORMAT, FLW_ELIMIT or FLW_EINVAL
 */
FLW_EXPORT FLW_WARN_UNUSED int flw_sbom_component_check(const struct flw_sbom_component *c,
                                                        const char *path, struct flw_diag *diag);

/* Component as JSON: {name, version, purl, cpe, vendor} with null for absent ones. */
FLW_EXPORT json_t *flw_sbom_component_json(const struct flw_sbom_component *c);

FLW_END_DECLS
#endif /* FLW_SBOM_H */
