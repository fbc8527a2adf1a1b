/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MOBIKE (RFC 4555) for the initiator: announcing it in IKE_AUTH, keeping
 * the gateway's additional addresses, and moving the IKE SA and its CHILD
 * SAs to a new path with UPDATE_SA_ADDRESSES, NAT detection on the new
 * path and a return routability cookie (COOKIE2). The driver tells the
 * engine when the path changed (rove_session_path_changed); the engine
 * tells the driver when the gateway accepted it (ROVE_EV_PATH_UPDATED), so
 * the datapath moves only paths the gateway knows. */
#include "session_internal.h"
#include "i18n.h"

#include <string.h>

enum { MOBIKE_REQ_UPDATE = 1, MOBIKE_REQ_CHECK = 2 };

static bool same_host(const struct rove_addr *a, const struct rove_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, rove_addr_len(a));
}

bool mobike_parked(const struct rove_session *s)
{
	return s->mob.parked;
}

void mobike_auth_request(struct rove_session *s, struct rove_mb *mb)
{
	if (s->cfg.mobike)
		rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_MOBIKE_SUPPORTED, NULL, 0);
}

/* ADDITIONAL_IP4/IP6_ADDRESS replace the list; NO_ADDITIONAL_ADDRESSES
 * empties it (RFC 4555 3.4, 3.6). A message without either leaves it. */
static void take_addresses(struct rove_session *s, const struct rove_msg *m)
{
	bool seen = false;

	for (size_t i = 0; i < m->n; i++) {
		struct rove_notify n;
		struct rove_addr a;

		if (m->pl[i].type != ROVE_PL_NOTIFY ||
		    rove_notify_parse(m->pl[i].body, m->pl[i].len, &n, NULL) < 0)
			continue;
		if (n.type == ROVE_N_NO_ADDITIONAL_ADDRESSES) {
			s->mob.naddrs = 0;
			seen = true;
			continue;
		}
		if (n.type != ROVE_N_ADDITIONAL_IP4_ADDRESS && n.type != ROVE_N_ADDITIONAL_IP6_ADDRESS)
			continue;
		if (!seen) {
			s->mob.naddrs = 0;
			seen = true;
		}
		memset(&a, 0, sizeof(a));
		a.family = n.type == ROVE_N_ADDITIONAL_IP4_ADDRESS ? AF_INET : AF_INET6;
		if (n.len != rove_addr_len(&a) || s->mob.naddrs == 4)
			continue;
		memcpy(a.addr, n.data, n.len);
		s->mob.addrs[s->mob.naddrs++] = a;
	}
}

void mobike_auth_response(struct rove_session *s, const struct rove_msg *m)
{
	if (s->cfg.mobike && rove_msg_find_notify(m, ROVE_N_MOBIKE_SUPPORTED)) {
		if (!s->mob.peer)
			sess_log(s, _("the gateway supports MOBIKE"));
		s->mob.peer = true;
	}
	take_addresses(s, m);
}

void mobike_peer_request(struct rove_session *s, const struct rove_msg *m, struct rove_mb *resp)
{
	const struct rove_payload *p = rove_msg_find_notify(m, ROVE_N_COOKIE2);
	struct rove_notify n;

	take_addresses(s, m);
	/* A return routability check of our address: echo the cookie (3.8). */
	if (p && rove_notify_parse(p->body, p->len, &n, NULL) == 0 && n.len >= 8 && n.len <= 64)
		rove_mb_add_notify(resp, 0, NULL, 0, ROVE_N_COOKIE2, n.data, n.len);
}

