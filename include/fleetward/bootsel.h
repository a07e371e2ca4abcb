/* include/fleetward/bootsel.h - the device's boot selection (A/B slots, trial boot, counter)
 *
 * The state a bootloader keeps: which slot boots by default, whether the other slot is on
 * trial, and how many trial attempts are left. A backend stores it in ONE atomic write (a
 * redundant U-Boot environment, a GRUB environment pair, or - now - a state file written with
 * write-temp/fsync/rename/fsync-dir), so after a power cut at any instant the state is the old
 * one or the new one, never a mix.
 *
 * Contract (what the bootloader does at boot, modelled by flw_bootsel_boot() for the state
 * file backend and by the boot script for real bootloaders):
 *   if trial != 0 and tries_left > 0:  tries_left--, persist, boot `trial`
 *   if trial != 0 and tries_left == 0: trial = 0, last_failed = that slot, persist, boot primary
 *   otherwise:                         boot primary
 * Userspace (the agent) commits a good trial by making it primary and clearing trial in one
 * write; it never writes slot data after the switch.
 */
#ifndef FLW_BOOTSEL_H
#define FLW_BOOTSEL_H
#include "fleetward/common.h"
FLW_BEGIN_DECLS

struct flw_diag;

#define FLW_BOOTSEL_DEFAULT_TRIES 3

struct flw_bootsel_state {
	char primary;        /* 'A' or 'B': the committed slot */
	char trial;          /* slot on trial, or 0 */
	unsigned tries_left; /* trial boots left before falling back */
	char booted;         /* slot that booted last (set by boot), 'A'/'B' */
	char last_failed;    /* slot whose trial ran out, or 0 (cleared by the agent) */
};

struct flw_bootsel;
struct flw_bootsel_ops {
	unsigned version; /* FLW_BOOTSEL_OPS_VERSION */
	int (*load)(struct flw_bootsel *b, struct flw_bootsel_state *out, struct flw_diag *diag);
	/* one atomic write of the whole state */
	int (*store)(struct flw_bootsel *b, const struct flw_bootsel_state *st,
	             struct flw_diag *diag);
	void (*free)(struct flw_bootsel *b);
};
#define FLW_BOOTSEL_OPS_VERSION 1

/* State-file backend. A missing file reads as {primary 'A', no trial, booted 'A'}. */
FLW_EXPORT FLW_WARN_UNUSED int flw_bootsel_file_open(struct flw_bootsel **out, const char *path,
                                                     struct flw_diag *diag);
FLW_EXPORT void flw_bootsel_free(struct flw_bootsel *b);
FLW_EXPORT FLW_WARN_UNUSED int
flw_bootsel_load(struct flw_bootsel *b, struct flw_bootsel_state *out, struct flw_diag *diag);
FLW_EXPORT FLW_WARN_UNUSED int
flw_bootsel_store(struct flw_bootsel *b, const struct flw_bootsel_state *st, struct flw_diag *diag);
/* The bootloader's step (see the contract above); *booted_out gets the slot booted. For the
 * state-file backend this is how tests and `make run` simulate a reboot. */
FLW_EXPORT FLW_WARN_UNUSED int flw_bootsel_boot(struct flw_bootsel *b, char *booted_out,
                                                struct flw_diag *diag);
/* 'A' <-> 'B' */
FLW_EXPORT char flw_bootsel_other(char slot);

FLW_END_DECLS
#endif /* FLW_BOOTSEL_H */
