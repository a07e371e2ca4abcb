/* tests/unit/server/test_server.c - server logic that is not HTTP: device tokens, secret
 * tokens, and the online side of the TUF repository against a real SQLite store (root rules,
 * release checks in order, re-signing timestamp and snapshot at half their life). The request
 * body parsers have their own group in test_request.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"
#include "flw_test.h"
#include "server/server.h"
#include "test_request.h"

static void test_devtoken_roundtrip(void **state)
{
	unsigned char key[FLW_MAC_KEY_BYTES];
	char tok[FLW_DEVICE_TOKEN_MAX + 1];
	char id[FLW_ID_MAX + 1];
	time_t now = 1700000000;
	time_t exp = 0;

	(void)state;
	flw_random(key, sizeof(key));
	assert_int_equal(flw_devtoken_issue(tok, sizeof(tok), key, "cam-01", now + 100), 0);
	assert_int_equal(flw_devtoken_check(tok, strlen(tok), key, now, id, &exp), 0);
	assert_string_equal(id, "cam-01");
	assert_int_equal(exp, now + 100);
	/* expiry, other key, bad ids, short buffers */
	assert_int_equal(flw_devtoken_check(tok, strlen(tok), key, now + 100, id, NULL),
	                 FLW_EEXPIRED);
	key[0] ^= 1;
	assert_int_equal(flw_devtoken_check(tok, strlen(tok), key, now, id, NULL), FLW_EAUTH);
	assert_int_equal(flw_devtoken_issue(tok, sizeof(tok), key, "../x", now + 1), FLW_EINVAL);
	assert_int_equal(flw_devtoken_issue(tok, 10, key, "cam-01", now + 1), FLW_ELIMIT);
}

static void test_devtoken_tampered(void **state)
{
	unsigned char key[FLW_MAC_KEY_BYTES];
	unsigned char mac[FLW_MAC_BYTES];
	char tok[FLW_DEVICE_TOKEN_MAX + 1];
	char bad[FLW_DEVICE_TOKEN_MAX + 1];
	char id[FLW_ID_MAX + 1];
	const char *payload = "v1|cam-02|1700000100";
	size_t n;
	size_t dot;
	size_t i;

	(void)state;
	flw_random(key, sizeof(key));
	assert_int_equal(flw_devtoken_issue(tok, sizeof(tok), key, "cam-01", 1700000100), 0);
	n = strlen(tok);
	dot = (size_t)(strchr(tok, '.') - tok);
	for (i = 0; i < n; i++) {
		if (i == dot || i + 1 == dot || i + 1 == n)
			continue; /* last char of each part may carry padding bits only */
		memcpy(bad, tok, n + 1);
		bad[i] = bad[i] == 'A' ? 'z' : 'A';
		assert_int_not_equal(flw_devtoken_check(bad, n, key, 1700000000, id, NULL), 0);
	}
	/* a valid MAC for another payload does not transfer */
	flw_b64url_encode(bad, (const unsigned char *)payload, strlen(payload));
	memcpy(bad + strlen(bad), tok + dot, n - dot + 1);
	assert_int_equal(flw_devtoken_check(bad, strlen(bad), key, 1700000000, id, NULL),
	                 FLW_EAUTH);
	/* a correctly MACed payload with a bad shape is refused */
	flw_mac(mac, "v2|cam-01|1", 11, key);
	flw_b64url_encode(bad, (const unsigned char *)"v2|cam-01|1", 11);
	n = strlen(bad);
	bad[n] = '.';
	flw_b64url_encode(bad + n + 1, mac, sizeof(mac));
	assert_int_equal(flw_devtoken_check(bad, strlen(bad), key, 0, id, NULL), FLW_EAUTH);
	assert_int_equal(flw_devtoken_check("", 0, key, 0, id, NULL), FLW_EAUTH);
	assert_int_equal(flw_devtoken_check("nodot", 5, key, 0, id, NULL), FLW_EAUTH);
}

