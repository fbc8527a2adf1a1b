/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel datapath: the CHILD SA goes into the kernel's XFRM (two ESP
 * SAs in tunnel mode and their policies), the virtual IP onto the outer
 * interface, and routes for the remote networks into table 220 with the
 * virtual IP as their source. docs/datapath.md explains the layout.
 *
 * Needs CAP_NET_ADMIN and a kernel with ESP (rove_xfrm_probe). The driver
 * still owns the IKE sockets: it must call rove_xfrm_socket_bypass() on
 * both and, when the SA is UDP-encapsulated, rove_xfrm_socket_encap() on
 * the NAT-T socket (xfrm.h). */
#ifndef ROVE_DATAPATH_KERNEL_H
#define ROVE_DATAPATH_KERNEL_H

#include <stdint.h>

#include "addr.h"
#include "datapath.h"
#include "err.h"

/* gateway: the IKE peer's address, looked up now (before any tunnel
 * exists) to find the outer interface and next hop. reqid: from
 * rove_xfrm_reqid(index), unique per live session, so that
 * rove_xfrm_flush_reqid() can clean up after a crash. Returns a datapath
 * the caller destroys with dp->ops->destroy(dp), which removes everything
 * it installed, or NULL with *err set. */
struct rove_datapath *rove_datapath_kernel_new(const struct rove_addr *gateway, uint32_t reqid,
					       struct rove_err *err);

/* The same with an XFRM interface ifname (xfrmi.h) whose if_id is the
 * reqid: the SAs and policies carry it, and the caller configures the
 * device (addresses, routes), as NetworkManager does; the datapath adds no
 * virtual IP, rule or route. destroy deletes the device. */
struct rove_datapath *rove_datapath_kernel_new_xfrmi(const struct rove_addr *gateway,
						     uint32_t reqid, const char *ifname,
						     struct rove_err *err);
/* The XFRM interface's name, "" without one. */
const char *rove_datapath_kernel_ifname(struct rove_datapath *dp);

#endif
