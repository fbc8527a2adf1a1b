/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A datapath that installs nothing: the IKE side works, no traffic flows.
 * `rove status` shows "datapath": "none" so nobody mistakes it for a
 * tunnel. Replaced by the kernel and userspace datapaths. */
#ifndef ROVE_DATAPATH_NONE_H
#define ROVE_DATAPATH_NONE_H

#include "datapath.h"

/* Returns a datapath the caller destroys with dp->ops->destroy(dp), or NULL
 * when out of memory. */
struct rove_datapath *rove_datapath_none_new(void);

#endif
