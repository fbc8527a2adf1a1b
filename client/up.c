/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `rove up PROFILE`: everything that can be refused is checked here, in
 * the invoking process, before the session process starts. */
#include "cert.h"
#include "commands.h"
#include "cred.h"
#include "ctl.h"
#include "password.h"
#include "profile.h"
#include "rundir.h"
#include "runner.h"
#include "sessproc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

struct up_opts {
	const char *profile;
	const char *password_file;
	bool foreground, verbose;
};

/* What the session borrows; freed after the session is over. */
struct up_state {
	struct rove_profile p;
	bool loaded;
	char path[ROVE_PATH_MAX];
	char password[ROVE_PASSWORD_MAX];
	size_t password_len;
	struct rove_cred *cred;   /* auth=pubkey; the runner takes it over */
};

/* 0 to go on, -1 after --help, else the usage error's exit code. */
static int parse_args(int argc, char **argv, struct up_opts *o)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char shortopts[] = ":fvh";
	static const struct rove_optdoc docs[] = {
		{ 'f', NULL, "keep the session in this process, logging to stderr" },
		{ 'v', NULL, "print a line per IKE exchange" },
		{ 'p', "FILE", "read the EAP password from the first line of FILE" },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'p':
			o->password_file = optarg;
			break;
		case 'h':
			rove_cmd_help("up", shortopts, opts, docs);
			return -1;
		default:
			return rove_option_error(c, argv);
		}
	}
	if (argc - optind != 1)
		return rove_usage_error("up takes one profile");
	o->profile = argv[optind];
	return 0;
}

