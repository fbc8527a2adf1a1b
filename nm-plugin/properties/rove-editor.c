/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rove connection editor: one source for GTK 3 (libnma) and GTK 4
 * (libnma-gtk4), one .ui (gtk4/rove-editor.ui is derived from it). Every
 * docs/profile.md key has a field: the basic page, and an advanced dialog.
 * Each change is checked at once with rove check's own checks
 * (rove_profile_set and rove_profile_finish, as the profile parser runs
 * them), so the editor says what `rove check` would say. vpn.data keys
 * without a field here are kept as they are. */
#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>
#include <NetworkManager.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "import.h"
#include "nm-profile.h"
#include "profile.h"
#include "rove-editor-plugin.h"

#if GTK_CHECK_VERSION(4, 0, 0)
#define entry_text(w) gtk_editable_get_text(GTK_EDITABLE(w))
#define entry_set(w, t) gtk_editable_set_text(GTK_EDITABLE(w), t)
#define check_get(w) gtk_check_button_get_active(GTK_CHECK_BUTTON(w))
#define check_set(w, v) gtk_check_button_set_active(GTK_CHECK_BUTTON(w), v)
#define add_class(w, c) gtk_widget_add_css_class(w, c)
#define remove_class(w, c) gtk_widget_remove_css_class(w, c)
#else
#define entry_text(w) gtk_entry_get_text(GTK_ENTRY(w))
#define entry_set(w, t) gtk_entry_set_text(GTK_ENTRY(w), t)
#define check_get(w) gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w))
#define check_set(w, v) gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w), v)
#define add_class(w, c) gtk_style_context_add_class(gtk_widget_get_style_context(w), c)
#define remove_class(w, c) gtk_style_context_remove_class(gtk_widget_get_style_context(w), c)
#endif

enum kind { ENTRY, CHECK, COMBO };

/* The widget of each [vpn] key; a CHECK's default is `dflt`, written only
 * when the box differs from it. */
static const struct field {
	const char *widget, *key;
	enum kind kind;
	bool dflt;
} fields[] = {
	{ "server_entry", "server", ENTRY, false },
	{ "remote_id_entry", "remote-id", ENTRY, false },
	{ "auth_combo", "auth", COMBO, false },
	{ "user_entry", "user", ENTRY, false },
	{ "ca_entry", "ca", ENTRY, false },
	{ "cert_entry", "cert", ENTRY, false },
	{ "key_entry", "key", ENTRY, false },
	{ "local_id_entry", "local-id", ENTRY, false },
	{ "send_remote_id_check", "send-remote-id", CHECK, false },
	{ "routes_entry", "routes", ENTRY, false },
	{ "ike_entry", "ike", ENTRY, false },
	{ "esp_entry", "esp", ENTRY, false },
	{ "datapath_combo", "datapath", COMBO, false },
	{ "encap_check", "encap", CHECK, false },
	{ "mobike_check", "mobike", CHECK, true },
	{ "leak_block_check", "leak-block", CHECK, true },
	{ "reconnect_check", "reconnect", CHECK, true },
	{ "dpd_entry", "dpd", ENTRY, false },
	{ "dpd_timeout_entry", "dpd-timeout", ENTRY, false },
	{ "reauth_entry", "reauth", ENTRY, false },
	{ "ike_rekey_entry", "ike-rekey", ENTRY, false },
	{ "child_rekey_entry", "child-rekey", ENTRY, false },
	{ "fragment_size_entry", "fragment-size", ENTRY, false },
	{ "crl_entry", "crl", ENTRY, false },
	{ "ocsp_combo", "ocsp", COMBO, false },
	{ "eap_tls_version_combo", "eap-tls-version", COMBO, false },
};

/* [vpn-secrets] and the vpn.data key NetworkManager keeps their flags in. */
static const struct secret {
	const char *widget, *key, *flags_key;
} secrets[] = {
	{ "password_entry", "password", "password-flags" },
	{ "psk_entry", "psk", "psk-flags" },
	{ "key_password_entry", "key-password", "key-password-flags" },
};

