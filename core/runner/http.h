/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small HTTP/1.1 client for revocation data: the CRL named in the
 * gateway's certificate (GET) and its OCSP responder (POST). Plain http://
 * only, as CRLs and OCSP answers are signed and served that way (RFC 5280
 * 4.2.1.13, RFC 6960 A.1). One request per connection, a total time limit,
 * a size limit; no redirects, no chunked bodies.
 *
 * Ownership: the body is appended to the caller's buffer. */
#ifndef ROVE_HTTP_H
#define ROVE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define ROVE_HTTP_TIMEOUT_MS 3000 /* connect, send and receive together */
#define ROVE_HTTP_MAX (2u << 20)  /* a CRL bigger than this is refused */

/* A rove_fetch_fn (cert.h); ctx is unused. Errors are phrases that fit after
 * "unavailable (...)": "no answer from 192.0.2.9 port 80 within 3 s". */
int rove_http_fetch(void *ctx, const char *url, const char *content_type, const uint8_t *body,
		    size_t body_len, struct rove_buf *out, struct rove_err *err);

/* "http://host[:port][/path]" into host (brackets removed from an IPv6
 * literal), port ("80" by default) and a pointer to the path in url ("/"
 * when empty: path then points to a static "/"). */
int rove_http_url(const char *url, char *host, size_t hcap, char *port, size_t pcap,
		  const char **path, struct rove_err *err);

/* A whole response as read until the server closed: the status code and
 * the body (Content-Length honoured when present), borrowed from p. */
int rove_http_response(const uint8_t *p, size_t len, int *status, struct rove_bytes *body,
		       struct rove_err *err);

#endif
