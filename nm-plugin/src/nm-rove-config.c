/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What nm-rove-service tells NetworkManager: the tunnel's configuration
 * (NetworkManager applies it to the TUN) and which secrets are missing.
 *
 * Routes: the narrowed remote traffic selectors and the gateway's
 * INTERNAL_IP4/6_SUBNET become routes through the tunnel; a selector that
 * covers everything (0.0.0.0/0, ::/0) is not a route but "may be the
 * default route" (never-default false). The connection's own
 * ipv4/ipv6.never-default wins: then only the split routes are given.
 * NetworkManager adds the connection's ipv4/ipv6.routes to ours (and drops
 * ours with ignore-auto-routes); docs/nm.md says so. */
#include "nm-rove-service.h"

#include <arpa/inet.h>
#include <string.h>

void rove_nm_read_ip_settings(NMRoveService *self, NMConnection *conn)
{
	NMSettingIPConfig *s4 = nm_connection_get_setting_ip4_config(conn);
	NMSettingIPConfig *s6 = nm_connection_get_setting_ip6_config(conn);

	const char *m6 = s6 ? nm_setting_ip_config_get_method(s6) : NULL;

	self->never_default4 = s4 && nm_setting_ip_config_get_never_default(s4);
	self->never_default6 = s6 && nm_setting_ip_config_get_never_default(s6);
	self->no_ip6 = m6 && (strcmp(m6, NM_SETTING_IP6_CONFIG_METHOD_IGNORE) == 0 ||
			      strcmp(m6, NM_SETTING_IP6_CONFIG_METHOD_DISABLED) == 0);
}

/* ipv6.method ignore/disabled is what NetworkManager-strongswan users set
 * to keep IPv6 off the VPN: then the session must not ask for an IPv6
 * address or offer IPv6 selectors (the runner asks for IPv6 exactly when
 * a route is IPv6; the default routes hold ::/0). NetworkManager would
 * ignore an IPv6 configuration anyway, but the gateway would still lease
 * an address and install IPv6 selectors for nothing. */
gboolean rove_nm_limit_families(NMRoveService *self, struct rove_profile *p, GError **error)
{
	size_t n = 0, dropped = 0;

	if (!self->no_ip6)
		return TRUE;
	for (size_t i = 0; i < p->nroutes; i++) {
		if (p->routes[i].addr.family == AF_INET6)
			dropped++;
		else
			p->routes[n++] = p->routes[i];
	}
	p->nroutes = n;
	if (n || !dropped)
		return TRUE;
	g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    "vpn.data key 'routes' holds only IPv6 prefixes, but the connection's "
			    "ipv6.method is ignore or disabled: set ipv6.method auto, or add "
			    "IPv4 prefixes to routes");
	return FALSE;
}

static bool is_default(const struct rove_prefix *p)
{
	return p->len == 0;
}

static bool seen(const struct rove_prefix *list, size_t n, const struct rove_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].len == p->len && list[i].addr.family == p->addr.family &&
		    memcmp(list[i].addr.addr, p->addr.addr, 16) == 0)
			return true;
	return false;
}

/* The routes of one family: selectors, then subnets, without duplicates
 * and without the default. *full: a selector covered everything. */
static size_t family_routes(const struct rove_runner_ipconfig *ip, int family,
			    struct rove_prefix *out, size_t max, bool *full)
{
	const struct rove_config_info *c = ip->config;
	size_t n = 0;

	*full = false;
	for (size_t i = 0; i < ip->nroutes; i++) {
		const struct rove_prefix *p = &ip->routes[i];

		if (p->addr.family != family)
			continue;
		if (is_default(p))
			*full = true;
		else if (n < max && !seen(out, n, p))
			out[n++] = *p;
	}
	for (size_t i = 0; i < c->nsubnets; i++) {
		const struct rove_prefix *p = &c->subnets[i];

		if (p->addr.family == family && !is_default(p) && n < max && !seen(out, n, p))
			out[n++] = *p;
	}
	return n;
}

static GVariant *addr6(const uint8_t *a)
{
	return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, a, 16, 1);
}

static GVariant *domains(const struct rove_config_info *c)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	for (size_t i = 0; i < c->ndomains; i++)
		g_variant_builder_add(&b, "s", c->domains[i]);
	return g_variant_builder_end(&b);
}

static void send_ip4(NMRoveService *self, const struct rove_runner_ipconfig *ip)
{
	const struct rove_config_info *c = ip->config;
	struct rove_prefix routes[128];
	GVariantBuilder b, dns, rts;
	guint32 a;
	bool full;
	size_t n = family_routes(ip, AF_INET, routes, G_N_ELEMENTS(routes), &full);

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	memcpy(&a, c->vip4.addr.addr, 4);
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS, g_variant_new_uint32(a));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_PREFIX,
			      g_variant_new_uint32(c->vip4.len ? c->vip4.len : 32));
	g_variant_builder_init(&dns, G_VARIANT_TYPE("au"));
	for (size_t i = 0; i < c->ndns; i++) {
		if (c->dns[i].family != AF_INET)
			continue;
		memcpy(&a, c->dns[i].addr, 4);
		g_variant_builder_add(&dns, "u", a);
	}
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DNS, g_variant_builder_end(&dns));
	if (c->ndomains)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DOMAINS, domains(c));
	g_variant_builder_init(&rts, G_VARIANT_TYPE("aau"));
	for (size_t i = 0; i < n; i++) {
		guint32 r[4] = { 0, routes[i].len, 0, 0 };

		memcpy(&r[0], routes[i].addr.addr, 4);
		g_variant_builder_add_value(&rts, g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32,
									    r, 4, sizeof(r[0])));
	}
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ROUTES, g_variant_builder_end(&rts));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT,
			      g_variant_new_boolean(!full || self->never_default4));
	g_message("rove: %s: IPv4 %u route%s%s", self->id, (unsigned)n, n == 1 ? "" : "s",
		  full && !self->never_default4 ? ", default route" : "");
	nm_vpn_service_plugin_set_ip4_config(NM_VPN_SERVICE_PLUGIN(self), g_variant_builder_end(&b));
}