static int load_profile(struct up_state *st, const char *arg)
{
	struct rove_diags diags;
	struct rove_err err;

	if (rove_profile_resolve(arg, rove_config_dir(), st->path, sizeof(st->path), &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return -1;
	}
	memset(&diags, 0, sizeof(diags));
	/* Freed after success and failure alike (profile.h). */
	st->loaded = true;
	if (rove_profile_load(st->path, &st->p, &diags) < 0) {
		for (size_t i = 0; i < diags.n && i < sizeof(diags.d) / sizeof(diags.d[0]); i++) {
			char text[ROVE_PATH_MAX + 1024];

			rove_diag_format(&diags.d[i], text, sizeof(text));
			fprintf(stderr, "%s\n", text);
		}
		return -1;
	}
	/* The loader reports this too; never run with such a file. */
	if (st->p.secrets_readable_by_others) {
		fprintf(stderr, "rove: %s holds secrets and other users can read it; make it "
				"private with chmod 600\n", st->path);
		return -1;
	}
	if (!rove_name_valid(st->p.name)) {
		fprintf(stderr, "rove: \"%s\" cannot be used as a session name; rename the "
				"profile\n", st->p.name);
		return -1;
	}
	return 0;
}

/* Our certificate and key; an encrypted key without key-password in the
 * profile is opened with a passphrase asked on the terminal. */
static int load_cred(struct up_state *st)
{
	char pass[ROVE_PASSWORD_MAX], prompt[512];
	struct rove_err err;
	size_t plen = 0;
	bool need = false;

	st->cred = rove_cred_load(st->p.cert, st->p.key, st->p.key_password,
				  st->p.key_password_len, &need, &err);
	if (!st->cred && need && isatty(STDIN_FILENO)) {
		snprintf(prompt, sizeof(prompt), "Passphrase for %s: ",
			 st->p.key ? st->p.key : st->p.cert);
		if (rove_password_prompt(prompt, pass, sizeof(pass), &plen, &err) == 0)
			st->cred = rove_cred_load(st->p.cert, st->p.key, pass, plen, NULL, &err);
		rove_wipe(pass, sizeof(pass));
	}
	if (!st->cred) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Password: --password-file, then the profile, then the terminal. */
static int get_secret(struct up_state *st, const struct up_opts *o)
{
	struct rove_err err;
	char prompt[512];

	if (st->p.auth == ROVE_PROFILE_AUTH_PUBKEY || st->p.auth == ROVE_PROFILE_AUTH_EAP_TLS)
		return load_cred(st);
	if (st->p.auth == ROVE_PROFILE_AUTH_PSK) {
		if (!st->p.psk || !st->p.psk_len) {
			fprintf(stderr, "rove: no pre-shared key: put psk= in [vpn-secrets]\n");
			return -1;
		}
		return 0;
	}
	if (o->password_file) {
		if (rove_password_from_file(o->password_file, st->password, sizeof(st->password),
					    &st->password_len, &err) < 0) {
			fprintf(stderr, "rove: %s\n", err.msg);
			return -1;
		}
		return 0;
	}
	if (st->p.password && st->p.password_len) {
		if (st->p.password_len >= sizeof(st->password)) {
			fprintf(stderr, "rove: the password in %s is too long\n", st->path);
			return -1;
		}
		memcpy(st->password, st->p.password, st->p.password_len);
		st->password_len = st->p.password_len;
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "rove: no password: put it in [vpn-secrets] or use --password-file\n");
		return -1;
	}
	snprintf(prompt, sizeof(prompt), "Password for %s@%s: ", st->p.user ? st->p.user : "",
		 st->p.server);
	if (rove_password_prompt(prompt, st->password, sizeof(st->password), &st->password_len,
				 &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* A session of the same name: refuse if it answers, clear it if stale. */
static int check_not_up(const char *name)
{
	char sock[ROVE_PATH_MAX];
	struct rove_buf reply;
	struct rove_err err;
	enum rove_ctl_result r;
	pid_t pid;

	if (rove_run_dir_create(&err) < 0 ||
	    rove_run_path(sock, sizeof(sock), name, ".sock", &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return -1;
	}
	pid = rove_pidfile_read(name);
	r = rove_ctl_call(sock, ROVE_CTL_PING, 2000, &reply, &err);
	/* Killed a moment ago: the socket may answer nothing until its
	 * process is fully gone. */
	if (r == ROVE_CTL_ERROR && pid > 0 && rove_pid_wait_gone(pid, 2000))
		r = ROVE_CTL_STALE;
	switch (r) {
	case ROVE_CTL_ABSENT:
		return 0;
	case ROVE_CTL_STALE:
		rove_stale_cleanup(name);
		return 0;
	case ROVE_CTL_OK:
		rove_buf_free(&reply);
		fprintf(stderr, "rove: %s is already up\n", name);
		return -1;
	case ROVE_CTL_ERROR:
		break;
	}
	fprintf(stderr, "rove: %s is already up but does not answer: %s\n", name, err.msg);
	return -1;
}

static void drop_secret(char **p, size_t *len)
{
	if (*p) {
		rove_wipe(*p, *len);
		free(*p);
	}
	*p = NULL;
	*len = 0;
}

static int run(struct up_state *st, const struct up_opts *o)
{
	struct rove_runner_options ro = { 0 };
	struct rove_runner *r;
	struct rove_err err;
	bool config_error;

	if (load_profile(st, o->profile) < 0 || get_secret(st, o) < 0)
		return ROVE_EXIT_USAGE;
	if (check_not_up(st->p.name) < 0)
		return ROVE_EXIT_FAIL;
	ro.name = st->p.name;
	ro.verbose = o->verbose;
	ro.apply_system = true;
	ro.password = st->password;
	ro.password_len = st->password_len;
	ro.cred = st->cred;
	st->cred = NULL;
	r = rove_runner_new(&st->p, &ro, &config_error, &err);
	/* The session keeps its own copy of the secret, and reconnects and
	 * reauthentication take it from there (rove_session_config): no other
	 * copy lives on in the session process. */
	rove_wipe(st->password, sizeof(st->password));
	drop_secret(&st->p.password, &st->p.password_len);
	drop_secret(&st->p.psk, &st->p.psk_len);
	drop_secret(&st->p.key_password, &st->p.key_password_len);
	if (!r) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return config_error ? ROVE_EXIT_USAGE : ROVE_EXIT_FAIL;
	}
	if (o->foreground)
		return rove_session_process(r, true, -1);
	return rove_spawn(r);
}

/* The waiting `rove up` is done (the session process goes on): exit
 * without the exit handlers, OpenSSL's cleanup of its providers and
 * name maps (about 0.4 ms before the shell gets control back). This
 * process holds no secret by now (wiped above and in rove_spawn). */
static void quick_exit_up(int code)
{
	fflush(NULL);
#ifdef __SANITIZE_ADDRESS__
	/* _exit skips LeakSanitizer's check at exit. */
	__lsan_do_recoverable_leak_check();
#endif
	_exit(code);
}

int rove_cmd_up(int argc, char **argv)
{
	struct up_opts o;
	struct up_state *st;
	int code = parse_args(argc, argv, &o);

	/* -1: --help was printed. */
	if (code != 0)
		return code < 0 ? ROVE_EXIT_OK : code;
	if (geteuid() != 0) {
		fprintf(stderr, "rove: must be run as root (it configures the network)\n");
		return ROVE_EXIT_FAIL;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		fprintf(stderr, "rove: out of memory\n");
		return ROVE_EXIT_FAIL;
	}
	code = run(st, &o);
	rove_wipe(st->password, sizeof(st->password));
	rove_cred_free(st->cred);
	if (st->loaded)
		rove_profile_free(&st->p);
	free(st);
	if (!o.foreground)
		quick_exit_up(code);
	return code;
}
