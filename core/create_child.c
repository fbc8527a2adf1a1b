/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CREATE_CHILD_SA for the CHILD SA (RFC 7296 1.3.3, 2.8): rekeying it when
 * its time comes, answering the gateway's rekeys, collisions (2.8.1),
 * TEMPORARY_FAILURE and INVALID_KE_PAYLOAD (2.25, 1.3), and deleting the
 * replaced SA. Make before break: the new SA goes to the datapath
 * (CHILD_UP) before the old one is deleted; the old one's inbound half
 * stays for a grace time after both sides deleted it (CHILD_DOWN then).
 * The IKE SA's rekey is in ike_rekey.c. */
#include "session_internal.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

#include "dh.h"

#define DEFAULT_GRACE_MS 2000
#define UNDELETED_MS 30000    /* a replaced SA the gateway never deletes */
#define RETRY_MS 2000         /* after TEMPORARY_FAILURE, plus jitter */
#define FAILED_RETRY_MS 30000 /* after another refusal */
#define MAX_TRIES 5

uint64_t cc_rekey_time(struct rove_session *s, uint64_t base_ms, uint32_t secs)
{
	uint64_t span = (uint64_t)secs * 100, j = 0;
	uint8_t r[4];

	if (!secs)
		return UINT64_MAX;
	if (span && rove_rng_fill(s->cfg.rng, r, sizeof(r)) == 0)
		j = rove_get_be32(r) % (span + 1);
	return base_ms + (uint64_t)secs * 1000 - j;
}

void cc_init_timers(struct rove_session *s)
{
	s->child.lifetime_s = (uint32_t)(((uint64_t)s->cfg.child_rekey_s * 11 + 9) / 10);
	s->rk.ike_up_ms = s->rk.child_up_ms = s->now_ms;
	s->rk.child_due_ms = cc_rekey_time(s, s->now_ms, s->cfg.child_rekey_s);
	s->rk.ike_due_ms = cc_rekey_time(s, s->now_ms, s->cfg.ike_rekey_s);
}

static uint32_t grace_ms(const struct rove_session *s)
{
	return s->cfg.rekey_grace_ms ? s->cfg.rekey_grace_ms : DEFAULT_GRACE_MS;
}

static int new_spi(struct rove_session *s, uint32_t *spi, struct rove_err *err)
{
	uint8_t b[4];

	do { /* 1..255 are reserved (RFC 4303 2.1) */
		if (rove_rng_fill(s->cfg.rng, b, sizeof(b)) < 0)
			return rove_err_set(err, ROVE_E_CRYPTO, _("random number generator failed"));
		*spi = rove_get_be32(b);
	} while (*spi < 256);
	return 0;
}

/* ---- the replaced SAs ---- */

static struct old_child *old_by(struct rove_session *s, uint32_t spi, bool out)
{
	for (size_t i = 0; i < MAX_OLD_CHILDREN; i++)
		if (s->rk.old[i].used && (out ? s->rk.old[i].sa.spi_out : s->rk.old[i].sa.spi_in) == spi)
			return &s->rk.old[i];
	return NULL;
}

/* Keeps c in an old slot (the oldest goes first when all are taken). */
static struct old_child *keep_old(struct rove_session *s, const struct rove_child_sa *c,
				  bool delete_due)
{
	struct old_child *o = NULL;

	for (size_t i = 0; i < MAX_OLD_CHILDREN && !o; i++)
		if (!s->rk.old[i].used)
			o = &s->rk.old[i];
	if (!o) {
		o = &s->rk.old[0];
		for (size_t i = 1; i < MAX_OLD_CHILDREN; i++)
			if (s->rk.old[i].retire_ms < o->retire_ms)
				o = &s->rk.old[i];
		/* The event must not point at the slot we reuse. */
		s->rk.evicted = o->sa;
		if (!o->unused)
			sess_child_event(s, ROVE_EV_CHILD_DOWN, &s->rk.evicted);
	}
	memset(o, 0, sizeof(*o));
	o->sa = *c;
	o->used = true;
	o->delete_due = delete_due;
	o->retire_ms = s->now_ms + UNDELETED_MS;
	return o;
}

