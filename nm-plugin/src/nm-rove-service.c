/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-rove-service: NetworkManager's VPN service for rove connections, an
 * NMVpnServicePlugin on org.freedesktop.NetworkManager.rove (or the
 * per-connection name NetworkManager passes with --bus-name: the .name file
 * says supports-multiple-connections, so each active connection has a
 * process of its own).
 *
 * vpn.data and vpn.secrets go through the profile parser and checks of
 * `rove check` (rove_profile_from_pairs); the session runs in the runner
 * (core/runner/runner.h) on this process's main context, with
 * apply_system off: NetworkManager applies the addresses, routes and DNS
 * we report to the tunnel device. Each connection's state also goes to
 * rove-statusd (docs/status-dbus.md, nm-rove-push.c). */
#include "nm-rove-service.h"

#include <NetworkManager.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cred.h"
#include "rundir.h"
#include "zygote.h"

G_DEFINE_TYPE(NMRoveService, nm_rove_service, NM_TYPE_VPN_SERVICE_PLUGIN)

/* Never log a secret: the engine's lines carry none; ours name keys only. */
static void on_say(void *data, char kind, const char *msg)
{
	NMRoveService *self = data;

	if (kind == 'f')
		g_warning("rove: %s: %s", self->id, msg);
	else if (kind == 'p')
		g_message("rove: %s: %s", self->id, msg);
	else
		g_debug("rove: %s: %s", self->id, msg);
}

/* NetworkManager's failure reasons for the engine's. */
static NMVpnPluginFailure failure_reason(enum rove_fail f)
{
	switch (f) {
	case ROVE_FAIL_AUTH_FAILED:
		return NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED;
	case ROVE_FAIL_NO_VIP:
	case ROVE_FAIL_TS_UNACCEPTABLE:
		return NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG;
	default:
		return NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED;
	}
}

static void on_state(void *data, enum rove_runner_state st, const char *msg,
		     enum rove_fail reason)
{
	NMRoveService *self = data;

	rove_nm_status_state(self, st, msg, reason);
	if (st == ROVE_RUNNER_FAILED && !self->stopping) {
		/* The sentence is in our log line next to NetworkManager's;
		 * NetworkManager hears of it once the runner has cleaned up. */
		g_warning("rove: %s: connection failed (%s): %s", self->id,
			  reason == ROVE_FAIL_NONE ? "error" : rove_fail_name(reason), msg);
		self->failed = true;
		self->fail_reason = failure_reason(reason);
	}
}

static void on_ipconfig(void *data, const struct rove_runner_ipconfig *ip)
{
	NMRoveService *self = data;

	rove_nm_send_config(self, ip);
	rove_nm_status_ipconfig(self, ip);
}

/* The runner keeps pointers into the profile it was built from (the
 * server's name, for its messages): the profile goes with it. */
static void free_runner(NMRoveService *self)
{
	if (self->free_idle)
		g_source_remove(self->free_idle);
	self->free_idle = 0;
	rove_runner_free(self->runner);
	self->runner = NULL;
	rove_profile_free(&self->profile);
	rove_profile_init(&self->profile, NULL);
}

static gboolean free_runner_idle(gpointer data)
{
	NMRoveService *self = data;

	self->free_idle = 0;
	free_runner(self);
	return G_SOURCE_REMOVE;
}

static void report_failure(NMRoveService *self)
{
	/* libnm's failure() in the starting state adds a second, generic
	 * "connect failed" that overrides ours in NetworkManager (nmcli then
	 * says "Unknown reason"): stop first, so only our reason goes out. */
	g_object_set(self, NM_VPN_SERVICE_PLUGIN_STATE, NM_VPN_SERVICE_STATE_STOPPING, NULL);
	nm_vpn_service_plugin_failure(NM_VPN_SERVICE_PLUGIN(self), self->fail_reason);
	g_object_set(self, NM_VPN_SERVICE_PLUGIN_STATE, NM_VPN_SERVICE_STATE_STOPPED, NULL);
}

