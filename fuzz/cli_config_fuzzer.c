/* fuzz/cli_config_fuzzer.c - the fleetward CLI's config file (src/cli/config.c, linked in by
 * fuzz/cli_config.cmake): $XDG_CONFIG_HOME/fleetward/cli.conf, resolved by cli_config_resolve.
 *
 * The input is written as that file (XDG_CONFIG_HOME points at a temporary directory; the
 * FLEETWARD_* variables are cleared so the file decides). Oracles: on success server is set and
 * every value fits CLI_CONF_VALUE_MAX; on error nothing is left allocated. The CLI's messages
 * to stderr are discarded while the parser runs.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int devnull = -1;

/* XDG_CONFIG_HOME is the temporary directory; the file is its fleetward/cli.conf */
static void setup(void)
{
	if (!fuzz_file_setup("cconf", "fleetward", "cli.conf"))
		return;
	if (setenv("XDG_CONFIG_HOME", fuzz_dir, 1) != 0)
		abort();
	unsetenv("FLEETWARD_SERVER");
	unsetenv("FLEETWARD_TOKEN");
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_config c;
	int saved;
	int rc;

	setup();
	fuzz_write_input(data, size);
	fflush(stderr);
	saved = dup(2);
	if (saved < 0 || dup2(devnull, 2) < 0)
		abort();
	rc = cli_config_resolve(&c, NULL, NULL);
	fflush(stderr);
	if (dup2(saved, 2) < 0)
		abort();
	close(saved);
	if (rc != 0) {
		if (c.server || c.token)
			abort();
		return 0;
	}
	if (!c.server || strlen(c.server) > CLI_CONF_VALUE_MAX ||
	    (c.token && strlen(c.token) > CLI_CONF_VALUE_MAX))
		abort();
	if (c.token && (!c.token_source || strcmp(c.token_source, "cli.conf") != 0))
		abort(); /* only the file can have supplied it */
	cli_config_done(&c);
	return 0;
}
