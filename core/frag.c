/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "frag.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

#include "ikev2.h"

void rove_frag_rx_init(struct rove_frag_rx *r)
{
	memset(r, 0, sizeof(*r));
}

void rove_frag_rx_reset(struct rove_frag_rx *r)
{
	unsigned dropped = r->dropped_sets;

	for (size_t i = 0; i < ROVE_FRAG_MAX; i++) {
		if (r->part[i]) {
			rove_wipe(r->part[i], r->part_len[i]);
			free(r->part[i]);
		}
	}
	memset(r, 0, sizeof(*r));
	r->dropped_sets = dropped;
}

static void start_set(struct rove_frag_rx *r, uint32_t msg_id, bool response, uint8_t exchange,
		      uint16_t total, uint64_t now_ms)
{
	if (r->active)
		r->dropped_sets++;
	rove_frag_rx_reset(r);
	r->active = true;
	r->msg_id = msg_id;
	r->response = response;
	r->exchange = exchange;
	r->total = total;
	r->deadline_ms = now_ms + ROVE_FRAG_TIMEOUT_MS;
}

enum rove_frag_verdict rove_frag_add(struct rove_frag_rx *r, uint32_t msg_id, bool response,
				     uint8_t exchange, uint16_t num, uint16_t total,
				     uint8_t next, const uint8_t *plain, size_t len,
				     uint64_t now_ms, struct rove_err *err)
{
	bool same_msg = r->active && r->msg_id == msg_id && r->response == response &&
			r->exchange == exchange;

	if (total == 0 || num == 0 || num > total) {
		rove_err_set(err, ROVE_E_PROTO, _("fragment %u of %u"), num, total);
		return ROVE_FRAG_REJECTED;
	}
	if (total > ROVE_FRAG_MAX) {
		rove_err_set(err, ROVE_E_PROTO, _("a message in %u fragments (at most %u taken)"), total,
			     ROVE_FRAG_MAX);
		return ROVE_FRAG_REJECTED;
	}
	if (same_msg && total < r->total) {
		/* Older than the set we hold (RFC 7383 2.6). */
		rove_err_set(err, ROVE_E_PROTO, _("fragment of a superseded set (%u < %u fragments)"),
			     total, r->total);
		return ROVE_FRAG_REJECTED;
	}
	if (!same_msg || total > r->total)
		start_set(r, msg_id, response, exchange, total, now_ms);
	if (r->part[num - 1]) {
		rove_err_set(err, ROVE_E_PROTO, _("duplicate fragment %u of %u"), num, total);
		return ROVE_FRAG_REJECTED;
	}
	if (len > ROVE_FRAG_MAX_BYTES - r->bytes) {
		rove_err_set(err, ROVE_E_PROTO, _("fragments add up to more than %u bytes"),
			     ROVE_FRAG_MAX_BYTES);
		r->dropped_sets++;
		rove_frag_rx_reset(r);
		return ROVE_FRAG_REJECTED;
	}
	r->part[num - 1] = malloc(len ? len : 1);
	if (!r->part[num - 1]) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory for a fragment"));
		return ROVE_FRAG_REJECTED;
	}
	if (len)
		memcpy(r->part[num - 1], plain, len);
	r->part_len[num - 1] = (uint16_t)len;
	r->bytes += len;
	r->have++;
	if (num == 1)
		r->first = next; /* only fragment 1's next-payload counts (2.5) */
	return r->have == r->total ? ROVE_FRAG_COMPLETE : ROVE_FRAG_KEPT;
}

int rove_frag_take(struct rove_frag_rx *r, uint8_t *first, uint8_t **data, size_t *len,
		   struct rove_err *err)
{
	uint8_t *p;
	size_t off = 0;

	*data = NULL;
	*len = 0;
	if (!r->active || r->have != r->total)
		return rove_err_set(err, ROVE_E_INVAL, _("no complete fragmented message"));
	p = malloc(r->bytes ? r->bytes : 1);
	if (!p)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory reassembling a message"));
	for (size_t i = 0; i < r->total; i++) {
		memcpy(p + off, r->part[i], r->part_len[i]);
		off += r->part_len[i];
	}
	*first = r->first;
	*data = p;
	*len = off;
	rove_frag_rx_reset(r);
	return 0;
}

uint64_t rove_frag_deadline(const struct rove_frag_rx *r)
{
	return r->active ? r->deadline_ms : UINT64_MAX;
}

bool rove_frag_expire(struct rove_frag_rx *r, uint64_t now_ms)
{
	if (!r->active || now_ms < r->deadline_ms)
		return false;
	r->dropped_sets++;
	rove_frag_rx_reset(r);
	return true;
}

size_t rove_frag_msg_size(unsigned ip_size, bool ipv6, bool marker)
{
	size_t hdrs = (ipv6 ? 40 : 20) + 8 + (marker ? 4 : 0);

	return ip_size > hdrs ? ip_size - hdrs : 0;
}

/* The most inner bytes one fragment of at most max_msg bytes carries. */
static size_t chunk_size(const struct rove_sk_dir *d, size_t max_msg)
{
	size_t c;

	if (max_msg <= ROVE_IKE_HDR_LEN + ROVE_SKF_HDR_LEN)
		return 0;
	c = max_msg - ROVE_IKE_HDR_LEN - ROVE_SKF_HDR_LEN;
	/* Padding depends on the chunk length: step down until it fits (at
	 * most one cipher block of steps). */
	while (c > 0) {
		size_t o = rove_sk_overhead(d, c, true);

		if (o == 0)
			return 0;
		if (ROVE_IKE_HDR_LEN + o + c <= max_msg)
			return c;
		c--;
	}
	return 0;
}

int rove_frag_seal(const struct rove_sk_dir *d, const struct rove_rng *rng, const uint8_t hdr[28],
		   uint8_t first_inner, const uint8_t *inner, size_t inner_len, size_t max_msg,
		   struct rove_buf *out, size_t max_out, size_t *n, struct rove_err *err)
{
	size_t chunk = chunk_size(d, max_msg), total;

	*n = 0;
	if (chunk == 0)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("a fragment of %zu bytes has no room for payload"), max_msg);
	total = inner_len ? (inner_len + chunk - 1) / chunk : 1;
	if (total > max_out || total > ROVE_FRAG_MAX)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("a %zu-byte message needs %zu fragments of %zu bytes (at most %zu)"),
				    inner_len, total, max_msg, max_out < ROVE_FRAG_MAX ? max_out
										: (size_t)ROVE_FRAG_MAX);
	for (size_t i = 0; i < total; i++) {
		size_t off = i * chunk;
		size_t len = inner_len - off < chunk ? inner_len - off : chunk;
		struct rove_buf *b = &out[i];

		rove_buf_reset(b);
		rove_buf_add(b, hdr, ROVE_IKE_HDR_LEN);
		if (b->failed)
			return rove_err_set(err, ROVE_E_NOMEM, _("out of memory for a fragment"));
		b->data[16] = ROVE_PL_SKF;
		if (rove_skf_seal(d, rng, b, ROVE_IKE_HDR_LEN, first_inner, (uint16_t)(i + 1),
				  (uint16_t)total, inner ? inner + off : NULL, len, err) < 0)
			return -1;
		if (b->failed)
			return rove_err_set(err, ROVE_E_NOMEM, _("out of memory for a fragment"));
	}
	*n = total;
	return 0;
}
