/* src/agent/config.c - fleetward-agent's config file: one key table, strict validation
 *
 * Format: "key = value" lines, '#' starts a comment line, blank lines ignored. Every key is
 * in keys[] below (name, type, default, bounds, required); attribute.NAME lines are static
 * inventory attributes. Unknown keys, duplicates, bad values and missing required keys are
 * errors naming "file:line"; on error the struct is left empty (nothing to free). Defaults
 * are applied from the table, so the table is the only place a key's behaviour is written down
 * (docs/CLI.md mirrors it).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/protocol.h"
#include "agent.h"
#include "device/bootsel_int.h"

enum key_type {
	KT_STR,     /* any non-empty text */
	KT_URL,     /* http:// or https:// */
	KT_ID,      /* flw_id_ok() */
	KT_HWID,    /* [A-Za-z0-9._-], <= FLW_TUF_HWID_MAX */
	KT_PATH,    /* non-empty, no newline */
	KT_LONG,    /* integer in [min, max] */
	KT_BOOTSEL, /* "file:PATH" */
};

struct key_def {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *def; /* NULL: no default */
	long min;
	long max;
	int required;
	const char *help;
};

#define STR(f) offsetof(struct agent_config, f)
static const struct key_def keys[] = {
	/* name                   type        field                          default   min max req */
	{ "server", KT_URL, STR(server), NULL, 0, 0, 1, "base URL of fleetwardd" },
	{ "device_id", KT_ID, STR(device_id), NULL, 0, 0, 1, "this device's id" },
	{ "hardware_id", KT_HWID, STR(hardware_id), NULL, 0, 0, 1, "hardware compatibility id" },
	{ "enrollment_token", KT_STR, STR(enrollment_token), NULL, 0, 0, 0,
	  "token for first enrollment" },
	{ "enrollment_token_file", KT_PATH, STR(enrollment_token_file), NULL, 0, 0, 0,
	  "file holding the enrollment token" },
	{ "state_dir", KT_PATH, STR(state_dir), NULL, 0, 0, 1, "agent state directory" },
	{ "trust_root", KT_PATH, STR(trust_root), NULL, 0, 0, 1, "initial trusted root.json" },
	{ "slot_a", KT_PATH, STR(slot_a), NULL, 0, 0, 1, "slot A (file or block device)" },
	{ "slot_b", KT_PATH, STR(slot_b), NULL, 0, 0, 1, "slot B (file or block device)" },
	{ "bootsel", KT_BOOTSEL, STR(bootsel), NULL, 0, 0, 0,
	  "file:PATH (default file:<state_dir>/bootsel)" },
	{ "boot_tries", KT_LONG, STR(boot_tries), "3", 1, FLW_BOOTSEL_MAX_TRIES, 0,
	  "trial boots before falling back" },
	{ "health_command", KT_STR, STR(health_command), NULL, 0, 0, 0,
	  "run after a trial boot; exit 0 = healthy" },
	{ "health_timeout", KT_LONG, STR(health_timeout), "60", 1, 86400, 0, "seconds" },
	{ "reboot_command", KT_STR, STR(reboot_command), "simulate", 0, 0, 0,
	  "'simulate' or a command" },
	{ "poll_interval", KT_LONG, STR(poll_interval), "300", 1, 7 * 86400, 0, "seconds" },
	{ "stall_timeout", KT_LONG, STR(stall_timeout), "60", 1, 3600, 0,
	  "seconds without download progress before giving up" },
	{ "connect_timeout", KT_LONG, STR(connect_timeout), "10", 1, 600, 0, "seconds" },
	{ "request_timeout", KT_LONG, STR(request_timeout), "30", 1, 3600, 0,
	  "seconds for one API request (not downloads)" },
	{ "download_rate_limit", KT_LONG, STR(download_rate_limit), "0", 0, 1L << 40, 0,
	  "bytes/s, 0 = unlimited (tests, metered links)" },
	{ "min_download_rate", KT_LONG, STR(min_download_rate), "1024", 1, 1L << 30, 0,
	  "bytes/s; slower than this for stall_timeout seconds is a slow retrieval attack" },
	{ "download_retries", KT_LONG, STR(download_retries), "5", 1, 1000, 0,
	  "failed download attempts of one deployment before reporting failure" },
};
#undef STR

void agent_config_print_keys(void)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(keys); i++)
		printf("  %-22s %s%s%s%s\n", keys[i].name, keys[i].help,
		       keys[i].required ? " (required)" : "", keys[i].def ? "; default " : "",
		       keys[i].def ? keys[i].def : "");
	printf("  %-22s %s\n", "attribute.NAME", "static inventory attribute");
}

