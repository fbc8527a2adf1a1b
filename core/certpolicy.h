/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parts of the server-certificate policy beyond chain and identity:
 * the Extended Key Usage rule (RFC 4945 5.1.3.12) and revocation (CRLs from
 * a file or the certificate's distribution point, OCSP from the responder
 * named in its Authority Information Access). Internal to the cert module:
 * cert.c calls it; the public switches are rove_trust_* in cert.h.
 *
 * The engine does no I/O: fetching a CRL or asking an OCSP responder goes
 * through the driver's rove_fetch_fn (cert.h), called synchronously while
 * the certificate is checked. Without one, only CRL files are used.
 *
 * Ownership: struct rove_revoke is embedded in rove_trust and freed with it;
 * X509_CRL objects returned by rove_crl_parse belong to the caller. */
#ifndef ROVE_CERTPOLICY_H
#define ROVE_CERTPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "err.h"

struct rove_revoke {
	STACK_OF(X509_CRL) *crls; /* from crl= files */
	char *crl_path;           /* the last file, for messages */
	rove_fetch_fn fetch;
	void *fetch_ctx;
	enum rove_ocsp_mode ocsp;
};

void rove_revoke_free(struct rove_revoke *rv);
int rove_revoke_load_crls(struct rove_revoke *rv, const char *path, struct rove_err *err);

/* The EKU rule for the end-entity certificate; subj names it in err. */
bool rove_eku_check(X509 *x, const char *subj, struct rove_err *err);

/* Revocation of a certificate whose chain already verified (chain: the
 * verified chain, leaf first, trust anchor last): a CRL for each
 * certificate but the anchor, OCSP for the leaf.
 * Writes what was found to outcome ("not revoked (CRL from ...)",
 * "OCSP responder ... unreachable: not checked") and returns ROVE_CERT_OK,
 * or ROVE_CERT_REVOKED / ROVE_CERT_BAD with a sentence in err. */
enum rove_cert_fail rove_revoke_check(const struct rove_revoke *rv, X509_STORE *store,
				      STACK_OF(X509) *chain, int64_t verify_time,
				      char *outcome, size_t cap, struct rove_err *err);

/* A CRL as DER or PEM bytes (a file, an HTTP body); NULL if malformed or
 * trailing bytes follow it. */
X509_CRL *rove_crl_parse(const uint8_t *p, size_t len);

enum rove_ocsp_result { ROVE_OCSP_GOOD, ROVE_OCSP_REVOKED, ROVE_OCSP_UNKNOWN, ROVE_OCSP_ERROR };

/* An OCSP response (DER bytes from the responder) for request req about id:
 * checks the response status, the signature (signer chained to store or to
 * the certificate's issuer), the nonce, the dates around verify_time (0 =
 * now) and finds id's status. why gets a phrase for ERROR and UNKNOWN, and
 * the revocation date for REVOKED. */
enum rove_ocsp_result rove_ocsp_eval(const uint8_t *p, size_t len, OCSP_REQUEST *req,
				     OCSP_CERTID *id, X509_STORE *store, STACK_OF(X509) *chain,
				     int64_t verify_time, char *why, size_t cap);

#endif
