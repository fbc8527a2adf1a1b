/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "route.h"
#include "i18n.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

static bool family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

static bool prefix_ok(const struct rove_prefix *p)
{
	return family_ok(p->addr.family) && p->len <= rove_addr_len(&p->addr) * 8;
}

static bool put_addr(struct nlmsghdr *nlh, uint16_t type, const struct rove_addr *a)
{
	return mnl_attr_put_check(nlh, ROVE_NL_MSG_MAX, type, rove_addr_len(a), a->addr);
}

static bool put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	return mnl_attr_put_u32_check(nlh, ROVE_NL_MSG_MAX, type, v);
}

/* ---- virtual IP ---- */

static int vip_request(struct rove_nl *nl, uint16_t type, uint16_t flags, int ifindex,
		       const struct rove_prefix *vip, const char *what, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint32_t ifa_flags = IFA_F_NOPREFIXROUTE;
	char s[ROVE_ADDR_STRLEN + 8], w[64 + sizeof(s)];
	bool ok = true;

	if (!prefix_ok(vip) || ifindex <= 0)
		return rove_err_set(err, ROVE_E_INVAL, _("%s: bad address or interface"), what);
	if (vip->addr.family == AF_INET6)
		ifa_flags |= IFA_F_NODAD;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)vip->addr.family;
	ifa->ifa_prefixlen = vip->len;
	ifa->ifa_flags = (uint8_t)ifa_flags;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (vip->addr.family == AF_INET)
		ok = put_addr(nlh, IFA_LOCAL, &vip->addr);
	ok = ok && put_addr(nlh, IFA_ADDRESS, &vip->addr);
	ok = ok && put_u32(nlh, IFA_FLAGS, ifa_flags);
	if (!ok)
		return rove_err_set(err, ROVE_E_INVAL, _("%s: message too long"), what);
	snprintf(w, sizeof(w), "%s %s", what, rove_prefix_str(vip, s, sizeof(s)));
	return rove_nl_request(nl, nlh, w, err);
}

int rove_vip_add(struct rove_nl *nl, int ifindex, const struct rove_prefix *vip,
		 struct rove_err *err)
{
	return vip_request(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, vip,
			   _("adding virtual IP"), err);
}

int rove_vip_del(struct rove_nl *nl, int ifindex, const struct rove_prefix *vip,
		 struct rove_err *err)
{
	return vip_request(nl, RTM_DELADDR, 0, ifindex, vip, _("removing virtual IP"), err);
}

/* ---- routes ---- */

static int route_request(struct rove_nl *nl, uint16_t type, uint16_t flags,
			 const struct rove_route *r, const char *what, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	char s[ROVE_ADDR_STRLEN + 8], w[64 + sizeof(s)];
	bool ok = true;
	int family = r->dst.addr.family;

	if (!prefix_ok(&r->dst))
		return rove_err_set(err, ROVE_E_INVAL, _("%s: bad destination"), what);
	if ((r->via.family && r->via.family != family) || (r->src.family && r->src.family != family))
		return rove_err_set(err, ROVE_E_INVAL, _("%s: next hop or source of another family"),
				    what);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = ROVE_RTPROT;
	rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	/* NOWHERE makes a delete match any scope; an added unicast route
	 * without a next hop is on-link. */
	if (type == RTM_DELROUTE)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else if (rtm->rtm_type == RTN_UNICAST && !r->via.family)
		rtm->rtm_scope = RT_SCOPE_LINK;
	else
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	ok = put_u32(nlh, RTA_TABLE, r->table);
	if (ok && r->dst.len)
		ok = put_addr(nlh, RTA_DST, &r->dst.addr);
	if (ok && r->oif > 0)
		ok = put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (ok && r->src.family)
		ok = put_addr(nlh, RTA_PREFSRC, &r->src);
	if (ok && r->via.family)
		ok = put_addr(nlh, RTA_GATEWAY, &r->via);
	if (!ok)
		return rove_err_set(err, ROVE_E_INVAL, _("%s: message too long"), what);
	snprintf(w, sizeof(w), "%s %s", what, rove_prefix_str(&r->dst, s, sizeof(s)));
	return rove_nl_request(nl, nlh, w, err);
}

int rove_route_add(struct rove_nl *nl, const struct rove_route *r, struct rove_err *err)
{
	return route_request(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r, _("adding route"), err);
}

