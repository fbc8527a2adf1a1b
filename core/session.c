/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session object: configuration, queues, retransmission and dispatch
 * of received messages to the exchange that is waiting for them. */
#include "session_internal.h"
#include "i18n.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "dh.h"
#include "eap.h"
#include "eap_tls.h"
#include "sk.h"

#define MAX_RETRANSMIT_INTERVAL_MS 8000
#define CLOSE_TOTAL_MS 3000
#define MAX_IKE_MSG 65535

/* ---- events ---- */

static struct rove_event *ev_push(struct rove_session *s, enum rove_event_type type)
{
	struct rove_event *ev;

	if (s->evq_n == EVQ_LEN) {
		/* Full: drop the oldest log line rather than a state change. */
		s->evq_head = (s->evq_head + 1) % EVQ_LEN;
		s->evq_n--;
	}
	ev = &s->evq[(s->evq_head + s->evq_n) % EVQ_LEN];
	s->evq_n++;
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	return ev;
}

void sess_event(struct rove_session *s, enum rove_event_type type, const char *fmt, ...)
{
	struct rove_event *ev = ev_push(s, type);
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(ev->msg, sizeof(ev->msg), fmt, ap);
		va_end(ap);
	}
	if (type == ROVE_EV_CHILD_UP || type == ROVE_EV_CHILD_DOWN || type == ROVE_EV_PATH_UPDATED)
		ev->child = &s->child;
	if (type == ROVE_EV_CONFIG)
		ev->config = &s->config;
	if (type == ROVE_EV_REDIRECT)
		ev->redirect = &s->redirect;
}

struct rove_event *sess_child_event(struct rove_session *s, enum rove_event_type type,
				    const struct rove_child_sa *c)
{
	struct rove_event *ev = ev_push(s, type);

	ev->child = c;
	return ev;
}

/* Every CHILD SA still in the datapath goes: the current one and those a
 * rekey replaced. */
static void children_down(struct rove_session *s)
{
	for (size_t i = 0; i < MAX_OLD_CHILDREN; i++) {
		if (s->rk.old[i].used)
			cc_old_down(s, &s->rk.old[i]);
	}
	if (s->child_up) {
		s->child_up = false;
		sess_event(s, ROVE_EV_CHILD_DOWN, NULL);
	}
}

void sess_log(struct rove_session *s, const char *fmt, ...)
{
	struct rove_event *ev;
	va_list ap;

	if (!s->cfg.verbose)
		return;
	ev = ev_push(s, ROVE_EV_LOG);
	va_start(ap, fmt);
	vsnprintf(ev->msg, sizeof(ev->msg), fmt, ap);
	va_end(ap);
}

void sess_drop(struct rove_session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->req_outstanding) {
		s->req_dropped++;
		va_start(ap, fmt);
		vsnprintf(s->req_drop_why, sizeof(s->req_drop_why), fmt, ap);
		va_end(ap);
		sess_log(s, _("dropping %s"), s->req_drop_why);
		return;
	}
	if (s->cfg.verbose) {
		char why[sizeof(s->req_drop_why)];

		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		sess_log(s, _("dropping %s"), why);
	}
}

void sess_set_state(struct rove_session *s, enum rove_state st)
{
	s->state = st;
}

void sess_fail(struct rove_session *s, enum rove_fail reason, const char *fmt, ...)
{
	struct rove_event *ev;
	va_list ap;

	if (s->state == ROVE_ST_CLOSED)
		return;
	ev = ev_push(s, ROVE_EV_FAILED);
	ev->reason = reason;
	va_start(ap, fmt);
	vsnprintf(ev->msg, sizeof(ev->msg), fmt, ap);
	va_end(ap);
	s->last_failure = reason;
	s->req_outstanding = false;
	s->phase = PH_DONE;
	children_down(s);
	sess_set_state(s, ROVE_ST_CLOSED);
}

/* ---- outgoing datagrams ---- */

static void queue_dgram(struct rove_session *s, const uint8_t *data, size_t len,
			const struct rove_addr *local, bool marker)
{
	struct outq_item *it;

	if (s->outq_n == OUTQ_LEN) {
		/* Full: the oldest is stale anyway (a retransmit will follow). */
		rove_buf_free(&s->outq[s->outq_head].data);
		s->outq_head = (s->outq_head + 1) % OUTQ_LEN;
		s->outq_n--;
	}
	it = &s->outq[(s->outq_head + s->outq_n) % OUTQ_LEN];
	s->outq_n++;
	rove_buf_init(&it->data);
	rove_buf_add(&it->data, data, len);
	it->local = *local;
	it->remote = s->remote;
	it->marker = marker;
}

