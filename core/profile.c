/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keyfile syntax of profiles (a subset of GLib's GKeyFile, written by
 * hand so every problem can name its line), loading profile files, and
 * problem reports. What each key means is in profile_check.c. */
#include "profile.h"
#include "i18n.h"

#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINE 4096
#define MAX_SEEN 64

/* ---- problems ---- */

void rove_diags_add(struct rove_diags *d, const char *file, unsigned line, const char *key,
		    const char *fmt, ...)
{
	struct rove_diag *x;
	va_list ap;

	if (!d)
		return;
	if (d->n >= ROVE_MAX_DIAGS) {
		/* Keep the first problems; the last slot says there are more. */
		x = &d->d[ROVE_MAX_DIAGS - 1];
		snprintf(x->file, sizeof(x->file), "%s", file ? file : "");
		x->line = 0;
		x->key[0] = '\0';
		snprintf(x->msg, sizeof(x->msg), "%s", _("... more problems"));
		return;
	}
	x = &d->d[d->n++];
	snprintf(x->file, sizeof(x->file), "%s", file ? file : "");
	x->line = line;
	snprintf(x->key, sizeof(x->key), "%s", key ? key : "");
	va_start(ap, fmt);
	vsnprintf(x->msg, sizeof(x->msg), fmt, ap);
	va_end(ap);
}

void rove_diag_format(const struct rove_diag *d, char *buf, size_t len)
{
	char where[sizeof(d->file) + 16];

	if (!len)
		return;
	if (d->line)
		snprintf(where, sizeof(where), "%s:%u: ", d->file, d->line);
	else if (d->file[0])
		snprintf(where, sizeof(where), "%s: ", d->file);
	else
		where[0] = '\0';
	snprintf(buf, len, "%s%s%s%s", where, d->key, d->key[0] ? ": " : "", d->msg);
}

/* ---- the keyfile lexer ---- */

enum group { G_NONE, G_VPN, G_SECRETS, G_OTHER };

struct seen {
	bool secret;
	char key[64];
	unsigned line;
};

struct lexer {
	struct rove_profile *p;
	struct rove_diags *diags;
	enum group group;
	unsigned lineno;
	size_t nseen;
	struct seen seen[MAX_SEEN];
	bool failed;
};

__attribute__((format(printf, 3, 4)))
static void problem(struct lexer *lx, const char *key, const char *fmt, ...)
{
	char msg[sizeof(((struct rove_diag *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rove_diags_add(lx->diags, lx->p->path, lx->lineno, key, "%s", msg);
	lx->failed = true;
}

/* Strict UTF-8 (RFC 3629): no overlongs, surrogates or code points past
 * U+10FFFF. Returns the offset of the first bad byte, or n. */
static size_t utf8_check(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t more;
		unsigned cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3, cp = c & 0x07, min = 0x10000;
		else
			return i;
		if (n - i <= more)
			return i;
		for (size_t k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += more + 1;
	}
	return n;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s))
		(*s)++, (*n)--;
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* GKeyFile escapes: \s \n \t \r \\. out holds at least n bytes. */
static int unescape(struct lexer *lx, const char *key, const char *v, size_t n, char *out,
		    size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] != '\\') {
			out[o++] = v[i];
			continue;
		}
		if (++i == n) {
			problem(lx, key, _("the value ends with a lone backslash (write \\\\ for one)"));
			return -1;
		}
		switch (v[i]) {
		case 's': out[o++] = ' '; break;
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'r': out[o++] = '\r'; break;
		case '\\': out[o++] = '\\'; break;
		default:
			problem(lx, key, _("unknown escape \\%c in the value (write \\\\ for a backslash)"),
				v[i]);
			return -1;
		}
	}
	*outlen = o;
	return 0;
}

static void group_line(struct lexer *lx, const char *s, size_t n)
{
	const char *name = s + 1;
	size_t nlen;

	if (s[n - 1] != ']') {
		problem(lx, "", _("a group header must end with ']'"));
		lx->group = G_OTHER; /* do not blame the keys that follow on this */
		return;
	}
	nlen = n - 2;
	if (nlen == 0 || memchr(name, '[', nlen) || memchr(name, ']', nlen)) {
		problem(lx, "", _("invalid group name \"%.*s\""), (int)n, s);
		lx->group = G_OTHER;
		return;
	}
	if (nlen == 3 && memcmp(name, "vpn", 3) == 0)
		lx->group = G_VPN;
	else if (nlen == 11 && memcmp(name, "vpn-secrets", 11) == 0)
		lx->group = G_SECRETS;
	else
		lx->group = G_OTHER;
}

/* Duplicates are problems: in a hand-edited file the second one is more
 * likely a mistake than an override. */
