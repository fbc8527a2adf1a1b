/* The connection model: NetworkManager's rove connections with their
 * active connection and org.rove.Status1 object, updated from signals. */
#include "model.h"

#include <glib/gi18n.h>
#include <string.h>

struct listener {
	rove_model_listener cb;
	void *data;
};

static void notify(struct rove_model *m, struct rove_conn *c, gboolean removed)
{
	for (guint i = 0; i < m->listeners->len; i++) {
		struct listener *l = &g_array_index(m->listeners, struct listener, i);
		l->cb(m, c, removed, l->data);
	}
}

const char *rove_conn_name(const struct rove_conn *c)
{
	const char *id = nm_connection_get_id(NM_CONNECTION(c->remote));
	return id ? id : c->uuid;
}

GVariant *rove_conn_prop(const struct rove_conn *c, const char *name)
{
	return g_hash_table_lookup(c->props, name);
}

const char *rove_conn_str(const struct rove_conn *c, const char *name)
{
	GVariant *v = rove_conn_prop(c, name);
	return v && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ?
		g_variant_get_string(v, NULL) : "";
}

guint64 rove_conn_u64(const struct rove_conn *c, const char *name)
{
	GVariant *v = rove_conn_prop(c, name);
	if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
		return g_variant_get_uint64(v);
	if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
		return g_variant_get_uint32(v);
	return 0;
}

/* NetworkManager's reason, in words, for when rove-statusd has none. */
static const char *reason_sentence(guint reason)
{
	switch (reason) {
	case NM_ACTIVE_CONNECTION_STATE_REASON_LOGIN_FAILED:
		return _("The gateway refused the login: check the user name and password.");
	case NM_ACTIVE_CONNECTION_STATE_REASON_NO_SECRETS:
		return _("No password was given.");
	case NM_ACTIVE_CONNECTION_STATE_REASON_CONNECT_TIMEOUT:
		return _("The gateway did not answer in time.");
	case NM_ACTIVE_CONNECTION_STATE_REASON_SERVICE_START_FAILED:
	case NM_ACTIVE_CONNECTION_STATE_REASON_SERVICE_START_TIMEOUT:
		return _("NetworkManager could not start rove's VPN service: is the rove plugin installed?");
	case NM_ACTIVE_CONNECTION_STATE_REASON_SERVICE_STOPPED:
		return _("rove's VPN service stopped unexpectedly.");
	case NM_ACTIVE_CONNECTION_STATE_REASON_IP_CONFIG_INVALID:
		return _("The addresses the gateway gave could not be applied.");
	case NM_ACTIVE_CONNECTION_STATE_REASON_DEVICE_DISCONNECTED:
	case NM_ACTIVE_CONNECTION_STATE_REASON_DEVICE_REMOVED:
		return _("The network connection under the VPN went away.");
	case NM_ACTIVE_CONNECTION_STATE_REASON_DEPENDENCY_FAILED:
		return _("The network connection the VPN needs is not up.");
	default:
		return _("The connection failed.");
	}
}

static gboolean is_failure_reason(guint reason)
{
	return reason != NM_ACTIVE_CONNECTION_STATE_REASON_UNKNOWN &&
	       reason != NM_ACTIVE_CONNECTION_STATE_REASON_NONE &&
	       reason != NM_ACTIVE_CONNECTION_STATE_REASON_USER_DISCONNECTED &&
	       reason != NM_ACTIVE_CONNECTION_STATE_REASON_CONNECTION_REMOVED;
}

static void update_state(struct rove_conn *c)
{
	const char *st = rove_conn_str(c, "State");
	enum rove_conn_state s = ROVE_CONN_DISCONNECTED;

	if (c->active) {
		switch (nm_active_connection_get_state(c->active)) {
		case NM_ACTIVE_CONNECTION_STATE_ACTIVATING:
		case NM_ACTIVE_CONNECTION_STATE_DEACTIVATING:
			s = ROVE_CONN_CONNECTING;
			break;
		case NM_ACTIVE_CONNECTION_STATE_ACTIVATED:
			s = !strcmp(st, "reconnecting") || !strcmp(st, "parked") ?
				ROVE_CONN_CONNECTING : ROVE_CONN_CONNECTED;
			break;
		default:
			s = c->nm_failure ? ROVE_CONN_FAILED : ROVE_CONN_DISCONNECTED;
		}
	} else if (!strcmp(st, "failed") || c->nm_failure) {
		s = ROVE_CONN_FAILED;
	}
	c->state = s;
}

