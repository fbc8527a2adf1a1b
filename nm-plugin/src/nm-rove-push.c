/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What nm-rove-service tells rove-statusd (docs/status-dbus.md) through
 * the status client (status-client.h), which pushes only values that
 * changed: so this file sets everything it knows at each event, and the
 * counters every 5 s while connected (nothing reaches the bus when they
 * did not move). Fire and forget: the session never waits for the status
 * daemon, and a missing one costs a debug line. */
#include "nm-rove-service.h"
#include "status-client.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define COUNTER_PERIOD_S 5

static void flush(NMRoveService *self)
{
	const char *e;

	if (!self->status)
		return;
	rove_status_client_flush(self->status);
	e = rove_status_client_last_error(self->status);
	if (e)
		g_debug("rove: status daemon: %s", e);
}

static void set_addr(NMRoveService *self, const char *key, const struct rove_addr *a)
{
	char s[ROVE_ADDR_STRLEN] = "";

	if (a->family) {
		struct rove_addr host = *a;

		host.port = 0;
		rove_addr_str(&host, s, sizeof(s));
	}
	rove_status_client_set_str(self->status, key, s);
}

void rove_nm_status_begin(NMRoveService *self, const struct rove_profile *p)
{
	static const char *const none[] = { NULL };
	GDBusConnection *bus = nm_vpn_service_plugin_get_connection(NM_VPN_SERVICE_PLUGIN(self));

	rove_status_client_free(self->status);
	self->status = bus && self->uuid ? rove_status_client_new(bus, self->uuid) : NULL;
	if (!self->status)
		return;
	rove_status_client_set_str(self->status, "Id", self->id);
	rove_status_client_set_str(self->status, "Gateway", p->server);
	rove_status_client_set_str(self->status, "State", "connecting");
	rove_status_client_set_str(self->status, "ServerIdentity", "");
	rove_status_client_set_str(self->status, "Device", "");
	rove_status_client_set_strv(self->status, "VirtualIp4", none);
	rove_status_client_set_strv(self->status, "VirtualIp6", none);
	rove_status_client_set_u64(self->status, "ConnectedSince", 0);
	flush(self);
}

/* Counters, the path and rekeys: what changes while the tunnel is up. */
static void push_live(NMRoveService *self)
{
	struct rove_runner_status st;

	if (!self->status || !self->runner || self->finished)
		return;
	rove_runner_status(self->runner, &st);
	rove_status_client_set_u64(self->status, "BytesIn", st.bytes_in);
	rove_status_client_set_u64(self->status, "BytesOut", st.bytes_out);
	rove_status_client_set_u64(self->status, "PacketsIn", st.packets_in);
	rove_status_client_set_u64(self->status, "PacketsOut", st.packets_out);
	rove_status_client_set_u32(self->status, "Rekeys", st.rekeys);
	rove_status_client_set_u32(self->status, "Moves", st.moves);
	rove_status_client_set_u32(self->status, "Reauths", st.reauths);
	rove_status_client_set_u64(self->status, "NextRekey", st.next_rekey);
	rove_status_client_set_u64(self->status, "NextAttempt", st.next_attempt);
	set_addr(self, "GatewayAddress", &st.gateway);
	set_addr(self, "LocalAddress", &st.local);
	rove_status_client_set_bool(self->status, "Nat", st.nat);
	rove_status_client_set_str(self->status, "ServerIdentity", st.server_id);
	rove_status_client_set_u64(self->status, "ConnectedSince", st.connected_since);
	flush(self);
}

static gboolean on_counters(gpointer data)
{
	push_live(data);
	return G_SOURCE_CONTINUE;
}

/* The contract's short names: "auth-failed", "peer-dead", "cert-untrusted". */
static void failure_name(enum rove_fail f, char *out, size_t len)
{
	const char *n = f == ROVE_FAIL_UNTRUSTED_CA ? "cert_untrusted" : rove_fail_name(f);

	snprintf(out, len, "%s", n ? n : "internal");
	for (char *c = out; *c; c++)
		if (*c == '_')
			*c = '-';
}

