/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The userspace datapath object: creation, the datapath ops, routes and
 * the IKE hand-back queue. The packet work is in datapath_userspace_tx.c
 * and datapath_userspace_rx.c. */
#include "datapath_userspace_int.h"
#include "i18n.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PATH_MTU 1500
#define SOCKET_BUFFER (8 << 20)

static struct dpu *priv(struct rove_datapath *dp)
{
	return dp->priv;
}

/* ---- the IKE hand-back queue ---------------------------------------- */

void dpu_ike_push(struct dpu *d, const uint8_t *p, size_t n, const struct rove_addr *local,
		  const struct rove_addr *remote)
{
	struct dpu_ike *it = malloc(sizeof(*it) + n);
	uint64_t one = 1;

	pthread_mutex_lock(&d->ike_lock);
	if (!it || d->ike_n == DPU_IKE_MAX) {
		d->ike_dropped++;
		pthread_mutex_unlock(&d->ike_lock);
		free(it);
		return;
	}
	it->len = n;
	it->local = *local;
	it->remote = *remote;
	memcpy(it->data, p, n);
	d->ike[(d->ike_head + d->ike_n) % DPU_IKE_MAX] = it;
	d->ike_n++;
	pthread_mutex_unlock(&d->ike_lock);
	/* Cannot fail short of 2^64 - 1 pending messages. */
	if (write(d->ike_fd, &one, sizeof(one)) < 0)
		return;
}

size_t rove_datapath_userspace_pop_ike(struct rove_datapath *dp, uint8_t *buf, size_t len,
				       struct rove_addr *local, struct rove_addr *remote)
{
	struct dpu *d = priv(dp);

	for (;;) {
		struct dpu_ike *it = NULL;
		uint64_t v;
		size_t n;

		pthread_mutex_lock(&d->ike_lock);
		if (d->ike_n) {
			it = d->ike[d->ike_head];
			d->ike_head = (d->ike_head + 1) % DPU_IKE_MAX;
			d->ike_n--;
		}
		pthread_mutex_unlock(&d->ike_lock);
		if (!it)
			return 0;
		/* semaphore mode: one read takes one message's count */
		if (read(d->ike_fd, &v, sizeof(v)) < 0)
			v = 0;
		n = it->len;
		if (n <= len) {
			memcpy(buf, it->data, n);
			*local = it->local;
			*remote = it->remote;
		}
		free(it);
		if (n <= len)
			return n;
	}
}

void rove_datapath_userspace_start_rx(struct rove_datapath *dp)
{
	struct dpu *d = priv(dp);
	uint64_t one = 1;

	if (atomic_exchange(&d->rx_go, true))
		return;
	/* Cannot fail on a fresh eventfd. */
	if (write(d->go_fd, &one, sizeof(one)) < 0)
		return;
}

int rove_datapath_userspace_ike_fd(struct rove_datapath *dp)
{
	return priv(dp)->ike_fd;
}

const char *rove_datapath_userspace_ifname(struct rove_datapath *dp)
{
	return priv(dp)->tun.name;
}

unsigned rove_datapath_userspace_mtu(struct rove_datapath *dp)
{
	return priv(dp)->mtu_set;
}

/* ---- routes ------------------------------------------------------------ */

static int fam_idx(int family)
{
	return family == AF_INET6;
}

static const struct rove_prefix *vip_for(const struct dpu *d, int family)
{
	if (family == AF_INET && d->cfg.has_vip4)
		return &d->cfg.vip4;
	if (family == AF_INET6 && d->cfg.has_vip6)
		return &d->cfg.vip6;
	return NULL;
}

static bool have_route(const struct dpu *d, const struct rove_prefix *p)
{
	for (size_t i = 0; i < d->nroutes; i++)
		if (d->routes[i].dst.len == p->len && rove_addr_eq(&d->routes[i].dst.addr, &p->addr))
			return true;
	return false;
}

static int add_route(struct dpu *d, const struct rove_route *r, bool exist_ok,
		     struct rove_err *err)
{
	char a[ROVE_ADDR_STRLEN + 8];

