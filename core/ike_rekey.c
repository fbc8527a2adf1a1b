/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18): new
 * SPIs, SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), message IDs
 * from 0, and the CHILD SA carried over as it is. Whoever started the
 * rekey is the new SA's original initiator, and deletes the old SA; until
 * that DELETE exchange is over the old SA's keys stay here (struct
 * old_ike) so its messages can still be answered. When the gateway's
 * rekey crosses ours, rekey_collision.c decides which new SA stays; the
 * other one is kept the same way (rk.redundant) until its DELETE. */
#include "session_internal.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

#include "dh.h"

#define OLD_SA_MS 30000      /* how long we keep the old SA for its DELETE */
#define OLD_RETRANSMIT_MS 1000
#define RETRY_MS 2000
#define FAILED_RETRY_MS 30000
#define MAX_TRIES 5

/* Swaps the IKE SA the message functions (sess_seal, sess_open, respond)
 * work on between the current one and o (the old one, or the redundant
 * one of a collision). */
void ike_swap(struct rove_session *s, struct old_ike *o)
{
	struct old_ike t;

	memcpy(t.spi_i, s->spi_i, 8);
	memcpy(t.spi_r, s->spi_r, 8);
	t.keys = s->keys;
	t.initiator = s->ike_initiator;
	t.next_msg_id = s->next_msg_id;
	t.peer_msg_id = s->peer_msg_id;
	t.last_resp = s->last_resp;
	t.have_last_resp = s->have_last_resp;
	memcpy(s->spi_i, o->spi_i, 8);
	memcpy(s->spi_r, o->spi_r, 8);
	s->keys = o->keys;
	s->ike_initiator = o->initiator;
	s->next_msg_id = o->next_msg_id;
	s->peer_msg_id = o->peer_msg_id;
	s->last_resp = o->last_resp;
	s->have_last_resp = o->have_last_resp;
	memcpy(o->spi_i, t.spi_i, 8);
	memcpy(o->spi_r, t.spi_r, 8);
	o->keys = t.keys;
	o->initiator = t.initiator;
	o->next_msg_id = t.next_msg_id;
	o->peer_msg_id = t.peer_msg_id;
	o->last_resp = t.last_resp;
	o->have_last_resp = t.have_last_resp;
	rove_wipe(&t.keys, sizeof(t.keys));
}

void ike_drop(struct old_ike *o)
{
	rove_buf_free(&o->req);
	rove_buf_free(&o->last_resp);
	rove_ike_keys_wipe(&o->keys);
	memset(o, 0, sizeof(*o));
}

void ike_rekey_free(struct rove_session *s)
{
	ike_drop(&s->rk.oike);
	ike_drop(&s->rk.redundant);
	ike_drop(&s->rk.peer_new);
}

/* The current SA becomes the old one; the new one takes its place. */
void ike_switch_sa(struct rove_session *s, const uint8_t spi_i[8], const uint8_t spi_r[8],
		      const struct rove_ike_keys *keys, const struct rove_chosen *ch,
		      bool initiator)
{
	struct old_ike *o = &s->rk.oike;

	ike_drop(o); /* one old SA at a time: an older one is gone by now */
	o->used = true;
	memcpy(o->spi_i, s->spi_i, 8);
	memcpy(o->spi_r, s->spi_r, 8);
	o->keys = s->keys;
	o->initiator = s->ike_initiator;
	o->next_msg_id = s->next_msg_id;
	o->peer_msg_id = s->peer_msg_id;
	o->last_resp = s->last_resp;
	o->have_last_resp = s->have_last_resp;
	o->give_up_ms = s->now_ms + OLD_SA_MS;
	rove_buf_init(&s->last_resp);
	s->have_last_resp = false;
	memcpy(s->spi_i, spi_i, 8);
	memcpy(s->spi_r, spi_r, 8);
	s->keys = *keys;
	s->ike_chosen = *ch;
	s->ike_initiator = initiator;
	s->next_msg_id = 0;
	s->peer_msg_id = 0;
	s->rk.ike_count++;
	s->rk.last_ms = s->now_ms;
	s->rk.ike_up_ms = s->now_ms;
	s->rk.tries = 0;
	s->rk.group = 0;
	s->rk.ike_due_ms = cc_rekey_time(s, s->now_ms, s->cfg.ike_rekey_s);
	sess_event(s, ROVE_EV_PROGRESS, _("IKE SA rekeyed (%s): SPIs %016llx_i %016llx_r"),
		   initiator ? _("by us") : _("by the gateway"),
		   (unsigned long long)rove_get_be32(spi_i) << 32 | rove_get_be32(spi_i + 4),
		   (unsigned long long)rove_get_be32(spi_r) << 32 | rove_get_be32(spi_r + 4));
}

