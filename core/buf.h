/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Byte buffers: a growable writer and a bounds-checked reader.
 *
 * struct rove_buf owns its heap memory; rove_buf_free() wipes and frees it.
 * A failed allocation sets `failed` and turns later writes into no-ops, so
 * builders check once at the end. struct rove_rd never owns memory and never
 * reads past `len`: a short read sets `err` and yields zeros. */
#ifndef ROVE_BUF_H
#define ROVE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rove_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool failed;
};

/* A borrowed view of bytes; never freed through this struct. */
struct rove_bytes {
	const uint8_t *ptr;
	size_t len;
};

void rove_buf_init(struct rove_buf *b);
void rove_buf_free(struct rove_buf *b);   /* wipes, frees, re-inits */
void rove_buf_reset(struct rove_buf *b);  /* wipes contents, keeps memory */
bool rove_buf_reserve(struct rove_buf *b, size_t extra);
/* Appends n bytes and returns a pointer to them (uninitialised), or NULL. */
uint8_t *rove_buf_put(struct rove_buf *b, size_t n);
void rove_buf_add(struct rove_buf *b, const void *p, size_t n);
void rove_buf_add_u8(struct rove_buf *b, uint8_t v);
void rove_buf_add_be16(struct rove_buf *b, uint16_t v);
void rove_buf_add_be32(struct rove_buf *b, uint32_t v);
void rove_buf_add_be64(struct rove_buf *b, uint64_t v);
void rove_buf_set_be16(struct rove_buf *b, size_t off, uint16_t v);
void rove_buf_set_be32(struct rove_buf *b, size_t off, uint32_t v);

static inline uint16_t rove_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t rove_get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void rove_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void rove_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

struct rove_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

void rove_rd_init(struct rove_rd *r, const uint8_t *p, size_t len);
size_t rove_rd_left(const struct rove_rd *r);
uint8_t rove_rd_u8(struct rove_rd *r);
uint16_t rove_rd_be16(struct rove_rd *r);
uint32_t rove_rd_be32(struct rove_rd *r);
/* Returns a pointer to the next n bytes inside the input, or NULL. */
const uint8_t *rove_rd_bytes(struct rove_rd *r, size_t n);
bool rove_rd_copy(struct rove_rd *r, void *out, size_t n);

/* Securely zeroes memory (OPENSSL_cleanse). */
void rove_wipe(void *p, size_t n);
/* Constant-time comparison; true when equal. */
bool rove_memeq_ct(const void *a, const void *b, size_t n);

#endif
