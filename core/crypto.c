/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "crypto.h"
#include "i18n.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ikev2.h"

/* --- algorithm tables --------------------------------------------------- */

struct prf_alg {
	uint16_t id;
	const char *md;
	size_t len;
	const char *name;
};

static const struct prf_alg prf_algs[] = {
	{ ROVE_PRF_HMAC_SHA1, "SHA1", 20, "prfsha1" },
	{ ROVE_PRF_HMAC_SHA2_256, "SHA2-256", 32, "prfsha256" },
	{ ROVE_PRF_HMAC_SHA2_384, "SHA2-384", 48, "prfsha384" },
	{ ROVE_PRF_HMAC_SHA2_512, "SHA2-512", 64, "prfsha512" },
};

struct integ_alg {
	uint16_t id;
	const char *md;
	size_t key_len, icv_len;
	const char *name;
};

static const struct integ_alg integ_algs[] = {
	{ ROVE_INTEG_HMAC_SHA1_96, "SHA1", 20, 12, "sha1" },
	{ ROVE_INTEG_HMAC_SHA2_256_128, "SHA2-256", 32, 16, "sha256" },
	{ ROVE_INTEG_HMAC_SHA2_384_192, "SHA2-384", 48, 24, "sha384" },
	{ ROVE_INTEG_HMAC_SHA2_512_256, "SHA2-512", 64, 32, "sha512" },
};

/* One row per (transform, key size) we can run; `cipher` indexes the cache
 * of fetched EVP_CIPHERs. */
struct encr_alg {
	uint16_t id;
	uint16_t bits;
	const char *evp;
};

static const struct encr_alg encr_algs[] = {
	{ ROVE_ENCR_AES_CBC, 128, "AES-128-CBC" },
	{ ROVE_ENCR_AES_CBC, 192, "AES-192-CBC" },
	{ ROVE_ENCR_AES_CBC, 256, "AES-256-CBC" },
	{ ROVE_ENCR_AES_GCM_8, 128, "AES-128-GCM" },
	{ ROVE_ENCR_AES_GCM_8, 192, "AES-192-GCM" },
	{ ROVE_ENCR_AES_GCM_8, 256, "AES-256-GCM" },
	{ ROVE_ENCR_AES_GCM_12, 128, "AES-128-GCM" },
	{ ROVE_ENCR_AES_GCM_12, 192, "AES-192-GCM" },
	{ ROVE_ENCR_AES_GCM_12, 256, "AES-256-GCM" },
	{ ROVE_ENCR_AES_GCM_16, 128, "AES-128-GCM" },
	{ ROVE_ENCR_AES_GCM_16, 192, "AES-192-GCM" },
	{ ROVE_ENCR_AES_GCM_16, 256, "AES-256-GCM" },
	{ ROVE_ENCR_CHACHA20_POLY1305, 256, "ChaCha20-Poly1305" },
};

#define N_ENCR (sizeof(encr_algs) / sizeof(encr_algs[0]))

/* --- the fetch cache ----------------------------------------------------- */

/* Fetching is a provider-store lookup with locking; doing it once per
 * process keeps per-packet work to the cipher itself. The pointers are set
 * once under CRYPTO_THREAD_run_once and only read afterwards. */
static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MAC *hmac_mac;
static EVP_CIPHER *ciphers[N_ENCR];

static void fetch_all(void)
{
	hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	for (size_t i = 0; i < N_ENCR; i++)
		ciphers[i] = EVP_CIPHER_fetch(NULL, encr_algs[i].evp, NULL);
}

static bool fetched(void)
{
	return CRYPTO_THREAD_run_once(&fetch_once, fetch_all) == 1;
}

static const struct prf_alg *find_prf(uint16_t id)
{
	for (size_t i = 0; i < sizeof(prf_algs) / sizeof(prf_algs[0]); i++)
		if (prf_algs[i].id == id)
			return &prf_algs[i];
	return NULL;
}

