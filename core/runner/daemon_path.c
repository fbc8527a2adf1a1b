/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Following the path to the gateway: rtnetlink changes (netwatch.h) end in
 * one look at the source address the kernel would now use towards the
 * gateway; a new one moves the datapath's pinned route, then the engine
 * (MOBIKE's UPDATE_SA_ADDRESSES), and the gateway's answer moves the SAs
 * in place (ROVE_EV_PATH_UPDATED). No address at all parks the session.
 * A clock check every few seconds notices a suspend (or a stopped
 * process) and checks the gateway at once. */
#include "cleanup.h"
#include "i18n.h"
#include "daemon.h"
#include "xfrm.h"

#include <glib-unix.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

#define SETTLE_MS 20         /* notifications come in bursts: look once they settle */
#define CLOCK_PERIOD_MS 2000
#define CLOCK_SLACK_MS 3000  /* more missed than this: asleep or stopped */

static bool same_host(const struct rove_addr *a, const struct rove_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, rove_addr_len(a));
}

static void note_vips(struct rove_daemon *d, int oif)
{
	struct rove_err err;

	if (d->dpu || !d->apply_system || !d->state || oif <= 0)
		return;
	if (d->config.has_vip4)
		rove_state_add_vip(d->state, oif, &d->config.vip4, &err);
	if (d->config.has_vip6)
		rove_state_add_vip(d->state, oif, &d->config.vip6, &err);
}

static void park(struct rove_daemon *d, const char *why)
{
	if (!d->path_parked)
		rove_daemon_say(d, 'p', _("no path to the gateway (%s): the session waits for one"), why);
	d->path_parked = true;
	rove_session_path_changed(d->s, NULL, rove_daemon_now());
	rove_daemon_pump(d);
}

static bool family_usable(const struct rove_daemon *d, int family)
{
	return family == d->udp->family || (d->have_alt && family == d->udp_alt.family);
}

/* The gateway address to reach and our source towards it: the one in use,
 * else the configured one, else one of the gateway's additional addresses
 * (another family, when ours has no path any more). */
static int find_path(struct rove_daemon *d, struct rove_addr *gw, struct rove_addr *src,
		     struct rove_route *r, struct rove_err *err)
{
	struct rove_session_info info;
	struct rove_addr cand[6], excl[2];
	size_t n = 0, nexcl = 0;

	rove_session_get_info(d->s, &info);
	cand[n++] = info.remote;
	cand[n++] = d->gateway;
	for (size_t i = 0; i < info.npeer_addrs && i < 4; i++)
		cand[n++] = info.peer_addrs[i];
	if (d->config.has_vip4)
		excl[nexcl++] = d->config.vip4.addr;
	if (d->config.has_vip6)
		excl[nexcl++] = d->config.vip6.addr;
	for (size_t i = 0; i < n; i++) {
		struct rove_err e2;

		if (!family_usable(d, cand[i].family))
			continue;
		cand[i].port = 0;
		if (rove_netwatch_source(d->nw_rt, &cand[i], excl, nexcl, src, r,
					 i ? &e2 : err) == 0) {
			*gw = cand[i];
			return 0;
		}
	}
	return -1;
}

