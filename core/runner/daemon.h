/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runner's inside (runner.h is its interface): a GLib main context
 * driving one engine session, its IKE sockets and the datapath. client/'s
 * control socket and status document read it too. Lines for the log go to
 * the caller's `say` callback (runner.h). */
#ifndef ROVE_DAEMON_H
#define ROVE_DAEMON_H

#include <glib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "netwatch.h"
#include "datapath.h"
#include "profile.h"
#include "redirect.h"
#include "route.h"
#include "runner.h"
#include "session.h"
#include "udp.h"

struct rove_dns;
struct rove_state_file;

enum rove_daemon_watch {
	ROVE_W_IKE, ROVE_W_NATT, ROVE_W_CTL, ROVE_W_TERM, ROVE_W_INT, ROVE_W_HUP, ROVE_W_NET,
	ROVE_W_IKE_ALT, ROVE_W_NATT_ALT, ROVE_W_COUNT
};

struct rove_daemon {
	/* Set by the caller; borrowed. */
	const char *name;
	const char *server;           /* as written in the profile */
	struct rove_session *s;       /* owned from rove_daemon_start on */
	struct rove_udp *udp;
	bool verbose;
	bool apply_system;            /* addresses, routes, DNS by us (runner.h) */
	const struct rove_runner_callbacks *cb;
	void *cb_data;
	enum rove_datapath_pref dp_pref;
	bool dp_resolved;             /* dp_pref already probed (rove_runner_new): no second probe */
	bool leak_block;              /* block a full tunnel's unassigned family */
	struct rove_addr gateway;     /* the gateway's address (outer) */
	bool reconnect;               /* profile reconnect= */
	unsigned reauth_s;            /* profile reauth=, 0: off */
	bool mobike;                  /* follow the path to the gateway (profile) */

	/* Private to daemon*.c. */
	struct rove_datapath *dp;
	bool dpu;                     /* dp is the userspace datapath */
	bool dpu_rx;                  /* it reads the NAT-T socket (from the first SA) */
	struct rove_dns *dns;         /* what DNS we changed (dns.h), NULL: none */
	struct rove_state_file *state; /* run_dir/NAME.state (cleanup.h) */
	struct rove_config_info config; /* from ROVE_EV_CONFIG */
	bool full_tunnel;             /* a child's remote selectors cover 0/0 */
	bool blocked[2];              /* IPv4, IPv6 blocked (daemon_block.c) */
	GMainContext *ctx;            /* the caller's */
	GSource *timer, *close_timer;
	GSource *watch[ROVE_W_COUNT];
	int ctl_fd;
	uid_t euid;
	GList *conns;                 /* struct ctl_conn *: open control connections */
	bool got_child, got_config, have_vip, announced_up, closing, finished;
	/* Reconnecting (daemon_reconnect.c): the tunnel's routes, DNS and
	 * its last CHILD SA stay installed, so nothing goes out in clear,
	 * until a new session replaces the child. */
	bool reconnecting;
	unsigned attempts;            /* since the tunnel was last up */
	uint64_t next_attempt_ms;     /* rove_daemon_now() clock, 0: none planned */
	GSource *reconnect_timer;
	struct rove_child_sa kept;    /* keys wiped when it goes */
	bool have_kept;
	char down_reason[512];        /* why the last session ended */
	enum rove_fail down_fail;     /* and the engine's name for it */
	uint64_t down_since_ms;
	/* Reauthentication (daemon_reauth.c), make-before-break: the next
	 * IKE SA coming up, and the replaced one while it is deleted. */
	struct rove_session *s_next, *s_old;
	bool next_done, old_done;     /* finished: freed after the pump */
	GSource *reauth_timer;
	uint64_t next_reauth_ms;      /* rove_daemon_now() clock, 0: none planned */
	unsigned reauths;
	/* Redirects (daemon_redirect.c): the new gateway, its local address
	 * and the one that sent us there, until the new session starts. */
	struct rove_redirect_history redirect_history;
	unsigned redirects;           /* followed since the start */
	struct rove_addr redirect_to, redirect_local, redirect_from;
	bool redirect_pending;
	GSource *redirect_idle;
	struct rove_route pins[4];    /* redirected-to gateways kept outside the tunnel */
	size_t npins;
	int exit_code;
	/* What the caller was told (runner.h). */
	int last_state;               /* enum rove_runner_state, -1: nothing yet */
	enum rove_fail fail_reason;
	char fail_msg[640];
	GSource *finish_idle;
	uint64_t connected_since;     /* Unix seconds */
	pthread_t legacy;             /* loads the MSCHAPv2 legacy provider (daemon.c) */
	bool legacy_started;
	/* The path to the gateway (daemon_path.c). */
	struct rove_netwatch *nw;
	struct rove_nl *nw_rt;
	GSource *nw_timer, *clock_timer;
	struct rove_clockwatch clock;
	struct rove_addr path_src;    /* the local address the engine uses */
	struct rove_addr path_gw;     /* the gateway address it reaches */
	bool path_parked;
	struct rove_udp udp_alt;      /* IKE sockets of the other family (same ports) */
	bool have_alt;
	uint8_t rx[65536];
};

