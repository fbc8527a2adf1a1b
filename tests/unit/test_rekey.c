/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rekeying in the engine (RFC 7296 1.3.2, 1.3.3, 2.8): two recordings keep
 * the tunnel up across CHILD and IKE SA rekeys started by the gateway
 * (rekey-gw.rec) and by us (rekey-ours.rec), replayed byte for byte, with
 * a simulated datapath that must never be left without a CHILD SA (make
 * before break); four recorded collisions with strongSwan (collide-*.rec:
 * CHILD and IKE SA, each with the lowest nonce on either side); and
 * collisions and refusals built on rekey-ours.rec. */
#include "recorded.h"

#include "dh.h"
#include "keys.h"
#include "payload.h"
#include "proposal.h"
#include "sk.h"

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
 * No recording can time two rekeys to cross, so the gateway's side is
 * made here: the test derives the IKE SA's keys as the gateway did (the
 * seed gives our DH key, the recording the gateway's KE and nonce), and
 * while our recorded CHILD SA rekey is outstanding it sends the engine the
 * gateway's own rekey of the same SA, with a nonce it picks. Then the
 * recorded answer to ours arrives. The test takes the four nonces from the
 * decrypted messages and checks that the exchange with the lowest made
 * the redundant SA: ours deleted and never used, or the gateway's left to
 * the gateway and the SA both rekeyed deleted by us. */

struct collision {
	struct rove_ike_keys k;
	uint8_t spi_i[8], spi_r[8];
	uint8_t lo_ours[256], lo_gw[256]; /* lowest nonce of each exchange */
	size_t lo_ours_len, lo_gw_len;
};

static bool derive_gateway_keys(const struct rec *r, struct collision *c)
{
	struct rove_rng_det rng;
	struct rove_proposals ike;
	struct rove_sa *sa = calloc(1, sizeof(*sa));
	struct rove_msg *m = calloc(1, sizeof(*m));
	struct rove_chosen ch;
	struct rove_ke ke;
	struct rove_err err;
	struct rove_dh *dh;
	uint8_t ni[32], gir[ROVE_DH_MAX];
	size_t girlen;
	const struct rove_payload *p;
	bool ok;

	/* ike_sa_init_start's draws: SPIi, Ni, then the DH key. */
	rove_rng_det_init(&rng, r->seed, strlen(r->seed));
	rove_rng_fill(&rng.rng, c->spi_i, 8);
	rove_rng_fill(&rng.rng, ni, sizeof(ni));
	rove_proposals_default(false, &ike);
	dh = rove_dh_new(rove_proposals_first_dh(&ike), &rng.rng, &err);
	ok = dh && sa && m && r->s[1].dir == '<' &&
	     rove_msg_parse(r->s[1].data, r->s[1].len, m, &err) == 0 &&
	     (p = rove_msg_find(m, ROVE_PL_SA)) && rove_sa_parse(p->body, p->len, sa, &err) == 0 &&
	     rove_proposals_check_reply(&ike, sa, &ch, &err) == 0 &&
	     (p = rove_msg_find(m, ROVE_PL_KE)) && rove_ke_parse(p->body, p->len, &ke, &err) == 0 &&
	     rove_dh_shared(dh, ke.data, ke.len, gir, &girlen, &err) == 0 &&
	     (p = rove_msg_find(m, ROVE_PL_NONCE));
	if (ok) {
		struct rove_ike_suite suite = { ch.encr, ch.encr_bits, ch.prf, ch.integ, ch.dh };

		memcpy(c->spi_r, m->hdr.spi_r, 8);
		ok = rove_ike_keys_derive(&suite, ni, sizeof(ni), p->body, p->len, gir, girlen,
					  c->spi_i, c->spi_r, &c->k, &err) == 0;
	}
	rove_dh_free(dh);
	free(sa);
	free(m);
	return ok;
}

