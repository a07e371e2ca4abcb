/* store/store.c - public entry points of the store: check arguments, then dispatch to the backend
 *
 * Every flw_store_* function checks its arguments here (FLW_EINVAL for NULLs, bad ids, bad enum
 * values; FLW_ELIMIT for strings longer than the struct fields or the stated limits and for
 * oversized counts), refuses everything after a fatal backend error (fail-stop, see
 * store_impl.h), normalises listing limits, and then calls the backend through s->ops. No SQL
 * here: that lives in store_<backend>.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/feed.h"
#include "fleetward/json.h"
#include "fleetward/protocol.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"
#include "store/store_impl.h"
#include "vuln/feed_private.h" /* flw_feed__cve_id_ok: one definition of a CVE id's shape */

/* ---- backends ------------------------------------------------------------------------------ */

struct backend {
	const char *scheme; /* URI prefix including ':' */
	int (*open)(struct flw_store **out, const char *target, struct flw_diag *diag);
};

static const struct backend backends[] = {
	{ "sqlite:", flw_store__sqlite_open },
};

static const char *const role_names[_FLW_TUF_ROLE_MAX] = {
	[FLW_TUF_ROOT] = "root",
	[FLW_TUF_TARGETS] = "targets",
	[FLW_TUF_SNAPSHOT] = "snapshot",
	[FLW_TUF_TIMESTAMP] = "timestamp",
};

static const size_t role_max_bytes[_FLW_TUF_ROLE_MAX] = {
	[FLW_TUF_ROOT] = FLW_TUF_ROOT_MAX_BYTES,
	[FLW_TUF_TARGETS] = FLW_TUF_TARGETS_MAX_BYTES,
	[FLW_TUF_SNAPSHOT] = FLW_TUF_SNAPSHOT_MAX_BYTES,
	[FLW_TUF_TIMESTAMP] = FLW_TUF_TIMESTAMP_MAX_BYTES,
};

const char *flw_store__role_name(int role)
{
	return role >= 0 && role < _FLW_TUF_ROLE_MAX ? role_names[role] : NULL;
}

size_t flw_store__role_max_bytes(int role)
{
	return role >= 0 && role < _FLW_TUF_ROLE_MAX ? role_max_bytes[role] : 0;
}

void flw_store__fatal(struct flw_store *s)
{
	s->failed = 1;
}

int flw_store_failed(const struct flw_store *s)
{
	return s && s->failed ? 1 : 0;
}

/* ---- argument checks ------------------------------------------------------------------------ */

static int bad(struct flw_diag *diag, const char *what)
{
	return flw_diag_set(diag, FLW_EINVAL, what, "invalid argument '%s'", what);
}

/* s usable? (NULL or failed stores are refused) */
static int usable(const struct flw_store *s, struct flw_diag *diag)
{
	if (!s)
		return bad(diag, "store");
	if (s->failed)
		return flw_diag_set(diag, FLW_ESTORE, NULL,
		                    "store stopped after a fatal I/O error (fail-stop)");
	return 0;
}

/* The caller's single output */
static int out_arg(const void *out, struct flw_diag *diag)
{
	return out ? 0 : bad(diag, "out");
}

/* s usable and the caller's single output present */
static int usable_out(const struct flw_store *s, const void *out, struct flw_diag *diag)
{
	int rc = usable(s, diag);

	return rc != 0 ? rc : out_arg(out, diag);
}

/* A NUL-terminated string of at most max bytes */
static int str_arg(const char *v, size_t max, const char *what, struct flw_diag *diag)
{
	if (!v)
		return bad(diag, what);
	if (strnlen(v, max + 1) > max)
		return flw_diag_set(diag, FLW_ELIMIT, what, "'%s' longer than %zu bytes", what,
		                    max);
	return 0;
}

/* An identifier (device id, group name, token name) */
static int id_arg(const char *v, const char *what, struct flw_diag *diag)
{
	int rc = str_arg(v, FLW_ID_MAX, what, diag);

	if (rc != 0)
		return rc;
	if (!flw_id_ok(v))
		return flw_diag_set(diag, FLW_EINVAL, what, "invalid %s '%s'", what, v);
	return 0;
}

/* A char array field of a caller's struct must hold its NUL terminator */
static int field_arg(const char *field, size_t size, const char *what, struct flw_diag *diag)
{
	if (!memchr(field, 0, size))
		return flw_diag_set(diag, FLW_ELIMIT, what, "'%s' not terminated within %zu bytes",
		                    what, size);
	return 0;
}

/* String members of the callers' structs are checked from tables of struct str_member. */
enum {
	ARG_PTR = 1 << 0,      /* a `const char *` member; else a char array member */
	ARG_NULL_OK = 1 << 1,  /* a NULL pointer means "not given" */
	ARG_EMPTY_OK = 1 << 2, /* "" means "not given": no further checks */
	ARG_ID = 1 << 3,       /* must pass flw_id_ok() */
	ARG_NONEMPTY = 1 << 4,
};

struct str_member {
	size_t off;
	size_t max; /* longest string; for a char array its size - 1 */
	unsigned flags;
	const char *what;
};

#define PTR_MEMBER(type, m, max, flags, what)                     \
	{                                                         \
		offsetof(type, m), (max), ARG_PTR | (flags), what \
	}
#define ARR_MEMBER(type, m, flags, what)                                     \
	{                                                                    \
		offsetof(type, m), sizeof(((type *)0)->m) - 1, (flags), what \
	}

static int member_arg(const void *obj, const struct str_member *m, struct flw_diag *diag)
{
	const char *v = (const char *)obj + m->off;
	int rc;

	if (m->flags & ARG_PTR) {
		v = *(const char *const *)(const void *)v;
		if (!v && (m->flags & ARG_NULL_OK))
			return 0;
		rc = str_arg(v, m->max, m->what, diag);
	} else {
		rc = field_arg(v, m->max + 1, m->what, diag);
	}
	if (rc != 0 || (!v[0] && (m->flags & ARG_EMPTY_OK)))
		return rc;
	if (m->flags & ARG_ID)
		return id_arg(v, m->what, diag);
	if (!v[0] && (m->flags & ARG_NONEMPTY))
		return bad(diag, m->what);
	return 0;
}

static int members_arg(const void *obj, const struct str_member *m, size_t n, struct flw_diag *diag)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = member_arg(obj, &m[i], diag)) != 0)
			return rc;
	return 0;
}

