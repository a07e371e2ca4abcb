/* src/cli/cmd.h - the fleetward operator CLI: command table, context, client and output helpers
 *
 * Every command is one row of the static command table in cmd.c: {name, subcommand, summary,
 * usage, handler} plus its options and positional bounds. Help, dispatch, option parsing and the
 * tests (`fleetward help --list`) all walk that one table, so a command cannot exist without its
 * --help. Handlers return a process exit status (enum cli_exit) and print their own errors:
 * usage errors exit 2 and name what to type instead; API errors exit 1 with the server's code,
 * message and a hint. The CLI uses only core APIs (tuf, crypto, json, buf, fs), never the store.
 */
#ifndef FLW_CLI_CMD_H
#define FLW_CLI_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <jansson.h>
#include "fleetward/buf.h"
#include "fleetward/common.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,    /* API error or local failure */
	CLI_EXIT_USAGE = 2,   /* bad command line: the message says what to type */
	CLI_EXIT_PARTIAL = 3, /* deployment watch: done with failures or rollbacks */
	CLI_EXIT_TIMEOUT = 4  /* deployment watch: --timeout reached */
};

/* ---- options and the command table ---------------------------------------------------------- */
#define CLI_OPT_VALUE    1u /* takes a value (else a flag) */
#define CLI_OPT_REQUIRED 2u /* must be given */
#define CLI_OPT_REPEAT   4u /* may be given more than once */

struct cli_opt {
	const char *name; /* long name, without "--"; NULL ends a list */
	char short_name;  /* 0 if none */
	unsigned flags;   /* CLI_OPT_* */
	const char *metavar;
	const char *help;
};

#define CLI_CMD_SERVER 1u /* talks to fleetwardd */
#define CLI_CMD_HIDDEN 2u /* not listed by `fleetward help` */

struct cli_ctx;
typedef int (*cli_handler_fn)(struct cli_ctx *ctx);

struct cli_cmd {
	const char *name;
	const char *sub; /* NULL for one-word commands */
	const char *summary;
	const char *usage; /* arguments after "fleetward NAME [SUB] " */
	const struct cli_opt *opts;
	unsigned min_pos;
	unsigned max_pos;
	unsigned flags; /* CLI_CMD_* */
	cli_handler_fn handler;
};

/* ---- configuration: one options table, resolved once ------------------------------------- */
#define CLI_DEFAULT_SERVER "http://127.0.0.1:8080"
#define CLI_CONF_MAX_BYTES (64u * 1024u)
#define CLI_CONF_VALUE_MAX 1024

struct cli_config {
	const char *server;
	const char *token;        /* NULL when none was given anywhere */
	const char *token_source; /* "--token", "$FLEETWARD_TOKEN", the config file or NULL */
};

/* Resolve --server/--token (may be NULL), $FLEETWARD_SERVER/$FLEETWARD_TOKEN, the config file
 * (~/.config/fleetward/cli.conf) and the defaults into out (strings owned by out). Prints the
 * reason and returns CLI_EXIT_USAGE on a bad config file. */
int cli_config_resolve(struct cli_config *out, const char *flag_server, const char *flag_token);
void cli_config_done(struct cli_config *c);

/* ---- context handed to every handler -------------------------------------------------------- */
struct cli_argval {
	const struct cli_opt *opt;
	const char *val; /* NULL for a flag */
};

struct cli_http; /* client.c */

struct cli_ctx {
	const struct cli_config *cfg;
	const struct cli_cmd *cmd;
	const char **pos; /* positional arguments */
	unsigned npos;
	struct cli_argval *vals; /* options in command-line order */
	unsigned nvals;
	int json;    /* --json */
	int out_tty; /* stdout is a terminal */
	int err_tty; /* stderr is a terminal */
	time_t now;
	struct cli_http *http; /* created on first request */
};

/* Option values: the last one given, the n-th one, how many; NULL/0 when absent. */
const char *cli_opt_str(const struct cli_ctx *ctx, const char *name);
const char *cli_opt_nth(const struct cli_ctx *ctx, const char *name, unsigned n);
unsigned cli_opt_count(const struct cli_ctx *ctx, const char *name);

