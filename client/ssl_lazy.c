/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libssl functions EAP-TLS (core/eap_tls.c) calls, forwarded to libssl
 * loaded at the first call (core/runner/lazy.h): only an auth=eap-tls
 * session needs it, so `rove` does not map and relocate it at every exec
 * (about 0.3 ms of each `rove up` before its first packet here). Linked
 * into the `rove` executable only: with these definitions nothing of it
 * references libssl and the linker (--as-needed) leaves it out;
 * tests/unit/t-needed.sh checks. */
#include "lazy.h"

#pragma GCC visibility push(hidden)

#include <openssl/ssl.h>

#define S(fn) ROVE_LAZY("libssl.so.3", fn)

const char *SSL_CIPHER_get_name(const SSL_CIPHER *c)
{
	return S(SSL_CIPHER_get_name)(c);
}

long SSL_CTX_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg)
{
	return S(SSL_CTX_ctrl)(ctx, cmd, larg, parg);
}

void SSL_CTX_free(SSL_CTX *ctx)
{
	S(SSL_CTX_free)(ctx);
}

SSL_CTX *SSL_CTX_new_ex(OSSL_LIB_CTX *libctx, const char *propq, const SSL_METHOD *meth)
{
	return S(SSL_CTX_new_ex)(libctx, propq, meth);
}

void SSL_CTX_set_cert_verify_callback(SSL_CTX *ctx, int (*cb)(X509_STORE_CTX *, void *),
				      void *arg)
{
	S(SSL_CTX_set_cert_verify_callback)(ctx, cb, arg);
}

uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op)
{
	return S(SSL_CTX_set_options)(ctx, op);
}

void SSL_CTX_set_verify(SSL_CTX *ctx, int mode, SSL_verify_cb callback)
{
	S(SSL_CTX_set_verify)(ctx, mode, callback);
}

int SSL_CTX_use_PrivateKey(SSL_CTX *ctx, EVP_PKEY *pkey)
{
	return S(SSL_CTX_use_PrivateKey)(ctx, pkey);
}

int SSL_CTX_use_certificate(SSL_CTX *ctx, X509 *x)
{
	return S(SSL_CTX_use_certificate)(ctx, x);
}

const char *SSL_alert_desc_string_long(int value)
{
	return S(SSL_alert_desc_string_long)(value);
}

int SSL_do_handshake(SSL *s)
{
	return S(SSL_do_handshake)(s);
}

int SSL_export_keying_material(SSL *s, unsigned char *out, size_t olen, const char *label,
			       size_t llen, const unsigned char *context, size_t contextlen,
			       int use_context)
{
	return S(SSL_export_keying_material)(s, out, olen, label, llen, context, contextlen,
					     use_context);
}

void SSL_free(SSL *ssl)
{
	S(SSL_free)(ssl);
}

const SSL_CIPHER *SSL_get_current_cipher(const SSL *s)
{
	return S(SSL_get_current_cipher)(s);
}

int SSL_get_error(const SSL *s, int ret_code)
{
	return S(SSL_get_error)(s, ret_code);
}

const char *SSL_get_version(const SSL *s)
{
	return S(SSL_get_version)(s);
}

SSL *SSL_new(SSL_CTX *ctx)
{
	return S(SSL_new)(ctx);
}

int SSL_read(SSL *ssl, void *buf, int num)
{
	return S(SSL_read)(ssl, buf, num);
}

void SSL_set_bio(SSL *s, BIO *rbio, BIO *wbio)
{
	S(SSL_set_bio)(s, rbio, wbio);
}

void SSL_set_connect_state(SSL *s)
{
	S(SSL_set_connect_state)(s);
}

int SSL_version(const SSL *ssl)
{
	return S(SSL_version)(ssl);
}

const SSL_METHOD *TLS_client_method(void)
{
	return S(TLS_client_method)();
}

#pragma GCC visibility pop