/* The digest of the connection's agent secret (NULL when it has none). */
static char *secret_digest(NMRoveService *self, NMConnection *conn)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(conn);
	const char *v = self->agent_secret && s_vpn ?
			nm_setting_vpn_get_secret(s_vpn, self->agent_secret) : NULL;

	return v && *v ? g_compute_checksum_for_string(G_CHECKSUM_SHA256, v, -1) : NULL;
}

/* How often a refused password is asked for again in one activation. */
#define ROVE_NM_ASK_AGAIN 2

/* The gateway refused the secret NetworkManager's agent gave us, and
 * NetworkManager called ConnectInteractive: rather than fail, ask the
 * agent again through SecretsRequired (the user typed it wrong); the
 * answer comes back in NewSecrets, which starts a new session. A secret
 * saved in the connection (flags 0) is not asked for: the agent would not
 * hold it. */
static bool ask_again(NMRoveService *self)
{
	const char *hints[2] = { self->agent_secret, NULL };
	char *message;

	if (!self->interactive || !self->agent_secret ||
	    self->fail_reason != NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED ||
	    self->asked_again >= ROVE_NM_ASK_AGAIN)
		return false;
	self->asked_again++;
	g_message("rove: %s: asking NetworkManager's agent for the %s again (%u of %u)", self->id,
		  self->agent_secret, self->asked_again, ROVE_NM_ASK_AGAIN);
	message = g_strdup_printf(strcmp(self->agent_secret, "psk") == 0
				  ? "The gateway refused the pre-shared key for the VPN connection \"%s\". Enter it again."
				  : "The gateway refused the password for the VPN connection \"%s\". Enter it again.",
				  self->id);
	nm_vpn_service_plugin_secrets_required(NM_VPN_SERVICE_PLUGIN(self), message, hints);
	g_free(message);
	return true;
}

static void on_finished(void *data, int code)
{
	NMRoveService *self = data;
	bool asked = self->stopping;

	self->finished = true;
	rove_nm_status_stop(self);
	/* Not from inside the runner's own callback. */
	if (!self->free_idle)
		self->free_idle = g_idle_add(free_runner_idle, self);
	/* The gateway closed us or we failed: tell NetworkManager the
	 * connection is over (it asked itself when stopping is set). Both
	 * end in our disconnect(), which finds nothing left to stop. */
	if (asked)
		return;
	if (self->failed && ask_again(self))
		return;
	if (self->failed)
		report_failure(self);
	else
		nm_vpn_service_plugin_disconnect(NM_VPN_SERVICE_PLUGIN(self), NULL);
}

/* The agent answered the re-ask with the secret the gateway refused:
 * NewSecrets has returned, now the activation fails as the refusal did. */
static gboolean refail_idle(gpointer data)
{
	NMRoveService *self = data;

	self->refail_idle = 0;
	report_failure(self);
	return G_SOURCE_REMOVE;
}

static const struct rove_runner_callbacks callbacks = {
	.say = on_say,
	.state = on_state,
	.ipconfig = on_ipconfig,
	.finished = on_finished,
};

/* The keys and values of one of the setting's dictionaries, as
 * rove_profile_from_pairs takes them. */
struct pairs {
	GPtrArray *kv;
};

/* libnm hands the callback copies that it frees afterwards: keep ours. */
static void add_pair(const char *key, const char *value, gpointer data)
{
	struct pairs *p = data;

	g_ptr_array_add(p->kv, g_strdup(key));
	g_ptr_array_add(p->kv, g_strdup(value));
}

/* Secrets among them: wiped before they are freed. */
static void free_wiped(gpointer s)
{
	if (s)
		rove_wipe(s, strlen(s));
	g_free(s);
}

/* The profile of a connection: 0, or -1 with every problem in err (each
 * naming its vpn.data key). with_secrets false: vpn.data alone (for
 * NeedSecrets, before NetworkManager has them). */
