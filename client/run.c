/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session process of `rove up`: one runner on this process's own main
 * loop, with the control socket, the pid file, the log, the progress pipe
 * to a waiting `rove up` and the service manager's readiness protocol. */
#include "sessproc.h"
#include "commands.h"
#include "notify.h"
#include "rundir.h"

#include <glib-unix.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct rove_sessproc {
	struct rove_runner *r;
	bool foreground;
	int report_fd;              /* -1: nobody waits */
	int log_fd;                 /* -1: stderr */
	bool announced;             /* said "up" once */
	bool own_socket;            /* the control socket is ours to remove */
	char name[64];
	GMainContext *ctx;
	GMainLoop *loop;
	GSource *sig[3];
	GSource *cont;              /* rove_runner_continue, once */
	bool cont_failed;
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

static void log_line(struct rove_sessproc *p, char kind, const char *msg)
{
	char stamp[32] = "";

	if (!p->foreground) {
		time_t t = time(NULL);
		struct tm tm;

		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S ", localtime_r(&t, &tm));
	}
	/* Before the fork, stderr is still the terminal of `rove up`. */
	if (p->log_fd >= 0) {
		dprintf(p->log_fd, "%s%s%s\n", stamp, kind == 'f' ? "rove: " : "", msg);
		return;
	}
	fprintf(stderr, "%s%s%s\n", stamp, kind == 'f' ? "rove: " : "", msg);
	fflush(stderr);
}

/* Under a service manager (Type=notify, --foreground only: a detached
 * session is not the process systemd started): READY=1 once up, the last
 * progress line as STATUS= for `systemctl status`, STOPPING=1 at close. */
static void tell_manager(struct rove_sessproc *p, const char *key, const char *value)
{
	char msg[700];
	struct rove_err err;

	if (!p->foreground)
		return;
	snprintf(msg, sizeof(msg), "%s%s", key, value);
	if (rove_notify(msg, &err) < 0)
		log_line(p, 'p', err.msg);
}

static void report(struct rove_sessproc *p, char kind, const char *msg)
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
	struct rove_sessproc *p = data;

	log_line(p, kind, msg);
	if (kind == 'p' || kind == 'f')
		tell_manager(p, "STATUS=", msg);
	report(p, kind, msg);
}

static void on_state(void *data, enum rove_runner_state st, const char *msg,
		     enum rove_fail reason)
{
	struct rove_sessproc *p = data;
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
	struct rove_sessproc *p = data;

	tell_manager(p, "STOPPING=1", "");
	g_main_loop_quit(p->loop);
}

static gboolean on_signal(gpointer data)
{
	struct rove_sessproc *p = data;

	rove_runner_stop(p->r);
	return G_SOURCE_CONTINUE;
}

static const struct rove_runner_callbacks callbacks = {
	.say = on_say,
	.state = on_state,
	.finished = on_finished,
};

static void watch_signals(struct rove_sessproc *p, GMainContext *ctx)
{
	/* --foreground on a terminal that goes away: close cleanly too. */
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };

	for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
		p->sig[i] = g_unix_signal_source_new(sigs[i]);
		g_source_set_callback(p->sig[i], on_signal, p, NULL);
		g_source_attach(p->sig[i], ctx);
	}
}

static void unwatch_signals(struct rove_sessproc *p)
{
	for (size_t i = 0; i < G_N_ELEMENTS(p->sig); i++) {
		if (!p->sig[i])
			continue;
		g_source_destroy(p->sig[i]);
		g_source_unref(p->sig[i]);
	}
}

static gboolean on_continue(gpointer data)
{
	struct rove_sessproc *p = data;
	struct rove_err err;

	g_source_unref(p->cont);
	p->cont = NULL;
	if (rove_runner_continue(p->r, &err) < 0) {
		/* Torn down already; no `finished` follows. */
		p->cont_failed = true;
		on_say(p, 'f', err.msg);
		g_main_loop_quit(p->loop);
	}
	return G_SOURCE_REMOVE;
}

static void free_proc(struct rove_sessproc *p)
{
	struct rove_daemon *d = rove_runner_daemon(p->r);

	if (p->cont) {
		g_source_destroy(p->cont);
		g_source_unref(p->cont);
	}
	unwatch_signals(p);
	rove_daemon_ctl_shutdown(d);
	rove_runner_free(p->r);
	if (p->report_fd >= 0)
		close(p->report_fd);
	if (p->log_fd >= 0)
		close(p->log_fd);
	g_main_loop_unref(p->loop);
	g_main_context_pop_thread_default(p->ctx);
	g_main_context_unref(p->ctx);
	free(p);
}