/* Decrypts an IKE message of this SA into m (plain holds len bytes). */
static bool open_msg(const struct collision *c, bool from_us, const uint8_t *pkt, size_t len,
		     struct rove_msg *m, uint8_t *plain)
{
	const struct rove_payload *sk;
	struct rove_sk_dir dir;
	struct rove_err err;
	size_t plen;
	uint8_t first;

	if (rove_msg_parse(pkt, len, m, &err) < 0 || !(sk = rove_msg_find(m, ROVE_PL_SK)))
		return false;
	first = sk->next;
	rove_sk_dir_from_keys(&c->k, from_us, &dir);
	if (rove_sk_open(&dir, pkt, len, sk->offset, plain, len, &plen, &err) < 0)
		return false;
	m->n--;
	return rove_msg_parse_inner(first, plain, plen, m, &err) == 0;
}

/* The lower of the exchange's two nonces so far and the one in pkt. */
static void note_nonce(const struct collision *c, bool from_us, const uint8_t *pkt, size_t len,
		       uint8_t *lo, size_t *lo_len)
{
	struct rove_msg *m = calloc(1, sizeof(*m));
	uint8_t *plain = malloc(len);
	const struct rove_payload *n;

	CHECK(m && plain && open_msg(c, from_us, pkt, len, m, plain));
	n = m ? rove_msg_find(m, ROVE_PL_NONCE) : NULL;
	CHECK(n != NULL);
	if (n) {
		size_t k = n->len < *lo_len ? n->len : *lo_len;
		int cmp = memcmp(n->body, lo, k);

		if (!*lo_len || cmp < 0 || (cmp == 0 && n->len < *lo_len)) {
			memcpy(lo, n->body, n->len);
			*lo_len = n->len;
		}
	}
	free(m);
	free(plain);
}

/* A message from the gateway on the IKE SA of c with the inner payloads. */
static void seal_gw(const struct collision *c, uint8_t exchange, uint8_t flags, uint32_t msg_id,
		    struct rove_mb *in, struct rove_buf *out)
{
	struct rove_rng_det rng;
	struct rove_sk_dir dir;
	struct rove_err err;
	struct rove_mb outer;

	rove_rng_det_init(&rng, "gw", 2);
	CHECK(rove_mb_finish(in, &err) == 0);
	rove_mb_init(&outer, c->spi_i, c->spi_r, exchange, flags, msg_id);
	outer.buf.data[16] = ROVE_PL_SK;
	rove_sk_dir_from_keys(&c->k, false, &dir);
	CHECK(rove_sk_seal(&dir, &rng.rng, &outer.buf, outer.buf.len, in->first, in->buf.data,
			   in->buf.len, &err) == 0);
	rove_buf_reset(out);
	rove_buf_add(out, outer.buf.data, outer.buf.len);
	rove_mb_free(&outer);
}

/* The gateway's CREATE_CHILD_SA request rekeying our SA, or its DELETE. */
static void gateway_request(const struct collision *c, uint8_t exchange, uint32_t msg_id,
			    const struct rove_child_sa *x, const uint8_t nonce[32], uint32_t del,
			    struct rove_buf *out)
{
	struct rove_proposals esp;
	struct rove_sa *sa = calloc(1, sizeof(*sa));
	struct rove_mb in;
	struct rove_err err;
	uint8_t spi[4];