static const struct integ_alg *find_integ(uint16_t id)
{
	for (size_t i = 0; i < sizeof(integ_algs) / sizeof(integ_algs[0]); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

/* ChaCha20-Poly1305 has a fixed key size and is negotiated without a key
 * length attribute, so 0 means 256 there. */
static int find_encr(uint16_t id, uint16_t bits)
{
	if (id == ROVE_ENCR_CHACHA20_POLY1305 && bits == 0)
		bits = 256;
	for (size_t i = 0; i < N_ENCR; i++)
		if (encr_algs[i].id == id && encr_algs[i].bits == bits)
			return (int)i;
	return -1;
}

static bool encr_known(uint16_t encr)
{
	for (size_t i = 0; i < N_ENCR; i++)
		if (encr_algs[i].id == encr)
			return true;
	return false;
}

/* --- facts ---------------------------------------------------------------- */

size_t rove_prf_len(uint16_t prf)
{
	const struct prf_alg *a = find_prf(prf);

	return a ? a->len : 0;
}

size_t rove_integ_key_len(uint16_t integ)
{
	const struct integ_alg *a = find_integ(integ);

	return a ? a->key_len : 0;
}

size_t rove_integ_icv_len(uint16_t integ)
{
	const struct integ_alg *a = find_integ(integ);

	return a ? a->icv_len : 0;
}

bool rove_encr_is_aead(uint16_t encr)
{
	switch (encr) {
	case ROVE_ENCR_AES_GCM_8:
	case ROVE_ENCR_AES_GCM_12:
	case ROVE_ENCR_AES_GCM_16:
	case ROVE_ENCR_CHACHA20_POLY1305:
		return true;
	default:
		return false;
	}
}

size_t rove_encr_key_len(uint16_t encr, uint16_t key_bits)
{
	int i = find_encr(encr, key_bits);

	if (i < 0)
		return 0;
	return encr_algs[i].bits / 8 + (rove_encr_is_aead(encr) ? ROVE_AEAD_SALT_LEN : 0);
}

size_t rove_encr_iv_len(uint16_t encr)
{
	if (!encr_known(encr))
		return 0;
	return rove_encr_is_aead(encr) ? ROVE_AEAD_IV_LEN : 16;
}

size_t rove_encr_block_len(uint16_t encr)
{
	if (!encr_known(encr))
		return 0;
	return rove_encr_is_aead(encr) ? 1 : 16;
}

size_t rove_encr_icv_len(uint16_t encr)
{
	switch (encr) {
	case ROVE_ENCR_AES_GCM_8:
		return 8;
	case ROVE_ENCR_AES_GCM_12:
		return 12;
	case ROVE_ENCR_AES_GCM_16:
	case ROVE_ENCR_CHACHA20_POLY1305:
		return 16;
	default:
		return 0;
	}
}

bool rove_dh_supported(uint16_t group)
{
	switch (group) {
	case ROVE_DH_MODP2048:
	case ROVE_DH_MODP3072:
	case ROVE_DH_MODP4096:
	case ROVE_DH_ECP256:
	case ROVE_DH_ECP384:
	case ROVE_DH_ECP521:
	case ROVE_DH_CURVE25519:
	case ROVE_DH_CURVE448:
		return true;
	default:
		return false;
	}
}

/* --- names ------------------------------------------------------------------ */

const char *rove_encr_name(uint16_t encr, uint16_t key_bits, char *buf, size_t len)
{
	unsigned int icv = (unsigned int)rove_encr_icv_len(encr);

	if (!buf || len == 0)
		return "";
	switch (encr) {
	case ROVE_ENCR_AES_CBC:
		snprintf(buf, len, "aes%u", key_bits);
		break;
	case ROVE_ENCR_AES_CTR:
		snprintf(buf, len, "aes%uctr", key_bits);
		break;
	case ROVE_ENCR_AES_GCM_8:
	case ROVE_ENCR_AES_GCM_12:
	case ROVE_ENCR_AES_GCM_16:
		snprintf(buf, len, "aes%ugcm%u", key_bits, icv);
		break;
	case ROVE_ENCR_CHACHA20_POLY1305:
		snprintf(buf, len, "chacha20poly1305");
		break;
	case ROVE_ENCR_3DES:
		snprintf(buf, len, "3des");
		break;
	case ROVE_ENCR_NULL:
		snprintf(buf, len, "null");
		break;
	default:
		snprintf(buf, len, "encr%u", encr);
		break;
	}
	return buf;
}

const char *rove_integ_name(uint16_t integ)
{
	const struct integ_alg *a = find_integ(integ);

	if (a)
		return a->name;
	switch (integ) {
	case ROVE_INTEG_NONE:
		return "none";
	case ROVE_INTEG_HMAC_MD5_96:
		return "md5";
	default:
		return "unknown";
	}
}

const char *rove_prf_name(uint16_t prf)
{
	const struct prf_alg *a = find_prf(prf);

	if (a)
		return a->name;
	return prf == ROVE_PRF_HMAC_MD5 ? "prfmd5" : "unknown";
}

const char *rove_dh_name(uint16_t group)
{
	/* Names also for groups we refuse, so a gateway's INVALID_KE_PAYLOAD
	 * request can be reported in words. */
	switch (group) {
	case ROVE_DH_NONE:
		return "none";
	case 1:
		return "modp768";
	case ROVE_DH_MODP1024:
		return "modp1024";
	case ROVE_DH_MODP1536:
		return "modp1536";
	case ROVE_DH_MODP2048:
		return "modp2048";
	case ROVE_DH_MODP3072:
		return "modp3072";
	case ROVE_DH_MODP4096:
		return "modp4096";
	case 17:
		return "modp6144";
	case 18:
		return "modp8192";
	case ROVE_DH_ECP256:
		return "ecp256";
	case ROVE_DH_ECP384:
		return "ecp384";
	case ROVE_DH_ECP521:
		return "ecp521";
	case 22:
		return "modp1024s160";
	case 23:
		return "modp2048s224";
	case 24:
		return "modp2048s256";
	case 25:
		return "ecp192";
	case 26:
		return "ecp224";
	case 27:
		return "ecp224bp";
	case 28:
		return "ecp256bp";
	case 29:
		return "ecp384bp";
	case 30:
		return "ecp512bp";
	case ROVE_DH_CURVE25519:
		return "x25519";
	case ROVE_DH_CURVE448:
		return "x448";
	default:
		return "unknown";
	}
}

/* --- HMAC ------------------------------------------------------------------- */

static EVP_MAC_CTX *hmac_new(const char *md, const uint8_t *key, size_t klen, struct rove_err *err)
{
	/* A zero-length key must still be a non-NULL pointer: NULL tells
	 * EVP_MAC_init to reuse a previous key. */
	static const uint8_t empty[1];
	OSSL_PARAM params[2];
	EVP_MAC_CTX *c;

	if (!fetched() || !hmac_mac) {
		rove_err_set(err, ROVE_E_CRYPTO, _("HMAC is not available from OpenSSL"));
		return NULL;
	}
	c = EVP_MAC_CTX_new(hmac_mac);
	if (!c) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory for an HMAC context"));
		return NULL;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(c, klen ? key : empty, klen, params) != 1) {
		EVP_MAC_CTX_free(c);
		rove_err_set(err, ROVE_E_CRYPTO, _("HMAC-%s setup failed"), md);
		return NULL;
	}
	return c;
}

/* Feeds parts into an initialised context and writes the full digest. */
static int hmac_run(EVP_MAC_CTX *c, const struct rove_bytes *parts, size_t nparts, uint8_t *out,
		    size_t outcap, struct rove_err *err)
{
	size_t n = 0;

	for (size_t i = 0; i < nparts; i++)
		if (parts[i].len && EVP_MAC_update(c, parts[i].ptr, parts[i].len) != 1)
			return rove_err_set(err, ROVE_E_CRYPTO, _("HMAC update failed"));
	if (EVP_MAC_final(c, out, &n, outcap) != 1)
		return rove_err_set(err, ROVE_E_CRYPTO, _("HMAC final failed"));
	return 0;
}

static int hmac_v(const char *md, const uint8_t *key, size_t klen, const struct rove_bytes *parts,
		  size_t nparts, uint8_t *out, size_t outcap, struct rove_err *err)
{
	EVP_MAC_CTX *c = hmac_new(md, key, klen, err);
	int rc;

	if (!c)
		return -1;
	rc = hmac_run(c, parts, nparts, out, outcap, err);
	EVP_MAC_CTX_free(c);
	return rc;
}

int rove_prf_v(uint16_t prf, const uint8_t *key, size_t klen, const struct rove_bytes *parts,
	       size_t nparts, uint8_t *out, struct rove_err *err)
{
	const struct prf_alg *a = find_prf(prf);

	if (!a)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported PRF %u"), prf);
	return hmac_v(a->md, key, klen, parts, nparts, out, a->len, err);
}

int rove_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
	     uint8_t *out, struct rove_err *err)
{
	struct rove_bytes part = { data, dlen };

	return rove_prf_v(prf, key, klen, &part, 1, out, err);
}

