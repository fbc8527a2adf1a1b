/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status document: what `rove status --json` prints (docs/cli.md). */
#include "sessproc.h"
#include "datapath_userspace.h"
#include "dns.h"
#include "json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The four states users see; IDLE only exists before start. */
static const char *state_word(enum rove_state st)
{
	switch (st) {
	case ROVE_ST_IDLE:
	case ROVE_ST_CONNECTING: return "connecting";
	case ROVE_ST_ESTABLISHED: return "established";
	case ROVE_ST_CLOSING: return "closing";
	case ROVE_ST_CLOSED: return "closed";
	}
	return "closed";
}

static void addr_value(struct rove_jw *w, const char *key, const struct rove_addr *a)
{
	char s[ROVE_ADDR_STRLEN];

	rove_jw_key(w, key);
	if (a->family)
		rove_jw_str(w, rove_addr_str(a, s, sizeof(s)));
	else
		rove_jw_null(w);
}

static void spi32(struct rove_jw *w, const char *key, uint32_t spi)
{
	char s[16];

	snprintf(s, sizeof(s), "%08x", spi);
	rove_jw_key(w, key);
	rove_jw_str(w, s);
}

static void ts_list(struct rove_jw *w, const char *key, const struct rove_ts *ts, size_t n)
{
	char s[128];

	rove_jw_key(w, key);
	rove_jw_arr_begin(w);
	for (size_t i = 0; i < n && i < 8; i++)
		rove_jw_str(w, rove_ts_str(&ts[i], s, sizeof(s)));
	rove_jw_arr_end(w);
}

static void config_lists(struct rove_jw *w, const struct rove_config_info *c)
{
	char s[ROVE_ADDR_STRLEN + 8];

	rove_jw_key(w, "virtual_ips");
	rove_jw_arr_begin(w);
	if (c->has_vip4)
		rove_jw_str(w, rove_addr_str(&c->vip4.addr, s, sizeof(s)));
	if (c->has_vip6)
		rove_jw_str(w, rove_addr_str(&c->vip6.addr, s, sizeof(s)));
	rove_jw_arr_end(w);
	rove_jw_key(w, "dns");
	rove_jw_arr_begin(w);
	for (size_t i = 0; i < c->ndns && i < ROVE_MAX_DNS; i++)
		rove_jw_str(w, rove_addr_str(&c->dns[i], s, sizeof(s)));
	rove_jw_arr_end(w);
	rove_jw_key(w, "dns_domains");
	rove_jw_arr_begin(w);
	for (size_t i = 0; i < c->ndomains && i < ROVE_MAX_DOMAINS; i++)
		rove_jw_strn(w, c->domains[i], strnlen(c->domains[i], sizeof(c->domains[i])));
	rove_jw_arr_end(w);
	rove_jw_key(w, "subnets");
	rove_jw_arr_begin(w);
	for (size_t i = 0; i < c->nsubnets && i < ROVE_MAX_SUBNETS; i++)
		rove_jw_str(w, rove_prefix_str(&c->subnets[i], s, sizeof(s)));
	rove_jw_arr_end(w);
}

static void ike_object(struct rove_jw *w, const struct rove_session_info *info)
{
	uint64_t now = rove_daemon_now(), secs = 0;

	if (info->established_ms && now >= info->established_ms &&
	    (info->state == ROVE_ST_ESTABLISHED || info->state == ROVE_ST_CLOSING))
		secs = (now - info->established_ms) / 1000;
	rove_jw_key(w, "ike");
	rove_jw_obj_begin(w);
	rove_jw_key(w, "spi_i");
	rove_jw_hex(w, info->spi_i, sizeof(info->spi_i));
	rove_jw_key(w, "spi_r");
	rove_jw_hex(w, info->spi_r, sizeof(info->spi_r));
	rove_jw_key(w, "proposal");
	rove_jw_strn(w, info->ike_proposal, strnlen(info->ike_proposal, sizeof(info->ike_proposal)));
	rove_jw_key(w, "established_seconds");
	rove_jw_u64(w, secs);
	rove_jw_obj_end(w);
}

/* Whole seconds from now to a time of the engine's clock, null for 0
 * (none planned). */
