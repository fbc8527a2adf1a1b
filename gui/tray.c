/* The tray icon (see tray.h): StatusNotifierItem and dbusmenu over GDBus. */
#include "tray.h"
#include "paths.h"

#include <gtk/gtk.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#define SNI_PATH "/StatusNotifierItem"
#define MENU_PATH "/MenuBar"
#define WATCHER "org.kde.StatusNotifierWatcher"

/* fixed menu ids; connections use theirs (100 and up) */
enum { ID_ROOT = 0, ID_OPEN = 1, ID_QUIT = 2, ID_NONE = 3, ID_PROBLEM = 4, ID_SEP = 5 };

static const char sni_xml[] =
	"<node><interface name='org.kde.StatusNotifierItem'>"
	"<property name='Category' type='s' access='read'/>"
	"<property name='Id' type='s' access='read'/>"
	"<property name='Title' type='s' access='read'/>"
	"<property name='Status' type='s' access='read'/>"
	"<property name='WindowId' type='i' access='read'/>"
	"<property name='IconThemePath' type='s' access='read'/>"
	"<property name='IconName' type='s' access='read'/>"
	"<property name='IconPixmap' type='a(iiay)' access='read'/>"
	"<property name='OverlayIconName' type='s' access='read'/>"
	"<property name='OverlayIconPixmap' type='a(iiay)' access='read'/>"
	"<property name='AttentionIconName' type='s' access='read'/>"
	"<property name='AttentionIconPixmap' type='a(iiay)' access='read'/>"
	"<property name='AttentionMovieName' type='s' access='read'/>"
	"<property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
	"<property name='ItemIsMenu' type='b' access='read'/>"
	"<property name='Menu' type='o' access='read'/>"
	"<method name='ContextMenu'><arg type='i' direction='in'/><arg type='i' direction='in'/></method>"
	"<method name='Activate'><arg type='i' direction='in'/><arg type='i' direction='in'/></method>"
	"<method name='SecondaryActivate'><arg type='i' direction='in'/><arg type='i' direction='in'/></method>"
	"<method name='Scroll'><arg type='i' direction='in'/><arg type='s' direction='in'/></method>"
	"<signal name='NewTitle'/><signal name='NewIcon'/><signal name='NewAttentionIcon'/>"
	"<signal name='NewOverlayIcon'/><signal name='NewToolTip'/>"
	"<signal name='NewStatus'><arg type='s'/></signal>"
	"</interface></node>";

static const char menu_xml[] =
	"<node><interface name='com.canonical.dbusmenu'>"
	"<property name='Version' type='u' access='read'/>"
	"<property name='TextDirection' type='s' access='read'/>"
	"<property name='Status' type='s' access='read'/>"
	"<property name='IconThemePath' type='as' access='read'/>"
	"<method name='GetLayout'><arg type='i' name='parentId' direction='in'/>"
	"<arg type='i' name='recursionDepth' direction='in'/>"
	"<arg type='as' name='propertyNames' direction='in'/>"
	"<arg type='u' name='revision' direction='out'/>"
	"<arg type='(ia{sv}av)' name='layout' direction='out'/></method>"
	"<method name='GetGroupProperties'><arg type='ai' name='ids' direction='in'/>"
	"<arg type='as' name='propertyNames' direction='in'/>"
	"<arg type='a(ia{sv})' name='properties' direction='out'/></method>"
	"<method name='GetProperty'><arg type='i' name='id' direction='in'/>"
	"<arg type='s' name='name' direction='in'/><arg type='v' name='value' direction='out'/></method>"
	"<method name='Event'><arg type='i' name='id' direction='in'/>"
	"<arg type='s' name='eventId' direction='in'/><arg type='v' name='data' direction='in'/>"
	"<arg type='u' name='timestamp' direction='in'/></method>"
	"<method name='EventGroup'><arg type='a(isvu)' name='events' direction='in'/>"
	"<arg type='ai' name='idErrors' direction='out'/></method>"
	"<method name='AboutToShow'><arg type='i' name='id' direction='in'/>"
	"<arg type='b' name='needUpdate' direction='out'/></method>"
	"<method name='AboutToShowGroup'><arg type='ai' name='ids' direction='in'/>"
	"<arg type='ai' name='updatesNeeded' direction='out'/>"
	"<arg type='ai' name='idErrors' direction='out'/></method>"
	"<signal name='ItemsPropertiesUpdated'><arg type='a(ia{sv})' name='updatedProps'/>"
	"<arg type='a(ias)' name='removedProps'/></signal>"
	"<signal name='LayoutUpdated'><arg type='u' name='revision'/><arg type='i' name='parent'/></signal>"
	"<signal name='ItemActivationRequested'><arg type='i' name='id'/><arg type='u' name='timestamp'/></signal>"
	"</interface></node>";

