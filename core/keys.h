/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKEv2 key schedule (RFC 7296 2.13-2.17): SKEYSEED and the SK_*
 * keys of an IKE SA, KEYMAT for a CHILD SA, and the AUTH payload inputs.
 *
 * Keys live in caller-owned structs; nothing here allocates, except
 * rove_auth_octets(), which appends to the caller's struct rove_buf.
 * Call rove_ike_keys_wipe()/rove_wipe() when done with a key struct. */
#ifndef ROVE_KEYS_H
#define ROVE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* The negotiated IKE SA transforms; integ = 0 for an AEAD encr. */
struct rove_ike_suite {
	uint16_t encr, encr_bits, prf, integ, dh;
};

struct rove_ike_keys {
	struct rove_ike_suite suite;
	uint8_t sk_d[64], sk_ai[64], sk_ar[64], sk_ei[36], sk_er[36], sk_pi[64], sk_pr[64];
	size_t prf_len, integ_len, encr_len; /* bytes of each; integ_len 0 for AEAD */
};

/* SKEYSEED = prf(Ni | Nr, g^ir);
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * With an AEAD there are no SK_ai/SK_ar and SK_e* include the 4-byte salt
 * (RFC 5282). The nonces are used as the HMAC key as they are. */
int rove_ike_keys_derive(const struct rove_ike_suite *suite, const uint8_t *ni, size_t nilen,
			 const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
			 const uint8_t spi_i[8], const uint8_t spi_r[8], struct rove_ike_keys *out,
			 struct rove_err *err);
/* The keys of an IKE SA made by rekeying (RFC 7296 2.18):
 * SKEYSEED = prf_old(SK_d (old), g^ir (new) | Ni | Nr), then prf+ of the
 * new suite as above, with the nonces and SPIs of the rekey exchange (Ni
 * and SPIi are the rekey initiator's). */
int rove_ike_keys_derive_rekey(uint16_t old_prf, const uint8_t *old_sk_d, size_t sk_d_len,
			       const struct rove_ike_suite *suite, const uint8_t *ni, size_t nilen,
			       const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
			       const uint8_t spi_i[8], const uint8_t spi_r[8],
			       struct rove_ike_keys *out, struct rove_err *err);
void rove_ike_keys_wipe(struct rove_ike_keys *k);

/* The negotiated ESP transforms; integ = 0 for an AEAD encr. */
struct rove_esp_suite {
	uint16_t encr, encr_bits, integ;
	bool esn;
};

struct rove_child_keys {
	uint8_t ei[36], ai[64], er[36], ar[64];
	size_t encr_len, integ_len;
};

/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), taken in the order
 * initiator->responder encryption, integrity, then responder->initiator
 * (RFC 7296 2.17). gir may be NULL (no PFS). AEAD keys include the salt. */
int rove_child_keys_derive(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len,
			   const struct rove_esp_suite *suite, const uint8_t *gir, size_t girlen,
			   const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			   struct rove_child_keys *out, struct rove_err *err);

/* AUTH helpers (RFC 7296 2.15, 2.16).
 * Appends a party's signed octets to out: RealMessage (its first message:
 * the IKE_SA_INIT request for the initiator, the response for the
 * responder) | the OTHER party's nonce | prf(SK_px, IDx'), where IDx' is
 * the ID payload body (type, 3 reserved bytes, data). */
int rove_auth_octets(uint16_t prf, const uint8_t *sk_p, size_t sk_p_len, const uint8_t *real_msg,
		     size_t real_len, const uint8_t *nonce, size_t nonce_len,
		     const uint8_t *id_body, size_t id_len, struct rove_buf *out,
		     struct rove_err *err);
/* Shared-key AUTH = prf(prf(secret, "Key Pad for IKEv2"), octets); also
 * the EAP form with the MSK (or SK_p without one) as the secret. out gets
 * rove_prf_len(prf) bytes. */
int rove_auth_psk(uint16_t prf, const uint8_t *secret, size_t slen, const uint8_t *octets,
		  size_t olen, uint8_t *out, struct rove_err *err);

#endif
