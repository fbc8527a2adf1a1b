/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Our proposals in the codec's SA form, and the responder's choice back. */
#include "proposal.h"
#include "i18n.h"

#include "ikev2.h"
#include "payload.h"

#include <stdio.h>
#include <string.h>

static bool is_aead(uint16_t id)
{
	return id == ROVE_ENCR_AES_GCM_8 || id == ROVE_ENCR_AES_GCM_12 || id == ROVE_ENCR_AES_GCM_16;
}

static bool add_tr(struct rove_proposal *wp, uint8_t type, uint16_t id, uint16_t key_len)
{
	if (wp->n >= ROVE_MAX_TRANSFORMS)
		return false;
	wp->tr[wp->n].type = type;
	wp->tr[wp->n].id = id;
	wp->tr[wp->n].key_len = key_len;
	wp->tr[wp->n].unknown_attr = false;
	wp->n++;
	return true;
}

/* Transforms in the order of the examples in RFC 7296 3.3: ENCR, PRF,
 * INTEG, DH, ESN. */
static bool fill_prop(struct rove_proposal *wp, const struct rove_prop *pr, bool esp)
{
	bool ok = true;

	for (size_t i = 0; i < pr->nencr && i < ROVE_MAX_ALGS; i++)
		ok &= add_tr(wp, ROVE_TRANS_ENCR, pr->encr[i].id, pr->encr[i].bits);
	for (size_t i = 0; !esp && i < pr->nprf && i < ROVE_MAX_ALGS; i++)
		ok &= add_tr(wp, ROVE_TRANS_PRF, pr->prf[i], 0);
	for (size_t i = 0; i < pr->ninteg && i < ROVE_MAX_ALGS; i++)
		ok &= add_tr(wp, ROVE_TRANS_INTEG, pr->integ[i], 0);
	for (size_t i = 0; i < pr->ndh && i < ROVE_MAX_ALGS; i++)
		ok &= add_tr(wp, ROVE_TRANS_DH, pr->dh[i], 0);
	if (esp && !pr->nesn)
		ok &= add_tr(wp, ROVE_TRANS_ESN, ROVE_ESN_NO, 0);
	for (size_t i = 0; esp && i < pr->nesn && i < 2; i++)
		ok &= add_tr(wp, ROVE_TRANS_ESN, pr->esn[i], 0);
	return ok;
}

int rove_proposals_to_sa(const struct rove_proposals *ps, const uint8_t *spi, size_t spi_len,
			 struct rove_sa *sa, struct rove_err *err)
{
	bool spi_ok = ps->esp ? spi_len == 4 : (spi_len == 0 || spi_len == 8);

	memset(sa, 0, sizeof(*sa));
	if (!spi_ok || (spi_len && !spi))
		return rove_err_set(err, ROVE_E_INVAL, _("an %s SPI cannot be %zu bytes"),
				    ps->esp ? "ESP" : "IKE", spi_len);
	if (ps->n == 0 || ps->n > ROVE_MAX_PROP)
		return rove_err_set(err, ROVE_E_INVAL, _("%zu proposals (expected 1 to %d)"), ps->n,
				    ROVE_MAX_PROP);
	for (size_t i = 0; i < ps->n; i++) {
		struct rove_proposal *wp = &sa->prop[i];

		wp->num = (uint8_t)(i + 1);
		wp->protocol = ps->esp ? ROVE_PROTO_ESP : ROVE_PROTO_IKE;
		wp->spi_len = (uint8_t)spi_len;
		if (spi_len)
			memcpy(wp->spi, spi, spi_len);
		if (!fill_prop(wp, &ps->p[i], ps->esp))
			return rove_err_set(err, ROVE_E_INVAL,
					    _("proposal %zu has more than %d transforms"), i + 1,
					    ROVE_MAX_TRANSFORMS);
	}
	sa->n = ps->n;
	return 0;
}

/* ---- the responder's choice ---- */

