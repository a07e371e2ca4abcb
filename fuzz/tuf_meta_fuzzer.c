/* fuzz/tuf_meta_fuzzer.c - TUF metadata from the network: root parsing, threshold
 * verification as every role against a fixed test root, reading verified targets, the
 * structure check of (delegated) targets with path matching against its delegations, and the
 * canonical JSON round trip (canonical -> parse -> canonical must be byte-identical).
 *
 * TEST_ROOT is fuzz/corpora/tuf_meta/root.json: every role held by the RFC 8032 test key 1
 * (a TEST KEY), written by tests/fixtures/tuf/gen-tuf-corpus.sh, as are the other seeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"
#include "meta/tuf_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TEST_ROOT[] =
        "{\"signatures\":[{\"keyid\":\"74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fe"
        "ce332e4916\",\"sig\":\"c77ea0b31ae426eacc2706f3d57fb352c75d917c97a9ee77d3f1e6ae0c47a"
        "a83a5ec3f9c1a162124857f0eeca7553cb56c393ad96251c32d46d96ba410b67b03\"}],\"signed\":{"
        "\"_type\":\"root\",\"consistent_snapshot\":true,\"expires\":\"2099-01-01T00:00:00Z\""
        ",\"keys\":{\"74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916\":{\"k"
        "eytype\":\"ed25519\",\"keyval\":{\"public\":\"d75a980182b10ab7d54bfed3c964073a0ee172"
        "f3daa62325af021a68f707511a\"},\"scheme\":\"ed25519\"}},\"roles\":{\"root\":{\"keyids"
        "\":[\"74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916\"],\"threshol"
        "d\":1},\"snapshot\":{\"keyids\":[\"74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15"
        "f92fece332e4916\"],\"threshold\":1},\"targets\":{\"keyids\":[\"74c181c7ad8a0855d4b55"
        "e44d2ba87aabdddb196832571f15f92fece332e4916\"],\"threshold\":1},\"timestamp\":{\"key"
        "ids\":[\"74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916\"],\"thres"
        "hold\":1}},\"spec_version\":\"1.0.31\",\"version\":1}}";

static struct flw_tuf_root *test_root(void)
{
	static struct flw_tuf_root *root;

	if (!root) {
		if (flw_crypto_init() != 0 ||
		    flw_tuf_root_parse(&root, TEST_ROOT, sizeof(TEST_ROOT) - 1, NULL) != 0 ||
		    flw_tuf_verify(root, FLW_TUF_ROOT, TEST_ROOT, sizeof(TEST_ROOT) - 1, NULL,
		                   NULL) != 0)
			abort(); /* the fixture itself is broken */
	}
	return root;
}

static void use_targets(const json_t *sgn)
{
	struct flw_tuf_target t;
	const char *name;
	json_t *v;
	char *path;

	json_object_foreach(json_object_get(sgn, "targets"), name, v)
	{
		if (flw_tuf_targets_get(sgn, name, &t, NULL) != 0)
			continue;
		path = flw_tuf_target_path(&t);
		if (!path || strlen(path) <= strlen(t.name))
			abort();
		(void)flw_tuf_target_fits(&t, "cam-v2");
		flw_free(path);
	}
}

static void verify_all(const uint8_t *data, size_t size)
{
	struct flw_tuf_root *root = test_root();
	struct flw_diag d;
	int64_t version;
	time_t expires;
	json_t *sgn;
	int role;

	for (role = 0; role < _FLW_TUF_ROLE_MAX; role++) {
		sgn = NULL;
		if (flw_tuf_verify(root, role, data, size, &sgn, &d) != 0)
			continue;
		if (flw_tuf_signed_header(sgn, &version, &expires, &d) != 0 || version < 1)
			abort(); /* verify promised a valid header */
		if (role == FLW_TUF_TARGETS)
			use_targets(sgn);
		json_decref(sgn);
	}
}

/* targets "signed" from outside (as a delegated role's would be before its signatures are
 * checked against its delegator's keys): the structure check, then path matching */
static void targets_structure(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "a", "fw/cam.img", "releases/x/x_v1", "*", "" };
	json_t *env = NULL;
	json_t *sgn;
	json_t *roles;
	json_t *r;
	size_t i;
	size_t j;

	if (flw_tuf__envelope_parse(&env, data, size, FLW_TUF_TARGETS_MAX_BYTES, NULL) != 0)
		return;
	sgn = json_object_get(env, "signed");
	if (flw_tuf__targets_check(sgn, NULL) == 0) {
		roles = json_object_get(json_object_get(sgn, "delegations"), "roles");
		json_array_foreach(roles, i, r)
		{
			const char *name = json_string_value(json_object_get(r, "name"));
			char *q;

			if (!name || flw_tuf_role_from_string(name) >= 0)
				abort(); /* the check promised a name that is no top-level role's */
			q = flw_tuf__quote(name);
			if (q && strchr(q, '/'))
				abort(); /* a quoted role name never holds a path separator */
			flw_free(q);
			for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++)
				(void)flw_tuf__role_matches(r, paths[j]);
		}
	}
	json_decref(env);
}

/* canonical -> parse -> canonical is stable (unless raw control bytes make it unparsable) */
static void canonical_round_trip(const uint8_t *data, size_t size)
{
	const struct flw_json_limits lim = { FLW_TUF_ROOT_MAX_BYTES, FLW_TUF_MAX_DEPTH };
	struct flw_buf a;
	struct flw_buf b;
	json_t *v = NULL;
	json_t *w = NULL;
	size_t i;

	flw_buf_init(&a, 4 * FLW_TUF_ROOT_MAX_BYTES);
	flw_buf_init(&b, 4 * FLW_TUF_ROOT_MAX_BYTES);
	if (flw_json_parse(&v, data, size, &lim, NULL) != 0 || flw_json_canonical(&a, v, NULL) != 0)
		goto out;
	if (flw_json_parse(&w, a.data, a.len, NULL, NULL) != 0) {
		for (i = 0; i < a.len && a.data[i] >= 0x20; i++)
			;
		if (i == a.len)
			abort(); /* canonical output that is not JSON */
		goto out;
	}
	if (flw_json_canonical(&b, w, NULL) != 0 || a.len != b.len ||
	    memcmp(a.data, b.data, a.len) != 0)
		abort();
out:
	json_decref(v);
	json_decref(w);
	flw_buf_free(&a);
	flw_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_tuf_root *r = NULL;

	if (flw_tuf_root_parse(&r, data, size, NULL) == 0) {
		/* a root that parses either verifies against itself or does not; both are fine */
		if (flw_tuf_verify(r, FLW_TUF_ROOT, data, size, NULL, NULL) == 0 &&
		    flw_tuf_root_version(r) < 1)
			abort();
		flw_tuf_root_free(r);
	}
	verify_all(data, size);
	targets_structure(data, size);
	canonical_round_trip(data, size);
	return 0;
}
