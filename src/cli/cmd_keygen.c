/* src/cli/cmd_keygen.c - `fleetward keygen`: a new Ed25519 signing key, offline
 *
 *   keygen -o PATH             PATH (private, mode 0600) and PATH.pub (the TUF public key)
 *   keygen -o PATH --encrypt   PATH sealed under a passphrase (docs/KEYS.md)
 *   keygen --pkcs11 URI [-o PATH]
 *                              the key pair is generated on the token; only PATH.pub is written
 *
 * Refuses to overwrite anything: a key file is a trust anchor, losing one is not undoable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "keys.h"
#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"

#define CLI_PUBKEY_MAX (4u * 1024u)

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

static void print_result(const struct cli_ctx *ctx, const struct flw_signer *s, const char *priv,
                         const char *pub_path)
{
	const char *keyid = flw_signer_key(s)->keyid;

	if (ctx->json)
		cli_print_json(pub_path ? json_pack("{s:s,s:s,s:s}", "keyid", keyid, "private",
		                                    priv, "public", pub_path)
		                        : json_pack("{s:s,s:s}", "keyid", keyid, "private", priv));
	else
		printf("%s\n", keyid);
	if (flw_signer_is_pkcs11(s) && pub_path)
		fprintf(stderr, "generated the key on the token (%s); wrote %s\n", priv, pub_path);
	else if (flw_signer_is_pkcs11(s))
		fprintf(stderr, "generated the key on the token (%s)\n", priv);
	else
		fprintf(stderr, "wrote %s (private key, mode 0600%s: keep it offline) and %s\n",
		        priv, cli_opt_count(ctx, "encrypt") ? ", encrypted" : "", pub_path);
}

int cli_cmd_keygen(struct cli_ctx *ctx)
{
	const char *path = cli_opt_str(ctx, "output");
	const char *uri = cli_opt_str(ctx, "pkcs11");
	int encrypt = cli_opt_count(ctx, "encrypt") > 0;
	struct flw_signer *s = NULL;
	struct flw_diag diag = { 0 };
	struct cli_keys keys;
	struct flw_buf pub;
	json_t *key = NULL;
	char *pub_path = NULL;
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32];
	int have_keys = 0;
	int rc = CLI_EXIT_FAIL;
	int frc;

	flw_buf_init(&pub, CLI_PUBKEY_MAX);
	if (uri && encrypt)
		return cli_usage(ctx, "--encrypt is for key files; a PKCS#11 key never leaves its "
		                      "token");
	if (!uri && (!path || !*path))
		return cli_usage(ctx, "missing --output PATH (or --pkcs11 URI)");
	if (path && !*path)
		return cli_usage(ctx, "--output wants a PATH");
	if (path) {
		pub_path = flw_asprintf("%s.pub", path);
		if (!pub_path)
			goto out;
		if ((!uri && exists(path)) || exists(pub_path)) {
			rc = cli_fail(
			        ctx,
			        "'%s' already exists; refusing to overwrite a key (give another "
			        "-o PATH)",
			        !uri && exists(path) ? path : pub_path);
			goto out;
		}
	}
	if ((rc = cli_keys_init(ctx, &keys)) != 0)
		goto out;
	have_keys = 1;
	rc = CLI_EXIT_FAIL;
	if (uri) {
		frc = flw_signer_generate_pkcs11(&s, uri, &keys.opts, &diag);
		if (frc != 0) {
			rc = cli_keys_fail(&keys, "create", uri, frc, &diag);
			goto out;
		}
	} else if ((frc = flw_signer_generate(&s)) != 0) {
		rc = cli_fail(ctx, "cannot create a key: %s", flw_strerror(frc));
		goto out;
	}
	if ((frc = flw_tuf_key_to_json(flw_signer_key(s), &key)) != 0 ||
	    (frc = flw_json_dump(&pub, key, 1)) != 0 || (frc = flw_buf_puts(&pub, "\n")) != 0) {
		rc = cli_fail(ctx, "cannot create a key: %s", flw_strerror(frc));
		goto out;
	}
	frc = 0;
	if (!uri) {
		frc = flw_signer_save(s, path, encrypt ? &keys.opts : NULL, &diag);
		if (frc != 0 && keys.why[0]) {
			rc = cli_fail(ctx, "writing the key: %s", keys.why);
			goto out;
		}
	}
	if (frc == 0 && pub_path)
		frc = flw_fs_write_atomic(pub_path, pub.data, pub.len, 0644, &diag);
	if (frc != 0) {
		rc = cli_fail(ctx, "writing the key: %s", flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	print_result(ctx, s, uri ? uri : path, pub_path);
	rc = CLI_EXIT_OK;
out:
	if (rc == CLI_EXIT_FAIL && !s && path && !pub_path)
		cli_fail(ctx, "out of memory");
	if (have_keys)
		cli_keys_done(&keys);
	if (key)
		json_decref(key);
	flw_buf_free(&pub);
	flw_free(pub_path);
	flw_signer_free(s);
	return rc;
}