struct rove_tray {
	GApplication *app;
	struct rove_model *m;
	GDBusConnection *bus;
	GDBusNodeInfo *sni_info, *menu_info;
	guint sni_reg, menu_reg, own_id, watch_id;
	char *name;                   /* our org.kde.StatusNotifierItem-PID-1 */
	gboolean registered;
	gboolean known;               /* the watcher's presence is known */
	gboolean watcher_up;
	int attempts;                 /* registrations tried with this watcher */
	guint retry_id;
	guint revision;
	char *layout_sig;             /* the menu's ids, to tell a layout change */
	char *icon, *tooltip, *status; /* last announced, to signal changes only */
	rove_tray_presence cb;
	void *cb_data;
};

const char *rove_state_icon(enum rove_conn_state s)
{
	switch (s) {
	case ROVE_CONN_CONNECTED:
		return "org.rove.App-connected-symbolic";
	case ROVE_CONN_CONNECTING:
		return "org.rove.App-connecting-symbolic";
	case ROVE_CONN_FAILED:
		return "org.rove.App-failed-symbolic";
	default:
		return "org.rove.App-disconnected-symbolic";
	}
}

static const char *icon_name(struct rove_tray *t)
{
	return rove_state_icon(rove_model_summary(t->m, NULL));
}

/* ARGB32 in network byte order, as the specification says, from the SVG. */
static GVariant *pixmaps(const char *name)
{
	static const int sizes[] = {16, 22, 32, 48};
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a(iiay)"));
	char *file = rove_icon_file(name);
	for (guint i = 0; file && i < G_N_ELEMENTS(sizes); i++) {
		GdkPixbuf *pb = gdk_pixbuf_new_from_file_at_size(file, sizes[i], sizes[i], NULL);
		if (!pb)
			continue;
		if (!gdk_pixbuf_get_has_alpha(pb)) {
			GdkPixbuf *a = gdk_pixbuf_add_alpha(pb, FALSE, 0, 0, 0);
			g_object_unref(pb);
			pb = a;
		}
		int w = gdk_pixbuf_get_width(pb), h = gdk_pixbuf_get_height(pb);
		int stride = gdk_pixbuf_get_rowstride(pb);
		const guint8 *px = gdk_pixbuf_read_pixels(pb);
		guint8 *argb = g_malloc((gsize)w * h * 4);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				const guint8 *s = px + y * stride + x * 4;
				guint8 *d = argb + ((gsize)y * w + x) * 4;
				d[0] = s[3], d[1] = s[0], d[2] = s[1], d[3] = s[2];
			}
		g_variant_builder_add(&b, "(ii@ay)", w, h,
				      g_variant_new_from_data(G_VARIANT_TYPE("ay"), argb,
							      (gsize)w * h * 4, TRUE, g_free, argb));
		g_object_unref(pb);
	}
	g_free(file);
	return g_variant_builder_end(&b);
}