static const struct str_member audit_members[] = {
	PTR_MEMBER(struct flw_audit, actor, FLW_AUDIT_ACTOR_MAX, 0, "audit.actor"),
	PTR_MEMBER(struct flw_audit, action, FLW_AUDIT_ACTION_MAX, 0, "audit.action"),
	PTR_MEMBER(struct flw_audit, object, FLW_AUDIT_OBJECT_MAX, 0, "audit.object"),
	PTR_MEMBER(struct flw_audit, detail, FLW_AUDIT_DETAIL_MAX, ARG_NULL_OK, "audit.detail"),
};

/* The audit record of a changing call is optional */
static int audit_arg(const struct flw_audit *a, struct flw_diag *diag)
{
	return a ? members_arg(a, audit_members, FLW_ARRAY_SIZE(audit_members), diag) : 0;
}

/* The common head of a change described by a caller's struct obj: usable store, obj given, its
 * string members m[n] and the audit record valid. */
static int object_arg(const struct flw_store *s, const void *obj, const char *what,
                      const struct str_member *m, size_t n, const struct flw_audit *audit,
                      struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0)
		return rc;
	if (!obj)
		return bad(diag, what);
	if ((rc = members_arg(obj, m, n, diag)) != 0)
		return rc;
	return audit_arg(audit, diag);
}

/* The common head of a change identified by name: usable store, valid name and audit. */
static int named_change_arg(const struct flw_store *s, const char *name, const char *what,
                            const struct flw_audit *audit, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = id_arg(name, what, diag)) != 0)
		return rc;
	return audit_arg(audit, diag);
}

static int ids_arg(const char *const *ids, size_t n, size_t max, const char *what,
                   struct flw_diag *diag)
{
	size_t i;
	int rc;

	if (n > max)
		return flw_diag_set(diag, FLW_ELIMIT, what, "%zu %s, at most %zu", n, what, max);
	if (n && !ids)
		return bad(diag, what);
	for (i = 0; i < n; i++)
		if ((rc = id_arg(ids[i], what, diag)) != 0)
			return rc;
	return 0;
}

/* Creation and expiry times of a token (0 = now / never) */
static int times_arg(time_t created, time_t expires, struct flw_diag *diag)
{
	return expires < 0 || created < 0 ? bad(diag, "expires") : 0;
}

static unsigned list_limit(unsigned limit)
{
	if (limit == 0)
		return FLW_STORE_LIST_DEFAULT;
	return limit > FLW_STORE_LIST_MAX ? FLW_STORE_LIST_MAX : limit;
}

static const struct str_member target_members[] = {
	ARR_MEMBER(struct flw_tuf_target, name, ARG_NONEMPTY, "target.name"),
	ARR_MEMBER(struct flw_tuf_target, version, 0, "target.version"),
};

static int target_arg(const struct flw_tuf_target *t, struct flw_diag *diag)
{
	unsigned i;
	int rc;

	if ((rc = members_arg(t, target_members, FLW_ARRAY_SIZE(target_members), diag)) != 0)
		return rc;
	if (t->n_hwids > FLW_TUF_MAX_HWIDS)
		return flw_diag_set(diag, FLW_ELIMIT, "target.hardware_ids",
		                    "%u hardware ids, at most %d", t->n_hwids, FLW_TUF_MAX_HWIDS);
	if (t->length > INT64_MAX || t->security_version > INT64_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "target.length", "value out of range");
	for (i = 0; i < t->n_hwids; i++) {
		if ((rc = field_arg(t->hwids[i], sizeof(t->hwids[i]), "target.hardware_ids",
		                    diag)) != 0)
			return rc;
		if (!t->hwids[i][0])
			return bad(diag, "target.hardware_ids");
	}
	return 0;
}

/* The smallest string above every string that starts with prefix, for the range
 * "prefix <= id < end" under a byte-wise collation (SQLite BINARY, PostgreSQL COLLATE "C"):
 * no LIKE or GLOB pattern, so '_', '%', '*' and '?' in a prefix are plain bytes. */
int flw_store__prefix_end(const char *prefix, char end[FLW_ID_MAX + 1])
{
	size_t n = strnlen(prefix, FLW_ID_MAX);

	memcpy(end, prefix, n);
	while (n > 0 && (unsigned char)end[n - 1] == 0xff)
		n--; /* no byte above 0xff: carry into the one before */
	if (n > 0)
		end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	end[n] = '\0';
	return n > 0;
}

/* ---- open/close ----------------------------------------------------------------------------- */

int flw_store_open(struct flw_store **out, const char *uri, struct flw_diag *diag)
{
	struct flw_store *s = NULL;
	const char *target = uri;
	size_t i;
	int rc;

	if (!out)
		return bad(diag, "out");
	if ((rc = str_arg(uri, FLW_STORE_URI_MAX, "uri", diag)) != 0)
		return rc;
	for (i = 0; i < FLW_ARRAY_SIZE(backends); i++) {
		size_t n = strlen(backends[i].scheme);

		if (strncmp(uri, backends[i].scheme, n) == 0) {
			target = uri + n;
			break;
		}
	}
	if (i == FLW_ARRAY_SIZE(backends)) {
		if (strstr(uri, "://"))
			return flw_diag_set(diag, FLW_EINVAL, "uri",
			                    "unsupported store '%s' (this build has: sqlite)", uri);
		i = 0; /* a plain path: SQLite */
	}
	if (!target[0])
		return bad(diag, "uri");
	rc = backends[i].open(&s, target, diag);
	if (rc != 0)
		return rc;
	if (!FLW_ALWAYS(s->ops && s->ops->version == FLW_STORE_OPS_VERSION)) {
		flw_store_close(s);
		return flw_diag_set(diag, FLW_ESTORE, NULL,
		                    "store backend has a wrong ops version");
	}
	*out = s;
	return 0;
}

void flw_store_close(struct flw_store *s)
{
	if (s)
		s->ops->close(s);
}

int flw_store_schema_version(struct flw_store *s)
{
	if (!s)
		return FLW_EINVAL;
	return s->ops->schema_version(s);
}

/* ---- settings, audit ------------------------------------------------------------------------ */

int flw_store_setting_get(struct flw_store *s, const char *key, struct flw_buf *out,
                          struct flw_diag *diag)
{
	int rc;

	if ((rc = usable_out(s, out, diag)) != 0 ||
	    (rc = str_arg(key, FLW_STORE_SETTING_KEY_MAX, "key", diag)) != 0)
		return rc;
	if (!key[0])
		return bad(diag, "key");
	return s->ops->setting_get(s, key, out, diag);
}

