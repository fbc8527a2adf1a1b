/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS through systemd-resolved's D-Bus API, on the tunnel's link.
 *
 * A private connection to the system bus for each call sequence, closed
 * after it: the shared one would keep a thread's worth of state for the
 * session's lifetime and, by default, end the process if the bus went
 * away. Calls never auto-start resolved.
 *
 * The record run_dir/NAME.resolved names the link (index and name, so a
 * reused index is not mistaken for ours) and what the link had before, for
 * the kernel datapath where the link is the outer interface whose DNS
 * NetworkManager set:
 *
 *   session=vpn
 *   ifindex=3
 *   ifname=eth0
 *   prior_dns=192.168.1.1          (repeats)
 *   prior_domain=lan 0             (repeats; 1 = routing-only)
 *   prior_default_route=1
 */
#include "dns.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#define RESOLVE_BUS "org.freedesktop.resolve1"
#define RESOLVE_PATH "/org/freedesktop/resolve1"
#define RESOLVE_MGR "org.freedesktop.resolve1.Manager"
#define RESOLVE_LINK "org.freedesktop.resolve1.Link"
#define CALL_TIMEOUT_MS 5000
#define PRIOR_MAX 8

/* ---- detection ---- */

/* The file resolvers read is resolved's: a link to one of its files, or
 * a copy or bind mount of its stub (127.0.0.53). */
static bool points_at_resolved(const char *path)
{
	char target[PATH_MAX], buf[4096];
	ssize_t n;
	int fd;

	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (strstr(target, "/run/systemd/resolve/") || strstr(target, "/lib/systemd/resolv.conf"))
			return true;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *line = buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, "nameserver 127.0.0.53", 21) == 0 &&
		    (line[21] == '\n' || line[21] == ' ' || line[21] == '\t' || !line[21]))
			return true;
	return false;
}

static GDBusConnection *bus_open(struct rove_err *err)
{
	GError *ge = NULL;
	GDBusConnection *c;
	char *addr = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, &ge);

	if (!addr) {
		rove_err_set(err, ROVE_E_IO, _("system bus: %s"), ge->message);
		g_error_free(ge);
		return NULL;
	}
	c = g_dbus_connection_new_for_address_sync(addr,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &ge);
	g_free(addr);
	if (!c) {
		rove_err_set(err, ROVE_E_IO, _("system bus: %s"), ge->message);
		g_error_free(ge);
		return NULL;
	}
	g_dbus_connection_set_exit_on_close(c, FALSE);
	return c;
}

static void bus_close(GDBusConnection *c)
{
	if (!c)
		return;
	g_dbus_connection_close_sync(c, NULL, NULL);
	g_object_unref(c);
}

static bool resolved_has_owner(GDBusConnection *c)
{
	GVariant *r;
	gboolean has = FALSE;

	r = g_dbus_connection_call_sync(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					"org.freedesktop.DBus", "NameHasOwner",
					g_variant_new("(s)", RESOLVE_BUS), G_VARIANT_TYPE("(b)"),
					G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, NULL);
	if (r) {
		g_variant_get(r, "(b)", &has);
		g_variant_unref(r);
	}
	return has;
}

bool rove_resolved_in_use(const char *resolv_conf)
{
	GDBusConnection *c;
	bool yes;

	if (!points_at_resolved(resolv_conf))
		return false;
	c = bus_open(NULL);
	if (!c)
		return false;
	yes = resolved_has_owner(c);
	bus_close(c);
	return yes;
}

/* ---- calls ---- */

/* Calls a Manager method; args is consumed. */
static int mgr_call(GDBusConnection *c, const char *method, GVariant *args, GVariant **reply,
		    struct rove_err *err)
{
	GError *ge = NULL;
	GVariant *r;

	r = g_dbus_connection_call_sync(c, RESOLVE_BUS, RESOLVE_PATH, RESOLVE_MGR, method, args,
					NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS,
					NULL, &ge);
	if (!r) {
		rove_err_set(err, ROVE_E_IO, _("systemd-resolved %s: %s"), method, ge->message);
		g_error_free(ge);
		return -1;
	}
	if (reply)
		*reply = r;
	else
		g_variant_unref(r);
	return 0;
}

static GVariant *dns_variant(int ifindex, const struct rove_addr *a, size_t n)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(iay)"));
	for (size_t i = 0; i < n; i++) {
		if (a[i].family != AF_INET && a[i].family != AF_INET6)
			continue;
		g_variant_builder_add(&b, "(i@ay)", a[i].family,
				      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, a[i].addr,
								rove_addr_len(&a[i]), 1));
	}
	return g_variant_new("(ia(iay))", ifindex, &b);
}

