/* tests/unit/analyze/test_analyze.c - firmware analysis: the signature table on synthetic blobs,
 * near-misses that must not match, strings split across chunk boundaries, file-name
 * signatures, the bzImage header, CPE strings and the CycloneDX document */
#include "flw_test.h"

#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "fleetward/alloc.h"
#include "fleetward/analyze.h"
#include "fleetward/buf.h"
#include "fleetward/cpe.h"
#include "fleetward/error.h"

/* scan blob (as file path) in pieces of `piece` bytes (0: all at once) */
static struct flw_analyze_result *scan(const void *blob, size_t len, const char *path, size_t piece)
{
	struct flw_analyze_result *r = NULL;
	struct flw_analyze_scan *s = NULL;
	const unsigned char *p = blob;
	size_t off = 0;

	assert_int_equal(flw_analyze_result_new(&r), 0);
	assert_int_equal(flw_analyze_scan_new(&s, r, path), 0);
	while (off < len) {
		size_t n = piece && len - off > piece ? piece : len - off;

		assert_int_equal(flw_analyze_scan_feed(s, p + off, n), 0);
		off += n;
	}
	assert_int_equal(flw_analyze_scan_finish(s), 0);
	flw_analyze_scan_free(s);
	return r;
}

static const struct {
	const char *blob;
	const char *name;
	const char *version;
	const char *cpe;
} positives[] = {
	{ "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)", "busybox", "1.35.0",
	  "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*" },
	{ "OpenSSL 3.0.22 25 Aug 2026", "openssl", "3.0.22",
	  "cpe:2.3:a:openssl:openssl:3.0.22:*:*:*:*:*:*:*" },
	{ "OpenSSL 1.0.2zg  7 Feb 2023", "openssl", "1.0.2zg",
	  "cpe:2.3:a:openssl:openssl:1.0.2zg:*:*:*:*:*:*:*" },
	{ "OpenSSL 1.0.2k-fips  26 Jan 2017", "openssl", "1.0.2k",
	  "cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*" },
	{ "SSH-2.0-dropbear_2022.83", "dropbear", "2022.83",
	  "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2022.83:*:*:*:*:*:*:*" },
	{ "lighttpd/1.4.69 (ssl) - a light and fast webserver", "lighttpd", "1.4.69",
	  "cpe:2.3:a:lighttpd:lighttpd:1.4.69:*:*:*:*:*:*:*" },
	{ "dnsmasq-2.90", "dnsmasq", "2.90", "cpe:2.3:a:thekelleys:dnsmasq:2.90:*:*:*:*:*:*:*" },
	{ "dnsmasq-2.90test3", "dnsmasq", "2.90test3",
	  "cpe:2.3:a:thekelleys:dnsmasq:2.90test3:*:*:*:*:*:*:*" },
	{ "uClibc-ng 1.0.45", "uclibc-ng", "1.0.45",
	  "cpe:2.3:a:uclibc-ng_project:uclibc-ng:1.0.45:*:*:*:*:*:*:*" },
	{ "GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36.", "glibc",
	  "2.36", "cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*" },
	{ "libcurl/7.88.1 OpenSSL/3.0.22 zlib/1.2.13", "curl", "7.88.1",
	  "cpe:2.3:a:haxx:curl:7.88.1:*:*:*:*:*:*:*" },
	{ " deflate 1.2.13 Copyright 1995-2022 Jean-loup Gailly and Mark Adler ", "zlib", "1.2.13",
	  "cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*" },
	{ "OpenSSH_9.2p1 Debian-2+deb12u9", "openssh", "9.2p1",
	  "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*" },
	{ "mbed TLS 2.28.3", "mbedtls", "2.28.3", "cpe:2.3:a:arm:mbed_tls:2.28.3:*:*:*:*:*:*:*" },
	{ "Mbed TLS 3.6.0", "mbedtls", "3.6.0", "cpe:2.3:a:arm:mbed_tls:3.6.0:*:*:*:*:*:*:*" },
	{ "wolfSSL 5.5.4", "wolfssl", "5.5.4", "cpe:2.3:a:wolfssl:wolfssl:5.5.4:*:*:*:*:*:*:*" },
	{ "U-Boot 2023.01-rc3-00042-gdeadbee (Jan 09 2023 - 12:00:00 +0000)", "u-boot",
	  "2023.01-rc3", "cpe:2.3:a:denx:u-boot:2023.01-rc3:*:*:*:*:*:*:*" },
	{ "U-Boot 2021.10 (Oct 04 2021 - 15:09:26 +0000)", "u-boot", "2021.10",
	  "cpe:2.3:a:denx:u-boot:2021.10:*:*:*:*:*:*:*" },
	{ "Linux version 5.15.120-yocto-standard (oe-user@oe-host) #1 SMP PREEMPT", "linux",
	  "5.15.120", "cpe:2.3:o:linux:linux_kernel:5.15.120:*:*:*:*:*:*:*" },
	{ "Linux version 6.1.0-54-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP "
	  "PREEMPT_DYNAMIC Debian 6.1.190-1 (2026-10-16)",
	  "linux", "6.1.190", "cpe:2.3:o:linux:linux_kernel:6.1.190:*:*:*:*:*:*:*" },
};

