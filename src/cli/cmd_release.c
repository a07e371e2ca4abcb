/* src/cli/cmd_release.c - `fleetward release create|upload|list|show`
 *
 * release create (offline with --targets): hash the image, take the current targets metadata,
 * add the target with its custom fields (version, hardware ids, security version), bump the
 * version by one, set a fresh expiry and sign with the targets key. The current metadata is
 * re-signed only if it already carries a valid signature of that same key: a server cannot get
 * a target of its own choosing signed by slipping it into the metadata we start from.
 * release upload streams each image (PUT /api/v1/artifacts), checks that the server stored
 * exactly a target the metadata lists, then posts the metadata.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/protocol.h"
#include "fleetward/sbom.h"
#include "fleetward/tuf.h"

#define CLI_TARGETS_DAYS_DEFAULT 90
#define CLI_DAYS_MAX             3650
#define DIAG_TEXT                (FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32)

static const struct flw_json_limits targets_limits = { FLW_TUF_TARGETS_MAX_BYTES,
	                                               FLW_TUF_MAX_DEPTH };

/* Target names: relative paths of [A-Za-z0-9._-] components, none empty, "." or "..". */
static int target_name_ok(const char *s)
{
	size_t len = strlen(s);
	size_t comp = 0;
	size_t i;

	if (len == 0 || len > FLW_TUF_TARGET_NAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '/' || c == '\0') {
			if (comp == 0 || (comp == 1 && s[i - 1] == '.') ||
			    (comp == 2 && s[i - 1] == '.' && s[i - 2] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
		comp++;
	}
	return 1;
}

static int text_ok(const char *s, size_t max, const char *extra)
{
	size_t len = strlen(s);
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return 0;
	}
	return 1;
}

/* --source-commit, --builder, --build-time (default $SOURCE_DATE_EPOCH, else now) */
static int provenance_from_args(const struct cli_ctx *ctx, struct flw_tuf_target *t)
{
	const char *commit = cli_opt_str(ctx, "source-commit");
	const char *builder = cli_opt_str(ctx, "builder");
	const char *when = cli_opt_str(ctx, "build-time");
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t bt = ctx->now;
	int64_t epoch;
	size_t i;

	if (commit) {
		for (i = 0; commit[i]; i++)
			if (!((commit[i] >= '0' && commit[i] <= '9') ||
			      (commit[i] >= 'a' && commit[i] <= 'f')))
				break;
		if (commit[i] != '\0' || i < 7 || i > FLW_TUF_COMMIT_MAX)
			return cli_usage(
			        ctx,
			        "--source-commit '%s': give the commit id, 7 to %u lowercase "
			        "hex digits (git rev-parse HEAD)",
			        commit, (unsigned)FLW_TUF_COMMIT_MAX);
		snprintf(t->source_commit, sizeof(t->source_commit), "%s", commit);
	}
	if (builder) {
		for (i = 0; builder[i]; i++)
			if ((unsigned char)builder[i] < 0x20 || (unsigned char)builder[i] > 0x7e)
				break;
		if (builder[i] != '\0' || i == 0 || i > FLW_TUF_BUILDER_MAX)
			return cli_usage(ctx,
			                 "--builder: give 1 to %u printable ASCII characters, e.g. "
			                 "--builder ci.example.com/job/42",
			                 (unsigned)FLW_TUF_BUILDER_MAX);
		snprintf(t->builder, sizeof(t->builder), "%s", builder);
	}
	if (when) {
		if (flw_tuf_time_parse(when, &bt) != 0)
			return cli_usage(
			        ctx,
			        "--build-time '%s': give UTC time as YYYY-MM-DDTHH:MM:SSZ, "
			        "e.g. 2024-05-01T12:00:00Z",
			        when);
	} else if (sde && *sde) {
		if (cli_parse_int(sde, 0, INT64_MAX / 2, &epoch) != 0)
			return cli_usage(ctx, "$SOURCE_DATE_EPOCH '%s' is not a number of seconds",
			                 sde);
		bt = (time_t)epoch;
	}
	flw_tuf_time_format(bt, t->build_time);
	return 0;
}

/* Fill t from the command line (not the hash). Usage errors exit 2. */
static int target_from_args(const struct cli_ctx *ctx, struct flw_tuf_target *t)
{
	const char *name = cli_opt_str(ctx, "name");
	const char *version = cli_opt_str(ctx, "version");
	unsigned n = cli_opt_count(ctx, "hardware");
	int64_t secver;
	unsigned i;
	int rc;

	if (!target_name_ok(name))
		return cli_usage(ctx,
		                 "--name '%s' is not a valid target name: give a relative path of "
		                 "[A-Za-z0-9._-] parts, e.g. --name fw/cam-1.2.0.img",
		                 name);
	if (!text_ok(version, FLW_TUF_VERSION_STR_MAX, "._-+~:"))
		return cli_usage(ctx,
		                 "--version '%s': give 1 to %u characters of "
		                 "[A-Za-z0-9._+~:-], e.g. --version 1.2.0",
		                 version, (unsigned)FLW_TUF_VERSION_STR_MAX);
	if (n > FLW_TUF_MAX_HWIDS)
		return cli_usage(ctx, "at most %u --hardware", (unsigned)FLW_TUF_MAX_HWIDS);
	if ((rc = cli_opt_int(ctx, "security-version", 0, INT64_MAX, 0, &secver)) != 0)
		return rc;
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->version, sizeof(t->version), "%s", version);
	for (i = 0; i < n; i++) {
		const char *h = cli_opt_nth(ctx, "hardware", i);

		if (!text_ok(h, FLW_TUF_HWID_MAX, "._:-"))
			return cli_usage(ctx,
			                 "--hardware '%s': give 1 to %u characters of "
			                 "[A-Za-z0-9._:-], e.g. --hardware cam-v2",
			                 h, (unsigned)FLW_TUF_HWID_MAX);
		snprintf(t->hwids[i], sizeof(t->hwids[i]), "%s", h);
	}
	t->n_hwids = n;
	t->security_version = (uint64_t)secver;
	return provenance_from_args(ctx, t);
}