int rove_route_del(struct rove_nl *nl, const struct rove_route *r, struct rove_err *err)
{
	return route_request(nl, RTM_DELROUTE, 0, r, _("removing route"), err);
}

/* ---- the rule ---- */

static int rule_request(struct rove_nl *nl, uint16_t type, uint16_t flags, int family,
			const char *what, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;
	bool ok;

	if (!family_ok(family))
		return rove_err_set(err, ROVE_E_INVAL, _("%s: bad address family"), what);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)family;
	frh->table = ROVE_ROUTE_TABLE;
	frh->action = FR_ACT_TO_TBL;
	ok = put_u32(nlh, FRA_PRIORITY, ROVE_RULE_PRIORITY);
	ok = ok && put_u32(nlh, FRA_TABLE, ROVE_ROUTE_TABLE);
	ok = ok && mnl_attr_put_u8_check(nlh, ROVE_NL_MSG_MAX, FRA_PROTOCOL, ROVE_RTPROT);
	if (!ok)
		return rove_err_set(err, ROVE_E_INVAL, _("%s: message too long"), what);
	return rove_nl_request(nl, nlh, what, err);
}

int rove_rule_add(struct rove_nl *nl, int family, struct rove_err *err)
{
	/* EXCL makes the kernel compare with existing rules instead of
	 * adding a duplicate. */
	if (rule_request(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, family,
			 family == AF_INET6 ? _("adding IPv6 rule") : _("adding IPv4 rule"), err) < 0) {
		if (errno != EEXIST)
			return -1;
		rove_err_clear(err);
	}
	return 0;
}

int rove_rule_del(struct rove_nl *nl, int family, struct rove_err *err)
{
	return rule_request(nl, RTM_DELRULE, 0, family,
			    family == AF_INET6 ? _("removing IPv6 rule") : _("removing IPv4 rule"), err);
}

/* ---- reading routes back ---- */

/* One parsed RTM_NEWROUTE. */
struct route_info {
	struct rove_route r;
	uint8_t protocol, type;
	uint32_t priority;
};

static int route_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= RTA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static bool get_addr(const struct nlattr *a, int family, struct rove_addr *out)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (!a || mnl_attr_get_payload_len(a) != n)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = family;
	memcpy(out->addr, mnl_attr_get_payload(a), n);
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *out)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*out = mnl_attr_get_u32(a);
	return true;
}

/* A multipath route: the first next hop stands for all of them. */
static void first_nexthop(const struct nlattr *mp, int family, struct route_info *ri)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	size_t len = mnl_attr_get_payload_len(mp);
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };

	if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
		return;
	ri->r.oif = nh->rtnh_ifindex;
	if (mnl_attr_parse_payload(RTNH_DATA(nh), nh->rtnh_len - sizeof(*nh), route_attr_cb,
				   tb) < 0)
		return;
	get_addr(tb[RTA_GATEWAY], family, &ri->r.via);
}

static int parse_route(const struct nlmsghdr *nlh, struct route_info *ri)
{
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct rtmsg *rtm;
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return -1;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (!family_ok(rtm->rtm_family) || rtm->rtm_dst_len > (rtm->rtm_family == AF_INET ? 32 : 128))
		return -1;
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb) < 0)
		return -1;
	memset(ri, 0, sizeof(*ri));
	ri->protocol = rtm->rtm_protocol;
	ri->type = rtm->rtm_type;
	ri->r.type = rtm->rtm_type;
	ri->r.table = rtm->rtm_table;
	if (get_u32(tb[RTA_TABLE], &v))
		ri->r.table = v;
	ri->r.dst.addr.family = rtm->rtm_family;
	ri->r.dst.len = rtm->rtm_dst_len;
	if (tb[RTA_DST] && !get_addr(tb[RTA_DST], rtm->rtm_family, &ri->r.dst.addr))
		return -1;
	if (get_u32(tb[RTA_OIF], &v))
		ri->r.oif = (int)v;
	get_addr(tb[RTA_GATEWAY], rtm->rtm_family, &ri->r.via);
	get_addr(tb[RTA_PREFSRC], rtm->rtm_family, &ri->r.src);
	get_u32(tb[RTA_PRIORITY], &ri->priority);
	if (!ri->r.oif && tb[RTA_MULTIPATH])
		first_nexthop(tb[RTA_MULTIPATH], rtm->rtm_family, ri);
	return 0;
}

