/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where sessions live: /run/rove/NAME.{sock,pid,log} (ROVE_RUN_DIR
 * overrides the directory, for tests) and /etc/rove/NAME.conf
 * (ROVE_CONFIG_DIR). Paths are written into caller buffers. */
#ifndef ROVE_RUNDIR_H
#define ROVE_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define ROVE_PATH_MAX 4096

const char *rove_run_dir(void);    /* static or environment storage */
const char *rove_config_dir(void);

/* A session name: letters, digits, '.', '_', '-', not starting with '.',
 * at most 63 bytes (it becomes a file name). */
bool rove_name_valid(const char *name);

/* run_dir/NAME + suffix (".sock", ".pid", ".log"). */
int rove_run_path(char *out, size_t len, const char *name, const char *suffix,
		  struct rove_err *err);
/* Creates the run directory (mode 0700) if needed and checks that nobody
 * but its owner can enter it. */
int rove_run_dir_create(struct rove_err *err);

int rove_pidfile_write(const char *name, pid_t pid, struct rove_err *err);
pid_t rove_pidfile_read(const char *name); /* 0 when absent or garbage */
/* Removes NAME.sock and NAME.pid (not the log). */
void rove_run_cleanup(const char *name);

/* Names of all sessions with a socket in the run directory, sorted; the
 * caller frees with rove_names_free. Returns the count, -1 on error. */
int rove_run_list(char ***names, struct rove_err *err);
void rove_names_free(char **names, int n);

#endif
