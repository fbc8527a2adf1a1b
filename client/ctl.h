/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket protocol between `rove status|down` and a session
 * daemon: the client sends one request line, the daemon answers with one
 * JSON document and closes the connection.
 *
 *   "status\n" -> the session (docs/cli.md lists the fields)
 *   "down\n"   -> {"ok":true} once the session is closed
 *   "ping\n"   -> {"name":"NAME","pid":1234}
 *
 * Only root (or the daemon's own user) may connect: SO_PEERCRED. */
#ifndef ROVE_CTL_H
#define ROVE_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

enum rove_ctl_cmd {
	ROVE_CTL_NONE = 0,
	ROVE_CTL_STATUS,
	ROVE_CTL_DOWN,
	ROVE_CTL_PING,
};

/* A request is a word and a newline; anything longer is not one of ours. */
#define ROVE_CTL_MAX_REQUEST 64
/* Upper bound on an answer, so a confused peer cannot exhaust memory. */
#define ROVE_CTL_MAX_REPLY (1024 * 1024)

/* Parses the bytes received so far: 1 with *cmd set when buf[0..len) is one
 * complete request, 0 when more bytes could still make one, -1 (err set)
 * when it cannot be a valid request. Never reads past len. */
int rove_ctl_parse(const uint8_t *buf, size_t len, enum rove_ctl_cmd *cmd, struct rove_err *err);
const char *rove_ctl_cmd_name(enum rove_ctl_cmd cmd); /* "status", ... */

/* ---- daemon side ---- */

/* Binds and listens on path (mode 0600), non-blocking and close-on-exec.
 * Fails with ROVE_E_INVAL when the path exists (someone else's socket). */
int rove_ctl_listen(const char *path, struct rove_err *err);
/* True when the peer of a connected socket is root or `self`. */
bool rove_ctl_peer_allowed(int fd, uid_t self);

/* ---- client side ---- */

enum rove_ctl_result {
	ROVE_CTL_ERROR = -1, /* err says why */
	ROVE_CTL_OK = 0,
	ROVE_CTL_ABSENT,     /* no socket: the session is not up */
	ROVE_CTL_STALE,      /* a socket nobody listens on: a crashed session */
};

/* Sends cmd and reads the whole answer into reply (NUL-terminated, not
 * counted in reply->len; the caller frees it), waiting at most timeout_ms. */
enum rove_ctl_result rove_ctl_call(const char *path, enum rove_ctl_cmd cmd, int timeout_ms,
				   struct rove_buf *reply, struct rove_err *err);

#endif
