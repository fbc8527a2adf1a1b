/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A session whose process is gone (its control socket no longer answers):
 * undo what it left, then forget it. Shared by `rove up` and `rove down`. */
#include "commands.h"
#include "cleanup.h"
#include "ctl.h"
#include "nl.h"
#include "route.h"
#include "rundir.h"

#include <errno.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A zombie has exited; only its parent (init, or a container's first
 * process that may never reap) still holds the pid. */
static bool is_zombie(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may contain anything */
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* Not our child: poll for it to disappear. */
bool rove_pid_wait_gone(pid_t pid, int ms)
{
	int64_t deadline = mono_ms() + ms;

	while ((kill(pid, 0) == 0 || errno == EPERM) && !is_zombie(pid)) {
		if (mono_ms() >= deadline)
			return false;
		usleep(20 * 1000);
	}
	return true;
}


/* Whether any other session of this run directory still answers. */
static bool others_alive(const char *name)
{
	char **names = NULL, sock[ROVE_PATH_MAX];
	struct rove_buf reply;
	struct rove_err err;
	bool alive = false;
	int n = rove_run_list(&names, &err);

	for (int i = 0; i < n && !alive; i++) {
		if (!strcmp(names[i], name) ||
		    rove_run_path(sock, sizeof(sock), names[i], ".sock", &err) < 0)
			continue;
		if (rove_ctl_call(sock, ROVE_CTL_PING, 1000, &reply, &err) == ROVE_CTL_OK) {
			rove_buf_free(&reply);
			alive = true;
		}
	}
	rove_names_free(names, n);
	return alive || n < 0;
}

void rove_stale_cleanup(const char *name)
{
	struct rove_err err;
	struct rove_nl *nl;

	if (rove_cleanup_stale(name, rove_run_dir(), &err) != 0)
		fprintf(stderr, "rove: %s\n", err.msg);
	/* The datapaths do not list each route they add in the state file
	 * yet; while no other session lives, every route with rove's marker
	 * (and the table-220 rule) is this one's. */
	if (!others_alive(name)) {
		nl = rove_nl_open(NETLINK_ROUTE, &err);
		if (!nl || rove_route_flush_ours(nl, &err) < 0)
			fprintf(stderr, "rove: removing routes left by %s: %s\n", name, err.msg);
		rove_nl_close(nl);
	}
	rove_run_cleanup(name);
}
