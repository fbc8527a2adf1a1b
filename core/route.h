/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The virtual IP, routes and policy rule; every object rove creates carries
 * a marker so cleanup after a crash finds exactly ours.
 *
 * Routes live in their own table (220) reached through one rule per family,
 * "from all lookup 220 pref 220", ahead of the main table (32766). Each
 * route rove adds has protocol ROVE_RTPROT, and so has the rule
 * (FRA_PROTOCOL), so deleting them by that marker never touches what an
 * administrator or another IPsec daemon (strongSwan also uses table 220)
 * added. Every function takes a NETLINK_ROUTE socket (nl.h) and returns 0,
 * or -1 with *err set and errno the kernel's error code. No memory is
 * returned. */
#ifndef ROVE_ROUTE_H
#define ROVE_ROUTE_H

#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "nl.h"

#define ROVE_ROUTE_TABLE 220  /* like strongSwan: a separate table */
#define ROVE_RULE_PRIORITY 220
/* Route protocol marking rove's routes and rule. The kernel's RTPROT_*
 * and iproute2's rt_protos name 0..18, 42 (babel), 99 (openr) and 186..192
 * (FRR's bgp to eigrp); 0xb5 (181) is unassigned. */
#define ROVE_RTPROT 0xb5

/* Adds a virtual IP as a local address: IFA_F_NOPREFIXROUTE, so the kernel
 * adds no route for its prefix (rove adds exactly the negotiated routes),
 * and IFA_F_NODAD for IPv6, so it is usable at once. Already present is
 * fine (the request replaces it). The kernel datapath puts it on the outer
 * interface, the userspace datapath on its TUN. */
int rove_vip_add(struct rove_nl *nl, int ifindex, const struct rove_prefix *vip,
		 struct rove_err *err);
int rove_vip_del(struct rove_nl *nl, int ifindex, const struct rove_prefix *vip,
		 struct rove_err *err);

struct rove_route {
	struct rove_prefix dst;
	int oif;              /* 0 = let the kernel choose (needs via) */
	struct rove_addr src; /* preferred source (the VIP); family 0 = unset */
	struct rove_addr via; /* next hop, same family as dst; family 0 = unset */
	uint32_t table;       /* ROVE_ROUTE_TABLE for rove's routes */
	uint8_t type;         /* RTN_UNREACHABLE, RTN_THROW; 0 = RTN_UNICAST */
};

/* Adds or deletes one route with protocol ROVE_RTPROT. Adding a route that
 * exists fails with EEXIST: the same prefix in table 220 belongs to another
 * VPN. Deleting matches the protocol too, so only rove's routes go. */
int rove_route_add(struct rove_nl *nl, const struct rove_route *r, struct rove_err *err);
int rove_route_del(struct rove_nl *nl, const struct rove_route *r, struct rove_err *err);

/* "from all lookup 220 pref 220" for AF_INET or AF_INET6, marked with
 * ROVE_RTPROT. Adding one that is there already is fine (0). */
int rove_rule_add(struct rove_nl *nl, int family, struct rove_err *err);
int rove_rule_del(struct rove_nl *nl, int family, struct rove_err *err);

/* Blocks a whole family in table 220: "unreachable default" (a local
 * sender gets ENETUNREACH at once, nothing leaves) plus "throw" for the
 * link-local prefix, so neighbour discovery, DHCP and router advertisements
 * keep working; adds the family's rule. Used when a full tunnel got no
 * virtual IP of that family: its traffic would otherwise go out in clear.
 * Both routes carry ROVE_RTPROT, so crash cleanup finds them too. Unblock
 * removes them, and the rule when no route of ours is left. */
int rove_route_block(struct rove_nl *nl, int family, struct rove_err *err);
int rove_route_unblock(struct rove_nl *nl, int family, struct rove_err *err);

/* The route the main table uses to reach `dst` (RTM_GETROUTE): oif,
 * gateway (via, unset when on-link), preferred source (src, may be unset)
 * and out->dst the host prefix of dst. When the kernel's answer comes from
 * table 220 (a tunnel is already up) the main table is searched instead,
 * so the answer is always the path outside any tunnel (also when table 220
 * blocks the family, see rove_route_block). Used to pin the
 * gateway's own address outside the tunnel: a host route for the gateway in
 * table 220 via the original next hop, so a full tunnel (0.0.0.0/0, ::/0)
 * never captures the IKE/ESP packets themselves. */
int rove_route_get(struct rove_nl *nl, const struct rove_addr *dst, struct rove_route *out,
		   struct rove_err *err);

/* How many routes with protocol ROVE_RTPROT table 220 holds for `family`
 * (another session may still need the rule); -1 on error. */
int rove_route_count_ours(struct rove_nl *nl, int family, struct rove_err *err);

/* Removes every route with protocol ROVE_RTPROT in table 220 and the rule
 * when no route is left (crash cleanup). Returns the number of routes
 * removed, or -1. */
int rove_route_flush_ours(struct rove_nl *nl, struct rove_err *err);

#endif
