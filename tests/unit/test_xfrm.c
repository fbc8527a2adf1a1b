/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel datapath's netlink side.
 *
 * Without a kernel: XFRM SA and policy requests are built into a buffer and
 * parsed back with libmnl, field by field and against hand-made bytes.
 * As root, inside a fresh network namespace (unshare): policies, socket
 * bypass, flush by reqid, the probe, addresses, routes, the rule and the
 * route lookup against the real kernel. SAs are added for real only where
 * the probe says the kernel has ESP (the VM tier); elsewhere the kernel's
 * refusal must come back as a readable error. Not root: the message checks
 * run and the test reports a skip (77) unless one failed. */
#include "check.h"
#include "buf.h"
#include "ikev2.h"
#include "nl.h"
#include "route.h"
#include "xfrm.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/udp.h>
#include <linux/xfrm.h>

static struct rove_addr addr(const char *s)
{
	struct rove_addr a;

	if (!rove_addr_parse(s, &a))
		abort();
	return a;
}

static struct rove_prefix prefix(const char *s)
{
	struct rove_prefix p;

	if (!rove_prefix_parse(s, &p))
		abort();
	return p;
}

/* The attributes of a message, by type. */
static void parse_attrs(const struct nlmsghdr *nlh, size_t hdr, const struct nlattr **tb,
			size_t max)
{
	const struct nlattr *attr;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each(attr, nlh, hdr) {
		uint16_t t = mnl_attr_get_type(attr);
		CHECK(t <= max && !tb[t]); /* each at most once */
		if (t <= max)
			tb[t] = attr;
	}
}

static const uint8_t gcm_key[36] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0xca, 0xfe, 0xba, 0xbe,
};

static struct rove_xfrm_sa gcm_sa(void)
{
	struct rove_xfrm_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.src = addr("192.0.2.1");
	sa.dst = addr("198.51.100.2");
	sa.spi = 0xc1a2b3d4;
	sa.reqid = rove_xfrm_reqid(7);
	sa.encr = ROVE_ENCR_AES_GCM_16;
	sa.encr_keylen = 256;
	sa.integ = ROVE_INTEG_NONE;
	sa.enc_key = gcm_key;
	sa.enc_key_len = sizeof(gcm_key);
	return sa;
}

static void test_state_gcm(void)
{
	uint8_t buf[ROVE_NL_MSG_MAX], want[200];
	struct rove_xfrm_sa sa = gcm_sa();
	struct rove_err err;
	const struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_usersa_info *info;
	struct nlmsghdr *nlh = rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err);
	size_t n;

	CHECK(nlh != NULL);
	if (!nlh)
		return;
	CHECK(nlh->nlmsg_type == XFRM_MSG_NEWSA);
	CHECK(nlh->nlmsg_flags == (NLM_F_CREATE | NLM_F_EXCL));
	info = mnl_nlmsg_get_payload(nlh);
	CHECK_MEM(&info->id.daddr, "\xc6\x33\x64\x02", 4);
	CHECK_MEM(&info->saddr, "\xc0\x00\x02\x01", 4);
	CHECK_MEM(&info->id.spi, "\xc1\xa2\xb3\xd4", 4);
	CHECK(info->id.proto == IPPROTO_ESP);
	CHECK(info->family == AF_INET && info->mode == XFRM_MODE_TUNNEL);
	CHECK(info->reqid == 0x726f0007);
	CHECK(info->flags == XFRM_STATE_AF_UNSPEC);
	CHECK(info->replay_window == 32);
	CHECK(info->sel.family == 0 && info->sel.prefixlen_d == 0);
	CHECK(info->lft.hard_byte_limit == XFRM_INF && info->lft.soft_packet_limit == XFRM_INF);
	parse_attrs(nlh, sizeof(*info), tb, XFRMA_MAX);
	CHECK(tb[XFRMA_ALG_AEAD] && !tb[XFRMA_ALG_CRYPT] && !tb[XFRMA_ALG_AUTH_TRUNC]);
	CHECK(!tb[XFRMA_ENCAP] && !tb[XFRMA_REPLAY_ESN_VAL]);
	if (!tb[XFRMA_ALG_AEAD])
		return;
	/* The whole attribute: length 112, type 18, the name padded to 64,
	 * key bits 288 and ICV bits 128 (host order), key with salt last. */
	n = check_hex("7000 1200"
		      "72666334 31303628 67636d28 61657329 29000000 00000000 00000000 00000000"
		      "00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
		      "20010000 80000000"
		      "00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617 18191a1b 1c1d1e1f"
		      "cafebabe", want, sizeof(want));
	CHECK(n == 112 && tb[XFRMA_ALG_AEAD]->nla_len == n);
	CHECK_MEM(tb[XFRMA_ALG_AEAD], want, n);
	CHECK(nlh->nlmsg_len == 16 + sizeof(*info) + 112);
	rove_wipe(buf, sizeof(buf));
}

