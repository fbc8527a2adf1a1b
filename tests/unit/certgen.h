/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: keys, CA / intermediate / server certificates and AUTH
 * signatures made in memory with OpenSSL, so tests need no fixture files.
 * Every X509 and EVP_PKEY returned belongs to the caller (X509_free,
 * EVP_PKEY_free). Failures print to stderr and return NULL / -1. */
#ifndef ROVE_CERTGEN_H
#define ROVE_CERTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "buf.h"

/* A fixed "now" for tests: 2023-11-14 22:13:20 UTC. */
#define CG_NOW INT64_C(1700000000)
#define CG_DAY INT64_C(86400)
#define CG_YEAR (365 * CG_DAY)

enum cg_key {
	CG_RSA,     /* 2048 bits */
	CG_P256,
	CG_P384,
	CG_P521,
	CG_ED25519,
};

EVP_PKEY *cg_key(enum cg_key type);

struct cg_cert {
	const char *subject;   /* "O=Example,CN=gw.example.com", certificate order */
	const char *san;       /* OpenSSL syntax "DNS:a.test,IP:192.0.2.1", NULL = none */
	const char *eku;       /* "serverAuth", "1.3.6.1.5.5.7.3.17", NULL = none */
	int64_t not_before;    /* Unix seconds; 0 = CG_NOW - 1 day */
	int64_t not_after;     /* 0 = CG_NOW + 1 year */
	bool ca;               /* basicConstraints CA:TRUE, keyCertSign */
	const char *crl_url;   /* crlDistributionPoints URI, NULL = none */
	const char *ocsp_url;  /* authorityInfoAccess OCSP URI, NULL = none */
};

/* Issues a certificate for `key`, signed by issuer/issuer_key (both NULL:
 * self-signed with key). SHA-256 signatures (none for Ed25519 issuers). */
X509 *cg_cert(const struct cg_cert *c, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key);
/* A self-signed CA valid from CG_NOW - 10 years to CG_NOW + 10 years. */
X509 *cg_ca(const char *subject, EVP_PKEY *key);
/* An intermediate CA signed by ca, same validity as cg_ca. */
X509 *cg_intermediate(const char *subject, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key);
/* A server certificate with SANs and EKU (NULL = none), default validity. */
X509 *cg_server(const char *subject, const char *san, const char *eku, EVP_PKEY *key,
		X509 *ca, EVP_PKEY *ca_key);

/* A CRL of issuer listing the serial numbers of revoked[] (revoked at
 * CG_NOW - 1 hour), thisUpdate last, nextUpdate next (Unix seconds). */
X509_CRL *cg_crl(X509 *issuer, EVP_PKEY *key, X509 *const *revoked, size_t n, int64_t last,
		 int64_t next);
int cg_crl_der(X509_CRL *crl, struct rove_buf *out);
int cg_write_crl(X509_CRL *crl, char *path); /* PEM */

/* DER of the certificate, appended to out. */
int cg_der(X509 *x, struct rove_buf *out);
/* Writes the certificates as PEM (der: one DER certificate) to a fresh
 * temporary file; returns its path in path (at least 64 bytes). */
int cg_write_pem(X509 *const *certs, size_t n, char *path);
int cg_write_der(X509 *x, char *path);
int cg_write_text(const char *text, char *path);

/* How to sign an AUTH payload. */
enum cg_alg {
	CG_ALG_RSA,     /* PKCS#1 v1.5 */
	CG_ALG_PSS,
	CG_ALG_ECDSA,
	CG_ALG_EDDSA,
};

struct cg_sig {
	uint8_t method;       /* 1, 9, 10, 11 or 14 */
	enum cg_alg alg;      /* method 14 */
	const char *md;       /* "SHA1", "SHA256", ...; NULL for EdDSA */
	const char *mgf1_md;  /* PSS: NULL = md */
	int salt;             /* PSS: -1 = digest length */
};

/* The DER AlgorithmIdentifier for the signature (method 14), built by hand
 * from the OIDs so it does not depend on the code under test. */
int cg_algid(const struct cg_sig *s, struct rove_buf *out);
/* AUTH data (what follows the method and reserved bytes) over octets. */
int cg_auth_sign(EVP_PKEY *key, const struct cg_sig *s, const uint8_t *octets, size_t olen,
		 struct rove_buf *out);

#endif
