/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core/cipher.c: published vectors through both paths (the provider's
 * dispatch table and EVP), and the two paths against each other on random
 * inputs of every size a packet can have. */
#include "check.h"
#include "cipher.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

static const unsigned paths[] = { 0, ROVE_CIPHER_EVP };

/* McGrew and Viega, "The Galois/Counter Mode of Operation", test case 16
 * (AES-256, 96-bit IV, 60-byte plaintext, 20-byte AAD). */
static void test_gcm_vector(void)
{
	uint8_t key[32], iv[12], aad[20], plain[60], want[60], tag_want[16], buf[60], tag[16];
	struct rove_err err;

	check_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key, 32);
	check_hex("cafebabefacedbaddecaf888", iv, 12);
	check_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
	check_hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
		  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
		  plain, 60);
	check_hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
		  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
		  want, 60);
	check_hex("76fc6ece0f4e1768cddf8853bb2d551b", tag_want, 16);
	for (size_t i = 0; i < 2; i++) {
		struct rove_cipher *enc = rove_cipher_new("AES-256-GCM", key, 32, true, paths[i], &err);
		struct rove_cipher *dec = rove_cipher_new("AES-256-GCM", key, 32, false, paths[i], &err);

		CHECK(enc && dec);
		if (!enc || !dec)
			return;
		CHECK(rove_cipher_direct(enc) == !paths[i]);
		/* twice: the second packet on a used context must not differ */
		for (int round = 0; round < 2; round++) {
			memcpy(buf, plain, 60);
			CHECK(rove_cipher_aead(enc, iv, 12, aad, 20, buf, 60, tag, 16));
			CHECK_MEM(buf, want, 60);
			CHECK_MEM(tag, tag_want, 16);
			CHECK(rove_cipher_aead(dec, iv, 12, aad, 20, buf, 60, tag, 16));
			CHECK_MEM(buf, plain, 60);
		}
		/* a truncated tag (ESP's AES-GCM-8/12) is the tag's prefix */
		memcpy(buf, plain, 60);
		CHECK(rove_cipher_aead(enc, iv, 12, aad, 20, buf, 60, tag, 8));
		CHECK_MEM(tag, tag_want, 8);
		CHECK(rove_cipher_aead(dec, iv, 12, aad, 20, buf, 60, tag, 8));
		memcpy(buf, want, 60);
		tag[7] ^= 1;
		CHECK(!rove_cipher_aead(dec, iv, 12, aad, 20, buf, 60, tag, 8));
		rove_cipher_free(enc);
		rove_cipher_free(dec);
	}
}

/* NIST SP 800-38A F.1.5 (ECB-AES256) and F.2.5 (CBC-AES256), first block. */
static void test_block_vectors(void)
{
	uint8_t key[32], iv[16], plain[16], ecb[16], cbc[16], buf[16];
	struct rove_err err;

	check_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", key, 32);
	check_hex("000102030405060708090a0b0c0d0e0f", iv, 16);
	check_hex("6bc1bee22e409f96e93d7e117393172a", plain, 16);
	check_hex("f3eed1bdb5d2a03c064b5a7e3db181f8", ecb, 16);
	check_hex("f58c4c04d6e5f1ba779eabfb5f7bfbd6", cbc, 16);
	for (size_t i = 0; i < 2; i++) {
		struct rove_cipher *e = rove_cipher_new("AES-256-ECB", key, 32, true, paths[i], &err);
		struct rove_cipher *c = rove_cipher_new("AES-256-CBC", key, 32, true, paths[i], &err);
		struct rove_cipher *d = rove_cipher_new("AES-256-CBC", key, 32, false, paths[i], &err);

		CHECK(e && c && d);
		if (!e || !c || !d)
			return;
		CHECK(rove_cipher_blocks(e, NULL, 0, plain, buf, 16));
		CHECK_MEM(buf, ecb, 16);
		for (int round = 0; round < 2; round++) {
			CHECK(rove_cipher_blocks(c, iv, 16, plain, buf, 16));
			CHECK_MEM(buf, cbc, 16);
			/* no padding: one block in, the same block out */
			CHECK(rove_cipher_blocks(d, iv, 16, buf, buf, 16));
			CHECK_MEM(buf, plain, 16);
		}
		rove_cipher_free(e);
		rove_cipher_free(c);
		rove_cipher_free(d);
	}
}