int flw_store_setting_set(struct flw_store *s, const char *key, const char *value,
                          struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 ||
	    (rc = str_arg(key, FLW_STORE_SETTING_KEY_MAX, "key", diag)) != 0 ||
	    (rc = str_arg(value, FLW_STORE_SETTING_VALUE_MAX, "value", diag)) != 0)
		return rc;
	if (!key[0])
		return bad(diag, "key");
	return s->ops->setting_set(s, key, value, diag);
}

int flw_store_audit_append(struct flw_store *s, const struct flw_audit *a, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0)
		return rc;
	if (!a)
		return bad(diag, "audit");
	if ((rc = audit_arg(a, diag)) != 0)
		return rc;
	return s->ops->audit_append(s, a, diag);
}

int flw_store_audit_list(struct flw_store *s, int64_t before_id, unsigned limit, json_t **out,
                         struct flw_diag *diag)
{
	int rc;

	if ((rc = usable_out(s, out, diag)) != 0)
		return rc;
	if (before_id < 0)
		return bad(diag, "before_id");
	return s->ops->audit_list(s, before_id, list_limit(limit), out, diag);
}

/* ---- API tokens ----------------------------------------------------------------------------- */

static const struct str_member api_token_members[] = {
	ARR_MEMBER(struct flw_api_token, name, ARG_ID, "name"),
};

int flw_store_api_token_add(struct flw_store *s, const struct flw_api_token *t,
                            const struct flw_audit *audit, int64_t *id_out, struct flw_diag *diag)
{
	int rc = object_arg(s, t, "token", api_token_members, FLW_ARRAY_SIZE(api_token_members),
	                    audit, diag);

	if (rc != 0)
		return rc;
	if (t->role < 0 || t->role >= _FLW_ROLE_MAX)
		return bad(diag, "role");
	if ((rc = times_arg(t->created, t->expires, diag)) != 0)
		return rc;
	return s->ops->api_token_add(s, t, audit, id_out, diag);
}

int flw_store_api_token_find(struct flw_store *s, const unsigned char hash[FLW_SHA256_BYTES],
                             struct flw_api_token *out, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0)
		return rc;
	if (!hash || !out)
		return bad(diag, hash ? "out" : "hash");
	return s->ops->api_token_find(s, hash, out, diag);
}

int flw_store_api_token_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	return rc != 0 ? rc : s->ops->api_token_list(s, out, diag);
}

int flw_store_api_token_revoke(struct flw_store *s, const char *name, const struct flw_audit *audit,
                               struct flw_diag *diag)
{
	int rc = named_change_arg(s, name, "name", audit, diag);

	return rc != 0 ? rc : s->ops->api_token_revoke(s, name, audit, diag);
}

int flw_store_api_token_count(struct flw_store *s, int64_t *out, struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	return rc != 0 ? rc : s->ops->api_token_count(s, out, diag);
}

/* ---- enrollment tokens ---------------------------------------------------------------------- */

static const struct str_member enroll_token_members[] = {
	ARR_MEMBER(struct flw_enroll_token, name, ARG_ID, "name"),
	ARR_MEMBER(struct flw_enroll_token, group, ARG_EMPTY_OK | ARG_ID, "group"),
};

int flw_store_enroll_token_add(struct flw_store *s, const struct flw_enroll_token *t,
                               const struct flw_audit *audit, int64_t *id_out,
                               struct flw_diag *diag)
{
	int rc = object_arg(s, t, "token", enroll_token_members,
	                    FLW_ARRAY_SIZE(enroll_token_members), audit, diag);

	if (rc != 0)
		return rc;
	if (t->uses_left < -1)
		return bad(diag, "uses_left");
	if ((rc = times_arg(t->created, t->expires, diag)) != 0)
		return rc;
	return s->ops->enroll_token_add(s, t, audit, id_out, diag);
}

int flw_store_enroll_token_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	return rc != 0 ? rc : s->ops->enroll_token_list(s, out, diag);
}

int flw_store_enroll_token_revoke(struct flw_store *s, const char *name,
                                  const struct flw_audit *audit, struct flw_diag *diag)
{
	int rc = named_change_arg(s, name, "name", audit, diag);

	return rc != 0 ? rc : s->ops->enroll_token_revoke(s, name, audit, diag);
}

/* ---- devices -------------------------------------------------------------------------------- */

void flw_device_clear(struct flw_device *d)
{
	if (!d)
		return;
	json_decref(d->attrs);
	json_decref(d->groups);
	d->attrs = NULL;
	d->groups = NULL;
}

static int attrs_arg(const json_t *attrs, struct flw_diag *diag)
{
	const char *k;
	json_t *v;

	if (!json_is_object(attrs))
		return flw_diag_set(diag, FLW_EINVAL, "attributes", "attributes must be an object");
	if (json_object_size(attrs) > FLW_ATTRS_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "attributes", "more than %d attributes",
		                    FLW_ATTRS_MAX);
	json_object_foreach((json_t *)attrs, k, v)
	{
		if (strlen(k) > FLW_ID_MAX)
			return flw_diag_set(diag, FLW_ELIMIT, "attributes",
			                    "attribute name longer than %d bytes", FLW_ID_MAX);
		if (json_is_string(v) && json_string_length(v) > FLW_ATTR_VALUE_MAX)
			return flw_diag_set(diag, FLW_ELIMIT, "attributes",
			                    "attribute '%s' longer than %d bytes", k,
			                    FLW_ATTR_VALUE_MAX);
		if (json_is_object(v) || json_is_array(v))
			return flw_diag_set(diag, FLW_EINVAL, "attributes",
			                    "attribute '%s' must be a scalar", k);
	}
	return 0;
}

/* 0, 'A' or 'B' */
static int slot_arg(char slot, struct flw_diag *diag)
{
	return slot != 0 && slot != 'A' && slot != 'B' ? bad(diag, "slot_active") : 0;
}

static const struct str_member device_members[] = {
	ARR_MEMBER(struct flw_device, id, ARG_ID, "device_id"),
	ARR_MEMBER(struct flw_device, hwid, ARG_NONEMPTY, "hardware_id"),
	ARR_MEMBER(struct flw_device, installed, 0, "installed"),
	ARR_MEMBER(struct flw_device, installed_version, 0, "installed_version"),
	ARR_MEMBER(struct flw_device, health, 0, "health"),
};

static int device_arg(const struct flw_device *d, struct flw_diag *diag)
{
	int rc;

	if ((rc = members_arg(d, device_members, FLW_ARRAY_SIZE(device_members), diag)) != 0 ||
	    (rc = slot_arg(d->slot_active, diag)) != 0)
		return rc;
	return d->attrs ? attrs_arg(d->attrs, diag) : 0;
}

