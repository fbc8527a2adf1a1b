/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "esp.h"
#include "i18n.h"
#include "buf.h"
#include "cipher.h"
#include "crypto.h"
#include "ikev2.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define AEAD_ALIGN 4 /* RFC 4303 2.4: the trailer ends on a 4-byte boundary */
#define CBC_BLOCK 16

struct rove_esp_sa {
	uint32_t spi;
	bool outbound, esn, aead;
	uint16_t encr, integ;
	size_t iv_len, align, icv_len;
	uint8_t salt[ROVE_AEAD_SALT_LEN];
	struct rove_cipher *cipher; /* key set; per packet only the IV changes */
	struct rove_cipher *ivgen;  /* CBC outbound: AES-ECB under the same key */
	EVP_MAC_CTX *mac;        /* CBC: HMAC with the key set */
	uint64_t seq;            /* outbound: the last number used */
	struct rove_replay replay; /* inbound */
	struct rove_esp_stats stats;
};

static const char *cipher_name(uint16_t encr, size_t key_bytes)
{
	switch (encr) {
	case ROVE_ENCR_AES_CBC:
		return key_bytes == 16 ? "AES-128-CBC" : key_bytes == 24 ? "AES-192-CBC" :
		       key_bytes == 32 ? "AES-256-CBC" : NULL;
	case ROVE_ENCR_AES_GCM_8:
	case ROVE_ENCR_AES_GCM_12:
	case ROVE_ENCR_AES_GCM_16:
		return key_bytes == 16 ? "AES-128-GCM" : key_bytes == 24 ? "AES-192-GCM" :
		       key_bytes == 32 ? "AES-256-GCM" : NULL;
	case ROVE_ENCR_CHACHA20_POLY1305:
		return key_bytes == 32 ? "ChaCha20-Poly1305" : NULL;
	}
	return NULL;
}

static const char *ecb_name(size_t key_bytes)
{
	return key_bytes == 16 ? "AES-128-ECB" : key_bytes == 24 ? "AES-192-ECB" : "AES-256-ECB";
}

static const char *digest_name(uint16_t integ)
{
	switch (integ) {
	case ROVE_INTEG_HMAC_SHA1_96:
		return "SHA1";
	case ROVE_INTEG_HMAC_SHA2_256_128:
		return "SHA2-256";
	case ROVE_INTEG_HMAC_SHA2_384_192:
		return "SHA2-384";
	case ROVE_INTEG_HMAC_SHA2_512_256:
		return "SHA2-512";
	}
	return NULL;
}

static int setup_mac(struct rove_esp_sa *sa, const uint8_t *key, size_t klen,
		     struct rove_err *err)
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	OSSL_PARAM params[2];
	char digest[16];

	snprintf(digest, sizeof(digest), "%s", digest_name(sa->integ));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	sa->mac = m ? EVP_MAC_CTX_new(m) : NULL;
	EVP_MAC_free(m);
	if (!sa->mac || !EVP_MAC_init(sa->mac, key, klen, params))
		return rove_err_set(err, ROVE_E_CRYPTO, _("cannot set up HMAC-%s"), digest);
	return 0;
}

static int check_suite(const struct rove_child_sa *c, struct rove_err *err)
{
	size_t klen = rove_encr_key_len(c->encr, c->encr_keylen);

	if (!klen || !cipher_name(c->encr, klen - (rove_encr_is_aead(c->encr) ? 4 : 0)))
		return rove_err_set(err, ROVE_E_UNSUPPORTED,
				    _("ESP encryption %u with %u-bit keys is not supported"),
				    c->encr, c->encr_keylen);
	if (c->enc_key_len != klen)
		return rove_err_set(err, ROVE_E_INVAL, _("ESP encryption key is %zu bytes, not %zu"),
				    c->enc_key_len, klen);
	if (rove_encr_is_aead(c->encr)) {
		if (c->integ != ROVE_INTEG_NONE)
			return rove_err_set(err, ROVE_E_INVAL,
					    _("an AEAD ESP SA takes no integrity algorithm"));
		return 0;
	}
	if (!digest_name(c->integ))
		return rove_err_set(err, ROVE_E_UNSUPPORTED,
				    _("ESP integrity algorithm %u is not supported"), c->integ);
	if (c->integ_key_len != rove_integ_key_len(c->integ))
		return rove_err_set(err, ROVE_E_INVAL, _("ESP integrity key is %zu bytes, not %zu"),
				    c->integ_key_len, rove_integ_key_len(c->integ));
	return 0;
}