static void ms_until(struct rove_jw *w, const char *key, uint64_t at, uint64_t now)
{
	rove_jw_key(w, key);
	if (at)
		rove_jw_u64(w, at > now ? (at - now) / 1000 : 0);
	else
		rove_jw_null(w);
}

/* Rekeying: how many, how long ago the last, when the next. */
static void rekey_object(struct rove_jw *w, const struct rove_session_info *info)
{
	uint64_t now = rove_daemon_now();

	rove_jw_key(w, "rekey");
	rove_jw_obj_begin(w);
	rove_jw_key(w, "ike_rekeys");
	rove_jw_u64(w, info->ike_rekeys);
	rove_jw_key(w, "child_rekeys");
	rove_jw_u64(w, info->child_rekeys);
	rove_jw_key(w, "last_rekey_seconds_ago");
	if (info->last_rekey_ms && now >= info->last_rekey_ms)
		rove_jw_u64(w, (now - info->last_rekey_ms) / 1000);
	else
		rove_jw_null(w);
	ms_until(w, "ike_rekey_in_seconds", info->ike_rekey_ms, now);
	ms_until(w, "child_rekey_in_seconds", info->child_rekey_ms, now);
	rove_jw_obj_end(w);
}

/* Seconds from `age` until `limit` (seconds after installation), or null
 * when there is no limit. */
static void seconds_left(struct rove_jw *w, const char *key, uint64_t limit, uint64_t age)
{
	rove_jw_key(w, key);
	if (limit)
		rove_jw_u64(w, limit > age ? limit - age : 0);
	else
		rove_jw_null(w);
}

/* How long the SAs have been in, as the datapath reports it; when we
 * rekey them (the engine's plan) and when they expire (the hard lifetime
 * they were installed with). */
static void lifetime(struct rove_jw *w, const struct rove_counters *c,
		     const struct rove_session_info *info, const struct rove_child_sa *sa)
{
	uint64_t now = (uint64_t)time(NULL);
	uint64_t age = c->installed && now > c->installed ? now - c->installed : 0;

	rove_jw_key(w, "installed_seconds");
	rove_jw_u64(w, age);
	if (info->child_rekey_ms)
		ms_until(w, "rekey_in_seconds", info->child_rekey_ms, rove_daemon_now());
	else
		seconds_left(w, "rekey_in_seconds", c->rekey_after, age);
	seconds_left(w, "expires_in_seconds", c->expire_after ? c->expire_after : sa->lifetime_s,
		     age);
}

static void child_object(struct rove_jw *w, struct rove_datapath *dp, const struct rove_child_sa *sa,
			 const struct rove_session_info *info)
{
	struct rove_counters ctr = { 0 };

	if (dp->ops->counters(dp, sa, &ctr) < 0)
		memset(&ctr, 0, sizeof(ctr));
	rove_jw_obj_begin(w);
	spi32(w, "spi_in", sa->spi_in);
	spi32(w, "spi_out", sa->spi_out);
	ts_list(w, "local_ts", sa->ts_local, sa->nts_local);
	ts_list(w, "remote_ts", sa->ts_remote, sa->nts_remote);
	rove_jw_key(w, "proposal");
	rove_jw_strn(w, sa->proposal, strnlen(sa->proposal, sizeof(sa->proposal)));
	rove_jw_key(w, "encap");
	rove_jw_bool(w, sa->encap);
	rove_jw_key(w, "bytes_in");
	rove_jw_u64(w, ctr.bytes_in);
	rove_jw_key(w, "bytes_out");
	rove_jw_u64(w, ctr.bytes_out);
	rove_jw_key(w, "packets_in");
	rove_jw_u64(w, ctr.packets_in);
	rove_jw_key(w, "packets_out");
	rove_jw_u64(w, ctr.packets_out);
	rove_jw_key(w, "dropped_replay");
	rove_jw_u64(w, ctr.dropped_replay);
	rove_jw_key(w, "dropped_auth");
	rove_jw_u64(w, ctr.dropped_auth);
	lifetime(w, &ctr, info, sa);
	rove_jw_obj_end(w);
}

/* Seconds from a past point of the daemon's clock; null when unset. */
static void seconds_since(struct rove_jw *w, const char *key, uint64_t then, uint64_t now)
{
	rove_jw_key(w, key);
	if (then && now >= then)
		rove_jw_u64(w, (now - then) / 1000);
	else
		rove_jw_null(w);
}

