/* include/fleetward/common.h - export and attribute macros shared by every public header */
#ifndef FLW_COMMON_H
#define FLW_COMMON_H

#ifdef __cplusplus
#define FLW_BEGIN_DECLS extern "C" {
#define FLW_END_DECLS   }
#else
#define FLW_BEGIN_DECLS
#define FLW_END_DECLS
#endif

#define FLW_EXPORT            __attribute__((visibility("default")))
#define FLW_WARN_UNUSED       __attribute__((warn_unused_result))
#define FLW_NONNULL(...)      __attribute__((nonnull(__VA_ARGS__)))
#define FLW_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Boundary markers (after SQLite's ALWAYS/NEVER): document conditions that the code relies on
 * (FLW_ALWAYS) or defends against although they cannot happen (FLW_NEVER). */
#define FLW_ALWAYS(x) (x)
#define FLW_NEVER(x)  (x)

#define FLW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* FLW_COMMON_H */
