/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client side of EAP-TLS (RFC 5216; TLS 1.3 per RFC 9190) inside IKEv2
 * (RFC 7296 2.16), over OpenSSL with memory BIOs: the whole EAP
 * conversation (Identity, Nak of other methods, the TLS handshake in
 * fragments with the L/M flags and acknowledgements both ways, Success or
 * Failure) and the MSK.
 *
 * The gateway's TLS certificate is checked with the same policy as its IKE
 * certificate (rove_peer_cert_verify in cert.c: chain to the trust anchors,
 * validity, EKU, identity = remote_id) before the handshake goes on, so our
 * certificate is never sent to an unverified server.
 *
 * Ownership: the client belongs to the caller (rove_eap_tls_free); the
 * credential, trust and strings in the config are borrowed and must outlive
 * it. The MSK is owned by the client and wiped on free. */
#ifndef ROVE_EAP_TLS_H
#define ROVE_EAP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "eap.h"
#include "err.h"

struct rove_cred;
struct rove_trust;
struct rove_eap_tls;

#define ROVE_EAP_TYPE_TLS 13
#define ROVE_EAP_TLS_FRAG_DEFAULT 1000  /* TLS bytes per EAP-TLS fragment we send */
#define ROVE_EAP_TLS_MAX_MSG (64 * 1024) /* largest TLS flight we reassemble */

struct rove_eap_tls_config {
	const char *identity;           /* EAP identity (NUL-terminated, 1..256) */
	const struct rove_cred *cred;   /* our certificate and key */
	const struct rove_trust *trust; /* anchors for the server's certificate */
	const char *server_id;          /* the identity its certificate must name */
	int64_t verify_time;            /* certificate time (Unix s); 0 = now */
	bool tls13;                     /* offer TLS 1.3 (RFC 9190); default 1.2 only */
	size_t frag_size;               /* 0 = ROVE_EAP_TLS_FRAG_DEFAULT */
};

struct rove_eap_tls *rove_eap_tls_new(const struct rove_eap_tls_config *cfg,
				      struct rove_err *err);
void rove_eap_tls_free(struct rove_eap_tls *t);

/* Feeds one EAP packet from the gateway and appends our answer to out;
 * same contract as rove_eap_client_input (eap.h). DONE_SUCCESS only after
 * the TLS handshake completed (with the server's certificate verified) and
 * EAP-Success arrived. */
int rove_eap_tls_input(struct rove_eap_tls *t, const uint8_t *pkt, size_t len,
		       struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err);

/* After the handshake: the 64-byte MSK (RFC 5216 2.3 / RFC 9190 2.3);
 * NULL with *len = 0 before. */
const uint8_t *rove_eap_tls_msk(const struct rove_eap_tls *t, size_t *len);

/* "TLSv1.2" and "ECDHE-ECDSA-AES256-GCM-SHA384" once negotiated, else "". */
const char *rove_eap_tls_version(const struct rove_eap_tls *t);
const char *rove_eap_tls_cipher(const struct rove_eap_tls *t);

#endif
