/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AUTH signature verification for every method and algorithm we accept, and
 * the ways a signature must fail: damaged, wrong key, wrong method, key and
 * algorithm mismatch, SHA-1 under RFC 7427. */
#include "check.h"

#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "certgen.h"
#include "err.h"
#include "ikev2.h"
#include "sigverify.h"

enum { K_RSA, K_P256, K_P384, K_P521, K_ED25519, NKEYS };

static EVP_PKEY *keys[NKEYS], *other[NKEYS];
static struct rove_peer_cert *pcs[NKEYS];

static const uint8_t octets[] = "IKE_SA_INIT response | Ni | prf(SK_pr, IDr')";
#define OLEN (sizeof(octets) - 1)

static int verify(int k, const struct cg_sig *s, const struct rove_buf *auth, bool sha1,
		  struct rove_err *err)
{
	rove_err_clear(err);
	return rove_sig_verify(pcs[k], s->method, auth->data, auth->len, octets, OLEN, sha1, err);
}

/* Signs with keys[k] (or other[k]) and returns the verification result. */
static int sign_verify(int k, bool wrong_key, const struct cg_sig *s, bool sha1,
		       struct rove_err *err)
{
	struct rove_buf auth;
	int rc = -2;

	rove_buf_init(&auth);
	if (cg_auth_sign(wrong_key ? other[k] : keys[k], s, octets, OLEN, &auth) == 0)
		rc = verify(k, s, &auth, sha1, err);
	rove_buf_free(&auth);
	return rc;
}

/* Every signature flipped in any bit of its last bytes and the octets
 * changed must fail. */
static void check_damage(int k, const struct cg_sig *s)
{
	struct rove_buf auth;
	struct rove_err err;
	uint8_t msg[OLEN];

	rove_buf_init(&auth);
	CHECK(cg_auth_sign(keys[k], s, octets, OLEN, &auth) == 0);
	CHECK(verify(k, s, &auth, false, &err) == 0);
	for (size_t i = auth.len > 8 ? auth.len - 8 : 0; i < auth.len; i++) {
		auth.data[i] ^= 0x01;
		CHECK(verify(k, s, &auth, false, &err) == -1);
		CHECK(err.code == ROVE_E_AUTH);
		auth.data[i] ^= 0x01;
	}
	auth.data[auth.len / 2] ^= 0x80;
	CHECK(verify(k, s, &auth, false, &err) == -1);
	auth.data[auth.len / 2] ^= 0x80;
	memcpy(msg, octets, OLEN);
	msg[0] ^= 1;
	CHECK(rove_sig_verify(pcs[k], s->method, auth.data, auth.len, msg, OLEN, false, &err) ==
	      -1);
	CHECK_STR(err.msg, "the server's AUTH signature does not verify");
	/* Truncated or extended. */
	CHECK(rove_sig_verify(pcs[k], s->method, auth.data, auth.len - 1, octets, OLEN, false,
			      &err) == -1);
	rove_buf_add_u8(&auth, 0);
	CHECK(verify(k, s, &auth, false, &err) == -1);
	CHECK(rove_sig_verify(pcs[k], s->method, auth.data, 0, octets, OLEN, false, &err) == -1);
	rove_buf_free(&auth);
}

static const struct {
	int key;
	struct cg_sig s;
	const char *name;
} good[] = {
	{ K_RSA, { ROVE_AUTH_RSA_SIG, 0, "SHA1", NULL, 0 }, "RSA method 1" },
	{ K_P256, { ROVE_AUTH_ECDSA_256, 0, NULL, NULL, 0 }, "ECDSA-256" },
	{ K_P384, { ROVE_AUTH_ECDSA_384, 0, NULL, NULL, 0 }, "ECDSA-384" },
	{ K_P521, { ROVE_AUTH_ECDSA_521, 0, NULL, NULL, 0 }, "ECDSA-521" },
	{ K_RSA, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_RSA, "SHA256", NULL, 0 }, "sha256WithRSA" },
	{ K_RSA, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_RSA, "SHA384", NULL, 0 }, "sha384WithRSA" },
	{ K_RSA, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_RSA, "SHA512", NULL, 0 }, "sha512WithRSA" },
	{ K_RSA, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_PSS, "SHA256", NULL, -1 }, "PSS SHA-256" },
	{ K_RSA, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_PSS, "SHA384", NULL, -1 }, "PSS SHA-384" },
	{ K_RSA, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_PSS, "SHA512", NULL, -1 }, "PSS SHA-512" },
	{ K_RSA, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_PSS, "SHA256", "SHA512", 0 }, "PSS mixed" },
	{ K_P256, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_ECDSA, "SHA256", NULL, 0 }, "ecdsa-SHA256" },
	{ K_P384, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_ECDSA, "SHA384", NULL, 0 }, "ecdsa-SHA384" },
	{ K_P256, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_ECDSA, "SHA512", NULL, 0 }, "ecdsa-SHA512" },
	{ K_P521, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_ECDSA, "SHA512", NULL, 0 }, "ecdsa-SHA512 P521" },
	{ K_ED25519, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_EDDSA, NULL, NULL, 0 }, "Ed25519" },
};

