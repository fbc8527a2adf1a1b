/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IKE_AUTH (RFC 7296 1.2, 2.15, 2.16): our identity and the request for
 * the first CHILD SA, the gateway's certificate and AUTH, then EAP rounds
 * and the MSK-based AUTH. Nothing secret (EAP identity or response) goes
 * out before the gateway's certificate and signature have been verified. */
#include "session_internal.h"
#include "i18n.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "crypto.h"
#include "eap.h"
#include "sigverify.h"

/* ---- identities ---- */

static int dn_encode(const char *s, struct rove_buf *out, struct rove_err *err)
{
	X509_NAME *name = X509_NAME_new();
	char *copy = strdup(s), *save = NULL, *tok;
	unsigned char *der = NULL;
	int len, rc = -1;

	if (!name || !copy)
		goto out;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		while (*tok == ' ')
			tok++;
		if (!eq || eq == tok)
			goto bad;
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(name, tok, MBSTRING_UTF8,
						(const unsigned char *)eq + 1, -1, -1, 0))
			goto bad;
	}
	len = i2d_X509_NAME(name, &der);
	if (len <= 0)
		goto bad;
	rove_buf_add(out, der, (size_t)len);
	rc = 0;
	goto out;
bad:
	rove_err_set(err, ROVE_E_INVAL, _("\"%s\" is not a distinguished name (e.g. CN=x, O=y)"), s);
out:
	OPENSSL_free(der);
	X509_NAME_free(name);
	free(copy);
	if (rc < 0 && err && err->code == ROVE_E_OK)
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	return rc;
}

/* Appends an ID payload body for a textual identity: an IP literal, a DN
 * (contains '='), an e-mail style RFC822 name (contains '@') or an FQDN. */
static int id_body(const char *id, struct rove_buf *out, struct rove_err *err)
{
	struct rove_addr a;
	struct rove_buf dn;
	int rc = 0;

	if (rove_addr_parse(id, &a)) {
		rove_id_build(out, a.family == AF_INET ? ROVE_ID_IPV4_ADDR : ROVE_ID_IPV6_ADDR,
			      a.addr, rove_addr_len(&a));
	} else if (strchr(id, '=')) {
		rove_buf_init(&dn);
		rc = dn_encode(id, &dn, err);
		if (rc == 0)
			rove_id_build(out, ROVE_ID_DER_ASN1_DN, dn.data, dn.len);
		rove_buf_free(&dn);
	} else {
		rove_id_build(out, strchr(id, '@') ? ROVE_ID_RFC822_ADDR : ROVE_ID_FQDN,
			      (const uint8_t *)id, strlen(id));
	}
	return rc;
}

static int make_idi(struct rove_session *s, struct rove_err *err)
{
	char addr[ROVE_ADDR_STRLEN];
	const char *id = s->cfg.local_id;

	if (!id && s->cfg.auth == ROVE_AUTHK_EAP_MSCHAPV2)
		id = s->cfg.user;
	rove_buf_reset(&s->idi);
	if (!id && (s->cfg.auth == ROVE_AUTHK_PUBKEY || s->cfg.auth == ROVE_AUTHK_EAP_TLS))
		return auth_cert_idi(s, &s->idi, err);
	if (!id)
		id = rove_addr_str(&s->cfg.local, addr, sizeof(addr));
	return id_body(id, &s->idi, err);
}

/* ---- our AUTH ---- */

/* AUTH = prf(prf(secret, "Key Pad for IKEv2"), InitiatorSignedOctets) */
static int our_shared_key_auth(struct rove_session *s, const uint8_t *secret, size_t slen,
			       uint8_t *out, struct rove_err *err)
{
	struct rove_buf octets;
	int rc;

	rove_buf_init(&octets);
	rc = rove_auth_octets(s->keys.suite.prf, s->keys.sk_pi, s->keys.prf_len,
			      s->init_req.data, s->init_req.len, s->nr, s->nr_len,
			      s->idi.data, s->idi.len, &octets, err);
	if (rc == 0)
		rc = rove_auth_psk(s->keys.suite.prf, secret, slen, octets.data, octets.len, out, err);
	rove_buf_free(&octets);
	return rc;
}