/* Starts the session on d->ctx; 0, or -1 with err (torn down again). */
int rove_daemon_start(struct rove_daemon *d, struct rove_err *err);
/* rove_daemon_start in two halves: begin sends the first IKE_SA_INIT (a
 * failure of the engine ends the session through the loop, as later
 * ones); continue sets up what the gateway's answer needs (the state
 * file, the datapath, the path watch), 0 or -1 with err (torn down
 * again). Between them the process may fork: begin starts no thread and
 * puts nothing on the system but the datagram. */
void rove_daemon_begin(struct rove_daemon *d);
int rove_daemon_continue(struct rove_daemon *d, struct rove_err *err);
/* Removes what the session put in place; no callbacks. */
void rove_daemon_teardown(struct rove_daemon *d);
/* A second stop while closing: end now. */
void rove_daemon_finish_now(struct rove_daemon *d);

/* Reports a line of kind 'p', 'v' or 'f' to the say callback. */
void rove_daemon_say(struct rove_daemon *d, char kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t rove_daemon_now(void);
/* Reports a failure ('f', exit code 1) and ends the loop. */
void rove_daemon_end(struct rove_daemon *d, const char *msg);
/* Starts an orderly close (SIGTERM, `rove down`): bounded to 3 s. */
void rove_daemon_close(struct rove_daemon *d);

/* Hands the caller the configuration (runner.h ipconfig callback). */
void rove_daemon_report_ipconfig(struct rove_daemon *d);

/* Sends what the engine queued, handles its events, re-arms the timer:
 * call after every engine call. */
void rove_daemon_pump(struct rove_daemon *d);

/* daemon_dp.c: picks and opens the datapath (d->dp_pref); with the
 * userspace datapath, IKE on the NAT-T port comes from the source that
 * rove_daemon_dp_ike_source returns (NULL otherwise). */
int rove_daemon_dp_open(struct rove_daemon *d, struct rove_err *err);
/* Resolves datapath=auto to kernel or userspace (or fails for a forced
 * kernel datapath the kernel cannot do). */
int rove_daemon_dp_choose(enum rove_datapath_pref pref, enum rove_datapath_pref *out,
			  struct rove_err *err);
GSource *rove_daemon_dp_ike_source(struct rove_daemon *d);
/* The userspace datapath takes the NAT-T socket over from the loop (with
 * the first SA); once, nothing for the kernel datapath. */
void rove_daemon_dp_natt_handover(struct rove_daemon *d);

/* daemon_block.c: once up, blocks in table 220 each family a full tunnel
 * got no virtual IP for (d->leak_block); remove takes the blocks away. */
void rove_daemon_block_apply(struct rove_daemon *d);
void rove_daemon_block_remove(struct rove_daemon *d);
uint16_t rove_daemon_reqid_index(const char *name);

/* daemon_reconnect.c */
/* Whether a failure of the current session is for reconnecting (the
 * gateway died, deleted us or timed out after the tunnel was up). */
bool rove_daemon_wants_reconnect(const struct rove_daemon *d, enum rove_fail reason);
/* The session failed with `msg`: keep the tunnel, plan the next attempt. */
void rove_daemon_reconnect_later(struct rove_daemon *d, const char *msg);
/* A session that follows the first one (reconnect, reauthentication,
 * redirect): no INITIAL_CONTACT (the gateway would drop our other SAs),
 * and the virtual IPs we hold asked for again. */
void rove_daemon_follow_on(const struct rove_daemon *d, struct rove_session_config *cfg);
/* CHILD_DOWN of a failed session while reconnecting: keep it installed. */
void rove_daemon_keep_child(struct rove_daemon *d, const struct rove_child_sa *sa);
/* A new CHILD SA: installs it over the kept one; 0 or -1 with err. */
int rove_daemon_install_child(struct rove_daemon *d, const struct rove_child_sa *sa,
			      struct rove_err *err);
/* The configuration of a reconnected session: applied only if the virtual
 * IPs changed (the routes and addresses stay otherwise). */
int rove_daemon_reconfigure(struct rove_daemon *d, const struct rove_config_info *c,
			    struct rove_err *err);
void rove_daemon_reconnected(struct rove_daemon *d);
void rove_daemon_reconnect_stop(struct rove_daemon *d);

/* daemon_reauth.c */
/* Plans the next reauthentication (reauth=, AUTH_LIFETIME) from now. */
void rove_daemon_reauth_schedule(struct rove_daemon *d);
/* Sends and handles what the other sessions queued; true if anything. */
bool rove_daemon_reauth_drain(struct rove_daemon *d);
void rove_daemon_reauth_reap(struct rove_daemon *d);
uint64_t rove_daemon_reauth_next_timer(const struct rove_daemon *d);
void rove_daemon_reauth_timer(struct rove_daemon *d, uint64_t now);
void rove_daemon_reauth_recv(struct rove_daemon *d, const uint8_t *pkt, size_t len,
			     const struct rove_addr *local, const struct rove_addr *remote,
			     uint64_t now);
void rove_daemon_reauth_abort(struct rove_daemon *d);
void rove_daemon_reauth_stop(struct rove_daemon *d);
/* daemon_path.c: MOBIKE and suspend. open: the rtnetlink watch and the
 * clock check (before the loop runs); up: the tunnel is up, start
 * following the path; updated: ROVE_EV_PATH_UPDATED; close: teardown. */
int rove_daemon_path_open(struct rove_daemon *d, struct rove_err *err);
void rove_daemon_path_up(struct rove_daemon *d);
void rove_daemon_path_updated(struct rove_daemon *d, const struct rove_child_sa *sa);
void rove_daemon_path_close(struct rove_daemon *d);
/* The other family's IKE sockets (d->udp_alt) when MOBIKE is on: before
 * the userspace datapath is created (it reads the NAT-T one), else from
 * rove_daemon_path_open. kernel: set them up for kernel ESP. */
void rove_daemon_path_open_alt(struct rove_daemon *d, bool kernel);
/* The IKE sockets for a datagram from `local` (d->udp, or the other
 * family's after a move to it). */
struct rove_udp *rove_daemon_udp_for(struct rove_daemon *d, const struct rove_addr *local);
/* Feeds the engine what socket `which` of udp holds. */
void rove_daemon_read(struct rove_daemon *d, struct rove_udp *udp, enum rove_udp_sock which);

/* daemon_redirect.c */
/* ROVE_EV_REDIRECT: checks for a loop, pins the new gateway outside the
 * tunnel and starts a session there from the loop (or ends the session). */
void rove_daemon_redirect(struct rove_daemon *d, const struct rove_event *ev);
void rove_daemon_redirect_unpin(struct rove_daemon *d);
void rove_daemon_redirect_stop(struct rove_daemon *d);

#endif
