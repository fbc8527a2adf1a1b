/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session process of `rove up`: one runner on this process's own main
 * loop, with the control socket, the pid file, the log, the progress pipe
 * to a waiting `rove up` and the service manager's readiness protocol. */
#include "sessproc.h"
#include "notify.h"
#include "rundir.h"

#include <glib-unix.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct proc {
	struct rove_runner *r;
	bool foreground;
	int report_fd;              /* -1: nobody waits */
	bool announced;             /* said "up" once */
	GMainLoop *loop;
	GSource *sig[3];
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void log_line(struct proc *p, char kind, const char *msg)
{
	char stamp[32] = "";

	if (!p->foreground) {
		time_t t = time(NULL);
		struct tm tm;

		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S ", localtime_r(&t, &tm));
	}
	fprintf(stderr, "%s%s%s\n", stamp, kind == 'f' ? "rove: " : "", msg);
	fflush(stderr);
}

/* Under a service manager (Type=notify, --foreground only: a detached
 * session is not the process systemd started): READY=1 once up, the last
 * progress line as STATUS= for `systemctl status`, STOPPING=1 at close. */
static void tell_manager(struct proc *p, const char *key, const char *value)
{
	char msg[700];
	struct rove_err err;

	if (!p->foreground)
		return;
	snprintf(msg, sizeof(msg), "%s%s", key, value);
	if (rove_notify(msg, &err) < 0)
		log_line(p, 'p', err.msg);
}

static void report(struct proc *p, char kind, const char *msg)
{
	char line[660];
	int n;

	if (p->report_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%c %s\n", kind, msg);
	if (n >= (int)sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* The waiting parent may be gone (killed); the session goes on. */
	if (write_all(p->report_fd, line, (size_t)n) < 0) {
		close(p->report_fd);
		p->report_fd = -1;
	}
}

static void on_say(void *data, char kind, const char *msg)
{
	struct proc *p = data;

	log_line(p, kind, msg);
	if (kind == 'p' || kind == 'f')
		tell_manager(p, "STATUS=", msg);
	report(p, kind, msg);
}

static void on_state(void *data, enum rove_runner_state st, const char *msg,
		     enum rove_fail reason)
{
	struct proc *p = data;
	struct rove_daemon *d = rove_runner_daemon(p->r);
	char line[128];

	if (st != ROVE_RUNNER_CONNECTED || p->announced)
		return;
	p->announced = true;
	snprintf(line, sizeof(line), "%s: up", d->name);
	log_line(p, 'u', line);
	report(p, 'u', line);
	tell_manager(p, "READY=1\nSTATUS=up, datapath ", d->dp->ops->name);
	if (p->report_fd >= 0) {
		close(p->report_fd);
		p->report_fd = -1;
	}
}

static void on_finished(void *data, int code)
{
	struct proc *p = data;

	tell_manager(p, "STOPPING=1", "");
	g_main_loop_quit(p->loop);
}

static gboolean on_signal(gpointer data)
{
	struct proc *p = data;

	rove_runner_stop(p->r);
	return G_SOURCE_CONTINUE;
}

static const struct rove_runner_callbacks callbacks = {
	.say = on_say,
	.state = on_state,
	.finished = on_finished,
};

static void watch_signals(struct proc *p, GMainContext *ctx)
{
	/* --foreground on a terminal that goes away: close cleanly too. */
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };

	for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
		p->sig[i] = g_unix_signal_source_new(sigs[i]);
		g_source_set_callback(p->sig[i], on_signal, p, NULL);
		g_source_attach(p->sig[i], ctx);
	}
}

static void unwatch_signals(struct proc *p)
{
	for (size_t i = 0; i < G_N_ELEMENTS(p->sig); i++) {
		if (!p->sig[i])
			continue;
		g_source_destroy(p->sig[i]);
		g_source_unref(p->sig[i]);
	}
}

int rove_session_process(struct rove_runner *r, bool foreground, int report_fd)
{
	struct proc p = { .r = r, .foreground = foreground, .report_fd = report_fd };
	struct rove_daemon *d = rove_runner_daemon(r);
	GMainContext *ctx = g_main_context_new();
	bool own_socket = false;
	char name[64];
	struct rove_err err;
	int code = 1;

	snprintf(name, sizeof(name), "%s", rove_runner_name(r));
	g_main_context_push_thread_default(ctx);
	p.loop = g_main_loop_new(ctx, FALSE);
	d->ctl_fd = -1;
	d->euid = geteuid();
	d->ctx = ctx;
	if (rove_daemon_ctl_open(d, &err) < 0) {
		on_say(&p, 'f', err.code == ROVE_E_INVAL ? "the session is already up" : err.msg);
		goto out;
	}
	own_socket = true;
	if (rove_pidfile_write(d->name, getpid(), &err) < 0) {
		on_say(&p, 'f', err.msg);
		goto out;
	}
	watch_signals(&p, ctx);
	if (rove_runner_start(r, ctx, &callbacks, &p, &err) < 0) {
		on_say(&p, 'f', err.msg);
		goto out;
	}
	g_main_loop_run(p.loop);
	code = rove_runner_exit_code(r);
out:
	unwatch_signals(&p);
	rove_daemon_ctl_shutdown(d);
	rove_runner_free(r);
	if (own_socket)
		rove_run_cleanup(name);
	if (p.report_fd >= 0)
		close(p.report_fd);
	g_main_loop_unref(p.loop);
	g_main_context_pop_thread_default(ctx);
	g_main_context_unref(ctx);
	return code;
}
