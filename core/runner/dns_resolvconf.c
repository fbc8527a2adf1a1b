/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS through /etc/resolv.conf: save, rewrite in place, put back.
 *
 * In place (truncate and write), never a new file renamed over it: under
 * `ip netns exec` and in containers /etc/resolv.conf is a bind mount, and
 * rename() onto a mount point fails with EBUSY. The price is a moment in
 * which the file is empty; resolvers read it again on the next lookup.
 *
 * The backup (run_dir/NAME.resolv.conf.bak) is a few key=value lines, an
 * empty line, then the original bytes exactly:
 *
 *   # rove: /etc/resolv.conf as it was before session vpn changed it
 *   session=vpn
 *   path=/etc/resolv.conf
 *   target=/etc/resolv.conf          (the file written: a symlink's target)
 *   dev=2049
 *   inode=1234
 *   size=25
 *
 *   nameserver 192.168.1.1
 */
#include "dns.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#define RESOLV_MAX (256 * 1024)
#define MAXNS 3 /* glibc and musl read no more nameservers */

const char *rove_resolvconf_path(void)
{
	const char *p = getenv("ROVE_RESOLV_CONF");

	return p && *p ? p : "/etc/resolv.conf";
}

static void header_line(const char *session, char *out, size_t size)
{
	snprintf(out, size, "# rove %s: restore with rove down %s", session, session);
}

/* A gateway's domain goes into a file other programs parse: only name
 * characters. */
static bool domain_ok(const char *d)
{
	size_t n = strlen(d);

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", d[i]))
			return false;
	return true;
}

/* ---- rendering ---- */

/* Words of one line (at most `max`, each NUL-terminated in its own slot). */
#define WORDS_MAX 16
#define WORD_LEN 256

struct words {
	size_t n;
	char w[WORDS_MAX][WORD_LEN];
};

static void split_words(const char *line, size_t len, struct words *out)
{
	size_t i = 0;

	out->n = 0;
	while (i < len && out->n < WORDS_MAX) {
		size_t start;

		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		if (i > start && i - start < WORD_LEN) {
			memcpy(out->w[out->n], line + start, i - start);
			out->w[out->n++][i - start] = '\0';
		}
	}
}

/* What we keep of the original file. */
struct orig_conf {
	struct words ns;     /* nameserver addresses */
	struct words search; /* the last search/domain line wins, as in glibc */
	struct rove_buf options;
};

static void read_orig(const char *p, size_t len, struct orig_conf *o)
{
	size_t off = 0;
	struct words w;

	while (off < len) {
		const char *line = p + off, *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;

		off += n + (nl ? 1 : 0);
		split_words(line, n, &w);
		if (w.n == 0)
			continue;
		if (strcmp(w.w[0], "nameserver") == 0 && w.n >= 2 && o->ns.n < WORDS_MAX) {
			memcpy(o->ns.w[o->ns.n++], w.w[1], WORD_LEN);
		} else if ((strcmp(w.w[0], "search") == 0 || strcmp(w.w[0], "domain") == 0)) {
			o->search.n = 0;
			for (size_t i = 1; i < w.n; i++)
				memcpy(o->search.w[o->search.n++], w.w[i], WORD_LEN);
		} else if (strcmp(w.w[0], "options") == 0) {
			rove_buf_add(&o->options, line, n);
			rove_buf_add_u8(&o->options, '\n');
		}
	}
}

static void add_str(struct rove_buf *b, const char *s)
{
	rove_buf_add(b, s, strlen(s));
}

static bool seen_ns(const struct rove_config_info *cfg, const char *s)
{
	char a[ROVE_ADDR_STRLEN];

	for (size_t i = 0; i < cfg->ndns && i < ROVE_MAX_DNS; i++)
		if (strcmp(rove_addr_str(&cfg->dns[i], a, sizeof(a)), s) == 0)
			return true;
	return false;
}

static void render_search(const struct rove_config_info *cfg, const struct orig_conf *o,
			  struct rove_buf *out)
{
	const char *list[ROVE_MAX_DOMAINS + WORDS_MAX];
	size_t n = 0;

	for (size_t i = 0; i < cfg->ndomains && i < ROVE_MAX_DOMAINS; i++) {
		const char *d = cfg->domains[i];

		if (strnlen(d, sizeof(cfg->domains[i])) < sizeof(cfg->domains[i]) && domain_ok(d))
			list[n++] = d;
	}
	for (size_t i = 0; i < o->search.n; i++) {
		bool dup = false;

		for (size_t k = 0; k < n && !dup; k++)
			dup = strcasecmp(list[k], o->search.w[i]) == 0;
		if (!dup)
			list[n++] = o->search.w[i];
	}
	if (n == 0)
		return;
	add_str(out, "search");
	for (size_t i = 0; i < n; i++) {
		rove_buf_add_u8(out, ' ');
		add_str(out, list[i]);
	}
	rove_buf_add_u8(out, '\n');
}

int rove_resolvconf_render(const char *session, const struct rove_config_info *cfg,
			   bool full_tunnel, const void *orig, size_t orig_len,
			   struct rove_buf *out, struct rove_err *err)
{
	struct orig_conf *o = calloc(1, sizeof(*o));
	char line[160], a[ROVE_ADDR_STRLEN];
	size_t nns = 0;

	if (!o)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rove_buf_init(&o->options);
	read_orig(orig, orig_len, o);
	header_line(session, line, sizeof(line));
	add_str(out, line);
	rove_buf_add_u8(out, '\n');
	for (size_t i = 0; i < cfg->ndns && i < ROVE_MAX_DNS; i++) {
		if (cfg->dns[i].family != AF_INET && cfg->dns[i].family != AF_INET6)
			continue;
		snprintf(line, sizeof(line), "nameserver %s\n",
			 rove_addr_str(&cfg->dns[i], a, sizeof(a)));
		add_str(out, line);
		nns++;
	}
	/* A split tunnel keeps the local servers as fallbacks; a full tunnel
	 * sends every query to the gateway's, so none leaks outside. */
	for (size_t i = 0; !full_tunnel && i < o->ns.n && nns < MAXNS; i++) {
		if (seen_ns(cfg, o->ns.w[i]))
			continue;
		snprintf(line, sizeof(line), "nameserver %s\n", o->ns.w[i]);
		add_str(out, line);
		nns++;
	}
	render_search(cfg, o, out);
	rove_buf_add(out, o->options.data, o->options.len);
	rove_buf_free(&o->options);
	free(o);
	if (out->failed)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (nns == 0)
		return rove_err_set(err, ROVE_E_INVAL, _("no usable DNS server address"));
	return 0;
}

/* ---- files ---- */

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads a whole file (following symlinks); *st describes it. */
static int read_file(const char *path, struct rove_buf *out, struct stat *st, struct rove_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t chunk[4096];
	ssize_t n;

	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot read %s: %s"), path, strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return rove_err_set(err, ROVE_E_IO, _("%s is not a regular file"), path);
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out->len + (size_t)n > RESOLV_MAX) {
			close(fd);
			return rove_err_set(err, ROVE_E_IO, _("cannot read %s: %s"), path,
					    n < 0 ? strerror(errno) : "too large");
		}
		rove_buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	if (out->failed)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory reading %s"), path);
	return 0;
}