void rove_sessproc_forget(struct rove_sessproc *p)
{
	/* The socket file stays: it is the child's (or nobody bound it). */
	p->own_socket = false;
	free_proc(p);
}

struct rove_sessproc *rove_sessproc_begin(struct rove_runner *r, bool foreground, int report_fd,
					  int log_fd, bool *config_error, struct rove_err *err)
{
	struct rove_sessproc *p = calloc(1, sizeof(*p));
	struct rove_daemon *d = rove_runner_daemon(r);

	*config_error = false;
	if (!p) {
		rove_err_set(err, ROVE_E_NOMEM, "out of memory");
		rove_runner_free(r);
		if (report_fd >= 0)
			close(report_fd);
		if (log_fd >= 0)
			close(log_fd);
		return NULL;
	}
	p->r = r;
	p->foreground = foreground;
	p->report_fd = report_fd;
	p->log_fd = log_fd;
	snprintf(p->name, sizeof(p->name), "%s", rove_runner_name(r));
	p->ctx = g_main_context_new();
	g_main_context_push_thread_default(p->ctx);
	p->loop = g_main_loop_new(p->ctx, FALSE);
	d->ctl_fd = -1;
	d->euid = geteuid();
	d->ctx = p->ctx;
	/* The lock against a second session of the name, before anything
	 * goes to the gateway. */
	if (rove_daemon_ctl_open(d, err) < 0) {
		if (err->code == ROVE_E_INVAL)
			rove_err_set(err, ROVE_E_INVAL, "the session is already up");
		rove_sessproc_forget(p);
		return NULL;
	}
	p->own_socket = true;
	/* The first IKE_SA_INIT; no thread is started, so the caller may
	 * fork. A CA file that cannot be parsed is refused here (the gateway
	 * drops the half-open IKE SA by itself). */
	if (rove_runner_begin(r, p->ctx, &callbacks, p, err) < 0) {
		char name[64];

		*config_error = true;
		snprintf(name, sizeof(name), "%s", p->name);
		free_proc(p);
		rove_run_cleanup(name);
		return NULL;
	}
	return p;
}

int rove_sessproc_run(struct rove_sessproc *p)
{
	struct rove_daemon *d = rove_runner_daemon(p->r);
	struct rove_err err;
	char name[64];
	int code = 1;

	/* Detached by now: stderr is the log. */
	if (p->log_fd >= 0)
		close(p->log_fd);
	p->log_fd = -1;
	snprintf(name, sizeof(name), "%s", p->name);
	if (rove_pidfile_write(d->name, getpid(), &err) < 0) {
		on_say(p, 'f', err.msg);
		goto out;
	}
	watch_signals(p, p->ctx);
	/* The gateway's answer to the IKE_SA_INIT is often in by now: below
	 * the sockets' priority, the loop handles it first (the first
	 * IKE_AUTH request leaves) and sets up the datapath while the
	 * gateway computes its next answer. Nothing before IKE_AUTH needs
	 * the datapath; its answers wait in the NAT-T socket until then. */
	p->cont = g_idle_source_new();
	g_source_set_priority(p->cont, G_PRIORITY_DEFAULT_IDLE);
	g_source_set_callback(p->cont, on_continue, p, NULL);
	g_source_attach(p->cont, p->ctx);
	g_main_loop_run(p->loop);
	code = p->cont_failed ? 1 : rove_runner_exit_code(p->r);
out:
	{
		bool own = p->own_socket;

		free_proc(p);
		if (own)
			rove_run_cleanup(name);
	}
	return code;
}

int rove_session_process(struct rove_runner *r, bool foreground, int report_fd)
{
	struct rove_err err;
	bool config_error;
	struct rove_sessproc *p = rove_sessproc_begin(r, foreground, -1, -1, &config_error, &err);

	if (!p) {
		struct rove_sessproc tmp = { .foreground = foreground, .report_fd = report_fd,
					     .log_fd = -1 };

		on_say(&tmp, 'f', err.msg);
		if (report_fd >= 0)
			close(report_fd);
		return config_error ? ROVE_EXIT_USAGE : ROVE_EXIT_FAIL;
	}
	p->report_fd = report_fd;
	return rove_sessproc_run(p);
}
