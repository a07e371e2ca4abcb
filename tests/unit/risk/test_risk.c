/* tests/unit/risk/test_risk.c - decision table, score, reasons, deadlines, policy file,
 * finding lifecycle, MTTP and end-of-life recommendation (docs/RISK.md) */
#include "flw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/feed.h"
#include "fleetward/risk.h"

#define DAY ((int64_t)86400000)
/* 2023-05-01T00:00:00Z */
#define D20230501 ((int64_t)1682899200000)

static uint64_t lcg_state = 0x2545F4914F6CDD1Dull;

static uint32_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(lcg_state >> 33);
}

static const struct flw_risk_reason *find_reason(const struct flw_risk_result *r,
                                                 enum flw_risk_reason_code code, const char *sub)
{
	size_t i;

	for (i = 0; i < r->n_reasons; i++)
		if (r->reasons[i].code == code && (!sub || strstr(r->reasons[i].text, sub)))
			return &r->reasons[i];
	return NULL;
}

static void assert_reason(const struct flw_risk_result *r, enum flw_risk_reason_code code,
                          const char *sub)
{
	if (!find_reason(r, code, sub)) {
		size_t i;

		for (i = 0; i < r->n_reasons; i++)
			print_message("  %s: %s\n",
			              flw_risk_reason_code_to_string(r->reasons[i].code),
			              r->reasons[i].text);
		fail_msg("no reason %s containing '%s'", flw_risk_reason_code_to_string(code),
		         sub ? sub : "");
	}
}

/* ---- decision table ------------------------------------------------------------------- */

struct ssvc_row {
	enum flw_ssvc_exploitation e;
	int a;
	int t;
	enum flw_risk_decision d[3]; /* M&W low, medium, high */
};

/* VULNDATA 9.1, typed in again from the document */
static const struct ssvc_row ssvc_rows[] = {
	{ FLW_SSVC_EXPLOITATION_NONE, 0, 0, { FLW_RISK_TRACK, FLW_RISK_TRACK, FLW_RISK_TRACK } },
	{ FLW_SSVC_EXPLOITATION_NONE,
	  0,
	  1,
	  { FLW_RISK_TRACK, FLW_RISK_TRACK, FLW_RISK_TRACK_STAR } },
	{ FLW_SSVC_EXPLOITATION_NONE, 1, 0, { FLW_RISK_TRACK, FLW_RISK_TRACK, FLW_RISK_ATTEND } },
	{ FLW_SSVC_EXPLOITATION_NONE, 1, 1, { FLW_RISK_TRACK, FLW_RISK_TRACK, FLW_RISK_ATTEND } },
	{ FLW_SSVC_EXPLOITATION_POC,
	  0,
	  0,
	  { FLW_RISK_TRACK, FLW_RISK_TRACK, FLW_RISK_TRACK_STAR } },
	{ FLW_SSVC_EXPLOITATION_POC,
	  0,
	  1,
	  { FLW_RISK_TRACK, FLW_RISK_TRACK_STAR, FLW_RISK_ATTEND } },
	{ FLW_SSVC_EXPLOITATION_POC, 1, 0, { FLW_RISK_TRACK, FLW_RISK_TRACK, FLW_RISK_ATTEND } },
	{ FLW_SSVC_EXPLOITATION_POC,
	  1,
	  1,
	  { FLW_RISK_TRACK, FLW_RISK_TRACK_STAR, FLW_RISK_ATTEND } },
	{ FLW_SSVC_EXPLOITATION_ACTIVE, 0, 0, { FLW_RISK_TRACK, FLW_RISK_TRACK, FLW_RISK_ATTEND } },
	{ FLW_SSVC_EXPLOITATION_ACTIVE, 0, 1, { FLW_RISK_TRACK, FLW_RISK_ATTEND, FLW_RISK_ACT } },
	{ FLW_SSVC_EXPLOITATION_ACTIVE, 1, 0, { FLW_RISK_ATTEND, FLW_RISK_ATTEND, FLW_RISK_ACT } },
	{ FLW_SSVC_EXPLOITATION_ACTIVE, 1, 1, { FLW_RISK_ATTEND, FLW_RISK_ACT, FLW_RISK_ACT } },
};

/* classes with M&W low / medium / high */
static const char *const mw_class[] = { FLW_RISK_CLASS_NON_CRITICAL, FLW_RISK_CLASS_CONFIDENTIALITY,
	                                FLW_RISK_CLASS_SAFETY };

static void test_ssvc_every_row(void **state)
{
	struct flw_risk_policy p;
	size_t i;
	int mw;

	(void)state;
	flw_risk_policy_init(&p);
	for (i = 0; i < FLW_ARRAY_SIZE(ssvc_rows); i++) {
		const struct ssvc_row *row = &ssvc_rows[i];

		for (mw = 0; mw < 3; mw++) {
			struct flw_risk_input in;
			struct flw_risk_result r;
			char path[96];

			assert_int_equal(flw_risk_ssvc_decide(row->e, row->a, row->t,
			                                      (enum flw_risk_level)mw),
			                 row->d[mw]);
			/* the same leaf through the whole assessment, from published SSVC */
			memset(&in, 0, sizeof(in));
			in.ssvc.present = 1;
			in.ssvc.exploitation = row->e;
			in.ssvc.automatable = row->a;
			in.ssvc.technical_total = row->t;
			in.exposure = FLW_RISK_EXPOSURE_INTERNET;
			in.class_name = mw_class[mw];
			in.cvss_present = 1;
			in.cvss_score10 = 75;
			assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
			assert_int_equal(r.decision, row->d[mw]);
			snprintf(path, sizeof(path), "%s -> %s -> %s -> %s = %s",
			         row->e == FLW_SSVC_EXPLOITATION_NONE  ? "none"
			         : row->e == FLW_SSVC_EXPLOITATION_POC ? "poc"
			                                               : "active",
			         row->a ? "yes" : "no", row->t ? "total" : "partial",
			         flw_risk_level_to_string(mw),
			         flw_risk_decision_to_string(row->d[mw]));
			assert_reason(&r, FLW_RISK_R_DECISION, path);
		}
	}
	assert_int_equal(
	        flw_risk_ssvc_decide(FLW_SSVC_EXPLOITATION_NONE, 0, 0, _FLW_RISK_LEVEL_MAX),
	        _FLW_RISK_DECISION_INVALID);
}

/* ---- worked examples (VULNDATA 9.3) --------------------------------------------------- */

