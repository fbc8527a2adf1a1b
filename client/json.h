/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON for the control socket and `rove status --json`, through json-glib.
 *
 * Writer: builds the document with a JsonBuilder and appends JsonGenerator's
 * compact text to a struct rove_buf owned by the caller at rove_jw_finish
 * (which also frees the builder: every rove_jw_init needs its finish).
 * Strings are made valid UTF-8 first (each invalid byte, and NUL, becomes
 * U+FFFD), so the output is valid JSON whatever the bytes. Numbers are
 * json-glib's 64-bit signed integers: rove_jw_u64 clamps at INT64_MAX.
 *
 * Reader: parses a whole document with JsonParser (after refusing nesting
 * deeper than ROVE_JSON_MAX_DEPTH, which json-glib would recurse into
 * without bound) into a tree the caller frees with rove_json_free;
 * accessors return NULL/defaults for a missing key or a value of another
 * type, so callers need not check every step. */
#ifndef ROVE_JSON_H
#define ROVE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define ROVE_JSON_MAX_DEPTH 32

/* ---- writer ---- */

struct rove_jw {
	struct rove_buf *out;
	void *builder; /* JsonBuilder, until rove_jw_finish */
	int depth;
	bool after_key;
	bool failed;
};

void rove_jw_init(struct rove_jw *w, struct rove_buf *out);
void rove_jw_obj_begin(struct rove_jw *w);
void rove_jw_obj_end(struct rove_jw *w);
void rove_jw_arr_begin(struct rove_jw *w);
void rove_jw_arr_end(struct rove_jw *w);
void rove_jw_key(struct rove_jw *w, const char *key);
void rove_jw_str(struct rove_jw *w, const char *s);           /* NULL writes null */
void rove_jw_strn(struct rove_jw *w, const char *s, size_t n);
void rove_jw_u64(struct rove_jw *w, uint64_t v);
void rove_jw_i64(struct rove_jw *w, int64_t v);
void rove_jw_bool(struct rove_jw *w, bool v);
void rove_jw_null(struct rove_jw *w);
/* Lower-case hex of n bytes as a string value. */
void rove_jw_hex(struct rove_jw *w, const uint8_t *p, size_t n);
/* Appends the document, a newline and a NUL (not counted in out->len) and
 * frees the builder; returns the text, or NULL (out->failed set) when the
 * document is unbalanced or too deep. */
const char *rove_jw_finish(struct rove_jw *w);

/* Appends s[0..n) as a quoted JSON string (json-glib's escaping, after the
 * UTF-8 repair above). */
void rove_json_escape(struct rove_buf *out, const char *s, size_t n);

/* s[0..n) as valid UTF-8 without NUL: each invalid byte (and NUL, and
 * U+001F, which json-glib 1.6 writes unescaped) becomes U+FFFD. The writer
 * and the reader use it; the caller frees the result with g_free. */
char *rove_json_utf8_repair(const char *s, size_t n);

/* ---- reader ---- */

enum rove_json_type {
	ROVE_JSON_NULL,
	ROVE_JSON_BOOL,
	ROVE_JSON_NUMBER,
	ROVE_JSON_STRING,
	ROVE_JSON_ARRAY,
	ROVE_JSON_OBJECT,
};

struct rove_json {
	enum rove_json_type type;
	bool b;
	char *str;               /* STRING: decoded UTF-8, NUL-terminated; NUMBER: its text */
	size_t len;              /* STRING: bytes (may contain NUL) */
	size_t n;                /* ARRAY/OBJECT: members */
	struct rove_json **items;
	char **keys;             /* OBJECT: member names */
};

/* Parses text[0..len); NULL with err set on malformed input. */
struct rove_json *rove_json_parse(const char *text, size_t len, struct rove_err *err);
void rove_json_free(struct rove_json *j);

const struct rove_json *rove_json_get(const struct rove_json *obj, const char *key);
const struct rove_json *rove_json_at(const struct rove_json *arr, size_t i);
size_t rove_json_count(const struct rove_json *arr); /* 0 unless array/object */
const char *rove_json_str(const struct rove_json *j, const char *dflt);
uint64_t rove_json_u64(const struct rove_json *j, uint64_t dflt);
bool rove_json_bool(const struct rove_json *j, bool dflt);
/* Shorthands for obj[key]. */
const char *rove_json_get_str(const struct rove_json *obj, const char *key, const char *dflt);
uint64_t rove_json_get_u64(const struct rove_json *obj, const char *key, uint64_t dflt);
bool rove_json_get_bool(const struct rove_json *obj, const char *key, bool dflt);

#endif
