/* meta/tuf_time.c - TUF role names, per-role size caps and the strict expiry time format
 *
 * Times are "YYYY-MM-DDTHH:MM:SSZ" exactly (UTC, no fractions, no offsets), converted with
 * civil-date arithmetic so that the result does not depend on the process time zone.
 */
#include <string.h>
#include <time.h>

#include "fleetward/error.h"
#include "tuf_private.h"

static const struct {
	const char *name;
	size_t max_bytes;
} roles[_FLW_TUF_ROLE_MAX] = {
	[FLW_TUF_ROOT] = { "root", FLW_TUF_ROOT_MAX_BYTES },
	[FLW_TUF_TARGETS] = { "targets", FLW_TUF_TARGETS_MAX_BYTES },
	[FLW_TUF_SNAPSHOT] = { "snapshot", FLW_TUF_SNAPSHOT_MAX_BYTES },
	[FLW_TUF_TIMESTAMP] = { "timestamp", FLW_TUF_TIMESTAMP_MAX_BYTES },
};

const char *flw_tuf_role_to_string(int role)
{
	if (role < 0 || role >= _FLW_TUF_ROLE_MAX)
		return NULL;
	return roles[role].name;
}

int flw_tuf_role_from_string(const char *s)
{
	int i;

	if (!s)
		return _FLW_TUF_ROLE_INVALID;
	for (i = 0; i < _FLW_TUF_ROLE_MAX; i++)
		if (strcmp(roles[i].name, s) == 0)
			return i;
	return _FLW_TUF_ROLE_INVALID;
}

size_t flw_tuf__role_max(int role)
{
	if (role < 0 || role >= _FLW_TUF_ROLE_MAX)
		return 0;
	return roles[role].max_bytes;
}

int flw_tuf__required(int rc, struct flw_diag *diag)
{
	if (rc != FLW_ENOTFOUND)
		return rc;
	if (diag)
		diag->code = FLW_EFORMAT;
	return FLW_EFORMAT;
}

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe;
	unsigned doy;
	unsigned doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mdays[m - 1] + (m == 2 && leap);
}

static unsigned digits(const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

int flw_tuf_time_parse(const char *s, time_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	unsigned y, mo, d, h, mi, se;
	size_t i;

	if (!s || !out || strlen(s) != sizeof(shape) - 1)
		return FLW_EFORMAT;
	for (i = 0; i < sizeof(shape) - 1; i++) {
		int is_digit = s[i] >= '0' && s[i] <= '9';

		if (shape[i] == 'd' ? !is_digit : s[i] != shape[i])
			return FLW_EFORMAT;
	}
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return FLW_EFORMAT;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se);
	return 0;
}

void flw_tuf_time_format(time_t t, char out[21])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1000) {
		/* beyond the format: clamp (only reachable with absurd inputs) */
		memcpy(out, t < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z", 21);
		return;
	}
	if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		memcpy(out, "0000-01-01T00:00:00Z", 21);
}