static void test_analyze_signatures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(positives) / sizeof(positives[0]); i++) {
		char blob[256];
		size_t len = strlen(positives[i].blob);
		struct flw_analyze_result *r;
		const struct flw_analyze_comp *c;
		char cpe[FLW_CPE_MAX_LEN];
		struct flw_cpe parsed;

		/* NUL-framed as in a binary's .rodata */
		blob[0] = '\0';
		memcpy(blob + 1, positives[i].blob, len);
		blob[len + 1] = '\0';
		r = scan(blob, len + 2, "/bin/x", 0);
		if (flw_analyze_result_count(r) != 1)
			fail_msg("'%s': %zu components", positives[i].blob,
			         flw_analyze_result_count(r));
		c = flw_analyze_result_get(r, 0);
		assert_string_equal(c->name, positives[i].name);
		assert_string_equal(c->version, positives[i].version);
		assert_int_equal(flw_analyze_cpe(c, cpe, sizeof(cpe)), 0);
		assert_string_equal(cpe, positives[i].cpe);
		assert_int_equal(flw_cpe_parse(&parsed, cpe, strlen(cpe), NULL), 0);
		/* the offset is the anchor's: "dropbear_" inside "SSH-2.0-dropbear_..." */
		if (c->occ[0].offset < 1 || (size_t)c->occ[0].offset > len ||
		    strncmp(blob + c->occ[0].offset, c->occ[0].evidence,
		            strlen(c->occ[0].evidence)) != 0)
			fail_msg("%s: offset %lld", positives[i].blob, (long long)c->occ[0].offset);
		assert_string_equal(c->occ[0].path, "/bin/x");
		flw_analyze_result_free(r);
	}
	/* every family of the table is exercised above */
	for (i = 0; i < flw_analyze_sig_count(); i++) {
		const char *name = flw_analyze_sig_name(i);
		size_t k;
		int seen = strcmp(name, "uclibc") == 0; /* file names: test_analyze_file_names */

		for (k = 0; k < sizeof(positives) / sizeof(positives[0]); k++)
			seen |= strcmp(positives[k].name, name) == 0;
		if (!seen)
			fail_msg("signature '%s' has no positive test", name);
	}
	assert_null(flw_analyze_sig_name(flw_analyze_sig_count()));
}

static void test_analyze_near_misses(void **state)
{
	static const char *const misses[] = {
		"OpenSSH_2.*,OpenSSH_3.0*,OpenSSH_3.1*", /* sshd's compat patterns */
		"OpenSSH_6.6.1*",
		"BusyBox v1.35 (short)",
		"OpenSSL 1.1.1 or later is required", /* no release date: prose */
		"OpenSSL 3.0.0x 1 Jan 2020",          /* not a letter release */
		"deflate 1.2.13 is not followed by Copyright",
		"lighttpd/1.4.69.1",
		"lighttpd/1.4",
		"dropbear_dss_host_key",
		"Linux version %s (%s@%s)",
		"Linux version 6.1.0 built without a (paren",
		"uClibc-0.9.33.2 no suffix",
		"wolfSSL 5.5.4x",
		"wolfSSL PEM routines",
		"libcurl/7.88.1_beta",
		"dnsmasq-2.90-4",
		"U-Boot SPL 2023.01 (Jan 09 2023)",
		"GNU C Library is free software; see release version notes",
		"BusyBox v1.35.0", /* at the very end of the data: cannot tell it ends */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		char blob[128];
		size_t len = strlen(misses[i]);
		struct flw_analyze_result *r;

		blob[0] = '\0';
		memcpy(blob + 1, misses[i], len);
		r = scan(blob, len + 1, "/bin/x", 0);
		if (flw_analyze_result_count(r) != 0)
			fail_msg("'%s' matched %s %s", misses[i],
			         flw_analyze_result_get(r, 0)->name,
			         flw_analyze_result_get(r, 0)->version);
		flw_analyze_result_free(r);
	}
}

