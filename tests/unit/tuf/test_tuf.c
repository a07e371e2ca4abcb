/* tests/unit/tuf/test_tuf.c - TUF metadata: canonical form, keyids, signing, thresholds, targets
 * and the client refresh workflow against an in-memory repository served through the
 * flw_tuf_fetcher interface.
 *
 * Known answers were derived independently with Python (json.dumps(sort_keys=True,
 * separators=(",",":")), hashlib.sha256, and the `cryptography` package's Ed25519 for the
 * RFC 8032 test key 1).
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"
#include "crypto/tuf_pkey.h"
#include "meta/tuf_private.h"
#include "flw_test.h"

#define NOW       ((time_t)1700000000)
#define DAY       86400
#define RFC_SEED  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define RFC_PK    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define RFC_KEYID "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916"

/* ---- helpers --------------------------------------------------------------------------------- */

static json_t *parse(const char *s)
{
	json_error_t err;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &err);

	assert_non_null(v);
	return v;
}

static void canon(const json_t *v, struct flw_buf *out)
{
	flw_buf_init(out, 1u << 24);
	assert_int_equal(flw_json_canonical(out, v, NULL), 0);
}

static char *keyfile(const char *dir, const char *seed, const char *pk, mode_t mode)
{
	char *path = flw_asprintf("%s/key-%s.json", dir, pk);
	char *body = flw_asprintf("{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\","
	                          "\"keyval\":{\"public\":\"%s\",\"private\":\"%s\"}}",
	                          pk, seed);

	assert_non_null(path);
	assert_non_null(body);
	flw_test_write_file(path, body, strlen(body));
	assert_int_equal(chmod(path, mode), 0);
	flw_free(body);
	return path;
}

static struct flw_signer *gen(void)
{
	struct flw_signer *s = NULL;

	assert_int_equal(flw_signer_generate(&s), 0);
	return s;
}

/* sign signed_obj with signers and return the envelope bytes */
static void sign(struct flw_buf *out, const json_t *sgn, struct flw_signer *const *s, size_t n)
{
	flw_buf_init(out, FLW_TUF_TARGETS_MAX_BYTES);
	assert_int_equal(flw_tuf_sign(out, sgn, s, n, NULL), 0);
}

static struct flw_tuf_root *root_of(const struct flw_buf *b)
{
	struct flw_tuf_root *r = NULL;
	struct flw_diag d;

	assert_int_equal(flw_tuf_root_parse(&r, b->data, b->len, &d), 0);
	return r;
}

/* a root with one key per role (root=rk, targets=tk, snapshot=sk, timestamp=tsk) */
static json_t *simple_root(int64_t v, struct flw_signer *rk, struct flw_signer *tk,
                           struct flw_signer *sk, struct flw_signer *tsk, time_t expires)
{
	struct flw_tuf_role_keys roles[4] = {
		[FLW_TUF_ROOT] = { flw_signer_key(rk), 1, 1 },
		[FLW_TUF_TARGETS] = { flw_signer_key(tk), 1, 1 },
		[FLW_TUF_SNAPSHOT] = { flw_signer_key(sk), 1, 1 },
		[FLW_TUF_TIMESTAMP] = { flw_signer_key(tsk), 1, 1 },
	};
	json_t *o = NULL;

	assert_int_equal(flw_tuf_make_root(&o, v, expires, roles), 0);
	return o;
}

/* a signature entry over sgn by s, listed under keyid (NULL: s's own keyid) */
static json_t *sig_entry(const json_t *sgn, const struct flw_signer *s, const char *keyid)
{
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	char hex[2 * FLW_ED25519_SIG_BYTES + 1];
	struct flw_buf m;

	canon(sgn, &m);
	assert_int_equal(flw_signer_sign(s, m.data, m.len, sig), 0);
	flw_buf_free(&m);
	flw_hex_encode(hex, sig, sizeof(sig));
	return json_pack("{s:s, s:s}", "keyid", keyid ? keyid : flw_signer_key(s)->keyid, "sig",
	                 hex);
}

/* envelope with exactly the given signature entries (stolen) */
static void envelope(struct flw_buf *out, const json_t *sgn, json_t *sigs)
{
	json_t *env = json_pack("{s:o, s:O}", "signatures", sigs, "signed", (json_t *)sgn);

	assert_non_null(env);
	canon(env, out);
	json_decref(env);
}

/* ---- time, canonical form, keys -------------------------------------------------------------- */

