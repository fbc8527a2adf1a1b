/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Revocation data from the network or a file: the first octet picks the
 * parser, the rest is its input.
 *   0: a CRL (DER or PEM, rove_crl_parse), then a lookup in it;
 *   1: an OCSP response (rove_ocsp_eval, against an empty trust store);
 *   2: an HTTP response (rove_http_response);
 *   3: a URL (rove_http_url, NUL-terminated copy). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "certpolicy.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void crl(const uint8_t *p, size_t n)
{
	X509_CRL *c = rove_crl_parse(p, n);
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	X509_REVOKED *r = NULL;

	if (c && serial && ASN1_INTEGER_set(serial, 1000))
		(void)X509_CRL_get0_by_serial(c, &r, serial);
	ASN1_INTEGER_free(serial);
	X509_CRL_free(c);
}

static void ocsp(const uint8_t *p, size_t n)
{
	static X509_STORE *store;
	char why[200];

	if (!store)
		store = X509_STORE_new();
	(void)rove_ocsp_eval(p, n, NULL, NULL, store, NULL, 1, why, sizeof(why));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rove_bytes body;
	struct rove_err err;
	int status;

	if (!size)
		return 0;
	switch (data[0] & 3) {
	case 0:
		crl(data + 1, size - 1);
		break;
	case 1:
		ocsp(data + 1, size - 1);
		break;
	case 2:
		if (rove_http_response(data + 1, size - 1, &status, &body, &err) == 0 &&
		    (body.len > size || body.ptr < data || body.ptr + body.len > data + size))
			abort();
		break;
	default: {
		char *url = strndup((const char *)data + 1, size - 1);
		char host[256], port[8];
		const char *path;

		if (url && rove_http_url(url, host, sizeof(host), port, sizeof(port), &path,
					 &err) == 0 && (!path || !*path))
			abort();
		free(url);
		break;
	}
	}
	return 0;
}
