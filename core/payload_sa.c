/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SA payload: proposals, transforms, attributes (RFC 7296 3.3). */
#include "payload.h"
#include "i18n.h"

#include <string.h>

#define PROP_HDR_LEN 8
#define TRANS_HDR_LEN 8
#define LAST_PROPOSAL 0
#define MORE_PROPOSALS 2
#define LAST_TRANSFORM 0
#define MORE_TRANSFORMS 3

static int sa_err(struct rove_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int sa_err(struct rove_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rove_err_vset(err, ROVE_E_PARSE, fmt, ap);
	va_end(ap);
	return rove_err_prefix(err, _("SA payload"));
}

/* Checks a last-substructure byte against whether anything follows. */
static int check_last(uint8_t flag, uint8_t more, bool follows, const char *what,
		      unsigned num, struct rove_err *err)
{
	if (flag != more && flag != 0)
		return sa_err(err, _("%s %u: last-substructure value %u"), what, num, flag);
	if (flag == 0 && follows)
		return sa_err(err, _("%s %u marked last but more data follows"), what, num);
	if (flag == more && !follows)
		return sa_err(err, _("%s %u not marked last but nothing follows"), what, num);
	return 0;
}

/* Attributes (3.3.5): only Key Length (TV) is defined for IKEv2. Anything
 * else, or a repeated Key Length, flags the transform as unusable: RFC 7296
 * says a transform with an unknown attribute must not be selected. */
static int parse_attrs(const uint8_t *p, size_t len, struct rove_transform *t,
		       unsigned pnum, struct rove_err *err)
{
	struct rove_rd r;

	rove_rd_init(&r, p, len);
	while (rove_rd_left(&r) > 0) {
		uint16_t type, val;

		if (rove_rd_left(&r) < 4)
			return sa_err(err, _("proposal %u: transform attribute truncated"), pnum);
		type = rove_rd_be16(&r);
		val = rove_rd_be16(&r);
		if (type & ROVE_ATTR_TV) {
			if ((type & ~ROVE_ATTR_TV) == ROVE_ATTR_KEY_LENGTH && !t->key_len && val)
				t->key_len = val;
			else
				t->unknown_attr = true;
			continue;
		}
		/* TLV: val is the length of the value that follows. */
		if (!rove_rd_bytes(&r, val))
			return sa_err(err, _("proposal %u: attribute length %u runs past the transform"),
				      pnum, val);
		t->unknown_attr = true;
	}
	return 0;
}

static int parse_transforms(struct rove_rd *r, struct rove_proposal *pr, unsigned declared,
			    struct rove_err *err)
{
	while (rove_rd_left(r) > 0) {
		struct rove_transform *t;
		const uint8_t *p;
		size_t tlen;
		uint8_t last;

		if (pr->n >= declared)
			return sa_err(err, _("proposal %u: more transforms than the %u declared"),
				      pr->num, declared);
		if (rove_rd_left(r) < TRANS_HDR_LEN)
			return sa_err(err, _("proposal %u: transform header truncated"), pr->num);
		p = r->p + r->off;
		last = p[0];
		tlen = rove_get_be16(p + 2);
		if (tlen < TRANS_HDR_LEN)
			return sa_err(err, _("transform length %zu shorter than its header"), tlen);
		if (tlen > rove_rd_left(r))
			return sa_err(err, _("proposal %u: transform length %zu runs past the proposal"),
				      pr->num, tlen);
		rove_rd_bytes(r, tlen);
		if (check_last(last, MORE_TRANSFORMS, rove_rd_left(r) > 0, "transform",
			       (unsigned)pr->n + 1, err) < 0)
			return -1;
		t = &pr->tr[pr->n++];
		memset(t, 0, sizeof(*t));
		t->type = p[4];
		t->id = rove_get_be16(p + 6);
		if (parse_attrs(p + TRANS_HDR_LEN, tlen - TRANS_HDR_LEN, t, pr->num, err) < 0)
			return -1;
	}
	if (pr->n != declared)
		return sa_err(err, _("proposal %u declares %u transforms but holds %zu"), pr->num,
			      declared, pr->n);
	return 0;
}

static int parse_proposal(const uint8_t *p, size_t plen, struct rove_proposal *pr,
			  struct rove_err *err)
{
	struct rove_rd r;
	unsigned declared;

	memset(pr, 0, offsetof(struct rove_proposal, tr));
	pr->num = p[4];
	pr->protocol = p[5];
	pr->spi_len = p[6];
	declared = p[7];
	if (pr->spi_len > sizeof(pr->spi))
		return sa_err(err, _("proposal %u: SPI size %u"), pr->num, pr->spi_len);
	if (plen < PROP_HDR_LEN + (size_t)pr->spi_len)
		return sa_err(err, _("proposal %u: length %zu shorter than its SPI"), pr->num, plen);
	if (declared > ROVE_MAX_TRANSFORMS)
		return sa_err(err, _("proposal %u: %u transforms (limit %d)"), pr->num, declared,
			      ROVE_MAX_TRANSFORMS);
	memcpy(pr->spi, p + PROP_HDR_LEN, pr->spi_len);
	rove_rd_init(&r, p + PROP_HDR_LEN + pr->spi_len, plen - PROP_HDR_LEN - pr->spi_len);
	return parse_transforms(&r, pr, declared, err);
}

int rove_sa_parse(const uint8_t *body, size_t len, struct rove_sa *sa, struct rove_err *err)
{
	struct rove_rd r;

	sa->n = 0;
	rove_rd_init(&r, body, len);
	if (len == 0)
		return sa_err(err, _("no proposals"));
	while (rove_rd_left(&r) > 0) {
		const uint8_t *p = r.p + r.off;
		struct rove_proposal *pr;
		size_t plen;

		if (sa->n >= ROVE_MAX_PROPOSALS)
			return sa_err(err, _("more than %d proposals"), ROVE_MAX_PROPOSALS);
		if (rove_rd_left(&r) < PROP_HDR_LEN)
			return sa_err(err, _("proposal header truncated (%zu bytes left)"),
				      rove_rd_left(&r));
		plen = rove_get_be16(p + 2);
		if (plen < PROP_HDR_LEN)
			return sa_err(err, _("proposal length %zu shorter than its header"), plen);
		if (plen > rove_rd_left(&r))
			return sa_err(err, _("proposal length %zu runs past the end (%zu bytes left)"),
				      plen, rove_rd_left(&r));
		rove_rd_bytes(&r, plen);
		if (check_last(p[0], MORE_PROPOSALS, rove_rd_left(&r) > 0, "proposal", p[4],
			       err) < 0)
			return -1;
		pr = &sa->prop[sa->n];
		if (parse_proposal(p, plen, pr, err) < 0)
			return -1;
		/* 3.3.1: offers are numbered 1, 2, ...; an answer echoes the
		 * number of the one it took, so a lone proposal may be any. */
		if (pr->num == 0 || (sa->n > 0 && pr->num != sa->prop[sa->n - 1].num + 1) ||
		    (sa->n == 1 && sa->prop[0].num != 1))
			return sa_err(err, _("proposal number %u out of sequence"), pr->num);
		sa->n++;
	}
	return 0;
}

static int check_sa(const struct rove_sa *sa)
{
	if (sa->n == 0 || sa->n > ROVE_MAX_PROPOSALS)
		return -1;
	for (size_t i = 0; i < sa->n; i++)
		if (sa->prop[i].spi_len > sizeof(sa->prop[i].spi) ||
		    sa->prop[i].n > ROVE_MAX_TRANSFORMS)
			return -1;
	return 0;
}

static void build_transform(struct rove_buf *out, const struct rove_transform *t, bool last)
{
	rove_buf_add_u8(out, last ? LAST_TRANSFORM : MORE_TRANSFORMS);
	rove_buf_add_u8(out, 0);
	rove_buf_add_be16(out, t->key_len ? TRANS_HDR_LEN + 4 : TRANS_HDR_LEN);
	rove_buf_add_u8(out, t->type);
	rove_buf_add_u8(out, 0);
	rove_buf_add_be16(out, t->id);
	if (t->key_len) {
		rove_buf_add_be16(out, ROVE_ATTR_TV | ROVE_ATTR_KEY_LENGTH);
		rove_buf_add_be16(out, t->key_len);
	}
}

int rove_sa_build(struct rove_buf *out, const struct rove_sa *sa)
{
	if (check_sa(sa) < 0)
		return -1;
	for (size_t i = 0; i < sa->n; i++) {
		const struct rove_proposal *pr = &sa->prop[i];
		size_t start = out->len;

		rove_buf_add_u8(out, i + 1 == sa->n ? LAST_PROPOSAL : MORE_PROPOSALS);
		rove_buf_add_u8(out, 0);
		rove_buf_add_be16(out, 0); /* length, patched below */
		rove_buf_add_u8(out, pr->num);
		rove_buf_add_u8(out, pr->protocol);
		rove_buf_add_u8(out, pr->spi_len);
		rove_buf_add_u8(out, (uint8_t)pr->n);
		rove_buf_add(out, pr->spi, pr->spi_len);
		for (size_t j = 0; j < pr->n; j++)
			build_transform(out, &pr->tr[j], j + 1 == pr->n);
		/* At most 8 + 8 + 48 * 12 bytes: always fits 16 bits. */
		rove_buf_set_be16(out, start + 2, (uint16_t)(out->len - start));
	}
	return out->failed ? -1 : 0;
}
