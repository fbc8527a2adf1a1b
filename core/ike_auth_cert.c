/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Certificate (pubkey) authentication in IKE_AUTH (RFC 7296 2.15, 3.6,
 * 3.7, RFC 7427): our identity from the certificate, CERT payloads for our
 * certificate and the intermediates the gateway lacks, and the AUTH
 * signature. What the gateway said in its IKE_SA_INIT response (CERTREQ,
 * SIGNATURE_HASH_ALGORITHMS) is read back from the stored response, so the
 * IKE_SA_INIT code needs to keep nothing for us. */
#include "session_internal.h"
#include "i18n.h"

#include <openssl/x509.h>
#include <string.h>

#include "cred.h"
#include "eap_tls.h"
#include "sigsign.h"

/* A gateway names the CAs it trusts in CERTREQ (RFC 7296 3.7), 20-byte
 * SHA-1 hashes, so we can stop our chain below one of them. strongSwan
 * sends one per CA it loaded; other gateways list their whole trust store,
 * dozens or hundreds. Refusing long lists would break such gateways for
 * nothing: the list only trims what we send, and a CA named past the limit
 * costs at most an intermediate sent that the gateway already had. So the
 * first CERTREQ_MAX_CAS are read and the rest ignored (one verbose line),
 * which bounds the matching against our chain (each step compares each
 * hash) and what we keep. */
size_t auth_certreq_hashes(const struct rove_msg *m, struct rove_buf *out)
{
	const struct rove_payload *p;
	struct rove_err err;
	size_t total = 0;

	for (p = rove_msg_find(m, ROVE_PL_CERTREQ); p; p = rove_msg_find_next(m, p, ROVE_PL_CERTREQ)) {
		struct rove_cert_pl c;
		size_t n, room;

		if (rove_cert_parse(p->body, p->len, &c, &err) < 0 ||
		    c.encoding != ROVE_CERT_X509_SIG)
			continue;
		n = c.len / 20;
		room = total < CERTREQ_MAX_CAS ? CERTREQ_MAX_CAS - total : 0;
		if (out)
			rove_buf_add(out, c.data, 20 * (n < room ? n : room));
		total += n;
	}
	return total;
}

void auth_certreq_check(struct rove_session *s, const struct rove_msg *m)
{
	size_t n = auth_certreq_hashes(m, NULL);

	if (n > CERTREQ_MAX_CAS)
		sess_log(s, _("the gateway's CERTREQ names %zu CAs; rove reads the first %d "
			   "and ignores the rest (no gateway needs more to be sent the right "
			   "chain)"), n, CERTREQ_MAX_CAS);
}

/* The gateway's IKE_SA_INIT response as it was received (it is not
 * encrypted): CERTREQ hashes and announced signature hashes. */
static void gateway_wishes(const struct rove_session *s, struct rove_buf *hashes,
			   rove_sig_hashes *sig)
{
	struct rove_msg m;
	struct rove_err err;
	const struct rove_payload *p;
	struct rove_notify n;

	*sig = 0;
	if (rove_msg_parse(s->init_resp.data, s->init_resp.len, &m, &err) < 0)
		return;
	p = rove_msg_find_notify(&m, ROVE_N_SIGNATURE_HASH_ALGORITHMS);
	if (p && rove_notify_parse(p->body, p->len, &n, &err) == 0)
		*sig = rove_sig_hashes_parse(n.data, n.len);
	auth_certreq_hashes(&m, hashes);
}

int auth_cert_idi(struct rove_session *s, struct rove_buf *idi, struct rove_err *err)
{
	struct rove_buf dn;
	int rc;

	rove_buf_init(&dn);
	rc = rove_cred_subject_der(s->cfg.cred, &dn, err);
	if (rc == 0)
		rove_id_build(idi, ROVE_ID_DER_ASN1_DN, dn.data, dn.len);
	rove_buf_free(&dn);
	return rc;
}

