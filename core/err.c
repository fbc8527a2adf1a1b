/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "err.h"

#include <stdio.h>
#include <string.h>

int rove_err_vset(struct rove_err *err, enum rove_errc code, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int rove_err_set(struct rove_err *err, enum rove_errc code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rove_err_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int rove_err_prefix(struct rove_err *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation keeps the prefix, which names where the error was. */
	int n = snprintf(err->msg, sizeof(err->msg), "%s: ", prefix);
	if (n > 0 && (size_t)n < sizeof(err->msg)) {
		size_t room = sizeof(err->msg) - (size_t)n - 1;
		size_t len = strnlen(old, room);

		memcpy(err->msg + n, old, len);
		err->msg[(size_t)n + len] = '\0';
	}
	return -1;
}

void rove_err_clear(struct rove_err *err)
{
	if (!err)
		return;
	err->code = ROVE_E_OK;
	err->msg[0] = '\0';
}
