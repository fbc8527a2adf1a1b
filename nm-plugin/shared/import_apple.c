/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Apple .mobileconfig profiles: the IKEv2 dictionary of a
 * com.apple.vpn.managed payload (RemoteAddress, RemoteIdentifier,
 * LocalIdentifier, AuthenticationMethod, ExtendedAuthEnabled, AuthName,
 * AuthPassword, SharedSecret, PayloadCertificateUUID, the security
 * association parameters, ...) and the certificate payloads
 * (com.apple.security.pkcs12, .root, .pem, .pkcs1) beside it. */
#include "import.h"

#include <glib/gi18n-lib.h>
#include "plist.h"

#include <stdio.h>
#include <string.h>

/* Sets key when rove accepts the value, else says why not. */
static void set_checked(struct rove_import *im, const char *key, const char *value,
			const char *what)
{
	char msg[512];

	if (rove_key_check(key, value, false, msg, sizeof(msg)) == 0)
		rove_import_set(im, key, value);
	else
		rove_import_note(im, "%s \"%.200s\": %s", what, value, msg);
}

static const char *const encr_map[][2] = {
	{ "AES-128", "aes128" }, { "AES-256", "aes256" }, { "AES-128-GCM", "aes128gcm16" },
	{ "AES-256-GCM", "aes256gcm16" }, { "3DES", "3des" }, { "DES", "des" },
};
static const char *const integ_map[][2] = {
	{ "SHA1-96", "sha1" }, { "SHA2-256", "sha256" }, { "SHA2-384", "sha384" },
	{ "SHA2-512", "sha512" },
};
static const struct {
	long long group;
	const char *name;
} dh_map[] = {
	{ 1, "modp768" }, { 2, "modp1024" }, { 5, "modp1536" }, { 14, "modp2048" },
	{ 15, "modp3072" }, { 16, "modp4096" }, { 19, "ecp256" }, { 20, "ecp384" },
	{ 21, "ecp521" }, { 31, "x25519" }, { 32, "x448" },
};

static const char *lookup(const char *const map[][2], size_t n, const char *v)
{
	for (size_t i = 0; v && i < n; i++)
		if (!strcmp(map[i][0], v))
			return map[i][1];
	return NULL;
}

/* IKESecurityAssociationParameters or ChildSecurityAssociationParameters as
 * one proposal (Apple's defaults: AES-256, SHA2-256, group 14). */
static void import_sa(struct rove_import *im, const struct rove_plist *sa, bool esp, bool pfs)
{
	const char *what = esp ? "ChildSecurityAssociationParameters" :
				 "IKESecurityAssociationParameters";
	const char *encr_s = rove_plist_str(sa, "EncryptionAlgorithm");
	const char *integ_s = rove_plist_str(sa, "IntegrityAlgorithm");
	const char *encr = encr_s ? lookup(encr_map, G_N_ELEMENTS(encr_map), encr_s) : "aes256";
	const char *integ = integ_s ? lookup(integ_map, G_N_ELEMENTS(integ_map), integ_s) :
				      "sha256";
	const char *dh = NULL;
	long long g = 14, minutes;
	char *prop;

	rove_plist_int(sa, "DiffieHellmanGroup", &g);
	for (size_t i = 0; i < G_N_ELEMENTS(dh_map); i++)
		if (dh_map[i].group == g)
			dh = dh_map[i].name;
	if (!encr || !integ || !dh) {
		rove_import_note(im, _("%s: %s is not an algorithm rove implements; rove's default "
				 "proposals are used"), what,
				 !encr ? encr_s : !integ ? integ_s : "the Diffie-Hellman group");
		return;
	}
	if (strstr(encr, "gcm"))
		prop = esp ? g_strdup_printf("%s%s%s", encr, pfs ? "-" : "", pfs ? dh : "") :
			     g_strdup_printf("%s-prf%s-%s", encr, integ, dh);
	else
		prop = esp ? g_strdup_printf("%s-%s%s%s", encr, integ, pfs ? "-" : "",
					     pfs ? dh : "") :
			     g_strdup_printf("%s-%s-%s", encr, integ, dh);
	set_checked(im, esp ? "esp" : "ike", prop, what);
	g_free(prop);
	if (rove_plist_int(sa, "LifeTimeInMinutes", &minutes) && minutes > 0 &&
	    minutes < 100000) {
		char v[32];

		snprintf(v, sizeof(v), "%lldm", minutes);
		set_checked(im, esp ? "child-rekey" : "ike-rekey", v, what);
	}
}

