/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pushes status properties for a connection through status-client.h, as
 * nm-rove-service does: status-push UUID KEY=VALUE... (each value read as
 * its property's type: a string, true/false, a number, or a comma list),
 * or status-push UUID --forget. Prints the error and exits 1 when the push
 * fails. After a push it sets the same values again and prints whether the
 * client would push anything ("again: nothing to push": it leaves out what
 * it already pushed). For tests/nm/t-statusd.sh. */
#include "status-client.h"
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GVariant *parse_value(const struct rove_status_prop *p, const char *s)
{
	switch (p->type[0]) {
	case 's':
		return g_variant_new_string(s);
	case 'b':
		return g_variant_new_boolean(strcmp(s, "true") == 0);
	case 't':
		return g_variant_new_uint64(g_ascii_strtoull(s, NULL, 10));
	case 'u':
		return g_variant_new_uint32((guint32)g_ascii_strtoull(s, NULL, 10));
	default: {
		g_auto(GStrv) v = *s ? g_strsplit(s, ",", -1) : g_new0(char *, 1);

		return g_variant_new_strv((const char *const *)v, -1);
	}
	}
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	struct rove_status_client *c;
	gboolean ok;

	if (argc < 3) {
		fprintf(stderr, "usage: status-push UUID KEY=VALUE... | --forget\n");
		return 2;
	}
	bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (!bus) {
		fprintf(stderr, "status-push: %s\n", error->message);
		return 1;
	}
	c = rove_status_client_new(bus, argv[1]);
	if (!c) {
		fprintf(stderr, "status-push: %s is not a UUID\n", argv[1]);
		return 2;
	}
	if (strcmp(argv[2], "--forget") == 0) {
		ok = rove_status_client_forget_sync(c, &error);
	} else {
		for (int i = 2; i < argc; i++) {
			char *eq = strchr(argv[i], '=');
			int k;

			if (eq)
				*eq = '\0';
			k = eq ? rove_status_prop_index(argv[i]) : -1;
			if (k < 0 || !rove_status_client_set(c, argv[i],
							     parse_value(&rove_status_props[k], eq + 1),
							     &error)) {
				fprintf(stderr, "status-push: %s: %s\n", argv[i],
					error ? error->message : "not KEY=VALUE of a property");
				return 2;
			}
		}
		ok = rove_status_client_flush_sync(c, &error);
		for (int i = 2; ok && i < argc; i++) {
			int k = rove_status_prop_index(argv[i]);

			rove_status_client_set(c, argv[i],
					       parse_value(&rove_status_props[k], argv[i] + strlen(argv[i]) + 1),
					       NULL);
		}
		if (ok)
			printf("again: %s\n", rove_status_client_pending(c) ? "something to push"
									      : "nothing to push");
	}
	if (!ok)
		fprintf(stderr, "status-push: %s\n", error->message);
	rove_status_client_free(c);
	return ok ? 0 : 1;
}
