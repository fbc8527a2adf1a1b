/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of the userspace datapath, shared by its files:
 * datapath_userspace.c (object, ops, routes, IKE hand-back),
 * datapath_userspace_tx.c (TUN -> ESP), datapath_userspace_rx.c (ESP ->
 * TUN) and datapath_userspace_pkt.c (selectors, ICMP errors).
 *
 * Two worker threads, one per direction, each sleeping in poll() on its
 * descriptor and a shared stop eventfd. Each direction has a mutex that the
 * worker holds while it processes a burst and that install/remove/counters
 * take from the daemon's thread: SAs are swapped only between bursts, so a
 * worker never sees a freed SA, and the mutex is uncontended in the steady
 * state. */
#ifndef ROVE_DATAPATH_USERSPACE_INT_H
#define ROVE_DATAPATH_USERSPACE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "datapath_userspace.h"
#include "esp.h"
#include "frag.h"
#include "gso.h"
#include "nl.h"
#include "route.h"
#include "tun.h"

#define DPU_MAX_IN 4          /* inbound SAs at once (old and new during a rekey) */
#define DPU_RX_VLEN 16        /* datagrams per recvmmsg */
#define DPU_RX_BUF 65600      /* one datagram, or a GRO train of them */
#define DPU_TX_SLOTS 256      /* ESP packets per sendmmsg */
#define DPU_TX_READS 32       /* TUN reads per burst */
#define DPU_TX_HEAD 64        /* room before the inner packet: ESP header, IV */
#define DPU_TX_TAIL 64        /* and after it: padding, trailer, ICV */
/* IKE messages waiting for the daemon: a whole set of the gateway's
 * fragments sent in one burst must fit, with room for a bogus set beside
 * it (with 32, a 41-datagram burst lost its tail on every retransmission). */
#define DPU_IKE_MAX (2 * ROVE_FRAG_MAX + 8)
_Static_assert(DPU_IKE_MAX > ROVE_FRAG_MAX, "a whole set of fragments must fit the IKE queue");
#define DPU_MAX_ROUTES 64
#define DPU_GSO_MAX_SEGS 64   /* UDP_MAX_SEGMENTS */
#define DPU_GSO_MAX_BYTES 64000

/* The selectors of one CHILD SA, as the packets see them. */
struct dpu_policy {
	size_t nlocal, nremote;
	struct rove_ts local[8], remote[8];
};

struct dpu_in {
	struct rove_esp_sa *sa;
	uint32_t spi;
	struct dpu_policy pol;
};

struct dpu_tx {
	pthread_mutex_t lock;
	struct rove_esp_sa *sa;    /* NULL: no SA yet, packets are dropped */
	struct dpu_policy pol;
	struct rove_addr local, remote;
	size_t inner_mtu;
	bool gso;                  /* UDP_SEGMENT works on this socket */
	struct rove_dpu_stats_tx st;
	uint8_t *rbuf;             /* one read from the TUN */
	uint8_t *arena;            /* DPU_TX_SLOTS slots of `stride` bytes */
	size_t stride;
	size_t nq;
	uint16_t qoff[DPU_TX_SLOTS], qlen[DPU_TX_SLOTS];
	uint8_t qtos[DPU_TX_SLOTS];  /* the outer TOS / traffic class */
};

struct dpu_rx {
	pthread_mutex_t lock;
	struct dpu_in in[DPU_MAX_IN];
	size_t nin;
	struct rove_dpu_stats_rx st;
	uint8_t *bufs;             /* DPU_RX_VLEN buffers of DPU_RX_BUF */
	struct rove_gro gro;       /* TCP segments merged for one TUN write (they
				    * stay in bufs until the burst ends) */
};

struct dpu_ike {
	size_t len;
	struct rove_addr local, remote;
	uint8_t data[];
};

/* A NAT-T socket: ESP goes out of the one of the SA's outer family. */
struct dpu_sock {
	int fd;                    /* -1: none of this family */
	struct rove_addr bound;    /* its bound address and port */
	bool udp_gro;              /* UDP_GRO accepted on it */
};

