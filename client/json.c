/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON writer: the control socket's answers. */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void put_str(struct rove_buf *b, const char *s)
{
	rove_buf_add(b, s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0 when it is not one. */
static size_t utf8_seq_len(const uint8_t *p, size_t n)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t need;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < need + 1 || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i <= need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need + 1;
}

static void escape_ascii(struct rove_buf *out, uint8_t c)
{
	char tmp[8];

	switch (c) {
	case '"': put_str(out, "\\\""); return;
	case '\\': put_str(out, "\\\\"); return;
	case '\n': put_str(out, "\\n"); return;
	case '\r': put_str(out, "\\r"); return;
	case '\t': put_str(out, "\\t"); return;
	case '\b': put_str(out, "\\b"); return;
	case '\f': put_str(out, "\\f"); return;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(tmp, sizeof(tmp), "\\u%04x", c);
		put_str(out, tmp);
		return;
	}
	rove_buf_add_u8(out, c);
}

void rove_json_escape(struct rove_buf *out, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;

	rove_buf_add_u8(out, '"');
	while (i < n) {
		size_t k;

		if (p[i] < 0x80) {
			escape_ascii(out, p[i]);
			i++;
		} else if ((k = utf8_seq_len(p + i, n - i)) != 0) {
			rove_buf_add(out, p + i, k);
			i += k;
		} else {
			/* A name or message from the network may be any bytes;
			 * JSON must stay UTF-8. */
			put_str(out, "\\ufffd");
			i++;
		}
	}
	rove_buf_add_u8(out, '"');
}

void rove_jw_init(struct rove_jw *w, struct rove_buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

/* Separates a value from the previous one, unless it follows a key. */
static void value_prefix(struct rove_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0 && w->need_comma[w->depth - 1])
		rove_buf_add_u8(w->out, ',');
	if (w->depth > 0)
		w->need_comma[w->depth - 1] = true;
}

static void open_container(struct rove_jw *w, char c)
{
	value_prefix(w);
	rove_buf_add_u8(w->out, (uint8_t)c);
	if (w->depth >= ROVE_JSON_MAX_DEPTH) {
		w->out->failed = true;
		return;
	}
	w->need_comma[w->depth++] = false;
}

static void close_container(struct rove_jw *w, char c)
{
	if (w->depth == 0 || w->after_key) {
		w->out->failed = true;
		return;
	}
	w->depth--;
	rove_buf_add_u8(w->out, (uint8_t)c);
}

void rove_jw_obj_begin(struct rove_jw *w) { open_container(w, '{'); }
void rove_jw_obj_end(struct rove_jw *w) { close_container(w, '}'); }
void rove_jw_arr_begin(struct rove_jw *w) { open_container(w, '['); }
void rove_jw_arr_end(struct rove_jw *w) { close_container(w, ']'); }

void rove_jw_key(struct rove_jw *w, const char *key)
{
	value_prefix(w);
	rove_json_escape(w->out, key, strlen(key));
	rove_buf_add_u8(w->out, ':');
	w->after_key = true;
}

void rove_jw_strn(struct rove_jw *w, const char *s, size_t n)
{
	value_prefix(w);
	rove_json_escape(w->out, s, n);
}

void rove_jw_str(struct rove_jw *w, const char *s)
{
	if (!s) {
		rove_jw_null(w);
		return;
	}
	rove_jw_strn(w, s, strlen(s));
}

static void raw_value(struct rove_jw *w, const char *text)
{
	value_prefix(w);
	put_str(w->out, text);
}

void rove_jw_u64(struct rove_jw *w, uint64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	raw_value(w, tmp);
}

void rove_jw_i64(struct rove_jw *w, int64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	raw_value(w, tmp);
}

void rove_jw_bool(struct rove_jw *w, bool v) { raw_value(w, v ? "true" : "false"); }
void rove_jw_null(struct rove_jw *w) { raw_value(w, "null"); }

void rove_jw_hex(struct rove_jw *w, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	value_prefix(w);
	rove_buf_add_u8(w->out, '"');
	for (size_t i = 0; i < n; i++) {
		rove_buf_add_u8(w->out, (uint8_t)digits[p[i] >> 4]);
		rove_buf_add_u8(w->out, (uint8_t)digits[p[i] & 15]);
	}
	rove_buf_add_u8(w->out, '"');
}

const char *rove_jw_finish(struct rove_jw *w)
{
	if (w->depth != 0 || w->after_key)
		w->out->failed = true;
	rove_buf_add_u8(w->out, '\n');
	if (!rove_buf_reserve(w->out, 1) || w->out->failed)
		return NULL;
	w->out->data[w->out->len] = '\0';
	return (const char *)w->out->data;
}
