/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What nm-rove-service tells rove-statusd (docs/status-dbus.md): Update(s
 * uuid, a{sv}) on /org/rove/Status1, org.rove.Status1, with only the keys
 * that changed; counters every 5 s while connected, and only when they
 * moved. Fire and forget: the session never waits for the status daemon,
 * and a missing one (not installed, not yet activated) costs a log line. */
#include "nm-rove-service.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define STATUS_BUS_NAME "org.rove.Status1"
#define STATUS_PATH "/org/rove/Status1"
#define STATUS_IFACE "org.rove.Status1"
#define COUNTER_PERIOD_S 5

static void on_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);

	if (!r)
		g_debug("rove: status daemon: %s", error->message);
}

static void push(NMRoveService *self, GVariantBuilder *props)
{
	GDBusConnection *bus = nm_vpn_service_plugin_get_connection(NM_VPN_SERVICE_PLUGIN(self));
	GVariant *dict = g_variant_builder_end(props);

	if (!bus || !self->uuid) {
		g_variant_unref(g_variant_ref_sink(dict));
		return;
	}
	g_dbus_connection_call(bus, STATUS_BUS_NAME, STATUS_PATH, STATUS_IFACE, "Update",
			       g_variant_new("(s@a{sv})", self->uuid, dict), NULL,
			       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_reply, NULL);
}

static void add_str(GVariantBuilder *b, const char *key, const char *v)
{
	g_variant_builder_add(b, "{sv}", key, g_variant_new_string(v ? v : ""));
}

static void add_addr(GVariantBuilder *b, const char *key, const struct rove_addr *a)
{
	char s[ROVE_ADDR_STRLEN] = "";

	if (a->family) {
		struct rove_addr host = *a;

		host.port = 0;
		rove_addr_str(&host, s, sizeof(s));
	}
	add_str(b, key, s);
}

static void add_strv(GVariantBuilder *b, const char *key, const char *const *v, size_t n)
{
	GVariantBuilder a;

	g_variant_builder_init(&a, G_VARIANT_TYPE("as"));
	for (size_t i = 0; i < n; i++)
		g_variant_builder_add(&a, "s", v[i]);
	g_variant_builder_add(b, "{sv}", key, g_variant_builder_end(&a));
}

void rove_nm_status_begin(NMRoveService *self, const struct rove_profile *p)
{
	GVariantBuilder b;

	g_free(self->gateway);
	self->gateway = g_strdup(p->server);
	memset(self->last_counters, 0, sizeof(self->last_counters));
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	add_str(&b, "Id", self->id);
	add_str(&b, "Gateway", p->server);
	add_str(&b, "State", "connecting");
	add_str(&b, "ServerIdentity", "");
	add_str(&b, "Device", "");
	g_variant_builder_add(&b, "{sv}", "ConnectedSince", g_variant_new_uint64(0));
	push(self, &b);
}

/* Counters, the path and rekeys: what changes while the tunnel is up. */
static void push_live(NMRoveService *self, bool always)
{
	struct rove_runner_status st;
	GVariantBuilder b;
	guint64 now[4];

	if (!self->runner || self->finished)
		return;
	rove_runner_status(self->runner, &st);
	now[0] = st.bytes_in;
	now[1] = st.bytes_out;
	now[2] = st.packets_in;
	now[3] = st.packets_out;
	if (!always && memcmp(now, self->last_counters, sizeof(now)) == 0)
		return;
	memcpy(self->last_counters, now, sizeof(now));
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "BytesIn", g_variant_new_uint64(st.bytes_in));
	g_variant_builder_add(&b, "{sv}", "BytesOut", g_variant_new_uint64(st.bytes_out));
	g_variant_builder_add(&b, "{sv}", "PacketsIn", g_variant_new_uint64(st.packets_in));
	g_variant_builder_add(&b, "{sv}", "PacketsOut", g_variant_new_uint64(st.packets_out));
	g_variant_builder_add(&b, "{sv}", "Rekeys", g_variant_new_uint32(st.rekeys));
	g_variant_builder_add(&b, "{sv}", "Moves", g_variant_new_uint32(st.moves));
	g_variant_builder_add(&b, "{sv}", "Reauths", g_variant_new_uint32(st.reauths));
	g_variant_builder_add(&b, "{sv}", "NextRekey", g_variant_new_uint64(st.next_rekey));
	g_variant_builder_add(&b, "{sv}", "NextAttempt", g_variant_new_uint64(st.next_attempt));
	add_addr(&b, "GatewayAddress", &st.gateway);
	add_addr(&b, "LocalAddress", &st.local);
	g_variant_builder_add(&b, "{sv}", "Nat", g_variant_new_boolean(st.nat));
	add_str(&b, "ServerIdentity", st.server_id);
	g_variant_builder_add(&b, "{sv}", "ConnectedSince", g_variant_new_uint64(st.connected_since));
	push(self, &b);
}

