/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strongSwan's proposal syntax, our defaults, and names for what was
 * chosen. The keyword table below is the single definition of the syntax. */
#include "proposal.h"
#include "i18n.h"

#include "ikev2.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
	KW_CANON = 1, /* the name we print for this transform */
	KW_AEAD = 2,
};

struct keyword {
	const char *name;
	uint8_t type;     /* ROVE_TRANS_* */
	uint16_t id;
	uint16_t bits;    /* encr key size */
	uint16_t prf;     /* integ keywords: the PRF they imply in IKE */
	uint8_t flags;
};

#define CBC(n, b, f) { n, ROVE_TRANS_ENCR, ROVE_ENCR_AES_CBC, b, 0, f }
#define GCM(n, icv, b, f) { n, ROVE_TRANS_ENCR, ROVE_ENCR_AES_GCM_##icv, b, 0, (f) | KW_AEAD }
#define INTEG(n, id, prf, f) { n, ROVE_TRANS_INTEG, id, 0, prf, f }
#define PRF(n, id, f) { n, ROVE_TRANS_PRF, id, 0, 0, f }
#define DH(n, id, f) { n, ROVE_TRANS_DH, id, 0, 0, f }

/* strongSwan's ICV-in-bits spellings (aes256gcm128) are aliases too. */
static const struct keyword keywords[] = {
	CBC("aes128", 128, KW_CANON), CBC("aes192", 192, KW_CANON), CBC("aes256", 256, KW_CANON),
	CBC("aes", 128, 0),
	GCM("aes128gcm16", 16, 128, KW_CANON), GCM("aes128gcm", 16, 128, 0),
	GCM("aes128gcm128", 16, 128, 0),
	GCM("aes192gcm16", 16, 192, KW_CANON), GCM("aes192gcm", 16, 192, 0),
	GCM("aes192gcm128", 16, 192, 0),
	GCM("aes256gcm16", 16, 256, KW_CANON), GCM("aes256gcm", 16, 256, 0),
	GCM("aes256gcm128", 16, 256, 0),
	GCM("aes128gcm12", 12, 128, KW_CANON), GCM("aes128gcm96", 12, 128, 0),
	GCM("aes192gcm12", 12, 192, KW_CANON), GCM("aes192gcm96", 12, 192, 0),
	GCM("aes256gcm12", 12, 256, KW_CANON), GCM("aes256gcm96", 12, 256, 0),
	GCM("aes128gcm8", 8, 128, KW_CANON), GCM("aes128gcm64", 8, 128, 0),
	GCM("aes192gcm8", 8, 192, KW_CANON), GCM("aes192gcm64", 8, 192, 0),
	GCM("aes256gcm8", 8, 256, KW_CANON), GCM("aes256gcm64", 8, 256, 0),
	INTEG("sha1", ROVE_INTEG_HMAC_SHA1_96, ROVE_PRF_HMAC_SHA1, KW_CANON),
	INTEG("sha", ROVE_INTEG_HMAC_SHA1_96, ROVE_PRF_HMAC_SHA1, 0),
	INTEG("sha256", ROVE_INTEG_HMAC_SHA2_256_128, ROVE_PRF_HMAC_SHA2_256, KW_CANON),
	INTEG("sha2_256", ROVE_INTEG_HMAC_SHA2_256_128, ROVE_PRF_HMAC_SHA2_256, 0),
	INTEG("sha384", ROVE_INTEG_HMAC_SHA2_384_192, ROVE_PRF_HMAC_SHA2_384, KW_CANON),
	INTEG("sha2_384", ROVE_INTEG_HMAC_SHA2_384_192, ROVE_PRF_HMAC_SHA2_384, 0),
	INTEG("sha512", ROVE_INTEG_HMAC_SHA2_512_256, ROVE_PRF_HMAC_SHA2_512, KW_CANON),
	INTEG("sha2_512", ROVE_INTEG_HMAC_SHA2_512_256, ROVE_PRF_HMAC_SHA2_512, 0),
	PRF("prfsha1", ROVE_PRF_HMAC_SHA1, KW_CANON),
	PRF("prfsha256", ROVE_PRF_HMAC_SHA2_256, KW_CANON),
	PRF("prfsha384", ROVE_PRF_HMAC_SHA2_384, KW_CANON),
	PRF("prfsha512", ROVE_PRF_HMAC_SHA2_512, KW_CANON),
	DH("modp2048", ROVE_DH_MODP2048, KW_CANON), DH("modp3072", ROVE_DH_MODP3072, KW_CANON),
	DH("modp4096", ROVE_DH_MODP4096, KW_CANON),
	DH("ecp256", ROVE_DH_ECP256, KW_CANON), DH("ecp384", ROVE_DH_ECP384, KW_CANON),
	DH("ecp521", ROVE_DH_ECP521, KW_CANON),
	DH("x25519", ROVE_DH_CURVE25519, KW_CANON), DH("curve25519", ROVE_DH_CURVE25519, 0),
	DH("x448", ROVE_DH_CURVE448, KW_CANON), DH("curve448", ROVE_DH_CURVE448, 0),
	{ "esn", ROVE_TRANS_ESN, ROVE_ESN_YES, 0, 0, KW_CANON },
	{ "noesn", ROVE_TRANS_ESN, ROVE_ESN_NO, 0, 0, KW_CANON },
};

