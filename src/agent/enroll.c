/* src/agent/enroll.c - device identity: key, trust anchor, enrollment and device tokens
 *
 * First start: an Ed25519 key is generated into state_dir/device.key (0600, the same JSON key
 * format as the CLI's key files), trust_root is copied into state_dir/tuf/root.json, and the
 * device enrolls with its enrollment token (PROTOCOL.md), keeping the device token in
 * state_dir/token (0600). Later starts reuse all three. A token that expired or was refused
 * (401) is renewed with /device/v1/auth, signed with the device key; if the server no longer
 * knows the device and an enrollment token is configured, the device enrolls again.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/log.h"
#include "fleetward/tuf.h"
#include "agent.h"

#define KEY_FILE_MAX   1024
#define TOKEN_FILE_MAX 1024

static int load_key(struct agent *a, const char *path)
{
	const struct flw_json_limits lim = { KEY_FILE_MAX, 4 };
	unsigned char seed[FLW_ED25519_SEED_BYTES];
	unsigned char pk[FLW_ED25519_PK_BYTES];
	struct flw_diag d = { 0 };
	struct flw_buf b;
	json_t *j = NULL;
	const char *pub = NULL;
	const char *priv = NULL;
	json_t *kv = NULL;
	int rc;

	flw_buf_init(&b, KEY_FILE_MAX);
	rc = flw_fs_read_all(path, &b, &d);
	if (rc != 0)
		goto out;
	if ((rc = flw_json_parse(&j, b.data, b.len, &lim, &d)) != 0 ||
	    (rc = flw_json_get_obj(j, "keyval", &kv, 1, &d)) != 0 ||
	    (rc = flw_json_get_str(kv, "public", &pub, 64, 1, &d)) != 0 ||
	    (rc = flw_json_get_str(kv, "private", &priv, 64, 1, &d)) != 0)
		goto out;
	if ((rc = flw_hex_decode(seed, sizeof(seed), priv)) != 0 ||
	    (rc = flw_hex_decode(pk, sizeof(pk), pub)) != 0 ||
	    (rc = flw_ed25519_from_seed(a->pk, a->sk, seed)) != 0)
		goto out;
	if (flw_ct_memcmp(pk, a->pk, sizeof(pk)) != 0) {
		rc = flw_diag_set(&d, FLW_EFORMAT, "public", "public key does not match the seed");
		goto out;
	}
out:
	if (rc != 0) {
		char m[FLW_DIAG_MSG_MAX + 64];

		log_error("device key '%s' is unusable: %s; move it away to generate a new one "
		          "(the device must then be re-registered)",
		          path, flw_diag_format(&d, m, sizeof(m)));
	}
	flw_memzero(seed, sizeof(seed));
	json_decref(j);
	flw_buf_free_secure(&b);
	return rc;
}

static int new_key(struct agent *a, const char *path)
{
	unsigned char seed[FLW_ED25519_SEED_BYTES];
	char pub[2 * FLW_ED25519_PK_BYTES + 1];
	char priv[2 * FLW_ED25519_SEED_BYTES + 1];
	struct flw_diag d = { 0 };
	char *text = NULL;
	int rc;

	flw_random(seed, sizeof(seed));
	rc = flw_ed25519_from_seed(a->pk, a->sk, seed);
	if (rc != 0)
		goto out;
	flw_hex_encode(pub, a->pk, sizeof(a->pk));
	flw_hex_encode(priv, seed, sizeof(seed));
	text = flw_asprintf("{\"keytype\":\"ed25519\",\"keyval\":{\"private\":\"%s\",\"public\":"
	                    "\"%s\"},\"scheme\":\"ed25519\"}\n",
	                    priv, pub);
	rc = FLW_ENOMEM;
	if (!text)
		goto out;
	rc = flw_fs_write_atomic(path, text, strlen(text), 0600, &d);
	if (rc != 0) {
		log_error_rc(rc, "writing device key '%s': %s", path, d.msg);
		goto out;
	}
	log_notice("generated device key '%s' (public %s)", path, pub);
out:
	flw_memzero(seed, sizeof(seed));
	flw_memzero(priv, sizeof(priv));
	if (text) {
		flw_memzero(text, strlen(text));
		flw_free(text);
	}
	return rc;
}

static int ensure_key(struct agent *a)
{
	char *path = flw_fs_join(a->cfg->state_dir, "device.key");
	struct stat sb;
	int rc;

	if (!path)
		return FLW_ENOMEM;
	if (stat(path, &sb) == 0)
		rc = load_key(a, path);
	else
		rc = new_key(a, path);
	flw_free(path);
	return rc;
}

static int ensure_trust(struct agent *a)
{
	char *path = flw_fs_join(a->tuf_dir, "root.json");
	struct flw_diag d = { 0 };
	struct flw_buf b;
	struct stat sb;
	int rc = FLW_ENOMEM;

	flw_buf_init(&b, FLW_TUF_ROOT_MAX_BYTES);
	if (!path)
		goto out;
	rc = 0;
	if (stat(path, &sb) == 0)
		goto out;
	rc = flw_fs_read_all(a->cfg->trust_root, &b, &d);
	if (rc == 0)
		rc = flw_tuf_client_init(a->tuf_dir, b.data, b.len, &d);
	if (rc != 0) {
		char m[FLW_DIAG_MSG_MAX + 64];

		log_error_rc(rc, "installing trust root '%s': %s; check trust_root in the config",
		             a->cfg->trust_root, flw_diag_format(&d, m, sizeof(m)));
		goto out;
	}
	log_notice("installed trust root from '%s'", a->cfg->trust_root);
out:
	flw_buf_free(&b);
	flw_free(path);
	return rc;
}

static int load_token(struct agent *a)
{
	const struct flw_json_limits lim = { TOKEN_FILE_MAX, 4 };
	char *path = flw_fs_join(a->cfg->state_dir, "token");
	struct flw_buf b;
	json_t *j = NULL;
	const char *tok = NULL;
	int rc = FLW_ENOMEM;

	flw_buf_init(&b, TOKEN_FILE_MAX);
	if (!path)
		goto out;
	rc = flw_fs_read_all(path, &b, NULL);
	if (rc != 0)
		goto out;
	if ((rc = flw_json_parse(&j, b.data, b.len, &lim, NULL)) != 0 ||
	    (rc = flw_json_get_str(j, "token", &tok, FLW_DEVICE_TOKEN_MAX, 1, NULL)) != 0 ||
	    (rc = flw_json_get_int(j, "expires", &a->token_expires, 0, INT64_MAX, 1, NULL)) != 0)
		goto out;
	snprintf(a->token, sizeof(a->token), "%s", tok);
out:
	json_decref(j);
	flw_buf_free_secure(&b);
	flw_free(path);
	return rc;
}

static int save_token(struct agent *a)
{
	char *path = flw_fs_join(a->cfg->state_dir, "token");
	struct flw_diag d = { 0 };
	char *text = NULL;
	int rc = FLW_ENOMEM;

	if (!path)
		goto out;
	text = flw_asprintf("{\"expires\":%lld,\"token\":\"%s\"}\n", (long long)a->token_expires,
	                    a->token);
	if (!text)
		goto out;
	rc = flw_fs_write_atomic(path, text, strlen(text), 0600, &d);
	if (rc != 0)
		log_error_rc(rc, "saving device token: %s", d.msg);
out:
	if (text) {
		flw_memzero(text, strlen(text));
		flw_free(text);
	}
	flw_free(path);
	return rc;
}

/* {"signed": signed, "signature": hex(Ed25519(canonical(signed)))} */
static int sign_body(struct agent *a, json_t *signed_obj, struct flw_buf *out)
{
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	char sig_hex[2 * FLW_ED25519_SIG_BYTES + 1];
	struct flw_buf canon;
	json_t *env = NULL;
	int rc;

	flw_buf_init(&canon, FLW_DEVICE_BODY_MAX);
	rc = flw_json_canonical(&canon, signed_obj, NULL);
	if (rc != 0)
		goto out;
	rc = flw_ed25519_sign(sig, canon.data, canon.len, a->sk);
	if (rc != 0)
		goto out;
	flw_hex_encode(sig_hex, sig, sizeof(sig));
	env = json_pack("{s:O, s:s}", "signed", signed_obj, "signature", sig_hex);
	rc = FLW_ENOMEM;
	if (!env)
		goto out;
	rc = flw_json_dump(out, env, 0);
out:
	json_decref(env);
	flw_buf_free(&canon);
	return rc;
}

