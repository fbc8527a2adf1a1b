/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Failure reasons: names for JSON, hints for people, and the mapping from
 * the gateway's error notifies. */
#include "session_internal.h"
#include "i18n.h"

const char *rove_fail_name(enum rove_fail f)
{
	switch (f) {
	case ROVE_FAIL_NONE: return "none";
	case ROVE_FAIL_TIMEOUT: return "timeout";
	case ROVE_FAIL_NO_PROPOSAL: return "no_proposal";
	case ROVE_FAIL_AUTH_FAILED: return "auth_failed";
	case ROVE_FAIL_PEER_AUTH: return "peer_auth";
	case ROVE_FAIL_ID_MISMATCH: return "id_mismatch";
	case ROVE_FAIL_UNTRUSTED_CA: return "untrusted_ca";
	case ROVE_FAIL_CERT_EXPIRED: return "cert_expired";
	case ROVE_FAIL_CERT: return "cert";
	case ROVE_FAIL_TS_UNACCEPTABLE: return "ts_unacceptable";
	case ROVE_FAIL_NO_VIP: return "no_vip";
	case ROVE_FAIL_PEER_DELETED: return "peer_deleted";
	case ROVE_FAIL_PEER_DEAD: return "peer_dead";
	case ROVE_FAIL_PROTOCOL: return "protocol";
	case ROVE_FAIL_PATH_CHANGED: return "path_changed";
	case ROVE_FAIL_INTERNAL: return "internal";
	case ROVE_FAIL_REKEY: return "rekey_failed";
	}
	return "unknown";
}

const char *rove_fail_hint(enum rove_fail f)
{
	switch (f) {
	case ROVE_FAIL_NONE: return "";
	case ROVE_FAIL_TIMEOUT:
		return _("check the server address and that UDP ports 500 and 4500 are not blocked");
	case ROVE_FAIL_NO_PROPOSAL:
		return _("check the ike= and esp= settings against what the gateway allows");
	case ROVE_FAIL_AUTH_FAILED: return _("check the user name and password (or the pre-shared key)");
	case ROVE_FAIL_PEER_AUTH: return _("the gateway could not prove its identity; do not trust this network");
	case ROVE_FAIL_ID_MISMATCH: return _("check remote-id or the server name");
	case ROVE_FAIL_UNTRUSTED_CA: return _("check the ca= setting of the profile");
	case ROVE_FAIL_CERT_EXPIRED: return _("the gateway's certificate must be renewed (or check the clock)");
	case ROVE_FAIL_CERT: return _("check the gateway's certificate");
	case ROVE_FAIL_TS_UNACCEPTABLE: return _("check routes= against the networks the gateway offers");
	case ROVE_FAIL_NO_VIP: return _("check the gateway's address pool");
	case ROVE_FAIL_PEER_DELETED: return _("the gateway closed the connection");
	case ROVE_FAIL_PEER_DEAD:
		return _("the gateway stopped answering: check the network connection and that the "
		         "gateway is running");
	case ROVE_FAIL_PROTOCOL: return _("the gateway sent something rove does not understand");
	case ROVE_FAIL_PATH_CHANGED:
		return _("our address changed and the gateway cannot follow (no MOBIKE): connect again");
	case ROVE_FAIL_INTERNAL: return _("an internal error; run with -v for details");
	case ROVE_FAIL_REKEY:
		return _("the gateway did not renew the tunnel's keys in time; check its log and esp=");
	}
	return "";
}

uint16_t first_error_notify(const struct rove_msg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct rove_notify n;

		if (m->pl[i].type != ROVE_PL_NOTIFY)
			continue;
		if (rove_notify_parse(m->pl[i].body, m->pl[i].len, &n, NULL) < 0)
			continue;
		if (n.type < 16384)
			return n.type;
	}
	return 0;
}

enum rove_fail fail_from_notify(uint16_t type, enum phase phase)
{
	switch (type) {
	case ROVE_N_NO_PROPOSAL_CHOSEN:
	case ROVE_N_INVALID_KE_PAYLOAD:
		return ROVE_FAIL_NO_PROPOSAL;
	case ROVE_N_AUTHENTICATION_FAILED:
		return ROVE_FAIL_AUTH_FAILED;
	case ROVE_N_TS_UNACCEPTABLE:
	case ROVE_N_INVALID_SELECTORS:
	case ROVE_N_SINGLE_PAIR_REQUIRED:
		return ROVE_FAIL_TS_UNACCEPTABLE;
	case ROVE_N_INTERNAL_ADDRESS_FAILURE:
	case ROVE_N_FAILED_CP_REQUIRED:
		return ROVE_FAIL_NO_VIP;
	default:
		(void)phase;
		return ROVE_FAIL_PROTOCOL;
	}
}
