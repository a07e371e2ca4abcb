/* src/cli/output.c - aligned tables, human times and sizes, raw JSON for --json
 *
 * Everything printed from a server answer goes through cli_fmt_value(), which replaces control
 * characters: a hostile device id or attribute cannot drive the operator's terminal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/tuf.h"

#define CLI_CELL_MAX 256

struct cli_table {
	size_t ncols;
	size_t nrows;
	size_t cap; /* rows */
	char **cells;
};

void cli_fmt_ago(int64_t t, time_t now, char *out, size_t n)
{
	static const struct {
		int64_t secs;
		const char *unit;
	} units[] = { { 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" } };
	int64_t d = (int64_t)now - t;
	int64_t a = d < 0 ? -d : d;
	size_t i;

	if (t <= 0) {
		snprintf(out, n, "-");
		return;
	}
	if (a < 5) {
		snprintf(out, n, "just now");
		return;
	}
	for (i = 0; i < FLW_ARRAY_SIZE(units); i++)
		if (a >= units[i].secs)
			break;
	if (i == FLW_ARRAY_SIZE(units))
		i = FLW_ARRAY_SIZE(units) - 1;
	if (d >= 0)
		snprintf(out, n, "%" PRId64 "%s ago", a / units[i].secs, units[i].unit);
	else
		snprintf(out, n, "in %" PRId64 "%s", a / units[i].secs, units[i].unit);
}

void cli_fmt_size(uint64_t bytes, char *out, size_t n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t i = 0;

	if (bytes < 1024) {
		snprintf(out, n, "%" PRIu64 " B", bytes);
		return;
	}
	v /= 1024.0;
	while (v >= 1024.0 && i + 1 < FLW_ARRAY_SIZE(units)) {
		v /= 1024.0;
		i++;
	}
	snprintf(out, n, "%.1f %s", v, units[i]);
}

void cli_fmt_date(int64_t t, char *out, size_t n)
{
	char iso[21];

	flw_tuf_time_format((time_t)t, iso);
	snprintf(out, n, "%.10s", iso);
}

const json_t *cli_json_path(const json_t *obj, const char *key)
{
	const char *dot = strchr(key, '.');
	const json_t *v;
	char first[64];

	if (!json_is_object(obj))
		return NULL;
	if (!dot)
		return json_object_get(obj, key);
	snprintf(first, sizeof(first), "%.*s", (int)(dot - key), key);
	v = json_object_get(obj, first);
	return json_is_object(v) ? json_object_get(v, dot + 1) : NULL;
}

/* copy s into out, control characters replaced by '?' */
static void put_clean(char *out, size_t n, const char *s)
{
	size_t i;

	for (i = 0; n > 0 && i + 1 < n && s[i]; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (n > 0)
		out[i] = '\0';
}

static void fmt_scalar(const json_t *v, char *out, size_t n)
{
	if (json_is_string(v) && json_string_length(v) == 0)
		snprintf(out, n, "-");
	else if (json_is_string(v))
		put_clean(out, n, json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_true(v))
		snprintf(out, n, "yes");
	else if (json_is_false(v))
		snprintf(out, n, "no");
	else if (json_is_real(v))
		snprintf(out, n, "%g", json_real_value(v));
	else if (json_is_object(v))
		snprintf(out, n, "{...}");
	else
		snprintf(out, n, "-");
}

/* an array's items joined with ","; member (may be NULL) picks one member of object items */
static void fmt_list(const json_t *v, const char *member, char *out, size_t n)
{
	char item[CLI_CELL_MAX];
	size_t used = 0;
	size_t i;

	if (!json_is_array(v)) {
		fmt_scalar(v, out, n);
		return;
	}
	out[0] = '\0';
	for (i = 0; i < json_array_size(v) && used + 1 < n; i++) {
		const json_t *it = json_array_get(v, i);

		fmt_scalar(member && json_is_object(it) ? json_object_get(it, member) : it, item,
		           sizeof(item));
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? "," : "", item);
	}
	if (i == 0)
		snprintf(out, n, "-");
}

static int fmt_time(const json_t *v, enum cli_col_fmt fmt, time_t now, char *out, size_t n)
{
	char ago[32];

	if (!json_is_integer(v))
		return -1;
	if (fmt == CLI_COL_AGO) {
		cli_fmt_ago(json_integer_value(v), now, out, n);
		return 0;
	}
	cli_fmt_date(json_integer_value(v), out, n);
	if (fmt == CLI_COL_WHEN) {
		cli_fmt_ago(json_integer_value(v), now, ago, sizeof(ago));
		snprintf(out + strlen(out), n - strlen(out), " (%s)", ago);
	}
	return 0;
}

static int fmt_number(const json_t *v, enum cli_col_fmt fmt, char *out, size_t n)
{
	double d;

	if (!json_is_number(v))
		return -1;
	d = json_number_value(v);
	if (fmt == CLI_COL_PCT)
		snprintf(out, n, "%.1f%%", d * 100.0);
	else
		snprintf(out, n, "%.1f", d);
	return 0;
}

void cli_fmt_value(const json_t *v, enum cli_col_fmt fmt, time_t now, char *out, size_t n)
{
	if (!v || json_is_null(v)) {
		snprintf(out, n, "-");
		return;
	}
	switch (fmt) {
	case CLI_COL_AGO:
	case CLI_COL_DATE:
	case CLI_COL_WHEN:
		if (fmt_time(v, fmt, now, out, n) == 0)
			return;
		break;
	case CLI_COL_DAYS:
	case CLI_COL_PCT:
		if (fmt_number(v, fmt, out, n) == 0)
			return;
		break;
	case CLI_COL_SIZE:
		if (json_is_integer(v) && json_integer_value(v) >= 0) {
			cli_fmt_size((uint64_t)json_integer_value(v), out, n);
			return;
		}
		break;
	case CLI_COL_LIST:
		fmt_list(v, NULL, out, n);
		return;
	case CLI_COL_COUNT:
		if (json_is_array(v)) {
			snprintf(out, n, "%zu", json_array_size(v));
			return;
		}
		break;
	case CLI_COL_HASH:
		if (json_is_string(v)) {
			snprintf(out, n > 13 ? 13 : n, "%s", json_string_value(v));
			put_clean(out, n, out);
			return;
		}
		break;
	case CLI_COL_USES:
		if (json_is_integer(v) && json_integer_value(v) < 0) {
			snprintf(out, n, "unlimited");
			return;
		}
		break;
	case CLI_COL_RESULT:
		if (json_is_integer(v)) {
			json_int_t code = json_integer_value(v);

			snprintf(out, n, "%s",
			         code == 0 ? "ok"
			                   : flw_error_name(code < INT32_MIN ? 0 : (int)code));
			return;
		}
		break;
	case CLI_COL_STR:
		break;
	}
	if (json_is_array(v))
		fmt_list(v, NULL, out, n);
	else
		fmt_scalar(v, out, n);
}

/* one table cell of a column: cli_fmt_value, with the column's member for lists */
static void fmt_cell(const json_t *obj, const struct cli_col *col, time_t now, char *out, size_t n)
{
	const json_t *v = cli_json_path(obj, col->key);

	if (col->fmt == CLI_COL_LIST && col->member && json_is_array(v))
		fmt_list(v, col->member, out, n);
	else
		cli_fmt_value(v, col->fmt, now, out, n);
}

/* ---- tables ---------------------------------------------------------------------------------- */
struct cli_table *cli_table_new(size_t ncols)
{
	struct cli_table *t = flw_calloc(1, sizeof(*t));

	if (t)
		t->ncols = ncols;
	return t;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	size_t i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = flw_reallocarray(t->cells, cap * t->ncols, sizeof(*c));

		if (!c)
			return -1;
		t->cells = c;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = flw_strdup(cells[i] ? cells[i] : "-");
		if (!t->cells[t->nrows * t->ncols + i]) {
			while (i-- > 0)
				flw_free(t->cells[t->nrows * t->ncols + i]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

/* display width: UTF-8 continuation bytes take no column */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t w[16] = { 0 };
	size_t r;
	size_t c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols && c < FLW_ARRAY_SIZE(w); c++)
			if (width(t->cells[r * t->ncols + c]) > w[c])
				w[c] = width(t->cells[r * t->ncols + c]);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			fputs(cell, f);
			if (c + 1 < t->ncols && c < FLW_ARRAY_SIZE(w))
				fprintf(f, "%*s", (int)(w[c] - width(cell) + 2), "");
		}
		fputc('\n', f);
	}
}

void cli_table_free(struct cli_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		flw_free(t->cells[i]);
	flw_free(t->cells);
	flw_free(t);
}

int cli_print_items(const struct cli_ctx *ctx, const json_t *items, const struct cli_col *cols,
                    size_t ncols, const char *none)
{
	char cells[16][CLI_CELL_MAX];
	const char *row[16];
	struct cli_table *t = NULL;
	int rc = CLI_EXIT_FAIL;
	size_t i;
	size_t c;

	if (!json_is_array(items) || ncols > FLW_ARRAY_SIZE(row))
		return cli_fail(ctx, "the server's answer has no list of items");
	if (json_array_size(items) == 0) {
		printf("%s\n", none);
		return CLI_EXIT_OK;
	}
	t = cli_table_new(ncols);
	for (c = 0; c < ncols; c++)
		row[c] = cols[c].header;
	if (!t || cli_table_add(t, row) != 0)
		goto out;
	for (i = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);

		for (c = 0; c < ncols; c++) {
			fmt_cell(it, &cols[c], ctx->now, cells[c], sizeof(cells[c]));
			row[c] = cells[c];
		}
		if (cli_table_add(t, row) != 0)
			goto out;
	}
	cli_table_print(t, stdout);
	rc = CLI_EXIT_OK;
out:
	cli_table_free(t);
	if (rc != CLI_EXIT_OK)
		cli_fail(ctx, "out of memory");
	return rc;
}

