/* SPDX-License-Identifier: GPL-2.0-or-later */
/* esp-pair: one end of a userspace-datapath tunnel with fixed keys, no IKE.
 * Two of them in two network namespaces make a tunnel that
 * tests/integration/t-esp-pair.sh pings and pushes TCP through, and that
 * bench/datapath.sh measures.
 *
 *   esp-pair run --name N --local ADDR --remote ADDR --side a|b
 *                --vip PREFIX --local-ts PREFIX --remote-ts PREFIX
 *                [--vip6 PREFIX --local-ts6 PREFIX --remote-ts6 PREFIX]
 *                [--proposal aes256gcm16] [--esn] [--seed S] [--path-mtu M]
 *     Runs the datapath (TUN rove-N, routes in table 220) until SIGTERM or
 *     SIGINT; prints "ready IFNAME MTU" once it carries traffic and a
 *     "stats ..." line on SIGUSR1 and at exit. Both sides derive the same
 *     keys from the seed; side a sends with the first set, b with the
 *     second.
 *   esp-pair tcp-sink --listen ADDR --port P --bytes N
 *   esp-pair tcp-send --to ADDR --port P --bytes N
 *     A TCP transfer of N bytes of a known pattern; the sink checks every
 *     byte and both print the rate. Exit 0 only if all N bytes arrived
 *     intact (sink) or were sent and acknowledged by the close (sender). */
#include "buf.h"
#include "datapath_userspace.h"
#include "ikev2.h"
#include "rng.h"
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS 20000

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "esp-pair: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	if (!def)
		die("missing %s", name);
	return def;
}

