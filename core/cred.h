/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Our own credentials for certificate authentication: a certificate, the
 * intermediates that lead to its CA, and the private key.
 *
 * Everything goes through OpenSSL's OSSL_STORE, so one loader reads
 *  - PEM files (a certificate, possibly followed by its intermediates, and a
 *    private key: traditional, PKCS#8 or PKCS#8 encrypted),
 *  - DER certificates and keys,
 *  - PKCS#12 bundles (cert=bundle.p12, with or without key=),
 *  - URIs of any installed store provider, e.g. pkcs11: with the
 *    pkcs11-provider package (OpenSSL 3) configured in openssl.cnf.
 * One passphrase (the profile's key-password) opens whatever is encrypted.
 *
 * Ownership: a struct rove_cred belongs to the caller and is released with
 * rove_cred_free(), which frees the key (OpenSSL clears private key
 * material when it frees it). Pointers returned by getters are borrowed. */
#ifndef ROVE_CRED_H
#define ROVE_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "buf.h"
#include "err.h"

struct rove_cred;

#define ROVE_CRED_MAX_CHAIN 8

/* Loads the certificate (and intermediates) from cert and the private key
 * from key; key NULL: the key is taken from cert too (PKCS#12, or a PEM
 * file holding both). password (may be NULL) decrypts an encrypted key or
 * bundle. Checks that the key belongs to the certificate.
 * Errors name the file and what is wrong. *need_password (may be NULL) is
 * set when the failure is an encrypted file and no password was given, so
 * the caller can prompt and try again. */
struct rove_cred *rove_cred_load(const char *cert, const char *key, const char *password,
				 size_t password_len, bool *need_password, struct rove_err *err);

/* The same from bytes already in memory (fuzzing, tests): cert_der_or_pem
 * holds a PEM text, a DER certificate or a PKCS#12 bundle; key may be NULL
 * (then taken from the same bytes). */
struct rove_cred *rove_cred_from_mem(const uint8_t *cert, size_t cert_len, const uint8_t *key,
				     size_t key_len, const char *password, size_t password_len,
				     bool *need_password, struct rove_err *err);

void rove_cred_free(struct rove_cred *c);

X509 *rove_cred_cert(const struct rove_cred *c);       /* borrowed */
EVP_PKEY *rove_cred_key(const struct rove_cred *c);    /* borrowed */
size_t rove_cred_chain_len(const struct rove_cred *c);
X509 *rove_cred_chain(const struct rove_cred *c, size_t i); /* borrowed */

/* The subject DN, RFC 2253 order: "CN=alice,O=Example". */
const char *rove_cred_subject(const struct rove_cred *c);
/* "ECDSA P-256", "RSA 3072", "Ed25519". */
const char *rove_cred_key_desc(const struct rove_cred *c);

/* Appends the DER subject (the ID_DER_ASN1_DN data strongSwan uses by
 * default as the identity of a certificate). */
int rove_cred_subject_der(const struct rove_cred *c, struct rove_buf *out, struct rove_err *err);

/* The certificates for CERT payloads: ours first, then the intermediates
 * up its chain (found by issuer, whatever their order in the file). When
 * the gateway's CERTREQ named CAs (20-byte SHA-1 hashes of their
 * SubjectPublicKeyInfo, RFC 7296 3.7), the chain stops below the first CA
 * it named: the gateway has that one. Self-signed roots are never sent.
 * Fills out[] with borrowed pointers and returns how many. */
size_t rove_cred_pick_chain(const struct rove_cred *c, const uint8_t *ca_hashes, size_t hlen,
			    X509 **out, size_t max);

/* SHA-1 of the certificate's SubjectPublicKeyInfo (the CERTREQ hash). */
int rove_cred_spki_sha1(X509 *x, uint8_t out[20]);

#endif
