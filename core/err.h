/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Errors as values: a code and a human sentence. No allocation. */
#ifndef ROVE_ERR_H
#define ROVE_ERR_H

#include <stdarg.h>

enum rove_errc {
	ROVE_E_OK = 0,
	ROVE_E_INVAL,       /* bad argument or configuration */
	ROVE_E_PARSE,       /* malformed input from the wire or a file */
	ROVE_E_CRITICAL,    /* unsupported critical payload */
	ROVE_E_NOMEM,
	ROVE_E_CRYPTO,      /* a crypto primitive failed or rejected input */
	ROVE_E_UNSUPPORTED, /* valid but not something we implement */
	ROVE_E_AUTH,        /* authentication failed (peer or us) */
	ROVE_E_CERT,        /* certificate rejected */
	ROVE_E_PROTO,       /* protocol violation by the peer */
	ROVE_E_IO,          /* system call failed (platform layer only) */
};

struct rove_err {
	enum rove_errc code;
	char msg[512];
};

/* Sets *err (if not NULL) and returns -1 so callers can write
 * `return rove_err_set(err, ROVE_E_PARSE, "...", ...);`. */
int rove_err_set(struct rove_err *err, enum rove_errc code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rove_err_vset(struct rove_err *err, enum rove_errc code, const char *fmt, va_list ap);
/* Prepends "prefix: " to an existing message; returns -1. */
int rove_err_prefix(struct rove_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rove_err_clear(struct rove_err *err);

#endif