static void test_state_cbc_encap_esn(void)
{
	static const uint8_t ek[32] = { 0x11 }, ik[32] = { 0x22, 0x33 };
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct rove_xfrm_sa sa = gcm_sa();
	struct rove_err err;
	const struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_usersa_info *info;
	const struct xfrm_algo *c;
	const struct xfrm_algo_auth *h;
	const struct xfrm_encap_tmpl *e;
	const struct xfrm_replay_state_esn *rs;
	struct nlmsghdr *nlh;

	sa.encr = ROVE_ENCR_AES_CBC;
	sa.integ = ROVE_INTEG_HMAC_SHA2_256_128;
	sa.enc_key = ek;
	sa.enc_key_len = sizeof(ek);
	sa.integ_key = ik;
	sa.integ_key_len = sizeof(ik);
	sa.esn = true;
	sa.encap = true;
	sa.src.port = 4500;
	sa.dst.port = 61234;
	nlh = rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err);
	CHECK(nlh != NULL);
	if (!nlh)
		return;
	info = mnl_nlmsg_get_payload(nlh);
	CHECK(info->flags == (XFRM_STATE_AF_UNSPEC | XFRM_STATE_ESN));
	CHECK(info->replay_window == 0); /* the kernel insists with ESN */
	parse_attrs(nlh, sizeof(*info), tb, XFRMA_MAX);
	CHECK(!tb[XFRMA_ALG_AEAD]);
	CHECK(tb[XFRMA_ALG_CRYPT] && tb[XFRMA_ALG_AUTH_TRUNC] && tb[XFRMA_ENCAP] &&
	      tb[XFRMA_REPLAY_ESN_VAL]);
	if (!tb[XFRMA_ALG_CRYPT] || !tb[XFRMA_ALG_AUTH_TRUNC] || !tb[XFRMA_ENCAP] ||
	    !tb[XFRMA_REPLAY_ESN_VAL])
		return;
	c = mnl_attr_get_payload(tb[XFRMA_ALG_CRYPT]);
	CHECK_STR(c->alg_name, "cbc(aes)");
	CHECK(c->alg_key_len == 256 && mnl_attr_get_payload_len(tb[XFRMA_ALG_CRYPT]) == 68 + 32);
	CHECK_MEM(c->alg_key, ek, 32);
	h = mnl_attr_get_payload(tb[XFRMA_ALG_AUTH_TRUNC]);
	CHECK_STR(h->alg_name, "hmac(sha256)");
	CHECK(h->alg_key_len == 256 && h->alg_trunc_len == 128);
	CHECK_MEM(h->alg_key, ik, 32);
	e = mnl_attr_get_payload(tb[XFRMA_ENCAP]);
	CHECK(mnl_attr_get_payload_len(tb[XFRMA_ENCAP]) == sizeof(*e));
	CHECK(e->encap_type == 2);
	CHECK_MEM(&e->encap_sport, "\x11\x94", 2); /* 4500 */
	CHECK_MEM(&e->encap_dport, "\xef\x32", 2); /* 61234 */
	rs = mnl_attr_get_payload(tb[XFRMA_REPLAY_ESN_VAL]);
	CHECK(rs->bmp_len == 4 && rs->replay_window == 128 && rs->seq == 0 && rs->oseq == 0);
	CHECK(mnl_attr_get_payload_len(tb[XFRMA_REPLAY_ESN_VAL]) == sizeof(*rs) + 16);
	rove_wipe(buf, sizeof(buf));
}

/* A replacement SA carries the old one's replay state and lifetime: the
 * kernel takes XFRMA_REPLAY_VAL (or the ESN state) and XFRMA_LTIME_VAL
 * when it builds the SA. */
static void test_state_carry_msg(void)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct rove_xfrm_sa sa = gcm_sa();
	struct rove_xfrm_sa_carry c;
	struct xfrm_replay_state rs = { .oseq = 1000, .seq = 990, .bitmap = 0xff };
	struct xfrm_replay_state_esn esn = { .bmp_len = 4, .oseq = 7, .replay_window = 128 };
	const struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_usersa_info *info;
	struct xfrm_lifetime_cur cur;
	struct rove_err err;
	struct nlmsghdr *nlh;

	memset(&c, 0, sizeof(c));
	c.replay_type = XFRMA_REPLAY_VAL;
	c.replay_len = sizeof(rs);
	memcpy(c.replay, &rs, sizeof(rs));
	c.bytes = 12345;
	c.packets = 99;
	c.add_time = 1700000000;
	sa.carry = &c;
	nlh = rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err);
	CHECK(nlh != NULL);
	if (!nlh)
		return;
	info = mnl_nlmsg_get_payload(nlh);
	CHECK(info->replay_window == 32);
	parse_attrs(nlh, sizeof(*info), tb, XFRMA_MAX);
	CHECK(tb[XFRMA_REPLAY_VAL] && tb[XFRMA_LTIME_VAL] && !tb[XFRMA_REPLAY_ESN_VAL]);
	if (!tb[XFRMA_REPLAY_VAL] || !tb[XFRMA_LTIME_VAL])
		return;
	CHECK(mnl_attr_get_payload_len(tb[XFRMA_REPLAY_VAL]) == sizeof(rs));
	CHECK_MEM(mnl_attr_get_payload(tb[XFRMA_REPLAY_VAL]), &rs, sizeof(rs));
	/* Netlink attributes are 4-byte aligned, the struct's u64s need 8:
	 * copied out, as core/xfrm.c reads it (UBSan caught the direct read). */
	CHECK(mnl_attr_get_payload_len(tb[XFRMA_LTIME_VAL]) == sizeof(cur));
	memcpy(&cur, mnl_attr_get_payload(tb[XFRMA_LTIME_VAL]), sizeof(cur));
	CHECK(cur.bytes == 12345 && cur.packets == 99 && cur.add_time == 1700000000);

	/* ESN: the carried state stands for the new one (one attribute). */
	memset(&c, 0, sizeof(c));
	c.replay_type = XFRMA_REPLAY_ESN_VAL;
	c.replay_len = sizeof(esn) + 16;
	memcpy(c.replay, &esn, sizeof(esn));
	sa.carry = &c;
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL); /* not an ESN SA */
	sa.esn = true;
	nlh = rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err);
	CHECK(nlh != NULL);
	if (!nlh)
		return;
	info = mnl_nlmsg_get_payload(nlh);
	CHECK(info->replay_window == 0);
	parse_attrs(nlh, sizeof(*info), tb, XFRMA_MAX);
	CHECK(tb[XFRMA_REPLAY_ESN_VAL] && !tb[XFRMA_REPLAY_VAL] && tb[XFRMA_LTIME_VAL]);
	if (tb[XFRMA_REPLAY_ESN_VAL])
		CHECK(mnl_attr_get_payload_len(tb[XFRMA_REPLAY_ESN_VAL]) == sizeof(esn) + 16 &&
		      ((const struct xfrm_replay_state_esn *)
		       mnl_attr_get_payload(tb[XFRMA_REPLAY_ESN_VAL]))->oseq == 7);
	rove_wipe(buf, sizeof(buf));
}