static void path_check(struct rove_daemon *d)
{
	struct rove_addr src, gw;
	struct rove_route r;
	struct rove_session_info info;
	struct rove_err err;
	char a[ROVE_ADDR_STRLEN];

	if (!d->nw_rt || !d->announced_up || d->closing || d->finished)
		return;
	if (find_path(d, &gw, &src, &r, &err) < 0) {
		park(d, err.msg);
		return;
	}
	if (!d->path_parked && same_host(&src, &d->path_src) && same_host(&gw, &d->path_gw))
		return;
	rove_addr_str(&src, a, sizeof(a));
	if (d->path_parked)
		rove_daemon_say(d, 'p', _("resuming: reaching the gateway from %s"), a);
	else
		rove_daemon_say(d, 'p', _("the path changed: reaching the gateway from %s"), a);
	d->path_parked = false;
	d->path_src = src;
	d->path_gw = gw;
	/* The pinned route first: the address update must leave on the new path. */
	if (d->dp->ops->uplink && d->dp->ops->uplink(d->dp, &gw, &err) < 0)
		rove_daemon_say(d, 'p', "%s", err.msg);
	note_vips(d, r.oif);
	if (rove_session_path_changed(d->s, &src, rove_daemon_now()) == 0) {
		/* The engine may pick another of the gateway's addresses. */
		rove_session_get_info(d->s, &info);
		info.remote.port = 0;
		if (!same_host(&info.remote, &gw) && d->dp->ops->uplink &&
		    d->dp->ops->uplink(d->dp, &info.remote, &err) < 0)
			rove_daemon_say(d, 'p', "%s", err.msg);
		d->path_gw = info.remote;
	}
	/* Else the engine could not follow: without MOBIKE it failed the
	 * session (ROVE_FAIL_PATH_CHANGED), which reconnects from the new
	 * address (reconnect=yes); without a gateway address of the new
	 * family it stays on the old path until its liveness check fails. */
	rove_daemon_pump(d);
}

static gboolean on_settled(gpointer data)
{
	struct rove_daemon *d = data;

	g_source_unref(d->nw_timer);
	d->nw_timer = NULL;
	path_check(d);
	return G_SOURCE_REMOVE;
}

static gboolean on_net(gint fd, GIOCondition cond, gpointer data)
{
	struct rove_daemon *d = data;

	(void)fd;
	(void)cond;
	if (!rove_netwatch_drain(d->nw) || d->nw_timer)
		return G_SOURCE_CONTINUE;
	d->nw_timer = g_timeout_source_new(SETTLE_MS);
	g_source_set_callback(d->nw_timer, on_settled, d, NULL);
	g_source_attach(d->nw_timer, d->ctx);
	return G_SOURCE_CONTINUE;
}

static gboolean on_clock(gpointer data)
{
	struct rove_daemon *d = data;
	uint64_t mono, boot, missed;

	rove_clockwatch_now(&mono, &boot);
	missed = rove_clockwatch_sample(&d->clock, mono, boot, CLOCK_PERIOD_MS, CLOCK_SLACK_MS);
	if (missed && d->announced_up && !d->closing) {
		rove_daemon_say(d, 'p', _("the session missed %llu s (suspended or stopped): "
				  "checking the gateway"), (unsigned long long)(missed / 1000));
		path_check(d);
		if (!d->path_parked && !d->finished) {
			rove_session_check_path(d->s, rove_daemon_now());
			rove_daemon_pump(d);
		}
	}
	return G_SOURCE_CONTINUE;
}

struct rove_udp *rove_daemon_udp_for(struct rove_daemon *d, const struct rove_addr *local)
{
	return d->have_alt && local->family == d->udp_alt.family ? &d->udp_alt : d->udp;
}

static gboolean on_ike_alt(gint fd, GIOCondition cond, gpointer data)
{
	struct rove_daemon *d = data;

	rove_daemon_read(d, &d->udp_alt, ROVE_UDP_IKE);
	return G_SOURCE_CONTINUE;
}

static gboolean on_natt_alt(gint fd, GIOCondition cond, gpointer data)
{
	struct rove_daemon *d = data;

	rove_daemon_read(d, &d->udp_alt, ROVE_UDP_NATT);
	return G_SOURCE_CONTINUE;
}

static void watch_fd(struct rove_daemon *d, int slot, int fd, GSourceFunc cb)
{
	d->watch[slot] = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(d->watch[slot], cb, d, NULL);
	g_source_attach(d->watch[slot], d->ctx);
}

/* IKE sockets of the other family, on the same ports (the engine keeps
 * its ports across a move). With the kernel datapath both bypass the
 * tunnel and the NAT-T one takes ESP in UDP like the first ones; with the
 * userspace datapath its NAT-T socket is the datapath's to read (handed
 * over when it is created, so this runs first), the daemon reads port 500. */