static int add_psk_auth(struct rove_session *s, struct rove_mb *mb, struct rove_err *err)
{
	uint8_t auth[64];

	if (our_shared_key_auth(s, s->psk, s->cfg.psk_len, auth, err) < 0)
		return -1;
	rove_mb_begin(mb, ROVE_PL_AUTH, false);
	rove_auth_build(&mb->buf, ROVE_AUTH_PSK, auth, s->keys.prf_len);
	rove_mb_end(mb);
	rove_wipe(auth, sizeof(auth));
	return 0;
}

static int send_auth_request(struct rove_session *s, struct rove_mb *inner, struct rove_err *err)
{
	uint32_t id = s->next_msg_id++;

	if (sess_seal(s, ROVE_EXCH_IKE_AUTH, false, id, inner, &s->req, err) < 0)
		return -1;
	sess_send_request(s, ROVE_EXCH_IKE_AUTH, id);
	return 0;
}

/* IDr (RFC 7296 3.5): the identity we want the gateway to use. */
static int add_idr(struct rove_session *s, struct rove_mb *mb, struct rove_err *err)
{
	struct rove_buf idr;
	int rc;

	rove_buf_init(&idr);
	rc = id_body(s->cfg.remote_id, &idr, err);
	if (rc == 0)
		rove_mb_add(mb, ROVE_PL_IDR, idr.data, idr.len);
	rove_buf_free(&idr);
	return rc;
}

int ike_auth_start(struct rove_session *s, struct rove_err *err)
{
	struct rove_mb mb;
	struct rove_buf hashes;
	int rc = -1;

	rove_mb_init_inner(&mb);
	rove_buf_init(&hashes);
	if (make_idi(s, err) < 0)
		goto out;
	rove_mb_add(&mb, ROVE_PL_IDI, s->idi.data, s->idi.len);
	if (s->cfg.auth == ROVE_AUTHK_PUBKEY && auth_cert_add(s, &mb, false, err) < 0)
		goto out;
	/* Always ask for the certificate: strongSwan sends it only if asked. */
	if (s->cfg.trust)
		rove_trust_certreq(s->cfg.trust, &hashes);
	rove_mb_begin(&mb, ROVE_PL_CERTREQ, false);
	rove_cert_build(&mb.buf, ROVE_CERT_X509_SIG, hashes.data, hashes.len);
	rove_mb_end(&mb);
	if (s->cfg.send_remote_id && add_idr(s, &mb, err) < 0)
		goto out;
	if (s->cfg.auth == ROVE_AUTHK_PSK && add_psk_auth(s, &mb, err) < 0)
		goto out;
	if (s->cfg.auth == ROVE_AUTHK_PUBKEY && auth_cert_add(s, &mb, true, err) < 0)
		goto out;
	if (child_add_request(s, &mb, err) < 0)
		goto out;
	if (s->cfg.initial_contact)
		rove_mb_add_notify(&mb, 0, NULL, 0, ROVE_N_INITIAL_CONTACT, NULL, 0);
	mobike_auth_request(s, &mb);
	s->phase = PH_AUTH;
	rc = send_auth_request(s, &mb, err);
out:
	rove_buf_free(&hashes);
	rove_mb_free(&mb);
	return rc;
}

/* ---- the gateway's authentication ---- */

static enum rove_fail cert_fail_reason(enum rove_cert_fail f)
{
	switch (f) {
	case ROVE_CERT_UNTRUSTED: return ROVE_FAIL_UNTRUSTED_CA;
	case ROVE_CERT_EXPIRED:
	case ROVE_CERT_NOT_YET_VALID: return ROVE_FAIL_CERT_EXPIRED;
	case ROVE_CERT_ID_MISMATCH: return ROVE_FAIL_ID_MISMATCH;
	default: return ROVE_FAIL_CERT;
	}
}