struct dpu {
	struct rove_datapath dp;   /* dp.priv points back here */
	struct rove_tun tun;
	int stop_fd, ike_fd;
	int go_fd;                 /* rx starts reading the sockets (rx_later) */
	atomic_bool rx_go;
	struct dpu_sock sock[2];   /* [0] IPv4, [1] IPv6 */
	unsigned path_mtu, mtu_set;
	bool manage_routes;
	struct rove_nl *nl;

	struct dpu_tx tx;
	struct dpu_rx rx;
	pthread_t tx_thread, rx_thread;
	bool tx_started, rx_started;
	atomic_bool stopping;

	pthread_mutex_t ike_lock;
	struct dpu_ike *ike[DPU_IKE_MAX];
	size_t ike_head, ike_n;
	uint64_t ike_dropped;

	/* Daemon thread only. */
	uint64_t installed_at;     /* Unix seconds of the last install */
	bool have_cfg;
	struct rove_config_info cfg;
	struct rove_route routes[DPU_MAX_ROUTES];
	size_t nroutes;
	bool rule[2];              /* [0] IPv4, [1] IPv6 */
	bool vip_added[2];
	bool installed;            /* an SA was installed: routes are due */
	struct rove_child_sa last; /* selectors and outer addresses for routes */
};

static inline struct dpu_sock *dpu_sock_for(struct dpu *d, int family)
{
	return &d->sock[family == AF_INET6];
}

void *dpu_tx_main(void *arg);
void *dpu_rx_main(void *arg);

/* Hands an IKE message (marker stripped) to the daemon's queue; drops it
 * when the queue is full (IKE retransmits). Any thread. */
void dpu_ike_push(struct dpu *d, const uint8_t *p, size_t n, const struct rove_addr *local,
		  const struct rove_addr *remote);

/* datapath_userspace_pkt.c */
bool dpu_addr_unspecified(const struct rove_addr *a);
void dpu_policy_from(struct dpu_policy *pol, const struct rove_child_sa *sa);
/* Whether the IP packet's source is in `src` and destination in `dst`
 * (addresses, protocol and ports, RFC 4301 4.4.1). */
bool dpu_policy_match(const struct rove_ts *src, size_t nsrc, const struct rove_ts *dst,
		      size_t ndst, const uint8_t *pkt, size_t len);
/* The inner packet's real length (its IP header, which excludes TFC
 * padding), 0 when it is not a well-formed IPv4/IPv6 packet of the family
 * next_header announces. */
size_t dpu_inner_len(const uint8_t *pkt, size_t len, uint8_t next_header);
/* The outer header's DSCP and ECN follow the inner packet's: DSCP copied
 * (RFC 4301 5.1.2.1), ECN copied as RFC 6040's normal mode says, CE
 * included. dpu_tos gives an IPv4 packet's TOS or an IPv6 packet's traffic
 * class (0 for anything else). */
#define DPU_ECN_MASK 0x03
#define DPU_ECN_NOT_ECT 0
#define DPU_ECN_ECT1 1
#define DPU_ECN_ECT0 2
#define DPU_ECN_CE 3
uint8_t dpu_tos(const uint8_t *pkt, size_t len);
/* Applies the outer header's ECN to the decapsulated packet at pkt (a
 * well-formed IPv4 or IPv6 packet: dpu_inner_len said so), fixing the IPv4
 * header checksum; false when the packet must be dropped (CE outside, a
 * sender that does not understand ECN inside). */
bool dpu_ecn_decap(uint8_t *pkt, size_t len, uint8_t outer_tos);
/* An ICMP "fragmentation needed" (IPv4 with DF) or ICMPv6 "packet too big"
 * about pkt, from its destination back to its source, written to out;
 * returns its length, 0 when none is due (no DF, an ICMP error itself...). */
size_t dpu_icmp_too_big(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *out, size_t cap);
/* The prefixes that exactly cover a selector's address range; returns how
 * many were written (at most max). */
size_t dpu_ts_prefixes(const struct rove_ts *ts, struct rove_prefix *out, size_t max);

#endif