struct domain {
	char name[254];
	bool routing_only;
};

static GVariant *domains_variant(int ifindex, const struct domain *d, size_t n)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(sb)"));
	for (size_t i = 0; i < n; i++)
		g_variant_builder_add(&b, "(sb)", d[i].name, (gboolean)d[i].routing_only);
	return g_variant_new("(ia(sb))", ifindex, &b);
}

/* Absent on resolved older than 240: then it decides by itself. */
static int set_default_route(GDBusConnection *c, int ifindex, bool on, struct rove_err *err)
{
	struct rove_err e;

	if (mgr_call(c, "SetLinkDefaultRoute", g_variant_new("(ib)", ifindex, (gboolean)on), NULL,
		     &e) == 0)
		return 0;
	if (strstr(e.msg, "UnknownMethod"))
		return 0;
	if (err)
		*err = e;
	return -1;
}

/* ---- what the link had before ---- */

struct prior {
	size_t ndns, ndomains;
	struct rove_addr dns[PRIOR_MAX];
	struct domain domains[PRIOR_MAX];
	bool default_route;
};

static GVariant *link_prop(GDBusConnection *c, const char *obj, const char *name)
{
	GVariant *r, *v = NULL;

	r = g_dbus_connection_call_sync(c, RESOLVE_BUS, obj, "org.freedesktop.DBus.Properties",
					"Get", g_variant_new("(ss)", RESOLVE_LINK, name),
					G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
					CALL_TIMEOUT_MS, NULL, NULL);
	if (r) {
		g_variant_get(r, "(v)", &v);
		g_variant_unref(r);
	}
	return v;
}

static void prior_dns(GVariant *v, struct prior *p)
{
	GVariantIter it;
	GVariant *bytes;
	gint32 fam;

	g_variant_iter_init(&it, v);
	while (p->ndns < PRIOR_MAX && g_variant_iter_next(&it, "(i@ay)", &fam, &bytes)) {
		gsize n;
		const uint8_t *a = g_variant_get_fixed_array(bytes, &n, 1);

		if ((fam == AF_INET && n == 4) || (fam == AF_INET6 && n == 16)) {
			memset(&p->dns[p->ndns], 0, sizeof(p->dns[0]));
			p->dns[p->ndns].family = fam;
			memcpy(p->dns[p->ndns++].addr, a, n);
		}
		g_variant_unref(bytes);
	}
}

static void prior_domains(GVariant *v, struct prior *p)
{
	GVariantIter it;
	const char *name;
	gboolean routing;

	g_variant_iter_init(&it, v);
	while (p->ndomains < PRIOR_MAX && g_variant_iter_next(&it, "(&sb)", &name, &routing)) {
		struct domain *d = &p->domains[p->ndomains];

		if (strlen(name) >= sizeof(d->name) || strchr(name, ' '))
			continue;
		snprintf(d->name, sizeof(d->name), "%s", name);
		d->routing_only = routing;
		p->ndomains++;
	}
}

/* Best effort: a link resolved does not know yet has nothing. */
static void read_prior(GDBusConnection *c, int ifindex, struct prior *p)
{
	GVariant *r = NULL, *v;
	const char *obj;

	memset(p, 0, sizeof(*p));
	if (mgr_call(c, "GetLink", g_variant_new("(i)", ifindex), &r, NULL) < 0)
		return;
	if (!g_variant_is_of_type(r, G_VARIANT_TYPE("(o)"))) {
		g_variant_unref(r);
		return;
	}
	g_variant_get(r, "(&o)", &obj);
	if ((v = link_prop(c, obj, "DNS"))) {
		if (g_variant_is_of_type(v, G_VARIANT_TYPE("a(iay)")))
			prior_dns(v, p);
		g_variant_unref(v);
	}
	if ((v = link_prop(c, obj, "Domains"))) {
		if (g_variant_is_of_type(v, G_VARIANT_TYPE("a(sb)")))
			prior_domains(v, p);
		g_variant_unref(v);
	}
	if ((v = link_prop(c, obj, "DefaultRoute"))) {
		if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN))
			p->default_route = g_variant_get_boolean(v);
		g_variant_unref(v);
	}
	g_variant_unref(r);
}

/* ---- the record ---- */

static int record_path(char *out, size_t size, const char *run_dir, const char *session,
		       struct rove_err *err)
{
	int n = snprintf(out, size, "%s/%s.resolved", run_dir, session);

