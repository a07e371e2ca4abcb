/* tests/unit/crypto/test_crypto.c - known answers for SHA-256, Ed25519 (RFC 8032), HMAC, hex */
#include <string.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "flw_test.h"

static int setup(void **state)
{
	(void)state;
	return flw_crypto_init();
}

static void hexeq(const unsigned char *bin, size_t n, const char *want)
{
	char hex[257];

	flw_hex_encode(hex, bin, n);
	assert_string_equal(hex, want);
}

static void test_sha256_known_answers(void **state)
{
	unsigned char d[FLW_SHA256_BYTES];
	struct flw_sha256 *h = NULL;

	(void)state;
	assert_int_equal(flw_sha256("abc", 3, d), 0);
	hexeq(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(flw_sha256("", 0, d), 0);
	hexeq(d, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* streaming equals one-shot */
	assert_int_equal(flw_sha256_new(&h), 0);
	assert_int_equal(flw_sha256_update(h, "a", 1), 0);
	assert_int_equal(flw_sha256_update(h, "bc", 2), 0);
	assert_int_equal(flw_sha256_final(h, d), 0);
	hexeq(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	flw_sha256_free(h);
}

static void test_sha256_file_and_limit(void **state)
{
	char *dir = flw_test_tmpdir();
	char *path = flw_fs_join(dir, "img");
	unsigned char d[FLW_SHA256_BYTES];
	uint64_t len = 0;

	(void)state;
	flw_test_write_file(path, "abcdef", 6);
	assert_int_equal(flw_sha256_file(path, UINT64_MAX, d, &len, NULL), 0);
	assert_int_equal(len, 6);
	assert_int_equal(flw_sha256_file(path, 3, d, &len, NULL), 0);
	assert_int_equal(len, 3);
	hexeq(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(flw_sha256_file("/nonexistent", UINT64_MAX, d, &len, NULL), FLW_ENOTFOUND);
	flw_test_rmrf(dir);
	flw_free(path);
	flw_free(dir);
}

static void test_ed25519_rfc8032_vector1(void **state)
{
	unsigned char seed[32];
	unsigned char pk[32];
	unsigned char sk[64];
	unsigned char sig[64];

	(void)state;
	assert_int_equal(flw_hex_decode(seed, 32,
	                                "9d61b19deffd5a60ba844af492ec2cc4"
	                                "4449c5697b326919703bac031cae7f60"),
	                 0);
	assert_int_equal(flw_ed25519_from_seed(pk, sk, seed), 0);
	hexeq(pk, 32, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
	assert_int_equal(flw_ed25519_sign(sig, "", 0, sk), 0);
	hexeq(sig, 64,
	      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
	      "39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
	assert_int_equal(flw_ed25519_verify(sig, "", 0, pk), 0);
	sig[10] ^= 1;
	assert_int_equal(flw_ed25519_verify(sig, "", 0, pk), FLW_ESIG);
	sig[10] ^= 1;
	assert_int_equal(flw_ed25519_verify(sig, "x", 1, pk), FLW_ESIG);
}

static void test_mac(void **state)
{
	unsigned char key[FLW_MAC_KEY_BYTES] = { 1 };
	unsigned char mac[FLW_MAC_BYTES];

	(void)state;
	flw_mac(mac, "v1|cam|1", 8, key);
	assert_int_equal(flw_mac_verify(mac, "v1|cam|1", 8, key), 0);
	assert_int_equal(flw_mac_verify(mac, "v1|cam|2", 8, key), FLW_EAUTH);
	key[0] = 2;
	assert_int_equal(flw_mac_verify(mac, "v1|cam|1", 8, key), FLW_EAUTH);
}

static void test_hex_and_b64url(void **state)
{
	unsigned char b[4];
	char enc[16];
	size_t len = 0;

	(void)state;
	assert_int_equal(flw_hex_decode(b, 2, "aBcD"), 0);
	assert_int_equal(b[0], 0xab);
	assert_int_equal(flw_hex_decode(b, 2, "abc"), FLW_EFORMAT);
	assert_int_equal(flw_hex_decode(b, 2, "abcg"), FLW_EFORMAT);
	assert_int_equal(flw_hex_decode(b, 2, "abcdef"), FLW_EFORMAT);
	flw_b64url_encode(enc, (const unsigned char *)"\xfb\xff", 2);
	assert_string_equal(enc, "-_8");
	assert_int_equal(flw_b64url_decode(b, sizeof(b), &len, "-_8", 3), 0);
	assert_int_equal(len, 2);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(flw_b64url_decode(b, sizeof(b), &len, "+/8", 3), FLW_EFORMAT);
	assert_int_not_equal(flw_b64url_decode(b, sizeof(b), &len, "AAAAAAAAAAAAAAAA", 16), 0);
	assert_int_equal(flw_ct_memcmp("abc", "abc", 3), 0);
	assert_int_not_equal(flw_ct_memcmp("abc", "abd", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_known_answers),
		cmocka_unit_test(test_sha256_file_and_limit),
		cmocka_unit_test(test_ed25519_rfc8032_vector1),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_hex_and_b64url),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
