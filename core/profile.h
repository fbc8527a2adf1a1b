/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection profiles: GLib-style keyfiles whose [vpn] keys are the
 * NetworkManager vpn.data keys and whose [vpn-secrets] keys are vpn.secrets,
 * so one file serves `rove up` and, as a NetworkManager keyfile, the plugin.
 *
 *   [vpn]
 *   server=vpn.example.com
 *   user=alice
 *   ca=/etc/rove/example-ca.pem
 *
 * docs/profile.md describes every key. The parser is written by hand so each
 * problem can name its line; it reads only the bytes it is given. All
 * problems are collected, not just the first.
 *
 * Memory: a struct rove_profile owns its strings (heap); rove_profile_free()
 * frees them and wipes the secrets. It must be called after any of the
 * functions that fill a profile, whether they succeeded or not. */
#ifndef ROVE_PROFILE_H
#define ROVE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "err.h"

enum rove_auth_pref {
	ROVE_PROFILE_AUTH_AUTO = 0,
	ROVE_PROFILE_AUTH_EAP_MSCHAPV2,
	ROVE_PROFILE_AUTH_PSK,
	ROVE_PROFILE_AUTH_PUBKEY, /* our certificate (cert=, key=) */
	ROVE_PROFILE_AUTH_EAP_TLS, /* the same certificate inside EAP-TLS */
};

enum rove_datapath_pref {
	ROVE_DP_AUTO = 0,
	ROVE_DP_KERNEL,
	ROVE_DP_USERSPACE,
};

/* ocsp=: what an unanswered OCSP check of the gateway's certificate does. */
enum rove_ocsp_pref {
	ROVE_OCSP_PREF_SOFT = 0, /* connect, and say so in status */
	ROVE_OCSP_PREF_REQUIRE,  /* refuse */
	ROVE_OCSP_PREF_NO,       /* never ask */
};

#define ROVE_PROFILE_MAX_ROUTES 16
#define ROVE_PROFILE_MAX_SIZE (64 * 1024)
#define ROVE_PROFILE_DPD_MAX 86400
#define ROVE_PROFILE_DPD_TIMEOUT_MAX 3600
#define ROVE_PROFILE_REAUTH_MIN 10
#define ROVE_PROFILE_REAUTH_MAX (30u * 86400u)
#define ROVE_PROFILE_FRAG_MIN 400   /* = ROVE_FRAG_MIN_SIZE in frag.h */
#define ROVE_PROFILE_FRAG_MAX 65535
#define ROVE_PROFILE_REKEY_MAX (30 * 86400)
#define ROVE_PROFILE_IKE_REKEY 14400  /* strongSwan's rekey_time defaults */
#define ROVE_PROFILE_CHILD_REKEY 3600

struct rove_profile {
	char name[64];           /* the file name without .conf (or .nmconnection) */
	char path[4096];
	/* Heap, owned; NULL when absent. remote_id NULL means "the server".
	 * ca is absolute: a relative ca= is taken from the profile's directory. */
	char *server, *remote_id, *local_id, *user, *ca;
	enum rove_auth_pref auth; /* after inference: never AUTO on success */
	struct rove_prefix routes[ROVE_PROFILE_MAX_ROUTES]; /* default 0.0.0.0/0, ::/0 */
	size_t nroutes;
	char *ike, *esp;          /* raw proposal strings (validated), NULL = defaults */
	bool encap, mobike;       /* defaults: no, yes */
	bool leak_block;          /* default yes: block a family the gateway assigned nothing for */
	unsigned dpd;             /* seconds, 0 = off; default 30 */
	unsigned dpd_timeout;     /* seconds a liveness check may go unanswered; default 15 */
	bool reconnect;           /* reconnect after the gateway died or closed; default yes */
	unsigned reauth;          /* seconds between reauthentications, 0 = off (default) */
	unsigned fragment_size;   /* IP packet size for our IKE fragments, 0 = RFC 7383 default */
	/* When we rekey, seconds after the SA came up (less up to a tenth at
	 * random); 0 = only when the gateway does. Defaults 4 h and 1 h. */
	unsigned ike_rekey, child_rekey;
	enum rove_datapath_pref datapath;
	char *crl;                /* crl=: absolute path of a CRL file, NULL = none */
	enum rove_ocsp_pref ocsp; /* default soft */
	/* Secrets: heap, NUL-terminated, wiped on free. */
	char *password, *psk;
	size_t password_len, psk_len;
	bool secrets_readable_by_others; /* set by rove_profile_load from the file mode */
	unsigned password_flags, psk_flags; /* NetworkManager secret flags, 0..7 */
	/* Our certificate: heap, owned, NULL when absent. A file path is made
	 * absolute like ca=; a URI (pkcs11:...) is kept as written. key NULL:
	 * the key is in cert (PKCS#12 or PEM with both). */
	char *cert, *key;
	char *key_password;      /* secret: decrypts key (or the PKCS#12 bundle) */
	size_t key_password_len;
	unsigned key_password_flags;
	bool send_remote_id;     /* send remote-id as IDr; default no */
	bool eap_tls13;          /* eap-tls-version=1.3: offer TLS 1.3 too; default 1.2 */
};

