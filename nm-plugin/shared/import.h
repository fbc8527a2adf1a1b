/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Importing VPN profiles of other formats into rove's keys, and writing a
 * rove profile. The keys are those of docs/profile.md: `data` holds the
 * [vpn] keys (NetworkManager's vpn.data), `secrets` the [vpn-secrets] keys
 * (vpn.secrets). Three formats are read:
 *
 *  - a rove profile or a NetworkManager keyfile for rove (docs/profile.md);
 *  - strongSwan's .sswan (the JSON its Android app imports);
 *  - an Apple .mobileconfig with an IKEv2 VPN payload (plist XML).
 *
 * What a format holds that rove has no key for is not dropped silently: each
 * such item becomes a sentence in `notes`. Certificates and keys embedded in
 * the file become `files`, written beside the profile by
 * rove_import_write_files(), which points the referencing key at them.
 *
 * Parsers take a buffer and its length and never read past it (fuzz/
 * fuzz_import_*.c). No GTK, no libnm: `rove import` and the NetworkManager
 * plugin share this.
 *
 * Memory: a struct rove_import is owned by the caller and freed with
 * rove_import_free(), which wipes the secrets and embedded keys. */
#ifndef ROVE_IMPORT_H
#define ROVE_IMPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define ROVE_IMPORT_MAX_SIZE (1024 * 1024) /* a .mobileconfig with a few certificates */

enum rove_import_format {
	ROVE_IMPORT_AUTO = 0,
	ROVE_IMPORT_PROFILE,      /* rove profile / NetworkManager keyfile */
	ROVE_IMPORT_SSWAN,
	ROVE_IMPORT_MOBILECONFIG,
};

/* A certificate or key that came inside the file. */
struct rove_import_file {
	char *suffix;   /* appended to the profile name: ".p12", "-ca.pem" */
	char *key;      /* the [vpn] key that names it: "cert", "ca" */
	guint8 *data;   /* wiped on free */
	gsize len;
	bool secret;    /* holds a private key: written 0600 */
};

struct rove_import {
	enum rove_import_format format;
	char *name;          /* suggested profile name (file-name safe), never NULL */
	GHashTable *data;    /* char* -> char*, [vpn] */
	GHashTable *secrets; /* char* -> char*, [vpn-secrets]; values wiped on free */
	GPtrArray *files;    /* struct rove_import_file * */
	GPtrArray *notes;    /* char *: one sentence for each thing that did not map */
};

/* Guesses the format from the content (and the file name's extension when
 * the content is ambiguous). path may be NULL. */
enum rove_import_format rove_import_detect(const char *buf, size_t len, const char *path);

/* Parses buf (len bytes) as fmt (AUTO: detected). path (may be NULL) gives
 * the default name and, for a rove profile, the directory relative file
 * names are taken from. Returns NULL with err set when nothing usable could
 * be read: not the format, no gateway, an authentication rove cannot do. */
struct rove_import *rove_import_parse(const char *buf, size_t len, enum rove_import_format fmt,
				      const char *path, struct rove_err *err);

void rove_import_free(struct rove_import *im);

/* Writes the embedded files as DIR/NAME<suffix> (0600 for secrets, 0644
 * otherwise; an existing file is not overwritten unless force) and sets the
 * key that names each to its absolute path. Returns 0, or -1 with err. */
int rove_import_write_files(struct rove_import *im, const char *dir, const char *name, bool force,
			    struct rove_err *err);

/* The profile text: [vpn] then [vpn-secrets] (only when with_secrets and
 * there are any), keys in docs/profile.md's order, values escaped as the
 * keyfile format wants. Returns a newly allocated string (g_free). */
char *rove_import_profile_text(GHashTable *data, GHashTable *secrets, bool with_secrets);

/* The check `rove check` makes of one key's value, alone (what needs other
 * keys, such as a missing server, is not checked). Returns 0, or -1 with the
 * sentence `rove check` prints after "file:line: key: " in msg. */
int rove_key_check(const char *key, const char *value, bool secret, char *msg, size_t msglen);

/* Creates path with mode (0600 for anything holding a secret): refuses to
 * replace an existing file unless force, never follows a symlink. */
int rove_import_write_path(const char *path, const void *data, size_t len, unsigned mode,
			   bool force, struct rove_err *err);

/* Adds a note, printf-style. */
void rove_import_note(struct rove_import *im, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Sets a [vpn] / [vpn-secrets] key (copies value). */
void rove_import_set(struct rove_import *im, const char *key, const char *value);
void rove_import_set_secret(struct rove_import *im, const char *key, const char *value);
/* Adds an embedded file (copies data). */
void rove_import_add_file(struct rove_import *im, const char *key, const char *suffix,
			  const void *data, gsize len, bool secret);
/* A file-name-safe profile name from s (letters, digits, '-', '_', '.'),
 * at most 63 bytes; "imported" when nothing is left. g_free. */
char *rove_import_safe_name(const char *s);
/* The format-specific parsers (import_sswan.c, import_apple.c). */
struct rove_import *rove_import_sswan(const char *buf, size_t len, const char *path,
				      struct rove_err *err);
struct rove_import *rove_import_mobileconfig(const char *buf, size_t len, const char *path,
					     struct rove_err *err);
struct rove_import *rove_import_new(enum rove_import_format fmt, const char *path);

#endif
