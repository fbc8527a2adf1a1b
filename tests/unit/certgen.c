/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: certificates and AUTH signatures made with OpenSSL. */
#include "certgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ikev2.h"

static int fail(const char *what)
{
	fprintf(stderr, "certgen: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	return -1;
}

EVP_PKEY *cg_key(enum cg_key type)
{
	EVP_PKEY *k = NULL;

	switch (type) {
	case CG_RSA: k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
	case CG_P256: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
	case CG_P384: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
	case CG_P521: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"); break;
	case CG_ED25519: k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
	}
	if (!k)
		fail("key generation");
	return k;
}

/* "O=Example,CN=gw" in certificate order. */
static X509_NAME *make_name(const char *s)
{
	X509_NAME *n = X509_NAME_new();
	char *copy = strdup(s), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); n && tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || (*eq = '\0', !X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8,
					(unsigned char *)eq + 1, -1, -1, 0))) {
			X509_NAME_free(n);
			n = NULL;
		}
	}
	free(copy);
	return n;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, const char *name, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_nconf(NULL, ctx, name, value);
	int ok = e && X509_add_ext(x, e, -1);

	X509_EXTENSION_free(e);
	return ok ? 0 : fail(name);
}

static int add_exts(X509 *x, X509 *issuer, const struct cg_cert *c)
{
	X509V3_CTX ctx;
	int rc = 0;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	rc |= add_ext(x, &ctx, "subjectKeyIdentifier", "hash");
	rc |= add_ext(x, &ctx, "authorityKeyIdentifier", "keyid");
	if (c->ca) {
		rc |= add_ext(x, &ctx, "basicConstraints", "critical,CA:TRUE");
		rc |= add_ext(x, &ctx, "keyUsage", "critical,keyCertSign,cRLSign");
	} else {
		rc |= add_ext(x, &ctx, "basicConstraints", "CA:FALSE");
		rc |= add_ext(x, &ctx, "keyUsage", "digitalSignature,keyEncipherment");
	}
	if (c->san)
		rc |= add_ext(x, &ctx, "subjectAltName", c->san);
	if (c->eku)
		rc |= add_ext(x, &ctx, "extendedKeyUsage", c->eku);
	if (c->crl_url) {
		char v[300];

		snprintf(v, sizeof(v), "URI:%s", c->crl_url);
		rc |= add_ext(x, &ctx, "crlDistributionPoints", v);
	}
	if (c->ocsp_url) {
		char v[300];

		snprintf(v, sizeof(v), "OCSP;URI:%s", c->ocsp_url);
		rc |= add_ext(x, &ctx, "authorityInfoAccess", v);
	}
	return rc;
}

X509 *cg_cert(const struct cg_cert *c, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
	static uint64_t serial = 1000;
	X509 *x = X509_new();
	X509_NAME *n = make_name(c->subject);
	EVP_PKEY *signer = issuer_key ? issuer_key : key;
	const EVP_MD *md = EVP_PKEY_is_a(signer, "ED25519") ? NULL : EVP_sha256();
	int64_t nb = c->not_before ? c->not_before : CG_NOW - CG_DAY;
	int64_t na = c->not_after ? c->not_after : CG_NOW + CG_YEAR;
	bool ok;

	ok = x && n && X509_set_version(x, X509_VERSION_3) &&
	     ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial++) &&
	     X509_set_subject_name(x, n) &&
	     X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n) &&
	     ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) &&
	     ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) && X509_set_pubkey(x, key) &&
	     add_exts(x, issuer, c) == 0 && X509_sign(x, signer, md) > 0;
	X509_NAME_free(n);
	if (!ok) {
		fail("certificate");
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *cg_ca(const char *subject, EVP_PKEY *key)
{
	struct cg_cert c = { .subject = subject, .ca = true,
			     .not_before = CG_NOW - 10 * CG_YEAR, .not_after = CG_NOW + 10 * CG_YEAR };

	return cg_cert(&c, key, NULL, NULL);
}

X509 *cg_intermediate(const char *subject, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key)
{
	struct cg_cert c = { .subject = subject, .ca = true,
			     .not_before = CG_NOW - 10 * CG_YEAR, .not_after = CG_NOW + 10 * CG_YEAR };

	return cg_cert(&c, key, ca, ca_key);
}

X509 *cg_server(const char *subject, const char *san, const char *eku, EVP_PKEY *key,
		X509 *ca, EVP_PKEY *ca_key)
{
	struct cg_cert c = { .subject = subject, .san = san, .eku = eku };

	return cg_cert(&c, key, ca, ca_key);
}

X509_CRL *cg_crl(X509 *issuer, EVP_PKEY *key, X509 *const *revoked, size_t n, int64_t last,
		 int64_t next)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	bool ok = crl && t && X509_CRL_set_version(crl, 1) &&
		  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) &&
		  ASN1_TIME_set(t, (time_t)last) && X509_CRL_set1_lastUpdate(crl, t) &&
		  ASN1_TIME_set(t, (time_t)next) && X509_CRL_set1_nextUpdate(crl, t);

	for (size_t i = 0; ok && i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();

		ok = r && ASN1_TIME_set(t, (time_t)(CG_NOW - 3600)) &&
		     X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked[i])) &&
		     X509_REVOKED_set_revocationDate(r, t) && X509_CRL_add0_revoked(crl, r);
		if (!ok)
			X509_REVOKED_free(r);
	}
	ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, key, EVP_sha256()) > 0;
	ASN1_TIME_free(t);
	if (!ok) {
		fail("CRL");
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

int cg_crl_der(X509_CRL *crl, struct rove_buf *out)
{
	unsigned char *der = NULL;
	int len = i2d_X509_CRL(crl, &der);

	if (len <= 0)
		return fail("i2d_X509_CRL");
	rove_buf_add(out, der, (size_t)len);
	OPENSSL_free(der);
	return out->failed ? -1 : 0;
}

int cg_der(X509 *x, struct rove_buf *out)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);

	if (len <= 0)
		return fail("i2d_X509");
	rove_buf_add(out, der, (size_t)len);
	OPENSSL_free(der);
	return out->failed ? -1 : 0;
}

