/* src/cli/cmd_finding.c - `fleetward finding list|show|accept|revoke`, `fleetward model list|set`
 *
 * A finding is one device x CVE x component (docs/RISK.md). The server owns its lifecycle;
 * these commands read it (GET /api/v1/findings with filters) and move it between open and
 * accepted (POST /api/v1/findings/accept|revoke). `finding list --csv` renders the listing as
 * CSV here, from the same column table as the human table plus the fields a table has no room
 * for.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/tuf.h"

#define CLI_QUERY_MAX  4096
#define CLI_REASON_MAX 255

static const struct cli_col finding_cols[] = {
	{ "DEVICE", "device", CLI_COL_STR },       { "CVE", "cve", CLI_COL_STR },
	{ "COMPONENT", "component", CLI_COL_STR }, { "VERSION", "component_version", CLI_COL_STR },
	{ "STATE", "state", CLI_COL_STR },         { "DECISION", "decision", CLI_COL_STR },
	{ "SCORE", "score", CLI_COL_STR },         { "DUE", "due", CLI_COL_DATE },
	{ "OVERDUE", "overdue", CLI_COL_STR },     { "KEV", "kev", CLI_COL_STR },
	{ "EPSS", "epss", CLI_COL_STR },           { "FIX", "fix_release", CLI_COL_STR },
};

static const struct cli_col finding_csv_cols[] = {
	{ "", "device", CLI_COL_STR },
	{ "", "cve", CLI_COL_STR },
	{ "", "component", CLI_COL_STR },
	{ "", "component_version", CLI_COL_STR },
	{ "", "release", CLI_COL_STR },
	{ "", "state", CLI_COL_STR },
	{ "", "change", CLI_COL_STR },
	{ "", "decision", CLI_COL_STR },
	{ "", "score", CLI_COL_STR },
	{ "", "due", CLI_COL_DATE },
	{ "", "overdue", CLI_COL_STR },
	{ "", "first_seen", CLI_COL_DATE },
	{ "", "opened", CLI_COL_DATE },
	{ "", "fixed", CLI_COL_DATE },
	{ "", "reopen_count", CLI_COL_STR },
	{ "", "published", CLI_COL_DATE },
	{ "", "severity", CLI_COL_STR },
	{ "", "cvss", CLI_COL_STR },
	{ "", "kev", CLI_COL_STR },
	{ "", "kev_due", CLI_COL_DATE },
	{ "", "epss", CLI_COL_STR },
	{ "", "confidence", CLI_COL_STR },
	{ "", "fix_release", CLI_COL_STR },
	{ "", "fix_available", CLI_COL_STR },
	{ "", "reasons", CLI_COL_LIST },
	{ "", "accept.approver", CLI_COL_STR },
	{ "", "accept.expires", CLI_COL_DATE },
	{ "", "accept.reason", CLI_COL_STR },
};

/* option -> query parameter; values[] (NULL: any) are checked here, the rest by the server */
static const char *const states[] = { "open", "fixed", "accepted", NULL };
static const char *const decisions[] = { "act", "attend", "track*", "track", NULL };
static const struct {
	const char *opt;
	const char *param;
	const char *const *values;
} filters[] = {
	{ "device", "device", NULL },       { "cve", "cve", NULL },
	{ "component", "component", NULL }, { "release", "release", NULL },
	{ "state", "state", states },       { "decision", "decision", decisions },
	{ "class", "class", NULL },         { "site", "site", NULL },
	{ "min-score", "min_score", NULL }, { "limit", "limit", NULL },
	{ "offset", "offset", NULL },
};

static int one_of(const char *v, const char *const *values)
{
	for (; *values; values++)
		if (strcmp(v, *values) == 0)
			return 1;
	return 0;
}

static int add_param(struct flw_buf *q, const char *param, const char *v)
{
	char *esc = cli_escape(v);
	int rc = esc ? flw_buf_printf(q, "%c%s=%s", strchr(flw_buf_cstr(q), '?') ? '&' : '?', param,
	                              esc)
	             : -1;

	flw_free(esc);
	return rc;
}

