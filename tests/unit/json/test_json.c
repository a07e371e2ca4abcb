/* tests/unit/json/test_json.c - strict parsing limits and the canonical (OLPC) form */
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "flw_test.h"

static int parse(const char *s, json_t **out, struct flw_diag *d)
{
	struct flw_json_limits lim = { .max_bytes = 4096, .max_depth = 8 };

	return flw_json_parse(out, s, strlen(s), &lim, d);
}

static void canon_is(const char *in, const char *want)
{
	json_t *v = NULL;
	struct flw_buf b;

	flw_buf_init(&b, 4096);
	assert_int_equal(parse(in, &v, NULL), 0);
	assert_int_equal(flw_json_canonical(&b, v, NULL), 0);
	assert_string_equal(flw_buf_cstr(&b), want);
	json_decref(v);
	flw_buf_free(&b);
}

static void test_canonical_form(void **state)
{
	(void)state;
	canon_is("{ \"b\" : 1, \"a\": [true, false, null, -5], \"A\": \"x\" }",
	         "{\"A\":\"x\",\"a\":[true,false,null,-5],\"b\":1}");
	/* only backslash and quote are escaped; control characters and UTF-8 stay raw */
	canon_is("{\"s\":\"q\\\"b\\\\n\\nt\\u00e9\"}", "{\"s\":\"q\\\"b\\\\n\nt\xc3\xa9\"}");
	/* byte order, shorter prefix first */
	canon_is("{\"ab\":1,\"a\":2,\"b\":3,\"Z\":4}", "{\"Z\":4,\"a\":2,\"ab\":1,\"b\":3}");
	canon_is("[]", "[]");
	canon_is("{\"o\":{}}", "{\"o\":{}}");
}

static void test_canonical_rejects_reals(void **state)
{
	json_t *v = NULL;
	struct flw_buf b;
	struct flw_diag d;

	(void)state;
	flw_buf_init(&b, 4096);
	assert_int_equal(flw_buf_puts(&b, "keep"), 0);
	assert_int_equal(parse("{\"x\":1.5}", &v, NULL), 0);
	assert_int_equal(flw_json_canonical(&b, v, &d), FLW_EFORMAT);
	/* nothing half-written */
	assert_string_equal(flw_buf_cstr(&b), "keep");
	json_decref(v);
	flw_buf_free(&b);
}

