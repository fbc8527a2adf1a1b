/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "datapath_kernel.h"
#include "i18n.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2.h"
#include "nl.h"
#include "route.h"
#include "xfrm.h"
#include "xfrmi.h"

#define MAX_PAIRS 64  /* 8 local x 8 remote selectors */
#define MAX_ROUTES (2 * (1 + 8)) /* per family: the gateway and 8 networks */

/* One selector pair: the out policy's selector and which of the three
 * directions are installed (bit = enum rove_xfrm_dir). */
struct pair {
	struct rove_xfrm_sel out;
	uint8_t dirs;
};

struct kdp {
	struct rove_datapath dp;
	struct rove_nl *xfrm, *rt;
	uint32_t reqid;
	struct rove_addr gateway;
	struct rove_route uplink;   /* the main table's path to the gateway */

	/* The CHILD SA, copied: the session's copy may go away first. */
	bool child;
	struct rove_addr local, remote;
	uint32_t spi_in, spi_out;
	bool encap;
	bool sa_in, sa_out;
	/* Inbound SAs of CHILD SAs a rekey replaced, kept until their remove
	 * (their outbound SAs go as soon as the new SA is in). */
	uint32_t old_in[4];
	size_t nold;
	struct pair pairs[MAX_PAIRS];
	size_t npairs;
	struct rove_prefix nets[8];  /* the remote selectors as prefixes */
	size_t nnets;

	/* What configure() added. vip[0] is IPv4, vip[1] IPv6. */
	bool configured;
	struct rove_prefix vip[2];
	bool has_vip[2], vip_added[2], rule[2];
	struct rove_route routes[MAX_ROUTES];
	size_t nroutes;

	/* With an XFRM interface (rove_datapath_kernel_new_xfrmi) the SAs and
	 * policies carry its if_id and somebody else configures the device:
	 * no virtual IP, rule or route of ours. */
	uint32_t if_id;
	int xfrmi;                   /* its ifindex, 0: none */
	char xfrmi_name[16];
};