/* the listing path from the filter options; usage errors exit 2 */
static int list_query(struct cli_ctx *ctx, struct flw_buf *q)
{
	int64_t n;
	size_t i;
	int rc;

	if ((rc = cli_opt_int(ctx, "limit", 1, 1000, 0, &n)) != 0 ||
	    (rc = cli_opt_int(ctx, "offset", 0, INT32_MAX, 0, &n)) != 0 ||
	    (rc = cli_opt_int(ctx, "min-score", 0, 100, 0, &n)) != 0)
		return rc;
	if (flw_buf_puts(q, "/api/v1/findings") != 0)
		return cli_fail(ctx, "out of memory");
	for (i = 0; i < FLW_ARRAY_SIZE(filters); i++) {
		const char *v = cli_opt_str(ctx, filters[i].opt);

		if (!v)
			continue;
		if (filters[i].values && !one_of(v, filters[i].values))
			return cli_usage(ctx, "--%s: give %s, not '%.32s'", filters[i].opt,
			                 filters[i].values == states
			                         ? "open, fixed or accepted"
			                         : "act, attend, track* or track",
			                 v);
		if (add_param(q, filters[i].param, v) != 0)
			return cli_fail(ctx, "the filters are too long");
	}
	if (cli_opt_count(ctx, "overdue") && add_param(q, "overdue", "true") != 0)
		return cli_fail(ctx, "the filters are too long");
	return 0;
}

int cli_cmd_finding_list(struct cli_ctx *ctx)
{
	struct cli_resp r = { 0 };
	struct flw_buf q;
	const json_t *items;
	int rc;

	flw_buf_init(&q, CLI_QUERY_MAX);
	if (ctx->json && cli_opt_count(ctx, "csv")) {
		rc = cli_usage(ctx, "give --json or --csv, not both");
		goto out;
	}
	if ((rc = list_query(ctx, &q)) != 0)
		goto out;
	if (!cli_opt_count(ctx, "csv")) {
		rc = cli_list(ctx, flw_buf_cstr(&q), finding_cols, FLW_ARRAY_SIZE(finding_cols),
		              "no findings (import feeds: 'fleetward feed import FILE'; releases "
		              "need an SBOM: 'fleetward release create --sbom')");
		goto out;
	}
	rc = cli_api(ctx, "GET", flw_buf_cstr(&q), NULL, &r, NULL);
	if (rc != 0)
		goto out;
	items = json_object_get(r.json, "items");
	rc = cli_print_csv(ctx, items, finding_csv_cols, FLW_ARRAY_SIZE(finding_csv_cols));
	if (rc == 0 &&
	    json_integer_value(json_object_get(r.json, "total")) >
	            (json_int_t)json_array_size(items) &&
	    fflush(stdout) == 0)
		fprintf(stderr, "(%zu of %" JSON_INTEGER_FORMAT " rows; see --limit/--offset)\n",
		        json_array_size(items),
		        json_integer_value(json_object_get(r.json, "total")));
out:
	cli_resp_free(&r);
	flw_buf_free(&q);
	return rc;
}

