/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The userspace datapath: ESP in UDP (RFC 3948) over a TUN device, for
 * kernels without ESP (and as the fast path where XFRM is unwanted).
 *
 * Packets the kernel routes into the TUN device rove-<name> are encrypted
 * (core/esp.h) and sent from the session's NAT-T socket; ESP arriving on
 * that socket is decrypted and written to the TUN. Two worker threads, one
 * per direction, do this; the daemon's thread only installs SAs and reads
 * counters.
 *
 * The NAT-T socket is shared with IKE: the daemon hands its descriptor to
 * the datapath at creation and stops reading it (with rx_later: when it
 * calls rove_datapath_userspace_start_rx, until then it reads it itself). With a second one of the
 * other family (same port), a MOBIKE move may change the outer family:
 * update() sends from the socket of the new family from then on, both are
 * read all the time, the SAs, the TUN and the inner families stay, and
 * the TUN's MTU follows the outer header's size. The receiving thread reads
 * every datagram, keeps ESP, drops NAT keepalives and queues IKE messages
 * (non-ESP marker stripped) for the daemon: rove_datapath_userspace_ike_fd()
 * is readable while the queue holds any, rove_datapath_userspace_pop_ike()
 * takes them one by one. A second socket bound to the same port with
 * SO_REUSEPORT would not do: the kernel would split the gateway's datagrams
 * between the two sockets by hash, not by kind. The daemon keeps sending
 * IKE through the socket itself (sending from two threads is safe).
 *
 * Sizes: the TUN's MTU is the largest inner packet whose ESP packet fits
 * the path MTU (1500 unless told otherwise) with the SA's IV, padding and
 * ICV (rove_esp_inner_mtu), so the kernel sizes TCP segments right and
 * fragments or sends "packet too big" itself. A packet that is larger all
 * the same (the MTU shrank on a rekey to a cipher with more overhead) gets
 * an ICMP "fragmentation needed" (IPv4 with DF) or ICMPv6 "packet too big"
 * written back into the TUN; IPv4 without DF is sent and the kernel
 * fragments the outer datagram.
 *
 * Offloads: the TUN delivers TCP/UDP super-packets of up to 64 KiB
 * (core/gso.h splits them), and runs of equal-sized ESP packets leave in
 * one sendmmsg entry with UDP_SEGMENT (UDP GSO); receiving asks for UDP_GRO.
 * Each inner packet is copied once (from the TUN read into its ESP slot)
 * and encrypted in place there.
 *
 * Routes: when manage_routes is set, the virtual IPs go on the TUN and each
 * remote selector becomes a route through it in table 220 (route.h), with
 * a host route pinning the gateway outside the tunnel; all of them go when
 * the datapath is destroyed. The TUN itself is not persistent, so the kernel
 * removes it, its addresses and its routes when the process dies, even on
 * kill -9; only the rule and the gateway's pinned route can outlive a
 * crash, and rove_route_flush_ours() finds them by their marker. */
#ifndef ROVE_DATAPATH_USERSPACE_H
#define ROVE_DATAPATH_USERSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "datapath.h"
#include "err.h"
#include "esp.h"

struct rove_dpu_config {
	const char *name;           /* profile name: the TUN is rove-<name> */
	int natt_fd;                /* the NAT-T socket; borrowed, the caller closes it */
	struct rove_addr natt_bound; /* its bound address and port */
	/* The other family's NAT-T socket on the same port, for MOBIKE moves
	 * between IPv4 and IPv6 uplinks (borrowed, the caller closes it after
	 * destroy); read and written like the first. */
	bool have_alt;
	int alt_fd;
	struct rove_addr alt_bound;
	unsigned path_mtu;          /* outer path MTU; 0 = 1500 */
	bool manage_routes;         /* VIPs, routes and rule through netlink */
	/* The receiving thread leaves the sockets alone until
	 * rove_datapath_userspace_start_rx: the daemon reads IKE on the
	 * NAT-T socket itself until the first SA is in (no hand-off between
	 * threads per IKE_AUTH answer). */
	bool rx_later;
};

/* Creates the TUN device and starts the workers. The caller destroys it
 * with dp->ops->destroy(dp). NULL with *err set on failure (no TUN
 * support, not root, a device of that name held by another process). */
struct rove_datapath *rove_datapath_userspace_new(const struct rove_dpu_config *cfg,
						  struct rove_err *err);

/* With rx_later: the receiving thread reads the sockets from now on (the
 * caller stops reading them first). Once; no-op without rx_later. */
void rove_datapath_userspace_start_rx(struct rove_datapath *dp);

/* Readable while IKE messages wait (an eventfd in semaphore mode). */
int rove_datapath_userspace_ike_fd(struct rove_datapath *dp);
/* Takes one waiting IKE message into buf with the addresses it came in on;
 * returns its length, 0 when none waits. A message longer than len is
 * dropped (and the next one returned). */
size_t rove_datapath_userspace_pop_ike(struct rove_datapath *dp, uint8_t *buf, size_t len,
				       struct rove_addr *local, struct rove_addr *remote);

const char *rove_datapath_userspace_ifname(struct rove_datapath *dp);
unsigned rove_datapath_userspace_mtu(struct rove_datapath *dp);

/* What the workers dropped, and why, beyond the per-SA counters. */
struct rove_dpu_stats_tx {
	uint64_t packets, bytes;     /* ESP datagrams sent, UDP payload bytes */
	uint64_t drop_nosa;          /* no outbound SA yet */
	uint64_t drop_policy;        /* not covered by the selectors (e.g. IPv6 link-local) */
	uint64_t drop_bad;           /* vnet header and packet disagree */
	uint64_t drop_toobig;        /* larger than the MTU (ICMP sent when due) */
	uint64_t drop_encap;         /* sequence numbers exhausted, OpenSSL error */
	uint64_t drop_send;          /* socket errors, full socket buffer */
	uint64_t icmp_sent;
	uint64_t gso_sends;          /* sendmmsg entries carrying several packets */
};

struct rove_dpu_stats_rx {
	uint64_t datagrams, bytes;   /* ESP datagrams received, UDP payload bytes */
	uint64_t ike, keepalives;
	uint64_t drop_spi;           /* no SA with that SPI */
	uint64_t drop_esp;           /* malformed, replayed, forged, bad padding (per SA) */
	uint64_t drop_inner;         /* inner packet malformed or of the wrong family */
	uint64_t drop_policy;        /* inner addresses outside the selectors */
	uint64_t drop_dummy;         /* next header 59 (RFC 4303 2.6) */
	uint64_t drop_ecn;           /* CE outside, not ECN-capable inside (RFC 6040) */
	uint64_t drop_bad;           /* runts */
	uint64_t drop_write;         /* TUN write failed */
	uint64_t gro_trains;         /* datagrams that arrived coalesced */
	uint64_t tun_writes;         /* TCP trains merged into one write count once */
};

struct rove_dpu_stats {
	struct rove_dpu_stats_tx tx;
	struct rove_dpu_stats_rx rx;
	uint64_t ike_dropped;        /* the daemon did not drain the queue in time */
	struct rove_esp_stats esp_out, esp_in; /* summed over the installed SAs */
};

void rove_datapath_userspace_stats(struct rove_datapath *dp, struct rove_dpu_stats *out);

#endif
