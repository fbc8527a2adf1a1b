/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The warm start of nm-rove-service (docs/nm.md, "Start time").
 *
 * NetworkManager starts a new service process for every activation of a
 * rove connection (supports-multiple-connections: each connection has a
 * process and a bus name of its own) and waits for its bus name. Loading
 * nm-rove-worker (libnm, GIO, OpenSSL: 27 shared libraries) took most of
 * `nmcli connection up`'s time. So the program NetworkManager runs,
 * nm-rove-service (launch.c), links nothing but libc and asks the zygote,
 * a resident copy of nm-rove-worker that has loaded and initialised all
 * of that once and stays single-threaded, for a worker for the bus name:
 * the spare it keeps ready (forked, already on the system bus) takes the
 * request, or the zygote forks a worker itself. Without a zygote (the first activation, after an upgrade) the
 * launcher execs nm-rove-worker itself, which forks a new zygote before
 * it starts any thread.
 *
 * The socket is RUN_DIR/nm-worker.zygote (/run/rove, or $ROVE_RUN_DIR: a
 * directory only root may write), a lock file beside it tells a live
 * zygote from a dead one's socket, and both ends check that the other is
 * root (SO_PEERCRED). */
#ifndef ROVE_NM_ZYGOTE_H
#define ROVE_NM_ZYGOTE_H

/* In the run directory: the zygote's socket, and the lock it holds (not
 * NAME.sock: `rove` takes those for its sessions' control sockets). */
#define ROVE_NM_ZYGOTE_SOCKET "nm-worker.zygote"
#define ROVE_NM_ZYGOTE_LOCK "nm-worker.zygote-lock"
/* A request: this tag, then the service's arguments (argv[1..], each
 * NUL-terminated), with the launcher's stdin, stdout and stderr as
 * SCM_RIGHTS. The answer: one byte, 'y' forked, 'n' refused (the
 * launcher then execs nm-rove-worker itself). */
#define ROVE_NM_ZYGOTE_TAG "rove-zygote-1"
#define ROVE_NM_ZYGOTE_MAX 4096

/* Called first in nm-rove-worker's main, before any thread exists: forks
 * the zygote (which exits at once if another one serves already) and
 * returns. In a worker the zygote forked for a request it returns too,
 * with *argc and *argv replaced by the request's arguments (argv[0]
 * "nm-rove-worker"; the strings live until exit), and ps shows them. The
 * zygote itself never returns. */
void rove_nm_zygote(int *argc, char ***argv);

#endif
