/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKEv2 initiator engine: one struct rove_session per IKE SA session.
 *
 * No I/O, no clock, no globals. The caller (the `rove` daemon, the
 * NetworkManager service, a test) owns sockets and timers and drives it:
 *
 *   s = rove_session_new(&cfg, &err);
 *   rove_session_start(s, now);
 *   loop:
 *     while (rove_session_pop_datagram(s, &dg)) send dg.data to dg.remote
 *       from dg.local (prepend the 4-byte non-ESP marker when
 *       dg.non_esp_marker is set);
 *     while (rove_session_poll_event(s, &ev)) react;
 *     sleep until rove_session_next_timer(s) or a datagram arrives;
 *     rove_session_recv(s, ...) / rove_session_handle_timer(s, now);
 *
 * Times are monotonic milliseconds chosen by the caller. Memory returned
 * through datagrams and events is owned by the session and stays valid until
 * the next call that takes the session (or rove_session_free). */
#ifndef ROVE_SESSION_H
#define ROVE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "rng.h"

struct rove_session;
struct rove_trust;     /* cert.h: trusted CAs */
struct rove_redirect;  /* redirect.h: where a redirect sends us */
struct rove_proposals; /* proposal.h: what we offer */
struct rove_cred;      /* cred.h: our certificate and key */

enum rove_auth_kind {
	ROVE_AUTHK_EAP_MSCHAPV2 = 1,
	ROVE_AUTHK_PSK = 2,
	ROVE_AUTHK_PUBKEY = 3,     /* our certificate and key (cred) */
	ROVE_AUTHK_EAP_TLS = 4,    /* EAP-TLS with cred (RFC 5216) */
};

#define ROVE_MAX_ROUTES 16

struct rove_session_config {
	const char *name;          /* profile name, for messages */
	struct rove_addr local;    /* our address and IKE port (500 or ephemeral) */
	struct rove_addr local_natt; /* our NAT-T socket address (port 4500 or ephemeral) */
	struct rove_addr remote;   /* gateway address, port 500 */
	const char *remote_id;     /* identity the server must prove (required) */
	const char *local_id;      /* IDi; NULL = user (EAP) or local address (PSK) */
	const char *user;          /* EAP identity */
	enum rove_auth_kind auth;
	/* Secrets are copied into the session and wiped on free. */
	const uint8_t *password;
	size_t password_len;
	const uint8_t *psk;
	size_t psk_len;
	/* Borrowed for the session's lifetime. NULL trust: the server may only
	 * authenticate with the PSK (auth=psk, no ca in the profile). */
	const struct rove_trust *trust;
	const struct rove_proposals *ike; /* NULL = defaults (RFC 8247) */
	const struct rove_proposals *esp; /* NULL = defaults (RFC 8221) */
	struct rove_prefix routes[ROVE_MAX_ROUTES]; /* remote selectors */
	size_t nroutes;                              /* 0 = 0.0.0.0/0 and ::/0 */
	bool force_encap;          /* encap=yes: pretend to be behind NAT */
	bool request_ipv6;         /* also ask for an IPv6 virtual address */
	const struct rove_rng *rng; /* NULL = system RNG */
	int64_t verify_time;       /* certificate time (Unix s); 0 = now */
	uint32_t retransmit_base_ms;  /* 0 = 500 */
	uint32_t retransmit_total_ms; /* give up after this; 0 = 30000 */
	uint32_t keepalive_ms;     /* NAT keepalive interval; 0 = 20000 */
	bool verbose;              /* emit ROVE_EV_LOG lines per exchange */
	/* Liveness (RFC 7296 2.4): after dpd_ms without any message from the
	 * gateway an empty INFORMATIONAL request goes out, retransmitted from
	 * retransmit_base_ms on; no answer within dpd_timeout_ms ends the
	 * session with ROVE_FAIL_PEER_DEAD. Any answer counts, and a check
	 * waits while another request is outstanding. dpd_ms 0 = off. */
	uint32_t dpd_ms;
	uint32_t dpd_timeout_ms;   /* 0 = 15000 */
	/* N(INITIAL_CONTACT) in IKE_AUTH: set it only for the first IKE SA of
	 * a session, never on a reconnect or reauthentication (the gateway
	 * would drop the SAs it still holds for us, RFC 7296 2.4). */
	bool initial_contact;
	/* The virtual IPs to ask for again (reconnect, reauthentication);
	 * family 0 = whatever the pool gives. */
	struct rove_addr want_vip4, want_vip6;
	/* IKE fragmentation (RFC 7383), when the gateway announces it: our
	 * requests larger than fits an IP datagram of this many bytes go as
	 * fragments. 0 = 576 for IPv4, 1280 for IPv6 (RFC 7383 2.5.1). */
	unsigned fragment_size;
	/* RFC 5685: the gateway that redirected us here (port ignored), sent
	 * as N(REDIRECTED_FROM) in IKE_SA_INIT; family 0 = not redirected,
	 * N(REDIRECT_SUPPORTED) instead. */
	struct rove_addr redirected_from;
	/* auth=pubkey: our certificate, intermediates and key; borrowed for
	 * the session's lifetime (reconnects reuse it). local_id NULL then
	 * means the certificate's subject DN. */
	const struct rove_cred *cred;
	/* Send remote_id as IDr in IKE_AUTH (gateways with several identities
	 * pick the one to use from it). */
	bool send_remote_id;
	/* auth=eap-tls: also offer TLS 1.3 (RFC 9190); default TLS 1.2 only. */
	bool eap_tls13;
	/* Rekeying (RFC 7296 2.8): we rekey the IKE SA / CHILD SA this many
	 * seconds after it came up, less a random jitter of up to a tenth
	 * (strongSwan's rand_time default); 0 = we never start one (the
	 * gateway's rekeys are answered regardless). */
	uint32_t ike_rekey_s, child_rekey_s;
	/* How long the inbound half of a replaced CHILD SA stays after it was
	 * deleted, for packets in flight; 0 = 2000 ms. */
	uint32_t rekey_grace_ms;
	bool mobike;               /* announce MOBIKE (RFC 4555) and follow moves */
};

