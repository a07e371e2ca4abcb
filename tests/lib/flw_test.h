/* tests/lib/flw_test.h - helpers shared by the cmocka unit tests */
#ifndef FLW_TEST_H
#define FLW_TEST_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* mkdtemp under $TMPDIR; returns a new string (flw_free) */
char *flw_test_tmpdir(void);
/* rm -rf dir (only inside the temp area); frees nothing */
void flw_test_rmrf(const char *dir);
/* write a file with content; asserts on failure */
void flw_test_write_file(const char *path, const void *data, size_t len);

/*
 * OOM torture: call op(payload) with the n-th allocation failing, for n = 1, 2, ... until a
 * run completes without an injected failure. Each run must return 0 or FLW_ENOMEM (anything
 * else fails the test); leaks are caught by LeakSanitizer in the asan preset. Returns the
 * number of runs.
 */
typedef int (*flw_torture_fn)(void *payload);
unsigned flw_test_torture(flw_torture_fn op, void *payload, unsigned max_runs);

struct flw_store;
struct flw_release;
struct flw_sbom_component;
struct flw_audit;
struct flw_diag;
/* flw_store_tuf_publish of targets version tv, snapshot sv and timestamp tsv (placeholder
 * bytes "targets-<tv>", ...) adding release r (may be NULL) with its n components c (0: none).
 * Returns what the store returned. */
int flw_test_publish(struct flw_store *s, int64_t tv, int64_t sv, int64_t tsv,
                     const struct flw_release *r, const struct flw_sbom_component *c, size_t n,
                     const struct flw_audit *audit, struct flw_diag *diag);

#endif
