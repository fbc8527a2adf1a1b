/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKEv2 message and payload codec (RFC 7296 section 3).
 *
 * Parsers take a buffer and its length, never read past it, and return 0 or
 * -1 with err set (ROVE_E_PARSE unless stated). Parsed structs point into the
 * caller's buffer: they borrow it, own nothing and need no freeing.
 *
 * Builders append payload BODIES (without the 4-byte generic header) to a
 * struct rove_buf; the message builder (struct rove_mb) writes the generic
 * headers and chains the next-payload fields. Builders with invalid
 * arguments mark the buffer failed, like a failed allocation, so callers
 * still check once at the end. */
#ifndef ROVE_PAYLOAD_H
#define ROVE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "err.h"
#include "ikev2.h"

/* ---- message header and payload chain (payload.c) ---- */

struct rove_ike_header {
	uint8_t spi_i[8], spi_r[8];
	uint8_t next_payload, version, exchange, flags;
	uint32_t msg_id, length;
};

/* Parses the 28-byte header of a datagram of len bytes: the length field
 * must equal len. A major version other than 2 gives ROVE_E_UNSUPPORTED. */
int rove_ike_header_parse(const uint8_t *buf, size_t len, struct rove_ike_header *h,
			  struct rove_err *err);

struct rove_payload {
	uint8_t type;          /* payload type */
	uint8_t next;          /* next-payload field (SK/SKF: first inner payload) */
	bool critical;
	const uint8_t *body;   /* after the 4-byte generic header */
	size_t len;            /* body length */
	size_t offset;         /* of the generic header in the datagram, or in
				* the plaintext for inner payloads */
};

#define ROVE_MAX_PAYLOADS 48

struct rove_msg {
	struct rove_ike_header hdr;
	size_t n;
	struct rove_payload pl[ROVE_MAX_PAYLOADS];
	uint8_t unsupported_critical; /* set with ROVE_E_CRITICAL */
};

/* Header and payload chain. SK (46) or SKF (53) must be the last payload;
 * its body is left for the caller to decrypt. Unknown payloads are skipped,
 * unless critical: then the whole message is rejected (RFC 7296 2.5) with
 * ROVE_E_CRITICAL and m->unsupported_critical set to the type. The chain
 * must end exactly at the end of the message. */
int rove_msg_parse(const uint8_t *buf, size_t len, struct rove_msg *m, struct rove_err *err);
/* Parses a decrypted inner chain whose first payload has type `first` and
 * APPENDS its payloads to m (same rules; SK inside SK is an error). first
 * 0 with len 0 is an empty chain. On error m->n is left as it was. */
int rove_msg_parse_inner(uint8_t first, const uint8_t *buf, size_t len, struct rove_msg *m,
			 struct rove_err *err);
/* First payload of a type, or NULL. */
const struct rove_payload *rove_msg_find(const struct rove_msg *m, uint8_t type);
/* Next payload of a type after `after` (NULL: the first), or NULL. */
const struct rove_payload *rove_msg_find_next(const struct rove_msg *m,
					      const struct rove_payload *after, uint8_t type);
/* First well-formed notify payload of the given notify type, or NULL. */
const struct rove_payload *rove_msg_find_notify(const struct rove_msg *m, uint16_t notify_type);
/* "SA", "KE", "IDi", ... "SK"; "unknown" for types we do not handle. */
const char *rove_payload_name(uint8_t type);

/* ---- SA payload, 3.3 (payload_sa.c) ---- */

#define ROVE_MAX_PROPOSALS 16
#define ROVE_MAX_TRANSFORMS 48

struct rove_transform {
	uint8_t type;
	uint16_t id;
	uint16_t key_len;  /* bits, 0 = no Key Length attribute */
	bool unknown_attr; /* an attribute we cannot honour: never select this */
};

struct rove_proposal {
	uint8_t num, protocol, spi_len;
	uint8_t spi[8];
	size_t n;
	struct rove_transform tr[ROVE_MAX_TRANSFORMS];
};

