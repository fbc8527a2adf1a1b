/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rove-statusd: owns org.rove.Status1 on the system bus and keeps the last
 * state of every rove connection NetworkManager runs (docs/status-dbus.md).
 *
 * nm-rove-service processes come and go (NetworkManager stops them after a
 * disconnect), so the state lives here: one object per connection UUID with
 * read-only properties, changed only by root through Update and Forget, and
 * mirrored to ROVE_STATUS_DIR/UUID.json so that a restarted daemon (D-Bus
 * activation brings it back after its idle exit) still knows the last
 * failure. PropertiesChanged carries every change, and only real changes:
 * an Update that changes nothing emits nothing and writes nothing. */
#include "status.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct conn {
	char *uuid;
	char *path;
	guint reg_id;
	GVariant **values; /* rove_status_nprops, never NULL */
};

struct statusd {
	GMainLoop *loop;
	GDBusConnection *bus;
	GHashTable *conns; /* uuid -> struct conn */
	char *dir;
	guint idle_seconds;
	guint idle_id;
	guint manager_id;
	GDBusNodeInfo *node;
	int exit_code;
};

static const char introspection_xml[] =
	"<node>"
	" <interface name='" ROVE_STATUS_IFACE "'>"
	"  <method name='Update'>"
	"   <arg name='uuid' type='s' direction='in'/>"
	"   <arg name='props' type='a{sv}' direction='in'/>"
	"  </method>"
	"  <method name='Forget'>"
	"   <arg name='uuid' type='s' direction='in'/>"
	"  </method>"
	" </interface>"
	" <interface name='org.freedesktop.DBus.ObjectManager'>"
	"  <method name='GetManagedObjects'>"
	"   <arg name='objects' type='a{oa{sa{sv}}}' direction='out'/>"
	"  </method>"
	"  <signal name='InterfacesAdded'>"
	"   <arg name='object' type='o'/>"
	"   <arg name='interfaces' type='a{sa{sv}}'/>"
	"  </signal>"
	"  <signal name='InterfacesRemoved'>"
	"   <arg name='object' type='o'/>"
	"   <arg name='interfaces' type='as'/>"
	"  </signal>"
	" </interface>"
	"</node>";

/* The connection interface is built from the property table. */
static GDBusInterfaceInfo *conn_iface_info(void)
{
	GString *xml = g_string_new("<node><interface name='" ROVE_STATUS_CONN_IFACE "'>");
	GDBusNodeInfo *node;
	GDBusInterfaceInfo *info;

	for (size_t i = 0; i < rove_status_nprops; i++)
		g_string_append_printf(xml, "<property name='%s' type='%s' access='read'/>",
				       rove_status_props[i].name, rove_status_props[i].type);
	g_string_append(xml, "</interface></node>");
	node = g_dbus_node_info_new_for_xml(xml->str, NULL);
	g_string_free(xml, TRUE);
	info = g_dbus_interface_info_ref(node->interfaces[0]);
	g_dbus_node_info_unref(node);
	return info;
}

static GDBusInterfaceInfo *conn_info;

/* ---- idle exit ---- */

static gboolean any_active(struct statusd *d)
{
	GHashTableIter it;
	gpointer v;
	int state = rove_status_prop_index("State");

	g_hash_table_iter_init(&it, d->conns);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct conn *c = v;

		if (rove_status_state_active(g_variant_get_string(c->values[state], NULL)))
			return TRUE;
	}
	return FALSE;
}

