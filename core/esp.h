/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ESP in tunnel mode (RFC 4303): encapsulation and decapsulation of one
 * packet in place, for one direction of a CHILD SA. Pure: no I/O, no
 * clock, no globals.
 *
 * Algorithms: AES-GCM with 8/12/16-byte ICVs (RFC 4106) and
 * ChaCha20-Poly1305 (RFC 7634), both with the 4-byte salt from the key and
 * an 8-byte explicit IV; AES-CBC (RFC 3602) with HMAC-SHA1-96 (RFC 2404) or
 * HMAC-SHA2-256-128/384-192/512-256 (RFC 4868). Extended sequence numbers
 * (RFC 4303 2.2.1) both ways.
 *
 * IVs are never random: for the AEADs the explicit IV is the 64-bit
 * sequence number, unique per key as RFC 4106 8.1 requires; for CBC it is
 * the sequence number encrypted under the SA's key (NIST SP 800-38A
 * Appendix C), unpredictable without the key.
 *
 * A struct rove_esp_sa owns its OpenSSL contexts, set up once with the key
 * so that each packet only changes the IV; it wipes its keys on free. It is
 * not thread-safe: one thread at a time per SA. */
#ifndef ROVE_ESP_H
#define ROVE_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "replay.h"
#include "session.h"

#define ROVE_ESP_HDR_LEN 8      /* SPI and sequence number */
#define ROVE_ESP_MAX_HEADROOM 24 /* header + CBC IV */
#define ROVE_ESP_MAX_TAILROOM 49 /* CBC padding 15 + 2 + ICV 32 */
#define ROVE_NH_IPV4 4            /* next header: IP-in-IP */
#define ROVE_NH_IPV6 41
#define ROVE_NH_NONE 59           /* dummy packet (RFC 4303 2.6) */

struct rove_esp_sa;

enum rove_esp_drop {
	ROVE_ESP_DROP_MALFORMED, /* too short, bad lengths, bad alignment */
	ROVE_ESP_DROP_REPLAY,    /* seen, older than the window, or 0 */
	ROVE_ESP_DROP_AUTH,      /* ICV did not verify */
	ROVE_ESP_DROP_PAD,       /* padding not 1, 2, 3, ... or too long */
	ROVE_ESP_DROP_SPI,       /* not this SA's SPI (not counted here) */
};

/* Inner packets and bytes (the IP packets carried, not the ESP overhead),
 * and dropped packets by reason. */
struct rove_esp_stats {
	uint64_t packets, bytes, drop_malformed, drop_replay, drop_auth, drop_pad;
};

/* One direction of `c`: outbound uses spi_out and the *_out keys, inbound
 * spi_in and the *_in keys. The keys are copied into OpenSSL contexts; `c`
 * can go away afterwards. NULL with *err set for an algorithm or key
 * length we do not implement. */
struct rove_esp_sa *rove_esp_sa_new(const struct rove_child_sa *c, bool outbound,
				    struct rove_err *err);
void rove_esp_sa_free(struct rove_esp_sa *sa);

uint32_t rove_esp_sa_spi(const struct rove_esp_sa *sa);
bool rove_esp_sa_outbound(const struct rove_esp_sa *sa);

/* Encapsulates the inner IP packet (IPv4 or IPv6, told by its first
 * nibble) at buf[head .. head+len) in place: the ESP header and IV go
 * before it (head >= rove_esp_headroom(sa)), padding, trailer and ICV after
 * it (head + len + rove_esp_tailroom(sa) <= cap). Returns the length of the
 * ESP packet, which starts at *out_off; -1 when it does not fit, when the
 * packet is not IP, when the sequence number space is exhausted (the SA
 * must be rekeyed: RFC 4303 3.3.3 forbids cycling) or when OpenSSL fails. */
ssize_t rove_esp_encap(struct rove_esp_sa *sa, uint8_t *buf, size_t head, size_t len,
		       size_t cap, size_t *out_off);

/* Decapsulates the ESP packet buf[0 .. len) (no UDP header) in place.
 * Returns the inner packet's length with its offset in *inner_off and the
 * trailer's next header in *next_header (the caller decides what it
 * accepts: ROVE_NH_IPV4/IPV6 in tunnel mode, ROVE_NH_NONE is a dummy), or
 * -1 with *why set; every drop but ROVE_ESP_DROP_SPI is counted in the
 * stats. The replay check comes before the ICV (it is cheap); the window
 * moves only once the ICV has verified. */
ssize_t rove_esp_decap(struct rove_esp_sa *sa, uint8_t *buf, size_t len, size_t *inner_off,
		       uint8_t *next_header, enum rove_esp_drop *why);

/* Bytes encapsulation writes before and (at most) after the inner packet. */
size_t rove_esp_headroom(const struct rove_esp_sa *sa);
size_t rove_esp_tailroom(const struct rove_esp_sa *sa);

/* The largest inner packet whose ESP packet, in UDP (udp_encap) and an
 * outer IPv4 or IPv6 header (outer_family AF_INET/AF_INET6), fits in
 * path_mtu; 0 if none does. Padding makes this a step function of the
 * MTU, so it is computed rather than estimated. */
size_t rove_esp_inner_mtu(const struct rove_esp_sa *sa, size_t path_mtu, int outer_family,
			  bool udp_encap);

const struct rove_esp_stats *rove_esp_stats(const struct rove_esp_sa *sa);

/* For tests and fuzzing only: makes the next outbound sequence number
 * `next`, or (inbound) makes the window look as if `next - 1` was the
 * highest number received, so packets near the end of the 32-bit or 64-bit
 * space can be produced and checked without sending billions first. */
void rove_esp_sa_set_seq(struct rove_esp_sa *sa, uint64_t next);

#endif