static bool first_time(struct lexer *lx, bool secret, const char *key)
{
	for (size_t i = 0; i < lx->nseen; i++) {
		if (lx->seen[i].secret == secret && strcmp(lx->seen[i].key, key) == 0) {
			problem(lx, key, _("set twice (first on line %u)"), lx->seen[i].line);
			return false;
		}
	}
	if (lx->nseen < MAX_SEEN && strlen(key) < sizeof(lx->seen[0].key)) {
		struct seen *s = &lx->seen[lx->nseen++];

		s->secret = secret;
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->line = lx->lineno;
	}
	return true;
}

static void key_line(struct lexer *lx, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n), *k = s, *v;
	size_t klen, vlen, ulen;
	char key[MAX_LINE + 1], val[MAX_LINE];
	bool secret = lx->group == G_SECRETS;

	if (!eq) {
		problem(lx, "", _("expected key=value, a [group] header or a # comment"));
		return;
	}
	klen = (size_t)(eq - s);
	trim(&k, &klen);
	if (!klen) {
		problem(lx, "", _("a key is missing before '='"));
		return;
	}
	if (lx->group == G_OTHER)
		return; /* other groups belong to NetworkManager */
	memcpy(key, k, klen);
	key[klen] = '\0';
	if (lx->group == G_NONE) {
		problem(lx, key, _("outside of any group: put [vpn] above it"));
		return;
	}
	v = eq + 1;
	vlen = (size_t)(s + n - v);
	trim(&v, &vlen);
	if (unescape(lx, key, v, vlen, val, &ulen) < 0)
		return;
	if (first_time(lx, secret, key) &&
	    rove_profile_set(lx->p, secret, key, val, ulen, lx->lineno, lx->diags) < 0)
		lx->failed = true;
	rove_wipe(val, ulen);
}

static void one_line(struct lexer *lx, const char *s, size_t n)
{
	size_t bad;

	if (n && s[n - 1] == '\r')
		n--;
	if (n > MAX_LINE) {
		problem(lx, "", _("line longer than %d bytes"), MAX_LINE);
		return;
	}
	if (memchr(s, '\0', n)) {
		problem(lx, "", _("contains a NUL byte"));
		return;
	}
	bad = utf8_check((const unsigned char *)s, n);
	if (bad < n) {
		problem(lx, "", _("not valid UTF-8 (byte %zu of the line)"), bad + 1);
		return;
	}
	trim(&s, &n);
	if (!n || s[0] == '#' || s[0] == ';')
		return;
	if (s[0] == '[')
		group_line(lx, s, n);
	else
		key_line(lx, s, n);
}

int rove_profile_parse(const char *path, const char *buf, size_t len, struct rove_profile *p,
		       struct rove_diags *diags)
{
	struct lexer *lx = calloc(1, sizeof(*lx));
	size_t off = 0;
	int rc;

	rove_profile_init(p, path);
	if (!lx) {
		rove_diags_add(diags, p->path, 0, "", _("out of memory"));
		return -1;
	}
	lx->p = p;
	lx->diags = diags;
	/* A UTF-8 byte order mark from a Windows editor is harmless. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;

		lx->lineno++;
		one_line(lx, buf + off, n);
		off += n + (nl != NULL);
	}
	rc = lx->failed ? -1 : 0;
	free(lx);
	if (rove_profile_finish(p, diags) < 0)
		rc = -1;
	return rc;
}

/* ---- files ---- */

static int read_file(int fd, const char *path, char **out, size_t *outlen,
		     struct rove_diags *diags)
{
	char *buf = malloc(ROVE_PROFILE_MAX_SIZE + 1);
	size_t n = 0;