static void test_worked_archer(void **state)
{
	struct flw_risk_policy p;
	struct flw_risk_input in;
	struct flw_risk_result r;
	static const char pol[] = "class.business.mission = medium\n"
	                          "class.business.impact = medium\n";

	(void)state;
	flw_risk_policy_init(&p);
	assert_int_equal(flw_risk_policy_parse(&p, pol, strlen(pol), NULL), 0);
	memset(&in, 0, sizeof(in));
	in.kev = 1;
	in.kev_added_ms = D20230501;
	in.kev_due_ms = D20230501 + 21 * DAY; /* 2023-05-22 */
	in.cvss_present = 1;
	in.cvss_score10 = 88;
	in.cvss_vector = "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
	in.cvss_source = "nvd@nist.gov";
	in.exposure = FLW_RISK_EXPOSURE_INTERNET;
	in.class_name = "business";
	in.confidence = FLW_MATCH_CONF_RANGE;
	in.first_seen_ms = D20230501 + 9 * DAY;
	in.now_ms = D20230501 + 30 * DAY;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_int_equal(r.decision, FLW_RISK_ATTEND);
	assert_int_equal(r.exploitation, FLW_SSVC_EXPLOITATION_ACTIVE);
	assert_int_equal(r.automatable, 0);
	assert_int_equal(r.technical_total, 1);
	assert_int_equal(r.cvss_env10, 88);
	assert_true(r.cvss_env_computed);
	assert_int_equal(r.score, 62);
	assert_int_equal(r.deadline.due_ms, D20230501 + 21 * DAY);
	assert_true(r.deadline.kev_tightened);
	assert_true(r.deadline.overdue);
	assert_reason(&r, FLW_RISK_R_KEV, "listed by CISA on 2023-05-01, due 2023-05-22");
	assert_reason(&r, FLW_RISK_R_EXPOSURE, "internet-exposed");
	assert_reason(&r, FLW_RISK_R_CLASS, "business (mission & well-being medium");
	assert_reason(&r, FLW_RISK_R_DECISION, "active -> no -> total -> medium = attend");
	assert_reason(&r, FLW_RISK_R_DEADLINE, "2023-05-22: KEV due date");
	assert_reason(&r, FLW_RISK_R_DEADLINE, "overdue");
	assert_reason(&r, FLW_RISK_R_SCORE, "62 = ");
	assert_int_equal(flw_risk_deadline(&p, r.cls, r.decision, 0, 0, 0, &r.deadline), 0);
	assert_int_equal(r.deadline.due_ms, 0);
}

static void test_worked_tenda(void **state)
{
	struct flw_risk_policy p;
	struct flw_risk_input in;
	struct flw_risk_result r;

	(void)state;
	flw_risk_policy_init(&p);
	memset(&in, 0, sizeof(in));
	in.ssvc.present = 1;
	in.ssvc.exploitation = FLW_SSVC_EXPLOITATION_POC;
	in.ssvc.technical_total = 1;
	in.epss_present = 1;
	in.epss_e5 = 1020;
	in.percentile_e5 = 76543;
	in.cvss_present = 1;
	in.cvss_score10 = 88;
	in.cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";
	in.exposure = FLW_RISK_EXPOSURE_LAN;
	in.segment = "vlan-20";
	in.class_name = FLW_RISK_CLASS_NON_CRITICAL;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_int_equal(r.decision, FLW_RISK_TRACK);
	assert_int_equal(r.cvss_env10, 61);
	assert_int_equal(r.score, 1);
	assert_reason(&r, FLW_RISK_R_EPSS, "0.0102 (76th percentile)");
	assert_reason(&r, FLW_RISK_R_EXPOSURE, "lan, segment vlan-20");
	assert_reason(&r, FLW_RISK_R_EXPLOITATION, "poc (CISA SSVC)");
	assert_reason(&r, FLW_RISK_R_CLASS, "non-critical");
	assert_null(find_reason(&r, FLW_RISK_R_KEV, NULL));
	/* no first seen: no deadline */
	assert_int_equal(r.deadline.due_ms, 0);
}

/* ---- derivations and reasons ---------------------------------------------------------- */

static void test_derived_points(void **state)
{
	struct flw_risk_policy p;
	struct flw_risk_input in;
	struct flw_risk_result r;

	(void)state;
	flw_risk_policy_init(&p);
	memset(&in, 0, sizeof(in));
	in.cvss_present = 1;
	in.cvss_score10 = 98;
	in.cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
	in.epss_present = 1;
	in.epss_e5 = 97000;
	in.percentile_e5 = 99500;
	in.exposure = FLW_RISK_EXPOSURE_INTERNET;
	in.class_name = FLW_RISK_CLASS_SAFETY;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	/* EPSS >= 0.1 -> poc; AV:N/AC:L/PR:N/UI:N -> automatable; C/I/A high -> total */
	assert_int_equal(r.exploitation, FLW_SSVC_EXPLOITATION_POC);
	assert_int_equal(r.automatable, 1);
	assert_int_equal(r.technical_total, 1);
	assert_int_equal(r.decision, FLW_RISK_ATTEND);
	assert_reason(&r, FLW_RISK_R_EPSS, "0.97 (99th percentile)");
	assert_reason(&r, FLW_RISK_R_EXPLOITATION, "poc (derived: EPSS >= 0.1)");
	assert_reason(&r, FLW_RISK_R_AUTOMATABLE, "yes (derived from the CVSS vector)");
	assert_reason(&r, FLW_RISK_R_CLASS, "safety-critical");
	/* KEV overrides an older SSVC poc */
	in.ssvc.present = 1;
	in.ssvc.exploitation = FLW_SSVC_EXPLOITATION_POC;
	in.ssvc.automatable = 1;
	in.ssvc.technical_total = 1;
	in.kev = 1;
	in.kev_added_ms = D20230501;
	in.kev_ransomware = 1;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_int_equal(r.decision, FLW_RISK_ACT);
	assert_reason(&r, FLW_RISK_R_EXPLOITATION, "active (KEV overrides CISA SSVC 'poc')");
	assert_reason(&r, FLW_RISK_R_KEV, "due (none), known ransomware use");
	/* isolated forces Automatable no */
	in.exposure = FLW_RISK_EXPOSURE_ISOLATED;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_int_equal(r.automatable, 0);
	assert_reason(&r, FLW_RISK_R_AUTOMATABLE, "no (device is isolated)");
	/* no CVSS at all, unknown class and exposure: said so */
	memset(&in, 0, sizeof(in));
	in.class_name = "lab";
	in.exploit_reference = 1;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_int_equal(r.exploitation, FLW_SSVC_EXPLOITATION_POC);
	assert_int_equal(r.exposure, FLW_RISK_EXPOSURE_INTERNET);
	assert_int_equal(r.cvss_env10, 50);
	assert_string_equal(r.cls->name, FLW_RISK_CLASS_NON_CRITICAL);
	assert_reason(&r, FLW_RISK_R_CLASS, "'lab' is not a class of the policy");
	assert_reason(&r, FLW_RISK_R_EXPOSURE, "unknown, scored as internet");
	assert_reason(&r, FLW_RISK_R_CVSS, "none published");
	assert_reason(&r, FLW_RISK_R_AUTOMATABLE, "assumed");
	assert_reason(&r, FLW_RISK_R_EXPLOITATION, "tagged Exploit");
	/* v2 and v4 vectors derive the points too; v4 has no environmental score here */
	in.cvss_present = 1;
	in.cvss_score10 = 100;
	in.cvss_vector = "AV:N/AC:L/Au:N/C:C/I:C/A:C";
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_true(r.automatable && r.technical_total && !r.cvss_env_computed);
	assert_int_equal(r.cvss_env10, 100);
	in.cvss_vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_true(r.automatable && r.technical_total && !r.cvss_env_computed);
	assert_reason(&r, FLW_RISK_R_CVSS, "used unmodified");
	/* heuristic match halves, needs_review is said */
	in.confidence = FLW_MATCH_CONF_NEEDS_REVIEW;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_reason(&r, FLW_RISK_R_CONFIDENCE, "never closed automatically");
	/* bad input */
	in.epss_present = 1;
	in.epss_e5 = 100001;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), FLW_EINVAL);
	in.epss_e5 = 0;
	in.exposure = (enum flw_risk_exposure)9;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), FLW_EINVAL);
}

