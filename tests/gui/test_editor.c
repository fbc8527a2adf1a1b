/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rove connection editor loaded as NetworkManager's GUIs load it:
 * libnm's nm_vpn_editor_plugin_load_from_file on libnm-vpn-plugin-rove.so,
 * then nm_vpn_editor_plugin_get_editor, which picks the GTK 3 or GTK 4
 * editor library for this process. Built twice from this source (GTK 3 and
 * GTK 4); runs inside tests/gui/session.sh.
 *
 *   test_editor PLUGIN.so SENTENCE SCREENSHOT-PREFIX
 *
 * SENTENCE is what `rove check` says of dpd=100000 (after "dpd: "): the
 * editor must refuse that value with the same words. Fields are set by
 * their GtkBuilder ids, the connection is read back with update_connection,
 * and PNG screenshots of the editor and its advanced dialog are written. */
#include <gtk/gtk.h>
#if GTK_CHECK_VERSION(4, 0, 0)
#include <gdk/x11/gdkx.h>
#endif
#include <NetworkManager.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SERVICE "org.freedesktop.NetworkManager.rove"

static int failures;
#define CHECK(c)                                                                         \
	do {                                                                             \
		if (!(c)) {                                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#if GTK_CHECK_VERSION(4, 0, 0)
#define GTKV "gtk4"
static const char *id_of(GtkWidget *x) { return gtk_buildable_get_buildable_id(GTK_BUILDABLE(x)); }
#define entry_text(x) gtk_editable_get_text(GTK_EDITABLE(x))
#define entry_set(x, t) gtk_editable_set_text(GTK_EDITABLE(x), t)
#define check_get(x) gtk_check_button_get_active(GTK_CHECK_BUTTON(x))
#define check_set(x, v) gtk_check_button_set_active(GTK_CHECK_BUTTON(x), v)
#else
#define GTKV "gtk3"
static const char *id_of(GtkWidget *x) { return gtk_buildable_get_name(GTK_BUILDABLE(x)); }
#define entry_text(x) gtk_entry_get_text(GTK_ENTRY(x))
#define entry_set(x, t) gtk_entry_set_text(GTK_ENTRY(x), t)
#define check_get(x) gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(x))
#define check_set(x, v) gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(x), v)
#endif

static GtkWidget *find(GtkWidget *root, const char *id)
{
	GtkWidget *found = NULL;
	const char *name = id_of(root);

	if (name && !strcmp(name, id))
		return root;
#if GTK_CHECK_VERSION(4, 0, 0)
	for (GtkWidget *c = gtk_widget_get_first_child(root); c && !found;
	     c = gtk_widget_get_next_sibling(c))
		found = find(c, id);
#else
	if (GTK_IS_CONTAINER(root)) {
		GList *kids = gtk_container_get_children(GTK_CONTAINER(root));

		for (GList *l = kids; l && !found; l = l->next)
			found = find(l->data, id);
		g_list_free(kids);
	}
#endif
	return found;
}

static GtkWidget *roots[2]; /* the editor's window, the advanced dialog */

static GtkWidget *field(const char *id)
{
	GtkWidget *x = NULL;

	for (int i = 0; i < 2 && !x; i++)
		if (roots[i])
			x = find(roots[i], id);
	if (!x) {
		fprintf(stderr, "no widget %s\n", id);
		exit(1);
	}
	return x;
}

/* Lets GTK lay out and draw what changed. */
static void settle(void)
{
	gint64 end = g_get_monotonic_time() + 300000;

	while (g_get_monotonic_time() < end)
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(10000);
}

static GtkWidget *window_titled(const char *title)
{
	GtkWidget *found = NULL;
#if GTK_CHECK_VERSION(4, 0, 0)
	GListModel *tops = gtk_window_get_toplevels();

	for (guint i = 0; i < g_list_model_get_n_items(tops) && !found; i++) {
		GtkWindow *win = g_list_model_get_item(tops, i);

		if (!g_strcmp0(gtk_window_get_title(win), title))
			found = GTK_WIDGET(win);
		g_object_unref(win);
	}
#else
	GList *tops = gtk_window_list_toplevels();

	for (GList *l = tops; l && !found; l = l->next)
		if (!g_strcmp0(gtk_window_get_title(l->data), title))
			found = l->data;
	g_list_free(tops);
#endif
	return found;
}

/* GTK 3 reads the window back from the X server itself; GTK 4 has no such
 * call (and a toplevel's GtkWidgetPaintable draws nothing), so ImageMagick's
 * import reads the X window. */
static void screenshot(GtkWidget *win, const char *path)
{
#if GTK_CHECK_VERSION(4, 0, 0)
	GdkSurface *surface = gtk_native_get_surface(GTK_NATIVE(win));
	char *xid = g_strdup_printf("0x%lx", (unsigned long)gdk_x11_surface_get_xid(surface));
	char *argv[] = { "import", "-window", xid, (char *)path, NULL };
	GError *err = NULL;
	int status = -1;

	if (!g_find_program_in_path("import")) {
		printf("no screenshot: ImageMagick's import is not installed\n");
		g_free(xid);
		return;
	}
	CHECK(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
			   &err) && status == 0);
	g_clear_error(&err);
	g_free(xid);
#else
	int wd = gtk_widget_get_allocated_width(win), ht = gtk_widget_get_allocated_height(win);
	GdkPixbuf *pb = gdk_pixbuf_get_from_window(gtk_widget_get_window(win), 0, 0, wd, ht);

	CHECK(pb && gdk_pixbuf_save(pb, path, "png", NULL, NULL));
	g_clear_object(&pb);
#endif
	printf("screenshot: %s\n", path);
}

static NMConnection *connection(bool empty)
{
	NMConnection *c = nm_simple_connection_new();
	NMSetting *s_con = nm_setting_connection_new();
	NMSetting *s_vpn = nm_setting_vpn_new();
	char *uuid = nm_utils_uuid_generate();

	g_object_set(s_con, NM_SETTING_CONNECTION_ID, "work", NM_SETTING_CONNECTION_UUID, uuid,
		     NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
	g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, SERVICE, NULL);
	if (!empty) {
		NMSettingVpn *v = NM_SETTING_VPN(s_vpn);

		nm_setting_vpn_add_data_item(v, "server", "vpn.example.com");
		nm_setting_vpn_add_data_item(v, "user", "alice");
		nm_setting_vpn_add_data_item(v, "dpd", "45");
		nm_setting_vpn_add_data_item(v, "mobike", "no");
		nm_setting_vpn_add_data_item(v, "x-future-key", "kept as is");
		nm_setting_vpn_add_secret(v, "password", "old password");
	}
	nm_connection_add_setting(c, s_con);
	nm_connection_add_setting(c, s_vpn);
	g_free(uuid);
	return c;
}

static GtkWidget *show(GtkWidget *widget)
{
#if GTK_CHECK_VERSION(4, 0, 0)
	GtkWidget *win = gtk_window_new();

	gtk_window_set_child(GTK_WINDOW(win), widget);
#else
	GtkWidget *win = gtk_window_new(GTK_WINDOW_TOPLEVEL);

	gtk_container_add(GTK_CONTAINER(win), widget);
#endif
	gtk_window_set_title(GTK_WINDOW(win), "rove editor");
	gtk_widget_show(win);
	settle();
	return win;
}

static const char *data(NMConnection *c, const char *key)
{
	const char *v = nm_setting_vpn_get_data_item(nm_connection_get_setting_vpn(c), key);

	return v ? v : "(unset)";
}

static void test_existing(NMVpnEditorPlugin *plugin, const char *sentence, const char *prefix)
{
	NMConnection *c = connection(false), *out;
	GError *err = NULL;
	NMVpnEditor *ed = nm_vpn_editor_plugin_get_editor(plugin, c, &err);
	char *png, *want;
	NMSettingSecretFlags flags = 99;

	CHECK(ed != NULL);
	if (!ed) {
		fprintf(stderr, "get_editor: %s\n", err->message);
		exit(1);
	}
	roots[0] = show(GTK_WIDGET(nm_vpn_editor_get_widget(ed)));
	/* the connection's values are shown */
	CHECK(!strcmp(entry_text(field("server_entry")), "vpn.example.com"));
	CHECK(!strcmp(entry_text(field("user_entry")), "alice"));
	CHECK(!strcmp(entry_text(field("password_entry")), "old password"));
	/* the advanced dialog holds the rest */
	g_signal_emit_by_name(field("advanced_button"), "clicked");
	settle();
	roots[1] = window_titled("Advanced rove settings");
	CHECK(roots[1] != NULL);
	if (!roots[1])
		exit(1);
	CHECK(!strcmp(entry_text(field("dpd_entry")), "45"));
	CHECK(!check_get(field("mobike_check")));
	CHECK(check_get(field("reconnect_check"))); /* the default */

	/* the chosen authentication greys out what it does not use */
	CHECK(gtk_widget_get_sensitive(field("psk_entry"))); /* Automatic */
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(field("auth_combo")), "eap-mschapv2");
	CHECK(!gtk_widget_get_sensitive(field("psk_entry")));
	CHECK(!gtk_widget_get_sensitive(field("cert_entry")));
	CHECK(gtk_widget_get_sensitive(field("password_entry")));

	/* set fields by name, read the connection back */
	entry_set(field("server_entry"), "gw.example.net");
	entry_set(field("remote_id_entry"), "gw.example.net");
	entry_set(field("password_entry"), "new password");
	entry_set(field("routes_entry"), "10.0.0.0/8, 2001:db8::/32");
	entry_set(field("ike_entry"), "aes256gcm16-prfsha384-x25519");
	entry_set(field("reauth_entry"), "8h");
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(field("datapath_combo")), "userspace");
	gtk_combo_box_set_active_id(GTK_COMBO_BOX(field("ocsp_combo")), "require");
	check_set(field("mobike_check"), TRUE);
	check_set(field("encap_check"), TRUE);
	settle();
	out = nm_simple_connection_new_clone(c);
	CHECK(nm_vpn_editor_update_connection(ed, out, &err));
	CHECK(!strcmp(data(out, "server"), "gw.example.net"));
	CHECK(!strcmp(data(out, "remote-id"), "gw.example.net"));
	CHECK(!strcmp(data(out, "routes"), "10.0.0.0/8, 2001:db8::/32"));
	CHECK(!strcmp(data(out, "ike"), "aes256gcm16-prfsha384-x25519"));
	CHECK(!strcmp(data(out, "reauth"), "8h"));
	CHECK(!strcmp(data(out, "datapath"), "userspace"));
	CHECK(!strcmp(data(out, "ocsp"), "require"));
	CHECK(!strcmp(data(out, "encap"), "yes"));
	CHECK(!strcmp(data(out, "auth"), "eap-mschapv2"));
	CHECK(!strcmp(data(out, "mobike"), "(unset)")); /* back to the default */
	CHECK(!strcmp(data(out, "dpd"), "45"));
	CHECK(!strcmp(data(out, "user"), "alice"));
	CHECK(!strcmp(data(out, "x-future-key"), "kept as is")); /* no field: kept */
	CHECK(!g_strcmp0(nm_setting_vpn_get_secret(nm_connection_get_setting_vpn(out), "password"),
			 "new password"));
	nm_setting_get_secret_flags(NM_SETTING(nm_connection_get_setting_vpn(out)), "password",
				    &flags, NULL);
	CHECK(flags == NM_SETTING_SECRET_FLAG_NONE);
	CHECK(!nm_setting_vpn_get_persistent(nm_connection_get_setting_vpn(out))); /* not new */
	g_object_unref(out);

	/* a bad value is refused with rove check's sentence, shown live */
	entry_set(field("dpd_entry"), "100000");
	settle();
	want = g_strdup_printf("dpd: %s", sentence);
	out = nm_simple_connection_new_clone(c);
	CHECK(!nm_vpn_editor_update_connection(ed, out, &err));
	CHECK(err && !strcmp(err->message, want));
	if (err)
		printf("refused: %s\n", err->message);
	g_clear_error(&err);
	CHECK(!strcmp(gtk_label_get_text(GTK_LABEL(field("check_label"))), want));
	CHECK(!strcmp(gtk_label_get_text(GTK_LABEL(field("advanced_check_label"))), want));
	png = g_strdup_printf("%s-advanced.png", prefix);
	screenshot(roots[1], png);
	g_free(png);
	entry_set(field("server_entry"), "vpn.example.com:443");
	entry_set(field("dpd_entry"), "45");
	settle();
	CHECK(!nm_vpn_editor_update_connection(ed, out, &err));
	CHECK(err && strstr(err->message, "server: ") == err->message &&
	      strstr(err->message, "has a port"));
	g_clear_error(&err);
	/* no window manager: the dialog covers the editor's window at 0,0 */
	gtk_widget_hide(roots[1]);
	settle();
	png = g_strdup_printf("%s-basic.png", prefix);
	screenshot(roots[0], png);
	g_free(png);
	entry_set(field("server_entry"), "gw.example.net");
	settle();
	CHECK(nm_vpn_editor_update_connection(ed, out, &err));
	CHECK(!strcmp(gtk_label_get_text(GTK_LABEL(field("check_label"))), ""));
	g_object_unref(out);
	g_free(want);
	roots[1] = NULL;
	g_object_unref(ed);
	g_object_unref(c);
}

