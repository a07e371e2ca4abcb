/* tests/unit/store/test_store.c - the store on real SQLite files in a temporary directory */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "flw_test.h"
#include "store_fixture.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/protocol.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"

static const struct flw_audit AUDIT = { "token:ops", "test.change", "test:1", NULL, 0 };

int store_fx_setup(void **state)
{
	struct fx *f = flw_calloc(1, sizeof(*f));
	struct flw_diag diag = { 0 };

	assert_non_null(f);
	f->dir = flw_test_tmpdir();
	f->path = flw_asprintf("%s/fleetward.db", f->dir);
	assert_non_null(f->path);
	assert_int_equal(flw_store_open(&f->s, f->path, &diag), 0);
	*state = f;
	return 0;
}

int store_fx_teardown(void **state)
{
	struct fx *f = *state;

	flw_store_close(f->s);
	flw_test_rmrf(f->dir);
	flw_free(f->path);
	flw_free(f->dir);
	flw_free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void hash_of(unsigned char h[FLW_SHA256_BYTES], unsigned char b)
{
	memset(h, b, FLW_SHA256_BYTES);
}

static void add_enroll_token(struct flw_store *s, const char *name, unsigned char hb, int64_t uses,
                             time_t expires, const char *group)
{
	struct flw_enroll_token t;
	struct flw_diag diag = { 0 };

	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", name);
	hash_of(t.hash, hb);
	t.uses_left = uses;
	t.expires = expires;
	snprintf(t.group, sizeof(t.group), "%s", group ? group : "");
	assert_int_equal(flw_store_enroll_token_add(s, &t, NULL, NULL, &diag), 0);
}

static int enroll(struct flw_store *s, const char *id, const char *hwid, unsigned char keyb,
                  unsigned char tokb, time_t now, struct flw_diag *diag)
{
	struct flw_device d;
	unsigned char th[FLW_SHA256_BYTES];

	memset(&d, 0, sizeof(d));
	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.hwid, sizeof(d.hwid), "%s", hwid);
	memset(d.pubkey, keyb, sizeof(d.pubkey));
	hash_of(th, tokb);
	return flw_store_device_enroll(s, &d, th, now, &AUDIT, diag);
}

static int64_t audit_rows(struct flw_store *s)
{
	json_t *a = NULL;
	int64_t n;

	assert_int_equal(flw_store_audit_list(s, 0, 1000, &a, NULL), 0);
	n = (int64_t)json_array_size(a);
	json_decref(a);
	return n;
}

static int64_t enroll_uses_left(struct flw_store *s, const char *name)
{
	json_t *a = NULL;
	json_t *o;
	size_t i;
	int64_t uses = -99;

	assert_int_equal(flw_store_enroll_token_list(s, &a, NULL), 0);
	json_array_foreach(a, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
			uses = json_integer_value(json_object_get(o, "uses_left"));
	}
	json_decref(a);
	return uses;
}

static void target_init(struct flw_tuf_target *t, const char *name, unsigned char hb,
                        const char *hw1, const char *hw2)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->version, sizeof(t->version), "1.%u.0", hb);
	hash_of(t->sha256, hb);
	t->length = 1000u + hb;
	t->security_version = 3;
	snprintf(t->hwids[0], sizeof(t->hwids[0]), "%s", hw1);
	t->n_hwids = 1;
	if (hw2) {
		snprintf(t->hwids[1], sizeof(t->hwids[1]), "%s", hw2);
		t->n_hwids = 2;
	}
}

/* publish targets version tv (snapshot sv, timestamp tsv) adding one release */
static int publish(struct flw_store *s, int64_t tv, int64_t sv, int64_t tsv,
                   const struct flw_release *r, struct flw_diag *diag)
{
	return flw_test_publish(s, tv, sv, tsv, r, NULL, 0, &AUDIT, diag);
}

static void add_release(struct flw_store *s, int64_t v, const char *name, unsigned char hb,
                        const char *hw1, const char *hw2)
{
	struct flw_release r;
	struct flw_diag diag = { 0 };

	memset(&r, 0, sizeof(r));
	target_init(&r.target, name, hb, hw1, hw2);
	assert_int_equal(publish(s, v, v, v, &r, &diag), 0);
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* the state name of device dev in deployment id */
static void expect_action(struct flw_store *s, int64_t id, const char *dev, const char *state)
{
	json_t *d = NULL;
	json_t *o;
	size_t i;
	int seen = 0;

	assert_int_equal(flw_store_deployment_get(s, id, &d, NULL), 0);
	json_array_foreach(json_object_get(d, "devices"), i, o)
	{
		if (strcmp(jstr(o, "device"), dev) == 0) {
			assert_string_equal(jstr(o, "state"), state);
			seen = 1;
		}
	}
	json_decref(d);
	assert_true(seen);
}

static int64_t data_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- open and migrations ------------------------------------------------------------------ */

static void test_open_migrate_reopen(void **state)
{
	struct fx *f = *state;
	struct flw_store *s2 = NULL;
	struct flw_diag diag = { 0 };
	char *uri = flw_asprintf("sqlite:%s", f->path);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int v = flw_store_schema_version(f->s);

	assert_true(v >= 1);
	assert_int_equal(flw_store_group_add(f->s, "lab", NULL, &diag), 0);
	flw_store_close(f->s);
	f->s = NULL;
	/* reopen (with the sqlite: scheme): same version, data kept */
	assert_int_equal(flw_store_open(&f->s, uri, &diag), 0);
	assert_int_equal(flw_store_schema_version(f->s), v);
	assert_int_equal(flw_store_group_add(f->s, "lab", NULL, &diag), FLW_ECONFLICT);
	/* the file: mode 0600, WAL, user_version = schema version */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), v);
	sqlite3_finalize(st);
	/* a schema newer than the program is refused */
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(flw_store_open(&s2, f->path, &diag), FLW_ESTORE);
	assert_non_null(strstr(diag.msg, "newer"));
	assert_null(s2);
	sqlite3_close(db);
	flw_free(uri);
}

