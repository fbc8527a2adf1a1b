/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ESP -> TUN: read a burst of datagrams from the NAT-T socket (coalesced
 * trains with UDP_GRO), decrypt ESP in place, carry the outer ECN inward
 * and write the inner packets to the TUN; IKE goes to the daemon's queue. */
#include "datapath_userspace_int.h"
#include "udp.h"
#include "gso.h"

#include <errno.h>
#include <linux/udp.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

union rx_cmsg {
	struct cmsghdr align;
	uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 2 * CMSG_SPACE(sizeof(int))];
};

struct recvq {
	struct mmsghdr msg[DPU_RX_VLEN];
	struct iovec iov[DPU_RX_VLEN];
	struct sockaddr_storage from[DPU_RX_VLEN];
	union rx_cmsg cm[DPU_RX_VLEN];
};

/* What a datagram (or a GRO train, whose segments the kernel only
 * coalesces with equal IP headers) arrived with. */
struct rx_meta {
	struct rove_addr local, remote;
	uint8_t tos;               /* the outer TOS / traffic class */
};

/* IP_TOS comes as one byte, IPV6_TCLASS as an int. */
static bool parse_tos(const struct cmsghdr *c, uint8_t *tos)
{
	int v;

	if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS &&
	    c->cmsg_len >= CMSG_LEN(1)) {
		*tos = *CMSG_DATA(c);
		return true;
	}
	if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS &&
	    c->cmsg_len >= CMSG_LEN(sizeof(v))) {
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		*tos = (uint8_t)v;
		return true;
	}
	return false;
}

/* The local address from PKTINFO, the outer TOS and the GRO segment size,
 * if any. */
static void parse_cmsgs(struct msghdr *m, struct rx_meta *meta, size_t *seg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (rove_udp_pktinfo(c, &meta->local) || parse_tos(c, &meta->tos))
			continue;
		if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			if (v > 0)
				*seg = (size_t)v;
		}
	}
}

static void tun_writev(struct dpu *d, const struct iovec *iov, int n)
{
	d->rx.st.tun_writes++;
	while (writev(d->tun.fd, iov, n) < 0) {
		if (errno == EINTR)
			continue;
		d->rx.st.drop_write++;
		break;
	}
}

/* A merged train: the kernel gathers it from the segments where they were
 * decrypted. */
static void gro_flush(struct dpu *d)
{
	size_t n = rove_gro_finish(&d->rx.gro);

	if (n)
		tun_writev(d, d->rx.gro.iov, (int)n);
}

/* Into the pending train when it continues one, else out on its own: the
 * ESP header and IV before the inner packet make room for the vnet header,
 * so that costs no copy (and touches no byte of an earlier segment the
 * train refers to). */
static void deliver(struct dpu *d, uint8_t *inner, size_t n)
{
	switch (rove_gro_add(&d->rx.gro, inner, n)) {
	case ROVE_GRO_MERGED:
		return;
	case ROVE_GRO_FLUSH_FIRST:
		gro_flush(d);
		if (rove_gro_add(&d->rx.gro, inner, n) == ROVE_GRO_MERGED)
			return;
		break;
	case ROVE_GRO_ALONE:
		gro_flush(d);
		break;
	}
	memset(inner - ROVE_TUN_VNET_LEN, 0, ROVE_TUN_VNET_LEN);
	/* authenticated by ESP: the kernel need not verify its checksum */
	inner[-ROVE_TUN_VNET_LEN] = VIRTIO_NET_HDR_F_DATA_VALID;
	tun_writev(d, &(struct iovec){ .iov_base = inner - ROVE_TUN_VNET_LEN,
				       .iov_len = ROVE_TUN_VNET_LEN + n }, 1);
}

static struct dpu_in *find_in(struct dpu *d, uint32_t spi)
{
	for (size_t i = 0; i < d->rx.nin; i++)
		if (d->rx.in[i].spi == spi)
			return &d->rx.in[i];
	return NULL;
}

static void rx_esp(struct dpu *d, uint8_t *p, size_t n, uint8_t outer_tos)
{
	struct dpu_rx *rx = &d->rx;
	struct dpu_in *in = find_in(d, rove_get_be32(p));
	enum rove_esp_drop why;
	size_t off, ilen;
	uint8_t nh;
	ssize_t r;
	uint8_t *inner;

	rx->st.datagrams++;
	rx->st.bytes += n;
	if (!in) {
		rx->st.drop_spi++;
		return;
	}
	r = rove_esp_decap(in->sa, p, n, &off, &nh, &why);
	if (r < 0) {
		rx->st.drop_esp++;
		return;
	}
	if (nh == ROVE_NH_NONE) {
		rx->st.drop_dummy++;
		return;
	}
	inner = p + off;
	ilen = dpu_inner_len(inner, (size_t)r, nh);
	if (!ilen) {
		rx->st.drop_inner++;
		return;
	}
	/* RFC 4301 5.2: what comes out of an SA must match its selectors. */
	if (!dpu_policy_match(in->pol.remote, in->pol.nremote, in->pol.local, in->pol.nlocal,
			      inner, ilen)) {
		rx->st.drop_policy++;
		return;
	}
	if (!dpu_ecn_decap(inner, ilen, outer_tos)) {
		rx->st.drop_ecn++;
		return;
	}
	deliver(d, inner, ilen);
}

