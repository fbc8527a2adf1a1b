/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Extended Key Usage and revocation of the server's certificate. OpenSSL
 * does the parsing and the checks: X509_verify_cert with X509_V_FLAG_CRL_CHECK
 * for CRLs, the OCSP_* functions for OCSP. */
#include "certpolicy.h"
#include "i18n.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define CRL_FILE_MAX (16u << 20)
#define OCSP_SKEW_S 300 /* clock difference tolerated in thisUpdate */

/* ---- small helpers ---- */

static void subject_of(X509 *x, char *buf, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len = 0;

	if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
				    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		len = BIO_get_mem_data(b, &p);
	snprintf(buf, cap, "%.*s", len > 0 ? (int)len : 0, p ? p : "");
	if (!buf[0])
		snprintf(buf, cap, "with an empty subject");
	BIO_free(b);
}

static void date_of(const ASN1_TIME *t, char *buf, size_t cap)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, cap, "an unreadable date");
}

/* Adds one finding to the revocation outcome, "; " between them. */
__attribute__((format(printf, 3, 4)))
static void append(char *out, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	if (n + 2 < cap && n)
		n += (size_t)snprintf(out + n, cap - n, "; ");
	va_start(ap, fmt);
	if (n < cap)
		vsnprintf(out + n, cap - n, fmt, ap);
	va_end(ap);
}

/* ---- Extended Key Usage (RFC 4945 5.1.3.12) ---- */

/* id-kp-ikeIntermediate, which OpenSSL has no NID for (RFC 4945 5.1.3.12
 * lets IKE accept it; strongSwan's pki sets it with --flag ikeIntermediate). */
static bool is_ike_intermediate(const ASN1_OBJECT *o)
{
	char txt[32];

	return OBJ_obj2txt(txt, sizeof(txt), o, 1) > 0 && !strcmp(txt, "1.3.6.1.5.5.8.2.2");
}

static void eku_names(EXTENDED_KEY_USAGE *eku, char *buf, size_t cap)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku) && off + 1 < cap; i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(o);
		char txt[80];
		int n;

		if (nid != NID_undef)
			snprintf(txt, sizeof(txt), "%s", OBJ_nid2sn(nid));
		else if (OBJ_obj2txt(txt, sizeof(txt), o, 1) <= 0)
			snprintf(txt, sizeof(txt), "?");
		n = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "", txt);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

bool rove_eku_check(X509 *x, const char *subj, struct rove_err *err)
{
	EXTENDED_KEY_USAGE *eku;
	int crit = 0;
	bool ok = false;
	char names[200];

	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (!eku) {
		if (crit == -1) /* absent: fine (RFC 4945 5.1.3.12) */
			return true;
		rove_err_set(err, ROVE_E_CERT, _("the server's certificate %s has an unreadable "
			       "Extended Key Usage: the gateway needs a certificate issued for servers"),
			     subj);
		return false;
	}
	for (int i = 0; !ok && i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(o);

		ok = nid == NID_server_auth || nid == NID_ipsec_IKE ||
		     nid == NID_anyExtendedKeyUsage || is_ike_intermediate(o);
	}
	if (!ok) {
		eku_names(eku, names, sizeof(names));
		rove_err_set(err, ROVE_E_CERT, _("the server's certificate %s has Extended Key Usage "
			       "%s only, not serverAuth or ipsecIKE: the gateway needs a certificate "
			       "issued for servers"), subj, names[0] ? names : "(empty)");
	}
	EXTENDED_KEY_USAGE_free(eku);
	return ok;
}

/* ---- CRL files ---- */