/* Octets the gateway signed: its IKE_SA_INIT response | Ni | prf(SK_pr, IDr') */
static int peer_octets(struct rove_session *s, const struct rove_payload *idr,
		       struct rove_buf *octets, struct rove_err *err)
{
	return rove_auth_octets(s->keys.suite.prf, s->keys.sk_pr, s->keys.prf_len,
				s->init_resp.data, s->init_resp.len, s->ni, sizeof(s->ni),
				idr->body, idr->len, octets, err);
}

static int verify_peer_psk(struct rove_session *s, const struct rove_auth *auth,
			   const uint8_t *secret, size_t slen, const struct rove_buf *octets,
			   struct rove_err *err)
{
	uint8_t expect[64];
	int ok;

	if (rove_auth_psk(s->keys.suite.prf, secret, slen, octets->data, octets->len, expect,
			  err) < 0)
		return -1;
	ok = auth->len == s->keys.prf_len && rove_memeq_ct(expect, auth->data, auth->len);
	rove_wipe(expect, sizeof(expect));
	if (!ok)
		return rove_err_set(err, ROVE_E_AUTH,
				    _("the gateway's AUTH payload does not match the shared key"));
	return 0;
}

/* The gateway's certificate and intermediates we look at: deeper chains
 * are not deployed, and each costs a signature check. */
#define MAX_PEER_CERTS 8

static enum rove_fail verify_peer_cert(struct rove_session *s, const struct rove_msg *m,
				       const struct rove_id *idr, struct rove_err *err)
{
	struct rove_bytes certs[MAX_PEER_CERTS];
	size_t n = 0;
	enum rove_cert_fail cf = ROVE_CERT_OK;

	for (const struct rove_payload *p = rove_msg_find(m, ROVE_PL_CERT); p;
	     p = rove_msg_find_next(m, p, ROVE_PL_CERT)) {
		struct rove_cert_pl c;

		if (rove_cert_parse(p->body, p->len, &c, err) < 0)
			return ROVE_FAIL_PROTOCOL;
		if (c.encoding != ROVE_CERT_X509_SIG)
			continue;
		if (n < MAX_PEER_CERTS) {
			certs[n].ptr = c.data;
			certs[n].len = c.len;
		}
		n++;
	}
	if (!n) {
		rove_err_set(err, ROVE_E_CERT, _("the gateway sent no certificate"));
		return ROVE_FAIL_CERT;
	}
	/* Rather than judge the first few and blame the CA setting. */
	if (n > MAX_PEER_CERTS) {
		rove_err_set(err, ROVE_E_CERT, _("the gateway sent %zu certificates, more than the %d "
			       "of a chain rove follows: its certificate chain is misconfigured"), n,
			     MAX_PEER_CERTS);
		return ROVE_FAIL_CERT;
	}
	s->peer_cert = rove_peer_cert_verify(s->cfg.trust, certs, n, s->cfg.remote_id,
					     s->cfg.verify_time, &cf, err);
	if (!s->peer_cert)
		return cert_fail_reason(cf);
	if (!rove_peer_cert_matches_id(s->peer_cert, idr->type, idr->data, idr->len)) {
		char idstr[256];

		rove_err_set(err, ROVE_E_CERT,
			     _("the gateway identifies as %s, which its certificate (%s) does not name: "
			       "check remote-id or the server name"), rove_id_str(idr, idstr, sizeof(idstr)),
			     rove_peer_cert_subject(s->peer_cert));
		return ROVE_FAIL_ID_MISMATCH;
	}
	return ROVE_FAIL_NONE;
}

/* A gateway proving itself with the PSK is acceptable only when the
 * profile names no CA and uses a PSK itself. */
static bool peer_psk_allowed(const struct rove_session *s)
{
	return s->cfg.auth == ROVE_AUTHK_PSK &&
	       (!s->cfg.trust || rove_trust_is_system(s->cfg.trust));
}

