/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Verification of the gateway's AUTH payload signature with the key of its
 * verified certificate: RFC 7296 (RSA, method 1), RFC 4754 (ECDSA, methods
 * 9-11) and RFC 7427 (Digital Signature, method 14). Allocates nothing the
 * caller must free. */
#ifndef ROVE_SIGVERIFY_H
#define ROVE_SIGVERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "err.h"

/* Verifies the AUTH data (method and everything after the AUTH header's
 * reserved bytes) over `octets`, which the caller built per RFC 7296 2.15.
 *  - method 1: RSASSA-PKCS1-v1_5 with SHA-1 (kept for interop, RFC 8247 MAY);
 *  - methods 9/10/11: ECDSA on P-256/P-384/P-521 with SHA-256/384/512, the
 *    signature being r||s of fixed size (RFC 4754); the curve must match;
 *  - method 14: a 1-byte length, a DER AlgorithmIdentifier and the signature:
 *    sha{256,384,512}WithRSAEncryption, RSASSA-PSS (hash, MGF1 hash and salt
 *    length read from its parameters, trailer field 1), ecdsa-with-SHA{256,
 *    384,512} (DER signature, any curve), Ed25519 and Ed448 (pure).
 * The key must suit the algorithm. SHA-1 under method 14 (as signature hash
 * or PSS hash) is refused unless allow_sha1 (RFC 8247).
 * Returns 0 when the signature verifies; otherwise -1 and err is ROVE_E_AUTH
 * ("the server's AUTH signature does not verify", malformed data, key
 * mismatch) or ROVE_E_UNSUPPORTED (an algorithm we do not accept, named). */
int rove_sig_verify(const struct rove_peer_cert *pc, uint8_t method, const uint8_t *auth_data,
		    size_t auth_len, const uint8_t *octets, size_t olen, bool allow_sha1,
		    struct rove_err *err);

/* Appends the SIGNATURE_HASH_ALGORITHMS notify data we send (RFC 7427 4,
 * RFC 8420): SHA2-256, SHA2-384, SHA2-512 and Identity, 2 bytes each. */
void rove_sig_hash_algorithms(struct rove_buf *out);

#endif
