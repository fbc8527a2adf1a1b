/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Protecting and unprotecting the Encrypted (SK) payload (RFC 7296 3.14).
 *
 * AEAD (AES-GCM per RFC 5282, ChaCha20-Poly1305 per RFC 7634): an 8-byte
 * explicit IV, AAD = IKE header .. end of the SK generic header, ICV = the
 * tag. AES-CBC: a random 16-byte IV, ICV = truncated HMAC over the whole
 * message from the IKE header to the end of the ciphertext. Both pad the
 * inner payloads to the cipher's block and end with a pad length byte.
 *
 * Nothing here allocates except through the caller's struct rove_buf; key
 * pointers in struct rove_sk_dir are borrowed. */
#ifndef ROVE_SK_H
#define ROVE_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "keys.h"
#include "rng.h"

/* One direction of an IKE SA: the keys one side protects with. akey is
 * unused (NULL/0) for AEAD. */
struct rove_sk_dir {
	uint16_t encr, encr_bits, integ;
	const uint8_t *ekey;
	size_t ekey_len;
	const uint8_t *akey;
	size_t akey_len;
};

/* initiator == true gives SK_ei/SK_ai (messages sent by the original
 * initiator), false SK_er/SK_ar. d borrows pointers into k. */
void rove_sk_dir_from_keys(const struct rove_ike_keys *k, bool initiator, struct rove_sk_dir *d);

/* out holds the IKE header (28 bytes) and any unencrypted payloads before
 * SK, with the previous next-payload field already set to SK (46); sk_off
 * is where the SK generic header starts and must equal out->len. Appends
 * the SK header (next payload = first_inner), IV, the encrypted inner
 * payloads with padding and pad length, and the ICV, after setting the IKE
 * header's length field (bytes 24..27) so the AAD/ICV cover the final
 * value. IVs are drawn from rng (8 random bytes for AEAD: at our message
 * rates a repeat under one key is out of reach). On failure out is
 * truncated back to sk_off. */
int rove_sk_seal(const struct rove_sk_dir *d, const struct rove_rng *rng, struct rove_buf *out,
		 size_t sk_off, uint8_t first_inner, const uint8_t *inner, size_t inner_len,
		 struct rove_err *err);

/* msg/msg_len: the whole datagram (IKE header first, non-ESP marker
 * stripped); sk_off: offset of the SK generic header; the SK payload must
 * extend to the end of the message and the IKE header length must equal
 * msg_len. Verifies the ICV (constant time) before decrypting, checks the
 * padding and writes the inner payload chain to plain, its length to
 * *plain_len. plain_cap must be at least the ciphertext length (msg_len is
 * always enough). Errors: ROVE_E_PARSE for a malformed frame or padding,
 * ROVE_E_CRYPTO "integrity check failed" for a bad ICV; plain holds no
 * plaintext after a failure. */
int rove_sk_open(const struct rove_sk_dir *d, const uint8_t *msg, size_t msg_len, size_t sk_off,
		 uint8_t *plain, size_t plain_cap, size_t *plain_len, struct rove_err *err);

/* RFC 7383: the Encrypted Fragment payload (SKF, 53) is the SK payload with
 * a Fragment Number and a Total Fragments field (2 bytes each) after the
 * generic header; both are covered by the AAD / ICV like the header. */
#define ROVE_SKF_HDR_LEN 8

/* As rove_sk_seal, for fragment frag_num (1-based) of frag_total: the SKF
 * header's next payload is first_inner for fragment 1, 0 for the others
 * (RFC 7383 2.5). The previous next-payload field must say SKF (53). */
int rove_skf_seal(const struct rove_sk_dir *d, const struct rove_rng *rng, struct rove_buf *out,
		  size_t sk_off, uint8_t first_inner, uint16_t frag_num, uint16_t frag_total,
		  const uint8_t *inner, size_t inner_len, struct rove_err *err);

/* As rove_sk_open for an SKF payload at sk_off; gives its fragment number
 * and total (unchecked against each other: that is frag.c's business) only
 * once the ICV verified. */
int rove_skf_open(const struct rove_sk_dir *d, const uint8_t *msg, size_t msg_len, size_t sk_off,
		  uint8_t *plain, size_t plain_cap, size_t *plain_len, uint16_t *frag_num,
		  uint16_t *frag_total, struct rove_err *err);

/* Bytes an SK (frag false) or SKF payload adds around inner_len bytes of
 * inner payloads: header, IV, padding, pad length, ICV. 0 if d's
 * algorithms are unknown. */
size_t rove_sk_overhead(const struct rove_sk_dir *d, size_t inner_len, bool frag);

#endif
