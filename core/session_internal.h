/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal state of an IKEv2 initiator session, shared by the exchange
 * files (ike_sa_init.c, ike_auth.c, informational.c) and session.c.
 * Not installed; nothing outside core/ includes it. */
#ifndef ROVE_SESSION_INTERNAL_H
#define ROVE_SESSION_INTERNAL_H

#include "buf.h"
#include "eap.h"
#include "frag.h"
#include "keys.h"
#include "payload.h"
#include "proposal.h"
#include "redirect.h"
#include "session.h"

struct rove_dh;
struct rove_eap_client;
struct rove_peer_cert;

enum phase {
	PH_IDLE,
	PH_INIT,      /* IKE_SA_INIT request outstanding */
	PH_AUTH,      /* first IKE_AUTH request outstanding */
	PH_EAP,       /* IKE_AUTH carrying EAP outstanding */
	PH_EAP_AUTH,  /* final IKE_AUTH with the MSK-based AUTH outstanding */
	PH_UP,
	PH_DELETING,  /* our INFORMATIONAL DELETE outstanding */
	PH_DONE,
};

#define OUTQ_LEN 32 /* room for a fragmented request (FRAG_TX_MAX) */
#define MAX_OLD_CHILDREN 3

/* What our outstanding request is for, when the phase does not say it. */
enum req_kind {
	REQ_OTHER = 0,
	REQ_CHILD_REKEY,  /* CREATE_CHILD_SA rekeying the CHILD SA */
	REQ_IKE_REKEY,    /* CREATE_CHILD_SA rekeying the IKE SA */
	REQ_CHILD_DELETE, /* INFORMATIONAL deleting a rekeyed CHILD SA */
};

/* A CHILD SA replaced by a rekey. Its outbound half is no longer used;
 * its inbound half stays in the datapath until retire_ms after both sides
 * deleted it (packets in flight still decrypt), then CHILD_DOWN. */
struct old_child {
	struct rove_child_sa sa;
	bool used;
	bool delete_due;   /* we owe the gateway a DELETE for it */
	bool deleted;      /* deleted on both sides: retiring */
	bool unused;       /* a collision's redundant SA: never in the datapath */
	uint64_t retire_ms;
};

/* The IKE SA a rekey replaced, kept until its DELETE exchange is over. */
struct old_ike {
	bool used;
	bool initiator;    /* we were its original initiator */
	uint8_t spi_i[8], spi_r[8];
	struct rove_ike_keys keys;
	uint32_t next_msg_id, peer_msg_id;
	struct rove_buf last_resp;
	bool have_last_resp;
	struct rove_buf req;  /* our DELETE on it, retransmitted */
	uint32_t req_interval_ms;
	uint32_t req_msg_id;
	bool req_outstanding;
	uint64_t req_next_ms, give_up_ms;
};

/* Rekeying state (create_child.c, ike_rekey.c). */
struct rekey {
	uint64_t child_due_ms, ike_due_ms; /* when we start one; UINT64_MAX: never */
	uint64_t child_up_ms, ike_up_ms;   /* when the current SAs came up */
	uint64_t last_ms;                  /* the last completed rekey, 0: none */
	unsigned child_count, ike_count;
	struct old_child old[MAX_OLD_CHILDREN];
	struct rove_child_sa evicted; /* an old one pushed out early, for its CHILD_DOWN */
	struct old_ike oike;
	/* our CREATE_CHILD_SA in flight */
	uint8_t ni[32];
	uint32_t spi_in;          /* the new CHILD SA's inbound SPI */
	uint8_t spi_new[8];       /* the new IKE SA's SPI (ours) */
	struct rove_dh *dh;
	uint16_t group;           /* KE group for the next try, 0: the first offered */
	uint32_t rekeying;        /* spi_in of the CHILD SA our request rekeys */
	unsigned tries;           /* TEMPORARY_FAILURE / INVALID_KE retries */
	/* a rekey of the same CHILD SA by the gateway crossed ours (2.8.1):
	 * the lowest nonce of its exchange, and our inbound SPI of its SA */
	bool collided;
	uint8_t peer_lo[256];
	size_t peer_lo_len;
	uint32_t peer_spi_in;
	/* the current CHILD SA came from the gateway's rekey and carries no
	 * outbound traffic yet: the old SA out_via (its spi_in) still does */
	bool out_pending;
	uint32_t out_via;
	/* the gateway's IKE rekey crossed ours (2.8.2, rekey_collision.c): the
	 * lowest nonce of its exchange and the SA it made, until ours is
	 * answered; then the redundant one of the two new SAs, until its
	 * DELETE exchange is over */
	bool ike_collided;
	uint8_t ike_peer_lo[256];
	size_t ike_peer_lo_len;
	struct old_ike peer_new;
	struct rove_chosen peer_new_ch;
	struct old_ike redundant;
};
#define EVQ_LEN 32