void cli_print_fields(const struct cli_ctx *ctx, const json_t *obj, const struct cli_col *cols,
                      size_t ncols)
{
	char cell[CLI_CELL_MAX * 4];
	size_t w = 0;
	size_t c;

	for (c = 0; c < ncols; c++)
		if (strlen(cols[c].header) > w)
			w = strlen(cols[c].header);
	for (c = 0; c < ncols; c++) {
		const json_t *v = cli_json_path(obj, cols[c].key);

		if (!v)
			continue;
		fmt_cell(obj, &cols[c], ctx->now, cell, sizeof(cell));
		printf("%-*s  %s\n", (int)w + 1, cols[c].header, cell);
	}
}

/* ---- CSV --------------------------------------------------------------------------------- */
/* one field (quoted when needed); text: guard a leading = + - @ TAB, as the server's CSV does */
static void csv_field(FILE *f, const char *s, size_t len, int text)
{
	int quote = 0;
	size_t i;

	for (i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (quote)
		fputc('"', f);
	if (text && len > 0 && strchr("=+-@\t", s[0]))
		fputc('\'', f); /* a spreadsheet would read it as a formula */
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	if (quote)
		fputc('"', f);
}

/* the shortest text that reads back as the same double */
static void fmt_real(double d, char *out, size_t n)
{
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(out, n, "%.*g", p, d);
		if (!(strtod(out, NULL) < d) && !(strtod(out, NULL) > d))
			return;
	}
}

