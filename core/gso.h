/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Segmentation and checksum offload for packets read from a TUN device
 * with IFF_VNET_HDR (tun.h): what a network card would do for the kernel,
 * done here before the packets are encrypted.
 *
 * A TCP (TSO) or UDP (USO) super-packet is split into packets carrying at
 * most gso_size bytes of payload each, with their own IP lengths, IPv4
 * IDs, TCP sequence numbers and flags (FIN and PSH only on the last, CWR
 * only on the first) and full checksums, each computed from scratch rather
 * than trusting the partial sum the kernel left. A single packet whose
 * checksum the kernel left to us gets it finished.
 *
 * Also the Internet checksum and the IPv4 header checksum, for the ICMP
 * errors the datapath builds. Pure; no allocation. */
#ifndef ROVE_GSO_H
#define ROVE_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct rove_gso {
	const uint8_t *pkt;  /* the (super-)packet, without vnet header */
	size_t len;
	size_t l4;           /* offset of the TCP/UDP header */
	size_t hdr_len;      /* IP and L4 headers, copied into every segment */
	size_t mss;          /* payload bytes per segment */
	size_t off;          /* payload offset of the next segment */
	unsigned nseg, idx;
	uint8_t proto;       /* 0 (no segmentation), IPPROTO_TCP or IPPROTO_UDP */
	bool v6;
};

/* Takes a packet as read from the TUN: `vnet` is its virtio_net_hdr, pkt
 * and len the IP packet after it. A packet needing no segmentation gets
 * its checksum finished in place when the header asks for that. Returns
 * the number of packets it becomes (>= 1), or -1 when the header and the
 * packet do not agree (drop it). */
int rove_gso_init(struct rove_gso *g, const uint8_t *vnet, uint8_t *pkt, size_t len);

/* Writes the next packet into out[0..cap) and returns its length; 0 when
 * every packet has been written or when out is too small (cap smaller than
 * headers + gso_size: the caller sized it from the MTU, so that is a
 * packet bigger than the MTU). */
size_t rove_gso_next(struct rove_gso *g, uint8_t *out, size_t cap);

/* The other direction: consecutive TCP segments of one flow, as they come
 * out of ESP, merged into one super-packet with a vnet header asking for
 * segmentation, so the kernel takes one packet through the TUN and its
 * stack instead of dozens (what GRO does on a network card). Only plain
 * segments merge: ACK (and PSH, which ends the train), no IP options or
 * fragments, identical headers but for lengths, IDs and sequence numbers.
 * Checksums are not verified (what comes out of ESP passed its ICV): a
 * merged packet asks the kernel to complete its checksum (NEEDS_CSUM,
 * which the kernel also trusts on local delivery), a single one goes out
 * with the checksum it came with and DATA_VALID.
 *
 * Nothing is copied but the first segment's headers: the merged packet is
 * an iovec list (the vnet header and those headers, then each segment's
 * payload where it lies), written with one writev. The caller provides
 * the header buffer (ROVE_GRO_BUF bytes) and, for each inner packet in
 * order, calls rove_gro_add:
 *   ROVE_GRO_MERGED       it is part of the pending packet now, and must
 *                         stay where it is, unchanged, until
 *                         rove_gro_finish();
 *   ROVE_GRO_FLUSH_FIRST  write out rove_gro_finish() first, then add again;
 *   ROVE_GRO_ALONE        write out rove_gro_finish() (if any), then write
 *                         the packet as it is.
 * rove_gro_finish() also ends a burst. */
#define ROVE_GRO_BUF (10 + 40 + 60) /* vnet, IPv6 (no options in IPv4), TCP */
#define ROVE_GRO_MAX_SEGS 64        /* bounds what one bad merge decision wastes */

enum rove_gro_res { ROVE_GRO_MERGED, ROVE_GRO_FLUSH_FIRST, ROVE_GRO_ALONE };

struct rove_gro {
	uint8_t *buf;        /* vnet header, then the first segment's headers */
	struct iovec iov[1 + ROVE_GRO_MAX_SEGS]; /* buf, then the payloads */
	size_t niov;
	size_t len;          /* bytes of the merged IP packet; 0 = nothing pending */
	size_t l4, hdr_len;  /* TCP header offset, IP+TCP header length */
	size_t mss;          /* payload of the first segment */
	unsigned nseg;
	uint32_t next_seq;
	bool v6, closed;
};

void rove_gro_init(struct rove_gro *g, uint8_t *buf);
enum rove_gro_res rove_gro_add(struct rove_gro *g, const uint8_t *pkt, size_t len);
/* Completes the pending packet (lengths, checksums, vnet header) and
 * returns how many entries of g->iov make it (for writev: vnet header
 * first), 0 when nothing is pending. They stay valid until the next
 * rove_gro_add; nothing is pending afterwards. */
size_t rove_gro_finish(struct rove_gro *g);

/* One's-complement sum of p[0..n) added to `sum` (not folded, not
 * inverted): chain calls, then rove_csum_fold. */
uint32_t rove_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t rove_csum_fold(uint32_t sum); /* folded and inverted: the checksum */
/* Recomputes the header checksum of the IPv4 header at p (ihl from p). */
void rove_ipv4_set_csum(uint8_t *p);
/* The pseudo-header sum for a TCP/UDP/ICMPv6 checksum (RFC 768, 8200 8.1):
 * ip is the IPv4 or IPv6 header the L4 data travels in. */
uint32_t rove_csum_pseudo(const uint8_t *ip, uint8_t proto, size_t l4_len);

#endif
