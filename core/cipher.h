/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A keyed OpenSSL cipher for per-packet work: the key is set once, each
 * packet brings its own IV or nonce.
 *
 * OpenSSL 3.0's EVP layer asks the provider for the IV length and the
 * padding mode through OSSL_PARAM lookups on every EVP_CipherInit_ex2,
 * which costs more than encrypting a 64-byte packet and about half as
 * much again as a 1400-byte one. A rove_cipher therefore calls the same
 * provider implementation EVP would pick (EVP_CIPHER_fetch decides)
 * through the provider's published dispatch table (provider-cipher(7)),
 * and falls back to EVP_CIPHER_CTX when the provider does not offer one.
 * The crypto is OpenSSL's either way.
 *
 * A rove_cipher is not thread-safe; use one per thread (one per SA
 * direction in the datapath). */
#ifndef ROVE_CIPHER_H
#define ROVE_CIPHER_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rove_cipher;

enum {
	ROVE_CIPHER_EVP = 1, /* always go through EVP_CIPHER_CTX (tests compare both) */
};

/* A context for the OpenSSL cipher `name` ("AES-256-GCM", "AES-128-CBC",
 * "AES-256-ECB", "ChaCha20-Poly1305") keyed with key[0..key_len), for
 * encryption or decryption. Block modes run without padding. The caller
 * owns the result (rove_cipher_free); NULL with err set on failure. */
struct rove_cipher *rove_cipher_new(const char *name, const uint8_t *key, size_t key_len,
				    bool encrypt, unsigned flags, struct rove_err *err);
void rove_cipher_free(struct rove_cipher *c);

/* Whether the provider's dispatch table is in use (else EVP). */
bool rove_cipher_direct(const struct rove_cipher *c);

/* AEAD over p[0..n) in place, with aad[0..aad_len) authenticated: seals
 * and writes tag[0..tag_len) when encrypting, else verifies tag and
 * opens. False when the tag does not verify or OpenSSL fails; then p holds
 * garbage. */
bool rove_cipher_aead(struct rove_cipher *c, const uint8_t *nonce, size_t nonce_len,
		      const uint8_t *aad, size_t aad_len, uint8_t *p, size_t n, uint8_t *tag,
		      size_t tag_len);

/* A block mode over whole blocks, in[0..n) to out[0..n) (they may be the
 * same buffer): restarts at iv[0..iv_len) first unless iv is NULL (ECB,
 * or CBC continuing the previous chain). */
bool rove_cipher_blocks(struct rove_cipher *c, const uint8_t *iv, size_t iv_len,
			const uint8_t *in, uint8_t *out, size_t n);

#endif
