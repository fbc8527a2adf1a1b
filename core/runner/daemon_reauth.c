/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reauthentication, make-before-break (RFC 7296 2.8.3, RFC 4478): every
 * `reauth=` seconds, or before the gateway's AUTH_LIFETIME runs out, a new
 * engine session (a new IKE SA, authenticated again with the credentials
 * the current session holds, without INITIAL_CONTACT and asking for the
 * same virtual IP) comes up beside the current one, which keeps carrying
 * the traffic. When its CHILD SA is up the datapath switches to it, the new
 * session becomes the current one, and the old one is deleted (its DELETE
 * exchange runs on while traffic already flows through the new SA).
 *
 * Up to three engine sessions exist for that moment: d->s (current),
 * d->s_next (coming up) and d->s_old (closing). Received IKE messages go
 * to all of them; each engine drops what is not for its IKE SA. */
#include "daemon.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>

#define RETRY_S 30

/* Seconds until the next reauthentication, 0 for none. */
static unsigned interval_s(struct rove_daemon *d)
{
	struct rove_session_info info;
	unsigned iv = d->reauth_s;

	rove_session_get_info(d->s, &info);
	if (info.auth_lifetime_s) {
		/* Leave a tenth (at least 5 s) for the new IKE SA to come up. */
		uint64_t margin = info.auth_lifetime_s / 10 < 5 ? 5 : info.auth_lifetime_s / 10;
		unsigned lt = info.auth_lifetime_s > margin + 5 ?
			      (unsigned)(info.auth_lifetime_s - margin) : 5;

		iv = iv && iv < lt ? iv : lt;
	}
	return iv;
}

static void drop_timer(struct rove_daemon *d)
{
	if (d->reauth_timer) {
		g_source_destroy(d->reauth_timer);
		g_source_unref(d->reauth_timer);
		d->reauth_timer = NULL;
	}
	d->next_reauth_ms = 0;
}

static gboolean on_reauth(gpointer data);

static void arm(struct rove_daemon *d, unsigned secs)
{
	drop_timer(d);
	if (!secs)
		return;
	d->next_reauth_ms = rove_daemon_now() + secs * 1000ull;
	d->reauth_timer = g_timeout_source_new_seconds(secs);
	g_source_set_callback(d->reauth_timer, on_reauth, d, NULL);
	g_source_attach(d->reauth_timer, d->ctx);
}

void rove_daemon_reauth_schedule(struct rove_daemon *d)
{
	arm(d, interval_s(d));
}

static void start(struct rove_daemon *d)
{
	struct rove_session_config cfg;
	struct rove_err err;

	if (d->s_next || d->closing || d->finished)
		return;
	if (d->reconnecting || rove_session_state(d->s) != ROVE_ST_ESTABLISHED) {
		/* A reconnect schedules the next one when it is up. */
		return;
	}
	cfg = *rove_session_config(d->s);
	rove_daemon_follow_on(d, &cfg);
	d->s_next = rove_session_new(&cfg, &err);
	if (!d->s_next) {
		rove_daemon_say(d, 'p', _("reauthentication cannot start: %s"), err.msg);
		arm(d, RETRY_S);
		return;
	}
	rove_daemon_say(d, 'p', _("reauthenticating: a new IKE SA comes up beside the current one"));
	rove_session_start(d->s_next, rove_daemon_now());
	rove_daemon_pump(d);
}

static gboolean on_reauth(gpointer data)
{
	struct rove_daemon *d = data;

	g_source_unref(d->reauth_timer);
	d->reauth_timer = NULL;
	d->next_reauth_ms = 0;
	start(d);
	return G_SOURCE_REMOVE;
}

/* The new session's CHILD SA is up: traffic moves to it, the old IKE SA
 * is deleted. */
static void promote(struct rove_daemon *d, const struct rove_child_sa *sa)
{
	struct rove_session_info info;
	struct rove_err err;

	rove_session_get_info(d->s, &info);
	/* Beside the current CHILD SA, as a rekey's: the kernel datapath puts
	 * the new pair under the same reqid (the policies stay) and deletes
	 * the old outbound SA once the new one is in, the userspace one swaps
	 * its outbound SA; the old inbound SA takes what is still in flight
	 * until the old session's CHILD_DOWN. */
	if (d->dp->ops->install(d->dp, sa, &err) < 0) {
		/* Refused beside it: swap them (a loss, but a tunnel). */
		if (info.nchildren)
			d->dp->ops->remove(d->dp, info.children[0]);
		if (d->dp->ops->install(d->dp, sa, &err) < 0) {
			rove_daemon_end(d, err.msg);
			return;
		}
	}
	if (d->s_old) /* a previous one still closing: enough waiting */
		rove_session_free(d->s_old);
	d->old_done = false;
	d->s_old = d->s;
	d->s = d->s_next;
	d->s_next = NULL;
	d->reauths++;
	rove_daemon_say(d, 'p', _("reauthenticated: the new IKE SA carries the traffic; deleting "
			  "the old one"));
	rove_session_close(d->s_old, rove_daemon_now());
	rove_daemon_reauth_schedule(d);
}

