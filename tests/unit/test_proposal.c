/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check.h"
#include "ikev2.h"
#include "payload.h"
#include "proposal.h"

static struct rove_proposals ps;
static struct rove_err err;

static int parse(const char *s, bool esp)
{
	memset(&err, 0, sizeof(err));
	return rove_proposals_parse(s, esp, &ps, &err);
}

static bool err_has(const char *needle)
{
	if (strstr(err.msg, needle))
		return true;
	fprintf(stderr, "  message was: %s\n", err.msg);
	return false;
}

static void test_parse_single(void)
{
	CHECK(parse("aes256gcm16-prfsha384-x25519!", false) == 0);
	CHECK(ps.n == 1 && !ps.esp);
	CHECK(ps.p[0].nencr == 1 && ps.p[0].encr[0].id == ROVE_ENCR_AES_GCM_16 &&
	      ps.p[0].encr[0].bits == 256);
	CHECK(ps.p[0].ninteg == 0);
	CHECK(ps.p[0].nprf == 1 && ps.p[0].prf[0] == ROVE_PRF_HMAC_SHA2_384);
	CHECK(ps.p[0].ndh == 1 && ps.p[0].dh[0] == ROVE_DH_CURVE25519);
	CHECK(ps.p[0].nesn == 0);

	/* sha256 in IKE is integrity and, with no prf given, the PRF too. */
	CHECK(parse("aes256-sha256-modp2048!", false) == 0);
	CHECK(ps.n == 1 && ps.p[0].encr[0].id == ROVE_ENCR_AES_CBC && ps.p[0].encr[0].bits == 256);
	CHECK(ps.p[0].ninteg == 1 && ps.p[0].integ[0] == ROVE_INTEG_HMAC_SHA2_256_128);
	CHECK(ps.p[0].nprf == 1 && ps.p[0].prf[0] == ROVE_PRF_HMAC_SHA2_256);
	CHECK(ps.p[0].ndh == 1 && ps.p[0].dh[0] == ROVE_DH_MODP2048);

	/* An explicit prf replaces the implied ones. */
	CHECK(parse("aes128-sha256-sha1-prfsha512-ecp256!", false) == 0);
	CHECK(ps.p[0].ninteg == 2 && ps.p[0].integ[1] == ROVE_INTEG_HMAC_SHA1_96);
	CHECK(ps.p[0].nprf == 1 && ps.p[0].prf[0] == ROVE_PRF_HMAC_SHA2_512);

	/* sha1 is allowed in IKE when written, and implies prfsha1. */
	CHECK(parse("aes128-sha1-modp2048!", false) == 0);
	CHECK(ps.p[0].integ[0] == ROVE_INTEG_HMAC_SHA1_96 && ps.p[0].prf[0] == ROVE_PRF_HMAC_SHA1);
}

static void test_parse_lists(void)
{
	CHECK(parse("aes256gcm16-prfsha384-x25519-ecp256,aes256-sha256-modp2048!", false) == 0);
	CHECK(ps.n == 2);
	CHECK(ps.p[0].ndh == 2 && ps.p[0].dh[1] == ROVE_DH_ECP256);
	CHECK(ps.p[1].encr[0].id == ROVE_ENCR_AES_CBC);

	/* Spaces around proposals and words, and repeated words, are harmless. */
	CHECK(parse(" aes256gcm16 - prfsha384-x25519-x25519 , aes128-sha256-modp3072 ! ", false) == 0);
	CHECK(ps.n == 2 && ps.p[0].ndh == 1 && ps.p[1].dh[0] == ROVE_DH_MODP3072);

	/* Several encryption algorithms are alternatives within a proposal. */
	CHECK(parse("aes256gcm16-aes128gcm16-aes256gcm12-aes128gcm8-prfsha256-x25519!", false) == 0);
	CHECK(ps.p[0].nencr == 4 && ps.p[0].encr[2].id == ROVE_ENCR_AES_GCM_12 &&
	      ps.p[0].encr[3].id == ROVE_ENCR_AES_GCM_8 && ps.p[0].encr[3].bits == 128);

	/* Aliases and case. */
	CHECK(parse("AES256GCM-PRFSHA256-Curve25519,aes-sha2_256-modp2048!", false) == 0);
	CHECK(ps.p[0].encr[0].id == ROVE_ENCR_AES_GCM_16 && ps.p[0].encr[0].bits == 256);
	CHECK(ps.p[0].dh[0] == ROVE_DH_CURVE25519);
	CHECK(ps.p[1].encr[0].id == ROVE_ENCR_AES_CBC && ps.p[1].encr[0].bits == 128);
	CHECK(ps.p[1].integ[0] == ROVE_INTEG_HMAC_SHA2_256_128);

	CHECK(parse("aes192gcm128-aes192-sha384-prfsha384-ecp384!", false) != 0);
	CHECK(parse("aes192gcm128-prfsha384-ecp521-modp4096!", false) == 0);
	CHECK(ps.p[0].encr[0].bits == 192 && ps.p[0].dh[0] == ROVE_DH_ECP521);

	/* x448 depends on the OpenSSL build; either way the answer is clear. */
	if (parse("aes256gcm16-prfsha384-x448!", false) == 0)
		CHECK(ps.p[0].dh[0] == ROVE_DH_CURVE448);
	else
		CHECK(err_has("not supported by this OpenSSL"));
}

