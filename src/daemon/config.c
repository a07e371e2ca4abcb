/* src/daemon/config.c - fleetwardd's options: ONE static table, parsed and validated here
 *
 * Every option is a row {name, kind, field, min, max, default, help}; defaults are applied
 * from the table first, then the command line. Unknown options, missing values, values out
 * of range and duplicate options are usage errors (exit status 2) that say what to type.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "fleetward/log.h"

enum opt_kind {
	OPT_ADDR,  /* host:port, [v6]:port */
	OPT_PATH,  /* non-empty string */
	OPT_UINT,  /* unsigned, min..max */
	OPT_SIZE,  /* bytes with optional K/M/G suffix, min..max */
	OPT_DUR,   /* seconds with optional s/m/h/d suffix, min..max */
	OPT_LEVEL, /* err|warn|notice|info|debug */
	OPT_FLAG   /* no value */
};

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t offset;
	uint64_t min;
	uint64_t max;
	const char *def; /* NULL = no default (required when .required) */
	int required;
	const char *help;
};

#define OFF(f) offsetof(struct flwd_config, f)

static const struct opt options[] = {
	{ "listen", OPT_ADDR, OFF(listen), 0, 0, "127.0.0.1:8080", 0,
	  "ADDR:PORT to listen on (IPv6 as [::1]:PORT; port 0 = any free port)" },
	{ "data", OPT_PATH, OFF(data_dir), 0, 0, NULL, 1,
	  "DIR data directory (database, artifacts, keys); created if missing" },
	{ "port-file", OPT_PATH, OFF(port_file), 0, 0, NULL, 0,
	  "FILE write the port once listening (for --listen with port 0)" },
	{ "init-token-file", OPT_PATH, OFF(init_token_file), 0, 0, NULL, 0,
	  "FILE on first start, also write the admin token here (mode 0600)" },
	{ "poll-interval", OPT_UINT, OFF(poll_interval), 1, 86400, "300", 0,
	  "S device poll interval in seconds (answered with +-20% jitter)" },
	{ "min-checkin-interval", OPT_UINT, OFF(min_checkin_interval), 0, 3600, "5", 0,
	  "S per-device floor between check-ins; sooner ones get 429 + Retry-After (0 = off)" },
	{ "max-artifact-size", OPT_SIZE, OFF(max_artifact_size), 1, 1ull << 40, "1G", 0,
	  "BYTES largest artifact upload (suffix K, M or G)" },
	{ "timestamp-expiry", OPT_DUR, OFF(timestamp_expiry), 300, 366 * 86400, "1d", 0,
	  "DURATION lifetime of each signed timestamp (90s, 30m, 24h, 7d); re-signed at half" },
	{ "snapshot-expiry", OPT_DUR, OFF(snapshot_expiry), 300, 366 * 86400, "7d", 0,
	  "DURATION lifetime of each signed snapshot; re-signed at half" },
	{ "director-expiry", OPT_DUR, OFF(director_expiry), 60, 366 * 86400, "1d", 0,
	  "DURATION lifetime of each device's director document; re-signed at a quarter left" },
	{ "policy", OPT_PATH, OFF(policy_file), 0, 0, NULL, 0,
	  "FILE risk policy (classes, deadlines; docs/RISK.md section 5); built-in defaults "
	  "without it" },
	{ "assess-interval", OPT_DUR, OFF(assess_interval), 0, 7 * 86400, "300", 0,
	  "DURATION re-assess the fleet this often (inventory, releases; 0 = only after feed "
	  "imports and on request)" },
	{ "feed-max-bytes", OPT_SIZE, OFF(feed_max_bytes), 1, 1ull << 32, "1G", 0,
	  "BYTES largest vulnerability feed upload (suffix K, M or G)" },
	{ "threads", OPT_UINT, OFF(threads), 1, 1024, NULL, 0,
	  "N HTTP worker threads (default: number of CPUs)" },
	{ "log-level", OPT_LEVEL, OFF(log_level), 0, 0, "notice", 0,
	  "L err, warn, notice, info or debug" },
	{ "help", OPT_FLAG, OFF(help), 0, 0, NULL, 0, "show this help" },
	{ "version", OPT_FLAG, OFF(version), 0, 0, NULL, 0, "show the version" },
};

