/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Importing: the result, format detection, rove profiles in, the profile
 * text out, and the embedded files written beside the profile. */
#include "import.h"

#include <glib/gi18n-lib.h>

#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* docs/profile.md's order, so an exported profile reads like the docs. */
static const char *const data_order[] = {
	"server", "remote-id", "local-id", "user", "auth", "ca", "crl", "ocsp", "cert", "key",
	"eap-tls-version", "send-remote-id", "routes", "ike", "esp", "encap", "datapath",
	"mobike", "leak-block", "dpd", "dpd-timeout", "reconnect", "reauth", "fragment-size",
	"ike-rekey", "child-rekey", "password-flags", "psk-flags", "key-password-flags", NULL,
};
static const char *const secret_order[] = { "password", "psk", "key-password", NULL };

static void wipe_free(gpointer p)
{
	if (p) {
		explicit_bzero(p, strlen(p));
		g_free(p);
	}
}

static void file_free(gpointer p)
{
	struct rove_import_file *f = p;

	g_free(f->suffix);
	g_free(f->key);
	if (f->data)
		explicit_bzero(f->data, f->len);
	g_free(f->data);
	g_free(f);
}

char *rove_import_safe_name(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; s && *s && out->len < 63; s++) {
		char c = *s;

		if (g_ascii_isalnum(c) || c == '-' || c == '_' || (c == '.' && out->len))
			g_string_append_c(out, c);
		else if ((c == ' ' || c == '/') && out->len && out->str[out->len - 1] != '-')
			g_string_append_c(out, '-');
	}
	while (out->len && (out->str[out->len - 1] == '-' || out->str[out->len - 1] == '.'))
		g_string_truncate(out, out->len - 1);
	if (!out->len)
		g_string_assign(out, "imported");
	return g_string_free(out, FALSE);
}

struct rove_import *rove_import_new(enum rove_import_format fmt, const char *path)
{
	struct rove_import *im = g_new0(struct rove_import, 1);
	char *base = path ? g_path_get_basename(path) : g_strdup("imported");
	char *dot = strrchr(base, '.');

	if (dot && dot != base)
		*dot = '\0';
	im->format = fmt;
	im->name = rove_import_safe_name(base);
	g_free(base);
	im->data = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	im->secrets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, wipe_free);
	im->files = g_ptr_array_new_with_free_func(file_free);
	im->notes = g_ptr_array_new_with_free_func(g_free);
	return im;
}

void rove_import_free(struct rove_import *im)
{
	if (!im)
		return;
	g_free(im->name);
	g_hash_table_destroy(im->data);
	g_hash_table_destroy(im->secrets);
	g_ptr_array_free(im->files, TRUE);
	g_ptr_array_free(im->notes, TRUE);
	g_free(im);
}