#define FRAG_TX_MAX 24 /* fragments of one message of ours */

struct outq_item {
	struct rove_buf data;
	struct rove_addr local, remote;
	bool marker;
};

struct rove_session {
	/* configuration (strings and secrets are private copies) */
	struct rove_session_config cfg;
	char *name, *remote_id, *local_id, *user;
	uint8_t *password, *psk;
	struct rove_proposals ike_props, esp_props;

	enum phase phase;
	enum rove_state state;
	enum rove_fail last_failure;

	/* current path: switches to the NAT-T ports after NAT detection */
	struct rove_addr local, remote;
	bool natt;                    /* using the NAT-T ports */
	bool nat_local, nat_remote;

	/* IKE_SA_INIT */
	uint8_t spi_i[8], spi_r[8];
	bool ike_initiator;           /* false after the gateway rekeyed the IKE SA */
	struct rove_dh *dh;
	unsigned ke_retries, cookie_retries;
	struct rove_buf cookie;
	uint8_t ni[32];
	uint8_t nr[256];
	size_t nr_len;
	struct rove_buf init_req, init_resp; /* signed by AUTH (RFC 7296 2.15) */
	struct rove_chosen ike_chosen;
	struct rove_ike_keys keys;
	bool have_keys;

	/* IKE_AUTH */
	struct rove_buf idi;          /* IDi payload body, for our AUTH */
	struct rove_buf idr_body;     /* the gateway's IDr body, for its AUTHs */
	uint32_t child_spi_in;
	struct rove_peer_cert *peer_cert;
	bool peer_verified;           /* cert + AUTH of the gateway checked */
	struct rove_eap_client *eap;
	struct rove_eap_tls *eap_tls; /* auth=eap-tls instead of eap */
	char server_id[256];

	/* message IDs (RFC 7296 2.2) */
	uint32_t next_msg_id;         /* of our next request */
	uint32_t peer_msg_id;         /* expected in the gateway's next request */
	struct rove_buf last_resp;    /* our last response, for retransmits */
	bool have_last_resp;

	/* our outstanding request */
	enum req_kind req_kind;
	struct rove_buf req;
	uint32_t req_msg_id;
	uint8_t req_exchange;
	bool req_outstanding;
	uint64_t req_first_ms, req_next_ms;
	uint32_t req_interval_ms;
	uint32_t req_total_ms;        /* give up after this since req_first_ms */

	uint64_t next_keepalive_ms;
	uint64_t now_ms;

	/* liveness (dpd.c) */
	uint64_t last_rx_ms;          /* last authenticated message from the gateway */
	bool dpd_pending;             /* the outstanding request is a liveness check */
	unsigned req_sends;           /* transmissions of the outstanding request */
	/* What came back for it but was dropped (sess_drop): when the request
	 * then times out, the gateway did answer, and the failure says so. */
	unsigned req_dropped;
	char req_drop_why[160];
	uint32_t auth_lifetime_s;     /* N(AUTH_LIFETIME) in IKE_AUTH, 0 = none */

	/* RFC 5685 (redirect.c) */
	struct rove_redirect redirect;
	bool redirect_delete;         /* our DELETE is due at the next timer */

