/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SK payload protection: AEAD vectors, recorded strongSwan messages,
 * round trips for every supported suite, tampering and malformed frames. */
#include "check.h"
#include "crypto.h"
#include "ikev2.h"
#include "keys.h"
#include "sk.h"

#include <stdbool.h>

/* IKE_AUTH requests recorded from a strongSwan 5.9.8 initiator (see
 * test_keys.c for the run), with the responder's decrypted inner payloads
 * and SK_ei (and SK_ai) from the same log (`enc = 4, ike = 4`):
 * gcm: AES-GCM-16 with a 256-bit key; cbc: AES-CBC-128 + HMAC-SHA-256-128. */
static const char gcm_msg[] =
	"7541cb9f65bbc13d553dfaaad9cbf1942e2023080000000100000111230000f5"
	"0da808f8957ea2518bb340f53b633f1be77b6d7262cc1daf796685bac1bcc854"
	"7d8ad6d9a4bfaa3f959fdaf33e9a7063d05ff65f502aff5b1437c696f11a50a7"
	"9260f3a823abc6db7d9dbb0de893bf188dac3bff77b3c1ff759a7b63929d911a"
	"aff6cd215dc440ae609c4749b2e76839d68fb3ae006ebe73e94b43222a269feb"
	"2dff01e802b8cb93041b3e291fa6e51ab07c685bb1d48f83641826561bd1cd96"
	"8dea147034690b5ab58356bc6aed62f43a1e4031b2de1d631a5ac42079694c1c"
	"526d3c4375ca1fd7a430d1385451ba3571a9e0dac8ff3477e4b462ec906fa95f"
	"e4720037470757c9429144cfcf05472eea";
static const char gcm_plain[] =
	"2900000e02000000636c2e6b617424000008000040002700000e020000006777"
	"2e6b61742100003802000000624991999b54598f22df0dcc6d2527a0f248d448"
	"9dee795a49a56f487cb00d623bdfd760dacfc04ae0591d3717d7fe2b2c000024"
	"0000002001030402ac001dde0300000c01000014800e00800000000805000000"
	"2d00001801000000070000100000ffff0a6300020a6300022900001801000000"
	"070000100000ffff0a6200000a62ffff290000080000400c290000080000400f"
	"290000080000401429000008000040210000000800004024";
static const char gcm_sk_ei[] =
	"dc718b099c0adfa4cf9fdf8ef29a54ad3451252a7af468b7cda29cb3dc4e4c8a"
	"af12e9a0";
static const char cbc_msg[] =
	"e0b99c1fdd1d0e5206a087e748049c932e2023080000000100000110230000f4"
	"4d46cbdb5a5d37df1fb5c8cc83d144c5bb3ca97136fc3dc4d104ffcbfefc512d"
	"ff3ce4fe220bc17c9fe5c492d92e75b6d2255d87362a57a5f301a1efe90583da"
	"ba5fdee1c83b3aa01134560ba094e54c39533d3a812e4cbfe2483899647f2184"
	"75d201a9e7836b70cd3aab0a86151258b63dca18f33605680b67bb8e6d28dcb9"
	"472a1e6d898d8584391ba9f6511c4de1b1445b7099751465c1b87a6ef8616d4f"
	"5e1a5c68a9f4e8fd2ad93610bbb14c54180a7fdefd84f1e8605508620da5b01b"
	"fc658c32dac922c8ac1c78dcf7566dcc54fc65194234a8ea9af7bb3508e0ff90"
	"ab884f2d657cee174cfd933f1f408584";
static const char cbc_plain[] =
	"2400000e02000000636c2e6b61742700000e0200000067772e6b617421000028"
	"02000000ec45140c3cc5164a2ef2140d27ec1877d92bca80af54f7192f3d16d9"
	"db7182c12c00002c000000280103040329df7dba0300000c0100000c800e0100"
	"030000080300000c00000008050000002d00001801000000070000100000ffff"
	"0a6300020a6300022900001801000000070000100000ffff0a6200000a62ffff"
	"290000080000400c290000080000400f29000008000040142900000800004021"
	"0000000800004024";
