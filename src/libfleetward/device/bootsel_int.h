/* src/libfleetward/device/bootsel_int.h - what a boot selection backend implements
 *
 * A backend embeds struct flw_bootsel first in its own struct and points ops at its table.
 */
#ifndef FLW_DEVICE_BOOTSEL_INT_H
#define FLW_DEVICE_BOOTSEL_INT_H
#include "fleetward/bootsel.h"

/* Upper bound on boot_tries anywhere (config, state file) */
#define FLW_BOOTSEL_MAX_TRIES 100u

struct flw_bootsel {
	const struct flw_bootsel_ops *ops;
};

/* 0 or FLW_EINVAL naming the bad field */
int flw_bootsel__check(const struct flw_bootsel_state *st, struct flw_diag *diag);

#endif /* FLW_DEVICE_BOOTSEL_INT_H */