/* The common head of a per-device call: usable store, valid device id, the output present. */
static int device_call_arg(const struct flw_store *s, const char *device_id, const void *out,
                           struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = id_arg(device_id, "device_id", diag)) != 0)
		return rc;
	return out_arg(out, diag);
}

int flw_store_device_enroll(struct flw_store *s, const struct flw_device *d,
                            const unsigned char token_hash[FLW_SHA256_BYTES], time_t now,
                            const struct flw_audit *audit, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0)
		return rc;
	if (!d || !token_hash)
		return bad(diag, d ? "token_hash" : "device");
	if ((rc = device_arg(d, diag)) != 0 || (rc = audit_arg(audit, diag)) != 0)
		return rc;
	return s->ops->device_enroll(s, d, token_hash, now, audit, diag);
}

int flw_store_device_get(struct flw_store *s, const char *id, struct flw_device *out,
                         struct flw_diag *diag)
{
	int rc = device_call_arg(s, id, out, diag);

	return rc != 0 ? rc : s->ops->device_get(s, id, out, diag);
}

static const struct str_member filter_members[] = {
	PTR_MEMBER(struct flw_device_filter, group, FLW_ID_MAX, ARG_NULL_OK | ARG_ID, "group"),
	PTR_MEMBER(struct flw_device_filter, hwid, FLW_TUF_HWID_MAX, ARG_NULL_OK, "hardware"),
	PTR_MEMBER(struct flw_device_filter, installed, FLW_TUF_TARGET_NAME_MAX, ARG_NULL_OK,
	           "installed"),
	PTR_MEMBER(struct flw_device_filter, id_prefix, FLW_ID_MAX, ARG_NULL_OK, "prefix"),
	PTR_MEMBER(struct flw_device_filter, class_name, FLW_INV_CLASS_MAX, ARG_NULL_OK, "class"),
	PTR_MEMBER(struct flw_device_filter, site, FLW_INV_TEXT_MAX, ARG_NULL_OK, "site"),
};

int flw_store_device_list(struct flw_store *s, const struct flw_device_filter *f, json_t **out,
                          int64_t *total_out, struct flw_diag *diag)
{
	struct flw_device_filter nf = { 0 };
	int rc;

	if ((rc = usable_out(s, out, diag)) != 0)
		return rc;
	if (f)
		nf = *f;
	if ((rc = members_arg(&nf, filter_members, FLW_ARRAY_SIZE(filter_members), diag)) != 0)
		return rc;
	if (nf.internet_exposed < FLW_EXPOSED_UNKNOWN || nf.internet_exposed > FLW_EXPOSED_NO)
		return bad(diag, "internet_exposed");
	nf.limit = list_limit(nf.limit);
	return s->ops->device_list(s, &nf, out, total_out, diag);
}

static const struct str_member checkin_members[] = {
	PTR_MEMBER(struct flw_checkin, device_id, FLW_ID_MAX, ARG_ID, "device_id"),
	PTR_MEMBER(struct flw_checkin, installed, FLW_TUF_TARGET_NAME_MAX, ARG_NULL_OK,
	           "installed"),
	PTR_MEMBER(struct flw_checkin, installed_version, FLW_TUF_VERSION_STR_MAX, ARG_NULL_OK,
	           "installed_version"),
	PTR_MEMBER(struct flw_checkin, health, sizeof(((struct flw_device *)0)->health) - 1,
	           ARG_NULL_OK, "health"),
};

/* The components a device reports: at most FLW_DEVICE_COMPONENTS_MAX, each as an SBOM's */
static int device_components_arg(const struct flw_checkin *c, struct flw_diag *diag)
{
	size_t i;
	int rc;

	if (!c->has_components)
		return 0;
	if (c->n_components > FLW_DEVICE_COMPONENTS_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "components", "%zu components, at most %d",
		                    c->n_components, FLW_DEVICE_COMPONENTS_MAX);
	if (c->n_components && !c->components)
		return bad(diag, "components");
	for (i = 0; i < c->n_components; i++)
		if ((rc = flw_sbom_component_check(&c->components[i], "components", diag)) != 0)
			return rc;
	return 0;
}

int flw_store_device_checkin(struct flw_store *s, const struct flw_checkin *c,
                             struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0)
		return rc;
	if (!c)
		return bad(diag, "checkin");
	if ((rc = members_arg(c, checkin_members, FLW_ARRAY_SIZE(checkin_members), diag)) != 0 ||
	    (c->attrs && (rc = attrs_arg(c->attrs, diag)) != 0) ||
	    (rc = slot_arg(c->slot_active, diag)) != 0 ||
	    (rc = device_components_arg(c, diag)) != 0)
		return rc;
	return s->ops->device_checkin(s, c, diag);
}

/* ---- inventory ------------------------------------------------------------------------------ */

