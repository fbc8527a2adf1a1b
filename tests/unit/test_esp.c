/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ESP encapsulation and decapsulation (core/esp.c). */
#include "check.h"
#include "crypto.h"
#include "esp.h"
#include "ikev2.h"

#include <sys/socket.h>

#define SPI 0x11223344u
#define BUF 4096
#define HEAD 64

static void make_child(struct rove_child_sa *c, uint16_t encr, uint16_t bits, uint16_t integ,
		       bool esn)
{
	memset(c, 0, sizeof(*c));
	c->spi_in = c->spi_out = SPI;
	c->encr = encr;
	c->encr_keylen = bits;
	c->integ = integ;
	c->esn = esn;
	c->enc_key_len = rove_encr_key_len(encr, bits);
	c->integ_key_len = integ ? rove_integ_key_len(integ) : 0;
	for (size_t i = 0; i < sizeof(c->enc_key_in); i++)
		c->enc_key_in[i] = c->enc_key_out[i] = (uint8_t)(0x40 + i * 7);
	for (size_t i = 0; i < sizeof(c->integ_key_in); i++)
		c->integ_key_in[i] = c->integ_key_out[i] = (uint8_t)(0x90 + i * 3);
}

/* An IPv4 (or IPv6) UDP packet of `len` bytes at p. */
static void make_ip(uint8_t *p, size_t len, bool v6, uint8_t fill)
{
	memset(p, 0, len);
	if (v6) {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 17;
		p[7] = 64;
		p[23] = 1;
		p[39] = 2;
		for (size_t i = 40; i < len; i++)
			p[i] = (uint8_t)(fill + i);
		return;
	}
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	p[12] = 10;
	p[15] = 1;
	p[16] = 10;
	p[19] = 2;
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)(fill + i);
}

/* ---- known answers: draft-mcgrew-gcm-test-01 section 4 and RFC 7634 A ---- */

struct vec {
	const char *name;
	uint16_t encr, bits;
	const char *key;      /* key and salt */
	bool esn;
	uint64_t seq;         /* full sequence number */
	const char *packet;   /* SPI | seq | IV | ciphertext | ICV */
	const char *plain;    /* inner packet | padding | pad length | next header */
};

static const struct vec vecs[] = {
	{ "mcgrew AES-128 32-bit seq", ROVE_ENCR_AES_GCM_16, 128,
	  "feffe9928665731c6d6a8f9467308308 cafebabe", false, 0xa,
	  "0000a5f80000000afacedbaddecaf888"
	  "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c"
	  "3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1"
	  "83b70d3aa8bc6ee4c309e9d85a41ad4a",
	  "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
	  "0001000000000000037369700963796265726369747902646b00000100010001" },
	{ "mcgrew AES-256 32-bit seq", ROVE_ENCR_AES_GCM_16, 256,
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab 11223344",
	  false, 2,
	  "4a2cbfe3000000020102030405060708"
	  "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	  "748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c49"
	  "15956c96",
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	  "7002400020bf0000020405b40101040201020201" },
	{ "mcgrew AES-192 32-bit seq", ROVE_ENCR_AES_GCM_16, 192,
	  "feffe9928665731c6d6a8f9467308308feffe9928665731c cafebabe", false, 0xa,
	  "0000a5f80000000afacedbaddecaf888"
	  "a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0"
	  "315b27452144cc7795457b9652037f5318027b5b4cd7a636",
	  "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e"
	  "501016d075680001" },
	{ "mcgrew AES-128 ESN 1", ROVE_ENCR_AES_GCM_16, 128,
	  "abbccddef00112233445566778899aab decaf888", true, 1,
	  "0000010000000001cafedebaceface74"
	  "18a6fd42f72cbf4ab2a2ea901f73d814e3e7f243d95412e1c349c1d2fbec168f"
	  "9190feebaf2cb01984e65863965d7472b79da345e0e780191f0d2f0e0f496c22"
	  "6f2127b27db35724e7845d68651f57e65f354f75ff17015769623436",
	  "4500004933ba00007f119106c3fb1d10c2b1d326c02831ce0035dd7b800302d5"
	  "00004e20001e8c18d75b81dc91baa0476b91b924b280389d92c963bac046ec95"
	  "9b6266c04722b14923010101" },
	{ "mcgrew AES-128 ESN 8765432100000000", ROVE_ENCR_AES_GCM_16, 128,
	  "4c80cdefbb5d10da906ac73c3613a634 2e443b68", true, 0x8765432100000000ull,
	  "00004321000000004956ed7e3b244cfe"
	  "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
	  "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
	  "61bc17d768fd9732459018148f6cbe722fd04796562dfdb4",
	  "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
	  "00000000045f736970045f756470037369700963796265726369747902646b00"
	  "0021000101020201" },
	{ "mcgrew AES-128 ESN 1010101010101010", ROVE_ENCR_AES_GCM_16, 128,
	  "3de09874b388e6491988d0c3607eae1f 57690e43", true, 0x1010101010101010ull,
	  "42f67e3f101010104e280000a2fca1a3"
	  "fba2caa4853cf9f0f22cb10d86dd83b0fec75691cf1a04b00d1138ec9c357917"
	  "65acbd8701ad79845bf9fe3fba487bc91755e6662b4c8d0d1f5e22739530320a"
	  "e0d731cc978ecafaeae88f00e80d6e48",
	  "4500003c99c300008001cb7c40679318010101010800085c0200430061626364"
	  "65666768696a6b6c6d6e6f70717273747576776162636465666768690102020" "1" },
	{ "RFC 7634 A ChaCha20-Poly1305", ROVE_ENCR_CHACHA20_POLY1305, 256,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f a0a1a2a3",
	  false, 5,
	  "01020304000000051011121314151617"
	  "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
	  "14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
	  "cbec163fac469b502773f6fb94e664da9165b82829f641e0"
	  "76aaa8266b7fb0f7b11b369907e1ad43",
	  "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	  "0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	  "2425262728292a2b2c2d2e2f30313233343536370102020" "4" },
};