/* ---- one finding --------------------------------------------------------------------------- */
static void print_finding(const struct cli_ctx *ctx, const json_t *f)
{
	static const struct cli_col fields[] = {
		{ "device:", "device", CLI_COL_STR },
		{ "cve:", "cve", CLI_COL_STR },
		{ "component:", "component", CLI_COL_STR },
		{ "version:", "component_version", CLI_COL_STR },
		{ "release:", "release", CLI_COL_STR },
		{ "state:", "state", CLI_COL_STR },
		{ "change:", "change", CLI_COL_STR },
		{ "decision:", "decision", CLI_COL_STR },
		{ "score:", "score", CLI_COL_STR },
		{ "due:", "due", CLI_COL_WHEN },
		{ "overdue:", "overdue", CLI_COL_STR },
		{ "first seen:", "first_seen", CLI_COL_WHEN },
		{ "opened:", "opened", CLI_COL_WHEN },
		{ "fixed:", "fixed", CLI_COL_WHEN },
		{ "reopened:", "reopen_count", CLI_COL_STR },
		{ "published:", "published", CLI_COL_DATE },
		{ "severity:", "severity", CLI_COL_STR },
		{ "cvss:", "cvss", CLI_COL_STR },
		{ "kev:", "kev", CLI_COL_STR },
		{ "kev due:", "kev_due", CLI_COL_DATE },
		{ "epss:", "epss", CLI_COL_STR },
		{ "confidence:", "confidence", CLI_COL_STR },
		{ "fix release:", "fix_release", CLI_COL_STR },
		{ "fix available:", "fix_available", CLI_COL_DATE },
		{ "accepted by:", "accept.approver", CLI_COL_STR },
		{ "accepted:", "accept.accepted", CLI_COL_WHEN },
		{ "accepted until:", "accept.expires", CLI_COL_WHEN },
		{ "accept reason:", "accept.reason", CLI_COL_STR },
	};
	const json_t *reasons = json_object_get(f, "reasons");
	const json_t *match = json_object_get(f, "match");
	char code[256];
	char text[1024];
	size_t i;

	cli_print_fields(ctx, f, fields, FLW_ARRAY_SIZE(fields));
	if (json_array_size(reasons) > 0)
		printf("reasons:\n");
	for (i = 0; i < json_array_size(reasons); i++) {
		cli_fmt_value(json_object_get(json_array_get(reasons, i), "code"), CLI_COL_STR,
		              ctx->now, code, sizeof(code));
		cli_fmt_value(json_object_get(json_array_get(reasons, i), "text"), CLI_COL_STR,
		              ctx->now, text, sizeof(text));
		printf("  %s: %s\n", code, text);
	}
	if (json_array_size(match) > 0)
		printf("match:\n");
	for (i = 0; i < json_array_size(match); i++) {
		cli_fmt_value(json_array_get(match, i), CLI_COL_STR, ctx->now, text, sizeof(text));
		printf("  %s\n", text);
	}
}

/* GET /api/v1/findings?device=D&cve=C[&component=X] into r */
static int get_findings(struct cli_ctx *ctx, const char *dev, const char *cve, const char *comp,
                        struct cli_resp *r)
{
	struct flw_buf q;
	int rc = CLI_EXIT_FAIL;

	flw_buf_init(&q, CLI_QUERY_MAX);
	if (flw_buf_puts(&q, "/api/v1/findings") != 0 || add_param(&q, "device", dev) != 0 ||
	    add_param(&q, "cve", cve) != 0 || (comp && add_param(&q, "component", comp) != 0)) {
		rc = cli_fail(ctx, "the arguments are too long");
		goto out;
	}
	rc = cli_api(ctx, "GET", flw_buf_cstr(&q), NULL, r, NULL);
out:
	flw_buf_free(&q);
	return rc;
}

int cli_cmd_finding_show(struct cli_ctx *ctx)
{
	struct cli_resp r = { 0 };
	const json_t *items;
	size_t i;
	int rc;

	rc = get_findings(ctx, ctx->pos[0], ctx->pos[1], ctx->npos > 2 ? ctx->pos[2] : NULL, &r);
	if (rc != 0)
		goto out;
	items = json_object_get(r.json, "items");
	if (json_array_size(items) == 0) {
		rc = cli_fail(ctx, "no finding of %s on device '%s'%s%s", ctx->pos[1], ctx->pos[0],
		              ctx->npos > 2 ? " for component " : "",
		              ctx->npos > 2 ? ctx->pos[2] : "");
		cli_hint("'fleetward finding list --device %s' lists the device's findings",
		         ctx->pos[0]);
		goto out;
	}
	if (ctx->json) {
		cli_print_raw(&r);
		goto out;
	}
	for (i = 0; i < json_array_size(items); i++) {
		if (i > 0)
			putchar('\n');
		print_finding(ctx, json_array_get(items, i));
	}
out:
	cli_resp_free(&r);
	return rc;
}

/* "YYYY-MM-DD" (00:00 UTC) or "+N[smhd]" from now */
static int parse_expires(const struct cli_ctx *ctx, const char *s, int64_t *out)
{
	char iso[32];
	time_t t;
	int64_t d;

	if (s[0] == '+' && cli_parse_duration(s + 1, &d) == 0) {
		*out = (int64_t)ctx->now + d;
		return 0;
	}
	if (strlen(s) == 10 && snprintf(iso, sizeof(iso), "%sT00:00:00Z", s) > 0 &&
	    flw_tuf_time_parse(iso, &t) == 0) {
		*out = (int64_t)t;
		return 0;
	}
	return -1;
}