/* One datagram (or one segment of a GRO train) from the NAT-T socket. */
static void rx_datagram(struct dpu *d, uint8_t *p, size_t n, const struct rx_meta *meta)
{
	if (n == 1 && p[0] == 0xff) {
		d->rx.st.keepalives++;
		return;
	}
	if (n < 4 || (n == 4 && !(p[0] | p[1] | p[2] | p[3]))) {
		d->rx.st.drop_bad++;
		return;
	}
	if (!(p[0] | p[1] | p[2] | p[3])) {
		d->rx.st.ike++;
		if (meta->local.family)
			dpu_ike_push(d, p + 4, n - 4, &meta->local, &meta->remote);
		else
			d->rx.st.drop_bad++;
		return;
	}
	if (n < ROVE_ESP_HDR_LEN + ROVE_TUN_VNET_LEN) {
		d->rx.st.drop_bad++;
		return;
	}
	rx_esp(d, p, n, meta->tos);
}

static void rx_message(struct dpu *d, const struct dpu_sock *sk, struct recvq *q, unsigned i,
		       size_t len)
{
	struct msghdr *m = &q->msg[i].msg_hdr;
	struct rx_meta meta = { 0 };
	uint8_t *p = q->iov[i].iov_base;
	size_t seg = 0;

	if ((m->msg_flags & MSG_TRUNC) ||
	    !rove_addr_from_sockaddr((struct sockaddr *)&q->from[i], &meta.remote)) {
		d->rx.st.drop_bad++;
		return;
	}
	parse_cmsgs(m, &meta, &seg);
	if (!meta.local.family && !dpu_addr_unspecified(&sk->bound))
		meta.local = sk->bound;
	if (meta.local.family)
		meta.local.port = sk->bound.port;
	if (!seg || seg >= len) {
		rx_datagram(d, p, len, &meta);
		return;
	}
	d->rx.st.gro_trains++;
	for (size_t off = 0; off < len; off += seg)
		rx_datagram(d, p + off, len - off < seg ? len - off : seg, &meta);
}

static void setup_recvq(struct dpu *d, struct recvq *q)
{
	for (unsigned i = 0; i < DPU_RX_VLEN; i++) {
		struct msghdr *m = &q->msg[i].msg_hdr;

		memset(m, 0, sizeof(*m));
		q->iov[i].iov_base = d->rx.bufs + (size_t)i * DPU_RX_BUF;
		q->iov[i].iov_len = DPU_RX_BUF;
		m->msg_iov = &q->iov[i];
		m->msg_iovlen = 1;
		m->msg_name = &q->from[i];
		m->msg_namelen = sizeof(q->from[i]);
		m->msg_control = q->cm[i].b;
		m->msg_controllen = sizeof(q->cm[i].b);
	}
}

/* One recvmmsg burst; false when the socket is empty. */
static bool rx_burst(struct dpu *d, const struct dpu_sock *sk, struct recvq *q)
{
	int r;

	setup_recvq(d, q);
	r = recvmmsg(sk->fd, q->msg, DPU_RX_VLEN, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return r < 0 && (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
				 errno == ENETUNREACH);
	pthread_mutex_lock(&d->rx.lock);
	for (int i = 0; i < r; i++)
		rx_message(d, sk, q, (unsigned)i, q->msg[i].msg_len);
	gro_flush(d);
	pthread_mutex_unlock(&d->rx.lock);
	return r == DPU_RX_VLEN;
}

/* Both families' sockets (poll skips a missing one's -1): after a move
 * the gateway's ESP and IKE come on the other. Before rx_go (rx_later),
 * only the stop and go eventfds. */
void *dpu_rx_main(void *arg)
{
	struct dpu *d = arg;
	static __thread struct recvq q;
	bool go = atomic_load(&d->rx_go);
	struct pollfd p[4] = { { .fd = go ? d->sock[0].fd : -1, .events = POLLIN },
			       { .fd = go ? d->sock[1].fd : -1, .events = POLLIN },
			       { .fd = d->stop_fd, .events = POLLIN },
			       { .fd = go ? -1 : d->go_fd, .events = POLLIN } };

	for (;;) {
		if (poll(p, 4, -1) < 0 && errno != EINTR)
			break;
		if (p[2].revents || atomic_load(&d->stopping))
			break;
		if (p[3].revents) {
			p[0].fd = d->sock[0].fd;
			p[1].fd = d->sock[1].fd;
			p[3].fd = -1;
			continue;
		}
		for (int k = 0; k < 2; k++) {
			if (p[k].revents & POLLNVAL)
				return NULL;
			if (p[k].revents & (POLLIN | POLLERR))
				while (rx_burst(d, &d->sock[k], &q) && !atomic_load(&d->stopping)) {
				}
		}
	}
	return NULL;
}