#define ROVE_TYPE_EDITOR (rove_editor_get_type())
typedef struct {
	GObject parent;
	GtkBuilder *builder;
	GtkWidget *grid, *advanced, *dialog;
	NMSettingVpn *orig;   /* a copy of the connection's vpn setting */
	bool is_new;
	char *problem;        /* "key: sentence" of the first problem, or NULL */
} RoveEditor;
typedef struct {
	GObjectClass parent;
} RoveEditorClass;

static void editor_iface_init(NMVpnEditorInterface *iface);
GType rove_editor_get_type(void);
G_DEFINE_TYPE_WITH_CODE(RoveEditor, rove_editor, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(NM_TYPE_VPN_EDITOR, editor_iface_init))

static GtkWidget *w(RoveEditor *ed, const char *name)
{
	return GTK_WIDGET(gtk_builder_get_object(ed->builder, name));
}

/* The value a field stands for, NULL when it leaves the key out. */
static char *field_value(RoveEditor *ed, const struct field *f)
{
	GtkWidget *x = w(ed, f->widget);
	const char *s;

	switch (f->kind) {
	case ENTRY:
		s = entry_text(x);
		return s && *s ? g_strstrip(g_strdup(s)) : NULL;
	case CHECK:
		return check_get(x) == f->dflt ? NULL : g_strdup(check_get(x) ? "yes" : "no");
	case COMBO:
		s = gtk_combo_box_get_active_id(GTK_COMBO_BOX(x));
		return s && *s ? g_strdup(s) : NULL;
	}
	return NULL;
}

static NMSettingSecretFlags secret_flags(RoveEditor *ed, const struct secret *s)
{
	return nma_utils_menu_to_secret_flags(w(ed, s->widget));
}

static void mark(RoveEditor *ed, const char *key, const char *msg)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		GtkWidget *x = w(ed, fields[i].widget);

		if (key && strcmp(fields[i].key, key))
			continue;
		if (msg)
			add_class(x, "error");
		else
			remove_class(x, "error");
		if (fields[i].kind == ENTRY) {
			gtk_entry_set_icon_from_icon_name(GTK_ENTRY(x), GTK_ENTRY_ICON_SECONDARY,
							  msg ? "dialog-error-symbolic" : NULL);
			gtk_entry_set_icon_tooltip_text(GTK_ENTRY(x), GTK_ENTRY_ICON_SECONDARY,
							msg);
		}
	}
}

/* Runs the profile checks on what the fields say; remembers and shows the
 * first problem as `rove check` words it ("key: sentence"). */
static bool check_all(RoveEditor *ed)
{
	struct rove_profile p;
	struct rove_diags diags = { 0 };
	GtkWidget *label = w(ed, "check_label");

	rove_profile_init(&p, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		char *v = field_value(ed, &fields[i]);

		if (v)
			rove_profile_set(&p, false, fields[i].key, v, strlen(v), 0, &diags);
		g_free(v);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(secrets); i++) {
		const char *v = entry_text(w(ed, secrets[i].widget));

		/* a secret NetworkManager asks for later counts as present */
		if (!*v && secret_flags(ed, &secrets[i]) != NM_SETTING_SECRET_FLAG_NONE)
			v = "-";
		if (*v)
			rove_profile_set(&p, true, secrets[i].key, v, strlen(v), 0, &diags);
	}
	if (!diags.n)
		rove_profile_finish(&p, &diags);
	rove_profile_free(&p);
	mark(ed, NULL, NULL);
	g_clear_pointer(&ed->problem, g_free);
	for (size_t i = 0; i < diags.n && i < ROVE_MAX_DIAGS; i++)
		mark(ed, diags.d[i].key, diags.d[i].msg);
	if (diags.n)
		ed->problem = g_strdup_printf("%s: %s", diags.d[0].key, diags.d[0].msg);
	gtk_label_set_text(GTK_LABEL(label), ed->problem ? ed->problem : "");
	label = w(ed, "advanced_check_label");
	gtk_label_set_text(GTK_LABEL(label), ed->problem ? ed->problem : "");
	return diags.n == 0;
}

/* The fields the chosen authentication does not use are greyed out
 * (all stay usable with "Automatic", which infers it from them). */
