/* meta/tuf_targets.c - releases as TUF targets with fleetward's custom fields
 *
 * A target entry is {"length":n,"hashes":{"sha256":hex},"custom":{"version":s,
 * "hardware_ids":[s...],"security_version":n}} and, when known, the provenance fields
 * "source_commit", "builder" and "build_time" in "custom". Target names reach URLs and file names, so
 * they are checked on the way in and on the way out: relative paths of [A-Za-z0-9._-]
 * components, no empty, "." or ".." component.
 */
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"

static int name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

static int component_ok(const char *s, size_t n)
{
	if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	return 1;
}

int flw_tuf__name_ok(const char *name)
{
	size_t len;
	size_t start = 0;
	size_t i;

	if (!name)
		return 0;
	len = strnlen(name, FLW_TUF_TARGET_NAME_MAX + 1);
	if (len == 0 || len > FLW_TUF_TARGET_NAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (name[i] == '/' || name[i] == '\0') {
			if (!component_ok(name + start, i - start))
				return 0;
			start = i + 1;
		} else if (!name_char_ok(name[i])) {
			return 0;
		}
	}
	return 1;
}

/* hardware ids: 1..FLW_TUF_HWID_MAX of [A-Za-z0-9._:+-]; versions: printable, no space */
static int hwid_ok(const char *s)
{
	size_t n = strnlen(s, FLW_TUF_HWID_MAX + 1);
	size_t i;

	if (n == 0 || n > FLW_TUF_HWID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char_ok(s[i]) && s[i] != ':' && s[i] != '+')
			return 0;
	return 1;
}

