/* src/cli/cmd_report.c - `fleetward report NAME`, `fleetward assess`, `fleetward assessment`
 *
 * Reports come from GET /api/v1/reports/{name} (docs/PROTOCOL.md "Reports"). Each row of the
 * table below is one report and how it is printed for people: durations in days with one
 * decimal, shares in percent, an incomplete inventory as a WARNING line. --json prints the
 * server's answer and --csv the server's own CSV of it (?format=csv: one definition of the
 * columns, in PROTOCOL.md), both unchanged.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"

#define CLI_QUERY_MAX   512
#define CLI_REPORT_ROWS 100000 /* --csv asks for the whole list (the server's maximum) */

typedef void (*report_print_fn)(const struct cli_ctx *ctx, const json_t *rep);

struct report {
	const char *name;
	report_print_fn print;
};

/* ---- helpers ------------------------------------------------------------------------------ */
static int64_t num(const json_t *obj, const char *key)
{
	const json_t *v = cli_json_path(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* a number as "12.3" (one decimal), or "-" when absent */
static void fmt1(const json_t *obj, const char *key, char *out, size_t n)
{
	cli_fmt_value(cli_json_path(obj, key), CLI_COL_DAYS, 0, out, n);
}

static void fmt_pct(const json_t *obj, const char *key, char *out, size_t n)
{
	cli_fmt_value(cli_json_path(obj, key), CLI_COL_PCT, 0, out, n);
}

static void print_at(const struct cli_ctx *ctx, const json_t *rep)
{
	char at[64];

	cli_fmt_value(json_object_get(rep, "at"), CLI_COL_WHEN, ctx->now, at, sizeof(at));
	printf("assessment of %s\n", at);
}

/* period (seconds) as days with one decimal */
static void fmt_period(const json_t *rep, char *out, size_t n)
{
	snprintf(out, n, "%.1f d", (double)num(rep, "period") / 86400.0);
}

static void print_list(const struct cli_ctx *ctx, const char *title, const json_t *items,
                       const struct cli_col *cols, size_t ncols, const char *none)
{
	if (title)
		printf("\n%s\n", title);
	(void)cli_print_items(ctx, items, cols, ncols, none);
}

/* "WARNING: ..." when the inventory is not complete enough to trust the numbers */
static void completeness_warning(const json_t *share_obj, const char *min_text)
{
	char share[32];

	if (!json_is_true(json_object_get(share_obj, "flagged")))
		return;
	fmt_pct(share_obj, "share", share, sizeof(share));
	printf("WARNING: the inventory is complete for only %s of the devices%s%s; findings and "
	       "deadlines may miss devices ('fleetward report completeness' names them)\n",
	       share, min_text ? ", under the minimum " : "", min_text ? min_text : "");
}

/* ---- the reports for people --------------------------------------------------------------- */
static void print_summary(const struct cli_ctx *ctx, const json_t *rep)
{
	char a[32];
	char b[32];

	print_at(ctx, rep);
	printf("%-22s %" PRId64 "\n", "devices:", num(rep, "devices"));
	printf("%-22s %" PRId64 " (act %" PRId64 ", attend %" PRId64 ", track* %" PRId64
	       ", track %" PRId64 ")\n",
	       "open findings:", num(rep, "findings_open"), num(rep, "by_decision.act"),
	       num(rep, "by_decision.attend"), num(rep, "by_decision.track*"),
	       num(rep, "by_decision.track"));
	fmt_pct(rep, "overdue_share", a, sizeof(a));
	printf("%-22s %" PRId64 " (%s)\n", "devices overdue:", num(rep, "devices_overdue"), a);
	fmt_pct(rep, "completeness.share", a, sizeof(a));
	printf("%-22s %s\n", "inventory complete:", a);
	fmt_pct(rep, "update_channel.share", a, sizeof(a));
	printf("%-22s %s\n", "update channel works:", a);
	fmt1(rep, "mttp_days.mean", a, sizeof(a));
	fmt1(rep, "mttp_days.median", b, sizeof(b));
	printf("%-22s mean %s d, median %s d\n", "time to patch:", a, b);
	printf("%-22s %" PRId64 "\n", "end-of-life devices:", num(rep, "eol_devices"));
	printf("%-22s %" PRId64 "\n", "CVEs:", num(rep, "cves"));
	completeness_warning(json_object_get(rep, "completeness"), NULL);
}

static const struct cli_col mttp_cols[] = {
	{ "CLASS", "class", CLI_COL_STR },
	{ "SEVERITY", "severity", CLI_COL_STR },
	{ "FINDINGS", "findings", CLI_COL_STR },
	{ "OPEN", "open", CLI_COL_STR },
	{ "TTP MEAN d", "ttp.mean_days", CLI_COL_DAYS },
	{ "TTP MEDIAN d", "ttp.median_days", CLI_COL_DAYS },
	{ "TTP P90 d", "ttp.p90_days", CLI_COL_DAYS },
	{ "VENDOR MEDIAN d", "vendor.median_days", CLI_COL_DAYS },
	{ "OPERATOR MEDIAN d", "operator.median_days", CLI_COL_DAYS },
};

static void print_dist(const char *what, const json_t *d)
{
	char mean[32];
	char median[32];
	char p90[32];

	fmt1(d, "mean_days", mean, sizeof(mean));
	fmt1(d, "median_days", median, sizeof(median));
	fmt1(d, "p90_days", p90, sizeof(p90));
	printf("  %-44s n %" PRId64 " (%" PRId64 " still open), mean %s d, median %s d, p90 %s d\n",
	       what, num(d, "n"), num(d, "censored"), mean, median, p90);
}

static void print_mttp(const struct cli_ctx *ctx, const json_t *rep)
{
	const json_t *t = json_object_get(rep, "total");

	print_at(ctx, rep);
	printf("all findings: %" PRId64 " (%" PRId64 " open)\n", num(t, "findings"),
	       num(t, "open"));
	print_dist("time to patch (published -> device fixed):", json_object_get(t, "ttp"));
	print_dist("vendor (published -> first fixing release):", json_object_get(t, "vendor"));
	print_dist("operator (fix available -> device fixed):", json_object_get(t, "operator"));
	if (num(rep, "skipped") > 0)
		printf("(%" PRId64 " findings without a publication date left out)\n",
		       num(rep, "skipped"));
	print_list(ctx, "by class and severity (open findings count as censored at now):",
	           json_object_get(rep, "groups"), mttp_cols, FLW_ARRAY_SIZE(mttp_cols),
	           "(no findings)");
}

static const struct cli_col deadline_cols[] = {
	{ "DEVICE", "device", CLI_COL_STR },
	{ "CVE", "cve", CLI_COL_STR },
	{ "COMPONENT", "component", CLI_COL_STR },
	{ "DECISION", "decision", CLI_COL_STR },
	{ "SCORE", "score", CLI_COL_STR },
	{ "DUE", "due", CLI_COL_DATE },
	{ "DAYS OVERDUE", "days_overdue", CLI_COL_DAYS },
};

static void print_deadlines(const struct cli_ctx *ctx, const json_t *rep)
{
	static const struct cli_col class_cols[] = {
		{ "CLASS", "class", CLI_COL_STR },
		{ "DEVICES", "devices", CLI_COL_STR },
		{ "OVERDUE", "overdue", CLI_COL_STR },
		{ "SHARE", "share", CLI_COL_PCT },
	};
	char share[32];

	print_at(ctx, rep);
	fmt_pct(rep, "share", share, sizeof(share));
	printf("devices with an overdue finding: %" PRId64 " of %" PRId64 " (%s)\n",
	       num(rep, "devices_overdue"), num(rep, "devices"), share);
	print_list(ctx, "by class:", json_object_get(rep, "by_class"), class_cols,
	           FLW_ARRAY_SIZE(class_cols), "(no devices)");
	print_list(ctx, "overdue findings, most overdue first:", json_object_get(rep, "items"),
	           deadline_cols, FLW_ARRAY_SIZE(deadline_cols), "(none overdue)");
}

static const struct cli_col completeness_cols[] = {
	{ "DEVICE", "device", CLI_COL_STR },
	{ "MISSING", "missing", CLI_COL_LIST },
};

static void print_completeness(const struct cli_ctx *ctx, const json_t *rep)
{
	char share[32];
	char min[32];
	char period[32];

	print_at(ctx, rep);
	fmt_pct(rep, "share", share, sizeof(share));
	fmt_pct(rep, "min_share", min, sizeof(min));
	fmt_period(rep, period, sizeof(period));
	printf("inventory complete: %" PRId64 " of %" PRId64
	       " devices (%s; minimum %s): checked in within %s, reported their firmware "
	       "version, run a signed release\n",
	       num(rep, "complete"), num(rep, "devices"), share, min, period);
	completeness_warning(rep, min);
	print_list(ctx, NULL, json_object_get(rep, "items"), completeness_cols,
	           FLW_ARRAY_SIZE(completeness_cols), "(every device is complete)");
}

static const struct cli_col channel_cols[] = {
	{ "DEVICE", "device", CLI_COL_STR },
	{ "REASON", "reason", CLI_COL_STR },
};

static void print_update_channel(const struct cli_ctx *ctx, const json_t *rep)
{
	char share[32];
	char period[32];

	print_at(ctx, rep);
	fmt_pct(rep, "share", share, sizeof(share));
	fmt_period(rep, period, sizeof(period));
	printf("update channel works: %" PRId64 " of %" PRId64
	       " devices (%s): checked in within %s, last update neither failed nor stuck\n",
	       num(rep, "working"), num(rep, "devices"), share, period);
	print_list(ctx, NULL, json_object_get(rep, "items"), channel_cols,
	           FLW_ARRAY_SIZE(channel_cols), "(every device's update channel works)");
}

static const struct cli_col kev_cols[] = {
	{ "CVE", "cve", CLI_COL_STR },
	{ "PUBLISHED", "published", CLI_COL_DATE },
	{ "KEV ADDED", "kev_added", CLI_COL_DATE },
	{ "DAYS", "days", CLI_COL_DAYS },
	{ "DEVICES", "devices", CLI_COL_STR },
};

static void print_kev(const struct cli_ctx *ctx, const json_t *rep)
{
	print_at(ctx, rep);
	printf("the fleet carries %" PRId64 " CVEs (open findings), %zu of them on CISA KEV\n",
	       num(rep, "cves"), json_array_size(json_object_get(rep, "items")));
	print_dist("publication -> KEV:", json_object_get(rep, "tte"));
	print_list(ctx, NULL, json_object_get(rep, "items"), kev_cols, FLW_ARRAY_SIZE(kev_cols),
	           "(none)");
}

static const struct cli_col queue_cols[] = {
	{ "RELEASE", "release", CLI_COL_STR },   { "DEVICES", "devices", CLI_COL_STR },
	{ "FINDINGS", "findings", CLI_COL_STR }, { "DECISION", "decision", CLI_COL_STR },
	{ "SCORE", "score", CLI_COL_STR },       { "FIXES", "fixes", CLI_COL_LIST, "cve" },
};

static void print_patch_queue(const struct cli_ctx *ctx, const json_t *rep)
{
	print_at(ctx, rep);
	printf("releases to roll out, most urgent first (the findings each one fixes):\n");
	print_list(ctx, NULL, json_object_get(rep, "items"), queue_cols, FLW_ARRAY_SIZE(queue_cols),
	           "(no release fixes an open finding)");
}

static const struct cli_col eol_cols[] = {
	{ "DEVICE", "device", CLI_COL_STR },
	{ "HARDWARE", "hwid", CLI_COL_STR },
	{ "SUPPORT END", "support_end", CLI_COL_STR },
	{ "OPEN", "open", CLI_COL_STR },
	{ "WORST", "worst", CLI_COL_STR },
	{ "ACTION", "action", CLI_COL_STR },
};
static void print_eol(const struct cli_ctx *ctx, const json_t *rep)
{
	const json_t *items = json_object_get(rep, "items");
	char dev[128];
	char code[64];
	char text[1024];
	size_t i;
	size_t k;

	print_at(ctx, rep);
	printf("devices past their support end:\n");
	print_list(ctx, NULL, items, eol_cols, FLW_ARRAY_SIZE(eol_cols), "(none)");
	for (i = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);
		const json_t *rs = json_object_get(it, "reasons");

		cli_fmt_value(json_object_get(it, "device"), CLI_COL_STR, 0, dev, sizeof(dev));
		for (k = 0; k < json_array_size(rs); k++) {
			cli_fmt_value(json_object_get(json_array_get(rs, k), "code"), CLI_COL_STR,
			              0, code, sizeof(code));
			cli_fmt_value(json_object_get(json_array_get(rs, k), "text"), CLI_COL_STR,
			              0, text, sizeof(text));
			printf("%s  %s: %s\n", k == 0 ? dev : "", code, text);
		}
	}
}

static const struct report reports[] = {
	{ "summary", print_summary },
	{ "mttp", print_mttp },
	{ "deadlines", print_deadlines },
	{ "completeness", print_completeness },
	{ "update-channel", print_update_channel },
	{ "kev-exposure", print_kev },
	{ "patch-queue", print_patch_queue },
	{ "eol", print_eol },
};

/* ---- the command ------------------------------------------------------------------------- */
static const struct report *report_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(reports); i++)
		if (strcmp(reports[i].name, name) == 0)
			return &reports[i];
	return NULL;
}

