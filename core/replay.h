/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ESP anti-replay window (RFC 4303 3.4.3), with extended sequence
 * numbers (RFC 4303 Appendix A).
 *
 * The window remembers the last ROVE_REPLAY_WINDOW sequence numbers below
 * and including the highest one authenticated so far. The bitmap is a ring
 * of 64-bit words that is cleared a whole word at a time as the window
 * slides (RFC 6479), so a slide costs a few word stores however far it
 * jumps; the ring is one word longer than the window needs, which keeps
 * the whole window exact.
 *
 * Checking and updating are separate because RFC 4303 wants the window to
 * move only for packets whose ICV verified: check (cheap) before the ICV,
 * update after. No allocation; the caller owns the struct. */
#ifndef ROVE_REPLAY_H
#define ROVE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define ROVE_REPLAY_WINDOW 1024u /* sequence numbers remembered */
#define ROVE_REPLAY_WORDS 32u    /* ring of 2048 bits: >= window + 64, a power of two */

struct rove_replay {
	uint64_t top;     /* highest sequence number authenticated; 0 = none yet */
	bool esn;         /* 64-bit sequence numbers, 32 bits on the wire */
	uint64_t ring[ROVE_REPLAY_WORDS];
};

void rove_replay_init(struct rove_replay *r, bool esn);

/* Reconstructs the full sequence number from the 32 bits on the wire (for
 * ESN the high half is inferred from the window, RFC 4303 A2.2) into *seq
 * and says whether a packet with it may be accepted: false for 0, for a
 * number already seen, for one older than the window and for an ESN
 * inference that leaves the 64-bit space. Changes nothing. */
bool rove_replay_check(const struct rove_replay *r, uint32_t seq_lo, uint64_t *seq);

/* Records `seq` (from rove_replay_check, ICV verified) and slides the
 * window when it is the new highest. */
void rove_replay_update(struct rove_replay *r, uint64_t seq);

#endif
