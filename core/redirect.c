/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 5685 redirect in the engine: we announce support in IKE_SA_INIT and
 * accept a REDIRECT in the IKE_SA_INIT response (bound to our nonce), in
 * the last IKE_AUTH response (after the gateway proved itself) and in an
 * INFORMATIONAL request of an established session. Each ends the session
 * with ROVE_EV_REDIRECT; following it (a new session, loop protection) is
 * the driver's part. */
#include "session_internal.h"
#include "i18n.h"

#include <string.h>

void redirect_add_notify(struct rove_session *s, struct rove_mb *mb)
{
	struct rove_buf from;

	if (!s->cfg.redirected_from.family) {
		rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_REDIRECT_SUPPORTED, NULL, 0);
		return;
	}
	rove_buf_init(&from);
	rove_redirect_build_addr(&from, &s->cfg.redirected_from);
	rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_REDIRECTED_FROM, from.data, from.len);
	rove_buf_free(&from);
}

/* The REDIRECT notify of m parsed into s->redirect: 1, none: 0, bad: -1. */
static int find_redirect(struct rove_session *s, const struct rove_msg *m, bool with_nonce)
{
	const struct rove_payload *p = rove_msg_find_notify(m, ROVE_N_REDIRECT);
	struct rove_notify n;
	struct rove_err err;

	if (!p)
		return 0;
	if (rove_notify_parse(p->body, p->len, &n, &err) < 0 ||
	    rove_redirect_parse(n.data, n.len, with_nonce ? s->ni : NULL,
				with_nonce ? sizeof(s->ni) : 0, &s->redirect, &err) < 0) {
		sess_log(s, _("ignoring a REDIRECT: %s"), err.msg);
		return -1;
	}
	return 1;
}

/* Ends the session as a redirect: not a failure, nothing for the user to
 * fix. The event goes first so the driver knows why the child goes down. */
static void redirect_end(struct rove_session *s)
{
	char by[ROVE_ADDR_STRLEN], to[256];

	sess_event(s, ROVE_EV_REDIRECT, _("redirected by %s to %s"),
		   rove_addr_str(&s->remote, by, sizeof(by)),
		   rove_redirect_str(&s->redirect, to, sizeof(to)));
	s->req_outstanding = false;
	s->dpd_pending = false;
	s->phase = PH_DONE;
	if (s->child_up) {
		s->child_up = false;
		sess_event(s, ROVE_EV_CHILD_DOWN, NULL);
	}
	sess_set_state(s, ROVE_ST_CLOSED);
}

bool redirect_init_response(struct rove_session *s, const struct rove_msg *m)
{
	int rc = find_redirect(s, m, true);

	/* A REDIRECT that is not bound to our nonce may come from anyone who
	 * can send us a datagram: drop the message, keep waiting for the
	 * real answer (our retransmissions go on). */
	if (rc < 0) {
		s->req_outstanding = true;
		return true;
	}
	if (rc == 0)
		return false;
	redirect_end(s);
	return true;
}

bool redirect_auth_response(struct rove_session *s, const struct rove_msg *m)
{
	/* Only now, after the gateway's AUTH verified, may it send us away
	 * (RFC 5685 section 6); a malformed one is a protocol failure. */
	if (find_redirect(s, m, false) <= 0) {
		if (rove_msg_find_notify(m, ROVE_N_REDIRECT))
			sess_fail(s, ROVE_FAIL_PROTOCOL, _("the gateway sent a malformed REDIRECT"));
		return rove_msg_find_notify(m, ROVE_N_REDIRECT) != NULL;
	}
	redirect_end(s);
	/* Our IKE SA there is authenticated: delete it, waiting for nothing. */
	s->redirect_delete = true;
	return true;
}

bool redirect_info_request(struct rove_session *s, const struct rove_msg *m)
{
	bool busy = s->req_outstanding;

	if (s->phase != PH_UP || find_redirect(s, m, false) <= 0)
		return false;
	redirect_end(s);
	/* Delete the IKE SA with the old gateway once (section 6). With a
	 * request of ours still in flight the window is full: the gateway
	 * then deletes it itself after a while. */
	s->redirect_delete = !busy;
	return true;
}

uint64_t redirect_next_timer(const struct rove_session *s)
{
	return s->redirect_delete ? s->now_ms : UINT64_MAX;
}

void redirect_handle_timer(struct rove_session *s)
{
	struct rove_err err;

	if (!s->redirect_delete)
		return;
	s->redirect_delete = false;
	info_send_delete(s, &err); /* CLOSED: sent once, no answer awaited */
}
