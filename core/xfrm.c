/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "xfrm.h"
#include "i18n.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>

#include "buf.h"
#include "ikev2.h"

/* Band of rove's policy priorities (lower wins); see rove_xfrm_priority. */
#define PRIO_BASE 0x30000u
/* Packets; the kernel allows more, but nobody needs it on a client. */
#define MAX_REPLAY_WINDOW 1024

/* ---- algorithms: IKEv2 transform IDs to the kernel's crypto names ---- */

struct aead_alg {
	uint16_t encr;
	const char *name;
	unsigned icv_bits;
};

static const struct aead_alg aead_algs[] = {
	{ ROVE_ENCR_AES_GCM_16, "rfc4106(gcm(aes))", 128 },
	{ ROVE_ENCR_AES_GCM_12, "rfc4106(gcm(aes))", 96 },
	{ ROVE_ENCR_AES_GCM_8, "rfc4106(gcm(aes))", 64 },
	{ ROVE_ENCR_CHACHA20_POLY1305, "rfc7539esp(chacha20,poly1305)", 128 },
};

struct auth_alg {
	uint16_t integ;
	const char *name;
	unsigned trunc_bits;
	size_t key_len;
};

static const struct auth_alg auth_algs[] = {
	{ ROVE_INTEG_HMAC_SHA1_96, "hmac(sha1)", 96, 20 },
	{ ROVE_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 128, 32 },
	{ ROVE_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 192, 48 },
	{ ROVE_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 256, 64 },
};

static const struct aead_alg *find_aead(uint16_t encr)
{
	for (size_t i = 0; i < sizeof(aead_algs) / sizeof(aead_algs[0]); i++)
		if (aead_algs[i].encr == encr)
			return &aead_algs[i];
	return NULL;
}

static const struct auth_alg *find_auth(uint16_t integ)
{
	for (size_t i = 0; i < sizeof(auth_algs) / sizeof(auth_algs[0]); i++)
		if (auth_algs[i].integ == integ)
			return &auth_algs[i];
	return NULL;
}

/* ---- small helpers ---- */

static bool family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

static void put_xaddr(xfrm_address_t *x, const struct rove_addr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->addr, rove_addr_len(a));
}

static void lft_infinite(struct xfrm_lifetime_cfg *l)
{
	l->soft_byte_limit = XFRM_INF;
	l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = XFRM_INF;
	l->hard_packet_limit = XFRM_INF;
}