	if (n < 0 || (size_t)n >= size)
		return rove_err_set(err, ROVE_E_INVAL, _("the DNS record path for %s is too long"),
				    session);
	return 0;
}

static int record_write(const char *path, const char *session, int ifindex, const char *ifname,
			const struct prior *p, struct rove_err *err)
{
	char tmp[PATH_MAX + 8], a[ROVE_ADDR_STRLEN];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), tmp, strerror(errno));
	}
	fprintf(f, "# rove: systemd-resolved settings of session %s; rove down %s reverts them\n",
		session, session);
	fprintf(f, "session=%s\nifindex=%d\nifname=%s\n", session, ifindex, ifname);
	for (size_t i = 0; i < p->ndns; i++)
		fprintf(f, "prior_dns=%s\n", rove_addr_str(&p->dns[i], a, sizeof(a)));
	for (size_t i = 0; i < p->ndomains; i++)
		fprintf(f, "prior_domain=%s %d\n", p->domains[i].name, p->domains[i].routing_only);
	fprintf(f, "prior_default_route=%d\n", p->default_route);
	if (ferror(f) | fclose(f) || rename(tmp, path) < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

struct record {
	char session[64], ifname[IF_NAMESIZE];
	int ifindex;
	struct prior prior;
};

static bool parse_prior_domain(const struct rove_kv *kv, struct prior *p)
{
	struct domain *d = &p->domains[p->ndomains];
	char v[260], *sp;

	if (p->ndomains == PRIOR_MAX || !rove_kv_val(kv, v, sizeof(v)))
		return false;
	sp = strrchr(v, ' ');
	if (!sp || (strcmp(sp, " 0") && strcmp(sp, " 1")) || (size_t)(sp - v) >= sizeof(d->name))
		return false;
	memcpy(d->name, v, (size_t)(sp - v));
	d->name[sp - v] = '\0';
	d->routing_only = sp[1] == '1';
	p->ndomains++;
	return true;
}

static bool parse_record_kv(const struct rove_kv *kv, struct record *rec)
{
	char v[64], *end;
	long n;

	if (rove_kv_is(kv, "session"))
		return rove_kv_val(kv, rec->session, sizeof(rec->session));
	if (rove_kv_is(kv, "ifname"))
		return rove_kv_val(kv, rec->ifname, sizeof(rec->ifname));
	if (rove_kv_is(kv, "prior_domain"))
		return parse_prior_domain(kv, &rec->prior);
	if (!rove_kv_val(kv, v, sizeof(v)))
		return !rove_kv_is(kv, "ifindex") && !rove_kv_is(kv, "prior_dns");
	if (rove_kv_is(kv, "ifindex")) {
		errno = 0;
		n = strtol(v, &end, 10);
		rec->ifindex = (int)n;
		return !errno && !*end && n > 0 && n <= INT_MAX;
	}
	if (rove_kv_is(kv, "prior_dns"))
		return rec->prior.ndns < PRIOR_MAX &&
		       rove_addr_parse(v, &rec->prior.dns[rec->prior.ndns++]);
	if (rove_kv_is(kv, "prior_default_route"))
		rec->prior.default_route = strcmp(v, "1") == 0;
	return true;
}

/* 1 with *rec filled, 0 when there is no record, -1 on error. */
static int record_load(const char *path, struct record *rec, struct rove_err *err)
{
	char buf[8192];
	struct rove_kv_rd r;
	struct rove_kv kv;
	ssize_t n;
	int k, fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	memset(rec, 0, sizeof(*rec));
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot read %s: %s"), path, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || (size_t)n == sizeof(buf))
		return rove_err_set(err, ROVE_E_IO, _("cannot read %s"), path);
	rove_kv_init(&r, buf, (size_t)n, path);
	while ((k = rove_kv_next(&r, &kv, err)) > 0)
		if (!parse_record_kv(&kv, rec))
			return rove_err_set(err, ROVE_E_PARSE, _("%s:%u: bad value"), path, r.line);
	if (k < 0)
		return -1;
	if (!rec->session[0] || !rec->ifindex || !rec->ifname[0])
		return rove_err_set(err, ROVE_E_PARSE, _("%s: incomplete record"), path);
	return 1;
}

/* ---- apply and revert ---- */

static size_t our_domains(const struct rove_config_info *cfg, bool full_tunnel,
			  struct domain *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->ndomains && i < ROVE_MAX_DOMAINS && n < max; i++) {
		const char *d = cfg->domains[i];

		if (strnlen(d, sizeof(cfg->domains[i])) == sizeof(cfg->domains[i]) || !*d)
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", d);
		out[n++].routing_only = false; /* search and routing domain */
	}
	/* "~.": every name is routed here, as NetworkManager does for a VPN
	 * that takes the default route. */
	if (full_tunnel && n < max) {
		snprintf(out[n].name, sizeof(out[n].name), ".");
		out[n++].routing_only = true;
	}
	return n;
}

