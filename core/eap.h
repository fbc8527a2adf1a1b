/* SPDX-License-Identifier: GPL-2.0-or-later */
/* EAP (RFC 3748) packet codec and the client (peer) side of EAP-MSCHAPv2
 * (draft-kamath-pppext-eap-mschapv2-02) as carried in IKEv2 EAP payloads
 * (RFC 7296 2.16).
 *
 * The client is a small state machine: the engine feeds it each EAP packet
 * from the gateway and sends back whatever it appends to `out`. It insists
 * on mutual authentication: EAP-Success only counts after the gateway has
 * proven, with the MSCHAPv2 authenticator response, that it knows the
 * password. */
#ifndef ROVE_EAP_H
#define ROVE_EAP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "rng.h"

#define ROVE_EAP_HDR_LEN 4
#define ROVE_EAP_MAX_IDENTITY 256

/* A parsed EAP packet. data points into the parsed buffer (borrowed). type
 * and data are only set for Request/Response (type 0, data NULL otherwise). */
struct rove_eap_pkt {
	uint8_t code, id;
	uint16_t length;
	uint8_t type;
	const uint8_t *data;
	size_t data_len;
};

/* Strict: the EAP Length field must equal len, Request/Response carry at
 * least a Type octet, Success/Failure are exactly 4 octets, and the code is
 * one of the four RFC 3748 codes. Returns 0, or -1 with ROVE_E_PARSE. */
int rove_eap_parse(const uint8_t *buf, size_t len, struct rove_eap_pkt *p, struct rove_err *err);

/* Opaque. Owns copies of the identity and password (wiped on free) and the
 * MSK. The rng (NULL = system RNG) is borrowed and must outlive the client. */
struct rove_eap_client;

/* identity: a NUL-terminated account name, 1..256 octets, sent as the EAP
 * identity and as the MSCHAPv2 Name ("DOMAIN\user" is fine: the domain is
 * left out of the MSCHAPv2 hash as RFC 2759 requires). password: UTF-8,
 * plen octets. The password is checked here (UTF-8, length) and so is the
 * availability of MD4/DES, so configuration errors surface before any
 * packet is exchanged. Returns NULL with *err set on failure. */
struct rove_eap_client *rove_eap_client_new(const char *identity, const uint8_t *password,
	size_t plen, const struct rove_rng *rng, struct rove_err *err);
void rove_eap_client_free(struct rove_eap_client *c);

enum rove_eap_result {
	ROVE_EAP_CONTINUE,
	ROVE_EAP_DONE_SUCCESS,
	ROVE_EAP_DONE_FAILURE,
};

/* Feeds one EAP packet from the gateway (the EAP payload body) and appends
 * the EAP response to send to out (nothing is appended when there is
 * nothing to send, e.g. after EAP-Success). Responses echo the request's
 * Identifier.
 *
 * Returns 0 with *res set:
 *   CONTINUE      send out and wait for the next request;
 *   DONE_SUCCESS  the gateway proved it knows the password and sent
 *                 EAP-Success: the MSK is available;
 *   DONE_FAILURE  authentication failed (EAP-Failure, MSCHAPv2 Failure, a
 *                 wrong authenticator response, or EAP-Success without
 *                 one); err (ROVE_E_AUTH) says why for the user. out may
 *                 still hold a last response (the MSCHAPv2 Failure ack)
 *                 worth sending.
 * Returns -1 with err set and *res = DONE_FAILURE, appending nothing, when
 * the packet is malformed (ROVE_E_PARSE), unexpected at this point
 * (ROVE_E_PROTO, ROVE_E_UNSUPPORTED) or a local operation failed.
 *
 * Once done, the client accepts only a trailing EAP-Failure after a failure
 * (reporting the first failure's reason again); anything else is -1. */
int rove_eap_client_input(struct rove_eap_client *c, const uint8_t *pkt, size_t len,
	struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err);

/* After DONE_SUCCESS: the MSK (owned by c, ROVE_MSCHAP_MSK_LEN = 64 octets)
 * for the IKEv2 AUTH payload (RFC 7296 2.16). NULL with *len = 0 before. */
const uint8_t *rove_eap_client_msk(const struct rove_eap_client *c, size_t *len);

#endif
