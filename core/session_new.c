/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session object's life: the caller's configuration copied (secrets
 * in memory of their own, wiped on free) and checked, the defaults filled
 * in, and everything freed and wiped at the end. Split from session.c,
 * which keeps the queues, timers and dispatch. */
#include "session_internal.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "dh.h"
#include "eap.h"
#include "eap_tls.h"
#include "sk.h"

#define DEFAULT_RETRANSMIT_BASE_MS 500
#define DEFAULT_RETRANSMIT_TOTAL_MS 30000
#define DEFAULT_KEEPALIVE_MS 20000
#define DEFAULT_DPD_TIMEOUT_MS 15000

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static uint8_t *dup_secret(const uint8_t *p, size_t len)
{
	uint8_t *d;

	if (!p)
		return NULL;
	d = malloc(len + 1);
	if (d) {
		memcpy(d, p, len);
		d[len] = 0;
	}
	return d;
}

static int copy_config(struct rove_session *s, const struct rove_session_config *cfg,
		       struct rove_err *err)
{
	s->cfg = *cfg;
	s->name = dup_str(cfg->name ? cfg->name : "rove");
	s->remote_id = dup_str(cfg->remote_id);
	s->local_id = dup_str(cfg->local_id);
	s->user = dup_str(cfg->user);
	s->password = dup_secret(cfg->password, cfg->password_len);
	s->psk = dup_secret(cfg->psk, cfg->psk_len);
	if (!s->name || (cfg->remote_id && !s->remote_id) || (cfg->local_id && !s->local_id) ||
	    (cfg->user && !s->user) || (cfg->password && !s->password) ||
	    (cfg->psk && !s->psk))
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	s->cfg.name = s->name;
	s->cfg.remote_id = s->remote_id;
	s->cfg.local_id = s->local_id;
	s->cfg.user = s->user;
	s->cfg.password = s->password;
	s->cfg.psk = s->psk;
	if (!s->cfg.rng)
		s->cfg.rng = rove_rng_system();
	if (!s->cfg.retransmit_base_ms)
		s->cfg.retransmit_base_ms = DEFAULT_RETRANSMIT_BASE_MS;
	if (!s->cfg.retransmit_total_ms)
		s->cfg.retransmit_total_ms = DEFAULT_RETRANSMIT_TOTAL_MS;
	if (!s->cfg.keepalive_ms)
		s->cfg.keepalive_ms = DEFAULT_KEEPALIVE_MS;
	if (!s->cfg.dpd_timeout_ms)
		s->cfg.dpd_timeout_ms = DEFAULT_DPD_TIMEOUT_MS;
	return 0;
}

static int check_config(const struct rove_session_config *cfg, struct rove_err *err)
{
	if (!cfg->remote.family || !cfg->local.family)
		return rove_err_set(err, ROVE_E_INVAL, _("the gateway and local addresses must be set"));
	if (cfg->remote.family != cfg->local.family)
		return rove_err_set(err, ROVE_E_INVAL, _("local and gateway addresses differ in family"));
	if (!cfg->remote_id || !*cfg->remote_id)
		return rove_err_set(err, ROVE_E_INVAL, _("the server identity (remote-id) is not set"));
	if (cfg->auth == ROVE_AUTHK_EAP_MSCHAPV2 && (!cfg->user || !cfg->password))
		return rove_err_set(err, ROVE_E_INVAL, _("EAP-MSCHAPv2 needs a user name and a password"));
	if (cfg->auth == ROVE_AUTHK_PSK && (!cfg->psk || !cfg->psk_len))
		return rove_err_set(err, ROVE_E_INVAL, _("auth=psk needs a pre-shared key (psk)"));
	if ((cfg->auth == ROVE_AUTHK_PUBKEY || cfg->auth == ROVE_AUTHK_EAP_TLS) && !cfg->cred)
		return rove_err_set(err, ROVE_E_INVAL, _("auth=pubkey and eap-tls need a certificate "
				      "and key"));
	if (cfg->auth != ROVE_AUTHK_PSK && cfg->auth != ROVE_AUTHK_EAP_MSCHAPV2 &&
	    cfg->auth != ROVE_AUTHK_PUBKEY && cfg->auth != ROVE_AUTHK_EAP_TLS)
		return rove_err_set(err, ROVE_E_INVAL, _("unknown authentication method"));
	if (!cfg->trust && cfg->auth != ROVE_AUTHK_PSK)
		return rove_err_set(err, ROVE_E_INVAL,
				    _("no trusted CA: EAP needs the gateway to prove itself by certificate"));
	if (cfg->nroutes > ROVE_MAX_ROUTES)
		return rove_err_set(err, ROVE_E_INVAL, _("too many routes"));
	return 0;
}

struct rove_session *rove_session_new(const struct rove_session_config *cfg, struct rove_err *err)
{
	struct rove_session *s;

	if (check_config(cfg, err) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	if (copy_config(s, cfg, err) < 0)
		goto fail;
	if (cfg->ike)
		s->ike_props = *cfg->ike;
	else
		rove_proposals_default(false, &s->ike_props);
	if (cfg->esp)
		s->esp_props = *cfg->esp;
	else
		rove_proposals_default(true, &s->esp_props);
	s->cfg.ike = &s->ike_props;
	s->cfg.esp = &s->esp_props;
	s->local = cfg->local;
	s->remote = cfg->remote;
	s->ike_initiator = true;
	return s;
fail:
	rove_session_free(s);
	return NULL;
}

static void free_secret(uint8_t *p, size_t len)
{
	if (p) {
		rove_wipe(p, len);
		free(p);
	}
}

void rove_session_free(struct rove_session *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->remote_id);
	free(s->local_id);
	free(s->user);
	free_secret(s->password, s->cfg.password_len);
	free_secret(s->psk, s->cfg.psk_len);
	rove_dh_free(s->dh);
	rove_eap_client_free(s->eap);
	rove_eap_tls_free(s->eap_tls);
	rove_peer_cert_free(s->peer_cert);
	rove_buf_free(&s->cookie);
	rove_buf_free(&s->init_req);
	rove_buf_free(&s->init_resp);
	rove_buf_free(&s->idi);
	rove_buf_free(&s->idr_body);
	rove_buf_free(&s->req);
	rove_buf_free(&s->last_resp);
	frag_free(s);
	rove_buf_free(&s->cur_out.data);
	for (size_t i = 0; i < OUTQ_LEN; i++)
		rove_buf_free(&s->outq[i].data);
	rove_ike_keys_wipe(&s->keys);
	cc_free(s);
	ike_rekey_free(s);
	rove_wipe(&s->child, sizeof(s->child));
	rove_wipe(s, sizeof(*s));
	free(s);
}
