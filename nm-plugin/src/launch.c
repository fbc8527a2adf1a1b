/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-rove-service: the program rove's .name file names, which
 * NetworkManager runs for each activation (`--bus-name NAME`). It links
 * libc only, hands its arguments and stdio to the zygote (zygote.h), which
 * forks an initialised nm-rove-worker for the bus name, and exits; without
 * a zygote it becomes nm-rove-worker itself (exec, same arguments).
 * NetworkManager follows the bus name, not this process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "zygote.h"

#ifndef ROVE_NM_WORKER
#error "ROVE_NM_WORKER (nm-rove-worker's installed path) is set by meson"
#endif

/* Connects to the zygote; -1 when there is none or it is not root's. The
 * zygote answers within microseconds; a stopped one is waited for 2 s. */
static int zygote_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *dir = getenv("ROVE_RUN_DIR");
	struct timeval tv = { 2, 0 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd, n;

	if (!dir || !*dir)
		dir = "/run/rove";
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, ROVE_NM_ZYGOTE_SOCKET);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 0 when the zygote forked a worker for these arguments. */
static int ask_zygote(int argc, char **argv)
{
	char buf[ROVE_NM_ZYGOTE_MAX];
	size_t len = sizeof(ROVE_NM_ZYGOTE_TAG);
	union {
		char b[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct iovec iov = { buf, 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int fds[3] = { 0, 1, 2 };
	char answer = 0;
	int fd, ok;

	memcpy(buf, ROVE_NM_ZYGOTE_TAG, len);
	for (int i = 1; i < argc; i++) {
		size_t a = strlen(argv[i]) + 1;

		if (len + a > sizeof(buf))
			return -1;
		memcpy(buf + len, argv[i], a);
		len += a;
	}
	iov.iov_len = len;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	fd = zygote_connect();
	if (fd < 0)
		return -1;
	ok = sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)len && recv(fd, &answer, 1, 0) == 1 &&
	     answer == 'y';
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	/* NetworkManager's way (supports-multiple-connections); anything
	 * else (--persist, --help, by hand) goes to the worker directly. */
	if (argc == 3 && !strcmp(argv[1], "--bus-name") && ask_zygote(argc, argv) == 0)
		return 0;
	argv[0] = (char *)ROVE_NM_WORKER;
	execv(ROVE_NM_WORKER, argv);
	fprintf(stderr, "nm-rove-service: cannot run %s: %m\n", ROVE_NM_WORKER);
	return 1;
}
