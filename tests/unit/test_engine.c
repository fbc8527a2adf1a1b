/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine driven through whole exchanges recorded against a real
 * strongSwan gateway (the .rec files in tests/data, made with tests/tools/record.c and
 * tests/tools/record.sh): with the same seed the engine must send exactly
 * the recorded bytes and reach the recorded result. Variations of the same
 * recordings check that tampering, a wrong CA, a wrong identity, an expired
 * certificate and a gateway that cannot prove the password are refused, and
 * that silence ends in the "UDP blocked" failure. Two recordings keep the
 * tunnel up across rekeys (CHILD and IKE SA) started by the gateway and by
 * us, and check that the CHILD SAs reach the datapath make-before-break. */
#include "check.h"

#include <stdbool.h>

#include "cert.h"
#include "redirect.h"
#include "dh.h"
#include "keys.h"
#include "payload.h"
#include "proposal.h"
#include "session.h"
#include "sk.h"

#define MAX_STEPS 64

struct step {
	char dir; /* '>' sent by us, '<' received, 'c' the recorder closed */
	uint8_t *data;
	size_t len;
};

struct rec {
	long long time;
	char seed[64], local[64], remote[64], remote_id[128], auth[8], id[128], secret[128];
	unsigned lport, nport;
	unsigned dpd; /* ms, from a "dpd" line (liveness checks on) */
	unsigned frag; /* from a "fragment-size" line */
	bool redirect; /* a "redirect" line: up until the gateway redirects */
	unsigned child_rekey, ike_rekey; /* "rekey" line: the session's times */
	bool has_close;
	size_t n;
	struct step s[MAX_STEPS];
	char ca[512];
};

static bool load_rec(const char *path, struct rec *r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	memset(r, 0, sizeof(*r));
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return false;
	}
	snprintf(r->ca, sizeof(r->ca), "%.*s.ca.pem", (int)(strlen(path) - 4), path);
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "time %lld", &r->time) == 1 || sscanf(line, "seed %63s", r->seed) == 1 ||
		    sscanf(line, "local %63s %u %u", r->local, &r->lport, &r->nport) == 3 ||
		    sscanf(line, "remote-id %127s", r->remote_id) == 1 ||
		    sscanf(line, "remote %63s", r->remote) == 1 ||
		    sscanf(line, "dpd %u", &r->dpd) == 1 ||
		    sscanf(line, "fragment-size %u", &r->frag) == 1 ||
		    sscanf(line, "auth %7s %127s %127s", r->auth, r->id, r->secret) == 3 ||
		    sscanf(line, "rekey %u %u", &r->child_rekey, &r->ike_rekey) == 2)
			continue;
		if (!strcmp(line, "redirect\n"))
			r->redirect = true;
		if (!strcmp(line, "close\n") && r->n < MAX_STEPS) {
			r->s[r->n++].dir = 'c';
			r->has_close = true;
			continue;
		}
		if ((line[0] == '>' || line[0] == '<') && r->n < MAX_STEPS) {
			size_t hl = strlen(line) / 2 + 1;
			struct step *st = &r->s[r->n++];

			st->dir = line[0];
			st->data = malloc(hl);
			st->len = check_hex(line + 2, st->data, hl);
		}
	}
	free(line);
	fclose(f);
	return r->n > 0;
}

static void free_rec(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->s[i].data);
}

struct run {
	struct rove_rng_det rng;
	struct rove_trust *trust;
	struct rove_session *s;
	uint64_t now;
	bool up, closed, failed, child_down;
	enum rove_fail reason;
	char redirect_to[256], redirect_msg[512]; /* ROVE_EV_REDIRECT */
	char fail_msg[512];
	char vip[64];
	unsigned eap_after_fail; /* datagrams queued after the failure */
	/* What a datapath would hold: the inbound SPIs of CHILD_UP minus
	 * CHILD_DOWN, and whether it ever went empty while the tunnel was up
	 * (a break before make). */
	uint32_t dp[8];
	size_t ndp, ups, downs;
	bool dp_gap, bad_down;
	unsigned rekeyed_by_us, rekeyed_by_gw, ike_rekeyed;
};

struct variant {
	const char *remote_id; /* NULL: as recorded */
	const char *password;  /* NULL: as recorded */
	const char *ca;        /* NULL: as recorded */
	long long time_shift;
};

