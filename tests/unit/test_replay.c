/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The anti-replay window (RFC 4303 3.4.3 and Appendix A). */
#include "check.h"
#include "replay.h"

#define W ROVE_REPLAY_WINDOW

/* check + update, as ESP does for a packet whose ICV verified. */
static bool take(struct rove_replay *r, uint32_t lo)
{
	uint64_t s;

	if (!rove_replay_check(r, lo, &s))
		return false;
	rove_replay_update(r, s);
	return true;
}

static void test_basics(void)
{
	struct rove_replay r;
	uint64_t s;

	rove_replay_init(&r, false);
	CHECK(!rove_replay_check(&r, 0, &s)); /* 0 is never sent */
	CHECK(take(&r, 1));
	CHECK(!take(&r, 1));                  /* duplicate */
	CHECK(take(&r, 3));
	CHECK(take(&r, 2));                   /* reordered, inside the window */
	CHECK(!take(&r, 2));
	CHECK(!take(&r, 3));
	CHECK(r.top == 3);
	/* check alone changes nothing */
	CHECK(rove_replay_check(&r, 4, &s) && s == 4);
	CHECK(rove_replay_check(&r, 4, &s));
	CHECK(r.top == 3);
}

static void test_window_edges(void)
{
	struct rove_replay r;
	uint64_t s;

	rove_replay_init(&r, false);
	CHECK(take(&r, 2000));
	CHECK(!rove_replay_check(&r, 2000 - W, &s));     /* just outside */
	CHECK(rove_replay_check(&r, 2000 - W + 1, &s));  /* oldest inside */
	CHECK(take(&r, 2000 - W + 1));
	CHECK(!take(&r, 2000 - W + 1));
	/* sliding by one pushes it out */
	CHECK(take(&r, 2001));
	CHECK(!rove_replay_check(&r, 2000 - W + 2 - 1, &s));
	CHECK(rove_replay_check(&r, 2000 - W + 2, &s));
}

static void test_slide_and_jump(void)
{
	struct rove_replay r;

	rove_replay_init(&r, false);
	for (uint32_t i = 1; i <= 100; i++)
		CHECK(take(&r, i));
	/* A jump of exactly one ring (2048) lands every old number on the
	 * bit it used to have: the slide must have cleared them. */
	CHECK(take(&r, 2048 + 100));
	CHECK(take(&r, 2048 + 50));
	CHECK(take(&r, 2048 + 1));
	CHECK(!take(&r, 2048 + 50));
	CHECK(!take(&r, 50));
	/* far jumps */
	CHECK(take(&r, 1000000));
	CHECK(take(&r, 1000000 - 1000));
	CHECK(!take(&r, 1000000 - W));
	CHECK(take(&r, 3000000000u));
	CHECK(!take(&r, 1000000));
	CHECK(take(&r, UINT32_MAX));
	CHECK(!take(&r, UINT32_MAX));
	CHECK(!take(&r, 1)); /* no wrap without ESN */
}

/* The window against a model that remembers every number, over a long
 * random walk of reordering, duplicates and jumps. */
#define MODEL_MAX 60000
static bool model_seen[MODEL_MAX];

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void test_against_model(void)
{
	struct rove_replay r;
	uint64_t top = 0, x = 42, s;
	int mismatches = 0;

	rove_replay_init(&r, false);
	memset(model_seen, 0, sizeof(model_seen));
	for (int i = 0; i < 200000; i++) {
		uint64_t k = lcg(&x) % 100, cand;
		bool want, got;

		if (k < 60)
			cand = top + 1;                            /* in order */
		else if (k < 85)
			cand = top > 1200 ? top - lcg(&x) % 1200 : 1 + lcg(&x) % 1200; /* late */
		else if (k < 95)
			cand = top + 1 + lcg(&x) % 300;            /* loss */
		else
			cand = top + 1 + lcg(&x) % 3000;           /* burst loss */
		if (cand >= MODEL_MAX - 4000)
			break;
		want = cand != 0 && (cand > top || (top - cand < W && !model_seen[cand]));
		got = rove_replay_check(&r, (uint32_t)cand, &s);
		if (want != got || (got && s != cand))
			mismatches++;
		if (want) {
			model_seen[cand] = true;
			if (cand > top)
				top = cand;
			rove_replay_update(&r, cand);
		}
	}
	CHECK(mismatches == 0);
	CHECK(r.top == top);
}

static void test_esn(void)
{
	struct rove_replay r;
	uint64_t s;

	rove_replay_init(&r, true);
	CHECK(rove_replay_check(&r, 1, &s) && s == 1);
	/* from a fresh window a number "before 1" is not accepted */
	CHECK(!rove_replay_check(&r, 0xffffff00u, &s));

	/* Crossing 2^32: the high half is inferred from the window. */
	r.top = 0x100000000ull - 10;
	CHECK(take(&r, 5));
	CHECK(r.top == 0x100000005ull);
	CHECK(rove_replay_check(&r, 0xffffffecu, &s) && s == 0xffffffecull); /* late, old half */
	CHECK(take(&r, 0xffffffecu));
	CHECK(!take(&r, 0xffffffecu));
	/* Just behind the window reads as the next half (RFC 4303 A2.2); the
	 * ICV computed with the wrong high half then fails. */
	CHECK(rove_replay_check(&r, 0xfffffc05u, &s) && s == 0x1fffffc05ull);
	CHECK(rove_replay_check(&r, 1000, &s) && s == 0x100000000ull + 1000);
	CHECK(!take(&r, 5));

	/* Window within one half: a low half below it means the next half. */
	rove_replay_init(&r, true);
	r.top = 0x0000000700000000ull + 5000;
	CHECK(rove_replay_check(&r, 4000, &s) && s == 0x0000000700000000ull + 4000);
	CHECK(rove_replay_check(&r, 100, &s) && s == 0x0000000800000000ull + 100);
	CHECK(take(&r, 100));
	CHECK(r.top == 0x0000000800000000ull + 100);

	/* The 64-bit space ends: nothing wraps past it. */
	rove_replay_init(&r, true);
	r.top = UINT64_MAX - 5;
	CHECK(take(&r, 0xffffffffu));
	CHECK(r.top == UINT64_MAX);
	CHECK(!rove_replay_check(&r, 3, &s));
	CHECK(!take(&r, 0xffffffffu));
}

int main(void)
{
	RUN(test_basics);
	RUN(test_window_edges);
	RUN(test_slide_and_jump);
	RUN(test_against_model);
	RUN(test_esn);
	return check_summary();
}
