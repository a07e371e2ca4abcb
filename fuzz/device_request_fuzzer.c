/* fuzz/device_request_fuzzer.c - bodies of the device API (enroll, auth, check-in, reports) as
 * a device or anyone on the network sends them. The first byte selects the parser, the rest is
 * the body. Whatever a parser accepts must hold its documented invariants (identifiers valid,
 * reports ordered with device states, canonical bytes present for signed requests), and a
 * signed request never verifies with a key that did not sign it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/protocol.h"
#include "fleetward/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000

static void check_signed(const struct flw_req_signed *s)
{
	static const unsigned char zero_pk[FLW_ED25519_PK_BYTES];

	if (!flw_id_ok(s->device_id) || s->canon.len == 0 || s->time < 0)
		abort();
	if (flw_req_verify_signed(s, zero_pk, NOW, NULL) == 0)
		abort(); /* nobody holds the key of the all-zero public key */
}

static void enroll(const uint8_t *p, size_t n)
{
	struct flw_req_enroll e;

	if (flw_req_parse_enroll(&e, p, n, NULL) == 0) {
		check_signed(&e.sg);
		if (!flw_id_ok(e.hardware_id) || strlen(e.hardware_id) > FLW_TUF_HWID_MAX)
			abort();
		if (flw_req_verify_signed(&e.sg, e.public_key, NOW, NULL) == 0 &&
		    (e.sg.time < NOW - FLW_REQ_CLOCK_SKEW || e.sg.time > NOW + FLW_REQ_CLOCK_SKEW))
			abort(); /* verified outside the clock window */
	}
	flw_req_enroll_clear(&e);
}

static void auth(const uint8_t *p, size_t n)
{
	struct flw_req_signed s;

	if (flw_req_parse_auth(&s, p, n, NULL) == 0)
		check_signed(&s);
	flw_req_signed_clear(&s);
}

static void checkin(const uint8_t *p, size_t n)
{
	struct flw_req_checkin ck;

	if (flw_req_parse_checkin(&ck, p, n, NULL) == 0) {
		if (ck.c.slot_active != 0 && ck.c.slot_active != 'A' && ck.c.slot_active != 'B')
			abort();
		if (ck.c.attrs && json_object_size(ck.c.attrs) > FLW_ATTRS_MAX)
			abort();
		if (!ck.doc)
			abort();
	}
	flw_req_checkin_clear(&ck);
}

static void reports(const uint8_t *p, size_t n)
{
	struct flw_req_reports rs;
	size_t i;

	if (flw_req_parse_reports(&rs, p, n, NOW, NULL) == 0) {
		if (rs.n > FLW_REPORTS_MAX)
			abort();
		for (i = 0; i < rs.n; i++) {
			const struct flw_report *r = &rs.items[i];

			if (r->seq < 1 || (i > 0 && r->seq <= rs.items[i - 1].seq) ||
			    r->state <= FLW_ST_PENDING || r->state >= FLW_ST_CANCELED ||
			    strlen(r->detail) > FLW_REPORT_DETAIL_MAX)
				abort();
		}
	}
	flw_req_reports_clear(&rs);
}

static void (*const parsers[])(const uint8_t *p, size_t n) = { enroll, auth, checkin, reports };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		if (flw_crypto_init() != 0)
			abort();
		ready = 1;
	}
	if (size == 0)
		return 0;
	parsers[data[0] % FLW_ARRAY_SIZE(parsers)](data + 1, size - 1);
	return 0;
}