static void test_secret_token(void **state)
{
	char a[FLW_SECRET_TOKEN_MAX + 1];
	char b[FLW_SECRET_TOKEN_MAX + 1];
	unsigned char ha[FLW_SHA256_BYTES];
	unsigned char hb[FLW_SHA256_BYTES];
	unsigned char h[FLW_SHA256_BYTES];

	(void)state;
	assert_int_equal(flw_secret_token_new(a, FLW_API_TOKEN_PREFIX, ha), 0);
	assert_int_equal(flw_secret_token_new(b, FLW_API_TOKEN_PREFIX, hb), 0);
	assert_int_equal(strlen(a), 4 + 43);
	assert_memory_equal(a, "flw_", 4);
	assert_string_not_equal(a, b);
	assert_int_equal(flw_sha256(a, strlen(a), h), 0);
	assert_memory_equal(h, ha, sizeof(h));
}

/* ---- repository ---------------------------------------------------------------------------- */

struct repo_fixture {
	char *dir;
	struct flw_store *s;
	struct flw_signer *root;
	struct flw_signer *targets;
	struct flw_signer *snapshot;
	struct flw_signer *timestamp;
	struct flw_signer *evil;
	struct flw_signer *director;
	struct flw_repo repo;
	time_t now;
};

static int repo_setup(void **state)
{
	struct repo_fixture *f = flw_calloc(1, sizeof(*f));
	char *db;

	assert_non_null(f);
	f->dir = flw_test_tmpdir();
	db = flw_asprintf("%s/fleetward.db", f->dir);
	assert_int_equal(flw_store_open(&f->s, db, NULL), 0);
	flw_free(db);
	assert_int_equal(flw_signer_generate(&f->root), 0);
	assert_int_equal(flw_signer_generate(&f->targets), 0);
	assert_int_equal(flw_signer_generate(&f->snapshot), 0);
	assert_int_equal(flw_signer_generate(&f->timestamp), 0);
	assert_int_equal(flw_signer_generate(&f->evil), 0);
	assert_int_equal(flw_signer_generate(&f->director), 0);
	f->repo.director_key = f->director;
	f->repo.snapshot_key = f->snapshot;
	f->repo.timestamp_key = f->timestamp;
	f->repo.artifacts_dir = f->dir;
	f->now = time(NULL);
	*state = f;
	return 0;
}

static int repo_teardown(void **state)
{
	struct repo_fixture *f = *state;

	flw_store_close(f->s);
	flw_signer_free(f->root);
	flw_signer_free(f->targets);
	flw_signer_free(f->snapshot);
	flw_signer_free(f->timestamp);
	flw_signer_free(f->evil);
	flw_signer_free(f->director);
	flw_test_rmrf(f->dir);
	flw_free(f->dir);
	flw_free(f);
	return 0;
}

/* root vN listing snap_key, ts_key and dir_key (NULL: no director field), signed by `by` */
static void make_root_keys(struct repo_fixture *f, int64_t v, struct flw_signer *snap_key,
                           struct flw_signer *ts_key, struct flw_signer *dir_key,
                           struct flw_signer *by, struct flw_buf *out)
{
	struct flw_tuf_role_keys roles[4];
	struct flw_tuf_role_keys dk;
	struct flw_signer *const signers[1] = { by };
	json_t *obj = NULL;

	roles[FLW_TUF_ROOT] = (struct flw_tuf_role_keys){ flw_signer_key(f->root), 1, 1 };
	roles[FLW_TUF_TARGETS] = (struct flw_tuf_role_keys){ flw_signer_key(f->targets), 1, 1 };
	roles[FLW_TUF_SNAPSHOT] = (struct flw_tuf_role_keys){ flw_signer_key(snap_key), 1, 1 };
	roles[FLW_TUF_TIMESTAMP] = (struct flw_tuf_role_keys){ flw_signer_key(ts_key), 1, 1 };
	assert_int_equal(flw_tuf_make_root(&obj, v, f->now + 86400, roles), 0);
	if (dir_key) {
		dk = (struct flw_tuf_role_keys){ flw_signer_key(dir_key), 1, 1 };
		assert_int_equal(flw_tuf_root_set_director(obj, &dk), 0);
	}
	flw_buf_init(out, FLW_TUF_ROOT_MAX_BYTES);
	assert_int_equal(flw_tuf_sign(out, obj, signers, 1, NULL), 0);
	json_decref(obj);
}

/* root vN listing snap_key as the snapshot key, signed by `by` */
static void make_root(struct repo_fixture *f, int64_t v, struct flw_signer *snap_key,
                      struct flw_signer *by, struct flw_buf *out)
{
	make_root_keys(f, v, snap_key, f->timestamp, f->director, by, out);
}

