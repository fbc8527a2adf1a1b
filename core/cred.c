/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading our certificate, intermediates and private key through
 * OSSL_STORE (files, PKCS#12, provider URIs) and choosing the chain to
 * send. */
#include "cred.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define MAX_OBJECTS 32   /* certificates and keys read from one source */
#define MAX_LOAD_ERRORS 8
#define MAX_FILE_SIZE (1 << 20) /* a certificate or key file, PKCS#12 bundles included */

struct rove_cred {
	X509 *cert;
	EVP_PKEY *key;
	X509 *chain[ROVE_CRED_MAX_CHAIN];
	size_t nchain;
	char subject[512];
	char key_desc[96];
};

/* What one source held. */
struct loaded {
	X509 *certs[MAX_OBJECTS];
	size_t ncerts;
	EVP_PKEY *key;
	bool too_many_keys;
};

struct pass {
	const char *pw;
	size_t len;
	bool asked;
};

/* pem_password_cb: hands out the profile's key-password once per call. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass *p = u;

	(void)rwflag;
	p->asked = true;
	if (!p->pw || (size_t)size < p->len + 1)
		return -1;
	memcpy(buf, p->pw, p->len);
	return (int)p->len;
}

static void loaded_free(struct loaded *l)
{
	for (size_t i = 0; i < l->ncerts; i++)
		X509_free(l->certs[i]);
	EVP_PKEY_free(l->key);
	memset(l, 0, sizeof(*l));
}

static void take_info(OSSL_STORE_INFO *info, struct loaded *l)
{
	switch (OSSL_STORE_INFO_get_type(info)) {
	case OSSL_STORE_INFO_CERT:
		if (l->ncerts < MAX_OBJECTS)
			l->certs[l->ncerts++] = OSSL_STORE_INFO_get1_CERT(info);
		break;
	case OSSL_STORE_INFO_PKEY:
		if (l->key)
			l->too_many_keys = true;
		else
			l->key = OSSL_STORE_INFO_get1_PKEY(info);
		break;
	default:
		break; /* public keys, parameters, CRLs: not ours to use */
	}
}

static void drain(OSSL_STORE_CTX *ctx, struct loaded *l)
{
	unsigned failures = 0;

	while (!OSSL_STORE_eof(ctx) && failures < MAX_LOAD_ERRORS) {
		OSSL_STORE_INFO *info = OSSL_STORE_load(ctx);

		if (!info) {
			failures++;
			continue;
		}
		take_info(info, l);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(ctx);
}

/* Opens a path or URI (uri) or attaches to bytes (mem); fills l. */
static int load_source(const char *uri, const uint8_t *mem, size_t mlen, struct pass *pw,
		       struct loaded *l, const char *what, struct rove_err *err)
{
	UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(pass_cb, 0);
	OSSL_STORE_CTX *ctx = NULL;
	BIO *bio = NULL;

	if (!ui)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (uri) {
		ctx = OSSL_STORE_open_ex(uri, NULL, NULL, ui, pw, NULL, NULL, NULL);
	} else if (mlen <= INT32_MAX && (bio = BIO_new_mem_buf(mem, (int)mlen))) {
		ctx = OSSL_STORE_attach(bio, "file", NULL, NULL, ui, pw, NULL, NULL, NULL);
	}
	if (!ctx) {
		BIO_free(bio);
		UI_destroy_method(ui);
		ERR_clear_error();
		return rove_err_set(err, ROVE_E_INVAL, _("%s: cannot open it (no such file, not "
				      "readable, or a URI scheme no installed provider handles)"), what);
	}
	drain(ctx, l);
	BIO_free(bio);
	UI_destroy_method(ui);
	ERR_clear_error();
	return 0;
}

static void describe_key(struct rove_cred *c)
{
	const char *type = EVP_PKEY_get0_type_name(c->key);
	char curve[64];
	size_t clen = 0;

	if (EVP_PKEY_is_a(c->key, "RSA") || EVP_PKEY_is_a(c->key, "RSA-PSS")) {
		snprintf(c->key_desc, sizeof(c->key_desc), "RSA %d", EVP_PKEY_get_bits(c->key));
	} else if (EVP_PKEY_is_a(c->key, "EC") &&
		   EVP_PKEY_get_utf8_string_param(c->key, OSSL_PKEY_PARAM_GROUP_NAME, curve,
						  sizeof(curve), &clen)) {
		snprintf(c->key_desc, sizeof(c->key_desc), "ECDSA %s",
			 strcmp(curve, "prime256v1") == 0 ? "P-256" :
			 strcmp(curve, "secp384r1") == 0 ? "P-384" :
			 strcmp(curve, "secp521r1") == 0 ? "P-521" : curve);
	} else {
		snprintf(c->key_desc, sizeof(c->key_desc), "%s", type ? type : "unknown key");
	}
}

static void subject_of(X509 *x, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
			       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &p);
		snprintf(out, len, "%.*s", (int)(n < 0 ? 0 : n), p);
	}
	BIO_free(b);
}

/* Splits what was loaded into our certificate (the one the key belongs to)
 * and the rest, the intermediates. */
