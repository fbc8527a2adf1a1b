/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The key schedule against known answers recorded from strongSwan 5.9.8
 * (Debian 12): a charon responder with `ike = 4, chd = 4` logging derived
 * the IKE keys, the CHILD keys and both AUTH computations of two real
 * exchanges with a charon initiator (PSK "kat-psk-0123456789", IDs
 * FQDN cl.kat / gw.kat):
 *   gcm: IKE aes256gcm16-prfsha384-x25519, ESP aes128gcm16
 *   cbc: IKE aes128-sha256-prfsha256-modp2048, ESP aes256-sha256
 * Nonces and SPIs are from the same log's IKE_SA_INIT payload dumps. */
#include "check.h"
#include "crypto.h"
#include "ikev2.h"
#include "keys.h"

#include <stdbool.h>

struct kat {
	struct rove_ike_suite ike;
	struct rove_esp_suite esp;
	const char *ni, *nr, *spi_i, *spi_r, *gir;
	const char *sk_d, *sk_ai, *sk_ar, *sk_ei, *sk_er, *sk_pi, *sk_pr;
	const char *esp_ei, *esp_ai, *esp_er, *esp_ar;
	/* AUTH: signed octets, the ID payload body and the PSK AUTH value of
	 * the initiator and of the responder. */
	const char *init_octets, *init_id, *init_auth;
	const char *resp_octets, *resp_id, *resp_auth;
};

static const char psk[] = "kat-psk-0123456789";

static const struct kat kat_gcm = {
	.ike = { ROVE_ENCR_AES_GCM_16, 256, ROVE_PRF_HMAC_SHA2_384, 0, ROVE_DH_CURVE25519 },
	.esp = { ROVE_ENCR_AES_GCM_16, 128, 0, false },
	.ni = "697a41c2257f375b6847ea9ee513e038845f09c44b88a433aac20a68388414e0",
	.nr = "caf875f8ba65bc5803718850b252078fb7127006252b06ee45a466b9d4b6961e",
	.spi_i = "7541cb9f65bbc13d",
	.spi_r = "553dfaaad9cbf194",
	.gir = "5c9550f0ae2a2d5715027a0074cd589e631cf18657795b28f21444a2223c8b6e",
	.sk_d =
		"25f91c9f4763eca1b8fee95a38950761c2038af3bb555e2eefa6099fbe9939b7"
		"fe1ed7b053da42f2d7521fba12c5646e",
	.sk_ei =
		"dc718b099c0adfa4cf9fdf8ef29a54ad3451252a7af468b7cda29cb3dc4e4c8a"
		"af12e9a0",
	.sk_er =
		"4594161c3842a01257d0e1fa7c8a7518d96131d137d6ac70b4ee6ba98a3afdf8"
		"70c00e41",
	.sk_pi =
		"8bc62356a71f397932090bc9588634e168ec4d0b829f620701323dfccbcf35d1"
		"1206c21c458ce0947bb2b16a564a8018",
	.sk_pr =
		"3e241188c0c8e38a8cbc84b5258d761cfb6fd7ccb8bae29d9ed1653249abf242"
		"718197a1bd4872215f1f4a2c208a4301",
	.esp_ei = "0d3b1297355945ea865893e09f366b7d293b6a20",
	.esp_er = "9e2d0ed20cd6d64790bdf73c0312185bdbbacdc3",
	.init_octets =
		"7541cb9f65bbc13d00000000000000002120220800000000000000e822000028"
		"00000024010100030300000c01000014800e0100030000080200000600000008"
		"0400001f28000028001f0000099bd7ad7b7b5d05cbd5504036130f47a9463937"
		"41b5384929046425afc14e4a29000024697a41c2257f375b6847ea9ee513e038"
		"845f09c44b88a433aac20a68388414e02900001c0000400440940f6876b93a68"
		"0205f2fd7c4b28087cd004c12900001c00004005010573d868b3f5c34a9711c9"
		"bde39392700ff7a5290000080000402e290000100000402f0002000300040005"
		"0000000800004016caf875f8ba65bc5803718850b252078fb7127006252b06ee"
		"45a466b9d4b6961ef9111bf922147b6d9429091dfbfb6501c99e2e4bf2f435a3"
		"697dad657e9c3a23bdbb47daaa4d31aaf44742d4007707b0",
	.init_id = "02000000636c2e6b6174",
	.init_auth =
		"624991999b54598f22df0dcc6d2527a0f248d4489dee795a49a56f487cb00d62"
		"3bdfd760dacfc04ae0591d3717d7fe2b",
	.resp_octets =
		"7541cb9f65bbc13d553dfaaad9cbf1942120222000000000000000f022000028"
		"00000024010100030300000c01000014800e0100030000080200000600000008"
		"0400001f28000028001f0000b900114de48c0937251f7133122004a8eda25ec8"
		"baa38eea94265ca5f142ea0929000024caf875f8ba65bc5803718850b252078f"
		"b7127006252b06ee45a466b9d4b6961e2900001c000040045dceff8ee478f34d"
		"f3d32c9603751317ae3ea8182900001c00004005ce0cf956113a6103805cb341"
		"2e78b1ae85c77205290000080000402e290000100000402f0002000300040005"
		"29000008000040220000000800004014697a41c2257f375b6847ea9ee513e038"
		"845f09c44b88a433aac20a68388414e0448946c303a37431952245999d740401"
		"0475827ac605c2aca45edefceb32b89aea47d22306e9c17e96360e5717ec9d9f",
	.resp_id = "0200000067772e6b6174",
	.resp_auth =
		"6ceb395d0a344f2c6cd3818624d726f7c52ee4f7c70d3abe1e0a1db08c7176f1"
		"366ab0afb8ec810aff2360fec6532040",
};

