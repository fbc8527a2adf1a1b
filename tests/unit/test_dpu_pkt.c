/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The userspace datapath's packet facts (core/runner/datapath_userspace_pkt.c):
 * selectors, inner lengths, DSCP and ECN, ICMP "too big" errors, selector
 * prefixes. */
#include "check.h"
#include "datapath_userspace_int.h"
#include "gso.h"

#include <netinet/in.h>
#include <sys/socket.h>

static struct rove_ts ts(const char *prefix)
{
	struct rove_prefix p;
	struct rove_ts t;

	CHECK(rove_prefix_parse(prefix, &p));
	rove_ts_from_prefix(&p, &t);
	return t;
}

static void ip4(uint8_t *p, size_t len, const char *src, const char *dst, uint8_t proto)
{
	struct rove_addr s, d;

	memset(p, 0, len);
	CHECK(rove_addr_parse(src, &s) && rove_addr_parse(dst, &d));
	p[0] = 0x45;
	rove_put_be16(p + 2, (uint16_t)len);
	p[6] = 0x40;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, s.addr, 4);
	memcpy(p + 16, d.addr, 4);
	rove_ipv4_set_csum(p);
}

static void ip6(uint8_t *p, size_t len, const char *src, const char *dst, uint8_t proto)
{
	struct rove_addr s, d;

	memset(p, 0, len);
	CHECK(rove_addr_parse(src, &s) && rove_addr_parse(dst, &d));
	p[0] = 0x60;
	rove_put_be16(p + 4, (uint16_t)(len - 40));
	p[6] = proto;
	p[7] = 64;
	memcpy(p + 8, s.addr, 16);
	memcpy(p + 24, d.addr, 16);
}

static void test_policy(void)
{
	struct rove_ts local[2] = { ts("10.9.0.5/32"), ts("fd00::5/128") };
	struct rove_ts remote[2] = { ts("10.1.0.0/16"), ts("::/0") };
	struct rove_ts web = ts("10.1.0.0/16");
	uint8_t p[100];

	ip4(p, 60, "10.9.0.5", "10.1.2.3", IPPROTO_UDP);
	CHECK(dpu_policy_match(local, 2, remote, 2, p, 60));   /* outbound */
	CHECK(!dpu_policy_match(remote, 2, local, 2, p, 60));  /* not inbound */
	ip4(p, 60, "10.9.0.5", "10.2.0.1", IPPROTO_UDP);
	CHECK(!dpu_policy_match(local, 2, remote, 2, p, 60));
	ip4(p, 60, "10.9.0.6", "10.1.0.1", IPPROTO_UDP);
	CHECK(!dpu_policy_match(local, 2, remote, 2, p, 60));
	ip6(p, 60, "fd00::5", "2001:db8::1", IPPROTO_UDP);
	CHECK(dpu_policy_match(local, 2, remote, 2, p, 60));
	ip6(p, 60, "fe80::1", "ff02::2", 58); /* router solicitation */
	CHECK(!dpu_policy_match(local, 2, remote, 2, p, 60));
	CHECK(!dpu_policy_match(local, 2, remote, 2, p, 30));

	/* protocol and port restrictions: TCP to port 443 only */
	web.ip_proto = IPPROTO_TCP;
	web.start_port = web.end_port = 443;
	ip4(p, 60, "10.9.0.5", "10.1.0.1", IPPROTO_TCP);
	rove_put_be16(p + 20, 50000);
	rove_put_be16(p + 22, 443);
	CHECK(dpu_policy_match(local, 2, &web, 1, p, 60));
	rove_put_be16(p + 22, 80);
	CHECK(!dpu_policy_match(local, 2, &web, 1, p, 60));
	rove_put_be16(p + 22, 443);
	p[9] = IPPROTO_UDP;
	CHECK(!dpu_policy_match(local, 2, &web, 1, p, 60));
	p[9] = IPPROTO_TCP;
	rove_put_be16(p + 6, 0x0010); /* a later fragment: no ports to check */
	CHECK(!dpu_policy_match(local, 2, &web, 1, p, 60));
}