int rove_nm_profile(NMConnection *conn, bool with_secrets, struct rove_profile *p,
		    GError **error)
{
	NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(conn);
	struct pairs data = { g_ptr_array_new_with_free_func(free_wiped) };
	struct pairs sec = { g_ptr_array_new_with_free_func(free_wiped) };
	struct rove_diags *diags = g_new0(struct rove_diags, 1);
	int rc = 0;

	if (!s_vpn) {
		g_set_error_literal(error, NM_VPN_PLUGIN_ERROR,
				    NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
				    "the connection has no vpn setting");
		rove_profile_init(p, NULL);
		rc = -1;
		goto out;
	}
	nm_setting_vpn_foreach_data_item(s_vpn, add_pair, &data);
	if (with_secrets)
		nm_setting_vpn_foreach_secret(s_vpn, add_pair, &sec);
	if (rove_profile_from_pairs(p, nm_connection_get_id(conn),
				    (const char *const *)data.kv->pdata, data.kv->len / 2,
				    (const char *const *)sec.kv->pdata, sec.kv->len / 2, diags) < 0) {
		GString *all = g_string_new("");

		for (size_t i = 0; i < diags->n && i < ROVE_MAX_DIAGS; i++) {
			char text[1024];

			rove_diag_format(&diags->d[i], text, sizeof(text));
			g_string_append_printf(all, "%s%s", i ? "; " : "", text);
		}
		g_set_error(error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			    "%s", all->str);
		g_string_free(all, TRUE);
		rc = -1;
	}
out:
	g_ptr_array_free(data.kv, TRUE);
	g_ptr_array_free(sec.kv, TRUE);
	g_free(diags);
	return rc;
}

/* The runner's session name: short (the TUN is rove-NAME, 15 bytes at
 * most) and stable per connection, so a crashed service's leftovers are
 * found again by the next activation. */
static void session_name(NMConnection *conn, char *out, size_t len)
{
	const char *uuid = nm_connection_get_uuid(conn);
	size_t n = 0;

	snprintf(out, len, "nm");
	for (; uuid && *uuid && n < 8; uuid++) {
		if (*uuid == '-')
			continue;
		if (strlen(out) + 1 < len)
			strncat(out, uuid, 1);
		n++;
	}
}

static gboolean fail_connect(GError **error, int code, const char *msg)
{
	g_warning("rove: %s", msg);
	g_set_error_literal(error, NM_VPN_PLUGIN_ERROR, code, msg);
	return FALSE;
}

static struct rove_cred *load_cred(const struct rove_profile *p, GError **error)
{
	struct rove_cred *c;
	struct rove_err err;

	c = rove_cred_load(p->cert, p->key, p->key_password, p->key_password_len, NULL, &err);
	if (!c)
		fail_connect(error, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS, err.msg);
	return c;
}

static void wipe_secret(char **s, size_t *len)
{
	if (*s)
		rove_wipe(*s, strlen(*s));
	free(*s);
	*s = NULL;
	*len = 0;
}

