/* fuzz/agent_state_fuzzer.c - the agent's persisted state file (src/libfleetward/device/
 * agent_state.c): state_dir/state.json, read at every start, after crashes and power cuts.
 *
 * The input is written to a temporary file and loaded. Oracles: on error the state is the
 * fresh state (never half-loaded); a loaded state keeps the queue invariants (seq strictly
 * increasing, below next_seq, counts within the array bounds); save -> load round-trips.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "device/agent_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static char in_path[300];
static char out_path[300];

static void cleanup(void)
{
	unlink(in_path);
	unlink(out_path);
	rmdir(dir);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "%s/flw-fuzz-state.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(in_path, sizeof(in_path), "%s/in", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	atexit(cleanup);
}

static void write_input(const uint8_t *data, size_t size)
{
	int fd = open(in_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
		abort();
}

static void check_invariants(const struct flw_agent_state *st)
{
	size_t i;

	if (st->n_queue > FLW_AGENT_QUEUE_MAX || st->n_done > FLW_AGENT_DONE_MAX)
		abort();
	if (st->phase < 0 || st->phase >= _FLW_AGENT_PHASE_MAX || st->next_seq < 1)
		abort();
	for (i = 0; i < st->n_queue; i++) {
		if (st->queue[i].seq >= st->next_seq)
			abort();
		if (i > 0 && st->queue[i].seq <= st->queue[i - 1].seq)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_agent_state *st = NULL;
	struct flw_agent_state *again = NULL;
	struct flw_agent_state *fresh = NULL;

	setup();
	st = flw_calloc(1, sizeof(*st));
	again = flw_calloc(1, sizeof(*again));
	fresh = flw_calloc(1, sizeof(*fresh));
	if (!st || !again || !fresh)
		goto out;
	flw_agent_state_init(fresh);
	write_input(data, size);
	if (flw_agent_state_load(in_path, st, NULL) != 0) {
		if (memcmp(st, fresh, sizeof(*st)) != 0)
			abort(); /* an error must not leave a half-loaded state */
		goto out;
	}
	check_invariants(st);
	if (flw_agent_state_save(out_path, st, NULL) != 0)
		goto out; /* e.g. a state too large to write back: refused, nothing replaced */
	if (flw_agent_state_load(out_path, again, NULL) != 0)
		abort(); /* the agent could not read back what it wrote */
	if (memcmp(st, again, sizeof(*st)) != 0)
		abort();
out:
	flw_free(st);
	flw_free(again);
	flw_free(fresh);
	return 0;
}