static bool offered_u16(const uint16_t *list, size_t n, size_t max, uint16_t v)
{
	for (size_t i = 0; i < n && i < max; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* Offered in any of our proposals (see proposal.h for why not only in the
 * one whose number the gateway echoed). */
static bool offered(const struct rove_proposals *ps, uint8_t type, uint16_t id, uint16_t bits)
{
	for (size_t i = 0; i < ps->n && i < ROVE_MAX_PROP; i++) {
		const struct rove_prop *pr = &ps->p[i];

		switch (type) {
		case ROVE_TRANS_ENCR:
			for (size_t j = 0; j < pr->nencr && j < ROVE_MAX_ALGS; j++)
				if (pr->encr[j].id == id && pr->encr[j].bits == bits)
					return true;
			break;
		case ROVE_TRANS_INTEG:
			if (offered_u16(pr->integ, pr->ninteg, ROVE_MAX_ALGS, id))
				return true;
			break;
		case ROVE_TRANS_PRF:
			if (offered_u16(pr->prf, pr->nprf, ROVE_MAX_ALGS, id))
				return true;
			break;
		case ROVE_TRANS_DH:
			if (offered_u16(pr->dh, pr->ndh, ROVE_MAX_ALGS, id))
				return true;
			break;
		case ROVE_TRANS_ESN:
			/* No ESN entry stands for noesn (see fill_prop). */
			if (offered_u16(pr->esn, pr->nesn, 2, id) || (!pr->nesn && id == ROVE_ESN_NO))
				return true;
			break;
		}
	}
	return false;
}

static const char *type_name(uint8_t type)
{
	switch (type) {
	case ROVE_TRANS_ENCR: return "encryption";
	case ROVE_TRANS_PRF: return "PRF";
	case ROVE_TRANS_INTEG: return "integrity";
	case ROVE_TRANS_DH: return "key exchange";
	case ROVE_TRANS_ESN: return "ESN";
	}
	return "unknown";
}

/* One transform of each type: index by type, 0 = absent. */
struct picked {
	const struct rove_transform *t[6];
};

static int pick(const struct rove_proposal *pr, bool esp, struct picked *pk, struct rove_err *err)
{
	memset(pk, 0, sizeof(*pk));
	for (size_t i = 0; i < pr->n && i < ROVE_MAX_TRANSFORMS; i++) {
		const struct rove_transform *t = &pr->tr[i];

		if (t->type < ROVE_TRANS_ENCR || t->type > ROVE_TRANS_ESN)
			return rove_err_set(err, ROVE_E_PROTO,
					    _("the gateway chose a transform of unknown type %u"), t->type);
		if (esp && t->type == ROVE_TRANS_PRF)
			return rove_err_set(err, ROVE_E_PROTO, _("the gateway chose a PRF for ESP"));
		if (!esp && t->type == ROVE_TRANS_ESN)
			return rove_err_set(err, ROVE_E_PROTO,
					    _("the gateway chose an ESN transform for IKE"));
		if (t->unknown_attr)
			return rove_err_set(err, ROVE_E_PROTO,
					    _("the gateway's %s transform %u carries an attribute we "
					      "do not understand"), type_name(t->type), t->id);
		if (pk->t[t->type])
			return rove_err_set(err, ROVE_E_PROTO,
					    _("the gateway chose two %s transforms instead of one"),
					    type_name(t->type));
		pk->t[t->type] = t;
	}
	return 0;
}

static uint16_t id_of(const struct picked *pk, uint8_t type, uint16_t absent)
{
	return pk->t[type] ? pk->t[type]->id : absent;
}

static int fill_chosen(const struct picked *pk, bool esp, struct rove_chosen *c,
		       struct rove_err *err)
{
	const struct rove_transform *e = pk->t[ROVE_TRANS_ENCR];

	if (!e)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway chose no encryption algorithm"));
	c->encr = e->id;
	c->encr_bits = e->key_len;
	c->integ = id_of(pk, ROVE_TRANS_INTEG, 0);
	c->prf = esp ? 0 : id_of(pk, ROVE_TRANS_PRF, 0);
	c->dh = id_of(pk, ROVE_TRANS_DH, 0);
	/* A missing ESN transform can only mean no ESN. */
	c->esn = esp ? id_of(pk, ROVE_TRANS_ESN, ROVE_ESN_NO) : ROVE_ESN_NO;
	if (c->encr == ROVE_ENCR_AES_CBC || is_aead(c->encr)) {
		if (!c->encr_bits)
			return rove_err_set(err, ROVE_E_PROTO,
					    _("the gateway chose AES without a key length"));
	}
	/* INTEG NONE alongside an AEAD cipher is allowed (RFC 7296 3.3.3). */
	if (is_aead(c->encr) && c->integ != ROVE_INTEG_NONE)
		return rove_err_set(err, ROVE_E_PROTO,
				    _("the gateway chose an integrity algorithm with an AEAD cipher"));
	if (!is_aead(c->encr) && c->integ == ROVE_INTEG_NONE)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway chose no integrity algorithm"));
	if (!esp && !c->prf)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway chose no PRF"));
	if (!esp && !c->dh)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway chose no key exchange group"));
	return 0;
}

static bool all_offered(const struct rove_proposals *ps, const struct rove_chosen *c)
{
	bool esp = ps->esp;

	return offered(ps, ROVE_TRANS_ENCR, c->encr, c->encr_bits) &&
	       (!c->integ || offered(ps, ROVE_TRANS_INTEG, c->integ, 0)) &&
	       (esp || offered(ps, ROVE_TRANS_PRF, c->prf, 0)) &&
	       ((esp && !c->dh) || offered(ps, ROVE_TRANS_DH, c->dh, 0)) &&
	       (!esp || offered(ps, ROVE_TRANS_ESN, c->esn, 0));
}

int rove_proposals_check_reply(const struct rove_proposals *ps, const struct rove_sa *reply,
			       struct rove_chosen *out, struct rove_err *err)
{
	const struct rove_proposal *pr;
	uint8_t proto = ps->esp ? ROVE_PROTO_ESP : ROVE_PROTO_IKE;
	struct picked pk;
	char name[128];

	memset(out, 0, sizeof(*out));
	if (reply->n != 1)
		return rove_err_set(err, ROVE_E_PROTO,
				    _("the gateway answered with %zu proposals instead of the one it chose"),
				    reply->n);
	pr = &reply->prop[0];
	if (pr->protocol != proto)
		return rove_err_set(err, ROVE_E_PROTO,
				    _("the gateway chose a proposal for protocol %u instead of %s"),
				    pr->protocol, ps->esp ? "ESP" : "IKE");
	if (ps->esp ? pr->spi_len != 4 : (pr->spi_len != 0 && pr->spi_len != 8))
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway's %s SPI is %u bytes"),
				    ps->esp ? "ESP" : "IKE", pr->spi_len);
	if (pick(pr, ps->esp, &pk, err) < 0 || fill_chosen(&pk, ps->esp, out, err) < 0)
		return -1;
	if (!all_offered(ps, out)) {
		rove_chosen_str(out, ps->esp, name, sizeof(name));
		if (ps->esp && out->esn == ROVE_ESN_NO && !offered(ps, ROVE_TRANS_ESN, ROVE_ESN_NO, 0))
			snprintf(name + strlen(name), sizeof(name) - strlen(name), "-noesn");
		memset(out, 0, sizeof(*out));
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway chose %s which we did not offer"),
				    name);
	}
	memcpy(out->spi, pr->spi, pr->spi_len);
	out->spi_len = pr->spi_len;
	return 0;
}