/* Print "fleetward CMD SUB: msg; see 'fleetward CMD SUB --help'" and return CLI_EXIT_USAGE. */
int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...) FLW_PRINTF(2, 3);
/* Print "fleetward CMD SUB: msg" and return CLI_EXIT_FAIL. */
int cli_fail(const struct cli_ctx *ctx, const char *fmt, ...) FLW_PRINTF(2, 3);
/* Print "hint: msg" to stderr. */
void cli_hint(const char *fmt, ...) FLW_PRINTF(1, 2);

/* Integer option: absent -> *out = def. Malformed or out of range -> usage error (exit 2). */
int cli_opt_int(const struct cli_ctx *ctx, const char *name, int64_t min, int64_t max, int64_t def,
                int64_t *out);
/* "90s", "30m", "24h", "7d" or plain seconds into *out; 0 or -1 */
int cli_parse_duration(const char *s, int64_t *out);
int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* ---- management API client (client.c) ------------------------------------------------------ */
#define CLI_RESP_MAX (32u * 1024u * 1024u) /* largest API answer we accept */

struct cli_resp {
	long status;         /* HTTP status */
	struct flw_buf body; /* exact bytes, bounded by CLI_RESP_MAX */
	json_t *json;        /* parsed body of a 2xx JSON answer, else NULL */
};
void cli_resp_free(struct cli_resp *r);

/* Management API call. body may be NULL. On 2xx returns 0 with r->json parsed (when the body
 * is not empty). Otherwise prints the server's error code and message (or the transport error)
 * with a hint and returns CLI_EXIT_FAIL. hint_404 (may be NULL) is printed on 404. */
int cli_api(struct cli_ctx *ctx, const char *method, const char *path, const json_t *body,
            struct cli_resp *r, const char *hint_404);
/* Same with raw bytes as the body (a signed metadata envelope). */
int cli_api_raw(struct cli_ctx *ctx, const char *method, const char *path, const void *body,
                size_t len, struct cli_resp *r, const char *hint_404);
/* PUT a file to path, streaming it (never loaded whole), with a progress line when stderr is
 * a terminal. label names the file in the progress line. */
int cli_api_upload(struct cli_ctx *ctx, const char *path, const char *file, const char *label,
                   struct cli_resp *r);
/* POST a file to path the same way (streamed, progress line on a terminal). stall: seconds
 * without progress, the server's answer included, before giving up (0: the default 60). On an
 * error answer r->body still holds the server's bytes. */
int cli_api_post_file(struct cli_ctx *ctx, const char *path, const char *file, const char *label,
                      long stall, struct cli_resp *r);
/* GET path and keep the answer's bytes as they are (not JSON: ?format=csv); errors as cli_api */
int cli_api_get_text(struct cli_ctx *ctx, const char *path, struct cli_resp *r);
/* Print an API error answer (code, message, field, hint) for r; returns CLI_EXIT_FAIL. */
int cli_api_error(const struct cli_ctx *ctx, const struct cli_resp *r, const char *hint_404);
/* URL-escape one path component or query value; new string (flw_free) or NULL */
char *cli_escape(const char *s);
void cli_http_free(struct cli_http *h);

/* ---- output (output.c) --------------------------------------------------------------------- */
enum cli_col_fmt {
	CLI_COL_STR,    /* strings, numbers, booleans as they are */
	CLI_COL_AGO,    /* Unix time: "3m ago", "in 2d" */
	CLI_COL_SIZE,   /* bytes: "117.4 MiB" */
	CLI_COL_LIST,   /* array joined with ",", or a number */
	CLI_COL_COUNT,  /* array length, or a number */
	CLI_COL_HASH,   /* first 12 hex digits */
	CLI_COL_USES,   /* -1 -> "unlimited" */
	CLI_COL_RESULT, /* 0 -> "ok", else the FLW_E* code's name */
	CLI_COL_DATE,   /* Unix time: "2024-05-01" (UTC) */
	CLI_COL_WHEN,   /* Unix time: "2024-05-01 (in 3d)" */
	CLI_COL_DAYS,   /* a number of days: one decimal */
	CLI_COL_PCT     /* a share 0..1: "80.0%" */
};

