/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Input: one mode octet, then records of [be16 length][EAP packet]. Each
 * record goes through rove_eap_parse and into one client state machine.
 * With mode bit 0 set the harness also plays an honest gateway: after the
 * client answers a challenge, it feeds back a Success carrying the correct
 * authenticator response, so the states past the proof get fuzzed too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "eap.h"
#include "ikev2.h"
#include "mschapv2.h"
#include "rng.h"

static const char identity[] = "CORP\\fuzz";
static const char password[] = "p\xc3\xa4ss";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* When out holds our MSCHAPv2 Response to the challenge in req, builds the
 * gateway's Success into succ; returns its length or 0. */
static size_t honest_success(const uint8_t *req, size_t rlen, const struct rove_buf *out,
	uint8_t *succ, size_t cap)
{
	struct rove_eap_pkt q, a;
	char s[43];

	if (rove_eap_parse(req, rlen, &q, NULL) < 0 || q.code != ROVE_EAP_REQUEST ||
	    q.type != ROVE_EAPT_MSCHAPV2 || q.data_len < 5 + 16 || q.data[0] != 1)
		return 0;
	if (rove_eap_parse(out->data, out->len, &a, NULL) < 0 || a.type != ROVE_EAPT_MSCHAPV2 ||
	    a.data_len < 4 + 49 || a.data[0] != 2)
		return 0;
	if (rove_mschap_authenticator_response(password, sizeof(password) - 1, a.data + 5 + 24,
		a.data + 5, q.data + 5, identity, sizeof(identity) - 1, s, NULL) < 0)
		return 0;
	size_t len = 5 + 4 + 42;
	if (len > cap)
		return 0;
	succ[0] = ROVE_EAP_REQUEST;
	succ[1] = (uint8_t)(q.id + 1);
	rove_put_be16(succ + 2, (uint16_t)len);
	succ[4] = ROVE_EAPT_MSCHAPV2;
	succ[5] = 3;
	succ[6] = q.data[1];
	rove_put_be16(succ + 7, (uint16_t)(len - 5));
	memcpy(succ + 9, s, 42);
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rove_rng_det det;
	struct rove_eap_client *c;
	struct rove_eap_pkt p;
	struct rove_buf out;
	struct rove_err err;
	enum rove_eap_result res;
	uint8_t mode, succ[64];
	size_t off = 1, msk_len;

	if (size < 1)
		return 0;
	mode = data[0];
	/* The whole input as one packet exercises the parser on its own. */
	(void)rove_eap_parse(data + 1, size - 1, &p, &err);

	rove_rng_det_init(&det, "fuzz", 4);
	c = rove_eap_client_new(identity, (const uint8_t *)password, sizeof(password) - 1,
		&det.rng, &err);
	if (!c)
		abort(); /* fixed valid credentials: only a broken build gets here */
	rove_buf_init(&out);
	while (size - off >= 2) {
		size_t n = rove_get_be16(data + off);
		const uint8_t *pkt = data + off + 2;
		int rc;

		off += 2;
		if (n > size - off)
			n = size - off;
		off += n;
		/* Exact-size copy so ASan sees any read past the packet. */
		uint8_t *copy = malloc(n ? n : 1);
		if (!copy)
			break;
		memcpy(copy, pkt, n);
		rove_buf_reset(&out);
		rc = rove_eap_client_input(c, copy, n, &out, &res, &err);
		if (rc == 0 && res == ROVE_EAP_CONTINUE && (mode & 1)) {
			size_t sl = honest_success(copy, n, &out, succ, sizeof(succ));
			if (sl) {
				rove_buf_reset(&out);
				rc = rove_eap_client_input(c, succ, sl, &out, &res, &err);
			}
		}
		free(copy);
		if (rc == 0 && res == ROVE_EAP_DONE_SUCCESS &&
		    (!rove_eap_client_msk(c, &msk_len) || msk_len != ROVE_MSCHAP_MSK_LEN))
			abort();
	}
	rove_buf_free(&out);
	rove_eap_client_free(c);
	return 0;
}