static void add_certs(struct rove_session *s, struct rove_mb *mb, const struct rove_buf *hashes)
{
	X509 *chain[ROVE_CRED_MAX_CHAIN + 1];
	size_t n = rove_cred_pick_chain(s->cfg.cred, hashes->data, hashes->len, chain,
					ROVE_CRED_MAX_CHAIN + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(chain[i], &der);

		if (len <= 0)
			continue;
		rove_mb_begin(mb, ROVE_PL_CERT, false);
		rove_cert_build(&mb->buf, ROVE_CERT_X509_SIG, der, (size_t)len);
		rove_mb_end(mb);
		OPENSSL_free(der);
	}
}

/* Adds CERT payloads, then (after the caller's CERTREQ and IDr) AUTH:
 * called twice, with sign false then true, to keep RFC 7296's order. */
int auth_cert_add(struct rove_session *s, struct rove_mb *mb, bool sign, struct rove_err *err)
{
	struct rove_buf hashes, octets, auth;
	rove_sig_hashes sig;
	uint8_t method = 0;
	int rc;

	rove_buf_init(&hashes);
	gateway_wishes(s, &hashes, &sig);
	if (!sign) {
		add_certs(s, mb, &hashes);
		rove_buf_free(&hashes);
		return 0;
	}
	rove_buf_free(&hashes);
	rove_buf_init(&octets);
	rove_buf_init(&auth);
	rc = rove_auth_octets(s->keys.suite.prf, s->keys.sk_pi, s->keys.prf_len,
			      s->init_req.data, s->init_req.len, s->nr, s->nr_len,
			      s->idi.data, s->idi.len, &octets, err);
	if (rc == 0)
		rc = rove_sig_sign(rove_cred_key(s->cfg.cred), sig, ROVE_SIG_RSA_PSS, octets.data,
				   octets.len, &method, &auth, err);
	if (rc == 0) {
		rove_mb_begin(mb, ROVE_PL_AUTH, false);
		rove_auth_build(&mb->buf, method, auth.data, auth.len);
		rove_mb_end(mb);
		sess_log(s, _("AUTH signed with %s (method %u)"), rove_cred_key_desc(s->cfg.cred),
			 method);
	}
	rove_buf_free(&auth);
	rove_buf_free(&octets);
	return rc;
}

/* ---- EAP-TLS ---- */

/* The EAP identity: local-id, else the certificate's subject DN. */
static const char *eap_tls_identity(const struct rove_session *s)
{
	return s->cfg.local_id ? s->cfg.local_id : rove_cred_subject(s->cfg.cred);
}

int auth_eap_tls_input(struct rove_session *s, const uint8_t *pkt, size_t len,
		       struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err)
{
	int rc;

	if (!s->eap_tls) {
		struct rove_eap_tls_config c = {
			.identity = eap_tls_identity(s),
			.cred = s->cfg.cred,
			.trust = s->cfg.trust,
			.server_id = s->cfg.remote_id,
			.verify_time = s->cfg.verify_time,
			.tls13 = s->cfg.eap_tls13,
		};

		s->eap_tls = rove_eap_tls_new(&c, err);
		if (!s->eap_tls) {
			*res = ROVE_EAP_DONE_FAILURE;
			return -1;
		}
	}
	rc = rove_eap_tls_input(s->eap_tls, pkt, len, out, res, err);
	if (rc == 0 && *res == ROVE_EAP_DONE_SUCCESS)
		sess_event(s, ROVE_EV_PROGRESS, _("EAP-TLS with %s, %s"),
			   rove_eap_tls_version(s->eap_tls), rove_eap_tls_cipher(s->eap_tls));
	return rc;
}

const uint8_t *auth_eap_msk(const struct rove_session *s, size_t *len)
{
	*len = 0;
	if (s->eap_tls)
		return rove_eap_tls_msk(s->eap_tls, len);
	return s->eap ? rove_eap_client_msk(s->eap, len) : NULL;
}
