/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "status.h"

#include <string.h>

const struct rove_status_prop rove_status_props[] = {
	{ "Uuid", "s" },
	{ "Id", "s" },
	{ "State", "s" },
	{ "Gateway", "s" },
	{ "GatewayAddress", "s" },
	{ "LocalAddress", "s" },
	{ "Nat", "b" },
	{ "ServerIdentity", "s" },
	{ "VirtualIp4", "as" },
	{ "VirtualIp6", "as" },
	{ "Dns", "as" },
	{ "SearchDomains", "as" },
	{ "Device", "s" },
	{ "Datapath", "s" },
	{ "ConnectedSince", "t" },
	{ "BytesIn", "t" },
	{ "BytesOut", "t" },
	{ "PacketsIn", "t" },
	{ "PacketsOut", "t" },
	{ "Rekeys", "u" },
	{ "Moves", "u" },
	{ "Reauths", "u" },
	{ "NextRekey", "t" },
	{ "NextAttempt", "t" },
	{ "LastFailure", "s" },
	{ "LastFailureReason", "s" },
	{ "LastFailureTime", "t" },
};
const size_t rove_status_nprops = G_N_ELEMENTS(rove_status_props);

static const char *const states[] = {
	"disconnected", "connecting", "connected", "reconnecting", "parked", "failed",
};

int rove_status_prop_index(const char *name)
{
	for (size_t i = 0; i < rove_status_nprops; i++)
		if (strcmp(rove_status_props[i].name, name) == 0)
			return (int)i;
	return -1;
}

gboolean rove_status_state_valid(const char *s)
{
	for (size_t i = 0; i < G_N_ELEMENTS(states); i++)
		if (strcmp(states[i], s) == 0)
			return TRUE;
	return FALSE;
}

gboolean rove_status_state_active(const char *s)
{
	return rove_status_state_valid(s) && strcmp(s, "disconnected") != 0 &&
	       strcmp(s, "failed") != 0;
}

gboolean rove_status_uuid_valid(const char *uuid)
{
	size_t n = strlen(uuid);

	if (n == 0 || n > 64)
		return FALSE;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isxdigit(uuid[i]) && uuid[i] != '-')
			return FALSE;
	return TRUE;
}

char *rove_status_object_path(const char *uuid)
{
	char *path;

	if (!rove_status_uuid_valid(uuid))
		return NULL;
	path = g_strconcat(ROVE_STATUS_CONN_PATH_PREFIX, uuid, NULL);
	g_strdelimit(path + strlen(ROVE_STATUS_CONN_PATH_PREFIX), "-", '_');
	return path;
}

GVariant *rove_status_default(const struct rove_status_prop *p)
{
	switch (p->type[0]) {
	case 's':
		return g_variant_new_string("");
	case 'b':
		return g_variant_new_boolean(FALSE);
	case 't':
		return g_variant_new_uint64(0);
	case 'u':
		return g_variant_new_uint32(0);
	default:
		return g_variant_new_strv(NULL, 0);
	}
}
