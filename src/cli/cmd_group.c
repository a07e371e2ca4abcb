/* src/cli/cmd_group.c - `fleetward group create|list|add|remove|delete` */
#include <stdio.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/protocol.h"

static int check_id(const struct cli_ctx *ctx, const char *what, const char *s)
{
	if (flw_id_ok(s))
		return 0;
	return cli_usage(ctx,
	                 "%s '%s' is not valid: use 1 to %d of [A-Za-z0-9._:-], not starting "
	                 "with '.' or '-'",
	                 what, s, FLW_ID_MAX);
}

int cli_cmd_group_create(struct cli_ctx *ctx)
{
	char done[128];
	int rc = check_id(ctx, "group name", ctx->pos[0]);

	if (rc != 0)
		return rc;
	snprintf(done, sizeof(done), "created group %s", ctx->pos[0]);
	return cli_action(ctx, "POST", flw_strdup("/api/v1/groups"),
	                  json_pack("{s:s}", "name", ctx->pos[0]), NULL, done);
}

int cli_cmd_group_list(struct cli_ctx *ctx)
{
	static const struct cli_col cols[] = {
		{ "NAME", "name", CLI_COL_STR },
		{ "DEVICES", "devices", CLI_COL_COUNT },
	};

	return cli_list(ctx, "/api/v1/groups", cols, FLW_ARRAY_SIZE(cols),
	                "no groups; make one with 'fleetward group create NAME'");
}

static int change_members(struct cli_ctx *ctx, const char *key, const char *verb)
{
	json_t *ids = json_array();
	char *path = cli_path("/api/v1/groups/", ctx->pos[0], "/devices");
	char done[160];
	unsigned i;
	int rc = 0;

	for (i = 1; i < ctx->npos && rc == 0; i++) {
		rc = check_id(ctx, "device id", ctx->pos[i]);
		if (rc == 0 && json_array_append_new(ids, json_string(ctx->pos[i])) != 0)
			rc = cli_fail(ctx, "out of memory");
	}
	snprintf(done, sizeof(done), "%s %u device(s) %s group %s", verb, ctx->npos - 1,
	         key[0] == 'a' ? "to" : "from", ctx->pos[0]);
	if (rc == 0 && ids)
		rc = cli_action(ctx, "POST", path, json_pack("{s:O}", key, ids),
		                "check the names with 'fleetward group list' and "
		                "'fleetward device list'",
		                done);
	else
		flw_free(path);
	if (ids)
		json_decref(ids);
	return rc;
}

int cli_cmd_group_add(struct cli_ctx *ctx)
{
	return change_members(ctx, "add", "added");
}

int cli_cmd_group_remove(struct cli_ctx *ctx)
{
	return change_members(ctx, "remove", "removed");
}

int cli_cmd_group_delete(struct cli_ctx *ctx)
{
	char done[128];

	snprintf(done, sizeof(done), "deleted group %s", ctx->pos[0]);
	return cli_action(ctx, "DELETE", cli_path("/api/v1/groups/", ctx->pos[0], NULL), NULL,
	                  "'fleetward group list' shows the groups", done);
}
