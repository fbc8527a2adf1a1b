/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rove-record: runs one engine session against a real gateway with a
 * seeded deterministic RNG and writes every datagram, so the exchange can
 * be replayed byte for byte in tests/unit/test_engine.c. Test tool only.
 *
 *   rove-record OUT SEED LOCAL GATEWAY REMOTE_ID CA_PEM eap USER PASSWORD
 *   rove-record OUT SEED LOCAL GATEWAY REMOTE_ID CA_PEM|- psk LOCAL_ID PSK
 *   ... [dpd | frag=BYTES | redirect | mobike]: liveness checks on, closing
 *       after one was answered; our fragment size; a redirect expected;
 *       MOBIKE announced
 *   ... [NEW_LOCAL]: MOBIKE on; once up, the session moves to NEW_LOCAL
 *       (an "= move NEW_LOCAL" line marks when) and closes after the
 *       gateway accepted the new path.
 *
 * OUT gets the session's parameters ("time", "seed", "local", "remote",
 * "remote-id", "auth" lines; the CA is stored beside it by the caller), then
 * "> HEX" for each sent and "< HEX" for each received IKE message, and
 * "# event" lines. After the tunnel is up the
 * session is closed, so the recording includes the DELETE exchange. With
 * "dpd" the session checks liveness after one idle second and is closed
 * only once the gateway has answered one such check (a "dpd 1000" line
 * says so), so the recording holds that INFORMATIONAL exchange too. With
 * "frag=BYTES" the session's fragment-size is BYTES (a "fragment-size"
 * line says so), so its larger requests go as IKE fragments. With
 * "redirect" the session stays up until the gateway redirects it (the
 * caller runs `swanctl --redirect`; a "redirect" line says so), and the
 * recording ends with our answer and our DELETE.
 *
 * With "mobike" the session announces MOBIKE and nothing moves: a gateway
 * that then moves the IKE SA to UDP port 4500 (OpenIKED) shows it. Every
 * recording has a "ports" line, and a datagram to or from the gateway's
 * port 4500 is written as ">4500 HEX" or "<4500 HEX" (on our NAT-T socket).
 *
 * ROVE_RECORD_REKEY="CHILD_S IKE_S COUNT" sets the session's rekey times
 * (0: only the gateway rekeys) and keeps the tunnel up until COUNT rekeys
 * (of either kind, by either side) are done; the file gets a
 * "rekey CHILD_S IKE_S" line.
 *
 * ROVE_RECORD_COLLIDE=child|ike provokes a real rekey collision (RFC 7296
 * 2.8.1, 2.8.2): when the gateway's first CREATE_CHILD_SA request arrives,
 * the session's clock jumps to its own rekey of that SA (CHILD or IKE) and
 * the timer runs, so our request leaves before we answer the gateway's,
 * which is then already on its way. An "= rekey child|ike" line marks
 * where, for the replay to do the same. Give rekey times (ROVE_RECORD_REKEY)
 * that leave only that rekey to rove. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cert.h"
#include "session.h"
#include "udp.h"

static uint64_t clock_jump; /* added to the clock by a collision's jump */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + clock_jump;
}