/* one value as CSV text (before quoting) appended to b */
static int csv_scalar(struct flw_buf *b, const json_t *v)
{
	char tmp[64];

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return flw_buf_append(b, json_string_value(v), json_string_length(v));
	if (json_is_object(v) && json_is_string(json_object_get(v, "code")))
		return flw_buf_printf(b, "%s: %s", json_string_value(json_object_get(v, "code")),
		                      json_is_string(json_object_get(v, "text"))
		                              ? json_string_value(json_object_get(v, "text"))
		                              : "");
	if (json_is_integer(v))
		return flw_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v)) {
		fmt_real(json_real_value(v), tmp, sizeof(tmp));
		return flw_buf_puts(b, tmp);
	}
	if (json_is_boolean(v))
		return flw_buf_puts(b, json_is_true(v) ? "true" : "false");
	{
		char js[CLI_CELL_MAX * 4];
		size_t len = json_dumpb(v, js, sizeof(js), JSON_COMPACT | JSON_ENCODE_ANY);

		return flw_buf_append(b, js, len < sizeof(js) ? len : 0);
	}
}

/* a cell: lists joined with "; " (objects as "code: text", or their member); *text is set
 * when the cell is text (strings, lists), not a number or a boolean */
static int csv_value(struct flw_buf *b, const json_t *obj, const struct cli_col *col, int *text)
{
	const json_t *v = cli_json_path(obj, col->key);
	size_t i;
	int rc = 0;

	*text = json_is_string(v) || json_is_array(v) || json_is_object(v);
	if (json_is_array(v) && col->fmt == CLI_COL_COUNT) {
		*text = 0;
		return flw_buf_printf(b, "%zu", json_array_size(v));
	}
	if (!json_is_array(v))
		return csv_scalar(b, v);
	for (i = 0; i < json_array_size(v) && rc == 0; i++) {
		const json_t *it = json_array_get(v, i);

		if (col->member && json_is_object(it))
			it = json_object_get(it, col->member);
		if (i > 0)
			rc = flw_buf_puts(b, "; ");
		if (rc == 0)
			rc = csv_scalar(b, it);
	}
	return rc;
}

