/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which secrets a rove connection needs from its user, from vpn.data,
 * the secrets already known, their NetworkManager flags and the hints
 * NetworkManager passed: the auth dialog's decisions, without GTK.
 *
 * Memory: rove_auth_plan() returns an array the caller frees with
 * rove_auth_plan_free(); values are wiped. */
#ifndef ROVE_AUTH_SECRETS_H
#define ROVE_AUTH_SECRETS_H

#include <glib.h>
#include <stdbool.h>

struct rove_auth_secret {
	const char *key;    /* "password", "psk", "key-password" */
	const char *label;  /* translated */
	char *value;        /* the known value, or NULL */
	bool ask;           /* the user must type it */
};

/* data, secrets: char * -> char * (vpn.data, vpn.secrets). hints: NULL or
 * NULL-terminated names of the secrets NetworkManager wants. reprompt: the
 * known values were refused, ask again. Returns a GPtrArray of struct
 * rove_auth_secret *, one for each secret the connection uses that is
 * not flagged "not required". */
GPtrArray *rove_auth_plan(GHashTable *data, GHashTable *secrets, const char *const *hints,
			  bool reprompt);

/* The "[VPN Plugin UI]" key file of --external-ui-mode (g_free). */
char *rove_auth_external_ui(GPtrArray *plan, const char *name, const char *message);

#endif