void rove_nm_status_state(NMRoveService *self, enum rove_runner_state st, const char *msg,
			  enum rove_fail reason)
{
	char why[64];

	if (!self->status)
		return;
	rove_status_client_set_str(self->status, "State", rove_runner_state_name(st));
	if (st == ROVE_RUNNER_FAILED) {
		failure_name(reason, why, sizeof(why));
		rove_status_client_set_str(self->status, "LastFailure", msg);
		rove_status_client_set_str(self->status, "LastFailureReason", why);
		rove_status_client_set_u64(self->status, "LastFailureTime", (guint64)time(NULL));
	}
	if (st == ROVE_RUNNER_FAILED || st == ROVE_RUNNER_DISCONNECTED) {
		g_autoptr(GError) error = NULL;

		rove_status_client_set_u64(self->status, "ConnectedSince", 0);
		rove_status_client_set_str(self->status, "Device", "");
		/* The service may exit right after: wait for rove-statusd. */
		if (!rove_status_client_flush_sync(self->status, &error))
			g_debug("rove: status daemon: %s", error ? error->message : "no answer");
		return;
	}
	flush(self);
	if (st == ROVE_RUNNER_CONNECTED) {
		push_live(self);
		if (!self->counters_timer)
			self->counters_timer = g_timeout_add_seconds(COUNTER_PERIOD_S, on_counters,
								     self);
	}
}

void rove_nm_status_ipconfig(NMRoveService *self, const struct rove_runner_ipconfig *ip)
{
	const struct rove_config_info *c = ip->config;
	char v4[ROVE_ADDR_STRLEN + 4] = "", v6[ROVE_ADDR_STRLEN + 4] = "", a[ROVE_ADDR_STRLEN];
	char dns[ROVE_MAX_DNS][ROVE_ADDR_STRLEN];
	const char *p4[2] = { v4, NULL }, *p6[2] = { v6, NULL };
	const char *pd[ROVE_MAX_DNS + 1] = { NULL }, *dom[ROVE_MAX_DOMAINS + 1] = { NULL };

	if (!self->status)
		return;
	if (c->has_vip4)
		snprintf(v4, sizeof(v4), "%s/%u", rove_addr_str(&c->vip4.addr, a, sizeof(a)),
			 c->vip4.len);
	else
		p4[0] = NULL;
	if (c->has_vip6)
		snprintf(v6, sizeof(v6), "%s/%u", rove_addr_str(&c->vip6.addr, a, sizeof(a)),
			 c->vip6.len);
	else
		p6[0] = NULL;
	for (size_t i = 0; i < c->ndns && i < ROVE_MAX_DNS; i++)
		pd[i] = rove_addr_str(&c->dns[i], dns[i], sizeof(dns[i]));
	for (size_t i = 0; i < c->ndomains && i < ROVE_MAX_DOMAINS; i++)
		dom[i] = c->domains[i];
	rove_status_client_set_strv(self->status, "VirtualIp4", p4);
	rove_status_client_set_strv(self->status, "VirtualIp6", p6);
	rove_status_client_set_strv(self->status, "Dns", pd);
	rove_status_client_set_strv(self->status, "SearchDomains", dom);
	rove_status_client_set_str(self->status, "Device", ip->device);
	rove_status_client_set_str(self->status, "Datapath", ip->datapath);
	set_addr(self, "GatewayAddress", &ip->gateway);
	set_addr(self, "LocalAddress", &ip->local);
	flush(self);
}

void rove_nm_status_stop(NMRoveService *self)
{
	if (self->counters_timer)
		g_source_remove(self->counters_timer);
	self->counters_timer = 0;
}

void rove_nm_status_free(NMRoveService *self)
{
	rove_nm_status_stop(self);
	rove_status_client_free(self->status);
	self->status = NULL;
}
