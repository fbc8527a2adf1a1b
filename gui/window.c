/* The main window (see window.h). */
#include "window.h"

#include <glib/gi18n.h>

struct row {
	AdwPreferencesGroup *group;
	GtkButton *toggle;
	GtkWidget *server, *identity, *vip, *dns, *since, *traffic, *failure;
};

struct win {
	GtkWindow *window;
	struct rove_model *m;
	GtkStack *stack;
	AdwStatusPage *status;
	AdwPreferencesPage *page;
	GHashTable *rows;             /* uuid -> struct row * */
	guint tick;                   /* refreshes "connected for" while connected */
};

char *rove_duration_since(guint64 t)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint64 d = now > (gint64)t ? now - (gint64)t : 0;
	if (d < 60)
		return g_strdup(_("less than a minute"));
	if (d < 3600)
		return g_strdup_printf(_("%d min"), (int)(d / 60));
	return g_strdup_printf(_("%d h %02d min"), (int)(d / 3600), (int)(d % 3600 / 60));
}

static GtkWidget *detail(AdwPreferencesGroup *g, const char *title)
{
	GtkWidget *r = adw_action_row_new();
	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(r), title);
	gtk_widget_add_css_class(r, "property");
	adw_preferences_group_add(g, r);
	return r;
}

static void set_detail(GtkWidget *r, const char *value)
{
	gtk_widget_set_visible(r, value && *value);
	adw_action_row_set_subtitle(ADW_ACTION_ROW(r), value ? value : "");
}

static struct row *row_new(struct win *w, struct rove_conn *c)
{
	struct row *r = g_new0(struct row, 1);
	r->group = ADW_PREFERENCES_GROUP(adw_preferences_group_new());

	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	r->toggle = GTK_BUTTON(gtk_button_new_with_label(_("Connect")));
	gtk_widget_set_valign(GTK_WIDGET(r->toggle), GTK_ALIGN_CENTER);
	gtk_actionable_set_action_name(GTK_ACTIONABLE(r->toggle), "app.toggle");
	gtk_actionable_set_action_target(GTK_ACTIONABLE(r->toggle), "s", c->uuid);
	gtk_box_append(GTK_BOX(box), GTK_WIDGET(r->toggle));

	GMenu *menu = g_menu_new();
	GMenuItem *it = g_menu_item_new(_("Edit…"), NULL);
	g_menu_item_set_action_and_target(it, "app.edit", "s", c->uuid);
	g_menu_append_item(menu, it);
	g_object_unref(it);
	it = g_menu_item_new(_("Remove…"), NULL);
	g_menu_item_set_action_and_target(it, "app.remove", "s", c->uuid);
	g_menu_append_item(menu, it);
	g_object_unref(it);
	GtkWidget *more = gtk_menu_button_new();
	gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(more), "view-more-symbolic");
	gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(more), G_MENU_MODEL(menu));
	gtk_widget_set_tooltip_text(more, _("More"));
	gtk_accessible_update_property(GTK_ACCESSIBLE(more), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       _("More"), -1);
	gtk_widget_set_valign(more, GTK_ALIGN_CENTER);
	gtk_widget_add_css_class(more, "flat");
	g_object_unref(menu);
	gtk_box_append(GTK_BOX(box), more);
	adw_preferences_group_set_header_suffix(r->group, box);

	r->server = detail(r->group, _("Server"));
	r->identity = detail(r->group, _("Verified server identity"));
	r->vip = detail(r->group, _("Virtual IP"));
	r->dns = detail(r->group, _("DNS"));
	r->since = detail(r->group, _("Connected for"));
	r->traffic = detail(r->group, _("Traffic"));
	r->failure = detail(r->group, _("Last failure"));
	gtk_widget_add_css_class(r->failure, "error");
	adw_preferences_page_add(w->page, r->group);
	return r;
}

static void row_remove(struct win *w, struct row *r)
{
	adw_preferences_page_remove(w->page, r->group);
}

