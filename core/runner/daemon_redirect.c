/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Following a gateway's redirect (RFC 5685): the engine ends the session
 * with ROVE_EV_REDIRECT; like a reconnect the tunnel stays installed (its
 * routes, virtual IP, DNS and last CHILD SA, so nothing goes out in clear),
 * the new gateway's address is pinned outside the tunnel, and a new engine
 * session starts there at once (no backoff): same profile, so the new
 * gateway must prove the same remote-id with a certificate from the same
 * CA, the same virtual IP asked for, N(REDIRECTED_FROM) naming the old
 * gateway. More than ROVE_REDIRECT_MAX redirects within
 * ROVE_REDIRECT_PERIOD_MS end the session: gateways sending us in a loop. */
#include "daemon.h"
#include "i18n.h"
#include "ikev2.h"
#include "nl.h"
#include "redirect.h"
#include "route.h"

#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>

static bool same_host(const struct rove_addr *a, const struct rove_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, rove_addr_len(a));
}

/* The new gateway's own address goes around the tunnel, like the one
 * the datapath pinned for the first gateway. Pins of earlier redirects
 * stay until the end (a later redirect may send us back). */
static int pin_gateway(struct rove_daemon *d, const struct rove_addr *gw, struct rove_err *err)
{
	struct rove_route r;
	struct rove_nl *nl;
	int rc = -1;

	if (!d->announced_up || same_host(gw, &d->gateway))
		return 0;
	for (size_t i = 0; i < d->npins; i++)
		if (same_host(&d->pins[i].dst.addr, gw))
			return 0;
	if (d->npins == G_N_ELEMENTS(d->pins))
		return rove_err_set(err, ROVE_E_INVAL, _("too many gateways to keep outside the tunnel"));
	nl = rove_nl_open(NETLINK_ROUTE, err);
	if (!nl)
		return -1;
	if (rove_route_get(nl, gw, &r, err) == 0) {
		r.table = ROVE_ROUTE_TABLE;
		r.src.family = 0;
		if (rove_route_add(nl, &r, err) == 0) {
			d->pins[d->npins++] = r;
			rc = 0;
		}
	}
	rove_nl_close(nl);
	return rc < 0 ? rove_err_prefix(err, _("pinning the new gateway's route")) : 0;
}

void rove_daemon_redirect_unpin(struct rove_daemon *d)
{
	struct rove_err err;
	struct rove_nl *nl;

	if (!d->npins)
		return;
	nl = rove_nl_open(NETLINK_ROUTE, &err);
	while (nl && d->npins > 0)
		rove_route_del(nl, &d->pins[--d->npins], &err); /* gone is fine */
	rove_nl_close(nl);
	d->npins = 0;
}

static gboolean on_follow(gpointer data);

/* Where the new session goes: the address (resolved if a name: the old
 * gateway still holds our SAs, the engine deletes them after this event,
 * so a resolver inside the tunnel answers), the local address the kernel
 * uses to reach it (our sockets are bound to the wildcard address, so only
 * the session's idea of it changes). */
static int resolve_target(struct rove_daemon *d, const struct rove_redirect *r,
			  struct rove_addr *to, struct rove_addr *local, struct rove_err *err)
{
	const struct rove_session_config *old = rove_session_config(d->s);
	char a[ROVE_ADDR_STRLEN];

	if (r->addr.family)
		*to = r->addr;
	else if (rove_resolve_server(r->fqdn, old->remote.family, to, err) < 0)
		return -1;
	if (to->family != d->udp->family)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("the new gateway %s is an IPv%c address, "
				      "but this session's sockets are IPv%c"),
				    rove_addr_str(to, a, sizeof(a)), to->family == AF_INET ? '4' : '6',
				    d->udp->family == AF_INET ? '4' : '6');
	to->port = ROVE_IKE_PORT;
	/* Pin first: with a full tunnel the lookup would otherwise answer
	 * with the virtual IP. */
	if (pin_gateway(d, to, err) < 0 || rove_udp_source_for(to, local, err) < 0)
		return -1;
	return 0;
}

