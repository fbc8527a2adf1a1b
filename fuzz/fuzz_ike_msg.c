/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the IKEv2 codec: the message parser, every payload
 * parser, ID formatting, and build-then-parse round trips that must agree
 * with the first parse (abort() on disagreement). */
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "redirect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Large structs are static: libFuzzer runs one input at a time. */
static struct rove_sa sa, sa2;
static struct rove_msg inner;

static void check_sa(const struct rove_payload *p)
{
	struct rove_buf b;

	if (rove_sa_parse(p->body, p->len, &sa, NULL) < 0)
		return;
	rove_buf_init(&b);
	if (rove_sa_build(&b, &sa) < 0 || rove_sa_parse(b.data, b.len, &sa2, NULL) < 0)
		abort();
	if (sa2.n != sa.n)
		abort();
	for (size_t i = 0; i < sa.n; i++) {
		const struct rove_proposal *x = &sa.prop[i], *y = &sa2.prop[i];

		if (x->num != y->num || x->protocol != y->protocol || x->spi_len != y->spi_len ||
		    memcmp(x->spi, y->spi, x->spi_len) || x->n != y->n)
			abort();
		for (size_t j = 0; j < x->n; j++)
			if (x->tr[j].type != y->tr[j].type || x->tr[j].id != y->tr[j].id ||
			    x->tr[j].key_len != y->tr[j].key_len || y->tr[j].unknown_attr)
				abort();
	}
	rove_buf_free(&b);
}

static void check_ts(const struct rove_payload *p)
{
	struct rove_ts_list l, l2;
	struct rove_buf b;

	if (rove_ts_parse(p->body, p->len, &l, NULL) < 0)
		return;
	rove_buf_init(&b);
	rove_ts_build(&b, l.ts, l.n);
	if (b.failed || b.len != p->len || rove_ts_parse(b.data, b.len, &l2, NULL) < 0 ||
	    l2.n != l.n || memcmp(l.ts, l2.ts, l.n * sizeof(l.ts[0])))
		abort();
	rove_buf_free(&b);
}

static void check_cp(const struct rove_payload *p)
{
	static struct rove_cp cp, cp2;
	struct rove_buf b;

	if (rove_cp_parse(p->body, p->len, &cp, NULL) < 0)
		return;
	rove_buf_init(&b);
	rove_cp_build(&b, cp.cfg_type, cp.attr, cp.n);
	if (b.failed || b.len != p->len || rove_cp_parse(b.data, b.len, &cp2, NULL) < 0 ||
	    cp2.n != cp.n || cp2.cfg_type != cp.cfg_type)
		abort();
	for (size_t i = 0; i < cp.n; i++)
		if (cp.attr[i].type != cp2.attr[i].type || cp.attr[i].len != cp2.attr[i].len ||
		    memcmp(cp.attr[i].data, cp2.attr[i].data, cp.attr[i].len))
			abort();
	rove_buf_free(&b);
}

static void check_id(const struct rove_payload *p)
{
	struct rove_id id;
	char small[7], big[512];

	if (rove_id_parse(p->body, p->len, &id, NULL) < 0)
		return;
	rove_id_str(&id, small, sizeof(small));
	rove_id_str(&id, big, sizeof(big));
	if (strlen(small) >= sizeof(small) || strlen(big) >= sizeof(big))
		abort();
	if (strncmp(small, big, strlen(small)) != 0)
		abort();
}

/* RFC 5685 data: with and without nonce data (the last 4 bytes as the
 * nonce); an address that parses must build back to the same bytes. */
static void check_redirect(const struct rove_notify *n)
{
	struct rove_redirect r;
	struct rove_buf b;
	char s[256];

	if (n->len >= 4)
		rove_redirect_parse(n->data, n->len, n->data + n->len - 4, 4, &r, NULL);
	if (rove_redirect_parse(n->data, n->len, NULL, 0, &r, NULL) < 0)
		return;
	rove_redirect_str(&r, s, sizeof(s));
	if (!r.addr.family)
		return;
	rove_buf_init(&b);
	rove_redirect_build_addr(&b, &r.addr);
	if (b.failed || b.len != n->len || memcmp(b.data, n->data, b.len))
		abort();
	rove_buf_free(&b);
}