static int hwid_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return i > 0 && i <= FLW_TUF_HWID_MAX;
}

static int parse_long(const char *v, long min, long max, long *out)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return FLW_EFORMAT;
	*out = n;
	return 0;
}

/* Validate v for k and store it in cfg. Returns 0 or FLW_EFORMAT with the reason in diag. */
static int set_key(struct agent_config *cfg, const struct key_def *k, const char *v,
                   struct flw_diag *diag)
{
	char *base = (char *)cfg;
	char **sp = (char **)(void *)(base + k->offset);

	if (*v == '\0')
		return flw_diag_set(diag, FLW_EFORMAT, k->name, "'%s' needs a value", k->name);
	switch (k->type) {
	case KT_LONG:
		if (parse_long(v, k->min, k->max, (long *)(void *)(base + k->offset)) != 0)
			return flw_diag_set(diag, FLW_EFORMAT, k->name,
			                    "'%s' must be an integer from %ld to %ld, not '%s'",
			                    k->name, k->min, k->max, v);
		return 0;
	case KT_URL:
		if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
			return flw_diag_set(diag, FLW_EFORMAT, k->name,
			                    "'%s' must start with http:// or https://", k->name);
		break;
	case KT_ID:
		if (!flw_id_ok(v))
			return flw_diag_set(diag, FLW_EFORMAT, k->name,
			                    "'%s' must be 1-%d of [A-Za-z0-9._:-], not starting "
			                    "with '.' or '-'",
			                    k->name, FLW_ID_MAX);
		break;
	case KT_HWID:
		if (!hwid_ok(v))
			return flw_diag_set(diag, FLW_EFORMAT, k->name,
			                    "'%s' must be 1-%d of [A-Za-z0-9._-]", k->name,
			                    FLW_TUF_HWID_MAX);
		break;
	case KT_BOOTSEL:
		if (strncmp(v, "file:", 5) != 0 || v[5] == '\0')
			return flw_diag_set(diag, FLW_EFORMAT, k->name,
			                    "'%s' must be file:PATH (the only backend so far)",
			                    k->name);
		break;
	case KT_STR:
	case KT_PATH:
		break;
	}
	flw_free(*sp);
	*sp = flw_strdup(v);
	return *sp ? 0 : FLW_ENOMEM;
}

static int set_attr(struct agent_config *cfg, const char *name, const char *v,
                    struct flw_diag *diag)
{
	size_t i;

	if (!flw_id_ok(name))
		return flw_diag_set(diag, FLW_EFORMAT, "attribute", "bad attribute name '%s'",
		                    name);
	if (strlen(v) > FLW_ATTR_VALUE_MAX)
		return flw_diag_set(diag, FLW_EFORMAT, "attribute",
		                    "attribute value longer than %d", FLW_ATTR_VALUE_MAX);
	for (i = 0; i < cfg->n_attrs; i++)
		if (strcmp(cfg->attrs[i].name, name) == 0)
			return flw_diag_set(diag, FLW_EFORMAT, "attribute",
			                    "attribute.%s given twice", name);
	if (cfg->n_attrs == FLW_ATTRS_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "attribute", "more than %d attributes",
		                    FLW_ATTRS_MAX);
	cfg->attrs[cfg->n_attrs].name = flw_strdup(name);
	cfg->attrs[cfg->n_attrs].value = flw_strdup(v);
	cfg->n_attrs++;
	if (!cfg->attrs[cfg->n_attrs - 1].name || !cfg->attrs[cfg->n_attrs - 1].value)
		return FLW_ENOMEM;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* One line (NUL-terminated, newline removed). seen[] marks keys already given. */
static int parse_line(struct agent_config *cfg, char *line, unsigned char *seen,
                      struct flw_diag *diag)
{
	char *eq;
	char *key;
	char *val;
	size_t i;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq)
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "expected 'key = value'");
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	if (strncmp(key, "attribute.", 10) == 0)
		return set_attr(cfg, key + 10, val, diag);
	for (i = 0; i < FLW_ARRAY_SIZE(keys); i++) {
		if (strcmp(keys[i].name, key) != 0)
			continue;
		if (seen[i])
			return flw_diag_set(diag, FLW_EFORMAT, key, "'%s' given twice", key);
		seen[i] = 1;
		return set_key(cfg, &keys[i], val, diag);
	}
	return flw_diag_set(diag, FLW_EFORMAT, key, "unknown key '%s'", key);
}