static const char cbc_sk_ei[] =
	"81bd9004820786a0167ff3084f5a04ca";
static const char cbc_sk_ai[] =
	"40ffd8af14412445d63a630438c4b9dda5dca8d422d4fd182529cec96eb7d6f5";

/* McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)",
 * Appendix B, test cases 4 (AES-128) and 16 (AES-256): the 96-bit IV
 * cafebabe|facedbaddecaf888 is salt (end of the IKE key) | explicit IV. */
static const char gcm_p[] =
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char gcm_a[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char gcm_iv[] = "facedbaddecaf888";
static const char gcm_salt[] = "cafebabe";

struct gcm_case {
	const char *key, *c, *t;
};

static const struct gcm_case gcm_cases[] = {
	{ "feffe9928665731c6d6a8f9467308308",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

struct bin {
	uint8_t b[600];
	size_t n;
};

static void bin(struct bin *o, const char *hex)
{
	o->n = check_hex(hex, o->b, sizeof(o->b));
}

static void check_gcm_case(const struct gcm_case *g)
{
	static const uint16_t encrs[] = { ROVE_ENCR_AES_GCM_16, ROVE_ENCR_AES_GCM_12,
					  ROVE_ENCR_AES_GCM_8 };
	struct bin key, p, a, iv, c, t;
	uint8_t out[64], tag[16], back[64];
	struct rove_err err;

	bin(&key, g->key);
	key.n += check_hex(gcm_salt, key.b + key.n, 4);
	bin(&p, gcm_p);
	bin(&a, gcm_a);
	bin(&iv, gcm_iv);
	bin(&c, g->c);
	bin(&t, g->t);
	for (size_t i = 0; i < 3; i++) {
		uint16_t e = encrs[i];
		size_t tl = rove_encr_icv_len(e);

		/* The shorter ICVs are the leading bytes of the full tag. */
		memset(tag, 0, sizeof(tag));
		CHECK(rove_aead_seal(e, key.b, key.n, iv.b, a.b, a.n, p.b, p.n, out, tag, &err) == 0);
		CHECK_MEM(out, c.b, c.n);
		CHECK_MEM(tag, t.b, tl);
		CHECK(rove_aead_open(e, key.b, key.n, iv.b, a.b, a.n, c.b, c.n, t.b, back, &err) == 0);
		CHECK_MEM(back, p.b, p.n);
		/* A changed AAD byte fails, and leaves no plaintext behind. */
		a.b[0] ^= 1;
		CHECK(rove_aead_open(e, key.b, key.n, iv.b, a.b, a.n, c.b, c.n, t.b, back, &err) < 0);
		CHECK(err.code == ROVE_E_CRYPTO);
		CHECK(memcmp(back, p.b, 16) != 0);
		a.b[0] ^= 1;
	}
}

static void test_gcm_vectors(void)
{
	check_gcm_case(&gcm_cases[0]);
	check_gcm_case(&gcm_cases[1]);
}

static void check_recorded(const char *msg_hex, const char *plain_hex, uint16_t encr,
			   uint16_t bits, uint16_t integ, const char *ekey_hex,
			   const char *akey_hex)
{
	struct bin msg, want, ekey, akey = { { 0 }, 0 };
	struct rove_sk_dir d = { encr, bits, integ, NULL, 0, NULL, 0 };
	uint8_t plain[600];
	size_t plen = 0;
	struct rove_err err;

	bin(&msg, msg_hex);
	bin(&want, plain_hex);
	bin(&ekey, ekey_hex);
	if (akey_hex)
		bin(&akey, akey_hex);
	d.ekey = ekey.b;
	d.ekey_len = ekey.n;
	d.akey = akey_hex ? akey.b : NULL;
	d.akey_len = akey.n;
	CHECK(msg.b[16] == ROVE_PL_SK);
	CHECK(rove_sk_open(&d, msg.b, msg.n, ROVE_IKE_HDR_LEN, plain, sizeof(plain), &plen, &err) ==
	      0);
	CHECK(plen == want.n);
	CHECK(plen == want.n && memcmp(plain, want.b, plen) == 0);
	/* With a changed key (the one that authenticates) it fails. */
	if (akey_hex)
		akey.b[0] ^= 0x80;
	else
		ekey.b[0] ^= 0x80;
	CHECK(rove_sk_open(&d, msg.b, msg.n, ROVE_IKE_HDR_LEN, plain, sizeof(plain), &plen, &err) <
	      0);
	CHECK(err.code == ROVE_E_CRYPTO);
}

static void test_strongswan_messages(void)
{
	check_recorded(gcm_msg, gcm_plain, ROVE_ENCR_AES_GCM_16, 256, 0, gcm_sk_ei, NULL);
	check_recorded(cbc_msg, cbc_plain, ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA2_256_128,
		       cbc_sk_ei, cbc_sk_ai);
}

/* Keys for a direction, made up from a pattern. */
struct dirkeys {
	uint8_t e[36], a[64];
	struct rove_sk_dir d;
};

static bool dir_init(struct dirkeys *k, uint16_t encr, uint16_t bits, uint16_t integ,
		     uint8_t seed)
{
	size_t el = rove_encr_key_len(encr, bits), al = rove_integ_key_len(integ);

	for (size_t i = 0; i < sizeof(k->e); i++)
		k->e[i] = (uint8_t)(seed + 3 * i);
	for (size_t i = 0; i < sizeof(k->a); i++)
		k->a[i] = (uint8_t)(seed ^ (7 * i));
	k->d = (struct rove_sk_dir){ encr, bits, integ, k->e, el, integ ? k->a : NULL, al };
	return el != 0;
}

/* An IKE header (and optionally one clear payload) leading to SK. */
static size_t start_msg(struct rove_buf *b, bool clear_payload)
{
	static const uint8_t spis[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

	rove_buf_init(b);
	rove_buf_add(b, spis, 16);
	rove_buf_add_u8(b, clear_payload ? ROVE_PL_VENDOR : ROVE_PL_SK);
	rove_buf_add_u8(b, ROVE_IKE_VERSION);
	rove_buf_add_u8(b, ROVE_EXCH_INFORMATIONAL);
	rove_buf_add_u8(b, ROVE_FLAG_INITIATOR);
	rove_buf_add_be32(b, 7);
	rove_buf_add_be32(b, 0);
	if (clear_payload) {
		rove_buf_add_u8(b, ROVE_PL_SK);
		rove_buf_add_u8(b, 0);
		rove_buf_add_be16(b, 8);
		rove_buf_add(b, "rove", 4);
	}
	return b->len;
}

static bool seal(const struct rove_sk_dir *d, struct rove_rng_det *rng, struct rove_buf *b,
		 bool clear, const uint8_t *inner, size_t len, size_t *sk_off)
{
	struct rove_err err;

	*sk_off = start_msg(b, clear);
	if (rove_sk_seal(d, &rng->rng, b, *sk_off, ROVE_PL_NOTIFY, inner, len, &err) < 0) {
		fprintf(stderr, "seal: %s\n", err.msg);
		return false;
	}
	return true;
}

static void roundtrip(const struct rove_sk_dir *d, size_t len, bool clear)
{
	struct rove_rng_det rng;
	struct rove_buf b;
	uint8_t inner[300], plain[600];
	size_t sk_off, plen = 0, ct_len;
	struct rove_err err;
	size_t iv = rove_encr_iv_len(d->encr), block = rove_encr_block_len(d->encr);
	size_t icv = d->integ ? rove_integ_icv_len(d->integ) : rove_encr_icv_len(d->encr);

	for (size_t i = 0; i < len; i++)
		inner[i] = (uint8_t)(i * 13 + 1);
	rove_rng_det_init(&rng, "iv", 2);
	CHECK(seal(d, &rng, &b, clear, inner, len, &sk_off));
	if (b.failed || b.len < sk_off + 4)
		goto out;
	CHECK(rove_get_be32(b.data + 24) == b.len);
	CHECK(b.data[sk_off] == ROVE_PL_NOTIFY && b.data[sk_off + 1] == 0);
	CHECK(rove_get_be16(b.data + sk_off + 2) == b.len - sk_off);
	ct_len = b.len - sk_off - 4 - iv - icv;
	CHECK(ct_len % block == 0 && ct_len >= len + 1 && ct_len < len + 1 + block);
	CHECK(rove_sk_open(d, b.data, b.len, sk_off, plain, sizeof(plain), &plen, &err) == 0);
	CHECK(plen == len && (len == 0 || memcmp(plain, inner, len) == 0));
out:
	rove_buf_free(&b);
}

static void test_roundtrip_all_suites(void)
{
	static const uint16_t integs[] = { ROVE_INTEG_HMAC_SHA1_96, ROVE_INTEG_HMAC_SHA2_256_128,
					   ROVE_INTEG_HMAC_SHA2_384_192,
					   ROVE_INTEG_HMAC_SHA2_512_256 };
	static const uint16_t aeads[] = { ROVE_ENCR_AES_GCM_8, ROVE_ENCR_AES_GCM_12,
					  ROVE_ENCR_AES_GCM_16 };
	static const uint16_t bits[] = { 128, 192, 256 };
	static const size_t lens[] = { 0, 1, 14, 15, 16, 17, 250 };
	struct dirkeys k;
	int n = 0;

	for (size_t b = 0; b < 3; b++) {
		for (size_t i = 0; i < 4; i++) {
			CHECK(dir_init(&k, ROVE_ENCR_AES_CBC, bits[b], integs[i], 1));
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++, n++)
				roundtrip(&k.d, lens[l], l % 2);
		}
		for (size_t a = 0; a < 3; a++) {
			CHECK(dir_init(&k, aeads[a], bits[b], 0, 2));
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++, n++)
				roundtrip(&k.d, lens[l], l % 2);
		}
	}
	CHECK(dir_init(&k, ROVE_ENCR_CHACHA20_POLY1305, 0, 0, 3));
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++, n++)
		roundtrip(&k.d, lens[l], l % 2);
	CHECK(n == 3 * 7 * 7 + 7);
}

/* Flipping any single bit of a protected message must make it fail. */
static void tamper_every_byte(const struct rove_sk_dir *d)
{
	const uint8_t inner[] = "a notify payload, or so";
	struct rove_rng_det rng;
	struct rove_buf b;
	uint8_t plain[300];
	size_t sk_off, plen = 0, rejected = 0;
	struct rove_err err;

	rove_rng_det_init(&rng, "t", 1);
	CHECK(seal(d, &rng, &b, true, inner, sizeof(inner), &sk_off));
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x04;
		memset(plain, 0, sizeof(plain));
		if (rove_sk_open(d, b.data, b.len, sk_off, plain, sizeof(plain), &plen, &err) < 0) {
			rejected++;
			/* No plaintext escapes a failed check. */
			CHECK(memcmp(plain, inner, 8) != 0);
		}
		b.data[i] ^= 0x04;
	}
	CHECK(rejected == b.len);
	CHECK(rove_sk_open(d, b.data, b.len, sk_off, plain, sizeof(plain), &plen, &err) == 0);
	rove_buf_free(&b);
}

