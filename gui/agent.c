/* The secret agent (see agent.h). */
#include "agent.h"
#include "model.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

struct _RoveAgent {
	NMSecretAgentOld parent;
	GList *requests;              /* struct request *, in flight */
};

G_DEFINE_TYPE(RoveAgent, rove_agent, NM_TYPE_SECRET_AGENT_OLD)

const SecretSchema *rove_agent_schema(void)
{
	/* as nm-applet (src/applet-agent.c) and libnma define it; DONT_MATCH_NAME
	 * so items stored without xdg:schema (secret-tool) are found too */
	static const SecretSchema schema = {
		"org.freedesktop.NetworkManager.Connection",
		SECRET_SCHEMA_DONT_MATCH_NAME,
		{
			{"connection-uuid", SECRET_SCHEMA_ATTRIBUTE_STRING},
			{"setting-name", SECRET_SCHEMA_ATTRIBUTE_STRING},
			{"setting-key", SECRET_SCHEMA_ATTRIBUTE_STRING},
			{NULL, 0},
		},
	};
	return &schema;
}

struct request {
	RoveAgent *agent;
	NMConnection *connection;     /* ref */
	char *path;
	NMSecretAgentGetSecretsFlags flags;
	NMSecretAgentOldGetSecretsFunc callback;
	gpointer data;
	char **keys;                  /* the secrets wanted */
	GHashTable *found;            /* key -> value from the keyring */
	int lookups;                  /* keyring lookups in flight */
	GtkWindow *dialog;
	GPtrArray *entries;           /* GtkEntry * per key */
	GtkCheckButton *remember;
	GCancellable *cancel;
};

static NMSettingVpn *rove_vpn(NMConnection *c)
{
	NMSettingVpn *vpn = nm_connection_get_setting_vpn(c);
	return vpn && !g_strcmp0(nm_setting_vpn_get_service_type(vpn), ROVE_NM_SERVICE) ? vpn : NULL;
}

static NMSettingSecretFlags key_flags(NMConnection *c, const char *key)
{
	NMSettingSecretFlags f = NM_SETTING_SECRET_FLAG_NONE;
	nm_setting_get_secret_flags(NM_SETTING(nm_connection_get_setting_vpn(c)), key, &f, NULL);
	return f;
}

static void wipe(gpointer p)
{
	char *s = p;
	if (s)
		memset(s, 0, strlen(s));
	g_free(s);
}

static void request_free(struct request *r)
{
	r->agent->requests = g_list_remove(r->agent->requests, r);
	g_cancellable_cancel(r->cancel);
	g_clear_object(&r->cancel);
	if (r->dialog)
		gtk_window_destroy(r->dialog);
	if (r->entries)
		g_ptr_array_free(r->entries, TRUE);
	g_object_unref(r->connection);
	g_hash_table_destroy(r->found);
	g_strfreev(r->keys);
	g_free(r->path);
	g_free(r);
}

/* Answers NetworkManager with the given secrets and ends the request. */
static void finish(struct request *r, GHashTable *secrets, GError *err)
{
	GVariant *v = NULL;
	if (secrets) {
		GVariantBuilder sec, setting, all;
		GHashTableIter it;
		gpointer k, val;
		g_variant_builder_init(&sec, G_VARIANT_TYPE("a{ss}"));
		g_hash_table_iter_init(&it, secrets);
		while (g_hash_table_iter_next(&it, &k, &val))
			g_variant_builder_add(&sec, "{ss}", k, val);
		g_variant_builder_init(&setting, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&setting, "{sv}", NM_SETTING_VPN_SECRETS,
				      g_variant_builder_end(&sec));
		g_variant_builder_init(&all, NM_VARIANT_TYPE_CONNECTION);
		g_variant_builder_add(&all, "{sa{sv}}", NM_SETTING_VPN_SETTING_NAME, &setting);
		v = g_variant_ref_sink(g_variant_builder_end(&all));
	}
	r->callback(NM_SECRET_AGENT_OLD(r->agent), r->connection, v, err, r->data);
	if (v)
		g_variant_unref(v);
	g_clear_error(&err);
	request_free(r);
}

static char *label_for(NMConnection *c, const char *key)
{
	NMSettingVpn *vpn = nm_connection_get_setting_vpn(c);
	/* nm-applet's label for VPN secrets */
	return g_strdup_printf("VPN %s secret for %s/%s/" NM_SETTING_VPN_SETTING_NAME, key,
			       nm_connection_get_id(c), nm_setting_vpn_get_service_type(vpn));
}

