/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `rove up`'s session process around the runner (core/runner/runner.h):
 * its own main loop, the control socket, the pid file, signals, the log
 * and sd_notify.
 *
 * Progress goes to `report_fd` while somebody waits for the session to come
 * up (the `rove up` parent over a pipe), one line per message:
 *   "p TEXT"  progress for the user      "v TEXT"  verbose exchange log
 *   "f TEXT"  failed (the engine's sentence)   "u"  up, stop waiting
 * and to stderr (the terminal in --foreground, else /run/rove/NAME.log). */
#ifndef ROVE_SESSION_PROC_H
#define ROVE_SESSION_PROC_H

#include <stdbool.h>

#include "daemon.h"
#include "runner.h"

/* run.c: runs the runner until it is closed or fails; returns the exit code
 * (0 after an orderly close, 1 after a failure, 2 when the CA file cannot
 * be parsed). The control socket must not exist yet (the caller cleared
 * stale ones). Takes r and report_fd. */
int rove_session_process(struct rove_runner *r, bool foreground, int report_fd);

/* rove_session_process in two halves, so that `rove up` sends the first
 * IKE_SA_INIT before it forks: begin binds the control socket (the lock
 * against a second session of the name) and sends it, logging to log_fd
 * (-1: stderr) until run. It takes r, report_fd and log_fd. NULL with err
 * when the socket cannot be bound or the CA file cannot be parsed
 * (*config_error; everything freed, the socket removed). Otherwise the
 * session process goes on with run (pid file, signals, the datapath, the
 * loop; returns the exit code), the other process drops its copy with
 * forget, which leaves the socket file and puts nothing on the system. */
struct rove_sessproc;
struct rove_sessproc *rove_sessproc_begin(struct rove_runner *r, bool foreground, int report_fd,
					  int log_fd, bool *config_error, struct rove_err *err);
int rove_sessproc_run(struct rove_sessproc *p);
void rove_sessproc_forget(struct rove_sessproc *p);

/* spawn.c: forks; the child detaches and runs the session, the parent
 * prints its progress and returns `rove up`'s exit code once it is up
 * (0) or has failed (1; 2 when the CA file cannot be parsed). The parent
 * frees its copy of the runner. */
int rove_spawn(struct rove_runner *r);

/* daemon_ctl.c: the control socket inside the loop. */
int rove_daemon_ctl_open(struct rove_daemon *d, struct rove_err *err);
void rove_daemon_ctl_shutdown(struct rove_daemon *d); /* answers pending downs, closes all */
/* daemon_status.c: the status document for `rove status --json`. */
const char *rove_daemon_status_json(struct rove_daemon *d, struct rove_buf *out);

#endif
