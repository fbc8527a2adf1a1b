/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Segmentation and checksum offload for TUN packets (core/gso.c). */
#include "check.h"
#include "buf.h"
#include "gso.h"

#include <linux/virtio_net.h>
#include <netinet/in.h>

static uint8_t pkt[70000], seg[2048];

static void vnet(uint8_t v[10], uint8_t flags, uint8_t type, uint16_t gso_size, uint16_t start,
		 uint16_t off)
{
	memset(v, 0, 10);
	v[0] = flags;
	v[1] = type;
	v[4] = (uint8_t)gso_size;
	v[5] = (uint8_t)(gso_size >> 8);
	v[6] = (uint8_t)start;
	v[7] = (uint8_t)(start >> 8);
	v[8] = (uint8_t)off;
	v[9] = (uint8_t)(off >> 8);
}

/* IP header (+ L4 header of l4h bytes) for a packet of `len` bytes. */
static size_t ip_hdr(uint8_t *p, bool v6, uint8_t proto, size_t len)
{
	if (v6) {
		memset(p, 0, 40);
		p[0] = 0x60;
		rove_put_be16(p + 4, (uint16_t)(len - 40));
		p[6] = proto;
		p[7] = 64;
		p[8] = 0xfd;
		p[23] = 1;
		p[24] = 0xfd;
		p[39] = 2;
		return 40;
	}
	memset(p, 0, 20);
	p[0] = 0x45;
	rove_put_be16(p + 2, (uint16_t)len);
	rove_put_be16(p + 4, 77);
	p[6] = 0x40; /* DF */
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, (uint8_t[]){ 10, 3, 0, 2, 10, 1, 0, 10 }, 8);
	rove_ipv4_set_csum(p);
	return 20;
}

static bool l4_csum_ok(const uint8_t *p, size_t l4, size_t n, uint8_t proto)
{
	return rove_csum_fold(rove_csum_add(rove_csum_pseudo(p, proto, n - l4), p + l4, n - l4)) == 0;
}

static void test_checksums(void)
{
	/* the classic worked example: header checksum b861 */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0xff, 0xff, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	uint8_t odd[3] = { 0x01, 0x02, 0x03 };

	rove_ipv4_set_csum(h);
	CHECK(h[10] == 0xb8 && h[11] == 0x61);
	CHECK(rove_csum_fold(rove_csum_add(0, h, 20)) == 0);
	/* an odd length pads with a zero byte */
	CHECK(rove_csum_fold(rove_csum_add(0, odd, 3)) == (uint16_t)~(0x0102 + 0x0300));
	CHECK(rove_csum_fold(0xffff) == 0);
	CHECK(rove_csum_fold(0x1fffe) == 0);
}

static void check_tcp_segments(bool v6)
{
	struct rove_gso g;
	uint8_t v[10], *rebuilt = calloc(1, 20000);
	size_t l3, payload = 10000, mss = v6 ? 1440 : 1448, total = 0, n;
	unsigned i = 0;
	int bad = 0;

	l3 = ip_hdr(pkt, v6, IPPROTO_TCP, (v6 ? 40 : 20) + 32 + payload);
	memset(pkt + l3, 0, 32);
	rove_put_be16(pkt + l3, 40000);
	rove_put_be16(pkt + l3 + 2, 5201);
	rove_put_be32(pkt + l3 + 4, 0xfffff000); /* the sequence number wraps */
	pkt[l3 + 12] = 8 << 4;                   /* 32-byte header: options */
	pkt[l3 + 13] = 0x80 | 0x10 | 0x08 | 0x01; /* CWR ACK PSH FIN */
	memset(pkt + l3 + 20, 1, 12);            /* NOP options */
	for (size_t k = 0; k < payload; k++)
		pkt[l3 + 32 + k] = (uint8_t)(k * 13 + 7);
	vnet(v, VIRTIO_NET_HDR_F_NEEDS_CSUM,
	     (v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4) | VIRTIO_NET_HDR_GSO_ECN,
	     (uint16_t)mss, (uint16_t)l3, 16);
	CHECK(rove_gso_init(&g, v, pkt, l3 + 32 + payload) == 7);
	while ((n = rove_gso_next(&g, seg, sizeof(seg))) > 0) {
		const uint8_t *t = seg + l3;
		size_t chunk = n - l3 - 32;
		uint8_t fl = t[13];

		bad += chunk != (i < 6 ? mss : payload - 6 * mss);
		if (v6) {
			bad += rove_get_be16(seg + 4) != n - 40;
		} else {
			bad += rove_get_be16(seg + 2) != n;
			bad += rove_get_be16(seg + 4) != 77 + i;
			bad += rove_csum_fold(rove_csum_add(0, seg, 20)) != 0;
		}
		bad += rove_get_be32(t + 4) != (uint32_t)(0xfffff000u + i * mss);
		bad += !!(fl & 0x80) != (i == 0);         /* CWR on the first */
		bad += !!(fl & 0x09) != (i == 6);         /* FIN, PSH on the last */
		bad += (fl & 0x09) && (fl & 0x09) != 0x09;
		bad += !(fl & 0x10);                     /* ACK on all */
		bad += !l4_csum_ok(seg, l3, n, IPPROTO_TCP);
		bad += memcmp(t + 20, pkt + l3 + 20, 12) != 0;
		memcpy(rebuilt + total, t + 32, chunk);
		total += chunk;
		i++;
	}
	CHECK(bad == 0);
	CHECK(i == 7 && total == payload);
	CHECK(memcmp(rebuilt, pkt + l3 + 32, payload) == 0);
	free(rebuilt);
}