const char *rove_conn_state_label(const struct rove_conn *c)
{
	const char *st = rove_conn_str(c, "State");

	switch (c->state) {
	case ROVE_CONN_CONNECTED:
		return _("Connected");
	case ROVE_CONN_CONNECTING:
		if (!strcmp(st, "reconnecting"))
			return _("Reconnecting");
		if (!strcmp(st, "parked"))
			return _("Waiting for the network");
		if (c->active && nm_active_connection_get_state(c->active) ==
				 NM_ACTIVE_CONNECTION_STATE_DEACTIVATING)
			return _("Disconnecting");
		return _("Connecting");
	case ROVE_CONN_FAILED:
		return _("Failed");
	default:
		return _("Disconnected");
	}
}

const char *rove_conn_failure(const struct rove_conn *c)
{
	const char *s = rove_conn_str(c, "LastFailure");
	if (*s)
		return s;
	return c->nm_failure ? c->nm_failure : "";
}

static char *join_as(GVariant *v, GString *out)
{
	if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY))
		return NULL;
	const char **strv = g_variant_get_strv(v, NULL);
	for (int i = 0; strv[i]; i++) {
		if (out->len)
			g_string_append(out, ", ");
		g_string_append(out, strv[i]);
	}
	g_free(strv);
	return NULL;
}

/* NetworkManager's IP config of the active connection, for when
 * rove-statusd is not there. */
static void nm_ips(const struct rove_conn *c, GString *out, gboolean dns)
{
	NMIPConfig *cfg[2] = {NULL, NULL};
	if (!c->active || c->state != ROVE_CONN_CONNECTED)
		return;
	cfg[0] = nm_active_connection_get_ip4_config(c->active);
	cfg[1] = nm_active_connection_get_ip6_config(c->active);
	for (int i = 0; i < 2; i++) {
		if (!cfg[i])
			continue;
		if (dns) {
			const char *const *ns = nm_ip_config_get_nameservers(cfg[i]);
			for (int j = 0; ns && ns[j]; j++)
				g_string_append_printf(out, "%s%s", out->len ? ", " : "", ns[j]);
			continue;
		}
		GPtrArray *a = nm_ip_config_get_addresses(cfg[i]);
		for (guint j = 0; a && j < a->len; j++)
			g_string_append_printf(out, "%s%s", out->len ? ", " : "",
					       nm_ip_address_get_address(a->pdata[j]));
	}
}

char *rove_conn_virtual_ips(const struct rove_conn *c)
{
	GString *s = g_string_new(NULL);
	if (c->state == ROVE_CONN_CONNECTED || c->state == ROVE_CONN_CONNECTING) {
		join_as(rove_conn_prop(c, "VirtualIp4"), s);
		join_as(rove_conn_prop(c, "VirtualIp6"), s);
	}
	if (!s->len)
		nm_ips(c, s, FALSE);
	return g_string_free(s, s->len == 0);
}

char *rove_conn_dns(const struct rove_conn *c)
{
	GString *s = g_string_new(NULL);
	if (c->state == ROVE_CONN_CONNECTED || c->state == ROVE_CONN_CONNECTING)
		join_as(rove_conn_prop(c, "Dns"), s);
	if (!s->len)
		nm_ips(c, s, TRUE);
	return g_string_free(s, s->len == 0);
}

enum rove_conn_state rove_model_summary(const struct rove_model *m,
					const struct rove_conn **which)
{
	static const int rank[] = {
		[ROVE_CONN_DISCONNECTED] = 0, [ROVE_CONN_FAILED] = 1,
		[ROVE_CONN_CONNECTING] = 2, [ROVE_CONN_CONNECTED] = 3,
	};
	enum rove_conn_state best = ROVE_CONN_DISCONNECTED;
	const struct rove_conn *w = NULL;
	for (guint i = 0; i < m->conns->len; i++) {
		const struct rove_conn *c = m->conns->pdata[i];
		if (!w || rank[c->state] > rank[best]) {
			best = c->state;
			w = c;
		}
	}
	if (which)
		*which = w;
	return best;
}