/* Why a session failed; each maps to a sentence (rove_fail_hint). */
enum rove_fail {
	ROVE_FAIL_NONE = 0,
	ROVE_FAIL_TIMEOUT,          /* no answer: UDP 500/4500 blocked? */
	ROVE_FAIL_NO_PROPOSAL,      /* NO_PROPOSAL_CHOSEN for IKE or ESP */
	ROVE_FAIL_AUTH_FAILED,      /* the gateway refused our credentials */
	ROVE_FAIL_PEER_AUTH,        /* the gateway's AUTH did not verify */
	ROVE_FAIL_ID_MISMATCH,      /* certificate not for remote-id */
	ROVE_FAIL_UNTRUSTED_CA,
	ROVE_FAIL_CERT_EXPIRED,
	ROVE_FAIL_CERT,             /* other certificate problem */
	ROVE_FAIL_TS_UNACCEPTABLE,
	ROVE_FAIL_NO_VIP,
	ROVE_FAIL_PEER_DELETED,     /* the gateway closed the session */
	ROVE_FAIL_PEER_DEAD,        /* no answer to liveness checks (DPD) */
	ROVE_FAIL_PROTOCOL,         /* malformed or unexpected messages */
	ROVE_FAIL_PATH_CHANGED,     /* our address changed, the gateway has no MOBIKE */
	ROVE_FAIL_INTERNAL,
	ROVE_FAIL_REKEY,            /* the CHILD SA expired: no rekey in time */
};

/* "check the user name and password", ...; static string. */
const char *rove_fail_hint(enum rove_fail f);
const char *rove_fail_name(enum rove_fail f); /* "auth_failed", ... */

enum rove_state {
	ROVE_ST_IDLE = 0,
	ROVE_ST_CONNECTING,  /* IKE_SA_INIT / IKE_AUTH in flight */
	ROVE_ST_ESTABLISHED, /* IKE SA and first CHILD SA up */
	ROVE_ST_CLOSING,     /* DELETE sent */
	ROVE_ST_CLOSED,      /* closed or failed; free it */
};
const char *rove_state_name(enum rove_state st);

/* A negotiated ESP SA, handed to the datapath (datapath.h). Keys are owned
 * by the session and wiped when it is freed. "in" is gateway->us. */
