/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dh.h"
#include "i18n.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "buf.h"
#include "crypto.h"
#include "ikev2.h"

enum kind { K_XDH, K_ECP, K_MODP };

struct group {
	uint16_t id;
	enum kind kind;
	const char *name; /* OpenSSL key type (XDH) or group name */
	size_t len;       /* raw key / field / prime length in bytes */
	size_t exp_len;   /* MODP private exponent bytes */
	int nid;          /* ECP curve */
};

/* MODP exponents are at least twice the group's security strength
 * (NIST SP 800-56A); a full-size exponent would only cost time. */
static const struct group groups[] = {
	{ ROVE_DH_MODP2048, K_MODP, "modp_2048", 256, 32, 0 },
	{ ROVE_DH_MODP3072, K_MODP, "modp_3072", 384, 48, 0 },
	{ ROVE_DH_MODP4096, K_MODP, "modp_4096", 512, 64, 0 },
	{ ROVE_DH_ECP256, K_ECP, "prime256v1", 32, 0, NID_X9_62_prime256v1 },
	{ ROVE_DH_ECP384, K_ECP, "secp384r1", 48, 0, NID_secp384r1 },
	{ ROVE_DH_ECP521, K_ECP, "secp521r1", 66, 0, NID_secp521r1 },
	{ ROVE_DH_CURVE25519, K_XDH, "X25519", 32, 0, 0 },
	{ ROVE_DH_CURVE448, K_XDH, "X448", 56, 0, 0 },
};

struct rove_dh {
	const struct group *g;
	EVP_PKEY *key;
	BIGNUM *p; /* MODP prime, for the peer range check */
	uint8_t pub[ROVE_DH_MAX];
	size_t pub_len;
};

/* Scalar draws that miss the valid range are retried; for the curves here
 * a miss has probability below 2^-32, so this bound is never reached by a
 * working generator. */
#define MAX_DRAWS 16

static const struct group *find_group(uint16_t id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

/* Builds a key from OSSL_PARAMs; selection is EVP_PKEY_KEYPAIR,
 * EVP_PKEY_PUBLIC_KEY or EVP_PKEY_KEY_PARAMETERS. */
static EVP_PKEY *from_params(const char *type, int selection, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;

	if (c && EVP_PKEY_fromdata_init(c) == 1)
		if (EVP_PKEY_fromdata(c, &k, selection, params) != 1)
			k = NULL;
	EVP_PKEY_CTX_free(c);
	return k;
}

/* --- X25519 / X448 ------------------------------------------------------- */

static int xdh_new(struct rove_dh *dh, const struct rove_rng *rng, struct rove_err *err)
{
	uint8_t priv[56];
	size_t n = sizeof(dh->pub);
	int rc = 0;

	if (rove_rng_fill(rng, priv, dh->g->len) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("random generator failed"));
	dh->key = EVP_PKEY_new_raw_private_key_ex(NULL, dh->g->name, NULL, priv, dh->g->len);
	if (!dh->key || EVP_PKEY_get_raw_public_key(dh->key, dh->pub, &n) != 1 || n != dh->g->len)
		rc = rove_err_set(err, ROVE_E_CRYPTO, _("%s key generation failed"), dh->g->name);
	dh->pub_len = n;
	rove_wipe(priv, sizeof(priv));
	return rc;
}

static EVP_PKEY *xdh_peer(const struct rove_dh *dh, const uint8_t *peer)
{
	return EVP_PKEY_new_raw_public_key_ex(NULL, dh->g->name, NULL, peer, dh->g->len);
}

/* --- ECP -------------------------------------------------------------------- */

/* Draws 1 <= d < order by rejection: no modulo bias, and a test generator
 * that returns an RFC 5903 private key yields exactly that key. */
static BIGNUM *ec_scalar(const EC_GROUP *grp, size_t len, const struct rove_rng *rng,
			 struct rove_err *err)
{
	const BIGNUM *order = EC_GROUP_get0_order(grp);
	int bits = BN_num_bits(order);
	uint8_t buf[66];
	BIGNUM *d = BN_secure_new();

	if (!d) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory for an EC scalar"));
		return NULL;
	}
	for (int i = 0; i < MAX_DRAWS; i++) {
		if (rove_rng_fill(rng, buf, len) < 0) {
			rove_err_set(err, ROVE_E_CRYPTO, _("random generator failed"));
			goto fail;
		}
		if (!BN_bin2bn(buf, (int)len, d))
			break;
		/* P-521: drop the bits above the order's length. */
		if (BN_num_bits(d) > bits && !BN_mask_bits(d, bits))
			break;
		if (!BN_is_zero(d) && BN_cmp(d, order) < 0) {
			rove_wipe(buf, sizeof(buf));
			BN_set_flags(d, BN_FLG_CONSTTIME);
			return d;
		}
	}
	rove_err_set(err, ROVE_E_CRYPTO, _("no valid EC scalar from the random generator"));
fail:
	rove_wipe(buf, sizeof(buf));
	BN_clear_free(d);
	return NULL;
}

