/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sk.h"
#include "i18n.h"

#include <string.h>

#include "crypto.h"
#include "ikev2.h"

/* Offset of the IKE header's total length field. */
#define LEN_OFF 24

void rove_sk_dir_from_keys(const struct rove_ike_keys *k, bool initiator, struct rove_sk_dir *d)
{
	d->encr = k->suite.encr;
	d->encr_bits = k->suite.encr_bits;
	d->integ = k->suite.integ;
	d->ekey = initiator ? k->sk_ei : k->sk_er;
	d->ekey_len = k->encr_len;
	d->akey = k->integ_len ? (initiator ? k->sk_ai : k->sk_ar) : NULL;
	d->akey_len = k->integ_len;
}

/* The shape of one direction's protection. */
struct shape {
	bool aead;
	size_t iv, icv, block;
};

static int dir_shape(const struct rove_sk_dir *d, struct shape *s, struct rove_err *err)
{
	size_t elen = rove_encr_key_len(d->encr, d->encr_bits);

	if (elen == 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported encryption %u/%u"),
				    d->encr, d->encr_bits);
	if (!d->ekey || d->ekey_len != elen)
		return rove_err_set(err, ROVE_E_INVAL, _("encryption key is %zu bytes, want %zu"),
				    d->ekey_len, elen);
	s->aead = rove_encr_is_aead(d->encr);
	s->iv = rove_encr_iv_len(d->encr);
	s->block = rove_encr_block_len(d->encr);
	if (s->aead) {
		if (d->integ != 0)
			return rove_err_set(err, ROVE_E_INVAL,
					    _("an AEAD cipher takes no integrity algorithm"));
		s->icv = rove_encr_icv_len(d->encr);
		return 0;
	}
	s->icv = rove_integ_icv_len(d->integ);
	if (s->icv == 0)
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("unsupported integrity algorithm %u"),
				    d->integ);
	if (!d->akey || d->akey_len != rove_integ_key_len(d->integ))
		return rove_err_set(err, ROVE_E_INVAL, _("integrity key is %zu bytes, want %zu"),
				    d->akey_len, rove_integ_key_len(d->integ));
	return 0;
}

/* Encrypts ct in place and writes the ICV after it; msg[0..aad_len) is the
 * AEAD's associated data, and for CBC the ICV covers msg up to the end of
 * the ciphertext. */
static int protect(const struct rove_sk_dir *d, const struct shape *s, uint8_t *msg,
		   size_t aad_len, uint8_t *iv, uint8_t *ct, size_t ct_len, struct rove_err *err)
{
	uint8_t *icv = ct + ct_len;

	if (s->aead)
		return rove_aead_seal(d->encr, d->ekey, d->ekey_len, iv, msg, aad_len, ct, ct_len, ct,
				      icv, err);
	if (rove_cbc_crypt(d->encr, d->ekey, d->ekey_len, iv, ct, ct_len, ct, true, err) < 0)
		return -1;
	return rove_integ(d->integ, d->akey, d->akey_len, msg, (size_t)(icv - msg), icv, err);
}

/* hdr: the payload's fixed header, 4 bytes for SK, 8 for SKF (generic
 * header plus fragment number and total, RFC 7383 2.5); all of it is in the
 * AAD / under the ICV. */
