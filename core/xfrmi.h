/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XFRM interfaces (Linux 4.19+, CONFIG_XFRM_INTERFACE): a network device
 * whose traffic is carried by the SAs and policies that carry its if_id
 * (XFRMA_IF_ID, xfrm.h). The kernel datapath uses one when somebody else
 * (NetworkManager) configures the tunnel: a real device to put the
 * virtual IP on and to route over, as the TUN is for the userspace
 * datapath. */
#ifndef ROVE_XFRMI_H
#define ROVE_XFRMI_H

#include <stdint.h>

#include "err.h"
#include "nl.h"

/* Creates NAME (type xfrm, if_id, bound to the outer interface `link`, 0:
 * none) and sets it up. Returns its ifindex, or -1 with err (EEXIST when
 * a device of that name exists; EOPNOTSUPP without XFRM interfaces). */
int rove_xfrmi_add(struct rove_nl *nl, const char *name, uint32_t if_id, int link,
		   struct rove_err *err);
/* Deletes the device with that ifindex. */
int rove_xfrmi_del(struct rove_nl *nl, int ifindex, struct rove_err *err);

#endif