/* Rewrites path where it is (through a symlink). */
/* Returns 0, or -1 with *touched saying whether the file may have been
 * changed (truncated) before the failure. durable: fsync before returning,
 * for the original coming back; our own servers need not survive a power
 * loss (the backup in the run directory would not either), and the fsync
 * cost up to 17 ms of `rove up` on a busy disk. */
static int write_in_place(const char *path, const void *p, size_t n, bool durable,
			  bool *touched, struct rove_err *err)
{
	/* Overwritten, then cut to length: not O_TRUNC. ext4 takes a file
	 * truncated to zero and rewritten for an application replacing its
	 * contents and starts its writeback at close (auto_da_alloc), about
	 * 1 ms of `rove up` here. A crash between the write and the cut
	 * leaves our header on top, which the restore recognizes as ours. */
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	*touched = fd >= 0;
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), path, strerror(errno));
	if (write_all(fd, p, n) < 0 || ftruncate(fd, (off_t)n) < 0 || (durable && fsync(fd) < 0)) {
		rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), path, strerror(errno));
	return 0;
}

static int bak_path(char *out, size_t size, const char *run_dir, const char *session,
		    struct rove_err *err)
{
	int n = snprintf(out, size, "%s/%s.resolv.conf.bak", run_dir, session);

	if (n < 0 || (size_t)n >= size)
		return rove_err_set(err, ROVE_E_INVAL, _("the backup path for %s is too long"), session);
	return 0;
}

