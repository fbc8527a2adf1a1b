/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKE sockets over loopback: port fallback, the non-ESP marker on the
 * NAT-T socket, dropped keepalives and ESP, local address via PKTINFO. */
#include "check.h"
#include "ikev2.h"
#include "session.h"
#include "udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* A plain socket standing in for the gateway. */
static int gw_socket(int family, struct rove_addr *bound)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct rove_addr a;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	rove_addr_parse(family == AF_INET ? "127.0.0.1" : "::1", &a);
	rove_addr_to_sockaddr(&a, &ss, &sl);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0)
		return -1;
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	rove_addr_from_sockaddr((struct sockaddr *)&ss, bound);
	return fd;
}

static void gw_send(int fd, const struct rove_addr *to, const void *p, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	rove_addr_to_sockaddr(to, &ss, &sl);
	CHECK(sendto(fd, p, n, 0, (struct sockaddr *)&ss, sl) == (ssize_t)n);
}

/* Waits until fd is readable, so the tests do not depend on timing. */
static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	CHECK(poll(&p, 1, 2000) == 1);
}

static void test_open_fallback(void)
{
	struct rove_udp a, b;
	struct rove_err err;

	CHECK(rove_udp_open(&a, AF_INET, NULL, &err) == 0);
	CHECK(rove_udp_open(&b, AF_INET, NULL, &err) == 0);
	/* Whoever got 500/4500 first, the other fell back to ephemeral ports. */
	CHECK(!(a.standard[ROVE_UDP_IKE] && b.standard[ROVE_UDP_IKE]));
	CHECK(!(a.standard[ROVE_UDP_NATT] && b.standard[ROVE_UDP_NATT]));
	CHECK(a.bound[ROVE_UDP_IKE].port != b.bound[ROVE_UDP_IKE].port);
	CHECK(a.bound[ROVE_UDP_IKE].port != a.bound[ROVE_UDP_NATT].port);
	CHECK(a.standard[ROVE_UDP_IKE] == (a.bound[ROVE_UDP_IKE].port == ROVE_IKE_PORT));
	CHECK(b.standard[ROVE_UDP_NATT] == (b.bound[ROVE_UDP_NATT].port == ROVE_NATT_PORT));
	CHECK(fcntl(a.fd[0], F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(a.fd[1], F_GETFL) & O_NONBLOCK);
	rove_udp_close(&a);
	rove_udp_close(&b);
	CHECK(a.fd[0] == -1 && a.fd[1] == -1);
	CHECK(rove_udp_open(&a, AF_UNIX, NULL, &err) == -1 && err.code == ROVE_E_INVAL);
}

static void test_ike_socket(int family)
{
	struct rove_addr lo, gw, local, remote;
	struct rove_udp u;
	struct rove_err err;
	uint8_t buf[64];
	const uint8_t msg[] = "IKE message";
	struct rove_datagram dg = { .data = msg, .len = sizeof(msg) };
	int fd;

	rove_addr_parse(family == AF_INET ? "127.0.0.1" : "::1", &lo);
	if (rove_udp_open(&u, family, &lo, &err) < 0) {
		fprintf(stderr, "  skipped (%s)\n", err.msg);
		return;
	}
	fd = gw_socket(family, &gw);
	CHECK(fd >= 0);
	CHECK(rove_udp_recv(&u, ROVE_UDP_IKE, buf, sizeof(buf), &local, &remote, &err) == 0);

	local = u.bound[ROVE_UDP_IKE];
	gw_send(fd, &local, msg, sizeof(msg));
	wait_readable(u.fd[ROVE_UDP_IKE]);
	CHECK(rove_udp_recv(&u, ROVE_UDP_IKE, buf, sizeof(buf), &local, &remote, &err) ==
	      (ssize_t)sizeof(msg));
	CHECK_MEM(buf, msg, sizeof(msg));
	CHECK(rove_addr_eq(&remote, &gw));
	CHECK(local.family == family && local.port == u.bound[ROVE_UDP_IKE].port);
	CHECK_MEM(local.addr, lo.addr, rove_addr_len(&lo));

	/* No marker from the IKE socket, even if asked: the engine decides. */
	dg.local = u.bound[ROVE_UDP_IKE];
	dg.remote = gw;
	CHECK(rove_udp_send(&u, &dg, &err) == 0);
	wait_readable(fd);
	CHECK(recv(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(msg));
	CHECK_MEM(buf, msg, sizeof(msg));
	dg.local.port = 1; /* no such socket */
	CHECK(rove_udp_send(&u, &dg, &err) == -1 && err.code == ROVE_E_INVAL);
	close(fd);
	rove_udp_close(&u);
}

static void test_ike_v4(void) { test_ike_socket(AF_INET); }
static void test_ike_v6(void) { test_ike_socket(AF_INET6); }

static void test_natt_socket(void)
{
	struct rove_addr gw, local, remote, natt;
	struct rove_udp u;
	struct rove_err err;
	uint8_t buf[64];
	const uint8_t ike[] = { 0, 0, 0, 0, 'i', 'k', 'e' };
	const uint8_t esp[] = { 0, 0, 0x10, 1, 0, 0, 0, 1, 0xaa };
	const uint8_t keepalive[] = { 0xff };
	const uint8_t runt[] = { 0, 0 };
	const uint8_t marker_only[] = { 0, 0, 0, 0 };
	struct rove_datagram dg = { .data = ike + 4, .len = 3, .non_esp_marker = true };
	int fd;

	/* Wildcard bind: the local address must come from PKTINFO. */
	CHECK(rove_udp_open(&u, AF_INET, NULL, &err) == 0);
	fd = gw_socket(AF_INET, &gw);
	rove_addr_parse("127.0.0.1", &natt);
	natt.port = u.bound[ROVE_UDP_NATT].port;

	gw_send(fd, &natt, keepalive, sizeof(keepalive));
	gw_send(fd, &natt, esp, sizeof(esp));
	gw_send(fd, &natt, runt, sizeof(runt));
	gw_send(fd, &natt, marker_only, sizeof(marker_only));
	gw_send(fd, &natt, ike, sizeof(ike));
	wait_readable(u.fd[ROVE_UDP_NATT]);
	/* All five are queued on loopback by now; the first four are dropped. */
	CHECK(rove_udp_recv(&u, ROVE_UDP_NATT, buf, sizeof(buf), &local, &remote, &err) == 3);
	CHECK_MEM(buf, "ike", 3);
	CHECK(rove_addr_eq(&local, &natt));
	CHECK(rove_addr_eq(&remote, &gw));
	CHECK(u.drop_keepalive == 1 && u.drop_esp == 1 && u.drop_bad == 2);
	CHECK(rove_udp_recv(&u, ROVE_UDP_NATT, buf, sizeof(buf), &local, &remote, &err) == 0);

	/* Too long for the caller's buffer: dropped, not truncated. */
	{
		uint8_t big[100] = { 0 };

		gw_send(fd, &natt, big, sizeof(big));
		wait_readable(u.fd[ROVE_UDP_NATT]);
		CHECK(rove_udp_recv(&u, ROVE_UDP_NATT, buf, sizeof(buf), &local, &remote, &err) == 0);
		CHECK(u.drop_bad == 3);
	}

	/* Sending from the NAT-T socket with the marker, from 127.0.0.1. */
	dg.local = natt;
	dg.remote = gw;
	CHECK(rove_udp_send(&u, &dg, &err) == 0);
	wait_readable(fd);
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct rove_addr from;

		CHECK(recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl) == 7);
		CHECK_MEM(buf, ike, sizeof(ike));
		rove_addr_from_sockaddr((struct sockaddr *)&ss, &from);
		CHECK(rove_addr_eq(&from, &natt));
	}
	/* A keepalive goes out without the marker. */
	dg.data = keepalive;
	dg.len = 1;
	dg.non_esp_marker = false;
	CHECK(rove_udp_send(&u, &dg, &err) == 0);
	wait_readable(fd);
	CHECK(recv(fd, buf, sizeof(buf), 0) == 1 && buf[0] == 0xff);
	close(fd);
	rove_udp_close(&u);
}

