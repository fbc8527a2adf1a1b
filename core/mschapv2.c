/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mschapv2.h"
#include "i18n.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <string.h>

#include "buf.h"

/* The private library context that holds the legacy provider. It is made
 * once and kept for the life of the process: loading providers per call
 * would be slow, and freeing at exit would race OpenSSL's own cleanup. */
static struct {
	OSSL_LIB_CTX *ctx;
	OSSL_PROVIDER *legacy, *deflt;
	EVP_MD *md4, *sha1;
	EVP_CIPHER *des;
	bool ok;
} lc;
static CRYPTO_ONCE lc_once = CRYPTO_ONCE_STATIC_INIT;

static void lc_init(void)
{
	lc.ctx = OSSL_LIB_CTX_new();
	if (!lc.ctx)
		return;
	lc.legacy = OSSL_PROVIDER_load(lc.ctx, "legacy");
	lc.deflt = OSSL_PROVIDER_load(lc.ctx, "default");
	if (lc.legacy && lc.deflt) {
		lc.md4 = EVP_MD_fetch(lc.ctx, "MD4", NULL);
		lc.sha1 = EVP_MD_fetch(lc.ctx, "SHA1", NULL);
		lc.des = EVP_CIPHER_fetch(lc.ctx, "DES-ECB", NULL);
	}
	lc.ok = lc.md4 && lc.sha1 && lc.des;
	if (lc.ok)
		return;
	EVP_MD_free(lc.md4);
	EVP_MD_free(lc.sha1);
	EVP_CIPHER_free(lc.des);
	if (lc.legacy)
		OSSL_PROVIDER_unload(lc.legacy);
	if (lc.deflt)
		OSSL_PROVIDER_unload(lc.deflt);
	OSSL_LIB_CTX_free(lc.ctx);
	memset(&lc, 0, sizeof(lc));
}

static int lc_get(struct rove_err *err)
{
	if (CRYPTO_THREAD_run_once(&lc_once, lc_init) != 1 || !lc.ok)
		return rove_err_set(err, ROVE_E_UNSUPPORTED,
			_("OpenSSL legacy provider not available: MSCHAPv2 needs MD4 and DES"));
	return 0;
}

int rove_mschapv2_prepare(struct rove_err *err)
{
	return lc_get(err);
}

struct part {
	const void *p;
	size_t n;
};

/* out receives the whole digest; callers truncate as the RFC says. */
static int digest(const EVP_MD *md, const struct part *parts, size_t nparts, uint8_t *out,
	struct rove_err *err)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex2(c, md, NULL) == 1;

	for (size_t i = 0; ok && i < nparts; i++)
		ok = EVP_DigestUpdate(c, parts[i].p, parts[i].n) == 1;
	ok = ok && EVP_DigestFinal_ex(c, out, NULL) == 1;
	EVP_MD_CTX_free(c);
	if (!ok)
		return rove_err_set(err, ROVE_E_CRYPTO, _("MSCHAPv2: %s digest failed"),
			EVP_MD_get0_name(md));
	return 0;
}

/* Decodes one UTF-8 character at s[*i] (strictly: no overlong forms, no
 * surrogates, nothing above U+10FFFF). Returns the code point or -1. */
