/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MOBIKE in the engine (RFC 4555): mobike.rec, recorded against strongSwan
 * (PSK, up from 192.0.2.2, a move to 192.0.2.3 that the gateway accepted
 * with UPDATE_SA_ADDRESSES, NAT detection and COOKIE2, after it rekeyed
 * the CHILD SA on the new path, then the close),
 * replayed byte for byte; a forged answer moving nothing; parking with a
 * request outstanding; the check after a suspend; and, on psk.rec, no move
 * without MOBIKE and a move while connecting. Two more recordings move
 * right after a rekey (record.sh --mobike-rekey): mobike-child.rec while
 * the CHILD SA the gateway's rekey replaced still waits for its DELETE,
 * mobike-ike.rec just after our IKE SA rekey, so the update goes on the new
 * IKE SA while the old one's DELETE is in flight. */
#include "recorded.h"

static void test_replay_mobike(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_session_info info;
	char p[256], a[ROVE_ADDR_STRLEN];

	CHECK(load_rec(rec_path("mobike.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up);
	CHECK(!ru.failed);
	/* strongSwan with kernel-libipsec rekeyed the CHILD SA on the new path
	 * before it answered the update (the recording shows it): the new SA
	 * came up there, and nothing was left to move (a gateway that does
	 * not rekey has the engine move it: ROVE_EV_PATH_UPDATED, which the
	 * VM tier's kernel-netlink gateway shows). */
	CHECK(ru.moves == 1);
	CHECK(ru.rekeyed_by_gw == 1);
	CHECK(ru.path_updates == 0);
	CHECK_STR(rove_addr_str(&ru.up_local, a, sizeof(a)), "192.0.2.3");
	rove_session_get_info(ru.s, &info);
	CHECK(info.mobike);
	CHECK(info.moves == 1);
	CHECK_STR(rove_addr_str(&info.local, a, sizeof(a)), "192.0.2.3");
	CHECK(info.npeer_addrs >= 1); /* strongSwan lists its other addresses */
	CHECK(ru.closed);
	CHECK(ru.sent_from_old == 0);
	end_run(&ru);
	free_rec(&r);
}

static size_t step_after_move(const struct rec *r, char dir, unsigned nth)
{
	bool moved = false;

	for (size_t i = 0; i < r->n; i++) {
		moved |= r->s[i].dir == '=';
		if (moved && r->s[i].dir == dir && nth-- == 0)
			return i;
	}
	return SIZE_MAX;
}

/* A forged answer to the address update (ICV broken) moves nothing. */
static void test_mobike_forged_answer(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	char p[256];
	size_t answer = SIZE_MAX;

	CHECK(load_rec(rec_path("mobike.rec", p, sizeof(p)), &r));
	/* The gateway's CREATE_CHILD_SA request may come first: find the
	 * INFORMATIONAL response (exchange 37, response flag) after the move. */
	for (unsigned k = 0; k < 4 && answer == SIZE_MAX; k++) {
		size_t i = step_after_move(&r, '<', k);

		if (i != SIZE_MAX && r.s[i].len > 19 && r.s[i].data[18] == 37 && (r.s[i].data[19] & 0x20))
			answer = i;
	}
	CHECK(answer != SIZE_MAX);
	if (!start_run(&ru, &r, &v))
		return;
	play_until(&ru, &r, false, answer, false);
	CHECK(ru.up);
	CHECK(ru.moves == 0);
	CHECK(ru.path_updates == 0);
	end_run(&ru);
	free_rec(&r);
}

/* Played up to the move: the session is up with MOBIKE agreed. */
static bool up_before_move(struct run *ru, struct rec *r)
{
	struct variant v = { 0 };
	struct rove_datagram dg;
	char p[256];

	if (!load_rec(rec_path("mobike.rec", p, sizeof(p)), r) || !start_run(ru, r, &v))
		return false;
	CHECK(play_until(ru, r, true, SIZE_MAX, true) == 0);
	CHECK(ru->up);
	while (rove_session_pop_datagram(ru->s, &dg))
		;
	return ru->up;
}

/* No address while a request is outstanding: parked, nothing sent and no
 * timer runs out (else the request would time out the session in 30 s);
 * an address again: the request goes out from it at once. */
static void test_mobike_parked(void)
{
	struct rec r;
	struct run ru;
	struct rove_datagram dg;
	struct rove_session_info info;
	struct rove_addr to;
	char a[ROVE_ADDR_STRLEN];

	if (!up_before_move(&ru, &r))
		return;
	rove_session_check_path(ru.s, ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(rove_session_path_changed(ru.s, NULL, ru.now) == 0);
	rove_session_get_info(ru.s, &info);
	CHECK(info.parked);
	CHECK(rove_session_next_timer(ru.s) == UINT64_MAX);
	CHECK(!rove_session_pop_datagram(ru.s, &dg));
	ru.now += 600000; /* ten minutes without an address */
	rove_session_handle_timer(ru.s, ru.now);
	drain(&ru);
	CHECK(!ru.failed);
	CHECK(rove_addr_parse("192.0.2.3", &to));
	CHECK(rove_session_path_changed(ru.s, &to, ru.now) == 0);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK_STR(rove_addr_str(&dg.local, a, sizeof(a)), "192.0.2.3");
	CHECK(dg.len > 19 && dg.data[18] == 37 && !(dg.data[19] & 0x20)); /* INFORMATIONAL request */
	CHECK(rove_session_next_timer(ru.s) != UINT64_MAX);
	rove_session_get_info(ru.s, &info);
	CHECK(!info.parked);
	end_run(&ru);
	free_rec(&r);
}

/* After a suspend the driver asks for a check: a request goes out at once. */
static void test_mobike_check_after_suspend(void)
{
	struct rec r;
	struct run ru;
	struct rove_datagram dg;
	struct rove_session_info info;

	if (!up_before_move(&ru, &r))
		return;
	CHECK(!rove_session_pop_datagram(ru.s, &dg));
	ru.now += 3600000;
	rove_session_check_path(ru.s, ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.len > 19 && dg.data[18] == 37 && !(dg.data[19] & 0x20));
	CHECK(rove_session_next_timer(ru.s) == ru.now + 500);
	/* a check is no move */
	rove_session_get_info(ru.s, &info);
	CHECK(info.moves == 0);
	end_run(&ru);
	free_rec(&r);
}

/* Without MOBIKE the engine cannot follow: the session fails with
 * ROVE_FAIL_PATH_CHANGED, and its configuration (what a reconnect starts
 * from) names the new address. */
static void test_no_mobike_no_move(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_addr to;
	char p[256], a[ROVE_ADDR_STRLEN];

	CHECK(load_rec(rec_path("psk.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(rove_addr_parse("192.0.2.3", &to));
	play_until(&ru, &r, true, SIZE_MAX, true);
	CHECK(ru.up);
	CHECK(rove_session_path_changed(ru.s, &to, ru.now) == -1);
	drain(&ru);
	CHECK(ru.failed && ru.reason == ROVE_FAIL_PATH_CHANGED);
	CHECK_STR(rove_addr_str(&rove_session_config(ru.s)->local, a, sizeof(a)), "192.0.2.3");
	CHECK_STR(rove_addr_str(&rove_session_config(ru.s)->local_natt, a, sizeof(a)), "192.0.2.3");
	end_run(&ru);
	free_rec(&r);
}

/* A move while connecting: the handshake goes on from the new address. */
static void test_move_while_connecting(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_addr to;
	char p[256], a[ROVE_ADDR_STRLEN];

	CHECK(load_rec(rec_path("psk.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* IKE_SA_INIT */
	CHECK(rove_addr_parse("192.0.2.3", &to));
	CHECK(rove_session_path_changed(ru.s, &to, ru.now) == 0);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* again, from there */
	CHECK_STR(rove_addr_str(&dg.local, a, sizeof(a)), "192.0.2.3");
	CHECK(dg.len > 19 && dg.data[18] == 34); /* IKE_SA_INIT */
	end_run(&ru);
	free_rec(&r);
}

/* A move right after a rekey, replayed byte for byte: nothing of ours
 * leaves from the old address after the move, the gateway accepts the new
 * path once, and the datapath holds every CHILD SA until its successor is
 * in, and none after the close. */
static void replay_move_after_rekey(const char *name, struct run *ru, struct rec *r)
{
	struct variant v = { .verbose = true };
	char p[256], a[ROVE_ADDR_STRLEN];

	CHECK(load_rec(rec_path(name, p, sizeof(p)), r));
	if (!start_run(ru, r, &v))
		return;
	CHECK(play(ru, r, true, SIZE_MAX) == 0);
	CHECK(ru->up && ru->closed && !ru->failed);
	CHECK(ru->moves == 1);
	CHECK(ru->sent_from_old == 0);
	CHECK_STR(rove_addr_str(&ru->up_local, a, sizeof(a)), "192.0.2.3");
	CHECK(!ru->dp_gap && !ru->bad_down && !ru->out_gone);
	CHECK(ru->ndp == 0 && ru->downs == ru->ups);
}

/* The gateway rekeyed the CHILD SA and we moved before it deleted the
 * replaced one: both were in the datapath at the move; the replaced one's
 * DELETE, answered from the new address, still retires it. */
static void test_move_while_child_retiring(void)
{
	struct rec r;
	struct run ru;

	replay_move_after_rekey("mobike-child.rec", &ru, &r);
	CHECK(ru.ndp_at_move == 2);
	CHECK(ru.rekeyed_by_gw >= 1 && ru.ike_rekeyed == 0);
	/* the current SA moved with the path (the second rekey came later) */
	CHECK(ru.path_updates == 1);
	end_run(&ru);
	free_rec(&r);
}

/* We rekeyed the IKE SA and moved at once: UPDATE_SA_ADDRESSES goes on the
 * new IKE SA (its SPIs, message ID 0), not the old one, whose DELETE
 * finishes anyway. strongSwan then refused our next IKE rekey with
 * TEMPORARY_FAILURE: we retry later and stay up. */
static void test_move_after_ike_rekey(void)
{
	struct rove_session_info info;
	const struct step *upd = NULL;
	struct rec r;
	struct run ru;
	bool moved = false;

	replay_move_after_rekey("mobike-ike.rec", &ru, &r);
	CHECK(ru.ike_rekeyed >= 1 && ru.rekeyed_by_us >= 1);
	rove_session_get_info(ru.s, &info);
	for (size_t i = 0; i < r.n && !upd; i++) {
		moved |= r.s[i].dir == '=';
		if (moved && r.s[i].dir == '>' && r.s[i].data[18] == 37 && !(r.s[i].data[19] & 0x20))
			upd = &r.s[i];
	}
	CHECK(upd != NULL);
	if (upd) {
		CHECK(memcmp(upd->data, r.s[0].data, 8) != 0); /* not the first IKE SA */
		CHECK(!memcmp(upd->data, info.spi_i, 8) && !memcmp(upd->data + 8, info.spi_r, 8));
		CHECK(rove_get_be32(upd->data + 20) == 0);
	}
	CHECK(strstr(ru.logs, "the old IKE SA is deleted") != NULL);
	CHECK(strstr(ru.logs, "IKE SA rekey with TEMPORARY_FAILURE; retrying") != NULL);
	end_run(&ru);
	free_rec(&r);
}

int main(void)
{
	RUN(test_replay_mobike);
	RUN(test_mobike_forged_answer);
	RUN(test_mobike_parked);
	RUN(test_mobike_check_after_suspend);
	RUN(test_no_mobike_no_move);
	RUN(test_move_while_connecting);
	RUN(test_move_while_child_retiring);
	RUN(test_move_after_ike_rekey);
	return check_summary();
}