X509_CRL *rove_crl_parse(const uint8_t *p, size_t len)
{
	X509_CRL *crl = NULL;

	if (!p || !len || len > INT_MAX)
		return NULL;
	if (memmem(p, len, "-----BEGIN", 10)) {
		BIO *b = BIO_new_mem_buf(p, (int)len);

		crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		const unsigned char *q = p;

		crl = d2i_X509_CRL(NULL, &q, (long)len);
		if (crl && q != p + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	return crl;
}

static int slurp(const char *path, struct rove_buf *out, struct rove_err *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t chunk[4096];
	size_t n;
	int rc = 0;

	if (!f)
		return rove_err_set(err, ROVE_E_INVAL, _("cannot read CRL file %s: %s"), path,
				    strerror(errno));
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > CRL_FILE_MAX)
			rc = rove_err_set(err, ROVE_E_INVAL, _("CRL file %s is too large"), path);
		rove_buf_add(out, chunk, n);
	}
	if (!rc && ferror(f))
		rc = rove_err_set(err, ROVE_E_INVAL, _("cannot read CRL file %s"), path);
	if (!rc && out->failed)
		rc = rove_err_set(err, ROVE_E_NOMEM, _("out of memory reading %s"), path);
	fclose(f);
	return rc;
}

static int add_pem_crls(struct rove_revoke *rv, const struct rove_buf *file)
{
	BIO *b = BIO_new_mem_buf(file->data, (int)file->len);
	X509_CRL *crl;
	int n = 0;

	while (b && (crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_CRL_push(rv->crls, crl)) {
			X509_CRL_free(crl);
			break;
		}
		n++;
	}
	BIO_free(b);
	ERR_clear_error();
	return n;
}

int rove_revoke_load_crls(struct rove_revoke *rv, const char *path, struct rove_err *err)
{
	struct rove_buf file;
	int n = 0, rc;

	if (!rv->crls && !(rv->crls = sk_X509_CRL_new_null()))
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rove_buf_init(&file);
	rc = slurp(path, &file, err);
	if (!rc && file.len && memmem(file.data, file.len, "-----BEGIN", 10)) {
		n = add_pem_crls(rv, &file);
	} else if (!rc && file.len) {
		X509_CRL *crl = rove_crl_parse(file.data, file.len);

		if (crl && sk_X509_CRL_push(rv->crls, crl))
			n = 1;
		else
			X509_CRL_free(crl);
	}
	rove_buf_free(&file);
	if (!rc && !n)
		rc = rove_err_set(err, ROVE_E_PARSE, _("%s contains no readable CRL (PEM or DER)"),
				  path);
	if (!rc) {
		free(rv->crl_path);
		rv->crl_path = strdup(path);
	}
	return rc;
}

void rove_revoke_free(struct rove_revoke *rv)
{
	sk_X509_CRL_pop_free(rv->crls, X509_CRL_free);
	free(rv->crl_path);
	memset(rv, 0, sizeof(*rv));
}

/* ---- CRL check ---- */

/* The first http:// URI of the certificate's CRL distribution points. */
static char *crl_url(X509 *x)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	char *url = NULL;

	for (int i = 0; !url && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (!dp->distpoint || dp->distpoint->type != 0)
			continue;
		for (int j = 0; !url && j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);
			const unsigned char *s;
			int len;

			if (g->type != GEN_URI)
				continue;
			s = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
			len = ASN1_STRING_length(g->d.uniformResourceIdentifier);
			if (len > 7 && len < 1024 && !strncasecmp((const char *)s, "http://", 7) &&
			    !memchr(s, '\0', (size_t)len))
				url = strndup((const char *)s, (size_t)len);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return url;
}

/* Re-runs chain verification with the CRL for the leaf; returns the
 * X509_V_ERR code (X509_V_OK when not revoked). */
static int verify_with_crl(X509_STORE *store, STACK_OF(X509) *chain, X509_CRL *crl,
			   int64_t when)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	STACK_OF(X509) *rest = sk_X509_dup(chain);
	int code = X509_V_ERR_OUT_OF_MEM;

	if (ctx && crls && rest && sk_X509_CRL_push(crls, crl)) {
		X509 *leaf = sk_X509_shift(rest);

		if (X509_STORE_CTX_init(ctx, store, leaf, rest)) {
			X509_STORE_CTX_set0_crls(ctx, crls);
			X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
						    X509_V_FLAG_CRL_CHECK);
			if (when)
				X509_STORE_CTX_set_time(ctx, 0, (time_t)when);
			code = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
		}
	}
	X509_STORE_CTX_free(ctx);
	sk_X509_CRL_free(crls);
	sk_X509_free(rest);
	ERR_clear_error();
	return code;
}

