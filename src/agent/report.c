/* src/agent/report.c - status reports: queue (persisted with the agent state) and send
 *
 * agent_report() gives a report the next per-device seq and persists it together with
 * whatever state change the caller made, in one atomic write. agent_flush_reports() sends
 * the queue oldest first, at most FLW_REPORTS_MAX per request, and drops a report only when
 * the server's acked_seq >= its seq (the server acknowledges after its commit). Resending is
 * safe: the server ignores seqs it already holds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "agent.h"

int agent_report(struct agent *a, int64_t deployment, int state, const char *fmt, ...)
{
	char detail[FLW_REPORT_DETAIL_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (flw_agent_state_enqueue(a->st, deployment, state, detail, time(NULL)))
		log_warn("report queue full: dropped the oldest report");
	flw_log(state == FLW_ST_FAILURE       ? FLW_LOG_ERR
	        : state == FLW_ST_ROLLED_BACK ? FLW_LOG_WARN
	                                      : FLW_LOG_NOTICE,
	        "deployment %lld: %s%s%s", (long long)deployment, flw_action_state_to_string(state),
	        detail[0] ? ": " : "", detail);
	return agent_save(a);
}

static int build_body(struct agent *a, struct flw_buf *out, size_t *n_out)
{
	json_t *arr = json_array();
	json_t *root = NULL;
	size_t i;
	int rc = FLW_ENOMEM;

	if (!arr)
		goto out;
	for (i = 0; i < a->st->n_queue && i < FLW_REPORTS_MAX; i++) {
		const struct flw_agent_report *r = &a->st->queue[i];

		if (json_array_append_new(
		            arr, json_pack("{s:I, s:I, s:s, s:s, s:I}", "seq", (json_int_t)r->seq,
		                           "deployment", (json_int_t)r->deployment, "state",
		                           flw_action_state_to_string(r->state), "detail",
		                           r->detail, "time", (json_int_t)r->time)) != 0)
			goto out;
	}
	*n_out = i;
	root = json_pack("{s:O}", "reports", arr);
	if (!root)
		goto out;
	rc = flw_json_dump(out, root, 0);
out:
	json_decref(root);
	json_decref(arr);
	return rc;
}

static int take_ack(struct agent *a, const struct agent_resp *r)
{
	const struct flw_json_limits lim = { AGENT_RESP_MAX, 8 };
	struct flw_diag d = { 0 };
	json_t *j = NULL;
	int64_t acked = 0;
	int rc;

	if ((rc = flw_json_parse(&j, r->body.data, r->body.len, &lim, &d)) != 0 ||
	    (rc = flw_json_get_int(j, "acked_seq", &acked, 0, INT64_MAX, 1, &d)) != 0) {
		json_decref(j);
		return log_error_rc(rc, "bad answer to reports: %s", d.msg);
	}
	json_decref(j);
	if (flw_agent_state_ack(a->st, acked) > 0)
		return agent_save(a);
	return 0;
}

int agent_flush_reports(struct agent *a)
{
	struct agent_resp r;
	struct flw_buf body;
	char msg[FLW_DIAG_MSG_MAX + 64];
	size_t n = 0;
	size_t before;
	int rc = 0;

	agent_resp_init(&r, AGENT_RESP_MAX);
	flw_buf_init(&body, FLW_DEVICE_BODY_MAX);
	while (a->st->n_queue > 0) {
		before = a->st->n_queue;
		flw_buf_reset(&body);
		rc = build_body(a, &body, &n);
		if (rc != 0)
			break;
		rc = agent_post(a, "/device/v1/reports", flw_buf_cstr(&body), &r);
		if (rc != 0)
			break;
		if (r.status != 200) {
			rc = log_error_rc(FLW_ENET, "sending %zu reports: %s; kept for a resend", n,
			                  agent_resp_error(&r, msg, sizeof(msg)));
			break;
		}
		rc = take_ack(a, &r);
		if (rc != 0)
			break;
		if (a->st->n_queue >= before) {
			rc = log_error_rc(FLW_ESTATE,
			                  "the server acknowledged none of %zu reports; "
			                  "kept for a resend",
			                  n);
			break;
		}
	}
	flw_buf_free(&body);
	agent_resp_free(&r);
	return rc;
}