/* pub gets the uncompressed point 0x04 | x | y for d * G. */
static int ec_public(const EC_GROUP *grp, const BIGNUM *d, uint8_t *pub, size_t publen)
{
	EC_POINT *pt = EC_POINT_new(grp);
	BN_CTX *bnc = BN_CTX_new();
	int ok = pt && bnc && EC_POINT_mul(grp, pt, d, NULL, NULL, bnc) == 1 &&
		 EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, pub, publen, bnc) ==
			 publen;

	EC_POINT_free(pt);
	BN_CTX_free(bnc);
	return ok ? 0 : -1;
}

static int ec_new(struct rove_dh *dh, const struct rove_rng *rng, struct rove_err *err)
{
	size_t len = dh->g->len, publen = 1 + 2 * len;
	uint8_t pt[1 + 2 * 66], priv[66];
	OSSL_PARAM params[4];
	EC_GROUP *grp;
	BIGNUM *d = NULL;
	int rc = -1;

	grp = EC_GROUP_new_by_curve_name_ex(NULL, NULL, dh->g->nid);
	if (!grp)
		return rove_err_set(err, ROVE_E_CRYPTO, _("curve %s is not available"), dh->g->name);
	d = ec_scalar(grp, len, rng, err);
	if (!d)
		goto out;
	if (ec_public(grp, d, pt, publen) < 0 || BN_bn2nativepad(d, priv, (int)len) < 0) {
		rove_err_set(err, ROVE_E_CRYPTO, _("%s public key computation failed"), dh->g->name);
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)dh->g->name, 0);
	params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, priv, len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, publen);
	params[3] = OSSL_PARAM_construct_end();
	dh->key = from_params("EC", EVP_PKEY_KEYPAIR, params);
	if (!dh->key) {
		rove_err_set(err, ROVE_E_CRYPTO, _("%s key import failed"), dh->g->name);
		goto out;
	}
	/* The KE payload carries x | y without the SEC1 0x04 prefix. */
	memcpy(dh->pub, pt + 1, 2 * len);
	dh->pub_len = 2 * len;
	rc = 0;
out:
	rove_wipe(priv, sizeof(priv));
	BN_clear_free(d);
	EC_GROUP_free(grp);
	return rc;
}

static EVP_PKEY *ec_peer(const struct rove_dh *dh, const uint8_t *peer)
{
	uint8_t pt[1 + 2 * 66];
	OSSL_PARAM params[3];

	/* Import decodes the point and refuses coordinates out of range or
	 * a point that is not on the curve. */
	pt[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(pt + 1, peer, 2 * dh->g->len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)dh->g->name, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt,
						      1 + 2 * dh->g->len);
	params[2] = OSSL_PARAM_construct_end();
	return from_params("EC", EVP_PKEY_PUBLIC_KEY, params);
}

/* --- MODP --------------------------------------------------------------------- */

/* Fetches p and g of a named group (RFC 3526 primes built into OpenSSL). */
static int modp_params(const struct group *g, BIGNUM **p, BIGNUM **gen)
{
	OSSL_PARAM params[2];
	EVP_PKEY *k;
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->name,
						     0);
	params[1] = OSSL_PARAM_construct_end();
	k = from_params("DH", EVP_PKEY_KEY_PARAMETERS, params);
	ok = k && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, p) == 1 &&
	     EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_G, gen) == 1 &&
	     (size_t)BN_num_bytes(*p) == g->len;
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

