/* src/cli/cmd_token.c - `fleetward token ...` (API tokens) and `fleetward enroll-token ...`
 *
 * Both kinds of secret are shown once, on stdout alone (so `$(fleetward token create ...)`
 * captures just the token); the notice goes to stderr.
 */
#include <stdio.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/protocol.h"

#define CLI_ENROLL_EXPIRES_DEFAULT (7 * 86400)

static int check_name(const struct cli_ctx *ctx, const char *s)
{
	if (flw_id_ok(s))
		return 0;
	return cli_usage(ctx,
	                 "name '%s' is not valid: use 1 to %d of [A-Za-z0-9._:-], not "
	                 "starting with '.' or '-'",
	                 s, FLW_ID_MAX);
}

/* POST body to path and print the answer's "token" once */
static int create_secret(struct cli_ctx *ctx, const char *path, json_t *body, const char *what)
{
	struct cli_resp r = { 0 };
	const char *token;
	int rc;

	rc = cli_api(ctx, "POST", path, body, &r, NULL);
	if (body)
		json_decref(body);
	if (rc != 0)
		goto out;
	if (ctx->json) {
		cli_print_raw(&r);
		goto out;
	}
	token = json_string_value(json_object_get(r.json, "token"));
	if (!token) {
		rc = cli_fail(ctx, "the server's answer has no token");
		goto out;
	}
	printf("%s\n", token);
	fprintf(stderr, "%s '%s' created; the token is shown only this once: keep it now\n", what,
	        ctx->pos[0]);
out:
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_token_create(struct cli_ctx *ctx)
{
	const char *role = cli_opt_str(ctx, "role");
	int rc = check_name(ctx, ctx->pos[0]);

	if (rc != 0)
		return rc;
	if (flw_role_from_string(role) == _FLW_ROLE_INVALID)
		return cli_usage(ctx,
		                 "--role '%s' is not a role: give --role admin, operator or "
		                 "viewer",
		                 role);
	return create_secret(ctx, "/api/v1/tokens",
	                     json_pack("{s:s,s:s}", "name", ctx->pos[0], "role", role),
	                     "API token");
}

int cli_cmd_token_list(struct cli_ctx *ctx)
{
	static const struct cli_col cols[] = {
		{ "NAME", "name", CLI_COL_STR },       { "ROLE", "role", CLI_COL_STR },
		{ "CREATED", "created", CLI_COL_AGO }, { "EXPIRES", "expires", CLI_COL_AGO },
		{ "REVOKED", "revoked", CLI_COL_STR },
	};

	return cli_list(ctx, "/api/v1/tokens", cols, FLW_ARRAY_SIZE(cols), "no API tokens");
}

int cli_cmd_token_revoke(struct cli_ctx *ctx)
{
	char done[128];

	snprintf(done, sizeof(done), "revoked API token %s", ctx->pos[0]);
	return cli_action(ctx, "DELETE", cli_path("/api/v1/tokens/", ctx->pos[0], NULL), NULL,
	                  "'fleetward token list' shows the tokens", done);
}

int cli_cmd_enroll_create(struct cli_ctx *ctx)
{
	const char *exp = cli_opt_str(ctx, "expires-in");
	const char *group = cli_opt_str(ctx, "group");
	int64_t uses;
	int64_t secs = CLI_ENROLL_EXPIRES_DEFAULT;
	json_t *body;
	int rc;

	if ((rc = check_name(ctx, ctx->pos[0])) != 0 ||
	    (rc = cli_opt_int(ctx, "uses", -1, INT32_MAX, 1, &uses)) != 0)
		return rc;
	if (uses == 0)
		return cli_usage(ctx, "--uses 0 would make a useless token: give --uses N (N >= 1) "
		                      "or --uses -1 for unlimited");
	if (exp && cli_parse_duration(exp, &secs) != 0)
		return cli_usage(ctx, "--expires-in '%s': give a duration like 90s, 30m, 24h or 7d",
		                 exp);
	if (group && !flw_id_ok(group))
		return cli_usage(ctx, "--group '%s' is not a valid group name", group);
	body = json_pack("{s:s,s:I,s:I}", "name", ctx->pos[0], "uses", (json_int_t)uses,
	                 "expires_in", (json_int_t)secs);
	if (body && group)
		json_object_set_new(body, "group", json_string(group));
	return create_secret(ctx, "/api/v1/enrollment-tokens", body, "enrollment token");
}

int cli_cmd_enroll_list(struct cli_ctx *ctx)
{
	static const struct cli_col cols[] = {
		{ "NAME", "name", CLI_COL_STR },       { "USES LEFT", "uses_left", CLI_COL_USES },
		{ "GROUP", "group", CLI_COL_STR },     { "CREATED", "created", CLI_COL_AGO },
		{ "EXPIRES", "expires", CLI_COL_AGO }, { "REVOKED", "revoked", CLI_COL_STR },
	};

	return cli_list(ctx, "/api/v1/enrollment-tokens", cols, FLW_ARRAY_SIZE(cols),
	                "no enrollment tokens; make one with 'fleetward enroll-token create NAME'");
}

int cli_cmd_enroll_revoke(struct cli_ctx *ctx)
{
	char done[128];

	snprintf(done, sizeof(done), "revoked enrollment token %s", ctx->pos[0]);
	return cli_action(ctx, "DELETE", cli_path("/api/v1/enrollment-tokens/", ctx->pos[0], NULL),
	                  NULL, "'fleetward enroll-token list' shows the tokens", done);
}

int cli_cmd_audit(struct cli_ctx *ctx)
{
	static const struct cli_col cols[] = {
		{ "ID", "id", CLI_COL_STR },         { "WHEN", "at", CLI_COL_AGO },
		{ "ACTOR", "actor", CLI_COL_STR },   { "ACTION", "action", CLI_COL_STR },
		{ "OBJECT", "object", CLI_COL_STR }, { "RESULT", "result", CLI_COL_RESULT },
	};
	int64_t limit;
	int64_t before;
	char path[96];
	int rc;

	if ((rc = cli_opt_int(ctx, "limit", 1, 1000, 50, &limit)) != 0 ||
	    (rc = cli_opt_int(ctx, "before", 1, INT64_MAX, 0, &before)) != 0)
		return rc;
	if (before)
		snprintf(path, sizeof(path), "/api/v1/audit?limit=%lld&before=%lld",
		         (long long)limit, (long long)before);
	else
		snprintf(path, sizeof(path), "/api/v1/audit?limit=%lld", (long long)limit);
	return cli_list(ctx, path, cols, FLW_ARRAY_SIZE(cols), "the audit log is empty");
}
