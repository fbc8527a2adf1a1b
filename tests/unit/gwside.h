/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's side of a recorded IKE SA, for tests that make the gateway
 * say what the recording does not (a crossing rekey, a refusal, a DELETE):
 * its keys derived as the gateway did (the seed gives our DH key, the
 * recording its KE and nonce), opening our messages and sealing its own.
 * Only the first IKE SA of a recording. Static functions for the one test
 * file that includes it (after recorded.h). */
#ifndef ROVE_TEST_GWSIDE_H
#define ROVE_TEST_GWSIDE_H

#include "dh.h"
#include "keys.h"
#include "payload.h"
#include "proposal.h"
#include "sk.h"

struct collision {
	struct rove_ike_keys k;
	uint8_t spi_i[8], spi_r[8];
	uint8_t lo_ours[256], lo_gw[256]; /* lowest nonce of each exchange */
	size_t lo_ours_len, lo_gw_len;
};

static inline bool derive_gateway_keys(const struct rec *r, struct collision *c)
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
static inline bool open_msg(const struct collision *c, bool from_us, const uint8_t *pkt, size_t len,
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
static inline void note_nonce(const struct collision *c, bool from_us, const uint8_t *pkt, size_t len,
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
static inline void seal_gw(const struct collision *c, uint8_t exchange, uint8_t flags, uint32_t msg_id,
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
static inline void gateway_request(const struct collision *c, uint8_t exchange, uint32_t msg_id,
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
static inline size_t play_to_request(struct run *ru, const struct rec *r, size_t from, int nth)
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
static inline uint16_t our_notify(const struct collision *c, const struct rove_datagram *dg)
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

#endif
