/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Choosing the datapath (the profile's datapath=) before the session
 * starts, and feeding the engine the IKE messages the userspace datapath
 * takes off the shared NAT-T socket.
 *
 * auto: the kernel when it can install an ESP SA (a probe SA in our reqid
 * range), else userspace. kernel/userspace: that one, or a clear error. */
#include "daemon.h"
#include "i18n.h"
#include "datapath_kernel.h"
#include "datapath_userspace.h"

#include <glib-unix.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <stdio.h>

#include "nl.h"
#include "xfrm.h"

/* A stable index per profile name, so a crashed session's reqid is known
 * again from its name alone (FNV-1a folded to 16 bits; 0xffff is the
 * probe's). */
uint16_t rove_daemon_reqid_index(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	h = (h >> 16) ^ (h & 0xffff);
	return (uint16_t)(h == 0xffff ? 0xfffe : h);
}

static bool kernel_has_esp(struct rove_err *err)
{
	struct rove_nl *nl = rove_nl_open(NETLINK_XFRM, err);
	int r;

	if (!nl)
		return false;
	r = rove_xfrm_probe(nl, err);
	rove_nl_close(nl);
	return r == 0;
}

static struct rove_datapath *open_kernel(struct rove_daemon *d, struct rove_err *err)
{
	struct rove_datapath *dp;

	/* Our own IKE packets must never match the tunnel's policies, and
	 * ESP in UDP on the NAT-T socket belongs to the kernel. */
	if (rove_xfrm_socket_bypass(d->udp->fd[ROVE_UDP_IKE], d->udp->family, err) < 0 ||
	    rove_xfrm_socket_bypass(d->udp->fd[ROVE_UDP_NATT], d->udp->family, err) < 0 ||
	    rove_xfrm_socket_encap(d->udp->fd[ROVE_UDP_NATT], err) < 0)
		return NULL;
	uint32_t reqid = rove_xfrm_reqid(rove_daemon_reqid_index(d->name));
	char ifname[IF_NAMESIZE];

	if (d->apply_system)
		return rove_datapath_kernel_new(&d->gateway, reqid, err);
	/* The caller configures the tunnel: it needs a device, an XFRM
	 * interface named like the userspace datapath's TUN. */
	snprintf(ifname, sizeof(ifname), "rove-%s", d->name);
	dp = rove_datapath_kernel_new_xfrmi(&d->gateway, reqid, ifname, err);
	return dp;
}

static struct rove_datapath *open_userspace(struct rove_daemon *d, struct rove_err *err)
{
	struct rove_dpu_config c = {
		.name = d->name,
		.natt_fd = d->udp->fd[ROVE_UDP_NATT],
		.natt_bound = d->udp->bound[ROVE_UDP_NATT],
		.manage_routes = d->apply_system,
		.rx_later = true,
	};

	/* A move to the other outer family needs its NAT-T socket too. */
	rove_daemon_path_open_alt(d, false);
	if (d->have_alt) {
		c.have_alt = true;
		c.alt_fd = d->udp_alt.fd[ROVE_UDP_NATT];
		c.alt_bound = d->udp_alt.bound[ROVE_UDP_NATT];
	}
	return rove_datapath_userspace_new(&c, err);
}

static gboolean on_dpu_ike(gint fd, GIOCondition cond, gpointer data)
{
	struct rove_daemon *d = data;
	struct rove_addr local, remote;
	size_t n;

	while ((n = rove_datapath_userspace_pop_ike(d->dp, d->rx, sizeof(d->rx), &local,
						     &remote)) > 0) {
		rove_session_recv(d->s, d->rx, n, &local, &remote, rove_daemon_now());
		rove_daemon_reauth_recv(d, d->rx, n, &local, &remote, rove_daemon_now());
		rove_daemon_pump(d);
	}
	return G_SOURCE_CONTINUE;
}

int rove_daemon_dp_choose(enum rove_datapath_pref pref, enum rove_datapath_pref *out,
			  struct rove_err *err)
{
	struct rove_err kerr;
	bool kernel = false;

	if (pref != ROVE_DP_USERSPACE) {
		kernel = kernel_has_esp(&kerr);
		if (!kernel && pref == ROVE_DP_KERNEL)
			return rove_err_set(err, ROVE_E_UNSUPPORTED,
					    _("datapath=kernel: this kernel cannot install an ESP SA "
					      "(%s); use datapath=auto or datapath=userspace"), kerr.msg);
	}
	*out = kernel ? ROVE_DP_KERNEL : ROVE_DP_USERSPACE;
	return 0;
}

int rove_daemon_dp_open(struct rove_daemon *d, struct rove_err *err)
{
	enum rove_datapath_pref dp;
	bool kernel;

	/* rove_runner_new probed the kernel already, before the first packet. */
	if (d->dp_resolved && d->dp_pref != ROVE_DP_AUTO)
		dp = d->dp_pref;
	else if (rove_daemon_dp_choose(d->dp_pref, &dp, err) < 0)
		return -1;
	kernel = dp == ROVE_DP_KERNEL;
	if (kernel) {
		d->dp = open_kernel(d, err);
		if (!d->dp)
			return rove_err_prefix(err, _("datapath=kernel cannot work here"));
		d->dpu = false;
		return 0;
	}
	d->dp = open_userspace(d, err);
	if (!d->dp)
		return rove_err_prefix(err, _("the userspace datapath cannot start"));
	d->dpu = true;
	return 0;
}

/* The first SA is in, so ESP may come: the userspace datapath's receiving
 * thread takes the NAT-T socket over from the loop, and IKE comes from
 * its queue from now on. Once; nothing for the kernel datapath. */
void rove_daemon_dp_natt_handover(struct rove_daemon *d)
{
	if (!d->dpu || d->dpu_rx)
		return;
	d->dpu_rx = true;
	if (d->watch[ROVE_W_NATT]) {
		g_source_destroy(d->watch[ROVE_W_NATT]);
		g_source_unref(d->watch[ROVE_W_NATT]);
	}
	d->watch[ROVE_W_NATT] = rove_daemon_dp_ike_source(d);
	g_source_attach(d->watch[ROVE_W_NATT], d->ctx);
	rove_datapath_userspace_start_rx(d->dp);
}

/* The NAT-T socket is the userspace datapath's now: IKE comes from it. */
GSource *rove_daemon_dp_ike_source(struct rove_daemon *d)
{
	GSource *src;

	if (!d->dpu)
		return NULL;
	src = g_unix_fd_source_new(rove_datapath_userspace_ike_fd(d->dp), G_IO_IN);
	g_source_set_callback(src, G_SOURCE_FUNC(on_dpu_ike), d, NULL);
	return src;
}
