/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Trust store, chain validation, identity matching and CERTREQ hashes, on
 * certificates generated at test time. */
#include "check.h"

#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "certgen.h"
#include "err.h"
#include "ikev2.h"

static EVP_PKEY *ca_key, *int_key, *srv_key, *evil_key;
static X509 *ca, *inter, *evil_ca;
static struct rove_trust *trust; /* ca only */

#define NCERTS 4

/* Verifies a chain of X509s (leaf first) as the engine would, at CG_NOW
 * unless t says otherwise. */
static struct rove_peer_cert *verify_at(const struct rove_trust *t, X509 *const *xs, size_t n,
					const char *rid, int64_t when, enum rove_cert_fail *f,
					struct rove_err *err)
{
	struct rove_buf der[NCERTS];
	struct rove_bytes b[NCERTS];
	struct rove_peer_cert *pc;

	for (size_t i = 0; i < n; i++) {
		rove_buf_init(&der[i]);
		cg_der(xs[i], &der[i]);
		b[i].ptr = der[i].data;
		b[i].len = der[i].len;
	}
	*f = (enum rove_cert_fail)-1;
	rove_err_clear(err);
	pc = rove_peer_cert_verify(t, b, n, rid, when, f, err);
	for (size_t i = 0; i < n; i++)
		rove_buf_free(&der[i]);
	return pc;
}

static enum rove_cert_fail verify_fail(X509 *const *xs, size_t n, const char *rid,
				       struct rove_err *err)
{
	enum rove_cert_fail f;
	struct rove_peer_cert *pc = verify_at(trust, xs, n, rid, CG_NOW, &f, err);

	CHECK((pc != NULL) == (f == ROVE_CERT_OK));
	rove_peer_cert_free(pc);
	return f;
}

/* A server certificate issued by the intermediate. */
static X509 *server(const char *subject, const char *san, const char *eku)
{
	return cg_server(subject, san, eku, srv_key, inter, int_key);
}

static void test_chain_ok(void)
{
	X509 *leaf = server("O=Example,CN=gw.example.com", "DNS:gw.example.com,IP:192.0.2.1",
			    "serverAuth");
	X509 *other = cg_intermediate("CN=Unrelated CA", evil_key, evil_ca, evil_key);
	X509 *chain[3] = { leaf, other, inter };
	enum rove_cert_fail f;
	struct rove_err err;
	struct rove_peer_cert *pc;

	pc = verify_at(trust, chain, 3, "gw.example.com", CG_NOW, &f, &err);
	CHECK(pc != NULL && f == ROVE_CERT_OK);
	if (pc) {
		CHECK_STR(rove_peer_cert_subject(pc), "CN=gw.example.com,O=Example");
		CHECK_STR(rove_peer_cert_identity(pc),
			  "CN=gw.example.com,O=Example (DNS:gw.example.com)");
		CHECK(EVP_PKEY_eq(rove_peer_cert_pkey(pc), srv_key) == 1);
	}
	rove_peer_cert_free(pc);
	/* verify_time 0 is the real clock: the certificate is from 2023. */
	pc = verify_at(trust, chain, 3, "gw.example.com", 0, &f, &err);
	CHECK(!pc && f == ROVE_CERT_EXPIRED);
	rove_peer_cert_free(pc);
	/* Without the intermediate there is no path to the CA. */
	CHECK(verify_fail(chain, 1, "gw.example.com", &err) == ROVE_CERT_UNTRUSTED);
	X509_free(leaf);
	X509_free(other);
}

static void test_intermediate_as_anchor(void)
{
	X509 *leaf = server("CN=gw.example.com", "DNS:gw.example.com", NULL);
	char path[64];
	struct rove_trust *t;
	enum rove_cert_fail f;
	struct rove_err err;
	struct rove_peer_cert *pc;

	CHECK(cg_write_pem(&inter, 1, path) == 0);
	t = rove_trust_new(path, &err);
	unlink(path);
	CHECK(t != NULL && !rove_trust_is_system(t));
	pc = verify_at(t, &leaf, 1, "gw.example.com", CG_NOW, &f, &err);
	CHECK(pc && f == ROVE_CERT_OK);
	rove_peer_cert_free(pc);
	rove_trust_free(t);
	X509_free(leaf);
}

