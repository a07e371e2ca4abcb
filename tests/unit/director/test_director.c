/* tests/unit/director/test_director.c - director keys in root and director documents */
#include <string.h>
#include <time.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"
#include "flw_test.h"

struct fx {
	struct flw_signer *k[6]; /* root targets snapshot timestamp director other */
	struct flw_buf root;
};

static int setup(void **state)
{
	struct fx *f = flw_calloc(1, sizeof(*f));
	struct flw_tuf_role_keys roles[4];
	struct flw_tuf_role_keys dir;
	json_t *o = NULL;
	int i;

	assert_int_equal(flw_crypto_init(), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(flw_signer_generate(&f->k[i]), 0);
	for (i = 0; i < 4; i++) {
		roles[i].keys = flw_signer_key(f->k[i]);
		roles[i].n_keys = 1;
		roles[i].threshold = 1;
	}
	dir.keys = flw_signer_key(f->k[4]);
	dir.n_keys = 1;
	dir.threshold = 1;
	assert_int_equal(flw_tuf_make_root(&o, 1, time(NULL) + 3600, roles), 0);
	assert_int_equal(flw_tuf_root_set_director(o, &dir), 0);
	flw_buf_init(&f->root, FLW_TUF_ROOT_MAX_BYTES);
	assert_int_equal(flw_tuf_sign(&f->root, o, &f->k[0], 1, NULL), 0);
	json_decref(o);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 0; i < 6; i++)
		flw_signer_free(f->k[i]);
	flw_buf_free(&f->root);
	flw_free(f);
	return 0;
}

static void director_doc(struct flw_buf *out, struct flw_signer *s, int64_t version)
{
	json_t *o = NULL;

	flw_buf_init(out, FLW_TUF_TARGETS_MAX_BYTES);
	assert_int_equal(flw_tuf_make_targets(&o, version, time(NULL) + 3600), 0);
	assert_int_equal(
	        json_object_set_new(o, "custom", json_pack("{s:s}", "device_id", "cam-01")), 0);
	assert_int_equal(flw_tuf_sign(out, o, &s, 1, NULL), 0);
	json_decref(o);
}

static void test_root_carries_director_keys(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_root *r = NULL;
	struct flw_tuf_role_keys rk;

	assert_int_equal(flw_tuf_root_parse(&r, f->root.data, f->root.len, NULL), 0);
	/* the root is still a valid TUF root signed by its root key */
	assert_int_equal(flw_tuf_verify(r, FLW_TUF_ROOT, f->root.data, f->root.len, NULL, NULL), 0);
	assert_int_equal(flw_tuf_root_director(r, &rk), 0);
	assert_int_equal(rk.n_keys, 1);
	assert_int_equal(rk.threshold, 1);
	assert_string_equal(rk.keys[0].keyid, flw_signer_key(f->k[4])->keyid);
	flw_tuf_root_free(r);
}

static void test_director_document_verifies_only_with_director_key(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_root *r = NULL;
	struct flw_buf good;
	struct flw_buf by_targets;
	struct flw_buf by_other;
	struct flw_diag d;
	json_t *sgn = NULL;

	assert_int_equal(flw_tuf_root_parse(&r, f->root.data, f->root.len, NULL), 0);
	director_doc(&good, f->k[4], 7);
	director_doc(&by_targets, f->k[1], 7); /* the offline targets key is not the director */
	director_doc(&by_other, f->k[5], 7);
	assert_int_equal(flw_tuf_verify_director(r, good.data, good.len, &sgn, &d), 0);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(sgn, "custom"), "device_id")),
	        "cam-01");
	assert_int_equal(flw_tuf_verify_director(r, by_targets.data, by_targets.len, NULL, &d),
	                 FLW_ESIG);
	assert_int_equal(flw_tuf_verify_director(r, by_other.data, by_other.len, NULL, &d),
	                 FLW_ESIG);
	/* and a director document is not accepted as the image repository's targets */
	assert_int_equal(flw_tuf_verify(r, FLW_TUF_TARGETS, good.data, good.len, NULL, &d),
	                 FLW_ESIG);
	json_decref(sgn);
	flw_buf_free(&good);
	flw_buf_free(&by_targets);
	flw_buf_free(&by_other);
	flw_tuf_root_free(r);
}

static void test_root_without_director(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_role_keys roles[4];
	struct flw_tuf_role_keys rk;
	struct flw_tuf_root *r = NULL;
	struct flw_buf root;
	struct flw_buf doc;
	struct flw_diag d;
	json_t *o = NULL;
	int i;

	for (i = 0; i < 4; i++) {
		roles[i].keys = flw_signer_key(f->k[i]);
		roles[i].n_keys = 1;
		roles[i].threshold = 1;
	}
	assert_int_equal(flw_tuf_make_root(&o, 1, time(NULL) + 3600, roles), 0);
	flw_buf_init(&root, FLW_TUF_ROOT_MAX_BYTES);
	assert_int_equal(flw_tuf_sign(&root, o, &f->k[0], 1, NULL), 0);
	assert_int_equal(flw_tuf_root_parse(&r, root.data, root.len, NULL), 0);
	assert_int_equal(flw_tuf_root_director(r, &rk), FLW_ENOTFOUND);
	director_doc(&doc, f->k[4], 1);
	assert_int_equal(flw_tuf_verify_director(r, doc.data, doc.len, NULL, &d), FLW_ESIG);
	assert_non_null(strstr(d.msg, "no director keys"));
	json_decref(o);
	flw_buf_free(&root);
	flw_buf_free(&doc);
	flw_tuf_root_free(r);
}

static void test_director_field_malformed(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_role_keys dir = { flw_signer_key(f->k[4]), 1, 2 }; /* threshold > keys */
	json_t *o = json_pack("{s:{}}", "keys");

	(void)state;
	assert_int_equal(flw_tuf_root_set_director(o, &dir), FLW_EINVAL);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_carries_director_keys),
		cmocka_unit_test(test_director_document_verifies_only_with_director_key),
		cmocka_unit_test(test_root_without_director),
		cmocka_unit_test(test_director_field_malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