struct store {
	char *uuid, *key, *label, *value;
};

static void store_free(struct store *st)
{
	g_free(st->uuid);
	g_free(st->key);
	g_free(st->label);
	wipe(st->value);
	g_free(st);
}

static void cleared_for_store(GObject *src, GAsyncResult *res, gpointer data)
{
	struct store *st = data;
	secret_password_clear_finish(res, NULL);
	secret_password_store(rove_agent_schema(), SECRET_COLLECTION_DEFAULT, st->label, st->value,
			      NULL, NULL, NULL, "connection-uuid", st->uuid,
			      "setting-name", NM_SETTING_VPN_SETTING_NAME, "setting-key", st->key, NULL);
	store_free(st);
}

/* Replaces what is stored for the key. The old item goes first: one
 * stored without xdg:schema (by secret-tool, or an older nm-applet) would
 * not be replaced by libsecret's store, which adds that attribute, and a
 * lookup would then find either. */
static void store(NMConnection *c, const char *key, const char *value)
{
	struct store *st = g_new0(struct store, 1);
	st->uuid = g_strdup(nm_connection_get_uuid(c));
	st->key = g_strdup(key);
	st->label = label_for(c, key);
	st->value = g_strdup(value);
	secret_password_clear(rove_agent_schema(), NULL, cleared_for_store, st,
			      "connection-uuid", st->uuid, "setting-name", NM_SETTING_VPN_SETTING_NAME,
			      "setting-key", key, NULL);
}

static void forget(NMConnection *c, const char *key)
{
	secret_password_clear(rove_agent_schema(), NULL, NULL, NULL,
			      "connection-uuid", nm_connection_get_uuid(c),
			      "setting-name", NM_SETTING_VPN_SETTING_NAME, "setting-key", key, NULL);
}

/* --- the dialog ---------------------------------------------------------- */

static const char *key_title(const char *key)
{
	if (!strcmp(key, "password"))
		return _("_Password");
	if (!strcmp(key, "key-password") || !strcmp(key, "cert-pass"))
		return _("Private _key password");
	if (!strcmp(key, "psk"))
		return _("Pre-shared _key");
	return key;
}

/* The flags say whether a secret is kept: a changed "remember" changes
 * them in the connection, as nm-applet's password menu does. */
static void commit_flags(RoveAgent *agent, const char *path, char **keys,
			 NMSettingSecretFlags want)
{
	NMClient *cl = NULL;
	NMRemoteConnection *rc = NULL;
	GObject *o = g_object_get_data(G_OBJECT(agent), "client");
	if (o)
		cl = NM_CLIENT(o);
	if (cl)
		rc = nm_client_get_connection_by_path(cl, path);
	if (!rc)
		return;
	NMConnection *copy = nm_simple_connection_new_clone(NM_CONNECTION(rc));
	NMSettingVpn *vpn = nm_connection_get_setting_vpn(copy);
	for (int i = 0; keys[i]; i++)
		nm_setting_set_secret_flags(NM_SETTING(vpn), keys[i], want, NULL);
	nm_remote_connection_update2(rc, nm_connection_to_dbus(copy, NM_CONNECTION_SERIALIZE_NO_SECRETS),
				     NM_SETTINGS_UPDATE2_FLAG_NONE, NULL, NULL, NULL, NULL);
	g_object_unref(copy);
}

static void dialog_done(struct request *r, gboolean ok)
{
	if (!ok) {
		finish(r, NULL, g_error_new(NM_SECRET_AGENT_ERROR, NM_SECRET_AGENT_ERROR_USER_CANCELED,
					    "the password dialog was cancelled"));
		return;
	}
	gboolean remember = gtk_check_button_get_active(r->remember);
	GHashTable *s = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, wipe);
	gboolean was_saved = FALSE;
	for (int i = 0; r->keys[i]; i++) {
		const char *v = gtk_editable_get_text(GTK_EDITABLE(r->entries->pdata[i]));
		g_hash_table_insert(s, g_strdup(r->keys[i]), g_strdup(v));
		was_saved |= !!(key_flags(r->connection, r->keys[i]) & NM_SETTING_SECRET_FLAG_AGENT_OWNED);
		if (remember)
			store(r->connection, r->keys[i], v);
		else
			forget(r->connection, r->keys[i]);
	}
	/* The answer goes out before the changed flags: NetworkManager fails a
	 * secrets request whose connection was modified while it was open
	 * ("The connection was modified since activation"), and both travel
	 * on the one system bus connection, so this order is the order NM
	 * sees. */
	RoveAgent *agent = g_object_ref(r->agent);
	char *path = g_strdup(r->path);
	char **keys = g_strdupv(r->keys);
	finish(r, s, NULL);
	g_hash_table_destroy(s);
	if (remember != was_saved)
		commit_flags(agent, path, keys, remember ? NM_SETTING_SECRET_FLAG_AGENT_OWNED
							 : NM_SETTING_SECRET_FLAG_NOT_SAVED);
	g_strfreev(keys);
	g_free(path);
	g_object_unref(agent);
}