static int fam_idx(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static struct kdp *kdp_of(struct rove_datapath *dp)
{
	return dp->priv;
}

/* ---- routes: once both the configuration and the SA are known ---- */

static int add_route(struct kdp *k, const struct rove_route *r, struct rove_err *err)
{
	if (k->nroutes == MAX_ROUTES)
		return rove_err_set(err, ROVE_E_INVAL, _("too many routes"));
	if (rove_route_add(k->rt, r, err) < 0)
		return -1;
	k->routes[k->nroutes++] = *r;
	return 0;
}

static void del_routes(struct kdp *k)
{
	struct rove_err err;

	while (k->nroutes > 0)
		rove_route_del(k->rt, &k->routes[--k->nroutes], &err); /* gone is fine */
}

/* The gateway's own address stays on the original path, so a tunnel for
 * 0.0.0.0/0 or ::/0 does not capture it. No source: the kernel picks the
 * outer address as before. */
static int pin_gateway(struct kdp *k, struct rove_err *err)
{
	struct rove_route r = k->uplink;

	r.table = ROVE_ROUTE_TABLE;
	r.src.family = 0;
	return add_route(k, &r, err);
}

static int add_net_routes(struct kdp *k, int family, struct rove_err *err)
{
	const struct rove_prefix *vip = &k->vip[fam_idx(family)];

	for (size_t i = 0; i < k->nnets; i++) {
		struct rove_route r;

		if (k->nets[i].addr.family != family)
			continue;
		memset(&r, 0, sizeof(r));
		r.dst = k->nets[i];
		r.oif = k->uplink.oif;
		/* The route only has to exist and carry the VIP as source;
		 * XFRM takes the packet after the lookup. An IPv6 network
		 * over an IPv4 uplink has no next hop of its family. */
		if (k->uplink.via.family == family)
			r.via = k->uplink.via;
		r.src = vip->addr;
		r.src.port = 0;
		r.table = ROVE_ROUTE_TABLE;
		if (add_route(k, &r, err) < 0)
			return -1;
	}
	return 0;
}

static int apply_routes(struct kdp *k, struct rove_err *err)
{
	static const int fams[2] = { AF_INET, AF_INET6 };

	if (!k->configured || !k->child || k->nroutes || k->xfrmi)
		return 0;
	for (int i = 0; i < 2; i++) {
		/* The gateway stays outside even of a family without a virtual
		 * IP (after a move to it): leak-block may close that family. */
		if (k->gateway.family == fams[i] && pin_gateway(k, err) < 0)
			goto fail;
		if (!k->has_vip[i])
			continue;
		if (add_net_routes(k, fams[i], err) < 0)
			goto fail;
	}
	return 0;
fail:
	del_routes(k);
	return -1;
}

/* ---- the CHILD SA: two SAs and their policies ---- */

static void sa_from_child(const struct rove_child_sa *c, bool in, uint32_t reqid,
			  struct rove_xfrm_sa *out)
{
	memset(out, 0, sizeof(*out));
	out->src = in ? c->remote : c->local;
	out->dst = in ? c->local : c->remote;
	out->spi = in ? c->spi_in : c->spi_out;
	out->reqid = reqid;
	out->encr = c->encr;
	out->encr_keylen = c->encr_keylen;
	out->integ = c->integ;
	out->enc_key = in ? c->enc_key_in : c->enc_key_out;
	out->enc_key_len = c->enc_key_len;
	out->integ_key = in ? c->integ_key_in : c->integ_key_out;
	out->integ_key_len = c->integ_key_len;
	out->esn = c->esn;
	out->encap = c->encap;
	out->hard_add_secs = c->lifetime_s;
}

static int add_pair(struct kdp *k, const struct rove_ts *l, const struct rove_ts *r,
		    struct rove_err *err)
{
	struct pair *p = &k->pairs[k->npairs];
	struct rove_xfrm_policy pol;

	if (k->npairs == MAX_PAIRS)
		return rove_err_set(err, ROVE_E_INVAL, _("too many traffic selectors"));
	memset(p, 0, sizeof(*p));
	rove_xfrm_sel_from_ts(l, r, &p->out);
	k->npairs++;
	memset(&pol, 0, sizeof(pol));
	pol.reqid = k->reqid;
	pol.if_id = k->if_id;
	pol.sel = p->out;
	pol.dir = ROVE_XFRM_OUT;
	pol.tun_src = k->local;
	pol.tun_dst = k->remote;
	if (rove_xfrm_policy_add(k->xfrm, &pol, err) < 0)
		return -1;
	p->dirs |= 1u << ROVE_XFRM_OUT;
	/* Inbound and forwarded traffic: the selector reversed. */
	rove_xfrm_sel_from_ts(r, l, &pol.sel);
	pol.tun_src = k->remote;
	pol.tun_dst = k->local;
	for (enum rove_xfrm_dir d = ROVE_XFRM_IN; d <= ROVE_XFRM_FWD; d += 2) {
		pol.dir = d;
		if (rove_xfrm_policy_add(k->xfrm, &pol, err) < 0)
			return -1;
		p->dirs |= (uint8_t)(1u << d);
	}
	return 0;
}

static void del_policies(struct kdp *k)
{
	struct rove_err err;

	while (k->npairs > 0) {
		struct pair *p = &k->pairs[--k->npairs];
		struct rove_xfrm_sel rev = p->out;

		rev.src = p->out.dst;
		rev.dst = p->out.src;
		rev.sport = p->out.dport;
		rev.sport_mask = p->out.dport_mask;
		rev.dport = p->out.sport;
		rev.dport_mask = p->out.sport_mask;
		if (p->dirs & (1u << ROVE_XFRM_FWD))
			rove_xfrm_policy_del_if(k->xfrm, &rev, ROVE_XFRM_FWD, k->if_id, &err);
		if (p->dirs & (1u << ROVE_XFRM_IN))
			rove_xfrm_policy_del_if(k->xfrm, &rev, ROVE_XFRM_IN, k->if_id, &err);
		if (p->dirs & (1u << ROVE_XFRM_OUT))
			rove_xfrm_policy_del_if(k->xfrm, &p->out, ROVE_XFRM_OUT, k->if_id, &err);
	}
}

static void remove_child(struct kdp *k)
{
	struct rove_err err;

	if (!k->child)
		return;
	del_routes(k);
	del_policies(k);
	if (k->sa_out)
		rove_xfrm_state_del(k->xfrm, &k->remote, k->spi_out, &err);
	if (k->sa_in)
		rove_xfrm_state_del(k->xfrm, &k->local, k->spi_in, &err);
	while (k->nold > 0)
		rove_xfrm_state_del(k->xfrm, &k->local, k->old_in[--k->nold], &err);
	k->sa_in = k->sa_out = false;
	k->nnets = 0;
	k->child = false;
}

static int add_states(struct kdp *k, const struct rove_child_sa *sa, struct rove_err *err)
{
	struct rove_xfrm_sa x;

	sa_from_child(sa, true, k->reqid, &x);
	x.if_id = k->if_id;
	if (rove_xfrm_state_add(k->xfrm, &x, err) < 0)
		return -1;
	k->sa_in = true;
	sa_from_child(sa, false, k->reqid, &x);
	x.if_id = k->if_id;
	if (rove_xfrm_state_add(k->xfrm, &x, err) < 0)
		return -1;
	k->sa_out = true;
	return 0;
}

static int add_policies(struct kdp *k, const struct rove_child_sa *sa, struct rove_err *err)
{
	size_t nl = sa->nts_local < 8 ? sa->nts_local : 8;
	size_t nr = sa->nts_remote < 8 ? sa->nts_remote : 8;

	for (size_t i = 0; i < nl; i++)
		for (size_t j = 0; j < nr; j++) {
			if (rove_ts_is_v6(&sa->ts_local[i]) != rove_ts_is_v6(&sa->ts_remote[j]))
				continue;
			if (add_pair(k, &sa->ts_local[i], &sa->ts_remote[j], err) < 0)
				return -1;
		}
	if (k->npairs == 0)
		return rove_err_set(err, ROVE_E_INVAL, _("no pair of traffic selectors of one family"));
	/* Routes follow the remote selectors, as prefixes. */
	for (size_t j = 0; j < nr; j++) {
		struct rove_xfrm_sel s;

		rove_xfrm_sel_from_ts(&sa->ts_remote[j], &sa->ts_remote[j], &s);
		k->nets[k->nnets++] = s.dst;
	}
	return 0;
}

/* A rekeyed CHILD SA with the same selectors (make before break): the new
 * pair goes in under the same reqid, so the policies' templates find it;
 * then the old outbound SA goes, which invalidates the cached bundles and
 * moves traffic to the new one (the kernel picks the newest valid state
 * for a template anyway). The old inbound SA stays until its remove. */
static int move_sas(struct kdp *k, const struct rove_child_sa *sa, struct rove_err *err);

/* A rekeyed CHILD SA on another path (MOBIKE: a gateway may rekey on the
 * new path before it answers the address update): the current SAs and the
 * policies' templates move there first, so the pair shares one path. */
static int rekey_check(struct kdp *k, const struct rove_child_sa *sa, struct rove_err *err)
{
	if (!k->child)
		return rove_err_set(err, ROVE_E_INVAL, _("kernel datapath: no CHILD SA to rekey"));
	if (!rove_addr_eq(&sa->local, &k->local) || !rove_addr_eq(&sa->remote, &k->remote) ||
	    sa->encap != k->encap)
		return move_sas(k, sa, err);
	return 0;
}

/* The new inbound SA; the current one joins the old ones. */
static int kernel_install_inbound(struct rove_datapath *dp, const struct rove_child_sa *sa,
				  struct rove_err *err)
{
	struct kdp *k = kdp_of(dp);
	struct rove_xfrm_sa x;
	struct rove_err ignored;

	if (rekey_check(k, sa, err) < 0)
		return -1;
	if (k->nold == sizeof(k->old_in) / sizeof(k->old_in[0])) {
		rove_xfrm_state_del(k->xfrm, &k->local, k->old_in[0], &ignored);
		memmove(k->old_in, k->old_in + 1, sizeof(k->old_in) - sizeof(k->old_in[0]));
		k->nold--;
	}
	sa_from_child(sa, true, k->reqid, &x);
	x.if_id = k->if_id;
	if (rove_xfrm_state_add(k->xfrm, &x, err) < 0)
		return rove_err_prefix(err, _("kernel datapath"));
	if (k->sa_in)
		k->old_in[k->nold++] = k->spi_in;
	k->spi_in = sa->spi_in;
	k->sa_in = true;
	return 0;
}

/* The new outbound SA, then the old one goes: the templates find only
 * the new one from then on. */
static int kernel_install_outbound(struct rove_datapath *dp, const struct rove_child_sa *sa,
				   struct rove_err *err)
{
	struct kdp *k = kdp_of(dp);
	struct rove_xfrm_sa x;
	struct rove_err ignored;

	if (rekey_check(k, sa, err) < 0)
		return -1;
	sa_from_child(sa, false, k->reqid, &x);
	x.if_id = k->if_id;
	if (rove_xfrm_state_add(k->xfrm, &x, err) < 0)
		return rove_err_prefix(err, _("kernel datapath"));
	if (k->sa_out)
		rove_xfrm_state_del(k->xfrm, &k->remote, k->spi_out, &ignored);
	k->spi_out = sa->spi_out;
	k->sa_out = true;
	return 0;
}

static int kernel_rekey(struct kdp *k, const struct rove_child_sa *sa, struct rove_err *err)
{
	if (kernel_install_inbound(&k->dp, sa, err) < 0)
		return -1;
	return kernel_install_outbound(&k->dp, sa, err);
}

static int kernel_install(struct rove_datapath *dp, const struct rove_child_sa *sa,
			  struct rove_err *err)
{
	struct kdp *k = kdp_of(dp);

	if (k->child)
		return kernel_rekey(k, sa, err);
	if (sa->local.family != sa->remote.family || !rove_addr_len(&sa->local))
		return rove_err_set(err, ROVE_E_INVAL, _("kernel datapath: bad outer addresses"));
	k->child = true;
	k->local = sa->local;
	k->remote = sa->remote;
	k->spi_in = sa->spi_in;
	k->spi_out = sa->spi_out;
	k->encap = sa->encap;
	if (add_states(k, sa, err) < 0 || add_policies(k, sa, err) < 0 ||
	    apply_routes(k, err) < 0) {
		remove_child(k);
		return rove_err_prefix(err, _("kernel datapath"));
	}
	return 0;
}

static void kernel_remove(struct rove_datapath *dp, const struct rove_child_sa *sa)
{
	struct kdp *k = kdp_of(dp);

	struct rove_err err;

	if (k->child && sa->spi_in == k->spi_in && sa->spi_out == k->spi_out) {
		remove_child(k);
		return;
	}
	for (size_t i = 0; i < k->nold; i++) {
		if (k->old_in[i] != sa->spi_in)
			continue;
		/* A replaced SA after its grace time. */
		rove_xfrm_state_del(k->xfrm, &k->local, sa->spi_in, &err);
		k->old_in[i] = k->old_in[--k->nold];
		return;
	}
}

/* ---- configuration: virtual IPs and the rule ---- */

static void unconfigure(struct kdp *k)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	struct rove_err err;

	del_routes(k);
	for (int i = 1; i >= 0; i--) {
		/* Another session's routes may still need the rule. */
		if (k->rule[i] && rove_route_count_ours(k->rt, fams[i], &err) == 0)
			rove_rule_del(k->rt, fams[i], &err);
		k->rule[i] = false;
		if (k->vip_added[i])
			rove_vip_del(k->rt, k->uplink.oif, &k->vip[i], &err);
		k->vip_added[i] = false;
	}
	k->configured = false;
}

