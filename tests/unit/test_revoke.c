/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Revocation of the gateway's certificate: CRL files, CRLs from the
 * distribution point and OCSP, through rove_peer_cert_verify. The
 * "network" is a fetcher that serves CRLs and OCSP answers made in-process
 * with OpenSSL (the driver's HTTP client is tested on its own). */
#include "check.h"

#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "certgen.h"
#include "err.h"

#define CRL_URL "http://192.0.2.80/int.crl"
#define OCSP_URL "http://192.0.2.80:8080/"

static EVP_PKEY *ca_key, *int_key, *srv_key, *evil_key;
static X509 *ca, *inter, *evil_int;
static char ca_path[64];

/* What the fetcher serves. */
enum serve { SERVE_FAIL, SERVE_CRL, SERVE_OCSP_GOOD, SERVE_OCSP_REVOKED, SERVE_OCSP_EVIL, SERVE_OCSP_REPLAY };
static struct {
	enum serve what;
	X509_CRL *crl;
	X509 *revoked; /* for the OCSP answers */
	unsigned calls;
	char last_url[256];
} net;

/* An OCSP answer to the request in body, signed by the intermediate (the
 * issuer: RFC 6960 4.2.2.2) or by an impostor. */
static int ocsp_answer(const uint8_t *body, size_t len, struct rove_buf *out)
{
	const unsigned char *q = body;
	OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &q, (long)len);
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_RESPONSE *resp = NULL;
	ASN1_TIME *now = ASN1_TIME_set(NULL, (time_t)CG_NOW - 60);
	ASN1_TIME *next = ASN1_TIME_set(NULL, (time_t)CG_NOW + 3600);
	OCSP_CERTID *id;
	unsigned char *der = NULL;
	int dlen = -1;
	bool revoked = net.what == SERVE_OCSP_REVOKED;

	CHECK(req && OCSP_request_onereq_count(req) == 1);
	id = req ? OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0)) : NULL;
	if (id && bs &&
	    OCSP_basic_add1_status(bs, id, revoked ? V_OCSP_CERTSTATUS_REVOKED :
				   V_OCSP_CERTSTATUS_GOOD, revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE :
				   -1, revoked ? now : NULL, now, next) &&
	    (net.what == SERVE_OCSP_REPLAY ? OCSP_basic_add1_nonce(bs, (unsigned char *)"old!", 4)
					   : OCSP_copy_nonce(bs, req)) == 1 &&
	    OCSP_basic_sign(bs, net.what == SERVE_OCSP_EVIL ? evil_int : inter,
			    net.what == SERVE_OCSP_EVIL ? evil_key : int_key, EVP_sha256(), NULL, 0))
		resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	if (resp)
		dlen = i2d_OCSP_RESPONSE(resp, &der);
	if (dlen > 0)
		rove_buf_add(out, der, (size_t)dlen);
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	return dlen > 0 ? 0 : -1;
}

static int fetch(void *ctx, const char *url, const char *ctype, const uint8_t *body,
		 size_t blen, struct rove_buf *out, struct rove_err *err)
{
	(void)ctx;
	net.calls++;
	snprintf(net.last_url, sizeof(net.last_url), "%s", url);
	if (net.what == SERVE_FAIL)
		return rove_err_set(err, ROVE_E_IO, "cannot connect to 192.0.2.80 port 80");
	if (net.what == SERVE_CRL) {
		CHECK(!body && !ctype);
		return cg_crl_der(net.crl, out);
	}
	CHECK(body && ctype && !strcmp(ctype, "application/ocsp-request"));
	return ocsp_answer(body, blen, out);
}

static struct rove_trust *trust_with(const char *crl_path, enum rove_ocsp_mode mode,
				     bool with_fetch)
{
	struct rove_err err;
	struct rove_trust *t = rove_trust_new(ca_path, &err);

	CHECK(t != NULL);
	if (t && crl_path)
		CHECK(rove_trust_add_crls(t, crl_path, &err) == 0);
	if (t && with_fetch)
		rove_trust_set_fetch(t, fetch, NULL);
	if (t)
		rove_trust_set_ocsp(t, mode);
	return t;
}

static X509 *leaf_with(const char *crl_url, const char *ocsp_url)
{
	struct cg_cert c = { .subject = "CN=gw.example.com", .san = "DNS:gw.example.com",
			     .eku = "serverAuth", .crl_url = crl_url, .ocsp_url = ocsp_url };

	return cg_cert(&c, srv_key, inter, int_key);
}

