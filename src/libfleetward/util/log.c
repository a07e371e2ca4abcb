/* util/log.c - logging hook; default writes "ident[pid]: level: message" to stderr */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "fleetward/error.h"
#include "fleetward/log.h"

static flw_log_fn log_fn;
static void *log_payload;
static int log_max = FLW_LOG_INFO;
static const char *log_ident = "fleetward";

static const char *const level_names[] = {
	[FLW_LOG_ERR] = "error", [FLW_LOG_WARN] = "warning", [FLW_LOG_NOTICE] = "notice",
	[FLW_LOG_INFO] = "info", [FLW_LOG_DEBUG] = "debug",
};

void flw_set_log_fn(flw_log_fn fn, void *payload)
{
	log_fn = fn;
	log_payload = payload;
}

void flw_set_log_level(int max_level)
{
	log_max = max_level;
}

void flw_set_log_ident(const char *ident)
{
	log_ident = ident;
}

int flw_log_level(void)
{
	return log_max;
}

void flw_vlog(int level, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	if (level > log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_fn)
		log_fn(level, msg, log_payload);
	else if (level >= FLW_LOG_ERR && level <= FLW_LOG_DEBUG)
		fprintf(stderr, "%s[%ld]: %s: %s\n", log_ident, (long)getpid(), level_names[level],
		        msg);
	errno = saved;
}

void flw_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	flw_vlog(level, fmt, ap);
	va_end(ap);
}

int flw_log_rc(int level, int rc, const char *func, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_max >= FLW_LOG_DEBUG)
		flw_log(level, "%s: %s: %s", func, msg, flw_strerror(rc));
	else
		flw_log(level, "%s: %s", msg, flw_strerror(rc));
	return rc;
}
