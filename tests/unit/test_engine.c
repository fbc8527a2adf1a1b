/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine driven through whole exchanges recorded against a real
 * strongSwan gateway (the .rec files in tests/data, made with tests/tools/record.c and
 * tests/tools/record.sh): with the same seed the engine must send exactly
 * the recorded bytes and reach the recorded result. Variations of the same
 * recordings check that tampering, a wrong CA, a wrong identity, an expired
 * certificate and a gateway that cannot prove the password are refused, and
 * that silence ends in the "UDP blocked" failure. Rekeys are in
 * test_rekey.c. */
#include "recorded.h"

#include "ikev2.h"
#include "payload.h"
#include "redirect.h"

static void replay_ok(const char *name, const char *expect_vip)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	char p[256];

	CHECK(load_rec(rec_path(name, p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up);
	CHECK(!ru.failed);
	CHECK(ru.closed);
	CHECK_STR(ru.vip, expect_vip);
	end_run(&ru);
	free_rec(&r);
}

static void test_replay_eap(void)
{
	replay_ok("eap.rec", "10.3.0.1");
}

static void test_replay_psk(void)
{
	replay_ok("psk.rec", "10.3.0.2");
}

/* The gateway asked for a COOKIE, then for ECP-384 instead of X25519. */
static void test_replay_cookie_and_group_retry(void)
{
	replay_ok("retry.rec", "10.3.0.1");
}

/* Plays a variant loosely and returns the failure. */
static enum rove_fail variant_fail(const char *name, const struct variant *v, char *msg,
				   size_t msglen, size_t tamper_step, bool *up, bool *closed)
{
	struct rec r;
	struct run ru;
	char p[256];
	enum rove_fail f;

	CHECK(load_rec(rec_path(name, p, sizeof(p)), &r));
	if (!start_run(&ru, &r, v))
		return ROVE_FAIL_INTERNAL;
	play(&ru, &r, false, tamper_step);
	f = ru.failed ? ru.reason : ROVE_FAIL_NONE;
	snprintf(msg, msglen, "%s", ru.fail_msg);
	if (up)
		*up = ru.up;
	if (closed)
		*closed = ru.closed;
	end_run(&ru);
	free_rec(&r);
	return f;
}

/* Behind a real NAT the engine keeps the mapping open with a single 0xff
 * byte on the NAT-T port every 20 s (RFC 3948 2.3), without the non-ESP
 * marker, and only then. */
static void test_nat_keepalive(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_session_info info;
	char p[256];
	unsigned keepalives = 0;

	CHECK(load_rec(rec_path("nat.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play_until(&ru, &r, true, SIZE_MAX, true) == 0);
	CHECK(ru.up);
	rove_session_get_info(ru.s, &info);
	CHECK(info.nat_local && info.nat_detected);
	CHECK(info.local.port == r.nport && info.remote.port == 4500);
	while (rove_session_pop_datagram(ru.s, &dg))
		;
	for (int i = 0; i < 3; i++) {
		uint64_t t = rove_session_next_timer(ru.s);

		CHECK(t != UINT64_MAX && t - ru.now <= 20000);
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		while (rove_session_pop_datagram(ru.s, &dg)) {
			CHECK(dg.len == 1 && dg.data[0] == 0xff);
			CHECK(!dg.non_esp_marker);
			CHECK(dg.local.port == r.nport && dg.remote.port == 4500);
			keepalives++;
		}
	}
	CHECK(keepalives == 3);
	end_run(&ru);
	free_rec(&r);
}

static void test_no_keepalive_without_nat(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	char p[256];

	CHECK(load_rec(rec_path("eap.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	play_until(&ru, &r, true, SIZE_MAX, true);
	CHECK(ru.up);
	/* Our side is not behind a NAT: nothing to keep alive. */
	CHECK(rove_session_next_timer(ru.s) == UINT64_MAX);
	end_run(&ru);
	free_rec(&r);
}

static void test_wrong_identity(void)
{
	struct variant v = { .remote_id = "gw.elsewhere.test" };
	char msg[512];

	CHECK(variant_fail("eap.rec", &v, msg, sizeof(msg), SIZE_MAX, NULL, NULL) == ROVE_FAIL_ID_MISMATCH);
	CHECK(strstr(msg, "gw.elsewhere.test") != NULL);
}

static void test_untrusted_ca(void)
{
	struct variant v = { .ca = "../data/other-ca.pem" };
	char msg[512];

	CHECK(variant_fail("eap.rec", &v, msg, sizeof(msg), SIZE_MAX, NULL, NULL) ==
	      ROVE_FAIL_UNTRUSTED_CA);
	CHECK(strstr(msg, "ca=") != NULL);
}

static void test_expired(void)
{
	struct variant v = { .time_shift = 20LL * 365 * 86400 };
	char msg[512];

	CHECK(variant_fail("eap.rec", &v, msg, sizeof(msg), SIZE_MAX, NULL, NULL) ==
	      ROVE_FAIL_CERT_EXPIRED);
}

/* With another password our NT-Response differs, so the gateway's recorded
 * authenticator response cannot verify: a gateway that does not know the
 * password must be refused before EAP-Success counts. */
static void test_gateway_must_prove_password(void)
{
	struct variant v = { .password = "not-the-password" };
	char msg[512];
	bool up = true;

	CHECK(variant_fail("eap.rec", &v, msg, sizeof(msg), SIZE_MAX, &up, NULL) ==
	      ROVE_FAIL_AUTH_FAILED);
	CHECK(!up);
	CHECK(strstr(msg, "prove") != NULL);
}

/* A flipped bit in any gateway message is dropped: before the tunnel is
 * up it never comes up, and a damaged answer to our DELETE does not count
 * as the close (the request would time out, which play() does not wait
 * for). */
static void test_tampered(void)
{
	struct rec r;
	struct variant v = { 0 };
	char p[256], msg[512];
	size_t last = 0;

	CHECK(load_rec(rec_path("eap.rec", p, sizeof(p)), &r));
	for (size_t i = 0; i < r.n; i++)
		if (r.s[i].dir == '<')
			last = i;
	for (size_t i = 0; i < r.n; i++) {
		bool up = true, closed = true;

		if (r.s[i].dir != '<')
			continue;
		enum rove_fail f = variant_fail("eap.rec", &v, msg, sizeof(msg), i, &up, &closed);

		/* IKE_SA_INIT has no integrity protection of its own: the
		 * gateway's AUTH signature over it is what catches tampering. */
		if (i == 1)
			CHECK(f == ROVE_FAIL_PEER_AUTH);
		else
			CHECK(f == ROVE_FAIL_NONE);
		if (i == last)
			CHECK(up && !closed);
		else
			CHECK(!up && !closed);
	}
	free_rec(&r);
}

static void test_timeout(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256];
	unsigned sent = 0;
	uint64_t last = 0, gap = 0;

	CHECK(load_rec(rec_path("eap.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	while (!ru.failed && ru.now < 120000) {
		uint64_t t = rove_session_next_timer(ru.s);

		while (rove_session_pop_datagram(ru.s, &dg)) {
			CHECK(dg.len == r.s[0].len && !memcmp(dg.data, r.s[0].data, dg.len));
			if (sent++)
				CHECK(ru.now - last >= gap); /* backoff never shrinks */
			gap = ru.now - last;
			last = ru.now;
		}
		if (t == UINT64_MAX)
			break;
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		drain(&ru);
	}
	CHECK(ru.failed);
	CHECK(ru.reason == ROVE_FAIL_TIMEOUT);
	CHECK(strstr(ru.fail_msg, "UDP ports 500 and 4500") != NULL);
	CHECK(ru.now >= 30000 && ru.now <= 31000);
	CHECK(sent >= 5 && sent <= 12);
	end_run(&ru);
	free_rec(&r);
}

/* A gateway that answers every try with a broken message (its IKE_SA_INIT
 * response cut short, the header's length cut to match, so a payload runs
 * past the end): each is dropped, and when the request times out the
 * failure says the gateway answered and why its answers were dropped,
 * not that UDP may be blocked. */
static void test_only_broken_answers(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	uint8_t bad[2048];
	size_t blen;
	unsigned answered = 0;
	char p[256];

	CHECK(load_rec(rec_path("eap.rec", p, sizeof(p)), &r));
	CHECK(r.s[1].dir == '<' && r.s[1].len > 40 && r.s[1].len <= sizeof(bad));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	blen = r.s[1].len - 10;
	memcpy(bad, r.s[1].data, blen);
	bad[24] = (uint8_t)(blen >> 24);
	bad[25] = (uint8_t)(blen >> 16);
	bad[26] = (uint8_t)(blen >> 8);
	bad[27] = (uint8_t)blen;
	while (!ru.failed && ru.now < 120000) {
		uint64_t t;

		while (rove_session_pop_datagram(ru.s, &dg)) {
			rove_session_recv(ru.s, bad, blen, &l, &rem, ru.now + 1);
			answered++;
		}
		drain(&ru);
		t = rove_session_next_timer(ru.s);
		if (t == UINT64_MAX)
			break;
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		drain(&ru);
	}
	CHECK(ru.failed && ru.reason == ROVE_FAIL_PROTOCOL);
	CHECK(strstr(ru.fail_msg, "answered, but rove dropped each of its") != NULL);
	CHECK(strstr(ru.fail_msg, "runs past the end") != NULL);
	CHECK(strstr(ru.fail_msg, "UDP ports") == NULL);
	CHECK(answered >= 5 && ru.now >= 30000 && ru.now <= 31000);
	end_run(&ru);
	free_rec(&r);
}

/* An IKE_SA_INIT response with a second, forged KE payload before the
 * real one comes first: it is dropped as malformed (two KE payloads), and
 * the real response brings the session up. (Taking the first KE, as rove
 * did, derived keys the gateway does not have.) */
static void test_duplicate_payload_dropped(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_msg *m = calloc(1, sizeof(*m));
	struct rove_err err;
	const struct rove_payload *ke;
	uint8_t *bad;
	size_t off, blen;
	char p[256];

	CHECK(load_rec(rec_path("psk.rec", p, sizeof(p)), &r));
	CHECK(m && r.n < MAX_STEPS && r.s[1].dir == '<');
	if (!m || r.s[1].dir != '<') {
		free(m);
		return;
	}
	CHECK(rove_msg_parse(r.s[1].data, r.s[1].len, m, &err) == 0);
	ke = rove_msg_find(m, ROVE_PL_KE);
	CHECK(ke && ke->len == 4 + 32); /* x25519 */
	off = ke ? ke->offset : 28;
	blen = r.s[1].len + 40;
	bad = malloc(blen);
	memcpy(bad, r.s[1].data, off);
	bad[off] = ROVE_PL_KE; /* next: the real KE */
	bad[off + 1] = 0;
	bad[off + 2] = 0;
	bad[off + 3] = 40;
	memcpy(bad + off + 4, r.s[1].data + off + 4, 4); /* same group */
	memset(bad + off + 8, 9, 32);
	memcpy(bad + off + 40, r.s[1].data + off, r.s[1].len - off);
	bad[26] = (uint8_t)(blen >> 8);
	bad[27] = (uint8_t)blen;
	CHECK(rove_msg_parse(bad, blen, m, &err) < 0 && strstr(err.msg, "two KE payloads"));
	/* the forged response is fed just before the real one */
	memmove(&r.s[2], &r.s[1], (r.n - 1) * sizeof(r.s[0]));
	r.n++;
	r.s[1].data = bad;
	r.s[1].len = blen;
	if (start_run(&ru, &r, &v)) {
		CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
		CHECK(ru.up && !ru.failed);
		end_run(&ru);
	}
	free_rec(&r); /* frees bad with the steps */
	free(m);
}

/* ---- RFC 5685 redirect (redirect.rec: EAP, then `swanctl --redirect`) ---- */

/* The gateway's INFORMATIONAL request with N(REDIRECT) to 198.51.100.7:
 * the engine answers it, reports the new gateway and ends without a
 * failure; its DELETE of the IKE SA goes out on the timer due at once
 * (both datagrams as recorded, byte for byte). */
static void test_replay_redirect_established(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256];

	CHECK(load_rec(rec_path("redirect.rec", p, sizeof(p)), &r));
	CHECK(r.redirect);
	CHECK(r.n >= 3 && r.s[r.n - 1].dir == '>' && r.s[r.n - 2].dir == '>');
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up);
	CHECK(!ru.failed);
	CHECK(!ru.closed);
	CHECK_STR(ru.redirect_to, "198.51.100.7");
	CHECK_STR(ru.redirect_msg, "redirected by 192.0.2.1 to 198.51.100.7");
	CHECK(ru.child_down);
	CHECK(rove_session_state(ru.s) == ROVE_ST_CLOSED);
	CHECK(!rove_session_pop_datagram(ru.s, &dg));
	CHECK(rove_session_next_timer(ru.s) == UINT64_MAX);
	end_run(&ru);
	free_rec(&r);
}

/* ---- liveness checks (dpd.rec: PSK, one check after 1 s, the DELETE) ---- */

static uint32_t msg_id_of(const uint8_t *p, size_t len)
{
	return len >= 28 ? (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23]
			 : UINT32_MAX;
}

/* Plays dpd.rec up to the tunnel; returns the index of the next step. */
static size_t dpd_until_up(struct run *ru, const struct rec *r)
{
	struct rove_addr l, rem;
	struct rove_datagram dg;
	size_t i;

	rove_addr_parse(r->local, &l);
	rove_addr_parse(r->remote, &rem);
	for (i = 0; i < r->n && !ru->up && !ru->failed; i++) {
		const struct step *st = &r->s[i];

		ru->now += 5;
		if (st->dir == '>') {
			CHECK(rove_session_pop_datagram(ru->s, &dg));
			CHECK(dg.len == st->len && !memcmp(dg.data, st->data, st->len));
		} else {
			rove_session_recv(ru->s, st->data, st->len, &l, &rem, ru->now);
		}
		drain(ru);
	}
	CHECK(ru->up);
	return i;
}

/* Silent for dpd ms after the last message: exactly then the recorded
 * empty INFORMATIONAL goes out (message ID 2, after IKE_SA_INIT 0 and
 * IKE_AUTH 1); the gateway's answer re-arms the check from its arrival;
 * the DELETE that follows uses the next message ID. */
static void test_dpd_check_and_answer(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_session_info info;
	struct rove_addr l, rem;
	char p[256];
	uint64_t t_up;
	size_t i;

	CHECK(load_rec(rec_path("dpd.rec", p, sizeof(p)), &r));
	CHECK(r.dpd == 1000);
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = dpd_until_up(&ru, &r);
	t_up = ru.now;
	CHECK(i + 4 <= r.n && r.s[i].dir == '>' && r.s[i + 1].dir == '<');
	CHECK(rove_session_next_timer(ru.s) == t_up + 1000);
	ru.now = t_up + 999;
	rove_session_handle_timer(ru.s, ru.now);
	CHECK(!rove_session_pop_datagram(ru.s, &dg)); /* not yet */
	ru.now = t_up + 1000;
	rove_session_handle_timer(ru.s, ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.len == r.s[i].len && !memcmp(dg.data, r.s[i].data, dg.len));
	CHECK(dg.data[18] == 37 && (dg.data[19] & 0x28) == 0x08); /* INFORMATIONAL request */
	CHECK(msg_id_of(dg.data, dg.len) == 2);
	rove_session_get_info(ru.s, &info);
	CHECK(info.dpd_outstanding);
	/* The answer (recorded) arrives 300 ms later: alive, re-armed. */
	ru.now += 300;
	rove_session_recv(ru.s, r.s[i + 1].data, r.s[i + 1].len, &l, &rem, ru.now);
	drain(&ru);
	CHECK(!ru.failed);
	rove_session_get_info(ru.s, &info);
	CHECK(!info.dpd_outstanding && info.last_received_ms == ru.now);
	CHECK(rove_session_next_timer(ru.s) == ru.now + 1000);
	/* Then the recorded close, byte for byte. */
	rove_session_close(ru.s, ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.len == r.s[i + 2].len && !memcmp(dg.data, r.s[i + 2].data, dg.len));
	CHECK(msg_id_of(dg.data, dg.len) == 3);
	rove_session_recv(ru.s, r.s[i + 3].data, r.s[i + 3].len, &l, &rem, ru.now);
	drain(&ru);
	CHECK(ru.closed && !ru.failed);
	end_run(&ru);
	free_rec(&r);
}

/* No answer: the same check (same message ID, same bytes) is retransmitted
 * with growing gaps until the DPD timeout (15 s by default) runs out, then
 * the session fails as PEER_DEAD with a sentence that says so. */
static void test_dpd_no_answer(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256], n[16];
	uint64_t first = 0, last = 0, gap = 0;
	unsigned sent = 0;
	size_t i;

	CHECK(load_rec(rec_path("dpd.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	i = dpd_until_up(&ru, &r);
	while (!ru.failed && ru.now < 120000) {
		uint64_t t = rove_session_next_timer(ru.s);

		if (t == UINT64_MAX)
			break;
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		while (rove_session_pop_datagram(ru.s, &dg)) {
			CHECK(dg.len == r.s[i].len && !memcmp(dg.data, r.s[i].data, dg.len));
			CHECK(msg_id_of(dg.data, dg.len) == 2);
			if (!sent++)
				first = last = ru.now;
			else
				CHECK(ru.now - last >= gap); /* backoff never shrinks */
			gap = ru.now - last;
			last = ru.now;
		}
		drain(&ru);
	}
	CHECK(ru.failed);
	CHECK(ru.reason == ROVE_FAIL_PEER_DEAD);
	CHECK(ru.now - first == 15000);
	CHECK(sent >= 4);
	snprintf(n, sizeof(n), "to %u liveness", sent);
	CHECK(strstr(ru.fail_msg, "stopped answering") != NULL);
	CHECK(strstr(ru.fail_msg, n) != NULL);
	CHECK(strstr(ru.fail_msg, "192.0.2.1") != NULL);
	CHECK(rove_session_state(ru.s) == ROVE_ST_CLOSED);
	CHECK(rove_session_next_timer(ru.s) == UINT64_MAX);
	CHECK_STR(rove_fail_name(ru.reason), "peer_dead");
	end_run(&ru);
	free_rec(&r);
}

/* A liveness check never goes out while another request waits for its
 * answer (here our DELETE): what goes out until the close gives up is that
 * request alone, under its message ID. */
static void test_dpd_waits_for_outstanding_request(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256];
	unsigned sent = 0;
	size_t i;

	CHECK(load_rec(rec_path("dpd.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	i = dpd_until_up(&ru, &r);
	(void)i;
	ru.now += 900; /* just before the check would be due */
	rove_session_close(ru.s, ru.now);
	while (!ru.closed && ru.now < 60000) {
		uint64_t t = rove_session_next_timer(ru.s);

		while (rove_session_pop_datagram(ru.s, &dg)) {
			CHECK(msg_id_of(dg.data, dg.len) == 2); /* the DELETE, not a check */
			sent++;
		}
		if (t == UINT64_MAX)
			break;
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		drain(&ru);
	}
	CHECK(ru.closed && !ru.failed);
	CHECK(sent >= 2);
	end_run(&ru);
	free_rec(&r);
}

/* ---- IKE fragments (frag.rec: RSA-3072 chain, the gateway's IKE_AUTH
 * answer in 6 fragments, our first IKE_AUTH request in 2) ---- */

#include "test_engine_frag.h"
#include "test_engine_hostile.h"

int main(void)
{
	RUN(test_replay_eap);
	RUN(test_replay_psk);
	RUN(test_replay_cookie_and_group_retry);
	RUN(test_nat_keepalive);
	RUN(test_no_keepalive_without_nat);
	RUN(test_wrong_identity);
	RUN(test_untrusted_ca);
	RUN(test_expired);
	RUN(test_gateway_must_prove_password);
	RUN(test_tampered);
	RUN(test_timeout);
	RUN(test_only_broken_answers);
	RUN(test_duplicate_payload_dropped);
	RUN(test_too_many_certs);
	RUN(test_child_failure_kind);
	RUN(test_info_flood_ends_session);
	RUN(test_info_pace_kept);
	RUN(test_huge_certreq);
	RUN(test_replay_redirect_established);
	RUN(test_dpd_check_and_answer);
	RUN(test_dpd_no_answer);
	RUN(test_dpd_waits_for_outstanding_request);
	RUN(test_replay_frag);
	RUN(test_frag_reordered_and_duplicated);
	RUN(test_frag_lost);
	return check_summary();
}
