/* src/libfleetward/device/agent_state.c - the agent's persisted state and report queue
 * (see agent_state.h for the invariants).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "device/agent_state.h"

static const char *const phase_names[_FLW_AGENT_PHASE_MAX] = {
	[FLW_AGENT_IDLE] = "idle",
	[FLW_AGENT_TRIAL] = "trial",
	[FLW_AGENT_ROLLBACK] = "rollback",
};

const char *flw_agent_phase_to_string(int phase)
{
	if (phase < 0 || phase >= _FLW_AGENT_PHASE_MAX)
		return NULL;
	return phase_names[phase];
}

int flw_agent_phase_from_string(const char *s)
{
	int i;

	for (i = 0; i < _FLW_AGENT_PHASE_MAX; i++)
		if (strcmp(s, phase_names[i]) == 0)
			return i;
	return _FLW_AGENT_PHASE_INVALID;
}

void flw_agent_state_init(struct flw_agent_state *st)
{
	memset(st, 0, sizeof(*st));
	st->phase = FLW_AGENT_IDLE;
	st->next_seq = 1;
}

struct flw_agent_image *flw_agent_state_slot(struct flw_agent_state *st, char slot)
{
	return &st->slots[slot == 'B' ? 1 : 0];
}

int flw_agent_state_raise_floor(struct flw_agent_state *st, uint64_t sv)
{
	if (sv <= st->security_floor)
		return 0;
	st->security_floor = sv;
	return 1;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int flw_agent_state_enqueue(struct flw_agent_state *st, int64_t deployment, int state,
                            const char *detail, time_t now)
{
	struct flw_agent_report *r;
	int dropped = 0;

	if (st->n_queue == FLW_AGENT_QUEUE_MAX) {
		memmove(&st->queue[0], &st->queue[1], (st->n_queue - 1) * sizeof(st->queue[0]));
		st->n_queue--;
		dropped = 1;
	}
	r = &st->queue[st->n_queue++];
	memset(r, 0, sizeof(*r));
	r->seq = st->next_seq++;
	r->deployment = deployment;
	r->state = state;
	copy_str(r->detail, sizeof(r->detail), detail ? detail : "");
	r->time = (int64_t)now;
	return dropped;
}

size_t flw_agent_state_ack(struct flw_agent_state *st, int64_t acked_seq)
{
	size_t i = 0;
	size_t k;

	if (acked_seq > INT64_MAX / 2)
		return 0; /* no agent hands out 2^62 seqs: a bogus answer; renumbering past it
		           * would overflow next_seq and make the saved state unloadable */
	if (acked_seq >= st->next_seq) {
		/* The server has seen seqs we never handed out: our state was reset. Nothing
		 * queued can have been acknowledged; renumber it past the server's mark. */
		st->next_seq = acked_seq + 1;
		for (k = 0; k < st->n_queue; k++)
			st->queue[k].seq = st->next_seq++;
		return 0;
	}
	while (i < st->n_queue && st->queue[i].seq <= acked_seq)
		i++;
	if (i > 0) {
		memmove(&st->queue[0], &st->queue[i], (st->n_queue - i) * sizeof(st->queue[0]));
		st->n_queue -= i;
	}
	return i;
}

void flw_agent_state_mark_done(struct flw_agent_state *st, int64_t deployment)
{
	if (flw_agent_state_is_done(st, deployment))
		return;
	if (st->n_done == FLW_AGENT_DONE_MAX) {
		memmove(&st->done[0], &st->done[1], (st->n_done - 1) * sizeof(st->done[0]));
		st->n_done--;
	}
	st->done[st->n_done++] = deployment;
}

int flw_agent_state_is_done(const struct flw_agent_state *st, int64_t deployment)
{
	size_t i;

	for (i = 0; i < st->n_done; i++)
		if (st->done[i] == deployment)
			return 1;
	return 0;
}

/* ---- JSON form ------------------------------------------------------------------------- */

static json_t *image_to_json(const struct flw_agent_image *im)
{
	return json_pack("{s:s, s:s, s:I}", "target", im->target, "version", im->version,
	                 "security_version", (json_int_t)im->security_version);
}

