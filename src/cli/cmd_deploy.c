/* src/cli/cmd_deploy.c - `fleetward deploy` and `fleetward deployment list|show|watch|cancel`
 *
 * deployment watch polls GET /api/v1/deployments/{id} every --interval seconds. On a terminal
 * it redraws one line per device in place; otherwise it prints a line per state change, so a
 * log stays readable. It ends when every device is in a terminal state: exit 0 if all
 * succeeded, 3 if any failed, rolled back or was canceled, 4 when --timeout passes first.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/protocol.h"

#define CLI_WATCH_TTY_ROWS 40 /* devices drawn on a terminal; the rest are summed up */
#define CLI_BAR_WIDTH      6  /* pending .. success */

static const struct cli_col device_cols[] = {
	{ "DEVICE", "device", CLI_COL_STR },
	{ "STATE", "state", CLI_COL_STR },
	{ "DETAIL", "detail", CLI_COL_STR },
	{ "UPDATED", "updated", CLI_COL_AGO },
};

int cli_cmd_deploy(struct cli_ctx *ctx)
{
	unsigned ndev = cli_opt_count(ctx, "device");
	const char *group = cli_opt_str(ctx, "group");
	struct cli_resp r = { 0 };
	json_t *body = NULL;
	json_t *devs = NULL;
	unsigned i;
	int rc;

	if (!ndev && !group)
		return cli_usage(ctx, "give --device ID or --group NAME");
	if (ndev && group)
		return cli_usage(ctx, "give either --device ID... or --group NAME, not both");
	if (group && !flw_id_ok(group))
		return cli_usage(ctx, "--group '%s' is not a valid group name", group);
	body = json_pack("{s:s}", "release", ctx->pos[0]);
	if (ndev)
		devs = json_array();
	for (i = 0; i < ndev; i++) {
		const char *d = cli_opt_nth(ctx, "device", i);

		if (!flw_id_ok(d)) {
			rc = cli_usage(ctx, "--device '%s' is not a valid device id", d);
			goto out;
		}
		if (devs)
			json_array_append_new(devs, json_string(d));
	}
	if (!body || (ndev && (!devs || json_object_set(body, "devices", devs) != 0)) ||
	    (group && json_object_set_new(body, "group", json_string(group)) != 0)) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	rc = cli_api(ctx, "POST", "/api/v1/deployments", body, &r,
	             "check the names with 'fleetward release list', 'fleetward device list' and "
	             "'fleetward group list'");
	if (rc != 0)
		goto out;
	if (ctx->json) {
		cli_print_raw(&r);
		goto out;
	}
	printf("%" JSON_INTEGER_FORMAT "\n", json_integer_value(json_object_get(r.json, "id")));
	fprintf(stderr, "follow it with: fleetward deployment watch %" JSON_INTEGER_FORMAT "\n",
	        json_integer_value(json_object_get(r.json, "id")));
out:
	if (devs)
		json_decref(devs);
	if (body)
		json_decref(body);
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_deployment_list(struct cli_ctx *ctx)
{
	static const struct cli_col cols[] = {
		{ "ID", "id", CLI_COL_STR },
		{ "RELEASE", "release", CLI_COL_STR },
		{ "DEVICES", "devices", CLI_COL_COUNT },
		{ "SUCCESS", "counts.success", CLI_COL_STR },
		{ "FAILURE", "counts.failure", CLI_COL_STR },
		{ "ROLLED BACK", "counts.rolled_back", CLI_COL_STR },
		{ "DONE", "done", CLI_COL_STR },
		{ "BY", "created_by", CLI_COL_STR },
		{ "CREATED", "created", CLI_COL_AGO },
	};

	return cli_list(ctx, "/api/v1/deployments", cols, FLW_ARRAY_SIZE(cols),
	                "no deployments; start one with 'fleetward deploy RELEASE --group G'");
}

static int get_deployment(struct cli_ctx *ctx, struct cli_resp *r)
{
	int64_t id;
	char path[64];

	if (cli_parse_int(ctx->pos[0], 1, INT64_MAX, &id) != 0)
		return cli_usage(ctx,
		                 "'%s' is not a deployment id: give the number that "
		                 "'fleetward deploy' printed",
		                 ctx->pos[0]);
	snprintf(path, sizeof(path), "/api/v1/deployments/%" PRId64, id);
	return cli_api(ctx, "GET", path, NULL, r,
	               "'fleetward deployment list' shows the deployments");
}

/* "success 2, installing 1" from the counts object */
static void fmt_counts(const json_t *counts, char *out, size_t n)
{
	const char *k;
	const json_t *v;
	size_t used = 0;

	out[0] = '\0';
	json_object_foreach((json_t *)counts, k, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) == 0 || used + 1 >= n)
			continue;
		used += (size_t)snprintf(out + used, n - used, "%s%s %" JSON_INTEGER_FORMAT,
		                         used ? ", " : "", k, json_integer_value(v));
	}
	if (used == 0)
		snprintf(out, n, "no devices");
}