static void test_time(void **state)
{
	static const char *const bad[] = {
		"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
		"2024-01-01T24:00:00Z", "2024-01-01T00:00:60Z",
		"2024-01-01T00:00:00z", "2024-01-01T00:00:00.5Z",
		"2024-01-01 00:00:00Z", "2024-01-01T00:00:00+00:00",
		"24-01-01T00:00:00Z",   "",
		"2024-00-10T00:00:00Z", "2024-01-00T00:00:00Z",
		"2024-1-01T00:00:00Z",
	};
	char out[21];
	time_t t = 0;
	size_t i;

	(void)state;
	assert_int_equal(flw_tuf_time_parse("2030-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(flw_tuf_time_parse("2024-02-29T23:59:59Z", &t), 0);
	assert_int_equal(t, 1709251199);
	assert_int_equal(flw_tuf_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	for (i = 0; i < FLW_ARRAY_SIZE(bad); i++)
		assert_int_equal(flw_tuf_time_parse(bad[i], &t), FLW_EFORMAT);
	flw_tuf_time_format(1700000000, out);
	assert_string_equal(out, "2023-11-14T22:13:20Z");
	assert_int_equal(flw_tuf_time_parse(out, &t), 0);
	assert_int_equal(t, 1700000000);
	assert_string_equal(flw_tuf_role_to_string(FLW_TUF_TIMESTAMP), "timestamp");
	assert_int_equal(flw_tuf_role_from_string("snapshot"), FLW_TUF_SNAPSHOT);
	assert_int_equal(flw_tuf_role_from_string("mirror"), _FLW_TUF_ROLE_INVALID);
}

static void test_keyid_known_answer(void **state)
{
	struct flw_tuf_key k;
	struct flw_diag d;
	struct flw_buf b;
	json_t *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(k.pk); i++)
		k.pk[i] = (unsigned char)i;
	assert_int_equal(flw_tuf_key_to_json(&k, &o), 0);
	canon(o, &b);
	assert_string_equal(
	        flw_buf_cstr(&b),
	        "{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"000102030405060708090a0"
	        "b0c0d0e0f101112131415161718191a1b1c1d1e1f\"},\"scheme\":\"ed25519\"}");
	flw_buf_free(&b);
	assert_int_equal(flw_tuf_key_from_json(o, &k, &d), 0);
	assert_string_equal(k.keyid,
	                    "b5b3929e2eb1cd5fb401e8d8dd00a903bfac256d06eae9cc38a51d344e14583f");
	/* extra fields are part of the keyid (and nothing else: they are never trusted) */
	json_object_set_new(o, "keyid_hash_algorithms", json_pack("[s,s]", "sha256", "sha512"));
	assert_int_equal(flw_tuf_key_from_json(o, &k, &d), 0);
	assert_string_equal(k.keyid,
	                    "87f5e38ffd82d32476fb443d6220fbf591299ca6cb6ef5c85bdcd156a4e60ad0");
	json_decref(o);
	o = parse("{\"keytype\":\"rsa\",\"scheme\":\"rsassa-pss-sha256\",\"keyval\":{\"public\":"
	          "\"x\"}}");
	assert_int_equal(flw_tuf_key_from_json(o, &k, &d), FLW_EFORMAT);
	json_decref(o);
	o = parse("{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"abcd\"}"
	          "}");
	assert_int_equal(flw_tuf_key_from_json(o, &k, &d), FLW_EFORMAT);
	json_decref(o);
}

/* RFC 8032 test key 1 from a key file; the whole envelope is a known answer */
static void test_signer_file_and_envelope(void **state)
{
	static const char expect[] =
	        "{\"signatures\":[{\"keyid\":\"" RFC_KEYID "\",\"sig\":\"5b2afef7363767f2c3c4533cd4"
	        "0a20f877abd206326ac1271b925172733c6c56e359ff24286d261ca78fe4abf2cfb0549722eb249f2"
	        "d97ebe80095bec0664d06\"}],\"signed\":{\"_type\":\"targets\",\"expires\":\"2030-01-"
	        "01T00:00:00Z\",\"spec_version\":\"1.0.31\",\"targets\":{},\"version\":1}}";
	char *dir = flw_test_tmpdir();
	char *path = keyfile(dir, RFC_SEED, RFC_PK, 0600);
	char *open_path = keyfile(dir, RFC_SEED, "0" RFC_PK, 0644);
	char *saved = flw_fs_join(dir, "saved.json");
	struct flw_signer *s = NULL;
	struct flw_signer *s2 = NULL;
	struct flw_diag d;
	struct flw_buf b;
	json_t *t = NULL;

	(void)state;
	assert_int_equal(flw_signer_load_file(&s, path, &d), 0);
	assert_string_equal(flw_signer_key(s)->keyid, RFC_KEYID);
	assert_int_equal(flw_tuf_make_targets(&t, 1, 1893456000), 0);
	sign(&b, t, &s, 1);
	assert_string_equal(flw_buf_cstr(&b), expect);
	flw_buf_free(&b);
	/* group/other-readable key files are refused */
	assert_int_equal(flw_signer_load_file(&s2, open_path, &d), FLW_EPERM);
	assert_null(s2);
	/* save: 0600, never over an existing file, loads back to the same key */
	assert_int_equal(flw_signer_save_file(s, path, &d), FLW_ECONFLICT);
	assert_int_equal(flw_signer_save_file(s, saved, &d), 0);
	assert_int_equal(flw_signer_load_file(&s2, saved, &d), 0);
	assert_string_equal(flw_signer_key(s2)->keyid, RFC_KEYID);
	flw_signer_free(s2);
	flw_signer_free(s);
	json_decref(t);
	flw_test_rmrf(dir);
	flw_free(saved);
	flw_free(open_path);
	flw_free(path);
	flw_free(dir);
}

static void test_canonical_round_trip(void **state)
{
	struct flw_signer *k = gen();
	struct flw_buf a;
	struct flw_buf b;
	json_t *root = simple_root(1, k, k, k, k, NOW + DAY);
	json_t *back = NULL;

	(void)state;
	json_object_set_new(root, "x-unknown", json_pack("{s:s}", "\xc3\xa9\\\"", "a/b"));
	sign(&a, root, &k, 1);
	assert_int_equal(flw_json_parse(&back, a.data, a.len, NULL, NULL), 0);
	canon(back, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	/* strings escape only backslash and quote; everything else raw */
	assert_non_null(strstr(flw_buf_cstr(&a), "\"\xc3\xa9\\\\\\\"\":\"a/b\""));
	json_decref(back);
	json_decref(root);
	flw_buf_free(&a);
	flw_buf_free(&b);
	flw_signer_free(k);
}

/* ---- verification and thresholds ------------------------------------------------------------- */

struct vfix {
	struct flw_signer *a, *b, *c;
	json_t *targets; /* a targets "signed" */
};

static int vfix_setup(void **state)
{
	struct vfix *f = flw_calloc(1, sizeof(*f));

	f->a = gen();
	f->b = gen();
	f->c = gen();
	assert_int_equal(flw_tuf_make_targets(&f->targets, 3, NOW + DAY), 0);
	*state = f;
	return 0;
}

static int vfix_teardown(void **state)
{
	struct vfix *f = *state;

	flw_signer_free(f->a);
	flw_signer_free(f->b);
	flw_signer_free(f->c);
	json_decref(f->targets);
	flw_free(f);
	return 0;
}

/* root whose targets role lists keys (a, b, c) with threshold th */
static struct flw_tuf_root *threshold_root(struct vfix *f, unsigned th)
{
	const struct flw_tuf_key keys[3] = { *flw_signer_key(f->a), *flw_signer_key(f->b),
		                             *flw_signer_key(f->c) };
	struct flw_tuf_role_keys roles[4] = {
		[FLW_TUF_ROOT] = { keys, 1, 1 },
		[FLW_TUF_TARGETS] = { keys, 3, th },
		[FLW_TUF_SNAPSHOT] = { keys, 1, 1 },
		[FLW_TUF_TIMESTAMP] = { keys, 1, 1 },
	};
	struct flw_tuf_root *r;
	struct flw_buf b;
	json_t *o = NULL;

	assert_int_equal(flw_tuf_make_root(&o, 1, NOW + DAY, roles), 0);
	sign(&b, o, &f->a, 1);
	r = root_of(&b);
	flw_buf_free(&b);
	json_decref(o);
	return r;
}

static int verify_sigs(const struct flw_tuf_root *r, const json_t *sgn, json_t *sigs,
                       struct flw_diag *d)
{
	struct flw_buf b;
	int rc;

	envelope(&b, sgn, sigs);
	rc = flw_tuf_verify(r, FLW_TUF_TARGETS, b.data, b.len, NULL, d);
	flw_buf_free(&b);
	return rc;
}

static void test_sign_verify_round_trip(void **state)
{
	struct vfix *f = *state;
	struct flw_tuf_root *r = threshold_root(f, 2);
	struct flw_signer *two[2] = { f->c, f->a };
	struct flw_diag d;
	struct flw_buf b;
	json_t *out = NULL;
	int64_t v = 0;
	time_t exp = 0;

	sign(&b, f->targets, two, 2);
	assert_int_equal(flw_tuf_verify(r, FLW_TUF_TARGETS, b.data, b.len, &out, &d), 0);
	assert_int_equal(flw_tuf_signed_header(out, &v, &exp, &d), 0);
	assert_int_equal(v, 3);
	assert_int_equal(exp, NOW + DAY);
	/* signatures come out sorted by keyid */
	json_decref(out);
	assert_int_equal(flw_json_parse(&out, b.data, b.len, NULL, NULL), 0);
	assert_true(strcmp(json_string_value(json_object_get(
	                           json_array_get(json_object_get(out, "signatures"), 0), "keyid")),
	                   json_string_value(json_object_get(
	                           json_array_get(json_object_get(out, "signatures"), 1),
	                           "keyid"))) < 0);
	json_decref(out);
	/* the same bytes as the wrong role: the root lists only a for timestamp, _type differs */
	assert_int_equal(flw_tuf_verify(r, FLW_TUF_TIMESTAMP, b.data, b.len, NULL, &d),
	                 FLW_EFORMAT);
	assert_non_null(strstr(d.msg, "wrong metadata type"));
	flw_buf_free(&b);
	/* add_signature merges a separately made signature */
	sign(&b, f->targets, &f->a, 1);
	{
		struct flw_buf merged;

		assert_int_equal(flw_tuf_verify(r, FLW_TUF_TARGETS, b.data, b.len, NULL, &d),
		                 FLW_ESIG);
		flw_buf_init(&merged, FLW_TUF_TARGETS_MAX_BYTES);
		assert_int_equal(flw_tuf_add_signature(&merged, b.data, b.len, f->b, &d), 0);
		assert_int_equal(
		        flw_tuf_verify(r, FLW_TUF_TARGETS, merged.data, merged.len, NULL, &d), 0);
		flw_buf_free(&merged);
	}
	flw_buf_free(&b);
	flw_tuf_root_free(r);
}

static void test_threshold_counting(void **state)
{
	struct vfix *f = *state;
	struct flw_tuf_root *r = threshold_root(f, 2);
	struct flw_diag d;

	/* too few */
	assert_int_equal(
	        verify_sigs(r, f->targets, json_pack("[o]", sig_entry(f->targets, f->a, NULL)), &d),
	        FLW_ESIG);
	assert_non_null(strstr(d.msg, "signed by 1 of 2"));
	/* enough */
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[o,o]", sig_entry(f->targets, f->a, NULL),
	                                       sig_entry(f->targets, f->b, NULL)),
	                             &d),
	                 0);
	/* one keyid twice counts once */
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[o,o]", sig_entry(f->targets, f->a, NULL),
	                                       sig_entry(f->targets, f->a, NULL)),
	                             &d),
	                 FLW_ESIG);
	/* empty list */
	assert_int_equal(verify_sigs(r, f->targets, json_array(), &d), FLW_ESIG);
	assert_non_null(strstr(d.msg, "signed by 0 of 2"));
	/* a keyid the role does not list, signing with an unlisted key */
	{
		struct flw_signer *x = gen();

		assert_int_equal(verify_sigs(r, f->targets,
		                             json_pack("[o,o]", sig_entry(f->targets, f->a, NULL),
		                                       sig_entry(f->targets, x, NULL)),
		                             &d),
		                 FLW_ESIG);
		flw_signer_free(x);
	}
	flw_tuf_root_free(r);
}