static int assemble(struct rove_cred *c, struct loaded *cl, struct loaded *kl,
		    const char *cert_name, const char *key_name, struct rove_err *err)
{
	EVP_PKEY *key = kl->key ? kl->key : cl->key;
	size_t leaf = cl->ncerts;

	if (!cl->ncerts)
		return rove_err_set(err, ROVE_E_INVAL, _("%s holds no certificate"), cert_name);
	if (!key)
		return rove_err_set(err, ROVE_E_INVAL, _("%s holds no private key%s"), key_name,
				    kl == cl ? " (set key= to the key file)" : "");
	if (kl->too_many_keys)
		return rove_err_set(err, ROVE_E_INVAL, _("%s holds more than one private key"),
				    key_name);
	for (size_t i = 0; i < cl->ncerts && leaf == cl->ncerts; i++)
		if (X509_check_private_key(cl->certs[i], key) == 1)
			leaf = i;
	ERR_clear_error();
	if (leaf == cl->ncerts) {
		char subj[256];

		subject_of(cl->certs[0], subj, sizeof(subj));
		return rove_err_set(err, ROVE_E_INVAL, _("the private key in %s does not match the "
				      "certificate in %s (%s): check that key= and cert= belong "
				      "together"), key_name, cert_name, subj);
	}
	c->key = key;
	if (kl->key)
		kl->key = NULL;
	else
		cl->key = NULL;
	c->cert = cl->certs[leaf];
	for (size_t i = 0; i < cl->ncerts; i++) {
		if (i == leaf)
			continue;
		if (c->nchain < ROVE_CRED_MAX_CHAIN)
			c->chain[c->nchain++] = cl->certs[i];
		else
			X509_free(cl->certs[i]);
	}
	cl->ncerts = 0;
	subject_of(c->cert, c->subject, sizeof(c->subject));
	describe_key(c);
	return 0;
}

static struct rove_cred *finish(struct loaded *cl, struct loaded *kl, struct pass *pw,
				const char *cert_name, const char *key_name,
				bool *need_password, struct rove_err *err)
{
	struct rove_cred *c = NULL;
	bool missing = !cl->ncerts || !(kl->key || cl->key);

	if (need_password)
		*need_password = false;
	if (missing && pw->asked && !pw->pw) {
		if (need_password)
			*need_password = true;
		rove_err_set(err, ROVE_E_INVAL, _("%s is encrypted: set key-password in "
			       "[vpn-secrets]"), kl->key || kl == cl ? cert_name : key_name);
		goto out;
	}
	if (missing && pw->asked) {
		rove_err_set(err, ROVE_E_INVAL, _("cannot decrypt %s: the key-password is wrong"),
			     !cl->ncerts ? cert_name : key_name);
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		goto out;
	}
	if (assemble(c, cl, kl, cert_name, key_name, err) < 0) {
		rove_cred_free(c);
		c = NULL;
	}
out:
	loaded_free(cl);
	if (kl != cl)
		loaded_free(kl);
	return c;
}

/* A store URI (pkcs11:..., file:...) rather than a path: a scheme, then ':'. */
static bool is_uri(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

	return n > 1 && s[n] == ':' && s[0] != '/';
}

/* Reads a whole certificate or key file: O_NOFOLLOW, because rove runs as
 * root and a link could make it read a file its user may not; O_NONBLOCK,
 * so a FIFO cannot hang it before fstat refuses it. *out is the caller's
 * (wipe it: it may hold a key). */
static int read_file(const char *path, uint8_t **out, size_t *len, struct stat *st,
		     struct rove_err *err)
{
	uint8_t *buf;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);

	if (fd < 0 && errno == ELOOP)
		return rove_err_set(err, ROVE_E_INVAL, _("%s is a symbolic link: rove does not "
				      "follow links to certificate and key files; name the file itself"),
				    path);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("%s: cannot open it: %s"), path, strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > MAX_FILE_SIZE) {
		close(fd);
		return rove_err_set(err, ROVE_E_INVAL, _("%s: not a regular file of at most 1 MiB"), path);
	}
	buf = malloc((size_t)st->st_size + 1);
	while (buf) {
		ssize_t r = read(fd, buf + n, (size_t)st->st_size + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (n += (size_t)r) > (size_t)st->st_size)
			break;
	}
	close(fd);
	if (!buf)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (n != (size_t)st->st_size) { /* a read error, or the file changed under us */
		rove_wipe(buf, (size_t)st->st_size + 1);
		free(buf);
		return rove_err_set(err, ROVE_E_IO, _("%s: cannot read it"), path);
	}
	*out = buf;
	*len = n;
	return 0;
}

/* A file source: read by read_file(), then refused when it held a private
 * key that group or others can read. */
static int load_file(const char *path, struct pass *pw, struct loaded *l, struct rove_err *err)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (is_uri(path))
		return load_source(path, NULL, 0, pw, l, path, err);
	if (read_file(path, &buf, &len, &st, err) < 0)
		return -1;
	rc = load_source(NULL, buf, len, pw, l, path, err);
	rove_wipe(buf, len);
	free(buf);
	if (rc == 0 && l->key && (st.st_mode & (S_IRGRP | S_IROTH))) {
		loaded_free(l);
		return rove_err_set(err, ROVE_E_INVAL, _("%s holds a private key but other users can "
				      "read it: chmod 600 %s"), path, path);
	}
	return rc;
}

