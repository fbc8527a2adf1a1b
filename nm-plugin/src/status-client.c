/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "status-client.h"

#include "status.h"

struct rove_status_client {
	GDBusConnection *bus;
	char *uuid;
	GVariant **staged; /* rove_status_nprops: set but not yet pushed */
	GVariant **pushed; /* what rove-statusd was last told */
	char *last_error;
	gint refs; /* the owner's, and one per call under way */
};

struct rove_status_client *rove_status_client_new(GDBusConnection *bus, const char *uuid)
{
	struct rove_status_client *c;

	if (!rove_status_uuid_valid(uuid))
		return NULL;
	c = g_new0(struct rove_status_client, 1);
	c->refs = 1;
	c->bus = g_object_ref(bus);
	c->uuid = g_strdup(uuid);
	c->staged = g_new0(GVariant *, rove_status_nprops);
	c->pushed = g_new0(GVariant *, rove_status_nprops);
	return c;
}

static void clear_values(GVariant **v)
{
	for (size_t i = 0; i < rove_status_nprops; i++)
		g_clear_pointer(&v[i], g_variant_unref);
}

static void client_unref(struct rove_status_client *c)
{
	if (!g_atomic_int_dec_and_test(&c->refs))
		return;
	clear_values(c->staged);
	clear_values(c->pushed);
	g_free(c->staged);
	g_free(c->pushed);
	g_free(c->uuid);
	g_free(c->last_error);
	g_object_unref(c->bus);
	g_free(c);
}

/* A call under way keeps the client until its answer. */
void rove_status_client_free(struct rove_status_client *c)
{
	if (c)
		client_unref(c);
}

gboolean rove_status_client_set(struct rove_status_client *c, const char *key, GVariant *value,
				GError **error)
{
	int i = rove_status_prop_index(key);

	g_variant_ref_sink(value);
	if (i <= 0 || !g_variant_is_of_type(value, G_VARIANT_TYPE(rove_status_props[i].type))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    i < 0 ? "no status property %s" : i == 0 ? "%s is set by the client"
							       : "wrong type for %s",
			    key);
		g_variant_unref(value);
		return FALSE;
	}
	g_clear_pointer(&c->staged[i], g_variant_unref);
	if (c->pushed[i] && g_variant_equal(c->pushed[i], value))
		g_variant_unref(value);
	else
		c->staged[i] = value;
	return TRUE;
}

static void set_or_warn(struct rove_status_client *c, const char *key, GVariant *v)
{
	GError *error = NULL;

	if (!rove_status_client_set(c, key, v, &error)) {
		g_warning("rove status: %s", error->message);
		g_error_free(error);
	}
}

void rove_status_client_set_str(struct rove_status_client *c, const char *key, const char *v)
{
	set_or_warn(c, key, g_variant_new_string(v ? v : ""));
}

void rove_status_client_set_u64(struct rove_status_client *c, const char *key, guint64 v)
{
	set_or_warn(c, key, g_variant_new_uint64(v));
}

void rove_status_client_set_u32(struct rove_status_client *c, const char *key, guint32 v)
{
	set_or_warn(c, key, g_variant_new_uint32(v));
}

void rove_status_client_set_bool(struct rove_status_client *c, const char *key, gboolean v)
{
	set_or_warn(c, key, g_variant_new_boolean(v));
}

void rove_status_client_set_strv(struct rove_status_client *c, const char *key,
				 const char *const *v)
{
	set_or_warn(c, key, g_variant_new_strv(v, -1));
}

gboolean rove_status_client_pending(const struct rove_status_client *c)
{
	for (size_t i = 0; i < rove_status_nprops; i++)
		if (c->staged[i])
			return TRUE;
	return FALSE;
}

/* Moves the staged values into pushed and returns the Update's arguments.
 * Should the push fail, the values go back to staged (unless newer ones
 * came meanwhile), see push_failed. */
static GVariant *take_staged(struct rove_status_client *c)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	for (size_t i = 0; i < rove_status_nprops; i++) {
		if (!c->staged[i])
			continue;
		g_variant_builder_add(&b, "{sv}", rove_status_props[i].name, c->staged[i]);
		g_clear_pointer(&c->pushed[i], g_variant_unref);
		c->pushed[i] = c->staged[i];
		c->staged[i] = NULL;
	}
	return g_variant_new("(s@a{sv})", c->uuid, g_variant_builder_end(&b));
}

/* rove-statusd does not have what we pushed: forget what we think it has,
 * so the next flush sends it all again. */
static void push_failed(struct rove_status_client *c, const GError *error)
{
	for (size_t i = 0; i < rove_status_nprops; i++) {
		if (c->pushed[i] && !c->staged[i])
			c->staged[i] = c->pushed[i];
		else if (c->pushed[i])
			g_variant_unref(c->pushed[i]);
		c->pushed[i] = NULL;
	}
	g_free(c->last_error);
	c->last_error = g_strdup(error->message);
}

static void flush_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct rove_status_client *c = data;
	GError *error = NULL;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);

	if (r)
		g_variant_unref(r);
	else {
		push_failed(c, error);
		g_error_free(error);
	}
	client_unref(c);
}

void rove_status_client_flush(struct rove_status_client *c)
{
	if (!rove_status_client_pending(c))
		return;
	g_atomic_int_inc(&c->refs);
	g_dbus_connection_call(c->bus, ROVE_STATUS_BUS_NAME, ROVE_STATUS_PATH, ROVE_STATUS_IFACE,
			       "Update", take_staged(c), NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
			       flush_done, c);
}

gboolean rove_status_client_flush_sync(struct rove_status_client *c, GError **error)
{
	GError *e = NULL;
	GVariant *r;

	if (!rove_status_client_pending(c))
		return TRUE;
	r = g_dbus_connection_call_sync(c->bus, ROVE_STATUS_BUS_NAME, ROVE_STATUS_PATH,
					ROVE_STATUS_IFACE, "Update", take_staged(c), NULL,
					G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &e);
	if (r) {
		g_variant_unref(r);
		return TRUE;
	}
	push_failed(c, e);
	g_propagate_error(error, e);
	return FALSE;
}

gboolean rove_status_client_forget_sync(struct rove_status_client *c, GError **error)
{
	GVariant *r = g_dbus_connection_call_sync(
		c->bus, ROVE_STATUS_BUS_NAME, ROVE_STATUS_PATH, ROVE_STATUS_IFACE, "Forget",
		g_variant_new("(s)", c->uuid), NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);

	clear_values(c->staged);
	clear_values(c->pushed);
	if (!r)
		return FALSE;
	g_variant_unref(r);
	return TRUE;
}

const char *rove_status_client_last_error(const struct rove_status_client *c)
{
	return c->last_error;
}