static void test_open_errors(void **state)
{
	struct fx *f = *state;
	struct flw_store *s = NULL;
	struct flw_diag diag = { 0 };
	char *bad = flw_asprintf("%s/no/such/dir/x.db", f->dir);

	assert_int_equal(flw_store_open(&s, "postgresql://localhost/x", &diag), FLW_EINVAL);
	assert_int_equal(flw_store_open(&s, "sqlite:", &diag), FLW_EINVAL);
	assert_int_equal(flw_store_open(&s, NULL, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_open(NULL, f->path, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_open(&s, bad, &diag), FLW_EIO);
	assert_null(s);
	/* not a database */
	flw_free(bad);
	bad = flw_asprintf("%s/junk.db", f->dir);
	{
		static const char junk[] = "this is not an SQLite database, only some junk text";

		flw_test_write_file(bad, junk, sizeof(junk) - 1);
	}
	assert_int_not_equal(flw_store_open(&s, bad, &diag), 0);
	assert_null(s);
	flw_free(bad);
	/* NULL store: EINVAL everywhere, no crash */
	assert_int_equal(flw_store_group_add(NULL, "x", NULL, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_failed(NULL), 0);
	assert_int_equal(flw_store_schema_version(NULL), FLW_EINVAL);
	flw_store_close(NULL);
}

/* ---- settings, audit ---------------------------------------------------------------------- */

static void test_settings(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_buf b;

	flw_buf_init(&b, 1024);
	assert_int_equal(flw_store_setting_get(f->s, "server.id", &b, &diag), FLW_ENOTFOUND);
	assert_int_equal(flw_store_setting_set(f->s, "server.id", "abc", &diag), 0);
	assert_int_equal(flw_store_setting_set(f->s, "server.id", "def", &diag), 0);
	assert_int_equal(flw_store_setting_get(f->s, "server.id", &b, &diag), 0);
	assert_string_equal(flw_buf_cstr(&b), "def");
	assert_int_equal(flw_store_setting_set(f->s, "", "x", &diag), FLW_EINVAL);
	flw_buf_free(&b);
	/* output buffer limit */
	flw_buf_init(&b, 2);
	assert_int_equal(flw_store_setting_get(f->s, "server.id", &b, &diag), FLW_ELIMIT);
	flw_buf_free(&b);
}

static void test_audit(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_audit refused = { "token:ops", "group.add", "group:x", "{\"why\":1}",
		                     FLW_EPERM };
	struct flw_audit big = AUDIT;
	char longobj[FLW_AUDIT_OBJECT_MAX + 2];
	json_t *a = NULL;
	sqlite3 *db = NULL;

	/* an audit row iff the change committed */
	assert_int_equal(flw_store_group_add(f->s, "g1", &AUDIT, &diag), 0);
	assert_int_equal(audit_rows(f->s), 1);
	assert_int_equal(flw_store_group_add(f->s, "g1", &AUDIT, &diag), FLW_ECONFLICT);
	assert_int_equal(audit_rows(f->s), 1);
	assert_int_equal(flw_store_group_delete(f->s, "nope", &AUDIT, &diag), FLW_ENOTFOUND);
	assert_int_equal(audit_rows(f->s), 1);
	/* a refused request is recorded through audit_append */
	assert_int_equal(flw_store_audit_append(f->s, &refused, &diag), 0);
	assert_int_equal(flw_store_audit_list(f->s, 0, 0, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(jstr(json_array_get(a, 0), "action"), "group.add");
	assert_string_equal(jstr(json_array_get(a, 0), "detail"), "{\"why\":1}");
	assert_int_equal(jint(json_array_get(a, 0), "result"), FLW_EPERM);
	assert_true(json_is_null(json_object_get(json_array_get(a, 1), "detail")));
	assert_true(jint(json_array_get(a, 0), "id") > jint(json_array_get(a, 1), "id"));
	assert_true(jint(json_array_get(a, 0), "at") > 0);
	/* paging: before the newest id */
	{
		json_t *b = NULL;

		assert_int_equal(
		        flw_store_audit_list(f->s, jint(json_array_get(a, 0), "id"), 10, &b, &diag),
		        0);
		assert_int_equal(json_array_size(b), 1);
		assert_string_equal(jstr(json_array_get(b, 0), "action"), "test.change");
		json_decref(b);
	}
	json_decref(a);
	/* limits: an oversized audit field refuses the whole change */
	memset(longobj, 'o', sizeof(longobj) - 1);
	longobj[sizeof(longobj) - 1] = '\0';
	big.object = longobj;
	assert_int_equal(flw_store_group_add(f->s, "g2", &big, &diag), FLW_ELIMIT);
	assert_int_equal(flw_store_group_add(f->s, "g2", NULL, &diag), 0);
	/* rows cannot be changed, even by SQL */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'x'", NULL, NULL, NULL),
	                     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(audit_rows(f->s), 2);
}

/* ---- API tokens --------------------------------------------------------------------------- */

static void test_api_tokens(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_api_token t;
	struct flw_api_token got;
	unsigned char h[FLW_SHA256_BYTES];
	int64_t id = 0;
	int64_t n = -1;
	json_t *a = NULL;

	assert_int_equal(flw_store_api_token_count(f->s, &n, &diag), 0);
	assert_int_equal(n, 0);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "admin");
	t.role = FLW_ROLE_ADMIN;
	hash_of(t.hash, 0xa1);
	t.expires = 0;
	assert_int_equal(flw_store_api_token_add(f->s, &t, &AUDIT, &id, &diag), 0);
	assert_true(id > 0);
	hash_of(t.hash, 0xa2);
	assert_int_equal(flw_store_api_token_add(f->s, &t, &AUDIT, NULL, &diag), FLW_ECONFLICT);
	assert_non_null(strstr(diag.msg, "admin"));
	/* find */
	hash_of(h, 0xa1);
	assert_int_equal(flw_store_api_token_find(f->s, h, &got, &diag), 0);
	assert_string_equal(got.name, "admin");
	assert_int_equal(got.role, FLW_ROLE_ADMIN);
	assert_int_equal(got.id, id);
	assert_int_equal(got.revoked, 0);
	assert_true(got.created > 0);
	assert_memory_equal(got.hash, h, sizeof(h));
	hash_of(h, 0xa3);
	assert_int_equal(flw_store_api_token_find(f->s, h, &got, &diag), FLW_ENOTFOUND);
	/* list: no hash, role by name */
	assert_int_equal(flw_store_api_token_list(f->s, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(jstr(json_array_get(a, 0), "role"), "admin");
	assert_null(json_object_get(json_array_get(a, 0), "hash"));
	assert_int_equal(json_object_size(json_array_get(a, 0)), 6);
	assert_true(json_is_false(json_object_get(json_array_get(a, 0), "revoked")));
	json_decref(a);
	/* revoke; the name is free again; the revoked one still shows */
	assert_int_equal(flw_store_api_token_revoke(f->s, "admin", &AUDIT, &diag), 0);
	assert_int_equal(flw_store_api_token_revoke(f->s, "admin", &AUDIT, &diag), FLW_ENOTFOUND);
	hash_of(h, 0xa1);
	assert_int_equal(flw_store_api_token_find(f->s, h, &got, &diag), 0);
	assert_int_equal(got.revoked, 1);
	assert_int_equal(flw_store_api_token_add(f->s, &t, &AUDIT, NULL, &diag), 0);
	assert_int_equal(flw_store_api_token_count(f->s, &n, &diag), 0);
	assert_int_equal(n, 2);
	assert_int_equal(audit_rows(f->s), 3);
	/* arguments */
	t.role = 7;
	assert_int_equal(flw_store_api_token_add(f->s, &t, NULL, NULL, &diag), FLW_EINVAL);
	t.role = FLW_ROLE_VIEWER;
	memset(t.name, 'n', sizeof(t.name));
	assert_int_equal(flw_store_api_token_add(f->s, &t, NULL, NULL, &diag), FLW_ELIMIT);
	snprintf(t.name, sizeof(t.name), "bad name");
	assert_int_equal(flw_store_api_token_add(f->s, &t, NULL, NULL, &diag), FLW_EINVAL);
}

/* ---- enrollment --------------------------------------------------------------------------- */

static void test_enroll(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_device d;
	struct flw_enroll_token t;
	json_t *a = NULL;
	time_t now = 1700000000;

	memset(&d, 0, sizeof(d));
	/* a token for a group that does not exist */
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "t0");
	snprintf(t.group, sizeof(t.group), "cams");
	t.uses_left = 1;
	assert_int_equal(flw_store_enroll_token_add(f->s, &t, NULL, NULL, &diag), FLW_ENOTFOUND);
	assert_int_equal(flw_store_group_add(f->s, "cams", NULL, &diag), 0);
	add_enroll_token(f->s, "single", 1, 1, 0, "cams");
	add_enroll_token(f->s, "multi", 2, -1, 0, NULL);
	add_enroll_token(f->s, "old", 3, 5, now - 1, NULL);
	add_enroll_token(f->s, "revoked", 4, 5, 0, NULL);
	assert_int_equal(flw_store_enroll_token_revoke(f->s, "revoked", NULL, &diag), 0);
	assert_int_equal(flw_store_enroll_token_revoke(f->s, "revoked", NULL, &diag),
	                 FLW_ENOTFOUND);

	assert_int_equal(enroll(f->s, "cam-01", "cam-v2", 0x11, 1, now, &diag), 0);
	assert_int_equal(enroll_uses_left(f->s, "single"), 0);
	/* used up */
	assert_int_equal(enroll(f->s, "cam-02", "cam-v2", 0x12, 1, now, &diag), FLW_EAUTH);
	/* idempotent: same id and key, no use consumed (even with the used-up token) */
	assert_int_equal(enroll(f->s, "cam-01", "cam-v2", 0x11, 1, now, &diag), 0);
	assert_int_equal(enroll(f->s, "cam-01", "cam-v2", 0x11, 2, now, &diag), 0);
	assert_int_equal(enroll_uses_left(f->s, "single"), 0);
	/* same id, other key */
	assert_int_equal(enroll(f->s, "cam-01", "cam-v2", 0x99, 2, now, &diag), FLW_ECONFLICT);
	/* expired, revoked, unknown */
	assert_int_equal(enroll(f->s, "cam-03", "cam-v2", 0x13, 3, now, &diag), FLW_EEXPIRED);
	assert_int_equal(enroll_uses_left(f->s, "old"), 5);
	assert_int_equal(enroll(f->s, "cam-03", "cam-v2", 0x13, 4, now, &diag), FLW_EAUTH);
	assert_int_equal(enroll(f->s, "cam-03", "cam-v2", 0x13, 9, now, &diag), FLW_EAUTH);
	assert_int_equal(enroll(f->s, "cam-03", "cam-v2", 0x13, 2, now, &diag), 0);
	assert_int_equal(enroll_uses_left(f->s, "multi"), -1);
	/* only the successful enrollments left audit rows */
	assert_int_equal(audit_rows(f->s), 2);
	/* the device, in the token's group */
	assert_int_equal(flw_store_device_get(f->s, "cam-01", &d, &diag), 0);
	assert_string_equal(d.hwid, "cam-v2");
	assert_int_equal(d.enrolled, now);
	assert_int_equal(d.last_seq, 0);
	assert_int_equal(d.pubkey[0], 0x11);
	assert_int_equal(json_array_size(d.groups), 1);
	assert_string_equal(json_string_value(json_array_get(d.groups, 0)), "cams");
	assert_null(d.attrs);
	flw_device_clear(&d);
	assert_int_equal(flw_store_device_get(f->s, "cam-03", &d, &diag), 0);
	assert_int_equal(json_array_size(d.groups), 0);
	flw_device_clear(&d);
	assert_int_equal(flw_store_device_get(f->s, "cam-02", &d, &diag), FLW_ENOTFOUND);
	assert_non_null(strstr(diag.msg, "cam-02"));
	/* token listing fields */
	assert_int_equal(flw_store_enroll_token_list(f->s, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 4);
	assert_string_equal(jstr(json_array_get(a, 0), "group"), "cams");
	assert_string_equal(jstr(json_array_get(a, 1), "group"), "");
	assert_int_equal(json_object_size(json_array_get(a, 0)), 7);
	json_decref(a);
	/* bad ids */
	assert_int_equal(enroll(f->s, "../etc", "cam-v2", 1, 2, now, &diag), FLW_EINVAL);
	assert_int_equal(enroll(f->s, "cam-04", "", 1, 2, now, &diag), FLW_EINVAL);
}

/* ---- devices: list, check-in, touch ------------------------------------------------------- */

static void enroll_fleet(struct flw_store *s)
{
	struct flw_diag diag = { 0 };

	assert_int_equal(flw_store_group_add(s, "lab", NULL, &diag), 0);
	add_enroll_token(s, "fleet", 7, -1, 0, NULL);
	add_enroll_token(s, "labtok", 8, -1, 0, "lab");
	assert_int_equal(enroll(s, "cam-01", "cam-v2", 1, 8, 100, &diag), 0);
	assert_int_equal(enroll(s, "cam-02", "cam-v2", 2, 8, 100, &diag), 0);
	assert_int_equal(enroll(s, "cam-03", "cam-v1", 3, 7, 100, &diag), 0);
	assert_int_equal(enroll(s, "gw-01", "gw-v1", 4, 7, 100, &diag), 0);
}

static void test_device_list(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_device_filter flt;
	struct flw_checkin c;
	json_t *a = NULL;
	int64_t total = -1;

	enroll_fleet(f->s);
	memset(&c, 0, sizeof(c));
	c.device_id = "cam-02";
	c.installed = "fw/cam-1.0.img";
	c.installed_version = "1.0";
	c.slot_active = 'B';
	c.trial = 1;
	c.now = 200;
	assert_int_equal(flw_store_device_checkin(f->s, &c, &diag), 0);

	assert_int_equal(flw_store_device_list(f->s, NULL, &a, &total, &diag), 0);
	assert_int_equal(total, 4);
	assert_int_equal(json_array_size(a), 4);
	assert_string_equal(jstr(json_array_get(a, 0), "id"), "cam-01");
	assert_int_equal(json_object_size(json_array_get(a, 0)), 15); /* 9 + 6 inventory fields */
	assert_string_equal(jstr(json_array_get(a, 1), "slot_active"), "B");
	assert_true(json_is_true(json_object_get(json_array_get(a, 1), "trial")));
	assert_string_equal(jstr(json_array_get(a, 1), "installed"), "fw/cam-1.0.img");
	assert_int_equal(jint(json_array_get(a, 1), "last_seen"), 200);
	json_decref(a);

	memset(&flt, 0, sizeof(flt));
	flt.group = "lab";
	assert_int_equal(flw_store_device_list(f->s, &flt, &a, &total, &diag), 0);
	assert_int_equal(total, 2);
	json_decref(a);
	flt.hwid = "cam-v2";
	flt.installed = "fw/cam-1.0.img";
	assert_int_equal(flw_store_device_list(f->s, &flt, &a, &total, &diag), 0);
	assert_int_equal(total, 1);
	assert_string_equal(jstr(json_array_get(a, 0), "id"), "cam-02");
	json_decref(a);
	memset(&flt, 0, sizeof(flt));
	flt.id_prefix = "cam-";
	flt.limit = 2;
	flt.offset = 1;
	assert_int_equal(flw_store_device_list(f->s, &flt, &a, &total, &diag), 0);
	assert_int_equal(total, 3);
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(jstr(json_array_get(a, 0), "id"), "cam-02");
	assert_string_equal(jstr(json_array_get(a, 1), "id"), "cam-03");
	json_decref(a);
	flt.id_prefix = "gw";
	flt.limit = 5000; /* capped, not refused */
	flt.offset = 0;
	assert_int_equal(flw_store_device_list(f->s, &flt, &a, NULL, &diag), 0);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	flt.id_prefix = NULL;
	flt.group = "nogroup";
	assert_int_equal(flw_store_device_list(f->s, &flt, &a, &total, &diag), 0);
	assert_int_equal(total, 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

/* Number of devices listed with id prefix p; the first id into first (may be NULL) */
static int64_t count_prefix(struct flw_store *s, const char *p, const char **first)
{
	struct flw_device_filter flt;
	struct flw_diag diag = { 0 };
	static char id[FLW_ID_MAX + 1];
	json_t *a = NULL;
	int64_t total = -1;

	memset(&flt, 0, sizeof(flt));
	flt.id_prefix = p;
	assert_int_equal(flw_store_device_list(s, &flt, &a, &total, &diag), 0);
	assert_int_equal((int64_t)json_array_size(a), total);
	snprintf(id, sizeof(id), "%s", total ? jstr(json_array_get(a, 0), "id") : "");
	json_decref(a);
	if (first)
		*first = id;
	return total;
}

/* The id prefix is a byte range, not a LIKE/GLOB pattern: '_' '%' '*' '?' match themselves. */
static void test_device_list_prefix(void **state)
{
	static const char *const ids[] = { "cam_1", "camX1", "cam.1", "cam-1",
		                           "cam:1", "cam1",  "zz_9",  "Z_1" };
	static const struct {
		const char *prefix;
		int64_t n;
		const char *first;
	} cases[] = {
		{ "cam_", 1, "cam_1" }, { "cam-", 1, "cam-1" }, { "cam.", 1, "cam.1" },
		{ "cam:", 1, "cam:1" }, { "cam", 6, "cam-1" },  { "cam1", 1, "cam1" },
		{ "zz_", 1, "zz_9" },   { "z", 1, "zz_9" },     { "Z", 1, "Z_1" },
		{ "Z_1", 1, "Z_1" },    { "_", 0, "" },         { "%", 0, "" },
		{ "cam%", 0, "" },      { "c*", 0, "" },        { "cam?", 0, "" },
		{ "\xff", 0, "" },      { "cam\xff", 0, "" },   { "", 8, "Z_1" },
	};
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	const char *first = NULL;
	size_t i;

	add_enroll_token(f->s, "fleet", 7, -1, 0, NULL);
	for (i = 0; i < FLW_ARRAY_SIZE(ids); i++)
		assert_int_equal(
		        enroll(f->s, ids[i], "cam-v2", (unsigned char)(i + 1), 7, 100, &diag), 0);
	for (i = 0; i < FLW_ARRAY_SIZE(cases); i++) {
		print_message("prefix '%s'\n", cases[i].prefix);
		assert_int_equal(count_prefix(f->s, cases[i].prefix, &first), cases[i].n);
		assert_string_equal(first, cases[i].first);
	}
}

static void test_checkin_writes_only_changes(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_checkin c;
	struct flw_device d;
	sqlite3 *db = NULL;
	json_t *attrs = json_pack("{s:s, s:s}", "os", "FleetOS", "kernel", "6.1");
	int64_t v;

	enroll_fleet(f->s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	memset(&c, 0, sizeof(c));
	c.device_id = "cam-01";
	c.installed = "fw/a.img";
	c.installed_version = "1.0";
	c.slot_active = 'A';
	c.health = "ok";
	c.attrs = attrs;
	c.now = 300;
	v = data_version(db);
	assert_int_equal(flw_store_device_checkin(f->s, &c, &diag), 0);
	assert_int_not_equal(data_version(db), v);
	/* the same again: nothing written */
	v = data_version(db);
	assert_int_equal(flw_store_device_checkin(f->s, &c, &diag), 0);
	c.now = 400;
	assert_int_equal(flw_store_device_checkin(f->s, &c, &diag), 0);
	/* absent fields leave the stored values alone */
	c.installed = NULL;
	c.installed_version = "";
	c.slot_active = 0;
	c.health = NULL;
	c.attrs = NULL;
	assert_int_equal(flw_store_device_checkin(f->s, &c, &diag), 0);
	assert_int_equal(data_version(db), v);
	/* one change: written */
	c.health = "failing";
	assert_int_equal(flw_store_device_checkin(f->s, &c, &diag), 0);
	assert_int_not_equal(data_version(db), v);
	assert_int_equal(flw_store_device_get(f->s, "cam-01", &d, &diag), 0);
	assert_string_equal(d.health, "failing");
	assert_string_equal(d.installed, "fw/a.img");
	assert_int_equal(d.slot_active, 'A');
	assert_int_equal(d.last_seen, 400);
	assert_true(json_equal(d.attrs, attrs));
	flw_device_clear(&d);
	/* unknown device; oversized attributes */
	c.device_id = "nope";
	assert_int_equal(flw_store_device_checkin(f->s, &c, &diag), FLW_ENOTFOUND);
	c.device_id = "cam-01";
	{
		char big[FLW_ATTR_VALUE_MAX + 2];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		json_object_set_new(attrs, "big", json_string(big));
		c.attrs = attrs;
		assert_int_equal(flw_store_device_checkin(f->s, &c, &diag), FLW_ELIMIT);
	}
	json_decref(attrs);
	sqlite3_close(db);
}

static void test_touch(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	const char *ids[] = { "cam-01", "gone", "cam-02" };
	time_t times[] = { 500, 500, 50 };
	struct flw_device d;

	enroll_fleet(f->s);
	assert_int_equal(flw_store_device_touch(f->s, ids, times, 3, &diag), 0);
	assert_int_equal(flw_store_device_get(f->s, "cam-01", &d, &diag), 0);
	assert_int_equal(d.last_seen, 500);
	flw_device_clear(&d);
	/* never goes back */
	assert_int_equal(flw_store_device_get(f->s, "cam-02", &d, &diag), 0);
	assert_int_equal(d.last_seen, 100);
	flw_device_clear(&d);
	assert_int_equal(flw_store_device_touch(f->s, ids, NULL, 3, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_device_touch(f->s, ids, times, FLW_STORE_TOUCH_MAX + 1, &diag),
	                 FLW_ELIMIT);
	assert_int_equal(flw_store_device_touch(f->s, NULL, NULL, 0, &diag), 0);
}

/* ---- groups ------------------------------------------------------------------------------- */

static void test_groups(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	const char *some[] = { "cam-03", "gw-01" };
	const char *bad[] = { "cam-01", "ghost" };
	json_t *a = NULL;

	enroll_fleet(f->s);
	assert_int_equal(flw_store_group_add(f->s, "edge", &AUDIT, &diag), 0);
	assert_int_equal(flw_store_group_add(f->s, "edge", &AUDIT, &diag), FLW_ECONFLICT);
	assert_int_equal(flw_store_group_set_members(f->s, "edge", some, 2, 1, &AUDIT, &diag), 0);
	assert_int_equal(flw_store_group_set_members(f->s, "edge", some, 2, 1, NULL, &diag), 0);
	/* all or nothing: cam-01 is not added when ghost is unknown */
	assert_int_equal(flw_store_group_set_members(f->s, "edge", bad, 2, 1, &AUDIT, &diag),
	                 FLW_ENOTFOUND);
	assert_non_null(strstr(diag.msg, "ghost"));
	assert_int_equal(flw_store_group_set_members(f->s, "nope", some, 2, 1, &AUDIT, &diag),
	                 FLW_ENOTFOUND);
	assert_int_equal(flw_store_group_list(f->s, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(jstr(json_array_get(a, 0), "name"), "edge");
	assert_int_equal(jint(json_array_get(a, 0), "devices"), 2);
	assert_int_equal(jint(json_array_get(a, 1), "devices"), 2); /* lab */
	json_decref(a);
	assert_int_equal(flw_store_group_set_members(f->s, "edge", some, 1, 0, &AUDIT, &diag), 0);
	assert_int_equal(flw_store_group_list(f->s, &a, &diag), 0);
	assert_int_equal(jint(json_array_get(a, 0), "devices"), 1);
	json_decref(a);
	assert_int_equal(flw_store_group_delete(f->s, "edge", &AUDIT, &diag), 0);
	assert_int_equal(flw_store_group_delete(f->s, "edge", &AUDIT, &diag), FLW_ENOTFOUND);
	assert_int_equal(audit_rows(f->s), 4 + 4); /* 4 enrollments, 4 group changes */
	/* deleting a token's group leaves the token working, without a group */
	assert_int_equal(flw_store_group_delete(f->s, "lab", NULL, &diag), 0);
	assert_int_equal(enroll(f->s, "cam-09", "cam-v2", 9, 8, 100, &diag), 0);
}

/* ---- artifacts, TUF, releases ------------------------------------------------------------- */

static void test_artifacts(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	unsigned char h[FLW_SHA256_BYTES];
	uint64_t len = 0;

	hash_of(h, 0x5a);
	assert_int_equal(flw_store_artifact_get(f->s, h, &len, &diag), FLW_ENOTFOUND);
	assert_int_equal(flw_store_artifact_add(f->s, h, 4096, &AUDIT, &diag), 0);
	assert_int_equal(flw_store_artifact_add(f->s, h, 4096, &AUDIT, &diag), 0);
	assert_int_equal(audit_rows(f->s), 1);
	assert_int_equal(flw_store_artifact_add(f->s, h, 4097, &AUDIT, &diag), FLW_ECONFLICT);
	assert_int_equal(flw_store_artifact_get(f->s, h, &len, &diag), 0);
	assert_int_equal(len, 4096);
	assert_int_equal(flw_store_artifact_add(f->s, h, UINT64_MAX, NULL, &diag), FLW_ELIMIT);
}

static void test_tuf_put_get(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_buf b;
	int64_t v = 0;

	flw_buf_init(&b, FLW_TUF_ROOT_MAX_BYTES);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_ROOT, 0, &b, &v, &diag), FLW_ENOTFOUND);
	assert_int_equal(flw_store_tuf_put(f->s, FLW_TUF_ROOT, 1, "root-1", 6, &diag), 0);
	assert_int_equal(flw_store_tuf_put(f->s, FLW_TUF_ROOT, 2, "root-2", 6, &diag), 0);
	/* immutable */
	assert_int_equal(flw_store_tuf_put(f->s, FLW_TUF_ROOT, 1, "evil-1", 6, &diag),
	                 FLW_ECONFLICT);
	assert_non_null(strstr(diag.msg, "root"));
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_ROOT, 1, &b, &v, &diag), 0);
	assert_string_equal(flw_buf_cstr(&b), "root-1");
	assert_int_equal(v, 1);
	flw_buf_reset(&b);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_ROOT, 0, &b, &v, &diag), 0);
	assert_string_equal(flw_buf_cstr(&b), "root-2");
	assert_int_equal(v, 2);
	flw_buf_reset(&b);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_TARGETS, 0, &b, &v, &diag), FLW_ENOTFOUND);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_ROOT, 3, &b, &v, &diag), FLW_ENOTFOUND);
	/* arguments and limits */
	assert_int_equal(flw_store_tuf_put(f->s, 9, 1, "x", 1, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_tuf_put(f->s, FLW_TUF_ROOT, 0, "x", 1, &diag), FLW_EINVAL);
	assert_int_equal(flw_store_tuf_put(f->s, FLW_TUF_TIMESTAMP, 1, "x",
	                                   FLW_TUF_TIMESTAMP_MAX_BYTES + 1, &diag),
	                 FLW_ELIMIT);
	flw_buf_free(&b);
	flw_buf_init(&b, 3);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_ROOT, 0, &b, &v, &diag), FLW_ELIMIT);
	flw_buf_free(&b);
}

static void test_publish_atomic(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	struct flw_release r;
	struct flw_release got;
	struct flw_buf b;
	json_t *a = NULL;
	char hex[FLW_SHA256_HEX];
	int64_t v = 0;

	add_release(f->s, 1, "fw/cam-1.1.img", 0x11, "cam-v2", "cam-v3");
	assert_int_equal(audit_rows(f->s), 1);
	/* v2 whose timestamp version 1 is taken: nothing of v2 remains */
	memset(&r, 0, sizeof(r));
	target_init(&r.target, "fw/cam-1.2.img", 0x12, "cam-v2", NULL);
	assert_int_equal(publish(f->s, 2, 2, 1, &r, &diag), FLW_ECONFLICT);
	assert_non_null(strstr(diag.msg, "timestamp"));
	flw_buf_init(&b, 1024);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_TARGETS, 0, &b, &v, &diag), 0);
	assert_int_equal(v, 1);
	assert_int_equal(flw_store_tuf_get(f->s, FLW_TUF_SNAPSHOT, 2, &b, &v, &diag),
	                 FLW_ENOTFOUND);
	flw_buf_free(&b);
	assert_int_equal(flw_store_release_get(f->s, "fw/cam-1.2.img", &got, &diag), FLW_ENOTFOUND);
	assert_int_equal(audit_rows(f->s), 1);
	/* a target name reused with other content conflicts too */
	target_init(&r.target, "fw/cam-1.1.img", 0x77, "cam-v2", NULL);
	assert_int_equal(publish(f->s, 2, 2, 2, &r, &diag), FLW_ECONFLICT);
	assert_non_null(strstr(diag.msg, "fw/cam-1.1.img"));
	/* the same release again (carried in a later targets version) is fine */
	target_init(&r.target, "fw/cam-1.1.img", 0x11, "cam-v2", "cam-v3");
	assert_int_equal(publish(f->s, 2, 2, 2, &r, &diag), 0);

	assert_int_equal(flw_store_release_get(f->s, "fw/cam-1.1.img", &got, &diag), 0);
	assert_int_equal(got.targets_version, 1);
	assert_int_equal(got.target.n_hwids, 2);
	assert_string_equal(got.target.hwids[1], "cam-v3");
	assert_int_equal(got.target.length, 1000 + 0x11);
	assert_int_equal(got.target.security_version, 3);
	assert_string_equal(got.target.version, "1.17.0");
	assert_int_equal(got.target.sha256[0], 0x11);
	assert_int_equal(flw_store_release_list(f->s, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 1);
	flw_hex_encode(hex, got.target.sha256, FLW_SHA256_BYTES);
	assert_string_equal(jstr(json_array_get(a, 0), "sha256"), hex);
	assert_string_equal(jstr(json_array_get(a, 0), "name"), "fw/cam-1.1.img");
	assert_int_equal(json_array_size(json_object_get(json_array_get(a, 0), "hardware_ids")), 2);
	assert_int_equal(jint(json_array_get(a, 0), "length"), 1000 + 0x11);
	assert_int_equal(json_object_size(json_array_get(a, 0)), 9);
	json_decref(a);
}