	/* results */
	struct rove_child_sa child;   /* the current CHILD SA (outbound) */
	bool child_up;
	struct rekey rk;
	struct rove_config_info config;
	uint64_t established_ms;
	unsigned round_trips;

	/* IKE fragmentation (session_frag.c) */
	bool frag_peer;               /* the gateway sent IKEV2_FRAGMENTATION_SUPPORTED */
	struct rove_frag_rx frag_rx;  /* the gateway's message being reassembled */
	uint8_t *frag_whole;          /* a reassembled message, until recv returns */
	size_t frag_whole_len;
	struct rove_buf frag_tx[FRAG_TX_MAX]; /* our outstanding request, fragmented */
	size_t frag_tx_n;
	uint32_t frag_tx_msg_id;
	/* MOBIKE (mobike.c) */
	struct {
		bool peer;                /* the gateway sent MOBIKE_SUPPORTED */
		bool parked;              /* no local address: send nothing */
		bool pending;             /* an UPDATE_SA_ADDRESSES is due */
		bool check;               /* a liveness check is due (no MOBIKE) */
		bool outstanding;         /* ours is the outstanding request */
		uint8_t kind;             /* what it is: MOBIKE_REQ_* */
		uint8_t cookie2[16];
		unsigned moves;
		struct rove_addr acc_local, acc_remote; /* the path the gateway knows */
		struct rove_addr home;    /* the configured gateway address */
		size_t naddrs;            /* the gateway's additional addresses */
		struct rove_addr addrs[4];
	} mob;

	/* The gateway's requests, rate-limited (informational.c) */
	struct {
		bool init;
		uint32_t tokens;          /* in thousandths of a request */
		uint64_t last_ms;         /* when tokens were last refilled */
		bool flooding;            /* refused one since the bucket was last full */
		uint64_t flood_ms;        /* the first refusal of this flood */
		uint64_t win_ms;          /* the bucket was last full then */
		unsigned win_n;           /* requests since win_ms */
		bool warned;
	} req_rl;

	struct outq_item outq[OUTQ_LEN];
	size_t outq_head, outq_n;
	struct outq_item cur_out; /* the datagram last popped, owned here */

	struct rove_event evq[EVQ_LEN];
	size_t evq_head, evq_n;
	struct rove_event cur_ev;
};