struct rove_cred *rove_cred_load(const char *cert, const char *key, const char *password,
				 size_t password_len, bool *need_password, struct rove_err *err)
{
	struct loaded cl = { 0 }, kl = { 0 };
	struct pass pw = { password, password_len, false };

	if (need_password)
		*need_password = false;
	if (!cert || !*cert) {
		rove_err_set(err, ROVE_E_INVAL, _("no certificate file (cert=)"));
		return NULL;
	}
	if (load_file(cert, &pw, &cl, err) < 0)
		return NULL;
	if (key && load_file(key, &pw, &kl, err) < 0) {
		loaded_free(&cl);
		return NULL;
	}
	return finish(&cl, key ? &kl : &cl, &pw, cert, key ? key : cert, need_password, err);
}

struct rove_cred *rove_cred_from_mem(const uint8_t *cert, size_t cert_len, const uint8_t *key,
				     size_t key_len, const char *password, size_t password_len,
				     bool *need_password, struct rove_err *err)
{
	struct loaded cl = { 0 }, kl = { 0 };
	struct pass pw = { password, password_len, false };

	if (need_password)
		*need_password = false;
	if (load_source(NULL, cert, cert_len, &pw, &cl, _("the certificate"), err) < 0)
		return NULL;
	if (key && load_source(NULL, key, key_len, &pw, &kl, _("the key"), err) < 0) {
		loaded_free(&cl);
		return NULL;
	}
	return finish(&cl, key ? &kl : &cl, &pw, _("the certificate"), key ? _("the key") :
		      _("the certificate"), need_password, err);
}

void rove_cred_free(struct rove_cred *c)
{
	if (!c)
		return;
	X509_free(c->cert);
	EVP_PKEY_free(c->key); /* OpenSSL cleanses private key material on free */
	for (size_t i = 0; i < c->nchain; i++)
		X509_free(c->chain[i]);
	free(c);
}

X509 *rove_cred_cert(const struct rove_cred *c)
{
	return c->cert;
}

EVP_PKEY *rove_cred_key(const struct rove_cred *c)
{
	return c->key;
}

size_t rove_cred_chain_len(const struct rove_cred *c)
{
	return c->nchain;
}

X509 *rove_cred_chain(const struct rove_cred *c, size_t i)
{
	return i < c->nchain ? c->chain[i] : NULL;
}

const char *rove_cred_subject(const struct rove_cred *c)
{
	return c->subject;
}

const char *rove_cred_key_desc(const struct rove_cred *c)
{
	return c->key_desc;
}

int rove_cred_subject_der(const struct rove_cred *c, struct rove_buf *out, struct rove_err *err)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(X509_get_subject_name(c->cert), &der);

	if (len <= 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("cannot encode the certificate's subject"));
	rove_buf_add(out, der, (size_t)len);
	OPENSSL_free(der);
	return 0;
}

int rove_cred_spki_sha1(X509 *x, uint8_t out[20])
{
	unsigned char *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	unsigned int olen = 0;
	int ok;

	if (len <= 0)
		return -1;
	ok = EVP_Digest(der, (size_t)len, out, &olen, EVP_sha1(), NULL);
	OPENSSL_free(der);
	return ok && olen == 20 ? 0 : -1;
}

static bool hash_named(X509 *x, const uint8_t *hashes, size_t hlen)
{
	uint8_t h[20];

	if (rove_cred_spki_sha1(x, h) < 0)
		return false;
	for (size_t i = 0; i + 20 <= hlen; i += 20)
		if (memcmp(hashes + i, h, 20) == 0)
			return true;
	return false;
}

static X509 *issuer_in_chain(const struct rove_cred *c, X509 *x)
{
	for (size_t i = 0; i < c->nchain; i++)
		if (c->chain[i] != x && X509_check_issued(c->chain[i], x) == X509_V_OK)
			return c->chain[i];
	return NULL;
}

static bool self_signed(X509 *x)
{
	return X509_check_issued(x, x) == X509_V_OK;
}

size_t rove_cred_pick_chain(const struct rove_cred *c, const uint8_t *ca_hashes, size_t hlen,
			    X509 **out, size_t max)
{
	size_t n = 0;
	X509 *cur = c->cert, *up;

	if (!max)
		return 0;
	out[n++] = cur;
	/* Up the chain until the gateway's CA, a root, or a missing link;
	 * bounded by the chain's size, so a loop of cross-certificates ends. */
	for (size_t steps = 0; steps < c->nchain && n < max; steps++) {
		up = issuer_in_chain(c, cur);
		if (!up || self_signed(up) || (hlen >= 20 && hash_named(up, ca_hashes, hlen)))
			break;
		out[n++] = up;
		cur = up;
	}
	ERR_clear_error();
	return n;
}