static int set_link(GDBusConnection *c, int ifindex, const struct rove_addr *dns, size_t ndns,
		    const struct domain *dom, size_t ndom, bool default_route, struct rove_err *err)
{
	if (mgr_call(c, "SetLinkDNS", dns_variant(ifindex, dns, ndns), NULL, err) < 0 ||
	    mgr_call(c, "SetLinkDomains", domains_variant(ifindex, dom, ndom), NULL, err) < 0)
		return -1;
	return set_default_route(c, ifindex, default_route, err);
}

int rove_resolved_apply(const char *session, int ifindex, const struct rove_config_info *cfg,
			bool full_tunnel, const char *run_dir, char *record,
			struct rove_err *err)
{
	struct domain dom[ROVE_MAX_DOMAINS + 1];
	char ifname[IF_NAMESIZE];
	struct prior prior;
	struct rove_err e;
	GDBusConnection *c;
	size_t ndom;
	bool default_route;
	int r = -1;

	if (ifindex <= 0 || !if_indextoname((unsigned)ifindex, ifname))
		return rove_err_set(err, ROVE_E_INVAL, _("DNS: no link with index %d"), ifindex);
	if (record_path(record, PATH_MAX, run_dir, session, err) < 0 || !(c = bus_open(err)))
		return -1;
	ndom = our_domains(cfg, full_tunnel, dom, G_N_ELEMENTS(dom));
	/* A split tunnel with domains gets only their names; without any,
	 * the servers must be default ones or they would never be asked. */
	default_route = full_tunnel || cfg->ndomains == 0;
	read_prior(c, ifindex, &prior);
	if (record_write(record, session, ifindex, ifname, &prior, err) < 0)
		goto out;
	if (set_link(c, ifindex, cfg->dns, cfg->ndns < ROVE_MAX_DNS ? cfg->ndns : ROVE_MAX_DNS,
		     dom, ndom, default_route, err) < 0) {
		mgr_call(c, "RevertLink", g_variant_new("(i)", ifindex), NULL, &e);
		unlink(record);
		goto out;
	}
	r = 0;
out:
	bus_close(c);
	return r;
}

/* After RevertLink the link is back to what its manager gave resolved
 * through files (networkd); what was set over D-Bus (NetworkManager) has
 * to be set again. */
static int revert_link(GDBusConnection *c, const struct record *rec, struct rove_err *err)
{
	struct prior now;

	if (mgr_call(c, "RevertLink", g_variant_new("(i)", rec->ifindex), NULL, err) < 0)
		return -1;
	if (rec->prior.ndns == 0 && rec->prior.ndomains == 0)
		return 0;
	read_prior(c, rec->ifindex, &now);
	if (now.ndns || now.ndomains)
		return 0;
	return set_link(c, rec->ifindex, rec->prior.dns, rec->prior.ndns, rec->prior.domains,
			rec->prior.ndomains, rec->prior.default_route, err);
}

int rove_resolved_restore(const char *session, const char *run_dir, struct rove_err *err)
{
	char path[PATH_MAX], ifname[IF_NAMESIZE];
	struct record *rec = calloc(1, sizeof(*rec));
	GDBusConnection *c = NULL;
	int r;

	if (!rec)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (record_path(path, sizeof(path), run_dir, session, err) < 0) {
		free(rec);
		return -1;
	}
	r = record_load(path, rec, err);
	if (r <= 0)
		goto out;
	r = 0;
	/* A link that is gone (the TUN died with the session) took its DNS
	 * settings with it; an index now used by another link is not ours. */
	if (!if_indextoname((unsigned)rec->ifindex, ifname) || strcmp(ifname, rec->ifname) != 0)
		goto done;
	/* Not running: it saved the link's settings when it stopped and
	 * takes them up again when it starts, so keep the record for a
	 * later attempt. */
	c = bus_open(NULL);
	if (!c || !resolved_has_owner(c))
		goto out;
	if (revert_link(c, rec, err) < 0) {
		r = -1;
		goto out;
	}
done:
	unlink(path);
out:
	bus_close(c);
	free(rec);
	return r;
}
