/* rove-app: the rove application (org.rove.App), one instance per session.
 * The window lists rove connections; the tray icon, the secret agent and
 * the notifications live as long as the application. */
#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "agent.h"
#include "editor.h"
#include "model.h"
#include "paths.h"
#include "prefs.h"
#include "tray.h"
#include "window.h"

struct app {
	AdwApplication *app;
	struct rove_model *m;
	struct rove_tray *tray;
	RoveAgent *agent;
	GtkWindow *window;
	gboolean background;          /* --background: no window at start */
	gboolean held;                /* held while the tray item is shown */
	gboolean starting;            /* held until the tray's presence is known */
	GHashTable *seen;             /* uuid -> last state + 1, for notifications */
	GHashTable *seen_failure;     /* uuid -> last failure sentence notified */
};

static struct app A;

static GtkWindow *window(void)
{
	if (!A.window) {
		A.window = rove_window_new(GTK_APPLICATION(A.app), A.m);
		g_object_add_weak_pointer(G_OBJECT(A.window), (gpointer *)&A.window);
		/* with a tray icon closing the window only hides it */
		gtk_window_set_hide_on_close(A.window, rove_tray_registered(A.tray));
	}
	return A.window;
}

/* --- notifications ------------------------------------------------------- */

static void send_note(struct rove_conn *c, const char *title, const char *body,
		 GNotificationPriority prio)
{
	GNotification *n = g_notification_new(title);
	if (body && *body)
		g_notification_set_body(n, body);
	g_notification_set_priority(n, prio);
	GIcon *icon = g_themed_icon_new(rove_state_icon(c->state));
	g_notification_set_icon(n, icon);
	g_object_unref(icon);
	g_notification_set_default_action(n, "app.open");
	char *id = g_strconcat("conn-", c->uuid, NULL);
	g_application_send_notification(G_APPLICATION(A.app), id, n);
	g_free(id);
	g_object_unref(n);
}

static void notify_change(struct rove_model *m, struct rove_conn *c, gboolean removed, void *data)
{
	if (!c) {
		for (guint i = 0; i < m->conns->len; i++)
			notify_change(m, m->conns->pdata[i], FALSE, data);
		return;
	}
	if (removed) {
		g_hash_table_remove(A.seen, c->uuid);
		g_hash_table_remove(A.seen_failure, c->uuid);
		return;
	}
	gpointer old_p = g_hash_table_lookup(A.seen, c->uuid);
	g_hash_table_replace(A.seen, g_strdup(c->uuid), GINT_TO_POINTER(c->state + 1));
	if (!old_p)
		return; /* the first look is no change */
	enum rove_conn_state old = GPOINTER_TO_INT(old_p) - 1;
	char *t;
	if (c->state == ROVE_CONN_FAILED) {
		/* NetworkManager's reason may come before rove's sentence: a
		 * better sentence replaces the notification (same id) */
		const char *why = rove_conn_failure(c);
		if (old == ROVE_CONN_FAILED && !g_strcmp0(why, g_hash_table_lookup(A.seen_failure, c->uuid)))
			return;
		g_hash_table_replace(A.seen_failure, g_strdup(c->uuid), g_strdup(why));
		t = g_strdup_printf(_("%s failed"), rove_conn_name(c));
		send_note(c, t, why, G_NOTIFICATION_PRIORITY_HIGH);
	} else if (old == c->state) {
		return;
	} else if (c->state == ROVE_CONN_CONNECTED) {
		char *ip = rove_conn_virtual_ips(c);
		char *body = ip ? g_strdup_printf(_("Virtual IP %s"), ip) : NULL;
		t = g_strdup_printf(_("Connected to %s"), rove_conn_name(c));
		send_note(c, t, body, G_NOTIFICATION_PRIORITY_NORMAL);
		g_free(ip);
		g_free(body);
	} else if (c->state == ROVE_CONN_DISCONNECTED && old != ROVE_CONN_FAILED) {
		t = g_strdup_printf(_("Disconnected from %s"), rove_conn_name(c));
		send_note(c, t, NULL, G_NOTIFICATION_PRIORITY_NORMAL);
	} else {
		return;
	}
	g_free(t);
}

