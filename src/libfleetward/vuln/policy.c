/* vuln/policy.c - risk policy (defaults and "key = value" file), finding lifecycle, end of life
 *
 * The policy file is outside input: bounded in size, line length, keys and classes; every
 * line is validated, unknown and duplicate keys are errors naming the line and key, and the
 * caller's policy changes only when the whole file is good.
 * The finding lifecycle and the end-of-life recommendation are static tables (STYLE 7).
 */
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/risk.h"
#include "vuln/risk_private.h"

#define POLICY_MAX_KEYS 256u
#define POLICY_KEY_MAX  63u

/* ---- defaults ------------------------------------------------------------------------- */

static const struct flw_risk_class builtin_classes[] = {
	{ FLW_RISK_CLASS_SAFETY, FLW_RISK_HIGH, FLW_RISK_HIGH, 7 },
	{ FLW_RISK_CLASS_CONFIDENTIALITY, FLW_RISK_MEDIUM, FLW_RISK_HIGH, 14 },
	{ FLW_RISK_CLASS_NON_CRITICAL, FLW_RISK_LOW, FLW_RISK_LOW, 30 },
};

void flw_risk_policy_init(struct flw_risk_policy *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < FLW_ARRAY_SIZE(builtin_classes); i++)
		p->classes[i] = builtin_classes[i];
	p->n_classes = FLW_ARRAY_SIZE(builtin_classes);
	memcpy(p->default_class, FLW_RISK_CLASS_NON_CRITICAL, sizeof(FLW_RISK_CLASS_NON_CRITICAL));
	p->unknown_exposure = FLW_RISK_EXPOSURE_INTERNET;
	p->epss_poc_e5 = 10000;
}

const struct flw_risk_class *flw_risk_policy_class(const struct flw_risk_policy *p,
                                                   const char *name)
{
	size_t i;

	if (!p || !name)
		return NULL;
	for (i = 0; i < p->n_classes && i < FLW_RISK_MAX_CLASSES; i++)
		if (strcmp(p->classes[i].name, name) == 0)
			return &p->classes[i];
	return NULL;
}

/* ---- policy file ---------------------------------------------------------------------- */

struct policy_parse {
	struct flw_risk_policy p;
	char (*seen)[POLICY_KEY_MAX + 1];
	size_t n_seen;
	unsigned line;
	struct flw_diag *diag;
};

static int perr(struct policy_parse *pp, int code, const char *key, const char *msg)
{
	flw_diag_set(pp->diag, code, key, "line %u: %s", pp->line, msg);
	if (pp->diag)
		pp->diag->line = pp->line;
	return code;
}

static int valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > FLW_RISK_CLASS_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int parse_uint(const char *v, unsigned max, unsigned *out)
{
	unsigned n = 0;

	if (!*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10u + (unsigned)(*v - '0');
		if (n > max)
			return -1;
	}
	*out = n;
	return 0;
}

/* "0", "1", "0.1", "0.00001", "1.0": 0..1 with at most 5 decimals, as x1e5 */
static int parse_e5(const char *v, uint32_t *out)
{
	uint32_t n = 0;
	unsigned dec = 0;
	const char *dot = strchr(v, '.');

	if (*v != '0' && *v != '1')
		return -1;
	n = (uint32_t)(*v - '0') * 100000u;
	if (v[1] != '\0' && v[1] != '.')
		return -1;
	if (dot) {
		const char *d = dot + 1;
		uint32_t scale = 10000u;

		if (!*d)
			return -1;
		for (; *d; d++, dec++) {
			if (*d < '0' || *d > '9' || dec >= 5)
				return -1;
			n += (uint32_t)(*d - '0') * scale;
			scale /= 10u;
		}
	}
	if (n > 100000u)
		return -1;
	*out = n;
	return 0;
}

static struct flw_risk_class *class_get(struct policy_parse *pp, const char *name, size_t len,
                                        const char *key, int *rc)
{
	struct flw_risk_class *c;
	size_t i;

	for (i = 0; i < pp->p.n_classes; i++)
		if (strlen(pp->p.classes[i].name) == len &&
		    memcmp(pp->p.classes[i].name, name, len) == 0)
			return &pp->p.classes[i];
	if (pp->p.n_classes >= FLW_RISK_MAX_CLASSES) {
		*rc = perr(pp, FLW_ELIMIT, key, "too many classes");
		return NULL;
	}
	c = &pp->p.classes[pp->p.n_classes++];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, len);
	c->mission_wellbeing = FLW_RISK_LOW;
	c->business_impact = FLW_RISK_LOW;
	c->deadline_days = 30;
	return c;
}

