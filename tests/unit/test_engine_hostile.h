/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A hostile gateway's IKE_AUTH response, made from a recorded one: the
 * engine's own keys (session_internal.h) open the recorded response, a
 * test edits its inner payloads, and the same keys seal it again, so the
 * engine judges what a gateway with the real keys could send. Included once
 * by test_engine.c after the replay helpers (tests/hostile/ drives rove
 * against a scripted responder; these are the engine tests of its fixes). */
#include "session_internal.h"
#include "sk.h"

/* Rebuilds msg's inner payloads: each as it was, and after the first of
 * type `after`, `copies` more copies of it. */
static bool reseal_with_copies(struct rove_session *s, const uint8_t *msg, size_t len,
			       uint8_t after, unsigned copies, struct rove_buf *out)
{
	struct rove_msg *m = calloc(1, sizeof(*m));
	struct rove_sk_dir d;
	struct rove_err err;
	struct rove_mb mb;
	uint8_t *plain = malloc(len);
	size_t plen = 0, sk_off;
	bool ok = false, copied = false;

	rove_sk_dir_from_keys(&s->keys, false, &d); /* the gateway's direction */
	if (!m || !plain || rove_msg_parse(msg, len, m, &err) < 0 || m->n != 1 ||
	    m->pl[0].type != ROVE_PL_SK)
		goto out;
	sk_off = m->pl[0].offset;
	if (rove_sk_open(&d, msg, len, sk_off, plain, len, &plen, &err) < 0 ||
	    rove_msg_parse_inner(m->pl[0].next, plain, plen, m, &err) < 0)
		goto out;
	rove_mb_init_inner(&mb);
	for (size_t i = 1; i < m->n; i++) {
		rove_mb_add(&mb, m->pl[i].type, m->pl[i].body, m->pl[i].len);
		for (unsigned c = 0; !copied && m->pl[i].type == after && c < copies; c++)
			rove_mb_add(&mb, m->pl[i].type, m->pl[i].body, m->pl[i].len);
		copied |= m->pl[i].type == after;
	}
	if (rove_mb_finish(&mb, &err) == 0) {
		rove_buf_init(out);
		rove_buf_add(out, msg, sk_off);
		ok = rove_sk_seal(&d, s->cfg.rng, out, sk_off, mb.first, mb.buf.data, mb.buf.len,
				  &err) == 0;
	}
	rove_mb_free(&mb);
out:
	free(plain);
	free(m);
	return ok && copied;
}

/* A certificate chain far too long (the gateway's certificate and 40 more
 * CERT payloads) is refused for what it is; rove judged the first 8 and
 * then, had they not verified, blamed the CA setting. */
static void test_too_many_certs(void)
{
	struct rec r;
	struct run ru;
	struct variant v = { 0 };
	struct rove_datagram dg;
	struct rove_addr l, rem;
	struct rove_buf bad;
	char p[256];

	CHECK(load_rec(rec_path("psk.rec", p, sizeof(p)), &r));
	CHECK(r.n > 3 && r.s[1].dir == '<' && r.s[3].dir == '<');
	if (!start_run(&ru, &r, &v))
		return;
	rove_addr_parse(r.local, &l);
	rove_addr_parse(r.remote, &rem);
	CHECK(rove_session_pop_datagram(ru.s, &dg));
	rove_session_recv(ru.s, r.s[1].data, r.s[1].len, &l, &rem, ru.now += 5);
	drain(&ru);
	CHECK(rove_session_pop_datagram(ru.s, &dg)); /* our IKE_AUTH request */
	CHECK(reseal_with_copies(ru.s, r.s[3].data, r.s[3].len, ROVE_PL_CERT, 40, &bad));
	rove_session_recv(ru.s, bad.data, bad.len, &l, &rem, ru.now += 5);
	drain(&ru);
	CHECK(ru.failed && !ru.up && ru.reason == ROVE_FAIL_CERT);
	CHECK(strstr(ru.fail_msg, "the gateway sent 41 certificates, more than the 8") != NULL);
	rove_buf_free(&bad);
	end_run(&ru);
	free_rec(&r);
}
