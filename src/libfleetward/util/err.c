/* util/err.c - error names, messages and the diagnostics struct */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fleetward/error.h"

struct err_entry {
	int code;
	const char *name;
	const char *msg;
};

static const struct err_entry errors[] = {
	{ FLW_OK, "ok", "success" },
	{ FLW_ENOMEM, "nomem", "out of memory" },
	{ FLW_EINVAL, "invalid", "invalid argument" },
	{ FLW_EFORMAT, "format", "malformed input" },
	{ FLW_ELIMIT, "limit", "limit exceeded" },
	{ FLW_ESIG, "signature", "signature check failed" },
	{ FLW_EHASH, "hash", "length or digest mismatch" },
	{ FLW_EIO, "io", "I/O error" },
	{ FLW_ENOTFOUND, "notfound", "not found" },
	{ FLW_ECONFLICT, "conflict", "conflict" },
	{ FLW_ESTORE, "store", "storage failure" },
	{ FLW_EEXPIRED, "expired", "expired" },
	{ FLW_EROLLBACK, "rollback", "version went backwards" },
	{ FLW_EAUTH, "auth", "authentication failed" },
	{ FLW_EPERM, "perm", "permission denied" },
	{ FLW_ENET, "net", "network failure" },
	{ FLW_ESTATE, "state", "not valid in the current state" },
	{ FLW_EINCOMPAT, "incompatible", "not compatible with this hardware" },
	{ FLW_ECRYPTO, "crypto", "crypto library failure" },
};

static const struct err_entry *find(int code)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(errors); i++)
		if (errors[i].code == code)
			return &errors[i];
	return NULL;
}

const char *flw_strerror(int code)
{
	const struct err_entry *e = find(code);

	return e ? e->msg : "unknown error";
}

const char *flw_error_name(int code)
{
	const struct err_entry *e = find(code);

	return e ? e->name : "unknown";
}

void flw_diag_clear(struct flw_diag *diag)
{
	if (diag)
		memset(diag, 0, sizeof(*diag));
}

FLW_PRINTF(4, 0)
static void diag_vset(struct flw_diag *diag, int code, const char *path, const char *fmt,
                      va_list ap)
{
	diag->code = code;
	diag->sys_errno = 0;
	diag->line = 0;
	diag->column = 0;
	snprintf(diag->path, sizeof(diag->path), "%s", path ? path : "");
	if (fmt)
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	else
		snprintf(diag->msg, sizeof(diag->msg), "%s", flw_strerror(code));
}

int flw_diag_set(struct flw_diag *diag, int code, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (!diag)
		return code;
	va_start(ap, fmt);
	diag_vset(diag, code, path, fmt, ap);
	va_end(ap);
	return code;
}

int flw_diag_errno(struct flw_diag *diag, int sys_errno, const char *path, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (!diag)
		return FLW_EIO;
	va_start(ap, fmt);
	diag_vset(diag, FLW_EIO, path, fmt, ap);
	va_end(ap);
	diag->sys_errno = sys_errno;
	len = strlen(diag->msg);
	snprintf(diag->msg + len, sizeof(diag->msg) - len, ": %s", strerror(sys_errno));
	return FLW_EIO;
}

const char *flw_diag_format(const struct flw_diag *diag, char *out, size_t out_len)
{
	if (!out || out_len == 0)
		return "";
	if (!diag || diag->code == 0) {
		snprintf(out, out_len, "%s", diag ? "no error" : "unknown error");
		return out;
	}
	if (diag->path[0] && diag->line)
		snprintf(out, out_len, "%s (in '%s' at line %u, column %u)", diag->msg, diag->path,
		         diag->line, diag->column);
	else if (diag->path[0])
		snprintf(out, out_len, "%s (field '%s')", diag->msg, diag->path);
	else if (diag->line)
		snprintf(out, out_len, "%s (line %u, column %u)", diag->msg, diag->line,
		         diag->column);
	else
		snprintf(out, out_len, "%s", diag->msg);
	return out;
}