/* ---- choosing from the gateway's offer (we answer a CREATE_CHILD_SA) ---- */

/* The first transform of a type in the offer that we offer too: 1 found,
 * 0 the offer has none of that type, -1 it has some but none of ours. */
static int choose_tr(const struct rove_proposals *ps, const struct rove_proposal *o, uint8_t type,
		     struct rove_proposal *wp)
{
	bool seen = false;

	for (size_t i = 0; i < o->n && i < ROVE_MAX_TRANSFORMS; i++) {
		const struct rove_transform *t = &o->tr[i];

		if (t->type != type)
			continue;
		seen = true;
		if (!t->unknown_attr &&
		    offered(ps, type, t->id, type == ROVE_TRANS_ENCR ? t->key_len : 0)) {
			add_tr(wp, type, t->id, type == ROVE_TRANS_ENCR ? t->key_len : 0);
			return 1;
		}
	}
	return seen ? -1 : 0;
}

int rove_proposals_select(const struct rove_proposals *ps, const struct rove_sa *offer,
			  const uint8_t *spi, size_t spi_len, struct rove_sa *reply,
			  struct rove_chosen *out, struct rove_err *err)
{
	static const uint8_t order[] = { ROVE_TRANS_ENCR, ROVE_TRANS_PRF, ROVE_TRANS_INTEG,
					 ROVE_TRANS_DH, ROVE_TRANS_ESN };
	uint8_t proto = ps->esp ? ROVE_PROTO_ESP : ROVE_PROTO_IKE;
	struct rove_err ignored;

	for (size_t i = 0; i < offer->n && i < ROVE_MAX_PROPOSALS; i++) {
		const struct rove_proposal *o = &offer->prop[i];
		struct rove_proposal *wp = &reply->prop[0];
		bool ok = o->protocol == proto && o->spi_len == spi_len;

		memset(reply, 0, sizeof(*reply));
		wp->num = o->num;
		wp->protocol = proto;
		wp->spi_len = (uint8_t)spi_len;
		memcpy(wp->spi, spi, spi_len);
		for (size_t k = 0; ok && k < sizeof(order); k++)
			ok = choose_tr(ps, o, order[k], wp) >= 0;
		reply->n = 1;
		/* The same coherence rules as for a gateway's choice. */
		if (!ok || rove_proposals_check_reply(ps, reply, out, &ignored) < 0)
			continue;
		memcpy(out->spi, o->spi, o->spi_len);
		out->spi_len = o->spi_len;
		return 0;
	}
	memset(reply, 0, sizeof(*reply));
	return rove_err_set(err, ROVE_E_PROTO, _("none of the gateway's proposals is one we accept"));
}
