/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Our credentials and signatures: every file format (PEM, DER, encrypted
 * PKCS#8, PKCS#12, from files and from memory), wrong and missing
 * passphrases, a key that does not match its certificate, the chain picked
 * from the gateway's CERTREQ, and our AUTH signatures checked by the
 * independent verifier (sigverify.c) and against AlgorithmIdentifiers built
 * by hand from the OIDs (certgen.c). */
#include "check.h"

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "cert.h"
#include "certgen.h"
#include "cred.h"
#include "err.h"
#include "ikev2.h"
#include "sigsign.h"
#include "sigverify.h"

static EVP_PKEY *ca_key, *int_key;
static X509 *ca, *inter;

static int write_key(EVP_PKEY *k, const char *pass, bool der, char *path)
{
	FILE *f;
	int ok;

	if (cg_write_text("", path) < 0 || !(f = fopen(path, "w")))
		return -1;
	if (der)
		ok = i2d_PrivateKey_fp(f, k);
	else if (pass)
		ok = PEM_write_PKCS8PrivateKey(f, k, EVP_aes_256_cbc(), pass, (int)strlen(pass),
					       NULL, NULL);
	else
		ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_p12(EVP_PKEY *k, X509 *x, X509 *extra, const char *pass, struct rove_buf *mem,
		     char *path)
{
	STACK_OF(X509) *cas = sk_X509_new_null();
	PKCS12 *p12;
	unsigned char *der = NULL;
	int len = -1;
	FILE *f;

	if (extra)
		sk_X509_push(cas, extra);
	p12 = PKCS12_create(pass, "client", k, x, cas, 0, 0, 0, 0, 0);
	sk_X509_free(cas);
	if (p12)
		len = i2d_PKCS12(p12, &der);
	PKCS12_free(p12);
	if (len <= 0 || cg_write_text("", path) < 0 || !(f = fopen(path, "w")))
		return -1;
	fwrite(der, 1, (size_t)len, f);
	fclose(f);
	if (mem)
		rove_buf_add(mem, der, (size_t)len);
	OPENSSL_free(der);
	return 0;
}

static X509 *client(EVP_PKEY *k)
{
	return cg_server("O=rove clients,CN=carol", "email:carol@example.com", NULL, k, inter,
			 int_key);
}

static void test_pem_files(void)
{
	static const enum cg_key types[] = { CG_RSA, CG_P256, CG_P384, CG_P521, CG_ED25519 };
	static const char *const desc[] = { "RSA 2048", "ECDSA P-256", "ECDSA P-384",
					    "ECDSA P-521", "ED25519" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		EVP_PKEY *k = cg_key(types[i]);
		X509 *x = client(k);
		X509 *both[] = { x, inter };
		char cpath[64], kpath[64];
		struct rove_err err;
		struct rove_cred *c;

		CHECK(cg_write_pem(both, 2, cpath) == 0);
		CHECK(write_key(k, NULL, false, kpath) == 0);
		c = rove_cred_load(cpath, kpath, NULL, 0, NULL, &err);
		CHECK(c != NULL);
		if (c) {
			CHECK(X509_cmp(rove_cred_cert(c), x) == 0);
			CHECK(rove_cred_chain_len(c) == 1);
			CHECK(EVP_PKEY_eq(rove_cred_key(c), k) == 1);
			CHECK_STR(rove_cred_key_desc(c), desc[i]);
			CHECK_STR(rove_cred_subject(c), "CN=carol,O=rove clients");
		}
		rove_cred_free(c);
		unlink(cpath);
		unlink(kpath);
		X509_free(x);
		EVP_PKEY_free(k);
	}
}

/* One PEM file holding the intermediate first, then the key, then ours:
 * the certificate the key belongs to is ours, whatever the order. */
static void test_one_file_and_der(void)
{
	EVP_PKEY *k = cg_key(CG_P256);
	X509 *x = client(k);
	char path[64], kpath[64], dpath[64];
	struct rove_err err;
	struct rove_cred *c;
	FILE *f;

	CHECK(cg_write_pem(&inter, 1, path) == 0);
	f = fopen(path, "a");
	CHECK(f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) &&
	      PEM_write_X509(f, x));
	if (f)
		fclose(f);
	c = rove_cred_load(path, NULL, NULL, 0, NULL, &err);
	CHECK(c && X509_cmp(rove_cred_cert(c), x) == 0 && rove_cred_chain_len(c) == 1);
	rove_cred_free(c);
	/* DER certificate and DER key. */
	CHECK(cg_write_der(x, dpath) == 0);
	CHECK(write_key(k, NULL, true, kpath) == 0);
	c = rove_cred_load(dpath, kpath, NULL, 0, NULL, &err);
	CHECK(c && X509_cmp(rove_cred_cert(c), x) == 0 && rove_cred_chain_len(c) == 0);
	rove_cred_free(c);
	/* The certificate file alone has no key. */
	c = rove_cred_load(dpath, NULL, NULL, 0, NULL, &err);
	CHECK(!c && strstr(err.msg, "holds no private key") && strstr(err.msg, dpath));
	c = rove_cred_load("/nonexistent/x.pem", NULL, NULL, 0, NULL, &err);
	CHECK(!c && strstr(err.msg, "/nonexistent/x.pem: cannot open it"));
	/* A key file others can read is refused with the fix; a certificate
	 * file without a key may be readable. */
	CHECK(chmod(kpath, 0640) == 0 && chmod(dpath, 0644) == 0);
	c = rove_cred_load(dpath, kpath, NULL, 0, NULL, &err);
	CHECK(!c && strstr(err.msg, "holds a private key but other users can read it: chmod 600") &&
	      strstr(err.msg, kpath));
	CHECK(chmod(kpath, 0600) == 0);
	c = rove_cred_load(dpath, kpath, NULL, 0, NULL, &err);
	CHECK(c != NULL);
	rove_cred_free(c);
	/* Neither is reached through a symbolic link. */
	{
		char link[80];

		snprintf(link, sizeof(link), "%s.link", kpath);
		CHECK(symlink(kpath, link) == 0);
		c = rove_cred_load(dpath, link, NULL, 0, NULL, &err);
		CHECK(!c && strstr(err.msg, "is a symbolic link") && strstr(err.msg, link));
		unlink(link);
	}
	unlink(path);
	unlink(kpath);
	unlink(dpath);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_pkcs8_encrypted(void)
{
	EVP_PKEY *k = cg_key(CG_P384);
	X509 *x = client(k);
	char cpath[64], kpath[64];
	struct rove_err err;
	struct rove_cred *c;
	bool need = false;

	CHECK(cg_write_pem(&x, 1, cpath) == 0);
	CHECK(write_key(k, "s3cret pass", false, kpath) == 0);
	c = rove_cred_load(cpath, kpath, "s3cret pass", 11, &need, &err);
	CHECK(c && EVP_PKEY_eq(rove_cred_key(c), k) == 1 && !need);
	rove_cred_free(c);
	c = rove_cred_load(cpath, kpath, NULL, 0, &need, &err);
	CHECK(!c && need && strstr(err.msg, "is encrypted: set key-password"));
	c = rove_cred_load(cpath, kpath, "wrong", 5, &need, &err);
	CHECK(!c && !need && strstr(err.msg, "the key-password is wrong") &&
	      strstr(err.msg, kpath));
	unlink(cpath);
	unlink(kpath);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_pkcs12(void)
{
	EVP_PKEY *k = cg_key(CG_RSA);
	X509 *x = client(k);
	struct rove_buf mem;
	char path[64];
	struct rove_err err;
	struct rove_cred *c;
	bool need = false;

	rove_buf_init(&mem);
	CHECK(write_p12(k, x, inter, "p12 pass", &mem, path) == 0);
	c = rove_cred_load(path, NULL, "p12 pass", 8, &need, &err);
	CHECK(c && X509_cmp(rove_cred_cert(c), x) == 0 && rove_cred_chain_len(c) == 1 &&
	      EVP_PKEY_eq(rove_cred_key(c), k) == 1);
	rove_cred_free(c);
	c = rove_cred_load(path, NULL, "nope", 4, &need, &err);
	CHECK(!c && strstr(err.msg, "the key-password is wrong"));
	c = rove_cred_load(path, NULL, NULL, 0, &need, &err);
	CHECK(!c && need);
	c = rove_cred_from_mem(mem.data, mem.len, NULL, 0, "p12 pass", 8, NULL, &err);
	CHECK(c && X509_cmp(rove_cred_cert(c), x) == 0);
	rove_cred_free(c);
	c = rove_cred_from_mem(mem.data, mem.len / 2, NULL, 0, "p12 pass", 8, NULL, &err);
	CHECK(!c);
	rove_buf_free(&mem);
	unlink(path);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_key_mismatch(void)
{
	EVP_PKEY *k = cg_key(CG_P256), *other = cg_key(CG_P256);
	X509 *x = client(k);
	char cpath[64], kpath[64];
	struct rove_err err;
	struct rove_cred *c;

	CHECK(cg_write_pem(&x, 1, cpath) == 0);
	CHECK(write_key(other, NULL, false, kpath) == 0);
	c = rove_cred_load(cpath, kpath, NULL, 0, NULL, &err);
	CHECK(!c);
	CHECK(strstr(err.msg, "does not match the certificate") && strstr(err.msg, kpath) &&
	      strstr(err.msg, cpath) && strstr(err.msg, "CN=carol"));
	unlink(cpath);
	unlink(kpath);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

/* The chain we send: the intermediate unless the CERTREQ names it, never
 * the root. */
static void test_pick_chain(void)
{
	EVP_PKEY *k = cg_key(CG_P256);
	X509 *x = client(k);
	X509 *all[] = { ca, x, inter }, *out[4];
	char cpath[64], kpath[64];
	uint8_t hashes[40];
	struct rove_err err;
	struct rove_cred *c;
	size_t n;

	CHECK(cg_write_pem(all, 3, cpath) == 0);
	CHECK(write_key(k, NULL, false, kpath) == 0);
	c = rove_cred_load(cpath, kpath, NULL, 0, NULL, &err);
	CHECK(c && rove_cred_chain_len(c) == 2);
	if (c) {
		n = rove_cred_pick_chain(c, NULL, 0, out, 4);
		CHECK(n == 2 && out[0] == rove_cred_cert(c) && X509_cmp(out[1], inter) == 0);
		/* The gateway knows the root: the intermediate still goes. */
		CHECK(rove_cred_spki_sha1(ca, hashes) == 0);
		n = rove_cred_pick_chain(c, hashes, 20, out, 4);
		CHECK(n == 2);
		/* It knows the intermediate (second of two hashes): ours only. */
		memset(hashes, 0x55, 20);
		CHECK(rove_cred_spki_sha1(inter, hashes + 20) == 0);
		n = rove_cred_pick_chain(c, hashes, 40, out, 4);
		CHECK(n == 1 && out[0] == rove_cred_cert(c));
		n = rove_cred_pick_chain(c, NULL, 0, out, 1);
		CHECK(n == 1);
	}
	rove_cred_free(c);
	unlink(cpath);
	unlink(kpath);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* ---- signatures ---- */

static const uint8_t octets[] = "IKE_SA_INIT request | Nr | prf(SK_pi, IDi')";
#define OLEN (sizeof(octets) - 1)

static struct rove_peer_cert *peer_of(EVP_PKEY *k)
{
	X509 *x = client(k);
	X509 *anchor = ca;
	struct rove_trust *t;
	struct rove_bytes b[2];
	struct rove_buf der, der2;
	struct rove_err err;
	enum rove_cert_fail f;
	struct rove_peer_cert *pc = NULL;
	char path[64];

	rove_buf_init(&der);
	rove_buf_init(&der2);
	if (cg_write_pem(&anchor, 1, path) < 0)
		return NULL;
	t = rove_trust_new(path, &err);
	unlink(path);
	if (t && cg_der(x, &der) == 0 && cg_der(inter, &der2) == 0) {
		b[0] = (struct rove_bytes){ der.data, der.len };
		b[1] = (struct rove_bytes){ der2.data, der2.len };
		pc = rove_peer_cert_verify(t, b, 2, "carol@example.com", CG_NOW, &f, &err);
		if (!pc)
			fprintf(stderr, "peer_of: %s\n", err.msg);
	}
	rove_trust_free(t);
	rove_buf_free(&der);
	rove_buf_free(&der2);
	X509_free(x);
	return pc;
}

#define ALL_HASHES ((1u << ROVE_HASH_SHA2_256) | (1u << ROVE_HASH_SHA2_384) | \
		    (1u << ROVE_HASH_SHA2_512) | (1u << ROVE_HASH_IDENTITY))

struct sig_case {
	enum cg_key key;
	rove_sig_hashes hashes;
	enum rove_sig_rsa rsa;
	uint8_t method;
	struct cg_sig expect; /* for method 14: the AlgorithmIdentifier */
};

static void sign_case(const struct sig_case *sc)
{
	EVP_PKEY *k = cg_key(sc->key);
	struct rove_peer_cert *pc = k ? peer_of(k) : NULL;
	struct rove_buf auth, algid;
	struct rove_err err;
	uint8_t method = 0;

	rove_buf_init(&auth);
	rove_buf_init(&algid);
	CHECK(pc != NULL);
	CHECK(rove_sig_sign(k, sc->hashes, sc->rsa, octets, OLEN, &method, &auth, &err) == 0);
	CHECK(method == sc->method);
	if (method == ROVE_AUTH_DIGITAL_SIG) {
		CHECK(cg_algid(&sc->expect, &algid) == 0);
		CHECK(auth.len > algid.len + 1 && auth.data[0] == algid.len &&
		      memcmp(auth.data + 1, algid.data, algid.len) == 0);
	}
	if (method == ROVE_AUTH_ECDSA_256 || method == ROVE_AUTH_ECDSA_384)
		CHECK(auth.len == (method == ROVE_AUTH_ECDSA_256 ? 64u : 96u));
	if (method == ROVE_AUTH_ECDSA_521)
		CHECK(auth.len == 132);
	CHECK(rove_sig_verify(pc, method, auth.data, auth.len, octets, OLEN, method == 1,
			      &err) == 0);
	/* ... and a damaged one does not verify. */
	auth.data[auth.len - 1] ^= 1;
	CHECK(rove_sig_verify(pc, method, auth.data, auth.len, octets, OLEN, method == 1,
			      &err) == -1);
	rove_buf_free(&auth);
	rove_buf_free(&algid);
	rove_peer_cert_free(pc);
	EVP_PKEY_free(k);
}

static void test_sign(void)
{
	const rove_sig_hashes only384 = 1u << ROVE_HASH_SHA2_384;
	const struct sig_case cases[] = {
		{ CG_P256, ALL_HASHES, 0, 14, { 14, CG_ALG_ECDSA, "SHA256", NULL, 0 } },
		{ CG_P384, ALL_HASHES, 0, 14, { 14, CG_ALG_ECDSA, "SHA384", NULL, 0 } },
		{ CG_P521, ALL_HASHES, 0, 14, { 14, CG_ALG_ECDSA, "SHA512", NULL, 0 } },
		{ CG_ED25519, ALL_HASHES, 0, 14, { 14, CG_ALG_EDDSA, NULL, NULL, 0 } },
		{ CG_RSA, ALL_HASHES, ROVE_SIG_RSA_PSS, 14, { 14, CG_ALG_PSS, "SHA256", NULL, -1 } },
		{ CG_RSA, only384, ROVE_SIG_RSA_PSS, 14, { 14, CG_ALG_PSS, "SHA384", NULL, -1 } },
		{ CG_RSA, ALL_HASHES, ROVE_SIG_RSA_PKCS1, 14, { 14, CG_ALG_RSA, "SHA256", NULL, 0 } },
		/* The gateway did not announce RFC 7427: classic methods. */
		{ CG_P256, 0, 0, ROVE_AUTH_ECDSA_256, { 0 } },
		{ CG_P384, 0, 0, ROVE_AUTH_ECDSA_384, { 0 } },
		{ CG_P521, 0, 0, ROVE_AUTH_ECDSA_521, { 0 } },
		{ CG_RSA, 0, 0, ROVE_AUTH_RSA_SIG, { 0 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		sign_case(&cases[i]);
}

static void test_sign_refused(void)
{
	EVP_PKEY *ed = cg_key(CG_ED25519), *rsa = cg_key(CG_RSA);
	struct rove_buf auth;
	struct rove_err err;
	uint8_t method;

	rove_buf_init(&auth);
	CHECK(rove_sig_sign(ed, 0, 0, octets, OLEN, &method, &auth, &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED && strstr(err.msg, "EdDSA"));
	CHECK(rove_sig_sign(ed, 1u << ROVE_HASH_SHA2_256, 0, octets, OLEN, &method, &auth,
			    &err) == -1);
	CHECK(rove_sig_sign(rsa, 1u << ROVE_HASH_SHA1, 0, octets, OLEN, &method, &auth,
			    &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED && auth.len == 0);
	rove_buf_free(&auth);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
}

static void test_hashes_parse(void)
{
	static const uint8_t d[] = { 0, 2, 0, 3, 0, 4, 0, 5, 0x80, 0x00, 0 };

	CHECK(rove_sig_hashes_parse(d, sizeof(d)) == ALL_HASHES);
	CHECK(rove_sig_hashes_parse(d, 1) == 0);
}

int main(void)
{
	ca_key = cg_key(CG_P256);
	int_key = cg_key(CG_P256);
	ca = ca_key ? cg_ca("O=rove tests,CN=Root", ca_key) : NULL;
	inter = ca && int_key ? cg_intermediate("O=rove tests,CN=Intermediate", int_key, ca,
						ca_key) : NULL;
	if (!inter) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	RUN(test_pem_files);
	RUN(test_one_file_and_der);
	RUN(test_pkcs8_encrypted);
	RUN(test_pkcs12);
	RUN(test_key_mismatch);
	RUN(test_pick_chain);
	RUN(test_sign);
	RUN(test_sign_refused);
	RUN(test_hashes_parse);
	X509_free(ca);
	X509_free(inter);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(int_key);
	return check_summary();
}
