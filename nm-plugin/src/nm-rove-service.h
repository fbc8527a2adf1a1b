/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-rove-service's parts: the plugin object (nm-rove-service.c), what it
 * tells NetworkManager (nm-rove-config.c: IP configuration, secrets) and
 * what it pushes to rove-statusd (nm-rove-push.c). */
#ifndef NM_ROVE_SERVICE_H
#define NM_ROVE_SERVICE_H

#include <NetworkManager.h>
#include <stdbool.h>

#include "profile.h"
#include "runner.h"

struct rove_status_client;

#define NM_DBUS_SERVICE_ROVE "org.freedesktop.NetworkManager.rove"

#define NM_TYPE_ROVE_SERVICE (nm_rove_service_get_type())
G_DECLARE_FINAL_TYPE(NMRoveService, nm_rove_service, NM, ROVE_SERVICE, NMVpnServicePlugin)

struct _NMRoveService {
	NMVpnServicePlugin parent;
	struct rove_runner *runner;
	struct rove_profile profile;  /* the runner's, secrets wiped after start */
	char *id, *uuid;              /* the NetworkManager connection's */
	char name[16];                /* the runner's session name (nmXXXXXXXX) */
	bool stopping, finished, failed;
	NMVpnPluginFailure fail_reason;
	/* ConnectInteractive: a refused password that NetworkManager's agent
	 * supplied (agent-owned or not saved) is asked for again through
	 * SecretsRequired, up to ROVE_NM_ASK_AGAIN times. */
	bool interactive;
	const char *agent_secret;     /* its key, NULL: not an agent's secret */
	unsigned asked_again;
	/* SHA-256 of the agent's secret the gateway saw last: an agent that
	 * answers the re-ask with the same one (from a keyring, without
	 * asking its user) fails at once instead of trying it again. */
	char *tried;
	guint refail_idle;
	guint free_idle;
	/* The connection's own IP settings (nm-rove-config.c). */
	bool never_default4, never_default6;
	bool no_ip6;                  /* ipv6.method ignore or disabled */
	/* rove-statusd (nm-rove-push.c). */
	struct rove_status_client *status;
	guint counters_timer;
};

/* nm-rove-service.c: the connection's profile from vpn.data (and with
 * with_secrets vpn.secrets); -1 with error naming every problem. The
 * caller frees p with rove_profile_free either way. */
int rove_nm_profile(NMConnection *conn, bool with_secrets, struct rove_profile *p,
		    GError **error);

/* nm-rove-config.c */
/* Notes the connection's ipv4/ipv6 never-default and whether IPv6 is
 * off in it (ipv6.method ignore or disabled). */
void rove_nm_read_ip_settings(NMRoveService *self, NMConnection *conn);
/* With IPv6 off, leaves the IPv6 prefixes out of p's routes, so that the
 * session asks the gateway for no IPv6 address or selector. FALSE with
 * error when no route is left. */
gboolean rove_nm_limit_families(NMRoveService *self, struct rove_profile *p, GError **error);
/* Sends the generic, IPv4 and IPv6 configuration to NetworkManager. */
void rove_nm_send_config(NMRoveService *self, const struct rove_runner_ipconfig *ip);
/* Whether a secret the connection needs is missing and may be asked for
 * (per its flags); hints[0] gets the secret's key name. FALSE with *error
 * set when vpn.data itself is wrong. */
gboolean rove_nm_missing_secret(NMConnection *conn, const char **hints, GError **error);
/* The key of the secret the connection needs when its flags make it an
 * agent's (agent-owned or not saved), else NULL (a static string). */
const char *rove_nm_agent_secret(NMConnection *conn);

/* nm-rove-push.c: the connection's state for rove-statusd
 * (docs/status-dbus.md), fire and forget. */
void rove_nm_status_begin(NMRoveService *self, const struct rove_profile *p);
void rove_nm_status_state(NMRoveService *self, enum rove_runner_state st, const char *msg,
			  enum rove_fail reason);
void rove_nm_status_ipconfig(NMRoveService *self, const struct rove_runner_ipconfig *ip);
void rove_nm_status_stop(NMRoveService *self);   /* no more counters */
void rove_nm_status_free(NMRoveService *self);

#endif