static void update_sensitivity(RoveEditor *ed)
{
	static const struct {
		const char *widget;
		const char *auths; /* the auth values that use it */
	} uses[] = {
		{ "user_entry", " eap-mschapv2 " }, { "password_entry", " eap-mschapv2 " },
		{ "psk_entry", " psk " }, { "cert_entry", " pubkey eap-tls " },
		{ "key_entry", " pubkey eap-tls " }, { "key_password_entry", " pubkey eap-tls " },
		{ "eap_tls_version_combo", " eap-tls " },
	};
	const char *auth = gtk_combo_box_get_active_id(GTK_COMBO_BOX(w(ed, "auth_combo")));

	for (size_t i = 0; i < G_N_ELEMENTS(uses); i++) {
		char *word = g_strdup_printf(" %s ", auth ? auth : "");
		bool on = !auth || !*auth || strstr(uses[i].auths, word);

		gtk_widget_set_sensitive(w(ed, uses[i].widget), on);
		g_free(word);
	}
}

static void on_changed(RoveEditor *ed)
{
	update_sensitivity(ed);
	check_all(ed);
	g_signal_emit_by_name(ed, "changed");
}

/* ---- filling the fields from the connection ---- */

static bool parse_bool(const char *v, bool dflt)
{
	if (!v)
		return dflt;
	if (!g_ascii_strcasecmp(v, "yes") || !g_ascii_strcasecmp(v, "true") || !strcmp(v, "1"))
		return true;
	if (!g_ascii_strcasecmp(v, "no") || !g_ascii_strcasecmp(v, "false") || !strcmp(v, "0"))
		return false;
	return dflt;
}

static void fill(RoveEditor *ed, NMSettingVpn *s_vpn)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		const struct field *f = &fields[i];
		const char *v = s_vpn ? nm_setting_vpn_get_data_item(s_vpn, f->key) : NULL;
		GtkWidget *x = w(ed, f->widget);

		switch (f->kind) {
		case ENTRY:
			entry_set(x, v ? v : "");
			break;
		case CHECK:
			check_set(x, parse_bool(v, f->dflt));
			break;
		case COMBO:
			/* a value the list lacks still shows, and is kept */
			if (v && !gtk_combo_box_set_active_id(GTK_COMBO_BOX(x), v)) {
				gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(x), v, v);
				gtk_combo_box_set_active_id(GTK_COMBO_BOX(x), v);
			} else if (!v) {
				gtk_combo_box_set_active_id(GTK_COMBO_BOX(x), "");
			}
			break;
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(secrets); i++) {
		const struct secret *s = &secrets[i];
		const char *v = s_vpn ? nm_setting_vpn_get_secret(s_vpn, s->key) : NULL;
		NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;

		entry_set(w(ed, s->widget), v ? v : "");
		if (s_vpn)
			nm_setting_get_secret_flags(NM_SETTING(s_vpn), s->key, &flags, NULL);
		nma_utils_setup_password_storage(w(ed, s->widget), flags,
						 s_vpn ? NM_SETTING(s_vpn) : NULL, s->key, TRUE,
						 FALSE);
	}
}

static void connect_signals(RoveEditor *ed)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		g_signal_connect_swapped(w(ed, fields[i].widget),
					 fields[i].kind == CHECK ? "toggled" : "changed",
					 G_CALLBACK(on_changed), ed);
	/* the storage menu of a secret shows its choice as the entry's icon */
	for (size_t i = 0; i < G_N_ELEMENTS(secrets); i++) {
		g_signal_connect_swapped(w(ed, secrets[i].widget), "changed",
					 G_CALLBACK(on_changed), ed);
		g_signal_connect_swapped(w(ed, secrets[i].widget), "notify::secondary-icon-name",
					 G_CALLBACK(on_changed), ed);
	}
}

/* ---- file fields: the entry's primary icon opens a file chooser ---- */

static const char *const file_fields[] = { "ca_entry", "cert_entry", "key_entry", "crl_entry" };

static void on_file_chosen(GtkNativeDialog *chooser, int response, GtkWidget *entry)
{
	if (response == GTK_RESPONSE_ACCEPT) {
#if GTK_CHECK_VERSION(4, 0, 0)
		GFile *f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(chooser));
		char *path = f ? g_file_get_path(f) : NULL;

		g_clear_object(&f);
#else
		char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
#endif
		if (path)
			entry_set(entry, path);
		g_free(path);
	}
	g_object_unref(chooser);
}

