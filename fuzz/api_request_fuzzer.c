/* fuzz/api_request_fuzzer.c - bodies of the management API (groups, members, enrollment
 * tokens, API tokens, deployments) as an authenticated but untrusted client sends them. The
 * first byte selects the parser, the rest is the body. Whatever a parser accepts must hold its
 * documented invariants: every name and id valid, counts within limits, a deployment with a
 * target, a role that exists.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/error.h"
#include "fleetward/protocol.h"
#include "fleetward/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ids_ok(const char *const *ids, size_t n)
{
	size_t i;

	if (n > FLW_REQ_IDS_MAX || (n && !ids))
		abort();
	for (i = 0; i < n; i++) {
		if (!flw_id_ok(ids[i]))
			abort();
	}
}

static void group(const uint8_t *p, size_t n)
{
	struct flw_req_group g;

	if (flw_req_parse_group(&g, p, n, NULL) == 0 && !flw_id_ok(g.name))
		abort();
}

static void members(const uint8_t *p, size_t n)
{
	struct flw_req_members m;

	if (flw_req_parse_members(&m, p, n, NULL) == 0) {
		ids_ok(m.add, m.n_add);
		ids_ok(m.remove, m.n_remove);
	}
	flw_req_members_clear(&m);
}

static void enroll_token(const uint8_t *p, size_t n)
{
	struct flw_req_enroll_token t;

	if (flw_req_parse_enroll_token(&t, p, n, NULL) == 0 &&
	    (!flw_id_ok(t.name) || (t.group[0] && !flw_id_ok(t.group)) || t.uses == 0 ||
	     t.uses < FLW_REQ_USES_UNLIMITED || t.uses > FLW_REQ_USES_MAX || t.expires_in < 0 ||
	     t.expires_in > FLW_REQ_TTL_MAX))
		abort();
}

static void api_token(const uint8_t *p, size_t n)
{
	struct flw_req_api_token t;

	if (flw_req_parse_api_token(&t, p, n, NULL) == 0 &&
	    (!flw_id_ok(t.name) || !flw_role_to_string(t.role) || t.expires_in < 0 ||
	     t.expires_in > FLW_REQ_TTL_MAX))
		abort();
}

static void deployment(const uint8_t *p, size_t n)
{
	struct flw_req_deployment d;

	if (flw_req_parse_deployment(&d, p, n, NULL) == 0) {
		ids_ok(d.devices, d.n_devices);
		if ((d.n_devices == 0 && !d.group[0]) || (d.group[0] && !flw_id_ok(d.group)) ||
		    strlen(d.release) > FLW_TUF_TARGET_NAME_MAX)
			abort();
	}
	flw_req_deployment_clear(&d);
}

static void (*const parsers[])(const uint8_t *p, size_t n) = { group, members, enroll_token,
	                                                       api_token, deployment };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	parsers[data[0] % FLW_ARRAY_SIZE(parsers)](data + 1, size - 1);
	return 0;
}