static int key_class(struct policy_parse *pp, const char *key, const char *val)
{
	const char *name = key + strlen("class.");
	const char *dot = strchr(name, '.');
	struct flw_risk_class *c;
	unsigned days;
	int lvl;
	int rc = FLW_EFORMAT;

	if (!dot || !valid_name(name, (size_t)(dot - name)))
		return perr(pp, FLW_EFORMAT, key, "class name must be [a-z][a-z0-9_-], 1-31 chars");
	if (strcmp(dot, ".mission") != 0 && strcmp(dot, ".impact") != 0 &&
	    strcmp(dot, ".deadline_days") != 0)
		return perr(pp, FLW_EFORMAT, key, "unknown key");
	c = class_get(pp, name, (size_t)(dot - name), key, &rc);
	if (!c)
		return rc;
	if (strcmp(dot, ".deadline_days") == 0) {
		if (parse_uint(val, FLW_RISK_MAX_DAYS, &days) != 0 || days == 0)
			return perr(pp, FLW_EFORMAT, key, "expected a number of days, 1..3650");
		c->deadline_days = days;
		return 0;
	}
	lvl = flw_risk_level_from_string(val);
	if (lvl < 0)
		return perr(pp, FLW_EFORMAT, key, "expected low, medium or high");
	if (dot[1] == 'm')
		c->mission_wellbeing = (enum flw_risk_level)lvl;
	else
		c->business_impact = (enum flw_risk_level)lvl;
	return 0;
}

static int key_other(struct policy_parse *pp, const char *key, const char *val)
{
	unsigned days;
	int d;

	if (strcmp(key, "default_class") == 0) {
		if (!valid_name(val, strlen(val)))
			return perr(pp, FLW_EFORMAT, key, "not a class name");
		memset(pp->p.default_class, 0, sizeof(pp->p.default_class));
		memcpy(pp->p.default_class, val, strlen(val));
		return 0;
	}
	if (strcmp(key, "exposure.unknown") == 0) {
		d = flw_risk_exposure_from_string(val);
		if (d <= FLW_RISK_EXPOSURE_UNKNOWN)
			return perr(pp, FLW_EFORMAT, key, "expected internet, lan or isolated");
		pp->p.unknown_exposure = (enum flw_risk_exposure)d;
		return 0;
	}
	if (strcmp(key, "epss.poc_threshold") == 0) {
		if (parse_e5(val, &pp->p.epss_poc_e5) != 0)
			return perr(pp, FLW_EFORMAT, key, "expected 0..1, at most 5 decimals");
		return 0;
	}
	if (strncmp(key, "decision.", 9) == 0 && strlen(key) > 14 &&
	    strcmp(key + strlen(key) - 5, ".days") == 0) {
		char dn[16] = { 0 };
		size_t dl = strlen(key) - 14;

		if (dl >= sizeof(dn))
			return perr(pp, FLW_EFORMAT, key, "unknown decision");
		memcpy(dn, key + 9, dl);
		d = flw_risk_decision_from_string(dn);
		if (d < 0)
			return perr(pp, FLW_EFORMAT, key, "unknown decision");
		if (parse_uint(val, FLW_RISK_MAX_DAYS, &days) != 0)
			return perr(pp, FLW_EFORMAT, key, "expected a number of days, 0..3650");
		pp->p.decision_days[d] = days;
		return 0;
	}
	return perr(pp, FLW_EFORMAT, key, "unknown key");
}

