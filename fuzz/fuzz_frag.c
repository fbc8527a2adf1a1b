/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IKE fragment reassembly (core/frag.c) and the SKF payload (core/sk.c).
 *
 * Input: [mode][rest]. Modes:
 *   0  rest is a run of fragments as the session would hand them over
 *      after decryption: [msg id][response][be16 num][be16 total][next]
 *      [be16 len][len bytes] ...; a completed message is taken and its
 *      inner chain parsed.
 *   1  rest is a datagram from the network: parsed, and an SKF payload
 *      opened with a fixed AES-GCM key, then offered to the reassembler.
 *   2  rest is [be16 max message size][inner payloads]: our side cuts it
 *      into fragments, and opening and reassembling them must give the
 *      same bytes back (abort otherwise).
 * The reassembler is fresh for every input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frag.h"
#include "ikev2.h"
#include "payload.h"
#include "sk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[36] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const struct rove_sk_dir dir = { ROVE_ENCR_AES_GCM_16, 256, 0, key, sizeof(key), NULL,
					0 };

static int zero_fill(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	memset(out, 0x5a, len);
	return 0;
}
static const struct rove_rng fixed_rng = { zero_fill, NULL };

static void take_and_parse(struct rove_frag_rx *rx, uint8_t exchange)
{
	static struct rove_msg m;
	uint8_t *whole, first;
	size_t len;

	if (rove_frag_take(rx, &first, &whole, &len, NULL) < 0)
		return;
	memset(&m, 0, sizeof(m));
	m.hdr.exchange = exchange;
	rove_msg_parse_inner(first, whole, len, &m, NULL);
	free(whole);
}

static void run_records(const uint8_t *p, size_t n)
{
	struct rove_frag_rx rx;
	uint64_t now = 0;

	rove_frag_rx_init(&rx);
	while (n >= 9) {
		uint16_t num = rove_get_be16(p + 2), total = rove_get_be16(p + 4);
		size_t len = rove_get_be16(p + 7);
		uint8_t id = p[0], resp = p[1] & 1, next = p[6];

		p += 9;
		n -= 9;
		if (len > n)
			len = n;
		if (rove_frag_add(&rx, id, resp, ROVE_EXCH_IKE_AUTH, num, total, next, p, len, now,
				  NULL) == ROVE_FRAG_COMPLETE)
			take_and_parse(&rx, ROVE_EXCH_IKE_AUTH);
		p += len;
		n -= len;
		now += 1000;
		if (id == 0xff)
			rove_frag_expire(&rx, now + ROVE_FRAG_TIMEOUT_MS);
	}
	rove_frag_rx_reset(&rx);
}

static void run_datagram(const uint8_t *p, size_t n)
{
	static struct rove_msg m;
	static uint8_t plain[65536];
	struct rove_frag_rx rx;
	size_t plen;
	uint16_t num, total;

	if (rove_msg_parse(p, n, &m, NULL) < 0 || m.n == 0 || m.pl[m.n - 1].type != ROVE_PL_SKF)
		return;
	if (rove_skf_open(&dir, p, n, m.pl[m.n - 1].offset, plain, sizeof(plain), &plen, &num,
			  &total, NULL) < 0)
		return;
	rove_frag_rx_init(&rx);
	if (rove_frag_add(&rx, m.hdr.msg_id, true, m.hdr.exchange, num, total, m.pl[m.n - 1].next,
			  plain, plen, 0, NULL) == ROVE_FRAG_COMPLETE)
		take_and_parse(&rx, m.hdr.exchange);
	rove_frag_rx_reset(&rx);
}

static void run_round_trip(const uint8_t *p, size_t n)
{
	static struct rove_buf out[ROVE_FRAG_MAX];
	static uint8_t plain[65536];
	uint8_t hdr[ROVE_IKE_HDR_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0x20,
					  ROVE_EXCH_IKE_AUTH, ROVE_FLAG_INITIATOR, 0, 0, 0, 1 };
	struct rove_frag_rx rx;
	size_t max_msg, nf = 0;
	int done = 0;

	if (n < 2)
		return;
	max_msg = rove_get_be16(p);
	if (rove_frag_seal(&dir, &fixed_rng, hdr, ROVE_PL_IDI, p + 2, n - 2, max_msg, out,
			   ROVE_FRAG_MAX, &nf, NULL) < 0)
		return;
	rove_frag_rx_init(&rx);
	for (size_t i = nf; i-- > 0;) { /* last first: order must not matter */
		size_t plen;
		uint16_t num, total;
		enum rove_frag_verdict v;

		if (out[i].len > max_msg ||
		    rove_skf_open(&dir, out[i].data, out[i].len, ROVE_IKE_HDR_LEN, plain,
				  sizeof(plain), &plen, &num, &total, NULL) < 0 ||
		    num != i + 1 || total != nf)
			abort();
		v = rove_frag_add(&rx, 1, false, ROVE_EXCH_IKE_AUTH, num, total,
				  out[i].data[ROVE_IKE_HDR_LEN], plain, plen, 0, NULL);
		if (v == ROVE_FRAG_REJECTED)
			abort();
		done = v == ROVE_FRAG_COMPLETE;
	}
	if (!done)
		abort();
	{
		uint8_t *whole, first;
		size_t len;

		if (rove_frag_take(&rx, &first, &whole, &len, NULL) < 0 || len != n - 2 ||
		    (len && memcmp(whole, p + 2, len) != 0) || (len && first != ROVE_PL_IDI))
			abort();
		free(whole);
	}
	rove_frag_rx_reset(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		run_records(data + 1, size - 1);
		break;
	case 1:
		run_datagram(data + 1, size - 1);
		break;
	default:
		run_round_trip(data + 1, size - 1);
		break;
	}
	return 0;
}