void rove_daemon_path_open_alt(struct rove_daemon *d, bool kernel)
{
	int fam = d->udp->family == AF_INET ? AF_INET6 : AF_INET;
	struct rove_err err;

	if (!d->mobike || d->have_alt || rove_udp_open(&d->udp_alt, fam, NULL, &err) < 0)
		return;
	if (d->udp_alt.bound[ROVE_UDP_IKE].port != d->udp->bound[ROVE_UDP_IKE].port ||
	    d->udp_alt.bound[ROVE_UDP_NATT].port != d->udp->bound[ROVE_UDP_NATT].port ||
	    (kernel && (rove_xfrm_socket_bypass(d->udp_alt.fd[ROVE_UDP_IKE], fam, &err) < 0 ||
			rove_xfrm_socket_bypass(d->udp_alt.fd[ROVE_UDP_NATT], fam, &err) < 0 ||
			rove_xfrm_socket_encap(d->udp_alt.fd[ROVE_UDP_NATT], &err) < 0))) {
		rove_udp_close(&d->udp_alt);
		return;
	}
	d->have_alt = true;
	watch_fd(d, ROVE_W_IKE_ALT, d->udp_alt.fd[ROVE_UDP_IKE], G_SOURCE_FUNC(on_ike_alt));
	if (kernel)
		watch_fd(d, ROVE_W_NATT_ALT, d->udp_alt.fd[ROVE_UDP_NATT],
			 G_SOURCE_FUNC(on_natt_alt));
}

int rove_daemon_path_open(struct rove_daemon *d, struct rove_err *err)
{
	uint64_t mono, boot;

	rove_clockwatch_now(&mono, &boot);
	rove_clockwatch_sample(&d->clock, mono, boot, CLOCK_PERIOD_MS, CLOCK_SLACK_MS);
	d->clock_timer = g_timeout_source_new(CLOCK_PERIOD_MS);
	g_source_set_callback(d->clock_timer, on_clock, d, NULL);
	g_source_attach(d->clock_timer, d->ctx);
	if (!d->mobike)
		return 0;
	d->nw = rove_netwatch_new(err);
	if (!d->nw)
		return -1;
	d->nw_rt = rove_nl_open(NETLINK_ROUTE, err);
	if (!d->nw_rt) {
		rove_netwatch_free(d->nw);
		d->nw = NULL;
		return -1;
	}
	watch_fd(d, ROVE_W_NET, rove_netwatch_fd(d->nw), G_SOURCE_FUNC(on_net));
	rove_daemon_path_open_alt(d, !d->dpu); /* done already for the userspace datapath */
	return 0;
}

void rove_daemon_path_up(struct rove_daemon *d)
{
	struct rove_session_info info;

	rove_session_get_info(d->s, &info);
	d->path_src = info.local;
	d->path_src.port = 0;
	d->path_gw = info.remote;
	d->path_gw.port = 0;
	/* The path may have moved while the session was connecting. */
	path_check(d);
}

void rove_daemon_path_updated(struct rove_daemon *d, const struct rove_child_sa *sa)
{
	struct rove_err err;

	if (!sa || !d->dp->ops->update)
		return;
	if (d->dp->ops->update(d->dp, sa, &err) < 0)
		rove_daemon_say(d, 'p', "%s", err.msg);
}

static void drop(GSource **src)
{
	if (*src) {
		g_source_destroy(*src);
		g_source_unref(*src);
		*src = NULL;
	}
}

void rove_daemon_path_close(struct rove_daemon *d)
{
	drop(&d->nw_timer);
	drop(&d->clock_timer);
	drop(&d->watch[ROVE_W_NET]);
	drop(&d->watch[ROVE_W_IKE_ALT]);
	drop(&d->watch[ROVE_W_NATT_ALT]);
	/* After the datapath is gone: the userspace one reads the NAT-T one. */
	if (d->have_alt && !d->dp)
		rove_udp_close(&d->udp_alt);
	if (!d->dp)
		d->have_alt = false;
	rove_nl_close(d->nw_rt);
	d->nw_rt = NULL;
	rove_netwatch_free(d->nw);
	d->nw = NULL;
}
