/* src/cli/cmd_repo.c - `fleetward repo init|root`: the image repository's trust anchor
 *
 * repo init builds root v1 from the operator's key files (root keys, threshold, targets key)
 * and the server's online snapshot/timestamp keys, signs it with the root keys, uploads it,
 * writes it to root.json (the file to install on devices), then uploads an empty targets v1
 * signed with the targets key. The private keys never leave this process.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"

#define CLI_ROOT_DAYS_DEFAULT 365
#define CLI_DAYS_MAX          3650

int cli_write_file(const struct cli_ctx *ctx, const char *path, const void *data, size_t len,
                   unsigned mode)
{
	struct flw_diag diag = { 0 };
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32];

	if (flw_fs_write_atomic(path, data, len, (mode_t)mode, &diag) == 0)
		return 0;
	return cli_fail(ctx, "writing '%s': %s", path, flw_diag_format(&diag, msg, sizeof(msg)));
}

static int online_key(const struct cli_ctx *ctx, const json_t *answer, const char *role,
                      struct flw_tuf_key *out)
{
	struct flw_diag diag = { 0 };
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32];
	const json_t *obj = json_object_get(answer, role);

	if (!json_is_object(obj))
		return cli_fail(ctx, "the server's online keys have no '%s' key", role);
	if (flw_tuf_key_from_json(obj, out, &diag) != 0)
		return cli_fail(ctx, "the server's %s key: %s", role,
		                flw_diag_format(&diag, msg, sizeof(msg)));
	return 0;
}

struct repo_keys {
	struct flw_signer *root[FLW_TUF_MAX_KEYS];
	struct flw_tuf_key root_pub[FLW_TUF_MAX_KEYS];
	size_t n_root;
	int64_t threshold;
	struct flw_signer *targets;
	struct flw_tuf_key snapshot;
	struct flw_tuf_key timestamp;
};

static int load_keys(struct cli_ctx *ctx, struct repo_keys *k)
{
	unsigned n = cli_opt_count(ctx, "root-key");
	unsigned i;
	int rc;

	if (n > FLW_TUF_MAX_KEYS)
		return cli_usage(ctx, "at most %u --root-key", (unsigned)FLW_TUF_MAX_KEYS);
	if ((rc = cli_opt_int(ctx, "root-threshold", 1, n, 1, &k->threshold)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		rc = cli_load_signer(ctx, cli_opt_nth(ctx, "root-key", i), &k->root[i]);
		if (rc != 0)
			return rc;
		k->root_pub[i] = *flw_signer_key(k->root[i]);
		k->n_root++;
	}
	return cli_load_signer(ctx, cli_opt_str(ctx, "targets-key"), &k->targets);
}

static void free_keys(struct repo_keys *k)
{
	size_t i;

	for (i = 0; i < k->n_root; i++)
		flw_signer_free(k->root[i]);
	flw_signer_free(k->targets);
}

/* Build and sign root v1 into out. */
static int make_root(struct cli_ctx *ctx, struct repo_keys *k, int64_t days, struct flw_buf *out)
{
	struct flw_tuf_role_keys roles[4];
	struct flw_diag diag = { 0 };
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32];
	json_t *root = NULL;
	int frc;

	roles[FLW_TUF_ROOT] =
	        (struct flw_tuf_role_keys){ k->root_pub, k->n_root, (unsigned)k->threshold };
	roles[FLW_TUF_TARGETS] = (struct flw_tuf_role_keys){ flw_signer_key(k->targets), 1, 1 };
	roles[FLW_TUF_SNAPSHOT] = (struct flw_tuf_role_keys){ &k->snapshot, 1, 1 };
	roles[FLW_TUF_TIMESTAMP] = (struct flw_tuf_role_keys){ &k->timestamp, 1, 1 };
	frc = flw_tuf_make_root(&root, 1, ctx->now + (time_t)days * 86400, roles);
	if (frc == 0)
		frc = flw_tuf_sign(out, root, k->root, k->n_root, &diag);
	if (root)
		json_decref(root);
	if (frc != 0)
		return cli_fail(ctx, "cannot make root v1: %s",
		                diag.msg[0] ? flw_diag_format(&diag, msg, sizeof(msg))
		                            : flw_strerror(frc));
	return 0;
}

