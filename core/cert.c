/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's certificate: trust anchors, chain validation with OpenSSL's
 * X509_STORE, Extended Key Usage, and the identity checks of RFC 4945. */
#include "cert.h"
#include "i18n.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "addr.h"
#include "cert_id.h"
#include "certpolicy.h"
#include "ikev2.h"

#define CA_FILE_MAX (8u << 20) /* a bundle larger than this is a mistake */
#define SHA1_LEN 20

struct rove_trust {
	X509_STORE *store;
	bool system;
	struct rove_buf certreq; /* concatenated SHA-1(SPKI) */
	size_t nhashes;
	struct rove_revoke rv; /* CRLs, fetcher, OCSP mode */
	struct rove_buf pending; /* the CA file, read, not parsed yet */
	char *pending_path;
	bool loaded;             /* rove_trust_load ran */
};

struct rove_peer_cert {
	X509 *x;
	char *subject;
	char *identity;
	char revocation[400];
};

/* ---- small helpers ---- */

/* Copies untrusted bytes for a message, replacing anything unprintable. */
static void safe_copy(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	size_t i;

	if (!cap)
		return;
	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	dst[i] = '\0';
}

/* Subject or issuer as RFC 2253 UTF-8 (control characters escaped). */
static char *name_str(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *s = NULL;
	long len;

	if (!b)
		return NULL;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data(b, &p)) >= 0)
		s = strndup(len ? p : "", (size_t)len);
	BIO_free(b);
	return s;
}

static void name_buf(const X509_NAME *n, char *buf, size_t cap)
{
	char *s = name_str(n);

	snprintf(buf, cap, "%s", s && *s ? s : _("an empty name"));
	free(s);
}

static void time_str(const ASN1_TIME *t, char *buf, size_t cap)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, cap, "%s", _("an unreadable date"));
}

