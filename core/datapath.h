/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The datapath interface: where negotiated CHILD SAs go. The engine never
 * calls it; the driver (client/, nm-plugin/) passes ROVE_EV_CHILD_UP/DOWN
 * and ROVE_EV_CONFIG events to a datapath. Implementations: kernel XFRM
 * and userspace ESP over TUN (next issue). */
#ifndef ROVE_DATAPATH_H
#define ROVE_DATAPATH_H

#include <stdint.h>

#include "err.h"
#include "session.h"

struct rove_counters {
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
	uint64_t installed;            /* Unix seconds the SAs went in, 0: unknown */
	uint64_t rekey_after, expire_after; /* seconds after that; 0: never */
	/* Inbound ESP packets refused: replayed or older than the window, and
	 * forged (the ICV did not verify). */
	uint64_t dropped_replay, dropped_auth;
};

struct rove_datapath;

/* Rekeying (make before break): the engine hands a rekeyed CHILD SA over
 * as another CHILD_UP with the same selectors while the old one is still
 * installed. install() then adds the new SA, switches outbound traffic to
 * it at once (atomically: no packet goes out without an SA) and keeps the
 * old inbound SA. A CHILD_UP marked inbound_only (the gateway rekeyed)
 * goes to install_inbound(): the new inbound SA only, outbound traffic
 * stays on the old SA until CHILD_OUTBOUND, install_outbound(), switches
 * it; the old one's CHILD_DOWN comes a grace time after both
 * sides deleted it, and remove() takes out only that SA's remains (the
 * kernel datapath removes its policies and routes with the current SA). The
 * datapath copies what it needs: the rove_child_sa pointer (owned by the
 * session) is valid only during the call. */
struct rove_datapath_ops {
	const char *name; /* "kernel", "userspace", "none" */
	int (*install)(struct rove_datapath *dp, const struct rove_child_sa *sa, struct rove_err *err);
	int (*install_inbound)(struct rove_datapath *dp, const struct rove_child_sa *sa,
			       struct rove_err *err);
	int (*install_outbound)(struct rove_datapath *dp, const struct rove_child_sa *sa,
				struct rove_err *err);
	void (*remove)(struct rove_datapath *dp, const struct rove_child_sa *sa);
	int (*configure)(struct rove_datapath *dp, const struct rove_config_info *cfg, struct rove_err *err);
	int (*counters)(struct rove_datapath *dp, const struct rove_child_sa *sa, struct rove_counters *out);
	void (*destroy)(struct rove_datapath *dp);
	/* MOBIKE. uplink: the path to the gateway (now at `gateway`, which may
	 * be another address of it, of the other family) changed; the driver
	 * saw it before the engine moves: the gateway's pinned route, and
	 * whatever else follows the outer interface, go to the new path. update: the
	 * gateway accepted new outer addresses (ROVE_EV_PATH_UPDATED): the
	 * SA's outer addresses, ports and encapsulation change in place, same
	 * SPIs, keys and sequence numbers. */
	int (*uplink)(struct rove_datapath *dp, const struct rove_addr *gateway, struct rove_err *err);
	int (*update)(struct rove_datapath *dp, const struct rove_child_sa *sa, struct rove_err *err);
};

struct rove_datapath {
	const struct rove_datapath_ops *ops;
	void *priv;
};

#endif
