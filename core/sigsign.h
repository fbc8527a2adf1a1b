/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Our AUTH signature for certificate authentication, the counterpart of
 * sigverify.c. Allocates nothing the caller must free beyond the buffer it
 * appends to. */
#ifndef ROVE_SIGSIGN_H
#define ROVE_SIGSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "buf.h"
#include "err.h"

/* The hash algorithms the gateway announced in SIGNATURE_HASH_ALGORITHMS
 * (RFC 7427 4): bit (1 << id) for each ID; 0 when it sent none. */
typedef uint32_t rove_sig_hashes;

/* Reads the notify data (2-byte IDs) into a set. */
rove_sig_hashes rove_sig_hashes_parse(const uint8_t *data, size_t len);

enum rove_sig_rsa {
	ROVE_SIG_RSA_PSS = 0,   /* RSASSA-PSS, salt = hash length (RFC 7427 A.4) */
	ROVE_SIG_RSA_PKCS1,     /* RSASSA-PKCS1-v1_5 with a SHA-2 hash */
};

/* Signs octets (RFC 7296 2.15) with key and appends the AUTH data (what
 * follows the AUTH payload's method and reserved bytes) to out; *method
 * gets the AUTH method.
 *  - peer announced RFC 7427 (hashes != 0): method 14 with an
 *    AlgorithmIdentifier: Ed25519/Ed448 (pure; the gateway must list
 *    Identity), ECDSA with the hash matching the curve (P-256: SHA-256,
 *    P-384: SHA-384, P-521: SHA-512, DER signature), RSA with the first of
 *    SHA-256/384/512 the gateway lists, as PSS or PKCS#1 v1.5 per rsa;
 *  - otherwise the classic methods: RSA (1, PKCS#1 v1.5 with SHA-1, the only
 *    hash it defines) and ECDSA 9/10/11 (r||s, RFC 4754); EdDSA has none.
 * Errors (ROVE_E_UNSUPPORTED) say which key and what the gateway lacks. */
int rove_sig_sign(EVP_PKEY *key, rove_sig_hashes hashes, enum rove_sig_rsa rsa,
		  const uint8_t *octets, size_t olen, uint8_t *method, struct rove_buf *out,
		  struct rove_err *err);

#endif