/* "Work: Connected, 10.3.0.2" lines, or why there is nothing. */
static char *tooltip_text(struct rove_tray *t)
{
	GString *s = g_string_new(NULL);
	if (t->m->problem)
		g_string_append(s, t->m->problem);
	else if (!t->m->conns->len)
		g_string_append(s, _("No rove connection"));
	for (guint i = 0; !t->m->problem && i < t->m->conns->len; i++) {
		struct rove_conn *c = t->m->conns->pdata[i];
		char *ip = c->state == ROVE_CONN_CONNECTED ? rove_conn_virtual_ips(c) : NULL;
		if (s->len)
			g_string_append_c(s, '\n');
		g_string_append_printf(s, "%s: %s", rove_conn_name(c), rove_conn_state_label(c));
		if (ip)
			g_string_append_printf(s, ", %s", ip);
		else if (c->state == ROVE_CONN_FAILED && *rove_conn_failure(c))
			g_string_append_printf(s, " (%s)", rove_conn_failure(c));
		g_free(ip);
	}
	return g_string_free(s, FALSE);
}

static const char *status_text(struct rove_tray *t)
{
	return rove_model_summary(t->m, NULL) == ROVE_CONN_FAILED ? "NeedsAttention" : "Active";
}

static GVariant *sni_get(GDBusConnection *bus, const char *sender, const char *path,
			 const char *iface, const char *prop, GError **err, gpointer data)
{
	struct rove_tray *t = data;
	if (!strcmp(prop, "Category"))
		return g_variant_new_string("ApplicationStatus");
	if (!strcmp(prop, "Id"))
		return g_variant_new_string("org.rove.App");
	if (!strcmp(prop, "Title"))
		return g_variant_new_string("rove");
	if (!strcmp(prop, "Status"))
		return g_variant_new_string(status_text(t));
	if (!strcmp(prop, "WindowId"))
		return g_variant_new_int32(0);
	if (!strcmp(prop, "IconThemePath")) {
		char *d = rove_icon_dir();
		GVariant *v = g_variant_new_string(d);
		g_free(d);
		return v;
	}
	if (!strcmp(prop, "IconName"))
		return g_variant_new_string(icon_name(t));
	if (!strcmp(prop, "IconPixmap"))
		return pixmaps(icon_name(t));
	if (!strcmp(prop, "AttentionIconName"))
		return g_variant_new_string("org.rove.App-failed-symbolic");
	if (!strcmp(prop, "OverlayIconName") || !strcmp(prop, "AttentionMovieName"))
		return g_variant_new_string("");
	if (!strcmp(prop, "OverlayIconPixmap") || !strcmp(prop, "AttentionIconPixmap"))
		return g_variant_new_array(G_VARIANT_TYPE("(iiay)"), NULL, 0);
	if (!strcmp(prop, "ToolTip")) {
		char *tip = tooltip_text(t);
		GVariant *v = g_variant_new("(s@a(iiay)ss)", icon_name(t),
					    g_variant_new_array(G_VARIANT_TYPE("(iiay)"), NULL, 0),
					    "rove", tip);
		g_free(tip);
		return v;
	}
	if (!strcmp(prop, "ItemIsMenu"))
		return g_variant_new_boolean(FALSE);
	if (!strcmp(prop, "Menu"))
		return g_variant_new_object_path(MENU_PATH);
	g_set_error(err, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", prop);
	return NULL;
}

static void sni_call(GDBusConnection *bus, const char *sender, const char *path,
		     const char *iface, const char *method, GVariant *params,
		     GDBusMethodInvocation *inv, gpointer data)
{
	struct rove_tray *t = data;
	/* Activate (left click) opens the window; the menu is for the rest */
	if (!strcmp(method, "Activate") || !strcmp(method, "SecondaryActivate"))
		g_action_group_activate_action(G_ACTION_GROUP(t->app), "open", NULL);
	g_dbus_method_invocation_return_value(inv, NULL);
}

/* --- dbusmenu ------------------------------------------------------------ */

static gboolean want(const char *const *names, const char *n)
{
	return !names || !names[0] || g_strv_contains(names, n);
}

static GVariant *item_props(struct rove_tray *t, int id, const char *const *names)
{
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	struct rove_conn *c = id >= 100 ? rove_model_find_menu_id(t->m, id) : NULL;
	const char *label = NULL;
	switch (id) {
	case ID_ROOT:
		if (want(names, "children-display"))
			g_variant_builder_add(&b, "{sv}", "children-display",
					      g_variant_new_string("submenu"));
		break;
	case ID_OPEN:
		label = _("Open rove");
		break;
	case ID_QUIT:
		label = _("Quit");
		break;
	case ID_NONE:
		label = _("No rove connection");
		break;
	case ID_PROBLEM:
		label = t->m->problem;
		break;
	case ID_SEP:
		if (want(names, "type"))
			g_variant_builder_add(&b, "{sv}", "type", g_variant_new_string("separator"));
		break;
	}
	if (c) {
		char *l = g_strdup_printf("%s (%s)", rove_conn_name(c), rove_conn_state_label(c));
		gboolean on = c->state == ROVE_CONN_CONNECTED || c->state == ROVE_CONN_CONNECTING;
		if (want(names, "label"))
			g_variant_builder_add(&b, "{sv}", "label", g_variant_new_string(l));
		if (want(names, "toggle-type"))
			g_variant_builder_add(&b, "{sv}", "toggle-type", g_variant_new_string("checkmark"));
		if (want(names, "toggle-state"))
			g_variant_builder_add(&b, "{sv}", "toggle-state", g_variant_new_int32(on));
		g_free(l);
	} else if (label && want(names, "label")) {
		g_variant_builder_add(&b, "{sv}", "label", g_variant_new_string(label));
	}
	if ((id == ID_NONE || id == ID_PROBLEM) && want(names, "enabled"))
		g_variant_builder_add(&b, "{sv}", "enabled", g_variant_new_boolean(FALSE));
	return g_variant_builder_end(&b);
}

/* The root's children in order. */
static GArray *children(struct rove_tray *t)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(int));
	int id;
	if (t->m->problem) {
		id = ID_PROBLEM;
		g_array_append_val(a, id);
	} else if (!t->m->conns->len) {
		id = ID_NONE;
		g_array_append_val(a, id);
	}
	for (guint i = 0; !t->m->problem && i < t->m->conns->len; i++)
		g_array_append_val(a, ((struct rove_conn *)t->m->conns->pdata[i])->menu_id);
	int rest[] = {ID_SEP, ID_OPEN, ID_QUIT};
	g_array_append_vals(a, rest, 3);
	return a;
}

