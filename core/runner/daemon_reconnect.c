/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reconnecting (profile reconnect=yes): when the gateway stopped answering,
 * deleted our IKE SA, or a request timed out after the tunnel was up, the
 * session process keeps what the tunnel installed (TUN or XFRM policies,
 * routes in table 220, the rule, the virtual IP, DNS) and the last CHILD
 * SA, whose packets still go out encrypted to a gateway that drops them:
 * nothing leaks in clear meanwhile. It then builds a new engine session
 * from the failed one's own configuration (the secrets never leave the
 * sessions' memory, and are wiped with the last of them), without
 * INITIAL_CONTACT and asking for the same virtual IP, and tries again
 * after 1, 2, 4 ... 60 s (with +-20 % jitter, so clients that lost the
 * same gateway do not come back in step) until one comes up or `rove
 * down`. The new CHILD SA replaces the kept one in the datapath. */
#include "daemon.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>

#define BACKOFF_MAX_S 60

bool rove_daemon_wants_reconnect(const struct rove_daemon *d, enum rove_fail reason)
{
	if (!d->reconnect || d->closing || d->finished || !d->announced_up)
		return false;
	/* A refused login, certificate or proposal would be refused again. */
	switch (reason) {
	case ROVE_FAIL_PEER_DEAD:
	case ROVE_FAIL_PEER_DELETED:
	case ROVE_FAIL_TIMEOUT:
	case ROVE_FAIL_REKEY: /* a new IKE SA brings new keys */
	case ROVE_FAIL_PATH_CHANGED: /* a new address, a gateway without MOBIKE */
		return true;
	default:
		return false;
	}
}

static gboolean on_attempt(gpointer data);

void rove_daemon_follow_on(const struct rove_daemon *d, struct rove_session_config *cfg)
{
	cfg->initial_contact = false;
	memset(&cfg->want_vip4, 0, sizeof(cfg->want_vip4));
	memset(&cfg->want_vip6, 0, sizeof(cfg->want_vip6));
	if (d->config.has_vip4)
		cfg->want_vip4 = d->config.vip4.addr;
	if (d->config.has_vip6)
		cfg->want_vip6 = d->config.vip6.addr;
}

static void attempt(struct rove_daemon *d)
{
	struct rove_session_config cfg = *rove_session_config(d->s);
	struct rove_session *next;
	struct rove_err err;

	rove_daemon_follow_on(d, &cfg);
	/* REDIRECTED_FROM goes only to the first contact after a redirect. */
	memset(&cfg.redirected_from, 0, sizeof(cfg.redirected_from));
	/* Copies the old session's strings and secrets before it goes. */
	next = rove_session_new(&cfg, &err);
	if (!next) {
		rove_daemon_end(d, err.msg);
		return;
	}
	rove_session_free(d->s);
	d->s = next;
	d->got_child = d->got_config = false;
	d->attempts++;
	d->next_attempt_ms = 0;
	rove_daemon_say(d, 'p', _("reconnecting to %s (attempt %u)"), d->server, d->attempts);
	if (rove_session_start(d->s, rove_daemon_now()) < 0 && !d->finished)
		rove_daemon_say(d, 'p', _("the attempt could not start"));
	rove_daemon_pump(d);
}

static gboolean on_attempt(gpointer data)
{
	struct rove_daemon *d = data;

	g_source_unref(d->reconnect_timer);
	d->reconnect_timer = NULL;
	attempt(d);
	return G_SOURCE_REMOVE;
}

