/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-rove-service's side of the status interface (docs/status-dbus.md):
 * one client per connection UUID collects property changes and pushes them
 * to rove-statusd in one Update call, leaving out values it already pushed,
 * so a caller may set everything it knows every few seconds and only real
 * changes reach the bus (counters: every 5 s while connected, nothing when
 * nothing moved). The call activates rove-statusd when it is not running.
 *
 * Pushing never blocks the caller's main loop (the call is asynchronous)
 * unless rove_status_client_flush_sync is used; a failed push is kept as
 * the client's last error and its values are pushed again with the next. */
#ifndef ROVE_STATUS_CLIENT_H
#define ROVE_STATUS_CLIENT_H

#include <gio/gio.h>

struct rove_status_client;

/* A client for the connection uuid on bus (referenced, not owned). NULL for
 * an invalid uuid. */
struct rove_status_client *rove_status_client_new(GDBusConnection *bus, const char *uuid);
void rove_status_client_free(struct rove_status_client *c);

/* Stages key = value (value is sunk if floating). FALSE, with the reason in
 * error, when the key is not a property or the value not of its type. */
gboolean rove_status_client_set(struct rove_status_client *c, const char *key, GVariant *value,
				GError **error);
/* Shorthands for the property types; the key must be of that type. */
void rove_status_client_set_str(struct rove_status_client *c, const char *key, const char *v);
void rove_status_client_set_u64(struct rove_status_client *c, const char *key, guint64 v);
void rove_status_client_set_u32(struct rove_status_client *c, const char *key, guint32 v);
void rove_status_client_set_bool(struct rove_status_client *c, const char *key, gboolean v);
void rove_status_client_set_strv(struct rove_status_client *c, const char *key,
				 const char *const *v);

/* Whether anything staged differs from what was pushed. */
gboolean rove_status_client_pending(const struct rove_status_client *c);
/* Pushes the staged changes (nothing when there are none): asynchronously,
 * or waiting for rove-statusd's answer. */
void rove_status_client_flush(struct rove_status_client *c);
gboolean rove_status_client_flush_sync(struct rove_status_client *c, GError **error);
/* The connection was deleted: rove-statusd forgets it. */
gboolean rove_status_client_forget_sync(struct rove_status_client *c, GError **error);
/* The last failed push's message, or NULL; owned by the client. */
const char *rove_status_client_last_error(const struct rove_status_client *c);

#endif
