/* src/cli/keys.c - loading signing keys for the offline commands: key files (plain or
 * encrypted) and PKCS#11 URIs, with the passphrase, PIN and module from options or environment
 *
 *   passphrase  --passphrase-file F, else $FLEETWARD_KEY_PASSPHRASE, else asked on /dev/tty
 *   PIN         --pin-file F, else $FLEETWARD_PKCS11_PIN (a URI's pin-source/pin-value wins)
 *   module      --pkcs11-module M, else $FLEETWARD_PKCS11_MODULE (a URI's module-path wins)
 *
 * Secret files must be readable by their owner only, like key files. Everything read here is
 * wiped when the command is done with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "keys.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/tuf.h"

#define SECRET_FILE_MAX 4096

/* first line of an owner-only file into out (cap bytes incl. NUL); 0 or -1 with why set */
static int read_secret_file(const char *path, char *out, size_t cap, char *why, size_t why_len)
{
	char buf[SECRET_FILE_MAX];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;
	int rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_len, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(why, why_len, "'%s' must be a regular file of mode 0600", path);
		goto out;
	}
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, why_len, "reading '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	n = 0;
	while ((size_t)n < len && buf[n] != '\n' && buf[n] != '\r' && buf[n] != '\0')
		n++;
	if ((size_t)n >= cap) {
		snprintf(why, why_len, "the first line of '%s' is longer than %zu bytes", path,
		         cap - 1);
		goto out;
	}
	memcpy(out, buf, (size_t)n);
	out[n] = '\0';
	rc = 0;
out:
	flw_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* one line from the terminal without echo; 0 or -1 */
static int tty_ask(int fd, const char *prompt, char *buf, size_t cap, size_t *len_out)
{
	struct termios old, quiet;
	size_t len = 0;
	int echo_off = 0;
	ssize_t n;
	char c;
	int rc = -1;

	/* echo off before the prompt: what is typed after the prompt is never flushed */
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (write(fd, prompt, strlen(prompt)) < 0)
		goto out;
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		if (c == '\n' || c == '\r')
			break;
		if (len >= cap)
			goto out;
		buf[len++] = c;
	}
	*len_out = len;
	rc = 0;
out:
	c = 0;
	if (echo_off)
		tcsetattr(fd, TCSANOW, &old);
	if (write(fd, "\n", 1) < 0)
		rc = -1;
	if (rc != 0)
		flw_memzero(buf, cap);
	return rc;
}

static int passphrase_cb(char *buf, size_t cap, size_t *len_out, const char *what, int confirm,
                         void *payload)
{
	struct cli_keys *k = payload;
	const char *file = cli_opt_str(k->ctx, "passphrase-file");
	const char *env = getenv("FLEETWARD_KEY_PASSPHRASE");
	char again[FLW_PASSPHRASE_MAX];
	char prompt[FLW_DIAG_PATH_MAX + 64];
	size_t len = 0, len2 = 0;
	int fd;
	int rc = FLW_EAUTH;

	k->why[0] = '\0';
	if (file) {
		if (read_secret_file(file, buf, cap, k->why, sizeof(k->why)) != 0)
			return FLW_EAUTH;
		*len_out = strlen(buf);
		return 0;
	}
	if (env) {
		len = strlen(env);
		if (len > cap) {
			snprintf(k->why, sizeof(k->why), "$FLEETWARD_KEY_PASSPHRASE is too long");
			return FLW_ELIMIT;
		}
		memcpy(buf, env, len);
		*len_out = len;
		return 0;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(k->why, sizeof(k->why),
		         "no terminal to ask the passphrase on: use --passphrase-file F or "
		         "$FLEETWARD_KEY_PASSPHRASE");
		return FLW_EAUTH;
	}
	snprintf(prompt, sizeof(prompt), "%s for '%s': ", confirm ? "new passphrase" : "passphrase",
	         what);
	if (tty_ask(fd, prompt, buf, cap, &len) != 0) {
		snprintf(k->why, sizeof(k->why), "no passphrase was typed");
		goto out;
	}
	if (confirm) {
		if (tty_ask(fd, "repeat the passphrase: ", again, sizeof(again), &len2) != 0 ||
		    len2 != len || flw_ct_memcmp(again, buf, len) != 0) {
			snprintf(k->why, sizeof(k->why), "the two passphrases differ");
			flw_memzero(buf, cap);
			goto out;
		}
	}
	*len_out = len;
	rc = 0;
out:
	flw_memzero(again, sizeof(again));
	close(fd);
	return rc;
}

