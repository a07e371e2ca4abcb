/* src/cli/config.c - where the CLI finds its server and token
 *
 * One table lists every setting with its command-line flag, environment variable, config-file
 * key and default. Each is resolved once, in that order of precedence, into the const struct
 * cli_config handed to the commands; nothing else in the CLI reads the environment.
 * The config file (~/.config/fleetward/cli.conf, or $XDG_CONFIG_HOME/fleetward/cli.conf) holds
 * `key = value` lines and `#` comments; an unknown key is an error naming its line.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"

struct conf_row {
	const char *key; /* config-file key */
	const char *flag;
	const char *env;
	const char *def; /* NULL: no default */
	size_t off;      /* offsetof(struct cli_config, field) */
};

static const struct conf_row conf_rows[] = {
	{ "server", "--server", "FLEETWARD_SERVER", CLI_DEFAULT_SERVER,
	  offsetof(struct cli_config, server) },
	{ "token", "--token", "FLEETWARD_TOKEN", NULL, offsetof(struct cli_config, token) },
};

static const char **field(struct cli_config *c, const struct conf_row *row)
{
	return (const char **)(void *)((char *)c + row->off);
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Parse the file's text; values found go to file_vals[row]. */
static int parse_conf(const char *path, char *text, char **file_vals)
{
	unsigned lineno = 0;
	char *line = text;

	while (line && *line) {
		char *next = strchr(line, '\n');
		char *eq;
		char *key;
		size_t i;

		if (next)
			*next++ = '\0';
		lineno++;
		key = trim(line);
		line = next;
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			fprintf(stderr, "fleetward: %s:%u: expected 'key = value'\n", path, lineno);
			return CLI_EXIT_USAGE;
		}
		*eq = '\0';
		key = trim(key);
		for (i = 0; i < FLW_ARRAY_SIZE(conf_rows); i++)
			if (strcmp(conf_rows[i].key, key) == 0)
				break;
		if (i == FLW_ARRAY_SIZE(conf_rows)) {
			fprintf(stderr,
			        "fleetward: %s:%u: unknown key '%s' (known: server, token)\n", path,
			        lineno, key);
			return CLI_EXIT_USAGE;
		}
		file_vals[i] = trim(eq + 1);
	}
	return 0;
}

static char *conf_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg && *xdg)
		return flw_asprintf("%s/fleetward/cli.conf", xdg);
	if (home && *home)
		return flw_asprintf("%s/.config/fleetward/cli.conf", home);
	return NULL;
}

int cli_config_resolve(struct cli_config *out, const char *flag_server, const char *flag_token)
{
	const char *flags[FLW_ARRAY_SIZE(conf_rows)] = { flag_server, flag_token };
	char *file_vals[FLW_ARRAY_SIZE(conf_rows)] = { NULL };
	struct flw_buf text;
	struct flw_diag diag = { 0 };
	char *path = conf_path();
	int rc = CLI_EXIT_FAIL;
	size_t i;

	flw_buf_init(&text, CLI_CONF_MAX_BYTES);
	memset(out, 0, sizeof(*out));
	if (path) {
		int frc = flw_fs_read_all(path, &text, &diag);

		if (frc == 0) {
			rc = parse_conf(path, (char *)text.data ? (char *)text.data : (char *)"",
			                file_vals);
			if (rc != 0)
				goto out;
		} else if (frc != FLW_ENOTFOUND) {
			fprintf(stderr, "fleetward: reading '%s': %s\n", path, flw_strerror(frc));
			rc = CLI_EXIT_USAGE;
			goto out;
		}
	}
	for (i = 0; i < FLW_ARRAY_SIZE(conf_rows); i++) {
		const char *v = conf_rows[i].def;
		const char *env = getenv(conf_rows[i].env);
		const char *src = NULL;

		if (flags[i]) {
			v = flags[i];
			src = conf_rows[i].flag;
		} else if (env && *env) {
			v = env;
			src = conf_rows[i].env;
		} else if (file_vals[i] && *file_vals[i]) {
			v = file_vals[i];
			src = "cli.conf";
		}
		if (strlen(v ? v : "") > CLI_CONF_VALUE_MAX) {
			fprintf(stderr, "fleetward: the %s value is too long\n", conf_rows[i].key);
			rc = CLI_EXIT_USAGE;
			goto out;
		}
		if (v && !(*field(out, &conf_rows[i]) = flw_strdup(v))) {
			fputs("fleetward: out of memory\n", stderr);
			rc = CLI_EXIT_FAIL;
			goto out;
		}
		if (conf_rows[i].off == offsetof(struct cli_config, token))
			out->token_source = src;
	}
	rc = 0;
out:
	flw_buf_free_secure(&text);
	flw_free(path);
	if (rc != 0)
		cli_config_done(out);
	return rc;
}

void cli_config_done(struct cli_config *c)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(conf_rows); i++) {
		const char **f = field(c, &conf_rows[i]);

		flw_free((void *)*f);
		*f = NULL;
	}
}
