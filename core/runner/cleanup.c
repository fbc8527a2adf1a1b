/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cleanup.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "dns.h"
#include "nl.h"
#include "xfrm.h"

#define KV_LINE_MAX 4096
#define STATE_FILE_MAX (1024 * 1024)

/* ---- key=value lines ---- */

void rove_kv_init(struct rove_kv_rd *r, const void *p, size_t len, const char *file)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->line = 0;
	r->file = file ? file : "(input)";
}

static int kv_fail(struct rove_kv_rd *r, const char *what, struct rove_err *err)
{
	return rove_err_set(err, ROVE_E_PARSE, "%s:%u: %s", r->file, r->line, what);
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int rove_kv_next(struct rove_kv_rd *r, struct rove_kv *kv, struct rove_err *err)
{
	for (;;) {
		const char *line = r->p + r->off, *nl, *eq;
		size_t n, left = r->len - r->off;

		if (left == 0)
			return 0;
		r->line++;
		nl = memchr(line, '\n', left < KV_LINE_MAX + 1 ? left : KV_LINE_MAX + 1);
		if (!nl && left > KV_LINE_MAX)
			return kv_fail(r, _("line too long"), err);
		if (!nl)
			return kv_fail(r, "the last line has no newline (truncated file?)", err);
		n = (size_t)(nl - line);
		r->off += n + 1;
		if (n == 0)
			return 0;
		if (line[0] == '#')
			continue;
		eq = memchr(line, '=', n);
		if (!eq || eq == line)
			return kv_fail(r, "expected key=value", err);
		for (const char *c = line; c < eq; c++)
			if (!key_char(*c))
				return kv_fail(r, _("bad character in key"), err);
		for (const char *c = eq + 1; c < nl; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return kv_fail(r, _("control character in value"), err);
		kv->key = line;
		kv->key_len = (size_t)(eq - line);
		kv->val = eq + 1;
		kv->val_len = (size_t)(nl - eq - 1);
		return 1;
	}
}

bool rove_kv_is(const struct rove_kv *kv, const char *key)
{
	return strlen(key) == kv->key_len && memcmp(kv->key, key, kv->key_len) == 0;
}

bool rove_kv_val(const struct rove_kv *kv, char *out, size_t size)
{
	if (kv->val_len >= size)
		return false;
	memcpy(out, kv->val, kv->val_len);
	out[kv->val_len] = '\0';
	return true;
}

/* ---- paths ---- */

/* Same rule as rundir.c's session names: the name becomes a file name. */
static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63 || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    name[i]))
			return false;
	return true;
}

int rove_state_path(char *out, size_t size, const char *run_dir, const char *name,
		    const char *suffix, struct rove_err *err)
{
	int n;

	if (!name_ok(name))
		return rove_err_set(err, ROVE_E_INVAL, _("\"%s\" is not a valid session name"), name);
	n = snprintf(out, size, "%s/%s.state%s", run_dir, name, suffix);
	if (n < 0 || (size_t)n >= size)
		return rove_err_set(err, ROVE_E_INVAL, _("the state path for %s is too long"), name);
	return 0;
}

/* ---- values ---- */

static bool parse_uint(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoul(s, &end, base);
	return !errno && !*end && *out <= max;
}