	if (have_route(d, &r->dst))
		return 0;
	if (d->nroutes == DPU_MAX_ROUTES)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("too many routes for the tunnel (%d at most)"),
				    DPU_MAX_ROUTES);
	if (rove_route_add(d->nl, r, err) < 0) {
		if (errno == EEXIST && exist_ok)
			return 0;
		if (errno == EEXIST)
			return rove_err_set(err, ROVE_E_IO, _("a route for %s already exists in table %d "
					      "(another VPN?)"), rove_prefix_str(&r->dst, a, sizeof(a)),
					    ROVE_ROUTE_TABLE);
		return -1;
	}
	d->routes[d->nroutes++] = *r;
	return 0;
}

/* The gateway's own address stays on the path it has now, so that a
 * tunnel for 0.0.0.0/0 does not swallow the ESP and IKE packets. */
static int pin_gateway(struct dpu *d, const struct rove_addr *gw, struct rove_err *err)
{
	struct rove_route r;

	if (rove_route_get(d->nl, gw, &r, err) < 0)
		return -1;
	r.table = ROVE_ROUTE_TABLE;
	r.src.family = 0;
	return add_route(d, &r, true, err);
}

static int remote_routes(struct dpu *d, bool *fam_used, struct rove_err *err)
{
	for (size_t i = 0; i < d->last.nts_remote && i < 8; i++) {
		const struct rove_ts *ts = &d->last.ts_remote[i];
		int family = rove_ts_is_v6(ts) ? AF_INET6 : AF_INET;
		const struct rove_prefix *vip = vip_for(d, family);
		struct rove_prefix pfx[64];
		size_t n;

		/* Without an address of that family the kernel could not
		 * source packets into the tunnel: leave the family alone. */
		if (!vip)
			continue;
		n = dpu_ts_prefixes(ts, pfx, 64);
		for (size_t k = 0; k < n; k++) {
			struct rove_route r = { .dst = pfx[k], .oif = d->tun.ifindex,
						.src = vip->addr, .table = ROVE_ROUTE_TABLE };

			r.src.port = 0;
			if (add_route(d, &r, false, err) < 0)
				return -1;
		}
		fam_used[fam_idx(family)] = true;
	}
	return 0;
}

/* Adds the routes once both the SA (selectors) and the configuration
 * (virtual IPs) are known, whichever comes first. */
static int sync_routes(struct dpu *d, struct rove_err *err)
{
	bool fam_used[2] = { false, false };
	static const int fams[2] = { AF_INET, AF_INET6 };

	if (!d->manage_routes || !d->have_cfg || !d->installed || d->nroutes)
		return 0;
	if (pin_gateway(d, &d->last.remote, err) < 0 || remote_routes(d, fam_used, err) < 0)
		return rove_err_prefix(err, _("userspace datapath"));
	for (int f = 0; f < 2; f++) {
		if (!fam_used[f] || d->rule[f])
			continue;
		if (rove_rule_add(d->nl, fams[f], err) < 0)
			return rove_err_prefix(err, _("userspace datapath"));
		d->rule[f] = true;
	}
	return 0;
}

static void drop_routes(struct dpu *d)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	struct rove_err err;

	if (!d->nl)
		return;
	while (d->nroutes)
		rove_route_del(d->nl, &d->routes[--d->nroutes], &err);
	for (int f = 0; f < 2; f++) {
		/* Another session may still route through the table. */
		if (d->rule[f] && rove_route_count_ours(d->nl, fams[f], &err) == 0)
			rove_rule_del(d->nl, fams[f], &err);
		d->rule[f] = false;
	}
}

/* MOBIKE: the gateway's pinned route goes to the new path (and to the
 * gateway's address of the other family after a move to it). */
static int us_uplink(struct rove_datapath *dp, const struct rove_addr *gateway,
		     struct rove_err *err)
{
	struct dpu *d = priv(dp);
	struct rove_addr gw = d->last.remote, to = *gateway;
	struct rove_err e2;

