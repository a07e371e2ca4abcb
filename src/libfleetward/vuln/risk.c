/* vuln/risk.c - decision, score, deadline and reasons per finding (docs/RISK.md, VULNDATA 9)
 *
 * Pure and allocation-free. The decision is the SSVC leaf of a 36-row table (one row per
 * Exploitation x Automatable x Technical Impact x Mission & Well-being); missing SSVC points
 * are derived from KEV, EPSS and the CVSS vector as VULNDATA 9.3 says, and every input that
 * was used or assumed is written to the reason list, so the result explains itself.
 * The score is computed on integers (no float in the product) so it is the same everywhere.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fleetward/error.h"
#include "fleetward/risk.h"
#include "vuln/risk_private.h"

#define MS_PER_DAY ((int64_t)86400000)

/* ---- names ---------------------------------------------------------------------------- */

static const char *const decision_names[] = { "track", "track*", "attend", "act" };
static const char *const exposure_names[] = { "unknown", "internet", "lan", "isolated" };
static const char *const level_names[] = { "low", "medium", "high" };
static const char *const exploitation_names[] = { "none", "poc", "active" };
static const char *const reason_names[] = {
	"kev",  "epss",  "exploitation", "automatable", "technical-impact", "exposure", "class",
	"cvss", "match", "decision",     "score",       "deadline",         "eol"
};

static const char *name_of(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n)
		return NULL;
	return names[v];
}

static int name_find(const char *const *names, size_t n, const char *s)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *flw_risk_decision_to_string(int d)
{
	return name_of(decision_names, FLW_ARRAY_SIZE(decision_names), d);
}

int flw_risk_decision_from_string(const char *s)
{
	if (s && strcmp(s, "track-star") == 0)
		return FLW_RISK_TRACK_STAR;
	return name_find(decision_names, FLW_ARRAY_SIZE(decision_names), s);
}

const char *flw_risk_exposure_to_string(int e)
{
	return name_of(exposure_names, FLW_ARRAY_SIZE(exposure_names), e);
}

int flw_risk_exposure_from_string(const char *s)
{
	return name_find(exposure_names, FLW_ARRAY_SIZE(exposure_names), s);
}

const char *flw_risk_level_to_string(int l)
{
	return name_of(level_names, FLW_ARRAY_SIZE(level_names), l);
}

int flw_risk_level_from_string(const char *s)
{
	return name_find(level_names, FLW_ARRAY_SIZE(level_names), s);
}

const char *flw_risk_reason_code_to_string(int c)
{
	return name_of(reason_names, FLW_ARRAY_SIZE(reason_names), c);
}

/* ---- helpers shared with policy.c / mttp.c -------------------------------------------- */