int cli_cmd_deployment_show(struct cli_ctx *ctx)
{
	static const struct cli_col fields[] = {
		{ "deployment:", "id", CLI_COL_STR },   { "release:", "release", CLI_COL_STR },
		{ "created:", "created", CLI_COL_AGO }, { "by:", "created_by", CLI_COL_STR },
		{ "done:", "done", CLI_COL_STR },
	};
	struct cli_resp r = { 0 };
	char counts[512];
	int rc = get_deployment(ctx, &r);

	if (rc != 0 || ctx->json) {
		if (rc == 0)
			cli_print_raw(&r);
		goto out;
	}
	cli_print_fields(ctx, r.json, fields, FLW_ARRAY_SIZE(fields));
	fmt_counts(json_object_get(r.json, "counts"), counts, sizeof(counts));
	printf("%-12s  %s\n\n", "progress:", counts);
	rc = cli_print_items(ctx, json_object_get(r.json, "devices"), device_cols,
	                     FLW_ARRAY_SIZE(device_cols), "no devices");
out:
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_deployment_cancel(struct cli_ctx *ctx)
{
	int64_t id;
	char done[64];

	if (cli_parse_int(ctx->pos[0], 1, INT64_MAX, &id) != 0)
		return cli_usage(ctx, "'%s' is not a deployment id", ctx->pos[0]);
	snprintf(done, sizeof(done), "canceled deployment %" PRId64, id);
	return cli_action(ctx, "POST", flw_asprintf("/api/v1/deployments/%" PRId64 "/cancel", id),
	                  NULL, "'fleetward deployment list' shows the deployments", done);
}

/* ---- watch ----------------------------------------------------------------------------------- */
struct watch {
	json_t *prev;   /* device -> state seen last (plain-line mode) */
	unsigned drawn; /* lines drawn last time (terminal mode) */
	int all_terminal;
	int all_success;
	size_t n;
};

static void bar(int st, char out[CLI_BAR_WIDTH + 3])
{
	int fill = st >= FLW_ST_SUCCESS ? CLI_BAR_WIDTH : st;
	int i;

	out[0] = '[';
	for (i = 0; i < CLI_BAR_WIDTH; i++)
		out[1 + i] = st > FLW_ST_SUCCESS ? 'x' : (i < fill ? '#' : '.');
	out[CLI_BAR_WIDTH + 1] = ']';
	out[CLI_BAR_WIDTH + 2] = '\0';
}

static void scan(struct watch *w, const json_t *devices)
{
	size_t i;

	w->n = json_array_size(devices);
	w->all_terminal = 1;
	w->all_success = 1;
	for (i = 0; i < w->n; i++) {
		const char *s =
		        json_string_value(json_object_get(json_array_get(devices, i), "state"));
		int st = flw_action_state_from_string(s ? s : "");

		if (st == _FLW_ST_INVALID || !flw_action_state_terminal(st))
			w->all_terminal = 0;
		if (st != FLW_ST_SUCCESS)
			w->all_success = 0;
	}
}

static void draw_tty(const struct cli_ctx *ctx, struct watch *w, const json_t *d, int64_t secs)
{
	const json_t *devices = json_object_get(d, "devices");
	char counts[512];
	char cells[4][256];
	char b[CLI_BAR_WIDTH + 3];
	unsigned lines = 0;
	size_t i;

	if (w->drawn)
		printf("\033[%uA", w->drawn);
	fmt_counts(json_object_get(d, "counts"), counts, sizeof(counts));
	cli_fmt_value(json_object_get(d, "release"), CLI_COL_STR, ctx->now, cells[0], 256);
	printf("\033[2Kdeployment %s: %s  %s  (%" PRId64 "s)\n", ctx->pos[0], cells[0], counts,
	       secs);
	lines++;
	for (i = 0; i < w->n && i < CLI_WATCH_TTY_ROWS; i++) {
		const json_t *dev = json_array_get(devices, i);
		const char *s = json_string_value(json_object_get(dev, "state"));
		size_t c;

		for (c = 0; c < 4; c++)
			cli_fmt_value(cli_json_path(dev, device_cols[c].key), device_cols[c].fmt,
			              time(NULL), cells[c], sizeof(cells[c]));
		bar(flw_action_state_from_string(s ? s : ""), b);
		printf("\033[2K  %-20s %s %-12s %-8s %.60s\n", cells[0], b, cells[1], cells[3],
		       cells[2]);
		lines++;
	}
	if (w->n > CLI_WATCH_TTY_ROWS) {
		printf("\033[2K  ... and %zu more devices\n", w->n - CLI_WATCH_TTY_ROWS);
		lines++;
	}
	w->drawn = lines;
	fflush(stdout);
}

static void print_changes(const struct cli_ctx *ctx, struct watch *w, const json_t *d)
{
	const json_t *devices = json_object_get(d, "devices");
	char cells[4][256];
	size_t i;

	for (i = 0; i < w->n; i++) {
		const json_t *dev = json_array_get(devices, i);
		const char *name = json_string_value(json_object_get(dev, "device"));
		const char *s = json_string_value(json_object_get(dev, "state"));
		const char *old;

		if (!name || !s)
			continue;
		old = json_string_value(json_object_get(w->prev, name));
		if (old && strcmp(old, s) == 0)
			continue;
		json_object_set_new(w->prev, name, json_string(s));
		cli_fmt_value(json_object_get(dev, "device"), CLI_COL_STR, ctx->now, cells[0], 256);
		cli_fmt_value(json_object_get(dev, "state"), CLI_COL_STR, ctx->now, cells[1], 256);
		cli_fmt_value(json_object_get(dev, "detail"), CLI_COL_STR, ctx->now, cells[2], 256);
		printf("%s: %s%s%s\n", cells[0], cells[1], cells[2][0] != '-' ? " - " : "",
		       cells[2][0] != '-' ? cells[2] : "");
	}
	fflush(stdout);
}

static void sleep_s(int64_t s)
{
	struct timespec ts = { (time_t)s, 0 };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static int64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

int cli_cmd_deployment_watch(struct cli_ctx *ctx)
{
	struct watch w = { 0 };
	struct cli_resp r = { 0 };
	int64_t timeout;
	int64_t interval;
	int64_t start = mono_now();
	char counts[512];
	int rc;

	if ((rc = cli_opt_int(ctx, "timeout", 1, INT32_MAX, 0, &timeout)) != 0 ||
	    (rc = cli_opt_int(ctx, "interval", 1, 3600, 1, &interval)) != 0)
		return rc;
	w.prev = json_object();
	for (;;) {
		cli_resp_free(&r);
		if ((rc = get_deployment(ctx, &r)) != 0)
			goto out;
		scan(&w, json_object_get(r.json, "devices"));
		if (json_is_true(json_object_get(r.json, "done")) && w.n > 0)
			w.all_terminal = 1;
		if (!ctx->json && ctx->out_tty)
			draw_tty(ctx, &w, r.json, mono_now() - start);
		else if (!ctx->json)
			print_changes(ctx, &w, r.json);
		if (w.all_terminal)
			break;
		if (timeout && mono_now() - start >= timeout) {
			if (ctx->json)
				cli_print_raw(&r);
			fprintf(stderr,
			        "fleetward deployment watch: not done after %" PRId64
			        "s (--timeout); still running on the server\n",
			        timeout);
			rc = CLI_EXIT_TIMEOUT;
			goto out;
		}
		sleep_s(interval);
	}
	if (ctx->json)
		cli_print_raw(&r);
	fmt_counts(json_object_get(r.json, "counts"), counts, sizeof(counts));
	fprintf(stderr, "deployment %s done: %s\n", ctx->pos[0], counts);
	rc = w.all_success ? CLI_EXIT_OK : CLI_EXIT_PARTIAL;
out:
	cli_resp_free(&r);
	if (w.prev)
		json_decref(w.prev);
	return rc;
}
