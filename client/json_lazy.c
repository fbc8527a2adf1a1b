/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The json-glib (and GObject) functions json.c and json_parse.c call,
 * forwarded to the library loaded at the first call (lazy.h): `rove up`
 * does not load json-glib, GIO and what they pull in before its first
 * packet. One line per function; the signatures are json-glib 1.6's.
 * g_object_unref is in core/runner/gobject_lazy.c. */
#include "lazy.h"

/* Hidden: the wrappers serve the code they are linked with and are never
 * exported, so a shared object that links them (the NetworkManager
 * plugin) does not offer json-glib's or GIO's names to its process. */
#pragma GCC visibility push(hidden)

#include <json-glib/json-glib.h>

#define J(fn) ROVE_LAZY("libjson-glib-1.0.so.0", fn)

JsonNode *json_array_get_element(JsonArray *a, guint i) { return J(json_array_get_element)(a, i); }
guint json_array_get_length(JsonArray *a) { return J(json_array_get_length)(a); }
JsonBuilder *json_builder_add_boolean_value(JsonBuilder *b, gboolean v)
{
	return J(json_builder_add_boolean_value)(b, v);
}
JsonBuilder *json_builder_add_int_value(JsonBuilder *b, gint64 v)
{
	return J(json_builder_add_int_value)(b, v);
}
JsonBuilder *json_builder_add_null_value(JsonBuilder *b) { return J(json_builder_add_null_value)(b); }
JsonBuilder *json_builder_add_string_value(JsonBuilder *b, const gchar *v)
{
	return J(json_builder_add_string_value)(b, v);
}
JsonBuilder *json_builder_begin_array(JsonBuilder *b) { return J(json_builder_begin_array)(b); }
JsonBuilder *json_builder_begin_object(JsonBuilder *b) { return J(json_builder_begin_object)(b); }
JsonBuilder *json_builder_end_array(JsonBuilder *b) { return J(json_builder_end_array)(b); }
JsonBuilder *json_builder_end_object(JsonBuilder *b) { return J(json_builder_end_object)(b); }
JsonNode *json_builder_get_root(JsonBuilder *b) { return J(json_builder_get_root)(b); }
JsonBuilder *json_builder_new(void) { return J(json_builder_new)(); }
JsonBuilder *json_builder_set_member_name(JsonBuilder *b, const gchar *n)
{
	return J(json_builder_set_member_name)(b, n);
}
JsonGenerator *json_generator_new(void) { return J(json_generator_new)(); }
void json_generator_set_root(JsonGenerator *g, JsonNode *n) { J(json_generator_set_root)(g, n); }
gchar *json_generator_to_data(JsonGenerator *g, gsize *len) { return J(json_generator_to_data)(g, len); }
JsonNode *json_node_alloc(void) { return J(json_node_alloc)(); }
JsonArray *json_node_get_array(JsonNode *n) { return J(json_node_get_array)(n); }
gboolean json_node_get_boolean(JsonNode *n) { return J(json_node_get_boolean)(n); }
gdouble json_node_get_double(JsonNode *n) { return J(json_node_get_double)(n); }
gint64 json_node_get_int(JsonNode *n) { return J(json_node_get_int)(n); }
JsonNodeType json_node_get_node_type(JsonNode *n) { return J(json_node_get_node_type)(n); }
JsonObject *json_node_get_object(JsonNode *n) { return J(json_node_get_object)(n); }
const gchar *json_node_get_string(JsonNode *n) { return J(json_node_get_string)(n); }
GType json_node_get_value_type(JsonNode *n) { return J(json_node_get_value_type)(n); }
JsonNode *json_node_init_string(JsonNode *n, const char *v) { return J(json_node_init_string)(n, v); }
void json_node_unref(JsonNode *n) { J(json_node_unref)(n); }
JsonNode *json_object_get_member(JsonObject *o, const gchar *m) { return J(json_object_get_member)(o, m); }
GList *json_object_get_members(JsonObject *o) { return J(json_object_get_members)(o); }
JsonNode *json_parser_get_root(JsonParser *p) { return J(json_parser_get_root)(p); }
gboolean json_parser_load_from_data(JsonParser *p, const gchar *d, gssize len, GError **e)
{
	return J(json_parser_load_from_data)(p, d, len, e);
}
JsonParser *json_parser_new_immutable(void) { return J(json_parser_new_immutable)(); }
char *json_to_string(JsonNode *n, gboolean pretty) { return J(json_to_string)(n, pretty); }
/* The importers' (nm-plugin/shared/import*.c, linked into `rove import`). */
void json_object_iter_init(JsonObjectIter *it, JsonObject *o) { J(json_object_iter_init)(it, o); }
gboolean json_object_iter_next(JsonObjectIter *it, const gchar **name, JsonNode **node)
{
	return J(json_object_iter_next)(it, name, node);
}
