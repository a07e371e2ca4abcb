/* src/cli/keys.h - signer options from the command line and environment (keys.c) */
#ifndef FLW_CLI_KEYS_H
#define FLW_CLI_KEYS_H
#include "cmd.h"
#include "fleetward/tuf.h"

#define CLI_PIN_MAX 256

struct cli_keys {
	const struct cli_ctx *ctx;
	struct flw_signer_opts opts; /* passphrase callback, module, PIN */
	char pin[CLI_PIN_MAX + 1];
	char why[256]; /* why the passphrase callback gave up, for the error message */
};

/* Fill k from --passphrase-file, --pin-file, --pkcs11-module and the environment; prints why
 * not -> CLI_EXIT_FAIL. Always pair with cli_keys_done() (wipes the PIN). */
int cli_keys_init(const struct cli_ctx *ctx, struct cli_keys *k);
void cli_keys_done(struct cli_keys *k);
/* Print "cannot <doing> the key 'spec': why" with a hint; returns CLI_EXIT_FAIL */
int cli_keys_fail(const struct cli_keys *k, const char *doing, const char *spec, int frc,
                  const struct flw_diag *diag);

#endif
