/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loop that drives the engine: after every engine call, send what it
 * queued, react to its events and re-arm one timer at its next deadline.
 * Nothing polls: the loop sleeps until a socket, a signal or that timer. */
#include "daemon.h"
#include "i18n.h"
#include "rundir.h"
#include "cleanup.h"
#include "datapath_kernel.h"
#include "datapath_userspace_int.h"
#include "dns.h"
#include "mschapv2.h"
#include "nl.h"
#include "route.h"
#include "xfrm.h"

#include <net/if.h>
#include <linux/netlink.h>

#include <glib-unix.h>
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLOSE_BOUND_MS 3000
/* GLib takes a guint of ms; the engine's deadlines are never this far. */
#define MAX_SLEEP_MS (3600u * 1000u)


uint64_t rove_daemon_now(void)
{
	return (uint64_t)(g_get_monotonic_time() / 1000);
}

/* Messages carry text from the network (identities, notify data): keep
 * control characters out of the pipe protocol and the terminal. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void rove_daemon_say(struct rove_daemon *d, char kind, const char *fmt, ...)
{
	char msg[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sanitize(msg);
	if (kind == 'f') {
		snprintf(d->fail_msg, sizeof(d->fail_msg), "%s", msg);
		if (d->fail_reason == ROVE_FAIL_NONE)
			d->fail_reason = ROVE_FAIL_INTERNAL;
	}
	if (d->cb && d->cb->say)
		d->cb->say(d->cb_data, kind, msg);
}

/* Tells the caller the state when it changed: derived from the loop's own
 * flags after every pump, so no code path has to remember to say it. */
static void tell_state(struct rove_daemon *d, enum rove_runner_state st)
{
	const char *msg = st == ROVE_RUNNER_FAILED ? d->fail_msg : "";
	enum rove_fail why = st == ROVE_RUNNER_FAILED ? d->fail_reason : ROVE_FAIL_NONE;

	if (d->last_state == (int)st)
		return;
	d->last_state = (int)st;
	if (st == ROVE_RUNNER_CONNECTED && !d->connected_since)
		d->connected_since = (uint64_t)time(NULL);
	if (d->cb && d->cb->state)
		d->cb->state(d->cb_data, st, msg, why);
}

static enum rove_runner_state current_state(const struct rove_daemon *d)
{
	if (d->reconnecting)
		return ROVE_RUNNER_RECONNECTING;
	if (d->path_parked)
		return ROVE_RUNNER_PARKED;
	return d->announced_up ? ROVE_RUNNER_CONNECTED : ROVE_RUNNER_CONNECTING;
}

static gboolean on_finished(gpointer data)
{
	struct rove_daemon *d = data;

	g_source_unref(d->finish_idle);
	d->finish_idle = NULL;
	rove_daemon_teardown(d);
	tell_state(d, d->exit_code ? ROVE_RUNNER_FAILED : ROVE_RUNNER_DISCONNECTED);
	/* Last: the callee may free us. */
	if (d->cb && d->cb->finished)
		d->cb->finished(d->cb_data, d->exit_code);
	return G_SOURCE_REMOVE;
}

static void finish(struct rove_daemon *d)
{
	if (d->finished)
		return;
	d->finished = true;
	/* Not from here: we may be deep inside an engine call. */
	d->finish_idle = g_idle_source_new();
	g_source_set_callback(d->finish_idle, on_finished, d, NULL);
	g_source_attach(d->finish_idle, d->ctx);
}

void rove_daemon_finish_now(struct rove_daemon *d)
{
	finish(d);
}

static void fail(struct rove_daemon *d, const char *msg)
{
	d->exit_code = 1;
	rove_daemon_say(d, 'f', "%s", msg);
}

void rove_daemon_end(struct rove_daemon *d, const char *msg)
{
	fail(d, msg);
	finish(d);
}

static void say_child(struct rove_daemon *d, const struct rove_child_sa *sa)
{
	char line[512] = "", ts[128];
	size_t off = 0;

	for (size_t i = 0; i < sa->nts_remote && i < 8 && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? ", " : "",
					rove_ts_str(&sa->ts_remote[i], ts, sizeof(ts)));
	rove_daemon_say(d, 'p', _("networks through the tunnel: %s (ESP %.*s%s)"), line,
			(int)sizeof(sa->proposal), sa->proposal, sa->encap ? ", UDP-encapsulated" : "");
}

/* The link DNS goes on: the TUN, or for the kernel datapath the outer
 * interface towards the gateway. */
