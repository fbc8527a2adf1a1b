/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IKE fragmentation (RFC 7383): reassembling the Encrypted Fragment (SKF)
 * payloads the gateway sends, and cutting our own large messages into
 * fragments.
 *
 * Each fragment is authenticated and decrypted on its own (core/sk.c,
 * rove_skf_open) before it reaches the reassembler, so only the gateway
 * can fill it; the limits below still bound what even the gateway can make
 * us hold. One message is reassembled at a time: the session only hands
 * over fragments of the message it expects next.
 *
 * Memory: struct rove_frag_rx owns copies of the fragments' plaintext
 * (wiped on free); rove_frag_take hands the caller a malloc'd buffer the
 * caller wipes and frees. rove_frag_seal appends to the caller's buffers. */
#ifndef ROVE_FRAG_H
#define ROVE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "rng.h"
#include "sk.h"

/* A message in more fragments than this is refused: at the smallest
 * fragment size the RFC allows (576-byte IPv4 datagrams) 64 fragments
 * carry over 30 kB, more than any IKE message of ours or a gateway's. */
#define ROVE_FRAG_MAX 64
/* Reassembled inner payloads larger than this are refused (and the set
 * dropped): the largest IKE message is 64 kB anyway. */
#define ROVE_FRAG_MAX_BYTES 65535
/* An incomplete set is dropped after this long without completing; the
 * gateway's retransmission (ours, for a response) brings all fragments
 * again (RFC 7383 2.6). */
#define ROVE_FRAG_TIMEOUT_MS 30000

/* Default IP datagram sizes for our fragments (RFC 7383 2.5.1): the
 * minimum every IPv4 host must accept (576, RFC 791) and the IPv6
 * minimum MTU (1280, RFC 8200). The IKE message gets what is left after
 * the IP and UDP headers (and the non-ESP marker on port 4500). */
#define ROVE_FRAG_DEFAULT_V4 576
#define ROVE_FRAG_DEFAULT_V6 1280
/* The smallest fragment-size a profile may set: below it the overhead
 * eats most of each fragment. */
#define ROVE_FRAG_MIN_SIZE 400

struct rove_frag_rx {
	bool active;
	uint32_t msg_id;
	bool response;
	uint8_t exchange;
	uint16_t total;     /* Total Fragments of the set being collected */
	uint16_t have;      /* fragments received of it */
	uint8_t first;      /* next-payload of fragment 1: the first inner payload */
	size_t bytes;       /* plaintext held */
	uint64_t deadline_ms;
	uint8_t *part[ROVE_FRAG_MAX];
	uint16_t part_len[ROVE_FRAG_MAX];
	/* counters, for logs and tests */
	unsigned dropped_sets;
};

enum rove_frag_verdict {
	ROVE_FRAG_REJECTED = -1, /* err says why; the set (if any) is unchanged
				  * unless the fragment proved it hopeless */
	ROVE_FRAG_KEPT = 0,      /* stored, the message is not complete yet */
	ROVE_FRAG_COMPLETE = 1,  /* rove_frag_take gives the message */
};

void rove_frag_rx_init(struct rove_frag_rx *r);
/* Drops the set being collected, wiping what it held. */
void rove_frag_rx_reset(struct rove_frag_rx *r);

/* One authenticated fragment: number num of total of message msg_id (a
 * response or a request, of exchange), next = its SKF next-payload field,
 * plain/len its decrypted inner bytes. Per RFC 7383 2.6: a fragment of
 * another message or with a larger total starts a new set (the sender
 * re-fragmented, e.g. smaller); a smaller total, a number of 0 or above
 * total, a duplicate, or a total above ROVE_FRAG_MAX are rejected; a set
 * growing past ROVE_FRAG_MAX_BYTES is dropped. */
enum rove_frag_verdict rove_frag_add(struct rove_frag_rx *r, uint32_t msg_id, bool response,
				     uint8_t exchange, uint16_t num, uint16_t total,
				     uint8_t next, const uint8_t *plain, size_t len,
				     uint64_t now_ms, struct rove_err *err);

/* After ROVE_FRAG_COMPLETE: the inner payload chain in order. *data is
 * malloc'd and the caller's (wipe, then free); the set is reset. */
int rove_frag_take(struct rove_frag_rx *r, uint8_t *first, uint8_t **data, size_t *len,
		   struct rove_err *err);

/* UINT64_MAX when nothing is being collected. */
uint64_t rove_frag_deadline(const struct rove_frag_rx *r);
/* Drops an incomplete set whose time ran out; true if it did. */
bool rove_frag_expire(struct rove_frag_rx *r, uint64_t now_ms);

/* The IKE message size left for fragments in an IP datagram of ip_size
 * bytes: minus the IPv4 (20) or IPv6 (40) header, UDP (8) and, on the
 * NAT-T port, the non-ESP marker (4). */
size_t rove_frag_msg_size(unsigned ip_size, bool ipv6, bool marker);

/* Cuts inner payloads (chain starting with first_inner) into SKF
 * fragments of at most max_msg bytes each, IKE header included, and
 * appends each as a whole message to out[0..]. hdr is the 28-byte IKE
 * header to use (SPIs, exchange, flags, message ID; length and next
 * payload are set here). At most max_out fragments; *n gives how many.
 * Fails (ROVE_E_INVAL) when max_msg leaves no room or more than max_out
 * fragments would be needed. */
int rove_frag_seal(const struct rove_sk_dir *d, const struct rove_rng *rng, const uint8_t hdr[28],
		   uint8_t first_inner, const uint8_t *inner, size_t inner_len, size_t max_msg,
		   struct rove_buf *out, size_t max_out, size_t *n, struct rove_err *err);

#endif