static const struct kat kat_cbc = {
	.ike = { ROVE_ENCR_AES_CBC, 128, ROVE_PRF_HMAC_SHA2_256, ROVE_INTEG_HMAC_SHA2_256_128,
		 ROVE_DH_MODP2048 },
	.esp = { ROVE_ENCR_AES_CBC, 256, ROVE_INTEG_HMAC_SHA2_256_128, false },
	.ni = "d639e698269ea5d2a3f126336b7cf9c163732cf76632cf332df18d6857cef66c",
	.nr = "5f1ff49e29509fc641f822dc965fc84e6a053b12068874efe5740305541200b1",
	.spi_i = "e0b99c1fdd1d0e52",
	.spi_r = "06a087e748049c93",
	.gir =
		"1601ba394c096a0ecd351dc09cef8643078c18ef494202aceecf9172d39f3f60"
		"f89d97769d4b29ba9260b46a7d2f743e30ea509cef12dbe41e0ff0bdc0ce4215"
		"3d13cc46152f42626566908eecaa2990cc0c84439046eba8911e7148069c18b5"
		"b3d45e2def6e1eeac892d760426ad7a11a9b392d2c2b5feb7036459123d02956"
		"79431ac99e35a05df7fbf291dae9c7aacea20180a8cc21e9e40882a504b290a6"
		"03b8b2aac8c07fa1b84600cd5bee02e4d4af226ad2179f2867bd8eeafa6530e1"
		"c8f80640c5edf2a09a6cffd4b4513bb2fb5754c695795caddbbf0054b2d94bd8"
		"4f9a9af3f65057220f6c121994adab7ef6af5ee73187b94919b609a7ce223921",
	.sk_d = "f9c1c66becb8c97378434a3906a78f6b1b26107259375324b0b4f31b640f334d",
	.sk_ai = "40ffd8af14412445d63a630438c4b9dda5dca8d422d4fd182529cec96eb7d6f5",
	.sk_ar = "ccc227393432291bc98a4f231e891c4a4c82cb46fc35ea8d23faace2c20579c4",
	.sk_ei = "81bd9004820786a0167ff3084f5a04ca",
	.sk_er = "4391c08941a916ebcc0c70de42c4a268",
	.sk_pi = "080dd322d3d4e48a27016ebccf855dfc5a491d5d1010440f7a0c882dc4693e4d",
	.sk_pr = "9a4153b34bcb439e60650ade5bec708b0f91606db54863ce5469d490e235ba64",
	.esp_ei = "eae168c3a6b11b6aae307c49aca1c7ced9e327dc534896bed440a666d524b66e",
	.esp_ai = "f7a239cadf429f7b6466d320d104ce5e701ac9e4bfe2360008a67203ed5b335d",
	.esp_er = "5bf10a4c0d70a94319e195823a4f40344ea544aef8a640ffcf9ed9fa1ae23a3f",
	.esp_ar = "eef34751a385cd66be6a7f63f789470a0486bf672059e17a5ca80415d7112812",
	.init_octets =
		"e0b99c1fdd1d0e5200000000000000002120220800000000000001d022000030"
		"0000002c010100040300000c0100000c800e0080030000080300000c03000008"
		"02000005000000080400000e28000108000e00006d792ac03257410613a732ce"
		"f60c3149afd75ca346c23b8ca260bd0e8a0eeb3da398aead5f525958700c8f22"
		"8f359a5926eafac8ba10f524bac6fb4a83a0239556dfece052eebbbece144508"
		"c8a44bbf6fe9b4b2b6277507d3749c31b9752f2cafdc08e1042ff966416049cd"
		"82e0073285f4c6701c347f998238a15a6e41edacf0023f79c9a7cf00305ed628"
		"59e4befd2837cfe93aa1139c3836d41ad76827ba936b992e146e3a7466014a29"
		"888da67057fd07345a3b0d80eaf93dc9c8095536be595b292fc03771fd5488ad"
		"baa6bce3dd6b93827ddea6c39e05b1d31dee30cd2454011fea7c797fa4cbed1b"
		"07b340fe835c6cecdc43942d5e670a8742480f3e29000024d639e698269ea5d2"
		"a3f126336b7cf9c163732cf76632cf332df18d6857cef66c2900001c00004004"
		"ebedb39cb34e359ad8582ae579cb0edfea7d2caa2900001c00004005786b6eaf"
		"127f1bcd7e59936294bff3c036b73122290000080000402e290000100000402f"
		"000200030004000500000008000040165f1ff49e29509fc641f822dc965fc84e"
		"6a053b12068874efe5740305541200b161f46db4a4875a869eedccd65d9e0bf9"
		"96ef27317ab2ac97f3bdca0ac41f8f76",
	.init_id = "02000000636c2e6b6174",
	.init_auth = "ec45140c3cc5164a2ef2140d27ec1877d92bca80af54f7192f3d16d9db7182c1",
	.resp_octets =
		"e0b99c1fdd1d0e5206a087e748049c932120222000000000000001d822000030"
		"0000002c010100040300000c0100000c800e0080030000080300000c03000008"
		"02000005000000080400000e28000108000e00003648711e53bf07676166dde5"
		"fd21c98f16a9d726fadf786257789adc0304af80896b0c256855e4d6ca969bf0"
		"e47c91722fad9a09b7f2fc0665d2fd0bfb4ab1e57ae37f6cdc58d06a1315f034"
		"bf2d656721891db36060e6dda23ede7e95c7174fe6fd73bd70be44d4d6ce7bc9"
		"2b72f1e4eba4f24b4a96c9d9c1e8832863e5c8e45b232f8870b3d863fb65a864"
		"e0cfa3ed31c94c02a59640627d2101067c7681b9fd6f19f385dfce08244bab07"
		"386f0ff58261e137a823f86a20bed9aad759b8be91da8092caf0355ccab580d7"
		"c1e9aa963de1abed4ca5cb1762ef8a1b00bf4aa198983fdfbc19c357c05c48e5"
		"1e494fe6f804ec6eac7c6462951b8b608a164d14290000245f1ff49e29509fc6"
		"41f822dc965fc84e6a053b12068874efe5740305541200b12900001c00004004"
		"b9a1ebcc3306582974c59de8a182d1f2b01b591e2900001c0000400550ecba72"
		"533622b61465e8cd33c05e98e1a07403290000080000402e290000100000402f"
		"000200030004000529000008000040220000000800004014d639e698269ea5d2"
		"a3f126336b7cf9c163732cf76632cf332df18d6857cef66ca6ab167a23a8770c"
		"6ab9c7e9d64666c2c2f0f63a5ab76955b5de58a5d6bbf75f",
	.resp_id = "0200000067772e6b6174",
	.resp_auth = "ca1ae4282876576434da21c2338aaefdd208cde5c6fba6f6cca9678aad98d967",
};