static gboolean idle_expired(gpointer data)
{
	struct statusd *d = data;

	if (any_active(d))
		return G_SOURCE_CONTINUE;
	g_message("idle for %u s with no active connection: exiting", d->idle_seconds);
	d->idle_id = 0;
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

/* Every call starts the idle time again. */
static void idle_restart(struct statusd *d)
{
	if (d->idle_id)
		g_source_remove(d->idle_id);
	d->idle_id = g_timeout_add_seconds(d->idle_seconds, idle_expired, d);
}

/* ---- the state files ---- */

static char *conn_file(struct statusd *d, const char *uuid)
{
	char *name = g_strconcat(uuid, ".json", NULL);
	char *path = g_build_filename(d->dir, name, NULL);

	g_free(name);
	return path;
}

static void conn_save(struct statusd *d, struct conn *c)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *gen;
	JsonNode *root;
	GError *error = NULL;
	char *text, *path;

	json_builder_begin_object(b);
	for (size_t i = 0; i < rove_status_nprops; i++) {
		json_builder_set_member_name(b, rove_status_props[i].name);
		json_builder_add_value(b, json_gvariant_serialize(c->values[i]));
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	gen = json_generator_new();
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	path = conn_file(d, c->uuid);
	if (g_mkdir_with_parents(d->dir, 0755) < 0 ||
	    !g_file_set_contents(path, text, -1, &error)) {
		g_warning("cannot write %s: %s", path, error ? error->message : g_strerror(errno));
		g_clear_error(&error);
	}
	g_free(path);
	g_free(text);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
}

/* Reads one file's members into c; members of a wrong type or unknown
 * names are skipped (a newer daemon's file). */
static void conn_load_members(struct conn *c, JsonObject *obj)
{
	for (size_t i = 0; i < rove_status_nprops; i++) {
		JsonNode *n = json_object_get_member(obj, rove_status_props[i].name);
		GVariant *v;

		if (!n || i == 0) /* Uuid comes from the file name */
			continue;
		v = json_gvariant_deserialize(n, rove_status_props[i].type, NULL);
		if (!v)
			continue;
		if (i == (size_t)rove_status_prop_index("State") &&
		    !rove_status_state_valid(g_variant_get_string(v, NULL))) {
			g_variant_unref(g_variant_ref_sink(v));
			continue;
		}
		g_variant_unref(c->values[i]);
		c->values[i] = g_variant_ref_sink(v);
	}
}

/* ---- connection objects ---- */

static GVariant *conn_get_property(GDBusConnection *bus, const char *sender, const char *path,
				   const char *iface, const char *name, GError **error,
				   gpointer data)
{
	struct conn *c = data;
	int i = rove_status_prop_index(name);

	if (i < 0) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
			    "no property %s", name);
		return NULL;
	}
	return g_variant_ref(c->values[i]);
}

static const GDBusInterfaceVTable conn_vtable = { .get_property = conn_get_property };

static GVariant *conn_all(struct conn *c)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	for (size_t i = 0; i < rove_status_nprops; i++)
		g_variant_builder_add(&b, "{sv}", rove_status_props[i].name, c->values[i]);
	return g_variant_builder_end(&b);
}

static void conn_free(gpointer data)
{
	struct conn *c = data;

	for (size_t i = 0; i < rove_status_nprops; i++)
		g_variant_unref(c->values[i]);
	g_free(c->values);
	g_free(c->path);
	g_free(c->uuid);
	g_free(c);
}

static struct conn *conn_new(const char *uuid)
{
	struct conn *c = g_new0(struct conn, 1);

	c->uuid = g_strdup(uuid);
	c->path = rove_status_object_path(uuid);
	c->values = g_new0(GVariant *, rove_status_nprops);
	for (size_t i = 0; i < rove_status_nprops; i++)
		c->values[i] = g_variant_ref_sink(rove_status_default(&rove_status_props[i]));
	g_variant_unref(c->values[0]);
	c->values[0] = g_variant_ref_sink(g_variant_new_string(uuid));
	g_variant_unref(c->values[rove_status_prop_index("State")]);
	c->values[rove_status_prop_index("State")] =
		g_variant_ref_sink(g_variant_new_string("disconnected"));
	return c;
}

/* Exports c and announces it (InterfacesAdded). */
static void conn_export(struct statusd *d, struct conn *c)
{
	GVariantBuilder ifaces;
	GError *error = NULL;

	c->reg_id = g_dbus_connection_register_object(d->bus, c->path, conn_info, &conn_vtable, c,
						      NULL, &error);
	if (!c->reg_id) {
		g_warning("cannot export %s: %s", c->path, error->message);
		g_error_free(error);
		return;
	}
	g_variant_builder_init(&ifaces, G_VARIANT_TYPE("a{sa{sv}}"));
	g_variant_builder_add(&ifaces, "{s@a{sv}}", ROVE_STATUS_CONN_IFACE, conn_all(c));
	g_dbus_connection_emit_signal(d->bus, NULL, ROVE_STATUS_PATH,
				      "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
				      g_variant_new("(oa{sa{sv}})", c->path, &ifaces), NULL);
}

/* The files of an earlier run: every valid UUID.json in the directory. */
static void load_all(struct statusd *d)
{
	GDir *dir = g_dir_open(d->dir, 0, NULL);
	const char *name;

	if (!dir)
		return;
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *uuid = NULL, *path = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonNode *root;
		struct conn *c;

		if (!g_str_has_suffix(name, ".json"))
			continue;
		uuid = g_strndup(name, strlen(name) - 5);
		if (!rove_status_uuid_valid(uuid) || g_hash_table_contains(d->conns, uuid))
			continue;
		path = g_build_filename(d->dir, name, NULL);
		if (!json_parser_load_from_file(parser, path, NULL))
			continue;
		root = json_parser_get_root(parser);
		if (!root || !JSON_NODE_HOLDS_OBJECT(root))
			continue;
		c = conn_new(uuid);
		conn_load_members(c, json_node_get_object(root));
		g_hash_table_insert(d->conns, c->uuid, c);
		conn_export(d, c);
	}
	g_dir_close(dir);
}