static X509 *der_to_x509(const uint8_t *p, size_t len)
{
	const unsigned char *q = p;
	X509 *x;

	if (!p || !len || len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &q, (long)len);
	if (x && q != p + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* ---- trust store ---- */

static int read_file(const char *path, struct rove_buf *out, struct rove_err *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t chunk[4096];
	size_t n;
	int rc = 0;

	if (!f)
		return rove_err_set(err, ROVE_E_INVAL, _("cannot read CA file %s: %s"), path,
				    strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > CA_FILE_MAX) {
			rc = rove_err_set(err, ROVE_E_INVAL, _("CA file %s is too large"), path);
			break;
		}
		rove_buf_add(out, chunk, n);
	}
	if (!rc && ferror(f))
		rc = rove_err_set(err, ROVE_E_INVAL, _("cannot read CA file %s: %s"), path,
				  strerror(errno ? errno : EIO));
	if (!rc && out->failed)
		rc = rove_err_set(err, ROVE_E_NOMEM, _("out of memory reading %s"), path);
	fclose(f);
	return rc;
}

static int spki_sha1(X509 *x, uint8_t out[SHA1_LEN])
{
	unsigned char *der = NULL;
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA1", NULL);
	unsigned int mdlen = 0;
	int len, rc = -1;

	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (md && len > 0 && EVP_Digest(der, (size_t)len, out, &mdlen, md, NULL) &&
	    mdlen == SHA1_LEN)
		rc = 0;
	OPENSSL_free(der);
	EVP_MD_free(md);
	return rc;
}

static int add_anchor(struct rove_trust *t, X509 *x, const char *path, struct rove_err *err)
{
	uint8_t h[SHA1_LEN];

	if (!X509_STORE_add_cert(t->store, x))
		return rove_err_set(err, ROVE_E_CERT, _("cannot use a certificate of %s"), path);
	if (spki_sha1(x, h) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("cannot hash a certificate key of %s"), path);
	for (size_t i = 0; i < t->nhashes; i++)
		if (!memcmp(t->certreq.data + i * SHA1_LEN, h, SHA1_LEN))
			return 0;
	rove_buf_add(&t->certreq, h, SHA1_LEN);
	t->nhashes++;
	return 0;
}

static int load_pem(struct rove_trust *t, const struct rove_buf *file, const char *path,
		    struct rove_err *err)
{
	BIO *b = BIO_new_mem_buf(file->data, (int)file->len);
	X509 *x;
	int rc = 0;
	unsigned long e;

	if (!b)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	while (!rc && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		rc = add_anchor(t, x, path, err);
		X509_free(x);
	}
	/* The loop ends with "no start line" at the end of the file; any other
	 * error is a damaged certificate we must not silently skip. */
	e = ERR_peek_last_error();
	if (!rc && e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
		rc = rove_err_set(err, ROVE_E_PARSE, _("%s contains a damaged certificate"), path);
	ERR_clear_error();
	BIO_free(b);
	return rc;
}

static int parse_file(struct rove_trust *t, const struct rove_buf *file, const char *path,
		      struct rove_err *err)
{
	int rc = 0;

	if (file->data && memmem(file->data, file->len, "-----BEGIN", 10)) {
		rc = load_pem(t, file, path, err);
	} else if (file->data) {
		X509 *x = der_to_x509(file->data, file->len);

		if (x)
			rc = add_anchor(t, x, path, err);
		X509_free(x);
		ERR_clear_error();
	}
	if (!rc && !t->nhashes)
		rc = rove_err_set(err, ROVE_E_INVAL, _("%s contains no certificate"), path);
	if (!rc && t->certreq.failed)
		rc = rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	return rc;
}

struct rove_trust *rove_trust_open(const char *ca_path, struct rove_err *err)
{
	struct rove_trust *t = calloc(1, sizeof(*t));

	if (!t) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	rove_buf_init(&t->certreq);
	rove_buf_init(&t->pending);
	t->system = !ca_path;
	t->loaded = false;
	/* No OpenSSL call here (its initialization is load's): only the
	 * file, so that a missing one is refused at once. */
	if (ca_path && read_file(ca_path, &t->pending, err) < 0) {
		rove_trust_free(t);
		return NULL;
	}
	if (ca_path && !(t->pending_path = strdup(ca_path))) {
		rove_trust_free(t);
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	return t;
}

int rove_trust_load(struct rove_trust *t, struct rove_err *err)
{
	int rc;

	if (t->loaded)
		return 0;
	t->loaded = true;
	if (!(t->store = X509_STORE_new()))
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (t->system) {
		if (!X509_STORE_set_default_paths(t->store)) {
			ERR_clear_error();
			return rove_err_set(err, ROVE_E_CERT, _("cannot open the system trust store"));
		}
		return 0;
	}
	/* The user named these certificates: each is an anchor by itself. */
	X509_STORE_set_flags(t->store, X509_V_FLAG_PARTIAL_CHAIN);
	rc = parse_file(t, &t->pending, t->pending_path, err);
	rove_buf_free(&t->pending);
	return rc;
}

struct rove_trust *rove_trust_new(const char *ca_path, struct rove_err *err)
{
	struct rove_trust *t = rove_trust_open(ca_path, err);

	if (t && rove_trust_load(t, err) < 0) {
		rove_trust_free(t);
		return NULL;
	}
	return t;
}

void rove_trust_free(struct rove_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	rove_buf_free(&t->certreq);
	rove_buf_free(&t->pending);
	free(t->pending_path);
	rove_revoke_free(&t->rv);
	free(t);
}

bool rove_trust_is_system(const struct rove_trust *t)
{
	return t && t->system;
}

int rove_trust_add_crls(struct rove_trust *t, const char *path, struct rove_err *err)
{
	return rove_revoke_load_crls(&t->rv, path, err);
}

void rove_trust_set_fetch(struct rove_trust *t, rove_fetch_fn fn, void *ctx)
{
	t->rv.fetch = fn;
	t->rv.fetch_ctx = ctx;
}

void rove_trust_set_ocsp(struct rove_trust *t, enum rove_ocsp_mode mode)
{
	t->rv.ocsp = mode;
}

size_t rove_trust_certreq(const struct rove_trust *t, struct rove_buf *out)
{
	if (!t || !t->nhashes)
		return 0;
	rove_buf_add(out, t->certreq.data, t->certreq.len);
	return t->nhashes;
}

/* ---- names in the certificate (the checks are cert_id.c's) ---- */

static const char *kind_name(int gen)
{
	return gen == GEN_IPADD ? "IP" : gen == GEN_DNS ? "DNS" : "email";
}

/* "gw.other.test (DNS), 10.0.0.1 (IP)" or the subject when it has no SAN. */
static void cert_names(X509 *x, char *buf, size_t cap)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t off = 0;
	int shown = 0;

	buf[0] = '\0';
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && shown < 4; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		char one[ROVE_ADDR_STRLEN + 256];
		int len = -1;

		if (g->type == GEN_DNS || g->type == GEN_EMAIL) {
			safe_copy(one, 256, ASN1_STRING_get0_data(g->d.ia5),
				  (size_t)ASN1_STRING_length(g->d.ia5));
		} else if (g->type == GEN_IPADD) {
			struct rove_addr a = { 0 };
			size_t alen = (size_t)ASN1_STRING_length(g->d.iPAddress);

			if (alen != 4 && alen != 16)
				continue;
			a.family = alen == 4 ? AF_INET : AF_INET6;
			memcpy(a.addr, ASN1_STRING_get0_data(g->d.iPAddress), alen);
			rove_addr_str(&a, one, sizeof(one));
		} else {
			continue;
		}
		len = snprintf(buf + off, cap - off, "%s%s (%s)", shown ? ", " : "", one,
			       kind_name(g->type));
		if (len < 0 || (size_t)len >= cap - off)
			break;
		off += (size_t)len;
		shown++;
	}
	GENERAL_NAMES_free(sans);
	if (!shown) {
		char dn[256];

		name_buf(X509_get_subject_name(x), dn, sizeof(dn));
		snprintf(buf, cap, "%s (DN)", dn);
	}
}

/* ---- chain verification ---- */

static enum rove_cert_fail chain_fail(X509_STORE_CTX *ctx, X509 *leaf, bool system,
				      struct rove_err *err)
{
	int code = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char subj[200], iss[200], when[40], which[256];

	name_buf(X509_get_subject_name(leaf), subj, sizeof(subj));
	name_buf(X509_get_issuer_name(leaf), iss, sizeof(iss));
	if (depth > 0 && cur) {
		char cn[200];

		name_buf(X509_get_subject_name(cur), cn, sizeof(cn));
		snprintf(which, sizeof(which), _("the certificate of %s in the server's chain"), cn);
	} else {
		snprintf(which, sizeof(which), _("the server's certificate %s"), subj);
		cur = leaf;
	}
	switch (code) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		time_str(X509_get0_notAfter(cur), when, sizeof(when));
		rove_err_set(err, ROVE_E_CERT, _("%s expired on %s: check the computer's clock, "
			       "or ask the gateway's administrator to renew it"), which, when);
		return ROVE_CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		time_str(X509_get0_notBefore(cur), when, sizeof(when));
		rove_err_set(err, ROVE_E_CERT, _("%s is not valid before %s: check the computer's clock"),
			     which, when);
		return ROVE_CERT_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		rove_err_set(err, ROVE_E_CERT, _("the server's certificate (%s, issued by %s) is not "
			       "signed by a trusted CA: %s"), subj, iss, system ?
			     "set ca= in the profile to the CA that issued it" :
			     "check the ca= setting of the profile");
		return ROVE_CERT_UNTRUSTED;
	default:
		rove_err_set(err, ROVE_E_CERT, _("%s was rejected (%s): the gateway's administrator "
			       "must fix the certificate or its chain"), which,
			     X509_verify_cert_error_string(code));
		return ROVE_CERT_BAD;
	}
}

