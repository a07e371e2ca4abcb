/* tests/unit/server/test_request.c - request body parsers (fleetward/request.h): a table of
 * bodies per parser with the expected code and field (every row is walked), signed device
 * requests with real Ed25519 keys (proof of possession, clock window), the parsed values of
 * valid bodies, and allocation failures injected into every parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/request.h"
#include "flw_test.h"
#include "test_request.h"

#define NOW                  1700000000
#define PARSE(fn, out, body) fn(out, body, strlen(body), NULL)

enum kind {
	K_ENROLL,
	K_AUTH,
	K_CHECKIN,
	K_REPORTS,
	K_GROUP,
	K_MEMBERS,
	K_ETOKEN,
	K_TOKEN,
	K_DEPLOY,
	K_PATCH
};

/* Parse body with the parser of kind k and release what it returned. */
static int parse(enum kind k, const char *body, struct flw_diag *diag)
{
	size_t len = strlen(body);
	struct flw_req_enroll en;
	struct flw_req_signed sg;
	struct flw_req_checkin ck;
	struct flw_req_reports rs;
	struct flw_req_group g;
	struct flw_req_members m;
	struct flw_req_enroll_token et;
	struct flw_req_api_token at;
	struct flw_req_deployment dp;
	struct flw_inventory_patch ip;
	int rc = FLW_EINVAL;

	flw_diag_clear(diag);
	switch (k) {
	case K_ENROLL:
		rc = flw_req_parse_enroll(&en, body, len, diag);
		flw_req_enroll_clear(&en);
		break;
	case K_AUTH:
		rc = flw_req_parse_auth(&sg, body, len, diag);
		flw_req_signed_clear(&sg);
		break;
	case K_CHECKIN:
		rc = flw_req_parse_checkin(&ck, body, len, diag);
		flw_req_checkin_clear(&ck);
		break;
	case K_REPORTS:
		rc = flw_req_parse_reports(&rs, body, len, NOW, diag);
		flw_req_reports_clear(&rs);
		break;
	case K_GROUP:
		rc = flw_req_parse_group(&g, body, len, diag);
		break;
	case K_MEMBERS:
		rc = flw_req_parse_members(&m, body, len, diag);
		flw_req_members_clear(&m);
		break;
	case K_ETOKEN:
		rc = flw_req_parse_enroll_token(&et, body, len, diag);
		break;
	case K_TOKEN:
		rc = flw_req_parse_api_token(&at, body, len, diag);
		break;
	case K_DEPLOY:
		rc = flw_req_parse_deployment(&dp, body, len, diag);
		flw_req_deployment_clear(&dp);
		break;
	case K_PATCH:
		rc = flw_req_parse_device_patch(&ip, body, len, diag);
		break;
	}
	return rc;
}

#define SIG0                                                                                      \
	"\"signature\":\"00000000000000000000000000000000000000000000000000000000000000000000000" \
	"000000000000000000000000000000000000000000000000000000000\""
#define PK0 "\"public_key\":\"0000000000000000000000000000000000000000000000000000000000000000\""