/* ---- deployments and reports -------------------------------------------------------------- */

static void test_deployments(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	const char *one[] = { "cam-03" };
	const char *wrong[] = { "gw-01" };
	const char *ghost[] = { "ghost" };
	struct flw_action act;
	int64_t d1 = 0;
	int64_t d2 = 0;
	json_t *o = NULL;
	json_t *a = NULL;

	enroll_fleet(f->s);
	add_release(f->s, 1, "fw/cam-1.1.img", 0x11, "cam-v1", "cam-v2");
	add_release(f->s, 2, "fw/cam-1.2.img", 0x12, "cam-v1", "cam-v2");
	/* refusals, each naming the culprit */
	assert_int_equal(flw_store_deployment_create(f->s, "fw/none.img", one, 1, NULL, 1000,
	                                             &AUDIT, &d1, &diag),
	                 FLW_ENOTFOUND);
	assert_non_null(strstr(diag.msg, "fw/none.img"));
	assert_int_equal(flw_store_deployment_create(f->s, "fw/cam-1.1.img", ghost, 1, NULL, 1000,
	                                             &AUDIT, &d1, &diag),
	                 FLW_ENOTFOUND);
	assert_non_null(strstr(diag.msg, "ghost"));
	assert_int_equal(flw_store_deployment_create(f->s, "fw/cam-1.1.img", NULL, 0, "nogroup",
	                                             1000, &AUDIT, &d1, &diag),
	                 FLW_ENOTFOUND);
	assert_non_null(strstr(diag.msg, "nogroup"));
	assert_int_equal(flw_store_deployment_create(f->s, "fw/cam-1.1.img", wrong, 1, "lab", 1000,
	                                             &AUDIT, &d1, &diag),
	                 FLW_EINCOMPAT);
	assert_non_null(strstr(diag.msg, "gw-01"));
	assert_int_equal(flw_store_deployment_create(f->s, "fw/cam-1.1.img", NULL, 0, NULL, 1000,
	                                             &AUDIT, &d1, &diag),
	                 FLW_EINVAL);
	assert_int_equal(audit_rows(f->s), 4 + 2); /* 4 enrollments, 2 publishes */
	/* devices + group (lab = cam-01, cam-02) */
	assert_int_equal(flw_store_deployment_create(f->s, "fw/cam-1.1.img", one, 1, "lab", 1000,
	                                             &AUDIT, &d1, &diag),
	                 0);
	assert_true(d1 > 0);
	assert_int_equal(audit_rows(f->s), 4 + 2 + 1);
	assert_int_equal(flw_store_action_next(f->s, "cam-01", &act, &diag), 0);
	assert_int_equal(act.deployment_id, d1);
	assert_int_equal(act.state, FLW_ST_PENDING);
	assert_string_equal(act.target.name, "fw/cam-1.1.img");
	assert_int_equal(act.target.n_hwids, 2);
	assert_int_equal(flw_store_action_next(f->s, "gw-01", &act, &diag), FLW_ENOTFOUND);
	assert_int_equal(flw_store_deployment_get(f->s, d1, &o, &diag), 0);
	assert_string_equal(jstr(o, "release"), "fw/cam-1.1.img");
	assert_string_equal(jstr(o, "created_by"), "token:ops");
	assert_int_equal(jint(o, "created"), 1000);
	assert_int_equal(json_array_size(json_object_get(o, "devices")), 3);
	assert_int_equal(jint(json_object_get(o, "counts"), "pending"), 3);
	assert_int_equal(jint(json_object_get(o, "counts"), "success"), 0);
	assert_true(json_is_false(json_object_get(o, "done")));
	assert_null(json_object_get(o, "canceled"));
	json_decref(o);
	/* a newer deployment supersedes the older unfinished action */
	assert_int_equal(flw_store_deployment_create(f->s, "fw/cam-1.2.img", one, 1, NULL, 1100,
	                                             NULL, &d2, &diag),
	                 0);
	expect_action(f->s, d1, "cam-03", "canceled");
	expect_action(f->s, d1, "cam-01", "pending");
	assert_int_equal(flw_store_action_next(f->s, "cam-03", &act, &diag), 0);
	assert_int_equal(act.deployment_id, d2);
	assert_string_equal(act.target.name, "fw/cam-1.2.img");
	/* listing: newest first, devices as a count */
	assert_int_equal(flw_store_deployment_list(f->s, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 2);
	assert_int_equal(jint(json_array_get(a, 0), "id"), d2);
	assert_int_equal(jint(json_array_get(a, 0), "devices"), 1);
	assert_string_equal(jstr(json_array_get(a, 0), "created_by"), "system");
	assert_int_equal(jint(json_object_get(json_array_get(a, 1), "counts"), "canceled"), 1);
	assert_int_equal(json_object_size(json_array_get(a, 1)), 7);
	json_decref(a);
	/* cancel */
	assert_int_equal(flw_store_deployment_cancel(f->s, d1, &AUDIT, &diag), 0);
	assert_int_equal(flw_store_deployment_cancel(f->s, 999, &AUDIT, &diag), FLW_ENOTFOUND);
	assert_int_equal(flw_store_action_next(f->s, "cam-01", &act, &diag), FLW_ENOTFOUND);
	assert_int_equal(flw_store_deployment_get(f->s, d1, &o, &diag), 0);
	assert_true(json_is_true(json_object_get(o, "done")));
	assert_int_equal(jint(json_object_get(o, "counts"), "canceled"), 3);
	json_decref(o);
	assert_int_equal(flw_store_deployment_get(f->s, 999, &o, &diag), FLW_ENOTFOUND);
}

static struct flw_report rep(int64_t seq, int64_t dep, int st, const char *detail)
{
	struct flw_report r;

	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.deployment_id = dep;
	r.state = st;
	snprintf(r.detail, sizeof(r.detail), "%s", detail);
	r.at = 1000 + seq;
	return r;
}

static void test_reports(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	const char *one[] = { "cam-01" };
	struct flw_report r[4];
	struct flw_device d;
	int64_t dep = 0;
	int64_t acked = -1;
	json_t *h = NULL;

	enroll_fleet(f->s);
	add_release(f->s, 1, "fw/cam-1.1.img", 0x11, "cam-v2", NULL);
	assert_int_equal(flw_store_deployment_create(f->s, "fw/cam-1.1.img", one, 1, NULL, 1000,
	                                             NULL, &dep, &diag),
	                 0);
	r[0] = rep(1, dep, FLW_ST_DOWNLOADING, "");
	r[1] = rep(2, dep, FLW_ST_DOWNLOADED, "sha256 ok");
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, 2, 2000, &acked, &diag), 0);
	assert_int_equal(acked, 2);
	expect_action(f->s, dep, "cam-01", "downloaded");
	/* resend: duplicates skipped, acked unchanged, no new history */
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, 2, 2001, &acked, &diag), 0);
	assert_int_equal(acked, 2);
	assert_int_equal(flw_store_device_history(f->s, "cam-01", 0, &h, &diag), 0);
	assert_int_equal(json_array_size(h), 2);
	assert_int_equal(jint(json_array_get(h, 0), "seq"), 2);
	assert_string_equal(jstr(json_array_get(h, 0), "state"), "downloaded");
	assert_string_equal(jstr(json_array_get(h, 0), "detail"), "sha256 ok");
	assert_int_equal(jint(json_array_get(h, 0), "deployment"), dep);
	assert_int_equal(jint(json_array_get(h, 0), "at"), 1002);
	assert_int_equal(jint(json_array_get(h, 0), "received"), 2000);
	assert_int_equal(json_object_size(json_array_get(h, 0)), 6);
	json_decref(h);
	/* a stale, lower-ranked report arriving late is recorded but does not regress */
	r[0] = rep(3, dep, FLW_ST_DOWNLOADING, "late");
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, 1, 2002, &acked, &diag), 0);
	assert_int_equal(acked, 3);
	expect_action(f->s, dep, "cam-01", "downloaded");
	/* terminal is sticky */
	r[0] = rep(4, dep, FLW_ST_INSTALLING, "");
	r[1] = rep(5, dep, FLW_ST_FAILURE, "disk full");
	r[2] = rep(6, dep, FLW_ST_SUCCESS, "");
	r[3] = rep(7, dep, FLW_ST_BOOTED, "");
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, 4, 2003, &acked, &diag), 0);
	assert_int_equal(acked, 7);
	expect_action(f->s, dep, "cam-01", "failure");
	assert_int_equal(flw_store_device_history(f->s, "cam-01", 2, &h, &diag), 0);
	assert_int_equal(json_array_size(h), 2);
	assert_int_equal(jint(json_array_get(h, 0), "seq"), 7);
	json_decref(h);
	/* the finished action is no longer next; the device records last_seq */
	{
		struct flw_action act;

		assert_int_equal(flw_store_action_next(f->s, "cam-01", &act, &diag), FLW_ENOTFOUND);
	}
	assert_int_equal(flw_store_device_get(f->s, "cam-01", &d, &diag), 0);
	assert_int_equal(d.last_seq, 7);
	assert_int_equal(d.last_seen, 2003);
	flw_device_clear(&d);
	/* n = 0 tells the acked seq; a report for a deployment the device is not in is only
	 * recorded */
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", NULL, 0, 2004, &acked, &diag), 0);
	assert_int_equal(acked, 7);
	r[0] = rep(8, dep + 50, FLW_ST_SUCCESS, "");
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, 1, 2005, &acked, &diag), 0);
	assert_int_equal(acked, 8);
	/* errors */
	assert_int_equal(flw_store_reports_apply(f->s, "ghost", r, 1, 2005, &acked, &diag),
	                 FLW_ENOTFOUND);
	r[0] = rep(9, dep, 42, "");
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, 1, 2005, &acked, &diag),
	                 FLW_EINVAL);
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, FLW_REPORTS_MAX + 1, 2005,
	                                         &acked, &diag),
	                 FLW_ELIMIT);
	assert_int_equal(acked, 8);
}

