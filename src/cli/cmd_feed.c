/* src/cli/cmd_feed.c - `fleetward feed import|list`, `fleetward vuln show`
 *
 * feed import, per file: (1) the kind, from --kind or told from the first bytes by the server's
 * own rules (flw_feed_sniff); (2) a local parse pass with the library's own importer (feed.h) into a
 * throw-away record set, with progress on stderr (bytes, records, malformed, records/s) and the
 * malformed records by CVE id and reason; a file the parser refuses as a whole (wrong kind,
 * truncated, over a limit) is not uploaded; (3) the upload, streamed from the file
 * (POST /api/v1/feeds?kind=K&name=N) with the upload progress line of `release upload`;
 * (4) the server's numbers. A directory is every "*.json" in it, in name order, as NVD pages.
 * Exit 0 when every file was imported, 1 when one was refused (the others are still tried).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/feed.h"
#include "fleetward/json.h"
#include "util/sort.h"

#define FEED_SHOW_ERRORS   20           /* malformed records printed per file */
#define FEED_STALL_SECONDS 1800L        /* the server imports and re-assesses before it answers */
#define FEED_DRAW_NS       100000000LL  /* terminal progress: at most every 0.1 s */
#define FEED_LINE_NS       5000000000LL /* no terminal: a progress line every 5 s */
#define DIAG_TEXT          (FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32)

typedef int (*feed_import_fn)(struct flw_vuln_db *db, const char *path,
                              const struct flw_feed_opts *opts, struct flw_feed_stats *stats,
                              struct flw_diag *diag);

/* The kinds the server takes (COMMON.md "POST /api/v1/feeds"), with the local importer. */
static const struct feed_kind {
	const char *name;
	feed_import_fn import;
	int lines;          /* records are numbered by line (else by index) */
	const char *what;   /* the file */
	const char *record; /* one record */
} kinds[] = {
	{ "nvd", flw_feed_import_nvd, 0, "an NVD CVE API 2.0 response", "an NVD cve" },
	{ "cve5", flw_feed_import_cve5, 0, "one CVE JSON 5 record", "a CVE JSON 5" },
	{ "cve5-jsonl", flw_feed_import_cve5_jsonl, 1, "CVE JSON 5 records, one per line",
	  "a CVE JSON 5" },
	{ "kev", flw_feed_import_kev, 0, "the CISA KEV catalogue", "a KEV" },
	{ "epss", flw_feed_import_epss, 1, "a FIRST EPSS CSV", "an EPSS" },
};

static const struct feed_kind *kind_by_name(const char *s)
{
	size_t i;

	for (i = 0; s && i < FLW_ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].name, s) == 0)
			return &kinds[i];
	return NULL;
}

/* ---- telling the kind from the first bytes -------------------------------------------------- */
/* The server's own rules (flw_feed_sniff, docs/PROTOCOL.md "Feed import"), so that a file is
 * parsed here as what the server would take it for. */
