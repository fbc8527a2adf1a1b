/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Liveness checks (RFC 7296 2.4, "dead peer detection"): when nothing
 * authenticated has come from the gateway for cfg.dpd_ms, an empty
 * INFORMATIONAL request asks it to answer. Any answer proves it alive (so
 * does any other message: session.c notes the time of each). The check is
 * retransmitted like every request, but gives up after its own, shorter
 * cfg.dpd_timeout_ms, so a dead gateway is noticed long before the
 * connect timeout would say so. A check never goes out while another
 * request is outstanding: that request's answer (or its timeout) says the
 * same thing. */
#include "session_internal.h"
#include "i18n.h"

#include <stdio.h>

uint64_t dpd_next_timer(const struct rove_session *s)
{
	if (!s->cfg.dpd_ms || s->phase != PH_UP || s->req_outstanding)
		return UINT64_MAX;
	return s->last_rx_ms + s->cfg.dpd_ms;
}

static void dpd_send(struct rove_session *s)
{
	struct rove_mb mb;
	struct rove_err err;
	uint32_t id = s->next_msg_id;
	int rc;

	rove_mb_init_inner(&mb);
	rc = sess_seal(s, ROVE_EXCH_INFORMATIONAL, false, id, &mb, &s->req, &err);
	rove_mb_free(&mb);
	if (rc < 0) {
		sess_fail(s, ROVE_FAIL_INTERNAL, _("cannot build a liveness check: %s"), err.msg);
		return;
	}
	s->next_msg_id++;
	sess_log(s, _("nothing from the gateway for %u s: checking that it is alive (request %u)"),
		 (unsigned)((s->now_ms - s->last_rx_ms) / 1000), id);
	sess_send_request(s, ROVE_EXCH_INFORMATIONAL, id);
	s->dpd_pending = true;
	s->req_total_ms = s->cfg.dpd_timeout_ms;
}

void dpd_handle_timer(struct rove_session *s)
{
	if (s->now_ms >= dpd_next_timer(s))
		dpd_send(s);
}

void dpd_dead(struct rove_session *s)
{
	char a[ROVE_ADDR_STRLEN];
	/* Rounded: a timer that fires a few ms late should not add a second. */
	unsigned secs = (unsigned)((s->now_ms - s->req_first_ms + 500) / 1000);
	unsigned silent = (unsigned)((s->now_ms - s->last_rx_ms + 500) / 1000);

	rove_addr_str(&s->remote, a, sizeof(a));
	s->dpd_pending = false;
	sess_fail(s, ROVE_FAIL_PEER_DEAD,
		  _("the gateway %s stopped answering (no reply to %u liveness checks over %u s, "
		    "nothing received for %u s): check the network connection and that the "
		    "gateway is running"), a, s->req_sends, secs, silent);
}