static void test_auth_variants(void)
{
	static const struct { uint16_t integ; const char *name; unsigned trunc; size_t klen; } v[] = {
		{ ROVE_INTEG_HMAC_SHA1_96, "hmac(sha1)", 96, 20 },
		{ ROVE_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 192, 48 },
		{ ROVE_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 256, 64 },
	};
	static const uint8_t ek[16] = { 1 }, ik[64] = { 2 };
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct rove_err err;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct rove_xfrm_sa sa = gcm_sa();
		const struct nlattr *tb[XFRMA_MAX + 1];
		const struct xfrm_algo_auth *h;
		struct nlmsghdr *nlh;

		sa.encr = ROVE_ENCR_AES_CBC;
		sa.encr_keylen = 128;
		sa.enc_key = ek;
		sa.enc_key_len = sizeof(ek);
		sa.integ = v[i].integ;
		sa.integ_key = ik;
		sa.integ_key_len = v[i].klen;
		sa.replay_window = 64; /* wider than the legacy bitmap */
		nlh = rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err);
		CHECK(nlh != NULL);
		if (!nlh)
			continue;
		parse_attrs(nlh, sizeof(struct xfrm_usersa_info), tb, XFRMA_MAX);
		CHECK(tb[XFRMA_ALG_AUTH_TRUNC] != NULL && tb[XFRMA_REPLAY_ESN_VAL] != NULL);
		if (!tb[XFRMA_ALG_AUTH_TRUNC])
			continue;
		h = mnl_attr_get_payload(tb[XFRMA_ALG_AUTH_TRUNC]);
		CHECK_STR(h->alg_name, v[i].name);
		CHECK(h->alg_trunc_len == v[i].trunc && h->alg_key_len == v[i].klen * 8);
		/* Without ESN the flag stays off even with the ESN attribute. */
		CHECK(((const struct xfrm_usersa_info *)mnl_nlmsg_get_payload(nlh))->flags ==
		      XFRM_STATE_AF_UNSPEC);
	}
	rove_wipe(buf, sizeof(buf));
}

static void test_state_rejects(void)
{
	static const uint8_t k[64] = { 0 };
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct rove_err err;
	struct rove_xfrm_sa sa;

	sa = gcm_sa();
	sa.enc_key_len = 32; /* salt missing */
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	CHECK(strstr(err.msg, "salt") != NULL);
	sa = gcm_sa();
	sa.integ = ROVE_INTEG_HMAC_SHA2_256_128;
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	sa = gcm_sa();
	sa.encr = ROVE_ENCR_3DES;
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	sa = gcm_sa();
	sa.encr = ROVE_ENCR_AES_CBC;
	sa.enc_key_len = 32;
	sa.integ = ROVE_INTEG_HMAC_SHA2_256_128;
	sa.integ_key = k;
	sa.integ_key_len = 20; /* sha256 wants 32 */
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	sa.integ = ROVE_INTEG_HMAC_MD5_96;
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	sa = gcm_sa();
	sa.encap = true; /* no ports */
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	CHECK(strstr(err.msg, "ports") != NULL);
	sa = gcm_sa();
	sa.dst = addr("2001:db8::1");
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	sa = gcm_sa();
	sa.replay_window = 4096;
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	sa = gcm_sa();
	CHECK(rove_xfrm_state_msg(buf, 100, &sa, &err) == NULL);
	/* A failed build leaves no key bytes behind. */
	sa = gcm_sa();
	sa.encap = true;
	CHECK(rove_xfrm_state_msg(buf, sizeof(buf), &sa, &err) == NULL);
	CHECK(memmem(buf, sizeof(buf), gcm_key, 16) == NULL);
}

static void test_sel_from_ts(void)
{
	struct rove_ts a, b;
	struct rove_xfrm_sel s;
	struct rove_prefix p;
	char x[64];

	p = prefix("10.3.0.5/32");
	rove_ts_from_prefix(&p, &a);
	p = prefix("10.1.0.0/16");
	rove_ts_from_prefix(&p, &b);
	rove_xfrm_sel_from_ts(&a, &b, &s);
	CHECK_STR(rove_prefix_str(&s.src, x, sizeof(x)), "10.3.0.5/32");
	CHECK_STR(rove_prefix_str(&s.dst, x, sizeof(x)), "10.1.0.0/16");
	CHECK(s.proto == 0 && s.sport_mask == 0 && s.dport_mask == 0);
	/* A range that is no prefix widens to the covering one. */
	memcpy(b.start, "\x0a\x01\x00\x05", 4);
	memcpy(b.end, "\x0a\x01\x00\x09", 4);
	b.ip_proto = IPPROTO_TCP;
	b.start_port = b.end_port = 443;
	a.start_port = 1024;
	a.end_port = 2047;
	rove_xfrm_sel_from_ts(&a, &b, &s);
	CHECK_STR(rove_prefix_str(&s.dst, x, sizeof(x)), "10.1.0.0/28");
	CHECK(s.proto == IPPROTO_TCP);
	CHECK(s.dport == 443 && s.dport_mask == 0xffff);
	CHECK(s.sport == 1024 && s.sport_mask == 0xfc00);
	p = prefix("::/0");
	rove_ts_from_prefix(&p, &a);
	p = prefix("fd00:3::5/128");
	rove_ts_from_prefix(&p, &b);
	rove_xfrm_sel_from_ts(&b, &a, &s);
	CHECK_STR(rove_prefix_str(&s.dst, x, sizeof(x)), "::/0");
	CHECK_STR(rove_prefix_str(&s.src, x, sizeof(x)), "fd00:3::5/128");
}

static struct rove_xfrm_policy out_policy(const char *src, const char *dst)
{
	struct rove_xfrm_policy p;

	memset(&p, 0, sizeof(p));
	p.sel.src = prefix(src);
	p.sel.dst = prefix(dst);
	p.dir = ROVE_XFRM_OUT;
	p.reqid = rove_xfrm_reqid(7);
	p.tun_src = addr("192.0.2.1");
	p.tun_dst = addr("198.51.100.2");
	return p;
}

