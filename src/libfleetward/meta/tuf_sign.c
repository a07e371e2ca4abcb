/* meta/tuf_sign.c - produce signed TUF envelopes
 *
 * The envelope is written as canonical JSON {"signatures":[...],"signed":{...}} with the
 * signatures sorted by keyid and at most one signature per keyid; each signature is Ed25519
 * over the canonical JSON of "signed".
 */
#include <stdlib.h>
#include <string.h>

#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "tuf_private.h"
#include "util/sort.h"

static void drop_keyid(json_t *sigs, const char *keyid)
{
	size_t i = 0;

	while (i < json_array_size(sigs)) {
		const char *k =
		        json_string_value(json_object_get(json_array_get(sigs, i), "keyid"));

		if (k && strcmp(k, keyid) == 0)
			json_array_remove(sigs, i);
		else
			i++;
	}
}

static int add_sig(json_t *sigs, const struct flw_signer *s, const struct flw_buf *msg)
{
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	char hex[2 * FLW_ED25519_SIG_BYTES + 1];
	const struct flw_tuf_key *k = flw_signer_key(s);
	int rc;

	if (!k)
		return FLW_EINVAL;
	rc = flw_signer_sign(s, msg->data, msg->len, sig);
	if (rc != 0)
		return rc;
	flw_hex_encode(hex, sig, sizeof(sig));
	drop_keyid(sigs, k->keyid);
	if (json_array_size(sigs) >= FLW_TUF_MAX_KEYS)
		return FLW_ELIMIT;
	if (json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", k->keyid, "sig", hex)))
		return FLW_ENOMEM;
	return 0;
}

static int cmp_sig(const void *a, const void *b)
{
	const char *ka = json_string_value(json_object_get(*(json_t *const *)a, "keyid"));
	const char *kb = json_string_value(json_object_get(*(json_t *const *)b, "keyid"));

	return strcmp(ka ? ka : "", kb ? kb : "");
}

/* canonical envelope with signatures sorted by keyid */
static int write_envelope(struct flw_buf *out, json_t *sigs, const json_t *sgn,
                          struct flw_diag *diag)
{
	json_t *sorted[FLW_TUF_MAX_KEYS];
	json_t *arr = NULL;
	json_t *env = NULL;
	size_t n = json_array_size(sigs);
	size_t i;
	int rc = FLW_ENOMEM;

	if (n > FLW_TUF_MAX_KEYS)
		return FLW_ELIMIT;
	for (i = 0; i < n; i++)
		sorted[i] = json_array_get(sigs, i);
	flw_sort(sorted, n, sizeof(sorted[0]), cmp_sig);
	arr = json_array();
	for (i = 0; arr && i < n; i++)
		if (json_array_append(arr, sorted[i]) != 0)
			goto out;
	env = json_pack("{s:O, s:O}", "signatures", arr, "signed", (json_t *)sgn);
	if (!env)
		goto out;
	rc = flw_json_canonical(out, env, diag);
out:
	json_decref(arr);
	json_decref(env);
	return rc;
}

int flw_tuf_sign(struct flw_buf *out, const json_t *signed_obj, struct flw_signer *const *signers,
                 size_t n, struct flw_diag *diag)
{
	struct flw_buf msg;
	json_t *sigs = NULL;
	size_t i;
	int rc = FLW_EINVAL;

	flw_buf_init(&msg, FLW_TUF_TARGETS_MAX_BYTES);
	if (!out || !json_is_object(signed_obj) || (n && !signers) || n > FLW_TUF_MAX_KEYS)
		goto out;
	rc = flw_tuf__canonical(&msg, signed_obj, FLW_TUF_TARGETS_MAX_BYTES, diag);
	if (rc != 0)
		goto out;
	rc = FLW_ENOMEM;
	sigs = json_array();
	if (!sigs)
		goto out;
	for (i = 0; i < n; i++) {
		rc = add_sig(sigs, signers[i], &msg);
		if (rc != 0)
			goto out;
	}
	rc = write_envelope(out, sigs, signed_obj, diag);
out:
	json_decref(sigs);
	flw_buf_free(&msg);
	return rc;
}

int flw_tuf_add_signature(struct flw_buf *out, const void *doc, size_t len,
                          const struct flw_signer *s, struct flw_diag *diag)
{
	struct flw_buf msg;
	json_t *env = NULL;
	json_t *sigs;
	json_t *sgn;
	int rc = FLW_EINVAL;

	flw_buf_init(&msg, FLW_TUF_TARGETS_MAX_BYTES);
	if (!out || !doc || !s)
		goto out;
	rc = flw_tuf__envelope_parse(&env, doc, len, FLW_TUF_TARGETS_MAX_BYTES, diag);
	if (rc != 0)
		goto out;
	sigs = json_object_get(env, "signatures");
	sgn = json_object_get(env, "signed");
	if ((rc = flw_tuf__canonical(&msg, sgn, FLW_TUF_TARGETS_MAX_BYTES, diag)) != 0 ||
	    (rc = add_sig(sigs, s, &msg)) != 0)
		goto out;
	rc = write_envelope(out, sigs, sgn, diag);
out:
	json_decref(env);
	flw_buf_free(&msg);
	return rc;
}