/* Known to strongSwan users but refused: RFC 8247 / RFC 8221 say MUST NOT
 * or SHOULD NOT. */
static const char *const weak[] = {
	"modp768", "modp1024", "modp1536", "modp1024s160", "modp2048s224", "modp2048s256",
	"3des", "des", "md5", "md5_128", "prfmd5",
};

/* Valid elsewhere, not implemented here: a clearer message than "unknown". */
static const char *const unsupported_prefix[] = {
	"chacha20poly1305", "null", "camellia", "blowfish", "cast", "serpent", "twofish", "aesxcbc",
	"aescmac", "prfaes", "prfcamellia", "modp6144", "modp8192", "ecp192", "ecp224",
	"ecp256bp", "ecp384bp", "ecp512bp", "ecp224bp",
};

const char *rove_transform_keyword(uint8_t type, uint16_t id, uint16_t bits)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		const struct keyword *k = &keywords[i];

		if ((k->flags & KW_CANON) && k->type == type && k->id == id &&
		    (type != ROVE_TRANS_ENCR || k->bits == bits))
			return k->name;
	}
	return NULL;
}

static const struct keyword *find_keyword(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].name) == n && strncasecmp(keywords[i].name, w, n) == 0)
			return &keywords[i];
	return NULL;
}

static bool in_list(const char *const *list, size_t nlist, const char *w, size_t n, bool prefix)
{
	for (size_t i = 0; i < nlist; i++) {
		size_t l = strlen(list[i]);

		if ((prefix ? n >= l : n == l) && strncasecmp(list[i], w, l) == 0)
			return true;
	}
	return false;
}

/* AES-CTR, AES-CCM and AES-GMAC come in many spellings (aes128ctr,
 * aes256ccm16, ...): recognise the mode inside an aes word. */
static bool is_unsupported(const char *w, size_t n)
{
	if (in_list(unsupported_prefix, sizeof(unsupported_prefix) / sizeof(unsupported_prefix[0]),
		    w, n, true))
		return true;
	if (n < 4 || strncasecmp(w, "aes", 3) != 0)
		return false;
	for (size_t i = 3; i + 3 <= n; i++)
		if (strncasecmp(w + i, "ctr", 3) == 0 || strncasecmp(w + i, "ccm", 3) == 0 ||
		    (i + 4 <= n && strncasecmp(w + i, "gmac", 4) == 0))
			return true;
	return false;
}

/* X448 needs OpenSSL built with it; ask the default library context. */
static bool have_x448(void)
{
	EVP_KEYMGMT *km = EVP_KEYMGMT_fetch(NULL, "X448", NULL);

	EVP_KEYMGMT_free(km);
	return km != NULL;
}

/* ---- parsing ---- */

struct span {
	const char *p;
	size_t n;
};

static struct span trim(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return (struct span){ p, n };
}

/* Quoted pieces of user input are cut so a long line cannot push the
 * explanation out of the message. */
#define Q(s) (int)((s).n > 96 ? 96 : (s).n), (s).p

static bool add_u16(uint16_t *list, size_t *n, size_t max, uint16_t v)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == v)
			return true; /* a repeated word changes nothing */
	if (*n >= max)
		return false;
	list[(*n)++] = v;
	return true;
}

static bool add_encr(struct rove_prop *pr, uint16_t id, uint16_t bits)
{
	for (size_t i = 0; i < pr->nencr; i++)
		if (pr->encr[i].id == id && pr->encr[i].bits == bits)
			return true;
	if (pr->nencr >= ROVE_MAX_ALGS)
		return false;
	pr->encr[pr->nencr].id = id;
	pr->encr[pr->nencr].bits = bits;
	pr->nencr++;
	return true;
}

