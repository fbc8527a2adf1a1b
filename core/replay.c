/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "replay.h"

#include <string.h>

#define W ROVE_REPLAY_WINDOW
#define RING_MASK (ROVE_REPLAY_WORDS - 1)

_Static_assert((ROVE_REPLAY_WORDS & RING_MASK) == 0, "ring size must be a power of two");
_Static_assert(ROVE_REPLAY_WORDS * 64 >= W + 64, "ring too small for the window");

void rove_replay_init(struct rove_replay *r, bool esn)
{
	memset(r, 0, sizeof(*r));
	r->esn = esn;
}

/* RFC 4303 A2.2: the high half is the window's, or one more when the low
 * half is below the window's bottom (the counter wrapped ahead of us), or
 * one less when the window straddles a wrap and the number falls in the
 * part before it. */
static bool infer(const struct rove_replay *r, uint32_t lo, uint64_t *seq)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t bottom = tl - (W - 1); /* wraps when the window straddles */
	uint64_t hi;

	if (!r->esn) {
		*seq = lo;
		return true;
	}
	if (tl >= W - 1) {
		if (lo >= bottom) {
			hi = th;
		} else {
			if (th == UINT32_MAX)
				return false;
			hi = (uint64_t)th + 1;
		}
	} else {
		if (lo >= bottom) {
			if (th == 0)
				return false; /* before sequence number 1 */
			hi = (uint64_t)th - 1;
		} else {
			hi = th;
		}
	}
	*seq = hi << 32 | lo;
	return true;
}

static bool seen(const struct rove_replay *r, uint64_t s)
{
	return (r->ring[(s >> 6) & RING_MASK] >> (s & 63)) & 1;
}

bool rove_replay_check(const struct rove_replay *r, uint32_t seq_lo, uint64_t *seq)
{
	uint64_t s;

	if (!infer(r, seq_lo, &s))
		return false;
	*seq = s;
	if (s == 0)
		return false;
	if (s > r->top)
		return true;
	if (r->top - s >= W)
		return false;
	return !seen(r, s);
}

void rove_replay_update(struct rove_replay *r, uint64_t s)
{
	if (s > r->top) {
		uint64_t words = (s >> 6) - (r->top >> 6);

		/* Words the window enters only hold numbers a whole ring
		 * older, all outside it: clear them. */
		if (words > ROVE_REPLAY_WORDS)
			words = ROVE_REPLAY_WORDS;
		for (uint64_t i = 1; i <= words; i++)
			r->ring[((r->top >> 6) + i) & RING_MASK] = 0;
		r->top = s;
	} else if (r->top - s >= W) {
		return; /* never checked as acceptable: leave the ring alone */
	}
	r->ring[(s >> 6) & RING_MASK] |= 1ull << (s & 63);
}
