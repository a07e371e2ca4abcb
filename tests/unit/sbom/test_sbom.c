/* tests/unit/sbom/test_sbom.c - CycloneDX 1.4-1.6 JSON SBOM parsing (include/fleetward/sbom.h) */
#include "flw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/sbom.h"

static int parse(struct flw_sbom **s, const char *text, struct flw_diag *d)
{
	memset(d, 0, sizeof(*d));
	return flw_sbom_parse(s, text, strlen(text), d);
}

/* parse text, expect code, and the error message to contain needle */
static void refused(const char *text, int code, const char *needle)
{
	struct flw_sbom *s = NULL;
	struct flw_diag d;
	int rc = parse(&s, text, &d);

	if (rc != code)
		fail_msg("'%s': expected %d, got %d (%s)", text, code, rc, d.msg);
	assert_null(s);
	if (!strstr(d.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", text, d.msg, needle);
}

static void test_sbom_nested(void **state)
{
	const char *text =
	        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"version\":1,"
	        "\"metadata\":{\"component\":{\"type\":\"firmware\",\"name\":\"cam-fw\"}},"
	        "\"components\":["
	        "{\"type\":\"application\",\"name\":\"busybox\",\"version\":\"1.36.1\","
	        "\"cpe\":\"cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*\"},"
	        "{\"type\":\"library\",\"name\":\"openssl\",\"version\":\"3.0.13\","
	        "\"purl\":\"pkg:deb/debian/openssl@3.0.13-1?arch=arm64\","
	        "\"components\":[{\"type\":\"library\",\"name\":\"libcrypto\","
	        "\"components\":[{\"type\":\"file\",\"name\":\"x\",\"version\":\"\"}]}]},"
	        "{\"type\":\"application\",\"name\":\"dnsmasq\",\"version\":\"2.89\","
	        "\"purl\":\"pkg:generic/dnsmasq@2.89\","
	        "\"cpe\":\"cpe:2.3:a:thekelleys:dnsmasq:2.89:*:*:*:*:*:*:*\"}]}";
	struct flw_sbom *s = NULL;
	struct flw_diag d;
	json_t *j;

	(void)state;
	assert_int_equal(parse(&s, text, &d), 0);
	assert_string_equal(s->spec_version, "1.5");
	assert_int_equal(s->n, 5); /* metadata.component is the firmware itself, not a part */
	assert_string_equal(s->c[0].name, "busybox");
	assert_string_equal(s->c[0].vendor, "busybox");
	assert_null(s->c[0].purl);
	assert_string_equal(s->c[1].name, "openssl");
	assert_string_equal(s->c[1].purl, "pkg:deb/debian/openssl@3.0.13-1?arch=arm64");
	assert_null(s->c[1].vendor); /* no CPE: a purl namespace is no vendor */
	assert_null(s->c[1].cpe);
	assert_string_equal(s->c[2].name, "libcrypto"); /* nested, depth first */
	assert_null(s->c[2].version);
	assert_string_equal(s->c[3].name, "x");
	assert_null(s->c[3].version); /* "" is no version */
	assert_string_equal(s->c[4].name, "dnsmasq");
	assert_string_equal(s->c[4].vendor, "thekelleys");
	j = flw_sbom_component_json(&s->c[4]);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "vendor")), "thekelleys");
	json_decref(j);
	j = flw_sbom_component_json(&s->c[2]);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(j, "purl")));
	json_decref(j);
	flw_sbom_free(s);
}