static gboolean item_exists(struct rove_tray *t, int id)
{
	if (id == ID_ROOT)
		return TRUE;
	GArray *a = children(t);
	gboolean found = FALSE;
	for (guint i = 0; i < a->len; i++)
		found |= g_array_index(a, int, i) == id;
	g_array_free(a, TRUE);
	return found;
}

static GVariant *layout(struct rove_tray *t, int id, int depth, const char *const *names)
{
	GVariantBuilder kids;
	g_variant_builder_init(&kids, G_VARIANT_TYPE("av"));
	if (id == ID_ROOT && depth != 0) {
		GArray *a = children(t);
		for (guint i = 0; i < a->len; i++)
			g_variant_builder_add(&kids, "v",
					      layout(t, g_array_index(a, int, i), depth - 1, names));
		g_array_free(a, TRUE);
	}
	return g_variant_new("(i@a{sv}av)", id, item_props(t, id, names), &kids);
}

/* Runs what a click on the item means; FALSE for an unknown id. */
static gboolean item_event(struct rove_tray *t, int id, const char *event)
{
	if (!item_exists(t, id))
		return FALSE;
	if (strcmp(event, "clicked"))
		return TRUE;
	struct rove_conn *c = id >= 100 ? rove_model_find_menu_id(t->m, id) : NULL;
	if (c)
		rove_conn_toggle(c);
	else if (id == ID_OPEN)
		g_action_group_activate_action(G_ACTION_GROUP(t->app), "open", NULL);
	else if (id == ID_QUIT)
		g_action_group_activate_action(G_ACTION_GROUP(t->app), "quit", NULL);
	return TRUE;
}

