/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 5685 redirect: the gateway identity in the REDIRECT and
 * REDIRECTED_FROM notifies, and loop protection for the driver that
 * follows redirects. Pure functions, no allocation: results live in the
 * caller's structs. */
#ifndef ROVE_REDIRECT_H
#define ROVE_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "err.h"

/* Gateway identity types (RFC 5685 section 10). */
enum {
	ROVE_GW_IPV4 = 1,
	ROVE_GW_IPV6 = 2,
	ROVE_GW_FQDN = 3,
};

/* Where the gateway sends us: an address (port 0) or, when addr.family is
 * 0, a host name the driver resolves. */
struct rove_redirect {
	struct rove_addr addr;
	char fqdn[256];
};

/* Parses REDIRECT notify data (section 8): type, length, identity, then the
 * nonce data. `nonce` non-NULL (IKE_SA_INIT): the nonce data must equal it,
 * so only whoever saw our request can redirect us; NULL (IKE_AUTH,
 * INFORMATIONAL): there must be none. An FQDN must be a printable host
 * name. Returns 0 or -1 with err. */
int rove_redirect_parse(const uint8_t *data, size_t len, const uint8_t *nonce, size_t nonce_len,
			struct rove_redirect *out, struct rove_err *err);
/* Appends REDIRECTED_FROM (or REDIRECT without nonce) data for an address. */
void rove_redirect_build_addr(struct rove_buf *out, const struct rove_addr *a);
/* "192.0.2.7" or "vpn2.example.com"; buf of at least 256 bytes. */
const char *rove_redirect_str(const struct rove_redirect *r, char *buf, size_t len);

/* Loop protection (RFC 5685 section 9): at most ROVE_REDIRECT_MAX
 * redirects within ROVE_REDIRECT_PERIOD_MS, as strongSwan's
 * charon.max_redirects defaults do. */
#define ROVE_REDIRECT_MAX 5
#define ROVE_REDIRECT_PERIOD_MS (300u * 1000u)

struct rove_redirect_history {
	uint64_t at[ROVE_REDIRECT_MAX]; /* caller's clock of the last ones */
	size_t n;
};

/* Records a redirect at now_ms and returns true, or returns false (and
 * records nothing) when ROVE_REDIRECT_MAX were followed within the period
 * before it. */
bool rove_redirect_allow(struct rove_redirect_history *h, uint64_t now_ms);
/* How many redirects the history holds within the period before now_ms. */
size_t rove_redirect_recent(const struct rove_redirect_history *h, uint64_t now_ms);

#endif