void sess_queue(struct rove_session *s, const uint8_t *data, size_t len)
{
	queue_dgram(s, data, len, &s->local, s->natt);
}

bool rove_session_pop_datagram(struct rove_session *s, struct rove_datagram *out)
{
	if (!s->outq_n)
		return false;
	rove_buf_free(&s->cur_out.data);
	s->cur_out = s->outq[s->outq_head];
	rove_buf_init(&s->outq[s->outq_head].data); /* moved, not copied */
	s->outq_head = (s->outq_head + 1) % OUTQ_LEN;
	s->outq_n--;
	out->data = s->cur_out.data.data;
	out->len = s->cur_out.data.len;
	out->local = s->cur_out.local;
	out->remote = s->cur_out.remote;
	out->non_esp_marker = s->cur_out.marker;
	return true;
}

bool rove_session_poll_event(struct rove_session *s, struct rove_event *ev)
{
	if (!s->evq_n)
		return false;
	*ev = s->evq[s->evq_head];
	s->evq_head = (s->evq_head + 1) % EVQ_LEN;
	s->evq_n--;
	return true;
}

/* ---- requests and retransmission ---- */

void sess_send_request(struct rove_session *s, uint8_t exchange, uint32_t msg_id)
{
	s->req_outstanding = true;
	s->req_kind = REQ_OTHER; /* the rekey code sets its own after this */
	s->req_exchange = exchange;
	s->req_msg_id = msg_id;
	s->req_first_ms = s->now_ms;
	s->req_interval_ms = s->cfg.retransmit_base_ms;
	s->req_next_ms = s->now_ms + s->req_interval_ms;
	s->req_total_ms = s->phase == PH_DELETING ? CLOSE_TOTAL_MS : s->cfg.retransmit_total_ms;
	s->req_sends = 1;
	s->req_dropped = 0;
	s->dpd_pending = false; /* dpd.c sets it again for its own requests */
	frag_queue_request(s);
}

static void timeout_failure(struct rove_session *s)
{
	char a[ROVE_ADDR_STRLEN];
	unsigned secs = (s->req_total_ms + 999) / 1000;

	rove_addr_str(&s->remote, a, sizeof(a));
	if (s->dpd_pending) {
		dpd_dead(s);
		return;
	}
	if (s->phase == PH_DELETING) {
		s->req_outstanding = false;
		s->phase = PH_DONE;
		sess_set_state(s, ROVE_ST_CLOSED);
		sess_event(s, ROVE_EV_CLOSED, _("closed (the gateway did not confirm the delete)"));
		return;
	}
	if (s->req_dropped)
		sess_fail(s, ROVE_FAIL_PROTOCOL,
			  _("the gateway %s answered, but rove dropped each of its %u answers "
			    "in %u s (the last: %s): the gateway, or something on the way, "
			    "sends broken or forged messages"), a, s->req_dropped, secs,
			  s->req_drop_why);
	else if (s->round_trips == 0)
		sess_fail(s, ROVE_FAIL_TIMEOUT,
			  _("no answer from the gateway %s after %u s: check the server address "
			    "and that UDP ports 500 and 4500 are not blocked on the way"), a, secs);
	else
		sess_fail(s, ROVE_FAIL_TIMEOUT,
			  _("the gateway %s stopped answering after %u s (on UDP port %u): "
			    "check that UDP port 4500 is not blocked on the way"), a, secs,
			  s->remote.port);
}

static void retransmit_due(struct rove_session *s)
{
	if (s->now_ms - s->req_first_ms >= s->req_total_ms) {
		timeout_failure(s);
		return;
	}
	sess_log(s, _("retransmitting request %u"), s->req_msg_id);
	frag_queue_request(s);
	s->req_sends++;
	s->req_interval_ms *= 2;
	if (s->req_interval_ms > MAX_RETRANSMIT_INTERVAL_MS)
		s->req_interval_ms = MAX_RETRANSMIT_INTERVAL_MS;
	s->req_next_ms = s->now_ms + s->req_interval_ms;
	/* The last try waits only until the total runs out. */
	if (s->req_next_ms > s->req_first_ms + s->req_total_ms)
		s->req_next_ms = s->req_first_ms + s->req_total_ms;
}

