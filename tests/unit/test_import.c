/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The importers (nm-plugin/shared/import*.c) on sample files written as
 * the tools write them: a .sswan as strongSwan's Android app takes it, an
 * Apple Configurator-shaped .mobileconfig, a rove profile; then writing
 * the embedded files and the profile text, and reading that back. */
#include "check.h"
#include "import.h"
#include "profile.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

static char *slurp(const char *path, gsize *len)
{
	char *buf = NULL;

	if (!g_file_get_contents(path, &buf, len, NULL)) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	return buf;
}

static struct rove_import *load(const char *path, struct rove_err *err)
{
	gsize len;
	char *buf = slurp(path, &len);
	struct rove_import *im = rove_import_parse(buf, len, ROVE_IMPORT_AUTO, path, err);

	g_free(buf);
	return im;
}

static const char *data(struct rove_import *im, const char *key)
{
	const char *v = g_hash_table_lookup(im->data, key);

	return v ? v : "(unset)";
}

static const char *secret(struct rove_import *im, const char *key)
{
	const char *v = g_hash_table_lookup(im->secrets, key);

	return v ? v : "(unset)";
}

static bool noted(struct rove_import *im, const char *part)
{
	for (guint i = 0; i < im->notes->len; i++)
		if (strstr(im->notes->pdata[i], part))
			return true;
	return false;
}

static struct rove_import_file *file(struct rove_import *im, const char *key)
{
	for (guint i = 0; i < im->files->len; i++) {
		struct rove_import_file *f = im->files->pdata[i];

		if (!strcmp(f->key, key))
			return f;
	}
	return NULL;
}

/* The CA as openssl wrote it: the importers turn DER into the same PEM. */
static bool is_sample_ca(struct rove_import_file *f)
{
	gsize len;
	char *pem = slurp("import/ca.pem", &len);
	bool same = f && f->len == len && !memcmp(f->data, pem, len);

	g_free(pem);
	return same;
}

static void test_sswan_eap(void)
{
	struct rove_err err;
	struct rove_import *im = load("import/eap.sswan", &err);

	CHECK(im != NULL);
	if (!im)
		return;
	CHECK(im->format == ROVE_IMPORT_SSWAN);
	CHECK_STR(im->name, "Example-Corp-VPN");
	CHECK_STR(data(im, "server"), "vpn.example.com");
	CHECK_STR(data(im, "remote-id"), "vpn.example.com");
	CHECK_STR(data(im, "user"), "alice");
	CHECK_STR(data(im, "auth"), "eap-mschapv2");
	CHECK_STR(data(im, "routes"), "10.0.0.0/8, 192.168.10.0/24");
	CHECK_STR(data(im, "ike"), "aes256gcm16-prfsha384-x25519");
	CHECK_STR(data(im, "esp"), "aes256gcm16");
	CHECK(im->files->len == 1);
	CHECK(is_sample_ca(file(im, "ca")));
	CHECK(file(im, "ca") && !file(im, "ca")->secret);
	CHECK(noted(im, "172.16.1.1-172.16.1.20"));
	CHECK(noted(im, "apps:"));
	CHECK(noted(im, "mtu:"));
	CHECK(noted(im, "block-ipv6"));
	CHECK(g_hash_table_size(im->secrets) == 0);
	rove_import_free(im);
}

static void test_sswan_cert(void)
{
	struct rove_err err;
	struct rove_import *im = load("import/cert.sswan", &err);
	struct rove_import_file *f;

	CHECK(im != NULL);
	if (!im)
		return;
	CHECK_STR(data(im, "server"), "203.0.113.7");
	CHECK_STR(data(im, "auth"), "pubkey");
	CHECK_STR(data(im, "local-id"), "alice@example.com");
	CHECK_STR(data(im, "ike"), "(unset)"); /* modp1024 is refused */
	CHECK(noted(im, "\"modp1024\" is weak"));
	CHECK(noted(im, "remote.port"));
	CHECK(noted(im, "nat-keepalive"));
	f = file(im, "cert");
	CHECK(f && f->secret && !strcmp(f->suffix, ".p12") && f->len > 1000 && f->data[0] == 0x30);
	rove_import_free(im);
}

