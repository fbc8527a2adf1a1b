/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The first CHILD SA (RFC 7296 1.2, 2.9, 2.17) and mode-config (3.15):
 * what we ask for in IKE_AUTH, and what the gateway granted. */
#include "session_internal.h"
#include "i18n.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

/* ---- request ---- */

static void add_cp_request(struct rove_session *s, struct rove_mb *mb)
{
	struct rove_cp_attr a[8];
	uint8_t v6[17];
	size_t n = 0;

	/* On a reconnect or reauthentication we ask for the address we had
	 * (RFC 7296 3.15.1), so connections through the tunnel survive. */
	if (s->cfg.want_vip4.family == AF_INET)
		a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_IP4_ADDRESS,
						s->cfg.want_vip4.addr, 4 };
	else
		a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_IP4_ADDRESS, NULL, 0 };
	a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_IP4_DNS, NULL, 0 };
	if (s->cfg.request_ipv6 && s->cfg.want_vip6.family == AF_INET6) {
		memcpy(v6, s->cfg.want_vip6.addr, 16);
		v6[16] = 128;
		a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_IP6_ADDRESS, v6, 17 };
		a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_IP6_DNS, NULL, 0 };
	} else if (s->cfg.request_ipv6) {
		a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_IP6_ADDRESS, NULL, 0 };
		a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_IP6_DNS, NULL, 0 };
	}
	a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_IP4_SUBNET, NULL, 0 };
	a[n++] = (struct rove_cp_attr){ ROVE_CA_INTERNAL_DNS_DOMAIN, NULL, 0 };
	rove_mb_begin(mb, ROVE_PL_CP, false);
	rove_cp_build(&mb->buf, ROVE_CFG_REQUEST, a, n);
	rove_mb_end(mb);
}

static size_t our_routes(const struct rove_session *s, struct rove_prefix *out)
{
	size_t n = 0;

	if (s->cfg.nroutes) {
		for (size_t i = 0; i < s->cfg.nroutes; i++)
			out[n++] = s->cfg.routes[i];
		return n;
	}
	rove_prefix_parse("0.0.0.0/0", &out[n++]);
	rove_prefix_parse("::/0", &out[n++]);
	return n;
}

/* TSi: any address of each family we may get (the gateway narrows it to
 * the virtual IP); TSr: the configured routes. */
static void add_ts(struct rove_session *s, struct rove_mb *mb)
{
	struct rove_prefix routes[ROVE_MAX_ROUTES], any;
	struct rove_ts tsi[2], tsr[ROVE_MAX_ROUTES];
	size_t ni = 0, nr = 0, n = our_routes(s, routes);

	rove_prefix_parse("0.0.0.0/0", &any);
	rove_ts_from_prefix(&any, &tsi[ni++]);
	if (s->cfg.request_ipv6) {
		rove_prefix_parse("::/0", &any);
		rove_ts_from_prefix(&any, &tsi[ni++]);
	}
	for (size_t i = 0; i < n; i++)
		if (routes[i].addr.family == AF_INET || s->cfg.request_ipv6)
			rove_ts_from_prefix(&routes[i], &tsr[nr++]);
	rove_mb_begin(mb, ROVE_PL_TSI, false);
	rove_ts_build(&mb->buf, tsi, ni);
	rove_mb_end(mb);
	rove_mb_begin(mb, ROVE_PL_TSR, false);
	rove_ts_build(&mb->buf, tsr, nr);
	rove_mb_end(mb);
}

int child_add_request(struct rove_session *s, struct rove_mb *mb, struct rove_err *err)
{
	struct rove_sa *sa;
	uint8_t spi[4];
	int rc;

	/* SPIs 1..255 are reserved (RFC 4303 2.1). */
	do {
		if (rove_rng_fill(s->cfg.rng, spi, sizeof(spi)) < 0)
			return rove_err_set(err, ROVE_E_CRYPTO, _("random number generator failed"));
		s->child_spi_in = rove_get_be32(spi);
	} while (s->child_spi_in < 256);
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	add_cp_request(s, mb);
	/* No KE travels in IKE_AUTH, so the first CHILD SA has no PFS group
	 * (RFC 7296 1.2); the groups of esp= apply to rekeying. */
	struct rove_proposals esp = s->esp_props;
	for (size_t i = 0; i < esp.n; i++)
		esp.p[i].ndh = 0;
	rc = rove_proposals_to_sa(&esp, spi, sizeof(spi), sa, err);
	if (rc == 0) {
		rove_mb_begin(mb, ROVE_PL_SA, false);
		rove_sa_build(&mb->buf, sa);
		rove_mb_end(mb);
		add_ts(s, mb);
	}
	free(sa);
	return rc;
}

/* ---- mode-config reply ---- */

