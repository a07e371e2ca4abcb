/* src/daemon/daemon.c - fleetwardd's life cycle
 *
 * parse options -> open the data directory (keys) and the store (migrations) -> first-run
 * admin token -> risk policy and the vulnerability service (feeds replayed, fleet assessed)
 * -> listen (port file) -> scheduler -> wait for SIGINT/SIGTERM (exit 0) or a
 * storage failure (SIGUSR1 from flwd_store_check: exit 1) -> stop HTTP, flush, close.
 * Signals are blocked in every thread and taken with sigwait() here.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/log.h"
#include "fleetward/store.h"

static void close_store(void *p)
{
	flw_store_close(p);
}

static int log_diag(int rc, const char *what, const struct flw_diag *diag)
{
	char msg[FLW_DIAG_PATH_MAX + FLW_DIAG_MSG_MAX + 64];

	log_error("%s: %s", what,
	          diag->code ? flw_diag_format(diag, msg, sizeof(msg)) : flw_strerror(rc));
	return rc;
}

/* data directory, keys, store, first admin token */
static int init_data(struct flwd *d)
{
	char tok[FLW_SECRET_TOKEN_MAX + 1];
	struct flw_store *s;
	struct flw_diag diag;
	int created = 0;
	int rc;

	flw_diag_clear(&diag);
	rc = flw_datadir_open(&d->dd, d->cfg->data_dir, &diag);
	if (rc != 0)
		return log_diag(rc, "opening the data directory", &diag);
	d->repo.snapshot_key = d->dd.snapshot_key;
	d->repo.timestamp_key = d->dd.timestamp_key;
	d->repo.artifacts_dir = d->dd.artifacts;
	d->repo.director_key = d->dd.director_key;
	d->repo.dd = &d->dd; /* online keys (and their rotation) from the data directory */
	d->repo.snapshot_lifetime = (time_t)d->cfg->snapshot_expiry;
	d->repo.timestamp_lifetime = (time_t)d->cfg->timestamp_expiry;
	s = flwd_store(d);
	if (!s)
		return FLW_ESTORE;
	rc = flw_datadir_first_token(s, d->cfg->init_token_file, tok, &created, &diag);
	if (rc != 0)
		return log_diag(rc, "creating the first admin token", &diag);
	if (created) {
		printf("admin token: %s\n", tok);
		fflush(stdout);
		log_notice("first start: created the admin API token (shown once above)");
	}
	flw_memzero(tok, sizeof(tok));
	return 0;
}

/* --policy FILE on top of the defaults; a broken file names file:line and stops start-up */
static int load_policy(const char *path, struct flw_risk_policy *p)
{
	struct flw_diag diag;
	struct flw_buf b;
	const char *msg;
	int rc;

	flw_risk_policy_init(p);
	if (!path)
		return 0;
	flw_diag_clear(&diag);
	flw_buf_init(&b, FLW_RISK_POLICY_MAX_BYTES + 1);
	rc = flw_fs_read_all(path, &b, &diag);
	if (rc == FLW_ELIMIT)
		log_error("policy file '%s': larger than %zu bytes", path,
		          FLW_RISK_POLICY_MAX_BYTES);
	else if (rc != 0)
		log_diag(rc, "reading the policy file", &diag);
	if (rc == 0) {
		rc = flw_risk_policy_parse(p, (const char *)b.data, b.len, &diag);
		msg = diag.msg;
		if (strncmp(msg, "line ", 5) == 0 && strstr(msg, ": "))
			msg = strstr(msg, ": ") + 2; /* the line is said in front */
		if (rc != 0 && diag.line)
			log_error("policy file %s:%u: %s%s%s", path, diag.line,
			          diag.path[0] ? diag.path : "", diag.path[0] ? ": " : "", msg);
		else if (rc != 0)
			log_error("policy file %s: %s", path, msg[0] ? msg : flw_strerror(rc));
	}
	flw_buf_free(&b);
	return rc;
}

