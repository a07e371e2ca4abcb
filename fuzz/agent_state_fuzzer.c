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

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

	fuzz_file_setup("state", NULL, "in");
	st = flw_calloc(1, sizeof(*st));
	again = flw_calloc(1, sizeof(*again));
	fresh = flw_calloc(1, sizeof(*fresh));
	if (!st || !again || !fresh)
		goto out;
	flw_agent_state_init(fresh);
	fuzz_write_input(data, size);
	if (flw_agent_state_load(fuzz_in, st, NULL) != 0) {
		if (memcmp(st, fresh, sizeof(*st)) != 0)
			abort(); /* an error must not leave a half-loaded state */
		goto out;
	}
	check_invariants(st);
	if (flw_agent_state_save(fuzz_out, st, NULL) != 0)
		goto out; /* e.g. a state too large to write back: refused, nothing replaced */
	if (flw_agent_state_load(fuzz_out, again, NULL) != 0)
		abort(); /* the agent could not read back what it wrote */
	if (memcmp(st, again, sizeof(*st)) != 0)
		abort();
out:
	flw_free(st);
	flw_free(again);
	flw_free(fresh);
	return 0;
}
