/* fuzz/director_fuzzer.c - director documents from the network: the agent's whole director check
 * (device/director_check.c: signature against a fixed root's director key, device binding,
 * replay against a fixed trusted document of version 3, freeze at a fixed time, cross-check with
 * fixed image targets, anti-rollback floor 1).
 *
 * Oracle beyond "no crash": an accepted document verifies under the root's director key, is
 * bound to this device, is not older than the trusted one, names exactly one target which the
 * image targets list with the same length and sha256 for this hardware id, and the target handed
 * on is the IMAGE repository's entry (security version not below the floor).
 *
 * The root and the director key are fixed: the key is the RFC 8032 test key 1 (a TEST KEY),
 * so the seeds in fuzz/corpora/director/ stay valid. FLW_DIRECTOR_FUZZ_GEN=DIR writes those
 * seeds into DIR on the first input (how the corpus was made).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"
#include "device/director_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW ((time_t)1900000000) /* 2030-03-17 */

static const char SEED_HEX[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

static struct {
	struct flw_tuf_root *root;
	json_t *image; /* image targets "signed" */
	struct flw_buf trusted;
	unsigned char pk[FLW_ED25519_PK_BYTES];
	unsigned char sk[FLW_ED25519_SK_BYTES];
	struct flw_tuf_key key;
} fx;

static void die(const char *what)
{
	fprintf(stderr, "director_fuzzer: fixture: %s\n", what);
	abort();
}

static void add_target(json_t *targets_signed, const char *name, uint64_t len, unsigned char b,
                       const char *hwid, uint64_t sv)
{
	struct flw_tuf_target t;

	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", name);
	t.length = len;
	memset(t.sha256, b, sizeof(t.sha256));
	snprintf(t.version, sizeof(t.version), "1.0.0");
	snprintf(t.hwids[0], sizeof(t.hwids[0]), "%s", hwid);
	t.n_hwids = 1;
	t.security_version = sv;
	if (flw_tuf_targets_add(targets_signed, &t, NULL) != 0)
		die("target");
}

/* envelope of `sgn` signed by the test key (key != 0) or unsigned */
static void sign(struct flw_buf *out, const json_t *sgn, int key)
{
	struct flw_buf msg;
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	char hex[2 * FLW_ED25519_SIG_BYTES + 1];
	json_t *env;

	flw_buf_init(&msg, FLW_DIRECTOR_MAX_BYTES);
	if (flw_json_canonical(&msg, sgn, NULL) != 0 ||
	    flw_ed25519_sign(sig, msg.data, msg.len, fx.sk) != 0)
		die("sign");
	flw_hex_encode(hex, sig, sizeof(sig));
	env = key ? json_pack("{s:[{s:s, s:s}], s:O}", "signatures", "keyid", fx.key.keyid, "sig",
	                      hex, "signed", sgn)
	          : json_pack("{s:[], s:O}", "signatures", "signed", sgn);
	flw_buf_reset(out);
	if (!env || flw_json_canonical(out, env, NULL) != 0)
		die("envelope");
	json_decref(env);
	flw_buf_free(&msg);
}

/* a director document: version, device, expiry, targets from image (names), deployment */
static void doc(struct flw_buf *out, int64_t version, const char *dev, time_t expires,
                const char *const *names, size_t n, uint64_t lie_sv)
{
	struct flw_tuf_target t;
	json_t *o = NULL;
	size_t i;

	if (flw_tuf_make_targets(&o, version, expires) != 0)
		die("targets");
	for (i = 0; i < n; i++) {
		if (flw_tuf_targets_get(fx.image, names[i], &t, NULL) != 0) {
			/* a name the image repository does not list */
			memset(&t, 0, sizeof(t));
			t.length = 1;
			snprintf(t.hwids[0], sizeof(t.hwids[0]), "cam-v2");
			t.n_hwids = 1;
		}
		snprintf(t.name, sizeof(t.name), "%s", names[i]);
		if (lie_sv)
			t.security_version = lie_sv;
		if (flw_tuf_targets_add(o, &t, NULL) != 0)
			die("doc target");
	}
	if (json_object_set_new(o, "custom",
	                        json_pack("{s:s, s:i}", "device_id", dev, "deployment", 4)) != 0)
		die("custom");
	flw_buf_init(out, FLW_DIRECTOR_MAX_BYTES);
	sign(out, o, 1);
	json_decref(o);
}

static void setup(void)
{
	unsigned char seed[FLW_ED25519_SEED_BYTES];
	struct flw_tuf_role_keys roles[4];
	struct flw_tuf_role_keys dir;
	struct flw_buf b;
	json_t *k = NULL;
	json_t *o = NULL;
	unsigned char md[FLW_SHA256_BYTES];
	static const char *const a[] = { "fw/a.img" };
	int i;

	if (flw_crypto_init() != 0 || flw_hex_decode(seed, sizeof(seed), SEED_HEX) != 0 ||
	    flw_ed25519_from_seed(fx.pk, fx.sk, seed) != 0)
		die("key");
	memcpy(fx.key.pk, fx.pk, sizeof(fx.pk));
	flw_buf_init(&b, FLW_TUF_ROOT_MAX_BYTES);
	if (flw_tuf_key_to_json(&fx.key, &k) != 0 || flw_json_canonical(&b, k, NULL) != 0 ||
	    flw_sha256(b.data, b.len, md) != 0)
		die("keyid");
	flw_hex_encode(fx.key.keyid, md, sizeof(md));
	json_decref(k);
	for (i = 0; i < 4; i++) {
		roles[i].keys = &fx.key;
		roles[i].n_keys = 1;
		roles[i].threshold = 1;
	}
	dir = roles[0];
	if (flw_tuf_make_root(&o, 1, NOW + 86400, roles) != 0 ||
	    flw_tuf_root_set_director(o, &dir) != 0)
		die("root");
	sign(&b, o, 0); /* parsed, not verified: the check only needs its director keys */
	if (flw_tuf_root_parse(&fx.root, b.data, b.len, NULL) != 0)
		die("root parse");
	json_decref(o);
	flw_buf_free(&b);
	if (flw_tuf_make_targets(&fx.image, 2, NOW + 86400) != 0)
		die("image");
	add_target(fx.image, "fw/a.img", 1000, 0xaa, "cam-v2", 2);
	add_target(fx.image, "fw/b.img", 2000, 0xbb, "cam-v2", 2);
	add_target(fx.image, "fw/old.img", 3000, 0x01, "cam-v2", 0);
	add_target(fx.image, "fw/hw9.img", 4000, 0x09, "cam-v9", 2);
	doc(&fx.trusted, 3, "cam-01", NOW + 600, a, 1, 0);
}

static int lookup(void *payload, const char *name, struct flw_tuf_target *out,
                  struct flw_diag *diag)
{
	(void)payload;
	return flw_tuf_targets_get(fx.image, name, out, diag);
}

static void write_seed(const char *dir, const char *name, const struct flw_buf *b)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len)
		die(path);
	fclose(f);
}

