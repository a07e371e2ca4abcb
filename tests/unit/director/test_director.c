/* tests/unit/director/test_director.c - director keys in root and director documents */
#include <string.h>
#include <time.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"
#include "device/director_check.h"
#include "server/server.h"
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

/* ---- the agent's check (device/director_check.c) with documents the server signs ------- */

#define NOW ((time_t)1900000000)

struct img {
	json_t *targets; /* the image repository's verified targets "signed" */
};

static int img_lookup(void *payload, const char *name, struct flw_tuf_target *out,
                      struct flw_diag *diag)
{
	struct img *im = payload;

	return flw_tuf_targets_get(im->targets, name, out, diag);
}

static void target(struct flw_tuf_target *t, const char *name, uint64_t len, unsigned char b,
                   const char *hwid, uint64_t sv)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->length = len;
	memset(t->sha256, b, sizeof(t->sha256));
	snprintf(t->version, sizeof(t->version), "1.0.%u", (unsigned)b);
	snprintf(t->hwids[0], sizeof(t->hwids[0]), "%s", hwid);
	t->n_hwids = 1;
	t->security_version = sv;
}

/* image targets: fw/a (sv 2), fw/b (sv 2), fw/old (sv 1), fw/other-hw (cam-v9) */
static void image_repo(struct img *im)
{
	struct flw_tuf_target t;

	assert_int_equal(flw_tuf_make_targets(&im->targets, 3, NOW + 86400), 0);
	target(&t, "fw/a.img", 1000, 0xaa, "cam-v2", 2);
	assert_int_equal(flw_tuf_targets_add(im->targets, &t, NULL), 0);
	target(&t, "fw/b.img", 2000, 0xbb, "cam-v2", 2);
	assert_int_equal(flw_tuf_targets_add(im->targets, &t, NULL), 0);
	target(&t, "fw/old.img", 3000, 0x01, "cam-v2", 1);
	assert_int_equal(flw_tuf_targets_add(im->targets, &t, NULL), 0);
	target(&t, "fw/other-hw.img", 4000, 0x09, "cam-v9", 2);
	assert_int_equal(flw_tuf_targets_add(im->targets, &t, NULL), 0);
}

/* a director document as the server signs it, for action (name, len, byte, hwid, sv) */
static void server_doc(struct flw_buf *out, struct flw_signer *key, const char *dev,
                       int64_t version, time_t now, const struct flw_tuf_target *t)
{
	struct flw_action act;
	struct flw_director_doc meta;

	memset(&act, 0, sizeof(act));
	act.deployment_id = 7;
	act.target = *t;
	flw_buf_init(out, FLW_DIRECTOR_DOC_MAX);
	assert_int_equal(flw_director_sign(key, dev, &act, version, now, 3600, out, &meta, NULL),
	                 0);
	assert_int_equal(meta.version, version);
	assert_int_equal(meta.expires, now + 3600);
	assert_string_equal(meta.keyid, flw_signer_key(key)->keyid);
}

struct chk {
	struct flw_tuf_root *root;
	struct img im;
	struct flw_director_in in;
	struct flw_director_out out;
	struct flw_diag d;
};

static void chk_init(struct chk *c, struct fx *f)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(flw_tuf_root_parse(&c->root, f->root.data, f->root.len, NULL), 0);
	image_repo(&c->im);
	c->in.root = c->root;
	c->in.device_id = "cam-01";
	c->in.hwid = "cam-v2";
	c->in.now = NOW;
	c->in.floor = 0;
	c->in.image_target = img_lookup;
	c->in.payload = &c->im;
}

static void chk_done(struct chk *c)
{
	flw_tuf_root_free(c->root);
	json_decref(c->im.targets);
}

static int run(struct chk *c, const struct flw_buf *doc)
{
	memset(&c->d, 0, sizeof(c->d));
	return flw_director_check(&c->in, doc->data, doc->len, &c->out, &c->d);
}

