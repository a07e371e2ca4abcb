/* src/cli/cmd_ceremony.c - key ceremonies: `fleetward repo sign|merge|root new|root upload|
 * status|targets-resign`
 *
 * k-of-n signing without ever bringing the keys together: one keyholder writes a document
 * (repo init, repo root new, release create, repo targets-resign), each keyholder adds a
 * signature to a copy (repo sign), the copies are merged (repo merge: the union of signatures
 * over byte-identical canonical "signed" parts) and uploaded. The server checks thresholds;
 * so do the agents. docs/KEYS.md "Ceremonies" walks through each one.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"
#include "util/sort.h"

#define DIAG_TEXT                (FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32)
#define CLI_ROOT_DAYS_DEFAULT    365
#define CLI_TARGETS_DAYS_DEFAULT 90
#define CLI_DAYS_MAX             3650
#define CLI_META_MAX             FLW_TUF_TARGETS_MAX_BYTES

static const struct flw_json_limits meta_limits = { CLI_META_MAX, FLW_TUF_MAX_DEPTH };

/* ---- shared -------------------------------------------------------------------------------- */

static int parse_envelope(const struct cli_ctx *ctx, const struct flw_buf *b, const char *what,
                          json_t **out)
{
	struct flw_diag diag = { 0 };
	char msg[DIAG_TEXT];
	json_t *doc = NULL;

	if (flw_json_parse(&doc, b->data, b->len, &meta_limits, &diag) != 0)
		return cli_fail(ctx, "%s: %s", what, flw_diag_format(&diag, msg, sizeof(msg)));
	if (!json_is_object(doc) || !json_is_object(json_object_get(doc, "signed")) ||
	    !json_is_array(json_object_get(doc, "signatures"))) {
		json_decref(doc);
		return cli_fail(ctx,
		                "%s: not a TUF envelope {\"signatures\": [...], \"signed\": {...}}",
		                what);
	}
	*out = doc;
	return 0;
}

int cli_read_envelope(const struct cli_ctx *ctx, const char *path, const char *what, json_t **out,
                      struct flw_buf *bytes_out)
{
	struct flw_diag diag = { 0 };
	struct flw_buf b;
	char msg[DIAG_TEXT];
	int rc;

	flw_buf_init(&b, CLI_META_MAX);
	if (flw_fs_read_all(path, &b, &diag) != 0) {
		rc = cli_fail(ctx, "reading %s: %s", what,
		              flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	rc = parse_envelope(ctx, &b, what, out);
	if (rc == 0 && bytes_out && flw_buf_append(bytes_out, b.data, b.len) != 0) {
		json_decref(*out);
		*out = NULL;
		rc = cli_fail(ctx, "out of memory");
	}
out:
	flw_buf_free(&b);
	return rc;
}

int cli_fetch_envelope(struct cli_ctx *ctx, const char *path, const char *hint_404, json_t **out,
                       struct flw_buf *bytes_out)
{
	struct cli_resp r = { 0 };
	int rc;

	rc = cli_api(ctx, "GET", path, NULL, &r, hint_404);
	if (rc == 0)
		rc = parse_envelope(ctx, &r.body, path, out);
	if (rc == 0 && bytes_out && flw_buf_append(bytes_out, r.body.data, r.body.len) != 0) {
		json_decref(*out);
		*out = NULL;
		rc = cli_fail(ctx, "out of memory");
	}
	cli_resp_free(&r);
	return rc;
}

/* Canonical envelope {"signatures": sigs sorted by keyid, "signed": sgn} into out */
static int write_canonical(const struct cli_ctx *ctx, const char *path, json_t *sigs, json_t *sgn)
{
	struct flw_diag diag = { 0 };
	struct flw_buf b;
	char msg[DIAG_TEXT];
	json_t *env = json_pack("{s:O,s:O}", "signatures", sigs, "signed", sgn);
	int rc;

	flw_buf_init(&b, CLI_META_MAX);
	if (!env)
		return cli_fail(ctx, "out of memory");
	if (flw_json_canonical(&b, env, &diag) != 0)
		rc = cli_fail(ctx, "%s: %s", path, flw_diag_format(&diag, msg, sizeof(msg)));
	else
		rc = cli_write_file(ctx, path, b.data, b.len, 0644);
	json_decref(env);
	flw_buf_free(&b);
	return rc;
}

static int keyid_cmp(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "keyid"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "keyid"));

	return strcmp(x ? x : "", y ? y : "");
}

static const char *type_of(const json_t *sgn)
{
	const char *t = json_string_value(json_object_get(sgn, "_type"));

	return t ? t : "";
}