static void test_parse_esp(void)
{
	CHECK(parse("aes256gcm16!", true) == 0);
	CHECK(ps.esp && ps.n == 1 && ps.p[0].ninteg == 0 && ps.p[0].nprf == 0);
	CHECK(ps.p[0].nesn == 1 && ps.p[0].esn[0] == ROVE_ESN_NO); /* noesn assumed */
	CHECK(parse("aes128-sha1-esn!", true) == 0);
	CHECK(ps.p[0].integ[0] == ROVE_INTEG_HMAC_SHA1_96 && ps.p[0].nprf == 0);
	CHECK(ps.p[0].nesn == 1 && ps.p[0].esn[0] == ROVE_ESN_YES);
	CHECK(parse("aes256gcm16-esn-noesn!", true) == 0);
	CHECK(ps.p[0].nesn == 2 && ps.p[0].esn[0] == ROVE_ESN_YES && ps.p[0].esn[1] == ROVE_ESN_NO);
	/* A DH group in ESP asks for PFS; it is carried. */
	CHECK(parse("aes256gcm16-modp2048!", true) == 0);
	CHECK(ps.p[0].ndh == 1 && ps.p[0].dh[0] == ROVE_DH_MODP2048);

	CHECK(parse("aes256gcm16-prfsha256!", true) != 0 && err_has("for ike= only"));
	CHECK(parse("aes256gcm16-prfsha256-x25519-esn!", false) != 0 && err_has("for esp= only"));
	CHECK(parse("aes256-modp2048!", true) != 0 && err_has("no integrity algorithm"));
	CHECK(parse("aes256gcm16-sha256!", true) != 0 && err_has("takes no integrity algorithm"));
	CHECK(parse("sha256!", true) != 0 && err_has("no encryption algorithm"));
	CHECK(parse("3des-sha256", true) != 0);
	CHECK_STR(err.msg, "\"3des\" is weak (RFC 8221) and not supported");
}

