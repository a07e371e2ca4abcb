/* src/libfleetward/device/director_check.h - the agent's check of a director document
 *
 * The check-in's `update` fields are advisory; what the agent installs is decided here, from
 * two signed sources that must agree (Uptane): the director document (online key, names what
 * THIS device installs now) and the image repository's offline-signed targets (what exists).
 * flw_director_check() runs every check in this order, each refusal naming the attack:
 *
 *   1. the document verifies against the director keys of the CURRENT trusted root
 *      ("arbitrary installation: director metadata ...": signature, threshold, shape)
 *   2. custom.device_id is this device ("replay: director metadata for another device")
 *   3. version > the last trusted director version, or == with byte-identical bytes
 *      ("replay: director version V < trusted W")
 *   4. not expired ("freeze: director metadata expired at ...")
 *   5. every directed target is in the image targets with the same length and sha256
 *      ("arbitrary installation"), signed there for this hardware id and directed to it
 *      ("wrong software"); a device installs exactly one target per instruction: more is
 *      "partial bundle" (some verify, some do not, or all verify but N > 1)
 *   6. the image repository's security version of the target is not below the device's
 *      anti-rollback floor ("rollback: security version S below the device's floor F")
 *
 * Nothing is written: the caller persists the document (atomically) only when all passed.
 * Pure logic with a lookup callback, so unit tests and the fuzzer drive the real check.
 */
#ifndef FLW_DEVICE_DIRECTOR_CHECK_H
#define FLW_DEVICE_DIRECTOR_CHECK_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "fleetward/common.h"
#include "fleetward/tuf.h"

struct flw_diag;

#define FLW_DIRECTOR_MAX_BYTES   (32u * 1024u) /* a director document from outside */
#define FLW_DIRECTOR_MAX_TARGETS 16            /* targets looked at in one document */

/* Look target `name` up in the verified image repository (fleetward's fields). 0,
 * FLW_ENOTFOUND when no role lists it, or another error (which the check returns). */
typedef int (*flw_image_lookup_fn)(void *payload, const char *name, struct flw_tuf_target *out,
                                   struct flw_diag *diag);

struct flw_director_in {
	const struct flw_tuf_root *root; /* the image repository's current trusted root */
	const char *device_id;
	const char *hwid;
	const void *trusted; /* the last trusted director document (exact bytes); NULL: none */
	size_t trusted_len;
	time_t now;     /* fixed for the whole update (the TUF refresh's time) */
	uint64_t floor; /* the device's anti-rollback floor */
	flw_image_lookup_fn image_target;
	void *payload;
};

struct flw_director_out {
	int64_t version;
	time_t expires;
	int64_t deployment;           /* custom.deployment */
	struct flw_tuf_target target; /* the IMAGE repository's entry of the directed target */
	int same_as_trusted;          /* 1: byte-identical to in->trusted */
};

/* 0 and *out when every check passes, else the first refusal: FLW_ESIG, FLW_EFORMAT,
 * FLW_EAUTH (another device), FLW_EROLLBACK (replay, rollback), FLW_EEXPIRED (freeze),
 * FLW_ENOTFOUND/FLW_EHASH (arbitrary installation), FLW_EINCOMPAT (wrong software, partial
 * bundle), or the lookup's error; diag's message names the attack. */
FLW_WARN_UNUSED int flw_director_check(const struct flw_director_in *in, const void *doc,
                                       size_t len, struct flw_director_out *out,
                                       struct flw_diag *diag);

/* signed.version of a director document WITHOUT verifying it (our own trusted file, or a
 * quick look before the full check). FLW_EFORMAT when it does not parse. */
FLW_WARN_UNUSED int flw_director_doc_version(const void *doc, size_t len, int64_t *version,
                                             struct flw_diag *diag);

#endif /* FLW_DEVICE_DIRECTOR_CHECK_H */
