/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `rove up` without --foreground: fork the session process, detach it, and
 * relay its progress lines until it is up (exit 0) or has failed (exit 1). */
#include "sessproc.h"
#include "commands.h"
#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

/* The engine gives up after 30 s without an answer; this only guards
 * against a session process that hangs. */
#define UP_TIMEOUT_MS 120000
#define STOP_WAIT_MS 5000

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* /run/rove/NAME.log, opened before the first packet leaves (what the
 * session says from then on goes there); -1 if it cannot be. */
static int open_log(const char *name)
{
	char path[ROVE_PATH_MAX];

	if (rove_run_path(path, sizeof(path), name, ".log", NULL) < 0)
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* A session refused before the fork leaves no empty log behind. */
static void drop_empty_log(const char *name)
{
	char path[ROVE_PATH_MAX];
	struct stat st;

	if (rove_run_path(path, sizeof(path), name, ".log", NULL) == 0 &&
	    lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		unlink(path);
}

/* In the child: a new session without a terminal; stdin and stdout go to
 * /dev/null, stderr to the log (log_fd stays open, the caller's). */
static void detach(int log)
{
	int null;

	setsid();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	dup2(log >= 0 ? log : null, STDERR_FILENO);
	if (null >= 0)
		close(null);
}

static bool wait_exit(pid_t pid, int ms)
{
	int64_t deadline = mono_ms() + ms;
	int status;

	do {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		usleep(20 * 1000);
	} while (mono_ms() < deadline);
	return false;
}

/* Asks the session to close (it sends a DELETE), then insists. */
static void stop_child(pid_t pid, const char *name)
{
	kill(pid, SIGTERM);
	if (wait_exit(pid, STOP_WAIT_MS))
		return;
	kill(pid, SIGKILL);
	wait_exit(pid, STOP_WAIT_MS);
	rove_run_cleanup(name);
}

/* One line from the child; returns -1 to go on, else the exit code. */
static int relay_line(const char *line, pid_t pid)
{
	const char *text = line[0] && line[1] == ' ' ? line + 2 : "";

	switch (line[0]) {
	case 'p':
	case 'v':
		printf("%s\n", text);
		fflush(stdout);
		return -1;
	case 'u':
		printf("%s\n", text);
		fflush(stdout);
		return 0;
	case 'f':
		fprintf(stderr, "rove: %s\n", text);
		/* It is closing and removing its socket; let it finish so an
		 * immediate retry does not find it. */
		wait_exit(pid, STOP_WAIT_MS);
		return 1;
	}
	return -1;
}

static int relay(pid_t pid, int fd, const char *name)
{
	int64_t deadline = mono_ms() + UP_TIMEOUT_MS;
	char buf[4096], log[ROVE_PATH_MAX];
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - mono_ms();
		char *nl;
		ssize_t n;

		if (got_signal) {
			stop_child(pid, name);
			fprintf(stderr, "rove: interrupted; %s was stopped\n", name);
			return 1;
		}
		if (left <= 0) {
			stop_child(pid, name);
			fprintf(stderr, "rove: %s did not come up within %d s; stopped it\n", name,
				UP_TIMEOUT_MS / 1000);
			return 1;
		}
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			int rc;

			*nl = '\0';
			rc = relay_line(buf, pid);
			if (rc >= 0)
				return rc;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len == sizeof(buf) - 1)
			len = 0; /* an overlong line: not from our child */
	}
	wait_exit(pid, STOP_WAIT_MS);
	if (rove_run_path(log, sizeof(log), name, ".log", NULL) < 0)
		log[0] = '\0';
	fprintf(stderr, "rove: the session process stopped unexpectedly; see %s\n", log);
	return 1;
}

int rove_spawn(struct rove_runner *r)
{
	char name[64];
	struct sigaction sa = { .sa_handler = on_signal };
	struct rove_sessproc *p;
	struct rove_err err;
	bool config_error;
	int fds[2], rc, log;
	pid_t pid;

	snprintf(name, sizeof(name), "%s", rove_runner_name(r));
	if (pipe2(fds, O_CLOEXEC) < 0) {
		fprintf(stderr, "rove: cannot create a pipe: %s\n", strerror(errno));
		rove_runner_free(r);
		return 1;
	}
	/* The first IKE_SA_INIT leaves from here, before the fork: the fork,
	 * the pid file and the datapath follow while the gateway answers. */
	log = open_log(name);
	p = rove_sessproc_begin(r, false, fds[1], log, &config_error, &err);
	if (!p) {
		fprintf(stderr, "rove: %s\n", err.msg);
		close(fds[0]);
		drop_empty_log(name);
		return config_error ? ROVE_EXIT_USAGE : ROVE_EXIT_FAIL;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "rove: cannot fork: %s\n", strerror(errno));
		close(fds[0]);
		/* Nothing but the control socket is in place yet; the gateway
		 * forgets the half-open IKE SA by itself. */
		rove_sessproc_forget(p);
		rove_run_cleanup(name);
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		detach(log);
		rc = rove_sessproc_run(p);
#ifdef __SANITIZE_ADDRESS__
		/* _exit skips LeakSanitizer's check at exit: a sanitizer
		 * build reports the session process's leaks into its log. */
		__lsan_do_recoverable_leak_check();
#endif
		fflush(NULL);
		_exit(rc);
	}
	/* The session's secrets live on in the child only. */
	rove_sessproc_forget(p);
	/* No SA_RESTART: Ctrl-C must wake the poll so we stop the child,
	 * which is in its own session and does not get the terminal's signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = relay(pid, fds[0], name);
	close(fds[0]);
	return rc;
}