static struct nlmsghdr *msg_start(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

/* ---- SAs ---- */

/* An algorithm attribute: a fixed header (name and lengths) followed by
 * the key, composed on the stack and wiped there. */
static bool put_key_attr(struct nlmsghdr *nlh, size_t len, uint16_t type, const void *hdr,
			 size_t hdr_len, const uint8_t *key, size_t key_len)
{
	uint8_t tmp[sizeof(struct xfrm_algo_auth) + 64];
	bool ok;

	if (hdr_len + key_len > sizeof(tmp))
		return false;
	memcpy(tmp, hdr, hdr_len);
	memcpy(tmp + hdr_len, key, key_len);
	ok = mnl_attr_put_check(nlh, len, type, hdr_len + key_len, tmp);
	rove_wipe(tmp, sizeof(tmp));
	return ok;
}

static bool put_aead(struct nlmsghdr *nlh, size_t len, const struct rove_xfrm_sa *sa,
		     const struct aead_alg *alg, struct rove_err *err)
{
	struct xfrm_algo_aead a;

	/* The key carries the 4-byte salt (RFC 4106, RFC 7634). */
	if (sa->enc_key_len < 4 + 16 || sa->enc_key_len > 4 + 32 ||
	    (alg->encr == ROVE_ENCR_CHACHA20_POLY1305 && sa->enc_key_len != 36) ||
	    (sa->encr_keylen && (size_t)sa->encr_keylen / 8 + 4 != sa->enc_key_len)) {
		rove_err_set(err, ROVE_E_INVAL, _("AEAD key of %zu bytes does not fit %u bits + salt"),
			     sa->enc_key_len, sa->encr_keylen);
		return false;
	}
	memset(&a, 0, sizeof(a));
	snprintf(a.alg_name, sizeof(a.alg_name), "%s", alg->name);
	a.alg_key_len = (unsigned)(sa->enc_key_len * 8);
	a.alg_icv_len = alg->icv_bits;
	if (!put_key_attr(nlh, len, XFRMA_ALG_AEAD, &a, sizeof(a), sa->enc_key, sa->enc_key_len)) {
		rove_err_set(err, ROVE_E_INVAL, _("SA message too long"));
		return false;
	}
	return true;
}

static bool put_cbc_hmac(struct nlmsghdr *nlh, size_t len, const struct rove_xfrm_sa *sa,
			 struct rove_err *err)
{
	const struct auth_alg *alg = find_auth(sa->integ);
	struct xfrm_algo c;
	struct xfrm_algo_auth h;

	if (!alg) {
		rove_err_set(err, ROVE_E_UNSUPPORTED, _("integrity transform %u not supported by the "
			       "kernel datapath"), sa->integ);
		return false;
	}
	if ((sa->enc_key_len != 16 && sa->enc_key_len != 24 && sa->enc_key_len != 32) ||
	    (sa->encr_keylen && (size_t)sa->encr_keylen / 8 != sa->enc_key_len) ||
	    sa->integ_key_len != alg->key_len || !sa->integ_key) {
		rove_err_set(err, ROVE_E_INVAL, _("AES-CBC/%s keys of %zu/%zu bytes do not fit"),
			     alg->name, sa->enc_key_len, sa->integ_key_len);
		return false;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.alg_name, sizeof(c.alg_name), "cbc(aes)");
	c.alg_key_len = (unsigned)(sa->enc_key_len * 8);
	memset(&h, 0, sizeof(h));
	snprintf(h.alg_name, sizeof(h.alg_name), "%s", alg->name);
	h.alg_key_len = (unsigned)(sa->integ_key_len * 8);
	h.alg_trunc_len = alg->trunc_bits;
	if (!put_key_attr(nlh, len, XFRMA_ALG_CRYPT, &c, sizeof(c), sa->enc_key,
			  sa->enc_key_len) ||
	    !put_key_attr(nlh, len, XFRMA_ALG_AUTH_TRUNC, &h, sizeof(h), sa->integ_key,
			  sa->integ_key_len)) {
		rove_err_set(err, ROVE_E_INVAL, _("SA message too long"));
		return false;
	}
	return true;
}

static bool put_algs(struct nlmsghdr *nlh, size_t len, const struct rove_xfrm_sa *sa,
		     struct rove_err *err)
{
	const struct aead_alg *aead = find_aead(sa->encr);

	if (!sa->enc_key) {
		rove_err_set(err, ROVE_E_INVAL, _("SA without an encryption key"));
		return false;
	}
	if (aead) {
		if (sa->integ != ROVE_INTEG_NONE) {
			rove_err_set(err, ROVE_E_INVAL, _("AEAD with an integrity transform"));
			return false;
		}
		return put_aead(nlh, len, sa, aead, err);
	}
	if (sa->encr == ROVE_ENCR_AES_CBC)
		return put_cbc_hmac(nlh, len, sa, err);
	rove_err_set(err, ROVE_E_UNSUPPORTED, _("encryption transform %u not supported by the "
		       "kernel datapath"), sa->encr);
	return false;
}

/* The legacy 32-packet bitmap lives in usersa_info; ESN or a wider window
 * needs XFRMA_REPLAY_ESN_VAL, and then the kernel wants the old field 0. */
static bool put_replay(struct nlmsghdr *nlh, size_t len, struct xfrm_usersa_info *info,
		       const struct rove_xfrm_sa *sa, struct rove_err *err)
{
	uint32_t window = sa->replay_window ? sa->replay_window : (sa->esn ? 128 : 32);
	struct {
		struct xfrm_replay_state_esn rs;
		uint32_t bmp[MAX_REPLAY_WINDOW / 32];
	} r;
	size_t bmp_len;

	if (window > MAX_REPLAY_WINDOW) {
		rove_err_set(err, ROVE_E_INVAL, _("replay window of %u packets is too large"), window);
		return false;
	}
	if (!sa->esn && window <= 32) {
		info->replay_window = (uint8_t)window;
		return true;
	}
	info->replay_window = 0;
	bmp_len = (window + 31) / 32;
	memset(&r, 0, sizeof(r));
	r.rs.bmp_len = (unsigned)bmp_len;
	r.rs.replay_window = window;
	if (!mnl_attr_put_check(nlh, len, XFRMA_REPLAY_ESN_VAL,
				sizeof(r.rs) + bmp_len * sizeof(uint32_t), &r)) {
		rove_err_set(err, ROVE_E_INVAL, _("SA message too long"));
		return false;
	}
	return true;
}

static bool put_encap(struct nlmsghdr *nlh, size_t len, const struct rove_xfrm_sa *sa,
		      struct rove_err *err)
{
	struct xfrm_encap_tmpl e;

	if (!sa->src.port || !sa->dst.port) {
		rove_err_set(err, ROVE_E_INVAL, _("UDP encapsulation without ports"));
		return false;
	}
	memset(&e, 0, sizeof(e));
	e.encap_type = UDP_ENCAP_ESPINUDP;
	e.encap_sport = htons(sa->src.port);
	e.encap_dport = htons(sa->dst.port);
	if (!mnl_attr_put_check(nlh, len, XFRMA_ENCAP, sizeof(e), &e)) {
		rove_err_set(err, ROVE_E_INVAL, _("SA message too long"));
		return false;
	}
	return true;
}

/* A replacement SA goes on where the old one stopped: the kernel takes the
 * replay state and the current lifetime from these attributes when it
 * builds a new SA (as for strongSwan's update of an SA). */
static bool put_carry(struct nlmsghdr *nlh, size_t len, struct xfrm_usersa_info *info,
		      const struct rove_xfrm_sa *sa, struct rove_err *err)
{
	const struct rove_xfrm_sa_carry *c = sa->carry;
	struct xfrm_lifetime_cur cur;

	if (c->replay_type == XFRMA_REPLAY_ESN_VAL) {
		/* It stands for the new window put_replay would describe. */
		info->replay_window = 0;
		if (!mnl_attr_put_check(nlh, len, XFRMA_REPLAY_ESN_VAL, c->replay_len, c->replay))
			goto long_msg;
	} else {
		if (!put_replay(nlh, len, info, sa, err))
			return false;
		if (c->replay_type == XFRMA_REPLAY_VAL &&
		    !mnl_attr_put_check(nlh, len, XFRMA_REPLAY_VAL, c->replay_len, c->replay))
			goto long_msg;
	}
	memset(&cur, 0, sizeof(cur));
	cur.bytes = c->bytes;
	cur.packets = c->packets;
	cur.add_time = c->add_time;
	cur.use_time = c->use_time;
	if (mnl_attr_put_check(nlh, len, XFRMA_LTIME_VAL, sizeof(cur), &cur))
		return true;
long_msg:
	rove_err_set(err, ROVE_E_INVAL, _("SA message too long"));
	return false;
}

struct nlmsghdr *rove_xfrm_state_msg(void *buf, size_t len, const struct rove_xfrm_sa *sa,
				     struct rove_err *err)
{
	struct nlmsghdr *nlh;
	struct xfrm_usersa_info *info;

	if (len < ROVE_NL_MSG_MAX) {
		rove_err_set(err, ROVE_E_INVAL, _("SA message buffer too small"));
		return NULL;
	}
	if (!family_ok(sa->src.family) || sa->src.family != sa->dst.family) {
		rove_err_set(err, ROVE_E_INVAL, _("SA with bad or mixed outer addresses"));
		return NULL;
	}
	nlh = msg_start(buf, XFRM_MSG_NEWSA, NLM_F_CREATE | NLM_F_EXCL);
	info = mnl_nlmsg_put_extra_header(nlh, sizeof(*info));
	/* An empty selector (family AF_UNSPEC) lets one tunnel-mode SA carry
	 * both IPv4 and IPv6; the policies say what goes in. */
	put_xaddr(&info->id.daddr, &sa->dst);
	info->id.spi = htonl(sa->spi);
	info->id.proto = IPPROTO_ESP;
	put_xaddr(&info->saddr, &sa->src);
	lft_infinite(&info->lft);
	info->lft.hard_add_expires_seconds = sa->hard_add_secs;
	info->reqid = sa->reqid;
	info->family = (uint16_t)sa->src.family;
	info->mode = XFRM_MODE_TUNNEL;
	info->flags = XFRM_STATE_AF_UNSPEC | (sa->esn ? XFRM_STATE_ESN : 0);
	if (!put_algs(nlh, len, sa, err))
		goto fail;
	if (sa->carry && sa->carry->replay_type == XFRMA_REPLAY_ESN_VAL && !sa->esn) {
		rove_err_set(err, ROVE_E_INVAL, _("an ESN replay state for an SA without ESN"));
		goto fail;
	}
	if (sa->carry ? !put_carry(nlh, len, info, sa, err) : !put_replay(nlh, len, info, sa, err))
		goto fail;
	if (sa->encap && !put_encap(nlh, len, sa, err))
		goto fail;
	if (sa->if_id && !mnl_attr_put_u32_check(nlh, len, XFRMA_IF_ID, sa->if_id)) {
		rove_err_set(err, ROVE_E_INVAL, _("SA message too long"));
		goto fail;
	}
	return nlh;
fail:
	rove_wipe(buf, ROVE_NL_MSG_MAX);
	return NULL;
}

int rove_xfrm_state_add(struct rove_nl *nl, const struct rove_xfrm_sa *sa, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh = rove_xfrm_state_msg(buf, sizeof(buf), sa, err);
	char what[48];
	int r;

	if (!nlh)
		return rove_err_prefix(err, _("adding SA 0x%08x"), sa->spi);
	snprintf(what, sizeof(what), _("adding SA 0x%08x"), sa->spi);
	r = rove_nl_request(nl, nlh, what, err);
	rove_wipe(buf, sizeof(buf));
	return r;
}

static struct nlmsghdr *sa_id_msg(void *buf, uint16_t type, const struct rove_addr *dst,
				  uint32_t spi, uint8_t proto)
{
	struct nlmsghdr *nlh = msg_start(buf, type, 0);
	struct xfrm_usersa_id *id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));

	put_xaddr(&id->daddr, dst);
	id->spi = htonl(spi);
	id->family = (uint16_t)dst->family;
	id->proto = proto;
	return nlh;
}

