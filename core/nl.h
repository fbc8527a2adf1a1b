/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A netlink socket through libmnl, owned by the caller.
 *
 * One struct rove_nl talks to one netlink bus (NETLINK_ROUTE for addresses,
 * routes and rules, NETLINK_XFRM for SAs and policies). Every request is
 * synchronous: it is sent with a fresh sequence number and the call returns
 * when the kernel has answered it, so the socket never holds half a
 * conversation between calls. Requests are built by the caller in its own
 * buffer (ROVE_NL_MSG_MAX bytes are always enough for rove's messages).
 *
 * On a kernel error the functions return -1 with *err naming the operation
 * and the kernel's reason, and leave errno set to the kernel's error code
 * (EEXIST, ENOENT, ESRCH...) so callers can tolerate the ones that mean
 * "already done". */
#ifndef ROVE_NL_H
#define ROVE_NL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "err.h"

#define ROVE_NL_MSG_MAX 4096

struct rove_nl;

/* bus: NETLINK_ROUTE or NETLINK_XFRM. Returns NULL with *err set when the
 * socket cannot be opened (no XFRM support gives EPROTONOSUPPORT). */
struct rove_nl *rove_nl_open(int bus, struct rove_err *err);
void rove_nl_close(struct rove_nl *nl);

/* Sends one request built in buf (struct nlmsghdr first, NLM_F_ACK set by
 * the function) and waits for the ACK; errors carry strerror text and the
 * operation name. */
int rove_nl_request(struct rove_nl *nl, struct nlmsghdr *nlh, const char *what,
		    struct rove_err *err);

/* Called for every answer message that is not an ACK, DONE or error. The
 * message is valid only during the call. Return 0 to go on, -1 (with *err
 * set) to fail the query; the rest of the answer is still read and
 * discarded so the socket stays in step. */
typedef int (*rove_nl_cb)(const struct nlmsghdr *nlh, void *arg, struct rove_err *err);

/* Sends a GET request (with NLM_F_DUMP set by the caller for a dump) and
 * passes each answer to cb. A plain GET gets NLM_F_ACK so that the answer
 * and the ACK end it; a dump ends with NLMSG_DONE. */
int rove_nl_query(struct rove_nl *nl, struct nlmsghdr *nlh, const char *what,
		  rove_nl_cb cb, void *arg, struct rove_err *err);

#endif
