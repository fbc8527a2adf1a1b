/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON reader (RFC 8259) for what `rove status` receives. Strict: one value,
 * optional whitespace around it, nesting bounded by ROVE_JSON_MAX_DEPTH. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

struct parser {
	const char *p;
	size_t len, off;
	struct rove_err *err;
};

static struct rove_json *parse_value(struct parser *ps, int depth);

static int fail(struct parser *ps, const char *what)
{
	return rove_err_set(ps->err, ROVE_E_PARSE, "bad JSON at byte %zu: %s", ps->off, what);
}

static void skip_ws(struct parser *ps)
{
	while (ps->off < ps->len) {
		char c = ps->p[ps->off];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->off++;
	}
}

static bool eat(struct parser *ps, char c)
{
	skip_ws(ps);
	if (ps->off < ps->len && ps->p[ps->off] == c) {
		ps->off++;
		return true;
	}
	return false;
}

static bool eat_word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);

	if (ps->len - ps->off < n || memcmp(ps->p + ps->off, w, n) != 0)
		return false;
	ps->off += n;
	return true;
}

static struct rove_json *node(enum rove_json_type t)
{
	struct rove_json *j = calloc(1, sizeof(*j));

	if (j)
		j->type = t;
	return j;
}

void rove_json_free(struct rove_json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		rove_json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->str);
	free(j);
}

