/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS servers and search domains from mode-config, applied to the system
 * for the life of a session and undone afterwards, even after a crash.
 *
 * Two methods, picked at apply time:
 *
 * - "resolved": systemd-resolved is running (its bus name has an owner; it
 *   is never activated) and /etc/resolv.conf points at it (its stub
 *   127.0.0.53 or one of its files). The servers and domains are set on
 *   the tunnel's link over D-Bus (SetLinkDNS, SetLinkDomains,
 *   SetLinkDefaultRoute); a full tunnel adds the routing domain "~." so
 *   every query goes to the tunnel's servers. Undone with RevertLink, after
 *   which whatever the link had before (NetworkManager's DNS on an outer
 *   link, for the kernel datapath) is put back.
 *
 * - "resolv.conf": the file is saved to run_dir/NAME.resolv.conf.bak
 *   first, then rewritten in place (never replaced by rename: it may be a
 *   bind mount, as under `ip netns exec`) with our servers first. When it
 *   is a symlink to a resolved or resolvconf file while resolved is not
 *   running, the write goes through the symlink to its target. Restoring
 *   puts the saved bytes back only while the file still starts with our
 *   header line; if something else rewrote it meanwhile, that change is
 *   kept and the backup dropped.
 *
 * Either way a small record in run_dir (the backup, or NAME.resolved) lets
 * rove_dns_restore_stale() undo it after the session process died.
 * ROVE_RESOLV_CONF overrides the path "/etc/resolv.conf" (tests). */
#ifndef ROVE_DNS_H
#define ROVE_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "session.h"

struct rove_dns;

/* Applies cfg's DNS servers and domains for session NAME. ifindex is the
 * tunnel's link (the TUN for the userspace datapath, the outer link for
 * the kernel one); full_tunnel says whether the routes cover 0.0.0.0/0 or
 * ::/0 (rove_dns_full_tunnel). A backup left by an earlier crash of the
 * same session is restored first. Returns the handle to restore with, or
 * NULL: with *err cleared (err->code == ROVE_E_OK) when there was nothing
 * to do (no DNS servers), else with *err set and nothing changed. */
struct rove_dns *rove_dns_apply(const char *session, int ifindex,
				const struct rove_config_info *cfg, bool full_tunnel,
				const char *run_dir, struct rove_err *err);
/* Undoes rove_dns_apply and frees d (NULL is fine). Returns 0 when undone;
 * 1 when resolv.conf had been rewritten by someone else meanwhile, so it
 * was left as it is and the backup dropped (*err says so, for the log);
 * -1 on failure (*err set; the record stays for rove_dns_restore_stale). */
int rove_dns_restore(struct rove_dns *d, struct rove_err *err);
/* "resolved" or "resolv.conf", for `rove status`. */
const char *rove_dns_method(const struct rove_dns *d);
/* The file that lets a stale cleanup undo it (backup or record). */
const char *rove_dns_record_path(const struct rove_dns *d);

/* Crash recovery for a session whose process is gone: undoes what its
 * records in run_dir say. 0 when there was nothing to undo or it was
 * undone; 1 and -1 as for rove_dns_restore. */
int rove_dns_restore_stale(const char *session, const char *run_dir, struct rove_err *err);

/* Whether a set of remote traffic selectors makes a full tunnel. */
bool rove_dns_full_tunnel(const struct rove_ts *ts, size_t n);

/* ---- the resolv.conf method (dns_resolvconf.c), public for the tests ---- */

/* "/etc/resolv.conf" or $ROVE_RESOLV_CONF. */
const char *rove_resolvconf_path(void);
/* The new file: "# rove NAME: restore with rove down NAME", our servers,
 * then (split tunnel only) the original's up to three in all, a search
 * line with our domains then the original's, and the original's options
 * lines. */
int rove_resolvconf_render(const char *session, const struct rove_config_info *cfg,
			   bool full_tunnel, const void *orig, size_t orig_len,
			   struct rove_buf *out, struct rove_err *err);
/* Saves, then rewrites path (see above). Returns 0 and the backup's path
 * in bak (PATH_MAX bytes), or -1 with nothing changed. */
int rove_resolvconf_apply(const char *session, const struct rove_config_info *cfg,
			  bool full_tunnel, const char *path, const char *run_dir, char *bak,
			  struct rove_err *err);
/* Restores from run_dir/NAME.resolv.conf.bak: 0 when restored or when
 * there is no backup; 1 or -1 as for rove_dns_restore. */
int rove_resolvconf_restore(const char *session, const char *run_dir, struct rove_err *err);

/* ---- the resolved method (dns_resolved.c) ---- */

/* Whether resolved is running and resolv_conf points at it. */
bool rove_resolved_in_use(const char *resolv_conf);
/* Sets the link's DNS and records what to undo in run_dir/NAME.resolved
 * (its path in record, PATH_MAX bytes). */
int rove_resolved_apply(const char *session, int ifindex, const struct rove_config_info *cfg,
			bool full_tunnel, const char *run_dir, char *record,
			struct rove_err *err);
/* Undoes it from the record; 0 when done or when there is no record. */
int rove_resolved_restore(const char *session, const char *run_dir, struct rove_err *err);

#endif