	if (dpu_sock_for(d, gateway->family)->fd < 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("userspace datapath: no NAT-T socket "
				      "of the gateway address's family"));
	if (!d->manage_routes || !d->nroutes)
		return 0;
	gw.port = 0;
	to.port = 0;
	for (size_t i = 0; i < d->nroutes; i++) {
		struct rove_route *r = &d->routes[i];

		if (r->oif == d->tun.ifindex || !rove_addr_eq(&r->dst.addr, &gw) ||
		    r->dst.len != rove_addr_len(&r->dst.addr) * 8)
			continue;
		rove_route_del(d->nl, r, &e2); /* gone with its link is fine */
		d->routes[i] = d->routes[--d->nroutes];
		break;
	}
	if (pin_gateway(d, &to, err) < 0)
		return rove_err_prefix(err, _("userspace datapath"));
	return 0;
}

/* ---- the ops ------------------------------------------------------------- */

static int set_mtu(struct dpu *d, size_t mtu, struct rove_err *err)
{
	if (mtu == d->mtu_set)
		return 0;
	if (rove_tun_set_mtu(&d->tun, (unsigned)mtu, err) < 0)
		return -1;
	d->mtu_set = (unsigned)mtu;
	return 0;
}

static void add_inbound(struct dpu *d, struct rove_esp_sa *in, const struct rove_child_sa *sa)
{
	struct dpu_in *slot;

	pthread_mutex_lock(&d->rx.lock);
	if (d->rx.nin == DPU_MAX_IN) {
		/* The oldest SA: the engine deletes it after a rekey anyway. */
		rove_esp_sa_free(d->rx.in[0].sa);
		memmove(&d->rx.in[0], &d->rx.in[1], sizeof(d->rx.in[0]) * (DPU_MAX_IN - 1));
		d->rx.nin--;
	}
	slot = &d->rx.in[d->rx.nin++];
	slot->sa = in;
	slot->spi = sa->spi_in;
	dpu_policy_from(&slot->pol, sa);
	pthread_mutex_unlock(&d->rx.lock);
}

static void set_outbound(struct dpu *d, struct rove_esp_sa *out, const struct rove_child_sa *sa,
			 size_t mtu)
{
	struct rove_esp_sa *old;

	pthread_mutex_lock(&d->tx.lock);
	old = d->tx.sa;
	d->tx.sa = out;
	dpu_policy_from(&d->tx.pol, sa);
	d->tx.local = sa->local;
	d->tx.remote = sa->remote;
	d->tx.inner_mtu = mtu;
	pthread_mutex_unlock(&d->tx.lock);
	rove_esp_sa_free(old);
}

/* Whether the SA's outer family has a socket here, on the SA's port. */
static bool uses_natt(struct dpu *d, const struct rove_child_sa *sa)
{
	const struct dpu_sock *sk = dpu_sock_for(d, sa->remote.family);

	return sk->fd >= 0 && sa->local.family == sa->remote.family &&
	       sa->local.port == sk->bound.port;
}

static int us_install(struct rove_datapath *dp, const struct rove_child_sa *sa,
		      struct rove_err *err)
{
	struct dpu *d = priv(dp);
	struct rove_esp_sa *out, *in;
	size_t mtu;

	if (!sa->encap)
		return rove_err_set(err, ROVE_E_UNSUPPORTED,
				    _("the userspace datapath carries ESP in UDP only: the session "
				      "must use UDP encapsulation (encap=yes)"));
	if (!uses_natt(d, sa))
		return rove_err_set(err, ROVE_E_INVAL, _("the CHILD SA does not use the NAT-T socket "
				      "the userspace datapath reads"));
	out = rove_esp_sa_new(sa, true, err);
	in = out ? rove_esp_sa_new(sa, false, err) : NULL;
	if (!in) {
		rove_esp_sa_free(out);
		return rove_err_prefix(err, _("userspace datapath"));
	}
	mtu = rove_esp_inner_mtu(out, d->path_mtu, sa->remote.family, true);
	if (mtu < 576) {
		rove_esp_sa_free(out);
		rove_esp_sa_free(in);
		return rove_err_set(err, ROVE_E_INVAL, _("a path MTU of %u leaves too little room for "
				      "ESP (inner MTU %zu)"), d->path_mtu, mtu);
	}
	/* Inbound first: the gateway may use the SA as soon as it sent it. */
	add_inbound(d, in, sa);
	set_outbound(d, out, sa, mtu);
	memset(&d->last, 0, sizeof(d->last));
	d->last.nts_local = sa->nts_local;
	d->last.nts_remote = sa->nts_remote;
	memcpy(d->last.ts_local, sa->ts_local, sizeof(sa->ts_local));
	memcpy(d->last.ts_remote, sa->ts_remote, sizeof(sa->ts_remote));
	d->last.local = sa->local;
	d->last.remote = sa->remote;
	d->installed = true;
	d->installed_at = (uint64_t)time(NULL);
	if (set_mtu(d, mtu, err) < 0 || rove_tun_set_up(&d->tun, err) < 0)
		return rove_err_prefix(err, _("userspace datapath"));
	return sync_routes(d, err);
}