static void retire(struct rove_session *s, struct old_child *o)
{
	o->delete_due = false;
	o->deleted = true;
	o->retire_ms = s->now_ms + grace_ms(s);
}

/* The outbound half of the current SA goes in (after the gateway's rekey:
 * the gateway has deleted the old SA, so it has the new one). */
static void switch_outbound(struct rove_session *s)
{
	if (!s->rk.out_pending)
		return;
	s->rk.out_pending = false;
	sess_child_event(s, ROVE_EV_CHILD_OUTBOUND, &s->child);
}

/* The current CHILD SA is replaced by c: c goes to the datapath first.
 * After our rekey (ours), whole: the gateway installed it before it
 * answered. After the gateway's, only its inbound half: the gateway
 * installs the SA when our answer arrives, which may be lost; its DELETE
 * of the old SA says it has it, and then we send through the new one
 * (switch_outbound). we_delete: the replaced SA's DELETE is ours to send. */
static void replace_child(struct rove_session *s, const struct rove_child_sa *c, bool ours,
			  bool we_delete)
{
	uint32_t old_in = s->child.spi_in, old_out = s->child.spi_out;

	if (s->rk.out_pending)
		s->rk.out_pending = false; /* the replaced SA never sent: c does now */
	else
		s->rk.out_via = old_in;
	keep_old(s, &s->child, we_delete);
	s->child = *c;
	s->child_up = true;
	s->rk.out_pending = !ours;
	sess_child_event(s, ROVE_EV_CHILD_UP, &s->child)->inbound_only = !ours;
	s->rk.child_count++;
	s->rk.last_ms = s->now_ms;
	s->rk.child_up_ms = s->now_ms;
	s->rk.child_due_ms = cc_rekey_time(s, s->now_ms, s->cfg.child_rekey_s);
	s->rk.tries = 0;
	sess_event(s, ROVE_EV_PROGRESS, _("CHILD SA rekeyed (%s): SPIs %08x_i %08x_o replace "
		     "%08x_i %08x_o"), ours ? _("by us") : _("by the gateway"), c->spi_in, c->spi_out,
		   old_in, old_out);
}

bool cc_peer_delete(struct rove_session *s, uint32_t spi, struct rove_mb *resp)
{
	struct old_child *o = old_by(s, spi, true);
	uint8_t ours[4];

	if (!o)
		return false;
	if (o->sa.spi_in == s->rk.out_via)
		switch_outbound(s);
	rove_put_be32(ours, o->sa.spi_in);
	rove_mb_begin(resp, ROVE_PL_DELETE, false);
	rove_delete_build(&resp->buf, ROVE_PROTO_ESP, 4, 1, ours);
	rove_mb_end(resp);
	retire(s, o);
	return true;
}

/* When the current CHILD SA's hard lifetime ends, UINT64_MAX for none. */
static uint64_t child_expiry(const struct rove_session *s)
{
	if (!s->child_up || !s->child.lifetime_s)
		return UINT64_MAX;
	return s->rk.child_up_ms + (uint64_t)s->child.lifetime_s * 1000;
}

uint64_t cc_next_timer(const struct rove_session *s)
{
	uint64_t t = UINT64_MAX;

	if (s->phase != PH_UP)
		return t;
	t = child_expiry(s);
	for (size_t i = 0; i < MAX_OLD_CHILDREN; i++)
		if (s->rk.old[i].used && s->rk.old[i].retire_ms < t)
			t = s->rk.old[i].retire_ms;
	if (!s->req_outstanding && s->child_up && s->rk.child_due_ms < t)
		t = s->rk.child_due_ms;
	if (!s->req_outstanding && s->rk.ike_due_ms < t)
		t = s->rk.ike_due_ms;
	return t;
}

