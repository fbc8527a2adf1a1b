/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `rove down NAME|--all`: ask the session to close, then wait for its
 * process to be gone so a following `rove up` finds a clean slate. */
#include "commands.h"
#include "ctl.h"
#include "rundir.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DOWN_TIMEOUT_MS 10000

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A zombie has exited; only its parent (init, or a container's first
 * process that may never reap) still holds the pid. */
static bool is_zombie(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may contain anything */
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* Not our child: poll for it to disappear. */
static bool wait_gone(pid_t pid, int ms)
{
	int64_t deadline = mono_ms() + ms;

	while ((kill(pid, 0) == 0 || errno == EPERM) && !is_zombie(pid)) {
		if (mono_ms() >= deadline)
			return false;
		usleep(20 * 1000);
	}
	return true;
}

static int down_one(const char *name)
{
	char sock[ROVE_PATH_MAX];
	struct rove_buf reply;
	struct rove_err err;
	pid_t pid;

	if (rove_run_path(sock, sizeof(sock), name, ".sock", &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return ROVE_EXIT_USAGE;
	}
	/* Read before asking: the session removes the file as it exits. */
	pid = rove_pidfile_read(name);
	switch (rove_ctl_call(sock, ROVE_CTL_DOWN, DOWN_TIMEOUT_MS, &reply, &err)) {
	case ROVE_CTL_OK:
		rove_buf_free(&reply);
		break;
	case ROVE_CTL_STALE:
		/* Its process died without cleaning up. */
		rove_run_cleanup(name);
		/* fall through */
	case ROVE_CTL_ABSENT:
		fprintf(stderr, "rove: %s is not up\n", name);
		return ROVE_EXIT_FAIL;
	case ROVE_CTL_ERROR:
		fprintf(stderr, "rove: %s: %s\n", name, err.msg);
		return ROVE_EXIT_FAIL;
	}
	if (pid > 0 && !wait_gone(pid, DOWN_TIMEOUT_MS)) {
		fprintf(stderr, "rove: %s: the session process (pid %ld) did not exit\n", name,
			(long)pid);
		return ROVE_EXIT_FAIL;
	}
	printf("%s: down\n", name);
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
		printf("no sessions are up\n");
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
	bool all = false;
	int c;

	while ((c = getopt_long(argc, argv, ":ah", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'h':
			rove_usage(stdout);
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