struct rove_esp_sa *rove_esp_sa_new(const struct rove_child_sa *c, bool outbound,
				    struct rove_err *err)
{
	const uint8_t *ekey = outbound ? c->enc_key_out : c->enc_key_in;
	const uint8_t *ikey = outbound ? c->integ_key_out : c->integ_key_in;
	struct rove_esp_sa *sa;
	size_t klen;

	if (check_suite(c, err) < 0)
		return NULL;
	sa = calloc(1, sizeof(*sa));
	if (!sa) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	sa->spi = outbound ? c->spi_out : c->spi_in;
	sa->outbound = outbound;
	sa->esn = c->esn;
	sa->encr = c->encr;
	sa->integ = c->integ;
	sa->aead = rove_encr_is_aead(c->encr);
	sa->iv_len = rove_encr_iv_len(c->encr);
	rove_replay_init(&sa->replay, c->esn);
	klen = c->enc_key_len;
	if (sa->aead) {
		klen -= ROVE_AEAD_SALT_LEN;
		memcpy(sa->salt, ekey + klen, ROVE_AEAD_SALT_LEN);
		sa->align = AEAD_ALIGN;
		sa->icv_len = rove_encr_icv_len(c->encr);
		sa->cipher = rove_cipher_new(cipher_name(c->encr, klen), ekey, klen, outbound, 0, err);
	} else {
		sa->align = CBC_BLOCK;
		sa->icv_len = rove_integ_icv_len(c->integ);
		sa->cipher = rove_cipher_new(cipher_name(c->encr, klen), ekey, klen, outbound, 0, err);
		if (sa->cipher && outbound)
			sa->ivgen = rove_cipher_new(ecb_name(klen), ekey, klen, true, 0, err);
		if (sa->cipher && (!outbound || sa->ivgen) &&
		    setup_mac(sa, ikey, c->integ_key_len, err) < 0) {
			rove_esp_sa_free(sa);
			return NULL;
		}
	}
	if (!sa->cipher || (!sa->aead && outbound && !sa->ivgen)) {
		rove_esp_sa_free(sa);
		return NULL;
	}
	return sa;
}

void rove_esp_sa_free(struct rove_esp_sa *sa)
{
	if (!sa)
		return;
	/* OpenSSL cleanses key schedules when contexts are freed. */
	rove_cipher_free(sa->cipher);
	rove_cipher_free(sa->ivgen);
	EVP_MAC_CTX_free(sa->mac);
	rove_wipe(sa, sizeof(*sa));
	free(sa);
}

uint32_t rove_esp_sa_spi(const struct rove_esp_sa *sa)
{
	return sa->spi;
}

bool rove_esp_sa_outbound(const struct rove_esp_sa *sa)
{
	return sa->outbound;
}

size_t rove_esp_headroom(const struct rove_esp_sa *sa)
{
	return ROVE_ESP_HDR_LEN + sa->iv_len;
}

size_t rove_esp_tailroom(const struct rove_esp_sa *sa)
{
	return sa->align - 1 + 2 + sa->icv_len;
}

const struct rove_esp_stats *rove_esp_stats(const struct rove_esp_sa *sa)
{
	return &sa->stats;
}

size_t rove_esp_inner_mtu(const struct rove_esp_sa *sa, size_t path_mtu, int outer_family,
			  bool udp_encap)
{
	size_t fixed = (outer_family == AF_INET6 ? 40 : 20) + (udp_encap ? 8 : 0) +
		       ROVE_ESP_HDR_LEN + sa->iv_len + sa->icv_len;
	size_t padded;

	if (path_mtu < fixed + sa->align)
		return 0;
	padded = (path_mtu - fixed) / sa->align * sa->align;
	return padded - 2;
}

void rove_esp_sa_set_seq(struct rove_esp_sa *sa, uint64_t next)
{
	if (sa->outbound) {
		sa->seq = next - 1;
		return;
	}
	rove_replay_init(&sa->replay, sa->esn);
	sa->replay.top = next - 1;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	rove_put_be32(p, (uint32_t)(v >> 32));
	rove_put_be32(p + 4, (uint32_t)v);
}