	rove_mb_init_inner(&in);
	if (exchange == ROVE_EXCH_CREATE_CHILD_SA) {
		rove_put_be32(spi, x->spi_out); /* its inbound SPI */
		rove_mb_add_notify(&in, ROVE_PROTO_ESP, spi, 4, ROVE_N_REKEY_SA, NULL, 0);
		rove_proposals_parse("aes256gcm16!", true, &esp, &err);
		rove_put_be32(spi, 0x6a7e0001);
		rove_proposals_to_sa(&esp, spi, 4, sa, &err);
		rove_mb_begin(&in, ROVE_PL_SA, false);
		rove_sa_build(&in.buf, sa);
		rove_mb_end(&in);
		rove_mb_add(&in, ROVE_PL_NONCE, nonce, 32);
		rove_mb_begin(&in, ROVE_PL_TSI, false); /* the gateway's side first */
		rove_ts_build(&in.buf, x->ts_remote, x->nts_remote);
		rove_mb_end(&in);
		rove_mb_begin(&in, ROVE_PL_TSR, false);
		rove_ts_build(&in.buf, x->ts_local, x->nts_local);
		rove_mb_end(&in);
	} else {
		rove_put_be32(spi, del);
		rove_mb_begin(&in, ROVE_PL_DELETE, false);
		rove_delete_build(&in.buf, ROVE_PROTO_ESP, 4, 1, spi);
		rove_mb_end(&in);
	}
	seal_gw(c, exchange, 0, msg_id, &in, out);
	rove_mb_free(&in);
	free(sa);
}

/* Plays the recording from step `from` as recorded until we sent our
 * `nth` CREATE_CHILD_SA request; returns its step (r->n if none). */
static size_t play_to_request(struct run *ru, const struct rec *r, size_t from, int nth)
{
	struct rove_datagram dg;
	struct rove_addr l, rem;

	rove_addr_parse(r->local, &l);
	rove_addr_parse(r->remote, &rem);
	for (size_t i = from; i < r->n; i++) {
		const struct step *st = &r->s[i];

		if (st->dir == '<') {
			rove_session_recv(ru->s, st->data, st->len, &l, &rem, ++ru->now);
			drain(ru);
			continue;
		}
		if (st->dir != '>')
			continue;
		while (!rove_session_pop_datagram(ru->s, &dg)) {
			ru->now = rove_session_next_timer(ru->s);
			rove_session_handle_timer(ru->s, ru->now);
			drain(ru);
		}
		CHECK(dg.len == st->len && !memcmp(dg.data, st->data, st->len));
		if (st->data[18] == ROVE_EXCH_CREATE_CHILD_SA && --nth == 0)
			return i;
	}
	return r->n;
}

/* The first notify type in a message of ours, 0 if none. */
static uint16_t our_notify(const struct collision *c, const struct rove_datagram *dg)
{
	struct rove_msg *m = calloc(1, sizeof(*m));
	uint8_t *plain = malloc(dg->len);
	const struct rove_payload *p;
	struct rove_notify n;
	uint16_t type = 0;

	if (m && plain && open_msg(c, true, dg->data, dg->len, m, plain) &&
	    (p = rove_msg_find(m, ROVE_PL_NOTIFY)) && rove_notify_parse(p->body, p->len, &n, NULL) == 0)
		type = n.type;
	free(m);
	free(plain);
	return type;
}

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

/* ---- recorded collisions (tests/tools/record.sh --collide) ----
 *
 * rove-record started our rekey the moment strongSwan's request for the
 * same SA arrived, so both crossed for real; strongSwan's log said it
 * detected the collision. The replay must send the same bytes, including
 * which DELETEs go out on which SA. */