static void test_policy_msg(void)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct rove_xfrm_policy p = out_policy("10.3.0.5/32", "10.1.0.0/16");
	struct rove_err err;
	const struct xfrm_userpolicy_info *info;
	const struct xfrm_user_tmpl *t;
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct nlmsghdr *nlh;

	p.sel.proto = IPPROTO_UDP;
	p.sel.dport = 53;
	p.sel.dport_mask = 0xffff;
	nlh = rove_xfrm_policy_msg(buf, sizeof(buf), &p, &err);
	CHECK(nlh != NULL);
	if (!nlh)
		return;
	CHECK(nlh->nlmsg_type == XFRM_MSG_NEWPOLICY);
	info = mnl_nlmsg_get_payload(nlh);
	CHECK_MEM(&info->sel.saddr, "\x0a\x03\x00\x05", 4);
	CHECK_MEM(&info->sel.daddr, "\x0a\x01\x00\x00", 4);
	CHECK(info->sel.prefixlen_s == 32 && info->sel.prefixlen_d == 16);
	CHECK(info->sel.family == AF_INET && info->sel.proto == IPPROTO_UDP);
	CHECK_MEM(&info->sel.dport, "\x00\x35", 2);
	CHECK_MEM(&info->sel.dport_mask, "\xff\xff", 2);
	CHECK(info->sel.sport_mask == 0);
	CHECK(info->dir == XFRM_POLICY_OUT && info->action == XFRM_POLICY_ALLOW);
	CHECK(info->priority == rove_xfrm_priority(&p.sel));
	CHECK(info->lft.hard_byte_limit == XFRM_INF);
	parse_attrs(nlh, sizeof(*info), tb, XFRMA_MAX);
	CHECK(tb[XFRMA_TMPL] && mnl_attr_get_payload_len(tb[XFRMA_TMPL]) == sizeof(*t));
	if (!tb[XFRMA_TMPL])
		return;
	t = mnl_attr_get_payload(tb[XFRMA_TMPL]);
	CHECK_MEM(&t->id.daddr, "\xc6\x33\x64\x02", 4);
	CHECK_MEM(&t->saddr, "\xc0\x00\x02\x01", 4);
	CHECK(t->id.proto == IPPROTO_ESP && t->id.spi == 0);
	CHECK(t->family == AF_INET && t->mode == XFRM_MODE_TUNNEL);
	CHECK(t->reqid == 0x726f0007 && t->optional == 0);
	CHECK(t->aalgos == ~0u && t->ealgos == ~0u && t->calgos == ~0u);

	/* An explicit priority wins; IPv6 inside an IPv4 tunnel is fine. */
	p = out_policy("fd00:3::5/128", "::/0");
	p.priority = 1234;
	nlh = rove_xfrm_policy_msg(buf, sizeof(buf), &p, &err);
	CHECK(nlh != NULL);
	if (nlh) {
		info = mnl_nlmsg_get_payload(nlh);
		CHECK(info->priority == 1234 && info->sel.family == AF_INET6);
	}
	p = out_policy("10.3.0.5/32", "::/0"); /* mixed selector */
	CHECK(rove_xfrm_policy_msg(buf, sizeof(buf), &p, &err) == NULL);
}

static void test_priority_and_reqid(void)
{
	struct rove_xfrm_policy full = out_policy("10.3.0.5/32", "0.0.0.0/0");
	struct rove_xfrm_policy lan = out_policy("10.3.0.5/32", "10.1.0.0/16");
	struct rove_xfrm_policy dns = lan;

	dns.sel.proto = IPPROTO_UDP;
	/* Lower wins: the more specific selector must be lower. */
	CHECK(rove_xfrm_priority(&lan.sel) < rove_xfrm_priority(&full.sel));
	CHECK(rove_xfrm_priority(&dns.sel) < rove_xfrm_priority(&lan.sel));
	CHECK(rove_xfrm_priority(&full.sel) > 0);
	CHECK(rove_xfrm_reqid(0) == 0x726f0000 && rove_xfrm_reqid(0xfffe) == 0x726ffffe);
	CHECK(rove_xfrm_reqid_is_ours(rove_xfrm_reqid(42)));
	CHECK(rove_xfrm_reqid_is_ours(ROVE_XFRM_REQID_PROBE));
	CHECK(!rove_xfrm_reqid_is_ours(1) && !rove_xfrm_reqid_is_ours(16385));
}

/* ---- against the kernel, in a private network namespace ---- */

static struct rove_nl *open_nl(int bus)
{
	struct rove_err err;
	struct rove_nl *nl = rove_nl_open(bus, &err);

	if (!nl)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(nl != NULL);
	return nl;
}

static void test_kernel_policies(void)
{
	struct rove_nl *nl = open_nl(NETLINK_XFRM);
	struct rove_xfrm_policy p = out_policy("10.3.0.5/32", "0.0.0.0/0");
	struct rove_xfrm_policy other = out_policy("10.9.0.0/24", "10.8.0.0/24");
	struct rove_xfrm_sel in_sel = { .src = p.sel.dst, .dst = p.sel.src };
	struct rove_err err;

	if (!nl)
		return;
	CHECK(rove_xfrm_policy_add(nl, &p, &err) == 0);
	CHECK(rove_xfrm_policy_add(nl, &p, &err) == -1 && errno == EEXIST);
	CHECK(strstr(err.msg, "adding policy out 10.3.0.5/32 -> 0.0.0.0/0: File exists") == err.msg);
	p.sel = in_sel;
	p.tun_src = addr("198.51.100.2");
	p.tun_dst = addr("192.0.2.1");
	p.dir = ROVE_XFRM_IN;
	CHECK(rove_xfrm_policy_add(nl, &p, &err) == 0);
	p.dir = ROVE_XFRM_FWD;
	CHECK(rove_xfrm_policy_add(nl, &p, &err) == 0);
	/* Someone else's policy (strongSwan numbers reqids from 1). */
	other.reqid = 1;
	CHECK(rove_xfrm_policy_add(nl, &other, &err) == 0);

	CHECK(rove_xfrm_policy_del(nl, &in_sel, ROVE_XFRM_FWD, &err) == 0);
	CHECK(rove_xfrm_policy_del(nl, &in_sel, ROVE_XFRM_FWD, &err) == -1 && errno == ENOENT);
	/* Crash cleanup finds the two left of ours, and only those. */
	CHECK(rove_xfrm_flush_reqid(nl, rove_xfrm_reqid(7), &err) == 2);
	CHECK(rove_xfrm_flush_reqid(nl, rove_xfrm_reqid(7), &err) == 0);
	CHECK(rove_xfrm_policy_del(nl, &in_sel, ROVE_XFRM_IN, &err) == -1 && errno == ENOENT);
	CHECK(rove_xfrm_policy_del(nl, &other.sel, ROVE_XFRM_OUT, &err) == 0);
	rove_nl_close(nl);
}