static void choose_file(GtkEntry *entry, GtkEntryIconPosition pos)
{
	GtkFileChooserNative *chooser;
	GtkWindow *parent = NULL;

	if (pos != GTK_ENTRY_ICON_PRIMARY)
		return;
#if GTK_CHECK_VERSION(4, 0, 0)
	if (GTK_IS_WINDOW(gtk_widget_get_root(GTK_WIDGET(entry))))
		parent = GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(entry)));
#else
	if (GTK_IS_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(entry))))
		parent = GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(entry)));
#endif
	chooser = gtk_file_chooser_native_new(_("Choose a file"), parent,
					      GTK_FILE_CHOOSER_ACTION_OPEN, NULL, NULL);
	gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
	g_signal_connect(chooser, "response", G_CALLBACK(on_file_chosen), entry);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

#if GTK_CHECK_VERSION(4, 0, 0)
static void on_icon_press(GtkEntry *entry, GtkEntryIconPosition pos, gpointer data)
{
	choose_file(entry, pos);
}
#else
static void on_icon_press(GtkEntry *entry, GtkEntryIconPosition pos, GdkEvent *ev, gpointer data)
{
	choose_file(entry, pos);
}
#endif

static void setup_file_fields(RoveEditor *ed)
{
	for (size_t i = 0; i < G_N_ELEMENTS(file_fields); i++) {
		GtkEntry *e = GTK_ENTRY(w(ed, file_fields[i]));

		gtk_entry_set_icon_from_icon_name(e, GTK_ENTRY_ICON_PRIMARY,
						  "document-open-symbolic");
		gtk_entry_set_icon_tooltip_text(e, GTK_ENTRY_ICON_PRIMARY, _("Choose a file"));
		g_signal_connect(e, "icon-press", G_CALLBACK(on_icon_press), NULL);
	}
}

/* ---- the advanced dialog: the advanced grid, shown in a window of its
 * own; its fields are read like the others, so closing it loses nothing */

static void on_dialog_response(GtkDialog *dialog, int response, RoveEditor *ed)
{
	gtk_widget_hide(GTK_WIDGET(dialog));
}

#if !GTK_CHECK_VERSION(4, 0, 0)
static gboolean on_dialog_delete(GtkWidget *dialog, GdkEvent *event, gpointer data)
{
	gtk_widget_hide(dialog);
	return TRUE; /* keep it and its fields */
}
#endif

static void on_advanced(GtkButton *button, RoveEditor *ed)
{
	if (!ed->dialog) {
		GtkWidget *area;

		ed->dialog = gtk_dialog_new_with_buttons(_("Advanced rove settings"), NULL, 0,
							 _("_Close"), GTK_RESPONSE_CLOSE, NULL);
		area = gtk_dialog_get_content_area(GTK_DIALOG(ed->dialog));
#if GTK_CHECK_VERSION(4, 0, 0)
		gtk_box_append(GTK_BOX(area), ed->advanced);
		gtk_window_set_hide_on_close(GTK_WINDOW(ed->dialog), TRUE);
		{
			GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(button));

			if (GTK_IS_WINDOW(root))
				gtk_window_set_transient_for(GTK_WINDOW(ed->dialog),
							     GTK_WINDOW(root));
		}
#else
		gtk_container_add(GTK_CONTAINER(area), ed->advanced);
		g_signal_connect(ed->dialog, "delete-event", G_CALLBACK(on_dialog_delete), NULL);
		{
			GtkWidget *top = gtk_widget_get_toplevel(GTK_WIDGET(button));

			if (GTK_IS_WINDOW(top))
				gtk_window_set_transient_for(GTK_WINDOW(ed->dialog),
							     GTK_WINDOW(top));
		}
#endif
		g_signal_connect(ed->dialog, "response", G_CALLBACK(on_dialog_response), ed);
	}
	gtk_widget_show(ed->dialog);
}

/* ---- NMVpnEditor ---- */

static GObject *get_widget(NMVpnEditor *editor)
{
	return G_OBJECT(((RoveEditor *)editor)->grid);
}

