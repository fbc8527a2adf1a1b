/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The identity checks of RFC 4945 on the gateway's certificate: a
 * remote-id or an ID payload against its subjectAltNames (DNS with
 * wildcards, IP, email), its CN (a DNS name's fallback) or its DN. cert.c
 * calls them once the chain is verified. */
#include "cert_id.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "addr.h"
#include "ikev2.h"

/* Strips one trailing dot: "gw.example.com." is the same name. */
static size_t dns_trim(const char *s, size_t n)
{
	return n > 1 && s[n - 1] == '.' ? n - 1 : n;
}

/* A dNSName pattern against a host name: case-insensitive; "*.x.y" matches
 * exactly one leftmost label and needs two labels after the star. Partial
 * wildcards ("f*.x.y") are not honoured. */
static bool dns_match(const char *pat, size_t plen, const char *name, size_t nlen)
{
	const char *dot;
	size_t rest;

	plen = dns_trim(pat, plen);
	nlen = dns_trim(name, nlen);
	if (!plen || !nlen || memchr(name, '*', nlen))
		return false;
	if (!memchr(pat, '*', plen))
		return plen == nlen && !strncasecmp(pat, name, nlen);
	if (plen < 3 || pat[0] != '*' || pat[1] != '.' || memchr(pat + 1, '*', plen - 1))
		return false;
	rest = plen - 1; /* ".x.y" */
	if (!memchr(pat + 2, '.', plen - 2))
		return false;
	dot = memchr(name, '.', nlen);
	if (!dot || dot == name || (size_t)(name + nlen - dot) != rest)
		return false;
	return !strncasecmp(dot, pat + 1, rest);
}

enum id_kind { KIND_IP, KIND_DNS, KIND_EMAIL };

static int gen_type(enum id_kind k)
{
	return k == KIND_IP ? GEN_IPADD : k == KIND_DNS ? GEN_DNS : GEN_EMAIL;
}

static bool name_eq(enum id_kind k, const uint8_t *san, size_t slen, const uint8_t *id,
		    size_t ilen)
{
	if (k != KIND_IP && (memchr(id, '\0', ilen) || memchr(san, '\0', slen)))
		return false;
	if (k == KIND_IP)
		return slen == ilen && !memcmp(san, id, ilen);
	if (k == KIND_DNS)
		return dns_match((const char *)san, slen, (const char *)id, ilen);
	return slen == ilen && !strncasecmp((const char *)san, (const char *)id, ilen);
}

/* Searches the SANs of kind k for id; *seen tells whether any SAN of that
 * kind exists. Returns the index of the match or -1. */
static int san_find(X509 *x, enum id_kind k, const uint8_t *id, size_t ilen, bool *seen)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int found = -1;

	*seen = false;
	for (int i = 0; sans && found < 0 && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		const ASN1_STRING *s;

		if (g->type != gen_type(k))
			continue;
		*seen = true;
		s = k == KIND_IP ? g->d.iPAddress : g->d.ia5;
		if (name_eq(k, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s), id, ilen))
			found = i;
	}
	GENERAL_NAMES_free(sans);
	return found;
}

/* Legacy certificates without dNSName SANs name the host in the CN; the CN
 * must equal the name exactly (no wildcard). */
static bool cn_match(X509 *x, const uint8_t *id, size_t ilen)
{
	const X509_NAME *n = X509_get_subject_name(x);
	size_t want = dns_trim((const char *)id, ilen);
	bool ok = false;

	if (memchr(id, '\0', ilen))
		return false;
	for (int i = -1; !ok && (i = X509_NAME_get_index_by_NID(n, NID_commonName, i)) >= 0;) {
		unsigned char *u = NULL;
		int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));

		ok = len > 0 && !memchr(u, '\0', (size_t)len) &&
		     dns_trim((char *)u, (size_t)len) == want &&
		     !strncasecmp((char *)u, (const char *)id, want);
		OPENSSL_free(u);
	}
	return ok;
}

static bool dns_or_cn(X509 *x, const uint8_t *id, size_t ilen, bool *via_cn)
{
	bool seen;

	*via_cn = false;
	if (san_find(x, KIND_DNS, id, ilen, &seen) >= 0)
		return true;
	*via_cn = !seen && cn_match(x, id, ilen);
	return *via_cn;
}

/* The attribute of a DN component: "CN", "cn", "E" (strongSwan's name for
 * emailAddress) or a dotted OID. */