/* What a document is, for messages: "root v3", "targets v7" */
static void describe(const json_t *doc, char *out, size_t n)
{
	const json_t *sgn = json_object_get(doc, "signed");
	const char *type = json_string_value(json_object_get(sgn, "_type"));
	json_t *v = json_object_get(sgn, "version");

	snprintf(out, n, "%s v%" JSON_INTEGER_FORMAT, type ? type : "?",
	         json_is_integer(v) ? json_integer_value(v) : 0);
}

/* ---- repo sign ----------------------------------------------------------------------------- */

int cli_cmd_repo_sign(struct cli_ctx *ctx)
{
	const char *in = ctx->pos[0];
	const char *out_path = cli_opt_str(ctx, "output");
	struct flw_signer *signer = NULL;
	struct flw_diag diag = { 0 };
	struct flw_buf bytes;
	struct flw_buf out;
	json_t *doc = NULL;
	char what[64];
	char msg[DIAG_TEXT];
	int rc;

	flw_buf_init(&bytes, CLI_META_MAX);
	flw_buf_init(&out, CLI_META_MAX + 4096);
	out_path = out_path ? out_path : in;
	if ((rc = cli_read_envelope(ctx, in, in, &doc, &bytes)) != 0 ||
	    (rc = cli_load_signer(ctx, cli_opt_str(ctx, "key"), &signer)) != 0)
		goto out;
	if (flw_tuf_add_signature(&out, bytes.data, bytes.len, signer, &diag) != 0) {
		rc = cli_fail(ctx, "signing '%s': %s", in,
		              flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	if ((rc = cli_write_file(ctx, out_path, out.data, out.len, 0644)) != 0)
		goto out;
	describe(doc, what, sizeof(what));
	if (ctx->json)
		cli_print_json(json_pack("{s:s,s:s,s:s}", "signed", what, "keyid",
		                         flw_signer_key(signer)->keyid, "output", out_path));
	else
		printf("signed %s with key %.16s...; wrote %s\n", what,
		       flw_signer_key(signer)->keyid, out_path);
out:
	json_decref(doc);
	flw_signer_free(signer);
	flw_buf_free(&bytes);
	flw_buf_free(&out);
	return rc;
}

/* ---- repo merge ---------------------------------------------------------------------------- */

/* Path of the first difference between a and b ("signed.roles.root.threshold"), into out */
static void first_difference(const json_t *a, const json_t *b, char *out, size_t n)
{
	size_t len = strlen(out);

	if (json_typeof(a) != json_typeof(b) || !(json_is_object(a) || json_is_array(a)))
		return;
	if (json_is_object(a)) {
		const char *k;
		const json_t *v;
		const char *first = NULL;

		/* the smallest key (canonical order) present in only one, or differing */
		json_object_foreach((json_t *)a, k, v)
		{
			if (!json_equal(v, json_object_get(b, k)) &&
			    (!first || strcmp(k, first) < 0))
				first = k;
		}
		json_object_foreach((json_t *)b, k, v)
		{
			if (!json_object_get(a, k) && (!first || strcmp(k, first) < 0))
				first = k;
		}
		if (!first)
			return;
		snprintf(out + len, n - len, ".%s", first);
		if (json_object_get(a, first) && json_object_get(b, first))
			first_difference(json_object_get(a, first), json_object_get(b, first), out,
			                 n);
		return;
	}
	{
		size_t i;

		for (i = 0; i < json_array_size(a) || i < json_array_size(b); i++) {
			if (json_equal(json_array_get(a, i), json_array_get(b, i)))
				continue;
			snprintf(out + len, n - len, "[%zu]", i);
			if (json_array_get(a, i) && json_array_get(b, i))
				first_difference(json_array_get(a, i), json_array_get(b, i), out,
				                 n);
			return;
		}
	}
}

static int add_unique_sigs(const struct cli_ctx *ctx, json_t *all, const json_t *sigs,
                           const char *file)
{
	const json_t *s;
	size_t i;
	size_t j;

	json_array_foreach((json_t *)sigs, i, s)
	{
		const char *kid = json_string_value(json_object_get(s, "keyid"));
		const char *sig = json_string_value(json_object_get(s, "sig"));
		int dup = 0;

		if (!kid || !sig || !json_is_object(s) || json_object_size(s) != 2)
			return cli_fail(ctx, "%s: signatures[%zu]: expected {\"keyid\", \"sig\"}",
			                file, i);
		for (j = 0; j < json_array_size(all); j++) {
			const json_t *o = json_array_get(all, j);

			if (strcmp(json_string_value(json_object_get(o, "keyid")), kid) != 0)
				continue;
			dup = 1;
			if (strcmp(json_string_value(json_object_get(o, "sig")), sig) != 0)
				fprintf(stderr,
				        "warning: %s: key %.16s... has another signature too; "
				        "keeping "
				        "the first\n",
				        file, kid);
		}
		if (!dup && json_array_append(all, (json_t *)s) != 0)
			return cli_fail(ctx, "out of memory");
	}
	return 0;
}

int cli_cmd_repo_merge(struct cli_ctx *ctx)
{
	const char *out_path = cli_opt_str(ctx, "output");
	struct flw_buf first_canon;
	struct flw_buf canon;
	json_t *first = NULL;
	json_t *all = json_array();
	json_t **items = NULL;
	char what[64];
	unsigned i;
	size_t n;
	int rc = CLI_EXIT_FAIL;

	flw_buf_init(&first_canon, CLI_META_MAX);
	flw_buf_init(&canon, CLI_META_MAX);
	if (!all)
		return cli_fail(ctx, "out of memory");
	for (i = 0; i < ctx->npos; i++) {
		json_t *doc = NULL;

		if ((rc = cli_read_envelope(ctx, ctx->pos[i], ctx->pos[i], &doc, NULL)) != 0)
			goto out;
		flw_buf_reset(&canon);
		if (flw_json_canonical(i == 0 ? &first_canon : &canon,
		                       json_object_get(doc, "signed"), NULL) != 0) {
			json_decref(doc);
			rc = cli_fail(ctx, "%s: \"signed\" has no canonical form (a real number?)",
			              ctx->pos[i]);
			goto out;
		}
		if (i > 0 && (canon.len != first_canon.len ||
		              memcmp(canon.data, first_canon.data, canon.len) != 0)) {
			char where[512] = "signed";

			first_difference(json_object_get(first, "signed"),
			                 json_object_get(doc, "signed"), where, sizeof(where));
			rc = cli_fail(
			        ctx,
			        "'%s' and '%s' sign different documents: they first differ at %s; "
			        "merge only copies of one document",
			        ctx->pos[0], ctx->pos[i], where);
			json_decref(doc);
			goto out;
		}
		rc = add_unique_sigs(ctx, all, json_object_get(doc, "signatures"), ctx->pos[i]);
		if (i == 0)
			first = doc;
		else
			json_decref(doc);
		if (rc != 0)
			goto out;
	}
	n = json_array_size(all);
	items = flw_calloc(n ? n : 1, sizeof(*items));
	if (!items) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		items[i] = json_incref(json_array_get(all, i));
	flw_sort(items, n, sizeof(*items), keyid_cmp);
	json_array_clear(all);
	for (i = 0; i < n; i++)
		json_array_append_new(all, items[i]);
	rc = write_canonical(ctx, out_path, all, json_object_get(first, "signed"));
	if (rc != 0)
		goto out;
	describe(first, what, sizeof(what));
	if (ctx->json)
		cli_print_json(json_pack("{s:s,s:I,s:s}", "merged", what, "signatures",
		                         (json_int_t)n, "output", out_path));
	else
		printf("merged %u copies of %s: %zu signature(s); wrote %s\n", ctx->npos, what, n,
		       out_path);
out:
	flw_free(items);
	json_decref(first);
	json_decref(all);
	flw_buf_free(&first_canon);
	flw_buf_free(&canon);
	return rc;
}

/* ---- repo root new ------------------------------------------------------------------------- */

static const char *const role_names[] = { "root", "targets", "snapshot", "timestamp", "director" };

/* The {keyids, threshold} object of ROLE in a root "signed" (director: the extra field) */
static json_t *role_obj(json_t *sgn, const char *role)
{
	if (strcmp(role, "director") == 0)
		return json_object_get(sgn, FLW_TUF_DIRECTOR_FIELD);
	return json_object_get(json_object_get(sgn, "roles"), role);
}

static int role_ok(const char *role)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(role_names); i++)
		if (strcmp(role, role_names[i]) == 0)
			return 1;
	return 0;
}

