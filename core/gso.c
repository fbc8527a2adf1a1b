/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "gso.h"
#include "buf.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* Linux 6.2 */
#endif

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* RFC 1071 2(B): the sum is independent of byte order, so the words are
 * added as the CPU loads them (no swap per word, and a loop the compiler
 * can vectorise) and only the folded result is swapped to network order.
 * Raw sums of pieces that start at even offsets add up to the raw sum of
 * the whole. */
static uint64_t sum_raw(uint64_t acc, const uint8_t *p, size_t n)
{
	uint16_t h;

	for (; n >= 32; p += 32, n -= 32) {
		uint32_t w[8];

		memcpy(w, p, sizeof(w));
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7];
	}
	for (; n >= 4; p += 4, n -= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		acc += w;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		const uint8_t last[2] = { p[0], 0 };

		memcpy(&h, last, 2);
		acc += h;
	}
	return acc;
}

/* Copies n bytes and returns their raw sum, in one pass over the data:
 * splitting a super-packet needs both, and the payload is the bulk. */
static uint64_t copy_sum_raw(uint8_t *dst, const uint8_t *src, size_t n)
{
	uint64_t acc = 0;

	for (; n >= 32; src += 32, dst += 32, n -= 32) {
		uint32_t w[8];

		memcpy(w, src, sizeof(w));
		memcpy(dst, w, sizeof(w));
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7];
	}
	memcpy(dst, src, n);
	return sum_raw(acc, dst, n);
}

static uint32_t add_raw(uint32_t sum, uint64_t acc)
{
	uint64_t s;
	uint16_t h;

	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	h = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	h = (uint16_t)(h >> 8 | h << 8);
#endif
	s = (uint64_t)sum + h;
	return (uint32_t)((s & 0xffffffff) + (s >> 32));
}

uint32_t rove_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	return add_raw(sum, sum_raw(0, p, n));
}

uint16_t rove_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void rove_ipv4_set_csum(uint8_t *p)
{
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;

	p[10] = p[11] = 0;
	rove_put_be16(p + 10, rove_csum_fold(rove_csum_add(0, p, ihl)));
}

uint32_t rove_csum_pseudo(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
	uint32_t s;

	if ((ip[0] >> 4) == 6) {
		s = rove_csum_add(0, ip + 8, 32);
		s = rove_csum_add(s, (const uint8_t[]){ (uint8_t)(l4_len >> 24), (uint8_t)(l4_len >> 16),
							(uint8_t)(l4_len >> 8), (uint8_t)l4_len }, 4);
	} else {
		s = rove_csum_add(0, ip + 12, 8);
		s = rove_csum_add(s, (const uint8_t[]){ (uint8_t)(l4_len >> 8), (uint8_t)l4_len }, 2);
	}
	return rove_csum_add(s, (const uint8_t[]){ 0, proto }, 2);
}

/* virtio_net_hdr fields are little-endian on the TUN (x86, arm64: native). */
static size_t le16(const uint8_t *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8;
}

/* Where the IP header says the L4 header starts, and which protocol it is;
 * IPv6 extension headers are not walked (the kernel segments only plain
 * TCP/UDP over IPv6). False when the lengths disagree with len. */
static bool parse_ip(const uint8_t *pkt, size_t len, bool *v6, size_t *l4, uint8_t *proto)
{
	if (len < 20)
		return false;
	switch (pkt[0] >> 4) {
	case 4:
		*v6 = false;
		*l4 = (size_t)(pkt[0] & 0x0f) * 4;
		*proto = pkt[9];
		return *l4 >= 20 && *l4 <= len && rove_get_be16(pkt + 2) == len;
	case 6:
		*v6 = true;
		*l4 = 40;
		*proto = pkt[6];
		return len >= 40 && rove_get_be16(pkt + 4) + 40u == len;
	}
	return false;
}

/* CHECKSUM_PARTIAL: the field already holds the pseudo-header sum, so the
 * checksum is the complement of the sum from csum_start to the end. */
static int finish_csum(uint8_t *pkt, size_t len, size_t start, size_t field, uint8_t proto)
{
	uint16_t c;

	if (start >= len || len < 2 || field > len - 2 || field < start)
		return -1;
	c = rove_csum_fold(rove_csum_add(0, pkt + start, len - start));
	if (c == 0 && proto == IPPROTO_UDP)
		c = 0xffff; /* UDP sends a computed 0 as all ones (RFC 768) */
	rove_put_be16(pkt + field, c);
	return 0;
}

