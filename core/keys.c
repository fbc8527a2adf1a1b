/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "keys.h"
#include "i18n.h"

#include <string.h>

#include "crypto.h"

/* Checks an encr/integ pair and gives the key lengths it needs. */
static int suite_lengths(uint16_t encr, uint16_t bits, uint16_t integ, size_t *elen,
			 size_t *ilen, struct rove_err *err)
{
	*elen = rove_encr_key_len(encr, bits);
	if (*elen == 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED,
				    _("unsupported encryption %u with %u-bit keys"), encr, bits);
	if (rove_encr_is_aead(encr)) {
		if (integ != 0)
			return rove_err_set(err, ROVE_E_INVAL,
					    _("an AEAD cipher takes no integrity algorithm"));
		*ilen = 0;
		return 0;
	}
	*ilen = rove_integ_key_len(integ);
	if (*ilen == 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported integrity algorithm %u"),
				    integ);
	return 0;
}

/* Copies n bytes of key material and advances the cursor. */
static const uint8_t *take(uint8_t *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	return src + n;
}

/* {SK_d | SK_ai | ...} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) with the
 * suite's PRF, into out. */
static int expand_ike_keys(const struct rove_ike_suite *suite, const uint8_t *skeyseed,
			   size_t seedlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			   size_t nrlen, const uint8_t spi_i[8], const uint8_t spi_r[8],
			   struct rove_ike_keys *out, struct rove_err *err)
{
	size_t plen = rove_prf_len(suite->prf), elen, ilen, total;
	uint8_t km[3 * 64 + 2 * 64 + 2 * 36];
	struct rove_buf seed;
	const uint8_t *p = km;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (plen == 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported PRF %u"), suite->prf);
	if (suite_lengths(suite->encr, suite->encr_bits, suite->integ, &elen, &ilen, err) < 0)
		return -1;
	total = 3 * plen + 2 * ilen + 2 * elen;
	rove_buf_init(&seed);
	rove_buf_add(&seed, ni, nilen);
	rove_buf_add(&seed, nr, nrlen);
	rove_buf_add(&seed, spi_i, 8);
	rove_buf_add(&seed, spi_r, 8);
	if (seed.failed) {
		rc = rove_err_set(err, ROVE_E_NOMEM, _("out of memory for the key schedule"));
		goto out;
	}
	if (rove_prf_plus(suite->prf, skeyseed, seedlen, seed.data, seed.len, km, total, err) < 0)
		goto out;
	out->suite = *suite;
	out->prf_len = plen;
	out->integ_len = ilen;
	out->encr_len = elen;
	p = take(out->sk_d, p, plen);
	p = take(out->sk_ai, p, ilen);
	p = take(out->sk_ar, p, ilen);
	p = take(out->sk_ei, p, elen);
	p = take(out->sk_er, p, elen);
	p = take(out->sk_pi, p, plen);
	take(out->sk_pr, p, plen);
	rc = 0;
out:
	rove_buf_free(&seed);
	rove_wipe(km, sizeof(km));
	return rc;
}

int rove_ike_keys_derive(const struct rove_ike_suite *suite, const uint8_t *ni, size_t nilen,
			 const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
			 const uint8_t spi_i[8], const uint8_t spi_r[8], struct rove_ike_keys *out,
			 struct rove_err *err)
{
	size_t plen = rove_prf_len(suite->prf);
	uint8_t skeyseed[ROVE_PRF_MAX];
	struct rove_buf seed;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (plen == 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported PRF %u"), suite->prf);
	if (nilen == 0 || nrlen == 0 || girlen == 0)
		return rove_err_set(err, ROVE_E_INVAL, _("empty nonce or DH secret"));
	/* SKEYSEED = prf(Ni | Nr, g^ir): the key is the nonce concatenation. */
	rove_buf_init(&seed);
	rove_buf_add(&seed, ni, nilen);
	rove_buf_add(&seed, nr, nrlen);
	if (seed.failed)
		rc = rove_err_set(err, ROVE_E_NOMEM, _("out of memory for the key schedule"));
	else if (rove_prf(suite->prf, seed.data, seed.len, gir, girlen, skeyseed, err) == 0)
		rc = expand_ike_keys(suite, skeyseed, plen, ni, nilen, nr, nrlen, spi_i, spi_r, out,
				     err);
	rove_buf_free(&seed);
	rove_wipe(skeyseed, sizeof(skeyseed));
	return rc;
}

int rove_ike_keys_derive_rekey(uint16_t old_prf, const uint8_t *old_sk_d, size_t sk_d_len,
			       const struct rove_ike_suite *suite, const uint8_t *ni, size_t nilen,
			       const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
			       const uint8_t spi_i[8], const uint8_t spi_r[8],
			       struct rove_ike_keys *out, struct rove_err *err)
{
	size_t plen = rove_prf_len(old_prf);
	uint8_t skeyseed[ROVE_PRF_MAX];
	struct rove_buf data;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (plen == 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported PRF %u"), old_prf);
	if (nilen == 0 || nrlen == 0 || girlen == 0)
		return rove_err_set(err, ROVE_E_INVAL, _("empty nonce or DH secret"));
	/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's
	 * PRF (RFC 7296 2.18); prf+ then uses the new SA's. */
	rove_buf_init(&data);
	rove_buf_add(&data, gir, girlen);
	rove_buf_add(&data, ni, nilen);
	rove_buf_add(&data, nr, nrlen);
	if (data.failed)
		rc = rove_err_set(err, ROVE_E_NOMEM, _("out of memory for the key schedule"));
	else if (rove_prf(old_prf, old_sk_d, sk_d_len, data.data, data.len, skeyseed, err) == 0)
		rc = expand_ike_keys(suite, skeyseed, plen, ni, nilen, nr, nrlen, spi_i, spi_r, out,
				     err);
	rove_buf_free(&data);
	rove_wipe(skeyseed, sizeof(skeyseed));
	return rc;
}

void rove_ike_keys_wipe(struct rove_ike_keys *k)
{
	rove_wipe(k, sizeof(*k));
}

int rove_child_keys_derive(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len,
			   const struct rove_esp_suite *suite, const uint8_t *gir, size_t girlen,
			   const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			   struct rove_child_keys *out, struct rove_err *err)
{
	uint8_t km[2 * 64 + 2 * 36];
	struct rove_buf seed;
	const uint8_t *p = km;
	size_t elen, ilen;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (rove_prf_len(prf) == 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported PRF %u"), prf);
	if (suite_lengths(suite->encr, suite->encr_bits, suite->integ, &elen, &ilen, err) < 0)
		return -1;
	rove_buf_init(&seed);
	if (gir)
		rove_buf_add(&seed, gir, girlen);
	rove_buf_add(&seed, ni, nilen);
	rove_buf_add(&seed, nr, nrlen);
	if (seed.failed) {
		rc = rove_err_set(err, ROVE_E_NOMEM, _("out of memory for the key schedule"));
		goto out;
	}
	if (rove_prf_plus(prf, sk_d, sk_d_len, seed.data, seed.len, km, 2 * (elen + ilen), err) < 0)
		goto out;
	out->encr_len = elen;
	out->integ_len = ilen;
	p = take(out->ei, p, elen);
	p = take(out->ai, p, ilen);
	p = take(out->er, p, elen);
	take(out->ar, p, ilen);
	rc = 0;
out:
	rove_buf_free(&seed);
	rove_wipe(km, sizeof(km));
	return rc;
}

int rove_auth_octets(uint16_t prf, const uint8_t *sk_p, size_t sk_p_len, const uint8_t *real_msg,
		     size_t real_len, const uint8_t *nonce, size_t nonce_len,
		     const uint8_t *id_body, size_t id_len, struct rove_buf *out,
		     struct rove_err *err)
{
	uint8_t mac[ROVE_PRF_MAX];

	if (rove_prf(prf, sk_p, sk_p_len, id_body, id_len, mac, err) < 0)
		return -1;
	rove_buf_add(out, real_msg, real_len);
	rove_buf_add(out, nonce, nonce_len);
	rove_buf_add(out, mac, rove_prf_len(prf));
	rove_wipe(mac, sizeof(mac));
	if (out->failed)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory for the AUTH octets"));
	return 0;
}

int rove_auth_psk(uint16_t prf, const uint8_t *secret, size_t slen, const uint8_t *octets,
		  size_t olen, uint8_t *out, struct rove_err *err)
{
	/* RFC 7296 2.15: the pad string is 17 ASCII characters, no NUL. */
	static const char pad[] = "Key Pad for IKEv2";
	uint8_t key[ROVE_PRF_MAX];
	int rc;

	if (rove_prf(prf, secret, slen, (const uint8_t *)pad, sizeof(pad) - 1, key, err) < 0)
		return -1;
	rc = rove_prf(prf, key, rove_prf_len(prf), octets, olen, out, err);
	rove_wipe(key, sizeof(key));
	return rc;
}