int cli_keys_init(const struct cli_ctx *ctx, struct cli_keys *k)
{
	const char *pin_file = cli_opt_str(ctx, "pin-file");
	const char *pin_env = getenv("FLEETWARD_PKCS11_PIN");
	const char *module = cli_opt_str(ctx, "pkcs11-module");

	memset(k, 0, sizeof(*k));
	k->ctx = ctx;
	k->opts.version = FLW_SIGNER_OPTS_VERSION;
	k->opts.passphrase = passphrase_cb;
	k->opts.passphrase_payload = k;
	if (!module)
		module = getenv("FLEETWARD_PKCS11_MODULE");
	k->opts.pkcs11_module = module && *module ? module : NULL;
	if (pin_file) {
		if (read_secret_file(pin_file, k->pin, sizeof(k->pin), k->why, sizeof(k->why)) !=
		    0) {
			cli_fail(ctx, "--pin-file: %s", k->why);
			flw_memzero(k, sizeof(*k));
			return CLI_EXIT_FAIL;
		}
		k->opts.pkcs11_pin = k->pin;
	} else if (pin_env) {
		if (strlen(pin_env) >= sizeof(k->pin)) {
			flw_memzero(k, sizeof(*k));
			return cli_fail(ctx, "$FLEETWARD_PKCS11_PIN is too long");
		}
		memcpy(k->pin, pin_env, strlen(pin_env) + 1);
		k->opts.pkcs11_pin = k->pin;
	}
	return 0;
}

void cli_keys_done(struct cli_keys *k)
{
	flw_memzero(k, sizeof(*k));
}

int cli_keys_fail(const struct cli_keys *k, const char *doing, const char *spec, int frc,
                  const struct flw_diag *diag)
{
	char msg[FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32];
	int p11 = strncmp(spec, "pkcs11:", 7) == 0;

	if (frc == FLW_ENOTFOUND && !p11)
		cli_fail(k->ctx, "no key file '%s'", spec);
	else if (k->why[0])
		cli_fail(k->ctx, "cannot %s the key '%s': %s", doing, spec, k->why);
	else
		cli_fail(k->ctx, "cannot %s the key '%s': %s", doing, spec,
		         flw_diag_format(diag, msg, sizeof(msg)));
	if (frc == FLW_EPERM && !p11)
		cli_hint("a private key must be readable by its owner only: chmod 600 '%s'", spec);
	else if (frc == FLW_ENOTFOUND && !p11)
		cli_hint("create one with 'fleetward keygen -o %s'", spec);
	else if (frc == FLW_EAUTH && p11)
		cli_hint("give the token's user PIN with --pin-file F or $FLEETWARD_PKCS11_PIN");
	else if (frc == FLW_EAUTH && !k->why[0])
		cli_hint("the passphrase comes from --passphrase-file F, $FLEETWARD_KEY_PASSPHRASE "
		         "or the terminal");
	else if (p11 && (frc == FLW_ENOTFOUND || frc == FLW_EIO))
		cli_hint("the PKCS#11 module is --pkcs11-module M or $FLEETWARD_PKCS11_MODULE "
		         "(default %s); list tokens with 'p11tool --list-tokens' or "
		         "'softhsm2-util --show-slots'",
		         FLW_PKCS11_DEFAULT_MODULE);
	return CLI_EXIT_FAIL;
}

int cli_load_signer(const struct cli_ctx *ctx, const char *spec, struct flw_signer **out)
{
	struct flw_diag diag = { 0 };
	struct cli_keys k;
	int frc;
	int rc;

	if ((rc = cli_keys_init(ctx, &k)) != 0)
		return rc;
	frc = flw_signer_load(out, spec, &k.opts, &diag);
	rc = frc == 0 ? 0 : cli_keys_fail(&k, "load", spec, frc, &diag);
	cli_keys_done(&k);
	return rc;
}
