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
};

struct rove_peer_cert; /* the verified end-entity certificate and its key */

/* certs[0] is the end-entity certificate (DER, from the first CERT payload of
 * encoding 4), the others are intermediates in any order. verify_time: Unix
 * seconds, 0 = now.
 *
 * Checks the chain to a trust anchor of t with OpenSSL's default rules
 * (not X509_STRICT, which rejects too many deployed certificates), the
 * validity dates of every certificate, the Extended Key Usage of the
 * end-entity certificate (if present it must list serverAuth, ipsecIKE or
 * anyExtendedKeyUsage; Key Usage is not checked) and the identity:
 *  - remote_id an IPv4/IPv6 literal: an iPAddress SAN must equal it;
 *  - containing '@' (and no '='): an rfc822Name SAN, case-insensitive;
 *  - containing '=': a DN ("CN=gw, O=Example", in certificate order or in
 *    the reverse RFC 2253 order) equal to the subject (X509_NAME_cmp);
 *  - otherwise a DNS name: a dNSName SAN, case-insensitive, where "*.x.y"
 *    matches exactly one leftmost label; only when the certificate has no
 *    dNSName SAN at all does the subject CN count (legacy certificates).
 * On failure returns NULL, sets *fail and puts a sentence in err saying
 * what to check. */
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