static void menu_call(GDBusConnection *bus, const char *sender, const char *path,
		      const char *iface, const char *method, GVariant *p,
		      GDBusMethodInvocation *inv, gpointer data)
{
	struct rove_tray *t = data;
	if (!strcmp(method, "GetLayout")) {
		int parent, depth;
		const char **names;
		g_variant_get(p, "(ii^a&s)", &parent, &depth, &names);
		if (!item_exists(t, parent)) {
			g_free(names);
			g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR,
				G_DBUS_ERROR_INVALID_ARGS, "no menu item %d", parent);
			return;
		}
		GVariant *l = layout(t, parent, depth, names);
		g_free(names);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(u@(ia{sv}av))",
								 t->revision, l));
	} else if (!strcmp(method, "GetGroupProperties")) {
		GVariant *ids_v;
		const char **names;
		g_variant_get(p, "(@ai^a&s)", &ids_v, &names);
		GVariantBuilder b;
		g_variant_builder_init(&b, G_VARIANT_TYPE("a(ia{sv})"));
		gsize n;
		const gint32 *ids = g_variant_get_fixed_array(ids_v, &n, sizeof(gint32));
		GArray *all = n ? NULL : children(t);
		for (gsize i = 0; i < (all ? all->len : n); i++) {
			int id = all ? g_array_index(all, int, i) : ids[i];
			if (item_exists(t, id))
				g_variant_builder_add(&b, "(i@a{sv})", id, item_props(t, id, names));
		}
		if (all)
			g_array_free(all, TRUE);
		g_variant_unref(ids_v);
		g_free(names);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(a(ia{sv}))", &b));
	} else if (!strcmp(method, "GetProperty")) {
		int id;
		const char *name;
		g_variant_get(p, "(i&s)", &id, &name);
		const char *names[] = {name, NULL};
		GVariant *props = item_exists(t, id) ? item_props(t, id, names) : NULL;
		GVariant *v = props ? g_variant_lookup_value(props, name, NULL) : NULL;
		if (props)
			g_variant_unref(g_variant_ref_sink(props));
		if (v)
			g_dbus_method_invocation_return_value(inv, g_variant_new("(v)", v));
		else
			g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR,
				G_DBUS_ERROR_INVALID_ARGS, "no property %s on item %d", name, id);
		if (v)
			g_variant_unref(v);
	} else if (!strcmp(method, "Event")) {
		int id;
		const char *ev;
		g_variant_get(p, "(i&svu)", &id, &ev, NULL, NULL);
		if (item_event(t, id, ev))
			g_dbus_method_invocation_return_value(inv, NULL);
		else
			g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR,
				G_DBUS_ERROR_INVALID_ARGS, "no menu item %d", id);
	} else if (!strcmp(method, "EventGroup")) {
		GVariantIter *it;
		int id;
		const char *ev;
		GVariantBuilder errs;
		g_variant_builder_init(&errs, G_VARIANT_TYPE("ai"));
		gboolean any_ok = FALSE;
		g_variant_get(p, "(a(isvu))", &it);
		while (g_variant_iter_loop(it, "(i&svu)", &id, &ev, NULL, NULL)) {
			if (item_event(t, id, ev))
				any_ok = TRUE;
			else
				g_variant_builder_add(&errs, "i", id);
		}
		g_variant_iter_free(it);
		GVariant *e = g_variant_builder_end(&errs);
		if (!any_ok && g_variant_n_children(e)) {
			g_variant_unref(g_variant_ref_sink(e));
			g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR,
				G_DBUS_ERROR_INVALID_ARGS, "none of the menu items exists");
		} else {
			g_dbus_method_invocation_return_value(inv, g_variant_new("(@ai)", e));
		}
	} else if (!strcmp(method, "AboutToShow")) {
		int id;
		g_variant_get(p, "(i)", &id);
		/* the menu is always current: signals announce every change */
		g_dbus_method_invocation_return_value(inv, g_variant_new("(b)", FALSE));
	} else if (!strcmp(method, "AboutToShowGroup")) {
		GVariantIter *it;
		int id;
		GVariantBuilder errs;
		g_variant_builder_init(&errs, G_VARIANT_TYPE("ai"));
		g_variant_get(p, "(ai)", &it);
		while (g_variant_iter_next(it, "i", &id))
			if (!item_exists(t, id))
				g_variant_builder_add(&errs, "i", id);
		g_variant_iter_free(it);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(@aiai)",
			g_variant_new_array(G_VARIANT_TYPE_INT32, NULL, 0), &errs));
	} else {
		g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR,
			G_DBUS_ERROR_UNKNOWN_METHOD, "no method %s", method);
	}
}

