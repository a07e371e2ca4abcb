/* src/agent/apply.c - install into the inactive slot, switch boot, trial, commit, roll back
 *
 * Order of writes for an install (SECURITY-TESTS.md 4.2, commit point last):
 *   1. slot data written in FLW_SLOT_CHUNK writes while hashing, fsynced, hash compared;
 *      then the security version is checked against the anti-rollback floor once more
 *   2. agent state "trial of slot X for deployment D" persisted (atomic replace)
 *   3. ONE flw_bootsel_store {primary unchanged, trial X, tries_left boot_tries}  <- commit
 * The anti-rollback floor (state's security_floor) is raised to the committed image's security
 * version in the same state write that queues the success report: it never goes down.
 * After a (simulated) reboot agent_resume() reads the agent state and the boot selection and
 * finishes from whatever point a crash left: each branch below names the situation it handles,
 * and each transition is one atomic write, so a kill -9 anywhere resumes cleanly. The loop is
 * bounded (RESUME_MAX_STEPS) so a state that does not converge is reported, not spun on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fleetward/bootsel.h"
#include "fleetward/error.h"
#include "fleetward/log.h"
#include "agent.h"
#include "device/slot.h"

#define RESUME_MAX_STEPS 8

static const char *slot_path(struct agent *a, char slot)
{
	return slot == 'B' ? a->cfg->slot_b : a->cfg->slot_a;
}

static int load_bootsel(struct agent *a, struct flw_bootsel_state *bs)
{
	struct flw_diag d = { 0 };
	char m[FLW_DIAG_MSG_MAX + 64];
	int rc;

	rc = flw_bootsel_load(a->bootsel, bs, &d);
	if (rc != 0)
		log_error_rc(rc,
		             "reading boot selection: %s; repair or remove '%s' (the bootloader "
		             "environment) before updating",
		             flw_diag_format(&d, m, sizeof(m)), a->cfg->bootsel + 5);
	return rc;
}

static int store_bootsel(struct agent *a, const struct flw_bootsel_state *bs)
{
	struct flw_diag d = { 0 };
	char m[FLW_DIAG_MSG_MAX + 64];
	int rc;

	rc = flw_bootsel_store(a->bootsel, bs, &d);
	if (rc != 0)
		log_error_rc(rc, "writing boot selection: %s", flw_diag_format(&d, m, sizeof(m)));
	return rc;
}

char agent_booted_slot(struct agent *a)
{
	struct flw_bootsel_state bs;

	if (load_bootsel(a, &bs) != 0)
		return 'A';
	return bs.booted;
}

/* Run cmd with /bin/sh -c in its own process group; kill the group after timeout seconds.
 * *status_out: exit status, or -1 on timeout / abnormal end. */