/* A policy of an XFRM interface (if_id): the attribute is in the message,
 * the kernel finds the policy only with its id, and crash cleanup, which
 * knows only the reqid, still removes it. */
static void test_kernel_policies_if_id(void)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct rove_nl *nl = open_nl(NETLINK_XFRM);
	struct rove_xfrm_policy p = out_policy("10.3.0.6/32", "10.1.0.0/16");
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct rove_err err;
	struct nlmsghdr *nlh;

	p.if_id = rove_xfrm_reqid(7);
	nlh = rove_xfrm_policy_msg(buf, sizeof(buf), &p, &err);
	CHECK(nlh != NULL);
	if (nlh) {
		parse_attrs(nlh, sizeof(struct xfrm_userpolicy_info), tb, XFRMA_MAX);
		CHECK(tb[XFRMA_IF_ID] && mnl_attr_get_u32(tb[XFRMA_IF_ID]) == p.if_id);
	}
	if (!nl)
		return;
	CHECK(rove_xfrm_policy_add(nl, &p, &err) == 0);
	CHECK(rove_xfrm_policy_del(nl, &p.sel, ROVE_XFRM_OUT, &err) == -1 && errno == ENOENT);
	CHECK(rove_xfrm_policy_del_if(nl, &p.sel, ROVE_XFRM_OUT, p.if_id, &err) == 0);
	CHECK(rove_xfrm_policy_add(nl, &p, &err) == 0);
	CHECK(rove_xfrm_flush_reqid(nl, rove_xfrm_reqid(7), &err) == 1);
	CHECK(rove_xfrm_policy_del_if(nl, &p.sel, ROVE_XFRM_OUT, p.if_id, &err) == -1 &&
	      errno == ENOENT);
	rove_nl_close(nl);
}

static void test_kernel_sockets(void)
{
	struct rove_err err;
	int fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK(fd4 >= 0 && fd6 >= 0);
	CHECK(rove_xfrm_socket_bypass(fd4, AF_INET, &err) == 0);
	CHECK(rove_xfrm_socket_bypass(fd6, AF_INET6, &err) == 0);
	CHECK(rove_xfrm_socket_bypass(fd4, AF_UNIX, &err) == -1);
	CHECK(rove_xfrm_socket_encap(fd4, &err) == 0);
	CHECK(rove_xfrm_socket_encap(-1, &err) == -1 && errno == EBADF);
	close(fd4);
	close(fd6);
}

/* The probe decides: with ESP (the VM tier) SAs go in and out for real,
 * without it (this host) the refusal must be a readable error. */
static void test_kernel_states(void)
{
	struct rove_nl *nl = open_nl(NETLINK_XFRM);
	struct rove_xfrm_sa sa = gcm_sa();
	struct rove_err err, e1;
	struct rove_xfrm_sa_use use;
	int probe;

	if (!nl)
		return;
	probe = rove_xfrm_probe(nl, &err);
	/* Nothing of the probe stays behind either way. */
	CHECK(rove_xfrm_flush_reqid(nl, ROVE_XFRM_REQID_PROBE, &e1) == 0);
	if (probe < 0) {
		struct rove_err e2;
		fprintf(stderr, "note: no kernel ESP here (%s)\n", err.msg);
		CHECK(strncmp(err.msg, "kernel IPsec unavailable: adding SA 0x72", 40) == 0);
		CHECK(rove_xfrm_state_add(nl, &sa, &e2) == -1);
		CHECK(strncmp(e2.msg, "adding SA 0xc1a2b3d4: ", 22) == 0);
		rove_nl_close(nl);
		return;
	}
	CHECK(rove_xfrm_state_add(nl, &sa, &err) == 0);
	CHECK(rove_xfrm_state_add(nl, &sa, &err) == -1 && errno == EEXIST);
	CHECK(rove_xfrm_state_use(nl, sa.spi, IPPROTO_ESP, &sa.dst, &use, &err) == 0);
	CHECK(use.bytes == 0 && use.packets == 0 && use.use_time == 0);
	/* added just now, by the kernel's wall clock; installed without limits */
	CHECK(use.add_time + 60 >= (uint64_t)time(NULL) && use.add_time <= (uint64_t)time(NULL) + 1);
	CHECK(use.soft_add_secs == 0 && use.hard_add_secs == 0);
	CHECK(rove_xfrm_state_del(nl, &sa.dst, sa.spi, &err) == 0);
	CHECK(rove_xfrm_state_del(nl, &sa.dst, sa.spi, &err) == -1 && errno == ESRCH);
	CHECK(rove_xfrm_state_use(nl, sa.spi, IPPROTO_ESP, &sa.dst, &use, &err) == -1 &&
	      errno == ESRCH);
	/* NAT-T with CBC/SHA-384 and ESN, then crash cleanup by reqid. */
	{
		static const uint8_t ek[32] = { 5 }, ik[48] = { 6 };
		struct rove_xfrm_sa cbc = gcm_sa();

		cbc.encr = ROVE_ENCR_AES_CBC;
		cbc.enc_key = ek;
		cbc.enc_key_len = sizeof(ek);
		cbc.integ = ROVE_INTEG_HMAC_SHA2_384_192;
		cbc.integ_key = ik;
		cbc.integ_key_len = sizeof(ik);
		cbc.esn = cbc.encap = true;
		cbc.src.port = 4500;
		cbc.dst.port = 4500;
		CHECK(rove_xfrm_state_add(nl, &cbc, &err) == 0);
		sa.spi++;
		CHECK(rove_xfrm_state_add(nl, &sa, &err) == 0);
		sa.spi++;
		sa.reqid = 1; /* not ours */
		CHECK(rove_xfrm_state_add(nl, &sa, &err) == 0);
		CHECK(rove_xfrm_flush_reqid(nl, rove_xfrm_reqid(7), &err) == 2);
		CHECK(rove_xfrm_state_del(nl, &sa.dst, sa.spi, &err) == 0);
	}
	rove_nl_close(nl);
}

