/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `rove check PROFILE`: everything `rove up` would refuse, without root and
 * without touching the network. */
#include "cert.h"
#include "commands.h"
#include "i18n.h"
#include "cred.h"
#include "profile.h"
#include "proposal.h"
#include "rundir.h"

#include <ctype.h>
#include <getopt.h>
#include <string.h>

/* The line where `key =` is set, so a problem found after loading (the CA
 * file, a proposal) still points into the file; 0 when not found. */
static unsigned key_line(const char *path, const char *key)
{
	char line[4096];
	unsigned n = 0, found = 0;
	size_t klen = strlen(key);
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;

		n++;
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, key, klen) != 0)
			continue;
		p += klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '=')
			found = n; /* the last one wins, as in the parser */
	}
	fclose(f);
	return found;
}

static void report(const char *path, const char *key, const char *msg)
{
	struct rove_diag d = { .line = key_line(path, key) };
	char text[ROVE_PATH_MAX + 1024];

	snprintf(d.file, sizeof(d.file), "%s", path);
	snprintf(d.key, sizeof(d.key), "%s", key);
	snprintf(d.msg, sizeof(d.msg), "%s", msg);
	rove_diag_format(&d, text, sizeof(text));
	fprintf(stderr, "%s\n", text);
}

/* Our certificate and key: readable, decryptable, belonging together. An
 * encrypted key without key-password is fine: `rove up` asks for it. */
static int check_cred(const char *path, const struct rove_profile *p)
{
	struct rove_err err;
	struct rove_cred *c;
	bool need = false;

	if (!p->cert)
		return 0;
	c = rove_cred_load(p->cert, p->key, p->key_password, p->key_password_len, &need, &err);
	if (c) {
		rove_cred_free(c);
		return 0;
	}
	if (need) {
		printf(_("%s: %s is encrypted and has no key-password: rove up will ask for it\n"),
		       path, p->key ? p->key : p->cert);
		return 0;
	}
	report(path, p->key && strstr(err.msg, p->key) == err.msg ? "key" : "cert", err.msg);
	return 1;
}

/* What the loader leaves to others: the CA file, and after a clean load
 * the proposals and file mode again (the loader reports those itself when
 * it fails, so they are not repeated). */
static int check_loaded(const char *path, const struct rove_profile *p, bool clean)
{
	struct rove_proposals props;
	struct rove_err err;
	struct rove_trust *t;
	int problems = 0;

	if (p->ca) {
		t = rove_trust_new(p->ca, &err);
		if (!t) {
			report(path, "ca", err.msg);
			problems++;
		}
		rove_trust_free(t);
	}
	if (p->crl) {
		t = rove_trust_new(NULL, &err);
		if (t && rove_trust_add_crls(t, p->crl, &err) < 0) {
			report(path, "crl", err.msg);
			problems++;
		}
		rove_trust_free(t);
	}
	problems += check_cred(path, p);
	if (!clean)
		return problems;
	if (p->ike && rove_proposals_parse(p->ike, false, &props, &err) < 0) {
		report(path, "ike", err.msg);
		problems++;
	}
	if (p->esp && rove_proposals_parse(p->esp, true, &props, &err) < 0) {
		report(path, "esp", err.msg);
		problems++;
	}
	if (p->secrets_readable_by_others) {
		fprintf(stderr, _("%s: the file holds secrets and other users can read it; "
				  "make it private with chmod 600\n"), path);
		problems++;
	}
	return problems;
}

int rove_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char shortopts[] = ":h";
	static const struct rove_optdoc docs[] = { { 0 } };
	struct rove_profile p;
	struct rove_diags diags;
	struct rove_err err;
	char path[ROVE_PATH_MAX];
	int c, problems;
	bool clean;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c == 'h') {
			rove_cmd_help("check", shortopts, opts, docs);
			return ROVE_EXIT_OK;
		}
		return rove_option_error(c, argv);
	}
	if (argc - optind != 1)
		return rove_usage_error("check takes one profile");
	if (rove_profile_resolve(argv[optind], rove_config_dir(), path, sizeof(path), &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return ROVE_EXIT_USAGE;
	}
	memset(&diags, 0, sizeof(diags));
	clean = rove_profile_load(path, &p, &diags) == 0;
	for (size_t i = 0; i < diags.n && i < sizeof(diags.d) / sizeof(diags.d[0]); i++) {
		char text[ROVE_PATH_MAX + 1024];

		rove_diag_format(&diags.d[i], text, sizeof(text));
		fprintf(stderr, "%s\n", text);
	}
	problems = check_loaded(path, &p, clean) + (clean ? 0 : 1);
	rove_profile_free(&p);
	if (problems)
		return ROVE_EXIT_USAGE;
	printf(_("%s: ok\n"), path);
	return ROVE_EXIT_OK;
}