void rove_daemon_redirect(struct rove_daemon *d, const struct rove_event *ev)
{
	struct rove_err err;
	char to[256], msg[1024];

	rove_daemon_say(d, 'p', "%s", ev->msg);
	rove_redirect_str(ev->redirect, to, sizeof(to));
	if (!rove_redirect_allow(&d->redirect_history, rove_daemon_now())) {
		snprintf(msg, sizeof(msg), _("the gateways redirected this session %u times "
			   "within %u minutes, last to %s: a redirect loop; check the gateways' "
			   "redirect settings"), ROVE_REDIRECT_MAX + 1, ROVE_REDIRECT_PERIOD_MS / 60000, to);
		rove_daemon_end(d, msg);
	} else if (resolve_target(d, ev->redirect, &d->redirect_to, &d->redirect_local,
				  &err) < 0) {
		snprintf(msg, sizeof(msg), _("cannot follow the redirect to %s: %s"), to, err.msg);
		rove_daemon_end(d, msg);
	} else {
		d->redirect_from = rove_session_config(d->s)->remote;
		d->redirect_pending = true;
		/* Start from the loop, after this pump has sent what the old
		 * session queued. */
		if (!d->redirect_idle) {
			d->redirect_idle = g_idle_source_new();
			g_source_set_callback(d->redirect_idle, on_follow, d, NULL);
			g_source_attach(d->redirect_idle, d->ctx);
		}
	}
	/* Only now the DELETE of the IKE SA we leave (due on the old
	 * session's timer): the name above may have been resolved through
	 * the tunnel. The pump that called us sends it. */
	rove_session_handle_timer(d->s, rove_daemon_now());
}

static void follow(struct rove_daemon *d)
{
	struct rove_session_config cfg;
	struct rove_session *next;
	struct rove_err err;
	char a[ROVE_ADDR_STRLEN];

	d->redirect_pending = false;
	cfg = *rove_session_config(d->s);
	cfg.remote = d->redirect_to;
	cfg.redirected_from = d->redirect_from;
	cfg.local = d->redirect_local;
	cfg.local.port = rove_session_config(d->s)->local.port;
	cfg.local_natt = d->redirect_local;
	cfg.local_natt.port = rove_session_config(d->s)->local_natt.port;
	if (d->announced_up) /* like a reconnect */
		rove_daemon_follow_on(d, &cfg);
	/* Copies the old session's strings and secrets before it goes. */
	next = rove_session_new(&cfg, &err);
	if (!next) {
		rove_daemon_end(d, err.msg);
		return;
	}
	rove_session_free(d->s);
	d->s = next;
	d->got_child = d->got_config = false;
	d->redirects++;
	if (d->announced_up && !d->reconnecting) {
		d->reconnecting = true;
		d->down_since_ms = rove_daemon_now();
		snprintf(d->down_reason, sizeof(d->down_reason), "redirected");
	}
	rove_daemon_say(d, 'p', _("connecting to %s (redirect %u)"),
			rove_addr_str(&cfg.remote, a, sizeof(a)), d->redirects);
	if (rove_session_start(d->s, rove_daemon_now()) < 0 && !d->finished)
		rove_daemon_end(d, _("the session to the new gateway could not start"));
	rove_daemon_pump(d);
}

static gboolean on_follow(gpointer data)
{
	struct rove_daemon *d = data;

	g_source_unref(d->redirect_idle);
	d->redirect_idle = NULL;
	if (d->redirect_pending && !d->finished && !d->closing)
		follow(d);
	return G_SOURCE_REMOVE;
}

void rove_daemon_redirect_stop(struct rove_daemon *d)
{
	if (d->redirect_idle) {
		g_source_destroy(d->redirect_idle);
		g_source_unref(d->redirect_idle);
		d->redirect_idle = NULL;
	}
	d->redirect_pending = false;
	rove_daemon_redirect_unpin(d);
}