static void test_mobileconfig_eap(void)
{
	struct rove_err err;
	struct rove_import *im = load("import/eap.mobileconfig", &err);

	CHECK(im != NULL);
	if (!im)
		return;
	CHECK(im->format == ROVE_IMPORT_MOBILECONFIG);
	CHECK_STR(im->name, "Example-Corp");
	CHECK_STR(data(im, "server"), "vpn.example.com");
	CHECK_STR(data(im, "local-id"), "alice@example.com");
	CHECK_STR(data(im, "user"), "alice");
	CHECK_STR(data(im, "auth"), "eap-mschapv2");
	CHECK_STR(secret(im, "password"), "correct horse battery staple");
	CHECK_STR(data(im, "ike"), "aes256-sha384-ecp256");
	CHECK_STR(data(im, "esp"), "aes256gcm16-ecp256"); /* EnablePFS */
	CHECK_STR(data(im, "ike-rekey"), "1440m");
	CHECK_STR(data(im, "child-rekey"), "60m");
	CHECK_STR(data(im, "dpd"), "600");
	CHECK_STR(data(im, "mobike"), "no");
	CHECK(is_sample_ca(file(im, "ca")));
	CHECK(noted(im, "UseConfigurationAttributeInternalIPSubnet") == false); /* it is 0 */
	rove_import_free(im);
}

static void test_mobileconfig_cert(void)
{
	struct rove_err err;
	struct rove_import *im = load("import/cert.mobileconfig", &err);
	struct rove_import_file *f;

	CHECK(im != NULL);
	if (!im)
		return;
	CHECK_STR(data(im, "server"), "2001:db8::7");
	CHECK_STR(data(im, "remote-id"), "gw.example.net");
	CHECK_STR(data(im, "auth"), "pubkey");
	CHECK_STR(secret(im, "key-password"), "p12secret");
	CHECK_STR(data(im, "ike"), "(unset)");
	CHECK(noted(im, "\"3des\" is weak"));
	CHECK(noted(im, "ServerCertificateIssuerCommonName"));
	f = file(im, "cert");
	CHECK(f && f->secret && f->len > 1000);
	CHECK(file(im, "ca") == NULL);
	rove_import_free(im);
}

static void test_profile(void)
{
	struct rove_err err;
	struct rove_import *im = load("import/work.conf", &err);

	CHECK(im != NULL);
	if (!im)
		return;
	CHECK(im->format == ROVE_IMPORT_PROFILE);
	CHECK_STR(im->name, "work");
	CHECK(g_str_has_prefix(data(im, "ca"), "/") &&
	      g_str_has_suffix(data(im, "ca"), "/import/ca.pem"));
	CHECK_STR(data(im, "dpd"), "60");
	CHECK_STR(secret(im, "password"), "correct horse battery staple");
	CHECK(im->notes->len == 0);
	rove_import_free(im);
}

/* A NetworkManager keyfile: [vpn] without NetworkManager's own properties,
 * [vpn-secrets], the name from [connection] id, the rest ignored. */
static void test_nmconnection(void)
{
	struct rove_err err;
	struct rove_import *im = load("import/office.nmconnection", &err);

	CHECK(im != NULL);
	if (!im)
		return;
	CHECK(im->format == ROVE_IMPORT_PROFILE);
	CHECK_STR(im->name, "Office-VPN");
	CHECK_STR(data(im, "server"), "203.0.113.7");
	CHECK_STR(data(im, "password-flags"), "1");
	CHECK_STR(data(im, "service-type"), "(unset)");
	CHECK_STR(data(im, "persistent"), "(unset)");
	CHECK_STR(data(im, "method"), "(unset)");
	CHECK(g_hash_table_size(im->data) == 4);
	CHECK_STR(secret(im, "password"), "hunter2 hunter2");
	rove_import_free(im);
}

static struct rove_import *parse_str(const char *s, struct rove_err *err)
{
	return rove_import_parse(s, strlen(s), ROVE_IMPORT_AUTO, "x", err);
}