static X509_CRL *file_crl_for(const struct rove_revoke *rv, X509 *leaf)
{
	for (int i = 0; i < sk_X509_CRL_num(rv->crls); i++) {
		X509_CRL *c = sk_X509_CRL_value(rv->crls, i);

		if (!X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_issuer_name(leaf)))
			return c;
	}
	return NULL;
}

static X509_CRL *fetch_crl(const struct rove_revoke *rv, const char *url, char *why, size_t cap)
{
	struct rove_buf body;
	struct rove_err e = { 0 };
	X509_CRL *crl = NULL;

	rove_buf_init(&body);
	if (rv->fetch(rv->fetch_ctx, url, NULL, NULL, 0, &body, &e) < 0)
		snprintf(why, cap, "%.190s", e.msg);
	else if (!(crl = rove_crl_parse(body.data, body.len)))
		snprintf(why, cap, "the answer is not a CRL");
	rove_buf_free(&body);
	return crl;
}

/* Who a certificate of the chain is, for messages: "the server's
 * certificate CN=gw" or "the certificate of CN=Int in the server's chain";
 * pre: "" or "CN=Int: " for the outcome. */
static void who_is(X509 *x, int depth, char *who, size_t wcap, char *pre, size_t pcap)
{
	char subj[256];

	subject_of(x, subj, sizeof(subj));
	if (depth == 0) {
		snprintf(who, wcap, _("the server's certificate %s"), subj);
		pre[0] = '\0';
	} else {
		snprintf(who, wcap, _("the certificate of %s in the server's chain"), subj);
		snprintf(pre, pcap, "%s: ", subj);
	}
}

static enum rove_cert_fail revoked(X509 *x, const char *who, X509_CRL *crl, const char *src,
				   struct rove_err *err)
{
	X509_REVOKED *r = NULL;
	char when[40] = "an unknown date";

	if (X509_CRL_get0_by_cert(crl, &r, x) == 1 && r)
		date_of(X509_REVOKED_get0_revocationDate(r), when, sizeof(when));
	rove_err_set(err, ROVE_E_CERT, _("%s was revoked on %s (CRL from %s): do not use this "
		       "gateway until its administrator installs a new certificate"), who, when, src);
	return ROVE_CERT_REVOKED;
}

/* The CRL for chain[0] (the server's certificate at depth 0, else an
 * intermediate) from the file or the distribution point; a file's CRL must
 * be usable, a fetched one that is not only leaves the status unchecked. */
static enum rove_cert_fail crl_check(const struct rove_revoke *rv, X509_STORE *store,
				     STACK_OF(X509) *chain, int depth, int64_t when,
				     char *outcome, size_t cap, struct rove_err *err)
{
	X509 *leaf = sk_X509_value(chain, 0);
	X509_CRL *crl = file_crl_for(rv, leaf), *owned = NULL;
	char *url = NULL, why[200] = "", src[300], who[300], pre[260];
	int code;

	who_is(leaf, depth, who, sizeof(who), pre, sizeof(pre));
	if (crl) {
		snprintf(src, sizeof(src), "%s", rv->crl_path);
	} else if ((url = crl_url(leaf)) == NULL) {
		return ROVE_CERT_OK;
	} else if (!rv->fetch) {
		append(outcome, cap, "%sCRL %s not fetched", pre, url);
		free(url);
		return ROVE_CERT_OK;
	} else if (!(crl = owned = fetch_crl(rv, url, why, sizeof(why)))) {
		append(outcome, cap, "%sCRL %s unavailable (%s): not checked", pre, url, why);
		free(url);
		return ROVE_CERT_OK;
	} else {
		snprintf(src, sizeof(src), "%s", url);
	}
	free(url);
	code = verify_with_crl(store, chain, crl, when);
	if (code == X509_V_OK) {
		append(outcome, cap, "%snot revoked (CRL from %s)", pre, src);
	} else if (code == X509_V_ERR_CERT_REVOKED) {
		revoked(leaf, who, crl, src, err);
		X509_CRL_free(owned);
		return ROVE_CERT_REVOKED;
	} else if (!owned) {
		rove_err_set(err, ROVE_E_CERT, _("the CRL in %s cannot vouch for %s: %s; get a current "
			       "CRL from the CA or drop crl= from the profile"), src, who,
			     X509_verify_cert_error_string(code));
		return ROVE_CERT_BAD;
	} else {
		append(outcome, cap, "%sCRL from %s unusable (%s): not checked", pre, src,
		       X509_verify_cert_error_string(code));
	}
	X509_CRL_free(owned);
	return ROVE_CERT_OK;
}

