/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The meaning of each profile key: validation of each value (defaults and
 * the checks across keys are in profile_defaults.c). */
#include "profile.h"
#include "i18n.h"

#include "buf.h"
#include "proposal.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NM_SERVICE "org.freedesktop.NetworkManager.rove"
#define MAX_ID_LEN 255

/* What a key handler gets: the value as a C string (no NUL inside). */
struct kctx {
	struct rove_profile *p;
	const char *key;
	const char *v;
	size_t len;
	unsigned line;
	struct rove_diags *diags;
};

__attribute__((format(printf, 2, 3)))
static int bad(const struct kctx *c, const char *fmt, ...)
{
	char msg[sizeof(((struct rove_diag *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rove_diags_add(c->diags, c->p->path, c->line, c->key, "%s", msg);
	return -1;
}

/* Quoted values are cut so the explanation after them survives. */
#define QV(c) (int)((c)->len > 200 ? 200 : (c)->len), (c)->v

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

static int set_str(const struct kctx *c, char **dst)
{
	char *s = strndup(c->v, c->len);

	if (!s)
		return bad(c, _("out of memory"));
	free(*dst);
	*dst = s;
	return 0;
}

/* ---- host names and identities ---- */

static bool all_digits_dots(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != '.')
			return false;
	return true;
}

/* RFC 1123 host names; '_' is tolerated since some internal names use it. */
static bool valid_hostname(const char *s, size_t n)
{
	size_t label = 0;

	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
		label++;
	}
	return true;
}

static int key_server(const struct kctx *c)
{
	struct rove_addr a;
	const char *colon = memchr(c->v, ':', c->len);

	if (rove_addr_parse(c->v, &a))
		return set_str(c, &c->p->server);
	if (c->v[0] == '[')
		return bad(c, _("\"%.*s\": write an IPv6 address without brackets and without a port"),
			   QV(c));
	if (memchr(c->v, '/', c->len))
		return bad(c, _("\"%.*s\" is not a host name or address: write just the host, "
			     "e.g. vpn.example.com"), QV(c));
	if (colon && !memchr(colon + 1, ':', c->len - (size_t)(colon + 1 - c->v)))
		return bad(c, _("\"%.*s\" has a port; rove always uses ports 500 and 4500, so write "
			     "just %.*s"), QV(c), (int)(colon - c->v), c->v);
	if (colon)
		return bad(c, _("\"%.*s\" is not a valid IPv6 address"), QV(c));
	if (all_digits_dots(c->v, c->len))
		return bad(c, _("\"%.*s\" is not a valid IPv4 address"), QV(c));
	if (!valid_hostname(c->v, c->len))
		return bad(c, _("\"%.*s\" is not a host name or IP address"), QV(c));
	return set_str(c, &c->p->server);
}

static int check_id(const struct kctx *c, const char *what)
{
	if (c->len > MAX_ID_LEN)
		return bad(c, _("too long for %s (at most %d bytes)"), what, MAX_ID_LEN);
	if (has_control(c->v, c->len))
		return bad(c, _("contains a control character"));
	return 0;
}

static int key_remote_id(const struct kctx *c)
{
	return check_id(c, _("an identity")) < 0 ? -1 : set_str(c, &c->p->remote_id);
}

static int key_local_id(const struct kctx *c)
{
	return check_id(c, _("an identity")) < 0 ? -1 : set_str(c, &c->p->local_id);
}

static int key_user(const struct kctx *c)
{
	return check_id(c, _("a user name")) < 0 ? -1 : set_str(c, &c->p->user);
}

/* ---- files ---- */

/* The directory part of the profile path, made absolute with the working
 * directory, so the daemon can open the CA file whatever its cwd. */
static int profile_dir(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	char cwd[PATH_MAX];
	int n;

	if (slash == path)
		return snprintf(out, len, "/") < (int)len ? 0 : -1;
	if (slash && path[0] == '/')
		n = snprintf(out, len, "%.*s", (int)(slash - path), path);
	else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -1;
		if (slash)
			n = snprintf(out, len, "%s/%.*s", strcmp(cwd, "/") ? cwd : "",
				     (int)(slash - path), path);
		else
			n = snprintf(out, len, "%s", cwd);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A URI such as pkcs11:object=x: a scheme of letters before the ':'. */
static bool is_uri(const char *v)
{
	const char *colon = strchr(v, ':');

	if (!colon || colon == v)
		return false;
	for (const char *p = v; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
			return false;
	return true;
}

static int key_path(const struct kctx *c, char **dst, const char *what);

/* cert= and key=: a file (made absolute like ca=) or a store URI. */
static int key_file_or_uri(const struct kctx *c, char **dst, const char *what)
{
	if (is_uri(c->v) && strncmp(c->v, "file:", 5) != 0)
		return check_id(c, _("a URI")) < 0 ? -1 : set_str(c, dst);
	return key_path(c, dst, what);
}

static int key_cert(const struct kctx *c)
{
	free(c->p->cert);
	c->p->cert = NULL;
	return key_file_or_uri(c, &c->p->cert, _("certificate"));
}

static int key_key(const struct kctx *c)
{
	free(c->p->key);
	c->p->key = NULL;
	return key_file_or_uri(c, &c->p->key, _("private key"));
}

/* A file path; relative ones are taken from the profile's directory. */
static int key_path(const struct kctx *c, char **dst, const char *what)
{
	char dir[4096], full[4096];
	const char *rel = c->v;
	int n;

	if (has_control(c->v, c->len))
		return bad(c, _("contains a control character"));
	if (c->v[c->len - 1] == '/')
		return bad(c, _("\"%.*s\" is a directory; name the %s file (PEM)"), QV(c), what);
	if (c->v[0] == '/')
		return c->len < sizeof(full) ? set_str(c, dst) : bad(c, _("path too long"));
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	if (profile_dir(c->p->path, dir, sizeof(dir)) < 0)
		return bad(c, _("cannot make \"%.*s\" absolute: the profile's directory is unknown"),
			   QV(c));
	n = snprintf(full, sizeof(full), "%s/%s", strcmp(dir, "/") ? dir : "", rel);
	if (n < 0 || (size_t)n >= sizeof(full))
		return bad(c, _("path too long"));
	struct kctx abs = *c;
	abs.v = full;
	abs.len = (size_t)n;
	return set_str(&abs, dst);
}

static int key_ca(const struct kctx *c)
{
	return key_path(c, &c->p->ca, _("CA certificate"));
}

static int key_crl(const struct kctx *c)
{
	return key_path(c, &c->p->crl, _("CRL"));
}

static int key_ocsp(const struct kctx *c)
{
	if (strcmp(c->v, "soft") == 0)
		c->p->ocsp = ROVE_OCSP_PREF_SOFT;
	else if (strcmp(c->v, "require") == 0)
		c->p->ocsp = ROVE_OCSP_PREF_REQUIRE;
	else if (strcmp(c->v, "no") == 0)
		c->p->ocsp = ROVE_OCSP_PREF_NO;
	else
		return bad(c, _("\"%.*s\" is not an OCSP mode (expected soft, require or no)"), QV(c));
	return 0;
}

/* ---- enumerations, numbers, booleans ---- */

static int key_auth(const struct kctx *c)
{
	if (strcmp(c->v, "eap-mschapv2") == 0)
		c->p->auth = ROVE_PROFILE_AUTH_EAP_MSCHAPV2;
	else if (strcmp(c->v, "psk") == 0)
		c->p->auth = ROVE_PROFILE_AUTH_PSK;
	else if (strcmp(c->v, "pubkey") == 0)
		c->p->auth = ROVE_PROFILE_AUTH_PUBKEY;
	else if (strcmp(c->v, "eap-tls") == 0)
		c->p->auth = ROVE_PROFILE_AUTH_EAP_TLS;
	else
		return bad(c, _("\"%.*s\" is not an authentication method (expected eap-mschapv2, "
			     "eap-tls, pubkey or psk)"), QV(c));
	return 0;
}

static int key_datapath(const struct kctx *c)
{
	if (strcmp(c->v, "auto") == 0)
		c->p->datapath = ROVE_DP_AUTO;
	else if (strcmp(c->v, "kernel") == 0)
		c->p->datapath = ROVE_DP_KERNEL;
	else if (strcmp(c->v, "userspace") == 0)
		c->p->datapath = ROVE_DP_USERSPACE;
	else
		return bad(c, _("\"%.*s\" is not a datapath (expected auto, kernel or userspace)"),
			   QV(c));
	return 0;
}

/* NetworkManager writes yes/no, GLib true/false; 1/0 come from scripts. */
static int get_bool(const struct kctx *c, bool *out)
{
	static const char *const yes[] = { "yes", "true", "1" }, *const no[] = { "no", "false", "0" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(c->v, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(c->v, no[i]) == 0)
			return *out = false, 0;
	}
	return bad(c, _("\"%.*s\" is not yes or no"), QV(c));
}

static int key_encap(const struct kctx *c)
{
	return get_bool(c, &c->p->encap);
}

static int key_mobike(const struct kctx *c)
{
	return get_bool(c, &c->p->mobike);
}

static int key_leak_block(const struct kctx *c)
{
	return get_bool(c, &c->p->leak_block);
}

/* Decimal digits only (no sign, no spaces); false on overflow past max. */
static bool get_uint(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static int key_dpd(const struct kctx *c)
{
	size_t n = c->len;
	unsigned long v;

	if (n > 1 && c->v[n - 1] == 's')
		n--;
	if (!get_uint(c->v, n, ROVE_PROFILE_DPD_MAX, &v))
		return bad(c, _("\"%.*s\" is not a number of seconds from 0 to %d (e.g. 30 or 30s; "
			     "0 turns dead peer detection off)"), QV(c), ROVE_PROFILE_DPD_MAX);
	c->p->dpd = (unsigned)v;
	return 0;
}

static int key_dpd_timeout(const struct kctx *c)
{
	size_t n = c->len;
	unsigned long v;

	if (n > 1 && c->v[n - 1] == 's')
		n--;
	if (!get_uint(c->v, n, ROVE_PROFILE_DPD_TIMEOUT_MAX, &v) || v == 0)
		return bad(c, _("\"%.*s\" is not a number of seconds from 1 to %d (e.g. 15 or 15s)"),
			   QV(c), ROVE_PROFILE_DPD_TIMEOUT_MAX);
	c->p->dpd_timeout = (unsigned)v;
	return 0;
}

static int key_reconnect(const struct kctx *c)
{
	return get_bool(c, &c->p->reconnect);
}

/* Seconds, or strongSwan's durations: 90, 90s, 30m, 8h, 1d; 0 or no = off. */
static int key_reauth(const struct kctx *c)
{
	static const struct { char suffix; unsigned long mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned long v, mult = 1;
	size_t n = c->len;

	if (strcasecmp(c->v, "no") == 0 || strcmp(c->v, "0") == 0) {
		c->p->reauth = 0;
		return 0;
	}
	for (size_t i = 0; n > 1 && i < sizeof(units) / sizeof(units[0]); i++)
		if (c->v[n - 1] == units[i].suffix) {
			mult = units[i].mult;
			n--;
			break;
		}
	if (!get_uint(c->v, n, ROVE_PROFILE_REAUTH_MAX, &v) || v * mult > ROVE_PROFILE_REAUTH_MAX ||
	    v * mult < ROVE_PROFILE_REAUTH_MIN)
		return bad(c, _("\"%.*s\" is not a time from %us to 30d (e.g. 3600, 90m, 8h or 1d; "
			     "0 or no turns reauthentication off)"), QV(c), ROVE_PROFILE_REAUTH_MIN);
	c->p->reauth = (unsigned)(v * mult);
	return 0;
}

/* A time as strongSwan writes rekey_time: seconds, or with s, m, h or d. */
static int get_duration(const struct kctx *c, unsigned *out)
{
	static const struct {
		char suffix;
		unsigned long mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	unsigned long v, mult = 1;
	size_t n = c->len;

	for (size_t i = 0; n > 1 && i < sizeof(units) / sizeof(units[0]); i++)
		if (c->v[n - 1] == units[i].suffix) {
			mult = units[i].mult;
			n--;
			break;
		}
	if (!get_uint(c->v, n, ROVE_PROFILE_REKEY_MAX, &v) || v * mult > ROVE_PROFILE_REKEY_MAX)
		return bad(c, _("\"%.*s\" is not a time up to 30 days (seconds, or with s, m, h or d "
			     "as in 4h or 90m; 0 leaves rekeying to the gateway)"), QV(c));
	*out = (unsigned)(v * mult);
	return 0;
}

static int key_ike_rekey(const struct kctx *c)
{
	return get_duration(c, &c->p->ike_rekey);
}

static int key_child_rekey(const struct kctx *c)
{
	return get_duration(c, &c->p->child_rekey);
}

static int get_flags(const struct kctx *c, unsigned *out)
{
	unsigned long v;

	if (!get_uint(c->v, c->len, 7, &v))
		return bad(c, _("\"%.*s\" is not a NetworkManager secret flags value (0 to 7)"), QV(c));
	*out = (unsigned)v;
	return 0;
}

static int key_password_flags(const struct kctx *c)
{
	return get_flags(c, &c->p->password_flags);
}

static int key_psk_flags(const struct kctx *c)
{
	return get_flags(c, &c->p->psk_flags);
}

static int key_service_type(const struct kctx *c)
{
	if (strcmp(c->v, NM_SERVICE) != 0)
		return bad(c, _("this connection is for \"%.*s\", not rove (%s)"), QV(c), NM_SERVICE);
	return 0;
}

/* NetworkManager's own vpn properties (user-name, persistent, timeout) can
 * sit in [vpn] of its keyfiles; they mean nothing to rove. */
static int key_ignored(const struct kctx *c)
{
	return 0;
}

/* ---- routes and proposals ---- */

static int add_route(const struct kctx *c, const char *s, size_t n)
{
	struct rove_profile *p = c->p;
	char tmp[128], want[128];
	struct rove_prefix pf;
	struct rove_addr a;
	char *slash;
	bool ok = n < sizeof(tmp);

	if (ok) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		ok = rove_prefix_parse(tmp, &pf);
	}
	if (!ok)
		return bad(c, _("\"%.*s\" is not an address prefix (expected e.g. %s)"),
			   (int)(n > 100 ? 100 : n), s, memchr(s, ':', n) ? "2001:db8::/32" :
			   "10.1.0.0/16");
	slash = strchr(tmp, '/');
	if (slash) {
		*slash = '\0';
		if (rove_addr_parse(tmp, &a) && !rove_addr_eq(&a, &pf.addr))
			return bad(c, _("\"%.*s\" has host bits set; did you mean %s?"), (int)n, s,
				   rove_prefix_str(&pf, want, sizeof(want)));
	}
	for (size_t i = 0; i < p->nroutes; i++)
		if (p->routes[i].len == pf.len && rove_addr_eq(&p->routes[i].addr, &pf.addr))
			return 0;
	if (p->nroutes >= ROVE_PROFILE_MAX_ROUTES)
		return bad(c, _("more than %d routes"), ROVE_PROFILE_MAX_ROUTES);
	p->routes[p->nroutes++] = pf;
	return 0;
}

/* Comma- or space-separated; every bad prefix is reported. The value is
 * NUL-terminated (see rove_profile_set), so strcspn stops at its end. */
static int key_routes(const struct kctx *c)
{
	const char *s = c->v, *end = c->v + c->len;
	int rc = 0;

	c->p->nroutes = 0;
	while (s < end) {
		size_t n = strcspn(s, ", ");

		if (n && add_route(c, s, n) < 0)
			rc = -1;
		s += n;
		s += s < end;
	}
	if (rc == 0 && c->p->nroutes == 0)
		return bad(c, _("no prefix (remove the line for the default 0.0.0.0/0, ::/0)"));
	return rc;
}

static int key_proposals(const struct kctx *c, bool esp, char **dst)
{
	struct rove_proposals ps;
	struct rove_err err;

	if (rove_proposals_parse(c->v, esp, &ps, &err) < 0)
		return bad(c, "%s", err.msg);
	return set_str(c, dst);
}

static int key_ike(const struct kctx *c)
{
	return key_proposals(c, false, &c->p->ike);
}

static int key_esp(const struct kctx *c)
{
	return key_proposals(c, true, &c->p->esp);
}

/* ---- secrets ---- */

static int set_secret(const struct kctx *c, char **dst, size_t *dlen)
{
	char *s = malloc(c->len + 1);

	if (!s)
		return bad(c, _("out of memory"));
	memcpy(s, c->v, c->len);
	s[c->len] = '\0';
	if (*dst) {
		rove_wipe(*dst, *dlen);
		free(*dst);
	}
	*dst = s;
	*dlen = c->len;
	return 0;
}

static int key_password(const struct kctx *c)
{
	return set_secret(c, &c->p->password, &c->p->password_len);
}

static int key_psk(const struct kctx *c)
{
	return set_secret(c, &c->p->psk, &c->p->psk_len);
}

/* IKE fragmentation: the IP datagram size our fragments must fit. */
static int key_fragment_size(const struct kctx *c)
{
	unsigned long v;

	if (!get_uint(c->v, c->len, ROVE_PROFILE_FRAG_MAX, &v) || v < ROVE_PROFILE_FRAG_MIN)
		return bad(c, _("\"%.*s\" is not a size in bytes from %d to %d (the IP packet size "
			     "IKE fragments must fit, e.g. 1280)"), QV(c), ROVE_PROFILE_FRAG_MIN,
			   ROVE_PROFILE_FRAG_MAX);
	c->p->fragment_size = (unsigned)v;
	return 0;
}

static int key_key_password(const struct kctx *c)
{
	return set_secret(c, &c->p->key_password, &c->p->key_password_len);
}

static int key_key_password_flags(const struct kctx *c)
{
	return get_flags(c, &c->p->key_password_flags);
}

static int key_eap_tls_version(const struct kctx *c)
{
	if (strcmp(c->v, "1.2") == 0)
		c->p->eap_tls13 = false;
	else if (strcmp(c->v, "1.3") == 0)
		c->p->eap_tls13 = true;
	else
		return bad(c, _("\"%.*s\" is not a TLS version for EAP-TLS (expected 1.2 or 1.3)"),
			   QV(c));
	return 0;
}

static int key_send_remote_id(const struct kctx *c)
{
	return get_bool(c, &c->p->send_remote_id);
}

/* ---- the key table ---- */

struct key {
	const char *name;
	bool secret;
	int (*fn)(const struct kctx *c);
	bool free_text; /* secrets may hold control characters */
};

static const struct key keys[] = {
	{ "server", false, key_server, false },
	{ "remote-id", false, key_remote_id, false },
	{ "local-id", false, key_local_id, false },
	{ "user", false, key_user, false },
	{ "ca", false, key_ca, false },
	{ "crl", false, key_crl, false },
	{ "ocsp", false, key_ocsp, false },
	{ "auth", false, key_auth, false },
	{ "cert", false, key_cert, false },
	{ "key", false, key_key, false },
	{ "send-remote-id", false, key_send_remote_id, false },
	{ "eap-tls-version", false, key_eap_tls_version, false },
	{ "key-password-flags", false, key_key_password_flags, false },
	{ "routes", false, key_routes, false },
	{ "ike", false, key_ike, false },
	{ "esp", false, key_esp, false },
	{ "encap", false, key_encap, false },
	{ "datapath", false, key_datapath, false },
	{ "mobike", false, key_mobike, false },
	{ "leak-block", false, key_leak_block, false },
	{ "dpd", false, key_dpd, false },
	{ "ike-rekey", false, key_ike_rekey, false },
	{ "child-rekey", false, key_child_rekey, false },
	{ "dpd-timeout", false, key_dpd_timeout, false },
	{ "reconnect", false, key_reconnect, false },
	{ "reauth", false, key_reauth, false },
	{ "fragment-size", false, key_fragment_size, false },
	{ "password-flags", false, key_password_flags, false },
	{ "psk-flags", false, key_psk_flags, false },
	{ "service-type", false, key_service_type, false },
	{ "user-name", false, key_ignored, false },
	{ "persistent", false, key_ignored, false },
	{ "timeout", false, key_ignored, false },
	{ "password", true, key_password, true },
	{ "psk", true, key_psk, true },
	{ "key-password", true, key_key_password, true },
};

/* Levenshtein distance, capped: anything above 3 is "far". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65];

	if (la > 64 || lb > 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static int unknown_key(const struct kctx *c, bool secret)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t d;

		if (strcmp(keys[i].name, c->key) == 0)
			return bad(c, _("belongs in [%s], not in [%s]"),
				   keys[i].secret ? "vpn-secrets" : "vpn",
				   secret ? "vpn-secrets" : "vpn");
		d = distance(c->key, keys[i].name);
		if (keys[i].secret == secret && d < bestd) {
			best = keys[i].name;
			bestd = d;
		}
	}
	if (best)
		return bad(c, _("unknown key; did you mean '%s'?"), best);
	return bad(c, _("unknown key (see docs/profile.md for the keys of [%s])"),
		   secret ? "vpn-secrets" : "vpn");
}

int rove_profile_set(struct rove_profile *p, bool secret, const char *key, const char *value,
		     size_t value_len, unsigned line, struct rove_diags *diags)
{
	struct kctx c = { p, key, value, value_len, line, diags };
	const struct key *k = NULL;
	char *copy;
	int rc;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].secret == secret && strcmp(keys[i].name, key) == 0)
			k = &keys[i];
	if (!k)
		return unknown_key(&c, secret);
	if (memchr(value, '\0', value_len))
		return bad(&c, _("contains a NUL byte"));
	if (k->fn == key_ignored)
		return 0;
	if (value_len == 0)
		return bad(&c, _("has no value (remove the line to use the default)"));
	if (!k->free_text && has_control(value, value_len))
		return bad(&c, _("contains a control character"));
	/* Handlers get a C string; the copy may hold a secret. */
	copy = malloc(value_len + 1);
	if (!copy)
		return bad(&c, _("out of memory"));
	memcpy(copy, value, value_len);
	copy[value_len] = '\0';
	c.v = copy;
	rc = k->fn(&c);
	rove_wipe(copy, value_len);
	free(copy);
	return rc;
}
