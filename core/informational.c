/* SPDX-License-Identifier: GPL-2.0-or-later */
/* INFORMATIONAL exchanges (RFC 7296 1.4): our DELETE on close, the
 * gateway's DELETEs and liveness checks, and answers to requests we do
 * not support. */
#include "session_internal.h"
#include "i18n.h"

#include <string.h>

/* Builds an INFORMATIONAL request into out with the inner payloads. */
static int build_request(struct rove_session *s, struct rove_mb *inner, uint32_t *msg_id,
			 struct rove_buf *out, struct rove_err *err)
{
	*msg_id = s->next_msg_id++;
	return sess_seal(s, ROVE_EXCH_INFORMATIONAL, false, *msg_id, inner, out, err);
}

int info_send_delete(struct rove_session *s, struct rove_err *err)
{
	struct rove_mb mb;
	struct rove_buf once;
	uint32_t id;
	int rc;

	if (!s->have_keys)
		return 0;
	rove_mb_init_inner(&mb);
	rove_mb_begin(&mb, ROVE_PL_DELETE, false);
	rove_delete_build(&mb.buf, ROVE_PROTO_IKE, 0, 0, NULL);
	rove_mb_end(&mb);
	if (s->state == ROVE_ST_CLOSED) {
		/* After a failure: tell the gateway once, wait for nothing. */
		rove_buf_init(&once);
		rc = build_request(s, &mb, &id, &once, err);
		if (rc == 0)
			sess_queue(s, once.data, once.len);
		rove_buf_free(&once);
	} else {
		rc = build_request(s, &mb, &id, &s->req, err);
		if (rc == 0) {
			s->phase = PH_DELETING;
			sess_set_state(s, ROVE_ST_CLOSING);
			sess_send_request(s, ROVE_EXCH_INFORMATIONAL, id);
		}
	}
	rove_mb_free(&mb);
	return rc;
}

void info_notify_auth_failed(struct rove_session *s)
{
	struct rove_mb mb;
	struct rove_buf once;
	struct rove_err err;
	uint32_t id;

	if (!s->have_keys)
		return;
	rove_mb_init_inner(&mb);
	rove_buf_init(&once);
	rove_mb_add_notify(&mb, 0, NULL, 0, ROVE_N_AUTHENTICATION_FAILED, NULL, 0);
	if (build_request(s, &mb, &id, &once, &err) == 0)
		sess_queue(s, once.data, once.len);
	rove_buf_free(&once);
	rove_mb_free(&mb);
}

void info_response(struct rove_session *s, struct rove_msg *m)
{
	if (mobike_response(s, m))
		return;
	if (s->phase != PH_DELETING)
		return;
	s->phase = PH_DONE;
	sess_set_state(s, ROVE_ST_CLOSED);
	sess_event(s, ROVE_EV_CLOSED, _("closed"));
}

/* The gateway's requests (liveness checks, DELETEs, MOBIKE checks,
 * rekeys) come one at a time: we announce no window (RFC 7296 2.3), so it
 * waits for our answer before the next one, and a real gateway sends a few
 * a minute at most. A token bucket per session bounds what answering costs
 * us: a burst of 20 (a DELETE per CHILD SA after a rekey collision, its
 * retransmissions, fragments of one request, with room to spare) and then
 * 10 a second, ten times what a gateway checking liveness every second
 * with MOBIKE checks on top would send. Beyond that requests are dropped
 * unanswered (a real gateway retransmits and gets its answer once it
 * slows down), one warning says so, and when the gateway keeps it up for
 * FLOOD_MS the session ends: no gateway does that, only a broken one or
 * someone replaying its messages. */
#define REQ_BURST 20
#define REQ_PER_S 10
#define FLOOD_MS 5000

static void refill(struct rove_session *s)
{
	uint64_t gain = (s->now_ms - s->req_rl.last_ms) * REQ_PER_S; /* thousandths */

	if (!s->req_rl.init || s->now_ms < s->req_rl.last_ms ||
	    gain >= REQ_BURST * 1000 - s->req_rl.tokens) {
		s->req_rl.init = true;
		s->req_rl.tokens = REQ_BURST * 1000;
	} else {
		s->req_rl.tokens += (uint32_t)gain;
	}
	s->req_rl.last_ms = s->now_ms;
}

bool info_request_allowed(struct rove_session *s)
{
	unsigned secs;

	refill(s);
	if (s->req_rl.tokens == REQ_BURST * 1000) { /* the gateway kept to its pace */
		s->req_rl.flooding = false;
		s->req_rl.win_ms = s->now_ms;
		s->req_rl.win_n = 0;
	}
	s->req_rl.win_n++;
	if (s->req_rl.tokens >= 1000) {
		s->req_rl.tokens -= 1000;
		return true;
	}
	secs = (unsigned)((s->now_ms - s->req_rl.win_ms + 500) / 1000);
	if (!s->req_rl.flooding) {
		s->req_rl.flooding = true;
		s->req_rl.flood_ms = s->now_ms;
	}
	if (!s->req_rl.warned) {
		s->req_rl.warned = true;
		sess_event(s, ROVE_EV_PROGRESS,
			   _("the gateway sends requests faster than %d a second (%u in %u s): "
			     "rove leaves the excess unanswered, and ends the session if this "
			     "goes on for %d s"), REQ_PER_S, s->req_rl.win_n, secs ? secs : 1,
			   FLOOD_MS / 1000);
	}
	if (s->now_ms - s->req_rl.flood_ms >= FLOOD_MS) {
		struct rove_err err;

		sess_fail(s, ROVE_FAIL_PROTOCOL,
			  _("the gateway sent %u requests in %u s, far more than any gateway "
			    "needs; ending the session: check the gateway (or an attacker on "
			    "the path)"), s->req_rl.win_n, secs);
		info_send_delete(s, &err); /* once, so it drops the SA too */
	}
	return false;
}