static void test_good_and_damaged(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct rove_err err;
		int before = check_failures;

		CHECK(sign_verify(good[i].key, false, &good[i].s, false, &err) == 0);
		check_damage(good[i].key, &good[i].s);
		/* A signature by another key of the same type never verifies. */
		CHECK(sign_verify(good[i].key, true, &good[i].s, false, &err) == -1);
		CHECK(err.code == ROVE_E_AUTH);
		if (check_failures != before)
			fprintf(stderr, "  in %s: %s\n", good[i].name, err.msg);
	}
}

static void test_wrong_method(void)
{
	const struct cg_sig p256 = { ROVE_AUTH_ECDSA_256, 0, NULL, NULL, 0 };
	const struct cg_sig rsa1 = { ROVE_AUTH_RSA_SIG, 0, "SHA1", NULL, 0 };
	struct rove_buf auth;
	struct rove_err err;

	/* A P-256 r||s presented as ECDSA-384 or as an RSA signature. */
	rove_buf_init(&auth);
	CHECK(cg_auth_sign(keys[K_P256], &p256, octets, OLEN, &auth) == 0);
	CHECK(rove_sig_verify(pcs[K_P256], ROVE_AUTH_ECDSA_384, auth.data, auth.len, octets, OLEN,
			      false, &err) == -1);
	CHECK(err.code == ROVE_E_AUTH);
	CHECK(rove_sig_verify(pcs[K_P256], ROVE_AUTH_RSA_SIG, auth.data, auth.len, octets, OLEN,
			      false, &err) == -1);
	CHECK(strstr(err.msg, "does not fit") != NULL);
	CHECK(rove_sig_verify(pcs[K_P256], ROVE_AUTH_DIGITAL_SIG, auth.data, auth.len, octets,
			      OLEN, false, &err) == -1);
	/* Right method number, wrong curve: a P-384 key cannot do ECDSA-256. */
	CHECK(rove_sig_verify(pcs[K_P384], ROVE_AUTH_ECDSA_256, auth.data, auth.len, octets, OLEN,
			      false, &err) == -1);
	CHECK(strstr(err.msg, "does not fit") != NULL);
	rove_buf_reset(&auth);
	CHECK(cg_auth_sign(keys[K_RSA], &rsa1, octets, OLEN, &auth) == 0);
	CHECK(rove_sig_verify(pcs[K_RSA], ROVE_AUTH_ECDSA_256, auth.data, auth.len, octets, OLEN,
			      false, &err) == -1);
	CHECK(rove_sig_verify(pcs[K_RSA], ROVE_AUTH_PSK, auth.data, auth.len, octets, OLEN, false,
			      &err) == -1);
	CHECK(rove_sig_verify(pcs[K_RSA], ROVE_AUTH_DSS_SIG, auth.data, auth.len, octets, OLEN,
			      false, &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	CHECK(rove_sig_verify(NULL, ROVE_AUTH_RSA_SIG, auth.data, auth.len, octets, OLEN, false,
			      &err) == -1);
	rove_buf_free(&auth);
}

/* The AlgorithmIdentifier says one key type, the certificate has another. */
static void test_key_mismatch(void)
{
	const struct {
		int signer, cert;
		struct cg_sig s;
	} cases[] = {
		{ K_P256, K_RSA, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_ECDSA, "SHA256", NULL, 0 } },
		{ K_RSA, K_P256, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_RSA, "SHA256", NULL, 0 } },
		{ K_RSA, K_ED25519, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_PSS, "SHA256", NULL, -1 } },
		{ K_ED25519, K_P256, { ROVE_AUTH_DIGITAL_SIG, CG_ALG_EDDSA, NULL, NULL, 0 } },
		{ K_RSA, K_RSA, { ROVE_AUTH_RSA_SIG, 0, "SHA256", NULL, 0 } }, /* not SHA-1 */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rove_buf auth;
		struct rove_err err;

		rove_buf_init(&auth);
		CHECK(cg_auth_sign(keys[cases[i].signer], &cases[i].s, octets, OLEN, &auth) == 0);
		CHECK(verify(cases[i].cert, &cases[i].s, &auth, true, &err) == -1);
		CHECK(err.code == ROVE_E_AUTH);
		rove_buf_free(&auth);
	}
}