	if (!buf) {
		rove_diags_add(diags, path, 0, "", _("out of memory"));
		return -1;
	}
	/* One byte more than allowed tells a file that grew since fstat. */
	while (n <= ROVE_PROFILE_MAX_SIZE) {
		ssize_t r = read(fd, buf + n, ROVE_PROFILE_MAX_SIZE + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rove_diags_add(diags, path, 0, "", _("cannot read: %s"), strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > ROVE_PROFILE_MAX_SIZE) {
		rove_diags_add(diags, path, 0, "", _("larger than %d KiB: not a profile"),
			       ROVE_PROFILE_MAX_SIZE / 1024);
		goto fail;
	}
	*out = buf;
	*outlen = n;
	return 0;
fail:
	rove_wipe(buf, n);
	free(buf);
	return -1;
}

static void check_private(const char *path, const struct stat *st, struct rove_profile *p,
			  struct rove_diags *diags)
{
	if (!p->password && !p->psk && !p->key_password)
		return;
	if (st->st_mode & 077) {
		p->secrets_readable_by_others = true;
		rove_diags_add(diags, path, 0, "", _("contains secrets but is %s by others: chmod 600 %s"),
			       st->st_mode & 044 ? _("readable") : _("writable"), path);
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		p->secrets_readable_by_others = true;
		rove_diags_add(diags, path, 0, "", _("contains secrets but belongs to another user "
			         "(uid %u): chown it to root or to yourself"), (unsigned)st->st_uid);
	}
}

int rove_profile_load(const char *path, struct rove_profile *p, struct rove_diags *diags)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	rove_profile_init(p, path);
	/* O_NONBLOCK: opening a FIFO must not hang before fstat rejects it. */
	/* O_NOFOLLOW: rove runs as root; a link could make it read (and report
	 * lines of) a file its user may not read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0 && errno == ELOOP) {
		rove_diags_add(diags, path, 0, "", _("is a symbolic link: rove does not follow links "
			         "to profiles; name the file itself or copy it (mode 600)"));
		return -1;
	}
	if (fd < 0) {
		rove_diags_add(diags, path, 0, "", _("cannot open: %s"), strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rove_diags_add(diags, path, 0, "", _("not a regular file"));
		close(fd);
		return -1;
	}
	if (st.st_size > ROVE_PROFILE_MAX_SIZE) {
		rove_diags_add(diags, path, 0, "", _("larger than %d KiB: not a profile"),
			       ROVE_PROFILE_MAX_SIZE / 1024);
		close(fd);
		return -1;
	}
	rc = read_file(fd, path, &buf, &len, diags);
	close(fd);
	if (rc < 0)
		return -1;
	rc = rove_profile_parse(path, buf, len, p, diags);
	rove_wipe(buf, len);
	free(buf);
	check_private(path, &st, p, diags);
	return rc < 0 || p->secrets_readable_by_others ? -1 : 0;
}

int rove_profile_resolve(const char *name_or_path, const char *dir, char *out, size_t outlen,
			 struct rove_err *err)
{
	size_t n = name_or_path ? strlen(name_or_path) : 0;
	bool is_path;
	int w;

	if (!n)
		return rove_err_set(err, ROVE_E_INVAL, _("no profile name given"));
	is_path = strchr(name_or_path, '/') || (n >= 5 && strcmp(name_or_path + n - 5, ".conf") == 0);
	if (is_path)
		w = snprintf(out, outlen, "%s", name_or_path);
	else
		w = snprintf(out, outlen, "%s/%s.conf", dir, name_or_path);
	if (w < 0 || (size_t)w >= outlen)
		return rove_err_set(err, ROVE_E_INVAL, _("profile path too long: %.64s..."),
				    name_or_path);
	return 0;
}

static void free_secret(char **s, size_t *len)
{
	if (*s) {
		rove_wipe(*s, *len);
		free(*s);
	}
	*s = NULL;
	*len = 0;
}

void rove_profile_free(struct rove_profile *p)
{
	if (!p)
		return;
	free(p->server);
	free(p->remote_id);
	free(p->local_id);
	free(p->user);
	free(p->ca);
	free(p->crl);
	free(p->ike);
	free(p->esp);
	free_secret(&p->password, &p->password_len);
	free_secret(&p->psk, &p->psk_len);
	free(p->cert);
	free(p->key);
	free_secret(&p->key_password, &p->key_password_len);
	rove_wipe(p, sizeof(*p));
}

/* ---- key/value pairs (NetworkManager) ---- */

/* Problems from index `from` on: name the dictionary and the key instead
 * of a file. Problems of finish() about a key name it as a vpn.data key
 * (the secrets are only ever missing, which finish() does not judge). */
static void name_source(struct rove_diags *diags, size_t from, const char *dict,
			const char *key)
{
	for (size_t i = from; diags && i < diags->n && i < ROVE_MAX_DIAGS; i++) {
		struct rove_diag *d = &diags->d[i];
		const char *k = key ? key : d->key;
		char named[sizeof(d->key)];

		if (!k[0])
			continue;
		snprintf(named, sizeof(named), "%s key '%.40s'", dict, k);
		memcpy(d->key, named, sizeof(d->key));
		d->file[0] = '\0';
		d->line = 0;
	}
}

static int set_pairs(struct rove_profile *p, bool secret, const char *const *kv, size_t n,
		     struct rove_diags *diags)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const char *key = kv[2 * i], *value = kv[2 * i + 1];
		size_t from = diags ? diags->n : 0;

		if (!key || !value)
			continue;
		if (rove_profile_set(p, secret, key, value, strlen(value), 0, diags) < 0)
			rc = -1;
		name_source(diags, from, secret ? "vpn.secrets" : "vpn.data", key);
	}
	return rc;
}

int rove_profile_from_pairs(struct rove_profile *p, const char *name,
			    const char *const *data, size_t ndata,
			    const char *const *secrets, size_t nsecrets,
			    struct rove_diags *diags)
{
	size_t from;
	int rc = 0;

	rove_profile_init(p, NULL);
	if (name)
		snprintf(p->name, sizeof(p->name), "%s", name);
	if (set_pairs(p, false, data, ndata, diags) < 0)
		rc = -1;
	if (set_pairs(p, true, secrets, nsecrets, diags) < 0)
		rc = -1;
	from = diags ? diags->n : 0;
	if (rove_profile_finish(p, diags) < 0)
		rc = -1;
	name_source(diags, from, "vpn.data", NULL);
	return rc;
}