/* Rows and lowest seq of the stored history of dev in deployment dep, read from the file */
static void stored_history(const char *path, const char *dev, int64_t dep, int64_t *rows,
                           int64_t *min_seq)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT COUNT(*), COALESCE(MIN(seq), 0) FROM reports"
	                                    " WHERE device = ?1 AND deployment_id = ?2",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, dep);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	*rows = sqlite3_column_int64(st, 0);
	*min_seq = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* At most 1000 history rows per device and deployment; the newest are kept and the action's
 * state and the acknowledged seq still advance past the bound. */
static void test_history_bound(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	const char *one[] = { "cam-01" };
	struct flw_report r[FLW_REPORTS_MAX];
	int64_t dep = 0;
	int64_t acked = 0;
	int64_t seq = 0;
	int64_t rows = 0;
	int64_t min_seq = 0;
	json_t *h = NULL;
	size_t k;

	enroll_fleet(f->s);
	add_release(f->s, 1, "fw/cam-1.1.img", 0x11, "cam-v2", NULL);
	assert_int_equal(flw_store_deployment_create(f->s, "fw/cam-1.1.img", one, 1, NULL, 1000,
	                                             NULL, &dep, &diag),
	                 0);
	/* 1005 reports in batches that each end with a resend (a skipped duplicate) */
	while (seq < 1005) {
		for (k = 0; k + 1 < FLW_ARRAY_SIZE(r) && seq < 1005; k++) {
			seq++;
			r[k] = rep(seq, dep, seq < 1004 ? FLW_ST_DOWNLOADING : FLW_ST_DOWNLOADED,
			           "");
		}
		r[k++] = rep(1, dep, FLW_ST_DOWNLOADING, "resent");
		assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, k, 2000, &acked, &diag),
		                 0);
		assert_int_equal(acked, seq);
	}
	expect_action(f->s, dep, "cam-01", "downloaded");
	stored_history(f->path, "cam-01", dep, &rows, &min_seq);
	assert_int_equal(rows, 1000);
	assert_int_equal(min_seq, 6);
	/* a mixed batch: the bound holds per deployment, the state advances */
	r[0] = rep(1006, dep, FLW_ST_INSTALLING, "");
	r[1] = rep(1007, 0, FLW_ST_DOWNLOADING, "not tied to a deployment");
	r[2] = rep(1008, dep, FLW_ST_SUCCESS, "done");
	assert_int_equal(flw_store_reports_apply(f->s, "cam-01", r, 3, 2001, &acked, &diag), 0);
	assert_int_equal(acked, 1008);
	expect_action(f->s, dep, "cam-01", "success");
	stored_history(f->path, "cam-01", dep, &rows, &min_seq);
	assert_int_equal(rows, 1000);
	assert_int_equal(min_seq, 8);
	stored_history(f->path, "cam-01", 0, &rows, &min_seq);
	assert_int_equal(rows, 1);
	assert_int_equal(flw_store_device_history(f->s, "cam-01", 2, &h, &diag), 0);
	assert_int_equal(json_array_size(h), 2);
	assert_int_equal(jint(json_array_get(h, 0), "seq"), 1008);
	assert_string_equal(jstr(json_array_get(h, 0), "detail"), "done");
	assert_int_equal(jint(json_array_get(h, 1), "deployment"), 0);
	json_decref(h);
	/* another device's history is its own */
	r[0] = rep(1, dep, FLW_ST_DOWNLOADING, "");
	assert_int_equal(flw_store_reports_apply(f->s, "cam-02", r, 1, 2002, &acked, &diag), 0);
	stored_history(f->path, "cam-02", dep, &rows, &min_seq);
	assert_int_equal(rows, 1);
}