/* RFC 6750 b64token; device tokens are b64url "." b64url (PROTOCOL.md) */
static int token_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-._~+/=", s[i]))
			return 0;
	return i > 0;
}

static int take_token(struct agent *a, const struct agent_resp *r)
{
	const struct flw_json_limits lim = { AGENT_RESP_MAX, 8 };
	struct flw_diag d = { 0 };
	json_t *j = NULL;
	const char *tok = NULL;
	int64_t exp = 0;
	int rc;

	if ((rc = flw_json_parse(&j, r->body.data, r->body.len, &lim, &d)) != 0 ||
	    (rc = flw_json_get_str(j, "token", &tok, FLW_DEVICE_TOKEN_MAX, 1, &d)) != 0 ||
	    (rc = flw_json_get_int(j, "expires", &exp, 0, INT64_MAX, 1, &d)) != 0) {
		log_error_rc(rc, "bad answer from the server: %s", d.msg);
		goto out;
	}
	if (!token_ok(tok)) {
		/* it goes into an HTTP header and the token file: no quotes, no CR/LF */
		rc = log_error_rc(FLW_EFORMAT, "bad answer from the server: the token has "
		                               "characters outside [A-Za-z0-9._~+/=-]");
		goto out;
	}
	snprintf(a->token, sizeof(a->token), "%s", tok);
	a->token_expires = exp;
	rc = save_token(a);
out:
	json_decref(j);
	return rc;
}