void cc_timer(struct rove_session *s)
{
	struct rove_err err;

	if (s->phase != PH_UP)
		return;
	if (s->now_ms >= child_expiry(s)) {
		/* The kernel drops the SAs now too: say so rather than keep a
		 * session that carries nothing. */
		sess_fail(s, ROVE_FAIL_REKEY, _("the tunnel's keys expired after %u s without a "
			    "successful rekey (the gateway refused or did not answer): %s"),
			  s->child.lifetime_s, rove_fail_hint(ROVE_FAIL_REKEY));
		info_send_delete(s, &err);
		return;
	}
	for (size_t i = 0; i < MAX_OLD_CHILDREN; i++) {
		struct old_child *o = &s->rk.old[i];

		if (!o->used || s->now_ms < o->retire_ms)
			continue;
		if (!o->deleted)
			sess_log(s, _("the replaced CHILD SA %08x was never deleted; removing it"),
				 o->sa.spi_in);
		if (o->sa.spi_in == s->rk.out_via)
			switch_outbound(s);
		cc_old_down(s, o);
	}
}

void cc_old_down(struct rove_session *s, struct old_child *o)
{
	o->used = false;
	if (!o->unused)
		sess_child_event(s, ROVE_EV_CHILD_DOWN, &o->sa);
}

void cc_free(struct rove_session *s)
{
	rove_dh_free(s->rk.dh);
	s->rk.dh = NULL;
	rove_wipe(s->rk.old, sizeof(s->rk.old));
	rove_wipe(&s->rk.evicted, sizeof(s->rk.evicted));
}

/* ---- building and taking the CHILD SA ---- */

static void add_ts(struct rove_mb *mb, const struct rove_child_sa *c, bool we_initiate)
{
	/* TSi is the initiator's side. */
	rove_mb_begin(mb, ROVE_PL_TSI, false);
	rove_ts_build(&mb->buf, we_initiate ? c->ts_local : c->ts_remote,
		      we_initiate ? c->nts_local : c->nts_remote);
	rove_mb_end(mb);
	rove_mb_begin(mb, ROVE_PL_TSR, false);
	rove_ts_build(&mb->buf, we_initiate ? c->ts_remote : c->ts_local,
		      we_initiate ? c->nts_remote : c->nts_local);
	rove_mb_end(mb);
}

/* The new SA: the current one's selectors and addresses, new SPIs, suite
 * and keys (KEYMAT from this exchange's nonces, 2.17). */
static int make_child(struct rove_session *s, const struct rove_chosen *ch, uint32_t spi_in,
		      const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
		      const uint8_t *nr, size_t nrlen, bool we_initiate, struct rove_child_sa *c,
		      struct rove_err *err)
{
	struct rove_esp_suite suite = { ch->encr, ch->encr_bits, ch->integ, ch->esn == ROVE_ESN_YES };
	struct rove_child_keys k;

	if (rove_child_keys_derive(s->keys.suite.prf, s->keys.sk_d, s->keys.prf_len, &suite, gir,
				   girlen, ni, nilen, nr, nrlen, &k, err) < 0)
		return -1;
	*c = s->child;
	c->spi_in = spi_in;
	c->spi_out = rove_get_be32(ch->spi);
	c->encr = ch->encr;
	c->encr_keylen = ch->encr_bits;
	c->integ = ch->integ;
	c->esn = suite.esn;
	c->enc_key_len = k.encr_len;
	c->integ_key_len = k.integ_len;
	/* i->r keys protect what the exchange's initiator sends. */
	memcpy(c->enc_key_out, we_initiate ? k.ei : k.er, k.encr_len);
	memcpy(c->enc_key_in, we_initiate ? k.er : k.ei, k.encr_len);
	memcpy(c->integ_key_out, we_initiate ? k.ai : k.ar, k.integ_len);
	memcpy(c->integ_key_in, we_initiate ? k.ar : k.ai, k.integ_len);
	rove_wipe(&k, sizeof(k));
	c->local = s->local;
	c->remote = s->remote;
	rove_chosen_str(ch, true, c->proposal, sizeof(c->proposal));
	c->lifetime_s = (uint32_t)(((uint64_t)s->cfg.child_rekey_s * 11 + 9) / 10);
	return 0;
}