static void test_parse_errors(void)
{
	CHECK(parse("aes257-sha256-modp2048", false) != 0);
	CHECK_STR(err.msg, "unknown algorithm \"aes257\" in \"aes257-sha256-modp2048\"");
	CHECK(err.code == ROVE_E_INVAL);
	CHECK(parse("aes256gcm16-prfsha384-x25519,aes257-sha256-modp2048", false) != 0);
	CHECK_STR(err.msg, "unknown algorithm \"aes257\" in \"aes257-sha256-modp2048\"");

	CHECK(parse("aes256-sha256!", false) != 0 && err_has("no key exchange group"));
	CHECK(parse("aes256-sha256", false) != 0 && err_has("in \"aes256-sha256\""));
	CHECK(parse("aes256gcm16-sha256-x25519", false) != 0);
	CHECK_STR(err.msg, "aes256gcm16 is an AEAD cipher and takes no integrity algorithm: "
			   "write prfsha256 instead of sha256 if you meant the PRF");
	CHECK(parse("aes256gcm16-prfsha256-sha384-x25519", false) != 0 &&
	      err_has("takes no integrity"));
	CHECK(parse("aes256gcm16-x25519", false) != 0);
	CHECK_STR(err.msg, "aes256gcm16 in ike= needs a prf, e.g. prfsha384");
	CHECK(parse("aes256-prfsha256-x25519", false) != 0 && err_has("no integrity algorithm"));
	CHECK(parse("aes256gcm16-aes256-sha256-x25519", false) != 0 && err_has("mixes"));

	CHECK(parse("aes256-sha256-modp1024", false) != 0);
	CHECK_STR(err.msg, "\"modp1024\" is weak (RFC 8247) and not supported");
	CHECK(parse("aes256-sha256-modp1536", false) != 0 && err_has("weak"));
	CHECK(parse("3des-sha256-modp2048", false) != 0 && err_has("\"3des\" is weak"));
	CHECK(parse("aes256-md5-modp2048", false) != 0 && err_has("\"md5\" is weak"));
	CHECK(parse("chacha20poly1305-prfsha256-x25519", false) != 0 &&
	      err_has("not supported by rove"));
	CHECK(parse("aes128ctr-sha256-x25519", false) != 0 && err_has("not supported by rove"));

	CHECK(parse("", false) != 0 && err_has("no proposal"));
	CHECK(parse("  ! ", false) != 0 && err_has("no proposal"));
	CHECK(parse("aes256-sha256-modp2048,,aes128-sha256-modp2048", false) != 0 &&
	      err_has("empty proposal"));
	CHECK(parse("aes256-sha256-modp2048,", false) != 0 && err_has("empty proposal"));
	CHECK(parse("aes256--sha256-modp2048", false) != 0 && err_has("empty algorithm"));
	CHECK(parse("aes256-sha256-modp2048!,aes128-sha256-modp2048", false) != 0 &&
	      err_has("very end"));
}

static void test_strict_and_limits(void)
{
	struct rove_proposals d;
	char big[1024];

	/* Without '!' the defaults follow the user's proposals. */
	rove_proposals_default(false, &d);
	CHECK(parse("aes256-sha256-modp2048", false) == 0);
	CHECK(ps.n == 1 + d.n);
	CHECK(memcmp(&ps.p[1].encr, &d.p[0].encr, sizeof(d.p[0].encr)) == 0);
	CHECK(ps.p[2].ninteg == d.p[1].ninteg && ps.p[2].ndh == d.p[1].ndh);
	CHECK(parse("aes256-sha256-modp2048!", false) == 0 && ps.n == 1);

	/* A proposal equal to a default one is not offered twice. */
	rove_proposals_str(&d, big, sizeof(big));
	CHECK(parse(big, false) == 0 && ps.n == d.n);

	/* Room for 6 of ours with the 2 IKE defaults, 8 when strict. */
	strcpy(big, "aes256-sha256-modp2048");
	for (int i = 0; i < 6; i++)
		strcat(big, ",aes128-sha256-modp2048");
	CHECK(parse(big, false) != 0 && err_has("too many proposals"));
	strcat(big, "!");
	CHECK(parse(big, false) == 0 && ps.n == 7);
	big[strlen(big) - 1] = '\0';
	strcat(big, ",aes128-sha256-modp2048,aes128-sha256-modp2048!");
	CHECK(parse(big, false) != 0 && err_has("more than 8 proposals"));
}

