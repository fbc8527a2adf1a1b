/* SPDX-License-Identifier: GPL-2.0-or-later */
/* No leaks for a family the tunnel does not carry: with a full tunnel
 * (a child's remote selectors cover a whole family) and no virtual IP of
 * the other family, that family's traffic would leave in clear beside the
 * tunnel, typically IPv6 when the gateway assigned only an IPv4 address.
 * Table 220 gets an "unreachable default" for it (route.h), unless the
 * profile says leak-block=no. The routes carry rove's marker, so a crash
 * leaves nothing a later `rove up` or `rove down` would not remove. */
#include "daemon.h"
#include "i18n.h"

#include <linux/netlink.h>
#include <sys/socket.h>

#include "nl.h"
#include "route.h"

static const int fams[2] = { AF_INET, AF_INET6 };

static bool family_unassigned(const struct rove_daemon *d, int i)
{
	return i == 0 ? !d->config.has_vip4 : !d->config.has_vip6;
}

void rove_daemon_block_apply(struct rove_daemon *d)
{
	struct rove_err err;
	struct rove_nl *nl;

	if (!d->leak_block || !d->full_tunnel)
		return;
	nl = rove_nl_open(NETLINK_ROUTE, &err);
	for (int i = 0; i < 2; i++) {
		if (!family_unassigned(d, i) || d->blocked[i])
			continue;
		if (!nl || rove_route_block(nl, fams[i], &err) < 0) {
			rove_daemon_say(d, 'p', _("could not block %s outside the tunnel: %s"),
					i ? "IPv6" : "IPv4", err.msg);
			continue;
		}
		d->blocked[i] = true;
		rove_daemon_say(d, 'p', _("%s blocked: the gateway assigned no %s address "
				  "(leak-block=no in the profile sends it outside the tunnel)"),
				i ? "IPv6" : "IPv4", i ? "IPv6" : "IPv4");
	}
	rove_nl_close(nl);
}

void rove_daemon_block_remove(struct rove_daemon *d)
{
	struct rove_err err;
	struct rove_nl *nl;

	if (!d->blocked[0] && !d->blocked[1])
		return;
	nl = rove_nl_open(NETLINK_ROUTE, &err);
	for (int i = 0; i < 2; i++) {
		if (!d->blocked[i])
			continue;
		if (!nl || rove_route_unblock(nl, fams[i], &err) < 0)
			rove_daemon_say(d, 'p', _("removing the %s block: %s"), i ? "IPv6" : "IPv4",
					err.msg);
		d->blocked[i] = false;
	}
	rove_nl_close(nl);
}
