/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runner's interface (runner.h): a profile becomes the engine's session
 * configuration, sockets, trust store and proposals; the loop in daemon*.c
 * runs it on the caller's context. */
#include "runner.h"
#include "i18n.h"
#include "daemon.h"
#include "cert.h"
#include "cred.h"
#include "datapath_kernel.h"
#include "datapath_userspace.h"
#include "http.h"
#include "ikev2.h"
#include "proposal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rove_runner {
	struct rove_daemon d;
	char name[64];
	struct rove_addr server, source;
	struct rove_udp udp;
	struct rove_trust *trust;
	struct rove_cred *cred;
	struct rove_proposals ike, esp;
	enum rove_datapath_pref datapath; /* auto resolved: kernel or userspace */
	struct rove_session_config cfg;
	bool started;
	const char *crl;          /* the profile's, alive until begin */
};

const char *rove_runner_state_name(enum rove_runner_state st)
{
	switch (st) {
	case ROVE_RUNNER_CONNECTING: return "connecting";
	case ROVE_RUNNER_CONNECTED: return "connected";
	case ROVE_RUNNER_RECONNECTING: return "reconnecting";
	case ROVE_RUNNER_PARKED: return "parked";
	case ROVE_RUNNER_FAILED: return "failed";
	case ROVE_RUNNER_DISCONNECTED: return "disconnected";
	}
	return "disconnected";
}

/* ocsp= onto the trust store; network fetches go through the small
 * HTTP client (the engine itself does no I/O). */
static void revocation_setup(struct rove_trust *t, const struct rove_profile *p)
{
	static const enum rove_ocsp_mode modes[] = {
		[ROVE_OCSP_PREF_SOFT] = ROVE_OCSP_SOFT,
		[ROVE_OCSP_PREF_REQUIRE] = ROVE_OCSP_REQUIRE,
		[ROVE_OCSP_PREF_NO] = ROVE_OCSP_OFF,
	};

	rove_trust_set_fetch(t, rove_http_fetch, NULL);
	rove_trust_set_ocsp(t, modes[p->ocsp]);
}

/* The engine needs the trust store from the IKE_SA_INIT response on (its
 * CERTREQ, then the gateway's certificate), not for the first packet:
 * rove_runner_new only reads the CA file; OpenSSL's part (creating the
 * store, parsing the file, crl=) comes right after the first packet left
 * (rove_runner_begin), while the gateway computes its answer. (In a
 * thread beside the first packet it gained nothing here: OpenSSL's
 * initialization and first fetch, which the first packet needs too,
 * serialize the two, and under load the thread made `rove up` slower.)
 * 0, or -1 with err. */
static int load_trust(struct rove_runner *r, struct rove_err *err)
{
	if (!r->trust)
		return 0;
	if (rove_trust_load(r->trust, err) < 0)
		return -1;
	if (r->crl && rove_trust_add_crls(r->trust, r->crl, err) < 0)
		return -1;
	return 0;
}

/* Server address, sockets, trust and proposals. */
static int prepare(struct rove_runner *r, const struct rove_profile *p, bool *config_error,
		   struct rove_err *err)
{
	*config_error = false;
	if (rove_resolve_server(p->server, AF_UNSPEC, &r->server, err) < 0 ||
	    rove_udp_source_for(&r->server, &r->source, err) < 0 ||
	    rove_udp_open(&r->udp, r->server.family, NULL, err) < 0)
		return -1;
	*config_error = true;
	/* PSK both ways needs no CA; otherwise the system store by default.
	 * Read now, so a missing file is refused before anything is sent;
	 * loaded after the first packet (load_trust). */
	if (p->ca || p->auth != ROVE_PROFILE_AUTH_PSK) {
		r->trust = rove_trust_open(p->ca, err);
		if (!r->trust)
			return -1;
		revocation_setup(r->trust, p);
		r->crl = p->crl;
	}
	if (p->ike && rove_proposals_parse(p->ike, false, &r->ike, err) < 0)
		return rove_err_prefix(err, "ike");
	if (p->esp && rove_proposals_parse(p->esp, true, &r->esp, err) < 0)
		return rove_err_prefix(err, "esp");
	*config_error = false;
	return 0;
}

