/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ESP decapsulation with fixed keys, and the TUN offload parsers.
 *
 * Input: [mode][suite][rest]. suite picks one of a few SAs (AEAD and
 * CBC+HMAC, with and without ESN) made once with fixed keys. Modes:
 *   0  rest is an ESP packet from the network: rove_esp_decap on it.
 *   1  rest is [be32 seq][plaintext]: the harness seals it with the key
 *      (a peer that has it), so the trailer, padding and next-header
 *      checks behind the ICV get fuzzed; then decap.
 *   2  rest is an inner packet: encap then decap must give it back.
 *   3  rest is [10-byte vnet header][packet] as read from a TUN: the
 *      segmentation offload splits it; every segment is then offered to
 *      the coalescer.
 * The inbound window is reset for every input so runs do not depend on
 * each other. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "esp.h"
#include "gso.h"
#include "ikev2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPI 0x0a0b0c0du

struct suite {
	uint16_t encr, bits, integ;
	bool esn;
};

static const struct suite suites[] = {
	{ ROVE_ENCR_AES_GCM_16, 128, ROVE_INTEG_NONE, false },
	{ ROVE_ENCR_AES_GCM_16, 256, ROVE_INTEG_NONE, true },
	{ ROVE_ENCR_CHACHA20_POLY1305, 256, ROVE_INTEG_NONE, false },
	{ ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA2_256_128, false },
	{ ROVE_ENCR_AES_CBC, 256, ROVE_INTEG_HMAC_SHA1_96, true },
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static struct rove_child_sa child[NSUITES];
static struct rove_esp_sa *in_sa[NSUITES], *out_sa[NSUITES];

static void setup(void)
{
	struct rove_err err;

	for (size_t i = 0; i < NSUITES; i++) {
		struct rove_child_sa *c = &child[i];

		c->spi_in = c->spi_out = SPI;
		c->encr = suites[i].encr;
		c->encr_keylen = suites[i].bits;
		c->integ = suites[i].integ;
		c->esn = suites[i].esn;
		c->enc_key_len = rove_encr_key_len(c->encr, c->encr_keylen);
		c->integ_key_len = c->integ ? rove_integ_key_len(c->integ) : 0;
		for (size_t k = 0; k < sizeof(c->enc_key_in); k++)
			c->enc_key_in[k] = c->enc_key_out[k] = (uint8_t)(k * 11 + 1);
		for (size_t k = 0; k < sizeof(c->integ_key_in); k++)
			c->integ_key_in[k] = c->integ_key_out[k] = (uint8_t)(k * 5 + 3);
		in_sa[i] = rove_esp_sa_new(c, false, &err);
		out_sa[i] = rove_esp_sa_new(c, true, &err);
		if (!in_sa[i] || !out_sa[i])
			abort();
	}
}

static void decap(size_t s, uint8_t *pkt, size_t len)
{
	enum rove_esp_drop why;
	size_t off;
	uint8_t nh;
	ssize_t r = rove_esp_decap(in_sa[s], pkt, len, &off, &nh, &why);

	if (r >= 0 && off + (size_t)r > len)
		abort();
}

/* A packet the key holder could send: any plaintext, any trailer. */
static void forged(size_t s, const uint8_t *p, size_t n)
{
	static uint8_t pkt[70000];
	const struct rove_child_sa *c = &child[s];
	size_t hdr = 8 + rove_encr_iv_len(c->encr), icv;
	struct rove_err err;
	uint32_t seq;

	if (n < 4 || n - 4 > 65536)
		return;
	seq = rove_get_be32(p);
	p += 4;
	n -= 4;
	rove_put_be32(pkt, SPI);
	rove_put_be32(pkt + 4, seq);
	memset(pkt + 8, 0x5c, hdr - 8);
	if (rove_encr_is_aead(c->encr)) {
		uint8_t aad[12];
		size_t alen = 8;

		memcpy(aad, pkt, 8);
		if (c->esn) { /* a fresh window infers a high half of 0 */
			memset(aad + 4, 0, 4);
			memcpy(aad + 8, pkt + 4, 4);
			alen = 12;
		}
		icv = rove_encr_icv_len(c->encr);
		if (rove_aead_seal(c->encr, c->enc_key_in, c->enc_key_len, pkt + 8, aad, alen, p, n,
				   pkt + hdr, pkt + hdr + n, &err) < 0)
			return;
	} else {
		uint8_t mac_in[70000 + 4];

		if (n % 16)
			return;
		icv = rove_integ_icv_len(c->integ);
		if (rove_cbc_crypt(c->encr, c->enc_key_in, c->enc_key_len, pkt + 8, p, n, pkt + hdr,
				   true, &err) < 0)
			return;
		memcpy(mac_in, pkt, hdr + n);
		memset(mac_in + hdr + n, 0, 4); /* ESN high half 0 */
		if (rove_integ(c->integ, c->integ_key_in, c->integ_key_len, mac_in,
			       hdr + n + (c->esn ? 4 : 0), pkt + hdr + n, &err) < 0)
			return;
	}
	decap(s, pkt, hdr + n + icv);
}

static void round_trip(size_t s, const uint8_t *p, size_t n)
{
	static uint8_t buf[70000 + 128];
	enum rove_esp_drop why;
	size_t off, ioff;
	uint8_t nh;
	ssize_t e, r;

	if (n > 65535)
		return;
	memcpy(buf + 64, p, n);
	e = rove_esp_encap(out_sa[s], buf, 64, n, sizeof(buf), &off);
	if (e < 0)
		return;
	r = rove_esp_decap(in_sa[s], buf + off, (size_t)e, &ioff, &nh, &why);
	if (r != (ssize_t)n || memcmp(buf + off + ioff, p, n) != 0 ||
	    nh != ((p[0] >> 4) == 4 ? ROVE_NH_IPV4 : ROVE_NH_IPV6))
		abort();
}

/* Reads every byte the merged packet refers to, as writev would. */
static void write_out(struct rove_gro *c)
{
	size_t niov = rove_gro_finish(c), total = 0;
	volatile uint8_t sink = 0;

	for (size_t i = 0; i < niov; i++) {
		const uint8_t *b = c->iov[i].iov_base;

		for (size_t k = 0; k < c->iov[i].iov_len; k++)
			sink ^= b[k];
		total += c->iov[i].iov_len;
	}
	if (total > ROVE_GRO_BUF + 65535)
		abort();
	(void)sink;
}

static void offload(const uint8_t *p, size_t n)
{
	/* segments one after another, as they lie in a receive buffer: a
	 * merged packet refers to them until it is written out */
	static uint8_t pkt[65536], segs[4 * 9216], gbuf[ROVE_GRO_BUF];
	struct rove_gso g;
	struct rove_gro c;
	size_t len, off = 0;

	if (n < 10 || n - 10 > sizeof(pkt))
		return;
	memcpy(pkt, p + 10, n - 10);
	if (rove_gso_init(&g, p, pkt, n - 10) < 0)
		return;
	rove_gro_init(&c, gbuf);
	for (;;) {
		if (off + 9216 > sizeof(segs)) {
			write_out(&c);
			off = 0;
		}
		len = rove_gso_next(&g, segs + off, 9216);
		if (!len)
			break;
		if (rove_gro_add(&c, segs + off, len) == ROVE_GRO_FLUSH_FIRST) {
			write_out(&c);
			rove_gro_add(&c, segs + off, len);
		}
		off += len;
	}
	write_out(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[70000];
	size_t s;

	if (!in_sa[0])
		setup();
	if (size < 2)
		return 0;
	s = data[1] % NSUITES;
	rove_esp_sa_set_seq(in_sa[s], 1);
	rove_esp_sa_set_seq(out_sa[s], 1);
	data += 2;
	size -= 2;
	switch (data[-2] % 4) {
	case 0:
		if (size <= sizeof(pkt)) {
			memcpy(pkt, data, size);
			decap(s, pkt, size);
		}
		break;
	case 1:
		forged(s, data, size);
		break;
	case 2:
		round_trip(s, data, size);
		break;
	case 3:
		offload(data, size);
		break;
	}
	return 0;
}
