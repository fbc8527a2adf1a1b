/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What we offer for the IKE SA and the ESP CHILD SA, in strongSwan's
 * proposal syntax, and checking what the gateway picked.
 *
 *   ike=aes256gcm16-prfsha384-x25519,aes256-sha256-modp2048!
 *
 * Proposals are separated by commas; inside a proposal, algorithms are
 * separated by dashes and several of one kind are alternatives. A trailing
 * '!' offers only the listed proposals; without it rove's defaults follow
 * them. The keyword table in proposal.c is the only definition of the
 * syntax; docs/profile.md lists it for users.
 *
 * Everything here is plain values: nothing allocates, nothing needs freeing.
 * Strings are returned in the caller's buffer. */
#ifndef ROVE_PROPOSAL_H
#define ROVE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ROVE_MAX_PROP 8
#define ROVE_MAX_ALGS 12

/* One proposal: alternatives of each transform kind in order of preference.
 * IDs are the IANA transform IDs of ikev2.h; encr[].bits is the AES key
 * size. IKE proposals have no ESN; ESP proposals have no PRF and always at
 * least one ESN entry (noesn when the string names none). */
struct rove_prop {
	size_t nencr, ninteg, nprf, ndh, nesn;
	struct {
		uint16_t id, bits;
	} encr[ROVE_MAX_ALGS];
	uint16_t integ[ROVE_MAX_ALGS], prf[ROVE_MAX_ALGS], dh[ROVE_MAX_ALGS], esn[2];
};

struct rove_proposals {
	bool esp;
	size_t n;
	struct rove_prop p[ROVE_MAX_PROP];
};

/* Parses an ike= (esp false) or esp= value. Unknown, weak or misplaced
 * algorithms and incomplete proposals are errors (ROVE_E_INVAL) whose
 * message names the offending word, e.g.
 *   unknown algorithm "aes257" in "aes257-sha256-modp2048"
 * Without a trailing '!' the defaults are appended (duplicates skipped). */
int rove_proposals_parse(const char *s, bool esp, struct rove_proposals *out, struct rove_err *err);

/* RFC 8247 (IKE) / RFC 8221 (ESP) based defaults; see proposal.c for the
 * order and why. */
void rove_proposals_default(bool esp, struct rove_proposals *out);

/* The same proposals with one algorithm of each kind per proposal would be
 * too many for the SA payload, so the wire form keeps the alternatives:
 * one wire proposal per struct rove_prop, numbered from 1.
 *
 * spi: our SPI, spi_len 0 (IKE in IKE_SA_INIT, RFC 7296 3.3.1), 8 (IKE in a
 * CREATE_CHILD_SA rekey) or 4 (ESP). ESP DH groups (PFS) are included as
 * given: a caller building IKE_AUTH, where no KE payload goes along, may
 * clear ndh in a copy first. Lives in proposal_sa.c. */
struct rove_sa;
int rove_proposals_to_sa(const struct rove_proposals *ps, const uint8_t *spi, size_t spi_len,
			 struct rove_sa *sa, struct rove_err *err);

/* The suite the responder chose. integ is 0 for AEAD ciphers, prf 0 for
 * ESP, dh 0 for ESP without PFS, esn ROVE_ESN_NO for IKE. */
struct rove_chosen {
	uint16_t encr, encr_bits, integ, prf, dh, esn;
	uint8_t spi[8];
	size_t spi_len;
};

/* Checks the responder's SA payload: exactly one proposal for the right
 * protocol, exactly one transform of each kind the protocol needs (none of
 * kinds it does not use), each of them offered in one of our proposals,
 * with the key length we offered and no attribute we do not understand.
 * Like strongSwan, a transform offered in another of our proposals than
 * the one the number names is accepted, as long as the suite is coherent
 * (AEAD without integrity, otherwise with). Errors are ROVE_E_PROTO, e.g.
 *   the gateway chose aes128-sha1-prfsha1-modp2048 which we did not offer
 * Lives in proposal_sa.c. */
int rove_proposals_check_reply(const struct rove_proposals *ps, const struct rove_sa *reply,
			       struct rove_chosen *out, struct rove_err *err);

/* As the responder of a CREATE_CHILD_SA (the gateway rekeys): picks the
 * first proposal of the offer (its order of preference) of our protocol
 * and SPI size for which every transform kind it lists has an algorithm we
 * offer (the first such one in its order), and the suite is coherent.
 * Fills reply with that one proposal carrying our spi, and out with the
 * suite and the gateway's SPI. ROVE_E_PROTO when none fits (answer
 * NO_PROPOSAL_CHOSEN). Lives in proposal_sa.c. */
int rove_proposals_select(const struct rove_proposals *ps, const struct rove_sa *offer,
			  const uint8_t *spi, size_t spi_len, struct rove_sa *reply,
			  struct rove_chosen *out, struct rove_err *err);

/* "aes256gcm16-prfsha384-x25519", "aes256-sha256-prfsha256-modp2048" (IKE);
 * "aes256gcm16", "aes128-sha256-esn", "aes128-sha256-modp2048" (ESP). An
 * ID without a keyword is shown as "encr(99)". Returns buf. */
const char *rove_chosen_str(const struct rove_chosen *c, bool esp, char *buf, size_t len);

/* What we offer, for NO_PROPOSAL_CHOSEN messages: proposals in the proposal
 * syntax separated by ", ", cut with "..." when longer than len. When it
 * fits, appending '!' gives a string that parses back to the same list.
 * Returns buf. */
const char *rove_proposals_str(const struct rove_proposals *ps, char *buf, size_t len);

/* The group of the first KE payload we send: the first DH group of the
 * first proposal (0 if there is none). */
uint16_t rove_proposals_first_dh(const struct rove_proposals *ps);
/* Whether group is in any of our proposals (an INVALID_KE_PAYLOAD retry
 * must not switch to a group we never offered). */
bool rove_proposals_has_dh(const struct rove_proposals *ps, uint16_t group);

/* The keyword for one transform ("aes256gcm16", "sha256", "prfsha384",
 * "x25519", "esn"), or NULL if it has none. bits only matters for encr. */
const char *rove_transform_keyword(uint8_t type, uint16_t id, uint16_t bits);

#endif
