/* Preferences and the autostart entry (see prefs.h). */
#include "prefs.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>

static char *autostart_path(void)
{
	return g_build_filename(g_get_user_config_dir(), "autostart", "org.rove.App.desktop", NULL);
}

gboolean rove_autostart_enabled(void)
{
	char *p = autostart_path();
	gboolean on = g_file_test(p, G_FILE_TEST_EXISTS);
	g_free(p);
	return on;
}

gboolean rove_autostart_set(gboolean on, GError **err)
{
	/* --background: only the tray icon at login, the window on demand */
	static const char entry[] =
		"[Desktop Entry]\n"
		"Type=Application\n"
		"Name=rove\n"
		"Comment=Shows the state of rove VPN connections in the tray\n"
		"Exec=rove-app --background\n"
		"Icon=org.rove.App\n"
		"Terminal=false\n"
		"NoDisplay=true\n"
		"X-GNOME-Autostart-enabled=true\n";
	char *p = autostart_path();
	gboolean ok = TRUE;
	if (on) {
		char *dir = g_path_get_dirname(p);
		if (g_mkdir_with_parents(dir, 0700) < 0) {
			g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno),
				    "%s: %s", dir, g_strerror(errno));
			ok = FALSE;
		}
		g_free(dir);
		ok = ok && g_file_set_contents(p, entry, -1, err);
	} else if (g_unlink(p) < 0 && errno != ENOENT) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", p,
			    g_strerror(errno));
		ok = FALSE;
	}
	g_free(p);
	return ok;
}

void rove_prefs_show(GtkWindow *parent)
{
	GtkWidget *w = adw_preferences_window_new();
	gtk_window_set_transient_for(GTK_WINDOW(w), parent);
	gtk_window_set_title(GTK_WINDOW(w), _("Preferences"));
	adw_preferences_window_set_search_enabled(ADW_PREFERENCES_WINDOW(w), FALSE);
	GtkWidget *page = adw_preferences_page_new();
	GtkWidget *group = adw_preferences_group_new();
	adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), _("Startup"));
	GtkWidget *row = adw_action_row_new();
	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), _("Start rove at login"));
	adw_action_row_set_subtitle(ADW_ACTION_ROW(row),
		_("Shows the connection state in the tray from the start of the session."));
	GtkWidget *sw = gtk_switch_new();
	gtk_widget_set_valign(sw, GTK_ALIGN_CENTER);
	gtk_actionable_set_action_name(GTK_ACTIONABLE(sw), "app.autostart");
	gtk_accessible_update_property(GTK_ACCESSIBLE(sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       _("Start rove at login"), -1);
	adw_action_row_add_suffix(ADW_ACTION_ROW(row), sw);
	adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), sw);
	adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), row);
	adw_preferences_page_add(ADW_PREFERENCES_PAGE(page), ADW_PREFERENCES_GROUP(group));
	adw_preferences_window_add(ADW_PREFERENCES_WINDOW(w), ADW_PREFERENCES_PAGE(page));
	gtk_window_present(GTK_WINDOW(w));
}