static void test_signature_lengths_and_tamper(void **state)
{
	struct vfix *f = *state;
	struct flw_tuf_root *r = threshold_root(f, 1);
	const char *keyid = flw_signer_key(f->a)->keyid;
	json_t *good = sig_entry(f->targets, f->a, NULL);
	char *hex65 = flw_asprintf("%s00", json_string_value(json_object_get(good, "sig")));
	char *hex63 = flw_strndup(json_string_value(json_object_get(good, "sig")), 126);
	struct flw_diag d;
	struct flw_buf b;
	char *p;

	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[{s:s,s:s}]", "keyid", keyid, "sig", hex65), &d),
	                 FLW_ESIG);
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[{s:s,s:s}]", "keyid", keyid, "sig", hex63), &d),
	                 FLW_ESIG);
	/* a bad signature by another listed key next to a good one is not an error */
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[{s:s,s:s},O]", "keyid",
	                                       flw_signer_key(f->b)->keyid, "sig", hex65, good),
	                             &d),
	                 0);
	/* a keyid may appear once among the signatures (spec 5.4; tuf-conformance
	 * test_duplicate_sig_keyids): two entries are refused whichever of them is good */
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[{s:s,s:s},O]", "keyid", keyid, "sig", hex65, good),
	                             &d),
	                 FLW_ESIG);
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[O,{s:s,s:s}]", good, "keyid", keyid, "sig", hex65),
	                             &d),
	                 FLW_ESIG);
	assert_non_null(strstr(d.msg, "twice"));
	/* tampered signed field */
	envelope(&b, f->targets, json_pack("[O]", good));
	assert_int_equal(flw_tuf_verify(r, FLW_TUF_TARGETS, b.data, b.len, NULL, &d), 0);
	p = strstr((char *)b.data, "\"version\":3");
	assert_non_null(p);
	p[10] = '4';
	assert_int_equal(flw_tuf_verify(r, FLW_TUF_TARGETS, b.data, b.len, NULL, &d), FLW_ESIG);
	flw_buf_free(&b);
	/* unsigned extra envelope field, trailing data */
	envelope(&b, f->targets, json_pack("[O]", good));
	assert_int_equal(flw_buf_append(&b, " {}", 3), 0);
	assert_int_equal(flw_tuf_verify(r, FLW_TUF_TARGETS, b.data, b.len, NULL, &d), FLW_EFORMAT);
	flw_buf_free(&b);
	{
		json_t *env = json_pack("{s:[O], s:O, s:i}", "signatures", good, "signed",
		                        f->targets, "extra", 1);

		canon(env, &b);
		json_decref(env);
		assert_int_equal(flw_tuf_verify(r, FLW_TUF_TARGETS, b.data, b.len, NULL, &d),
		                 FLW_EFORMAT);
		flw_buf_free(&b);
	}
	json_decref(good);
	flw_free(hex65);
	flw_free(hex63);
	flw_tuf_root_free(r);
}

/* a root listing key a under two keyids, and an rsa key, for targets */
static struct flw_tuf_root *odd_root(struct vfix *f, unsigned th, const char *alias)
{
	struct flw_tuf_root *r;
	struct flw_buf b;
	json_t *o = simple_root(1, f->a, f->a, f->a, f->a, NOW + DAY);
	json_t *keys = json_object_get(o, "keys");
	json_t *tr = json_object_get(json_object_get(o, "roles"), "targets");
	json_t *akey = json_deep_copy(json_object_get(keys, flw_signer_key(f->a)->keyid));

	json_object_set_new(keys, alias, akey);
	json_object_set_new(keys, "rsakey",
	                    parse("{\"keytype\":\"rsa\",\"scheme\":\"rsassa-pss-sha256\","
	                          "\"keyval\":{\"public\":\"-----BEGIN PUBLIC KEY-----\"}}"));
	json_array_append_new(json_object_get(tr, "keyids"), json_string(alias));
	json_array_append_new(json_object_get(tr, "keyids"), json_string("rsakey"));
	json_object_set_new(tr, "threshold", json_integer(th));
	sign(&b, o, &f->a, 1);
	r = root_of(&b);
	flw_buf_free(&b);
	json_decref(o);
	return r;
}

static void test_same_key_two_keyids_and_unknown_types(void **state)
{
	struct vfix *f = *state;
	struct flw_tuf_root *r = odd_root(f, 2, "alias-of-a");
	struct flw_tuf_role_keys rk;
	struct flw_diag d;

	assert_int_equal(flw_tuf_root_role(r, FLW_TUF_TARGETS, &rk), 0);
	assert_int_equal(rk.n_keys, 2); /* a, alias of a; the rsa key cannot count */
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[o,o]", sig_entry(f->targets, f->a, NULL),
	                                       sig_entry(f->targets, f->a, "alias-of-a")),
	                             &d),
	                 FLW_ESIG);
	assert_non_null(strstr(d.msg, "signed by 1 of 2"));
	/* a signature under the rsa keyid is ignored, not an error */
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[o,{s:s,s:s}]", sig_entry(f->targets, f->a, NULL),
	                                       "keyid", "rsakey", "sig", "00ff"),
	                             &d),
	                 FLW_ESIG);
	flw_tuf_root_free(r);
	r = odd_root(f, 1, "alias-of-a");
	assert_int_equal(verify_sigs(r, f->targets,
	                             json_pack("[{s:s,s:s},o]", "keyid", "rsakey", "sig", "00ff",
	                                       sig_entry(f->targets, f->a, NULL)),
	                             &d),
	                 0);
	flw_tuf_root_free(r);
}

static void test_root_parse_rejects(void **state)
{
	struct vfix *f = *state;
	static const char *const cases[][2] = {
		/* path in signed, replacement JSON */
		{ "threshold0", "0" },     { "spec", "\"2.0.0\"" },
		{ "version0", "0" },       { "expires", "\"2030-01-01T00:00:00\"" },
		{ "type", "\"targets\"" }, { "dupkeyid", "" },
	};
	struct flw_tuf_root *r = NULL;
	struct flw_diag d;
	struct flw_buf b;
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(cases); i++) {
		json_t *o = simple_root(1, f->a, f->b, f->b, f->b, NOW + DAY);
		json_t *rr = json_object_get(json_object_get(o, "roles"), "root");

		if (strcmp(cases[i][0], "threshold0") == 0)
			json_object_set_new(rr, "threshold", json_integer(0));
		else if (strcmp(cases[i][0], "spec") == 0)
			json_object_set_new(o, "spec_version", parse(cases[i][1]));
		else if (strcmp(cases[i][0], "version0") == 0)
			json_object_set_new(o, "version", json_integer(0));
		else if (strcmp(cases[i][0], "expires") == 0)
			json_object_set_new(o, "expires", parse(cases[i][1]));
		else if (strcmp(cases[i][0], "type") == 0)
			json_object_set_new(o, "_type", parse(cases[i][1]));
		else
			json_array_append_new(json_object_get(rr, "keyids"),
			                      json_string(flw_signer_key(f->a)->keyid));
		sign(&b, o, &f->a, 1);
		assert_int_equal(flw_tuf_root_parse(&r, b.data, b.len, &d), FLW_EFORMAT);
		assert_null(r);
		flw_buf_free(&b);
		json_decref(o);
	}
	/* threshold missing */
	{
		json_t *o = simple_root(1, f->a, f->b, f->b, f->b, NOW + DAY);

		json_object_del(json_object_get(json_object_get(o, "roles"), "snapshot"),
		                "threshold");
		sign(&b, o, &f->a, 1);
		assert_int_equal(flw_tuf_root_parse(&r, b.data, b.len, &d), FLW_EFORMAT);
		flw_buf_free(&b);
		json_decref(o);
	}
	assert_int_equal(flw_tuf_root_parse(&r, "[]", 2, &d), FLW_EFORMAT);
	assert_int_equal(flw_tuf_root_parse(&r, "{\"signed\":{},\"signatures\":[]}", 29, &d),
	                 FLW_EFORMAT);
}

/* ---- targets --------------------------------------------------------------------------------- */

static void fill_target(struct flw_tuf_target *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->length = 4096;
	memset(t->sha256, 0xab, sizeof(t->sha256));
	snprintf(t->version, sizeof(t->version), "1.2.0");
	snprintf(t->hwids[0], sizeof(t->hwids[0]), "cam-v2");
	snprintf(t->hwids[1], sizeof(t->hwids[1]), "cam-v3");
	t->n_hwids = 2;
	t->security_version = 7;
}