int rove_xfrm_state_del(struct rove_nl *nl, const struct rove_addr *dst, uint32_t spi,
			struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	char what[48];

	if (!family_ok(dst->family))
		return rove_err_set(err, ROVE_E_INVAL, _("removing SA: bad address"));
	snprintf(what, sizeof(what), _("removing SA 0x%08x"), spi);
	return rove_nl_request(nl, sa_id_msg(buf, XFRM_MSG_DELSA, dst, spi, IPPROTO_ESP), what,
			       err);
}

struct use_answer {
	struct rove_xfrm_sa_use *use;
	bool got;
};

/* XFRM_INF and 0 both mean "no limit". */
static uint64_t limit(uint64_t v)
{
	return v == XFRM_INF ? 0 : v;
}

static int use_cb(const struct nlmsghdr *nlh, void *arg, struct rove_err *err)
{
	struct use_answer *a = arg;
	const struct xfrm_usersa_info *info;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(*info))
		return rove_err_set(err, ROVE_E_PARSE, _("unexpected answer"));
	info = mnl_nlmsg_get_payload(nlh);
	a->use->bytes = info->curlft.bytes;
	a->use->packets = info->curlft.packets;
	a->use->add_time = info->curlft.add_time;
	a->use->use_time = info->curlft.use_time;
	a->use->soft_add_secs = limit(info->lft.soft_add_expires_seconds);
	a->use->hard_add_secs = limit(info->lft.hard_add_expires_seconds);
	a->use->replay = (uint64_t)info->stats.replay_window + info->stats.replay;
	a->use->auth = info->stats.integrity_failed;
	a->got = true;
	return 0;
}

