/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TUN -> ESP: read (super-)packets from the TUN, split them, encrypt each
 * in its slot of the arena and send the burst with one sendmmsg, runs of
 * equal-sized packets as single UDP GSO entries. */
#include "datapath_userspace_int.h"
#include "udp.h"
#include "gso.h"

#include <errno.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define SEND_WAIT_MS 20 /* for room in a full socket buffer, then drop */

union cmsgbuf {
	struct cmsghdr align;
	uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) +
		  CMSG_SPACE(sizeof(uint16_t))];
};

struct sendq {
	struct mmsghdr msg[DPU_TX_SLOTS];
	struct iovec iov[DPU_TX_SLOTS];
	union cmsgbuf cm[DPU_TX_SLOTS];
	uint16_t nseg[DPU_TX_SLOTS];   /* packets per entry */
	uint8_t tos[DPU_TX_SLOTS];     /* and their outer TOS */
	struct sockaddr_storage to;
	socklen_t tolen;
};

/* The outer header's TOS (IPv4) or traffic class (IPv6): the socket's
 * default is 0, so only other values need saying. */
static size_t put_tos(struct cmsghdr *c, int family, uint8_t tos)
{
	int v = tos;

	c->cmsg_level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	c->cmsg_type = family == AF_INET6 ? IPV6_TCLASS : IP_TOS;
	c->cmsg_len = CMSG_LEN(sizeof(v));
	memcpy(CMSG_DATA(c), &v, sizeof(v));
	return CMSG_SPACE(sizeof(v));
}

/* The control data of one entry: the source address when the socket is
 * bound to the wildcard (as in core/udp.c), the outer TOS, the segment
 * size for GSO. The whole buffer stays visible to CMSG_NXTHDR while it is
 * filled, else there is no room for the next header. */
static void set_cmsgs(const struct dpu *d, const struct dpu_sock *sk, struct msghdr *m,
		      union cmsgbuf *cm, uint8_t tos, uint16_t gso_size)
{
	const struct rove_addr *src = &d->tx.local;
	struct cmsghdr *c;
	size_t len = 0;

	memset(cm, 0, sizeof(*cm));
	m->msg_control = cm->b;
	m->msg_controllen = sizeof(cm->b);
	c = CMSG_FIRSTHDR(m);
	if (!dpu_addr_unspecified(src) && dpu_addr_unspecified(&sk->bound) &&
	    src->family == sk->bound.family) {
		len += rove_udp_put_pktinfo(c, src);
		c = CMSG_NXTHDR(m, c);
	}
	if (tos) {
		len += put_tos(c, d->tx.remote.family, tos);
		c = CMSG_NXTHDR(m, c);
	}
	if (gso_size) {
		c->cmsg_level = IPPROTO_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(c), &gso_size, sizeof(gso_size));
		len += CMSG_SPACE(sizeof(uint16_t));
	}
	m->msg_controllen = len;
	if (!len)
		m->msg_control = NULL;
}

/* Groups the queued packets into entries: with GSO, a run of equal sizes
 * and TOS (the segments of one super-packet) plus at most one shorter last
 * packet, within the kernel's limits. Returns the number of entries. */
static unsigned build_entries(struct dpu *d, const struct dpu_sock *sk, struct sendq *q)
{
	struct dpu_tx *tx = &d->tx;
	unsigned nmsg = 0;
	size_t i = 0;

	rove_addr_to_sockaddr(&tx->remote, &q->to, &q->tolen);
	for (size_t k = 0; k < tx->nq; k++) {
		q->iov[k].iov_base = tx->arena + k * tx->stride + tx->qoff[k];
		q->iov[k].iov_len = tx->qlen[k];
	}
	while (i < tx->nq) {
		struct msghdr *m = &q->msg[nmsg].msg_hdr;
		size_t j = i + 1, size = tx->qlen[i], total = size;
		uint8_t tos = tx->qtos[i];

		if (tx->gso) {
			while (j < tx->nq && j - i < DPU_GSO_MAX_SEGS && tx->qlen[j] == size &&
			       tx->qtos[j] == tos && total + size <= DPU_GSO_MAX_BYTES)
				total += tx->qlen[j++];
			if (j < tx->nq && j - i < DPU_GSO_MAX_SEGS && tx->qlen[j] < size &&
			    tx->qtos[j] == tos && total + tx->qlen[j] <= DPU_GSO_MAX_BYTES)
				total += tx->qlen[j++];
		}
		memset(m, 0, sizeof(*m));
		m->msg_name = &q->to;
		m->msg_namelen = q->tolen;
		m->msg_iov = &q->iov[i];
		m->msg_iovlen = j - i;
		set_cmsgs(d, sk, m, &q->cm[nmsg], tos, j - i > 1 ? (uint16_t)size : 0);
		q->nseg[nmsg] = (uint16_t)(j - i);
		q->tos[nmsg] = tos;
		nmsg++;
		i = j;
	}
	return nmsg;
}