static void on_ok(GtkWidget *w, struct request *r)
{
	dialog_done(r, TRUE);
}

static void on_cancel(GtkWidget *w, struct request *r)
{
	dialog_done(r, FALSE);
}

static gboolean on_close(GtkWindow *w, struct request *r)
{
	r->dialog = NULL; /* GTK destroys it */
	dialog_done(r, FALSE);
	return FALSE;
}

static void ask(struct request *r)
{
	GtkWindow *win = GTK_WINDOW(adw_window_new());
	r->dialog = win;
	gtk_window_set_title(win, _("VPN password"));
	gtk_window_set_default_size(win, 420, -1);
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *hb = adw_header_bar_new();
	/* no mnemonics on buttons: GTK 4.8 then names them "_Cancel Cancel"
	 * for screen readers */
	GtkWidget *cancel = gtk_button_new_with_label(_("Cancel"));
	GtkWidget *ok = gtk_button_new_with_label(_("Connect"));
	gtk_widget_add_css_class(ok, "suggested-action");
	adw_header_bar_set_show_end_title_buttons(ADW_HEADER_BAR(hb), FALSE);
	adw_header_bar_pack_start(ADW_HEADER_BAR(hb), cancel);
	adw_header_bar_pack_end(ADW_HEADER_BAR(hb), ok);
	gtk_box_append(GTK_BOX(box), hb);

	GtkWidget *inner = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	g_object_set(inner, "margin-start", 18, "margin-end", 18, "margin-bottom", 18, NULL);
	char *msg = g_strdup_printf(_("The VPN connection “%s” needs a password."),
				    nm_connection_get_id(r->connection));
	GtkWidget *l = gtk_label_new(msg);
	g_free(msg);
	gtk_label_set_wrap(GTK_LABEL(l), TRUE);
	gtk_label_set_xalign(GTK_LABEL(l), 0);
	gtk_box_append(GTK_BOX(inner), l);
	r->entries = g_ptr_array_new();
	for (int i = 0; r->keys[i]; i++) {
		GtkWidget *kl = gtk_label_new_with_mnemonic(key_title(r->keys[i]));
		gtk_label_set_xalign(GTK_LABEL(kl), 0);
		GtkWidget *e = gtk_entry_new();
		gtk_entry_set_visibility(GTK_ENTRY(e), FALSE);
		gtk_entry_set_input_purpose(GTK_ENTRY(e), GTK_INPUT_PURPOSE_PASSWORD);
		gtk_entry_set_activates_default(GTK_ENTRY(e), TRUE);
		/* the mnemonic makes the label the entry's accessible name */
		gtk_label_set_mnemonic_widget(GTK_LABEL(kl), e);
		gtk_box_append(GTK_BOX(inner), kl);
		gtk_box_append(GTK_BOX(inner), e);
		g_ptr_array_add(r->entries, e);
	}
	/* agent-owned: kept in the keyring; not saved: asked every time */
	r->remember = GTK_CHECK_BUTTON(gtk_check_button_new_with_label(_("Remember the password")));
	gtk_check_button_set_active(r->remember,
		!!(key_flags(r->connection, r->keys[0]) & NM_SETTING_SECRET_FLAG_AGENT_OWNED));
	gtk_box_append(GTK_BOX(inner), GTK_WIDGET(r->remember));
	gtk_box_append(GTK_BOX(box), inner);
	adw_window_set_content(ADW_WINDOW(win), box);
	gtk_window_set_default_widget(win, ok);
	g_signal_connect(ok, "clicked", G_CALLBACK(on_ok), r);
	g_signal_connect(cancel, "clicked", G_CALLBACK(on_cancel), r);
	g_signal_connect(win, "close-request", G_CALLBACK(on_close), r);
	GApplication *app = g_application_get_default();
	if (app)
		gtk_window_set_application(win, GTK_APPLICATION(app));
	gtk_window_present(win);
}