/* One problem: file, line (0 if not about a line), key (may be empty) and
 * message. */
struct rove_diag {
	char file[4096];
	unsigned line;
	char key[64];
	char msg[512];
};

#define ROVE_MAX_DIAGS 32
/* Zero it before use; functions append. Beyond ROVE_MAX_DIAGS problems the
 * last entry says "... more problems". */
struct rove_diags {
	size_t n;
	struct rove_diag d[ROVE_MAX_DIAGS];
};

/* Parses and validates a profile of len bytes. Collects every problem into
 * diags (which may be NULL). Returns 0 when there is none, -1 otherwise (the
 * profile is then partially filled). `path` (may be NULL) names the file in
 * messages, gives the profile its name, and anchors a relative ca= path;
 * the file system is not touched. */
int rove_profile_parse(const char *path, const char *buf, size_t len, struct rove_profile *p,
		       struct rove_diags *diags);

/* Reads the file (a regular file of at most 64 KiB) and parses it. When it
 * holds a [vpn-secrets] value, it must be neither readable nor writable by
 * group or others and owned by root or by us; otherwise a problem is
 * reported and secrets_readable_by_others is set. */
int rove_profile_load(const char *path, struct rove_profile *p, struct rove_diags *diags);

/* A NAME without '/' and not ending in ".conf" means <dir>/NAME.conf
 * (dir is normally /etc/rove); anything else is a path, copied as is.
 * Returns 0, or -1 with err set (ROVE_E_INVAL) if empty or too long. */
int rove_profile_resolve(const char *name_or_path, const char *dir, char *out, size_t outlen,
			 struct rove_err *err);

void rove_profile_free(struct rove_profile *p);

/* "file:line: key: message" (the line and key parts only when set). */
void rove_diag_format(const struct rove_diag *d, char *buf, size_t len);

/* Appends a problem; d may be NULL. */
void rove_diags_add(struct rove_diags *d, const char *file, unsigned line, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Building a profile key by key, for callers that hold the keys rather
 * than a file (NetworkManager hands its plugin vpn.data and vpn.secrets as
 * dictionaries). rove_profile_parse is init, set for each key, finish.
 *
 * init zeroes p and sets the path and name (path may be NULL). */
void rove_profile_init(struct rove_profile *p, const char *path);
/* Sets one [vpn] key (secret false) or [vpn-secrets] key (secret true)
 * from its unescaped value of value_len bytes (no NUL inside). line only
 * goes into messages (0: none). Unknown keys are problems, with a
 * suggestion when a known key is close. Returns 0, or -1 after adding a
 * problem. Setting a key twice replaces the value. */
int rove_profile_set(struct rove_profile *p, bool secret, const char *key, const char *value,
		     size_t value_len, unsigned line, struct rove_diags *diags);
/* Checks what needs all the keys (server present, the authentication
 * method) and fills the defaults. Returns 0, or -1 after adding problems. */
int rove_profile_finish(struct rove_profile *p, struct rove_diags *diags);

/* NetworkManager's vpn.data and vpn.secrets as the plugin gets them: keys
 * and NUL-terminated values, pairs in order (data[2i] the key, data[2i+1]
 * the value). init, set for each pair, finish; each problem names where it
 * comes from as "vpn.data key 'X'" or "vpn.secrets key 'X'" (in the key
 * field, the file field empty). name (may be NULL) becomes p->name.
 * Returns 0, or -1 with every problem in diags. */
int rove_profile_from_pairs(struct rove_profile *p, const char *name,
			    const char *const *data, size_t ndata,
			    const char *const *secrets, size_t nsecrets,
			    struct rove_diags *diags);

#endif