int rove_gso_init(struct rove_gso *g, const uint8_t *vnet, uint8_t *pkt, size_t len)
{
	uint8_t flags = vnet[0], type = vnet[1] & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	size_t mss = le16(vnet + 4), cstart = le16(vnet + 6), coff = le16(vnet + 8);
	size_t l4h, payload;
	uint8_t proto;

	memset(g, 0, sizeof(*g));
	g->pkt = pkt;
	g->len = len;
	g->nseg = 1;
	if (!parse_ip(pkt, len, &g->v6, &g->l4, &proto))
		return -1;
	if (type == VIRTIO_NET_HDR_GSO_NONE) {
		if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    finish_csum(pkt, len, cstart, cstart + coff, proto) < 0)
			return -1;
		return 1;
	}
	if (type == VIRTIO_NET_HDR_GSO_TCPV4 || type == VIRTIO_NET_HDR_GSO_TCPV6) {
		if (proto != IPPROTO_TCP || g->v6 != (type == VIRTIO_NET_HDR_GSO_TCPV6) ||
		    len < g->l4 + 20)
			return -1;
		l4h = (size_t)(pkt[g->l4 + 12] >> 4) * 4;
		if (l4h < 20)
			return -1;
	} else if (type == VIRTIO_NET_HDR_GSO_UDP_L4) {
		if (proto != IPPROTO_UDP)
			return -1;
		l4h = 8;
	} else {
		return -1; /* UFO: never offered to the kernel */
	}
	g->hdr_len = g->l4 + l4h;
	if (g->hdr_len > len || mss == 0)
		return -1;
	g->proto = proto;
	g->mss = mss;
	payload = len - g->hdr_len;
	g->nseg = payload ? (unsigned)((payload + mss - 1) / mss) : 1;
	return (int)g->nseg;
}

/* paysum: the raw sum of the segment's payload, which follows the L4
 * header (an even number of bytes) in out. */
static void fix_l4(const struct rove_gso *g, uint8_t *out, size_t n, size_t chunk,
		   uint64_t paysum)
{
	uint8_t *l4 = out + g->l4;
	size_t l4len = n - g->l4, l4h = g->hdr_len - g->l4;
	uint16_t c;

	if (g->proto == IPPROTO_TCP) {
		uint32_t seq = rove_get_be32(g->pkt + g->l4 + 4) + (uint32_t)g->off;

		rove_put_be32(l4 + 4, seq);
		if (g->idx + 1 < g->nseg)
			l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (g->idx > 0)
			l4[13] &= (uint8_t)~TCP_CWR;
		l4[16] = l4[17] = 0;
		c = rove_csum_fold(add_raw(rove_csum_pseudo(out, IPPROTO_TCP, l4len),
					   sum_raw(paysum, l4, l4h)));
		rove_put_be16(l4 + 16, c);
		return;
	}
	rove_put_be16(l4 + 4, (uint16_t)(8 + chunk));
	l4[6] = l4[7] = 0;
	c = rove_csum_fold(add_raw(rove_csum_pseudo(out, IPPROTO_UDP, l4len),
				   sum_raw(paysum, l4, l4h)));
	rove_put_be16(l4 + 6, c ? c : 0xffff);
}

size_t rove_gso_next(struct rove_gso *g, uint8_t *out, size_t cap)
{
	size_t chunk, n;
	uint64_t paysum;

	if (g->idx >= g->nseg)
		return 0;
	if (!g->proto) {
		if (cap < g->len)
			return 0;
		memcpy(out, g->pkt, g->len);
		g->idx++;
		return g->len;
	}
	chunk = g->len - g->hdr_len - g->off;
	if (chunk > g->mss)
		chunk = g->mss;
	n = g->hdr_len + chunk;
	if (cap < n)
		return 0;
	memcpy(out, g->pkt, g->hdr_len);
	paysum = copy_sum_raw(out + g->hdr_len, g->pkt + g->hdr_len + g->off, chunk);
	if (g->v6) {
		rove_put_be16(out + 4, (uint16_t)(n - 40));
	} else {
		rove_put_be16(out + 2, (uint16_t)n);
		rove_put_be16(out + 4, (uint16_t)(rove_get_be16(g->pkt + 4) + g->idx));
		rove_ipv4_set_csum(out);
	}
	fix_l4(g, out, n, chunk, paysum);
	g->off += chunk;
	g->idx++;
	return n;
}

/* ---- coalescing ------------------------------------------------------- */

#define GRO_VNET 10
#define TCP_ACK 0x10

static void put_le16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void rove_gro_init(struct rove_gro *g, uint8_t *buf)
{
	memset(g, 0, sizeof(*g));
	g->buf = buf;
}

/* A TCP segment with data, only ACK (and PSH) set, no IP options or
 * fragmentation, lengths consistent. The TCP checksum is not verified:
 * the segment passed the ESP ICV, so it is what the peer sent (as
 * WireGuard trusts what it decrypts), and summing every payload byte
 * cost more than anything else here. */
static bool gro_eligible(const uint8_t *p, size_t len, bool *v6, size_t *l4, size_t *hdr)
{
	size_t thl;
	uint8_t fl;

	if (len >= 20 && p[0] == 0x45) {
		if (p[9] != IPPROTO_TCP || (rove_get_be16(p + 6) & 0x3fff) ||
		    rove_get_be16(p + 2) != len)
			return false;
		*v6 = false;
		*l4 = 20;
	} else if (len >= 40 && (p[0] >> 4) == 6) {
		if (p[6] != IPPROTO_TCP || rove_get_be16(p + 4) + 40u != len)
			return false;
		*v6 = true;
		*l4 = 40;
	} else {
		return false;
	}
	if (len < *l4 + 20)
		return false;
	thl = (size_t)(p[*l4 + 12] >> 4) * 4;
	fl = p[*l4 + 13];
	if (thl < 20 || *l4 + thl >= len || (fl & (uint8_t)~(TCP_ACK | TCP_PSH)) || !(fl & TCP_ACK))
		return false;
	*hdr = *l4 + thl;
	return true;
}