static long utf8_next(const uint8_t *s, size_t len, size_t *i)
{
	uint8_t b = s[*i];
	size_t n;
	long cp, min;

	if (b < 0x80) {
		(*i)++;
		return b;
	} else if (b >= 0xc2 && b <= 0xdf) {
		n = 1, cp = b & 0x1f, min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 2, cp = b & 0x0f, min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 3, cp = b & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (n > len - *i - 1)
		return -1;
	for (size_t k = 1; k <= n; k++) {
		uint8_t c = s[*i + k];
		if ((c & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (c & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += n + 1;
	return cp;
}

/* Converts to UTF-16LE in out (2 * ROVE_MSCHAP_MAX_PASSWORD bytes); returns
 * the byte length or -1. */
static int password_utf16le(const char *pw, size_t len, uint8_t *out, struct rove_err *err)
{
	const uint8_t *s = (const uint8_t *)pw;
	size_t i = 0, units = 0;

	if (len && !pw)
		return rove_err_set(err, ROVE_E_INVAL, _("MSCHAPv2: no password"));
	while (i < len) {
		long cp = utf8_next(s, len, &i);
		uint16_t u[2];
		size_t nu = 1;

		if (cp < 0)
			return rove_err_set(err, ROVE_E_INVAL,
				_("MSCHAPv2: the password is not valid UTF-8"));
		if (cp == 0)
			return rove_err_set(err, ROVE_E_INVAL,
				_("MSCHAPv2: the password contains a NUL character"));
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[0] = (uint16_t)(0xd800 | (cp >> 10));
			u[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			nu = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		if (units + nu > ROVE_MSCHAP_MAX_PASSWORD)
			return rove_err_set(err, ROVE_E_INVAL,
				_("MSCHAPv2: the password is longer than %d characters"),
				ROVE_MSCHAP_MAX_PASSWORD);
		for (size_t k = 0; k < nu; k++, units++) {
			out[2 * units] = (uint8_t)u[k];
			out[2 * units + 1] = (uint8_t)(u[k] >> 8);
		}
	}
	return (int)(2 * units);
}

int rove_mschap_nt_password_hash(const char *password_utf8, size_t len, uint8_t out[16],
	struct rove_err *err)
{
	uint8_t u16[2 * ROVE_MSCHAP_MAX_PASSWORD];
	int n, rc;

	if (lc_get(err) < 0)
		return -1;
	n = password_utf16le(password_utf8, len, u16, err);
	if (n < 0) {
		rove_wipe(u16, sizeof(u16));
		return -1;
	}
	struct part p[] = { { u16, (size_t)n } };
	rc = digest(lc.md4, p, 1, out, err);
	rove_wipe(u16, sizeof(u16));
	return rc;
}

int rove_mschap_hash_nt_password_hash(const uint8_t password_hash[16], uint8_t out[16],
	struct rove_err *err)
{
	struct part p[] = { { password_hash, 16 } };

	if (lc_get(err) < 0)
		return -1;
	return digest(lc.md4, p, 1, out, err);
}

int rove_mschap_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
	const char *user, size_t ulen, uint8_t out[8], struct rove_err *err)
{
	const char *bs;
	uint8_t md[20];

	if (lc_get(err) < 0)
		return -1;
	if (ulen && !user)
		return rove_err_set(err, ROVE_E_INVAL, _("MSCHAPv2: no user name"));
	/* A backslash cannot occur in a Windows account name, so the first
	 * one ends the domain part. */
	bs = ulen ? memchr(user, '\\', ulen) : NULL;
	if (bs) {
		ulen -= (size_t)(bs + 1 - user);
		user = bs + 1;
	}
	if (ulen > ROVE_MSCHAP_MAX_USER)
		return rove_err_set(err, ROVE_E_INVAL,
			_("MSCHAPv2: the user name is longer than %d bytes"), ROVE_MSCHAP_MAX_USER);
	struct part p[] = { { peer_challenge, 16 }, { auth_challenge, 16 }, { user, ulen } };
	if (digest(lc.sha1, p, 3, md, err) < 0)
		return -1;
	memcpy(out, md, 8);
	return 0;
}

/* RFC 2759 8.6: spreads 56 key bits over 8 octets, the low bit of each
 * octet being odd parity (DES ignores it, but stay canonical). */
static void des_key(const uint8_t in[7], uint8_t out[8])
{
	out[0] = in[0];
	for (int k = 1; k < 7; k++)
		out[k] = (uint8_t)(in[k - 1] << (8 - k) | in[k] >> k);
	out[7] = (uint8_t)(in[6] << 1);
	for (int k = 0; k < 8; k++) {
		out[k] &= 0xfe;
		out[k] |= (uint8_t)!__builtin_parity(out[k]);
	}
}

/* RFC 2759 8.5 ChallengeResponse. */
static int challenge_response(const uint8_t challenge[8], const uint8_t password_hash[16],
	uint8_t out[24], struct rove_err *err)
{
	uint8_t z[21] = { 0 }, key[8];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int ok = c != NULL;

	memcpy(z, password_hash, 16);
	for (int i = 0; ok && i < 3; i++) {
		int n = 0, f = 0;
		des_key(z + 7 * i, key);
		ok = EVP_EncryptInit_ex2(c, lc.des, key, NULL, NULL) == 1 &&
		     EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
		     EVP_EncryptUpdate(c, out + 8 * i, &n, challenge, 8) == 1 &&
		     EVP_EncryptFinal_ex(c, out + 8 * i + n, &f) == 1 && n + f == 8;
	}
	EVP_CIPHER_CTX_free(c);
	rove_wipe(z, sizeof(z));
	rove_wipe(key, sizeof(key));
	if (!ok)
		return rove_err_set(err, ROVE_E_CRYPTO, _("MSCHAPv2: DES encryption failed"));
	return 0;
}

int rove_mschap_nt_response(const uint8_t auth_challenge[16], const uint8_t peer_challenge[16],
	const char *user, size_t ulen, const char *password, size_t plen, uint8_t out[24],
	struct rove_err *err)
{
	uint8_t ch[8], ph[16];
	int rc;

	if (rove_mschap_challenge_hash(peer_challenge, auth_challenge, user, ulen, ch, err) < 0 ||
	    rove_mschap_nt_password_hash(password, plen, ph, err) < 0)
		return -1;
	rc = challenge_response(ch, ph, out, err);
	rove_wipe(ph, sizeof(ph));
	return rc;
}

static const char magic_server_sign[] = "Magic server to client signing constant";
static const char magic_pad[] = "Pad to make it do more than one iteration";

int rove_mschap_authenticator_response(const char *password, size_t plen,
	const uint8_t nt_response[24], const uint8_t peer_challenge[16],
	const uint8_t auth_challenge[16], const char *user, size_t ulen, char out[43],
	struct rove_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t ph[16], phh[16], md[20], ch[8];
	int rc = -1;

	if (rove_mschap_nt_password_hash(password, plen, ph, err) < 0 ||
	    rove_mschap_hash_nt_password_hash(ph, phh, err) < 0 ||
	    rove_mschap_challenge_hash(peer_challenge, auth_challenge, user, ulen, ch, err) < 0)
		goto out;
	struct part p1[] = {
		{ phh, 16 }, { nt_response, 24 }, { magic_server_sign, sizeof(magic_server_sign) - 1 },
	};
	if (digest(lc.sha1, p1, 3, md, err) < 0)
		goto out;
	struct part p2[] = { { md, 20 }, { ch, 8 }, { magic_pad, sizeof(magic_pad) - 1 } };
	if (digest(lc.sha1, p2, 3, md, err) < 0)
		goto out;
	out[0] = 'S';
	out[1] = '=';
	for (int i = 0; i < 20; i++) {
		out[2 + 2 * i] = hex[md[i] >> 4];
		out[3 + 2 * i] = hex[md[i] & 15];
	}
	out[42] = '\0';
	rc = 0;
out:
	rove_wipe(ph, sizeof(ph));
	rove_wipe(phh, sizeof(phh));
	rove_wipe(md, sizeof(md));
	return rc;
}

static const char magic_master[] = "This is the MPPE Master Key";
static const char magic_client_send[] =
	"On the client side, this is the send key; on the server side, it is the receive key.";
static const char magic_client_recv[] =
	"On the client side, this is the receive key; on the server side, it is the send key.";

int rove_mschap_master_key(const uint8_t password_hash_hash[16], const uint8_t nt_response[24],
	uint8_t out[16], struct rove_err *err)
{
	uint8_t md[20];
	struct part p[] = {
		{ password_hash_hash, 16 }, { nt_response, 24 }, { magic_master, sizeof(magic_master) - 1 },
	};

	if (lc_get(err) < 0 || digest(lc.sha1, p, 3, md, err) < 0)
		return -1;
	memcpy(out, md, 16);
	rove_wipe(md, sizeof(md));
	return 0;
}

int rove_mschap_asymmetric_start_key(const uint8_t master_key[16], bool is_send, bool is_server,
	uint8_t out[16], struct rove_err *err)
{
	static const uint8_t pad1[40] = { 0 };
	uint8_t pad2[40], md[20];
	const char *s = is_send != is_server ? magic_client_send : magic_client_recv;

	/* Both magic strings are 84 octets long. */
	memset(pad2, 0xf2, sizeof(pad2));
	struct part p[] = {
		{ master_key, 16 }, { pad1, sizeof(pad1) }, { s, sizeof(magic_client_send) - 1 },
		{ pad2, sizeof(pad2) },
	};
	if (lc_get(err) < 0 || digest(lc.sha1, p, 4, md, err) < 0)
		return -1;
	memcpy(out, md, 16);
	rove_wipe(md, sizeof(md));
	return 0;
}

int rove_mschap_msk(const char *password, size_t plen, const uint8_t nt_response[24],
	uint8_t *msk, size_t *msk_len, struct rove_err *err)
{
	uint8_t ph[16], phh[16], mk[16];
	int rc = -1;

	if (!msk || !msk_len || *msk_len < ROVE_MSCHAP_MSK_LEN)
		return rove_err_set(err, ROVE_E_INVAL, _("MSCHAPv2: MSK buffer smaller than %d bytes"),
			ROVE_MSCHAP_MSK_LEN);
	if (rove_mschap_nt_password_hash(password, plen, ph, err) < 0 ||
	    rove_mschap_hash_nt_password_hash(ph, phh, err) < 0 ||
	    rove_mschap_master_key(phh, nt_response, mk, err) < 0 ||
	    rove_mschap_asymmetric_start_key(mk, true, false, msk, err) < 0 ||
	    rove_mschap_asymmetric_start_key(mk, false, false, msk + 16, err) < 0)
		goto out;
	memset(msk + 32, 0, ROVE_MSCHAP_MSK_LEN - 32);
	*msk_len = ROVE_MSCHAP_MSK_LEN;
	rc = 0;
out:
	if (rc < 0)
		rove_wipe(msk, ROVE_MSCHAP_MSK_LEN);
	rove_wipe(ph, sizeof(ph));
	rove_wipe(phh, sizeof(phh));
	rove_wipe(mk, sizeof(mk));
	return rc;
}