static void hex_line(FILE *f, char dir, const struct rove_addr *gw, const uint8_t *p, size_t n)
{
	fputc(dir, f);
	if (gw->port == 4500)
		fputs("4500", f);
	fputc(' ', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('\n', f);
}

static void flush_out(struct rove_session *s, struct rove_udp *u, FILE *f)
{
	struct rove_datagram dg;
	struct rove_err err;

	while (rove_session_pop_datagram(s, &dg)) {
		hex_line(f, '>', &dg.remote, dg.data, dg.len);
		if (rove_udp_send(u, &dg, &err) < 0)
			fprintf(stderr, "send: %s\n", err.msg);
	}
}

static unsigned rekeys_wanted, rekeys_seen;

/* Returns 1 when up (and the rekeys asked for are done), -1 on failure, 2
 * when closed or redirected, 3 when moved, 0 otherwise. */
static int drain_events(struct rove_session *s, FILE *f)
{
	struct rove_event ev;
	int r = 0;

	while (rove_session_poll_event(s, &ev)) {
		fprintf(f, "# event %d %s\n", ev.type, ev.msg);
		fprintf(stderr, "event %d %s\n", ev.type, ev.msg);
		if (ev.type == ROVE_EV_PROGRESS && strstr(ev.msg, "SA rekeyed") &&
		    ++rekeys_seen >= rekeys_wanted)
			r = 1;
		if (ev.type == ROVE_EV_CHILD_UP && !rekeys_wanted)
			r = 1;
		else if (ev.type == ROVE_EV_PATH_UPDATED)
			r = 3;
		else if (ev.type == ROVE_EV_FAILED)
			return -1;
		else if (ev.type == ROVE_EV_CLOSED || ev.type == ROVE_EV_REDIRECT)
			return 2;
	}
	return r;
}

/* With liveness checks on: true once one was sent and answered. */
static bool dpd_answered(struct rove_session *s, bool *seen)
{
	struct rove_session_info info;

	rove_session_get_info(s, &info);
	if (info.dpd_outstanding)
		*seen = true;
	return *seen && !info.dpd_outstanding;
}

static const char *move_to; /* NEW_LOCAL, or NULL */
static const char *collide;  /* "child", "ike" or NULL */

/* Before the gateway's first CREATE_CHILD_SA request is fed to the
 * session: our own rekey of that SA starts first (ROVE_RECORD_COLLIDE). */
static void collide_hook(struct rove_session *s, struct rove_udp *u, FILE *f, const uint8_t *p,
			 size_t n)
{
	struct rove_session_info info;
	uint64_t due, now = now_ms();

	if (!collide || n < 20 || p[18] != 36 || (p[19] & 0x20))
		return;
	rove_session_get_info(s, &info);
	due = !strcmp(collide, "ike") ? info.ike_rekey_ms : info.child_rekey_ms;
	if (due > now)
		clock_jump += due - now;
	fprintf(f, "= rekey %s\n", collide);
	collide = NULL;
	rove_session_handle_timer(s, now_ms());
	flush_out(s, u, f);
}

static int run(struct rove_session *s, struct rove_udp *u, FILE *f, bool dpd, bool redirect)
{
	uint8_t buf[65536];
	bool closing = false, up = false, seen = false, moved = false, path_done = false;
	uint64_t close_at = UINT64_MAX;

	rove_session_start(s, now_ms());
	for (;;) {
		struct pollfd pfd[2] = { { u->fd[0], POLLIN, 0 }, { u->fd[1], POLLIN, 0 } };
		uint64_t t = rove_session_next_timer(s), now;
		int r, wait;

		flush_out(s, u, f);
		r = drain_events(s, f);
		if (r == 2 && rove_session_next_timer(s) != UINT64_MAX) {
			/* after a redirect: our DELETE goes on the next timer */
			rove_session_handle_timer(s, now_ms());
			flush_out(s, u, f);
		}
		if (r == -1 || r == 2)
			return r == 2 ? 0 : 1;
		up |= r == 1;
		/* The move is done once the gateway accepted the path (no
		 * PATH_UPDATED when it rekeyed the CHILD SA there first). */
		if (moved && !path_done) {
			struct rove_session_info info;

			rove_session_get_info(s, &info);
			path_done = r == 3 || info.moves > 0;
		}
		if (up && move_to && !moved) {
			struct rove_addr a;

			moved = true;
			rove_addr_parse(move_to, &a);
			fprintf(f, "= move %s\n", move_to);
			if (rove_session_path_changed(s, &a, now_ms()) < 0)
				return 1;
			continue;
		}
		/* After rekeys, a second for the DELETEs of the old SAs. */
		if (up && close_at == UINT64_MAX && !redirect && (!move_to || path_done) &&
		    (!dpd || dpd_answered(s, &seen)))
			close_at = now_ms() + (rekeys_wanted ? 2000 : 0);
		if (!closing && now_ms() >= close_at) {
			closing = true;
			fprintf(f, "close\n"); /* where the replay closes too */
			rove_session_close(s, now_ms());
			continue;
		}
		now = now_ms();
		if (close_at < t)
			t = close_at;
		wait = t == UINT64_MAX ? 5000 : t <= now ? 0 : (int)(t - now);
		if (poll(pfd, 2, wait) < 0)
			return 1;
		for (int i = 0; i < 2; i++) {
			struct rove_addr l, rem;
			struct rove_err err;
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((n = rove_udp_recv(u, (enum rove_udp_sock)i, buf, sizeof(buf), &l, &rem,
						  &err)) > 0) {
				collide_hook(s, u, f, buf, (size_t)n);
				hex_line(f, '<', &rem, buf, (size_t)n);
				rove_session_recv(s, buf, (size_t)n, &l, &rem, now_ms());
			}
		}
		if (now_ms() >= rove_session_next_timer(s))
			rove_session_handle_timer(s, now_ms());
	}
}

int main(int argc, char **argv)
{
	struct rove_session_config cfg = { 0 };
	struct rove_rng_det rng;
	struct rove_trust *trust = NULL;
	struct rove_session *s;
	struct rove_udp u;
	struct rove_err err;
	FILE *f;
	int rc;

	bool dpd = argc == 11 && !strcmp(argv[10], "dpd");
	bool redirect = argc == 11 && !strcmp(argv[10], "redirect");
	bool mobike = argc == 11 && !strcmp(argv[10], "mobike");
	unsigned frag = 0;

	if (argc == 11 && !strncmp(argv[10], "frag=", 5))
		frag = (unsigned)strtoul(argv[10] + 5, NULL, 10);
	else if (argc == 11 && !dpd && !redirect && !mobike)
		move_to = argv[10];
	if (argc != 10 && argc != 11) {
		fprintf(stderr, "usage: see the comment at the top of record.c\n");
		return 2;
	}
	rove_rng_det_init(&rng, argv[2], strlen(argv[2]));
	if (!rove_addr_parse(argv[3], &cfg.local) || !rove_addr_parse(argv[4], &cfg.remote)) {
		fprintf(stderr, "bad address\n");
		return 2;
	}
	if (strcmp(argv[6], "-") && !(trust = rove_trust_new(argv[6], &err))) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	/* Moving needs sockets that can send from another address. */
	if (rove_udp_open(&u, cfg.local.family, move_to ? NULL : &cfg.local, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	cfg.local_natt = cfg.local;
	cfg.local.port = u.bound[ROVE_UDP_IKE].port;
	cfg.local_natt.port = u.bound[ROVE_UDP_NATT].port;
	cfg.mobike = move_to != NULL || mobike;
	cfg.remote.port = 500;
	cfg.remote_id = argv[5];
	cfg.trust = trust;
	cfg.rng = &rng.rng;
	cfg.verify_time = time(NULL);
	cfg.verbose = true;
	cfg.initial_contact = true;
	cfg.dpd_ms = dpd ? 1000 : 0;
	cfg.fragment_size = frag;
	collide = getenv("ROVE_RECORD_COLLIDE");
	if (getenv("ROVE_RECORD_REKEY") &&
	    sscanf(getenv("ROVE_RECORD_REKEY"), "%u %u %u", &cfg.child_rekey_s, &cfg.ike_rekey_s,
		   &rekeys_wanted) != 3) {
		fprintf(stderr, "ROVE_RECORD_REKEY: \"CHILD_S IKE_S COUNT\"\n");
		return 2;
	}
	if (!strcmp(argv[7], "eap")) {
		cfg.auth = ROVE_AUTHK_EAP_MSCHAPV2;
		cfg.user = argv[8];
		cfg.password = (const uint8_t *)argv[9];
		cfg.password_len = strlen(argv[9]);
	} else {
		cfg.auth = ROVE_AUTHK_PSK;
		cfg.local_id = argv[8];
		cfg.psk = (const uint8_t *)argv[9];
		cfg.psk_len = strlen(argv[9]);
	}
	s = rove_session_new(&cfg, &err);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	{
		char a[ROVE_ADDR_STRLEN], r[ROVE_ADDR_STRLEN];

		fprintf(f, "time %lld\nseed %s\nlocal %s %u %u\nremote %s\nremote-id %s\n",
			(long long)cfg.verify_time, argv[2],
			rove_addr_str(&cfg.local, a, sizeof(a)), cfg.local.port,
			cfg.local_natt.port, rove_addr_str(&cfg.remote, r, sizeof(r)), argv[5]);
		fprintf(f, "auth %s %s %s\nports\n", argv[7], argv[8], argv[9]);
		if (mobike)
			fprintf(f, "mobike\n");
		if (dpd)
			fprintf(f, "dpd %u\n", cfg.dpd_ms);
		if (frag)
			fprintf(f, "fragment-size %u\n", frag);
		if (getenv("ROVE_RECORD_REKEY"))
			fprintf(f, "rekey %u %u\n", cfg.child_rekey_s, cfg.ike_rekey_s);
		if (redirect)
			fprintf(f, "redirect\n");
		fflush(f);
	}
	rc = run(s, &u, f, dpd, redirect);
	fclose(f);
	rove_session_free(s);
	rove_udp_close(&u);
	rove_trust_free(trust);
	return rc;
}