static unsigned count_str(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The last request we sent in the recording: our DELETE at the close. */
static const struct step *last_sent(const struct rec *r)
{
	for (size_t i = r->n; i-- > 0;)
		if (r->s[i].dir == '>' && !(r->s[i].data[19] & ROVE_FLAG_RESPONSE))
			return &r->s[i];
	return NULL;
}

static void replay_collision(const char *name, bool ike, bool ours_lowest)
{
	struct variant v = { .verbose = true };
	const struct step *del;
	struct rec r;
	struct run ru;
	char p[256];
	bool has_jump = false;

	CHECK(load_rec(rec_path(name, p, sizeof(p)), &r));
	for (size_t i = 0; i < r.n; i++)
		has_jump |= r.s[i].dir == (ike ? 'K' : 'k');
	CHECK(has_jump);
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up && ru.closed && !ru.failed);
	/* make before break, whichever SA survived */
	CHECK(!ru.dp_gap && !ru.bad_down && !ru.out_gone);
	CHECK(ru.ndp == 0 && ru.downs == ru.ups);
	if (ike) {
		CHECK(count_str(ru.logs, "IKE SA rekey collision: the gateway rekeys too") == 1);
		CHECK(count_str(ru.logs, ours_lowest ? "IKE SA rekey collision: ours has the lowest" :
				"IKE SA rekey collision: the gateway's has the lowest") == 1);
		/* one rekey, the surviving one's initiator named */
		CHECK(ru.ike_rekeyed == 1);
		CHECK(ours_lowest ? ru.rekeyed_by_gw == 1 && ru.rekeyed_by_us == 0
				  : ru.rekeyed_by_us == 1 && ru.rekeyed_by_gw == 0);
		/* both the old and the redundant SA went, each once */
		CHECK(count_str(ru.logs, "the old IKE SA is deleted") == 1);
		CHECK(count_str(ru.logs, "the redundant IKE SA is deleted") == 1);
		/* the CHILD SA stayed as it was, on the surviving IKE SA: our
		 * DELETE at the close goes there, as its responder when the
		 * gateway's rekey survived */
		CHECK(ru.ups == 1);
		del = last_sent(&r);
		CHECK(del && del->data[18] == ROVE_EXCH_INFORMATIONAL);
		if (del)
			CHECK(!(del->data[19] & ROVE_FLAG_INITIATOR) == ours_lowest);
	} else {
		CHECK(count_str(ru.logs, ours_lowest ? "rekey collision: ours has the lowest" :
				"rekey collision: the gateway's has the lowest") == 1);
		/* ours redundant: never in the datapath; else it replaced the
		 * gateway's, which the gateway deleted */
		CHECK(ru.ups == 1 + ru.rekeyed_by_gw + ru.rekeyed_by_us);
		CHECK(ru.rekeyed_by_us == (ours_lowest ? 0u : 1u));
		CHECK(ru.rekeyed_by_gw >= 1);
	}
	end_run(&ru);
	free_rec(&r);
}

static void test_collision_child_ours_lowest(void)
{
	replay_collision("collide-child-ours.rec", false, true);
}

static void test_collision_child_gateway_lowest(void)
{
	replay_collision("collide-child-gw.rec", false, false);
}

static void test_collision_ike_ours_lowest(void)
{
	replay_collision("collide-ike-ours.rec", true, true);
}

static void test_collision_ike_gateway_lowest(void)
{
	replay_collision("collide-ike-gw.rec", true, false);
}

/* strongSwan may finish its crossing IKE rekey before it sees ours (seen
 * in t-rekey.sh: it then refuses ours with TEMPORARY_FAILURE), and delete
 * the old IKE SA while ours is still out: its new SA is then the IKE SA,
 * not a reason to end the session. Built on collide-ike-gw.rec: as
 * recorded up to our answer to the gateway's rekey, then the gateway's
 * DELETE of the old SA instead of the answer to ours. */