static int seal(const struct rove_sk_dir *d, const struct rove_rng *rng, struct rove_buf *out,
		size_t sk_off, uint8_t first_inner, const uint8_t *inner, size_t inner_len,
		size_t hdr, uint16_t frag_num, uint16_t frag_total, struct rove_err *err)
{
	struct shape s;
	size_t pad, ct_len, pl_len;
	uint8_t *p, *iv, *ct;

	if (dir_shape(d, &s, err) < 0)
		return -1;
	if (out->failed || sk_off != out->len || sk_off < ROVE_IKE_HDR_LEN)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("the SK payload must follow the IKE header and payloads"));
	if (inner_len > UINT16_MAX)
		return rove_err_set(err, ROVE_E_INVAL, _("inner payloads too long (%zu bytes)"),
				    inner_len);
	pad = (s.block - (inner_len + 1) % s.block) % s.block;
	ct_len = inner_len + pad + 1;
	pl_len = hdr + s.iv + ct_len + s.icv;
	if (pl_len > UINT16_MAX || sk_off + pl_len > UINT32_MAX)
		return rove_err_set(err, ROVE_E_INVAL, _("SK payload too long (%zu bytes)"), pl_len);
	p = rove_buf_put(out, pl_len);
	if (!p)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory for the SK payload"));
	p[0] = first_inner;
	p[1] = 0;
	rove_put_be16(p + 2, (uint16_t)pl_len);
	if (hdr > ROVE_PLD_HDR_LEN) {
		rove_put_be16(p + 4, frag_num);
		rove_put_be16(p + 6, frag_total);
	}
	iv = p + hdr;
	ct = iv + s.iv;
	if (rove_rng_fill(rng, iv, s.iv) < 0) {
		rove_err_set(err, ROVE_E_CRYPTO, _("random generator failed"));
		goto fail;
	}
	if (inner_len)
		memcpy(ct, inner, inner_len);
	memset(ct + inner_len, 0, pad);
	ct[ct_len - 1] = (uint8_t)pad;
	/* The length is part of the AAD/ICV, so it must be final first. */
	rove_put_be32(out->data + LEN_OFF, (uint32_t)out->len);
	if (protect(d, &s, out->data, sk_off + hdr, iv, ct, ct_len, err) < 0)
		goto fail;
	return 0;
fail:
	rove_wipe(out->data + sk_off, pl_len);
	out->len = sk_off;
	return -1;
}

int rove_sk_seal(const struct rove_sk_dir *d, const struct rove_rng *rng, struct rove_buf *out,
		 size_t sk_off, uint8_t first_inner, const uint8_t *inner, size_t inner_len,
		 struct rove_err *err)
{
	return seal(d, rng, out, sk_off, first_inner, inner, inner_len, ROVE_PLD_HDR_LEN, 0, 0,
		    err);
}

int rove_skf_seal(const struct rove_sk_dir *d, const struct rove_rng *rng, struct rove_buf *out,
		  size_t sk_off, uint8_t first_inner, uint16_t frag_num, uint16_t frag_total,
		  const uint8_t *inner, size_t inner_len, struct rove_err *err)
{
	if (frag_num == 0 || frag_num > frag_total)
		return rove_err_set(err, ROVE_E_INVAL, _("fragment %u of %u"), frag_num, frag_total);
	return seal(d, rng, out, sk_off, frag_num == 1 ? first_inner : ROVE_PL_NONE, inner,
		    inner_len, ROVE_SKF_HDR_LEN, frag_num, frag_total, err);
}

size_t rove_sk_overhead(const struct rove_sk_dir *d, size_t inner_len, bool frag)
{
	struct shape s;
	size_t pad;

	if (dir_shape(d, &s, NULL) < 0)
		return 0;
	pad = (s.block - (inner_len + 1) % s.block) % s.block;
	return (frag ? ROVE_SKF_HDR_LEN : ROVE_PLD_HDR_LEN) + s.iv + pad + 1 + s.icv;
}

/* Checks the frame around the SK payload; gives the ciphertext length. */
static int frame(const struct shape *s, const uint8_t *msg, size_t msg_len, size_t sk_off,
		 size_t hdr, size_t *ct_len, struct rove_err *err)
{
	size_t pl_len, body;

	if (msg_len < ROVE_IKE_HDR_LEN || sk_off < ROVE_IKE_HDR_LEN || sk_off > msg_len ||
	    msg_len - sk_off < hdr)
		return rove_err_set(err, ROVE_E_PARSE, _("message too short for an SK payload"));
	if (rove_get_be32(msg + LEN_OFF) != msg_len)
		return rove_err_set(err, ROVE_E_PARSE, _("IKE header length %u, message is %zu bytes"),
				    rove_get_be32(msg + LEN_OFF), msg_len);
	pl_len = rove_get_be16(msg + sk_off + 2);
	if (pl_len != msg_len - sk_off)
		return rove_err_set(err, ROVE_E_PARSE,
				    _("SK payload length %zu does not end the %zu-byte message"), pl_len,
				    msg_len);
	if (pl_len < hdr)
		return rove_err_set(err, ROVE_E_PARSE, _("SK payload too short (%zu bytes)"), pl_len);
	body = pl_len - hdr;
	if (body < s->iv + s->icv + (s->aead ? 1 : s->block))
		return rove_err_set(err, ROVE_E_PARSE, _("SK payload too short (%zu bytes)"), pl_len);
	*ct_len = body - s->iv - s->icv;
	if (*ct_len % s->block)
		return rove_err_set(err, ROVE_E_PARSE, _("SK ciphertext of %zu bytes is not whole blocks"),
				    *ct_len);
	return 0;
}