static void test_untrusted(void)
{
	X509 *leaf = cg_server("CN=gw.example.com", "DNS:gw.example.com", NULL, srv_key, evil_ca,
			       evil_key);
	struct rove_err err;
	struct rove_trust *sys;
	enum rove_cert_fail f;
	struct rove_peer_cert *pc;

	CHECK(verify_fail(&leaf, 1, "gw.example.com", &err) == ROVE_CERT_UNTRUSTED);
	CHECK(err.code == ROVE_E_CERT);
	CHECK_STR(err.msg, "the server's certificate (CN=gw.example.com, issued by CN=Evil CA) is "
		  "not signed by a trusted CA: check the ca= setting of the profile");
	/* Sending the evil CA along does not help. */
	X509 *chain[2] = { leaf, evil_ca };
	CHECK(verify_fail(chain, 2, "gw.example.com", &err) == ROVE_CERT_UNTRUSTED);
	/* Nor does the system store know it. */
	sys = rove_trust_new(NULL, &err);
	CHECK(sys && rove_trust_is_system(sys));
	pc = verify_at(sys, &leaf, 1, "gw.example.com", CG_NOW, &f, &err);
	CHECK(!pc && f == ROVE_CERT_UNTRUSTED);
	CHECK(strstr(err.msg, "set ca= in the profile") != NULL);
	rove_trust_free(sys);
	X509_free(leaf);
}

static void expect_date(const char *msg, const char *what, int64_t t)
{
	char want[128];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(want, sizeof(want), "%Y-%m-%d %H:%M:%S UTC", &tm);
	CHECK(strstr(msg, what) != NULL);
	CHECK(strstr(msg, want) != NULL);
}

static void test_validity(void)
{
	struct cg_cert c = { .subject = "CN=gw.example.com", .san = "DNS:gw.example.com",
			     .not_before = CG_NOW - 2 * CG_YEAR, .not_after = CG_NOW - CG_DAY };
	X509 *old = cg_cert(&c, srv_key, inter, int_key);
	X509 *chain[2] = { old, inter };
	struct rove_err err;
	enum rove_cert_fail f;
	struct rove_peer_cert *pc;

	CHECK(verify_fail(chain, 2, "gw.example.com", &err) == ROVE_CERT_EXPIRED);
	expect_date(err.msg, "the server's certificate CN=gw.example.com expired on", c.not_after);
	/* The same certificate was fine two days earlier. */
	pc = verify_at(trust, chain, 2, "gw.example.com", CG_NOW - 2 * CG_DAY, &f, &err);
	CHECK(pc && f == ROVE_CERT_OK);
	rove_peer_cert_free(pc);
	/* ... and not yet valid before its notBefore. */
	pc = verify_at(trust, chain, 2, "gw.example.com", c.not_before - 60, &f, &err);
	CHECK(!pc && f == ROVE_CERT_NOT_YET_VALID);
	expect_date(err.msg, "the server's certificate CN=gw.example.com is not valid before", c.not_before);
	X509_free(old);

	/* An expired intermediate is named as such. */
	struct cg_cert ic = { .subject = "CN=Old Intermediate", .ca = true,
			      .not_before = CG_NOW - 5 * CG_YEAR, .not_after = CG_NOW - CG_YEAR };
	X509 *oldint = cg_cert(&ic, int_key, ca, ca_key);
	X509 *leaf = cg_server("CN=gw.example.com", "DNS:gw.example.com", NULL, srv_key, oldint,
			       int_key);
	X509 *chain2[2] = { leaf, oldint };

	CHECK(verify_fail(chain2, 2, "gw.example.com", &err) == ROVE_CERT_EXPIRED);
	CHECK(strstr(err.msg, "CN=Old Intermediate in the server's chain expired") != NULL);
	X509_free(oldint);
	X509_free(leaf);
}

static enum rove_cert_fail id_check(const char *subject, const char *san, const char *rid,
				    struct rove_err *err)
{
	X509 *leaf = server(subject, san, NULL);
	X509 *chain[2] = { leaf, inter };
	enum rove_cert_fail f = verify_fail(chain, 2, rid, err);

	X509_free(leaf);
	return f;
}

