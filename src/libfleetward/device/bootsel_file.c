/* src/libfleetward/device/bootsel_file.c - boot selection kept in a state file
 *
 * The model of a bootloader environment for tests, demos and devices without one. The file is
 * small text with a CRC-32 over everything before the crc line (like U-Boot's environment):
 *
 *     fleetward-bootsel 1
 *     primary=A
 *     trial=B          (or "-")
 *     tries_left=3
 *     booted=A
 *     last_failed=-    (or A/B)
 *     crc32=1c291ca3
 *
 * It is replaced by write-temp, fsync, rename, fsync-dir (flw_fs_write_atomic), so a power cut
 * leaves the old or the new state. A file that exists but does not parse exactly (torn,
 * garbage, bad CRC, extra lines) is an error, never a silent default: only a missing file
 * reads as the factory state {primary A, no trial, booted A}.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fleetward/alloc.h"
#include "fleetward/bootsel.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "device/bootsel_int.h"

#define BOOTSEL_FILE_MAX 512
#define BOOTSEL_MAGIC    "fleetward-bootsel 1\n"

struct bootsel_file {
	struct flw_bootsel base; /* first */
	char *path;
};

/* CRC-32 (IEEE 802.3, reflected), bitwise: the file is a few hundred bytes. */
static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static char slot_char(char c)
{
	return c ? c : '-';
}

/* Serialise st into out (at least BOOTSEL_FILE_MAX bytes); returns the length. */
static size_t format_state(char *out, const struct flw_bootsel_state *st)
{
	int n;
	int m;

	n = snprintf(out, BOOTSEL_FILE_MAX,
	             BOOTSEL_MAGIC
	             "primary=%c\ntrial=%c\ntries_left=%u\nbooted=%c\nlast_failed=%c\n",
	             st->primary, slot_char(st->trial), st->tries_left, st->booted,
	             slot_char(st->last_failed));
	if (n < 0 || n >= BOOTSEL_FILE_MAX - 20)
		return 0;
	m = snprintf(out + n, (size_t)(BOOTSEL_FILE_MAX - n), "crc32=%08x\n",
	             crc32_ieee((const unsigned char *)out, (size_t)n));
	if (m < 0)
		return 0;
	return (size_t)n + (size_t)m;
}

/* Read one "key=value\n" line at *pos; value is a single slot char or '-' (or a number for
 * tries_left). Returns 0 or FLW_EFORMAT naming the line. */
static int expect_line(const char *data, size_t len, size_t *pos, unsigned lineno, const char *key,
                       char *val, size_t val_max, struct flw_diag *diag)
{
	size_t klen = strlen(key);
	size_t i = *pos;
	size_t n = 0;
	int rc;

	if (len - i < klen + 2 || memcmp(data + i, key, klen) != 0 || data[i + klen] != '=') {
		rc = flw_diag_set(diag, FLW_EFORMAT, key, "line %u: expected '%s='", lineno, key);
		goto out;
	}
	i += klen + 1;
	while (i < len && data[i] != '\n' && n + 1 < val_max)
		val[n++] = data[i++];
	val[n] = '\0';
	if (i >= len || data[i] != '\n' || n == 0) {
		rc = flw_diag_set(diag, FLW_EFORMAT, key, "line %u: bad or unterminated value",
		                  lineno);
		goto out;
	}
	*pos = i + 1;
	rc = 0;
out:
	if (rc != 0 && diag)
		diag->line = lineno;
	return rc;
}

static int parse_slot(const char *v, int allow_none, char *out, const char *key, unsigned lineno,
                      struct flw_diag *diag)
{
	if (strcmp(v, "A") == 0 || strcmp(v, "B") == 0) {
		*out = v[0];
		return 0;
	}
	if (allow_none && strcmp(v, "-") == 0) {
		*out = 0;
		return 0;
	}
	if (diag)
		diag->line = lineno;
	return flw_diag_set(diag, FLW_EFORMAT, key, "line %u: '%s' is not a slot", lineno, v);
}

static int parse_tries(const char *v, unsigned *out, unsigned lineno, struct flw_diag *diag)
{
	unsigned t = 0;
	size_t i;

	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' || i >= 3)
			return flw_diag_set(diag, FLW_EFORMAT, "tries_left",
			                    "line %u: '%s' is not a count", lineno, v);
		t = t * 10 + (unsigned)(v[i] - '0');
	}
	*out = t;
	return 0;
}

