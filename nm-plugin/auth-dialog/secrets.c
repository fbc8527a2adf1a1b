/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See secrets.h. */
#include "secrets.h"

#include <glib/gi18n-lib.h>
#include <NetworkManager.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"

static void secret_free(gpointer p)
{
	struct rove_auth_secret *s = p;

	if (s->value) {
		explicit_bzero(s->value, strlen(s->value));
		g_free(s->value);
	}
	g_free(s);
}

static NMSettingSecretFlags flags_of(GHashTable *data, const char *key)
{
	char *name = g_strdup_printf("%s-flags", key);
	const char *v = g_hash_table_lookup(data, name);
	long f = v ? strtol(v, NULL, 10) : 0;

	g_free(name);
	return f >= 0 && f <= 7 ? (NMSettingSecretFlags)f : NM_SETTING_SECRET_FLAG_NONE;
}

/* Our key (or PKCS#12 bundle) is encrypted: it needs key-password. */
static bool key_encrypted(GHashTable *data)
{
	const char *cert = g_hash_table_lookup(data, "cert");
	struct rove_err err;
	struct rove_cred *c;
	bool need = false;

	if (!cert)
		return false;
	c = rove_cred_load(cert, g_hash_table_lookup(data, "key"), NULL, 0, &need, &err);
	rove_cred_free(c);
	return need;
}

/* The secret the connection's authentication uses (auth=, else as the
 * profile infers it: user, then cert, then psk). */
static const char *auth_secret(GHashTable *data, GHashTable *secrets)
{
	const char *auth = g_hash_table_lookup(data, "auth");

	if (!auth)
		auth = g_hash_table_lookup(data, "user") ? "eap-mschapv2" :
		       g_hash_table_lookup(data, "cert") ? "pubkey" : "psk";
	if (!strcmp(auth, "eap-mschapv2"))
		return "password";
	if (!strcmp(auth, "psk"))
		return "psk";
	return key_encrypted(data) ? "key-password" : NULL;
}

static bool hinted(const char *const *hints, const char *key)
{
	for (; hints && *hints; hints++)
		if (!strcmp(*hints, key))
			return true;
	return false;
}

static bool any_secret_hint(const char *const *hints)
{
	for (; hints && *hints; hints++)
		if (!g_str_has_prefix(*hints, "x-vpn-message:"))
			return true;
	return false;
}

GPtrArray *rove_auth_plan(GHashTable *data, GHashTable *secrets, const char *const *hints,
			  bool reprompt)
{
	GPtrArray *plan = g_ptr_array_new_with_free_func(secret_free);
	const char *key = auth_secret(data, secrets);
	struct rove_auth_secret *s;

	if (!key)
		return plan;
	if (flags_of(data, key) & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)
		return plan;
	/* hints name what NetworkManager still needs; others are not asked */
	if (any_secret_hint(hints) && !hinted(hints, key))
		return plan;
	s = g_new0(struct rove_auth_secret, 1);
	s->key = key;
	s->label = !strcmp(key, "password") ? _("Password:") :
		   !strcmp(key, "psk") ? _("Pre-shared key:") : _("Key password:");
	s->value = g_strdup(g_hash_table_lookup(secrets, key));
	s->ask = !s->value || !*s->value || reprompt || hinted(hints, key) ||
		 (flags_of(data, key) & NM_SETTING_SECRET_FLAG_NOT_SAVED);
	g_ptr_array_add(plan, s);
	return plan;
}

char *rove_auth_external_ui(GPtrArray *plan, const char *name, const char *message)
{
	GKeyFile *kf = g_key_file_new();
	char *title = g_strdup_printf(_("Authenticate VPN %s"), name);
	char *desc = message ? g_strdup(message) :
			       g_strdup_printf(_("A password is required to connect to the VPN "
						 "“%s”."), name);
	char *out;

	g_key_file_set_integer(kf, "VPN Plugin UI", "Version", 2);
	g_key_file_set_string(kf, "VPN Plugin UI", "Description", desc);
	g_key_file_set_string(kf, "VPN Plugin UI", "Title", title);
	for (guint i = 0; i < plan->len; i++) {
		struct rove_auth_secret *s = plan->pdata[i];

		g_key_file_set_string(kf, s->key, "Value", s->value ? s->value : "");
		g_key_file_set_string(kf, s->key, "Label", s->label);
		g_key_file_set_boolean(kf, s->key, "IsSecret", TRUE);
		g_key_file_set_boolean(kf, s->key, "ShouldAsk", s->ask);
	}
	out = g_key_file_to_data(kf, NULL, NULL);
	g_key_file_free(kf);
	g_free(title);
	g_free(desc);
	return out;
}