static json_t *queue_to_json(const struct flw_agent_state *st)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < st->n_queue; i++) {
		const struct flw_agent_report *r = &st->queue[i];

		if (json_array_append_new(
		            arr, json_pack("{s:I, s:I, s:s, s:s, s:I}", "seq", (json_int_t)r->seq,
		                           "deployment", (json_int_t)r->deployment, "state",
		                           flw_action_state_to_string(r->state), "detail",
		                           r->detail, "time", (json_int_t)r->time)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *state_to_json(const struct flw_agent_state *st)
{
	json_t *done = json_array();
	char slot[2] = { st->slot ? st->slot : '-', 0 };
	size_t i;

	for (i = 0; done && i < st->n_done; i++)
		if (json_array_append_new(done, json_integer(st->done[i])) != 0)
			break;
	return json_pack("{s:i, s:s, s:I, s:s, s:o, s:i, s:s, s:I, s:I, s:{s:o, s:o}, s:I, s:o, "
	                 "s:I, s:o}",
	                 "format", 1, "phase", flw_agent_phase_to_string(st->phase), "deployment",
	                 (json_int_t)st->deployment, "slot", slot, "pending",
	                 image_to_json(&st->pending), "reported", st->reported, "reason",
	                 st->reason, "attempts_deployment", (json_int_t)st->attempts_deployment,
	                 "attempts", (json_int_t)st->attempts, "slots", "A",
	                 image_to_json(&st->slots[0]), "B", image_to_json(&st->slots[1]),
	                 "security_floor", (json_int_t)st->security_floor, "done", done, "next_seq",
	                 (json_int_t)st->next_seq, "queue", queue_to_json(st));
}

int flw_agent_state_save(const char *path, const struct flw_agent_state *st, struct flw_diag *diag)
{
	json_t *j = NULL;
	struct flw_buf buf;
	int rc = FLW_ENOMEM;

	flw_buf_init(&buf, FLW_AGENT_STATE_MAX_BYTES);
	j = state_to_json(st);
	if (!j)
		goto out;
	rc = flw_json_dump(&buf, j, 1);
	if (rc != 0)
		goto out;
	rc = flw_fs_write_atomic(path, buf.data, buf.len, 0600, diag);
out:
	json_decref(j);
	flw_buf_free(&buf);
	return rc;
}

static int get_str_into(const json_t *obj, const char *key, char *dst, size_t cap,
                        struct flw_diag *diag)
{
	const char *s = NULL;
	int rc;

	rc = flw_json_get_str(obj, key, &s, cap - 1, 1, diag);
	if (rc != 0)
		return rc;
	copy_str(dst, cap, s);
	return 0;
}

static int image_from_json(const json_t *obj, const char *key, struct flw_agent_image *im,
                           struct flw_diag *diag)
{
	json_t *o = NULL;
	int64_t sv = 0;
	int rc;

	if ((rc = flw_json_get_obj(obj, key, &o, 1, diag)) != 0 ||
	    (rc = get_str_into(o, "target", im->target, sizeof(im->target), diag)) != 0 ||
	    (rc = get_str_into(o, "version", im->version, sizeof(im->version), diag)) != 0 ||
	    (rc = flw_json_get_int(o, "security_version", &sv, 0, INT64_MAX, 1, diag)) != 0)
		return rc;
	im->security_version = (uint64_t)sv;
	return 0;
}

static int queue_from_json(const json_t *root, struct flw_agent_state *st, struct flw_diag *diag)
{
	json_t *arr = NULL;
	size_t i;
	int64_t prev = 0;
	int rc;

	rc = flw_json_get_arr(root, "queue", &arr, FLW_AGENT_QUEUE_MAX, 1, diag);
	if (rc != 0)
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct flw_agent_report *r = &st->queue[i];
		const char *state = NULL;

		if ((rc = flw_json_get_int(o, "seq", &r->seq, prev + 1, st->next_seq - 1, 1,
		                           diag)) != 0 ||
		    (rc = flw_json_get_int(o, "deployment", &r->deployment, 0, INT64_MAX, 1,
		                           diag)) != 0 ||
		    (rc = flw_json_get_str(o, "state", &state, 32, 1, diag)) != 0 ||
		    (rc = get_str_into(o, "detail", r->detail, sizeof(r->detail), diag)) != 0 ||
		    (rc = flw_json_get_int(o, "time", &r->time, 0, INT64_MAX, 1, diag)) != 0)
			return rc;
		r->state = flw_action_state_from_string(state);
		if (r->state == _FLW_ST_INVALID)
			return flw_diag_set(diag, FLW_EFORMAT, "queue.state",
			                    "unknown report state '%s'", state);
		prev = r->seq;
		st->n_queue = i + 1;
	}
	return 0;
}

static int done_from_json(const json_t *root, struct flw_agent_state *st, struct flw_diag *diag)
{
	json_t *arr = NULL;
	size_t i;
	int rc;

	rc = flw_json_get_arr(root, "done", &arr, FLW_AGENT_DONE_MAX, 1, diag);
	if (rc != 0)
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);

		if (!json_is_integer(v))
			return flw_diag_set(diag, FLW_EFORMAT, "done", "expected integers");
		st->done[st->n_done++] = json_integer_value(v);
	}
	return 0;
}

