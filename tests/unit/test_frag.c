/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IKE fragmentation (core/frag.c): reassembly against a simple model under
 * random orders, duplicates, losses and changing totals; the limits; and a
 * round trip of our own fragments (rove_frag_seal) through rove_skf_open
 * and the reassembler, for an AEAD and a CBC+HMAC suite. */
#include "check.h"
#include "crypto.h"
#include "frag.h"
#include "ikev2.h"
#include "payload.h"
#include "sk.h"

#include <stdbool.h>

/* xorshift: reproducible runs without the test's own RNG mattering */
static uint64_t seed = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return n ? (uint32_t)(seed % n) : 0;
}

/* The model: what RFC 7383 2.6 says the receiver holds. One message ID;
 * the set with the largest total seen wins, older totals are ignored. */
struct model {
	uint16_t total;
	bool have[ROVE_FRAG_MAX];
	bool done;
};

/* One sender's version of the message: cut into total pieces. */
struct version {
	uint16_t total;
	size_t off[ROVE_FRAG_MAX + 1];
};

static void cut(struct version *v, size_t len, uint16_t total)
{
	v->total = total;
	v->off[0] = 0;
	for (uint16_t i = 1; i < total; i++)
		v->off[i] = len * i / total;
	v->off[total] = len;
}

static void test_model(void)
{
	static uint8_t msg[6000];
	unsigned completed = 0, rounds = 400;

	for (unsigned round = 0; round < rounds; round++) {
		struct rove_frag_rx rx;
		struct model md = { 0 };
		struct version ver[3];
		size_t len = rnd(sizeof(msg));
		unsigned nver = 1 + rnd(3);
		uint8_t first = (uint8_t)(ROVE_PL_IDR + rnd(4));
		uint64_t now = 1000;

		for (size_t i = 0; i < len; i++)
			msg[i] = (uint8_t)rnd(256);
		/* Later versions have more fragments (a sender that re-cut its
		 * message smaller); deliveries interleave all of them. */
		for (unsigned k = 0; k < nver; k++)
			cut(&ver[k], len, (uint16_t)(1 + k * 3 + rnd(5)));
		rove_frag_rx_init(&rx);
		for (unsigned step = 0; step < 80 && !md.done; step++) {
			unsigned k = rnd(nver);
			struct version *v = &ver[k];
			uint16_t num = (uint16_t)(1 + rnd(v->total));
			bool lost = rnd(5) == 0;
			enum rove_frag_verdict got, want;
			struct rove_err err;

			if (lost)
				continue;
			/* the model's verdict */
			if (v->total < md.total) {
				want = ROVE_FRAG_REJECTED;
			} else {
				if (v->total > md.total) {
					md.total = v->total;
					memset(md.have, 0, sizeof(md.have));
				}
				if (md.have[num - 1]) {
					want = ROVE_FRAG_REJECTED;
				} else {
					unsigned n = 0;

					md.have[num - 1] = true;
					for (unsigned i = 0; i < md.total; i++)
						n += md.have[i];
					want = n == md.total ? ROVE_FRAG_COMPLETE : ROVE_FRAG_KEPT;
				}
			}
			got = rove_frag_add(&rx, 7, true, ROVE_EXCH_IKE_AUTH, num, v->total,
					    num == 1 ? first : 0, msg + v->off[num - 1],
					    v->off[num] - v->off[num - 1], now, &err);
			CHECK(got == want);
			if (got != want)
				break;
			if (got == ROVE_FRAG_COMPLETE) {
				uint8_t *data, f;
				size_t dlen;

				CHECK(rove_frag_take(&rx, &f, &data, &dlen, &err) == 0);
				CHECK(dlen == len && f == first && memcmp(data, msg, len) == 0);
				free(data);
				md.done = true;
				completed++;
			}
			now += rnd(100);
		}
		/* An incomplete set goes once its time is up, not before. */
		if (!md.done && md.total) {
			CHECK(rove_frag_deadline(&rx) != UINT64_MAX);
			CHECK(!rove_frag_expire(&rx, rove_frag_deadline(&rx) - 1));
			CHECK(rove_frag_expire(&rx, rove_frag_deadline(&rx)));
		}
		CHECK(rove_frag_deadline(&rx) == UINT64_MAX);
		rove_frag_rx_reset(&rx);
	}
	fprintf(stderr, "  %u of %u random deliveries completed\n", completed, rounds);
	CHECK(completed > rounds / 4 && completed < rounds);
}