static void print_report(const struct cli_ctx *ctx, const struct report *rp, const json_t *rep)
{
	const json_t *items = json_object_get(rep, "items");
	const json_t *total = json_object_get(rep, "total");

	rp->print(ctx, rep);
	if (json_is_integer(total) && json_is_array(items) &&
	    (size_t)json_integer_value(total) > json_array_size(items) && fflush(stdout) == 0)
		fprintf(stderr, "(%zu of %" JSON_INTEGER_FORMAT " shown; --csv lists all)\n",
		        json_array_size(items), json_integer_value(total));
}

/* ?period=SECONDS&min_share=X from --period and --min-share (only when given); csv: the
 * server's CSV of the whole list */
static int report_query(struct cli_ctx *ctx, const struct report *rp, int csv, struct flw_buf *q)
{
	const char *period = cli_opt_str(ctx, "period");
	const char *min = cli_opt_str(ctx, "min-share");
	char *end = NULL;
	int64_t secs = 0;
	double share = 0;

	if (period && cli_parse_duration(period, &secs) != 0)
		return cli_usage(ctx, "--period: give a duration like 7d, 36h or 3600, not '%.32s'",
		                 period);
	if (min) {
		errno = 0;
		share = strtod(min, &end);
		if (errno != 0 || end == min || *end != '\0' || !(share >= 0.0 && share <= 1.0))
			return cli_usage(ctx,
			                 "--min-share: give a share from 0 to 1 (0.95 is 95%%), "
			                 "not '%.32s'",
			                 min);
	}
	if (flw_buf_printf(q, "/api/v1/reports/%s?", rp->name) != 0 ||
	    (period && flw_buf_printf(q, "period=%" PRId64 "&", secs) != 0) ||
	    (min && flw_buf_printf(q, "min_share=%s&", min) != 0) ||
	    (csv && flw_buf_printf(q, "format=csv&limit=%d&", CLI_REPORT_ROWS) != 0))
		return cli_fail(ctx, "out of memory");
	q->data[--q->len] = '\0'; /* the last '&' or the '?' */
	return 0;
}

