/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "addr.h"
#include "ikev2.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t rove_addr_len(const struct rove_addr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

bool rove_addr_eq(const struct rove_addr *a, const struct rove_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, rove_addr_len(a)) == 0;
}

bool rove_addr_parse(const char *s, struct rove_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->addr) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->addr) == 1) {
		out->family = AF_INET6;
		return true;
	}
	return false;
}

const char *rove_addr_str(const struct rove_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->addr, buf, (socklen_t)len))
		snprintf(buf, len, "(none)");
	return buf;
}

void rove_addr_to_sockaddr(const struct rove_addr *a, struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		*sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		*sl = sizeof(*sin6);
	}
}

bool rove_addr_from_sockaddr(const struct sockaddr *sa, struct rove_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		out->family = AF_INET;
		out->port = ntohs(sin->sin_port);
		memcpy(out->addr, &sin->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		/* A v4-mapped address is the IPv4 peer on a dual-stack socket. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			out->family = AF_INET;
			memcpy(out->addr, (const uint8_t *)&sin6->sin6_addr + 12, 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->addr, &sin6->sin6_addr, 16);
		}
		out->port = ntohs(sin6->sin6_port);
		return true;
	}
	return false;
}

bool rove_prefix_parse(const char *s, struct rove_prefix *out)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	char *end;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(tmp))
		return false;
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	if (!rove_addr_parse(tmp, &out->addr))
		return false;
	bits = rove_addr_len(&out->addr) * 8;
	if (slash) {
		if (!slash[1] || slash[1] == '-' || slash[1] == '+')
			return false;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (*end || v > bits)
			return false;
		bits = v;
	}
	out->len = (uint8_t)bits;
	/* Clear host bits so "10.1.2.3/16" means 10.1.0.0/16. */
	for (size_t i = 0; i < rove_addr_len(&out->addr); i++) {
		int keep = (int)bits - (int)(i * 8);
		if (keep <= 0)
			out->addr.addr[i] = 0;
		else if (keep < 8)
			out->addr.addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
	return true;
}

const char *rove_prefix_str(const struct rove_prefix *p, char *buf, size_t len)
{
	char a[ROVE_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", rove_addr_str(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

void rove_ts_from_prefix(const struct rove_prefix *p, struct rove_ts *ts)
{
	size_t n = rove_addr_len(&p->addr);

	memset(ts, 0, sizeof(*ts));
	ts->type = n == 4 ? ROVE_TS_IPV4_ADDR_RANGE : ROVE_TS_IPV6_ADDR_RANGE;
	ts->end_port = 65535;
	memcpy(ts->start, p->addr.addr, n);
	memcpy(ts->end, p->addr.addr, n);
	for (size_t i = 0; i < n; i++) {
		int keep = (int)p->len - (int)(i * 8);
		if (keep <= 0)
			ts->end[i] = 0xff;
		else if (keep < 8)
			ts->end[i] |= (uint8_t)(0xff >> keep);
	}
}

void rove_ts_from_addr(const struct rove_addr *a, struct rove_ts *ts)
{
	struct rove_prefix p = { *a, (uint8_t)(rove_addr_len(a) * 8) };

	rove_ts_from_prefix(&p, ts);
}

bool rove_ts_is_v6(const struct rove_ts *ts)
{
	return ts->type == ROVE_TS_IPV6_ADDR_RANGE;
}

/* Returns the prefix length if [start, end] is exactly one prefix, else -1. */
static int ts_prefix_len(const struct rove_ts *ts, size_t n)
{
	int bits = 0;
	size_t i = 0;

	for (; i < n && ts->start[i] == ts->end[i]; i++)
		bits += 8;
	if (i == n)
		return bits;
	uint8_t diff = ts->start[i] ^ ts->end[i];
	int host = 0;
	while (host < 8 && (diff >> host)) host++;
	uint8_t mask = (uint8_t)(0xff >> (8 - host));
	if ((diff != mask) || (ts->start[i] & mask) || (ts->end[i] & mask) != mask)
		return -1;
	bits += 8 - host;
	for (i++; i < n; i++)
		if (ts->start[i] != 0 || ts->end[i] != 0xff)
			return -1;
	return bits;
}

const char *rove_ts_str(const struct rove_ts *ts, char *buf, size_t len)
{
	struct rove_addr s = { 0 }, e = { 0 };
	char sa[ROVE_ADDR_STRLEN], ea[ROVE_ADDR_STRLEN];
	size_t n = rove_ts_is_v6(ts) ? 16 : 4;
	int plen = ts_prefix_len(ts, n);
	int w;

	s.family = e.family = n == 16 ? AF_INET6 : AF_INET;
	memcpy(s.addr, ts->start, n);
	memcpy(e.addr, ts->end, n);
	if (plen >= 0)
		w = snprintf(buf, len, "%s/%d", rove_addr_str(&s, sa, sizeof(sa)), plen);
	else
		w = snprintf(buf, len, "%s-%s", rove_addr_str(&s, sa, sizeof(sa)),
			     rove_addr_str(&e, ea, sizeof(ea)));
	if (w > 0 && (size_t)w < len && (ts->ip_proto || ts->start_port || ts->end_port != 65535))
		snprintf(buf + w, len - (size_t)w, "[%u/%u-%u]", ts->ip_proto,
			 ts->start_port, ts->end_port);
	return buf;
}