struct bin {
	uint8_t b[600];
	size_t n;
};

static void bin(struct bin *o, const char *hex)
{
	o->n = hex ? check_hex(hex, o->b, sizeof(o->b)) : 0;
}

static void check_key(const uint8_t *got, size_t len, const char *want_hex)
{
	struct bin w;

	bin(&w, want_hex);
	CHECK(len == w.n);
	CHECK(len == w.n && memcmp(got, w.b, len) == 0);
}

static bool derive(const struct kat *k, struct rove_ike_keys *keys)
{
	struct bin ni, nr, spi_i, spi_r, gir;
	struct rove_err err;

	bin(&ni, k->ni);
	bin(&nr, k->nr);
	bin(&spi_i, k->spi_i);
	bin(&spi_r, k->spi_r);
	bin(&gir, k->gir);
	if (rove_ike_keys_derive(&k->ike, ni.b, ni.n, nr.b, nr.n, gir.b, gir.n, spi_i.b, spi_r.b,
				 keys, &err) < 0) {
		fprintf(stderr, "derive: %s\n", err.msg);
		return false;
	}
	return true;
}

static void check_ike_kat(const struct kat *k, size_t prf_len, size_t integ_len,
			  size_t encr_len)
{
	struct rove_ike_keys keys;

	CHECK(derive(k, &keys));
	CHECK(keys.prf_len == prf_len && keys.integ_len == integ_len &&
	      keys.encr_len == encr_len);
	CHECK(keys.suite.prf == k->ike.prf && keys.suite.encr == k->ike.encr);
	check_key(keys.sk_d, keys.prf_len, k->sk_d);
	if (k->sk_ai) {
		check_key(keys.sk_ai, keys.integ_len, k->sk_ai);
		check_key(keys.sk_ar, keys.integ_len, k->sk_ar);
	}
	check_key(keys.sk_ei, keys.encr_len, k->sk_ei);
	check_key(keys.sk_er, keys.encr_len, k->sk_er);
	check_key(keys.sk_pi, keys.prf_len, k->sk_pi);
	check_key(keys.sk_pr, keys.prf_len, k->sk_pr);
	rove_ike_keys_wipe(&keys);
	CHECK(keys.prf_len == 0 && keys.sk_d[0] == 0 && keys.sk_pr[prf_len - 1] == 0);
}