static int state_from_json(const json_t *root, struct flw_agent_state *st, struct flw_diag *diag)
{
	json_t *slots = NULL;
	const char *phase = NULL;
	const char *slot = NULL;
	int64_t fmt = 0;
	int64_t attempts = 0;
	int64_t reported = 0;
	int64_t floor = -1;
	int rc;

	if ((rc = flw_json_get_int(root, "format", &fmt, 1, 1, 1, diag)) != 0 ||
	    (rc = flw_json_get_str(root, "phase", &phase, 16, 1, diag)) != 0 ||
	    (rc = flw_json_get_int(root, "deployment", &st->deployment, 0, INT64_MAX, 1, diag)) !=
	            0 ||
	    (rc = flw_json_get_str(root, "slot", &slot, 1, 1, diag)) != 0 ||
	    (rc = image_from_json(root, "pending", &st->pending, diag)) != 0 ||
	    (rc = flw_json_get_int(root, "reported", &reported, 0, _FLW_ST_MAX - 1, 1, diag)) !=
	            0 ||
	    (rc = get_str_into(root, "reason", st->reason, sizeof(st->reason), diag)) != 0 ||
	    (rc = flw_json_get_int(root, "attempts_deployment", &st->attempts_deployment, 0,
	                           INT64_MAX, 1, diag)) != 0 ||
	    (rc = flw_json_get_int(root, "attempts", &attempts, 0, 1000000, 1, diag)) != 0 ||
	    (rc = flw_json_get_obj(root, "slots", &slots, 1, diag)) != 0 ||
	    (rc = image_from_json(slots, "A", &st->slots[0], diag)) != 0 ||
	    (rc = image_from_json(slots, "B", &st->slots[1], diag)) != 0 ||
	    (rc = done_from_json(root, st, diag)) != 0 ||
	    (rc = flw_json_get_int(root, "next_seq", &st->next_seq, 1, INT64_MAX - 1, 1, diag)) !=
	            0 ||
	    (rc = queue_from_json(root, st, diag)) != 0)
		return rc;
	rc = flw_json_get_int(root, "security_floor", &floor, 0, INT64_MAX, 0, diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	if (rc == FLW_ENOTFOUND) /* a state file from before the floor: the best we know */
		floor = (int64_t)(st->slots[0].security_version > st->slots[1].security_version
		                          ? st->slots[0].security_version
		                          : st->slots[1].security_version);
	st->security_floor = (uint64_t)floor;
	st->attempts = (unsigned)attempts;
	st->reported = (int)reported;
	st->phase = flw_agent_phase_from_string(phase);
	if (st->phase == _FLW_AGENT_PHASE_INVALID)
		return flw_diag_set(diag, FLW_EFORMAT, "phase", "unknown phase '%s'", phase);
	st->slot = slot[0] == '-' ? 0 : slot[0];
	if (st->phase != FLW_AGENT_IDLE && st->slot != 'A' && st->slot != 'B')
		return flw_diag_set(diag, FLW_EFORMAT, "slot", "phase %s needs slot A or B", phase);
	return 0;
}

int flw_agent_state_load(const char *path, struct flw_agent_state *st, struct flw_diag *diag)
{
	const struct flw_json_limits lim = { FLW_AGENT_STATE_MAX_BYTES, 8 };
	struct flw_buf buf;
	json_t *root = NULL;
	int rc;

	flw_agent_state_init(st);
	flw_buf_init(&buf, FLW_AGENT_STATE_MAX_BYTES);
	rc = flw_fs_read_all(path, &buf, diag);
	if (rc == FLW_ENOTFOUND) {
		flw_diag_clear(diag);
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = flw_json_parse(&root, buf.data, buf.len, &lim, diag);
	if (rc != 0)
		goto out;
	if (!json_is_object(root)) {
		rc = flw_diag_set(diag, FLW_EFORMAT, NULL, "agent state is not a JSON object");
		goto out;
	}
	rc = state_from_json(root, st, diag);
out:
	if (rc != 0)
		flw_agent_state_init(st);
	json_decref(root);
	flw_buf_free(&buf);
	return rc;
}
