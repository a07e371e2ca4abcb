/* src/daemon/http_device.c - the native device API (/device/v1/...)
 *
 * enroll and auth are signed by the device's Ed25519 key over the canonical JSON of "signed";
 * only the fields needed to find the key are read before the signature checks out. check-in
 * and reports carry a device token checked in memory (http.c). A check-in writes inventory
 * only when its fingerprint changed and leaves last-seen to the scheduler's group commit;
 * reports are acknowledged only after the store committed them.
 */
#include <inttypes.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "http.h"

#define FLWD_CLOCK_SKEW 600 /* seconds either way for signed device requests */

static const char *const signed_env_keys[] = { "signed", "signature", NULL };
static const char *const enroll_keys[] = { "device_id",        "hardware_id", "public_key",
	                                   "enrollment_token", "time",        NULL };
static const char *const auth_keys[] = { "device_id", "time", NULL };

/* Envelope {signed, signature}: the signed object (borrowed from body) and the signature. */
static int signed_envelope(struct flwd_req *r, json_t *body, const char *const *allowed,
                           json_t **signed_out, unsigned char sig[FLW_ED25519_SIG_BYTES])
{
	const char *sig_hex = NULL;
	int rc;

	if ((rc = flw_json_only_keys(body, signed_env_keys, "", &r->diag)) != 0 ||
	    (rc = flw_json_get_obj(body, "signed", signed_out, 1, &r->diag)) != 0 ||
	    (rc = flw_json_only_keys(*signed_out, allowed, "signed", &r->diag)) != 0 ||
	    (rc = flw_json_get_str(body, "signature", &sig_hex, 2 * FLW_ED25519_SIG_BYTES, 1,
	                           &r->diag)) != 0)
		return flwd_required(rc);
	if (strlen(sig_hex) != 2 * FLW_ED25519_SIG_BYTES ||
	    flw_hex_decode(sig, FLW_ED25519_SIG_BYTES, sig_hex) != 0)
		return flw_diag_set(&r->diag, FLW_EFORMAT, "signature",
		                    "field 'signature': expected 128 hex digits");
	return 0;
}

static int get_device_id(struct flwd_req *r, json_t *signed_obj, const char **id)
{
	int rc = flwd_required(
	        flw_json_get_str(signed_obj, "device_id", id, FLW_ID_MAX, 1, &r->diag));

	if (rc == 0 && !flw_id_ok(*id))
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, "signed.device_id",
		                  "field 'device_id': 1-64 of [A-Za-z0-9._:-], not starting with "
		                  "'.' or '-'");
	return rc;
}

/* Signature over the canonical JSON of signed, then the time window. Default-deny. */
static int verify_signed(struct flwd_req *r, json_t *signed_obj,
                         const unsigned char sig[FLW_ED25519_SIG_BYTES],
                         const unsigned char pk[FLW_ED25519_PK_BYTES])
{
	struct flw_buf c;
	int64_t t = 0;
	int rc = FLW_EAUTH;

	flw_buf_init(&c, FLW_DEVICE_BODY_MAX);
	if (flw_json_canonical(&c, signed_obj, &r->diag) != 0) {
		rc = flw_diag_set(&r->diag, FLW_EFORMAT, "signed", "cannot canonicalise 'signed'");
		goto out;
	}
	if (flw_ed25519_verify(sig, c.data, c.len, pk) != 0) {
		flw_diag_set(&r->diag, FLW_EAUTH, "signature",
		             "signature does not verify with the device key");
		goto out;
	}
	rc = flwd_required(flw_json_get_int(signed_obj, "time", &t, 0, INT64_MAX, 1, &r->diag));
	if (rc != 0)
		goto out;
	if (t < (int64_t)r->now - FLWD_CLOCK_SKEW || t > (int64_t)r->now + FLWD_CLOCK_SKEW) {
		rc = flw_diag_set(&r->diag, FLW_EAUTH, "signed.time",
		                  "request time is more than 10 minutes off the server's clock "
		                  "(check the device clock)");
		goto out;
	}
	rc = 0;
out:
	flw_buf_free(&c);
	return rc;
}

