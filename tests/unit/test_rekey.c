/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rekeying in the engine (RFC 7296 1.3.2, 1.3.3, 2.8): two recordings keep
 * the tunnel up across CHILD and IKE SA rekeys started by the gateway
 * (rekey-gw.rec) and by us (rekey-ours.rec), replayed byte for byte, with
 * a simulated datapath that must never be left without a CHILD SA (make
 * before break); and collisions and refusals built on rekey-ours.rec (the
 * gateway's side from gwside.h). Collisions recorded against strongSwan
 * are in test_collision.c. */
#include "recorded.h"

#include "gwside.h"

/* Rekeys under a recorded session: byte for byte, every one counted, and
 * the datapath never without a CHILD SA (make before break); the replaced
 * SAs go after their successors came, all of them by the close. */
static void replay_rekeys(const char *name, bool by_us, unsigned min_child, unsigned min_ike)
{
	struct rove_session_info info;
	struct variant v = { 0 };
	struct rec r;
	struct run ru;
	char p[256];

	CHECK(load_rec(rec_path(name, p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up && ru.closed && !ru.failed);
	rove_session_get_info(ru.s, &info);
	CHECK(info.child_rekeys >= min_child);
	CHECK(info.ike_rekeys >= min_ike);
	CHECK(ru.ike_rekeyed == info.ike_rekeys);
	CHECK((by_us ? ru.rekeyed_by_us : ru.rekeyed_by_gw) == info.child_rekeys + info.ike_rekeys);
	CHECK((by_us ? ru.rekeyed_by_gw : ru.rekeyed_by_us) == 0);
	CHECK(ru.ups == 1 + info.child_rekeys);
	CHECK(ru.downs == ru.ups);
	CHECK(!ru.dp_gap);
	CHECK(!ru.out_gone);
	/* The gateway's rekeys go in inbound first; outbound follows when it
	 * deletes the old SA. Ours go in whole. */
	CHECK(ru.inbound_only == (by_us ? 0 : info.child_rekeys));
	CHECK(ru.outbound_switches == ru.inbound_only);
	CHECK(!ru.bad_down);
	CHECK(ru.ndp == 0);
	end_run(&ru);
	free_rec(&r);
}

static void test_rekey_by_gateway(void)
{
	replay_rekeys("rekey-gw.rec", false, 3, 1);
}

static void test_rekey_by_us(void)
{
	replay_rekeys("rekey-ours.rec", true, 2, 1);
}

/* ---- a rekey collision (RFC 7296 2.8.1), built on rekey-ours.rec ----
 *
 * Here the gateway's side is made (test_collision.c replays real ones),
 * so the gateway's nonce is chosen: the test derives the IKE SA's keys as
 * the gateway did (gwside.h), and
 * while our recorded CHILD SA rekey is outstanding it sends the engine the
 * gateway's own rekey of the same SA, with a nonce it picks. Then the
 * recorded answer to ours arrives. The test takes the four nonces from the
 * decrypted messages and checks that the exchange with the lowest made
 * the redundant SA: ours deleted and never used, or the gateway's left to
 * the gateway and the SA both rekeyed deleted by us. */

static void collide(uint8_t gw_nonce_byte)
{
	struct collision c = { 0 };
	struct variant v = { 0 };
	struct rove_session_info info;
	struct rove_child_sa x, ours;
	struct rove_datagram dg;
	struct rove_buf req;
	struct rove_addr l, rem;
	uint8_t nonce[32];
	struct rec r;
	struct run ru;
	char p[256];
	size_t i, ups;
	bool ours_lose;

	memset(nonce, gw_nonce_byte, sizeof(nonce));
	CHECK(load_rec(rec_path("rekey-ours.rec", p, sizeof(p)), &r));
	CHECK(derive_gateway_keys(&r, &c));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	/* As recorded up to our first CREATE_CHILD_SA request. */
	i = play_to_request(&ru, &r, 0, 1);
	CHECK(i < r.n);
	rove_session_get_info(ru.s, &info);
	x = *info.children[0];
	note_nonce(&c, true, r.s[i].data, r.s[i].len, c.lo_ours, &c.lo_ours_len);
	/* The gateway's rekey of the same SA crosses ours. */
	rove_buf_init(&req);
	gateway_request(&c, ROVE_EXCH_CREATE_CHILD_SA, 0, &x, nonce, 0, &req);
	rove_session_recv(ru.s, req.data, req.len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* answered at once */
	CHECK(dg.data[18] == ROVE_EXCH_CREATE_CHILD_SA && (dg.data[19] & ROVE_FLAG_RESPONSE));
	memcpy(c.lo_gw, nonce, sizeof(nonce));
	c.lo_gw_len = sizeof(nonce);
	note_nonce(&c, true, dg.data, dg.len, c.lo_gw, &c.lo_gw_len);
	CHECK(ru.ups == 2 && ru.rekeyed_by_gw == 1);
	/* The recorded answer to ours. */
	CHECK(r.s[i + 1].dir == '<');
	note_nonce(&c, false, r.s[i + 1].data, r.s[i + 1].len, c.lo_ours, &c.lo_ours_len);
	ours_lose = memcmp(c.lo_ours, c.lo_gw, 32) < 0;
	fprintf(stderr, "collision: %s exchange has the lowest nonce\n", ours_lose ? "our" : "the gateway's");
	ups = ru.ups;
	rove_session_recv(ru.s, r.s[i + 1].data, r.s[i + 1].len, &l, &rem, ++ru.now);
	drain(&ru);
	rove_session_get_info(ru.s, &info);
	ours = *info.children[0];
	/* What we delete next: our redundant SA, or the one both rekeyed. */
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL);
	{
		struct rove_msg *m = calloc(1, sizeof(*m));
		uint8_t *plain = malloc(dg.len);
		const struct rove_payload *d;
		struct rove_delete del;

		CHECK(open_msg(&c, true, dg.data, dg.len, m, plain));
		d = rove_msg_find(m, ROVE_PL_DELETE);
		CHECK(d && rove_delete_parse(d->body, d->len, &del, NULL) == 0 && del.nspi == 1);
		if (ours_lose) /* ours never went to the datapath */
			CHECK(ru.ups == ups && ours.spi_out == 0x6a7e0001 &&
			      rove_get_be32(del.spis) != x.spi_in && rove_get_be32(del.spis) != ours.spi_in);
		else
			CHECK(ru.ups == ups + 1 && ours.spi_out != 0x6a7e0001 &&
			      rove_get_be32(del.spis) == x.spi_in);
		free(m);
		free(plain);
	}
	/* Both rekeys count once; the datapath was never left empty. */
	CHECK(info.child_rekeys == 1);
	CHECK(!ru.dp_gap && !ru.bad_down);
	rove_buf_free(&req);
	end_run(&ru);
	free_rec(&r);
}

/* 2.25: the gateway answers our CHILD rekey with TEMPORARY_FAILURE: the
 * SA stays and the next try is a few seconds on, but before the SA's hard
 * lifetime ends (here only a second is left: half of it); and no SA
 * outlives that lifetime. */
static void test_rekey_temporary_failure(void)
{
	struct rove_session_info info;
	struct collision c = { 0 };
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf resp;
	uint8_t last = 0;
	struct rove_mb in;
	struct rec r;
	struct run ru;
	char p[256];
	uint64_t t0;
	size_t i;

	CHECK(load_rec(rec_path("rekey-ours.rec", p, sizeof(p)), &r));
	CHECK(derive_gateway_keys(&r, &c));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = play_to_request(&ru, &r, 0, 1);
	CHECK(i < r.n);
	rove_mb_init_inner(&in);
	rove_mb_add_notify(&in, 0, NULL, 0, ROVE_N_TEMPORARY_FAILURE, NULL, 0);
	rove_buf_init(&resp);
	seal_gw(&c, ROVE_EXCH_CREATE_CHILD_SA, ROVE_FLAG_RESPONSE, 2, &in, &resp);
	rove_session_recv(ru.s, resp.data, resp.len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(ru.ups == 1 && !ru.failed);
	CHECK(!rove_session_pop_datagram(ru.s, &dg));
	/* The next try would be 2 to 4.5 s on (status shows it), but the SA
	 * expires before: it comes halfway to the expiry. */
	t0 = ru.now;
	rove_session_get_info(ru.s, &info);
	CHECK(info.child_rekey_ms > t0 && info.child_rekey_ms < info.child_up_ms + 3000);
	CHECK(info.child_rekey_ms == t0 + (info.child_up_ms + 3000 - t0) / 2);
	CHECK(info.nchildren == 1 && info.child_rekeys == 0 && ru.downs == 0);
	ru.now = info.child_rekey_ms;
	rove_session_handle_timer(ru.s, ru.now);
	drain(&ru);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* the retry */
	CHECK(dg.data[18] == ROVE_EXCH_CREATE_CHILD_SA && !(dg.data[19] & ROVE_FLAG_RESPONSE));
	/* The gateway does not answer the retry: when the SA's hard lifetime
	 * (child-rekey=2: 3 s) ends the session says so and goes, with a
	 * DELETE to the gateway, rather than keep a tunnel without keys. */
	for (int k = 0; k < 10 && !ru.failed; k++) {
		ru.now = rove_session_next_timer(ru.s);
		rove_session_handle_timer(ru.s, ru.now);
		drain(&ru);
		while (rove_session_pop_datagram(ru.s, &dg))
			last = dg.data[18];
	}
	CHECK(ru.failed && ru.reason == ROVE_FAIL_REKEY);
	CHECK(strstr(ru.fail_msg, "keys expired after 3 s") != NULL);
	CHECK(ru.now == info.child_up_ms + 3000);
	CHECK(ru.downs == ru.ups);
	CHECK(last == ROVE_EXCH_INFORMATIONAL);
	rove_mb_free(&in);
	rove_buf_free(&resp);
	end_run(&ru);
	free_rec(&r);
}

/* 2.25: the gateway's CHILD rekey while our IKE rekey is outstanding gets
 * TEMPORARY_FAILURE (it tries again on the new IKE SA). */
static void test_rekey_child_during_ike_rekey(void)
{
	struct collision c = { 0 };
	struct variant v = { 0 };
	struct rove_session_info info;
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf req;
	uint8_t nonce[32] = { 0 };
	struct rec r;
	struct run ru;
	char p[256];
	size_t i;

	CHECK(load_rec(rec_path("rekey-ours.rec", p, sizeof(p)), &r));
	CHECK(derive_gateway_keys(&r, &c));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = play_to_request(&ru, &r, 0, 2); /* the second: the IKE SA's */
	CHECK(i < r.n && r.s[i].data[18] == ROVE_EXCH_CREATE_CHILD_SA);
	rove_session_get_info(ru.s, &info);
	rove_buf_init(&req);
	gateway_request(&c, ROVE_EXCH_CREATE_CHILD_SA, 0, info.children[0], nonce, 0, &req);
	rove_session_recv(ru.s, req.data, req.len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.data[18] == ROVE_EXCH_CREATE_CHILD_SA && (dg.data[19] & ROVE_FLAG_RESPONSE));
	CHECK(our_notify(&c, &dg) == ROVE_N_TEMPORARY_FAILURE);
	CHECK(ru.ups == 2 && ru.rekeyed_by_gw == 0);
	rove_buf_free(&req);
	end_run(&ru);
	free_rec(&r);
}

/* The gateway rekeys and our answer is lost: we must not send through the
 * new SA yet (the gateway does not have it), answer its retransmission
 * with the same bytes, and switch only when it deletes the old SA. */
static void test_rekey_answer_lost(void)
{
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	uint8_t *first = NULL;
	size_t first_len = 0, i;
	uint32_t old_out = 0;
	struct rec r;
	struct run ru;
	char p[256];

	CHECK(load_rec(rec_path("rekey-gw.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	for (i = 0; i < r.n; i++) {
		const struct step *st = &r.s[i];
		bool rekey = st->dir == '<' && st->data[18] == ROVE_EXCH_CREATE_CHILD_SA &&
			     !(st->data[19] & ROVE_FLAG_RESPONSE);

		if (st->dir == '>') {
			CHECK(rove_session_pop_datagram(ru.s, &dg));
			CHECK(dg.len == st->len && !memcmp(dg.data, st->data, st->len));
			continue;
		}
		if (rekey)
			old_out = ru.out;
		rove_session_recv(ru.s, st->data, st->len, &l, &rem, ++ru.now);
		drain(&ru);
		if (!rekey)
			continue;
		CHECK(ru.inbound_only == 1 && ru.out == old_out);
		CHECK(rove_session_pop_datagram(ru.s, &dg)); /* lost on the way */
		first = malloc(dg.len);
		memcpy(first, dg.data, dg.len);
		first_len = dg.len;
		rove_session_recv(ru.s, st->data, st->len, &l, &rem, ++ru.now); /* again */
		drain(&ru);
		CHECK(rove_session_pop_datagram(ru.s, &dg));
		CHECK(dg.len == first_len && !memcmp(dg.data, first, first_len));
		CHECK(ru.inbound_only == 1 && ru.ups == 2 && ru.out == old_out);
		/* That answer is the recording's next step. */
		CHECK(i + 1 < r.n && r.s[i + 1].dir == '>' && r.s[i + 1].len == first_len &&
		      !memcmp(r.s[i + 1].data, first, first_len));
		i++;
		break;
	}
	/* The gateway's DELETE of the old SA comes next: then we switch. */
	CHECK(i + 1 < r.n && r.s[i + 1].dir == '<' && r.s[i + 1].data[18] == ROVE_EXCH_INFORMATIONAL);
	rove_session_recv(ru.s, r.s[i + 1].data, r.s[i + 1].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(ru.outbound_switches == 1 && ru.out != old_out && !ru.out_gone);
	free(first);
	end_run(&ru);
	free_rec(&r);
}

static void test_rekey_collision_gateway_lowest(void)
{
	collide(0x00); /* the gateway's nonce is the lowest of the four */
}

static void test_rekey_collision_ours_lowest(void)
{
	collide(0xff); /* then ours holds the lowest (or its answer's does) */
}

/* 2.25.1: a CHILD rekey from the gateway while we close (our DELETE of the
 * IKE SA outstanding) gets TEMPORARY_FAILURE. */
static void test_rekey_while_closing(void)
{
	struct collision c = { 0 };
	struct variant v = { 0 };
	struct rove_session_info info;
	struct rove_child_sa x;
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf req;
	uint8_t nonce[32] = { 0 };
	struct rec r;
	struct run ru;
	char p[256];
	size_t i;

	CHECK(load_rec(rec_path("rekey-ours.rec", p, sizeof(p)), &r));
	CHECK(derive_gateway_keys(&r, &c));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = play_to_request(&ru, &r, 0, 1);
	CHECK(i < r.n);
	rove_session_get_info(ru.s, &info);
	x = *info.children[0];
	rove_session_close(ru.s, ++ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* our DELETE */
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL && !(dg.data[19] & ROVE_FLAG_RESPONSE));
	rove_buf_init(&req);
	gateway_request(&c, ROVE_EXCH_CREATE_CHILD_SA, 0, &x, nonce, 0, &req);
	rove_session_recv(ru.s, req.data, req.len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.data[18] == ROVE_EXCH_CREATE_CHILD_SA && (dg.data[19] & ROVE_FLAG_RESPONSE));
	CHECK(our_notify(&c, &dg) == ROVE_N_TEMPORARY_FAILURE);
	CHECK(ru.rekeyed_by_gw == 0);
	rove_buf_free(&req);
	end_run(&ru);
	free_rec(&r);
}

int main(void)
{
	RUN(test_rekey_by_gateway);
	RUN(test_rekey_by_us);
	RUN(test_rekey_collision_gateway_lowest);
	RUN(test_rekey_collision_ours_lowest);
	RUN(test_rekey_temporary_failure);
	RUN(test_rekey_answer_lost);
	RUN(test_rekey_child_during_ike_rekey);
	RUN(test_rekey_while_closing);
	return check_summary();
}