/* NAT_DETECTION_* for the path we send on now (RFC 4555 3.5). */
static int add_natd(struct rove_session *s, struct rove_mb *mb, struct rove_err *err)
{
	uint8_t src[20], dst[20];

	if (natd_hash(s->spi_i, s->spi_r, &s->local, src) < 0 ||
	    natd_hash(s->spi_i, s->spi_r, &s->remote, dst) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("SHA-1 for NAT detection failed"));
	/* encap=yes (and the userspace datapath): keep the gateway believing
	 * we are behind a NAT, or it would stop encapsulating ESP. */
	if (s->cfg.force_encap && rove_rng_fill(s->cfg.rng, src, sizeof(src)) < 0)
		return rove_err_set(err, ROVE_E_CRYPTO, _("random number generator failed"));
	rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
	return 0;
}

static void send_request(struct rove_session *s, uint8_t kind)
{
	struct rove_mb mb;
	struct rove_err err;
	uint32_t id;
	int rc = 0;

	rove_mb_init_inner(&mb);
	if (kind == MOBIKE_REQ_UPDATE) {
		rove_mb_add_notify(&mb, 0, NULL, 0, ROVE_N_UPDATE_SA_ADDRESSES, NULL, 0);
		rc = add_natd(s, &mb, &err);
		if (rc == 0 && rove_rng_fill(s->cfg.rng, s->mob.cookie2, sizeof(s->mob.cookie2)) < 0)
			rc = rove_err_set(&err, ROVE_E_CRYPTO, _("random number generator failed"));
		if (rc == 0)
			rove_mb_add_notify(&mb, 0, NULL, 0, ROVE_N_COOKIE2, s->mob.cookie2,
					   sizeof(s->mob.cookie2));
	}
	id = s->next_msg_id;
	if (rc == 0)
		rc = sess_seal(s, ROVE_EXCH_INFORMATIONAL, false, id, &mb, &s->req, &err);
	rove_mb_free(&mb);
	if (rc < 0) {
		sess_fail(s, ROVE_FAIL_INTERNAL, "%s", err.msg);
		return;
	}
	s->next_msg_id++;
	s->mob.outstanding = true;
	s->mob.kind = kind;
	if (kind == MOBIKE_REQ_UPDATE)
		s->mob.pending = false;
	else
		s->mob.check = false;
	sess_send_request(s, ROVE_EXCH_INFORMATIONAL, id);
}

void mobike_next(struct rove_session *s)
{
	if (s->mob.parked || s->req_outstanding || s->phase != PH_UP || s->state == ROVE_ST_CLOSED)
		return;
	if (s->mob.pending)
		send_request(s, MOBIKE_REQ_UPDATE);
	else if (s->mob.check)
		send_request(s, MOBIKE_REQ_CHECK);
}

/* Which gateway address to use from a local address of `family`: the one
 * in use, the configured one, else an additional one of that family. */
static const struct rove_addr *remote_for(const struct rove_session *s, int family)
{
	if (s->remote.family == family)
		return &s->remote;
	if (s->mob.home.family == family)
		return &s->mob.home;
	for (size_t i = 0; i < s->mob.naddrs; i++)
		if (s->mob.addrs[i].family == family)
			return &s->mob.addrs[i];
	return NULL;
}

/* The new local address, ports kept; the configuration follows, so a
 * reconnect (rove_session_config) starts from it. */
static void take_local(struct rove_session *s, const struct rove_addr *local)
{
	memcpy(s->local.addr, local->addr, sizeof(s->local.addr));
	s->local.family = local->family;
	memcpy(s->cfg.local.addr, local->addr, sizeof(s->cfg.local.addr));
	s->cfg.local.family = local->family;
	memcpy(s->cfg.local_natt.addr, local->addr, sizeof(s->cfg.local_natt.addr));
	s->cfg.local_natt.family = local->family;
}

static void take_remote(struct rove_session *s, const struct rove_addr *remote)
{
	uint16_t port = s->remote.port;

	if (remote != &s->remote) {
		s->remote = *remote;
		s->remote.port = port;
	}
	/* A reconnect starts on port 500 at this address. */
	memcpy(s->cfg.remote.addr, remote->addr, sizeof(s->cfg.remote.addr));
	s->cfg.remote.family = remote->family;
}