/* --- get_secrets --------------------------------------------------------- */

static void lookups_done(struct request *r)
{
	gboolean missing = FALSE;
	gboolean new = !!(r->flags & NM_SECRET_AGENT_GET_SECRETS_FLAG_REQUEST_NEW);
	for (int i = 0; r->keys[i]; i++)
		missing |= !g_hash_table_contains(r->found, r->keys[i]);
	if (!missing && !new) {
		finish(r, r->found, NULL);
		return;
	}
	if (r->flags & NM_SECRET_AGENT_GET_SECRETS_FLAG_ALLOW_INTERACTION) {
		ask(r);
		return;
	}
	if (g_hash_table_size(r->found) && !new)
		finish(r, r->found, NULL);
	else
		finish(r, NULL, g_error_new(NM_SECRET_AGENT_ERROR, NM_SECRET_AGENT_ERROR_NO_SECRETS,
					    "no rove secrets in the keyring"));
}

struct lookup {
	struct request *r;
	char *key;
};

static void looked_up(GObject *src, GAsyncResult *res, gpointer data)
{
	struct lookup *l = data;
	GError *err = NULL;
	char *v = secret_password_lookup_finish(res, &err);
	if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_error_free(err);
		g_free(l->key);
		g_free(l);
		return; /* the request is gone */
	}
	struct request *r = l->r;
	if (v && *v)
		g_hash_table_insert(r->found, g_strdup(l->key), g_strdup(v));
	if (err) {
		g_debug("keyring lookup: %s", err->message);
		g_error_free(err);
	}
	secret_password_free(v);
	g_free(l->key);
	g_free(l);
	if (--r->lookups == 0)
		lookups_done(r);
}

/* The secrets NetworkManager wants: the hints (rove's service names them
 * in NeedSecrets), else every key with a -flags item, else "password". */
static char **wanted_keys(NMSettingVpn *vpn, const char *const *hints)
{
	GPtrArray *k = g_ptr_array_new();
	for (int i = 0; hints && hints[i]; i++)
		if (!g_str_has_prefix(hints[i], "x-vpn-message:") &&
		    !g_str_has_prefix(hints[i], NM_SETTING_VPN_SECRETS "."))
			g_ptr_array_add(k, g_strdup(hints[i]));
	if (!k->len) {
		guint n;
		const char **keys = nm_setting_vpn_get_data_keys(vpn, &n);
		for (guint i = 0; i < n; i++) {
			NMSettingSecretFlags f = 0;
			if (!g_str_has_suffix(keys[i], "-flags"))
				continue;
			char *s = g_strndup(keys[i], strlen(keys[i]) - strlen("-flags"));
			nm_setting_get_secret_flags(NM_SETTING(vpn), s, &f, NULL);
			if (!(f & NM_SETTING_SECRET_FLAG_NOT_REQUIRED))
				g_ptr_array_add(k, s);
			else
				g_free(s);
		}
		g_free(keys);
	}
	if (!k->len)
		g_ptr_array_add(k, g_strdup("password"));
	g_ptr_array_add(k, NULL);
	return (char **)g_ptr_array_free(k, FALSE);
}

