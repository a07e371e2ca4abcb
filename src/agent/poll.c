/* src/agent/poll.c - the agent's cycle over its persisted state
 *
 *   prepare (key, trust root, token) -> resume what is in flight (apply.c) -> send queued
 *   reports -> check in (inventory; answer: poll_after, acked_seq, update) -> on a new update:
 *   TUF cross-check -> download + verify (download.c) -> install + switch (apply.c) ->
 *   (simulated) reboot -> resume (trial, commit / roll back) -> send reports
 *
 * A deployment is finished for the agent once a terminal report is queued; its id is kept in
 * the state's done list so the server's repeated `update` (repeated until the report arrives)
 * is not installed twice. Failures that may heal (network, stalls, short downloads) are
 * retried at the next poll, up to download_retries attempts per deployment; verification
 * failures are final and reported as "failure" at once.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fleetward/alloc.h"
#include "fleetward/bootsel.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "agent.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int agent_save(struct agent *a)
{
	struct flw_diag d = { 0 };
	int rc;

	rc = flw_agent_state_save(a->state_path, a->st, &d);
	if (rc != 0)
		log_error_rc(rc,
		             "saving agent state '%s': %s; check space and permissions of "
		             "state_dir",
		             a->state_path, d.msg);
	return rc;
}

static int open_dirs(struct agent *a, struct flw_diag *d)
{
	int rc;

	a->state_path = flw_fs_join(a->cfg->state_dir, "state.json");
	a->director_path = flw_fs_join(a->cfg->state_dir, "director.json");
	a->tuf_dir = flw_fs_join(a->cfg->state_dir, "tuf");
	a->staging_dir = flw_fs_join(a->cfg->state_dir, "staging");
	if (!a->state_path || !a->tuf_dir || !a->staging_dir || !a->director_path)
		return FLW_ENOMEM;
	if ((rc = flw_fs_mkdirs(a->cfg->state_dir, 0700, d)) != 0 ||
	    (rc = flw_fs_mkdirs(a->tuf_dir, 0700, d)) != 0 ||
	    (rc = flw_fs_mkdirs(a->staging_dir, 0700, d)) != 0)
		return rc;
	return 0;
}

int agent_open(struct agent **out, const struct agent_config *cfg, int once, struct flw_diag *d)
{
	struct agent *a;
	int rc = FLW_ENOMEM;

	a = flw_calloc(1, sizeof(*a));
	if (!a)
		return FLW_ENOMEM;
	a->cfg = cfg;
	a->once = once;
	a->poll_after = cfg->poll_interval;
	snprintf(a->health, sizeof(a->health), "ok");
	a->st = flw_calloc(1, sizeof(*a->st));
	if (!a->st)
		goto out;
	if ((rc = open_dirs(a, d)) != 0)
		goto out;
	if ((rc = flw_agent_state_load(a->state_path, a->st, d)) != 0) {
		char m[FLW_DIAG_MSG_MAX];

		snprintf(m, sizeof(m), "%s", d->msg);
		flw_diag_set(d, rc, NULL, "agent state '%s' is unreadable: %s", a->state_path, m);
		goto out;
	}
	if ((rc = flw_bootsel_file_open(&a->bootsel, cfg->bootsel + 5, d)) != 0)
		goto out;
	rc = agent_http_new(&a->http, cfg);
	if (rc != 0)
		goto out;
	*out = a;
	a = NULL;
out:
	agent_free(a);
	return rc;
}

void agent_free(struct agent *a)
{
	if (!a)
		return;
	agent_http_free(a->http);
	flw_bootsel_free(a->bootsel);
	flw_free(a->st);
	flw_free(a->state_path);
	flw_free(a->tuf_dir);
	flw_free(a->staging_dir);
	flw_free(a->director_path);
	flw_memzero(a->sk, sizeof(a->sk));
	flw_memzero(a->token, sizeof(a->token));
	flw_free(a);
}

/* ---- check-in ---------------------------------------------------------------------------- */

