/* src/agent/main.c - fleetward-agent: command line, then the agent (poll.c) */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "fleetward/bootsel.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/log.h"
#include "agent.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: fleetward-agent --config FILE [--once] [--verbose]\n"
	           "       fleetward-agent --config FILE --boot\n"
	           "\n"
	           "  -c, --config FILE  agent configuration (key = value lines)\n"
	           "  -1, --once         one full cycle, then exit (0: no error, 1: error)\n"
	           "  -v, --verbose      debug logging\n"
	           "      --boot         run the bootloader model once on the boot selection\n"
	           "                     state file (a simulated power-on), print the booted slot\n"
	           "  -h, --help         this text\n"
	           "\nconfig keys:\n");
	agent_config_print_keys();
}

static int boot_once(const struct agent_config *cfg)
{
	struct flw_bootsel *b = NULL;
	struct flw_diag d = { 0 };
	char booted = 0;
	int rc;

	rc = flw_bootsel_file_open(&b, cfg->bootsel + 5, &d);
	if (rc == 0)
		rc = flw_bootsel_boot(b, &booted, &d);
	flw_bootsel_free(b);
	if (rc != 0) {
		log_error_rc(rc, "boot: %s", d.msg);
		return 1;
	}
	printf("%c\n", booted);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "once", no_argument, NULL, '1' },
		{ "verbose", no_argument, NULL, 'v' },      { "boot", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	struct agent_config cfg;
	struct flw_diag d = { 0 };
	struct agent *a = NULL;
	const char *config = NULL;
	int once = 0;
	int boot = 0;
	int c;
	int rc;

	flw_set_log_ident("fleetward-agent");
	while ((c = getopt_long(argc, argv, "c:1vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case '1':
			once = 1;
			break;
		case 'v':
			flw_set_log_level(FLW_LOG_DEBUG);
			break;
		case 'b':
			boot = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!config || optind != argc) {
		fprintf(stderr,
		        "fleetward-agent: %s; try: fleetward-agent --config "
		        "/etc/fleetward/agent.conf --once\n",
		        config ? "unexpected argument" : "--config FILE is required");
		return 2;
	}
	if (flw_crypto_init() != 0) {
		log_error("crypto library initialisation failed");
		return 1;
	}
	if (agent_config_load(&cfg, config, &d) != 0) {
		log_error("%s", d.msg);
		return 2;
	}
	if (boot) {
		rc = boot_once(&cfg);
		agent_config_free(&cfg);
		return rc;
	}
	rc = agent_open(&a, &cfg, once, &d);
	if (rc != 0)
		log_error_rc(rc, "starting: %s", d.msg);
	else
		rc = agent_run(a);
	agent_free(a);
	agent_config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
