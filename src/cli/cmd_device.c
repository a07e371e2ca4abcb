/* src/cli/cmd_device.c - `fleetward device list|show|set|components` */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_device.h"
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
	{ "group", "group" },
	{ "hardware", "hardware" },
	{ "installed", "installed" },
	{ "prefix", "prefix" },
	{ "limit", "limit" },
	{ "offset", "offset" },
	{ "class", "class" },
	{ "site", "site" },
	{ "internet-exposed", "internet_exposed" },
};

/* --internet-exposed yes|no (also true/false) -> 1/0; absent -> -1. Usage error otherwise. */
static int exposed_arg(struct cli_ctx *ctx, int *out)
{
	const char *v = cli_opt_str(ctx, "internet-exposed");

	*out = -1;
	if (!v)
		return 0;
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		*out = 0;
	else
		return cli_usage(ctx, "--internet-exposed: give yes or no, not '%.32s'", v);
	return 0;
}

int cli_cmd_device_list(struct cli_ctx *ctx)
{
	struct flw_buf q;
	int exp = -1;
	int64_t n;
	size_t i;
	int rc;

	flw_buf_init(&q, CLI_QUERY_MAX);
	if ((rc = cli_opt_int(ctx, "limit", 1, 1000, 0, &n)) != 0 ||
	    (rc = cli_opt_int(ctx, "offset", 0, INT32_MAX, 0, &n)) != 0)
		goto out;
	if (exposed_arg(ctx, &exp) != 0) {
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	rc = CLI_EXIT_FAIL;
	if (flw_buf_puts(&q, "/api/v1/devices") != 0)
		goto out;
	for (i = 0; i < FLW_ARRAY_SIZE(filters); i++) {
		const char *v = cli_opt_str(ctx, filters[i].opt);
		char *esc = v ? cli_escape(v) : NULL;
		int frc;

		if (!v)
			continue;
		if (strcmp(filters[i].opt, "internet-exposed") == 0)
			v = exp ? "true" : "false";
		flw_free(esc);
		esc = cli_escape(v);
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
		{ "class:", "class", CLI_COL_STR },
		{ "internet exposed:", "internet_exposed", CLI_COL_STR },
		{ "segment:", "segment", CLI_COL_STR },
		{ "owner:", "owner", CLI_COL_STR },
		{ "site:", "site", CLI_COL_STR },
		{ "support end:", "support_end", CLI_COL_STR },
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

/* `device set ID [--class C] [--internet-exposed yes|no] [--segment S] [--owner O] [--site S]
 * [--support-end YYYY-MM-DD]`: PATCH /api/v1/devices/{id}. An empty value clears the field.
 * The server checks the values (its error names the field). */
int cli_cmd_device_set(struct cli_ctx *ctx)
{
	static const struct {
		const char *opt;
		const char *key;
	} fields[] = {
		{ "class", "class" }, { "segment", "segment" },         { "owner", "owner" },
		{ "site", "site" },   { "support-end", "support_end" },
	};
	json_t *body = json_object();
	char done[128];
	int exp = -1;
	size_t i;
	int rc;

	if (!body)
		return cli_fail(ctx, "out of memory");
	if (exposed_arg(ctx, &exp) != 0) {
		json_decref(body);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < FLW_ARRAY_SIZE(fields); i++) {
		const char *v = cli_opt_str(ctx, fields[i].opt);

		if (v)
			json_object_set_new(body, fields[i].key,
			                    v[0] ? json_string(v) : json_null());
	}
	if (exp >= 0)
		json_object_set_new(body, "internet_exposed", json_boolean(exp));
	if (json_object_size(body) == 0) {
		json_decref(body);
		return cli_usage(ctx, "nothing to change: give --class, --internet-exposed, "
		                      "--segment, --owner, --site and/or --support-end");
	}
	snprintf(done, sizeof(done), "device '%.64s' updated", ctx->pos[0]);
	rc = cli_action(ctx, "PATCH", cli_path("/api/v1/devices/", ctx->pos[0], NULL), body,
	                "'fleetward device list' shows the devices", done);
	return rc;
}

/* `device components ID`: the running release's components and the device's own */
int cli_cmd_device_components(struct cli_ctx *ctx)
{
	static const struct cli_col cols[] = {
		{ "NAME", "name", CLI_COL_STR },     { "VERSION", "version", CLI_COL_STR },
		{ "SOURCE", "source", CLI_COL_STR }, { "CPE", "cpe", CLI_COL_STR },
		{ "PURL", "purl", CLI_COL_STR },
	};
	char *path = cli_path("/api/v1/devices/", ctx->pos[0], "/components");
	int rc;

	if (!path)
		return cli_fail(ctx, "out of memory");
	rc = cli_list(ctx, path, cols, FLW_ARRAY_SIZE(cols),
	              "no components (the running release has no SBOM and the device reports "
	              "none)");
	flw_free(path);
	return rc;
}
