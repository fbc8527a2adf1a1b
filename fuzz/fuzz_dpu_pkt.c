/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The userspace datapath's inner-packet facts (core/runner/datapath_userspace_pkt.c)
 * on packets that come out of ESP or are read from the TUN: whatever the
 * peer or a local program puts there.
 *
 * Input: [mode][outer tos][mtu hi][mtu lo][packet]. Mode bit 0 picks the
 * next header (IPv4 or IPv6); the packet goes through the inner length,
 * the selector checks both ways against a few fixed selectors, DSCP/ECN
 * decapsulation (on a copy, cut to the inner length, as the datapath
 * does) and the ICMP "too big" builder. Mode bit 1 instead reads the
 * packet as a traffic selector (type, protocol, ports, two addresses) and
 * turns it into route prefixes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datapath_userspace_int.h"
#include "ikev2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rove_ts sel(const char *prefix)
{
	struct rove_prefix p;
	struct rove_ts t;

	if (!rove_prefix_parse(prefix, &p))
		abort();
	rove_ts_from_prefix(&p, &t);
	return t;
}

static void packet(const uint8_t *p, size_t n, uint8_t nh, uint8_t tos, size_t mtu)
{
	static const char *const prefixes[] = { "10.9.0.1/32", "10.0.0.0/8", "0.0.0.0/0",
						"fd00::/8", "::/0" };
	struct rove_ts ts[5];
	uint8_t *copy, out[1400];
	size_t ilen;

	for (size_t i = 0; i < 5; i++)
		ts[i] = sel(prefixes[i]);
	ts[1].ip_proto = 6; /* TCP only, ports 1000-2000 */
	ts[1].start_port = 1000;
	ts[1].end_port = 2000;
	(void)dpu_policy_match(ts, 5, ts + 1, 4, p, n);
	(void)dpu_policy_match(ts + 1, 1, ts, 5, p, n);
	(void)dpu_tos(p, n);
	(void)dpu_icmp_too_big(p, n, mtu, out, sizeof(out));
	ilen = dpu_inner_len(p, n, nh);
	if (!ilen)
		return;
	/* an exact-size copy, so ASan sees any read past the inner length */
	copy = malloc(ilen);
	if (!copy)
		return;
	memcpy(copy, p, ilen);
	(void)dpu_ecn_decap(copy, ilen, tos);
	(void)dpu_policy_match(ts + 1, 1, ts, 5, copy, ilen);
	free(copy);
}

static void selector(const uint8_t *p, size_t n)
{
	struct rove_prefix out[300];
	struct rove_ts t = { 0 };

	if (n < 6 + 32)
		return;
	t.type = p[0] & 1 ? ROVE_TS_IPV6_ADDR_RANGE : ROVE_TS_IPV4_ADDR_RANGE;
	t.ip_proto = p[1];
	t.start_port = (uint16_t)(p[2] << 8 | p[3]);
	t.end_port = (uint16_t)(p[4] << 8 | p[5]);
	memcpy(t.start, p + 6, 16);
	memcpy(t.end, p + 22, 16);
	(void)dpu_ts_prefixes(&t, out, sizeof(out) / sizeof(out[0]));
	(void)dpu_ts_prefixes(&t, out, 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;
	size_t n;

	if (size < 4)
		return 0;
	n = size - 4;
	/* the packet alone in its own allocation: no slack to read into */
	p = malloc(n ? n : 1);
	if (!p)
		return 0;
	memcpy(p, data + 4, n);
	if (data[0] & 2)
		selector(p, n);
	else
		packet(p, n, data[0] & 1 ? ROVE_NH_IPV6 : ROVE_NH_IPV4, data[1],
		       (size_t)(data[2] << 8 | data[3]));
	free(p);
	return 0;
}