static void test_known_answers(void)
{
	for (size_t v = 0; v < sizeof(vecs) / sizeof(vecs[0]); v++) {
		const struct vec *t = &vecs[v];
		struct rove_child_sa c;
		struct rove_esp_sa *sa;
		struct rove_err err;
		enum rove_esp_drop why;
		uint8_t pkt[512], plain[512], nh = 0;
		size_t plen, n, off = 0;
		ssize_t r;
		int before = check_failures;

		make_child(&c, t->encr, t->bits, ROVE_INTEG_NONE, t->esn);
		c.enc_key_len = check_hex(t->key, c.enc_key_in, sizeof(c.enc_key_in));
		n = check_hex(t->packet, pkt, sizeof(pkt));
		plen = check_hex(t->plain, plain, sizeof(plain));
		c.spi_in = rove_get_be32(pkt);
		sa = rove_esp_sa_new(&c, false, &err);
		CHECK(sa != NULL);
		if (!sa)
			continue;
		rove_esp_sa_set_seq(sa, t->seq);
		r = rove_esp_decap(sa, pkt, n, &off, &nh, &why);
		/* inner = plaintext without the trailer the vector carries */
		CHECK(r == (ssize_t)(plen - 2 - plain[plen - 2]));
		CHECK(off == 16);
		CHECK(nh == plain[plen - 1]);
		CHECK(r > 0 && memcmp(pkt + off, plain, (size_t)r) == 0);
		CHECK(rove_esp_stats(sa)->packets == 1);
		/* the same packet again is a replay */
		n = check_hex(t->packet, pkt, sizeof(pkt));
		CHECK(rove_esp_decap(sa, pkt, n, &off, &nh, &why) == -1 && why == ROVE_ESP_DROP_REPLAY);
		rove_esp_sa_free(sa);
		if (check_failures != before)
			fprintf(stderr, "  in vector %s\n", t->name);
	}
}

/* Our AES-GCM output equals the crypto module's independent AEAD for the
 * nonce we document: salt | 64-bit sequence number. */