/* DER (or PEM) certificates as one PEM file. */
static void append_pem(GString *pem, const guint8 *d, gsize len)
{
	char *b;

	if (len > 10 && !memcmp(d, "-----BEGIN", 10)) {
		g_string_append_len(pem, (const char *)d, (gssize)len);
		if (d[len - 1] != '\n')
			g_string_append_c(pem, '\n');
		return;
	}
	b = g_base64_encode(d, len);
	g_string_append(pem, "-----BEGIN CERTIFICATE-----\n");
	for (size_t i = 0, n = strlen(b); i < n; i += 64) {
		g_string_append_len(pem, b + i, (gssize)MIN(64, n - i));
		g_string_append_c(pem, '\n');
	}
	g_string_append(pem, "-----END CERTIFICATE-----\n");
	g_free(b);
}

static bool is_cert_payload(const char *type)
{
	return type && (!strcmp(type, "com.apple.security.root") ||
			!strcmp(type, "com.apple.security.pem") ||
			!strcmp(type, "com.apple.security.pkcs1"));
}

/* Our PKCS#12 (the payload PayloadCertificateUUID names) and the CAs. */
static void import_certs(struct rove_import *im, const struct rove_plist *content,
			 const char *cert_uuid)
{
	GString *cas = g_string_new(NULL);
	bool have_p12 = false;

	for (guint i = 0; i < content->items->len; i++) {
		const struct rove_plist *pl = content->items->pdata[i];
		const char *type = rove_plist_str(pl, "PayloadType");
		const char *uuid = rove_plist_str(pl, "PayloadUUID");
		gsize len = 0;
		guint8 *d;

		if (type && !strcmp(type, "com.apple.security.pkcs12")) {
			if (!cert_uuid || !uuid || strcmp(uuid, cert_uuid)) {
				rove_import_note(im, _("a PKCS#12 payload (%.64s) that the VPN "
						 "payload does not use was not imported"),
						 uuid ? uuid : "no UUID");
				continue;
			}
			d = rove_plist_data(pl, "PayloadContent", &len);
			if (!d) {
				rove_import_note(im, _("the PKCS#12 payload is empty"));
				continue;
			}
			rove_import_add_file(im, "cert", ".p12", d, len, true);
			explicit_bzero(d, len);
			g_free(d);
			have_p12 = true;
			if (rove_plist_str(pl, "Password"))
				rove_import_set_secret(im, "key-password",
						       rove_plist_str(pl, "Password"));
		} else if (is_cert_payload(type)) {
			d = rove_plist_data(pl, "PayloadContent", &len);
			if (d)
				append_pem(cas, d, len);
			g_free(d);
		}
	}
	if (cas->len)
		rove_import_add_file(im, "ca", "-ca.pem", cas->str, cas->len, false);
	if (cert_uuid && !have_p12)
		rove_import_note(im, _("PayloadCertificateUUID names no PKCS#12 payload in the "
				 "file; set cert before connecting"));
	g_string_free(cas, TRUE);
}

