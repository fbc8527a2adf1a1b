/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "buf.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

void rove_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

bool rove_memeq_ct(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void rove_buf_init(struct rove_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void rove_buf_free(struct rove_buf *b)
{
	if (b->data) {
		rove_wipe(b->data, b->cap);
		free(b->data);
	}
	rove_buf_init(b);
}

void rove_buf_reset(struct rove_buf *b)
{
	rove_wipe(b->data, b->len);
	b->len = 0;
	b->failed = false;
}

bool rove_buf_reserve(struct rove_buf *b, size_t extra)
{
	size_t want, cap;
	uint8_t *n;

	if (b->failed)
		return false;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return false;
	}
	want = b->len + extra;
	if (want <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap *= 2;
	/* Not realloc: the old block may hold key material and must be wiped. */
	n = malloc(cap);
	if (!n) {
		b->failed = true;
		return false;
	}
	if (b->data) {
		memcpy(n, b->data, b->len);
		rove_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = n;
	b->cap = cap;
	return true;
}

uint8_t *rove_buf_put(struct rove_buf *b, size_t n)
{
	uint8_t *p;

	if (!rove_buf_reserve(b, n ? n : 1))
		return NULL;
	p = b->data + b->len;
	b->len += n;
	return p;
}

void rove_buf_add(struct rove_buf *b, const void *p, size_t n)
{
	uint8_t *d = rove_buf_put(b, n);

	if (d && n)
		memcpy(d, p, n);
}

void rove_buf_add_u8(struct rove_buf *b, uint8_t v)
{
	rove_buf_add(b, &v, 1);
}

void rove_buf_add_be16(struct rove_buf *b, uint16_t v)
{
	uint8_t *d = rove_buf_put(b, 2);

	if (d)
		rove_put_be16(d, v);
}

void rove_buf_add_be32(struct rove_buf *b, uint32_t v)
{
	uint8_t *d = rove_buf_put(b, 4);

	if (d)
		rove_put_be32(d, v);
}

void rove_buf_add_be64(struct rove_buf *b, uint64_t v)
{
	rove_buf_add_be32(b, (uint32_t)(v >> 32));
	rove_buf_add_be32(b, (uint32_t)v);
}

void rove_buf_set_be16(struct rove_buf *b, size_t off, uint16_t v)
{
	if (!b->failed && off + 2 <= b->len)
		rove_put_be16(b->data + off, v);
}

void rove_buf_set_be32(struct rove_buf *b, size_t off, uint32_t v)
{
	if (!b->failed && off + 4 <= b->len)
		rove_put_be32(b->data + off, v);
}

void rove_rd_init(struct rove_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}

size_t rove_rd_left(const struct rove_rd *r)
{
	return r->len - r->off;
}

const uint8_t *rove_rd_bytes(struct rove_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

bool rove_rd_copy(struct rove_rd *r, void *out, size_t n)
{
	const uint8_t *p = rove_rd_bytes(r, n);

	if (!p)
		return false;
	memcpy(out, p, n);
	return true;
}

uint8_t rove_rd_u8(struct rove_rd *r)
{
	const uint8_t *p = rove_rd_bytes(r, 1);

	return p ? p[0] : 0;
}

uint16_t rove_rd_be16(struct rove_rd *r)
{
	const uint8_t *p = rove_rd_bytes(r, 2);

	return p ? rove_get_be16(p) : 0;
}

uint32_t rove_rd_be32(struct rove_rd *r)
{
	const uint8_t *p = rove_rd_bytes(r, 4);

	return p ? rove_get_be32(p) : 0;
}