static gboolean start(NMRoveService *self, NMConnection *conn, GError **error)
{
	struct rove_runner_options o = { 0 };
	struct rove_profile *p = &self->profile;
	bool config_error = false;
	struct rove_err err;
	gboolean ok = FALSE;

	if (self->runner)
		return fail_connect(error, NM_VPN_PLUGIN_ERROR_WRONG_STATE,
				    "this connection is already active");
	rove_profile_free(p);
	if (rove_nm_profile(conn, true, p, error) < 0) {
		g_warning("rove: %s: %s", nm_connection_get_id(conn), (*error)->message);
		return FALSE;
	}
	g_free(self->id);
	g_free(self->uuid);
	self->id = g_strdup(nm_connection_get_id(conn));
	self->uuid = g_strdup(nm_connection_get_uuid(conn));
	rove_nm_read_ip_settings(self, conn);
	self->agent_secret = rove_nm_agent_secret(conn);
	g_free(self->tried);
	self->tried = secret_digest(self, conn);
	session_name(conn, self->name, sizeof(self->name));
	if (!rove_nm_limit_families(self, p, error)) {
		g_warning("rove: %s: %s", self->id, (*error)->message);
		goto out;
	}
	if (p->auth == ROVE_PROFILE_AUTH_EAP_MSCHAPV2 && !p->password_len) {
		fail_connect(error, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
			     "no password: vpn.secrets key 'password' is empty");
		goto out;
	}
	if ((p->auth == ROVE_PROFILE_AUTH_PUBKEY || p->auth == ROVE_PROFILE_AUTH_EAP_TLS) &&
	    !(o.cred = load_cred(p, error)))
		goto out;
	/* What a crashed earlier service of this connection left behind. */
	if (rove_run_dir_create(&err) < 0 || rove_cleanup_stale(self->name, rove_run_dir(), &err) < 0)
		g_message("rove: %s: %s", self->id, err.msg);
	o.name = self->name;
	o.apply_system = false;
	o.password = p->password;
	o.password_len = p->password_len;
	self->runner = rove_runner_new(p, &o, &config_error, &err);
	if (!self->runner) {
		fail_connect(error, config_error ? NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS
						 : NM_VPN_PLUGIN_ERROR_LAUNCH_FAILED, err.msg);
		goto out;
	}
	self->stopping = self->finished = self->failed = false;
	rove_nm_status_begin(self, p);
	if (rove_runner_start(self->runner, g_main_context_default(), &callbacks, self, &err) < 0) {
		rove_runner_free(self->runner);
		self->runner = NULL;
		rove_nm_status_state(self, ROVE_RUNNER_FAILED, err.msg, ROVE_FAIL_INTERNAL);
		fail_connect(error, NM_VPN_PLUGIN_ERROR_LAUNCH_FAILED, err.msg);
		goto out;
	}
	ok = TRUE;
out:
	/* The session holds its own copies of the secrets; the rest of the
	 * profile lives as long as the runner (free_runner). */
	if (ok) {
		wipe_secret(&p->password, &p->password_len);
		wipe_secret(&p->psk, &p->psk_len);
		wipe_secret(&p->key_password, &p->key_password_len);
	} else {
		rove_profile_free(p);
		rove_profile_init(p, NULL);
	}
	return ok;
}

static gboolean real_connect(NMVpnServicePlugin *plugin, NMConnection *conn, GError **error)
{
	NMRoveService *self = NM_ROVE_SERVICE(plugin);

	self->interactive = false;
	self->asked_again = 0;
	return start(self, conn, error);
}

static gboolean real_connect_interactive(NMVpnServicePlugin *plugin, NMConnection *conn,
					 GVariant *details, GError **error)
{
	NMRoveService *self = NM_ROVE_SERVICE(plugin);
	const char *hints[2] = { NULL };
	char *message;

	self->interactive = true;
	self->asked_again = 0;
	if (!rove_nm_missing_secret(conn, hints, error))
		return start(self, conn, error);
	if (error && *error)
		return FALSE;
	/* The agent asks; NewSecrets brings them back (real_new_secrets).
	 * NetworkManager adds the message to the hints as x-vpn-message:. */
	message = g_strdup_printf("Password for the VPN connection \"%s\"",
				  nm_connection_get_id(conn));
	nm_vpn_service_plugin_secrets_required(plugin, message, hints);
	g_free(message);
	return TRUE;
}

static gboolean real_new_secrets(NMVpnServicePlugin *plugin, NMConnection *conn,
				 GError **error)
{
	NMRoveService *self = NM_ROVE_SERVICE(plugin);

	g_autofree char *digest = secret_digest(self, conn);

	/* After ask_again: the refused session is over, its runner may still
	 * wait for the idle that frees it. */
	if (self->runner && self->finished)
		free_runner(self);
	if (digest && self->tried && strcmp(digest, self->tried) == 0) {
		g_warning("rove: %s: the agent answered with the %s the gateway refused: "
			  "not sent again", self->id, self->agent_secret);
		if (!self->refail_idle)
			self->refail_idle = g_idle_add(refail_idle, self);
		return TRUE;
	}
	return start(self, conn, error);
}

static gboolean real_need_secrets(NMVpnServicePlugin *plugin, NMConnection *conn,
				  const char **setting_name, GError **error)
{
	const char *hints[3] = { NULL };

	if (!rove_nm_missing_secret(conn, hints, error))
		return FALSE;
	if (error && *error)
		return FALSE;
	*setting_name = NM_SETTING_VPN_SETTING_NAME;
	return TRUE;
}

