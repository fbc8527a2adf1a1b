/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses and traffic selectors as plain values (no allocation). */
#ifndef ROVE_ADDR_H
#define ROVE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address with a UDP port in host order.
 * family is AF_INET (addr[0..4)) or AF_INET6 (addr[0..16)), 0 when unset. */
struct rove_addr {
	int family;
	uint8_t addr[16];
	uint16_t port;
};

/* An address prefix, e.g. a route or a virtual IPv6 address with its length. */
struct rove_prefix {
	struct rove_addr addr;
	uint8_t len;
};

/* A traffic selector (RFC 7296 3.13.1) in host-friendly form. type is
 * ROVE_TS_IPV4_ADDR_RANGE or ROVE_TS_IPV6_ADDR_RANGE. */
struct rove_ts {
	uint8_t type;
	uint8_t ip_proto;    /* 0 = any */
	uint16_t start_port; /* 0 */
	uint16_t end_port;   /* 65535 */
	uint8_t start[16];
	uint8_t end[16];
};

#define ROVE_ADDR_STRLEN 64 /* "[v6]:port" fits */

size_t rove_addr_len(const struct rove_addr *a); /* 4, 16 or 0 */
bool rove_addr_eq(const struct rove_addr *a, const struct rove_addr *b); /* incl. port */
/* Parses a literal IPv4/IPv6 address (no port); returns false if not one. */
bool rove_addr_parse(const char *s, struct rove_addr *out);
/* Formats the address without port into buf (at least ROVE_ADDR_STRLEN). */
const char *rove_addr_str(const struct rove_addr *a, char *buf, size_t len);
void rove_addr_to_sockaddr(const struct rove_addr *a, struct sockaddr_storage *ss, socklen_t *sl);
bool rove_addr_from_sockaddr(const struct sockaddr *sa, struct rove_addr *out);

/* "10.1.0.0/16" or "::/0"; false if malformed. */
bool rove_prefix_parse(const char *s, struct rove_prefix *out);
const char *rove_prefix_str(const struct rove_prefix *p, char *buf, size_t len);

/* Selector covering a whole prefix, all protocols and ports. */
void rove_ts_from_prefix(const struct rove_prefix *p, struct rove_ts *ts);
/* Selector for exactly one address. */
void rove_ts_from_addr(const struct rove_addr *a, struct rove_ts *ts);
/* "10.1.0.0/16" when the range is a prefix, else "10.1.0.5-10.1.0.9";
 * a protocol or port restriction is appended as "[proto/port-port]". */
const char *rove_ts_str(const struct rove_ts *ts, char *buf, size_t len);
bool rove_ts_is_v6(const struct rove_ts *ts);

#endif
