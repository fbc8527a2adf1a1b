/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IKEv2 algorithm facts and primitives: the PRF (HMAC), prf+ (RFC 7296
 * 2.13), integrity (truncated HMAC) and the two cipher shapes the SK payload
 * and ESP use (AES-CBC, and AEAD with a 4-byte salt and an 8-byte explicit IV:
 * AES-GCM per RFC 4106/5282, ChaCha20-Poly1305 per RFC 7634).
 *
 * Everything goes through OpenSSL 3 EVP; fetched algorithms are cached
 * process-wide (initialised once, thread-safe, never exposed). No function
 * allocates memory the caller must free: outputs go to caller buffers. */
#ifndef ROVE_CRYPTO_H
#define ROVE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Largest output of any supported PRF, key of any integrity algorithm and
 * encryption key (with salt): size buffers with these. */
#define ROVE_PRF_MAX 64
#define ROVE_INTEG_KEY_MAX 64
#define ROVE_ICV_MAX 32
#define ROVE_ENCR_KEY_MAX 36
#define ROVE_AEAD_SALT_LEN 4
#define ROVE_AEAD_IV_LEN 8

/* Algorithm facts by IKE transform ID. They return 0 (or false) for
 * unsupported IDs, so a non-zero answer also means "supported". */
size_t rove_prf_len(uint16_t prf);          /* 20/32/48/64 for HMAC-SHA1/256/384/512 */
size_t rove_integ_key_len(uint16_t integ);  /* 20/32/48/64 */
size_t rove_integ_icv_len(uint16_t integ);  /* 12/16/24/32 */
bool rove_encr_is_aead(uint16_t encr);      /* AES-GCM-8/12/16, ChaCha20-Poly1305 */
/* Key length in bytes including the AEAD salt (GCM: key_bits/8 + 4, CBC:
 * key_bits/8, ChaCha20-Poly1305: 36 with key_bits 0 or 256). key_bits is
 * 128/192/256; 0 if the pair is unsupported. */
size_t rove_encr_key_len(uint16_t encr, uint16_t key_bits);
size_t rove_encr_iv_len(uint16_t encr);     /* 8 for AEAD, 16 for CBC */
size_t rove_encr_block_len(uint16_t encr);  /* padding granularity: 16 CBC, 1 AEAD */
size_t rove_encr_icv_len(uint16_t encr);    /* AEAD tag: 16/12/8 for GCM-16/12/8, 16 ChaCha */
bool rove_dh_supported(uint16_t group);     /* 14,15,16,19,20,21,31,32 */

/* strongSwan-style names for status lines ("aes256gcm16", "aes128",
 * "sha256", "prfsha384", "x25519", "ecp256", "modp2048"). The encr name is
 * written into buf (and returned); the others are static strings, "unknown"
 * for an ID we have no name for. */
const char *rove_encr_name(uint16_t encr, uint16_t key_bits, char *buf, size_t len);
const char *rove_integ_name(uint16_t integ);
const char *rove_prf_name(uint16_t prf);
const char *rove_dh_name(uint16_t group);

/* PRF (HMAC): out gets rove_prf_len(prf) bytes. Any key length works. */
int rove_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
	     uint8_t *out, struct rove_err *err);
/* The same over a list of chunks (saves concatenation copies). */
int rove_prf_v(uint16_t prf, const uint8_t *key, size_t klen, const struct rove_bytes *parts,
	       size_t nparts, uint8_t *out, struct rove_err *err);
/* prf+ (RFC 7296 2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n);
 * fills out[0..outlen), outlen <= 255 * prf_len. */
int rove_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *seed, size_t slen,
		  uint8_t *out, size_t outlen, struct rove_err *err);

/* Integrity checksum: HMAC truncated to rove_integ_icv_len(integ) bytes,
 * written to icv. klen must be rove_integ_key_len(integ). */
int rove_integ(uint16_t integ, const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
	       uint8_t *icv, struct rove_err *err);

/* AEAD with the IPsec nonce layout: key is rove_encr_key_len() bytes, the
 * last 4 of which are the salt; nonce = salt | iv (8 bytes). Seal writes
 * len bytes of ciphertext to out (out == in is allowed) and the tag
 * (rove_encr_icv_len bytes) to tag. Open verifies the tag and fails with
 * ROVE_E_CRYPTO "integrity check failed" without leaving plaintext in out. */
int rove_aead_seal(uint16_t encr, const uint8_t *key, size_t klen, const uint8_t *iv,
		   const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
		   uint8_t *tag, struct rove_err *err);
int rove_aead_open(uint16_t encr, const uint8_t *key, size_t klen, const uint8_t *iv,
		   const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
		   const uint8_t *tag, uint8_t *out, struct rove_err *err);

/* AES-CBC without padding (len a multiple of 16); out == in is allowed. */
int rove_cbc_crypt(uint16_t encr, const uint8_t *key, size_t klen, const uint8_t *iv,
		   const uint8_t *in, size_t len, uint8_t *out, bool encrypt, struct rove_err *err);

#endif