#define assert_named(c, rc_, code, text)                                         \
	do {                                                                     \
		assert_int_equal((rc_), (code));                                 \
		if (!strstr((c)->d.msg, (text)))                                 \
			fail_msg("'%s' does not name '%s'", (c)->d.msg, (text)); \
	} while (0)

static void test_check_accepts_the_servers_document(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_target t;
	struct flw_buf doc;
	struct chk c;

	chk_init(&c, f);
	target(&t, "fw/a.img", 1000, 0xaa, "cam-v2", 9); /* the server's sv is not used */
	server_doc(&doc, f->k[4], "cam-01", 5, NOW - 10, &t);
	assert_int_equal(run(&c, &doc), 0);
	assert_int_equal(c.out.version, 5);
	assert_int_equal(c.out.deployment, 7);
	assert_int_equal(c.out.expires, NOW - 10 + 3600);
	assert_int_equal(c.out.same_as_trusted, 0);
	assert_string_equal(c.out.target.name, "fw/a.img");
	assert_int_equal(c.out.target.security_version, 2); /* the image repository's */
	assert_string_equal(c.out.target.version, "1.0.170");
	/* the same bytes again are fine (a retry), and flagged as the trusted ones */
	c.in.trusted = doc.data;
	c.in.trusted_len = doc.len;
	assert_int_equal(run(&c, &doc), 0);
	assert_int_equal(c.out.same_as_trusted, 1);
	flw_buf_free(&doc);
	chk_done(&c);
}

static void test_check_device_binding_and_replay(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_target t;
	struct flw_buf v4;
	struct flw_buf v5;
	struct flw_buf v5b;
	struct flw_buf other;
	struct chk c;

	chk_init(&c, f);
	target(&t, "fw/a.img", 1000, 0xaa, "cam-v2", 2);
	server_doc(&v4, f->k[4], "cam-01", 4, NOW - 10, &t);
	server_doc(&v5, f->k[4], "cam-01", 5, NOW - 10, &t);
	server_doc(&v5b, f->k[4], "cam-01", 5, NOW - 20, &t); /* same version, other expiry */
	server_doc(&other, f->k[4], "cam-02", 9, NOW - 10, &t);
	assert_named(&c, run(&c, &other), FLW_EAUTH,
	             "replay: director metadata for another device ('cam-02'; this is 'cam-01')");
	c.in.trusted = v5.data;
	c.in.trusted_len = v5.len;
	assert_named(&c, run(&c, &v4), FLW_EROLLBACK, "replay: director version 4 < trusted 5");
	assert_named(&c, run(&c, &v5b), FLW_EROLLBACK,
	             "replay: director version 5 is the trusted one, with other bytes");
	assert_int_equal(c.out.version, 0); /* nothing half-filled on refusal */
	c.in.trusted = v4.data;
	c.in.trusted_len = v4.len;
	assert_int_equal(run(&c, &v5), 0);
	/* a trusted file that is not a director document is an error, not "no document" */
	c.in.trusted = "garbage";
	c.in.trusted_len = 7;
	assert_named(&c, run(&c, &v5), FLW_EFORMAT, "trusted director metadata is unreadable");
	flw_buf_free(&v4);
	flw_buf_free(&v5);
	flw_buf_free(&v5b);
	flw_buf_free(&other);
	chk_done(&c);
}

static void test_check_freeze_and_signatures(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_target t;
	struct flw_buf doc;
	struct flw_buf by_targets;
	struct flw_buf tampered;
	struct chk c;

	chk_init(&c, f);
	target(&t, "fw/a.img", 1000, 0xaa, "cam-v2", 2);
	server_doc(&doc, f->k[4], "cam-01", 1, NOW - 3600, &t); /* expires at NOW */
	assert_named(&c, run(&c, &doc), FLW_EEXPIRED, "freeze: director metadata expired at ");
	server_doc(&by_targets, f->k[1], "cam-01", 1, NOW, &t); /* the offline targets key */
	assert_named(&c, run(&c, &by_targets), FLW_ESIG, "arbitrary installation");
	flw_buf_init(&tampered, FLW_DIRECTOR_DOC_MAX);
	assert_int_equal(flw_buf_append(&tampered, by_targets.data, by_targets.len), 0);
	assert_non_null(strstr((char *)tampered.data, "cam-01"));
	memcpy(strstr((char *)tampered.data, "cam-01"), "cam-02", 6);
	assert_named(&c, run(&c, &tampered), FLW_ESIG, "arbitrary installation");
	/* no document at all */
	flw_buf_reset(&tampered);
	assert_named(&c, run(&c, &tampered), FLW_EFORMAT, "carries no director metadata");
	flw_buf_free(&doc);
	flw_buf_free(&by_targets);
	flw_buf_free(&tampered);
	chk_done(&c);
}