/* 1-32 of [a-z0-9-], not starting with '-' */
static int class_ok(const char *v)
{
	size_t n = strlen(v);
	size_t i;

	if (n == 0 || n > FLW_INV_CLASS_MAX || v[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
			return 0;
	return 1;
}

/* No ASCII control characters (UTF-8 beyond ASCII is fine), no leading/trailing blank */
static int text_ok(const char *v)
{
	size_t n = strlen(v);
	size_t i;

	if (n == 0 || v[0] == ' ' || v[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 0;
	return 1;
}

static int digits(const char *v, size_t n, int *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		*out = *out * 10 + (v[i] - '0');
	}
	return 1;
}

/* YYYY-MM-DD, a real date of the years 1970-9999 */
static int date_ok(const char *v)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' || !digits(v, 4, &y) ||
	    !digits(v + 5, 2, &m) || !digits(v + 8, 2, &d))
		return 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

struct inv_text {
	unsigned flag;
	const char *name;
	size_t off;
	size_t max;
	int (*ok)(const char *v);
	const char *rule;
};

static const struct inv_text inv_texts[] = {
	{ FLW_INV_F_CLASS, "class", offsetof(struct flw_inventory, class_name), FLW_INV_CLASS_MAX,
	  class_ok,
	  "safety-critical, confidentiality-sensitive, non-critical or an operator-defined "
	  "name of 1-32 of [a-z0-9-] not starting with '-'" },
	{ FLW_INV_F_SEGMENT, "segment", offsetof(struct flw_inventory, segment), FLW_INV_TEXT_MAX,
	  text_ok, "1-128 bytes without control characters or leading/trailing blanks" },
	{ FLW_INV_F_OWNER, "owner", offsetof(struct flw_inventory, owner), FLW_INV_TEXT_MAX,
	  text_ok, "1-128 bytes without control characters or leading/trailing blanks" },
	{ FLW_INV_F_SITE, "site", offsetof(struct flw_inventory, site), FLW_INV_TEXT_MAX, text_ok,
	  "1-128 bytes without control characters or leading/trailing blanks" },
	{ FLW_INV_F_SUPPORT_END, "support_end", offsetof(struct flw_inventory, support_end),
	  FLW_INV_DATE_MAX, date_ok, "a date YYYY-MM-DD" },
};

int flw_inventory_check(const struct flw_inventory *inv, unsigned fields, struct flw_diag *diag)
{
	size_t i;

	if (!inv || (fields & ~(unsigned)FLW_INV_F_ALL))
		return bad(diag, "inventory");
	for (i = 0; i < FLW_ARRAY_SIZE(inv_texts); i++) {
		const struct inv_text *t = &inv_texts[i];
		const char *v = (const char *)inv + t->off;

		if (!(fields & t->flag))
			continue;
		if (!memchr(v, 0, t->max + 1))
			return flw_diag_set(diag, FLW_ELIMIT, t->name,
			                    "field '%s': at most %zu bytes", t->name, t->max);
		if (v[0] && !t->ok(v))
			return flw_diag_set(diag, FLW_EFORMAT, t->name,
			                    "field '%s': '%.64s' is not %s", t->name, v, t->rule);
	}
	if ((fields & FLW_INV_F_EXPOSED) &&
	    (inv->internet_exposed < FLW_EXPOSED_UNKNOWN || inv->internet_exposed > FLW_EXPOSED_NO))
		return flw_diag_set(diag, FLW_EFORMAT, "internet_exposed",
		                    "field 'internet_exposed': expected true, false or null");
	return 0;
}

int flw_store_device_inventory_set(struct flw_store *s, const char *device_id,
                                   const struct flw_inventory_patch *p,
                                   const struct flw_audit *audit, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = id_arg(device_id, "device_id", diag)) != 0)
		return rc;
	if (!p)
		return bad(diag, "inventory");
	if ((rc = flw_inventory_check(&p->v, p->fields, diag)) != 0 ||
	    (rc = audit_arg(audit, diag)) != 0)
		return rc;
	return s->ops->device_inventory_set(s, device_id, p, audit, diag);
}

int flw_store_device_components(struct flw_store *s, const char *device_id, json_t **out,
                                struct flw_diag *diag)
{
	int rc = device_call_arg(s, device_id, out, diag);

	return rc != 0 ? rc : s->ops->device_components(s, device_id, out, diag);
}

int flw_store_device_touch(struct flw_store *s, const char *const *ids, const time_t *times,
                           size_t n, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 ||
	    (rc = ids_arg(ids, n, FLW_STORE_TOUCH_MAX, "devices", diag)) != 0)
		return rc;
	if (n && !times)
		return bad(diag, "times");
	if (n == 0)
		return 0;
	return s->ops->device_touch(s, ids, times, n, diag);
}

/* ---- groups --------------------------------------------------------------------------------- */

int flw_store_group_add(struct flw_store *s, const char *name, const struct flw_audit *audit,
                        struct flw_diag *diag)
{
	int rc = named_change_arg(s, name, "group", audit, diag);

	return rc != 0 ? rc : s->ops->group_add(s, name, audit, diag);
}

int flw_store_group_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	return rc != 0 ? rc : s->ops->group_list(s, out, diag);
}

int flw_store_group_set_members(struct flw_store *s, const char *group, const char *const *devices,
                                size_t n, int add, const struct flw_audit *audit,
                                struct flw_diag *diag)
{
	int rc;

	if ((rc = named_change_arg(s, group, "group", audit, diag)) != 0 ||
	    (rc = ids_arg(devices, n, FLW_STORE_BATCH_MAX, "devices", diag)) != 0)
		return rc;
	return s->ops->group_set_members(s, group, devices, n, add ? 1 : 0, audit, diag);
}

int flw_store_group_delete(struct flw_store *s, const char *name, const struct flw_audit *audit,
                           struct flw_diag *diag)
{
	int rc = named_change_arg(s, name, "group", audit, diag);

	return rc != 0 ? rc : s->ops->group_delete(s, name, audit, diag);
}

/* ---- artifacts, TUF, releases --------------------------------------------------------------- */

int flw_store_artifact_add(struct flw_store *s, const unsigned char sha256[FLW_SHA256_BYTES],
                           uint64_t length, const struct flw_audit *audit, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = audit_arg(audit, diag)) != 0)
		return rc;
	if (!sha256)
		return bad(diag, "sha256");
	if (length > INT64_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "length", "artifact length out of range");
	return s->ops->artifact_add(s, sha256, length, audit, diag);
}

int flw_store_artifact_get(struct flw_store *s, const unsigned char sha256[FLW_SHA256_BYTES],
                           uint64_t *length_out, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0)
		return rc;
	if (!sha256)
		return bad(diag, "sha256");
	return s->ops->artifact_get(s, sha256, length_out, diag);
}

static int meta_arg(int role, int64_t version, const void *bytes, size_t len, struct flw_diag *diag)
{
	const char *name = flw_store__role_name(role);

	if (!name)
		return bad(diag, "role");
	if (version < 1)
		return bad(diag, "version");
	if (!bytes || len == 0)
		return bad(diag, "bytes");
	if (len > flw_store__role_max_bytes(role))
		return flw_diag_set(diag, FLW_ELIMIT, name, "%s metadata of %zu bytes exceeds %zu",
		                    name, len, flw_store__role_max_bytes(role));
	return 0;
}

int flw_store_tuf_put(struct flw_store *s, int role, int64_t version, const void *bytes, size_t len,
                      struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = meta_arg(role, version, bytes, len, diag)) != 0)
		return rc;
	return s->ops->tuf_put(s, role, version, bytes, len, diag);
}

int flw_store_tuf_get(struct flw_store *s, int role, int64_t version, struct flw_buf *out,
                      int64_t *version_out, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable_out(s, out, diag)) != 0)
		return rc;
	if (!flw_store__role_name(role) || version < 0)
		return bad(diag, "role");
	return s->ops->tuf_get(s, role, version, out, version_out, diag);
}

/* Each components list names a release the publication adds; every component passes
 * flw_sbom_component_check(). */