static const struct row {
	enum kind k;
	const char *body;
	int rc;
	const char *path; /* expected diag.path ("" = none checked) */
} rows[] = {
	/* bodies in general */
	{ K_GROUP, "", FLW_EFORMAT, "" },
	{ K_GROUP, "[]", FLW_EFORMAT, "" },
	{ K_GROUP, "{", FLW_EFORMAT, "" },
	{ K_GROUP, "{\"name\":\"g\"} x", FLW_EFORMAT, "" },
	{ K_GROUP, "{\"name\":\"g\",\"name\":\"h\"}", FLW_EFORMAT, "" },
	{ K_GROUP, "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]", FLW_ELIMIT, "" },
	/* groups */
	{ K_GROUP, "{\"name\":\"lab-1\"}", 0, "" },
	{ K_GROUP, "{}", FLW_EFORMAT, "name" },
	{ K_GROUP, "{\"name\":5}", FLW_EFORMAT, "name" },
	{ K_GROUP, "{\"name\":\"../x\"}", FLW_EFORMAT, "name" },
	{ K_GROUP, "{\"name\":\"g\",\"admin\":1}", FLW_EFORMAT, "admin" },
	{ K_GROUP,
	  "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	  FLW_EFORMAT, "name" },
	{ K_MEMBERS, "{}", 0, "" },
	{ K_MEMBERS, "{\"add\":[\"a\",\"b\"],\"remove\":[\"c\"]}", 0, "" },
	{ K_MEMBERS, "{\"add\":\"cam\"}", FLW_EFORMAT, "add" },
	{ K_MEMBERS, "{\"add\":[1]}", FLW_EFORMAT, "add" },
	{ K_MEMBERS, "{\"remove\":[\"a b\"]}", FLW_EFORMAT, "remove" },
	/* enrollment tokens */
	{ K_ETOKEN, "{\"name\":\"e\"}", 0, "" },
	{ K_ETOKEN, "{\"name\":\"e\",\"uses\":-1,\"expires_in\":60,\"group\":\"lab\"}", 0, "" },
	{ K_ETOKEN, "{\"name\":\"e\",\"uses\":\"many\"}", FLW_EFORMAT, "uses" },
	{ K_ETOKEN, "{\"name\":\"e\",\"uses\":0}", FLW_EFORMAT, "uses" },
	{ K_ETOKEN, "{\"name\":\"e\",\"uses\":-2}", FLW_EFORMAT, "uses" },
	{ K_ETOKEN, "{\"name\":\"e\",\"uses\":1000000001}", FLW_EFORMAT, "uses" },
	{ K_ETOKEN, "{\"name\":\"e\",\"expires_in\":-5}", FLW_EFORMAT, "expires_in" },
	{ K_ETOKEN, "{\"name\":\"e\",\"expires_in\":316224001}", FLW_EFORMAT, "expires_in" },
	{ K_ETOKEN, "{\"name\":\"e\",\"group\":\".x\"}", FLW_EFORMAT, "group" },
	{ K_ETOKEN, "{\"uses\":1}", FLW_EFORMAT, "name" },
	/* API tokens */
	{ K_TOKEN, "{\"name\":\"t\",\"role\":\"viewer\"}", 0, "" },
	{ K_TOKEN, "{\"name\":\"t\",\"role\":\"admin\",\"expires_in\":3600}", 0, "" },
	{ K_TOKEN, "{\"name\":\"t\",\"role\":7}", FLW_EFORMAT, "role" },
	{ K_TOKEN, "{\"name\":\"t\",\"role\":\"root\"}", FLW_EFORMAT, "role" },
	{ K_TOKEN, "{\"name\":\"t\",\"role\":\"operatoroperatoroperator\"}", FLW_ELIMIT, "role" },
	{ K_TOKEN, "{\"role\":\"viewer\"}", FLW_EFORMAT, "name" },
	{ K_TOKEN, "{\"name\":\"t\"}", FLW_EFORMAT, "role" },
	/* deployments */
	{ K_DEPLOY, "{\"release\":\"fw/a.img\",\"devices\":[\"cam-01\"]}", 0, "" },
	{ K_DEPLOY, "{\"release\":\"fw/a.img\",\"group\":\"lab\"}", 0, "" },
	{ K_DEPLOY, "{\"release\":\"fw/a.img\"}", FLW_EFORMAT, "devices" },
	{ K_DEPLOY, "{\"release\":\"fw/a.img\",\"devices\":[]}", FLW_EFORMAT, "devices" },
	{ K_DEPLOY, "{\"release\":7,\"group\":\"g\"}", FLW_EFORMAT, "release" },
	{ K_DEPLOY, "{\"group\":\"g\"}", FLW_EFORMAT, "release" },
	{ K_DEPLOY, "{\"release\":\"r\",\"devices\":[\"a b\"]}", FLW_EFORMAT, "devices" },
	/* check-in */
	{ K_CHECKIN, "", 0, "" },
	{ K_CHECKIN, "{}", 0, "" },
	{ K_CHECKIN, "{\"installed\":\"x\"}", FLW_EFORMAT, "installed" },
	{ K_CHECKIN, "{\"installed\":{\"target\":1}}", FLW_EFORMAT, "target" },
	{ K_CHECKIN, "{\"installed\":{\"hash\":\"x\"}}", FLW_EFORMAT, "installed" },
	{ K_CHECKIN, "{\"slot\":{\"trial\":\"yes\"}}", FLW_EFORMAT, "trial" },
	{ K_CHECKIN, "{\"slot\":{\"active\":\"C\"}}", FLW_EFORMAT, "slot.active" },
	{ K_CHECKIN, "{\"slot\":{\"active\":\"AB\"}}", FLW_ELIMIT, "active" },
	{ K_CHECKIN, "{\"firmware\":\"x\"}", FLW_EFORMAT, "firmware" },
	{ K_CHECKIN, "{\"health\":[]}", FLW_EFORMAT, "health" },
	{ K_CHECKIN, "{\"attributes\":{\"os\":5}}", FLW_EFORMAT, "attributes" },
	{ K_CHECKIN, "{\"attributes\":{\"a b\":\"x\"}}", FLW_EFORMAT, "attributes" },
	{ K_CHECKIN, "{\"attributes\":[]}", FLW_EFORMAT, "attributes" },
	{ K_CHECKIN, "{\"components\":[]}", 0, "" },
	{ K_CHECKIN,
	  "{\"components\":[{\"name\":\"busybox\",\"version\":\"1.36.1\",\"purl\":"
	  "\"pkg:generic/"
	  "busybox@1.36.1\",\"cpe\":\"cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*\"}"
	  "]}",
	  0, "" },
	{ K_CHECKIN, "{\"components\":{}}", FLW_EFORMAT, "components" },
	{ K_CHECKIN, "{\"components\":[5]}", FLW_EFORMAT, "components[0]" },
	{ K_CHECKIN, "{\"components\":[{\"version\":\"1\"}]}", FLW_EFORMAT, "components[0]" },
	{ K_CHECKIN, "{\"components\":[{\"name\":\"a\"}]}", FLW_EFORMAT, "components[0]" },
	{ K_CHECKIN, "{\"components\":[{\"name\":\"a\",\"version\":1}]}", FLW_EFORMAT,
	  "components[0]" },
	{ K_CHECKIN, "{\"components\":[{\"name\":\"a\",\"version\":\"1\",\"hash\":\"x\"}]}",
	  FLW_EFORMAT, "components[0]" },
	{ K_CHECKIN,
	  "{\"components\":[{\"name\":\"a\",\"version\":\"1\"},{\"name\":\"b\",\"version\":"
	  "\"2\",\"cpe\":\"cpe:/a:b:b:2\"}]}",
	  FLW_EFORMAT, "components[1]" },
	{ K_CHECKIN, "{\"components\":[{\"name\":\"a\",\"version\":\"1\",\"purl\":\"npm/a\"}]}",
	  FLW_EFORMAT, "components[0]" },
	{ K_CHECKIN, "{\"components\":[{\"name\":\"\",\"version\":\"1\"}]}", FLW_EFORMAT,
	  "components[0]" },
	/* device inventory (PATCH /api/v1/devices/{id}) */
	{ K_PATCH, "{\"class\":\"safety-critical\"}", 0, "" },
	{ K_PATCH, "{\"class\":\"lab-3\",\"internet_exposed\":true,\"segment\":\"VLAN 12\"}", 0,
	  "" },
	{ K_PATCH,
	  "{\"class\":null,\"internet_exposed\":null,\"segment\":null,\"owner\":null,\"site\":"
	  "null,\"support_end\":null}",
	  0, "" },
	{ K_PATCH, "{\"owner\":\"Ops Team\",\"site\":\"Zürich-2\",\"support_end\":\"2028-02-29\"}",
	  0, "" },
	{ K_PATCH, "{}", FLW_EFORMAT, "" },
	{ K_PATCH, "{\"hostname\":\"x\"}", FLW_EFORMAT, "hostname" },
	{ K_PATCH, "{\"class\":\"Safety\"}", FLW_EFORMAT, "class" },
	{ K_PATCH, "{\"class\":\"-x\"}", FLW_EFORMAT, "class" },
	{ K_PATCH, "{\"class\":\"a_b\"}", FLW_EFORMAT, "class" },
	{ K_PATCH, "{\"class\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", FLW_ELIMIT, "class" },
	{ K_PATCH, "{\"class\":5}", FLW_EFORMAT, "class" },
	{ K_PATCH, "{\"class\":\"\"}", FLW_EFORMAT, "class" },
	{ K_PATCH, "{\"internet_exposed\":\"yes\"}", FLW_EFORMAT, "internet_exposed" },
	{ K_PATCH, "{\"internet_exposed\":1}", FLW_EFORMAT, "internet_exposed" },
	{ K_PATCH, "{\"segment\":\"a\\nb\"}", FLW_EFORMAT, "segment" },
	{ K_PATCH, "{\"owner\":\" x\"}", FLW_EFORMAT, "owner" },
	{ K_PATCH, "{\"site\":[]}", FLW_EFORMAT, "site" },
	{ K_PATCH, "{\"support_end\":\"2027-02-29\"}", FLW_EFORMAT, "support_end" },
	{ K_PATCH, "{\"support_end\":\"2027-13-01\"}", FLW_EFORMAT, "support_end" },
	{ K_PATCH, "{\"support_end\":\"2027-1-01\"}", FLW_EFORMAT, "support_end" },
	{ K_PATCH, "{\"support_end\":\"2027-01-01T00:00:00Z\"}", FLW_ELIMIT, "support_end" },
	{ K_PATCH, "{\"support_end\":\"1969-12-31\"}", FLW_EFORMAT, "support_end" },
	{ K_PATCH, "{\"owner\":\"ok\",\"support_end\":\"2027-04-31\"}", FLW_EFORMAT,
	  "support_end" },
	/* reports */
	{ K_REPORTS, "{\"reports\":[]}", 0, "" },
	{ K_REPORTS, "{\"reports\":[{\"seq\":1,\"state\":\"success\"}]}", 0, "" },
	{ K_REPORTS, "{}", FLW_EFORMAT, "reports" },
	{ K_REPORTS, "{\"reports\":{}}", FLW_EFORMAT, "reports" },
	{ K_REPORTS, "{\"reports\":[5]}", FLW_EFORMAT, "reports" },
	{ K_REPORTS, "{\"reports\":[{\"seq\":-1,\"state\":\"success\"}]}", FLW_EFORMAT, "seq" },
	{ K_REPORTS, "{\"reports\":[{\"seq\":1.5,\"state\":\"success\"}]}", FLW_EFORMAT, "" },
	{ K_REPORTS, "{\"reports\":[{\"deployment\":1,\"state\":\"success\"}]}", FLW_EFORMAT,
	  "seq" },
	{ K_REPORTS, "{\"reports\":[{\"seq\":1,\"state\":\"exploded\"}]}", FLW_EFORMAT,
	  "reports[].state" },
	{ K_REPORTS, "{\"reports\":[{\"seq\":1,\"state\":\"canceled\"}]}", FLW_EFORMAT,
	  "reports[].state" },
	{ K_REPORTS, "{\"reports\":[{\"seq\":1,\"state\":\"pending\"}]}", FLW_EFORMAT,
	  "reports[].state" },
	{ K_REPORTS,
	  "{\"reports\":[{\"seq\":2,\"state\":\"downloading\"},{\"seq\":2,\"state\":\"downloaded\"}"
	  "]}",
	  FLW_EFORMAT, "reports[].seq" },
	{ K_REPORTS, "{\"reports\":[{\"seq\":1,\"state\":\"success\",\"by\":\"me\"}]}", FLW_EFORMAT,
	  "reports[]" },
	/* signed device requests: shapes only (signatures are checked by verify) */
	{ K_AUTH, "{\"signed\":{\"device_id\":\"d\",\"time\":1}," SIG0 "}", 0, "" },
	{ K_AUTH, "{\"signed\":[]," SIG0 "}", FLW_EFORMAT, "signed" },
	{ K_AUTH, "{\"signed\":{\"device_id\":\"d\",\"time\":1},\"signature\":\"zz\"}", FLW_EFORMAT,
	  "signature" },
	{ K_AUTH, "{\"signed\":{\"time\":1}," SIG0 "}", FLW_EFORMAT, "device_id" },
	{ K_AUTH, "{\"signed\":{\"device_id\":\"d\"}," SIG0 "}", FLW_EFORMAT, "time" },
	{ K_AUTH, "{\"signed\":{\"device_id\":\"d\",\"time\":-1}," SIG0 "}", FLW_EFORMAT, "time" },
	{ K_AUTH, "{\"signed\":{\"device_id\":\"d\",\"time\":1,\"admin\":true}," SIG0 "}",
	  FLW_EFORMAT, "signed" },
	{ K_AUTH, "{\"signed\":{\"device_id\":\"d\",\"time\":1}," SIG0 ",\"x\":1}", FLW_EFORMAT,
	  "x" },
	{ K_ENROLL,
	  "{\"signed\":{\"device_id\":\"d\",\"hardware_id\":\"hw\"," PK0
	  ",\"enrollment_token\":\"fle_x\",\"time\":1}," SIG0 "}",
	  0, "" },
	{ K_ENROLL,
	  "{\"signed\":{\"device_id\":\"../etc\",\"hardware_id\":\"hw\"," PK0
	  ",\"enrollment_token\":\"fle_x\",\"time\":1}," SIG0 "}",
	  FLW_EFORMAT, "signed.device_id" },
	{ K_ENROLL,
	  "{\"signed\":{\"device_id\":\"d\",\"hardware_id\":\"hw\",\"public_key\":\"zz\","
	  "\"enrollment_token\":\"fle_x\",\"time\":1}," SIG0 "}",
	  FLW_EFORMAT, "signed.public_key" },
	{ K_ENROLL,
	  "{\"signed\":{\"device_id\":\"d\",\"hardware_id\":\"a/b\"," PK0
	  ",\"enrollment_token\":\"fle_x\",\"time\":1}," SIG0 "}",
	  FLW_EFORMAT, "signed.hardware_id" },
	{ K_ENROLL,
	  "{\"signed\":{\"device_id\":\"d\",\"hardware_id\":\"hw\"," PK0 ",\"time\":1}," SIG0 "}",
	  FLW_EFORMAT, "enrollment_token" },
};

static void test_every_row(void **state)
{
	struct flw_diag diag;
	size_t i;

	(void)state;
	for (i = 0; i < FLW_ARRAY_SIZE(rows); i++) {
		int rc = parse(rows[i].k, rows[i].body, &diag);

		if (rc != rows[i].rc || (rows[i].path[0] && !strstr(diag.path, rows[i].path)))
			fail_msg("row %zu (%.60s): rc %d path '%s' msg '%s', wanted %d '%s'", i,
			         rows[i].body, rc, diag.path, diag.msg, rows[i].rc, rows[i].path);
		if (rc != 0)
			assert_true(diag.msg[0] != '\0'); /* every refusal says why */
	}
}

static void test_limits(void **state)
{
	struct flw_buf b;
	struct flw_diag diag;
	int i;

	(void)state;
	/* 65 reports */
	flw_buf_init(&b, 4 * FLW_DEVICE_BODY_MAX);
	assert_int_equal(flw_buf_puts(&b, "{\"reports\":["), 0);
	for (i = 1; i <= FLW_REPORTS_MAX + 1; i++)
		assert_int_equal(flw_buf_printf(&b, "%s{\"seq\":%d,\"state\":\"downloading\"}",
		                                i > 1 ? "," : "", i),
		                 0);
	assert_int_equal(flw_buf_puts(&b, "]}"), 0);
	assert_int_equal(parse(K_REPORTS, flw_buf_cstr(&b), &diag), FLW_ELIMIT);
	flw_buf_reset(&b);
	/* 101 attributes */
	assert_int_equal(flw_buf_puts(&b, "{\"attributes\":{"), 0);
	for (i = 0; i <= FLW_ATTRS_MAX; i++)
		assert_int_equal(flw_buf_printf(&b, "%s\"a%d\":\"x\"", i ? "," : "", i), 0);
	assert_int_equal(flw_buf_puts(&b, "}}"), 0);
	assert_int_equal(parse(K_CHECKIN, flw_buf_cstr(&b), &diag), FLW_ELIMIT);
	assert_string_equal(diag.path, "attributes");
	flw_buf_reset(&b);
	/* a device body over 64 KiB, a management body within 1 MiB */
	assert_int_equal(flw_buf_printf(&b, "{\"health\":\"%*s\"}", (int)FLW_DEVICE_BODY_MAX, "x"),
	                 0);
	assert_int_equal(parse(K_CHECKIN, flw_buf_cstr(&b), &diag), FLW_ELIMIT);
	flw_buf_reset(&b);
	assert_int_equal(
	        flw_buf_printf(&b, "{\"name\":\"g\",\"x\":\"%*s\"}", (int)FLW_DEVICE_BODY_MAX, "x"),
	        0);
	assert_int_equal(parse(K_GROUP, flw_buf_cstr(&b), &diag), FLW_EFORMAT);
	assert_string_equal(diag.path, "x"); /* size was fine, the key was not */
	flw_buf_free(&b);
}

/* the parsed values of a check-in's components and of an inventory patch */
static void test_inventory_values(void **state)
{
	struct flw_req_checkin ck;
	struct flw_inventory_patch p;
	struct flw_buf b;
	struct flw_diag diag;
	const char *comps = "{\"components\":[{\"name\":\"dnsmasq\",\"version\":\"2.89\",\"cpe\":"
	                    "\"cpe:2.3:a:thekelleys:dnsmasq:2.89:*:*:*:*:*:*:*\"},{\"name\":"
	                    "\"app\",\"version\":"
	                    "\"1.0\",\"purl\":\"pkg:generic/app@1.0\"}]}";
	int i;

	(void)state;
	assert_int_equal(flw_req_parse_checkin(&ck, comps, strlen(comps), NULL), 0);
	assert_int_equal(ck.c.has_components, 1);
	assert_int_equal(ck.c.n_components, 2);
	assert_string_equal(ck.c.components[0].name, "dnsmasq");
	assert_string_equal(ck.c.components[0].version, "2.89");
	assert_string_equal(ck.c.components[0].vendor, "thekelleys"); /* from the CPE */
	assert_null(ck.c.components[0].purl);
	assert_string_equal(ck.c.components[1].purl, "pkg:generic/app@1.0");
	assert_null(ck.c.components[1].cpe);
	assert_null(ck.c.components[1].vendor); /* no CPE: no vendor, never guessed */
	flw_req_checkin_clear(&ck);
	/* absent: the stored list is left alone; [] empties it */
	assert_int_equal(PARSE(flw_req_parse_checkin, &ck, "{\"health\":\"ok\"}"), 0);
	assert_int_equal(ck.c.has_components, 0);
	flw_req_checkin_clear(&ck);
	assert_int_equal(PARSE(flw_req_parse_checkin, &ck, "{\"components\":[]}"), 0);
	assert_int_equal(ck.c.has_components, 1);
	assert_int_equal(ck.c.n_components, 0);
	flw_req_checkin_clear(&ck);
	/* 513 components */
	flw_buf_init(&b, 4 * FLW_DEVICE_BODY_MAX);
	assert_int_equal(flw_buf_puts(&b, "{\"components\":["), 0);
	for (i = 0; i <= FLW_DEVICE_COMPONENTS_MAX; i++)
		assert_int_equal(
		        flw_buf_printf(&b, "%s{\"name\":\"c\",\"version\":\"1\"}", i ? "," : ""),
		        0);
	assert_int_equal(flw_buf_puts(&b, "]}"), 0);
	assert_int_equal(flw_req_parse_checkin(&ck, b.data, b.len, &diag), FLW_ELIMIT);
	assert_string_equal(diag.path, "components");
	flw_buf_free(&b);

	assert_int_equal(PARSE(flw_req_parse_device_patch, &p,
	                       "{\"class\":\"non-critical\",\"internet_exposed\":false,"
	                       "\"site\":null}"),
	                 0);
	assert_int_equal(p.fields, FLW_INV_F_CLASS | FLW_INV_F_EXPOSED | FLW_INV_F_SITE);
	assert_string_equal(p.v.class_name, "non-critical");
	assert_int_equal(p.v.internet_exposed, FLW_EXPOSED_NO);
	assert_string_equal(p.v.site, ""); /* null: cleared */
	assert_int_equal(PARSE(flw_req_parse_device_patch, &p,
	                       "{\"internet_exposed\":true,\"support_end\":\"2030-12-31\","
	                       "\"segment\":\"vlan-40\",\"owner\":\"noc\"}"),
	                 0);
	assert_int_equal(p.fields, FLW_INV_F_EXPOSED | FLW_INV_F_SUPPORT_END | FLW_INV_F_SEGMENT |
	                                   FLW_INV_F_OWNER);
	assert_int_equal(p.v.internet_exposed, FLW_EXPOSED_YES);
	assert_string_equal(p.v.support_end, "2030-12-31");
	assert_string_equal(p.v.segment, "vlan-40");
	assert_string_equal(p.v.owner, "noc");
	/* a refused patch leaves nothing behind */
	assert_int_equal(PARSE(flw_req_parse_device_patch, &p, "{\"owner\":\"x\",\"class\":\"A\"}"),
	                 FLW_EFORMAT);
	assert_int_equal(p.fields, 0);
	assert_string_equal(p.v.owner, "");
}

static void test_values(void **state)
{
	struct flw_req_checkin ck;
	struct flw_req_reports rs;
	struct flw_req_members m;
	struct flw_req_enroll_token et;
	struct flw_req_api_token at;
	struct flw_req_deployment dp;
	const char *inv = "{\"installed\":{\"target\":\"fw/a.img\",\"version\":\"1.0\"},\"slot\":"
	                  "{\"active\":\"B\",\"trial\":true},\"health\":\"ok\",\"attributes\":"
	                  "{\"os\":\"FleetOS\"}}";
	const char *reps =
	        "{\"reports\":[{\"seq\":4,\"deployment\":7,\"state\":\"installed\","
	        "\"detail\":\"ok\",\"time\":1699999999},{\"seq\":9,\"state\":\"booted\"}]}";

	(void)state;
	assert_int_equal(flw_req_parse_checkin(&ck, inv, strlen(inv), NULL), 0);
	assert_string_equal(ck.c.installed, "fw/a.img");
	assert_string_equal(ck.c.installed_version, "1.0");
	assert_int_equal(ck.c.slot_active, 'B');
	assert_int_equal(ck.c.trial, 1);
	assert_string_equal(ck.c.health, "ok");
	assert_string_equal(json_string_value(json_object_get(ck.c.attrs, "os")), "FleetOS");
	flw_req_checkin_clear(&ck);
	flw_req_checkin_clear(&ck); /* idempotent */
	assert_null(ck.doc);

	assert_int_equal(flw_req_parse_reports(&rs, reps, strlen(reps), NOW, NULL), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.items[0].seq, 4);
	assert_int_equal(rs.items[0].deployment_id, 7);
	assert_int_equal(rs.items[0].state, FLW_ST_INSTALLED);
	assert_string_equal(rs.items[0].detail, "ok");
	assert_int_equal(rs.items[0].at, 1699999999);
	assert_int_equal(rs.items[1].deployment_id, 0);
	assert_string_equal(rs.items[1].detail, "");
	assert_int_equal(rs.items[1].at, NOW); /* no time: the server's */
	flw_req_reports_clear(&rs);

	assert_int_equal(PARSE(flw_req_parse_members, &m, "{\"remove\":[\"x\",\"y\"]}"), 0);
	assert_int_equal(m.n_add, 0);
	assert_int_equal(m.n_remove, 2);
	assert_string_equal(m.remove[1], "y");
	flw_req_members_clear(&m);

	assert_int_equal(PARSE(flw_req_parse_enroll_token, &et, "{\"name\":\"e\"}"), 0);
	assert_int_equal(et.uses, 1); /* default: single use, no expiry, no group */
	assert_int_equal(et.expires_in, 0);
	assert_string_equal(et.group, "");

	assert_int_equal(
	        PARSE(flw_req_parse_api_token, &at, "{\"name\":\"t\",\"role\":\"operator\"}"), 0);
	assert_int_equal(at.role, FLW_ROLE_OPERATOR);

	assert_int_equal(flw_req_parse_deployment(
	                         &dp, "{\"release\":\"r\",\"devices\":[\"a\",\"b\"]}", 35, NULL),
	                 0);
	assert_string_equal(dp.release, "r");
	assert_int_equal(dp.n_devices, 2);
	assert_string_equal(dp.devices[0], "a");
	assert_string_equal(dp.group, "");
	flw_req_deployment_clear(&dp);
}

/* {"signed": signed_json, "signature": hex of sk's signature over its canonical form} */
static char *signed_body(const char *signed_json, const unsigned char sk[FLW_ED25519_SK_BYTES])
{
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	char hex[2 * FLW_ED25519_SIG_BYTES + 1];
	struct flw_buf c;
	json_t *v = NULL;
	char *out;

	assert_int_equal(flw_json_parse(&v, signed_json, strlen(signed_json), NULL, NULL), 0);
	flw_buf_init(&c, FLW_DEVICE_BODY_MAX);
	assert_int_equal(flw_json_canonical(&c, v, NULL), 0);
	assert_int_equal(flw_ed25519_sign(sig, c.data, c.len, sk), 0);
	flw_hex_encode(hex, sig, sizeof(sig));
	out = flw_asprintf("{\"signed\":%s,\"signature\":\"%s\"}", signed_json, hex);
	assert_non_null(out);
	flw_buf_free(&c);
	json_decref(v);
	return out;
}

static void test_enroll_signed(void **state)
{
	unsigned char pk[FLW_ED25519_PK_BYTES];
	unsigned char sk[FLW_ED25519_SK_BYTES];
	unsigned char other_pk[FLW_ED25519_PK_BYTES];
	unsigned char other_sk[FLW_ED25519_SK_BYTES];
	unsigned char th[FLW_SHA256_BYTES];
	char pkhex[2 * FLW_ED25519_PK_BYTES + 1];
	struct flw_req_enroll e;
	struct flw_diag diag;
	char sg[512];
	char *body;

	(void)state;
	assert_int_equal(flw_ed25519_keypair(pk, sk), 0);
	assert_int_equal(flw_ed25519_keypair(other_pk, other_sk), 0);
	flw_hex_encode(pkhex, pk, sizeof(pk));
	snprintf(sg, sizeof(sg),
	         "{\"time\":%d,\"device_id\":\"cam-01\",\"hardware_id\":\"cam-v2\",\"public_key\":"
	         "\"%s\",\"enrollment_token\":\"fle_secret\"}",
	         NOW, pkhex);
	body = signed_body(sg, sk);
	assert_int_equal(flw_req_parse_enroll(&e, body, strlen(body), &diag), 0);
	assert_string_equal(e.sg.device_id, "cam-01");
	assert_string_equal(e.hardware_id, "cam-v2");
	assert_memory_equal(e.public_key, pk, sizeof(pk));
	assert_int_equal(flw_sha256("fle_secret", 10, th), 0);
	assert_memory_equal(e.token_hash, th, sizeof(th));
	assert_int_equal(e.sg.time, NOW);
	/* proof of possession; the clock window on both sides */
	assert_int_equal(flw_req_verify_signed(&e.sg, e.public_key, NOW, &diag), 0);
	assert_int_equal(
	        flw_req_verify_signed(&e.sg, e.public_key, NOW + FLW_REQ_CLOCK_SKEW, &diag), 0);
	assert_int_equal(
	        flw_req_verify_signed(&e.sg, e.public_key, NOW + FLW_REQ_CLOCK_SKEW + 1, &diag),
	        FLW_EAUTH);
	assert_string_equal(diag.path, "signed.time");
	assert_int_equal(
	        flw_req_verify_signed(&e.sg, e.public_key, NOW - FLW_REQ_CLOCK_SKEW - 1, &diag),
	        FLW_EAUTH);
	assert_int_equal(flw_req_verify_signed(&e.sg, other_pk, NOW, &diag), FLW_EAUTH);
	assert_string_equal(diag.path, "signature");
	e.sg.canon.data[e.sg.canon.len - 2] ^= 1; /* the signed bytes changed */
	assert_int_equal(flw_req_verify_signed(&e.sg, e.public_key, NOW, &diag), FLW_EAUTH);
	flw_req_enroll_clear(&e);
	flw_free(body);

	/* signed by another key than the one it names: parses, does not verify */
	body = signed_body(sg, other_sk);
	assert_int_equal(flw_req_parse_enroll(&e, body, strlen(body), &diag), 0);
	assert_int_equal(flw_req_verify_signed(&e.sg, e.public_key, NOW, &diag), FLW_EAUTH);
	flw_req_enroll_clear(&e);
	flw_free(body);
}

static void test_auth_signed(void **state)
{
	unsigned char pk[FLW_ED25519_PK_BYTES];
	unsigned char sk[FLW_ED25519_SK_BYTES];
	struct flw_req_signed s;
	char sg[128];
	char *body;
	char *swapped;

	(void)state;
	assert_int_equal(flw_ed25519_keypair(pk, sk), 0);
	snprintf(sg, sizeof(sg), "{\"device_id\":\"cam-01\",\"time\":%d}", NOW);
	body = signed_body(sg, sk);
	assert_int_equal(flw_req_parse_auth(&s, body, strlen(body), NULL), 0);
	assert_string_equal(s.device_id, "cam-01");
	assert_int_equal(flw_req_verify_signed(&s, pk, NOW + 10, NULL), 0);
	flw_req_signed_clear(&s);
	/* the same signature over another device id */
	swapped = flw_strdup(body);
	assert_non_null(swapped);
	memcpy(strstr(swapped, "cam-01"), "cam-02", 6);
	assert_int_equal(flw_req_parse_auth(&s, swapped, strlen(swapped), NULL), 0);
	assert_int_equal(flw_req_verify_signed(&s, pk, NOW, NULL), FLW_EAUTH);
	flw_req_signed_clear(&s);
	/* a zeroed struct never verifies */
	assert_int_equal(flw_req_verify_signed(&s, pk, NOW, NULL), FLW_EAUTH);
	flw_free(swapped);
	flw_free(body);
}

/* every parser under allocation failure: 0 or FLW_ENOMEM, never a leak (asan) */
static int torture_all(void *payload)
{
	struct flw_diag diag;
	size_t i;
	int rc;

	(void)payload;
	for (i = 0; i < FLW_ARRAY_SIZE(rows); i++) {
		if (rows[i].rc != 0)
			continue;
		rc = parse(rows[i].k, rows[i].body, &diag);
		if (rc == FLW_EFORMAT && strstr(diag.msg, "invalid JSON"))
			rc = FLW_ENOMEM; /* jansson reports its own allocation failures as parse errors */
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void test_torture(void **state)
{
	(void)state;
	assert_true(flw_test_torture(torture_all, NULL, 10000) > 1);
}

int flw_test_request(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row),        cmocka_unit_test(test_limits),
		cmocka_unit_test(test_values),           cmocka_unit_test(test_enroll_signed),
		cmocka_unit_test(test_auth_signed),      cmocka_unit_test(test_torture),
		cmocka_unit_test(test_inventory_values),
	};

	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