/* MOBIKE: one XFRM_MSG_MIGRATE per policy, the SA found by reqid and the
 * old addresses, new encapsulation ports when asked. */
static struct rove_xfrm_move out_move(void)
{
	struct rove_xfrm_move m;

	memset(&m, 0, sizeof(m));
	m.sel = out_policy("10.3.0.5/32", "0.0.0.0/0").sel;
	m.dir = ROVE_XFRM_OUT;
	m.reqid = rove_xfrm_reqid(7);
	m.old_src = addr("192.0.2.1");
	m.old_dst = addr("198.51.100.2");
	m.new_src = addr("192.0.2.9");
	m.new_dst = addr("198.51.100.2");
	return m;
}

static void test_migrate_msg(void)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct rove_xfrm_move m = out_move();
	struct rove_err err;
	struct nlmsghdr *nlh = rove_xfrm_migrate_msg(buf, sizeof(buf), &m, &err);
	const struct xfrm_userpolicy_id *id;
	const struct xfrm_user_migrate *um;
	const struct xfrm_encap_tmpl *e;
	struct rove_addr v6 = addr("2001:db8::1");

	CHECK(nlh != NULL);
	if (!nlh)
		return;
	CHECK(nlh->nlmsg_type == XFRM_MSG_MIGRATE);
	id = mnl_nlmsg_get_payload(nlh);
	CHECK(id->dir == XFRM_POLICY_OUT && id->sel.prefixlen_s == 32 && id->sel.family == AF_INET);
	parse_attrs(nlh, sizeof(*id), tb, XFRMA_MAX);
	CHECK(tb[XFRMA_MIGRATE] && mnl_attr_get_payload_len(tb[XFRMA_MIGRATE]) == sizeof(*um));
	CHECK(!tb[XFRMA_ENCAP]);
	if (!tb[XFRMA_MIGRATE])
		return;
	um = mnl_attr_get_payload(tb[XFRMA_MIGRATE]);
	CHECK_MEM(&um->old_saddr, m.old_src.addr, 4);
	CHECK_MEM(&um->old_daddr, m.old_dst.addr, 4);
	CHECK_MEM(&um->new_saddr, m.new_src.addr, 4);
	CHECK_MEM(&um->new_daddr, m.new_dst.addr, 4);
	CHECK(um->proto == IPPROTO_ESP && um->mode == XFRM_MODE_TUNNEL);
	CHECK(um->reqid == rove_xfrm_reqid(7));
	CHECK(um->old_family == AF_INET && um->new_family == AF_INET);
	/* behind a NAT: the new ports go in XFRMA_ENCAP */
	m.encap = true;
	m.new_src.port = 4500;
	m.new_dst.port = 45678;
	nlh = rove_xfrm_migrate_msg(buf, sizeof(buf), &m, &err);
	CHECK(nlh != NULL);
	if (!nlh)
		return;
	parse_attrs(nlh, sizeof(*id), tb, XFRMA_MAX);
	CHECK(tb[XFRMA_ENCAP] && mnl_attr_get_payload_len(tb[XFRMA_ENCAP]) == sizeof(*e));
	if (tb[XFRMA_ENCAP]) {
		e = mnl_attr_get_payload(tb[XFRMA_ENCAP]);
		CHECK(e->encap_type == UDP_ENCAP_ESPINUDP);
		CHECK(ntohs(e->encap_sport) == 4500 && ntohs(e->encap_dport) == 45678);
	}
	/* the outer family may change (IPv4 to IPv6 uplink), but not within a side */
	m.new_src = v6;
	CHECK(rove_xfrm_migrate_msg(buf, sizeof(buf), &m, &err) == NULL);
	m.new_dst = v6;
	nlh = rove_xfrm_migrate_msg(buf, sizeof(buf), &m, &err);
	CHECK(nlh != NULL);
	if (nlh) {
		parse_attrs(nlh, sizeof(*id), tb, XFRMA_MAX);
		um = mnl_attr_get_payload(tb[XFRMA_MIGRATE]);
		CHECK(um->old_family == AF_INET && um->new_family == AF_INET6);
	}
}

/* The policy's template moves (the kernel finds it by the old addresses
 * and reqid); where the kernel has ESP, the SA moves with it, same SPI. */
static void test_kernel_migrate(void)
{
	struct rove_nl *nl = open_nl(NETLINK_XFRM);
	struct rove_xfrm_policy p = out_policy("10.3.0.5/32", "0.0.0.0/0");
	struct rove_xfrm_move m = out_move(), back;
	struct rove_xfrm_sa sa = gcm_sa();
	struct rove_xfrm_sa_use use;
	struct rove_err err;
	bool esp;

	if (!nl)
		return;
	esp = rove_xfrm_probe(nl, &err) == 0;
	rove_xfrm_flush_reqid(nl, ROVE_XFRM_REQID_PROBE, &err);
	CHECK(rove_xfrm_policy_add(nl, &p, &err) == 0);
	sa.src = m.old_src;
	sa.dst = m.old_dst;
	if (esp)
		CHECK(rove_xfrm_state_add(nl, &sa, &err) == 0);
	CHECK(rove_xfrm_migrate(nl, &m, &err) == 0);
	/* moved: the old addresses name nothing any more */
	CHECK(rove_xfrm_migrate(nl, &m, &err) == -1);
	back = m;
	back.old_src = m.new_src;
	back.new_src = m.old_src;
	if (esp) {
		CHECK(rove_xfrm_state_use(nl, sa.spi, IPPROTO_ESP, &m.new_dst, &use, &err) == 0);
		CHECK(rove_xfrm_state_del(nl, &m.new_dst, sa.spi, &err) == 0);
	}
	/* and back again from the new ones */
	CHECK(rove_xfrm_migrate(nl, &back, &err) == 0);
	CHECK(rove_xfrm_policy_del(nl, &p.sel, ROVE_XFRM_OUT, &err) == 0);
	CHECK(rove_xfrm_migrate(nl, &back, &err) == -1 && errno == ENOENT);
	rove_nl_close(nl);
}