static gboolean on_counters(gpointer data)
{
	push_live(data, false);
	return G_SOURCE_CONTINUE;
}

static const char *failure_name(enum rove_fail f)
{
	/* The contract's short names: "auth-failed", "peer-dead", ... */
	static char buf[64];
	const char *n = rove_fail_name(f);

	snprintf(buf, sizeof(buf), "%s", n ? n : "internal");
	for (char *c = buf; *c; c++)
		if (*c == '_')
			*c = '-';
	if (f == ROVE_FAIL_UNTRUSTED_CA)
		return "cert-untrusted";
	return buf;
}

void rove_nm_status_state(NMRoveService *self, enum rove_runner_state st, const char *msg,
			  enum rove_fail reason)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	add_str(&b, "State", rove_runner_state_name(st));
	if (st == ROVE_RUNNER_FAILED) {
		add_str(&b, "LastFailure", msg);
		add_str(&b, "LastFailureReason", failure_name(reason));
		g_variant_builder_add(&b, "{sv}", "LastFailureTime",
				      g_variant_new_uint64((guint64)time(NULL)));
	}
	if (st == ROVE_RUNNER_FAILED || st == ROVE_RUNNER_DISCONNECTED) {
		g_variant_builder_add(&b, "{sv}", "ConnectedSince", g_variant_new_uint64(0));
		add_str(&b, "Device", "");
	}
	push(self, &b);
	if (st == ROVE_RUNNER_CONNECTED) {
		push_live(self, true);
		if (!self->counters_timer)
			self->counters_timer = g_timeout_add_seconds(COUNTER_PERIOD_S, on_counters,
								     self);
	}
}

void rove_nm_status_ipconfig(NMRoveService *self, const struct rove_runner_ipconfig *ip)
{
	const struct rove_config_info *c = ip->config;
	char v4[1][ROVE_ADDR_STRLEN + 4] = { "" }, v6[1][ROVE_ADDR_STRLEN + 4] = { "" };
	char dns[ROVE_MAX_DNS][ROVE_ADDR_STRLEN];
	const char *p4[1] = { v4[0] }, *p6[1] = { v6[0] }, *pd[ROVE_MAX_DNS], *dom[ROVE_MAX_DOMAINS];
	char a[ROVE_ADDR_STRLEN];
	GVariantBuilder b;

	if (c->has_vip4)
		snprintf(v4[0], sizeof(v4[0]), "%s/%u", rove_addr_str(&c->vip4.addr, a, sizeof(a)),
			 c->vip4.len);
	if (c->has_vip6)
		snprintf(v6[0], sizeof(v6[0]), "%s/%u", rove_addr_str(&c->vip6.addr, a, sizeof(a)),
			 c->vip6.len);
	for (size_t i = 0; i < c->ndns && i < ROVE_MAX_DNS; i++)
		pd[i] = rove_addr_str(&c->dns[i], dns[i], sizeof(dns[i]));
	for (size_t i = 0; i < c->ndomains && i < ROVE_MAX_DOMAINS; i++)
		dom[i] = c->domains[i];
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	add_strv(&b, "VirtualIp4", p4, c->has_vip4);
	add_strv(&b, "VirtualIp6", p6, c->has_vip6);
	add_strv(&b, "Dns", pd, c->ndns < ROVE_MAX_DNS ? c->ndns : ROVE_MAX_DNS);
	add_strv(&b, "SearchDomains", dom, c->ndomains < ROVE_MAX_DOMAINS ? c->ndomains
									 : ROVE_MAX_DOMAINS);
	add_str(&b, "Device", ip->device);
	add_str(&b, "Datapath", ip->datapath);
	add_addr(&b, "GatewayAddress", &ip->gateway);
	add_addr(&b, "LocalAddress", &ip->local);
	push(self, &b);
}

void rove_nm_status_stop(NMRoveService *self)
{
	if (self->counters_timer)
		g_source_remove(self->counters_timer);
	self->counters_timer = 0;
}