/* Verifies leaf + intermediate; returns the failure and leaves the
 * revocation outcome (on success) or the message in msg. */
static enum rove_cert_fail verify(const struct rove_trust *t, X509 *leaf, char *msg, size_t cap)
{
	struct rove_buf der[2];
	struct rove_bytes b[2];
	X509 *xs[2] = { leaf, inter };
	struct rove_err err;
	enum rove_cert_fail f = ROVE_CERT_BAD;
	struct rove_peer_cert *pc;

	for (int i = 0; i < 2; i++) {
		rove_buf_init(&der[i]);
		cg_der(xs[i], &der[i]);
		b[i].ptr = der[i].data;
		b[i].len = der[i].len;
	}
	rove_err_clear(&err);
	pc = rove_peer_cert_verify(t, b, 2, "gw.example.com", CG_NOW, &f, &err);
	CHECK((pc != NULL) == (f == ROVE_CERT_OK));
	snprintf(msg, cap, "%s", pc ? rove_peer_cert_revocation(pc) : err.msg);
	rove_peer_cert_free(pc);
	for (int i = 0; i < 2; i++)
		rove_buf_free(&der[i]);
	return f;
}

#define HAS(msg, s)                                                          \
	do {                                                                 \
		CHECK(strstr((msg), (s)) != NULL);                           \
		if (!strstr((msg), (s)))                                     \
			fprintf(stderr, "  got: %s\n  want: %s\n", (msg), (s)); \
	} while (0)

static void test_crl_file(void)
{
	X509 *bad = leaf_with(NULL, NULL), *good = leaf_with(NULL, NULL);
	X509_CRL *crl = cg_crl(inter, int_key, &bad, 1, CG_NOW - CG_DAY, CG_NOW + 7 * CG_DAY);
	X509_CRL *stale = cg_crl(inter, int_key, NULL, 0, CG_NOW - 9 * CG_DAY, CG_NOW - 2 * CG_DAY);
	X509_CRL *forged = cg_crl(evil_int, evil_key, NULL, 0, CG_NOW - CG_DAY, CG_NOW + CG_DAY);
	char path[64], spath[64], fpath[64], msg[512], want[200];
	struct rove_trust *t;

	CHECK(crl && stale && forged && cg_write_crl(crl, path) == 0 &&
	      cg_write_crl(stale, spath) == 0 && cg_write_crl(forged, fpath) == 0);
	t = trust_with(path, ROVE_OCSP_SOFT, false);
	CHECK(verify(t, bad, msg, sizeof(msg)) == ROVE_CERT_REVOKED);
	snprintf(want, sizeof(want), "the server's certificate CN=gw.example.com was revoked on "
		 "2023-11-14 21:13:20 UTC (CRL from %s): do not use this gateway", path);
	HAS(msg, want);
	CHECK(verify(t, good, msg, sizeof(msg)) == ROVE_CERT_OK);
	snprintf(want, sizeof(want), "not revoked (CRL from %s)", path);
	CHECK_STR(msg, want);
	rove_trust_free(t);

	/* A CRL file the user set must be current and from the issuer. */
	t = trust_with(spath, ROVE_OCSP_SOFT, false);
	CHECK(verify(t, good, msg, sizeof(msg)) == ROVE_CERT_BAD);
	HAS(msg, "cannot vouch for the server's certificate CN=gw.example.com: CRL has expired; "
	    "get a current CRL from the CA");
	rove_trust_free(t);
	t = trust_with(fpath, ROVE_OCSP_SOFT, false);
	CHECK(verify(t, good, msg, sizeof(msg)) == ROVE_CERT_BAD);
	HAS(msg, "cannot vouch");
	rove_trust_free(t);

	/* Without a CRL nothing is claimed. */
	t = trust_with(NULL, ROVE_OCSP_SOFT, true);
	CHECK(verify(t, bad, msg, sizeof(msg)) == ROVE_CERT_OK);
	CHECK_STR(msg, "no CRL or OCSP responder named");
	rove_trust_free(t);
	unlink(path);
	unlink(spath);
	unlink(fpath);
	X509_CRL_free(crl);
	X509_CRL_free(stale);
	X509_CRL_free(forged);
	X509_free(bad);
	X509_free(good);
}