int cli_cmd_report(struct cli_ctx *ctx)
{
	const struct report *rp = report_by_name(ctx->pos[0]);
	struct cli_resp r = { 0 };
	struct flw_buf q;
	int csv = cli_opt_count(ctx, "csv") > 0;
	int rc;

	flw_buf_init(&q, CLI_QUERY_MAX);
	if (!rp) {
		rc = cli_usage(ctx,
		               "no report '%.32s'; give summary, mttp, deadlines, completeness, "
		               "update-channel, kev-exposure, patch-queue or eol",
		               ctx->pos[0]);
		goto out;
	}
	if (csv && ctx->json) {
		rc = cli_usage(ctx, "give --json or --csv, not both");
		goto out;
	}
	if ((rc = report_query(ctx, rp, csv, &q)) != 0)
		goto out;
	if (csv) {
		rc = cli_api_get_text(ctx, flw_buf_cstr(&q), &r);
		if (rc == 0)
			fwrite(r.body.len ? (const void *)r.body.data : "", 1, r.body.len, stdout);
		goto out;
	}
	rc = cli_api(ctx, "GET", flw_buf_cstr(&q), NULL, &r, NULL);
	if (rc != 0)
		goto out;
	if (ctx->json)
		cli_print_raw(&r);
	else if (!json_is_object(r.json))
		rc = cli_fail(ctx, "the server's answer is not an object");
	else
		print_report(ctx, rp, r.json);
out:
	cli_resp_free(&r);
	flw_buf_free(&q);
	return rc;
}