/* ---- the old SA's DELETE ---- */

void ike_send_delete_on(struct rove_session *s, struct old_ike *o)
{
	struct rove_err err;
	struct rove_mb mb;
	uint32_t id;

	rove_mb_init_inner(&mb);
	rove_mb_begin(&mb, ROVE_PL_DELETE, false);
	rove_delete_build(&mb.buf, ROVE_PROTO_IKE, 0, 0, NULL);
	rove_mb_end(&mb);
	ike_swap(s, o);
	id = s->next_msg_id++;
	if (sess_seal(s, ROVE_EXCH_INFORMATIONAL, false, id, &mb, &o->req, &err) == 0) {
		o->req_msg_id = id;
		o->req_outstanding = true;
		o->req_interval_ms = OLD_RETRANSMIT_MS;
		o->req_next_ms = s->now_ms + o->req_interval_ms;
		sess_queue(s, o->req.data, o->req.len);
	}
	ike_swap(s, o);
	rove_mb_free(&mb);
}

static uint64_t old_timer(const struct old_ike *o)
{
	if (!o->used)
		return UINT64_MAX;
	return o->req_outstanding && o->req_next_ms < o->give_up_ms ? o->req_next_ms : o->give_up_ms;
}

uint64_t ike_rekey_next_timer(const struct rove_session *s)
{
	uint64_t a = old_timer(&s->rk.oike), b = old_timer(&s->rk.redundant);

	return a < b ? a : b;
}

static void old_handle_timer(struct rove_session *s, struct old_ike *o, const char *what)
{
	if (!o->used)
		return;
	if (s->now_ms >= o->give_up_ms) {
		sess_log(s, _("the %s IKE SA's DELETE exchange did not finish; forgetting it"), what);
		ike_drop(o);
		return;
	}
	if (o->req_outstanding && s->now_ms >= o->req_next_ms) {
		sess_queue(s, o->req.data, o->req.len);
		o->req_interval_ms *= 2;
		o->req_next_ms = s->now_ms + o->req_interval_ms;
	}
}

void ike_rekey_timer(struct rove_session *s)
{
	old_handle_timer(s, &s->rk.oike, "old");
	old_handle_timer(s, &s->rk.redundant, "redundant");
}

/* A message on o (the old SA, or a collision's redundant one): the answer
 * to our DELETE, or the gateway's requests (its DELETE after it rekeyed, a
 * liveness check) until then. A rekey there is refused: that SA is being
 * deleted (2.25). */