static void test_check_arbitrary_and_wrong_software(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_target t;
	struct flw_buf doc;
	struct chk c;

	chk_init(&c, f);
	target(&t, "fw/evil.img", 1000, 0xee, "cam-v2", 2);
	server_doc(&doc, f->k[4], "cam-01", 1, NOW, &t);
	assert_named(&c, run(&c, &doc), FLW_ENOTFOUND,
	             "arbitrary installation: 'fw/evil.img' is directed but not in the "
	             "offline-signed image targets");
	flw_buf_free(&doc);
	target(&t, "fw/a.img", 1001, 0xaa, "cam-v2", 2);
	server_doc(&doc, f->k[4], "cam-01", 1, NOW, &t);
	assert_named(&c, run(&c, &doc), FLW_EHASH, "arbitrary installation: the director's length");
	flw_buf_free(&doc);
	target(&t, "fw/a.img", 1000, 0xab, "cam-v2", 2);
	server_doc(&doc, f->k[4], "cam-01", 1, NOW, &t);
	assert_named(&c, run(&c, &doc), FLW_EHASH, "arbitrary installation: the director's sha256");
	flw_buf_free(&doc);
	target(&t, "fw/other-hw.img", 4000, 0x09, "cam-v2", 2); /* the director lies about hw */
	server_doc(&doc, f->k[4], "cam-01", 1, NOW, &t);
	assert_named(&c, run(&c, &doc), FLW_EINCOMPAT,
	             "wrong software: 'fw/other-hw.img' is not signed for hardware id 'cam-v2'");
	flw_buf_free(&doc);
	target(&t, "fw/a.img", 1000, 0xaa, "cam-v9", 2); /* directed to other hardware */
	server_doc(&doc, f->k[4], "cam-01", 1, NOW, &t);
	assert_named(&c, run(&c, &doc), FLW_EINCOMPAT, "wrong software: the director did not");
	flw_buf_free(&doc);
	chk_done(&c);
}

/* a document with the given targets (from the image repository), signed by the director key */
static void multi_doc(struct flw_buf *out, struct fx *f, struct img *im, const char *const *names,
                      size_t n, const char *bad)
{
	struct flw_tuf_target t;
	json_t *o = NULL;
	size_t i;

	assert_int_equal(flw_tuf_make_targets(&o, 3, NOW + 600), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(flw_tuf_targets_get(im->targets, names[i], &t, NULL), 0);
		if (bad && strcmp(bad, names[i]) == 0)
			t.sha256[0] ^= 1;
		assert_int_equal(flw_tuf_targets_add(o, &t, NULL), 0);
	}
	assert_int_equal(json_object_set_new(
	                         o, "custom",
	                         json_pack("{s:s, s:i}", "device_id", "cam-01", "deployment", 3)),
	                 0);
	flw_buf_init(out, FLW_DIRECTOR_DOC_MAX);
	assert_int_equal(flw_tuf_sign(out, o, &f->k[4], 1, NULL), 0);
	json_decref(o);
}