static int us_update(struct rove_datapath *dp, const struct rove_child_sa *sa,
		     struct rove_err *err);

/* A rekeyed SA's halves one at a time (datapath.h): its inbound SA joins
 * the ones accepted; later its outbound SA replaces the current one. A
 * rekey that arrived on another path (a gateway that rekeys on the new
 * path before it answers the address update, as strongSwan with
 * kernel-libipsec does) moves the current outbound SA there at once, as
 * the kernel datapath moves its SAs, rather than at install_outbound. */
static int us_install_inbound(struct rove_datapath *dp, const struct rove_child_sa *sa,
			      struct rove_err *err)
{
	struct dpu *d = priv(dp);
	struct rove_esp_sa *in = rove_esp_sa_new(sa, false, err);

	if (!in)
		return rove_err_prefix(err, _("userspace datapath"));
	add_inbound(d, in, sa);
	if (!rove_addr_eq(&sa->local, &d->last.local) || !rove_addr_eq(&sa->remote, &d->last.remote))
		return us_update(dp, sa, err);
	return 0;
}

static int us_install_outbound(struct rove_datapath *dp, const struct rove_child_sa *sa,
			       struct rove_err *err)
{
	struct dpu *d = priv(dp);
	struct rove_esp_sa *out = rove_esp_sa_new(sa, true, err);
	size_t mtu;

	if (!out)
		return rove_err_prefix(err, _("userspace datapath"));
	mtu = rove_esp_inner_mtu(out, d->path_mtu, sa->remote.family, true);
	set_outbound(d, out, sa, mtu);
	/* Another suite may leave another room for the inner packet. */
	return set_mtu(d, mtu, err) < 0 ? rove_err_prefix(err, _("userspace datapath")) : 0;
}

/* MOBIKE: the gateway accepted new outer addresses. The SAs stay; the
 * transmit worker picks the addresses (and with another family, the other
 * socket) up at its next burst. The outer header's size may have changed
 * (IPv4 20 bytes, IPv6 40): so does the room for the inner packet. */
static int us_update(struct rove_datapath *dp, const struct rove_child_sa *sa,
		     struct rove_err *err)
{
	struct dpu *d = priv(dp);
	size_t mtu = 0;

	if (!sa->encap || !uses_natt(d, sa))
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("userspace datapath: the new path "
				      "does not use a NAT-T socket it reads"));
	pthread_mutex_lock(&d->tx.lock);
	d->tx.local = sa->local;
	d->tx.remote = sa->remote;
	if (d->tx.sa) {
		mtu = rove_esp_inner_mtu(d->tx.sa, d->path_mtu, sa->remote.family, true);
		d->tx.inner_mtu = mtu;
	}
	pthread_mutex_unlock(&d->tx.lock);
	d->last.local = sa->local;
	d->last.remote = sa->remote;
	if (mtu && set_mtu(d, mtu, err) < 0)
		return rove_err_prefix(err, _("userspace datapath"));
	return 0;
}