int rove_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *seed, size_t slen,
		  uint8_t *out, size_t outlen, struct rove_err *err)
{
	const struct prf_alg *a = find_prf(prf);
	uint8_t t[ROVE_PRF_MAX], ctr;
	struct rove_bytes parts[3];
	EVP_MAC_CTX *c;
	size_t done = 0;
	int rc = 0;

	if (!a)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported PRF %u"), prf);
	if (outlen > 255 * a->len)
		return rove_err_set(err, ROVE_E_INVAL, _("prf+ cannot give %zu bytes"), outlen);
	c = hmac_new(a->md, key, klen, err);
	if (!c)
		return -1;
	/* T(n) = prf(K, T(n-1) | S | n), with T(0) empty. */
	for (unsigned int n = 1; done < outlen; n++) {
		size_t take = outlen - done < a->len ? outlen - done : a->len;

		ctr = (uint8_t)n;
		parts[0] = (struct rove_bytes){ t, n == 1 ? 0 : a->len };
		parts[1] = (struct rove_bytes){ seed, slen };
		parts[2] = (struct rove_bytes){ &ctr, 1 };
		/* A NULL key re-initialises the context with the same key. */
		if ((n > 1 && EVP_MAC_init(c, NULL, 0, NULL) != 1)) {
			rc = rove_err_set(err, ROVE_E_CRYPTO, _("HMAC re-init failed"));
			break;
		}
		rc = hmac_run(c, parts, 3, t, sizeof(t), err);
		if (rc < 0)
			break;
		memcpy(out + done, t, take);
		done += take;
	}
	EVP_MAC_CTX_free(c);
	rove_wipe(t, sizeof(t));
	if (rc < 0)
		rove_wipe(out, outlen);
	return rc;
}

