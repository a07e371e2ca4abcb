/* meta/tuf_deleg.c - the structure of targets metadata, delegated roles and path patterns
 *
 * A delegation trusts a role for the target paths that match one of its `paths` patterns
 * (shell-style globs matched per "/"-separated component, so '*' never matches '/': the
 * semantics of python-tuf and go-tuf) or whose SHA-256 hex digest starts with one of its
 * `path_hash_prefixes`. Role names are arbitrary strings; they reach URLs and file names only
 * percent-encoded (flw_tuf__quote), so "../x" or "/x" cannot escape the metadata directory.
 */
#include <fnmatch.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"

#define PATTERN_MAX 1024 /* bytes of one path pattern or hash prefix */

static int target_entry_check(const char *path, const json_t *e, struct flw_diag *diag)
{
	const char *alg;
	json_t *hashes = NULL;
	json_t *v;
	int64_t len = 0;
	int rc;

	if (!json_is_object(e))
		return flw_diag_set(diag, FLW_EFORMAT, "targets",
		                    "target '%.64s': expected an object", path);
	if ((rc = flw_json_get_int(e, "length", &len, 0, INT64_MAX, 1, diag)) != 0 ||
	    (rc = flw_json_get_obj(e, "hashes", &hashes, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	if (json_object_size(hashes) == 0)
		return flw_diag_set(diag, FLW_EFORMAT, "hashes", "target '%.64s': empty hashes",
		                    path);
	json_object_foreach(hashes, alg, v)
	{
		if (!json_is_string(v))
			return flw_diag_set(diag, FLW_EFORMAT, "hashes",
			                    "target '%.64s': hash must be a string", path);
	}
	return 0;
}

static int strings_check(const json_t *arr, const char *what, struct flw_diag *diag)
{
	json_t *v;
	size_t i;

	if (json_array_size(arr) > FLW_TUF_MAX_PATHS)
		return flw_diag_set(diag, FLW_ELIMIT, what, "more than %d %s", FLW_TUF_MAX_PATHS,
		                    what);
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) > PATTERN_MAX)
			return flw_diag_set(diag, FLW_EFORMAT, what,
			                    "%s: strings of at most %d bytes expected", what,
			                    PATTERN_MAX);
	}
	return 0;
}

static int name_listed_before(const json_t *roles, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(roles, i), "name")),
		           name) == 0)
			return 1;
	return 0;
}

