/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AUTH signature verification (RFC 7296 2.15, RFC 4754, RFC 7427, RFC 8420)
 * through OpenSSL's EVP_DigestVerify. */
#include "sigverify.h"
#include "i18n.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ikev2.h"

#define PSS_SALT_MAX 1024

enum alg_kind { ALG_RSA, ALG_PSS, ALG_ECDSA, ALG_EDDSA };

/* What to verify: the scheme, the digest (NULL for EdDSA) and, for PSS,
 * the MGF1 digest and salt length. */
struct sig_alg {
	enum alg_kind kind;
	const char *md;
	const char *mgf1_md;
	int salt;
	const char *name; /* for messages */
};

/* RFC 7427 AlgorithmIdentifiers we accept, by NID. */
static const struct {
	int nid;
	enum alg_kind kind;
	const char *md;
} oid_algs[] = {
	{ NID_sha1WithRSAEncryption, ALG_RSA, "SHA1" },
	{ NID_sha256WithRSAEncryption, ALG_RSA, "SHA256" },
	{ NID_sha384WithRSAEncryption, ALG_RSA, "SHA384" },
	{ NID_sha512WithRSAEncryption, ALG_RSA, "SHA512" },
	{ NID_rsassaPss, ALG_PSS, NULL },
	{ NID_ecdsa_with_SHA1, ALG_ECDSA, "SHA1" },
	{ NID_ecdsa_with_SHA256, ALG_ECDSA, "SHA256" },
	{ NID_ecdsa_with_SHA384, ALG_ECDSA, "SHA384" },
	{ NID_ecdsa_with_SHA512, ALG_ECDSA, "SHA512" },
	{ NID_ED25519, ALG_EDDSA, NULL },
	{ NID_ED448, ALG_EDDSA, NULL },
};

static int bad_sig(struct rove_err *err)
{
	ERR_clear_error();
	return rove_err_set(err, ROVE_E_AUTH, _("the server's AUTH signature does not verify"));
}

static const char *hash_name(const X509_ALGOR *a)
{
	const ASN1_OBJECT *obj;

	X509_ALGOR_get0(&obj, NULL, NULL, a);
	switch (OBJ_obj2nid(obj)) {
	case NID_sha1: return "SHA1";
	case NID_sha256: return "SHA256";
	case NID_sha384: return "SHA384";
	case NID_sha512: return "SHA512";
	default: return NULL;
	}
}

/* MGF1 with its hash; RFC 4055 defaults apply when absent. */
static const char *mgf1_name(const X509_ALGOR *mgf)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;
	X509_ALGOR *h;
	const char *name;

	if (!mgf)
		return "SHA1";
	X509_ALGOR_get0(&obj, &ptype, &pval, mgf);
	if (OBJ_obj2nid(obj) != NID_mgf1 || ptype != V_ASN1_SEQUENCE)
		return NULL;
	h = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), mgf->parameter);
	name = h ? hash_name(h) : NULL;
	X509_ALGOR_free(h);
	return name;
}

/* RSASSA-PSS-params (RFC 4055 3.1), every field optional with SHA-1 / MGF1
 * with SHA-1 / salt 20 / trailer 1 as defaults. */
static int pss_params(const X509_ALGOR *alg, struct sig_alg *out, struct rove_err *err)
{
	const void *pval;
	int ptype, rc = -1;
	RSA_PSS_PARAMS *p;
	int64_t salt = 20, trailer = 1;

	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return rove_err_set(err, ROVE_E_AUTH, _("the server's RSASSA-PSS signature has no "
				      "parameters"));
	p = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter);
	if (!p)
		return rove_err_set(err, ROVE_E_AUTH, _("the server's RSASSA-PSS parameters are "
				      "malformed"));
	out->md = p->hashAlgorithm ? hash_name(p->hashAlgorithm) : "SHA1";
	out->mgf1_md = mgf1_name(p->maskGenAlgorithm);
	if ((p->saltLength && !ASN1_INTEGER_get_int64(&salt, p->saltLength)) ||
	    (p->trailerField && !ASN1_INTEGER_get_int64(&trailer, p->trailerField)))
		salt = -1;
	if (!out->md || !out->mgf1_md)
		rove_err_set(err, ROVE_E_UNSUPPORTED, _("the server's RSASSA-PSS signature uses "
			       "an unsupported hash"));
	else if (salt < 0 || salt > PSS_SALT_MAX || trailer != 1)
		rove_err_set(err, ROVE_E_AUTH, _("the server's RSASSA-PSS parameters are invalid"));
	else
		rc = 0;
	out->salt = (int)salt;
	RSA_PSS_PARAMS_free(p);
	return rc;
}

