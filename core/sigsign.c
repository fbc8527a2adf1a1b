/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AUTH signatures with our private key (RFC 7296 2.15, RFC 4754, RFC 7427,
 * RFC 8420) through EVP_DigestSign. The AlgorithmIdentifier of method 14
 * comes from the provider (OSSL_SIGNATURE_PARAM_ALGORITHM_ID), so it is
 * exactly what OpenSSL would put into a certificate for that signature. */
#include "sigsign.h"
#include "i18n.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "ikev2.h"

rove_sig_hashes rove_sig_hashes_parse(const uint8_t *data, size_t len)
{
	rove_sig_hashes h = 0;

	for (size_t i = 0; i + 2 <= len; i += 2) {
		unsigned id = (unsigned)data[i] << 8 | data[i + 1];

		if (id < 32)
			h |= 1u << id;
	}
	return h;
}

static bool has(rove_sig_hashes h, unsigned id)
{
	return h & (1u << id);
}

struct plan {
	const char *md;   /* NULL: EdDSA (no pre-hash) */
	bool pss;
	uint8_t method;
	size_t ec_half;   /* classic ECDSA: bytes of r and of s */
};

static int ec_plan(EVP_PKEY *key, bool digital, struct plan *p, struct rove_err *err)
{
	char curve[64];
	size_t clen = 0;

	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve),
					    &clen))
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("cannot tell the curve of our key"));
	if (strcmp(curve, "prime256v1") == 0)
		*p = (struct plan){ "SHA256", false, ROVE_AUTH_ECDSA_256, 32 };
	else if (strcmp(curve, "secp384r1") == 0)
		*p = (struct plan){ "SHA384", false, ROVE_AUTH_ECDSA_384, 48 };
	else if (strcmp(curve, "secp521r1") == 0)
		*p = (struct plan){ "SHA512", false, ROVE_AUTH_ECDSA_521, 66 };
	else
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("our key is on curve %s; IKEv2 "
				      "signs with P-256, P-384 or P-521"), curve);
	if (digital)
		p->method = ROVE_AUTH_DIGITAL_SIG;
	return 0;
}

static int make_plan(EVP_PKEY *key, rove_sig_hashes h, enum rove_sig_rsa rsa, struct plan *p,
		     struct rove_err *err)
{
	bool digital = h != 0;

	memset(p, 0, sizeof(*p));
	if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448")) {
		if (!digital || !has(h, ROVE_HASH_IDENTITY))
			return rove_err_set(err, ROVE_E_UNSUPPORTED, _("our key is %s, but the "
					      "gateway does not accept EdDSA signatures (it announced "
					      "no Identity hash, RFC 8420): use an ECDSA or RSA "
					      "certificate"), EVP_PKEY_get0_type_name(key));
		p->method = ROVE_AUTH_DIGITAL_SIG;
		return 0;
	}
	if (EVP_PKEY_is_a(key, "EC"))
		return ec_plan(key, digital, p, err);
	if (!EVP_PKEY_is_a(key, "RSA"))
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("our key type %s cannot sign IKEv2 "
				      "AUTH"), EVP_PKEY_get0_type_name(key) ?
				    EVP_PKEY_get0_type_name(key) : "(unknown)");
	if (!digital) {
		*p = (struct plan){ "SHA1", false, ROVE_AUTH_RSA_SIG, 0 };
		return 0;
	}
	p->method = ROVE_AUTH_DIGITAL_SIG;
	p->pss = rsa == ROVE_SIG_RSA_PSS;
	p->md = has(h, ROVE_HASH_SHA2_256) ? "SHA256" : has(h, ROVE_HASH_SHA2_384) ? "SHA384" :
		has(h, ROVE_HASH_SHA2_512) ? "SHA512" : NULL;
	if (!p->md)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("the gateway accepts no SHA-2 hash "
				      "for RSA signatures"));
	return 0;
}

/* DER ECDSA-Sig-Value -> r||s, each left-padded to half bytes (RFC 4754). */
static int der_to_rs(const uint8_t *der, size_t len, size_t half, struct rove_buf *out)
{
	const unsigned char *q = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &q, (long)len);
	const BIGNUM *r, *s;
	uint8_t buf[2 * 66];
	int rc = -1;

	if (!sig)
		return -1;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, buf, (int)half) == (int)half &&
	    BN_bn2binpad(s, buf + half, (int)half) == (int)half) {
		rove_buf_add(out, buf, 2 * half);
		rc = 0;
	}
	ECDSA_SIG_free(sig);
	return rc;
}

static int sign_fail(struct rove_err *err)
{
	unsigned long e = ERR_peek_last_error();
	char why[128];

	ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	return rove_err_set(err, ROVE_E_CRYPTO, _("signing our AUTH failed: %s"), why);
}

int rove_sig_sign(EVP_PKEY *key, rove_sig_hashes hashes, enum rove_sig_rsa rsa,
		  const uint8_t *octets, size_t olen, uint8_t *method, struct rove_buf *out,
		  struct rove_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig = NULL;
	uint8_t algid[128];
	size_t slen = 0, alen = 0;
	struct plan p;
	int rc = -1;

	if (!md)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (make_plan(key, hashes, rsa, &p, err) < 0)
		goto out;
	if (EVP_DigestSignInit_ex(md, &pctx, p.md, NULL, NULL, key, NULL) != 1 ||
	    (p.pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) ||
	    EVP_DigestSign(md, NULL, &slen, octets, olen) != 1 ||
	    !(sig = OPENSSL_malloc(slen)) ||
	    EVP_DigestSign(md, sig, &slen, octets, olen) != 1) {
		rc = sign_fail(err);
		goto out;
	}
	if (p.method == ROVE_AUTH_DIGITAL_SIG) {
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID,
							  algid, sizeof(algid)),
			OSSL_PARAM_END,
		};

		if (EVP_PKEY_CTX_get_params(pctx, params) != 1 ||
		    !OSSL_PARAM_modified(params) || params[0].return_size > 255) {
			rc = sign_fail(err);
			goto out;
		}
		alen = params[0].return_size;
		rove_buf_add_u8(out, (uint8_t)alen);
		rove_buf_add(out, algid, alen);
		rove_buf_add(out, sig, slen);
	} else if (p.ec_half) {
		if (der_to_rs(sig, slen, p.ec_half, out) < 0) {
			rc = rove_err_set(err, ROVE_E_CRYPTO, _("cannot convert our ECDSA signature"));
			goto out;
		}
	} else {
		rove_buf_add(out, sig, slen);
	}
	*method = p.method;
	rc = 0;
out:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(md);
	return rc;
}