static void test_cvss_environmental(void **state)
{
	static const struct {
		const char *v;
		enum flw_risk_exposure x;
		enum flw_risk_level req;
		int rc;
		unsigned want;
	} cases[] = {
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, 0, 98 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_LAN,
		  FLW_RISK_MEDIUM, 0, 88 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_LAN,
		  FLW_RISK_HIGH, 0, 88 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_ISOLATED,
		  FLW_RISK_MEDIUM, 0, 84 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_LOW, 0, 80 }, /* 4.02 + 3.89 = 7.91 -> 8.0 */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_UNKNOWN,
		  FLW_RISK_MEDIUM, 0, 98 },
		/* exposure never raises: a physical bug stays physical */
		{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, 0, 68 },
		{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, 0, 88 },
		{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_LAN,
		  FLW_RISK_LOW, 0, 61 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, 0, 100 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, 0, 0 },
		/* temporal metrics: 9.8 x 0.94 x 0.95 x 0.96 = 8.40 -> 8.5 (roundup) */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:R",
		  FLW_RISK_EXPOSURE_INTERNET, FLW_RISK_MEDIUM, 0, 85 },
		{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, 0, 98 },
		{ "CVSS:3.1/AV:N/AC:L", FLW_RISK_EXPOSURE_INTERNET, FLW_RISK_MEDIUM, FLW_EFORMAT,
		  0 },
		{ "CVSS:3.1/AV:Z/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, FLW_EFORMAT, 0 },
		{ "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, FLW_EFORMAT, 0 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y", FLW_RISK_EXPOSURE_INTERNET,
		  FLW_RISK_MEDIUM, FLW_EFORMAT, 0 },
		{ "AV:N/AC:L/Au:N/C:C/I:C/A:C", FLW_RISK_EXPOSURE_INTERNET, FLW_RISK_MEDIUM,
		  FLW_EFORMAT, 0 },
		{ "", FLW_RISK_EXPOSURE_INTERNET, FLW_RISK_MEDIUM, FLW_EFORMAT, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < FLW_ARRAY_SIZE(cases); i++) {
		unsigned got = 999;
		int rc = flw_cvss3_environmental(cases[i].v, cases[i].x, cases[i].req, &got);

		if (rc != cases[i].rc || (rc == 0 && got != cases[i].want))
			fail_msg("case %zu %s: rc %d score %u, want rc %d score %u", i, cases[i].v,
			         rc, got, cases[i].rc, cases[i].want);
	}
}

/* ---- score properties ----------------------------------------------------------------- */

static const char *const vectors[] = {
	NULL,
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N",
	"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:N",
	"AV:N/AC:M/Au:N/C:P/I:P/A:P",
};

static void random_input(struct flw_risk_input *in)
{
	memset(in, 0, sizeof(*in));
	in->kev = (int)(lcg() % 2);
	in->epss_present = (int)(lcg() % 2);
	in->epss_e5 = lcg() % 100001u;
	in->percentile_e5 = lcg() % 100001u;
	in->ssvc.present = (int)(lcg() % 2);
	in->ssvc.exploitation = (enum flw_ssvc_exploitation)(lcg() % 3);
	in->ssvc.automatable = (int)(lcg() % 2);
	in->ssvc.technical_total = (int)(lcg() % 2);
	in->cvss_vector = vectors[lcg() % FLW_ARRAY_SIZE(vectors)];
	in->cvss_present = (int)(lcg() % 2);
	in->cvss_score10 = lcg() % 101u;
	in->exposure = (enum flw_risk_exposure)(lcg() % _FLW_RISK_EXPOSURE_MAX);
	in->class_name = mw_class[lcg() % 3];
	in->confidence = (enum flw_match_confidence)(lcg() % 5);
}

static unsigned score_of(const struct flw_risk_policy *p, const struct flw_risk_input *in,
                         enum flw_risk_decision *d)
{
	struct flw_risk_result r;

	assert_int_equal(flw_risk_assess(p, in, &r, NULL), 0);
	assert_true(r.score <= 100);
	assert_true(r.n_reasons > 0 && r.n_reasons <= FLW_RISK_MAX_REASONS);
	if (d)
		*d = r.decision;
	return r.score;
}

