/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's certificate: trust anchors, chain validation, identity
 * checks (RFC 4945) and the CERTREQ hashes we send (RFC 7296 3.7).
 *
 * Ownership: rove_trust and rove_peer_cert objects belong to the caller and
 * are released with their _free function. Strings and keys returned by
 * getters belong to the object they were read from. */
#ifndef ROVE_CERT_H
#define ROVE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "buf.h"
#include "err.h"

struct rove_trust; /* trusted CA certificates (an X509_STORE inside) */

/* ca_path: a PEM file with one or more certificates, or one DER certificate.
 * Every certificate in it is a trust anchor, even one that is not a CA or not
 * self-signed (the user chose to trust exactly it: an intermediate, or the
 * gateway's own self-signed certificate). NULL: the system trust store
 * (OpenSSL's default paths, /etc/ssl/certs). Errors name the file. */
struct rove_trust *rove_trust_new(const char *ca_path, struct rove_err *err);
/* rove_trust_new in two steps, so that OpenSSL's part (its
 * initialization when it is the process's first call, its first fetch,
 * the parsing: about 1.5 ms here) can run beside other work: open reads
 * the file and calls no OpenSSL function (its errors: missing,
 * unreadable, too large), load does the rest (0, or -1 with
 * rove_trust_new's errors; 0 at once the second time). load may run on
 * another thread while nothing else uses t; a store is used (and freed
 * or given CRLs) only after its load. */
struct rove_trust *rove_trust_open(const char *ca_path, struct rove_err *err);
int rove_trust_load(struct rove_trust *t, struct rove_err *err);
void rove_trust_free(struct rove_trust *t);
bool rove_trust_is_system(const struct rove_trust *t);

/* Appends the CERTREQ "Certification Authority" field: the SHA-1 hash of the
 * SubjectPublicKeyInfo of each configured certificate (20 bytes each,
 * duplicates dropped); returns the count. The system store yields 0 hashes:
 * listing hundreds of CAs is pointless, so the engine then sends a CERTREQ
 * with an empty list, which still makes strongSwan send its certificate. */
size_t rove_trust_certreq(const struct rove_trust *t, struct rove_buf *out);

enum rove_cert_fail {
	ROVE_CERT_OK = 0,
	ROVE_CERT_UNTRUSTED,     /* no chain to a trust anchor */
	ROVE_CERT_EXPIRED,       /* a certificate of the chain has expired */
	ROVE_CERT_NOT_YET_VALID,
	ROVE_CERT_ID_MISMATCH,   /* valid, but not for remote_id */
	ROVE_CERT_BAD,           /* malformed, wrong Extended Key Usage, ... */
	ROVE_CERT_NO_CERT,
	ROVE_CERT_REVOKED,       /* by a CRL or the OCSP responder */
};

/* Revocation. The engine does no I/O, so the driver lends it a fetcher:
 * an HTTP GET of url (body NULL) or a POST of body with content_type,
 * appending the response body to out; it must give up after a few seconds
 * (it runs synchronously while the certificate is checked). Returns 0, or
 * -1 with a phrase in err ("connection refused by 192.0.2.9:80"). */
typedef int (*rove_fetch_fn)(void *ctx, const char *url, const char *content_type,
			     const uint8_t *body, size_t body_len, struct rove_buf *out,
			     struct rove_err *err);

enum rove_ocsp_mode {
	ROVE_OCSP_SOFT = 0, /* ask when the certificate names a responder; no
			     * answer: connect anyway and say so (the default) */
	ROVE_OCSP_REQUIRE,  /* a "good" answer is required (ocsp=require) */
	ROVE_OCSP_OFF,      /* never ask (ocsp=no) */
};

/* Adds the CRLs of a PEM or DER file (crl=); errors name the file. A CRL
 * whose issuer issued the gateway's certificate is then always checked,
 * and must be current. */
int rove_trust_add_crls(struct rove_trust *t, const char *path, struct rove_err *err);
/* fn NULL: no network fetches (CRL distribution points and OCSP are then
 * skipped, which the revocation outcome says). */
