/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a session changed on the system, and undoing it after a crash.
 *
 * The session process records everything it installs in run_dir/NAME.state
 * (mode 600, replaced atomically on every change) as `key=value` lines:
 *
 *   session=vpn                 the session name (checked on load)
 *   pid=1234                    the session process
 *   datapath=kernel             "kernel", "userspace" or "none"
 *   reqid=0x726f0001            kernel: the reqid of its SAs and policies
 *   tun=rove-vpn                userspace: its TUN device
 *   vip=10.3.0.2/32 ifindex 3   a virtual IP and the link it is on (repeats)
 *   route=10.1.0.0/16 oif 3 src 10.3.0.2 table 220   (repeats; also "via A")
 *   dns=resolv.conf             "resolved" or "resolv.conf" (dns.h)
 *   dns_ifindex=3, dns_backup=/run/rove/vpn.resolv.conf.bak   informational
 *
 * Lines starting with '#' are comments; unknown keys are ignored so an
 * older rove can still clean up after a newer one. Each route is recorded
 * one by one because table 220 is shared: a stale cleanup removes only the
 * routes of the session that crashed, never those of a live one.
 *
 * When a later `rove up` or `rove down` finds the session's control socket
 * stale (its process is gone), rove_cleanup_stale() removes what the state
 * file lists, restores DNS (dns.h) and deletes the file. */
#ifndef ROVE_CLEANUP_H
#define ROVE_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "err.h"
#include "route.h"

/* ---- key=value lines (also read by dns.c for its backup headers) ---- */

struct rove_kv_rd {
	const char *p;
	size_t len, off;      /* off: where the next line starts */
	unsigned line;        /* number of the line last returned, from 1 */
	const char *file;     /* for messages: "file:line: ..." */
};

/* Borrowed views into the input; not NUL-terminated. */
struct rove_kv {
	const char *key, *val;
	size_t key_len, val_len;
};

void rove_kv_init(struct rove_kv_rd *r, const void *p, size_t len, const char *file);
/* The next key=value line: 1 with *kv set, 0 at the end of the input or at
 * an empty line (r->off is then just past it: dns.c stores raw bytes
 * after one), -1 with *err naming file:line for a malformed line. Keys are
 * [a-z0-9_]+, values hold no control characters, lines are at most 4096
 * bytes; comment lines ('#') are skipped. */
int rove_kv_next(struct rove_kv_rd *r, struct rove_kv *kv, struct rove_err *err);
bool rove_kv_is(const struct rove_kv *kv, const char *key);
/* Copies the value into out (NUL-terminated); false if it does not fit. */
bool rove_kv_val(const struct rove_kv *kv, char *out, size_t size);

/* ---- the state file, as the session process writes it ---- */

/* (Not "struct rove_state": that is the engine's enum in session.h.) */
struct rove_state_file;

/* Starts run_dir/NAME.state afresh with session= and pid= (the current
 * process). A file left by a crash must have been cleaned up before
 * (rove_cleanup_stale): it is replaced. Returns NULL with *err set. */
struct rove_state_file *rove_state_open(const char *name, const char *run_dir, struct rove_err *err);
/* The same, held (see below): nothing is written until the first flush, so
 * the session process writes its first complete state once. */
struct rove_state_file *rove_state_new(const char *name, const char *run_dir, struct rove_err *err);
/* Hold: the changes that follow stay in memory until rove_state_flush,
 * which writes them in one go (if any) and ends the hold. For steps that
 * come together and have nothing installed in between that a crash would
 * leave behind unrecorded. */
void rove_state_hold(struct rove_state_file *st);
int rove_state_flush(struct rove_state_file *st, struct rove_err *err);
/* Sets key (replacing an earlier value) and rewrites the file. */
int rove_state_set(struct rove_state_file *st, const char *key, const char *value,
		   struct rove_err *err);
/* Adds (or drops again, once removed in order) one route or virtual IP. */
int rove_state_add_route(struct rove_state_file *st, const struct rove_route *r, struct rove_err *err);
int rove_state_del_route(struct rove_state_file *st, const struct rove_route *r, struct rove_err *err);
int rove_state_add_vip(struct rove_state_file *st, int ifindex, const struct rove_prefix *vip,
		       struct rove_err *err);
int rove_state_del_vip(struct rove_state_file *st, int ifindex, const struct rove_prefix *vip,
		       struct rove_err *err);
/* Orderly exit, after the datapath and DNS were undone: deletes the file
 * and frees st. */
void rove_state_remove(struct rove_state_file *st);
/* Frees st and keeps the file (a forked child that is not the session). */
void rove_state_free(struct rove_state_file *st);

/* ---- the state file, as cleanup reads it ---- */

#define ROVE_STATE_MAX_VIPS 8
#define ROVE_STATE_MAX_ROUTES 64

struct rove_state_vip {
	int ifindex;
	struct rove_prefix addr;
};

struct rove_state_info {
	char session[64];
	pid_t pid;                    /* 0 when absent */
	char datapath[16];
	bool has_reqid;
	uint32_t reqid;               /* always in rove's range (xfrm.h) */
	char tun[16];                 /* "" or "rove-..." */
	char xfrmi[16];               /* the kernel datapath's XFRM interface, "" or "rove-..." */
	char dns[16];                 /* "", "resolved" or "resolv.conf" */
	size_t nvips, nroutes;
	struct rove_state_vip vips[ROVE_STATE_MAX_VIPS];
	struct rove_route routes[ROVE_STATE_MAX_ROUTES];
};

/* Parses a state file's bytes (never reads past len); errors name
 * file:line. */
int rove_state_parse(const void *buf, size_t len, const char *file,
		     struct rove_state_info *out, struct rove_err *err);
/* Reads run_dir/NAME.state: 1 with *out filled, 0 when there is none,
 * -1 on error (including a file that names another session). */
int rove_state_load(const char *name, const char *run_dir, struct rove_state_info *out,
		    struct rove_err *err);

/* One line's value for a route or a virtual IP, as stored in the file. */
int rove_state_route_str(const struct rove_route *r, char *out, size_t size);
int rove_state_parse_route(const char *s, size_t len, struct rove_route *out);

/* ---- crash cleanup ---- */

/* Undoes what NAME's state file lists, for a session whose process is gone
 * (the caller found its control socket stale): XFRM states and policies by
 * reqid, its routes and virtual IPs, the table-220 rule when no rove route
 * is left for that family, a leftover TUN device, then DNS
 * (rove_dns_restore_stale, also when there is no state file). Objects
 * already gone are fine. The state file is deleted only when everything
 * succeeded, so a failed cleanup can be retried. Refuses while the
 * recorded pid is still a running rove. Returns 0; 1 when done but *err
 * holds a note for the log (resolv.conf had been changed by someone else
 * and was left as it is); or -1 with *err naming the first step that
 * failed (the others were still tried). */
int rove_cleanup_stale(const char *name, const char *run_dir, struct rove_err *err);

/* RUN_DIR/NAME.stateSUFFIX into out (a caller's buffer); -1 with err for a
 * name that is not a session name or a path that does not fit. */
int rove_state_path(char *out, size_t size, const char *run_dir, const char *name,
		    const char *suffix, struct rove_err *err);

#endif