static void test_canonical_round_trip(void **state)
{
	const char *in = "{\"signed\":{\"_type\":\"root\",\"keys\":{\"k\":{\"keyval\":"
	                 "{\"public\":\"ab\"}}},\"version\":1},\"signatures\":[]}";
	json_t *v = NULL;
	json_t *v2 = NULL;
	struct flw_buf a;
	struct flw_buf b;

	(void)state;
	flw_buf_init(&a, 4096);
	flw_buf_init(&b, 4096);
	assert_int_equal(parse(in, &v, NULL), 0);
	assert_int_equal(flw_json_canonical(&a, v, NULL), 0);
	assert_int_equal(flw_json_parse(&v2, a.data, a.len, NULL, NULL), 0);
	assert_int_equal(flw_json_canonical(&b, v2, NULL), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	json_decref(v);
	json_decref(v2);
	flw_buf_free(&a);
	flw_buf_free(&b);
}

static void test_strict_parse(void **state)
{
	json_t *v = NULL;
	struct flw_diag d;
	char deep[64];
	static const char nul_doc[] = "{\"a\":\"x\0y\"}";

	(void)state;
	assert_int_equal(parse("{\"a\":1,\"a\":2}", &v, &d), FLW_EFORMAT); /* duplicate key */
	assert_int_equal(parse("{\"a\":1} x", &v, &d), FLW_EFORMAT);       /* trailing data */
	assert_int_equal(parse("{\"a\":1", &v, &d), FLW_EFORMAT);          /* truncated */
	assert_int_equal(d.line, 1);
	assert_int_equal(parse("{\"a\":\"\xff\"}", &v, &d), FLW_EFORMAT); /* bad UTF-8 */
	assert_int_equal(parse("{\"a\":99999999999999999999}", &v, &d), FLW_EFORMAT);
	assert_int_equal(flw_json_parse(&v, nul_doc, sizeof(nul_doc) - 1, NULL, &d), FLW_EFORMAT);
	memset(deep, '[', 20);
	memset(deep + 20, ']', 20);
	deep[40] = '\0';
	assert_int_equal(parse(deep, &v, &d), FLW_ELIMIT); /* depth 20 > 8 */
	memset(deep, '[', 8);
	memset(deep + 8, ']', 8);
	deep[16] = '\0';
	assert_int_equal(parse(deep, &v, &d), 0); /* depth 8 is fine */
	json_decref(v);
	{
		struct flw_json_limits small = { .max_bytes = 4 };

		assert_int_equal(flw_json_parse(&v, "[1,2]", 5, &small, &d), FLW_ELIMIT);
	}
}

static void test_getters(void **state)
{
	json_t *v = NULL;
	const char *s = NULL;
	int64_t i = 0;
	int b = 0;
	json_t *o = NULL;
	struct flw_diag d;
	static const char *const allowed[] = { "s", "i", "b", "o", "a", NULL };

	(void)state;
	assert_int_equal(
	        parse("{\"s\":\"hey\",\"i\":5,\"b\":true,\"o\":{},\"a\":[1,2,3]}", &v, NULL), 0);
	assert_int_equal(flw_json_get_str(v, "s", &s, 10, 1, &d), 0);
	assert_string_equal(s, "hey");
	assert_int_equal(flw_json_get_str(v, "s", &s, 2, 1, &d), FLW_ELIMIT);
	assert_int_equal(flw_json_get_str(v, "i", &s, 10, 1, &d), FLW_EFORMAT);
	assert_string_equal(d.path, "i");
	assert_int_equal(flw_json_get_str(v, "nope", &s, 10, 0, &d), FLW_ENOTFOUND);
	assert_int_equal(flw_json_get_int(v, "i", &i, 0, 10, 1, &d), 0);
	assert_int_equal(i, 5);
	assert_int_equal(flw_json_get_int(v, "i", &i, 6, 10, 1, &d), FLW_EFORMAT);
	assert_int_equal(flw_json_get_bool(v, "b", &b, 1, &d), 0);
	assert_true(b);
	assert_int_equal(flw_json_get_obj(v, "o", &o, 1, &d), 0);
	assert_int_equal(flw_json_get_arr(v, "a", &o, 2, 1, &d), FLW_ELIMIT);
	assert_int_equal(flw_json_only_keys(v, allowed, "", &d), 0);
	assert_int_equal(flw_json_only_keys(v, allowed + 1, "", &d), FLW_EFORMAT);
	json_decref(v);
}

struct torture_ctx {
	const char *doc;
};

static int parse_and_canon(void *payload)
{
	struct torture_ctx *t = payload;
	json_t *v = NULL;
	struct flw_buf b;
	int rc;

	flw_buf_init(&b, 65536);
	rc = flw_json_parse(&v, t->doc, strlen(t->doc), NULL, NULL);
	if (rc == 0)
		rc = flw_json_canonical(&b, v, NULL);
	json_decref(v);
	flw_buf_free(&b);
	return rc;
}

static void test_torture_canonical(void **state)
{
	struct torture_ctx t = { "{\"b\":[1,2,{\"x\":\"y\"}],\"a\":{\"c\":null,\"d\":\"e\"}}" };

	(void)state;
	assert_true(flw_test_torture(parse_and_canon, &t, 1000) > 1);
}

/* jansson cannot survive a failed allocation (meta/json.c): its allocations are fail-stop and
 * outside fault injection, so even with every injectable allocation failing, a parse gives the
 * exact document - never a silently altered one. */
static void test_parse_never_altered_under_injection(void **state)
{
	char doc[600];
	json_t *v = NULL;
	const char *s = NULL;

	(void)state;
	memset(doc, 0, sizeof(doc));
	memcpy(doc, "{\"keyid\":\"", 10);
	memset(doc + 10, 'a', 500);
	memcpy(doc + 510, "\"}", 2);
	flw_alloc_fail_at(1, 1);
	assert_int_equal(flw_json_parse(&v, doc, strlen(doc), NULL, NULL), 0);
	flw_alloc_fail_at(0, 0);
	assert_int_equal(flw_json_get_str(v, "keyid", &s, 0, 1, NULL), 0);
	assert_int_equal(strlen(s), 500);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_form),
		cmocka_unit_test(test_canonical_rejects_reals),
		cmocka_unit_test(test_canonical_round_trip),
		cmocka_unit_test(test_strict_parse),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_torture_canonical),
		cmocka_unit_test(test_parse_never_altered_under_injection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