static void cp_addr(struct rove_addr *a, int family, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->addr, p, family == AF_INET ? 4 : 16);
}

static void cp_domain(struct rove_config_info *c, const struct rove_cp_attr *a)
{
	size_t n = a->len;

	if (c->ndomains >= ROVE_MAX_DOMAINS || n == 0 || n >= sizeof(c->domains[0]))
		return;
	for (size_t i = 0; i < n; i++) /* a DNS name: no control chars */
		if (a->data[i] < 0x21 || a->data[i] > 0x7e)
			return;
	memcpy(c->domains[c->ndomains], a->data, n);
	c->domains[c->ndomains++][n] = '\0';
}

static int mask_len(const uint8_t m[4])
{
	uint32_t v = rove_get_be32(m);
	int n = 0;

	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	return (uint32_t)(v << n) == 0 || n == 32 ? n : -1;
}

static void cp_attr(struct rove_config_info *c, const struct rove_cp_attr *a)
{
	int ml;

	switch (a->type) {
	case ROVE_CA_INTERNAL_IP4_ADDRESS:
		if (a->len == 4 && !c->has_vip4) {
			cp_addr(&c->vip4.addr, AF_INET, a->data);
			c->vip4.len = 32;
			c->has_vip4 = true;
		}
		break;
	case ROVE_CA_INTERNAL_IP6_ADDRESS:
		if (a->len == 17 && !c->has_vip6 && a->data[16] <= 128) {
			cp_addr(&c->vip6.addr, AF_INET6, a->data);
			c->vip6.len = a->data[16];
			c->has_vip6 = true;
		}
		break;
	case ROVE_CA_INTERNAL_IP4_DNS:
	case ROVE_CA_INTERNAL_IP6_DNS:
		if ((a->len == 4 || a->len == 16) && c->ndns < ROVE_MAX_DNS)
			cp_addr(&c->dns[c->ndns++], a->len == 4 ? AF_INET : AF_INET6, a->data);
		break;
	case ROVE_CA_INTERNAL_IP4_SUBNET:
		if (a->len == 8 && c->nsubnets < ROVE_MAX_SUBNETS && (ml = mask_len(a->data + 4)) >= 0) {
			cp_addr(&c->subnets[c->nsubnets].addr, AF_INET, a->data);
			c->subnets[c->nsubnets++].len = (uint8_t)ml;
		}
		break;
	case ROVE_CA_INTERNAL_IP6_SUBNET:
		if (a->len == 17 && c->nsubnets < ROVE_MAX_SUBNETS && a->data[16] <= 128) {
			cp_addr(&c->subnets[c->nsubnets].addr, AF_INET6, a->data);
			c->subnets[c->nsubnets++].len = a->data[16];
		}
		break;
	case ROVE_CA_INTERNAL_DNS_DOMAIN:
	case ROVE_CA_UNITY_DEF_DOMAIN:
		cp_domain(c, a);
		break;
	default:
		break;
	}
}

static int take_config(struct rove_session *s, const struct rove_msg *m, struct rove_err *err)
{
	const struct rove_payload *p = rove_msg_find(m, ROVE_PL_CP);
	struct rove_cp *cp;

	memset(&s->config, 0, sizeof(s->config));
	if (!p)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway assigned no virtual IP "
				      "(no configuration payload): check its address pool"));
	cp = calloc(1, sizeof(*cp));
	if (!cp)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (rove_cp_parse(p->body, p->len, cp, err) < 0) {
		free(cp);
		return -1;
	}
	if (cp->cfg_type == ROVE_CFG_REPLY)
		for (size_t i = 0; i < cp->n; i++)
			cp_attr(&s->config, &cp->attr[i]);
	free(cp);
	if (!s->config.has_vip4 && !s->config.has_vip6)
		return rove_err_set(err, ROVE_E_PROTO,
				    _("the gateway assigned no virtual IP: check its address pool"));
	return 0;
}

/* ---- CHILD SA ---- */

static bool ts_within(const struct rove_ts *in, const struct rove_ts *out)
{
	size_t n = rove_ts_is_v6(in) ? 16 : 4;

	return in->type == out->type && memcmp(in->start, out->start, n) >= 0 &&
	       memcmp(in->end, out->end, n) <= 0 &&
	       (!out->ip_proto || in->ip_proto == out->ip_proto) &&
	       in->start_port >= out->start_port && in->end_port <= out->end_port;
}

/* Each selector the gateway chose must be inside one we proposed. */
static bool ts_narrowed_ok(const struct rove_ts_list *got, const struct rove_ts *ours, size_t n)
{
	for (size_t i = 0; i < got->n; i++) {
		bool ok = false;

		for (size_t j = 0; j < n && !ok; j++)
			ok = ts_within(&got->ts[i], &ours[j]);
		if (!ok)
			return false;
	}
	return got->n > 0;
}

