/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-rove-auth-dialog: asks the user for a rove connection's secrets on
 * NetworkManager's behalf. NetworkManager's secret agents (GNOME Shell,
 * nm-applet, nmcli --ask) start it with
 *   -u UUID -n NAME -s SERVICE [-i] [-r] [-t HINT]... [--external-ui-mode]
 * and write vpn.data and vpn.secrets to its stdin (DATA_KEY=/DATA_VAL=,
 * SECRET_KEY=/SECRET_VAL=, DONE). With --external-ui-mode it prints a
 * "[VPN Plugin UI]" key file describing what to ask and the agent asks
 * itself; otherwise it shows libnma's password dialog and prints
 * "KEY\nVALUE\n" pairs, an empty line, and waits for QUIT. */
#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <NetworkManager.h>
#include <nma-vpn-password-dialog.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "secrets.h"

#define ROVE_SERVICE "org.freedesktop.NetworkManager.rove"

/* NetworkManager writes "QUIT" once it has read the secrets; give up after
 * 20 s so a dialog never lingers. */
static void wait_for_quit(void)
{
	GString *in = g_string_new(NULL);
	gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < end && !strstr(in->str, "QUIT")) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		char buf[256];
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n <= 0)
			break;
		g_string_append_len(in, buf, n);
	}
	g_string_free(in, TRUE);
}

static void print_secrets(GPtrArray *plan)
{
	for (guint i = 0; i < plan->len; i++) {
		struct rove_auth_secret *s = plan->pdata[i];

		if (s->value && *s->value)
			printf("%s\n%s\n", s->key, s->value);
	}
	printf("\n\n");
	fflush(stdout);
}

/* libnma's dialog with one field per secret to ask; false if cancelled. */
static bool ask(GPtrArray *plan, const char *name, const char *message)
{
	char *title = g_strdup_printf(_("Authenticate VPN %s"), name);
	char *desc = message ? g_strdup(message) :
			       g_strdup_printf(_("A password is required to connect to the VPN "
						 "“%s”."), name);
	NMAVpnPasswordDialog *d = NMA_VPN_PASSWORD_DIALOG(nma_vpn_password_dialog_new(title, desc,
										       NULL));
	struct rove_auth_secret *asked[3] = { NULL };
	int n = 0;
	bool ok;

	for (guint i = 0; i < plan->len && n < 3; i++)
		if (((struct rove_auth_secret *)plan->pdata[i])->ask)
			asked[n++] = plan->pdata[i];
	nma_vpn_password_dialog_set_show_password(d, n > 0);
	nma_vpn_password_dialog_set_show_password_secondary(d, n > 1);
	nma_vpn_password_dialog_set_show_password_ternary(d, n > 2);
	if (n > 0) {
		nma_vpn_password_dialog_set_password_label(d, asked[0]->label);
		nma_vpn_password_dialog_set_password(d, asked[0]->value ? asked[0]->value : "");
	}
	if (n > 1)
		nma_vpn_password_dialog_set_password_secondary_label(d, asked[1]->label);
	if (n > 2)
		nma_vpn_password_dialog_set_password_ternary_label(d, asked[2]->label);
	gtk_widget_show(GTK_WIDGET(d));
	ok = nma_vpn_password_dialog_run_and_block(d);
	if (ok) {
		const char *v[3] = { nma_vpn_password_dialog_get_password(d),
				     nma_vpn_password_dialog_get_password_secondary(d),
				     nma_vpn_password_dialog_get_password_ternary(d) };

		for (int i = 0; i < n; i++) {
			g_free(asked[i]->value);
			asked[i]->value = g_strdup(v[i]);
		}
	}
	gtk_widget_destroy(GTK_WIDGET(d));
	g_free(title);
	g_free(desc);
	return ok;
}

int main(int argc, char **argv)
{
	char *uuid = NULL, *name = NULL, *service = NULL, **hints = NULL;
	gboolean interact = FALSE, reprompt = FALSE, external = FALSE;
	GOptionEntry entries[] = {
		{ "uuid", 'u', 0, G_OPTION_ARG_STRING, &uuid, N_("the connection's UUID"), "UUID" },
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("the connection's name"), "NAME" },
		{ "service", 's', 0, G_OPTION_ARG_STRING, &service, N_("the VPN service type"),
		  "SERVICE" },
		{ "allow-interaction", 'i', 0, G_OPTION_ARG_NONE, &interact,
		  N_("the user may be asked"), NULL },
		{ "reprompt", 'r', 0, G_OPTION_ARG_NONE, &reprompt,
		  N_("the known secrets were refused: ask again"), NULL },
		{ "hint", 't', 0, G_OPTION_ARG_STRING_ARRAY, &hints,
		  N_("a secret NetworkManager needs"), "HINT" },
		{ "external-ui-mode", 0, 0, G_OPTION_ARG_NONE, &external,
		  N_("describe what to ask instead of asking"), NULL },
		{ NULL },
	};
	GOptionContext *ctx = g_option_context_new(NULL);
	GHashTable *data = NULL, *secrets = NULL;
	const char *message = NULL;
	GError *err = NULL;
	GPtrArray *plan;
	int rc = 0;

	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "nm-rove-auth-dialog: %s\n", err->message);
		g_error_free(err);
		rc = 1;
	} else if (!uuid || !name || !service) {
		fprintf(stderr,
			"nm-rove-auth-dialog: -u UUID, -n NAME and -s SERVICE are needed\n");
		rc = 1;
	} else if (strcmp(service, ROVE_SERVICE)) {
		fprintf(stderr, "nm-rove-auth-dialog: service %s is not %s\n", service,
			ROVE_SERVICE);
		rc = 1;
	} else if (!nm_vpn_service_plugin_read_vpn_details(STDIN_FILENO, &data, &secrets)) {
		fprintf(stderr, "nm-rove-auth-dialog: no connection details on stdin\n");
		rc = 1;
	}
	g_option_context_free(ctx);
	if (rc)
		goto out;
	for (char **h = hints; h && *h; h++)
		if (g_str_has_prefix(*h, "x-vpn-message:"))
			message = *h + strlen("x-vpn-message:");
	plan = rove_auth_plan(data, secrets, (const char *const *)hints, reprompt);
	if (external) {
		char *ui = rove_auth_external_ui(plan, name, message);

		fputs(ui, stdout);
		fflush(stdout);
		explicit_bzero(ui, strlen(ui));
		g_free(ui);
	} else {
		bool need = false;

		for (guint i = 0; i < plan->len; i++)
			need |= ((struct rove_auth_secret *)plan->pdata[i])->ask;
		if (need && interact) {
			gtk_init(&argc, &argv);
			if (!ask(plan, name, message))
				rc = 1;
		}
		if (rc == 0) {
			print_secrets(plan);
			wait_for_quit();
		}
	}
	g_ptr_array_free(plan, TRUE);
out:
	if (data)
		g_hash_table_unref(data);
	if (secrets)
		g_hash_table_unref(secrets);
	g_strfreev(hints);
	g_free(uuid);
	g_free(name);
	g_free(service);
	return rc;
}
