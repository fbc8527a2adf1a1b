/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Simultaneous rekeys against strongSwan (RFC 7296 2.8.1, 2.8.2): four
 * recordings in which both sides rekeyed the same SA at once
 * (tests/tools/record.sh --collide: collide-{child,ike}-{ours,gw}.rec, the
 * lowest nonce in our exchange or the gateway's), replayed byte for byte;
 * and two orderings strongSwan produces behind its send delay, built on
 * collide-ike-gw.rec: the gateway finishing its rekey first, and deleting
 * its own new SA before answering ours. */
#include "recorded.h"

#include "gwside.h"

/* ---- recorded collisions (tests/tools/record.sh --collide) ----
 *
 * rove-record started our rekey the moment strongSwan's request for the
 * same SA arrived, so both crossed for real; strongSwan's log said it
 * detected the collision. The replay must send the same bytes, including
 * which DELETEs go out on which SA. */

static unsigned count_str(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The last request we sent in the recording: our DELETE at the close. */
static const struct step *last_sent(const struct rec *r)
{
	for (size_t i = r->n; i-- > 0;)
		if (r->s[i].dir == '>' && !(r->s[i].data[19] & ROVE_FLAG_RESPONSE))
			return &r->s[i];
	return NULL;
}

static void replay_collision(const char *name, bool ike, bool ours_lowest)
{
	struct variant v = { .verbose = true };
	const struct step *del;
	struct rec r;
	struct run ru;
	char p[256];
	bool has_jump = false;

	CHECK(load_rec(rec_path(name, p, sizeof(p)), &r));
	for (size_t i = 0; i < r.n; i++)
		has_jump |= r.s[i].dir == (ike ? 'K' : 'k');
	CHECK(has_jump);
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up && ru.closed && !ru.failed);
	/* make before break, whichever SA survived */
	CHECK(!ru.dp_gap && !ru.bad_down && !ru.out_gone);
	CHECK(ru.ndp == 0 && ru.downs == ru.ups);
	if (ike) {
		CHECK(count_str(ru.logs, "IKE SA rekey collision: the gateway rekeys too") == 1);
		CHECK(count_str(ru.logs, ours_lowest ? "IKE SA rekey collision: ours has the lowest" :
				"IKE SA rekey collision: the gateway's has the lowest") == 1);
		/* one rekey, the surviving one's initiator named */
		CHECK(ru.ike_rekeyed == 1);
		CHECK(ours_lowest ? ru.rekeyed_by_gw == 1 && ru.rekeyed_by_us == 0
				  : ru.rekeyed_by_us == 1 && ru.rekeyed_by_gw == 0);
		/* both the old and the redundant SA went, each once */
		CHECK(count_str(ru.logs, "the old IKE SA is deleted") == 1);
		CHECK(count_str(ru.logs, "the redundant IKE SA is deleted") == 1);
		/* the CHILD SA stayed as it was, on the surviving IKE SA: our
		 * DELETE at the close goes there, as its responder when the
		 * gateway's rekey survived */
		CHECK(ru.ups == 1);
		del = last_sent(&r);
		CHECK(del && del->data[18] == ROVE_EXCH_INFORMATIONAL);
		if (del)
			CHECK(!(del->data[19] & ROVE_FLAG_INITIATOR) == ours_lowest);
	} else {
		CHECK(count_str(ru.logs, ours_lowest ? "rekey collision: ours has the lowest" :
				"rekey collision: the gateway's has the lowest") == 1);
		/* ours redundant: never in the datapath; else it replaced the
		 * gateway's, which the gateway deleted */
		CHECK(ru.ups == 1 + ru.rekeyed_by_gw + ru.rekeyed_by_us);
		CHECK(ru.rekeyed_by_us == (ours_lowest ? 0u : 1u));
		CHECK(ru.rekeyed_by_gw >= 1);
	}
	end_run(&ru);
	free_rec(&r);
}

static void test_collision_child_ours_lowest(void)
{
	replay_collision("collide-child-ours.rec", false, true);
}

static void test_collision_child_gateway_lowest(void)
{
	replay_collision("collide-child-gw.rec", false, false);
}

static void test_collision_ike_ours_lowest(void)
{
	replay_collision("collide-ike-ours.rec", true, true);
}

static void test_collision_ike_gateway_lowest(void)
{
	replay_collision("collide-ike-gw.rec", true, false);
}

/* strongSwan may finish its crossing IKE rekey before it sees ours (seen
 * in t-rekey.sh: it then refuses ours with TEMPORARY_FAILURE), and delete
 * the old IKE SA while ours is still out: its new SA is then the IKE SA,
 * not a reason to end the session. Built on collide-ike-gw.rec: as
 * recorded up to our answer to the gateway's rekey, then the gateway's
 * DELETE of the old SA instead of the answer to ours. */
static void test_collision_ike_peer_finished_first(void)
{
	struct variant v = { .verbose = true };
	struct rove_session_info info;
	struct collision c = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf req;
	struct rove_mb in;
	struct rec r;
	struct run ru;
	char p[256];
	uint32_t id;
	size_t i;

	CHECK(load_rec(rec_path("collide-ike-gw.rec", p, sizeof(p)), &r));
	CHECK(derive_gateway_keys(&r, &c));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = play_to_request(&ru, &r, 0, 2); /* ours, then our answer to its */
	CHECK(i < r.n && (r.s[i].data[19] & ROVE_FLAG_RESPONSE));
	CHECK(strstr(ru.logs, "the gateway rekeys too") != NULL);
	id = rove_get_be32(r.s[i].data + 20) + 1;
	rove_mb_init_inner(&in);
	rove_mb_begin(&in, ROVE_PL_DELETE, false);
	rove_delete_build(&in.buf, ROVE_PROTO_IKE, 0, 0, NULL);
	rove_mb_end(&in);
	rove_buf_init(&req);
	seal_gw(&c, ROVE_EXCH_INFORMATIONAL, 0, id, &in, &req);
	rove_session_recv(ru.s, req.data, req.len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(!ru.failed);
	CHECK(strstr(ru.logs, "finished its rekey first") != NULL);
	CHECK(ru.ike_rekeyed == 1 && ru.rekeyed_by_gw == 1 && ru.rekeyed_by_us == 0);
	/* answered on the old SA */
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL && (dg.data[19] & ROVE_FLAG_RESPONSE));
	CHECK(!memcmp(dg.data, c.spi_i, 8));
	CHECK(!rove_session_pop_datagram(ru.s, &dg));
	/* the late answer to ours (on the deleted SA) changes nothing */
	CHECK(r.s[i + 1].dir == '<' && r.s[i + 1].data[18] == ROVE_EXCH_CREATE_CHILD_SA);
	rove_session_recv(ru.s, r.s[i + 1].data, r.s[i + 1].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(!ru.failed && ru.ike_rekeyed == 1);
	rove_session_get_info(ru.s, &info);
	CHECK(memcmp(info.spi_i, c.spi_i, 8) != 0);
	CHECK(info.nchildren == 1 && ru.ups == 1 && ru.downs == 0);
	/* the close goes on the gateway's new SA, where it is the initiator */
	rove_session_close(ru.s, ++ru.now);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(!memcmp(dg.data, info.spi_i, 8) && !(dg.data[19] & ROVE_FLAG_INITIATOR));
	rove_mb_free(&in);
	rove_buf_free(&req);
	end_run(&ru);
	free_rec(&r);
}

/* The gateway, having lost the nonce comparison, may delete its new SA
 * before its answer to our rekey reaches us (seen behind strongSwan's
 * send delay): that DELETE, on an SA we only know as the gateway's half of
 * the collision, is answered there, and ours then stands. collide-ike-gw.rec
 * with those two messages of the gateway swapped. */
static void test_collision_ike_peer_deletes_first(void)
{
	struct variant v = { .verbose = true };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	size_t i, ans, del_gw, ans_old;
	struct rec r;
	struct run ru;
	char p[256];

	CHECK(load_rec(rec_path("collide-ike-gw.rec", p, sizeof(p)), &r));
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	i = play_to_request(&ru, &r, 0, 2); /* ours, then our answer to its */
	/* recorded next: the answer to ours, our DELETE of the old SA, the
	 * gateway's DELETE of its new SA, our answer, its answer to ours */
	ans = i + 1;
	del_gw = i + 3;
	ans_old = i + 5;
	CHECK(ans_old < r.n && r.s[ans].dir == '<' && r.s[del_gw].dir == '<' && r.s[ans_old].dir == '<');
	CHECK(r.s[del_gw].data[18] == ROVE_EXCH_INFORMATIONAL && !(r.s[del_gw].data[19] & 0x20));
	rove_session_recv(ru.s, r.s[del_gw].data, r.s[del_gw].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(strstr(ru.logs, "the gateway's redundant IKE SA is deleted") != NULL);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL && dg.data[19] == ROVE_FLAG_RESPONSE);
	CHECK(!memcmp(dg.data, r.s[del_gw].data, 16));
	rove_session_recv(ru.s, r.s[ans].data, r.s[ans].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(!ru.failed && ru.ike_rekeyed == 1 && ru.rekeyed_by_us == 1);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* our DELETE of the old SA */
	CHECK(dg.data[18] == ROVE_EXCH_INFORMATIONAL && !(dg.data[19] & 0x20));
	rove_session_recv(ru.s, r.s[ans_old].data, r.s[ans_old].len, &l, &rem, ++ru.now);
	drain(&ru);
	CHECK(strstr(ru.logs, "the old IKE SA is deleted") != NULL);
	CHECK(!ru.failed && ru.ups == 1 && ru.downs == 0);
	end_run(&ru);
	free_rec(&r);
}

int main(void)
{
	RUN(test_collision_child_ours_lowest);
	RUN(test_collision_child_gateway_lowest);
	RUN(test_collision_ike_ours_lowest);
	RUN(test_collision_ike_gateway_lowest);
	RUN(test_collision_ike_peer_finished_first);
	RUN(test_collision_ike_peer_deletes_first);
	return check_summary();
}
