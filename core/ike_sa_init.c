/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IKE_SA_INIT (RFC 7296 1.2): proposals, key exchange, nonces, NAT
 * detection (2.23), cookies (2.6) and INVALID_KE_PAYLOAD retries (1.2). */
#include "session_internal.h"
#include "i18n.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "crypto.h"
#include "dh.h"
#include "sigverify.h"

#define MAX_KE_RETRIES 2
#define MAX_COOKIE_RETRIES 2

int natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8], const struct rove_addr *a,
	      uint8_t out[20])
{
	uint8_t port[2] = { (uint8_t)(a->port >> 8), (uint8_t)a->port };
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1 &&
		 EVP_DigestUpdate(c, spi_i, 8) == 1 && EVP_DigestUpdate(c, spi_r, 8) == 1 &&
		 EVP_DigestUpdate(c, a->addr, rove_addr_len(a)) == 1 &&
		 EVP_DigestUpdate(c, port, 2) == 1 && EVP_DigestFinal_ex(c, out, &n) == 1;

	EVP_MD_CTX_free(c);
	return ok && n == 20 ? 0 : -1;
}

static int add_natd(struct rove_session *s, struct rove_mb *mb, struct rove_err *err)
{
	static const uint8_t zero[8];
	uint8_t src[20], dst[20];

	if (natd_hash(s->spi_i, zero, &s->cfg.local, src) < 0 ||
	    natd_hash(s->spi_i, zero, &s->remote, dst) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("SHA-1 for NAT detection failed"));
	/* encap=yes: a source hash that cannot match makes the gateway believe
	 * we are behind a NAT, so both sides move to UDP encapsulation. */
	if (s->cfg.force_encap && rove_rng_fill(s->cfg.rng, src, sizeof(src)) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("random number generator failed"));
	rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
	return 0;
}