void rove_trust_set_fetch(struct rove_trust *t, rove_fetch_fn fn, void *ctx);
void rove_trust_set_ocsp(struct rove_trust *t, enum rove_ocsp_mode mode);

struct rove_peer_cert; /* the verified end-entity certificate and its key */

/* The whole server-certificate policy in one call; IKE_AUTH uses it, and
 * EAP-TLS should too for the TLS server's certificate (pass the DER of
 * SSL_get0_peer_certificate first, then the rest of the peer's chain).
 *
 * certs[0] is the end-entity certificate (DER, from the first CERT payload of
 * encoding 4), the others are intermediates in any order. verify_time: Unix
 * seconds, 0 = now.
 *
 * Checks the chain to a trust anchor of t with OpenSSL's default rules
 * (not X509_STRICT, which rejects too many deployed certificates), the
 * validity dates of every certificate, the Extended Key Usage of the
 * end-entity certificate (if present it must list serverAuth, ipsecIKE,
 * ikeIntermediate (1.3.6.1.5.5.8.2.2) or anyExtendedKeyUsage, RFC 4945
 * 5.1.3.12; Key Usage is not checked), revocation (see rove_trust_add_crls,
 * rove_trust_set_fetch and rove_trust_set_ocsp: CRLs for every certificate
 * below the trust anchor, OCSP for the end-entity one) and the identity:
 *  - remote_id an IPv4/IPv6 literal: an iPAddress SAN must equal it;
 *  - containing '@' (and no '='): an rfc822Name SAN, case-insensitive;
 *  - containing '=': a DN ("CN=gw, O=Example", in certificate order or in
 *    the reverse RFC 2253 order) equal to the subject (X509_NAME_cmp);
 *  - otherwise a DNS name: a dNSName SAN, case-insensitive, where "*.x.y"
 *    matches exactly one leftmost label; only when the certificate has no
 *    dNSName SAN at all does the subject CN count (legacy certificates).
 * On failure returns NULL, sets *fail and puts a sentence in err naming the
 * certificate, the check that failed and what to do. */
struct rove_peer_cert *rove_peer_cert_verify(const struct rove_trust *t,
					     const struct rove_bytes *certs, size_t ncerts,
					     const char *remote_id, int64_t verify_time,
					     enum rove_cert_fail *fail, struct rove_err *err);
void rove_peer_cert_free(struct rove_peer_cert *pc);

/* Subject DN in RFC 2253 order, UTF-8: "CN=gw.example.com,O=Example". */
const char *rove_peer_cert_subject(const struct rove_peer_cert *pc);
/* What the certificate proved: the subject and the name that matched
 * remote_id, "CN=gw.example.com,O=Example (DNS:gw.example.com)". */
const char *rove_peer_cert_identity(const struct rove_peer_cert *pc);
/* What revocation checking found, for `rove status`: "not revoked (CRL
 * from /etc/rove/ca.crl); OCSP http://ocsp.example:8080: good", "no CRL or
 * OCSP responder named", or, containing "not checked", why a check that
 * should have happened did not ("OCSP http://...: unreachable: ..., not
 * checked"). Empty when the certificate is itself the trust anchor. */
const char *rove_peer_cert_revocation(const struct rove_peer_cert *pc);
/* The certified public key, borrowed from pc (for sigverify). */
EVP_PKEY *rove_peer_cert_pkey(const struct rove_peer_cert *pc);

/* Whether the gateway's IDr (RFC 7296 3.5 ID type and data) names this
 * certificate (RFC 4945 3.1): an IPv4/IPv6 address, FQDN or RFC 822 address
 * must be in a SAN of that kind (an FQDN may also equal the CN when the
 * certificate has no dNSName SAN), a DER DN must equal the subject. Other
 * ID types never match. */
bool rove_peer_cert_matches_id(const struct rove_peer_cert *pc, uint8_t id_type,
			       const uint8_t *id, size_t id_len);

#endif
