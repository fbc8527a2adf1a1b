/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel IPsec objects over NETLINK_XFRM: ESP SAs in tunnel mode, their
 * policies, per-socket bypass, counters and crash cleanup.
 *
 * One function per kernel object, each paired with its removal. Every SA
 * and policy template rove installs carries a reqid from rove's own range
 * (ROVE_XFRM_REQID_BASE | index, see rove_xfrm_reqid) so cleanup finds
 * exactly ours and never touches another IPsec daemon's SAs. Lifetimes are
 * infinite (rekeying is the engine's business) and no marks or interfaces
 * are used. Functions take a NETLINK_XFRM socket (nl.h) and return 0, or -1
 * with *err set and errno the kernel's error code. Key bytes are borrowed
 * for the call; the request buffers that held them are wiped. No memory is
 * returned to the caller. */
#ifndef ROVE_XFRM_H
#define ROVE_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "nl.h"

/* 'r' 'o' in the high half: strongSwan allocates reqids counting up from
 * 1 and libreswan from 16384, so neither reaches this range. */
#define ROVE_XFRM_REQID_BASE 0x726f0000u
#define ROVE_XFRM_REQID_MASK 0xffff0000u
/* The index probes use; sessions use 0..0xfffe. */
#define ROVE_XFRM_REQID_PROBE (ROVE_XFRM_REQID_BASE | 0xffffu)

static inline uint32_t rove_xfrm_reqid(uint16_t index)
{
	return ROVE_XFRM_REQID_BASE | index;
}

static inline bool rove_xfrm_reqid_is_ours(uint32_t reqid)
{
	return (reqid & ROVE_XFRM_REQID_MASK) == ROVE_XFRM_REQID_BASE;
}

/* What an SA has done so far, read back to carry it into a replacement
 * SA with the same SPI and keys (the kernel cannot drop an SA's UDP
 * encapsulation in place): its replay state as the kernel reports it
 * (sequence numbers and window, the bytes of XFRMA_REPLAY_VAL or
 * XFRMA_REPLAY_ESN_VAL) and its current lifetime (traffic, and the add
 * time its hard expiry counts from). */
struct rove_xfrm_sa_carry {
	uint16_t replay_type;    /* XFRMA_REPLAY_VAL or _ESN_VAL; 0: none read */
	uint16_t replay_len;
	uint8_t replay[24 + 1024 / 8]; /* the ESN state with a 1024-packet bitmap at most */
	uint64_t bytes, packets, add_time, use_time;
};

/* One ESP SA in tunnel mode. src/dst are the outer addresses; their ports
 * are the UDP encapsulation ports when encap is set. */
struct rove_xfrm_sa {
	struct rove_addr src, dst;
	uint32_t spi;            /* as a number, e.g. 0xc1a2b3d4 */
	uint32_t reqid;
	uint16_t encr;           /* ROVE_ENCR_AES_GCM_16, _AES_CBC, ... (ikev2.h) */
	uint16_t encr_keylen;    /* bits, without the salt */
	uint16_t integ;          /* ROVE_INTEG_* or ROVE_INTEG_NONE for AEAD */
	const uint8_t *enc_key;  /* AES key, then the 4-byte salt for GCM */
	size_t enc_key_len;
	const uint8_t *integ_key;
	size_t integ_key_len;
	bool esn;
	bool encap;              /* ESP in UDP (RFC 3948) */
	uint32_t replay_window;  /* packets, at most 1024; 0 = 32 (128 with ESN) */
	/* The kernel deletes the SA this many seconds after adding it (0:
	 * never): a bound for an SA whose rekey got stuck. */
	uint32_t hard_add_secs;
	/* XFRM interface id (XFRMA_IF_ID): the SA belongs to that xfrm
	 * device (rove_xfrmi_add); 0: none, a plain policy-based SA. */
	uint32_t if_id;
	/* NULL: a new SA (sequence numbers from 1, counters from 0). Else
	 * the state of the SA this one replaces (rove_xfrm_state_carry). */
	const struct rove_xfrm_sa_carry *carry;
};

int rove_xfrm_state_add(struct rove_nl *nl, const struct rove_xfrm_sa *sa, struct rove_err *err);
/* Deletes the ESP SA (dst, spi); a missing one fails with ESRCH. */
int rove_xfrm_state_del(struct rove_nl *nl, const struct rove_addr *dst, uint32_t spi,
			struct rove_err *err);

/* What the kernel reports of an SA's use (XFRM_MSG_GETSA): its current
 * lifetime (traffic, when it was added and first used, Unix seconds, 0
 * while unused) and its time limits (seconds after adding, 0: none). */
struct rove_xfrm_sa_use {
	uint64_t bytes, packets;
	uint64_t add_time, use_time;
	uint64_t soft_add_secs, hard_add_secs;
	uint64_t replay;   /* packets refused as replayed or outside the window */
	uint64_t auth;     /* packets whose ICV did not verify */
};

/* Reads the use of SA (dst, spi); proto is IPPROTO_ESP. A missing SA fails
 * with ESRCH. */
int rove_xfrm_state_use(struct rove_nl *nl, uint32_t spi, uint8_t proto,
			const struct rove_addr *dst, struct rove_xfrm_sa_use *out,
			struct rove_err *err);

/* Reads what SA (dst, spi) has done (XFRM_MSG_GETSA), for a replacement
 * to go on from there. A missing SA fails with ESRCH. */
int rove_xfrm_state_carry(struct rove_nl *nl, const struct rove_addr *dst, uint32_t spi,
			  struct rove_xfrm_sa_carry *out, struct rove_err *err);

/* An XFRM selector: inner addresses, protocol and ports. A port of 0 with
 * mask 0 means any. */
struct rove_xfrm_sel {
	struct rove_prefix src, dst;
	uint8_t proto;
	uint16_t sport, sport_mask, dport, dport_mask;
};

/* The selector for traffic from `src` to `dst` (both IKEv2 traffic
 * selectors of one family). XFRM selectors are prefixes: a range that is
 * not one is widened to the smallest prefix covering it, and a port range
 * to the smallest aligned block, as strongSwan does. */
void rove_xfrm_sel_from_ts(const struct rove_ts *src, const struct rove_ts *dst,
			   struct rove_xfrm_sel *out);

enum rove_xfrm_dir {
	ROVE_XFRM_IN = 0,  /* XFRM_POLICY_IN */
	ROVE_XFRM_OUT = 1, /* XFRM_POLICY_OUT */
	ROVE_XFRM_FWD = 2, /* XFRM_POLICY_FWD */
};

/* A policy sending traffic matching sel through an ESP tunnel between
 * tun_src and tun_dst (for IN and FWD: gateway to us) whose SA has reqid. */
struct rove_xfrm_policy {
	struct rove_xfrm_sel sel;
	enum rove_xfrm_dir dir;
	uint32_t reqid;
	struct rove_addr tun_src, tun_dst;
	uint32_t priority;       /* 0 = from the prefix lengths (rove_xfrm_priority) */
	uint32_t if_id;          /* XFRM interface id, 0: none (as in rove_xfrm_sa) */
};

/* Priorities: lower wins. More specific selectors get lower numbers, and
 * all of rove's sit in one band above the kernel's default of 0. */
uint32_t rove_xfrm_priority(const struct rove_xfrm_sel *sel);

/* Adding a policy whose selector and direction exist fails with EEXIST. */
int rove_xfrm_policy_add(struct rove_nl *nl, const struct rove_xfrm_policy *p,
			 struct rove_err *err);
/* Deletes by selector and direction; a missing one fails with ENOENT. */
int rove_xfrm_policy_del(struct rove_nl *nl, const struct rove_xfrm_sel *sel,
			 enum rove_xfrm_dir dir, struct rove_err *err);
/* The same for a policy of an XFRM interface (if_id 0: as above). */
int rove_xfrm_policy_del_if(struct rove_nl *nl, const struct rove_xfrm_sel *sel,
			    enum rove_xfrm_dir dir, uint32_t if_id, struct rove_err *err);

/* Moves one policy's tunnel (and the SA it finds with the same reqid and
 * old addresses) to new outer addresses in place (XFRM_MSG_MIGRATE): the
 * SA keeps its SPI, keys, sequence numbers and counters. sel and dir name
 * the policy; old/new are the tunnel's source and destination as the
 * policy's direction sees them. With encap, the SA's UDP encapsulation
 * gets the new ports (new_src.port -> new_dst.port); without, it keeps
 * what it had. Needs CONFIG_XFRM_MIGRATE. */
struct rove_xfrm_move {
	struct rove_xfrm_sel sel;
	enum rove_xfrm_dir dir;
	uint32_t reqid;
	struct rove_addr old_src, old_dst, new_src, new_dst;
	bool encap;
	uint32_t if_id;          /* the policy's XFRM interface id, 0: none */
};
int rove_xfrm_migrate(struct rove_nl *nl, const struct rove_xfrm_move *m, struct rove_err *err);
struct nlmsghdr *rove_xfrm_migrate_msg(void *buf, size_t len, const struct rove_xfrm_move *m,
				       struct rove_err *err);

/* Lets an IKE socket's packets bypass every policy in both directions
 * (IP_XFRM_POLICY / IPV6_XFRM_POLICY with action allow), so a tunnel for
 * 0.0.0.0/0 never captures IKE itself. family is the socket's. Needs
 * CAP_NET_ADMIN. */
int rove_xfrm_socket_bypass(int fd, int family, struct rove_err *err);
/* Makes the kernel take ESP in UDP (RFC 3948) arriving on this UDP socket
 * (UDP_ENCAP_ESPINUDP): the NAT-T socket when an SA uses encapsulation.
 * IKE behind the non-ESP marker still reaches the socket; NAT keepalives
 * are dropped by the kernel. */
int rove_xfrm_socket_encap(int fd, struct rove_err *err);

/* Deletes every SA and policy whose reqid is `reqid` (crash cleanup: dump,
 * then delete). Returns how many objects were removed, or -1. */
int rove_xfrm_flush_reqid(struct rove_nl *nl, uint32_t reqid, struct rove_err *err);

/* Whether this kernel can install an ESP SA: adds an AES-GCM SA on
 * 127.0.0.1 with reqid ROVE_XFRM_REQID_PROBE and a throwaway SPI, then
 * deletes it. 0 when it can; -1 with the kernel's reason otherwise. */
int rove_xfrm_probe(struct rove_nl *nl, struct rove_err *err);

/* The request builders behind state_add and policy_add, for the unit
 * tests: they write one message into buf (len >= ROVE_NL_MSG_MAX) and
 * return its header, or NULL with *err set. A state message holds keys:
 * wipe buf after use. */
struct nlmsghdr *rove_xfrm_state_msg(void *buf, size_t len, const struct rove_xfrm_sa *sa,
				     struct rove_err *err);
struct nlmsghdr *rove_xfrm_policy_msg(void *buf, size_t len, const struct rove_xfrm_policy *p,
				      struct rove_err *err);

#endif
