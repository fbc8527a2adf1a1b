/* SPDX-License-Identifier: GPL-2.0-or-later */
/* KE, ID, CERT/CERTREQ, AUTH, Nonce, Notify, Delete, TS and CP payload
 * bodies (RFC 7296 3.4-3.15). Vendor ID and EAP bodies are opaque here. */
#include "payload.h"
#include "i18n.h"

#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

int rove_ke_parse(const uint8_t *body, size_t len, struct rove_ke *ke, struct rove_err *err)
{
	if (len < 4)
		return rove_err_set(err, ROVE_E_PARSE, _("KE payload: %zu bytes, shorter than 4"), len);
	ke->group = rove_get_be16(body);
	ke->data = body + 4;
	ke->len = len - 4;
	if (ke->len == 0)
		return rove_err_set(err, ROVE_E_PARSE, _("KE payload: no key exchange data"));
	return 0;
}

void rove_ke_build(struct rove_buf *out, uint16_t group, const uint8_t *data, size_t len)
{
	rove_buf_add_be16(out, group);
	rove_buf_add_be16(out, 0);
	rove_buf_add(out, data, len);
}

int rove_id_parse(const uint8_t *body, size_t len, struct rove_id *id, struct rove_err *err)
{
	if (len < 4)
		return rove_err_set(err, ROVE_E_PARSE, _("ID payload: %zu bytes, shorter than 4"), len);
	id->type = body[0];
	id->data = body + 4;
	id->len = len - 4;
	if ((id->type == ROVE_ID_IPV4_ADDR && id->len != 4) ||
	    (id->type == ROVE_ID_IPV6_ADDR && id->len != 16))
		return rove_err_set(err, ROVE_E_PARSE, _("ID payload: %zu-byte IP address"), id->len);
	return 0;
}

void rove_id_build(struct rove_buf *out, uint8_t type, const uint8_t *data, size_t len)
{
	rove_buf_add_u8(out, type);
	rove_buf_add(out, "\0\0\0", 3);
	rove_buf_add(out, data, len);
}

int rove_cert_parse(const uint8_t *body, size_t len, struct rove_cert_pl *c, struct rove_err *err)
{
	/* The same layout serves CERT (3.6) and CERTREQ (3.7); an empty
	 * CERTREQ authority list is legitimate. */
	if (len < 1)
		return rove_err_set(err, ROVE_E_PARSE, _("CERT payload: no encoding byte"));
	c->encoding = body[0];
	c->data = body + 1;
	c->len = len - 1;
	return 0;
}

void rove_cert_build(struct rove_buf *out, uint8_t encoding, const uint8_t *data, size_t len)
{
	rove_buf_add_u8(out, encoding);
	rove_buf_add(out, data, len);
}

int rove_auth_parse(const uint8_t *body, size_t len, struct rove_auth *a, struct rove_err *err)
{
	if (len < 4)
		return rove_err_set(err, ROVE_E_PARSE, _("AUTH payload: %zu bytes, shorter than 4"), len);
	a->method = body[0];
	a->data = body + 4;
	a->len = len - 4;
	if (a->len == 0)
		return rove_err_set(err, ROVE_E_PARSE, _("AUTH payload: no authentication data"));
	return 0;
}

void rove_auth_build(struct rove_buf *out, uint8_t method, const uint8_t *data, size_t len)
{
	rove_buf_add_u8(out, method);
	rove_buf_add(out, "\0\0\0", 3);
	rove_buf_add(out, data, len);
}

int rove_nonce_check(size_t len, struct rove_err *err)
{
	if (len < ROVE_NONCE_MIN || len > ROVE_NONCE_MAX)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("Nonce payload: %zu bytes, outside %d..%d"), len,
				    ROVE_NONCE_MIN, ROVE_NONCE_MAX);
	return 0;
}

int rove_notify_parse(const uint8_t *body, size_t len, struct rove_notify *n, struct rove_err *err)
{
	if (len < 4)
		return rove_err_set(err, ROVE_E_PARSE, _("Notify payload: %zu bytes, shorter than 4"),
				    len);
	n->protocol = body[0];
	n->spi_size = body[1];
	n->type = rove_get_be16(body + 2);
	if (n->spi_size > len - 4)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("Notify payload (%s): SPI size %u runs past the end"),
				    rove_notify_name(n->type), n->spi_size);
	n->spi = body + 4;
	n->data = body + 4 + n->spi_size;
	n->len = len - 4 - n->spi_size;
	return 0;
}