/* Where the kernel has ESP: an SA with UDP encapsulation replaced by one
 * without (what the kernel datapath does when a NAT goes away), the
 * sequence numbers and counters carried over. */
static void test_kernel_carry(void)
{
	struct rove_nl *nl = open_nl(NETLINK_XFRM);
	struct rove_xfrm_sa sa = gcm_sa();
	struct rove_xfrm_sa_carry c, back;
	struct xfrm_replay_state rs = { .oseq = 1000, .seq = 990, .bitmap = 0x3 };
	struct rove_xfrm_sa_use use;
	struct rove_err err;

	if (!nl)
		return;
	if (rove_xfrm_probe(nl, &err) < 0) {
		CHECK(rove_xfrm_state_carry(nl, &sa.dst, sa.spi, &c, &err) == -1);
		rove_xfrm_flush_reqid(nl, ROVE_XFRM_REQID_PROBE, &err);
		rove_nl_close(nl);
		return;
	}
	rove_xfrm_flush_reqid(nl, ROVE_XFRM_REQID_PROBE, &err);
	sa.encap = true;
	sa.src.port = 4500;
	sa.dst.port = 4500;
	memset(&c, 0, sizeof(c));
	c.replay_type = XFRMA_REPLAY_VAL;
	c.replay_len = sizeof(rs);
	memcpy(c.replay, &rs, sizeof(rs));
	c.packets = 77;
	c.bytes = 7700;
	c.add_time = (uint64_t)time(NULL) - 30;
	sa.carry = &c;
	CHECK(rove_xfrm_state_add(nl, &sa, &err) == 0);
	CHECK(rove_xfrm_state_carry(nl, &sa.dst, sa.spi, &back, &err) == 0);
	CHECK(back.replay_type == XFRMA_REPLAY_VAL && back.replay_len == sizeof(rs));
	CHECK_MEM(back.replay, &rs, sizeof(rs));
	CHECK(back.packets == 77 && back.bytes == 7700 && back.add_time == c.add_time);
	/* without encapsulation now, going on from there */
	CHECK(rove_xfrm_state_del(nl, &sa.dst, sa.spi, &err) == 0);
	sa.encap = false;
	sa.carry = &back;
	CHECK(rove_xfrm_state_add(nl, &sa, &err) == 0);
	CHECK(rove_xfrm_state_use(nl, sa.spi, IPPROTO_ESP, &sa.dst, &use, &err) == 0);
	CHECK(use.packets == 77 && use.bytes == 7700 && use.add_time == c.add_time);
	CHECK(rove_xfrm_state_carry(nl, &sa.dst, sa.spi, &c, &err) == 0);
	CHECK_MEM(c.replay, &rs, sizeof(rs));
	CHECK(rove_xfrm_state_del(nl, &sa.dst, sa.spi, &err) == 0);
	CHECK(rove_xfrm_state_carry(nl, &sa.dst, sa.spi, &c, &err) == -1 && errno == ESRCH);
	rove_nl_close(nl);
}

/* A veth pair stands for the uplink: rv0 (ours) and rv1. */
static int make_veth(struct rove_nl *nl)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *li, *data, *peer;
	struct rove_err err;
	struct ifreq ifr;
	int fd;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "rv0");
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi)); /* the peer's */
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "rv1");
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	if (rove_nl_request(nl, nlh, "adding veth", &err) < 0) {
		fprintf(stderr, "skip: %s\n", err.msg);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (int i = 0; i < 2; i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "rv%d", i);
		ifr.ifr_flags = IFF_UP;
		CHECK(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	}
	close(fd);
	return (int)if_nametoindex("rv0");
}

static struct rove_route route(const char *dst, int oif, const char *via, const char *src,
			       uint32_t table)
{
	struct rove_route r;

	memset(&r, 0, sizeof(r));
	r.dst = prefix(dst);
	r.oif = oif;
	if (via)
		r.via = addr(via);
	if (src)
		r.src = addr(src);
	r.table = table;
	return r;
}

/* A route in table 220 as another program would add it (proto static). */
static int static_route(struct rove_nl *nl, uint16_t type, const char *dst, int oif)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rove_prefix p = prefix(dst);
	struct rtmsg *rtm;
	struct rove_err err;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = p.len;
	rtm->rtm_table = ROVE_ROUTE_TABLE;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = type == RTM_NEWROUTE ? RT_SCOPE_LINK : RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, 4, p.addr.addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return rove_nl_request(nl, nlh, "static route", &err);
}

