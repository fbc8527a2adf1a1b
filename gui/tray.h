/* The tray icon: a StatusNotifierItem (org.kde.StatusNotifierItem at
 * /StatusNotifierItem) with its menu over com.canonical.dbusmenu at
 * /MenuBar, registered with org.kde.StatusNotifierWatcher whenever one
 * appears (again after a watcher restart). GTK 4 has no tray API. */
#ifndef ROVE_GUI_TRAY_H
#define ROVE_GUI_TRAY_H

#include <gio/gio.h>
#include "model.h"

struct rove_tray;

/* Called when the item is registered with a watcher (TRUE) or the watcher
 * went away (FALSE): without one the app is a normal window. */
typedef void (*rove_tray_presence)(gboolean registered, void *data);

/* The tray item on the session bus; activating "Open rove" and "Quit" runs
 * the application's "open" and "quit" actions, the connection entries
 * toggle the connection. The application keeps the returned tray. */
struct rove_tray *rove_tray_new(GApplication *app, struct rove_model *m,
				rove_tray_presence cb, void *data);
void rove_tray_free(struct rove_tray *t);
gboolean rove_tray_registered(const struct rove_tray *t);

/* The icon name for a state (data/icons/hicolor/symbolic/apps). */
const char *rove_state_icon(enum rove_conn_state s);

#endif