static void row_update(struct row *r, struct rove_conn *c)
{
	char *s;
	adw_preferences_group_set_title(r->group, rove_conn_name(c));
	guint64 next = rove_conn_u64(c, "NextAttempt");
	if (c->state == ROVE_CONN_CONNECTING && next) {
		/* a time, not a countdown: nothing to redraw every second */
		GDateTime *dt = g_date_time_new_from_unix_local((gint64)next);
		char *at = g_date_time_format(dt, "%X");
		/* TRANSLATORS: "Reconnecting, next attempt at 14:02:05" */
		s = g_strdup_printf(_("%s, next attempt at %s"), rove_conn_state_label(c), at);
		adw_preferences_group_set_description(r->group, s);
		g_free(s);
		g_free(at);
		g_date_time_unref(dt);
	} else {
		adw_preferences_group_set_description(r->group, rove_conn_state_label(c));
	}

	gboolean up = c->state == ROVE_CONN_CONNECTED || c->state == ROVE_CONN_CONNECTING;
	gtk_button_set_label(r->toggle, up ? _("Disconnect") : _("Connect"));
	if (up)
		gtk_widget_remove_css_class(GTK_WIDGET(r->toggle), "suggested-action");
	else
		gtk_widget_add_css_class(GTK_WIDGET(r->toggle), "suggested-action");

	const char *gw = rove_conn_str(c, "Gateway"), *addr = rove_conn_str(c, "GatewayAddress");
	if (!*gw) {
		NMSettingVpn *vpn = nm_connection_get_setting_vpn(NM_CONNECTION(c->remote));
		gw = vpn ? nm_setting_vpn_get_data_item(vpn, "server") : NULL;
	}
	s = *addr && up && g_strcmp0(gw, addr) ? g_strdup_printf("%s (%s)", gw ? gw : "", addr)
					      : g_strdup(gw);
	set_detail(r->server, s);
	g_free(s);
	set_detail(r->identity, up ? rove_conn_str(c, "ServerIdentity") : NULL);
	s = rove_conn_virtual_ips(c);
	set_detail(r->vip, s);
	g_free(s);
	s = rove_conn_dns(c);
	set_detail(r->dns, s);
	g_free(s);
	guint64 since = rove_conn_u64(c, "ConnectedSince");
	s = c->state == ROVE_CONN_CONNECTED && since ? rove_duration_since(since) : NULL;
	set_detail(r->since, s);
	g_free(s);
	s = NULL;
	if (up && rove_conn_prop(c, "BytesIn")) {
		char *in = g_format_size(rove_conn_u64(c, "BytesIn"));
		char *out = g_format_size(rove_conn_u64(c, "BytesOut"));
		/* TRANSLATORS: bytes received and sent */
		s = g_strdup_printf(_("%s received, %s sent"), in, out);
		g_free(in);
		g_free(out);
	}
	set_detail(r->traffic, s);
	g_free(s);
	set_detail(r->failure, c->state == ROVE_CONN_CONNECTED ? NULL : rove_conn_failure(c));
}

static gboolean tick(gpointer data);

static void update_tick(struct win *w)
{
	gboolean any = FALSE;
	for (guint i = 0; i < w->m->conns->len; i++)
		any |= ((struct rove_conn *)w->m->conns->pdata[i])->state == ROVE_CONN_CONNECTED;
	if (any && !w->tick)
		w->tick = g_timeout_add_seconds(30, tick, w);
	else if (!any && w->tick) {
		g_source_remove(w->tick);
		w->tick = 0;
	}
}

static void update_page(struct win *w)
{
	gboolean have = w->m->conns->len > 0;
	if (w->m->problem) {
		adw_status_page_set_icon_name(w->status, "network-error-symbolic");
		adw_status_page_set_title(w->status, _("NetworkManager is not available"));
		adw_status_page_set_description(w->status, w->m->problem);
	} else if (!have) {
		adw_status_page_set_icon_name(w->status, "org.rove.App-disconnected-symbolic");
		adw_status_page_set_title(w->status, _("No rove connection"));
		adw_status_page_set_description(w->status,
			_("Import a rove profile, a strongSwan .sswan file or an Apple .mobileconfig file with the + button."));
	}
	gtk_stack_set_visible_child_name(w->stack, !w->m->problem && have ? "list" : "status");
}