/* ---- Update and Forget ---- */

/* Only root changes anything. The bus policy says so already; this holds
 * even under a policy someone loosened. */
static gboolean caller_is_root(struct statusd *d, const char *sender)
{
	g_autoptr(GVariant) r = g_dbus_connection_call_sync(
		d->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		"GetConnectionUnixUser", g_variant_new("(s)", sender), G_VARIANT_TYPE("(u)"),
		G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
	guint32 uid = 1;

	if (r)
		g_variant_get(r, "(u)", &uid);
	return uid == 0;
}

/* Checks every key and value before anything changes: an Update is applied
 * whole or not at all. */
static gboolean check_props(const char *uuid, GVariant *props, GError **error)
{
	GVariantIter it;
	const char *key;
	GVariant *v;

	g_variant_iter_init(&it, props);
	while (g_variant_iter_loop(&it, "{&sv}", &key, &v)) {
		int i = rove_status_prop_index(key);

		if (i < 0) {
			g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
				    "no property %s", key);
			return FALSE;
		}
		if (!g_variant_is_of_type(v, G_VARIANT_TYPE(rove_status_props[i].type))) {
			g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
				    "%s is of type %s, not %s", key, rove_status_props[i].type,
				    g_variant_get_type_string(v));
			return FALSE;
		}
		if (i == 0 && strcmp(g_variant_get_string(v, NULL), uuid) != 0) {
			g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
				    "Uuid cannot change");
			return FALSE;
		}
		if (strcmp(key, "State") == 0 &&
		    !rove_status_state_valid(g_variant_get_string(v, NULL))) {
			g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
				    "State \"%s\" is not one of disconnected, connecting, connected, "
				    "reconnecting, parked, failed",
				    g_variant_get_string(v, NULL));
			return FALSE;
		}
	}
	return TRUE;
}

static void update(struct statusd *d, const char *uuid, GVariant *props)
{
	struct conn *c = g_hash_table_lookup(d->conns, uuid);
	gboolean is_new = c == NULL;
	GVariantBuilder changed;
	GVariantIter it;
	const char *key;
	GVariant *v;
	gboolean any = FALSE;

	if (is_new) {
		c = conn_new(uuid);
		g_hash_table_insert(d->conns, c->uuid, c);
	}
	g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
	g_variant_iter_init(&it, props);
	while (g_variant_iter_loop(&it, "{&sv}", &key, &v)) {
		int i = rove_status_prop_index(key);

		if (g_variant_equal(c->values[i], v))
			continue;
		g_variant_unref(c->values[i]);
		c->values[i] = g_variant_ref(v);
		g_variant_builder_add(&changed, "{sv}", key, v);
		any = TRUE;
	}
	if (is_new) {
		g_variant_builder_clear(&changed);
		conn_export(d, c);
	} else if (any) {
		g_dbus_connection_emit_signal(
			d->bus, NULL, c->path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
			g_variant_new("(sa{sv}as)", ROVE_STATUS_CONN_IFACE, &changed, NULL), NULL);
	} else {
		g_variant_builder_clear(&changed);
	}
	if (is_new || any)
		conn_save(d, c);
}

static void forget(struct statusd *d, const char *uuid)
{
	struct conn *c = g_hash_table_lookup(d->conns, uuid);
	g_autofree char *path = conn_file(d, uuid);
	const char *ifaces[] = { ROVE_STATUS_CONN_IFACE, NULL };

	if (unlink(path) < 0 && errno != ENOENT)
		g_warning("cannot remove %s: %s", path, g_strerror(errno));
	if (!c)
		return;
	if (c->reg_id)
		g_dbus_connection_unregister_object(d->bus, c->reg_id);
	g_dbus_connection_emit_signal(d->bus, NULL, ROVE_STATUS_PATH,
				      "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
				      g_variant_new("(o^as)", c->path, ifaces), NULL);
	g_hash_table_remove(d->conns, uuid);
}

static GVariant *managed_objects(struct statusd *d)
{
	GVariantBuilder objs;
	GHashTableIter it;
	gpointer v;

	g_variant_builder_init(&objs, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	g_hash_table_iter_init(&it, d->conns);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct conn *c = v;
		GVariantBuilder ifaces;

		g_variant_builder_init(&ifaces, G_VARIANT_TYPE("a{sa{sv}}"));
		g_variant_builder_add(&ifaces, "{s@a{sv}}", ROVE_STATUS_CONN_IFACE, conn_all(c));
		g_variant_builder_add(&objs, "{oa{sa{sv}}}", c->path, &ifaces);
	}
	return g_variant_new("(a{oa{sa{sv}}})", &objs);
}