/* ---- concurrency, fail-stop --------------------------------------------------------------- */

static void test_second_connection(void **state)
{
	struct fx *f = *state;
	struct flw_store *s2 = NULL;
	struct flw_diag diag = { 0 };
	json_t *a = NULL;

	assert_int_equal(flw_store_open(&s2, f->path, &diag), 0);
	assert_int_equal(flw_store_schema_version(s2), flw_store_schema_version(f->s));
	/* read on both first, so that a stale snapshot would show */
	assert_int_equal(flw_store_group_list(f->s, &a, &diag), 0);
	json_decref(a);
	assert_int_equal(flw_store_group_list(s2, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	assert_int_equal(flw_store_group_add(f->s, "one", NULL, &diag), 0);
	assert_int_equal(flw_store_group_list(s2, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	assert_int_equal(flw_store_group_add(s2, "two", NULL, &diag), 0);
	assert_int_equal(flw_store_group_add(f->s, "two", NULL, &diag), FLW_ECONFLICT);
	assert_int_equal(flw_store_group_list(f->s, &a, &diag), 0);
	assert_int_equal(json_array_size(a), 2);
	json_decref(a);
	flw_store_close(s2);
}

static void test_busy_is_not_fatal(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(flw_store_group_add(f->s, "x", NULL, &diag), FLW_ESTORE);
	assert_non_null(strstr(diag.msg, "busy"));
	assert_int_equal(flw_store_failed(f->s), 0);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(flw_store_group_add(f->s, "x", NULL, &diag), 0);
}

static void test_corruption_is_fatal(void **state)
{
	struct fx *f = *state;
	struct flw_diag diag = { 0 };
	unsigned char junk[4096 * 8];
	char name[32];
	json_t *a = NULL;
	struct stat sb;
	int fd;
	int i;
	int rc;

	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "group-%04d-padding-padding", i);
		assert_int_equal(flw_store_group_add(f->s, name, NULL, &diag), 0);
	}
	flw_store_close(f->s); /* the last connection checkpoints: pages are in the main file */
	f->s = NULL;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_true(sb.st_size > (off_t)(2 * sizeof(junk)));
	memset(junk, 0xee, sizeof(junk));
	fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), sb.st_size - (off_t)sizeof(junk)),
	                 (ssize_t)sizeof(junk));
	close(fd);
	assert_int_equal(flw_store_open(&f->s, f->path, &diag), 0);
	assert_int_equal(flw_store_failed(f->s), 0);
	rc = flw_store_group_list(f->s, &a, &diag);
	assert_true(rc == FLW_ESTORE || rc == FLW_EIO);
	assert_int_equal(flw_store_failed(f->s), 1);
	/* fail-stop: everything is refused from now on */
	assert_int_equal(flw_store_setting_set(f->s, "k", "v", &diag), FLW_ESTORE);
	assert_non_null(strstr(diag.msg, "fail-stop"));
}

