/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A test tool for the VM tier: installs one side of an ESP tunnel with
 * fixed keys through rove's own netlink code, so two network namespaces
 * can ping through a real kernel's XFRM.
 *
 *   xfrm-pair probe
 *   xfrm-pair up|down LOCAL REMOTE INNER NET [encap] [cbc]
 *   xfrm-pair datapath LOCAL REMOTE INNER NET [encap] [cbc] -- CMD
 *   xfrm-pair hold PORT SECONDS
 *
 * LOCAL and REMOTE are the outer addresses, INNER this side's inner
 * address (a virtual IP, put on the interface towards REMOTE) and NET the
 * network behind the other side. `up` installs both SAs, the out/in/fwd
 * policies, INNER, the rule and a table-220 route to NET with INNER as
 * source (core/xfrm.h, core/route.h); `down` removes exactly that and
 * fails if anything is missing. `datapath` does the same through the
 * kernel datapath object (core/runner/datapath_kernel.c) as the rove daemon
 * would, runs CMD, prints the SA counters and tears everything down.
 * `hold` keeps a UDP socket with ESP-in-UDP decapsulation open (the NAT-T
 * socket of the encap variant). SPIs and keys derive from the outer
 * addresses, so both sides agree without talking. Not for real use: the
 * keys are public. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "datapath_kernel.h"
#include "ikev2.h"
#include "nl.h"
#include "route.h"
#include "xfrm.h"

#define NATT_PORT 4500
#define REQID rove_xfrm_reqid(0x7e57)

struct side {
	struct rove_addr local, remote;
	struct rove_prefix inner, net;
	bool encap, cbc;
};

static int usage(void)
{
	fprintf(stderr, "usage: xfrm-pair probe\n"
			"       xfrm-pair up|down LOCAL REMOTE INNER NET [encap] [cbc]\n"
			"       xfrm-pair datapath LOCAL REMOTE INNER NET [encap] [cbc] -- CMD\n"
			"       xfrm-pair hold PORT SECONDS\n");
	return 2;
}

static int fail(const char *what, const struct rove_err *err)
{
	fprintf(stderr, "xfrm-pair: %s: %s\n", what, err->msg);
	return 1;
}

/* Consumes LOCAL REMOTE INNER NET [encap] [cbc] up to "--" or the end. */
static int parse_side(int argc, char **argv, struct side *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	if (argc < 4 || !rove_addr_parse(argv[0], &s->local) ||
	    !rove_addr_parse(argv[1], &s->remote) || !rove_addr_parse(argv[2], &s->inner.addr) ||
	    !rove_prefix_parse(argv[3], &s->net))
		return -1;
	s->inner.len = (uint8_t)(rove_addr_len(&s->inner.addr) * 8);
	for (i = 4; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "encap") == 0)
			s->encap = true;
		else if (strcmp(argv[i], "cbc") == 0)
			s->cbc = true;
		else
			return -1;
	}
	if (s->encap)
		s->local.port = s->remote.port = NATT_PORT;
	return i;
}

/* The SPI and keys of the direction from -> to. */
static uint32_t spi_of(const struct rove_addr *from, const struct rove_addr *to)
{
	size_t n = rove_addr_len(from);

	return 0xc0000000u | (uint32_t)from->addr[n - 1] << 8 | to->addr[n - 1];
}

/* A CHILD SA as the engine would hand it over, for side s. */
static void fake_child(const struct side *s, struct rove_child_sa *c)
{
	memset(c, 0, sizeof(*c));
	c->spi_in = spi_of(&s->remote, &s->local);
	c->spi_out = spi_of(&s->local, &s->remote);
	if (s->cbc) {
		c->encr = ROVE_ENCR_AES_CBC;
		c->encr_keylen = 128;
		c->integ = ROVE_INTEG_HMAC_SHA2_256_128;
		c->enc_key_len = 16;
		c->integ_key_len = 32;
	} else {
		c->encr = ROVE_ENCR_AES_GCM_16;
		c->encr_keylen = 256;
		c->integ = ROVE_INTEG_NONE;
		c->enc_key_len = 36;
	}
	for (size_t i = 0; i < sizeof(c->enc_key_in); i++) {
		c->enc_key_in[i] = (uint8_t)(c->spi_in + i);
		c->enc_key_out[i] = (uint8_t)(c->spi_out + i);
	}
	for (size_t i = 0; i < sizeof(c->integ_key_in); i++) {
		c->integ_key_in[i] = (uint8_t)(c->spi_in * 3 + i);
		c->integ_key_out[i] = (uint8_t)(c->spi_out * 3 + i);
	}
	c->nts_local = c->nts_remote = 1;
	rove_ts_from_addr(&s->inner.addr, &c->ts_local[0]);
	rove_ts_from_prefix(&s->net, &c->ts_remote[0]);
	c->encap = s->encap;
	c->local = s->local;
	c->remote = s->remote;
	snprintf(c->proposal, sizeof(c->proposal), "%s", s->cbc ? "aes128-sha256" : "aes256gcm16");
}

