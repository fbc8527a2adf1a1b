/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The EAP client against a gateway simulated from the RFC 2759 9.2 values:
 * the RNG hands out the RFC's PeerChallenge, so every byte we send and the
 * proof the gateway must give are known in advance. */
#include "check.h"
#include "eap.h"
#include "ikev2.h"
#include "mschapv2.h"

#define AUTH_CHALLENGE "5B5D7C7D7B3F2F3E3C2C602132262628"
#define PEER_CHALLENGE "21402324255E262A28295F2B3A337C7E"
#define NT_RESPONSE "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"
#define AUTH_RESPONSE "S=407A5589115FD0D6209F510FE9C04566932CDA56"
#define MSK_HEX "D5F0E9521E3EA9589645E86051C82226 8B7CDC149B993A1BA118CB153F56DCCB" \
	"0000000000000000000000000000000000000000000000000000000000000000"

static int fixed_fill(void *arg, uint8_t *out, size_t len)
{
	uint8_t pc[16];

	(void)arg;
	check_hex(PEER_CHALLENGE, pc, sizeof(pc));
	for (size_t i = 0; i < len; i++)
		out[i] = pc[i % 16];
	return 0;
}
static const struct rove_rng fixed_rng = { fixed_fill, NULL };

static int broken_fill(void *arg, uint8_t *out, size_t len)
{
	(void)arg, (void)out, (void)len;
	return -1;
}
static const struct rove_rng broken_rng = { broken_fill, NULL };

/* Gateway side: an EAP Request (or Success/Failure when type is 0). */
static size_t req(uint8_t *buf, uint8_t code, uint8_t id, uint8_t type, const void *data,
	size_t n)
{
	size_t len = 4;

	buf[0] = code;
	buf[1] = id;
	if (code == ROVE_EAP_REQUEST || code == ROVE_EAP_RESPONSE) {
		buf[4] = type;
		if (n)
			memcpy(buf + 5, data, n);
		len = 5 + n;
	}
	rove_put_be16(buf + 2, (uint16_t)len);
	return len;
}

/* An EAP-MSCHAPv2 Request with a correct MS-Length. */
static size_t ms_req(uint8_t *buf, uint8_t id, uint8_t op, uint8_t ms_id, const void *body,
	size_t n)
{
	uint8_t d[600];

	d[0] = op;
	d[1] = ms_id;
	rove_put_be16(d + 2, (uint16_t)(n + 4));
	memcpy(d + 4, body, n);
	return req(buf, ROVE_EAP_REQUEST, id, ROVE_EAPT_MSCHAPV2, d, n + 4);
}

static size_t challenge(uint8_t *buf, uint8_t id, uint8_t ms_id)
{
	uint8_t body[1 + 16 + 7];

	body[0] = 16;
	check_hex(AUTH_CHALLENGE, body + 1, 16);
	memcpy(body + 17, "gateway", 7);
	return ms_req(buf, id, 1, ms_id, body, sizeof(body));
}

static struct rove_eap_client *client(const char *identity)
{
	struct rove_err e;
	struct rove_eap_client *c = rove_eap_client_new(identity, (const uint8_t *)"clientPass",
		10, &fixed_rng, &e);

	CHECK(c != NULL);
	if (!c)
		fprintf(stderr, "client: %s\n", e.msg);
	return c;
}

/* Feeds one packet; returns the function's result. */
static int feed(struct rove_eap_client *c, const uint8_t *p, size_t n, struct rove_buf *out,
	enum rove_eap_result *res, struct rove_err *e)
{
	rove_buf_reset(out);
	e->code = ROVE_E_OK;
	e->msg[0] = '\0';
	return rove_eap_client_input(c, p, n, out, res, e);
}

/* Runs Identity and Challenge, checking nothing; for tests of later steps. */
static struct rove_eap_client *challenged(void)
{
	struct rove_eap_client *c = client("User");
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res;
	uint8_t p[128];
	size_t n = challenge(p, 2, 7);

	rove_buf_init(&out);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	rove_buf_free(&out);
	return c;
}

