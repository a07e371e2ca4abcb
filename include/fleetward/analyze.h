/* include/fleetward/analyze.h - firmware analysis: find known components in an image by their
 * version signatures and describe them as a CycloneDX 1.5 SBOM
 *
 * A signature is one row of a table (vuln/analyze_sigs.c): a literal anchor ("BusyBox v",
 * "OpenSSL ", "SSH-2.0-dropbear_") followed by a version grammar (number of dotted parts,
 * allowed suffix, what may follow). The scanner is streaming: bytes are fed in chunks of any
 * size and a window of FLW_ANALYZE_KEEP bytes is carried over, so a string split across two
 * chunks is still found, and found once. An image is either an ext2/3/4 filesystem (its regular
 * files are scanned one by one, read through libext2fs) or anything else (its bytes are
 * scanned as one file).
 */
#ifndef FLW_ANALYZE_H
#define FLW_ANALYZE_H
#include <stddef.h>
#include <stdint.h>
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_diag;
struct flw_buf;

#define FLW_ANALYZE_VERSION_MAX  48   /* longest version string kept, bytes */
#define FLW_ANALYZE_PATH_MAX     512  /* longest file path kept (longer paths are shortened) */
#define FLW_ANALYZE_EVIDENCE_MAX 80   /* matched text kept per occurrence */
#define FLW_ANALYZE_OCC_MAX      8    /* occurrences kept per component (all are counted) */
#define FLW_ANALYZE_COMP_MAX     1024 /* distinct (component, version) pairs per image */
#define FLW_ANALYZE_KEEP         512  /* bytes carried between chunks (> any signature's reach) */
#define FLW_ANALYZE_CHUNK        (1024u * 1024u) /* read size */

struct flw_analyze_limits {
	uint64_t max_file_bytes;  /* files larger than this are skipped (counted) */
	uint64_t max_files;       /* regular files scanned at most; more -> FLW_ELIMIT */
	uint64_t max_total_bytes; /* bytes scanned at most; more -> FLW_ELIMIT */
	unsigned max_depth;       /* directory nesting; deeper -> FLW_ELIMIT */
};
#define FLW_ANALYZE_LIMITS_DEFAULT                                               \
	{                                                                        \
		256ull * 1024 * 1024, 200000ull, 16ull * 1024 * 1024 * 1024, 64u \
	}

struct flw_analyze_occ {
	char path[FLW_ANALYZE_PATH_MAX]; /* file inside the image (a raw image: its name) */
	int64_t offset;                  /* of the anchor in that file; -1: from the file name */
	char evidence[FLW_ANALYZE_EVIDENCE_MAX]; /* the matched text, printable */
};

struct flw_analyze_comp {
	const char *name;    /* display name ("openssl") */
	const char *vendor;  /* CPE vendor ("openssl") */
	const char *product; /* CPE product ("openssl") */
	char part;           /* CPE part: 'a' or 'o' */
	const char *type;    /* CycloneDX component type ("library", "application", ...) */
	char version[FLW_ANALYZE_VERSION_MAX];
	char update[16]; /* CPE update field ("p1" for OpenSSH 9.2p1), "" when none */
	unsigned nocc;   /* occurrences kept in occ[] */
	uint64_t nocc_total;
	struct flw_analyze_occ occ[FLW_ANALYZE_OCC_MAX];
};

struct flw_analyze_result; /* opaque; components in order of discovery */
struct flw_analyze_scan;   /* opaque; one file being scanned */

FLW_EXPORT FLW_WARN_UNUSED int flw_analyze_result_new(struct flw_analyze_result **out);
FLW_EXPORT void flw_analyze_result_free(struct flw_analyze_result *r); /* NULL is fine */
FLW_EXPORT size_t flw_analyze_result_count(const struct flw_analyze_result *r);
/* Borrowed; NULL when i is out of range. */
FLW_EXPORT const struct flw_analyze_comp *flw_analyze_result_get(const struct flw_analyze_result *r,
                                                                 size_t i);
/* First component named name ("openssl"), NULL if none. */
FLW_EXPORT const struct flw_analyze_comp *
flw_analyze_result_find(const struct flw_analyze_result *r, const char *name);
/* Statistics of the last flw_analyze_image(): "ext4" or "raw", files scanned / skipped. */
FLW_EXPORT const char *flw_analyze_result_kind(const struct flw_analyze_result *r);
FLW_EXPORT uint64_t flw_analyze_result_files(const struct flw_analyze_result *r);
FLW_EXPORT uint64_t flw_analyze_result_skipped(const struct flw_analyze_result *r);

/**
 * Streaming scan of one file into r. path names the file in evidence; its last component is
 * matched too (uClibc is recognised by "libuClibc-1.0.45.so"). Feed chunks of any size, then
 * finish (required: the last FLW_ANALYZE_KEEP bytes are searched then).
 * @return 0, FLW_ENOMEM, FLW_ELIMIT (more than FLW_ANALYZE_COMP_MAX components)
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2,
                                       3) int flw_analyze_scan_new(struct flw_analyze_scan **out,
                                                                   struct flw_analyze_result *r,
                                                                   const char *path);
FLW_EXPORT FLW_WARN_UNUSED int flw_analyze_scan_feed(struct flw_analyze_scan *s, const void *data,
                                                     size_t len);
FLW_EXPORT FLW_WARN_UNUSED int flw_analyze_scan_finish(struct flw_analyze_scan *s);
FLW_EXPORT void flw_analyze_scan_free(struct flw_analyze_scan *s); /* NULL is fine */

/**
 * Analyse an image file: an ext2/3/4 filesystem is walked (regular files only, bounded by lim),
 * anything else is scanned as bytes. lim may be NULL (defaults).
 * @return 0, FLW_EIO, FLW_EFORMAT (a filesystem libext2fs cannot open), FLW_ELIMIT, FLW_ENOMEM
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2) int flw_analyze_image(
        struct flw_analyze_result *r, const char *image, const struct flw_analyze_limits *lim,
        struct flw_diag *diag);

/* CPE 2.3 formatted string of a component (cpe:2.3:a:vendor:product:version:update:...). */
FLW_EXPORT FLW_WARN_UNUSED int flw_analyze_cpe(const struct flw_analyze_comp *c, char *out,
                                               size_t out_len);

/**
 * CycloneDX 1.5 JSON (pretty) describing r; subject names the analysed image.
 * @return 0, FLW_ENOMEM, FLW_ELIMIT
 */
FLW_EXPORT FLW_WARN_UNUSED FLW_NONNULL(1, 2,
                                       3) int flw_analyze_sbom(struct flw_buf *out,
                                                               const struct flw_analyze_result *r,
                                                               const char *subject);

/* Signature table, for help text and tests. */
FLW_EXPORT size_t flw_analyze_sig_count(void);
FLW_EXPORT const char *flw_analyze_sig_name(size_t i); /* NULL when out of range */

FLW_END_DECLS
#endif /* FLW_ANALYZE_H */