static int components_arg(const struct flw_tuf_publish *p, struct flw_diag *diag)
{
	size_t i, j, k;
	int rc;

	if (p->n_components > p->n_added || (p->n_components && !p->components))
		return bad(diag, "components");
	for (i = 0; i < p->n_components; i++) {
		const struct flw_release_components *rc_ = &p->components[i];

		if (!rc_->release || (rc_->n && !rc_->c))
			return bad(diag, "components");
		if (rc_->n > FLW_SBOM_MAX_COMPONENTS)
			return flw_diag_set(diag, FLW_ELIMIT, "components",
			                    "%zu components, at most %zu", rc_->n,
			                    FLW_SBOM_MAX_COMPONENTS);
		for (k = 0; k < p->n_added; k++)
			if (strcmp(p->added[k].target.name, rc_->release) == 0)
				break;
		if (k == p->n_added)
			return bad(diag, "components.release");
		for (j = 0; j < rc_->n; j++)
			if ((rc = flw_sbom_component_check(&rc_->c[j], "components", diag)) != 0)
				return rc;
	}
	return 0;
}

/* The three files of a publication, then the targets it adds */
static int publish_arg(const struct flw_tuf_publish *p, struct flw_diag *diag)
{
	size_t i;
	int rc;

	if ((rc = meta_arg(FLW_TUF_TARGETS, p->targets_version, p->targets, p->targets_len,
	                   diag)) != 0 ||
	    (rc = meta_arg(FLW_TUF_SNAPSHOT, p->snapshot_version, p->snapshot, p->snapshot_len,
	                   diag)) != 0 ||
	    (rc = meta_arg(FLW_TUF_TIMESTAMP, p->timestamp_version, p->timestamp, p->timestamp_len,
	                   diag)) != 0)
		return rc;
	if (p->n_added > FLW_STORE_BATCH_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "added", "too many targets");
	if (p->n_added && !p->added)
		return bad(diag, "added");
	for (i = 0; i < p->n_added; i++)
		if ((rc = target_arg(&p->added[i].target, diag)) != 0)
			return rc;
	return components_arg(p, diag);
}

int flw_store_tuf_publish(struct flw_store *s, const struct flw_tuf_publish *p,
                          const struct flw_audit *audit, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = audit_arg(audit, diag)) != 0)
		return rc;
	if (!p)
		return bad(diag, "publish");
	if ((rc = publish_arg(p, diag)) != 0)
		return rc;
	return s->ops->tuf_publish(s, p, audit, diag);
}

/* A release (TUF target) name: not empty, at most FLW_TUF_TARGET_NAME_MAX bytes */
static int release_arg(const char *name, struct flw_diag *diag)
{
	int rc = str_arg(name, FLW_TUF_TARGET_NAME_MAX, "release", diag);

	return rc == 0 && !name[0] ? bad(diag, "release") : rc;
}

int flw_store_release_get(struct flw_store *s, const char *name, struct flw_release *out,
                          struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	if (rc == 0)
		rc = release_arg(name, diag);
	return rc != 0 ? rc : s->ops->release_get(s, name, out, diag);
}

int flw_store_release_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	return rc != 0 ? rc : s->ops->release_list(s, out, diag);
}

int flw_store_release_components(struct flw_store *s, const char *name, json_t **out,
                                 struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	if (rc == 0)
		rc = release_arg(name, diag);
	return rc != 0 ? rc : s->ops->release_components(s, name, out, diag);
}

/* ---- deployments ---------------------------------------------------------------------------- */

int flw_store_deployment_create(struct flw_store *s, const char *release,
                                const char *const *devices, size_t n, const char *group, time_t now,
                                const struct flw_audit *audit, int64_t *id_out,
                                struct flw_diag *diag)
{
	int has_group = group && group[0];
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = release_arg(release, diag)) != 0 ||
	    (rc = ids_arg(devices, n, FLW_STORE_BATCH_MAX, "devices", diag)) != 0 ||
	    (rc = audit_arg(audit, diag)) != 0 ||
	    (has_group && (rc = id_arg(group, "group", diag)) != 0))
		return rc;
	if (n == 0 && !has_group)
		return flw_diag_set(diag, FLW_EINVAL, "devices", "no devices and no group given");
	return s->ops->deployment_create(s, release, devices, n, has_group ? group : NULL, now,
	                                 audit, id_out, diag);
}

int flw_store_deployment_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	return rc != 0 ? rc : s->ops->deployment_list(s, out, diag);
}

int flw_store_deployment_get(struct flw_store *s, int64_t id, json_t **out, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable_out(s, out, diag)) != 0)
		return rc;
	if (id < 1)
		return bad(diag, "id");
	return s->ops->deployment_get(s, id, out, diag);
}

int flw_store_deployment_cancel(struct flw_store *s, int64_t id, const struct flw_audit *audit,
                                struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = audit_arg(audit, diag)) != 0)
		return rc;
	if (id < 1)
		return bad(diag, "id");
	return s->ops->deployment_cancel(s, id, audit, diag);
}

int flw_store_action_next(struct flw_store *s, const char *device_id, struct flw_action *out,
                          struct flw_diag *diag)
{
	int rc = device_call_arg(s, device_id, out, diag);

	return rc != 0 ? rc : s->ops->action_next(s, device_id, out, diag);
}

int flw_store_action_director(struct flw_store *s, const char *device_id, struct flw_action *out,
                              struct flw_buf *doc, struct flw_director_doc *meta,
                              struct flw_diag *diag)
{
	int rc = device_call_arg(s, device_id, out, diag);

	if (rc != 0)
		return rc;
	if (!doc || !meta)
		return bad(diag, doc ? "meta" : "doc");
	return s->ops->action_director(s, device_id, out, doc, meta, diag);
}

int flw_store_director_next_version(struct flw_store *s, const char *device_id,
                                    int64_t *version_out, struct flw_diag *diag)
{
	int rc = device_call_arg(s, device_id, version_out, diag);

	return rc != 0 ? rc : s->ops->director_next_version(s, device_id, version_out, diag);
}

int flw_store_director_put(struct flw_store *s, const char *device_id, int64_t deployment_id,
                           const void *doc, size_t len, const struct flw_director_doc *meta,
                           struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = id_arg(device_id, "device_id", diag)) != 0)
		return rc;
	if (deployment_id < 1)
		return bad(diag, "deployment_id");
	if (!doc || len == 0 || !meta || meta->version < 1)
		return bad(diag, "director");
	if (len > FLW_DIRECTOR_DOC_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "director",
		                    "director document of %zu bytes, at most %u", len,
		                    FLW_DIRECTOR_DOC_MAX);
	if ((rc = field_arg(meta->keyid, sizeof(meta->keyid), "director.keyid", diag)) != 0)
		return rc;
	return s->ops->director_put(s, device_id, deployment_id, doc, len, meta, diag);
}