static void test_score_monotonic(void **state)
{
	struct flw_risk_policy p;
	unsigned i;

	(void)state;
	flw_risk_policy_init(&p);
	for (i = 0; i < 20000; i++) {
		struct flw_risk_input in;
		struct flw_risk_input m;
		enum flw_risk_decision d0;
		enum flw_risk_decision d1;
		unsigned s0;

		random_input(&in);
		s0 = score_of(&p, &in, &d0);
		/* adding KEV never lowers the score nor the decision */
		m = in;
		m.kev = 1;
		assert_true(score_of(&p, &m, &d1) >= s0);
		assert_true(d1 >= d0);
		/* higher EPSS never lowers */
		m = in;
		m.epss_present = 1;
		m.epss_e5 = in.epss_present ? in.epss_e5 + (100000u - in.epss_e5) / 2 : 100000u;
		assert_true(score_of(&p, &m, &d1) >= s0);
		assert_true(d1 >= d0);
		/* more exposure never lowers: isolated -> lan -> internet */
		if (in.exposure == FLW_RISK_EXPOSURE_ISOLATED ||
		    in.exposure == FLW_RISK_EXPOSURE_LAN) {
			m = in;
			m.exposure = in.exposure == FLW_RISK_EXPOSURE_ISOLATED
			                     ? FLW_RISK_EXPOSURE_LAN
			                     : FLW_RISK_EXPOSURE_INTERNET;
			assert_true(score_of(&p, &m, &d1) >= s0);
			assert_true(d1 >= d0);
		}
		/* a more critical class never lowers */
		if (strcmp(in.class_name, FLW_RISK_CLASS_SAFETY) != 0) {
			m = in;
			m.class_name = FLW_RISK_CLASS_SAFETY;
			assert_true(score_of(&p, &m, &d1) >= s0);
			assert_true(d1 >= d0);
		}
		/* a heuristic match never scores above an exact one */
		m = in;
		m.confidence = FLW_MATCH_CONF_HEURISTIC;
		in.confidence = FLW_MATCH_CONF_EXACT;
		assert_true(score_of(&p, &m, NULL) <= score_of(&p, &in, NULL));
	}
}

/* ---- deadlines ------------------------------------------------------------------------ */

static void test_deadlines(void **state)
{
	struct flw_risk_policy p;
	struct flw_risk_deadline d;
	const int64_t seen = D20230501;

	(void)state;
	flw_risk_policy_init(&p);
	/* defaults per class */
	assert_int_equal(flw_risk_deadline(&p, flw_risk_policy_class(&p, FLW_RISK_CLASS_SAFETY),
	                                   FLW_RISK_TRACK, seen, 0, 0, &d),
	                 0);
	assert_int_equal(d.days, 7);
	assert_int_equal(d.due_ms, seen + 7 * DAY);
	assert_false(d.kev_tightened);
	assert_false(d.overdue);
	assert_int_equal(flw_risk_deadline(&p,
	                                   flw_risk_policy_class(&p, FLW_RISK_CLASS_NON_CRITICAL),
	                                   FLW_RISK_ACT, seen, 0, seen + 30 * DAY + 1, &d),
	                 0);
	assert_int_equal(d.due_ms, seen + 30 * DAY);
	assert_true(d.overdue);
	assert_int_equal(
	        flw_risk_deadline(&p, flw_risk_policy_class(&p, FLW_RISK_CLASS_CONFIDENTIALITY),
	                          FLW_RISK_ACT, seen, 0, seen + 14 * DAY, &d),
	        0);
	assert_int_equal(d.days, 14);
	assert_false(d.overdue); /* exactly at the deadline is not overdue */
	/* KEV due date tightens, a later one does not */
	assert_int_equal(
	        flw_risk_deadline(&p, flw_risk_policy_class(&p, FLW_RISK_CLASS_NON_CRITICAL),
	                          FLW_RISK_ATTEND, seen, seen + 3 * DAY, seen + 4 * DAY, &d),
	        0);
	assert_int_equal(d.due_ms, seen + 3 * DAY);
	assert_true(d.kev_tightened && d.overdue);
	assert_int_equal(flw_risk_deadline(&p, flw_risk_policy_class(&p, FLW_RISK_CLASS_SAFETY),
	                                   FLW_RISK_ATTEND, seen, seen + 8 * DAY, 0, &d),
	                 0);
	assert_int_equal(d.due_ms, seen + 7 * DAY);
	assert_false(d.kev_tightened);
	/* a long-known KEV CVE is overdue at once */
	assert_int_equal(flw_risk_deadline(&p, flw_risk_policy_class(&p, FLW_RISK_CLASS_SAFETY),
	                                   FLW_RISK_ACT, seen, seen - 300 * DAY, seen, &d),
	                 0);
	assert_true(d.kev_tightened && d.overdue);
	/* decision cap */
	p.decision_days[FLW_RISK_ACT] = 3;
	assert_int_equal(flw_risk_deadline(&p,
	                                   flw_risk_policy_class(&p, FLW_RISK_CLASS_NON_CRITICAL),
	                                   FLW_RISK_ACT, seen, 0, 0, &d),
	                 0);
	assert_int_equal(d.days, 3);
	assert_int_equal(flw_risk_deadline(&p,
	                                   flw_risk_policy_class(&p, FLW_RISK_CLASS_NON_CRITICAL),
	                                   FLW_RISK_ATTEND, seen, 0, 0, &d),
	                 0);
	assert_int_equal(d.days, 30);
	assert_int_equal(flw_risk_deadline(&p, flw_risk_policy_class(&p, FLW_RISK_CLASS_SAFETY),
	                                   _FLW_RISK_DECISION_MAX, seen, 0, 0, &d),
	                 FLW_EINVAL);
}

/* ---- policy file ---------------------------------------------------------------------- */