static int print_changed(struct cli_ctx *ctx, struct cli_resp *r, const char *what)
{
	char until[64];

	if (ctx->json) {
		cli_print_raw(r);
		return 0;
	}
	cli_fmt_value(cli_json_path(r->json, "accept.expires"), CLI_COL_WHEN, ctx->now, until,
	              sizeof(until));
	printf("%s %s on '%s' (%s)", what, ctx->pos[1], ctx->pos[0], ctx->pos[2]);
	if (json_is_object(json_object_get(r->json, "accept")))
		printf(" until %s\n", until);
	else
		printf("; it is %s again\n",
		       json_string_value(json_object_get(r->json, "state"))
		               ? json_string_value(json_object_get(r->json, "state"))
		               : "open");
	return 0;
}

static int finding_change(struct cli_ctx *ctx, const char *path, json_t *body, const char *what)
{
	struct cli_resp r = { 0 };
	int rc;

	if (!body)
		return cli_fail(ctx, "out of memory");
	rc = cli_api(ctx, "POST", path, body, &r,
	             "no such finding; 'fleetward finding list --device DEVICE' lists them");
	if (rc == 0)
		rc = print_changed(ctx, &r, what);
	json_decref(body);
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_finding_accept(struct cli_ctx *ctx)
{
	const char *reason = cli_opt_str(ctx, "reason");
	const char *exp = cli_opt_str(ctx, "expires");
	int64_t until;

	if (strlen(reason) == 0 || strlen(reason) > CLI_REASON_MAX)
		return cli_usage(ctx, "--reason: give 1 to %d characters", CLI_REASON_MAX);
	if (parse_expires(ctx, exp, &until) != 0)
		return cli_usage(ctx,
		                 "--expires: give a date YYYY-MM-DD or +Nd (days from now), "
		                 "not '%.32s'",
		                 exp);
	if (until <= (int64_t)ctx->now)
		return cli_usage(ctx, "--expires %s is not in the future", exp);
	return finding_change(ctx, "/api/v1/findings/accept",
	                      json_pack("{s:s, s:s, s:s, s:s, s:I}", "device", ctx->pos[0], "cve",
	                                ctx->pos[1], "component", ctx->pos[2], "reason", reason,
	                                "expires", (json_int_t)until),
	                      "accepted");
}

int cli_cmd_finding_revoke(struct cli_ctx *ctx)
{
	return finding_change(ctx, "/api/v1/findings/revoke",
	                      json_pack("{s:s, s:s, s:s}", "device", ctx->pos[0], "cve",
	                                ctx->pos[1], "component", ctx->pos[2]),
	                      "revoked the acceptance of");
}

/* ---- models ---------------------------------------------------------------------------------- */
int cli_cmd_model_list(struct cli_ctx *ctx)
{
	static const struct cli_col cols[] = {
		{ "HARDWARE", "hwid", CLI_COL_STR },
		{ "SUPPORT END", "support_end", CLI_COL_STR },
		{ "DEVICES", "devices", CLI_COL_STR },
	};

	return cli_list(ctx, "/api/v1/models", cols, FLW_ARRAY_SIZE(cols),
	                "no device models yet (they come from the devices' hardware ids)");
}

int cli_cmd_model_set(struct cli_ctx *ctx)
{
	const char *end = cli_opt_str(ctx, "support-end");
	char iso[32];
	char done[192];
	time_t t;

	if (strcmp(end, "none") != 0 &&
	    (strlen(end) != 10 || snprintf(iso, sizeof(iso), "%sT00:00:00Z", end) < 0 ||
	     flw_tuf_time_parse(iso, &t) != 0))
		return cli_usage(ctx, "--support-end: give a date YYYY-MM-DD or none, not '%.32s'",
		                 end);
	if (strcmp(end, "none") == 0)
		snprintf(done, sizeof(done), "model '%.64s': no support end", ctx->pos[0]);
	else
		snprintf(done, sizeof(done), "model '%.64s': support ends %s", ctx->pos[0], end);
	return cli_action(ctx, "PUT", cli_path("/api/v1/models/", ctx->pos[0], NULL),
	                  json_pack("{s:o}", "support_end",
	                            strcmp(end, "none") == 0 ? json_null() : json_string(end)),
	                  NULL, done);
}