static gboolean update_connection(NMVpnEditor *editor, NMConnection *connection, GError **error)
{
	RoveEditor *ed = (RoveEditor *)editor;
	NMSettingVpn *s_vpn;

	if (!check_all(ed)) {
		g_set_error_literal(error, NM_CONNECTION_ERROR,
				    NM_CONNECTION_ERROR_INVALID_PROPERTY, ed->problem);
		return FALSE;
	}
	/* Start from the connection's own setting, so keys without a field
	 * (a newer rove's, the user's) stay as they were. */
	s_vpn = ed->orig ? NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(ed->orig))) :
			   NM_SETTING_VPN(nm_setting_vpn_new());
	g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, ROVE_NM_SERVICE, NULL);
	if (ed->is_new)
		g_object_set(s_vpn, NM_SETTING_VPN_PERSISTENT, TRUE, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		char *v = field_value(ed, &fields[i]);

		if (v)
			nm_setting_vpn_add_data_item(s_vpn, fields[i].key, v);
		else
			nm_setting_vpn_remove_data_item(s_vpn, fields[i].key);
		g_free(v);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(secrets); i++) {
		const struct secret *s = &secrets[i];
		NMSettingSecretFlags flags = secret_flags(ed, s);
		const char *v = entry_text(w(ed, s->widget));

		nm_setting_set_secret_flags(NM_SETTING(s_vpn), s->key, flags, NULL);
		/* only a secret NetworkManager keeps (or an agent stores) is
		 * handed over; "ask every time" and "not required" keep none */
		if (*v && (flags == NM_SETTING_SECRET_FLAG_NONE ||
			   flags == NM_SETTING_SECRET_FLAG_AGENT_OWNED))
			nm_setting_vpn_add_secret(s_vpn, s->key, v);
		else
			nm_setting_vpn_remove_secret(s_vpn, s->key);
		nma_utils_update_password_storage(w(ed, s->widget), flags, NM_SETTING(s_vpn),
						  s->key);
	}
	nm_connection_add_setting(connection, NM_SETTING(s_vpn));
	return TRUE;
}

static void rove_editor_init(RoveEditor *ed)
{
}

static void dispose(GObject *object)
{
	RoveEditor *ed = (RoveEditor *)object;

	if (ed->dialog) {
#if GTK_CHECK_VERSION(4, 0, 0)
		gtk_window_destroy(GTK_WINDOW(ed->dialog));
#else
		gtk_widget_destroy(ed->dialog);
#endif
		ed->dialog = NULL;
	}
	g_clear_object(&ed->advanced);
	g_clear_object(&ed->grid);
	g_clear_object(&ed->builder);
	g_clear_object(&ed->orig);
	g_clear_pointer(&ed->problem, g_free);
	G_OBJECT_CLASS(rove_editor_parent_class)->dispose(object);
}

static void rove_editor_class_init(RoveEditorClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = dispose;
}

static void editor_iface_init(NMVpnEditorInterface *iface)
{
	iface->get_widget = get_widget;
	iface->update_connection = update_connection;
}

G_MODULE_EXPORT NMVpnEditor *rove_editor_factory(NMVpnEditorPlugin *plugin,
						 NMConnection *connection, GError **error);

G_MODULE_EXPORT NMVpnEditor *rove_editor_factory(NMVpnEditorPlugin *plugin,
						 NMConnection *connection, GError **error)
{
	RoveEditor *ed = g_object_new(ROVE_TYPE_EDITOR, NULL);
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);

	ed->builder = gtk_builder_new();
	gtk_builder_set_translation_domain(ed->builder, GETTEXT_PACKAGE);
	if (!gtk_builder_add_from_resource(ed->builder,
					   "/org/freedesktop/network-manager-rove/rove-editor.ui",
					   error)) {
		g_object_unref(ed);
		return NULL;
	}
	ed->grid = g_object_ref_sink(w(ed, "rove_grid"));
	ed->advanced = g_object_ref_sink(w(ed, "advanced_grid"));
	if (s_vpn)
		ed->orig = NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(s_vpn)));
	/* NetworkManager's editors hand a new connection an empty setting */
	ed->is_new = !s_vpn || nm_setting_vpn_get_num_data_items(s_vpn) == 0;
	fill(ed, s_vpn);
	connect_signals(ed);
	setup_file_fields(ed);
	update_sensitivity(ed);
	g_signal_connect(w(ed, "advanced_button"), "clicked", G_CALLBACK(on_advanced), ed);
	check_all(ed);
	return NM_VPN_EDITOR(ed);
}