static FILE *tmp_open(char *path)
{
	int fd;

	snprintf(path, 64, "/tmp/rove-certgen-XXXXXX");
	fd = mkstemp(path);
	return fd < 0 ? NULL : fdopen(fd, "wb");
}

int cg_write_pem(X509 *const *certs, size_t n, char *path)
{
	FILE *f = tmp_open(path);
	int ok = f != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = PEM_write_X509(f, certs[i]);
	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : fail("writing PEM");
}

int cg_write_der(X509 *x, char *path)
{
	FILE *f = tmp_open(path);
	int ok = f && i2d_X509_fp(f, x);

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : fail("writing DER");
}

int cg_write_crl(X509_CRL *crl, char *path)
{
	FILE *f = tmp_open(path);
	int ok = f && PEM_write_X509_CRL(f, crl);

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : fail("writing a CRL");
}

int cg_write_text(const char *text, char *path)
{
	FILE *f = tmp_open(path);
	int ok = f && fputs(text, f) >= 0;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : fail("writing text");
}

/* ---- AlgorithmIdentifiers, DER by hand (all lengths < 128) ---- */

static void tlv(struct rove_buf *out, uint8_t tag, const struct rove_buf *content)
{
	rove_buf_add_u8(out, tag);
	rove_buf_add_u8(out, (uint8_t)content->len);
	rove_buf_add(out, content->data, content->len);
}

static const uint8_t *hash_oid(const char *md, size_t *len)
{
	static const uint8_t sha1[] = { 0x2b, 0x0e, 0x03, 0x02, 0x1a };
	static uint8_t sha2[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x00 };

	if (!strcmp(md, "SHA1")) {
		*len = sizeof(sha1);
		return sha1;
	}
	sha2[8] = !strcmp(md, "SHA256") ? 1 : !strcmp(md, "SHA384") ? 2 : 3;
	*len = sizeof(sha2);
	return sha2;
}

/* SEQUENCE { OID, [NULL] } */
static void algid(struct rove_buf *out, const uint8_t *oid, size_t olen, bool null_param,
		  const struct rove_buf *params)
{
	struct rove_buf seq, o;

	rove_buf_init(&seq);
	rove_buf_init(&o);
	rove_buf_add(&o, oid, olen);
	tlv(&seq, 0x06, &o);
	if (null_param) {
		rove_buf_add_u8(&seq, 0x05);
		rove_buf_add_u8(&seq, 0x00);
	}
	if (params)
		rove_buf_add(&seq, params->data, params->len);
	tlv(out, 0x30, &seq);
	rove_buf_free(&seq);
	rove_buf_free(&o);
}

static int md_len(const char *md)
{
	return !strcmp(md, "SHA1") ? 20 : !strcmp(md, "SHA256") ? 32 : !strcmp(md, "SHA384") ? 48 : 64;
}

static void pss_params(const struct cg_sig *s, struct rove_buf *out)
{
	static const uint8_t mgf1[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08 };
	struct rove_buf fields, h, m, mh, i;
	const uint8_t *oid;
	size_t olen;

	rove_buf_init(&fields);
	rove_buf_init(&h);
	rove_buf_init(&m);
	rove_buf_init(&mh);
	rove_buf_init(&i);
	oid = hash_oid(s->md, &olen);
	algid(&h, oid, olen, true, NULL);
	tlv(&fields, 0xa0, &h);
	oid = hash_oid(s->mgf1_md ? s->mgf1_md : s->md, &olen);
	algid(&mh, oid, olen, true, NULL);
	algid(&m, mgf1, sizeof(mgf1), false, &mh);
	tlv(&fields, 0xa1, &m);
	rove_buf_add_u8(&i, 0x02);
	rove_buf_add_u8(&i, 1);
	rove_buf_add_u8(&i, (uint8_t)(s->salt < 0 ? md_len(s->md) : s->salt));
	tlv(&fields, 0xa2, &i);
	tlv(out, 0x30, &fields);
	rove_buf_free(&fields);
	rove_buf_free(&h);
	rove_buf_free(&m);
	rove_buf_free(&mh);
	rove_buf_free(&i);
}