static void test_rules(void)
{
	struct rove_frag_rx rx;
	struct rove_err err;
	static uint8_t big[ROVE_FRAG_MAX_BYTES];
	uint8_t one = 1;

	rove_frag_rx_init(&rx);
	CHECK(rove_frag_add(&rx, 1, true, 35, 0, 2, 0, &one, 1, 0, &err) == ROVE_FRAG_REJECTED);
	CHECK(rove_frag_add(&rx, 1, true, 35, 3, 2, 0, &one, 1, 0, &err) == ROVE_FRAG_REJECTED);
	CHECK(rove_frag_add(&rx, 1, true, 35, 1, 0, 0, &one, 1, 0, &err) == ROVE_FRAG_REJECTED);
	CHECK(rove_frag_add(&rx, 1, true, 35, 1, ROVE_FRAG_MAX + 1, 0, &one, 1, 0, &err) ==
	      ROVE_FRAG_REJECTED);
	CHECK(strstr(err.msg, "65 fragments") != NULL);
	CHECK(!rx.active);
	/* the byte limit drops the whole set */
	CHECK(rove_frag_add(&rx, 1, true, 35, 1, 3, 37, big, 40000, 0, &err) == ROVE_FRAG_KEPT);
	CHECK(rove_frag_add(&rx, 1, true, 35, 2, 3, 0, big, 40000, 0, &err) == ROVE_FRAG_REJECTED);
	CHECK(!rx.active && rx.bytes == 0);
	/* a fragment of another message replaces the set */
	CHECK(rove_frag_add(&rx, 1, true, 35, 1, 2, 37, &one, 1, 0, &err) == ROVE_FRAG_KEPT);
	CHECK(rove_frag_add(&rx, 2, true, 37, 2, 2, 0, &one, 1, 0, &err) == ROVE_FRAG_KEPT);
	CHECK(rx.msg_id == 2 && rx.have == 1);
	/* a request and a response with the same ID are different messages */
	CHECK(rove_frag_add(&rx, 2, false, 37, 1, 2, 41, &one, 1, 0, &err) == ROVE_FRAG_KEPT);
	CHECK(!rx.response && rx.have == 1);
	/* only fragment 1's next payload counts */
	CHECK(rove_frag_add(&rx, 2, false, 37, 2, 2, 99, &one, 1, 0, &err) == ROVE_FRAG_COMPLETE);
	{
		uint8_t *d, f;
		size_t n;

		CHECK(rove_frag_take(&rx, &f, &d, &n, &err) == 0 && f == 41 && n == 2);
		free(d);
	}
	{
		uint8_t *d, f;
		size_t n;

		CHECK(rove_frag_take(&rx, &f, &d, &n, &err) < 0 && d == NULL); /* nothing held */
	}
	rove_frag_rx_reset(&rx);
	CHECK(rove_frag_msg_size(576, false, false) == 548);
	CHECK(rove_frag_msg_size(576, false, true) == 544);
	CHECK(rove_frag_msg_size(1280, true, false) == 1232);
}

struct suite {
	const char *name;
	uint16_t encr, bits, integ;
};

