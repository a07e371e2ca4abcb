/* fuzz/bootsel_fuzzer.c - the boot selection state file (src/libfleetward/device/bootsel_file.c)
 *
 * The file lives on the device and is written by the agent and the bootloader model; after a
 * power cut or a bad flash it can hold anything. The input is written to a temporary file and
 * loaded. Oracles: a file that loads is a consistent state (flw_bootsel__check), so storing
 * it succeeds; a stored state reloads identically; the boot step works on any loaded state.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetward/bootsel.h"
#include "fleetward/error.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_bootsel *in = NULL;
	struct flw_bootsel *out = NULL;
	struct flw_bootsel_state st;
	struct flw_bootsel_state again;
	char booted = 0;

	fuzz_file_setup("bootsel", NULL, "in");
	fuzz_write_input(data, size);
	if (flw_bootsel_file_open(&in, fuzz_in, NULL) != 0)
		abort();
	memset(&st, 0, sizeof(st));
	if (flw_bootsel_load(in, &st, NULL) != 0)
		goto out;
	if (st.primary != 'A' && st.primary != 'B')
		abort(); /* parse_state promised a slot */
	unlink(fuzz_out);
	if (flw_bootsel_file_open(&out, fuzz_out, NULL) != 0)
		abort();
	if (flw_bootsel_store(out, &st, NULL) != 0)
		abort(); /* load accepted a state that store calls inconsistent */
	memset(&again, 0, sizeof(again));
	if (flw_bootsel_load(out, &again, NULL) != 0 || memcmp(&st, &again, sizeof(st)) != 0)
		abort(); /* store -> load must round-trip */
	if (flw_bootsel_boot(out, &booted, NULL) != 0 || (booted != 'A' && booted != 'B'))
		abort();
out:
	flw_bootsel_free(in);
	flw_bootsel_free(out);
	return 0;
}