static void test_encap_layout(void)
{
	struct rove_child_sa c;
	struct rove_esp_sa *out;
	struct rove_err err;
	uint8_t buf[BUF], inner[100], want[BUF], iv[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t aad[8] = { 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 1 }, tag[16];
	size_t off;
	ssize_t n;

	make_child(&c, ROVE_ENCR_AES_GCM_16, 256, ROVE_INTEG_NONE, false);
	out = rove_esp_sa_new(&c, true, &err);
	CHECK(out != NULL);
	CHECK(rove_esp_headroom(out) == 16);
	make_ip(inner, 98, false, 3);
	memcpy(buf + HEAD, inner, 98);
	n = rove_esp_encap(out, buf, HEAD, 98, sizeof(buf), &off);
	CHECK(n == 8 + 8 + 100 + 16); /* 98 + 2 is already aligned: no padding */
	CHECK(off == HEAD - 16);
	CHECK(rove_get_be32(buf + off) == SPI && rove_get_be32(buf + off + 4) == 1);
	CHECK_MEM(buf + off + 8, iv, 8);
	memcpy(inner + 98, (uint8_t[]){ 0, ROVE_NH_IPV4 }, 2);
	CHECK(rove_aead_seal(ROVE_ENCR_AES_GCM_16, c.enc_key_out, c.enc_key_len, iv, aad, 8, inner,
			     100, want, tag, &err) == 0);
	CHECK_MEM(buf + off + 16, want, 100);
	CHECK_MEM(buf + off + 116, tag, 16);
	/* IPv6 gets next header 41, and padding 1, 2, ... to 4 bytes */
	make_ip(buf + HEAD, 61, true, 9);
	n = rove_esp_encap(out, buf, HEAD, 61, sizeof(buf), &off);
	CHECK(n == 8 + 8 + 64 + 16);
	CHECK(rove_get_be32(buf + off + 4) == 2);
	rove_esp_sa_free(out);
	/* CBC: the IV differs per packet and is not the sequence number */
	make_child(&c, ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA2_256_128, false);
	out = rove_esp_sa_new(&c, true, &err);
	CHECK(out != NULL && rove_esp_headroom(out) == 24);
	make_ip(buf + HEAD, 100, false, 1);
	n = rove_esp_encap(out, buf, HEAD, 100, sizeof(buf), &off);
	CHECK(n == 8 + 16 + 112 + 16);
	memcpy(iv, buf + off + 8, 8);
	make_ip(buf + HEAD, 100, false, 1);
	n = rove_esp_encap(out, buf, HEAD, 100, sizeof(buf), &off);
	CHECK(memcmp(iv, buf + off + 8, 8) != 0);
	rove_esp_sa_free(out);
}

struct suite {
	uint16_t encr, bits, integ;
};

static const struct suite suites[] = {
	{ ROVE_ENCR_AES_GCM_16, 128, 0 }, { ROVE_ENCR_AES_GCM_16, 192, 0 },
	{ ROVE_ENCR_AES_GCM_16, 256, 0 }, { ROVE_ENCR_AES_GCM_12, 256, 0 },
	{ ROVE_ENCR_AES_GCM_8, 128, 0 },  { ROVE_ENCR_CHACHA20_POLY1305, 256, 0 },
	{ ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA1_96 },
	{ ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA2_256_128 },
	{ ROVE_ENCR_AES_CBC, 192, ROVE_INTEG_HMAC_SHA2_384_192 },
	{ ROVE_ENCR_AES_CBC, 256, ROVE_INTEG_HMAC_SHA2_512_256 },
	{ ROVE_ENCR_AES_CBC, 256, ROVE_INTEG_HMAC_SHA2_256_128 },
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static void pair(const struct suite *s, bool esn, struct rove_esp_sa **out,
		 struct rove_esp_sa **in)
{
	struct rove_child_sa c;
	struct rove_err err;

	make_child(&c, s->encr, s->bits, s->integ, esn);
	*out = rove_esp_sa_new(&c, true, &err);
	*in = rove_esp_sa_new(&c, false, &err);
	CHECK(*out && *in);
}

static void test_round_trips(void)
{
	static const size_t sizes[] = { 20, 21, 22, 23, 40, 41, 60, 99, 576, 1280, 1400, 1500, 9000 };

	for (size_t si = 0; si < NSUITES; si++) {
		for (int esn = 0; esn < 2; esn++) {
			struct rove_esp_sa *out, *in;
			uint64_t bytes = 0, pkts = 0;
			int before = check_failures;

			pair(&suites[si], esn, &out, &in);
			if (!out || !in)
				continue;
			for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
				for (int v6 = 0; v6 < 2; v6++) {
					static uint8_t buf[16384], orig[16384];
					size_t len = sizes[k] < 40 && v6 ? 40 : sizes[k], off, ioff;
					enum rove_esp_drop why;
					uint8_t nh;
					ssize_t n, r;

					make_ip(orig, len, v6, (uint8_t)k);
					memcpy(buf + HEAD, orig, len);
					n = rove_esp_encap(out, buf, HEAD, len, HEAD + len + rove_esp_tailroom(out), &off);
					CHECK(n > 0);
					if (n <= 0)
						continue;
					CHECK((size_t)n - rove_esp_headroom(out) - rove_integ_icv_len(suites[si].integ) -
					      (suites[si].integ ? 0 : rove_encr_icv_len(suites[si].encr)) >= len + 2);
					r = rove_esp_decap(in, buf + off, (size_t)n, &ioff, &nh, &why);
					CHECK(r == (ssize_t)len);
					CHECK(nh == (v6 ? ROVE_NH_IPV6 : ROVE_NH_IPV4));
					CHECK(r > 0 && memcmp(buf + off + ioff, orig, len) == 0);
					bytes += len;
					pkts++;
				}
			}
			CHECK(rove_esp_stats(out)->packets == pkts && rove_esp_stats(out)->bytes == bytes);
			CHECK(rove_esp_stats(in)->packets == pkts && rove_esp_stats(in)->bytes == bytes);
			rove_esp_sa_free(out);
			rove_esp_sa_free(in);
			if (check_failures != before)
				fprintf(stderr, "  in suite %zu esn %d\n", si, esn);
		}
	}
}

/* Every single-byte change is refused, and refusals do not move the
 * window: the genuine packet still goes through afterwards. */
static void test_tamper(void)
{
	for (size_t si = 0; si < NSUITES; si++) {
		struct rove_esp_sa *out, *in;
		uint8_t buf[512], esp[512], nh;
		size_t off, ioff;
		enum rove_esp_drop why;
		ssize_t n;
		int wrong = 0;

		pair(&suites[si], si % 2, &out, &in);
		if (!out || !in)
			continue;
		make_ip(buf + HEAD, 77, false, 5);
		n = rove_esp_encap(out, buf, HEAD, 77, sizeof(buf), &off);
		CHECK(n > 0);
		memcpy(esp, buf + off, (size_t)n);
		for (size_t i = 0; i < (size_t)n; i++) {
			for (int bit = 0; bit < 8; bit += 3) {
				enum rove_esp_drop want;

				memcpy(buf, esp, (size_t)n);
				buf[i] ^= (uint8_t)(1 << bit);
				if (i < 4)
					want = ROVE_ESP_DROP_SPI;
				else if (i == 7 && bit == 0) /* seq 1 becomes 0 */
					want = ROVE_ESP_DROP_REPLAY;
				else
					want = ROVE_ESP_DROP_AUTH;
				if (rove_esp_decap(in, buf, (size_t)n, &ioff, &nh, &why) != -1 || why != want)
					wrong++;
			}
		}
		CHECK(wrong == 0);
		/* truncated or extended by a byte */
		memcpy(buf, esp, (size_t)n);
		CHECK(rove_esp_decap(in, buf, (size_t)n - 1, &ioff, &nh, &why) == -1);
		CHECK(rove_esp_decap(in, buf, (size_t)n + 1, &ioff, &nh, &why) == -1);
		CHECK(rove_esp_stats(in)->packets == 0);
		CHECK(rove_esp_stats(in)->drop_auth > 0);
		memcpy(buf, esp, (size_t)n);
		CHECK(rove_esp_decap(in, buf, (size_t)n, &ioff, &nh, &why) == 77);
		memcpy(buf, esp, (size_t)n);
		CHECK(rove_esp_decap(in, buf, (size_t)n, &ioff, &nh, &why) == -1 &&
		      why == ROVE_ESP_DROP_REPLAY);
		CHECK(rove_esp_stats(in)->drop_replay >= 1);
		rove_esp_sa_free(out);
		rove_esp_sa_free(in);
	}
}

/* Builds an AES-GCM ESP packet with an arbitrary (authentic) trailer, as
 * a peer with the key could send. */
static size_t forge_gcm(const struct rove_child_sa *c, uint32_t seq, const uint8_t *plain,
			size_t plen, uint8_t *pkt)
{
	uint8_t aad[8], iv[8] = { 0 };
	struct rove_err err;

	rove_put_be32(aad, SPI);
	rove_put_be32(aad + 4, seq);
	rove_put_be32(iv + 4, seq);
	memcpy(pkt, aad, 8);
	memcpy(pkt + 8, iv, 8);
	CHECK(rove_aead_seal(c->encr, c->enc_key_in, c->enc_key_len, iv, aad, 8, plain, plen,
			     pkt + 16, pkt + 16 + plen, &err) == 0);
	return 16 + plen + 16;
}

/* The same with AES-CBC and HMAC-SHA2-256-128. */
static size_t forge_cbc(const struct rove_child_sa *c, uint32_t seq, const uint8_t *plain,
			size_t plen, uint8_t *pkt)
{
	struct rove_err err;

	rove_put_be32(pkt, SPI);
	rove_put_be32(pkt + 4, seq);
	memset(pkt + 8, 0xa5, 16);
	CHECK(rove_cbc_crypt(c->encr, c->enc_key_in, c->enc_key_len, pkt + 8, plain, plen,
			     pkt + 24, true, &err) == 0);
	CHECK(rove_integ(c->integ, c->integ_key_in, c->integ_key_len, pkt, 24 + plen,
			 pkt + 24 + plen, &err) == 0);
	return 24 + plen + 16;
}

static void test_padding(void)
{
	struct rove_child_sa g, b;
	struct rove_esp_sa *gin, *bin;
	struct rove_err err;
	uint8_t plain[64], pkt[256], nh;
	enum rove_esp_drop why;
	size_t n, ioff;
	uint32_t seq = 1;

	make_child(&g, ROVE_ENCR_AES_GCM_16, 128, 0, false);
	make_child(&b, ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA2_256_128, false);
	gin = rove_esp_sa_new(&g, false, &err);
	bin = rove_esp_sa_new(&b, false, &err);
	CHECK(gin && bin);

	/* GCM, 24 bytes: 20-byte inner, padding 1 2, pad length 2, nh 4 */
	make_ip(plain, 20, false, 0);
	memcpy(plain + 20, (uint8_t[]){ 1, 2, 2, 4 }, 4);
	n = forge_gcm(&g, seq++, plain, 24, pkt);
	CHECK(rove_esp_decap(gin, pkt, n, &ioff, &nh, &why) == 20 && nh == 4);
	plain[21] = 3; /* padding 1 3 */
	n = forge_gcm(&g, seq++, plain, 24, pkt);
	CHECK(rove_esp_decap(gin, pkt, n, &ioff, &nh, &why) == -1 && why == ROVE_ESP_DROP_PAD);
	plain[20] = 0; plain[21] = 2; /* padding 0 2 */
	n = forge_gcm(&g, seq++, plain, 24, pkt);
	CHECK(rove_esp_decap(gin, pkt, n, &ioff, &nh, &why) == -1 && why == ROVE_ESP_DROP_PAD);
	plain[22] = 23; /* pad length beyond the payload */
	n = forge_gcm(&g, seq++, plain, 24, pkt);
	CHECK(rove_esp_decap(gin, pkt, n, &ioff, &nh, &why) == -1 && why == ROVE_ESP_DROP_PAD);
	plain[22] = 22; /* the whole payload is padding: 1..22 */
	for (int i = 0; i < 22; i++)
		plain[i] = (uint8_t)(i + 1);
	plain[23] = ROVE_NH_NONE;
	n = forge_gcm(&g, seq++, plain, 24, pkt);
	CHECK(rove_esp_decap(gin, pkt, n, &ioff, &nh, &why) == 0 && nh == ROVE_NH_NONE);
	CHECK(rove_esp_stats(gin)->drop_pad == 3);
	/* the window moved for the authentic-but-badly-padded packets too */
	n = forge_gcm(&g, 2, plain, 24, pkt);
	CHECK(rove_esp_decap(gin, pkt, n, &ioff, &nh, &why) == -1 && why == ROVE_ESP_DROP_REPLAY);

	/* CBC, 32 bytes: 20-byte inner, padding 1..10, pad length 10, nh 4 */
	make_ip(plain, 20, false, 0);
	for (int i = 0; i < 10; i++)
		plain[20 + i] = (uint8_t)(i + 1);
	plain[30] = 10;
	plain[31] = 4;
	seq = 1;
	n = forge_cbc(&b, seq++, plain, 32, pkt);
	CHECK(rove_esp_decap(bin, pkt, n, &ioff, &nh, &why) == 20 && ioff == 24);
	plain[29] = 11;
	n = forge_cbc(&b, seq++, plain, 32, pkt);
	CHECK(rove_esp_decap(bin, pkt, n, &ioff, &nh, &why) == -1 && why == ROVE_ESP_DROP_PAD);
	/* ciphertext not a whole number of blocks */
	n = forge_cbc(&b, seq++, plain, 32, pkt);
	CHECK(rove_esp_decap(bin, pkt, n - 4, &ioff, &nh, &why) == -1 &&
	      why == ROVE_ESP_DROP_MALFORMED);
	rove_esp_sa_free(gin);
	rove_esp_sa_free(bin);
}

static void test_malformed(void)
{
	struct rove_esp_sa *out, *in;
	uint8_t buf[128] = { 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 1 }, nh;
	enum rove_esp_drop why;
	size_t ioff, off;
	int ok = 0;

	pair(&suites[0], false, &out, &in);
	/* up to the minimum (header, IV, 4-byte trailer block, ICV) */
	for (size_t n = 0; n < 8 + 8 + 4 + 16; n++)
		ok += rove_esp_decap(in, buf, n, &ioff, &nh, &why) == -1 &&
		      why == ROVE_ESP_DROP_MALFORMED;
	CHECK(ok == 8 + 8 + 4 + 16);
	CHECK(rove_esp_stats(in)->drop_malformed == 8 + 8 + 4 + 16);
	/* AEAD payload not a multiple of 4 */
	CHECK(rove_esp_decap(in, buf, 8 + 8 + 6 + 16, &ioff, &nh, &why) == -1 &&
	      why == ROVE_ESP_DROP_MALFORMED);
	/* encap refuses what is not IP, and what does not fit */
	memset(buf, 0, sizeof(buf));
	CHECK(rove_esp_encap(out, buf, 32, 20, sizeof(buf), &off) == -1);
	make_ip(buf + 32, 40, false, 0);
	CHECK(rove_esp_encap(out, buf, 8, 40, sizeof(buf), &off) == -1);   /* headroom */
	CHECK(rove_esp_encap(out, buf, 32, 40, 32 + 40 + 5, &off) == -1); /* tailroom */
	CHECK(rove_esp_encap(in, buf, 32, 40, sizeof(buf), &off) == -1);  /* inbound SA */
	CHECK(rove_esp_encap(out, buf, 32, 40, sizeof(buf), &off) > 0);
	rove_esp_sa_free(out);
	rove_esp_sa_free(in);
}

static void test_sequence_space(void)
{
	uint8_t buf[512], nh;
	size_t off, ioff;
	enum rove_esp_drop why;

	for (size_t si = 0; si < NSUITES; si += 3) {
		struct rove_esp_sa *out, *in, *out32, *in32;

		/* 32-bit: the last number is used once, then it stops */
		pair(&suites[si], false, &out32, &in32);
		rove_esp_sa_set_seq(out32, UINT32_MAX);
		make_ip(buf + HEAD, 60, false, 0);
		CHECK(rove_esp_encap(out32, buf, HEAD, 60, sizeof(buf), &off) > 0);
		CHECK(rove_get_be32(buf + off + 4) == UINT32_MAX);
		make_ip(buf + HEAD, 60, false, 0);
		CHECK(rove_esp_encap(out32, buf, HEAD, 60, sizeof(buf), &off) == -1);

		/* ESN across 2^32: the high half is authenticated */
		pair(&suites[si], true, &out, &in);
		rove_esp_sa_set_seq(out, 0xfffffffeull);
		rove_esp_sa_set_seq(in, 0xfffffffeull);
		for (int i = 0; i < 3; i++) {
			ssize_t n;

			make_ip(buf + HEAD, 60, false, (uint8_t)i);
			n = rove_esp_encap(out, buf, HEAD, 60, sizeof(buf), &off);
			CHECK(n > 0);
			CHECK(rove_get_be32(buf + off + 4) == (uint32_t)(0xfffffffeull + (uint64_t)i));
			if (i == 2) {
				/* an SA that infers a high half of 0 rejects it */
				uint8_t copy[512];
				struct rove_esp_sa *o2, *i2;

				pair(&suites[si], true, &o2, &i2);
				rove_esp_sa_set_seq(i2, 0x200000000ull + 5001); /* infers 3 */
				memcpy(copy, buf + off, (size_t)n);
				CHECK(rove_esp_decap(i2, copy, (size_t)n, &ioff, &nh, &why) == -1 &&
				      why == ROVE_ESP_DROP_AUTH);
				rove_esp_sa_free(o2);
				rove_esp_sa_free(i2);
			}
			CHECK(rove_esp_decap(in, buf + off, (size_t)n, &ioff, &nh, &why) == 60);
		}
		rove_esp_sa_set_seq(out, UINT64_MAX);
		make_ip(buf + HEAD, 60, false, 0);
		CHECK(rove_esp_encap(out, buf, HEAD, 60, sizeof(buf), &off) > 0);
		make_ip(buf + HEAD, 60, false, 0);
		CHECK(rove_esp_encap(out, buf, HEAD, 60, sizeof(buf), &off) == -1);
		rove_esp_sa_free(out);
		rove_esp_sa_free(in);
		rove_esp_sa_free(out32);
		rove_esp_sa_free(in32);
	}
}

/* The computed inner MTU is exactly the largest packet whose ESP-in-UDP
 * datagram fits the path MTU. */
static void test_mtu(void)
{
	static const size_t mtus[] = { 576, 1280, 1400, 1492, 1500, 9000 };
	struct rove_esp_sa *out, *in;
	static uint8_t buf[10000];
	int wrong = 0;

	pair(&suites[2], false, &out, &in); /* AES-256-GCM-16 */
	CHECK(rove_esp_inner_mtu(out, 1500, AF_INET, true) == 1438);
	CHECK(rove_esp_inner_mtu(out, 1500, AF_INET6, true) == 1418);
	CHECK(rove_esp_inner_mtu(out, 1500, AF_INET, false) == 1446);
	CHECK(rove_esp_inner_mtu(out, 40, AF_INET, true) == 0);
	rove_esp_sa_free(out);
	rove_esp_sa_free(in);
	pair(&suites[7], false, &out, &in); /* AES-128-CBC, HMAC-SHA2-256-128 */
	CHECK(rove_esp_inner_mtu(out, 1500, AF_INET, true) == 1422);
	rove_esp_sa_free(out);
	rove_esp_sa_free(in);

	for (size_t si = 0; si < NSUITES; si++) {
		pair(&suites[si], false, &out, &in);
		for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
			for (int fam = 0; fam < 2; fam++) {
				int af = fam ? AF_INET6 : AF_INET;
				size_t outer = (fam ? 40 : 20) + 8;
				size_t mtu = rove_esp_inner_mtu(out, mtus[m], af, true);

				for (size_t len = mtu - 20; len <= mtu + 20; len++) {
					size_t off;
					ssize_t n;

					make_ip(buf + HEAD, len, false, 0);
					n = rove_esp_encap(out, buf, HEAD, len, sizeof(buf), &off);
					if (n <= 0 || ((size_t)n + outer <= mtus[m]) != (len <= mtu))
						wrong++;
				}
			}
		}
		rove_esp_sa_free(out);
		rove_esp_sa_free(in);
	}
	CHECK(wrong == 0);
}

