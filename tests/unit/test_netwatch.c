/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core/runner/netwatch.c: the suspend check with injected clocks (a jump of
 * CLOCK_BOOTTIME ahead of CLOCK_MONOTONIC, a late sample), and, as root in
 * a private network namespace, the source address towards a gateway and
 * the change notifications when the default route moves to another link. */
#include "check.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "netwatch.h"

static void test_clock_steady(void)
{
	struct rove_clockwatch cw = { 0 };

	CHECK(rove_clockwatch_sample(&cw, 1000, 5000, 2000, 3000) == 0); /* first */
	CHECK(rove_clockwatch_sample(&cw, 3000, 7000, 2000, 3000) == 0);
	/* a little late, within the slack */
	CHECK(rove_clockwatch_sample(&cw, 7000, 11000, 2000, 3000) == 0);
}

static void test_clock_suspend(void)
{
	struct rove_clockwatch cw = { 0 };

	rove_clockwatch_sample(&cw, 1000, 5000, 2000, 3000);
	/* Suspended for an hour: the monotonic clock stood still. */
	CHECK(rove_clockwatch_sample(&cw, 3000, 3600000 + 7000, 2000, 3000) == 3600000);
	/* and the next sample is steady again */
	CHECK(rove_clockwatch_sample(&cw, 5000, 3600000 + 9000, 2000, 3000) == 0);
}

static void test_clock_stopped(void)
{
	struct rove_clockwatch cw = { 0 };

	rove_clockwatch_sample(&cw, 1000, 5000, 2000, 3000);
	/* SIGSTOP for 60 s: both clocks ran, the sample came late. */
	CHECK(rove_clockwatch_sample(&cw, 63000, 67000, 2000, 3000) == 60000);
	/* a clock going backwards (never on Linux) is no jump */
	CHECK(rove_clockwatch_sample(&cw, 1000, 67000, 2000, 3000) == 0);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "failed: %s\n", cmd);
	return rc;
}

static void addr_is(const struct rove_addr *a, const char *want)
{
	char s[ROVE_ADDR_STRLEN];

	CHECK_STR(rove_addr_str(a, s, sizeof(s)), want);
}

/* Two links (veth) with an address each; the gateway beyond the default
 * route. The source follows the default route; a virtual IP on the link
 * is never chosen; no route at all is an error. */
static void test_kernel_source(void)
{
	struct rove_err err;
	struct rove_nl *rt = rove_nl_open(NETLINK_ROUTE, &err);
	struct rove_netwatch *nw = rove_netwatch_new(&err);
	struct rove_addr gw, src, vip;
	struct rove_route r;

	CHECK(rt && nw);
	if (!rt || !nw)
		return;
	CHECK(rove_addr_parse("203.0.113.1", &gw));
	CHECK(rove_addr_parse("10.3.0.5", &vip));
	CHECK(sh("ip link add d0 type veth peer name p0 && ip link add d1 type veth peer name p1 && "
		 "ip link set p0 up && ip link set p1 up && ip link set d0 up && ip link set d1 up && "
		 "ip addr add 10.3.0.5/32 dev d0 && "
		 "ip addr add 192.0.2.2/24 dev d0 && ip addr add 198.51.100.2/24 dev d1 && "
		 "ip route add default via 192.0.2.1 dev d0") == 0);
	rove_netwatch_drain(nw);
	CHECK(rove_netwatch_source(rt, &gw, &vip, 1, &src, &r, &err) == 0);
	addr_is(&src, "192.0.2.2");
	CHECK(sh("ip route replace default via 198.51.100.1 dev d1") == 0);
	CHECK(rove_netwatch_drain(nw));
	CHECK(rove_netwatch_source(rt, &gw, &vip, 1, &src, &r, &err) == 0);
	addr_is(&src, "198.51.100.2");
	/* rove's own routes in table 220 are no news */
	CHECK(sh("ip route add 203.0.113.1 via 198.51.100.1 dev d1 table 220 proto 181") == 0);
	CHECK(!rove_netwatch_drain(nw));
	CHECK(sh("ip route del default && ip addr del 198.51.100.2/24 dev d1") == 0);
	CHECK(rove_netwatch_drain(nw));
	CHECK(rove_netwatch_source(rt, &gw, &vip, 1, &src, &r, &err) == -1);
	/* IPv6: the address goes, the default route stays (IPv6 keeps it);
	 * only a link-local address is left, which is no source. */
	CHECK(rove_addr_parse("2001:db8:ff::1", &gw));
	CHECK(sh("ip -6 addr add fe80::2/64 dev d1 nodad && ip -6 addr add 2001:db8:1::2/64 dev d1 nodad && "
		 "ip -6 route add default via 2001:db8:1::1 dev d1") == 0);
	CHECK(rove_netwatch_source(rt, &gw, NULL, 0, &src, &r, &err) == 0);
	addr_is(&src, "2001:db8:1::2");
	CHECK(sh("ip -6 addr del 2001:db8:1::2/64 dev d1") == 0);
	CHECK(rove_netwatch_source(rt, &gw, NULL, 0, &src, &r, &err) == -1);
	rove_netwatch_free(nw);
	rove_nl_close(rt);
}

int main(void)
{
	RUN(test_clock_steady);
	RUN(test_clock_suspend);
	RUN(test_clock_stopped);
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "skip: the kernel checks need root (a private network namespace)\n");
		return check_failures ? check_summary() : (check_summary(), 77);
	}
	RUN(test_kernel_source);
	return check_summary();
}