/* ---- we rekey ---- */

static int start_child_rekey(struct rove_session *s, struct rove_err *err)
{
	struct rove_mb mb;
	struct rove_sa *sa = NULL;
	uint8_t spi[4], rekeyed[4];
	uint16_t group = s->rk.group ? s->rk.group : rove_proposals_first_dh(&s->esp_props);
	uint32_t id;
	int rc = -1;

	rove_dh_free(s->rk.dh);
	s->rk.dh = NULL;
	if (new_spi(s, &s->rk.spi_in, err) < 0 ||
	    rove_rng_fill(s->cfg.rng, s->rk.ni, sizeof(s->rk.ni)) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("random number generator failed"));
	if (group && !(s->rk.dh = rove_dh_new(group, s->cfg.rng, err)))
		return -1;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rove_mb_init_inner(&mb);
	rove_put_be32(rekeyed, s->child.spi_in);
	rove_mb_add_notify(&mb, ROVE_PROTO_ESP, rekeyed, 4, ROVE_N_REKEY_SA, NULL, 0);
	rove_put_be32(spi, s->rk.spi_in);
	if (rove_proposals_to_sa(&s->esp_props, spi, 4, sa, err) < 0)
		goto out;
	rove_mb_begin(&mb, ROVE_PL_SA, false);
	rove_sa_build(&mb.buf, sa);
	rove_mb_end(&mb);
	rove_mb_add(&mb, ROVE_PL_NONCE, s->rk.ni, sizeof(s->rk.ni));
	if (s->rk.dh) {
		size_t publen;
		const uint8_t *pub = rove_dh_public(s->rk.dh, &publen);

		rove_mb_begin(&mb, ROVE_PL_KE, false);
		rove_ke_build(&mb.buf, group, pub, publen);
		rove_mb_end(&mb);
	}
	add_ts(&mb, &s->child, true);
	id = s->next_msg_id;
	if (sess_seal(s, ROVE_EXCH_CREATE_CHILD_SA, false, id, &mb, &s->req, err) < 0)
		goto out;
	s->next_msg_id++;
	sess_send_request(s, ROVE_EXCH_CREATE_CHILD_SA, id);
	s->req_kind = REQ_CHILD_REKEY;
	s->rk.rekeying = s->child.spi_in;
	s->rk.collided = false;
	s->rk.child_due_ms = UINT64_MAX;
	sess_log(s, _("rekeying CHILD SA %08x"), s->child.spi_in);
	rc = 0;
out:
	free(sa);
	rove_mb_free(&mb);
	return rc;
}

static int send_child_delete(struct rove_session *s, struct old_child *o, struct rove_err *err)
{
	struct rove_mb mb;
	uint8_t spi[4];
	uint32_t id = s->next_msg_id;
	int rc;

	rove_mb_init_inner(&mb);
	rove_put_be32(spi, o->sa.spi_in);
	rove_mb_begin(&mb, ROVE_PL_DELETE, false);
	rove_delete_build(&mb.buf, ROVE_PROTO_ESP, 4, 1, spi);
	rove_mb_end(&mb);
	rc = sess_seal(s, ROVE_EXCH_INFORMATIONAL, false, id, &mb, &s->req, err);
	rove_mb_free(&mb);
	if (rc < 0)
		return -1;
	s->next_msg_id++;
	sess_send_request(s, ROVE_EXCH_INFORMATIONAL, id);
	s->req_kind = REQ_CHILD_DELETE;
	s->rk.rekeying = o->sa.spi_in;
	o->delete_due = false;
	return 0;
}