static int apply_defaults(struct agent_config *cfg, const unsigned char *seen,
                          struct flw_diag *diag)
{
	size_t i;
	int rc;

	for (i = 0; i < FLW_ARRAY_SIZE(keys); i++) {
		if (seen[i])
			continue;
		if (keys[i].required)
			return flw_diag_set(diag, FLW_EFORMAT, keys[i].name,
			                    "required key '%s' is missing", keys[i].name);
		if (keys[i].def && (rc = set_key(cfg, &keys[i], keys[i].def, diag)) != 0)
			return rc;
	}
	if (!cfg->bootsel) {
		cfg->bootsel = flw_asprintf("file:%s/bootsel", cfg->state_dir);
		if (!cfg->bootsel)
			return FLW_ENOMEM;
	}
	if (strcmp(cfg->slot_a, cfg->slot_b) == 0)
		return flw_diag_set(diag, FLW_EFORMAT, "slot_b", "slot_a and slot_b are the same");
	if (cfg->enrollment_token && cfg->enrollment_token_file)
		return flw_diag_set(diag, FLW_EFORMAT, "enrollment_token_file",
		                    "give enrollment_token or enrollment_token_file, not both");
	return 0;
}

static int load_token_file(struct agent_config *cfg, struct flw_diag *diag)
{
	struct flw_buf b;
	char *t;
	int rc;

	if (!cfg->enrollment_token_file)
		return 0;
	flw_buf_init(&b, FLW_SECRET_TOKEN_MAX + 16);
	rc = flw_fs_read_all(cfg->enrollment_token_file, &b, diag);
	if (rc != 0)
		goto out;
	t = trim((char *)(b.data ? b.data : (unsigned char *)""));
	t[strcspn(t, "\n")] = '\0';
	cfg->enrollment_token = flw_strdup(t);
	rc = cfg->enrollment_token ? 0 : FLW_ENOMEM;
out:
	flw_buf_free_secure(&b);
	return rc;
}

int agent_config_load(struct agent_config *cfg, const char *path, struct flw_diag *diag)
{
	unsigned char seen[FLW_ARRAY_SIZE(keys)] = { 0 };
	struct flw_buf buf;
	char *p;
	unsigned lineno = 0;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	flw_buf_init(&buf, AGENT_CONFIG_MAX_BYTES);
	rc = flw_fs_read_all(path, &buf, diag);
	if (rc != 0)
		goto out;
	p = (char *)(buf.data ? buf.data : (unsigned char *)"");
	if (memchr(p, '\0', buf.len)) {
		rc = flw_diag_set(diag, FLW_EFORMAT, path, "%s: NUL byte in config file", path);
		goto out;
	}
	while (*p) {
		char *nl = strchr(p, '\n');

		lineno++;
		if (nl)
			*nl = '\0';
		rc = parse_line(cfg, p, seen, diag);
		if (rc != 0)
			goto out;
		p = nl ? nl + 1 : p + strlen(p);
	}
	lineno = 0;
	rc = apply_defaults(cfg, seen, diag);
	if (rc == 0)
		rc = load_token_file(cfg, diag);
out:
	if (rc != 0 && diag) {
		char msg[FLW_DIAG_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", diag->msg);
		if (lineno)
			flw_diag_set(diag, rc, NULL, "%s:%u: %s", path, lineno, msg);
		else
			flw_diag_set(diag, rc, NULL, "%s: %s", path, msg);
		diag->line = lineno;
	}
	if (rc != 0)
		agent_config_free(cfg); /* nothing half-loaded survives an error */
	flw_buf_free(&buf);
	return rc;
}

void agent_config_free(struct agent_config *cfg)
{
	char **strs[] = { &cfg->server,
		          &cfg->device_id,
		          &cfg->hardware_id,
		          &cfg->enrollment_token,
		          &cfg->enrollment_token_file,
		          &cfg->state_dir,
		          &cfg->trust_root,
		          &cfg->slot_a,
		          &cfg->slot_b,
		          &cfg->bootsel,
		          &cfg->health_command,
		          &cfg->reboot_command };
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(strs); i++) {
		flw_free(*strs[i]);
		*strs[i] = NULL;
	}
	for (i = 0; i < cfg->n_attrs; i++) {
		flw_free(cfg->attrs[i].name);
		flw_free(cfg->attrs[i].value);
	}
	cfg->n_attrs = 0;
}
