/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rove: an IKEv2 remote-access VPN client. Dispatch and usage. */
#include "commands.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#ifndef ROVE_VERSION
#define ROVE_VERSION "unknown"
#endif

void rove_usage(FILE *f)
{
	fputs("usage: rove up PROFILE [--foreground] [-v] [--password-file FILE]\n"
	      "       rove down NAME|--all\n"
	      "       rove status [NAME] [--json]\n"
	      "       rove check PROFILE\n"
	      "       rove help | --help | --version\n"
	      "\n"
	      "PROFILE is a name (looked up as /etc/rove/NAME.conf) or a path.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage or configuration error.\n", f);
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
		return rove_usage_error("option %s needs a value", arg);
	return rove_usage_error("unknown option %s", arg);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "up", rove_cmd_up },
	{ "down", rove_cmd_down },
	{ "status", rove_cmd_status },
	{ "check", rove_cmd_check },
};

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

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
		return rove_usage_error("unknown option %s", cmd);
	return rove_usage_error("unknown command \"%s\"", cmd);
}