int cli_print_csv(const struct cli_ctx *ctx, const json_t *items, const struct cli_col *cols,
                  size_t ncols)
{
	struct flw_buf cell;
	size_t i;
	size_t c;
	size_t k;
	int text = 0;
	int rc = CLI_EXIT_OK;

	if (!json_is_array(items))
		return cli_fail(ctx, "the server's answer has no list of items");
	for (c = 0; c < ncols; c++) {
		char name[64];

		snprintf(name, sizeof(name), "%s", cols[c].key);
		for (k = 0; name[k]; k++)
			if (name[k] == '.')
				name[k] = '_';
		fputs(c ? "," : "", stdout);
		csv_field(stdout, name, strlen(name), 1);
	}
	fputc('\n', stdout);
	flw_buf_init(&cell, CLI_RESP_MAX);
	for (i = 0; i < json_array_size(items) && rc == CLI_EXIT_OK; i++) {
		for (c = 0; c < ncols; c++) {
			flw_buf_reset(&cell);
			if (csv_value(&cell, json_array_get(items, i), &cols[c], &text) != 0) {
				rc = cli_fail(ctx, "out of memory");
				break;
			}
			fputs(c ? "," : "", stdout);
			csv_field(stdout, cell.len ? (const char *)cell.data : "", cell.len, text);
		}
		fputc('\n', stdout);
	}
	flw_buf_free(&cell);
	return rc;
}

void cli_print_raw(const struct cli_resp *r)
{
	fwrite(r->body.data ? (const void *)r->body.data : "", 1, r->body.len, stdout);
	if (r->body.len == 0 || r->body.data[r->body.len - 1] != '\n')
		fputc('\n', stdout);
}

int cli_list(struct cli_ctx *ctx, const char *path, const struct cli_col *cols, size_t ncols,
             const char *none)
{
	struct cli_resp r = { 0 };
	const json_t *items;
	const json_t *total;
	int rc;

	rc = cli_api(ctx, "GET", path, NULL, &r, NULL);
	if (rc != 0)
		goto out;
	if (ctx->json) {
		cli_print_raw(&r);
		goto out;
	}
	items = json_is_array(r.json) ? r.json : json_object_get(r.json, "items");
	rc = cli_print_items(ctx, items, cols, ncols, none);
	total = json_object_get(r.json, "total");
	if (rc == 0 && json_is_integer(total) &&
	    (size_t)json_integer_value(total) > json_array_size(items) && fflush(stdout) == 0)
		fprintf(stderr, "(%zu of %" JSON_INTEGER_FORMAT " shown; see --limit/--offset)\n",
		        json_array_size(items), json_integer_value(total));
out:
	cli_resp_free(&r);
	return rc;
}

void cli_print_json(json_t *v)
{
	if (!v)
		return;
	json_dumpf(v, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(v);
}

char *cli_path(const char *prefix, const char *comp, const char *suffix)
{
	char *esc = cli_escape(comp);
	char *p = esc ? flw_asprintf("%s%s%s", prefix, esc, suffix ? suffix : "") : NULL;

	flw_free(esc);
	return p;
}

int cli_action(struct cli_ctx *ctx, const char *method, char *path, json_t *body,
               const char *hint_404, const char *done)
{
	struct cli_resp r = { 0 };
	int rc;

	if (!path) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	rc = cli_api(ctx, method, path, body, &r, hint_404);
	if (rc != 0)
		goto out;
	if (ctx->json)
		cli_print_raw(&r);
	else if (done)
		printf("%s\n", done);
out:
	if (body)
		json_decref(body);
	flw_free(path);
	cli_resp_free(&r);
	return rc;
}
