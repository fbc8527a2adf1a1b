/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Credential loading from bytes (rove_cred_from_mem): PEM, DER, encrypted
 * PKCS#8 and PKCS#12 all go through OSSL_STORE's decoders, then our
 * certificate/key matching and chain picking.
 * Input: one mode octet, then the bytes. Mode bit 0: split the rest at its
 * middle into a certificate part and a key part; bit 1: give the
 * passphrase "fuzz" (the seeds are encrypted with it). */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *pw = NULL;
	struct rove_err err;
	struct rove_cred *c;
	size_t half;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	if (mode & 2)
		pw = "fuzz";
	half = size / 2;
	if (mode & 1)
		c = rove_cred_from_mem(data, half, data + half, size - half, pw, pw ? 4 : 0, NULL,
				       &err);
	else
		c = rove_cred_from_mem(data, size, NULL, 0, pw, pw ? 4 : 0, NULL, &err);
	if (c) {
		X509 *chain[ROVE_CRED_MAX_CHAIN + 1];
		struct rove_buf dn;

		rove_buf_init(&dn);
		(void)rove_cred_subject_der(c, &dn, &err);
		rove_buf_free(&dn);
		(void)rove_cred_pick_chain(c, data, size, chain, ROVE_CRED_MAX_CHAIN + 1);
		rove_cred_free(c);
	}
	return 0;
}
