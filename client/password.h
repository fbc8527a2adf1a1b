/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the EAP password from a file or the terminal. The caller owns the
 * buffer and wipes it (rove_wipe) once the session has copied it. */
#ifndef ROVE_PASSWORD_H
#define ROVE_PASSWORD_H

#include <stddef.h>

#include "err.h"

#define ROVE_PASSWORD_MAX 256

/* The first line of path, trailing newline stripped, into buf (NUL-
 * terminated); *outlen gets its length. Refuses a file other users could
 * read, and an empty password. */
int rove_password_from_file(const char *path, char *buf, size_t len, size_t *outlen,
			    struct rove_err *err);

/* Prints prompt on stderr and reads a line from the terminal on stdin with
 * echo off; the terminal is restored even when Ctrl-C interrupts. */
int rove_password_prompt(const char *prompt, char *buf, size_t len, size_t *outlen,
			 struct rove_err *err);

#endif