static void test_source_and_resolve(void)
{
	struct rove_addr a, src;
	struct rove_err err;

	rove_addr_parse("127.0.0.1", &a);
	CHECK(rove_udp_source_for(&a, &src, &err) == 0);
	CHECK(src.family == AF_INET && src.port == 0 && rove_addr_eq(&src, &a));
	memset(&a, 0, sizeof(a));
	CHECK(rove_udp_source_for(&a, &src, &err) == -1);

	CHECK(rove_resolve_server("192.0.2.7", AF_UNSPEC, &a, &err) == 0);
	CHECK(a.family == AF_INET && a.addr[0] == 192 && a.addr[3] == 7 && a.port == 0);
	CHECK(rove_resolve_server("2001:db8::1", AF_INET, &a, &err) == 0);
	CHECK(a.family == AF_INET6 && a.addr[0] == 0x20 && a.addr[15] == 1);
	CHECK(rove_resolve_server("localhost", AF_INET, &a, &err) == 0);
	CHECK(a.family == AF_INET && a.addr[0] == 127);
	CHECK(rove_resolve_server("no-such-host.invalid", AF_UNSPEC, &a, &err) == -1);
	CHECK(strncmp(err.msg, "cannot resolve no-such-host.invalid: ",
		      strlen("cannot resolve no-such-host.invalid: ")) == 0);
	CHECK(rove_resolve_server("", AF_UNSPEC, &a, &err) == -1);
}

int main(void)
{
	RUN(test_open_fallback);
	RUN(test_ike_v4);
	RUN(test_ike_v6);
	RUN(test_natt_socket);
	RUN(test_source_and_resolve);
	return check_summary();
}
