/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Picks the method, and undoes whatever an earlier run of the same
 * session left behind before applying anything new. */
#include "dns.h"
#include "i18n.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum method { M_RESOLVED, M_RESOLVCONF };

struct rove_dns {
	enum method method;
	char session[64];
	char run_dir[PATH_MAX];
	char record[PATH_MAX];
};

static bool session_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
			return false;
	return true;
}

/* -1 beats 1 beats 0: a failure matters more than a note. */
static int worst(int a, int b)
{
	if (a < 0 || b < 0)
		return -1;
	return a > b ? a : b;
}

int rove_dns_restore_stale(const char *session, const char *run_dir, struct rove_err *err)
{
	struct rove_err e1, e2;
	int a, b;

	rove_err_clear(&e1);
	rove_err_clear(&e2);
	if (!session_ok(session))
		return rove_err_set(err, ROVE_E_INVAL, _("\"%s\" is not a valid session name"), session);
	a = rove_resolvconf_restore(session, run_dir, &e1);
	b = rove_resolved_restore(session, run_dir, &e2);
	if (err)
		*err = a < 0 || (a > 0 && b >= 0) ? e1 : e2;
	return worst(a, b);
}

struct rove_dns *rove_dns_apply(const char *session, int ifindex,
				const struct rove_config_info *cfg, bool full_tunnel,
				const char *run_dir, struct rove_err *err)
{
	struct rove_dns *d;
	const char *path = rove_resolvconf_path();
	int r;

	rove_err_clear(err);
	if (!cfg || cfg->ndns == 0)
		return NULL;
	if (!session_ok(session) || strlen(run_dir) >= sizeof(d->run_dir)) {
		rove_err_set(err, ROVE_E_INVAL, _("DNS: bad session name or run directory"));
		return NULL;
	}
	/* A crashed run of this session must not have its servers taken for
	 * the original configuration. */
	if (rove_dns_restore_stale(session, run_dir, err) < 0)
		return NULL;
	rove_err_clear(err);
	d = calloc(1, sizeof(*d));
	if (!d) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	snprintf(d->session, sizeof(d->session), "%s", session);
	snprintf(d->run_dir, sizeof(d->run_dir), "%s", run_dir);
	if (rove_resolved_in_use(path)) {
		d->method = M_RESOLVED;
		r = rove_resolved_apply(session, ifindex, cfg, full_tunnel, run_dir, d->record, err);
	} else {
		d->method = M_RESOLVCONF;
		r = rove_resolvconf_apply(session, cfg, full_tunnel, path, run_dir, d->record, err);
	}
	if (r < 0) {
		rove_err_prefix(err, _("setting DNS"));
		free(d);
		return NULL;
	}
	return d;
}

int rove_dns_restore(struct rove_dns *d, struct rove_err *err)
{
	int r;

	rove_err_clear(err);
	if (!d)
		return 0;
	if (d->method == M_RESOLVED)
		r = rove_resolved_restore(d->session, d->run_dir, err);
	else
		r = rove_resolvconf_restore(d->session, d->run_dir, err);
	free(d);
	return r;
}

const char *rove_dns_method(const struct rove_dns *d)
{
	if (!d)
		return "none";
	return d->method == M_RESOLVED ? "resolved" : "resolv.conf";
}

const char *rove_dns_record_path(const struct rove_dns *d)
{
	return d ? d->record : "";
}

static bool ts_whole(const struct rove_ts *ts)
{
	static const uint8_t zero[16], ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	size_t n = rove_ts_is_v6(ts) ? 16 : 4;

	return memcmp(ts->start, zero, n) == 0 && memcmp(ts->end, ones, n) == 0;
}

bool rove_dns_full_tunnel(const struct rove_ts *ts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ts_whole(&ts[i]))
			return true;
	return false;
}
