/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IKE fragmentation replays for test_engine.c, kept in a file of their own
 * (included once, after the replay helpers) so the engine tests of other
 * features merge without touching these. frag.rec was recorded against
 * strongSwan with an RSA-3072 chain and fragment_size 600, the engine
 * with fragment-size 400: steps 2-3 are our first IKE_AUTH request in two
 * fragments, steps 4-9 the gateway's answer in six. */
#define FRAG_OURS 2      /* first of our fragments */
#define FRAG_THEIRS 4    /* first of the gateway's fragments */
#define FRAG_THEIRS_N 6

static void test_replay_frag(void)
{
	replay_ok("frag.rec", "10.3.0.1");
}

/* Moves step `from` to position `to` (shifting the ones between). */
static void move_step(struct rec *r, size_t from, size_t to)
{
	struct step t = r->s[from];

	if (from < to)
		memmove(&r->s[from], &r->s[from + 1], (to - from) * sizeof(t));
	else
		memmove(&r->s[to + 1], &r->s[to], (from - to) * sizeof(t));
	r->s[to] = t;
}

/* The gateway's fragments arrive last-first, with two duplicates: the
 * engine still sends exactly the recorded bytes and comes up. */
static void test_frag_reordered_and_duplicated(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	char p[256];

	CHECK(load_rec(rec_path("frag.rec", p, sizeof(p)), &r));
	CHECK(r.frag == 400 && r.n + 2 <= MAX_STEPS);
	CHECK(r.s[FRAG_OURS].dir == '>' && r.s[FRAG_OURS + 1].dir == '>');
	for (size_t i = 0; i < FRAG_THEIRS_N; i++)
		CHECK(r.s[FRAG_THEIRS + i].dir == '<');
	for (size_t i = 0; i < FRAG_THEIRS_N; i++)
		move_step(&r, FRAG_THEIRS + FRAG_THEIRS_N - 1, FRAG_THEIRS + i);
	/* duplicates of (now) the first and the third, before the last */
	for (int k = 0; k < 2; k++) {
		const struct step *src = &r.s[FRAG_THEIRS + 2 * k];
		struct step *d = &r.s[r.n];

		d->dir = '<';
		d->len = src->len;
		d->data = malloc(src->len);
		memcpy(d->data, src->data, src->len);
		r.n++;
		move_step(&r, r.n - 1, FRAG_THEIRS + FRAG_THEIRS_N - 1 + (size_t)k);
	}
	if (start_run(&ru, &r, &v)) {
		CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
		CHECK(ru.up && !ru.failed && ru.closed);
		end_run(&ru);
	}
	free_rec(&r);
}

/* One of the gateway's fragments is lost: the message waits, our
 * retransmission resends both our fragments unchanged, and the gateway's
 * retransmission of all six (five of them duplicates now) completes it;
 * the rest of the exchange then matches the recording. */
static void test_frag_lost(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	uint64_t t;
	char p[256];
	int resent = 0;

	CHECK(load_rec(rec_path("frag.rec", p, sizeof(p)), &r));
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	if (!start_run(&ru, &r, &v)) {
		free_rec(&r);
		return;
	}
	for (size_t i = 0; i < FRAG_THEIRS + FRAG_THEIRS_N; i++) {
		const struct step *st = &r.s[i];

		ru.now += 5;
		if (st->dir == '>')
			CHECK(rove_session_pop_datagram(ru.s, &dg) && dg.len == st->len &&
			      !memcmp(dg.data, st->data, st->len));
		else if (i != FRAG_THEIRS + 2)
			rove_session_recv(ru.s, st->data, st->len, &l, &rem, ru.now);
		drain(&ru);
	}
	CHECK(!ru.up && !ru.failed);
	CHECK(!rove_session_pop_datagram(ru.s, &dg)); /* nothing answered yet */
	t = rove_session_next_timer(ru.s);
	CHECK(t != UINT64_MAX);
	ru.now = t;
	rove_session_handle_timer(ru.s, ru.now);
	while (rove_session_pop_datagram(ru.s, &dg)) {
		const struct step *st = &r.s[FRAG_OURS + (size_t)(resent < 2 ? resent : 0)];

		CHECK(resent < 2 && dg.len == st->len && !memcmp(dg.data, st->data, st->len));
		resent++;
	}
	CHECK(resent == 2);
	/* the gateway answers the retransmission with all six again */
	for (size_t i = FRAG_THEIRS; i < FRAG_THEIRS + FRAG_THEIRS_N; i++)
		rove_session_recv(ru.s, r.s[i].data, r.s[i].len, &l, &rem, ru.now);
	drain(&ru);
	CHECK(!ru.failed);
	/* the rest as recorded: shift the steps played so far away */
	for (size_t i = 0; i < FRAG_THEIRS + FRAG_THEIRS_N; i++)
		free(r.s[i].data);
	memmove(&r.s[0], &r.s[FRAG_THEIRS + FRAG_THEIRS_N],
		(r.n - FRAG_THEIRS - FRAG_THEIRS_N) * sizeof(r.s[0]));
	r.n -= FRAG_THEIRS + FRAG_THEIRS_N;
	CHECK(play(&ru, &r, true, SIZE_MAX) == 0);
	CHECK(ru.up && !ru.failed && ru.closed);
	end_run(&ru);
	free_rec(&r);
}
