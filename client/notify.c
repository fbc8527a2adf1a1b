/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int rove_notify(const char *state, struct rove_err *err)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n, len = strlen(state);
	socklen_t sl;
	ssize_t w;
	int fd;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	/* "@name": the abstract namespace, whose names begin with a NUL and
	 * are as long as the address length says (no terminator). */
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sun.sun_path))
		return rove_err_set(err, ROVE_E_INVAL, "NOTIFY_SOCKET=%s is not a socket "
				    "path rove can use", path);
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, "notify socket: %s", strerror(errno));
	/* systemd reads the sender's credentials from the socket itself
	 * (SO_PASSCRED on its side): a plain datagram is all it needs. */
	do
		w = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sun, sl);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		rove_err_set(err, ROVE_E_IO, "telling the service manager at %s: %s", path,
			     strerror(errno));
	close(fd);
	if (w < 0)
		return -1;
	if ((size_t)w != len)
		return rove_err_set(err, ROVE_E_IO, "telling the service manager at %s: a short "
				    "write", path);
	return 1;
}
