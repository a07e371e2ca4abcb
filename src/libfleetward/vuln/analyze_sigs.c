/* src/libfleetward/vuln/analyze_sigs.c - the version signatures of firmware analysis
 *
 * One row per way a component names its version in its own bytes. Rows with the same name are
 * one component (curl says "libcurl/7.88.1" and "CLIENT libcurl 7.88.1"). Grammar of a row:
 * anchor [.. anchor2] N(.N){min_parts-1,max_parts-1} [suffix] [decoration] [after], then a
 * byte that cannot continue a version (not alphanumeric, '*', '?', '_', nor '.' before a
 * digit): "OpenSSH_3.0*" (a compatibility pattern in sshd) is not a version.
 * Sources: the strings of Debian 12 binaries (busybox-static, openssl, libc6, zlib1g, libcurl4,
 * openssh-server, dropbear-bin, lighttpd, dnsmasq-base, libmbedcrypto7, libwolfssl35,
 * linux-image), upstream sources for uClibc-ng library names and U-Boot's version_string.
 */
#include <stddef.h>

#include "fleetward/common.h"
#include "vuln/analyze_private.h"

/* clang-format off */
const struct flw_analyze__sig flw_analyze__sigs[] = {
	/* name, vendor, product, part, type, anchor, anchor2, min, max, suffix, flags, after, major lo/hi */
	{ "busybox", "busybox", "busybox", 'a', "application", "BusyBox v", NULL, 3, 3,
	  FLW_AZ_SFX_NONE, 0, NULL, 0, 99 },
	{ "openssl", "openssl", "openssl", 'a', "library", "OpenSSL ", NULL, 3, 3,
	  FLW_AZ_SFX_LETTERS, FLW_AZ_DECOR | FLW_AZ_DATE, NULL, 0, 99 },
	{ "dropbear", "dropbear_ssh_project", "dropbear_ssh", 'a', "application", "dropbear_", NULL,
	  2, 2, FLW_AZ_SFX_NONE, 0, NULL, 0, 9999 },
	{ "lighttpd", "lighttpd", "lighttpd", 'a', "application", "lighttpd/", NULL, 3, 3,
	  FLW_AZ_SFX_NONE, 0, NULL, 1, 9 },
	{ "dnsmasq", "thekelleys", "dnsmasq", 'a', "application", "dnsmasq-", NULL, 2, 3,
	  FLW_AZ_SFX_PRE, 0, NULL, 1, 9 },
	{ "uclibc", "uclibc", "uclibc", 'a', "library", "uClibc-", NULL, 3, 4, FLW_AZ_SFX_NONE, 0,
	  ".so", 0, 0 },
	{ "uclibc-ng", "uclibc-ng_project", "uclibc-ng", 'a', "library", "uClibc-", NULL, 3, 4,
	  FLW_AZ_SFX_NONE, 0, ".so", 1, 9 },
	{ "uclibc-ng", "uclibc-ng_project", "uclibc-ng", 'a', "library", "uClibc-ng ", NULL, 3, 4,
	  FLW_AZ_SFX_NONE, 0, NULL, 1, 9 },
	{ "glibc", "gnu", "glibc", 'a', "library", "GNU C Library", "release version ", 2, 3,
	  FLW_AZ_SFX_NONE, 0, NULL, 2, 9 },
	{ "curl", "haxx", "curl", 'a', "library", "libcurl/", NULL, 3, 3, FLW_AZ_SFX_NONE, 0, NULL,
	  7, 99 },
	{ "curl", "haxx", "curl", 'a', "library", "CLIENT libcurl ", NULL, 3, 3, FLW_AZ_SFX_NONE, 0,
	  NULL, 7, 99 },
	{ "zlib", "zlib", "zlib", 'a', "library", "deflate ", NULL, 3, 4, FLW_AZ_SFX_NONE, 0,
	  " Copyright", 1, 9 },
	{ "zlib", "zlib", "zlib", 'a', "library", "inflate ", NULL, 3, 4, FLW_AZ_SFX_NONE, 0,
	  " Copyright", 1, 9 },
	{ "openssh", "openbsd", "openssh", 'a', "application", "OpenSSH_", NULL, 2, 2,
	  FLW_AZ_SFX_P, FLW_AZ_SUBSUME, NULL, 1, 99 },
	{ "mbedtls", "arm", "mbed_tls", 'a', "library", "mbed TLS ", NULL, 3, 3, FLW_AZ_SFX_NONE, 0,
	  NULL, 1, 9 },
	{ "mbedtls", "arm", "mbed_tls", 'a', "library", "Mbed TLS ", NULL, 3, 3, FLW_AZ_SFX_NONE, 0,
	  NULL, 1, 9 },
	{ "wolfssl", "wolfssl", "wolfssl", 'a', "library", "wolfSSL ", NULL, 3, 3, FLW_AZ_SFX_NONE,
	  0, NULL, 1, 99 },
	{ "u-boot", "denx", "u-boot", 'a', "firmware", "U-Boot ", NULL, 2, 3, FLW_AZ_SFX_RC,
	  FLW_AZ_DECOR, " (", 1, 9999 },
	{ "linux", "linux", "linux_kernel", 'o', "operating-system", "Linux version ", NULL, 2, 3,
	  FLW_AZ_SFX_NONE, FLW_AZ_DECOR | FLW_AZ_KERNEL, " (", 2, 99 },
};
/* clang-format on */
const size_t flw_analyze__nsigs = FLW_ARRAY_SIZE(flw_analyze__sigs);

size_t flw_analyze_sig_count(void)
{
	return flw_analyze__nsigs;
}

const char *flw_analyze_sig_name(size_t i)
{
	return i < flw_analyze__nsigs ? flw_analyze__sigs[i].name : NULL;
}
