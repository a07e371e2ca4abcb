/* src/libfleetward/device/director_check.c - the agent's check of a director document (see
 * director_check.h for the order of the checks and the attack each refusal names).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/protocol.h"
#include "fleetward/tuf.h"
#include "device/director_check.h"

/* Put "attack: " in front of diag's message unless it names the attack already. */
static int named(struct flw_diag *diag, int rc, const char *attack)
{
	char m[FLW_DIAG_MSG_MAX];

	if (!diag)
		return rc;
	if (strstr(diag->msg, attack))
		return rc;
	snprintf(m, sizeof(m), "%s", diag->msg);
	diag->code = rc;
	snprintf(diag->msg, sizeof(diag->msg), "%s: director metadata refused: %.200s", attack, m);
	return rc;
}

int flw_director_doc_version(const void *doc, size_t len, int64_t *version, struct flw_diag *diag)
{
	const struct flw_json_limits lim = { FLW_DIRECTOR_MAX_BYTES, FLW_TUF_MAX_DEPTH };
	json_t *root = NULL;
	json_t *sgn = NULL;
	int rc;

	*version = 0;
	if (!doc && len)
		return FLW_EINVAL;
	rc = flw_json_parse(&root, doc ? doc : "", len, &lim, diag);
	if (rc == 0 && !json_is_object(root))
		rc = flw_diag_set(diag, FLW_EFORMAT, NULL, "director metadata is not an object");
	if (rc == 0)
		rc = flw_json_get_obj(root, "signed", &sgn, 1, diag);
	if (rc == 0)
		rc = flw_json_get_int(sgn, "version", version, 1, INT64_MAX, 1, diag);
	json_decref(root);
	return rc == FLW_ENOTFOUND ? FLW_EFORMAT : rc;
}

/* One directed target against the image repository. *img gets the image entry. */
static int check_target(const struct flw_director_in *in, const json_t *sgn, const char *name,
                        struct flw_tuf_target *img, struct flw_diag *diag)
{
	struct flw_tuf_target dt;
	int rc;

	rc = flw_tuf_targets_get(sgn, name, &dt, diag);
	if (rc != 0)
		return named(diag, rc == FLW_EINVAL ? FLW_EFORMAT : rc, "arbitrary installation");
	rc = in->image_target(in->payload, name, img, diag);
	if (rc == FLW_ENOTFOUND)
		return flw_diag_set(diag, FLW_ENOTFOUND, name,
		                    "arbitrary installation: '%.100s' is directed but not in the "
		                    "offline-signed image targets",
		                    name);
	if (rc != 0)
		return rc;
	if (img->length != dt.length)
		return flw_diag_set(diag, FLW_EHASH, name,
		                    "arbitrary installation: the director's length %llu for "
		                    "'%.80s' differs from the offline-signed %llu",
		                    (unsigned long long)dt.length, name,
		                    (unsigned long long)img->length);
	if (flw_ct_memcmp(img->sha256, dt.sha256, FLW_SHA256_BYTES) != 0)
		return flw_diag_set(diag, FLW_EHASH, name,
		                    "arbitrary installation: the director's sha256 for '%.100s' "
		                    "differs from the offline-signed one",
		                    name);
	if (!flw_tuf_target_fits(img, in->hwid))
		return flw_diag_set(diag, FLW_EINCOMPAT, name,
		                    "wrong software: '%.100s' is not signed for hardware id '%s'",
		                    name, in->hwid);
	if (!flw_tuf_target_fits(&dt, in->hwid))
		return flw_diag_set(diag, FLW_EINCOMPAT, name,
		                    "wrong software: the director did not direct '%.100s' to "
		                    "hardware id '%s'",
		                    name, in->hwid);
	return 0;
}

/* Step 5: every directed target; exactly one per instruction. */
static int check_targets(const struct flw_director_in *in, const json_t *sgn,
                         struct flw_tuf_target *out, struct flw_diag *diag)
{
	struct flw_tuf_target img;
	struct flw_diag first = { 0 };
	json_t *targets = NULL;
	const char *name;
	json_t *v;
	size_t n;
	size_t ok = 0;
	int first_rc = 0;
	int rc;

	rc = flw_json_get_obj(sgn, "targets", &targets, 1, diag);
	if (rc != 0)
		return named(diag, rc == FLW_ENOTFOUND ? FLW_EFORMAT : rc,
		             "arbitrary installation");
	n = json_object_size(targets);
	if (n == 0)
		return flw_diag_set(diag, FLW_EFORMAT, "signed.targets",
		                    "arbitrary installation: director metadata directs no target");
	if (n > FLW_DIRECTOR_MAX_TARGETS)
		return flw_diag_set(
		        diag, FLW_EINCOMPAT, "signed.targets",
		        "partial bundle: %zu targets directed, devices here install one", n);
	json_object_foreach(targets, name, v)
	{
		struct flw_diag d = { 0 };

		(void)v;
		rc = check_target(in, sgn, name, &img, &d);
		if (rc == 0) {
			if (ok++ == 0)
				*out = img;
		} else if (first_rc == 0) {
			first_rc = rc;
			first = d;
		}
	}
	if (n == 1 || ok == 0) {
		if (diag && first_rc)
			*diag = first;
		return first_rc;
	}
	if (ok < n)
		return flw_diag_set(
		        diag, FLW_EINCOMPAT, "signed.targets",
		        "partial bundle: only %zu of %zu directed targets verify (%.140s)", ok, n,
		        first.msg);
	return flw_diag_set(diag, FLW_EINCOMPAT, "signed.targets",
	                    "partial bundle: %zu targets directed, devices here install one", n);
}

