/* Preferences: starting rove at login, through an autostart entry in
 * $XDG_CONFIG_HOME/autostart/org.rove.App.desktop. */
#ifndef ROVE_GUI_PREFS_H
#define ROVE_GUI_PREFS_H

#include <adwaita.h>

gboolean rove_autostart_enabled(void);
/* Writes or removes the entry; FALSE with err set when that failed. */
gboolean rove_autostart_set(gboolean on, GError **err);
/* The preferences window; its switch runs the application's stateful
 * "autostart" action. */
void rove_prefs_show(GtkWindow *parent);

#endif
