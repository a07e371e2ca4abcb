/*
 * bench_verify.c - time the agent's verification of a release image against signed metadata
 *
 * Usage: bench_verify IMAGE [RUNS]
 *
 * Builds a TUF repository for IMAGE in a temporary directory (root, targets, snapshot,
 * timestamp; Ed25519), then RUNS times: opens a TUF client on a fresh copy of the trusted
 * root, refreshes (root chain, timestamp, snapshot, targets: signatures, versions, expiry,
 * hashes), looks the target up and hashes IMAGE with flw_sha256_file, comparing length and
 * digest - the agent's code path minus HTTP. Prints the median wall time in seconds as
 * "verify_seconds <t>" for bench/run.sh to put next to `openssl dgst -sha256`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"

struct repo {
	char *dir;
};

static int fetch_file(void *payload, const char *name, size_t max_len, struct flw_buf *out,
                      struct flw_diag *diag)
{
	struct repo *r = payload;
	char *path = flw_fs_join(r->dir, name);
	int rc;

	if (!path)
		return FLW_ENOMEM;
	out->max = max_len;
	rc = flw_fs_read_all(path, out, diag);
	flw_free(path);
	return rc;
}

static int write_signed(const char *dir, const char *name, const json_t *signed_obj,
                        struct flw_signer *s, struct flw_buf *out)
{
	char *path = flw_fs_join(dir, name);
	int rc = flw_tuf_sign(out, signed_obj, &s, 1, NULL);

	if (rc == 0)
		rc = flw_fs_write_atomic(path, out->data, out->len, 0644, NULL);
	flw_free(path);
	return rc;
}

static int make_repo(const char *dir, const char *image, struct flw_tuf_target *t,
                     struct flw_buf *root_out)
{
	struct flw_signer *k[4] = { NULL };
	struct flw_tuf_role_keys roles[4];
	struct flw_buf targets;
	struct flw_buf snap;
	struct flw_buf ts;
	json_t *obj = NULL;
	time_t exp = time(NULL) + 86400;
	int i;
	int rc;

	flw_buf_init(&targets, FLW_TUF_TARGETS_MAX_BYTES);
	flw_buf_init(&snap, FLW_TUF_SNAPSHOT_MAX_BYTES);
	flw_buf_init(&ts, FLW_TUF_TIMESTAMP_MAX_BYTES);
	for (i = 0; i < 4; i++) {
		if ((rc = flw_signer_generate(&k[i])) != 0)
			goto out;
		roles[i].keys = flw_signer_key(k[i]);
		roles[i].n_keys = 1;
		roles[i].threshold = 1;
	}
	if ((rc = flw_sha256_file(image, UINT64_MAX, t->sha256, &t->length, NULL)) != 0)
		goto out;
	if ((rc = flw_tuf_make_root(&obj, 1, exp, roles)) != 0 ||
	    (rc = write_signed(dir, "1.root.json", obj, k[FLW_TUF_ROOT], root_out)) != 0)
		goto out;
	json_decref(obj);
	obj = NULL;
	if ((rc = flw_tuf_make_targets(&obj, 1, exp)) != 0 ||
	    (rc = flw_tuf_targets_add(obj, t, NULL)) != 0 ||
	    (rc = write_signed(dir, "1.targets.json", obj, k[FLW_TUF_TARGETS], &targets)) != 0)
		goto out;
	json_decref(obj);
	obj = NULL;
	if ((rc = flw_tuf_make_snapshot(&obj, 1, exp, 1, targets.data, targets.len)) != 0 ||
	    (rc = write_signed(dir, "1.snapshot.json", obj, k[FLW_TUF_SNAPSHOT], &snap)) != 0)
		goto out;
	json_decref(obj);
	obj = NULL;
	if ((rc = flw_tuf_make_timestamp(&obj, 1, exp, 1, snap.data, snap.len)) != 0)
		goto out;
	rc = write_signed(dir, "timestamp.json", obj, k[FLW_TUF_TIMESTAMP], &ts);
out:
	json_decref(obj);
	for (i = 0; i < 4; i++)
		flw_signer_free(k[i]);
	flw_buf_free(&targets);
	flw_buf_free(&snap);
	flw_buf_free(&ts);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One verification as the agent does it; returns 0 when the image checks out. */
static int verify_once(struct repo *r, const char *client_dir, const struct flw_buf *root,
                       const char *image, const char *name)
{
	const struct flw_tuf_fetcher f = { FLW_TUF_FETCHER_VERSION, fetch_file, r };
	struct flw_tuf_client *c = NULL;
	struct flw_tuf_target t;
	unsigned char digest[FLW_SHA256_BYTES];
	uint64_t len = 0;
	struct flw_diag d;
	int rc;

	if ((rc = flw_tuf_client_init(client_dir, root->data, root->len, &d)) != 0 ||
	    (rc = flw_tuf_client_open(&c, client_dir, &f, &d)) != 0 ||
	    (rc = flw_tuf_client_refresh(c, time(NULL), &d)) != 0 ||
	    (rc = flw_tuf_client_target(c, name, &t, &d)) != 0)
		goto out;
	if ((rc = flw_sha256_file(image, t.length + 1, digest, &len, &d)) != 0)
		goto out;
	if (len != t.length || flw_ct_memcmp(digest, t.sha256, sizeof(digest)) != 0)
		rc = FLW_EHASH;
out:
	if (rc != 0)
		fprintf(stderr, "bench_verify: %s: %s\n", flw_strerror(rc), d.msg);
	flw_tuf_client_free(c);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct flw_tuf_target t;
	struct flw_buf root;
	struct repo r = { NULL };
	char tmpl[] = "/tmp/flwbench.XXXXXX";
	char *client_dir = NULL;
	double times[64];
	double t0;
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	int i;

	if (argc < 2 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: bench_verify IMAGE [RUNS (1..64)]\n");
		return 2;
	}
	if (flw_crypto_init() != 0 || !mkdtemp(tmpl))
		return 1;
	r.dir = tmpl;
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "fw/bench.img");
	snprintf(t.version, sizeof(t.version), "1.0.0");
	snprintf(t.hwids[0], sizeof(t.hwids[0]), "bench");
	t.n_hwids = 1;
	flw_buf_init(&root, FLW_TUF_ROOT_MAX_BYTES);
	if (make_repo(tmpl, argv[1], &t, &root) != 0) {
		fprintf(stderr, "bench_verify: cannot build the repository\n");
		return 1;
	}
	for (i = 0; i < runs; i++) {
		/* a fresh client directory per run: every run starts from the trust anchor */
		flw_free(client_dir);
		client_dir = flw_asprintf("%s/client-%d", tmpl, i);
		if (!client_dir || flw_fs_mkdirs(client_dir, 0700, NULL) != 0)
			return 1;
		t0 = now_s();
		if (verify_once(&r, client_dir, &root, argv[1], t.name) != 0)
			return 1;
		times[i] = now_s() - t0;
	}
	qsort(times, (size_t)runs, sizeof(double), cmp_double);
	printf("image_bytes %" PRIu64 "\n", t.length);
	printf("verify_seconds %.4f\n", times[runs / 2]);
	flw_buf_free(&root);
	flw_free(client_dir);
	return 0;
}