static json_t *checkin_body(struct agent *a)
{
	struct flw_bootsel_state bs = { .primary = 'A', .booted = 'A' };
	const struct flw_agent_image *im;
	json_t *attrs = json_object();
	char active[2] = { 0, 0 };
	size_t i;

	if (flw_bootsel_load(a->bootsel, &bs, NULL) != 0)
		bs.booted = 'A'; /* logged where the state is used for an update */
	active[0] = bs.booted;
	im = flw_agent_state_slot(a->st, bs.booted);
	for (i = 0; attrs && i < a->cfg->n_attrs; i++)
		json_object_set_new(attrs, a->cfg->attrs[i].name,
		                    json_string(a->cfg->attrs[i].value));
	if (attrs)
		json_object_set_new(attrs, "agent", json_string("fleetward-agent " FLW_VERSION));
	return json_pack("{s:{s:s, s:s}, s:{s:s, s:b}, s:s, s:o*}", "installed", "target",
	                 im->target, "version", im->version, "slot", "active", active, "trial",
	                 bs.trial != 0 && bs.trial == bs.booted, "health", a->health, "attributes",
	                 attrs);
}

/* an optional field may be absent */
static int opt(int rc)
{
	return rc == FLW_ENOTFOUND ? 0 : rc;
}

static int parse_update(const json_t *j, struct agent_update *u, struct flw_diag *d)
{
	const char *target = NULL;
	const char *version = NULL;
	const char *sha = NULL;
	const char *url = NULL;
	int64_t len = 0;
	int64_t sv = 0;
	int rc;

	memset(u, 0, sizeof(*u));
	if ((rc = flw_json_get_int(j, "deployment", &u->deployment, 1, INT64_MAX, 1, d)) != 0 ||
	    (rc = flw_json_get_str(j, "target", &target, FLW_TUF_TARGET_NAME_MAX, 1, d)) != 0 ||
	    (rc = opt(flw_json_get_str(j, "version", &version, FLW_TUF_VERSION_STR_MAX, 0, d))) !=
	            0 ||
	    (rc = flw_json_get_int(j, "length", &len, 0, INT64_MAX, 1, d)) != 0 ||
	    (rc = flw_json_get_str(j, "sha256", &sha, 64, 1, d)) != 0 ||
	    (rc = opt(flw_json_get_int(j, "security_version", &sv, 0, INT64_MAX, 0, d))) != 0 ||
	    (rc = opt(flw_json_get_str(j, "url", &url, sizeof(u->url) - 1, 0, d))) != 0)
		return rc;
	if (flw_hex_decode(u->t.sha256, FLW_SHA256_BYTES, sha) != 0)
		return flw_diag_set(d, FLW_EFORMAT, "update.sha256", "not 64 hex digits");
	snprintf(u->t.name, sizeof(u->t.name), "%s", target);
	snprintf(u->t.version, sizeof(u->t.version), "%s", version ? version : "");
	snprintf(u->url, sizeof(u->url), "%s", url ? url : "");
	u->t.length = (uint64_t)len;
	u->t.security_version = (uint64_t)sv;
	return 0;
}

/* "update": absent or null = nothing to do */
static int get_update(const json_t *ans, json_t **upd, struct flw_diag *d)
{
	json_t *v = json_object_get(ans, "update");

	*upd = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return flw_diag_set(d, FLW_EFORMAT, "update", "expected an object");
	*upd = v;
	return 0;
}

/* update.director: the signed director document as a string (its exact bytes); absent is
 * left empty (the check then refuses the update, naming it) */