struct cli_col {
	const char *header;
	const char *key; /* "a" or "a.b" (one level of nesting) */
	enum cli_col_fmt fmt;
	const char *member; /* CLI_COL_LIST of objects: the member to join; NULL otherwise */
};

/* Format one JSON value for a table cell ("-" when absent) */
void cli_fmt_value(const json_t *v, enum cli_col_fmt fmt, time_t now, char *out, size_t n);
void cli_fmt_ago(int64_t t, time_t now, char *out, size_t n);
void cli_fmt_size(uint64_t bytes, char *out, size_t n);
/* Unix time -> "YYYY-MM-DD" (UTC) */
void cli_fmt_date(int64_t t, char *out, size_t n);
/* Look up "a" or "a.b" in obj; NULL when absent */
const json_t *cli_json_path(const json_t *obj, const char *key);

/* Aligned text table. Cells are copied. */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols);
int cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_free(struct cli_table *t);

/* Print an array of API objects as a table with the given columns, or "(none)". */
int cli_print_items(const struct cli_ctx *ctx, const json_t *items, const struct cli_col *cols,
                    size_t ncols, const char *none);
/* "key: value" lines for an object (cols pick and format the fields) */
void cli_print_fields(const struct cli_ctx *ctx, const json_t *obj, const struct cli_col *cols,
                      size_t ncols);
/* CSV of an array of API objects in the conventions of the server's report CSV (PROTOCOL.md
 * "Reports"): a header row of the column keys ("a.b" -> "a_b"), then one row per item: numbers
 * and times (Unix seconds) as the API sent them, lists joined with "; " ({code, text} objects
 * as "code: text", or the column's member), null as an empty field; RFC 4180 quoting (a comma,
 * quote, CR or LF quotes the field, quotes doubled), a text starting with = + - @ or TAB gets a
 * leading "'"; lines end in LF. */
int cli_print_csv(const struct cli_ctx *ctx, const json_t *items, const struct cli_col *cols,
                  size_t ncols);
/* --json: the API's bytes, unchanged, newline-terminated */
void cli_print_raw(const struct cli_resp *r);
/* Listing helper: GET path; --json prints it raw, else items (or the object at items_key) as a
 * table. */
int cli_list(struct cli_ctx *ctx, const char *path, const struct cli_col *cols, size_t ncols,
             const char *none);

/* prefix + URL-escaped comp + suffix; new string (flw_free) or NULL */
char *cli_path(const char *prefix, const char *comp, const char *suffix);
/* A changing request: on success prints `done` (or the answer with --json). Consumes path
 * (flw_free; NULL means out of memory) and the reference to body (may be NULL), so callers
 * build both inline with cli_path()/flw_strdup() and json_pack(). */
int cli_action(struct cli_ctx *ctx, const char *method, char *path, json_t *body,
               const char *hint_404, const char *done);

/* ---- shared helpers for the offline commands (cmd_repo.c) ------------------------------- */
struct flw_signer;
/* Load a signing key (keys.c): a key file, plain or encrypted (passphrase from
 * --passphrase-file, $FLEETWARD_KEY_PASSPHRASE or the terminal), or a pkcs11: URI (module
 * --pkcs11-module/$FLEETWARD_PKCS11_MODULE, PIN --pin-file/$FLEETWARD_PKCS11_PIN); prints why
 * not, with a hint -> CLI_EXIT_FAIL */
int cli_load_signer(const struct cli_ctx *ctx, const char *spec, struct flw_signer **out);
/* Write a file atomically; prints why not -> CLI_EXIT_FAIL */
int cli_write_file(const struct cli_ctx *ctx, const char *path, const void *data, size_t len,
                   unsigned mode);
/* Print a JSON object (compact, one line) to stdout; consumes the reference */
void cli_print_json(json_t *v);
/* 1 if doc (an envelope) carries a valid signature of key over its canonical "signed" */
struct flw_tuf_key;
int cli_signed_by(const json_t *doc, const struct flw_tuf_key *key);
/* Read a metadata file (at most FLW_TUF_TARGETS_MAX_BYTES) and parse it; prints why not ->
 * CLI_EXIT_FAIL. what names it in messages ("--root 'x'"). bytes_out (optional) gets a copy. */