static bool wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, SEND_WAIT_MS) == 1;
}

/* An entry the kernel refused as a GSO send goes out packet by packet, and
 * GSO stays off: the route's device cannot offload it. */
static void send_split(struct dpu *d, const struct dpu_sock *sk, struct sendq *q, unsigned k)
{
	struct msghdr *m = &q->msg[k].msg_hdr;
	struct iovec *iov = m->msg_iov;
	size_t n = m->msg_iovlen;

	d->tx.gso = false;
	for (size_t i = 0; i < n; i++) {
		struct msghdr one = *m;

		one.msg_iov = &iov[i];
		one.msg_iovlen = 1;
		set_cmsgs(d, sk, &one, &q->cm[k], q->tos[k], 0);
		if (sendmsg(sk->fd, &one, MSG_DONTWAIT) < 0) {
			d->tx.st.drop_send++;
		} else {
			d->tx.st.packets++;
			d->tx.st.bytes += iov[i].iov_len;
		}
	}
}

static void account(struct dpu *d, struct sendq *q, unsigned k)
{
	struct msghdr *m = &q->msg[k].msg_hdr;

	d->tx.st.packets += m->msg_iovlen;
	for (size_t i = 0; i < m->msg_iovlen; i++)
		d->tx.st.bytes += m->msg_iov[i].iov_len;
	if (m->msg_iovlen > 1)
		d->tx.st.gso_sends++;
}

/* Out of the socket of the outer family in use (it changes with a MOBIKE
 * move between IPv4 and IPv6, under the transmit lock, between bursts). */
static void flush(struct dpu *d)
{
	static __thread struct sendq q;
	const struct dpu_sock *sk = dpu_sock_for(d, d->tx.remote.family);
	unsigned nmsg, k = 0;

	if (!d->tx.nq)
		return;
	if (sk->fd < 0) {
		d->tx.st.drop_send += d->tx.nq;
		d->tx.nq = 0;
		return;
	}
	nmsg = build_entries(d, sk, &q);
	while (k < nmsg) {
		int r = sendmmsg(sk->fd, &q.msg[k], nmsg - k, MSG_DONTWAIT);

		if (r > 0) {
			for (unsigned i = 0; i < (unsigned)r; i++)
				account(d, &q, k + i);
			k += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS) && wait_writable(sk->fd))
			continue;
		if (r < 0 && q.nseg[k] > 1 && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
			send_split(d, sk, &q, k++);
			continue;
		}
		/* Lost like on the wire; the inner protocols cope. */
		d->tx.st.drop_send += q.nseg[k];
		k++;
	}
	d->tx.nq = 0;
}

static void send_icmp(struct dpu *d, const uint8_t *pkt, size_t len)
{
	uint8_t out[ROVE_TUN_VNET_LEN + 1280];
	size_t n;

	memset(out, 0, ROVE_TUN_VNET_LEN);
	n = dpu_icmp_too_big(pkt, len, d->tx.inner_mtu, out + ROVE_TUN_VNET_LEN,
			     sizeof(out) - ROVE_TUN_VNET_LEN);
	if (n && write(d->tun.fd, out, ROVE_TUN_VNET_LEN + n) > 0)
		d->tx.st.icmp_sent++;
}

