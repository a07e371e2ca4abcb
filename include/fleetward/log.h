/* include/fleetward/log.h - logging
 *
 * The library logs nothing except debug output through the hook set with flw_set_log_fn().
 * Programs log through flw_log() too, which writes "fleetwardd[pid]: level: msg" to stderr
 * unless a hook is set. Log once, where an error is handled:
 *     return log_error_rc(rc, "downloading '%s'", url);
 */
#ifndef FLW_LOG_H
#define FLW_LOG_H
#include <stdarg.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

enum flw_log_level {
	FLW_LOG_ERR = 3,
	FLW_LOG_WARN = 4,
	FLW_LOG_NOTICE = 5,
	FLW_LOG_INFO = 6,
	FLW_LOG_DEBUG = 7
};

typedef void (*flw_log_fn)(int level, const char *msg, void *payload);

FLW_EXPORT void flw_set_log_fn(flw_log_fn fn, void *payload);
FLW_EXPORT void flw_set_log_level(int max_level);
FLW_EXPORT void flw_set_log_ident(const char *ident); /* program name; borrowed, static */
FLW_EXPORT int flw_log_level(void);
FLW_EXPORT void flw_log(int level, const char *fmt, ...) FLW_PRINTF(2, 3);
FLW_EXPORT void flw_vlog(int level, const char *fmt, va_list ap) FLW_PRINTF(2, 0);
/* logs "func: msg: strerror(rc)" at err level, returns rc */
FLW_EXPORT int flw_log_rc(int level, int rc, const char *func, const char *fmt, ...)
        FLW_PRINTF(4, 5);

#define log_error(...)        flw_log(FLW_LOG_ERR, __VA_ARGS__)
#define log_warn(...)         flw_log(FLW_LOG_WARN, __VA_ARGS__)
#define log_notice(...)       flw_log(FLW_LOG_NOTICE, __VA_ARGS__)
#define log_info(...)         flw_log(FLW_LOG_INFO, __VA_ARGS__)
#define log_debug(...)        flw_log(FLW_LOG_DEBUG, __VA_ARGS__)
#define log_error_rc(rc, ...) flw_log_rc(FLW_LOG_ERR, (rc), __func__, __VA_ARGS__)

FLW_END_DECLS
#endif /* FLW_LOG_H */
