/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check.h"
#include "err.h"
#include "mschapv2.h"

/* RFC 2759 section 9.2 and RFC 3079 section 3.5.3. */
static const char user[] = "User";
static const char pass[] = "clientPass";
#define AUTH_CHALLENGE "5B5D7C7D7B3F2F3E3C2C602132262628"
#define PEER_CHALLENGE "21402324255E262A28295F2B3A337C7E"
#define NT_RESPONSE "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"

static void test_rfc2759(void)
{
	struct rove_err e;
	uint8_t ac[16], pc[16], x[32], want[32];
	char ar[43];

	check_hex(AUTH_CHALLENGE, ac, sizeof(ac));
	check_hex(PEER_CHALLENGE, pc, sizeof(pc));

	CHECK(rove_mschap_challenge_hash(pc, ac, user, 4, x, &e) == 0);
	CHECK_MEM(x, want, check_hex("D02E4386BCE91226", want, sizeof(want)));

	CHECK(rove_mschap_nt_password_hash(pass, sizeof(pass) - 1, x, &e) == 0);
	CHECK_MEM(x, want, check_hex("44EBBA8D5312B8D611474411F56989AE", want, sizeof(want)));

	CHECK(rove_mschap_hash_nt_password_hash(want, x, &e) == 0);
	CHECK_MEM(x, want, check_hex("41C00C584BD2D91C4017A2A12FA59F3F", want, sizeof(want)));

	memset(x, 0, sizeof(x));
	CHECK(rove_mschap_nt_response(ac, pc, user, 4, pass, sizeof(pass) - 1, x, &e) == 0);
	CHECK_MEM(x, want, check_hex(NT_RESPONSE, want, sizeof(want)));

	memset(ar, 'x', sizeof(ar));
	CHECK(rove_mschap_authenticator_response(pass, sizeof(pass) - 1, want, pc, ac, user, 4, ar,
		&e) == 0);
	CHECK_STR(ar, "S=407A5589115FD0D6209F510FE9C04566932CDA56");

	/* A flipped NT-Response bit changes the proof. */
	want[0] ^= 1;
	CHECK(rove_mschap_authenticator_response(pass, sizeof(pass) - 1, want, pc, ac, user, 4, ar,
		&e) == 0);
	CHECK(strcmp(ar, "S=407A5589115FD0D6209F510FE9C04566932CDA56") != 0);
}

/* RFC 2759 8.2: the domain is not part of the hashed user name. */
static void test_domain_stripped(void)
{
	struct rove_err e;
	uint8_t ac[16], pc[16], a[24], b[24];
	char ra[43], rb[43];

	check_hex(AUTH_CHALLENGE, ac, sizeof(ac));
	check_hex(PEER_CHALLENGE, pc, sizeof(pc));
	CHECK(rove_mschap_nt_response(ac, pc, "CORP\\User", 9, pass, 10, a, &e) == 0);
	CHECK(rove_mschap_nt_response(ac, pc, user, 4, pass, 10, b, &e) == 0);
	CHECK_MEM(a, b, 24);
	CHECK(rove_mschap_authenticator_response(pass, 10, a, pc, ac, "CORP\\User", 9, ra, &e) == 0);
	CHECK(rove_mschap_authenticator_response(pass, 10, b, pc, ac, user, 4, rb, &e) == 0);
	CHECK_STR(ra, rb);
	/* ...but the name itself is: another user gives another response. */
	CHECK(rove_mschap_nt_response(ac, pc, "user", 4, pass, 10, b, &e) == 0);
	CHECK(memcmp(a, b, 24) != 0);
}

static void test_rfc3079(void)
{
	struct rove_err e;
	uint8_t nt[24], phh[16], mk[16], k[16], want[64], msk[80];
	size_t msk_len = sizeof(msk);

	check_hex(NT_RESPONSE, nt, sizeof(nt));
	check_hex("41C00C584BD2D91C4017A2A12FA59F3F", phh, sizeof(phh));
	CHECK(rove_mschap_master_key(phh, nt, mk, &e) == 0);
	CHECK_MEM(mk, want, check_hex("FDECE3717A8C838CB388E527AE3CDD31", want, sizeof(want)));

	/* The RFC's SendStartKey128 is the server's send key, i.e. the
	 * client's receive key. RFC 3079 prints no other start key; the
	 * client send key below was computed independently (Python
	 * hashlib) from the printed MasterKey and the section 3.4 magics. */
	CHECK(rove_mschap_asymmetric_start_key(mk, true, true, k, &e) == 0);
	CHECK_MEM(k, want, check_hex("8B7CDC149B993A1BA118CB153F56DCCB", want, sizeof(want)));
	CHECK(rove_mschap_asymmetric_start_key(mk, false, false, k, &e) == 0);
	CHECK_MEM(k, want, 16);
	CHECK(rove_mschap_asymmetric_start_key(mk, true, false, k, &e) == 0);
	CHECK_MEM(k, want, check_hex("D5F0E9521E3EA9589645E86051C82226", want, sizeof(want)));
	CHECK(rove_mschap_asymmetric_start_key(mk, false, true, k, &e) == 0);
	CHECK_MEM(k, want, 16);

	/* MSK = client send | client receive | 32 zeros. */
	memset(msk, 0xaa, sizeof(msk));
	CHECK(rove_mschap_msk(pass, 10, nt, msk, &msk_len, &e) == 0);
	CHECK(msk_len == ROVE_MSCHAP_MSK_LEN);
	check_hex("D5F0E9521E3EA9589645E86051C82226 8B7CDC149B993A1BA118CB153F56DCCB"
		  "0000000000000000000000000000000000000000000000000000000000000000", want,
		sizeof(want));
	CHECK_MEM(msk, want, 64);
	CHECK(msk[64] == 0xaa);

	msk_len = 63;
	CHECK(rove_mschap_msk(pass, 10, nt, msk, &msk_len, &e) == -1);
	CHECK(e.code == ROVE_E_INVAL);
}

