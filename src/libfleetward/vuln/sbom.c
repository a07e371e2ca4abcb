/* vuln/sbom.c - CycloneDX 1.4-1.6 JSON SBOMs (include/fleetward/sbom.h)
 *
 * The document is parsed whole by flw_json_parse() (bounded by FLW_SBOM_MAX_BYTES and
 * FLW_SBOM_MAX_DEPTH), then "components" is walked depth first. Every component's strings are
 * copied, so the JSON tree is released before returning. Field paths in errors are built as
 * the walk goes ("components[3].components[0].cpe").
 */
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/cpe.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/sbom.h"

struct sbom_run {
	struct flw_sbom *s;
	size_t cap;
	char path[512]; /* FLW_SBOM_MAX_NESTING levels of "components[19999]." fit */
};

static const char *const spec_versions[] = { "1.4", "1.5", "1.6" };

static void component_free(struct flw_sbom_component *c)
{
	flw_free((char *)c->name);
	flw_free((char *)c->version);
	flw_free((char *)c->purl);
	flw_free((char *)c->cpe);
	flw_free((char *)c->vendor);
}

void flw_sbom_free(struct flw_sbom *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		component_free(&s->c[i]);
	flw_free(s->c);
	flw_free(s);
}

/* "pkg:" type "/" ... name: the type is [a-z0-9.+-] starting with a letter, there is a name
 * after the last '/' of the part before '@', '?' and '#', and no control characters. */
static int purl_ok(const char *p)
{
	const char *t = p + 4;
	size_t end;
	size_t i;
	size_t slash = 0;

	if (strncmp(p, "pkg:", 4) != 0)
		return 0;
	for (i = 0; p[i]; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == ' ')
			return 0;
	if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z')))
		return 0;
	for (i = 1; t[i] && t[i] != '/'; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-",
		            t[i]))
			return 0;
	if (t[i] != '/')
		return 0;
	end = strcspn(t, "@?#");
	for (i = 0; i < end; i++)
		if (t[i] == '/')
			slash = i;
	return end > slash + 1;
}

/* s printable (no control characters) */
static int text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int str_check(const char *v, size_t max, int required, const char *path, const char *key,
                     struct flw_diag *diag)
{
	if (!v) {
		if (required)
			return flw_diag_set(diag, FLW_EFORMAT, path, "%s.%s: required", path, key);
		return 0;
	}
	if (strnlen(v, max + 1) > max)
		return flw_diag_set(diag, FLW_ELIMIT, path, "%s.%s: longer than %zu bytes", path,
		                    key, max);
	if (required && !v[0])
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s.%s: empty", path, key);
	if (!text_ok(v))
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s.%s: control character", path, key);
	return 0;
}

int flw_sbom_component_check(const struct flw_sbom_component *c, const char *path,
                             struct flw_diag *diag)
{
	struct flw_cpe cpe;
	struct flw_diag d2;
	int rc;

	if (!c || !path)
		return flw_diag_set(diag, FLW_EINVAL, "component", "invalid argument");
	if ((rc = str_check(c->name, FLW_SBOM_NAME_MAX, 1, path, "name", diag)) != 0 ||
	    (rc = str_check(c->version, FLW_SBOM_VERSION_MAX, 0, path, "version", diag)) != 0 ||
	    (rc = str_check(c->purl, FLW_SBOM_PURL_MAX, 0, path, "purl", diag)) != 0 ||
	    (rc = str_check(c->cpe, FLW_SBOM_CPE_MAX, 0, path, "cpe", diag)) != 0 ||
	    (rc = str_check(c->vendor, FLW_SBOM_VENDOR_MAX, 0, path, "vendor", diag)) != 0)
		return rc;
	if (c->purl && !purl_ok(c->purl))
		return flw_diag_set(diag, FLW_EFORMAT, path,
		                    "%s.purl: not a package URL (pkg:type/namespace/name@version)",
		                    path);
	if (c->cpe && (rc = flw_cpe_parse(&cpe, c->cpe, strlen(c->cpe), &d2)) != 0)
		return flw_diag_set(diag, rc, path, "%s.cpe: %s", path, d2.msg);
	return 0;
}

