/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packet facts for the userspace datapath: selectors against inner
 * packets, inner packet lengths, DSCP and ECN across the tunnel, ICMP "too
 * big" errors, selector ranges as route prefixes. Pure functions. */
#include "datapath_userspace_int.h"
#include "gso.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define ICMP_V4_QUOTE_MAX (576 - 20 - 8) /* RFC 1812 4.3.2.3 */
#define ICMP_V6_QUOTE_MAX (1280 - 40 - 8) /* RFC 4443 2.4 (c) */

bool dpu_addr_unspecified(const struct rove_addr *a)
{
	static const uint8_t zero[16];

	return !a->family || memcmp(a->addr, zero, rove_addr_len(a)) == 0;
}

void dpu_policy_from(struct dpu_policy *pol, const struct rove_child_sa *sa)
{
	pol->nlocal = sa->nts_local < 8 ? sa->nts_local : 8;
	pol->nremote = sa->nts_remote < 8 ? sa->nts_remote : 8;
	memcpy(pol->local, sa->ts_local, pol->nlocal * sizeof(pol->local[0]));
	memcpy(pol->remote, sa->ts_remote, pol->nremote * sizeof(pol->remote[0]));
}

struct flow {
	bool v6, ports;
	uint8_t proto;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
};

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE;
}

/* IPv6 extension headers are not walked: with them the protocol is the
 * first extension's, which only selectors restricted to a protocol see. */
static bool parse_flow(const uint8_t *pkt, size_t len, struct flow *f)
{
	size_t l4;

	memset(f, 0, sizeof(*f));
	if (len >= 20 && (pkt[0] >> 4) == 4) {
		l4 = (size_t)(pkt[0] & 0x0f) * 4;
		f->proto = pkt[9];
		f->src = pkt + 12;
		f->dst = pkt + 16;
		/* later fragments carry no ports */
		f->ports = has_ports(f->proto) && !(rove_get_be16(pkt + 6) & 0x1fff);
	} else if (len >= 40 && (pkt[0] >> 4) == 6) {
		l4 = 40;
		f->v6 = true;
		f->proto = pkt[6];
		f->src = pkt + 8;
		f->dst = pkt + 24;
		f->ports = has_ports(f->proto);
	} else {
		return false;
	}
	if (f->ports && len >= l4 + 4) {
		f->sport = rove_get_be16(pkt + l4);
		f->dport = rove_get_be16(pkt + l4 + 2);
	} else {
		f->ports = false;
	}
	return true;
}

static bool ts_has(const struct rove_ts *ts, const struct flow *f, const uint8_t *addr,
		   uint16_t port)
{
	size_t alen = f->v6 ? 16 : 4;

	if (rove_ts_is_v6(ts) != f->v6)
		return false;
	if (memcmp(addr, ts->start, alen) < 0 || memcmp(addr, ts->end, alen) > 0)
		return false;
	if (ts->ip_proto && ts->ip_proto != f->proto)
		return false;
	if (ts->start_port == 0 && ts->end_port == 65535)
		return true;
	return f->ports && port >= ts->start_port && port <= ts->end_port;
}

bool dpu_policy_match(const struct rove_ts *src, size_t nsrc, const struct rove_ts *dst,
		      size_t ndst, const uint8_t *pkt, size_t len)
{
	struct flow f;
	bool ok = false;

	if (!parse_flow(pkt, len, &f))
		return false;
	for (size_t i = 0; i < nsrc && !ok; i++)
		ok = ts_has(&src[i], &f, f.src, f.sport);
	if (!ok)
		return false;
	for (size_t i = 0; i < ndst; i++)
		if (ts_has(&dst[i], &f, f.dst, f.dport))
			return true;
	return false;
}

size_t dpu_inner_len(const uint8_t *pkt, size_t len, uint8_t next_header)
{
	size_t tot;

	if (next_header == ROVE_NH_IPV4 && len >= 20 && (pkt[0] >> 4) == 4) {
		tot = rove_get_be16(pkt + 2);
		return (pkt[0] & 0x0f) >= 5 && tot >= (size_t)(pkt[0] & 0x0f) * 4 && tot <= len ?
		       tot : 0;
	}
	if (next_header == ROVE_NH_IPV6 && len >= 40 && (pkt[0] >> 4) == 6) {
		tot = 40 + (size_t)rove_get_be16(pkt + 4);
		return tot <= len ? tot : 0;
	}
	return 0;
}

uint8_t dpu_tos(const uint8_t *pkt, size_t len)
{
	if (len >= 20 && (pkt[0] >> 4) == 4)
		return pkt[1];
	if (len >= 40 && (pkt[0] >> 4) == 6)
		return (uint8_t)((pkt[0] & 0x0f) << 4 | pkt[1] >> 4);
	return 0;
}

static void set_ecn(uint8_t *pkt, uint8_t ecn)
{
	if ((pkt[0] >> 4) == 4) {
		pkt[1] = (uint8_t)((pkt[1] & ~DPU_ECN_MASK) | ecn);
		rove_ipv4_set_csum(pkt);
	} else {
		/* the ECN bits are the low two of the traffic class */
		pkt[1] = (uint8_t)((pkt[1] & ~(DPU_ECN_MASK << 4)) | ecn << 4);
	}
}

/* RFC 6040 4.2, figure 4: the outer CE reaches the inner packet when its
 * sender understands ECN, and becomes a drop when it does not; an outer
 * ECT(1) turns an inner ECT(0) into ECT(1). The other combinations leave
 * the inner packet as it is. */