static int role_check(const json_t *roles, size_t idx, struct flw_diag *diag)
{
	const json_t *r = json_array_get(roles, idx);
	struct flw_tuf__rolekeys rk;
	const char *name = NULL;
	json_t *paths = NULL;
	json_t *prefixes = NULL;
	int term = 0;
	int rc;

	if (!json_is_object(r))
		return flw_diag_set(diag, FLW_EFORMAT, "delegations.roles",
		                    "delegated role: expected an object");
	if ((rc = flw_json_get_str(r, "name", &name, FLW_TUF_ROLE_NAME_MAX, 1, diag)) != 0 ||
	    (rc = flw_json_get_bool(r, "terminating", &term, 1, diag)) != 0 ||
	    (rc = flw_tuf__rolekeys_parse(&rk, r, name, diag)) != 0)
		return flw_tuf__required(rc, diag);
	if (name[0] == '\0' || flw_tuf_role_from_string(name) >= 0)
		return flw_diag_set(diag, FLW_EFORMAT, "delegations.roles",
		                    "delegated role name '%.64s' is empty or a top-level role's",
		                    name);
	if (name_listed_before(roles, idx, name))
		return flw_diag_set(diag, FLW_EFORMAT, "delegations.roles",
		                    "delegated role '%.64s' listed twice", name);
	rc = flw_json_get_arr(r, "paths", &paths, FLW_TUF_MAX_PATHS, 0, diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	rc = flw_json_get_arr(r, "path_hash_prefixes", &prefixes, FLW_TUF_MAX_PATHS, 0, diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	if (!paths == !prefixes)
		return flw_diag_set(diag, FLW_EFORMAT, "delegations.roles",
		                    "delegated role '%.64s' needs exactly one of paths and "
		                    "path_hash_prefixes",
		                    name);
	return strings_check(paths ? paths : prefixes, paths ? "paths" : "path_hash_prefixes",
	                     diag);
}

static int delegations_check(const json_t *dg, struct flw_diag *diag)
{
	struct flw_tuf__keyring kr = { NULL, 0 };
	json_t *keys = NULL;
	json_t *roles = NULL;
	size_t i;
	int rc;

	if (!json_is_object(dg))
		return flw_diag_set(diag, FLW_EFORMAT, "delegations", "expected an object");
	if (json_object_get(dg, "succinct_roles"))
		return flw_diag_set(diag, FLW_EFORMAT, "delegations.succinct_roles",
		                    "succinct_roles (TAP 15) are not supported");
	if ((rc = flw_json_get_obj(dg, "keys", &keys, 1, diag)) != 0 ||
	    (rc = flw_json_get_arr(dg, "roles", &roles, FLW_TUF_MAX_ROLES, 1, diag)) != 0)
		return flw_tuf__required(rc, diag);
	rc = flw_tuf__keyring_parse(&kr, keys, diag);
	flw_tuf__keyring_free(&kr);
	for (i = 0; rc == 0 && i < json_array_size(roles); i++)
		rc = role_check(roles, i, diag);
	return rc;
}

int flw_tuf__targets_check(const json_t *sgn, struct flw_diag *diag)
{
	json_t *targets = NULL;
	json_t *dg;
	const char *path;
	json_t *e;
	int rc;

	rc = flw_json_get_obj(sgn, "targets", &targets, 1, diag);
	if (rc != 0)
		return flw_tuf__required(rc, diag);
	json_object_foreach(targets, path, e)
	{
		rc = target_entry_check(path, e, diag);
		if (rc != 0)
			return rc;
	}
	dg = json_object_get(sgn, "delegations");
	if (!dg || json_is_null(dg))
		return 0;
	return delegations_check(dg, diag);
}

int flw_tuf__path_match(const char *pattern, const char *path)
{
	if (!pattern || !path)
		return 0;
	/* FNM_PATHNAME: '*', '?' and brackets never match '/', so components match one to one */
	return fnmatch(pattern, path, FNM_PATHNAME | FNM_NOESCAPE) == 0;
}

static int hash_prefix_match(const json_t *prefixes, const char *path)
{
	unsigned char md[FLW_SHA256_BYTES];
	char hex[FLW_SHA256_HEX];
	json_t *p;
	size_t i;

	if (flw_sha256(path, strlen(path), md) != 0)
		return 0;
	flw_hex_encode(hex, md, sizeof(md));
	json_array_foreach(prefixes, i, p)
	{
		const char *s = json_string_value(p);

		if (s && strlen(s) <= 64 && strncmp(hex, s, strlen(s)) == 0)
			return 1;
	}
	return 0;
}

int flw_tuf__role_matches(const json_t *role, const char *path)
{
	json_t *paths = json_object_get(role, "paths");
	json_t *p;
	size_t i;

	if (json_is_array(json_object_get(role, "path_hash_prefixes")))
		return hash_prefix_match(json_object_get(role, "path_hash_prefixes"), path);
	json_array_foreach(paths, i, p)
	{
		if (flw_tuf__path_match(json_string_value(p), path))
			return 1;
	}
	return 0;
}

char *flw_tuf__quote(const char *s)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = flw_malloc(3 * n + 1);
	char *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-' || ch == '~') {
			*o++ = (char)ch;
			continue;
		}
		*o++ = '%';
		*o++ = hexd[ch >> 4];
		*o++ = hexd[ch & 15];
	}
	*o = '\0';
	return out;
}