static void test_unsupported(void)
{
	struct rove_child_sa c;
	struct rove_err err;

	make_child(&c, ROVE_ENCR_3DES, 0, ROVE_INTEG_HMAC_SHA1_96, false);
	CHECK(rove_esp_sa_new(&c, true, &err) == NULL && err.code == ROVE_E_UNSUPPORTED);
	make_child(&c, ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_MD5_96, false);
	CHECK(rove_esp_sa_new(&c, true, &err) == NULL && err.code == ROVE_E_UNSUPPORTED);
	make_child(&c, ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_NONE, false);
	CHECK(rove_esp_sa_new(&c, true, &err) == NULL);
	make_child(&c, ROVE_ENCR_AES_GCM_16, 128, 0, false);
	c.enc_key_len = 16; /* salt missing */
	CHECK(rove_esp_sa_new(&c, false, &err) == NULL && err.code == ROVE_E_INVAL);
	make_child(&c, ROVE_ENCR_AES_GCM_16, 128, ROVE_INTEG_HMAC_SHA2_256_128, false);
	CHECK(rove_esp_sa_new(&c, false, &err) == NULL && err.code == ROVE_E_INVAL);
}

int main(void)
{
	RUN(test_known_answers);
	RUN(test_encap_layout);
	RUN(test_round_trips);
	RUN(test_tamper);
	RUN(test_padding);
	RUN(test_malformed);
	RUN(test_sequence_space);
	RUN(test_mtu);
	RUN(test_unsupported);
	return check_summary();
}