static bool start_run(struct run *ru, const struct rec *r, const struct variant *v)
{
	struct rove_session_config cfg = { 0 };
	struct rove_err err;

	memset(ru, 0, sizeof(*ru));
	rove_rng_det_init(&ru->rng, r->seed, strlen(r->seed));
	CHECK(rove_addr_parse(r->local, &cfg.local));
	CHECK(rove_addr_parse(r->local, &cfg.local_natt));
	CHECK(rove_addr_parse(r->remote, &cfg.remote));
	cfg.local.port = (uint16_t)r->lport;
	cfg.local_natt.port = (uint16_t)r->nport;
	cfg.remote.port = 500;
	cfg.remote_id = v->remote_id ? v->remote_id : r->remote_id;
	cfg.rng = &ru->rng.rng;
	cfg.verify_time = r->time + v->time_shift;
	cfg.initial_contact = true; /* the recordings are first IKE SAs */
	cfg.dpd_ms = r->dpd;
	cfg.fragment_size = r->frag;
	cfg.child_rekey_s = r->child_rekey;
	cfg.ike_rekey_s = r->ike_rekey;
	ru->trust = rove_trust_new(v->ca ? v->ca : r->ca, &err);
	CHECK(ru->trust != NULL);
	if (!ru->trust)
		return false;
	cfg.trust = ru->trust;
	if (!strcmp(r->auth, "eap")) {
		cfg.auth = ROVE_AUTHK_EAP_MSCHAPV2;
		cfg.user = r->id;
		cfg.password = (const uint8_t *)(v->password ? v->password : r->secret);
		cfg.password_len = strlen((const char *)cfg.password);
	} else {
		cfg.auth = ROVE_AUTHK_PSK;
		cfg.local_id = r->id;
		cfg.psk = (const uint8_t *)r->secret;
		cfg.psk_len = strlen(r->secret);
	}
	ru->s = rove_session_new(&cfg, &err);
	CHECK(ru->s != NULL);
	if (!ru->s) {
		fprintf(stderr, "%s\n", err.msg);
		return false;
	}
	CHECK(rove_session_start(ru->s, ru->now) == 0);
	return true;
}

static void drain(struct run *ru)
{
	struct rove_event ev;

	while (rove_session_poll_event(ru->s, &ev)) {
		if (ev.type == ROVE_EV_CONFIG && ev.config->has_vip4)
			rove_addr_str(&ev.config->vip4.addr, ru->vip, sizeof(ru->vip));
		if (ev.type == ROVE_EV_CHILD_UP) {
			ru->up = true;
			ru->ups++;
			if (ru->ndp < 8)
				ru->dp[ru->ndp++] = ev.child->spi_in;
		}
		if (ev.type == ROVE_EV_CHILD_DOWN) {
			size_t i = 0;

			ru->downs++;
			while (i < ru->ndp && ru->dp[i] != ev.child->spi_in)
				i++;
			if (i == ru->ndp)
				ru->bad_down = true; /* never installed */
			else
				ru->dp[i] = ru->dp[--ru->ndp];
			if (ru->ndp == 0 && rove_session_state(ru->s) == ROVE_ST_ESTABLISHED)
				ru->dp_gap = true;
		}
		if (ev.type == ROVE_EV_PROGRESS && strstr(ev.msg, "SA rekeyed")) {
			if (strstr(ev.msg, "IKE SA"))
				ru->ike_rekeyed++;
			if (strstr(ev.msg, "(by us)"))
				ru->rekeyed_by_us++;
			else
				ru->rekeyed_by_gw++;
		}
		if (ev.type == ROVE_EV_CLOSED)
			ru->closed = true;
		if (ev.type == ROVE_EV_CHILD_DOWN)
			ru->child_down = true;
		if (ev.type == ROVE_EV_REDIRECT) {
			rove_redirect_str(ev.redirect, ru->redirect_to, sizeof(ru->redirect_to));
			snprintf(ru->redirect_msg, sizeof(ru->redirect_msg), "%s", ev.msg);
		}
		if (ev.type == ROVE_EV_FAILED) {
			ru->failed = true;
			ru->reason = ev.reason;
			snprintf(ru->fail_msg, sizeof(ru->fail_msg), "%s", ev.msg);
		}
	}
}

static void end_run(struct run *ru)
{
	rove_session_free(ru->s);
	rove_trust_free(ru->trust);
}

/* Plays the recording: compares what we send when `strict`, feeds what the
 * gateway sent, closes once the tunnel is up (as the recorder did). Stops
 * at the first failure. Returns the number of mismatching datagrams. */
static int play_until(struct run *ru, const struct rec *r, bool strict, size_t tamper_step,
		      bool stop_when_up)
{
	struct rove_datagram dg;
	struct rove_addr l, rem;
	int mismatches = 0;
	bool closing = false;

	rove_addr_parse(r->local, &l);
	rove_addr_parse(r->remote, &rem);
	for (size_t i = 0; i < r->n && !ru->failed; i++) {
		const struct step *st = &r->s[i];

		ru->now += 5;
		if (st->dir == 'c') {
			if (!closing) {
				closing = true;
				rove_session_close(ru->s, ru->now);
				drain(ru);
			}
			continue;
		}
		if (st->dir == '>') {
			bool got;

			/* After a redirect our DELETE waits for the timer. */
			if (r->redirect && rove_session_next_timer(ru->s) <= ru->now)
				rove_session_handle_timer(ru->s, ru->now);
			got = rove_session_pop_datagram(ru->s, &dg);
			/* Nothing queued: what we send next is due at a timer (our
			 * rekey); the clock jumps there. */
			for (int k = 0; k < 8 && !got; k++) {
				uint64_t t = rove_session_next_timer(ru->s);

				if (t == UINT64_MAX)
					break;
				ru->now = t > ru->now ? t : ru->now;
				rove_session_handle_timer(ru->s, ru->now);
				drain(ru);
				got = rove_session_pop_datagram(ru->s, &dg);
			}
			if (!got) {
				mismatches += strict;
				continue;
			}
			if (strict && (dg.len != st->len || memcmp(dg.data, st->data, st->len))) {
				fprintf(stderr, "step %zu: sent datagram differs from the recording\n", i);
				mismatches++;
			}
		} else {
			uint8_t *copy = malloc(st->len);

			memcpy(copy, st->data, st->len);
			if (i == tamper_step)
				copy[st->len - 1] ^= 0x01;
			rove_session_recv(ru->s, copy, st->len, &l, &rem, ru->now);
			free(copy);
		}
		drain(ru);
		if (ru->up && stop_when_up)
			break;
		if (ru->up && !closing && !r->redirect && !r->has_close) {
			closing = true;
			rove_session_close(ru->s, ru->now);
			drain(ru);
		}
	}
	return mismatches;
}