static void test_ike_keys_strongswan(void)
{
	check_ike_kat(&kat_gcm, 48, 0, 36);
	check_ike_kat(&kat_cbc, 32, 32, 16);
}

static void check_child_kat(const struct kat *k, size_t encr_len, size_t integ_len)
{
	struct rove_ike_keys keys;
	struct rove_child_keys ck;
	struct bin ni, nr;
	struct rove_err err;

	bin(&ni, k->ni);
	bin(&nr, k->nr);
	CHECK(derive(k, &keys));
	CHECK(rove_child_keys_derive(k->ike.prf, keys.sk_d, keys.prf_len, &k->esp, NULL, 0, ni.b,
				     ni.n, nr.b, nr.n, &ck, &err) == 0);
	CHECK(ck.encr_len == encr_len && ck.integ_len == integ_len);
	check_key(ck.ei, ck.encr_len, k->esp_ei);
	check_key(ck.er, ck.encr_len, k->esp_er);
	if (k->esp_ai) {
		check_key(ck.ai, ck.integ_len, k->esp_ai);
		check_key(ck.ar, ck.integ_len, k->esp_ar);
	}
	rove_ike_keys_wipe(&keys);
}

static void test_child_keys_strongswan(void)
{
	check_child_kat(&kat_gcm, 20, 0);
	check_child_kat(&kat_cbc, 32, 32);
}

/* Rebuilds one party's signed octets from its pieces: the RealMessage is
 * what precedes the other party's nonce and the prf() output. */
static void check_auth_side(const struct kat *k, const uint8_t *sk_p, size_t prf_len,
			    const char *octets_hex, const char *nonce_hex, const char *id_hex,
			    const char *auth_hex)
{
	struct bin octets, nonce, id;
	struct rove_buf out;
	struct rove_err err;
	uint8_t auth[64];
	size_t real_len;

	bin(&octets, octets_hex);
	bin(&nonce, nonce_hex);
	bin(&id, id_hex);
	real_len = octets.n - nonce.n - prf_len;
	/* The split is right: the IKE header length field says real_len. */
	CHECK(rove_get_be32(octets.b + 24) == real_len);
	rove_buf_init(&out);
	rove_buf_add(&out, "xy", 2);
	CHECK(rove_auth_octets(k->ike.prf, sk_p, prf_len, octets.b, real_len, nonce.b, nonce.n, id.b,
			       id.n, &out, &err) == 0);
	CHECK(out.len == 2 + octets.n);
	CHECK(out.len == 2 + octets.n && memcmp(out.data, "xy", 2) == 0 &&
	      memcmp(out.data + 2, octets.b, octets.n) == 0);
	CHECK(rove_auth_psk(k->ike.prf, (const uint8_t *)psk, strlen(psk), octets.b, octets.n, auth,
			    &err) == 0);
	check_key(auth, prf_len, auth_hex);
	rove_buf_free(&out);
}