static int dns_ifindex(struct rove_daemon *d)
{
	struct rove_route r;
	struct rove_err err;
	struct rove_nl *nl;
	int idx = 0;

	if (d->dpu)
		return (int)if_nametoindex(rove_datapath_userspace_ifname(d->dp));
	nl = rove_nl_open(NETLINK_ROUTE, &err);
	if (nl && rove_route_get(nl, &d->gateway, &r, &err) == 0)
		idx = r.oif;
	rove_nl_close(nl);
	return idx;
}

static void apply_dns(struct rove_daemon *d)
{
	struct rove_err err;
	char a[ROVE_ADDR_STRLEN];

	d->dns = rove_dns_apply(d->name, dns_ifindex(d), &d->config, d->full_tunnel,
				rove_run_dir(), &err);
	if (!d->dns) {
		if (err.code != ROVE_E_OK)
			rove_daemon_say(d, 'p', _("DNS left unchanged: %s"), err.msg);
		return;
	}
	rove_state_hold(d->state);
	rove_state_set(d->state, "dns", rove_dns_method(d->dns), &err);
	rove_state_set(d->state, "dns_record", rove_dns_record_path(d->dns), &err);
	if (rove_state_flush(d->state, &err) < 0)
		rove_daemon_say(d, 'p', "%s", err.msg);
	rove_daemon_say(d, 'p', _("DNS %s set through %s"),
			rove_addr_str(&d->config.dns[0], a, sizeof(a)), rove_dns_method(d->dns));
}

/* The kernel datapath puts the virtual IPs on the outer interface, where
 * they outlive a crash: note them for rove_cleanup_stale. (On the TUN they
 * go with the device.) */
static void record_vips(struct rove_daemon *d)
{
	struct rove_err err;
	int idx;

	if (d->dpu || !d->apply_system || !d->state || (idx = dns_ifindex(d)) <= 0)
		return;
	if (d->config.has_vip4)
		rove_state_add_vip(d->state, idx, &d->config.vip4, &err);
	if (d->config.has_vip6)
		rove_state_add_vip(d->state, idx, &d->config.vip6, &err);
}

/* The configuration for a caller that applies it itself (runner.h). */
void rove_daemon_report_ipconfig(struct rove_daemon *d)
{
	struct rove_runner_ipconfig ip = { 0 };
	struct rove_session_info info;
	struct rove_prefix routes[128];
	size_t n = 0;

	if (!d->cb || !d->cb->ipconfig)
		return;
	rove_session_get_info(d->s, &info);
	ip.config = &d->config;
	/* The newest child's selectors (they are the same for all). */
	for (size_t i = info.nchildren; i-- > 0 && !n;) {
		const struct rove_child_sa *c = info.children[i];

		for (size_t k = 0; c && k < c->nts_remote && k < 8 && n < G_N_ELEMENTS(routes); k++)
			n += dpu_ts_prefixes(&c->ts_remote[k], routes + n,
					     G_N_ELEMENTS(routes) - n);
	}
	ip.routes = routes;
	ip.nroutes = n;
	ip.full_tunnel = d->full_tunnel;
	ip.datapath = d->dp->ops->name;
	ip.device = d->dpu ? rove_datapath_userspace_ifname(d->dp)
			   : rove_datapath_kernel_ifname(d->dp);
	ip.mtu = d->dpu ? rove_datapath_userspace_mtu(d->dp) : 0;
	ip.gateway = info.remote;
	ip.local = info.local;
	d->cb->ipconfig(d->cb_data, &ip);
}

static void report_ipconfig(struct rove_daemon *d)
{
	rove_daemon_report_ipconfig(d);
}

/* Up means what the user asked for is there: an ESP SA and an address. */
static void check_up(struct rove_daemon *d)
{
	if (d->announced_up || d->closing || !d->got_child || !d->got_config)
		return;
	if (!d->have_vip) {
		fail(d, _("the gateway assigned no virtual IP address: "
			  "check the gateway's address pool"));
		rove_daemon_close(d);
		return;
	}
	d->announced_up = true;
	rove_daemon_reauth_schedule(d);
	if (d->apply_system) {
		apply_dns(d);
		rove_daemon_block_apply(d);
	}
	rove_daemon_say(d, 'p', _("datapath %s"), d->dp->ops->name);
	report_ipconfig(d);
	rove_daemon_path_up(d);
}