/* Each type of the Android app: its authentication, what it keeps. */
static void test_sswan_types(void)
{
	static const char *const types[][2] = {
		{ "ikev2-eap", "eap-mschapv2" }, { "ikev2-cert", "pubkey" },
		{ "ikev2-eap-tls", "eap-tls" }, { "ikev2-cert-eap", "eap-mschapv2" },
		{ "ikev2-byod-eap", "eap-mschapv2" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
		char *json = g_strdup_printf("{\"uuid\":\"x\",\"name\":\"t\",\"type\":\"%s\","
					     "\"remote\":{\"addr\":\"vpn.example.com\"},"
					     "\"local\":{\"eap_id\":\"alice\",\"id\":\"CN=a\","
					     "\"p12\":\"MIIBAA==\"}}", types[i][0]);
		struct rove_err err;
		struct rove_import *im = parse_str(json, &err);
		bool eap = strstr(types[i][1], "mschap") != NULL;

		CHECK(im != NULL);
		if (!im) {
			g_free(json);
			continue;
		}
		CHECK_STR(data(im, "auth"), types[i][1]);
		/* EAP types keep the user, certificate types the bundle */
		CHECK(!strcmp(data(im, "user"), eap ? "alice" : "(unset)"));
		CHECK((im->files->len == 1) == !eap);
		CHECK(!strcmp(data(im, "local-id"), eap ? "(unset)" : "CN=a"));
		if (!strcmp(types[i][0], "ikev2-cert-eap"))
			CHECK(noted(im, "RFC 4739"));
		if (!strcmp(types[i][0], "ikev2-byod-eap"))
			CHECK(noted(im, "BYOD"));
		rove_import_free(im);
		g_free(json);
	}
}

static void test_refused(void)
{
	struct rove_err err;

	CHECK(parse_str("{\"type\":\"ikev2-eap\",\"remote\":{}}", &err) == NULL);
	CHECK(strstr(err.msg, "remote.addr") != NULL);
	CHECK(parse_str("{\"type\":\"ikev1-xauth\",\"remote\":{\"addr\":\"a.b\"}}", &err) == NULL);
	CHECK(strstr(err.msg, "type") != NULL);
	CHECK(parse_str("{\"type\":\"ikev2-eap\",\"remote\":{\"addr\":\"vpn.example.com:443\"}}",
			&err) == NULL);
	CHECK(strstr(err.msg, "has a port") != NULL);
	CHECK(parse_str("<plist version=\"1.0\"><dict><key>PayloadContent</key><array>"
			"</array></dict></plist>", &err) == NULL);
	CHECK(strstr(err.msg, "no IKEv2 VPN payload") != NULL);
	CHECK(parse_str("<plist><dict><key>a</key></dict></plist>", &err) == NULL);
	CHECK(parse_str("[vpn]\nserver=a.example\nremoteid=x\n", &err) == NULL);
	CHECK(strstr(err.msg, "did you mean 'remote-id'") != NULL);
	CHECK(parse_str("\x30\x82\x01", &err) == NULL);
	CHECK(strstr(err.msg, "signed") != NULL);
}

/* Every prefix of every sample: refused or parsed, never a crash or a
 * read past the end (run under ASan by the fuzz build). */
static void test_prefixes(void)
{
	static const char *const files[] = { "import/eap.sswan", "import/cert.sswan",
		"import/eap.mobileconfig", "import/cert.mobileconfig", "import/work.conf",
		"import/office.nmconnection" };
	int parsed = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		gsize len;
		char *buf = slurp(files[i], &len);

		for (gsize n = 0; n < len; n += 7) {
			char *copy = g_memdup2(buf, n); /* exactly n bytes: ASan sees overreads */
			struct rove_err err;
			struct rove_import *im = rove_import_parse(copy, n, ROVE_IMPORT_AUTO,
								   files[i], &err);

			parsed += im != NULL;
			rove_import_free(im);
			g_free(copy);
		}
		g_free(buf);
	}
	CHECK(parsed > 0);
}

static GHashTable *table(const char *const *kv)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (; *kv; kv += 2)
		g_hash_table_insert(t, g_strdup(kv[0]), g_strdup(kv[1]));
	return t;
}

