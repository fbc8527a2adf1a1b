/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTP client that fetches CRLs and OCSP answers: URL and response
 * parsing, and whole exchanges with a server on the loopback interface
 * (a child process that answers as told). */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"

static void test_url(void)
{
	char host[64], port[8];
	const char *path;
	struct rove_err err;

	CHECK(rove_http_url("http://crl.example.test/int.crl", host, sizeof(host), port,
			    sizeof(port), &path, &err) == 0);
	CHECK_STR(host, "crl.example.test");
	CHECK_STR(port, "80");
	CHECK_STR(path, "/int.crl");
	CHECK(rove_http_url("HTTP://192.0.2.1:8888", host, sizeof(host), port, sizeof(port),
			    &path, &err) == 0);
	CHECK_STR(host, "192.0.2.1");
	CHECK_STR(port, "8888");
	CHECK_STR(path, "/");
	CHECK(rove_http_url("http://[2001:db8::1]:8080/a?b", host, sizeof(host), port,
			    sizeof(port), &path, &err) == 0);
	CHECK_STR(host, "2001:db8::1");
	CHECK_STR(port, "8080");
	CHECK_STR(path, "/a?b");
	CHECK(rove_http_url("https://x/", host, sizeof(host), port, sizeof(port), &path, &err) < 0);
	CHECK(rove_http_url("ldap://x/", host, sizeof(host), port, sizeof(port), &path, &err) < 0);
	CHECK(rove_http_url("http://x:80a/", host, sizeof(host), port, sizeof(port), &path, &err) < 0);
	CHECK(rove_http_url("http://user@x/", host, sizeof(host), port, sizeof(port), &path, &err) < 0);
	CHECK(rove_http_url("http:///", host, sizeof(host), port, sizeof(port), &path, &err) < 0);
	CHECK(rove_http_url("http://[::1/", host, sizeof(host), port, sizeof(port), &path, &err) < 0);
}

static int resp(const char *s, int *status, struct rove_bytes *b)
{
	struct rove_err err;

	return rove_http_response((const uint8_t *)s, strlen(s), status, b, &err);
}

static void test_response(void)
{
	struct rove_bytes b;
	int st;

	CHECK(resp("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabcdef", &st, &b) == 0);
	CHECK(st == 200 && b.len == 3 && !memcmp(b.ptr, "abc", 3));
	CHECK(resp("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nto the end", &st, &b) == 0);
	CHECK(b.len == 10 && !memcmp(b.ptr, "to the end", 10));
	CHECK(resp("HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n\r\n", &st, &b) == 0);
	CHECK(st == 404 && b.len == 0);
	CHECK(resp("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", &st, &b) < 0);
	CHECK(resp("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", &st, &b) < 0);
	CHECK(resp("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", &st, &b) < 0);
	CHECK(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		   &st, &b) < 0);
	CHECK(resp("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", &st, &b) < 0);
	CHECK(resp("SSH-2.0-OpenSSH\r\n\r\n", &st, &b) < 0);
	CHECK(resp("HTTP/1.1 2", &st, &b) < 0);
}

/* A one-shot server on 127.0.0.1: reads the request, writes answer (NULL:
 * writes nothing and waits to be killed). Returns its port. */
static int serve(const char *answer, pid_t *pid, int reqfd[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(ls, 1) == 0 &&
	      getsockname(ls, (struct sockaddr *)&a, &al) == 0 && pipe(reqfd) == 0);
	*pid = fork();
	if (*pid == 0) {
		char req[4096];
		ssize_t n;
		int c = accept(ls, NULL, NULL);

		n = recv(c, req, sizeof(req), 0);
		if (n > 0 && write(reqfd[1], req, (size_t)n) < 0)
			_exit(1);
		if (!answer)
			pause();
		else if (send(c, answer, strlen(answer), 0) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	close(ls);
	close(reqfd[1]);
	return ntohs(a.sin_port);
}

static void fetch_case(const char *answer, const uint8_t *body, size_t blen, int want_rc,
		       const char *want_body, const char *want_req, const char *want_err)
{
	char url[64], req[4096] = "";
	struct rove_buf out;
	struct rove_err err;
	pid_t pid;
	int fds[2], port = serve(answer, &pid, fds), rc;
	ssize_t n;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ca.crl", port);
	rove_buf_init(&out);
	rove_err_clear(&err);
	rc = rove_http_fetch(NULL, url, body ? "application/ocsp-request" : NULL, body, blen, &out,
			     &err);
	CHECK(rc == want_rc);
	if (want_body)
		CHECK(out.len == strlen(want_body) &&
		      (!out.len || !memcmp(out.data, want_body, out.len)));
	if (want_err && !strstr(err.msg, want_err))
		fprintf(stderr, "  got error: %s\n", err.msg);
	if (want_err)
		CHECK(strstr(err.msg, want_err) != NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	n = read(fds[0], req, sizeof(req) - 1);
	req[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	CHECK(strstr(req, want_req) != NULL);
	rove_buf_free(&out);
}

static void test_fetch(void)
{
	const uint8_t ocsp[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };

	fetch_case("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nCRL!", NULL, 0, 0, "CRL!",
		   "GET /ca.crl HTTP/1.1\r\nHost: 127.0.0.1\r\n", NULL);
	fetch_case("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", ocsp, sizeof(ocsp), 0, "ok",
		   "POST /ca.crl HTTP/1.1\r\n", NULL);
	fetch_case("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", ocsp, sizeof(ocsp), 0, NULL,
		   "Content-Type: application/ocsp-request\r\nContent-Length: 5\r\n", NULL);
	fetch_case("HTTP/1.0 404 Not Found\r\n\r\n", NULL, 0, -1, "", "GET", "answered HTTP 404");
	/* A server that never answers: the fetch gives up (within 3 s). */
	fetch_case(NULL, NULL, 0, -1, "", "GET", "no complete answer from 127.0.0.1");
}

static void test_refused(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char url[64];
	struct rove_buf out;
	struct rove_err err;

	/* A port nobody listens on: bound, never listening. */
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      getsockname(s, (struct sockaddr *)&a, &al) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
	rove_buf_init(&out);
	CHECK(rove_http_fetch(NULL, url, NULL, NULL, 0, &out, &err) < 0);
	CHECK(strstr(err.msg, "cannot connect to 127.0.0.1 port") != NULL);
	CHECK(strstr(err.msg, "Connection refused") != NULL);
	close(s);
	rove_buf_free(&out);
}

int main(void)
{
	RUN(test_url);
	RUN(test_response);
	RUN(test_fetch);
	RUN(test_refused);
	return check_summary();
}
