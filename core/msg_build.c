/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The message builder: IKE header plus a chain of payloads whose
 * next-payload and length fields are filled in as payloads are added. */
#include "payload.h"
#include "i18n.h"

#include <string.h>

#define NO_OFFSET SIZE_MAX

void rove_mb_init(struct rove_mb *mb, const uint8_t spi_i[8], const uint8_t spi_r[8],
		  uint8_t exchange, uint8_t flags, uint32_t msg_id)
{
	rove_buf_init(&mb->buf);
	mb->next_off = 16;
	mb->cur = NO_OFFSET;
	mb->inner = false;
	mb->first = ROVE_PL_NONE;
	rove_buf_add(&mb->buf, spi_i, 8);
	rove_buf_add(&mb->buf, spi_r, 8);
	rove_buf_add_u8(&mb->buf, ROVE_PL_NONE);
	rove_buf_add_u8(&mb->buf, ROVE_IKE_VERSION);
	rove_buf_add_u8(&mb->buf, exchange);
	rove_buf_add_u8(&mb->buf, flags);
	rove_buf_add_be32(&mb->buf, msg_id);
	rove_buf_add_be32(&mb->buf, ROVE_IKE_HDR_LEN);
}

void rove_mb_init_inner(struct rove_mb *mb)
{
	rove_buf_init(&mb->buf);
	mb->next_off = NO_OFFSET;
	mb->cur = NO_OFFSET;
	mb->inner = true;
	mb->first = ROVE_PL_NONE;
}

void rove_mb_begin(struct rove_mb *mb, uint8_t type, bool critical)
{
	size_t off;

	rove_mb_end(mb);
	if (mb->buf.failed)
		return;
	if (mb->inner && mb->first == ROVE_PL_NONE) {
		mb->first = type;
	} else if (mb->next_off == NO_OFFSET) {
		/* Outer mode after an SK payload: nothing may follow it. */
		mb->buf.failed = true;
		return;
	} else {
		mb->buf.data[mb->next_off] = type;
	}
	off = mb->buf.len;
	rove_buf_add_u8(&mb->buf, ROVE_PL_NONE);
	rove_buf_add_u8(&mb->buf, critical ? ROVE_PL_CRITICAL : 0);
	rove_buf_add_be16(&mb->buf, ROVE_PLD_HDR_LEN);
	mb->next_off = off;
	mb->cur = off;
}

void rove_mb_begin_sk(struct rove_mb *mb, uint8_t first_inner)
{
	if (mb->inner) {
		mb->buf.failed = true;
		return;
	}
	rove_mb_begin(mb, ROVE_PL_SK, false);
	if (mb->buf.failed)
		return;
	mb->buf.data[mb->cur] = first_inner;
	mb->next_off = NO_OFFSET;
}

void rove_mb_end(struct rove_mb *mb)
{
	size_t plen;

	if (mb->cur == NO_OFFSET)
		return;
	plen = mb->buf.len - mb->cur;
	if (plen > UINT16_MAX)
		mb->buf.failed = true;
	else
		rove_buf_set_be16(&mb->buf, mb->cur + 2, (uint16_t)plen);
	mb->cur = NO_OFFSET;
}

void rove_mb_add(struct rove_mb *mb, uint8_t type, const uint8_t *body, size_t len)
{
	rove_mb_begin(mb, type, false);
	rove_buf_add(&mb->buf, body, len);
	rove_mb_end(mb);
}

void rove_mb_add_notify(struct rove_mb *mb, uint8_t protocol, const uint8_t *spi, size_t spi_size,
			uint16_t type, const uint8_t *data, size_t len)
{
	rove_mb_begin(mb, ROVE_PL_NOTIFY, false);
	rove_notify_build(&mb->buf, protocol, spi, spi_size, type, data, len);
	rove_mb_end(mb);
}

int rove_mb_finish(struct rove_mb *mb, struct rove_err *err)
{
	rove_mb_end(mb);
	if (!mb->inner && mb->buf.len > UINT32_MAX)
		mb->buf.failed = true;
	if (mb->buf.failed)
		return rove_err_set(err, ROVE_E_NOMEM,
				    _("building a message failed (out of memory or oversized payload)"));
	if (!mb->inner)
		rove_buf_set_be32(&mb->buf, 24, (uint32_t)mb->buf.len);
	return 0;
}

void rove_mb_free(struct rove_mb *mb)
{
	rove_buf_free(&mb->buf);
	mb->next_off = NO_OFFSET;
	mb->cur = NO_OFFSET;
	mb->first = ROVE_PL_NONE;
}