int rove_xfrm_state_use(struct rove_nl *nl, uint32_t spi, uint8_t proto,
			const struct rove_addr *dst, struct rove_xfrm_sa_use *out,
			struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct use_answer a = { .use = out };
	char what[48];

	memset(out, 0, sizeof(*out));
	if (!family_ok(dst->family))
		return rove_err_set(err, ROVE_E_INVAL, _("reading SA counters: bad address"));
	snprintf(what, sizeof(what), _("reading SA 0x%08x"), spi);
	if (rove_nl_query(nl, sa_id_msg(buf, XFRM_MSG_GETSA, dst, spi, proto), what, use_cb, &a,
			  err) < 0)
		return -1;
	if (!a.got) {
		errno = ESRCH;
		return rove_err_set(err, ROVE_E_IO, _("%s: no answer"), what);
	}
	return 0;
}

static int carry_attr_cb(const struct nlattr *attr, void *arg)
{
	struct rove_xfrm_sa_carry *c = arg;
	uint16_t type = mnl_attr_get_type(attr);
	size_t n = mnl_attr_get_payload_len(attr);
	struct xfrm_lifetime_cur cur;

	if ((type == XFRMA_REPLAY_VAL || type == XFRMA_REPLAY_ESN_VAL) && n <= sizeof(c->replay)) {
		c->replay_type = type;
		c->replay_len = (uint16_t)n;
		memcpy(c->replay, mnl_attr_get_payload(attr), n);
	} else if (type == XFRMA_LTIME_VAL && n >= sizeof(cur)) {
		memcpy(&cur, mnl_attr_get_payload(attr), sizeof(cur));
		c->bytes = cur.bytes;
		c->packets = cur.packets;
		c->add_time = cur.add_time;
		c->use_time = cur.use_time;
	}
	return MNL_CB_OK;
}