/* Before the first move: the path the gateway knows is the one in use. */
static void first_path(struct rove_session *s)
{
	if (!s->mob.acc_local.family) {
		s->mob.acc_local = s->local;
		s->mob.acc_remote = s->remote;
	}
}

/* The outstanding request (ours or another exchange's) goes out again at
 * once on the new path, with a fresh retransmission budget (RFC 4555 3.5). */
static void restart_request(struct rove_session *s)
{
	if (!s->req_outstanding)
		return;
	s->req_first_ms = s->now_ms;
	s->req_interval_ms = s->cfg.retransmit_base_ms;
	s->req_next_ms = s->now_ms + s->req_interval_ms;
	frag_queue_request(s); /* whole, or in the fragments it was cut into */
}

int rove_session_path_changed(struct rove_session *s, const struct rove_addr *local,
			      uint64_t now_ms)
{
	char a[ROVE_ADDR_STRLEN];
	const struct rove_addr *remote;
	bool was_parked = s->mob.parked;

	s->now_ms = now_ms;
	if (s->state == ROVE_ST_CLOSED || s->phase == PH_DELETING || s->phase == PH_DONE)
		return 0;
	if (!local) {
		if (!s->mob.parked)
			sess_event(s, ROVE_EV_PROGRESS, _("no usable address towards the gateway: "
				     "waiting for one"));
		s->mob.parked = true;
		return 0;
	}
	if (same_host(local, &s->local) && !was_parked)
		return 0;
	if (!s->mob.home.family)
		s->mob.home = s->cfg.remote;
	remote = remote_for(s, local->family);
	if (s->phase != PH_UP) {
		/* Connecting: IKE_SA_INIT/IKE_AUTH go on from the new address. */
		if (local->family != s->remote.family)
			return -1;
		s->mob.parked = false;
		take_local(s, local);
		restart_request(s);
		return 0;
	}
	if (!s->cfg.mobike || !s->mob.peer) {
		if (remote) {
			take_local(s, local);
			take_remote(s, remote);
		}
		sess_fail(s, ROVE_FAIL_PATH_CHANGED, _("our address changed to %s and the gateway "
			    "does not support MOBIKE"), rove_addr_str(local, a, sizeof(a)));
		/* Tell it from the new address, once: it frees the old SA and
		 * its virtual IP lease, so the reconnect gets the same one. */
		if (remote) {
			struct rove_err err;

			info_send_delete(s, &err);
		}
		return -1;
	}
	if (!remote) {
		sess_event(s, ROVE_EV_PROGRESS, _("the gateway has no address of the family of %s"),
			   rove_addr_str(local, a, sizeof(a)));
		return -1;
	}
	s->mob.parked = false;
	first_path(s);
	take_remote(s, remote);
	take_local(s, local);
	sess_log(s, _("path changed: %s%s"), rove_addr_str(&s->local, a, sizeof(a)),
		 was_parked ? " (resuming)" : "");
	restart_request(s);
	s->mob.pending = true;
	mobike_next(s);
	return 0;
}

void rove_session_check_path(struct rove_session *s, uint64_t now_ms)
{
	s->now_ms = now_ms;
	if (s->phase != PH_UP || s->mob.parked || s->state == ROVE_ST_CLOSED)
		return;
	first_path(s);
	if (s->cfg.mobike && s->mob.peer)
		s->mob.pending = true;
	else
		s->mob.check = true;
	restart_request(s);
	mobike_next(s);
}