static bool prefix_contains(const struct rove_prefix *p, const struct rove_addr *a)
{
	unsigned bits = p->len;
	size_t i;

	if (p->addr.family != a->family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (p->addr.addr[i] != a->addr[i])
			return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));
		if ((p->addr.addr[i] & mask) != (a->addr[i] & mask))
			return false;
	}
	return true;
}

static int dump_routes(struct rove_nl *nl, int family, rove_nl_cb cb, void *arg,
		       struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	return rove_nl_query(nl, nlh, _("listing routes"), cb, arg, err);
}

/* Longest prefix match over the main table, lowest metric on a tie. */
struct lpm {
	struct rove_addr dst;
	struct route_info best;
	bool found;
};

static int lpm_cb(const struct nlmsghdr *nlh, void *arg, struct rove_err *err)
{
	struct lpm *l = arg;
	struct route_info ri;

	if (parse_route(nlh, &ri) < 0 || ri.r.table != RT_TABLE_MAIN || ri.type != RTN_UNICAST)
		return 0;
	if (!prefix_contains(&ri.r.dst, &l->dst))
		return 0;
	if (l->found && (ri.r.dst.len < l->best.r.dst.len ||
			 (ri.r.dst.len == l->best.r.dst.len && ri.priority >= l->best.priority)))
		return 0;
	l->best = ri;
	l->found = true;
	return 0;
}

static int get_cb(const struct nlmsghdr *nlh, void *arg, struct rove_err *err)
{
	struct route_info *ri = arg;

	if (parse_route(nlh, ri) < 0)
		return rove_err_set(err, ROVE_E_PARSE, _("malformed route"));
	return 0;
}

static void set_host(struct rove_route *out, const struct rove_addr *dst)
{
	out->dst.addr = *dst;
	out->dst.addr.port = 0;
	out->dst.len = (uint8_t)(rove_addr_len(dst) * 8);
}