static void test_conversation(void)
{
	struct rove_eap_client *c = client("User");
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res;
	uint8_t p[256], want[256];
	const uint8_t *msk;
	size_t n, wn, msk_len = 99;
	static const char success[] = AUTH_RESPONSE " M=Welcome2strongSwan";

	rove_buf_init(&out);
	/* Identity. */
	n = req(p, ROVE_EAP_REQUEST, 1, ROVE_EAPT_IDENTITY, NULL, 0);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	wn = check_hex("02 01 0009 01 55736572", want, sizeof(want));
	CHECK(out.len == wn && memcmp(out.data, want, wn) == 0);
	CHECK(rove_eap_client_msk(c, &msk_len) == NULL && msk_len == 0);

	/* Challenge -> Response with the RFC NT-Response. */
	n = challenge(p, 2, 7);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	wn = check_hex("02 02 003F 1A 02 07 003A 31" PEER_CHALLENGE "0000000000000000"
		NT_RESPONSE "00 55736572", want, sizeof(want));
	CHECK(out.len == wn && memcmp(out.data, want, wn) == 0);

	/* MSCHAPv2 Success with the right proof; strongSwan sends a NUL
	 * after the message, which must not matter. */
	n = ms_req(p, 3, 3, 7, success, sizeof(success));
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	wn = check_hex("02 03 0006 1A 03", want, sizeof(want));
	CHECK(out.len == wn && memcmp(out.data, want, wn) == 0);
	CHECK(rove_eap_client_msk(c, &msk_len) == NULL);

	/* EAP-Success: done, nothing to send, MSK out. */
	n = req(p, ROVE_EAP_SUCCESS, 3, 0, NULL, 0);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_SUCCESS);
	CHECK(out.len == 0);
	msk = rove_eap_client_msk(c, &msk_len);
	wn = check_hex(MSK_HEX, want, sizeof(want));
	CHECK(msk != NULL && msk_len == 64 && wn == 64 && memcmp(msk, want, 64) == 0);

	/* Nothing more is accepted. */
	CHECK(feed(c, p, n, &out, &res, &e) == -1 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == ROVE_E_PROTO);
	CHECK(rove_eap_client_msk(c, &msk_len) != NULL);
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

/* The domain goes into the Name field but not into the hash, and a
 * lowercase proof is as good as an uppercase one. */
static void test_domain_and_lowercase_proof(void)
{
	struct rove_eap_client *c = client("CORP\\User");
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res;
	uint8_t p[256], want[256];
	size_t n, wn;
	char lower[] = AUTH_RESPONSE;

	rove_buf_init(&out);
	n = challenge(p, 9, 1);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	wn = check_hex("02 09 0044 1A 02 01 003F 31" PEER_CHALLENGE "0000000000000000"
		NT_RESPONSE "00 434F52505C55736572", want, sizeof(want));
	CHECK(out.len == wn && memcmp(out.data, want, wn) == 0);

	for (char *s = lower + 2; *s; s++)
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
	n = ms_req(p, 10, 3, 1, lower, strlen(lower));
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	n = req(p, ROVE_EAP_SUCCESS, 10, 0, NULL, 0);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_SUCCESS);
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

static void test_bad_authenticator(void)
{
	struct rove_eap_client *c = challenged();
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res;
	uint8_t p[256];
	size_t n, msk_len;
	char bad[] = AUTH_RESPONSE " M=hello";

	rove_buf_init(&out);
	bad[41] = bad[41] == '6' ? '7' : '6';
	n = ms_req(p, 3, 3, 7, bad, strlen(bad));
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == ROVE_E_AUTH);
	CHECK_STR(e.msg, "the gateway did not prove it knows the password "
		"(bad MSCHAPv2 authenticator response)");
	CHECK(out.len == 0);
	/* The gateway may not recover by declaring success anyway. */
	n = req(p, ROVE_EAP_SUCCESS, 3, 0, NULL, 0);
	CHECK(feed(c, p, n, &out, &res, &e) == -1 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(rove_eap_client_msk(c, &msk_len) == NULL && msk_len == 0);
	/* A trailing EAP-Failure repeats the first reason. */
	n = req(p, ROVE_EAP_FAILURE, 4, 0, NULL, 0);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == ROVE_E_AUTH && strstr(e.msg, "bad MSCHAPv2 authenticator response"));
	rove_buf_free(&out);
	rove_eap_client_free(c);

	/* A proof without the "S=" form is malformed, not merely wrong. */
	c = challenged();
	rove_buf_init(&out);
	n = ms_req(p, 3, 3, 7, "S=407A", 6);
	CHECK(feed(c, p, n, &out, &res, &e) == -1 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == ROVE_E_PARSE && strstr(e.msg, "S=<40 hex digits>"));
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