static void test_policy_parse(void **state)
{
	struct flw_risk_policy p;
	struct flw_risk_policy before;
	struct flw_diag diag;
	const struct flw_risk_class *c;
	static const char good[] = "# fleet policy\n"
	                           "\n"
	                           "class.safety-critical.deadline_days = 5\r\n"
	                           "class.medical.mission = high\n"
	                           "class.medical.impact = medium\n"
	                           "  class.medical.deadline_days=10  \n"
	                           "default_class = medical\n"
	                           "decision.act.days = 2\n"
	                           "decision.track*.days = 60\n"
	                           "exposure.unknown = lan\n"
	                           "epss.poc_threshold = 0.05";
	static const struct {
		const char *text;
		int rc;
		unsigned line;
		const char *path;
	} bad[] = {
		{ "class.x.mission = high\nfoo = 1\n", FLW_EFORMAT, 2, "foo" },
		{ "class.x.mission = extreme\n", FLW_EFORMAT, 1, "class.x.mission" },
		{ "class.X.mission = high\n", FLW_EFORMAT, 1, "class.X.mission" },
		{ "class.x.colour = red\n", FLW_EFORMAT, 1, "class.x.colour" },
		{ "class.x.deadline_days = 0\n", FLW_EFORMAT, 1, "class.x.deadline_days" },
		{ "class.x.deadline_days = 3651\n", FLW_EFORMAT, 1, "class.x.deadline_days" },
		{ "class.x.deadline_days = -1\n", FLW_EFORMAT, 1, "class.x.deadline_days" },
		{ "#\nexposure.unknown = unknown\n", FLW_EFORMAT, 2, "exposure.unknown" },
		{ "decision.soon.days = 1\n", FLW_EFORMAT, 1, "decision.soon.days" },
		{ "epss.poc_threshold = 1.5\n", FLW_EFORMAT, 1, "epss.poc_threshold" },
		{ "epss.poc_threshold = 0.123456\n", FLW_EFORMAT, 1, "epss.poc_threshold" },
		{ "epss.poc_threshold = 0.\n", FLW_EFORMAT, 1, "epss.poc_threshold" },
		{ "a\n", FLW_EFORMAT, 1, "" },
		{ "default_class = x\ndefault_class = y\n", FLW_EFORMAT, 2, "default_class" },
		{ "default_class = nosuch\n", FLW_EFORMAT, 0, "default_class" },
		{ "= 3\n", FLW_EFORMAT, 1, "" },
	};
	char big[1024];
	char many[2048];
	size_t i;
	size_t len = 0;

	(void)state;
	flw_risk_policy_init(&p);
	assert_int_equal(flw_risk_policy_parse(&p, good, strlen(good), &diag), 0);
	assert_int_equal(flw_risk_policy_class(&p, FLW_RISK_CLASS_SAFETY)->deadline_days, 5);
	c = flw_risk_policy_class(&p, "medical");
	assert_non_null(c);
	assert_int_equal(c->mission_wellbeing, FLW_RISK_HIGH);
	assert_int_equal(c->business_impact, FLW_RISK_MEDIUM);
	assert_int_equal(c->deadline_days, 10);
	assert_string_equal(p.default_class, "medical");
	assert_int_equal(p.decision_days[FLW_RISK_ACT], 2);
	assert_int_equal(p.decision_days[FLW_RISK_TRACK_STAR], 60);
	assert_int_equal(p.unknown_exposure, FLW_RISK_EXPOSURE_LAN);
	assert_int_equal(p.epss_poc_e5, 5000);
	assert_int_equal(p.n_classes, 4);
	for (i = 0; i < FLW_ARRAY_SIZE(bad); i++) {
		flw_risk_policy_init(&p);
		before = p;
		memset(&diag, 0, sizeof(diag));
		if (flw_risk_policy_parse(&p, bad[i].text, strlen(bad[i].text), &diag) !=
		            bad[i].rc ||
		    diag.line != bad[i].line || strcmp(diag.path, bad[i].path) != 0)
			fail_msg("bad[%zu]: code %d line %u path '%s': %s", i, diag.code, diag.line,
			         diag.path, diag.msg);
		assert_memory_equal(&p, &before, sizeof(p)); /* unchanged on error */
	}
	/* limits */
	memset(big, 'a', sizeof(big));
	assert_int_equal(flw_risk_policy_parse(&p, big, sizeof(big), &diag), FLW_ELIMIT);
	assert_int_equal(diag.line, 1);
	for (i = 0; i < 20; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len,
		                        "class.c%zu.mission = low\n", i);
	assert_int_equal(flw_risk_policy_parse(&p, many, len, &diag), FLW_ELIMIT);
	assert_int_equal(diag.line, 14); /* 3 built-in + 13 = 16 */
	assert_int_equal(flw_risk_policy_parse(&p, "x\0y", 3, &diag), FLW_EFORMAT);
	assert_int_equal(flw_risk_policy_parse(&p, NULL, 0, &diag), 0);
	assert_int_equal(flw_risk_policy_parse(&p, NULL, 1, &diag), FLW_EINVAL);
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static const int life_table[_FLW_FINDING_STATE_MAX][_FLW_FINDING_EV_MAX] = {
	/*              seen              gone               accept
	 *              revoke            expire */
	[FLW_FINDING_OPEN] = { FLW_FINDING_OPEN, FLW_FINDING_FIXED, FLW_FINDING_ACCEPTED, -1, -1 },
	[FLW_FINDING_FIXED] = { FLW_FINDING_OPEN, FLW_FINDING_FIXED, -1, -1, -1 },
	[FLW_FINDING_ACCEPTED] = { FLW_FINDING_ACCEPTED, FLW_FINDING_FIXED, FLW_FINDING_ACCEPTED,
	                           FLW_FINDING_OPEN, FLW_FINDING_OPEN },
};

static void put_state(struct flw_finding_life *f, enum flw_finding_state s, int64_t t)
{
	struct flw_finding_event_data ev = { FLW_FINDING_EV_ACCEPT, t, "vendor fix pending",
		                             "ciso@example.com", t + 100 * DAY };

	flw_finding_init(f, t);
	if (s == FLW_FINDING_FIXED) {
		ev.event = FLW_FINDING_EV_GONE;
		assert_int_equal(flw_finding_apply(f, &ev, NULL), 0);
	} else if (s == FLW_FINDING_ACCEPTED) {
		assert_int_equal(flw_finding_apply(f, &ev, NULL), 0);
	}
	assert_int_equal(f->state, s);
}

static void test_lifecycle_rows(void **state)
{
	int s;
	int e;

	(void)state;
	for (s = 0; s < _FLW_FINDING_STATE_MAX; s++) {
		for (e = 0; e < _FLW_FINDING_EV_MAX; e++) {
			struct flw_finding_life f;
			struct flw_finding_life before;
			const int64_t t0 = D20230501;
			/* EXPIRE is only valid at or after the expiry */
			int64_t at = e == FLW_FINDING_EV_EXPIRE ? t0 + 100 * DAY : t0 + DAY;
			struct flw_finding_event_data ev = { (enum flw_finding_event)e, at,
				                             "accepted", "ops", at + 10 * DAY };
			int rc;

			assert_int_equal(flw_finding_next((enum flw_finding_state)s,
			                                  (enum flw_finding_event)e),
			                 life_table[s][e]);
			put_state(&f, (enum flw_finding_state)s, t0);
			before = f;
			rc = flw_finding_apply(&f, &ev, NULL);
			if (life_table[s][e] < 0) {
				assert_int_equal(rc, FLW_ESTATE);
				assert_memory_equal(&f, &before, sizeof(f));
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(f.state, life_table[s][e]);
			assert_int_equal(f.first_seen_ms, t0);
			assert_int_equal(f.updated_ms, at);
			if (f.state == FLW_FINDING_OPEN && s != FLW_FINDING_OPEN) {
				assert_int_equal(f.opened_ms, at);
				assert_int_equal(f.reopen_count, 1);
			}
			if (f.state == FLW_FINDING_FIXED && s != FLW_FINDING_FIXED)
				assert_int_equal(f.fixed_ms, at);
			if (e == FLW_FINDING_EV_ACCEPT) {
				assert_string_equal(f.accept_reason, "accepted");
				assert_string_equal(f.accept_approver, "ops");
				assert_int_equal(f.accept_expiry_ms, at + 10 * DAY);
			}
		}
	}
	assert_string_equal(flw_finding_state_to_string(FLW_FINDING_ACCEPTED), "accepted");
	assert_string_equal(flw_finding_event_to_string(FLW_FINDING_EV_EXPIRE), "expire");
}

static void test_lifecycle_accept_rules(void **state)
{
	struct flw_finding_life f;
	struct flw_finding_life before;
	const int64_t t0 = D20230501;
	struct flw_finding_event_data ev = { FLW_FINDING_EV_ACCEPT, t0 + DAY, NULL, "ops",
		                             t0 + 10 * DAY };
	char longtext[300];

	(void)state;
	flw_finding_init(&f, t0);
	before = f;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), FLW_EINVAL); /* no reason */
	ev.reason = "";
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), FLW_EINVAL);
	memset(longtext, 'r', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	ev.reason = longtext;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), FLW_EINVAL);
	ev.reason = "compensating firewall rule";
	ev.approver = NULL;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), FLW_EINVAL);
	ev.approver = "ops";
	ev.expiry_ms = t0 + DAY;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), FLW_EINVAL); /* expiry not after */
	assert_memory_equal(&f, &before, sizeof(f));
	ev.expiry_ms = t0 + 10 * DAY;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), 0);
	/* an early explicit expiry is refused */
	ev.event = FLW_FINDING_EV_EXPIRE;
	ev.at_ms = t0 + 5 * DAY;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), FLW_EINVAL);
	/* time never goes backwards */
	ev.event = FLW_FINDING_EV_SEEN;
	ev.at_ms = t0;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), FLW_EINVAL);
	/* seen after the expiry: the acceptance has lapsed, back to open */
	ev.at_ms = t0 + 11 * DAY;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), 0);
	assert_int_equal(f.state, FLW_FINDING_OPEN);
	assert_int_equal(f.opened_ms, t0 + 10 * DAY);
	assert_int_equal(f.reopen_count, 1);
	assert_string_equal(f.accept_reason, "compensating firewall rule"); /* history kept */
	/* tick */
	ev.event = FLW_FINDING_EV_ACCEPT;
	ev.at_ms = t0 + 12 * DAY;
	ev.expiry_ms = t0 + 20 * DAY;
	assert_int_equal(flw_finding_apply(&f, &ev, NULL), 0);
	assert_int_equal(flw_finding_tick(&f, t0 + 19 * DAY), 0);
	assert_int_equal(f.state, FLW_FINDING_ACCEPTED);
	assert_int_equal(flw_finding_tick(&f, t0 + 20 * DAY), 1);
	assert_int_equal(f.state, FLW_FINDING_OPEN);
	assert_int_equal(f.reopen_count, 2);
}