bool cc_start_next(struct rove_session *s)
{
	struct rove_err err;

	for (size_t i = 0; i < MAX_OLD_CHILDREN; i++) {
		struct old_child *o = &s->rk.old[i];

		if (o->used && o->delete_due && !o->deleted) {
			if (send_child_delete(s, o, &err) == 0)
				return true;
			sess_log(s, _("cannot delete the old CHILD SA: %s"), err.msg);
			o->delete_due = false;
		}
	}
	if (s->now_ms >= s->rk.ike_due_ms) {
		if (ike_rekey_start(s, &err) == 0)
			return true;
		sess_log(s, _("cannot rekey the IKE SA: %s"), err.msg);
		s->rk.ike_due_ms = s->now_ms + FAILED_RETRY_MS;
	}
	if (s->child_up && s->now_ms >= s->rk.child_due_ms) {
		if (start_child_rekey(s, &err) == 0)
			return true;
		sess_log(s, _("cannot rekey the CHILD SA: %s"), err.msg);
		s->rk.child_due_ms = s->now_ms + FAILED_RETRY_MS;
	}
	return false;
}

/* The gateway refused our rekey: try again later (the SA stays usable). */
static void rekey_refused(struct rove_session *s, uint16_t n)
{
	uint8_t r = 0;

	rove_rng_fill(s->cfg.rng, &r, 1);
	if (++s->rk.tries > MAX_TRIES) {
		sess_event(s, ROVE_EV_PROGRESS, _("the gateway keeps refusing to rekey the CHILD SA "
			     "(%s); it will expire unless the gateway rekeys it"), rove_notify_name(n));
		s->rk.child_due_ms = UINT64_MAX;
		return;
	}
	switch (n) {
	case ROVE_N_INVALID_KE_PAYLOAD:
		/* A group of ours the gateway prefers (1.3, 2.7). */
		s->rk.child_due_ms = s->now_ms;
		break;
	case ROVE_N_TEMPORARY_FAILURE:
		/* It is busy with another exchange on this SA (2.25). */
		s->rk.child_due_ms = s->now_ms + RETRY_MS + r * 10u;
		break;
	case ROVE_N_CHILD_SA_NOT_FOUND:
		s->rk.child_due_ms = UINT64_MAX;
		return;
	default:
		s->rk.child_due_ms = s->now_ms + FAILED_RETRY_MS;
		break;
	}
	/* Never past the SA's hard lifetime: half the time left at most. */
	if (child_expiry(s) != UINT64_MAX && child_expiry(s) > s->now_ms &&
	    s->rk.child_due_ms > s->now_ms + (child_expiry(s) - s->now_ms) / 2)
		s->rk.child_due_ms = s->now_ms + (child_expiry(s) - s->now_ms) / 2;
	sess_log(s, _("the gateway answered our CHILD SA rekey with %s; retrying"),
		 rove_notify_name(n));
}

static int take_ke(const struct rove_msg *m, struct rove_dh *dh, uint16_t group, uint8_t *gir,
		   size_t *girlen, struct rove_err *err)
{
	const struct rove_payload *kp = rove_msg_find(m, ROVE_PL_KE);
	struct rove_ke ke;

	*girlen = 0;
	if (!group)
		return kp ? rove_err_set(err, ROVE_E_PROTO, _("a KE payload without a group")) : 0;
	if (!kp || !dh)
		return rove_err_set(err, ROVE_E_PROTO, _("the KE payload for PFS is missing"));
	if (rove_ke_parse(kp->body, kp->len, &ke, err) < 0)
		return -1;
	if (ke.group != group)
		return rove_err_set(err, ROVE_E_PROTO, _("KE group %u instead of %u"), ke.group, group);
	return rove_dh_shared(dh, ke.data, ke.len, gir, girlen, err);
}

