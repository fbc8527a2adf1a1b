/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A hostile gateway's IKE_AUTH response, made from a recorded one: the
 * engine's own keys (session_internal.h) open the recorded response, a
 * test edits its inner payloads, and the same keys seal it again, so the
 * engine judges what a gateway with the real keys could send. Included once
 * by test_engine.c after the replay helpers (tests/hostile/ drives rove
 * against a scripted responder; these are the engine tests of its fixes). */
#include "session_internal.h"
#include "sk.h"

/* Rebuilds msg's inner payloads: each as it was, but none of type `drop`
 * (ROVE_PL_NONE: none dropped), and after the first of type `after`,
 * `copies` more copies of it. True when a payload of type `after` was
 * there. */
static bool reseal(struct rove_session *s, const uint8_t *msg, size_t len, uint8_t after,
		   unsigned copies, uint8_t drop, struct rove_buf *out)
{
	struct rove_msg *m = calloc(1, sizeof(*m));
	struct rove_sk_dir d;
	struct rove_err err;
	struct rove_mb mb;
	uint8_t *plain = malloc(len);
	size_t plen = 0, sk_off;
	bool ok = false, copied = false;

	rove_sk_dir_from_keys(&s->keys, false, &d); /* the gateway's direction */
	if (!m || !plain || rove_msg_parse(msg, len, m, &err) < 0 || m->n != 1 ||
	    m->pl[0].type != ROVE_PL_SK)
		goto out;
	sk_off = m->pl[0].offset;
	if (rove_sk_open(&d, msg, len, sk_off, plain, len, &plen, &err) < 0 ||
	    rove_msg_parse_inner(m->pl[0].next, plain, plen, m, &err) < 0)
		goto out;
	rove_mb_init_inner(&mb);
	for (size_t i = 1; i < m->n; i++) {
		if (drop != ROVE_PL_NONE && m->pl[i].type == drop)
			continue;
		rove_mb_add(&mb, m->pl[i].type, m->pl[i].body, m->pl[i].len);
		for (unsigned c = 0; !copied && m->pl[i].type == after && c < copies; c++)
			rove_mb_add(&mb, m->pl[i].type, m->pl[i].body, m->pl[i].len);
		copied |= m->pl[i].type == after;
	}
	if (rove_mb_finish(&mb, &err) == 0) {
		rove_buf_init(out);
		rove_buf_add(out, msg, sk_off);
		ok = rove_sk_seal(&d, s->cfg.rng, out, sk_off, mb.first, mb.buf.data, mb.buf.len,
				  &err) == 0;
	}
	rove_mb_free(&mb);
out:
	free(plain);
	free(m);
	return ok && copied;
}

static bool reseal_with_copies(struct rove_session *s, const uint8_t *msg, size_t len,
			       uint8_t after, unsigned copies, struct rove_buf *out)
{
	return reseal(s, msg, len, after, copies, ROVE_PL_NONE, out);
}

/* The recorded PSK session's IKE_AUTH response without its payload of type
 * drop: the failure reason and sentence the engine gives. */
static enum rove_fail auth_without(uint8_t drop, char *msg, size_t cap)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf bad;
	enum rove_fail f = ROVE_FAIL_NONE;
	char p[256];

	msg[0] = '\0';
	CHECK(load_rec(rec_path("psk.rec", p, sizeof(p)), &r));
	CHECK(r.n > 3 && r.s[1].dir == '<' && r.s[3].dir == '<');
	if (!start_run(&ru, &r, &v))
		return ROVE_FAIL_INTERNAL;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	rove_session_recv(ru.s, r.s[1].data, r.s[1].len, &l, &rem, ru.now += 5);
	drain(&ru);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* our IKE_AUTH request */
	/* ROVE_PL_IDR is in every IKE_AUTH response: reseal's "found" check */
	CHECK(reseal(ru.s, r.s[3].data, r.s[3].len, ROVE_PL_IDR, 0, drop, &bad));
	rove_session_recv(ru.s, bad.data, bad.len, &l, &rem, ru.now += 5);
	drain(&ru);
	CHECK(!ru.up);
	if (ru.failed) {
		f = ru.reason;
		snprintf(msg, cap, "%s", ru.fail_msg);
	}
	rove_buf_free(&bad);
	end_run(&ru);
	free_rec(&r);
	return f;
}

/* Which CHILD SA failure is a traffic-selector one is told by where the
 * error came from (take_ts), not by words in its sentence, which gettext
 * may have translated: without TSr it is ROVE_FAIL_TS_UNACCEPTABLE, without
 * the SA payload (the same error code, ROVE_E_PROTO) it is not. */
static void test_child_failure_kind(void)
{
	char msg[512];

	CHECK(auth_without(ROVE_PL_TSR, msg, sizeof(msg)) == ROVE_FAIL_TS_UNACCEPTABLE);
	CHECK(strstr(msg, "lacks traffic selectors") != NULL);
	CHECK(auth_without(ROVE_PL_SA, msg, sizeof(msg)) == ROVE_FAIL_PROTOCOL);
	CHECK(strstr(msg, "no SA payload") != NULL);
}