/* Draws an exponent x >= 2 of exp_len bytes and computes y = g^x mod p. */
static int modp_keypair(struct rove_dh *dh, const BIGNUM *gen, const struct rove_rng *rng,
			BIGNUM *x, BIGNUM *y, struct rove_err *err)
{
	uint8_t buf[64];
	BN_CTX *bnc;
	int ok;

	do {
		if (rove_rng_fill(rng, buf, dh->g->exp_len) < 0 ||
		    !BN_bin2bn(buf, (int)dh->g->exp_len, x)) {
			rove_wipe(buf, sizeof(buf));
			return rove_err_set(err, ROVE_E_CRYPTO, _("random generator failed"));
		}
	} while (BN_num_bits(x) < 2);
	rove_wipe(buf, sizeof(buf));
	BN_set_flags(x, BN_FLG_CONSTTIME);
	bnc = BN_CTX_secure_new();
	ok = bnc && BN_mod_exp(y, gen, x, dh->p, bnc) == 1;
	BN_CTX_free(bnc);
	return ok ? 0 : rove_err_set(err, ROVE_E_CRYPTO, _("modular exponentiation failed"));
}

static int modp_new(struct rove_dh *dh, const struct rove_rng *rng, struct rove_err *err)
{
	size_t len = dh->g->len, xlen = dh->g->exp_len;
	uint8_t xbuf[64], ybuf[512];
	BIGNUM *gen = NULL, *x = BN_secure_new(), *y = BN_new();
	OSSL_PARAM params[4];
	int rc = -1;

	if (!x || !y) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory for DH values"));
		goto out;
	}
	if (modp_params(dh->g, &dh->p, &gen) < 0) {
		rove_err_set(err, ROVE_E_CRYPTO, _("group %s is not available"), dh->g->name);
		goto out;
	}
	if (modp_keypair(dh, gen, rng, x, y, err) < 0)
		goto out;
	if (BN_bn2nativepad(x, xbuf, (int)xlen) < 0 || BN_bn2nativepad(y, ybuf, (int)len) < 0 ||
	    BN_bn2binpad(y, dh->pub, (int)len) < 0) {
		rove_err_set(err, ROVE_E_CRYPTO, _("DH value encoding failed"));
		goto out;
	}
	dh->pub_len = len;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)dh->g->name, 0);
	params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, xbuf, xlen);
	params[2] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PUB_KEY, ybuf, len);
	params[3] = OSSL_PARAM_construct_end();
	dh->key = from_params("DH", EVP_PKEY_KEYPAIR, params);
	if (!dh->key)
		rove_err_set(err, ROVE_E_CRYPTO, _("%s key import failed"), dh->g->name);
	else
		rc = 0;
out:
	rove_wipe(xbuf, sizeof(xbuf));
	BN_clear_free(x);
	BN_free(y);
	BN_free(gen);
	return rc;
}

/* Rejects 0, 1 and p-1 (and anything >= p), whose powers are trivial. */
static EVP_PKEY *modp_peer(const struct rove_dh *dh, const uint8_t *peer, struct rove_err *err)
{
	BIGNUM *y = BN_bin2bn(peer, (int)dh->g->len, NULL), *pm1 = BN_dup(dh->p);
	uint8_t ybuf[512];
	OSSL_PARAM params[3];
	EVP_PKEY *k = NULL;

	if (!y || !pm1 || !BN_sub_word(pm1, 1)) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory for DH values"));
	} else if (BN_is_zero(y) || BN_is_one(y) || BN_cmp(y, pm1) >= 0) {
		rove_err_set(err, ROVE_E_CRYPTO, _("the peer's %s value is invalid (0, 1 or >= p-1)"),
			     rove_dh_name(dh->g->id));
	} else if (BN_bn2nativepad(y, ybuf, (int)dh->g->len) < 0) {
		rove_err_set(err, ROVE_E_CRYPTO, _("DH value encoding failed"));
	} else {
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							     (char *)dh->g->name, 0);
		params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PUB_KEY, ybuf, dh->g->len);
		params[2] = OSSL_PARAM_construct_end();
		k = from_params("DH", EVP_PKEY_PUBLIC_KEY, params);
		if (!k)
			rove_err_set(err, ROVE_E_CRYPTO, _("the peer's %s value is invalid"),
				     rove_dh_name(dh->g->id));
	}
	BN_free(y);
	BN_free(pm1);
	return k;
}