int cli_signed_by(const json_t *doc, const struct flw_tuf_key *key)
{
	const json_t *sigs = json_object_get(doc, "signatures");
	struct flw_buf canon;
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	int ok = 0;
	size_t i;

	flw_buf_init(&canon, FLW_TUF_TARGETS_MAX_BYTES);
	if (!json_is_array(sigs) ||
	    flw_json_canonical(&canon, json_object_get(doc, "signed"), NULL) != 0)
		goto out;
	for (i = 0; i < json_array_size(sigs) && !ok; i++) {
		const json_t *s = json_array_get(sigs, i);
		const char *keyid = json_string_value(json_object_get(s, "keyid"));
		const char *hex = json_string_value(json_object_get(s, "sig"));

		if (!keyid || !hex || strcmp(keyid, key->keyid) != 0 ||
		    strlen(hex) != 2 * FLW_ED25519_SIG_BYTES ||
		    flw_hex_decode(sig, sizeof(sig), hex) != 0)
			continue;
		ok = flw_ed25519_verify(sig, canon.data, canon.len, key->pk) == 0;
	}
out:
	flw_buf_free(&canon);
	return ok;
}

/* The current targets envelope: from --targets or from the server. */
static int load_current(struct cli_ctx *ctx, json_t **doc_out)
{
	const char *file = cli_opt_str(ctx, "targets");
	struct flw_buf b;
	struct flw_diag diag = { 0 };
	struct cli_resp r = { 0 };
	char msg[DIAG_TEXT];
	int rc = CLI_EXIT_FAIL;
	int frc;

	flw_buf_init(&b, FLW_TUF_TARGETS_MAX_BYTES);
	if (file) {
		frc = flw_fs_read_all(file, &b, &diag);
		if (frc != 0) {
			rc = cli_fail(ctx, "reading --targets '%s': %s", file,
			              flw_diag_format(&diag, msg, sizeof(msg)));
			goto out;
		}
		frc = flw_json_parse(doc_out, b.data, b.len, &targets_limits, &diag);
	} else {
		rc = cli_api(ctx, "GET", "/api/v1/tuf/targets", NULL, &r,
		             "the repository has no targets yet: run 'fleetward repo init' first");
		if (rc != 0)
			goto out;
		frc = flw_json_parse(doc_out, r.body.data, r.body.len, &targets_limits, &diag);
		file = "the server's targets";
	}
	if (frc != 0) {
		rc = cli_fail(ctx, "%s: %s", file, flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	rc = 0;
out:
	cli_resp_free(&r);
	flw_buf_free(&b);
	return rc;
}

/* Copy of the current "signed" with version + 1, new expiry and the target added. */
static int next_targets(struct cli_ctx *ctx, const json_t *doc, const struct flw_signer *signer,
                        const struct flw_tuf_target *t, int64_t days, json_t **out)
{
	const json_t *cur = json_object_get(doc, "signed");
	const char *type = json_string_value(json_object_get(cur, "_type"));
	struct flw_diag diag = { 0 };
	char msg[DIAG_TEXT];
	char expires[21];
	int64_t version = 0;
	time_t old_exp = 0;
	json_t *next = NULL;

	if (!type || strcmp(type, "targets") != 0)
		return cli_fail(ctx, "the current metadata is not targets metadata");
	if (!cli_signed_by(doc, flw_signer_key(signer))) {
		cli_fail(ctx,
		         "the current targets are not signed by this key (keyid %.16s...); "
		         "refusing to sign content this key did not sign before",
		         flw_signer_key(signer)->keyid);
		cli_hint("use the targets key given to 'fleetward repo init'");
		return CLI_EXIT_FAIL;
	}
	if (flw_tuf_signed_header(cur, &version, &old_exp, &diag) != 0 || version >= INT64_MAX)
		return cli_fail(ctx, "the current targets: %s",
		                flw_diag_format(&diag, msg, sizeof(msg)));
	next = json_deep_copy(cur);
	flw_tuf_time_format(ctx->now + (time_t)days * 86400, expires);
	if (!next || json_object_set_new(next, "version", json_integer(version + 1)) != 0 ||
	    json_object_set_new(next, "expires", json_string(expires)) != 0) {
		if (next)
			json_decref(next);
		return cli_fail(ctx, "out of memory");
	}
	if (flw_tuf_targets_add(next, t, &diag) != 0) {
		json_decref(next);
		return cli_fail(ctx, "cannot add the target: %s",
		                flw_diag_format(&diag, msg, sizeof(msg)));
	}
	*out = next;
	return 0;
}

static char *default_output(const char *name)
{
	const char *base = strrchr(name, '/');

	return flw_asprintf("%s.targets.json", base ? base + 1 : name);
}

static int hash_image(const struct cli_ctx *ctx, const char *image, struct flw_tuf_target *t)
{
	struct flw_diag diag = { 0 };
	char msg[DIAG_TEXT];

	if (flw_sha256_file(image, UINT64_MAX, t->sha256, &t->length, &diag) != 0)
		return cli_fail(ctx, "hashing '%s': %s", image,
		                flw_diag_format(&diag, msg, sizeof(msg)));
	return 0;
}

static void print_created(const struct cli_ctx *ctx, const struct flw_tuf_target *t,
                          const json_t *next, const char *out_path, const char *image)
{
	char hex[FLW_SHA256_HEX];
	char size[32];
	json_int_t v = json_integer_value(json_object_get(next, "version"));

	flw_hex_encode(hex, t->sha256, sizeof(t->sha256));
	if (ctx->json) {
		cli_print_json(json_pack("{s:s,s:s,s:I,s:s,s:I,s:s}", "name", t->name, "version",
		                         t->version, "length", (json_int_t)t->length, "sha256", hex,
		                         "targets_version", v, "output", out_path));
		return;
	}
	cli_fmt_size(t->length, size, sizeof(size));
	printf("%s  version %s  %s  sha256 %.16s...  -> targets v%" JSON_INTEGER_FORMAT
	       " written to %s\n",
	       t->name, t->version, size, hex, v, out_path);
	fprintf(stderr, "next: fleetward release upload --metadata %s %s\n", out_path, image);
}

/* --sbom FILE: it must parse as a CycloneDX SBOM here already (a bad one would only be refused
 * at publication); its sha256 and length go into the target's signed custom.sbom. */
static int add_sbom(struct cli_ctx *ctx, json_t *next, const char *target)
{
	const char *file = cli_opt_str(ctx, "sbom");
	json_t *custom = json_object_get(json_object_get(next, "targets"), target);
	unsigned char sha[FLW_SHA256_BYTES];
	char hex[FLW_SHA256_HEX];
	struct flw_diag diag = { 0 };
	struct flw_sbom *sbom = NULL;
	struct flw_buf b;
	char msg[DIAG_TEXT];
	int rc = 0;

	if (!file)
		return 0;
	custom = json_object_get(custom, "custom");
	flw_buf_init(&b, FLW_SBOM_MAX_BYTES);
	if (flw_fs_read_all(file, &b, &diag) != 0 ||
	    flw_sbom_parse(&sbom, b.data, b.len, &diag) != 0) {
		rc = cli_fail(ctx, "--sbom '%s': %s", file,
		              flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	if (!json_is_object(custom) || flw_sha256(b.data, b.len, sha) != 0) {
		rc = cli_fail(ctx, "--sbom '%s': cannot record it in the target", file);
		goto out;
	}
	flw_hex_encode(hex, sha, sizeof(sha));
	if (json_object_set_new(
	            custom, "sbom",
	            json_pack("{s:s,s:I}", "sha256", hex, "length", (json_int_t)b.len)) != 0) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	if (!ctx->json)
		fprintf(stderr, "SBOM %s: CycloneDX %s, %zu components, sha256 %.16s...\n", file,
		        sbom->spec_version, sbom->n, hex);
out:
	flw_sbom_free(sbom);
	flw_buf_free(&b);
	return rc;
}

int cli_cmd_release_create(struct cli_ctx *ctx)
{
	struct flw_tuf_target t;
	struct flw_signer *signer = NULL;
	struct flw_diag diag = { 0 };
	struct flw_buf env;
	json_t *doc = NULL;
	json_t *next = NULL;
	char *out_path = NULL;
	char msg[DIAG_TEXT];
	int64_t days;
	int rc;

	memset(&t, 0, sizeof(t));
	flw_buf_init(&env, FLW_TUF_TARGETS_MAX_BYTES);
	if ((rc = target_from_args(ctx, &t)) != 0 ||
	    (rc = cli_opt_int(ctx, "expires-days", 1, CLI_DAYS_MAX, CLI_TARGETS_DAYS_DEFAULT,
	                      &days)) != 0)
		goto out;
	out_path = cli_opt_str(ctx, "output") ? flw_strdup(cli_opt_str(ctx, "output"))
	                                      : default_output(t.name);
	if (!out_path) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	if ((rc = cli_load_signer(ctx, cli_opt_str(ctx, "key"), &signer)) != 0 ||
	    (rc = hash_image(ctx, ctx->pos[0], &t)) != 0 || (rc = load_current(ctx, &doc)) != 0 ||
	    (rc = next_targets(ctx, doc, signer, &t, days, &next)) != 0 ||
	    (rc = add_sbom(ctx, next, t.name)) != 0)
		goto out;
	if (flw_tuf_sign(&env, next, &signer, 1, &diag) != 0) {
		rc = cli_fail(ctx, "signing: %s", flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	if ((rc = cli_write_file(ctx, out_path, env.data, env.len, 0644)) != 0)
		goto out;
	print_created(ctx, &t, next, out_path, ctx->pos[0]);
out:
	if (doc)
		json_decref(doc);
	if (next)
		json_decref(next);
	flw_buf_free(&env);
	flw_free(out_path);
	flw_signer_free(signer);
	return rc;
}

/* 1 if the signed targets list a target with this sha256 and length; *name_out gets its name */
static int metadata_lists(const json_t *doc, const char *sha256, json_int_t length,
                          const char **name_out)
{
	const json_t *targets = cli_json_path(json_object_get(doc, "signed"), "targets");
	const json_t *sbom;
	const char *name;
	const json_t *t;

	json_object_foreach((json_t *)targets, name, t)
	{
		const char *h = json_string_value(cli_json_path(t, "hashes.sha256"));

		if (h && strcmp(h, sha256) == 0 &&
		    json_integer_value(json_object_get(t, "length")) == length) {
			*name_out = name;
			return 1;
		}
		sbom = cli_json_path(json_object_get(t, "custom"), "sbom");
		h = json_string_value(json_object_get(sbom, "sha256"));
		if (h && strcmp(h, sha256) == 0 &&
		    json_integer_value(json_object_get(sbom, "length")) == length) {
			*name_out = "SBOM";
			return 1;
		}
	}
	return 0;
}

static int upload_image(struct cli_ctx *ctx, const json_t *doc, const char *meta, const char *image)
{
	struct cli_resp r = { 0 };
	const char *sha;
	const char *name = NULL;
	json_int_t len;
	char size[32];
	int rc;

	rc = cli_api_upload(ctx, "/api/v1/artifacts", image, image, &r);
	if (rc != 0)
		goto out;
	sha = json_string_value(json_object_get(r.json, "sha256"));
	len = json_integer_value(json_object_get(r.json, "length"));
	if (!sha) {
		rc = cli_fail(ctx, "the server's answer for '%s' has no sha256", image);
		goto out;
	}
	if (!metadata_lists(doc, sha, len, &name)) {
		rc = cli_fail(ctx,
		              "'%s' (sha256 %.16s..., %" JSON_INTEGER_FORMAT " bytes) is not "
		              "a target of %s",
		              image, sha, len, meta);
		cli_hint("give the image that 'fleetward release create' hashed into %s", meta);
		goto out;
	}
	cli_fmt_size((uint64_t)len, size, sizeof(size));
	fprintf(stderr, "uploaded %s as %s (%s, sha256 %.16s...)\n", image, name, size, sha);
out:
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_release_upload(struct cli_ctx *ctx)
{
	const char *meta = cli_opt_str(ctx, "metadata");
	struct flw_buf b;
	struct flw_diag diag = { 0 };
	struct cli_resp r = { 0 };
	json_t *doc = NULL;
	char msg[DIAG_TEXT];
	unsigned i;
	int rc = CLI_EXIT_FAIL;

	flw_buf_init(&b, FLW_API_BODY_MAX);
	if (flw_fs_read_all(meta, &b, &diag) != 0 ||
	    flw_json_parse(&doc, b.data, b.len, &targets_limits, &diag) != 0) {
		rc = cli_fail(ctx, "--metadata '%s': %s", meta,
		              flw_diag_format(&diag, msg, sizeof(msg)));
		goto out;
	}
	for (i = 0; i < ctx->npos; i++)
		if ((rc = upload_image(ctx, doc, meta, ctx->pos[i])) != 0)
			goto out;
	rc = cli_api_raw(ctx, "POST", "/api/v1/releases", b.data, b.len, &r, NULL);
	if (rc != 0)
		goto out;
	if (ctx->json) {
		cli_print_raw(&r);
		goto out;
	}
	printf("published targets v%" JSON_INTEGER_FORMAT,
	       json_integer_value(json_object_get(r.json, "targets_version")));
	{
		char added[1024];

		cli_fmt_value(json_object_get(r.json, "added"), CLI_COL_LIST, ctx->now, added,
		              sizeof(added));
		printf("; added: %s\n", added);
	}
out:
	if (doc)
		json_decref(doc);
	cli_resp_free(&r);
	flw_buf_free(&b);
	return rc;
}

static const struct cli_col release_cols[] = {
	{ "NAME", "name", CLI_COL_STR },
	{ "VERSION", "version", CLI_COL_STR },
	{ "HARDWARE", "hardware_ids", CLI_COL_LIST },
	{ "SIZE", "length", CLI_COL_SIZE },
	{ "SECVER", "security_version", CLI_COL_STR },
	{ "SHA256", "sha256", CLI_COL_HASH },
	{ "CREATED", "created", CLI_COL_AGO },
};

int cli_cmd_release_list(struct cli_ctx *ctx)
{
	return cli_list(ctx, "/api/v1/releases", release_cols, FLW_ARRAY_SIZE(release_cols),
	                "no releases yet; make one with 'fleetward release create'");
}

int cli_cmd_release_show(struct cli_ctx *ctx)
{
	static const struct cli_col fields[] = {
		{ "name:", "name", CLI_COL_STR },
		{ "version:", "version", CLI_COL_STR },
		{ "hardware:", "hardware_ids", CLI_COL_LIST },
		{ "length:", "length", CLI_COL_STR },
		{ "security version:", "security_version", CLI_COL_STR },
		{ "sha256:", "sha256", CLI_COL_STR },
		{ "targets version:", "targets_version", CLI_COL_STR },
		{ "created:", "created", CLI_COL_AGO },
	};
	struct cli_resp r = { 0 };
	char *esc = cli_escape(ctx->pos[0]);
	char *path = esc ? flw_asprintf("/api/v1/releases/%s", esc) : NULL;
	int rc;

	if (!path) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	rc = cli_api(ctx, "GET", path, NULL, &r, "'fleetward release list' shows the releases");
	if (rc != 0)
		goto out;
	if (ctx->json)
		cli_print_raw(&r);
	else
		cli_print_fields(ctx, r.json, fields, FLW_ARRAY_SIZE(fields));
out:
	cli_resp_free(&r);
	flw_free(path);
	flw_free(esc);
	return rc;
}

/* ---- release verify ------------------------------------------------------------------------- */

struct verify_ctx {
	struct cli_ctx *ctx;
	unsigned failed;
	json_t *checks; /* --json */
};

static void check_line(struct verify_ctx *v, const char *check, int ok, const char *fmt, ...)
        FLW_PRINTF(4, 5);
static void check_line(struct verify_ctx *v, const char *check, int ok, const char *fmt, ...)
{
	char detail[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok)
		v->failed++;
	if (v->ctx->json)
		json_array_append_new(v->checks, json_pack("{s:s,s:b,s:s}", "check", check, "ok",
		                                           ok, "detail", detail));
	else
		printf("%-4s %-18s %s\n", ok ? "ok" : "FAIL", check, detail);
}

/* The target to check: --name, else the only target, else the one with the image's hash */
static const char *pick_target(const json_t *sgn, const char *name, const char *hex)
{
	const json_t *targets = json_object_get(sgn, "targets");
	const char *k;
	const json_t *e;
	const char *hit = NULL;

	if (name)
		return name;
	if (json_object_size(targets) == 1) {
		json_object_foreach((json_t *)targets, k, e) return k;
	}
	json_object_foreach((json_t *)targets, k, e)
	{
		const char *h = json_string_value(cli_json_path(e, "hashes.sha256"));

		if (h && strcmp(h, hex) == 0)
			hit = k;
	}
	return hit;
}

static void verify_target(struct verify_ctx *v, const json_t *sgn, const char *name,
                          uint64_t img_len, const unsigned char img_sha[FLW_SHA256_BYTES])
{
	const json_t *entry = json_object_get(json_object_get(sgn, "targets"), name);
	const json_t *custom = json_object_get(entry, "custom");
	struct flw_diag diag = { 0 };
	struct flw_tuf_target t;
	char want[FLW_SHA256_HEX];
	char got[FLW_SHA256_HEX];

	memset(&t, 0, sizeof(t));
	if (!entry || flw_tuf_targets_get(sgn, name, &t, &diag) != 0) {
		check_line(v, "target", 0, "'%s': %s", name,
		           entry ? diag.msg : "not listed in the targets metadata");
		return;
	}
	check_line(v, "target", 1, "'%s' version %s", name, t.version);
	check_line(v, "length", t.length == img_len, "image %" PRIu64 " bytes, metadata %" PRIu64,
	           img_len, t.length);
	flw_hex_encode(want, t.sha256, FLW_SHA256_BYTES);
	flw_hex_encode(got, img_sha, FLW_SHA256_BYTES);
	check_line(v, "sha256", memcmp(t.sha256, img_sha, FLW_SHA256_BYTES) == 0,
	           "image %.16s..., metadata %.16s...", got, want);
	{
		char hw[FLW_TUF_MAX_HWIDS * (FLW_TUF_HWID_MAX + 1) + 1] = "";
		size_t len = 0;
		unsigned i;

		for (i = 0; i < t.n_hwids; i++) {
			int n = snprintf(hw + len, sizeof(hw) - len, "%s%s", i ? "," : "",
			                 t.hwids[i]);

			if (n > 0 && (size_t)n < sizeof(hw) - len)
				len += (size_t)n;
		}
		check_line(v, "hardware ids", t.n_hwids > 0, "%s",
		           t.n_hwids ? hw : "custom.hardware_ids is missing or empty");
	}
	check_line(v, "security version",
	           json_is_integer(json_object_get(custom, "security_version")),
	           json_is_integer(json_object_get(custom, "security_version"))
	                   ? "%" PRIu64
	                   : "custom.security_version is missing (%" PRIu64 ")",
	           t.security_version);
	check_line(v, "source commit", t.source_commit[0] != '\0', "%s",
	           t.source_commit[0] ? t.source_commit : "custom.source_commit is missing");
	check_line(v, "builder", t.builder[0] != '\0', "%s",
	           t.builder[0] ? t.builder : "custom.builder is missing");
	check_line(v, "build time", t.build_time[0] != '\0', "%s",
	           t.build_time[0] ? t.build_time : "custom.build_time is missing");
}

int cli_cmd_release_verify(struct cli_ctx *ctx)
{
	const char *meta = cli_opt_str(ctx, "metadata");
	const char *name = cli_opt_str(ctx, "name");
	const char *root_file = cli_opt_str(ctx, "root");
	struct verify_ctx v = { ctx, 0, NULL };
	unsigned char sha[FLW_SHA256_BYTES];
	struct flw_tuf_target img;
	struct flw_tuf_root *root = NULL;
	struct flw_diag diag = { 0 };
	struct flw_buf root_bytes;
	struct flw_buf tbytes;
	json_t *root_doc = NULL;
	json_t *tdoc = NULL;
	json_t *sgn = NULL;
	char hex[FLW_SHA256_HEX];
	const char *target;
	int rc;

	flw_buf_init(&root_bytes, FLW_TUF_ROOT_MAX_BYTES);
	flw_buf_init(&tbytes, FLW_TUF_TARGETS_MAX_BYTES);
	memset(&img, 0, sizeof(img));
	if (!meta && !name)
		return cli_usage(ctx, "give --metadata TARGETS.json or --name NAME");
	v.checks = json_array();
	if (!v.checks)
		return cli_fail(ctx, "out of memory");
	if ((rc = hash_image(ctx, ctx->pos[0], &img)) != 0)
		goto out;
	memcpy(sha, img.sha256, sizeof(sha));
	flw_hex_encode(hex, sha, FLW_SHA256_BYTES);
	rc = root_file
	             ? cli_read_envelope(ctx, root_file, root_file, &root_doc, &root_bytes)
	             : cli_fetch_envelope(ctx, "/api/v1/tuf/root", "the repository has no root yet",
	                                  &root_doc, &root_bytes);
	if (rc == 0)
		rc = meta ? cli_read_envelope(ctx, meta, meta, &tdoc, &tbytes)
		          : cli_fetch_envelope(ctx, "/api/v1/tuf/targets",
		                               "the repository has no targets yet", &tdoc, &tbytes);
	if (rc != 0)
		goto out;
	if (flw_tuf_root_parse(&root, root_bytes.data, root_bytes.len, &diag) != 0) {
		rc = cli_fail(ctx, "the root: %s", diag.msg);
		goto out;
	}
	if (flw_tuf_verify(root, FLW_TUF_TARGETS, tbytes.data, tbytes.len, &sgn, &diag) == 0) {
		struct flw_tuf_role_keys rk;

		if (flw_tuf_root_role(root, FLW_TUF_TARGETS, &rk) != 0)
			rk.threshold = 0;
		check_line(&v, "signatures", 1,
		           "targets v%" JSON_INTEGER_FORMAT
		           " meets the threshold (%u) of the targets "
		           "keys of root v%" PRId64,
		           json_integer_value(json_object_get(sgn, "version")), rk.threshold,
		           flw_tuf_root_version(root));
	} else {
		check_line(&v, "signatures", 0, "targets under root v%" PRId64 ": %s",
		           flw_tuf_root_version(root), diag.msg);
		sgn = json_incref(json_object_get(tdoc, "signed")); /* report the rest anyway */
	}
	target = pick_target(sgn, name, hex);
	if (!target)
		check_line(&v, "target", 0,
		           "no target has the image's sha256 %.16s...; give --name", hex);
	else
		verify_target(&v, sgn, target, img.length, sha);
	if (ctx->json)
		cli_print_json(json_pack("{s:s,s:b,s:O}", "image", ctx->pos[0], "ok", v.failed == 0,
		                         "checks", v.checks));
	else
		printf("%s: %s\n", ctx->pos[0],
		       v.failed ? "verification FAILED" : "all checks passed");
	rc = v.failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
out:
	flw_tuf_root_free(root);
	json_decref(root_doc);
	json_decref(tdoc);
	json_decref(sgn);
	json_decref(v.checks);
	flw_buf_free(&root_bytes);
	flw_buf_free(&tbytes);
	return rc;
}
