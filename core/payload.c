/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKE header and the generic payload chain (RFC 7296 3.1, 3.2). */
#include "payload.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>

const char *rove_payload_name(uint8_t type)
{
	switch (type) {
	case ROVE_PL_SA: return "SA";
	case ROVE_PL_KE: return "KE";
	case ROVE_PL_IDI: return "IDi";
	case ROVE_PL_IDR: return "IDr";
	case ROVE_PL_CERT: return "CERT";
	case ROVE_PL_CERTREQ: return "CERTREQ";
	case ROVE_PL_AUTH: return "AUTH";
	case ROVE_PL_NONCE: return "Nonce";
	case ROVE_PL_NOTIFY: return "Notify";
	case ROVE_PL_DELETE: return "Delete";
	case ROVE_PL_VENDOR: return "Vendor ID";
	case ROVE_PL_TSI: return "TSi";
	case ROVE_PL_TSR: return "TSr";
	case ROVE_PL_SK: return "SK";
	case ROVE_PL_CP: return "CP";
	case ROVE_PL_EAP: return "EAP";
	case ROVE_PL_SKF: return "SKF";
	default: return "unknown";
	}
}

static bool known_type(uint8_t type)
{
	return (type >= ROVE_PL_SA && type <= ROVE_PL_EAP) || type == ROVE_PL_SKF;
}

int rove_ike_header_parse(const uint8_t *buf, size_t len, struct rove_ike_header *h,
			  struct rove_err *err)
{
	if (len < ROVE_IKE_HDR_LEN)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("IKE header: datagram of %zu bytes is shorter than the header"),
				    len);
	memcpy(h->spi_i, buf, 8);
	memcpy(h->spi_r, buf + 8, 8);
	h->next_payload = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msg_id = rove_get_be32(buf + 20);
	h->length = rove_get_be32(buf + 24);
	/* The version decides how the rest is read, so it is checked first. */
	if (h->version >> 4 != 2)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("IKE major version %u"),
				    h->version >> 4);
	if (h->length < ROVE_IKE_HDR_LEN)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("IKE header: length field %u shorter than the header"), h->length);
	if (h->length != len)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("IKE header: length field %u but datagram of %zu bytes"),
				    h->length, len);
	return 0;
}

/* "SA" for known types, "type 49" for others, for error messages. */
static const char *pl_label(uint8_t type, char *buf, size_t len)
{
	if (known_type(type))
		return rove_payload_name(type);
	snprintf(buf, len, "type %u", type);
	return buf;
}

/* Payloads RFC 7296 allows at most once in a message: a second one would
 * leave the handlers to pick one (a gateway sending two KE payloads got
 * the first used). */
static bool once_only(uint8_t type)
{
	switch (type) {
	case ROVE_PL_SA: case ROVE_PL_KE: case ROVE_PL_IDI: case ROVE_PL_IDR: case ROVE_PL_AUTH:
	case ROVE_PL_NONCE: case ROVE_PL_TSI: case ROVE_PL_TSR: case ROVE_PL_CP: case ROVE_PL_EAP:
		return true;
	default:
		return false;
	}
}

static bool seen(const struct rove_msg *m, uint8_t type)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type == type)
			return true;
	return false;
}

/* Walks the chain in buf[off..end) starting with payload type `next` and
 * appends what it finds to m. Offsets are relative to buf. */
