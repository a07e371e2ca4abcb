/* fuzz/agent_config_fuzzer.c - fleetward-agent's config file parser (src/agent/config.c,
 * linked in by fuzz/agent_config.cmake).
 *
 * The input is written to a temporary file and loaded. Oracles: on error nothing is left
 * allocated (every string NULL, no attributes); on success the required keys are set, the
 * numeric keys are inside their table bounds and bootsel is "file:PATH".
 * Inputs naming device files (/dev, /proc, /sys) are skipped: enrollment_token_file is read,
 * and a fuzzer must not block on a tty or a pipe.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "device/bootsel_int.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_empty(const struct agent_config *c)
{
	if (c->server || c->device_id || c->hardware_id || c->enrollment_token ||
	    c->enrollment_token_file || c->state_dir || c->trust_root || c->slot_a || c->slot_b ||
	    c->bootsel || c->health_command || c->reboot_command || c->n_attrs)
		abort();
}

static void check_loaded(const struct agent_config *c)
{
	if (!c->server || !c->device_id || !c->hardware_id || !c->state_dir || !c->trust_root ||
	    !c->slot_a || !c->slot_b || !c->bootsel || strncmp(c->bootsel, "file:", 5) != 0)
		abort();
	if (c->boot_tries < 1 || c->boot_tries > (long)FLW_BOOTSEL_MAX_TRIES ||
	    c->poll_interval < 1 || c->download_retries < 1 || c->n_attrs > FLW_ATTRS_MAX)
		abort();
	if (strcmp(c->slot_a, c->slot_b) == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_config cfg;
	struct flw_diag d = { 0 };

	if (memmem(data, size, "/dev", 4) || memmem(data, size, "/proc", 5) ||
	    memmem(data, size, "/sys", 4))
		return 0;
	fuzz_file_setup("aconf", NULL, "agent.conf");
	fuzz_write_input(data, size);
	if (agent_config_load(&cfg, fuzz_in, &d) != 0) {
		check_empty(&cfg);
		return 0;
	}
	check_loaded(&cfg);
	agent_config_free(&cfg);
	check_empty(&cfg);
	return 0;
}
