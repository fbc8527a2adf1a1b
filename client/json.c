/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON writer: the control socket's answers, through json-glib's
 * JsonBuilder and JsonGenerator. */
#include "json.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define FFFD "\xef\xbf\xbd"

/* s[0..n) as valid UTF-8 for json-glib, which copies invalid bytes into
 * its output as they are: each byte that does not start a well-formed
 * sequence (g_utf8_validate is as strict as RFC 3629), and NUL, becomes
 * U+FFFD. U+001F does too: json-glib 1.6 writes it unescaped, which is not
 * JSON. */
char *rove_json_utf8_repair(const char *s, size_t n)
{
	GString *out = g_string_sized_new(n + 1);
	size_t i = 0;

	while (i < n) {
		const char *end;

		if (g_utf8_validate_len(s + i, n - i, &end)) {
			g_string_append_len(out, s + i, (gssize)(n - i));
			break;
		}
		g_string_append_len(out, s + i, end - (s + i));
		i = (size_t)(end - s);
		g_string_append(out, FFFD);
		i++;
	}
	for (char *p = strchr(out->str, '\x1f'); p; p = strchr(p, '\x1f')) {
		size_t at = (size_t)(p - out->str);

		g_string_erase(out, (gssize)at, 1);
		g_string_insert(out, (gssize)at, FFFD);
		p = out->str + at + 3;
	}
	return g_string_free(out, FALSE);
}

void rove_json_escape(struct rove_buf *out, const char *s, size_t n)
{
	char *valid = rove_json_utf8_repair(s, n);
	JsonNode *node = json_node_init_string(json_node_alloc(), valid);
	char *text = json_to_string(node, FALSE);

	rove_buf_add(out, text, strlen(text));
	g_free(text);
	json_node_unref(node);
	g_free(valid);
}

void rove_jw_init(struct rove_jw *w, struct rove_buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->builder = json_builder_new();
}

/* A value goes after a key in an object or into an array; json-glib's
 * builder warns on anything else, so the writer refuses it first. */
static JsonBuilder *value_slot(struct rove_jw *w)
{
	if (w->failed)
		return NULL;
	w->after_key = false;
	return w->builder;
}

static void open_container(struct rove_jw *w, bool object)
{
	JsonBuilder *b = value_slot(w);

	if (!b)
		return;
	if (w->depth >= ROVE_JSON_MAX_DEPTH) {
		w->failed = true;
		w->out->failed = true;
		return;
	}
	w->depth++;
	if (object)
		json_builder_begin_object(b);
	else
		json_builder_begin_array(b);
}

static void close_container(struct rove_jw *w, bool object)
{
	if (w->failed || w->depth == 0 || w->after_key) {
		w->failed = true;
		return;
	}
	w->depth--;
	if (object)
		json_builder_end_object(w->builder);
	else
		json_builder_end_array(w->builder);
}

void rove_jw_obj_begin(struct rove_jw *w) { open_container(w, true); }
void rove_jw_obj_end(struct rove_jw *w) { close_container(w, true); }
void rove_jw_arr_begin(struct rove_jw *w) { open_container(w, false); }
void rove_jw_arr_end(struct rove_jw *w) { close_container(w, false); }

void rove_jw_key(struct rove_jw *w, const char *key)
{
	char *valid;

	if (w->failed || w->depth == 0 || w->after_key) {
		w->failed = true;
		return;
	}
	valid = rove_json_utf8_repair(key, strlen(key));
	json_builder_set_member_name(w->builder, valid);
	g_free(valid);
	w->after_key = true;
}

void rove_jw_strn(struct rove_jw *w, const char *s, size_t n)
{
	JsonBuilder *b = value_slot(w);
	char *valid;

	if (!b)
		return;
	valid = rove_json_utf8_repair(s, n);
	json_builder_add_string_value(b, valid);
	g_free(valid);
}

void rove_jw_str(struct rove_jw *w, const char *s)
{
	if (!s) {
		rove_jw_null(w);
		return;
	}
	rove_jw_strn(w, s, strlen(s));
}

void rove_jw_u64(struct rove_jw *w, uint64_t v)
{
	rove_jw_i64(w, v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

void rove_jw_i64(struct rove_jw *w, int64_t v)
{
	JsonBuilder *b = value_slot(w);

	if (b)
		json_builder_add_int_value(b, v);
}

void rove_jw_bool(struct rove_jw *w, bool v)
{
	JsonBuilder *b = value_slot(w);

	if (b)
		json_builder_add_boolean_value(b, v);
}

void rove_jw_null(struct rove_jw *w)
{
	JsonBuilder *b = value_slot(w);

	if (b)
		json_builder_add_null_value(b);
}

void rove_jw_hex(struct rove_jw *w, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *hex = g_malloc(2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[p[i] >> 4];
		hex[2 * i + 1] = digits[p[i] & 15];
	}
	hex[2 * n] = '\0';
	rove_jw_strn(w, hex, 2 * n);
	g_free(hex);
}

const char *rove_jw_finish(struct rove_jw *w)
{
	JsonNode *root = NULL;
	JsonGenerator *gen;
	char *text;
	gsize len;

	if (w->depth != 0 || w->after_key || w->failed ||
	    !(root = json_builder_get_root(w->builder))) {
		w->out->failed = true;
		g_clear_object(&w->builder);
		return NULL;
	}
	gen = json_generator_new();
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, &len);
	rove_buf_add(w->out, text, len);
	rove_buf_add_u8(w->out, '\n');
	g_free(text);
	json_node_unref(root);
	g_object_unref(gen);
	g_clear_object(&w->builder);
	if (!rove_buf_reserve(w->out, 1) || w->out->failed)
		return NULL;
	w->out->data[w->out->len] = '\0';
	return (const char *)w->out->data;
}
