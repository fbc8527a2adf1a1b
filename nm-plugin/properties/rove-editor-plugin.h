/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the plugin (no GTK) and the editor libraries (GTK 3, GTK 4) agree
 * on: the editor library exports ROVE_EDITOR_FACTORY of this type, and the
 * editor it returns belongs to the caller. */
#ifndef ROVE_EDITOR_PLUGIN_H
#define ROVE_EDITOR_PLUGIN_H

#include <NetworkManager.h>

#define ROVE_EDITOR_FACTORY "rove_editor_factory"
typedef NMVpnEditor *(*RoveEditorFactory)(NMVpnEditorPlugin *plugin, NMConnection *connection,
					   GError **error);

#endif
