/* src/cli/main.c - fleetward, the operator CLI (everything is in cmd.c and cmd_*.c) */
#include "cmd.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