struct rove_sa {
	size_t n;
	struct rove_proposal prop[ROVE_MAX_PROPOSALS];
};

/* Checks substructure lengths and last-substructure flags, spi_len <= 8,
 * that each proposal holds the number of transforms it declares, and the
 * numbering: several proposals must be numbered 1, 2, 3...; a lone proposal
 * may carry any non-zero number, since a responder echoes the number of the
 * proposal it accepted (3.3.1). */
int rove_sa_parse(const uint8_t *body, size_t len, struct rove_sa *sa, struct rove_err *err);
/* Appends the SA payload body, using prop[i].num as given. Returns 0, or -1
 * if sa is out of range (nothing appended) or out's allocation failed. */
int rove_sa_build(struct rove_buf *out, const struct rove_sa *sa);

/* ---- other payloads (payload_misc.c) ---- */

struct rove_ke {
	uint16_t group;
	const uint8_t *data;
	size_t len;
};
int rove_ke_parse(const uint8_t *body, size_t len, struct rove_ke *ke, struct rove_err *err);
void rove_ke_build(struct rove_buf *out, uint16_t group, const uint8_t *data, size_t len);

/* IDi and IDr; IPv4/IPv6 identities must be 4/16 bytes. */
struct rove_id {
	uint8_t type;
	const uint8_t *data;
	size_t len;
};
int rove_id_parse(const uint8_t *body, size_t len, struct rove_id *id, struct rove_err *err);
void rove_id_build(struct rove_buf *out, uint8_t type, const uint8_t *data, size_t len);
/* Formats an identity for humans into buf and returns buf: FQDN and RFC822
 * as text with non-printables escaped (\xHH), addresses as addresses, DNs
 * as "CN=..., O=..." (RFC 2253 order), anything else as hex. Truncates, and
 * always NUL-terminates when len > 0. */
const char *rove_id_str(const struct rove_id *id, char *buf, size_t len);

/* CERT and CERTREQ */
struct rove_cert_pl {
	uint8_t encoding;
	const uint8_t *data;
	size_t len;
};
int rove_cert_parse(const uint8_t *body, size_t len, struct rove_cert_pl *c, struct rove_err *err);
void rove_cert_build(struct rove_buf *out, uint8_t encoding, const uint8_t *data, size_t len);

struct rove_auth {
	uint8_t method;
	const uint8_t *data;
	size_t len;
};
int rove_auth_parse(const uint8_t *body, size_t len, struct rove_auth *a, struct rove_err *err);
void rove_auth_build(struct rove_buf *out, uint8_t method, const uint8_t *data, size_t len);

/* A nonce must be 16..256 bytes (3.9). */
#define ROVE_NONCE_MIN 16
#define ROVE_NONCE_MAX 256
int rove_nonce_check(size_t len, struct rove_err *err);

struct rove_notify {
	uint8_t protocol, spi_size;
	const uint8_t *spi;
	uint16_t type;
	const uint8_t *data;
	size_t len;
};
int rove_notify_parse(const uint8_t *body, size_t len, struct rove_notify *n, struct rove_err *err);
void rove_notify_build(struct rove_buf *out, uint8_t protocol, const uint8_t *spi, size_t spi_size,
		       uint16_t type, const uint8_t *data, size_t len);
/* "NO_PROPOSAL_CHOSEN", ...; "unknown" for types not in the table. Static
 * strings. */
const char *rove_notify_name(uint16_t type);

/* IKE: spi_size 0 and no SPIs; ESP/AH: spi_size 4 and nspi SPIs. */
struct rove_delete {
	uint8_t protocol, spi_size;
	uint16_t nspi;
	const uint8_t *spis; /* nspi * spi_size bytes */
};
int rove_delete_parse(const uint8_t *body, size_t len, struct rove_delete *d, struct rove_err *err);
void rove_delete_build(struct rove_buf *out, uint8_t protocol, uint8_t spi_size, uint16_t nspi,
		       const uint8_t *spis);

