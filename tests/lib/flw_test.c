/* tests/lib/flw_test.c - helpers shared by the cmocka unit tests */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/error.h"
#include "fleetward/store.h"
#include "flw_test.h"

char *flw_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = flw_asprintf("%s/flwunit.XXXXXX", base && *base ? base : "/tmp");

	assert_non_null(path);
	assert_non_null(mkdtemp(path));
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void flw_test_rmrf(const char *dir)
{
	if (dir && strstr(dir, "/flwunit."))
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void flw_test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

unsigned flw_test_torture(flw_torture_fn op, void *payload, unsigned max_runs)
{
	unsigned n;
	int rc;

	for (n = 1; n <= max_runs; n++) {
		flw_alloc_fail_at(n, 0);
		rc = op(payload);
		if (!flw_alloc_injected()) {
			flw_alloc_fail_at(0, 0);
			assert_int_equal(rc, 0);
			return n;
		}
		if (rc != 0 && rc != FLW_ENOMEM && rc != FLW_ESTORE) {
			flw_alloc_fail_at(0, 0);
			fail_msg("run %u: unexpected rc %d (%s) under allocation failure", n, rc,
			         flw_strerror(rc));
		}
	}
	flw_alloc_fail_at(0, 0);
	fail_msg("torture did not finish within %u runs", max_runs);
	return n;
}

int flw_test_publish(struct flw_store *s, int64_t tv, int64_t sv, int64_t tsv,
                     const struct flw_release *r, const struct flw_sbom_component *c, size_t n,
                     const struct flw_audit *audit, struct flw_diag *diag)
{
	struct flw_release_components rc;
	struct flw_tuf_publish p;
	char meta[3][32];

	snprintf(meta[0], sizeof(meta[0]), "targets-%lld", (long long)tv);
	snprintf(meta[1], sizeof(meta[1]), "snapshot-%lld", (long long)sv);
	snprintf(meta[2], sizeof(meta[2]), "timestamp-%lld", (long long)tsv);
	memset(&p, 0, sizeof(p));
	p.targets = meta[0];
	p.targets_len = strlen(meta[0]);
	p.targets_version = tv;
	p.snapshot = meta[1];
	p.snapshot_len = strlen(meta[1]);
	p.snapshot_version = sv;
	p.timestamp = meta[2];
	p.timestamp_len = strlen(meta[2]);
	p.timestamp_version = tsv;
	p.added = r;
	p.n_added = r ? 1 : 0;
	if (r && n) {
		rc.release = r->target.name;
		rc.c = c;
		rc.n = n;
		p.components = &rc;
		p.n_components = 1;
	}
	return flw_store_tuf_publish(s, &p, audit, diag);
}
