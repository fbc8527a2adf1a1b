/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diffie-Hellman for the KE payload: MODP groups 14/15/16 (RFC 3526),
 * ECP groups 19/20/21 (RFC 5903), Curve25519/Curve448 (RFC 8031).
 *
 * The private value is drawn from an injected struct rove_rng, so a test
 * or a replay with a fixed generator gets the same key pair. A struct
 * rove_dh is owned by the caller; rove_dh_free() releases (and wipes) it. */
#ifndef ROVE_DH_H
#define ROVE_DH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rng.h"

/* Size an output buffer for rove_dh_shared() with this. */
#define ROVE_DH_MAX 512

struct rove_dh;

/* Generates a key pair in group (an IKE transform ID). X25519/X448 take 32
 * and 56 rng bytes as the private key; ECP takes field-size rng bytes per
 * attempt and keeps the first one that is a valid scalar (1 <= d < order);
 * MODP takes an exponent of twice the group's security strength. NULL with
 * *err set on failure (ROVE_E_UNSUPPORTED for a group we do not offer). */
struct rove_dh *rove_dh_new(uint16_t group, const struct rove_rng *rng, struct rove_err *err);
void rove_dh_free(struct rove_dh *dh);
uint16_t rove_dh_group(const struct rove_dh *dh);

/* The public value in KE payload format: X25519/X448 raw bytes; ECP x | y,
 * each padded to the field size (RFC 5903 section 7, no 0x04 prefix); MODP
 * big-endian padded to the prime length. The pointer is owned by dh. */
const uint8_t *rove_dh_public(const struct rove_dh *dh, size_t *len);

/* Computes g^ir from the peer's KE data after checking its length and that
 * it is a valid element: 1 < y < p-1 for MODP, a point on the curve for
 * ECP, a non-zero result for X25519/X448. out must hold ROVE_DH_MAX bytes;
 * the ECP result is the x coordinate only (RFC 5903 section 7), MODP is
 * padded to the prime length. The caller wipes out when done. */
int rove_dh_shared(struct rove_dh *dh, const uint8_t *peer, size_t plen, uint8_t *out,
		   size_t *outlen, struct rove_err *err);

#endif