static int kernel_configure(struct rove_datapath *dp, const struct rove_config_info *cfg,
			    struct rove_err *err)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	struct kdp *k = kdp_of(dp);

	unconfigure(k);
	k->has_vip[0] = cfg->has_vip4;
	k->has_vip[1] = cfg->has_vip6;
	k->vip[0] = cfg->vip4;
	k->vip[1] = cfg->vip6;
	for (int i = 0; i < 2 && k->xfrmi; i++)
		k->has_vip[i] = false; /* the XFRM interface's owner adds them */
	for (int i = 0; i < 2; i++) {
		if (!k->has_vip[i])
			continue;
		if (k->vip[i].addr.family != fams[i]) {
			rove_err_set(err, ROVE_E_INVAL, _("virtual IP of the wrong family"));
			goto fail;
		}
		/* A host address: the routes say what is reachable. */
		k->vip[i].len = (uint8_t)(rove_addr_len(&k->vip[i].addr) * 8);
		if (rove_vip_add(k->rt, k->uplink.oif, &k->vip[i], err) < 0)
			goto fail;
		k->vip_added[i] = true;
		if (rove_rule_add(k->rt, fams[i], err) < 0)
			goto fail;
		k->rule[i] = true;
	}
	k->configured = true;
	if (apply_routes(k, err) < 0)
		goto fail;
	return 0;