static void test_targets(void **state)
{
	static const char *const bad[] = { "",  "/abs", "a//b", "a/",  "../x", "a/../b", "a/./b",
		                           ".", "a b",  "a?b",  "a#b", "a\\b", "fw/x%2e" };
	struct flw_tuf_target t;
	struct flw_tuf_target g;
	struct flw_diag d;
	json_t *o = NULL;
	char *path;
	size_t i;

	(void)state;
	assert_int_equal(flw_tuf_make_targets(&o, 1, NOW + DAY), 0);
	fill_target(&t, "fw/cam-1.2.0.img");
	assert_int_equal(flw_tuf_targets_add(o, &t, &d), 0);
	assert_int_equal(flw_tuf_targets_get(o, "fw/cam-1.2.0.img", &g, &d), 0);
	assert_memory_equal(&t, &g, sizeof(t));
	assert_int_equal(flw_tuf_targets_get(o, "fw/other.img", &g, &d), FLW_ENOTFOUND);
	assert_true(flw_tuf_target_fits(&g, "cam-v3"));
	assert_false(flw_tuf_target_fits(&g, "cam-v4"));
	path = flw_tuf_target_path(&g);
	assert_string_equal(path,
	                    "fw/abababababababababababababababababababababababababababababababab"
	                    ".cam-1.2.0.img");
	flw_free(path);
	snprintf(t.name, sizeof(t.name), "top.bin");
	path = flw_tuf_target_path(&t);
	assert_string_equal(path, "abababababababababababababababababababababababababababababababab"
	                          ".top.bin");
	flw_free(path);
	for (i = 0; i < FLW_ARRAY_SIZE(bad); i++) {
		fill_target(&t, bad[i]);
		assert_int_equal(flw_tuf_targets_add(o, &t, &d), FLW_EINVAL);
		assert_null(flw_tuf_target_path(&t));
	}
	fill_target(&t, "ok.bin");
	snprintf(t.hwids[0], sizeof(t.hwids[0]), "bad id");
	assert_int_equal(flw_tuf_targets_add(o, &t, &d), FLW_EINVAL);
	t.n_hwids = 0; /* an empty list fits nothing */
	assert_int_equal(flw_tuf_targets_add(o, &t, &d), 0);
	assert_int_equal(flw_tuf_targets_get(o, "ok.bin", &g, &d), 0);
	assert_false(flw_tuf_target_fits(&g, "cam-v2"));
	/* malformed custom fields from outside */
	json_object_set_new(
	        json_object_get(json_object_get(json_object_get(o, "targets"), "ok.bin"), "custom"),
	        "hardware_ids", parse("[1]"));
	assert_int_equal(flw_tuf_targets_get(o, "ok.bin", &g, &d), FLW_EFORMAT);
	json_decref(o);
}

/* ---- client workflow against an in-memory repository ----------------------------------------- */

#define REPO_MAX 64

struct repo_file {
	char name[160];
	struct flw_buf data;
};

struct world {
	struct repo_file files[REPO_MAX];
	size_t n;
	char *dir;
	struct flw_signer *root_keys[3];
	struct flw_signer *targets_key;
	struct flw_signer *snapshot_key;
	struct flw_signer *ts_keys[2];
	struct flw_tuf_client *client;
	char log[REPO_MAX][160]; /* metadata names fetched, in order */
	size_t n_log;
};

static struct repo_file *repo_find(struct world *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->files[i].name, name) == 0)
			return &w->files[i];
	return NULL;
}

/* put bytes under name; takes b */
static void repo_put(struct world *w, const char *name, struct flw_buf *b)
{
	struct repo_file *f = repo_find(w, name);

	if (!f) {
		assert_true(w->n < REPO_MAX);
		f = &w->files[w->n++];
		snprintf(f->name, sizeof(f->name), "%s", name);
	} else {
		flw_buf_free(&f->data);
	}
	f->data = *b;
	flw_buf_init(b, 0);
}

static int repo_fetch(void *payload, const char *name, size_t max_len, struct flw_buf *out,
                      struct flw_diag *diag)
{
	struct world *w = payload;
	struct repo_file *f = repo_find(w, name);

	if (w->n_log < REPO_MAX)
		snprintf(w->log[w->n_log++], sizeof(w->log[0]), "%s", name);
	if (!f)
		return flw_diag_set(diag, FLW_ENOTFOUND, name, "404");
	if (f->data.len > max_len)
		return FLW_ELIMIT;
	return flw_buf_append(out, f->data.data, f->data.len);
}

static void publish_root(struct world *w, int64_t v, struct flw_signer *rk, struct flw_signer *tsk,
                         struct flw_signer *const *sign_with, size_t n)
{
	char name[32];
	struct flw_buf b;
	json_t *o = simple_root(v, rk, w->targets_key, w->snapshot_key, tsk, NOW + 365 * DAY);

	sign(&b, o, sign_with, n);
	snprintf(name, sizeof(name), "%" PRId64 ".root.json", v);
	repo_put(w, name, &b);
	json_decref(o);
}

static void publish_targets(struct world *w, int64_t v)
{
	struct flw_tuf_target t;
	char name[32];
	struct flw_buf b;
	json_t *o = NULL;

	assert_int_equal(flw_tuf_make_targets(&o, v, NOW + 90 * DAY), 0);
	fill_target(&t, "fw/cam.img");
	snprintf(t.version, sizeof(t.version), "1.%" PRId64, v);
	assert_int_equal(flw_tuf_targets_add(o, &t, NULL), 0);
	sign(&b, o, &w->targets_key, 1);
	snprintf(name, sizeof(name), "%" PRId64 ".targets.json", v);
	repo_put(w, name, &b);
	json_decref(o);
}

static void publish_snapshot(struct world *w, int64_t v, int64_t tv, time_t expires)
{
	char name[32];
	struct repo_file *t;
	struct flw_buf b;
	json_t *o = NULL;

	snprintf(name, sizeof(name), "%" PRId64 ".targets.json", tv);
	t = repo_find(w, name);
	assert_non_null(t);
	assert_int_equal(flw_tuf_make_snapshot(&o, v, expires, tv, t->data.data, t->data.len), 0);
	sign(&b, o, &w->snapshot_key, 1);
	snprintf(name, sizeof(name), "%" PRId64 ".snapshot.json", v);
	repo_put(w, name, &b);
	json_decref(o);
}

static void publish_timestamp(struct world *w, int64_t v, int64_t sv, time_t expires,
                              struct flw_signer *key)
{
	char name[32];
	struct repo_file *s;
	struct flw_buf b;
	json_t *o = NULL;

	snprintf(name, sizeof(name), "%" PRId64 ".snapshot.json", sv);
	s = repo_find(w, name);
	assert_non_null(s);
	assert_int_equal(flw_tuf_make_timestamp(&o, v, expires, sv, s->data.data, s->data.len), 0);
	sign(&b, o, &key, 1);
	repo_put(w, "timestamp.json", &b);
	json_decref(o);
}

/* targets tv, snapshot sv -> tv, timestamp tsv -> sv, all fresh */
static void publish(struct world *w, int64_t tv, int64_t sv, int64_t tsv)
{
	publish_targets(w, tv);
	publish_snapshot(w, sv, tv, NOW + 7 * DAY);
	publish_timestamp(w, tsv, sv, NOW + DAY, w->ts_keys[0]);
}

/* targets are served from "t/<path>", three bytes per sink call */
static int repo_fetch_target(void *payload, const char *path, uint64_t max_len,
                             int (*sink)(void *ctx, const void *p, size_t n), void *ctx,
                             struct flw_diag *diag)
{
	char name[200];
	struct repo_file *f;
	size_t i;
	int rc = 0;

	(void)max_len;
	snprintf(name, sizeof(name), "t/%s", path);
	f = repo_find(payload, name);
	if (!f)
		return flw_diag_set(diag, FLW_ENOTFOUND, name, "404");
	for (i = 0; i < f->data.len && rc == 0; i += 3)
		rc = sink(ctx, f->data.data + i, f->data.len - i < 3 ? f->data.len - i : 3);
	return rc;
}

static void open_client(struct world *w)
{
	const struct flw_tuf_fetcher fetcher = { FLW_TUF_FETCHER_VERSION, repo_fetch, w,
		                                 repo_fetch_target };
	struct flw_diag d;

	flw_tuf_client_free(w->client);
	w->client = NULL;
	assert_int_equal(flw_tuf_client_open(&w->client, w->dir, &fetcher, &d), 0);
}

static int world_setup(void **state)
{
	struct world *w = flw_calloc(1, sizeof(*w));
	size_t i;

	for (i = 0; i < 3; i++)
		w->root_keys[i] = gen();
	w->targets_key = gen();
	w->snapshot_key = gen();
	w->ts_keys[0] = gen();
	w->ts_keys[1] = gen();
	w->dir = flw_test_tmpdir();
	publish_root(w, 1, w->root_keys[0], w->ts_keys[0], &w->root_keys[0], 1);
	assert_int_equal(flw_tuf_client_init(w->dir, repo_find(w, "1.root.json")->data.data,
	                                     repo_find(w, "1.root.json")->data.len, NULL),
	                 0);
	publish(w, 1, 1, 1);
	open_client(w);
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;
	size_t i;

	flw_tuf_client_free(w->client);
	for (i = 0; i < w->n; i++)
		flw_buf_free(&w->files[i].data);
	for (i = 0; i < 3; i++)
		flw_signer_free(w->root_keys[i]);
	flw_signer_free(w->targets_key);
	flw_signer_free(w->snapshot_key);
	flw_signer_free(w->ts_keys[0]);
	flw_signer_free(w->ts_keys[1]);
	flw_test_rmrf(w->dir);
	flw_free(w->dir);
	flw_free(w);
	return 0;
}