static bool same_table(GHashTable *a, GHashTable *b)
{
	GHashTableIter it;
	gpointer k, v;

	if (g_hash_table_size(a) != g_hash_table_size(b))
		return false;
	g_hash_table_iter_init(&it, a);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!g_hash_table_lookup(b, k) || strcmp(v, g_hash_table_lookup(b, k)))
			return false;
	return true;
}

/* The profile text read back gives the same keys, escapes included. */
static void test_text_round_trip(void)
{
	static const char *const d[] = { "server", "vpn.example.com", "user", " alice\\x ",
		"routes", "10.0.0.0/8", "dpd", "30", "ike", "aes256gcm16-prfsha384-x25519", NULL };
	static const char *const s[] = { "password", " pass\tword\\n\n ", NULL };
	GHashTable *data_t = table(d), *sec_t = table(s);
	char *text = rove_import_profile_text(data_t, sec_t, true);
	struct rove_err err;
	struct rove_import *im = parse_str(text, &err);
	struct rove_profile p;

	CHECK(strstr(text, "user=\\salice\\\\x\\s\n") != NULL);
	CHECK(g_str_has_prefix(text, "[vpn]\nserver=vpn.example.com\nuser="));
	CHECK(im && same_table(im->data, data_t) && same_table(im->secrets, sec_t));
	CHECK(rove_profile_parse("x.conf", text, strlen(text), &p, NULL) == 0);
	CHECK(p.password && !strcmp(p.password, " pass\tword\\n\n "));
	rove_profile_free(&p);
	g_free(text);
	text = rove_import_profile_text(data_t, sec_t, false);
	CHECK(strstr(text, "vpn-secrets") == NULL && strstr(text, "pass") == NULL);
	g_free(text);
	rove_import_free(im);
	g_hash_table_destroy(data_t);
	g_hash_table_destroy(sec_t);
}

/* Embedded files land beside the profile (0600 for keys), the keys point at
 * them, and the profile written then is one rove accepts. */
static void test_write_files(void)
{
	char *dir = g_dir_make_tmp("rove-import-XXXXXX", NULL);
	struct rove_err err;
	struct rove_import *im = load("import/cert.mobileconfig", &err);
	struct rove_profile p;
	struct stat st;
	char *text, *p12 = g_build_filename(dir, "work.p12", NULL);

	CHECK(im && dir);
	if (!im || !dir)
		return;
	CHECK(rove_import_write_files(im, dir, "work", false, &err) == 0);
	CHECK_STR(data(im, "cert"), p12);
	CHECK(stat(p12, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* not overwritten without force */
	CHECK(rove_import_write_files(im, dir, "work", false, &err) < 0);
	CHECK(strstr(err.msg, "not overwritten") != NULL);
	CHECK(rove_import_write_files(im, dir, "work", true, &err) == 0);
	text = rove_import_profile_text(im->data, im->secrets, true);
	CHECK(rove_profile_parse("work.conf", text, strlen(text), &p, NULL) == 0);
	CHECK(p.cert && !strcmp(p.cert, p12) && p.auth == ROVE_PROFILE_AUTH_PUBKEY);
	CHECK(p.key_password && !strcmp(p.key_password, "p12secret"));
	rove_profile_free(&p);
	g_unlink(p12);
	g_rmdir(dir);
	g_free(text);
	g_free(p12);
	g_free(dir);
	rove_import_free(im);
}

static void test_key_check(void)
{
	char msg[512];

	CHECK(rove_key_check("dpd", "30", false, msg, sizeof(msg)) == 0);
	CHECK(rove_key_check("dpd", "100000", false, msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "86400") != NULL);
	CHECK(rove_key_check("server", "vpn.example.com:443", false, msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "has a port") != NULL);
}

int main(void)
{
	RUN(test_sswan_eap);
	RUN(test_sswan_cert);
	RUN(test_mobileconfig_eap);
	RUN(test_mobileconfig_cert);
	RUN(test_profile);
	RUN(test_nmconnection);
	RUN(test_sswan_types);
	RUN(test_refused);
	RUN(test_prefixes);
	RUN(test_text_round_trip);
	RUN(test_write_files);
	RUN(test_key_check);
	return check_summary();
}