static void on_model(struct rove_model *m, struct rove_conn *c, gboolean removed, void *data)
{
	struct win *w = data;
	if (!w->window)
		return;
	if (c && removed) {
		struct row *r = g_hash_table_lookup(w->rows, c->uuid);
		if (r)
			row_remove(w, r);
		g_hash_table_remove(w->rows, c->uuid);
	} else if (c) {
		struct row *r = g_hash_table_lookup(w->rows, c->uuid);
		if (!r) {
			r = row_new(w, c);
			g_hash_table_insert(w->rows, g_strdup(c->uuid), r);
		}
		row_update(r, c);
	} else {
		for (guint i = 0; i < m->conns->len; i++)
			on_model(m, m->conns->pdata[i], FALSE, w);
	}
	update_page(w);
	update_tick(w);
}

static gboolean tick(gpointer data)
{
	struct win *w = data;
	on_model(w->m, NULL, FALSE, w);
	return G_SOURCE_CONTINUE;
}

static void win_destroy(GtkWidget *widget, struct win *w)
{
	/* the model outlives the window: on_model ignores a destroyed one */
	if (w->tick)
		g_source_remove(w->tick);
	w->tick = 0;
	w->window = NULL;
}

static GtkWidget *header(void)
{
	GtkWidget *hb = adw_header_bar_new();
	GtkWidget *add = gtk_button_new_from_icon_name("list-add-symbolic");
	gtk_actionable_set_action_name(GTK_ACTIONABLE(add), "app.import");
	gtk_widget_set_tooltip_text(add, _("Import a connection"));
	gtk_accessible_update_property(GTK_ACCESSIBLE(add), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       _("Import a connection"), -1);
	adw_header_bar_pack_start(ADW_HEADER_BAR(hb), add);

	GMenu *menu = g_menu_new();
	g_menu_append(menu, _("Preferences"), "app.preferences");
	g_menu_append(menu, _("About rove"), "app.about");
	g_menu_append(menu, _("Quit"), "app.quit");
	GtkWidget *mb = gtk_menu_button_new();
	gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(mb), "open-menu-symbolic");
	gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(mb), G_MENU_MODEL(menu));
	gtk_widget_set_tooltip_text(mb, _("Main menu"));
	gtk_accessible_update_property(GTK_ACCESSIBLE(mb), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       _("Main menu"), -1);
	g_object_unref(menu);
	adw_header_bar_pack_end(ADW_HEADER_BAR(hb), mb);
	return hb;
}

GtkWindow *rove_window_new(GtkApplication *app, struct rove_model *m)
{
	struct win *w = g_new0(struct win, 1);
	w->m = m;
	w->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	w->window = GTK_WINDOW(adw_application_window_new(app));
	gtk_window_set_title(w->window, "rove");
	gtk_window_set_default_size(w->window, 560, 640);
	gtk_window_set_hide_on_close(w->window, TRUE);

	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_box_append(GTK_BOX(box), header());
	w->stack = GTK_STACK(gtk_stack_new());
	gtk_widget_set_vexpand(GTK_WIDGET(w->stack), TRUE);
	w->status = ADW_STATUS_PAGE(adw_status_page_new());
	gtk_stack_add_named(w->stack, GTK_WIDGET(w->status), "status");
	w->page = ADW_PREFERENCES_PAGE(adw_preferences_page_new());
	gtk_stack_add_named(w->stack, GTK_WIDGET(w->page), "list");
	gtk_box_append(GTK_BOX(box), GTK_WIDGET(w->stack));
	adw_application_window_set_content(ADW_APPLICATION_WINDOW(w->window), box);

	g_signal_connect(w->window, "destroy", G_CALLBACK(win_destroy), w);
	rove_model_listen(m, on_model, w);
	on_model(m, NULL, FALSE, w);
	return w->window;
}
