/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exchanges recorded against gateways other than strongSwan, in the VM tier
 * (tests/vm/s-interop-*.sh run tests/tools/record.c there), replayed byte
 * for byte like test_engine.c's.
 *
 * iked-eap.rec: OpenIKED 7.2, EAP-MSCHAPv2, MOBIKE announced, no NAT. iked
 * moves the IKE SA to UDP port 4500 in IKE_AUTH because of MOBIKE and
 * answers from there ("<4500" lines); the engine must follow, or iked
 * answers its later requests (the rest of EAP, the DELETE) on port 500
 * with the non-ESP marker, which nothing reads. */
#include "recorded.h"

static void test_replay_iked_eap(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_session_info info;
	char p[256];
	size_t from4500 = 0;

	CHECK(load_rec(rec_path("iked-eap.rec", p, sizeof(p)), &r));
	CHECK(r.ports && r.mobike);
	for (size_t i = 0; i < r.n; i++)
		from4500 += r.s[i].dir == '<' && r.s[i].natt;
	CHECK(from4500 > 0); /* iked did move */
	if (!start_run(&ru, &r, &v))
		return;
	/* Strict: every datagram as recorded, to the port recorded. */
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up);
	CHECK(!ru.failed);
	CHECK(ru.closed);
	rove_session_get_info(ru.s, &info);
	CHECK(info.remote.port == 4500);
	CHECK(!info.nat_detected); /* moved for MOBIKE, not for a NAT */
	end_run(&ru);
	free_rec(&r);
}

/* The same answers arriving from port 500 (a gateway that stays there):
 * the engine stays on port 500 too, so the recording's ">4500" requests
 * no longer match. */
static void test_iked_answers_from_500(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_session_info info;
	char p[256];

	CHECK(load_rec(rec_path("iked-eap.rec", p, sizeof(p)), &r));
	for (size_t i = 0; i < r.n; i++)
		if (r.s[i].dir == '<')
			r.s[i].natt = false;
	if (!start_run(&ru, &r, &v))
		return;
	CHECK(play(&ru, &r, true, SIZE_MAX) > 0);
	rove_session_get_info(ru.s, &info);
	CHECK(info.remote.port == 500);
	end_run(&ru);
	free_rec(&r);
}

/* A message from port 4500 that fails its integrity check moves nothing. */
static void test_iked_forged_from_4500(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_session_info info;
	char p[256];
	size_t first = SIZE_MAX;

	CHECK(load_rec(rec_path("iked-eap.rec", p, sizeof(p)), &r));
	for (size_t i = 0; i < r.n && first == SIZE_MAX; i++)
		if (r.s[i].dir == '<' && r.s[i].natt)
			first = i;
	CHECK(first != SIZE_MAX);
	if (!start_run(&ru, &r, &v))
		return;
	play_until(&ru, &r, false, first, false);
	rove_session_get_info(ru.s, &info);
	CHECK(info.remote.port == 500);
	CHECK(!ru.up);
	end_run(&ru);
	free_rec(&r);
}

int main(void)
{
	RUN(test_replay_iked_eap);
	RUN(test_iked_answers_from_500);
	RUN(test_iked_forged_from_4500);
	return check_summary();
}