/* --- actions ------------------------------------------------------------- */

static struct rove_conn *conn_arg(GVariant *p)
{
	return p ? rove_model_find(A.m, g_variant_get_string(p, NULL)) : NULL;
}

static void act_open(GSimpleAction *a, GVariant *p, gpointer d)
{
	gtk_window_present(window());
}

static void act_quit(GSimpleAction *a, GVariant *p, gpointer d)
{
	g_application_quit(G_APPLICATION(A.app));
}

static void act_toggle(GSimpleAction *a, GVariant *p, gpointer d)
{
	struct rove_conn *c = conn_arg(p);
	if (c)
		rove_conn_toggle(c);
}

static void act_connect(GSimpleAction *a, GVariant *p, gpointer d)
{
	struct rove_conn *c = conn_arg(p);
	if (c)
		rove_conn_up(c);
}

static void act_disconnect(GSimpleAction *a, GVariant *p, gpointer d)
{
	struct rove_conn *c = conn_arg(p);
	if (c)
		rove_conn_down(c);
}

static void act_edit(GSimpleAction *a, GVariant *p, gpointer d)
{
	struct rove_conn *c = conn_arg(p);
	if (c)
		rove_editor_edit(window(), c);
}

static void act_remove(GSimpleAction *a, GVariant *p, gpointer d)
{
	struct rove_conn *c = conn_arg(p);
	if (c)
		rove_editor_remove(window(), c);
}

static void act_import(GSimpleAction *a, GVariant *p, gpointer d)
{
	rove_editor_import(window(), A.m);
}

static void act_import_file(GSimpleAction *a, GVariant *p, gpointer d)
{
	rove_editor_import_file(window(), A.m, g_variant_get_string(p, NULL));
}

static void act_prefs(GSimpleAction *a, GVariant *p, gpointer d)
{
	rove_prefs_show(window());
}

static void act_autostart(GSimpleAction *a, GVariant *v, gpointer d)
{
	GError *err = NULL;
	if (rove_autostart_set(g_variant_get_boolean(v), &err)) {
		g_simple_action_set_state(a, v);
	} else {
		rove_show_error(window(), _("The autostart entry could not be written"), err->message);
		g_error_free(err);
	}
}

static void act_about(GSimpleAction *a, GVariant *p, gpointer d)
{
	GtkWidget *w = adw_about_window_new();
	adw_about_window_set_application_name(ADW_ABOUT_WINDOW(w), "rove");
	adw_about_window_set_application_icon(ADW_ABOUT_WINDOW(w), "org.rove.App");
	adw_about_window_set_version(ADW_ABOUT_WINDOW(w), ROVE_VERSION);
	adw_about_window_set_comments(ADW_ABOUT_WINDOW(w), _("An IKEv2 remote-access VPN client"));
	adw_about_window_set_license_type(ADW_ABOUT_WINDOW(w), GTK_LICENSE_GPL_2_0);
	/* TRANSLATORS: your name and address, one translator a line */
	adw_about_window_set_translator_credits(ADW_ABOUT_WINDOW(w), _("translator-credits"));
	gtk_window_set_transient_for(GTK_WINDOW(w), window());
	gtk_window_present(GTK_WINDOW(w));
}

static const GActionEntry actions[] = {
	{"open", act_open, NULL, NULL, NULL, {0}},
	{"quit", act_quit, NULL, NULL, NULL, {0}},
	{"toggle", act_toggle, "s", NULL, NULL, {0}},
	{"connect", act_connect, "s", NULL, NULL, {0}},
	{"disconnect", act_disconnect, "s", NULL, NULL, {0}},
	{"edit", act_edit, "s", NULL, NULL, {0}},
	{"remove", act_remove, "s", NULL, NULL, {0}},
	{"import", act_import, NULL, NULL, NULL, {0}},
	{"import-file", act_import_file, "s", NULL, NULL, {0}},
	{"preferences", act_prefs, NULL, NULL, NULL, {0}},
	{"about", act_about, NULL, NULL, NULL, {0}},
	{"autostart", NULL, NULL, "false", act_autostart, {0}},
};