static void test_check_partial_bundle(void **state)
{
	static const char *const two[] = { "fw/a.img", "fw/b.img" };
	static const char *const none[] = { NULL };
	struct fx *f = *state;
	struct flw_buf doc;
	struct chk c;

	chk_init(&c, f);
	multi_doc(&doc, f, &c.im, two, 2, NULL);
	assert_named(&c, run(&c, &doc), FLW_EINCOMPAT,
	             "partial bundle: 2 targets directed, devices here install one");
	flw_buf_free(&doc);
	multi_doc(&doc, f, &c.im, two, 2, "fw/b.img");
	assert_named(&c, run(&c, &doc), FLW_EINCOMPAT,
	             "partial bundle: only 1 of 2 directed targets verify");
	assert_non_null(strstr(c.d.msg, "fw/b.img"));
	flw_buf_free(&doc);
	multi_doc(&doc, f, &c.im, none, 0, NULL);
	assert_named(&c, run(&c, &doc), FLW_EFORMAT, "directs no target");
	flw_buf_free(&doc);
	multi_doc(&doc, f, &c.im, two, 1, NULL);
	assert_int_equal(run(&c, &doc), 0);
	assert_int_equal(c.out.deployment, 3);
	flw_buf_free(&doc);
	chk_done(&c);
}

static void test_check_anti_rollback_floor(void **state)
{
	struct fx *f = *state;
	struct flw_tuf_target t;
	struct flw_buf doc;
	struct chk c;

	chk_init(&c, f);
	/* the director claims security version 9 for an image signed with 1 */
	target(&t, "fw/old.img", 3000, 0x01, "cam-v2", 9);
	server_doc(&doc, f->k[4], "cam-01", 1, NOW, &t);
	c.in.floor = 2;
	assert_named(&c, run(&c, &doc), FLW_EROLLBACK,
	             "rollback: security version 1 below the device's floor 2");
	c.in.floor = 1; /* equal is fine */
	assert_int_equal(run(&c, &doc), 0);
	flw_buf_free(&doc);
	chk_done(&c);
}

static void test_server_stale_and_doc_version(void **state)
{
	struct fx *f = *state;
	struct flw_director_doc m;
	struct flw_tuf_target t;
	struct flw_buf doc;
	int64_t v = 0;

	memset(&m, 0, sizeof(m));
	assert_int_equal(flw_director_stale(&m, f->k[4], NOW, 3600), 1); /* none stored */
	m.version = 3;
	m.expires = NOW + 3600;
	memcpy(m.keyid, flw_signer_key(f->k[4])->keyid, sizeof(m.keyid));
	assert_int_equal(flw_director_stale(&m, f->k[4], NOW, 3600), 0);
	assert_int_equal(flw_director_stale(&m, f->k[4], NOW + 2700, 3600), 0); /* 1/4 left */
	assert_int_equal(flw_director_stale(&m, f->k[4], NOW + 2701, 3600), 1);
	assert_int_equal(flw_director_stale(&m, f->k[5], NOW, 3600), 1); /* key rotated */
	/* lifetime 0: the default day, of which an hour is under a quarter */
	assert_int_equal(flw_director_stale(&m, f->k[4], NOW, 0), 1);
	target(&t, "fw/a.img", 1000, 0xaa, "cam-v2", 2);
	server_doc(&doc, f->k[4], "cam-01", 42, NOW, &t);
	assert_int_equal(flw_director_doc_version(doc.data, doc.len, &v, NULL), 0);
	assert_int_equal(v, 42);
	assert_int_equal(flw_director_doc_version("{}", 2, &v, NULL), FLW_EFORMAT);
	assert_int_equal(flw_director_doc_version("[1]", 3, &v, NULL), FLW_EFORMAT);
	flw_buf_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_carries_director_keys),
		cmocka_unit_test(test_director_document_verifies_only_with_director_key),
		cmocka_unit_test(test_root_without_director),
		cmocka_unit_test(test_director_field_malformed),
		cmocka_unit_test(test_check_accepts_the_servers_document),
		cmocka_unit_test(test_check_device_binding_and_replay),
		cmocka_unit_test(test_check_freeze_and_signatures),
		cmocka_unit_test(test_check_arbitrary_and_wrong_software),
		cmocka_unit_test(test_check_partial_bundle),
		cmocka_unit_test(test_check_anti_rollback_floor),
		cmocka_unit_test(test_server_stale_and_doc_version),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