static void build_config(struct rove_runner *r, const struct rove_profile *p,
			 const struct rove_runner_options *o)
{
	struct rove_session_config *c = &r->cfg;

	memset(c, 0, sizeof(*c));
	c->name = r->name;
	c->local = r->source;
	c->local.port = r->udp.bound[ROVE_UDP_IKE].port;
	c->local_natt = r->source;
	c->local_natt.port = r->udp.bound[ROVE_UDP_NATT].port;
	c->remote = r->server;
	c->remote.port = ROVE_IKE_PORT;
	c->remote_id = p->remote_id ? p->remote_id : p->server;
	c->local_id = p->local_id;
	c->user = p->user;
	if (p->auth == ROVE_PROFILE_AUTH_PSK) {
		c->auth = ROVE_AUTHK_PSK;
		c->psk = (const uint8_t *)p->psk;
		c->psk_len = p->psk_len;
	} else if (p->auth == ROVE_PROFILE_AUTH_PUBKEY) {
		c->auth = ROVE_AUTHK_PUBKEY;
		c->cred = r->cred;
	} else if (p->auth == ROVE_PROFILE_AUTH_EAP_TLS) {
		c->auth = ROVE_AUTHK_EAP_TLS;
		c->cred = r->cred;
		c->eap_tls13 = p->eap_tls13;
	} else {
		c->auth = ROVE_AUTHK_EAP_MSCHAPV2;
		c->password = (const uint8_t *)o->password;
		c->password_len = o->password_len;
	}
	c->trust = r->trust;
	c->send_remote_id = p->send_remote_id;
	c->ike = p->ike ? &r->ike : NULL;
	c->esp = p->esp ? &r->esp : NULL;
	for (size_t i = 0; i < p->nroutes && i < ROVE_MAX_ROUTES; i++)
		c->routes[c->nroutes++] = p->routes[i];
	/* IPv6 through the tunnel (the default routes include ::/0): ask for
	 * an IPv6 virtual address too. A gateway without an IPv6 pool leaves
	 * it out and narrows ::/0 away; leak-block then blocks that family. */
	c->request_ipv6 = c->nroutes == 0;
	for (size_t i = 0; i < c->nroutes; i++)
		if (c->routes[i].addr.family == AF_INET6)
			c->request_ipv6 = true;
	/* The userspace datapath only speaks ESP in UDP: make the gateway
	 * encapsulate even without a NAT on the way. */
	c->force_encap = p->encap || r->datapath == ROVE_DP_USERSPACE;
	c->rng = NULL;
	c->verbose = o->verbose;
	c->ike_rekey_s = p->ike_rekey;
	c->child_rekey_s = p->child_rekey;
	c->dpd_ms = p->dpd * 1000u;
	c->dpd_timeout_ms = p->dpd_timeout * 1000u;
	c->fragment_size = p->fragment_size;
	/* Only the session's first IKE SA: reconnects clear it. */
	c->initial_contact = true;
	c->mobike = p->mobike;
}

/* Without apply_system the caller configures the tunnel's device: the
 * userspace datapath's TUN, or the kernel datapath's XFRM interface. */
static int choose_datapath(struct rove_runner *r, const struct rove_profile *p,
			   struct rove_err *err)
{
	return rove_daemon_dp_choose(p->datapath, &r->datapath, err);
}

struct rove_runner *rove_runner_new(const struct rove_profile *p,
				    const struct rove_runner_options *o, bool *config_error,
				    struct rove_err *err)
{
	struct rove_runner *r = calloc(1, sizeof(*r));
	bool cfg_err = false;

	if (config_error)
		*config_error = false;
	if (!r) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	r->udp.fd[0] = r->udp.fd[1] = -1;
	r->cred = o->cred;
	snprintf(r->name, sizeof(r->name), "%s", o->name);
	if (prepare(r, p, &cfg_err, err) < 0 || choose_datapath(r, p, err) < 0)
		goto fail;
	build_config(r, p, o);
	r->d.s = rove_session_new(&r->cfg, err);
	/* The session keeps its own copy of the secrets, and reconnects and
	 * reauthentication take them from there (rove_session_config). */
	r->cfg.password = r->cfg.psk = NULL;
	r->cfg.password_len = r->cfg.psk_len = 0;
	if (!r->d.s) {
		cfg_err = true;
		goto fail;
	}
	r->d.name = r->name;
	r->d.server = p->server;
	r->d.udp = &r->udp;
	r->d.verbose = o->verbose;
	r->d.apply_system = o->apply_system;
	r->d.dp_pref = r->datapath;
	/* choose_datapath probed the kernel: the session does not again. */
	r->d.dp_resolved = true;
	r->d.leak_block = p->leak_block;
	r->d.gateway = r->server;
	r->d.reconnect = p->reconnect;
	r->d.reauth_s = p->reauth;
	r->d.mobike = p->mobike;
	r->d.last_state = -1;
	return r;
fail:
	if (config_error)
		*config_error = cfg_err;
	rove_runner_free(r);
	return NULL;
}