/* ---- OCSP ---- */

enum rove_ocsp_result rove_ocsp_eval(const uint8_t *p, size_t len, OCSP_REQUEST *req,
				     OCSP_CERTID *id, X509_STORE *store, STACK_OF(X509) *chain,
				     int64_t verify_time, char *why, size_t cap)
{
	const unsigned char *q = p;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	enum rove_ocsp_result r = ROVE_OCSP_ERROR;
	int status = -1, reason = -1, st;

	snprintf(why, cap, "unreadable answer");
	if (!p || !len || len > LONG_MAX || !(resp = d2i_OCSP_RESPONSE(NULL, &q, (long)len)) ||
	    q != p + len)
		goto out;
	st = OCSP_response_status(resp);
	if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(why, cap, "responder said %s", OCSP_response_status_str(st));
		goto out;
	}
	snprintf(why, cap, "answer not signed by the CA or a responder it named");
	if (!(bs = OCSP_response_get1_basic(resp)) || OCSP_basic_verify(bs, chain, store, 0) != 1)
		goto out;
	snprintf(why, cap, "answer for another request (nonce)");
	if (req && OCSP_check_nonce(req, bs) == 0)
		goto out;
	snprintf(why, cap, "answer without this certificate");
	if (!id || !OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd))
		goto out;
	snprintf(why, cap, "stale answer");
	if (!verify_time && !OCSP_check_validity(thisupd, nextupd, OCSP_SKEW_S, -1))
		goto out;
	if (status == V_OCSP_CERTSTATUS_GOOD) {
		r = ROVE_OCSP_GOOD;
		snprintf(why, cap, "good");
	} else if (status == V_OCSP_CERTSTATUS_REVOKED) {
		r = ROVE_OCSP_REVOKED;
		date_of(rev, why, cap);
	} else {
		r = ROVE_OCSP_UNKNOWN;
		snprintf(why, cap, "the responder does not know this certificate");
	}
out:
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return r;
}

static char *ocsp_url(X509 *x)
{
	STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(x);
	char *url = NULL;

	for (int i = 0; !url && i < sk_OPENSSL_STRING_num(urls); i++) {
		const char *u = sk_OPENSSL_STRING_value(urls, i);

		if (!strncasecmp(u, "http://", 7) && strlen(u) < 1024)
			url = strdup(u);
	}
	X509_email_free(urls);
	return url;
}

/* Asks the responder; returns the result and a phrase in why. */
static enum rove_ocsp_result ocsp_ask(const struct rove_revoke *rv, X509_STORE *store,
				      STACK_OF(X509) *chain, const char *url, int64_t when,
				      char *why, size_t cap)
{
	X509 *leaf = sk_X509_value(chain, 0), *issuer = sk_X509_value(chain, 1);
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_CERTID *id = issuer ? OCSP_cert_to_id(NULL, leaf, issuer) : NULL;
	OCSP_CERTID *mine = id ? OCSP_CERTID_dup(id) : NULL;
	unsigned char *der = NULL;
	int dlen = -1;
	struct rove_buf body;
	struct rove_err e = { 0 };
	enum rove_ocsp_result r = ROVE_OCSP_ERROR;

	rove_buf_init(&body);
	snprintf(why, cap, "cannot build the request");
	if (req && mine && OCSP_request_add0_id(req, mine)) {
		mine = NULL;
		if (OCSP_request_add1_nonce(req, NULL, -1))
			dlen = i2d_OCSP_REQUEST(req, &der);
	}
	if (dlen > 0 && rv->fetch(rv->fetch_ctx, url, "application/ocsp-request", der,
				  (size_t)dlen, &body, &e) < 0)
		snprintf(why, cap, "unreachable: %.250s", e.msg);
	else if (dlen > 0)
		r = rove_ocsp_eval(body.data, body.len, req, id, store, chain, when, why, cap);
	OPENSSL_free(der);
	OCSP_CERTID_free(mine);
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	rove_buf_free(&body);
	ERR_clear_error();
	return r;
}