static enum rove_cert_fail parse_chain(const struct rove_bytes *certs, size_t ncerts,
				       X509 **leaf, STACK_OF(X509) **chain, struct rove_err *err)
{
	*chain = sk_X509_new_null();
	if (!*chain) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return ROVE_CERT_BAD;
	}
	*leaf = der_to_x509(certs[0].ptr, certs[0].len);
	if (!*leaf) {
		rove_err_set(err, ROVE_E_CERT, _("the server's certificate cannot be parsed"));
		return ROVE_CERT_BAD;
	}
	for (size_t i = 1; i < ncerts; i++) {
		X509 *x = der_to_x509(certs[i].ptr, certs[i].len);

		if (!x || !sk_X509_push(*chain, x)) {
			X509_free(x);
			rove_err_set(err, ROVE_E_CERT,
				     _("intermediate certificate %zu sent by the server cannot be parsed"), i);
			return ROVE_CERT_BAD;
		}
	}
	return ROVE_CERT_OK;
}

/* On success *verified holds the chain OpenSSL built, leaf first. */
static enum rove_cert_fail check_chain(const struct rove_trust *t, X509 *leaf,
				       STACK_OF(X509) *chain, int64_t verify_time,
				       STACK_OF(X509) **verified, struct rove_err *err)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	enum rove_cert_fail f = ROVE_CERT_OK;

	if (!ctx || !X509_STORE_CTX_init(ctx, t->store, leaf, chain)) {
		rove_err_set(err, ROVE_E_NOMEM, _("cannot set up certificate verification"));
		f = ROVE_CERT_BAD;
	} else {
		if (verify_time)
			X509_STORE_CTX_set_time(ctx, 0, (time_t)verify_time);
		if (X509_verify_cert(ctx) != 1)
			f = chain_fail(ctx, leaf, t->system, err);
		else if (!(*verified = X509_STORE_CTX_get1_chain(ctx)))
			f = ROVE_CERT_BAD;
	}
	X509_STORE_CTX_free(ctx);
	return f;
}