/* Our rekey crossed the gateway's (2.8.1): the exchange with the lowest of
 * the four nonces made the redundant SA, and its initiator deletes it. */
static void resolve_collision(struct rove_session *s, const struct rove_child_sa *ours,
			      const uint8_t *nr, size_t nrlen)
{
	size_t lo_len;
	const uint8_t *lo = rekey_lowest(s->rk.ni, sizeof(s->rk.ni), nr, nrlen, &lo_len);
	struct old_child *x = old_by(s, s->rk.rekeying, false);

	if (rekey_nonce_cmp(lo, lo_len, s->rk.peer_lo, s->rk.peer_lo_len) < 0) {
		/* Ours is redundant: never used, we delete it. */
		sess_log(s, _("rekey collision: ours has the lowest nonce, deleting it"));
		keep_old(s, ours, true)->unused = true;
		return;
	}
	/* The gateway's is redundant (it deletes that one); ours replaces it
	 * and the SA both of us rekeyed is ours to delete. */
	sess_log(s, _("rekey collision: the gateway's has the lowest nonce, keeping ours"));
	replace_child(s, ours, true, false);
	s->rk.child_count--; /* one rekey, two exchanges */
	if (x)
		x->delete_due = true;
}

static void child_rekey_response(struct rove_session *s, struct rove_msg *m)
{
	const struct rove_payload *np = rove_msg_find(m, ROVE_PL_NONCE);
	uint16_t nerr = first_error_notify(m);
	struct rove_child_sa c;
	struct rove_chosen ch;
	struct rove_err err;
	uint8_t gir[ROVE_DH_MAX];
	size_t girlen = 0;
	int rc;

	if (nerr) {
		const struct rove_payload *p = rove_msg_find_notify(m, ROVE_N_INVALID_KE_PAYLOAD);
		struct rove_notify n;

		if (p && rove_notify_parse(p->body, p->len, &n, NULL) == 0 && n.len == 2 &&
		    rove_proposals_has_dh(&s->esp_props, rove_get_be16(n.data)))
			s->rk.group = rove_get_be16(n.data);
		rekey_refused(s, nerr);
		return;
	}
	if (!old_by(s, s->rk.rekeying, false) && s->child.spi_in != s->rk.rekeying) {
		sess_log(s, _("the CHILD SA we rekeyed is gone; dropping the new one"));
		return;
	}
	rc = child_take_esp(s, m, &ch, &err);
	if (rc == 0 && !np)
		rc = rove_err_set(&err, ROVE_E_PROTO, _("no nonce"));
	if (rc == 0)
		rc = rove_nonce_check(np->len, &err);
	if (rc == 0)
		rc = take_ke(m, s->rk.dh, ch.dh, gir, &girlen, &err);
	if (rc == 0)
		rc = make_child(s, &ch, s->rk.spi_in, girlen ? gir : NULL, girlen, s->rk.ni,
				sizeof(s->rk.ni), np->body, np->len, true, &c, &err);
	rove_wipe(gir, sizeof(gir));
	rove_dh_free(s->rk.dh);
	s->rk.dh = NULL;
	if (rc < 0) {
		sess_log(s, _("the gateway's answer to our CHILD SA rekey is unusable: %s"), err.msg);
		s->rk.child_due_ms = s->now_ms + FAILED_RETRY_MS;
		return;
	}
	if (s->rk.collided)
		resolve_collision(s, &c, np->body, np->len);
	else
		replace_child(s, &c, true, true);
	rove_wipe(&c, sizeof(c));
}

void cc_response(struct rove_session *s, struct rove_msg *m)
{
	struct old_child *o;

	switch (s->req_kind) {
	case REQ_CHILD_REKEY:
		child_rekey_response(s, m);
		break;
	case REQ_CHILD_DELETE:
		/* The answer names the gateway's half; either way ours is gone. */
		o = old_by(s, s->rk.rekeying, false);
		if (o)
			retire(s, o);
		break;
	default:
		break;
	}
}

