/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replaying an exchange recorded against a real strongSwan gateway (the
 * .rec files in tests/data, made with tests/tools/record.c and
 * tests/tools/record.sh): loading a recording, running the engine with
 * its seed and configuration, feeding the gateway's datagrams and
 * comparing ours, and what the events said (including what a datapath
 * would hold). Static functions for the one test file that includes it
 * (test_engine.c, test_rekey.c, test_collision.c, test_mobike.c), so CHECK
 * counts in that file. */
#ifndef ROVE_TEST_REPLAY_H
#define ROVE_TEST_REPLAY_H

#include "check.h"

#include <stdbool.h>

#include "cert.h"
#include "redirect.h"
#include "session.h"

#define MAX_STEPS 64

struct step {
	char dir; /* '>' sent by us, '<' received, 'c' the recorder closed,
		   * '=' the path moved to `move` (MOBIKE), 'k'/'K' the clock
		   * jumped to our CHILD/IKE rekey (a provoked collision) */
	uint8_t *data;
	size_t len;
	bool natt; /* "<4500"/">4500": from/to the gateway's UDP port 4500 */
};

struct rec {
	long long time;
	char seed[64], local[64], remote[64], remote_id[128], auth[8], id[128], secret[128];
	unsigned lport, nport;
	unsigned dpd; /* ms, from a "dpd" line (liveness checks on) */
	unsigned frag; /* from a "fragment-size" line */
	bool redirect; /* a "redirect" line: up until the gateway redirects */
	bool ports;    /* a "ports" line: the 4500 marks are recorded */
	bool mobike;   /* a "mobike" line: MOBIKE announced, no move */
	char move[64];  /* MOBIKE: the address the recording moved to */
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
		if (!strncmp(line, "= rekey ", 8) && r->n < MAX_STEPS) {
			r->s[r->n++].dir = strcmp(line + 8, "ike\n") ? 'k' : 'K';
			continue;
		}
		if (!strcmp(line, "ports\n"))
			r->ports = true;
		if (!strcmp(line, "mobike\n"))
			r->mobike = true;
		if (sscanf(line, "= move %63s", r->move) == 1 && r->n < MAX_STEPS) {
			r->s[r->n++].dir = '=';
			continue;
		}
		if (!strcmp(line, "close\n") && r->n < MAX_STEPS) {
			r->s[r->n++].dir = 'c';
			r->has_close = true;
			continue;
		}
		if ((line[0] == '>' || line[0] == '<') && r->n < MAX_STEPS) {
			size_t hl = strlen(line) / 2 + 1;
			struct step *st = &r->s[r->n++];

			st->dir = line[0];
			st->natt = !strncmp(line + 1, "4500 ", 5);
			st->data = malloc(hl);
			st->len = check_hex(line + (st->natt ? 6 : 2), st->data, hl);
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
	unsigned path_updates;       /* ROVE_EV_PATH_UPDATED (MOBIKE) */
	size_t ndp_at_move;          /* inbound SAs in the datapath at the move */
	unsigned sent_from_old;      /* datagrams sent after the move from elsewhere */
	unsigned moves;              /* paths the gateway accepted ("moved to") */
	struct rove_addr path_local; /* the CHILD SA's outer address then */
	struct rove_addr up_local;   /* the last CHILD_UP's outer address */
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
	/* The SA outbound traffic goes through (its spi_out), how often it
	 * switched after an inbound-only install, and whether it was ever
	 * one already removed or one the gateway may not have yet. */
	uint32_t out;
	size_t outbound_switches, inbound_only;
	bool out_gone;
	unsigned rekeyed_by_us, rekeyed_by_gw, ike_rekeyed;
	char logs[8192]; /* the session's log lines (variant.verbose), one a line */
	char progress[2048]; /* its progress lines, one a line */
};

struct variant {
	const char *remote_id; /* NULL: as recorded */
	const char *password;  /* NULL: as recorded */
	const char *ca;        /* NULL: as recorded */
	long long time_shift;
	bool verbose;          /* keep the session's log lines in run.logs */
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
	cfg.mobike = r->move[0] != 0 || r->mobike;
	cfg.verbose = v->verbose;
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
		size_t ll = strlen(ru->logs);