struct carry_answer {
	struct rove_xfrm_sa_carry *c;
	bool got;
};

static int carry_cb(const struct nlmsghdr *nlh, void *arg, struct rove_err *err)
{
	struct carry_answer *a = arg;

	if (nlh->nlmsg_type != XFRM_MSG_NEWAE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct xfrm_aevent_id))
		return rove_err_set(err, ROVE_E_PARSE, _("unexpected answer"));
	mnl_attr_parse(nlh, sizeof(struct xfrm_aevent_id), carry_attr_cb, a->c);
	a->got = a->c->replay_type != 0;
	return 0;
}

/* XFRM_MSG_GETAE rather than GETSA: the answer holds the replay state and
 * the lifetime, not the keys. */
int rove_xfrm_state_carry(struct rove_nl *nl, const struct rove_addr *dst, uint32_t spi,
			  struct rove_xfrm_sa_carry *out, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct carry_answer a = { .c = out };
	struct nlmsghdr *nlh;
	struct xfrm_aevent_id *id;
	char what[48];

	memset(out, 0, sizeof(*out));
	if (!family_ok(dst->family))
		return rove_err_set(err, ROVE_E_INVAL, _("reading SA state: bad address"));
	snprintf(what, sizeof(what), _("reading the state of SA 0x%08x"), spi);
	nlh = msg_start(buf, XFRM_MSG_GETAE, 0);
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	put_xaddr(&id->sa_id.daddr, dst);
	id->sa_id.spi = htonl(spi);
	id->sa_id.family = (uint16_t)dst->family;
	id->sa_id.proto = IPPROTO_ESP;
	id->flags = XFRM_AE_RVAL | XFRM_AE_LVAL;
	if (rove_nl_query(nl, nlh, what, carry_cb, &a, err) < 0)
		return -1;
	if (!a.got) {
		errno = ESRCH;
		return rove_err_set(err, ROVE_E_IO, _("%s: no replay state in the answer"), what);
	}
	return 0;
}