static int get_director(const json_t *upd, struct agent_update *u, struct flw_diag *d)
{
	const char *doc = NULL;
	json_t *v = json_object_get(upd, "director");

	flw_buf_init(&u->director, AGENT_DIRECTOR_MAX);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return flw_diag_set(d, FLW_EFORMAT, "update.director", "expected a string");
	doc = json_string_value(v);
	if (json_string_length(v) > AGENT_DIRECTOR_MAX)
		return flw_diag_set(d, FLW_ELIMIT, "update.director",
		                    "endless data: director metadata of %zu bytes, at most %u",
		                    json_string_length(v), AGENT_DIRECTOR_MAX);
	return flw_buf_append(&u->director, doc, json_string_length(v));
}

/* Check in; *has_update set when the answer directs an update. */
static int checkin(struct agent *a, struct agent_update *u, int *has_update)
{
	const struct flw_json_limits lim = { AGENT_RESP_MAX, 8 };
	struct agent_resp r;
	struct flw_buf body;
	struct flw_diag d = { 0 };
	char msg[FLW_DIAG_MSG_MAX + 64];
	json_t *req = NULL;
	json_t *ans = NULL;
	json_t *upd = NULL;
	int64_t poll_after = 0;
	int64_t acked = 0;
	int rc = FLW_ENOMEM;

	*has_update = 0;
	agent_resp_init(&r, AGENT_RESP_MAX);
	flw_buf_init(&body, FLW_DEVICE_BODY_MAX);
	req = checkin_body(a);
	if (!req || (rc = flw_json_dump(&body, req, 0)) != 0)
		goto out;
	rc = agent_post(a, "/device/v1/checkin", flw_buf_cstr(&body), &r);
	if (rc != 0)
		goto out;
	if (r.status != 200) {
		rc = log_error_rc(FLW_ENET, "check-in refused: %s; retrying at the next poll",
		                  agent_resp_error(&r, msg, sizeof(msg)));
		goto out;
	}
	if ((rc = flw_json_parse(&ans, r.body.data, r.body.len, &lim, &d)) != 0 ||
	    (rc = flw_json_get_int(ans, "poll_after", &poll_after, 1, 7 * 86400, 1, &d)) != 0 ||
	    (rc = flw_json_get_int(ans, "acked_seq", &acked, 0, INT64_MAX, 1, &d)) != 0 ||
	    (rc = get_update(ans, &upd, &d)) != 0 ||
	    (upd && (rc = parse_update(upd, u, &d)) != 0) ||
	    (upd && (rc = get_director(upd, u, &d)) != 0)) {
		rc = log_error_rc(rc ? rc : FLW_EFORMAT, "bad check-in answer: %s",
		                  flw_diag_format(&d, msg, sizeof(msg)));
		goto out;
	}
	rc = 0;
	a->poll_after = (long)poll_after;
	*has_update = upd != NULL;
	if (flw_agent_state_ack(a->st, acked) > 0)
		rc = agent_save(a);
out:
	json_decref(req);
	json_decref(ans);
	flw_buf_free(&body);
	agent_resp_free(&r);
	return rc;
}

/* ---- an update ------------------------------------------------------------------------- */

static int final_failure(int rc)
{
	return rc != FLW_ENET && rc != FLW_ENOMEM && rc != FLW_EIO;
}

/* Count a failed attempt; report failure when final or out of attempts. */
static int attempt_failed(struct agent *a, const struct agent_update *u, int rc)
{
	int r2;

	if (a->st->attempts_deployment != u->deployment) {
		a->st->attempts_deployment = u->deployment;
		a->st->attempts = 0;
	}
	a->st->attempts++;
	if (final_failure(rc) || a->st->attempts >= (unsigned)a->cfg->download_retries) {
		flw_agent_state_mark_done(a->st, u->deployment);
		r2 = agent_report(a, u->deployment, FLW_ST_FAILURE, "%s%s", a->last_error,
		                  final_failure(rc) ? "" : " (no attempts left)");
		return r2 != 0 ? r2 : rc;
	}
	log_error("deployment %lld: attempt %u of %ld failed: %s; retrying at the next poll",
	          (long long)u->deployment, a->st->attempts, a->cfg->download_retries,
	          a->last_error);
	r2 = agent_save(a);
	return r2 != 0 ? r2 : rc;
}