		if (ev.type == ROVE_EV_LOG && ll + strlen(ev.msg) + 2 < sizeof(ru->logs))
			snprintf(ru->logs + ll, sizeof(ru->logs) - ll, "%s\n", ev.msg);
		ll = strlen(ru->progress);
		if (ev.type == ROVE_EV_PROGRESS && ll + strlen(ev.msg) + 2 < sizeof(ru->progress))
			snprintf(ru->progress + ll, sizeof(ru->progress) - ll, "%s\n", ev.msg);
		if (ev.type == ROVE_EV_CONFIG && ev.config->has_vip4)
			rove_addr_str(&ev.config->vip4.addr, ru->vip, sizeof(ru->vip));
		if (ev.type == ROVE_EV_CHILD_UP) {
			ru->up = true;
			ru->up_local = ev.child->local;
			ru->ups++;
			if (ru->ndp < 8)
				ru->dp[ru->ndp++] = ev.child->spi_in;
			if (ev.inbound_only)
				ru->inbound_only++;
			else
				ru->out = ev.child->spi_out;
		}
		if (ev.type == ROVE_EV_CHILD_OUTBOUND) {
			ru->outbound_switches++;
			ru->out = ev.child->spi_out;
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
			if (ev.child->spi_out == ru->out &&
			    rove_session_state(ru->s) == ROVE_ST_ESTABLISHED)
				ru->out_gone = true;
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
		if (ev.type == ROVE_EV_PROGRESS && !strncmp(ev.msg, "moved to ", 9))
			ru->moves++;
		if (ev.type == ROVE_EV_PATH_UPDATED) {
			ru->path_updates++;
			ru->path_local = ev.child->local;
		}
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
	bool closing = false, moved = false;

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
		if (st->dir == 'k' || st->dir == 'K') {
			/* As the recorder did: our rekey is due now. */
			struct rove_session_info info;
			uint64_t due;

			rove_session_get_info(ru->s, &info);
			due = st->dir == 'K' ? info.ike_rekey_ms : info.child_rekey_ms;
			ru->now = due > ru->now ? due : ru->now;
			rove_session_handle_timer(ru->s, ru->now);
			drain(ru);
			continue;
		}
		if (st->dir == '=') {
			struct rove_addr to;

			CHECK(rove_addr_parse(r->move, &to));
			ru->ndp_at_move = ru->ndp;
			CHECK(rove_session_path_changed(ru->s, &to, ru->now) == 0);
			l = to; /* the gateway answers there from now on */
			moved = true;
			drain(ru);
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
			if (moved && (dg.local.family != l.family ||
				      memcmp(dg.local.addr, l.addr, rove_addr_len(&l))))
				ru->sent_from_old++;
			if (strict && (dg.len != st->len || memcmp(dg.data, st->data, st->len))) {
				fprintf(stderr, "step %zu: sent datagram differs from the recording\n", i);
				mismatches++;
			}
			if (strict && r->ports && st->natt != (dg.remote.port == 4500)) {
				fprintf(stderr, "step %zu: sent to port %u, recorded %s\n", i,
					dg.remote.port, st->natt ? "4500" : "500");
				mismatches++;
			}
		} else {
			uint8_t *copy = malloc(st->len);

			memcpy(copy, st->data, st->len);
			if (i == tamper_step)
				copy[st->len - 1] ^= 0x01;
			/* With recorded ports: our socket and the gateway's port. */
			if (r->ports) {
				l.port = (uint16_t)(st->natt ? r->nport : r->lport);
				rem.port = st->natt ? 4500 : 500;
			}
			rove_session_recv(ru->s, copy, st->len, &l, &rem, ru->now);
			free(copy);
		}
		drain(ru);
		if (ru->up && stop_when_up)
			break;
		/* A recording with a move closed once the move was done. */
		if (ru->up && !closing && !r->redirect && !r->has_close &&
		    (!r->move[0] || ru->moves)) {
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

#endif