/* ---- the gateway rekeys ---- */

void cc_answer_notify(struct rove_session *s, uint16_t type, const uint8_t *data, size_t len)
{
	struct rove_mb resp;

	rove_mb_init_inner(&resp);
	rove_mb_add_notify(&resp, 0, NULL, 0, type, data, len);
	sess_respond(s, ROVE_EXCH_CREATE_CHILD_SA, &resp);
	rove_mb_free(&resp);
}

/* The REKEY_SA notify's protocol and SPI; false without one. */
static bool rekey_notify(const struct rove_msg *m, uint8_t *proto, uint32_t *spi)
{
	const struct rove_payload *p = rove_msg_find_notify(m, ROVE_N_REKEY_SA);
	struct rove_notify n;

	if (!p || rove_notify_parse(p->body, p->len, &n, NULL) < 0)
		return false;
	*proto = n.protocol;
	*spi = n.spi_size == 4 ? rove_get_be32(n.spi) : 0;
	return true;
}

static int build_answer(struct rove_session *s, const struct rove_sa *reply, const uint8_t *nr,
			size_t nrlen, struct rove_dh *dh, struct rove_mb *mb)
{
	rove_mb_init_inner(mb);
	rove_mb_begin(mb, ROVE_PL_SA, false);
	rove_sa_build(&mb->buf, reply);
	rove_mb_end(mb);
	rove_mb_add(mb, ROVE_PL_NONCE, nr, nrlen);
	if (dh) {
		size_t publen;
		const uint8_t *pub = rove_dh_public(dh, &publen);

		rove_mb_begin(mb, ROVE_PL_KE, false);
		rove_ke_build(&mb->buf, rove_dh_group(dh), pub, publen);
		rove_mb_end(mb);
	}
	add_ts(mb, &s->child, false);
	return mb->buf.failed ? -1 : 0;
}

/* The gateway's KE for the chosen group: 0 and gir, or the notify to
 * answer with (INVALID_KE_PAYLOAD when it guessed another group). */
static uint16_t peer_ke(struct rove_session *s, const struct rove_msg *m, uint16_t group,
			struct rove_dh **dh, uint8_t *gir, size_t *girlen)
{
	const struct rove_payload *kp = rove_msg_find(m, ROVE_PL_KE);
	struct rove_err err;
	struct rove_ke ke;

	*girlen = 0;
	if (!group)
		return 0;
	if (!kp || rove_ke_parse(kp->body, kp->len, &ke, &err) < 0 || ke.group != group)
		return ROVE_N_INVALID_KE_PAYLOAD;
	*dh = rove_dh_new(group, s->cfg.rng, &err);
	if (!*dh || rove_dh_shared(*dh, ke.data, ke.len, gir, girlen, &err) < 0)
		return ROVE_N_INVALID_KE_PAYLOAD;
	return 0;
}

