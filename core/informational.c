/* SPDX-License-Identifier: GPL-2.0-or-later */
/* INFORMATIONAL exchanges (RFC 7296 1.4): our DELETE on close, the
 * gateway's DELETEs and liveness checks, and answers to requests we do
 * not support. */
#include "session_internal.h"

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
	sess_event(s, ROVE_EV_CLOSED, "closed");
}

static void respond(struct rove_session *s, uint8_t exchange, struct rove_mb *inner)
{
	struct rove_err err;

	if (sess_seal(s, exchange, true, s->peer_msg_id, inner, &s->last_resp, &err) < 0) {
		sess_log(s, "cannot answer the gateway's request: %s", err.msg);
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
			sess_event(s, ROVE_EV_CLOSED, "closed");
		} else {
			sess_fail(s, ROVE_FAIL_PEER_DELETED, "the gateway closed the connection");
		}
	} else if (child_deleted) {
		/* Our one tunnel is gone: nothing left worth keeping up. */
		s->child_up = false;
		sess_event(s, ROVE_EV_CHILD_DOWN, NULL);
		sess_fail(s, ROVE_FAIL_PEER_DELETED, "the gateway closed the tunnel");
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
		sess_log(s, "ignoring a request of exchange type %u", m->hdr.exchange);
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
