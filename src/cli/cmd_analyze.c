/* src/cli/cmd_analyze.c - `fleetward release analyze IMAGE [-o SBOM.json]` (offline)
 *
 * Finds known components in a firmware image (an ext2/3/4 filesystem is walked file by file,
 * anything else is scanned as bytes) by their version signatures and writes a CycloneDX 1.5
 * SBOM with CPEs. Without -o the SBOM goes to stdout; with -o a table of what was found goes
 * to stdout instead (--json: the SBOM to stdout as well).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "fleetward/alloc.h"
#include "fleetward/analyze.h"
#include "fleetward/cpe.h"
#include "fleetward/error.h"

const struct cli_opt cli_release_analyze_opts[] = {
	{ "output", 'o', CLI_OPT_VALUE, "SBOM.json",
	  "write the CycloneDX SBOM here (default: stdout) and print a table" },
	{ "max-file-size", 0, CLI_OPT_VALUE, "BYTES",
	  "filesystem images: skip files larger than this (default 256 MiB)" },
	{ "max-files", 0, CLI_OPT_VALUE, "N",
	  "filesystem images: scan at most N files, else fail (default 200000)" },
	{ NULL, 0, 0, NULL, NULL }
};

#define DIAG_TEXT (FLW_DIAG_MSG_MAX + FLW_DIAG_PATH_MAX + 32)

static void print_table(const struct cli_ctx *ctx, const struct flw_analyze_result *r)
{
	struct cli_table *t = cli_table_new(4);
	size_t i;

	(void)ctx;
	if (!t)
		return;
	{
		const char *hdr[] = { "COMPONENT", "VERSION", "CPE", "FOUND IN" };

		(void)cli_table_add(t, hdr);
	}
	for (i = 0; i < flw_analyze_result_count(r); i++) {
		const struct flw_analyze_comp *c = flw_analyze_result_get(r, i);
		char cpe[FLW_CPE_MAX_LEN];
		char where[FLW_ANALYZE_PATH_MAX + 32];
		const char *cells[4];

		if (flw_analyze_cpe(c, cpe, sizeof(cpe)) != 0)
			snprintf(cpe, sizeof(cpe), "-");
		if (c->nocc_total > 1)
			snprintf(where, sizeof(where), "%s (+%" PRIu64 ")", c->occ[0].path,
			         c->nocc_total - 1);
		else
			snprintf(where, sizeof(where), "%s", c->occ[0].path);
		cells[0] = c->name;
		cells[1] = c->version;
		cells[2] = cpe;
		cells[3] = where;
		(void)cli_table_add(t, cells);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
}

int cli_cmd_release_analyze(struct cli_ctx *ctx)
{
	struct flw_analyze_limits lim = FLW_ANALYZE_LIMITS_DEFAULT;
	struct flw_analyze_result *r = NULL;
	const char *image = ctx->pos[0];
	const char *out = cli_opt_str(ctx, "output");
	struct flw_diag d = { 0 };
	struct flw_buf sbom = { 0 };
	char text[DIAG_TEXT];
	int64_t v;
	int rc;

	rc = cli_opt_int(ctx, "max-file-size", 1, INT64_MAX, (int64_t)lim.max_file_bytes, &v);
	if (rc != 0)
		goto out;
	lim.max_file_bytes = (uint64_t)v;
	rc = cli_opt_int(ctx, "max-files", 1, INT64_MAX, (int64_t)lim.max_files, &v);
	if (rc != 0)
		goto out;
	lim.max_files = (uint64_t)v;
	if (flw_analyze_result_new(&r) != 0) {
		rc = cli_fail(ctx, "out of memory");
		goto out;
	}
	rc = flw_analyze_image(r, image, &lim, &d);
	if (rc != 0) {
		rc = cli_fail(ctx, "cannot analyse '%s': %s", image,
		              flw_diag_format(&d, text, sizeof(text)));
		if (d.code == FLW_ELIMIT)
			cli_hint("raise --max-files or --max-file-size");
		goto out;
	}
	if (flw_analyze_sbom(&sbom, r, image) != 0) {
		rc = cli_fail(ctx, "cannot write the SBOM: out of memory");
		goto out;
	}
	if (out) {
		rc = cli_write_file(ctx, out, sbom.data, sbom.len, 0644);
		if (rc != 0)
			goto out;
	}
	if (!out || ctx->json) {
		fwrite(sbom.data, 1, sbom.len, stdout);
		if (sbom.len == 0 || sbom.data[sbom.len - 1] != '\n')
			fputc('\n', stdout);
	} else if (flw_analyze_result_count(r) == 0) {
		printf("no known components found in '%s' (%" PRIu64 " file(s) scanned)\n", image,
		       flw_analyze_result_files(r));
	} else {
		print_table(ctx, r);
	}
	if (flw_analyze_result_skipped(r) > 0)
		fprintf(stderr,
		        "fleetward release analyze: %" PRIu64
		        " file(s) larger than --max-file-size were not scanned\n",
		        flw_analyze_result_skipped(r));
	rc = CLI_EXIT_OK;
out:
	flw_buf_free(&sbom);
	flw_analyze_result_free(r);
	return rc;
}