static enum rove_fail verify_peer(struct rove_session *s, const struct rove_msg *m,
				  struct rove_err *err)
{
	const struct rove_payload *idp = rove_msg_find(m, ROVE_PL_IDR);
	const struct rove_payload *ap = rove_msg_find(m, ROVE_PL_AUTH);
	struct rove_id idr;
	struct rove_auth auth;
	struct rove_buf octets;
	enum rove_fail f = ROVE_FAIL_NONE;

	if (!idp || !ap) {
		rove_err_set(err, ROVE_E_PROTO, _("the gateway's IKE_AUTH response lacks IDr or AUTH"));
		return ROVE_FAIL_PROTOCOL;
	}
	if (rove_id_parse(idp->body, idp->len, &idr, err) < 0 ||
	    rove_auth_parse(ap->body, ap->len, &auth, err) < 0)
		return ROVE_FAIL_PROTOCOL;
	rove_buf_init(&octets);
	if (peer_octets(s, idp, &octets, err) < 0) {
		f = ROVE_FAIL_INTERNAL;
	} else if (auth.method == ROVE_AUTH_PSK) {
		if (!peer_psk_allowed(s)) {
			rove_err_set(err, ROVE_E_AUTH,
				     _("the gateway authenticated with a pre-shared key, but this profile "
				       "expects a certificate signed by its ca="));
			f = ROVE_FAIL_PEER_AUTH;
		} else if (verify_peer_psk(s, &auth, s->psk, s->cfg.psk_len, &octets, err) < 0) {
			f = ROVE_FAIL_PEER_AUTH;
		}
	} else if (!s->cfg.trust) {
		rove_err_set(err, ROVE_E_AUTH, _("the gateway uses a certificate, but no CA is configured"));
		f = ROVE_FAIL_UNTRUSTED_CA;
	} else if ((f = verify_peer_cert(s, m, &idr, err)) == ROVE_FAIL_NONE &&
		   rove_sig_verify(s->peer_cert, auth.method, auth.data, auth.len, octets.data,
				   octets.len, false, err) < 0) {
		f = ROVE_FAIL_PEER_AUTH;
	}
	if (f == ROVE_FAIL_NONE) {
		if (s->peer_cert)
			snprintf(s->server_id, sizeof(s->server_id), "%s",
				 rove_peer_cert_subject(s->peer_cert));
		else
			rove_id_str(&idr, s->server_id, sizeof(s->server_id));
	}
	rove_buf_free(&octets);
	return f;
}

/* The last AUTH of an EAP exchange is keyed with the MSK (RFC 7296 2.16). */
static int verify_peer_msk(struct rove_session *s, const struct rove_msg *m, struct rove_err *err)
{
	const struct rove_payload *ap = rove_msg_find(m, ROVE_PL_AUTH);
	struct rove_auth auth;
	struct rove_buf octets;
	const uint8_t *msk;
	size_t msk_len;
	int rc;

	if (!ap)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway's final IKE_AUTH has no AUTH"));
	if (rove_auth_parse(ap->body, ap->len, &auth, err) < 0)
		return -1;
	if (auth.method != ROVE_AUTH_PSK)
		return rove_err_set(err, ROVE_E_AUTH, _("the gateway's final AUTH is not MSK-based"));
	msk = auth_eap_msk(s, &msk_len);
	rove_buf_init(&octets);
	/* Keyed with the MSK, over the IDr of the first response (strongSwan
	 * does not repeat IDr in the last message). */
	rc = rove_auth_octets(s->keys.suite.prf, s->keys.sk_pr, s->keys.prf_len,
			      s->init_resp.data, s->init_resp.len, s->ni, sizeof(s->ni),
			      s->idr_body.data, s->idr_body.len, &octets, err);
	if (rc == 0)
		rc = verify_peer_psk(s, &auth, msk, msk_len, &octets, err);
	rove_buf_free(&octets);
	return rc;
}