static void test_inner_len(void)
{
	uint8_t p[100];

	ip4(p, 40, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
	CHECK(dpu_inner_len(p, 40, ROVE_NH_IPV4) == 40);
	CHECK(dpu_inner_len(p, 64, ROVE_NH_IPV4) == 40);   /* TFC padding after it */
	CHECK(dpu_inner_len(p, 39, ROVE_NH_IPV4) == 0);    /* claims more than there is */
	CHECK(dpu_inner_len(p, 40, ROVE_NH_IPV6) == 0);    /* wrong family */
	p[0] = 0x44;
	CHECK(dpu_inner_len(p, 40, ROVE_NH_IPV4) == 0);    /* ihl < 5 */
	ip6(p, 48, "fd00::1", "fd00::2", IPPROTO_UDP);
	CHECK(dpu_inner_len(p, 60, ROVE_NH_IPV6) == 48);
	CHECK(dpu_inner_len(p, 47, ROVE_NH_IPV6) == 0);
	CHECK(dpu_inner_len(p, 48, 59) == 0);
}

/* RFC 6040 figure 4, row by inner ECN, column by outer ECN; -1: drop. */
static const int ecn_table[4][4] = {
	/*              Not-ECT ECT(1) ECT(0) CE      (outer, in codepoint order) */
	/* Not-ECT */ { 0,      0,     0,     -1 },
	/* ECT(1)  */ { 1,      1,     1,     3 },
	/* ECT(0)  */ { 2,      1,     2,     3 },
	/* CE      */ { 3,      3,     3,     3 },
};

static void test_ecn(void)
{
	uint8_t p[60], want[60];

	for (int v6 = 0; v6 < 2; v6++) {
		for (unsigned in = 0; in < 4; in++) {
			for (unsigned out = 0; out < 4; out++) {
				/* DSCP AF41 inside, CS1 outside: DSCP never crosses inward */
				uint8_t tos = (uint8_t)(0x88 | in);

				if (v6) {
					ip6(p, 60, "fd00::1", "fd00::2", IPPROTO_UDP);
					p[0] = (uint8_t)(0x60 | tos >> 4);
					p[1] = (uint8_t)(tos << 4);
				} else {
					ip4(p, 60, "10.0.0.1", "10.0.0.2", IPPROTO_UDP);
					p[1] = tos;
					rove_ipv4_set_csum(p);
				}
				CHECK(dpu_tos(p, 60) == tos);
				memcpy(want, p, sizeof(p));
				if (ecn_table[in][out] < 0) {
					CHECK(!dpu_ecn_decap(p, 60, (uint8_t)(0x20 | out)));
					continue;
				}
				CHECK(dpu_ecn_decap(p, 60, (uint8_t)(0x20 | out)));
				CHECK(dpu_tos(p, 60) == (0x88 | ecn_table[in][out]));
				/* nothing else changed, and the IPv4 header still sums */
				CHECK(memcmp(p + 2, want + 2, 58) == 0 || !v6);
				CHECK(v6 || rove_csum_fold(rove_csum_add(0, p, 20)) == 0);
				CHECK(v6 || memcmp(p + 12, want + 12, 48) == 0);
			}
		}
	}
	CHECK(dpu_tos((const uint8_t[]){ 0x45, 0xb8 }, 2) == 0); /* too short */
}

static void test_icmp(void)
{
	static uint8_t p[1500], out[1400];
	size_t n;

	ip4(p, 1500, "10.9.0.5", "10.1.0.1", IPPROTO_TCP);
	n = dpu_icmp_too_big(p, 1500, 1438, out, sizeof(out));
	CHECK(n == 576);
	CHECK(out[0] == 0x45 && out[9] == IPPROTO_ICMP && rove_get_be16(out + 2) == 576);
	CHECK(memcmp(out + 12, p + 16, 4) == 0 && memcmp(out + 16, p + 12, 4) == 0);
	CHECK(rove_csum_fold(rove_csum_add(0, out, 20)) == 0);
	CHECK(out[20] == 3 && out[21] == 4 && rove_get_be16(out + 26) == 1438);
	CHECK(rove_csum_fold(rove_csum_add(0, out + 20, n - 20)) == 0);
	CHECK(memcmp(out + 28, p, n - 28) == 0);
	p[6] = 0; /* no DF: fragmenting is allowed, no error */
	CHECK(dpu_icmp_too_big(p, 1500, 1438, out, sizeof(out)) == 0);
	ip4(p, 1500, "10.9.0.5", "10.1.0.1", IPPROTO_ICMP);
	p[20] = 3; /* an ICMP error itself */
	CHECK(dpu_icmp_too_big(p, 1500, 1438, out, sizeof(out)) == 0);
	p[20] = 8; /* an echo request does get one */
	CHECK(dpu_icmp_too_big(p, 1500, 1438, out, sizeof(out)) == 576);
	CHECK(dpu_icmp_too_big(p, 1500, 1438, out, 100) == 0);

	ip6(p, 1500, "fd00::5", "2001:db8::1", IPPROTO_UDP);
	n = dpu_icmp_too_big(p, 1500, 1418, out, sizeof(out));
	CHECK(n == 1280);
	CHECK(out[6] == IPPROTO_ICMPV6 && rove_get_be16(out + 4) == 1240);
	CHECK(memcmp(out + 8, p + 24, 16) == 0 && memcmp(out + 24, p + 8, 16) == 0);
	CHECK(out[40] == 2 && out[41] == 0 && rove_get_be32(out + 44) == 1418);
	CHECK(rove_csum_fold(rove_csum_add(rove_csum_pseudo(out, IPPROTO_ICMPV6, n - 40),
					   out + 40, n - 40)) == 0);
	CHECK(dpu_icmp_too_big(p, 1500, 1000, out, sizeof(out)) == 1280 &&
	      rove_get_be32(out + 44) == 1280); /* never below the IPv6 minimum */
	ip6(p, 1500, "fd00::5", "ff02::1", IPPROTO_UDP);
	CHECK(dpu_icmp_too_big(p, 1500, 1418, out, sizeof(out)) == 0);
}

static void test_prefixes(void)
{
	struct rove_prefix out[64];
	struct rove_ts t;
	char s[80];
	size_t n;

	t = ts("10.1.0.0/16");
	n = dpu_ts_prefixes(&t, out, 64);
	CHECK(n == 1 && strcmp(rove_prefix_str(&out[0], s, sizeof(s)), "10.1.0.0/16") == 0);
	t = ts("0.0.0.0/0");
	n = dpu_ts_prefixes(&t, out, 64);
	CHECK(n == 1 && out[0].len == 0);
	t = ts("::/0");
	n = dpu_ts_prefixes(&t, out, 64);
	CHECK(n == 1 && out[0].len == 0 && out[0].addr.family == AF_INET6);
	/* 10.0.0.1 - 10.0.0.6: .1/32 .2/31 .4/31 .6/32 */
	t = ts("10.0.0.0/32");
	t.start[3] = 1;
	t.end[3] = 6;
	n = dpu_ts_prefixes(&t, out, 64);
	CHECK(n == 4);
	CHECK(strcmp(rove_prefix_str(&out[0], s, sizeof(s)), "10.0.0.1/32") == 0);
	CHECK(strcmp(rove_prefix_str(&out[1], s, sizeof(s)), "10.0.0.2/31") == 0);
	CHECK(strcmp(rove_prefix_str(&out[2], s, sizeof(s)), "10.0.0.4/31") == 0);
	CHECK(strcmp(rove_prefix_str(&out[3], s, sizeof(s)), "10.0.0.6/32") == 0);
	CHECK(dpu_ts_prefixes(&t, out, 2) == 2);
	/* the whole IPv6 space but the first address: 128 prefixes */
	t = ts("::/0");
	t.start[15] = 1;
	CHECK(dpu_ts_prefixes(&t, out, 64) == 64);
	t.start[15] = 2; /* reversed range */
	t.end[0] = 0;
	memset(t.end, 0, 16);
	CHECK(dpu_ts_prefixes(&t, out, 64) == 0);
}

int main(void)
{
	RUN(test_policy);
	RUN(test_inner_len);
	RUN(test_ecn);
	RUN(test_icmp);
	RUN(test_prefixes);
	return check_summary();
}