/* A certificate chain far too long (the gateway's certificate and 40 more
 * CERT payloads) is refused for what it is; rove judged the first 8 and
 * then, had they not verified, blamed the CA setting. */
static void test_too_many_certs(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf bad;
	char p[256];

	CHECK(load_rec(rec_path("psk.rec", p, sizeof(p)), &r));
	CHECK(r.n > 3 && r.s[1].dir == '<' && r.s[3].dir == '<');
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	rove_session_recv(ru.s, r.s[1].data, r.s[1].len, &l, &rem, ru.now += 5);
	drain(&ru);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* our IKE_AUTH request */
	CHECK(reseal_with_copies(ru.s, r.s[3].data, r.s[3].len, ROVE_PL_CERT, 40, &bad));
	rove_session_recv(ru.s, bad.data, bad.len, &l, &rem, ru.now += 5);
	drain(&ru);
	CHECK(ru.failed && !ru.up && ru.reason == ROVE_FAIL_CERT);
	CHECK(strstr(ru.fail_msg, "the gateway sent 41 certificates, more than the 8") != NULL);
	rove_buf_free(&bad);
	end_run(&ru);
	free_rec(&r);
}

/* ---- a flood of INFORMATIONAL requests ---- */

static unsigned occurrences(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* An empty INFORMATIONAL request from the gateway (a liveness check),
 * sealed with its keys, under message ID id. */
static bool gw_request(struct rove_session *s, uint32_t id, struct rove_buf *out)
{
	struct rove_sk_dir d;
	struct rove_err err;
	struct rove_mb mb;
	bool ok;

	rove_sk_dir_from_keys(&s->keys, false, &d);
	rove_mb_init(&mb, s->spi_i, s->spi_r, ROVE_EXCH_INFORMATIONAL, 0, id);
	mb.buf.data[16] = ROVE_PL_SK;
	ok = rove_sk_seal(&d, s->cfg.rng, &mb.buf, mb.buf.len, ROVE_PL_NONE, NULL, 0, &err) == 0;
	rove_buf_init(out);
	rove_buf_add(out, mb.buf.data, mb.buf.len);
	rove_mb_free(&mb);
	return ok && !out->failed;
}

/* Feeds request id at ru->now; returns how many answers rove queued. */
static unsigned gw_request_answered(struct run *ru, uint32_t id)
{
	struct rove_addr l, rem;
	struct rove_datagram dg;
	struct rove_buf req;
	unsigned answers = 0;

	rove_addr_parse("192.0.2.2", &l);
	rove_addr_parse("192.0.2.1", &rem);
	CHECK(gw_request(ru->s, id, &req));
	rove_session_recv(ru->s, req.data, req.len, &l, &rem, ru->now);
	rove_buf_free(&req);
	while (rove_session_pop_datagram(ru->s, &dg))
		answers += dg.len > 28 && dg.data[18] == ROVE_EXCH_INFORMATIONAL &&
			   (dg.data[19] & ROVE_FLAG_RESPONSE);
	drain(ru);
	return answers;
}

static bool up_on_psk_rec(struct run *ru, struct rec *r)
{
	struct variant v = { .verbose = true };
	char p[256];

	CHECK(load_rec(rec_path("psk.rec", p, sizeof(p)), r));
	if (!start_run(ru, r, &v))
		return false;
	play_until(ru, r, true, SIZE_MAX, true);
	CHECK(ru->up && !ru->failed);
	return ru->up;
}

/* 100 requests a second (each in sequence, each answered as it comes, as
 * a gateway ignoring the window would send them): rove answers the first
 * 20 and then 10 a second, says once that it drops the rest, and after 5 s
 * of it ends the session with its sentence (and a DELETE). */
static void test_info_flood_ends_session(void)
{
	struct rec r;
	struct run ru;
	unsigned answered = 0, sent = 0;
	uint64_t t0;
	uint32_t id = 0;

	if (!up_on_psk_rec(&ru, &r))
		return;
	t0 = ru.now;
	while (!ru.failed && ru.now - t0 < 30000) {
		unsigned a = gw_request_answered(&ru, id);

		sent++;
		answered += a;
		id += a; /* the next one, or this one again when it went unanswered */
		ru.now += 10;
	}
	CHECK(ru.failed && ru.reason == ROVE_FAIL_PROTOCOL);
	CHECK(strstr(ru.fail_msg, "far more than any gateway needs; ending the session: "
				  "check the gateway (or an attacker on the path)") != NULL);
	CHECK(strstr(ru.fail_msg, "the gateway sent ") != NULL);
	/* 20 at once, then one each 100 ms until 5 s after the first refusal */
	CHECK(answered >= 20 + 50 && answered <= 20 + 60);
	CHECK(ru.now - t0 <= 7500);
	CHECK(sent > 500);
	CHECK(strstr(ru.progress, "the gateway sends requests faster than 10 a second") != NULL);
	CHECK(occurrences(ru.progress, "faster than") == 1);
	/* the log holds the answered requests only, not one line per request */
	CHECK(occurrences(ru.logs, "received INFORMATIONAL request") == answered);
	CHECK(rove_session_state(ru.s) == ROVE_ST_CLOSED);
	end_run(&ru);
	free_rec(&r);
}

/* A gateway at a real gateway's pace is never cut short: a burst of 30
 * gets 20 answers at once (the rest go unanswered, one warning), the
 * gateway's retransmission 2 s later is answered, and then 10 requests a
 * second for a minute are all answered. */
static void test_info_pace_kept(void)
{
	struct rec r;
	struct run ru;
	unsigned answered = 0;
	uint32_t id = 0;

	if (!up_on_psk_rec(&ru, &r))
		return;
	for (int i = 0; i < 30; i++) {
		unsigned a = gw_request_answered(&ru, id);

		answered += a;
		id += a;
	}
	CHECK(answered == 20 && id == 20);
	CHECK(strstr(ru.progress, "faster than 10 a second (21 in 1 s)") != NULL);
	ru.now += 2000;
	CHECK(gw_request_answered(&ru, id++) == 1); /* its retransmission */
	answered = 0;
	for (int i = 0; i < 600; i++) {
		ru.now += 100;
		answered += gw_request_answered(&ru, id++);
	}
	CHECK(answered == 600 && !ru.failed);
	CHECK(rove_session_state(ru.s) == ROVE_ST_ESTABLISHED);
	end_run(&ru);
	free_rec(&r);
}

/* ---- a huge CERTREQ list ---- */

/* The recorded IKE_SA_INIT response with CERTREQ payloads of n1 and n2 CA
 * hashes instead of its own (hash i is 20 bytes of i's low byte, then i's high byte). */
static bool init_resp_with_certreq(const uint8_t *msg, size_t len, size_t n1, size_t n2,
				   struct rove_buf *out)
{
	struct rove_msg *m = calloc(1, sizeof(*m));
	struct rove_err err;
	struct rove_mb mb;
	struct rove_buf body;
	size_t k = 0, ns[2] = { n1, n2 };
	bool ok;

	if (!m || rove_msg_parse(msg, len, m, &err) < 0) {
		free(m);
		return false;
	}
	rove_mb_init(&mb, m->hdr.spi_i, m->hdr.spi_r, m->hdr.exchange, m->hdr.flags, m->hdr.msg_id);
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type != ROVE_PL_CERTREQ) /* strongSwan's, one hash */
			rove_mb_add(&mb, m->pl[i].type, m->pl[i].body, m->pl[i].len);
	for (size_t j = 0; j < 2; j++) {
		rove_buf_init(&body);
		rove_buf_add(&body, (const uint8_t[]){ ROVE_CERT_X509_SIG }, 1);
		for (size_t i = 0; i < ns[j]; i++, k++) {
			uint8_t h[20];

			memset(h, (int)(k & 0xff), sizeof(h));
			h[19] = (uint8_t)(k >> 8);
			rove_buf_add(&body, h, sizeof(h));
		}
		rove_mb_add(&mb, ROVE_PL_CERTREQ, body.data, body.len);
		rove_buf_free(&body);
	}
	ok = rove_mb_finish(&mb, &err) == 0;
	rove_buf_init(out);
	rove_buf_add(out, mb.buf.data, mb.buf.len);
	rove_mb_free(&mb);
	free(m);
	return ok;
}