static void changed(struct rove_conn *c)
{
	update_state(c);
	notify(c->model, c, FALSE);
}

/* --- org.rove.Status1 -------------------------------------------------- */

static void copy_cached(struct rove_conn *c)
{
	char **names = g_dbus_proxy_get_cached_property_names(c->status);
	for (int i = 0; names && names[i]; i++)
		g_hash_table_replace(c->props, g_strdup(names[i]),
				     g_dbus_proxy_get_cached_property(c->status, names[i]));
	g_strfreev(names);
}

static void on_status_props(GDBusProxy *p, GVariant *changed_props,
			    const char *const *invalidated, struct rove_conn *c)
{
	GVariantIter it;
	const char *k;
	GVariant *v;
	/* Invalidations come when rove-statusd exits after being idle: keep
	 * the last values (the last failure stays readable). */
	g_variant_iter_init(&it, changed_props);
	while (g_variant_iter_next(&it, "{&sv}", &k, &v))
		g_hash_table_replace(c->props, g_strdup(k), v);
	changed(c);
}

static void on_status_owner(GObject *o, GParamSpec *ps, struct rove_conn *c)
{
	char *owner = g_dbus_proxy_get_name_owner(c->status);
	if (owner)
		copy_cached(c);
	g_free(owner);
	changed(c);
}

static void status_ready(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *err = NULL;
	GDBusProxy *p = g_dbus_proxy_new_finish(res, &err);
	if (!p) {
		if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_debug("status proxy: %s", err->message);
		g_error_free(err);
		return;
	}
	struct rove_conn *c = data;
	c->status = p;
	copy_cached(c);
	g_signal_connect(p, "g-properties-changed", G_CALLBACK(on_status_props), c);
	g_signal_connect(p, "notify::g-name-owner", G_CALLBACK(on_status_owner), c);
	changed(c);
}

static void status_watch(struct rove_conn *c)
{
	char *path = g_strdup_printf("/org/rove/Status1/connection/%s", c->uuid);
	for (char *p = path + strlen("/org/rove/Status1/connection/"); *p; p++)
		if (*p == '-')
			*p = '_';
	/* Auto-start: rove-statusd is started by D-Bus activation and reads
	 * back the last state of each connection from /run/rove/status. */
	g_dbus_proxy_new(nm_client_get_dbus_connection(c->model->client),
			 G_DBUS_PROXY_FLAGS_NONE, NULL, ROVE_STATUS_NAME, path,
			 ROVE_STATUS_IFACE, c->cancel, status_ready, c);
	g_free(path);
}

/* --- active connections ------------------------------------------------- */

static void on_active_state(NMActiveConnection *a, guint state, guint reason,
			    struct rove_conn *c)
{
	if (state == NM_ACTIVE_CONNECTION_STATE_DEACTIVATED && is_failure_reason(reason)) {
		g_free(c->nm_failure);
		c->nm_failure = g_strdup(reason_sentence(reason));
	}
	changed(c);
}

static void set_active(struct rove_conn *c, NMActiveConnection *a)
{
	if (c->active == a)
		return;
	if (c->active) {
		g_signal_handler_disconnect(c->active, c->active_state_id);
		g_clear_object(&c->active);
	}
	if (a) {
		c->active = g_object_ref(a);
		c->active_state_id = g_signal_connect(a, "state-changed",
						      G_CALLBACK(on_active_state), c);
	}
	changed(c);
}

static void sync_active(struct rove_model *m)
{
	const GPtrArray *acs = m->client ? nm_client_get_active_connections(m->client) : NULL;
	for (guint i = 0; i < m->conns->len; i++) {
		struct rove_conn *c = m->conns->pdata[i];
		NMActiveConnection *found = NULL;
		for (guint j = 0; acs && j < acs->len; j++)
			if (!g_strcmp0(nm_active_connection_get_uuid(acs->pdata[j]), c->uuid))
				found = acs->pdata[j];
		set_active(c, found);
	}
}