static const struct {
	const char *name;
	int level;
} levels[] = {
	{ "err", FLW_LOG_ERR },   { "warn", FLW_LOG_WARN },   { "notice", FLW_LOG_NOTICE },
	{ "info", FLW_LOG_INFO }, { "debug", FLW_LOG_DEBUG },
};

void flwd_config_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: fleetwardd --data DIR [--listen ADDR:PORT] [options]\n\noptions:\n");
	for (i = 0; i < FLW_ARRAY_SIZE(options); i++) {
		const struct opt *o = &options[i];

		fprintf(f, "  --%-20s %s", o->name, o->help);
		if (o->def)
			fprintf(f, " [%s]", o->def);
		fputc('\n', f);
	}
}

static int usage_error(const char *fmt, ...) FLW_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fleetwardd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'fleetwardd --help'.\n");
	return 2;
}

/* "90s", "30m", "24h", "7d" or plain seconds */
static int parse_duration(const char *s, uint64_t *out)
{
	static const struct {
		char suffix;
		uint64_t mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	unsigned long long v;
	uint64_t mult = 1;
	char *end = NULL;
	size_t i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	for (i = 0; *end != '\0' && i < FLW_ARRAY_SIZE(units); i++) {
		if (*end == units[i].suffix && end[1] == '\0') {
			mult = units[i].mult;
			end++;
			break;
		}
	}
	if (*end != '\0' || (v != 0 && mult > UINT64_MAX / v))
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out, int suffixes)
{
	unsigned long long v;
	uint64_t mul = 1;
	char *end = NULL;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (suffixes && *end != '\0' && end[1] == '\0') {
		if (*end == 'K' || *end == 'k')
			mul = 1024;
		else if (*end == 'M' || *end == 'm')
			mul = 1024 * 1024;
		else if (*end == 'G' || *end == 'g')
			mul = 1024 * 1024 * 1024;
		else
			return -1;
		end++;
	}
	if (*end != '\0' || (v != 0 && mul > UINT64_MAX / v))
		return -1;
	*out = (uint64_t)v * mul;
	return 0;
}

/* "1.2.3.4:80" or "[::1]:80"; literal addresses only (no name lookups). */
static int parse_listen(struct flwd_config *cfg, const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	const char *h = s;
	size_t hl;
	uint64_t port;

	if (strlen(s) >= sizeof(cfg->listen))
		return -1;
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host) || parse_u64(colon + 1, &port, 0) != 0 || port > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&cfg->listen_addr, 0, sizeof(cfg->listen_addr));
	if (*s == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&cfg->listen_addr;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -1;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		cfg->listen_len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&cfg->listen_addr;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return -1;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		cfg->listen_len = sizeof(*a4);
	}
	memcpy(cfg->listen, s, strlen(s) + 1);
	return 0;
}

