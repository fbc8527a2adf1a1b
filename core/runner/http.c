/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HTTP/1.1 GET and POST for CRLs and OCSP, with one deadline for the whole
 * exchange so a silent server costs at most ROVE_HTTP_TIMEOUT_MS. */
#include "http.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int rove_http_url(const char *url, char *host, size_t hcap, char *port, size_t pcap,
		  const char **path, struct rove_err *err)
{
	const char *h, *end, *colon = NULL;
	size_t hl;

	if (strncasecmp(url, "http://", 7))
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("not an http:// URL"));
	h = url + 7;
	end = h + strcspn(h, "/?#");
	*path = *end == '/' ? end : "/";
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (!rb)
			return rove_err_set(err, ROVE_E_PARSE, _("bad IPv6 address in the URL"));
		hl = (size_t)(rb - h - 1);
		h++;
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hl = (size_t)((colon ? colon : end) - h);
	}
	if (!hl || hl >= hcap || memchr(h, '@', (size_t)(end - h)))
		return rove_err_set(err, ROVE_E_PARSE, _("bad host in the URL"));
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon && (size_t)(end - colon - 1) > 0 && (size_t)(end - colon - 1) < pcap &&
	    strspn(colon + 1, "0123456789") >= (size_t)(end - colon - 1)) {
		memcpy(port, colon + 1, (size_t)(end - colon - 1));
		port[end - colon - 1] = '\0';
	} else if (colon) {
		return rove_err_set(err, ROVE_E_PARSE, _("bad port in the URL"));
	} else {
		snprintf(port, pcap, "80");
	}
	return 0;
}

/* The value of header name in [p, end), or NULL. */
static const char *header(const char *p, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *v;

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			for (v = p + nl + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
				;
			*vlen = (size_t)(eol - v);
			while (*vlen && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\t'))
				(*vlen)--;
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

int rove_http_response(const uint8_t *p, size_t len, int *status, struct rove_bytes *body,
		       struct rove_err *err)
{
	const char *s = (const char *)p, *hend, *v;
	size_t vlen, blen;

	if (len < 12 || memcmp(s, "HTTP/1.", 7) || s[8] != ' ' || s[9] < '1' || s[9] > '5' ||
	    s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9')
		return rove_err_set(err, ROVE_E_PARSE, _("not an HTTP response"));
	*status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	hend = memmem(s, len, "\r\n\r\n", 4);
	if (!hend)
		return rove_err_set(err, ROVE_E_PARSE, _("the HTTP response ends in its headers"));
	body->ptr = (const uint8_t *)hend + 4;
	blen = len - (size_t)(hend + 4 - s);
	if ((v = header(s, hend, "Transfer-Encoding", &vlen)) && !(vlen == 8 &&
								   !strncasecmp(v, "identity", 8)))
		return rove_err_set(err, ROVE_E_UNSUPPORTED, _("chunked HTTP answers are not supported"));
	if ((v = header(s, hend, "Content-Length", &vlen))) {
		size_t cl = 0;

		if (!vlen || vlen > 10 || strspn(v, "0123456789") < vlen)
			return rove_err_set(err, ROVE_E_PARSE, _("bad Content-Length"));
		for (size_t i = 0; i < vlen; i++)
			cl = cl * 10 + (size_t)(v[i] - '0');
		if (cl > blen)
			return rove_err_set(err, ROVE_E_PARSE, _("the HTTP answer is cut short"));
		blen = cl;
	}
	body->len = blen;
	return 0;
}

/* Waits for fd to be ready for events before the deadline. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t t = now_ms();
	int rc;

	if (t >= deadline)
		return 0;
	do
		rc = poll(&pfd, 1, (int)(deadline - t));
	while (rc < 0 && errno == EINTR);
	return rc;
}

static int connect_to(const char *host, const char *port, uint64_t deadline, struct rove_err *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
	int fd = -1, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc)
		return rove_err_set(err, ROVE_E_IO, _("cannot resolve %s: %s"), host, gai_strerror(rc));
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) > 0 &&
		    !getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) && !soerr)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot connect to %s port %s%s%s"), host, port,
				    soerr ? ": " : " within the time limit", soerr ? strerror(soerr) : "");
	return fd;
}

static int send_all(int fd, const uint8_t *p, size_t n, uint64_t deadline)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline) <= 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int recv_all(int fd, struct rove_buf *in, uint64_t deadline)
{
	for (;;) {
		uint8_t chunk[8192];
		ssize_t r = recv(fd, chunk, sizeof(chunk), 0);

		if (r == 0)
			return 0;
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLIN, deadline) <= 0)
				return -1;
			continue;
		}
		if (r < 0 || in->len + (size_t)r > ROVE_HTTP_MAX + 16384)
			return -1;
		rove_buf_add(in, chunk, (size_t)r);
	}
}

int rove_http_fetch(void *ctx, const char *url, const char *content_type, const uint8_t *body,
		    size_t body_len, struct rove_buf *out, struct rove_err *err)
{
	uint64_t deadline = now_ms() + ROVE_HTTP_TIMEOUT_MS;
	char host[256], port[8], head[1536];
	const char *path;
	struct rove_buf in;
	struct rove_bytes b;
	int fd, n, status = 0, rc = -1;

	(void)ctx;
	if (rove_http_url(url, host, sizeof(host), port, sizeof(port), &path, err) < 0)
		return -1;
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s%s%s\r\n"
		     "User-Agent: rove\r\nConnection: close\r\n", body ? "POST" : "GET", path,
		     strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "");
	if (n > 0 && (size_t)n < sizeof(head) && body)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Type: %s\r\n"
			      "Content-Length: %zu\r\n", content_type, body_len);
	if (n < 0 || (size_t)n + 3 > sizeof(head) || strpbrk(path, "\r\n "))
		return rove_err_set(err, ROVE_E_PARSE, _("the URL is too long or malformed"));
	memcpy(head + n, "\r\n", 3);
	n += 2;
	if ((fd = connect_to(host, port, deadline, err)) < 0)
		return -1;
	rove_buf_init(&in);
	if (send_all(fd, (const uint8_t *)head, (size_t)n, deadline) < 0 ||
	    (body && send_all(fd, body, body_len, deadline) < 0))
		rove_err_set(err, ROVE_E_IO, _("%s port %s stopped taking the request"), host, port);
	else if (recv_all(fd, &in, deadline) < 0)
		rove_err_set(err, ROVE_E_IO, _("no complete answer from %s port %s within %u s"), host,
			     port, ROVE_HTTP_TIMEOUT_MS / 1000);
	else if (rove_http_response(in.data, in.len, &status, &b, err) < 0)
		;
	else if (status != 200)
		rove_err_set(err, ROVE_E_IO, _("%s answered HTTP %d"), host, status);
	else if (b.len > ROVE_HTTP_MAX)
		rove_err_set(err, ROVE_E_IO, _("the answer from %s is too large"), host);
	else
		rc = 0;
	if (!rc)
		rove_buf_add(out, b.ptr, b.len);
	close(fd);
	rove_buf_free(&in);
	return rc;
}