/* TSi and TSr. Unknown selector types and start > end are errors (except
 * the OPAQUE port range 65535-0 of RFC 4301). */
#define ROVE_MAX_TS 16
struct rove_ts_list {
	size_t n;
	struct rove_ts ts[ROVE_MAX_TS];
};
int rove_ts_parse(const uint8_t *body, size_t len, struct rove_ts_list *l, struct rove_err *err);
void rove_ts_build(struct rove_buf *out, const struct rove_ts *ts, size_t n);

/* Configuration payload; attribute types without the reserved top bit. */
#define ROVE_MAX_CP_ATTRS 64
struct rove_cp_attr {
	uint16_t type;
	const uint8_t *data;
	uint16_t len;
};
struct rove_cp {
	uint8_t cfg_type;
	size_t n;
	struct rove_cp_attr attr[ROVE_MAX_CP_ATTRS];
};
int rove_cp_parse(const uint8_t *body, size_t len, struct rove_cp *cp, struct rove_err *err);
void rove_cp_build(struct rove_buf *out, uint8_t cfg_type, const struct rove_cp_attr *attrs,
		   size_t n);

/* ---- message builder (msg_build.c) ----
 *
 *   rove_mb_init(&mb, spi_i, spi_r, ROVE_EXCH_IKE_SA_INIT, ROVE_FLAG_INITIATOR, 0);
 *   rove_mb_begin(&mb, ROVE_PL_SA, false);
 *   rove_sa_build(&mb.buf, &sa);
 *   rove_mb_end(&mb);
 *   rove_mb_add(&mb, ROVE_PL_NONCE, nonce, 32);
 *   if (rove_mb_finish(&mb, &err) < 0) ...
 *   send mb.buf.data, mb.buf.len; rove_mb_free(&mb);
 */
struct rove_mb {
	struct rove_buf buf;      /* owned; rove_mb_free wipes and frees */
	size_t next_off;          /* next-payload byte to patch: header byte 16 or
				   * the last payload's byte 0 (SIZE_MAX: none) */
	size_t cur;               /* offset of the open payload (SIZE_MAX if none) */
	bool inner;               /* no IKE header (plaintext of an SK payload) */
	uint8_t first;            /* type of the first payload (inner mode) */
};

/* Writes the IKE header (version 2.0, length fixed by finish). */
void rove_mb_init(struct rove_mb *mb, const uint8_t spi_i[8], const uint8_t spi_r[8],
		  uint8_t exchange, uint8_t flags, uint32_t msg_id);
/* An inner chain: no header; mb->first records the first payload's type. */
void rove_mb_init_inner(struct rove_mb *mb);
/* Starts a payload: writes its generic header with next=0 and points the
 * previous payload's (or the header's) next field at it. The caller appends
 * the body to mb->buf, then calls rove_mb_end. A payload still open is
 * ended first. */
void rove_mb_begin(struct rove_mb *mb, uint8_t type, bool critical);
/* Starts an SK payload whose next field is first_inner; nothing may follow
 * it. Not allowed in inner mode. */
void rove_mb_begin_sk(struct rove_mb *mb, uint8_t first_inner);
void rove_mb_end(struct rove_mb *mb);
/* begin + body + end. */
void rove_mb_add(struct rove_mb *mb, uint8_t type, const uint8_t *body, size_t len);
void rove_mb_add_notify(struct rove_mb *mb, uint8_t protocol, const uint8_t *spi, size_t spi_size,
			uint16_t type, const uint8_t *data, size_t len);
/* Ends an open payload and fixes the header length (outer mode). Returns 0,
 * or -1 (ROVE_E_NOMEM) if an allocation failed or a payload was misbuilt. */
int rove_mb_finish(struct rove_mb *mb, struct rove_err *err);
void rove_mb_free(struct rove_mb *mb);

#endif
