/* Import, edit and remove (see editor.h). */
#include "editor.h"

#include <glib/gi18n.h>
#include <string.h>

void rove_show_error(GtkWindow *parent, const char *heading, const char *body)
{
	GtkWidget *d = adw_message_dialog_new(parent, heading, body);
	adw_message_dialog_add_response(ADW_MESSAGE_DIALOG(d), "close", _("_Close"));
	gtk_window_present(GTK_WINDOW(d));
}

/* The plugin's editor plugin: ROVE_NM_PLUGIN names a build tree's .so,
 * else NetworkManager's .name files say where it is. Kept for the
 * process's life. */
static NMVpnEditorPlugin *plugin(GError **err)
{
	static NMVpnEditorPlugin *p;
	if (p)
		return p;
	const char *so = g_getenv("ROVE_NM_PLUGIN");
	if (so) {
		p = nm_vpn_editor_plugin_load_from_file(so, ROVE_NM_SERVICE, -1, NULL, NULL, err);
		return p;
	}
	GSList *infos = nm_vpn_plugin_info_list_load();
	NMVpnPluginInfo *info = nm_vpn_plugin_info_list_find_by_service(infos, ROVE_NM_SERVICE);
	if (info)
		p = nm_vpn_plugin_info_load_editor_plugin(info, err);
	else
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			    _("The rove plugin for NetworkManager is not installed."));
	if (p)
		g_object_ref(p);
	g_slist_free_full(infos, g_object_unref);
	return p;
}

struct add {
	GtkWindow *parent;
	char *name;
};

static void added(GObject *src, GAsyncResult *res, gpointer data)
{
	struct add *a = data;
	GError *err = NULL;
	NMRemoteConnection *rc = nm_client_add_connection_finish(NM_CLIENT(src), res, &err);
	if (!rc) {
		rove_show_error(a->parent, _("NetworkManager did not add the connection"), err->message);
		g_error_free(err);
	}
	g_clear_object(&rc);
	g_free(a->name);
	g_free(a);
}

void rove_editor_import_file(GtkWindow *parent, struct rove_model *m, const char *path)
{
	GError *err = NULL;
	NMVpnEditorPlugin *p = plugin(&err);
	NMConnection *c = p ? nm_vpn_editor_plugin_import(p, path, &err) : NULL;
	if (!c || !m->client) {
		char *h = g_strdup_printf(_("Could not import %s"), path);
		rove_show_error(parent, h, err ? err->message : m->problem);
		g_free(h);
		g_clear_error(&err);
		return;
	}
	NMSettingConnection *s_con = nm_connection_get_setting_connection(c);
	if (!s_con) {
		s_con = NM_SETTING_CONNECTION(nm_setting_connection_new());
		nm_connection_add_setting(c, NM_SETTING(s_con));
	}
	if (!nm_setting_connection_get_uuid(s_con)) {
		char *uuid = nm_utils_uuid_generate();
		g_object_set(s_con, NM_SETTING_CONNECTION_UUID, uuid, NULL);
		g_free(uuid);
	}
	if (!nm_setting_connection_get_id(s_con)) {
		char *base = g_path_get_basename(path);
		char *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = 0;
		g_object_set(s_con, NM_SETTING_CONNECTION_ID, base, NULL);
		g_free(base);
	}
	struct add *a = g_new0(struct add, 1);
	a->parent = parent;
	nm_client_add_connection_async(m->client, c, TRUE, NULL, added, a);
	g_object_unref(c);
}

static void chosen(GtkNativeDialog *d, int response, struct rove_model *m)
{
	if (response == GTK_RESPONSE_ACCEPT) {
		GFile *f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(d));
		char *path = g_file_get_path(f);
		rove_editor_import_file(gtk_native_dialog_get_transient_for(d), m, path);
		g_free(path);
		g_object_unref(f);
	}
	g_object_unref(d);
}

void rove_editor_import(GtkWindow *parent, struct rove_model *m)
{
	GtkFileChooserNative *d = gtk_file_chooser_native_new(_("Import a VPN connection"), parent,
		GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
	GtkFileFilter *f = gtk_file_filter_new();
	gtk_file_filter_set_name(f, _("rove profiles, strongSwan and Apple VPN profiles"));
	gtk_file_filter_add_pattern(f, "*.conf");
	gtk_file_filter_add_pattern(f, "*.sswan");
	gtk_file_filter_add_pattern(f, "*.mobileconfig");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), f);
	g_object_unref(f);
	gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(d), TRUE);
	g_signal_connect(d, "response", G_CALLBACK(chosen), m);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

/* --- edit ---------------------------------------------------------------- */

struct edit {
	GtkWindow *win;
	NMRemoteConnection *remote;
	NMConnection *copy;
	NMVpnEditor *editor;
	GtkEditable *name;
};

static void edit_free(gpointer p)
{
	struct edit *e = p;
	g_object_unref(e->remote);
	g_object_unref(e->copy);
	g_object_unref(e->editor);
	g_free(e);
}

