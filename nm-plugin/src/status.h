/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rove's status D-Bus interface (docs/status-dbus.md): the names, the
 * properties of org.rove.Status1.Connection with their D-Bus types, and the
 * checks both sides share. rove-statusd (statusd.c) publishes it,
 * nm-rove-service pushes to it through status-client.h.
 *
 * Nothing here allocates except rove_status_object_path (g_free it). */
#ifndef ROVE_STATUS_H
#define ROVE_STATUS_H

#include <glib.h>

#define ROVE_STATUS_BUS_NAME "org.rove.Status1"
#define ROVE_STATUS_PATH "/org/rove/Status1"
/* Update and Forget, on ROVE_STATUS_PATH. */
#define ROVE_STATUS_IFACE "org.rove.Status1"
#define ROVE_STATUS_CONN_IFACE "org.rove.Status1.Connection"
#define ROVE_STATUS_CONN_PATH_PREFIX "/org/rove/Status1/connection/"
/* Where rove-statusd mirrors each connection (ROVE_STATUS_DIR overrides). */
#define ROVE_STATUS_DIR "/run/rove/status"
/* How long rove-statusd stays without an active connection or a call
 * (ROVE_STATUSD_IDLE_SECONDS overrides). */
#define ROVE_STATUSD_IDLE_SECONDS 600

struct rove_status_prop {
	const char *name;  /* "State" */
	const char *type;  /* GVariant type string: "s", "b", "t", "u", "as" */
};

/* Every property, in the contract's order. */
extern const struct rove_status_prop rove_status_props[];
extern const size_t rove_status_nprops;

/* The property's index in rove_status_props, or -1. */
int rove_status_prop_index(const char *name);
/* Whether s is one of the State values. */
gboolean rove_status_state_valid(const char *s);
/* Whether a connection in this state keeps rove-statusd running
 * (connecting, connected, reconnecting, parked). */
gboolean rove_status_state_active(const char *s);
/* Whether uuid can name a connection: 1 to 64 characters of hex digits and
 * '-' (NetworkManager's UUIDs), so it is safe in a path and a file name. */
gboolean rove_status_uuid_valid(const char *uuid);
/* ROVE_STATUS_CONN_PATH_PREFIX + uuid with '-' as '_'; NULL for an invalid
 * uuid. The caller frees it with g_free. */
char *rove_status_object_path(const char *uuid);
/* The value a property has before anyone set it: "" , false, 0 or [],
 * floating. */
GVariant *rove_status_default(const struct rove_status_prop *p);

#endif