static void test_tamper(void)
{
	struct dirkeys k;

	dir_init(&k, ROVE_ENCR_AES_GCM_16, 256, 0, 9);
	tamper_every_byte(&k.d);
	dir_init(&k, ROVE_ENCR_AES_GCM_8, 128, 0, 9);
	tamper_every_byte(&k.d);
	dir_init(&k, ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA1_96, 9);
	tamper_every_byte(&k.d);
	dir_init(&k, ROVE_ENCR_AES_CBC, 256, ROVE_INTEG_HMAC_SHA2_512_256, 9);
	tamper_every_byte(&k.d);
	dir_init(&k, ROVE_ENCR_CHACHA20_POLY1305, 256, 0, 9);
	tamper_every_byte(&k.d);
}

/* A correctly protected SK payload whose plaintext ends in a pad length
 * larger than itself, built with the primitives directly. */
static void build_bad_pad(const struct rove_sk_dir *d, struct rove_buf *b, size_t *sk_off)
{
	uint8_t pt[16], iv[16] = { 7 };
	size_t ivl = rove_encr_iv_len(d->encr), ct_len = rove_encr_block_len(d->encr) == 16 ? 16 : 5;
	size_t icv = d->integ ? rove_integ_icv_len(d->integ) : rove_encr_icv_len(d->encr);
	size_t pl = 4 + ivl + ct_len + icv;
	struct rove_err err;
	uint8_t *p;

	memset(pt, 0, sizeof(pt));
	pt[ct_len - 1] = (uint8_t)ct_len; /* one more than there is */
	*sk_off = start_msg(b, false);
	p = rove_buf_put(b, pl);
	p[0] = ROVE_PL_NOTIFY;
	p[1] = 0;
	rove_put_be16(p + 2, (uint16_t)pl);
	memcpy(p + 4, iv, ivl);
	rove_put_be32(b->data + 24, (uint32_t)b->len);
	if (d->integ) {
		CHECK(rove_cbc_crypt(d->encr, d->ekey, d->ekey_len, iv, pt, 16, p + 4 + ivl, true,
				     &err) == 0);
		CHECK(rove_integ(d->integ, d->akey, d->akey_len, b->data, b->len - icv,
				 b->data + b->len - icv, &err) == 0);
	} else {
		CHECK(rove_aead_seal(d->encr, d->ekey, d->ekey_len, iv, b->data, *sk_off + 4, pt,
				     ct_len, p + 4 + ivl, p + 4 + ivl + ct_len, &err) == 0);
	}
}