/* a signature split across the scanner's internal buffer boundary and across fed chunks is
 * found exactly once, whatever the piece size */
static void test_analyze_chunk_boundaries(void **state)
{
	static const char s1[] = "OpenSSL 3.0.22 25 Aug 2026";
	static const char s2[] = "BusyBox v1.36.1 (2023-11-01)";
	static const size_t pieces[] = {
		0, 1, 7, 4096, 65536, FLW_ANALYZE_CHUNK - 3, FLW_ANALYZE_CHUNK + FLW_ANALYZE_KEEP
	};
	size_t len = 3 * FLW_ANALYZE_CHUNK;
	size_t at1 = FLW_ANALYZE_CHUNK + FLW_ANALYZE_KEEP - 9; /* straddles the first refill */
	size_t at2 = 2 * FLW_ANALYZE_CHUNK + FLW_ANALYZE_KEEP - 3;
	unsigned char *blob = flw_calloc(1, len);
	size_t i;

	(void)state;
	assert_non_null(blob);
	memcpy(blob + at1, s1, sizeof(s1)); /* with its NUL */
	memcpy(blob + at2, s2, sizeof(s2));
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		struct flw_analyze_result *r = scan(blob, len, "/img", pieces[i]);
		const struct flw_analyze_comp *c;

		assert_int_equal(flw_analyze_result_count(r), 2);
		c = flw_analyze_result_find(r, "openssl");
		assert_non_null(c);
		assert_string_equal(c->version, "3.0.22");
		assert_int_equal(c->nocc_total, 1);
		assert_int_equal(c->occ[0].offset, (int64_t)at1);
		c = flw_analyze_result_find(r, "busybox");
		assert_non_null(c);
		assert_string_equal(c->version, "1.36.1");
		assert_int_equal(c->nocc_total, 1);
		assert_int_equal(c->occ[0].offset, (int64_t)at2);
		flw_analyze_result_free(r);
	}
	flw_free(blob);
}

static void test_analyze_file_names(void **state)
{
	struct flw_analyze_result *r;
	const struct flw_analyze_comp *c;
	char cpe[FLW_CPE_MAX_LEN];

	(void)state;
	r = scan("\x7f"
	         "ELF",
	         4, "/lib/libuClibc-1.0.45.so", 0);
	c = flw_analyze_result_find(r, "uclibc-ng");
	assert_non_null(c);
	assert_string_equal(c->version, "1.0.45");
	assert_int_equal(c->occ[0].offset, -1);
	assert_null(flw_analyze_result_find(r, "uclibc"));
	flw_analyze_result_free(r);
	r = scan("", 0, "/lib/ld-uClibc-0.9.33.2.so", 0);
	c = flw_analyze_result_find(r, "uclibc");
	assert_non_null(c);
	assert_string_equal(c->version, "0.9.33.2");
	assert_int_equal(flw_analyze_cpe(c, cpe, sizeof(cpe)), 0);
	assert_string_equal(cpe, "cpe:2.3:a:uclibc:uclibc:0.9.33.2:*:*:*:*:*:*:*");
	assert_int_equal(flw_analyze_result_count(r), 1);
	flw_analyze_result_free(r);
	r = scan("", 0, "/lib/libuClibc-1.0.45.so.bak/x", 0); /* a directory name is not the file */
	assert_int_equal(flw_analyze_result_count(r), 0);
	flw_analyze_result_free(r);
}

/* OpenSSH names itself "OpenSSH_9.2" and "OpenSSH_9.2p1 ...": one component, the longer */
static void test_analyze_subsume(void **state)
{
	static const char blob[] = "\0OpenSSH_9.2\0OpenSSH_9.2p1 Debian-2\0OpenSSH_9.2\0";
	struct flw_analyze_result *r = scan(blob, sizeof(blob), "/usr/sbin/sshd", 0);
	const struct flw_analyze_comp *c;

	(void)state;
	assert_int_equal(flw_analyze_result_count(r), 1);
	c = flw_analyze_result_get(r, 0);
	assert_string_equal(c->version, "9.2p1");
	assert_string_equal(c->update, "p1");
	assert_int_equal(c->nocc_total, 3);
	assert_int_equal(c->nocc, 1); /* one location per file */
	flw_analyze_result_free(r);
}