struct rove_child_sa {
	uint32_t spi_in, spi_out;      /* network byte order values as numbers */
	uint16_t encr, encr_keylen;    /* transform ID, key length in bits */
	uint16_t integ;                /* ROVE_INTEG_NONE for AEAD */
	bool esn;
	uint8_t enc_key_in[36], enc_key_out[36]; /* AES key (+4 byte salt for GCM) */
	size_t enc_key_len;            /* bytes incl. salt */
	uint8_t integ_key_in[64], integ_key_out[64];
	size_t integ_key_len;
	size_t nts_local, nts_remote;
	struct rove_ts ts_local[8], ts_remote[8];
	bool encap;                    /* UDP encapsulation (NAT-T) */
	struct rove_addr local, remote;/* outer addresses incl. ports */
	char proposal[96];             /* "aes256gcm16-esn" style name */
	/* Hard lifetime in seconds after installation (0: none): a tenth more
	 * than our rekey time, so an SA whose rekey got stuck does not stay
	 * forever (strongSwan's life_time default). */
	uint32_t lifetime_s;
};

#define ROVE_MAX_DNS 4
#define ROVE_MAX_SUBNETS 16
#define ROVE_MAX_DOMAINS 4

/* What mode-config assigned. */
struct rove_config_info {
	bool has_vip4, has_vip6;
	struct rove_prefix vip4, vip6;
	size_t ndns;
	struct rove_addr dns[ROVE_MAX_DNS];
	size_t nsubnets;
	struct rove_prefix subnets[ROVE_MAX_SUBNETS];
	size_t ndomains;
	char domains[ROVE_MAX_DOMAINS][128];
};

enum rove_event_type {
	ROVE_EV_PROGRESS = 1, /* msg: a short line for the user */
	ROVE_EV_LOG,          /* msg: a verbose exchange line (cfg.verbose) */
	ROVE_EV_IKE_UP,       /* IKE SA authenticated both ways */
	ROVE_EV_CONFIG,       /* config: virtual IPs, DNS, subnets */
	ROVE_EV_CHILD_UP,     /* child: install it in the datapath */
	ROVE_EV_CHILD_DOWN,   /* child: remove it from the datapath */
	ROVE_EV_CHILD_OUTBOUND, /* child (installed inbound_only): send through it now */
	ROVE_EV_FAILED,       /* reason + msg; session is CLOSED */
	ROVE_EV_CLOSED,       /* orderly close finished */
	/* The gateway sent us elsewhere (RFC 5685) during IKE_SA_INIT, in the
	 * last IKE_AUTH response (after it authenticated) or in an
	 * INFORMATIONAL request (answered): redirect
	 * holds the new gateway, msg "redirected by X to Y". The session is
	 * CLOSED afterwards (a CHILD_DOWN follows if a child was up) but its
	 * timer is due at once: that call sends the DELETE of the IKE SA we
	 * leave, so the driver can still use the tunnel while it handles the
	 * event (e.g. resolve the new gateway's name). The
	 * driver starts a new session there with redirected_from set, the
	 * same profile (identity, CA) and its own loop protection
	 * (redirect.h). */
	ROVE_EV_REDIRECT,
	ROVE_EV_PATH_UPDATED, /* child: the gateway accepted a new path (MOBIKE);
			       * update the SA's outer addresses in place */
};

struct rove_event {
	enum rove_event_type type;
	enum rove_fail reason;
	char msg[512];
	const struct rove_child_sa *child;     /* CHILD_UP/DOWN/OUTBOUND */
	/* CHILD_UP of an SA the gateway rekeyed: install its inbound half
	 * only, and keep sending through the SA it replaces until
	 * CHILD_OUTBOUND (the gateway has it then: it deleted the old one). */
	bool inbound_only;
	const struct rove_config_info *config; /* CONFIG */
	const struct rove_redirect *redirect;  /* REDIRECT */
};

/* A datagram to send from the socket bound to `local` (the IKE or the
 * NAT-T socket of the config). Data excludes the non-ESP marker: the caller
 * prepends four zero bytes when non_esp_marker is set (IKE on the NAT-T
 * port); NAT keepalives (a single 0xff byte) come without it. */
struct rove_datagram {
	const uint8_t *data;
	size_t len;
	struct rove_addr local, remote;
	bool non_esp_marker;
};