struct suite {
	const char *name;
	size_t key_len, iv_len;
	bool aead;
};

static const struct suite suites[] = {
	{ "AES-128-GCM", 16, 12, true },	 { "AES-192-GCM", 24, 12, true },
	{ "AES-256-GCM", 32, 12, true },	 { "ChaCha20-Poly1305", 32, 12, true },
	{ "AES-128-CBC", 16, 16, false },	 { "AES-256-CBC", 32, 16, false },
};

static void one_size(const struct suite *s, struct rove_cipher *c[2][2], size_t n)
{
	uint8_t iv[16], aad[12], plain[2048], out[2][2048], tag[2][16];

	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(aad, sizeof(aad));
	RAND_bytes(plain, (int)n);
	for (int p = 0; p < 2; p++) {
		memcpy(out[p], plain, n);
		if (s->aead)
			CHECK(rove_cipher_aead(c[p][0], iv, s->iv_len, aad, n % 13, out[p], n, tag[p], 16));
		else
			CHECK(rove_cipher_blocks(c[p][0], iv, s->iv_len, out[p], out[p], n));
	}
	CHECK_MEM(out[0], out[1], n);
	if (s->aead)
		CHECK_MEM(tag[0], tag[1], 16);
	/* each path opens what the other sealed */
	for (int p = 0; p < 2; p++) {
		uint8_t buf[2048];

		memcpy(buf, out[!p], n);
		if (s->aead) {
			CHECK(rove_cipher_aead(c[p][1], iv, s->iv_len, aad, n % 13, buf, n, tag[!p], 16));
			if (n) {
				/* and refuses it with one bit changed */
				memcpy(buf, out[!p], n);
				buf[n / 2] ^= 0x20;
				CHECK(!rove_cipher_aead(c[p][1], iv, s->iv_len, aad, n % 13, buf, n,
							tag[!p], 16));
				continue;
			}
		} else {
			CHECK(rove_cipher_blocks(c[p][1], iv, s->iv_len, buf, buf, n));
		}
		CHECK_MEM(buf, plain, n);
	}
}

static void test_paths_agree(void)
{
	struct rove_err err;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		const struct suite *s = &suites[i];
		struct rove_cipher *c[2][2];
		uint8_t key[32];
		size_t step = s->aead ? 1 : 16;

		RAND_bytes(key, sizeof(key));
		for (int p = 0; p < 2; p++)
			for (int d = 0; d < 2; d++)
				c[p][d] = rove_cipher_new(s->name, key, s->key_len, !d, paths[p], &err);
		CHECK(c[0][0] && c[0][1] && c[1][0] && c[1][1]);
		if (c[0][0] && c[0][1] && c[1][0] && c[1][1]) {
			CHECK(rove_cipher_direct(c[0][0]) && !rove_cipher_direct(c[1][0]));
			for (size_t n = 0; n <= 2048; n += step)
				one_size(s, c, n);
		}
		for (int p = 0; p < 2; p++)
			for (int d = 0; d < 2; d++)
				rove_cipher_free(c[p][d]);
	}
}

static void test_refused(void)
{
	uint8_t key[32] = { 0 };
	struct rove_err err;

	CHECK(!rove_cipher_new("AES-256-GCM", key, 16, true, 0, &err) && err.code == ROVE_E_CRYPTO);
	CHECK(!rove_cipher_new("NO-SUCH-CIPHER", key, 32, true, 0, &err));
	CHECK(strstr(err.msg, "NO-SUCH-CIPHER") != NULL);
}

int main(void)
{
	RUN(test_gcm_vector);
	RUN(test_block_vectors);
	RUN(test_paths_agree);
	RUN(test_refused);
	return check_summary();
}