void rove_notify_build(struct rove_buf *out, uint8_t protocol, const uint8_t *spi, size_t spi_size,
		       uint16_t type, const uint8_t *data, size_t len)
{
	if (spi_size > UINT8_MAX) {
		out->failed = true;
		return;
	}
	rove_buf_add_u8(out, protocol);
	rove_buf_add_u8(out, (uint8_t)spi_size);
	rove_buf_add_be16(out, type);
	rove_buf_add(out, spi, spi_size);
	rove_buf_add(out, data, len);
}

int rove_delete_parse(const uint8_t *body, size_t len, struct rove_delete *d, struct rove_err *err)
{
	if (len < 4)
		return rove_err_set(err, ROVE_E_PARSE, _("Delete payload: %zu bytes, shorter than 4"),
				    len);
	d->protocol = body[0];
	d->spi_size = body[1];
	d->nspi = rove_get_be16(body + 2);
	d->spis = body + 4;
	switch (d->protocol) {
	case ROVE_PROTO_IKE:
		/* 3.11: the IKE SA is the one in the header; no SPIs. */
		if (d->spi_size != 0 || d->nspi != 0)
			return rove_err_set(err, ROVE_E_PARSE,
					    _("Delete payload: IKE with SPI size %u and %u SPIs"),
					    d->spi_size, d->nspi);
		break;
	case ROVE_PROTO_AH:
	case ROVE_PROTO_ESP:
		if (d->spi_size != 4)
			return rove_err_set(err, ROVE_E_PARSE,
					    _("Delete payload: SPI size %u for protocol %u"), d->spi_size,
					    d->protocol);
		break;
	default:
		return rove_err_set(err, ROVE_E_PARSE, _("Delete payload: unknown protocol %u"),
				    d->protocol);
	}
	if ((size_t)d->nspi * d->spi_size != len - 4)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("Delete payload: %u SPIs of %u bytes in %zu bytes"), d->nspi,
				    d->spi_size, len - 4);
	return 0;
}

void rove_delete_build(struct rove_buf *out, uint8_t protocol, uint8_t spi_size, uint16_t nspi,
		       const uint8_t *spis)
{
	rove_buf_add_u8(out, protocol);
	rove_buf_add_u8(out, spi_size);
	rove_buf_add_be16(out, nspi);
	rove_buf_add(out, spis, (size_t)nspi * spi_size);
}

static size_t ts_addr_len(uint8_t type)
{
	return type == ROVE_TS_IPV4_ADDR_RANGE ? 4 : type == ROVE_TS_IPV6_ADDR_RANGE ? 16 : 0;
}

static int parse_one_ts(struct rove_rd *r, struct rove_ts *ts, size_t i, struct rove_err *err)
{
	const uint8_t *p = r->p + r->off;
	size_t alen, slen;

	if (rove_rd_left(r) < 4)
		return rove_err_set(err, ROVE_E_PARSE, _("TS payload: selector %zu truncated"), i);
	memset(ts, 0, sizeof(*ts));
	ts->type = p[0];
	ts->ip_proto = p[1];
	slen = rove_get_be16(p + 2);
	alen = ts_addr_len(ts->type);
	if (!alen)
		return rove_err_set(err, ROVE_E_PARSE, _("TS payload: selector %zu of unknown type %u"),
				    i, ts->type);
	if (slen != 8 + 2 * alen)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("TS payload: selector %zu of type %u has length %zu"), i,
				    ts->type, slen);
	if (!rove_rd_bytes(r, slen))
		return rove_err_set(err, ROVE_E_PARSE,
				    _("TS payload: selector %zu runs past the end"), i);
	ts->start_port = rove_get_be16(p + 4);
	ts->end_port = rove_get_be16(p + 6);
	memcpy(ts->start, p + 8, alen);
	memcpy(ts->end, p + 8 + alen, alen);
	if (memcmp(ts->start, ts->end, alen) > 0)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("TS payload: selector %zu starts after its end address"), i);
	/* RFC 4301's OPAQUE ports are written as the range 65535-0. */
	if (ts->start_port > ts->end_port && !(ts->start_port == 65535 && ts->end_port == 0))
		return rove_err_set(err, ROVE_E_PARSE,
				    _("TS payload: selector %zu has port range %u-%u"), i,
				    ts->start_port, ts->end_port);
	return 0;
}