/* --- life cycle ---------------------------------------------------------- */

static void on_tray(gboolean registered, void *data)
{
	/* the tray keeps the app alive; without one the window is the app */
	if (registered && !A.held) {
		g_application_hold(G_APPLICATION(A.app));
		A.held = TRUE;
	} else if (!registered && A.held) {
		A.held = FALSE;
		g_application_release(G_APPLICATION(A.app));
	}
	if (A.starting) {
		A.starting = FALSE;
		g_application_release(G_APPLICATION(A.app));
	}
	if (A.window)
		gtk_window_set_hide_on_close(A.window, registered);
	if (!registered && (!A.window || !gtk_widget_get_visible(GTK_WIDGET(A.window))))
		gtk_window_present(window());
}

static void on_model_client(struct rove_model *m, struct rove_conn *c, gboolean removed, void *data)
{
	if (A.agent && m->client)
		g_object_set_data(G_OBJECT(A.agent), "client", m->client);
}

static void startup(GApplication *app, gpointer d)
{
	char *icons = rove_icon_dir();
	gtk_icon_theme_add_search_path(gtk_icon_theme_get_for_display(gdk_display_get_default()), icons);
	g_free(icons);
	gtk_window_set_default_icon_name("org.rove.App");
	g_action_map_add_action_entries(G_ACTION_MAP(app), actions, G_N_ELEMENTS(actions), NULL);
	g_simple_action_set_state(G_SIMPLE_ACTION(g_action_map_lookup_action(G_ACTION_MAP(app), "autostart")),
				  g_variant_new_boolean(rove_autostart_enabled()));
	const char *quit[] = {"<Control>q", NULL};
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit", quit);

	A.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	A.seen_failure = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	A.m = rove_model_new();
	rove_model_listen(A.m, notify_change, NULL);
	rove_model_listen(A.m, on_model_client, NULL);
	A.agent = rove_agent_new();
	A.tray = rove_tray_new(app, A.m, on_tray, NULL);
	/* --background needs to know whether a tray is there before the app
	 * may end for having no window */
	if (A.tray) {
		A.starting = TRUE;
		g_application_hold(app);
	}
}

static void activate(GApplication *app, gpointer d)
{
	/* --background (autostart) shows the tray icon only; on_tray opens
	 * the window if no tray is there */
	if (A.background) {
		A.background = FALSE;
		return;
	}
	gtk_window_present(window());
}

static void shutdown_app(GApplication *app, gpointer d)
{
	rove_tray_free(A.tray);
	A.tray = NULL;
	if (A.agent) {
		nm_secret_agent_old_destroy(NM_SECRET_AGENT_OLD(A.agent));
		g_clear_object(&A.agent);
	}
}

static int local_options(GApplication *app, GVariantDict *opts, gpointer d)
{
	if (g_variant_dict_contains(opts, "version")) {
		g_print("rove-app %s\n", ROVE_VERSION);
		return 0;
	}
	A.background = g_variant_dict_contains(opts, "background");
	return -1;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, rove_locale_dir());
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	g_set_application_name("rove");

	A.app = adw_application_new("org.rove.App", G_APPLICATION_DEFAULT_FLAGS);
	const GOptionEntry opts[] = {
		{"background", 0, 0, G_OPTION_ARG_NONE, NULL,
		 N_("Start with the tray icon only (for autostart)"), NULL},
		{"version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version"), NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_application_add_main_option_entries(G_APPLICATION(A.app), opts);
	g_signal_connect(A.app, "handle-local-options", G_CALLBACK(local_options), NULL);
	g_signal_connect(A.app, "startup", G_CALLBACK(startup), NULL);
	g_signal_connect(A.app, "activate", G_CALLBACK(activate), NULL);
	g_signal_connect(A.app, "shutdown", G_CALLBACK(shutdown_app), NULL);
	int rc = g_application_run(G_APPLICATION(A.app), argc, argv);
	g_object_unref(A.app);
	return rc;
}
