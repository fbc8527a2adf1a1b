/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "eap.h"
#include "i18n.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2.h"
#include "mschapv2.h"

/* EAP-MSCHAPv2 OpCodes (draft-kamath-pppext-eap-mschapv2-02 2). */
enum {
	MS_CHALLENGE = 1,
	MS_RESPONSE = 2,
	MS_SUCCESS = 3,
	MS_FAILURE = 4,
};

#define MS_HDR_LEN 4           /* OpCode, MS-CHAPv2-ID, MS-Length */
#define MS_RESPONSE_VALUE 49   /* Peer-Challenge, 8 reserved, NT-Response, Flags */
#define EAP_EXPANDED 254       /* RFC 3748 5.7 */
#define FAIL_TEXT_MAX 200

enum state {
	ST_START,      /* no challenge yet: Identity, Notification, Nak */
	ST_CHALLENGED, /* our Response is out; waiting for Success/Failure */
	ST_PROVEN,     /* the gateway's authenticator response checked out */
	ST_SUCCEEDED,
	ST_FAILED,
};

struct rove_eap_client {
	char *identity;
	size_t ilen;
	char *password;
	size_t plen;
	const struct rove_rng *rng;
	enum state st;
	char auth_resp[ROVE_MSCHAP_AUTH_RESPONSE_LEN + 1];
	uint8_t msk[ROVE_MSCHAP_MSK_LEN];
	struct rove_err why; /* the first failure, repeated on a trailing EAP-Failure */
};

int rove_eap_parse(const uint8_t *buf, size_t len, struct rove_eap_pkt *p, struct rove_err *err)
{
	memset(p, 0, sizeof(*p));
	if (!buf || len < ROVE_EAP_HDR_LEN)
		return rove_err_set(err, ROVE_E_PARSE, _("EAP: packet of %zu bytes is shorter than "
			  "the 4-byte header"), buf ? len : 0);
	p->code = buf[0];
	p->id = buf[1];
	p->length = rove_get_be16(buf + 2);
	if (p->length != len)
		return rove_err_set(err, ROVE_E_PARSE, _("EAP: Length field says %u bytes but the "
			  "packet has %zu"), p->length, len);
	switch (p->code) {
	case ROVE_EAP_REQUEST:
	case ROVE_EAP_RESPONSE:
		if (len < ROVE_EAP_HDR_LEN + 1)
			return rove_err_set(err, ROVE_E_PARSE, _("EAP: %s without a Type"),
				p->code == ROVE_EAP_REQUEST ? "Request" : "Response");
		p->type = buf[4];
		p->data = buf + 5;
		p->data_len = len - 5;
		return 0;
	case ROVE_EAP_SUCCESS:
	case ROVE_EAP_FAILURE:
		if (len != ROVE_EAP_HDR_LEN)
			return rove_err_set(err, ROVE_E_PARSE, _("EAP: %s must be 4 bytes, got %zu"),
				p->code == ROVE_EAP_SUCCESS ? "Success" : "Failure", len);
		return 0;
	default:
		return rove_err_set(err, ROVE_E_PARSE, _("EAP: unknown code %u"), p->code);
	}
}

struct rove_eap_client *rove_eap_client_new(const char *identity, const uint8_t *password,
	size_t plen, const struct rove_rng *rng, struct rove_err *err)
{
	struct rove_eap_client *c;
	uint8_t hash[16];
	size_t ilen = identity ? strnlen(identity, ROVE_EAP_MAX_IDENTITY + 1) : 0;

	if (ilen == 0 || ilen > ROVE_EAP_MAX_IDENTITY) {
		rove_err_set(err, ROVE_E_INVAL, _("EAP: the user name must be 1 to %d bytes long"),
			ROVE_EAP_MAX_IDENTITY);
		return NULL;
	}
	if (!password && plen) {
		rove_err_set(err, ROVE_E_INVAL, _("EAP: no password"));
		return NULL;
	}
	/* Fails early on a bad password or a missing legacy provider. */
	if (rove_mschap_nt_password_hash((const char *)password, plen, hash, err) < 0)
		return NULL;
	rove_wipe(hash, sizeof(hash));

	c = calloc(1, sizeof(*c));
	if (!c || !(c->identity = malloc(ilen + 1)) || !(c->password = malloc(plen + 1))) {
		rove_eap_client_free(c);
		rove_err_set(err, ROVE_E_NOMEM, _("EAP: out of memory"));
		return NULL;
	}
	memcpy(c->identity, identity, ilen);
	c->identity[ilen] = '\0';
	c->ilen = ilen;
	if (plen)
		memcpy(c->password, password, plen);
	c->password[plen] = '\0';
	c->plen = plen;
	c->rng = rng;
	c->st = ST_START;
	return c;
}

