/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netwatch.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

struct rove_netwatch {
	struct mnl_socket *nl;
};

struct rove_netwatch *rove_netwatch_new(struct rove_err *err)
{
	struct rove_netwatch *nw = calloc(1, sizeof(*nw));
	unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
			  RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	int fd;

	if (!nw) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	nw->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nw->nl || mnl_socket_bind(nw->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		rove_err_set(err, ROVE_E_IO, _("watching the network (rtnetlink): %s"), strerror(errno));
		rove_netwatch_free(nw);
		return NULL;
	}
	fd = mnl_socket_get_fd(nw->nl);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return nw;
}

void rove_netwatch_free(struct rove_netwatch *nw)
{
	if (!nw)
		return;
	if (nw->nl)
		mnl_socket_close(nw->nl);
	free(nw);
}

int rove_netwatch_fd(const struct rove_netwatch *nw)
{
	return mnl_socket_get_fd(nw->nl);
}

/* rove's own routes (table 220, protocol 181) come and go with every
 * move: they must not start another. */
static bool relevant(const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR ||
		       nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return false;
	rtm = mnl_nlmsg_get_payload(nlh);
	return !(rtm->rtm_protocol == ROVE_RTPROT || rtm->rtm_table == RT_TABLE_LOCAL);
}

bool rove_netwatch_drain(struct rove_netwatch *nw)
{
	uint8_t buf[16384];
	bool changed = false;
	ssize_t n;

	while ((n = mnl_socket_recvfrom(nw->nl, buf, sizeof(buf))) != 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			/* ENOBUFS: notifications were lost, look again. */
			if (errno == ENOBUFS)
				changed = true;
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			break;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			changed |= relevant(nlh);
	}
	return changed;
}

/* ---- the source address ---- */

struct pick {
	int family, oif;
	const struct rove_addr *near; /* next hop or gateway: same prefix wins */
	const struct rove_addr *excl;
	size_t nexcl;
	struct rove_addr best;
	bool best_near;
};

static bool in_prefix(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	size_t i;

	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a[i] != b[i])
			return false;
	return !bits || !((a[i] ^ b[i]) & (uint8_t)(0xff << (8 - bits)));
}

static bool excluded(const struct pick *p, const struct rove_addr *a)
{
	for (size_t i = 0; i < p->nexcl; i++)
		if (p->excl[i].family == a->family &&
		    !memcmp(p->excl[i].addr, a->addr, rove_addr_len(a)))
			return true;
	return false;
}

static bool link_local(const struct rove_addr *a)
{
	if (a->family == AF_INET6)
		return a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80;
	return a->addr[0] == 169 && a->addr[1] == 254;
}

static int addr_cb(const struct nlmsghdr *nlh, void *arg, struct rove_err *err)
{
	struct pick *p = arg;
	const struct ifaddrmsg *ifa;
	struct nlattr *attr;
	struct rove_addr a = { 0 };
	uint32_t flags;
	bool near, have_local = false, have_addr = false;

	(void)err;
	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return 0;
	ifa = mnl_nlmsg_get_payload(nlh);
	flags = ifa->ifa_flags;
	if ((int)ifa->ifa_index != p->oif || ifa->ifa_family != p->family ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return 0;
	a.family = p->family;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		uint16_t t = mnl_attr_get_type(attr);
		size_t alen = rove_addr_len(&a);

		if (t == IFA_FLAGS && mnl_attr_get_payload_len(attr) >= 4)
			flags = mnl_attr_get_u32(attr);
		/* IFA_LOCAL is ours on point-to-point links, IFA_ADDRESS the
		 * peer's there; elsewhere they agree or only IFA_ADDRESS comes. */
		if ((t == IFA_LOCAL || (t == IFA_ADDRESS && !have_local)) &&
		    mnl_attr_get_payload_len(attr) == alen) {
			memcpy(a.addr, mnl_attr_get_payload(attr), alen);
			have_local |= t == IFA_LOCAL;
			have_addr = true;
		}
	}
	if (!have_addr || flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED) || excluded(p, &a))
		return 0;
	near = p->near && in_prefix(a.addr, p->near->addr, ifa->ifa_prefixlen);
	if (!p->best.family || (near && !p->best_near)) {
		p->best = a;
		p->best_near = near;
	}
	return 0;
}

int rove_netwatch_source(struct rove_nl *rt, const struct rove_addr *gw,
			 const struct rove_addr *excl, size_t nexcl, struct rove_addr *out,
			 struct rove_route *route, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct pick p = { .family = gw->family, .excl = excl, .nexcl = nexcl };

	if (rove_route_get(rt, gw, route, err) < 0)
		return -1;
	p.oif = route->oif;
	p.near = route->via.family ? &route->via : gw;
	/* The kernel names a link-local source when nothing better is left:
	 * no use towards a gateway beyond the link. */
	if (route->src.family && !excluded(&p, &route->src) && !link_local(&route->src)) {
		*out = route->src;
		out->port = 0;
		return 0;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)gw->family;
	if (rove_nl_query(rt, nlh, _("listing addresses"), addr_cb, &p, err) < 0)
		return -1;
	if (!p.best.family)
		return rove_err_set(err, ROVE_E_IO, _("no usable address on the interface towards "
				      "the gateway"));
	*out = p.best;
	return 0;
}

/* ---- suspend ---- */

uint64_t rove_clockwatch_sample(struct rove_clockwatch *cw, uint64_t mono_ms, uint64_t boot_ms,
				uint64_t period_ms, uint64_t slack_ms)
{
	uint64_t dm, db, slept = 0, late = 0, missed;

	if (cw->have && mono_ms >= cw->mono_ms && boot_ms >= cw->boot_ms) {
		dm = mono_ms - cw->mono_ms;
		db = boot_ms - cw->boot_ms;
		slept = db > dm ? db - dm : 0;
		late = dm > period_ms ? dm - period_ms : 0;
	}
	cw->mono_ms = mono_ms;
	cw->boot_ms = boot_ms;
	cw->have = true;
	missed = slept > late ? slept : late;
	return missed > slack_ms ? missed : 0;
}

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void rove_clockwatch_now(uint64_t *mono_ms, uint64_t *boot_ms)
{
	*mono_ms = clock_ms(CLOCK_MONOTONIC);
	*boot_ms = clock_ms(CLOCK_BOOTTIME);
}