static const char *const trusted_names[4] = { "root.json", "timestamp.json", "snapshot.json",
	                                      "targets.json" };

struct trusted {
	struct flw_buf b[4];
	int present[4];
};

static void trusted_read(struct world *w, struct trusted *t)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		char *p = flw_fs_join(w->dir, trusted_names[i]);

		flw_buf_init(&t->b[i], 1u << 24);
		t->present[i] = flw_fs_read_all(p, &t->b[i], NULL) == 0;
		flw_free(p);
	}
}

/* files from index `from` on (root, timestamp, snapshot, targets) are unchanged */
static void trusted_same(struct world *w, struct trusted *before, size_t from)
{
	struct trusted now;
	size_t i;

	trusted_read(w, &now);
	for (i = 0; i < 4; i++) {
		if (i >= from) {
			assert_int_equal(now.present[i], before->present[i]);
			assert_int_equal(now.b[i].len, before->b[i].len);
			if (now.b[i].len)
				assert_memory_equal(now.b[i].data, before->b[i].data, now.b[i].len);
		}
		flw_buf_free(&now.b[i]);
		flw_buf_free(&before->b[i]);
	}
}

/* the trusted file equals the repository's file */
static void trusted_is(struct world *w, const char *trusted, const char *repo_name)
{
	struct repo_file *f = repo_find(w, repo_name);
	char *p = flw_fs_join(w->dir, trusted);
	struct flw_buf b;

	assert_non_null(f);
	flw_buf_init(&b, 1u << 24);
	assert_int_equal(flw_fs_read_all(p, &b, NULL), 0);
	assert_int_equal(b.len, f->data.len);
	assert_memory_equal(b.data, f->data.data, b.len);
	flw_buf_free(&b);
	flw_free(p);
}

static int refresh(struct world *w, struct flw_diag *d)
{
	flw_diag_clear(d);
	return flw_tuf_client_refresh(w->client, NOW, d);
}

static void test_client_happy_path(void **state)
{
	struct world *w = *state;
	struct flw_tuf_target t;
	struct flw_diag d;

	assert_int_equal(flw_tuf_client_target(w->client, "fw/cam.img", &t, &d), FLW_ESTATE);
	assert_int_equal(refresh(w, &d), 0);
	trusted_is(w, "root.json", "1.root.json");
	trusted_is(w, "timestamp.json", "timestamp.json");
	trusted_is(w, "snapshot.json", "1.snapshot.json");
	trusted_is(w, "targets.json", "1.targets.json");
	assert_int_equal(flw_tuf_client_target(w->client, "fw/cam.img", &t, &d), 0);
	assert_string_equal(t.version, "1.1");
	assert_int_equal(t.security_version, 7);
	assert_int_equal(flw_tuf_client_target(w->client, "fw/none.img", &t, &d), FLW_ENOTFOUND);
	/* a new release, through a fresh client (trusted state from disk) */
	publish(w, 2, 2, 2);
	open_client(w);
	assert_int_equal(refresh(w, &d), 0);
	trusted_is(w, "targets.json", "2.targets.json");
	assert_int_equal(flw_tuf_client_target(w->client, "fw/cam.img", &t, &d), 0);
	assert_string_equal(t.version, "1.2");
	/* nothing new: still fine */
	assert_int_equal(refresh(w, &d), 0);
}

static void test_client_root_rotation(void **state)
{
	struct world *w = *state;
	struct flw_signer *s12[2] = { w->root_keys[0], w->root_keys[1] };
	struct flw_signer *s23[2] = { w->root_keys[1], w->root_keys[2] };
	struct flw_diag d;

	publish_root(w, 2, w->root_keys[1], w->ts_keys[0], s12, 2);
	publish_root(w, 3, w->root_keys[2], w->ts_keys[0], s23, 2);
	assert_int_equal(refresh(w, &d), 0);
	trusted_is(w, "root.json", "3.root.json");
	/* a fresh client starts from root v3 */
	open_client(w);
	assert_int_equal(refresh(w, &d), 0);
}

static void test_client_rotation_new_keys_only(void **state)
{
	struct world *w = *state;
	struct trusted before;
	struct flw_diag d;

	assert_int_equal(refresh(w, &d), 0);
	publish_root(w, 2, w->root_keys[1], w->ts_keys[0], &w->root_keys[1], 1);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_ESIG);
	assert_non_null(strstr(d.msg, "arbitrary software"));
	trusted_same(w, &before, 0);
	/* signed by the old keys only: refused too */
	publish_root(w, 2, w->root_keys[1], w->ts_keys[0], &w->root_keys[0], 1);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_ESIG);
	trusted_same(w, &before, 0);
	/* a v2 that claims to be v3 */
	{
		struct flw_signer *both[2] = { w->root_keys[0], w->root_keys[1] };
		struct repo_file *f;
		struct flw_buf copy;

		publish_root(w, 3, w->root_keys[1], w->ts_keys[0], both, 2);
		f = repo_find(w, "3.root.json");
		flw_buf_init(&copy, 1u << 24);
		assert_int_equal(flw_buf_append(&copy, f->data.data, f->data.len), 0);
		snprintf(f->name, sizeof(f->name), "unused");
		repo_put(w, "2.root.json", &copy);
		trusted_read(w, &before);
		assert_int_equal(refresh(w, &d), FLW_EFORMAT);
		assert_non_null(strstr(d.msg, "2.root.json holds root version 3"));
		trusted_same(w, &before, 0);
	}
}

static void test_client_timestamp_rollback(void **state)
{
	struct world *w = *state;
	struct trusted before;
	struct flw_diag d;

	publish(w, 1, 1, 5);
	assert_int_equal(refresh(w, &d), 0);
	publish_timestamp(w, 3, 1, NOW + DAY, w->ts_keys[0]);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_EROLLBACK);
	assert_string_equal(d.msg, "rollback: timestamp version 3 < trusted 5");
	trusted_same(w, &before, 0);
	/* same version, other bytes: the trusted copy is kept */
	publish_timestamp(w, 5, 1, NOW + 2 * DAY, w->ts_keys[0]);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), 0);
	trusted_same(w, &before, 0);
}

static void test_client_snapshot_and_targets_rollback(void **state)
{
	struct world *w = *state;
	struct trusted before;
	struct flw_diag d;

	publish(w, 2, 2, 2);
	assert_int_equal(refresh(w, &d), 0);
	/* timestamp pointing back at snapshot v1 */
	publish_timestamp(w, 3, 1, NOW + DAY, w->ts_keys[0]);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_EROLLBACK);
	assert_non_null(strstr(d.msg, "rollback: timestamp lists snapshot version 1 < trusted 2"));
	trusted_same(w, &before, 0);
	/* a new snapshot listing the old targets */
	publish_targets(w, 1);
	publish_snapshot(w, 3, 1, NOW + 7 * DAY);
	publish_timestamp(w, 4, 3, NOW + DAY, w->ts_keys[0]);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_EROLLBACK);
	assert_non_null(strstr(d.msg, "rollback: snapshot lists 'targets.json' version 1"));
	trusted_same(w, &before, 2); /* timestamp v4 was valid and is kept */
	trusted_is(w, "timestamp.json", "timestamp.json");
	/* and the refused state offers no target */
	{
		struct flw_tuf_target t;

		assert_int_equal(flw_tuf_client_target(w->client, "fw/cam.img", &t, &d),
		                 FLW_ESTATE);
	}
}

static void test_client_freeze(void **state)
{
	struct world *w = *state;
	struct trusted before;
	struct flw_diag d;

	assert_int_equal(refresh(w, &d), 0);
	publish_timestamp(w, 2, 1, NOW - 1, w->ts_keys[0]);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_EEXPIRED);
	assert_non_null(strstr(d.msg, "freeze: timestamp expired"));
	trusted_same(w, &before, 0);
	/* an expired snapshot */
	publish_targets(w, 2);
	publish_snapshot(w, 2, 2, NOW);
	publish_timestamp(w, 3, 2, NOW + DAY, w->ts_keys[0]);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_EEXPIRED);
	assert_non_null(strstr(d.msg, "freeze: snapshot expired"));
	trusted_same(w, &before, 2);
}

