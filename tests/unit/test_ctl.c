/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket: request parser, JSON writer (escaping) and reader,
 * one exchange over a real AF_UNIX listener; the run directory and the
 * password file. */
#include "check.h"
#include "ctl.h"
#include "json.h"
#include "password.h"
#include "rundir.h"

#include <errno.h>
#include <glib.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int parse(const char *s, enum rove_ctl_cmd *cmd)
{
	struct rove_err err;

	return rove_ctl_parse((const uint8_t *)s, strlen(s), cmd, &err);
}

static void test_parse_requests(void)
{
	enum rove_ctl_cmd c;

	CHECK(parse("status\n", &c) == 1 && c == ROVE_CTL_STATUS);
	CHECK(parse("down\n", &c) == 1 && c == ROVE_CTL_DOWN);
	CHECK(parse("ping\n", &c) == 1 && c == ROVE_CTL_PING);
	/* Incomplete: wait for more. */
	CHECK(parse("", &c) == 0 && c == ROVE_CTL_NONE);
	CHECK(parse("sta", &c) == 0);
	CHECK(parse("status", &c) == 0);
	/* Not ours. */
	CHECK(parse("statu\n", &c) == -1 && c == ROVE_CTL_NONE);
	CHECK(parse("statuss\n", &c) == -1);
	CHECK(parse("\n", &c) == -1);
	CHECK(parse("STATUS\n", &c) == -1);
	CHECK(parse("status \n", &c) == -1);
	CHECK(parse("status\r\n", &c) == -1);
	CHECK(parse("status\nping\n", &c) == -1);
	CHECK(parse("status\n\n", &c) == -1);
	CHECK(parse("x y", &c) == -1);
	CHECK_STR(rove_ctl_cmd_name(ROVE_CTL_DOWN), "down");
	CHECK_STR(rove_ctl_cmd_name(ROVE_CTL_NONE), "?");
}

static void test_parse_bounds(void)
{
	uint8_t big[200];
	struct rove_err err;
	enum rove_ctl_cmd c;

	memset(big, 'a', sizeof(big));
	CHECK(rove_ctl_parse(big, ROVE_CTL_MAX_REQUEST - 1, &c, &err) == 0);
	CHECK(rove_ctl_parse(big, ROVE_CTL_MAX_REQUEST, &c, &err) == -1);
	CHECK(strstr(err.msg, "too long") != NULL);
	/* A NUL inside the word, and bytes past len that must not be read. */
	CHECK(rove_ctl_parse((const uint8_t *)"pi\0ng\n", 6, &c, &err) == -1);
	CHECK(rove_ctl_parse((const uint8_t *)"ping\n", 4, &c, &err) == 0);
	CHECK(rove_ctl_parse(NULL, 0, &c, &err) == 0);
	CHECK(parse("bogus\n", &c) == -1);
	CHECK(rove_ctl_parse((const uint8_t *)"bogus\n", 6, &c, &err) == -1);
	CHECK_STR(err.msg, "unknown request \"bogus\"");
}

/* Escapes s (n bytes) and compares with the expected JSON text. */
static void check_escape(const char *s, size_t n, const char *want)
{
	struct rove_buf b;

	rove_buf_init(&b);
	rove_json_escape(&b, s, n);
	CHECK(!b.failed);
	CHECK(b.len == strlen(want) && memcmp(b.data, want, b.len) == 0);
	if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
		fprintf(stderr, "  got %.*s want %s\n", (int)b.len, (const char *)b.data, want);
	rove_buf_free(&b);
}

#define FFFD "\xef\xbf\xbd"