static void test_tso(void)
{
	check_tcp_segments(false);
	check_tcp_segments(true);
}

static void test_uso(void)
{
	struct rove_gso g;
	uint8_t v[10];
	size_t n, payload = 5001, total = 0; /* the last segment's payload is odd */
	unsigned i = 0;
	int bad = 0;

	ip_hdr(pkt, false, IPPROTO_UDP, 28 + payload);
	rove_put_be16(pkt + 20, 5000);
	rove_put_be16(pkt + 22, 53);
	rove_put_be16(pkt + 24, (uint16_t)(8 + payload));
	for (size_t k = 0; k < payload; k++)
		pkt[28 + k] = (uint8_t)k;
	vnet(v, VIRTIO_NET_HDR_F_NEEDS_CSUM, 5 /* UDP_L4 */, 1200, 20, 6);
	CHECK(rove_gso_init(&g, v, pkt, 28 + payload) == 5);
	while ((n = rove_gso_next(&g, seg, sizeof(seg))) > 0) {
		bad += rove_get_be16(seg + 24) != n - 20;
		bad += rove_get_be16(seg + 2) != n;
		bad += !l4_csum_ok(seg, 20, n, IPPROTO_UDP);
		bad += memcmp(seg + 28, pkt + 28 + total, n - 28) != 0;
		total += n - 28;
		i++;
	}
	CHECK(bad == 0 && i == 5 && total == payload);
}

/* What the kernel hands over with CHECKSUM_PARTIAL: the pseudo-header sum
 * in the checksum field, the rest for us. */
static void test_partial_checksum(void)
{
	struct rove_gso g;
	uint8_t v[10];
	size_t n;

	for (int v6 = 0; v6 < 2; v6++) {
		size_t l3 = ip_hdr(pkt, v6, IPPROTO_UDP, (v6 ? 40 : 20) + 8 + 333);
		uint16_t pseudo;

		rove_put_be16(pkt + l3, 1234);
		rove_put_be16(pkt + l3 + 2, 4321);
		rove_put_be16(pkt + l3 + 4, 8 + 333);
		for (size_t k = 0; k < 333; k++)
			pkt[l3 + 8 + k] = (uint8_t)(k ^ 0x5a);
		pseudo = (uint16_t)~rove_csum_fold(rove_csum_pseudo(pkt, IPPROTO_UDP, 8 + 333));
		rove_put_be16(pkt + l3 + 6, pseudo);
		vnet(v, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 0, (uint16_t)l3, 6);
		CHECK(rove_gso_init(&g, v, pkt, l3 + 8 + 333) == 1);
		CHECK(l4_csum_ok(pkt, l3, l3 + 8 + 333, IPPROTO_UDP));
		n = rove_gso_next(&g, seg, sizeof(seg));
		CHECK(n == l3 + 8 + 333 && memcmp(seg, pkt, n) == 0);
		CHECK(rove_gso_next(&g, seg, sizeof(seg)) == 0);
	}
}