static bool flag(int argc, char **argv, const char *name)
{
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

static struct rove_addr addr_arg(int argc, char **argv, const char *name)
{
	struct rove_addr a;
	const char *s = opt(argc, argv, name, NULL);

	if (!rove_addr_parse(s, &a))
		die("bad address %s", s);
	return a;
}

static struct rove_prefix prefix_arg(int argc, char **argv, const char *name)
{
	struct rove_prefix p;
	const char *s = opt(argc, argv, name, NULL);

	if (!rove_prefix_parse(s, &p))
		die("bad prefix %s", s);
	return p;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- run ------------------------------------------------------------------ */

struct suite {
	const char *name;
	uint16_t encr, bits, integ;
};

static const struct suite suites[] = {
	{ "aes128gcm16", ROVE_ENCR_AES_GCM_16, 128, ROVE_INTEG_NONE },
	{ "aes256gcm16", ROVE_ENCR_AES_GCM_16, 256, ROVE_INTEG_NONE },
	{ "aes256gcm12", ROVE_ENCR_AES_GCM_12, 256, ROVE_INTEG_NONE },
	{ "aes128gcm8", ROVE_ENCR_AES_GCM_8, 128, ROVE_INTEG_NONE },
	{ "chacha20poly1305", ROVE_ENCR_CHACHA20_POLY1305, 256, ROVE_INTEG_NONE },
	{ "aes128-sha1", ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA1_96 },
	{ "aes128-sha256", ROVE_ENCR_AES_CBC, 128, ROVE_INTEG_HMAC_SHA2_256_128 },
	{ "aes256-sha256", ROVE_ENCR_AES_CBC, 256, ROVE_INTEG_HMAC_SHA2_256_128 },
	{ "aes192-sha384", ROVE_ENCR_AES_CBC, 192, ROVE_INTEG_HMAC_SHA2_384_192 },
	{ "aes256-sha512", ROVE_ENCR_AES_CBC, 256, ROVE_INTEG_HMAC_SHA2_512_256 },
};

/* Both sides expand the same seed: a's outbound keys are b's inbound. */
static void fill_child(struct rove_child_sa *c, const struct suite *s, bool side_a,
		       const char *seed, bool esn)
{
	struct rove_rng_det det;
	uint8_t k[2][36 + 64];

	memset(c, 0, sizeof(*c));
	rove_rng_det_init(&det, seed, strlen(seed));
	if (rove_rng_fill(&det.rng, &k[0][0], sizeof(k)) < 0)
		die("%s", "cannot expand the seed");
	c->encr = s->encr;
	c->encr_keylen = s->bits;
	c->integ = s->integ;
	c->esn = esn;
	c->encap = true;
	c->enc_key_len = s->encr == ROVE_ENCR_AES_CBC ? s->bits / 8u : s->bits / 8u + 4;
	c->integ_key_len = s->integ == ROVE_INTEG_NONE ? 0 :
			   s->integ == ROVE_INTEG_HMAC_SHA1_96 ? 20 :
			   s->integ == ROVE_INTEG_HMAC_SHA2_256_128 ? 32 :
			   s->integ == ROVE_INTEG_HMAC_SHA2_384_192 ? 48 : 64;
	memcpy(c->enc_key_out, k[side_a ? 0 : 1], c->enc_key_len);
	memcpy(c->enc_key_in, k[side_a ? 1 : 0], c->enc_key_len);
	memcpy(c->integ_key_out, k[side_a ? 0 : 1] + 36, c->integ_key_len);
	memcpy(c->integ_key_in, k[side_a ? 1 : 0] + 36, c->integ_key_len);
	c->spi_out = side_a ? 0xa0000001u : 0xb0000002u;
	c->spi_in = side_a ? 0xb0000002u : 0xa0000001u;
	snprintf(c->proposal, sizeof(c->proposal), "%s%s", s->name, esn ? "-esn" : "");
	rove_wipe(k, sizeof(k));
}

static void add_vip(struct rove_config_info *cfg, const struct rove_prefix *vip)
{
	if (vip->addr.family == AF_INET) {
		cfg->has_vip4 = true;
		cfg->vip4 = *vip;
	} else {
		cfg->has_vip6 = true;
		cfg->vip6 = *vip;
	}
}

static void print_stats(struct rove_datapath *dp, const struct rove_child_sa *c,
			uint64_t ike)
{
	struct rove_dpu_stats st;
	struct rove_counters cn;

	rove_datapath_userspace_stats(dp, &st);
	dp->ops->counters(dp, c, &cn);
	printf("stats packets_out=%llu bytes_out=%llu packets_in=%llu bytes_in=%llu "
	       "esp_sent=%llu gso_sends=%llu esp_received=%llu gro_trains=%llu "
	       "drop_replay=%llu drop_auth=%llu drop_pad=%llu drop_malformed=%llu drop_spi=%llu "
	       "drop_policy_out=%llu drop_policy_in=%llu drop_toobig=%llu icmp_sent=%llu "
	       "drop_send=%llu drop_write=%llu drop_nosa=%llu drop_ecn=%llu keepalives=%llu ike=%llu\n",
	       (unsigned long long)cn.packets_out, (unsigned long long)cn.bytes_out,
	       (unsigned long long)cn.packets_in, (unsigned long long)cn.bytes_in,
	       (unsigned long long)st.tx.packets, (unsigned long long)st.tx.gso_sends,
	       (unsigned long long)st.rx.datagrams, (unsigned long long)st.rx.gro_trains,
	       (unsigned long long)st.esp_in.drop_replay, (unsigned long long)st.esp_in.drop_auth,
	       (unsigned long long)st.esp_in.drop_pad, (unsigned long long)st.esp_in.drop_malformed,
	       (unsigned long long)st.rx.drop_spi, (unsigned long long)st.tx.drop_policy,
	       (unsigned long long)st.rx.drop_policy, (unsigned long long)st.tx.drop_toobig,
	       (unsigned long long)st.tx.icmp_sent, (unsigned long long)st.tx.drop_send,
	       (unsigned long long)st.rx.drop_write, (unsigned long long)st.tx.drop_nosa,
	       (unsigned long long)st.rx.drop_ecn,
	       (unsigned long long)st.rx.keepalives, (unsigned long long)ike);
	fflush(stdout);
}

static int run(int argc, char **argv)
{
	const char *pname = opt(argc, argv, "--proposal", "aes256gcm16");
	const struct suite *s = NULL;
	struct rove_addr local = addr_arg(argc, argv, "--local");
	struct rove_addr remote = addr_arg(argc, argv, "--remote");
	struct rove_prefix vip = prefix_arg(argc, argv, "--vip");
	struct rove_prefix lts = prefix_arg(argc, argv, "--local-ts");
	struct rove_prefix rts = prefix_arg(argc, argv, "--remote-ts");
	const char *side = opt(argc, argv, "--side", NULL);
	struct rove_config_info cfg = { 0 };
	struct rove_dpu_config dc = { 0 };
	struct rove_child_sa c;
	struct rove_datapath *dp;
	struct rove_udp u;
	struct rove_err err;
	sigset_t set;
	uint64_t ike = 0;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (strcmp(suites[i].name, pname) == 0)
			s = &suites[i];
	if (!s)
		die("unknown proposal %s", pname);
	if (strcmp(side, "a") != 0 && strcmp(side, "b") != 0)
		die("--side is a or b, not %s", side);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if (rove_udp_open(&u, local.family, &local, &err) < 0)
		die("%s", err.msg);
	if (!u.standard[ROVE_UDP_NATT])
		die("%s", "port 4500 is taken");
	fill_child(&c, s, side[0] == 'a', opt(argc, argv, "--seed", "rove-esp-pair"),
		   flag(argc, argv, "--esn"));
	c.local = u.bound[ROVE_UDP_NATT];
	c.remote = remote;
	c.remote.port = ROVE_NATT_PORT;
	c.nts_local = c.nts_remote = 1;
	rove_ts_from_prefix(&lts, &c.ts_local[0]);
	rove_ts_from_prefix(&rts, &c.ts_remote[0]);
	add_vip(&cfg, &vip);
	if (strcmp(opt(argc, argv, "--vip6", "-"), "-") != 0) {
		struct rove_prefix vip6 = prefix_arg(argc, argv, "--vip6");
		struct rove_prefix lts6 = prefix_arg(argc, argv, "--local-ts6");
		struct rove_prefix rts6 = prefix_arg(argc, argv, "--remote-ts6");

		add_vip(&cfg, &vip6);
		rove_ts_from_prefix(&lts6, &c.ts_local[c.nts_local++]);
		rove_ts_from_prefix(&rts6, &c.ts_remote[c.nts_remote++]);
	}

	dc.name = opt(argc, argv, "--name", NULL);
	dc.natt_fd = u.fd[ROVE_UDP_NATT];
	dc.natt_bound = u.bound[ROVE_UDP_NATT];
	dc.path_mtu = (unsigned)atoi(opt(argc, argv, "--path-mtu", "0"));
	dc.manage_routes = true;
	dp = rove_datapath_userspace_new(&dc, &err);
	if (!dp)
		die("%s", err.msg);
	if (dp->ops->configure(dp, &cfg, &err) < 0 || dp->ops->install(dp, &c, &err) < 0) {
		fprintf(stderr, "esp-pair: %s\n", err.msg);
		dp->ops->destroy(dp);
		return 1;
	}
	printf("ready %s %u\n", rove_datapath_userspace_ifname(dp),
	       rove_datapath_userspace_mtu(dp));
	fflush(stdout);
	for (;;) {
		struct timespec tick = { 1, 0 };
		struct rove_addr la, ra;
		uint8_t buf[2048];
		int sig = sigtimedwait(&set, NULL, &tick);

		while (rove_datapath_userspace_pop_ike(dp, buf, sizeof(buf), &la, &ra))
			ike++;
		if (sig == SIGUSR1)
			print_stats(dp, &c, ike);
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	print_stats(dp, &c, ike);
	dp->ops->destroy(dp);
	rove_udp_close(&u);
	rove_wipe(&c, sizeof(c));
	return 0;
}

/* ---- the TCP transfer -------------------------------------------------- */

/* The byte at offset x is pat[x % PERIOD]: a prime period, so no
 * alignment of TCP segments or reads repeats it; built once. */
#define PERIOD 65521
static uint8_t pat[PERIOD + (1 << 16)];

static void pattern_init(void)
{
	uint32_t x = 0x9e3779b9;

	for (size_t i = 0; i < sizeof(pat); i++) {
		if (i < PERIOD) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			pat[i] = (uint8_t)x;
		} else {
			pat[i] = pat[i - PERIOD];
		}
	}
}

/* The n (<= 64 KiB) pattern bytes from offset off. */
static const uint8_t *pattern(size_t n, uint64_t off)
{
	(void)n;
	return pat + off % PERIOD;
}

static int sock_for(const char *addr, const char *port, struct sockaddr_storage *ss,
		    socklen_t *sl)
{
	struct rove_addr a;

	if (!rove_addr_parse(addr, &a))
		die("bad address %s", addr);
	a.port = (uint16_t)atoi(port);
	rove_addr_to_sockaddr(&a, ss, sl);
	return socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static bool wait_fd(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };

	return poll(&p, 1, IO_TIMEOUT_MS) == 1;
}

static void report(const char *what, uint64_t bytes, uint64_t t0)
{
	uint64_t ms = now_ms() - t0;

	printf("%s %llu bytes in %llu ms, %.1f Mbit/s\n", what, (unsigned long long)bytes,
	       (unsigned long long)ms, ms ? (double)bytes * 8 / 1000.0 / (double)ms : 0.0);
	fflush(stdout);
}

static int tcp_sink(int argc, char **argv)
{
	uint64_t want = strtoull(opt(argc, argv, "--bytes", NULL), NULL, 10), got = 0, t0;
	struct sockaddr_storage ss;
	socklen_t sl;
	static uint8_t buf[1 << 16];
	int one = 1, fd, c;
	bool intact = true;

	fd = sock_for(opt(argc, argv, "--listen", NULL), opt(argc, argv, "--port", NULL), &ss, &sl);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1) < 0)
		die("cannot listen: %s", strerror(errno));
	printf("listening\n");
	fflush(stdout);
	if (!wait_fd(fd, POLLIN) || (c = accept(fd, NULL, NULL)) < 0)
		die("%s", "no connection");
	t0 = now_ms();
	for (;;) {
		ssize_t n;

		if (!wait_fd(c, POLLIN))
			die("%s", "the transfer stalled");
		n = read(c, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (memcmp(buf, pattern((size_t)n, got), (size_t)n) != 0)
			intact = false;
		got += (uint64_t)n;
	}
	report("received", got, t0);
	close(c);
	close(fd);
	if (!intact)
		fprintf(stderr, "esp-pair: the data arrived corrupted\n");
	return intact && got == want ? 0 : 1;
}

static int tcp_send(int argc, char **argv)
{
	uint64_t total = strtoull(opt(argc, argv, "--bytes", NULL), NULL, 10), sent = 0, t0;
	struct sockaddr_storage ss;
	static uint8_t buf[1 << 16];
	socklen_t sl;
	int fd, r;

	fd = sock_for(opt(argc, argv, "--to", NULL), opt(argc, argv, "--port", NULL), &ss, &sl);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	t0 = now_ms();
	while ((r = connect(fd, (struct sockaddr *)&ss, sl)) < 0 && errno == EINTR) {
	}
	if (r < 0)
		die("cannot connect: %s", strerror(errno));
	while (sent < total) {
		size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
		ssize_t w;

		w = write(fd, pattern(n, sent), n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write: %s", strerror(errno));
		sent += (uint64_t)w;
	}
	shutdown(fd, SHUT_WR);
	/* the sink closes after reading everything */
	if (!wait_fd(fd, POLLIN) || read(fd, buf, 1) != 0)
		die("%s", "the sink did not finish");
	report("sent", sent, t0);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("%s", "usage: esp-pair run|tcp-sink|tcp-send [options] (see the source)");
	if (strcmp(argv[1], "run") == 0)
		return run(argc, argv);
	pattern_init();
	if (strcmp(argv[1], "tcp-sink") == 0)
		return tcp_sink(argc, argv);
	if (strcmp(argv[1], "tcp-send") == 0)
		return tcp_send(argc, argv);
	die("unknown command %s", argv[1]);
	return 2;
}