/* 3000 CA hashes in two CERTREQ payloads: rove goes on to IKE_AUTH (a
 * gateway listing its whole trust store is no reason to refuse it) and
 * says in one line that it read the first 100; what it keeps for picking
 * our chain is those 100, across payloads. */
static void test_huge_certreq(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { .verbose = true };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf resp, hashes;
	struct rove_msg *m = calloc(1, sizeof(*m));
	struct rove_err err;
	char p[256];

	CHECK(m != NULL);
	CHECK(load_rec(rec_path("psk.rec", p, sizeof(p)), &r));
	if (!m || !start_run(&ru, &r, &v)) {
		free(m);
		return;
	}
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(init_resp_with_certreq(r.s[1].data, r.s[1].len, 60, 2940, &resp));
	rove_session_recv(ru.s, resp.data, resp.len, &l, &rem, ru.now += 5);
	drain(&ru);
	CHECK(!ru.failed);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* our IKE_AUTH request */
	CHECK(dg.len > 28 && dg.data[18] == ROVE_EXCH_IKE_AUTH);
	CHECK(strstr(ru.logs, "the gateway's CERTREQ names 3000 CAs; rove reads the first 100")
	      != NULL);
	CHECK(rove_msg_parse(resp.data, resp.len, m, &err) == 0);
	rove_buf_init(&hashes);
	CHECK(auth_certreq_hashes(m, &hashes) == 3000);
	CHECK(hashes.len == 100 * 20);
	CHECK(hashes.len == 2000 && hashes.data[59 * 20] == 59 && hashes.data[60 * 20] == 60 &&
	      hashes.data[99 * 20] == 99);
	rove_buf_free(&hashes);
	rove_buf_free(&resp);
	free(m);
	end_run(&ru);
	free_rec(&r);
}