fail:
	unconfigure(k);
	return rove_err_prefix(err, _("kernel datapath"));
}

/* ---- MOBIKE: a new path to the gateway ---- */

/* The virtual IPs live on the outer interface: they follow it, the new
 * one first so the address never goes away. */
static void move_vips(struct kdp *k, int old_oif)
{
	struct rove_err err;

	for (int i = 0; i < 2 && old_oif != k->uplink.oif; i++) {
		if (!k->vip_added[i])
			continue;
		if (rove_vip_add(k->rt, k->uplink.oif, &k->vip[i], &err) == 0)
			rove_vip_del(k->rt, old_oif, &k->vip[i], &err); /* gone with its link is fine */
	}
}

static int kernel_uplink(struct rove_datapath *dp, const struct rove_addr *gateway,
			 struct rove_err *err)
{
	struct kdp *k = kdp_of(dp);
	struct rove_addr gw = *gateway;
	struct rove_route r;
	int old_oif = k->uplink.oif;

	gw.port = 0;
	if (rove_route_get(k->rt, &gw, &r, err) < 0)
		return rove_err_prefix(err, _("kernel datapath"));
	if (r.oif <= 0)
		return rove_err_set(err, ROVE_E_IO, _("kernel datapath: the route to the gateway "
				      "names no interface"));
	k->uplink = r;
	k->gateway = gw;
	move_vips(k, old_oif);
	/* The pinned gateway route and the networks' routes name the uplink. */
	del_routes(k);
	if (apply_routes(k, err) < 0)
		return rove_err_prefix(err, _("kernel datapath"));
	return 0;
}