/* --- common --------------------------------------------------------------------- */

struct rove_dh *rove_dh_new(uint16_t group, const struct rove_rng *rng, struct rove_err *err)
{
	const struct group *g = find_group(group);
	struct rove_dh *dh;
	int rc;

	if (!g) {
		rove_err_set(err, ROVE_E_UNSUPPORTED, _("DH group %s (%u) is not supported"),
			     rove_dh_name(group), group);
		return NULL;
	}
	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory for a DH key"));
		return NULL;
	}
	dh->g = g;
	if (g->kind == K_XDH)
		rc = xdh_new(dh, rng, err);
	else if (g->kind == K_ECP)
		rc = ec_new(dh, rng, err);
	else
		rc = modp_new(dh, rng, err);
	if (rc < 0) {
		rove_dh_free(dh);
		return NULL;
	}
	return dh;
}

void rove_dh_free(struct rove_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	BN_free(dh->p);
	rove_wipe(dh, sizeof(*dh));
	free(dh);
}

uint16_t rove_dh_group(const struct rove_dh *dh)
{
	return dh ? dh->g->id : ROVE_DH_NONE;
}

const uint8_t *rove_dh_public(const struct rove_dh *dh, size_t *len)
{
	*len = dh->pub_len;
	return dh->pub;
}

static int derive(struct rove_dh *dh, EVP_PKEY *peer, uint8_t *out, size_t *outlen,
		  struct rove_err *err)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	size_t n = 0;
	int rc = -1;

	/* MODP: keep leading zero bytes so g^ir has the prime's length, as
	 * RFC 7296 2.14 requires. */
	if (!c || EVP_PKEY_derive_init(c) != 1 ||
	    (dh->g->kind == K_MODP && EVP_PKEY_CTX_set_dh_pad(c, 1) != 1)) {
		rove_err_set(err, ROVE_E_CRYPTO, _("DH setup failed"));
	} else if (EVP_PKEY_derive_set_peer_ex(c, peer, 1) != 1) {
		rove_err_set(err, ROVE_E_CRYPTO, _("the peer's %s public value is invalid"),
			     rove_dh_name(dh->g->id));
	} else if (EVP_PKEY_derive(c, NULL, &n) != 1 || n > ROVE_DH_MAX ||
		   EVP_PKEY_derive(c, out, &n) != 1) {
		rove_err_set(err, ROVE_E_CRYPTO, _("%s shared secret computation failed"),
			     rove_dh_name(dh->g->id));
	} else {
		*outlen = n;
		rc = 0;
	}
	EVP_PKEY_CTX_free(c);
	return rc;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int rove_dh_shared(struct rove_dh *dh, const uint8_t *peer, size_t plen, uint8_t *out,
		   size_t *outlen, struct rove_err *err)
{
	size_t want = dh->g->kind == K_ECP ? 2 * dh->g->len : dh->g->len;
	EVP_PKEY *pk = NULL;
	int rc;

	*outlen = 0;
	if (plen != want)
		return rove_err_set(err, ROVE_E_PARSE, _("%s KE data is %zu bytes, want %zu"),
				    rove_dh_name(dh->g->id), plen, want);
	if (dh->g->kind == K_XDH)
		pk = xdh_peer(dh, peer);
	else if (dh->g->kind == K_ECP)
		pk = ec_peer(dh, peer);
	else if (!(pk = modp_peer(dh, peer, err)))
		return -1;
	if (!pk)
		return rove_err_set(err, ROVE_E_CRYPTO, _("the peer's %s public value is invalid"),
				    rove_dh_name(dh->g->id));
	rc = derive(dh, pk, out, outlen, err);
	EVP_PKEY_free(pk);
	/* X25519/X448 of a small-order point is zero: RFC 7748 section 6.1
	 * says to abort, since the "secret" is then known to anyone. */
	if (rc == 0 && dh->g->kind == K_XDH && all_zero(out, *outlen)) {
		rove_wipe(out, *outlen);
		*outlen = 0;
		rc = rove_err_set(err, ROVE_E_CRYPTO, _("the peer's %s value gives a zero secret"),
				  rove_dh_name(dh->g->id));
	}
	return rc;
}