int rove_ts_parse(const uint8_t *body, size_t len, struct rove_ts_list *l, struct rove_err *err)
{
	struct rove_rd r;
	size_t count;

	l->n = 0;
	if (len < 4)
		return rove_err_set(err, ROVE_E_PARSE, _("TS payload: %zu bytes, shorter than 4"), len);
	count = body[0];
	if (count == 0)
		return rove_err_set(err, ROVE_E_PARSE, _("TS payload: no traffic selectors"));
	if (count > ROVE_MAX_TS)
		return rove_err_set(err, ROVE_E_PARSE, _("TS payload: %zu selectors (limit %d)"), count,
				    ROVE_MAX_TS);
	rove_rd_init(&r, body + 4, len - 4);
	for (size_t i = 0; i < count; i++) {
		if (parse_one_ts(&r, &l->ts[i], i + 1, err) < 0) {
			l->n = 0;
			return -1;
		}
	}
	if (rove_rd_left(&r) != 0)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("TS payload: %zu trailing bytes after %zu selectors"),
				    rove_rd_left(&r), count);
	l->n = count;
	return 0;
}

void rove_ts_build(struct rove_buf *out, const struct rove_ts *ts, size_t n)
{
	if (n == 0 || n > UINT8_MAX) {
		out->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ts_addr_len(ts[i].type)) {
			out->failed = true;
			return;
		}
	}
	rove_buf_add_u8(out, (uint8_t)n);
	rove_buf_add(out, "\0\0\0", 3);
	for (size_t i = 0; i < n; i++) {
		size_t alen = ts_addr_len(ts[i].type);

		rove_buf_add_u8(out, ts[i].type);
		rove_buf_add_u8(out, ts[i].ip_proto);
		rove_buf_add_be16(out, (uint16_t)(8 + 2 * alen));
		rove_buf_add_be16(out, ts[i].start_port);
		rove_buf_add_be16(out, ts[i].end_port);
		rove_buf_add(out, ts[i].start, alen);
		rove_buf_add(out, ts[i].end, alen);
	}
}

int rove_cp_parse(const uint8_t *body, size_t len, struct rove_cp *cp, struct rove_err *err)
{
	struct rove_rd r;

	cp->n = 0;
	if (len < 4)
		return rove_err_set(err, ROVE_E_PARSE, _("CP payload: %zu bytes, shorter than 4"), len);
	cp->cfg_type = body[0];
	rove_rd_init(&r, body + 4, len - 4);
	while (rove_rd_left(&r) > 0) {
		struct rove_cp_attr *a;

		if (cp->n >= ROVE_MAX_CP_ATTRS)
			return rove_err_set(err, ROVE_E_PARSE, _("CP payload: more than %d attributes"),
					    ROVE_MAX_CP_ATTRS);
		if (rove_rd_left(&r) < 4)
			return rove_err_set(err, ROVE_E_PARSE,
					    _("CP payload: attribute %zu header truncated"), cp->n);
		a = &cp->attr[cp->n];
		a->type = rove_rd_be16(&r) & 0x7fff; /* top bit reserved */
		a->len = rove_rd_be16(&r);
		a->data = rove_rd_bytes(&r, a->len);
		if (!a->data)
			return rove_err_set(err, ROVE_E_PARSE,
					    _("CP payload: attribute %u length %u runs past the end"),
					    a->type, a->len);
		cp->n++;
	}
	return 0;
}

void rove_cp_build(struct rove_buf *out, uint8_t cfg_type, const struct rove_cp_attr *attrs,
		   size_t n)
{
	rove_buf_add_u8(out, cfg_type);
	rove_buf_add(out, "\0\0\0", 3);
	for (size_t i = 0; i < n; i++) {
		rove_buf_add_be16(out, attrs[i].type & 0x7fff);
		rove_buf_add_be16(out, attrs[i].len);
		rove_buf_add(out, attrs[i].data, attrs[i].len);
	}
}