/* NetworkManager takes the connection as down when this returns: close the
 * session in order (a DELETE, bounded to 3 s by the runner) and return only
 * when the TUN and everything else of ours is gone. */
static gboolean real_disconnect(NMVpnServicePlugin *plugin, GError **error)
{
	NMRoveService *self = NM_ROVE_SERVICE(plugin);

	if (!self->runner || self->finished)
		return TRUE;
	self->stopping = true;
	rove_runner_stop(self->runner);
	while (!self->finished)
		g_main_context_iteration(NULL, TRUE);
	return TRUE;
}

static void nm_rove_service_init(NMRoveService *self)
{
	rove_profile_init(&self->profile, NULL);
}

static void dispose(GObject *object)
{
	NMRoveService *self = NM_ROVE_SERVICE(object);

	free_runner(self);
	if (self->refail_idle)
		g_source_remove(self->refail_idle);
	self->refail_idle = 0;
	g_clear_pointer(&self->tried, g_free);
	rove_nm_status_free(self);
	g_clear_pointer(&self->id, g_free);
	g_clear_pointer(&self->uuid, g_free);
	G_OBJECT_CLASS(nm_rove_service_parent_class)->dispose(object);
}

static void nm_rove_service_class_init(NMRoveServiceClass *klass)
{
	NMVpnServicePluginClass *parent = NM_VPN_SERVICE_PLUGIN_CLASS(klass);

	G_OBJECT_CLASS(klass)->dispose = dispose;
	parent->connect = real_connect;
	parent->connect_interactive = real_connect_interactive;
	parent->need_secrets = real_need_secrets;
	parent->new_secrets = real_new_secrets;
	parent->disconnect = real_disconnect;
}

int main(int argc, char **argv)
{
	g_autofree char *bus_name = NULL;
	gboolean persist = FALSE;
	g_autoptr(GError) error = NULL;
	GOptionEntry entries[] = {
		{ "persist", 0, 0, G_OPTION_ARG_NONE, &persist,
		  "do not quit when VPN connection terminates", NULL },
		{ "bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name,
		  "D-Bus name to use for this instance", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) opts = g_option_context_new(NULL);
	NMRoveService *plugin;
	GMainLoop *loop;

	/* Before anything that starts a thread (zygote.h). */
	rove_nm_zygote(&argc, &argv);
	/* The name NetworkManager ran (launch.c), in our log lines too. */
	g_set_prgname("nm-rove-service");
	g_option_context_add_main_entries(opts, entries, NULL);
	g_option_context_set_summary(opts, "rove's NetworkManager VPN service (IKEv2)");
	if (!g_option_context_parse(opts, &argc, &argv, &error)) {
		fprintf(stderr, "nm-rove-service: %s\n", error->message);
		return 1;
	}
	if (!bus_name)
		bus_name = g_strdup(NM_DBUS_SERVICE_ROVE);
	plugin = g_initable_new(NM_TYPE_ROVE_SERVICE, NULL, &error,
				NM_VPN_SERVICE_PLUGIN_DBUS_SERVICE_NAME, bus_name,
				NM_VPN_SERVICE_PLUGIN_DBUS_WATCH_PEER, !persist, NULL);
	if (!plugin) {
		g_warning("nm-rove-service: cannot start on %s: %s", bus_name, error->message);
		return 1;
	}
	loop = g_main_loop_new(NULL, FALSE);
	if (!persist)
		g_signal_connect_swapped(plugin, "quit", G_CALLBACK(g_main_loop_quit), loop);
	g_main_loop_run(loop);
	/* The last state change and failure are still queued in GDBus's
	 * thread: without a flush NetworkManager would only see us vanish. */
	if (nm_vpn_service_plugin_get_connection(NM_VPN_SERVICE_PLUGIN(plugin)))
		g_dbus_connection_flush_sync(
			nm_vpn_service_plugin_get_connection(NM_VPN_SERVICE_PLUGIN(plugin)), NULL, NULL);
	g_object_unref(plugin);
	g_main_loop_unref(loop);
	return 0;
}
