/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MS-CHAPv2 (RFC 2759 section 8) and its MPPE key derivation (RFC 3079
 * section 3.4), as pure functions named after the RFC pseudo-code.
 *
 * Nothing here allocates memory the caller must free: results go into
 * caller-supplied arrays, and intermediate secrets are wiped before return.
 * Every function returns 0, or -1 with *err set.
 *
 * MD4 and DES exist only in OpenSSL 3's "legacy" provider. It is loaded
 * once into a private OSSL_LIB_CTX (with "default" beside it), so the rest
 * of the process never sees legacy algorithms. When it cannot be loaded,
 * every function fails with ROVE_E_UNSUPPORTED and says so. */
#ifndef ROVE_MSCHAPV2_H
#define ROVE_MSCHAPV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ROVE_MSCHAP_CHALLENGE_LEN 16
#define ROVE_MSCHAP_NT_RESPONSE_LEN 24
#define ROVE_MSCHAP_AUTH_RESPONSE_LEN 42  /* "S=" + 40 hex digits */
#define ROVE_MSCHAP_MAX_PASSWORD 256      /* UTF-16 code units (RFC 2759) */
#define ROVE_MSCHAP_MAX_USER 256          /* octets (RFC 2759) */
#define ROVE_MSCHAP_MSK_LEN 64

/* Loads the legacy provider now (it is loaded at the first use otherwise):
 * a driver calls it while it waits for the gateway, so the ~2 ms it takes
 * are not spent in the middle of the exchange. 0, or -1 with *err set. */
int rove_mschapv2_prepare(struct rove_err *err);

/* RFC 2759 8.3: MD4 over the UTF-16LE form of the password. The password
 * is UTF-8 (len octets, no terminator needed); characters outside the BMP
 * become surrogate pairs. Invalid UTF-8, NUL characters and passwords of
 * more than 256 UTF-16 code units are rejected (ROVE_E_INVAL). */
int rove_mschap_nt_password_hash(const char *password_utf8, size_t len, uint8_t out[16],
	struct rove_err *err);

/* RFC 2759 8.4: MD4 of the password hash. */
int rove_mschap_hash_nt_password_hash(const uint8_t password_hash[16], uint8_t out[16],
	struct rove_err *err);

/* RFC 2759 8.2. user is the name the peer sent; a "DOMAIN\" prefix, if
 * present, is dropped here as the RFC requires, so callers may pass the
 * full account name. */
int rove_mschap_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
	const char *user, size_t ulen, uint8_t out[8], struct rove_err *err);

/* RFC 2759 8.1 GenerateNTResponse. */
int rove_mschap_nt_response(const uint8_t auth_challenge[16], const uint8_t peer_challenge[16],
	const char *user, size_t ulen, const char *password, size_t plen, uint8_t out[24],
	struct rove_err *err);

/* RFC 2759 8.7 GenerateAuthenticatorResponse: writes "S=<40 uppercase hex>"
 * and a terminating NUL (43 bytes). */
int rove_mschap_authenticator_response(const char *password, size_t plen,
	const uint8_t nt_response[24], const uint8_t peer_challenge[16],
	const uint8_t auth_challenge[16], const char *user, size_t ulen, char out[43],
	struct rove_err *err);

/* RFC 3079 3.4 GetMasterKey. */
int rove_mschap_master_key(const uint8_t password_hash_hash[16], const uint8_t nt_response[24],
	uint8_t out[16], struct rove_err *err);

/* RFC 3079 3.4 GetAsymmetricStartKey for 128-bit keys. The client's send
 * key is the server's receive key (is_send != is_server picks Magic2). */
int rove_mschap_asymmetric_start_key(const uint8_t master_key[16], bool is_send, bool is_server,
	uint8_t out[16], struct rove_err *err);

/* The EAP-MSCHAPv2 MSK, seen from the client (peer):
 *
 *   MSK = ClientSendKey | ClientReceiveKey | 32 zero octets   (64 octets)
 *
 * There is no RFC for this; it is the convention every IKEv2 implementation
 * follows (Windows, strongSwan's GenerateMSK, Android's EapMsChapV2). The
 * keys are the RFC 3079 128-bit start keys; strongSwan names them from the
 * server's side ("MasterReceiveKey | MasterSendKey"), which is the same two
 * keys in the same order. The 32 zero octets are part of the MSK: they do
 * not change an HMAC-based prf (HMAC zero-pads the key anyway) but they do
 * change AES-XCBC/AES-CMAC prfs, so dropping them would break interop.
 *
 * On input *msk_len is the capacity of msk (at least ROVE_MSCHAP_MSK_LEN);
 * on success it is set to ROVE_MSCHAP_MSK_LEN. */
int rove_mschap_msk(const char *password, size_t plen, const uint8_t nt_response[24],
	uint8_t *msk, size_t *msk_len, struct rove_err *err);

#endif