static void handle_event(struct rove_daemon *d, const struct rove_event *ev)
{
	struct rove_err err;

	switch (ev->type) {
	case ROVE_EV_PROGRESS:
		rove_daemon_say(d, 'p', "%s", ev->msg);
		break;
	case ROVE_EV_LOG:
		if (d->verbose)
			rove_daemon_say(d, 'v', "%s", ev->msg);
		break;
	case ROVE_EV_IKE_UP:
		break;
	case ROVE_EV_CONFIG:
		d->got_config = true;
		d->have_vip = ev->config->has_vip4 || ev->config->has_vip6;
		/* After a reconnect the addresses and routes are there already. */
		if (d->announced_up) {
			if (rove_daemon_reconfigure(d, ev->config, &err) < 0) {
				fail(d, err.msg);
				rove_daemon_close(d);
			}
			record_vips(d);
			break;
		}
		d->config = *ev->config;
		/* The engine announces the addresses and DNS itself. */
		if (d->dp->ops->configure(d->dp, ev->config, &err) < 0) {
			fail(d, err.msg);
			rove_daemon_close(d);
		}
		record_vips(d);
		break;
	case ROVE_EV_CHILD_UP:
		/* After a rekey the engine says so itself (a progress line). */
		if (!d->got_child)
			say_child(d, ev->child);
		d->got_child = true;
		d->full_tunnel |= rove_dns_full_tunnel(ev->child->ts_remote, ev->child->nts_remote);
		if ((ev->inbound_only ? d->dp->ops->install_inbound(d->dp, ev->child, &err)
				      : rove_daemon_install_child(d, ev->child, &err)) < 0) {
			fail(d, err.msg);
			rove_daemon_close(d);
			break;
		}
		rove_daemon_dp_natt_handover(d);
		rove_daemon_reconnected(d);
		break;
	case ROVE_EV_CHILD_OUTBOUND:
		if (d->dp->ops->install_outbound(d->dp, ev->child, &err) < 0) {
			fail(d, err.msg);
			rove_daemon_close(d);
		}
		break;
	case ROVE_EV_CHILD_DOWN:
		/* A failed session's child stays in while we may reconnect:
		 * its routes keep the traffic from leaking in clear. */
		if (ev->child && rove_session_state(d->s) == ROVE_ST_CLOSED &&
		    (d->reconnect || d->redirect_pending) && d->announced_up && !d->closing)
			rove_daemon_keep_child(d, ev->child);
		else if (ev->child)
			d->dp->ops->remove(d->dp, ev->child);
		break;
	case ROVE_EV_FAILED:
		rove_daemon_reauth_abort(d);
		if (rove_daemon_wants_reconnect(d, ev->reason)) {
			d->down_fail = ev->reason;
			rove_daemon_reconnect_later(d, ev->msg);
			break;
		}
		d->fail_reason = ev->reason;
		fail(d, ev->msg);
		finish(d);
		break;
	case ROVE_EV_CLOSED:
		rove_daemon_say(d, 'p', "%s", ev->msg[0] ? ev->msg : _("closed"));
		finish(d);
		break;
	case ROVE_EV_REDIRECT:
		rove_daemon_reauth_abort(d);
		rove_daemon_redirect(d, ev);
		break;
	case ROVE_EV_PATH_UPDATED:
		rove_daemon_path_updated(d, ev->child);
		break;
	}
	check_up(d);
}

static gboolean on_timer(gpointer data)
{
	struct rove_daemon *d = data;
	GSource *t = d->timer;

	/* Returning G_SOURCE_REMOVE destroys it; forget it before pump()
	 * re-arms a new one. */
	d->timer = NULL;
	g_source_unref(t);
	rove_session_handle_timer(d->s, rove_daemon_now());
	rove_daemon_reauth_timer(d, rove_daemon_now());
	rove_daemon_pump(d);
	return G_SOURCE_REMOVE;
}

static void drop_source(GSource **src)
{
	if (*src) {
		g_source_destroy(*src);
		g_source_unref(*src);
		*src = NULL;
	}
}

static void rearm_timer(struct rove_daemon *d)
{
	uint64_t next = rove_session_next_timer(d->s), now = rove_daemon_now();
	uint64_t delay;

	if (rove_daemon_reauth_next_timer(d) < next)
		next = rove_daemon_reauth_next_timer(d);
	drop_source(&d->timer);
	if (d->finished || next == UINT64_MAX)
		return;
	delay = next > now ? next - now : 0;
	if (delay > MAX_SLEEP_MS)
		delay = MAX_SLEEP_MS;
	d->timer = g_timeout_source_new((guint)delay);
	g_source_set_callback(d->timer, on_timer, d, NULL);
	g_source_attach(d->timer, d->ctx);
}