static const char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int policy_line(struct policy_parse *pp, char *line)
{
	char *eq;
	const char *key;
	const char *val;
	size_t i;

	line = (char *)trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return perr(pp, FLW_EFORMAT, NULL, "expected 'key = value'");
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (*key == '\0' || strlen(key) > POLICY_KEY_MAX)
		return perr(pp, FLW_EFORMAT, NULL, "empty or too long key");
	for (i = 0; i < pp->n_seen; i++)
		if (strcmp(pp->seen[i], key) == 0)
			return perr(pp, FLW_EFORMAT, key, "duplicate key");
	if (pp->n_seen >= POLICY_MAX_KEYS)
		return perr(pp, FLW_ELIMIT, key, "too many keys");
	memcpy(pp->seen[pp->n_seen++], key, strlen(key) + 1);
	if (strncmp(key, "class.", 6) == 0)
		return key_class(pp, key, val);
	return key_other(pp, key, val);
}

int flw_risk_policy_parse(struct flw_risk_policy *p, const char *data, size_t len,
                          struct flw_diag *diag)
{
	struct policy_parse pp;
	char buf[FLW_RISK_POLICY_MAX_LINE + 1];
	size_t pos = 0;
	int rc = 0;

	if (!p || (!data && len > 0))
		return flw_diag_set(diag, FLW_EINVAL, NULL, "no policy or data");
	if (len > FLW_RISK_POLICY_MAX_BYTES)
		return flw_diag_set(diag, FLW_ELIMIT, NULL, "policy larger than %zu bytes",
		                    FLW_RISK_POLICY_MAX_BYTES);
	memset(&pp, 0, sizeof(pp));
	pp.p = *p;
	pp.diag = diag;
	pp.seen = flw_calloc(POLICY_MAX_KEYS, sizeof(*pp.seen));
	if (!pp.seen) {
		rc = flw_diag_set(diag, FLW_ENOMEM, NULL, "out of memory");
		goto out;
	}
	while (pos < len && rc == 0) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (data + pos)) : len - pos;

		pp.line++;
		if (ll > FLW_RISK_POLICY_MAX_LINE) {
			rc = perr(&pp, FLW_ELIMIT, NULL, "line too long");
			break;
		}
		if (memchr(data + pos, '\0', ll)) {
			rc = perr(&pp, FLW_EFORMAT, NULL, "NUL byte");
			break;
		}
		memcpy(buf, data + pos, ll);
		buf[ll] = '\0';
		rc = policy_line(&pp, buf);
		pos += ll + (nl ? 1 : 0);
	}
	if (rc == 0 && !flw_risk_policy_class(&pp.p, pp.p.default_class)) {
		pp.line = 0;
		rc = perr(&pp, FLW_EFORMAT, "default_class", "names no class of the policy");
	}
	if (rc == 0)
		*p = pp.p;
out:
	flw_free(pp.seen);
	return rc;
}

/* ---- finding lifecycle ---------------------------------------------------------------- */

static const char *const state_names[] = { "open", "fixed", "accepted" };
static const char *const event_names[] = { "seen", "gone", "accept", "revoke", "expire" };

const char *flw_finding_state_to_string(int s)
{
	if (s < 0 || (size_t)s >= FLW_ARRAY_SIZE(state_names))
		return NULL;
	return state_names[s];
}

const char *flw_finding_event_to_string(int e)
{
	if (e < 0 || (size_t)e >= FLW_ARRAY_SIZE(event_names))
		return NULL;
	return event_names[e];
}

struct finding_edge {
	enum flw_finding_state from;
	enum flw_finding_event event;
	enum flw_finding_state to;
};

/* every (state, event) pair not listed here is refused */
static const struct finding_edge finding_edges[] = {
	/* from                  event                    to                   */
	{ FLW_FINDING_OPEN, FLW_FINDING_EV_SEEN, FLW_FINDING_OPEN },
	{ FLW_FINDING_OPEN, FLW_FINDING_EV_GONE, FLW_FINDING_FIXED },
	{ FLW_FINDING_OPEN, FLW_FINDING_EV_ACCEPT, FLW_FINDING_ACCEPTED },
	{ FLW_FINDING_FIXED, FLW_FINDING_EV_SEEN, FLW_FINDING_OPEN }, /* regression */
	{ FLW_FINDING_FIXED, FLW_FINDING_EV_GONE, FLW_FINDING_FIXED },
	{ FLW_FINDING_ACCEPTED, FLW_FINDING_EV_SEEN, FLW_FINDING_ACCEPTED },
	{ FLW_FINDING_ACCEPTED, FLW_FINDING_EV_GONE, FLW_FINDING_FIXED },
	{ FLW_FINDING_ACCEPTED, FLW_FINDING_EV_ACCEPT, FLW_FINDING_ACCEPTED }, /* renewal */
	{ FLW_FINDING_ACCEPTED, FLW_FINDING_EV_REVOKE, FLW_FINDING_OPEN },
	{ FLW_FINDING_ACCEPTED, FLW_FINDING_EV_EXPIRE, FLW_FINDING_OPEN },
};