/* The root's CRL revokes the intermediate: every certificate below it
 * is refused, and the message names the intermediate. */
static void test_crl_intermediate(void)
{
	X509 *leaf = leaf_with(NULL, NULL);
	X509_CRL *bad = cg_crl(ca, ca_key, &inter, 1, CG_NOW - CG_DAY, CG_NOW + 7 * CG_DAY);
	X509_CRL *good = cg_crl(ca, ca_key, NULL, 0, CG_NOW - CG_DAY, CG_NOW + 7 * CG_DAY);
	char path[64], gpath[64], msg[512], want[300];
	struct rove_trust *t;

	CHECK(bad && good && cg_write_crl(bad, path) == 0 && cg_write_crl(good, gpath) == 0);
	t = trust_with(path, ROVE_OCSP_SOFT, false);
	CHECK(verify(t, leaf, msg, sizeof(msg)) == ROVE_CERT_REVOKED);
	HAS(msg, "the certificate of CN=Test Intermediate,O=Test in the server's chain was "
	    "revoked on 2023-11-14 21:13:20 UTC (CRL from ");
	rove_trust_free(t);
	t = trust_with(gpath, ROVE_OCSP_SOFT, false);
	CHECK(verify(t, leaf, msg, sizeof(msg)) == ROVE_CERT_OK);
	snprintf(want, sizeof(want), "CN=Test Intermediate,O=Test: not revoked (CRL from %s)",
		 gpath);
	CHECK_STR(msg, want);
	rove_trust_free(t);
	unlink(path);
	unlink(gpath);
	X509_CRL_free(bad);
	X509_CRL_free(good);
	X509_free(leaf);
}

static void test_crl_files_bad(void)
{
	struct rove_err err;
	struct rove_trust *t = rove_trust_new(ca_path, &err);
	char path[64];

	CHECK(rove_trust_add_crls(t, "/nonexistent/rove.crl", &err) < 0);
	CHECK_STR(err.msg, "cannot read CRL file /nonexistent/rove.crl: No such file or directory");
	CHECK(cg_write_text("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", path) == 0);
	CHECK(rove_trust_add_crls(t, path, &err) < 0);
	HAS(err.msg, "contains no readable CRL");
	unlink(path);
	rove_trust_free(t);
}

static void test_crl_fetched(void)
{
	X509 *bad = leaf_with(CRL_URL, NULL), *good = leaf_with(CRL_URL, NULL);
	X509_CRL *crl = cg_crl(inter, int_key, &bad, 1, CG_NOW - CG_DAY, CG_NOW + 7 * CG_DAY);
	struct rove_trust *t = trust_with(NULL, ROVE_OCSP_SOFT, true);
	char msg[512];

	memset(&net, 0, sizeof(net));
	net.what = SERVE_CRL;
	net.crl = crl;
	CHECK(verify(t, bad, msg, sizeof(msg)) == ROVE_CERT_REVOKED);
	HAS(msg, "was revoked on 2023-11-14 21:13:20 UTC (CRL from " CRL_URL ")");
	CHECK(net.calls == 1 && !strcmp(net.last_url, CRL_URL));
	CHECK(verify(t, good, msg, sizeof(msg)) == ROVE_CERT_OK);
	CHECK_STR(msg, "not revoked (CRL from " CRL_URL ")");
	/* Unreachable: connect, and say the check did not happen. */
	net.what = SERVE_FAIL;
	CHECK(verify(t, bad, msg, sizeof(msg)) == ROVE_CERT_OK);
	CHECK_STR(msg, "CRL " CRL_URL " unavailable (cannot connect to 192.0.2.80 port 80): "
		  "not checked");
	rove_trust_free(t);
	/* No fetcher (the engine alone): nothing is fetched. */
	t = trust_with(NULL, ROVE_OCSP_SOFT, false);
	net.calls = 0;
	CHECK(verify(t, bad, msg, sizeof(msg)) == ROVE_CERT_OK);
	CHECK(net.calls == 0);
	CHECK_STR(msg, "CRL " CRL_URL " not fetched");
	rove_trust_free(t);
	X509_CRL_free(crl);
	X509_free(bad);
	X509_free(good);
}