static int take_ts(struct rove_session *s, const struct rove_msg *m, struct rove_err *err)
{
	const struct rove_payload *pi = rove_msg_find(m, ROVE_PL_TSI);
	const struct rove_payload *pr = rove_msg_find(m, ROVE_PL_TSR);
	struct rove_prefix routes[ROVE_MAX_ROUTES], any4, any6;
	struct rove_ts ours_r[ROVE_MAX_ROUTES], ours_i[2];
	struct rove_ts_list tsi, tsr;
	size_t n = our_routes(s, routes);

	if (!pi || !pr)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway's answer lacks traffic selectors"));
	if (rove_ts_parse(pi->body, pi->len, &tsi, err) < 0 ||
	    rove_ts_parse(pr->body, pr->len, &tsr, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		rove_ts_from_prefix(&routes[i], &ours_r[i]);
	rove_prefix_parse("0.0.0.0/0", &any4);
	rove_prefix_parse("::/0", &any6);
	rove_ts_from_prefix(&any4, &ours_i[0]);
	rove_ts_from_prefix(&any6, &ours_i[1]);
	if (!ts_narrowed_ok(&tsi, ours_i, 2) || !ts_narrowed_ok(&tsr, ours_r, n))
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway chose traffic selectors outside "
				      "what we proposed: check routes="));
	s->child.nts_local = tsi.n < 8 ? tsi.n : 8;
	s->child.nts_remote = tsr.n < 8 ? tsr.n : 8;
	memcpy(s->child.ts_local, tsi.ts, s->child.nts_local * sizeof(struct rove_ts));
	memcpy(s->child.ts_remote, tsr.ts, s->child.nts_remote * sizeof(struct rove_ts));
	return 0;
}

int sess_take_sa(const struct rove_msg *m, const struct rove_proposals *props,
		 uint8_t spi_len, const char *what, struct rove_chosen *ch, struct rove_err *err)
{
	const struct rove_payload *p = rove_msg_find(m, ROVE_PL_SA);
	struct rove_sa *sa;
	int rc;

	if (!p)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway's answer has no SA payload"));
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rc = rove_sa_parse(p->body, p->len, sa, err);
	if (rc == 0)
		rc = rove_proposals_check_reply(props, sa, ch, err);
	free(sa);
	if (rc == 0 && ch->spi_len != spi_len)
		rc = rove_err_set(err, ROVE_E_PROTO, _("the gateway's %s SPI is not %u bytes"), what,
				  (unsigned)spi_len);
	return rc;
}

int child_take_esp(struct rove_session *s, const struct rove_msg *m, struct rove_chosen *ch,
		   struct rove_err *err)
{
	return sess_take_sa(m, &s->esp_props, 4, "ESP", ch, err);
}

static int derive_child(struct rove_session *s, const struct rove_chosen *ch, struct rove_err *err)
{
	struct rove_esp_suite suite = { ch->encr, ch->encr_bits, ch->integ, ch->esn == ROVE_ESN_YES };
	struct rove_child_keys k;
	struct rove_child_sa *c = &s->child;

	if (rove_child_keys_derive(s->keys.suite.prf, s->keys.sk_d, s->keys.prf_len, &suite, NULL, 0,
				   s->ni, sizeof(s->ni), s->nr, s->nr_len, &k, err) < 0)
		return -1;
	c->spi_in = s->child_spi_in;
	c->spi_out = rove_get_be32(ch->spi);
	c->encr = ch->encr;
	c->encr_keylen = ch->encr_bits;
	c->integ = ch->integ;
	c->esn = suite.esn;
	c->enc_key_len = k.encr_len;
	c->integ_key_len = k.integ_len;
	/* Initiator->responder keys protect what we send (RFC 7296 2.17). */
	memcpy(c->enc_key_out, k.ei, k.encr_len);
	memcpy(c->enc_key_in, k.er, k.encr_len);
	memcpy(c->integ_key_out, k.ai, k.integ_len);
	memcpy(c->integ_key_in, k.ar, k.integ_len);
	rove_wipe(&k, sizeof(k));
	/* ESP in UDP only for a NAT (or encap=yes): IKE may be on port 4500
	 * just because the gateway moved there for MOBIKE, and OpenIKED on
	 * Linux then takes plain ESP but not ours in UDP (RFC 4555 leaves
	 * encapsulation without a NAT to each side). */
	c->encap = s->natt && (s->nat_local || s->nat_remote || s->cfg.force_encap);
	c->local = s->local;
	c->remote = s->remote;
	rove_chosen_str(ch, true, c->proposal, sizeof(c->proposal));
	return 0;
}

