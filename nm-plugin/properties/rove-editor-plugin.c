/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libnm-vpn-plugin-rove.so: rove's NMVpnEditorPlugin, without GTK, so
 * nmcli can import and export through it. The editor itself is in
 * libnm-vpn-plugin-rove-editor.so (GTK 3) or
 * libnm-gtk4-vpn-plugin-rove-editor.so (GTK 4), loaded beside this file
 * when a GUI asks for it: GTK 3 and GTK 4 cannot share a process, and the
 * caller has already chosen one. */
#include <dlfcn.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "nm-profile.h"
#include "rove-editor-plugin.h"

#define ROVE_TYPE_EDITOR_PLUGIN (rove_editor_plugin_get_type())
typedef struct {
	GObject parent;
} RoveEditorPlugin;
typedef struct {
	GObjectClass parent;
} RoveEditorPluginClass;

static void plugin_iface_init(NMVpnEditorPluginInterface *iface);
GType rove_editor_plugin_get_type(void);
G_DEFINE_TYPE_EXTENDED(RoveEditorPlugin, rove_editor_plugin, G_TYPE_OBJECT, 0,
		       G_IMPLEMENT_INTERFACE(NM_TYPE_VPN_EDITOR_PLUGIN, plugin_iface_init))

enum { PROP_0, PROP_NAME, PROP_DESC, PROP_SERVICE };

/* ---- import and export ---- */

/* Embedded certificates and keys of an imported file go to
 * $XDG_DATA_HOME/rove/certificates (0700), named after the connection's
 * UUID so two imports never collide. */
static char *cert_dir(GError **error)
{
	char *dir = g_build_filename(g_get_user_data_dir(), "rove", "certificates", NULL);

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    _("cannot create %s: %s"), dir, g_strerror(errno));
		g_free(dir);
		return NULL;
	}
	return dir;
}

static NMConnection *import_from_file(NMVpnEditorPlugin *plugin, const char *path,
				      GError **error)
{
	struct rove_import *im;
	struct rove_err err;
	NMConnection *c = NULL;
	char *buf = NULL, *dir = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &buf, &len, error))
		return NULL;
	im = rove_import_parse(buf, len, ROVE_IMPORT_AUTO, path, &err);
	explicit_bzero(buf, len);
	g_free(buf);
	if (!im) {
		/* NM_CONNECTION_ERROR_FAILED: nmcli tries the next plugin's
		 * importer only for G_IO_ERROR_NOT_SUPPORTED-like answers */
		g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED, "%s: %s", path,
			    err.msg);
		return NULL;
	}
	c = rove_nm_connection_new(im, NULL);
	if (im->files->len) {
		dir = cert_dir(error);
		if (!dir || rove_import_write_files(im, dir, nm_connection_get_uuid(c), false,
						    &err) < 0) {
			if (dir)
				g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
					    "%s", err.msg);
			g_clear_object(&c);
			goto out;
		}
		for (guint i = 0; i < im->files->len; i++) {
			const char *key = ((struct rove_import_file *)im->files->pdata[i])->key;

			nm_setting_vpn_add_data_item(nm_connection_get_setting_vpn(c), key,
						     g_hash_table_lookup(im->data, key));
		}
	}
	/* What did not map goes where nmcli's user sees it. */
	for (guint i = 0; i < im->notes->len; i++)
		g_printerr(_("rove: not imported: %s\n"), (char *)im->notes->pdata[i]);
out:
	g_free(dir);
	rove_import_free(im);
	return c;
}

static gboolean export_to_file(NMVpnEditorPlugin *plugin, const char *path,
			       NMConnection *connection, GError **error)
{
	char *text = rove_nm_export_text(connection, error);
	gboolean ok;

	if (!text)
		return FALSE;
	ok = g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
	g_free(text);
	return ok;
}

static char *get_suggested_filename(NMVpnEditorPlugin *plugin, NMConnection *connection)
{
	const char *id = nm_connection_get_id(connection);
	char *safe = rove_import_safe_name(id), *name = g_strconcat(safe, ".conf", NULL);

	g_free(safe);
	return name;
}

static NMVpnEditorPluginCapability get_capabilities(NMVpnEditorPlugin *plugin)
{
	return NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT |
	       NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6;
}

/* ---- the editor, from the library for the caller's GTK ---- */

static NMVpnEditor *get_editor(NMVpnEditorPlugin *plugin, NMConnection *connection,
			       GError **error)
{
	static void *handles[2];
	/* gtk_container_add is GTK 3 only: its presence says which GTK the
	 * process has loaded. */
	int gtk4 = dlsym(RTLD_DEFAULT, "gtk_container_add") == NULL;
	const char *lib = gtk4 ? "libnm-gtk4-vpn-plugin-rove-editor.so" :
				 "libnm-vpn-plugin-rove-editor.so";
	RoveEditorFactory factory;
	Dl_info info;

	if (!handles[gtk4]) {
		char *dir, *path;

		if (!dladdr((void *)get_editor, &info) || !info.dli_fname) {
			g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
				    _("cannot find where the rove plugin was loaded from"));
			return NULL;
		}
		dir = g_path_get_dirname(info.dli_fname);
		path = g_build_filename(dir, lib, NULL);
		handles[gtk4] = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
		if (!handles[gtk4])
			g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
				    _("cannot load the rove editor %s: %s"), path, dlerror());
		g_free(dir);
		g_free(path);
		if (!handles[gtk4])
			return NULL;
	}
	factory = (RoveEditorFactory)dlsym(handles[gtk4], ROVE_EDITOR_FACTORY);
	if (!factory) {
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
			    _("%s has no %s"), lib, ROVE_EDITOR_FACTORY);
		return NULL;
	}
	return factory(plugin, connection, error);
}

static void get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	switch (prop_id) {
	case PROP_NAME:
		g_value_set_string(value, _("IKEv2 (rove)"));
		break;
	case PROP_DESC:
		g_value_set_string(value, _("IKEv2 remote access: EAP, certificates or a "
					    "pre-shared key, with MOBIKE and reconnect"));
		break;
	case PROP_SERVICE:
		g_value_set_string(value, ROVE_NM_SERVICE);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void rove_editor_plugin_init(RoveEditorPlugin *plugin)
{
}

static void rove_editor_plugin_class_init(RoveEditorPluginClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = get_property;
	g_object_class_override_property(object_class, PROP_NAME, NM_VPN_EDITOR_PLUGIN_NAME);
	g_object_class_override_property(object_class, PROP_DESC,
					 NM_VPN_EDITOR_PLUGIN_DESCRIPTION);
	g_object_class_override_property(object_class, PROP_SERVICE, NM_VPN_EDITOR_PLUGIN_SERVICE);
}

static void plugin_iface_init(NMVpnEditorPluginInterface *iface)
{
	iface->get_editor = get_editor;
	iface->get_capabilities = get_capabilities;
	iface->import_from_file = import_from_file;
	iface->export_to_file = export_to_file;
	iface->get_suggested_filename = get_suggested_filename;
}

G_MODULE_EXPORT NMVpnEditorPlugin *nm_vpn_editor_plugin_factory(GError **error);

G_MODULE_EXPORT NMVpnEditorPlugin *nm_vpn_editor_plugin_factory(GError **error)
{
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	return g_object_new(ROVE_TYPE_EDITOR_PLUGIN, NULL);
}