static void test_client_expired_root(void **state)
{
	struct world *w = *state;
	struct flw_signer *both[2] = { w->root_keys[0], w->root_keys[1] };
	struct flw_diag d;

	assert_int_equal(flw_tuf_client_refresh(w->client, NOW + 366 * DAY, &d), FLW_EEXPIRED);
	assert_non_null(strstr(d.msg, "freeze: root expired"));
	/* a newer root that lives longer is the way out */
	publish_root(w, 2, w->root_keys[1], w->ts_keys[0], both, 2);
	{
		struct repo_file *f = repo_find(w, "2.root.json");
		json_t *env = NULL;
		struct flw_buf b;

		assert_int_equal(flw_json_parse(&env, f->data.data, f->data.len, NULL, NULL), 0);
		json_object_set_new(json_object_get(env, "signed"), "expires",
		                    json_string("2099-01-01T00:00:00Z"));
		sign(&b, json_object_get(env, "signed"), both, 2);
		repo_put(w, "2.root.json", &b);
		json_decref(env);
	}
	assert_int_equal(flw_tuf_client_refresh(w->client, NOW + 366 * DAY, &d), FLW_EEXPIRED);
	assert_non_null(strstr(d.msg, "freeze: timestamp expired"));
	trusted_is(w, "root.json", "2.root.json");
}

static void test_client_mix_and_match(void **state)
{
	struct world *w = *state;
	struct trusted before;
	struct flw_diag d;
	struct flw_buf other;

	assert_int_equal(refresh(w, &d), 0);
	publish_targets(w, 2);
	publish_snapshot(w, 2, 2, NOW + 7 * DAY);
	publish_timestamp(w, 2, 2, NOW + DAY, w->ts_keys[0]);
	/* a validly signed snapshot v2 that is not the one the timestamp pins */
	{
		json_t *o = NULL;
		struct repo_file *t = repo_find(w, "2.targets.json");

		assert_int_equal(
		        flw_tuf_make_snapshot(&o, 2, NOW + 6 * DAY, 2, t->data.data, t->data.len),
		        0);
		sign(&other, o, &w->snapshot_key, 1);
		json_decref(o);
		repo_put(w, "2.snapshot.json", &other);
	}
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_EHASH);
	assert_non_null(strstr(d.msg, "mix-and-match"));
	trusted_same(w, &before, 2);
	/* targets with the right version but other bytes than the snapshot pins */
	publish(w, 3, 3, 3);
	publish_targets(w, 3);
	{
		struct repo_file *t = repo_find(w, "3.targets.json");

		assert_int_equal(flw_buf_append(&t->data, " ", 1), 0);
	}
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_ELIMIT); /* longer than the listed length */
	trusted_same(w, &before, 3);
}

static void test_client_endless_data(void **state)
{
	struct world *w = *state;
	struct trusted before;
	struct flw_diag d;
	struct flw_buf big;

	assert_int_equal(refresh(w, &d), 0);
	flw_buf_init(&big, 1u << 24);
	while (big.len <= FLW_TUF_TIMESTAMP_MAX_BYTES)
		assert_int_equal(flw_buf_append(&big, "          ", 10), 0);
	repo_put(w, "timestamp.json", &big);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_ELIMIT);
	assert_non_null(strstr(d.msg, "endless data"));
	trusted_same(w, &before, 0);
	/* a root that never ends */
	flw_buf_init(&big, 1u << 24);
	while (big.len <= FLW_TUF_ROOT_MAX_BYTES)
		assert_int_equal(flw_buf_append(&big, "[[[[[[[[[[", 10), 0);
	repo_put(w, "2.root.json", &big);
	trusted_read(w, &before);
	assert_int_equal(refresh(w, &d), FLW_ELIMIT);
	trusted_same(w, &before, 0);
}

static void test_client_fast_forward_recovery(void **state)
{
	struct world *w = *state;
	struct flw_diag d;

	/* the online timestamp key was abused to fast-forward the version to 1000 */
	publish_timestamp(w, 1000, 1, NOW + DAY, w->ts_keys[0]);
	assert_int_equal(refresh(w, &d), 0);
	/* the repository starts over at 1 with a new timestamp key: a rollback until root moves */
	publish_timestamp(w, 1, 1, NOW + DAY, w->ts_keys[1]);
	assert_int_equal(refresh(w, &d), FLW_ESIG);
	publish_timestamp(w, 2, 1, NOW + DAY, w->ts_keys[0]);
	assert_int_equal(refresh(w, &d), FLW_EROLLBACK);
	/* root v2 rotates the timestamp key: the trusted timestamp and snapshot are dropped */
	publish_root(w, 2, w->root_keys[0], w->ts_keys[1], &w->root_keys[0], 1);
	publish_timestamp(w, 1, 1, NOW + DAY, w->ts_keys[1]);
	assert_int_equal(refresh(w, &d), 0);
	trusted_is(w, "root.json", "2.root.json");
	trusted_is(w, "timestamp.json", "timestamp.json");
}

static void test_client_untrusted_anchor(void **state)
{
	struct world *w = *state;
	const struct flw_tuf_fetcher fetcher = { FLW_TUF_FETCHER_VERSION, repo_fetch, w };
	struct flw_tuf_client *c = NULL;
	struct flw_signer *other = gen();
	struct flw_diag d;
	struct flw_buf b;
	json_t *o = simple_root(1, w->root_keys[0], w->targets_key, w->snapshot_key, w->ts_keys[0],
	                        NOW + DAY);

	sign(&b, o, &other, 1);
	assert_int_equal(flw_tuf_client_init(w->dir, b.data, b.len, &d), 0);
	assert_int_equal(flw_tuf_client_open(&c, w->dir, &fetcher, &d), FLW_ESIG);
	assert_null(c);
	assert_int_equal(flw_tuf_client_init(w->dir, "{}", 2, &d), FLW_EFORMAT);
	flw_buf_free(&b);
	json_decref(o);
	flw_signer_free(other);
}

/* ---- delegations, path patterns, target download ---------------------------------------------- */

static void test_path_patterns(void **state)
{
	json_t *r;

	(void)state;
	assert_true(flw_tuf__path_match("*", "a.txt"));
	assert_false(flw_tuf__path_match("*", "dir/a.txt")); /* '*' never matches '/' */
	assert_true(flw_tuf__path_match("*/*", "dir/a.txt"));
	assert_true(flw_tuf__path_match("releases/*/*", "releases/x/x_v1"));
	assert_false(flw_tuf__path_match("releases/*/*", "releases/x/y/z"));
	assert_true(flw_tuf__path_match("*.py", "setup.py"));
	assert_false(flw_tuf__path_match("*.py", "lib/setup.py"));
	assert_false(flw_tuf__path_match("*.py", "SETUP.PY")); /* case-sensitive */
	assert_true(flw_tuf__path_match("file?.txt", "file1.txt"));
	assert_false(flw_tuf__path_match("file?.txt", "file12.txt"));
	assert_false(flw_tuf__path_match("a?b", "a/b"));
	assert_true(flw_tuf__path_match("v[0-9].bin", "v7.bin"));
	assert_true(flw_tuf__path_match("a\\b", "a\\b")); /* no escapes: '\' is a character */
	assert_true(flw_tuf__path_match("exact/path", "exact/path"));
	/* path_hash_prefixes: sha256("fw/cam.img") starts with "88a8" */
	r = parse("{\"name\":\"bin\",\"keyids\":[],\"threshold\":1,\"terminating\":false,"
	          "\"path_hash_prefixes\":[\"00\",\"88a8\"]}");
	assert_true(flw_tuf__role_matches(r, "fw/cam.img"));
	assert_false(flw_tuf__role_matches(r, "fw/cam2.img"));
	json_decref(r);
	/* role names in URLs and file names */
	{
		char *q = flw_tuf__quote("../x y/%?#~_.-");

		assert_string_equal(q, "..%2Fx%20y%2F%25%3F%23~_.-");
		flw_free(q);
	}
}

/* a delegated role object for signer k */
static json_t *deleg(const char *name, const struct flw_signer *k, int terminating,
                     const char *paths)
{
	json_t *r = json_pack("{s:s, s:[s], s:i, s:b, s:o}", "name", name, "keyids",
	                      flw_signer_key(k)->keyid, "threshold", 1, "terminating", terminating,
	                      "paths", parse(paths));

	assert_non_null(r);
	return r;
}

/* targets "signed" v with the given targets (or none) and delegations to roles (stolen) */
static json_t *targets_with(int64_t v, json_t *targets, json_t *roles,
                            struct flw_signer *const *keys, size_t n_keys)
{
	json_t *o = NULL;
	json_t *kobj = json_object();
	size_t i;

	assert_int_equal(flw_tuf_make_targets(&o, v, NOW + 90 * DAY), 0);
	if (targets)
		json_object_set_new(o, "targets", targets);
	for (i = 0; i < n_keys; i++) {
		json_t *k = NULL;

		assert_int_equal(flw_tuf_key_to_json(flw_signer_key(keys[i]), &k), 0);
		json_object_set_new(kobj, flw_signer_key(keys[i])->keyid, k);
	}
	if (roles)
		json_object_set_new(o, "delegations",
		                    json_pack("{s:o, s:o}", "keys", kobj, "roles", roles));
	else
		json_decref(kobj);
	return o;
}

