/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's parsers: the first byte picks the request parser,
 * the JSON string escaper (json-glib's generator after rove's UTF-8 repair,
 * checked by reading its output back) or the JSON reader (rove's depth
 * check, then json-glib's parser); the rest is the input. */
#include "ctl.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_request(const uint8_t *p, size_t n)
{
	struct rove_err err;
	enum rove_ctl_cmd cmd;
	int r = rove_ctl_parse(p, n, &cmd, &err);

	/* A complete request is exactly a known word and a newline. */
	if (r == 1 && (n < 2 || p[n - 1] != '\n' || cmd == ROVE_CTL_NONE ||
		       strlen(rove_ctl_cmd_name(cmd)) != n - 1))
		abort();
	/* The daemon feeds it growing prefixes. */
	for (size_t i = 0; i < n && i < 128; i++)
		rove_ctl_parse(p, i, &cmd, &err);
}

static void fuzz_escape(const uint8_t *p, size_t n)
{
	static const char fffd[] = "\xef\xbf\xbd";
	struct rove_buf b;
	struct rove_err err;
	struct rove_json *j;

	rove_buf_init(&b);
	rove_json_escape(&b, (const char *)p, n);
	if (b.failed)
		abort();
	j = rove_json_parse((const char *)b.data, b.len, &err);
	if (!j || j->type != ROVE_JSON_STRING)
		abort();
	/* Unless a bad byte was replaced, the text comes back unchanged. */
	if (!memmem(j->str, j->len, fffd, 3) && (j->len != n || memcmp(j->str, p, n) != 0))
		abort();
	rove_json_free(j);
	rove_buf_free(&b);
}

static void fuzz_reader(const uint8_t *p, size_t n)
{
	struct rove_err err;
	struct rove_json *j = rove_json_parse((const char *)p, n, &err);

	if (j) {
		/* Exercise the accessors the status table uses. */
		rove_json_get_str(j, "name", NULL);
		rove_json_get_u64(j, "pid", 0);
		for (size_t i = 0; i < rove_json_count(j); i++)
			rove_json_u64(rove_json_at(j, i), 0);
	}
	rove_json_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_request(data + 1, size - 1);
		break;
	case 1:
		fuzz_escape(data + 1, size - 1);
		break;
	case 2:
		fuzz_reader(data + 1, size - 1);
		break;
	}
	return 0;
}
