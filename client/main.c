/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rove: an IKEv2 remote-access VPN client. Dispatch and usage. */
#include "commands.h"
#include "i18n.h"

#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#ifndef ROVE_VERSION
#define ROVE_VERSION "unknown"
#endif
#ifndef ROVE_LOCALEDIR
#define ROVE_LOCALEDIR "/usr/local/share/locale"
#endif

void rove_i18n_init(void)
{
	const char *dir = secure_getenv("ROVE_LOCALE_DIR");

	setlocale(LC_MESSAGES, "");
	setlocale(LC_CTYPE, "");
	bindtextdomain("rove", dir ? dir : ROVE_LOCALEDIR);
	bind_textdomain_codeset("rove", "UTF-8");
}

/* The synopsis of docs/cli.md and rove(8): tests/unit/t-cli-doc.sh checks
 * they are the same, and the options each command prints with --help. */
static const char *const synopsis[] = {
	"rove up PROFILE [--foreground] [-v] [--password-file FILE]",
	"rove down NAME|--all",
	"rove status [NAME] [--json]",
	"rove check PROFILE",
	"rove import FILE [-o DIR] [--name NAME] [--force]",
	"rove help | --help | --version",
};

void rove_usage(FILE *f)
{
	for (size_t i = 0; i < sizeof(synopsis) / sizeof(synopsis[0]); i++)
		fprintf(f, "%s%s\n", i ? "       " : "usage: ", synopsis[i]);
	fputs("\n", f);
	fputs(_("PROFILE is a name (looked up as /etc/rove/NAME.conf) or a path.\n"
		"rove COMMAND --help lists its options; rove(8) describes everything.\n"
		"Exit status: 0 ok, 1 failure, 2 usage or configuration error.\n"), f);
}

void rove_cmd_help(const char *cmd, const char *shortopts, const struct option *opts,
		   const struct rove_optdoc *docs)
{
	size_t n = strlen(cmd);
	bool first = true;

	for (size_t i = 0; i < sizeof(synopsis) / sizeof(synopsis[0]); i++)
		if (!strncmp(synopsis[i], "rove ", 5) && !strncmp(synopsis[i] + 5, cmd, n) &&
		    (synopsis[i][5 + n] == ' ' || !synopsis[i][5 + n]))
			printf("usage: %s\n", synopsis[i]);
	for (; opts->name; opts++) {
		const struct rove_optdoc *d = docs;
		char label[64];
		int w;

		if (!strcmp(opts->name, "help"))
			continue;
		while (d->val && d->val != opts->val)
			d++;
		if (opts->val > 0 && opts->val < 128 && strchr(shortopts, opts->val))
			w = snprintf(label, sizeof(label), "-%c, --%s", opts->val, opts->name);
		else
			w = snprintf(label, sizeof(label), "    --%s", opts->name);
		if (opts->has_arg && d->arg && w > 0 && (size_t)w < sizeof(label))
			snprintf(label + w, sizeof(label) - (size_t)w, " %s", d->arg);
		printf("%s  %-24s  %s\n", first ? "\n" : "", label, d->text ? d->text : "");
		first = false;
	}
	puts("\nrove(8) has the details.");
}

int rove_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rove: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	rove_usage(stderr);
	return ROVE_EXIT_USAGE;
}

int rove_option_error(int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (optopt > 0 && optopt < 128 && (!arg || strncmp(arg, "--", 2) != 0))
		arg = shortopt;
	if (c == ':')
		return rove_usage_error(_("option %s needs a value"), arg);
	return rove_usage_error(_("unknown option %s"), arg);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "up", rove_cmd_up },
	{ "down", rove_cmd_down },
	{ "status", rove_cmd_status },
	{ "check", rove_cmd_check },
	{ "import", rove_cmd_import },
};

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	rove_i18n_init();
	if (!cmd) {
		rove_usage(stderr);
		return ROVE_EXIT_USAGE;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		rove_usage(stdout);
		return ROVE_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("rove %s\n", ROVE_VERSION);
		return ROVE_EXIT_OK;
	}
	opterr = 0;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	if (cmd[0] == '-')
		return rove_usage_error(_("unknown option %s"), cmd);
	return rove_usage_error(_("unknown command \"%s\""), cmd);
}