/* State of one proposal while its words are read. */
struct pstate {
	struct rove_prop pr;
	uint16_t implied_prf[ROVE_MAX_ALGS];
	size_t nimplied;
	struct span first_aead, first_cbc, first_integ;
};

static int word_error(struct span w, struct span prop, bool esp, struct rove_err *err)
{
	if (memchr(w.p, '!', w.n))
		return rove_err_set(err, ROVE_E_INVAL,
				    _("'!' must come at the very end (it applies to the whole list)"));
	if (in_list(weak, sizeof(weak) / sizeof(weak[0]), w.p, w.n, false))
		return rove_err_set(err, ROVE_E_INVAL, _("\"%.*s\" is weak (%s) and not supported"),
				    Q(w), esp ? "RFC 8221" : "RFC 8247");
	if (is_unsupported(w.p, w.n))
		return rove_err_set(err, ROVE_E_INVAL, _("\"%.*s\" in \"%.*s\" is not supported by rove"),
				    Q(w), Q(prop));
	return rove_err_set(err, ROVE_E_INVAL, _("unknown algorithm \"%.*s\" in \"%.*s\""), Q(w),
			    Q(prop));
}

static int add_word(struct pstate *st, struct span w, struct span prop, bool esp,
		    struct rove_err *err)
{
	const struct keyword *k = find_keyword(w.p, w.n);
	struct rove_prop *pr = &st->pr;
	bool ok = true;

	if (!k)
		return word_error(w, prop, esp, err);
	if (k->type == ROVE_TRANS_ESN && !esp)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("\"%.*s\" is for esp= only (IKE has no sequence numbers)"), Q(w));
	if (k->type == ROVE_TRANS_PRF && esp)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("\"%.*s\" is for ike= only (ESP has no PRF)"), Q(w));
	if (k->type == ROVE_TRANS_DH && k->id == ROVE_DH_CURVE448 && !have_x448())
		return rove_err_set(err, ROVE_E_INVAL,
				    _("\"%.*s\" is not supported by this OpenSSL build"), Q(w));
	switch (k->type) {
	case ROVE_TRANS_ENCR:
		ok = add_encr(pr, k->id, k->bits);
		if ((k->flags & KW_AEAD) && !st->first_aead.n)
			st->first_aead = w;
		if (!(k->flags & KW_AEAD) && !st->first_cbc.n)
			st->first_cbc = w;
		break;
	case ROVE_TRANS_INTEG:
		ok = add_u16(pr->integ, &pr->ninteg, ROVE_MAX_ALGS, k->id);
		add_u16(st->implied_prf, &st->nimplied, ROVE_MAX_ALGS, k->prf);
		if (!st->first_integ.n)
			st->first_integ = w;
		break;
	case ROVE_TRANS_PRF:
		ok = add_u16(pr->prf, &pr->nprf, ROVE_MAX_ALGS, k->id);
		break;
	case ROVE_TRANS_DH:
		ok = add_u16(pr->dh, &pr->ndh, ROVE_MAX_ALGS, k->id);
		break;
	case ROVE_TRANS_ESN:
		ok = add_u16(pr->esn, &pr->nesn, 2, k->id);
		break;
	}
	if (!ok)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("more than %d algorithms of one kind in \"%.*s\""), ROVE_MAX_ALGS,
				    Q(prop));
	return 0;
}

static int aead_integ_error(const struct pstate *st, bool esp, struct rove_err *err)
{
	const struct keyword *k = find_keyword(st->first_integ.p, st->first_integ.n);
	const char *prf = k ? rove_transform_keyword(ROVE_TRANS_PRF, k->prf, 0) : NULL;

	if (esp || !prf)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("%.*s is an AEAD cipher and takes no integrity algorithm: remove "
				      "%.*s"), Q(st->first_aead), Q(st->first_integ));
	return rove_err_set(err, ROVE_E_INVAL,
			    _("%.*s is an AEAD cipher and takes no integrity algorithm: write %s "
			      "instead of %.*s if you meant the PRF"), Q(st->first_aead), prf,
			    Q(st->first_integ));
}