static void test_defaults(void)
{
	struct rove_proposals d;
	char s[1024];

	rove_proposals_default(false, &d);
	CHECK(!d.esp && d.n == 2);
	CHECK(d.p[0].nencr == 2 && d.p[0].encr[0].id == ROVE_ENCR_AES_GCM_16 &&
	      d.p[0].encr[0].bits == 256 && d.p[0].encr[1].bits == 128);
	CHECK(d.p[0].ninteg == 0 && d.p[0].nprf == 3 && d.p[0].prf[0] == ROVE_PRF_HMAC_SHA2_384);
	CHECK(d.p[0].ndh == 5 && d.p[0].dh[0] == ROVE_DH_CURVE25519 &&
	      d.p[0].dh[4] == ROVE_DH_MODP2048);
	CHECK(d.p[1].encr[0].id == ROVE_ENCR_AES_CBC && d.p[1].ninteg == 3);
	CHECK(rove_proposals_first_dh(&d) == ROVE_DH_CURVE25519);
	CHECK(rove_proposals_has_dh(&d, ROVE_DH_MODP2048));
	CHECK(rove_proposals_has_dh(&d, ROVE_DH_ECP384));
	CHECK(!rove_proposals_has_dh(&d, ROVE_DH_MODP1024));
	/* Never SHA-1 in the IKE defaults. */
	for (size_t i = 0; i < d.n; i++) {
		for (size_t j = 0; j < d.p[i].ninteg; j++)
			CHECK(d.p[i].integ[j] != ROVE_INTEG_HMAC_SHA1_96);
		for (size_t j = 0; j < d.p[i].nprf; j++)
			CHECK(d.p[i].prf[j] != ROVE_PRF_HMAC_SHA1);
	}
	CHECK_STR(rove_proposals_str(&d, s, sizeof(s)),
		  "aes256gcm16-aes128gcm16-prfsha384-prfsha256-prfsha512-x25519-ecp256-ecp384-"
		  "modp3072-modp2048, aes256-aes128-sha384-sha256-sha512-prfsha384-prfsha256-"
		  "prfsha512-x25519-ecp256-ecp384-modp3072-modp2048");

	rove_proposals_default(true, &d);
	CHECK(d.esp && d.n == 3);
	CHECK(d.p[0].encr[0].id == ROVE_ENCR_AES_GCM_16 && d.p[0].ninteg == 0);
	CHECK(d.p[0].nesn == 2 && d.p[0].esn[0] == ROVE_ESN_NO && d.p[0].esn[1] == ROVE_ESN_YES);
	CHECK(d.p[1].integ[0] == ROVE_INTEG_HMAC_SHA2_256_128 && d.p[1].ninteg == 3);
	/* HMAC-SHA1-96 only in the last proposal. */
	CHECK(d.p[2].ninteg == 1 && d.p[2].integ[0] == ROVE_INTEG_HMAC_SHA1_96);
	CHECK(d.p[2].encr[0].id == ROVE_ENCR_AES_CBC);
	CHECK(rove_proposals_first_dh(&d) == 0);
	CHECK_STR(rove_proposals_str(&d, s, sizeof(s)),
		  "aes256gcm16-aes128gcm16-noesn-esn, aes256-aes128-sha256-sha384-sha512-noesn-esn, "
		  "aes256-aes128-sha1-noesn-esn");
}

static void test_str_round_trip(void)
{
	const char *in = "aes256-sha512-sha1-prfsha256-modp4096-ecp521,aes128gcm12-prfsha384-ecp256!";
	char s[1024], again[1024];

	/* The listing is itself a valid ike= value that means the same. */
	CHECK(parse(in, false) == 0);
	rove_proposals_str(&ps, s, sizeof(s));
	CHECK_STR(s, "aes256-sha512-sha1-prfsha256-modp4096-ecp521, aes128gcm12-prfsha384-ecp256");
	strcat(s, "!");
	CHECK(parse(s, false) == 0 && ps.n == 2);
	rove_proposals_str(&ps, again, sizeof(again));
	s[strlen(s) - 1] = '\0';
	CHECK_STR(again, s);
	rove_proposals_default(false, &ps);
	rove_proposals_str(&ps, s, sizeof(s));
	strcat(s, "!");
	CHECK(parse(s, false) == 0 && ps.n == 2);
	s[strlen(s) - 1] = '\0';
	CHECK_STR(rove_proposals_str(&ps, again, sizeof(again)), s);

	CHECK(parse("aes128-sha256-modp2048-esn,aes256gcm16!", true) == 0);
	CHECK_STR(rove_proposals_str(&ps, s, sizeof(s)), "aes128-sha256-modp2048-esn, aes256gcm16");

	/* Shortened with "..." and still terminated. */
	rove_proposals_default(false, &ps);
	rove_proposals_str(&ps, s, 40);
	CHECK(strlen(s) < 40);
	CHECK(strcmp(s + strlen(s) - 3, "...") == 0);
	CHECK(strncmp(s, "aes256gcm16-aes128gcm16-", 24) == 0);
	rove_proposals_str(&ps, s, 2);
	CHECK(strlen(s) < 2);
}