/* Howard Hinnant's civil_from_days: exact for the proleptic Gregorian calendar */
void flw_risk__date(int64_t ms, char out[16])
{
	int64_t z = (ms >= 0 ? ms : ms - (MS_PER_DAY - 1)) / MS_PER_DAY + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	if (y < 0 || y > 9999) {
		snprintf(out, 16, "(invalid date)");
		return;
	}
	snprintf(out, 16, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

void flw_risk__reason(struct flw_risk_reason *list, size_t max, size_t *n,
                      enum flw_risk_reason_code code, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	list[*n].code = code;
	va_start(ap, fmt);
	vsnprintf(list[*n].text, sizeof(list[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
}

#define REASON(r, code, ...) \
	flw_risk__reason((r)->reasons, FLW_RISK_MAX_REASONS, &(r)->n_reasons, code, __VA_ARGS__)

/* "0.97" from 97000: x1e5 value as a decimal without trailing zeros */
static void fmt_e5(uint32_t v, char out[16])
{
	unsigned frac = v % 100000u;
	int digits = 5;

	while (digits > 1 && frac % 10u == 0) {
		frac /= 10u;
		digits--;
	}
	snprintf(out, 16, "%u.%0*u", v / 100000u, digits, frac);
}

static const char *ordinal(unsigned n)
{
	if (n % 100u >= 11 && n % 100u <= 13)
		return "th";
	switch (n % 10u) {
	case 1:
		return "st";
	case 2:
		return "nd";
	case 3:
		return "rd";
	default:
		return "th";
	}
}

/* ---- SSVC table (VULNDATA 9.1) -------------------------------------------------------- */

#define T  FLW_RISK_TRACK
#define TS FLW_RISK_TRACK_STAR
#define AT FLW_RISK_ATTEND
#define AC FLW_RISK_ACT
/* [exploitation][automatable][technical_total][mission_wellbeing] */
static const enum flw_risk_decision ssvc_table[3][2][2][3] = {
	/*                      M&W low  medium  high */
	/* none   */ { { /* A no  */ { T, T, T } /* partial */, { T, T, TS } /* total */ },
	               { /* A yes */ { T, T, AT }, { T, T, AT } } },
	/* poc    */ { { { T, T, TS }, { T, TS, AT } }, { { T, T, AT }, { T, TS, AT } } },
	/* active */ { { { T, T, AT }, { T, AT, AC } }, { { AT, AT, AC }, { AT, AC, AC } } },
};
#undef T
#undef TS
#undef AT
#undef AC

enum flw_risk_decision flw_risk_ssvc_decide(enum flw_ssvc_exploitation e, int automatable,
                                            int technical_total,
                                            enum flw_risk_level mission_wellbeing)
{
	if ((int)e < 0 || (int)e > 2 || (int)mission_wellbeing < 0 ||
	    mission_wellbeing >= _FLW_RISK_LEVEL_MAX)
		return _FLW_RISK_DECISION_INVALID;
	return ssvc_table[e][automatable ? 1 : 0][technical_total ? 1 : 0][mission_wellbeing];
}

/* ---- CVSS vectors --------------------------------------------------------------------- */

enum {
	K_AV,
	K_AC,
	K_PR,
	K_UI,
	K_S,
	K_C,
	K_I,
	K_A,
	K_E,
	K_RL,
	K_RC,
	K_CR,
	K_IR,
	K_AR,
	K_MAV,
	K_MAC,
	K_MPR,
	K_MUI,
	K_MS,
	K_MC,
	K_MI,
	K_MA,
	K_AT,
	K_VC,
	K_VI,
	K_VA,
	K_AU,
	K__N
};
static const char *const cvss_keys[K__N] = { "AV",  "AC",  "PR",  "UI",  "S",  "C",  "I",
	                                     "A",   "E",   "RL",  "RC",  "CR", "IR", "AR",
	                                     "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI",
	                                     "MA",  "AT",  "VC",  "VI",  "VA", "Au" };

#define CVSS_MAX_VECTOR 512u

struct cvss_vec {
	int major; /* 2, 3, 4 */
	int minor;
	char m[K__N]; /* single-letter value, 0 absent, '?' multi-letter (v2 temporal) */
};

static int cvss_put(struct cvss_vec *v, const char *tok, size_t len)
{
	const char *colon = memchr(tok, ':', len);
	size_t klen;
	size_t i;

	if (!colon || colon == tok || (size_t)(colon - tok) + 1 >= len)
		return FLW_EFORMAT;
	klen = (size_t)(colon - tok);
	for (i = 0; i < K__N; i++) {
		if (strlen(cvss_keys[i]) != klen || memcmp(cvss_keys[i], tok, klen) != 0)
			continue;
		if (v->m[i])
			return FLW_EFORMAT; /* duplicate metric */
		v->m[i] = len - klen - 1 == 1 ? colon[1] : '?';
		return 0;
	}
	return v->major == 3 ? FLW_EFORMAT : 0; /* v2/v4: metrics we do not use */
}

static int cvss_parse(const char *s, struct cvss_vec *v)
{
	const char *p = s;
	size_t len = strnlen(s, CVSS_MAX_VECTOR + 1);
	const char *end = s + len;
	int rc;

	memset(v, 0, sizeof(*v));
	if (len > CVSS_MAX_VECTOR)
		return FLW_EFORMAT;
	if (strncmp(s, "CVSS:3.0/", 9) == 0 || strncmp(s, "CVSS:3.1/", 9) == 0 ||
	    strncmp(s, "CVSS:4.0/", 9) == 0) {
		v->major = s[5] - '0';
		v->minor = s[7] - '0';
		p = s + 9;
	} else {
		v->major = 2;
		if (*p == '(' && len > 2 && end[-1] == ')') {
			p++;
			end--;
		}
	}
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *tok_end = slash ? slash : end;

		rc = cvss_put(v, p, (size_t)(tok_end - p));
		if (rc != 0)
			return rc;
		p = slash ? slash + 1 : end;
	}
	if (!v->m[K_AV] || !v->m[K_AC])
		return FLW_EFORMAT;
	if (v->major == 3 &&
	    (!v->m[K_PR] || !v->m[K_UI] || !v->m[K_S] || !v->m[K_C] || !v->m[K_I] || !v->m[K_A]))
		return FLW_EFORMAT;
	return 0;
}

static int cvss_automatable(const struct cvss_vec *v)
{
	int base = v->m[K_AV] == 'N' && v->m[K_AC] == 'L';

	if (v->major == 2)
		return base && v->m[K_AU] == 'N';
	if (v->major == 4)
		return base && v->m[K_AT] == 'N' && v->m[K_PR] == 'N' && v->m[K_UI] == 'N';
	return base && v->m[K_PR] == 'N' && v->m[K_UI] == 'N';
}

static int cvss_total(const struct cvss_vec *v)
{
	if (v->major == 2)
		return v->m[K_C] == 'C' && v->m[K_I] == 'C' && v->m[K_A] == 'C';
	if (v->major == 4)
		return v->m[K_VC] == 'H' && v->m[K_VI] == 'H' && v->m[K_VA] == 'H';
	if (v->m[K_C] == 'H' && v->m[K_I] == 'H' && v->m[K_A] == 'H')
		return 1;
	return v->m[K_S] == 'C' && v->m[K_C] == 'H' && v->m[K_I] == 'H';
}

/* weight x 100 of a letter in "letters" (same order as w), -1 if not allowed */
static int weight(char c, const char *letters, const int *w)
{
	const char *hit = c ? strchr(letters, c) : NULL;

	return hit ? w[hit - letters] : -1;
}

/* CVSS 3.1 Roundup on integers: tenths */
static unsigned roundup10(double x)
{
	long long i = (long long)(x * 100000.0 + 0.5);

	if (i <= 0)
		return 0;
	if (i % 10000 == 0)
		return (unsigned)(i / 10000);
	return (unsigned)(i / 10000 + 1);
}

static double power(double b, int e)
{
	double r = 1.0;

	while (e-- > 0)
		r *= b;
	return r;
}

static const char av_rank[] = "PLAN"; /* physical < local < adjacent < network */

static char mod(const struct cvss_vec *v, int mk, int bk)
{
	return v->m[mk] && v->m[mk] != 'X' ? v->m[mk] : v->m[bk];
}

static char cap_av(char av, enum flw_risk_exposure exposure)
{
	char cap = 'N';
	const char *a;
	const char *c;

	if (exposure == FLW_RISK_EXPOSURE_LAN)
		cap = 'A';
	else if (exposure == FLW_RISK_EXPOSURE_ISOLATED)
		cap = 'L';
	a = strchr(av_rank, av);
	c = strchr(av_rank, cap);
	if (a && c && a > c)
		return cap;
	return av;
}

struct env_w {
	int av, ac, pr, ui, c, i, a, cr, ir, ar, e, rl, rc;
	char ms;
};

static int env_weights(const struct cvss_vec *v, enum flw_risk_exposure exposure,
                       enum flw_risk_level impact, struct env_w *w)
{
	static const int w_av[] = { 85, 62, 55, 20 };
	static const int w_ac[] = { 77, 44 };
	static const int w_pr_u[] = { 85, 62, 27 };
	static const int w_pr_c[] = { 85, 68, 50 };
	static const int w_ui[] = { 85, 62 };
	static const int w_cia[] = { 56, 22, 0 };
	static const int w_req[] = { 50, 100, 150, 100 };
	static const int w_e[] = { 100, 100, 97, 94, 91 };
	static const int w_rl[] = { 100, 100, 97, 96, 95 };
	static const int w_rc[] = { 100, 100, 96, 92 };
	static const char req_of[] = { 'L', 'M', 'H' };
	char req = req_of[impact];

	w->ms = mod(v, K_MS, K_S);
	if (w->ms != 'U' && w->ms != 'C')
		return FLW_EFORMAT;
	w->av = weight(cap_av(mod(v, K_MAV, K_AV), exposure), "NALP", w_av);
	w->ac = weight(mod(v, K_MAC, K_AC), "LH", w_ac);
	w->pr = weight(mod(v, K_MPR, K_PR), "NLH", w->ms == 'C' ? w_pr_c : w_pr_u);
	w->ui = weight(mod(v, K_MUI, K_UI), "NR", w_ui);
	w->c = weight(mod(v, K_MC, K_C), "HLN", w_cia);
	w->i = weight(mod(v, K_MI, K_I), "HLN", w_cia);
	w->a = weight(mod(v, K_MA, K_A), "HLN", w_cia);
	/* the device's business impact sets the requirements (a vector's own CR/IR/AR is the
	 * publisher's guess about someone else's environment) */
	w->cr = weight(req, "LMHX", w_req);
	w->ir = w->cr;
	w->ar = w->cr;
	w->e = weight(v->m[K_E] ? v->m[K_E] : 'X', "XHFPU", w_e);
	w->rl = weight(v->m[K_RL] ? v->m[K_RL] : 'X', "XUWTO", w_rl);
	w->rc = weight(v->m[K_RC] ? v->m[K_RC] : 'X', "XCRU", w_rc);
	if (w->av < 0 || w->ac < 0 || w->pr < 0 || w->ui < 0 || w->c < 0 || w->i < 0 || w->a < 0 ||
	    w->e < 0 || w->rl < 0 || w->rc < 0)
		return FLW_EFORMAT;
	return 0;
}

static unsigned env_score(const struct env_w *w, int minor)
{
	double miss = 1.0 - (1.0 - w->cr / 100.0 * w->c / 100.0) *
	                            (1.0 - w->ir / 100.0 * w->i / 100.0) *
	                            (1.0 - w->ar / 100.0 * w->a / 100.0);
	double imp;
	double expl = 8.22 * w->av / 100.0 * w->ac / 100.0 * w->pr / 100.0 * w->ui / 100.0;
	double sum;
	double temporal = w->e / 100.0 * w->rl / 100.0 * w->rc / 100.0;

	if (miss > 0.915)
		miss = 0.915;
	if (w->ms == 'U')
		imp = 6.42 * miss;
	else if (minor == 0)
		imp = 7.52 * (miss - 0.029) - 3.25 * power(miss - 0.02, 15);
	else
		imp = 7.52 * (miss - 0.029) - 3.25 * power(miss * 0.9731 - 0.02, 13);
	if (imp <= 0)
		return 0;
	sum = w->ms == 'U' ? imp + expl : 1.08 * (imp + expl);
	if (sum > 10.0)
		sum = 10.0;
	return roundup10(roundup10(sum) / 10.0 * temporal);
}

int flw_cvss3_environmental(const char *vector, enum flw_risk_exposure exposure,
                            enum flw_risk_level impact, unsigned *score10_out)
{
	struct cvss_vec v;
	struct env_w w;
	int rc;

	if ((int)exposure < 0 || exposure >= _FLW_RISK_EXPOSURE_MAX || (int)impact < 0 ||
	    impact >= _FLW_RISK_LEVEL_MAX)
		return FLW_EINVAL;
	rc = cvss_parse(vector, &v);
	if (rc == 0 && v.major != 3)
		rc = FLW_EFORMAT;
	if (rc == 0)
		rc = env_weights(&v, exposure, impact, &w);
	if (rc != 0)
		return rc;
	*score10_out = env_score(&w, v.minor);
	return 0;
}

/* ---- from feed data ------------------------------------------------------------------- */

static const struct flw_vuln_cvss *v3_in(const struct flw_vuln_record *r, int origin)
{
	size_t i;
	const struct flw_vuln_cvss *best = NULL;

	if (!r)
		return NULL;
	for (i = 0; i < r->n_cvss; i++) {
		const struct flw_vuln_cvss *c = &r->cvss[i];

		if ((c->version != FLW_CVSS_V31 && c->version != FLW_CVSS_V30) ||
		    (int)c->origin != origin || !c->vector)
			continue;
		if (!best || (c->version == FLW_CVSS_V31 && best->version != FLW_CVSS_V31))
			best = c;
	}
	return best;
}

void flw_risk_input_from_entry(struct flw_risk_input *in, const struct flw_vuln_entry *e)
{
	static const int origins[] = { FLW_VULN_ORIGIN_NVD, FLW_VULN_ORIGIN_CNA,
		                       FLW_VULN_ORIGIN_CISA_ADP, FLW_VULN_ORIGIN_ADP };
	const struct flw_vuln_cvss *c = NULL;
	const struct flw_vuln_record *recs[2];
	size_t i;
	size_t j;

	memset(in, 0, sizeof(*in));
	in->exposure = FLW_RISK_EXPOSURE_UNKNOWN;
	if (!e)
		return;
	recs[0] = e->nvd;
	recs[1] = e->cve5;
	if (e->kev) {
		in->kev = 1;
		in->kev_added_ms = e->kev->date_added_ms;
		in->kev_due_ms = e->kev->due_date_ms;
		in->kev_ransomware = e->kev->ransomware == FLW_KEV_RANSOMWARE_KNOWN;
	} else if (e->nvd && e->nvd->kev_added_ms > 0) {
		in->kev = 1;
		in->kev_added_ms = e->nvd->kev_added_ms;
		in->kev_due_ms = e->nvd->kev_due_ms;
	}
	if (e->epss.present) {
		in->epss_present = 1;
		in->epss_e5 = e->epss.epss_e5;
		in->percentile_e5 = e->epss.percentile_e5;
	}
	/* SSVC: the newest published one */
	for (i = 0; i < 2; i++)
		if (recs[i] && recs[i]->ssvc.present &&
		    (!in->ssvc.present || recs[i]->ssvc.timestamp_ms > in->ssvc.timestamp_ms))
			in->ssvc = recs[i]->ssvc;
	for (j = 0; j < FLW_ARRAY_SIZE(origins) && !c; j++)
		for (i = 0; i < 2 && !c; i++)
			c = v3_in(recs[i], origins[j]);
	if (!c)
		c = flw_vuln_entry_cvss(e);
	if (c) {
		in->cvss_present = 1;
		in->cvss_vector = c->vector;
		in->cvss_score10 = c->score10;
		in->cvss_source = c->source;
	}
}

/* ---- assessment ----------------------------------------------------------------------- */

static const struct flw_risk_class *pick_class(const struct flw_risk_policy *p, const char *name,
                                               struct flw_risk_result *r)
{
	const struct flw_risk_class *cls = name ? flw_risk_policy_class(p, name) : NULL;

	if (cls)
		return cls;
	cls = flw_risk_policy_class(p, p->default_class);
	if (!cls)
		cls = &p->classes[0];
	if (name)
		REASON(r, FLW_RISK_R_CLASS, "'%.40s' is not a class of the policy, using %s", name,
		       cls->name);
	else
		REASON(r, FLW_RISK_R_CLASS, "none set, using the default %s", cls->name);
	return cls;
}

static void decide_exploitation(const struct flw_risk_policy *p, const struct flw_risk_input *in,
                                struct flw_risk_result *r)
{
	char d1[16];
	char d2[16];
	char e[16];

	if (in->kev) {
		flw_risk__date(in->kev_added_ms, d1);
		flw_risk__date(in->kev_due_ms, d2);
		REASON(r, FLW_RISK_R_KEV, "listed by CISA on %s, due %s%s",
		       in->kev_added_ms ? d1 : "(date unknown)", in->kev_due_ms ? d2 : "(none)",
		       in->kev_ransomware ? ", known ransomware use" : "");
	}
	if (in->epss_present) {
		fmt_e5(in->epss_e5, e);
		REASON(r, FLW_RISK_R_EPSS, "%s (%u%s percentile)", e, in->percentile_e5 / 1000u,
		       ordinal(in->percentile_e5 / 1000u));
	}
	if (in->kev) {
		r->exploitation = FLW_SSVC_EXPLOITATION_ACTIVE;
		if (in->ssvc.present && in->ssvc.exploitation != FLW_SSVC_EXPLOITATION_ACTIVE)
			REASON(r, FLW_RISK_R_EXPLOITATION, "active (KEV overrides CISA SSVC '%s')",
			       exploitation_names[in->ssvc.exploitation]);
		else
			REASON(r, FLW_RISK_R_EXPLOITATION, "active (KEV)");
	} else if (in->ssvc.present) {
		r->exploitation = in->ssvc.exploitation;
		REASON(r, FLW_RISK_R_EXPLOITATION, "%s (CISA SSVC)",
		       exploitation_names[r->exploitation]);
	} else if (in->exploit_reference) {
		r->exploitation = FLW_SSVC_EXPLOITATION_POC;
		REASON(r, FLW_RISK_R_EXPLOITATION, "poc (derived: a reference is tagged Exploit)");
	} else if (in->epss_present && in->epss_e5 >= p->epss_poc_e5) {
		fmt_e5(p->epss_poc_e5, e);
		r->exploitation = FLW_SSVC_EXPLOITATION_POC;
		REASON(r, FLW_RISK_R_EXPLOITATION, "poc (derived: EPSS >= %s)", e);
	} else {
		r->exploitation = FLW_SSVC_EXPLOITATION_NONE;
		REASON(r, FLW_RISK_R_EXPLOITATION, "none (derived: not on KEV, no SSVC, EPSS low)");
	}
}

static void decide_points(const struct flw_risk_input *in, const struct cvss_vec *v, int have_v,
                          struct flw_risk_result *r)
{
	if (r->exposure == FLW_RISK_EXPOSURE_ISOLATED) {
		r->automatable = 0;
		REASON(r, FLW_RISK_R_AUTOMATABLE, "no (device is isolated)");
	} else if (in->ssvc.present) {
		r->automatable = in->ssvc.automatable ? 1 : 0;
		REASON(r, FLW_RISK_R_AUTOMATABLE, "%s (CISA SSVC)", r->automatable ? "yes" : "no");
	} else if (have_v) {
		r->automatable = cvss_automatable(v);
		REASON(r, FLW_RISK_R_AUTOMATABLE, "%s (derived from the CVSS vector)",
		       r->automatable ? "yes" : "no");
	} else {
		r->automatable = 0;
		REASON(r, FLW_RISK_R_AUTOMATABLE, "no (assumed: no CVSS vector)");
	}
	if (in->ssvc.present) {
		r->technical_total = in->ssvc.technical_total ? 1 : 0;
		REASON(r, FLW_RISK_R_IMPACT, "%s (CISA SSVC)",
		       r->technical_total ? "total" : "partial");
	} else if (have_v) {
		r->technical_total = cvss_total(v);
		REASON(r, FLW_RISK_R_IMPACT, "%s (derived from the CVSS vector)",
		       r->technical_total ? "total" : "partial");
	} else {
		r->technical_total = 0;
		REASON(r, FLW_RISK_R_IMPACT, "partial (assumed: no CVSS vector)");
	}
}

static void impact_score(const struct flw_risk_input *in, const struct cvss_vec *v, int have_v,
                         struct flw_risk_result *r)
{
	const char *src = in->cvss_source && *in->cvss_source ? in->cvss_source : "unknown source";
	unsigned env = 0;
	struct env_w w;

	if (have_v && v->major == 3 && env_weights(v, r->exposure, r->business_impact, &w) == 0) {
		env = env_score(&w, v->minor);
		r->cvss_env10 = env;
		r->cvss_env_computed = 1;
		REASON(r, FLW_RISK_R_CVSS, "%.60s (%.40s), base %u.%u, environmental %u.%u",
		       in->cvss_vector, src, in->cvss_score10 / 10, in->cvss_score10 % 10, env / 10,
		       env % 10);
	} else if (in->cvss_present) {
		r->cvss_env10 = in->cvss_score10 > 100 ? 100 : in->cvss_score10;
		REASON(r, FLW_RISK_R_CVSS, "base %u.%u (%.40s) used unmodified: no CVSS 3.x vector",
		       r->cvss_env10 / 10, r->cvss_env10 % 10, src);
	} else {
		r->cvss_env10 = 50;
		REASON(r, FLW_RISK_R_CVSS, "none published, impact assumed 5.0");
	}
}

static const unsigned exposure_pct[] = { 100, 100, 60, 30 }; /* unknown resolved before use */
static const unsigned impact_pct[] = { 40, 70, 100 };

static void score(const struct flw_risk_input *in, struct flw_risk_result *r)
{
	uint64_t l = in->kev ? 100000u : (in->epss_present ? in->epss_e5 : 0);
	uint64_t num;
	char ls[16];

	if (in->epss_present && in->epss_e5 > l)
		l = in->epss_e5;
	num = (500000u + 95u * l) * r->cvss_env10 * exposure_pct[r->exposure] *
	      impact_pct[r->business_impact];
	if (in->confidence == FLW_MATCH_CONF_HEURISTIC) {
		num /= 2;
		REASON(r, FLW_RISK_R_CONFIDENCE,
		       "heuristic match (platform assumed), score halved");
	} else if (in->confidence == FLW_MATCH_CONF_NEEDS_REVIEW) {
		REASON(r, FLW_RISK_R_CONFIDENCE, "needs review: never closed automatically");
	}
	r->score = (unsigned)((num + 50000000000u) / 100000000000u);
	fmt_e5((uint32_t)l, ls);
	REASON(r, FLW_RISK_R_SCORE, "%u = 100 x (0.05 + 0.95 x L %s) x I %u.%u x X %u%% x B %u%%%s",
	       r->score, ls, r->cvss_env10 / 10, r->cvss_env10 % 10, exposure_pct[r->exposure],
	       impact_pct[r->business_impact],
	       in->confidence == FLW_MATCH_CONF_HEURISTIC ? " x 0.5" : "");
}

static void explain_deadline(struct flw_risk_result *r, int64_t first_seen_ms)
{
	const struct flw_risk_deadline *d = &r->deadline;
	char due[16];
	char seen[16];

	flw_risk__date(d->due_ms, due);
	flw_risk__date(first_seen_ms, seen);
	if (!d->due_ms) {
		REASON(r, FLW_RISK_R_DEADLINE, "%u days for %s, first seen unknown", d->days,
		       r->cls->name);
		return;
	}
	if (d->kev_tightened)
		REASON(r, FLW_RISK_R_DEADLINE, "%s: KEV due date, earlier than %u days for %s", due,
		       d->days, r->cls->name);
	else
		REASON(r, FLW_RISK_R_DEADLINE, "%s: %u days for %s from first seen %s", due,
		       d->days, r->cls->name, seen);
	if (d->overdue)
		REASON(r, FLW_RISK_R_DEADLINE, "overdue");
}

static int check_input(const struct flw_risk_policy *p, const struct flw_risk_input *in)
{
	if (p->n_classes == 0 || p->n_classes > FLW_RISK_MAX_CLASSES)
		return FLW_EINVAL;
	if ((int)in->exposure < 0 || in->exposure >= _FLW_RISK_EXPOSURE_MAX)
		return FLW_EINVAL;
	if ((int)p->unknown_exposure <= 0 || p->unknown_exposure >= _FLW_RISK_EXPOSURE_MAX)
		return FLW_EINVAL;
	if (in->epss_present && (in->epss_e5 > 100000u || in->percentile_e5 > 100000u))
		return FLW_EINVAL;
	if (in->ssvc.present && ((int)in->ssvc.exploitation < 0 || in->ssvc.exploitation > 2))
		return FLW_EINVAL;
	return 0;
}

int flw_risk_assess(const struct flw_risk_policy *p, const struct flw_risk_input *in,
                    struct flw_risk_result *out, struct flw_diag *diag)
{
	struct flw_risk_result r;
	struct cvss_vec v;
	int have_v;
	int rc;

	rc = check_input(p, in);
	if (rc != 0)
		return flw_diag_set(diag, rc, "risk", "invalid input or policy");
	memset(&r, 0, sizeof(r));
	r.cls = pick_class(p, in->class_name, &r);
	r.mission_wellbeing = r.cls->mission_wellbeing;
	r.business_impact = r.cls->business_impact;
	r.exposure = in->exposure;
	decide_exploitation(p, in, &r);
	if (r.exposure == FLW_RISK_EXPOSURE_UNKNOWN) {
		r.exposure = p->unknown_exposure;
		REASON(&r, FLW_RISK_R_EXPOSURE, "unknown, scored as %s",
		       exposure_names[r.exposure]);
	} else if (r.exposure == FLW_RISK_EXPOSURE_INTERNET) {
		REASON(&r, FLW_RISK_R_EXPOSURE, "internet-exposed");
	} else {
		REASON(&r, FLW_RISK_R_EXPOSURE, "%s%s%.60s", exposure_names[r.exposure],
		       in->segment ? ", segment " : "", in->segment ? in->segment : "");
	}
	REASON(&r, FLW_RISK_R_CLASS, "%s (mission & well-being %s, business impact %s)",
	       r.cls->name, level_names[r.mission_wellbeing], level_names[r.business_impact]);
	have_v = in->cvss_vector && cvss_parse(in->cvss_vector, &v) == 0;
	decide_points(in, &v, have_v, &r);
	r.decision =
	        ssvc_table[r.exploitation][r.automatable][r.technical_total][r.mission_wellbeing];
	REASON(&r, FLW_RISK_R_DECISION, "%s -> %s -> %s -> %s = %s",
	       exploitation_names[r.exploitation], r.automatable ? "yes" : "no",
	       r.technical_total ? "total" : "partial", level_names[r.mission_wellbeing],
	       decision_names[r.decision]);
	impact_score(in, &v, have_v, &r);
	score(in, &r);
	rc = flw_risk_deadline(p, r.cls, r.decision, in->first_seen_ms,
	                       in->kev ? in->kev_due_ms : 0, in->now_ms, &r.deadline);
	if (rc != 0)
		return flw_diag_set(diag, rc, "risk.deadline", "invalid deadline input");
	explain_deadline(&r, in->first_seen_ms);
	*out = r;
	return 0;
}

int flw_risk_deadline(const struct flw_risk_policy *p, const struct flw_risk_class *cls,
                      enum flw_risk_decision decision, int64_t first_seen_ms, int64_t kev_due_ms,
                      int64_t now_ms, struct flw_risk_deadline *out)
{
	struct flw_risk_deadline d;
	unsigned cap;

	if ((int)decision < 0 || decision >= _FLW_RISK_DECISION_MAX || first_seen_ms < 0 ||
	    kev_due_ms < 0 || cls->deadline_days == 0 || cls->deadline_days > FLW_RISK_MAX_DAYS)
		return FLW_EINVAL;
	memset(&d, 0, sizeof(d));
	d.days = cls->deadline_days;
	cap = p->decision_days[decision];
	if (cap > 0 && cap < d.days)
		d.days = cap;
	if (first_seen_ms > 0)
		d.due_ms = first_seen_ms + (int64_t)d.days * MS_PER_DAY;
	if (kev_due_ms > 0 && (d.due_ms == 0 || kev_due_ms < d.due_ms)) {
		d.due_ms = kev_due_ms;
		d.kev_tightened = 1;
	}
	d.overdue = now_ms > 0 && d.due_ms > 0 && now_ms > d.due_ms;
	*out = d;
	return 0;
}