/* "ROLE=VALUE" -> role (copied into buf) and value */
static int split_arg(const struct cli_ctx *ctx, const char *opt, const char *arg, char *role,
                     size_t n, const char **value)
{
	const char *eq = strchr(arg, '=');

	if (!eq || (size_t)(eq - arg) >= n || eq[1] == '\0')
		return cli_usage(ctx, "--%s '%s': give ROLE=VALUE, e.g. --%s targets=%s", opt, arg,
		                 opt, strcmp(opt, "threshold") == 0 ? "2" : "KEY");
	memcpy(role, arg, (size_t)(eq - arg));
	role[eq - arg] = '\0';
	if (!role_ok(role))
		return cli_usage(
		        ctx, "--%s '%s': ROLE is root, targets, snapshot, timestamp or director",
		        opt, arg);
	*value = eq + 1;
	return 0;
}

static int keyids_has(const json_t *ids, const char *kid)
{
	const json_t *v;
	size_t i;

	json_array_foreach((json_t *)ids, i,
	                   v) if (json_is_string(v) &&
	                          strcmp(json_string_value(v), kid) == 0) return 1;
	return 0;
}

/* List key (object k, keyid kid) for role: into "keys" and the role's keyids */
static int list_key(const struct cli_ctx *ctx, json_t *sgn, const char *role, const json_t *k,
                    const char *kid)
{
	json_t *keys = json_object_get(sgn, "keys");
	json_t *ro = role_obj(sgn, role);
	json_t *ids = json_object_get(ro, "keyids");

	if (!json_is_object(keys) || !json_is_array(ids))
		return cli_fail(ctx, "the current root has no '%s' role to add a key to", role);
	if (json_object_set_new(keys, kid, json_deep_copy(k)) != 0 ||
	    (!keyids_has(ids, kid) && json_array_append_new(ids, json_string(kid)) != 0))
		return cli_fail(ctx, "out of memory");
	return 0;
}