struct backup {
	char session[64];
	char path[PATH_MAX], target[PATH_MAX];
	unsigned long long dev, inode;
	const uint8_t *orig; /* into the buffer it was parsed from */
	size_t orig_len;
};

static int backup_write(const char *bak, const struct backup *b, struct rove_err *err)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", bak);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), tmp, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return rove_err_set(err, ROVE_E_NOMEM, _("cannot write %s"), tmp);
	}
	fprintf(f, "# rove: %s as it was before session %s changed it\n", b->path, b->session);
	fprintf(f, "session=%s\npath=%s\ntarget=%s\ndev=%llu\ninode=%llu\nsize=%zu\n\n",
		b->session, b->path, b->target, b->dev, b->inode, b->orig_len);
	fwrite(b->orig, 1, b->orig_len, f);
	/* Complete (renamed into place) before resolv.conf changes: it is the
	 * only copy a crashed session's cleanup can restore from. No fsync:
	 * it lives in the run directory (/run/rove), which is emptied at boot,
	 * so no fsync makes it outlive a power loss, and the page cache is
	 * enough for a crash of the process; the fsync was about 1 ms of
	 * `rove up` after the last response on this disk, more when busy. */
	if (fflush(f) != 0 || ferror(f) || fclose(f) != 0 || rename(tmp, bak) < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), bak, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static bool kv_ull(const struct rove_kv *kv, unsigned long long *out)
{
	char v[32], *end;

	if (!rove_kv_val(kv, v, sizeof(v)) || v[0] < '0' || v[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return !errno && !*end;
}

static int backup_parse(const uint8_t *p, size_t len, const char *file, struct backup *b,
			struct rove_err *err)
{
	unsigned long long size = ULLONG_MAX;
	struct rove_kv_rd r;
	struct rove_kv kv;
	bool ok = true;
	int k;

	memset(b, 0, sizeof(*b));
	rove_kv_init(&r, p, len, file);
	while (ok && (k = rove_kv_next(&r, &kv, err)) > 0) {
		if (rove_kv_is(&kv, "session"))
			ok = rove_kv_val(&kv, b->session, sizeof(b->session));
		else if (rove_kv_is(&kv, "path"))
			ok = rove_kv_val(&kv, b->path, sizeof(b->path)) && b->path[0] == '/';
		else if (rove_kv_is(&kv, "target"))
			ok = rove_kv_val(&kv, b->target, sizeof(b->target));
		else if (rove_kv_is(&kv, "dev"))
			ok = kv_ull(&kv, &b->dev);
		else if (rove_kv_is(&kv, "inode"))
			ok = kv_ull(&kv, &b->inode);
		else if (rove_kv_is(&kv, "size"))
			ok = kv_ull(&kv, &size);
	}
	if (!ok)
		return rove_err_set(err, ROVE_E_PARSE, _("%s:%u: bad value"), file, r.line);
	if (k < 0)
		return -1;
	/* The header ends at an empty line; the original follows it. */
	if (r.off < 2 || p[r.off - 1] != '\n' || p[r.off - 2] != '\n')
		return rove_err_set(err, ROVE_E_PARSE, _("%s: no empty line after the header"), file);
	if (!b->session[0] || !b->path[0] || size != len - r.off)
		return rove_err_set(err, ROVE_E_PARSE, _("%s: incomplete backup (size or path)"), file);
	b->orig = p + r.off;
	b->orig_len = len - r.off;
	return 0;
}

/* Reads run_dir/NAME.resolv.conf.bak into buf: 1 when there is one. */
static int backup_load(const char *bak, struct rove_buf *buf, struct backup *b,
		       struct rove_err *err)
{
	struct stat st;

	if (access(bak, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (read_file(bak, buf, &st, err) < 0 || backup_parse(buf->data, buf->len, bak, b, err) < 0)
		return -1;
	return 1;
}

/* ---- apply ---- */

static int fill_backup(const char *session, const char *path, const struct stat *st,
		       const struct rove_buf *orig, struct backup *b, struct rove_err *err)
{
	struct stat lst;

	memset(b, 0, sizeof(*b));
	snprintf(b->session, sizeof(b->session), "%s", session);
	if (snprintf(b->path, sizeof(b->path), "%s", path) >= (int)sizeof(b->path))
		return rove_err_set(err, ROVE_E_INVAL, _("%s: path too long"), path);
	/* Through a symlink the file written is its target: say which. */
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		if (!realpath(path, b->target))
			return rove_err_set(err, ROVE_E_IO, _("cannot follow %s: %s"), path,
					    strerror(errno));
	} else {
		memcpy(b->target, b->path, sizeof(b->target));
	}
	b->dev = (unsigned long long)st->st_dev;
	b->inode = (unsigned long long)st->st_ino;
	b->orig = orig->data;
	b->orig_len = orig->len;
	return 0;
}

int rove_resolvconf_apply(const char *session, const struct rove_config_info *cfg,
			  bool full_tunnel, const char *path, const char *run_dir, char *bak,
			  struct rove_err *err)
{
	struct rove_buf orig, mine;
	struct backup b;
	struct stat st;
	struct rove_err e;
	bool touched;
	int r = -1;

	if (bak_path(bak, PATH_MAX, run_dir, session, err) < 0)
		return -1;
	/* A backup of ours left by a crash: the file may still hold our
	 * servers, which must not become "the original". */
	if (rove_resolvconf_restore(session, run_dir, &e) < 0)
		return rove_err_set(err, e.code, "%s", e.msg);
	rove_buf_init(&orig);
	rove_buf_init(&mine);
	if (read_file(path, &orig, &st, err) < 0 || fill_backup(session, path, &st, &orig, &b, err) < 0 ||
	    rove_resolvconf_render(session, cfg, full_tunnel, orig.data, orig.len, &mine, err) < 0 ||
	    backup_write(bak, &b, err) < 0)
		goto out;
	if (write_in_place(path, mine.data, mine.len, false, &touched, err) == 0) {
		r = 0;
		goto out;
	}
	/* Nothing of ours may stay behind a failed apply: put the original
	 * back (unless the file was never opened, e.g. read-only); keep the
	 * backup only if even that failed. */
	if (!touched || write_in_place(path, orig.data, orig.len, true, &touched, &e) == 0)
		unlink(bak);
	else
		rove_err_prefix(err, _("%s is in the backup %s"), path, bak);
out:
	rove_buf_free(&orig);
	rove_buf_free(&mine);
	return r;
}

/* ---- restore ---- */

static bool first_line_is(const struct rove_buf *b, const char *line)
{
	size_t n = strlen(line);

	return b->len >= n + 1 && memcmp(b->data, line, n) == 0 && b->data[n] == '\n';
}

static bool starts_with_line(const uint8_t *p, size_t len, const char *line)
{
	size_t n = strlen(line);

	return len >= n + 1 && memcmp(p, line, n) == 0 && p[n] == '\n';
}

/* The session whose header opens the file, if any: "# rove Y: ...". */
static bool other_session(const struct rove_buf *cur, char *out, size_t size)
{
	static const char pre[] = "# rove ";
	char line[160];
	const uint8_t *colon;
	size_t n;

	if (cur->len < sizeof(pre) || memcmp(cur->data, pre, sizeof(pre) - 1) != 0)
		return false;
	colon = memchr(cur->data + sizeof(pre) - 1, ':', cur->len - (sizeof(pre) - 1));
	n = colon ? (size_t)(colon - cur->data) - (sizeof(pre) - 1) : 0;
	if (n == 0 || n >= size || n > 63)
		return false;
	memcpy(out, cur->data + sizeof(pre) - 1, n);
	out[n] = '\0';
	if (memchr(out, '/', n) || out[0] == '.')
		return false;
	header_line(out, line, sizeof(line));
	return first_line_is(cur, line);
}

/* Sessions stack: when Y applied after us, Y's backup holds our file. We
 * go first, so Y's backup must now hold what we saved, or Y would put our
 * servers back when it goes down. */
static bool hand_over(const char *run_dir, const char *other, const char *mine_hdr,
		      const struct backup *ours, struct rove_err *err)
{
	char bak[PATH_MAX];
	struct rove_buf buf;
	struct backup theirs;
	bool done = false;

	if (bak_path(bak, sizeof(bak), run_dir, other, err) < 0)
		return false;
	rove_buf_init(&buf);
	if (backup_load(bak, &buf, &theirs, err) == 1 &&
	    starts_with_line(theirs.orig, theirs.orig_len, mine_hdr)) {
		theirs.orig = ours->orig;
		theirs.orig_len = ours->orig_len;
		done = backup_write(bak, &theirs, err) == 0;
	}
	rove_buf_free(&buf);
	return done;
}

int rove_resolvconf_restore(const char *session, const char *run_dir, struct rove_err *err)
{
	char bak[PATH_MAX], hdr[160], other[64];
	struct rove_buf buf, cur;
	struct backup b;
	struct stat st;
	struct rove_err e;
	int r;

	if (bak_path(bak, sizeof(bak), run_dir, session, err) < 0)
		return -1;
	rove_buf_init(&buf);
	rove_buf_init(&cur);
	r = backup_load(bak, &buf, &b, err);
	if (r <= 0)
		goto out;
	r = -1;
	if (strcmp(b.session, session) != 0) {
		rove_err_set(err, ROVE_E_PARSE, _("%s belongs to session %s"), bak, b.session);
		goto out;
	}
	header_line(session, hdr, sizeof(hdr));
	if (read_file(b.path, &cur, &st, &e) < 0 && (stat(b.path, &st) == 0 || errno != ENOENT)) {
		/* Unreadable is not "changed": keep the backup for a retry. */
		if (err)
			*err = e;
		goto out;
	}
	if (first_line_is(&cur, hdr)) {
		bool touched;

		if (write_in_place(b.path, b.orig, b.orig_len, true, &touched, err) < 0)
			goto out;
		r = 0;
	} else if (cur.len && other_session(&cur, other, sizeof(other)) &&
		   strcmp(other, session) != 0 && hand_over(run_dir, other, hdr, &b, &e)) {
		r = 0;
	} else {
		/* Someone else's change wins over our stale copy. */
		rove_err_set(err, ROVE_E_IO,
			     _("%s was changed by something else since rove %s wrote it: "
			       "left as it is, the saved copy dropped"), b.path, session);
		r = 1;
	}
	unlink(bak);
out:
	rove_buf_free(&buf);
	rove_buf_free(&cur);
	return r;
}
