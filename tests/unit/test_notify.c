/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sd_notify protocol without libsystemd: what arrives at a real
 * AF_UNIX datagram socket, named by a path and in the abstract namespace,
 * as systemd sets NOTIFY_SOCKET; and what is refused. */
#include "check.h"
#include "notify.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A listener like systemd's: bound to `name` (a path, or "@x" abstract). */
static int listener(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		sl++;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sl) < 0) {
		perror("listener");
		abort();
	}
	return fd;
}

/* The one datagram waiting on fd, NUL-terminated; "" if none. */
static void receive(int fd, char *out, size_t size)
{
	ssize_t n = recv(fd, out, size - 1, MSG_DONTWAIT);

	out[n > 0 ? n : 0] = '\0';
}

static void test_unset(void)
{
	struct rove_err err;

	unsetenv("NOTIFY_SOCKET");
	CHECK(rove_notify("READY=1", &err) == 0);
	setenv("NOTIFY_SOCKET", "", 1);
	CHECK(rove_notify("READY=1", &err) == 0);
}

static void test_path(void)
{
	char dir[] = "/tmp/rove-notify.XXXXXX", path[128], got[256];
	struct rove_err err;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	CHECK(rove_notify("READY=1\nSTATUS=vpn: up", &err) == 1);
	receive(fd, got, sizeof(got));
	CHECK_STR(got, "READY=1\nSTATUS=vpn: up");
	/* One datagram per call, in order. */
	CHECK(rove_notify("STOPPING=1", &err) == 1);
	receive(fd, got, sizeof(got));
	CHECK_STR(got, "STOPPING=1");
	receive(fd, got, sizeof(got));
	CHECK_STR(got, "");
	close(fd);
	/* Nobody listens any more: an error naming the socket. */
	unlink(path);
	CHECK(rove_notify("READY=1", &err) == -1);
	CHECK(strstr(err.msg, path) != NULL);
	rmdir(dir);
}

static void test_abstract(void)
{
	char name[64], got[256];
	struct rove_err err;
	int fd;

	snprintf(name, sizeof(name), "@rove-notify-test-%ld", (long)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK(rove_notify("READY=1", &err) == 1);
	receive(fd, got, sizeof(got));
	CHECK_STR(got, "READY=1");
	close(fd);
}

static void test_refused(void)
{
	char longpath[200];
	struct rove_err err;

	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	CHECK(rove_notify("READY=1", &err) == -1);
	CHECK(strstr(err.msg, "relative/notify") != NULL);
	/* sun_path holds 108 bytes with the terminator. */
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longpath, 1);
	CHECK(rove_notify("READY=1", &err) == -1);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	RUN(test_unset);
	RUN(test_path);
	RUN(test_abstract);
	RUN(test_refused);
	return check_summary();
}