static void test_lifecycle_random(void **state)
{
	unsigned run;

	(void)state;
	for (run = 0; run < 2000; run++) {
		struct flw_finding_life f;
		int64_t t = D20230501;
		unsigned step;
		unsigned reopen = 0;

		flw_finding_init(&f, t);
		for (step = 0; step < 40; step++) {
			struct flw_finding_life before = f;
			struct flw_finding_event_data ev;
			struct flw_finding_life expect;
			int want;
			int rc;

			memset(&ev, 0, sizeof(ev));
			t += (int64_t)(lcg() % 20) * DAY;
			ev.event = (enum flw_finding_event)(lcg() % _FLW_FINDING_EV_MAX);
			ev.at_ms = t;
			ev.reason = "r";
			ev.approver = "a";
			ev.expiry_ms = t + (int64_t)(1 + lcg() % 30) * DAY;
			/* model: implicit expiry first (not for EXPIRE itself), then the table */
			expect = f;
			if (ev.event != FLW_FINDING_EV_EXPIRE)
				reopen += (unsigned)flw_finding_tick(&expect, t);
			want = flw_finding_next(expect.state, ev.event);
			if (want >= 0 && ev.event == FLW_FINDING_EV_EXPIRE &&
			    t < expect.accept_expiry_ms)
				want = -2;
			rc = flw_finding_apply(&f, &ev, NULL);
			if (want < 0) {
				assert_int_equal(rc, want == -1 ? FLW_ESTATE : FLW_EINVAL);
				assert_memory_equal(&f, &before, sizeof(f));
				reopen = f.reopen_count;
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(f.state, want);
			if (want == FLW_FINDING_OPEN && expect.state != FLW_FINDING_OPEN)
				reopen++;
			/* invariants: first seen never moves, time only forward, counts agree */
			assert_int_equal(f.first_seen_ms, D20230501);
			assert_true(f.updated_ms == t);
			assert_int_equal(f.reopen_count, reopen);
			assert_true(f.state != FLW_FINDING_ACCEPTED || f.accept_expiry_ms > t);
		}
	}
}

/* ---- MTTP ----------------------------------------------------------------------------- */

static void test_mttp_small(void **state)
{
	const int64_t t0 = D20230501;
	const int64_t now = t0 + 100 * DAY;
	const struct flw_mttp_finding f[] = {
		/* device, cve, class, severity, published, fix, remediated, kev, due */
		{ "dev1", "CVE-1", "safety-critical", FLW_CVSS_SEVERITY_HIGH, t0, t0 + 10 * DAY,
		  t0 + 15 * DAY, t0 + 5 * DAY, t0 + 7 * DAY },
		{ "dev1", "CVE-1", "safety-critical", FLW_CVSS_SEVERITY_HIGH, t0, t0 + 20 * DAY, 0,
		  t0 + 5 * DAY, t0 + 30 * DAY },
		{ "dev2", "CVE-2", "safety-critical", FLW_CVSS_SEVERITY_HIGH, t0, 0, 0,
		  t0 - 2 * DAY, t0 + 200 * DAY },
		{ "dev3", "CVE-3", "non-critical", FLW_CVSS_SEVERITY_MEDIUM, t0 + 50 * DAY,
		  t0 + 60 * DAY, t0 + 70 * DAY, 0, t0 + 55 * DAY },
		{ "dev4", "CVE-4", "non-critical", FLW_CVSS_SEVERITY_MEDIUM, 0, 0, 0, 0, 0 },
	};
	struct flw_mttp_report *r = NULL;
	const struct flw_mttp_group *g;

	(void)state;
	assert_int_equal(flw_mttp_compute(f, FLW_ARRAY_SIZE(f), now, &r), 0);
	assert_int_equal(r->n_skipped, 1);
	assert_int_equal(r->n_groups, 2);
	/* sorted by class: non-critical first */
	g = &r->groups[0];
	assert_string_equal(g->class_name, "non-critical");
	assert_int_equal(g->severity, FLW_CVSS_SEVERITY_MEDIUM);
	assert_int_equal(g->ttp.n, 1);
	assert_int_equal(g->ttp.mean_ms, 20 * DAY);
	assert_int_equal(g->vendor.mean_ms, 10 * DAY);
	assert_int_equal(g->operator_.mean_ms, 10 * DAY);
	g = &r->groups[1];
	assert_string_equal(g->class_name, "safety-critical");
	assert_int_equal(g->n_findings, 3);
	assert_int_equal(g->n_open, 2);
	/* ttp {15, 100c, 100c} */
	assert_int_equal(g->ttp.n, 3);
	assert_int_equal(g->ttp.n_censored, 2);
	assert_int_equal(g->ttp.mean_ms, 215 * DAY / 3);
	assert_int_equal(g->ttp.median_ms, 100 * DAY);
	assert_int_equal(g->ttp.p90_ms, 100 * DAY);
	/* vendor {10, 20, 100c} */
	assert_int_equal(g->vendor.n_censored, 1);
	assert_int_equal(g->vendor.mean_ms, 130 * DAY / 3);
	assert_int_equal(g->vendor.median_ms, 20 * DAY);
	/* operator {5, 80c}: only where a fix exists */
	assert_int_equal(g->operator_.n, 2);
	assert_int_equal(g->operator_.n_censored, 1);
	assert_int_equal(g->operator_.mean_ms, 85 * DAY / 2);
	assert_int_equal(g->operator_.median_ms, 85 * DAY / 2);
	/* total ttp {15, 20, 100c, 100c} */
	assert_string_equal(r->total.class_name, "*");
	assert_int_equal(r->total.n_findings, 4);
	assert_int_equal(r->total.ttp.median_ms, 60 * DAY);
	assert_int_equal(r->total.ttp.mean_ms, 235 * DAY / 4);
	assert_int_equal(r->total.ttp.p90_ms, 100 * DAY);
	/* devices: dev1 has an open finding past due; dev3's late fix is closed */
	assert_int_equal(r->n_devices, 3);
	assert_int_equal(r->n_devices_overdue, 1);
	/* KEV time-to-exposure once per CVE: {5, -2} */
	assert_int_equal(r->kev_tte.n, 2);
	assert_int_equal(r->kev_tte.mean_ms, 3 * DAY / 2);
	assert_int_equal(r->kev_tte.median_ms, 3 * DAY / 2);
	flw_mttp_report_free(r);
	r = NULL;
	/* empty set */
	assert_int_equal(flw_mttp_compute(NULL, 0, now, &r), 0);
	assert_int_equal(r->n_groups, 0);
	assert_int_equal(r->total.ttp.n, 0);
	flw_mttp_report_free(r);
	assert_int_equal(flw_mttp_compute(NULL, 1, now, &r), FLW_EINVAL);
	assert_int_equal(flw_mttp_compute(f, 1, 0, &r), FLW_EINVAL);
}

static void test_mttp_dist(void **state)
{
	int64_t v[] = { 7, 1, 3, 9, 5, 2, 8, 4, 6, 10 };
	unsigned char c[10] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct flw_mttp_dist d;
	int64_t one[] = { 42 };

	(void)state;
	flw_mttp_dist_compute(v, c, 10, &d);
	assert_int_equal(d.n, 10);
	assert_int_equal(d.n_censored, 2);
	assert_int_equal(d.mean_ms, 6); /* 5.5 rounds half up */
	assert_int_equal(d.median_ms, 5);
	assert_int_equal(d.p90_ms, 9);
	flw_mttp_dist_compute(one, NULL, 1, &d);
	assert_true(d.mean_ms == 42 && d.median_ms == 42 && d.p90_ms == 42 && !d.n_censored);
}

static int torture_mttp(void *payload)
{
	const struct flw_mttp_finding *f = payload;
	struct flw_mttp_report *r = NULL;
	int rc = flw_mttp_compute(f, 2, D20230501 + 10 * DAY, &r);

	flw_mttp_report_free(r);
	return rc;
}

static void test_mttp_oom(void **state)
{
	const struct flw_mttp_finding f[] = {
		{ "d1", "CVE-1", "a", FLW_CVSS_SEVERITY_LOW, D20230501, 0, 0, 0, 0 },
		{ "d2", "CVE-2", "b", FLW_CVSS_SEVERITY_LOW, D20230501, 0, 0, 0, 0 },
	};

	(void)state;
	assert_true(flw_test_torture(torture_mttp, (void *)f, 50) > 1);
}

/* ---- end of life ---------------------------------------------------------------------- */

static void test_eol_table(void **state)
{
	/* [exposure internet/lan/isolated][M&W low/medium/high][track band, attend band] */
	static const enum flw_eol_action want[3][3][2] = {
		{ { FLW_EOL_COMPENSATING, FLW_EOL_ISOLATE },
		  { FLW_EOL_ISOLATE, FLW_EOL_ISOLATE },
		  { FLW_EOL_REPLACE, FLW_EOL_REPLACE } },
		{ { FLW_EOL_COMPENSATING, FLW_EOL_COMPENSATING },
		  { FLW_EOL_COMPENSATING, FLW_EOL_ISOLATE },
		  { FLW_EOL_COMPENSATING, FLW_EOL_REPLACE } },
		{ { FLW_EOL_COMPENSATING, FLW_EOL_COMPENSATING },
		  { FLW_EOL_COMPENSATING, FLW_EOL_COMPENSATING },
		  { FLW_EOL_COMPENSATING, FLW_EOL_COMPENSATING } },
	};
	static const enum flw_risk_decision band_dec[2][2] = {
		{ FLW_RISK_TRACK, FLW_RISK_TRACK_STAR },
		{ FLW_RISK_ATTEND, FLW_RISK_ACT },
	};
	struct flw_risk_policy p;
	struct flw_eol_input in;
	struct flw_eol_result r;
	int x;
	int mw;
	int b;
	int k;

	(void)state;
	flw_risk_policy_init(&p);
	memset(&in, 0, sizeof(in));
	in.support_end_ms = D20230501;
	in.now_ms = D20230501 + DAY;
	in.n_open = 3;
	for (x = 0; x < 3; x++)
		for (mw = 0; mw < 3; mw++)
			for (b = 0; b < 2; b++)
				for (k = 0; k < 2; k++) {
					in.exposure = (enum flw_risk_exposure)(x + 1);
					in.class_name = mw_class[mw];
					in.worst_decision = band_dec[b][k];
					assert_int_equal(flw_eol_recommend(&p, &in, &r), 0);
					assert_int_equal(r.action, want[x][mw][b]);
					assert_true(r.n_reasons >= 4);
					assert_non_null(
					        strstr(r.reasons[0].text,
					               "vendor support ended after 2023-04-30"));
				}
	/* unknown exposure scored as the policy says (internet) */
	in.exposure = FLW_RISK_EXPOSURE_UNKNOWN;
	in.class_name = FLW_RISK_CLASS_SAFETY;
	assert_int_equal(flw_eol_recommend(&p, &in, &r), 0);
	assert_int_equal(r.action, FLW_EOL_REPLACE);
	assert_non_null(strstr(r.reasons[2].text, "assumed"));
	/* still supported, unknown end, or nothing open: no action */
	in.now_ms = D20230501;
	assert_int_equal(flw_eol_recommend(&p, &in, &r), 0);
	assert_int_equal(r.action, FLW_EOL_NONE);
	assert_non_null(strstr(r.reasons[0].text, "supported through 2023-04-30"));
	in.now_ms = D20230501 + DAY;
	in.support_end_ms = 0;
	assert_int_equal(flw_eol_recommend(&p, &in, &r), 0);
	assert_int_equal(r.action, FLW_EOL_NONE);
	in.support_end_ms = D20230501;
	in.n_open = 0;
	assert_int_equal(flw_eol_recommend(&p, &in, &r), 0);
	assert_int_equal(r.action, FLW_EOL_NONE);
	assert_string_equal(flw_eol_action_to_string(FLW_EOL_COMPENSATING), "compensating-control");
	in.worst_decision = _FLW_RISK_DECISION_MAX;
	assert_int_equal(flw_eol_recommend(&p, &in, &r), FLW_EINVAL);
}

/* ---- from the real feeds (../shared/vulndata) ----------------------------------------- */

static char *data_path(const char *rel)
{
	const char *src = getenv("FLW_SRC_DIR");

	return flw_asprintf("%s/../shared/vulndata/%s", src ? src : ".", rel);
}

static void import(struct flw_vuln_db *db, int kind, const char *rel)
{
	char *path = data_path(rel);
	int rc;

	assert_non_null(path);
	if (kind == FLW_FEED_NVD)
		rc = flw_feed_import_nvd(db, path, NULL, NULL, NULL);
	else if (kind == FLW_FEED_KEV)
		rc = flw_feed_import_kev(db, path, NULL, NULL, NULL);
	else if (kind == FLW_FEED_EPSS)
		rc = flw_feed_import_epss(db, path, NULL, NULL, NULL);
	else
		rc = flw_feed_import_cve5_jsonl(db, path, NULL, NULL, NULL);
	flw_free(path);
	assert_int_equal(rc, 0);
}

static void test_from_feeds(void **state)
{
	struct flw_vuln_db *db = NULL;
	struct flw_risk_policy p;
	struct flw_risk_input in;
	struct flw_risk_result r;
	static const char pol[] = "class.business.mission = medium\n"
	                          "class.business.impact = medium\n";
	char *probe = data_path("nvd_api2_sample.json");

	(void)state;
	assert_non_null(probe);
	if (access(probe, R_OK) != 0) {
		flw_free(probe);
		skip();
	}
	flw_free(probe);
	assert_int_equal(flw_vuln_db_new(&db), 0);
	import(db, FLW_FEED_NVD, "nvd_api2_sample.json");
	import(db, FLW_FEED_CVE5, "cve5_iot_sample.jsonl");
	import(db, FLW_FEED_KEV, "kev/known_exploited_vulnerabilities.json");
	import(db, FLW_FEED_EPSS, "epss_sample.csv");
	flw_risk_policy_init(&p);
	assert_int_equal(flw_risk_policy_parse(&p, pol, strlen(pol), NULL), 0);
	/* Archer AX21, internet-exposed, business impact medium */
	flw_risk_input_from_entry(&in, flw_vuln_db_get(db, "CVE-2023-1389"));
	assert_true(in.kev && in.epss_present);
	assert_string_equal(in.cvss_vector, "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
	in.exposure = FLW_RISK_EXPOSURE_INTERNET;
	in.class_name = "business";
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_int_equal(r.decision, FLW_RISK_ATTEND);
	assert_int_equal(r.score, 62);
	assert_reason(&r, FLW_RISK_R_KEV, "listed by CISA on 2023-05-01");
	assert_reason(&r, FLW_RISK_R_EPSS, "0.99999 (99th percentile)");
	/* Tenda AC8, LAN, non-critical: published CISA SSVC poc/no/total */
	flw_risk_input_from_entry(&in, flw_vuln_db_get(db, "CVE-2024-10123"));
	assert_true(in.ssvc.present && !in.kev);
	assert_int_equal(in.ssvc.exploitation, FLW_SSVC_EXPLOITATION_POC);
	in.exposure = FLW_RISK_EXPOSURE_LAN;
	in.class_name = FLW_RISK_CLASS_NON_CRITICAL;
	assert_int_equal(flw_risk_assess(&p, &in, &r, NULL), 0);
	assert_int_equal(r.decision, FLW_RISK_TRACK);
	assert_int_equal(r.cvss_env10, 61);
	assert_int_equal(r.score, 1);
	/* unknown id: nothing known, still assessable */
	flw_risk_input_from_entry(&in, flw_vuln_db_get(db, "CVE-1999-0001"));
	assert_false(in.kev || in.epss_present || in.cvss_present);
	flw_vuln_db_free(db);
}

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < _FLW_RISK_DECISION_MAX; i++)
		assert_int_equal(flw_risk_decision_from_string(flw_risk_decision_to_string(i)), i);
	assert_int_equal(flw_risk_decision_from_string("track-star"), FLW_RISK_TRACK_STAR);
	for (i = 0; i < _FLW_RISK_EXPOSURE_MAX; i++)
		assert_int_equal(flw_risk_exposure_from_string(flw_risk_exposure_to_string(i)), i);
	for (i = 0; i < _FLW_RISK_LEVEL_MAX; i++)
		assert_int_equal(flw_risk_level_from_string(flw_risk_level_to_string(i)), i);
	for (i = 0; i < _FLW_RISK_R_MAX; i++)
		assert_non_null(flw_risk_reason_code_to_string(i));
	assert_null(flw_risk_reason_code_to_string(_FLW_RISK_R_MAX));
	assert_null(flw_risk_decision_to_string(-1));
	assert_int_equal(flw_risk_level_from_string("extreme"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssvc_every_row),
		cmocka_unit_test(test_worked_archer),
		cmocka_unit_test(test_worked_tenda),
		cmocka_unit_test(test_derived_points),
		cmocka_unit_test(test_cvss_environmental),
		cmocka_unit_test(test_score_monotonic),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test(test_lifecycle_rows),
		cmocka_unit_test(test_lifecycle_accept_rules),
		cmocka_unit_test(test_lifecycle_random),
		cmocka_unit_test(test_mttp_small),
		cmocka_unit_test(test_mttp_dist),
		cmocka_unit_test(test_mttp_oom),
		cmocka_unit_test(test_eol_table),
		cmocka_unit_test(test_from_feeds),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
