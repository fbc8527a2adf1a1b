/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A rove profile as a NetworkManager connection and back: the [vpn] keys
 * are vpn.data, the [vpn-secrets] keys vpn.secrets (docs/profile.md), the
 * service type org.freedesktop.NetworkManager.rove. Used by the editor
 * plugin's import and export.
 *
 * Memory: returned objects and strings belong to the caller. */
#ifndef ROVE_NM_PROFILE_H
#define ROVE_NM_PROFILE_H

#include <NetworkManager.h>

#include "import.h"

#define ROVE_NM_SERVICE "org.freedesktop.NetworkManager.rove"

/* A new connection from an import (its files already written): id = name,
 * vpn.data and vpn.secrets from it, vpn.persistent=yes (the tunnel stays
 * up across a change of network; rove's MOBIKE and reconnect carry it),
 * IPv4 and IPv6 automatic. */
NMConnection *rove_nm_connection_new(const struct rove_import *im, const char *id);

/* vpn.data of a connection as a table (char * -> char *, g_hash_table_unref). */
GHashTable *rove_nm_vpn_data(NMSettingVpn *s_vpn);

/* The profile text of a connection's vpn.data (no secrets), or NULL with
 * error when it is not a rove connection. g_free. */
char *rove_nm_export_text(NMConnection *connection, GError **error);

#endif