/* Everything `rove status` shows about the session. */
struct rove_session_info {
	enum rove_state state;
	struct rove_addr local, remote; /* current IKE path */
	bool nat_detected;              /* NAT seen (or forced) */
	bool nat_local, nat_remote;     /* which side is behind NAT */
	uint8_t spi_i[8], spi_r[8];
	char ike_proposal[96];          /* "aes256gcm16-prfsha384-x25519" */
	uint64_t established_ms;        /* caller's clock when IKE came up */
	char server_id[256];            /* identity the server proved */
	char revocation[400];           /* rove_peer_cert_revocation, "" = no certificate */
	struct rove_config_info config;
	size_t nchildren;
	const struct rove_child_sa *children[4];
	enum rove_fail last_failure;
	unsigned round_trips;           /* request/response exchanges so far */
	uint64_t last_received_ms;      /* caller's clock, last authenticated message; 0 = none */
	bool dpd_outstanding;           /* a liveness check awaits its answer */
	uint64_t auth_lifetime_s;       /* the gateway's AUTH_LIFETIME (RFC 4478), 0 = none */
	char tls_version[16];           /* EAP-TLS: "TLSv1.2", else "" */
	char tls_cipher[64];            /* EAP-TLS: OpenSSL's cipher suite name, else "" */
	/* Rekeying, in the caller's clock (ms); *_rekey_ms 0: none planned. */
	uint64_t ike_up_ms, child_up_ms;    /* the current SAs came up */
	uint64_t ike_rekey_ms, child_rekey_ms; /* when we will rekey them */
	uint64_t last_rekey_ms;             /* the last completed rekey, 0: none */
	unsigned ike_rekeys, child_rekeys;  /* completed so far, either side */
	/* MOBIKE (RFC 4555) */
	bool mobike;                    /* both sides announced it */
	bool parked;                    /* no usable local address */
	unsigned moves;                 /* paths the gateway accepted after the first */
	size_t npeer_addrs;             /* the gateway's additional addresses */
	struct rove_addr peer_addrs[4];
};

struct rove_session *rove_session_new(const struct rove_session_config *cfg, struct rove_err *err);
void rove_session_free(struct rove_session *s);

int rove_session_start(struct rove_session *s, uint64_t now_ms);
/* Sends an INFORMATIONAL DELETE; ROVE_EV_CLOSED follows on the answer or
 * after a short timeout. */
int rove_session_close(struct rove_session *s, uint64_t now_ms);
/* One IKE message as received (non-ESP marker already stripped by the
 * caller); local/remote are the addresses it came in on. Malformed input is
 * dropped (and logged as ROVE_EV_LOG) rather than failing the session,
 * unless it proves the session cannot continue. */
void rove_session_recv(struct rove_session *s, const uint8_t *pkt, size_t len,
		       const struct rove_addr *local, const struct rove_addr *remote,
		       uint64_t now_ms);
bool rove_session_pop_datagram(struct rove_session *s, struct rove_datagram *out);
/* The next deadline in the caller's clock, UINT64_MAX for none. */
uint64_t rove_session_next_timer(const struct rove_session *s);
void rove_session_handle_timer(struct rove_session *s, uint64_t now_ms);
bool rove_session_poll_event(struct rove_session *s, struct rove_event *ev);
void rove_session_get_info(const struct rove_session *s, struct rove_session_info *info);
/* The session's own copy of its configuration (secrets included), valid
 * until rove_session_free: a driver that reconnects or reauthenticates
 * builds the next session from it, so the secrets need not live anywhere
 * else. Owned by the session. */
const struct rove_session_config *rove_session_config(const struct rove_session *s);
enum rove_state rove_session_state(const struct rove_session *s);

/* The driver saw the path to the gateway change (mobike.c). `local` is the
 * address the kernel now picks towards the gateway (port ignored), NULL
 * when there is none: the session is parked, sends nothing and lets no
 * timer run out until an address appears. With MOBIKE the engine sends
 * UPDATE_SA_ADDRESSES (NAT detection, COOKIE2) from the new address, and
 * ROVE_EV_PATH_UPDATED follows the gateway's answer. An address of the
 * other family moves to one of the gateway's additional addresses of that
 * family. The session's configuration (rove_session_config) follows, so a
 * later session for a reconnect starts from the new path. A session still
 * connecting just sends from the new address. Returns 0 when the move is
 * handled (or nothing changed); -1 when it cannot be: the gateway has no
 * MOBIKE (the session fails with ROVE_FAIL_PATH_CHANGED, so the driver
 * reconnects) or no address of that family. */
int rove_session_path_changed(struct rove_session *s, const struct rove_addr *local,
			      uint64_t now_ms);
/* A liveness check now (after a suspend, a parked spell): an empty
 * INFORMATIONAL, or UPDATE_SA_ADDRESSES when a move is pending. */
void rove_session_check_path(struct rove_session *s, uint64_t now_ms);

#endif
