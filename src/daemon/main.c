/* src/daemon/main.c - fleetwardd: the fleetward server (all logic in daemon.c and the library) */
#include "daemon.h"

int main(int argc, char **argv)
{
	return flwd_run(argc, argv);
}