static bool old_recv(struct rove_session *s, struct old_ike *o, const char *what,
		     const uint8_t *pkt, size_t len, struct rove_msg *m, uint8_t *plain)
{
	struct rove_err err;
	bool gone = false;

	if (!o->used || memcmp(m->hdr.spi_i, o->spi_i, 8) || memcmp(m->hdr.spi_r, o->spi_r, 8))
		return false;
	ike_swap(s, o);
	if (m->hdr.flags & ROVE_FLAG_RESPONSE) {
		gone = o->req_outstanding && m->hdr.msg_id == o->req_msg_id &&
		       sess_open(s, pkt, len, m, plain, &err) == 0;
	} else if (m->hdr.msg_id + 1 == s->peer_msg_id && s->have_last_resp) {
		sess_queue(s, s->last_resp.data, s->last_resp.len);
	} else if (m->hdr.msg_id == s->peer_msg_id && sess_open(s, pkt, len, m, plain, &err) == 0) {
		struct rove_mb resp;

		for (const struct rove_payload *p = rove_msg_find(m, ROVE_PL_DELETE); p;
		     p = rove_msg_find_next(m, p, ROVE_PL_DELETE)) {
			struct rove_delete d;

			if (rove_delete_parse(p->body, p->len, &d, NULL) == 0 &&
			    d.protocol == ROVE_PROTO_IKE)
				gone = true;
		}
		rove_mb_init_inner(&resp); /* answered empty (1.4.1) */
		if (m->hdr.exchange == ROVE_EXCH_CREATE_CHILD_SA)
			rove_mb_add_notify(&resp, 0, NULL, 0, ROVE_N_TEMPORARY_FAILURE, NULL, 0);
		sess_respond(s, m->hdr.exchange, &resp);
		rove_mb_free(&resp);
	}
	ike_swap(s, o);
	if (gone) {
		sess_log(s, _("the %s IKE SA is deleted"), what);
		/* Its last answer stays cached until it goes: drop it now. */
		ike_drop(o);
	}
	return true;
}

bool ike_rekey_old_recv(struct rove_session *s, const uint8_t *pkt, size_t len,
			struct rove_msg *m, uint8_t *plain)
{
	/* The gateway may delete its side of a collision before its answer to
	 * ours arrives (it resolved first): rk.peer_new is answered too. */
	return old_recv(s, &s->rk.oike, "old", pkt, len, m, plain) ||
	       old_recv(s, &s->rk.redundant, "redundant", pkt, len, m, plain) ||
	       old_recv(s, &s->rk.peer_new, "gateway's redundant", pkt, len, m, plain);
}

/* ---- we rekey ---- */

int ike_rekey_start(struct rove_session *s, struct rove_err *err)
{
	struct rove_sa *sa;
	struct rove_mb mb;
	uint16_t group = s->rk.group ? s->rk.group : s->ike_chosen.dh;
	const uint8_t *pub;
	size_t publen;
	uint32_t id;
	int rc = -1;

	/* (A collision's redundant SA may wait for a DELETE the gateway
	 * never sends when it dropped that SA itself: it does not block.) */
	if (s->rk.oike.used)
		return rove_err_set(err, ROVE_E_INVAL, _("the previous IKE SA is still being deleted"));
	rove_dh_free(s->rk.dh);
	s->rk.dh = NULL;
	if (rove_rng_fill(s->cfg.rng, s->rk.spi_new, 8) < 0 ||
	    rove_rng_fill(s->cfg.rng, s->rk.ni, sizeof(s->rk.ni)) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("random number generator failed"));
	if (!(s->rk.dh = rove_dh_new(group, s->cfg.rng, err)))
		return -1;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rove_mb_init_inner(&mb);
	if (rove_proposals_to_sa(&s->ike_props, s->rk.spi_new, 8, sa, err) < 0)
		goto out;
	rove_mb_begin(&mb, ROVE_PL_SA, false);
	rove_sa_build(&mb.buf, sa);
	rove_mb_end(&mb);
	rove_mb_add(&mb, ROVE_PL_NONCE, s->rk.ni, sizeof(s->rk.ni));
	pub = rove_dh_public(s->rk.dh, &publen);
	rove_mb_begin(&mb, ROVE_PL_KE, false);
	rove_ke_build(&mb.buf, group, pub, publen);
	rove_mb_end(&mb);
	id = s->next_msg_id;
	if (sess_seal(s, ROVE_EXCH_CREATE_CHILD_SA, false, id, &mb, &s->req, err) < 0)
		goto out;
	s->next_msg_id++;
	sess_send_request(s, ROVE_EXCH_CREATE_CHILD_SA, id);
	s->req_kind = REQ_IKE_REKEY;
	s->rk.ike_due_ms = UINT64_MAX;
	sess_log(s, _("rekeying the IKE SA"));
	rc = 0;
out:
	free(sa);
	rove_mb_free(&mb);
	return rc;
}