static void make_targets(struct repo_fixture *f, int64_t v, time_t expires,
                         const struct flw_tuf_target *t, struct flw_signer *by, struct flw_buf *out)
{
	struct flw_signer *const signers[1] = { by };
	json_t *obj = NULL;

	assert_int_equal(flw_tuf_make_targets(&obj, v, expires), 0);
	if (t)
		assert_int_equal(flw_tuf_targets_add(obj, t, NULL), 0);
	flw_buf_init(out, FLW_TUF_TARGETS_MAX_BYTES);
	assert_int_equal(flw_tuf_sign(out, obj, signers, 1, NULL), 0);
	json_decref(obj);
}

static int publish(struct repo_fixture *f, const struct flw_buf *b, struct flw_diag *diag)
{
	struct flw_audit a = { "test", "release.publish", "tuf:targets", NULL, 0 };
	json_t *added = NULL;
	int64_t v = 0;
	int rc;

	rc = flw_repo_publish_targets(&f->repo, f->s, b->data, b->len, f->now, &a, &v, &added,
	                              diag);
	json_decref(added);
	return rc;
}

static void test_repo_root_rules(void **state)
{
	struct repo_fixture *f = *state;
	struct flw_buf b;
	int64_t v = 0;

	make_root(f, 1, f->evil, f->root, &b); /* not the server's snapshot key */
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL),
	                 FLW_EINCOMPAT);
	flw_buf_free(&b);
	make_root(f, 1, f->snapshot, f->evil, &b); /* signed by a key it does not list */
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL),
	                 FLW_ESIG);
	flw_buf_free(&b);
	make_root_keys(f, 1, f->snapshot, f->timestamp, NULL, f->root, &b); /* no director */
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL),
	                 FLW_EFORMAT);
	flw_buf_free(&b);
	make_root_keys(f, 1, f->snapshot, f->timestamp, f->evil, f->root, &b); /* other director */
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL),
	                 FLW_EINCOMPAT);
	flw_buf_free(&b);
	make_root(f, 2, f->snapshot, f->root, &b); /* v2 without v1 */
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL),
	                 FLW_ECONFLICT);
	flw_buf_free(&b);
	make_root(f, 1, f->snapshot, f->root, &b);
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL), 0);
	assert_int_equal(v, 1);
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL),
	                 FLW_ECONFLICT);
	flw_buf_free(&b);
}

static void test_repo_publish_checks_in_order(void **state)
{
	struct repo_fixture *f = *state;
	struct flw_tuf_target t;
	struct flw_diag diag;
	struct flw_buf b;
	int64_t v = 0;

	make_targets(f, 1, f->now + 3600, NULL, f->targets, &b);
	assert_int_equal(publish(f, &b, NULL), FLW_ESTATE); /* no root yet */
	flw_buf_free(&b);
	make_root(f, 1, f->snapshot, f->root, &b);
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL), 0);
	flw_buf_free(&b);

	memset(&t, 0, sizeof(t));
	memcpy(t.name, "fw/a.img", sizeof("fw/a.img"));
	memcpy(t.version, "1.0", sizeof("1.0"));
	t.length = 1234;
	flw_random(t.sha256, sizeof(t.sha256));
	memcpy(t.hwids[0], "hw", 3);
	t.n_hwids = 1;
	/* 2. signature: the evil key is named */
	make_targets(f, 1, f->now - 10, &t, f->evil, &b);
	assert_int_equal(publish(f, &b, &diag), FLW_ESIG);
	flw_buf_free(&b);
	/* 3. version before 4. expiry */
	make_targets(f, 2, f->now - 10, &t, f->targets, &b);
	assert_int_equal(publish(f, &b, NULL), FLW_ECONFLICT);
	flw_buf_free(&b);
	/* 4. expiry before 5. artifacts */
	make_targets(f, 1, f->now - 10, &t, f->targets, &b);
	assert_int_equal(publish(f, &b, NULL), FLW_EEXPIRED);
	flw_buf_free(&b);
	/* 5. no artifact; then an artifact of another length; then the right one */
	make_targets(f, 1, f->now + 3600, &t, f->targets, &b);
	assert_int_equal(publish(f, &b, &diag), FLW_EHASH);
	assert_non_null(strstr(diag.msg, "fw/a.img"));
	assert_int_equal(flw_store_artifact_add(f->s, t.sha256, 1233, NULL, NULL), 0);
	assert_int_equal(publish(f, &b, NULL), FLW_EHASH);
	flw_buf_free(&b);
	t.length = 1233;
	make_targets(f, 1, f->now + 3600, &t, f->targets, &b);
	assert_int_equal(publish(f, &b, NULL), 0);
	assert_int_equal(publish(f, &b, NULL), FLW_ECONFLICT); /* version taken now */
	flw_buf_free(&b);
}