static void test_ocsp(void)
{
	X509 *leaf = leaf_with(NULL, OCSP_URL), *plain = leaf_with(NULL, NULL);
	struct rove_trust *soft = trust_with(NULL, ROVE_OCSP_SOFT, true);
	struct rove_trust *hard = trust_with(NULL, ROVE_OCSP_REQUIRE, true);
	struct rove_trust *off = trust_with(NULL, ROVE_OCSP_OFF, true);
	char msg[512];

	memset(&net, 0, sizeof(net));
	net.what = SERVE_OCSP_GOOD;
	CHECK(verify(soft, leaf, msg, sizeof(msg)) == ROVE_CERT_OK);
	CHECK_STR(msg, "OCSP " OCSP_URL ": good");
	CHECK(verify(hard, leaf, msg, sizeof(msg)) == ROVE_CERT_OK);
	CHECK(net.calls == 2 && !strcmp(net.last_url, OCSP_URL));

	net.what = SERVE_OCSP_REVOKED;
	CHECK(verify(soft, leaf, msg, sizeof(msg)) == ROVE_CERT_REVOKED);
	HAS(msg, "the server's certificate CN=gw.example.com was revoked on 2023-11-14 "
	    "22:12:20 UTC (OCSP responder " OCSP_URL ")");

	/* An answer signed by someone else is no answer. */
	net.what = SERVE_OCSP_EVIL;
	CHECK(verify(soft, leaf, msg, sizeof(msg)) == ROVE_CERT_OK);
	HAS(msg, "answer not signed by the CA or a responder it named, not checked");
	CHECK(verify(hard, leaf, msg, sizeof(msg)) == ROVE_CERT_BAD);

	/* An answer to another request (replayed: its nonce differs). */
	net.what = SERVE_OCSP_REPLAY;
	CHECK(verify(soft, leaf, msg, sizeof(msg)) == ROVE_CERT_OK);
	HAS(msg, "answer for another request (nonce), not checked");

	/* Unreachable: soft connects and says so, require refuses. */
	net.what = SERVE_FAIL;
	CHECK(verify(soft, leaf, msg, sizeof(msg)) == ROVE_CERT_OK);
	CHECK_STR(msg, "OCSP " OCSP_URL ": unreachable: cannot connect to 192.0.2.80 port 80, "
		  "not checked");
	CHECK(verify(hard, leaf, msg, sizeof(msg)) == ROVE_CERT_BAD);
	HAS(msg, "the OCSP responder " OCSP_URL " gave no valid answer for the server's "
	    "certificate CN=gw.example.com (unreachable: cannot connect to 192.0.2.80 port 80), "
	    "and the profile has ocsp=require");

	/* require with no responder named; ocsp=no never asks. */
	CHECK(verify(hard, plain, msg, sizeof(msg)) == ROVE_CERT_BAD);
	HAS(msg, "names no OCSP responder, but the profile has ocsp=require");
	net.calls = 0;
	net.what = SERVE_OCSP_REVOKED;
	CHECK(verify(off, leaf, msg, sizeof(msg)) == ROVE_CERT_OK);
	CHECK(net.calls == 0);
	rove_trust_free(soft);
	rove_trust_free(hard);
	rove_trust_free(off);
	X509_free(leaf);
	X509_free(plain);
}

static int setup(void)
{
	ca_key = cg_key(CG_P256);
	int_key = cg_key(CG_P256);
	srv_key = cg_key(CG_P256);
	evil_key = cg_key(CG_P256);
	if (!ca_key || !int_key || !srv_key || !evil_key)
		return -1;
	ca = cg_ca("CN=Test Root CA", ca_key);
	inter = cg_intermediate("O=Test,CN=Test Intermediate", int_key, ca, ca_key);
	/* Same name as the real intermediate, other key, not in the trust. */
	evil_int = cg_ca("O=Test,CN=Test Intermediate", evil_key);
	return ca && inter && evil_int && cg_write_pem(&ca, 1, ca_path) == 0 ? 0 : -1;
}

int main(void)
{
	if (setup() < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	RUN(test_crl_file);
	RUN(test_crl_intermediate);
	RUN(test_crl_files_bad);
	RUN(test_crl_fetched);
	RUN(test_ocsp);
	unlink(ca_path);
	X509_free(ca);
	X509_free(inter);
	X509_free(evil_int);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(int_key);
	EVP_PKEY_free(srv_key);
	EVP_PKEY_free(evil_key);
	return check_summary();
}
