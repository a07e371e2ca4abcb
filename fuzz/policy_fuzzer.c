/* fuzz/policy_fuzzer.c - the risk policy file ("key = value" lines, include/fleetward/risk.h)
 *
 * Oracle: on error the policy is unchanged; on success every class is valid (name, levels,
 * 1..3650 days), the default class exists, and an assessment with the result succeeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/error.h"
#include "fleetward/risk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct flw_risk_policy *p)
{
	struct flw_risk_input in;
	struct flw_risk_result r;
	size_t i;

	if (p->n_classes == 0 || p->n_classes > FLW_RISK_MAX_CLASSES ||
	    !flw_risk_policy_class(p, p->default_class))
		abort();
	for (i = 0; i < p->n_classes; i++) {
		const struct flw_risk_class *c = &p->classes[i];

		if (!c->name[0] || memchr(c->name, '\0', sizeof(c->name)) == NULL ||
		    c->deadline_days == 0 || c->deadline_days > FLW_RISK_MAX_DAYS ||
		    (int)c->mission_wellbeing < 0 || c->mission_wellbeing >= _FLW_RISK_LEVEL_MAX ||
		    (int)c->business_impact < 0 || c->business_impact >= _FLW_RISK_LEVEL_MAX)
			abort();
	}
	memset(&in, 0, sizeof(in));
	in.kev = 1;
	in.first_seen_ms = 1682899200000;
	in.now_ms = in.first_seen_ms + 86400000;
	in.class_name = p->classes[p->n_classes - 1].name;
	if (flw_risk_assess(p, &in, &r, NULL) != 0 || r.score > 100)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_risk_policy p;
	struct flw_risk_policy before;
	struct flw_diag diag;
	int rc;

	flw_risk_policy_init(&p);
	before = p;
	rc = flw_risk_policy_parse(&p, (const char *)data, size, &diag);
	if (rc != 0 && memcmp(&p, &before, sizeof(p)) != 0)
		abort();
	if (rc != 0 && rc != FLW_EFORMAT && rc != FLW_ELIMIT && rc != FLW_ENOMEM)
		abort();
	check(&p);
	return 0;
}