static void refused(struct rove_session *s, const struct rove_msg *m, uint16_t n)
{
	const struct rove_payload *p = rove_msg_find_notify(m, ROVE_N_INVALID_KE_PAYLOAD);
	struct rove_notify nt;
	uint8_t r = 0;

	rove_rng_fill(s->cfg.rng, &r, 1);
	if (++s->rk.tries > MAX_TRIES) {
		sess_event(s, ROVE_EV_PROGRESS, _("the gateway keeps refusing to rekey the IKE SA (%s)"),
			   rove_notify_name(n));
		s->rk.ike_due_ms = UINT64_MAX;
		return;
	}
	if (n == ROVE_N_INVALID_KE_PAYLOAD && p && rove_notify_parse(p->body, p->len, &nt, NULL) == 0 &&
	    nt.len == 2 && rove_proposals_has_dh(&s->ike_props, rove_get_be16(nt.data))) {
		s->rk.group = rove_get_be16(nt.data);
		s->rk.ike_due_ms = s->now_ms;
	} else if (n == ROVE_N_TEMPORARY_FAILURE) {
		s->rk.ike_due_ms = s->now_ms + RETRY_MS + r * 10u;
	} else {
		s->rk.ike_due_ms = s->now_ms + FAILED_RETRY_MS;
	}
	sess_log(s, _("the gateway answered our IKE SA rekey with %s; retrying"), rove_notify_name(n));
}

static int take_ke_nonce(const struct rove_msg *m, struct rove_dh *dh, uint16_t group,
			 const struct rove_payload **np, uint8_t *gir, size_t *girlen,
			 struct rove_err *err)
{
	const struct rove_payload *kp = rove_msg_find(m, ROVE_PL_KE);
	struct rove_ke ke;

	*np = rove_msg_find(m, ROVE_PL_NONCE);
	if (!kp || !*np)
		return rove_err_set(err, ROVE_E_PROTO, _("KE or Nonce missing"));
	if (rove_nonce_check((*np)->len, err) < 0 || rove_ke_parse(kp->body, kp->len, &ke, err) < 0)
		return -1;
	if (ke.group != group)
		return rove_err_set(err, ROVE_E_PROTO, _("KE group %u instead of %u"), ke.group, group);
	return rove_dh_shared(dh, ke.data, ke.len, gir, girlen, err);
}

static int derive(struct rove_session *s, const struct rove_chosen *ch, const uint8_t *ni,
		  size_t nilen, const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
		  const uint8_t spi_i[8], const uint8_t spi_r[8], struct rove_ike_keys *k,
		  struct rove_err *err)
{
	struct rove_ike_suite suite = { ch->encr, ch->encr_bits, ch->prf, ch->integ, ch->dh };

	return rove_ike_keys_derive_rekey(s->keys.suite.prf, s->keys.sk_d, s->keys.prf_len, &suite,
					  ni, nilen, nr, nrlen, gir, girlen, spi_i, spi_r, k, err);
}

void ike_rekey_response(struct rove_session *s, struct rove_msg *m)
{
	const struct rove_payload *np = NULL;
	uint16_t nerr = first_error_notify(m);
	struct rove_ike_keys k;
	struct rove_chosen ch;
	struct rove_err err;
	uint8_t gir[ROVE_DH_MAX];
	size_t girlen = 0;
	int rc;

	if (nerr) {
		refused(s, m, nerr);
		ike_collision_fallback(s); /* the gateway's crossing rekey stands */
		return;
	}
	rc = sess_take_sa(m, &s->ike_props, 8, "new IKE", &ch, &err);
	if (rc == 0)
		rc = take_ke_nonce(m, s->rk.dh, ch.dh, &np, gir, &girlen, &err);
	if (rc == 0)
		rc = derive(s, &ch, s->rk.ni, sizeof(s->rk.ni), np->body, np->len, gir, girlen,
			    s->rk.spi_new, ch.spi, &k, &err);
	rove_wipe(gir, sizeof(gir));
	rove_dh_free(s->rk.dh);
	s->rk.dh = NULL;
	if (rc < 0) {
		sess_log(s, _("the gateway's answer to our IKE SA rekey is unusable: %s"), err.msg);
		s->rk.ike_due_ms = s->now_ms + FAILED_RETRY_MS;
		ike_collision_fallback(s);
		return;
	}
	if (s->rk.ike_collided) {
		/* The gateway's rekey crossed ours (2.8.2). */
		ike_collision_resolve(s, &k, &ch, np->body, np->len);
	} else {
		ike_switch_sa(s, s->rk.spi_new, ch.spi, &k, &ch, true);
		/* we started it, so we delete the old SA (2.18) */
		ike_send_delete_on(s, &s->rk.oike);
	}
	rove_ike_keys_wipe(&k);
}