/* --- the connection list ------------------------------------------------ */

static gboolean is_rove(NMConnection *nc)
{
	NMSettingVpn *vpn = nm_connection_get_setting_vpn(nc);
	return vpn && !g_strcmp0(nm_setting_vpn_get_service_type(vpn), ROVE_NM_SERVICE);
}

static void on_remote_changed(NMRemoteConnection *r, struct rove_conn *c)
{
	changed(c);
}

static void conn_free(struct rove_conn *c)
{
	g_cancellable_cancel(c->cancel);
	g_clear_object(&c->cancel);
	if (c->active)
		g_signal_handler_disconnect(c->active, c->active_state_id);
	g_clear_object(&c->active);
	g_signal_handler_disconnect(c->remote, c->remote_changed_id);
	g_clear_object(&c->remote);
	if (c->status)
		g_signal_handlers_disconnect_by_data(c->status, c);
	g_clear_object(&c->status);
	g_hash_table_destroy(c->props);
	g_free(c->uuid);
	g_free(c->nm_failure);
	g_free(c);
}

static struct rove_conn *conn_new(struct rove_model *m, NMRemoteConnection *r)
{
	struct rove_conn *c = g_new0(struct rove_conn, 1);
	c->model = m;
	c->remote = g_object_ref(r);
	c->uuid = g_strdup(nm_connection_get_uuid(NM_CONNECTION(r)));
	c->props = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 (GDestroyNotify)g_variant_unref);
	c->cancel = g_cancellable_new();
	c->menu_id = m->next_menu_id++;
	c->remote_changed_id = g_signal_connect(r, "changed", G_CALLBACK(on_remote_changed), c);
	status_watch(c);
	return c;
}

static void sync_conns(struct rove_model *m)
{
	const GPtrArray *all = m->client && nm_client_get_nm_running(m->client) ?
		nm_client_get_connections(m->client) : NULL;
	/* drop the ones NetworkManager no longer has */
	for (guint i = m->conns->len; i-- > 0;) {
		struct rove_conn *c = m->conns->pdata[i];
		gboolean keep = FALSE;
		for (guint j = 0; all && j < all->len; j++)
			keep |= all->pdata[j] == (gpointer)c->remote;
		if (keep)
			continue;
		g_ptr_array_remove_index(m->conns, i);
		notify(m, c, TRUE);
		conn_free(c);
	}
	for (guint j = 0; all && j < all->len; j++) {
		NMRemoteConnection *r = all->pdata[j];
		gboolean have = FALSE;
		for (guint i = 0; i < m->conns->len; i++)
			have |= ((struct rove_conn *)m->conns->pdata[i])->remote == r;
		if (!have && is_rove(NM_CONNECTION(r)))
			g_ptr_array_add(m->conns, conn_new(m, r));
	}
	sync_active(m);
	notify(m, NULL, FALSE);
}

static void set_problem(struct rove_model *m, const char *p)
{
	g_free(m->problem);
	m->problem = g_strdup(p);
}

static void on_nm_running(GObject *o, GParamSpec *ps, struct rove_model *m)
{
	set_problem(m, nm_client_get_nm_running(m->client) ? NULL :
		    _("NetworkManager is not running: rove connections appear here when it starts."));
	sync_conns(m);
}

static void on_list(NMClient *cl, GObject *obj, struct rove_model *m)
{
	sync_conns(m);
}