static void test_bad_padding(void)
{
	struct dirkeys k;
	struct rove_buf b;
	uint8_t plain[100];
	size_t sk_off, plen = 5;
	struct rove_err err;

	dir_init(&k, ROVE_ENCR_AES_GCM_16, 128, 0, 4);
	build_bad_pad(&k.d, &b, &sk_off);
	CHECK(rove_sk_open(&k.d, b.data, b.len, sk_off, plain, sizeof(plain), &plen, &err) < 0);
	CHECK(err.code == ROVE_E_PARSE && plen == 0);
	rove_buf_free(&b);

	dir_init(&k, ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA2_256_128, 4);
	build_bad_pad(&k.d, &b, &sk_off);
	CHECK(rove_sk_open(&k.d, b.data, b.len, sk_off, plain, sizeof(plain), &plen, &err) < 0);
	CHECK(err.code == ROVE_E_PARSE);
	rove_buf_free(&b);
}

static void test_truncated(void)
{
	struct dirkeys k;
	struct rove_rng_det rng;
	struct rove_buf b;
	uint8_t plain[300];
	size_t sk_off, plen;
	struct rove_err err;
	const uint8_t inner[40] = { 0 };

	dir_init(&k, ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA2_256_128, 5);
	rove_rng_det_init(&rng, "x", 1);
	CHECK(seal(&k.d, &rng, &b, false, inner, sizeof(inner), &sk_off));
	/* One byte short, whatever the length fields say. */
	CHECK(rove_sk_open(&k.d, b.data, b.len - 1, sk_off, plain, sizeof(plain), &plen, &err) < 0);
	CHECK(err.code == ROVE_E_PARSE);
	rove_put_be32(b.data + 24, (uint32_t)b.len - 1);
	rove_put_be16(b.data + sk_off + 2, (uint16_t)(b.len - 1 - sk_off));
	CHECK(rove_sk_open(&k.d, b.data, b.len - 1, sk_off, plain, sizeof(plain), &plen, &err) < 0);
	/* Only headers: too short for IV and ICV. */
	rove_put_be32(b.data + 24, (uint32_t)sk_off + 20);
	rove_put_be16(b.data + sk_off + 2, 20);
	CHECK(rove_sk_open(&k.d, b.data, sk_off + 20, sk_off, plain, sizeof(plain), &plen, &err) < 0);
	CHECK(err.code == ROVE_E_PARSE);
	CHECK(rove_sk_open(&k.d, b.data, sk_off + 2, sk_off, plain, sizeof(plain), &plen, &err) < 0);
	CHECK(rove_sk_open(&k.d, b.data, 20, ROVE_IKE_HDR_LEN, plain, sizeof(plain), &plen, &err) <
	      0);
	rove_buf_free(&b);
}