static void test_names(void)
{
	struct rove_chosen c = { .encr = ROVE_ENCR_AES_GCM_16, .encr_bits = 256,
				 .prf = ROVE_PRF_HMAC_SHA2_384, .dh = ROVE_DH_CURVE25519 };
	char s[128];

	CHECK_STR(rove_chosen_str(&c, false, s, sizeof(s)), "aes256gcm16-prfsha384-x25519");
	c = (struct rove_chosen){ .encr = ROVE_ENCR_AES_CBC, .encr_bits = 128,
				  .integ = ROVE_INTEG_HMAC_SHA2_256_128,
				  .prf = ROVE_PRF_HMAC_SHA2_256, .dh = ROVE_DH_MODP2048 };
	CHECK_STR(rove_chosen_str(&c, false, s, sizeof(s)), "aes128-sha256-prfsha256-modp2048");
	c = (struct rove_chosen){ .encr = ROVE_ENCR_AES_GCM_16, .encr_bits = 256 };
	CHECK_STR(rove_chosen_str(&c, true, s, sizeof(s)), "aes256gcm16");
	c = (struct rove_chosen){ .encr = ROVE_ENCR_AES_CBC, .encr_bits = 128,
				  .integ = ROVE_INTEG_HMAC_SHA2_256_128, .esn = ROVE_ESN_YES };
	CHECK_STR(rove_chosen_str(&c, true, s, sizeof(s)), "aes128-sha256-esn");
	c.dh = ROVE_DH_ECP256;
	c.esn = ROVE_ESN_NO;
	CHECK_STR(rove_chosen_str(&c, true, s, sizeof(s)), "aes128-sha256-ecp256");
	c = (struct rove_chosen){ .encr = 99, .integ = 77, .prf = 88, .dh = 66 };
	CHECK_STR(rove_chosen_str(&c, false, s, sizeof(s)), "encr(99)-integ(77)-prf(88)-dh(66)");
	rove_chosen_str(&c, false, s, 6);
	CHECK_STR(s, "encr(");

	CHECK_STR(rove_transform_keyword(ROVE_TRANS_ENCR, ROVE_ENCR_AES_GCM_12, 128), "aes128gcm12");
	CHECK_STR(rove_transform_keyword(ROVE_TRANS_ENCR, ROVE_ENCR_AES_CBC, 192), "aes192");
	CHECK_STR(rove_transform_keyword(ROVE_TRANS_INTEG, ROVE_INTEG_HMAC_SHA1_96, 0), "sha1");
	CHECK_STR(rove_transform_keyword(ROVE_TRANS_PRF, ROVE_PRF_HMAC_SHA2_512, 0), "prfsha512");
	CHECK_STR(rove_transform_keyword(ROVE_TRANS_DH, ROVE_DH_CURVE25519, 0), "x25519");
	CHECK_STR(rove_transform_keyword(ROVE_TRANS_ESN, ROVE_ESN_NO, 0), "noesn");
	CHECK(rove_transform_keyword(ROVE_TRANS_ENCR, ROVE_ENCR_AES_CBC, 0) == NULL);
	CHECK(rove_transform_keyword(ROVE_TRANS_DH, ROVE_DH_MODP1024, 0) == NULL);
}

/* ---- to_sa and check_reply ---- */

static struct rove_sa sa, reply;

static void reply_prop(uint8_t num, uint8_t proto, const uint8_t *spi, uint8_t spi_len)
{
	memset(&reply, 0, sizeof(reply));
	reply.n = 1;
	reply.prop[0].num = num;
	reply.prop[0].protocol = proto;
	reply.prop[0].spi_len = spi_len;
	if (spi_len)
		memcpy(reply.prop[0].spi, spi, spi_len);
}

