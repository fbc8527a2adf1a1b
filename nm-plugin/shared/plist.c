/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Apple XML property lists on GMarkup; see plist.h. */
#include "plist.h"

#include <glib/gi18n-lib.h>

#include <stdlib.h>
#include <string.h>

struct pstate {
	struct rove_plist *root;
	GPtrArray *stack;   /* open containers and the scalar being read */
	char *pending_key;  /* inside a dict: the <key> waiting for its value */
	GString *text;
	bool in_key, in_plist;
	unsigned nodes;
};

static const struct {
	const char *name;
	enum rove_plist_type type;
} elems[] = {
	{ "dict", ROVE_PLIST_DICT }, { "array", ROVE_PLIST_ARRAY },
	{ "string", ROVE_PLIST_STRING }, { "integer", ROVE_PLIST_INTEGER },
	{ "real", ROVE_PLIST_REAL }, { "true", ROVE_PLIST_TRUE }, { "false", ROVE_PLIST_FALSE },
	{ "data", ROVE_PLIST_DATA }, { "date", ROVE_PLIST_DATE },
};

void rove_plist_free(struct rove_plist *p)
{
	if (!p)
		return;
	if (p->items)
		g_ptr_array_free(p->items, TRUE);
	if (p->keys)
		g_ptr_array_free(p->keys, TRUE);
	if (p->text)
		explicit_bzero(p->text, strlen(p->text)); /* may be a password */
	g_free(p->text);
	g_free(p);
}

static void node_free(gpointer p)
{
	rove_plist_free(p);
}

static struct rove_plist *top(struct pstate *s)
{
	return s->stack->len ? s->stack->pdata[s->stack->len - 1] : NULL;
}

static void on_start(GMarkupParseContext *ctx, const char *name, const char **an,
		     const char **av, gpointer user, GError **error)
{
	struct pstate *s = user;
	struct rove_plist *parent = top(s), *n;
	size_t i;

	if (!strcmp(name, "plist")) {
		if (s->in_plist || s->root)
			goto bad;
		s->in_plist = true;
		return;
	}
	if (!s->in_plist || s->in_key)
		goto bad;
	if (!strcmp(name, "key")) {
		if (!parent || parent->type != ROVE_PLIST_DICT || s->pending_key)
			goto bad;
		s->in_key = true;
		g_string_truncate(s->text, 0);
		return;
	}
	for (i = 0; i < G_N_ELEMENTS(elems) && strcmp(elems[i].name, name); i++)
		;
	if (i == G_N_ELEMENTS(elems))
		goto bad;
	if (parent && parent->type != ROVE_PLIST_DICT && parent->type != ROVE_PLIST_ARRAY)
		goto bad; /* inside a scalar */
	if (parent && parent->type == ROVE_PLIST_DICT && !s->pending_key)
		goto bad; /* a value without its key */
	if (!parent && s->root)
		goto bad; /* a second root */
	if (++s->nodes > ROVE_PLIST_MAX_NODES || s->stack->len >= ROVE_PLIST_MAX_DEPTH) {
		g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
			    _("the property list is nested too deeply or too large"));
		return;
	}
	n = g_new0(struct rove_plist, 1);
	n->type = elems[i].type;
	if (n->type == ROVE_PLIST_DICT || n->type == ROVE_PLIST_ARRAY)
		n->items = g_ptr_array_new_with_free_func(node_free);
	if (n->type == ROVE_PLIST_DICT)
		n->keys = g_ptr_array_new_with_free_func(g_free);
	if (!parent)
		s->root = n;
	else {
		g_ptr_array_add(parent->items, n);
		if (parent->type == ROVE_PLIST_DICT) {
			g_ptr_array_add(parent->keys, s->pending_key);
			s->pending_key = NULL;
		}
	}
	g_ptr_array_add(s->stack, n);
	g_string_truncate(s->text, 0);
	return;
bad:
	g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
		    _("unexpected <%s> in the property list"), name);
}

static void on_end(GMarkupParseContext *ctx, const char *name, gpointer user, GError **error)
{
	struct pstate *s = user;
	struct rove_plist *n = top(s);

	if (!strcmp(name, "plist")) {
		s->in_plist = false;
		return;
	}
	if (!strcmp(name, "key")) {
		s->in_key = false;
		s->pending_key = g_strdup(s->text->str);
		return;
	}
	if (!n)
		return;
	if (n->type == ROVE_PLIST_DICT && s->pending_key) {
		g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
			    _("the key \"%.64s\" has no value"), s->pending_key);
		return;
	}
	if (!n->items)
		n->text = g_strdup(g_strstrip(s->text->str));
	g_ptr_array_set_size(s->stack, s->stack->len - 1);
	g_string_truncate(s->text, 0);
}

static void on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer user,
		    GError **error)
{
	struct pstate *s = user;
	struct rove_plist *n = top(s);

	if (s->in_key || (n && !n->items))
		g_string_append_len(s->text, text, (gssize)len);
}

struct rove_plist *rove_plist_parse(const char *buf, size_t len, struct rove_err *err)
{
	static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
	struct pstate s = { .stack = g_ptr_array_new(), .text = g_string_new(NULL) };
	GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &s, NULL);
	GError *e = NULL;
	bool ok = g_markup_parse_context_parse(ctx, buf, (gssize)len, &e) &&
		  g_markup_parse_context_end_parse(ctx, &e);

	g_markup_parse_context_free(ctx);
	g_ptr_array_free(s.stack, TRUE);
	explicit_bzero(s.text->str, s.text->allocated_len);
	g_string_free(s.text, TRUE);
	g_free(s.pending_key);
	if (ok && !s.root)
		rove_err_set(err, ROVE_E_PARSE, _("the property list is empty"));
	else if (!ok)
		rove_err_set(err, ROVE_E_PARSE, _("not a valid property list: %s"), e->message);
	g_clear_error(&e);
	if (!ok || !s.root) {
		rove_plist_free(s.root);
		return NULL;
	}
	return s.root;
}

const struct rove_plist *rove_plist_get(const struct rove_plist *d, const char *key)
{
	if (!d || d->type != ROVE_PLIST_DICT)
		return NULL;
	for (guint i = 0; i < d->keys->len; i++)
		if (!strcmp(d->keys->pdata[i], key))
			return d->items->pdata[i];
	return NULL;
}

const char *rove_plist_str(const struct rove_plist *d, const char *key)
{
	const struct rove_plist *v = rove_plist_get(d, key);

	return v && v->type == ROVE_PLIST_STRING ? v->text : NULL;
}

bool rove_plist_int(const struct rove_plist *d, const char *key, long long *out)
{
	const struct rove_plist *v = rove_plist_get(d, key);
	char *end;

	if (!v)
		return false;
	if (v->type == ROVE_PLIST_TRUE || v->type == ROVE_PLIST_FALSE) {
		*out = v->type == ROVE_PLIST_TRUE;
		return true;
	}
	if (v->type != ROVE_PLIST_INTEGER || !v->text[0])
		return false;
	*out = strtoll(v->text, &end, 10);
	return *end == '\0';
}

guint8 *rove_plist_data(const struct rove_plist *d, const char *key, gsize *len)
{
	const struct rove_plist *v = rove_plist_get(d, key);
	guint8 *out;

	if (!v || v->type != ROVE_PLIST_DATA)
		return NULL;
	out = g_base64_decode(v->text, len); /* skips whitespace and line breaks */
	if (!*len) {
		g_free(out);
		return NULL;
	}
	return out;
}