/* Expected hashes were computed independently (a Python MD4 checked against
 * the RFC 1320 vectors, over str.encode("utf-16le")). */
static void test_unicode_password(void)
{
	struct rove_err e;
	uint8_t h[16], want[16];
	char big[4 * 129 + 1];

	/* "pässwörd€😀": 2- 3- and 4-byte UTF-8, the emoji a surrogate pair. */
	CHECK(rove_mschap_nt_password_hash("p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac\xf0\x9f\x98\x80",
		17, h, &e) == 0);
	CHECK_MEM(h, want, check_hex("343B5F56098BEF0DE4739D82D102F3CA", want, sizeof(want)));
	CHECK(rove_mschap_nt_password_hash("\xce\xa9\xce\xbc\xce\xad\xce\xb3\xce\xb1", 10, h, &e) == 0);
	CHECK_MEM(h, want, check_hex("C880387AB87570AE02476EEA7AD66447", want, sizeof(want)));
	CHECK(rove_mschap_nt_password_hash("password", 8, h, &e) == 0);
	CHECK_MEM(h, want, check_hex("8846F7EAEE8FB117AD06BDD830B7586C", want, sizeof(want)));

	/* 128 emoji are 256 UTF-16 code units: the limit. */
	for (int i = 0; i < 129; i++)
		memcpy(big + 4 * i, "\xf0\x9f\x98\x80", 4);
	CHECK(rove_mschap_nt_password_hash(big, 4 * 128, h, &e) == 0);
	CHECK_MEM(h, want, check_hex("F8FA08817385E00F4344AEEC02847C21", want, sizeof(want)));
	CHECK(rove_mschap_nt_password_hash(big, 4 * 129, h, &e) == -1);
	CHECK(e.code == ROVE_E_INVAL && strstr(e.msg, "longer than 256"));

	/* The empty password is allowed (RFC 2759: 0 to 256 characters). */
	CHECK(rove_mschap_nt_password_hash("", 0, h, &e) == 0);
	CHECK_MEM(h, want, check_hex("31D6CFE0D16AE931B73C59D7E0C089C0", want, sizeof(want)));
}

static void test_bad_utf8(void)
{
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
		{ "\x80", 1 },                 /* stray continuation */
		{ "\xc3", 1 },                 /* truncated */
		{ "a\xe2\x82", 3 },            /* truncated */
		{ "\xc0\xaf", 2 },             /* overlong '/' */
		{ "\xe0\x80\xaf", 3 },         /* overlong */
		{ "\xed\xa0\x80", 3 },         /* UTF-16 surrogate */
		{ "\xf4\x90\x80\x80", 4 },     /* above U+10FFFF */
		{ "\xf8\x88\x80\x80\x80", 5 }, /* 5-byte form */
		{ "\xc3\x28", 2 },             /* bad continuation */
		{ "ab\0c", 4 },                /* NUL */
	};
	struct rove_err e;
	uint8_t h[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.code = ROVE_E_OK;
		CHECK(rove_mschap_nt_password_hash(bad[i].s, bad[i].n, h, &e) == -1);
		CHECK(e.code == ROVE_E_INVAL);
	}
	CHECK(rove_mschap_nt_password_hash("\xc3\xa4", 2, h, &e) == 0);
	CHECK(rove_mschap_nt_password_hash("\xf4\x8f\xbf\xbf", 4, h, &e) == 0);
}

int main(void)
{
	RUN(test_rfc2759);
	RUN(test_domain_stripped);
	RUN(test_rfc3079);
	RUN(test_unicode_password);
	RUN(test_bad_utf8);
	return check_summary();
}