static void test_collision_ike_peer_finished_first(void)
{
	struct variant v = { .verbose = true };
	struct rove_session_info info;
	struct collision c = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf req;
	struct rove_mb in;
	struct rec r;
	struct run ru;
	char p[256];
	uint32_t id;
	size_t i;

	CHECK(load_rec(rec_path("collide-ike-gw.rec", p, sizeof(p)), &r));
	CHECK(derive_gateway_keys(&r, &c));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = play_to_request(&ru, &r, 0, 2); /* ours, then our answer to its */
	CHECK(i < r.n && (r.s[i].data[19] & ROVE_FLAG_RESPONSE));
	CHECK(strstr(ru.logs, "the gateway rekeys too") != NULL);
	id = rove_get_be32(r.s[i].data + 20) + 1;
	rove_mb_init_inner(&in);
	rove_mb_begin(&in, ROVE_PL_DELETE, false);
	rove_delete_build(&in.buf, ROVE_PROTO_IKE, 0, 0, NULL);
	rove_mb_end(&in);
	rove_buf_init(&req);
	seal_gw(&c, ROVE_EXCH_INFORMATIONAL, 0, id, &in, &req);
	rove_session_recv(ru.s, req.data, req.len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(!ru.failed);
	CHECK(strstr(ru.logs, "finished its rekey first") != NULL);
	CHECK(ru.ike_rekeyed == 1 && ru.rekeyed_by_gw == 1 && ru.rekeyed_by_us == 0);
	/* answered on the old SA */
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL && (dg.data[19] & ROVE_FLAG_RESPONSE));
	CHECK(!memcmp(dg.data, c.spi_i, 8));
	CHECK(!rove_session_pop_datagram(ru.s, &dg));
	/* the late answer to ours (on the deleted SA) changes nothing */
	CHECK(r.s[i + 1].dir == '<' && r.s[i + 1].data[18] == ROVE_EXCH_CREATE_CHILD_SA);
	rove_session_recv(ru.s, r.s[i + 1].data, r.s[i + 1].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(!ru.failed && ru.ike_rekeyed == 1);
	rove_session_get_info(ru.s, &info);
	CHECK(memcmp(info.spi_i, c.spi_i, 8) != 0);
	CHECK(info.nchildren == 1 && ru.ups == 1 && ru.downs == 0);
	/* the close goes on the gateway's new SA, where it is the initiator */
	rove_session_close(ru.s, ++ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(!memcmp(dg.data, info.spi_i, 8) && !(dg.data[19] & ROVE_FLAG_INITIATOR));
	rove_mb_free(&in);
	rove_buf_free(&req);
	end_run(&ru);
	free_rec(&r);
}

/* The gateway, having lost the nonce comparison, may delete its new SA
 * before its answer to our rekey reaches us (seen behind strongSwan's
 * send delay): that DELETE, on an SA we only know as the gateway's half of
 * the collision, is answered there, and ours then stands. collide-ike-gw.rec
 * with those two messages of the gateway swapped. */
static void test_collision_ike_peer_deletes_first(void)
{
	struct variant v = { .verbose = true };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	size_t i, ans, del_gw, ans_old;
	struct rec r;
	struct run ru;
	char p[256];

	CHECK(load_rec(rec_path("collide-ike-gw.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = play_to_request(&ru, &r, 0, 2); /* ours, then our answer to its */
	/* recorded next: the answer to ours, our DELETE of the old SA, the
	 * gateway's DELETE of its new SA, our answer, its answer to ours */
	ans = i + 1;
	del_gw = i + 3;
	ans_old = i + 5;
	CHECK(ans_old < r.n && r.s[ans].dir == '<' && r.s[del_gw].dir == '<' && r.s[ans_old].dir == '<');
	CHECK(r.s[del_gw].data[18] == ROVE_EXCH_INFORMATIONAL && !(r.s[del_gw].data[19] & 0x20));
	rove_session_recv(ru.s, r.s[del_gw].data, r.s[del_gw].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(strstr(ru.logs, "the gateway's redundant IKE SA is deleted") != NULL);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL && dg.data[19] == ROVE_FLAG_RESPONSE);
	CHECK(!memcmp(dg.data, r.s[del_gw].data, 16));
	rove_session_recv(ru.s, r.s[ans].data, r.s[ans].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(!ru.failed && ru.ike_rekeyed == 1 && ru.rekeyed_by_us == 1);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* our DELETE of the old SA */
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL && !(dg.data[19] & 0x20));
	rove_session_recv(ru.s, r.s[ans_old].data, r.s[ans_old].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(strstr(ru.logs, "the old IKE SA is deleted") != NULL);
	CHECK(!ru.failed && ru.ups == 1 && ru.downs == 0);
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
	RUN(test_collision_child_ours_lowest);
	RUN(test_collision_child_gateway_lowest);
	RUN(test_collision_ike_ours_lowest);
	RUN(test_collision_ike_gateway_lowest);
	RUN(test_collision_ike_peer_finished_first);
	RUN(test_collision_ike_peer_deletes_first);
	return check_summary();
}