static void manager_call(GDBusConnection *bus, const char *sender, const char *path,
			 const char *iface, const char *method, GVariant *params,
			 GDBusMethodInvocation *inv, gpointer data)
{
	struct statusd *d = data;
	GError *error = NULL;
	const char *uuid;
	GVariant *props;

	idle_restart(d);
	if (strcmp(method, "GetManagedObjects") == 0) {
		g_dbus_method_invocation_return_value(inv, managed_objects(d));
		return;
	}
	if (!caller_is_root(d, sender)) {
		g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
						      "only root may change rove's status");
		return;
	}
	if (strcmp(method, "Forget") == 0) {
		g_variant_get(params, "(&s)", &uuid);
		forget(d, uuid);
		g_dbus_method_invocation_return_value(inv, NULL);
		return;
	}
	g_variant_get(params, "(&s@a{sv})", &uuid, &props);
	if (!rove_status_uuid_valid(uuid))
		g_set_error(&error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
			    "\"%s\" is not a connection UUID", uuid);
	else if (check_props(uuid, props, &error))
		update(d, uuid, props);
	g_variant_unref(props);
	if (error)
		g_dbus_method_invocation_take_error(inv, error);
	else
		g_dbus_method_invocation_return_value(inv, NULL);
	/* A new failed or disconnected state may leave nothing active. */
	idle_restart(d);
}

static const GDBusInterfaceVTable manager_vtable = { .method_call = manager_call };

/* ---- the bus ---- */

static void on_bus(GDBusConnection *bus, const char *name, gpointer data)
{
	struct statusd *d = data;
	GError *error = NULL;

	d->bus = g_object_ref(bus);
	for (int i = 0; i < 2; i++) {
		guint id = g_dbus_connection_register_object(bus, ROVE_STATUS_PATH,
							     d->node->interfaces[i],
							     &manager_vtable, d, NULL, &error);
		if (!id) {
			g_printerr("rove-statusd: cannot export %s: %s\n", ROVE_STATUS_PATH,
				   error->message);
			g_error_free(error);
			d->exit_code = 1;
			g_main_loop_quit(d->loop);
			return;
		}
	}
	/* Before the name is ours: a caller that activated us sees them. */
	load_all(d);
}

static void on_name_lost(GDBusConnection *bus, const char *name, gpointer data)
{
	struct statusd *d = data;

	g_printerr("rove-statusd: %s: %s\n", name,
		   bus ? "the name is taken (another rove-statusd?) or the policy refuses it"
		       : "cannot connect to the system bus");
	d->exit_code = 1;
	g_main_loop_quit(d->loop);
}

/* SIGTERM (systemd, the test harness) ends the loop: the bus connection
 * is flushed and the name released on the way out. The files are already
 * written: each change goes to disk when it happens. */
static gboolean on_signal(gpointer data)
{
	struct statusd *d = data;

	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

static guint env_seconds(const char *name, guint dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return dflt;
	v = strtoul(s, &end, 10);
	return *end || v == 0 || v > 86400 * 365 ? dflt : (guint)v;
}

int main(int argc, char **argv)
{
	struct statusd d = { 0 };
	const char *dir = getenv("ROVE_STATUS_DIR");
	guint owner;

	if (argc > 1) {
		g_printerr("usage: %s (started by D-Bus activation; docs/status-dbus.md)\n",
			   argv[0]);
		return 2;
	}
	umask(022);
	d.dir = g_strdup(dir && *dir ? dir : ROVE_STATUS_DIR);
	d.idle_seconds = env_seconds("ROVE_STATUSD_IDLE_SECONDS", ROVE_STATUSD_IDLE_SECONDS);
	d.conns = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, conn_free);
	d.node = g_dbus_node_info_new_for_xml(introspection_xml, NULL);
	conn_info = conn_iface_info();
	d.loop = g_main_loop_new(NULL, FALSE);
	owner = g_bus_own_name(G_BUS_TYPE_SYSTEM, ROVE_STATUS_BUS_NAME,
			       G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_bus, NULL, on_name_lost,
			       &d, NULL);
	idle_restart(&d);
	g_unix_signal_add(SIGTERM, on_signal, &d);
	g_unix_signal_add(SIGINT, on_signal, &d);
	g_main_loop_run(d.loop);
	g_bus_unown_name(owner);
	if (d.bus)
		g_dbus_connection_flush_sync(d.bus, NULL, NULL);
	g_clear_object(&d.bus);
	g_hash_table_destroy(d.conns);
	g_dbus_node_info_unref(d.node);
	g_dbus_interface_info_unref(conn_info);
	g_main_loop_unref(d.loop);
	g_free(d.dir);
	return d.exit_code;
}