static int reports_arg(const struct flw_report *r, size_t n, struct flw_diag *diag)
{
	size_t i;
	int rc;

	if (n > FLW_REPORTS_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "reports", "%zu reports, at most %d", n,
		                    FLW_REPORTS_MAX);
	if (n && !r)
		return bad(diag, "reports");
	for (i = 0; i < n; i++) {
		if (r[i].seq < 1)
			return bad(diag, "reports.seq");
		if (r[i].deployment_id < 0)
			return bad(diag, "reports.deployment");
		if (r[i].state < 0 || r[i].state >= _FLW_ST_MAX)
			return bad(diag, "reports.state");
		if ((rc = field_arg(r[i].detail, sizeof(r[i].detail), "reports.detail", diag)) != 0)
			return rc;
	}
	return 0;
}

int flw_store_reports_apply(struct flw_store *s, const char *device_id, const struct flw_report *r,
                            size_t n, time_t now, int64_t *acked_seq_out, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = id_arg(device_id, "device_id", diag)) != 0 ||
	    (rc = reports_arg(r, n, diag)) != 0)
		return rc;
	return s->ops->reports_apply(s, device_id, r, n, now, acked_seq_out, diag);
}

int flw_store_device_history(struct flw_store *s, const char *device_id, unsigned limit,
                             json_t **out, struct flw_diag *diag)
{
	int rc = device_call_arg(s, device_id, out, diag);

	return rc != 0 ? rc : s->ops->device_history(s, device_id, list_limit(limit), out, diag);
}

/* ---- vulnerability data --------------------------------------------------------------------- */

_Static_assert(FLW_SBOM_NAME_MAX == 256 && FLW_SBOM_VERSION_MAX == 128 &&
                       FLW_FINDING_TEXT_MAX == 255,
               "the limits named in the messages below");

static const char *const feed_kinds[] = { "nvd", "cve5", "cve5-jsonl", "kev", "epss" };

/* No ASCII control characters (a file name shown in tables and logs) */
static int printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

/* "" or a JSON object of at most FLW_FEED_STATS_MAX bytes */
static int stats_arg(const char *stats, struct flw_diag *diag)
{
	static const struct flw_json_limits lim = { FLW_FEED_STATS_MAX, 8 };
	json_t *j = NULL;
	int rc;

	if (!stats[0])
		return 0;
	rc = flw_json_parse(&j, stats, strlen(stats), &lim, diag);
	if (rc == 0 && !json_is_object(j))
		rc = FLW_EFORMAT;
	json_decref(j);
	if (rc == FLW_ENOMEM)
		return flw_diag_set(diag, rc, "stats", "out of memory");
	if (rc != 0)
		return flw_diag_set(diag, FLW_EINVAL, "stats", "'stats' is not a JSON object");
	return 0;
}

static const struct str_member feed_members[] = {
	ARR_MEMBER(struct flw_feed_import, kind, ARG_NONEMPTY, "kind"),
	ARR_MEMBER(struct flw_feed_import, name, 0, "name"),
	ARR_MEMBER(struct flw_feed_import, stats, 0, "stats"),
};

static int feed_arg(const struct flw_feed_import *f, struct flw_diag *diag)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(feed_kinds); i++)
		if (strcmp(f->kind, feed_kinds[i]) == 0)
			break;
	if (i == FLW_ARRAY_SIZE(feed_kinds))
		return flw_diag_set(diag, FLW_EINVAL, "kind",
		                    "feed kind '%s' is not nvd, cve5, cve5-jsonl, kev or epss",
		                    f->kind);
	if (!printable(f->name))
		return flw_diag_set(diag, FLW_EINVAL, "name", "'name' holds control characters");
	if (f->bytes > INT64_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "bytes", "'bytes' out of range");
	if (f->imported < 0)
		return bad(diag, "imported");
	return stats_arg(f->stats, diag);
}

int flw_store_feed_add(struct flw_store *s, const struct flw_feed_import *f,
                       const struct flw_audit *audit, int64_t *id_out, int *existed_out,
                       struct flw_diag *diag)
{
	int rc = object_arg(s, f, "feed", feed_members, FLW_ARRAY_SIZE(feed_members), audit, diag);

	if (rc != 0 || (rc = feed_arg(f, diag)) != 0)
		return rc;
	return s->ops->feed_add(s, f, audit, id_out, existed_out, diag);
}

int flw_store_feed_each(struct flw_store *s, flw_store_feed_fn fn, void *ctx, struct flw_diag *diag)
{
	int rc = usable(s, diag);

	if (rc != 0)
		return rc;
	return fn ? s->ops->feed_each(s, fn, ctx, diag) : bad(diag, "fn");
}

int flw_store_feed_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	return rc != 0 ? rc : s->ops->feed_list(s, out, diag);
}

/* A refused field of a finding: which one, the code and the rule it breaks. The caller
 * formats the message once, naming the finding ("findings[3].cve_id", "life.state"). */
struct refusal {
	int code;
	const char *field;
	const char *rule;
};

static int refuse(struct refusal *r, int code, const char *field, const char *rule)
{
	r->code = code;
	r->field = field;
	r->rule = rule;
	return code;
}