static struct rove_peer_cert *peer_new(X509 *leaf, const char *how, struct rove_err *err)
{
	struct rove_peer_cert *pc = calloc(1, sizeof(*pc));
	size_t n;

	if (!pc || !(pc->subject = name_str(X509_get_subject_name(leaf))))
		goto fail;
	n = strlen(pc->subject) + strlen(how) + 4;
	if (!(pc->identity = malloc(n)))
		goto fail;
	snprintf(pc->identity, n, "%s (%s)", pc->subject, how);
	pc->x = leaf;
	return pc;
fail:
	if (pc)
		free(pc->subject);
	free(pc);
	rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	return NULL;
}

struct rove_peer_cert *rove_peer_cert_verify(const struct rove_trust *t,
					     const struct rove_bytes *certs, size_t ncerts,
					     const char *remote_id, int64_t verify_time,
					     enum rove_cert_fail *fail, struct rove_err *err)
{
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL, *verified = NULL;
	struct rove_peer_cert *pc = NULL;
	enum rove_cert_fail f;
	char how[300], names[300], subj[256], revocation[400] = "";

	if (!t || !ncerts || !certs) {
		rove_err_set(err, ROVE_E_CERT, !t ? "no trusted CA is configured" :
			     "the server sent no certificate");
		*fail = !t ? ROVE_CERT_UNTRUSTED : ROVE_CERT_NO_CERT;
		return NULL;
	}
	f = parse_chain(certs, ncerts, &leaf, &chain, err);
	if (f == ROVE_CERT_OK)
		f = check_chain(t, leaf, chain, verify_time, &verified, err);
	if (f == ROVE_CERT_OK)
		name_buf(X509_get_subject_name(leaf), subj, sizeof(subj));
	if (f == ROVE_CERT_OK && !rove_eku_check(leaf, subj, err))
		f = ROVE_CERT_BAD;
	if (f == ROVE_CERT_OK && (!remote_id || !*remote_id)) {
		rove_err_set(err, ROVE_E_CERT, _("no remote-id to check the server's certificate against"));
		f = ROVE_CERT_ID_MISMATCH;
	} else if (f == ROVE_CERT_OK && !rove_cert_id_matches(leaf, remote_id, how, sizeof(how))) {
		char want[256];

		cert_names(leaf, names, sizeof(names));
		safe_copy(want, sizeof(want), (const uint8_t *)remote_id, strlen(remote_id));
		rove_err_set(err, ROVE_E_CERT, _("the server's certificate is for %s, not %s: "
			       "check remote-id or the server name"), names, want);
		f = ROVE_CERT_ID_MISMATCH;
	}
	/* Last: it may ask the network, which only a certificate that passed
	 * everything else deserves. */
	if (f == ROVE_CERT_OK)
		f = rove_revoke_check(&t->rv, t->store, verified, verify_time, revocation,
				      sizeof(revocation), err);
	if (f == ROVE_CERT_OK && (pc = peer_new(leaf, how, err)) != NULL) {
		snprintf(pc->revocation, sizeof(pc->revocation), "%s", revocation);
		leaf = NULL;
	} else if (f == ROVE_CERT_OK) {
		f = ROVE_CERT_BAD;
	}
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(verified, X509_free);
	ERR_clear_error();
	*fail = f;
	return pc;
}

void rove_peer_cert_free(struct rove_peer_cert *pc)
{
	if (!pc)
		return;
	X509_free(pc->x);
	free(pc->subject);
	free(pc->identity);
	free(pc);
}

const char *rove_peer_cert_subject(const struct rove_peer_cert *pc)
{
	return pc->subject;
}

const char *rove_peer_cert_identity(const struct rove_peer_cert *pc)
{
	return pc->identity;
}

const char *rove_peer_cert_revocation(const struct rove_peer_cert *pc)
{
	return pc->revocation;
}

EVP_PKEY *rove_peer_cert_pkey(const struct rove_peer_cert *pc)
{
	return X509_get0_pubkey(pc->x);
}

bool rove_peer_cert_matches_id(const struct rove_peer_cert *pc, uint8_t id_type,
			       const uint8_t *id, size_t id_len)
{
	if (!pc || !id || !id_len)
		return false;
	return rove_cert_matches_id_payload(pc->x, id_type, id, id_len);
}