static void respond(struct rove_session *s, uint8_t exchange, struct rove_mb *inner)
{
	struct rove_err err;

	if (sess_seal(s, exchange, true, s->peer_msg_id, inner, &s->last_resp, &err) < 0) {
		sess_log(s, _("cannot answer the gateway's request: %s"), err.msg);
		return;
	}
	s->have_last_resp = true;
	s->peer_msg_id++;
	sess_queue(s, s->last_resp.data, s->last_resp.len);
}

/* The gateway deleted our CHILD SA (by its outbound SPI) or the IKE SA. */
static void peer_delete(struct rove_session *s, const struct rove_msg *m, struct rove_mb *resp,
			bool *ike_deleted, bool *child_deleted)
{
	for (const struct rove_payload *p = rove_msg_find(m, ROVE_PL_DELETE); p;
	     p = rove_msg_find_next(m, p, ROVE_PL_DELETE)) {
		struct rove_delete d;

		if (rove_delete_parse(p->body, p->len, &d, NULL) < 0)
			continue;
		if (d.protocol == ROVE_PROTO_IKE) {
			*ike_deleted = true;
			continue;
		}
		for (uint16_t i = 0; d.protocol == ROVE_PROTO_ESP && i < d.nspi; i++) {
			uint8_t ours[4];

			/* A CHILD SA a rekey replaced (create_child.c)? */
			if (cc_peer_delete(s, rove_get_be32(d.spis + 4 * i), resp))
				continue;
			if (!s->child_up || rove_get_be32(d.spis + 4 * i) != s->child.spi_out)
				continue;
			rove_put_be32(ours, s->child.spi_in);
			rove_mb_begin(resp, ROVE_PL_DELETE, false);
			rove_delete_build(&resp->buf, ROVE_PROTO_ESP, 4, 1, ours);
			rove_mb_end(resp);
			*child_deleted = true;
		}
	}
}

static void informational_request(struct rove_session *s, const struct rove_msg *m)
{
	struct rove_mb resp;
	struct rove_err err;
	bool ike_deleted = false, child_deleted = false;

	rove_mb_init_inner(&resp);
	peer_delete(s, m, &resp, &ike_deleted, &child_deleted);
	mobike_peer_request(s, m, &resp);
	if (ike_deleted) {
		rove_mb_free(&resp);
		rove_mb_init_inner(&resp); /* an IKE SA delete is answered empty */
	}
	respond(s, ROVE_EXCH_INFORMATIONAL, &resp);
	rove_mb_free(&resp);
	if (!ike_deleted && !child_deleted && redirect_info_request(s, m))
		return;
	if (ike_deleted && ike_collision_peer_deleted(s))
		return; /* the gateway's crossing rekey finished first */
	if (ike_deleted) {
		if (s->phase == PH_DELETING) {
			s->phase = PH_DONE;
			sess_set_state(s, ROVE_ST_CLOSED);
			sess_event(s, ROVE_EV_CLOSED, _("closed"));
		} else {
			sess_fail(s, ROVE_FAIL_PEER_DELETED, _("the gateway closed the connection"));
		}
	} else if (child_deleted) {
		/* Our one tunnel is gone: nothing left worth keeping up. */
		s->child_up = false;
		sess_event(s, ROVE_EV_CHILD_DOWN, NULL);
		sess_fail(s, ROVE_FAIL_PEER_DELETED, _("the gateway closed the tunnel"));
		info_send_delete(s, &err);
	}
}

void info_peer_request(struct rove_session *s, struct rove_msg *m)
{
	switch (m->hdr.exchange) {
	case ROVE_EXCH_INFORMATIONAL:
		informational_request(s, m);
		break;
	case ROVE_EXCH_CREATE_CHILD_SA:
		cc_peer_request(s, m); /* create_child.c */
		break;
	default:
		sess_log(s, _("ignoring a request of exchange type %u"), m->hdr.exchange);
		break;
	}
}

void sess_respond(struct rove_session *s, uint8_t exchange, struct rove_mb *inner)
{
	respond(s, exchange, inner);
}

void info_unsupported_critical(struct rove_session *s, const struct rove_msg *m)
{
	struct rove_mb resp;
	uint8_t type = m->unsupported_critical;

	rove_mb_init_inner(&resp);
	rove_mb_add_notify(&resp, 0, NULL, 0, ROVE_N_UNSUPPORTED_CRITICAL_PAYLOAD, &type, 1);
	respond(s, m->hdr.exchange, &resp);
	rove_mb_free(&resp);
}