int rove_route_get(struct rove_nl *nl, const struct rove_addr *dst, struct rove_route *out,
		   struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct route_info ri;
	struct lpm l = { .dst = *dst };
	char s[ROVE_ADDR_STRLEN], w[64 + sizeof(s)];

	if (!family_ok(dst->family))
		return rove_err_set(err, ROVE_E_INVAL, _("route lookup: bad address"));
	l.dst.port = 0;
	snprintf(w, sizeof(w), _("looking up the route to %s"), rove_addr_str(dst, s, sizeof(s)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)(rove_addr_len(dst) * 8);
	/* Report the table the answer came from, not the cache's. */
	rtm->rtm_flags = RTM_F_LOOKUP_TABLE;
	if (!put_addr(nlh, RTA_DST, dst))
		return rove_err_set(err, ROVE_E_INVAL, _("%s: message too long"), w);
	memset(&ri, 0, sizeof(ri));
	if (rove_nl_query(nl, nlh, w, get_cb, &ri, err) < 0) {
		/* A blocked family (rove_route_block) answers "unreachable"
		 * from table 220: the path under it is in the main table. */
		if (errno != ENETUNREACH && errno != EHOSTUNREACH)
			return -1;
		rove_err_clear(err);
		ri.r.table = ROVE_ROUTE_TABLE;
	}
	if (ri.r.table == ROVE_ROUTE_TABLE) {
		/* A tunnel already captures dst: find the path under it. */
		if (dump_routes(nl, dst->family, lpm_cb, &l, err) < 0)
			return -1;
		if (!l.found) {
			errno = ENETUNREACH;
			return rove_err_set(err, ROVE_E_IO, _("%s: no route in the main table"), w);
		}
		ri = l.best;
	}
	*out = ri.r;
	set_host(out, dst);
	return 0;
}

/* ---- finding and removing ours ---- */

struct ours {
	int family;
	bool collect;              /* keep the routes, not just count them */
	bool oom;
	size_t n, cap;
	struct rove_route *routes;
};

static int ours_cb(const struct nlmsghdr *nlh, void *arg, struct rove_err *err)
{
	struct ours *o = arg;
	struct route_info ri;

	if (parse_route(nlh, &ri) < 0 || ri.protocol != ROVE_RTPROT ||
	    ri.r.table != ROVE_ROUTE_TABLE || ri.r.dst.addr.family != o->family)
		return 0;
	if (o->collect) {
		if (o->n == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 16;
			struct rove_route *r = realloc(o->routes, cap * sizeof(*r));
			if (!r) {
				o->oom = true;
				return 0;
			}
			o->routes = r;
			o->cap = cap;
		}
		o->routes[o->n] = ri.r;
	}
	o->n++;
	return 0;
}

int rove_route_count_ours(struct rove_nl *nl, int family, struct rove_err *err)
{
	struct ours o = { .family = family };

	if (!family_ok(family))
		return rove_err_set(err, ROVE_E_INVAL, _("counting routes: bad address family"));
	if (dump_routes(nl, family, ours_cb, &o, err) < 0)
		return -1;
	return (int)o.n;
}

/* Removes the rule (and any duplicates of it) once no route of ours is
 * left for the family. */
static int drop_rule_if_unused(struct rove_nl *nl, int family, struct rove_err *err)
{
	int left = rove_route_count_ours(nl, family, err);

	if (left != 0)
		return left < 0 ? -1 : 0;
	for (int i = 0; i < 64; i++) {
		if (rove_rule_del(nl, family, err) < 0) {
			if (errno != ENOENT)
				return -1;
			break;
		}
	}
	rove_err_clear(err);
	return 0;
}

static int flush_family(struct rove_nl *nl, int family, struct rove_err *err)
{
	struct ours o = { .family = family, .collect = true };
	int removed = 0;

	if (dump_routes(nl, family, ours_cb, &o, err) < 0)
		goto fail;
	if (o.oom) {
		rove_err_set(err, ROVE_E_NOMEM, _("flushing routes: out of memory"));
		goto fail;
	}
	for (size_t i = 0; i < o.n; i++) {
		/* Table, destination, type and protocol identify it. */
		struct rove_route r = { .dst = o.routes[i].dst, .table = ROVE_ROUTE_TABLE,
					.type = o.routes[i].type };
		if (rove_route_del(nl, &r, err) == 0)
			removed++;
		else if (errno != ESRCH)
			goto fail;
	}
	free(o.routes);
	if (drop_rule_if_unused(nl, family, err) < 0)
		return -1;
	return removed;
fail:
	free(o.routes);
	return -1;
}

int rove_route_flush_ours(struct rove_nl *nl, struct rove_err *err)
{
	int a, b;

	a = flush_family(nl, AF_INET, err);
	if (a < 0)
		return -1;
	b = flush_family(nl, AF_INET6, err);
	if (b < 0)
		return -1;
	return a + b;
}

/* ---- blocking a family ---- */

static void block_routes(int family, struct rove_route r[2])
{
	memset(r, 0, 2 * sizeof(*r));
	r[0].dst.addr.family = family;
	r[0].type = RTN_UNREACHABLE;
	r[0].table = ROVE_ROUTE_TABLE;
	r[1] = r[0];
	r[1].type = RTN_THROW;
	if (family == AF_INET6) {
		r[1].dst.addr.addr[0] = 0xfe; /* fe80::/10 */
		r[1].dst.addr.addr[1] = 0x80;
		r[1].dst.len = 10;
	} else {
		r[1].dst.addr.addr[0] = 169; /* 169.254.0.0/16 */
		r[1].dst.addr.addr[1] = 254;
		r[1].dst.len = 16;
	}
}

int rove_route_block(struct rove_nl *nl, int family, struct rove_err *err)
{
	struct rove_route r[2];

	if (!family_ok(family))
		return rove_err_set(err, ROVE_E_INVAL, _("blocking: bad address family"));
	block_routes(family, r);
	if (rove_rule_add(nl, family, err) < 0)
		return -1;
	for (int i = 1; i >= 0; i--) { /* the exception before the block */
		if (rove_route_add(nl, &r[i], err) < 0 && errno != EEXIST) {
			struct rove_err ignored;

			rove_route_unblock(nl, family, &ignored);
			return rove_err_prefix(err, family == AF_INET6 ? "blocking IPv6"
								       : "blocking IPv4");
		}
	}
	rove_err_clear(err);
	return 0;
}

int rove_route_unblock(struct rove_nl *nl, int family, struct rove_err *err)
{
	struct rove_route r[2];
	int rc = 0;

	if (!family_ok(family))
		return rove_err_set(err, ROVE_E_INVAL, _("unblocking: bad address family"));
	block_routes(family, r);
	for (int i = 0; i < 2; i++)
		if (rove_route_del(nl, &r[i], err) < 0 && errno != ESRCH)
			rc = -1;
	if (drop_rule_if_unused(nl, family, err) < 0)
		rc = -1;
	return rc;
}