void rove_daemon_pump(struct rove_daemon *d)
{
	struct rove_datagram dg;
	struct rove_event ev;
	struct rove_err err;
	bool more = true;

	while (more) {
		more = false;
		/* Events first: a new CHILD SA goes into the datapath before the
		 * answer that lets the gateway use it leaves (a rekey). An
		 * event handler may call the engine again (close): loop until
		 * both queues are empty. */
		while (rove_session_poll_event(d->s, &ev)) {
			handle_event(d, &ev);
			more = true;
		}
		while (rove_session_pop_datagram(d->s, &dg)) {
			if (rove_udp_send(rove_daemon_udp_for(d, &dg.local), &dg, &err) < 0)
				rove_daemon_say(d, 'v', "%s", err.msg);
			more = true;
		}
		more |= rove_daemon_reauth_drain(d);
	}
	rove_daemon_reauth_reap(d);
	rearm_timer(d);
	if (!d->finished)
		tell_state(d, current_state(d));
}

void rove_daemon_read(struct rove_daemon *d, struct rove_udp *udp, enum rove_udp_sock which)
{
	struct rove_addr local, remote;
	struct rove_err err;
	ssize_t n;

	/* One message at a time through the engine, so its bounded event
	 * queue is drained between messages. */
	while ((n = rove_udp_recv(udp, which, d->rx, sizeof(d->rx), &local, &remote, &err)) > 0) {
		rove_session_recv(d->s, d->rx, (size_t)n, &local, &remote, rove_daemon_now());
		rove_daemon_reauth_recv(d, d->rx, (size_t)n, &local, &remote, rove_daemon_now());
		rove_daemon_pump(d);
		/* The datapath reads this socket from now on (ESP may follow). */
		if (d->dpu_rx && udp == d->udp && which == ROVE_UDP_NATT)
			break;
	}
	if (n < 0)
		rove_daemon_say(d, 'v', "%s", err.msg);
}

static gboolean on_ike(gint fd, GIOCondition cond, gpointer data)
{
	rove_daemon_read(data, ((struct rove_daemon *)data)->udp, ROVE_UDP_IKE);
	return G_SOURCE_CONTINUE;
}

static gboolean on_natt(gint fd, GIOCondition cond, gpointer data)
{
	rove_daemon_read(data, ((struct rove_daemon *)data)->udp, ROVE_UDP_NATT);
	return G_SOURCE_CONTINUE;
}

static gboolean on_close_timeout(gpointer data)
{
	struct rove_daemon *d = data;

	g_source_unref(d->close_timer);
	d->close_timer = NULL;
	rove_daemon_say(d, 'p', _("the gateway did not confirm the close in time; closing anyway"));
	finish(d);
	return G_SOURCE_REMOVE;
}

void rove_daemon_close(struct rove_daemon *d)
{
	enum rove_state st = rove_session_state(d->s);

	if (d->closing || d->finished)
		return;
	d->closing = true;
	if (!d->announced_up && d->exit_code == 0) {
		d->exit_code = 1;
		rove_daemon_say(d, 'f', _("the session was stopped before it came up"));
	}
	rove_daemon_reauth_abort(d);
	if (st == ROVE_ST_IDLE || st == ROVE_ST_CLOSED ||
	    rove_session_close(d->s, rove_daemon_now()) < 0) {
		finish(d);
		return;
	}
	d->close_timer = g_timeout_source_new(CLOSE_BOUND_MS);
	g_source_set_callback(d->close_timer, on_close_timeout, d, NULL);
	g_source_attach(d->close_timer, d->ctx);
	rove_daemon_pump(d);
}

static void add_watch(struct rove_daemon *d, int slot, GSource *src, GSourceFunc cb)
{
	g_source_set_callback(src, cb, d, NULL);
	g_source_attach(src, d->ctx);
	d->watch[slot] = src;
}

void rove_daemon_teardown(struct rove_daemon *d)
{
	if (d->legacy_started)
		pthread_join(d->legacy, NULL);
	d->legacy_started = false;
	for (size_t i = 0; i < G_N_ELEMENTS(d->watch); i++)
		drop_source(&d->watch[i]);
	drop_source(&d->timer);
	drop_source(&d->close_timer);
	drop_source(&d->finish_idle);
	rove_daemon_reconnect_stop(d);
	rove_daemon_reauth_stop(d);
	rove_daemon_redirect_stop(d);
	rove_daemon_path_close(d);
	if (d->dns) {
		struct rove_err err;

		if (rove_dns_restore(d->dns, &err) != 0)
			rove_daemon_say(d, 'p', "%s", err.msg);
		d->dns = NULL;
	}
	rove_daemon_block_remove(d);
	if (d->dp)
		d->dp->ops->destroy(d->dp);
	d->dp = NULL;
	d->dpu_rx = false;
	rove_daemon_path_close(d); /* again: the sockets the datapath read */
	rove_state_remove(d->state);
	d->state = NULL;
	rove_session_free(d->s);
	d->s = NULL;
	d->finished = true;
}