/* A password NetworkManager must not keep (password-flags=2, "ask every
 * time" in the storage menu) stays out of the connection, typed or not. */
static void test_not_saved(NMVpnEditorPlugin *plugin)
{
	NMConnection *c = connection(false);
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(c);
	NMSettingSecretFlags flags = 0;
	GError *err = NULL;
	NMVpnEditor *ed;

	nm_setting_set_secret_flags(NM_SETTING(s_vpn), "password",
				    NM_SETTING_SECRET_FLAG_NOT_SAVED, NULL);
	ed = nm_vpn_editor_plugin_get_editor(plugin, c, &err);
	CHECK(ed != NULL);
	if (!ed)
		return;
	roots[0] = show(GTK_WIDGET(nm_vpn_editor_get_widget(ed)));
	entry_set(field("password_entry"), "typed");
	CHECK(nm_vpn_editor_update_connection(ed, c, &err));
	s_vpn = nm_connection_get_setting_vpn(c);
	CHECK(nm_setting_vpn_get_secret(s_vpn, "password") == NULL);
	nm_setting_get_secret_flags(NM_SETTING(s_vpn), "password", &flags, NULL);
	CHECK(flags == NM_SETTING_SECRET_FLAG_NOT_SAVED);
	g_object_unref(ed);
	g_object_unref(c);
}