static int refused(struct flw_diag *diag, const struct refusal *r, const char *prefix)
{
	char path[FLW_DIAG_PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", prefix, r->field);
	return flw_diag_set(diag, r->code, path, "field '%s': %s", path, r->rule);
}

/* The key of a finding (device_id, cve_id, component) and its component_version */
static int finding_key_arg(const struct flw_store_finding *f, struct refusal *r)
{
	if (!f->device_id)
		return refuse(r, FLW_EINVAL, "device_id", "missing");
	if (strnlen(f->device_id, FLW_ID_MAX + 1) > FLW_ID_MAX || !flw_id_ok(f->device_id))
		return refuse(r, FLW_EINVAL, "device_id", "not a device id");
	if (!f->cve_id || strnlen(f->cve_id, FLW_CVE_ID_MAX + 1) > FLW_CVE_ID_MAX ||
	    !flw_feed__cve_id_ok(f->cve_id))
		return refuse(r, FLW_EINVAL, "cve_id", "not a CVE id (CVE-YYYY-NNNN...)");
	if (!f->component || !f->component[0])
		return refuse(r, FLW_EINVAL, "component", "missing");
	if (strnlen(f->component, FLW_SBOM_NAME_MAX + 1) > FLW_SBOM_NAME_MAX)
		return refuse(r, FLW_ELIMIT, "component", "longer than 256 bytes");
	if (f->component_version &&
	    strnlen(f->component_version, FLW_SBOM_VERSION_MAX + 1) > FLW_SBOM_VERSION_MAX)
		return refuse(r, FLW_ELIMIT, "component_version", "longer than 128 bytes");
	return 0;
}

/* A lifecycle as risk.h keeps it: a known state, no negative time, texts within their
 * fields, and an acceptance with its reason and approver. */
static int life_arg(const struct flw_finding_life *l, struct refusal *r)
{
	if ((int)l->state < 0 || l->state >= _FLW_FINDING_STATE_MAX)
		return refuse(r, FLW_EINVAL, "state", "not open, fixed or accepted");
	if (l->first_seen_ms < 0 || l->opened_ms < 0 || l->fixed_ms < 0 || l->updated_ms < 0 ||
	    l->accepted_ms < 0 || l->accept_expiry_ms < 0)
		return refuse(r, FLW_EINVAL, "updated_ms", "a time is negative");
	if (!memchr(l->accept_reason, 0, sizeof(l->accept_reason)))
		return refuse(r, FLW_ELIMIT, "accept_reason", "longer than 255 bytes");
	if (!memchr(l->accept_approver, 0, sizeof(l->accept_approver)))
		return refuse(r, FLW_ELIMIT, "accept_approver", "longer than 255 bytes");
	if (l->state == FLW_FINDING_ACCEPTED && !l->accept_reason[0])
		return refuse(r, FLW_EINVAL, "accept_reason", "required when accepted");
	if (l->state == FLW_FINDING_ACCEPTED && !l->accept_approver[0])
		return refuse(r, FLW_EINVAL, "accept_approver", "required when accepted");
	return 0;
}

static int findings_arg(const struct flw_store_finding *f, size_t n, struct flw_diag *diag)
{
	char prefix[48];
	struct refusal r;
	size_t i;

	if (n > FLW_FINDINGS_PUT_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "findings", "%zu findings, at most %d", n,
		                    FLW_FINDINGS_PUT_MAX);
	if (n && !f)
		return bad(diag, "findings");
	for (i = 0; i < n; i++) {
		if (finding_key_arg(&f[i], &r) != 0 || life_arg(&f[i].life, &r) != 0) {
			snprintf(prefix, sizeof(prefix), "findings[%zu].", i);
			return refused(diag, &r, prefix);
		}
	}
	return 0;
}

int flw_store_findings_put(struct flw_store *s, const struct flw_store_finding *f, size_t n,
                           struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 || (rc = findings_arg(f, n, diag)) != 0)
		return rc;
	return n ? s->ops->findings_put(s, f, n, diag) : 0;
}

int flw_store_findings_each(struct flw_store *s, flw_store_finding_fn fn, void *ctx,
                            struct flw_diag *diag)
{
	int rc = usable(s, diag);

	if (rc != 0)
		return rc;
	return fn ? s->ops->findings_each(s, fn, ctx, diag) : bad(diag, "fn");
}

/* The key of one finding named by the caller's arguments */
static int finding_named_arg(const struct flw_store *s, const char *device_id, const char *cve_id,
                             const char *component, struct flw_diag *diag)
{
	const struct flw_store_finding key = { device_id, cve_id, component, NULL, { 0 } };
	struct refusal r;
	int rc = usable(s, diag);

	if (rc != 0)
		return rc;
	return finding_key_arg(&key, &r) != 0 ? refused(diag, &r, "") : 0;
}

int flw_store_finding_get(struct flw_store *s, const char *device_id, const char *cve_id,
                          const char *component, struct flw_finding_life *out,
                          struct flw_diag *diag)
{
	int rc = finding_named_arg(s, device_id, cve_id, component, diag);

	if (rc != 0 || (rc = out_arg(out, diag)) != 0)
		return rc;
	return s->ops->finding_get(s, device_id, cve_id, component, out, diag);
}

int flw_store_finding_set_life(struct flw_store *s, const char *device_id, const char *cve_id,
                               const char *component, const struct flw_finding_life *life,
                               int64_t expect_updated_ms, const struct flw_audit *audit,
                               struct flw_diag *diag)
{
	struct refusal r;
	int rc = finding_named_arg(s, device_id, cve_id, component, diag);

	if (rc != 0 || (rc = audit_arg(audit, diag)) != 0)
		return rc;
	if (!life)
		return bad(diag, "life");
	if (life_arg(life, &r) != 0)
		return refused(diag, &r, "life.");
	if (expect_updated_ms < 0)
		return bad(diag, "expect_updated_ms");
	return s->ops->finding_set_life(s, device_id, cve_id, component, life, expect_updated_ms,
	                                audit, diag);
}

int flw_store_model_support_set(struct flw_store *s, const char *hwid, const char *support_end,
                                const struct flw_audit *audit, struct flw_diag *diag)
{
	int rc;

	if ((rc = usable(s, diag)) != 0 ||
	    (rc = str_arg(hwid, FLW_TUF_HWID_MAX, "hwid", diag)) != 0 ||
	    (rc = str_arg(support_end, FLW_INV_DATE_MAX, "support_end", diag)) != 0 ||
	    (rc = audit_arg(audit, diag)) != 0)
		return rc;
	if (!hwid[0] || !printable(hwid))
		return flw_diag_set(diag, FLW_EINVAL, "hwid", "invalid hardware id");
	if (support_end[0] && !date_ok(support_end))
		return flw_diag_set(diag, FLW_EFORMAT, "support_end",
		                    "field 'support_end': '%s' is not a date YYYY-MM-DD",
		                    support_end);
	return s->ops->model_support_set(s, hwid, support_end, audit, diag);
}

int flw_store_model_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	int rc = usable_out(s, out, diag);

	return rc != 0 ? rc : s->ops->model_list(s, out, diag);
}

int flw_store_assess_load(struct flw_store *s, flw_store_assess_release_fn rfn,
                          flw_store_assess_device_fn dfn, void *ctx, struct flw_diag *diag)
{
	int rc = usable(s, diag);

	if (rc != 0)
		return rc;
	if (!rfn && !dfn)
		return bad(diag, "fn");
	return s->ops->assess_load(s, rfn, dfn, ctx, diag);
}