static void reverse_sel(const struct rove_xfrm_sel *out, struct rove_xfrm_sel *rev)
{
	*rev = *out;
	rev->src = out->dst;
	rev->dst = out->src;
	rev->sport = out->dport;
	rev->sport_mask = out->dport_mask;
	rev->dport = out->sport;
	rev->dport_mask = out->sport_mask;
}

/* One of the current SAs again, without UDP encapsulation: the kernel
 * keeps an SA's encapsulation through XFRM_MSG_MIGRATE (given none) and
 * XFRM_MSG_UPDSA alike, so when the NAT is gone the SA is read (replay
 * state, counters), deleted and added again with the same SPI and keys
 * (the engine's), going on from the same sequence numbers. Deleted first:
 * the outbound SA's new twin has its address and SPI. Packets sent in
 * between find no SA and are dropped (microseconds). */
static int readd_plain(struct kdp *k, const struct rove_child_sa *sa, bool in,
		       struct rove_err *err)
{
	struct rove_xfrm_sa x;
	struct rove_xfrm_sa_carry carry;
	struct rove_err ignored;

	sa_from_child(sa, in, k->reqid, &x);
	x.encap = false;
	if (rove_xfrm_state_carry(k->xfrm, &x.dst, x.spi, &carry, err) < 0)
		return -1;
	x.carry = &carry;
	rove_xfrm_state_del(k->xfrm, &x.dst, x.spi, &ignored);
	if (rove_xfrm_state_add(k->xfrm, &x, err) < 0) {
		if (in)
			k->sa_in = false;
		else
			k->sa_out = false;
		return -1;
	}
	return 0;
}

