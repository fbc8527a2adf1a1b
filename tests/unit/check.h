/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal unit-test harness: CHECK() records a failure with its location
 * and goes on; RUN() runs one test function; main returns check_summary(). */
#ifndef ROVE_CHECK_H
#define ROVE_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                          \
	do {                                                                 \
		check_count++;                                               \
		if (!(cond)) {                                               \
			check_failures++;                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",         \
				__FILE__, __LINE__, #cond);                  \
		}                                                            \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

#define RUN(fn)                                                              \
	do {                                                                 \
		int before_ = check_failures;                                \
		fn();                                                        \
		fprintf(stderr, "%s %s\n",                                   \
			check_failures == before_ ? "ok  " : "FAIL", #fn);   \
	} while (0)

/* Decodes a hex string (whitespace ignored) into out; returns the length. */
static inline size_t check_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;
		char c = *hex;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= max) {
				fprintf(stderr, "check_hex: buffer too small\n");
				abort();
			}
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static inline int check_summary(void)
{
	fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
