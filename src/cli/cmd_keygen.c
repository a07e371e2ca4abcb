/* src/cli/cmd_keygen.c - `fleetward keygen`: a new Ed25519 signing key, offline
 *
 * Writes PATH (private, mode 0600, by flw_signer_save_file) and PATH.pub (the TUF public key
 * object). Refuses to overwrite either: a key file is a trust anchor, losing one is not undoable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
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

int cli_cmd_keygen(struct cli_ctx *ctx)
{
	const char *path = cli_opt_str(ctx, "output");
	struct flw_signer *s = NULL;
	struct flw_diag diag = { 0 };
	struct flw_buf pub;
	json_t *key = NULL;
	char *pub_path = NULL;
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32];
	int rc = CLI_EXIT_FAIL;
	int frc;

	flw_buf_init(&pub, CLI_PUBKEY_MAX);
	if (!*path)
		return cli_usage(ctx, "give the key file: -o PATH");
	pub_path = flw_asprintf("%s.pub", path);
	if (!pub_path)
		goto out;
	if (exists(path) || exists(pub_path)) {
		rc = cli_fail(ctx,
		              "'%s' already exists; refusing to overwrite a key (give another "
		              "-o PATH)",
		              exists(path) ? path : pub_path);
		goto out;
	}
	if ((frc = flw_signer_generate(&s)) != 0 ||
	    (frc = flw_tuf_key_to_json(flw_signer_key(s), &key)) != 0 ||
	    (frc = flw_json_dump(&pub, key, 1)) != 0 || (frc = flw_buf_puts(&pub, "\n")) != 0) {
		rc = cli_fail(ctx, "cannot create a key: %s", flw_strerror(frc));
		goto out;
	}
	frc = flw_signer_save_file(s, path, &diag);
	if (frc == 0)
		frc = flw_fs_write_atomic(pub_path, pub.data, pub.len, 0644, &diag);
	if (frc != 0) {
		rc = cli_fail(ctx, "writing the key: %s", flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	if (ctx->json)
		cli_print_json(json_pack("{s:s,s:s,s:s}", "keyid", flw_signer_key(s)->keyid,
		                         "private", path, "public", pub_path));
	else
		printf("%s\n", flw_signer_key(s)->keyid);
	fprintf(stderr, "wrote %s (private key, mode 0600: keep it offline) and %s\n", path,
	        pub_path);
	rc = CLI_EXIT_OK;
out:
	if (rc == CLI_EXIT_FAIL && !s && !pub_path)
		cli_fail(ctx, "out of memory");
	if (key)
		json_decref(key);
	flw_buf_free(&pub);
	flw_free(pub_path);
	flw_signer_free(s);
	return rc;
}