static void check_auth_kat(const struct kat *k)
{
	struct rove_ike_keys keys;

	CHECK(derive(k, &keys));
	check_auth_side(k, keys.sk_pi, keys.prf_len, k->init_octets, k->nr, k->init_id,
			k->init_auth);
	check_auth_side(k, keys.sk_pr, keys.prf_len, k->resp_octets, k->ni, k->resp_id,
			k->resp_auth);
	rove_ike_keys_wipe(&keys);
}

static void test_auth_strongswan(void)
{
	check_auth_kat(&kat_gcm);
	check_auth_kat(&kat_cbc);
}

/* prf+ rebuilt from single PRF calls, independent of rove_prf_plus. */
static void manual_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *seed,
			    size_t slen, uint8_t *out, size_t outlen)
{
	size_t plen = rove_prf_len(prf), done = 0;
	uint8_t t[64], buf[64 + 400 + 1];
	struct rove_err err;

	for (unsigned int n = 1; done < outlen; n++) {
		size_t off = 0, take;

		if (n > 1) {
			memcpy(buf, t, plen);
			off = plen;
		}
		memcpy(buf + off, seed, slen);
		buf[off + slen] = (uint8_t)n;
		CHECK(rove_prf(prf, key, klen, buf, off + slen + 1, t, &err) == 0);
		take = outlen - done < plen ? outlen - done : plen;
		memcpy(out + done, t, take);
		done += take;
	}
}

/* A suite strongSwan was not run with (SHA-512 PRF, AES-192-CBC,
 * HMAC-SHA-384-192) and nonces of unequal length, against RFC 7296 2.14
 * composed by hand. */
