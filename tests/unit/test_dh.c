/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diffie-Hellman: published vectors (RFC 7748, RFC 5903), MODP agreement
 * and the rejection of invalid peer values. */
#include "check.h"
#include "dh.h"
#include "ikev2.h"

#include <stdbool.h>

#include <openssl/bn.h>

/* A "generator" that hands out fixed bytes, so a key pair can be made
 * from a published private key; it fails once the bytes run out. */
struct fixed_rng {
	struct rove_rng rng;
	uint8_t data[256];
	size_t len, off;
};

static int fixed_fill(void *arg, uint8_t *out, size_t len)
{
	struct fixed_rng *f = arg;

	if (len > f->len - f->off)
		return -1;
	memcpy(out, f->data + f->off, len);
	f->off += len;
	return 0;
}

static void fixed_init(struct fixed_rng *f, const char *hex)
{
	memset(f, 0, sizeof(*f));
	f->rng.fill = fixed_fill;
	f->rng.arg = f;
	f->len = check_hex(hex, f->data, sizeof(f->data));
}

static struct rove_dh *dh_from(uint16_t group, const char *priv_hex)
{
	struct fixed_rng r;
	struct rove_err err;
	struct rove_dh *dh;

	fixed_init(&r, priv_hex);
	dh = rove_dh_new(group, &r.rng, &err);
	if (!dh)
		fprintf(stderr, "rove_dh_new(%u): %s\n", group, err.msg);
	CHECK(dh != NULL);
	return dh;
}

static void check_public(const struct rove_dh *dh, const char *want_hex)
{
	uint8_t want[512];
	size_t n = check_hex(want_hex, want, sizeof(want)), len = 0;
	const uint8_t *pub = rove_dh_public(dh, &len);

	CHECK(len == n);
	CHECK(len == n && memcmp(pub, want, n) == 0);
}

static void check_shared(struct rove_dh *dh, const char *peer_hex, const char *want_hex)
{
	uint8_t peer[512], want[512], out[ROVE_DH_MAX];
	size_t plen = check_hex(peer_hex, peer, sizeof(peer));
	size_t n = check_hex(want_hex, want, sizeof(want)), len = 0;
	struct rove_err err;

	CHECK(rove_dh_shared(dh, peer, plen, out, &len, &err) == 0);
	CHECK(len == n);
	CHECK(len == n && memcmp(out, want, n) == 0);
}

static bool refuses(struct rove_dh *dh, const uint8_t *peer, size_t plen)
{
	uint8_t out[ROVE_DH_MAX];
	size_t len = 99;
	struct rove_err err;

	err.code = ROVE_E_OK;
	if (rove_dh_shared(dh, peer, plen, out, &len, &err) == 0)
		return false;
	return len == 0 && err.code != ROVE_E_OK && err.msg[0] != '\0';
}

/* RFC 7748 section 6.1 */
#define X25519_A "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define X25519_A_PUB "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define X25519_B "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define X25519_B_PUB "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define X25519_K "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

static void test_x25519_rfc7748(void)
{
	struct rove_dh *a = dh_from(ROVE_DH_CURVE25519, X25519_A);
	struct rove_dh *b = dh_from(ROVE_DH_CURVE25519, X25519_B);

	if (!a || !b)
		goto out;
	CHECK(rove_dh_group(a) == ROVE_DH_CURVE25519);
	check_public(a, X25519_A_PUB);
	check_public(b, X25519_B_PUB);
	check_shared(a, X25519_B_PUB, X25519_K);
	check_shared(b, X25519_A_PUB, X25519_K);
out:
	rove_dh_free(a);
	rove_dh_free(b);
}

static void test_x25519_invalid(void)
{
	struct rove_dh *a = dh_from(ROVE_DH_CURVE25519, X25519_A);
	uint8_t peer[33] = { 0 };

	if (!a)
		return;
	/* u = 0 and u = 1 are small-order points: the result is all zero. */
	CHECK(refuses(a, peer, 32));
	peer[0] = 1;
	CHECK(refuses(a, peer, 32));
	check_hex(X25519_B_PUB, peer, sizeof(peer));
	CHECK(refuses(a, peer, 31));
	CHECK(refuses(a, peer, 33));
	rove_dh_free(a);
}

struct ecp_vec {
	uint16_t group;
	const char *i, *gix, *giy, *r, *grx, *gry, *girx;
};

