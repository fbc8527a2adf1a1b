/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check.h"
#include "buf.h"
#include "err.h"
#include "rng.h"

static void test_writer(void)
{
	struct rove_buf b;

	rove_buf_init(&b);
	rove_buf_add_u8(&b, 1);
	rove_buf_add_be16(&b, 0x0203);
	rove_buf_add_be32(&b, 0x04050607);
	rove_buf_add_be64(&b, 0x08090a0b0c0d0e0fULL);
	for (int i = 0; i < 1000; i++)
		rove_buf_add_u8(&b, (uint8_t)i);
	CHECK(!b.failed);
	CHECK(b.len == 15 + 1000);
	CHECK(b.data[0] == 1 && b.data[2] == 3 && b.data[14] == 0x0f);
	rove_buf_set_be16(&b, 1, 0xaabb);
	CHECK(b.data[1] == 0xaa && b.data[2] == 0xbb);
	rove_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0);
}

static void test_reader_bounds(void)
{
	const uint8_t in[] = { 1, 2, 3 };
	struct rove_rd r;

	rove_rd_init(&r, in, sizeof(in));
	CHECK(rove_rd_u8(&r) == 1);
	CHECK(rove_rd_be16(&r) == 0x0203);
	CHECK(!r.err);
	CHECK(rove_rd_be32(&r) == 0);
	CHECK(r.err);
	CHECK(rove_rd_bytes(&r, 0) == NULL);
}

static void test_err(void)
{
	struct rove_err e;

	CHECK(rove_err_set(&e, ROVE_E_PARSE, "bad %d", 7) == -1);
	CHECK(e.code == ROVE_E_PARSE);
	CHECK_STR(e.msg, "bad 7");
	rove_err_prefix(&e, "file %s", "x");
	CHECK_STR(e.msg, "file x: bad 7");
}

static void test_det_rng(void)
{
	struct rove_rng_det a, b;
	uint8_t x[40], y[40];

	rove_rng_det_init(&a, "seed", 4);
	rove_rng_det_init(&b, "seed", 4);
	CHECK(rove_rng_fill(&a.rng, x, sizeof(x)) == 0);
	CHECK(rove_rng_fill(&b.rng, y, sizeof(y)) == 0);
	CHECK_MEM(x, y, sizeof(x));
	CHECK(rove_rng_fill(&b.rng, y, sizeof(y)) == 0);
	CHECK(memcmp(x, y, sizeof(x)) != 0);
}

int main(void)
{
	RUN(test_writer);
	RUN(test_reader_bounds);
	RUN(test_err);
	RUN(test_det_rng);
	return check_summary();
}