static int upload_empty_targets(struct cli_ctx *ctx, struct flw_signer *targets)
{
	struct flw_buf env;
	struct flw_diag diag = { 0 };
	struct cli_resp r = { 0 };
	json_t *t = NULL;
	int rc = CLI_EXIT_FAIL;
	int frc;

	flw_buf_init(&env, FLW_TUF_TARGETS_MAX_BYTES);
	frc = flw_tuf_make_targets(&t, 1, ctx->now + FLW_TUF_TARGETS_LIFETIME);
	if (frc == 0)
		frc = flw_tuf_sign(&env, t, &targets, 1, &diag);
	if (frc != 0) {
		rc = cli_fail(ctx, "cannot make targets v1: %s", flw_strerror(frc));
		goto out;
	}
	rc = cli_api_raw(ctx, "POST", "/api/v1/releases", env.data, env.len, &r, NULL);
out:
	cli_resp_free(&r);
	if (t)
		json_decref(t);
	flw_buf_free(&env);
	return rc;
}

static int fetch_online_keys(struct cli_ctx *ctx, struct repo_keys *k)
{
	struct cli_resp r = { 0 };
	int rc;

	rc = cli_api(ctx, "GET", "/api/v1/tuf/online-keys", NULL, &r, NULL);
	if (rc == 0)
		rc = online_key(ctx, r.json, "snapshot", &k->snapshot);
	if (rc == 0)
		rc = online_key(ctx, r.json, "timestamp", &k->timestamp);
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_repo_init(struct cli_ctx *ctx)
{
	const char *out_path = cli_opt_str(ctx, "output");
	struct repo_keys k = { 0 };
	struct cli_resp r = { 0 };
	struct flw_buf env;
	struct stat st;
	int64_t days;
	int rc;

	flw_buf_init(&env, FLW_TUF_ROOT_MAX_BYTES);
	out_path = out_path ? out_path : "root.json";
	if ((rc = cli_opt_int(ctx, "expires-days", 1, CLI_DAYS_MAX, CLI_ROOT_DAYS_DEFAULT,
	                      &days)) != 0)
		goto out;
	if (lstat(out_path, &st) == 0) {
		rc = cli_usage(ctx, "'%s' already exists; give -o with a new file name", out_path);
		goto out;
	}
	if ((rc = load_keys(ctx, &k)) != 0 || (rc = fetch_online_keys(ctx, &k)) != 0 ||
	    (rc = make_root(ctx, &k, days, &env)) != 0)
		goto out;
	rc = cli_api_raw(ctx, "POST", "/api/v1/tuf/root", env.data, env.len, &r, NULL);
	if (rc != 0)
		goto out;
	if ((rc = cli_write_file(ctx, out_path, env.data, env.len, 0644)) != 0)
		goto out;
	fprintf(stderr, "root v1 uploaded (%zu root key(s), threshold %" PRId64 "); wrote %s\n",
	        k.n_root, k.threshold, out_path);
	rc = upload_empty_targets(ctx, k.targets);
	if (rc != 0) {
		cli_hint("root v1 is in place; rerun only the targets step is not possible yet: "
		         "check the server log");
		goto out;
	}
	if (ctx->json)
		cli_print_json(json_pack("{s:i,s:s,s:s}", "root_version", 1, "root", out_path,
		                         "targets_key", flw_signer_key(k.targets)->keyid));
	else
		printf("repository initialised: root v1, empty targets v1; install %s on devices "
		       "(trust_root)\n",
		       out_path);
out:
	cli_resp_free(&r);
	flw_buf_free(&env);
	free_keys(&k);
	return rc;
}

int cli_cmd_repo_root(struct cli_ctx *ctx)
{
	const char *out_path = cli_opt_str(ctx, "output");
	struct cli_resp r = { 0 };
	const json_t *ver;
	int rc;

	rc = cli_api(ctx, "GET", "/api/v1/tuf/root", NULL, &r,
	             "the repository has no root yet: run 'fleetward repo init' first");
	if (rc != 0)
		goto out;
	if (!out_path) {
		cli_print_raw(&r);
		goto out;
	}
	rc = cli_write_file(ctx, out_path, r.body.data, r.body.len, 0644);
	ver = cli_json_path(json_object_get(r.json, "signed"), "version");
	if (rc == 0)
		fprintf(stderr, "wrote %s (root v%" JSON_INTEGER_FORMAT ")\n", out_path,
		        json_is_integer(ver) ? json_integer_value(ver) : 0);
out:
	cli_resp_free(&r);
	return rc;
}