/* "ADDR/LEN" without clearing host bits: a virtual IP is an address. */
static bool parse_vip_addr(const char *s, struct rove_prefix *out)
{
	char a[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	unsigned long len;

	memset(out, 0, sizeof(*out));
	if (!slash || (size_t)(slash - s) >= sizeof(a))
		return false;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	if (!rove_addr_parse(a, &out->addr) ||
	    !parse_uint(slash + 1, 10, rove_addr_len(&out->addr) * 8, &len))
		return false;
	out->len = (uint8_t)len;
	return true;
}

int rove_state_route_str(const struct rove_route *r, char *out, size_t size)
{
	char d[ROVE_ADDR_STRLEN + 8], a[ROVE_ADDR_STRLEN], b[ROVE_ADDR_STRLEN];
	int n;

	n = snprintf(out, size, "%s%s%s oif %d%s%s table %u", rove_prefix_str(&r->dst, d, sizeof(d)),
		     r->via.family ? " via " : "", r->via.family ? rove_addr_str(&r->via, a, sizeof(a)) : "",
		     r->oif, r->src.family ? " src " : "",
		     r->src.family ? rove_addr_str(&r->src, b, sizeof(b)) : "", r->table);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Splits the next space-separated word off *s (modified in place). */
static char *word(char **s)
{
	char *w = *s, *sp;

	if (!*w)
		return NULL;
	sp = strchr(w, ' ');
	if (sp) {
		*sp = '\0';
		*s = sp + 1;
	} else {
		*s = w + strlen(w);
	}
	return w;
}

int rove_state_parse_route(const char *s, size_t len, struct rove_route *out)
{
	char buf[KV_LINE_MAX + 1], *p = buf, *w;
	unsigned long v;
	bool have_table = false;

	memset(out, 0, sizeof(*out));
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	w = word(&p);
	if (!w || !rove_prefix_parse(w, &out->dst))
		return -1;
	while ((w = word(&p))) {
		char *arg = word(&p);

		if (!arg)
			return -1;
		if (strcmp(w, "via") == 0 && !out->via.family) {
			if (!rove_addr_parse(arg, &out->via) || out->via.family != out->dst.addr.family)
				return -1;
		} else if (strcmp(w, "src") == 0 && !out->src.family) {
			if (!rove_addr_parse(arg, &out->src) || out->src.family != out->dst.addr.family)
				return -1;
		} else if (strcmp(w, "oif") == 0) {
			if (!parse_uint(arg, 10, INT_MAX, &v))
				return -1;
			out->oif = (int)v;
		} else if (strcmp(w, "table") == 0) {
			if (!parse_uint(arg, 10, UINT32_MAX, &v) || v == 0)
				return -1;
			out->table = (uint32_t)v;
			have_table = true;
		} else {
			return -1;
		}
	}
	return have_table ? 0 : -1;
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || (unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/* ---- reading a state file ---- */

static int parse_vip_line(const char *v, size_t len, struct rove_state_vip *out)
{
	char buf[128], *p = buf, *a, *kw, *idx;
	unsigned long n;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	a = word(&p);
	kw = word(&p);
	idx = word(&p);
	if (!a || !kw || !idx || *p || strcmp(kw, "ifindex") != 0 ||
	    !parse_vip_addr(a, &out->addr) || !parse_uint(idx, 10, INT_MAX, &n) || n == 0)
		return -1;
	out->ifindex = (int)n;
	return 0;
}

static int parse_scalar(struct rove_kv_rd *r, const struct rove_kv *kv, struct rove_state_info *out,
			struct rove_err *err)
{
	char v[64];
	unsigned long n;

	if (rove_kv_is(kv, "session")) {
		if (!rove_kv_val(kv, out->session, sizeof(out->session)) || !name_ok(out->session))
			return kv_fail(r, _("bad session name"), err);
	} else if (rove_kv_is(kv, "pid")) {
		if (!rove_kv_val(kv, v, sizeof(v)) || !parse_uint(v, 10, INT_MAX, &n) || n < 2)
			return kv_fail(r, _("bad pid"), err);
		out->pid = (pid_t)n;
	} else if (rove_kv_is(kv, "datapath")) {
		if (!rove_kv_val(kv, out->datapath, sizeof(out->datapath)) ||
		    (strcmp(out->datapath, "kernel") && strcmp(out->datapath, "userspace") &&
		     strcmp(out->datapath, "none")))
			return kv_fail(r, _("unknown datapath"), err);
	} else if (rove_kv_is(kv, "reqid")) {
		if (!rove_kv_val(kv, v, sizeof(v)) || !parse_uint(v, 0, UINT32_MAX, &n))
			return kv_fail(r, _("bad reqid"), err);
		/* Never flush another IPsec daemon's SAs, whatever the file says. */
		if (!rove_xfrm_reqid_is_ours((uint32_t)n))
			return kv_fail(r, "reqid outside rove's range", err);
		out->reqid = (uint32_t)n;
		out->has_reqid = true;
	} else if (rove_kv_is(kv, "tun")) {
		/* Only a device rove names may be deleted. */
		if (!rove_kv_val(kv, out->tun, sizeof(out->tun)) || !ifname_ok(out->tun) ||
		    strncmp(out->tun, "rove-", 5) != 0)
			return kv_fail(r, "bad TUN name (not rove-...)", err);
	} else if (rove_kv_is(kv, "xfrmi")) {
		if (!rove_kv_val(kv, out->xfrmi, sizeof(out->xfrmi)) || !ifname_ok(out->xfrmi) ||
		    strncmp(out->xfrmi, "rove-", 5) != 0)
			return kv_fail(r, "bad XFRM interface name (not rove-...)", err);
	} else if (rove_kv_is(kv, "dns")) {
		if (!rove_kv_val(kv, out->dns, sizeof(out->dns)) ||
		    (out->dns[0] && strcmp(out->dns, "resolved") && strcmp(out->dns, "resolv.conf")))
			return kv_fail(r, _("unknown DNS method"), err);
	}
	/* Anything else is informational or from a newer rove. */
	return 0;
}

int rove_state_parse(const void *buf, size_t len, const char *file,
		     struct rove_state_info *out, struct rove_err *err)
{
	struct rove_kv_rd r;
	struct rove_kv kv;
	int k;

	memset(out, 0, sizeof(*out));
	rove_kv_init(&r, buf, len, file);
	while ((k = rove_kv_next(&r, &kv, err)) != 0 || r.off < r.len) {
		if (k < 0)
			return -1;
		if (k == 0)
			continue; /* an empty line */
		if (rove_kv_is(&kv, "route")) {
			if (out->nroutes == ROVE_STATE_MAX_ROUTES)
				return kv_fail(&r, _("too many routes"), err);
			if (rove_state_parse_route(kv.val, kv.val_len, &out->routes[out->nroutes]) < 0)
				return kv_fail(&r, "bad route (PREFIX [via A] oif N [src A] table N)", err);
			out->nroutes++;
		} else if (rove_kv_is(&kv, "vip")) {
			if (out->nvips == ROVE_STATE_MAX_VIPS)
				return kv_fail(&r, _("too many virtual IPs"), err);
			if (parse_vip_line(kv.val, kv.val_len, &out->vips[out->nvips]) < 0)
				return kv_fail(&r, "bad virtual IP (ADDR/LEN ifindex N)", err);
			out->nvips++;
		} else if (parse_scalar(&r, &kv, out, err) < 0) {
			return -1;
		}
	}
	if (!out->session[0])
		return rove_err_set(err, ROVE_E_PARSE, _("%s: no session= line"), r.file);
	return 0;
}

static int read_small(const char *path, size_t max, char **out, size_t *len, struct rove_err *err)
{
	struct stat st;
	ssize_t n;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return rove_err_set(err, ROVE_E_IO, _("cannot read %s: %s"), path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		return rove_err_set(err, ROVE_E_IO, _("%s is not a small regular file"), path);
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		close(fd);
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory reading %s"), path);
	}
	n = read(fd, p, (size_t)st.st_size + 1);
	close(fd);
	if (n < 0 || n > st.st_size) {
		free(p);
		return rove_err_set(err, ROVE_E_IO, _("cannot read %s"), path);
	}
	*out = p;
	*len = (size_t)n;
	return 1;
}

int rove_state_load(const char *name, const char *run_dir, struct rove_state_info *out,
		    struct rove_err *err)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int r;

	if (rove_state_path(path, sizeof(path), run_dir, name, "", err) < 0)
		return -1;
	r = read_small(path, STATE_FILE_MAX, &buf, &len, err);
	if (r <= 0)
		return r;
	r = rove_state_parse(buf, len, path, out, err);
	free(buf);
	if (r < 0)
		return -1;
	if (strcmp(out->session, name) != 0)
		return rove_err_set(err, ROVE_E_PARSE, _("%s: belongs to session %s"), path,
				    out->session);
	return 1;
}

/* ---- writing it ---- */

struct state_line {
	char *key, *val;
};

struct rove_state_file {
	char path[PATH_MAX], tmp[PATH_MAX];
	struct state_line *lines;
	size_t n, cap;
	bool held, dirty;     /* rove_state_hold: changes wait for flush */
};

static int state_write(struct rove_state_file *st, struct rove_err *err)
{
	FILE *f;
	int fd = open(st->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), st->tmp, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(st->tmp);
		return rove_err_set(err, ROVE_E_NOMEM, _("cannot write %s"), st->tmp);
	}
	fputs("# rove session state: what to undo if this session dies (rove down/up)\n", f);
	for (size_t i = 0; i < st->n; i++)
		fprintf(f, "%s=%s\n", st->lines[i].key, st->lines[i].val);
	/* Never a half-written file under the real name: a crash leaves the
	 * previous complete version. */
	if (ferror(f) | fclose(f) || rename(st->tmp, st->path) < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), st->path, strerror(errno));
		unlink(st->tmp);
		return -1;
	}
	return 0;
}