/* the vulnerability service: replay feeds, assess (after the store, before listening) */
static int open_vuln(struct flwd *d)
{
	struct flw_vulnsvc_open_info info;
	struct flw_vulnsvc_config vc;
	struct flw_risk_policy policy;
	struct flw_store *s = flwd_store(d);
	struct flw_diag diag;
	struct timespec ts;
	int rc;

	if (!s)
		return FLW_ESTORE;
	if (load_policy(d->cfg->policy_file, &policy) != 0)
		return FLW_EFORMAT;
	memset(&vc, 0, sizeof(vc));
	vc.data_dir = d->cfg->data_dir;
	vc.policy = &policy;
	vc.feed_max_bytes = d->cfg->feed_max_bytes;
	flw_diag_clear(&diag);
	clock_gettime(CLOCK_REALTIME, &ts);
	rc = flw_vulnsvc_open(&d->vuln, s, &vc, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
	                      &info, &diag);
	if (rc != 0) {
		flwd_store_check(d, s, rc);
		return log_diag(rc, "opening the vulnerability service", &diag);
	}
	if (info.feeds_missing)
		log_error("%zu recorded feed imports have no file in '%s/feeds' (first: import "
		          "%lld): "
		          "their records are missing until imported again",
		          info.feeds_missing, d->cfg->data_dir, (long long)info.first_missing_id);
	if (info.feeds_failed)
		log_warn("%zu feed imports ended with a file-level error on replay (as when "
		         "imported)",
		         info.feeds_failed);
	log_notice("vulnerability data: %zu feed imports replayed, %zu CVEs, %zu stored findings; "
	           "policy %s",
	           info.feeds, info.cves, info.findings,
	           d->cfg->policy_file ? d->cfg->policy_file : "(defaults)");
	return 0;
}

static int write_port_file(const char *path, unsigned port)
{
	struct flw_diag diag;
	char line[16];
	int n = snprintf(line, sizeof(line), "%u\n", port);
	int rc;

	flw_diag_clear(&diag);
	rc = flw_fs_write_atomic(path, line, (size_t)n, 0644, &diag);
	if (rc != 0)
		return log_diag(rc, "writing the port file", &diag);
	return 0;
}

static int wait_for_signal(struct flwd *d, const sigset_t *set)
{
	int sig = 0;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGUSR1 && !atomic_load(&d->failed))
			continue;
		break;
	}
	if (sig == SIGUSR1) {
		log_error("stopping after a storage failure: restart to run recovery");
		return 1;
	}
	log_notice("signal %d: stopping", sig);
	return 0;
}

static int serve(struct flwd *d, const sigset_t *set)
{
	struct flwd_scheduler *sc = NULL;
	void *mhd = NULL;
	unsigned port = 0;
	int status = 1;

	if (flwd_http_start(d, &mhd, &port) != 0)
		goto out;
	if (d->cfg->port_file && write_port_file(d->cfg->port_file, port) != 0)
		goto out;
	log_notice("listening on %s (port %u), data in '%s', %u threads", d->cfg->listen, port,
	           d->cfg->data_dir, d->cfg->threads);
	if (flwd_scheduler_start(d, &sc) != 0)
		goto out;
	status = wait_for_signal(d, set);
out:
	flwd_http_stop(mhd);
	flwd_scheduler_stop(sc);
	if (status == 0 && atomic_load(&d->failed))
		status = 1;
	return status;
}

int flwd_run(int argc, char **argv)
{
	struct flwd_config cfg;
	struct flwd d;
	sigset_t set;
	int status;

	flw_set_log_ident("fleetwardd");
	status = flwd_config_parse(&cfg, argc, argv);
	if (status != 0)
		return status;
	if (cfg.help) {
		flwd_config_usage(stdout);
		return 0;
	}
	if (cfg.version) {
		printf("fleetwardd %s\n", FLW_VERSION);
		return 0;
	}
	flw_set_log_level(cfg.log_level);
	if (flw_crypto_init() != 0) {
		log_error("crypto library initialisation failed");
		return 1;
	}
	memset(&d, 0, sizeof(d));
	d.cfg = &cfg;
	d.started = time(NULL);
	d.main_thread = pthread_self();
	pthread_mutex_init(&d.repo_lock, NULL);
	pthread_mutex_init(&d.tok_lock, NULL);
	pthread_mutex_init(&d.dev_lock, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* a file size limit is an I/O error (fail-stop), not death */
	status = 1;
	if (pthread_key_create(&d.store_key, close_store) != 0)
		goto out_nokey;
	if (init_data(&d) == 0 && open_vuln(&d) == 0)
		status = serve(&d, &set);
	flw_vulnsvc_free(d.vuln);
	d.vuln = NULL;
	close_store(pthread_getspecific(d.store_key));
	pthread_setspecific(d.store_key, NULL);
	pthread_key_delete(d.store_key);
out_nokey:
	flwd_caches_free(&d);
	flw_datadir_close(&d.dd);
	pthread_mutex_destroy(&d.repo_lock);
	pthread_mutex_destroy(&d.tok_lock);
	pthread_mutex_destroy(&d.dev_lock);
	return status;
}