static int build_request(struct rove_session *s, struct rove_err *err)
{
	static const uint8_t zero[8];
	struct rove_sa *sa;
	struct rove_buf body;
	struct rove_mb mb;
	const uint8_t *pub;
	size_t publen;
	int rc = -1;

	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rove_buf_init(&body);
	rove_mb_init(&mb, s->spi_i, zero, ROVE_EXCH_IKE_SA_INIT, ROVE_FLAG_INITIATOR, 0);
	if (s->cookie.len) /* the COOKIE notify must come first (2.6) */
		rove_mb_add_notify(&mb, 0, NULL, 0, ROVE_N_COOKIE, s->cookie.data, s->cookie.len);
	if (rove_proposals_to_sa(&s->ike_props, NULL, 0, sa, err) < 0)
		goto out;
	rove_mb_begin(&mb, ROVE_PL_SA, false);
	rove_sa_build(&mb.buf, sa);
	rove_mb_end(&mb);
	pub = rove_dh_public(s->dh, &publen);
	rove_mb_begin(&mb, ROVE_PL_KE, false);
	rove_ke_build(&mb.buf, rove_dh_group(s->dh), pub, publen);
	rove_mb_end(&mb);
	rove_mb_add(&mb, ROVE_PL_NONCE, s->ni, sizeof(s->ni));
	if (add_natd(s, &mb, err) < 0)
		goto out;
	rove_mb_add_notify(&mb, 0, NULL, 0, ROVE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	redirect_add_notify(s, &mb);
	rove_sig_hash_algorithms(&body);
	rove_mb_add_notify(&mb, 0, NULL, 0, ROVE_N_SIGNATURE_HASH_ALGORITHMS, body.data, body.len);
	if (rove_mb_finish(&mb, err) < 0)
		goto out;
	rove_buf_reset(&s->req);
	rove_buf_add(&s->req, mb.buf.data, mb.buf.len);
	rove_buf_reset(&s->init_req);
	rove_buf_add(&s->init_req, mb.buf.data, mb.buf.len);
	rc = s->req.failed || s->init_req.failed ?
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory")) : 0;
out:
	free(sa);
	rove_buf_free(&body);
	rove_mb_free(&mb);
	return rc;
}

static int new_dh(struct rove_session *s, uint16_t group, struct rove_err *err)
{
	rove_dh_free(s->dh);
	s->dh = rove_dh_new(group, s->cfg.rng, err);
	return s->dh ? 0 : -1;
}

static void send_init(struct rove_session *s)
{
	s->phase = PH_INIT;
	s->next_msg_id = 1;
	sess_send_request(s, ROVE_EXCH_IKE_SA_INIT, 0);
}

int ike_sa_init_start(struct rove_session *s, struct rove_err *err)
{
	if (rove_rng_fill(s->cfg.rng, s->spi_i, 8) < 0 ||
	    rove_rng_fill(s->cfg.rng, s->ni, sizeof(s->ni)) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("random number generator failed"));
	if (new_dh(s, rove_proposals_first_dh(&s->ike_props), err) < 0)
		return -1;
	if (build_request(s, err) < 0)
		return -1;
	send_init(s);
	return 0;
}

/* The gateway asked for another DH group (RFC 7296 1.2). */
static void retry_with_group(struct rove_session *s, const struct rove_notify *n)
{
	struct rove_err err;
	uint16_t group;

	if (n->len != 2) {
		sess_fail(s, ROVE_FAIL_PROTOCOL, _("the gateway sent a malformed INVALID_KE_PAYLOAD"));
		return;
	}
	group = rove_get_be16(n->data);
	if (!rove_proposals_has_dh(&s->ike_props, group) || group == rove_dh_group(s->dh) ||
	    ++s->ke_retries > MAX_KE_RETRIES) {
		char offered[256];

		sess_fail(s, ROVE_FAIL_NO_PROPOSAL,
			  _("the gateway wants key exchange group %s, which is not among ours "
			    "(%s): check ike="), rove_dh_name(group),
			  rove_proposals_str(&s->ike_props, offered, sizeof(offered)));
		return;
	}
	sess_log(s, _("the gateway asks for %s, retrying"), rove_dh_name(group));
	if (new_dh(s, group, &err) < 0 || build_request(s, &err) < 0) {
		sess_fail(s, ROVE_FAIL_INTERNAL, "%s", err.msg);
		return;
	}
	send_init(s);
}

static void retry_with_cookie(struct rove_session *s, const struct rove_notify *n)
{
	struct rove_err err;

	if (n->len < 1 || n->len > 64 || ++s->cookie_retries > MAX_COOKIE_RETRIES) {
		sess_fail(s, ROVE_FAIL_PROTOCOL, _("the gateway keeps asking for a cookie"));
		return;
	}
	rove_buf_reset(&s->cookie);
	rove_buf_add(&s->cookie, n->data, n->len);
	sess_log(s, _("the gateway asks for a cookie, retrying"));
	if (build_request(s, &err) < 0) {
		sess_fail(s, ROVE_FAIL_INTERNAL, "%s", err.msg);
		return;
	}
	send_init(s);
}

/* Returns true if the response asked us to retry (and we did or failed). */
static bool handle_retry_notifies(struct rove_session *s, const struct rove_msg *m)
{
	const struct rove_payload *p;
	struct rove_notify n;

	p = rove_msg_find_notify(m, ROVE_N_COOKIE);
	if (p && rove_notify_parse(p->body, p->len, &n, NULL) == 0) {
		retry_with_cookie(s, &n);
		return true;
	}
	p = rove_msg_find_notify(m, ROVE_N_INVALID_KE_PAYLOAD);
	if (p && rove_notify_parse(p->body, p->len, &n, NULL) == 0) {
		retry_with_group(s, &n);
		return true;
	}
	return false;
}

/* Compares the gateway's NAT_DETECTION notifies with what we see. */
static void detect_nat(struct rove_session *s, const struct rove_msg *m)
{
	uint8_t h[20];
	bool have_src = false, src_match = false, have_dst = false, dst_match = false;

	for (size_t i = 0; i < m->n; i++) {
		struct rove_notify n;

		if (m->pl[i].type != ROVE_PL_NOTIFY ||
		    rove_notify_parse(m->pl[i].body, m->pl[i].len, &n, NULL) < 0 || n.len != 20)
			continue;
		if (n.type == ROVE_N_NAT_DETECTION_SOURCE_IP) {
			have_src = true;
			if (natd_hash(s->spi_i, s->spi_r, &s->remote, h) == 0 && !memcmp(h, n.data, 20))
				src_match = true;
		} else if (n.type == ROVE_N_NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			if (natd_hash(s->spi_i, s->spi_r, &s->cfg.local, h) == 0 && !memcmp(h, n.data, 20))
				dst_match = true;
		}
	}
	s->nat_remote = have_src && !src_match;
	s->nat_local = have_dst && !dst_match;
	if (s->nat_local || s->nat_remote || (s->cfg.force_encap && have_src)) {
		/* RFC 7296 2.23: continue on port 4500 with the non-ESP marker. */
		s->natt = true;
		s->local = s->cfg.local_natt;
		s->remote.port = ROVE_NATT_PORT;
		sess_log(s, _("NAT detected (%s%s%s), switching to UDP port 4500"),
			 s->nat_local ? _("we are behind a NAT") : "",
			 s->nat_local && s->nat_remote ? ", " : "",
			 s->nat_remote ? _("the gateway is behind a NAT") :
			 (!s->nat_local ? _("forced by encap=yes") : ""));
	}
}

static int take_proposal(struct rove_session *s, const struct rove_msg *m, struct rove_err *err)
{
	const struct rove_payload *p = rove_msg_find(m, ROVE_PL_SA);
	struct rove_sa *sa;
	int rc;

	if (!p)
		return rove_err_set(err, ROVE_E_PROTO, _("the IKE_SA_INIT response has no SA payload"));
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rc = rove_sa_parse(p->body, p->len, sa, err);
	if (rc == 0)
		rc = rove_proposals_check_reply(&s->ike_props, sa, &s->ike_chosen, err);
	free(sa);
	return rc;
}

static int take_ke_nonce(struct rove_session *s, const struct rove_msg *m, uint8_t *gir,
			 size_t *girlen, struct rove_err *err)
{
	const struct rove_payload *kp = rove_msg_find(m, ROVE_PL_KE);
	const struct rove_payload *np = rove_msg_find(m, ROVE_PL_NONCE);
	struct rove_ke ke;

	if (!kp || !np)
		return rove_err_set(err, ROVE_E_PROTO, _("the IKE_SA_INIT response lacks KE or Nonce"));
	if (rove_ke_parse(kp->body, kp->len, &ke, err) < 0 || rove_nonce_check(np->len, err) < 0)
		return -1;
	if (ke.group != rove_dh_group(s->dh) || ke.group != s->ike_chosen.dh)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway's KE group %u is not the one we sent"),
				    ke.group);
	memcpy(s->nr, np->body, np->len);
	s->nr_len = np->len;
	return rove_dh_shared(s->dh, ke.data, ke.len, gir, girlen, err);
}