static void test_kernel_routes(void)
{
	struct rove_nl *nl = open_nl(NETLINK_ROUTE);
	/* rove_prefix_parse masks the host part; an interface address keeps it. */
	struct rove_prefix uplink = { .addr = addr("192.0.2.1"), .len = 24 };
	struct rove_prefix vip = prefix("10.3.0.5/32");
	struct rove_route r, got;
	struct rove_err err;
	char s[64];
	int oif;

	if (!nl)
		return;
	oif = make_veth(nl);
	if (oif <= 0) {
		rove_nl_close(nl);
		return;
	}
	/* The uplink: an address, its subnet and a default route in main. */
	CHECK(rove_vip_add(nl, oif, &uplink, &err) == 0);
	r = route("192.0.2.0/24", oif, NULL, "192.0.2.1", RT_TABLE_MAIN);
	CHECK(rove_route_add(nl, &r, &err) == 0);
	r = route("0.0.0.0/0", oif, "192.0.2.254", NULL, RT_TABLE_MAIN);
	CHECK(rove_route_add(nl, &r, &err) == 0);
	CHECK(rove_route_get(nl, &(struct rove_addr){ 0 }, &got, &err) == -1);
	CHECK(rove_route_get(nl, &(struct rove_addr){ .family = AF_INET, .addr = { 198, 51, 100, 2 },
						      .port = 500 }, &got, &err) == 0);
	CHECK(got.oif == oif && got.table == RT_TABLE_MAIN);
	CHECK_STR(rove_addr_str(&got.via, s, sizeof(s)), "192.0.2.254");
	CHECK_STR(rove_addr_str(&got.src, s, sizeof(s)), "192.0.2.1");
	CHECK_STR(rove_prefix_str(&got.dst, s, sizeof(s)), "198.51.100.2/32");

	/* The tunnel's side, as the kernel datapath sets it up. */
	CHECK(rove_vip_add(nl, oif, &vip, &err) == 0);
	CHECK(rove_vip_add(nl, oif, &vip, &err) == 0); /* already there */
	CHECK(rove_rule_add(nl, AF_INET, &err) == 0);
	CHECK(rove_rule_add(nl, AF_INET, &err) == 0);
	r = route("0.0.0.0/0", oif, "192.0.2.254", "10.3.0.5", ROVE_ROUTE_TABLE);
	CHECK(rove_route_add(nl, &r, &err) == 0);
	CHECK(rove_route_add(nl, &r, &err) == -1 && errno == EEXIST);
	got.table = ROVE_ROUTE_TABLE;
	CHECK(rove_route_add(nl, &got, &err) == 0); /* the gateway pinned outside */
	CHECK(rove_route_count_ours(nl, AF_INET, &err) == 2);
	CHECK(rove_route_count_ours(nl, AF_INET6, &err) == 0);

	/* Table 220 now answers first; the lookup still finds the uplink. */
	CHECK(rove_route_get(nl, &(struct rove_addr){ .family = AF_INET, .addr = { 203, 0, 113, 9 } },
			     &got, &err) == 0);
	CHECK(got.oif == oif && got.table == RT_TABLE_MAIN);
	CHECK_STR(rove_addr_str(&got.via, s, sizeof(s)), "192.0.2.254");

	CHECK(rove_route_del(nl, &r, &err) == 0);
	CHECK(rove_route_del(nl, &r, &err) == -1 && errno == ESRCH);
	CHECK(strncmp(err.msg, "removing route 0.0.0.0/0: No such process", 41) == 0);
	/* Another daemon's route in table 220 is not ours to delete. */
	CHECK(static_route(nl, RTM_NEWROUTE, "10.77.0.0/16", oif) == 0);
	r = route("10.77.0.0/16", oif, NULL, NULL, ROVE_ROUTE_TABLE);
	CHECK(rove_route_del(nl, &r, &err) == -1 && errno == ESRCH);
	CHECK(rove_route_flush_ours(nl, &err) == 1);
	CHECK(rove_route_count_ours(nl, AF_INET, &err) == 0);
	CHECK(static_route(nl, RTM_DELROUTE, "10.77.0.0/16", oif) == 0);
	CHECK(rove_rule_del(nl, AF_INET, &err) == -1 && errno == ENOENT);
	CHECK(rove_vip_del(nl, oif, &vip, &err) == 0);
	CHECK(rove_vip_del(nl, oif, &vip, &err) == -1);
	rove_nl_close(nl);
}

static void test_kernel_routes_v6(void)
{
	struct rove_nl *nl = open_nl(NETLINK_ROUTE);
	struct rove_prefix vip = prefix("fd00:3::5/128");
	struct rove_route r;
	struct rove_err err;
	int oif = (int)if_nametoindex("rv0");

	if (!nl)
		return;
	if (oif <= 0) {
		rove_nl_close(nl);
		return;
	}
	CHECK(rove_vip_add(nl, oif, &vip, &err) == 0);
	CHECK(rove_rule_add(nl, AF_INET6, &err) == 0);
	r = route("fd00:1::/64", oif, NULL, "fd00:3::5", ROVE_ROUTE_TABLE);
	CHECK(rove_route_add(nl, &r, &err) == 0);
	r = route("::/0", oif, "fe80::1", "fd00:3::5", ROVE_ROUTE_TABLE);
	CHECK(rove_route_add(nl, &r, &err) == 0);
	r = route("::/0", oif, "192.0.2.254", NULL, ROVE_ROUTE_TABLE);
	CHECK(rove_route_add(nl, &r, &err) == -1 && err.code == ROVE_E_INVAL);
	CHECK(rove_route_count_ours(nl, AF_INET6, &err) == 2);
	CHECK(rove_route_flush_ours(nl, &err) == 2);
	CHECK(rove_rule_del(nl, AF_INET6, &err) == -1 && errno == ENOENT);
	CHECK(rove_vip_del(nl, oif, &vip, &err) == 0);
	rove_nl_close(nl);
}

int main(void)
{
	RUN(test_state_gcm);
	RUN(test_state_cbc_encap_esn);
	RUN(test_state_carry_msg);
	RUN(test_auth_variants);
	RUN(test_state_rejects);
	RUN(test_sel_from_ts);
	RUN(test_policy_msg);
	RUN(test_priority_and_reqid);
	RUN(test_migrate_msg);
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "skip: the kernel checks need root (a private network namespace)\n");
		return check_failures ? check_summary() : (check_summary(), 77);
	}
	RUN(test_kernel_policies);
	RUN(test_kernel_policies_if_id);
	RUN(test_kernel_sockets);
	RUN(test_kernel_states);
	RUN(test_kernel_migrate);
	RUN(test_kernel_carry);
	RUN(test_kernel_routes);
	RUN(test_kernel_routes_v6);
	return check_summary();
}