/* The file fields' icon opens a file chooser; the file chosen lands in
 * the entry. */
static void test_file_chooser(NMVpnEditorPlugin *plugin, const char *file)
{
	NMConnection *c = connection(false);
	GError *err = NULL;
	NMVpnEditor *ed = nm_vpn_editor_plugin_get_editor(plugin, c, &err);
	GtkWidget *chooser;
	GFile *f = g_file_new_for_path(file);

	CHECK(ed != NULL);
	if (!ed)
		return;
	roots[0] = show(GTK_WIDGET(nm_vpn_editor_get_widget(ed)));
#if GTK_CHECK_VERSION(4, 0, 0)
	g_signal_emit_by_name(field("ca_entry"), "icon-press", GTK_ENTRY_ICON_PRIMARY);
#else
	{
		GdkEvent *ev = gdk_event_new(GDK_BUTTON_PRESS);

		g_signal_emit_by_name(field("ca_entry"), "icon-press", GTK_ENTRY_ICON_PRIMARY, ev);
		gdk_event_free(ev);
	}
#endif
	settle();
	chooser = window_titled("Choose a file");
	CHECK(chooser && GTK_IS_FILE_CHOOSER(chooser));
	if (chooser && GTK_IS_FILE_CHOOSER(chooser)) {
		CHECK(gtk_file_chooser_set_file(GTK_FILE_CHOOSER(chooser), f, NULL));
		settle();
		gtk_dialog_response(GTK_DIALOG(chooser), GTK_RESPONSE_ACCEPT);
		settle();
		CHECK(!strcmp(entry_text(field("ca_entry")), file));
	}
	g_object_unref(f);
	g_object_unref(ed);
	g_object_unref(c);
}

