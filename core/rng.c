/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rng.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

static int system_fill(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	if (len > INT32_MAX)
		return -1;
	return RAND_priv_bytes(out, (int)len) == 1 ? 0 : -1;
}

static const struct rove_rng system_rng = { system_fill, NULL };

const struct rove_rng *rove_rng_system(void)
{
	return &system_rng;
}

int rove_rng_fill(const struct rove_rng *rng, uint8_t *out, size_t len)
{
	if (!rng)
		rng = &system_rng;
	return rng->fill(rng->arg, out, len);
}

static int det_fill(void *arg, uint8_t *out, size_t len)
{
	struct rove_rng_det *d = arg;
	uint8_t block[32], ctr[8];
	unsigned int n;

	while (len > 0) {
		for (int i = 0; i < 8; i++)
			ctr[i] = (uint8_t)(d->counter >> (56 - 8 * i));
		d->counter++;
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestUpdate(c, d->seed, sizeof(d->seed)) != 1 ||
		    EVP_DigestUpdate(c, ctr, sizeof(ctr)) != 1 ||
		    EVP_DigestFinal_ex(c, block, &n) != 1) {
			EVP_MD_CTX_free(c);
			return -1;
		}
		EVP_MD_CTX_free(c);
		size_t take = len < sizeof(block) ? len : sizeof(block);
		memcpy(out, block, take);
		out += take;
		len -= take;
	}
	return 0;
}

void rove_rng_det_init(struct rove_rng_det *d, const void *seed, size_t seed_len)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->seed, seed, seed_len < sizeof(d->seed) ? seed_len : sizeof(d->seed));
	d->rng.fill = det_fill;
	d->rng.arg = d;
}
