/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The EAP-TLS client (eap_tls.c): EAP framing, the L/M/S flags, fragment
 * reassembly and its limits, and whatever OpenSSL makes of the bytes.
 * Input: records of [be16 length][EAP packet], fed in order to one client
 * whose certificate and key are made at start-up (the server is checked
 * against the system store, so the handshake fails late at best). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "cert.h"
#include "cred.h"
#include "eap_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct rove_cred *cred;
static struct rove_trust *trust;

/* A self-signed P-256 certificate and its key, as PEM in memory. */
static struct rove_cred *make_cred(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	BIO *b = BIO_new(BIO_s_mem());
	struct rove_cred *c = NULL;
	struct rove_err err;
	char *pem;
	long n;

	if (!k || !x || !b)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	if (!X509_sign(x, k, EVP_sha256()) || !PEM_write_bio_X509(b, x) ||
	    !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		goto out;
	n = BIO_get_mem_data(b, &pem);
	c = rove_cred_from_mem((const uint8_t *)pem, (size_t)n, NULL, 0, NULL, 0, NULL, &err);
out:
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
	return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rove_err err;

	(void)argc;
	(void)argv;
	cred = make_cred();
	trust = rove_trust_new(NULL, &err);
	if (!cred || !trust)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rove_eap_tls_config cfg = {
		.identity = "fuzz@example.com", .cred = cred, .trust = trust,
		.server_id = "gw.example.com", .frag_size = 64,
	};
	struct rove_err err;
	struct rove_eap_tls *t = rove_eap_tls_new(&cfg, &err);
	struct rove_buf out;
	enum rove_eap_result res;

	if (!t)
		abort();
	rove_buf_init(&out);
	while (size >= 2) {
		size_t len = (size_t)data[0] << 8 | data[1];

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		rove_buf_reset(&out);
		if (rove_eap_tls_input(t, data, len, &out, &res, &err) < 0 ||
		    res != ROVE_EAP_CONTINUE)
			break;
		data += len;
		size -= len;
	}
	rove_buf_free(&out);
	rove_eap_tls_free(t);
	return 0;
}
