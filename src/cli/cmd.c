/* src/cli/cmd.c - the command table, option parsing, help and dispatch
 *
 * The table below is the whole command-line surface of `fleetward`: docs/CLI.md describes the
 * same rows, and tests/integration/2*_cli_*.sh walk it through `fleetward help --list`.
 * Global options (--server, --token, --json, --help) are accepted before or after the command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>

#include "cmd.h"
#include "cmd_device.h"
#include "fleetward/alloc.h"
#include "fleetward/crypto.h"

/* ---- options ------------------------------------------------------------------------------- */
static const struct cli_opt global_opts[] = {
	{ "server", 0, CLI_OPT_VALUE, "URL", "fleetwardd base URL (or $FLEETWARD_SERVER)" },
	{ "token", 0, CLI_OPT_VALUE, "TOKEN", "API token (or $FLEETWARD_TOKEN)" },
	{ "json", 0, 0, NULL, "print the API's JSON instead of a table" },
	{ "help", 'h', 0, NULL, "show help" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt help_opts[] = { { "list", 0, 0, NULL,
	                                      "one command per line (for scripts and tests)" },
	                                    { NULL, 0, 0, NULL, NULL } };
/* how every command that signs finds its keys (src/cli/keys.c, docs/KEYS.md) */
#define CLI_OPT_PASSPHRASE_FILE                                                             \
	{                                                                                   \
		"passphrase-file", 0, CLI_OPT_VALUE, "FILE",                                \
		        "passphrase of encrypted key files (or $FLEETWARD_KEY_PASSPHRASE; " \
		        "default: ask)"                                                     \
	}
#define CLI_OPT_PKCS11_MODULE                                                           \
	{                                                                               \
		"pkcs11-module", 0, CLI_OPT_VALUE, "LIB",                               \
		        "PKCS#11 module for pkcs11: keys (or $FLEETWARD_PKCS11_MODULE)" \
	}
#define CLI_OPT_PIN_FILE                                                          \
	{                                                                         \
		"pin-file", 0, CLI_OPT_VALUE, "FILE",                             \
		        "PKCS#11 user PIN, first line (or $FLEETWARD_PKCS11_PIN)" \
	}
#define CLI_KEY_OPTS CLI_OPT_PASSPHRASE_FILE, CLI_OPT_PKCS11_MODULE, CLI_OPT_PIN_FILE
static const struct cli_opt keygen_opts[] = {
	{ "output", 'o', CLI_OPT_VALUE, "PATH",
	  "private key file (mode 0600); the public key goes to PATH.pub" },
	{ "encrypt", 0, 0, NULL, "seal the key file under a passphrase (Argon2id, XChaCha20)" },
	{ "pkcs11", 0, CLI_OPT_VALUE, "URI",
	  "generate the key on a PKCS#11 token (pkcs11:token=T;object=LABEL); -o PATH then "
	  "writes only PATH.pub" },
	CLI_KEY_OPTS,
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt repo_init_opts[] = {
	{ "root-key", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED | CLI_OPT_REPEAT, "KEY",
	  "root key: key file or pkcs11: URI (signs), or PATH.pub (listed only; its holder signs "
	  "later with 'repo sign'); repeat for several" },
	{ "root-threshold", 0, CLI_OPT_VALUE, "N", "root signatures needed (default 1)" },
	{ "targets-key", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED | CLI_OPT_REPEAT, "KEY",
	  "targets key, like --root-key; repeat for several" },
	{ "targets-threshold", 0, CLI_OPT_VALUE, "N", "targets signatures needed (default 1)" },
	{ "expires-days", 0, CLI_OPT_VALUE, "N", "root lifetime in days (default 365)" },
	{ "output", 'o', CLI_OPT_VALUE, "FILE", "where to write root.json (default ./root.json)" },
	{ "targets-output", 0, CLI_OPT_VALUE, "FILE",
	  "where to write targets v1 when it still needs signatures (default ./targets.json)" },
	CLI_KEY_OPTS,
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt repo_sign_opts[] = { { "key", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED,
	                                           "KEY", "key file or pkcs11: URI to sign with" },
	                                         { "output", 'o', CLI_OPT_VALUE, "OUT",
	                                           "write here (default: replace FILE)" },
	                                         CLI_KEY_OPTS,
	                                         { NULL, 0, 0, NULL, NULL } };
static const struct cli_opt repo_merge_opts[] = { { "output", 'o', CLI_OPT_VALUE | CLI_OPT_REQUIRED,
	                                            "OUT", "merged envelope" },
	                                          { NULL, 0, 0, NULL, NULL } };
static const struct cli_opt repo_root_new_opts[] = {
	{ "root", 0, CLI_OPT_VALUE, "ROOT.json",
	  "current root (offline); default: from the server" },
	{ "add-key", 0, CLI_OPT_VALUE | CLI_OPT_REPEAT, "ROLE=PUBFILE",
	  "list the public key (a PATH.pub) for ROLE: root, targets, snapshot, timestamp, "
	  "director" },
	{ "remove-key", 0, CLI_OPT_VALUE | CLI_OPT_REPEAT, "ROLE=KEYID",
	  "stop listing KEYID (or a unique prefix of 8+ hex digits) for ROLE" },
	{ "threshold", 0, CLI_OPT_VALUE | CLI_OPT_REPEAT, "ROLE=N", "signatures ROLE needs" },
	{ "online-keys", 0, 0, NULL,
	  "snapshot, timestamp and director keys := the server's (pending ones first)" },
	{ "expires-days", 0, CLI_OPT_VALUE, "N", "lifetime in days (default 365)" },
	{ "output", 'o', CLI_OPT_VALUE | CLI_OPT_REQUIRED, "NEXT.json", "the unsigned next root" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt repo_resign_opts[] = {
	{ "key", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED | CLI_OPT_REPEAT, "KEY",
	  "targets key to sign with (repeat for several)" },
	{ "targets", 0, CLI_OPT_VALUE, "CURRENT.json",
	  "current targets metadata (offline); default: fetched from the server" },
	{ "expires-days", 0, CLI_OPT_VALUE, "N", "lifetime of the new metadata (default 90)" },
	{ "output", 'o', CLI_OPT_VALUE, "OUT", "output file (default targets-v<N>.json)" },
	CLI_KEY_OPTS,
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt release_verify_opts[] = {
	{ "metadata", 0, CLI_OPT_VALUE, "TARGETS.json",
	  "targets metadata (default: the server's)" },
	{ "name", 0, CLI_OPT_VALUE, "NAME", "the target to check the image against" },
	{ "root", 0, CLI_OPT_VALUE, "ROOT.json", "trusted root (default: the server's newest)" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt repo_root_opts[] = { { "output", 'o', CLI_OPT_VALUE, "FILE",
	                                           "write to FILE instead of stdout" },
	                                         { NULL, 0, 0, NULL, NULL } };
static const struct cli_opt release_create_opts[] = {
	{ "name", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED, "PATH",
	  "target name, e.g. fw/cam-1.2.0.img ([A-Za-z0-9._-] components)" },
	{ "version", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED, "V", "release version string" },
	{ "hardware", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED | CLI_OPT_REPEAT, "HWID",
	  "compatible hardware id (repeat for several)" },
	{ "security-version", 0, CLI_OPT_VALUE, "N", "anti-rollback counter (default 0)" },
	{ "key", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED, "KEY",
	  "targets signing key: key file or pkcs11: URI" },
	{ "targets", 0, CLI_OPT_VALUE, "CURRENT.json",
	  "current targets metadata (offline); default: fetched from the server" },
	{ "expires-days", 0, CLI_OPT_VALUE, "N", "lifetime of the new metadata (default 90)" },
	{ "output", 'o', CLI_OPT_VALUE, "NEW.json",
	  "output file (default <basename of PATH>.targets.json)" },
	{ "source-commit", 0, CLI_OPT_VALUE, "SHA", "provenance: source commit (7-64 hex digits)" },
	{ "builder", 0, CLI_OPT_VALUE, "ID", "provenance: builder identity" },
	{ "build-time", 0, CLI_OPT_VALUE, "RFC3339",
	  "provenance: YYYY-MM-DDTHH:MM:SSZ (default $SOURCE_DATE_EPOCH, else now)" },
	{ "sbom", 0, CLI_OPT_VALUE, "FILE",
	  "CycloneDX 1.4-1.6 JSON SBOM of the image: its sha256 and length are signed "
	  "(custom.sbom); upload FILE with the image" },
	CLI_KEY_OPTS,
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt release_upload_opts[] = {
	{ "metadata", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED, "NEW.json",
	  "signed targets metadata from 'fleetward release create'" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt device_list_opts[] = {
	{ "group", 0, CLI_OPT_VALUE, "G", "only devices in group G" },
	{ "hardware", 0, CLI_OPT_VALUE, "H", "only devices with hardware id H" },
	{ "installed", 0, CLI_OPT_VALUE, "T", "only devices running target T" },
	{ "prefix", 0, CLI_OPT_VALUE, "P", "only device ids starting with P" },
	{ "limit", 0, CLI_OPT_VALUE, "N", "at most N devices" },
	{ "offset", 0, CLI_OPT_VALUE, "N", "skip the first N devices" },
	{ "class", 0, CLI_OPT_VALUE, "C", "only devices of criticality class C" },
	{ "site", 0, CLI_OPT_VALUE, "S", "only devices at site S" },
	{ "internet-exposed", 0, CLI_OPT_VALUE, "yes|no", "only (not) internet-exposed devices" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt device_set_opts[] = {
	{ "class", 0, CLI_OPT_VALUE, "C",
	  "criticality: safety-critical, confidentiality-sensitive, non-critical or a name of "
	  "[a-z0-9-]" },
	{ "internet-exposed", 0, CLI_OPT_VALUE, "yes|no", "reachable from the internet" },
	{ "segment", 0, CLI_OPT_VALUE, "S", "network segment or VLAN" },
	{ "owner", 0, CLI_OPT_VALUE, "O", "owner (person or team)" },
	{ "site", 0, CLI_OPT_VALUE, "S", "site" },
	{ "support-end", 0, CLI_OPT_VALUE, "YYYY-MM-DD", "vendor support end date" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt enroll_create_opts[] = {
	{ "uses", 0, CLI_OPT_VALUE, "N", "enrollments allowed (default 1; -1 unlimited)" },
	{ "expires-in", 0, CLI_OPT_VALUE, "DURATION", "lifetime: 90s, 30m, 24h, 7d (default 7d)" },
	{ "group", 0, CLI_OPT_VALUE, "G", "put enrolled devices into group G" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt deploy_opts[] = {
	{ "device", 0, CLI_OPT_VALUE | CLI_OPT_REPEAT, "ID", "target device (repeat for several)" },
	{ "group", 0, CLI_OPT_VALUE, "G", "every device in group G" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt watch_opts[] = {
	{ "timeout", 0, CLI_OPT_VALUE, "SECONDS", "give up after SECONDS (exit 4); default never" },
	{ "interval", 0, CLI_OPT_VALUE, "SECONDS", "poll interval (default 1)" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt token_create_opts[] = { { "role", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED,
	                                              "ROLE", "admin, operator or viewer" },
	                                            { NULL, 0, 0, NULL, NULL } };
static const struct cli_opt audit_opts[] = {
	{ "limit", 0, CLI_OPT_VALUE, "N", "at most N entries (default 50)" },
	{ "before", 0, CLI_OPT_VALUE, "ID", "entries older than ID (paging)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt feed_import_opts[] = {
	{ "kind", 0, CLI_OPT_VALUE, "K",
	  "nvd, cve5, cve5-jsonl, kev or epss (default: told from the first bytes)" },
	{ "no-local-parse", 0, 0, NULL,
	  "skip the local parse pass (very large files; the server still parses)" },
	{ NULL, 0, 0, NULL, NULL }
};
#define CLI_OPT_CSV                                                                  \
	{                                                                            \
		"csv", 0, 0, NULL, "print CSV (a header row, then one row per item)" \
	}
static const struct cli_opt finding_list_opts[] = {
	{ "device", 0, CLI_OPT_VALUE, "D", "only device D" },
	{ "cve", 0, CLI_OPT_VALUE, "C", "only CVE C" },
	{ "component", 0, CLI_OPT_VALUE, "NAME", "only component NAME" },
	{ "release", 0, CLI_OPT_VALUE, "R", "only devices running release R" },
	{ "state", 0, CLI_OPT_VALUE, "S", "open, fixed or accepted" },
	{ "decision", 0, CLI_OPT_VALUE, "D", "act, attend, track* or track" },
	{ "overdue", 0, 0, NULL, "only open findings past their deadline" },
	{ "class", 0, CLI_OPT_VALUE, "C", "only devices of criticality class C" },
	{ "site", 0, CLI_OPT_VALUE, "S", "only devices at site S" },
	{ "min-score", 0, CLI_OPT_VALUE, "N", "only scores of N (0-100) and above" },
	{ "limit", 0, CLI_OPT_VALUE, "N", "at most N findings (default 100, at most 1000)" },
	{ "offset", 0, CLI_OPT_VALUE, "N", "skip the first N findings" },
	CLI_OPT_CSV,
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt finding_accept_opts[] = {
	{ "reason", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED, "TEXT",
	  "why the risk is accepted (1-255 characters; recorded with your token's name)" },
	{ "expires", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED, "YYYY-MM-DD|+Nd",
	  "when the acceptance ends (00:00 UTC of that day, or N days from now; at most a "
	  "year)" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt model_set_opts[] = {
	{ "support-end", 0, CLI_OPT_VALUE | CLI_OPT_REQUIRED, "YYYY-MM-DD|none",
	  "the vendor's support end for every device of the model (none clears it)" },
	{ NULL, 0, 0, NULL, NULL }
};
static const struct cli_opt report_opts[] = {
	{ "period", 0, CLI_OPT_VALUE, "DURATION",
	  "completeness, update-channel: how recent a check-in counts (default 7d)" },
	{ "min-share", 0, CLI_OPT_VALUE, "X",
	  "completeness: the share of complete devices below which it warns (default 0.95)" },
	CLI_OPT_CSV,
	{ NULL, 0, 0, NULL, NULL }
};

/* ---- the command table ------------------------------------------------------------------- */
#define S CLI_CMD_SERVER
static const struct cli_cmd commands[] = {
	/* name, sub, summary, usage, options, min_pos, max_pos, flags, handler */
	{ "help", NULL, "show help for all commands or for one", "[COMMAND [SUBCOMMAND]] [--list]",
	  help_opts, 0, 3, 0, cli_cmd_help },
	{ "keygen", NULL, "create an Ed25519 signing key (offline)",
	  "-o PATH [--encrypt] | --pkcs11 URI [-o PATH]", keygen_opts, 0, 0, 0, cli_cmd_keygen },
	{ "repo", "init", "create, sign and upload root v1 and an empty targets v1",
	  "--root-key KEY [--root-key KEY...] [--root-threshold N] --targets-key KEY "
	  "[--targets-key KEY...] [--targets-threshold N] [--expires-days N] [-o root.json]",
	  repo_init_opts, 0, 0, S, cli_cmd_repo_init },
	{ "repo", "sign", "add one signature to a metadata file (keyholders sign separately)",
	  "FILE --key KEY [-o OUT]", repo_sign_opts, 1, 1, 0, cli_cmd_repo_sign },
	{ "repo", "merge", "merge the signatures of copies of one metadata document",
	  "FILE FILE... -o OUT", repo_merge_opts, 1, 64, 0, cli_cmd_repo_merge },
	{ "repo", "root new", "write the next root (unsigned): add/remove keys, thresholds",
	  "[--root ROOT.json] [--add-key ROLE=PUBFILE]... [--remove-key ROLE=KEYID]... "
	  "[--threshold ROLE=N]... [--online-keys] [--expires-days N] -o NEXT.json",
	  repo_root_new_opts, 0, 0, S, cli_cmd_repo_root_new },
	{ "repo", "root upload", "upload a signed next root", "FILE", NULL, 1, 1, S,
	  cli_cmd_repo_root_upload },
	{ "repo", "status", "versions, expiries, thresholds and keys of every role, with warnings",
	  "[--json]", NULL, 0, 0, S, cli_cmd_repo_status },
	{ "repo", "targets-resign",
	  "re-sign the current targets as the next version (key revocation)",
	  "--key KEY [--key KEY...] [--targets CURRENT.json] [--expires-days N] [-o OUT]",
	  repo_resign_opts, 0, 0, S, cli_cmd_repo_targets_resign },
	{ "repo", "root", "download the newest root metadata (the devices' trust anchor)",
	  "[-o FILE]", repo_root_opts, 0, 0, S, cli_cmd_repo_root },
	{ "release", "create", "hash an image and write new signed targets metadata listing it",
	  "IMAGE --name PATH --version V --hardware HWID [--hardware HWID...] "
	  "[--security-version N] --key targets.key [--targets CURRENT.json] [--expires-days N] "
	  "[--source-commit SHA] [--builder ID] [--build-time RFC3339] [--sbom FILE] "
	  "[-o NEW.json]",
	  release_create_opts, 1, 1, 0, cli_cmd_release_create },
	{ "release", "verify", "check an image against a release's signed metadata, check by check",
	  "IMAGE (--metadata TARGETS.json | --name NAME) [--root ROOT.json]", release_verify_opts,
	  1, 1, S, cli_cmd_release_verify },
	{ "release", "upload", "upload images and their SBOMs, then their signed metadata",
	  "--metadata NEW.json [IMAGE|SBOM...]", release_upload_opts, 0, 64, S,
	  cli_cmd_release_upload },
	{ "release", "list", "list releases", "[--json]", NULL, 0, 0, S, cli_cmd_release_list },
	{ "release", "show", "show one release", "NAME [--json]", NULL, 1, 1, S,
	  cli_cmd_release_show },
	{ "release", "analyze",
	  "find known components (busybox, openssl, ...) in a firmware image; write an SBOM",
	  "IMAGE [-o SBOM.json] [--max-file-size BYTES] [--max-files N] [--json]",
	  cli_release_analyze_opts, 1, 1, 0, cli_cmd_release_analyze },
	{ "device", "list", "list devices",
	  "[--group G] [--hardware H] [--installed T] [--prefix P] [--class C] [--site S] "
	  "[--internet-exposed yes|no] [--limit N] [--offset N] [--json]",
	  device_list_opts, 0, 0, S, cli_cmd_device_list },
	{ "device", "show", "show one device: inventory, attributes, groups, history",
	  "ID [--json]", NULL, 1, 1, S, cli_cmd_device_show },
	{ "device", "set", "set a device's inventory fields (an empty value clears one)",
	  "ID [--class C] [--internet-exposed yes|no] [--segment S] [--owner O] [--site S] "
	  "[--support-end YYYY-MM-DD] [--json]",
	  device_set_opts, 1, 1, S, cli_cmd_device_set },
	{ "device", "components",
	  "the components a device carries: its running release's SBOM and its own report",
	  "ID [--json]", NULL, 1, 1, S, cli_cmd_device_components },
	{ "group", "create", "create a device group", "NAME", NULL, 1, 1, S, cli_cmd_group_create },
	{ "group", "list", "list device groups", "[--json]", NULL, 0, 0, S, cli_cmd_group_list },
	{ "group", "add", "add devices to a group", "NAME DEV [DEV...]", NULL, 2, 1024, S,
	  cli_cmd_group_add },
	{ "group", "remove", "remove devices from a group", "NAME DEV [DEV...]", NULL, 2, 1024, S,
	  cli_cmd_group_remove },
	{ "group", "delete", "delete a group (its devices stay)", "NAME", NULL, 1, 1, S,
	  cli_cmd_group_delete },
	{ "enroll-token", "create", "create an enrollment token (printed once)",
	  "NAME [--uses N] [--expires-in DURATION] [--group G]", enroll_create_opts, 1, 1, S,
	  cli_cmd_enroll_create },
	{ "enroll-token", "list", "list enrollment tokens", "[--json]", NULL, 0, 0, S,
	  cli_cmd_enroll_list },
	{ "enroll-token", "revoke", "revoke an enrollment token", "NAME", NULL, 1, 1, S,
	  cli_cmd_enroll_revoke },
	{ "deploy", NULL, "deploy a release to devices or a group; prints the deployment id",
	  "RELEASE (--device ID [--device ID...] | --group G)", deploy_opts, 1, 1, S,
	  cli_cmd_deploy },
	{ "deployment", "list", "list deployments", "[--json]", NULL, 0, 0, S,
	  cli_cmd_deployment_list },
	{ "deployment", "show", "show a deployment's per-device progress", "ID [--json]", NULL, 1,
	  1, S, cli_cmd_deployment_show },
	{ "deployment", "watch",
	  "follow a deployment's per-device progress until every device is done",
	  "ID [--timeout SECONDS] [--interval SECONDS]", watch_opts, 1, 1, S,
	  cli_cmd_deployment_watch },
	{ "deployment", "cancel", "cancel a deployment", "ID", NULL, 1, 1, S,
	  cli_cmd_deployment_cancel },
	{ "token", "create", "create an API token (printed once)",
	  "NAME --role admin|operator|viewer", token_create_opts, 1, 1, S, cli_cmd_token_create },
	{ "token", "list", "list API tokens", "[--json]", NULL, 0, 0, S, cli_cmd_token_list },
	{ "token", "revoke", "revoke an API token", "NAME", NULL, 1, 1, S, cli_cmd_token_revoke },
	{ "audit", NULL, "show the audit log, newest first", "[--limit N] [--before ID] [--json]",
	  audit_opts, 0, 0, S, cli_cmd_audit },
	{ "feed", "import",
	  "import vulnerability feeds (NVD, CVE 5, KEV, EPSS) and re-assess the fleet",
	  "[--kind K] [--no-local-parse] PATH... [--json]", feed_import_opts, 1, 1024, S,
	  cli_cmd_feed_import },
	{ "feed", "list", "list the imported feed files and how many CVEs they know", "[--json]",
	  NULL, 0, 0, S, cli_cmd_feed_list },
	{ "vuln", "show", "what the imported feeds say about one CVE", "CVE [--json]", NULL, 1, 1,
	  S, cli_cmd_vuln_show },
	{ "assess", NULL, "re-assess the fleet now (devices and releases read afresh)", "[--json]",
	  NULL, 0, 0, S, cli_cmd_assess },
	{ "assessment", NULL, "show the current assessment's numbers", "[--json]", NULL, 0, 0, S,
	  cli_cmd_assessment },
	{ "finding", "list", "list findings (device x CVE x component), most urgent first",
	  "[--device D] [--cve C] [--component NAME] [--release R] [--state S] [--decision D] "
	  "[--overdue] [--class C] [--site S] [--min-score N] [--limit N] [--offset N] "
	  "[--json|--csv]",
	  finding_list_opts, 0, 0, S, cli_cmd_finding_list },
	{ "finding", "show", "show a finding: decision, score, deadline, reasons, match",
	  "DEVICE CVE [COMPONENT] [--json]", NULL, 2, 3, S, cli_cmd_finding_show },
	{ "finding", "accept", "accept a finding's risk until a date (it stops counting as open)",
	  "DEVICE CVE COMPONENT --reason TEXT --expires YYYY-MM-DD|+Nd", finding_accept_opts, 3, 3,
	  S, cli_cmd_finding_accept },
	{ "finding", "revoke", "revoke an acceptance (the finding is open again)",
	  "DEVICE CVE COMPONENT", NULL, 3, 3, S, cli_cmd_finding_revoke },
	{ "model", "list", "list device models (hardware ids) with their support end", "[--json]",
	  NULL, 0, 0, S, cli_cmd_model_list },
	{ "model", "set", "set a model's support end (end-of-life report)",
	  "HWID --support-end YYYY-MM-DD|none", model_set_opts, 1, 1, S, cli_cmd_model_set },
	{ "report", NULL,
	  "print a report: summary, mttp, deadlines, completeness, update-channel, "
	  "kev-exposure, patch-queue or eol",
	  "NAME [--period 7d] [--min-share 0.95] [--json|--csv]", report_opts, 1, 1, S,
	  cli_cmd_report },
};
#undef S

/* ---- messages -------------------------------------------------------------------------------- */
static void cmd_label(const struct cli_cmd *cmd, char *out, size_t n)
{
	if (!cmd)
		snprintf(out, n, "fleetward");
	else if (cmd->sub)
		snprintf(out, n, "fleetward %s %s", cmd->name, cmd->sub);
	else
		snprintf(out, n, "fleetward %s", cmd->name);
}

int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
{
	char label[64];
	va_list ap;

	cmd_label(ctx->cmd, label, sizeof(label));
	fprintf(stderr, "%s: ", label);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ctx->cmd)
		fprintf(stderr, "; see '%s --help'\n", label);
	else
		fputs("; see 'fleetward help'\n", stderr);
	return CLI_EXIT_USAGE;
}

int cli_fail(const struct cli_ctx *ctx, const char *fmt, ...)
{
	char label[64];
	va_list ap;

	cmd_label(ctx->cmd, label, sizeof(label));
	fprintf(stderr, "%s: ", label);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

void cli_hint(const char *fmt, ...)
{
	va_list ap;

	fputs("hint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- option values --------------------------------------------------------------------------- */
const char *cli_opt_nth(const struct cli_ctx *ctx, const char *name, unsigned n)
{
	unsigned i;

	for (i = 0; i < ctx->nvals; i++) {
		if (strcmp(ctx->vals[i].opt->name, name) != 0)
			continue;
		if (n == 0)
			return ctx->vals[i].val ? ctx->vals[i].val : "";
		n--;
	}
	return NULL;
}

unsigned cli_opt_count(const struct cli_ctx *ctx, const char *name)
{
	unsigned i;
	unsigned n = 0;

	for (i = 0; i < ctx->nvals; i++)
		if (strcmp(ctx->vals[i].opt->name, name) == 0)
			n++;
	return n;
}

const char *cli_opt_str(const struct cli_ctx *ctx, const char *name)
{
	unsigned n = cli_opt_count(ctx, name);

	return n ? cli_opt_nth(ctx, name, n - 1) : NULL;
}

int cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end = NULL;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_opt_int(const struct cli_ctx *ctx, const char *name, int64_t min, int64_t max, int64_t def,
                int64_t *out)
{
	const char *s = cli_opt_str(ctx, name);

	*out = def;
	if (!s)
		return 0;
	if (cli_parse_int(s, min, max, out) != 0)
		return cli_usage(
		        ctx, "--%s wants a whole number from %" PRId64 " to %" PRId64 ", not '%s'",
		        name, min, max, s);
	return 0;
}

int cli_parse_duration(const char *s, int64_t *out)
{
	static const struct {
		char suffix;
		int64_t mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char num[24];
	size_t len = s ? strlen(s) : 0;
	int64_t mult = 1;
	int64_t v;
	size_t i;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	for (i = 0; i < FLW_ARRAY_SIZE(units); i++) {
		if (num[len - 1] == units[i].suffix) {
			mult = units[i].mult;
			num[len - 1] = '\0';
			break;
		}
	}
	if (cli_parse_int(num, 1, INT64_MAX / 86400, &v) != 0)
		return -1;
	*out = v * mult;
	return 0;
}

/* ---- help ------------------------------------------------------------------------------------ */
static void print_opts(FILE *f, const struct cli_opt *opts)
{
	char left[64];

	for (; opts && opts->name; opts++) {
		if (opts->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts->short_name, opts->name,
			         opts->metavar ? " " : "", opts->metavar ? opts->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts->name,
			         opts->metavar ? " " : "", opts->metavar ? opts->metavar : "");
		fprintf(f, "  %-30s %s\n", left, opts->help);
	}
}

static void print_cmd_help(FILE *f, const struct cli_cmd *cmd)
{
	char label[64];

	cmd_label(cmd, label, sizeof(label));
	fprintf(f, "usage: %s %s\n\n%s\n", label, cmd->usage, cmd->summary);
	if (cmd->opts) {
		fputs("\noptions:\n", f);
		print_opts(f, cmd->opts);
	}
	fputs("\nglobal options:\n", f);
	print_opts(f, global_opts);
}

static void print_overview(FILE *f, const char *only)
{
	char left[64];
	size_t i;

	if (!only)
		fputs("usage: fleetward [--server URL] [--token TOKEN] [--json] COMMAND [ARGS]\n\n"
		      "fleetward is the operator's tool for fleetwardd: keys, signed releases,\n"
		      "devices, groups, deployments, API tokens, vulnerability feeds, findings\n"
		      "and risk reports.\n\ncommands:\n",
		      f);
	else
		fprintf(f, "usage: fleetward %s SUBCOMMAND [ARGS]\n\nsubcommands:\n", only);
	for (i = 0; i < FLW_ARRAY_SIZE(commands); i++) {
		const struct cli_cmd *c = &commands[i];

		if ((c->flags & CLI_CMD_HIDDEN) || (only && strcmp(c->name, only) != 0))
			continue;
		snprintf(left, sizeof(left), "%s%s%s", c->name, c->sub ? " " : "",
		         c->sub ? c->sub : "");
		fprintf(f, "  %-22s %s\n", left, c->summary);
	}
	fputs("\nRun 'fleetward COMMAND [SUBCOMMAND] --help' for a command's options.\n"
	      "Configuration: --server/--token, $FLEETWARD_SERVER/$FLEETWARD_TOKEN,\n"
	      "~/.config/fleetward/cli.conf (server = URL, token = TOKEN), "
	      "default " CLI_DEFAULT_SERVER ".\n",
	      f);
}

/* 1 if a command's subcommand (one word, or two: "root new") is sub [sub2] */
static int sub_matches(const char *want, const char *sub, const char *sub2, unsigned *words)
{
	const char *sp = strchr(want, ' ');
	size_t n = sp ? (size_t)(sp - want) : strlen(want);

	if (!sub || strlen(sub) != n || strncmp(want, sub, n) != 0)
		return 0;
	if (sp && (!sub2 || strcmp(sp + 1, sub2) != 0))
		return 0;
	*words = sp ? 2 : 1;
	return 1;
}

/* Two-word subcommands first ("repo root new" before "repo root"); *words gets how many
 * words after the name were used. */
static const struct cli_cmd *find_cmd(const char *name, const char *sub, const char *sub2,
                                      int *name_known, unsigned *words)
{
	const struct cli_cmd *one = NULL;
	unsigned w = 0;
	size_t i;

	*name_known = 0;
	*words = 0;
	for (i = 0; i < FLW_ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		*name_known = 1;
		if (!commands[i].sub)
			return &commands[i];
		if (!sub_matches(commands[i].sub, sub, sub2, &w))
			continue;
		if (w == 2) {
			*words = 2;
			return &commands[i];
		}
		one = &commands[i];
	}
	if (one)
		*words = 1;
	return one;
}

int cli_cmd_help(struct cli_ctx *ctx)
{
	const struct cli_cmd *c;
	unsigned words = 0;
	int known;
	size_t i;

	if (cli_opt_count(ctx, "list")) {
		for (i = 0; i < FLW_ARRAY_SIZE(commands); i++)
			printf("%s%s%s\n", commands[i].name, commands[i].sub ? " " : "",
			       commands[i].sub ? commands[i].sub : "");
		return CLI_EXIT_OK;
	}
	if (ctx->npos == 0) {
		print_overview(stdout, NULL);
		return CLI_EXIT_OK;
	}
	c = find_cmd(ctx->pos[0], ctx->npos > 1 ? ctx->pos[1] : NULL,
	             ctx->npos > 2 ? ctx->pos[2] : NULL, &known, &words);
	if (c) {
		print_cmd_help(stdout, c);
		return CLI_EXIT_OK;
	}
	if (known && ctx->npos == 1) {
		print_overview(stdout, ctx->pos[0]);
		return CLI_EXIT_OK;
	}
	return cli_usage(ctx, "no command '%s%s%s'", ctx->pos[0], ctx->npos > 1 ? " " : "",
	                 ctx->npos > 1 ? ctx->pos[1] : "");
}

/* ---- parsing --------------------------------------------------------------------------------- */
static const struct cli_opt *find_opt(const struct cli_opt *opts, const char *name, size_t len,
                                      char short_name)
{
	for (; opts && opts->name; opts++) {
		if (short_name && opts->short_name == short_name)
			return opts;
		if (!short_name && strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	}
	return NULL;
}

struct parse_state {
	int argc;
	char **argv;
	int i;
	int help;
	const char *server;
	const char *token;
};

/* Parse one option at argv[st->i] (starts with '-'). Returns 0 or CLI_EXIT_USAGE. */
static int parse_opt(struct cli_ctx *ctx, struct parse_state *st)
{
	const char *arg = st->argv[st->i];
	const char *eq = NULL;
	const struct cli_opt *o;
	const char *val = NULL;
	size_t len;

	if (arg[1] == '-') {
		eq = strchr(arg + 2, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		o = find_opt(ctx->cmd ? ctx->cmd->opts : NULL, arg + 2, len, 0);
		if (!o)
			o = find_opt(global_opts, arg + 2, len, 0);
	} else {
		if (arg[2] != '\0')
			return cli_usage(ctx, "unknown option '%s' (write short options apart)",
			                 arg);
		o = find_opt(ctx->cmd ? ctx->cmd->opts : NULL, NULL, 0, arg[1]);
		if (!o)
			o = find_opt(global_opts, NULL, 0, arg[1]);
	}
	if (!o)
		return cli_usage(ctx, "unknown option '%s'", arg);
	if (o->flags & CLI_OPT_VALUE) {
		if (eq)
			val = eq + 1;
		else if (st->i + 1 < st->argc)
			val = st->argv[++st->i];
		else
			return cli_usage(ctx, "--%s needs a value: --%s %s", o->name, o->name,
			                 o->metavar);
	} else if (eq) {
		return cli_usage(ctx, "--%s takes no value", o->name);
	}
	if (o == &global_opts[0])
		st->server = val;
	else if (o == &global_opts[1])
		st->token = val;
	else if (o == &global_opts[2])
		ctx->json = 1;
	else if (o == &global_opts[3])
		st->help = 1;
	else {
		if (!(o->flags & CLI_OPT_REPEAT) && cli_opt_count(ctx, o->name))
			return cli_usage(ctx, "--%s given twice; give it once", o->name);
		ctx->vals[ctx->nvals].opt = o;
		ctx->vals[ctx->nvals].val = val;
		ctx->nvals++;
	}
	return 0;
}

/* Global options before the command, then the command words. */
static int parse_command(struct cli_ctx *ctx, struct parse_state *st)
{
	const char *name;
	const char *sub;
	const char *sub2;
	unsigned words = 0;
	int known;
	int rc;

	while (st->i < st->argc && st->argv[st->i][0] == '-' && st->argv[st->i][1] != '\0') {
		if ((rc = parse_opt(ctx, st)) != 0)
			return rc;
		st->i++;
	}
	if (st->i >= st->argc) {
		print_overview(st->help ? stdout : stderr, NULL);
		if (!st->help)
			fputs("\nfleetward: give a command; see 'fleetward help'\n", stderr);
		return st->help ? -1 : CLI_EXIT_USAGE;
	}
	name = st->argv[st->i++];
	sub = st->i < st->argc ? st->argv[st->i] : NULL;
	sub2 = st->i + 1 < st->argc ? st->argv[st->i + 1] : NULL;
	ctx->cmd = find_cmd(name, sub, sub2, &known, &words);
	if (!known)
		return cli_usage(ctx, "unknown command '%s'", name);
	if (!ctx->cmd) {
		if (st->help || (sub && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0))) {
			print_overview(stdout, name);
			return -1;
		}
		fprintf(stderr, "fleetward %s: %s; see 'fleetward %s --help'\n", name,
		        sub ? "unknown subcommand" : "give a subcommand", name);
		print_overview(stderr, name);
		return CLI_EXIT_USAGE;
	}
	st->i += (int)words;
	return 0;
}

static int check_required(struct cli_ctx *ctx)
{
	const struct cli_opt *o;

	for (o = ctx->cmd->opts; o && o->name; o++)
		if ((o->flags & CLI_OPT_REQUIRED) && !cli_opt_count(ctx, o->name))
			return cli_usage(ctx, "missing --%s %s", o->name, o->metavar);
	if (ctx->npos < ctx->cmd->min_pos || ctx->npos > ctx->cmd->max_pos)
		return cli_usage(ctx, "%s arguments; type: fleetward %s%s%s %s",
		                 ctx->npos < ctx->cmd->min_pos ? "missing" : "too many",
		                 ctx->cmd->name, ctx->cmd->sub ? " " : "",
		                 ctx->cmd->sub ? ctx->cmd->sub : "", ctx->cmd->usage);
	return 0;
}

/* Returns 0 to run the handler, -1 when help was printed (exit 0), else an exit status. */
static int parse_args(struct cli_ctx *ctx, struct parse_state *st)
{
	int only_pos = 0;
	int rc;

	if ((rc = parse_command(ctx, st)) != 0)
		return rc;
	for (; st->i < st->argc; st->i++) {
		const char *a = st->argv[st->i];

		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = 1;
		} else if (!only_pos && a[0] == '-' && a[1] != '\0') {
			if ((rc = parse_opt(ctx, st)) != 0)
				return rc;
		} else {
			ctx->pos[ctx->npos++] = a;
		}
	}
	if (st->help) {
		print_cmd_help(stdout, ctx->cmd);
		return -1;
	}
	return check_required(ctx);
}

int cli_main(int argc, char **argv)
{
	struct cli_config cfg = { 0 };
	struct cli_ctx ctx = { 0 };
	struct parse_state st = { 0 };
	int rc = CLI_EXIT_FAIL;

	if (flw_crypto_init() != 0) {
		fputs("fleetward: cannot initialise the crypto library\n", stderr);
		return CLI_EXIT_FAIL;
	}
	ctx.pos = flw_calloc((size_t)argc + 1, sizeof(*ctx.pos));
	ctx.vals = flw_calloc((size_t)argc + 1, sizeof(*ctx.vals));
	if (!ctx.pos || !ctx.vals) {
		fputs("fleetward: out of memory\n", stderr);
		goto out;
	}
	st.argc = argc;
	st.argv = argv;
	st.i = 1;
	rc = parse_args(&ctx, &st);
	if (rc != 0) {
		rc = rc < 0 ? CLI_EXIT_OK : rc;
		goto out;
	}
	rc = cli_config_resolve(&cfg, st.server, st.token);
	if (rc != 0)
		goto out;
	ctx.cfg = &cfg;
	ctx.out_tty = isatty(STDOUT_FILENO);
	ctx.err_tty = isatty(STDERR_FILENO);
	ctx.now = time(NULL);
	if ((ctx.cmd->flags & CLI_CMD_SERVER) && curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		rc = cli_fail(&ctx, "cannot initialise libcurl");
		goto out;
	}
	rc = ctx.cmd->handler(&ctx);
	if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
		rc = cli_fail(&ctx, "writing the output failed");
	cli_http_free(ctx.http);
	if (ctx.cmd->flags & CLI_CMD_SERVER)
		curl_global_cleanup();
out:
	cli_config_done(&cfg);
	flw_free(ctx.pos);
	flw_free(ctx.vals);
	return rc;
}
