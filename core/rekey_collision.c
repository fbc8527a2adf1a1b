/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Simultaneous rekeys (RFC 7296 2.8.1, 2.8.2): the nonce rule, and the
 * IKE SA's side of it. When the gateway's IKE rekey arrives while ours is
 * outstanding, both exchanges complete: we answer the gateway's (its new
 * SA waits in rk.peer_new), then the gateway answers ours. Of the two new
 * IKE SAs, the one made by the exchange holding the lowest of the four
 * nonces is redundant and is deleted by the side that started that
 * exchange; the CHILD SA carries over to the other one, and whoever
 * started the surviving rekey deletes the old IKE SA. strongSwan does the
 * same from its side (its ike_rekey task), so each of us sends exactly one
 * DELETE: the redundant SA's or the old one's.
 *
 *   our exchange lowest:  we delete our new SA (on that SA), the gateway's
 *                         new SA is the IKE SA, the gateway deletes the old
 *   its exchange lowest:  our new SA is the IKE SA, we delete the old one,
 *                         we answer the gateway's DELETE of its new SA
 *
 * The CHILD SA's collision (2.8.1) is resolved in create_child.c with the
 * same comparison. */
#include "session_internal.h"
#include "i18n.h"

#include <string.h>

#include "dh.h"

#define REDUNDANT_MS 30000 /* how long a redundant SA waits for its DELETE */

int rekey_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

const uint8_t *rekey_lowest(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
			    size_t *len)
{
	if (rekey_nonce_cmp(a, alen, b, blen) <= 0) {
		*len = alen;
		return a;
	}
	*len = blen;
	return b;
}

void ike_collision_note(struct rove_session *s, const struct rove_ike_keys *k,
			const struct rove_chosen *ch, const uint8_t spi_r[8], const uint8_t *ni,
			size_t nilen, const uint8_t *nr, size_t nrlen)
{
	struct old_ike *p = &s->rk.peer_new;
	const uint8_t *lo;
	size_t len;

	ike_drop(p);
	p->used = true;
	p->initiator = false; /* the gateway started this exchange */
	memcpy(p->spi_i, ch->spi, 8);
	memcpy(p->spi_r, spi_r, 8);
	p->keys = *k;
	p->give_up_ms = s->now_ms + REDUNDANT_MS;
	s->rk.peer_new_ch = *ch;
	lo = rekey_lowest(ni, nilen, nr, nrlen, &len);
	memcpy(s->rk.ike_peer_lo, lo, len);
	s->rk.ike_peer_lo_len = len;
	s->rk.ike_collided = true;
	sess_log(s, _("IKE SA rekey collision: the gateway rekeys too; waiting for the answer to ours"));
}

/* The gateway's new SA becomes the IKE SA (rk.peer_new emptied). */
static void take_peer_new(struct rove_session *s)
{
	struct old_ike *p = &s->rk.peer_new;

	ike_switch_sa(s, p->spi_i, p->spi_r, &p->keys, &s->rk.peer_new_ch, false);
	ike_drop(p);
}

void ike_collision_resolve(struct rove_session *s, const struct rove_ike_keys *k,
			   const struct rove_chosen *ch, const uint8_t *nr, size_t nrlen)
{
	struct old_ike *red = &s->rk.redundant;
	size_t lo_len;
	const uint8_t *lo = rekey_lowest(s->rk.ni, sizeof(s->rk.ni), nr, nrlen, &lo_len);

	s->rk.ike_collided = false;
	ike_drop(red);
	/* The gateway already deleted its new SA (old_recv answered it): it
	 * found its own exchange redundant, and ours stands. */
	if (s->rk.peer_new.used &&
	    rekey_nonce_cmp(lo, lo_len, s->rk.ike_peer_lo, s->rk.ike_peer_lo_len) < 0) {
		sess_log(s, _("IKE SA rekey collision: ours has the lowest nonce; deleting the SA it "
			   "made, the gateway's is the IKE SA now"));
		red->used = true;
		red->initiator = true;
		memcpy(red->spi_i, s->rk.spi_new, 8);
		memcpy(red->spi_r, ch->spi, 8);
		red->keys = *k;
		red->give_up_ms = s->now_ms + REDUNDANT_MS;
		take_peer_new(s); /* the gateway deletes the old SA */
		ike_send_delete_on(s, red);
		return;
	}
	sess_log(s, _("IKE SA rekey collision: the gateway's has the lowest nonce; keeping ours, "
		   "the gateway deletes its own"));
	ike_switch_sa(s, s->rk.spi_new, ch->spi, k, ch, true);
	/* Kept only to answer the gateway's DELETE on it. */
	*red = s->rk.peer_new;
	memset(&s->rk.peer_new, 0, sizeof(s->rk.peer_new));
	red->give_up_ms = s->now_ms + REDUNDANT_MS;
	/* we started the surviving rekey, so the old SA is ours to delete */
	ike_send_delete_on(s, &s->rk.oike);
}

void ike_collision_fallback(struct rove_session *s)
{
	if (!s->rk.ike_collided)
		return;
	if (!s->rk.peer_new.used) { /* the gateway deleted it: nothing stands */
		s->rk.ike_collided = false;
		return;
	}
	s->rk.ike_collided = false;
	sess_log(s, _("IKE SA rekey collision: ours failed, the gateway's stands"));
	take_peer_new(s);
}

bool ike_collision_peer_deleted(struct rove_session *s)
{
	if (!s->rk.ike_collided || !s->rk.peer_new.used || s->phase != PH_UP)
		return false;
	s->rk.ike_collided = false;
	sess_log(s, _("IKE SA rekey collision: the gateway finished its rekey first and deleted "
		   "the old IKE SA; its new SA is the IKE SA, ours is abandoned"));
	/* Our request lives on the deleted SA: no answer will come. */
	if (s->req_outstanding && s->req_kind == REQ_IKE_REKEY)
		s->req_outstanding = false;
	s->req_kind = REQ_OTHER;
	rove_dh_free(s->rk.dh);
	s->rk.dh = NULL;
	take_peer_new(s);
	ike_drop(&s->rk.oike); /* deleted and answered already */
	return true;
}