int flw_finding_next(enum flw_finding_state s, enum flw_finding_event e)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(finding_edges); i++)
		if (finding_edges[i].from == s && finding_edges[i].event == e)
			return finding_edges[i].to;
	return _FLW_FINDING_STATE_INVALID;
}

void flw_finding_init(struct flw_finding_life *f, int64_t at_ms)
{
	memset(f, 0, sizeof(*f));
	f->state = FLW_FINDING_OPEN;
	f->first_seen_ms = at_ms;
	f->opened_ms = at_ms;
	f->updated_ms = at_ms;
}

int flw_finding_tick(struct flw_finding_life *f, int64_t now_ms)
{
	if (f->state != FLW_FINDING_ACCEPTED || f->accept_expiry_ms > now_ms)
		return 0;
	f->state = FLW_FINDING_OPEN;
	f->opened_ms = f->accept_expiry_ms;
	if (f->updated_ms < f->accept_expiry_ms)
		f->updated_ms = f->accept_expiry_ms;
	f->reopen_count++;
	return 1;
}

static int accept_check(const struct flw_finding_event_data *ev, struct flw_diag *diag)
{
	if (!ev->reason || !*ev->reason || strlen(ev->reason) > FLW_FINDING_TEXT_MAX)
		return flw_diag_set(diag, FLW_EINVAL, "reason",
		                    "a reason (1..255 bytes) is required");
	if (!ev->approver || !*ev->approver || strlen(ev->approver) > FLW_FINDING_TEXT_MAX)
		return flw_diag_set(diag, FLW_EINVAL, "approver",
		                    "an approver (1..255 bytes) is required");
	if (ev->expiry_ms <= ev->at_ms)
		return flw_diag_set(diag, FLW_EINVAL, "expiry",
		                    "expiry must be after the acceptance");
	return 0;
}

int flw_finding_apply(struct flw_finding_life *f, const struct flw_finding_event_data *ev,
                      struct flw_diag *diag)
{
	struct flw_finding_life g = *f;
	int next;
	int rc;

	if ((int)ev->event < 0 || ev->event >= _FLW_FINDING_EV_MAX || ev->at_ms <= 0 ||
	    ev->at_ms < f->updated_ms || (int)f->state < 0 || f->state >= _FLW_FINDING_STATE_MAX)
		return flw_diag_set(diag, FLW_EINVAL, "event",
		                    "invalid event or time going backwards");
	if (ev->event != FLW_FINDING_EV_EXPIRE)
		flw_finding_tick(&g, ev->at_ms);
	next = flw_finding_next(g.state, ev->event);
	if (next < 0)
		return flw_diag_set(diag, FLW_ESTATE, "event", "'%s' not allowed when %s",
		                    event_names[ev->event], state_names[g.state]);
	if (ev->event == FLW_FINDING_EV_EXPIRE && ev->at_ms < g.accept_expiry_ms)
		return flw_diag_set(diag, FLW_EINVAL, "expiry", "acceptance not yet expired");
	if (ev->event == FLW_FINDING_EV_ACCEPT && (rc = accept_check(ev, diag)) != 0)
		return rc;
	if (next == FLW_FINDING_OPEN && g.state != FLW_FINDING_OPEN) {
		g.opened_ms = ev->at_ms;
		g.reopen_count++;
	} else if (next == FLW_FINDING_FIXED && g.state != FLW_FINDING_FIXED) {
		g.fixed_ms = ev->at_ms;
	} else if (ev->event == FLW_FINDING_EV_ACCEPT) {
		memset(g.accept_reason, 0, sizeof(g.accept_reason));
		memset(g.accept_approver, 0, sizeof(g.accept_approver));
		memcpy(g.accept_reason, ev->reason, strlen(ev->reason));
		memcpy(g.accept_approver, ev->approver, strlen(ev->approver));
		g.accepted_ms = ev->at_ms;
		g.accept_expiry_ms = ev->expiry_ms;
	}
	g.state = (enum flw_finding_state)next;
	g.updated_ms = ev->at_ms;
	*f = g;
	return 0;
}