static int run_command(struct agent *a, const char *cmd, long timeout, int *status_out)
{
	char slot[2] = { a->st->slot ? a->st->slot : '-', 0 };
	char dep[32];
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	time_t deadline = time(NULL) + timeout;
	int wst = 0;
	pid_t pid;
	pid_t r;

	snprintf(dep, sizeof(dep), "%lld", (long long)a->st->deployment);
	pid = fork();
	if (pid < 0)
		return log_error_rc(FLW_EIO, "fork for '%s'", cmd);
	if (pid == 0) {
		setpgid(0, 0);
		setenv("FLEETWARD_SLOT", slot, 1);
		setenv("FLEETWARD_DEPLOYMENT", dep, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	for (;;) {
		r = waitpid(pid, &wst, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (time(NULL) >= deadline) {
			log_error("'%s' still running after %ld s: killed", cmd, timeout);
			kill(-pid, SIGKILL);
			waitpid(pid, &wst, 0);
			*status_out = -1;
			return 0;
		}
		nanosleep(&nap, NULL);
	}
	*status_out = (r == pid && WIFEXITED(wst)) ? WEXITSTATUS(wst) : -1;
	return 0;
}

int agent_reboot(struct agent *a)
{
	struct flw_diag d = { 0 };
	char booted = 0;
	int status = 0;
	int rc;

	(void)agent_flush_reports(a); /* best effort: tell the server before going down */
	if (strcmp(a->cfg->reboot_command, "simulate") == 0) {
		rc = flw_bootsel_boot(a->bootsel, &booted, &d);
		if (rc != 0)
			return log_error_rc(rc, "simulated reboot: %s", d.msg);
		log_notice("simulated reboot: the bootloader booted slot %c", booted);
		return 0;
	}
	log_notice("rebooting: running '%s'", a->cfg->reboot_command);
	rc = run_command(a, a->cfg->reboot_command, a->cfg->health_timeout, &status);
	if (rc == 0 && status != 0)
		log_error("reboot command '%s' exited with %d; the update continues at the next "
		          "start",
		          a->cfg->reboot_command, status);
	a->exit_after_reboot = 1;
	return rc;
}

int agent_install(struct agent *a, const struct agent_update *u, const char *staged)
{
	struct flw_bootsel_state bs;
	struct flw_diag d = { 0 };
	char m[FLW_DIAG_MSG_MAX + 64];
	char x;
	int rc;

	rc = load_bootsel(a, &bs);
	if (rc != 0)
		goto fail;
	if (bs.trial != 0) {
		rc = flw_diag_set(&d, FLW_ESTATE, NULL, "slot %c is already on trial", bs.trial);
		goto fail;
	}
	x = flw_bootsel_other(bs.booted);
	rc = agent_report(a, u->deployment, FLW_ST_INSTALLING, "writing slot %c ('%s', %llu bytes)",
	                  x, slot_path(a, x), (unsigned long long)u->t.length);
	if (rc != 0)
		return rc;
	rc = flw_slot_write(staged, slot_path(a, x), u->t.length, u->t.sha256, NULL, &d);
	if (rc != 0)
		goto fail;
	/* Anti-rollback again right before the switch (checked before the download too): the
	 * commit point must never be reached by an image below the floor (MCUboot's lesson). */
	if (u->t.security_version < a->st->security_floor) {
		rc = flw_diag_set(&d, FLW_EROLLBACK, u->t.name,
		                  "rollback: security version %llu below the device's floor %llu",
		                  (unsigned long long)u->t.security_version,
		                  (unsigned long long)a->st->security_floor);
		goto fail;
	}
	/* Persist the trial before the switch: after a crash we know what was going on. */
	a->st->phase = FLW_AGENT_TRIAL;
	a->st->deployment = u->deployment;
	a->st->slot = x;
	snprintf(a->st->pending.target, sizeof(a->st->pending.target), "%s", u->t.name);
	snprintf(a->st->pending.version, sizeof(a->st->pending.version), "%s", u->t.version);
	a->st->pending.security_version = u->t.security_version;
	a->st->reported = FLW_ST_INSTALLING;
	a->st->reason[0] = '\0';
	rc = agent_save(a);
	if (rc != 0)
		return rc;
	bs.trial = x;
	bs.tries_left = (unsigned)a->cfg->boot_tries;
	bs.last_failed = 0;
	rc = store_bootsel(a, &bs); /* the commit point */
	if (rc != 0) {
		a->st->phase = FLW_AGENT_IDLE;
		snprintf(a->last_error, sizeof(a->last_error), "boot switch to slot %c failed: %s",
		         x, flw_strerror(rc));
		return rc;
	}
	log_notice("slot %c written and verified; boot switched to it on trial", x);
	agent_staging_clean(a, NULL);
	a->st->reported = FLW_ST_INSTALLED;
	return agent_report(a, u->deployment, FLW_ST_INSTALLED,
	                    "slot %c written, sha256 verified while writing; boot switched to %c "
	                    "on trial (%ld tries)",
	                    x, x, a->cfg->boot_tries);
fail:
	snprintf(a->last_error, sizeof(a->last_error),
	         "install into the inactive slot: %s: %s; the boot selection was not changed",
	         flw_error_name(rc), flw_diag_format(&d, m, sizeof(m)));
	return rc;
}

static int finish(struct agent *a, int state, const char *detail)
{
	int64_t dep = a->st->deployment;

	if (state == FLW_ST_SUCCESS) {
		*flw_agent_state_slot(a->st, a->st->slot) = a->st->pending;
		/* persisted with the success report below, in one atomic state write */
		if (flw_agent_state_raise_floor(a->st, a->st->pending.security_version))
			log_notice("anti-rollback floor raised to security version %llu",
			           (unsigned long long)a->st->security_floor);
	}
	a->st->phase = FLW_AGENT_IDLE;
	a->st->reported = state;
	flw_agent_state_mark_done(a->st, dep);
	return agent_report(a, dep, state, "%s", detail);
}

static int health_check(struct agent *a, char *why, size_t why_len)
{
	int status = 0;
	int rc;

	if (!a->cfg->health_command)
		return 0;
	rc = run_command(a, a->cfg->health_command, a->cfg->health_timeout, &status);
	if (rc != 0) {
		snprintf(why, why_len, "health command could not run");
		return FLW_EIO;
	}
	if (status == 0)
		return 0;
	if (status < 0)
		snprintf(why, why_len, "health command timed out after %ld s or was killed",
		         a->cfg->health_timeout);
	else
		snprintf(why, why_len, "health command exited with %d", status);
	return FLW_ESTATE;
}

/* Running the trial slot: report booted, judge health, commit or start the rollback. */
static int trial_running(struct agent *a, struct flw_bootsel_state *bs)
{
	char x = a->st->slot;
	char why[256];
	int rc;

	if (a->st->reported < FLW_ST_BOOTED) {
		a->st->reported = FLW_ST_BOOTED;
		rc = agent_report(a, a->st->deployment, FLW_ST_BOOTED,
		                  "running slot %c on trial (%u tries left); checking health", x,
		                  bs->tries_left);
		if (rc != 0)
			return rc;
	}
	why[0] = '\0';
	if (health_check(a, why, sizeof(why)) == 0) {
		bs->primary = x;
		bs->trial = 0;
		bs->tries_left = 0;
		bs->last_failed = 0;
		rc = store_bootsel(a, bs); /* commit: the last write of the update */
		if (rc != 0)
			return rc;
		a->health[0] = 'o', a->health[1] = 'k', a->health[2] = '\0';
		return finish(a, FLW_ST_SUCCESS, "healthy; slot committed as primary");
	}
	log_error("deployment %lld: trial of slot %c is unhealthy: %s; rolling back to slot %c",
	          (long long)a->st->deployment, x, why, bs->primary);
	snprintf(a->health, sizeof(a->health), "failed");
	a->st->phase = FLW_AGENT_ROLLBACK;
	snprintf(a->st->reason, sizeof(a->st->reason), "%s", why);
	rc = agent_save(a);
	if (rc != 0)
		return rc;
	bs->trial = 0;
	bs->tries_left = 0;
	bs->last_failed = x;
	rc = store_bootsel(a, bs);
	if (rc != 0)
		return rc;
	return agent_reboot(a);
}

static int clear_last_failed(struct agent *a, struct flw_bootsel_state *bs)
{
	if (bs->last_failed == 0)
		return 0;
	bs->last_failed = 0;
	return store_bootsel(a, bs);
}

/* One step of the resume machine; *done set when nothing is left to do now. */
static int resume_step(struct agent *a, int *done)
{
	struct flw_bootsel_state bs;
	char x = a->st->slot;
	char detail[FLW_REPORT_DETAIL_MAX + 1];
	int rc;

	*done = 1;
	if (a->st->phase == FLW_AGENT_IDLE)
		return 0;
	rc = load_bootsel(a, &bs);
	if (rc != 0)
		return rc;
	*done = 0;
	if (a->st->phase == FLW_AGENT_ROLLBACK) {
		if (bs.trial == x) { /* crashed before the switch back */
			bs.trial = 0;
			bs.tries_left = 0;
			bs.last_failed = x;
			return store_bootsel(a, &bs);
		}
		if (bs.booted == x)
			return agent_reboot(a);
		snprintf(detail, sizeof(detail),
		         "trial of slot %c failed (%.400s); back on slot %c", x, a->st->reason,
		         bs.booted);
		if ((rc = clear_last_failed(a, &bs)) != 0)
			return rc;
		return finish(a, FLW_ST_ROLLED_BACK, detail);
	}
	/* FLW_AGENT_TRIAL */
	if (bs.trial == x && bs.booted != x) { /* switched, not yet rebooted */
		if (a->st->reported < FLW_ST_INSTALLED) {
			a->st->reported = FLW_ST_INSTALLED;
			rc = agent_report(a, a->st->deployment, FLW_ST_INSTALLED,
			                  "boot switched to slot %c on trial", x);
			if (rc != 0)
				return rc;
		}
		return agent_reboot(a);
	}
	if (bs.trial == x)
		return trial_running(a, &bs);
	if (bs.primary == x) /* committed; crashed before recording it */
		return finish(a, FLW_ST_SUCCESS, "healthy; slot committed as primary");
	if (bs.last_failed == x) {
		snprintf(detail, sizeof(detail),
		         "slot %c did not come up within %ld boot tries; the bootloader fell back "
		         "to slot %c",
		         x, a->cfg->boot_tries, bs.booted);
		if ((rc = clear_last_failed(a, &bs)) != 0)
			return rc;
		return finish(a, FLW_ST_ROLLED_BACK, detail);
	}
	/* The switch never happened (crash before the commit point): install again later. */
	log_notice("deployment %lld: interrupted before the boot switch; it will be installed "
	           "again",
	           (long long)a->st->deployment);
	a->st->phase = FLW_AGENT_IDLE;
	*done = 1;
	return agent_save(a);
}

int agent_resume(struct agent *a)
{
	int done = 0;
	int steps;
	int rc = 0;

	for (steps = 0; steps < RESUME_MAX_STEPS && !done; steps++) {
		rc = resume_step(a, &done);
		if (rc != 0 || a->exit_after_reboot)
			return rc;
	}
	if (!done) {
		snprintf(a->last_error, sizeof(a->last_error),
		         "state looping detected after %d steps", RESUME_MAX_STEPS);
		rc = finish(a, FLW_ST_FAILURE, a->last_error);
		return rc == 0 ? FLW_ESTATE : rc;
	}
	return 0;
}