void rove_import_note(struct rove_import *im, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(im->notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

void rove_import_set(struct rove_import *im, const char *key, const char *value)
{
	g_hash_table_replace(im->data, g_strdup(key), g_strdup(value));
}

void rove_import_set_secret(struct rove_import *im, const char *key, const char *value)
{
	g_hash_table_replace(im->secrets, g_strdup(key), g_strdup(value));
}

void rove_import_add_file(struct rove_import *im, const char *key, const char *suffix,
			  const void *data, gsize len, bool secret)
{
	struct rove_import_file *f = g_new0(struct rove_import_file, 1);

	f->key = g_strdup(key);
	f->suffix = g_strdup(suffix);
	f->data = g_memdup2(data, len);
	f->len = len;
	f->secret = secret;
	g_ptr_array_add(im->files, f);
}

int rove_key_check(const char *key, const char *value, bool secret, char *msg, size_t msglen)
{
	struct rove_profile p;
	struct rove_diags d = { 0 };
	int r;

	rove_profile_init(&p, NULL);
	r = rove_profile_set(&p, secret, key, value, strlen(value), 0, &d);
	if (r < 0)
		snprintf(msg, msglen, "%s", d.n ? d.d[0].msg : "not accepted");
	rove_profile_free(&p);
	return r;
}

/* ---- detection ---- */

static const char *skip_space(const char *p, const char *end)
{
	if (end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3; /* a UTF-8 byte order mark */
	while (p < end && g_ascii_isspace(*p))
		p++;
	return p;
}

static bool has(const char *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}

enum rove_import_format rove_import_detect(const char *buf, size_t len, const char *path)
{
	const char *p = skip_space(buf, buf + len);

	if (p < buf + len && *p == '{')
		return ROVE_IMPORT_SSWAN;
	if (p < buf + len && *p == '<' && has(buf, len, "<plist"))
		return ROVE_IMPORT_MOBILECONFIG;
	if (p < buf + len && (*p == '[' || *p == '#' || *p == ';'))
		return ROVE_IMPORT_PROFILE;
	if (path && g_str_has_suffix(path, ".sswan"))
		return ROVE_IMPORT_SSWAN;
	if (path && g_str_has_suffix(path, ".mobileconfig"))
		return ROVE_IMPORT_MOBILECONFIG;
	return ROVE_IMPORT_AUTO;
}

/* ---- rove profiles and NetworkManager keyfiles ---- */

/* The profile parser has already checked the escapes; this undoes them. */
static char *unescape(const char *s, size_t n)
{
	GString *out = g_string_sized_new(n);

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			g_string_append_c(out, s[i]);
			continue;
		}
		switch (s[++i]) {
		case 's': g_string_append_c(out, ' '); break;
		case 'n': g_string_append_c(out, '\n'); break;
		case 't': g_string_append_c(out, '\t'); break;
		case 'r': g_string_append_c(out, '\r'); break;
		default: g_string_append_c(out, s[i]); break;
		}
	}
	return g_string_free(out, FALSE);
}

static bool is_nm_property(const char *key)
{
	return !strcmp(key, "service-type") || !strcmp(key, "user-name") ||
	       !strcmp(key, "persistent") || !strcmp(key, "timeout");
}

/* The raw key=value lines of [vpn] and [vpn-secrets]. */
static void collect_keys(struct rove_import *im, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int group = 0; /* 1: [vpn], 2: [vpn-secrets], 3: [connection] */

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *line = p, *eq, *ke, *vs, *ve;

		eol = eol ? eol : end;
		p = eol < end ? eol + 1 : end;
		ve = eol;
		if (ve > line && ve[-1] == '\r')
			ve--;
		while (line < ve && (*line == ' ' || *line == '\t'))
			line++;
		if (line == ve || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			group = (ve - line == 5 && !memcmp(line, "[vpn]", 5)) ? 1 :
				(ve - line == 13 && !memcmp(line, "[vpn-secrets]", 13)) ? 2 :
				(ve - line == 12 && !memcmp(line, "[connection]", 12)) ? 3 : 0;
			continue;
		}
		eq = memchr(line, '=', (size_t)(ve - line));
		if (!group || !eq)
			continue;
		for (ke = eq; ke > line && (ke[-1] == ' ' || ke[-1] == '\t'); ke--)
			;
		for (vs = eq + 1; vs < ve && (*vs == ' ' || *vs == '\t'); vs++)
			;
		while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		{
			char *key = g_strndup(line, (gsize)(ke - line));
			char *val = unescape(vs, (size_t)(ve - vs));

			if (group == 3) {
				/* a NetworkManager keyfile: its id names the profile */
				if (!strcmp(key, "id") && *val) {
					g_free(im->name);
					im->name = rove_import_safe_name(val);
				}
				g_free(key);
				g_free(val);
			} else if (group == 2)
				g_hash_table_replace(im->secrets, key, val);
			else if (is_nm_property(key)) {
				g_free(key);
				g_free(val);
			} else
				g_hash_table_replace(im->data, key, val);
		}
	}
}

static struct rove_import *import_profile(const char *buf, size_t len, const char *path,
					  struct rove_err *err)
{
	struct rove_profile p;
	struct rove_diags diags = { 0 };
	struct rove_import *im;
	char text[1024];

	if (rove_profile_parse(path, buf, len, &p, &diags) < 0) {
		rove_profile_free(&p);
		if (!diags.n)
			return rove_err_set(err, ROVE_E_PARSE, _("not a rove profile")), NULL;
		rove_diag_format(&diags.d[0], text, sizeof(text));
		if (diags.n > 1)
			rove_err_set(err, ROVE_E_PARSE,
				     _("%s (and %zu more problems: rove check lists them)"), text,
				     diags.n - 1);
		else
			rove_err_set(err, ROVE_E_PARSE, "%s", text);
		return NULL;
	}
	im = rove_import_new(ROVE_IMPORT_PROFILE, path);
	collect_keys(im, buf, len);
	/* Relative file names were relative to the profile's directory: the
	 * parser made them absolute, which is what vpn.data needs. */
	if (p.ca)
		rove_import_set(im, "ca", p.ca);
	if (p.crl)
		rove_import_set(im, "crl", p.crl);
	if (p.cert)
		rove_import_set(im, "cert", p.cert);
	if (p.key)
		rove_import_set(im, "key", p.key);
	rove_profile_free(&p);
	return im;
}