static void generate(const char *dir)
{
	static const char *const a[] = { "fw/a.img" };
	static const char *const ab[] = { "fw/a.img", "fw/b.img" };
	static const char *const old[] = { "fw/old.img" };
	static const char *const hw9[] = { "fw/hw9.img" };
	static const char *const evil[] = { "fw/evil.img" };
	struct flw_buf b;

	doc(&b, 4, "cam-01", NOW + 600, a, 1, 0);
	write_seed(dir, "ok-v4", &b);
	flw_buf_free(&b);
	write_seed(dir, "trusted-v3", &fx.trusted);
	doc(&b, 2, "cam-01", NOW + 600, a, 1, 0);
	write_seed(dir, "replay-v2", &b);
	flw_buf_free(&b);
	doc(&b, 9, "cam-02", NOW + 600, a, 1, 0);
	write_seed(dir, "other-device", &b);
	flw_buf_free(&b);
	doc(&b, 5, "cam-01", NOW - 1, a, 1, 0);
	write_seed(dir, "expired", &b);
	flw_buf_free(&b);
	doc(&b, 6, "cam-01", NOW + 600, ab, 2, 0);
	write_seed(dir, "partial-bundle", &b);
	flw_buf_free(&b);
	doc(&b, 7, "cam-01", NOW + 600, old, 1, 9);
	write_seed(dir, "rollback-lying-sv", &b);
	flw_buf_free(&b);
	doc(&b, 8, "cam-01", NOW + 600, hw9, 1, 0);
	write_seed(dir, "wrong-hardware", &b);
	flw_buf_free(&b);
	doc(&b, 9, "cam-01", NOW + 600, evil, 1, 0);
	write_seed(dir, "not-in-image", &b);
	flw_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_director_in in;
	struct flw_director_out out;
	struct flw_tuf_target img;
	struct flw_diag d = { 0 };
	json_t *sgn = NULL;
	int64_t tv = 0;
	int rc;

	if (!fx.root) {
		const char *gen = getenv("FLW_DIRECTOR_FUZZ_GEN");

		setup();
		if (gen && *gen)
			generate(gen);
	}
	memset(&in, 0, sizeof(in));
	in.root = fx.root;
	in.device_id = "cam-01";
	in.hwid = "cam-v2";
	in.trusted = fx.trusted.data;
	in.trusted_len = fx.trusted.len;
	in.now = NOW;
	in.floor = 1;
	in.image_target = lookup;
	rc = flw_director_check(&in, data, size, &out, &d);
	if (getenv("FLW_DIRECTOR_FUZZ_VERBOSE"))
		fprintf(stderr, "%s: %s\n", rc ? flw_error_name(rc) : "accepted", d.msg);
	if (rc != 0) {
		if (rc > 0 || !d.msg[0] || out.version != 0)
			abort(); /* a refusal is an error code with a message and nothing half-filled */
		return 0;
	}
	if (flw_tuf_verify_director(fx.root, data, size, &sgn, NULL) != 0)
		abort(); /* accepted without the director key's signature */
	if (json_object_size(json_object_get(sgn, "targets")) != 1 ||
	    strcmp(json_string_value(json_object_get(json_object_get(sgn, "custom"), "device_id")),
	           "cam-01") != 0)
		abort();
	if (flw_director_doc_version(fx.trusted.data, fx.trusted.len, &tv, NULL) != 0 ||
	    out.version < tv || out.expires <= NOW || out.deployment < 1)
		abort(); /* replay or freeze let through */
	if (flw_tuf_targets_get(fx.image, out.target.name, &img, NULL) != 0 ||
	    memcmp(&img, &out.target, sizeof(img)) != 0 || !flw_tuf_target_fits(&img, "cam-v2") ||
	    img.security_version < in.floor)
		abort(); /* the target handed on is not the image repository's entry */
	if (out.version == tv && (size != fx.trusted.len || memcmp(data, fx.trusted.data, size)))
		abort();
	json_decref(sgn);
	return 0;
}