static int parse_chain(struct rove_msg *m, uint8_t next, const uint8_t *buf, size_t off,
		       size_t end, bool outer, struct rove_err *err)
{
	while (next != ROVE_PL_NONE) {
		uint8_t type = next;
		size_t left = end - off, plen;
		bool critical;
		char lb[16];

		if (left < ROVE_PLD_HDR_LEN)
			return rove_err_set(err, ROVE_E_PARSE,
					    _("%s payload: generic header truncated (%zu bytes left)"),
					    pl_label(type, lb, sizeof(lb)), left);
		next = buf[off];
		critical = buf[off + 1] & ROVE_PL_CRITICAL;
		plen = rove_get_be16(buf + off + 2);
		if (plen < ROVE_PLD_HDR_LEN)
			return rove_err_set(err, ROVE_E_PARSE,
					    _("%s payload: length %zu shorter than its header"),
					    pl_label(type, lb, sizeof(lb)), plen);
		if (plen > left)
			return rove_err_set(err, ROVE_E_PARSE,
					    _("%s payload: length %zu runs past the end (%zu bytes left)"),
					    pl_label(type, lb, sizeof(lb)), plen, left);
		if (!known_type(type)) {
			if (critical) {
				m->unsupported_critical = type;
				return rove_err_set(err, ROVE_E_CRITICAL,
						    _("unsupported critical payload type %u"), type);
			}
			off += plen;
			continue;
		}
		if (m->n >= ROVE_MAX_PAYLOADS)
			return rove_err_set(err, ROVE_E_PARSE, _("more than %d payloads"),
					    ROVE_MAX_PAYLOADS);
		if (once_only(type) && seen(m, type))
			return rove_err_set(err, ROVE_E_PARSE, _("two %s payloads in one message"),
					    rove_payload_name(type));
		if ((type == ROVE_PL_SK || type == ROVE_PL_SKF) && !outer)
			return rove_err_set(err, ROVE_E_PARSE, _("%s payload inside an encrypted payload"),
					    rove_payload_name(type));
		m->pl[m->n++] = (struct rove_payload){
			.type = type,
			.next = next,
			.critical = critical,
			.body = buf + off + ROVE_PLD_HDR_LEN,
			.len = plen - ROVE_PLD_HDR_LEN,
			.offset = off,
		};
		off += plen;
		if (type == ROVE_PL_SK || type == ROVE_PL_SKF) {
			/* Its next field names the first inner payload, and
			 * everything after the header is integrity-protected:
			 * nothing may follow it. */
			if (off != end)
				return rove_err_set(err, ROVE_E_PARSE,
						    _("%s payload is not the last payload (%zu bytes follow)"),
						    rove_payload_name(type), end - off);
			return 0;
		}
	}
	if (off != end)
		return rove_err_set(err, ROVE_E_PARSE, _("%zu trailing bytes after the last payload"),
				    end - off);
	return 0;
}

int rove_msg_parse(const uint8_t *buf, size_t len, struct rove_msg *m, struct rove_err *err)
{
	m->n = 0;
	m->unsupported_critical = 0;
	if (rove_ike_header_parse(buf, len, &m->hdr, err) < 0)
		return -1;
	return parse_chain(m, m->hdr.next_payload, buf, ROVE_IKE_HDR_LEN, len, true, err);
}

int rove_msg_parse_inner(uint8_t first, const uint8_t *buf, size_t len, struct rove_msg *m,
			 struct rove_err *err)
{
	size_t n0 = m->n;

	if (parse_chain(m, first, buf, 0, len, false, err) < 0) {
		m->n = n0;
		return -1;
	}
	return 0;
}

const struct rove_payload *rove_msg_find_next(const struct rove_msg *m,
					      const struct rove_payload *after, uint8_t type)
{
	size_t i = 0;

	if (after) {
		if (after < m->pl || after >= m->pl + m->n)
			return NULL;
		i = (size_t)(after - m->pl) + 1;
	}
	for (; i < m->n; i++)
		if (m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

const struct rove_payload *rove_msg_find(const struct rove_msg *m, uint8_t type)
{
	return rove_msg_find_next(m, NULL, type);
}

const struct rove_payload *rove_msg_find_notify(const struct rove_msg *m, uint16_t notify_type)
{
	const struct rove_payload *p = NULL;
	struct rove_notify n;

	while ((p = rove_msg_find_next(m, p, ROVE_PL_NOTIFY)))
		if (rove_notify_parse(p->body, p->len, &n, NULL) == 0 && n.type == notify_type)
			return p;
	return NULL;
}
