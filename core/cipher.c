/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cipher.h"
#include "i18n.h"

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The provider functions a rove_cipher calls: what EVP would call. */
struct prov_fns {
	OSSL_FUNC_cipher_newctx_fn *newctx;
	OSSL_FUNC_cipher_freectx_fn *freectx;
	OSSL_FUNC_cipher_encrypt_init_fn *einit;
	OSSL_FUNC_cipher_decrypt_init_fn *dinit;
	OSSL_FUNC_cipher_update_fn *update;
	OSSL_FUNC_cipher_final_fn *final;
	OSSL_FUNC_cipher_get_ctx_params_fn *get_params;
	OSSL_FUNC_cipher_set_ctx_params_fn *set_params;
};

struct rove_cipher {
	bool encrypt;
	EVP_CIPHER *alg;       /* keeps the provider loaded */
	void *algctx;          /* direct: the provider's context */
	struct prov_fns f;
	EVP_CIPHER_CTX *evp;   /* fallback */
};

/* Whether `names` ("AES-256-GCM:id-aes256-GCM:2.16...") lists `name`. */
static bool names_have(const char *names, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = names; p && *p;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && !strncasecmp(p, name, len))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static void take_fns(struct prov_fns *f, const OSSL_DISPATCH *d)
{
	for (; d->function_id; d++) {
		switch (d->function_id) {
		case OSSL_FUNC_CIPHER_NEWCTX:
			f->newctx = OSSL_FUNC_cipher_newctx(d);
			break;
		case OSSL_FUNC_CIPHER_FREECTX:
			f->freectx = OSSL_FUNC_cipher_freectx(d);
			break;
		case OSSL_FUNC_CIPHER_ENCRYPT_INIT:
			f->einit = OSSL_FUNC_cipher_encrypt_init(d);
			break;
		case OSSL_FUNC_CIPHER_DECRYPT_INIT:
			f->dinit = OSSL_FUNC_cipher_decrypt_init(d);
			break;
		case OSSL_FUNC_CIPHER_UPDATE:
			f->update = OSSL_FUNC_cipher_update(d);
			break;
		case OSSL_FUNC_CIPHER_FINAL:
			f->final = OSSL_FUNC_cipher_final(d);
			break;
		case OSSL_FUNC_CIPHER_GET_CTX_PARAMS:
			f->get_params = OSSL_FUNC_cipher_get_ctx_params(d);
			break;
		case OSSL_FUNC_CIPHER_SET_CTX_PARAMS:
			f->set_params = OSSL_FUNC_cipher_set_ctx_params(d);
			break;
		}
	}
}

/* The dispatch table of the implementation EVP_CIPHER_fetch chose: the
 * first of its provider's ciphers answering to its name. */
static bool find_fns(EVP_CIPHER *alg, struct prov_fns *f)
{
	const OSSL_PROVIDER *prov = EVP_CIPHER_get0_provider(alg);
	const char *name = EVP_CIPHER_get0_name(alg);
	const OSSL_ALGORITHM *algs;
	int no_cache = 0;

	if (!prov || !name)
		return false;
	algs = OSSL_PROVIDER_query_operation(prov, OSSL_OP_CIPHER, &no_cache);
	for (const OSSL_ALGORITHM *a = algs; a && a->algorithm_names; a++) {
		if (names_have(a->algorithm_names, name)) {
			take_fns(f, a->implementation);
			break;
		}
	}
	if (algs)
		OSSL_PROVIDER_unquery_operation(prov, OSSL_OP_CIPHER, algs);
	return f->newctx && f->freectx && f->einit && f->dinit && f->update && f->final &&
	       f->get_params && f->set_params;
}

/* The provider's encrypt or decrypt init, whichever the context is for. */
static bool prov_init(struct rove_cipher *c, const uint8_t *key, size_t key_len,
		      const uint8_t *iv, size_t iv_len, const OSSL_PARAM *params)
{
	return (c->encrypt ? c->f.einit : c->f.dinit)(c->algctx, key, key_len, iv, iv_len,
						      params) > 0;
}