static int reply_token(struct flwd_req *r, const char *id)
{
	char tok[FLW_DEVICE_TOKEN_MAX + 1];
	time_t exp = r->now + FLW_DEVICE_TOKEN_LIFETIME;
	int rc;

	rc = flw_devtoken_issue(tok, sizeof(tok), r->d->dd.token_key, id, exp);
	if (rc != 0)
		return rc;
	return flwd_reply_json(r, 200,
	                       json_pack("{s:s,s:s,s:I}", "device_id", id, "token", tok, "expires",
	                                 (json_int_t)exp));
}

static int enroll_fields(struct flwd_req *r, json_t *sg, struct flw_device *dev,
                         unsigned char tok_hash[FLW_SHA256_BYTES])
{
	const char *id = NULL;
	const char *hw = NULL;
	const char *pk = NULL;
	const char *tok = NULL;
	int rc;

	if ((rc = get_device_id(r, sg, &id)) != 0 ||
	    (rc = flw_json_get_str(sg, "hardware_id", &hw, FLW_TUF_HWID_MAX, 1, &r->diag)) != 0 ||
	    (rc = flw_json_get_str(sg, "public_key", &pk, 2 * FLW_ED25519_PK_BYTES, 1, &r->diag)) !=
	            0 ||
	    (rc = flw_json_get_str(sg, "enrollment_token", &tok, FLW_SECRET_TOKEN_MAX, 1,
	                           &r->diag)) != 0)
		return flwd_required(rc);
	if (!flw_id_ok(hw))
		return flw_diag_set(&r->diag, FLW_EFORMAT, "signed.hardware_id",
		                    "field 'hardware_id': 1-63 of [A-Za-z0-9._:-]");
	if (strlen(pk) != 2 * FLW_ED25519_PK_BYTES ||
	    flw_hex_decode(dev->pubkey, FLW_ED25519_PK_BYTES, pk) != 0)
		return flw_diag_set(&r->diag, FLW_EFORMAT, "signed.public_key",
		                    "field 'public_key': expected 64 hex digits");
	snprintf(dev->id, sizeof(dev->id), "%s", id);
	snprintf(dev->hwid, sizeof(dev->hwid), "%s", hw);
	return flw_sha256(tok, strlen(tok), tok_hash);
}