struct rove_import *rove_import_parse(const char *buf, size_t len, enum rove_import_format fmt,
				      const char *path, struct rove_err *err)
{
	if (!buf || !len)
		return rove_err_set(err, ROVE_E_PARSE, _("the file is empty")), NULL;
	if (len > ROVE_IMPORT_MAX_SIZE)
		return rove_err_set(err, ROVE_E_PARSE, _("the file is larger than %d KiB"),
				    ROVE_IMPORT_MAX_SIZE / 1024), NULL;
	if (fmt == ROVE_IMPORT_AUTO)
		fmt = rove_import_detect(buf, len, path);
	switch (fmt) {
	case ROVE_IMPORT_PROFILE:
		return import_profile(buf, len, path, err);
	case ROVE_IMPORT_SSWAN:
		return rove_import_sswan(buf, len, path, err);
	case ROVE_IMPORT_MOBILECONFIG:
		return rove_import_mobileconfig(buf, len, path, err);
	default:
		break;
	}
	if (len && (unsigned char)buf[0] == 0x30)
		return rove_err_set(err, ROVE_E_UNSUPPORTED,
				    _("this looks like a signed .mobileconfig "
				    "(CMS): take the profile out with `openssl smime -verify "
				    "-noverify -inform der -in FILE -out plain.mobileconfig` and "
				    "import that")), NULL;
	return rove_err_set(err, ROVE_E_PARSE, _("not a format rove imports (a rove profile, a "
			    "strongSwan .sswan or an Apple .mobileconfig)")), NULL;
}

/* ---- writing ---- */

static void append_escaped(GString *out, const char *v)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (c == ' ' && (i == 0 || i == n - 1))
			g_string_append(out, "\\s");
		else if (c == '\\')
			g_string_append(out, "\\\\");
		else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else
			g_string_append_c(out, c);
	}
}

static bool in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (!strcmp(*list, key))
			return true;
	return false;
}

static void append_group(GString *out, const char *group, GHashTable *t,
			 const char *const *order)
{
	GList *rest = NULL, *l;
	GHashTableIter it;
	gpointer k, v;

	g_string_append_printf(out, "[%s]\n", group);
	for (const char *const *o = order; *o; o++) {
		const char *val = g_hash_table_lookup(t, *o);

		if (val) {
			g_string_append_printf(out, "%s=", *o);
			append_escaped(out, val);
			g_string_append_c(out, '\n');
		}
	}
	/* Keys rove does not know yet are kept, after the known ones. */
	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!in_list(order, k))
			rest = g_list_insert_sorted(rest, k, (GCompareFunc)strcmp);
	for (l = rest; l; l = l->next) {
		g_string_append_printf(out, "%s=", (char *)l->data);
		append_escaped(out, g_hash_table_lookup(t, l->data));
		g_string_append_c(out, '\n');
	}
	g_list_free(rest);
}

char *rove_import_profile_text(GHashTable *data, GHashTable *secrets, bool with_secrets)
{
	GString *out = g_string_new(NULL);

	append_group(out, "vpn", data, data_order);
	if (with_secrets && secrets && g_hash_table_size(secrets)) {
		g_string_append_c(out, '\n');
		append_group(out, "vpn-secrets", secrets, secret_order);
	}
	return g_string_free(out, FALSE);
}

int rove_import_write_path(const char *path, const void *data, size_t len, unsigned mode,
			   bool force, struct rove_err *err)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, mode);
	gsize off = 0;

	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, "%s: %s%s", path, g_strerror(errno),
				    errno == EEXIST ? _(" (not overwritten)") : "");
	if (fchmod(fd, mode) < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (gsize)n;
	}
	if (close(fd) < 0)
		return rove_err_set(err, ROVE_E_IO, "%s: %s", path, g_strerror(errno));
	return 0;
fail:
	rove_err_set(err, ROVE_E_IO, "%s: %s", path, g_strerror(errno));
	close(fd);
	return -1;
}

int rove_import_write_files(struct rove_import *im, const char *dir, const char *name, bool force,
			    struct rove_err *err)
{
	char *absdir = g_canonicalize_filename(dir, NULL);

	for (guint i = 0; i < im->files->len; i++) {
		struct rove_import_file *f = im->files->pdata[i];
		char *base = g_strconcat(name, f->suffix, NULL);
		char *path = g_build_filename(absdir, base, NULL);
		int r = rove_import_write_path(path, f->data, f->len, f->secret ? 0600 : 0644, force,
					       err);

		if (r == 0)
			rove_import_set(im, f->key, path);
		g_free(base);
		g_free(path);
		if (r < 0) {
			g_free(absdir);
			return -1;
		}
	}
	g_free(absdir);
	return 0;
}
