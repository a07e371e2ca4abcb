/*
 * bench_sign.c - director metadata signing throughput on one core, next to raw Ed25519
 *
 * Usage: bench_sign [SECONDS]
 *
 * The server signs one director document per device and deployment: TUF targets metadata
 * naming the one target the device installs now (length, sha256, custom device_id and
 * deployment), signed with the online director key. Each iteration changes the version and
 * the device id and calls flw_tuf_sign() (canonical JSON of "signed", Ed25519, the canonical
 * envelope). The peer is flw_ed25519_sign() (libsodium's crypto_sign_detached) over a message
 * of the same length as that canonical document: what the signature alone costs. Runs each
 * for SECONDS (default 2) on this thread and prints
 *   doc_bytes N / director_signs_per_s X / raw_signs_per_s Y / ratio X/Y
 * for bench/run.sh (goal: ratio >= 0.5).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/tuf.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* a realistic director document: one 117 MB target for one device and deployment */
static json_t *director_doc(void)
{
	unsigned char sha[FLW_SHA256_BYTES];
	char hex[FLW_SHA256_HEX];
	json_t *doc = NULL;
	json_t *entry;

	flw_random(sha, sizeof(sha));
	flw_hex_encode(hex, sha, sizeof(sha));
	if (flw_tuf_make_targets(&doc, 1, time(NULL) + 86400) != 0)
		return NULL;
	entry = json_pack("{s:I, s:{s:s}, s:{s:s, s:I}}", "length", (json_int_t)117440512, "hashes",
	                  "sha256", hex, "custom", "device_id", "cam-000001", "deployment",
	                  (json_int_t)1);
	if (!entry ||
	    json_object_set_new(json_object_get(doc, "targets"), "fw/cam-2.4.1.img", entry) != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* one iteration's changes: version and device id */
static int vary(json_t *doc, uint64_t i)
{
	json_t *custom = json_object_get(
	        json_object_get(json_object_get(doc, "targets"), "fw/cam-2.4.1.img"), "custom");
	char dev[32];

	snprintf(dev, sizeof(dev), "cam-%06" PRIu64, i % 1000000);
	if (json_object_set_new(doc, "version", json_integer((json_int_t)(i + 1))) != 0 ||
	    json_object_set_new(custom, "device_id", json_string(dev)) != 0 ||
	    json_object_set_new(custom, "deployment", json_integer((json_int_t)(i % 5000 + 1))) !=
	            0)
		return FLW_ENOMEM;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char pk[FLW_ED25519_PK_BYTES];
	unsigned char sk[FLW_ED25519_SK_BYTES];
	unsigned char sig[FLW_ED25519_SIG_BYTES];
	struct flw_signer *s = NULL;
	struct flw_buf env;
	struct flw_buf canon;
	struct flw_diag d = { 0 };
	json_t *doc = NULL;
	unsigned char *msg = NULL;
	double secs = argc > 1 ? strtod(argv[1], NULL) : 2.0;
	double t0;
	double dt;
	double ours;
	double raw;
	uint64_t n;
	int rc = 1;

	if (argc > 2 || secs < 0.1 || secs > 600) {
		fprintf(stderr, "usage: bench_sign [SECONDS (0.1..600)]\n");
		return 2;
	}
	flw_buf_init(&env, FLW_TUF_TARGETS_MAX_BYTES);
	flw_buf_init(&canon, FLW_TUF_TARGETS_MAX_BYTES);
	if (flw_crypto_init() != 0 || flw_signer_generate(&s) != 0 ||
	    flw_ed25519_keypair(pk, sk) != 0 || !(doc = director_doc()))
		goto out;
	/* the message the raw signature covers: as long as a canonical director document */
	if (vary(doc, 0) != 0 || flw_json_canonical(&canon, doc, &d) != 0 ||
	    !(msg = flw_malloc(canon.len)))
		goto out;
	flw_random(msg, canon.len);

	n = 0;
	t0 = now_s();
	do {
		flw_buf_reset(&env);
		if (vary(doc, n) != 0 || flw_tuf_sign(&env, doc, &s, 1, &d) != 0) {
			fprintf(stderr, "bench_sign: %s\n", d.msg);
			goto out;
		}
		n++;
	} while ((n & 63) != 0 || now_s() - t0 < secs);
	dt = now_s() - t0;
	ours = (double)n / dt;

	n = 0;
	t0 = now_s();
	do {
		msg[n % canon.len] ^= (unsigned char)n; /* a different message each time */
		if (flw_ed25519_sign(sig, msg, canon.len, sk) != 0)
			goto out;
		n++;
	} while ((n & 63) != 0 || now_s() - t0 < secs);
	dt = now_s() - t0;
	raw = (double)n / dt;

	printf("doc_bytes %zu\n", canon.len);
	printf("envelope_bytes %zu\n", env.len);
	printf("director_signs_per_s %.0f\n", ours);
	printf("raw_signs_per_s %.0f\n", raw);
	printf("ratio %.3f\n", ours / raw);
	rc = 0;
out:
	flw_memzero(sk, sizeof(sk));
	flw_free(msg);
	json_decref(doc);
	flw_signer_free(s);
	flw_buf_free(&env);
	flw_buf_free(&canon);
	return rc;
}