static void test_api_edges(void)
{
	struct rove_ike_keys keys;
	struct rove_sk_dir d;
	struct dirkeys k;
	struct rove_rng_det rng;
	struct rove_buf b;
	uint8_t plain[300], iv1[8], iv2[8];
	size_t sk_off, plen;
	struct rove_err err;

	memset(&keys, 0, sizeof(keys));
	keys.suite = (struct rove_ike_suite){ ROVE_ENCR_AES_CBC, 128, ROVE_PRF_HMAC_SHA1,
					      ROVE_INTEG_HMAC_SHA1_96, ROVE_DH_ECP256 };
	keys.encr_len = 16;
	keys.integ_len = 20;
	rove_sk_dir_from_keys(&keys, true, &d);
	CHECK(d.ekey == keys.sk_ei && d.akey == keys.sk_ai && d.ekey_len == 16 && d.akey_len == 20);
	rove_sk_dir_from_keys(&keys, false, &d);
	CHECK(d.ekey == keys.sk_er && d.akey == keys.sk_ar && d.integ == ROVE_INTEG_HMAC_SHA1_96);

	/* Seal refuses an offset that is not the end of the buffer. */
	dir_init(&k, ROVE_ENCR_AES_GCM_16, 128, 0, 6);
	rove_rng_det_init(&rng, "y", 1);
	sk_off = start_msg(&b, false);
	CHECK(rove_sk_seal(&k.d, &rng.rng, &b, sk_off - 1, ROVE_PL_NOTIFY, plain, 4, &err) < 0);
	CHECK(err.code == ROVE_E_INVAL && b.len == sk_off);
	/* Two seals under one key use different IVs. */
	CHECK(rove_sk_seal(&k.d, &rng.rng, &b, sk_off, ROVE_PL_NOTIFY, plain, 4, &err) == 0);
	memcpy(iv1, b.data + sk_off + 4, 8);
	b.len = sk_off;
	CHECK(rove_sk_seal(&k.d, &rng.rng, &b, sk_off, ROVE_PL_NOTIFY, plain, 4, &err) == 0);
	memcpy(iv2, b.data + sk_off + 4, 8);
	CHECK(memcmp(iv1, iv2, 8) != 0);
	/* Too small a plaintext buffer is refused before any work. */
	CHECK(rove_sk_open(&k.d, b.data, b.len, sk_off, plain, 2, &plen, &err) < 0);
	CHECK(err.code == ROVE_E_INVAL);
	/* Trailing bytes after the message are refused. */
	rove_buf_add_u8(&b, 0);
	CHECK(rove_sk_open(&k.d, b.data, b.len, sk_off, plain, sizeof(plain), &plen, &err) < 0);
	/* A wrong key length is an error, not a crash. */
	k.d.ekey_len = 16;
	CHECK(rove_sk_open(&k.d, b.data, b.len - 1, sk_off, plain, sizeof(plain), &plen, &err) < 0);
	CHECK(err.code == ROVE_E_INVAL);
	rove_buf_free(&b);
}

int main(void)
{
	RUN(test_gcm_vectors);
	RUN(test_strongswan_messages);
	RUN(test_roundtrip_all_suites);
	RUN(test_tamper);
	RUN(test_bad_padding);
	RUN(test_truncated);
	RUN(test_api_edges);
	return check_summary();
}