static int drop_encap(struct kdp *k, const struct rove_child_sa *sa, struct rove_err *err)
{
	if (k->sa_in && readd_plain(k, sa, true, err) < 0)
		return -1;
	if (k->sa_out && readd_plain(k, sa, false, err) < 0)
		return -1;
	return 0;
}

/* XFRM_MSG_MIGRATE per policy: the first move of each direction also
 * carries its SA (same SPI, keys, replay state and counters). The kernel
 * picks that SA by reqid and the old addresses, so the inbound SAs of
 * replaced CHILD SAs still in their grace time go first: one of them could
 * be moved instead of the current one, and none may keep the old path. */
static int move_sas(struct kdp *k, const struct rove_child_sa *sa, struct rove_err *err)
{
	struct rove_xfrm_move m;
	struct rove_err ignored;

	while (k->nold > 0)
		rove_xfrm_state_del(k->xfrm, &k->local, k->old_in[--k->nold], &ignored);
	for (size_t i = 0; i < k->npairs; i++) {
		memset(&m, 0, sizeof(m));
		m.reqid = k->reqid;
		m.if_id = k->if_id;
		m.encap = sa->encap;
		m.sel = k->pairs[i].out;
		m.dir = ROVE_XFRM_OUT;
		m.old_src = k->local;
		m.old_dst = k->remote;
		m.new_src = sa->local;
		m.new_dst = sa->remote;
		if (rove_xfrm_migrate(k->xfrm, &m, err) < 0)
			return rove_err_prefix(err, _("kernel datapath"));
		reverse_sel(&k->pairs[i].out, &m.sel);
		m.old_src = k->remote;
		m.old_dst = k->local;
		m.new_src = sa->remote;
		m.new_dst = sa->local;
		for (enum rove_xfrm_dir d = ROVE_XFRM_IN; d <= ROVE_XFRM_FWD; d += 2) {
			m.dir = d;
			if (rove_xfrm_migrate(k->xfrm, &m, err) < 0)
				return rove_err_prefix(err, _("kernel datapath"));
		}
	}
	k->local = sa->local;
	k->remote = sa->remote;
	/* The SAs of a rekey that arrived on the new path (rekey_check) come
	 * in plain anyway; the current ones go with the rekey. */
	if (k->encap && !sa->encap && sa->spi_in == k->spi_in && sa->spi_out == k->spi_out &&
	    drop_encap(k, sa, err) < 0)
		return rove_err_prefix(err, _("kernel datapath"));
	k->encap = sa->encap;
	return 0;
}

static int kernel_update(struct rove_datapath *dp, const struct rove_child_sa *sa,
			 struct rove_err *err)
{
	struct kdp *k = kdp_of(dp);

	if (!k->child || sa->spi_in != k->spi_in || sa->spi_out != k->spi_out)
		return rove_err_set(err, ROVE_E_INVAL, _("kernel datapath: no such CHILD SA to move"));
	return move_sas(k, sa, err);
}

/* ---- counters and teardown ---- */

static int kernel_counters(struct rove_datapath *dp, const struct rove_child_sa *sa,
			   struct rove_counters *out)
{
	struct kdp *k = kdp_of(dp);
	struct rove_xfrm_sa_use in, o;
	struct rove_err err;