static void reply_tr(uint8_t type, uint16_t id, uint16_t key_len)
{
	struct rove_proposal *p = &reply.prop[0];

	p->tr[p->n].type = type;
	p->tr[p->n].id = id;
	p->tr[p->n].key_len = key_len;
	p->n++;
}

static void test_to_sa(void)
{
	const uint8_t spi[4] = { 0xc0, 0x01, 0xd0, 0x0d };
	struct rove_buf b;
	struct rove_sa back;

	rove_proposals_default(false, &ps);
	CHECK(rove_proposals_to_sa(&ps, NULL, 0, &sa, &err) == 0);
	CHECK(sa.n == 2);
	CHECK(sa.prop[0].num == 1 && sa.prop[1].num == 2);
	CHECK(sa.prop[0].protocol == ROVE_PROTO_IKE && sa.prop[0].spi_len == 0);
	CHECK(sa.prop[0].n == 2 + 3 + 5);
	CHECK(sa.prop[0].tr[0].type == ROVE_TRANS_ENCR && sa.prop[0].tr[0].id == ROVE_ENCR_AES_GCM_16 &&
	      sa.prop[0].tr[0].key_len == 256);
	CHECK(sa.prop[0].tr[2].type == ROVE_TRANS_PRF && sa.prop[0].tr[2].key_len == 0);
	CHECK(sa.prop[0].tr[5].type == ROVE_TRANS_DH && sa.prop[0].tr[5].id == ROVE_DH_CURVE25519);
	CHECK(sa.prop[1].n == 2 + 3 + 3 + 5);

	/* What we send survives the codec unchanged. */
	rove_buf_init(&b);
	CHECK(rove_sa_build(&b, &sa) == 0);
	CHECK(rove_sa_parse(b.data, b.len, &back, &err) == 0);
	CHECK(back.n == 2 && back.prop[1].n == sa.prop[1].n);
	CHECK(back.prop[1].tr[1].key_len == 128 && back.prop[1].tr[12].id == ROVE_DH_MODP2048);
	rove_buf_free(&b);

	rove_proposals_default(true, &ps);
	CHECK(rove_proposals_to_sa(&ps, spi, 4, &sa, &err) == 0);
	CHECK(sa.n == 3 && sa.prop[2].num == 3 && sa.prop[2].protocol == ROVE_PROTO_ESP);
	CHECK(sa.prop[0].spi_len == 4 && memcmp(sa.prop[2].spi, spi, 4) == 0);
	CHECK(sa.prop[0].n == 2 + 2);
	CHECK(sa.prop[0].tr[2].type == ROVE_TRANS_ESN && sa.prop[0].tr[2].id == ROVE_ESN_NO);
	CHECK(sa.prop[2].n == 2 + 1 + 2 && sa.prop[2].tr[2].id == ROVE_INTEG_HMAC_SHA1_96);

	CHECK(rove_proposals_to_sa(&ps, NULL, 0, &sa, &err) != 0 && err.code == ROVE_E_INVAL);
	rove_proposals_default(false, &ps);
	CHECK(rove_proposals_to_sa(&ps, spi, 4, &sa, &err) != 0);
	ps.n = 0;
	CHECK(rove_proposals_to_sa(&ps, NULL, 0, &sa, &err) != 0);
}