/* ---- selectors and policies ---- */

/* Number of leading bits a and b share, up to n bytes. */
static unsigned common_bits(const uint8_t *a, const uint8_t *b, size_t n)
{
	unsigned bits = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i] ^ b[i];
		if (!x) {
			bits += 8;
			continue;
		}
		while (!(x & 0x80)) {
			bits++;
			x = (uint8_t)(x << 1);
		}
		break;
	}
	return bits;
}

static void mask_to(uint8_t *addr, size_t n, unsigned bits)
{
	for (size_t i = 0; i < n; i++) {
		unsigned keep = bits >= 8 ? 8 : bits;
		addr[i] &= (uint8_t)(0xff00 >> keep);
		bits -= keep;
	}
}

static struct rove_prefix ts_prefix(const struct rove_ts *ts)
{
	size_t n = rove_ts_is_v6(ts) ? 16 : 4;
	struct rove_prefix p;

	memset(&p, 0, sizeof(p));
	p.addr.family = n == 16 ? AF_INET6 : AF_INET;
	memcpy(p.addr.addr, ts->start, n);
	p.len = (uint8_t)common_bits(ts->start, ts->end, n);
	mask_to(p.addr.addr, n, p.len);
	return p;
}

static void ts_ports(const struct rove_ts *ts, uint16_t *port, uint16_t *mask)
{
	uint8_t s[2], e[2];
	unsigned bits;

	rove_put_be16(s, ts->start_port);
	rove_put_be16(e, ts->end_port);
	bits = ts->start_port <= ts->end_port ? common_bits(s, e, 2) : 0;
	*mask = (uint16_t)(bits ? 0xffff0000u >> bits : 0);
	*port = ts->start_port & *mask;
}

void rove_xfrm_sel_from_ts(const struct rove_ts *src, const struct rove_ts *dst,
			   struct rove_xfrm_sel *out)
{
	memset(out, 0, sizeof(*out));
	out->src = ts_prefix(src);
	out->dst = ts_prefix(dst);
	/* Both selectors of a pair name the same protocol, or one is any. */
	out->proto = src->ip_proto ? src->ip_proto : dst->ip_proto;
	ts_ports(src, &out->sport, &out->sport_mask);
	ts_ports(dst, &out->dport, &out->dport_mask);
}

uint32_t rove_xfrm_priority(const struct rove_xfrm_sel *sel)
{
	uint32_t p = PRIO_BASE;

	p -= (uint32_t)(sel->src.len + sel->dst.len) << 2;
	if (sel->proto)
		p -= 2;
	if (sel->sport_mask || sel->dport_mask)
		p -= 1;
	return p;
}

static bool sel_ok(const struct rove_xfrm_sel *sel)
{
	int f = sel->src.addr.family;

	return family_ok(f) && f == sel->dst.addr.family &&
	       sel->src.len <= rove_addr_len(&sel->src.addr) * 8 &&
	       sel->dst.len <= rove_addr_len(&sel->dst.addr) * 8;
}

static void put_sel(struct xfrm_selector *x, const struct rove_xfrm_sel *sel)
{
	memset(x, 0, sizeof(*x));
	put_xaddr(&x->saddr, &sel->src.addr);
	put_xaddr(&x->daddr, &sel->dst.addr);
	x->prefixlen_s = sel->src.len;
	x->prefixlen_d = sel->dst.len;
	x->family = (uint16_t)sel->src.addr.family;
	x->proto = sel->proto;
	x->sport = htons(sel->sport);
	x->sport_mask = htons(sel->sport_mask);
	x->dport = htons(sel->dport);
	x->dport_mask = htons(sel->dport_mask);
}

struct nlmsghdr *rove_xfrm_policy_msg(void *buf, size_t len, const struct rove_xfrm_policy *p,
				      struct rove_err *err)
{
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_info *info;
	struct xfrm_user_tmpl t;