	memset(out, 0, sizeof(*out));
	if (!k->child || sa->spi_in != k->spi_in)
		return -1;
	if (rove_xfrm_state_use(k->xfrm, k->spi_in, IPPROTO_ESP, &k->local, &in, &err) < 0 ||
	    rove_xfrm_state_use(k->xfrm, k->spi_out, IPPROTO_ESP, &k->remote, &o, &err) < 0)
		return -1;
	out->bytes_in = in.bytes;
	out->packets_in = in.packets;
	out->bytes_out = o.bytes;
	out->packets_out = o.packets;
	/* The pair goes in together; the older one dates it. */
	out->installed = in.add_time < o.add_time ? in.add_time : o.add_time;
	out->rekey_after = o.soft_add_secs;
	out->expire_after = o.hard_add_secs;
	out->dropped_replay = in.replay;
	out->dropped_auth = in.auth;
	return 0;
}

static void kernel_destroy(struct rove_datapath *dp)
{
	struct kdp *k = kdp_of(dp);
	struct rove_err err;

	remove_child(k);
	unconfigure(k);
	if (k->xfrmi)
		rove_xfrmi_del(k->rt, k->xfrmi, &err);
	rove_nl_close(k->xfrm);
	rove_nl_close(k->rt);
	free(k);
}

static const struct rove_datapath_ops kernel_ops = {
	.name = "kernel",
	.install = kernel_install,
	.install_inbound = kernel_install_inbound,
	.install_outbound = kernel_install_outbound,
	.remove = kernel_remove,
	.configure = kernel_configure,
	.counters = kernel_counters,
	.destroy = kernel_destroy,
	.uplink = kernel_uplink,
	.update = kernel_update,
};

struct rove_datapath *rove_datapath_kernel_new(const struct rove_addr *gateway, uint32_t reqid,
					       struct rove_err *err)
{
	struct kdp *k = calloc(1, sizeof(*k));

	if (!k) {
		rove_err_set(err, ROVE_E_NOMEM, _("kernel datapath: out of memory"));
		return NULL;
	}
	k->dp.ops = &kernel_ops;
	k->dp.priv = k;
	k->reqid = reqid;
	k->gateway = *gateway;
	k->gateway.port = 0;
	k->xfrm = rove_nl_open(NETLINK_XFRM, err);
	if (!k->xfrm)
		goto fail;
	k->rt = rove_nl_open(NETLINK_ROUTE, err);
	if (!k->rt)
		goto fail;
	if (rove_route_get(k->rt, &k->gateway, &k->uplink, err) < 0)
		goto fail;
	if (k->uplink.oif <= 0) {
		rove_err_set(err, ROVE_E_IO, _("the route to the gateway names no interface"));
		goto fail;
	}
	return &k->dp;
fail:
	rove_nl_close(k->xfrm);
	rove_nl_close(k->rt);
	free(k);
	rove_err_prefix(err, _("kernel datapath"));
	return NULL;
}

struct rove_datapath *rove_datapath_kernel_new_xfrmi(const struct rove_addr *gateway,
						     uint32_t reqid, const char *ifname,
						     struct rove_err *err)
{
	struct rove_datapath *dp = rove_datapath_kernel_new(gateway, reqid, err);
	struct kdp *k;
	int idx;

	if (!dp)
		return NULL;
	k = kdp_of(dp);
	/* Not bound to the uplink: MOBIKE may move the SAs to another one. */
	idx = rove_xfrmi_add(k->rt, ifname, reqid, 0, err);
	if (idx < 0) {
		kernel_destroy(dp);
		rove_err_prefix(err, _("kernel datapath"));
		return NULL;
	}
	k->xfrmi = idx;
	k->if_id = reqid;
	snprintf(k->xfrmi_name, sizeof(k->xfrmi_name), "%s", ifname);
	return dp;
}

const char *rove_datapath_kernel_ifname(struct rove_datapath *dp)
{
	return kdp_of(dp)->xfrmi_name;
}
