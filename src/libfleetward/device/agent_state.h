/* src/libfleetward/device/agent_state.h - the agent's persisted state and report queue
 *
 * One JSON file (state_dir/state.json) holds what the agent must remember across a crash or
 * a reboot: the update phase (idle / trial of slot X for deployment D / rolling back), what
 * each slot holds, the deployments already finished, and the queue of status reports not yet
 * acknowledged by the server with their per-device sequence numbers. Because the report queue
 * lives in the same file, a state transition and the report that announces it are ONE atomic
 * write (flw_fs_write_atomic): after a crash either both happened or neither.
 *
 * Invariants: next_seq is greater than every seq ever handed out; queued reports are in seq
 * order; a report leaves the queue only when the server's acked_seq >= its seq.
 */
#ifndef FLW_DEVICE_AGENT_STATE_H
#define FLW_DEVICE_AGENT_STATE_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "fleetward/common.h"
#include "fleetward/crypto.h"
#include "fleetward/protocol.h"
#include "fleetward/tuf.h"

struct flw_diag;

#define FLW_AGENT_STATE_MAX_BYTES (1024u * 1024u)
#define FLW_AGENT_QUEUE_MAX       256 /* queued reports; the oldest is dropped past this */
#define FLW_AGENT_DONE_MAX        16  /* finished deployments remembered */

enum flw_agent_phase {
	FLW_AGENT_IDLE,     /* nothing in flight */
	FLW_AGENT_TRIAL,    /* slot written + synced; boot switched (or about to be) to `slot` */
	FLW_AGENT_ROLLBACK, /* trial judged unhealthy; switching back and rebooting */
	_FLW_AGENT_PHASE_MAX,
	_FLW_AGENT_PHASE_INVALID = -1
};
const char *flw_agent_phase_to_string(int phase);
int flw_agent_phase_from_string(const char *s);

/* What a slot holds (empty target: unknown / factory image) */
struct flw_agent_image {
	char target[FLW_TUF_TARGET_NAME_MAX + 1];
	char version[FLW_TUF_VERSION_STR_MAX + 1];
	uint64_t security_version;
};

struct flw_agent_report {
	int64_t seq;
	int64_t deployment;
	int state; /* enum flw_action_state */
	char detail[FLW_REPORT_DETAIL_MAX + 1];
	int64_t time;
};

struct flw_agent_state {
	int phase;                      /* enum flw_agent_phase */
	int64_t deployment;             /* deployment of the trial/rollback (phase != IDLE) */
	char slot;                      /* slot on trial ('A'/'B'; phase != IDLE) */
	struct flw_agent_image pending; /* the image on trial */
	int reported;                   /* highest flw_action_state queued for this trial */
	char reason[FLW_REPORT_DETAIL_MAX + 1]; /* why a rollback happens (phase ROLLBACK) */
	int64_t attempts_deployment;            /* deployment the attempt counter belongs to */
	unsigned attempts;                      /* failed download/install attempts of it */
	struct flw_agent_image slots[2];        /* [0] = A, [1] = B */
	/* Anti-rollback floor: the highest security version ever committed on this device. It
	 * only goes up (flw_agent_state_raise_floor); a target below it is refused even when
	 * directed, whatever slot is booted. State files without it start at the higher of the
	 * two slots' security versions. */
	uint64_t security_floor;
	int64_t done[FLW_AGENT_DONE_MAX]; /* finished deployments, newest last */
	size_t n_done;
	int64_t next_seq;
	struct flw_agent_report queue[FLW_AGENT_QUEUE_MAX];
	size_t n_queue;
};

/* Fresh state: idle, next_seq 1, empty queue. */
void flw_agent_state_init(struct flw_agent_state *st);
/* Load path into st. A missing file gives the fresh state; a file that does not parse is
 * FLW_EFORMAT (never a silent reset: the queue would lose reports). */
FLW_WARN_UNUSED int flw_agent_state_load(const char *path, struct flw_agent_state *st,
                                         struct flw_diag *diag);
/* One atomic replace of path (mode 0600). */
FLW_WARN_UNUSED int flw_agent_state_save(const char *path, const struct flw_agent_state *st,
                                         struct flw_diag *diag);

/* Queue a report with the next seq (in memory; save to persist). When the queue is full the
 * oldest report is dropped and 1 is returned, else 0. detail is truncated to the limit. */
int flw_agent_state_enqueue(struct flw_agent_state *st, int64_t deployment, int state,
                            const char *detail, time_t now);
/* Drop queued reports with seq <= acked_seq. If the server holds more than we ever sent
 * (acked_seq >= next_seq: our state was reset), renumber what is queued after acked_seq so
 * nothing is mistaken for a duplicate. Returns the number dropped. */
size_t flw_agent_state_ack(struct flw_agent_state *st, int64_t acked_seq);

void flw_agent_state_mark_done(struct flw_agent_state *st, int64_t deployment);
int flw_agent_state_is_done(const struct flw_agent_state *st, int64_t deployment);

/* floor = max(floor, sv); returns 1 when it went up */
int flw_agent_state_raise_floor(struct flw_agent_state *st, uint64_t sv);

/* The image in slot 'A'/'B' (mutable). */
struct flw_agent_image *flw_agent_state_slot(struct flw_agent_state *st, char slot);

#endif /* FLW_DEVICE_AGENT_STATE_H */