static void test_ike_keys_composed(void)
{
	const struct rove_ike_suite suite = { ROVE_ENCR_AES_CBC, 192, ROVE_PRF_HMAC_SHA2_512,
					      ROVE_INTEG_HMAC_SHA2_384_192, ROVE_DH_ECP384 };
	uint8_t ni[16], nr[64], gir[48], spi_i[8], spi_r[8], seed[16 + 64 + 16], skeyseed[64];
	uint8_t km[3 * 64 + 2 * 48 + 2 * 24];
	struct rove_ike_keys keys;
	struct rove_err err;
	size_t o = 0;

	for (size_t i = 0; i < sizeof(nr); i++)
		nr[i] = (uint8_t)(0x80 + i);
	memset(ni, 0x11, sizeof(ni));
	memset(gir, 0x42, sizeof(gir));
	memcpy(spi_i, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	memcpy(spi_r, "\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8", 8);
	memcpy(seed, ni, 16);
	memcpy(seed + 16, nr, 64);
	memcpy(seed + 80, spi_i, 8);
	memcpy(seed + 88, spi_r, 8);
	CHECK(rove_prf(ROVE_PRF_HMAC_SHA2_512, seed, 80, gir, sizeof(gir), skeyseed, &err) == 0);
	manual_prf_plus(ROVE_PRF_HMAC_SHA2_512, skeyseed, 64, seed, sizeof(seed), km, sizeof(km));

	CHECK(rove_ike_keys_derive(&suite, ni, sizeof(ni), nr, sizeof(nr), gir, sizeof(gir), spi_i,
				   spi_r, &keys, &err) == 0);
	CHECK(keys.prf_len == 64 && keys.integ_len == 48 && keys.encr_len == 24);
	CHECK_MEM(keys.sk_d, km + o, 64);
	o += 64;
	CHECK_MEM(keys.sk_ai, km + o, 48);
	o += 48;
	CHECK_MEM(keys.sk_ar, km + o, 48);
	o += 48;
	CHECK_MEM(keys.sk_ei, km + o, 24);
	o += 24;
	CHECK_MEM(keys.sk_er, km + o, 24);
	o += 24;
	CHECK_MEM(keys.sk_pi, km + o, 64);
	o += 64;
	CHECK_MEM(keys.sk_pr, km + o, 64);
	o += 64;
	CHECK(o == sizeof(km));
	rove_ike_keys_wipe(&keys);
}

/* CHILD keys with a new DH secret (PFS): KEYMAT = prf+(SK_d, g^ir | Ni | Nr). */
static void test_child_keys_pfs(void)
{
	const struct rove_esp_suite suite = { ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA1_96,
					      true };
	uint8_t sk_d[32], gir[32], ni[32], nr[24], seed[32 + 32 + 24], km[2 * (16 + 20)];
	struct rove_child_keys ck, nopfs;
	struct rove_err err;

	memset(sk_d, 0x5a, sizeof(sk_d));
	memset(gir, 0x33, sizeof(gir));
	memset(ni, 0x01, sizeof(ni));
	memset(nr, 0x02, sizeof(nr));
	memcpy(seed, gir, 32);
	memcpy(seed + 32, ni, 32);
	memcpy(seed + 64, nr, 24);
	manual_prf_plus(ROVE_PRF_HMAC_SHA2_256, sk_d, 32, seed, sizeof(seed), km, sizeof(km));
	CHECK(rove_child_keys_derive(ROVE_PRF_HMAC_SHA2_256, sk_d, 32, &suite, gir, 32, ni, 32, nr,
				     24, &ck, &err) == 0);
	CHECK(ck.encr_len == 16 && ck.integ_len == 20);
	CHECK_MEM(ck.ei, km, 16);
	CHECK_MEM(ck.ai, km + 16, 20);
	CHECK_MEM(ck.er, km + 36, 16);
	CHECK_MEM(ck.ar, km + 52, 20);
	/* Without g^ir the keys differ. */
	CHECK(rove_child_keys_derive(ROVE_PRF_HMAC_SHA2_256, sk_d, 32, &suite, NULL, 0, ni, 32, nr,
				     24, &nopfs, &err) == 0);
	CHECK(memcmp(ck.ei, nopfs.ei, 16) != 0);
}

static void test_errors(void)
{
	struct rove_ike_suite s = { ROVE_ENCR_AES_GCM_16, 256, ROVE_PRF_HMAC_SHA2_256, 0,
				    ROVE_DH_CURVE25519 };
	struct rove_esp_suite e = { ROVE_ENCR_AES_CBC, 128, 0, false };
	uint8_t n[32] = { 1 }, spi[8] = { 2 };
	struct rove_ike_keys keys;
	struct rove_child_keys ck;
	struct rove_err err;

	CHECK(rove_ike_keys_derive(&s, n, 32, n, 32, n, 32, spi, spi, &keys, &err) == 0);
	s.integ = ROVE_INTEG_HMAC_SHA2_256_128; /* AEAD with integrity */
	CHECK(rove_ike_keys_derive(&s, n, 32, n, 32, n, 32, spi, spi, &keys, &err) < 0);
	CHECK(err.code == ROVE_E_INVAL);
	s.encr = ROVE_ENCR_AES_CBC;
	s.encr_bits = 64;
	CHECK(rove_ike_keys_derive(&s, n, 32, n, 32, n, 32, spi, spi, &keys, &err) < 0);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	s.encr_bits = 128;
	s.prf = ROVE_PRF_HMAC_MD5;
	CHECK(rove_ike_keys_derive(&s, n, 32, n, 32, n, 32, spi, spi, &keys, &err) < 0);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	s.prf = ROVE_PRF_HMAC_SHA1;
	CHECK(rove_ike_keys_derive(&s, n, 0, n, 32, n, 32, spi, spi, &keys, &err) < 0);
	/* CBC without integrity. */
	CHECK(rove_child_keys_derive(ROVE_PRF_HMAC_SHA1, n, 20, &e, NULL, 0, n, 32, n, 32, &ck,
				     &err) < 0);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
}

int main(void)
{
	RUN(test_ike_keys_strongswan);
	RUN(test_child_keys_strongswan);
	RUN(test_auth_strongswan);
	RUN(test_ike_keys_composed);
	RUN(test_child_keys_pfs);
	RUN(test_errors);
	return check_summary();
}
