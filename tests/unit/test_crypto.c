/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PRF, prf+, integrity and cipher primitives against published vectors. */
#include "check.h"
#include "crypto.h"
#include "ikev2.h"

struct prf_vec {
	const char *key_hex;  /* or NULL: key_str, or NULL: 131 bytes of 0xaa */
	const char *key_str;
	const char *data_hex; /* or NULL: data_str */
	const char *data_str;
	const char *sha256, *sha384, *sha512;
};

/* RFC 4868 section 2.7.1, PRF test cases 1, 2, 3 and 5 (the same inputs as
 * RFC 4231 4.2, 4.3, 4.4 and 4.7). */
static const struct prf_vec prf_vecs[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", NULL, NULL, "Hi There",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ NULL, "Jefe", NULL, "what do ya want for nothing?",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
	  NULL, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27",
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ NULL, NULL,
	  NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
};

static size_t bytes_of(const char *hex, const char *str, uint8_t *out, size_t max)
{
	if (hex)
		return check_hex(hex, out, max);
	if (!str && max >= 131) {
		memset(out, 0xaa, 131);
		return 131;
	}
	if (!str || strlen(str) > max)
		return 0;
	memcpy(out, str, strlen(str));
	return strlen(str);
}

static void check_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data,
		      size_t dlen, const char *want_hex)
{
	uint8_t want[64], got[64];
	size_t n = check_hex(want_hex, want, sizeof(want));
	struct rove_err err;

	CHECK(rove_prf_len(prf) == n);
	memset(got, 0, sizeof(got));
	CHECK(rove_prf(prf, key, klen, data, dlen, got, &err) == 0);
	CHECK_MEM(got, want, n);
}

static void test_prf_rfc4868(void)
{
	uint8_t key[200], data[100];

	for (size_t i = 0; i < sizeof(prf_vecs) / sizeof(prf_vecs[0]); i++) {
		const struct prf_vec *v = &prf_vecs[i];
		size_t klen = bytes_of(v->key_hex, v->key_str, key, sizeof(key));
		size_t dlen = bytes_of(v->data_hex, v->data_str, data, sizeof(data));

		check_prf(ROVE_PRF_HMAC_SHA2_256, key, klen, data, dlen, v->sha256);
		check_prf(ROVE_PRF_HMAC_SHA2_384, key, klen, data, dlen, v->sha384);
		check_prf(ROVE_PRF_HMAC_SHA2_512, key, klen, data, dlen, v->sha512);
	}
}

