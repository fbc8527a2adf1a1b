/* The main window: one group per rove connection with its state, server,
 * verified identity, virtual IP, DNS, time connected, traffic and last
 * failure, and a Connect/Disconnect button; or a page saying why there is
 * nothing to show (no NetworkManager, no rove connection). */
#ifndef ROVE_GUI_WINDOW_H
#define ROVE_GUI_WINDOW_H

#include <adwaita.h>
#include "model.h"

/* The window is owned by GTK (the application's window list); it listens to
 * the model until destroyed. */
GtkWindow *rove_window_new(GtkApplication *app, struct rove_model *m);

/* "5 min", "1 h 04 min": the time since unix time t (newly allocated). */
char *rove_duration_since(guint64 t);

#endif