static void test_reply_ike(void)
{
	const uint8_t rspi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct rove_chosen c;
	char s[128];

	rove_proposals_default(false, &ps);
	reply_prop(1, ROVE_PROTO_IKE, NULL, 0);
	reply_tr(ROVE_TRANS_ENCR, ROVE_ENCR_AES_GCM_16, 256);
	reply_tr(ROVE_TRANS_PRF, ROVE_PRF_HMAC_SHA2_384, 0);
	reply_tr(ROVE_TRANS_DH, ROVE_DH_CURVE25519, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0);
	CHECK(c.encr == ROVE_ENCR_AES_GCM_16 && c.encr_bits == 256 && c.integ == 0);
	CHECK(c.prf == ROVE_PRF_HMAC_SHA2_384 && c.dh == ROVE_DH_CURVE25519 && c.spi_len == 0);
	CHECK_STR(rove_chosen_str(&c, false, s, sizeof(s)), "aes256gcm16-prfsha384-x25519");

	/* INTEG NONE next to an AEAD cipher is the same as no INTEG. */
	reply_tr(ROVE_TRANS_INTEG, ROVE_INTEG_NONE, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0 && c.integ == 0);

	/* The CBC proposal, with an 8-byte SPI as in a rekey. */
	reply_prop(2, ROVE_PROTO_IKE, rspi, 8);
	reply_tr(ROVE_TRANS_ENCR, ROVE_ENCR_AES_CBC, 128);
	reply_tr(ROVE_TRANS_PRF, ROVE_PRF_HMAC_SHA2_256, 0);
	reply_tr(ROVE_TRANS_INTEG, ROVE_INTEG_HMAC_SHA2_512_256, 0);
	reply_tr(ROVE_TRANS_DH, ROVE_DH_MODP2048, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0);
	CHECK(c.spi_len == 8 && memcmp(c.spi, rspi, 8) == 0);
	CHECK_STR(rove_chosen_str(&c, false, s, sizeof(s)), "aes128-sha512-prfsha256-modp2048");

	/* Lenient about the number: it named proposal 1, the suite is from 2. */
	reply.prop[0].num = 1;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0);

	/* Not offered. */
	reply_prop(1, ROVE_PROTO_IKE, NULL, 0);
	reply_tr(ROVE_TRANS_ENCR, ROVE_ENCR_AES_CBC, 128);
	reply_tr(ROVE_TRANS_INTEG, ROVE_INTEG_HMAC_SHA1_96, 0);
	reply_tr(ROVE_TRANS_PRF, ROVE_PRF_HMAC_SHA1, 0);
	reply_tr(ROVE_TRANS_DH, ROVE_DH_MODP2048, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0);
	CHECK(err.code == ROVE_E_PROTO);
	CHECK_STR(err.msg, "the gateway chose aes128-sha1-prfsha1-modp2048 which we did not offer");
	CHECK(c.encr == 0);

	/* A key length we did not offer. */
	reply_prop(1, ROVE_PROTO_IKE, NULL, 0);
	reply_tr(ROVE_TRANS_ENCR, ROVE_ENCR_AES_GCM_16, 192);
	reply_tr(ROVE_TRANS_PRF, ROVE_PRF_HMAC_SHA2_384, 0);
	reply_tr(ROVE_TRANS_DH, ROVE_DH_CURVE25519, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("aes192gcm16"));
	reply.prop[0].tr[0].key_len = 0;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("key length"));
	reply.prop[0].tr[0].key_len = 256;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0);

	/* Malformed choices. */
	reply.prop[0].tr[1].unknown_attr = true;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("attribute"));
	reply.prop[0].tr[1].unknown_attr = false;
	reply_tr(ROVE_TRANS_DH, ROVE_DH_ECP256, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("two key exchange"));
	reply.prop[0].n = 2; /* no DH */
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("no key exchange"));
	reply.prop[0].n = 3;
	reply_tr(ROVE_TRANS_INTEG, ROVE_INTEG_HMAC_SHA2_256_128, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("AEAD"));
	reply.prop[0].tr[3].type = ROVE_TRANS_ESN;
	reply.prop[0].tr[3].id = ROVE_ESN_NO;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("ESN"));
	reply.prop[0].tr[3].type = 9;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("unknown type"));
	reply.prop[0].n = 3;
	reply.prop[0].spi_len = 4;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("SPI"));
	reply.prop[0].spi_len = 0;
	reply.prop[0].protocol = ROVE_PROTO_ESP;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("protocol"));
	reply.prop[0].protocol = ROVE_PROTO_IKE;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0);

	/* Two proposals in a reply, or none. */
	reply.prop[1] = reply.prop[0];
	reply.prop[1].num = 2;
	reply.n = 2;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("2 proposals"));
	reply.n = 0;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0);
}