/* Parameters of the other algorithms are absent (or NULL, which some
 * implementations send for RSA). */
static bool no_params(const X509_ALGOR *alg)
{
	int ptype;

	X509_ALGOR_get0(NULL, &ptype, NULL, alg);
	return ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL;
}

static int unsupported_oid(const ASN1_OBJECT *obj, struct rove_err *err)
{
	char oid[80];

	if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
		snprintf(oid, sizeof(oid), "(unreadable)");
	return rove_err_set(err, ROVE_E_UNSUPPORTED,
			    _("the server signed with an unsupported algorithm (OID %s)"), oid);
}

/* RFC 7427 3: ASN.1 length (1 octet), AlgorithmIdentifier, signature. */
static int parse_digital_sig(const uint8_t *auth, size_t len, bool allow_sha1,
			     struct sig_alg *alg, struct rove_bytes *sig, struct rove_err *err)
{
	const unsigned char *p;
	const ASN1_OBJECT *obj;
	X509_ALGOR *a;
	size_t alen, i;
	int nid, rc = -1;

	if (len < 1 || (alen = auth[0]) == 0 || len - 1 < alen || len - 1 == alen)
		return rove_err_set(err, ROVE_E_AUTH, _("the server's AUTH payload is malformed "
				      "(RFC 7427 signature)"));
	p = auth + 1;
	a = d2i_X509_ALGOR(NULL, &p, (long)alen);
	if (!a || p != auth + 1 + alen) {
		X509_ALGOR_free(a);
		ERR_clear_error();
		return rove_err_set(err, ROVE_E_AUTH, _("the server's AUTH payload has a malformed "
				      "AlgorithmIdentifier"));
	}
	X509_ALGOR_get0(&obj, NULL, NULL, a);
	nid = OBJ_obj2nid(obj);
	for (i = 0; i < sizeof(oid_algs) / sizeof(oid_algs[0]) && oid_algs[i].nid != nid; i++)
		;
	memset(alg, 0, sizeof(*alg));
	if (i == sizeof(oid_algs) / sizeof(oid_algs[0])) {
		unsupported_oid(obj, err);
		goto out;
	}
	alg->kind = oid_algs[i].kind;
	alg->md = oid_algs[i].md;
	alg->name = OBJ_nid2ln(nid);
	if (alg->kind == ALG_PSS ? pss_params(a, alg, err) < 0 : !no_params(a)) {
		if (alg->kind != ALG_PSS)
			rove_err_set(err, ROVE_E_AUTH, _("the server's %s AlgorithmIdentifier has "
				       "unexpected parameters"), alg->name);
		goto out;
	}
	if (!allow_sha1 && alg->md && !strcmp(alg->md, "SHA1")) {
		rove_err_set(err, ROVE_E_UNSUPPORTED, _("the server signed with SHA-1 (%s), which "
			       "RFC 8247 forbids"), alg->name);
		goto out;
	}
	sig->ptr = auth + 1 + alen;
	sig->len = len - 1 - alen;
	rc = 0;
out:
	X509_ALGOR_free(a);
	ERR_clear_error();
	return rc;
}

static bool key_fits(EVP_PKEY *k, enum alg_kind kind)
{
	switch (kind) {
	case ALG_RSA: return EVP_PKEY_is_a(k, "RSA");
	case ALG_PSS: return EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_is_a(k, "RSA-PSS");
	case ALG_ECDSA: return EVP_PKEY_is_a(k, "EC");
	case ALG_EDDSA: return EVP_PKEY_is_a(k, "ED25519") || EVP_PKEY_is_a(k, "ED448");
	}
	return false;
}

static int ec_curve_nid(EVP_PKEY *k)
{
	char name[64];
	size_t len = 0;
	int nid;

	if (!EVP_PKEY_is_a(k, "EC") ||
	    !EVP_PKEY_get_group_name(k, name, sizeof(name), &len))
		return NID_undef;
	nid = OBJ_txt2nid(name);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid;
}

/* RFC 4754 sends r||s, each as wide as the group order; OpenSSL wants
 * ECDSA-Sig-Value in DER. */
static int rs_to_der(const uint8_t *sig, size_t len, size_t half, struct rove_buf *der)
{
	ECDSA_SIG *s;
	BIGNUM *r, *sv;
	unsigned char *out = NULL;
	int n, rc = -1;

	if (len != 2 * half)
		return -1;
	s = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)half, NULL);
	sv = BN_bin2bn(sig + half, (int)half, NULL);
	if (!s || !r || !sv || !ECDSA_SIG_set0(s, r, sv)) {
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(s);
		return -1;
	}
	n = i2d_ECDSA_SIG(s, &out);
	if (n > 0) {
		rove_buf_add(der, out, (size_t)n);
		rc = der->failed ? -1 : 0;
	}
	OPENSSL_free(out);
	ECDSA_SIG_free(s);
	return rc;
}

