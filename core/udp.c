/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "udp.h"
#include "i18n.h"
#include "ikev2.h"
#include "session.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define NON_ESP_MARKER_LEN 4
/* Bounds the work one readable event can cause when a peer floods us with
 * datagrams we drop; the socket stays readable and the caller comes back. */
#define RECV_BURST 64

static bool addr_unspecified(const struct rove_addr *a)
{
	static const uint8_t zero[16];

	return !a->family || memcmp(a->addr, zero, rove_addr_len(a)) == 0;
}

static int set_int_opt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

static int bind_port(int fd, int family, const struct rove_addr *local, uint16_t port)
{
	struct rove_addr a = { .family = family };
	struct sockaddr_storage ss;
	socklen_t sl;

	if (local)
		memcpy(a.addr, local->addr, sizeof(a.addr));
	a.port = port;
	rove_addr_to_sockaddr(&a, &ss, &sl);
	return bind(fd, (struct sockaddr *)&ss, sl);
}

/* One socket on `port` if nobody holds it (and we may bind it), else on an
 * ephemeral port. */
static int open_one(struct rove_udp *u, enum rove_udp_sock which, const struct rove_addr *local,
		    uint16_t port, struct rove_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, r;

	fd = socket(u->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot create a UDP socket: %s"), strerror(errno));
	if (u->family == AF_INET6) {
		r = set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		if (r == 0)
			r = set_int_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	} else {
		r = set_int_opt(fd, IPPROTO_IP, IP_PKTINFO, 1);
	}
	if (r < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot set up a UDP socket: %s"), strerror(errno));
		goto fail;
	}
	/* SO_REUSEADDR stays off: sharing 500 with another IKE daemon would
	 * split the gateway's answers between us. */
	u->standard[which] = bind_port(fd, u->family, local, port) == 0;
	if (!u->standard[which] && (errno != EADDRINUSE && errno != EACCES)) {
		rove_err_set(err, ROVE_E_IO, _("cannot bind UDP port %u: %s"), port, strerror(errno));
		goto fail;
	}
	if (!u->standard[which] && bind_port(fd, u->family, local, 0) < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot bind a UDP port: %s"), strerror(errno));
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    !rove_addr_from_sockaddr((struct sockaddr *)&ss, &u->bound[which])) {
		rove_err_set(err, ROVE_E_IO, _("cannot read the bound UDP port: %s"), strerror(errno));
		goto fail;
	}
	u->fd[which] = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

int rove_udp_open(struct rove_udp *u, int family, const struct rove_addr *local,
		  struct rove_err *err)
{
	memset(u, 0, sizeof(*u));
	u->fd[0] = u->fd[1] = -1;
	if (family != AF_INET && family != AF_INET6)
		return rove_err_set(err, ROVE_E_INVAL, _("unsupported address family %d"), family);
	if (local && local->family != family)
		return rove_err_set(err, ROVE_E_INVAL, _("the local address is not of the server's family"));
	u->family = family;
	if (open_one(u, ROVE_UDP_IKE, local, ROVE_IKE_PORT, err) < 0 ||
	    open_one(u, ROVE_UDP_NATT, local, ROVE_NATT_PORT, err) < 0) {
		rove_udp_close(u);
		return -1;
	}
	return 0;
}

void rove_udp_close(struct rove_udp *u)
{
	for (int i = 0; i < 2; i++) {
		if (u->fd[i] >= 0)
			close(u->fd[i]);
		u->fd[i] = -1;
	}
}

size_t rove_udp_put_pktinfo(struct cmsghdr *c, const struct rove_addr *src)
{
	if (src->family == AF_INET) {
		struct in_pktinfo pi = { 0 };

		memcpy(&pi.ipi_spec_dst, src->addr, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	struct in6_pktinfo pi = { 0 };

	memcpy(&pi.ipi6_addr, src->addr, 16);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	return CMSG_SPACE(sizeof(pi));
}

/* Asks for a source address; the control buffer must hold CMSG_SPACE of
 * the larger PKTINFO. */
static void set_source(struct msghdr *m, const struct rove_addr *src, void *cbuf, size_t clen)
{
	memset(cbuf, 0, clen);
	m->msg_control = cbuf;
	m->msg_controllen = clen;
	m->msg_controllen = rove_udp_put_pktinfo(CMSG_FIRSTHDR(m), src);
}

int rove_udp_send(struct rove_udp *u, const struct rove_datagram *dg, struct rove_err *err)
{
	static const uint8_t marker[NON_ESP_MARKER_LEN];
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct sockaddr_storage ss;
	struct iovec iov[2];
	struct msghdr m = { 0 };
	char a[ROVE_ADDR_STRLEN];
	int which, n = 0;

	if (dg->local.port == u->bound[ROVE_UDP_IKE].port)
		which = ROVE_UDP_IKE;
	else if (dg->local.port == u->bound[ROVE_UDP_NATT].port)
		which = ROVE_UDP_NATT;
	else
		return rove_err_set(err, ROVE_E_INVAL, _("no IKE socket on local port %u"), dg->local.port);
	if (u->fd[which] < 0 || dg->remote.family != u->family)
		return rove_err_set(err, ROVE_E_INVAL, _("no IKE socket for %s"),
				    rove_addr_str(&dg->remote, a, sizeof(a)));
	if (dg->non_esp_marker)
		iov[n++] = (struct iovec){ .iov_base = (void *)marker, .iov_len = sizeof(marker) };
	iov[n++] = (struct iovec){ .iov_base = (void *)dg->data, .iov_len = dg->len };
	rove_addr_to_sockaddr(&dg->remote, &ss, &m.msg_namelen);
	m.msg_name = &ss;
	m.msg_iov = iov;
	m.msg_iovlen = (size_t)n;
	if (!addr_unspecified(&dg->local) && addr_unspecified(&u->bound[which]) &&
	    dg->local.family == u->family)
		set_source(&m, &dg->local, cbuf.b, sizeof(cbuf.b));
	while (sendmsg(u->fd[which], &m, MSG_DONTWAIT) < 0) {
		if (errno == EINTR)
			continue;
		/* Like a datagram lost on the way: the retransmit timer copes. */
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return 0;
		return rove_err_set(err, ROVE_E_IO, _("cannot send to %s: %s"),
				    rove_addr_str(&dg->remote, a, sizeof(a)), strerror(errno));
	}
	return 0;
}

bool rove_udp_pktinfo(const struct cmsghdr *c, struct rove_addr *local)
{
	if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
	    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
		struct in_pktinfo pi;

		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		local->family = AF_INET;
		memcpy(local->addr, &pi.ipi_addr, 4);
		return true;
	}
	if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
	    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
		struct in6_pktinfo pi;

		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		local->family = AF_INET6;
		memcpy(local->addr, &pi.ipi6_addr, 16);
		return true;
	}
	return false;
}

/* The local address a datagram arrived on, from its PKTINFO. */
static bool dest_from_cmsg(struct msghdr *m, struct rove_addr *local)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
		if (rove_udp_pktinfo(c, local))
			return true;
	return false;
}

/* Classifies what arrived on the NAT-T socket: the IKE length after the
 * marker, or -1 when it is dropped (and counted). */
static ssize_t natt_classify(struct rove_udp *u, const uint8_t *marker, size_t n)
{
	static const uint8_t zero[NON_ESP_MARKER_LEN];

	if (n == 1 && marker[0] == 0xff) {
		u->drop_keepalive++;
		return -1;
	}
	if (n < NON_ESP_MARKER_LEN) {
		u->drop_bad++;
		return -1;
	}
	if (memcmp(marker, zero, NON_ESP_MARKER_LEN) != 0) {
		u->drop_esp++;
		return -1;
	}
	if (n == NON_ESP_MARKER_LEN) {
		u->drop_bad++;
		return -1;
	}
	return (ssize_t)(n - NON_ESP_MARKER_LEN);
}

ssize_t rove_udp_recv(struct rove_udp *u, enum rove_udp_sock which, uint8_t *buf, size_t len,
		      struct rove_addr *local, struct rove_addr *remote, struct rove_err *err)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	uint8_t marker[NON_ESP_MARKER_LEN];
	struct sockaddr_storage ss;
	struct iovec iov[2];
	struct msghdr m;
	ssize_t n;
	int niov = 0;

	if (u->fd[which] < 0)
		return rove_err_set(err, ROVE_E_INVAL, _("the IKE socket is closed"));
	if (which == ROVE_UDP_NATT)
		iov[niov++] = (struct iovec){ .iov_base = marker, .iov_len = sizeof(marker) };
	iov[niov++] = (struct iovec){ .iov_base = buf, .iov_len = len };
	for (int i = 0; i < RECV_BURST; i++) {
		memset(&m, 0, sizeof(m));
		m.msg_name = &ss;
		m.msg_namelen = sizeof(ss);
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)niov;
		m.msg_control = cbuf.b;
		m.msg_controllen = sizeof(cbuf.b);
		n = recvmsg(u->fd[which], &m, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* An ICMP error queued on the socket: not fatal, the
			 * retransmit timer decides when to give up. */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
				continue;
			return rove_err_set(err, ROVE_E_IO, _("cannot receive: %s"), strerror(errno));
		}
		if ((m.msg_flags & MSG_TRUNC) || n == 0 ||
		    !rove_addr_from_sockaddr((struct sockaddr *)&ss, remote)) {
			u->drop_bad++;
			continue;
		}
		memset(local, 0, sizeof(*local));
		if (!dest_from_cmsg(&m, local)) {
			if (addr_unspecified(&u->bound[which])) {
				u->drop_bad++;
				continue;
			}
			*local = u->bound[which];
		}
		local->port = u->bound[which].port;
		if (which == ROVE_UDP_NATT) {
			n = natt_classify(u, marker, (size_t)n);
			if (n < 0)
				continue;
		}
		return n;
	}
	return 0;
}