/* ---- end of life ---------------------------------------------------------------------- */

static const char *const eol_names[] = { "none", "compensating-control", "isolate", "replace" };

const char *flw_eol_action_to_string(int a)
{
	if (a < 0 || (size_t)a >= FLW_ARRAY_SIZE(eol_names))
		return NULL;
	return eol_names[a];
}

#define EC FLW_EOL_COMPENSATING
#define EI FLW_EOL_ISOLATE
#define ER FLW_EOL_REPLACE
/* [exposure internet/lan/isolated][mission & well-being low/medium/high][band: track or
 * track-closely, attend or act] */
static const enum flw_eol_action eol_table[3][3][2] = {
	/* internet */ { { EC, EI }, { EI, EI }, { ER, ER } },
	/* lan      */ { { EC, EC }, { EC, EI }, { EC, ER } },
	/* isolated */ { { EC, EC }, { EC, EC }, { EC, EC } },
};
#undef EC
#undef EI
#undef ER

#define EOL_REASON(r, code, ...)                                                            \
	flw_risk__reason((r)->reasons, FLW_ARRAY_SIZE((r)->reasons), &(r)->n_reasons, code, \
	                 __VA_ARGS__)

int flw_eol_recommend(const struct flw_risk_policy *p, const struct flw_eol_input *in,
                      struct flw_eol_result *out)
{
	struct flw_eol_result r;
	const struct flw_risk_class *cls;
	enum flw_risk_exposure x = in->exposure;
	int band;
	char d[16];

	if ((int)x < 0 || x >= _FLW_RISK_EXPOSURE_MAX || (int)in->worst_decision < 0 ||
	    in->worst_decision >= _FLW_RISK_DECISION_MAX || p->n_classes == 0 ||
	    (int)p->unknown_exposure <= 0 || p->unknown_exposure >= _FLW_RISK_EXPOSURE_MAX)
		return FLW_EINVAL;
	memset(&r, 0, sizeof(r));
	flw_risk__date(in->support_end_ms - 1, d); /* the last supported day */
	if (in->support_end_ms <= 0 || in->now_ms <= in->support_end_ms) {
		EOL_REASON(&r, FLW_RISK_R_EOL,
		           in->support_end_ms > 0 ? "supported through %s"
		                                  : "support end unknown%s",
		           in->support_end_ms > 0 ? d : "");
		goto done;
	}
	EOL_REASON(&r, FLW_RISK_R_EOL, "vendor support ended after %s", d);
	if (in->n_open == 0) {
		EOL_REASON(&r, FLW_RISK_R_EOL, "no open findings");
		goto done;
	}
	cls = in->class_name ? flw_risk_policy_class(p, in->class_name) : NULL;
	if (!cls)
		cls = flw_risk_policy_class(p, p->default_class);
	if (!cls)
		cls = &p->classes[0];
	if (x == FLW_RISK_EXPOSURE_UNKNOWN)
		x = p->unknown_exposure;
	band = in->worst_decision >= FLW_RISK_ATTEND;
	r.action = eol_table[x - 1][cls->mission_wellbeing][band];
	EOL_REASON(&r, FLW_RISK_R_EOL, "%zu open finding(s), worst %s", in->n_open,
	           flw_risk_decision_to_string(in->worst_decision));
	EOL_REASON(&r, FLW_RISK_R_EXPOSURE, "%s%s", flw_risk_exposure_to_string(x),
	           x != in->exposure ? " (assumed: unknown)" : "");
	EOL_REASON(&r, FLW_RISK_R_CLASS, "%s (mission & well-being %s)", cls->name,
	           flw_risk_level_to_string(cls->mission_wellbeing));
done:
	EOL_REASON(&r, FLW_RISK_R_DECISION, "recommended: %s", eol_names[r.action]);
	*out = r;
	return 0;
}