static void peer_child_rekey(struct rove_session *s, struct rove_msg *m, const struct rove_sa *offer)
{
	const struct rove_payload *np = rove_msg_find(m, ROVE_PL_NONCE);
	struct rove_sa *reply = calloc(1, sizeof(*reply));
	struct rove_dh *dh = NULL;
	struct rove_child_sa c;
	struct rove_chosen ch;
	struct rove_err err;
	struct rove_mb mb;
	uint8_t nr[32], spib[4], gir[ROVE_DH_MAX], grp[2];
	size_t girlen = 0;
	uint32_t spi_in;
	uint16_t n;
	bool crossing = s->req_outstanding && s->req_kind == REQ_CHILD_REKEY &&
			s->rk.rekeying == s->child.spi_in;

	if (!reply)
		return;
	if (!np || rove_nonce_check(np->len, &err) < 0 || new_spi(s, &spi_in, &err) < 0 ||
	    rove_rng_fill(s->cfg.rng, nr, sizeof(nr)) < 0) {
		cc_answer_notify(s, ROVE_N_INVALID_SYNTAX, NULL, 0);
		goto out;
	}
	rove_put_be32(spib, spi_in);
	if (rove_proposals_select(&s->esp_props, offer, spib, 4, reply, &ch, &err) < 0) {
		sess_log(s, _("refusing the gateway's CHILD SA rekey: %s"), err.msg);
		cc_answer_notify(s, ROVE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}
	n = peer_ke(s, m, ch.dh, &dh, gir, &girlen);
	if (n) {
		rove_put_be16(grp, ch.dh);
		cc_answer_notify(s, n, grp, 2);
		goto out;
	}
	if (make_child(s, &ch, spi_in, girlen ? gir : NULL, girlen, np->body, np->len, nr,
		       sizeof(nr), false, &c, &err) < 0 ||
	    build_answer(s, reply, nr, sizeof(nr), dh, &mb) < 0) {
		sess_log(s, _("cannot answer the gateway's CHILD SA rekey: %s"), err.msg);
		cc_answer_notify(s, ROVE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}
	sess_respond(s, ROVE_EXCH_CREATE_CHILD_SA, &mb);
	rove_mb_free(&mb);
	if (crossing) {
		/* Ours is still out: remember this exchange's lowest nonce. */
		size_t len;
		const uint8_t *lo = rekey_lowest(np->body, np->len, nr, sizeof(nr), &len);

		s->rk.collided = true;
		memcpy(s->rk.peer_lo, lo, len);
		s->rk.peer_lo_len = len;
		s->rk.peer_spi_in = spi_in;
	}
	/* The gateway started it, so it deletes the old SA (2.8). */
	replace_child(s, &c, false, false);
	rove_wipe(&c, sizeof(c));
out:
	rove_wipe(gir, sizeof(gir));
	rove_dh_free(dh);
	free(reply);
}

void cc_peer_request(struct rove_session *s, struct rove_msg *m)
{
	const struct rove_payload *p = rove_msg_find(m, ROVE_PL_SA);
	struct rove_sa *offer;
	struct rove_err err;
	uint8_t proto = 0;
	uint32_t spi = 0;
	bool rekey = rekey_notify(m, &proto, &spi);

	offer = p ? calloc(1, sizeof(*offer)) : NULL;
	if (!offer || rove_sa_parse(p->body, p->len, offer, &err) < 0 || offer->n == 0) {
		cc_answer_notify(s, p ? ROVE_N_INVALID_SYNTAX : ROVE_N_NO_ADDITIONAL_SAS, NULL, 0);
		free(offer);
		return;
	}
	if (!rekey && offer->prop[0].protocol == ROVE_PROTO_IKE) {
		ike_rekey_peer_request(s, m, offer);
	} else if (!rekey) {
		/* Only the one tunnel we asked for. */
		cc_answer_notify(s, ROVE_N_NO_ADDITIONAL_SAS, NULL, 0);
	} else if ((s->req_outstanding && s->req_kind == REQ_IKE_REKEY) || s->phase != PH_UP ||
		   s->rk.ike_collided) {
		/* 2.25: the IKE SA is being rekeyed or deleted */
		cc_answer_notify(s, ROVE_N_TEMPORARY_FAILURE, NULL, 0);
	} else if (proto != ROVE_PROTO_ESP || !s->child_up || spi != s->child.spi_out) {
		/* A replaced SA being deleted is busy rather than unknown. */
		cc_answer_notify(s, proto == ROVE_PROTO_ESP && old_by(s, spi, true) ?
			      ROVE_N_TEMPORARY_FAILURE : ROVE_N_CHILD_SA_NOT_FOUND, NULL, 0);
	} else {
		peer_child_rekey(s, m, offer);
	}
	free(offer);
}