static void sa_of(const struct rove_child_sa *c, bool in, struct rove_xfrm_sa *x)
{
	memset(x, 0, sizeof(*x));
	x->src = in ? c->remote : c->local;
	x->dst = in ? c->local : c->remote;
	x->spi = in ? c->spi_in : c->spi_out;
	x->reqid = REQID;
	x->encr = c->encr;
	x->encr_keylen = c->encr_keylen;
	x->integ = c->integ;
	x->enc_key = in ? c->enc_key_in : c->enc_key_out;
	x->enc_key_len = c->enc_key_len;
	x->integ_key = in ? c->integ_key_in : c->integ_key_out;
	x->integ_key_len = c->integ_key_len;
	x->encap = c->encap;
}

struct links {
	struct rove_nl *xfrm, *rt;
	struct rove_route uplink, net;
	struct rove_xfrm_policy out, in;
};

static int open_links(const struct side *s, struct links *l, struct rove_err *err)
{
	struct rove_ts a, b;

	memset(l, 0, sizeof(*l));
	l->xfrm = rove_nl_open(NETLINK_XFRM, err);
	l->rt = l->xfrm ? rove_nl_open(NETLINK_ROUTE, err) : NULL;
	if (!l->rt || rove_route_get(l->rt, &s->remote, &l->uplink, err) < 0)
		return -1;
	l->net.dst = s->net;
	l->net.oif = l->uplink.oif;
	l->net.src = s->inner.addr;
	l->net.table = ROVE_ROUTE_TABLE;
	rove_ts_from_addr(&s->inner.addr, &a);
	rove_ts_from_prefix(&s->net, &b);
	rove_xfrm_sel_from_ts(&a, &b, &l->out.sel);
	l->out.dir = ROVE_XFRM_OUT;
	l->out.reqid = REQID;
	l->out.tun_src = s->local;
	l->out.tun_dst = s->remote;
	rove_xfrm_sel_from_ts(&b, &a, &l->in.sel);
	l->in.reqid = REQID;
	l->in.tun_src = s->remote;
	l->in.tun_dst = s->local;
	return 0;
}

static void close_links(struct links *l)
{
	rove_nl_close(l->xfrm);
	rove_nl_close(l->rt);
}

static int up(const struct side *s, struct links *l, struct rove_err *err)
{
	struct rove_child_sa c;
	struct rove_xfrm_sa x;
	int r = -1;

	fake_child(s, &c);
	sa_of(&c, true, &x);
	if (rove_xfrm_state_add(l->xfrm, &x, err) < 0)
		goto out;
	sa_of(&c, false, &x);
	if (rove_xfrm_state_add(l->xfrm, &x, err) < 0 ||
	    rove_xfrm_policy_add(l->xfrm, &l->out, err) < 0)
		goto out;
	l->in.dir = ROVE_XFRM_IN;
	if (rove_xfrm_policy_add(l->xfrm, &l->in, err) < 0)
		goto out;
	l->in.dir = ROVE_XFRM_FWD;
	if (rove_xfrm_policy_add(l->xfrm, &l->in, err) < 0 ||
	    rove_vip_add(l->rt, l->uplink.oif, &s->inner, err) < 0 ||
	    rove_rule_add(l->rt, s->net.addr.family, err) < 0 ||
	    rove_route_add(l->rt, &l->net, err) < 0)
		goto out;
	r = 0;
out:
	rove_wipe(&c, sizeof(c));
	return r;
}

/* Reverse order; every object must still be there. */
static int down(const struct side *s, struct links *l, struct rove_err *err)
{
	if (rove_route_del(l->rt, &l->net, err) < 0 ||
	    rove_rule_del(l->rt, s->net.addr.family, err) < 0 ||
	    rove_vip_del(l->rt, l->uplink.oif, &s->inner, err) < 0 ||
	    rove_xfrm_policy_del(l->xfrm, &l->in.sel, ROVE_XFRM_FWD, err) < 0 ||
	    rove_xfrm_policy_del(l->xfrm, &l->in.sel, ROVE_XFRM_IN, err) < 0 ||
	    rove_xfrm_policy_del(l->xfrm, &l->out.sel, ROVE_XFRM_OUT, err) < 0 ||
	    rove_xfrm_state_del(l->xfrm, &s->remote, spi_of(&s->local, &s->remote), err) < 0 ||
	    rove_xfrm_state_del(l->xfrm, &s->local, spi_of(&s->remote, &s->local), err) < 0)
		return -1;
	/* Nothing of ours may be left. */
	if (rove_xfrm_flush_reqid(l->xfrm, REQID, err) != 0 ||
	    rove_route_count_ours(l->rt, s->net.addr.family, err) != 0)
		return rove_err_set(err, ROVE_E_IO, "objects left behind");
	return 0;
}