/* Every change is on disk before the caller goes on, unless held: then
 * the next flush writes them all at once. */
static int state_changed(struct rove_state_file *st, struct rove_err *err)
{
	if (st->held) {
		st->dirty = true;
		return 0;
	}
	return state_write(st, err);
}

static bool value_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static int state_put(struct rove_state_file *st, const char *key, const char *val, bool replace,
		     struct rove_err *err)
{
	struct state_line *l = NULL;
	char *v;

	for (const char *c = key; *c; c++)
		if (!key_char(*c))
			return rove_err_set(err, ROVE_E_INVAL, _("bad state key \"%s\""), key);
	if (!*key || strlen(key) > 64 || !value_ok(val) ||
	    strlen(val) >= KV_LINE_MAX - strlen(key) - 1)
		return rove_err_set(err, ROVE_E_INVAL, _("bad value for state key %s"), key);
	for (size_t i = 0; replace && i < st->n && !l; i++)
		if (strcmp(st->lines[i].key, key) == 0)
			l = &st->lines[i];
	if (!l && st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		struct state_line *nl = realloc(st->lines, cap * sizeof(*nl));

		if (!nl)
			return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		st->lines = nl;
		st->cap = cap;
	}
	v = strdup(val);
	if (!v)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	if (l) {
		free(l->val);
		l->val = v;
	} else {
		l = &st->lines[st->n];
		l->key = strdup(key);
		if (!l->key) {
			free(v);
			return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		}
		l->val = v;
		st->n++;
	}
	return state_changed(st, err);
}