static void test_sbom_versions(void **state)
{
	static const char *const ok[] = { "1.4", "1.5", "1.6" };
	char text[256];
	struct flw_sbom *s = NULL;
	struct flw_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"%s\"}",
		         ok[i]);
		assert_int_equal(parse(&s, text, &d), 0);
		assert_string_equal(s->spec_version, ok[i]);
		assert_int_equal(s->n, 0);
		flw_sbom_free(s);
		s = NULL;
	}
	refused("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.3\"}", FLW_EFORMAT,
	        "specVersion");
	refused("{\"bomFormat\":\"CycloneDX\",\"specVersion\":1.5}", FLW_EFORMAT, "specVersion");
	refused("{\"bomFormat\":\"CycloneDX\"}", FLW_EFORMAT, "specVersion: required");
	refused("{\"bomFormat\":\"SPDX\",\"specVersion\":\"1.5\"}", FLW_EFORMAT, "bomFormat");
	refused("{\"spdxVersion\":\"SPDX-2.3\"}", FLW_EFORMAT, "bomFormat: required");
	refused("[]", FLW_EFORMAT, "JSON object");
	refused("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\"", FLW_EFORMAT, "");
	refused("{\"bomFormat\":\"CycloneDX\",\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\"}",
	        FLW_EFORMAT, "");
}

#define HEAD "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":"

static void test_sbom_bad_fields(void **state)
{
	(void)state;
	refused(HEAD "{}}", FLW_EFORMAT, "components: expected an array");
	refused(HEAD "[{\"type\":\"library\"}]}", FLW_EFORMAT, "components[0].name: required");
	refused(HEAD "[{\"name\":\"\"}]}", FLW_EFORMAT, "components[0].name: empty");
	refused(HEAD "[{\"name\":7}]}", FLW_EFORMAT, "components[0].name: expected a string");
	refused(HEAD "[{\"name\":\"a\",\"type\":1}]}", FLW_EFORMAT, "components[0].type");
	refused(HEAD "[{\"name\":\"a\",\"version\":[]}]}", FLW_EFORMAT, "components[0].version");
	refused(HEAD "[{\"name\":\"a\"},{\"name\":\"b\",\"components\":[{\"name\":\"c\","
	             "\"cpe\":\"cpe:/a:busybox:busybox:1.0\"}]}]}",
	        FLW_EFORMAT, "components[1].components[0].cpe");
	refused(HEAD "[{\"name\":\"a\",\"cpe\":\"cpe:2.3:a:x:y\"}]}", FLW_EFORMAT,
	        "components[0].cpe");
	refused(HEAD "[{\"name\":\"a\",\"purl\":\"npm/lodash@1\"}]}", FLW_EFORMAT,
	        "components[0].purl");
	refused(HEAD "[{\"name\":\"a\",\"purl\":\"pkg:npm/\"}]}", FLW_EFORMAT,
	        "components[0].purl");
	refused(HEAD "[{\"name\":\"a\\u0001b\"}]}", FLW_EFORMAT, "control character");
	refused(HEAD "[{\"name\":\"a\",\"components\":{}}]}", FLW_EFORMAT,
	        "components[0].components: expected an array");
	refused(HEAD "[7]}", FLW_EFORMAT, "components[0]: expected an object");
}

static void test_sbom_limits(void **state)
{
	struct flw_sbom *s = NULL;
	struct flw_diag d;
	char *big;
	size_t n = FLW_SBOM_MAX_COMPONENTS + 1;
	size_t cap = n * 16 + 128;
	size_t off;
	size_t i;

	(void)state;
	/* string lengths */
	big = flw_calloc(1, cap);
	assert_non_null(big);
	off = (size_t)snprintf(big, cap, HEAD "[{\"name\":\"");
	memset(big + off, 'a', FLW_SBOM_NAME_MAX + 1);
	off += FLW_SBOM_NAME_MAX + 1;
	snprintf(big + off, cap - off, "\"}]}");
	assert_int_equal(parse(&s, big, &d), FLW_ELIMIT);
	assert_non_null(strstr(d.msg, "components[0].name: longer than 256"));
	/* component count */
	off = (size_t)snprintf(big, cap, HEAD "[");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(big + off, cap - off, "%s{\"name\":\"c\"}", i ? "," : "");
	snprintf(big + off, cap - off, "]}");
	assert_int_equal(parse(&s, big, &d), FLW_ELIMIT);
	assert_non_null(strstr(d.msg, "more than 20000 components"));
	/* exactly the limit is fine */
	off = (size_t)snprintf(big, cap, HEAD "[");
	for (i = 0; i < n - 1; i++)
		off += (size_t)snprintf(big + off, cap - off, "%s{\"name\":\"c\"}", i ? "," : "");
	snprintf(big + off, cap - off, "]}");
	assert_int_equal(parse(&s, big, &d), 0);
	assert_int_equal(s->n, FLW_SBOM_MAX_COMPONENTS);
	flw_sbom_free(s);
	s = NULL;
	/* nesting: 17 levels of components inside components */
	off = (size_t)snprintf(big, cap, HEAD "[");
	for (i = 0; i <= FLW_SBOM_MAX_NESTING + 1; i++)
		off += (size_t)snprintf(big + off, cap - off, "{\"name\":\"n\",\"components\":[");
	for (i = 0; i <= FLW_SBOM_MAX_NESTING + 1; i++)
		off += (size_t)snprintf(big + off, cap - off, "]}");
	snprintf(big + off, cap - off, "]}");
	assert_int_equal(parse(&s, big, &d), FLW_ELIMIT);
	assert_non_null(strstr(d.msg, "nested deeper than 16"));
	/* size */
	assert_int_equal(flw_sbom_parse(&s, big, FLW_SBOM_MAX_BYTES + 1, &d), FLW_ELIMIT);
	flw_free(big);
}