static void put_signed(struct world *w, const char *name, json_t *o, struct flw_signer *k)
{
	struct flw_buf b;

	sign(&b, o, &k, 1);
	repo_put(w, name, &b);
	json_decref(o);
}

/* snapshot v (targets.json at tv, each of roles at version 1) and timestamp v */
static void publish_snapshot_with(struct world *w, int64_t v, int64_t tv, const char *const *roles,
                                  size_t n)
{
	char name[32];
	struct repo_file *t;
	json_t *o = NULL;
	size_t i;

	snprintf(name, sizeof(name), "%" PRId64 ".targets.json", tv);
	t = repo_find(w, name);
	assert_non_null(t);
	assert_int_equal(flw_tuf_make_snapshot(&o, v, NOW + 7 * DAY, tv, t->data.data, t->data.len),
	                 0);
	for (i = 0; i < n; i++) {
		char *f = flw_asprintf("%s.json", roles[i]);

		json_object_set_new(json_object_get(o, "meta"), f,
		                    json_pack("{s:i}", "version", 1));
		flw_free(f);
	}
	snprintf(name, sizeof(name), "%" PRId64 ".snapshot.json", v);
	put_signed(w, name, o, w->snapshot_key);
	publish_timestamp(w, v, v, NOW + DAY, w->ts_keys[0]);
}

static json_t *one_target(const char *path, const char *content)
{
	unsigned char md[FLW_SHA256_BYTES];
	char hex[FLW_SHA256_HEX];

	assert_int_equal(flw_sha256(content, strlen(content), md), 0);
	flw_hex_encode(hex, md, sizeof(md));
	return json_pack("{s:{s:i, s:{s:s}}}", path, "length", (int)strlen(content), "hashes",
	                 "sha256", hex);
}

static void log_is(struct world *w, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(w->n_log, n);
	for (i = 0; i < n; i++)
		assert_string_equal(w->log[i], want[i]);
}

static int find(struct world *w, const char *path, struct flw_diag *d)
{
	struct flw_tuf_targetinfo t;
	int rc;

	memset(&t, 0, sizeof(t));
	w->n_log = 0;
	flw_diag_clear(d);
	rc = flw_tuf_client_find(w->client, path, &t, d);
	if (rc == 0)
		assert_string_equal(t.path, path);
	flw_tuf_targetinfo_clear(&t);
	return rc;
}

/* pre-order DFS: order of appearance, paths per component, cycles, terminating */
static void test_client_delegation_search(void **state)
{
	static const char *const roles[] = { "A", "B", "C", "D", "E" };
	struct world *w = *state;
	struct flw_signer *k = w->root_keys[1];
	struct flw_diag d;

	/* targets -> A (*.py), B (one or two components); A -> D; B -> C; C -> B (cycle),
	 * C -> E (terminating, for t/ paths) */
	put_signed(w, "1.A.json",
	           targets_with(1, NULL, json_pack("[o]", deleg("D", k, 0, "[\"*\"]")), &k, 1), k);
	put_signed(w, "1.B.json",
	           targets_with(1, NULL, json_pack("[o]", deleg("C", k, 0, "[\"*\", \"*/*\"]")), &k,
	                        1),
	           k);
	put_signed(w, "1.C.json",
	           targets_with(1, NULL,
	                        json_pack("[o,o]", deleg("B", k, 0, "[\"*\", \"*/*\"]"),
	                                  deleg("E", k, 1, "[\"t/*\"]")),
	                        &k, 1),
	           k);
	put_signed(w, "1.D.json", targets_with(1, one_target("found.py", "by D"), NULL, NULL, 0),
	           k);
	put_signed(w, "1.E.json", targets_with(1, NULL, NULL, NULL, 0), k);
	put_signed(w, "2.targets.json",
	           targets_with(2, NULL,
	                        json_pack("[o,o]", deleg("A", k, 0, "[\"*.py\"]"),
	                                  deleg("B", k, 0, "[\"*\", \"*/*\"]")),
	                        &k, 1),
	           w->targets_key);
	publish_snapshot_with(w, 2, 2, roles, 5);
	assert_int_equal(refresh(w, &d), 0);
	{
		static const char *const want[] = { "1.A.json", "1.D.json" };

		assert_int_equal(find(w, "found.py", &d), 0);
		log_is(w, want, 2);
		trusted_is(w, "A.json", "1.A.json");
		trusted_is(w, "D.json", "1.D.json");
	}
	{
		/* "*.py" does not match across '/', nor another case; B and C are visited once */
		static const char *const want[] = { "1.B.json", "1.C.json" };

		assert_int_equal(find(w, "lib/found.py", &d), FLW_ENOTFOUND);
		log_is(w, want, 2);
		assert_int_equal(find(w, "FOUND.PY", &d), FLW_ENOTFOUND);
		assert_int_equal(w->n_log, 0); /* B and C are trusted on disk now */
	}
	{
		/* the terminating E: search ends there */
		static const char *const want[] = { "1.E.json" };

		assert_int_equal(find(w, "t/x", &d), FLW_ENOTFOUND);
		log_is(w, want, 1);
	}
	/* the same search through a fresh client reads the verified copies from disk */
	open_client(w);
	assert_int_equal(refresh(w, &d), 0);
	assert_int_equal(find(w, "found.py", &d), 0);
	assert_int_equal(w->n_log, 0);
}

/* "diamond": a role reached through a second delegator is verified with ITS keys, also when a
 * copy verified through the first one is trusted on disk */
static void test_client_delegation_current_delegator(void **state)
{
	static const char *const roles[] = { "parent-a", "parent-b", "release" };
	struct world *w = *state;
	struct flw_signer *kp = w->root_keys[1];
	struct flw_signer *ka = w->root_keys[2];
	struct flw_signer *kb = w->ts_keys[1];
	struct trusted before;
	struct flw_diag d;
	json_t *t = one_target("team-a/x", "A");
	json_t *tb = one_target("team-b/x", "B");

	json_object_update(t, tb);
	json_decref(tb);
	put_signed(w, "1.parent-a.json",
	           targets_with(1, NULL,
	                        json_pack("[o]", deleg("release", ka, 0, "[\"team-a/*\"]")), &ka,
	                        1),
	           kp);
	put_signed(w, "1.parent-b.json",
	           targets_with(1, NULL,
	                        json_pack("[o]", deleg("release", kb, 0, "[\"team-b/*\"]")), &kb,
	                        1),
	           kp);
	put_signed(w, "1.release.json", targets_with(1, t, NULL, NULL, 0), ka); /* A's key only */
	put_signed(w, "2.targets.json",
	           targets_with(2, NULL,
	                        json_pack("[o,o]", deleg("parent-a", kp, 0, "[\"team-a/*\"]"),
	                                  deleg("parent-b", kp, 0, "[\"team-b/*\"]")),
	                        &kp, 1),
	           w->targets_key);
	publish_snapshot_with(w, 2, 2, roles, 3);
	assert_int_equal(refresh(w, &d), 0);
	assert_int_equal(find(w, "team-a/x", &d), 0);
	trusted_is(w, "release.json", "1.release.json");
	assert_int_equal(find(w, "team-b/x", &d), FLW_ESIG);
	assert_non_null(strstr(d.msg, "release was signed by 0 of 1"));
	trusted_is(w, "release.json", "1.release.json");
	/* the other order, from a fresh directory state: nothing is trusted through B */
	{
		char *p = flw_fs_join(w->dir, "release.json");

		assert_int_equal(unlink(p), 0);
		flw_free(p);
	}
	open_client(w);
	assert_int_equal(refresh(w, &d), 0);
	trusted_read(w, &before);
	assert_int_equal(find(w, "team-b/x", &d), FLW_ESIG);
	trusted_same(w, &before, 0);
	{
		char *p = flw_fs_join(w->dir, "release.json");

		assert_int_not_equal(access(p, F_OK), 0);
		flw_free(p);
	}
}

