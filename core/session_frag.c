/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's side of IKE fragmentation (RFC 7383): noting that the
 * gateway takes fragments, opening and reassembling the SKF payloads it
 * sends, cutting our requests into fragments and sending all of them on
 * every (re)transmission. The reassembly and cutting rules are in
 * core/frag.c. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ikev2.h"
#include "i18n.h"
#include "session_internal.h"
#include "sk.h"

void frag_init_response(struct rove_session *s, const struct rove_msg *m)
{
	s->frag_peer = rove_msg_find_notify(m, ROVE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	if (s->frag_peer)
		sess_log(s, _("the gateway takes IKE fragments"));
}

int frag_open(struct rove_session *s, const uint8_t *pkt, size_t len, struct rove_msg *m,
	      uint8_t *plain, struct rove_err *err)
{
	const struct rove_payload *skf = &m->pl[m->n - 1];
	struct rove_sk_dir dir;
	uint16_t num = 0, total = 0;
	size_t plen;
	uint8_t first;
	enum rove_frag_verdict v;

	if (!s->have_keys)
		return rove_err_set(err, ROVE_E_PROTO, _("encrypted fragment before keys exist"));
	/* The gateway's direction: SK_er unless it rekeyed the IKE SA and is
	 * its original initiator now (ike_rekey.c). */
	rove_sk_dir_from_keys(&s->keys, !s->ike_initiator, &dir);
	if (rove_skf_open(&dir, pkt, len, skf->offset, plain, len, &plen, &num, &total, err) < 0)
		return -1;
	v = rove_frag_add(&s->frag_rx, m->hdr.msg_id, (m->hdr.flags & ROVE_FLAG_RESPONSE) != 0,
			  m->hdr.exchange, num, total, skf->next, plain, plen, s->now_ms, err);
	rove_wipe(plain, plen);
	if (v == ROVE_FRAG_REJECTED)
		return -1;
	if (v == ROVE_FRAG_KEPT) {
		sess_log(s, _("%s %u: fragment %u of %u kept, waiting for the rest"),
			 (m->hdr.flags & ROVE_FLAG_RESPONSE) ? "response" : "request", m->hdr.msg_id,
			 num, total);
		return rove_err_set(err, ROVE_E_OK, _("fragment %u of %u kept"), num, total);
	}
	frag_recv_done(s);
	if (rove_frag_take(&s->frag_rx, &first, &s->frag_whole, &s->frag_whole_len, err) < 0)
		return -1;
	sess_log(s, _("reassembled message %u from %u fragments (%zu bytes)"), m->hdr.msg_id, total,
		 s->frag_whole_len);
	m->n--; /* the SKF payload is replaced by the whole message's payloads */
	if (first == ROVE_PL_NONE && s->frag_whole_len == 0)
		return 0;
	return rove_msg_parse_inner(first, s->frag_whole, s->frag_whole_len, m, err);
}

bool frag_answers_retransmit(const struct rove_msg *m)
{
	const struct rove_payload *p = m->n ? &m->pl[m->n - 1] : NULL;

	/* The fragment number is not authenticated yet here, but neither is
	 * anything else a plain retransmission is answered on. */
	if (!p || p->type != ROVE_PL_SKF || p->len < 4)
		return true;
	return rove_get_be16(p->body) == 1;
}

void frag_recv_done(struct rove_session *s)
{
	if (s->frag_whole) {
		rove_wipe(s->frag_whole, s->frag_whole_len);
		free(s->frag_whole);
	}
	s->frag_whole = NULL;
	s->frag_whole_len = 0;
}

/* The largest IKE message we send unfragmented: the profile's
 * fragment-size or the RFC's default for the family, less the headers. */
static size_t max_msg(const struct rove_session *s)
{
	bool v6 = s->remote.family == AF_INET6;
	unsigned ip = s->cfg.fragment_size;

	if (!ip)
		ip = v6 ? ROVE_FRAG_DEFAULT_V6 : ROVE_FRAG_DEFAULT_V4;
	return rove_frag_msg_size(ip, v6, s->natt);
}

static void clear_tx(struct rove_session *s)
{
	for (size_t i = 0; i < s->frag_tx_n; i++)
		rove_buf_free(&s->frag_tx[i]);
	s->frag_tx_n = 0;
}

int frag_seal_request(struct rove_session *s, uint8_t exchange, uint8_t flags, uint32_t msg_id,
		      struct rove_mb *inner, size_t len, struct rove_err *err)
{
	struct rove_mb hdr;
	struct rove_sk_dir dir;
	size_t limit = max_msg(s), n = 0;
	int rc;

	clear_tx(s);
	if (!s->frag_peer || len <= limit)
		return 0;
	rove_mb_init(&hdr, s->spi_i, s->spi_r, exchange, flags, msg_id);
	if (hdr.buf.failed || hdr.buf.len < ROVE_IKE_HDR_LEN) {
		rove_mb_free(&hdr);
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	}
	rove_sk_dir_from_keys(&s->keys, s->ike_initiator, &dir);
	rc = rove_frag_seal(&dir, s->cfg.rng, hdr.buf.data,
			    inner->buf.len ? inner->first : ROVE_PL_NONE, inner->buf.data,
			    inner->buf.len, limit, s->frag_tx, FRAG_TX_MAX, &n, err);
	rove_mb_free(&hdr);
	s->frag_tx_n = n;
	s->frag_tx_msg_id = msg_id;
	if (rc < 0) {
		clear_tx(s);
		return -1;
	}
	sess_log(s, _("request %u is %zu bytes: sending it in %zu fragments of at most %zu bytes"),
		 msg_id, len, n, limit);
	return 0;
}

void frag_queue_request(struct rove_session *s)
{
	if (s->frag_tx_n && s->frag_tx_msg_id == s->req_msg_id) {
		for (size_t i = 0; i < s->frag_tx_n; i++)
			sess_queue(s, s->frag_tx[i].data, s->frag_tx[i].len);
		return;
	}
	sess_queue(s, s->req.data, s->req.len);
}

uint64_t frag_next_timer(const struct rove_session *s)
{
	return rove_frag_deadline(&s->frag_rx);
}

void frag_handle_timer(struct rove_session *s)
{
	uint32_t id = s->frag_rx.msg_id;
	uint16_t have = s->frag_rx.have, total = s->frag_rx.total;

	if (rove_frag_expire(&s->frag_rx, s->now_ms))
		sess_log(s, _("dropped %u of %u fragments of message %u: the rest did not come"), have,
			 total, id);
}

void frag_free(struct rove_session *s)
{
	clear_tx(s);
	rove_frag_rx_reset(&s->frag_rx);
	frag_recv_done(s);
}