static int do_verify(EVP_PKEY *k, const struct sig_alg *alg, const uint8_t *sig, size_t slen,
		     const uint8_t *octets, size_t olen, struct rove_err *err)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok = 0;

	if (m && EVP_DigestVerifyInit_ex(m, &pc, alg->md, NULL, NULL, k, NULL) == 1) {
		ok = 1;
		if (alg->kind == ALG_PSS)
			ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
			     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pc, alg->mgf1_md, NULL) > 0 &&
			     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, alg->salt) > 0;
		else if (alg->kind == ALG_RSA)
			ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0;
		ok = ok && EVP_DigestVerify(m, sig, slen, octets, olen) == 1;
	}
	EVP_MD_CTX_free(m);
	return ok ? (ERR_clear_error(), 0) : bad_sig(err);
}

static int verify_ecdsa_fixed(EVP_PKEY *k, uint8_t method, const uint8_t *sig, size_t slen,
			      const uint8_t *octets, size_t olen, struct rove_err *err)
{
	static const struct {
		uint8_t method;
		int nid;
		size_t half;
		const char *md;
	} m[] = {
		{ ROVE_AUTH_ECDSA_256, NID_X9_62_prime256v1, 32, "SHA256" },
		{ ROVE_AUTH_ECDSA_384, NID_secp384r1, 48, "SHA384" },
		{ ROVE_AUTH_ECDSA_521, NID_secp521r1, 66, "SHA512" },
	};
	struct sig_alg alg = { .kind = ALG_ECDSA };
	struct rove_buf der;
	size_t i;
	int rc;

	for (i = 0; i < 2 && m[i].method != method; i++)
		;
	if (m[i].method != method || ec_curve_nid(k) != m[i].nid)
		return rove_err_set(err, ROVE_E_AUTH, _("the server signed with ECDSA method %u, "
				      "which does not fit its certificate key"), method);
	alg.md = m[i].md;
	rove_buf_init(&der);
	rc = rs_to_der(sig, slen, m[i].half, &der) < 0 ? bad_sig(err) :
	     do_verify(k, &alg, der.data, der.len, octets, olen, err);
	rove_buf_free(&der);
	return rc;
}

int rove_sig_verify(const struct rove_peer_cert *pc, uint8_t method, const uint8_t *auth_data,
		    size_t auth_len, const uint8_t *octets, size_t olen, bool allow_sha1,
		    struct rove_err *err)
{
	struct sig_alg alg = { .kind = ALG_RSA, .md = "SHA1", .name = "RSA (AUTH method 1)" };
	struct rove_bytes sig = { auth_data, auth_len };
	EVP_PKEY *k = pc ? rove_peer_cert_pkey(pc) : NULL;

	if (!k)
		return rove_err_set(err, ROVE_E_AUTH, _("no verified server certificate to check "
				      "the AUTH signature with"));
	if (!auth_data || !auth_len)
		return bad_sig(err);
	switch (method) {
	case ROVE_AUTH_RSA_SIG:
		break;
	case ROVE_AUTH_ECDSA_256:
	case ROVE_AUTH_ECDSA_384:
	case ROVE_AUTH_ECDSA_521:
		return verify_ecdsa_fixed(k, method, auth_data, auth_len, octets, olen, err);
	case ROVE_AUTH_DIGITAL_SIG:
		if (parse_digital_sig(auth_data, auth_len, allow_sha1, &alg, &sig, err) < 0)
			return -1;
		break;
	case ROVE_AUTH_PSK:
		return rove_err_set(err, ROVE_E_AUTH, _("the server's AUTH is a shared-key MAC, "
				      "not a signature"));
	default:
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("the server uses AUTH method %u, "
				      "which rove does not support"), method);
	}
	if (!key_fits(k, alg.kind))
		return rove_err_set(err, ROVE_E_AUTH, _("the server signed with %s, which does not "
				      "fit the %s key of its certificate"), alg.name,
				    EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "unknown");
	return do_verify(k, &alg, sig.ptr, sig.len, octets, olen, err);
}

void rove_sig_hash_algorithms(struct rove_buf *out)
{
	rove_buf_add_be16(out, ROVE_HASH_SHA2_256);
	rove_buf_add_be16(out, ROVE_HASH_SHA2_384);
	rove_buf_add_be16(out, ROVE_HASH_SHA2_512);
	rove_buf_add_be16(out, ROVE_HASH_IDENTITY);
}