/* delegations the snapshot does not list are never fetched; odd role names stay in dir */
static void test_client_delegation_names_and_snapshot(void **state)
{
	static const char *const roles[] = { "../evil" };
	struct world *w = *state;
	struct flw_signer *k = w->root_keys[1];
	struct flw_diag d;

	put_signed(w, "1...%2Fevil.json", targets_with(1, NULL, NULL, NULL, 0), k);
	put_signed(w, "2.targets.json",
	           targets_with(2, NULL,
	                        json_pack("[o,o]", deleg("../evil", k, 0, "[\"a/*\"]"),
	                                  deleg("unlisted", k, 0, "[\"b/*\"]")),
	                        &k, 1),
	           w->targets_key);
	publish_snapshot_with(w, 2, 2, roles, 1);
	assert_int_equal(refresh(w, &d), 0);
	assert_int_equal(find(w, "a/x", &d), FLW_ENOTFOUND);
	{
		static const char *const want[] = { "1...%2Fevil.json" };
		char *p = flw_fs_join(w->dir, "..%2Fevil.json");

		log_is(w, want, 1);
		assert_int_equal(access(p, F_OK), 0);
		flw_free(p);
	}
	assert_int_equal(find(w, "b/x", &d), FLW_EFORMAT);
	assert_non_null(strstr(d.msg, "not listed in snapshot"));
	assert_int_equal(w->n_log, 0);
	/* a delegated role may not take a top-level role's name */
	put_signed(
	        w, "3.targets.json",
	        targets_with(3, NULL, json_pack("[o]", deleg("snapshot", k, 0, "[\"*\"]")), &k, 1),
	        w->targets_key);
	publish_snapshot_with(w, 3, 3, roles, 1);
	assert_int_equal(refresh(w, &d), FLW_EFORMAT);
	assert_non_null(strstr(d.msg, "top-level"));
	trusted_is(w, "targets.json", "2.targets.json");
}

static size_t dir_entries(const char *dir)
{
	size_t n = 0;
	DIR *dp = opendir(dir);
	struct dirent *e;

	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '.' ||
		     (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0);
	closedir(dp);
	return n;
}

/* length bound, every listed hash, hash-prefixed URL, atomic appearance, cache check */
static void test_client_download(void **state)
{
	struct world *w = *state;
	unsigned char h256[FLW_SHA256_BYTES];
	unsigned char h512[FLW_SHA512_BYTES];
	char x256[FLW_SHA256_HEX];
	char x512[2 * FLW_SHA512_BYTES + 1];
	char *dl = flw_fs_join(w->dir, "dl");
	char *dest = flw_fs_join(dl, "file.bin");
	struct flw_tuf_targetinfo t;
	struct flw_diag d;
	struct flw_buf b;
	char name[200];
	const char *body = "hello world";

	assert_int_equal(flw_fs_mkdirs(dl, 0755, NULL), 0);
	assert_int_equal(flw_sha256(body, strlen(body), h256), 0);
	assert_int_equal(flw_sha512(body, strlen(body), h512), 0);
	flw_hex_encode(x256, h256, sizeof(h256));
	flw_hex_encode(x512, h512, sizeof(h512));
	put_signed(
	        w, "2.targets.json",
	        targets_with(2,
	                     json_pack("{s:{s:i, s:{s:s, s:s}}, s:{s:i, s:{s:s}}}", "dir/file.bin",
	                               "length", 11, "hashes", "sha256", x256, "sha512", x512,
	                               "odd.bin", "length", 11, "hashes", "md5", x256),
	                     NULL, NULL, 0),
	        w->targets_key);
	publish_snapshot_with(w, 2, 2, NULL, 0);
	snprintf(name, sizeof(name), "t/dir/%s.file.bin", x256);
	flw_buf_init(&b, 64);
	assert_int_equal(flw_buf_puts(&b, body), 0);
	repo_put(w, name, &b);
	assert_int_equal(refresh(w, &d), 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(flw_tuf_client_find(w->client, "dir/file.bin", &t, &d), 0);
	assert_true(t.has_sha256 && t.has_sha512);
	assert_int_equal(flw_tuf_target_cached(&t, dest, &d), 0);
	assert_int_equal(flw_tuf_client_download(w->client, &t, dest, &d), 0);
	assert_int_equal(flw_tuf_target_cached(&t, dest, &d), 1);
	flw_buf_init(&b, 64);
	assert_int_equal(flw_fs_read_all(dest, &b, NULL), 0);
	assert_int_equal(b.len, 11);
	assert_memory_equal(b.data, body, 11);
	flw_buf_free(&b);
	/* a changed local copy is no cache hit */
	flw_test_write_file(dest, "hello worlD", 11);
	assert_int_equal(flw_tuf_target_cached(&t, dest, &d), 0);
	assert_int_equal(unlink(dest), 0);
	/* one byte too many: endless data, nothing left behind */
	flw_buf_init(&b, 64);
	assert_int_equal(flw_buf_puts(&b, "hello world!"), 0);
	repo_put(w, name, &b);
	assert_int_equal(flw_tuf_client_download(w->client, &t, dest, &d), FLW_ELIMIT);
	assert_non_null(strstr(d.msg, "endless data"));
	assert_int_equal(dir_entries(dl), 0);
	/* right length, wrong bytes; one byte short */
	flw_buf_init(&b, 64);
	assert_int_equal(flw_buf_puts(&b, "hello worlD"), 0);
	repo_put(w, name, &b);
	assert_int_equal(flw_tuf_client_download(w->client, &t, dest, &d), FLW_EHASH);
	assert_non_null(strstr(d.msg, "wrong software"));
	flw_buf_init(&b, 64);
	assert_int_equal(flw_buf_puts(&b, "hello worl"), 0);
	repo_put(w, name, &b);
	assert_int_equal(flw_tuf_client_download(w->client, &t, dest, &d), FLW_EHASH);
	assert_int_equal(dir_entries(dl), 0);
	flw_tuf_targetinfo_clear(&t);
	/* only a hash we cannot compute: refused before any transfer */
	assert_int_equal(flw_tuf_client_find(w->client, "odd.bin", &t, &d), 0);
	assert_int_equal(t.n_unsupported, 1);
	assert_int_equal(flw_tuf_client_download(w->client, &t, dest, &d), FLW_EHASH);
	assert_int_equal(flw_tuf_target_cached(&t, dest, &d), 0);
	assert_int_equal(dir_entries(dl), 0);
	flw_tuf_targetinfo_clear(&t);
	flw_free(dest);
	flw_free(dl);
}

static int torture_refresh(void *payload)
{
	struct world *w = payload;
	const struct flw_tuf_fetcher fetcher = { FLW_TUF_FETCHER_VERSION, repo_fetch, w };
	struct flw_tuf_client *c = NULL;
	int rc;

	rc = flw_tuf_client_open(&c, w->dir, &fetcher, NULL);
	if (rc == 0)
		rc = flw_tuf_client_refresh(c, NOW, NULL);
	flw_tuf_client_free(c);
	return rc;
}

/* allocation failures anywhere in a refresh with a root and timestamp key rotation */
static void test_client_torture(void **state)
{
	struct world *w = *state;
	struct flw_signer *both[2] = { w->root_keys[0], w->root_keys[1] };
	struct flw_diag d;

	assert_int_equal(refresh(w, &d), 0);
	publish_root(w, 2, w->root_keys[1], w->ts_keys[1], both, 2);
	publish_targets(w, 2);
	publish_snapshot(w, 2, 2, NOW + 7 * DAY);
	publish_timestamp(w, 2, 2, NOW + DAY, w->ts_keys[1]);
	assert_true(flw_test_torture(torture_refresh, w, 5000) > 1);
	trusted_is(w, "root.json", "2.root.json");
	trusted_is(w, "timestamp.json", "timestamp.json");
	trusted_is(w, "snapshot.json", "2.snapshot.json");
	trusted_is(w, "targets.json", "2.targets.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_keyid_known_answer),
		cmocka_unit_test(test_signer_file_and_envelope),
		cmocka_unit_test(test_canonical_round_trip),
		cmocka_unit_test(test_targets),
		cmocka_unit_test_setup_teardown(test_sign_verify_round_trip, vfix_setup,
		                                vfix_teardown),
		cmocka_unit_test_setup_teardown(test_threshold_counting, vfix_setup, vfix_teardown),
		cmocka_unit_test_setup_teardown(test_signature_lengths_and_tamper, vfix_setup,
		                                vfix_teardown),
		cmocka_unit_test_setup_teardown(test_same_key_two_keyids_and_unknown_types,
		                                vfix_setup, vfix_teardown),
		cmocka_unit_test_setup_teardown(test_root_parse_rejects, vfix_setup, vfix_teardown),
		cmocka_unit_test_setup_teardown(test_client_happy_path, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_root_rotation, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_rotation_new_keys_only, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_timestamp_rollback, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_snapshot_and_targets_rollback,
		                                world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_client_freeze, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_client_expired_root, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_mix_and_match, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_endless_data, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_fast_forward_recovery, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_untrusted_anchor, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_torture, world_setup, world_teardown),
		cmocka_unit_test(test_path_patterns),
		cmocka_unit_test_setup_teardown(test_client_delegation_search, world_setup,
		                                world_teardown),
		cmocka_unit_test_setup_teardown(test_client_delegation_current_delegator,
		                                world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_client_delegation_names_and_snapshot,
		                                world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_client_download, world_setup, world_teardown),
	};

	if (flw_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