/* ---- allocation failures ------------------------------------------------------------------ */

struct torture {
	const char *dir;
	unsigned run;
};

static int torture_op(void *payload)
{
	struct torture *t = payload;
	struct flw_store *s = NULL;
	struct flw_diag diag = { 0 };
	struct flw_report r[2];
	struct flw_checkin c;
	json_t *attrs = NULL;
	json_t *l = NULL;
	char *path = flw_asprintf("%s/t%u.db", t->dir, t->run++);
	int64_t acked = 0;
	int rc = FLW_ENOMEM;

	if (!path)
		return FLW_ENOMEM;
	if ((rc = flw_store_open(&s, path, &diag)) != 0)
		goto out;
	{
		struct flw_enroll_token tok;

		memset(&tok, 0, sizeof(tok));
		snprintf(tok.name, sizeof(tok.name), "t");
		hash_of(tok.hash, 1);
		tok.uses_left = 2;
		if ((rc = flw_store_enroll_token_add(s, &tok, &AUDIT, NULL, &diag)) != 0)
			goto out;
	}
	if ((rc = enroll(s, "dev-1", "hw", 1, 1, 100, &diag)) != 0)
		goto out;
	r[0] = rep(1, 0, FLW_ST_DOWNLOADING, "");
	r[1] = rep(2, 0, FLW_ST_DOWNLOADED, "x");
	if ((rc = flw_store_reports_apply(s, "dev-1", r, 2, 200, &acked, &diag)) != 0)
		goto out;
	memset(&c, 0, sizeof(c));
	c.device_id = "dev-1";
	c.health = "ok";
	attrs = json_object(); /* jansson's allocator may not be ours: an empty object */
	c.attrs = attrs;
	if ((rc = flw_store_device_checkin(s, &c, &diag)) != 0)
		goto out;
	if ((rc = flw_store_device_list(s, NULL, &l, NULL, &diag)) != 0)
		goto out;
	rc = acked == 2 && json_array_size(l) == 1 ? 0 : FLW_EFORMAT;
out:
	json_decref(l);
	json_decref(attrs);
	flw_store_close(s);
	flw_free(path);
	return rc;
}