static int sniff_file(const struct cli_ctx *ctx, const char *file, const struct feed_kind **out)
{
	unsigned char *head = flw_malloc(FLW_FEED_SNIFF_BYTES);
	FILE *f = NULL;
	size_t n;
	int rc = CLI_EXIT_FAIL;

	if (!head)
		return cli_fail(ctx, "out of memory");
	f = fopen(file, "rbe");
	if (!f) {
		rc = cli_fail(ctx, "cannot open '%s': %s", file, strerror(errno));
		goto out;
	}
	n = fread(head, 1, FLW_FEED_SNIFF_BYTES, f);
	if (ferror(f)) {
		rc = cli_fail(ctx, "cannot read '%s': %s", file, strerror(errno));
		goto out;
	}
	*out = kind_by_name(flw_feed_sniff(head, n, n < FLW_FEED_SNIFF_BYTES));
	if (!*out) {
		rc = cli_fail(ctx, "'%s': cannot tell the kind of feed from its first bytes", file);
		cli_hint("give it: --kind nvd, cve5, cve5-jsonl, kev or epss");
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	flw_free(head);
	return rc;
}

/* ---- the local parse pass ------------------------------------------------------------------- */
struct parse_run {
	const struct cli_ctx *ctx;
	const struct feed_kind *kind;
	const char *label;
	int64_t t0_ns;
	int64_t last_ns;
	int drawn; /* a progress line is on the terminal */
	size_t shown;
	size_t reported;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double rate(size_t records, int64_t ns)
{
	return ns > 0 ? (double)records * 1e9 / (double)ns : 0.0;
}

static void progress_text(const struct parse_run *pr, const struct flw_feed_progress *p, char *out,
                          size_t n)
{
	char done[32];
	char total[32];
	int64_t el = now_ns() - pr->t0_ns;

	cli_fmt_size(p->bytes_done, done, sizeof(done));
	cli_fmt_size(p->bytes_total, total, sizeof(total));
	snprintf(out, n, "parsing %s  %3d%%  %s / %s  %zu records  %zu malformed  %.0f records/s",
	         pr->label, p->bytes_total ? (int)(p->bytes_done * 100 / p->bytes_total) : 100,
	         done, total, p->stats->records, p->stats->failed, rate(p->stats->records, el));
}

static void on_progress(const struct flw_feed_progress *p, void *payload)
{
	struct parse_run *pr = payload;
	int64_t t = now_ns();
	char line[512];

	if (p->done)
		return; /* the caller prints the summary */
	if (t - pr->last_ns < (pr->ctx->err_tty ? FEED_DRAW_NS : FEED_LINE_NS))
		return;
	pr->last_ns = t;
	progress_text(pr, p, line, sizeof(line));
	if (pr->ctx->err_tty) {
		fprintf(stderr, "\r\033[2K%s", line);
		pr->drawn = 1;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

static void clear_line(struct parse_run *pr)
{
	if (pr->drawn)
		fputs("\r\033[2K", stderr);
	pr->drawn = 0;
}

/* "  CVE-2023-0001 (record 3): reason" with control characters replaced */
static void print_record_error(const char *id, const char *where, size_t index, const char *reason,
                               int kept)
{
	char clean[DIAG_TEXT];
	char cid[FLW_CVE_ID_MAX + 1];
	size_t i;

	snprintf(clean, sizeof(clean), "%s", reason);
	snprintf(cid, sizeof(cid), "%s", id && id[0] ? id : "(no CVE id)");
	for (i = 0; clean[i]; i++)
		if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
			clean[i] = '?';
	for (i = 0; cid[i]; i++)
		if ((unsigned char)cid[i] < 0x20 || cid[i] == 0x7f)
			cid[i] = '?';
	fprintf(stderr, "  %s %s (%s %zu): %s\n", kept ? "record kept:" : "malformed:", cid, where,
	        index, clean);
}

static void on_error(const struct flw_feed_error *e, void *payload)
{
	struct parse_run *pr = payload;
	char reason[DIAG_TEXT];

	pr->reported++;
	if (pr->shown >= FEED_SHOW_ERRORS)
		return;
	pr->shown++;
	clear_line(pr);
	flw_diag_format(e->diag, reason, sizeof(reason));
	print_record_error(e->id, pr->kind->lines ? "line" : "record", e->index, reason,
	                   e->record_kept);
}

/* Parse file locally; prints the summary. 0, or CLI_EXIT_FAIL when the file is refused. */
static int parse_local(const struct cli_ctx *ctx, const char *file, const struct feed_kind *kind,
                       struct flw_feed_stats *stats)
{
	struct parse_run pr = { ctx, kind, file, now_ns(), 0, 0, 0, 0 };
	struct flw_feed_opts opts = FLW_FEED_OPTS_INIT;
	struct flw_vuln_db *db = NULL;
	struct flw_diag diag = { 0 };
	char msg[DIAG_TEXT];
	char size[32];
	struct stat st;
	int exists;
	int64_t el;
	int rc;

	opts.on_error = on_error;
	opts.on_progress = on_progress;
	opts.progress_every = 200;
	opts.payload = &pr;
	pr.last_ns = pr.t0_ns;
	if (flw_vuln_db_new(&db) != 0)
		return cli_fail(ctx, "out of memory");
	rc = kind->import(db, file, &opts, stats, &diag);
	flw_vuln_db_free(db);
	clear_line(&pr);
	el = now_ns() - pr.t0_ns;
	if (pr.reported > pr.shown)
		fprintf(stderr, "  ... and %zu more\n", pr.reported - pr.shown);
	exists = stat(file, &st) == 0;
	if (!exists)
		st.st_size = 0;
	cli_fmt_size((uint64_t)st.st_size, size, sizeof(size));
	fprintf(stderr,
	        "parsed %s as %s: %s, %zu records, %zu malformed, %zu parts the matcher "
	        "skipped (records kept), %.1f s (%.0f records/s)\n",
	        file, kind->name, size, stats->records, stats->failed, stats->refused,
	        (double)el / 1e9, rate(stats->records, el));
	if (rc == 0 && (stats->records == 0 || stats->failed < stats->records))
		return 0;
	if (rc == 0)
		cli_fail(ctx, "'%s' refused: none of its %zu records is %s record", file,
		         stats->records, kind->record);
	else
		cli_fail(ctx, "'%s' refused: not %s: %s", file, kind->what,
		         flw_diag_format(&diag, msg, sizeof(msg)));
	/* a missing field is FLW_ENOTFOUND too: the file is there, its shape is not the kind's */
	if (rc == 0 || rc == FLW_EFORMAT || (rc == FLW_ENOTFOUND && exists))
		cli_hint("the kind was %s (%s); if that is wrong, give --kind nvd, cve5, "
		         "cve5-jsonl, kev or epss",
		         kind->name,
		         cli_opt_str(ctx, "kind") ? "from --kind" : "told from the first bytes");
	return CLI_EXIT_FAIL;
}

/* ---- the upload and the server's answer --------------------------------------------------- */
static int64_t num(const json_t *obj, const char *key)
{
	const json_t *v = cli_json_path(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* a string member, or def */
static const char *str(const json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(cli_json_path(obj, key));

	return s ? s : def;
}

static void print_server_errors(const json_t *ans)
{
	const json_t *errs = json_object_get(ans, "errors");
	size_t i;

	for (i = 0; i < json_array_size(errs) && i < FEED_SHOW_ERRORS; i++) {
		const json_t *e = json_array_get(errs, i);
		char reason[DIAG_TEXT];
		const char *path = str(e, "path", "");

		snprintf(reason, sizeof(reason), "%s%s%s%s", str(e, "reason", "?"),
		         path[0] ? " (field '" : "", path, path[0] ? "')" : "");
		print_record_error(str(e, "id", ""), "record", (size_t)num(e, "index"), reason,
		                   json_is_true(json_object_get(e, "record_kept")));
	}
	if (num(ans, "errors_total") > (int64_t)i)
		fprintf(stderr, "  ... and %" PRId64 " more\n",
		        num(ans, "errors_total") - (int64_t)i);
}

/* The server's numbers for one file. Returns 0, or CLI_EXIT_FAIL when it stopped early. */
static int print_answer(const struct cli_ctx *ctx, const char *file, const json_t *ans,
                        const struct flw_feed_stats *local, int parsed)
{
	const json_t *imp = json_object_get(ans, "import");
	const json_t *err = json_object_get(ans, "error");
	const json_t *as = json_object_get(ans, "assessment");
	char size[32];

	cli_fmt_size((uint64_t)num(imp, "bytes"), size, sizeof(size));
	if (json_is_true(json_object_get(ans, "duplicate"))) {
		printf("%s: already imported as feed #%" PRId64 " (same sha256); nothing changed\n",
		       file, num(imp, "id"));
		return 0;
	}
	printf("%s: imported as feed #%" PRId64 " (%s, %s, sha256 %.16s...)\n", file,
	       num(imp, "id"), str(imp, "kind", "?"), size, str(imp, "sha256", "?"));
	printf("  %" PRId64 " records: %" PRId64 " added, %" PRId64 " replaced, %" PRId64
	       " unchanged, %" PRId64 " malformed, %" PRId64 " parts skipped; %" PRId64
	       " CVEs changed\n",
	       num(ans, "stats.records"), num(ans, "stats.added"), num(ans, "stats.replaced"),
	       num(ans, "stats.unchanged"), num(ans, "stats.failed"), num(ans, "stats.refused"),
	       num(ans, "changed"));
	if (json_is_object(as))
		printf("  assessment: %" PRId64 " open findings (%" PRId64 " overdue) on %" PRId64
		       " devices, %" PRId64 " CVEs\n",
		       num(as, "open"), num(as, "overdue"), num(as, "devices"), num(as, "cves"));
	if (!parsed && num(ans, "errors_total") > 0)
		print_server_errors(ans);
	if (parsed && (num(ans, "stats.records") != (int64_t)local->records ||
	               num(ans, "stats.failed") != (int64_t)local->failed))
		fprintf(stderr,
		        "warning: '%s': the server counted %" PRId64 " records (%" PRId64
		        " malformed), the local pass %zu (%zu); are the CLI and fleetwardd of one "
		        "version?\n",
		        file, num(ans, "stats.records"), num(ans, "stats.failed"), local->records,
		        local->failed);
	if (json_is_object(err) || json_is_false(json_object_get(ans, "complete"))) {
		const char *path = str(err, "path", "");

		cli_fail(ctx, "'%s': the server stopped at a file-level error: %s%s%s%s", file,
		         str(err, "reason", "incomplete"), path[0] ? " (field '" : "", path,
		         path[0] ? "')" : "");
		cli_hint("the records before it were imported; fix the file and import it again");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static char *feed_path(const char *kind, const char *file)
{
	const char *slash = strrchr(file, '/');
	char *k = cli_escape(kind);
	char *n = cli_escape(slash && slash[1] ? slash + 1 : file);
	char *p = k && n ? flw_asprintf("/api/v1/feeds?kind=%s&name=%s", k, n) : NULL;

	flw_free(k);
	flw_free(n);
	return p;
}

/* One file: kind, local pass, upload, answer. answers (may be NULL) collects the server's
 * answers for --json. */
static int import_file(struct cli_ctx *ctx, const char *file, const struct feed_kind *kind,
                       json_t *answers)
{
	struct flw_feed_stats local = { 0 };
	struct cli_resp r = { 0 };
	int parsed = !cli_opt_count(ctx, "no-local-parse");
	char *path = NULL;
	json_t *err = NULL;
	struct stat st;
	int rc;

	if (stat(file, &st) != 0)
		return cli_fail(ctx, "cannot open '%s': %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cli_fail(ctx, "'%s' is not a regular file", file);
	if (!kind && (rc = sniff_file(ctx, file, &kind)) != 0)
		return rc;
	if (parsed && (rc = parse_local(ctx, file, kind, &local)) != 0)
		return rc;
	path = feed_path(kind->name, file);
	if (!path)
		return cli_fail(ctx, "out of memory");
	rc = cli_api_post_file(ctx, path, file, file, FEED_STALL_SECONDS, &r);
	flw_free(path);
	if (rc != 0) {
		/* the server's error answer, for --json */
		if (answers && r.body.len &&
		    (err = json_loadb((const char *)r.body.data, r.body.len, 0, NULL)) != NULL)
			json_array_append_new(answers, err);
		goto out;
	}
	if (!json_is_object(r.json)) {
		rc = cli_fail(ctx, "'%s': the server's answer is not an object", file);
		goto out;
	}
	if (answers)
		json_array_append(answers, r.json);
	rc = ctx->json ? (json_is_object(json_object_get(r.json, "error")) ? CLI_EXIT_FAIL : 0)
	               : print_answer(ctx, file, r.json, &local, parsed);
	fflush(stdout); /* in step with the progress on stderr */
out:
	cli_resp_free(&r);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void free_names(char **names, size_t n)
{
	while (n > 0)
		flw_free(names[--n]);
	flw_free(names);
}

/* add dir/name to *names when it is a regular "*.json" file; 0 or an exit status */
static int add_json(const struct cli_ctx *ctx, const char *dir, const char *name, char ***names,
                    size_t *n)
{
	size_t len = strlen(name);
	char *full = NULL;
	char **grown;
	struct stat st;

	if (len <= 5 || name[0] == '.' || strcmp(name + len - 5, ".json") != 0)
		return 0;
	if (*n >= FLW_FEED_MAX_DIR_FILES)
		return cli_fail(ctx, "'%s': more than %zu *.json files", dir,
		                (size_t)FLW_FEED_MAX_DIR_FILES);
	full = flw_asprintf("%s/%s", dir, name);
	if (!full)
		return cli_fail(ctx, "out of memory");
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
		flw_free(full);
		return 0;
	}
	grown = flw_reallocarray(*names, *n + 1, sizeof(**names));
	if (!grown) {
		flw_free(full);
		return cli_fail(ctx, "out of memory");
	}
	*names = grown;
	(*names)[(*n)++] = full;
	return 0;
}

/* every regular "*.json" of dir, in name order (strcmp), as NVD pages */
static int import_dir(struct cli_ctx *ctx, const char *dir, json_t *answers)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	size_t i;
	int rc = 0;

	if (!d)
		return cli_fail(ctx, "cannot open directory '%s': %s", dir, strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL)
		rc = add_json(ctx, dir, de->d_name, &names, &n);
	closedir(d);
	if (rc == 0 && n == 0)
		rc = cli_fail(ctx, "no *.json files in '%s'", dir);
	if (rc != 0)
		goto out;
	flw_sort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++)
		if (import_file(ctx, names[i], kind_by_name("nvd"), answers) != 0)
			rc = CLI_EXIT_FAIL; /* and on with the other pages */
out:
	free_names(names, n);
	return rc;
}

int cli_cmd_feed_import(struct cli_ctx *ctx)
{
	const char *kname = cli_opt_str(ctx, "kind");
	const struct feed_kind *kind = kind_by_name(kname);
	json_t *answers = NULL;
	struct stat st;
	unsigned i;
	int rc = 0;

	if (kname && !kind)
		return cli_usage(
		        ctx, "--kind: give nvd, cve5, cve5-jsonl, kev or epss, not '%.32s'", kname);
	for (i = 0; i < ctx->npos; i++)
		if (kind && strcmp(kind->name, "nvd") != 0 && stat(ctx->pos[i], &st) == 0 &&
		    S_ISDIR(st.st_mode))
			return cli_usage(ctx,
			                 "'%s' is a directory: its *.json files are NVD pages; "
			                 "leave out --kind %s",
			                 ctx->pos[i], kind->name);
	if (ctx->json && !(answers = json_array()))
		return cli_fail(ctx, "out of memory");
	for (i = 0; i < ctx->npos; i++) {
		int frc;

		if (stat(ctx->pos[i], &st) == 0 && S_ISDIR(st.st_mode))
			frc = import_dir(ctx, ctx->pos[i], answers);
		else
			frc = import_file(ctx, ctx->pos[i], kind, answers);
		if (frc != 0)
			rc = CLI_EXIT_FAIL;
	}
	if (answers) {
		json_dumpf(answers, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(answers);
	}
	return rc;
}

/* ---- feed list, vuln show ------------------------------------------------------------------ */
int cli_cmd_feed_list(struct cli_ctx *ctx)
{
	static const struct cli_col cols[] = {
		{ "ID", "id", CLI_COL_STR },
		{ "KIND", "kind", CLI_COL_STR },
		{ "NAME", "name", CLI_COL_STR },
		{ "RECORDS", "stats.records", CLI_COL_STR },
		{ "ADDED", "stats.added", CLI_COL_STR },
		{ "REPLACED", "stats.replaced", CLI_COL_STR },
		{ "MALFORMED", "stats.failed", CLI_COL_STR },
		{ "SIZE", "bytes", CLI_COL_SIZE },
		{ "SHA256", "sha256", CLI_COL_HASH },
		{ "IMPORTED", "imported", CLI_COL_AGO },
	};
	struct cli_resp r = { 0 };
	int rc;

	rc = cli_api(ctx, "GET", "/api/v1/feeds?limit=1000", NULL, &r, NULL);
	if (rc != 0 || ctx->json) {
		if (rc == 0)
			cli_print_raw(&r);
		goto out;
	}
	rc = cli_print_items(ctx, json_object_get(r.json, "items"), cols, FLW_ARRAY_SIZE(cols),
	                     "no feeds imported (import some: 'fleetward feed import FILE')");
	if (rc == 0)
		printf("\n%" PRId64 " CVEs known: %" PRId64 " on CISA KEV, %" PRId64
		       " with an EPSS score\n",
		       num(r.json, "cves"), num(r.json, "kev"), num(r.json, "epss"));
out:
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_vuln_show(struct cli_ctx *ctx)
{
	static const struct cli_col fields[] = {
		{ "id:", "id", CLI_COL_STR },
		{ "status:", "status", CLI_COL_STR },
		{ "published:", "published", CLI_COL_DATE },
		{ "last modified:", "last_modified", CLI_COL_DATE },
		{ "severity:", "severity", CLI_COL_STR },
		{ "cvss score:", "cvss.score", CLI_COL_STR },
		{ "cvss version:", "cvss.version", CLI_COL_STR },
		{ "cvss vector:", "cvss.vector", CLI_COL_STR },
		{ "cvss source:", "cvss.source", CLI_COL_STR },
		{ "kev added:", "kev.date_added", CLI_COL_DATE },
		{ "kev due:", "kev.due_date", CLI_COL_DATE },
		{ "kev ransomware:", "kev.ransomware", CLI_COL_STR },
		{ "epss:", "epss.score", CLI_COL_STR },
		{ "epss percentile:", "epss.percentile", CLI_COL_STR },
		{ "epss date:", "epss.date", CLI_COL_DATE },
		{ "devices:", "devices", CLI_COL_STR },
	};
	struct cli_resp r = { 0 };
	char *path = cli_path("/api/v1/vulns/", ctx->pos[0], NULL);
	const char *desc;
	int rc;

	if (!path)
		return cli_fail(ctx, "out of memory");
	rc = cli_api(ctx, "GET", path, NULL, &r,
	             "no imported feed knows this CVE id; 'fleetward feed list' shows the feeds");
	if (rc != 0 || ctx->json) {
		if (rc == 0)
			cli_print_raw(&r);
		goto out;
	}
	cli_print_fields(ctx, r.json, fields, FLW_ARRAY_SIZE(fields));
	if (json_is_null(json_object_get(r.json, "kev")))
		printf("%-17s  %s\n", "kev:", "no");
	desc = json_string_value(json_object_get(r.json, "description"));
	if (desc) {
		char *clean = flw_strdup(desc);
		size_t i;

		for (i = 0; clean && clean[i]; i++)
			if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
				clean[i] = ' ';
		printf("\n%s\n", clean ? clean : "");
		flw_free(clean);
	}
out:
	cli_resp_free(&r);
	flw_free(path);
	return rc;
}
