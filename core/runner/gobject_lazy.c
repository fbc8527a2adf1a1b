/* SPDX-License-Identifier: GPL-2.0-or-later */
/* g_object_unref for the json-glib and GIO objects rove frees, forwarded to
 * libgobject loaded at the first call (lazy.h). Its own file without the
 * GLib headers: json_lazy.c and gio_lazy.c may both be linked in. */
#include "lazy.h"

/* Hidden: the wrappers serve the code they are linked with and are never
 * exported, so a shared object that links them (the NetworkManager
 * plugin) does not offer json-glib's or GIO's names to its process. */
#pragma GCC visibility push(hidden)

void g_object_unref(void *object);

void g_object_unref(void *object)
{
	static void (*real)(void *);

	if (!real)
		real = (void (*)(void *))rove_lazy_sym("libgobject-2.0.so.0", "g_object_unref");
	real(object);
}