static void updated(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *err = NULL;
	GVariant *r = nm_remote_connection_update2_finish(NM_REMOTE_CONNECTION(src), res, &err);
	if (!r) {
		rove_show_error(NULL, _("NetworkManager did not save the connection"), err->message);
		g_error_free(err);
		return;
	}
	g_variant_unref(r);
}

static void on_save(GtkButton *b, struct edit *e)
{
	GError *err = NULL;
	if (!nm_vpn_editor_update_connection(e->editor, e->copy, &err)) {
		rove_show_error(e->win, _("The connection has a mistake"), err->message);
		g_error_free(err);
		return;
	}
	const char *name = gtk_editable_get_text(e->name);
	if (*name)
		g_object_set(nm_connection_get_setting_connection(e->copy),
			     NM_SETTING_CONNECTION_ID, name, NULL);
	nm_remote_connection_update2(e->remote,
		nm_connection_to_dbus(e->copy, NM_CONNECTION_SERIALIZE_ALL),
		NM_SETTINGS_UPDATE2_FLAG_TO_DISK, NULL, NULL, updated, NULL);
	gtk_window_destroy(e->win);
}

void rove_editor_edit(GtkWindow *parent, struct rove_conn *c)
{
	GError *err = NULL;
	NMVpnEditorPlugin *p = plugin(&err);
	NMConnection *copy = nm_simple_connection_new_clone(NM_CONNECTION(c->remote));
	NMVpnEditor *ed = p ? nm_vpn_editor_plugin_get_editor(p, copy, &err) : NULL;
	if (!ed) {
		rove_show_error(parent, _("The connection editor could not be opened"), err->message);
		g_error_free(err);
		g_object_unref(copy);
		return;
	}
	struct edit *e = g_new0(struct edit, 1);
	e->remote = g_object_ref(c->remote);
	e->copy = copy;
	e->editor = ed;
	e->win = GTK_WINDOW(adw_window_new());
	char *title = g_strdup_printf(_("Edit “%s”"), rove_conn_name(c));
	gtk_window_set_title(e->win, title);
	g_free(title);
	gtk_window_set_transient_for(e->win, parent);
	gtk_window_set_modal(e->win, TRUE);
	gtk_window_set_default_size(e->win, 560, 640);

	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	GtkWidget *hb = adw_header_bar_new();
	GtkWidget *save = gtk_button_new_with_label(_("Save"));
	gtk_widget_add_css_class(save, "suggested-action");
	adw_header_bar_pack_end(ADW_HEADER_BAR(hb), save);
	gtk_box_append(GTK_BOX(box), hb);
	GtkWidget *grid = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	g_object_set(grid, "margin-start", 12, "margin-end", 12, NULL);
	GtkWidget *nl = gtk_label_new_with_mnemonic(_("_Name"));
	GtkWidget *name = gtk_entry_new();
	gtk_editable_set_text(GTK_EDITABLE(name), rove_conn_name(c));
	gtk_widget_set_hexpand(name, TRUE);
	gtk_label_set_mnemonic_widget(GTK_LABEL(nl), name);
	e->name = GTK_EDITABLE(name);
	gtk_box_append(GTK_BOX(grid), nl);
	gtk_box_append(GTK_BOX(grid), name);
	gtk_box_append(GTK_BOX(box), grid);
	GtkWidget *sw = gtk_scrolled_window_new();
	gtk_widget_set_vexpand(sw, TRUE);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(sw),
				      GTK_WIDGET(nm_vpn_editor_get_widget(ed)));
	gtk_box_append(GTK_BOX(box), sw);
	adw_window_set_content(ADW_WINDOW(e->win), box);
	g_object_set_data_full(G_OBJECT(e->win), "rove-edit", e, edit_free);
	g_signal_connect(save, "clicked", G_CALLBACK(on_save), e);
	gtk_window_present(e->win);
}

/* --- remove -------------------------------------------------------------- */

static void deleted(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *err = NULL;
	if (!nm_remote_connection_delete_finish(NM_REMOTE_CONNECTION(src), res, &err)) {
		rove_show_error(NULL, _("NetworkManager did not remove the connection"), err->message);
		g_error_free(err);
	}
}

static void on_remove_response(AdwMessageDialog *d, const char *response, NMRemoteConnection *rc)
{
	if (!g_strcmp0(response, "remove"))
		nm_remote_connection_delete_async(rc, NULL, deleted, NULL);
}

void rove_editor_remove(GtkWindow *parent, struct rove_conn *c)
{
	char *h = g_strdup_printf(_("Remove “%s”?"), rove_conn_name(c));
	GtkWidget *d = adw_message_dialog_new(parent, h,
		_("The connection and its password in the keyring are removed."));
	g_free(h);
	adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(d), "cancel", _("_Cancel"),
					 "remove", _("_Remove"), NULL);
	adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(d), "remove",
						   ADW_RESPONSE_DESTRUCTIVE);
	adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(d), "cancel");
	adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(d), "cancel");
	g_signal_connect_data(d, "response", G_CALLBACK(on_remove_response),
			      g_object_ref(c->remote), (GClosureNotify)(void (*)(void))g_object_unref, 0);
	gtk_window_present(GTK_WINDOW(d));
}