static void keepalive_due(struct rove_session *s)
{
	static const uint8_t ka = 0xff;

	queue_dgram(s, &ka, 1, &s->local, false);
	s->next_keepalive_ms = s->now_ms + s->cfg.keepalive_ms;
}

uint64_t rove_session_next_timer(const struct rove_session *s)
{
	uint64_t t = UINT64_MAX;

	if (s->state == ROVE_ST_CLOSED)
		return redirect_next_timer(s);
	/* Parked (no address): nothing can be sent, nothing may time out. */
	if (mobike_parked(s))
		return t;
	if (s->req_outstanding)
		t = s->req_next_ms;
	if (s->nat_local && s->natt && s->phase == PH_UP && s->next_keepalive_ms < t)
		t = s->next_keepalive_ms;
	if (dpd_next_timer(s) < t)
		t = dpd_next_timer(s);
	if (frag_next_timer(s) < t)
		t = frag_next_timer(s);
	if (cc_next_timer(s) < t)
		t = cc_next_timer(s);
	if (ike_rekey_next_timer(s) < t)
		t = ike_rekey_next_timer(s);
	return t;
}

void rove_session_handle_timer(struct rove_session *s, uint64_t now_ms)
{
	s->now_ms = now_ms;
	if (s->state == ROVE_ST_CLOSED) {
		redirect_handle_timer(s);
		return;
	}
	if (mobike_parked(s))
		return;
	if (s->req_outstanding && now_ms >= s->req_next_ms)
		retransmit_due(s);
	if (s->nat_local && s->natt && s->phase == PH_UP && now_ms >= s->next_keepalive_ms)
		keepalive_due(s);
	if (s->state != ROVE_ST_CLOSED)
		dpd_handle_timer(s);
	frag_handle_timer(s);
	if (s->state == ROVE_ST_CLOSED)
		return;
	ike_rekey_timer(s);
	cc_timer(s);
	sess_kick(s);
}

void sess_kick(struct rove_session *s)
{
	/* Parked (MOBIKE): nothing leaves until there is an address again. */
	if (s->req_outstanding || s->phase != PH_UP || s->state != ROVE_ST_ESTABLISHED ||
	    mobike_parked(s))
		return;
	cc_start_next(s);
}

/* ---- SK payload ---- */

int sess_seal(struct rove_session *s, uint8_t exchange, bool response, uint32_t msg_id,
	      struct rove_mb *inner, struct rove_buf *out, struct rove_err *err)
{
	struct rove_mb outer;
	struct rove_sk_dir dir;
	uint8_t flags = (s->ike_initiator ? ROVE_FLAG_INITIATOR : 0) |
			(response ? ROVE_FLAG_RESPONSE : 0);
	int rc;

	if (rove_mb_finish(inner, err) < 0)
		return -1;
	rove_mb_init(&outer, s->spi_i, s->spi_r, exchange, flags, msg_id);
	if (outer.buf.failed) {
		rove_mb_free(&outer);
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	}
	/* Point the header's next-payload field at SK; sk_seal writes the SK
	 * payload itself. */
	outer.buf.data[16] = ROVE_PL_SK;
	rove_sk_dir_from_keys(&s->keys, s->ike_initiator, &dir);
	rc = rove_sk_seal(&dir, s->cfg.rng, &outer.buf, outer.buf.len,
			  inner->buf.len ? inner->first : ROVE_PL_NONE,
			  inner->buf.data, inner->buf.len, err);
	if (rc == 0 && outer.buf.failed)
		rc = rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (rc == 0) {
		rove_buf_reset(out);
		rove_buf_add(out, outer.buf.data, outer.buf.len);
	}
	rove_mb_free(&outer);
	if (rc == 0 && !response)
		rc = frag_seal_request(s, exchange, flags, msg_id, inner, out->len, err);
	return rc;
}