	if (len < ROVE_NL_MSG_MAX) {
		rove_err_set(err, ROVE_E_INVAL, _("policy message buffer too small"));
		return NULL;
	}
	if (!sel_ok(&p->sel) || !family_ok(p->tun_src.family) ||
	    p->tun_src.family != p->tun_dst.family || p->dir > ROVE_XFRM_FWD) {
		rove_err_set(err, ROVE_E_INVAL, _("policy with a bad selector or tunnel"));
		return NULL;
	}
	nlh = msg_start(buf, XFRM_MSG_NEWPOLICY, NLM_F_CREATE | NLM_F_EXCL);
	info = mnl_nlmsg_put_extra_header(nlh, sizeof(*info));
	put_sel(&info->sel, &p->sel);
	lft_infinite(&info->lft);
	info->priority = p->priority ? p->priority : rove_xfrm_priority(&p->sel);
	info->dir = (uint8_t)p->dir;
	info->action = XFRM_POLICY_ALLOW;
	info->share = XFRM_SHARE_ANY;

	memset(&t, 0, sizeof(t));
	put_xaddr(&t.id.daddr, &p->tun_dst);
	t.id.proto = IPPROTO_ESP;
	t.family = (uint16_t)p->tun_src.family;
	put_xaddr(&t.saddr, &p->tun_src);
	t.reqid = p->reqid;
	t.mode = XFRM_MODE_TUNNEL;
	t.aalgos = t.ealgos = t.calgos = ~0u;
	if (!mnl_attr_put_check(nlh, len, XFRMA_TMPL, sizeof(t), &t) ||
	    (p->if_id && !mnl_attr_put_u32_check(nlh, len, XFRMA_IF_ID, p->if_id))) {
		rove_err_set(err, ROVE_E_INVAL, _("policy message too long"));
		return NULL;
	}
	return nlh;
}

static const char *dir_name(enum rove_xfrm_dir dir)
{
	return dir == ROVE_XFRM_IN ? "in" : dir == ROVE_XFRM_OUT ? "out" : "fwd";
}

static void policy_what(char *w, size_t n, const char *verb, const struct rove_xfrm_sel *sel,
			enum rove_xfrm_dir dir)
{
	char s[ROVE_ADDR_STRLEN + 8], d[ROVE_ADDR_STRLEN + 8];

	snprintf(w, n, "%s policy %s %s -> %s", verb, dir_name(dir),
		 rove_prefix_str(&sel->src, s, sizeof(s)), rove_prefix_str(&sel->dst, d, sizeof(d)));
}

int rove_xfrm_policy_add(struct rove_nl *nl, const struct rove_xfrm_policy *p,
			 struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh = rove_xfrm_policy_msg(buf, sizeof(buf), p, err);
	char what[200];

	if (!nlh)
		return -1;
	policy_what(what, sizeof(what), "adding", &p->sel, p->dir);
	return rove_nl_request(nl, nlh, what, err);
}

int rove_xfrm_policy_del(struct rove_nl *nl, const struct rove_xfrm_sel *sel,
			 enum rove_xfrm_dir dir, struct rove_err *err)
{
	return rove_xfrm_policy_del_if(nl, sel, dir, 0, err);
}

int rove_xfrm_policy_del_if(struct rove_nl *nl, const struct rove_xfrm_sel *sel,
			    enum rove_xfrm_dir dir, uint32_t if_id, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_id *id;
	char what[200];

	if (!sel_ok(sel) || dir > ROVE_XFRM_FWD)
		return rove_err_set(err, ROVE_E_INVAL, _("removing policy: bad selector"));
	nlh = msg_start(buf, XFRM_MSG_DELPOLICY, 0);
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	put_sel(&id->sel, sel);
	id->dir = (uint8_t)dir;
	/* A policy of an XFRM interface is only found with its id. */
	if (if_id && !mnl_attr_put_u32_check(nlh, sizeof(buf), XFRMA_IF_ID, if_id))
		return rove_err_set(err, ROVE_E_INVAL, _("removing policy: message too long"));
	policy_what(what, sizeof(what), "removing", sel, dir);
	return rove_nl_request(nl, nlh, what, err);
}

/* ---- moving a tunnel (MOBIKE) ---- */

