/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small reader for Apple's XML property lists (what a .mobileconfig is),
 * on GLib's GMarkup: dict, array, string, integer, real, true, false, data,
 * date. Bounded: at most ROVE_PLIST_MAX_DEPTH levels and ROVE_PLIST_MAX_NODES
 * values; reads only the len bytes it is given.
 *
 * Memory: rove_plist_parse returns a tree owned by the caller
 * (rove_plist_free); lookups return pointers into it. */
#ifndef ROVE_PLIST_H
#define ROVE_PLIST_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define ROVE_PLIST_MAX_DEPTH 32
#define ROVE_PLIST_MAX_NODES 20000

enum rove_plist_type {
	ROVE_PLIST_DICT, ROVE_PLIST_ARRAY, ROVE_PLIST_STRING, ROVE_PLIST_INTEGER,
	ROVE_PLIST_REAL, ROVE_PLIST_TRUE, ROVE_PLIST_FALSE, ROVE_PLIST_DATA, ROVE_PLIST_DATE,
};

struct rove_plist {
	enum rove_plist_type type;
	char *text;        /* scalars: the element's text (data: base64) */
	GPtrArray *items;  /* dict and array: struct rove_plist * */
	GPtrArray *keys;   /* dict: char *, items[i] is the value of keys[i] */
};

/* The root value of <plist>, or NULL with err set. */
struct rove_plist *rove_plist_parse(const char *buf, size_t len, struct rove_err *err);
void rove_plist_free(struct rove_plist *p);

/* The value of key in dict d (NULL if d is not a dict or has no such key). */
const struct rove_plist *rove_plist_get(const struct rove_plist *d, const char *key);
/* The string of d[key] if it is a string, else NULL. */
const char *rove_plist_str(const struct rove_plist *d, const char *key);
/* d[key] as an integer (integer, or true/false as 1/0); false if absent. */
bool rove_plist_int(const struct rove_plist *d, const char *key, long long *out);
/* d[key] decoded from base64 (data), or NULL; g_free, *len set. */
guint8 *rove_plist_data(const struct rove_plist *d, const char *key, gsize *len);

#endif