void rove_eap_client_free(struct rove_eap_client *c)
{
	if (!c)
		return;
	if (c->identity) {
		rove_wipe(c->identity, c->ilen);
		free(c->identity);
	}
	if (c->password) {
		rove_wipe(c->password, c->plen + 1);
		free(c->password);
	}
	rove_wipe(c, sizeof(*c));
	free(c);
}

const uint8_t *rove_eap_client_msk(const struct rove_eap_client *c, size_t *len)
{
	if (!c || c->st != ST_SUCCEEDED) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = sizeof(c->msk);
	return c->msk;
}

/* Starts a Response of the given type; returns its offset in out. */
static size_t begin_response(struct rove_buf *out, uint8_t id, uint8_t type)
{
	size_t at = out->len;

	rove_buf_add_u8(out, ROVE_EAP_RESPONSE);
	rove_buf_add_u8(out, id);
	rove_buf_add_be16(out, 0);
	rove_buf_add_u8(out, type);
	return at;
}

static void end_response(struct rove_buf *out, size_t at)
{
	rove_buf_set_be16(out, at + 2, (uint16_t)(out->len - at));
}

/* RFC 3748 5.3: offer the one method we have. An expanded-type request
 * needs an Expanded Nak listing it in expanded form (5.3.2). */
static int send_nak(const struct rove_eap_pkt *p, struct rove_buf *out)
{
	size_t at = begin_response(out, p->id, p->type == EAP_EXPANDED ? EAP_EXPANDED : ROVE_EAPT_NAK);

	if (p->type == EAP_EXPANDED) {
		static const uint8_t tail[] = {
			0, 0, 0, 0, 0, 0, ROVE_EAPT_NAK,
			EAP_EXPANDED, 0, 0, 0, 0, 0, 0, ROVE_EAPT_MSCHAPV2,
		};
		rove_buf_add(out, tail, sizeof(tail));
	} else {
		rove_buf_add_u8(out, ROVE_EAPT_MSCHAPV2);
	}
	end_response(out, at);
	return 0;
}

static int on_challenge(struct rove_eap_client *c, const struct rove_eap_pkt *p, uint8_t ms_id,
	const uint8_t *body, size_t blen, struct rove_buf *out, struct rove_err *err)
{
	static const uint8_t reserved[8];
	uint8_t peer[ROVE_MSCHAP_CHALLENGE_LEN], nt[ROVE_MSCHAP_NT_RESPONSE_LEN];
	const uint8_t *auth;
	size_t at, msk_len = sizeof(c->msk);

	if (c->st != ST_START)
		return rove_err_set(err, ROVE_E_PROTO, _("EAP-MSCHAPv2: unexpected second challenge"));
	if (blen < 1)
		return rove_err_set(err, ROVE_E_PARSE, _("EAP-MSCHAPv2 challenge: no Value-Size"));
	if (body[0] > blen - 1)
		return rove_err_set(err, ROVE_E_PARSE, _("EAP-MSCHAPv2 challenge: Value-Size %u is "
			  "larger than the %zu bytes that follow"), body[0], blen - 1);
	if (body[0] != ROVE_MSCHAP_CHALLENGE_LEN)
		return rove_err_set(err, ROVE_E_PARSE, _("EAP-MSCHAPv2 challenge: Value-Size %u, "
			  "expected %d"), body[0], ROVE_MSCHAP_CHALLENGE_LEN);
	auth = body + 1; /* the gateway's Name that follows is not used */

	if (rove_rng_fill(c->rng, peer, sizeof(peer)) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("EAP-MSCHAPv2: the random generator failed"));
	if (rove_mschap_nt_response(auth, peer, c->identity, c->ilen, c->password, c->plen, nt,
		err) < 0 ||
	    rove_mschap_authenticator_response(c->password, c->plen, nt, peer, auth, c->identity,
		c->ilen, c->auth_resp, err) < 0 ||
	    rove_mschap_msk(c->password, c->plen, nt, c->msk, &msk_len, err) < 0)
		return -1;

	at = begin_response(out, p->id, ROVE_EAPT_MSCHAPV2);
	rove_buf_add_u8(out, MS_RESPONSE);
	rove_buf_add_u8(out, ms_id);
	rove_buf_add_be16(out, 0);
	rove_buf_add_u8(out, MS_RESPONSE_VALUE);
	rove_buf_add(out, peer, sizeof(peer));
	rove_buf_add(out, reserved, sizeof(reserved));
	rove_buf_add(out, nt, sizeof(nt));
	rove_buf_add_u8(out, 0); /* Flags */
	rove_buf_add(out, c->identity, c->ilen);
	end_response(out, at);
	/* MS-Length is the EAP Length minus 5. */
	rove_buf_set_be16(out, at + 7, (uint16_t)(out->len - at - 5));
	c->st = ST_CHALLENGED;
	return 0;
}