static int64_t newest(struct repo_fixture *f, int role)
{
	time_t exp = 0;
	int64_t v = 0;

	assert_int_equal(flw_repo_expires(f->s, role, &exp, &v, NULL), 0);
	return v;
}

static void test_repo_resign_at_half_life(void **state)
{
	struct repo_fixture *f = *state;
	struct flw_tuf_root *root = NULL;
	struct flw_buf b;
	time_t ts_exp = 0;
	int64_t v = 0;
	int re = -1;

	assert_int_equal(flw_repo_refresh(&f->repo, f->s, f->now, &ts_exp, &re, NULL), 0);
	assert_int_equal(ts_exp, 0); /* nothing published yet */
	make_root(f, 1, f->snapshot, f->root, &b);
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL), 0);
	assert_int_equal(flw_tuf_root_parse(&root, b.data, b.len, NULL), 0);
	flw_buf_free(&b);
	make_targets(f, 1, f->now + 90 * 86400, NULL, f->targets, &b);
	assert_int_equal(publish(f, &b, NULL), 0);
	flw_buf_free(&b);
	assert_int_equal(newest(f, FLW_TUF_TIMESTAMP), 1);

	assert_int_equal(flw_repo_refresh(&f->repo, f->s, f->now, &ts_exp, &re, NULL), 0);
	assert_int_equal(re, 0);
	assert_true(ts_exp >= f->now + FLW_TUF_TIMESTAMP_LIFETIME - 5);
	/* 13 h later: under half of the timestamp's day is left */
	assert_int_equal(flw_repo_refresh(&f->repo, f->s, f->now + 13 * 3600, &ts_exp, &re, NULL),
	                 0);
	assert_int_equal(re, 2);
	assert_int_equal(newest(f, FLW_TUF_TIMESTAMP), 2);
	assert_int_equal(newest(f, FLW_TUF_SNAPSHOT), 1);
	assert_int_equal(flw_repo_refresh(&f->repo, f->s, f->now + 13 * 3600, &ts_exp, &re, NULL),
	                 0);
	assert_int_equal(re, 0);
	/* 4 days later: the snapshot (7 days) too */
	assert_int_equal(flw_repo_refresh(&f->repo, f->s, f->now + 4 * 86400, &ts_exp, &re, NULL),
	                 0);
	assert_int_equal(re, 3);
	assert_int_equal(newest(f, FLW_TUF_SNAPSHOT), 2);
	assert_int_equal(newest(f, FLW_TUF_TIMESTAMP), 3);
	/* the re-signed timestamp verifies against the root */
	flw_buf_init(&b, FLW_TUF_TIMESTAMP_MAX_BYTES);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_TIMESTAMP, 0, &b, &v, NULL), 0);
	assert_int_equal(flw_tuf_verify(root, FLW_TUF_TIMESTAMP, b.data, b.len, NULL, NULL), 0);
	flw_buf_free(&b);
	flw_buf_init(&b, FLW_TUF_SNAPSHOT_MAX_BYTES);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_SNAPSHOT, 0, &b, &v, NULL), 0);
	assert_int_equal(flw_tuf_verify(root, FLW_TUF_SNAPSHOT, b.data, b.len, NULL, NULL), 0);
	flw_buf_free(&b);
	flw_tuf_root_free(root);
}

/* Online key rotation through a real data directory: a pending timestamp key is accepted in
 * root v2 instead of the current one, the server switches to it (the file renamed over the
 * current key) and re-signs snapshot and timestamp at once; a restart loads the new key. */