/* A copy of the optional string member key of o (NULL when absent); *bad when not a string. */
static int dup_member(const json_t *o, const char *key, char **out, const char *path,
                      struct flw_diag *diag)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s.%s: expected a string", path, key);
	if (json_string_length(v) > FLW_SBOM_PURL_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, path, "%s.%s: longer than %u bytes", path,
		                    key, FLW_SBOM_PURL_MAX);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return flw_diag_set(diag, FLW_EFORMAT, path, "%s.%s: NUL byte", path, key);
	*out = flw_strdup(json_string_value(v));
	return *out ? 0 : flw_diag_set(diag, FLW_ENOMEM, path, "out of memory");
}

/* The CPE's literal vendor, or NULL */
static int derive_vendor(struct flw_sbom_component *c, const char *path, struct flw_diag *diag)
{
	struct flw_cpe cpe;
	struct flw_diag d2;
	const char *v;

	if (!c->cpe || flw_cpe_parse(&cpe, c->cpe, strlen(c->cpe), &d2) != 0)
		return 0;
	if (cpe.attr[FLW_CPE_VENDOR].kind != FLW_CPE_VALUE ||
	    flw_cpe_has_wildcard(&cpe, FLW_CPE_VENDOR))
		return 0;
	v = flw_cpe_value(&cpe, FLW_CPE_VENDOR);
	if (!v[0])
		return 0;
	c->vendor = flw_strdup(v);
	return c->vendor ? 0 : flw_diag_set(diag, FLW_ENOMEM, path, "out of memory");
}

static int append(struct sbom_run *r, struct flw_sbom_component *c, struct flw_diag *diag)
{
	struct flw_sbom *s = r->s;

	if (s->n >= FLW_SBOM_MAX_COMPONENTS)
		return flw_diag_set(diag, FLW_ELIMIT, "components", "more than %zu components",
		                    FLW_SBOM_MAX_COMPONENTS);
	if (s->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct flw_sbom_component *n = flw_reallocarray(s->c, cap, sizeof(*n));

		if (!n)
			return flw_diag_set(diag, FLW_ENOMEM, "components", "out of memory");
		s->c = n;
		r->cap = cap;
	}
	s->c[s->n++] = *c;
	return 0;
}

static int walk(struct sbom_run *r, const json_t *arr, unsigned level, struct flw_diag *diag);

static int one_component(struct sbom_run *r, const json_t *o, unsigned level, struct flw_diag *diag)
{
	struct flw_sbom_component c;
	char *name = NULL, *version = NULL, *purl = NULL, *cpe = NULL;
	const json_t *type = json_object_get(o, "type");
	const json_t *sub;
	int rc;

	memset(&c, 0, sizeof(c));
	if (!json_is_object(o))
		return flw_diag_set(diag, FLW_EFORMAT, r->path, "%s: expected an object", r->path);
	if (type && !json_is_string(type))
		return flw_diag_set(diag, FLW_EFORMAT, r->path, "%s.type: expected a string",
		                    r->path);
	if ((rc = dup_member(o, "name", &name, r->path, diag)) != 0 ||
	    (rc = dup_member(o, "version", &version, r->path, diag)) != 0 ||
	    (rc = dup_member(o, "purl", &purl, r->path, diag)) != 0 ||
	    (rc = dup_member(o, "cpe", &cpe, r->path, diag)) != 0)
		goto out;
	c.name = name;
	c.version = version && version[0] ? version : NULL;
	c.purl = purl;
	c.cpe = cpe;
	if ((rc = flw_sbom_component_check(&c, r->path, diag)) != 0 ||
	    (rc = derive_vendor(&c, r->path, diag)) != 0)
		goto out;
	if (!c.version) {
		flw_free(version);
		version = NULL;
	}
	if ((rc = append(r, &c, diag)) != 0)
		goto out;
	memset(&c, 0, sizeof(c)); /* owned by the SBOM now */
	name = version = purl = cpe = NULL;
	sub = json_object_get(o, "components");
	if (sub)
		rc = walk(r, sub, level + 1, diag);
out:
	if (rc != 0) {
		flw_free((char *)c.vendor);
		flw_free(name);
		flw_free(version);
		flw_free(purl);
		flw_free(cpe);
	}
	return rc;
}