/* Drops the first line with exactly this key and value. */
static int state_drop(struct rove_state_file *st, const char *key, const char *val,
		      struct rove_err *err)
{
	for (size_t i = 0; i < st->n; i++) {
		if (strcmp(st->lines[i].key, key) || strcmp(st->lines[i].val, val))
			continue;
		free(st->lines[i].key);
		free(st->lines[i].val);
		memmove(&st->lines[i], &st->lines[i + 1], (st->n - i - 1) * sizeof(st->lines[0]));
		st->n--;
		return state_changed(st, err);
	}
	return 0;
}

void rove_state_free(struct rove_state_file *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++) {
		free(st->lines[i].key);
		free(st->lines[i].val);
	}
	free(st->lines);
	free(st);
}

void rove_state_remove(struct rove_state_file *st)
{
	if (!st)
		return;
	unlink(st->path);
	rove_state_free(st);
}

struct rove_state_file *rove_state_new(const char *name, const char *run_dir, struct rove_err *err)
{
	struct rove_state_file *st = calloc(1, sizeof(*st));
	char pid[24];

	if (!st) {
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	st->held = true;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (rove_state_path(st->path, sizeof(st->path), run_dir, name, "", err) < 0 ||
	    rove_state_path(st->tmp, sizeof(st->tmp), run_dir, name, ".tmp", err) < 0 ||
	    state_put(st, "session", name, true, err) < 0 ||
	    state_put(st, "pid", pid, true, err) < 0) {
		rove_state_free(st);
		return NULL;
	}
	return st;
}

struct rove_state_file *rove_state_open(const char *name, const char *run_dir, struct rove_err *err)
{
	struct rove_state_file *st = rove_state_new(name, run_dir, err);

	if (st && rove_state_flush(st, err) < 0) {
		rove_state_free(st);
		return NULL;
	}
	return st;
}

void rove_state_hold(struct rove_state_file *st)
{
	st->held = true;
}

int rove_state_flush(struct rove_state_file *st, struct rove_err *err)
{
	bool dirty = st->dirty;

	st->held = st->dirty = false;
	return dirty ? state_write(st, err) : 0;
}

int rove_state_set(struct rove_state_file *st, const char *key, const char *value,
		   struct rove_err *err)
{
	if (strcmp(key, "route") == 0 || strcmp(key, "vip") == 0)
		return rove_err_set(err, ROVE_E_INVAL, _("use rove_state_add_%s for %s"), key, key);
	return state_put(st, key, value, true, err);
}

int rove_state_add_route(struct rove_state_file *st, const struct rove_route *r, struct rove_err *err)
{
	char v[256];

	if (rove_state_route_str(r, v, sizeof(v)) < 0)
		return rove_err_set(err, ROVE_E_INVAL, _("route too long for the state file"));
	return state_put(st, "route", v, false, err);
}

int rove_state_del_route(struct rove_state_file *st, const struct rove_route *r, struct rove_err *err)
{
	char v[256];

	if (rove_state_route_str(r, v, sizeof(v)) < 0)
		return rove_err_set(err, ROVE_E_INVAL, _("route too long for the state file"));
	return state_drop(st, "route", v, err);
}

static int vip_str(int ifindex, const struct rove_prefix *vip, char *v, size_t size,
		   struct rove_err *err)
{
	char a[ROVE_ADDR_STRLEN];

	if (ifindex <= 0 || (vip->addr.family != AF_INET && vip->addr.family != AF_INET6))
		return rove_err_set(err, ROVE_E_INVAL, _("bad virtual IP for the state file"));
	snprintf(v, size, "%s/%u ifindex %d", rove_addr_str(&vip->addr, a, sizeof(a)), vip->len,
		 ifindex);
	return 0;
}

int rove_state_add_vip(struct rove_state_file *st, int ifindex, const struct rove_prefix *vip,
		       struct rove_err *err)
{
	char v[128];

	if (vip_str(ifindex, vip, v, sizeof(v), err) < 0)
		return -1;
	return state_put(st, "vip", v, false, err);
}

int rove_state_del_vip(struct rove_state_file *st, int ifindex, const struct rove_prefix *vip,
		       struct rove_err *err)
{
	char v[128];

	if (vip_str(ifindex, vip, v, sizeof(v), err) < 0)
		return -1;
	return state_drop(st, "vip", v, err);
}