static void test_sha1(void)
{
	const struct cg_sig rsa = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_RSA, "SHA1", NULL, 0 };
	const struct cg_sig ec = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_ECDSA, "SHA1", NULL, 0 };
	const struct cg_sig pss = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_PSS, "SHA1", NULL, -1 };
	const struct cg_sig mgf = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_PSS, "SHA256", "SHA1", -1 };
	struct rove_err err;

	CHECK(sign_verify(K_RSA, false, &rsa, false, &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	CHECK(strstr(err.msg, "SHA-1 (sha1WithRSAEncryption)") != NULL);
	CHECK(sign_verify(K_RSA, false, &rsa, true, &err) == 0);
	CHECK(sign_verify(K_P256, false, &ec, false, &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	CHECK(sign_verify(K_P256, false, &ec, true, &err) == 0);
	CHECK(sign_verify(K_RSA, false, &pss, false, &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	CHECK(sign_verify(K_RSA, false, &pss, true, &err) == 0);
	/* MGF1 with SHA-1 is not a collision risk: accepted. */
	CHECK(sign_verify(K_RSA, false, &mgf, false, &err) == 0);
}

/* The hand-built AlgorithmIdentifiers of certgen equal RFC 7427's examples,
 * so the other tests feed the verifier real-world encodings. */
static void test_algid_encoding(void)
{
	const struct cg_sig rsa = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_RSA, "SHA256", NULL, 0 };
	const struct cg_sig ec = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_ECDSA, "SHA384", NULL, 0 };
	const struct cg_sig ed = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_EDDSA, NULL, NULL, 0 };
	const struct cg_sig pss = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_PSS, "SHA256", NULL, -1 };
	uint8_t want[80];
	size_t n;
	struct rove_buf b;

	rove_buf_init(&b);
	n = check_hex("300d06092a864886f70d01010b0500", want, sizeof(want));
	CHECK(cg_algid(&rsa, &b) == 0 && b.len == n && !memcmp(b.data, want, n));
	rove_buf_reset(&b);
	n = check_hex("300a06082a8648ce3d040303", want, sizeof(want));
	CHECK(cg_algid(&ec, &b) == 0 && b.len == n && !memcmp(b.data, want, n));
	rove_buf_reset(&b);
	n = check_hex("300506032b6570", want, sizeof(want));
	CHECK(cg_algid(&ed, &b) == 0 && b.len == n && !memcmp(b.data, want, n));
	rove_buf_reset(&b);
	n = check_hex("304106092a864886f70d01010a3034a00f300d06096086480165030402010500"
		      "a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
		      want, sizeof(want));
	CHECK(cg_algid(&pss, &b) == 0 && b.len == n && !memcmp(b.data, want, n));
	rove_buf_free(&b);
}

static void test_malformed(void)
{
	const struct cg_sig rsa = { ROVE_AUTH_DIGITAL_SIG, CG_ALG_RSA, "SHA256", NULL, 0 };
	struct rove_buf auth, x;
	struct rove_err err;
	uint8_t unknown[64];
	size_t n;

	rove_buf_init(&auth);
	rove_buf_init(&x);
	CHECK(cg_auth_sign(keys[K_RSA], &rsa, octets, OLEN, &auth) == 0);
	/* The ASN.1 length byte: zero, too long, too short, all of it. */
	for (unsigned v = 0; v < 256; v++) {
		if (v == auth.data[0])
			continue;
		rove_buf_reset(&x);
		rove_buf_add(&x, auth.data, auth.len);
		x.data[0] = (uint8_t)v;
		CHECK(verify(K_RSA, &rsa, &x, false, &err) == -1);
	}
	CHECK(rove_sig_verify(pcs[K_RSA], ROVE_AUTH_DIGITAL_SIG, auth.data, 1 + auth.data[0],
			      octets, OLEN, false, &err) == -1);
	/* An unknown OID (sha224WithRSAEncryption) is named. */
	rove_buf_reset(&x);
	rove_buf_add(&x, auth.data, auth.len);
	x.data[1 + 12] = 0x0e;
	CHECK(verify(K_RSA, &rsa, &x, false, &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	CHECK_STR(err.msg, "the server signed with an unsupported algorithm "
		  "(OID 1.2.840.113549.1.1.14)");
	n = check_hex("07 3005 0603 2a0304 00", unknown, sizeof(unknown));
	CHECK(rove_sig_verify(pcs[K_RSA], ROVE_AUTH_DIGITAL_SIG, unknown, n, octets, OLEN, false,
			      &err) == -1);
	CHECK_STR(err.msg, "the server signed with an unsupported algorithm (OID 1.2.3.4)");
	/* ECDSA with parameters where none belong. */
	n = check_hex("0e 300c 06082a8648ce3d040302 0500 0102", unknown, sizeof(unknown));
	CHECK(rove_sig_verify(pcs[K_P256], ROVE_AUTH_DIGITAL_SIG, unknown, n, octets, OLEN, false,
			      &err) == -1);
	CHECK(err.code == ROVE_E_AUTH);
	/* PSS without parameters, with trailerField 2, with garbage parameters. */
	n = check_hex("0d 300b 06092a864886f70d01010a 00", unknown, sizeof(unknown));
	CHECK(rove_sig_verify(pcs[K_RSA], ROVE_AUTH_DIGITAL_SIG, unknown, n, octets, OLEN, false,
			      &err) == -1);
	CHECK_STR(err.msg, "the server's RSASSA-PSS signature has no parameters");
	n = check_hex("14 3012 06092a864886f70d01010a 3005 a303020102 00", unknown,
		      sizeof(unknown));
	CHECK(rove_sig_verify(pcs[K_RSA], ROVE_AUTH_DIGITAL_SIG, unknown, n, octets, OLEN, false,
			      &err) == -1);
	CHECK_STR(err.msg, "the server's RSASSA-PSS parameters are invalid");
	n = check_hex("10 300e 06092a864886f70d01010a 3001 ff 00", unknown, sizeof(unknown));
	CHECK(rove_sig_verify(pcs[K_RSA], ROVE_AUTH_DIGITAL_SIG, unknown, n, octets, OLEN, false,
			      &err) == -1);
	CHECK_STR(err.msg, "the server's RSASSA-PSS parameters are malformed");
	/* Fixed-size ECDSA of the wrong size. */
	CHECK(rove_sig_verify(pcs[K_P256], ROVE_AUTH_ECDSA_256, auth.data, 63, octets, OLEN,
			      false, &err) == -1);
	rove_buf_free(&auth);
	rove_buf_free(&x);
}

static void test_hash_algorithms(void)
{
	struct rove_buf b;
	const uint8_t want[] = { 0, 2, 0, 3, 0, 4, 0, 5 };

	rove_buf_init(&b);
	rove_buf_add_u8(&b, 0x99);
	rove_sig_hash_algorithms(&b);
	CHECK(b.len == 9 && b.data[0] == 0x99 && !memcmp(b.data + 1, want, 8));
	rove_buf_free(&b);
}

static int setup(void)
{
	static const enum cg_key types[NKEYS] = { CG_RSA, CG_P256, CG_P384, CG_P521, CG_ED25519 };
	EVP_PKEY *ca_key = cg_key(CG_P256);
	X509 *ca = ca_key ? cg_ca("CN=Sig CA", ca_key) : NULL;
	struct rove_trust *t = NULL;
	struct rove_err err;
	char path[64];
	int rc = -1;

	if (!ca || cg_write_pem(&ca, 1, path) < 0)
		goto out;
	t = rove_trust_new(path, &err);
	unlink(path);
	for (int i = 0; t && i < NKEYS; i++) {
		X509 *x;
		struct rove_buf der;
		struct rove_bytes b;
		enum rove_cert_fail f;

		keys[i] = cg_key(types[i]);
		other[i] = cg_key(types[i]);
		x = keys[i] ? cg_server("CN=gw.example.com", "DNS:gw.example.com", "serverAuth",
					keys[i], ca, ca_key) : NULL;
		rove_buf_init(&der);
		if (!x || !other[i] || cg_der(x, &der) < 0) {
			X509_free(x);
			goto out;
		}
		b.ptr = der.data;
		b.len = der.len;
		pcs[i] = rove_peer_cert_verify(t, &b, 1, "gw.example.com", CG_NOW, &f, &err);
		rove_buf_free(&der);
		X509_free(x);
		if (!pcs[i]) {
			fprintf(stderr, "%s\n", err.msg);
			goto out;
		}
	}
	rc = t ? 0 : -1;
out:
	rove_trust_free(t);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return rc;
}

int main(void)
{
	int rc = setup();

	if (rc < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	RUN(test_algid_encoding);
	RUN(test_good_and_damaged);
	RUN(test_wrong_method);
	RUN(test_key_mismatch);
	RUN(test_sha1);
	RUN(test_malformed);
	RUN(test_hash_algorithms);
	for (int i = 0; i < NKEYS; i++) {
		rove_peer_cert_free(pcs[i]);
		EVP_PKEY_free(keys[i]);
		EVP_PKEY_free(other[i]);
	}
	return check_summary();
}
