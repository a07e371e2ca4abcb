/* src/libfleetward/device/bootsel.c - backend-independent boot selection: dispatch and the
 * bootloader model (flw_bootsel_boot).
 *
 * Invariants: a stored state is always valid (checked here before any backend sees it), and
 * each flw_bootsel_store() is exactly one backend store, i.e. one atomic write.
 */
#include <assert.h>
#include <string.h>

#include "fleetward/bootsel.h"
#include "fleetward/error.h"
#include "device/bootsel_int.h"

char flw_bootsel_other(char slot)
{
	return slot == 'A' ? 'B' : 'A';
}

static int slot_ok(char c)
{
	return c == 'A' || c == 'B';
}

int flw_bootsel__check(const struct flw_bootsel_state *st, struct flw_diag *diag)
{
	if (!slot_ok(st->primary))
		return flw_diag_set(diag, FLW_EINVAL, "primary", "primary slot must be A or B");
	if (st->trial != 0 && !slot_ok(st->trial))
		return flw_diag_set(diag, FLW_EINVAL, "trial", "trial slot must be A, B or none");
	if (st->trial != 0 && st->trial == st->primary)
		return flw_diag_set(diag, FLW_EINVAL, "trial", "trial slot %c is the primary slot",
		                    st->trial);
	if (!slot_ok(st->booted))
		return flw_diag_set(diag, FLW_EINVAL, "booted", "booted slot must be A or B");
	if (st->last_failed != 0 && !slot_ok(st->last_failed))
		return flw_diag_set(diag, FLW_EINVAL, "last_failed",
		                    "last_failed must be A, B or none");
	if (st->tries_left > FLW_BOOTSEL_MAX_TRIES)
		return flw_diag_set(diag, FLW_EINVAL, "tries_left", "tries_left %u over %u",
		                    st->tries_left, FLW_BOOTSEL_MAX_TRIES);
	return 0;
}

void flw_bootsel_free(struct flw_bootsel *b)
{
	if (b && b->ops && b->ops->free)
		b->ops->free(b);
}

int flw_bootsel_load(struct flw_bootsel *b, struct flw_bootsel_state *out, struct flw_diag *diag)
{
	struct flw_bootsel_state st;
	int rc;

	if (!b || !out)
		return FLW_EINVAL;
	memset(&st, 0, sizeof(st));
	rc = b->ops->load(b, &st, diag);
	if (rc != 0)
		return rc;
	rc = flw_bootsel__check(&st, diag);
	if (rc != 0)
		return flw_diag_set(diag, FLW_EFORMAT, diag ? diag->path : NULL,
		                    "boot selection state is inconsistent: %s",
		                    diag ? diag->msg : "bad value");
	*out = st;
	return 0;
}

int flw_bootsel_store(struct flw_bootsel *b, const struct flw_bootsel_state *st,
                      struct flw_diag *diag)
{
	int rc;

	if (!b || !st)
		return FLW_EINVAL;
	rc = flw_bootsel__check(st, diag);
	if (rc != 0)
		return rc;
	return b->ops->store(b, st, diag);
}

/* The bootloader's step, as documented in bootsel.h. Exactly one store. */
int flw_bootsel_boot(struct flw_bootsel *b, char *booted_out, struct flw_diag *diag)
{
	struct flw_bootsel_state st;
	int rc;

	if (!b || !booted_out)
		return FLW_EINVAL;
	rc = flw_bootsel_load(b, &st, diag);
	if (rc != 0)
		return rc;
	if (st.trial != 0 && st.tries_left > 0) {
		st.tries_left--;
		st.booted = st.trial;
	} else if (st.trial != 0) {
		st.last_failed = st.trial;
		st.trial = 0;
		st.booted = st.primary;
	} else {
		st.booted = st.primary;
	}
	rc = flw_bootsel_store(b, &st, diag);
	if (rc != 0)
		return rc;
	*booted_out = st.booted;
	return 0;
}