/* ---- responses ---- */

static void fail_notify(struct rove_session *s, uint16_t n)
{
	enum rove_fail f = fail_from_notify(n, s->phase);

	if (n == ROVE_N_AUTHENTICATION_FAILED && s->cfg.auth == ROVE_AUTHK_PSK)
		sess_fail(s, f, _("the gateway rejected our authentication: check the pre-shared key "
			    "(psk) and local-id"));
	else if (n == ROVE_N_AUTHENTICATION_FAILED &&
		 (s->cfg.auth == ROVE_AUTHK_PUBKEY || s->cfg.auth == ROVE_AUTHK_EAP_TLS))
		sess_fail(s, f, _("the gateway rejected our certificate: check that it trusts the CA "
			    "that issued cert= and accepts our identity (local-id)"));
	else if (n == ROVE_N_AUTHENTICATION_FAILED)
		sess_fail(s, f, _("the gateway rejected the login: check the user name and password"));
	else
		child_fail_notify(s, n);
}

static void send_eap(struct rove_session *s, const struct rove_buf *eap, uint8_t phase)
{
	struct rove_mb mb;
	struct rove_err err;

	rove_mb_init_inner(&mb);
	if (eap->len)
		rove_mb_add(&mb, ROVE_PL_EAP, eap->data, eap->len);
	s->phase = phase;
	if (send_auth_request(s, &mb, &err) < 0)
		sess_fail(s, ROVE_FAIL_INTERNAL, "%s", err.msg);
	rove_mb_free(&mb);
}

static void send_msk_auth(struct rove_session *s)
{
	struct rove_mb mb;
	struct rove_err err;
	const uint8_t *msk;
	size_t msk_len;
	uint8_t auth[64];

	msk = auth_eap_msk(s, &msk_len);
	if (!msk || our_shared_key_auth(s, msk, msk_len, auth, &err) < 0) {
		sess_fail(s, ROVE_FAIL_INTERNAL, "%s", msk ? err.msg : "EAP produced no MSK");
		return;
	}
	rove_mb_init_inner(&mb);
	rove_mb_begin(&mb, ROVE_PL_AUTH, false);
	rove_auth_build(&mb.buf, ROVE_AUTH_PSK, auth, s->keys.prf_len);
	rove_mb_end(&mb);
	rove_wipe(auth, sizeof(auth));
	s->phase = PH_EAP_AUTH;
	if (send_auth_request(s, &mb, &err) < 0)
		sess_fail(s, ROVE_FAIL_INTERNAL, "%s", err.msg);
	rove_mb_free(&mb);
}

static void eap_tls_round(struct rove_session *s, const struct rove_payload *ep)
{
	enum rove_eap_result res = ROVE_EAP_CONTINUE;
	struct rove_buf out;
	struct rove_err err;

	rove_buf_init(&out);
	if (auth_eap_tls_input(s, ep->body, ep->len, &out, &res, &err) < 0)
		res = ROVE_EAP_DONE_FAILURE;
	if (res == ROVE_EAP_CONTINUE) {
		send_eap(s, &out, PH_EAP);
	} else if (res == ROVE_EAP_DONE_SUCCESS) {
		send_msk_auth(s);
	} else {
		if (out.len)
			send_eap(s, &out, PH_EAP);
		sess_fail(s, err.code == ROVE_E_CERT ? ROVE_FAIL_CERT : ROVE_FAIL_AUTH_FAILED,
			  "%s", err.msg);
	}
	rove_buf_free(&out);
}