/* Returns 1 when the gateway's "S=<40 hex>" matches ours, 0 when not. */
static int check_auth_response(const struct rove_eap_client *c, const uint8_t *msg, size_t len,
	struct rove_err *err)
{
	char got[ROVE_MSCHAP_AUTH_RESPONSE_LEN];
	bool eq;

	if (len < sizeof(got) || msg[0] != 'S' || msg[1] != '=')
		return rove_err_set(err, ROVE_E_PARSE, _("EAP-MSCHAPv2 success: the message does not "
			  "start with an authenticator response (S=<40 hex digits>)"));
	/* RFC 2759 says uppercase; accept either case rather than fail a
	 * gateway that proved the right thing. */
	for (size_t i = 0; i < sizeof(got); i++)
		got[i] = (char)(msg[i] >= 'a' && msg[i] <= 'f' ? msg[i] - 'a' + 'A' : msg[i]);
	eq = rove_memeq_ct(got, c->auth_resp, sizeof(got));
	rove_wipe(got, sizeof(got));
	return eq ? 1 : 0;
}

static int on_ms_success(struct rove_eap_client *c, const struct rove_eap_pkt *p,
	const uint8_t *body, size_t blen, struct rove_buf *out, enum rove_eap_result *res,
	struct rove_err *err)
{
	size_t at;
	int ok;

	if (c->st != ST_CHALLENGED)
		return rove_err_set(err, ROVE_E_PROTO, _("EAP-MSCHAPv2: Success request before our "
			  "response"));
	ok = check_auth_response(c, body, blen, err);
	if (ok < 0)
		return -1;
	if (!ok) {
		*res = ROVE_EAP_DONE_FAILURE;
		rove_err_set(err, ROVE_E_AUTH, _("the gateway did not prove it knows the password "
			  "(bad MSCHAPv2 authenticator response)"));
		return 0;
	}
	/* The Success Response is only the OpCode (draft-kamath 2.4). */
	at = begin_response(out, p->id, ROVE_EAPT_MSCHAPV2);
	rove_buf_add_u8(out, MS_SUCCESS);
	end_response(out, at);
	c->st = ST_PROVEN;
	return 0;
}

static const char *failure_meaning(long code)
{
	switch (code) {
	case 646:
		return _("the account may not log in at this time of day (restricted logon hours)");
	case 647:
		return _("the account is disabled");
	case 648:
		return _("the password has expired");
	case 649:
		return _("the account has no dial-in (remote access) permission");
	case 691:
		return _("authentication failure: check the user name and password");
	case 709:
		return _("the password must be changed, which this client cannot do");
	default:
		return _("unknown error");
	}
}

/* Copies the server's text as printable ASCII, trimmed and capped. The text
 * ends at a NUL: some servers send C strings with their terminator. */