/* Liveness checks: how long the gateway has been silent, whether a check
 * waits for its answer. */
static void dpd_object(struct rove_jw *w, const struct rove_session_config *cfg,
		       const struct rove_session_info *info, uint64_t now)
{
	rove_jw_key(w, "dpd");
	rove_jw_obj_begin(w);
	rove_jw_key(w, "interval_seconds");
	rove_jw_u64(w, cfg->dpd_ms / 1000);
	rove_jw_key(w, "timeout_seconds");
	rove_jw_u64(w, cfg->dpd_timeout_ms / 1000);
	seconds_since(w, "last_received_seconds", info->last_received_ms, now);
	rove_jw_key(w, "checking");
	rove_jw_bool(w, info->dpd_outstanding);
	rove_jw_obj_end(w);
}

static void reconnect_object(struct rove_jw *w, const struct rove_daemon *d, uint64_t now)
{
	rove_jw_key(w, "reconnect");
	rove_jw_obj_begin(w);
	rove_jw_key(w, "enabled");
	rove_jw_bool(w, d->reconnect);
	rove_jw_key(w, "reconnecting");
	rove_jw_bool(w, d->reconnecting);
	rove_jw_key(w, "attempts");
	rove_jw_u64(w, d->attempts);
	rove_jw_key(w, "next_attempt_seconds");
	if (d->reconnecting && d->next_attempt_ms)
		rove_jw_u64(w, d->next_attempt_ms > now ? (d->next_attempt_ms - now + 999) / 1000 : 0);
	else
		rove_jw_null(w);
	seconds_since(w, "down_seconds", d->reconnecting ? d->down_since_ms : 0, now);
	rove_jw_key(w, "reason");
	if (d->reconnecting)
		rove_jw_str(w, d->down_reason);
	else
		rove_jw_null(w);
	rove_jw_obj_end(w);
}

/* RFC 5685: the gateway this session talks to now and how it got there. */
static void redirect_object(struct rove_jw *w, const struct rove_daemon *d,
			    const struct rove_session_info *info, uint64_t now)
{
	rove_jw_key(w, "redirect");
	rove_jw_obj_begin(w);
	rove_jw_key(w, "count");
	rove_jw_u64(w, d->redirects);
	addr_value(w, "gateway", &info->remote);
	addr_value(w, "from", &d->redirect_from);
	rove_jw_key(w, "recent");
	rove_jw_u64(w, rove_redirect_recent(&d->redirect_history, now));
	rove_jw_key(w, "recent_limit");
	rove_jw_u64(w, ROVE_REDIRECT_MAX);
	rove_jw_obj_end(w);
}

static void reauth_object(struct rove_jw *w, const struct rove_daemon *d,
			  const struct rove_session_info *info, uint64_t now)
{
	rove_jw_key(w, "reauth");
	rove_jw_obj_begin(w);
	rove_jw_key(w, "interval_seconds");
	if (d->reauth_s)
		rove_jw_u64(w, d->reauth_s);
	else
		rove_jw_null(w);
	rove_jw_key(w, "auth_lifetime_seconds");
	if (info->auth_lifetime_s)
		rove_jw_u64(w, info->auth_lifetime_s);
	else
		rove_jw_null(w);
	rove_jw_key(w, "next_seconds");
	if (d->next_reauth_ms)
		rove_jw_u64(w, d->next_reauth_ms > now ? (d->next_reauth_ms - now + 999) / 1000 : 0);
	else
		rove_jw_null(w);
	rove_jw_key(w, "in_progress");
	rove_jw_bool(w, d->s_next != NULL);
	rove_jw_key(w, "count");
	rove_jw_u64(w, d->reauths);
	rove_jw_obj_end(w);
}

/* MOBIKE: whether both sides do it, the moves so far, whether the session
 * waits for an address, and the gateway's other addresses. */
static void mobike_fields(struct rove_jw *w, const struct rove_session_info *info)
{
	char s[ROVE_ADDR_STRLEN];

	rove_jw_key(w, "mobike");
	rove_jw_bool(w, info->mobike);
	rove_jw_key(w, "moves");
	rove_jw_u64(w, info->moves);
	rove_jw_key(w, "parked");
	rove_jw_bool(w, info->parked);
	rove_jw_key(w, "gateway_addresses");
	rove_jw_arr_begin(w);
	for (size_t i = 0; i < info->npeer_addrs && i < 4; i++)
		rove_jw_str(w, rove_addr_str(&info->peer_addrs[i], s, sizeof(s)));
	rove_jw_arr_end(w);
}