static void test_id_mismatch(void)
{
	struct rove_err err;

	CHECK(id_check("CN=gw.other.test", "DNS:gw.other.test", "gw.example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(err.code == ROVE_E_CERT);
	CHECK_STR(err.msg, "the server's certificate is for gw.other.test (DNS), not "
		  "gw.example.com: check remote-id or the server name");
	CHECK(id_check("CN=gw", "IP:192.0.2.1,DNS:gw.example.com", "192.0.2.2", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK_STR(err.msg, "the server's certificate is for 192.0.2.1 (IP), gw.example.com (DNS), "
		  "not 192.0.2.2: check remote-id or the server name");
	CHECK(id_check("CN=gw", "IP:192.0.2.1", "192.0.2.1", &err) == ROVE_CERT_OK);
	CHECK(id_check("CN=gw", "IP:2001:db8::1", "2001:db8::1", &err) == ROVE_CERT_OK);
	CHECK(id_check("CN=gw", "IP:2001:db8::1", "2001:db8::2", &err) == ROVE_CERT_ID_MISMATCH);
	/* An address is not matched against DNS names or the CN. */
	CHECK(id_check("CN=192.0.2.1", "DNS:192.0.2.1", "192.0.2.1", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=gw", "email:vpn@example.com", "vpn@EXAMPLE.com", &err) ==
	      ROVE_CERT_OK);
	CHECK(id_check("CN=gw", "email:vpn@example.com", "ops@example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=gw", "DNS:gw.example.com", "", &err) == ROVE_CERT_ID_MISMATCH);
}

static void test_wildcards(void)
{
	struct rove_err err;
	const char *w = "DNS:*.example.com";

	CHECK(id_check("CN=w", w, "gw.example.com", &err) == ROVE_CERT_OK);
	CHECK(id_check("CN=w", w, "GW.Example.COM", &err) == ROVE_CERT_OK);
	CHECK(id_check("CN=w", w, "gw.example.com.", &err) == ROVE_CERT_OK);
	CHECK(id_check("CN=w", w, "a.b.example.com", &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=w", w, "example.com", &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=w", w, ".example.com", &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=w", w, "gw.example.org", &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=w", "DNS:*.com", "example.com", &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=w", "DNS:gw*.example.com", "gw1.example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=w", "DNS:*.*.example.com", "a.b.example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=w", "DNS:gw.example.com", "GW.EXAMPLE.COM", &err) == ROVE_CERT_OK);
	/* The CN counts only when there is no dNSName SAN at all. */
	CHECK(id_check("CN=gw.example.com", NULL, "gw.example.com", &err) == ROVE_CERT_OK);
	CHECK(id_check("CN=gw.example.com", "IP:192.0.2.1", "gw.example.com", &err) ==
	      ROVE_CERT_OK);
	CHECK(id_check("CN=gw.example.com", "DNS:other.example.com", "gw.example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=*.example.com", NULL, "gw.example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=gw.example.com", NULL, "other.example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK_STR(err.msg, "the server's certificate is for CN=gw.example.com (DN), not "
		  "other.example.com: check remote-id or the server name");
}

static void test_dn(void)
{
	struct rove_err err;
	const char *s = "C=CH,O=Example,CN=gw.example.com";

	CHECK(id_check(s, "DNS:x.test", "C=CH, O=Example, CN=gw.example.com", &err) ==
	      ROVE_CERT_OK);
	CHECK(id_check(s, "DNS:x.test", "CN=gw.example.com,O=Example,C=CH", &err) ==
	      ROVE_CERT_OK);
	CHECK(id_check(s, "DNS:x.test", "c = CH, o = example, cn = GW.example.com", &err) ==
	      ROVE_CERT_OK);
	CHECK(id_check(s, NULL, "C=CH, O=Other, CN=gw.example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(id_check(s, NULL, "CN=gw.example.com", &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check(s, NULL, "O=Example, C=CH, CN=gw.example.com", &err) ==
	      ROVE_CERT_ID_MISMATCH);
	CHECK(id_check(s, NULL, "XYZ=1, CN=gw.example.com", &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("O=A B,CN=gw", NULL, "O=A B, CN=gw", &err) == ROVE_CERT_OK);
	CHECK(id_check("CN=gw,emailAddress=vpn@example.com", NULL, "CN=gw, E=vpn@example.com",
		       &err) == ROVE_CERT_OK);
	CHECK(id_check("CN=gw,emailAddress=vpn@example.com", NULL, "CN=gw, E=ops@example.com",
		       &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=gw", NULL, "CN=", &err) == ROVE_CERT_ID_MISMATCH);
	CHECK(id_check("CN=gw", NULL, "=gw", &err) == ROVE_CERT_ID_MISMATCH);
}

static void test_eku(void)
{
	static const struct {
		const char *eku;
		enum rove_cert_fail want;
	} cases[] = {
		{ NULL, ROVE_CERT_OK },
		{ "serverAuth", ROVE_CERT_OK },
		{ "clientAuth,serverAuth", ROVE_CERT_OK },
		{ "1.3.6.1.5.5.7.3.17", ROVE_CERT_OK },
		{ "anyExtendedKeyUsage", ROVE_CERT_OK },
		{ "1.3.6.1.5.5.8.2.2", ROVE_CERT_OK }, /* ikeIntermediate */
		{ "clientAuth,1.3.6.1.5.5.8.2.2", ROVE_CERT_OK },
		{ "1.3.6.1.5.5.8.2.3", ROVE_CERT_BAD }, /* a neighbour of ikeIntermediate */
		{ "clientAuth", ROVE_CERT_BAD },
		{ "codeSigning,emailProtection", ROVE_CERT_BAD },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		X509 *leaf = server("CN=gw.example.com", "DNS:gw.example.com", cases[i].eku);
		X509 *chain[2] = { leaf, inter };
		struct rove_err err;
		enum rove_cert_fail f = verify_fail(chain, 2, "gw.example.com", &err);

		CHECK(f == cases[i].want);
		if (f != cases[i].want)
			fprintf(stderr, "  EKU %s: %d\n", cases[i].eku ? cases[i].eku : "-", f);
		if (cases[i].want == ROVE_CERT_BAD)
			CHECK(strstr(err.msg, "Extended Key Usage") != NULL);
		X509_free(leaf);
	}
	/* The refusal names the certificate, what it is for and what to do. */
	X509 *leaf = server("CN=gw.example.com", "DNS:gw.example.com", "clientAuth");
	X509 *chain[2] = { leaf, inter };
	struct rove_err err;

	CHECK(verify_fail(chain, 2, "gw.example.com", &err) == ROVE_CERT_BAD);
	CHECK_STR(err.msg, "the server's certificate CN=gw.example.com has Extended Key Usage "
		  "clientAuth only, not serverAuth or ipsecIKE: the gateway needs a certificate "
		  "issued for servers");
	X509_free(leaf);
}

/* A chain OpenSSL refuses for another reason: the issuer is no CA. */
static void test_other_chain_errors(void)
{
	X509 *notca = cg_server("CN=Not A CA", NULL, NULL, int_key, ca, ca_key);
	X509 *leaf = cg_server("CN=gw.example.com", "DNS:gw.example.com", NULL, srv_key, notca,
			       int_key);
	X509 *chain[2] = { leaf, notca };
	struct rove_err err;

	CHECK(verify_fail(chain, 2, "gw.example.com", &err) == ROVE_CERT_BAD);
	CHECK_STR(err.msg, "the certificate of CN=Not A CA in the server's chain was rejected "
		  "(invalid CA certificate): the gateway's administrator must fix the "
		  "certificate or its chain");
	X509_free(leaf);
	X509_free(notca);
}

static void test_bad_input(void)
{
	X509 *leaf = server("CN=gw.example.com", "DNS:gw.example.com", NULL);
	struct rove_buf der;
	struct rove_bytes b[2];
	struct rove_err err;
	enum rove_cert_fail f;
	const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };

	CHECK(!rove_peer_cert_verify(trust, NULL, 0, "gw.example.com", CG_NOW, &f, &err));
	CHECK(f == ROVE_CERT_NO_CERT);
	b[0].ptr = junk;
	b[0].len = sizeof(junk);
	CHECK(!rove_peer_cert_verify(trust, b, 1, "gw.example.com", CG_NOW, &f, &err));
	CHECK(f == ROVE_CERT_BAD);
	rove_buf_init(&der);
	cg_der(leaf, &der);
	rove_buf_add_u8(&der, 0); /* trailing garbage */
	b[0].ptr = der.data;
	b[0].len = der.len;
	CHECK(!rove_peer_cert_verify(trust, b, 1, "gw.example.com", CG_NOW, &f, &err));
	CHECK(f == ROVE_CERT_BAD);
	/* Truncated at every length: never accepted, never read past the end. */
	for (size_t n = 0; n + 1 < der.len; n += 7) {
		b[0].len = n;
		CHECK(!rove_peer_cert_verify(trust, b, 1, "gw.example.com", CG_NOW, &f, &err));
	}
	b[0].len = der.len - 1;
	b[1].ptr = junk;
	b[1].len = sizeof(junk);
	CHECK(!rove_peer_cert_verify(trust, b, 2, "gw.example.com", CG_NOW, &f, &err));
	CHECK(f == ROVE_CERT_BAD);
	rove_buf_free(&der);

	/* A non-CA certificate cannot issue another one. */
	X509 *fake = cg_server("CN=gw2.example.com", "DNS:gw2.example.com", NULL, evil_key, leaf,
			       srv_key);
	X509 *chain[3] = { fake, leaf, inter };

	CHECK(verify_fail(chain, 3, "gw2.example.com", &err) != ROVE_CERT_OK);
	X509_free(fake);
	X509_free(leaf);
}

static void test_ca_files(void)
{
	struct rove_err err;
	char path[64];
	struct rove_trust *t;
	X509 *leaf = server("CN=gw.example.com", "DNS:gw.example.com", NULL);
	X509 *chain[2] = { leaf, inter };
	enum rove_cert_fail f;
	struct rove_peer_cert *pc;

	CHECK(!rove_trust_new("/nonexistent/rove-ca.pem", &err));
	CHECK_STR(err.msg, "cannot read CA file /nonexistent/rove-ca.pem: No such file or directory");
	CHECK(!rove_trust_new("/tmp", &err));
	CHECK(strstr(err.msg, "cannot read CA file /tmp: ") != NULL);

	CHECK(cg_write_text("just some text\n", path) == 0);
	CHECK(!rove_trust_new(path, &err));
	char want[128];
	snprintf(want, sizeof(want), "%s contains no certificate", path);
	CHECK_STR(err.msg, want);
	unlink(path);

	CHECK(cg_write_text("", path) == 0);
	CHECK(!rove_trust_new(path, &err));
	CHECK(strstr(err.msg, "contains no certificate") != NULL);
	unlink(path);

	CHECK(cg_write_text("-----BEGIN CERTIFICATE-----\nMIIBnotbase64!!\n"
			    "-----END CERTIFICATE-----\n", path) == 0);
	CHECK(!rove_trust_new(path, &err));
	CHECK(strstr(err.msg, "damaged certificate") != NULL);
	unlink(path);

	/* A DER file works too. */
	CHECK(cg_write_der(ca, path) == 0);
	t = rove_trust_new(path, &err);
	unlink(path);
	CHECK(t != NULL);
	pc = verify_at(t, chain, 2, "gw.example.com", CG_NOW, &f, &err);
	CHECK(pc && f == ROVE_CERT_OK);
	rove_peer_cert_free(pc);
	rove_trust_free(t);
	X509_free(leaf);
}

static void sha1_spki(X509 *x, uint8_t out[20])
{
	unsigned char *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA1", NULL);

	CHECK(len > 0 && md && EVP_Digest(der, (size_t)len, out, NULL, md, NULL));
	EVP_MD_free(md);
	OPENSSL_free(der);
}

static void test_certreq(void)
{
	X509 *pem[3] = { ca, evil_ca, ca };
	uint8_t h1[20], h2[20];
	struct rove_buf out;
	struct rove_err err;
	struct rove_trust *t, *sys;
	char path[64];

	rove_buf_init(&out);
	sha1_spki(ca, h1);
	sha1_spki(evil_ca, h2);
	CHECK(rove_trust_certreq(trust, &out) == 1);
	CHECK(out.len == 20 && !memcmp(out.data, h1, 20));

	CHECK(cg_write_pem(pem, 3, path) == 0);
	t = rove_trust_new(path, &err);
	unlink(path);
	CHECK(t != NULL);
	rove_buf_reset(&out);
	rove_buf_add_u8(&out, 0xee); /* appends */
	CHECK(rove_trust_certreq(t, &out) == 2);
	CHECK(out.len == 41 && out.data[0] == 0xee);
	CHECK(!memcmp(out.data + 1, h1, 20) && !memcmp(out.data + 21, h2, 20));
	rove_trust_free(t);

	sys = rove_trust_new(NULL, &err);
	rove_buf_reset(&out);
	CHECK(sys && rove_trust_certreq(sys, &out) == 0 && out.len == 0);
	rove_trust_free(sys);
	rove_buf_free(&out);
}

static void test_matches_id(void)
{
	X509 *leaf = server("O=Example,CN=gw.example.com",
			    "DNS:gw.example.com,IP:192.0.2.1,IP:2001:db8::1,email:vpn@example.com",
			    NULL);
	X509 *chain[2] = { leaf, inter };
	const uint8_t v4[] = { 192, 0, 2, 1 }, v4b[] = { 192, 0, 2, 2 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct rove_err err;
	enum rove_cert_fail f;
	struct rove_peer_cert *pc;
	unsigned char *dn = NULL;
	int dnlen;

	v6[15] = 1;
	pc = verify_at(trust, chain, 2, "192.0.2.1", CG_NOW, &f, &err);
	CHECK(pc != NULL);
	if (!pc) {
		X509_free(leaf);
		return;
	}
	CHECK_STR(rove_peer_cert_identity(pc), "CN=gw.example.com,O=Example (IP:192.0.2.1)");
#define FQDN(s) (const uint8_t *)(s), strlen(s)
	CHECK(rove_peer_cert_matches_id(pc, ROVE_ID_FQDN, FQDN("gw.example.com")));
	CHECK(rove_peer_cert_matches_id(pc, ROVE_ID_FQDN, FQDN("Gw.Example.Com")));
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_FQDN, FQDN("gw.example.org")));
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_FQDN, (const uint8_t *)"gw.example.com\0x",
					 16));
	CHECK(rove_peer_cert_matches_id(pc, ROVE_ID_IPV4_ADDR, v4, 4));
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_IPV4_ADDR, v4b, 4));
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_IPV4_ADDR, v4, 3));
	CHECK(rove_peer_cert_matches_id(pc, ROVE_ID_IPV6_ADDR, v6, 16));
	v6[15] = 2;
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_IPV6_ADDR, v6, 16));
	CHECK(rove_peer_cert_matches_id(pc, ROVE_ID_RFC822_ADDR, FQDN("vpn@example.com")));
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_RFC822_ADDR, FQDN("x@example.com")));
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_KEY_ID, FQDN("gw.example.com")));
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_FQDN, NULL, 0));

	dnlen = i2d_X509_NAME(X509_get_subject_name(leaf), &dn);
	CHECK(dnlen > 0);
	CHECK(rove_peer_cert_matches_id(pc, ROVE_ID_DER_ASN1_DN, dn, (size_t)dnlen));
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_DER_ASN1_DN, dn, (size_t)dnlen - 1));
	OPENSSL_free(dn);
	dn = NULL;
	dnlen = i2d_X509_NAME(X509_get_subject_name(inter), &dn);
	CHECK(!rove_peer_cert_matches_id(pc, ROVE_ID_DER_ASN1_DN, dn, (size_t)dnlen));
	OPENSSL_free(dn);
