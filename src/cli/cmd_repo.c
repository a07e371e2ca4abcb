/* src/cli/cmd_repo.c - `fleetward repo init|root`: the image repository's trust anchor
 *
 * repo init builds root v1 from the operator's keys (root keys and threshold, targets keys and
 * threshold) and the server's online snapshot/timestamp/director keys, signs it with the root
 * keys at hand, uploads it, writes it to root.json (the file to install on devices), then
 * uploads an empty targets v1 signed with the targets keys at hand. Keys given as PATH.pub are
 * listed but sign later ('repo sign', 'repo merge'; cmd_ceremony.c): then nothing that lacks
 * its threshold is uploaded, it is written out instead. Private keys never leave this process.
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

/* One key of a role: a signer (private key file or pkcs11: URI) or only its public key (a
 * PATH.pub holding the TUF key object, for keys whose holders sign later with 'repo sign'). */
struct role_keys {
	struct flw_signer *signer[FLW_TUF_MAX_KEYS]; /* NULL for public-only keys */
	struct flw_tuf_key pub[FLW_TUF_MAX_KEYS];
	size_t n;
	int64_t threshold;
};

struct repo_keys {
	struct role_keys root;
	struct role_keys targets;
	struct flw_tuf_key snapshot;
	struct flw_tuf_key timestamp;
	struct flw_tuf_key director;
};

/* A file holding a public key object only (no "private", no "encrypted"): 1 and *out. */
static int public_key_file(const char *spec, struct flw_tuf_key *out)
{
	struct flw_json_limits lim = { 4096, 4 };
	struct flw_buf b;
	json_t *o = NULL;
	const json_t *kv;
	int ok = 0;

	if (strncmp(spec, "pkcs11:", 7) == 0)
		return 0;
	flw_buf_init(&b, 4096);
	if (flw_fs_read_all(spec, &b, NULL) == 0 &&
	    flw_json_parse(&o, b.data, b.len, &lim, NULL) == 0) {
		kv = json_object_get(o, "keyval");
		ok = json_is_object(o) && !json_object_get(o, "encrypted") && json_is_object(kv) &&
		     !json_object_get(kv, "private") && flw_tuf_key_from_json(o, out, NULL) == 0;
	}
	json_decref(o);
	flw_buf_free(&b);
	return ok;
}

static int load_role(struct cli_ctx *ctx, const char *opt, const char *thr_opt,
                     struct role_keys *rk)
{
	unsigned n = cli_opt_count(ctx, opt);
	unsigned i;
	size_t j;
	int rc;

	if (n > FLW_TUF_MAX_KEYS)
		return cli_usage(ctx, "at most %u --%s", (unsigned)FLW_TUF_MAX_KEYS, opt);
	if ((rc = cli_opt_int(ctx, thr_opt, 1, n, 1, &rk->threshold)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		const char *spec = cli_opt_nth(ctx, opt, i);

		if (!public_key_file(spec, &rk->pub[rk->n])) {
			rc = cli_load_signer(ctx, spec, &rk->signer[rk->n]);
			if (rc != 0)
				return rc;
			rk->pub[rk->n] = *flw_signer_key(rk->signer[rk->n]);
		}
		for (j = 0; j < rk->n; j++)
			if (strcmp(rk->pub[j].keyid, rk->pub[rk->n].keyid) == 0) {
				flw_signer_free(rk->signer[rk->n]);
				rk->signer[rk->n] = NULL;
				return cli_usage(
				        ctx,
				        "--%s '%s' is the same key as an earlier one (keyid "
				        "%.16s...)",
				        opt, spec, rk->pub[j].keyid);
			}
		rk->n++;
	}
	return 0;
}

static void free_role(struct role_keys *rk)
{
	size_t i;

	for (i = 0; i < rk->n; i++)
		flw_signer_free(rk->signer[i]);
}

/* The signers among rk's keys, into out[]; returns how many */
static size_t role_signers(const struct role_keys *rk, struct flw_signer **out)
{
	size_t i;
	size_t n = 0;

	for (i = 0; i < rk->n; i++)
		if (rk->signer[i])
			out[n++] = rk->signer[i];
	return n;
}

/* Build root v1 (director keys included) and sign it with the root keys at hand. */
static int make_root(struct cli_ctx *ctx, struct repo_keys *k, int64_t days, struct flw_buf *out,
                     size_t *nsig_out)
{
	struct flw_tuf_role_keys roles[4];
	struct flw_tuf_role_keys dir = { &k->director, 1, 1 };
	struct flw_signer *signers[FLW_TUF_MAX_KEYS];
	struct flw_diag diag = { 0 };
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32];
	json_t *root = NULL;
	int frc;

	roles[FLW_TUF_ROOT] =
	        (struct flw_tuf_role_keys){ k->root.pub, k->root.n, (unsigned)k->root.threshold };
	roles[FLW_TUF_TARGETS] = (struct flw_tuf_role_keys){ k->targets.pub, k->targets.n,
		                                             (unsigned)k->targets.threshold };
	roles[FLW_TUF_SNAPSHOT] = (struct flw_tuf_role_keys){ &k->snapshot, 1, 1 };
	roles[FLW_TUF_TIMESTAMP] = (struct flw_tuf_role_keys){ &k->timestamp, 1, 1 };
	*nsig_out = role_signers(&k->root, signers);
	frc = flw_tuf_make_root(&root, 1, ctx->now + (time_t)days * 86400, roles);
	if (frc == 0)
		frc = flw_tuf_root_set_director(root, &dir);
	if (frc == 0)
		frc = flw_tuf_sign(out, root, signers, *nsig_out, &diag);
	if (root)
		json_decref(root);
	if (frc != 0)
		return cli_fail(ctx, "cannot make root v1: %s",
		                diag.msg[0] ? flw_diag_format(&diag, msg, sizeof(msg))
		                            : flw_strerror(frc));
	return 0;
}

