/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "password.h"
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* Keeps the first line of buf[0..n): cuts at '\n' and drops a '\r'. */
static size_t first_line(char *buf, size_t n)
{
	char *nl = memchr(buf, '\n', n);

	if (nl)
		n = (size_t)(nl - buf);
	if (n && buf[n - 1] == '\r')
		n--;
	return n;
}

int rove_password_from_file(const char *path, char *buf, size_t len, size_t *outlen,
			    struct rove_err *err)
{
	struct stat st;
	size_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		return rove_err_set(err, ROVE_E_INVAL, "%s is a symbolic link: rove does not follow "
				    "links to password files; name the file itself", path);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rove_err_set(err, ROVE_E_INVAL, "%s is not a regular file", path);
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		close(fd);
		return rove_err_set(err, ROVE_E_INVAL,
				    "%s is readable by other users; make it private with chmod 600",
				    path);
	}
	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rove_err_set(err, ROVE_E_IO, "cannot read %s: %s", path, strerror(errno));
			close(fd);
			rove_wipe(buf, len);
			return -1;
		}
		if (r == 0 || memchr(buf + n, '\n', (size_t)r)) {
			n += (size_t)r;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	*outlen = first_line(buf, n);
	rove_wipe(buf + *outlen, len - *outlen);
	if (*outlen == 0)
		return rove_err_set(err, ROVE_E_INVAL, "%s holds no password", path);
	if (*outlen == len - 1 && !memchr(buf, '\n', n))
		return rove_err_set(err, ROVE_E_INVAL, "the password in %s is too long", path);
	return 0;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Reads up to a newline from fd 0; -1 on EOF before any input or Ctrl-C. */
static int read_line(char *buf, size_t len, size_t *outlen, struct rove_err *err)
{
	size_t n = 0;

	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);

		if (r < 0 && errno == EINTR && !interrupted)
			continue;
		if (interrupted)
			return rove_err_set(err, ROVE_E_IO, "interrupted");
		if (r < 0)
			return rove_err_set(err, ROVE_E_IO, "cannot read the password: %s",
					    strerror(errno));
		if (r == 0 || c == '\n')
			break;
		if (n < len - 1)
			buf[n++] = c;
	}
	buf[n] = '\0';
	*outlen = first_line(buf, n);
	buf[*outlen] = '\0';
	if (*outlen == 0)
		return rove_err_set(err, ROVE_E_INVAL, "no password given");
	return 0;
}

int rove_password_prompt(const char *prompt, char *buf, size_t len, size_t *outlen,
			 struct rove_err *err)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	struct termios t, saved;
	int r;

	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return rove_err_set(err, ROVE_E_IO, "cannot use the terminal: %s", strerror(errno));
	/* No SA_RESTART: the blocked read must return so the terminal gets
	 * its echo back before we exit. */
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	t = saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	t.c_lflag |= ECHONL;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0) {
		r = rove_err_set(err, ROVE_E_IO, "cannot turn off echo: %s", strerror(errno));
	} else {
		r = read_line(buf, len, outlen, err);
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	}
	if (interrupted)
		fputc('\n', stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (r < 0)
		rove_wipe(buf, len);
	return r;
}