static GVariant *menu_get(GDBusConnection *bus, const char *sender, const char *path,
			  const char *iface, const char *prop, GError **err, gpointer data)
{
	if (!strcmp(prop, "Version"))
		return g_variant_new_uint32(3);
	if (!strcmp(prop, "TextDirection"))
		return g_variant_new_string(gtk_widget_get_default_direction() == GTK_TEXT_DIR_RTL ?
					    "rtl" : "ltr");
	if (!strcmp(prop, "Status"))
		return g_variant_new_string("normal");
	if (!strcmp(prop, "IconThemePath")) {
		char *d = rove_icon_dir();
		const char *v[] = {d, NULL};
		GVariant *r = g_variant_new_strv(v, 1);
		g_free(d);
		return r;
	}
	g_set_error(err, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", prop);
	return NULL;
}

/* --- announcing changes -------------------------------------------------- */

static void emit(struct rove_tray *t, const char *path, const char *iface,
		 const char *sig, GVariant *args)
{
	g_dbus_connection_emit_signal(t->bus, NULL, path, iface, sig, args, NULL);
}

static gboolean set_if_changed(char **old, char *now)
{
	if (!g_strcmp0(*old, now)) {
		g_free(now);
		return FALSE;
	}
	g_free(*old);
	*old = now;
	return TRUE;
}

static void on_model(struct rove_model *m, struct rove_conn *c, gboolean removed, void *data)
{
	struct rove_tray *t = data;
	if (set_if_changed(&t->icon, g_strdup(icon_name(t))))
		emit(t, SNI_PATH, "org.kde.StatusNotifierItem", "NewIcon", NULL);
	if (set_if_changed(&t->tooltip, tooltip_text(t)))
		emit(t, SNI_PATH, "org.kde.StatusNotifierItem", "NewToolTip", NULL);
	if (set_if_changed(&t->status, g_strdup(status_text(t))))
		emit(t, SNI_PATH, "org.kde.StatusNotifierItem", "NewStatus",
		     g_variant_new("(s)", t->status));

	GArray *a = children(t);
	GString *sig = g_string_new(NULL);
	for (guint i = 0; i < a->len; i++)
		g_string_append_printf(sig, "%d,", g_array_index(a, int, i));
	if (set_if_changed(&t->layout_sig, g_string_free(sig, FALSE))) {
		t->revision++;
		emit(t, MENU_PATH, "com.canonical.dbusmenu", "LayoutUpdated",
		     g_variant_new("(ui)", t->revision, ID_ROOT));
	} else {
		GVariantBuilder b;
		g_variant_builder_init(&b, G_VARIANT_TYPE("a(ia{sv})"));
		for (guint i = 0; i < a->len; i++) {
			int id = g_array_index(a, int, i);
			g_variant_builder_add(&b, "(i@a{sv})", id, item_props(t, id, NULL));
		}
		emit(t, MENU_PATH, "com.canonical.dbusmenu", "ItemsPropertiesUpdated",
		     g_variant_new("(a(ia{sv})a(ias))", &b, NULL));
	}
	g_array_free(a, TRUE);
}

/* --- registration -------------------------------------------------------- */

static void register_item(struct rove_tray *t);

static gboolean retry_register(gpointer data)
{
	struct rove_tray *t = data;
	t->retry_id = 0;
	register_item(t);
	return G_SOURCE_REMOVE;
}

static void registered(GObject *src, GAsyncResult *res, gpointer data)
{
	struct rove_tray *t = data;
	GError *err = NULL;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &err);
	if (!r) {
		/* a watcher may own its name a moment before it exports its
		 * object (status-notifier-watcher does): try again a few times */
		if (t->watcher_up && ++t->attempts < 20 && !t->retry_id) {
			t->retry_id = g_timeout_add(250, retry_register, t);
		} else {
			g_warning("could not register the tray icon: %s", err->message);
		}
		g_error_free(err);
		return;
	}
	g_variant_unref(r);
	t->registered = TRUE;
	t->known = TRUE;
	if (t->cb)
		t->cb(TRUE, t->cb_data);
}