static void eap_round(struct rove_session *s, const struct rove_payload *ep)
{
	enum rove_eap_result res = ROVE_EAP_CONTINUE;
	struct rove_buf out;
	struct rove_err err;

	if (s->cfg.auth == ROVE_AUTHK_EAP_TLS) {
		eap_tls_round(s, ep);
		return;
	}
	if (!s->eap) {
		s->eap = rove_eap_client_new(s->cfg.user, s->password, s->cfg.password_len,
					     s->cfg.rng, &err);
		if (!s->eap) {
			sess_fail(s, ROVE_FAIL_INTERNAL, "%s", err.msg);
			return;
		}
	}
	rove_buf_init(&out);
	if (rove_eap_client_input(s->eap, ep->body, ep->len, &out, &res, &err) < 0)
		res = ROVE_EAP_DONE_FAILURE;
	if (res == ROVE_EAP_CONTINUE) {
		send_eap(s, &out, PH_EAP);
	} else if (res == ROVE_EAP_DONE_SUCCESS) {
		sess_event(s, ROVE_EV_PROGRESS, _("authenticated as %s"), s->cfg.user);
		send_msk_auth(s);
	} else {
		/* Let the gateway finish its side (e.g. the MSCHAPv2 failure ack). */
		if (out.len)
			send_eap(s, &out, PH_EAP);
		sess_fail(s, ROVE_FAIL_AUTH_FAILED, "%s", err.msg);
	}
	rove_buf_free(&out);
}

static bool first_response(struct rove_session *s, const struct rove_msg *m)
{
	const struct rove_payload *idp = rove_msg_find(m, ROVE_PL_IDR);
	struct rove_err err;
	enum rove_fail f = verify_peer(s, m, &err);

	if (f != ROVE_FAIL_NONE) {
		info_notify_auth_failed(s);
		sess_fail(s, f, "%s", err.msg);
		return false;
	}
	rove_buf_reset(&s->idr_body);
	rove_buf_add(&s->idr_body, idp->body, idp->len);
	s->peer_verified = true;
	sess_event(s, ROVE_EV_PROGRESS, _("server verified as %s"), s->server_id);
	return true;
}

void ike_auth_response(struct rove_session *s, struct rove_msg *m)
{
	const struct rove_payload *ep = rove_msg_find(m, ROVE_PL_EAP);
	uint16_t nerr = first_error_notify(m);
	struct rove_err err;

	mobike_auth_response(s, m);
	if (nerr == ROVE_N_AUTHENTICATION_FAILED || (nerr && !rove_msg_find(m, ROVE_PL_AUTH))) {
		fail_notify(s, nerr);
		return;
	}
	if (s->phase == PH_AUTH && !first_response(s, m))
		return;
	if (s->phase == PH_EAP_AUTH && verify_peer_msk(s, m, &err) < 0) {
		info_notify_auth_failed(s);
		sess_fail(s, ROVE_FAIL_PEER_AUTH, "%s", err.msg);
		return;
	}
	if (ep && s->phase != PH_EAP_AUTH) {
		if (s->cfg.auth != ROVE_AUTHK_EAP_MSCHAPV2 && s->cfg.auth != ROVE_AUTHK_EAP_TLS) {
			sess_fail(s, ROVE_FAIL_PROTOCOL, _("the gateway wants EAP, but this profile "
				    "uses %s"), s->cfg.auth == ROVE_AUTHK_PSK ? "a pre-shared key" :
				  "a certificate (auth=pubkey)");
			return;
		}
		eap_round(s, ep);
		return;
	}
	if (s->phase == PH_AUTH &&
	    (s->cfg.auth == ROVE_AUTHK_EAP_MSCHAPV2 || s->cfg.auth == ROVE_AUTHK_EAP_TLS)) {
		sess_fail(s, ROVE_FAIL_PROTOCOL, _("the gateway did not start EAP"));
		return;
	}
	if (s->cfg.auth == ROVE_AUTHK_PSK)
		sess_event(s, ROVE_EV_PROGRESS, _("authenticated with the pre-shared key"));
	else if (s->cfg.auth == ROVE_AUTHK_PUBKEY)
		sess_event(s, ROVE_EV_PROGRESS, _("authenticated with our certificate"));
	if (redirect_auth_response(s, m))
		return;
	child_established(s, m);
}
