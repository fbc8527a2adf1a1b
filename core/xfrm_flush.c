/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding rove's XFRM objects again: cleanup by reqid after a crash, and
 * the probe that tells whether the kernel can carry ESP at all. */
#include "xfrm.h"
#include "i18n.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>

#include "ikev2.h"

static bool family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/* ---- cleanup by reqid ---- */

/* What a dump found: SAs by (dst, spi) and policies by (sel, dir). */
struct found_sa {
	struct rove_addr dst;
	uint32_t spi;
};

struct found_pol {
	struct rove_xfrm_sel sel;
	enum rove_xfrm_dir dir;
	uint32_t if_id;
};

struct found {
	uint32_t reqid;
	struct found_sa *sas;
	struct found_pol *pols;
	size_t nsa, npol, cap_sa, cap_pol;
	bool oom;
};

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;
	size_t c;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 8;
	q = realloc(*p, c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static void get_xaddr(const xfrm_address_t *x, int family, struct rove_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->addr, x, family == AF_INET ? 4 : 16);
}

static int sa_found_cb(const struct nlmsghdr *nlh, void *arg, struct rove_err *err)
{
	struct found *f = arg;
	const struct xfrm_usersa_info *info;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(*info))
		return 0;
	info = mnl_nlmsg_get_payload(nlh);
	if (info->reqid != f->reqid || info->id.proto != IPPROTO_ESP || !family_ok(info->family))
		return 0;
	if (!grow((void **)&f->sas, &f->cap_sa, f->nsa, sizeof(*f->sas))) {
		f->oom = true;
		return 0;
	}
	get_xaddr(&info->id.daddr, info->family, &f->sas[f->nsa].dst);
	f->sas[f->nsa].spi = ntohl(info->id.spi);
	f->nsa++;
	return 0;
}

static bool policy_has_reqid(const struct nlmsghdr *nlh, size_t hdr, uint32_t reqid)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, hdr) {
		const struct xfrm_user_tmpl *t;
		size_t n;

		if (mnl_attr_get_type(attr) != XFRMA_TMPL)
			continue;
		t = mnl_attr_get_payload(attr);
		n = mnl_attr_get_payload_len(attr) / sizeof(*t);
		for (size_t i = 0; i < n; i++)
			if (t[i].reqid == reqid)
				return true;
	}
	return false;
}

/* The policy's XFRM interface id (0: none): deleting it needs it. */
static uint32_t policy_if_id(const struct nlmsghdr *nlh, size_t hdr)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, hdr)
		if (mnl_attr_get_type(attr) == XFRMA_IF_ID &&
		    mnl_attr_get_payload_len(attr) >= sizeof(uint32_t))
			return mnl_attr_get_u32(attr);
	return 0;
}

static int pol_found_cb(const struct nlmsghdr *nlh, void *arg, struct rove_err *err)
{
	struct found *f = arg;
	const struct xfrm_userpolicy_info *info;
	struct found_pol *fp;
	int fam;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*info))
		return 0;
	info = mnl_nlmsg_get_payload(nlh);
	fam = info->sel.family;
	if (info->dir > XFRM_POLICY_FWD || !family_ok(fam) ||
	    !policy_has_reqid(nlh, sizeof(*info), f->reqid))
		return 0;
	if (!grow((void **)&f->pols, &f->cap_pol, f->npol, sizeof(*f->pols))) {
		f->oom = true;
		return 0;
	}
	fp = &f->pols[f->npol++];
	memset(fp, 0, sizeof(*fp));
	get_xaddr(&info->sel.saddr, fam, &fp->sel.src.addr);
	get_xaddr(&info->sel.daddr, fam, &fp->sel.dst.addr);
	fp->sel.src.len = info->sel.prefixlen_s;
	fp->sel.dst.len = info->sel.prefixlen_d;
	fp->sel.proto = info->sel.proto;
	fp->sel.sport = ntohs(info->sel.sport);
	fp->sel.sport_mask = ntohs(info->sel.sport_mask);
	fp->sel.dport = ntohs(info->sel.dport);
	fp->sel.dport_mask = ntohs(info->sel.dport_mask);
	fp->dir = (enum rove_xfrm_dir)info->dir;
	fp->if_id = policy_if_id(nlh, sizeof(*info));
	return 0;
}

static int dump(struct rove_nl *nl, uint16_t type, const char *what, rove_nl_cb cb,
		struct found *f, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	/* A bare header: the SA dump would read a payload as filters. */
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_DUMP;
	if (rove_nl_query(nl, nlh, what, cb, f, err) < 0)
		return -1;
	if (f->oom)
		return rove_err_set(err, ROVE_E_NOMEM, _("%s: out of memory"), what);
	return 0;
}

int rove_xfrm_flush_reqid(struct rove_nl *nl, uint32_t reqid, struct rove_err *err)
{
	struct found f = { .reqid = reqid };
	int removed = 0, r = -1;

	if (dump(nl, XFRM_MSG_GETPOLICY, _("listing policies"), pol_found_cb, &f, err) < 0 ||
	    dump(nl, XFRM_MSG_GETSA, _("listing SAs"), sa_found_cb, &f, err) < 0)
		goto out;
	/* Policies first, so no packet finds a policy without its SA. */
	for (size_t i = 0; i < f.npol; i++) {
		if (rove_xfrm_policy_del_if(nl, &f.pols[i].sel, f.pols[i].dir, f.pols[i].if_id,
					    err) == 0)
			removed++;
		else if (errno != ENOENT)
			goto out;
	}
	for (size_t i = 0; i < f.nsa; i++) {
		if (rove_xfrm_state_del(nl, &f.sas[i].dst, f.sas[i].spi, err) == 0)
			removed++;
		else if (errno != ESRCH)
			goto out;
	}
	rove_err_clear(err);
	r = removed;
out:
	free(f.sas);
	free(f.pols);
	return r;
}

/* ---- probe ---- */

int rove_xfrm_probe(struct rove_nl *nl, struct rove_err *err)
{
	/* Not a secret: the SA never carries a packet. */
	static const uint8_t key[36] = { 0x72, 0x6f, 0x76, 0x65 };
	struct rove_xfrm_sa sa;

	memset(&sa, 0, sizeof(sa));
	rove_addr_parse("127.0.0.1", &sa.src);
	sa.dst = sa.src;
	/* Per process, so two probes at once do not collide; never below
	 * 256 (reserved SPIs). */
	sa.spi = 0x72000000u | ((uint32_t)getpid() & 0x00ffffffu);
	sa.reqid = ROVE_XFRM_REQID_PROBE;
	sa.encr = ROVE_ENCR_AES_GCM_16;
	sa.encr_keylen = 256;
	sa.integ = ROVE_INTEG_NONE;
	sa.enc_key = key;
	sa.enc_key_len = sizeof(key);
	if (rove_xfrm_state_add(nl, &sa, err) < 0) {
		/* The kernel built the SA (algorithms and all) before finding
		 * the duplicate, so EEXIST still proves support. */
		if (errno == EEXIST) {
			rove_err_clear(err);
			return 0;
		}
		return rove_err_prefix(err, _("kernel IPsec unavailable"));
	}
	if (rove_xfrm_state_del(nl, &sa.dst, sa.spi, err) < 0)
		return rove_err_prefix(err, _("kernel IPsec probe"));
	return 0;
}