#undef FQDN
	rove_peer_cert_free(pc);
	X509_free(leaf);
}

static int setup(void)
{
	char path[64];
	struct rove_err err;

	ca_key = cg_key(CG_P256);
	int_key = cg_key(CG_P384);
	srv_key = cg_key(CG_P256);
	evil_key = cg_key(CG_ED25519);
	if (!ca_key || !int_key || !srv_key || !evil_key)
		return -1;
	ca = cg_ca("CN=Test Root CA", ca_key);
	inter = cg_intermediate("O=Test,CN=Test Intermediate", int_key, ca, ca_key);
	evil_ca = cg_ca("CN=Evil CA", evil_key);
	if (!ca || !inter || !evil_ca || cg_write_pem(&ca, 1, path) < 0)
		return -1;
	trust = rove_trust_new(path, &err);
	unlink(path);
	if (!trust)
		fprintf(stderr, "%s\n", err.msg);
	return trust ? 0 : -1;
}

int main(void)
{
	if (setup() < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	RUN(test_chain_ok);
	RUN(test_intermediate_as_anchor);
	RUN(test_untrusted);
	RUN(test_validity);
	RUN(test_id_mismatch);
	RUN(test_wildcards);
	RUN(test_dn);
	RUN(test_eku);
	RUN(test_other_chain_errors);
	RUN(test_bad_input);
	RUN(test_ca_files);
	RUN(test_certreq);
	RUN(test_matches_id);
	rove_trust_free(trust);
	X509_free(ca);
	X509_free(inter);
	X509_free(evil_ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(int_key);
	EVP_PKEY_free(srv_key);
	EVP_PKEY_free(evil_key);
	return check_summary();
}