static void test_malformed(void)
{
	struct rove_gso g;
	uint8_t v[10];

	ip_hdr(pkt, true, IPPROTO_TCP, 40 + 20 + 100);
	pkt[40 + 12] = 5 << 4;
	vnet(v, 1, VIRTIO_NET_HDR_GSO_TCPV4, 50, 40, 16); /* v6 packet, v4 type */
	CHECK(rove_gso_init(&g, v, pkt, 160) == -1);
	vnet(v, 1, VIRTIO_NET_HDR_GSO_TCPV6, 50, 40, 16);
	CHECK(rove_gso_init(&g, v, pkt, 160) == 2);
	CHECK(rove_gso_init(&g, v, pkt, 159) == -1);      /* length disagrees */
	vnet(v, 1, VIRTIO_NET_HDR_GSO_TCPV6, 0, 40, 16);  /* no segment size */
	CHECK(rove_gso_init(&g, v, pkt, 160) == -1);
	vnet(v, 1, VIRTIO_NET_HDR_GSO_UDP, 50, 40, 16);   /* UFO */
	CHECK(rove_gso_init(&g, v, pkt, 160) == -1);
	pkt[40 + 12] = 2 << 4;                            /* data offset < 5 */
	vnet(v, 1, VIRTIO_NET_HDR_GSO_TCPV6, 50, 40, 16);
	CHECK(rove_gso_init(&g, v, pkt, 160) == -1);
	vnet(v, 1, VIRTIO_NET_HDR_GSO_NONE, 0, 170, 16);  /* checksum beyond the end */
	CHECK(rove_gso_init(&g, v, pkt, 160) == -1);
	vnet(v, 1, VIRTIO_NET_HDR_GSO_NONE, 0, 40, 200);
	CHECK(rove_gso_init(&g, v, pkt, 160) == -1);
	CHECK(rove_gso_init(&g, v, pkt, 10) == -1);
	/* a segment that does not fit the caller's buffer */
	pkt[40 + 12] = 5 << 4;
	vnet(v, 1, VIRTIO_NET_HDR_GSO_TCPV6, 50, 40, 16);
	CHECK(rove_gso_init(&g, v, pkt, 160) == 2);
	CHECK(rove_gso_next(&g, seg, 100) == 0);
	CHECK(rove_gso_next(&g, seg, 110) == 110);
}

static uint8_t flat[ROVE_GRO_BUF + 65536];

/* The merged packet rove_gro_finish described (niov entries of c->iov),
 * gathered into `flat` as writev would: returns its length. */
static size_t gather(const struct rove_gro *c, size_t niov)
{
	size_t n = 0;

	for (size_t i = 0; i < niov; i++) {
		memcpy(flat + n, c->iov[i].iov_base, c->iov[i].iov_len);
		n += c->iov[i].iov_len;
	}
	return n;
}

/* TSO out of one end, GRO into the other: segmenting a super-packet and
 * merging the segments again gives the same bytes, with a vnet header
 * that asks the kernel for the same segmentation. */
static void test_coalesce_round_trip(void)
{
	static uint8_t gbuf[ROVE_GRO_BUF], segs[8][2048];
	size_t seglen[8], n;
	struct rove_gso g;
	struct rove_gro c;
	uint8_t v[10];
	unsigned k = 0;

	for (int v6 = 0; v6 < 2; v6++) {
		size_t l3 = ip_hdr(pkt, v6, IPPROTO_TCP, (v6 ? 40 : 20) + 32 + 6000);

		memset(pkt + l3, 0, 32);
		rove_put_be16(pkt + l3, 40000);
		rove_put_be16(pkt + l3 + 2, 5201);
		rove_put_be32(pkt + l3 + 4, 1000);
		pkt[l3 + 12] = 8 << 4;
		pkt[l3 + 13] = 0x10 | 0x08; /* ACK PSH */
		memset(pkt + l3 + 20, 1, 12);
		for (size_t i = 0; i < 6000; i++)
			pkt[l3 + 32 + i] = (uint8_t)(i * 7);
		vnet(v, 1, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4, 1400,
		     (uint16_t)l3, 16);
		CHECK(rove_gso_init(&g, v, pkt, l3 + 32 + 6000) == 5);
		for (k = 0; (seglen[k] = rove_gso_next(&g, segs[k], sizeof(segs[k]))) > 0; k++) {
		}
		rove_gro_init(&c, gbuf);
		for (unsigned i = 0; i < k; i++)
			CHECK(rove_gro_add(&c, segs[i], seglen[i]) == ROVE_GRO_MERGED);
		n = rove_gro_finish(&c);
		/* nothing copied but the headers: one entry per segment after
		 * the vnet header and headers, pointing into the segment */
		CHECK(n == 1 + k);
		for (unsigned i = 0; i < k && i + 1 < n; i++)
			CHECK(c.iov[i + 1].iov_base == segs[i] + l3 + 32);
		CHECK(c.iov[0].iov_base == gbuf && c.iov[0].iov_len == 10 + l3 + 32);
		n = gather(&c, n);
		CHECK(n == 10 + l3 + 32 + 6000);
		CHECK(flat[0] == 1 && flat[1] == (v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4));
		CHECK(flat[2] == l3 + 32 && flat[4] == (1400 & 0xff) && flat[5] == 1400 >> 8);
		CHECK(flat[6] == l3 && flat[8] == 16);
		/* the same packet, but for the checksum field (partial now) */
		CHECK(memcmp(flat + 10, pkt, l3 + 16) == 0);
		CHECK(memcmp(flat + 10 + l3 + 18, pkt + l3 + 18, 14 + 6000) == 0);
		CHECK(flat[10 + l3 + 13] == (0x10 | 0x08));
		CHECK(rove_gro_finish(&c) == 0);
	}
}

