/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strongSwan's .sswan profiles: the JSON its Android app imports
 * (VpnProfileImportActivity): uuid, name, type, remote {addr, port, id,
 * cert, certreq, revocation}, local {eap_id, id, p12, rsa-pss},
 * ike-proposal, esp-proposal, mtu, nat-keepalive, split-tunneling {subnets,
 * excluded, block-ipv4, block-ipv6}, apps, excluded-apps, dns-servers. */
#include "import.h"

#include <glib/gi18n-lib.h>

#include <json-glib/json-glib.h>
#include <string.h>

static const char *obj_str(JsonObject *o, const char *key)
{
	JsonNode *n = o ? json_object_get_member(o, key) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static JsonObject *obj_obj(JsonObject *o, const char *key)
{
	JsonNode *n = o ? json_object_get_member(o, key) : NULL;

	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* The type and what it needs: a user name, a certificate. */
static const struct {
	const char *type, *auth;
	bool user, cert;
	const char *note;
} types[] = {
	{ "ikev2-eap", "eap-mschapv2", true, false, NULL },
	{ "ikev2-cert", "pubkey", false, true, NULL },
	{ "ikev2-eap-tls", "eap-tls", false, true, NULL },
	/* the certificate round is dropped, and with it local.id and local.p12 */
	{ "ikev2-cert-eap", "eap-mschapv2", true, false,
	  "type ikev2-cert-eap: rove cannot authenticate with a certificate and then EAP (two "
	  "rounds, RFC 4739); imported as EAP-MSCHAPv2 alone, which the gateway may refuse" },
	{ "ikev2-byod-eap", "eap-mschapv2", true, false,
	  "type ikev2-byod-eap: rove does no BYOD/TNC assessment; imported as EAP-MSCHAPv2" },
};

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

/* remote.cert: PEM or DER, base64. rove's ca= wants PEM. */
static void import_remote_cert(struct rove_import *im, const char *b64)
{
	gsize len = 0;
	guint8 *der = g_base64_decode(b64, &len);
	char *pem;

	if (!len) {
		rove_import_note(im, _("remote.cert is not base64; no CA imported"));
		g_free(der);
		return;
	}
	if (len > 10 && !memcmp(der, "-----BEGIN", 10)) {
		rove_import_add_file(im, "ca", "-ca.pem", der, len, false);
		g_free(der);
		return;
	}
	if (der[0] != 0x30) {
		rove_import_note(im, _("remote.cert is neither a PEM nor a DER certificate; no CA "
				 "imported"));
		g_free(der);
		return;
	}
	{
		char *b = g_base64_encode(der, len);
		GString *s = g_string_new("-----BEGIN CERTIFICATE-----\n");

		for (size_t i = 0, n = strlen(b); i < n; i += 64) {
			g_string_append_len(s, b + i, (gssize)MIN(64, n - i));
			g_string_append_c(s, '\n');
		}
		g_string_append(s, "-----END CERTIFICATE-----\n");
		pem = g_string_free(s, FALSE);
		rove_import_add_file(im, "ca", "-ca.pem", pem, strlen(pem), false);
		g_free(b);
		g_free(pem);
	}
	g_free(der);
}

static void import_remote(struct rove_import *im, JsonObject *remote)
{
	JsonObjectIter it;
	const char *name;
	JsonNode *v;

	json_object_iter_init(&it, remote);
	while (json_object_iter_next(&it, &name, &v)) {
		if (!strcmp(name, "addr")) {
			continue;
		} else if (!strcmp(name, "id") && obj_str(remote, "id")) {
			set_checked(im, "remote-id", obj_str(remote, "id"), "remote.id");
		} else if (!strcmp(name, "cert") && obj_str(remote, "cert")) {
			import_remote_cert(im, obj_str(remote, "cert"));
		} else if (!strcmp(name, "port") && JSON_NODE_HOLDS_VALUE(v) &&
			   json_node_get_int(v) == 500) {
			continue;
		} else if (!strcmp(name, "port")) {
			rove_import_note(im, _("remote.port: rove always uses ports 500 and 4500"));
		} else if (!strcmp(name, "certreq")) {
			rove_import_note(im, _("remote.certreq: rove always sends certificate "
					 "requests"));
		} else if (!strcmp(name, "revocation")) {
			rove_import_note(im, _("remote.revocation: rove checks revocation as its "
					 "crl and ocsp keys say (docs/profile.md)"));
		} else {
			rove_import_note(im, _("remote.%s: not known to rove, ignored"), name);
		}
	}
}

static void import_local(struct rove_import *im, JsonObject *local, const char *type, bool user,
			 bool cert)
{
	JsonObjectIter it;
	const char *name;
	JsonNode *v;

	json_object_iter_init(&it, local);
	while (json_object_iter_next(&it, &name, &v)) {
		const char *s = obj_str(local, name);

		if (!strcmp(name, "eap_id") && s && user) {
			set_checked(im, "user", s, "local.eap_id");
		} else if (!strcmp(name, "id") && s && cert) {
			set_checked(im, "local-id", s, "local.id");
		} else if (!strcmp(name, "p12") && s && cert) {
			gsize len = 0;
			guint8 *p12 = g_base64_decode(s, &len);

			if (len) {
				rove_import_add_file(im, "cert", ".p12", p12, len, true);
				rove_import_note(im, _("local.p12: the bundle's password is not "
						 "in the file; rove asks for it when it "
						 "connects (or set key-password)"));
			} else {
				rove_import_note(im, _("local.p12 is not base64; no certificate "
						 "imported"));
			}
			if (p12)
				explicit_bzero(p12, len);
			g_free(p12);
		} else if (!strcmp(name, "rsa-pss")) {
			rove_import_note(im, _("local.rsa-pss: rove picks the signature scheme "
					 "itself (RFC 7427)"));
		} else {
			rove_import_note(im, _("local.%s: not used by type %s, ignored"), name, type);
		}
	}
}

/* split-tunneling.subnets: an array of strings or one string, separated by
 * spaces; ranges (a-b) have no rove equivalent. */
static void import_subnets(struct rove_import *im, JsonObject *split)
{
	JsonNode *n = json_object_get_member(split, "subnets");
	GString *joined = g_string_new(NULL);
	GString *routes = g_string_new(NULL);
	char **parts;

	if (n && JSON_NODE_HOLDS_ARRAY(n)) {
		JsonArray *a = json_node_get_array(n);

		for (guint i = 0; i < json_array_get_length(a); i++) {
			JsonNode *e = json_array_get_element(a, i);

			/* an entry may be a range written with spaces, "a - b" */
			if (JSON_NODE_HOLDS_VALUE(e) &&
			    json_node_get_value_type(e) == G_TYPE_STRING) {
				char **w = g_strsplit(json_node_get_string(e), " ", -1);
				char *j = g_strjoinv("", w);

				g_string_append_printf(joined, " %s", j);
				g_free(j);
				g_strfreev(w);
			}
		}
	} else if (obj_str(split, "subnets")) {
		g_string_append(joined, obj_str(split, "subnets"));
	}
	parts = g_strsplit_set(joined->str, " ", -1);
	for (char **p = parts; *p; p++) {
		if (!**p)
			continue;
		if (strchr(*p, '-')) {
			rove_import_note(im, _("split-tunneling.subnets: the range %.100s has no "
					 "prefix form in rove"), *p);
			continue;
		}
		g_string_append_printf(routes, "%s%s", routes->len ? ", " : "", *p);
	}
	if (routes->len)
		set_checked(im, "routes", routes->str, "split-tunneling.subnets");
	g_strfreev(parts);
	g_string_free(joined, TRUE);
	g_string_free(routes, TRUE);
}

static void import_split(struct rove_import *im, JsonObject *split)
{
	JsonObjectIter it;
	const char *name;
	JsonNode *v;

	json_object_iter_init(&it, split);
	while (json_object_iter_next(&it, &name, &v)) {
		if (!strcmp(name, "subnets"))
			import_subnets(im, split);
		else if (!strcmp(name, "excluded"))
			rove_import_note(im, _("split-tunneling.excluded: rove cannot exclude "
					 "subnets from the tunnel; list what goes through it in "
					 "routes instead"));
		else if (!strcmp(name, "block-ipv4") || !strcmp(name, "block-ipv6"))
			rove_import_note(im, _("split-tunneling.%s: rove's leak-block (on by "
					 "default) blocks a family the gateway assigned no address "
					 "for"), name);
		else
			rove_import_note(im, _("split-tunneling.%s: not known to rove, ignored"),
					 name);
	}
}

static struct rove_import *fail(struct rove_import *im, struct rove_err *err, const char *msg)
{
	rove_import_free(im);
	rove_err_set(err, ROVE_E_PARSE, "%s", msg);
	return NULL;
}

struct rove_import *rove_import_sswan(const char *buf, size_t len, const char *path,
				      struct rove_err *err)
{
	JsonParser *parser = json_parser_new_immutable();
	struct rove_import *im = rove_import_new(ROVE_IMPORT_SSWAN, path);
	GError *e = NULL;
	JsonObject *root, *remote;
	JsonObjectIter it;
	const char *name, *type;
	JsonNode *v;
	size_t t;

	if (!json_parser_load_from_data(parser, buf, (gssize)len, &e)) {
		rove_err_set(err, ROVE_E_PARSE, _("not valid JSON: %s"), e->message);
		g_error_free(e);
		g_object_unref(parser);
		rove_import_free(im);
		return NULL;
	}
	v = json_parser_get_root(parser);
	if (!v || !JSON_NODE_HOLDS_OBJECT(v)) {
		g_object_unref(parser);
		return fail(im, err, "a .sswan profile is a JSON object");
	}
	root = json_node_get_object(json_parser_get_root(parser));
	type = obj_str(root, "type");
	remote = obj_obj(root, "remote");
	for (t = 0; type && t < G_N_ELEMENTS(types) && strcmp(types[t].type, type); t++)
		;
	if (!type || t == G_N_ELEMENTS(types)) {
		g_object_unref(parser);
		return fail(im, err, "the profile's type is missing or not one rove knows "
			    "(ikev2-eap, ikev2-cert, ikev2-cert-eap, ikev2-eap-tls, "
			    "ikev2-byod-eap)");
	}
	if (!obj_str(remote, "addr")) {
		g_object_unref(parser);
		return fail(im, err, "the profile has no remote.addr (the gateway)");
	}
	{
		struct rove_err e2;
		char msg[512];

		if (rove_key_check("server", obj_str(remote, "addr"), false, msg, sizeof(msg))) {
			rove_err_set(&e2, ROVE_E_PARSE, _("remote.addr: %s"), msg);
			g_object_unref(parser);
			rove_import_free(im);
			if (err)
				*err = e2;
			return NULL;
		}
	}
	rove_import_set(im, "server", obj_str(remote, "addr"));
	rove_import_set(im, "auth", types[t].auth);
	if (types[t].note)
		rove_import_note(im, "%s", types[t].note);
	if (obj_str(root, "name")) {
		g_free(im->name);
		im->name = rove_import_safe_name(obj_str(root, "name"));
	}
	json_object_iter_init(&it, root);
	while (json_object_iter_next(&it, &name, &v)) {
		const char *s = obj_str(root, name);

		if (!strcmp(name, "uuid") || !strcmp(name, "name") || !strcmp(name, "type"))
			continue;
		if (!strcmp(name, "remote"))
			import_remote(im, remote);
		else if (!strcmp(name, "local") && JSON_NODE_HOLDS_OBJECT(v))
			import_local(im, json_node_get_object(v), type, types[t].user,
				     types[t].cert);
		else if (!strcmp(name, "ike-proposal") && s)
			set_checked(im, "ike", s, "ike-proposal");
		else if (!strcmp(name, "esp-proposal") && s)
			set_checked(im, "esp", s, "esp-proposal");
		else if (!strcmp(name, "split-tunneling") && JSON_NODE_HOLDS_OBJECT(v))
			import_split(im, json_node_get_object(v));
		else if (!strcmp(name, "mtu"))
			rove_import_note(im, _("mtu: rove sizes the tunnel's MTU from the path"));
		else if (!strcmp(name, "nat-keepalive"))
			rove_import_note(im, _("nat-keepalive: rove sends NAT keepalives every "
					 "20 s"));
		else if (!strcmp(name, "apps") || !strcmp(name, "excluded-apps"))
			rove_import_note(im, _("%s: per-application VPN is Android's; rove tunnels "
					 "by address (routes)"), name);
		else if (!strcmp(name, "dns-servers"))
			rove_import_note(im, _("dns-servers: rove uses the DNS servers the gateway "
					 "assigns"));
		else
			rove_import_note(im, _("%s: not known to rove, ignored"), name);
	}
	if (types[t].user && !g_hash_table_contains(im->data, "user"))
		rove_import_note(im, _("no local.eap_id: set user before connecting"));
	if (types[t].cert && !im->files->len)
		rove_import_note(im, _("no local.p12: set cert (our certificate) before "
				 "connecting"));
	g_object_unref(parser);
	return im;
}