/* A new connection: roaming on (vpn.persistent), nothing but what was set. */
static void test_new(NMVpnEditorPlugin *plugin)
{
	NMConnection *c = connection(true);
	GError *err = NULL;
	NMVpnEditor *ed = nm_vpn_editor_plugin_get_editor(plugin, c, &err);
	NMSettingVpn *s_vpn;

	CHECK(ed != NULL);
	if (!ed)
		return;
	roots[0] = show(GTK_WIDGET(nm_vpn_editor_get_widget(ed)));
	CHECK(!nm_vpn_editor_update_connection(ed, c, &err)); /* no server yet */
	CHECK(err && g_str_has_prefix(err->message, "server: missing"));
	g_clear_error(&err);
	entry_set(field("server_entry"), "192.0.2.1");
	entry_set(field("user_entry"), "bob");
	CHECK(nm_vpn_editor_update_connection(ed, c, &err));
	s_vpn = nm_connection_get_setting_vpn(c);
	CHECK(nm_setting_vpn_get_persistent(s_vpn));
	/* server, user and the secrets' flags (NetworkManager keeps those in
	 * vpn.data), nothing else */
	CHECK(nm_setting_vpn_get_num_data_items(s_vpn) == 5);
	CHECK(!strcmp(data(c, "password-flags"), "0"));
	CHECK(!strcmp(data(c, "server"), "192.0.2.1") && !strcmp(data(c, "user"), "bob"));
	g_object_unref(ed);
	g_object_unref(c);
}

int main(int argc, char **argv)
{
	NMVpnEditorPlugin *plugin;
	GError *err = NULL;

	if (argc != 4) {
		fprintf(stderr, "usage: test_editor PLUGIN.so SENTENCE SCREENSHOT-PREFIX\n");
		return 2;
	}
	g_set_prgname("rove-editor-test-" GTKV);
#if GTK_CHECK_VERSION(4, 0, 0)
	gtk_init();
#else
	gtk_init(NULL, NULL);
#endif
	plugin = nm_vpn_editor_plugin_load_from_file(argv[1], SERVICE, -1, NULL, NULL, &err);
	if (!plugin) {
		fprintf(stderr, "loading %s: %s\n", argv[1], err->message);
		return 1;
	}
	CHECK(nm_vpn_editor_plugin_get_capabilities(plugin) ==
	      (NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT |
	       NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6));
	test_existing(plugin, argv[2], argv[3]);
	test_new(plugin);
	test_not_saved(plugin);
	test_file_chooser(plugin, argv[1]);
	printf("%s: %s\n", GTKV, failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