static enum rove_cert_fail ocsp_check(const struct rove_revoke *rv, X509_STORE *store,
				      STACK_OF(X509) *chain, int64_t when, char *outcome,
				      size_t cap, struct rove_err *err)
{
	X509 *leaf = sk_X509_value(chain, 0);
	char *url = ocsp_url(leaf), why[300], subj[256];
	enum rove_ocsp_result r;

	subject_of(leaf, subj, sizeof(subj));
	if (!url || !rv->fetch) {
		if (rv->ocsp == ROVE_OCSP_REQUIRE)
			rove_err_set(err, ROVE_E_CERT, _("the server's certificate %s names no OCSP "
				       "responder%s, but the profile has ocsp=require: remove that "
				       "setting or ask for a certificate with one"), subj,
				     url ? " rove can ask" : "");
		free(url);
		return rv->ocsp == ROVE_OCSP_REQUIRE ? ROVE_CERT_BAD : ROVE_CERT_OK;
	}
	r = ocsp_ask(rv, store, chain, url, when, why, sizeof(why));
	if (r == ROVE_OCSP_GOOD) {
		append(outcome, cap, "OCSP %s: good", url);
	} else if (r == ROVE_OCSP_REVOKED) {
		rove_err_set(err, ROVE_E_CERT, _("the server's certificate %s was revoked on %s "
			       "(OCSP responder %s): do not use this gateway until its administrator "
			       "installs a new certificate"), subj, why, url);
	} else if (rv->ocsp == ROVE_OCSP_REQUIRE) {
		rove_err_set(err, ROVE_E_CERT, _("the OCSP responder %s gave no valid answer for the "
			       "server's certificate %s (%s), and the profile has ocsp=require: check "
			       "that the responder is reachable, or set ocsp=soft"), url, subj, why);
	} else {
		append(outcome, cap, "OCSP %s: %s, not checked", url, why);
	}
	free(url);
	if (r == ROVE_OCSP_REVOKED)
		return ROVE_CERT_REVOKED;
	return r != ROVE_OCSP_GOOD && rv->ocsp == ROVE_OCSP_REQUIRE ? ROVE_CERT_BAD : ROVE_CERT_OK;
}

/* chain[d..] as a new stack borrowing the certificates. */
static STACK_OF(X509) *chain_from(STACK_OF(X509) *chain, int d)
{
	STACK_OF(X509) *sub = sk_X509_new_null();

	for (int i = d; sub && i < sk_X509_num(chain); i++)
		if (!sk_X509_push(sub, sk_X509_value(chain, i))) {
			sk_X509_free(sub);
			sub = NULL;
		}
	return sub;
}

enum rove_cert_fail rove_revoke_check(const struct rove_revoke *rv, X509_STORE *store,
				      STACK_OF(X509) *chain, int64_t verify_time,
				      char *outcome, size_t cap, struct rove_err *err)
{
	enum rove_cert_fail f = ROVE_CERT_OK;

	outcome[0] = '\0';
	if (sk_X509_num(chain) < 2) /* the certificate itself is the anchor */
		return ROVE_CERT_OK;
	/* CRLs for the server's certificate and each intermediate below the
	 * trust anchor (the last of the chain), each against its own issuer. */
	for (int d = 0; f == ROVE_CERT_OK && d + 1 < sk_X509_num(chain); d++) {
		STACK_OF(X509) *sub = chain_from(chain, d);

		if (!sub) {
			rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
			return ROVE_CERT_BAD;
		}
		f = crl_check(rv, store, sub, d, verify_time, outcome, cap, err);
		sk_X509_free(sub);
	}
	if (f == ROVE_CERT_OK && rv->ocsp != ROVE_OCSP_OFF)
		f = ocsp_check(rv, store, chain, verify_time, outcome, cap, err);
	if (f == ROVE_CERT_OK && !outcome[0])
		snprintf(outcome, cap, "no CRL or OCSP responder named");
	return f;
}
