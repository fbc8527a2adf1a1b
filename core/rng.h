/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Randomness is injected so recorded exchanges can be replayed: the engine
 * and the crypto layer draw every random byte (SPIs, nonces, IVs, DH private
 * keys) through a struct rove_rng. */
#ifndef ROVE_RNG_H
#define ROVE_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rove_rng {
	/* Fills out[0..len); returns 0, or -1 on failure. */
	int (*fill)(void *arg, uint8_t *out, size_t len);
	void *arg;
};

/* The system RNG (OpenSSL RAND_priv_bytes). Static storage, never freed. */
const struct rove_rng *rove_rng_system(void);
int rove_rng_fill(const struct rove_rng *rng, uint8_t *out, size_t len);

/* A deterministic generator for tests and replays: SHA-256 in counter mode
 * over a seed. Not for production use. */
struct rove_rng_det {
	struct rove_rng rng;
	uint8_t seed[32];
	uint64_t counter;
};
void rove_rng_det_init(struct rove_rng_det *d, const void *seed, size_t seed_len);

#endif