/* The AEAD's AAD: SPI and the sequence number, 64 bits with ESN (RFC 4106
 * 5, RFC 7634 2.1). Returns its length. */
static size_t aead_aad(const struct rove_esp_sa *sa, uint64_t seq, uint8_t aad[12])
{
	rove_put_be32(aad, sa->spi);
	if (sa->esn) {
		put_be64(aad + 4, seq);
		return 12;
	}
	rove_put_be32(aad + 4, (uint32_t)seq);
	return 8;
}

/* Runs the AEAD over p[0..n) in place with the tag at `tag`: seals when
 * the SA is outbound, else opens (and verifies). */
static bool aead_run(struct rove_esp_sa *sa, uint64_t seq, const uint8_t *iv, uint8_t *p,
		     size_t n, uint8_t *tag)
{
	uint8_t nonce[ROVE_AEAD_SALT_LEN + ROVE_AEAD_IV_LEN], aad[12];
	size_t aadlen = aead_aad(sa, seq, aad);

	memcpy(nonce, sa->salt, ROVE_AEAD_SALT_LEN);
	memcpy(nonce + ROVE_AEAD_SALT_LEN, iv, ROVE_AEAD_IV_LEN);
	return rove_cipher_aead(sa->cipher, nonce, sizeof(nonce), aad, aadlen, p, n, tag,
				sa->icv_len);
}

/* The HMAC over the ESP header, IV and ciphertext, with the high half of
 * an extended sequence number appended (RFC 4303 3.3.2.1). */
static bool hmac_icv(struct rove_esp_sa *sa, const uint8_t *p, size_t n, uint64_t seq,
		     uint8_t out[EVP_MAX_MD_SIZE])
{
	uint8_t hi[4];
	size_t outl;

	rove_put_be32(hi, (uint32_t)(seq >> 32));
	return EVP_MAC_init(sa->mac, NULL, 0, NULL) && EVP_MAC_update(sa->mac, p, n) &&
	       (!sa->esn || EVP_MAC_update(sa->mac, hi, sizeof(hi))) &&
	       EVP_MAC_final(sa->mac, out, &outl, EVP_MAX_MD_SIZE) && outl >= sa->icv_len;
}

static bool cbc_run(struct rove_esp_sa *sa, const uint8_t *iv, uint8_t *p, size_t n)
{
	return rove_cipher_blocks(sa->cipher, iv, CBC_BLOCK, p, p, n);
}

static bool cbc_iv(struct rove_esp_sa *sa, uint64_t seq, uint8_t iv[CBC_BLOCK])
{
	uint8_t block[CBC_BLOCK] = { 0 };

	put_be64(block, seq);
	return rove_cipher_blocks(sa->ivgen, NULL, 0, block, iv, CBC_BLOCK);
}

static bool next_seq(struct rove_esp_sa *sa, uint64_t *seq)
{
	if (sa->esn ? sa->seq == UINT64_MAX : sa->seq >= UINT32_MAX)
		return false;
	*seq = ++sa->seq;
	return true;
}

ssize_t rove_esp_encap(struct rove_esp_sa *sa, uint8_t *buf, size_t head, size_t len,
		       size_t cap, size_t *out_off)
{
	size_t hdr = ROVE_ESP_HDR_LEN + sa->iv_len, padded, off;
	uint8_t *esp, *payload, nh;
	uint64_t seq;

	if (!sa->outbound || len == 0 || len > 65535 || head < hdr || head > cap ||
	    cap - head < len + rove_esp_tailroom(sa))
		return -1;
	switch (buf[head] >> 4) {
	case 4:
		nh = ROVE_NH_IPV4;
		break;
	case 6:
		nh = ROVE_NH_IPV6;
		break;
	default:
		return -1;
	}
	if (!next_seq(sa, &seq))
		return -1;
	off = head - hdr;
	esp = buf + off;
	payload = buf + head;
	padded = (len + 2 + sa->align - 1) / sa->align * sa->align;
	for (size_t i = len; i < padded - 2; i++)
		payload[i] = (uint8_t)(i - len + 1);
	payload[padded - 2] = (uint8_t)(padded - 2 - len);
	payload[padded - 1] = nh;
	rove_put_be32(esp, sa->spi);
	rove_put_be32(esp + 4, (uint32_t)seq);
	if (sa->aead) {
		put_be64(esp + ROVE_ESP_HDR_LEN, seq);
		if (!aead_run(sa, seq, esp + ROVE_ESP_HDR_LEN, payload, padded, payload + padded))
			return -1;
	} else {
		uint8_t mac[EVP_MAX_MD_SIZE];

		if (!cbc_iv(sa, seq, esp + ROVE_ESP_HDR_LEN) ||
		    !cbc_run(sa, esp + ROVE_ESP_HDR_LEN, payload, padded) ||
		    !hmac_icv(sa, esp, hdr + padded, seq, mac))
			return -1;
		memcpy(payload + padded, mac, sa->icv_len);
	}
	sa->stats.packets++;
	sa->stats.bytes += len;
	*out_off = off;
	return (ssize_t)(hdr + padded + sa->icv_len);
}