/* What the gateway's NAT_DETECTION notifies say of the new path. */
static void detect_nat(struct rove_session *s, const struct rove_msg *m)
{
	bool have_src = false, src_ok = false, have_dst = false, dst_ok = false;
	uint8_t h[20];

	for (size_t i = 0; i < m->n; i++) {
		struct rove_notify n;

		if (m->pl[i].type != ROVE_PL_NOTIFY ||
		    rove_notify_parse(m->pl[i].body, m->pl[i].len, &n, NULL) < 0 || n.len != 20)
			continue;
		if (n.type == ROVE_N_NAT_DETECTION_SOURCE_IP) {
			have_src = true;
			src_ok |= natd_hash(s->spi_i, s->spi_r, &s->remote, h) == 0 &&
				  !memcmp(h, n.data, 20);
		} else if (n.type == ROVE_N_NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			dst_ok |= natd_hash(s->spi_i, s->spi_r, &s->local, h) == 0 &&
				  !memcmp(h, n.data, 20);
		}
	}
	s->nat_remote = have_src && !src_ok;
	s->nat_local = have_dst && !dst_ok;
}

static bool cookie_echoed(const struct rove_session *s, const struct rove_msg *m)
{
	const struct rove_payload *p = rove_msg_find_notify(m, ROVE_N_COOKIE2);
	struct rove_notify n;

	return p && rove_notify_parse(p->body, p->len, &n, NULL) == 0 &&
	       n.len == sizeof(s->mob.cookie2) && !memcmp(n.data, s->mob.cookie2, n.len);
}

/* The gateway knows the new path: count the move, and hand the CHILD SA
 * to the datapath unless it has the path already (a CHILD SA the gateway
 * rekeyed on the new path before answering, as strongSwan with
 * kernel-libipsec does). */
static void path_accepted(struct rove_session *s)
{
	char l[ROVE_ADDR_STRLEN], r[ROVE_ADDR_STRLEN];
	bool encap = s->natt && (s->nat_local || s->nat_remote || s->cfg.force_encap);

	if (!rove_addr_eq(&s->mob.acc_local, &s->local) ||
	    !rove_addr_eq(&s->mob.acc_remote, &s->remote)) {
		s->mob.acc_local = s->local;
		s->mob.acc_remote = s->remote;
		s->mob.moves++;
		sess_event(s, ROVE_EV_PROGRESS, _("moved to %s -> %s%s"),
			   rove_addr_str(&s->local, l, sizeof(l)),
			   rove_addr_str(&s->remote, r, sizeof(r)),
			   s->nat_local ? " (behind a NAT)" : "");
	}
	if (s->child_up && (!rove_addr_eq(&s->child.local, &s->local) ||
			    !rove_addr_eq(&s->child.remote, &s->remote) || encap != s->child.encap)) {
		s->child.local = s->local;
		s->child.remote = s->remote;
		s->child.encap = encap;
		sess_event(s, ROVE_EV_PATH_UPDATED, NULL);
	}
	/* A new NAT mapping needs traffic to stay open: one keepalive now. */
	if (s->nat_local && s->natt)
		s->next_keepalive_ms = s->now_ms;
}

bool mobike_response(struct rove_session *s, const struct rove_msg *m)
{
	uint16_t nerr;

	if (!s->mob.outstanding)
		return false;
	s->mob.outstanding = false;
	if (s->mob.kind == MOBIKE_REQ_CHECK) {
		sess_log(s, _("the gateway answered the liveness check"));
		return true;
	}
	nerr = first_error_notify(m);
	if (nerr) {
		sess_event(s, ROVE_EV_PROGRESS, _("the gateway refused the new path with %s"),
			   rove_notify_name(nerr));
		return true;
	}
	if (!cookie_echoed(s, m)) {
		/* Not proof that the gateway saw this request on this path. */
		sess_log(s, _("the address update's answer lacks our COOKIE2: path not changed"));
		return true;
	}
	detect_nat(s, m);
	if ((s->nat_local || s->nat_remote) && !s->natt) {
		/* A NAT appeared: IKE moves to port 4500 and tells the gateway
		 * again from there (RFC 7296 2.23, RFC 4555 3.5). */
		s->natt = true;
		s->local.port = s->cfg.local_natt.port;
		s->remote.port = ROVE_NATT_PORT;
		sess_log(s, _("NAT on the new path, switching to UDP port 4500"));
		s->mob.pending = true;
		return true;
	}
	path_accepted(s);
	return true;
}