static int walk(struct sbom_run *r, const json_t *arr, unsigned level, struct flw_diag *diag)
{
	size_t len = strlen(r->path);
	const json_t *o;
	size_t i;
	int rc;

	if (!json_is_array(arr))
		return flw_diag_set(diag, FLW_EFORMAT, r->path, "%s%scomponents: expected an array",
		                    r->path, len ? "." : "");
	if (level > FLW_SBOM_MAX_NESTING)
		return flw_diag_set(diag, FLW_ELIMIT, r->path,
		                    "components nested deeper than %u levels (at %s)",
		                    FLW_SBOM_MAX_NESTING, r->path);
	json_array_foreach(arr, i, o)
	{
		int n = snprintf(r->path + len, sizeof(r->path) - len, "%scomponents[%zu]",
		                 len ? "." : "", i);

		if (n < 0 || (size_t)n >= sizeof(r->path) - len)
			return flw_diag_set(diag, FLW_ELIMIT, "components",
			                    "components nested too deep to name");
		if ((rc = one_component(r, o, level, diag)) != 0)
			return rc;
		r->path[len] = '\0';
	}
	return 0;
}

static int header(struct flw_sbom *s, const json_t *doc, struct flw_diag *diag)
{
	const json_t *fmt;
	const json_t *spec;
	size_t i;

	if (!json_is_object(doc))
		return flw_diag_set(diag, FLW_EFORMAT, "", "an SBOM must be a JSON object");
	fmt = json_object_get(doc, "bomFormat");
	if (!fmt)
		return flw_diag_set(diag, FLW_EFORMAT, "bomFormat",
		                    "bomFormat: required (only CycloneDX JSON SBOMs are read)");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "CycloneDX") != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "bomFormat",
		                    "bomFormat: expected \"CycloneDX\"");
	spec = json_object_get(doc, "specVersion");
	if (!spec)
		return flw_diag_set(diag, FLW_EFORMAT, "specVersion", "specVersion: required");
	for (i = 0; json_is_string(spec) && i < FLW_ARRAY_SIZE(spec_versions); i++) {
		if (strcmp(json_string_value(spec), spec_versions[i]) == 0) {
			memcpy(s->spec_version, spec_versions[i], strlen(spec_versions[i]) + 1);
			return 0;
		}
	}
	return flw_diag_set(diag, FLW_EFORMAT, "specVersion",
	                    "specVersion: expected \"1.4\", \"1.5\" or \"1.6\"");
}

int flw_sbom_parse(struct flw_sbom **out, const void *data, size_t len, struct flw_diag *diag)
{
	static const struct flw_json_limits lim = { FLW_SBOM_MAX_BYTES, FLW_SBOM_MAX_DEPTH };
	struct sbom_run r;
	json_t *doc = NULL;
	const json_t *comps;
	int rc;

	if (!out || (!data && len))
		return flw_diag_set(diag, FLW_EINVAL, "sbom", "invalid argument");
	memset(&r, 0, sizeof(r));
	if (len > FLW_SBOM_MAX_BYTES)
		return flw_diag_set(diag, FLW_ELIMIT, "sbom", "SBOM of %zu bytes, at most %zu", len,
		                    FLW_SBOM_MAX_BYTES);
	if ((rc = flw_json_parse(&doc, data ? data : "", len, &lim, diag)) != 0)
		return rc;
	r.s = flw_calloc(1, sizeof(*r.s));
	if (!r.s) {
		rc = flw_diag_set(diag, FLW_ENOMEM, "sbom", "out of memory");
		goto out;
	}
	if ((rc = header(r.s, doc, diag)) != 0)
		goto out;
	comps = json_object_get(doc, "components");
	if (comps)
		rc = walk(&r, comps, 0, diag);
out:
	json_decref(doc);
	if (rc != 0) {
		flw_sbom_free(r.s);
		return rc;
	}
	*out = r.s;
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *flw_sbom_component_json(const struct flw_sbom_component *c)
{
	if (!c)
		return NULL;
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "name", str_or_null(c->name), "version",
	                 str_or_null(c->version), "purl", str_or_null(c->purl), "cpe",
	                 str_or_null(c->cpe), "vendor", str_or_null(c->vendor));
}