static void us_remove(struct rove_datapath *dp, const struct rove_child_sa *sa)
{
	struct dpu *d = priv(dp);
	struct rove_esp_sa *gone[DPU_MAX_IN + 1];
	size_t ngone = 0, keep = 0;

	pthread_mutex_lock(&d->rx.lock);
	for (size_t i = 0; i < d->rx.nin; i++) {
		if (d->rx.in[i].spi == sa->spi_in)
			gone[ngone++] = d->rx.in[i].sa;
		else
			d->rx.in[keep++] = d->rx.in[i];
	}
	d->rx.nin = keep;
	pthread_mutex_unlock(&d->rx.lock);
	pthread_mutex_lock(&d->tx.lock);
	if (d->tx.sa && rove_esp_sa_spi(d->tx.sa) == sa->spi_out) {
		gone[ngone++] = d->tx.sa;
		d->tx.sa = NULL;
	}
	pthread_mutex_unlock(&d->tx.lock);
	while (ngone)
		rove_esp_sa_free(gone[--ngone]);
}

static int us_configure(struct rove_datapath *dp, const struct rove_config_info *cfg,
			struct rove_err *err)
{
	struct dpu *d = priv(dp);
	const struct rove_prefix *vips[2] = { cfg->has_vip4 ? &cfg->vip4 : NULL,
					      cfg->has_vip6 ? &cfg->vip6 : NULL };

	d->cfg = *cfg;
	d->have_cfg = true;
	for (int f = 0; f < 2 && d->manage_routes; f++) {
		if (!vips[f])
			continue;
		if (rove_vip_add(d->nl, d->tun.ifindex, vips[f], err) < 0)
			return rove_err_prefix(err, _("userspace datapath"));
		d->vip_added[f] = true;
	}
	if (rove_tun_set_up(&d->tun, err) < 0)
		return rove_err_prefix(err, _("userspace datapath"));
	return sync_routes(d, err);
}

static int us_counters(struct rove_datapath *dp, const struct rove_child_sa *sa,
		       struct rove_counters *out)
{
	struct dpu *d = priv(dp);
	int found = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&d->tx.lock);
	if (d->tx.sa && rove_esp_sa_spi(d->tx.sa) == sa->spi_out) {
		out->packets_out = rove_esp_stats(d->tx.sa)->packets;
		out->bytes_out = rove_esp_stats(d->tx.sa)->bytes;
		found++;
	}
	pthread_mutex_unlock(&d->tx.lock);
	pthread_mutex_lock(&d->rx.lock);
	for (size_t i = 0; i < d->rx.nin; i++) {
		if (d->rx.in[i].spi == sa->spi_in) {
			const struct rove_esp_stats *st = rove_esp_stats(d->rx.in[i].sa);

			out->packets_in = st->packets;
			out->bytes_in = st->bytes;
			out->dropped_replay = st->drop_replay;
			out->dropped_auth = st->drop_auth;
			found++;
		}
	}
	pthread_mutex_unlock(&d->rx.lock);
	/* Installed without limits, like the kernel datapath's SAs. */
	out->installed = d->installed_at;
	return found ? 0 : -1;
}

static void add_esp_stats(struct rove_esp_stats *sum, const struct rove_esp_stats *s)
{
	sum->packets += s->packets;
	sum->bytes += s->bytes;
	sum->drop_malformed += s->drop_malformed;
	sum->drop_replay += s->drop_replay;
	sum->drop_auth += s->drop_auth;
	sum->drop_pad += s->drop_pad;
}

void rove_datapath_userspace_stats(struct rove_datapath *dp, struct rove_dpu_stats *out)
{
	struct dpu *d = priv(dp);

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&d->tx.lock);
	out->tx = d->tx.st;
	if (d->tx.sa)
		add_esp_stats(&out->esp_out, rove_esp_stats(d->tx.sa));
	pthread_mutex_unlock(&d->tx.lock);
	pthread_mutex_lock(&d->rx.lock);
	out->rx = d->rx.st;
	for (size_t i = 0; i < d->rx.nin; i++)
		add_esp_stats(&out->esp_in, rove_esp_stats(d->rx.in[i].sa));
	pthread_mutex_unlock(&d->rx.lock);
	pthread_mutex_lock(&d->ike_lock);
	out->ike_dropped = d->ike_dropped;
	pthread_mutex_unlock(&d->ike_lock);
}

