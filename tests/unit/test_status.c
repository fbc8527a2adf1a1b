/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rove's status interface shared by rove-statusd and the service
 * (nm-plugin/src/status.h): the property table against the contract in
 * docs/status-dbus.md, the states, UUID checks and object paths. */
#include "check.h"
#include "status.h"

static void test_props(void)
{
	/* docs/status-dbus.md: 27 properties, these types. */
	static const char *const want[][2] = {
		{ "Uuid", "s" }, { "Id", "s" }, { "State", "s" }, { "Gateway", "s" },
		{ "GatewayAddress", "s" }, { "LocalAddress", "s" }, { "Nat", "b" },
		{ "ServerIdentity", "s" }, { "VirtualIp4", "as" }, { "VirtualIp6", "as" },
		{ "Dns", "as" }, { "SearchDomains", "as" }, { "Device", "s" }, { "Datapath", "s" },
		{ "ConnectedSince", "t" }, { "BytesIn", "t" }, { "BytesOut", "t" },
		{ "PacketsIn", "t" }, { "PacketsOut", "t" }, { "Rekeys", "u" }, { "Moves", "u" },
		{ "Reauths", "u" }, { "NextRekey", "t" }, { "NextAttempt", "t" },
		{ "LastFailure", "s" }, { "LastFailureReason", "s" }, { "LastFailureTime", "t" },
	};

	CHECK(rove_status_nprops == G_N_ELEMENTS(want));
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		int k = rove_status_prop_index(want[i][0]);

		CHECK(k == (int)i);
		if (k >= 0) {
			GVariant *d = g_variant_ref_sink(rove_status_default(&rove_status_props[k]));

			CHECK_STR(rove_status_props[k].type, want[i][1]);
			CHECK(g_variant_is_of_type(d, G_VARIANT_TYPE(want[i][1])));
			g_variant_unref(d);
		}
	}
	CHECK(rove_status_prop_index("state") == -1);
	CHECK(rove_status_prop_index("") == -1);
}

static void test_states(void)
{
	static const char *const all[] = { "disconnected", "connecting", "connected",
					   "reconnecting", "parked", "failed" };

	for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
		CHECK(rove_status_state_valid(all[i]));
	CHECK(!rove_status_state_valid("up"));
	CHECK(!rove_status_state_valid("Connected"));
	CHECK(!rove_status_state_valid(""));
	CHECK(rove_status_state_active("connecting") && rove_status_state_active("connected") &&
	      rove_status_state_active("reconnecting") && rove_status_state_active("parked"));
	CHECK(!rove_status_state_active("disconnected") && !rove_status_state_active("failed") &&
	      !rove_status_state_active("bogus"));
}

static void test_paths(void)
{
	char *p = rove_status_object_path("0f6b2c9e-1d2a-4c3b-9e8f-7a6b5c4d3e21");
	char long_uuid[66];

	CHECK(p && g_variant_is_object_path(p));
	CHECK_STR(p ? p : "", "/org/rove/Status1/connection/0f6b2c9e_1d2a_4c3b_9e8f_7a6b5c4d3e21");
	g_free(p);
	/* Only hex digits and dashes: safe in a path and as a file name. */
	CHECK(rove_status_object_path("../etc") == NULL);
	CHECK(rove_status_object_path("") == NULL);
	CHECK(rove_status_object_path("abc/def") == NULL);
	CHECK(!rove_status_uuid_valid("0f6b2c9e 1d2a"));
	memset(long_uuid, 'a', 64);
	long_uuid[64] = '\0';
	CHECK(rove_status_uuid_valid(long_uuid));
	long_uuid[64] = 'a';
	long_uuid[65] = '\0';
	CHECK(!rove_status_uuid_valid(long_uuid));
}

int main(void)
{
	RUN(test_props);
	RUN(test_states);
	RUN(test_paths);
	return check_summary();
}