int sess_open(struct rove_session *s, const uint8_t *pkt, size_t len, struct rove_msg *m,
	      uint8_t *plain, struct rove_err *err)
{
	const struct rove_payload *sk = rove_msg_find(m, ROVE_PL_SK);
	struct rove_sk_dir dir;
	size_t plen;

	if (m->n && m->pl[m->n - 1].type == ROVE_PL_SKF)
		return frag_open(s, pkt, len, m, plain, err);
	if (!sk)
		return rove_err_set(err, ROVE_E_PROTO, _("message is not encrypted"));
	if (!s->have_keys)
		return rove_err_set(err, ROVE_E_PROTO, _("encrypted message before keys exist"));
	uint8_t first = sk->next;

	rove_sk_dir_from_keys(&s->keys, !s->ike_initiator, &dir);
	if (rove_sk_open(&dir, pkt, len, sk->offset, plain, len, &plen, err) < 0)
		return -1;
	m->n--; /* the SK payload (always last) is replaced by what it carried */
	if (first == ROVE_PL_NONE && plen == 0)
		return 0;
	return rove_msg_parse_inner(first, plain, plen, m, err);
}

const char *sess_payload_summary(const struct rove_msg *m, char *buf, size_t len)
{
	size_t off = 0;
	int w;

	w = snprintf(buf, len, "[");
	off = w > 0 ? (size_t)w : 0;
	for (size_t i = 0; i < m->n && off < len; i++) {
		const struct rove_payload *p = &m->pl[i];
		struct rove_notify n;

		if (p->type == ROVE_PL_NOTIFY && rove_notify_parse(p->body, p->len, &n, NULL) == 0)
			w = snprintf(buf + off, len - off, " N(%s)", rove_notify_name(n.type));
		else
			w = snprintf(buf + off, len - off, " %s", rove_payload_name(p->type));
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (off < len)
		snprintf(buf + off, len - off, " ]");
	return buf;
}

/* ---- receiving ---- */

static const char *exchange_name(uint8_t x)
{
	switch (x) {
	case ROVE_EXCH_IKE_SA_INIT: return "IKE_SA_INIT";
	case ROVE_EXCH_IKE_AUTH: return "IKE_AUTH";
	case ROVE_EXCH_CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case ROVE_EXCH_INFORMATIONAL: return "INFORMATIONAL";
	default: return "unknown exchange";
	}
}

static void log_msg(struct rove_session *s, const char *dir, const struct rove_msg *m)
{
	char sum[256];

	if (!s->cfg.verbose)
		return;
	sess_log(s, "%s %s %s %u %s", dir, exchange_name(m->hdr.exchange),
		 (m->hdr.flags & ROVE_FLAG_RESPONSE) ? "response" : "request",
		 m->hdr.msg_id, sess_payload_summary(m, sum, sizeof(sum)));
}

/* A gateway that supports MOBIKE may move the IKE SA to UDP port 4500 in
 * IKE_AUTH whether or not there is a NAT (RFC 4555 3.3: "the peers
 * switch to port 4500"; OpenIKED does, strongSwan does as an initiator).
 * Its answers then come from port 4500 to ours. Once an authenticated
 * message arrives that way, our requests must go there too, with the
 * non-ESP marker: OpenIKED answers a request that still comes on port 500
 * with the marker on port 500, which no one can read. Only the port
 * changes; the gateway's address must be the one we talk to. */
static void follow_natt(struct rove_session *s, const struct rove_addr *local,
			const struct rove_addr *remote)
{
	struct rove_addr gw = s->remote;

	if (s->natt || !local || !remote || remote->port != ROVE_NATT_PORT ||
	    local->port != s->cfg.local_natt.port)
		return;
	gw.port = ROVE_NATT_PORT;
	if (!rove_addr_eq(&gw, remote))
		return;
	s->natt = true;
	s->local = s->cfg.local_natt;
	s->remote.port = ROVE_NATT_PORT;
	sess_log(s, _("the gateway moved to UDP port 4500, following it"));
}

static void handle_response(struct rove_session *s, const uint8_t *pkt, size_t len,
			    struct rove_msg *m, uint8_t *plain, const struct rove_addr *local,
			    const struct rove_addr *remote)
{
	struct rove_err err;

	if (!s->req_outstanding || m->hdr.msg_id != s->req_msg_id ||
	    m->hdr.exchange != s->req_exchange) {
		sess_drop(s, _("unexpected response %u"), m->hdr.msg_id);
		return;
	}
	if (m->hdr.exchange != ROVE_EXCH_IKE_SA_INIT && sess_open(s, pkt, len, m, plain, &err) < 0) {
		/* An attacker can inject garbage; only a valid reply counts.
		 * (ROVE_E_OK: a fragment kept for later, logged by frag.) */
		if (err.code != ROVE_E_OK)
			sess_drop(s, _("response %u: %s"), m->hdr.msg_id, err.msg);
		return;
	}
	if (m->hdr.exchange != ROVE_EXCH_IKE_SA_INIT)
		follow_natt(s, local, remote);
	s->req_outstanding = false;
	s->round_trips++;
	s->last_rx_ms = s->now_ms;
	if (s->dpd_pending) {
		s->dpd_pending = false;
		sess_log(s, _("the gateway is alive"));
	}
	log_msg(s, "received", m);
	if (s->req_kind != REQ_OTHER) {
		if (s->req_kind == REQ_IKE_REKEY)
			ike_rekey_response(s, m);
		else
			cc_response(s, m);
		sess_kick(s);
		return;
	}
	switch (s->phase) {
	case PH_INIT:
		frag_init_response(s, m);
		ike_sa_init_response(s, pkt, len, m);
		break;
	case PH_AUTH:
	case PH_EAP:
	case PH_EAP_AUTH:
		ike_auth_response(s, m);
		break;
	default:
		info_response(s, m);
		break;
	}
	mobike_next(s); /* an address update waiting for the request slot */
	sess_kick(s);
}

static void handle_request(struct rove_session *s, const uint8_t *pkt, size_t len,
			   struct rove_msg *m, uint8_t *plain, const struct rove_addr *local,
			   const struct rove_addr *remote)
{
	struct rove_err err;

	if (!s->have_keys || s->phase < PH_AUTH || !info_request_allowed(s))
		return;
	if (m->hdr.msg_id + 1 == s->peer_msg_id && s->have_last_resp) {
		/* A retransmit of the gateway's last request: same answer
		 * (once per fragmented request, RFC 7383 2.6.1). */
		if (frag_answers_retransmit(m))
			sess_queue(s, s->last_resp.data, s->last_resp.len);
		return;
	}
	if (m->hdr.msg_id != s->peer_msg_id) {
		sess_log(s, _("dropping request with message ID %u (expected %u)"),
			 m->hdr.msg_id, s->peer_msg_id);
		return;
	}
	if (sess_open(s, pkt, len, m, plain, &err) < 0) {
		if (err.code != ROVE_E_OK)
			sess_log(s, _("dropping request %u: %s"), m->hdr.msg_id, err.msg);
		if (err.code == ROVE_E_CRITICAL)
			info_unsupported_critical(s, m);
		return;
	}
	follow_natt(s, local, remote);
	s->last_rx_ms = s->now_ms;
	log_msg(s, "received", m);
	info_peer_request(s, m);
	sess_kick(s);
}

void rove_session_recv(struct rove_session *s, const uint8_t *pkt, size_t len,
		       const struct rove_addr *local, const struct rove_addr *remote,
		       uint64_t now_ms)
{
	struct rove_msg *m;
	struct rove_err err;
	uint8_t *plain;

	s->now_ms = now_ms;
	if (s->state == ROVE_ST_CLOSED || len > MAX_IKE_MSG)
		return;
	m = calloc(1, sizeof(*m));
	plain = malloc(len ? len : 1);
	if (!m || !plain)
		goto out;
	if (rove_msg_parse(pkt, len, m, &err) < 0) {
		sess_drop(s, _("malformed message from the gateway: %s"), err.msg);
		goto out;
	}
	if (ike_rekey_old_recv(s, pkt, len, m, plain))
		goto out;
	/* Our SPI, and the gateway's I flag: it is the original initiator
	 * after it rekeyed the IKE SA (RFC 7296 2.18). */
	if (s->ike_initiator ? memcmp(m->hdr.spi_i, s->spi_i, 8) != 0 ||
			       (m->hdr.flags & ROVE_FLAG_INITIATOR)
			     : memcmp(m->hdr.spi_r, s->spi_r, 8) != 0 ||
			       !(m->hdr.flags & ROVE_FLAG_INITIATOR)) {
		sess_drop(s, _("message for another IKE SA"));
		goto out;
	}
	if (m->hdr.flags & ROVE_FLAG_RESPONSE)
		handle_response(s, pkt, len, m, plain, local, remote);
	else
		handle_request(s, pkt, len, m, plain, local, remote);
out:
	frag_recv_done(s);
	if (plain)
		rove_wipe(plain, len);
	free(plain);
	free(m);
}

/* ---- lifecycle ---- */

int rove_session_start(struct rove_session *s, uint64_t now_ms)
{
	struct rove_err err;

	s->now_ms = now_ms;
	if (s->phase != PH_IDLE)
		return 0;
	sess_set_state(s, ROVE_ST_CONNECTING);
	if (ike_sa_init_start(s, &err) < 0) {
		sess_fail(s, ROVE_FAIL_INTERNAL, "%s", err.msg);
		return -1;
	}
	return 0;
}

int rove_session_close(struct rove_session *s, uint64_t now_ms)
{
	struct rove_err err;

	s->now_ms = now_ms;
	if (s->state == ROVE_ST_CLOSED || s->phase == PH_DELETING)
		return 0;
	if (!s->have_keys || s->phase < PH_AUTH) {
		/* Nothing the gateway knows about beyond IKE_SA_INIT. */
		s->req_outstanding = false;
		s->phase = PH_DONE;
		sess_set_state(s, ROVE_ST_CLOSED);
		sess_event(s, ROVE_EV_CLOSED, _("closed"));
		return 0;
	}
	children_down(s);
	if (info_send_delete(s, &err) < 0) {
		s->phase = PH_DONE;
		sess_set_state(s, ROVE_ST_CLOSED);
		sess_event(s, ROVE_EV_CLOSED, _("closed without telling the gateway: %s"), err.msg);
		return -1;
	}
	return 0;
}

enum rove_state rove_session_state(const struct rove_session *s)
{
	return s->state;
}

void rove_session_get_info(const struct rove_session *s, struct rove_session_info *info)
{
	memset(info, 0, sizeof(*info));
	info->state = s->state;
	info->local = s->local;
	info->remote = s->remote;
	info->nat_local = s->nat_local;
	info->nat_remote = s->nat_remote;
	info->nat_detected = s->nat_local || s->nat_remote || s->cfg.force_encap;
	memcpy(info->spi_i, s->spi_i, 8);
	memcpy(info->spi_r, s->spi_r, 8);
	if (s->have_keys)
		rove_chosen_str(&s->ike_chosen, false, info->ike_proposal, sizeof(info->ike_proposal));
	info->established_ms = s->established_ms;
	snprintf(info->server_id, sizeof(info->server_id), "%s", s->server_id);
	snprintf(info->revocation, sizeof(info->revocation), "%s",
		 s->peer_cert ? rove_peer_cert_revocation(s->peer_cert) : "");
	info->config = s->config;
	if (s->child_up)
		info->children[info->nchildren++] = &s->child;
	info->last_failure = s->last_failure;
	info->round_trips = s->round_trips;
	info->last_received_ms = s->last_rx_ms;
	info->dpd_outstanding = s->req_outstanding && s->dpd_pending;
	info->auth_lifetime_s = s->auth_lifetime_s;
	if (s->eap_tls) {
		snprintf(info->tls_version, sizeof(info->tls_version), "%s",
			 rove_eap_tls_version(s->eap_tls));
		snprintf(info->tls_cipher, sizeof(info->tls_cipher), "%s",
			 rove_eap_tls_cipher(s->eap_tls));
	}
	info->ike_up_ms = s->rk.ike_up_ms;
	info->child_up_ms = s->rk.child_up_ms;
	info->ike_rekey_ms = s->rk.ike_due_ms == UINT64_MAX ? 0 : s->rk.ike_due_ms;
	info->child_rekey_ms = s->rk.child_due_ms == UINT64_MAX ? 0 : s->rk.child_due_ms;
	info->last_rekey_ms = s->rk.last_ms;
	info->ike_rekeys = s->rk.ike_count;
	info->child_rekeys = s->rk.child_count;
	info->mobike = s->mob.peer && s->cfg.mobike;
	info->parked = s->mob.parked;
	info->moves = s->mob.moves;
	info->npeer_addrs = s->mob.naddrs;
	memcpy(info->peer_addrs, s->mob.addrs, sizeof(info->peer_addrs));
}

const struct rove_session_config *rove_session_config(const struct rove_session *s)
{
	return &s->cfg;
}

const char *rove_state_name(enum rove_state st)
{
	switch (st) {
	case ROVE_ST_IDLE: return "idle";
	case ROVE_ST_CONNECTING: return "connecting";
	case ROVE_ST_ESTABLISHED: return "established";
	case ROVE_ST_CLOSING: return "closing";
	case ROVE_ST_CLOSED: return "closed";
	}
	return "unknown";
}
