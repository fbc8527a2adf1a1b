/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session runner: one IKEv2 session of a profile driven on the
 * caller's GLib main context, with its sockets, its datapath, the path
 * watch (MOBIKE, suspend), reconnects, reauthentication, redirects and the
 * crash-cleanup state file (run_dir/NAME.state, cleanup.h). Front ends:
 * `rove up` (client/: one runner in its own session process, control socket
 * and sd_notify around it) and nm-rove-service (nm-plugin/src/: one runner
 * per NetworkManager connection, several in one process).
 *
 * Who applies the negotiated configuration is the caller's choice
 * (rove_runner_options.apply_system): `rove` lets the runner put addresses,
 * routes, DNS and leak blocks in place; under NetworkManager the runner only
 * reports them (ipconfig callback) and NetworkManager applies them to the
 * tunnel device.
 *
 * Life cycle: rove_runner_new (everything that can be refused: addresses,
 * sockets, trust store, proposals, the engine session), rove_runner_start
 * on a context, callbacks while it runs, rove_runner_stop for an orderly
 * close; `finished` comes once, from an idle callback of the context, after
 * everything the session put on the system is gone. Then rove_runner_free.
 * All calls and callbacks happen on the thread that owns the context. */
#ifndef ROVE_RUNNER_H
#define ROVE_RUNNER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "err.h"
#include "profile.h"
#include "session.h"

struct rove_runner;
struct rove_cred;

enum rove_runner_state {
	ROVE_RUNNER_CONNECTING,   /* first session coming up */
	ROVE_RUNNER_CONNECTED,    /* tunnel up (ESP SA and virtual IP) */
	ROVE_RUNNER_RECONNECTING, /* the gateway went away; tunnel kept, next attempt planned */
	ROVE_RUNNER_PARKED,       /* no path to the gateway; waiting for one */
	ROVE_RUNNER_FAILED,       /* ended with a failure (see the sentence) */
	ROVE_RUNNER_DISCONNECTED, /* ended in order */
};

/* "connecting", "connected", ... as in docs/status-dbus.md. */
const char *rove_runner_state_name(enum rove_runner_state st);

/* The negotiated IP configuration, for a caller that applies it itself.
 * Valid during the callback only. */
struct rove_runner_ipconfig {
	const struct rove_config_info *config; /* virtual IPs, DNS, domains, INTERNAL_IP*_SUBNET */
	const struct rove_prefix *routes;      /* the narrowed remote selectors as */
	size_t nroutes;                        /* prefixes (0.0.0.0/0 for a full tunnel) */
	bool full_tunnel;                      /* the selectors cover 0/0 or ::/0 */
	const char *datapath;                  /* "userspace" or "kernel" */
	const char *device;                    /* the tunnel device (TUN), "" none */
	unsigned mtu;                          /* the device's MTU, 0 unknown */
	struct rove_addr gateway;              /* the gateway's outer address in use */
	struct rove_addr local;                /* our outer address */
};

struct rove_runner_callbacks {
	/* A line for the log: 'p' progress, 'v' verbose exchange log (only
	 * with options.verbose), 'f' the failure sentence. No secrets. */
	void (*say)(void *data, char kind, const char *msg);
	/* State changes. For FAILED, msg is rove's sentence and reason the
	 * engine's classification (ROVE_FAIL_INTERNAL for local errors);
	 * otherwise msg is "" and reason ROVE_FAIL_NONE. */
	void (*state)(void *data, enum rove_runner_state st, const char *msg,
		      enum rove_fail reason);
	/* Once when the tunnel comes up, and again when a reconnect brought
	 * other virtual IPs. */
	void (*ipconfig)(void *data, const struct rove_runner_ipconfig *ip);
	/* The runner stopped and cleaned up; exit_code 0 after an orderly
	 * close, 1 after a failure. The callee may free the runner. */
	void (*finished)(void *data, int exit_code);
};

struct rove_runner_options {
	const char *name;         /* session name: state file, TUN rove-NAME; copied */
	bool verbose;
	bool apply_system;        /* addresses, routes, DNS, leak blocks by the runner */
	/* The EAP password (auth=eap): the engine session takes a copy; the
	 * caller wipes its own. */
	const char *password;
	size_t password_len;
	/* auth=pubkey and eap-tls: our certificate and key, taken over. */
	struct rove_cred *cred;
};

/* Builds a runner for profile p (the caller keeps p alive until
 * rove_runner_free; its secrets may be wiped right after this returns:
 * the session holds its own copies). NULL with err on failure;
 * *config_error tells a problem of the profile (the trust store, a
 * proposal) from one of this machine or network (resolving the server, a
 * socket, the datapath). */
struct rove_runner *rove_runner_new(const struct rove_profile *p,
				    const struct rove_runner_options *o, bool *config_error,
				    struct rove_err *err);

/* Starts the session on ctx (sources attached there). 0, or -1 with err
 * when the CA file cannot be parsed (read by rove_runner_new, parsed
 * right after the first packet left), or the datapath or the state file
 * cannot be set up (nothing is left). */
int rove_runner_start(struct rove_runner *r, GMainContext *ctx,
		      const struct rove_runner_callbacks *cb, void *data, struct rove_err *err);

/* rove_runner_start in two halves, for a caller that forks between them
 * (`rove up` sends the first IKE_SA_INIT before it forks the session
 * process): begin sends it, then loads the trust store, and starts no
 * thread, so the process may fork after it, the child going on with continue and the parent
 * freeing its copy with rove_runner_free, which then touches nothing but
 * its own memory and descriptors. begin: 0, or -1 with err when the CA
 * file cannot be parsed (a problem of the profile, like rove_runner_new's
 * *config_error; free the runner). */
int rove_runner_begin(struct rove_runner *r, GMainContext *ctx,
		      const struct rove_runner_callbacks *cb, void *data, struct rove_err *err);
int rove_runner_continue(struct rove_runner *r, struct rove_err *err);

/* An orderly close (a DELETE to the gateway, bounded to 3 s); a second
 * stop while closing ends at once. `finished` follows. */
void rove_runner_stop(struct rove_runner *r);

/* Tears down whatever still runs (no callbacks) and frees. NULL is fine. */
void rove_runner_free(struct rove_runner *r);

const char *rove_runner_name(const struct rove_runner *r);
int rove_runner_exit_code(const struct rove_runner *r);

/* For the status of a running session (a snapshot). */
struct rove_runner_status {
	enum rove_runner_state state;
	const char *datapath, *device;          /* "" before start */
	struct rove_addr gateway, local;
	bool nat;
	char server_id[256];                    /* the verified IDr, "" until verified */
	uint64_t connected_since;               /* Unix seconds, 0 not connected */
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
	unsigned rekeys, moves, reauths;
	uint64_t next_rekey, next_attempt;      /* Unix seconds, 0 none */
};
void rove_runner_status(struct rove_runner *r, struct rove_runner_status *out);

/* The runner's internals for client/'s control socket and status
 * document (daemon.h); no other front end needs them. */
struct rove_daemon *rove_runner_daemon(struct rove_runner *r);

#endif