static void round_trip(const struct suite *su, size_t inner_len, size_t max_msg)
{
	uint8_t ekey[64], akey[64], hdr[ROVE_IKE_HDR_LEN], *inner = malloc(inner_len + 1);
	struct rove_sk_dir d = { su->encr, su->bits, su->integ, ekey,
				 rove_encr_key_len(su->encr, su->bits), NULL, 0 };
	struct rove_buf out[ROVE_FRAG_MAX];
	struct rove_rng_det rng;
	struct rove_frag_rx rx;
	struct rove_err err;
	size_t n = 0, order[ROVE_FRAG_MAX];
	bool complete = false;

	for (size_t i = 0; i < sizeof(ekey); i++) {
		ekey[i] = (uint8_t)(i * 7);
		akey[i] = (uint8_t)(i * 13);
	}
	if (su->integ) {
		d.akey = akey;
		d.akey_len = 32;
	}
	for (size_t i = 0; i < inner_len; i++)
		inner[i] = (uint8_t)rnd(256);
	memset(hdr, 0, sizeof(hdr));
	memset(hdr, 0xaa, 8);
	memset(hdr + 8, 0xbb, 8);
	hdr[17] = 0x20;
	hdr[18] = ROVE_EXCH_IKE_AUTH;
	hdr[19] = ROVE_FLAG_INITIATOR;
	rove_put_be32(hdr + 20, 3);
	rove_rng_det_init(&rng, "frag", 4);
	for (size_t i = 0; i < ROVE_FRAG_MAX; i++)
		rove_buf_init(&out[i]);
	CHECK(rove_frag_seal(&d, &rng.rng, hdr, ROVE_PL_IDI, inner, inner_len, max_msg, out,
			     ROVE_FRAG_MAX, &n, &err) == 0);
	CHECK(n >= (inner_len + max_msg - 1) / max_msg);
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		CHECK(out[i].len <= max_msg);
	}
	/* every fragment but the last is filled to within a cipher block */
	for (size_t i = 0; i + 1 < n; i++)
		CHECK(out[i].len + 16 > max_msg);
	for (size_t i = n; i > 1; i--) { /* shuffle */
		size_t j = rnd((uint32_t)i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	rove_frag_rx_init(&rx);
	for (size_t k = 0; k < n; k++) {
		struct rove_buf *b = &out[order[k]];
		struct rove_msg m;
		uint8_t plain[65536];
		size_t plen;
		uint16_t num, total;
		enum rove_frag_verdict v;

		CHECK(rove_msg_parse(b->data, b->len, &m, &err) == 0);
		CHECK(m.n == 1 && m.pl[0].type == ROVE_PL_SKF);
		CHECK(m.hdr.msg_id == 3 && m.hdr.exchange == ROVE_EXCH_IKE_AUTH);
		/* the fragment number is authenticated */
		b->data[m.pl[0].offset + 5] ^= 1;
		CHECK(rove_skf_open(&d, b->data, b->len, m.pl[0].offset, plain, sizeof(plain), &plen,
				    &num, &total, &err) < 0);
		b->data[m.pl[0].offset + 5] ^= 1;
		CHECK(rove_skf_open(&d, b->data, b->len, m.pl[0].offset, plain, sizeof(plain), &plen,
				    &num, &total, &err) == 0);
		CHECK(num == order[k] + 1 && total == n);
		CHECK(m.pl[0].next == (num == 1 ? ROVE_PL_IDI : 0));
		v = rove_frag_add(&rx, 3, false, ROVE_EXCH_IKE_AUTH, num, total, m.pl[0].next, plain,
				  plen, 0, &err);
		CHECK(v == (k + 1 == n ? ROVE_FRAG_COMPLETE : ROVE_FRAG_KEPT));
		complete = v == ROVE_FRAG_COMPLETE;
	}
	CHECK(complete);
	if (complete) {
		uint8_t *data, first;
		size_t len;

		CHECK(rove_frag_take(&rx, &first, &data, &len, &err) == 0);
		CHECK(first == ROVE_PL_IDI && len == inner_len && memcmp(data, inner, len) == 0);
		free(data);
	}
	fprintf(stderr, "  %s: %zu bytes in %zu fragments of at most %zu\n", su->name, inner_len, n,
		max_msg);
	for (size_t i = 0; i < ROVE_FRAG_MAX; i++)
		rove_buf_free(&out[i]);
	rove_frag_rx_reset(&rx);
	free(inner);
}

static void test_round_trip(void)
{
	static const struct suite gcm = { "AES-GCM-16-256", ROVE_ENCR_AES_GCM_16, 256, 0 };
	static const struct suite cbc = { "AES-CBC-256/HMAC-SHA-256", ROVE_ENCR_AES_CBC, 256,
					  ROVE_INTEG_HMAC_SHA2_256_128 };
	struct rove_buf out[2];
	struct rove_err err;
	size_t n;
	uint8_t hdr[ROVE_IKE_HDR_LEN] = { 0 }, key[36] = { 0 };
	struct rove_sk_dir d = { ROVE_ENCR_AES_GCM_16, 256, 0, key, 36, NULL, 0 };
	static uint8_t inner[4000];

	round_trip(&gcm, 3000, rove_frag_msg_size(576, false, true));
	round_trip(&cbc, 3000, rove_frag_msg_size(576, false, false));
	round_trip(&cbc, 5000, rove_frag_msg_size(1280, true, false));
	round_trip(&gcm, 1, 100);
	for (size_t len = 0; len < 200; len += 37)
		round_trip(&cbc, len, 90);
	/* too many fragments for the caller's array: refused, not cut short */
	rove_buf_init(&out[0]);
	rove_buf_init(&out[1]);
	CHECK(rove_frag_seal(&d, rove_rng_system(), hdr, 35, inner, sizeof(inner), 548, out, 2, &n,
			     &err) < 0 && n == 0);
	CHECK(rove_frag_seal(&d, rove_rng_system(), hdr, 35, inner, 10, 60, out, 2, &n, &err) <
	      0);
	rove_buf_free(&out[0]);
	rove_buf_free(&out[1]);
}

int main(void)
{
	RUN(test_rules);
	RUN(test_model);
	RUN(test_round_trip);
	return check_summary();
}
