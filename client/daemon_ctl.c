/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket inside the session's loop: accept root's connections,
 * read one request without blocking the loop, answer with one JSON document. */
#include "ctl.h"
#include "sessproc.h"
#include "json.h"
#include "rundir.h"

#include <glib-unix.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CONN_TIMEOUT_MS 2000
#define MAX_CONNS 16

struct ctl_conn {
	struct rove_daemon *d;
	int fd;
	uint8_t buf[ROVE_CTL_MAX_REQUEST];
	size_t len;
	GSource *watch, *timeout;
	bool waiting_down; /* answered when the session has closed */
};

static void conn_free(struct ctl_conn *c)
{
	struct rove_daemon *d = c->d;

	d->conns = g_list_remove(d->conns, c);
	if (c->watch) {
		g_source_destroy(c->watch);
		g_source_unref(c->watch);
	}
	if (c->timeout) {
		g_source_destroy(c->timeout);
		g_source_unref(c->timeout);
	}
	close(c->fd);
	g_free(c);
}

/* Writes the answer and closes. The answer is small and the peer is
 * reading it, so a short blocking write with a deadline is simplest. */
static void conn_reply(struct ctl_conn *c, const char *text)
{
	struct timeval tv = { .tv_sec = 1 };
	size_t n = text ? strlen(text) : 0;

	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n) {
		ssize_t w = send(c->fd, text, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		text += w;
		n -= (size_t)w;
	}
	conn_free(c);
}

static void reply_error(struct ctl_conn *c, const char *msg)
{
	struct rove_buf b;
	struct rove_jw w;

	rove_buf_init(&b);
	rove_jw_init(&w, &b);
	rove_jw_obj_begin(&w);
	rove_jw_key(&w, "error");
	rove_jw_str(&w, msg);
	rove_jw_obj_end(&w);
	conn_reply(c, rove_jw_finish(&w));
	rove_buf_free(&b);
}

static void reply_ping(struct ctl_conn *c)
{
	struct rove_buf b;
	struct rove_jw w;

	rove_buf_init(&b);
	rove_jw_init(&w, &b);
	rove_jw_obj_begin(&w);
	rove_jw_key(&w, "name");
	rove_jw_str(&w, c->d->name);
	rove_jw_key(&w, "pid");
	rove_jw_i64(&w, getpid());
	rove_jw_obj_end(&w);
	conn_reply(c, rove_jw_finish(&w));
	rove_buf_free(&b);
}

static void reply_status(struct ctl_conn *c)
{
	struct rove_buf b;
	const char *text;

	rove_buf_init(&b);
	text = rove_daemon_status_json(c->d, &b);
	if (text)
		conn_reply(c, text);
	else
		reply_error(c, "out of memory");
	rove_buf_free(&b);
}

static void handle_request(struct ctl_conn *c, enum rove_ctl_cmd cmd)
{
	struct rove_daemon *d = c->d;

	switch (cmd) {
	case ROVE_CTL_STATUS:
		reply_status(c);
		return;
	case ROVE_CTL_PING:
		reply_ping(c);
		return;
	case ROVE_CTL_DOWN:
		/* Stop reading; the answer waits for the close to finish. */
		g_source_destroy(c->watch);
		g_source_unref(c->watch);
		c->watch = NULL;
		g_source_destroy(c->timeout);
		g_source_unref(c->timeout);
		c->timeout = NULL;
		c->waiting_down = true;
		rove_daemon_say(d, 'p', "closing on request");
		rove_daemon_close(d);
		return;
	case ROVE_CTL_NONE:
		break;
	}
	reply_error(c, "unknown request");
}

static gboolean on_conn_readable(gint fd, GIOCondition cond, gpointer data)
{
	struct ctl_conn *c = data;
	struct rove_err err;
	enum rove_ctl_cmd cmd;
	ssize_t r;
	int p;

	r = recv(fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (r <= 0) {
		conn_free(c);
		return G_SOURCE_REMOVE;
	}
	c->len += (size_t)r;
	p = rove_ctl_parse(c->buf, c->len, &cmd, &err);
	if (p < 0)
		reply_error(c, err.msg);
	else if (p > 0)
		handle_request(c, cmd);
	else
		return G_SOURCE_CONTINUE;
	/* c may be gone; a DOWN waiter's watch was already destroyed. */
	return G_SOURCE_REMOVE;
}

static gboolean on_conn_timeout(gpointer data)
{
	struct ctl_conn *c = data;

	g_source_unref(c->timeout);
	c->timeout = NULL;
	conn_free(c);
	return G_SOURCE_REMOVE;
}

static void conn_new(struct rove_daemon *d, int fd)
{
	struct ctl_conn *c = g_new0(struct ctl_conn, 1);

	c->d = d;
	c->fd = fd;
	c->watch = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
	g_source_set_callback(c->watch, G_SOURCE_FUNC(on_conn_readable), c, NULL);
	g_source_attach(c->watch, d->ctx);
	c->timeout = g_timeout_source_new(CONN_TIMEOUT_MS);
	g_source_set_callback(c->timeout, on_conn_timeout, c, NULL);
	g_source_attach(c->timeout, d->ctx);
	d->conns = g_list_prepend(d->conns, c);
}

static gboolean on_accept(gint lfd, GIOCondition cond, gpointer data)
{
	struct rove_daemon *d = data;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				rove_daemon_say(d, 'v', "control socket: %s", strerror(errno));
			break;
		}
		/* Bounded, so a local flood cannot exhaust our descriptors. */
		if (!rove_ctl_peer_allowed(fd, d->euid) || g_list_length(d->conns) >= MAX_CONNS) {
			close(fd);
			continue;
		}
		conn_new(d, fd);
	}
	return G_SOURCE_CONTINUE;
}

int rove_daemon_ctl_open(struct rove_daemon *d, struct rove_err *err)
{
	char path[ROVE_PATH_MAX];
	GSource *src;

	if (rove_run_path(path, sizeof(path), d->name, ".sock", err) < 0)
		return -1;
	d->ctl_fd = rove_ctl_listen(path, err);
	if (d->ctl_fd < 0)
		return -1;
	src = g_unix_fd_source_new(d->ctl_fd, G_IO_IN);
	g_source_set_callback(src, G_SOURCE_FUNC(on_accept), d, NULL);
	g_source_attach(src, d->ctx);
	d->watch[ROVE_W_CTL] = src;
	return 0;
}

void rove_daemon_ctl_shutdown(struct rove_daemon *d)
{
	static const char ok[] = "{\"ok\":true}\n";

	while (d->conns) {
		struct ctl_conn *c = d->conns->data;

		if (c->waiting_down)
			conn_reply(c, ok);
		else
			conn_free(c);
	}
	if (d->watch[ROVE_W_CTL]) {
		g_source_destroy(d->watch[ROVE_W_CTL]);
		g_source_unref(d->watch[ROVE_W_CTL]);
		d->watch[ROVE_W_CTL] = NULL;
	}
	if (d->ctl_fd >= 0)
		close(d->ctl_fd);
	d->ctl_fd = -1;
}