static void test_repo_online_rotation(void **state)
{
	struct repo_fixture *f = *state;
	struct flw_datadir dd;
	struct flw_tuf_root *r2 = NULL;
	struct flw_signer *pend;
	struct flw_diag diag;
	struct flw_buf b;
	char *ddir = flw_asprintf("%s/data", f->dir);
	char *path = NULL;
	int64_t v = 0;
	int sw = -1;

	assert_non_null(ddir);
	assert_int_equal(flw_datadir_open(&dd, ddir, NULL), 0);
	f->repo.dd = &dd;
	make_root_keys(f, 1, dd.snapshot_key, dd.timestamp_key, dd.director_key, f->root, &b);
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL), 0);
	flw_buf_free(&b);
	make_targets(f, 1, f->now + 90 * 86400, NULL, f->targets, &b);
	assert_int_equal(publish(f, &b, NULL), 0);
	flw_buf_free(&b);
	assert_int_equal(newest(f, FLW_TUF_TIMESTAMP), 1);

	assert_int_equal(flw_datadir_make_pending(&dd, FLW_ONLINE_TIMESTAMP, NULL), 0);
	pend = dd.pending[FLW_ONLINE_TIMESTAMP];
	assert_non_null(pend);
	assert_int_equal(flw_datadir_make_pending(&dd, FLW_ONLINE_TIMESTAMP, NULL), 0);
	assert_ptr_equal(dd.pending[FLW_ONLINE_TIMESTAMP], pend); /* idempotent */
	path = flw_asprintf("%s/keys/timestamp.pending.key", ddir);
	assert_int_equal(access(path, F_OK), 0);
	/* a key that is neither current nor pending is refused, naming both */
	make_root_keys(f, 2, dd.snapshot_key, f->evil, dd.director_key, f->root, &b);
	flw_diag_clear(&diag);
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, &diag),
	                 FLW_EINCOMPAT);
	assert_non_null(strstr(diag.msg, "pending"));
	flw_buf_free(&b);
	/* nothing pending is listed yet: adopting does nothing */
	assert_int_equal(flw_repo_adopt_pending(&f->repo, f->s, f->now, &sw, NULL), 0);
	assert_int_equal(sw, 0);
	make_root_keys(f, 2, dd.snapshot_key, pend, dd.director_key, f->root, &b);
	assert_int_equal(flw_repo_put_root(&f->repo, f->s, b.data, b.len, f->now, &v, NULL), 0);
	assert_int_equal(v, 2);
	assert_ptr_equal(dd.timestamp_key, pend);
	assert_null(dd.pending[FLW_ONLINE_TIMESTAMP]);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(newest(f, FLW_TUF_TIMESTAMP), 2); /* re-signed at once */
	assert_int_equal(newest(f, FLW_TUF_SNAPSHOT), 2);
	assert_int_equal(flw_tuf_root_parse(&r2, b.data, b.len, NULL), 0);
	flw_buf_free(&b);
	flw_buf_init(&b, FLW_TUF_TIMESTAMP_MAX_BYTES);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_TIMESTAMP, 0, &b, &v, NULL), 0);
	assert_int_equal(flw_tuf_verify(r2, FLW_TUF_TIMESTAMP, b.data, b.len, NULL, NULL), 0);
	flw_buf_free(&b);
	/* a restart loads the switched key */
	{
		char kid[FLW_SHA256_HEX];

		memcpy(kid, flw_signer_key(pend)->keyid, sizeof(kid));
		f->repo.dd = NULL;
		flw_datadir_close(&dd);
		assert_int_equal(flw_datadir_open(&dd, ddir, NULL), 0);
		assert_string_equal(flw_signer_key(dd.timestamp_key)->keyid, kid);
		assert_null(dd.pending[FLW_ONLINE_TIMESTAMP]);
	}
	flw_datadir_close(&dd);
	flw_tuf_root_free(r2);
	flw_free(path);
	flw_free(ddir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devtoken_roundtrip),
		cmocka_unit_test(test_devtoken_tampered),
		cmocka_unit_test(test_secret_token),
		cmocka_unit_test_setup_teardown(test_repo_root_rules, repo_setup, repo_teardown),
		cmocka_unit_test_setup_teardown(test_repo_publish_checks_in_order, repo_setup,
		                                repo_teardown),
		cmocka_unit_test_setup_teardown(test_repo_resign_at_half_life, repo_setup,
		                                repo_teardown),
		cmocka_unit_test_setup_teardown(test_repo_online_rotation, repo_setup,
		                                repo_teardown),
	};
	int failed;

	if (flw_crypto_init() != 0)
		return 1;
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed + flw_test_request();
}