static void test_coalesce_refusals(void)
{
	static uint8_t gbuf[ROVE_GRO_BUF], a[1500], b[1500];
	struct rove_gro c;
	size_t l3 = 20, n = 20 + 20 + 100;

	/* two segments of one flow */
	ip_hdr(a, false, IPPROTO_TCP, n);
	memset(a + l3, 0, 20);
	rove_put_be16(a + l3, 1);
	rove_put_be16(a + l3 + 2, 2);
	rove_put_be32(a + l3 + 4, 5000);
	a[l3 + 12] = 5 << 4;
	a[l3 + 13] = 0x10;
	rove_put_be16(a + l3 + 16, rove_csum_fold(rove_csum_add(rove_csum_pseudo(a, IPPROTO_TCP, 120),
								   a + l3, 120)));
	memcpy(b, a, n);
	rove_put_be32(b + l3 + 4, 5100);
	b[l3 + 16] = b[l3 + 17] = 0;
	rove_put_be16(b + l3 + 16, rove_csum_fold(rove_csum_add(rove_csum_pseudo(b, IPPROTO_TCP, 120),
								   b + l3, 120)));
	rove_gro_init(&c, gbuf);
	CHECK(rove_gro_add(&c, a, n) == ROVE_GRO_MERGED);
	CHECK(rove_gro_add(&c, a, n) == ROVE_GRO_FLUSH_FIRST);   /* not the next sequence number */
	CHECK(rove_gro_add(&c, b, n) == ROVE_GRO_MERGED);
	CHECK(gather(&c, rove_gro_finish(&c)) == 10 + 40 + 200);
	/* a single segment goes out as it came, without offload, its
	 * checksum marked valid (ESP authenticated it) */
	CHECK(rove_gro_add(&c, a, n) == ROVE_GRO_MERGED);
	CHECK(gather(&c, rove_gro_finish(&c)) == 10 + n && flat[1] == 0 && memcmp(flat + 10, a, n) == 0);
	CHECK(flat[0] == VIRTIO_NET_HDR_F_DATA_VALID);
	/* other flow */
	CHECK(rove_gro_add(&c, a, n) == ROVE_GRO_MERGED);
	b[l3 + 1] = 3;
	CHECK(rove_gro_add(&c, b, n) != ROVE_GRO_MERGED);
	CHECK(gather(&c, rove_gro_finish(&c)) == 10 + n);
	/* checksums are not verified (ESP authenticated the segments): a
	 * wrong one merges, and the merged packet asks for a fresh one */
	memcpy(b, a, n);
	b[n - 1] ^= 1;
	CHECK(rove_gro_add(&c, b, n) == ROVE_GRO_MERGED);
	CHECK(gather(&c, rove_gro_finish(&c)) == 10 + n && memcmp(flat + 10, b, n) == 0);
	/* FIN, pure ACK, UDP: on their own */
	memcpy(b, a, n);
	b[l3 + 13] |= 0x01;
	CHECK(rove_gro_add(&c, b, n) == ROVE_GRO_ALONE);
	CHECK(rove_gro_add(&c, a, 40) == ROVE_GRO_ALONE);
	memcpy(b, a, n);
	b[9] = IPPROTO_UDP;
	CHECK(rove_gro_add(&c, b, n) == ROVE_GRO_ALONE);
	CHECK(rove_gro_finish(&c) == 0);
}

int main(void)
{
	RUN(test_checksums);
	RUN(test_tso);
	RUN(test_uso);
	RUN(test_partial_checksum);
	RUN(test_malformed);
	RUN(test_coalesce_round_trip);
	RUN(test_coalesce_refusals);
	return check_summary();
}
