/* src/libfleetward/vuln/analyze_private.h - firmware analysis internals (signature table) */
#ifndef FLW_ANALYZE_PRIVATE_H
#define FLW_ANALYZE_PRIVATE_H
#include <stddef.h>
#include <stdint.h>

#include "fleetward/analyze.h"

enum flw_az_sfx {
	FLW_AZ_SFX_NONE = 0,
	FLW_AZ_SFX_LETTERS, /* up to two lower-case letters: OpenSSL 1.0.2zg */
	FLW_AZ_SFX_P,       /* pN: OpenSSH 9.2p1 (CPE update field) */
	FLW_AZ_SFX_PRE,     /* rcN, testN, betaN, alphaN, preN directly after: dnsmasq 2.90test3 */
	FLW_AZ_SFX_RC,      /* -rcN: U-Boot 2023.01-rc3 */
};

#define FLW_AZ_DECOR   1u /* [A-Za-z0-9._+~-] after the version is decoration, not version */
#define FLW_AZ_SUBSUME 2u /* "9.2" and "9.2p1" are one component: keep the longer */
#define FLW_AZ_KERNEL  4u /* Linux: prefer the upstream version of "... Debian 6.1.190-1 (" */
#define FLW_AZ_DATE    8u /* a release date follows: " 25 Aug 2026", "  7 Feb 2017" */

/* How far past its anchor a signature may read; < FLW_ANALYZE_KEEP. */
#define FLW_AZ_REACH        448
#define FLW_AZ_ANCHOR2_SPAN 160 /* anchor2 must start within this many printable bytes */
#define FLW_AZ_DEBIAN_SPAN  256 /* kernel: where "Debian X.Y.Z-" is looked for */

struct flw_analyze__sig {
	const char *name;
	const char *vendor;
	const char *product;
	char part;
	const char *type;
	const char *anchor;
	const char *anchor2; /* NULL: the version follows the anchor */
	uint8_t min_parts;
	uint8_t max_parts;
	uint8_t sfx;   /* enum flw_az_sfx */
	uint8_t flags; /* FLW_AZ_* */
	const char *after;
	int major_min;
	int major_max;
};

extern const struct flw_analyze__sig flw_analyze__sigs[];
extern const size_t flw_analyze__nsigs;

#endif /* FLW_ANALYZE_PRIVATE_H */
