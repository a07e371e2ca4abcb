/* include/fleetward/version.h - version strings compared by scheme
 *
 * A version is parsed once into a sort key (struct flw_version): two versions of the same
 * scheme compare by memcmp of their keys, so matching needs no allocation and no re-parsing.
 * A string that does not fit the scheme is FLW_EFORMAT: never a guess.
 *
 * GENERIC: optional 'v'/'V' prefix, then runs of digits and letters separated by . - _ + ;
 *   must start with a digit. Numbers compare numerically; missing trailing numbers are 0
 *   (3.0 == 3.0.0); pre-release words (dev < alpha < beta < pre/preview < test < rc) sort
 *   before the release (2.90test3 < 2.90, 1.0-rc1 < 1.0); other letters sort after it
 *   (1.1.1 < 1.1.1a, 7.4 < 7.4p1) and before a further number (1.0a < 1.0.1).
 * OPENSSL: GENERIC, but letter runs compare by length first (1.0.2z < 1.0.2za < 1.0.2zh).
 * DEB: dpkg rules: [epoch:]upstream[-revision]; '~' sorts before everything, even the end
 *   (1.0~rc1 < 1.0); letters before other characters; upstream must start with a digit.
 */
#ifndef FLW_VERSION_H
#define FLW_VERSION_H
#include <stddef.h>
#include <stdint.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_diag;

#define FLW_VERSION_MAX_LEN 64  /* version string, bytes */
#define FLW_VERSION_KEY_MAX 200 /* sort key, bytes (3 per input byte + end marks) */

enum flw_vscheme {
	FLW_VSCHEME_GENERIC = 0,
	FLW_VSCHEME_OPENSSL,
	FLW_VSCHEME_DEB,
	_FLW_VSCHEME_MAX,
	_FLW_VSCHEME_INVALID = -1
};

struct flw_version {
	uint8_t scheme; /* enum flw_vscheme */
	uint8_t len;    /* bytes of key */
	unsigned char key[FLW_VERSION_KEY_MAX];
};

/**
 * Parse str[0..len) under scheme.
 * @return 0, FLW_EFORMAT (not a version of that scheme), FLW_ELIMIT (longer than
 *         FLW_VERSION_MAX_LEN, numbers over 16 digits, letter runs over 7) or FLW_EINVAL
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 3) int flw_version_parse(struct flw_version *out,
                                                                   enum flw_vscheme scheme,
                                                                   const char *str, size_t len,
                                                                   struct flw_diag *diag);

/* <0, 0, >0. Both must be of the same scheme (else versions of different schemes order by
 * scheme, which is well defined but meaningless). */
FLW_EXPORT int flw_version_compare(const struct flw_version *a, const struct flw_version *b);

/* Parse both and compare: *out = -1, 0 or 1. Returns 0 or the parse error of a or b. */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(2, 3, 4) int flw_version_cmp(enum flw_vscheme scheme,
                                                                    const char *a, const char *b,
                                                                    int *out);

/* For DEB versions: the upstream part (no epoch, no revision) as [*off, *off + *len) of str.
 * Used to match distro package versions against upstream NVD ranges. FLW_EFORMAT if not DEB. */
FLW_EXPORT FLW_WARN_UNUSED int flw_version_deb_upstream(const char *str, size_t len, size_t *off,
                                                        size_t *out_len);

FLW_EXPORT const char *flw_vscheme_to_string(enum flw_vscheme s);
FLW_EXPORT enum flw_vscheme flw_vscheme_from_string(const char *s);

FLW_END_DECLS
#endif /* FLW_VERSION_H */
