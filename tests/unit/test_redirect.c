/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 5685 redirect: the REDIRECT/REDIRECTED_FROM data (section 8), the
 * loop protection (section 9), and the engine with a REDIRECT in the
 * IKE_SA_INIT response, which is unencrypted and so can be built here
 * around the engine's own request: only one that carries our nonce counts.
 * The redirect of an established session is replayed from a strongSwan
 * recording in test_engine.c. */
#include "check.h"

#include <sys/socket.h>

#include "ikev2.h"
#include "payload.h"
#include "redirect.h"
#include "session.h"

static void test_parse(void)
{
	static const uint8_t v4[] = { 1, 4, 198, 51, 100, 7 };
	static const uint8_t v6[] = { 2, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
	static const uint8_t fqdn[] = { 3, 8, 'v', 'p', 'n', '2', '.', 't', 's', 't' };
	static const uint8_t bad_fqdn[] = { 3, 3, 'a', ' ', 'b' };
	static const uint8_t nonce[4] = { 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t v4_nonce[] = { 1, 4, 198, 51, 100, 7, 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t v4_other[] = { 1, 4, 198, 51, 100, 7, 0xde, 0xad, 0xbe, 0xee };
	static const uint8_t short_id[] = { 1, 4, 198, 51, 100 };
	static const uint8_t v4_len3[] = { 1, 3, 198, 51, 100 };
	static const uint8_t unknown[] = { 9, 1, 0 };
	struct rove_redirect r;
	struct rove_err err;
	char buf[256];

	CHECK(rove_redirect_parse(v4, sizeof(v4), NULL, 0, &r, &err) == 0);
	CHECK(r.addr.family == AF_INET);
	CHECK_STR(rove_redirect_str(&r, buf, sizeof(buf)), "198.51.100.7");
	CHECK(rove_redirect_parse(v6, sizeof(v6), NULL, 0, &r, &err) == 0);
	CHECK(r.addr.family == AF_INET6);
	CHECK_STR(rove_redirect_str(&r, buf, sizeof(buf)), "2001:db8::9");
	CHECK(rove_redirect_parse(fqdn, sizeof(fqdn), NULL, 0, &r, &err) == 0);
	CHECK(r.addr.family == 0);
	CHECK_STR(rove_redirect_str(&r, buf, sizeof(buf)), "vpn2.tst");
	CHECK(rove_redirect_parse(bad_fqdn, sizeof(bad_fqdn), NULL, 0, &r, &err) < 0);
	/* IKE_SA_INIT: the nonce data must be ours, exactly. */
	CHECK(rove_redirect_parse(v4_nonce, sizeof(v4_nonce), nonce, 4, &r, &err) == 0);
	CHECK(rove_redirect_parse(v4_other, sizeof(v4_other), nonce, 4, &r, &err) < 0);
	CHECK(err.code == ROVE_E_PROTO);
	CHECK(rove_redirect_parse(v4, sizeof(v4), nonce, 4, &r, &err) < 0);
	/* elsewhere none may follow */
	CHECK(rove_redirect_parse(v4_nonce, sizeof(v4_nonce), NULL, 0, &r, &err) < 0);
	CHECK(rove_redirect_parse(short_id, sizeof(short_id), NULL, 0, &r, &err) < 0);
	CHECK(rove_redirect_parse(v4_len3, sizeof(v4_len3), NULL, 0, &r, &err) < 0);
	CHECK(rove_redirect_parse(unknown, sizeof(unknown), NULL, 0, &r, &err) < 0);
	CHECK(rove_redirect_parse(v4, 1, NULL, 0, &r, &err) < 0);
	CHECK(rove_redirect_parse(v4, 0, NULL, 0, &r, &err) < 0);
}

static void test_build_from(void)
{
	static const uint8_t want[] = { 1, 4, 192, 0, 2, 1 };
	struct rove_addr a;
	struct rove_buf b;
	struct rove_redirect r;
	struct rove_err err;

	CHECK(rove_addr_parse("192.0.2.1", &a));
	rove_buf_init(&b);
	rove_redirect_build_addr(&b, &a);
	CHECK(b.len == sizeof(want) && !memcmp(b.data, want, sizeof(want)));
	CHECK(rove_redirect_parse(b.data, b.len, NULL, 0, &r, &err) == 0);
	CHECK(rove_addr_eq(&r.addr, &a));
	rove_buf_free(&b);
}

/* Five within five minutes are followed, the sixth is a loop; once the
 * first has aged out of the period one more is fine. */
static void test_loop_protection(void)
{
	struct rove_redirect_history h = { 0 };
	uint64_t t = 1000;

	for (int i = 0; i < ROVE_REDIRECT_MAX; i++)
		CHECK(rove_redirect_allow(&h, t + (uint64_t)i * 10000));
	CHECK(rove_redirect_recent(&h, t + 50000) == 5);
	CHECK(!rove_redirect_allow(&h, t + 50000));
	CHECK(!rove_redirect_allow(&h, t + ROVE_REDIRECT_PERIOD_MS - 1));
	CHECK(rove_redirect_allow(&h, t + ROVE_REDIRECT_PERIOD_MS));
	CHECK(!rove_redirect_allow(&h, t + ROVE_REDIRECT_PERIOD_MS + 1));
	/* a slow trickle never trips it */
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 50; i++)
		CHECK(rove_redirect_allow(&h, t + (uint64_t)i * 61000));
}

struct init_run {
	struct rove_rng_det rng;
	struct rove_session *s;
	uint8_t spi_i[8], ni[256];
	size_t ni_len;
	bool supported, from;      /* N(REDIRECT_SUPPORTED), N(REDIRECTED_FROM) */
	uint8_t from_data[32];
	size_t from_len;
};

/* A session to 192.0.2.1 and its first IKE_SA_INIT request, parsed. */
static bool start_init(struct init_run *ir, const char *redirected_from)
{
	struct rove_session_config cfg = { 0 };
	struct rove_datagram dg;
	struct rove_msg m;
	struct rove_err err;
	const struct rove_payload *p;
	struct rove_notify n;
	static const uint8_t psk[] = "secret";

	memset(ir, 0, sizeof(*ir));
	rove_rng_det_init(&ir->rng, "redirect", 8);
	rove_addr_parse("192.0.2.2", &cfg.local);
	cfg.local.port = 500;
	cfg.local_natt = cfg.local;
	cfg.local_natt.port = 4500;
	rove_addr_parse("192.0.2.1", &cfg.remote);
	cfg.remote.port = 500;
	if (redirected_from)
		rove_addr_parse(redirected_from, &cfg.redirected_from);
	cfg.remote_id = "gw.rove.test";
	cfg.auth = ROVE_AUTHK_PSK;
	cfg.local_id = "client";
	cfg.psk = psk;
	cfg.psk_len = 6;
	cfg.rng = &ir->rng.rng;
	ir->s = rove_session_new(&cfg, &err);
	CHECK(ir->s != NULL);
	if (!ir->s)
		return false;
	CHECK(rove_session_start(ir->s, 0) == 0);
	CHECK(rove_session_pop_datagram(ir->s, &dg));
	CHECK(rove_msg_parse(dg.data, dg.len, &m, &err) == 0);
	memcpy(ir->spi_i, m.hdr.spi_i, 8);
	p = rove_msg_find(&m, ROVE_PL_NONCE);
	CHECK(p && p->len <= sizeof(ir->ni));
	if (!p || p->len > sizeof(ir->ni))
		return false;
	memcpy(ir->ni, p->body, p->len);
	ir->ni_len = p->len;
	ir->supported = rove_msg_find_notify(&m, ROVE_N_REDIRECT_SUPPORTED) != NULL;
	p = rove_msg_find_notify(&m, ROVE_N_REDIRECTED_FROM);
	if (p && rove_notify_parse(p->body, p->len, &n, &err) == 0 && n.len <= 32) {
		ir->from = true;
		memcpy(ir->from_data, n.data, n.len);
		ir->from_len = n.len;
	}
	return true;
}

/* Feeds an IKE_SA_INIT response carrying only N(REDIRECT) to 198.51.100.7
 * with `nonce` as its nonce data. */
static void feed_redirect(struct init_run *ir, const uint8_t *nonce, size_t nonce_len)
{
	static const uint8_t spi_r[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t data[2 + 4 + 256] = { 1, 4, 198, 51, 100, 7 };
	struct rove_mb mb;
	struct rove_err err;
	struct rove_addr l, r;

	memcpy(data + 6, nonce, nonce_len);
	rove_mb_init(&mb, ir->spi_i, spi_r, ROVE_EXCH_IKE_SA_INIT, ROVE_FLAG_RESPONSE, 0);
	rove_mb_add_notify(&mb, 0, NULL, 0, ROVE_N_REDIRECT, data, 6 + nonce_len);
	CHECK(rove_mb_finish(&mb, &err) == 0);
	rove_addr_parse("192.0.2.2", &l);
	rove_addr_parse("192.0.2.1", &r);
	rove_session_recv(ir->s, mb.buf.data, mb.buf.len, &l, &r, 10);
	rove_mb_free(&mb);
}

static bool poll_redirect(struct rove_session *s, char *to, size_t len, bool *failed)
{
	struct rove_event ev;
	bool got = false;

	*failed = false;
	while (rove_session_poll_event(s, &ev)) {
		if (ev.type == ROVE_EV_REDIRECT) {
			rove_redirect_str(ev.redirect, to, len);
			got = true;
		}
		*failed |= ev.type == ROVE_EV_FAILED;
	}
	return got;
}

static void test_init_redirect(void)
{
	struct init_run ir;
	struct rove_datagram dg;
	char to[256] = "";
	bool failed;

	if (!start_init(&ir, NULL))
		return;
	CHECK(ir.supported && !ir.from);
	feed_redirect(&ir, ir.ni, ir.ni_len);
	CHECK(poll_redirect(ir.s, to, sizeof(to), &failed));
	CHECK(!failed);
	CHECK_STR(to, "198.51.100.7");
	CHECK(rove_session_state(ir.s) == ROVE_ST_CLOSED);
	/* No keys yet: nothing to delete, nothing to send. */
	CHECK(!rove_session_pop_datagram(ir.s, &dg));
	rove_session_free(ir.s);
}

/* A REDIRECT without our nonce may be anyone's: dropped, and the request
 * stays outstanding (it is retransmitted). */
static void test_init_redirect_wrong_nonce(void)
{
	struct init_run ir;
	struct rove_datagram dg;
	uint8_t other[256];
	char to[256] = "";
	bool failed;

	if (!start_init(&ir, NULL))
		return;
	memcpy(other, ir.ni, ir.ni_len);
	other[0] ^= 1;
	feed_redirect(&ir, other, ir.ni_len);
	CHECK(!poll_redirect(ir.s, to, sizeof(to), &failed));
	CHECK(!failed);
	feed_redirect(&ir, ir.ni, ir.ni_len - 1);
	CHECK(!poll_redirect(ir.s, to, sizeof(to), &failed));
	CHECK(rove_session_state(ir.s) == ROVE_ST_CONNECTING);
	CHECK(rove_session_next_timer(ir.s) != UINT64_MAX);
	rove_session_handle_timer(ir.s, rove_session_next_timer(ir.s));
	CHECK(rove_session_pop_datagram(ir.s, &dg)); /* the retransmission */
	rove_session_free(ir.s);
}

/* After a redirect the new session names the old gateway instead of
 * announcing support (RFC 5685 section 4.3, as strongSwan does). */
static void test_redirected_from(void)
{
	static const uint8_t want[] = { 1, 4, 203, 0, 113, 5 };
	struct init_run ir;

	if (!start_init(&ir, "203.0.113.5"))
		return;
	CHECK(ir.from && !ir.supported);
	CHECK(ir.from_len == sizeof(want) && !memcmp(ir.from_data, want, sizeof(want)));
	rove_session_free(ir.s);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_build_from);
	RUN(test_loop_protection);
	RUN(test_init_redirect);
	RUN(test_init_redirect_wrong_nonce);
	RUN(test_redirected_from);
	return check_summary();
}