void rove_daemon_reconnect_later(struct rove_daemon *d, const char *msg)
{
	unsigned base = d->attempts >= 6 ? BACKOFF_MAX_S : 1u << d->attempts;
	uint64_t delay = (uint64_t)(base * 1000.0 * g_random_double_range(0.8, 1.2));
	uint64_t now = rove_daemon_now();

	if (!d->reconnecting) {
		d->reconnecting = true;
		d->down_since_ms = now;
	}
	snprintf(d->down_reason, sizeof(d->down_reason), "%s", msg);
	rove_daemon_say(d, 'p', "%s", msg);
	rove_daemon_say(d, 'p', _("reconnecting in %.1f s; the tunnel's routes and DNS stay, so "
			  "nothing goes out unprotected meanwhile"), (double)delay / 1000);
	d->next_attempt_ms = now + delay;
	if (d->reconnect_timer) {
		g_source_destroy(d->reconnect_timer);
		g_source_unref(d->reconnect_timer);
	}
	d->reconnect_timer = g_timeout_source_new((guint)delay);
	g_source_set_callback(d->reconnect_timer, on_attempt, d, NULL);
	g_source_attach(d->reconnect_timer, d->ctx);
}

static void drop_kept(struct rove_daemon *d, bool from_datapath)
{
	if (!d->have_kept)
		return;
	if (from_datapath && d->dp)
		d->dp->ops->remove(d->dp, &d->kept);
	rove_wipe(&d->kept, sizeof(d->kept));
	d->have_kept = false;
}

void rove_daemon_keep_child(struct rove_daemon *d, const struct rove_child_sa *sa)
{
	drop_kept(d, true);
	d->kept = *sa;
	d->have_kept = true;
}

int rove_daemon_install_child(struct rove_daemon *d, const struct rove_child_sa *sa,
			      struct rove_err *err)
{
	if (!d->have_kept)
		return d->dp->ops->install(d->dp, sa, err);
	/* Make before break where the datapath can hold both (userspace);
	 * one that holds one child at a time (kernel) swaps them. */
	if (d->dp->ops->install(d->dp, sa, err) < 0) {
		drop_kept(d, true);
		return d->dp->ops->install(d->dp, sa, err);
	}
	drop_kept(d, true);
	return 0;
}

static bool same_vips(const struct rove_config_info *a, const struct rove_config_info *b)
{
	return a->has_vip4 == b->has_vip4 && a->has_vip6 == b->has_vip6 &&
	       (!a->has_vip4 || rove_addr_eq(&a->vip4.addr, &b->vip4.addr)) &&
	       (!a->has_vip6 || rove_addr_eq(&a->vip6.addr, &b->vip6.addr));
}

int rove_daemon_reconfigure(struct rove_daemon *d, const struct rove_config_info *c,
			    struct rove_err *err)
{
	bool same = same_vips(&d->config, c);

	d->config = *c;
	if (same)
		return 0;
	rove_daemon_say(d, 'p', _("the gateway assigned another virtual IP: connections through "
			  "the tunnel must start again"));
	rove_daemon_report_ipconfig(d);
	return d->dp->ops->configure(d->dp, c, err);
}

/* The new session's CHILD SA is in: say so once. */
void rove_daemon_reconnected(struct rove_daemon *d)
{
	uint64_t now = rove_daemon_now();

	if (!d->reconnecting)
		return;
	if (!d->attempts) /* a redirect, followed at once */
		rove_daemon_say(d, 'p', _("the new gateway carries the tunnel after %.1f s"),
				(double)(now - d->down_since_ms) / 1000);
	else
		rove_daemon_say(d, 'p', dngettext("rove", "reconnected after %.1f s (%u attempt)",
						  "reconnected after %.1f s (%u attempts)",
						  d->attempts),
				(double)(now - d->down_since_ms) / 1000, d->attempts);
	d->reconnecting = false;
	d->attempts = 0;
	d->next_attempt_ms = 0;
	rove_daemon_reauth_schedule(d);
}

void rove_daemon_reconnect_stop(struct rove_daemon *d)
{
	if (d->reconnect_timer) {
		g_source_destroy(d->reconnect_timer);
		g_source_unref(d->reconnect_timer);
		d->reconnect_timer = NULL;
	}
	/* The datapath goes as a whole right after: only wipe the keys. */
	drop_kept(d, false);
}