static int set_value(struct flwd_config *cfg, const struct opt *o, const char *v)
{
	char *base = (char *)cfg + o->offset;
	uint64_t n = 0;
	size_t i;

	switch (o->kind) {
	case OPT_ADDR:
		if (parse_listen(cfg, v) != 0)
			return usage_error("--%s: '%s' is not ADDR:PORT (e.g. 127.0.0.1:8080 or "
			                   "[::1]:8080; a literal address, port 0-65535)",
			                   o->name, v);
		return 0;
	case OPT_PATH:
		if (*v == '\0')
			return usage_error("--%s: needs a non-empty path", o->name);
		*(const char **)(void *)base = v;
		return 0;
	case OPT_UINT:
	case OPT_SIZE:
	case OPT_DUR:
		if ((o->kind == OPT_DUR ? parse_duration(v, &n)
		                        : parse_u64(v, &n, o->kind == OPT_SIZE)) != 0 ||
		    n < o->min || n > o->max) {
			char range[64];

			snprintf(range, sizeof(range), "%llu..%llu", (unsigned long long)o->min,
			         (unsigned long long)o->max);
			fprintf(stderr, "fleetwardd: --%s: '%s' is not a number in %s%s\n", o->name,
			        v, range,
			        o->kind == OPT_SIZE ? " (bytes, suffix K/M/G allowed)"
			        : o->kind == OPT_DUR
			                ? " seconds (suffix s, m, h or d allowed, e.g. 12h)"
			                : "");
			fprintf(stderr, "Try 'fleetwardd --help'.\n");
			return 2;
		}
		if (o->kind == OPT_SIZE)
			*(uint64_t *)(void *)base = n;
		else
			*(unsigned *)(void *)base = (unsigned)n;
		return 0;
	case OPT_LEVEL:
		for (i = 0; i < FLW_ARRAY_SIZE(levels); i++) {
			if (strcmp(levels[i].name, v) == 0) {
				*(int *)(void *)base = levels[i].level;
				return 0;
			}
		}
		return usage_error("--%s: '%s' is not one of err, warn, notice, info, debug",
		                   o->name, v);
	case OPT_FLAG:
		*(int *)(void *)base = 1;
		return 0;
	}
	return 2;
}

static const struct opt *find_opt(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(options); i++) {
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	}
	return NULL;
}

static int apply_defaults(struct flwd_config *cfg)
{
	long ncpu;
	size_t i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < FLW_ARRAY_SIZE(options); i++) {
		if (options[i].def && (rc = set_value(cfg, &options[i], options[i].def)) != 0)
			return rc;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->threads = ncpu < 1 ? 1 : (ncpu > 64 ? 64 : (unsigned)ncpu);
	return 0;
}

/* A device that waits the poll_after it was told is never throttled: the check-in floor stays
 * below the shortest poll_after (the interval minus its 20 % jitter). */
static void clamp_checkin_floor(struct flwd_config *cfg)
{
	unsigned shortest = cfg->poll_interval - cfg->poll_interval / 5;
	unsigned floor = shortest > 1 ? shortest - 1 : 0;

	if (cfg->min_checkin_interval <= floor)
		return;
	log_notice("--min-checkin-interval %u is not below the shortest poll_after (%u s): using "
	           "%u s",
	           cfg->min_checkin_interval, shortest, floor);
	cfg->min_checkin_interval = floor;
}

int flwd_config_parse(struct flwd_config *cfg, int argc, char **argv)
{
	unsigned char seen[FLW_ARRAY_SIZE(options)];
	int i;
	int rc;

	rc = apply_defaults(cfg);
	if (rc != 0)
		return rc;
	memset(seen, 0, sizeof(seen));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq;
		const char *val = NULL;
		const struct opt *o;

		if (strncmp(a, "--", 2) != 0)
			return usage_error("unexpected argument '%s'", a);
		a += 2;
		eq = strchr(a, '=');
		o = find_opt(a, eq ? (size_t)(eq - a) : strlen(a));
		if (!o)
			return usage_error("unknown option '%s'", argv[i]);
		if (seen[o - options]++)
			return usage_error("--%s given twice", o->name);
		if (o->kind == OPT_FLAG && eq)
			return usage_error("--%s takes no value", o->name);
		if (o->kind != OPT_FLAG) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("--%s needs a value", o->name);
		}
		rc = set_value(cfg, o, val ? val : "");
		if (rc != 0)
			return rc;
	}
	if (cfg->help || cfg->version)
		return 0;
	clamp_checkin_floor(cfg);
	for (i = 0; i < (int)FLW_ARRAY_SIZE(options); i++) {
		if (options[i].required && !seen[i])
			return usage_error("--%s is required (e.g. --%s /var/lib/fleetward)",
			                   options[i].name, options[i].name);
	}
	return 0;
}
