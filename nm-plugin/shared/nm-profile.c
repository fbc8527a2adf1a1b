/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profiles as NetworkManager connections; see nm-profile.h. */
#include "nm-profile.h"

#include <glib/gi18n-lib.h>

static void add_data(gpointer k, gpointer v, gpointer s_vpn)
{
	nm_setting_vpn_add_data_item(s_vpn, k, v);
}

static void add_secret(gpointer k, gpointer v, gpointer s_vpn)
{
	nm_setting_vpn_add_secret(s_vpn, k, v);
}

NMConnection *rove_nm_connection_new(const struct rove_import *im, const char *id)
{
	NMConnection *c = nm_simple_connection_new();
	NMSetting *s_con = nm_setting_connection_new();
	NMSetting *s_vpn = nm_setting_vpn_new();
	NMSetting *s_ip4 = nm_setting_ip4_config_new();
	NMSetting *s_ip6 = nm_setting_ip6_config_new();
	char *uuid = nm_utils_uuid_generate();

	g_object_set(s_con, NM_SETTING_CONNECTION_ID, id ? id : im->name,
		     NM_SETTING_CONNECTION_UUID, uuid,
		     NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
	g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, ROVE_NM_SERVICE,
		     NM_SETTING_VPN_PERSISTENT, TRUE, NULL);
	g_hash_table_foreach(im->data, add_data, s_vpn);
	g_hash_table_foreach(im->secrets, add_secret, s_vpn);
	g_object_set(s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
	g_object_set(s_ip6, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP6_CONFIG_METHOD_AUTO, NULL);
	nm_connection_add_setting(c, s_con);
	nm_connection_add_setting(c, s_vpn);
	nm_connection_add_setting(c, s_ip4);
	nm_connection_add_setting(c, s_ip6);
	g_free(uuid);
	return c;
}

static void copy_item(const char *key, const char *value, gpointer table)
{
	g_hash_table_insert(table, g_strdup(key), g_strdup(value));
}

GHashTable *rove_nm_vpn_data(NMSettingVpn *s_vpn)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	if (s_vpn)
		nm_setting_vpn_foreach_data_item(s_vpn, copy_item, t);
	return t;
}

char *rove_nm_export_text(NMConnection *connection, GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
	GHashTable *data;
	char *text;

	if (!s_vpn || g_strcmp0(nm_setting_vpn_get_service_type(s_vpn), ROVE_NM_SERVICE)) {
		g_set_error(error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_INVALID_SETTING,
			    _("not a rove connection"));
		return NULL;
	}
	data = rove_nm_vpn_data(s_vpn);
	text = rove_import_profile_text(data, NULL, false);
	g_hash_table_unref(data);
	return text;
}