static void check_payload(const struct rove_payload *p)
{
	struct rove_ke ke;
	struct rove_cert_pl c;
	struct rove_auth a;
	struct rove_notify n;
	struct rove_delete d;

	switch (p->type) {
	case ROVE_PL_SA: check_sa(p); break;
	case ROVE_PL_KE: rove_ke_parse(p->body, p->len, &ke, NULL); break;
	case ROVE_PL_IDI:
	case ROVE_PL_IDR: check_id(p); break;
	case ROVE_PL_CERT:
	case ROVE_PL_CERTREQ: rove_cert_parse(p->body, p->len, &c, NULL); break;
	case ROVE_PL_AUTH: rove_auth_parse(p->body, p->len, &a, NULL); break;
	case ROVE_PL_NONCE: rove_nonce_check(p->len, NULL); break;
	case ROVE_PL_NOTIFY:
		if (rove_notify_parse(p->body, p->len, &n, NULL) == 0 && !rove_notify_name(n.type))
			abort();
		if (rove_notify_parse(p->body, p->len, &n, NULL) == 0)
			check_redirect(&n);
		break;
	case ROVE_PL_DELETE: rove_delete_parse(p->body, p->len, &d, NULL); break;
	case ROVE_PL_TSI:
	case ROVE_PL_TSR: check_ts(p); break;
	case ROVE_PL_CP: check_cp(p); break;
	default: break;
	}
}

static void check_all(const struct rove_msg *m, size_t from)
{
	for (size_t i = from; i < m->n; i++)
		check_payload(&m->pl[i]);
}

/* Rebuilds m with the message builder; the result must parse to the same
 * chain (unknown payloads were dropped by the parse, so lengths may shrink). */
static void check_rebuild(const struct rove_msg *m)
{
	static struct rove_msg m2;
	struct rove_mb mb;

	rove_mb_init(&mb, m->hdr.spi_i, m->hdr.spi_r, m->hdr.exchange, m->hdr.flags,
		     m->hdr.msg_id);
	for (size_t i = 0; i < m->n; i++) {
		const struct rove_payload *p = &m->pl[i];

		if (p->type == ROVE_PL_SKF)
			goto out;
		if (p->type == ROVE_PL_SK) {
			rove_mb_begin_sk(&mb, p->next);
			if (p->critical && !mb.buf.failed)
				mb.buf.data[mb.cur + 1] |= ROVE_PL_CRITICAL;
		} else
			rove_mb_begin(&mb, p->type, p->critical);
		rove_buf_add(&mb.buf, p->body, p->len);
		rove_mb_end(&mb);
	}
	if (rove_mb_finish(&mb, NULL) < 0 || rove_msg_parse(mb.buf.data, mb.buf.len, &m2, NULL) < 0)
		abort();
	if (m2.n != m->n)
		abort();
	for (size_t i = 0; i < m->n; i++)
		if (m2.pl[i].type != m->pl[i].type || m2.pl[i].len != m->pl[i].len ||
		    m2.pl[i].critical != m->pl[i].critical ||
		    memcmp(m2.pl[i].body, m->pl[i].body, m->pl[i].len))
			abort();
out:
	rove_mb_free(&mb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rove_msg m;
	const struct rove_payload *sk = NULL;

	/* The input as a whole message. */
	if (rove_msg_parse(data, size, &m, NULL) == 0) {
		check_all(&m, 0);
		check_rebuild(&m);
		for (size_t i = 0; i < m.n; i++)
			if (m.pl[i].type == ROVE_PL_SK || m.pl[i].type == ROVE_PL_SKF)
				sk = &m.pl[i];
		if (sk) {
			/* As if the SK body were the decrypted plaintext. */
			size_t n0 = m.n;

			if (rove_msg_parse_inner(sk->next, sk->body, sk->len, &m, NULL) == 0)
				check_all(&m, n0);
		} else {
			for (size_t i = 0; i < m.n; i++) {
				inner.n = 0;
				if (rove_msg_parse_inner(m.pl[i].next, m.pl[i].body, m.pl[i].len,
							 &inner, NULL) == 0)
					check_all(&inner, 0);
			}
		}
	}
	/* The input as a decrypted inner chain: first byte is the first type. */
	if (size > 0) {
		inner.n = 0;
		if (rove_msg_parse_inner(data[0], data + 1, size - 1, &inner, NULL) == 0)
			check_all(&inner, 0);
	}
	return 0;
}