static int derive_keys(struct rove_session *s, const uint8_t *gir, size_t girlen,
		       struct rove_err *err)
{
	struct rove_ike_suite suite = {
		.encr = s->ike_chosen.encr,
		.encr_bits = s->ike_chosen.encr_bits,
		.prf = s->ike_chosen.prf,
		.integ = s->ike_chosen.integ,
		.dh = s->ike_chosen.dh,
	};

	if (rove_ike_keys_derive(&suite, s->ni, sizeof(s->ni), s->nr, s->nr_len, gir, girlen,
				 s->spi_i, s->spi_r, &s->keys, err) < 0)
		return -1;
	s->have_keys = true;
	return 0;
}

void ike_sa_init_response(struct rove_session *s, const uint8_t *pkt, size_t len,
			  struct rove_msg *m)
{
	uint8_t gir[512];
	size_t girlen = 0;
	struct rove_err err;
	uint16_t nerr;

	if (redirect_init_response(s, m) || handle_retry_notifies(s, m))
		return;
	nerr = first_error_notify(m);
	if (nerr == ROVE_N_NO_PROPOSAL_CHOSEN) {
		char offered[256];

		sess_fail(s, ROVE_FAIL_NO_PROPOSAL,
			  _("the gateway accepts none of our IKE proposals (we offered %s): "
			    "check ike= against what the gateway allows"),
			  rove_proposals_str(&s->ike_props, offered, sizeof(offered)));
		return;
	}
	if (nerr) {
		sess_fail(s, fail_from_notify(nerr, s->phase), _("the gateway refused IKE_SA_INIT with %s"),
			  rove_notify_name(nerr));
		return;
	}
	memcpy(s->spi_r, m->hdr.spi_r, 8);
	if (take_proposal(s, m, &err) < 0 || take_ke_nonce(s, m, gir, &girlen, &err) < 0 ||
	    derive_keys(s, gir, girlen, &err) < 0) {
		rove_wipe(gir, sizeof(gir));
		sess_fail(s, err.code == ROVE_E_PROTO || err.code == ROVE_E_PARSE ?
			  ROVE_FAIL_PROTOCOL : ROVE_FAIL_NO_PROPOSAL, "%s", err.msg);
		return;
	}
	rove_wipe(gir, sizeof(gir));
	rove_dh_free(s->dh);
	s->dh = NULL;
	rove_buf_reset(&s->init_resp);
	rove_buf_add(&s->init_resp, pkt, len);
	auth_certreq_check(s, m);
	detect_nat(s, m);
	if (ike_auth_start(s, &err) < 0)
		sess_fail(s, ROVE_FAIL_INTERNAL, "%s", err.msg);
}
