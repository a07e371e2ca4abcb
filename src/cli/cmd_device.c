/* src/cli/cmd_device.c - `fleetward device list|show` */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"

#define CLI_QUERY_MAX 4096

static const struct cli_col device_cols[] = {
	{ "ID", "id", CLI_COL_STR },
	{ "HARDWARE", "hwid", CLI_COL_STR },
	{ "INSTALLED", "installed", CLI_COL_STR },
	{ "VERSION", "installed_version", CLI_COL_STR },
	{ "SLOT", "slot_active", CLI_COL_STR },
	{ "HEALTH", "health", CLI_COL_STR },
	{ "LAST SEEN", "last_seen", CLI_COL_AGO },
};

/* The filters: option name -> query parameter */
static const struct {
	const char *opt;
	const char *param;
} filters[] = {
	{ "group", "group" },   { "hardware", "hardware" }, { "installed", "installed" },
	{ "prefix", "prefix" }, { "limit", "limit" },       { "offset", "offset" },
};

int cli_cmd_device_list(struct cli_ctx *ctx)
{
	struct flw_buf q;
	int64_t n;
	size_t i;
	int rc;

	flw_buf_init(&q, CLI_QUERY_MAX);
	if ((rc = cli_opt_int(ctx, "limit", 1, 1000, 0, &n)) != 0 ||
	    (rc = cli_opt_int(ctx, "offset", 0, INT32_MAX, 0, &n)) != 0)
		goto out;
	rc = CLI_EXIT_FAIL;
	if (flw_buf_puts(&q, "/api/v1/devices") != 0)
		goto out;
	for (i = 0; i < FLW_ARRAY_SIZE(filters); i++) {
		const char *v = cli_opt_str(ctx, filters[i].opt);
		char *esc = v ? cli_escape(v) : NULL;
		int frc;

		if (!v)
			continue;
		frc = esc ? flw_buf_printf(&q, "%c%s=%s", q.len == 15 ? '?' : '&', filters[i].param,
		                           esc)
		          : -1;
		flw_free(esc);
		if (frc != 0) {
			rc = cli_fail(ctx, "the filters are too long");
			goto out;
		}
	}
	rc = cli_list(ctx, flw_buf_cstr(&q), device_cols, FLW_ARRAY_SIZE(device_cols),
	              "no devices (enroll some: 'fleetward enroll-token create NAME')");
out:
	flw_buf_free(&q);
	return rc;
}

int cli_cmd_device_show(struct cli_ctx *ctx)
{
	static const struct cli_col fields[] = {
		{ "id:", "id", CLI_COL_STR },
		{ "hardware:", "hwid", CLI_COL_STR },
		{ "installed:", "installed", CLI_COL_STR },
		{ "version:", "installed_version", CLI_COL_STR },
		{ "slot:", "slot_active", CLI_COL_STR },
		{ "trial:", "trial", CLI_COL_STR },
		{ "health:", "health", CLI_COL_STR },
		{ "groups:", "groups", CLI_COL_LIST },
		{ "enrolled:", "enrolled", CLI_COL_AGO },
		{ "last seen:", "last_seen", CLI_COL_AGO },
	};
	static const struct cli_col history_cols[] = {
		{ "SEQ", "seq", CLI_COL_STR },     { "DEPLOYMENT", "deployment", CLI_COL_STR },
		{ "STATE", "state", CLI_COL_STR }, { "DETAIL", "detail", CLI_COL_STR },
		{ "AT", "at", CLI_COL_AGO },
	};
	struct cli_resp r = { 0 };
	char *path = cli_path("/api/v1/devices/", ctx->pos[0], NULL);
	const char *key;
	const json_t *v;
	char cell[256];
	int rc;

	if (!path)
		return cli_fail(ctx, "out of memory");
	rc = cli_api(ctx, "GET", path, NULL, &r, "'fleetward device list' shows the devices");
	if (rc != 0 || ctx->json) {
		if (rc == 0)
			cli_print_raw(&r);
		goto out;
	}
	cli_print_fields(ctx, r.json, fields, FLW_ARRAY_SIZE(fields));
	if (json_object_size(json_object_get(r.json, "attributes")) > 0) {
		printf("\nattributes:\n");
		json_object_foreach(json_object_get(r.json, "attributes"), key, v)
		{
			cli_fmt_value(v, CLI_COL_STR, ctx->now, cell, sizeof(cell));
			printf("  %s = %s\n", key, cell);
		}
	}
	if (json_array_size(json_object_get(r.json, "history")) > 0) {
		printf("\nhistory:\n");
		rc = cli_print_items(ctx, json_object_get(r.json, "history"), history_cols,
		                     FLW_ARRAY_SIZE(history_cols), "");
	}
out:
	cli_resp_free(&r);
	flw_free(path);
	return rc;
}