/* AuthenticationMethod and ExtendedAuthEnabled as rove's auth. */
static int import_auth(struct rove_import *im, const struct rove_plist *ike, struct rove_err *err)
{
	const char *method = rove_plist_str(ike, "AuthenticationMethod");
	long long ext = 0;

	rove_plist_int(ike, "ExtendedAuthEnabled", &ext);
	if (!method)
		method = "None";
	if (!strcmp(method, "SharedSecret")) {
		rove_import_set(im, "auth", "psk");
		if (rove_plist_str(ike, "SharedSecret"))
			rove_import_set_secret(im, "psk", rove_plist_str(ike, "SharedSecret"));
		if (ext)
			rove_import_note(im, _("ExtendedAuthEnabled with a shared secret: rove "
					 "authenticates with the shared secret alone"));
	} else if (!strcmp(method, "Certificate")) {
		rove_import_set(im, "auth", ext ? "eap-tls" : "pubkey");
	} else if (!strcmp(method, "None") && ext) {
		rove_import_set(im, "auth", "eap-mschapv2");
	} else {
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("AuthenticationMethod %.64s%s: rove "
				    "cannot authenticate that way"), method,
				    ext ? "" : " without ExtendedAuthEnabled");
	}
	if (rove_plist_str(ike, "AuthName") && ext && strcmp(method, "SharedSecret"))
		set_checked(im, strcmp(method, "Certificate") ? "user" : "local-id",
			    rove_plist_str(ike, "AuthName"), "AuthName");
	if (rove_plist_str(ike, "AuthPassword") && ext && !strcmp(method, "None"))
		rove_import_set_secret(im, "password", rove_plist_str(ike, "AuthPassword"));
	return 0;
}

/* Keys import_vpn maps itself or that say nothing rove needs. */
static const char *const handled[] = {
	"RemoteAddress", "RemoteIdentifier", "LocalIdentifier", "AuthenticationMethod",
	"ExtendedAuthEnabled", "AuthName", "AuthPassword", "SharedSecret",
	"PayloadCertificateUUID", "IKESecurityAssociationParameters",
	"ChildSecurityAssociationParameters", "DeadPeerDetectionRate", "DisableMOBIKE",
	"EnablePFS", "StrictRevocationCheck", "TLSMaximumVersion", "TLSMinimumVersion", NULL,
};

static void note_rest(struct rove_import *im, const struct rove_plist *ike)
{
	for (guint i = 0; i < ike->keys->len; i++) {
		const char *k = ike->keys->pdata[i];
		const char *const *h = handled;
		long long v;

		while (*h && strcmp(*h, k))
			h++;
		/* a switch left off (OnDemandEnabled 0, DisableRedirect 0) asks
		 * for nothing rove does not do */
		if (*h || (rove_plist_int(ike, k, &v) && v == 0))
			continue;
		if (!strcmp(k, "ServerCertificateIssuerCommonName") ||
		    !strcmp(k, "ServerCertificateCommonName"))
			rove_import_note(im, _("%s: rove checks the gateway's certificate "
					 "against ca and remote-id"), k);
		else if (!strcmp(k, "CertificateType"))
			rove_import_note(im, _("CertificateType: rove takes the key type from the "
					 "certificate itself"));
		else if (!strcmp(k, "EnableCertificateRevocationCheck"))
			rove_import_note(im, _("EnableCertificateRevocationCheck: rove checks "
					 "revocation as its crl and ocsp keys say"));
		else if (!strcmp(k, "DisableRedirect"))
			rove_import_note(im, _("DisableRedirect: rove always follows a gateway's "
					 "redirect (RFC 5685)"));
		else if (!strcmp(k, "OnDemandEnabled") || !strcmp(k, "OnDemandRules"))
			rove_import_note(im, _("%s: rove connects when asked (rove up, "
					 "NetworkManager)"), k);
		else
			rove_import_note(im, _("%s: not known to rove, ignored"), k);
	}
}

