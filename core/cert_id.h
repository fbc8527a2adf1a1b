/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Identity checks on an X.509 certificate (RFC 4945), cert.c's: the
 * certificate is borrowed, nothing returned is owned by the caller. */
#ifndef ROVE_CERT_ID_H
#define ROVE_CERT_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/* remote_id ("gw.example.com", "10.0.0.1", "vpn@example.com", "CN=..,O=..")
 * against the certificate; on success writes what matched
 * ("DNS:gw.example.com") to how (cap bytes). */
bool rove_cert_id_matches(X509 *x, const char *remote_id, char *how, size_t cap);

/* An ID payload (type ROVE_ID_*, id_len bytes) against the certificate. */
bool rove_cert_matches_id_payload(X509 *x, uint8_t id_type, const uint8_t *id, size_t id_len);

#endif
