/* src/daemon/http_device.c - the native device API (/device/v1/...)
 *
 * Bodies are parsed and validated by libfleetward (fleetward/request.h); handlers verify,
 * store and answer. enroll and auth are signed by the device's Ed25519 key over the
 * canonical JSON of "signed" (flw_req_verify_signed, before anything is stored). check-in
 * and reports carry a device token checked in memory (http.c). A check-in writes inventory
 * only when its fingerprint changed and leaves last-seen to the scheduler's group commit;
 * reports are acknowledged only after the store committed them.
 */
#include <inttypes.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "fleetward/request.h"
#include "http.h"

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

/* The stored device; an unknown one is an authentication failure (msg says what to do). */
static int device_load(struct flwd_req *r, struct flw_store *s, const char *id,
                       struct flw_device *dev, const char *path, const char *msg)
{
	int rc = flw_store_device_get(s, id, dev, &r->diag);

	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(&r->diag, FLW_EAUTH, path, "%s", msg);
	return rc;
}

int flwd_h_enroll(struct flwd_req *r)
{
	struct flw_req_enroll e;
	struct flw_device dev;
	struct flw_store *s = NULL;
	struct flw_audit a;
	int rc;

	memset(&dev, 0, sizeof(dev));
	if ((rc = flw_req_parse_enroll(&e, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = flw_req_verify_signed(&e.sg, e.public_key, r->now, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	snprintf(dev.id, sizeof(dev.id), "%s", e.sg.device_id);
	snprintf(dev.hwid, sizeof(dev.hwid), "%s", e.hardware_id);
	memcpy(dev.pubkey, e.public_key, sizeof(dev.pubkey));
	dev.enrolled = r->now;
	snprintf(r->actor, sizeof(r->actor), "device:%s", dev.id);
	snprintf(r->audit_object, sizeof(r->audit_object), "device:%s", dev.id);
	flwd_audit(r, &a, NULL);
	a.action = "device.enroll";
	rc = flw_store_device_enroll(s, &dev, e.token_hash, r->now, &a, &r->diag);
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
	flw_req_enroll_clear(&e);
	return rc;
}

int flwd_h_auth(struct flwd_req *r)
{
	struct flw_req_signed sg;
	struct flw_device dev;
	struct flw_store *s = NULL;
	int rc;

	memset(&dev, 0, sizeof(dev));
	if ((rc = flw_req_parse_auth(&sg, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0 ||
	    (rc = device_load(r, s, sg.device_id, &dev, "signed.device_id",
	                      "unknown device: enroll first")) != 0 ||
	    (rc = flw_req_verify_signed(&sg, dev.pubkey, r->now, &r->diag)) != 0)
		goto out;
	rc = reply_token(r, dev.id);
out:
	flw_device_clear(&dev);
	flw_req_signed_clear(&sg);
	return rc;
}

/* ---- check-in ---------------------------------------------------------------------------- */

/* The advisory update fields and "director": the exact bytes of the signed director document
 * (a string), the only part the agent trusts. */
static int update_json(const struct flw_action *a, const struct flw_buf *director, json_t **out)
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
	*out = json_pack("{s:I,s:s,s:s,s:I,s:s,s:I,s:s,s:s%}", "deployment",
	                 (json_int_t)a->deployment_id, "target", a->target.name, "version",
	                 a->target.version, "length", (json_int_t)a->target.length, "sha256", hex,
	                 "security_version", (json_int_t)a->target.security_version, "url", url,
	                 "director", flw_buf_cstr(director), director->len);
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
	rc = device_load(r, s, r->device_id, &dev, NULL, "unknown device: enroll again");
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
	struct flw_req_checkin ck;
	struct flw_action act;
	struct flw_store *s = NULL;
	struct flw_buf director;
	json_t *ans = NULL;
	json_t *upd = NULL;
	int64_t cached;
	int64_t acked = 0;
	int rc;

	memset(&act, 0, sizeof(act));
	flw_buf_init(&director, FLW_DIRECTOR_DOC_MAX);
	if ((rc = flw_req_parse_checkin(&ck, r->body.data, r->body.len, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	ck.c.device_id = r->device_id;
	ck.c.now = r->now;
	rc = flw_sha256(r->body.data ? (const void *)r->body.data : "", r->body.len, fp);
	if (rc != 0)
		goto out;
	if (flwd_dev_seen(r->d, r->device_id, fp, r->now, &cached)) {
		rc = flw_store_device_checkin(s, &ck.c, &r->diag);
		if (rc == FLW_ENOTFOUND)
			rc = flw_diag_set(&r->diag, FLW_EAUTH, NULL,
			                  "unknown device: enroll again");
		if (rc != 0)
			goto out;
		flwd_dev_set_fp(r->d, r->device_id, fp);
	}
	if ((rc = acked_seq(r, s, cached, &acked)) != 0)
		goto out;
	/* the director key is read at each use: an online key rotation switches it */
	rc = flw_director_for_device(s, flw_datadir_key(&r->d->dd, FLW_ONLINE_DIRECTOR),
	                             r->device_id, r->now, (time_t)r->d->cfg->director_expiry, &act,
	                             &director, &r->diag);
	if (rc == 0)
		rc = update_json(&act, &director, &upd);
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
	flw_buf_free(&director);
	flw_req_checkin_clear(&ck);
	return rc;
}

/* ---- reports ----------------------------------------------------------------------------- */

int flwd_h_reports(struct flwd_req *r)
{
	struct flw_req_reports rs;
	struct flw_store *s = NULL;
	int64_t acked = 0;
	int rc;

	if ((rc = flw_req_parse_reports(&rs, r->body.data, r->body.len, r->now, &r->diag)) != 0 ||
	    (rc = flwd_req_store(r, &s)) != 0)
		goto out;
	rc = flw_store_reports_apply(s, r->device_id, rs.items, rs.n, r->now, &acked, &r->diag);
	if (rc == FLW_ENOTFOUND && !r->diag.path[0])
		rc = flw_diag_set(&r->diag, FLW_EAUTH, NULL, "unknown device: enroll again");
	if (rc != 0)
		goto out;
	flwd_dev_set_acked(r->d, r->device_id, acked);
	atomic_fetch_add(&r->d->m.reports, rs.n);
	rc = flwd_reply_json(r, 200, json_pack("{s:I}", "acked_seq", (json_int_t)acked));
out:
	flw_req_reports_clear(&rs);
	return rc;
}