/* The rules of RFC 7296 3.3.3 for which transform types a proposal needs. */
static int finish_prop(struct pstate *st, struct span prop, bool esp, struct rove_err *err)
{
	struct rove_prop *pr = &st->pr;

	if (!pr->nencr)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("no encryption algorithm in \"%.*s\" (add one, e.g. aes256gcm16 "
				      "or aes256)"), Q(prop));
	if (st->first_aead.n && st->first_cbc.n)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("\"%.*s\" mixes %.*s (AEAD) with %.*s (not AEAD); put them in "
				      "separate proposals, separated by a comma"), Q(prop),
				    Q(st->first_aead), Q(st->first_cbc));
	if (st->first_aead.n && pr->ninteg)
		return aead_integ_error(st, esp, err);
	if (!st->first_aead.n && !pr->ninteg)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("no integrity algorithm in \"%.*s\" (add one, e.g. sha256)"), Q(prop));
	if (esp) {
		if (!pr->nesn)
			pr->esn[pr->nesn++] = ROVE_ESN_NO;
		return 0;
	}
	if (!pr->nprf) {
		if (st->first_aead.n)
			return rove_err_set(err, ROVE_E_INVAL,
					    _("%.*s in ike= needs a prf, e.g. prfsha384"), Q(st->first_aead));
		memcpy(pr->prf, st->implied_prf, st->nimplied * sizeof(pr->prf[0]));
		pr->nprf = st->nimplied;
	}
	if (!pr->ndh)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("no key exchange group in \"%.*s\" (add one, e.g. x25519 or "
				      "modp2048)"), Q(prop));
	return 0;
}

static int parse_prop(struct span prop, bool esp, struct rove_prop *out, struct rove_err *err)
{
	struct pstate st;
	const char *p = prop.p, *end = prop.p + prop.n;

	memset(&st, 0, sizeof(st));
	if (!prop.n)
		return rove_err_set(err, ROVE_E_INVAL, _("empty proposal (two commas in a row?)"));
	for (;;) {
		const char *dash = memchr(p, '-', (size_t)(end - p));
		struct span w = trim(p, (size_t)((dash ? dash : end) - p));

		if (!w.n)
			return rove_err_set(err, ROVE_E_INVAL,
					    _("empty algorithm name in \"%.*s\""), Q(prop));
		if (add_word(&st, w, prop, esp, err) < 0)
			return -1;
		if (!dash)
			break;
		p = dash + 1;
	}
	if (finish_prop(&st, prop, esp, err) < 0)
		return -1;
	*out = st.pr;
	return 0;
}

static bool same_list(const uint16_t *a, size_t na, const uint16_t *b, size_t nb)
{
	return na == nb && memcmp(a, b, na * sizeof(*a)) == 0;
}

/* Field by field: struct copies need not carry padding. */
static bool same_prop(const struct rove_prop *a, const struct rove_prop *b)
{
	if (a->nencr != b->nencr)
		return false;
	for (size_t i = 0; i < a->nencr; i++)
		if (a->encr[i].id != b->encr[i].id || a->encr[i].bits != b->encr[i].bits)
			return false;
	return same_list(a->integ, a->ninteg, b->integ, b->ninteg) &&
	       same_list(a->prf, a->nprf, b->prf, b->nprf) &&
	       same_list(a->dh, a->ndh, b->dh, b->ndh) &&
	       same_list(a->esn, a->nesn, b->esn, b->nesn);
}

static size_t count_new_defaults(const struct rove_proposals *ps, const struct rove_proposals *d)
{
	size_t extra = 0;

	for (size_t i = 0; i < d->n; i++) {
		bool dup = false;

		for (size_t j = 0; j < ps->n && !dup; j++)
			dup = same_prop(&ps->p[j], &d->p[i]);
		extra += !dup;
	}
	return extra;
}

static int append_defaults(struct rove_proposals *ps, struct rove_err *err)
{
	struct rove_proposals d;
	size_t n = ps->n;

	rove_proposals_default(ps->esp, &d);
	if (n + count_new_defaults(ps, &d) > ROVE_MAX_PROP)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("too many proposals: with rove's %zu default proposals appended "
				      "at most %zu of yours fit (end the list with ! to offer only "
				      "yours)"), d.n, ROVE_MAX_PROP - d.n);
	for (size_t i = 0; i < d.n; i++) {
		bool dup = false;

		for (size_t j = 0; j < n && !dup; j++)
			dup = same_prop(&ps->p[j], &d.p[i]);
		if (!dup)
			ps->p[ps->n++] = d.p[i];
	}
	return 0;
}