/* RFC 5903 section 8.1, 8.2 and 8.3. */
static const struct ecp_vec ecp_vecs[] = {
	{ ROVE_DH_ECP256,
	  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE" },
	{ ROVE_DH_ECP384,
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	  "E35B538041E649EE3FAEF896783AB194",
	  "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	  "DE3AC808ACB4BDB4C88732AEE95F41AA",
	  "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
	  "EB9FCFF3C2C947DAE69B4C634573A81C",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	  "E0308312916B8ED2960E4BD55A7448FC",
	  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	  "0D1AC43A0336DEF96FDA41D0774A3571",
	  "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
	  "F83FA40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	  "D603135569B9E9D09CF5D4A270F59746" },
	{ ROVE_DH_ECP521,
	  "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0"
	  "95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D"
	  "4A52",
	  "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBE"
	  "E1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176C"
	  "ED3E",
	  "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10A"
	  "D8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F"
	  "9582",
	  "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E"
	  "9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB15168"
	  "5EB9",
	  "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A21"
	  "9B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9"
	  "460F",
	  "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87"
	  "220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0F"
	  "C56A",
	  "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04"
	  "D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3"
	  "DDEA" },
};

static void cat(char *dst, size_t cap, const char *a, const char *b)
{
	snprintf(dst, cap, "%s%s", a, b);
}

static void test_ecp_rfc5903(void)
{
	char gi[300], gr[300];

	for (size_t k = 0; k < sizeof(ecp_vecs) / sizeof(ecp_vecs[0]); k++) {
		const struct ecp_vec *v = &ecp_vecs[k];
		struct rove_dh *i = dh_from(v->group, v->i), *r = dh_from(v->group, v->r);

		cat(gi, sizeof(gi), v->gix, v->giy);
		cat(gr, sizeof(gr), v->grx, v->gry);
		if (i && r) {
			check_public(i, gi);
			check_public(r, gr);
			/* Both sides get the x coordinate of g^ir. */
			check_shared(i, gr, v->girx);
			check_shared(r, gi, v->girx);
		}
		rove_dh_free(i);
		rove_dh_free(r);
	}
}

/* A draw that is not a valid scalar (>= order, or 0) is thrown away and
 * the next one used. */
static void test_ecp_redraw(void)
{
	const struct ecp_vec *v = &ecp_vecs[0];
	char hex[400], gi[300];
	struct rove_dh *dh;

	cat(gi, sizeof(gi), v->gix, v->giy);
	snprintf(hex, sizeof(hex), "%s%s%s",
		 "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		 "0000000000000000000000000000000000000000000000000000000000000000", v->i);
	dh = dh_from(v->group, hex);
	if (dh)
		check_public(dh, gi);
	rove_dh_free(dh);
}

static void test_ecp_invalid(void)
{
	/* The P-256 field prime, a coordinate value that is out of range. */
	static const char p256[] =
		"FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";
	const struct ecp_vec *v = &ecp_vecs[0];
	struct rove_dh *dh = dh_from(ROVE_DH_ECP256, v->i);
	uint8_t peer[65];
	char hex[300];

	if (!dh)
		return;
	cat(hex, sizeof(hex), v->grx, v->gry);
	check_hex(hex, peer, sizeof(peer));
	CHECK(refuses(dh, peer, 63));
	CHECK(refuses(dh, peer, 65));
	/* Off the curve: one bit of y flipped. */
	peer[63] ^= 0x01;
	CHECK(refuses(dh, peer, 64));
	peer[63] ^= 0x01;
	/* x = p is not a field element. */
	check_hex(p256, peer, sizeof(peer));
	CHECK(refuses(dh, peer, 64));
	/* All zeros (what some encode the point at infinity as). */
	memset(peer, 0, sizeof(peer));
	CHECK(refuses(dh, peer, 64));
	/* The valid point still works afterwards. */
	check_shared(dh, hex, v->girx);
	rove_dh_free(dh);
}

/* RFC 3526 section 3, the 2048-bit MODP group (generator 2). */
static const char modp2048_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

/* The public value is 2^x mod p for the exponent the generator gave. */
static void check_modp_public(const struct rove_dh *dh, const uint8_t *x, size_t xlen)
{
	uint8_t p[256], want[256];
	BIGNUM *bp = NULL, *bx = NULL, *bg = NULL, *by = NULL;
	BN_CTX *bnc = BN_CTX_new();
	size_t len = 0;
	const uint8_t *pub = rove_dh_public(dh, &len);

	check_hex(modp2048_p, p, sizeof(p));
	bp = BN_bin2bn(p, 256, NULL);
	bx = BN_bin2bn(x, (int)xlen, NULL);
	bg = BN_new();
	by = BN_new();
	CHECK(bnc && bp && bx && bg && by && BN_set_word(bg, 2));
	CHECK(BN_mod_exp(by, bg, bx, bp, bnc) == 1);
	CHECK(BN_bn2binpad(by, want, 256) == 256);
	CHECK(len == 256);
	CHECK(len == 256 && memcmp(pub, want, 256) == 0);
	BN_free(bp);
	BN_free(bx);
	BN_free(bg);
	BN_free(by);
	BN_CTX_free(bnc);
}

static void test_modp2048(void)
{
	struct rove_rng_det ra, rb;
	uint8_t xa[32], sa[ROVE_DH_MAX], sb[ROVE_DH_MAX], peer[257];
	const uint8_t *pa, *pb;
	size_t la, lb, na = 0, nb = 0;
	struct rove_dh *a, *b;
	struct rove_err err;

	/* Learn the exponent a will draw from an identical generator. */
	rove_rng_det_init(&ra, "alice", 5);
	CHECK(rove_rng_fill(&ra.rng, xa, sizeof(xa)) == 0);
	rove_rng_det_init(&ra, "alice", 5);
	rove_rng_det_init(&rb, "bob", 3);
	a = rove_dh_new(ROVE_DH_MODP2048, &ra.rng, &err);
	b = rove_dh_new(ROVE_DH_MODP2048, &rb.rng, &err);
	CHECK(a && b);
	if (!a || !b)
		goto out;
	check_modp_public(a, xa, sizeof(xa));
	pa = rove_dh_public(a, &la);
	pb = rove_dh_public(b, &lb);
	CHECK(la == 256 && lb == 256);
	CHECK(rove_dh_shared(a, pb, lb, sa, &na, &err) == 0);
	CHECK(rove_dh_shared(b, pa, la, sb, &nb, &err) == 0);
	CHECK(na == 256 && nb == 256);
	CHECK_MEM(sa, sb, 256);

	/* 0, 1, p-1, p and a wrong length are refused. */
	memset(peer, 0, sizeof(peer));
	CHECK(refuses(a, peer, 256));
	peer[255] = 1;
	CHECK(refuses(a, peer, 256));
	check_hex(modp2048_p, peer, sizeof(peer));
	CHECK(refuses(a, peer, 256));
	peer[255] -= 1;
	CHECK(refuses(a, peer, 256));
	CHECK(refuses(a, pb, 255));
	/* 2 (the generator) is a valid element. */
	memset(peer, 0, sizeof(peer));
	peer[255] = 2;
	CHECK(rove_dh_shared(a, peer, 256, sa, &na, &err) == 0);
out:
	rove_dh_free(a);
	rove_dh_free(b);
}

/* The other groups: the two sides agree, values have the right sizes. */
static void check_agree(uint16_t group, size_t publen, size_t seclen)
{
	struct rove_rng_det ra, rb;
	uint8_t sa[ROVE_DH_MAX], sb[ROVE_DH_MAX];
	const uint8_t *pa, *pb;
	size_t la = 0, lb = 0, na = 0, nb = 0;
	struct rove_dh *a, *b;
	struct rove_err err;

	rove_rng_det_init(&ra, "initiator", 9);
	rove_rng_det_init(&rb, "responder", 9);
	a = rove_dh_new(group, &ra.rng, &err);
	b = rove_dh_new(group, &rb.rng, &err);
	CHECK(a && b);
	if (a && b) {
		CHECK(rove_dh_group(a) == group);
		pa = rove_dh_public(a, &la);
		pb = rove_dh_public(b, &lb);
		CHECK(la == publen && lb == publen);
		CHECK(memcmp(pa, pb, la) != 0);
		CHECK(rove_dh_shared(a, pb, lb, sa, &na, &err) == 0);
		CHECK(rove_dh_shared(b, pa, la, sb, &nb, &err) == 0);
		CHECK(na == seclen && nb == seclen);
		CHECK(na == nb && memcmp(sa, sb, na) == 0);
	}
	rove_dh_free(a);
	rove_dh_free(b);
}

static void test_other_groups(void)
{
	check_agree(ROVE_DH_MODP3072, 384, 384);
	check_agree(ROVE_DH_MODP4096, 512, 512);
	check_agree(ROVE_DH_ECP384, 96, 48);
	check_agree(ROVE_DH_ECP521, 132, 66);
	check_agree(ROVE_DH_CURVE25519, 32, 32);
	check_agree(ROVE_DH_CURVE448, 56, 56);
}

static void test_unsupported(void)
{
	struct rove_rng_det r;
	struct rove_err err;
	struct fixed_rng empty;

	rove_rng_det_init(&r, "x", 1);
	CHECK(rove_dh_new(ROVE_DH_MODP1024, &r.rng, &err) == NULL);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	CHECK(rove_dh_new(ROVE_DH_NONE, &r.rng, &err) == NULL);
	/* A failing generator is an error, not a weak key. */
	fixed_init(&empty, "");
	CHECK(rove_dh_new(ROVE_DH_CURVE25519, &empty.rng, &err) == NULL);
	CHECK(err.code == ROVE_E_CRYPTO);
	fixed_init(&empty, "");
	CHECK(rove_dh_new(ROVE_DH_ECP256, &empty.rng, &err) == NULL);
	fixed_init(&empty, "");
	CHECK(rove_dh_new(ROVE_DH_MODP2048, &empty.rng, &err) == NULL);
	rove_dh_free(NULL);
}

int main(void)
{
	RUN(test_x25519_rfc7748);
	RUN(test_x25519_invalid);
	RUN(test_ecp_rfc5903);
	RUN(test_ecp_redraw);
	RUN(test_ecp_invalid);
	RUN(test_modp2048);
	RUN(test_other_groups);
	RUN(test_unsupported);
	return check_summary();
}