static bool direct_setup(struct rove_cipher *c, const uint8_t *key, size_t key_len)
{
	void *provctx = OSSL_PROVIDER_get0_provider_ctx(EVP_CIPHER_get0_provider(c->alg));
	unsigned int pad = 0;
	OSSL_PARAM params[2] = { OSSL_PARAM_END, OSSL_PARAM_END };

	if (!find_fns(c->alg, &c->f))
		return false;
	c->algctx = c->f.newctx(provctx);
	if (!c->algctx)
		return false;
	/* AEADs take no padding parameter; block modes must not pad. */
	if (!(EVP_CIPHER_get_flags(c->alg) & EVP_CIPH_FLAG_AEAD_CIPHER))
		params[0] = OSSL_PARAM_construct_uint(OSSL_CIPHER_PARAM_PADDING, &pad);
	if (prov_init(c, key, key_len, NULL, 0, params))
		return true;
	c->f.freectx(c->algctx);
	c->algctx = NULL;
	return false;
}

static bool evp_setup(struct rove_cipher *c, const uint8_t *key)
{
	c->evp = EVP_CIPHER_CTX_new();
	return c->evp && EVP_CipherInit_ex2(c->evp, c->alg, key, NULL, c->encrypt, NULL) &&
	       EVP_CIPHER_CTX_set_padding(c->evp, 0);
}

struct rove_cipher *rove_cipher_new(const char *name, const uint8_t *key, size_t key_len,
				    bool encrypt, unsigned flags, struct rove_err *err)
{
	struct rove_cipher *c = calloc(1, sizeof(*c));

	if (!c) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	c->encrypt = encrypt;
	c->alg = EVP_CIPHER_fetch(NULL, name, NULL);
	if (c->alg && (size_t)EVP_CIPHER_get_key_length(c->alg) == key_len &&
	    ((!(flags & ROVE_CIPHER_EVP) && direct_setup(c, key, key_len)) ||
	     evp_setup(c, key)))
		return c;
	rove_cipher_free(c);
	rove_err_set(err, ROVE_E_CRYPTO, _("cannot set up %s"), name);
	return NULL;
}

void rove_cipher_free(struct rove_cipher *c)
{
	if (!c)
		return;
	/* Both free functions cleanse the key schedule. */
	if (c->algctx)
		c->f.freectx(c->algctx);
	EVP_CIPHER_CTX_free(c->evp);
	EVP_CIPHER_free(c->alg);
	free(c);
}

bool rove_cipher_direct(const struct rove_cipher *c)
{
	return c->algctx != NULL;
}

static bool init_iv(struct rove_cipher *c, const uint8_t *iv, size_t iv_len,
		    const OSSL_PARAM *params)
{
	if (!c->algctx)
		return EVP_CipherInit_ex2(c->evp, NULL, NULL, iv, -1, params) > 0;
	return prov_init(c, NULL, 0, iv, iv_len, params);
}

static bool update(struct rove_cipher *c, uint8_t *out, const uint8_t *in, size_t n)
{
	size_t outl = 0;
	int outl_evp = 0;

	if (n > INT32_MAX)
		return false;
	if (!c->algctx)
		return EVP_CipherUpdate(c->evp, out, &outl_evp, in, (int)n) &&
		       (!out || (size_t)outl_evp == n);
	/* Providers check the output size even for AAD, which has none. */
	return c->f.update(c->algctx, out, &outl, n, in, n) > 0 && (!out || outl == n);
}

static bool final(struct rove_cipher *c, uint8_t *out)
{
	size_t outl = 0;
	int outl_evp = 0;

	if (!c->algctx)
		return EVP_CipherFinal_ex(c->evp, out, &outl_evp) > 0 && outl_evp == 0;
	return c->f.final(c->algctx, out, &outl, 0) > 0 && outl == 0;
}

bool rove_cipher_aead(struct rove_cipher *c, const uint8_t *nonce, size_t nonce_len,
		      const uint8_t *aad, size_t aad_len, uint8_t *p, size_t n, uint8_t *tag,
		      size_t tag_len)
{
	/* The tag travels as an OSSL_PARAM straight to the provider: opening
	 * passes it with the nonce, sealing reads it after the final call. */
	OSSL_PARAM tp[2] = { OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, tag_len),
			     OSSL_PARAM_END };

	if (!init_iv(c, nonce, nonce_len, c->encrypt ? NULL : tp) ||
	    (aad_len && !update(c, NULL, aad, aad_len)) || (n && !update(c, p, p, n)) ||
	    !final(c, p + n))
		return false;
	if (!c->encrypt)
		return true;
	return c->algctx ? c->f.get_params(c->algctx, tp) > 0
			 : EVP_CIPHER_CTX_get_params(c->evp, tp) > 0;
}

bool rove_cipher_blocks(struct rove_cipher *c, const uint8_t *iv, size_t iv_len,
			const uint8_t *in, uint8_t *out, size_t n)
{
	return (!iv || init_iv(c, iv, iv_len, NULL)) && update(c, out, in, n);
}
