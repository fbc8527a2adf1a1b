/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rundir.h"
#include "i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *rove_run_dir(void)
{
	const char *d = getenv("ROVE_RUN_DIR");

	return d && *d ? d : "/run/rove";
}

const char *rove_config_dir(void)
{
	const char *d = getenv("ROVE_CONFIG_DIR");

	return d && *d ? d : "/etc/rove";
}

bool rove_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63 || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int rove_run_path(char *out, size_t len, const char *name, const char *suffix,
		  struct rove_err *err)
{
	int n;

	if (!rove_name_valid(name))
		return rove_err_set(err, ROVE_E_INVAL, _("\"%s\" is not a valid session name"), name);
	n = snprintf(out, len, "%s/%s%s", rove_run_dir(), name, suffix);
	if (n < 0 || (size_t)n >= len)
		return rove_err_set(err, ROVE_E_INVAL, _("the path for %s is too long"), name);
	return 0;
}

int rove_run_dir_create(struct rove_err *err)
{
	const char *dir = rove_run_dir();
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return rove_err_set(err, ROVE_E_IO, _("cannot create %s: %s"), dir, strerror(errno));
	if (lstat(dir, &st) < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot use %s: %s"), dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return rove_err_set(err, ROVE_E_IO, _("%s is not a directory"), dir);
	if (st.st_uid != geteuid())
		return rove_err_set(err, ROVE_E_IO, _("%s belongs to another user"), dir);
	/* Sockets inside are only checked by SO_PEERCRED; the directory mode
	 * keeps others from even seeing the session names. */
	if ((st.st_mode & 0777) != 0700 && chmod(dir, 0700) < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot restrict %s: %s"), dir, strerror(errno));
	return 0;
}

int rove_pidfile_write(const char *name, pid_t pid, struct rove_err *err)
{
	char path[ROVE_PATH_MAX], tmp[ROVE_PATH_MAX + 8], line[32];
	int fd, n;

	if (rove_run_path(path, sizeof(path), name, ".pid", err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), tmp, strerror(errno));
	n = snprintf(line, sizeof(line), "%ld\n", (long)pid);
	if (write(fd, line, (size_t)n) != n || close(fd) < 0 || rename(tmp, path) < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot write %s: %s"), path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

pid_t rove_pidfile_read(const char *name)
{
	char path[ROVE_PATH_MAX], line[32];
	char *end;
	long v;
	ssize_t n;
	int fd;

	if (rove_run_path(path, sizeof(path), name, ".pid", NULL) < 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	line[n] = '\0';
	errno = 0;
	v = strtol(line, &end, 10);
	if (errno || end == line || (*end && *end != '\n') || v <= 1 || v > 0x7fffffff)
		return 0;
	return (pid_t)v;
}

void rove_run_cleanup(const char *name)
{
	char path[ROVE_PATH_MAX];

	if (rove_run_path(path, sizeof(path), name, ".sock", NULL) == 0)
		unlink(path);
	if (rove_run_path(path, sizeof(path), name, ".pid", NULL) == 0)
		unlink(path);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rove_run_list(char ***names, struct rove_err *err)
{
	const char *dir = rove_run_dir();
	struct dirent *de;
	char **v = NULL;
	int n = 0, cap = 0;
	DIR *d;

	*names = NULL;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return rove_err_set(err, ROVE_E_IO, _("cannot read %s: %s"), dir, strerror(errno));
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *name;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".sock") != 0)
			continue;
		name = strndup(de->d_name, len - 5);
		if (!name || !rove_name_valid(name)) {
			free(name);
			continue;
		}
		if (n == cap) {
			char **nv = realloc(v, (size_t)(cap ? cap * 2 : 8) * sizeof(*nv));
			if (!nv) {
				free(name);
				break;
			}
			v = nv;
			cap = cap ? cap * 2 : 8;
		}
		v[n++] = name;
	}
	closedir(d);
	if (n)
		qsort(v, (size_t)n, sizeof(*v), cmp_names);
	*names = v;
	return n;
}

void rove_names_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