static void test_reply_esp(void)
{
	const uint8_t ours[4] = { 0, 0, 1, 0 }, theirs[4] = { 0xca, 0xfe, 0xba, 0xbe };
	struct rove_chosen c;
	struct rove_buf b;
	struct rove_sa parsed;
	char s[128];

	rove_proposals_default(true, &ps);
	CHECK(rove_proposals_to_sa(&ps, ours, 4, &sa, &err) == 0);
	reply_prop(2, ROVE_PROTO_ESP, theirs, 4);
	reply_tr(ROVE_TRANS_ENCR, ROVE_ENCR_AES_CBC, 128);
	reply_tr(ROVE_TRANS_INTEG, ROVE_INTEG_HMAC_SHA2_256_128, 0);
	reply_tr(ROVE_TRANS_ESN, ROVE_ESN_YES, 0);
	/* Through the codec, as it arrives. */
	rove_buf_init(&b);
	CHECK(rove_sa_build(&b, &reply) == 0);
	CHECK(rove_sa_parse(b.data, b.len, &parsed, &err) == 0);
	rove_buf_free(&b);
	CHECK(rove_proposals_check_reply(&ps, &parsed, &c, &err) == 0);
	CHECK(c.encr == ROVE_ENCR_AES_CBC && c.encr_bits == 128 && c.esn == ROVE_ESN_YES);
	CHECK(c.prf == 0 && c.dh == 0 && c.spi_len == 4 && memcmp(c.spi, theirs, 4) == 0);
	CHECK_STR(rove_chosen_str(&c, true, s, sizeof(s)), "aes128-sha256-esn");

	/* The last-resort SHA-1 proposal; a missing ESN transform means no ESN. */
	reply_prop(3, ROVE_PROTO_ESP, theirs, 4);
	reply_tr(ROVE_TRANS_ENCR, ROVE_ENCR_AES_CBC, 256);
	reply_tr(ROVE_TRANS_INTEG, ROVE_INTEG_HMAC_SHA1_96, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0);
	CHECK(c.esn == ROVE_ESN_NO);
	CHECK_STR(rove_chosen_str(&c, true, s, sizeof(s)), "aes256-sha1");

	/* Not offered when only GCM is. */
	CHECK(parse("aes256gcm16!", true) == 0);
	reply.prop[0].tr[0].key_len = 128;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0);
	CHECK_STR(err.msg, "the gateway chose aes128-sha1 which we did not offer");
	reply_prop(1, ROVE_PROTO_ESP, theirs, 4);
	reply_tr(ROVE_TRANS_ENCR, ROVE_ENCR_AES_GCM_16, 256);
	reply_tr(ROVE_TRANS_ESN, ROVE_ESN_YES, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("aes256gcm16-esn"));
	reply.prop[0].tr[1].id = ROVE_ESN_NO;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0);
	/* A DH group we did not ask for; with PFS offered it is fine. */
	reply_tr(ROVE_TRANS_DH, ROVE_DH_MODP2048, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("modp2048"));
	CHECK(parse("aes256gcm16-modp2048!", true) == 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0 && c.dh == ROVE_DH_MODP2048);
	/* Without a DH transform (IKE_AUTH) PFS groups are not required. */
	reply.prop[0].n = 2;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) == 0 && c.dh == 0);
	reply_tr(ROVE_TRANS_PRF, ROVE_PRF_HMAC_SHA2_256, 0);
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("PRF"));
	reply.prop[0].n = 2;
	reply.prop[0].spi_len = 8;
	CHECK(rove_proposals_check_reply(&ps, &reply, &c, &err) != 0 && err_has("SPI"));
}

int main(void)
{
	RUN(test_parse_single);
	RUN(test_parse_lists);
	RUN(test_parse_esp);
	RUN(test_parse_errors);
	RUN(test_strict_and_limits);
	RUN(test_defaults);
	RUN(test_str_round_trip);
	RUN(test_names);
	RUN(test_to_sa);
	RUN(test_reply_ike);
	RUN(test_reply_esp);
	return check_summary();
}