/* session.c: plumbing for the exchange files */
void sess_event(struct rove_session *s, enum rove_event_type type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Logs "dropping WHY" and, while a request is outstanding, keeps WHY for
 * its timeout's failure. */
void sess_drop(struct rove_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sess_log(struct rove_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sess_fail(struct rove_session *s, enum rove_fail reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Queues a finished message for sending on the current path. */
void sess_queue(struct rove_session *s, const uint8_t *data, size_t len);
/* Sends `req` as our new outstanding request and arms retransmission. */
void sess_send_request(struct rove_session *s, uint8_t exchange, uint32_t msg_id);
/* Builds an encrypted message with the given inner payloads into out. */
int sess_seal(struct rove_session *s, uint8_t exchange, bool response, uint32_t msg_id,
	      struct rove_mb *inner, struct rove_buf *out, struct rove_err *err);
/* Decrypts the SK payload of m (parsed from pkt) and appends the inner
 * payloads to m. plain must hold len bytes and outlive m's use. */
int sess_open(struct rove_session *s, const uint8_t *pkt, size_t len, struct rove_msg *m,
	      uint8_t *plain, struct rove_err *err);
/* "[ SA KE No N(NATD_S_IP) ]" for verbose logs. */
const char *sess_payload_summary(const struct rove_msg *m, char *buf, size_t len);
void sess_set_state(struct rove_session *s, enum rove_state st);

/* ike_sa_init.c */
int ike_sa_init_start(struct rove_session *s, struct rove_err *err);
void ike_sa_init_response(struct rove_session *s, const uint8_t *pkt, size_t len,
			  struct rove_msg *m);
/* NAT_DETECTION_*_IP hash: SHA-1(SPIi | SPIr | IP | port) */
int natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8], const struct rove_addr *a,
	      uint8_t out[20]);

/* ike_auth.c */
int ike_auth_start(struct rove_session *s, struct rove_err *err);
void ike_auth_response(struct rove_session *s, struct rove_msg *m);

/* ike_auth_cert.c: certificate authentication (cfg.auth PUBKEY), EAP-TLS */
/* Appends the IDi body for the certificate's subject DN. */
int auth_cert_idi(struct rove_session *s, struct rove_buf *idi, struct rove_err *err);
/* The CA hashes of the gateway's CERTREQ payloads in m: appends the first
 * CERTREQ_MAX_CAS to out (when not NULL), returns how many there were. */
#define CERTREQ_MAX_CAS 100
size_t auth_certreq_hashes(const struct rove_msg *m, struct rove_buf *out);
/* Logs a CERTREQ list longer than that (IKE_SA_INIT response). */
void auth_certreq_check(struct rove_session *s, const struct rove_msg *m);
/* sign false: our CERT payloads; true: our AUTH signature (needs idi). */
int auth_cert_add(struct rove_session *s, struct rove_mb *mb, bool sign, struct rove_err *err);
/* One EAP-TLS packet from the gateway; the answer goes to out. */
int auth_eap_tls_input(struct rove_session *s, const uint8_t *pkt, size_t len,
		       struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err);
/* The MSK of whichever EAP method ran; NULL before it succeeded. */
const uint8_t *auth_eap_msk(const struct rove_session *s, size_t *len);

/* child.c: the first CHILD SA and mode-config */
int child_add_request(struct rove_session *s, struct rove_mb *mb, struct rove_err *err);
void child_established(struct rove_session *s, const struct rove_msg *m);
void child_fail_notify(struct rove_session *s, uint16_t notify);
/* The ESP proposal the gateway chose (its SA payload in m), checked
 * against ours; the CREATE_CHILD_SA answers use it too. */
int child_take_esp(struct rove_session *s, const struct rove_msg *m, struct rove_chosen *ch,
		   struct rove_err *err);
/* The same for any SA payload: props checked, SPIs of spi_len bytes
 * ("ESP", "new IKE" name them in errors). */
int sess_take_sa(const struct rove_msg *m, const struct rove_proposals *props,
		 uint8_t spi_len, const char *what, struct rove_chosen *ch, struct rove_err *err);

/* informational.c */
/* One-shot INFORMATIONAL with N(AUTHENTICATION_FAILED) after we refused
 * the gateway (RFC 7296 2.21.2), so it drops its half-open SA. */
void info_notify_auth_failed(struct rove_session *s);
int info_send_delete(struct rove_session *s, struct rove_err *err);
void info_response(struct rove_session *s, struct rove_msg *m);
/* Whether a request datagram from the gateway may be looked at: false when
 * it comes faster than any gateway needs (dropped unanswered; a flood that
 * goes on ends the session). */
bool info_request_allowed(struct rove_session *s);
void info_peer_request(struct rove_session *s, struct rove_msg *m);
/* Answers a request that carried an unsupported critical payload (2.5). */
void info_unsupported_critical(struct rove_session *s, const struct rove_msg *m);

/* dpd.c: liveness checks */
uint64_t dpd_next_timer(const struct rove_session *s);
void dpd_handle_timer(struct rove_session *s);
/* The outstanding liveness check ran out of time. */
void dpd_dead(struct rove_session *s);
/* Starts the next queued request (rekey, DELETE) when none is outstanding. */
void sess_kick(struct rove_session *s);
/* A CHILD_UP/DOWN event for a given CHILD SA. */
struct rove_event *sess_child_event(struct rove_session *s, enum rove_event_type type,
				    const struct rove_child_sa *c);

/* create_child.c: CREATE_CHILD_SA for CHILD SAs (RFC 7296 1.3.1, 1.3.3) */
void cc_init_timers(struct rove_session *s);
/* base_ms + secs less up to a tenth of secs at random (strongSwan's
 * rand_time default): when we rekey; UINT64_MAX for secs 0. */
uint64_t cc_rekey_time(struct rove_session *s, uint64_t base_ms, uint32_t secs);
/* Answers the gateway's CREATE_CHILD_SA request with one notify. */
void cc_answer_notify(struct rove_session *s, uint16_t type, const uint8_t *data, size_t len);
void cc_peer_request(struct rove_session *s, struct rove_msg *m);
void cc_response(struct rove_session *s, struct rove_msg *m);
bool cc_start_next(struct rove_session *s);
uint64_t cc_next_timer(const struct rove_session *s);
void cc_timer(struct rove_session *s);
/* The gateway's DELETE names an old CHILD SA by its outbound SPI: adds our
 * inbound SPI to resp and retires it. True if spi was one of ours. */
bool cc_peer_delete(struct rove_session *s, uint32_t spi, struct rove_mb *resp);
void cc_free(struct rove_session *s);
/* The replaced SA o goes (CHILD_DOWN unless it never went to the datapath). */
void cc_old_down(struct rove_session *s, struct old_child *o);
/* Answers a request with the given inner payloads (informational.c). */
void sess_respond(struct rove_session *s, uint8_t exchange, struct rove_mb *inner);

/* ike_rekey.c: rekeying the IKE SA (RFC 7296 1.3.2, 2.18) */
void ike_rekey_peer_request(struct rove_session *s, struct rove_msg *m, const struct rove_sa *offer);
int ike_rekey_start(struct rove_session *s, struct rove_err *err);
void ike_rekey_response(struct rove_session *s, struct rove_msg *m);
/* A message for the old IKE SA: true if it was (and was handled). */
bool ike_rekey_old_recv(struct rove_session *s, const uint8_t *pkt, size_t len,
			struct rove_msg *m, uint8_t *plain);
uint64_t ike_rekey_next_timer(const struct rove_session *s);
void ike_rekey_timer(struct rove_session *s);
void ike_rekey_free(struct rove_session *s);
/* Swaps the current IKE SA with o, for sess_seal/sess_open/sess_respond
 * on o; call again to swap back. */
void ike_swap(struct rove_session *s, struct old_ike *o);
void ike_drop(struct old_ike *o);
/* The current SA goes to rk.oike; the new one (keys copied) replaces it.
 * initiator: we are the new SA's original initiator. */
void ike_switch_sa(struct rove_session *s, const uint8_t spi_i[8], const uint8_t spi_r[8],
		   const struct rove_ike_keys *keys, const struct rove_chosen *ch, bool initiator);
/* Sends our DELETE of the IKE SA o on o itself (retransmitted by the timer). */
void ike_send_delete_on(struct rove_session *s, struct old_ike *o);

/* rekey_collision.c: simultaneous rekeys (RFC 7296 2.8.1, 2.8.2) */
/* -1, 0, 1 as nonce a is lower than, equal to, higher than b. */
int rekey_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* The lower of two nonces (its length in *len). */
const uint8_t *rekey_lowest(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
			    size_t *len);
/* The gateway's IKE rekey crossed ours: we answered it, and keep the SA
 * it made (the gateway's SPI first, ours spi_r) until ours is answered. */
void ike_collision_note(struct rove_session *s, const struct rove_ike_keys *k,
			const struct rove_chosen *ch, const uint8_t spi_r[8], const uint8_t *ni,
			size_t nilen, const uint8_t *nr, size_t nrlen);
/* Our crossed rekey was answered (new keys k, the gateway's nonce nr):
 * the SA of the exchange with the lowest nonce is redundant. */
void ike_collision_resolve(struct rove_session *s, const struct rove_ike_keys *k,
			   const struct rove_chosen *ch, const uint8_t *nr, size_t nrlen);
/* Our crossed rekey failed: the gateway's new SA is the one. */
void ike_collision_fallback(struct rove_session *s);
/* The gateway deleted the IKE SA (already answered) while its rekey
 * crossed ours: it finished its rekey without seeing ours, so its new SA
 * is the IKE SA and ours is abandoned. False when no collision is open. */
bool ike_collision_peer_deleted(struct rove_session *s);

/* mobike.c */
/* Adds N(MOBIKE_SUPPORTED) to the first IKE_AUTH request when configured. */
void mobike_auth_request(struct rove_session *s, struct rove_mb *mb);
/* Notes MOBIKE_SUPPORTED and the additional addresses in an IKE_AUTH
 * response. */
void mobike_auth_response(struct rove_session *s, const struct rove_msg *m);
/* The gateway's INFORMATIONAL request: address lists, and COOKIE2 to echo
 * into resp. */
void mobike_peer_request(struct rove_session *s, const struct rove_msg *m, struct rove_mb *resp);
/* True when m answered our UPDATE_SA_ADDRESSES (or liveness check) and
 * was handled. */
bool mobike_response(struct rove_session *s, const struct rove_msg *m);
/* After any response: sends a pending update once the slot is free. */
void mobike_next(struct rove_session *s);
bool mobike_parked(const struct rove_session *s);

/* session_frag.c: IKE fragmentation (RFC 7383) */
/* Notes whether the IKE_SA_INIT response m announced fragmentation. */
void frag_init_response(struct rove_session *s, const struct rove_msg *m);
/* sess_open for a message whose last payload is SKF: opens the fragment
 * and adds it to the set; when that completes the message, appends the
 * inner payloads to m (they point into s->frag_whole) and returns 0. A
 * fragment kept for an incomplete set returns -1 with err->code ROVE_E_OK
 * (already logged; nothing to process yet). */
int frag_open(struct rove_session *s, const uint8_t *pkt, size_t len, struct rove_msg *m,
	      uint8_t *plain, struct rove_err *err);
/* After sealing a request of len bytes: cuts it into fragments instead
 * when the gateway takes them and it does not fit the fragment size. */
int frag_seal_request(struct rove_session *s, uint8_t exchange, uint8_t flags, uint32_t msg_id,
		      struct rove_mb *inner, size_t len, struct rove_err *err);
/* Queues the outstanding request: all its fragments, or s->req whole. */
void frag_queue_request(struct rove_session *s);
uint64_t frag_next_timer(const struct rove_session *s);
void frag_handle_timer(struct rove_session *s);
/* Frees what the session's fragmentation state holds. */
void frag_free(struct rove_session *s);
void frag_recv_done(struct rove_session *s);
/* Whether a retransmitted request m gets our last response again: a
 * fragmented one only on its fragment 1, not once per fragment. */
bool frag_answers_retransmit(const struct rove_msg *m);
/* redirect.c: RFC 5685 */
/* N(REDIRECT_SUPPORTED), or N(REDIRECTED_FROM) after a redirect. */
void redirect_add_notify(struct rove_session *s, struct rove_mb *mb);
/* Each returns true if m carried a REDIRECT it acted on (the session then
 * ended with ROVE_EV_REDIRECT) or dropped. */
bool redirect_init_response(struct rove_session *s, const struct rove_msg *m);
bool redirect_auth_response(struct rove_session *s, const struct rove_msg *m);
/* An INFORMATIONAL request of an established session, already answered. */
bool redirect_info_request(struct rove_session *s, const struct rove_msg *m);
/* The DELETE of the IKE SA we were redirected away from goes out on the
 * timer right after the event: the driver handles ROVE_EV_REDIRECT (and
 * may resolve the new gateway's name through the tunnel) while the old
 * gateway still holds our SAs. */
uint64_t redirect_next_timer(const struct rove_session *s);
void redirect_handle_timer(struct rove_session *s);

/* fail.c: the first error notify in m, mapped to a failure; 0 if none. */
uint16_t first_error_notify(const struct rove_msg *m);
enum rove_fail fail_from_notify(uint16_t type, enum phase phase);

#endif