static void get_secrets(NMSecretAgentOld *agent, NMConnection *connection, const char *path,
			const char *setting_name, const char **hints,
			NMSecretAgentGetSecretsFlags flags, NMSecretAgentOldGetSecretsFunc callback,
			gpointer data)
{
	NMSettingVpn *vpn = rove_vpn(connection);
	if (!vpn || g_strcmp0(setting_name, NM_SETTING_VPN_SETTING_NAME)) {
		GError *err = g_error_new(NM_SECRET_AGENT_ERROR, NM_SECRET_AGENT_ERROR_NO_SECRETS,
					  "rove's agent keeps only rove VPN secrets");
		callback(agent, connection, NULL, err, data);
		g_error_free(err);
		return;
	}
	struct request *r = g_new0(struct request, 1);
	r->agent = ROVE_AGENT(agent);
	r->connection = g_object_ref(connection);
	r->path = g_strdup(path);
	r->flags = flags;
	r->callback = callback;
	r->data = data;
	r->keys = wanted_keys(vpn, hints);
	r->found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, wipe);
	r->cancel = g_cancellable_new();
	r->agent->requests = g_list_prepend(r->agent->requests, r);
	for (int i = 0; r->keys[i]; i++) {
		/* not saved: asked every time, never looked up */
		if (key_flags(connection, r->keys[i]) & NM_SETTING_SECRET_FLAG_NOT_SAVED)
			continue;
		struct lookup *l = g_new0(struct lookup, 1);
		l->r = r;
		l->key = g_strdup(r->keys[i]);
		r->lookups++;
		secret_password_lookup(rove_agent_schema(), r->cancel, looked_up, l,
				       "connection-uuid", nm_connection_get_uuid(connection),
				       "setting-name", NM_SETTING_VPN_SETTING_NAME,
				       "setting-key", r->keys[i], NULL);
	}
	if (!r->lookups)
		lookups_done(r);
}

static void cancel_get_secrets(NMSecretAgentOld *agent, const char *path, const char *setting_name)
{
	RoveAgent *a = ROVE_AGENT(agent);
	for (GList *l = a->requests; l; l = l->next) {
		struct request *r = l->data;
		if (!g_strcmp0(r->path, path)) {
			finish(r, NULL, g_error_new(NM_SECRET_AGENT_ERROR,
						    NM_SECRET_AGENT_ERROR_AGENT_CANCELED,
						    "NetworkManager cancelled the request"));
			return;
		}
	}
}

/* --- save and delete ----------------------------------------------------- */

static void save_one(const char *key, const char *value, gpointer data)
{
	NMConnection *c = data;
	NMSettingSecretFlags f = key_flags(c, key);
	if (f & NM_SETTING_SECRET_FLAG_AGENT_OWNED) {
		if (value && *value)
			store(c, key, value);
	} else if (f & NM_SETTING_SECRET_FLAG_NOT_SAVED) {
		forget(c, key);
	}
}

static void save_secrets(NMSecretAgentOld *agent, NMConnection *connection, const char *path,
			 NMSecretAgentOldSaveSecretsFunc callback, gpointer data)
{
	NMSettingVpn *vpn = rove_vpn(connection);
	if (vpn)
		nm_setting_vpn_foreach_secret(vpn, save_one, connection);
	callback(agent, connection, NULL, data);
}

static void delete_secrets(NMSecretAgentOld *agent, NMConnection *connection, const char *path,
			   NMSecretAgentOldDeleteSecretsFunc callback, gpointer data)
{
	if (rove_vpn(connection))
		secret_password_clear(rove_agent_schema(), NULL, NULL, NULL,
				      "connection-uuid", nm_connection_get_uuid(connection), NULL);
	callback(agent, connection, NULL, data);
}

static void rove_agent_init(RoveAgent *a)
{
}

static void rove_agent_finalize(GObject *o)
{
	RoveAgent *a = ROVE_AGENT(o);
	while (a->requests)
		finish(a->requests->data, NULL, g_error_new(NM_SECRET_AGENT_ERROR,
			NM_SECRET_AGENT_ERROR_AGENT_CANCELED, "the app quits"));
	G_OBJECT_CLASS(rove_agent_parent_class)->finalize(o);
}

static void rove_agent_class_init(RoveAgentClass *k)
{
	NMSecretAgentOldClass *sa = NM_SECRET_AGENT_OLD_CLASS(k);
	G_OBJECT_CLASS(k)->finalize = rove_agent_finalize;
	sa->get_secrets = get_secrets;
	sa->cancel_get_secrets = cancel_get_secrets;
	sa->save_secrets = save_secrets;
	sa->delete_secrets = delete_secrets;
}

RoveAgent *rove_agent_new(void)
{
	GError *err = NULL;
	RoveAgent *a = g_initable_new(ROVE_TYPE_AGENT, NULL, &err,
				      NM_SECRET_AGENT_OLD_IDENTIFIER, "org.rove.App",
				      NM_SECRET_AGENT_OLD_CAPABILITIES, NM_SECRET_AGENT_CAPABILITY_VPN_HINTS,
				      NM_SECRET_AGENT_OLD_AUTO_REGISTER, TRUE, NULL);
	if (!a) {
		g_message("no secret agent: %s", err->message);
		g_error_free(err);
	}
	return a;
}