/* Every allocation of open (with migrations) + enroll + report + check-in + list fails once.
 * The files go to /dev/shm when there is one: the runs then cost CPU, not thousands of fsyncs. */
static void test_alloc_failures(void **state)
{
	struct fx *f = *state;
	char shm[] = "/dev/shm/flwunit.XXXXXX";
	struct torture t = { f->dir, 0 };
	unsigned long n;
	unsigned runs;

	if (access("/dev/shm", W_OK) == 0 && mkdtemp(shm))
		t.dir = shm;
	flw_alloc_fail_at(0, 0);
	assert_int_equal(torture_op(&t), 0);
	n = flw_alloc_count();
	runs = flw_test_torture(torture_op, &t, (unsigned)n + 100);
	print_message("allocation failures: %u runs over %lu allocations\n", runs, n);
	assert_true(runs > 1);
	if (t.dir == shm)
		flw_test_rmrf(shm);
}

int flw_test_store_vuln(void); /* test_store_vuln.c */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_migrate_reopen, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_settings, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_audit, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_api_tokens, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_enroll, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_device_list, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_device_list_prefix, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_checkin_writes_only_changes, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_touch, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_groups, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_artifacts, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_tuf_put_get, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_publish_atomic, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_deployments, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_reports, store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_history_bound, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_second_connection, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_busy_is_not_fatal, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_corruption_is_fatal, store_fx_setup,
		                                store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures, store_fx_setup,
		                                store_fx_teardown),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + flw_test_store_vuln();
}