static int version_ok(const char *s)
{
	size_t n = strnlen(s, FLW_TUF_VERSION_STR_MAX + 1);
	size_t i;

	if (n > FLW_TUF_VERSION_STR_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

static int commit_ok(const char *s)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0)
		return 1;
	if (n < 7 || n > FLW_TUF_COMMIT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int builder_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return i <= FLW_TUF_BUILDER_MAX;
}

static int build_time_ok(const char *s)
{
	time_t t;

	return *s == '\0' || (strlen(s) == 20 && flw_tuf_time_parse(s, &t) == 0);
}

static int provenance_check(const struct flw_tuf_target *t, struct flw_diag *diag)
{
	if (!commit_ok(t->source_commit))
		return flw_diag_set(diag, FLW_EINVAL, "custom.source_commit",
		                    "source commit must be 7-64 lowercase hex digits");
	if (!builder_ok(t->builder))
		return flw_diag_set(diag, FLW_EINVAL, "custom.builder",
		                    "builder must be 1-%u printable ASCII characters",
		                    (unsigned)FLW_TUF_BUILDER_MAX);
	if (!build_time_ok(t->build_time))
		return flw_diag_set(diag, FLW_EINVAL, "custom.build_time",
		                    "build time must be YYYY-MM-DDTHH:MM:SSZ");
	return 0;
}

static int target_check(const struct flw_tuf_target *t, struct flw_diag *diag)
{
	unsigned i;

	if (!flw_tuf__name_ok(t->name))
		return flw_diag_set(diag, FLW_EINVAL, "name", "invalid target name");
	if (t->length > INT64_MAX || t->security_version > INT64_MAX)
		return flw_diag_set(diag, FLW_EINVAL, "length",
		                    "length or security version too big");
	if (!version_ok(t->version))
		return flw_diag_set(diag, FLW_EINVAL, "custom.version", "invalid version string");
	if (t->n_hwids > FLW_TUF_MAX_HWIDS)
		return flw_diag_set(diag, FLW_EINVAL, "custom.hardware_ids",
		                    "too many hardware ids");
	for (i = 0; i < t->n_hwids; i++)
		if (!hwid_ok(t->hwids[i]))
			return flw_diag_set(diag, FLW_EINVAL, "custom.hardware_ids",
			                    "invalid hardware id");
	return 0;
}

static json_t *target_to_json(const struct flw_tuf_target *t)
{
	char hex[FLW_SHA256_HEX];
	json_t *hw = json_array();
	json_t *custom;
	json_t *o;
	unsigned i;

	for (i = 0; hw && i < t->n_hwids; i++) {
		if (json_array_append_new(hw, json_string(t->hwids[i])) != 0) {
			json_decref(hw);
			return NULL;
		}
	}
	if (!hw)
		return NULL;
	flw_hex_encode(hex, t->sha256, sizeof(t->sha256));
	o = json_pack("{s:I, s:{s:s}, s:{s:s, s:o, s:I}}", "length", (json_int_t)t->length,
	              "hashes", "sha256", hex, "custom", "version", t->version, "hardware_ids", hw,
	              "security_version", (json_int_t)t->security_version);
	custom = json_object_get(o, "custom");
	if (o &&
	    ((t->source_commit[0] &&
	      json_object_set_new(custom, "source_commit", json_string(t->source_commit))) ||
	     (t->builder[0] && json_object_set_new(custom, "builder", json_string(t->builder))) ||
	     (t->build_time[0] &&
	      json_object_set_new(custom, "build_time", json_string(t->build_time))))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int flw_tuf_targets_add(json_t *targets_signed, const struct flw_tuf_target *t,
                        struct flw_diag *diag)
{
	json_t *targets = NULL;
	int rc;

	if (!json_is_object(targets_signed) || !t)
		return FLW_EINVAL;
	rc = target_check(t, diag);
	if (rc == 0)
		rc = provenance_check(t, diag);
	if (rc != 0)
		return rc;
	rc = flw_json_get_obj(targets_signed, "targets", &targets, 1, diag);
	if (rc != 0)
		return flw_tuf__required(rc, diag);
	if (json_object_set_new(targets, t->name, target_to_json(t)) != 0)
		return FLW_ENOMEM;
	return 0;
}

static int get_custom(const json_t *custom, struct flw_tuf_target *t, struct flw_diag *diag)
{
	const char *v = "";
	const char *sc = "";
	const char *bd = "";
	const char *bt = "";
	json_t *hw = NULL;
	json_t *e;
	int64_t sv = 0;
	size_t i;
	int rc;

	if (((rc = flw_json_get_str(custom, "version", &v, FLW_TUF_VERSION_STR_MAX, 0, diag)) &&
	     rc != FLW_ENOTFOUND) ||
	    ((rc = flw_json_get_arr(custom, "hardware_ids", &hw, FLW_TUF_MAX_HWIDS, 0, diag)) &&
	     rc != FLW_ENOTFOUND) ||
	    ((rc = flw_json_get_int(custom, "security_version", &sv, 0, INT64_MAX, 0, diag)) &&
	     rc != FLW_ENOTFOUND))
		return rc;
	if (!version_ok(v))
		return flw_diag_set(diag, FLW_EFORMAT, "custom.version", "invalid version string");
	memcpy(t->version, v, strlen(v) + 1);
	if (((rc = flw_json_get_str(custom, "source_commit", &sc, FLW_TUF_COMMIT_MAX, 0, diag)) &&
	     rc != FLW_ENOTFOUND) ||
	    ((rc = flw_json_get_str(custom, "builder", &bd, FLW_TUF_BUILDER_MAX, 0, diag)) &&
	     rc != FLW_ENOTFOUND) ||
	    ((rc = flw_json_get_str(custom, "build_time", &bt, 20, 0, diag)) &&
	     rc != FLW_ENOTFOUND))
		return rc;
	memcpy(t->source_commit, sc, strlen(sc) + 1);
	memcpy(t->builder, bd, strlen(bd) + 1);
	memcpy(t->build_time, bt, strlen(bt) + 1);
	rc = provenance_check(t, diag);
	if (rc != 0)
		return rc == FLW_EINVAL ? FLW_EFORMAT : rc;
	t->security_version = (uint64_t)sv;
	json_array_foreach(hw, i, e)
	{
		if (!json_is_string(e) || !hwid_ok(json_string_value(e)))
			return flw_diag_set(diag, FLW_EFORMAT, "custom.hardware_ids",
			                    "invalid hardware id");
		memcpy(t->hwids[i], json_string_value(e), json_string_length(e) + 1);
		t->n_hwids = (unsigned)i + 1;
	}
	return 0;
}

static int get_target(const json_t *entry, struct flw_tuf_target *t, struct flw_diag *diag)
{
	const char *hex = NULL;
	json_t *hashes = NULL;
	json_t *custom = NULL;
	int64_t len = 0;
	int rc;

	if ((rc = flw_json_get_int(entry, "length", &len, 0, INT64_MAX, 1, diag)) != 0 ||
	    (rc = flw_json_get_obj(entry, "hashes", &hashes, 1, diag)) != 0 ||
	    (rc = flw_json_get_str(hashes, "sha256", &hex, 64, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	if (flw_hex_decode(t->sha256, sizeof(t->sha256), hex) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "hashes.sha256",
		                    "sha256 must be 64 hex digits");
	t->length = (uint64_t)len;
	rc = flw_json_get_obj(entry, "custom", &custom, 0, diag);
	if (rc == FLW_ENOTFOUND)
		return 0;
	return rc != 0 ? rc : get_custom(custom, t, diag);
}

int flw_tuf__target_from_entry(const char *name, const json_t *entry, struct flw_tuf_target *out,
                               struct flw_diag *diag)
{
	struct flw_tuf_target t;
	int rc;

	if (!flw_tuf__name_ok(name))
		return flw_diag_set(diag, FLW_EFORMAT, "name", "invalid target name");
	if (!json_is_object(entry))
		return flw_diag_set(diag, FLW_EFORMAT, name, "target: expected an object");
	memset(&t, 0, sizeof(t));
	memcpy(t.name, name, strlen(name) + 1);
	rc = get_target(entry, &t, diag);
	if (rc != 0)
		return rc;
	*out = t;
	return 0;
}

int flw_tuf_targets_get(const json_t *targets_signed, const char *name, struct flw_tuf_target *out,
                        struct flw_diag *diag)
{
	json_t *targets = NULL;
	json_t *entry;
	int rc;

	if (!json_is_object(targets_signed) || !name || !out)
		return FLW_EINVAL;
	if (!flw_tuf__name_ok(name))
		return flw_diag_set(diag, FLW_EFORMAT, "name", "invalid target name");
	rc = flw_json_get_obj(targets_signed, "targets", &targets, 1, diag);
	if (rc != 0)
		return flw_tuf__required(rc, diag);
	entry = json_object_get(targets, name);
	if (!entry)
		return flw_diag_set(diag, FLW_ENOTFOUND, name, "no target '%s'", name);
	return flw_tuf__target_from_entry(name, entry, out, diag);
}

int flw_tuf_target_fits(const struct flw_tuf_target *t, const char *hwid)
{
	unsigned i;

	if (!t || !hwid)
		return 0;
	for (i = 0; i < t->n_hwids && i < FLW_TUF_MAX_HWIDS; i++)
		if (strcmp(t->hwids[i], hwid) == 0)
			return 1;
	return 0;
}

char *flw_tuf_target_path(const struct flw_tuf_target *t)
{
	char hex[FLW_SHA256_HEX];
	const char *slash;
	int dir_len;

	if (!t || !flw_tuf__name_ok(t->name))
		return NULL;
	flw_hex_encode(hex, t->sha256, sizeof(t->sha256));
	slash = strrchr(t->name, '/');
	dir_len = slash ? (int)(slash - t->name + 1) : 0;
	return flw_asprintf("%.*s%s.%s", dir_len, t->name, hex, t->name + dir_len);
}