/* POST path with a signed body; on 200 take the token. *status_out gets the HTTP status. */
static int signed_post(struct agent *a, const char *path, json_t *signed_obj, long *status_out)
{
	struct agent_resp r;
	struct flw_diag d = { 0 };
	char *url = NULL;
	struct flw_buf body;
	char msg[FLW_DIAG_MSG_MAX + 64];
	int rc;

	agent_resp_init(&r, AGENT_RESP_MAX);
	flw_buf_init(&body, FLW_DEVICE_BODY_MAX);
	*status_out = 0;
	rc = sign_body(a, signed_obj, &body);
	if (rc != 0)
		goto out;
	url = flw_asprintf("%s%s", a->cfg->server, path);
	rc = FLW_ENOMEM;
	if (!url)
		goto out;
	rc = agent_http_request(a->http, "POST", url, NULL, flw_buf_cstr(&body), body.len, &r, &d);
	if (rc != 0) {
		log_error_rc(rc, "%s; will retry", d.msg);
		goto out;
	}
	*status_out = r.status;
	if (r.status != 200) {
		rc = r.status == 401 ? FLW_EAUTH : r.status == 410 ? FLW_EEXPIRED : FLW_ENET;
		log_error("%s refused: %s", path, agent_resp_error(&r, msg, sizeof(msg)));
		goto out;
	}
	rc = take_token(a, &r);
out:
	flw_buf_free_secure(&body);
	flw_free(url);
	agent_resp_free(&r);
	return rc;
}

static int enroll(struct agent *a)
{
	char pk_hex[2 * FLW_ED25519_PK_BYTES + 1];
	json_t *s = NULL;
	long status = 0;
	int rc;

	if (!a->cfg->enrollment_token) {
		log_error(
		        "device '%s' is not enrolled and no enrollment_token is configured; "
		        "create one with 'fleetward enroll-token create' and add it to the config",
		        a->cfg->device_id);
		return FLW_EAUTH;
	}
	flw_hex_encode(pk_hex, a->pk, sizeof(a->pk));
	s = json_pack("{s:s, s:s, s:s, s:s, s:I}", "device_id", a->cfg->device_id, "hardware_id",
	              a->cfg->hardware_id, "public_key", pk_hex, "enrollment_token",
	              a->cfg->enrollment_token, "time", (json_int_t)time(NULL));
	if (!s)
		return FLW_ENOMEM;
	rc = signed_post(a, "/device/v1/enroll", s, &status);
	json_decref(s);
	if (rc == 0)
		log_notice("enrolled as '%s'", a->cfg->device_id);
	return rc;
}

int agent_authenticate(struct agent *a)
{
	json_t *s = NULL;
	long status = 0;
	int rc;

	s = json_pack("{s:s, s:I}", "device_id", a->cfg->device_id, "time", (json_int_t)time(NULL));
	if (!s)
		return FLW_ENOMEM;
	rc = signed_post(a, "/device/v1/auth", s, &status);
	json_decref(s);
	if (rc != 0 && (status == 401 || status == 404) && a->cfg->enrollment_token) {
		log_notice("the server does not know this device's key; enrolling again");
		rc = enroll(a);
	}
	return rc;
}

int agent_prepare(struct agent *a)
{
	int rc;

	if ((rc = ensure_key(a)) != 0 || (rc = ensure_trust(a)) != 0)
		return rc;
	if (load_token(a) == 0)
		return 0;
	return enroll(a);
}

int agent_post(struct agent *a, const char *path, const char *body, struct agent_resp *r)
{
	struct flw_diag d = { 0 };
	char *url = NULL;
	int rc;
	int tries;

	url = flw_asprintf("%s%s", a->cfg->server, path);
	if (!url)
		return FLW_ENOMEM;
	rc = 0;
	if (a->token[0] == '\0' || a->token_expires <= (int64_t)time(NULL) + 60)
		rc = agent_authenticate(a);
	for (tries = 0; rc == 0 && tries < 2; tries++) {
		rc = agent_http_request(a->http, "POST", url, a->token, body, strlen(body), r, &d);
		if (rc != 0) {
			log_error_rc(rc, "%s; will retry at the next poll", d.msg);
			break;
		}
		if (r->status != 401 || tries > 0)
			break;
		log_info("device token refused; authenticating again");
		rc = agent_authenticate(a);
	}
	if (rc == 0 && r->status == 401)
		rc = FLW_EAUTH;
	if (r->retry_after > 0)
		a->retry_after = r->retry_after;
	flw_free(url);
	return rc;
}