static int play(struct run *ru, const struct rec *r, bool strict, size_t tamper_step)
{
	return play_until(ru, r, strict, tamper_step, false);
}

static const char *rec_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "../data/%s", name);
	return buf;
}

static void replay_ok(const char *name, const char *expect_vip)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	char p[256];

	CHECK(load_rec(rec_path(name, p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up);
	CHECK(!ru.failed);
	CHECK(ru.closed);
	CHECK_STR(ru.vip, expect_vip);
	end_run(&ru);
	free_rec(&r);
}

static void test_replay_eap(void)
{
	replay_ok("eap.rec", "10.3.0.1");
}

/* Rekeys under a recorded session: byte for byte, every one counted, and
 * the datapath never without a CHILD SA (make before break); the replaced
 * SAs go after their successors came, all of them by the close. */
static void replay_rekeys(const char *name, bool by_us, unsigned min_child, unsigned min_ike)
{
	struct rove_session_info info;
	struct variant v = { 0 };
	struct rec r;
	struct run ru;
	char p[256];

	CHECK(load_rec(rec_path(name, p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up && ru.closed && !ru.failed);
	rove_session_get_info(ru.s, &info);
	CHECK(info.child_rekeys >= min_child);
	CHECK(info.ike_rekeys >= min_ike);
	CHECK(ru.ike_rekeyed == info.ike_rekeys);
	CHECK((by_us ? ru.rekeyed_by_us : ru.rekeyed_by_gw) == info.child_rekeys + info.ike_rekeys);
	CHECK((by_us ? ru.rekeyed_by_gw : ru.rekeyed_by_us) == 0);
	CHECK(ru.ups == 1 + info.child_rekeys);
	CHECK(ru.downs == ru.ups);
	CHECK(!ru.dp_gap);
	CHECK(!ru.bad_down);
	CHECK(ru.ndp == 0);
	end_run(&ru);
	free_rec(&r);
}

static void test_rekey_by_gateway(void)
{
	replay_rekeys("rekey-gw.rec", false, 3, 1);
}

static void test_rekey_by_us(void)
{
	replay_rekeys("rekey-ours.rec", true, 2, 1);
}

/* ---- a rekey collision (RFC 7296 2.8.1), built on rekey-ours.rec ----
 *
 * No recording can time two rekeys to cross, so the gateway's side is
 * made here: the test derives the IKE SA's keys as the gateway did (the
 * seed gives our DH key, the recording the gateway's KE and nonce), and
 * while our recorded CHILD SA rekey is outstanding it sends the engine the
 * gateway's own rekey of the same SA, with a nonce it picks. Then the
 * recorded answer to ours arrives. The test takes the four nonces from the
 * decrypted messages and checks that the exchange with the lowest made
 * the redundant SA: ours deleted and never used, or the gateway's left to
 * the gateway and the SA both rekeyed deleted by us. */

struct collision {
	struct rove_ike_keys k;
	uint8_t spi_i[8], spi_r[8];
	uint8_t lo_ours[256], lo_gw[256]; /* lowest nonce of each exchange */
	size_t lo_ours_len, lo_gw_len;
};

static bool derive_gateway_keys(const struct rec *r, struct collision *c)
{
	struct rove_rng_det rng;
	struct rove_proposals ike;
	struct rove_sa *sa = calloc(1, sizeof(*sa));
	struct rove_msg *m = calloc(1, sizeof(*m));
	struct rove_chosen ch;
	struct rove_ke ke;
	struct rove_err err;
	struct rove_dh *dh;
	uint8_t ni[32], gir[ROVE_DH_MAX];
	size_t girlen;
	const struct rove_payload *p;
	bool ok;

	/* ike_sa_init_start's draws: SPIi, Ni, then the DH key. */
	rove_rng_det_init(&rng, r->seed, strlen(r->seed));
	rove_rng_fill(&rng.rng, c->spi_i, 8);
	rove_rng_fill(&rng.rng, ni, sizeof(ni));
	rove_proposals_default(false, &ike);
	dh = rove_dh_new(rove_proposals_first_dh(&ike), &rng.rng, &err);
	ok = dh && sa && m && r->s[1].dir == '<' &&
	     rove_msg_parse(r->s[1].data, r->s[1].len, m, &err) == 0 &&
	     (p = rove_msg_find(m, ROVE_PL_SA)) && rove_sa_parse(p->body, p->len, sa, &err) == 0 &&
	     rove_proposals_check_reply(&ike, sa, &ch, &err) == 0 &&
	     (p = rove_msg_find(m, ROVE_PL_KE)) && rove_ke_parse(p->body, p->len, &ke, &err) == 0 &&
	     rove_dh_shared(dh, ke.data, ke.len, gir, &girlen, &err) == 0 &&
	     (p = rove_msg_find(m, ROVE_PL_NONCE));
	if (ok) {
		struct rove_ike_suite suite = { ch.encr, ch.encr_bits, ch.prf, ch.integ, ch.dh };

		memcpy(c->spi_r, m->hdr.spi_r, 8);
		ok = rove_ike_keys_derive(&suite, ni, sizeof(ni), p->body, p->len, gir, girlen,
					  c->spi_i, c->spi_r, &c->k, &err) == 0;
	}
	rove_dh_free(dh);
	free(sa);
	free(m);
	return ok;
}

/* Decrypts an IKE message of this SA into m (plain holds len bytes). */
static bool open_msg(const struct collision *c, bool from_us, const uint8_t *pkt, size_t len,
		     struct rove_msg *m, uint8_t *plain)
{
	const struct rove_payload *sk;
	struct rove_sk_dir dir;
	struct rove_err err;
	size_t plen;
	uint8_t first;

	if (rove_msg_parse(pkt, len, m, &err) < 0 || !(sk = rove_msg_find(m, ROVE_PL_SK)))
		return false;
	first = sk->next;
	rove_sk_dir_from_keys(&c->k, from_us, &dir);
	if (rove_sk_open(&dir, pkt, len, sk->offset, plain, len, &plen, &err) < 0)
		return false;
	m->n--;
	return rove_msg_parse_inner(first, plain, plen, m, &err) == 0;
}

/* The lower of the exchange's two nonces so far and the one in pkt. */
static void note_nonce(const struct collision *c, bool from_us, const uint8_t *pkt, size_t len,
		       uint8_t *lo, size_t *lo_len)
{
	struct rove_msg *m = calloc(1, sizeof(*m));
	uint8_t *plain = malloc(len);
	const struct rove_payload *n;

	CHECK(m && plain && open_msg(c, from_us, pkt, len, m, plain));
	n = m ? rove_msg_find(m, ROVE_PL_NONCE) : NULL;
	CHECK(n != NULL);
	if (n) {
		size_t k = n->len < *lo_len ? n->len : *lo_len;
		int cmp = memcmp(n->body, lo, k);

		if (!*lo_len || cmp < 0 || (cmp == 0 && n->len < *lo_len)) {
			memcpy(lo, n->body, n->len);
			*lo_len = n->len;
		}
	}
	free(m);
	free(plain);
}

/* The gateway's CREATE_CHILD_SA request rekeying our SA, or its DELETE. */
static void gateway_request(const struct collision *c, uint8_t exchange, uint32_t msg_id,
			    const struct rove_child_sa *x, const uint8_t nonce[32], uint32_t del,
			    struct rove_buf *out)
{
	struct rove_rng_det rng;
	struct rove_proposals esp;
	struct rove_sa *sa = calloc(1, sizeof(*sa));
	struct rove_mb in, outer;
	struct rove_sk_dir dir;
	struct rove_err err;
	uint8_t spi[4];

	rove_rng_det_init(&rng, "gw", 2);
	rove_mb_init_inner(&in);
	if (exchange == ROVE_EXCH_CREATE_CHILD_SA) {
		rove_put_be32(spi, x->spi_out); /* its inbound SPI */
		rove_mb_add_notify(&in, ROVE_PROTO_ESP, spi, 4, ROVE_N_REKEY_SA, NULL, 0);
		rove_proposals_parse("aes256gcm16!", true, &esp, &err);
		rove_put_be32(spi, 0x6a7e0001);
		rove_proposals_to_sa(&esp, spi, 4, sa, &err);
		rove_mb_begin(&in, ROVE_PL_SA, false);
		rove_sa_build(&in.buf, sa);
		rove_mb_end(&in);
		rove_mb_add(&in, ROVE_PL_NONCE, nonce, 32);
		rove_mb_begin(&in, ROVE_PL_TSI, false); /* the gateway's side first */
		rove_ts_build(&in.buf, x->ts_remote, x->nts_remote);
		rove_mb_end(&in);
		rove_mb_begin(&in, ROVE_PL_TSR, false);
		rove_ts_build(&in.buf, x->ts_local, x->nts_local);
		rove_mb_end(&in);
	} else {
		rove_put_be32(spi, del);
		rove_mb_begin(&in, ROVE_PL_DELETE, false);
		rove_delete_build(&in.buf, ROVE_PROTO_ESP, 4, 1, spi);
		rove_mb_end(&in);
	}
	CHECK(rove_mb_finish(&in, &err) == 0);
	rove_mb_init(&outer, c->spi_i, c->spi_r, exchange, 0, msg_id);
	outer.buf.data[16] = ROVE_PL_SK;
	rove_sk_dir_from_keys(&c->k, false, &dir);
	CHECK(rove_sk_seal(&dir, &rng.rng, &outer.buf, outer.buf.len, in.first, in.buf.data,
			   in.buf.len, &err) == 0);
	rove_buf_reset(out);
	rove_buf_add(out, outer.buf.data, outer.buf.len);
	rove_mb_free(&in);
	rove_mb_free(&outer);
	free(sa);
}

static void collide(uint8_t gw_nonce_byte)
{
	struct collision c = { 0 };
	struct variant v = { 0 };
	struct rove_session_info info;
	struct rove_child_sa x, ours;
	struct rove_datagram dg;
	struct rove_buf req;
	struct rove_addr l, rem;
	uint8_t nonce[32];
	struct rec r;
	struct run ru;
	char p[256];
	size_t i = 0, ups;
	bool ours_lose;

	memset(nonce, gw_nonce_byte, sizeof(nonce));
	CHECK(load_rec(rec_path("rekey-ours.rec", p, sizeof(p)), &r));
	CHECK(derive_gateway_keys(&r, &c));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	/* As recorded up to our first CREATE_CHILD_SA request. */
	for (; i < r.n; i++) {
		const struct step *st = &r.s[i];

		if (st->dir == '<') {
			rove_session_recv(ru.s, st->data, st->len, &l, &rem, ++ru.now);
			drain(&ru);
			continue;
		}
		while (!rove_session_pop_datagram(ru.s, &dg)) {
			ru.now = rove_session_next_timer(ru.s);
			rove_session_handle_timer(ru.s, ru.now);
			drain(&ru);
		}
		CHECK(dg.len == st->len && !memcmp(dg.data, st->data, st->len));
		if (st->data[18] == ROVE_EXCH_CREATE_CHILD_SA)
			break;
	}
	CHECK(i < r.n);
	rove_session_get_info(ru.s, &info);
	x = *info.children[0];
	note_nonce(&c, true, r.s[i].data, r.s[i].len, c.lo_ours, &c.lo_ours_len);
	/* The gateway's rekey of the same SA crosses ours. */
	rove_buf_init(&req);
	gateway_request(&c, ROVE_EXCH_CREATE_CHILD_SA, 0, &x, nonce, 0, &req);
	rove_session_recv(ru.s, req.data, req.len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* answered at once */
	CHECK(dg.data[18] == ROVE_EXCH_CREATE_CHILD_SA && (dg.data[19] & ROVE_FLAG_RESPONSE));
	memcpy(c.lo_gw, nonce, sizeof(nonce));
	c.lo_gw_len = sizeof(nonce);
	note_nonce(&c, true, dg.data, dg.len, c.lo_gw, &c.lo_gw_len);
	CHECK(ru.ups == 2 && ru.rekeyed_by_gw == 1);
	/* The recorded answer to ours. */
	CHECK(r.s[i + 1].dir == '<');
	note_nonce(&c, false, r.s[i + 1].data, r.s[i + 1].len, c.lo_ours, &c.lo_ours_len);
	ours_lose = memcmp(c.lo_ours, c.lo_gw, 32) < 0;
	fprintf(stderr, "collision: %s exchange has the lowest nonce\n", ours_lose ? "our" : "the gateway's");
	ups = ru.ups;
	rove_session_recv(ru.s, r.s[i + 1].data, r.s[i + 1].len, &l, &rem, ++ru.now);
	drain(&ru);
	rove_session_get_info(ru.s, &info);
	ours = *info.children[0];
	/* What we delete next: our redundant SA, or the one both rekeyed. */
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL);
	{
		struct rove_msg *m = calloc(1, sizeof(*m));
		uint8_t *plain = malloc(dg.len);
		const struct rove_payload *d;
		struct rove_delete del;

		CHECK(open_msg(&c, true, dg.data, dg.len, m, plain));
		d = rove_msg_find(m, ROVE_PL_DELETE);
		CHECK(d && rove_delete_parse(d->body, d->len, &del, NULL) == 0 && del.nspi == 1);
		if (ours_lose) /* ours never went to the datapath */
			CHECK(ru.ups == ups && ours.spi_out == 0x6a7e0001 &&
			      rove_get_be32(del.spis) != x.spi_in && rove_get_be32(del.spis) != ours.spi_in);
		else
			CHECK(ru.ups == ups + 1 && ours.spi_out != 0x6a7e0001 &&
			      rove_get_be32(del.spis) == x.spi_in);
		free(m);
		free(plain);
	}
	/* Both rekeys count once; the datapath was never left empty. */
	CHECK(info.child_rekeys == 1);
	CHECK(!ru.dp_gap && !ru.bad_down);
	rove_buf_free(&req);
	end_run(&ru);
	free_rec(&r);
}

static void test_rekey_collision_gateway_lowest(void)
{
	collide(0x00); /* the gateway's nonce is the lowest of the four */
}

static void test_rekey_collision_ours_lowest(void)
{
	collide(0xff); /* then ours holds the lowest (or its answer's does) */
}

static void test_replay_psk(void)
{
	replay_ok("psk.rec", "10.3.0.2");
}

/* The gateway asked for a COOKIE, then for ECP-384 instead of X25519. */
static void test_replay_cookie_and_group_retry(void)
{
	replay_ok("retry.rec", "10.3.0.1");
}

/* Plays a variant loosely and returns the failure. */
static enum rove_fail variant_fail(const char *name, const struct variant *v, char *msg,
				   size_t msglen, size_t tamper_step, bool *up, bool *closed)
{
	struct rec r;
	struct run ru;
	char p[256];
	enum rove_fail f;

	CHECK(load_rec(rec_path(name, p, sizeof(p)), &r));
	if (!start_run(&ru, &r, v))
		return ROVE_FAIL_INTERNAL;
	play(&ru, &r, false, tamper_step);
	f = ru.failed ? ru.reason : ROVE_FAIL_NONE;
	snprintf(msg, msglen, "%s", ru.fail_msg);
	if (up)
		*up = ru.up;
	if (closed)
		*closed = ru.closed;
	end_run(&ru);
	free_rec(&r);
	return f;
}

/* Behind a real NAT the engine keeps the mapping open with a single 0xff
 * byte on the NAT-T port every 20 s (RFC 3948 2.3), without the non-ESP
 * marker, and only then. */
static void test_nat_keepalive(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_session_info info;
	char p[256];
	unsigned keepalives = 0;

	CHECK(load_rec(rec_path("nat.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play_until(&ru, &r, true, SIZE_MAX, true) == 0);
	CHECK(ru.up);
	rove_session_get_info(ru.s, &info);
	CHECK(info.nat_local && info.nat_detected);
	CHECK(info.local.port == r.nport && info.remote.port == 4500);
	while (rove_session_pop_datagram(ru.s, &dg))
		;
	for (int i = 0; i < 3; i++) {
		uint64_t t = rove_session_next_timer(ru.s);

		CHECK(t != UINT64_MAX && t - ru.now <= 20000);
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		while (rove_session_pop_datagram(ru.s, &dg)) {
			CHECK(dg.len == 1 && dg.data[0] == 0xff);
			CHECK(!dg.non_esp_marker);
			CHECK(dg.local.port == r.nport && dg.remote.port == 4500);
			keepalives++;
		}
	}
	CHECK(keepalives == 3);
	end_run(&ru);
	free_rec(&r);
}

static void test_no_keepalive_without_nat(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	char p[256];

	CHECK(load_rec(rec_path("eap.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	play_until(&ru, &r, true, SIZE_MAX, true);
	CHECK(ru.up);
	/* Our side is not behind a NAT: nothing to keep alive. */
	CHECK(rove_session_next_timer(ru.s) == UINT64_MAX);
	end_run(&ru);
	free_rec(&r);
}

static void test_wrong_identity(void)
{
	struct variant v = { .remote_id = "gw.elsewhere.test" };
	char msg[512];

	CHECK(variant_fail("eap.rec", &v, msg, sizeof(msg), SIZE_MAX, NULL, NULL) == ROVE_FAIL_ID_MISMATCH);
	CHECK(strstr(msg, "gw.elsewhere.test") != NULL);
}

static void test_untrusted_ca(void)
{
	struct variant v = { .ca = "../data/other-ca.pem" };
	char msg[512];

	CHECK(variant_fail("eap.rec", &v, msg, sizeof(msg), SIZE_MAX, NULL, NULL) ==
	      ROVE_FAIL_UNTRUSTED_CA);
	CHECK(strstr(msg, "ca=") != NULL);
}

static void test_expired(void)
{
	struct variant v = { .time_shift = 20LL * 365 * 86400 };
	char msg[512];

	CHECK(variant_fail("eap.rec", &v, msg, sizeof(msg), SIZE_MAX, NULL, NULL) ==
	      ROVE_FAIL_CERT_EXPIRED);
}

/* With another password our NT-Response differs, so the gateway's recorded
 * authenticator response cannot verify: a gateway that does not know the
 * password must be refused before EAP-Success counts. */
static void test_gateway_must_prove_password(void)
{
	struct variant v = { .password = "not-the-password" };
	char msg[512];
	bool up = true;

	CHECK(variant_fail("eap.rec", &v, msg, sizeof(msg), SIZE_MAX, &up, NULL) ==
	      ROVE_FAIL_AUTH_FAILED);
	CHECK(!up);
	CHECK(strstr(msg, "prove") != NULL);
}

/* A flipped bit in any gateway message is dropped: before the tunnel is
 * up it never comes up, and a damaged answer to our DELETE does not count
 * as the close (the request would time out, which play() does not wait
 * for). */
static void test_tampered(void)
{
	struct rec r;
	struct variant v = { 0 };
	char p[256], msg[512];
	size_t last = 0;

	CHECK(load_rec(rec_path("eap.rec", p, sizeof(p)), &r));
	for (size_t i = 0; i < r.n; i++)
		if (r.s[i].dir == '<')
			last = i;
	for (size_t i = 0; i < r.n; i++) {
		bool up = true, closed = true;

		if (r.s[i].dir != '<')
			continue;
		enum rove_fail f = variant_fail("eap.rec", &v, msg, sizeof(msg), i, &up, &closed);

		/* IKE_SA_INIT has no integrity protection of its own: the
		 * gateway's AUTH signature over it is what catches tampering. */
		if (i == 1)
			CHECK(f == ROVE_FAIL_PEER_AUTH);
		else
			CHECK(f == ROVE_FAIL_NONE);
		if (i == last)
			CHECK(up && !closed);
		else
			CHECK(!up && !closed);
	}
	free_rec(&r);
}

static void test_timeout(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256];
	unsigned sent = 0;
	uint64_t last = 0, gap = 0;

	CHECK(load_rec(rec_path("eap.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	while (!ru.failed && ru.now < 120000) {
		uint64_t t = rove_session_next_timer(ru.s);

		while (rove_session_pop_datagram(ru.s, &dg)) {
			CHECK(dg.len == r.s[0].len && !memcmp(dg.data, r.s[0].data, dg.len));
			if (sent++)
				CHECK(ru.now - last >= gap); /* backoff never shrinks */
			gap = ru.now - last;
			last = ru.now;
		}
		if (t == UINT64_MAX)
			break;
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		drain(&ru);
	}
	CHECK(ru.failed);
	CHECK(ru.reason == ROVE_FAIL_TIMEOUT);
	CHECK(strstr(ru.fail_msg, "UDP ports 500 and 4500") != NULL);
	CHECK(ru.now >= 30000 && ru.now <= 31000);
	CHECK(sent >= 5 && sent <= 12);
	end_run(&ru);
	free_rec(&r);
}

/* ---- RFC 5685 redirect (redirect.rec: EAP, then `swanctl --redirect`) ---- */

/* The gateway's INFORMATIONAL request with N(REDIRECT) to 198.51.100.7:
 * the engine answers it, reports the new gateway and ends without a
 * failure; its DELETE of the IKE SA goes out on the timer due at once
 * (both datagrams as recorded, byte for byte). */
static void test_replay_redirect_established(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256];

	CHECK(load_rec(rec_path("redirect.rec", p, sizeof(p)), &r));
	CHECK(r.redirect);
	CHECK(r.n >= 3 && r.s[r.n - 1].dir == '>' && r.s[r.n - 2].dir == '>');
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up);
	CHECK(!ru.failed);
	CHECK(!ru.closed);
	CHECK_STR(ru.redirect_to, "198.51.100.7");
	CHECK_STR(ru.redirect_msg, "redirected by 192.0.2.1 to 198.51.100.7");
	CHECK(ru.child_down);
	CHECK(rove_session_state(ru.s) == ROVE_ST_CLOSED);
	CHECK(!rove_session_pop_datagram(ru.s, &dg));
	CHECK(rove_session_next_timer(ru.s) == UINT64_MAX);
	end_run(&ru);
	free_rec(&r);
}

/* ---- liveness checks (dpd.rec: PSK, one check after 1 s, the DELETE) ---- */

static uint32_t msg_id_of(const uint8_t *p, size_t len)
{
	return len >= 28 ? (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23]
			 : UINT32_MAX;
}

/* Plays dpd.rec up to the tunnel; returns the index of the next step. */
static size_t dpd_until_up(struct run *ru, const struct rec *r)
{
	struct rove_addr l, rem;
	struct rove_datagram dg;
	size_t i;

	rove_addr_parse(r->local, &l);
	rove_addr_parse(r->remote, &rem);
	for (i = 0; i < r->n && !ru->up && !ru->failed; i++) {
		const struct step *st = &r->s[i];

		ru->now += 5;
		if (st->dir == '>') {
			CHECK(rove_session_pop_datagram(ru->s, &dg));
			CHECK(dg.len == st->len && !memcmp(dg.data, st->data, st->len));
		} else {
			rove_session_recv(ru->s, st->data, st->len, &l, &rem, ru->now);
		}
		drain(ru);
	}
	CHECK(ru->up);
	return i;
}

/* Silent for dpd ms after the last message: exactly then the recorded
 * empty INFORMATIONAL goes out (message ID 2, after IKE_SA_INIT 0 and
 * IKE_AUTH 1); the gateway's answer re-arms the check from its arrival;
 * the DELETE that follows uses the next message ID. */
static void test_dpd_check_and_answer(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_session_info info;
	struct rove_addr l, rem;
	char p[256];
	uint64_t t_up;
	size_t i;

	CHECK(load_rec(rec_path("dpd.rec", p, sizeof(p)), &r));
	CHECK(r.dpd == 1000);
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = dpd_until_up(&ru, &r);
	t_up = ru.now;
	CHECK(i + 4 <= r.n && r.s[i].dir == '>' && r.s[i + 1].dir == '<');
	CHECK(rove_session_next_timer(ru.s) == t_up + 1000);
	ru.now = t_up + 999;
	rove_session_handle_timer(ru.s, ru.now);
	CHECK(!rove_session_pop_datagram(ru.s, &dg)); /* not yet */
	ru.now = t_up + 1000;
	rove_session_handle_timer(ru.s, ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.len == r.s[i].len && !memcmp(dg.data, r.s[i].data, dg.len));
	CHECK(dg.data[18] == 37 && (dg.data[19] & 0x28) == 0x08); /* INFORMATIONAL request */
	CHECK(msg_id_of(dg.data, dg.len) == 2);
	rove_session_get_info(ru.s, &info);
	CHECK(info.dpd_outstanding);
	/* The answer (recorded) arrives 300 ms later: alive, re-armed. */
	ru.now += 300;
	rove_session_recv(ru.s, r.s[i + 1].data, r.s[i + 1].len, &l, &rem, ru.now);
	drain(&ru);
	CHECK(!ru.failed);
	rove_session_get_info(ru.s, &info);
	CHECK(!info.dpd_outstanding && info.last_received_ms == ru.now);
	CHECK(rove_session_next_timer(ru.s) == ru.now + 1000);
	/* Then the recorded close, byte for byte. */
	rove_session_close(ru.s, ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.len == r.s[i + 2].len && !memcmp(dg.data, r.s[i + 2].data, dg.len));
	CHECK(msg_id_of(dg.data, dg.len) == 3);
	rove_session_recv(ru.s, r.s[i + 3].data, r.s[i + 3].len, &l, &rem, ru.now);
	drain(&ru);
	CHECK(ru.closed && !ru.failed);
	end_run(&ru);
	free_rec(&r);
}

/* No answer: the same check (same message ID, same bytes) is retransmitted
 * with growing gaps until the DPD timeout (15 s by default) runs out, then
 * the session fails as PEER_DEAD with a sentence that says so. */
static void test_dpd_no_answer(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256], n[16];
	uint64_t first = 0, last = 0, gap = 0;
	unsigned sent = 0;
	size_t i;

	CHECK(load_rec(rec_path("dpd.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	i = dpd_until_up(&ru, &r);
	while (!ru.failed && ru.now < 120000) {
		uint64_t t = rove_session_next_timer(ru.s);

		if (t == UINT64_MAX)
			break;
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		while (rove_session_pop_datagram(ru.s, &dg)) {
			CHECK(dg.len == r.s[i].len && !memcmp(dg.data, r.s[i].data, dg.len));
			CHECK(msg_id_of(dg.data, dg.len) == 2);
			if (!sent++)
				first = last = ru.now;
			else
				CHECK(ru.now - last >= gap); /* backoff never shrinks */
			gap = ru.now - last;
			last = ru.now;
		}
		drain(&ru);
	}
	CHECK(ru.failed);
	CHECK(ru.reason == ROVE_FAIL_PEER_DEAD);
	CHECK(ru.now - first == 15000);
	CHECK(sent >= 4);
	snprintf(n, sizeof(n), "to %u liveness", sent);
	CHECK(strstr(ru.fail_msg, "stopped answering") != NULL);
	CHECK(strstr(ru.fail_msg, n) != NULL);
	CHECK(strstr(ru.fail_msg, "192.0.2.1") != NULL);
	CHECK(rove_session_state(ru.s) == ROVE_ST_CLOSED);
	CHECK(rove_session_next_timer(ru.s) == UINT64_MAX);
	CHECK_STR(rove_fail_name(ru.reason), "peer_dead");
	end_run(&ru);
	free_rec(&r);
}

/* A liveness check never goes out while another request waits for its
 * answer (here our DELETE): what goes out until the close gives up is that
 * request alone, under its message ID. */
static void test_dpd_waits_for_outstanding_request(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256];
	unsigned sent = 0;
	size_t i;

	CHECK(load_rec(rec_path("dpd.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	i = dpd_until_up(&ru, &r);
	(void)i;
	ru.now += 900; /* just before the check would be due */
	rove_session_close(ru.s, ru.now);
	while (!ru.closed && ru.now < 60000) {
		uint64_t t = rove_session_next_timer(ru.s);

		while (rove_session_pop_datagram(ru.s, &dg)) {
			CHECK(msg_id_of(dg.data, dg.len) == 2); /* the DELETE, not a check */
			sent++;
		}
		if (t == UINT64_MAX)
			break;
		ru.now = t;
		rove_session_handle_timer(ru.s, ru.now);
		drain(&ru);
	}
	CHECK(ru.closed && !ru.failed);
	CHECK(sent >= 2);
	end_run(&ru);
	free_rec(&r);
}

/* ---- IKE fragments (frag.rec: RSA-3072 chain, the gateway's IKE_AUTH
 * answer in 6 fragments, our first IKE_AUTH request in 2) ---- */

#include "test_engine_frag.h"

int main(void)
{
	RUN(test_replay_eap);
	RUN(test_replay_psk);
	RUN(test_replay_cookie_and_group_retry);
	RUN(test_rekey_by_gateway);
	RUN(test_rekey_by_us);
	RUN(test_rekey_collision_gateway_lowest);
	RUN(test_rekey_collision_ours_lowest);
	RUN(test_nat_keepalive);
	RUN(test_no_keepalive_without_nat);
	RUN(test_wrong_identity);
	RUN(test_untrusted_ca);
	RUN(test_expired);
	RUN(test_gateway_must_prove_password);
	RUN(test_tampered);
	RUN(test_timeout);
	RUN(test_replay_redirect_established);
	RUN(test_dpd_check_and_answer);
	RUN(test_dpd_no_answer);
	RUN(test_dpd_waits_for_outstanding_request);
	RUN(test_replay_frag);
	RUN(test_frag_reordered_and_duplicated);
	RUN(test_frag_lost);
	return check_summary();
}
