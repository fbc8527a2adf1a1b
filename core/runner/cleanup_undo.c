/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Crash cleanup: undoing what a dead session's state file says it
 * installed (split from cleanup.c, which reads and writes the file). */
#include "cleanup.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "dns.h"
#include "nl.h"
#include "xfrm.h"

/* ---- crash cleanup ---- */

/* Collects the first failure; later steps still run. */
struct outcome {
	struct rove_err first;
	bool failed;
};

static void note(struct outcome *o, const struct rove_err *e)
{
	if (!o->failed)
		o->first = *e;
	o->failed = true;
}

/* The recorded pid is a live rove: not a zombie, same executable as us. */
static bool still_running(pid_t pid)
{
	char p[64], self[PATH_MAX], exe[PATH_MAX], stat[256], *close_paren;
	ssize_t a, b;
	FILE *f;
	size_t n;

	if (pid <= 1 || pid == getpid() || (kill(pid, 0) < 0 && errno != EPERM))
		return false;
	snprintf(p, sizeof(p), "/proc/%ld/stat", (long)pid);
	f = fopen(p, "re");
	if (f) {
		n = fread(stat, 1, sizeof(stat) - 1, f);
		fclose(f);
		stat[n] = '\0';
		close_paren = strrchr(stat, ')');
		if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z')
			return false;
	}
	snprintf(p, sizeof(p), "/proc/%ld/exe", (long)pid);
	a = readlink(p, exe, sizeof(exe) - 1);
	b = readlink("/proc/self/exe", self, sizeof(self) - 1);
	/* An exited process has no executable: a pid reused by something
	 * else is not ours either. */
	return a > 0 && b > 0 && a == b && memcmp(exe, self, (size_t)a) == 0;
}

static bool tolerated(int e, const int *ok)
{
	for (; *ok; ok++)
		if (e == *ok)
			return true;
	return false;
}

static void undo_xfrm(const struct rove_state_info *in, struct outcome *o)
{
	struct rove_err e;
	struct rove_nl *nl;

	if (!in->has_reqid)
		return;
	nl = rove_nl_open(NETLINK_XFRM, &e);
	if (!nl || rove_xfrm_flush_reqid(nl, in->reqid, &e) < 0)
		note(o, &e);
	rove_nl_close(nl);
}

static void del_link(struct rove_nl *nl, const char *name, unsigned idx, struct outcome *o)
{
	static const int gone[] = { ENODEV, 0 };
	uint8_t buf[ROVE_NL_MSG_MAX];
	char what[64];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct rove_err e;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)idx;
	snprintf(what, sizeof(what), _("deleting %s"), name);
	if (rove_nl_request(nl, nlh, what, &e) < 0 && !tolerated(errno, gone))
		note(o, &e);
}

/* The TUN of a userspace session is not persistent and dies with it; one
 * that is still there was made persistent by something else, or is held
 * by a leftover process. Only a TUN device named rove-* is deleted. */
static void undo_tun(struct rove_nl *nl, const char *name, struct outcome *o)
{
	char sys[64];
	unsigned idx;

	if (!name[0] || !(idx = if_nametoindex(name)))
		return;
	snprintf(sys, sizeof(sys), "/sys/class/net/%s/tun_flags", name);
	if (access(sys, F_OK) < 0)
		return;
	del_link(nl, name, idx, o);
}

/* The kernel datapath's XFRM interface outlives its process. */
static void undo_xfrmi(struct rove_nl *nl, const char *name, struct outcome *o)
{
	unsigned idx;

	if (name[0] && (idx = if_nametoindex(name)))
		del_link(nl, name, idx, o);
}

static void undo_route(struct rove_nl *nl, const struct rove_state_info *in, struct outcome *o)
{
	static const int gone_route[] = { ESRCH, ENOENT, ENODEV, 0 };
	static const int gone_addr[] = { EADDRNOTAVAIL, ENODEV, ENOENT, 0 };
	static const int gone_rule[] = { ENOENT, 0 };
	static const int fams[] = { AF_INET, AF_INET6 };
	bool had[2] = { false, false };
	struct rove_err e;

	for (size_t i = 0; i < in->nroutes; i++) {
		had[in->routes[i].dst.addr.family == AF_INET6] = true;
		if (rove_route_del(nl, &in->routes[i], &e) < 0 && !tolerated(errno, gone_route))
			note(o, &e);
	}
	for (size_t i = 0; i < in->nvips; i++)
		if (rove_vip_del(nl, in->vips[i].ifindex, &in->vips[i].addr, &e) < 0 &&
		    !tolerated(errno, gone_addr))
			note(o, &e);
	/* The rule is shared by every rove session of that family. */
	for (size_t f = 0; f < 2; f++) {
		int left;

		if (!had[f])
			continue;
		left = rove_route_count_ours(nl, fams[f], &e);
		if (left < 0)
			note(o, &e);
		else if (left == 0 && rove_rule_del(nl, fams[f], &e) < 0 &&
			 !tolerated(errno, gone_rule))
			note(o, &e);
	}
}

static void undo_link(const struct rove_state_info *in, struct outcome *o)
{
	struct rove_err e;
	struct rove_nl *nl;

	if (!in->nroutes && !in->nvips && !in->tun[0] && !in->xfrmi[0])
		return;
	nl = rove_nl_open(NETLINK_ROUTE, &e);
	if (!nl) {
		note(o, &e);
		return;
	}
	undo_route(nl, in, o);
	undo_tun(nl, in->tun, o);
	undo_xfrmi(nl, in->xfrmi, o);
	rove_nl_close(nl);
}

int rove_cleanup_stale(const char *name, const char *run_dir, struct rove_err *err)
{
	struct rove_state_info *in = calloc(1, sizeof(*in));
	struct outcome o = { .failed = false };
	char path[PATH_MAX];
	struct rove_err e, dns_note;
	pid_t pid;
	int have, dns;

	if (!in)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	have = rove_state_load(name, run_dir, in, &e);
	if (have < 0)
		note(&o, &e);
	pid = have > 0 ? in->pid : 0;
	if (have > 0 && still_running(pid)) {
		free(in);
		return rove_err_set(err, ROVE_E_INVAL, _("session %s is still running (pid %ld)"), name,
				    (long)pid);
	}
	if (have > 0) {
		undo_xfrm(in, &o);
		undo_link(in, &o);
	}
	free(in);
	dns = rove_dns_restore_stale(name, run_dir, &dns_note);
	if (dns < 0)
		note(&o, &dns_note);
	if (o.failed) {
		if (err)
			*err = o.first;
		return rove_err_prefix(err, _("cleaning up after session %s"), name);
	}
	if (have > 0 && rove_state_path(path, sizeof(path), run_dir, name, "", &e) == 0)
		unlink(path);
	if (dns > 0) {
		if (err)
			*err = dns_note;
		return 1;
	}
	return 0;
}
