/*
 * bench_verify.c - time the agent's verification of a release image against signed metadata
 *
 * Usage: bench_verify IMAGE [RUNS]
 *
 * Builds a TUF repository for IMAGE in a temporary directory (root with director keys,
 * targets, snapshot, timestamp, and a director document for one device; Ed25519), then RUNS
 * times: opens a TUF client on a fresh copy of the trusted root, refreshes (root chain,
 * timestamp, snapshot, targets: signatures, versions, expiry, hashes), looks the target up,
 * verifies the director document against the trusted root's director keys (threshold, expiry,
 * this device's id, the same length and sha256 as the signed target) and hashes IMAGE with
 * flw_sha256_file, comparing length and digest - the agent's code path minus HTTP. Prints the
 * median wall time in seconds as "verify_seconds <t>" for bench/run.sh to put next to
 * `openssl dgst -sha256`.
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

#define BENCH_DEVICE "bench-0001"

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

/* The per-device director document: targets metadata naming the one target this device
 * installs now, bound to the device id and the deployment. */
static int make_director(json_t **out, const struct flw_tuf_target *t, const char *device,
                         int64_t deployment, time_t exp)
{
	char hex[FLW_SHA256_HEX];
	json_t *obj = NULL;
	json_t *entry;
	int rc;

	flw_hex_encode(hex, t->sha256, sizeof(t->sha256));
	if ((rc = flw_tuf_make_targets(&obj, deployment, exp)) != 0)
		return rc;
	entry = json_pack("{s:I, s:{s:s}, s:{s:s, s:I}}", "length", (json_int_t)t->length, "hashes",
	                  "sha256", hex, "custom", "device_id", device, "deployment",
	                  (json_int_t)deployment);
	if (!entry || json_object_set_new(json_object_get(obj, "targets"), t->name, entry) != 0) {
		json_decref(obj);
		return FLW_ENOMEM;
	}
	*out = obj;
	return 0;
}

static int make_repo(const char *dir, const char *image, struct flw_tuf_target *t,
                     struct flw_buf *root_out)
{
	struct flw_signer *k[4] = { NULL };
	struct flw_signer *director = NULL;
	struct flw_tuf_role_keys roles[4];
	struct flw_tuf_role_keys dk;
	struct flw_buf targets;
	struct flw_buf snap;
	struct flw_buf ts;
	struct flw_buf dd;
	json_t *obj = NULL;
	time_t exp = time(NULL) + 86400;
	int i;
	int rc;

	flw_buf_init(&targets, FLW_TUF_TARGETS_MAX_BYTES);
	flw_buf_init(&snap, FLW_TUF_SNAPSHOT_MAX_BYTES);
	flw_buf_init(&ts, FLW_TUF_TIMESTAMP_MAX_BYTES);
	flw_buf_init(&dd, FLW_TUF_TARGETS_MAX_BYTES);
	for (i = 0; i < 4; i++) {
		if ((rc = flw_signer_generate(&k[i])) != 0)
			goto out;
		roles[i].keys = flw_signer_key(k[i]);
		roles[i].n_keys = 1;
		roles[i].threshold = 1;
	}
	if ((rc = flw_signer_generate(&director)) != 0)
		goto out;
	dk.keys = flw_signer_key(director);
	dk.n_keys = 1;
	dk.threshold = 1;
	if ((rc = flw_sha256_file(image, UINT64_MAX, t->sha256, &t->length, NULL)) != 0)
		goto out;
	if ((rc = flw_tuf_make_root(&obj, 1, exp, roles)) != 0 ||
	    (rc = flw_tuf_root_set_director(obj, &dk)) != 0 ||
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
	if ((rc = write_signed(dir, "timestamp.json", obj, k[FLW_TUF_TIMESTAMP], &ts)) != 0)
		goto out;
	json_decref(obj);
	obj = NULL;
	if ((rc = make_director(&obj, t, BENCH_DEVICE, 7, exp)) != 0)
		goto out;
	rc = write_signed(dir, "director.json", obj, director, &dd);
out:
	json_decref(obj);
	for (i = 0; i < 4; i++)
		flw_signer_free(k[i]);
	flw_signer_free(director);
	flw_buf_free(&targets);
	flw_buf_free(&snap);
	flw_buf_free(&ts);
	flw_buf_free(&dd);
	return rc;
}

/* The director step: director.json verified against the trusted root's director keys, not
 * expired, for this device, naming exactly the signed target. */
static int verify_director(struct repo *r, const char *client_dir, const struct flw_tuf_target *t,
                           struct flw_diag *d)
{
	const struct flw_tuf_fetcher f = { FLW_TUF_FETCHER_VERSION, fetch_file, r };
	struct flw_tuf_root *root = NULL;
	struct flw_buf rb;
	struct flw_buf db;
	unsigned char sha[FLW_SHA256_BYTES];
	char *root_path = flw_fs_join(client_dir, "root.json");
	json_t *sgn = NULL;
	json_t *entry;
	const char *hex = NULL;
	const char *dev = NULL;
	int64_t version = 0;
	int64_t len = 0;
	time_t exp = 0;
	int rc = FLW_ENOMEM;

	flw_buf_init(&rb, FLW_TUF_ROOT_MAX_BYTES);
	flw_buf_init(&db, 0);
	if (!root_path)
		goto out;
	if ((rc = flw_fs_read_all(root_path, &rb, d)) != 0 ||
	    (rc = flw_tuf_root_parse(&root, rb.data, rb.len, d)) != 0 ||
	    (rc = f.fetch_meta(f.payload, "director.json", FLW_TUF_TARGETS_MAX_BYTES, &db, d)) !=
	            0 ||
	    (rc = flw_tuf_verify_director(root, db.data, db.len, &sgn, d)) != 0 ||
	    (rc = flw_tuf_signed_header(sgn, &version, &exp, d)) != 0)
		goto out;
	rc = FLW_EHASH;
	entry = json_object_get(json_object_get(sgn, "targets"), t->name);
	if (exp <= time(NULL) || !entry ||
	    flw_json_get_int(entry, "length", &len, 0, INT64_MAX, 1, d) != 0 ||
	    flw_json_get_str(json_object_get(entry, "hashes"), "sha256", &hex, 64, 1, d) != 0 ||
	    flw_json_get_str(json_object_get(entry, "custom"), "device_id", &dev, 64, 1, d) != 0 ||
	    flw_hex_decode(sha, sizeof(sha), hex) != 0)
		goto out;
	if ((uint64_t)len == t->length && flw_ct_memcmp(sha, t->sha256, sizeof(sha)) == 0 &&
	    strcmp(dev, BENCH_DEVICE) == 0)
		rc = 0;
out:
	json_decref(sgn);
	flw_tuf_root_free(root);
	flw_buf_free(&rb);
	flw_buf_free(&db);
	flw_free(root_path);
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
	struct flw_diag d = { 0 };
	int rc;

	if ((rc = flw_tuf_client_init(client_dir, root->data, root->len, &d)) != 0 ||
	    (rc = flw_tuf_client_open(&c, client_dir, &f, &d)) != 0 ||
	    (rc = flw_tuf_client_refresh(c, time(NULL), &d)) != 0 ||
	    (rc = flw_tuf_client_target(c, name, &t, &d)) != 0 ||
	    (rc = verify_director(r, client_dir, &t, &d)) != 0)
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