static void next_event(struct rove_daemon *d, const struct rove_event *ev)
{
	struct rove_err err;

	switch (ev->type) {
	case ROVE_EV_PROGRESS:
		rove_daemon_say(d, 'p', _("reauthentication: %s"), ev->msg);
		break;
	case ROVE_EV_LOG:
		if (d->verbose)
			rove_daemon_say(d, 'v', _("reauthentication: %s"), ev->msg);
		break;
	case ROVE_EV_CONFIG:
		if (rove_daemon_reconfigure(d, ev->config, &err) < 0)
			rove_daemon_say(d, 'p', "%s", err.msg);
		break;
	case ROVE_EV_CHILD_UP:
		if (d->closing)
			break;
		promote(d, ev->child);
		break;
	case ROVE_EV_FAILED:
		rove_daemon_say(d, 'p', _("reauthentication failed: %s; the current IKE SA carries "
				  "on, next try in %u s"), ev->msg, RETRY_S);
		d->next_done = true;
		arm(d, RETRY_S);
		break;
	case ROVE_EV_CLOSED:
		d->next_done = true;
		break;
	case ROVE_EV_REDIRECT:
		/* New sessions go elsewhere: a reconnect would follow it. Its
		 * DELETE (after IKE_AUTH) is due on its timer. */
		rove_session_handle_timer(d->s_next, rove_daemon_now());
		rove_daemon_say(d, 'p', _("reauthentication: %s; the current IKE SA carries on, "
				  "next try in %u s"), ev->msg, RETRY_S);
		d->next_done = true;
		arm(d, RETRY_S);
		break;
	default:
		break;
	}
}

static void old_event(struct rove_daemon *d, const struct rove_event *ev)
{
	switch (ev->type) {
	case ROVE_EV_CHILD_DOWN:
		/* Its inbound SA took packets still in flight until now. */
		if (ev->child)
			d->dp->ops->remove(d->dp, ev->child);
		break;
	case ROVE_EV_LOG:
		if (d->verbose)
			rove_daemon_say(d, 'v', _("old IKE SA: %s"), ev->msg);
		break;
	case ROVE_EV_FAILED:
	case ROVE_EV_CLOSED:
	case ROVE_EV_REDIRECT:
		d->old_done = true;
		break;
	default:
		break;
	}
}

static bool drain_one(struct rove_daemon *d, struct rove_session *s, bool next)
{
	struct rove_datagram dg;
	struct rove_event ev;
	struct rove_err err;
	bool more = false;

	while (rove_session_pop_datagram(s, &dg)) {
		if (rove_udp_send(rove_daemon_udp_for(d, &dg.local), &dg, &err) < 0)
			rove_daemon_say(d, 'v', "%s", err.msg);
		more = true;
	}
	while (rove_session_poll_event(s, &ev)) {
		more = true;
		if (next) {
			next_event(d, &ev);
			/* Promoted: the sessions changed places. */
			if (d->s_next != s)
				return true;
		} else {
			old_event(d, &ev);
		}
	}
	return more;
}

bool rove_daemon_reauth_drain(struct rove_daemon *d)
{
	bool more = false;

	if (d->s_next && !d->next_done)
		more |= drain_one(d, d->s_next, true);
	if (d->s_old && !d->old_done)
		more |= drain_one(d, d->s_old, false);
	return more;
}

/* Frees what finished, outside the loops that use it. */
void rove_daemon_reauth_reap(struct rove_daemon *d)
{
	if (d->next_done) {
		rove_session_free(d->s_next);
		d->s_next = NULL;
		d->next_done = false;
	}
	if (d->old_done) {
		rove_session_free(d->s_old);
		d->s_old = NULL;
		d->old_done = false;
	}
}

uint64_t rove_daemon_reauth_next_timer(const struct rove_daemon *d)
{
	uint64_t t = UINT64_MAX, u;

	if (d->s_next && (u = rove_session_next_timer(d->s_next)) < t)
		t = u;
	if (d->s_old && (u = rove_session_next_timer(d->s_old)) < t)
		t = u;
	return t;
}

void rove_daemon_reauth_timer(struct rove_daemon *d, uint64_t now)
{
	if (d->s_next)
		rove_session_handle_timer(d->s_next, now);
	if (d->s_old)
		rove_session_handle_timer(d->s_old, now);
}

void rove_daemon_reauth_recv(struct rove_daemon *d, const uint8_t *pkt, size_t len,
			     const struct rove_addr *local, const struct rove_addr *remote,
			     uint64_t now)
{
	if (d->s_next)
		rove_session_recv(d->s_next, pkt, len, local, remote, now);
	if (d->s_old)
		rove_session_recv(d->s_old, pkt, len, local, remote, now);
}

/* The current session failed or is closing: a half-made replacement goes
 * too (closed, so the gateway forgets it). */
void rove_daemon_reauth_abort(struct rove_daemon *d)
{
	if (d->s_next && !d->next_done)
		rove_session_close(d->s_next, rove_daemon_now());
}

void rove_daemon_reauth_stop(struct rove_daemon *d)
{
	drop_timer(d);
	rove_session_free(d->s_next);
	rove_session_free(d->s_old);
	d->s_next = d->s_old = NULL;
}