static void stop_workers(struct dpu *d)
{
	uint64_t one = 1;

	atomic_store(&d->stopping, true);
	if (d->stop_fd >= 0 && write(d->stop_fd, &one, sizeof(one)) < 0)
		return; /* cannot happen on a fresh eventfd; the joins would hang */
	if (d->tx_started)
		pthread_join(d->tx_thread, NULL);
	if (d->rx_started)
		pthread_join(d->rx_thread, NULL);
	d->tx_started = d->rx_started = false;
}

/* Whether a NAT-T socket reports each datagram's outer TOS (IPv4) or
 * traffic class (IPv6): the receive worker needs its ECN bits for RFC 6040
 * decapsulation. */
static void report_tos(const struct dpu_sock *sk, int on)
{
	if (sk->bound.family == AF_INET6)
		setsockopt(sk->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof(on));
	else
		setsockopt(sk->fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof(on));
}

/* The NAT-T sockets go back to the daemon's IKE code as they came: one
 * datagram per read, no TOS. */
static void release_sockets(struct dpu *d)
{
	int zero = 0;

	for (int f = 0; f < 2; f++) {
		struct dpu_sock *sk = &d->sock[f];

		if (sk->fd < 0)
			continue;
		if (sk->udp_gro)
			setsockopt(sk->fd, IPPROTO_UDP, UDP_GRO, &zero, sizeof(zero));
		report_tos(sk, 0);
	}
}

static void us_destroy(struct rove_datapath *dp)
{
	struct dpu *d = priv(dp);

	stop_workers(d);
	release_sockets(d);
	drop_routes(d);
	rove_tun_close(&d->tun); /* the kernel removes it, its addresses and routes */
	rove_esp_sa_free(d->tx.sa);
	for (size_t i = 0; i < d->rx.nin; i++)
		rove_esp_sa_free(d->rx.in[i].sa);
	while (d->ike_n) {
		free(d->ike[d->ike_head]);
		d->ike_head = (d->ike_head + 1) % DPU_IKE_MAX;
		d->ike_n--;
	}
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	if (d->ike_fd >= 0)
		close(d->ike_fd);
	if (d->go_fd >= 0)
		close(d->go_fd);
	if (d->nl)
		rove_nl_close(d->nl);
	pthread_mutex_destroy(&d->tx.lock);
	pthread_mutex_destroy(&d->rx.lock);
	pthread_mutex_destroy(&d->ike_lock);
	free(d->tx.rbuf);
	free(d->tx.arena);
	free(d->rx.bufs);
	free(d);
}

static const struct rove_datapath_ops userspace_ops = {
	.name = "userspace",
	.install = us_install,
	.install_inbound = us_install_inbound,
	.install_outbound = us_install_outbound,
	.remove = us_remove,
	.configure = us_configure,
	.counters = us_counters,
	.destroy = us_destroy,
	.uplink = us_uplink,
	.update = us_update,
};

/* ---- creation ------------------------------------------------------------ */

/* Until an SA says which cipher, assume the one with the most overhead
 * (AES-CBC and HMAC-SHA2-512: 16-byte IV, up to 17 bytes of padding and
 * trailer, 32-byte ICV), so no early packet is too big. */
static size_t worst_mtu(unsigned path_mtu, int family)
{
	size_t fixed = (family == AF_INET6 ? 40 : 20) + 8 + 8 + 16 + 32;

	return path_mtu > fixed + 16 ? (path_mtu - fixed) / 16 * 16 - 2 : 0;
}

static int start_workers(struct dpu *d, struct rove_err *err)
{
	sigset_t all, old;
	int r;

	/* Signals belong to the daemon's thread (GLib's signal sources). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&d->rx_thread, NULL, dpu_rx_main, d);
	d->rx_started = r == 0;
	if (r == 0) {
		r = pthread_create(&d->tx_thread, NULL, dpu_tx_main, d);
		d->tx_started = r == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot start the datapath threads: %s"),
				    strerror(r));
	return 0;
}

/* As large as root may make it, else as large as the sysctl allows. */
static void set_buffer(int fd, int force, int plain)
{
	int size = SOCKET_BUFFER;

	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, plain, &size, sizeof(size));
}