/* Targets v1 signed by the targets keys at hand: uploaded when they meet the threshold, else
 * written to --targets-output for the other keyholders. */
static int init_targets(struct cli_ctx *ctx, struct repo_keys *k)
{
	const char *path = cli_opt_str(ctx, "targets-output");
	struct flw_signer *signers[FLW_TUF_MAX_KEYS];
	struct flw_buf env;
	struct flw_diag diag = { 0 };
	struct cli_resp r = { 0 };
	json_t *t = NULL;
	size_t n = role_signers(&k->targets, signers);
	int rc = CLI_EXIT_FAIL;
	int frc;

	flw_buf_init(&env, FLW_TUF_TARGETS_MAX_BYTES);
	frc = flw_tuf_make_targets(&t, 1, ctx->now + FLW_TUF_TARGETS_LIFETIME);
	if (frc == 0)
		frc = flw_tuf_sign(&env, t, signers, n, &diag);
	if (frc != 0) {
		rc = cli_fail(ctx, "cannot make targets v1: %s", flw_strerror(frc));
		goto out;
	}
	if ((int64_t)n < k->targets.threshold) {
		path = path ? path : "targets.json";
		rc = cli_write_file(ctx, path, env.data, env.len, 0644);
		if (rc == 0)
			fprintf(stderr,
			        "targets v1 has %zu of %" PRId64 " signatures: wrote %s; the other "
			        "targets keyholders run 'fleetward repo sign %s --key KEY', then "
			        "'fleetward repo merge' and 'fleetward release upload --metadata "
			        "MERGED.json'\n",
			        n, k->targets.threshold, path, path);
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
	if (rc == 0)
		rc = online_key(ctx, r.json, "director", &k->director);
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_repo_init(struct cli_ctx *ctx)
{
	const char *out_path = cli_opt_str(ctx, "output");
	struct repo_keys k;
	struct cli_resp r = { 0 };
	struct flw_buf env;
	struct stat st;
	size_t nsig = 0;
	int64_t days;
	int rc;

	memset(&k, 0, sizeof(k));
	flw_buf_init(&env, FLW_TUF_ROOT_MAX_BYTES);
	out_path = out_path ? out_path : "root.json";
	if ((rc = cli_opt_int(ctx, "expires-days", 1, CLI_DAYS_MAX, CLI_ROOT_DAYS_DEFAULT,
	                      &days)) != 0)
		goto out;
	if (lstat(out_path, &st) == 0) {
		rc = cli_usage(ctx, "'%s' already exists; give -o with a new file name", out_path);
		goto out;
	}
	if ((rc = load_role(ctx, "root-key", "root-threshold", &k.root)) != 0 ||
	    (rc = load_role(ctx, "targets-key", "targets-threshold", &k.targets)) != 0 ||
	    (rc = fetch_online_keys(ctx, &k)) != 0 ||
	    (rc = make_root(ctx, &k, days, &env, &nsig)) != 0)
		goto out;
	if ((int64_t)nsig < k.root.threshold) {
		rc = cli_write_file(ctx, out_path, env.data, env.len, 0644);
		if (rc != 0)
			goto out;
		fprintf(stderr,
		        "root v1 has %zu of %" PRId64 " signatures: wrote %s (not uploaded); the "
		        "other root keyholders run 'fleetward repo sign %s --key KEY', then "
		        "'fleetward repo merge' and 'fleetward repo root upload MERGED.json'\n",
		        nsig, k.root.threshold, out_path, out_path);
	} else {
		rc = cli_api_raw(ctx, "POST", "/api/v1/tuf/root", env.data, env.len, &r, NULL);
		if (rc != 0)
			goto out;
		if ((rc = cli_write_file(ctx, out_path, env.data, env.len, 0644)) != 0)
			goto out;
		fprintf(stderr,
		        "root v1 uploaded (%zu root key(s), threshold %" PRId64 "; %zu targets "
		        "key(s), threshold %" PRId64 "); wrote %s\n",
		        k.root.n, k.root.threshold, k.targets.n, k.targets.threshold, out_path);
	}
	rc = init_targets(ctx, &k);
	if (rc != 0)
		goto out;
	if (ctx->json)
		cli_print_json(json_pack("{s:i,s:s,s:b,s:I,s:I}", "root_version", 1, "root",
		                         out_path, "uploaded", (int)nsig >= (int)k.root.threshold,
		                         "root_threshold", (json_int_t)k.root.threshold,
		                         "targets_threshold", (json_int_t)k.targets.threshold));
	else if ((int64_t)nsig >= k.root.threshold)
		printf("repository initialised: root v1, empty targets v1; install %s on devices "
		       "(trust_root)\n",
		       out_path);
out:
	cli_resp_free(&r);
	flw_buf_free(&env);
	free_role(&k.root);
	free_role(&k.targets);
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