static void client_ready(GObject *src, GAsyncResult *res, gpointer data)
{
	struct rove_model *m = data;
	GError *err = NULL;
	NMClient *cl = nm_client_new_finish(res, &err);
	if (!cl) {
		char *p = g_strdup_printf(_("There is no system D-Bus to reach NetworkManager (%s)."),
					  err->message);
		set_problem(m, p);
		g_free(p);
		g_error_free(err);
		notify(m, NULL, FALSE);
		return;
	}
	m->client = cl;
	/* NMClient follows NetworkManager's name owner itself: these fire when
	 * it starts, stops or restarts. */
	g_signal_connect(cl, "notify::nm-running", G_CALLBACK(on_nm_running), m);
	g_signal_connect(cl, "connection-added", G_CALLBACK(on_list), m);
	g_signal_connect(cl, "connection-removed", G_CALLBACK(on_list), m);
	g_signal_connect(cl, "active-connection-added", G_CALLBACK(on_list), m);
	g_signal_connect(cl, "active-connection-removed", G_CALLBACK(on_list), m);
	on_nm_running(NULL, NULL, m);
}

struct rove_model *rove_model_new(void)
{
	struct rove_model *m = g_new0(struct rove_model, 1);
	m->conns = g_ptr_array_new();
	m->listeners = g_array_new(FALSE, FALSE, sizeof(struct listener));
	m->next_menu_id = 100;
	m->problem = g_strdup(_("Looking for NetworkManager…"));
	nm_client_new_async(NULL, client_ready, m);
	return m;
}

void rove_model_free(struct rove_model *m)
{
	for (guint i = 0; i < m->conns->len; i++)
		conn_free(m->conns->pdata[i]);
	g_ptr_array_free(m->conns, TRUE);
	g_array_free(m->listeners, TRUE);
	if (m->client)
		g_signal_handlers_disconnect_by_data(m->client, m);
	g_clear_object(&m->client);
	g_free(m->problem);
	g_free(m);
}

void rove_model_listen(struct rove_model *m, rove_model_listener cb, void *data)
{
	struct listener l = {cb, data};
	g_array_append_val(m->listeners, l);
}

struct rove_conn *rove_model_find(struct rove_model *m, const char *uuid)
{
	for (guint i = 0; i < m->conns->len; i++) {
		struct rove_conn *c = m->conns->pdata[i];
		if (!g_strcmp0(c->uuid, uuid) || !g_strcmp0(rove_conn_name(c), uuid))
			return c;
	}
	return NULL;
}

struct rove_conn *rove_model_find_menu_id(struct rove_model *m, int id)
{
	for (guint i = 0; i < m->conns->len; i++) {
		struct rove_conn *c = m->conns->pdata[i];
		if (c->menu_id == id)
			return c;
	}
	return NULL;
}

/* --- actions ----------------------------------------------------------- */

struct op {
	struct rove_model *m;
	char *uuid;
};

static void op_done(struct op *op, GError *err)
{
	struct rove_conn *c = rove_model_find(op->m, op->uuid);
	if (err && c && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_free(c->nm_failure);
		c->nm_failure = g_strdup(err->message);
		changed(c);
	}
	g_clear_error(&err);
	g_free(op->uuid);
	g_free(op);
}

static void activated(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *err = NULL;
	NMActiveConnection *a = nm_client_activate_connection_finish(NM_CLIENT(src), res, &err);
	g_clear_object(&a);
	op_done(data, err);
}

static void deactivated(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *err = NULL;
	nm_client_deactivate_connection_finish(NM_CLIENT(src), res, &err);
	op_done(data, err);
}

static struct op *op_new(struct rove_conn *c)
{
	struct op *op = g_new0(struct op, 1);
	op->m = c->model;
	op->uuid = g_strdup(c->uuid);
	return op;
}

void rove_conn_up(struct rove_conn *c)
{
	if (!c->model->client)
		return;
	g_clear_pointer(&c->nm_failure, g_free);
	nm_client_activate_connection_async(c->model->client, NM_CONNECTION(c->remote),
					    NULL, NULL, NULL, activated, op_new(c));
	changed(c);
}

void rove_conn_down(struct rove_conn *c)
{
	if (!c->model->client || !c->active)
		return;
	nm_client_deactivate_connection_async(c->model->client, c->active, NULL,
					      deactivated, op_new(c));
}

void rove_conn_toggle(struct rove_conn *c)
{
	if (c->state == ROVE_CONN_CONNECTED || c->state == ROVE_CONN_CONNECTING)
		rove_conn_down(c);
	else
		rove_conn_up(c);
}