int flwd_h_enroll(struct flwd_req *r)
{
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	unsigned char tok_hash[FLW_SHA256_BYTES];
	struct flw_device dev;
	struct flw_store *s = NULL;
	struct flw_audit a;
	json_t *body = NULL;
	json_t *sg = NULL;
	int rc;

	memset(&dev, 0, sizeof(dev));
	if ((rc = flwd_body_json(r, &body)) != 0 ||
	    (rc = signed_envelope(r, body, enroll_keys, &sg, sig)) != 0 ||
	    (rc = enroll_fields(r, sg, &dev, tok_hash)) != 0 ||
	    (rc = verify_signed(r, sg, sig, dev.pubkey)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	dev.enrolled = r->now;
	snprintf(r->actor, sizeof(r->actor), "device:%s", dev.id);
	snprintf(r->audit_object, sizeof(r->audit_object), "device:%s", dev.id);
	flwd_audit(r, &a, NULL);
	a.action = "device.enroll";
	rc = flw_store_device_enroll(s, &dev, tok_hash, r->now, &a, &r->diag);
	if (rc == FLW_EEXPIRED)
		r->err_status = 410;
	if (rc == FLW_EAUTH && !r->diag.msg[0])
		flw_diag_set(&r->diag, FLW_EAUTH, "signed.enrollment_token",
		             "unknown, revoked or used-up enrollment token");
	if (rc != 0)
		goto out;
	atomic_fetch_add(&r->d->m.enrollments, 1);
	log_info("device '%s' (%s) enrolled", dev.id, dev.hwid);
	rc = reply_token(r, dev.id);
out:
	flw_memzero(tok_hash, sizeof(tok_hash));
	json_decref(body);
	return rc;
}

int flwd_h_auth(struct flwd_req *r)
{
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	struct flw_device dev;
	struct flw_store *s = NULL;
	const char *id = NULL;
	json_t *body = NULL;
	json_t *sg = NULL;
	int rc;

	memset(&dev, 0, sizeof(dev));
	if ((rc = flwd_body_json(r, &body)) != 0 ||
	    (rc = signed_envelope(r, body, auth_keys, &sg, sig)) != 0 ||
	    (rc = get_device_id(r, sg, &id)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	rc = flw_store_device_get(s, id, &dev, &r->diag);
	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(&r->diag, FLW_EAUTH, "signed.device_id",
		                  "unknown device: enroll first");
	if (rc != 0)
		goto out;
	rc = verify_signed(r, sg, sig, dev.pubkey);
	if (rc != 0)
		goto out;
	rc = reply_token(r, dev.id);
out:
	flw_device_clear(&dev);
	json_decref(body);
	return rc;
}

/* ---- check-in ---------------------------------------------------------------------------- */

static const char *const checkin_keys[] = { "installed", "slot", "health", "attributes", NULL };
static const char *const installed_keys[] = { "target", "version", NULL };
static const char *const slot_keys[] = { "active", "trial", NULL };

static int checkin_attrs(struct flwd_req *r, json_t *body, struct flw_checkin *c)
{
	json_t *attrs = NULL;
	const char *k;
	json_t *v;
	int rc;

	rc = flw_json_get_obj(body, "attributes", &attrs, 0, &r->diag);
	if (rc == FLW_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (json_object_size(attrs) > FLW_ATTRS_MAX)
		return flw_diag_set(&r->diag, FLW_ELIMIT, "attributes", "at most %d attributes",
		                    FLW_ATTRS_MAX);
	json_object_foreach(attrs, k, v)
	{
		if (!flw_id_ok(k))
			return flw_diag_set(&r->diag, FLW_EFORMAT, "attributes",
			                    "attribute name '%.64s': 1-64 of [A-Za-z0-9._:-]", k);
		if (!json_is_string(v) || json_string_length(v) > FLW_ATTR_VALUE_MAX)
			return flw_diag_set(&r->diag, FLW_EFORMAT, "attributes",
			                    "attribute '%s': expected a string of at most %d bytes",
			                    k, FLW_ATTR_VALUE_MAX);
	}
	c->attrs = attrs;
	return 0;
}

static int checkin_parse(struct flwd_req *r, json_t *body, struct flw_checkin *c)
{
	json_t *inst = NULL;
	json_t *slot = NULL;
	const char *active = NULL;
	int rc;

	if ((rc = flw_json_only_keys(body, checkin_keys, "", &r->diag)) != 0)
		return rc;
	rc = flw_json_get_obj(body, "installed", &inst, 0, &r->diag);
	if (rc == 0 &&
	    ((rc = flw_json_only_keys(inst, installed_keys, "installed", &r->diag)) != 0 ||
	     ((rc = flw_json_get_str(inst, "target", &c->installed, FLW_TUF_TARGET_NAME_MAX, 0,
	                             &r->diag)) != 0 &&
	      rc != FLW_ENOTFOUND) ||
	     ((rc = flw_json_get_str(inst, "version", &c->installed_version,
	                             FLW_TUF_VERSION_STR_MAX, 0, &r->diag)) != 0 &&
	      rc != FLW_ENOTFOUND)))
		return rc;
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	rc = flw_json_get_obj(body, "slot", &slot, 0, &r->diag);
	if (rc == 0 && ((rc = flw_json_only_keys(slot, slot_keys, "slot", &r->diag)) != 0 ||
	                ((rc = flw_json_get_str(slot, "active", &active, 1, 0, &r->diag)) != 0 &&
	                 rc != FLW_ENOTFOUND) ||
	                ((rc = flw_json_get_bool(slot, "trial", &c->trial, 0, &r->diag)) != 0 &&
	                 rc != FLW_ENOTFOUND)))
		return rc;
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	if (active) {
		if (strcmp(active, "A") != 0 && strcmp(active, "B") != 0)
			return flw_diag_set(&r->diag, FLW_EFORMAT, "slot.active",
			                    "field 'slot.active': expected \"A\" or \"B\"");
		c->slot_active = active[0];
	}
	rc = flw_json_get_str(body, "health", &c->health, 31, 0, &r->diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	return checkin_attrs(r, body, c);
}

static int update_json(const struct flw_action *a, json_t **out)
{
	char hex[FLW_SHA256_HEX];
	char *path = flw_tuf_target_path(&a->target);
	char *url = NULL;
	int rc = FLW_ENOMEM;

	if (!path)
		goto out;
	url = flw_asprintf("/tuf/targets/%s", path);
	if (!url)
		goto out;
	flw_hex_encode(hex, a->target.sha256, FLW_SHA256_BYTES);
	*out = json_pack("{s:I,s:s,s:s,s:I,s:s,s:I,s:s}", "deployment",
	                 (json_int_t)a->deployment_id, "target", a->target.name, "version",
	                 a->target.version, "length", (json_int_t)a->target.length, "sha256", hex,
	                 "security_version", (json_int_t)a->target.security_version, "url", url);
	if (*out)
		rc = 0;
out:
	flw_free(path);
	flw_free(url);
	return rc;
}

/* acked_seq for the answer: from memory, loaded once per device from the store */
static int acked_seq(struct flwd_req *r, struct flw_store *s, int64_t cached, int64_t *out)
{
	struct flw_device dev;
	int rc;

	if (cached != FLWD_ACKED_UNKNOWN) {
		*out = cached;
		return 0;
	}
	memset(&dev, 0, sizeof(dev));
	rc = flw_store_device_get(s, r->device_id, &dev, &r->diag);
	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(&r->diag, FLW_EAUTH, NULL, "unknown device: enroll again");
	if (rc == 0) {
		*out = dev.last_seq;
		flwd_dev_set_acked(r->d, r->device_id, dev.last_seq);
	}
	flw_device_clear(&dev);
	return rc;
}

static unsigned poll_after(const struct flwd *d)
{
	unsigned iv = d->cfg->poll_interval;
	unsigned lo = iv - iv / 5;
	unsigned span = (iv / 5) * 2 + 1;

	return lo + flw_random_uniform(span);
}

int flwd_h_checkin(struct flwd_req *r)
{
	unsigned char fp[FLW_SHA256_BYTES];
	struct flw_checkin c;
	struct flw_action act;
	struct flw_store *s = NULL;
	json_t *body = NULL;
	json_t *ans = NULL;
	json_t *upd = NULL;
	int64_t cached;
	int64_t acked = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&act, 0, sizeof(act));
	if (r->body.len == 0)
		rc = (body = json_object()) ? 0 : FLW_ENOMEM;
	else
		rc = flwd_body_json(r, &body);
	if (rc != 0 || (rc = checkin_parse(r, body, &c)) != 0 || (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	c.device_id = r->device_id;
	c.now = r->now;
	rc = flw_sha256(r->body.data ? (const void *)r->body.data : "", r->body.len, fp);
	if (rc != 0)
		goto out;
	if (flwd_dev_seen(r->d, r->device_id, fp, r->now, &cached)) {
		rc = flw_store_device_checkin(s, &c, &r->diag);
		if (rc == FLW_ENOTFOUND)
			rc = flw_diag_set(&r->diag, FLW_EAUTH, NULL,
			                  "unknown device: enroll again");
		if (rc != 0)
			goto out;
		flwd_dev_set_fp(r->d, r->device_id, fp);
	}
	if ((rc = acked_seq(r, s, cached, &acked)) != 0)
		goto out;
	rc = flw_store_action_next(s, r->device_id, &act, &r->diag);
	if (rc == 0)
		rc = update_json(&act, &upd);
	else if (rc == FLW_ENOTFOUND) {
		flw_diag_clear(&r->diag);
		rc = 0;
	}
	if (rc != 0)
		goto out;
	ans = json_pack("{s:I,s:I}", "poll_after", (json_int_t)poll_after(r->d), "acked_seq",
	                (json_int_t)acked);
	if (ans && upd)
		json_object_set(ans, "update", upd);
	atomic_fetch_add(&r->d->m.checkins, 1);
	rc = flwd_reply_json(r, 200, ans);
	ans = NULL;
out:
	json_decref(upd);
	json_decref(body);
	return rc;
}

/* ---- reports ----------------------------------------------------------------------------- */

static const char *const reports_keys[] = { "reports", NULL };
static const char *const report_keys[] = { "seq", "deployment", "state", "detail", "time", NULL };

static int report_parse(struct flwd_req *r, json_t *o, struct flw_report *rep, size_t i)
{
	const char *state = NULL;
	const char *detail = NULL;
	int64_t t = 0;
	int rc;

	if (!json_is_object(o))
		return flw_diag_set(&r->diag, FLW_EFORMAT, "reports",
		                    "reports[%zu]: expected an object", i);
	if ((rc = flw_json_only_keys(o, report_keys, "reports[]", &r->diag)) != 0 ||
	    (rc = flw_json_get_int(o, "seq", &rep->seq, 1, INT64_MAX, 1, &r->diag)) != 0 ||
	    (rc = flw_json_get_str(o, "state", &state, 32, 1, &r->diag)) != 0)
		return flwd_required(rc);
	rc = flw_json_get_int(o, "deployment", &rep->deployment_id, 0, INT64_MAX, 0, &r->diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	rc = flw_json_get_str(o, "detail", &detail, FLW_REPORT_DETAIL_MAX, 0, &r->diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	rc = flw_json_get_int(o, "time", &t, 0, INT64_MAX, 0, &r->diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	rep->state = flw_action_state_from_string(state);
	if (rep->state <= FLW_ST_PENDING || rep->state == FLW_ST_CANCELED)
		return flw_diag_set(&r->diag, FLW_EFORMAT, "reports[].state",
		                    "reports[%zu]: unknown state '%.32s'", i, state);
	snprintf(rep->detail, sizeof(rep->detail), "%s", detail ? detail : "");
	rep->at = t ? (time_t)t : r->now;
	return 0;
}

int flwd_h_reports(struct flwd_req *r)
{
	struct flw_report *reps = NULL;
	struct flw_store *s = NULL;
	json_t *body = NULL;
	json_t *arr = NULL;
	int64_t acked = 0;
	size_t n = 0;
	size_t i;
	int rc;

	if ((rc = flwd_body_json(r, &body)) != 0 ||
	    (rc = flw_json_only_keys(body, reports_keys, "", &r->diag)) != 0 ||
	    (rc = flw_json_get_arr(body, "reports", &arr, FLW_REPORTS_MAX, 1, &r->diag)) != 0) {
		rc = flwd_required(rc);
		goto out;
	}
	n = json_array_size(arr);
	reps = flw_calloc(n ? n : 1, sizeof(*reps));
	if (!reps) {
		rc = FLW_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		rc = report_parse(r, json_array_get(arr, i), &reps[i], i);
		if (rc != 0)
			goto out;
		if (i > 0 && reps[i].seq <= reps[i - 1].seq) {
			rc = flw_diag_set(&r->diag, FLW_EFORMAT, "reports[].seq",
			                  "reports[%zu]: seq must be strictly increasing", i);
			goto out;
		}
	}
	if ((rc = flwd_req_store(r, &s)) != 0)
		goto out;
	rc = flw_store_reports_apply(s, r->device_id, reps, n, r->now, &acked, &r->diag);
	if (rc == FLW_ENOTFOUND && !r->diag.path[0])
		rc = flw_diag_set(&r->diag, FLW_EAUTH, NULL, "unknown device: enroll again");
	if (rc != 0)
		goto out;
	flwd_dev_set_acked(r->d, r->device_id, acked);
	atomic_fetch_add(&r->d->m.reports, n);
	rc = flwd_reply_json(r, 200, json_pack("{s:I}", "acked_seq", (json_int_t)acked));
out:
	flw_free(reps);
	json_decref(body);
	return rc;
}