int rove_runner_begin(struct rove_runner *r, GMainContext *ctx,
		      const struct rove_runner_callbacks *cb, void *data, struct rove_err *err)
{
	r->d.ctx = ctx;
	r->d.cb = cb;
	r->d.cb_data = data;
	r->started = true;
	rove_daemon_begin(&r->d);
	return load_trust(r, err);
}

int rove_runner_continue(struct rove_runner *r, struct rove_err *err)
{
	return rove_daemon_continue(&r->d, err);
}

int rove_runner_start(struct rove_runner *r, GMainContext *ctx,
		      const struct rove_runner_callbacks *cb, void *data, struct rove_err *err)
{
	if (rove_runner_begin(r, ctx, cb, data, err) < 0)
		return -1;
	return rove_runner_continue(r, err);
}

void rove_runner_stop(struct rove_runner *r)
{
	if (!r->started || r->d.finished)
		return;
	/* A second stop while closing means "now". */
	if (r->d.closing)
		rove_daemon_finish_now(&r->d);
	else
		rove_daemon_close(&r->d);
}

void rove_runner_free(struct rove_runner *r)
{
	if (!r)
		return;
	r->d.cb = NULL;
	if (r->started)
		rove_daemon_teardown(&r->d);
	rove_session_free(r->d.s);
	rove_udp_close(&r->udp);
	rove_trust_free(r->trust);
	rove_cred_free(r->cred);
	rove_wipe(&r->cfg, sizeof(r->cfg));
	free(r);
}

const char *rove_runner_name(const struct rove_runner *r)
{
	return r->name;
}

int rove_runner_exit_code(const struct rove_runner *r)
{
	return r->d.exit_code;
}

struct rove_daemon *rove_runner_daemon(struct rove_runner *r)
{
	return &r->d;
}

/* The caller's clock (monotonic ms) to Unix seconds. */
static uint64_t wall(uint64_t ms)
{
	uint64_t now = rove_daemon_now();
	time_t t = time(NULL);

	if (!ms)
		return 0;
	return ms >= now ? (uint64_t)t + (ms - now) / 1000 : (uint64_t)t - (now - ms) / 1000;
}

void rove_runner_status(struct rove_runner *r, struct rove_runner_status *out)
{
	struct rove_daemon *d = &r->d;
	struct rove_session_info info;

	memset(out, 0, sizeof(*out));
	out->state = d->last_state < 0 ? ROVE_RUNNER_CONNECTING : (enum rove_runner_state)d->last_state;
	out->datapath = d->dp ? d->dp->ops->name : "";
	out->device = !d->dp ? "" : d->dpu ? rove_datapath_userspace_ifname(d->dp)
					     : rove_datapath_kernel_ifname(d->dp);
	out->reauths = d->reauths;
	out->next_attempt = wall(d->next_attempt_ms);
	if (!d->s)
		return;
	rove_session_get_info(d->s, &info);
	out->gateway = info.remote;
	out->local = info.local;
	out->nat = info.nat_detected;
	memcpy(out->server_id, info.server_id, sizeof(out->server_id));
	out->server_id[sizeof(out->server_id) - 1] = '\0';
	out->rekeys = info.ike_rekeys + info.child_rekeys;
	out->moves = info.moves;
	out->next_rekey = wall(info.child_rekey_ms && (!info.ike_rekey_ms ||
				info.child_rekey_ms < info.ike_rekey_ms) ? info.child_rekey_ms
							 : info.ike_rekey_ms);
	if (out->state == ROVE_RUNNER_CONNECTED || out->state == ROVE_RUNNER_PARKED ||
	    out->state == ROVE_RUNNER_RECONNECTING)
		out->connected_since = d->connected_since;
	for (size_t i = 0; i < info.nchildren && d->dp; i++) {
		struct rove_counters c = { 0 };

		if (!info.children[i] || d->dp->ops->counters(d->dp, info.children[i], &c) < 0)
			continue;
		out->bytes_in += c.bytes_in;
		out->bytes_out += c.bytes_out;
		out->packets_in += c.packets_in;
		out->packets_out += c.packets_out;
	}
}