static void register_item(struct rove_tray *t)
{
	g_dbus_connection_call(t->bus, WATCHER, "/StatusNotifierWatcher", WATCHER,
			       "RegisterStatusNotifierItem", g_variant_new("(s)", t->name),
			       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, registered, t);
}

static void watcher_up(GDBusConnection *bus, const char *name, const char *owner, gpointer data)
{
	struct rove_tray *t = data;
	/* a new watcher (also a restarted one) knows nothing of us */
	t->watcher_up = TRUE;
	t->attempts = 0;
	register_item(t);
}

static void watcher_down(GDBusConnection *bus, const char *name, gpointer data)
{
	struct rove_tray *t = data;
	gboolean was = t->registered;
	gboolean known = t->known;
	t->watcher_up = FALSE;
	t->known = TRUE;
	t->registered = FALSE;
	/* also the first answer "there is no watcher": the app then shows
	 * its window */
	if ((was || !known) && t->cb)
		t->cb(FALSE, t->cb_data);
}

static void name_acquired(GDBusConnection *bus, const char *name, gpointer data)
{
	struct rove_tray *t = data;
	if (!t->watch_id)
		t->watch_id = g_bus_watch_name_on_connection(bus, WATCHER,
			G_BUS_NAME_WATCHER_FLAGS_NONE, watcher_up, watcher_down, t, NULL);
}

struct rove_tray *rove_tray_new(GApplication *app, struct rove_model *m,
				rove_tray_presence cb, void *data)
{
	static const GDBusInterfaceVTable sni_vt = {sni_call, sni_get, NULL, {0}};
	static const GDBusInterfaceVTable menu_vt = {menu_call, menu_get, NULL, {0}};
	GDBusConnection *bus = g_application_get_dbus_connection(app);
	if (!bus)
		return NULL;
	struct rove_tray *t = g_new0(struct rove_tray, 1);
	t->app = app;
	t->m = m;
	t->bus = g_object_ref(bus);
	t->cb = cb;
	t->cb_data = data;
	t->sni_info = g_dbus_node_info_new_for_xml(sni_xml, NULL);
	t->menu_info = g_dbus_node_info_new_for_xml(menu_xml, NULL);
	t->sni_reg = g_dbus_connection_register_object(bus, SNI_PATH,
		t->sni_info->interfaces[0], &sni_vt, t, NULL, NULL);
	t->menu_reg = g_dbus_connection_register_object(bus, MENU_PATH,
		t->menu_info->interfaces[0], &menu_vt, t, NULL, NULL);
	t->name = g_strdup_printf("org.kde.StatusNotifierItem-%d-1", (int)getpid());
	t->own_id = g_bus_own_name_on_connection(bus, t->name, G_BUS_NAME_OWNER_FLAGS_NONE,
						 name_acquired, NULL, t, NULL);
	rove_model_listen(m, on_model, t);
	on_model(m, NULL, FALSE, t);
	return t;
}

gboolean rove_tray_registered(const struct rove_tray *t)
{
	return t && t->registered;
}

void rove_tray_free(struct rove_tray *t)
{
	if (!t)
		return;
	if (t->watch_id)
		g_bus_unwatch_name(t->watch_id);
	if (t->retry_id)
		g_source_remove(t->retry_id);
	g_bus_unown_name(t->own_id);
	g_dbus_connection_unregister_object(t->bus, t->sni_reg);
	g_dbus_connection_unregister_object(t->bus, t->menu_reg);
	g_dbus_node_info_unref(t->sni_info);
	g_dbus_node_info_unref(t->menu_info);
	g_object_unref(t->bus);
	g_free(t->name);
	g_free(t->layout_sig);
	g_free(t->icon);
	g_free(t->tooltip);
	g_free(t->status);
	g_free(t);
}