int cg_algid(const struct cg_sig *s, struct rove_buf *out)
{
	uint8_t rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x00 };
	uint8_t ecdsa[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x00 };
	static const uint8_t ecdsa_sha1[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01 };
	static const uint8_t ed25519[] = { 0x2b, 0x65, 0x70 };
	int h = s->md ? (!strcmp(s->md, "SHA256") ? 0 : !strcmp(s->md, "SHA384") ? 1 :
			 !strcmp(s->md, "SHA512") ? 2 : -1) : -1;
	struct rove_buf params;

	switch (s->alg) {
	case CG_ALG_RSA:
		rsa[8] = (uint8_t)(h < 0 ? 0x05 : 0x0b + h);
		algid(out, rsa, sizeof(rsa), true, NULL);
		break;
	case CG_ALG_PSS:
		rsa[8] = 0x0a;
		rove_buf_init(&params);
		pss_params(s, &params);
		algid(out, rsa, sizeof(rsa), false, &params);
		rove_buf_free(&params);
		break;
	case CG_ALG_ECDSA:
		if (h < 0) {
			algid(out, ecdsa_sha1, sizeof(ecdsa_sha1), false, NULL);
		} else {
			ecdsa[7] = (uint8_t)(2 + h);
			algid(out, ecdsa, sizeof(ecdsa), false, NULL);
		}
		break;
	case CG_ALG_EDDSA:
		algid(out, ed25519, sizeof(ed25519), false, NULL);
		break;
	}
	return out->failed ? -1 : 0;
}

/* ---- signatures ---- */

static int sign(EVP_PKEY *key, const struct cg_sig *s, const char *md, const uint8_t *octets,
		size_t olen, struct rove_buf *out)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	size_t len = 0;
	int ok;

	ok = m && EVP_DigestSignInit_ex(m, &pc, md, NULL, NULL, key, NULL) == 1;
	if (ok && s->method == ROVE_AUTH_DIGITAL_SIG && s->alg == CG_ALG_PSS)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pc, s->mgf1_md ? s->mgf1_md : md, NULL) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, s->salt < 0 ? md_len(md) : s->salt) > 0;
	ok = ok && EVP_DigestSign(m, NULL, &len, octets, olen) == 1;
	if (ok) {
		size_t off = out->len;
		uint8_t *p = rove_buf_put(out, len);

		/* ECDSA signatures may come out shorter than the maximum. */
		ok = p && EVP_DigestSign(m, p, &len, octets, olen) == 1;
		if (ok)
			out->len = off + len;
	}
	EVP_MD_CTX_free(m);
	return ok ? 0 : fail("signing");
}

/* RFC 4754: r||s, each left-padded to the group's byte size. */
static int sign_rs(EVP_PKEY *key, const struct cg_sig *s, const uint8_t *octets, size_t olen,
		   struct rove_buf *out)
{
	static const char *md[] = { "SHA256", "SHA384", "SHA512" };
	static const int half[] = { 32, 48, 66 };
	int i = s->method - ROVE_AUTH_ECDSA_256;
	struct rove_buf der;
	const unsigned char *p;
	ECDSA_SIG *sig = NULL;
	uint8_t *rs;
	int rc = -1;

	if (i < 0 || i > 2)
		return fail("ECDSA method");
	rove_buf_init(&der);
	if (sign(key, s, s->md ? s->md : md[i], octets, olen, &der) == 0) {
		p = der.data;
		sig = d2i_ECDSA_SIG(NULL, &p, (long)der.len);
		rs = rove_buf_put(out, 2 * (size_t)half[i]);
		if (sig && rs && BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, half[i]) == half[i] &&
		    BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + half[i], half[i]) == half[i])
			rc = 0;
	}
	ECDSA_SIG_free(sig);
	rove_buf_free(&der);
	return rc;
}

int cg_auth_sign(EVP_PKEY *key, const struct cg_sig *s, const uint8_t *octets, size_t olen,
		 struct rove_buf *out)
{
	struct rove_buf alg;
	int rc;

	switch (s->method) {
	case ROVE_AUTH_RSA_SIG:
		return sign(key, s, s->md ? s->md : "SHA1", octets, olen, out);
	case ROVE_AUTH_ECDSA_256:
	case ROVE_AUTH_ECDSA_384:
	case ROVE_AUTH_ECDSA_521:
		return sign_rs(key, s, octets, olen, out);
	case ROVE_AUTH_DIGITAL_SIG:
		break;
	default:
		return fail("AUTH method");
	}
	rove_buf_init(&alg);
	rc = cg_algid(s, &alg);
	if (rc == 0) {
		rove_buf_add_u8(out, (uint8_t)alg.len);
		rove_buf_add(out, alg.data, alg.len);
		rc = sign(key, s, s->alg == CG_ALG_EDDSA ? NULL : s->md, octets, olen, out);
	}
	rove_buf_free(&alg);
	return rc;
}
