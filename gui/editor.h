/* Adding, editing and removing rove connections: import of a rove profile,
 * a strongSwan .sswan or an Apple .mobileconfig file through the plugin's
 * importer (libnm-vpn-plugin-rove.so), its GTK 4 editor in a window, and
 * removal after a confirmation. Errors are shown in a dialog. */
#ifndef ROVE_GUI_EDITOR_H
#define ROVE_GUI_EDITOR_H

#include <adwaita.h>
#include "model.h"

/* A file chooser, then rove_editor_import_file. */
void rove_editor_import(GtkWindow *parent, struct rove_model *m);
void rove_editor_import_file(GtkWindow *parent, struct rove_model *m, const char *path);
void rove_editor_edit(GtkWindow *parent, struct rove_conn *c);
void rove_editor_remove(GtkWindow *parent, struct rove_conn *c);
/* A message dialog with a heading and a body. */
void rove_show_error(GtkWindow *parent, const char *heading, const char *body);

#endif
