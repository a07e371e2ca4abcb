/* src/agent/agent.h - fleetward-agent internals shared by its files
 *
 * main.c parses the command line and the config (config.c), then runs agent_run() (poll.c).
 * A cycle: enroll if needed (enroll.c), finish whatever a previous run left in flight
 * (apply.c: trial boot, commit, roll back), send queued reports (report.c), check in, and on a
 * directed update: TUF refresh + cross-check, download with resume (download.c), install into
 * the inactive slot and switch boot (apply.c). All HTTP goes through http.c (libcurl).
 */
#ifndef FLW_AGENT_H
#define FLW_AGENT_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/protocol.h"
#include "fleetward/tuf.h"
#include "device/agent_state.h"

struct flw_bootsel;

/* ---- config.c -------------------------------------------------------------------------- */
#define AGENT_CONFIG_MAX_BYTES (64u * 1024u)
#define AGENT_LINE_MAX         4096

struct agent_attr {
	char *name;
	char *value;
};

struct agent_config {
	char *server;
	char *device_id;
	char *hardware_id;
	char *enrollment_token;
	char *enrollment_token_file;
	char *state_dir;
	char *trust_root;
	char *slot_a;
	char *slot_b;
	char *bootsel;
	long boot_tries;
	char *health_command;
	long health_timeout;
	char *reboot_command;
	long poll_interval;
	long stall_timeout;
	long connect_timeout;
	long request_timeout;
	long download_rate_limit;
	long min_download_rate;
	long download_retries;
	struct agent_attr attrs[FLW_ATTRS_MAX];
	size_t n_attrs;
};

/* Parse and validate the config file; errors name "file:line". 0, FLW_EFORMAT, FLW_EIO. */
int agent_config_load(struct agent_config *cfg, const char *path, struct flw_diag *diag);
void agent_config_free(struct agent_config *cfg);
/* The key table, for --help */
void agent_config_print_keys(void);

/* ---- http.c ---------------------------------------------------------------------------- */
#define AGENT_RESP_MAX (64u * 1024u)

struct agent_http;
struct agent_resp {
	long status;
	struct flw_buf body;
	long retry_after; /* seconds from Retry-After on 429/503, else 0 */
};
int agent_http_new(struct agent_http **out, const struct agent_config *cfg);
void agent_http_free(struct agent_http *h);
void agent_resp_init(struct agent_resp *r, size_t max);
void agent_resp_free(struct agent_resp *r);
/* One request; 0 when an HTTP answer arrived (any status), FLW_ENET otherwise, FLW_ELIMIT
 * when the answer is larger than r->body.max. body may be NULL (GET). */
int agent_http_request(struct agent_http *h, const char *method, const char *url,
                       const char *bearer, const char *body, size_t body_len, struct agent_resp *r,
                       struct flw_diag *diag);
/* GET url with "Range: bytes=offset-" (offset 0: no Range) appending to fd. The body is
 * bounded by max_bytes (more: FLW_ELIMIT "endless data"); a transfer slower than 1 byte/s for
 * stall_timeout seconds is FLW_ENET. *got_out bytes appended, *status_out the HTTP status;
 * 200 to a Range request means the server restarted at 0: the caller must have truncated. */
int agent_http_download(struct agent_http *h, const char *url, int fd, uint64_t offset,
                        uint64_t max_bytes, uint64_t *got_out, long *status_out,
                        struct flw_diag *diag);
/* The server's error message from a JSON error body (or the status line), into out */
const char *agent_resp_error(const struct agent_resp *r, char *out, size_t len);

/* ---- the agent ----------------------------------------------------------------------- */
struct agent {
	const struct agent_config *cfg;
	struct agent_http *http;
	struct flw_agent_state *st;
	char *state_path;
	char *tuf_dir;
	char *staging_dir;
	char *director_path; /* state_dir/director.json: the last trusted director document */
	struct flw_bootsel *bootsel;
	unsigned char pk[FLW_ED25519_PK_BYTES];
	unsigned char sk[FLW_ED25519_SK_BYTES];
	char token[FLW_DEVICE_TOKEN_MAX + 1];
	int64_t token_expires;
	long poll_after;  /* seconds, from the last check-in */
	long retry_after; /* seconds the server asked us to wait (429/503) */
	char health[16];  /* last health verdict for check-in: "ok", "failed" */
	char last_error[FLW_REPORT_DETAIL_MAX + 1]; /* detail for a failure report */
	int once;
	int exit_after_reboot; /* a real reboot command ran: stop */
};

/* poll.c */
int agent_open(struct agent **out, const struct agent_config *cfg, int once, struct flw_diag *diag);
void agent_free(struct agent *a);
int agent_run(struct agent *a);
int agent_save(struct agent *a);

/* enroll.c */
int agent_prepare(struct agent *a);      /* key, trust root, token */
int agent_authenticate(struct agent *a); /* new token via /auth (or enroll) */
/* POST a JSON body to a device endpoint with the token; re-authenticates once on 401. */
int agent_post(struct agent *a, const char *path, const char *body, struct agent_resp *r);

/* report.c */
/* Queue a report and persist the whole state (the caller's changes included) atomically. */
int agent_report(struct agent *a, int64_t deployment, int state, const char *fmt, ...)
        FLW_PRINTF(4, 5);
int agent_flush_reports(struct agent *a);

/* The directed update from a check-in. deployment, t and url are the server's advisory plain
 * fields; director holds the bytes of the signed director document, the only part trusted
 * (after agent_verify_target). */
struct agent_update {
	int64_t deployment;
	struct flw_tuf_target t; /* name, version, length, sha256, security_version */
	char url[1024];
	struct flw_buf director; /* zeroed by parse_update(); filled by checkin() */
};
#define AGENT_DIRECTOR_MAX (32u * 1024u) /* = FLW_DIRECTOR_MAX_BYTES */

/* download.c: TUF refresh, then the director document checked against the image repository's
 * current trusted root and targets (device/director_check.h); on success it is persisted as
 * the trusted director document and *verified gets the deployment it names and the image
 * repository's entry of its target. */
int agent_verify_target(struct agent *a, const struct agent_update *u,
                        struct agent_update *verified);
/* 1 when u repeats an instruction this device has finished: its deployment is done and its
 * director document is the trusted one or (unverified look) not older. Cheap, no network. */
int agent_director_finished(struct agent *a, const struct agent_update *u);
/* download + verify into staging; *staged_out new string */
int agent_download(struct agent *a, const struct agent_update *u, char **staged_out);
void agent_staging_clean(struct agent *a, const char *keep);

/* apply.c */
int agent_install(struct agent *a, const struct agent_update *u, const char *staged);
/* Finish what is in flight (trial, rollback) after a (simulated) boot. */
int agent_resume(struct agent *a);
int agent_reboot(struct agent *a);
char agent_booted_slot(struct agent *a);

#endif /* FLW_AGENT_H */