const char *rove_daemon_status_json(struct rove_daemon *d, struct rove_buf *out)
{
	uint64_t now = rove_daemon_now();
	struct rove_session_info info;
	struct rove_jw w;

	rove_session_get_info(d->s, &info);
	rove_jw_init(&w, out);
	rove_jw_obj_begin(&w);
	rove_jw_key(&w, "name");
	rove_jw_str(&w, d->name);
	rove_jw_key(&w, "pid");
	rove_jw_i64(&w, getpid());
	rove_jw_key(&w, "state");
	rove_jw_str(&w, d->reconnecting ? "reconnecting" : state_word(info.state));
	rove_jw_key(&w, "server");
	rove_jw_str(&w, d->server);
	addr_value(&w, "local_address", &info.local);
	rove_jw_key(&w, "local_port");
	rove_jw_u64(&w, info.local.port);
	addr_value(&w, "remote_address", &info.remote);
	rove_jw_key(&w, "remote_port");
	rove_jw_u64(&w, info.remote.port);
	rove_jw_key(&w, "nat_detected");
	rove_jw_bool(&w, info.nat_detected);
	rove_jw_key(&w, "nat_local");
	rove_jw_bool(&w, info.nat_local);
	rove_jw_key(&w, "nat_remote");
	rove_jw_bool(&w, info.nat_remote);
	mobike_fields(&w, &info);
	config_lists(&w, &info.config);
	ike_object(&w, &info);
	rekey_object(&w, &info);
	rove_jw_key(&w, "children");
	rove_jw_arr_begin(&w);
	for (size_t i = 0; i < info.nchildren && i < 4; i++)
		child_object(&w, d->dp, info.children[i], &info);
	rove_jw_arr_end(&w);
	rove_jw_key(&w, "datapath");
	rove_jw_str(&w, d->dp->ops->name);
	rove_jw_key(&w, "dropped_no_sa");
	if (d->dpu) {
		struct rove_dpu_stats st;

		/* ESP for an SPI we do not have: an SA removed too early. */
		rove_datapath_userspace_stats(d->dp, &st);
		rove_jw_u64(&w, st.rx.drop_spi);
	} else {
		rove_jw_null(&w);
	}
	rove_jw_key(&w, "dns_method");
	rove_jw_str(&w, rove_dns_method(d->dns));
	rove_jw_key(&w, "blocked");
	rove_jw_arr_begin(&w);
	if (d->blocked[0])
		rove_jw_str(&w, "ipv4");
	if (d->blocked[1])
		rove_jw_str(&w, "ipv6");
	rove_jw_arr_end(&w);
	rove_jw_key(&w, "remote_id");
	rove_jw_strn(&w, info.server_id, strnlen(info.server_id, sizeof(info.server_id)));
	rove_jw_key(&w, "revocation");
	rove_jw_str(&w, info.revocation);
	rove_jw_key(&w, "eap_tls");
	if (info.tls_version[0]) {
		rove_jw_obj_begin(&w);
		rove_jw_key(&w, "version");
		rove_jw_str(&w, info.tls_version);
		rove_jw_key(&w, "cipher");
		rove_jw_str(&w, info.tls_cipher);
		rove_jw_obj_end(&w);
	} else {
		rove_jw_null(&w);
	}
	rove_jw_key(&w, "round_trips");
	rove_jw_u64(&w, info.round_trips);
	/* While a new attempt is still under way, the last failure is the
	 * one that ended the tunnel, not the attempt's "none". */
	rove_jw_key(&w, "last_failure");
	rove_jw_str(&w, rove_fail_name(info.last_failure == ROVE_FAIL_NONE && d->reconnecting
					       ? d->down_fail : info.last_failure));
	dpd_object(&w, rove_session_config(d->s), &info, now);
	reconnect_object(&w, d, now);
	redirect_object(&w, d, &info, now);
	reauth_object(&w, d, &info, now);
	rove_jw_obj_end(&w);
	return rove_jw_finish(&w);
}