/* Steps 2-4: device binding, replay, freeze. */
static int check_binding(const struct flw_director_in *in, const void *doc, size_t len,
                         const json_t *sgn, struct flw_director_out *out, struct flw_diag *diag)
{
	json_t *custom = NULL;
	const char *dev = NULL;
	const char *when = NULL;
	int64_t trusted = 0;
	int rc;

	if ((rc = flw_tuf_signed_header(sgn, &out->version, &out->expires, diag)) != 0 ||
	    (rc = flw_json_get_obj(sgn, "custom", &custom, 1, diag)) != 0 ||
	    (rc = flw_json_get_str(custom, "device_id", &dev, FLW_ID_MAX, 1, diag)) != 0)
		return named(diag, rc == FLW_ENOTFOUND || rc == FLW_EINVAL ? FLW_EFORMAT : rc,
		             "arbitrary installation");
	if (strcmp(dev, in->device_id) != 0)
		return flw_diag_set(diag, FLW_EAUTH, "signed.custom.device_id",
		                    "replay: director metadata for another device ('%s'; this is "
		                    "'%s')",
		                    dev, in->device_id);
	if (in->trusted && in->trusted_len) {
		struct flw_diag td = { 0 };

		rc = flw_director_doc_version(in->trusted, in->trusted_len, &trusted, &td);
		if (rc != 0)
			return flw_diag_set(diag, rc, "director.json",
			                    "the trusted director metadata is unreadable: %.150s",
			                    td.msg);
		out->same_as_trusted = len == in->trusted_len && memcmp(doc, in->trusted, len) == 0;
	}
	if (out->version < trusted)
		return flw_diag_set(diag, FLW_EROLLBACK, "signed.version",
		                    "replay: director version %lld < trusted %lld",
		                    (long long)out->version, (long long)trusted);
	if (out->version == trusted && !out->same_as_trusted)
		return flw_diag_set(diag, FLW_EROLLBACK, "signed.version",
		                    "replay: director version %lld is the trusted one, with other "
		                    "bytes",
		                    (long long)out->version);
	if (out->expires <= in->now) {
		if (flw_json_get_str(sgn, "expires", &when, 20, 1, NULL) != 0)
			when = "?";
		return flw_diag_set(diag, FLW_EEXPIRED, "signed.expires",
		                    "freeze: director metadata expired at %s", when);
	}
	rc = flw_json_get_int(custom, "deployment", &out->deployment, 1, INT64_MAX, 1, diag);
	if (rc != 0)
		return named(diag, rc == FLW_ENOTFOUND ? FLW_EFORMAT : rc,
		             "arbitrary installation");
	return 0;
}

int flw_director_check(const struct flw_director_in *in, const void *doc, size_t len,
                       struct flw_director_out *out, struct flw_diag *diag)
{
	json_t *sgn = NULL;
	int rc;

	if (!in || !in->root || !in->device_id || !in->hwid || !in->image_target || !out ||
	    (!doc && len))
		return flw_diag_set(diag, FLW_EINVAL, NULL, "bad director check request");
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return flw_diag_set(diag, FLW_EFORMAT, "director",
		                    "arbitrary installation: the update carries no director "
		                    "metadata");
	if (len > FLW_DIRECTOR_MAX_BYTES)
		return flw_diag_set(diag, FLW_ELIMIT, "director",
		                    "endless data: director metadata of %zu bytes, at most %u", len,
		                    FLW_DIRECTOR_MAX_BYTES);
	/* 1. signatures first: nothing else of the document is read before they check out */
	rc = flw_tuf_verify_director(in->root, doc, len, &sgn, diag);
	if (rc != 0) {
		rc = named(diag, rc, "arbitrary installation");
		goto out;
	}
	if ((rc = check_binding(in, doc, len, sgn, out, diag)) != 0 ||
	    (rc = check_targets(in, sgn, &out->target, diag)) != 0)
		goto out;
	/* 6. anti-rollback: the IMAGE repository's security version (the director's is unused) */
	if (out->target.security_version < in->floor)
		rc = flw_diag_set(diag, FLW_EROLLBACK, out->target.name,
		                  "rollback: security version %llu below the device's floor %llu",
		                  (unsigned long long)out->target.security_version,
		                  (unsigned long long)in->floor);
out:
	json_decref(sgn);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