int rove_proposals_parse(const char *s, bool esp, struct rove_proposals *out, struct rove_err *err)
{
	struct span all = trim(s, strlen(s));
	bool strict = false;
	const char *p, *end;

	memset(out, 0, sizeof(*out));
	out->esp = esp;
	if (all.n && all.p[all.n - 1] == '!') {
		strict = true;
		all = trim(all.p, all.n - 1);
	}
	if (!all.n)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("no proposal (remove the setting to use the defaults)"));
	p = all.p;
	end = all.p + all.n;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		struct span prop = trim(p, (size_t)((comma ? comma : end) - p));

		if (out->n >= ROVE_MAX_PROP)
			return rove_err_set(err, ROVE_E_INVAL, _("more than %d proposals"),
					    ROVE_MAX_PROP);
		if (parse_prop(prop, esp, &out->p[out->n], err) < 0)
			return -1;
		out->n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	return strict ? 0 : append_defaults(out, err);
}

/* ---- defaults ---- */

/* IKE (RFC 8247): AEAD first since it costs one primitive instead of two;
 * AES-256 before AES-128 (both MUST). PRF and integrity follow the cipher
 * strength, SHA-384 then SHA-256 (the MUST) then SHA-512. Both proposals
 * carry the same groups, so the one KE payload we send (for the first
 * group) is acceptable whichever proposal the gateway picks: x25519 is
 * fast and widely deployed, the NIST curves next, MODP last because it is
 * slow and large; modp2048 (the only MUST in RFC 8247) closes the list so
 * that old gateways still find a match, at the cost of one
 * INVALID_KE_PAYLOAD round trip. */
static const uint16_t default_dh[] = {
	ROVE_DH_CURVE25519, ROVE_DH_ECP256, ROVE_DH_ECP384, ROVE_DH_MODP3072, ROVE_DH_MODP2048,
};
static const uint16_t default_prf[] = {
	ROVE_PRF_HMAC_SHA2_384, ROVE_PRF_HMAC_SHA2_256, ROVE_PRF_HMAC_SHA2_512,
};
static const uint16_t default_ike_integ[] = {
	ROVE_INTEG_HMAC_SHA2_384_192, ROVE_INTEG_HMAC_SHA2_256_128, ROVE_INTEG_HMAC_SHA2_512_256,
};
/* ESP (RFC 8221): SHA-256 is the MUST for integrity, so it leads there.
 * AES-CBC with HMAC-SHA1-96 stays last: RFC 8221 still lists it, and some
 * gateways (OpenIKED on Linux) accept nothing else for ESP. ESN off first:
 * our SAs are rekeyed long before 2^32 packets, and every datapath handles
 * 32-bit sequence numbers. */
static const uint16_t default_esp_integ[] = {
	ROVE_INTEG_HMAC_SHA2_256_128, ROVE_INTEG_HMAC_SHA2_384_192, ROVE_INTEG_HMAC_SHA2_512_256,
};

static void set_list(uint16_t *dst, size_t *n, const uint16_t *src, size_t count)
{
	memcpy(dst, src, count * sizeof(*src));
	*n = count;
}

static void set_aes(struct rove_prop *pr, uint16_t id)
{
	pr->encr[0].id = id;
	pr->encr[0].bits = 256;
	pr->encr[1].id = id;
	pr->encr[1].bits = 128;
	pr->nencr = 2;
}

#define SET(dst, n, src) set_list(dst, &(n), src, sizeof(src) / sizeof(src[0]))

void rove_proposals_default(bool esp, struct rove_proposals *out)
{
	struct rove_prop *pr = out->p;

	memset(out, 0, sizeof(*out));
	out->esp = esp;
	if (!esp) {
		set_aes(&pr[0], ROVE_ENCR_AES_GCM_16);
		SET(pr[0].prf, pr[0].nprf, default_prf);
		SET(pr[0].dh, pr[0].ndh, default_dh);
		set_aes(&pr[1], ROVE_ENCR_AES_CBC);
		SET(pr[1].integ, pr[1].ninteg, default_ike_integ);
		SET(pr[1].prf, pr[1].nprf, default_prf);
		SET(pr[1].dh, pr[1].ndh, default_dh);
		out->n = 2;
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		pr[i].esn[0] = ROVE_ESN_NO;
		pr[i].esn[1] = ROVE_ESN_YES;
		pr[i].nesn = 2;
	}
	set_aes(&pr[0], ROVE_ENCR_AES_GCM_16);
	set_aes(&pr[1], ROVE_ENCR_AES_CBC);
	SET(pr[1].integ, pr[1].ninteg, default_esp_integ);
	set_aes(&pr[2], ROVE_ENCR_AES_CBC);
	pr[2].integ[0] = ROVE_INTEG_HMAC_SHA1_96;
	pr[2].ninteg = 1;
	out->n = 3;
}