int rove_integ(uint16_t integ, const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
	       uint8_t *icv, struct rove_err *err)
{
	const struct integ_alg *a = find_integ(integ);
	struct rove_bytes part = { data, dlen };
	uint8_t full[ROVE_PRF_MAX];

	if (!a)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported integrity algorithm %u"),
				    integ);
	if (klen != a->key_len)
		return rove_err_set(err, ROVE_E_INVAL, _("integrity key is %zu bytes, want %zu"), klen,
				    a->key_len);
	if (hmac_v(a->md, key, klen, &part, 1, full, sizeof(full), err) < 0)
		return -1;
	memcpy(icv, full, a->icv_len);
	rove_wipe(full, sizeof(full));
	return 0;
}

/* --- ciphers ------------------------------------------------------------------ */

static const EVP_CIPHER *cipher_for(uint16_t encr, size_t klen, struct rove_err *err)
{
	bool aead = rove_encr_is_aead(encr);
	size_t bits;
	int i;

	if (aead && klen < ROVE_AEAD_SALT_LEN)
		goto bad;
	bits = (klen - (aead ? ROVE_AEAD_SALT_LEN : 0)) * 8;
	if (bits > UINT16_MAX)
		goto bad;
	i = find_encr(encr, (uint16_t)bits);
	if (i < 0)
		goto bad;
	if (!fetched() || !ciphers[i]) {
		rove_err_set(err, ROVE_E_CRYPTO, _("%s is not available from OpenSSL"),
			     encr_algs[i].evp);
		return NULL;
	}
	return ciphers[i];
bad:
	rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported cipher %u with a %zu-byte key"), encr,
		     klen);
	return NULL;
}

/* Sets up an AEAD context with key and nonce = salt | iv and feeds the AAD. */
static EVP_CIPHER_CTX *aead_start(uint16_t encr, const uint8_t *key, size_t klen,
				  const uint8_t *iv, const uint8_t *aad, size_t aadlen, int enc,
				  struct rove_err *err)
{
	const EVP_CIPHER *ciph;
	uint8_t nonce[ROVE_AEAD_SALT_LEN + ROVE_AEAD_IV_LEN];
	EVP_CIPHER_CTX *c;
	int n;