static int parse_state(const char *data, size_t len, struct flw_bootsel_state *st,
                       struct flw_diag *diag)
{
	static const char *const keys[] = { "primary", "trial", "tries_left", "booted",
		                            "last_failed" };
	char vals[5][8];
	char crc_hex[16];
	size_t pos = strlen(BOOTSEL_MAGIC);
	size_t body_len;
	unsigned i;
	int rc;

	if (len < pos || memcmp(data, BOOTSEL_MAGIC, pos) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, NULL,
		                    "line 1: not a fleetward boot selection file");
	for (i = 0; i < 5; i++) {
		rc = expect_line(data, len, &pos, i + 2, keys[i], vals[i], sizeof(vals[i]), diag);
		if (rc != 0)
			return rc;
	}
	body_len = pos;
	rc = expect_line(data, len, &pos, 7, "crc32", crc_hex, sizeof(crc_hex), diag);
	if (rc != 0)
		return rc;
	if (pos != len)
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "line 8: trailing data");
	{
		char want[16];

		snprintf(want, sizeof(want), "%08x",
		         crc32_ieee((const unsigned char *)data, body_len));
		if (strcmp(want, crc_hex) != 0)
			return flw_diag_set(diag, FLW_EFORMAT, "crc32",
			                    "CRC mismatch (file says %s, content gives %s): torn "
			                    "or edited file",
			                    crc_hex, want);
	}
	if ((rc = parse_slot(vals[0], 0, &st->primary, keys[0], 2, diag)) != 0 ||
	    (rc = parse_slot(vals[1], 1, &st->trial, keys[1], 3, diag)) != 0 ||
	    (rc = parse_tries(vals[2], &st->tries_left, 4, diag)) != 0 ||
	    (rc = parse_slot(vals[3], 0, &st->booted, keys[3], 5, diag)) != 0 ||
	    (rc = parse_slot(vals[4], 1, &st->last_failed, keys[4], 6, diag)) != 0)
		return rc;
	return 0;
}

static int file_load(struct flw_bootsel *base, struct flw_bootsel_state *out, struct flw_diag *diag)
{
	struct bootsel_file *f = (struct bootsel_file *)base;
	struct flw_buf buf;
	int rc;

	flw_buf_init(&buf, BOOTSEL_FILE_MAX);
	rc = flw_fs_read_all(f->path, &buf, diag);
	if (rc == FLW_ENOTFOUND) {
		memset(out, 0, sizeof(*out));
		out->primary = 'A';
		out->booted = 'A';
		rc = 0;
		goto out;
	}
	if (rc == FLW_ELIMIT) {
		rc = flw_diag_set(diag, FLW_EFORMAT, f->path,
		                  "boot selection file is larger than %u bytes", BOOTSEL_FILE_MAX);
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = parse_state((const char *)buf.data, buf.len, out, diag);
	if (rc != 0 && diag) {
		char msg[FLW_DIAG_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", diag->msg);
		flw_diag_set(diag, rc, diag->path, "'%s': %s", f->path, msg);
	}
out:
	flw_buf_free(&buf);
	return rc;
}

static int file_store(struct flw_bootsel *base, const struct flw_bootsel_state *st,
                      struct flw_diag *diag)
{
	struct bootsel_file *f = (struct bootsel_file *)base;
	char text[BOOTSEL_FILE_MAX];
	size_t n;

	n = format_state(text, st);
	if (n == 0)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "cannot format boot selection");
	return flw_fs_write_atomic(f->path, text, n, 0644, diag);
}

static void file_free(struct flw_bootsel *base)
{
	struct bootsel_file *f = (struct bootsel_file *)base;

	flw_free(f->path);
	flw_free(f);
}

static const struct flw_bootsel_ops file_ops = {
	.version = FLW_BOOTSEL_OPS_VERSION,
	.load = file_load,
	.store = file_store,
	.free = file_free,
};

int flw_bootsel_file_open(struct flw_bootsel **out, const char *path, struct flw_diag *diag)
{
	struct bootsel_file *f = NULL;
	int rc = FLW_ENOMEM;

	if (!out || !path || !*path)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "no boot selection file given");
	f = flw_calloc(1, sizeof(*f));
	if (!f)
		goto out;
	f->path = flw_strdup(path);
	if (!f->path)
		goto out;
	f->base.ops = &file_ops;
	*out = &f->base;
	f = NULL;
	rc = 0;
out:
	if (f)
		file_free(&f->base);
	return rc;
}