/* ---- names ---- */

struct out {
	char *buf;
	size_t len, off;
	bool full;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->full || !o->len)
		return;
	if (o->off + n >= o->len) {
		n = o->len - o->off - 1;
		o->full = true;
	}
	memcpy(o->buf + o->off, s, n);
	o->off += n;
	o->buf[o->off] = '\0';
}

static void put_name(struct out *o, bool dash, uint8_t type, uint16_t id, uint16_t bits)
{
	static const char *const kind[] = { "", "encr", "prf", "integ", "dh", "esn" };
	const char *kw = rove_transform_keyword(type, id, bits);
	char tmp[32];

	if (dash)
		put(o, "-");
	if (!kw) {
		snprintf(tmp, sizeof(tmp), "%s(%u)", type < 6 ? kind[type] : "?", id);
		kw = tmp;
	}
	put(o, kw);
}

const char *rove_chosen_str(const struct rove_chosen *c, bool esp, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (len)
		buf[0] = '\0';
	put_name(&o, false, ROVE_TRANS_ENCR, c->encr, c->encr_bits);
	if (c->integ)
		put_name(&o, true, ROVE_TRANS_INTEG, c->integ, 0);
	if (!esp)
		put_name(&o, true, ROVE_TRANS_PRF, c->prf, 0);
	if (!esp || c->dh)
		put_name(&o, true, ROVE_TRANS_DH, c->dh, 0);
	if (esp && c->esn == ROVE_ESN_YES)
		put(&o, "-esn");
	return buf;
}

/* Appends one word, or "..." and stops when it would not fit with room
 * for the ellipsis. */
static void put_word(struct out *o, const char *sep, uint8_t type, uint16_t id, uint16_t bits)
{
	const char *kw = rove_transform_keyword(type, id, bits);
	char tmp[32];

	if (o->full)
		return;
	if (!kw) {
		snprintf(tmp, sizeof(tmp), "(%u)", id);
		kw = tmp;
	}
	if (o->off + strlen(sep) + strlen(kw) + 4 > o->len) {
		put(o, "...");
		o->full = true;
		return;
	}
	put(o, sep);
	put(o, kw);
}

static void put_prop(struct out *o, const struct rove_prop *pr, bool esp, const char *sep)
{
	for (size_t i = 0; i < pr->nencr; i++, sep = "-")
		put_word(o, sep, ROVE_TRANS_ENCR, pr->encr[i].id, pr->encr[i].bits);
	for (size_t i = 0; i < pr->ninteg; i++)
		put_word(o, "-", ROVE_TRANS_INTEG, pr->integ[i], 0);
	for (size_t i = 0; i < pr->nprf; i++)
		put_word(o, "-", ROVE_TRANS_PRF, pr->prf[i], 0);
	for (size_t i = 0; i < pr->ndh; i++)
		put_word(o, "-", ROVE_TRANS_DH, pr->dh[i], 0);
	/* A lone noesn is what the parser assumes: leave it out. */
	if (esp && !(pr->nesn == 1 && pr->esn[0] == ROVE_ESN_NO))
		for (size_t i = 0; i < pr->nesn; i++)
			put_word(o, "-", ROVE_TRANS_ESN, pr->esn[i], 0);
}

const char *rove_proposals_str(const struct rove_proposals *ps, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (!len)
		return buf;
	buf[0] = '\0';
	if (len < 4)
		return buf;
	for (size_t i = 0; i < ps->n && i < ROVE_MAX_PROP; i++)
		put_prop(&o, &ps->p[i], ps->esp, i ? ", " : "");
	return buf;
}

uint16_t rove_proposals_first_dh(const struct rove_proposals *ps)
{
	return ps->n && ps->p[0].ndh ? ps->p[0].dh[0] : 0;
}

bool rove_proposals_has_dh(const struct rove_proposals *ps, uint16_t group)
{
	for (size_t i = 0; i < ps->n && i < ROVE_MAX_PROP; i++)
		for (size_t j = 0; j < ps->p[i].ndh && j < ROVE_MAX_ALGS; j++)
			if (ps->p[i].dh[j] == group)
				return true;
	return false;
}
