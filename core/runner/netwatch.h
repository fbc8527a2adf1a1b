/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Watching the path to the gateway (MOBIKE) and noticing a suspend.
 *
 * rove_netwatch is an rtnetlink socket subscribed to link, address and
 * route changes (libmnl). The daemon's loop reads it when it is readable;
 * rove_netwatch_drain says whether anything arrived that may move the
 * path, and after a short pause (changes come in bursts) the daemon asks
 * rove_netwatch_source which local address the kernel would use towards
 * the gateway now, outside any tunnel. Owned by the caller; no memory is
 * returned.
 *
 * rove_clockwatch notices a suspend: on Linux CLOCK_MONOTONIC stops while
 * the machine sleeps and CLOCK_BOOTTIME does not, so the second running
 * ahead of the first between two samples means the machine slept. A
 * sample that comes much later than the caller's period (the process was
 * stopped, SIGSTOP) counts too. The clocks are parameters, so a unit test
 * injects them. */
#ifndef ROVE_NETWATCH_H
#define ROVE_NETWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "nl.h"
#include "route.h"

struct rove_netwatch;

struct rove_netwatch *rove_netwatch_new(struct rove_err *err);
void rove_netwatch_free(struct rove_netwatch *nw);
int rove_netwatch_fd(const struct rove_netwatch *nw);
/* Reads every waiting notification; true when one may change the path
 * (rove's own routes in table 220 do not; a lost notification does). */
bool rove_netwatch_drain(struct rove_netwatch *nw);

/* The source address towards gw outside any tunnel (route.h's
 * rove_route_get, then the route's preferred source or the best usable
 * address on its interface: one whose prefix holds the next hop, else the
 * first global one), never one of the `nexcl` addresses in excl (the
 * virtual IPs). -1 with *err set when there is none: no route, or no
 * usable address on its interface. */
int rove_netwatch_source(struct rove_nl *rt, const struct rove_addr *gw,
			 const struct rove_addr *excl, size_t nexcl, struct rove_addr *out,
			 struct rove_route *route, struct rove_err *err);

struct rove_clockwatch {
	uint64_t mono_ms, boot_ms; /* the last sample */
	bool have;
};

/* Takes a sample (both clocks in ms); returns how many ms the process
 * missed since the last one: the boot clock's lead over the monotonic one
 * (a suspend), or the monotonic clock's lateness over period_ms (stopped),
 * whichever is larger, when it exceeds slack_ms; else 0. */
uint64_t rove_clockwatch_sample(struct rove_clockwatch *cw, uint64_t mono_ms, uint64_t boot_ms,
				uint64_t period_ms, uint64_t slack_ms);
/* The current CLOCK_MONOTONIC and CLOCK_BOOTTIME in ms. */
void rove_clockwatch_now(uint64_t *mono_ms, uint64_t *boot_ms);

#endif
