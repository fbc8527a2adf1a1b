/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKE sockets of one session (platform layer, plain POSIX).
 *
 * A struct rove_udp holds two non-blocking, close-on-exec UDP sockets of one
 * address family: the IKE socket (port 500 when free) and the NAT-T socket
 * (port 4500 when free). Either falls back to an ephemeral port because a
 * second session in the same process or a local IKE daemon may hold the
 * standard one; `standard` records which we got.
 *
 * The NAT-T socket carries IKE behind the 4-byte zero non-ESP marker (RFC
 * 3948): rove_udp_recv strips it and drops NAT keepalives and ESP (which
 * only the datapath handles), counting them. No memory is allocated; the
 * caller owns the struct and every buffer. */
#ifndef ROVE_UDP_H
#define ROVE_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "err.h"

struct rove_datagram; /* session.h */

enum rove_udp_sock {
	ROVE_UDP_IKE = 0,
	ROVE_UDP_NATT = 1,
};

struct rove_udp {
	int family;
	int fd[2];                 /* indexed by enum rove_udp_sock; -1 = closed */
	struct rove_addr bound[2]; /* address (maybe unspecified) and port */
	bool standard[2];          /* got 500 / 4500 rather than an ephemeral port */
	/* Datagrams dropped on receive, for status and debugging. */
	uint64_t drop_keepalive;   /* 0xff keepalives on the NAT-T socket */
	uint64_t drop_esp;         /* ESP on the NAT-T socket (first 4 bytes non-zero) */
	uint64_t drop_bad;         /* truncated, runt or without local address */
};

/* Opens both sockets for `family` (AF_INET or AF_INET6), bound to `local`
 * (its port is ignored) or to the wildcard address when local is NULL.
 * On failure nothing stays open. */
int rove_udp_open(struct rove_udp *u, int family, const struct rove_addr *local,
		  struct rove_err *err);
void rove_udp_close(struct rove_udp *u);

/* Sends dg->data to dg->remote from the socket whose port is dg->local.port
 * and, when dg->local has an address, from that source address. Prepends
 * the non-ESP marker when dg->non_esp_marker is set. A full socket buffer
 * drops the datagram silently (IKE retransmits); 0 on success. */
int rove_udp_send(struct rove_udp *u, const struct rove_datagram *dg, struct rove_err *err);

/* Reads from socket `which` until one IKE message arrives or the socket is
 * empty. Returns the message length (marker stripped) with the addresses it
 * came in on, 0 when there is nothing (more) to read, -1 on a socket error.
 * Messages longer than `len` are dropped as bad. */
ssize_t rove_udp_recv(struct rove_udp *u, enum rove_udp_sock which, uint8_t *buf, size_t len,
		      struct rove_addr *local, struct rove_addr *remote, struct rove_err *err);

/* If c is an IP_PKTINFO or IPV6_PKTINFO control message, stores the local
 * address it names (port untouched) and returns true. */
struct cmsghdr;
bool rove_udp_pktinfo(const struct cmsghdr *c, struct rove_addr *local);
/* Writes an IP_PKTINFO or IPV6_PKTINFO message asking for source address
 * src into c (room for CMSG_SPACE(sizeof(struct in6_pktinfo)) needed);
 * returns the CMSG_SPACE it takes. */
size_t rove_udp_put_pktinfo(struct cmsghdr *c, const struct rove_addr *src);

/* The source address the kernel would use to reach `remote` (port 0),
 * learnt by connecting a throwaway UDP socket; no packet is sent. */
int rove_udp_source_for(const struct rove_addr *remote, struct rove_addr *out,
			struct rove_err *err);

/* Resolves a host name or literal to one address (port 0). family_pref is
 * AF_INET or AF_INET6 to take that family when the name has both, AF_UNSPEC
 * for the resolver's first answer. Errors read "cannot resolve HOST: ...". */
int rove_resolve_server(const char *host, int family_pref, struct rove_addr *out,
			struct rove_err *err);

#endif