int rove_udp_source_for(const struct rove_addr *remote, struct rove_addr *out,
			struct rove_err *err)
{
	struct rove_addr dst = *remote;
	struct sockaddr_storage ss;
	socklen_t sl;
	char a[ROVE_ADDR_STRLEN];
	int fd;

	if (remote->family != AF_INET && remote->family != AF_INET6)
		return rove_err_set(err, ROVE_E_INVAL, _("no server address"));
	if (!dst.port)
		dst.port = ROVE_IKE_PORT;
	fd = socket(remote->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot create a UDP socket: %s"), strerror(errno));
	rove_addr_to_sockaddr(&dst, &ss, &sl);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		rove_err_set(err, ROVE_E_IO, _("no route to %s: %s"),
			     rove_addr_str(remote, a, sizeof(a)), strerror(errno));
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    !rove_addr_from_sockaddr((struct sockaddr *)&ss, out)) {
		rove_err_set(err, ROVE_E_IO, _("cannot learn the local address: %s"), strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	out->port = 0;
	return 0;
}

int rove_resolve_server(const char *host, int family_pref, struct rove_addr *out,
			struct rove_err *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res, *ai, *pick = NULL;
	int r;

	if (!host || !*host)
		return rove_err_set(err, ROVE_E_INVAL, _("no server address given"));
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r != 0) {
		return rove_err_set(err, ROVE_E_IO, _("cannot resolve %s: %s"), host,
				    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (!pick)
			pick = ai;
		if (ai->ai_family == family_pref) {
			pick = ai;
			break;
		}
	}
	if (!pick || !rove_addr_from_sockaddr(pick->ai_addr, out)) {
		freeaddrinfo(res);
		return rove_err_set(err, ROVE_E_IO, _("cannot resolve %s: no IPv4 or IPv6 address"), host);
	}
	freeaddrinfo(res);
	out->port = 0;
	return 0;
}