static void test_sbom_component_check(void **state)
{
	struct flw_sbom_component c = { "busybox", "1.36.1", "pkg:generic/busybox@1.36.1",
		                        "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*", NULL };
	struct flw_diag d;

	(void)state;
	assert_int_equal(flw_sbom_component_check(&c, "components[0]", &d), 0);
	c.cpe = "cpe:2.3:a:busybox";
	assert_int_equal(flw_sbom_component_check(&c, "components[2]", &d), FLW_EFORMAT);
	assert_non_null(strstr(d.msg, "components[2].cpe"));
	c.cpe = NULL;
	c.name = NULL;
	assert_int_equal(flw_sbom_component_check(&c, "components[1]", &d), FLW_EFORMAT);
	assert_non_null(strstr(d.msg, "components[1].name: required"));
}

static int torture_parse(void *payload)
{
	const char *text = payload;
	struct flw_sbom *s = NULL;
	struct flw_diag d;
	int rc = flw_sbom_parse(&s, text, strlen(text), &d);

	flw_sbom_free(s);
	return rc;
}

static void test_sbom_oom(void **state)
{
	static char text[] = HEAD "[{\"name\":\"a\",\"version\":\"1\",\"purl\":"
	                          "\"pkg:generic/a@1\",\"cpe\":"
	                          "\"cpe:2.3:a:v:a:1:*:*:*:*:*:*:*\",\"components\":"
	                          "[{\"name\":\"b\"}]}]}";

	(void)state;
	assert_true(flw_test_torture(torture_parse, text, 1000) > 5);
}

/* A real SBOM in the fuzz corpus parses */
static void test_sbom_corpus_seed(void **state)
{
	char path[1024];
	const char *src = getenv("FLW_SRC_DIR");
	struct flw_sbom *s = NULL;
	struct flw_diag d;
	char *data;
	FILE *f;
	size_t n;

	(void)state;
	if (!src)
		skip();
	snprintf(path, sizeof(path), "%s/fuzz/corpora/sbom/syft-style.json", src);
	f = fopen(path, "rb");
	assert_non_null(f);
	data = flw_malloc(1 << 16);
	assert_non_null(data);
	n = fread(data, 1, 1 << 16, f);
	fclose(f);
	assert_int_equal(flw_sbom_parse(&s, data, n, &d), 0);
	assert_int_equal(s->n, 4);
	assert_string_equal(s->c[3].vendor, "openssl");
	flw_sbom_free(s);
	flw_free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbom_nested),          cmocka_unit_test(test_sbom_versions),
		cmocka_unit_test(test_sbom_bad_fields),      cmocka_unit_test(test_sbom_limits),
		cmocka_unit_test(test_sbom_component_check), cmocka_unit_test(test_sbom_oom),
		cmocka_unit_test(test_sbom_corpus_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