static int add_key(const struct cli_ctx *ctx, json_t *sgn, const char *arg)
{
	struct flw_json_limits lim = { 4096, 4 };
	struct flw_diag diag = { 0 };
	struct flw_tuf_key k;
	struct flw_buf b;
	char role[16];
	char msg[DIAG_TEXT];
	const char *file = NULL;
	json_t *o = NULL;
	int rc;

	if ((rc = split_arg(ctx, "add-key", arg, role, sizeof(role), &file)) != 0)
		return rc;
	flw_buf_init(&b, 4096);
	if (flw_fs_read_all(file, &b, &diag) != 0 ||
	    flw_json_parse(&o, b.data, b.len, &lim, &diag) != 0 ||
	    flw_tuf_key_from_json(o, &k, &diag) != 0) {
		rc = cli_fail(ctx, "--add-key %s: %s", arg,
		              flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	if (json_object_get(json_object_get(o, "keyval"), "private") ||
	    json_object_get(o, "encrypted")) {
		rc = cli_usage(ctx,
		               "--add-key %s: give the public key file (PATH.pub), not the "
		               "private key",
		               arg);
		goto out;
	}
	rc = list_key(ctx, sgn, role, o, k.keyid);
out:
	json_decref(o);
	flw_buf_free(&b);
	return rc;
}

static int remove_key(const struct cli_ctx *ctx, json_t *sgn, const char *arg)
{
	char role[16];
	const char *kid = NULL;
	json_t *ids;
	json_t *v;
	size_t i;
	size_t hit = (size_t)-1;
	size_t nhit = 0;
	int rc;

	if ((rc = split_arg(ctx, "remove-key", arg, role, sizeof(role), &kid)) != 0)
		return rc;
	if (strlen(kid) < 8)
		return cli_usage(ctx, "--remove-key %s: give at least 8 hex digits of the keyid",
		                 arg);
	ids = json_object_get(role_obj(sgn, role), "keyids");
	json_array_foreach(ids, i, v)
	{
		const char *s = json_string_value(v);

		if (s && strncmp(s, kid, strlen(kid)) == 0) {
			hit = i;
			nhit++;
		}
	}
	if (nhit == 0)
		return cli_fail(ctx, "--remove-key %s: the %s role lists no key %s", arg, role,
		                kid);
	if (nhit > 1)
		return cli_usage(ctx, "--remove-key %s: %zu keys start with %s; give more digits",
		                 arg, nhit, kid);
	json_array_remove(ids, hit);
	return 0;
}

static int set_threshold(const struct cli_ctx *ctx, json_t *sgn, const char *arg)
{
	char role[16];
	const char *val = NULL;
	int64_t n;
	int rc;

	if ((rc = split_arg(ctx, "threshold", arg, role, sizeof(role), &val)) != 0)
		return rc;
	if (cli_parse_int(val, 1, FLW_TUF_MAX_KEYS, &n) != 0)
		return cli_usage(ctx, "--threshold %s: N is a whole number from 1 to %u", arg,
		                 (unsigned)FLW_TUF_MAX_KEYS);
	if (!json_is_object(role_obj(sgn, role)))
		return cli_fail(ctx, "the current root has no '%s' role", role);
	if (json_object_set_new(role_obj(sgn, role), "threshold", json_integer(n)) != 0)
		return cli_fail(ctx, "out of memory");
	return 0;
}

/* snapshot/timestamp/director := the server's pending key if any, else its current one */
static int use_online_keys(struct cli_ctx *ctx, json_t *sgn)
{
	static const char *const online[] = { "snapshot", "timestamp", "director" };
	struct cli_resp r = { 0 };
	size_t i;
	int rc;

	rc = cli_api(ctx, "GET", "/api/v1/tuf/online-keys", NULL, &r, NULL);
	for (i = 0; rc == 0 && i < FLW_ARRAY_SIZE(online); i++) {
		const json_t *k = json_object_get(json_object_get(r.json, "pending"), online[i]);
		struct flw_diag diag = { 0 };
		struct flw_tuf_key key;
		json_t *ro = role_obj(sgn, online[i]);
		int pending = k != NULL;

		if (!k)
			k = json_object_get(r.json, online[i]);
		if (!k || flw_tuf_key_from_json(k, &key, &diag) != 0) {
			rc = cli_fail(ctx, "the server's online keys have no usable '%s' key",
			              online[i]);
			break;
		}
		if (!ro) {
			ro = json_pack("{s:[],s:i}", "keyids", "threshold", 1);
			if (!ro || json_object_set_new(strcmp(online[i], "director") == 0
			                                       ? sgn
			                                       : json_object_get(sgn, "roles"),
			                               strcmp(online[i], "director") == 0
			                                       ? FLW_TUF_DIRECTOR_FIELD
			                                       : online[i],
			                               ro) != 0) {
				rc = cli_fail(ctx, "out of memory");
				break;
			}
		}
		json_array_clear(json_object_get(ro, "keyids"));
		json_object_set_new(ro, "threshold", json_integer(1));
		rc = list_key(ctx, sgn, online[i], k, key.keyid);
		if (rc == 0)
			fprintf(stderr, "%s: the server's %s key %.16s...\n", online[i],
			        pending ? "pending" : "current", key.keyid);
	}
	cli_resp_free(&r);
	return rc;
}

/* Drop key objects no role lists any more; refuse thresholds of 0 or above the key count. */
static int tidy_and_check(const struct cli_ctx *ctx, json_t *sgn)
{
	json_t *keys = json_object_get(sgn, "keys");
	const char *kid;
	json_t *v;
	void *tmp;
	size_t i;

	json_object_foreach_safe(keys, tmp, kid, v)
	{
		int used = 0;

		for (i = 0; i < FLW_ARRAY_SIZE(role_names); i++)
			used |= keyids_has(json_object_get(role_obj(sgn, role_names[i]), "keyids"),
			                   kid);
		if (!used)
			json_object_del(keys, kid);
	}
	for (i = 0; i < FLW_ARRAY_SIZE(role_names); i++) {
		json_t *ro = role_obj(sgn, role_names[i]);
		json_int_t t = json_integer_value(json_object_get(ro, "threshold"));
		size_t n = json_array_size(json_object_get(ro, "keyids"));

		if (!ro && strcmp(role_names[i], "director") == 0)
			return cli_fail(ctx, "the root has no director keys: add --online-keys");
		if (!ro)
			return cli_fail(ctx, "the root has no '%s' role", role_names[i]);
		if (t < 1 || (size_t)t > n)
			return cli_fail(
			        ctx,
			        "refusing a root whose '%s' threshold is %" JSON_INTEGER_FORMAT
			        " with %zu key(s): a threshold must be 1 to the number of keys",
			        role_names[i], t, n);
	}
	return 0;
}

int cli_cmd_repo_root_new(struct cli_ctx *ctx)
{
	const char *root_file = cli_opt_str(ctx, "root");
	const char *out_path = cli_opt_str(ctx, "output");
	json_t *doc = NULL;
	json_t *sgn = NULL;
	json_t *sigs = json_array();
	char expires[21];
	int64_t days;
	int64_t ver = 0;
	time_t old_exp = 0;
	unsigned i;
	int rc;

	if ((rc = cli_opt_int(ctx, "expires-days", 1, CLI_DAYS_MAX, CLI_ROOT_DAYS_DEFAULT,
	                      &days)) != 0)
		goto out;
	rc = root_file ? cli_read_envelope(ctx, root_file, root_file, &doc, NULL)
	               : cli_fetch_envelope(ctx, "/api/v1/tuf/root",
	                                    "the repository has no root yet: run 'fleetward repo "
	                                    "init' first",
	                                    &doc, NULL);
	if (rc != 0)
		goto out;
	sgn = json_deep_copy(json_object_get(doc, "signed"));
	if (!sgn || !sigs) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	if (strcmp(type_of(sgn), "root") != 0 ||
	    flw_tuf_signed_header(sgn, &ver, &old_exp, NULL) != 0 || ver >= INT64_MAX) {
		rc = cli_fail(ctx, "the current root is not root metadata");
		goto out;
	}
	flw_tuf_time_format(ctx->now + (time_t)days * 86400, expires);
	json_object_set_new(sgn, "version", json_integer(ver + 1));
	json_object_set_new(sgn, "expires", json_string(expires));
	for (i = 0; rc == 0 && i < cli_opt_count(ctx, "remove-key"); i++)
		rc = remove_key(ctx, sgn, cli_opt_nth(ctx, "remove-key", i));
	for (i = 0; rc == 0 && i < cli_opt_count(ctx, "add-key"); i++)
		rc = add_key(ctx, sgn, cli_opt_nth(ctx, "add-key", i));
	if (rc == 0 && cli_opt_count(ctx, "online-keys"))
		rc = use_online_keys(ctx, sgn);
	for (i = 0; rc == 0 && i < cli_opt_count(ctx, "threshold"); i++)
		rc = set_threshold(ctx, sgn, cli_opt_nth(ctx, "threshold", i));
	if (rc == 0)
		rc = tidy_and_check(ctx, sgn);
	if (rc == 0)
		rc = write_canonical(ctx, out_path, sigs, sgn);
	if (rc != 0)
		goto out;
	if (ctx->json)
		cli_print_json(json_pack("{s:I,s:s}", "root_version", (json_int_t)(ver + 1),
		                         "output", out_path));
	else
		printf("wrote root v%" PRId64 " (unsigned) to %s; it needs a threshold of the "
		       "current root keys AND of its own: each keyholder runs 'fleetward repo sign "
		       "%s --key KEY -o COPY', then 'fleetward repo merge COPY... -o SIGNED' and "
		       "'fleetward repo root upload SIGNED'\n",
		       ver + 1, out_path, out_path);
out:
	json_decref(doc);
	json_decref(sgn);
	json_decref(sigs);
	return rc;
}

int cli_cmd_repo_root_upload(struct cli_ctx *ctx)
{
	struct flw_buf bytes;
	struct cli_resp r = { 0 };
	json_t *doc = NULL;
	int rc;

	flw_buf_init(&bytes, FLW_TUF_ROOT_MAX_BYTES);
	rc = cli_read_envelope(ctx, ctx->pos[0], ctx->pos[0], &doc, &bytes);
	if (rc != 0)
		goto out;
	rc = cli_api_raw(ctx, "POST", "/api/v1/tuf/root", bytes.data, bytes.len, &r, NULL);
	if (rc != 0)
		goto out;
	if (ctx->json)
		cli_print_raw(&r);
	else
		printf("root v%" JSON_INTEGER_FORMAT " published\n",
		       json_integer_value(json_object_get(r.json, "version")));
out:
	json_decref(doc);
	cli_resp_free(&r);
	flw_buf_free(&bytes);
	return rc;
}

/* ---- repo status --------------------------------------------------------------------------- */

struct status_ctx {
	struct cli_ctx *ctx;
	json_t *out; /* --json answer */
	unsigned warnings;
};

static void warn(struct status_ctx *st, const char *fmt, ...) FLW_PRINTF(2, 3);
static void warn(struct status_ctx *st, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	st->warnings++;
	if (st->ctx->json)
		json_array_append_new(json_object_get(st->out, "warnings"), json_string(line));
	else
		printf("warning: %s\n", line);
}

static const time_t default_life[4] = { FLW_TUF_ROOT_LIFETIME, FLW_TUF_TARGETS_LIFETIME,
	                                FLW_TUF_SNAPSHOT_LIFETIME, FLW_TUF_TIMESTAMP_LIFETIME };

/* One line per role: version, expiry, threshold and keys (from root) */
static void status_role(struct status_ctx *st, const char *name, int role, const json_t *doc,
                        const json_t *root_sgn)
{
	const json_t *sgn = json_object_get(doc, "signed");
	const json_t *ro = strcmp(name, "director") == 0
	                           ? json_object_get(root_sgn, FLW_TUF_DIRECTOR_FIELD)
	                           : json_object_get(json_object_get(root_sgn, "roles"), name);
	const json_t *ids = json_object_get(ro, "keyids");
	char ago[32] = "-";
	char keys[FLW_TUF_MAX_KEYS * 20] = "";
	int64_t ver = 0;
	time_t exp = 0;
	const json_t *v;
	size_t i;
	size_t len = 0;

	if (sgn && flw_tuf_signed_header(sgn, &ver, &exp, NULL) == 0)
		cli_fmt_ago((int64_t)exp, st->ctx->now, ago, sizeof(ago));
	json_array_foreach((json_t *)ids, i, v)
	{
		int n = snprintf(keys + len, sizeof(keys) - len, "%s%.12s", i ? "," : "",
		                 json_string_value(v) ? json_string_value(v) : "?");

		if (n < 0 || (size_t)n >= sizeof(keys) - len)
			break;
		len += (size_t)n;
	}
	if (st->ctx->json) {
		json_t *o = json_pack("{s:I,s:I,s:I,s:o}", "version", (json_int_t)ver, "expires",
		                      (json_int_t)exp, "threshold",
		                      json_integer_value(json_object_get(ro, "threshold")),
		                      "keyids", ids ? json_deep_copy(ids) : json_array());

		json_object_set_new(json_object_get(st->out, "roles"), name, o);
	} else {
		char vs[24] = "-";

		if (sgn)
			snprintf(vs, sizeof(vs), "%" PRId64, ver);
		printf("%-10s %-8s %-12s %-10" JSON_INTEGER_FORMAT " %s\n", name, vs, ago,
		       json_integer_value(json_object_get(ro, "threshold")), keys[0] ? keys : "-");
	}
	if (sgn && role >= 0 && exp > 0) {
		if (exp <= st->ctx->now)
			warn(st, "%s v%" PRId64 " has expired", name, ver);
		else if ((exp - st->ctx->now) * 5 < default_life[role])
			warn(st,
			     "%s v%" PRId64
			     " expires %s: less than 20%% of its %d-day lifetime left",
			     name, ver, ago,
			     (int)(default_life[role] / 86400 ? default_life[role] / 86400 : 1));
	}
	if (ro &&
	    json_array_size(ids) < (size_t)json_integer_value(json_object_get(ro, "threshold")))
		warn(st, "%s threshold exceeds its key count", name);
}

int cli_cmd_repo_status(struct cli_ctx *ctx)
{
	struct status_ctx st = { ctx, NULL, 0 };
	struct flw_buf root_bytes;
	struct flw_buf tgt_bytes;
	struct flw_tuf_root *root = NULL;
	struct cli_resp ok = { 0 };
	json_t *root_doc = NULL;
	json_t *tgt = NULL;
	json_t *ts = NULL;
	json_t *snap = NULL;
	struct flw_diag diag = { 0 };
	char msg[DIAG_TEXT];
	char *snap_path = NULL;
	int rc;

	flw_buf_init(&root_bytes, FLW_TUF_ROOT_MAX_BYTES);
	flw_buf_init(&tgt_bytes, FLW_TUF_TARGETS_MAX_BYTES);
	st.out = json_pack("{s:{},s:[]}", "roles", "warnings");
	if (!st.out)
		return cli_fail(ctx, "out of memory");
	rc = cli_fetch_envelope(ctx, "/api/v1/tuf/root",
	                        "the repository has no root yet: run 'fleetward repo init' first",
	                        &root_doc, &root_bytes);
	if (rc != 0)
		goto out;
	if (flw_tuf_root_parse(&root, root_bytes.data, root_bytes.len, &diag) != 0) {
		rc = cli_fail(ctx, "the server's root: %s",
		              flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	(void)cli_fetch_envelope(ctx, "/api/v1/tuf/targets", NULL, &tgt, &tgt_bytes);
	(void)cli_fetch_envelope(ctx, "/tuf/metadata/timestamp.json", NULL, &ts, NULL);
	if (ts) {
		json_t *sv = json_object_get(
		        json_object_get(json_object_get(json_object_get(ts, "signed"), "meta"),
		                        "snapshot.json"),
		        "version");

		snap_path = flw_asprintf("/tuf/metadata/%" JSON_INTEGER_FORMAT ".snapshot.json",
		                         json_integer_value(sv));
		if (snap_path)
			(void)cli_fetch_envelope(ctx, snap_path, NULL, &snap, NULL);
	}
	if (!ctx->json)
		printf("%-10s %-8s %-12s %-10s %s\n", "ROLE", "VERSION", "EXPIRES", "THRESHOLD",
		       "KEYS");
	status_role(&st, "root", FLW_TUF_ROOT, root_doc, json_object_get(root_doc, "signed"));
	status_role(&st, "targets", FLW_TUF_TARGETS, tgt, json_object_get(root_doc, "signed"));
	status_role(&st, "snapshot", FLW_TUF_SNAPSHOT, snap, json_object_get(root_doc, "signed"));
	status_role(&st, "timestamp", FLW_TUF_TIMESTAMP, ts, json_object_get(root_doc, "signed"));
	status_role(&st, "director", -1, NULL, json_object_get(root_doc, "signed"));
	flw_diag_clear(&diag);
	if (!tgt)
		warn(&st, "no targets metadata yet");
	else if (flw_tuf_verify(root, FLW_TUF_TARGETS, tgt_bytes.data, tgt_bytes.len, NULL,
	                        &diag) != 0)
		warn(&st,
		     "targets are not verifiable under the current root (%s): publish targets "
		     "signed by its targets keys ('fleetward repo targets-resign')",
		     diag.msg);
	if (!json_object_get(json_object_get(root_doc, "signed"), FLW_TUF_DIRECTOR_FIELD))
		warn(&st,
		     "the root names no director keys: rotate root with 'fleetward repo root new "
		     "--online-keys'");
	if (cli_api(ctx, "GET", "/api/v1/tuf/online-keys", NULL, &ok, NULL) == 0 &&
	    json_object_get(ok.json, "pending"))
		warn(&st, "the server has pending online keys: they take effect once a root that "
		          "lists them is uploaded ('fleetward repo root new --online-keys')");
	rc = 0;
	if (ctx->json) {
		cli_print_json(st.out);
		st.out = NULL;
	} else if (st.warnings == 0) {
		printf("no warnings\n");
	}
out:
	cli_resp_free(&ok);
	flw_tuf_root_free(root);
	json_decref(st.out);
	json_decref(root_doc);
	json_decref(tgt);
	json_decref(ts);
	json_decref(snap);
	flw_free(snap_path);
	flw_buf_free(&root_bytes);
	flw_buf_free(&tgt_bytes);
	return rc;
}

/* ---- repo targets-resign ------------------------------------------------------------------- */

int cli_cmd_repo_targets_resign(struct cli_ctx *ctx)
{
	const char *file = cli_opt_str(ctx, "targets");
	struct flw_signer *signers[FLW_TUF_MAX_KEYS];
	struct flw_diag diag = { 0 };
	struct flw_buf env;
	json_t *doc = NULL;
	json_t *next = NULL;
	char *out_path = NULL;
	char expires[21];
	char msg[DIAG_TEXT];
	unsigned n = cli_opt_count(ctx, "key");
	unsigned nsig = 0;
	unsigned i;
	int vouched = 0;
	int64_t days;
	int64_t ver = 0;
	time_t old_exp = 0;
	int rc;

	flw_buf_init(&env, FLW_TUF_TARGETS_MAX_BYTES);
	if (n > FLW_TUF_MAX_KEYS)
		return cli_usage(ctx, "at most %u --key", (unsigned)FLW_TUF_MAX_KEYS);
	if ((rc = cli_opt_int(ctx, "expires-days", 1, CLI_DAYS_MAX, CLI_TARGETS_DAYS_DEFAULT,
	                      &days)) != 0)
		goto out;
	rc = file ? cli_read_envelope(ctx, file, file, &doc, NULL)
	          : cli_fetch_envelope(ctx, "/api/v1/tuf/targets",
	                               "the repository has no targets yet: run 'fleetward repo "
	                               "init' first",
	                               &doc, NULL);
	if (rc != 0)
		goto out;
	for (i = 0; i < n; i++) {
		rc = cli_load_signer(ctx, cli_opt_nth(ctx, "key", i), &signers[i]);
		if (rc != 0)
			goto out;
		nsig++;
		vouched |= cli_signed_by(doc, flw_signer_key(signers[i]));
	}
	next = json_deep_copy(json_object_get(doc, "signed"));
	if (!next || strcmp(type_of(next), "targets") != 0 ||
	    flw_tuf_signed_header(next, &ver, &old_exp, &diag) != 0 || ver >= INT64_MAX) {
		rc = cli_fail(ctx, "the current metadata is not targets metadata");
		goto out;
	}
	if (!vouched) {
		rc = cli_fail(ctx,
		              "none of the given keys signed the current targets v%" PRId64 "; "
		              "refusing to sign content none of them signed before",
		              ver);
		cli_hint(
		        "give at least one targets key that signed the current version (a key that "
		        "is still trusted)");
		goto out;
	}
	flw_tuf_time_format(ctx->now + (time_t)days * 86400, expires);
	json_object_set_new(next, "version", json_integer(ver + 1));
	json_object_set_new(next, "expires", json_string(expires));
	if (flw_tuf_sign(&env, next, signers, nsig, &diag) != 0) {
		rc = cli_fail(ctx, "signing: %s", flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	out_path = cli_opt_str(ctx, "output") ? flw_strdup(cli_opt_str(ctx, "output"))
	                                      : flw_asprintf("targets-v%" PRId64 ".json", ver + 1);
	if (!out_path) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	if ((rc = cli_write_file(ctx, out_path, env.data, env.len, 0644)) != 0)
		goto out;
	if (ctx->json)
		cli_print_json(json_pack("{s:I,s:i,s:s}", "targets_version", (json_int_t)(ver + 1),
		                         "signatures", (int)nsig, "output", out_path));
	else
		printf("re-signed targets as v%" PRId64 " with %u key(s); wrote %s\n"
		       "next: fleetward release upload --metadata %s\n",
		       ver + 1, nsig, out_path, out_path);
out:
	for (i = 0; i < nsig; i++)
		flw_signer_free(signers[i]);
	json_decref(doc);
	json_decref(next);
	flw_free(out_path);
	flw_buf_free(&env);
	return rc;
}