static int import_vpn(struct rove_import *im, const struct rove_plist *ike,
		      const struct rove_plist *content, struct rove_err *err)
{
	const char *addr = rove_plist_str(ike, "RemoteAddress"), *dpd;
	long long v = 0, pfs = 0;
	char msg[512];

	if (!addr)
		return rove_err_set(err, ROVE_E_PARSE, _("the IKEv2 payload has no RemoteAddress "
				    "(the gateway)"));
	if (rove_key_check("server", addr, false, msg, sizeof(msg)))
		return rove_err_set(err, ROVE_E_PARSE, _("RemoteAddress: %s"), msg);
	rove_import_set(im, "server", addr);
	if (rove_plist_str(ike, "RemoteIdentifier"))
		set_checked(im, "remote-id", rove_plist_str(ike, "RemoteIdentifier"),
			    "RemoteIdentifier");
	if (rove_plist_str(ike, "LocalIdentifier"))
		set_checked(im, "local-id", rove_plist_str(ike, "LocalIdentifier"),
			    "LocalIdentifier");
	if (import_auth(im, ike, err) < 0)
		return -1;
	rove_plist_int(ike, "EnablePFS", &pfs);
	if (rove_plist_get(ike, "IKESecurityAssociationParameters"))
		import_sa(im, rove_plist_get(ike, "IKESecurityAssociationParameters"), false,
			  false);
	if (rove_plist_get(ike, "ChildSecurityAssociationParameters"))
		import_sa(im, rove_plist_get(ike, "ChildSecurityAssociationParameters"), true,
			  pfs != 0);
	dpd = rove_plist_str(ike, "DeadPeerDetectionRate");
	if (dpd) {
		const char *s = !strcmp(dpd, "None") ? "0" : !strcmp(dpd, "Low") ? "1800" :
				!strcmp(dpd, "Medium") ? "600" : !strcmp(dpd, "High") ? "60" : NULL;

		if (s)
			rove_import_set(im, "dpd", s);
		else
			rove_import_note(im, _("DeadPeerDetectionRate %.32s: not a rate Apple "
					 "defines; rove's default is used"), dpd);
	}
	if (rove_plist_int(ike, "DisableMOBIKE", &v) && v)
		rove_import_set(im, "mobike", "no");
	if (rove_plist_int(ike, "StrictRevocationCheck", &v) && v)
		rove_import_set(im, "ocsp", "require");
	if (rove_plist_str(ike, "TLSMaximumVersion") &&
	    !strcmp(rove_plist_str(ike, "TLSMaximumVersion"), "1.3"))
		rove_import_set(im, "eap-tls-version", "1.3");
	import_certs(im, content, rove_plist_str(ike, "PayloadCertificateUUID"));
	note_rest(im, ike);
	return 0;
}

struct rove_import *rove_import_mobileconfig(const char *buf, size_t len, const char *path,
					     struct rove_err *err)
{
	struct rove_plist *root = rove_plist_parse(buf, len, err);
	const struct rove_plist *content, *vpn = NULL;
	struct rove_import *im;
	const char *name;

	if (!root)
		return NULL;
	content = rove_plist_get(root, "PayloadContent");
	if (!content || content->type != ROVE_PLIST_ARRAY) {
		rove_plist_free(root);
		return rove_err_set(err, ROVE_E_PARSE, _("not a configuration profile: no "
				    "PayloadContent array")), NULL;
	}
	im = rove_import_new(ROVE_IMPORT_MOBILECONFIG, path);
	for (guint i = 0; i < content->items->len; i++) {
		const struct rove_plist *pl = content->items->pdata[i];
		const char *type = rove_plist_str(pl, "PayloadType");
		const char *vtype = rove_plist_str(pl, "VPNType");

		if (!type || strcmp(type, "com.apple.vpn.managed"))
			continue;
		if (!vtype || strcmp(vtype, "IKEv2") || !rove_plist_get(pl, "IKEv2"))
			rove_import_note(im, _("a VPN payload of type %.32s is not IKEv2; skipped"),
					 vtype ? vtype : "(none)");
		else if (vpn)
			rove_import_note(im, _("a second IKEv2 payload (%.64s) was not imported: "
					 "import one VPN per profile"),
					 rove_plist_str(pl, "UserDefinedName") ?
					 rove_plist_str(pl, "UserDefinedName") : "unnamed");
		else
			vpn = pl;
	}
	if (!vpn) {
		rove_import_free(im);
		rove_plist_free(root);
		return rove_err_set(err, ROVE_E_PARSE, _("the profile has no IKEv2 VPN payload "
				    "(PayloadType com.apple.vpn.managed, VPNType IKEv2)")), NULL;
	}
	name = rove_plist_str(vpn, "UserDefinedName");
	name = name ? name : rove_plist_str(root, "PayloadDisplayName");
	if (name) {
		g_free(im->name);
		im->name = rove_import_safe_name(name);
	}
	if (import_vpn(im, rove_plist_get(vpn, "IKEv2"), content, err) < 0) {
		rove_import_free(im);
		im = NULL;
	}
	rove_plist_free(root);
	return im;
}