static int run_updown(bool is_up, int argc, char **argv)
{
	struct side s;
	struct links l;
	struct rove_err err;
	int r;

	if (parse_side(argc, argv, &s) != argc)
		return usage();
	if (open_links(&s, &l, &err) < 0) {
		close_links(&l);
		return fail("setup", &err);
	}
	r = is_up ? up(&s, &l, &err) : down(&s, &l, &err);
	close_links(&l);
	if (r < 0)
		return fail(is_up ? "up" : "down", &err);
	printf("xfrm-pair: %s\n", is_up ? "up" : "down");
	return 0;
}

static int hold_socket(int port, struct rove_err *err)
{
	struct rove_addr any = { .family = AF_INET, .port = (uint16_t)port };
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	rove_addr_to_sockaddr(&any, &ss, &sl);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		rove_err_set(err, ROVE_E_IO, "UDP port %d: %s", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (rove_xfrm_socket_bypass(fd, AF_INET, err) < 0 || rove_xfrm_socket_encap(fd, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int run_datapath(int argc, char **argv)
{
	struct side s;
	struct rove_child_sa c;
	struct rove_config_info cfg;
	struct rove_counters ctr;
	struct rove_datapath *dp;
	struct rove_err err;
	int n = parse_side(argc, argv, &s), fd = -1, rc = 1;

	if (n < 0 || n + 1 >= argc)
		return usage();
	if (s.encap && (fd = hold_socket(NATT_PORT, &err)) < 0)
		return fail("NAT-T socket", &err);
	dp = rove_datapath_kernel_new(&s.remote, REQID, &err);
	if (!dp) {
		if (fd >= 0)
			close(fd);
		return fail("datapath", &err);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.has_vip4 = s.inner.addr.family == AF_INET;
	cfg.has_vip6 = !cfg.has_vip4;
	if (cfg.has_vip4)
		cfg.vip4 = s.inner;
	else
		cfg.vip6 = s.inner;
	fake_child(&s, &c);
	/* The daemon's order: the configuration event comes first. */
	if (dp->ops->configure(dp, &cfg, &err) < 0 || dp->ops->install(dp, &c, &err) < 0) {
		fail("datapath", &err);
		goto out;
	}
	printf("xfrm-pair: datapath %s up\n", dp->ops->name);
	fflush(stdout);
	rc = system(argv[n + 1]) == 0 ? 0 : 1;
	if (dp->ops->counters(dp, &c, &ctr) < 0) {
		fprintf(stderr, "xfrm-pair: no counters\n");
		rc = 1;
	}
	printf("xfrm-pair: counters in %llu bytes %llu packets, out %llu bytes %llu packets\n",
	       (unsigned long long)ctr.bytes_in, (unsigned long long)ctr.packets_in,
	       (unsigned long long)ctr.bytes_out, (unsigned long long)ctr.packets_out);
	if (ctr.packets_in == 0 || ctr.packets_out == 0)
		rc = 1;
	dp->ops->remove(dp, &c);
out:
	dp->ops->destroy(dp);
	rove_wipe(&c, sizeof(c));
	if (fd >= 0)
		close(fd);
	return rc;
}

static int run_hold(int argc, char **argv)
{
	struct rove_err err;
	int fd;

	if (argc != 2)
		return usage();
	fd = hold_socket(atoi(argv[0]), &err);
	if (fd < 0)
		return fail("hold", &err);
	sleep((unsigned)atoi(argv[1]));
	close(fd);
	return 0;
}

static int run_probe(void)
{
	struct rove_err err;
	struct rove_nl *nl = rove_nl_open(NETLINK_XFRM, &err);
	int r;

	if (!nl)
		return fail("probe", &err);
	r = rove_xfrm_probe(nl, &err);
	rove_nl_close(nl);
	if (r < 0)
		return fail("probe", &err);
	printf("xfrm-pair: the kernel can carry ESP\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "probe") == 0)
		return run_probe();
	if (strcmp(argv[1], "up") == 0 || strcmp(argv[1], "down") == 0)
		return run_updown(argv[1][0] == 'u', argc - 2, argv + 2);
	if (strcmp(argv[1], "datapath") == 0)
		return run_datapath(argc - 2, argv + 2);
	if (strcmp(argv[1], "hold") == 0)
		return run_hold(argc - 2, argv + 2);
	return usage();
}