struct notify_entry {
	uint16_t type;
	const char *name;
};

/* The IANA "IKEv2 Notify Message Types" registry, sorted by value. */
static const struct notify_entry notify_names[] = {
	{ 1, "UNSUPPORTED_CRITICAL_PAYLOAD" },
	{ 4, "INVALID_IKE_SPI" },
	{ 5, "INVALID_MAJOR_VERSION" },
	{ 7, "INVALID_SYNTAX" },
	{ 9, "INVALID_MESSAGE_ID" },
	{ 11, "INVALID_SPI" },
	{ 14, "NO_PROPOSAL_CHOSEN" },
	{ 17, "INVALID_KE_PAYLOAD" },
	{ 24, "AUTHENTICATION_FAILED" },
	{ 34, "SINGLE_PAIR_REQUIRED" },
	{ 35, "NO_ADDITIONAL_SAS" },
	{ 36, "INTERNAL_ADDRESS_FAILURE" },
	{ 37, "FAILED_CP_REQUIRED" },
	{ 38, "TS_UNACCEPTABLE" },
	{ 39, "INVALID_SELECTORS" },
	{ 40, "UNACCEPTABLE_ADDRESSES" },
	{ 41, "UNEXPECTED_NAT_DETECTED" },
	{ 42, "USE_ASSIGNED_HoA" },
	{ 43, "TEMPORARY_FAILURE" },
	{ 44, "CHILD_SA_NOT_FOUND" },
	{ 45, "INVALID_GROUP_ID" },
	{ 46, "AUTHORIZATION_FAILED" },
	{ 47, "STATE_NOT_FOUND" },
	{ 16384, "INITIAL_CONTACT" },
	{ 16385, "SET_WINDOW_SIZE" },
	{ 16386, "ADDITIONAL_TS_POSSIBLE" },
	{ 16387, "IPCOMP_SUPPORTED" },
	{ 16388, "NAT_DETECTION_SOURCE_IP" },
	{ 16389, "NAT_DETECTION_DESTINATION_IP" },
	{ 16390, "COOKIE" },
	{ 16391, "USE_TRANSPORT_MODE" },
	{ 16392, "HTTP_CERT_LOOKUP_SUPPORTED" },
	{ 16393, "REKEY_SA" },
	{ 16394, "ESP_TFC_PADDING_NOT_SUPPORTED" },
	{ 16395, "NON_FIRST_FRAGMENTS_ALSO" },
	{ 16396, "MOBIKE_SUPPORTED" },
	{ 16397, "ADDITIONAL_IP4_ADDRESS" },
	{ 16398, "ADDITIONAL_IP6_ADDRESS" },
	{ 16399, "NO_ADDITIONAL_ADDRESSES" },
	{ 16400, "UPDATE_SA_ADDRESSES" },
	{ 16401, "COOKIE2" },
	{ 16402, "NO_NATS_ALLOWED" },
	{ 16403, "AUTH_LIFETIME" },
	{ 16404, "MULTIPLE_AUTH_SUPPORTED" },
	{ 16405, "ANOTHER_AUTH_FOLLOWS" },
	{ 16406, "REDIRECT_SUPPORTED" },
	{ 16407, "REDIRECT" },
	{ 16408, "REDIRECTED_FROM" },
	{ 16409, "TICKET_LT_OPAQUE" },
	{ 16410, "TICKET_REQUEST" },
	{ 16411, "TICKET_ACK" },
	{ 16412, "TICKET_NACK" },
	{ 16413, "TICKET_OPAQUE" },
	{ 16414, "LINK_ID" },
	{ 16415, "USE_WESP_MODE" },
	{ 16416, "ROHC_SUPPORTED" },
	{ 16417, "EAP_ONLY_AUTHENTICATION" },
	{ 16418, "CHILDLESS_IKEV2_SUPPORTED" },
	{ 16419, "QUICK_CRASH_DETECTION" },
	{ 16420, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED" },
	{ 16421, "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED" },
	{ 16422, "IKEV2_MESSAGE_ID_SYNC" },
	{ 16423, "IPSEC_REPLAY_COUNTER_SYNC" },
	{ 16424, "SECURE_PASSWORD_METHODS" },
	{ 16425, "PSK_PERSIST" },
	{ 16426, "PSK_CONFIRM" },
	{ 16427, "ERX_SUPPORTED" },
	{ 16428, "IFOM_CAPABILITY" },
	{ 16429, "SENDER_REQUEST_ID" },
	{ 16430, "IKEV2_FRAGMENTATION_SUPPORTED" },
	{ 16431, "SIGNATURE_HASH_ALGORITHMS" },
	{ 16432, "CLONE_IKE_SA_SUPPORTED" },
	{ 16433, "CLONE_IKE_SA" },
	{ 16434, "PUZZLE" },
	{ 16435, "USE_PPK" },
	{ 16436, "PPK_IDENTITY" },
	{ 16437, "NO_PPK_AUTH" },
	{ 16438, "INTERMEDIATE_EXCHANGE_SUPPORTED" },
	{ 16439, "IP4_ALLOWED" },
	{ 16440, "IP6_ALLOWED" },
	{ 16441, "ADDITIONAL_KEY_EXCHANGE" },
	{ 16442, "USE_AGGFRAG" },
};

const char *rove_notify_name(uint16_t type)
{
	size_t lo = 0, hi = sizeof(notify_names) / sizeof(notify_names[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (notify_names[mid].type == type)
			return notify_names[mid].name;
		if (notify_names[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "unknown";
}

/* A truncating string writer for rove_id_str. */
struct strw {
	char *buf;
	size_t len, off;
};

static void strw_putc(struct strw *w, char c)
{
	if (w->off + 1 < w->len)
		w->buf[w->off++] = c;
	w->buf[w->off] = '\0';
}

static void strw_hex(struct strw *w, uint8_t b)
{
	static const char digits[] = "0123456789abcdef";

	strw_putc(w, digits[b >> 4]);
	strw_putc(w, digits[b & 15]);
}

/* Peer-chosen bytes go to logs and the GUI: escape anything unprintable. */
static void strw_text(struct strw *w, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\') {
			strw_putc(w, '\\');
			strw_putc(w, '\\');
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			strw_putc(w, (char)p[i]);
		} else {
			strw_putc(w, '\\');
			strw_putc(w, 'x');
			strw_hex(w, p[i]);
		}
	}
}

static bool id_dn_str(const struct rove_id *id, struct strw *w)
{
	const unsigned char *p = id->data;
	X509_NAME *name;
	BIO *bio;
	char *text;
	long n;
	bool ok = false;

	if (id->len == 0 || id->len > LONG_MAX)
		return false;
	name = d2i_X509_NAME(NULL, &p, (long)id->len);
	if (!name)
		return false;
	bio = BIO_new(BIO_s_mem());
	if (bio && p == id->data + id->len &&
	    X509_NAME_print_ex(bio, name, 0,
			       (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK) | XN_FLAG_SEP_CPLUS_SPC) >= 0) {
		n = BIO_get_mem_data(bio, &text);
		if (n >= 0) {
			strw_text(w, (const uint8_t *)text, (size_t)n);
			ok = true;
		}
	}
	BIO_free(bio);
	X509_NAME_free(name);
	return ok;
}

const char *rove_id_str(const struct rove_id *id, char *buf, size_t len)
{
	struct strw w = { buf, len, 0 };
	struct rove_addr a = { 0 };

	if (len == 0)
		return buf;
	buf[0] = '\0';
	switch (id->type) {
	case ROVE_ID_FQDN:
	case ROVE_ID_RFC822_ADDR:
		strw_text(&w, id->data, id->len);
		return buf;
	case ROVE_ID_IPV4_ADDR:
	case ROVE_ID_IPV6_ADDR:
		a.family = id->type == ROVE_ID_IPV4_ADDR ? AF_INET : AF_INET6;
		if (id->len == rove_addr_len(&a)) {
			char s[ROVE_ADDR_STRLEN];

			memcpy(a.addr, id->data, id->len);
			rove_addr_str(&a, s, sizeof(s));
			strw_text(&w, (const uint8_t *)s, strlen(s));
			return buf;
		}
		break;
	case ROVE_ID_DER_ASN1_DN:
		if (id_dn_str(id, &w))
			return buf;
		break;
	default:
		break;
	}
	w.off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < id->len; i++)
		strw_hex(&w, id->data[i]);
	return buf;
}
