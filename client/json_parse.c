/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON reader for what `rove status` receives: json-glib's JsonParser,
 * its tree copied into struct rove_json (json.h) for the accessors. */
#include "json.h"

#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* json-glib's parser recurses once per level without a limit (a long run
 * of '[' overflows the stack), and rove's documents are at most
 * ROVE_JSON_MAX_DEPTH deep: count the levels outside strings first. Also
 * refuses NUL, which JSON text never holds outside an escape. */
static int check_shape(const char *p, size_t len, struct rove_err *err)
{
	bool in_string = false, escaped = false;
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '\0')
			return rove_err_set(err, ROVE_E_PARSE, "bad JSON at byte %zu: a NUL byte", i);
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > ROVE_JSON_MAX_DEPTH)
				return rove_err_set(err, ROVE_E_PARSE,
						    "bad JSON at byte %zu: nested too deeply", i);
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return 0;
}

static struct rove_json *node(enum rove_json_type t)
{
	struct rove_json *j = calloc(1, sizeof(*j));

	if (j)
		j->type = t;
	return j;
}

static char *dup_str(const char *s, size_t *len)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);

	if (d)
		memcpy(d, s, n + 1);
	if (len)
		*len = n;
	return d;
}

/* A number keeps its text, so rove_json_u64 takes only plain non-negative
 * integers as before: a fraction or exponent (a double to json-glib) is
 * written with a '.', never as digits alone. json-glib 1.6 wraps integers
 * beyond 64 signed bits (18446744073709551615 reads as -1); rove's writer
 * never writes one (rove_jw_u64 clamps). */
static char *number_text(JsonNode *n)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE + 2];

	if (json_node_get_value_type(n) == G_TYPE_INT64) {
		snprintf(buf, sizeof(buf), "%" PRId64, json_node_get_int(n));
	} else {
		g_ascii_dtostr(buf, G_ASCII_DTOSTR_BUF_SIZE, json_node_get_double(n));
		if (!strpbrk(buf, ".eEn"))
			strcat(buf, ".0");
	}
	return dup_str(buf, NULL);
}

static struct rove_json *convert(JsonNode *n);

static struct rove_json *convert_members(struct rove_json *j, JsonNode *n)
{
	bool object = JSON_NODE_HOLDS_OBJECT(n);
	GList *members = object ? json_object_get_members(json_node_get_object(n)) : NULL;
	guint count = object ? g_list_length(members) : json_array_get_length(json_node_get_array(n));
	GList *m = members;

	j->items = calloc(count ? count : 1, sizeof(*j->items));
	j->keys = object ? calloc(count ? count : 1, sizeof(*j->keys)) : NULL;
	if (!j->items || (object && !j->keys))
		goto fail;
	for (guint i = 0; i < count; i++, m = m ? m->next : NULL) {
		JsonNode *child = object ? json_object_get_member(json_node_get_object(n), m->data)
					 : json_array_get_element(json_node_get_array(n), i);

		if (object && !(j->keys[i] = dup_str(m->data, NULL)))
			goto fail;
		j->n = i + 1;
		if (!(j->items[i] = convert(child)))
			goto fail;
	}
	g_list_free(members);
	return j;
fail:
	g_list_free(members);
	rove_json_free(j);
	return NULL;
}

/* NULL only when out of memory. */
static struct rove_json *convert(JsonNode *n)
{
	struct rove_json *j;
	GType t;

	switch (JSON_NODE_TYPE(n)) {
	case JSON_NODE_OBJECT:
		j = node(ROVE_JSON_OBJECT);
		return j ? convert_members(j, n) : NULL;
	case JSON_NODE_ARRAY:
		j = node(ROVE_JSON_ARRAY);
		return j ? convert_members(j, n) : NULL;
	case JSON_NODE_NULL:
		return node(ROVE_JSON_NULL);
	case JSON_NODE_VALUE:
		break;
	}
	t = json_node_get_value_type(n);
	if (t == G_TYPE_BOOLEAN) {
		j = node(ROVE_JSON_BOOL);
		if (j)
			j->b = json_node_get_boolean(n);
		return j;
	}
	j = node(t == G_TYPE_STRING ? ROVE_JSON_STRING : ROVE_JSON_NUMBER);
	if (!j)
		return NULL;
	if (t == G_TYPE_STRING) {
		/* json-glib decodes a lone surrogate escape into invalid
		 * UTF-8; rove's strings are valid UTF-8. */
		const char *v = json_node_get_string(n);
		char *valid = rove_json_utf8_repair(v, strlen(v));

		j->str = dup_str(valid, &j->len);
		g_free(valid);
	} else {
		j->str = number_text(n);
	}
	if (!j->str) {
		free(j);
		return NULL;
	}
	return j;
}

struct rove_json *rove_json_parse(const char *text, size_t len, struct rove_err *err)
{
	JsonParser *parser;
	GError *error = NULL;
	struct rove_json *j = NULL;

	if (len > G_MAXSSIZE / 2)
		return rove_err_set(err, ROVE_E_PARSE, "the JSON text is too long"), NULL;
	if (check_shape(text, len, err) < 0)
		return NULL;
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, text, (gssize)len, &error)) {
		rove_err_set(err, ROVE_E_PARSE, "bad JSON: %s", error->message);
		g_error_free(error);
	} else if (!json_parser_get_root(parser)) {
		rove_err_set(err, ROVE_E_PARSE, "bad JSON: no value");
	} else if (!(j = convert(json_parser_get_root(parser)))) {
		rove_err_set(err, ROVE_E_NOMEM, "out of memory");
	}
	g_object_unref(parser);
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