static int already_installed(struct agent *a, const struct agent_update *u)
{
	const struct flw_agent_image *im = flw_agent_state_slot(a->st, agent_booted_slot(a));

	return strcmp(im->target, u->t.name) == 0 && strcmp(im->version, u->t.version) == 0 &&
	       im->target[0] != '\0';
}

static int handle_update(struct agent *a, const struct agent_update *u)
{
	struct agent_update v;
	char *staged = NULL;
	int done;
	int rc;

	if (a->st->phase != FLW_AGENT_IDLE || agent_director_finished(a, u))
		return 0;
	/* a finished deployment comes back only as a replay (or a re-signed copy, caught above):
	 * it is checked like any other, but announces no download */
	done = flw_agent_state_is_done(a->st, u->deployment);
	a->last_error[0] = '\0';
	log_notice("deployment %lld: update to '%s' %s directed", (long long)u->deployment,
	           u->t.name, u->t.version);
	if (!done) {
		rc = agent_report(a, u->deployment, FLW_ST_DOWNLOADING, "%s %s, %llu bytes",
		                  u->t.name, u->t.version, (unsigned long long)u->t.length);
		if (rc != 0)
			return rc;
	}
	rc = agent_verify_target(a, u, &v);
	if (rc != 0)
		return attempt_failed(a, u, rc);
	/* From here on only the verified director instruction and the image repository's entry
	 * are used: the check-in's plain fields are unsigned and must never reach the agent
	 * state (a stolen server could lower the anti-rollback floor). */
	if (flw_agent_state_is_done(a->st, v.deployment))
		return 0;
	if (already_installed(a, &v)) {
		flw_agent_state_mark_done(a->st, v.deployment);
		return agent_report(a, v.deployment, FLW_ST_SUCCESS, "already installed");
	}
	rc = agent_download(a, &v, &staged);
	if (rc == 0) {
		rc = agent_report(a, v.deployment, FLW_ST_DOWNLOADED,
		                  "length and sha256 match the signed metadata");
		if (rc == 0)
			rc = agent_install(a, &v, staged);
	}
	flw_free(staged);
	if (rc != 0 && a->st->phase == FLW_AGENT_IDLE)
		return attempt_failed(a, &v, rc);
	if (rc != 0)
		return rc;
	return agent_resume(a); /* reboot, trial, commit or roll back */
}

static int cycle(struct agent *a)
{
	struct agent_update u;
	int has_update = 0;
	int rc;
	int rc2;

	memset(&u, 0, sizeof(u));
	rc = agent_prepare(a);
	if (rc != 0)
		return rc;
	rc = agent_resume(a);
	if (rc != 0 || a->exit_after_reboot)
		return rc;
	(void)agent_flush_reports(a); /* failures are logged; the check-in still goes */
	rc = checkin(a, &u, &has_update);
	if (rc == 0 && has_update)
		rc = handle_update(a, &u);
	flw_buf_free(&u.director);
	if (a->exit_after_reboot)
		return rc;
	rc2 = agent_flush_reports(a);
	return rc != 0 ? rc : rc2;
}

static void sleep_interruptible(long seconds)
{
	struct timespec ts = { 1, 0 };
	long i;

	for (i = 0; i < seconds && !stop_requested; i++)
		nanosleep(&ts, NULL);
}

int agent_run(struct agent *a)
{
	struct sigaction sa;
	long wait;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		rc = cycle(a);
		if (a->once || a->exit_after_reboot || stop_requested)
			return rc;
		wait = a->poll_after > 0 ? a->poll_after : a->cfg->poll_interval;
		if (a->retry_after > wait)
			wait = a->retry_after;
		a->retry_after = 0;
		log_debug("next poll in %ld s", wait);
		sleep_interruptible(wait);
		if (stop_requested)
			return 0;
	}
}