/* ---- assessment ----------------------------------------------------------------------------- */
static int print_assessment(struct cli_ctx *ctx, const char *method)
{
	static const struct cli_col fields[] = {
		{ "at:", "at", CLI_COL_WHEN },
		{ "took (s):", "seconds", CLI_COL_STR },
		{ "incremental:", "incremental", CLI_COL_STR },
		{ "devices:", "devices", CLI_COL_STR },
		{ "releases:", "releases", CLI_COL_STR },
		{ "components:", "components", CLI_COL_STR },
		{ "unmatchable:", "unmatchable", CLI_COL_STR },
		{ "matches:", "hits", CLI_COL_STR },
		{ "findings:", "findings", CLI_COL_STR },
		{ "open:", "open", CLI_COL_STR },
		{ "fixed:", "fixed", CLI_COL_STR },
		{ "accepted:", "accepted", CLI_COL_STR },
		{ "overdue:", "overdue", CLI_COL_STR },
		{ "end-of-life devices:", "eol_devices", CLI_COL_STR },
		{ "CVEs:", "cves", CLI_COL_STR },
	};
	struct cli_resp r = { 0 };
	json_t *body = strcmp(method, "POST") == 0 ? json_object() : NULL;
	int rc;

	rc = cli_api(ctx, method, "/api/v1/assessment", body, &r,
	             "no assessment yet: run 'fleetward assess' (importing a feed runs one too)");
	if (rc == 0 && ctx->json)
		cli_print_raw(&r);
	else if (rc == 0)
		cli_print_fields(ctx, r.json, fields, FLW_ARRAY_SIZE(fields));
	json_decref(body);
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_assess(struct cli_ctx *ctx)
{
	return print_assessment(ctx, "POST");
}

int cli_cmd_assessment(struct cli_ctx *ctx)
{
	return print_assessment(ctx, "GET");
}
