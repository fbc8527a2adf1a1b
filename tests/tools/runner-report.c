/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runner-report PROFILE: one session through the session runner as
 * NetworkManager's service drives it (apply_system off), for tests that
 * play NetworkManager themselves (tests/vm/s-rove-nm-xfrmi.sh): the
 * configuration the runner reports goes to stdout, one line each,
 *   state STATE                   device NAME DATAPATH MTU
 *   address ADDR/LEN              dns ADDR            route PREFIX
 * and the caller applies it. SIGTERM or SIGINT stops the session; the
 * exit code is the runner's (0 after an orderly close). Like the service,
 * it first undoes what a crashed session of the same name left (the state
 * file in $ROVE_RUN_DIR). */
#include "cleanup.h"
#include "rundir.h"
#include "runner.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

struct ctx {
	struct rove_runner *r;
	GMainLoop *loop;
	int code;
};

static void on_say(void *data, char kind, const char *msg)
{
	fprintf(stderr, "%c %s\n", kind, msg);
}

static void on_state(void *data, enum rove_runner_state st, const char *msg,
		     enum rove_fail reason)
{
	printf("state %s%s%s\n", rove_runner_state_name(st), msg[0] ? " " : "", msg);
	fflush(stdout);
}

static void print_prefix(const char *what, const struct rove_prefix *p)
{
	char s[ROVE_ADDR_STRLEN + 8];

	printf("%s %s\n", what, rove_prefix_str(p, s, sizeof(s)));
}

static void on_ipconfig(void *data, const struct rove_runner_ipconfig *ip)
{
	const struct rove_config_info *c = ip->config;
	char a[ROVE_ADDR_STRLEN];

	printf("device %s %s %u\n", ip->device, ip->datapath, ip->mtu);
	if (c->has_vip4)
		print_prefix("address", &c->vip4);
	if (c->has_vip6)
		print_prefix("address", &c->vip6);
	for (size_t i = 0; i < c->ndns; i++)
		printf("dns %s\n", rove_addr_str(&c->dns[i], a, sizeof(a)));
	for (size_t i = 0; i < ip->nroutes; i++)
		print_prefix("route", &ip->routes[i]);
	printf("configured\n");
	fflush(stdout);
}

static void on_finished(void *data, int code)
{
	struct ctx *c = data;

	c->code = code;
	g_main_loop_quit(c->loop);
}

static gboolean on_signal(gpointer data)
{
	rove_runner_stop(((struct ctx *)data)->r);
	return G_SOURCE_CONTINUE;
}

static const struct rove_runner_callbacks cbs = {
	.say = on_say, .state = on_state, .ipconfig = on_ipconfig, .finished = on_finished,
};

int main(int argc, char **argv)
{
	struct rove_runner_options o = { 0 };
	struct rove_profile p;
	struct rove_diags diags = { 0 };
	struct ctx c = { 0 };
	struct rove_err err;
	bool cfg_err;

	if (argc != 2) {
		fprintf(stderr, "usage: runner-report PROFILE\n");
		return 2;
	}
	if (rove_profile_load(argv[1], &p, &diags) < 0) {
		fprintf(stderr, "runner-report: %s: bad profile\n", argv[1]);
		rove_profile_free(&p);
		return 2;
	}
	if (rove_run_dir_create(&err) < 0 || rove_cleanup_stale(p.name, rove_run_dir(), &err) < 0)
		fprintf(stderr, "runner-report: %s\n", err.msg);
	o.name = p.name;
	o.password = p.password;
	o.password_len = p.password_len;
	c.r = rove_runner_new(&p, &o, &cfg_err, &err);
	if (!c.r) {
		fprintf(stderr, "runner-report: %s\n", err.msg);
		rove_profile_free(&p);
		return 1;
	}
	c.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_signal, &c);
	g_unix_signal_add(SIGINT, on_signal, &c);
	if (rove_runner_start(c.r, NULL, &cbs, &c, &err) < 0) {
		fprintf(stderr, "runner-report: %s\n", err.msg);
		c.code = 1;
	} else {
		g_main_loop_run(c.loop);
	}
	rove_runner_free(c.r);
	rove_profile_free(&p);
	g_main_loop_unref(c.loop);
	return c.code;
}