/* Whether a packet that is not a super-packet may exceed the MTU: IPv4
 * without DF may, the kernel fragments the outer datagram. */
static bool may_fragment(const uint8_t *pkt, size_t len)
{
	return len >= 20 && (pkt[0] >> 4) == 4 && !(pkt[6] & 0x40);
}

static void encap_one(struct dpu *d, uint8_t *slot, size_t n, uint8_t tos)
{
	struct dpu_tx *tx = &d->tx;
	size_t off;
	ssize_t e;

	e = rove_esp_encap(tx->sa, slot, DPU_TX_HEAD, n, tx->stride, &off);
	if (e < 0) {
		tx->st.drop_encap++;
		return;
	}
	tx->qoff[tx->nq] = (uint16_t)off;
	tx->qlen[tx->nq] = (uint16_t)e;
	tx->qtos[tx->nq] = tos;
	tx->nq++;
}

static void tx_packet(struct dpu *d, uint8_t *vnet, uint8_t *pkt, size_t len)
{
	struct dpu_tx *tx = &d->tx;
	size_t room = tx->stride - DPU_TX_HEAD - DPU_TX_TAIL;
	struct rove_gso g;
	int nseg = rove_gso_init(&g, vnet, pkt, len);
	uint8_t tos;

	if (nseg < 0) {
		tx->st.drop_bad++;
		return;
	}
	if (!tx->sa) {
		tx->st.drop_nosa += (uint64_t)nseg;
		return;
	}
	/* The segments of a super-packet share its addresses, protocol and
	 * ports: one selector check covers them all. */
	if (!dpu_policy_match(tx->pol.local, tx->pol.nlocal, tx->pol.remote, tx->pol.nremote,
			      pkt, len)) {
		tx->st.drop_policy += (uint64_t)nseg;
		return;
	}
	/* and its DSCP and ECN, which the outer header copies */
	tos = dpu_tos(pkt, len);
	for (;;) {
		size_t cap = !g.proto && may_fragment(pkt, len) ? room : tx->inner_mtu;
		uint8_t *slot;
		size_t n;

		if (tx->nq == DPU_TX_SLOTS)
			flush(d);
		slot = tx->arena + tx->nq * tx->stride;
		n = rove_gso_next(&g, slot + DPU_TX_HEAD, cap < room ? cap : room);
		if (!n)
			break;
		encap_one(d, slot, n, tos);
	}
	if (g.idx < g.nseg) {
		/* The MTU shrank under the kernel's feet: tell the sender. */
		tx->st.drop_toobig += g.nseg - g.idx;
		send_icmp(d, pkt, len);
	}
}

/* Reads up to DPU_TX_READS packets; false when the TUN is empty. */
static bool tx_burst(struct dpu *d)
{
	struct dpu_tx *tx = &d->tx;
	bool more = true;
	int reads;

	pthread_mutex_lock(&tx->lock);
	for (reads = 0; reads < DPU_TX_READS; reads++) {
		ssize_t n = read(d->tun.fd, tx->rbuf, ROVE_TUN_VNET_LEN + 65536);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			more = false;
			break;
		}
		if (n <= ROVE_TUN_VNET_LEN) {
			tx->st.drop_bad++;
			continue;
		}
		tx_packet(d, tx->rbuf, tx->rbuf + ROVE_TUN_VNET_LEN, (size_t)n - ROVE_TUN_VNET_LEN);
	}
	flush(d);
	pthread_mutex_unlock(&tx->lock);
	return more;
}

void *dpu_tx_main(void *arg)
{
	struct dpu *d = arg;
	struct pollfd p[2] = { { .fd = d->tun.fd, .events = POLLIN },
			       { .fd = d->stop_fd, .events = POLLIN } };

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents || atomic_load(&d->stopping))
			break;
		if (p[0].revents & (POLLERR | POLLNVAL))
			break;
		if (p[0].revents & POLLIN)
			while (tx_burst(d) && !atomic_load(&d->stopping)) {
			}
	}
	return NULL;
}
