/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *const cmd_names[] = {
	[ROVE_CTL_STATUS] = "status",
	[ROVE_CTL_DOWN] = "down",
	[ROVE_CTL_PING] = "ping",
};

const char *rove_ctl_cmd_name(enum rove_ctl_cmd cmd)
{
	if (cmd <= ROVE_CTL_NONE || cmd > ROVE_CTL_PING)
		return "?";
	return cmd_names[cmd];
}

int rove_ctl_parse(const uint8_t *buf, size_t len, enum rove_ctl_cmd *cmd, struct rove_err *err)
{
	const uint8_t *nl = len ? memchr(buf, '\n', len) : NULL;
	size_t wlen = nl ? (size_t)(nl - buf) : len;

	*cmd = ROVE_CTL_NONE;
	for (size_t i = 0; i < wlen; i++)
		if (buf[i] < 'a' || buf[i] > 'z')
			return rove_err_set(err, ROVE_E_PARSE, "the request is not a lower-case word");
	if (wlen >= ROVE_CTL_MAX_REQUEST)
		return rove_err_set(err, ROVE_E_PARSE, "the request is too long");
	if (!nl)
		return 0;
	/* One request per connection: nothing may follow it. */
	if (wlen + 1 != len)
		return rove_err_set(err, ROVE_E_PARSE, "extra data after the request");
	for (int c = ROVE_CTL_STATUS; c <= ROVE_CTL_PING; c++) {
		if (strlen(cmd_names[c]) == wlen && memcmp(cmd_names[c], buf, wlen) == 0) {
			*cmd = (enum rove_ctl_cmd)c;
			return 1;
		}
	}
	return rove_err_set(err, ROVE_E_PARSE, "unknown request \"%.*s\"", (int)wlen,
			    (const char *)buf);
}

static int fill_sun(struct sockaddr_un *sun, const char *path, struct rove_err *err)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return rove_err_set(err, ROVE_E_INVAL, "socket path too long: %s", path);
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

int rove_ctl_listen(const char *path, struct rove_err *err)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, r, saved;

	if (fill_sun(&sun, path, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, "cannot create a socket: %s", strerror(errno));
	/* The file is created by bind: no moment where others could connect. */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	umask(old);
	if (r < 0) {
		close(fd);
		return rove_err_set(err, saved == EADDRINUSE ? ROVE_E_INVAL : ROVE_E_IO,
				    "cannot create %s: %s", path, strerror(saved));
	}
	if (listen(fd, 8) < 0) {
		saved = errno;
		unlink(path);
		close(fd);
		return rove_err_set(err, ROVE_E_IO, "cannot listen on %s: %s", path, strerror(saved));
	}
	return fd;
}

bool rove_ctl_peer_allowed(int fd, uid_t self)
{
	struct ucred cred;
	socklen_t sl = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) < 0 || sl != sizeof(cred))
		return false;
	return cred.uid == 0 || cred.uid == self;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on fd until the deadline; 0 ready, -1 timeout/error. */
static int wait_fd(int fd, short events, int64_t deadline, struct rove_err *err)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return rove_err_set(err, ROVE_E_IO, "the session did not answer in time");
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return rove_err_set(err, ROVE_E_IO, "poll: %s", strerror(errno));
	}
}

/* The daemon hangs up on users other than root (SO_PEERCRED). */
static int refused(struct rove_err *err)
{
	return rove_err_set(err, ROVE_E_IO, "the session closed the connection without answering%s",
			    geteuid() != 0 ? " (only root may ask it)" : "");
}

static int send_all(int fd, const char *s, size_t n, int64_t deadline, struct rove_err *err)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline, err) < 0)
				return -1;
			continue;
		}
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return refused(err);
		if (w < 0)
			return rove_err_set(err, ROVE_E_IO, "cannot talk to the session: %s",
					    strerror(errno));
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int recv_all(int fd, struct rove_buf *reply, int64_t deadline, struct rove_err *err)
{
	for (;;) {
		uint8_t tmp[4096];
		ssize_t r = recv(fd, tmp, sizeof(tmp), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLIN, deadline, err) < 0)
				return -1;
			continue;
		}
		if (r < 0 && errno == ECONNRESET)
			return refused(err);
		if (r < 0)
			return rove_err_set(err, ROVE_E_IO, "cannot read from the session: %s",
					    strerror(errno));
		if (r == 0)
			break;
		if (reply->len + (size_t)r > ROVE_CTL_MAX_REPLY)
			return rove_err_set(err, ROVE_E_PROTO, "the session's answer is too long");
		rove_buf_add(reply, tmp, (size_t)r);
	}
	if (!rove_buf_reserve(reply, 1))
		return rove_err_set(err, ROVE_E_NOMEM, "out of memory");
	reply->data[reply->len] = '\0';
	if (reply->len == 0)
		return refused(err);
	return 0;
}

enum rove_ctl_result rove_ctl_call(const char *path, enum rove_ctl_cmd cmd, int timeout_ms,
				   struct rove_buf *reply, struct rove_err *err)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct sockaddr_un sun;
	char req[ROVE_CTL_MAX_REQUEST];
	int fd, r;

	rove_buf_init(reply);
	if (fill_sun(&sun, path, err) < 0)
		return ROVE_CTL_ERROR;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rove_err_set(err, ROVE_E_IO, "cannot create a socket: %s", strerror(errno));
		return ROVE_CTL_ERROR;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(fd);
		if (e == ENOENT)
			return ROVE_CTL_ABSENT;
		if (e == ECONNREFUSED)
			return ROVE_CTL_STALE;
		/* A full backlog: the daemon is alive but not accepting. */
		if (e == EAGAIN)
			rove_err_set(err, ROVE_E_IO, "the session is busy; try again");
		else
			rove_err_set(err, ROVE_E_IO, "cannot connect to %s: %s", path, strerror(e));
		return ROVE_CTL_ERROR;
	}
	snprintf(req, sizeof(req), "%s\n", rove_ctl_cmd_name(cmd));
	r = send_all(fd, req, strlen(req), deadline, err);
	if (r == 0)
		r = recv_all(fd, reply, deadline, err);
	close(fd);
	if (r < 0) {
		rove_buf_free(reply);
		return ROVE_CTL_ERROR;
	}
	return ROVE_CTL_OK;
}