static void sanitize(const uint8_t *s, size_t len, char *out, size_t cap)
{
	size_t n = 0, b = 0;

	while (b < len && s[b] == ' ')
		b++;
	for (size_t i = b; i < len && s[i] && n + 1 < cap; i++)
		out[n++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (n + 1 == cap && n >= 3 && b + n < len && s[b + n])
		memcpy(out + n - 3, "...", 3);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* "E=eeeeeeeeee R=r C=cccc... V=vvvvvvvvvv M=<msg>" (RFC 2759 6): only E
 * and M matter to the user; M runs to the end and may contain spaces. */
static void describe_failure(const uint8_t *msg, size_t len, struct rove_err *err)
{
	char text[FAIL_TEXT_MAX + 1] = "", ecode[24];
	const char *meaning = _("no reason given");
	size_t i = 0;

	snprintf(ecode, sizeof(ecode), "%s", _("no error code"));

	while (i < len && msg[i]) {
		size_t tok;

		while (i < len && msg[i] == ' ')
			i++;
		tok = i;
		if (len - tok >= 2 && msg[tok] == 'M' && msg[tok + 1] == '=') {
			sanitize(msg + tok + 2, len - tok - 2, text, sizeof(text));
			break;
		}
		while (i < len && msg[i] && msg[i] != ' ')
			i++;
		if (i - tok > 2 && i - tok <= 12 && msg[tok] == 'E' && msg[tok + 1] == '=') {
			long code = 0;
			for (size_t k = tok + 2; k < i && code >= 0; k++)
				code = msg[k] >= '0' && msg[k] <= '9' ? code * 10 + (msg[k] - '0') : -1;
			if (code >= 0) {
				snprintf(ecode, sizeof(ecode), "E=%ld", code);
				meaning = failure_meaning(code);
			}
		}
	}
	rove_err_set(err, ROVE_E_AUTH, _("the gateway rejected the MSCHAPv2 authentication: %s "
		  "(%s)%s%s%s"), meaning, ecode, text[0] ? _("; server message: \"") : "", text,
		text[0] ? "\"" : "");
}

static int on_ms_failure(struct rove_eap_client *c, const struct rove_eap_pkt *p,
	const uint8_t *body, size_t blen, struct rove_buf *out, enum rove_eap_result *res,
	struct rove_err *err)
{
	size_t at;

	if (c->st != ST_CHALLENGED)
		return rove_err_set(err, ROVE_E_PROTO, _("EAP-MSCHAPv2: Failure request before our "
			  "response"));
	describe_failure(body, blen, err);
	/* We do not retry (R=1) or change passwords: acknowledge and stop. */
	at = begin_response(out, p->id, ROVE_EAPT_MSCHAPV2);
	rove_buf_add_u8(out, MS_FAILURE);
	end_response(out, at);
	*res = ROVE_EAP_DONE_FAILURE;
	return 0;
}

static int on_mschap(struct rove_eap_client *c, const struct rove_eap_pkt *p,
	struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err)
{
	uint8_t opcode, ms_id;
	uint16_t ms_len;
	const uint8_t *body;
	size_t blen;

	if (p->data_len < MS_HDR_LEN)
		return rove_err_set(err, ROVE_E_PARSE, _("EAP-MSCHAPv2: truncated header (%zu bytes, "
			  "need %d)"), p->data_len, MS_HDR_LEN);
	opcode = p->data[0];
	ms_id = p->data[1];
	ms_len = rove_get_be16(p->data + 2);
	if (ms_len != p->data_len)
		return rove_err_set(err, ROVE_E_PARSE, _("EAP-MSCHAPv2: MS-Length %u does not match "
			  "the EAP Length (expected %zu)"), ms_len, p->data_len);
	body = p->data + MS_HDR_LEN;
	blen = p->data_len - MS_HDR_LEN;
	switch (opcode) {
	case MS_CHALLENGE:
		return on_challenge(c, p, ms_id, body, blen, out, err);
	case MS_SUCCESS:
		return on_ms_success(c, p, body, blen, out, res, err);
	case MS_FAILURE:
		return on_ms_failure(c, p, body, blen, out, res, err);
	default:
		return rove_err_set(err, ROVE_E_PROTO, _("EAP-MSCHAPv2: unexpected OpCode %u in a "
			  "request"), opcode);
	}
}

static int on_request(struct rove_eap_client *c, const struct rove_eap_pkt *p,
	struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err)
{
	size_t at;

	switch (p->type) {
	case ROVE_EAPT_IDENTITY:
		if (c->st != ST_START)
			return rove_err_set(err, ROVE_E_PROTO, _("EAP: Identity request after the "
				  "authentication started"));
		at = begin_response(out, p->id, ROVE_EAPT_IDENTITY);
		rove_buf_add(out, c->identity, c->ilen);
		end_response(out, at);
		return 0;
	case ROVE_EAPT_NOTIFICATION:
		/* RFC 3748 5.2: acknowledge with an empty Response. */
		end_response(out, begin_response(out, p->id, ROVE_EAPT_NOTIFICATION));
		return 0;
	case ROVE_EAPT_NAK:
		return rove_err_set(err, ROVE_E_PROTO, _("EAP: Nak is not a valid request type"));
	case ROVE_EAPT_MSCHAPV2:
		return on_mschap(c, p, out, res, err);
	default:
		if (c->st != ST_START)
			return rove_err_set(err, ROVE_E_PROTO, _("EAP: the gateway switched to method %u "
				  "during MSCHAPv2"), p->type);
		return send_nak(p, out);
	}
}

static int dispatch(struct rove_eap_client *c, const struct rove_eap_pkt *p,
	struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err)
{
	*res = ROVE_EAP_CONTINUE;
	switch (p->code) {
	case ROVE_EAP_SUCCESS:
		*res = ROVE_EAP_DONE_FAILURE;
		if (c->st != ST_PROVEN) {
			rove_err_set(err, ROVE_E_AUTH, _("the gateway sent EAP-Success without proving it "
				  "knows the password (no verified MSCHAPv2 authenticator response)"));
			return 0;
		}
		c->st = ST_SUCCEEDED;
		*res = ROVE_EAP_DONE_SUCCESS;
		return 0;
	case ROVE_EAP_FAILURE:
		*res = ROVE_EAP_DONE_FAILURE;
		rove_err_set(err, ROVE_E_AUTH, _("the gateway rejected the EAP authentication: check "
			  "the user name and password"));
		return 0;
	case ROVE_EAP_RESPONSE:
		return rove_err_set(err, ROVE_E_PROTO, _("EAP: the gateway sent a Response; a client "
			  "only answers Requests"));
	default:
		return on_request(c, p, out, res, err);
	}
}

static void fail(struct rove_eap_client *c, const struct rove_err *why)
{
	c->st = ST_FAILED;
	c->why = *why;
	rove_wipe(c->msk, sizeof(c->msk));
}

int rove_eap_client_input(struct rove_eap_client *c, const uint8_t *pkt, size_t len,
	struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err)
{
	struct rove_err local;
	struct rove_eap_pkt p;
	size_t start = out->len;
	int rc;

	if (!err)
		err = &local;
	*res = ROVE_EAP_DONE_FAILURE;
	if (c->st == ST_FAILED) {
		if (rove_eap_parse(pkt, len, &p, NULL) == 0 && p.code == ROVE_EAP_FAILURE) {
			*err = c->why;
			return 0;
		}
		return rove_err_set(err, ROVE_E_PROTO, _("EAP: the authentication already failed"));
	}
	if (c->st == ST_SUCCEEDED)
		return rove_err_set(err, ROVE_E_PROTO, _("EAP: the authentication already succeeded"));

	rc = rove_eap_parse(pkt, len, &p, err);
	if (rc == 0)
		rc = dispatch(c, &p, out, res, err);
	if (rc == 0 && out->failed)
		rc = rove_err_set(err, ROVE_E_NOMEM, _("EAP: out of memory"));
	if (rc < 0) {
		if (out->len > start)
			rove_wipe(out->data + start, out->len - start);
		out->len = start;
		*res = ROVE_EAP_DONE_FAILURE;
	}
	if (*res == ROVE_EAP_DONE_FAILURE)
		fail(c, err);
	return rc;
}