static void test_success_without_proof(void)
{
	struct rove_eap_client *c = challenged();
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res;
	uint8_t p[16];
	size_t n = req(p, ROVE_EAP_SUCCESS, 3, 0, NULL, 0), msk_len;

	rove_buf_init(&out);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == ROVE_E_AUTH && strstr(e.msg, "without proving it knows the password"));
	CHECK(out.len == 0);
	CHECK(rove_eap_client_msk(c, &msk_len) == NULL);
	rove_eap_client_free(c);

	/* Not even before anything happened. */
	c = client("User");
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == ROVE_E_AUTH && strstr(e.msg, "without proving"));
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

static void test_mschap_failure(void)
{
	static const char f691[] = "E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 "
		"M=  Bad\x01 password \t ";
	struct rove_eap_client *c = challenged();
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res;
	uint8_t p[256], want[16];
	size_t n, wn;

	rove_buf_init(&out);
	n = ms_req(p, 3, 4, 7, f691, sizeof(f691) - 1);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	wn = check_hex("02 03 0006 1A 04", want, sizeof(want));
	CHECK(out.len == wn && memcmp(out.data, want, wn) == 0);
	CHECK(e.code == ROVE_E_AUTH);
	CHECK_STR(e.msg, "the gateway rejected the MSCHAPv2 authentication: authentication "
		"failure: check the user name and password (E=691); server message: "
		"\"Bad? password ?\"");
	n = req(p, ROVE_EAP_FAILURE, 4, 0, NULL, 0);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(strstr(e.msg, "(E=691)") != NULL && out.len == 0);
	rove_buf_free(&out);
	rove_eap_client_free(c);

	c = challenged();
	rove_buf_init(&out);
	n = ms_req(p, 3, 4, 7, "E=648 R=0 V=3", 13);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	CHECK_STR(e.msg, "the gateway rejected the MSCHAPv2 authentication: the password has "
		"expired (E=648)");
	rove_buf_free(&out);
	rove_eap_client_free(c);

	c = challenged();
	rove_buf_init(&out);
	n = ms_req(p, 3, 4, 7, "", 0);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == ROVE_E_AUTH && strstr(e.msg, "no reason given (no error code)"));
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

static void test_eap_failure(void)
{
	struct rove_eap_client *c = client("User");
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res;
	uint8_t p[8];
	size_t n = req(p, ROVE_EAP_FAILURE, 1, 0, NULL, 0);

	rove_buf_init(&out);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == ROVE_E_AUTH);
	CHECK_STR(e.msg, "the gateway rejected the EAP authentication: check the user name "
		"and password");
	CHECK(out.len == 0);
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