/* The same flow with the same headers, but for what segmentation
 * changes: IP length, ID and checksum, TCP sequence number, PSH and
 * checksum. */
static bool gro_same(const struct rove_gro *g, const uint8_t *p, size_t l4, size_t hdr)
{
	const uint8_t *q = g->buf + GRO_VNET, *a = p + l4, *b = q + l4;

	if (l4 != g->l4 || hdr != g->hdr_len)
		return false;
	if (g->v6 ? memcmp(p, q, 4) != 0 || memcmp(p + 6, q + 6, 34) != 0 :
		    p[1] != q[1] || memcmp(p + 6, q + 6, 4) != 0 || memcmp(p + 12, q + 12, 8) != 0)
		return false;
	/* ports; ack and data offset; window; urgent pointer and options */
	return memcmp(a, b, 4) == 0 && memcmp(a + 8, b + 8, 5) == 0 &&
	       memcmp(a + 14, b + 14, 2) == 0 && memcmp(a + 18, b + 18, hdr - l4 - 18) == 0;
}

enum rove_gro_res rove_gro_add(struct rove_gro *g, const uint8_t *pkt, size_t len)
{
	size_t l4, hdr, pay;
	bool v6;
	uint8_t fl;

	if (!gro_eligible(pkt, len, &v6, &l4, &hdr))
		return ROVE_GRO_ALONE;
	pay = len - hdr;
	fl = pkt[l4 + 13];
	if (!g->len) {
		memcpy(g->buf + GRO_VNET, pkt, hdr);
		g->iov[0] = (struct iovec){ .iov_base = g->buf, .iov_len = GRO_VNET + hdr };
		g->iov[1] = (struct iovec){ .iov_base = (uint8_t *)pkt + hdr, .iov_len = pay };
		g->niov = 2;
		g->len = len;
		g->l4 = l4;
		g->hdr_len = hdr;
		g->mss = pay;
		g->nseg = 1;
		g->v6 = v6;
		g->next_seq = rove_get_be32(pkt + l4 + 4) + (uint32_t)pay;
		g->closed = fl & TCP_PSH;
		return ROVE_GRO_MERGED;
	}
	if (g->closed || v6 != g->v6 || pay > g->mss || g->len + pay > 65535 ||
	    g->nseg >= ROVE_GRO_MAX_SEGS || rove_get_be32(pkt + l4 + 4) != g->next_seq ||
	    !gro_same(g, pkt, l4, hdr))
		return ROVE_GRO_FLUSH_FIRST;
	g->iov[g->niov++] = (struct iovec){ .iov_base = (uint8_t *)pkt + hdr, .iov_len = pay };
	g->len += pay;
	g->nseg++;
	g->next_seq += (uint32_t)pay;
	if (fl & TCP_PSH) {
		g->buf[GRO_VNET + l4 + 13] |= TCP_PSH;
		g->closed = true;
	}
	if (pay < g->mss)
		g->closed = true;
	return ROVE_GRO_MERGED;
}

size_t rove_gro_finish(struct rove_gro *g)
{
	uint8_t *v = g->buf, *p = g->buf + GRO_VNET;
	size_t n = g->len;

	if (!n)
		return 0;
	memset(v, 0, GRO_VNET);
	/* A single segment keeps the checksum it came with; DATA_VALID says
	 * it needs no verification (authenticated by ESP), for kernels whose
	 * TUN honours the flag on writes (others ignore it and check). */
	if (g->nseg == 1)
		v[0] = VIRTIO_NET_HDR_F_DATA_VALID;
	if (g->nseg > 1) {
		if (g->v6) {
			rove_put_be16(p + 4, (uint16_t)(n - 40));
		} else {
			rove_put_be16(p + 2, (uint16_t)n);
			rove_ipv4_set_csum(p);
		}
		/* CHECKSUM_PARTIAL rather than DATA_VALID: the kernel trusts a
		 * partial checksum on local delivery and completes it (or has
		 * the NIC do so) per segment when it forwards, so only the
		 * pseudo-header is summed here; a full checksum over the merged
		 * payload would be the cost skipping verification saved, and
		 * the segments made from it would still need their own. The
		 * field holds the pseudo-header sum, not inverted. */
		rove_put_be16(p + g->l4 + 16,
			      (uint16_t)~rove_csum_fold(rove_csum_pseudo(p, IPPROTO_TCP, n - g->l4)));
		v[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		v[1] = g->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		put_le16(v + 2, g->hdr_len);
		put_le16(v + 4, g->mss);
		put_le16(v + 6, g->l4);
		put_le16(v + 8, 16);
	}
	g->len = 0;
	g->nseg = 0;
	g->closed = false;
	return g->niov;
}