bool dpu_ecn_decap(uint8_t *pkt, size_t len, uint8_t outer_tos)
{
	uint8_t outer = outer_tos & DPU_ECN_MASK, inner = dpu_tos(pkt, len) & DPU_ECN_MASK;

	if (outer == DPU_ECN_CE) {
		if (inner == DPU_ECN_NOT_ECT)
			return false;
		if (inner != DPU_ECN_CE)
			set_ecn(pkt, DPU_ECN_CE);
	} else if (outer == DPU_ECN_ECT1 && inner == DPU_ECN_ECT0) {
		set_ecn(pkt, DPU_ECN_ECT1);
	}
	return true;
}

static size_t icmp4(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *out, size_t cap)
{
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4, quote, n;

	if (!(pkt[6] & 0x40) || (rove_get_be16(pkt + 6) & 0x1fff) || ihl < 20 || len < ihl)
		return 0;
	/* never an error about an error */
	if (pkt[9] == IPPROTO_ICMP && len > ihl &&
	    (pkt[ihl] == 3 || pkt[ihl] == 4 || pkt[ihl] == 5 || pkt[ihl] == 11 || pkt[ihl] == 12))
		return 0;
	quote = len < ICMP_V4_QUOTE_MAX ? len : ICMP_V4_QUOTE_MAX;
	n = 28 + quote;
	if (cap < n)
		return 0;
	memset(out, 0, 28);
	out[0] = 0x45;
	rove_put_be16(out + 2, (uint16_t)n);
	out[8] = 64;
	out[9] = IPPROTO_ICMP;
	memcpy(out + 12, pkt + 16, 4); /* from the unreachable destination */
	memcpy(out + 16, pkt + 12, 4);
	rove_ipv4_set_csum(out);
	out[20] = 3; /* destination unreachable */
	out[21] = 4; /* fragmentation needed and DF set */
	rove_put_be16(out + 26, (uint16_t)(mtu > 65535 ? 65535 : mtu));
	memcpy(out + 28, pkt, quote);
	rove_put_be16(out + 22, rove_csum_fold(rove_csum_add(0, out + 20, 8 + quote)));
	return n;
}

static size_t icmp6(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *out, size_t cap)
{
	static const uint8_t zero[16];
	size_t quote, n;

	if (pkt[24] == 0xff || memcmp(pkt + 8, zero, 16) == 0)
		return 0; /* multicast destination, unspecified source */
	if (pkt[6] == IPPROTO_ICMPV6 && len > 40 && pkt[40] < 128)
		return 0;
	quote = len < ICMP_V6_QUOTE_MAX ? len : ICMP_V6_QUOTE_MAX;
	n = 48 + quote;
	if (cap < n)
		return 0;
	memset(out, 0, 48);
	out[0] = 0x60;
	rove_put_be16(out + 4, (uint16_t)(8 + quote));
	out[6] = IPPROTO_ICMPV6;
	out[7] = 64;
	memcpy(out + 8, pkt + 24, 16);
	memcpy(out + 24, pkt + 8, 16);
	out[40] = 2; /* packet too big */
	rove_put_be32(out + 44, (uint32_t)(mtu < 1280 ? 1280 : mtu));
	memcpy(out + 48, pkt, quote);
	rove_put_be16(out + 42, rove_csum_fold(rove_csum_add(
		rove_csum_pseudo(out, IPPROTO_ICMPV6, 8 + quote), out + 40, 8 + quote)));
	return n;
}

size_t dpu_icmp_too_big(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *out, size_t cap)
{
	if (len >= 20 && (pkt[0] >> 4) == 4)
		return icmp4(pkt, len, mtu, out, cap);
	if (len >= 40 && (pkt[0] >> 4) == 6)
		return icmp6(pkt, len, mtu, out, cap);
	return 0;
}

typedef unsigned __int128 u128;

static u128 load(const uint8_t *p, size_t n)
{
	u128 v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int ctz128(u128 v, int bits)
{
	uint64_t lo = (uint64_t)v, hi = (uint64_t)(v >> 64);

	if (lo)
		return __builtin_ctzll(lo) < bits ? __builtin_ctzll(lo) : bits;
	if (hi)
		return 64 + __builtin_ctzll(hi) < bits ? 64 + __builtin_ctzll(hi) : bits;
	return bits;
}

size_t dpu_ts_prefixes(const struct rove_ts *ts, struct rove_prefix *out, size_t max)
{
	bool v6 = rove_ts_is_v6(ts);
	size_t alen = v6 ? 16 : 4, n = 0;
	int bits = v6 ? 128 : 32;
	u128 s = load(ts->start, alen), e = load(ts->end, alen);

	if (s > e)
		return 0;
	while (n < max) {
		int k = ctz128(s, bits);
		u128 mask, last;

		/* the largest aligned block at s that ends within the range */
		for (;;) {
			mask = k >= 128 ? ~(u128)0 : ((u128)1 << k) - 1;
			last = s | mask;
			if (last <= e)
				break;
			k--;
		}
		memset(&out[n], 0, sizeof(out[n]));
		out[n].addr.family = v6 ? AF_INET6 : AF_INET;
		for (size_t i = 0; i < alen; i++)
			out[n].addr.addr[i] = (uint8_t)(s >> (8 * (alen - 1 - i)));
		out[n].len = (uint8_t)(bits - k);
		n++;
		if (last == e)
			break;
		s = last + 1;
	}
	return n;
}
