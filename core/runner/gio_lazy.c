/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GIO functions dns_resolved.c calls, forwarded to libgio loaded at the
 * first call (lazy.h): GIO and what it pulls in (libmount, libselinux,
 * libblkid, libz, libgmodule) are loaded when DNS goes to
 * systemd-resolved, after the tunnel is up, not at exec. */
#include "lazy.h"

/* Hidden: the wrappers serve the code they are linked with and are never
 * exported, so a shared object that links them (the NetworkManager
 * plugin) does not offer json-glib's or GIO's names to its process. */
#pragma GCC visibility push(hidden)

#include <gio/gio.h>

#define G(fn) ROVE_LAZY("libgio-2.0.so.0", fn)

gchar *g_dbus_address_get_for_bus_sync(GBusType t, GCancellable *c, GError **e)
{
	return G(g_dbus_address_get_for_bus_sync)(t, c, e);
}

GDBusConnection *g_dbus_connection_new_for_address_sync(const gchar *a, GDBusConnectionFlags f,
							GDBusAuthObserver *o, GCancellable *c,
							GError **e)
{
	return G(g_dbus_connection_new_for_address_sync)(a, f, o, c, e);
}

void g_dbus_connection_set_exit_on_close(GDBusConnection *c, gboolean v)
{
	G(g_dbus_connection_set_exit_on_close)(c, v);
}

gboolean g_dbus_connection_close_sync(GDBusConnection *c, GCancellable *k, GError **e)
{
	return G(g_dbus_connection_close_sync)(c, k, e);
}

GVariant *g_dbus_connection_call_sync(GDBusConnection *c, const gchar *bus, const gchar *path,
				      const gchar *iface, const gchar *method, GVariant *args,
				      const GVariantType *reply, GDBusCallFlags f, gint timeout,
				      GCancellable *k, GError **e)
{
	return G(g_dbus_connection_call_sync)(c, bus, path, iface, method, args, reply, f,
					      timeout, k, e);
}
