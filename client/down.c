/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `rove down NAME|--all`: ask the session to close, then wait for its
 * process to be gone so a following `rove up` finds a clean slate. */
#include "commands.h"
#include "i18n.h"
#include "ctl.h"
#include "rundir.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DOWN_TIMEOUT_MS 10000

static int down_one(const char *name)
{
	char sock[ROVE_PATH_MAX];
	struct rove_buf reply;
	struct rove_err err;
	enum rove_ctl_result r;
	pid_t pid;

	if (rove_run_path(sock, sizeof(sock), name, ".sock", &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return ROVE_EXIT_USAGE;
	}
	/* Read before asking: the session removes the file as it exits. */
	pid = rove_pidfile_read(name);
	r = rove_ctl_call(sock, ROVE_CTL_DOWN, DOWN_TIMEOUT_MS, &reply, &err);
	/* A process killed a moment ago may still hold its socket open while
	 * the kernel tears it down: it is stale once its pid is gone. */
	if (r == ROVE_CTL_ERROR && pid > 0 && rove_pid_wait_gone(pid, 2000))
		r = ROVE_CTL_STALE;
	switch (r) {
	case ROVE_CTL_OK:
		rove_buf_free(&reply);
		break;
	case ROVE_CTL_STALE:
		/* Its process died without cleaning up. */
		rove_stale_cleanup(name);
		fprintf(stderr, _("rove: %s was not running; cleaned up what it left behind\n"), name);
		return ROVE_EXIT_OK;
	case ROVE_CTL_ABSENT:
		fprintf(stderr, _("rove: %s is not up\n"), name);
		return ROVE_EXIT_FAIL;
	case ROVE_CTL_ERROR:
		fprintf(stderr, "rove: %s: %s\n", name, err.msg);
		return ROVE_EXIT_FAIL;
	}
	if (pid > 0 && !rove_pid_wait_gone(pid, DOWN_TIMEOUT_MS)) {
		fprintf(stderr, _("rove: %s: the session process (pid %ld) did not exit\n"), name,
			(long)pid);
		return ROVE_EXIT_FAIL;
	}
	printf(_("%s: down\n"), name);
	return ROVE_EXIT_OK;
}

static int down_all(void)
{
	struct rove_err err;
	char **names;
	int n, rc = ROVE_EXIT_OK;

	n = rove_run_list(&names, &err);
	if (n < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return ROVE_EXIT_FAIL;
	}
	if (n == 0)
		printf("%s", _("no sessions are up\n"));
	for (int i = 0; i < n; i++) {
		int r = down_one(names[i]);

		if (r > rc)
			rc = r;
	}
	rove_names_free(names, n);
	return rc;
}

int rove_cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char shortopts[] = ":ah";
	static const struct rove_optdoc docs[] = {
		{ 'a', NULL, "close every session in the run directory" },
		{ 0 },
	};
	bool all = false;
	int c;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'h':
			rove_cmd_help("down", shortopts, opts, docs);
			return ROVE_EXIT_OK;
		default:
			return rove_option_error(c, argv);
		}
	}
	if (all && argc - optind == 0)
		return down_all();
	if (all || argc - optind != 1)
		return rove_usage_error("down takes one session name or --all");
	if (!rove_name_valid(argv[optind]))
		return rove_usage_error("\"%s\" is not a session name", argv[optind]);
	return down_one(argv[optind]);
}
