/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libnm-vpn-plugin-rove.so as nmcli uses it (no GTK): loaded by libnm's
 * nm_vpn_editor_plugin_load_from_file, then import (rove profile, .sswan,
 * .mobileconfig) and export, and the exported file imported again.
 * Usage: test_nm_plugin PLUGIN.so (run from tests/unit) */
#include "check.h"

#include <NetworkManager.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#define SERVICE "org.freedesktop.NetworkManager.rove"

static NMVpnEditorPlugin *plugin;
static char *tmp;

static const char *item(NMConnection *c, const char *key)
{
	const char *v = nm_setting_vpn_get_data_item(nm_connection_get_setting_vpn(c), key);

	return v ? v : "(unset)";
}

static const char *secret(NMConnection *c, const char *key)
{
	const char *v = nm_setting_vpn_get_secret(nm_connection_get_setting_vpn(c), key);

	return v ? v : "(unset)";
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 0777 : 0;
}

static void test_capabilities(void)
{
	char *name = NULL, *service = NULL;

	CHECK(nm_vpn_editor_plugin_get_capabilities(plugin) ==
	      (NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT |
	       NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6));
	g_object_get(plugin, NM_VPN_EDITOR_PLUGIN_NAME, &name, NM_VPN_EDITOR_PLUGIN_SERVICE,
		     &service, NULL);
	CHECK(name && *name);
	CHECK(service && !strcmp(service, SERVICE));
	g_free(name);
	g_free(service);
}

/* A rove profile in, the same keys out, and back in again. */
static void test_profile_round_trip(void)
{
	GError *err = NULL;
	NMConnection *c = nm_vpn_editor_plugin_import(plugin, "import/work.conf", &err), *again;
	char *out = g_build_filename(tmp, "export.conf", NULL), *name;

	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "import: %s\n", err->message);
		return;
	}
	CHECK(nm_connection_verify(c, NULL));
	CHECK_STR(nm_connection_get_id(c), "work");
	CHECK_STR(nm_setting_vpn_get_service_type(nm_connection_get_setting_vpn(c)), SERVICE);
	CHECK(nm_setting_vpn_get_persistent(nm_connection_get_setting_vpn(c)));
	CHECK_STR(item(c, "server"), "vpn.example.com");
	CHECK(g_str_has_suffix(item(c, "ca"), "/import/ca.pem") && item(c, "ca")[0] == '/');
	CHECK_STR(item(c, "dpd"), "60");
	CHECK_STR(secret(c, "password"), "correct horse battery staple");
	name = nm_vpn_editor_plugin_get_suggested_filename(plugin, c);
	CHECK(name && !strcmp(name, "work.conf"));
	g_free(name);
	/* export: no secrets, 0600; import again: the same vpn.data */
	nm_setting_vpn_add_data_item(nm_connection_get_setting_vpn(c), "routes", " 10.0.0.0/8");
	CHECK(nm_vpn_editor_plugin_export(plugin, out, c, &err));
	CHECK(mode_of(out) == 0600);
	again = nm_vpn_editor_plugin_import(plugin, out, &err);
	CHECK(again != NULL);
	if (again) {
		CHECK(nm_setting_vpn_get_num_data_items(nm_connection_get_setting_vpn(again)) ==
		      nm_setting_vpn_get_num_data_items(nm_connection_get_setting_vpn(c)));
		CHECK_STR(item(again, "routes"), " 10.0.0.0/8"); /* escaped and back */
		CHECK_STR(item(again, "ca"), item(c, "ca"));
		CHECK_STR(item(again, "dpd"), "60");
		CHECK_STR(secret(again, "password"), "(unset)");
		g_object_unref(again);
	}
	g_unlink(out);
	g_free(out);
	g_object_unref(c);
}

/* Embedded files go to $XDG_DATA_HOME/rove/certificates/UUID*. */
static void test_embedded(void)
{
	GError *err = NULL;
	NMConnection *c = nm_vpn_editor_plugin_import(plugin, "import/cert.mobileconfig", &err);
	char *dir = g_build_filename(tmp, "data", "rove", "certificates", NULL);

	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "import: %s\n", err->message);
		return;
	}
	CHECK_STR(nm_connection_get_id(c), "Example-Corp-certificate");
	CHECK(g_str_has_prefix(item(c, "cert"), dir));
	CHECK(g_str_has_suffix(item(c, "cert"), ".p12"));
	CHECK(strstr(item(c, "cert"), nm_connection_get_uuid(c)) != NULL);
	CHECK(mode_of(item(c, "cert")) == 0600);
	CHECK(mode_of(dir) == 0700);
	CHECK_STR(secret(c, "key-password"), "p12secret");
	CHECK_STR(item(c, "auth"), "pubkey");
	g_unlink(item(c, "cert"));
	g_object_unref(c);
	c = nm_vpn_editor_plugin_import(plugin, "import/eap.sswan", &err);
	CHECK(c && g_str_has_suffix(item(c, "ca"), "-ca.pem") && mode_of(item(c, "ca")) == 0644);
	CHECK(c && nm_setting_vpn_get_persistent(nm_connection_get_setting_vpn(c)));
	if (c) {
		g_unlink(item(c, "ca"));
		g_object_unref(c);
	}
	g_free(dir);
}

static void test_refused(void)
{
	GError *err = NULL;
	char *bad = g_build_filename(tmp, "bad.sswan", NULL);
	NMConnection *c;

	g_file_set_contents(bad, "{\"type\":\"ikev2-eap\",\"remote\":{}}", -1, NULL);
	c = nm_vpn_editor_plugin_import(plugin, bad, &err);
	CHECK(c == NULL && err && strstr(err->message, "remote.addr"));
	g_clear_error(&err);
	g_unlink(bad);
	g_free(bad);
}

int main(int argc, char **argv)
{
	GError *err = NULL;
	char *data;

	if (argc != 2) {
		fprintf(stderr, "usage: test_nm_plugin PLUGIN.so\n");
		return 2;
	}
	tmp = g_dir_make_tmp("rove-nm-XXXXXX", NULL);
	data = g_build_filename(tmp, "data", NULL);
	g_setenv("XDG_DATA_HOME", data, TRUE);
	plugin = nm_vpn_editor_plugin_load_from_file(argv[1], SERVICE, -1, NULL, NULL, &err);
	if (!plugin) {
		fprintf(stderr, "loading %s: %s\n", argv[1], err->message);
		return 1;
	}
	RUN(test_capabilities);
	RUN(test_profile_round_trip);
	RUN(test_embedded);
	RUN(test_refused);
	for (int i = 0; i < 2; i++) {
		char *d = i ? g_build_filename(data, "rove", NULL) :
			      g_build_filename(data, "rove", "certificates", NULL);

		g_rmdir(d);
		g_free(d);
	}
	g_rmdir(data);
	g_rmdir(tmp);
	g_free(data);
	g_free(tmp);
	g_object_unref(plugin);
	return check_summary();
}
