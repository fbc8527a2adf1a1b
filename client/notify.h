/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service manager's readiness protocol (sd_notify(3)) without
 * libsystemd: one datagram of "KEY=VALUE\n..." to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). With
 * Type=notify, systemd holds `systemctl start rove@NAME` until READY=1,
 * and a session that fails before that shows as a failed start. */
#ifndef ROVE_NOTIFY_H
#define ROVE_NOTIFY_H

#include "err.h"

/* Sends `state` (e.g. "READY=1\nSTATUS=vpn: up") to $NOTIFY_SOCKET.
 * Returns 1 when sent, 0 when the variable is unset or empty (not started
 * by a service manager that listens), -1 with err set otherwise. */
int rove_notify(const char *state, struct rove_err *err);

#endif