/* ---- the gateway rekeys ---- */

void ike_rekey_peer_request(struct rove_session *s, struct rove_msg *m, const struct rove_sa *offer)
{
	const struct rove_payload *np = NULL;
	struct rove_sa *reply;
	struct rove_dh *dh = NULL;
	struct rove_ike_keys k;
	struct rove_chosen ch;
	struct rove_err err;
	struct rove_mb mb;
	uint8_t spi[8], nr[32], gir[ROVE_DH_MAX], grp[2];
	size_t girlen = 0;
	/* Our own IKE rekey is out: both complete, then the nonces decide
	 * which new SA survives (2.8.2, rekey_collision.c). */
	bool crossing = s->req_outstanding && s->req_kind == REQ_IKE_REKEY && !s->rk.ike_collided;

	/* Any other exchange of ours outstanding, an old SA not yet deleted,
	 * or the SA being deleted: the gateway retries later (2.25). */
	if ((s->req_outstanding && !crossing) || s->rk.oike.used || s->phase != PH_UP) {
		cc_answer_notify(s, ROVE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	reply = calloc(1, sizeof(*reply));
	if (!reply)
		return;
	if (rove_rng_fill(s->cfg.rng, spi, 8) < 0 || rove_rng_fill(s->cfg.rng, nr, sizeof(nr)) < 0)
		goto out;
	if (rove_proposals_select(&s->ike_props, offer, spi, 8, reply, &ch, &err) < 0) {
		sess_log(s, _("refusing the gateway's IKE SA rekey: %s"), err.msg);
		cc_answer_notify(s, ROVE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}
	dh = rove_dh_new(ch.dh, s->cfg.rng, &err);
	if (!dh || take_ke_nonce(m, dh, ch.dh, &np, gir, &girlen, &err) < 0) {
		rove_put_be16(grp, ch.dh);
		cc_answer_notify(s, ROVE_N_INVALID_KE_PAYLOAD, grp, 2);
		goto out;
	}
	/* The gateway is the rekey's initiator: its nonce and SPI come first. */
	if (derive(s, &ch, np->body, np->len, nr, sizeof(nr), gir, girlen, ch.spi, spi, &k,
		   &err) < 0) {
		sess_log(s, _("cannot answer the gateway's IKE SA rekey: %s"), err.msg);
		cc_answer_notify(s, ROVE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}
	rove_mb_init_inner(&mb);
	rove_mb_begin(&mb, ROVE_PL_SA, false);
	rove_sa_build(&mb.buf, reply);
	rove_mb_end(&mb);
	rove_mb_add(&mb, ROVE_PL_NONCE, nr, sizeof(nr));
	{
		size_t publen;
		const uint8_t *pub = rove_dh_public(dh, &publen);

		rove_mb_begin(&mb, ROVE_PL_KE, false);
		rove_ke_build(&mb.buf, ch.dh, pub, publen);
		rove_mb_end(&mb);
	}
	sess_respond(s, ROVE_EXCH_CREATE_CHILD_SA, &mb); /* on the old SA */
	rove_mb_free(&mb);
	if (crossing)
		ike_collision_note(s, &k, &ch, spi, np->body, np->len, nr, sizeof(nr));
	else
		ike_switch_sa(s, ch.spi, spi, &k, &ch, false);
	rove_ike_keys_wipe(&k);
out:
	rove_wipe(gir, sizeof(gir));
	rove_dh_free(dh);
	free(reply);
}