/* RFC 2202 section 3, HMAC-SHA-1 test cases 1, 2, 3 and 6. */
static void test_prf_sha1_rfc2202(void)
{
	uint8_t key[80], data[50];

	memset(key, 0x0b, 20);
	check_prf(ROVE_PRF_HMAC_SHA1, key, 20, (const uint8_t *)"Hi There", 8,
		  "b617318655057264e28bc0b6fb378c8ef146be00");
	check_prf(ROVE_PRF_HMAC_SHA1, (const uint8_t *)"Jefe", 4,
		  (const uint8_t *)"what do ya want for nothing?", 28,
		  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	check_prf(ROVE_PRF_HMAC_SHA1, key, 20, data, 50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	memset(key, 0xaa, 80);
	check_prf(ROVE_PRF_HMAC_SHA1, key, 80,
		  (const uint8_t *)"Test Using Larger Than Block-Size Key - Hash Key First", 54,
		  "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

/* An empty key is legal for HMAC (and happens with an empty EAP MSK);
 * HMAC-SHA-256("", "") is a widely published value. */
static void test_prf_empty_key(void)
{
	check_prf(ROVE_PRF_HMAC_SHA2_256, NULL, 0, NULL, 0,
		  "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void check_integ(uint16_t integ, uint8_t fill, size_t klen, const char *data,
			const char *want_hex)
{
	uint8_t key[64], want[32], got[32];
	size_t n = check_hex(want_hex, want, sizeof(want));
	struct rove_err err;

	memset(key, fill, klen);
	memset(got, 0xee, sizeof(got));
	CHECK(rove_integ_key_len(integ) == klen);
	CHECK(rove_integ_icv_len(integ) == n);
	CHECK(rove_integ(integ, key, klen, (const uint8_t *)data, strlen(data), got, &err) == 0);
	CHECK_MEM(got, want, n);
	/* Exactly the ICV is written, nothing past it. */
	CHECK(n == sizeof(got) || got[n] == 0xee);
}

/* RFC 4868 section 2.7.2 (authenticator test cases 1 for each hash, with
 * keys of the full key length) and RFC 2202 test case 5 (HMAC-SHA-1-96). */
static void test_integ_truncation(void)
{
	uint8_t key[20] = { 0 }, k32[32], icv[12];
	struct rove_err err;

	check_integ(ROVE_INTEG_HMAC_SHA2_256_128, 0x0b, 32, "Hi There",
		    "198a607eb44bfbc69903a0f1cf2bbdc5");
	check_integ(ROVE_INTEG_HMAC_SHA2_384_192, 0x0b, 48, "Hi There",
		    "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973");
	check_integ(ROVE_INTEG_HMAC_SHA2_512_256, 0x0b, 64, "Hi There",
		    "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8");
	check_integ(ROVE_INTEG_HMAC_SHA1_96, 0x0c, 20, "Test With Truncation",
		    "4c1a03424b55e07fe7f27be1");
	/* The full RFC 4868 2.7.2.1 output is the PRF with the same key. */
	memset(k32, 0x0b, sizeof(k32));
	check_prf(ROVE_PRF_HMAC_SHA2_256, k32, 32, (const uint8_t *)"Hi There", 8,
		  "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7");
	/* Wrong key length and unknown algorithms are refused. */
	CHECK(rove_integ(ROVE_INTEG_HMAC_SHA1_96, key, 19, key, 1, icv, &err) < 0);
	CHECK(err.code == ROVE_E_INVAL);
	CHECK(rove_integ(ROVE_INTEG_HMAC_MD5_96, key, 16, key, 1, icv, &err) < 0);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
}

static void test_prf_v(void)
{
	const uint8_t key[] = "key", a[] = "hello ", b[] = "world";
	struct rove_bytes parts[3] = { { a, 6 }, { NULL, 0 }, { b, 5 } };
	uint8_t one[64], many[64];
	struct rove_err err;

	CHECK(rove_prf(ROVE_PRF_HMAC_SHA2_512, key, 3, (const uint8_t *)"hello world", 11, one,
		       &err) == 0);
	CHECK(rove_prf_v(ROVE_PRF_HMAC_SHA2_512, key, 3, parts, 3, many, &err) == 0);
	CHECK_MEM(one, many, 64);
	CHECK(rove_prf(ROVE_PRF_HMAC_MD5, key, 3, a, 6, one, &err) < 0);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
}

/* prf+ against T1 | T2 | T3 built from single PRF calls (RFC 7296 2.13). */
static void check_prf_plus(uint16_t prf)
{
	const uint8_t key[] = "a prf+ key of some length", seed[] = "Ni | Nr | SPIi | SPIr";
	size_t klen = sizeof(key) - 1, slen = sizeof(seed) - 1, plen = rove_prf_len(prf);
	uint8_t t[3][64], buf[200], got[3 * 64], shorter[3 * 64];
	struct rove_err err;
	size_t want = 2 * plen + plen / 2;

	memcpy(buf, seed, slen);
	buf[slen] = 0x01;
	CHECK(rove_prf(prf, key, klen, buf, slen + 1, t[0], &err) == 0);
	for (int i = 1; i < 3; i++) {
		memcpy(buf, t[i - 1], plen);
		memcpy(buf + plen, seed, slen);
		buf[plen + slen] = (uint8_t)(i + 1);
		CHECK(rove_prf(prf, key, klen, buf, plen + slen + 1, t[i], &err) == 0);
	}
	CHECK(rove_prf_plus(prf, key, klen, seed, slen, got, want, &err) == 0);
	CHECK_MEM(got, t[0], plen);
	CHECK_MEM(got + plen, t[1], plen);
	CHECK_MEM(got + 2 * plen, t[2], want - 2 * plen);
	/* A shorter request is a prefix of the longer one. */
	CHECK(rove_prf_plus(prf, key, klen, seed, slen, shorter, plen + 1, &err) == 0);
	CHECK_MEM(shorter, got, plen + 1);
}

static void test_prf_plus(void)
{
	uint8_t big[4];
	struct rove_err err;

	check_prf_plus(ROVE_PRF_HMAC_SHA1);
	check_prf_plus(ROVE_PRF_HMAC_SHA2_256);
	check_prf_plus(ROVE_PRF_HMAC_SHA2_384);
	check_prf_plus(ROVE_PRF_HMAC_SHA2_512);
	/* The counter is one byte: more than 255 blocks cannot be made. */
	CHECK(rove_prf_plus(ROVE_PRF_HMAC_SHA1, big, 4, big, 4, big, 255 * 20 + 1, &err) < 0);
	CHECK(err.code == ROVE_E_INVAL);
}

/* The largest legal output: 255 blocks, the last one counter 0xff. */
static void test_prf_plus_max(void)
{
	static uint8_t out[255 * 20];
	uint8_t last[20], buf[20 + 3 + 1];
	struct rove_err err;

	CHECK(rove_prf_plus(ROVE_PRF_HMAC_SHA1, (const uint8_t *)"k", 1, (const uint8_t *)"abc", 3,
			    out, sizeof(out), &err) == 0);
	memcpy(buf, out + 253 * 20, 20);
	memcpy(buf + 20, "abc", 3);
	buf[23] = 0xff;
	CHECK(rove_prf(ROVE_PRF_HMAC_SHA1, (const uint8_t *)"k", 1, buf, sizeof(buf), last, &err) ==
	      0);
	CHECK_MEM(out + 254 * 20, last, 20);
}

/* RFC 3602 section 4, AES-CBC cases #1 and #2. */
static void test_cbc_rfc3602(void)
{
	uint8_t key[16], iv[16], pt[32], ct[32], got[32];
	struct rove_err err;

	check_hex("06a9214036b8a15b512e03d534120006", key, sizeof(key));
	check_hex("3dafba429d9eb430b422da802c9fac41", iv, sizeof(iv));
	check_hex("e353779c1079aeb82708942dbe77181a", ct, sizeof(ct));
	CHECK(rove_cbc_crypt(ROVE_ENCR_AES_CBC, key, 16, iv, (const uint8_t *)"Single block msg", 16,
			     got, true, &err) == 0);
	CHECK_MEM(got, ct, 16);

	check_hex("c286696d887c9aa0611bbb3e2025a45a", key, sizeof(key));
	check_hex("562e17996d093d28ddb3ba695a2e6f58", iv, sizeof(iv));
	check_hex("d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1", ct,
		  sizeof(ct));
	for (int i = 0; i < 32; i++)
		pt[i] = (uint8_t)i;
	memcpy(got, pt, 32);
	CHECK(rove_cbc_crypt(ROVE_ENCR_AES_CBC, key, 16, iv, got, 32, got, true, &err) == 0);
	CHECK_MEM(got, ct, 32);
	CHECK(rove_cbc_crypt(ROVE_ENCR_AES_CBC, key, 16, iv, got, 32, got, false, &err) == 0);
	CHECK_MEM(got, pt, 32);

	CHECK(rove_cbc_crypt(ROVE_ENCR_AES_CBC, key, 16, iv, pt, 15, got, true, &err) < 0);
	CHECK(rove_cbc_crypt(ROVE_ENCR_AES_CBC, key, 15, iv, pt, 16, got, true, &err) < 0);
}

static void test_facts(void)
{
	CHECK(rove_prf_len(ROVE_PRF_HMAC_SHA1) == 20);
	CHECK(rove_prf_len(ROVE_PRF_HMAC_SHA2_384) == 48);
	CHECK(rove_prf_len(ROVE_PRF_HMAC_MD5) == 0);
	CHECK(rove_integ_key_len(ROVE_INTEG_HMAC_SHA2_512_256) == 64);
	CHECK(rove_integ_icv_len(ROVE_INTEG_HMAC_SHA2_384_192) == 24);
	CHECK(rove_integ_key_len(ROVE_INTEG_NONE) == 0);
	CHECK(rove_encr_is_aead(ROVE_ENCR_AES_GCM_8));
	CHECK(rove_encr_is_aead(ROVE_ENCR_CHACHA20_POLY1305));
	CHECK(!rove_encr_is_aead(ROVE_ENCR_AES_CBC));
	CHECK(rove_encr_key_len(ROVE_ENCR_AES_GCM_16, 256) == 36);
	CHECK(rove_encr_key_len(ROVE_ENCR_AES_GCM_12, 192) == 28);
	CHECK(rove_encr_key_len(ROVE_ENCR_AES_CBC, 128) == 16);
	CHECK(rove_encr_key_len(ROVE_ENCR_AES_CBC, 0) == 0);
	CHECK(rove_encr_key_len(ROVE_ENCR_AES_CBC, 64) == 0);
	CHECK(rove_encr_key_len(ROVE_ENCR_3DES, 0) == 0);
	CHECK(rove_encr_key_len(ROVE_ENCR_CHACHA20_POLY1305, 0) == 36);
	CHECK(rove_encr_iv_len(ROVE_ENCR_AES_GCM_16) == 8);
	CHECK(rove_encr_iv_len(ROVE_ENCR_AES_CBC) == 16);
	CHECK(rove_encr_block_len(ROVE_ENCR_AES_CBC) == 16);
	CHECK(rove_encr_block_len(ROVE_ENCR_AES_GCM_16) == 1);
	CHECK(rove_encr_icv_len(ROVE_ENCR_AES_GCM_8) == 8);
	CHECK(rove_encr_icv_len(ROVE_ENCR_AES_GCM_12) == 12);
	CHECK(rove_encr_icv_len(ROVE_ENCR_AES_GCM_16) == 16);
	CHECK(rove_dh_supported(ROVE_DH_MODP2048) && rove_dh_supported(ROVE_DH_CURVE25519));
	CHECK(rove_dh_supported(ROVE_DH_ECP521));
	CHECK(!rove_dh_supported(ROVE_DH_MODP1024) && !rove_dh_supported(ROVE_DH_NONE));
}

static void test_names(void)
{
	char buf[32];

	CHECK_STR(rove_encr_name(ROVE_ENCR_AES_GCM_16, 256, buf, sizeof(buf)), "aes256gcm16");
	CHECK_STR(rove_encr_name(ROVE_ENCR_AES_GCM_8, 128, buf, sizeof(buf)), "aes128gcm8");
	CHECK_STR(rove_encr_name(ROVE_ENCR_AES_CBC, 128, buf, sizeof(buf)), "aes128");
	CHECK_STR(rove_encr_name(ROVE_ENCR_CHACHA20_POLY1305, 0, buf, sizeof(buf)),
		  "chacha20poly1305");
	CHECK_STR(rove_encr_name(999, 0, buf, sizeof(buf)), "encr999");
	CHECK_STR(rove_encr_name(ROVE_ENCR_AES_GCM_16, 256, buf, 4), "aes");
	CHECK_STR(rove_integ_name(ROVE_INTEG_HMAC_SHA2_256_128), "sha256");
	CHECK_STR(rove_integ_name(ROVE_INTEG_HMAC_SHA1_96), "sha1");
	CHECK_STR(rove_integ_name(ROVE_INTEG_NONE), "none");
	CHECK_STR(rove_prf_name(ROVE_PRF_HMAC_SHA2_384), "prfsha384");
	CHECK_STR(rove_prf_name(77), "unknown");
	CHECK_STR(rove_dh_name(ROVE_DH_CURVE25519), "x25519");
	CHECK_STR(rove_dh_name(ROVE_DH_ECP256), "ecp256");
	CHECK_STR(rove_dh_name(ROVE_DH_MODP2048), "modp2048");
	CHECK_STR(rove_dh_name(ROVE_DH_MODP1024), "modp1024");
	CHECK_STR(rove_dh_name(4242), "unknown");
}

int main(void)
{
	RUN(test_prf_rfc4868);
	RUN(test_prf_sha1_rfc2202);
	RUN(test_prf_empty_key);
	RUN(test_integ_truncation);
	RUN(test_prf_v);
	RUN(test_prf_plus);
	RUN(test_prf_plus_max);
	RUN(test_cbc_rfc3602);
	RUN(test_facts);
	RUN(test_names);
	return check_summary();
}