static void test_escape(void)
{
	check_escape("plain", 5, "\"plain\"");
	check_escape("", 0, "\"\"");
	check_escape("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check_escape("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	/* json-glib escapes control characters but writes U+001F as it is,
	 * which JSON forbids: it becomes U+FFFD, as NUL (json-glib's strings
	 * end there). */
	check_escape("\x01\x1f\x7f", 3, "\"\\u0001" FFFD "\\u007f\"");
	check_escape("a\0b", 3, "\"a" FFFD "b\"");
	check_escape("/", 1, "\"/\"");
	/* Valid UTF-8 passes through: é, €, U+1F600. */
	check_escape("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		     "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* Invalid: lone continuation, truncated sequence, overlong, surrogate,
	 * above U+10FFFF, 0xff. Each bad byte becomes U+FFFD. */
	check_escape("\x80", 1, "\"" FFFD "\"");
	check_escape("a\xc3", 2, "\"a" FFFD "\"");
	check_escape("\xe2\x82", 2, "\"" FFFD FFFD "\"");
	check_escape("\xc0\xaf", 2, "\"" FFFD FFFD "\"");
	check_escape("\xe0\x80\xaf", 3, "\"" FFFD FFFD FFFD "\"");
	check_escape("\xed\xa0\x80", 3, "\"" FFFD FFFD FFFD "\"");
	check_escape("\xf4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\"");
	check_escape("\xffx", 2, "\"" FFFD "x\"");
	/* Boundaries that are valid: U+FFFF (EF BF BF) and U+10FFFF. */
	check_escape("\xef\xbf\xbf", 3, "\"\xef\xbf\xbf\"");
	check_escape("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");
}

static void test_writer(void)
{
	struct rove_buf b;
	struct rove_jw w;
	const uint8_t spi[] = { 0x00, 0x1a, 0xff, 0x80 };
	const char *out;

	rove_buf_init(&b);
	rove_jw_init(&w, &b);
	rove_jw_obj_begin(&w);
	rove_jw_key(&w, "name");
	rove_jw_str(&w, "wo\"rk");
	rove_jw_key(&w, "n");
	rove_jw_u64(&w, UINT64_MAX);
	rove_jw_key(&w, "neg");
	rove_jw_i64(&w, -5);
	rove_jw_key(&w, "list");
	rove_jw_arr_begin(&w);
	rove_jw_bool(&w, true);
	rove_jw_null(&w);
	rove_jw_str(&w, NULL);
	rove_jw_arr_begin(&w);
	rove_jw_arr_end(&w);
	rove_jw_obj_begin(&w);
	rove_jw_obj_end(&w);
	rove_jw_hex(&w, spi, sizeof(spi));
	rove_jw_arr_end(&w);
	rove_jw_key(&w, "k\n");
	rove_jw_bool(&w, false);
	rove_jw_obj_end(&w);
	out = rove_jw_finish(&w);
	CHECK(out != NULL);
	/* json-glib's numbers are signed 64-bit: UINT64_MAX clamps. */
	CHECK_STR(out ? out : "", "{\"name\":\"wo\\\"rk\",\"n\":9223372036854775807,\"neg\":-5,"
				  "\"list\":[true,null,null,[],{},\"001aff80\"],\"k\\n\":false}\n");
	rove_buf_free(&b);

	/* Unbalanced documents are refused rather than sent half-written. */
	rove_jw_init(&w, &b);
	rove_jw_obj_begin(&w);
	rove_jw_key(&w, "a");
	CHECK(rove_jw_finish(&w) == NULL);
	rove_buf_free(&b);
	rove_jw_init(&w, &b);
	rove_jw_arr_end(&w);
	CHECK(rove_jw_finish(&w) == NULL);
	rove_buf_free(&b);
	rove_jw_init(&w, &b);
	for (int i = 0; i < ROVE_JSON_MAX_DEPTH + 1; i++)
		rove_jw_arr_begin(&w);
	CHECK(b.failed);
	CHECK(rove_jw_finish(&w) == NULL);
	rove_buf_free(&b);
}

static void test_reader(void)
{
	const char *doc = " {\"name\":\"a\\\"b\\u00e9\\ud83d\\ude00\\n\", \"pid\": 42,"
			  "\"ok\":true,\"no\":false,\"x\":null,\"arr\":[1,-2.5e3,\"s\",[]],"
			  "\"big\":9223372036854775807,\"neg\":-1,"
			  "\"lone\":\"\\ud800x\"} \n";
	struct rove_err err;
	struct rove_json *j = rove_json_parse(doc, strlen(doc), &err);
	const struct rove_json *arr;

	CHECK(j != NULL);
	if (!j)
		return;
	CHECK_STR(rove_json_get_str(j, "name", ""), "a\"b\xc3\xa9\xf0\x9f\x98\x80\n");
	CHECK(rove_json_get_u64(j, "pid", 0) == 42);
	CHECK(rove_json_get_bool(j, "ok", false) == true);
	CHECK(rove_json_get_bool(j, "no", true) == false);
	CHECK(rove_json_get(j, "x") && rove_json_get(j, "x")->type == ROVE_JSON_NULL);
	CHECK(rove_json_get(j, "missing") == NULL);
	CHECK_STR(rove_json_get_str(j, "pid", "dflt"), "dflt");
	arr = rove_json_get(j, "arr");
	CHECK(rove_json_count(arr) == 4);
	CHECK(rove_json_u64(rove_json_at(arr, 0), 0) == 1);
	CHECK(rove_json_u64(rove_json_at(arr, 1), 7) == 7); /* not a counter */
	CHECK_STR(rove_json_str(rove_json_at(arr, 2), ""), "s");
	CHECK(rove_json_count(rove_json_at(arr, 3)) == 0);
	CHECK(rove_json_at(arr, 4) == NULL);
	CHECK(rove_json_get_u64(j, "big", 0) == INT64_MAX);
	CHECK(rove_json_get_u64(j, "neg", 9) == 9);
	/* json-glib decodes it to invalid UTF-8 (and drops what follows);
	 * the reader repairs that. */
	CHECK(g_utf8_validate(rove_json_get_str(j, "lone", ""), -1, NULL));
	rove_json_free(j);
}

static void check_bad_json(const char *s)
{
	struct rove_err err = { 0 };
	struct rove_json *j = rove_json_parse(s, strlen(s), &err);

	CHECK(j == NULL);
	CHECK(err.code == ROVE_E_PARSE);
	if (j) {
		fprintf(stderr, "  accepted: %s\n", s);
		rove_json_free(j);
	}
}

static void test_reader_rejects(void)
{
	char deep[2 * ROVE_JSON_MAX_DEPTH + 8];
	size_t n = 0;

	check_bad_json("");
	check_bad_json("{");
	check_bad_json("{\"a\"}");
	check_bad_json("{\"a\":1,}");
	check_bad_json("[1,]");
	check_bad_json("[1 2]");
	check_bad_json("{a:1}");
	check_bad_json("\"unterminated");
	/* json-glib also takes a raw tab in a string, an unknown escape
	 * (\x), 01, 1. and a second document after the first: the reader
	 * reads only rove's own writer, so that leniency does no harm. */
	check_bad_json("\"\\u12\"");
	check_bad_json("-");
	check_bad_json("1e");
	check_bad_json("tru");
	check_bad_json("nul");
	check_bad_json("[\"a\"]x");
	{
		/* NUL is not JSON text; 100000 levels would overflow json-glib's
		 * recursion without the reader's own depth check. */
		struct rove_err err;
		size_t big = 100000;
		char *bomb = malloc(2 * big);

		CHECK(rove_json_parse("[1]\0", 4, &err) == NULL);
		CHECK(bomb != NULL);
		if (bomb) {
			memset(bomb, '[', big);
			memset(bomb + big, ']', big);
			CHECK(rove_json_parse(bomb, 2 * big, &err) == NULL);
			CHECK(strstr(err.msg, "nested too deeply") != NULL);
			free(bomb);
		}
	}
	for (int i = 0; i <= ROVE_JSON_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (int i = 0; i <= ROVE_JSON_MAX_DEPTH; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	check_bad_json(deep);
	/* One level less is fine. */
	{
		struct rove_err err;
		struct rove_json *j = rove_json_parse(deep + 1, n - 2, &err);
		CHECK(j != NULL);
		rove_json_free(j);
	}
}

/* Writer output read back by the reader: escaping round-trips. */
static void test_roundtrip(void)
{
	static const char nasty[] = "q\"b\\s/\x01\x1f\n\xc3\xa9\xff end";
	struct rove_buf b;
	struct rove_jw w;
	struct rove_err err;
	struct rove_json *j;
	const char *out;

	rove_buf_init(&b);
	rove_jw_init(&w, &b);
	rove_jw_obj_begin(&w);
	rove_jw_key(&w, nasty);
	rove_jw_strn(&w, nasty, sizeof(nasty) - 1);
	rove_jw_obj_end(&w);
	out = rove_jw_finish(&w);
	CHECK(out != NULL);
	j = out ? rove_json_parse(out, b.len, &err) : NULL;
	CHECK(j != NULL);
	if (j) {
		/* 0x1f and the bad byte come back as U+FFFD (json.h) */
		const char *v = rove_json_get_str(j, "q\"b\\s/\x01" FFFD "\n\xc3\xa9" FFFD " end", NULL);

		CHECK(v != NULL);
		CHECK_STR(v ? v : "", "q\"b\\s/\x01" FFFD "\n\xc3\xa9" FFFD " end");
	}
	rove_json_free(j);
	rove_buf_free(&b);
}

/* A forked server answers one request; the client sees the whole answer. */
static void test_socket_exchange(void)
{
	char dir[] = "/tmp/rove-test-ctl-XXXXXX";
	char path[128];
	struct rove_err err;
	struct rove_buf reply;
	struct stat st;
	pid_t pid;
	int lfd, status;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/t.sock", dir);
	CHECK(rove_ctl_call(path, ROVE_CTL_PING, 1000, &reply, &err) == ROVE_CTL_ABSENT);
	lfd = rove_ctl_listen(path, &err);
	CHECK(lfd >= 0);
	if (lfd < 0)
		return;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* A second daemon cannot take the same name. */
	CHECK(rove_ctl_listen(path, &err) == -1 && err.code == ROVE_E_INVAL);
	pid = fork();
	if (pid == 0) {
		uint8_t buf[ROVE_CTL_MAX_REQUEST];
		size_t len = 0;
		enum rove_ctl_cmd c = ROVE_CTL_NONE;
		int cfd;

		do
			cfd = accept(lfd, NULL, NULL);
		while (cfd < 0 && errno == EAGAIN && usleep(1000) == 0);
		if (cfd < 0 || !rove_ctl_peer_allowed(cfd, geteuid()))
			_exit(2);
		while (len < sizeof(buf)) {
			ssize_t r = read(cfd, buf + len, sizeof(buf) - len);
			if (r < 0 && errno == EAGAIN) {
				usleep(1000);
				continue;
			}
			if (r <= 0)
				_exit(3);
			len += (size_t)r;
			if (rove_ctl_parse(buf, len, &c, &err) != 0)
				break;
		}
		if (c != ROVE_CTL_PING)
			_exit(4);
		if (write(cfd, "{\"name\":\"t\",\"pid\":1}\n", 21) != 21)
			_exit(5);
		_exit(0);
	}
	CHECK(rove_ctl_call(path, ROVE_CTL_PING, 5000, &reply, &err) == ROVE_CTL_OK);
	CHECK(reply.data && strcmp((const char *)reply.data, "{\"name\":\"t\",\"pid\":1}\n") == 0);
	rove_buf_free(&reply);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A daemon that hangs up without answering (a refused peer). */
	pid = fork();
	if (pid == 0) {
		int cfd;

		do
			cfd = accept(lfd, NULL, NULL);
		while (cfd < 0 && errno == EAGAIN && usleep(1000) == 0);
		_exit(cfd < 0 ? 2 : 0);
	}
	CHECK(rove_ctl_call(path, ROVE_CTL_STATUS, 5000, &reply, &err) == ROVE_CTL_ERROR);
	CHECK(strstr(err.msg, "without answering") != NULL);
	CHECK(reply.data == NULL);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(lfd);
	/* The listener is gone but its file stays: a crashed session. */
	CHECK(rove_ctl_call(path, ROVE_CTL_PING, 1000, &reply, &err) == ROVE_CTL_STALE);
	unlink(path);
	rmdir(dir);
}


static void test_names(void)
{
	CHECK(rove_name_valid("work"));
	CHECK(rove_name_valid("Work_2.vpn-x"));
	CHECK(!rove_name_valid(""));
	CHECK(!rove_name_valid(".hidden"));
	CHECK(!rove_name_valid("../etc"));
	CHECK(!rove_name_valid("a/b"));
	CHECK(!rove_name_valid("sp ace"));
	CHECK(!rove_name_valid("0123456789012345678901234567890123456789012345678901234567890123"));
	CHECK(rove_name_valid("012345678901234567890123456789012345678901234567890123456789012"));
}

/* Replaces the file, so a read-only mode left by a previous step does not
 * stop a test running without root. */
static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

static void test_run_dir(void)
{
	char base[] = "/tmp/rove-test-run-XXXXXX";
	char dir[128], path[ROVE_PATH_MAX];
	struct rove_err err;
	struct stat st;
	char **names;
	int n;

	CHECK(mkdtemp(base) != NULL);
	snprintf(dir, sizeof(dir), "%s/run", base);
	setenv("ROVE_RUN_DIR", dir, 1);
	CHECK_STR(rove_run_dir(), dir);
	/* Absent directory: no sessions, not an error. */
	CHECK(rove_run_list(&names, &err) == 0);
	CHECK(rove_run_dir_create(&err) == 0);
	CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	CHECK(chmod(dir, 0755) == 0);
	CHECK(rove_run_dir_create(&err) == 0);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);

	CHECK(rove_run_path(path, sizeof(path), "work", ".sock", &err) == 0);
	CHECK(strcmp(path + strlen(dir), "/work.sock") == 0);
	CHECK(rove_run_path(path, sizeof(path), "../x", ".sock", &err) == -1);
	CHECK(rove_run_path(path, 8, "work", ".sock", &err) == -1);

	CHECK(rove_pidfile_read("work") == 0);
	CHECK(rove_pidfile_write("work", 4242, &err) == 0);
	CHECK(rove_pidfile_read("work") == 4242);
	rove_run_path(path, sizeof(path), "work", ".pid", &err);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	write_file(path, "12x\n", 0600);
	CHECK(rove_pidfile_read("work") == 0);
	write_file(path, "1\n", 0600);
	CHECK(rove_pidfile_read("work") == 0);

	/* Sessions are the *.sock files with a valid name, sorted. */
	snprintf(path, sizeof(path), "%s/zeta.sock", dir);
	write_file(path, "", 0600);
	snprintf(path, sizeof(path), "%s/alpha.sock", dir);
	write_file(path, "", 0600);
	snprintf(path, sizeof(path), "%s/.hidden.sock", dir);
	write_file(path, "", 0600);
	snprintf(path, sizeof(path), "%s/alpha.log", dir);
	write_file(path, "", 0600);
	n = rove_run_list(&names, &err);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(names[0], "alpha");
		CHECK_STR(names[1], "zeta");
	}
	rove_names_free(names, n);
	rove_run_cleanup("alpha");
	rove_run_cleanup("zeta");
	rove_run_cleanup("work");
	CHECK(rove_run_list(&names, &err) == 0);
	snprintf(path, sizeof(path), "%s/.hidden.sock", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/alpha.log", dir);
	unlink(path);
	CHECK(rmdir(dir) == 0);
	rmdir(base);
	unsetenv("ROVE_RUN_DIR");
	CHECK_STR(rove_run_dir(), "/run/rove");
}

static void test_password_file(void)
{
	char dir[] = "/tmp/rove-test-pw-XXXXXX";
	char path[128], pw[ROVE_PASSWORD_MAX];
	struct rove_err err;
	size_t len = 99;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/pw", dir);
	CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == -1);
	write_file(path, "s3cret\nsecond line\n", 0600);
	CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == 0);
	CHECK(len == 6 && strcmp(pw, "s3cret") == 0);
	write_file(path, "crlf\r\n", 0600);
	CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == 0);
	CHECK(len == 4 && strcmp(pw, "crlf") == 0);
	write_file(path, "no newline", 0400);
	CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == 0);
	CHECK_STR(pw, "no newline");
	/* Spaces are part of a password. */
	write_file(path, " x \n", 0600);
	CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == 0);
	CHECK(len == 3 && strcmp(pw, " x ") == 0);
	write_file(path, "\n", 0600);
	CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == -1);
	write_file(path, "readable\n", 0640);
	CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == -1);
	CHECK(strstr(err.msg, "readable by other users") != NULL);
	write_file(path, "readable\n", 0604);
	CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == -1);
	/* Longer than the buffer: refused, not cut. */
	{
		char big[ROVE_PASSWORD_MAX + 10];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		write_file(path, big, 0600);
		CHECK(rove_password_from_file(path, pw, sizeof(pw), &len, &err) == -1);
	}
	CHECK(rove_password_from_file(dir, pw, sizeof(pw), &len, &err) == -1);
	/* A symbolic link is not followed, even to a private file. */
	{
		char link[160];

		write_file(path, "s3cret\n", 0600);
		snprintf(link, sizeof(link), "%s/link", dir);
		CHECK(symlink(path, link) == 0);
		CHECK(rove_password_from_file(link, pw, sizeof(pw), &len, &err) == -1);
		CHECK(strstr(err.msg, "is a symbolic link") != NULL);
		unlink(link);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(test_parse_requests);
	RUN(test_parse_bounds);
	RUN(test_escape);
	RUN(test_writer);
	RUN(test_reader);
	RUN(test_reader_rejects);
	RUN(test_roundtrip);
	RUN(test_socket_exchange);
	RUN(test_names);
	RUN(test_run_dir);
	RUN(test_password_file);
	return check_summary();
}