	if (!rove_encr_is_aead(encr)) {
		rove_err_set(err, ROVE_E_INVAL, _("cipher %u is not an AEAD"), encr);
		return NULL;
	}
	ciph = cipher_for(encr, klen, err);
	if (!ciph)
		return NULL;
	if (aadlen > INT_MAX) {
		rove_err_set(err, ROVE_E_INVAL, _("AAD too long"));
		return NULL;
	}
	c = EVP_CIPHER_CTX_new();
	if (!c) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory for a cipher context"));
		return NULL;
	}
	memcpy(nonce, key + klen - ROVE_AEAD_SALT_LEN, ROVE_AEAD_SALT_LEN);
	memcpy(nonce + ROVE_AEAD_SALT_LEN, iv, ROVE_AEAD_IV_LEN);
	/* The default nonce length of both GCM and ChaCha20-Poly1305 is the
	 * 12 bytes we use. */
	n = EVP_CipherInit_ex2(c, ciph, key, nonce, enc, NULL);
	rove_wipe(nonce, sizeof(nonce)); /* its salt is the end of the key */
	if (n != 1 || (aadlen && EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) != 1)) {
		EVP_CIPHER_CTX_free(c);
		rove_err_set(err, ROVE_E_CRYPTO, _("AEAD setup failed"));
		return NULL;
	}
	return c;
}

int rove_aead_seal(uint16_t encr, const uint8_t *key, size_t klen, const uint8_t *iv,
		   const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
		   uint8_t *tag, struct rove_err *err)
{
	size_t taglen = rove_encr_icv_len(encr);
	EVP_CIPHER_CTX *c;
	int n = 0, m = 0, rc = 0;

	if (len > INT_MAX)
		return rove_err_set(err, ROVE_E_INVAL, _("AEAD input too long"));
	c = aead_start(encr, key, klen, iv, aad, aadlen, 1, err);
	if (!c)
		return -1;
	if ((len && EVP_EncryptUpdate(c, out, &n, in, (int)len) != 1) ||
	    EVP_EncryptFinal_ex(c, out + n, &m) != 1 || (size_t)(n + m) != len ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)taglen, tag) != 1)
		rc = rove_err_set(err, ROVE_E_CRYPTO, _("AEAD encryption failed"));
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int rove_aead_open(uint16_t encr, const uint8_t *key, size_t klen, const uint8_t *iv,
		   const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
		   const uint8_t *tag, uint8_t *out, struct rove_err *err)
{
	size_t taglen = rove_encr_icv_len(encr);
	uint8_t tagbuf[16];
	EVP_CIPHER_CTX *c;
	int n = 0, m = 0, rc = 0;

	if (len > INT_MAX)
		return rove_err_set(err, ROVE_E_INVAL, _("AEAD input too long"));
	c = aead_start(encr, key, klen, iv, aad, aadlen, 0, err);
	if (!c)
		return -1;
	/* The ctrl takes a non-const pointer. */
	memcpy(tagbuf, tag, taglen);
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)taglen, tagbuf) != 1 ||
	    (len && EVP_DecryptUpdate(c, out, &n, in, (int)len) != 1)) {
		rc = rove_err_set(err, ROVE_E_CRYPTO, _("AEAD decryption failed"));
	} else if (EVP_DecryptFinal_ex(c, out + n, &m) != 1) {
		rc = rove_err_set(err, ROVE_E_CRYPTO, _("integrity check failed"));
	}
	if (rc < 0 && len)
		rove_wipe(out, len);
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int rove_cbc_crypt(uint16_t encr, const uint8_t *key, size_t klen, const uint8_t *iv,
		   const uint8_t *in, size_t len, uint8_t *out, bool encrypt, struct rove_err *err)
{
	const EVP_CIPHER *ciph;
	EVP_CIPHER_CTX *c;
	int n = 0, m = 0, rc = 0;

	if (encr != ROVE_ENCR_AES_CBC)
		return rove_err_set(err, ROVE_E_INVAL, _("cipher %u is not AES-CBC"), encr);
	if (len % 16 || len > INT_MAX)
		return rove_err_set(err, ROVE_E_INVAL, _("CBC input of %zu bytes is not whole blocks"),
				    len);
	ciph = cipher_for(encr, klen, err);
	if (!ciph)
		return -1;
	c = EVP_CIPHER_CTX_new();
	if (!c)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory for a cipher context"));
	if (EVP_CipherInit_ex2(c, ciph, key, iv, encrypt ? 1 : 0, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    (len && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1) ||
	    EVP_CipherFinal_ex(c, out + n, &m) != 1 || (size_t)(n + m) != len)
		rc = rove_err_set(err, ROVE_E_CRYPTO, _("AES-CBC %s failed"),
				  encrypt ? _("encryption") : _("decryption"));
	EVP_CIPHER_CTX_free(c);
	return rc;
}