static int alloc_buffers(struct dpu *d, struct rove_err *err)
{
	int one = 1;

	d->tx.stride = (DPU_TX_HEAD + d->path_mtu + DPU_TX_TAIL + 63) / 64 * 64;
	d->tx.rbuf = malloc(ROVE_TUN_VNET_LEN + 65536);
	d->tx.arena = aligned_alloc(64, DPU_TX_SLOTS * d->tx.stride);
	d->rx.bufs = malloc((size_t)DPU_RX_VLEN * DPU_RX_BUF + ROVE_GRO_BUF);
	if (!d->tx.rbuf || !d->tx.arena || !d->rx.bufs)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rove_gro_init(&d->rx.gro, d->rx.bufs + (size_t)DPU_RX_VLEN * DPU_RX_BUF);
	d->tx.gso = true; /* until a send says otherwise */
	for (int f = 0; f < 2; f++) {
		struct dpu_sock *sk = &d->sock[f];

		if (sk->fd < 0)
			continue;
		sk->udp_gro = setsockopt(sk->fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)) == 0;
		report_tos(sk, 1);
		/* A burst of ESP outruns the default 208 KiB receive buffer
		 * while the thread decrypts: every overflow is a lost packet
		 * for TCP inside. */
		set_buffer(sk->fd, SO_RCVBUFFORCE, SO_RCVBUF);
		set_buffer(sk->fd, SO_SNDBUFFORCE, SO_SNDBUF);
	}
	return 0;
}

struct rove_datapath *rove_datapath_userspace_new(const struct rove_dpu_config *cfg,
						  struct rove_err *err)
{
	struct dpu *d = calloc(1, sizeof(*d));
	char name[ROVE_IFNAMSIZ];

	if (!d) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	d->dp.ops = &userspace_ops;
	d->dp.priv = d;
	d->tun.fd = d->stop_fd = d->ike_fd = d->go_fd = -1;
	atomic_init(&d->rx_go, !cfg->rx_later);
	d->sock[0].fd = d->sock[1].fd = -1;
	*dpu_sock_for(d, cfg->natt_bound.family) = (struct dpu_sock){ .fd = cfg->natt_fd,
								     .bound = cfg->natt_bound };
	if (cfg->have_alt && cfg->alt_bound.family != cfg->natt_bound.family)
		*dpu_sock_for(d, cfg->alt_bound.family) = (struct dpu_sock){ .fd = cfg->alt_fd,
									    .bound = cfg->alt_bound };
	d->path_mtu = cfg->path_mtu ? cfg->path_mtu : DEFAULT_PATH_MTU;
	d->manage_routes = cfg->manage_routes;
	pthread_mutex_init(&d->tx.lock, NULL);
	pthread_mutex_init(&d->rx.lock, NULL);
	pthread_mutex_init(&d->ike_lock, NULL);
	if (d->path_mtu < 576 || d->path_mtu > 9216) {
		rove_err_set(err, ROVE_E_INVAL, _("path MTU %u is outside 576..9216"), d->path_mtu);
		goto fail;
	}
	d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->ike_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	d->go_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->stop_fd < 0 || d->ike_fd < 0 || d->go_fd < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot create an eventfd: %s"), strerror(errno));
		goto fail;
	}
	if (alloc_buffers(d, err) < 0)
		goto fail;
	if (d->manage_routes && !(d->nl = rove_nl_open(NETLINK_ROUTE, err)))
		goto fail;
	if (rove_tun_open(&d->tun, rove_tun_name_for(cfg->name, name), err) < 0 ||
	    set_mtu(d, worst_mtu(d->path_mtu, cfg->natt_bound.family), err) < 0)
		goto fail;
	d->tx.inner_mtu = d->mtu_set;
	if (start_workers(d, err) < 0)
		goto fail;
	return &d->dp;
fail:
	rove_err_prefix(err, _("userspace datapath"));
	us_destroy(&d->dp);
	return NULL;
}