static void send_ip6(NMRoveService *self, const struct rove_runner_ipconfig *ip)
{
	const struct rove_config_info *c = ip->config;
	struct rove_prefix routes[128];
	GVariantBuilder b, dns, rts;
	static const uint8_t zero[16];
	bool full;
	size_t n = family_routes(ip, AF_INET6, routes, G_N_ELEMENTS(routes), &full);

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS, addr6(c->vip6.addr.addr));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_PREFIX,
			      g_variant_new_uint32(c->vip6.len ? c->vip6.len : 128));
	g_variant_builder_init(&dns, G_VARIANT_TYPE("aay"));
	for (size_t i = 0; i < c->ndns; i++)
		if (c->dns[i].family == AF_INET6)
			g_variant_builder_add_value(&dns, addr6(c->dns[i].addr));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_DNS, g_variant_builder_end(&dns));
	if (c->ndomains)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_DOMAINS, domains(c));
	g_variant_builder_init(&rts, G_VARIANT_TYPE("a(ayuayu)"));
	for (size_t i = 0; i < n; i++)
		g_variant_builder_add(&rts, "(@ayu@ayu)", addr6(routes[i].addr.addr),
				      (guint32)routes[i].len, addr6(zero), (guint32)0);
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ROUTES, g_variant_builder_end(&rts));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT,
			      g_variant_new_boolean(!full || self->never_default6));
	nm_vpn_service_plugin_set_ip6_config(NM_VPN_SERVICE_PLUGIN(self), g_variant_builder_end(&b));
}

void rove_nm_send_config(NMRoveService *self, const struct rove_runner_ipconfig *ip)
{
	const struct rove_config_info *c = ip->config;
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	if (ip->device[0])
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_TUNDEV,
				      g_variant_new_string(ip->device));
	if (ip->mtu)
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_MTU, g_variant_new_uint32(ip->mtu));
	/* The outer address NetworkManager keeps reachable outside the tunnel. */
	if (ip->gateway.family == AF_INET) {
		guint32 a;

		memcpy(&a, ip->gateway.addr, 4);
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
				      g_variant_new_uint32(a));
	} else if (ip->gateway.family == AF_INET6) {
		g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
				      addr6(ip->gateway.addr));
	}
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP4,
			      g_variant_new_boolean(c->has_vip4));
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP6,
			      g_variant_new_boolean(c->has_vip6 && !self->no_ip6));
	/* MOBIKE and reconnects carry the tunnel across a change of the
	 * uplink: with vpn.persistent=yes NetworkManager keeps it then. */
	g_variant_builder_add(&b, "{sv}", NM_VPN_PLUGIN_CAN_PERSIST, g_variant_new_boolean(TRUE));
	nm_vpn_service_plugin_set_config(NM_VPN_SERVICE_PLUGIN(self), g_variant_builder_end(&b));
	if (c->has_vip4)
		send_ip4(self, ip);
	if (c->has_vip6 && !self->no_ip6)
		send_ip6(self, ip);
}

/* The secret the authentication method needs (NULL: none we can ask). */
static const char *needed_secret(const struct rove_profile *p)
{
	switch (p->auth) {
	case ROVE_PROFILE_AUTH_PSK:
		return "psk";
	case ROVE_PROFILE_AUTH_PUBKEY:
	case ROVE_PROFILE_AUTH_EAP_TLS:
		return NULL;
	default:
		return "password";
	}
}

/* The secret the connection needs, and its flags; NULL when none (or
 * vpn.data is wrong: error set). */
static const char *secret_and_flags(NMConnection *conn, NMSettingSecretFlags *flags,
				    GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(conn);
	struct rove_profile p;
	const char *key;

	*flags = NM_SETTING_SECRET_FLAG_NONE;
	if (rove_nm_profile(conn, false, &p, error) < 0) {
		rove_profile_free(&p);
		return NULL;
	}
	key = needed_secret(&p);
	rove_profile_free(&p);
	if (key)
		nm_setting_get_secret_flags(NM_SETTING(s_vpn), key, flags, NULL);
	return key;
}

gboolean rove_nm_missing_secret(NMConnection *conn, const char **hints, GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(conn);
	NMSettingSecretFlags flags;
	const char *key = secret_and_flags(conn, &flags, error), *value;

	if (!key)
		return FALSE;
	if (flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)
		return FALSE;
	value = nm_setting_vpn_get_secret(s_vpn, key);
	if (value && value[0])
		return FALSE;
	hints[0] = key;
	return TRUE;
}

const char *rove_nm_agent_secret(NMConnection *conn)
{
	NMSettingSecretFlags flags;
	const char *key = secret_and_flags(conn, &flags, NULL);

	if (key && (flags & (NM_SETTING_SECRET_FLAG_AGENT_OWNED | NM_SETTING_SECRET_FLAG_NOT_SAVED)))
		return key;
	return NULL;
}
