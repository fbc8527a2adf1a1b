/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `rove` subcommands. Each takes its own argv (argv[0] is the
 * subcommand name) and returns the process exit code: 0 ok, 1 runtime
 * failure, 2 usage or configuration error. */
#ifndef ROVE_COMMANDS_H
#define ROVE_COMMANDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

enum { ROVE_EXIT_OK = 0, ROVE_EXIT_FAIL = 1, ROVE_EXIT_USAGE = 2 };

int rove_cmd_up(int argc, char **argv);
int rove_cmd_down(int argc, char **argv);
int rove_cmd_status(int argc, char **argv);
int rove_cmd_check(int argc, char **argv);
int rove_cmd_import(int argc, char **argv);

void rove_usage(FILE *f);
/* What `rove CMD --help` says of the option whose getopt value is val. */
struct rove_optdoc {
	int val;
	const char *arg; /* its argument's name, NULL for none */
	const char *text;
};
/* `rove CMD --help`: CMD's synopsis line, then every option of opts (but
 * --help): its short form when shortopts has its value, docs' text (the
 * list ends with val 0). */
void rove_cmd_help(const char *cmd, const char *shortopts, const struct option *opts,
		   const struct rove_optdoc *docs);
/* Prints "rove: " and the message to stderr, then the usage; returns 2. */
int rove_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For getopt_long's '?' and ':' (optstring starting with ':'); returns 2. */
int rove_option_error(int c, char **argv);

/* stale.c: undoes what a crashed session NAME left behind. */
void rove_stale_cleanup(const char *name);
/* Waits up to ms for a process that is not our child to be gone. */
bool rove_pid_wait_gone(pid_t pid, int ms);

#endif