static void test_analyze_bzimage(void **state)
{
	static const char uts[] = "6.1.0-55-amd64 (debian-kernel@lists.debian.org) #1 SMP "
	                          "PREEMPT_DYNAMIC Debian 6.1.192-1 (2026-11-01)";
	unsigned char img[0x2000];
	struct flw_analyze_result *r;
	const struct flw_analyze_comp *c;

	(void)state;
	memset(img, 0, sizeof(img));
	memcpy(img + 0x202, "HdrS", 4);
	img[0x20e] = 0x40; /* kernel_version = 0x1140 -> string at 0x1340 */
	img[0x20f] = 0x11;
	memcpy(img + 0x1340, uts, sizeof(uts));
	r = scan(img, sizeof(img), "/boot/vmlinuz", 100);
	c = flw_analyze_result_find(r, "linux");
	assert_non_null(c);
	assert_string_equal(c->version, "6.1.192");
	assert_int_equal(c->occ[0].offset, 0x1340);
	flw_analyze_result_free(r);
	img[0x203] = 'x'; /* no setup header: the same bytes say nothing */
	r = scan(img, sizeof(img), "/boot/vmlinuz", 0);
	assert_int_equal(flw_analyze_result_count(r), 0);
	flw_analyze_result_free(r);
}

static void test_analyze_sbom(void **state)
{
	static const char blob[] = "\0BusyBox v1.35.0 (x)\0OpenSSH_9.2p1 Debian\0";
	struct flw_analyze_result *r = scan(blob, sizeof(blob), "/bin/busybox", 0);
	struct flw_buf b = { 0 };
	json_error_t err;
	json_t *doc;
	json_t *c;

	(void)state;
	assert_int_equal(flw_analyze_sbom(&b, r, "/tmp/fw/rootfs.img"), 0);
	doc = json_loadb((const char *)b.data, b.len, 0, &err);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "bomFormat")), "CycloneDX");
	assert_string_equal(json_string_value(json_object_get(doc, "specVersion")), "1.5");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_object_get(json_object_get(doc, "metadata"), "component"), "name")),
	        "rootfs.img");
	assert_int_equal(json_array_size(json_object_get(doc, "components")), 2);
	c = json_array_get(json_object_get(doc, "components"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "openssh");
	assert_string_equal(json_string_value(json_object_get(c, "version")), "9.2p1");
	assert_string_equal(json_string_value(json_object_get(c, "cpe")),
	                    "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*");
	assert_string_equal(json_string_value(json_object_get(c, "purl")),
	                    "pkg:generic/openssh@9.2p1");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(
	                        json_object_get(json_object_get(c, "evidence"), "occurrences"), 0),
	                "location")),
	        "/bin/busybox");
	json_decref(doc);
	flw_buf_free(&b);
	flw_analyze_result_free(r);
}

static int analyze_once(void *payload)
{
	static const char blob[] = "\0BusyBox v1.35.0 (x)\0OpenSSL 3.0.22 25 Aug 2026\0";
	struct flw_analyze_result *r = NULL;
	struct flw_analyze_scan *s = NULL;
	struct flw_buf b = { 0 };
	int rc;

	(void)payload;
	rc = flw_analyze_result_new(&r);
	if (rc == 0)
		rc = flw_analyze_scan_new(&s, r, "/x");
	if (rc == 0)
		rc = flw_analyze_scan_feed(s, blob, sizeof(blob));
	if (rc == 0)
		rc = flw_analyze_scan_finish(s);
	if (rc == 0 && flw_analyze_result_count(r) != 2)
		rc = FLW_EFORMAT;
	if (rc == 0)
		rc = flw_analyze_sbom(&b, r, "x");
	flw_buf_free(&b);
	flw_analyze_scan_free(s);
	flw_analyze_result_free(r);
	return rc;
}

/* every allocation failure is reported as FLW_ENOMEM and leaks nothing */
static void test_analyze_alloc_failures(void **state)
{
	(void)state;
	assert_true(flw_test_torture(analyze_once, NULL, 200) > 1);
}

static void test_analyze_missing_image(void **state)
{
	struct flw_analyze_result *r = NULL;
	struct flw_diag d;

	(void)state;
	assert_int_equal(flw_analyze_result_new(&r), 0);
	assert_int_equal(flw_analyze_image(r, "/nonexistent/fw.img", NULL, &d), FLW_EIO);
	flw_analyze_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_analyze_signatures),
		cmocka_unit_test(test_analyze_near_misses),
		cmocka_unit_test(test_analyze_chunk_boundaries),
		cmocka_unit_test(test_analyze_file_names),
		cmocka_unit_test(test_analyze_subsume),
		cmocka_unit_test(test_analyze_bzimage),
		cmocka_unit_test(test_analyze_sbom),
		cmocka_unit_test(test_analyze_alloc_failures),
		cmocka_unit_test(test_analyze_missing_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