static void announce(struct rove_session *s)
{
	char a[ROVE_ADDR_STRLEN], line[256];
	size_t off = 0;

	if (s->config.has_vip4)
		sess_event(s, ROVE_EV_PROGRESS, _("virtual IP %s"),
			   rove_addr_str(&s->config.vip4.addr, a, sizeof(a)));
	if (s->config.has_vip6)
		sess_event(s, ROVE_EV_PROGRESS, _("virtual IPv6 %s"),
			   rove_addr_str(&s->config.vip6.addr, a, sizeof(a)));
	line[0] = '\0';
	for (size_t i = 0; i < s->config.ndns && off < sizeof(line); i++) {
		int w = snprintf(line + off, sizeof(line) - off, "%s%s", i ? ", " : "",
				 rove_addr_str(&s->config.dns[i], a, sizeof(a)));
		off += w > 0 ? (size_t)w : 0;
	}
	if (s->config.ndns)
		sess_event(s, ROVE_EV_PROGRESS, "DNS %s", line);
}

/* RFC 4478: the gateway wants us to authenticate again within this many
 * seconds (the driver does it, make-before-break, with a new IKE SA). */
static void take_auth_lifetime(struct rove_session *s, const struct rove_msg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct rove_notify n;

		if (m->pl[i].type != ROVE_PL_NOTIFY ||
		    rove_notify_parse(m->pl[i].body, m->pl[i].len, &n, NULL) < 0 ||
		    n.type != ROVE_N_AUTH_LIFETIME || n.len != 4)
			continue;
		s->auth_lifetime_s = rove_get_be32(n.data);
		sess_log(s, _("the gateway wants us to authenticate again within %u s"),
			 s->auth_lifetime_s);
	}
}

void child_established(struct rove_session *s, const struct rove_msg *m)
{
	struct rove_chosen ch;
	struct rove_err err;
	bool ts_bad = false;
	uint16_t nerr = first_error_notify(m);

	if (nerr && !rove_msg_find(m, ROVE_PL_SA)) {
		child_fail_notify(s, nerr);
		return;
	}
	if (take_config(s, m, &err) < 0) {
		sess_fail(s, ROVE_FAIL_NO_VIP, "%s", err.msg);
		info_send_delete(s, &err);
		return;
	}
	/* The selectors' failure is told by where it came from, not by its
	 * sentence, which may be translated: take_ts's ROVE_E_PROTO. */
	if (child_take_esp(s, m, &ch, &err) < 0 || (ts_bad = take_ts(s, m, &err) < 0) ||
	    derive_child(s, &ch, &err) < 0) {
		sess_fail(s, ts_bad && err.code == ROVE_E_PROTO ?
			  ROVE_FAIL_TS_UNACCEPTABLE : ROVE_FAIL_PROTOCOL, "%s", err.msg);
		info_send_delete(s, &err);
		return;
	}
	take_auth_lifetime(s, m);
	s->phase = PH_UP;
	s->established_ms = s->now_ms;
	s->next_keepalive_ms = s->now_ms + s->cfg.keepalive_ms;
	sess_set_state(s, ROVE_ST_ESTABLISHED);
	sess_event(s, ROVE_EV_IKE_UP, NULL);
	announce(s);
	sess_event(s, ROVE_EV_CONFIG, NULL);
	s->child_up = true;
	sess_event(s, ROVE_EV_CHILD_UP, NULL);
	cc_init_timers(s); /* create_child.c: when we rekey */
}

void child_fail_notify(struct rove_session *s, uint16_t n)
{
	char offered[256];
	struct rove_err err;
	enum rove_fail f = fail_from_notify(n, s->phase);

	switch (n) {
	case ROVE_N_NO_PROPOSAL_CHOSEN:
		sess_fail(s, f, _("the gateway accepts none of our ESP proposals (we offered %s): "
			    "check esp= against what the gateway allows"),
			  rove_proposals_str(&s->esp_props, offered, sizeof(offered)));
		break;
	case ROVE_N_TS_UNACCEPTABLE:
	case ROVE_N_INVALID_SELECTORS:
		sess_fail(s, f, _("the gateway does not accept the networks we asked for "
			    "(traffic selector mismatch): check routes= against what the gateway offers"));
		break;
	case ROVE_N_INTERNAL_ADDRESS_FAILURE:
	case ROVE_N_FAILED_CP_REQUIRED:
		sess_fail(s, f, _("the gateway could not assign a virtual IP (%s): check its address pool"),
			  rove_notify_name(n));
		break;
	default:
		sess_fail(s, f, _("the gateway refused the connection with %s"), rove_notify_name(n));
		break;
	}
	/* The IKE SA itself may be up on the gateway: take it down. */
	if (s->have_keys && s->peer_verified)
		info_send_delete(s, &err);
}