static ssize_t drop(struct rove_esp_sa *sa, enum rove_esp_drop reason,
		    enum rove_esp_drop *why)
{
	switch (reason) {
	case ROVE_ESP_DROP_MALFORMED:
		sa->stats.drop_malformed++;
		break;
	case ROVE_ESP_DROP_REPLAY:
		sa->stats.drop_replay++;
		break;
	case ROVE_ESP_DROP_AUTH:
		sa->stats.drop_auth++;
		break;
	case ROVE_ESP_DROP_PAD:
		sa->stats.drop_pad++;
		break;
	case ROVE_ESP_DROP_SPI:
		break;
	}
	*why = reason;
	return -1;
}

/* Padding must be 1, 2, 3, ... (RFC 4303 2.4); checked after the ICV, so
 * it tells nothing to someone without the key. */
static bool pad_ok(const uint8_t *pad, size_t n)
{
	uint8_t bad = 0;

	for (size_t i = 0; i < n; i++)
		bad |= (uint8_t)(pad[i] ^ (uint8_t)(i + 1));
	return bad == 0;
}

ssize_t rove_esp_decap(struct rove_esp_sa *sa, uint8_t *buf, size_t len, size_t *inner_off,
		       uint8_t *next_header, enum rove_esp_drop *why)
{
	size_t hdr = ROVE_ESP_HDR_LEN + sa->iv_len, ct_len, padlen;
	uint8_t *ct;
	uint64_t seq;

	if (sa->outbound)
		return drop(sa, ROVE_ESP_DROP_SPI, why);
	if (len < hdr + sa->icv_len + sa->align || len - hdr - sa->icv_len > 65535 + 2 + 15)
		return drop(sa, ROVE_ESP_DROP_MALFORMED, why);
	if (rove_get_be32(buf) != sa->spi)
		return drop(sa, ROVE_ESP_DROP_SPI, why);
	ct = buf + hdr;
	ct_len = len - hdr - sa->icv_len;
	if (ct_len % sa->align)
		return drop(sa, ROVE_ESP_DROP_MALFORMED, why);
	if (!rove_replay_check(&sa->replay, rove_get_be32(buf + 4), &seq))
		return drop(sa, ROVE_ESP_DROP_REPLAY, why);
	if (sa->aead) {
		if (!aead_run(sa, seq, buf + ROVE_ESP_HDR_LEN, ct, ct_len, ct + ct_len)) {
			rove_wipe(ct, ct_len); /* keystream must not linger */
			return drop(sa, ROVE_ESP_DROP_AUTH, why);
		}
	} else {
		uint8_t mac[EVP_MAX_MD_SIZE];

		if (!hmac_icv(sa, buf, hdr + ct_len, seq, mac) ||
		    !rove_memeq_ct(mac, ct + ct_len, sa->icv_len))
			return drop(sa, ROVE_ESP_DROP_AUTH, why);
		if (!cbc_run(sa, buf + ROVE_ESP_HDR_LEN, ct, ct_len))
			return drop(sa, ROVE_ESP_DROP_MALFORMED, why);
	}
	rove_replay_update(&sa->replay, seq);
	padlen = ct[ct_len - 2];
	if (padlen + 2 > ct_len || !pad_ok(ct + ct_len - 2 - padlen, padlen))
		return drop(sa, ROVE_ESP_DROP_PAD, why);
	*next_header = ct[ct_len - 1];
	*inner_off = hdr;
	sa->stats.packets++;
	sa->stats.bytes += ct_len - 2 - padlen;
	return (ssize_t)(ct_len - 2 - padlen);
}
