/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 5685 redirect data: gateway identities and loop protection. */
#include "redirect.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static bool fqdn_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

int rove_redirect_parse(const uint8_t *data, size_t len, const uint8_t *nonce, size_t nonce_len,
			struct rove_redirect *out, struct rove_err *err)
{
	uint8_t type, idlen;
	const uint8_t *id;
	size_t rest;

	memset(out, 0, sizeof(*out));
	if (len < 2)
		return rove_err_set(err, ROVE_E_PARSE, _("REDIRECT: %zu bytes of data"), len);
	type = data[0];
	idlen = data[1];
	if ((size_t)idlen > len - 2)
		return rove_err_set(err, ROVE_E_PARSE, _("REDIRECT: identity runs past the notify"));
	id = data + 2;
	rest = len - 2 - idlen;
	switch (type) {
	case ROVE_GW_IPV4:
	case ROVE_GW_IPV6:
		if (idlen != (type == ROVE_GW_IPV4 ? 4 : 16))
			return rove_err_set(err, ROVE_E_PARSE, _("REDIRECT: an IPv%c address of %u bytes"),
					    type == ROVE_GW_IPV4 ? '4' : '6', idlen);
		out->addr.family = type == ROVE_GW_IPV4 ? AF_INET : AF_INET6;
		memcpy(out->addr.addr, id, idlen);
		break;
	case ROVE_GW_FQDN:
		if (!fqdn_ok(id, idlen))
			return rove_err_set(err, ROVE_E_PARSE, _("REDIRECT: the gateway name is not a host name"));
		memcpy(out->fqdn, id, idlen);
		out->fqdn[idlen] = '\0';
		break;
	default:
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("REDIRECT: gateway identity type %u"),
				    type);
	}
	if (nonce && (rest != nonce_len || memcmp(id + idlen, nonce, nonce_len) != 0))
		return rove_err_set(err, ROVE_E_PROTO, _("REDIRECT: the nonce data is not our nonce"));
	if (!nonce && rest)
		return rove_err_set(err, ROVE_E_PARSE, _("REDIRECT: %zu bytes after the identity"), rest);
	return 0;
}

void rove_redirect_build_addr(struct rove_buf *out, const struct rove_addr *a)
{
	uint8_t hdr[2];

	hdr[0] = a->family == AF_INET6 ? ROVE_GW_IPV6 : ROVE_GW_IPV4;
	hdr[1] = (uint8_t)rove_addr_len(a);
	rove_buf_add(out, hdr, 2);
	rove_buf_add(out, a->addr, rove_addr_len(a));
}

const char *rove_redirect_str(const struct rove_redirect *r, char *buf, size_t len)
{
	if (r->addr.family)
		return rove_addr_str(&r->addr, buf, len);
	snprintf(buf, len, "%s", r->fqdn);
	return buf;
}

size_t rove_redirect_recent(const struct rove_redirect_history *h, uint64_t now_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n; i++)
		if (now_ms - h->at[i] < ROVE_REDIRECT_PERIOD_MS)
			n++;
	return n;
}

bool rove_redirect_allow(struct rove_redirect_history *h, uint64_t now_ms)
{
	if (rove_redirect_recent(h, now_ms) >= ROVE_REDIRECT_MAX)
		return false;
	/* Keep the newest ROVE_REDIRECT_MAX: drop the oldest when full. */
	if (h->n == ROVE_REDIRECT_MAX) {
		memmove(h->at, h->at + 1, (ROVE_REDIRECT_MAX - 1) * sizeof(h->at[0]));
		h->n--;
	}
	h->at[h->n++] = now_ms;
	return true;
}
