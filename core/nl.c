/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nl.h"
#include "i18n.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>

/* Large enough for any dump chunk: the kernel sizes dump messages after
 * the reader's buffer but never beyond 32 KiB. */
#define RX_SIZE 32768

struct rove_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint8_t rx[RX_SIZE];
};

struct rove_nl *rove_nl_open(int bus, struct rove_err *err)
{
	struct rove_nl *nl = calloc(1, sizeof(*nl));
	int one = 1;

	if (!nl) {
		rove_err_set(err, ROVE_E_NOMEM, _("netlink: out of memory"));
		return NULL;
	}
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock) {
		rove_err_set(err, ROVE_E_IO, _("opening a %s netlink socket: %s"),
			     bus == NETLINK_XFRM ? "XFRM" : "route", strerror(errno));
		free(nl);
		return NULL;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rove_err_set(err, ROVE_E_IO, _("binding a netlink socket: %s"), strerror(errno));
		mnl_socket_close(nl->sock);
		free(nl);
		return NULL;
	}
	/* Best effort: older kernels answer without the extra text, and a
	 * capped ACK does not echo the request back. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return nl;
}

void rove_nl_close(struct rove_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* The kernel's own sentence from an extended ACK, or NULL. The TLVs follow
 * the echoed request, which is only its header when the ACK is capped. */
static const char *ext_ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *attr;
	const void *tlvs;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return NULL;
		off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(struct nlmsghdr));
	}
	if (off >= plen)
		return NULL;
	tlvs = (const uint8_t *)e + off;
	mnl_attr_for_each_payload(tlvs, plen - off) {
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return NULL;
		return mnl_attr_get_str(attr);
	}
	return NULL;
}

/* State of one conversation: the first error wins, later answers are
 * still consumed. */
struct conv {
	const char *what;
	rove_nl_cb cb;
	void *arg;
	struct rove_err *err;
	int kernel_errno;  /* from NLMSG_ERROR, 0 when none */
	bool failed;
	bool done;
};

static void conv_fail_errno(struct conv *c, int e, const char *detail)
{
	if (c->failed)
		return;
	c->failed = true;
	c->kernel_errno = e;
	if (detail && *detail)
		rove_err_set(c->err, ROVE_E_IO, "%s: %s (%s)", c->what, strerror(e), detail);
	else
		rove_err_set(c->err, ROVE_E_IO, "%s: %s", c->what, strerror(e));
}

static void handle_error(struct conv *c, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e;

	c->done = true;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int)) {
		conv_fail_errno(c, EBADMSG, _("short error message"));
		return;
	}
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error == 0)
		return;
	conv_fail_errno(c, e->error < 0 ? -e->error : e->error,
			mnl_nlmsg_get_payload_len(nlh) >= sizeof(*e) ? ext_ack_msg(nlh) : NULL);
}

static void handle_one(struct conv *c, const struct nlmsghdr *nlh)
{
	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return;
	case NLMSG_ERROR:
		handle_error(c, nlh);
		return;
	case NLMSG_DONE:
		/* Some families put an error code in DONE. */
		c->done = true;
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
			int e = *(const int *)mnl_nlmsg_get_payload(nlh);
			if (e < 0)
				conv_fail_errno(c, -e, NULL);
		}
		return;
	case NLMSG_OVERRUN:
		conv_fail_errno(c, ENOBUFS, "overrun");
		return;
	default:
		if (c->failed || !c->cb)
			return;
		if (c->cb(nlh, c->arg, c->err) < 0) {
			c->failed = true;
			c->kernel_errno = EBADMSG;
			rove_err_prefix(c->err, "%s", c->what);
		}
	}
}

static int converse(struct rove_nl *nl, struct nlmsghdr *nlh, struct conv *c)
{
	uint32_t seq = ++nl->seq;

	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		int e = errno;
		rove_err_set(c->err, ROVE_E_IO, _("%s: sending: %s"), c->what, strerror(e));
		errno = e;
		return -1;
	}
	while (!c->done) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		const struct nlmsghdr *m;
		int len;

		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			/* ENOBUFS: the kernel dropped part of the answer. */
			rove_err_set(c->err, ROVE_E_IO, _("%s: receiving: %s"), c->what, strerror(e));
			errno = e;
			return -1;
		}
		len = (int)n;
		for (m = (const struct nlmsghdr *)nl->rx; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			/* Leftovers of an earlier, abandoned conversation. */
			if (m->nlmsg_seq != seq || (m->nlmsg_pid && m->nlmsg_pid != nl->portid))
				continue;
			handle_one(c, m);
		}
	}
	if (c->failed) {
		errno = c->kernel_errno;
		return -1;
	}
	return 0;
}

int rove_nl_request(struct rove_nl *nl, struct nlmsghdr *nlh, const char *what,
		    struct rove_err *err)
{
	struct conv c = { .what = what, .err = err };

	nlh->nlmsg_flags |= NLM_F_ACK;
	return converse(nl, nlh, &c);
}

int rove_nl_query(struct rove_nl *nl, struct nlmsghdr *nlh, const char *what,
		  rove_nl_cb cb, void *arg, struct rove_err *err)
{
	struct conv c = { .what = what, .cb = cb, .arg = arg, .err = err };

	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	return converse(nl, nlh, &c);
}