int cli_read_envelope(const struct cli_ctx *ctx, const char *path, const char *what, json_t **out,
                      struct flw_buf *bytes_out);
/* GET a management API path that answers a metadata envelope; parse it like
 * cli_read_envelope */
int cli_fetch_envelope(struct cli_ctx *ctx, const char *path, const char *hint_404, json_t **out,
                       struct flw_buf *bytes_out);

/* ---- command handlers (cmd_<name>.c) ------------------------------------------------------- */
int cli_cmd_help(struct cli_ctx *ctx);
int cli_cmd_keygen(struct cli_ctx *ctx);
int cli_cmd_repo_init(struct cli_ctx *ctx);
int cli_cmd_repo_root(struct cli_ctx *ctx);
int cli_cmd_repo_sign(struct cli_ctx *ctx);
int cli_cmd_repo_merge(struct cli_ctx *ctx);
int cli_cmd_repo_root_new(struct cli_ctx *ctx);
int cli_cmd_repo_root_upload(struct cli_ctx *ctx);
int cli_cmd_repo_status(struct cli_ctx *ctx);
int cli_cmd_repo_targets_resign(struct cli_ctx *ctx);
int cli_cmd_release_verify(struct cli_ctx *ctx);
int cli_cmd_release_create(struct cli_ctx *ctx);
int cli_cmd_release_upload(struct cli_ctx *ctx);
int cli_cmd_release_list(struct cli_ctx *ctx);
int cli_cmd_release_show(struct cli_ctx *ctx);
int cli_cmd_release_analyze(struct cli_ctx *ctx); /* cmd_analyze.c */
extern const struct cli_opt cli_release_analyze_opts[];
int cli_cmd_device_list(struct cli_ctx *ctx);
int cli_cmd_device_show(struct cli_ctx *ctx);
int cli_cmd_group_create(struct cli_ctx *ctx);
int cli_cmd_group_list(struct cli_ctx *ctx);
int cli_cmd_group_add(struct cli_ctx *ctx);
int cli_cmd_group_remove(struct cli_ctx *ctx);
int cli_cmd_group_delete(struct cli_ctx *ctx);
int cli_cmd_enroll_create(struct cli_ctx *ctx);
int cli_cmd_enroll_list(struct cli_ctx *ctx);
int cli_cmd_enroll_revoke(struct cli_ctx *ctx);
int cli_cmd_deploy(struct cli_ctx *ctx);
int cli_cmd_deployment_list(struct cli_ctx *ctx);
int cli_cmd_deployment_show(struct cli_ctx *ctx);
int cli_cmd_deployment_watch(struct cli_ctx *ctx);
int cli_cmd_deployment_cancel(struct cli_ctx *ctx);
int cli_cmd_token_create(struct cli_ctx *ctx);
int cli_cmd_token_list(struct cli_ctx *ctx);
int cli_cmd_token_revoke(struct cli_ctx *ctx);
int cli_cmd_audit(struct cli_ctx *ctx);
int cli_cmd_feed_import(struct cli_ctx *ctx); /* cmd_feed.c */
int cli_cmd_feed_list(struct cli_ctx *ctx);
int cli_cmd_vuln_show(struct cli_ctx *ctx);
int cli_cmd_finding_list(struct cli_ctx *ctx); /* cmd_finding.c */
int cli_cmd_finding_show(struct cli_ctx *ctx);
int cli_cmd_finding_accept(struct cli_ctx *ctx);
int cli_cmd_finding_revoke(struct cli_ctx *ctx);
int cli_cmd_model_list(struct cli_ctx *ctx);
int cli_cmd_model_set(struct cli_ctx *ctx);
int cli_cmd_assess(struct cli_ctx *ctx); /* cmd_report.c */
int cli_cmd_assessment(struct cli_ctx *ctx);
int cli_cmd_report(struct cli_ctx *ctx);

/* Entry point (main.c is only this call) */
int cli_main(int argc, char **argv);

#endif /* FLW_CLI_CMD_H */