static int dn_attr(const char *key)
{
	char up[32];
	size_t i;
	int nid = OBJ_txt2nid(key);

	if (nid != NID_undef)
		return nid;
	for (i = 0; key[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)(key[i] >= 'a' && key[i] <= 'z' ? key[i] - 32 : key[i]);
	up[i] = '\0';
	if (!strcmp(up, "E") || !strcmp(up, "EMAIL"))
		return NID_pkcs9_emailAddress;
	return OBJ_txt2nid(up);
}

/* "CN=gw, O=Example" (or "C = CH, O = x" as openssl prints it) into its
 * attribute/value pairs; "\," escapes a comma. Appends in text order, or
 * prepends to build the reverse (RFC 2253) reading. */
static X509_NAME *dn_parse(const char *s, bool reverse)
{
	X509_NAME *n = X509_NAME_new();
	char *copy = strdup(s), *p, *w;
	bool ok = n && copy;

	for (p = copy; ok && p && *p;) {
		char *key, *val, *eq, *end;

		/* Unescape one component in place up to an unescaped comma. */
		for (w = p, end = p; *end && *end != ','; end++) {
			if (*end == '\\' && end[1])
				end++;
			*w++ = *end;
		}
		val = *end ? end + 1 : NULL;
		*w = '\0';
		eq = strchr(p, '=');
		ok = eq != NULL;
		if (ok) {
			*eq = '\0';
			key = p;
			while (*key == ' ' || *key == '\t')
				key++;
			for (w = eq; w > key && (w[-1] == ' ' || w[-1] == '\t');)
				*--w = '\0';
			for (w = eq + 1; *w == ' ' || *w == '\t';)
				w++;
			ok = *key && *w && dn_attr(key) != NID_undef &&
			     X509_NAME_add_entry_by_NID(n, dn_attr(key), MBSTRING_UTF8,
							(unsigned char *)w, -1, reverse ? 0 : -1, 0);
		}
		p = val;
	}
	free(copy);
	ERR_clear_error();
	if (!ok || !n || !X509_NAME_entry_count(n)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

/* X509_NAME_cmp compares canonical forms: case and spacing of values and the
 * string types do not matter, the order of the RDNs does. */
static bool dn_match(X509 *x, const char *dn)
{
	const X509_NAME *subj = X509_get_subject_name(x);
	bool ok = false;

	for (int rev = 0; !ok && rev < 2; rev++) {
		X509_NAME *n = dn_parse(dn, rev);

		ok = n && X509_NAME_cmp(n, subj) == 0;
		X509_NAME_free(n);
	}
	ERR_clear_error();
	return ok;
}

/* Checks remote_id against the certificate; on success writes what matched
 * ("DNS:gw.example.com") to how. */
bool rove_cert_id_matches(X509 *x, const char *rid, char *how, size_t cap)
{
	struct rove_addr a;
	bool seen, via_cn;
	size_t n = strlen(rid);

	if (rove_addr_parse(rid, &a)) {
		snprintf(how, cap, "IP:%s", rid);
		return san_find(x, KIND_IP, a.addr, rove_addr_len(&a), &seen) >= 0;
	}
	if (strchr(rid, '=')) {
		snprintf(how, cap, "DN");
		return dn_match(x, rid);
	}
	if (strchr(rid, '@')) {
		snprintf(how, cap, "email:%s", rid);
		return san_find(x, KIND_EMAIL, (const uint8_t *)rid, n, &seen) >= 0;
	}
	if (!dns_or_cn(x, (const uint8_t *)rid, n, &via_cn))
		return false;
	snprintf(how, cap, "%s:%s", via_cn ? "CN" : "DNS", rid);
	return true;
}

static bool der_dn_match(X509 *x, const uint8_t *id, size_t len)
{
	const unsigned char *p = id;
	X509_NAME *n;
	bool ok;

	if (!len || len > LONG_MAX)
		return false;
	n = d2i_X509_NAME(NULL, &p, (long)len);
	ok = n && p == id + len && X509_NAME_cmp(n, X509_get_subject_name(x)) == 0;
	X509_NAME_free(n);
	ERR_clear_error();
	return ok;
}


/* An ID payload's identity (RFC 7296 3.5) against the certificate. */
bool rove_cert_matches_id_payload(X509 *x, uint8_t id_type, const uint8_t *id, size_t id_len)
{
	bool seen, via_cn;

	switch (id_type) {
	case ROVE_ID_IPV4_ADDR:
		return id_len == 4 && san_find(x, KIND_IP, id, id_len, &seen) >= 0;
	case ROVE_ID_IPV6_ADDR:
		return id_len == 16 && san_find(x, KIND_IP, id, id_len, &seen) >= 0;
	case ROVE_ID_FQDN:
		return dns_or_cn(x, id, id_len, &via_cn);
	case ROVE_ID_RFC822_ADDR:
		return san_find(x, KIND_EMAIL, id, id_len, &seen) >= 0;
	case ROVE_ID_DER_ASN1_DN:
		return der_dn_match(x, id, id_len);
	default:
		return false;
	}
}
