/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A profile's defaults (rove_profile_init), and what is decided or checked
 * across keys once all are read (rove_profile_finish): the profile name,
 * the required keys, the authentication method inferred from the others,
 * the default routes. */
#include "profile.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>

/* The profile name inside path: its file name without the extension. */
static size_t name_of(const char *path, const char **name)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	*name = base;
	if (dot && (strcmp(dot, ".conf") == 0 || strcmp(dot, ".nmconnection") == 0))
		return (size_t)(dot - base);
	return strlen(base);
}

void rove_profile_init(struct rove_profile *p, const char *path)
{
	const char *name;
	size_t n;

	memset(p, 0, sizeof(*p));
	p->mobike = true;
	p->leak_block = true;
	p->dpd = 30;
	p->ike_rekey = ROVE_PROFILE_IKE_REKEY;
	p->child_rekey = ROVE_PROFILE_CHILD_REKEY;
	p->dpd_timeout = 15;
	p->reconnect = true;
	if (!path)
		return;
	snprintf(p->path, sizeof(p->path), "%s", path);
	n = name_of(p->path, &name);
	if (n < sizeof(p->name))
		snprintf(p->name, sizeof(p->name), "%.*s", (int)n, name);
}

static void default_routes(struct rove_profile *p)
{
	rove_prefix_parse("0.0.0.0/0", &p->routes[0]);
	rove_prefix_parse("::/0", &p->routes[1]);
	p->nroutes = 2;
}

int rove_profile_finish(struct rove_profile *p, struct rove_diags *diags)
{
	int rc = 0;

	const char *name;

	if (strlen(p->path) >= sizeof(p->path) - 1)
		rove_diags_add(diags, p->path, 0, "", _("path too long")), rc = -1;
	if (name_of(p->path, &name) >= sizeof(p->name))
		rove_diags_add(diags, p->path, 0, "", _("the file name is too long for a profile "
			         "name (at most %zu characters before .conf)"), sizeof(p->name) - 1),
			rc = -1;
	if (!p->server)
		rove_diags_add(diags, p->path, 0, "server",
			       _("missing (the gateway's host name or address)")), rc = -1;
	if (p->auth == ROVE_PROFILE_AUTH_AUTO) {
		if (p->user)
			p->auth = ROVE_PROFILE_AUTH_EAP_MSCHAPV2;
		else if (p->cert)
			p->auth = ROVE_PROFILE_AUTH_PUBKEY;
		else if (p->psk)
			p->auth = ROVE_PROFILE_AUTH_PSK;
		else
			rove_diags_add(diags, p->path, 0, "auth",
				       _("set user= (EAP-MSCHAPv2), cert= (certificate) or auth=psk")),
				rc = -1;
	} else if (p->auth == ROVE_PROFILE_AUTH_EAP_MSCHAPV2 && !p->user) {
		rove_diags_add(diags, p->path, 0, "user",
			       _("missing: auth=eap-mschapv2 needs the EAP user name")), rc = -1;
	} else if ((p->auth == ROVE_PROFILE_AUTH_PUBKEY || p->auth == ROVE_PROFILE_AUTH_EAP_TLS) &&
		   !p->cert) {
		rove_diags_add(diags, p->path, 0, "cert",
			       _("missing: auth=%s needs our certificate (a PEM or PKCS#12 file)"),
			       p->auth == ROVE_PROFILE_AUTH_PUBKEY ? "pubkey" : "eap-tls"), rc = -1;
	}
	if (p->key && !p->cert)
		rove_diags_add(diags, p->path, 0, "key", _("set without cert=: name the certificate "
			         "the key belongs to")), rc = -1;
	if (!p->nroutes)
		default_routes(p);
	return rc;
}