static void *legacy_thread(void *arg)
{
	struct rove_err err;

	/* A failure is the engine's to report, at the first use. */
	rove_mschapv2_prepare(&err);
	return NULL;
}

/* MD4 and DES for MSCHAPv2 are needed two exchanges from now: OpenSSL's
 * legacy provider loads (about 2 ms) in a thread of its own, beside the
 * exchanges; a first use that comes earlier waits for it (the load runs
 * once, under CRYPTO_THREAD_run_once). Without a thread, at that use.
 * Joined at teardown: no exit while OpenSSL is in the middle of it. */
static void prepare_legacy(struct rove_daemon *d)
{
	d->legacy_started = pthread_create(&d->legacy, NULL, legacy_thread, NULL) == 0;
}

/* The state file (written once, with what a crash would leave: the TUN,
 * or the reqid and the XFRM interface), the datapath and its IKE source.
 * 0, or -1 with err. */
static int setup_datapath(struct rove_daemon *d, struct rove_err *err)
{
	d->state = rove_state_new(d->name, rove_run_dir(), err);
	if (!d->state || rove_daemon_dp_open(d, err) < 0)
		return -1;
	rove_state_set(d->state, "datapath", d->dp->ops->name, err);
	if (d->dpu) {
		rove_state_set(d->state, "tun", rove_datapath_userspace_ifname(d->dp), err);
	} else {
		char reqid[16];

		snprintf(reqid, sizeof(reqid), "0x%08x",
			 rove_xfrm_reqid(rove_daemon_reqid_index(d->name)));
		rove_state_set(d->state, "reqid", reqid, err);
		/* The XFRM interface outlives a crash: cleanup deletes it. */
		if (rove_datapath_kernel_ifname(d->dp)[0])
			rove_state_set(d->state, "xfrmi", rove_datapath_kernel_ifname(d->dp), err);
	}
	if (rove_state_flush(d->state, err) < 0)
		return -1;
	/* The loop reads IKE on the NAT-T socket itself until the userspace
	 * datapath's receiving thread takes it over with the first SA
	 * (rove_daemon_dp_natt_handover): no hand-off between threads for the
	 * IKE_AUTH answers. */
	add_watch(d, ROVE_W_NATT, g_unix_fd_source_new(d->udp->fd[ROVE_UDP_NATT], G_IO_IN),
		  G_SOURCE_FUNC(on_natt));
	return 0;
}

void rove_daemon_begin(struct rove_daemon *d)
{
	int r;

	d->exit_code = 0;
	d->last_state = -1;
	signal(SIGPIPE, SIG_IGN);
	add_watch(d, ROVE_W_IKE, g_unix_fd_source_new(d->udp->fd[ROVE_UDP_IKE], G_IO_IN),
		  G_SOURCE_FUNC(on_ike));
	/* The first IKE_SA_INIT leaves now; the datapath is set up while the
	 * gateway computes its answer, which waits in the socket until the
	 * loop runs. Nothing the datapath does is needed before the
	 * IKE_SA_INIT response (on port 500: the NAT-T socket, which the
	 * userspace datapath takes over, is used from IKE_AUTH on). */
	r = rove_session_start(d->s, rove_daemon_now());
	rove_daemon_pump(d);
	if (r < 0 && !d->finished) {
		/* Normally the engine says why with ROVE_EV_FAILED. */
		fail(d, _("the session could not start"));
		finish(d);
	}
}

int rove_daemon_continue(struct rove_daemon *d, struct rove_err *err)
{
	struct rove_err perr;

	if (d->finished)
		return 0;
	if (setup_datapath(d, err) < 0)
		goto fail;
	if (rove_daemon_path_open(d, &perr) < 0)
		rove_daemon_say(d, 'p', _("moves between networks are not followed: %s"), perr.msg);
	if (rove_session_config(d->s)->auth == ROVE_AUTHK_EAP_MSCHAPV2)
		prepare_legacy(d);
	return 0;
fail:
	{
		struct rove_session *s = d->s;

		/* The session stays for rove_runner_free. */
		d->s = NULL;
		rove_daemon_teardown(d);
		d->s = s;
	}
	return -1;
}

int rove_daemon_start(struct rove_daemon *d, struct rove_err *err)
{
	rove_daemon_begin(d);
	return rove_daemon_continue(d, err);
}