static int hex4(struct parser *ps, unsigned *out)
{
	unsigned v = 0;

	if (ps->len - ps->off < 4)
		return fail(ps, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = ps->p[ps->off++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(ps, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static void put_utf8(struct rove_buf *b, unsigned cp)
{
	if (cp < 0x80) {
		rove_buf_add_u8(b, (uint8_t)cp);
	} else if (cp < 0x800) {
		rove_buf_add_u8(b, (uint8_t)(0xc0 | cp >> 6));
		rove_buf_add_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		rove_buf_add_u8(b, (uint8_t)(0xe0 | cp >> 12));
		rove_buf_add_u8(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		rove_buf_add_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		rove_buf_add_u8(b, (uint8_t)(0xf0 | cp >> 18));
		rove_buf_add_u8(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
		rove_buf_add_u8(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		rove_buf_add_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

/* \uXXXX, joining a surrogate pair; a lone surrogate becomes U+FFFD. */
static int unicode_escape(struct parser *ps, struct rove_buf *b)
{
	unsigned cp, lo;

	if (hex4(ps, &cp) < 0)
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff && ps->len - ps->off >= 6 &&
	    ps->p[ps->off] == '\\' && ps->p[ps->off + 1] == 'u') {
		size_t save = ps->off;

		ps->off += 2;
		if (hex4(ps, &lo) < 0)
			return -1;
		if (lo >= 0xdc00 && lo <= 0xdfff) {
			put_utf8(b, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
			return 0;
		}
		ps->off = save;
	}
	put_utf8(b, cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
	return 0;
}

static int simple_escape(struct parser *ps, struct rove_buf *b, char c)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *k = c ? strchr(from, c) : NULL;

	if (!k)
		return fail(ps, "bad escape");
	rove_buf_add_u8(b, (uint8_t)to[k - from]);
	return 0;
}

/* The string body after its opening quote, into a NUL-terminated copy. */
static int parse_string(struct parser *ps, char **out, size_t *outlen)
{
	struct rove_buf b;

	rove_buf_init(&b);
	for (;;) {
		char c;

		if (ps->off >= ps->len) {
			fail(ps, "unterminated string");
			goto err;
		}
		c = ps->p[ps->off++];
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20) {
			fail(ps, "control character in a string");
			goto err;
		}
		if (c != '\\') {
			rove_buf_add_u8(&b, (uint8_t)c);
			continue;
		}
		if (ps->off >= ps->len) {
			fail(ps, "unterminated string");
			goto err;
		}
		c = ps->p[ps->off++];
		if ((c == 'u' ? unicode_escape(ps, &b) : simple_escape(ps, &b, c)) < 0)
			goto err;
	}
	rove_buf_add_u8(&b, 0);
	if (b.failed) {
		rove_err_set(ps->err, ROVE_E_NOMEM, "out of memory");
		goto err;
	}
	*outlen = b.len - 1;
	*out = malloc(b.len);
	if (!*out) {
		rove_err_set(ps->err, ROVE_E_NOMEM, "out of memory");
		goto err;
	}
	memcpy(*out, b.data, b.len);
	rove_buf_free(&b);
	return 0;
err:
	rove_buf_free(&b);
	return -1;
}

static bool is_digit(struct parser *ps)
{
	return ps->off < ps->len && ps->p[ps->off] >= '0' && ps->p[ps->off] <= '9';
}

static void skip_digits(struct parser *ps)
{
	while (is_digit(ps))
		ps->off++;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? kept as text. */
static struct rove_json *parse_number(struct parser *ps)
{
	size_t start = ps->off;
	struct rove_json *j;

	if (ps->off < ps->len && ps->p[ps->off] == '-')
		ps->off++;
	if (!is_digit(ps))
		return fail(ps, "bad number"), NULL;
	if (ps->p[ps->off] == '0')
		ps->off++;
	else
		skip_digits(ps);
	if (ps->off < ps->len && ps->p[ps->off] == '.') {
		ps->off++;
		if (!is_digit(ps))
			return fail(ps, "bad number"), NULL;
		skip_digits(ps);
	}
	if (ps->off < ps->len && (ps->p[ps->off] == 'e' || ps->p[ps->off] == 'E')) {
		ps->off++;
		if (ps->off < ps->len && (ps->p[ps->off] == '+' || ps->p[ps->off] == '-'))
			ps->off++;
		if (!is_digit(ps))
			return fail(ps, "bad number"), NULL;
		skip_digits(ps);
	}
	j = node(ROVE_JSON_NUMBER);
	if (j)
		j->str = strndup(ps->p + start, ps->off - start);
	if (!j || !j->str) {
		rove_json_free(j);
		rove_err_set(ps->err, ROVE_E_NOMEM, "out of memory");
		return NULL;
	}
	return j;
}

static int add_member(struct rove_json *j, char *key, struct rove_json *v, size_t *cap)
{
	if (j->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct rove_json **items = realloc(j->items, ncap * sizeof(*items));

		if (!items)
			return -1;
		j->items = items;
		if (j->type == ROVE_JSON_OBJECT) {
			char **keys = realloc(j->keys, ncap * sizeof(*keys));
			if (!keys)
				return -1;
			j->keys = keys;
		}
		*cap = ncap;
	}
	if (j->keys)
		j->keys[j->n] = key;
	j->items[j->n++] = v;
	return 0;
}

/* An array or object after its opening bracket. */
static struct rove_json *parse_container(struct parser *ps, enum rove_json_type t, int depth)
{
	char close = t == ROVE_JSON_OBJECT ? '}' : ']';
	struct rove_json *j = node(t), *v;
	size_t cap = 0, klen;
	char *key = NULL;

	if (!j)
		return rove_err_set(ps->err, ROVE_E_NOMEM, "out of memory"), NULL;
	if (eat(ps, close))
		return j;
	do {
		if (t == ROVE_JSON_OBJECT) {
			if (!eat(ps, '"')) {
				fail(ps, "expected a member name");
				goto err;
			}
			if (parse_string(ps, &key, &klen) < 0)
				goto err;
			if (!eat(ps, ':')) {
				fail(ps, "expected ':'");
				goto err;
			}
		}
		v = parse_value(ps, depth + 1);
		if (!v)
			goto err;
		if (add_member(j, key, v, &cap) < 0) {
			rove_json_free(v);
			rove_err_set(ps->err, ROVE_E_NOMEM, "out of memory");
			goto err;
		}
		key = NULL;
	} while (eat(ps, ','));
	if (!eat(ps, close)) {
		fail(ps, t == ROVE_JSON_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
		goto err;
	}
	return j;
err:
	free(key);
	rove_json_free(j);
	return NULL;
}

static struct rove_json *literal(struct parser *ps, enum rove_json_type t, bool b)
{
	struct rove_json *j = node(t);

	if (!j)
		return rove_err_set(ps->err, ROVE_E_NOMEM, "out of memory"), NULL;
	j->b = b;
	return j;
}

static struct rove_json *parse_value(struct parser *ps, int depth)
{
	struct rove_json *j;

	skip_ws(ps);
	if (ps->off >= ps->len)
		return fail(ps, "expected a value"), NULL;
	/* `depth` containers enclose this value; the writer allows as many. */
	if ((ps->p[ps->off] == '{' || ps->p[ps->off] == '[') && depth >= ROVE_JSON_MAX_DEPTH)
		return fail(ps, "nested too deeply"), NULL;
	switch (ps->p[ps->off]) {
	case '{':
		ps->off++;
		return parse_container(ps, ROVE_JSON_OBJECT, depth);
	case '[':
		ps->off++;
		return parse_container(ps, ROVE_JSON_ARRAY, depth);
	case '"':
		ps->off++;
		j = node(ROVE_JSON_STRING);
		if (!j)
			return rove_err_set(ps->err, ROVE_E_NOMEM, "out of memory"), NULL;
		if (parse_string(ps, &j->str, &j->len) < 0) {
			rove_json_free(j);
			return NULL;
		}
		return j;
	}
	if (eat_word(ps, "true"))
		return literal(ps, ROVE_JSON_BOOL, true);
	if (eat_word(ps, "false"))
		return literal(ps, ROVE_JSON_BOOL, false);
	if (eat_word(ps, "null"))
		return literal(ps, ROVE_JSON_NULL, false);
	return parse_number(ps);
}

struct rove_json *rove_json_parse(const char *text, size_t len, struct rove_err *err)
{
	struct parser ps = { .p = text, .len = len, .err = err };
	struct rove_json *j = parse_value(&ps, 0);

	if (!j)
		return NULL;
	skip_ws(&ps);
	if (ps.off != ps.len) {
		fail(&ps, "trailing data");
		rove_json_free(j);
		return NULL;
	}
	return j;
}

const struct rove_json *rove_json_get(const struct rove_json *obj, const char *key)
{
	if (!obj || obj->type != ROVE_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}

const struct rove_json *rove_json_at(const struct rove_json *arr, size_t i)
{
	if (!arr || arr->type != ROVE_JSON_ARRAY || i >= arr->n)
		return NULL;
	return arr->items[i];
}

size_t rove_json_count(const struct rove_json *arr)
{
	if (!arr || (arr->type != ROVE_JSON_ARRAY && arr->type != ROVE_JSON_OBJECT))
		return 0;
	return arr->n;
}

const char *rove_json_str(const struct rove_json *j, const char *dflt)
{
	return j && j->type == ROVE_JSON_STRING ? j->str : dflt;
}

uint64_t rove_json_u64(const struct rove_json *j, uint64_t dflt)
{
	uint64_t v = 0;

	if (!j || j->type != ROVE_JSON_NUMBER)
		return dflt;
	/* Only plain non-negative integers; anything else is not a counter. */
	for (const char *p = j->str; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return dflt;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

bool rove_json_bool(const struct rove_json *j, bool dflt)
{
	return j && j->type == ROVE_JSON_BOOL ? j->b : dflt;
}

const char *rove_json_get_str(const struct rove_json *obj, const char *key, const char *dflt)
{
	return rove_json_str(rove_json_get(obj, key), dflt);
}

uint64_t rove_json_get_u64(const struct rove_json *obj, const char *key, uint64_t dflt)
{
	return rove_json_u64(rove_json_get(obj, key), dflt);
}

bool rove_json_get_bool(const struct rove_json *obj, const char *key, bool dflt)
{
	return rove_json_bool(rove_json_get(obj, key), dflt);
}