/* Verifies the ICV, then decrypts ct into plain. */
static int unprotect(const struct rove_sk_dir *d, const struct shape *s, const uint8_t *msg,
		     size_t aad_len, const uint8_t *iv, const uint8_t *ct, size_t ct_len,
		     uint8_t *plain, struct rove_err *err)
{
	const uint8_t *icv = ct + ct_len;
	uint8_t mac[ROVE_ICV_MAX];
	bool ok;

	if (s->aead)
		return rove_aead_open(d->encr, d->ekey, d->ekey_len, iv, msg, aad_len, ct, ct_len, icv,
				      plain, err);
	if (rove_integ(d->integ, d->akey, d->akey_len, msg, (size_t)(icv - msg), mac, err) < 0)
		return -1;
	ok = rove_memeq_ct(mac, icv, s->icv);
	rove_wipe(mac, sizeof(mac));
	if (!ok)
		return rove_err_set(err, ROVE_E_CRYPTO, _("integrity check failed"));
	if (rove_cbc_crypt(d->encr, d->ekey, d->ekey_len, iv, ct, ct_len, plain, false, err) < 0) {
		rove_wipe(plain, ct_len);
		return -1;
	}
	return 0;
}

static int open_payload(const struct rove_sk_dir *d, const uint8_t *msg, size_t msg_len,
			size_t sk_off, size_t hdr, uint8_t *plain, size_t plain_cap,
			size_t *plain_len, struct rove_err *err)
{
	struct shape s;
	const uint8_t *iv;
	size_t ct_len = 0, pad;

	*plain_len = 0;
	if (dir_shape(d, &s, err) < 0 || frame(&s, msg, msg_len, sk_off, hdr, &ct_len, err) < 0)
		return -1;
	if (plain_cap < ct_len)
		return rove_err_set(err, ROVE_E_INVAL, _("plaintext buffer of %zu bytes, need %zu"),
				    plain_cap, ct_len);
	iv = msg + sk_off + hdr;
	if (unprotect(d, &s, msg, sk_off + hdr, iv, iv + s.iv, ct_len, plain, err) < 0)
		return -1;
	pad = plain[ct_len - 1];
	if (pad + 1 > ct_len) {
		rove_wipe(plain, ct_len);
		return rove_err_set(err, ROVE_E_PARSE, _("bad SK padding length %zu"), pad);
	}
	*plain_len = ct_len - pad - 1;
	rove_wipe(plain + *plain_len, pad + 1);
	return 0;
}

int rove_sk_open(const struct rove_sk_dir *d, const uint8_t *msg, size_t msg_len, size_t sk_off,
		 uint8_t *plain, size_t plain_cap, size_t *plain_len, struct rove_err *err)
{
	return open_payload(d, msg, msg_len, sk_off, ROVE_PLD_HDR_LEN, plain, plain_cap, plain_len,
			    err);
}

int rove_skf_open(const struct rove_sk_dir *d, const uint8_t *msg, size_t msg_len, size_t sk_off,
		  uint8_t *plain, size_t plain_cap, size_t *plain_len, uint16_t *frag_num,
		  uint16_t *frag_total, struct rove_err *err)
{
	*plain_len = 0;
	if (sk_off > msg_len || msg_len - sk_off < ROVE_SKF_HDR_LEN)
		return rove_err_set(err, ROVE_E_PARSE, _("message too short for an SKF payload"));
	if (open_payload(d, msg, msg_len, sk_off, ROVE_SKF_HDR_LEN, plain, plain_cap, plain_len,
			 err) < 0)
		return -1;
	/* Authenticated along with the rest, so only now worth reading. */
	*frag_num = rove_get_be16(msg + sk_off + 4);
	*frag_total = rove_get_be16(msg + sk_off + 6);
	return 0;
}