static void test_nak_and_notification(void)
{
	struct rove_eap_client *c = client("User");
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res;
	uint8_t p[64], want[64], md5[17] = { 16 }, exp[7] = { 0, 0x12, 0x34, 0, 0, 0, 1 };
	size_t n, wn;

	rove_buf_init(&out);
	n = req(p, ROVE_EAP_REQUEST, 5, ROVE_EAPT_MD5, md5, sizeof(md5));
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	wn = check_hex("02 05 0006 03 1A", want, sizeof(want));
	CHECK(out.len == wn && memcmp(out.data, want, wn) == 0);

	/* An expanded-type request gets an Expanded Nak (RFC 3748 5.3.2). */
	n = req(p, ROVE_EAP_REQUEST, 6, 254, exp, sizeof(exp));
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	wn = check_hex("02 06 0014 FE 000000 00000003 FE 000000 0000001A", want, sizeof(want));
	CHECK(out.len == wn && memcmp(out.data, want, wn) == 0);

	n = req(p, ROVE_EAP_REQUEST, 7, ROVE_EAPT_NOTIFICATION, "maintenance at 5", 16);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	wn = check_hex("02 07 0005 02", want, sizeof(want));
	CHECK(out.len == wn && memcmp(out.data, want, wn) == 0);

	/* MSCHAPv2 still works after all that. */
	n = challenge(p, 8, 1);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	CHECK(out.len == 63);
	/* A Notification mid-method is fine too; a method switch is not. */
	n = req(p, ROVE_EAP_REQUEST, 9, ROVE_EAPT_NOTIFICATION, NULL, 0);
	CHECK(feed(c, p, n, &out, &res, &e) == 0 && res == ROVE_EAP_CONTINUE);
	n = req(p, ROVE_EAP_REQUEST, 10, ROVE_EAPT_MD5, md5, sizeof(md5));
	CHECK(feed(c, p, n, &out, &res, &e) == -1 && e.code == ROVE_E_PROTO);
	CHECK(out.len == 0);
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

/* Each case goes to a fresh client, optionally past the challenge. */
static void expect_reject(bool after_challenge, const uint8_t *p, size_t n, enum rove_errc code,
	const char *needle)
{
	struct rove_eap_client *c = after_challenge ? challenged() : client("User");
	struct rove_buf out;
	struct rove_err e;
	enum rove_eap_result res = ROVE_EAP_CONTINUE;

	rove_buf_init(&out);
	rove_buf_add(&out, "keep", 4);
	e.code = ROVE_E_OK;
	CHECK(rove_eap_client_input(c, p, n, &out, &res, &e) == -1);
	CHECK(res == ROVE_EAP_DONE_FAILURE);
	CHECK(e.code == code);
	CHECK(strstr(e.msg, needle) != NULL);
	if (!strstr(e.msg, needle))
		fprintf(stderr, "  got \"%s\", wanted \"%s\"\n", e.msg, needle);
	/* Nothing half-built is left behind. */
	CHECK(out.len == 4 && memcmp(out.data, "keep", 4) == 0);
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

static void test_malformed(void)
{
	uint8_t p[128], body[40] = { 0 };
	size_t n;

	n = req(p, ROVE_EAP_REQUEST, 1, ROVE_EAPT_IDENTITY, "x", 1);
	expect_reject(false, p, n - 1, ROVE_E_PARSE, "Length field says 6 bytes but the packet has 5");
	p[3] = 200;
	expect_reject(false, p, n, ROVE_E_PARSE, "Length field says 200");
	expect_reject(false, p, 3, ROVE_E_PARSE, "shorter than the 4-byte header");
	n = req(p, ROVE_EAP_REQUEST, 1, 0, NULL, 0);
	p[3] = 4;
	expect_reject(false, p, 4, ROVE_E_PARSE, "Request without a Type");

	/* Success/Failure carry no data. */
	n = req(p, ROVE_EAP_SUCCESS, 1, 0, NULL, 0);
	p[3] = 5, p[4] = 0;
	expect_reject(false, p, 5, ROVE_E_PARSE, "Success must be 4 bytes, got 5");
	n = req(p, 5, 1, 0, NULL, 0);
	expect_reject(false, p, n, ROVE_E_PARSE, "unknown code 5");
	n = req(p, ROVE_EAP_RESPONSE, 1, ROVE_EAPT_IDENTITY, "x", 1);
	expect_reject(false, p, n, ROVE_E_PROTO, "sent a Response");
	n = req(p, ROVE_EAP_REQUEST, 1, ROVE_EAPT_NAK, "\x1a", 1);
	expect_reject(false, p, n, ROVE_E_PROTO, "Nak is not a valid request");

	/* MSCHAPv2 header and lengths. */
	n = req(p, ROVE_EAP_REQUEST, 2, ROVE_EAPT_MSCHAPV2, "\x01\x07\x00", 3);
	expect_reject(false, p, n, ROVE_E_PARSE, "truncated header (3 bytes, need 4)");
	n = challenge(p, 2, 7);
	p[8]++;
	expect_reject(false, p, n, ROVE_E_PARSE, "MS-Length 29 does not match the EAP Length "
		"(expected 28)");
	body[0] = 40;
	n = ms_req(p, 2, 1, 7, body, 17);
	expect_reject(false, p, n, ROVE_E_PARSE, "Value-Size 40 is larger than the 16 bytes");
	body[0] = 8;
	n = ms_req(p, 2, 1, 7, body, 17);
	expect_reject(false, p, n, ROVE_E_PARSE, "Value-Size 8, expected 16");
	n = ms_req(p, 2, 1, 7, body, 0);
	expect_reject(false, p, n, ROVE_E_PARSE, "no Value-Size");
	n = ms_req(p, 2, 7, 7, body, 0);
	expect_reject(false, p, n, ROVE_E_PROTO, "unexpected OpCode 7");

	/* Out of order. */
	n = ms_req(p, 2, 3, 7, AUTH_RESPONSE, 42);
	expect_reject(false, p, n, ROVE_E_PROTO, "Success request before our response");
	n = ms_req(p, 2, 4, 7, "E=691", 5);
	expect_reject(false, p, n, ROVE_E_PROTO, "Failure request before our response");
	n = challenge(p, 3, 8);
	expect_reject(true, p, n, ROVE_E_PROTO, "unexpected second challenge");
	n = req(p, ROVE_EAP_REQUEST, 3, ROVE_EAPT_IDENTITY, NULL, 0);
	expect_reject(true, p, n, ROVE_E_PROTO, "Identity request after");
}

static void test_parse(void)
{
	struct rove_eap_pkt pk;
	struct rove_err e;
	uint8_t p[16];
	size_t n = req(p, ROVE_EAP_REQUEST, 42, ROVE_EAPT_NOTIFICATION, "hi", 2);

	CHECK(rove_eap_parse(p, n, &pk, &e) == 0);
	CHECK(pk.code == 1 && pk.id == 42 && pk.length == 7 && pk.type == 2);
	CHECK(pk.data == p + 5 && pk.data_len == 2);
	n = req(p, ROVE_EAP_FAILURE, 9, 0, NULL, 0);
	CHECK(rove_eap_parse(p, n, &pk, &e) == 0);
	CHECK(pk.code == 4 && pk.id == 9 && pk.type == 0 && pk.data == NULL && pk.data_len == 0);
	CHECK(rove_eap_parse(NULL, 0, &pk, &e) == -1 && e.code == ROVE_E_PARSE);
}

static void test_client_new(void)
{
	struct rove_err e;
	char longname[ROVE_EAP_MAX_IDENTITY + 2];
	struct rove_eap_client *c;

	CHECK(rove_eap_client_new("", (const uint8_t *)"x", 1, NULL, &e) == NULL);
	CHECK(e.code == ROVE_E_INVAL);
	CHECK(rove_eap_client_new(NULL, (const uint8_t *)"x", 1, NULL, &e) == NULL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(rove_eap_client_new(longname, (const uint8_t *)"x", 1, NULL, &e) == NULL);
	CHECK(e.code == ROVE_E_INVAL);
	longname[ROVE_EAP_MAX_IDENTITY] = '\0';
	c = rove_eap_client_new(longname, (const uint8_t *)"x", 1, NULL, &e);
	CHECK(c != NULL);
	rove_eap_client_free(c);
	CHECK(rove_eap_client_new("User", (const uint8_t *)"\xff", 1, NULL, &e) == NULL);
	CHECK(e.code == ROVE_E_INVAL && strstr(e.msg, "UTF-8"));
	rove_eap_client_free(NULL);

	/* A failing RNG is an error, not a predictable challenge. */
	struct rove_buf out;
	enum rove_eap_result res;
	uint8_t p[128];
	size_t n = challenge(p, 2, 7);

	c = rove_eap_client_new("User", (const uint8_t *)"pw", 2, &broken_rng, &e);
	CHECK(c != NULL);
	rove_buf_init(&out);
	CHECK(rove_eap_client_input(c, p, n, &out, &res, &e) == -1);
	CHECK(e.code == ROVE_E_CRYPTO && res == ROVE_EAP_DONE_FAILURE && out.len == 0);
	/* err may be NULL. */
	CHECK(rove_eap_client_input(c, p, n, &out, &res, NULL) == -1);
	rove_buf_free(&out);
	rove_eap_client_free(c);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_conversation);
	RUN(test_domain_and_lowercase_proof);
	RUN(test_bad_authenticator);
	RUN(test_success_without_proof);
	RUN(test_mschap_failure);
	RUN(test_eap_failure);
	RUN(test_nak_and_notification);
	RUN(test_malformed);
	RUN(test_client_new);
	return check_summary();
}