struct nlmsghdr *rove_xfrm_migrate_msg(void *buf, size_t len, const struct rove_xfrm_move *m,
				       struct rove_err *err)
{
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_id *id;
	struct xfrm_user_migrate um;
	struct xfrm_encap_tmpl e;

	if (len < ROVE_NL_MSG_MAX || !sel_ok(&m->sel) || m->dir > ROVE_XFRM_FWD ||
	    !family_ok(m->old_src.family) || m->old_src.family != m->old_dst.family ||
	    !family_ok(m->new_src.family) || m->new_src.family != m->new_dst.family) {
		rove_err_set(err, ROVE_E_INVAL, _("moving a policy: bad selector or addresses"));
		return NULL;
	}
	nlh = msg_start(buf, XFRM_MSG_MIGRATE, 0);
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	put_sel(&id->sel, &m->sel);
	id->dir = (uint8_t)m->dir;
	memset(&um, 0, sizeof(um));
	put_xaddr(&um.old_saddr, &m->old_src);
	put_xaddr(&um.old_daddr, &m->old_dst);
	put_xaddr(&um.new_saddr, &m->new_src);
	put_xaddr(&um.new_daddr, &m->new_dst);
	um.proto = IPPROTO_ESP;
	um.mode = XFRM_MODE_TUNNEL;
	um.reqid = m->reqid;
	um.old_family = (uint16_t)m->old_src.family;
	um.new_family = (uint16_t)m->new_src.family;
	if (!mnl_attr_put_check(nlh, len, XFRMA_MIGRATE, sizeof(um), &um))
		goto long_msg;
	if (m->encap) {
		memset(&e, 0, sizeof(e));
		e.encap_type = UDP_ENCAP_ESPINUDP;
		e.encap_sport = htons(m->new_src.port);
		e.encap_dport = htons(m->new_dst.port);
		if (!mnl_attr_put_check(nlh, len, XFRMA_ENCAP, sizeof(e), &e))
			goto long_msg;
	}
	if (m->if_id && !mnl_attr_put_u32_check(nlh, len, XFRMA_IF_ID, m->if_id))
		goto long_msg;
	return nlh;
long_msg:
	rove_err_set(err, ROVE_E_INVAL, _("migrate message too long"));
	return NULL;
}

int rove_xfrm_migrate(struct rove_nl *nl, const struct rove_xfrm_move *m, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh = rove_xfrm_migrate_msg(buf, sizeof(buf), m, err);
	char what[200];

	if (!nlh)
		return -1;
	policy_what(what, sizeof(what), "moving", &m->sel, m->dir);
	return rove_nl_request(nl, nlh, what, err);
}

/* ---- sockets ---- */

int rove_xfrm_socket_bypass(int fd, int family, struct rove_err *err)
{
	struct xfrm_userpolicy_info pol;
	int level, opt;

	if (family == AF_INET) {
		level = IPPROTO_IP;
		opt = IP_XFRM_POLICY;
	} else if (family == AF_INET6) {
		level = IPPROTO_IPV6;
		opt = IPV6_XFRM_POLICY;
	} else {
		return rove_err_set(err, ROVE_E_INVAL, _("IPsec bypass: bad address family"));
	}
	memset(&pol, 0, sizeof(pol));
	pol.sel.family = (uint16_t)family;
	lft_infinite(&pol.lft);
	pol.action = XFRM_POLICY_ALLOW;
	pol.share = XFRM_SHARE_ANY;
	for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		pol.dir = (uint8_t)dir;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0) {
			int e = errno;
			rove_err_set(err, ROVE_E_IO, _("IPsec bypass for the IKE socket: %s"),
				     strerror(e));
			errno = e;
			return -1;
		}
	}
	return 0;
}

int rove_xfrm_socket_encap(int fd, struct rove_err *err)
{
	int type = UDP_ENCAP_ESPINUDP;

	if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) < 0) {
		int e = errno;
		rove_err_set(err, ROVE_E_IO, _("ESP-in-UDP on the NAT-T socket: %s"), strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}
