/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zygote of nm-rove-worker (zygote.h): forked from a worker before it
 * has threads, it loads nothing more, initialises what every worker would
 * (the GObject classes, OpenSSL's algorithm lookups), stays single-threaded
 * and without a GMainContext (a fork copies neither threads nor a context's
 * wakeup fd sanely), and keeps a spare worker ready or forks one per
 * launcher request. */
#include "zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nm-rove-service.h"
#include "rundir.h"

/* A zygote without requests for this long exits (it holds nothing but
 * memory; the next activation then starts cold and forks a new one). */
#define IDLE_MS (30 * 60 * 1000)

/* The zygote's socket, or -1 when another zygote holds the lock (a dead
 * one's lock went with it: its socket file is then replaced). *lock_fd
 * stays open for the zygote's life; workers close it. */
static int listen_socket(int *lock_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char lock[PATH_MAX];
	struct rove_err err;
	int fd, n;

	if (rove_run_dir_create(&err) < 0)
		return -1;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", rove_run_dir(), ROVE_NM_ZYGOTE_SOCKET);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -1;
	snprintf(lock, sizeof(lock), "%s/%s", rove_run_dir(), ROVE_NM_ZYGOTE_LOCK);
	*lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) < 0)
		return -1;
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* OpenSSL 3 looks an algorithm up in its providers the first time it is
 * used and caches it in the library context: about 2 ms in every new
 * process, in the middle of the IKE exchanges. Fetched here, the cache is
 * every worker's from the fork. Only lookups: no key is made and the
 * random generator is not touched (a worker's first use seeds its own). */
static void preinit_crypto(void)
{
	static const char *const md[] = { "SHA1", "SHA2-256", "SHA2-384", "SHA2-512" };
	static const char *const cipher[] = { "AES-128-GCM", "AES-192-GCM", "AES-256-GCM", "AES-128-CBC",
					      "AES-256-CBC", "ChaCha20-Poly1305" };
	static const char *const kex[][2] = { { "X25519", "X25519" }, { "X448", "X448" },
					      { "EC", "ECDH" }, { "DH", "DH" } };
	static const char *const sig[][2] = { { "RSA", "RSA" }, { "EC", "ECDSA" },
					      { "ED25519", "ED25519" } };
	/* A P-256 public key (SubjectPublicKeyInfo): decoding one sets up the
	 * key decoders a certificate's key goes through. */
	static const unsigned char spki[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	0x42, 0x00, 0x04, 0xb9, 0x43, 0x8e, 0xc5, 0xce, 0xd2, 0xeb, 0x10, 0x68,
	0xd5, 0xaa, 0xf7, 0x83, 0x67, 0x07, 0x3b, 0x7e, 0x28, 0xcf, 0x6e, 0xe3,
	0x61, 0x7c, 0x62, 0x43, 0x5f, 0x63, 0xd3, 0xea, 0x2d, 0x36, 0x4f, 0x9f,
	0xcc, 0x02, 0x3a, 0x70, 0x51, 0xa6, 0xc2, 0x07, 0x0f, 0xa6, 0x99, 0x85,
	0x21, 0x41, 0x2f, 0x51, 0x71, 0x9b, 0x28, 0x49, 0x6c, 0x3a, 0x4f, 0x46,
	0x9f, 0x9b, 0x43, 0x0a, 0x3d, 0xfe, 0x86,
	};
	const unsigned char *p = spki;

	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(md); i++)
		EVP_MD_free(EVP_MD_fetch(NULL, md[i], NULL));
	for (size_t i = 0; i < G_N_ELEMENTS(cipher); i++)
		EVP_CIPHER_free(EVP_CIPHER_fetch(NULL, cipher[i], NULL));
	for (size_t i = 0; i < G_N_ELEMENTS(kex); i++) {
		EVP_KEYMGMT_free(EVP_KEYMGMT_fetch(NULL, kex[i][0], NULL));
		EVP_KEYEXCH_free(EVP_KEYEXCH_fetch(NULL, kex[i][1], NULL));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(sig); i++) {
		EVP_KEYMGMT_free(EVP_KEYMGMT_fetch(NULL, sig[i][0], NULL));
		EVP_SIGNATURE_free(EVP_SIGNATURE_fetch(NULL, sig[i][1], NULL));
	}
	EVP_MAC_free(EVP_MAC_fetch(NULL, "HMAC", NULL));
	EVP_PKEY_free(d2i_PUBKEY(NULL, &p, sizeof(spki)));
}

/* libnm's plugin class installs SIGTERM and SIGINT handlers that quit its
 * plugins' main loops: the zygote and a spare have neither, and would
 * ignore a SIGTERM. They keep the default; workers get libnm's back. */
static struct sigaction libnm_term, libnm_int;

/* What every worker does first, done once. The NM setting classes are what
 * libnm builds from NetworkManager's Connect arguments. */
static void preinit(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	GType types[] = { NM_TYPE_ROVE_SERVICE, NM_TYPE_SIMPLE_CONNECTION, NM_TYPE_SETTING_CONNECTION,
			  NM_TYPE_SETTING_VPN, NM_TYPE_SETTING_IP4_CONFIG, NM_TYPE_SETTING_IP6_CONFIG };

	for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
		g_type_class_ref(types[i]);
	preinit_crypto();
	sigaction(SIGTERM, &dfl, &libnm_term);
	sigaction(SIGINT, &dfl, &libnm_int);
}

/* Whether the installed program is still the one running: after an
 * upgrade the zygote steps down, so workers run the new code. */
static bool same_program(const char *exe, const struct stat *self)
{
	struct stat st;

	return stat(exe, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

/* One request from an accepted connection: its arguments into buf
 * (returned length) and its three descriptors into fds; -1 if malformed. */
static ssize_t read_request(int cfd, char *buf, size_t size, int fds[3])
{
	union {
		char b[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, size - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	ssize_t n;

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != 0)
		return -1;
	n = recvmsg(cfd, &msg, MSG_CMSG_CLOEXEC);
	cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	if (cm->cmsg_len != CMSG_LEN(3 * sizeof(int))) {
		/* not ours: close whatever came */
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fd;

		for (size_t i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(fd);
		}
		return -1;
	}
	memcpy(fds, CMSG_DATA(cm), 3 * sizeof(int));
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < sizeof(ROVE_NM_ZYGOTE_TAG) ||
	    memcmp(buf, ROVE_NM_ZYGOTE_TAG, sizeof(ROVE_NM_ZYGOTE_TAG)) != 0) {
		for (int i = 0; i < 3; i++)
			close(fds[i]);
		return -1;
	}
	buf[n] = 0;
	return n;
}

/* ps shows a process's original argument area: the zygote's copy of the
 * first worker's. Overwrite it (its length is fixed: truncated, padded
 * with NULs) so that ps tells the zygote and each worker's bus name. */
static char *title_start;
static size_t title_len;

static void save_title(int argc, char **argv)
{
	title_start = argv[0];
	title_len = argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0];
}

/* The words, each NUL-terminated as in an argument area, as far as fit. */
static void set_title(const char *const *words, int n)
{
	size_t off = 0;

	if (!title_start)
		return;
	memset(title_start, 0, title_len);
	for (int i = 0; i < n && off + 1 < title_len; i++) {
		size_t l = strlen(words[i]);

		if (l > title_len - off - 1)
			l = title_len - off - 1;
		memcpy(title_start + off, words[i], l);
		off += l + 1;
	}
}

/* In the forked worker: the launcher's stdio and arguments. */
static void become_worker(const char *buf, size_t len, const int fds[3], int *argc, char ***argv)
{
	size_t off = sizeof(ROVE_NM_ZYGOTE_TAG);
	int n = 1;
	char **v;

	signal(SIGCHLD, SIG_DFL);
	sigaction(SIGTERM, &libnm_term, NULL);
	sigaction(SIGINT, &libnm_int, NULL);
	setsid();
	for (int i = 0; i < 3; i++) {
		dup2(fds[i], i);
		close(fds[i]);
	}
	for (size_t i = off; i < len; i++)
		n += buf[i] == 0;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		_exit(1);
	v[0] = (char *)"nm-rove-worker";
	for (int i = 1; off < len && i < n; i++) {
		v[i] = strdup(buf + off);
		off += strlen(buf + off) + 1;
	}
	*argc = n;
	*argv = v;
	set_title((const char *const *)v, n);
}

/* A spare: forked by the zygote ahead of the next request, already on
 * the system bus (the connection, its thread and Hello: about 1.5 ms a
 * worker would otherwise pay after the request), it takes one request off
 * the zygote's socket, tells the zygote on `to_zygote` ('c' claimed, 'x'
 * the program was replaced) and returns as that request's worker. It dies
 * with the zygote until it is claimed. */
static void spare(int lfd, int lock_fd, int to_zygote, const char *exe, const struct stat *self,
		  int *argc, char ***argv)
{
	static char buf[ROVE_NM_ZYGOTE_MAX + 1];
	static const char *const title[] = { "nm-rove-worker", "--spare" };
	GDBusConnection *bus;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	signal(SIGCHLD, SIG_DFL);
	set_title(title, 2);
	/* Without a bus the worker will say so itself. */
	bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, NULL);
	(void)bus; /* the process's shared connection: g_initable_new finds it */
	for (;;) {
		int fds[3], cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		ssize_t n;
		char answer;

		if (cfd < 0)
			continue;
		n = read_request(cfd, buf, sizeof(buf), fds);
		if (n < 0) {
			close(cfd);
			continue;
		}
		answer = same_program(exe, self) ? 'y' : 'n';
		if (send(cfd, &answer, 1, MSG_NOSIGNAL) < 0 || answer == 'n') {
			/* the launcher went (we stay the spare), or an upgrade
			 * (the launcher starts the new program cold) */
			for (int i = 0; i < 3; i++)
				close(fds[i]);
			close(cfd);
			if (answer == 'n') {
				(void)!write(to_zygote, "x", 1);
				_exit(0);
			}
			continue;
		}
		(void)!write(to_zygote, "c", 1);
		prctl(PR_SET_PDEATHSIG, 0);
		/* the lock too: a worker outliving the zygote must not keep the
		 * next zygote from starting */
		close(to_zygote);
		close(lock_fd);
		close(lfd);
		close(cfd);
		become_worker(buf, n, fds, argc, argv);
		return;
	}
}

/* A request the zygote takes itself (no spare ready): it forks the worker.
 * Returns 1 in that worker, 0 in the zygote, -1 when the program was
 * replaced (the zygote then exits). */
static int serve_direct(int lfd, int lock_fd, const char *exe, const struct stat *self,
			int *argc, char ***argv)
{
	static char buf[ROVE_NM_ZYGOTE_MAX + 1];
	int fds[3], cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	char answer = 'n';
	pid_t pid = -1;
	ssize_t n;

	if (cfd < 0)
		return 0;
	n = read_request(cfd, buf, sizeof(buf), fds);
	if (n < 0) {
		close(cfd);
		return 0;
	}
	if (same_program(exe, self))
		pid = fork();
	if (pid == 0) {
		close(lock_fd);
		close(lfd);
		close(cfd);
		become_worker(buf, n, fds, argc, argv);
		return 1;
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	if (pid > 0)
		answer = 'y';
	if (send(cfd, &answer, 1, MSG_NOSIGNAL) < 0 && pid > 0)
		kill(pid, SIGTERM); /* the launcher went: it will not wait for us */
	close(cfd);
	return answer == 'y' ? 0 : -1;
}

/* The zygote's loop. It keeps a spare ready once activations have been
 * quiet for SPARE_DELAY_US (a spare made at once would connect to the bus
 * beside the activation that just claimed the last one, on the same CPUs;
 * an activation takes NetworkManager some 20 to 50 ms);
 * without one it forks a worker per request itself. After a spare died
 * (no bus, say) it waits as long before the next. It exits after IDLE_MS
 * without a request, or when the program was replaced. Returns only in a
 * worker. */
#define SPARE_DELAY_US (G_USEC_PER_SEC / 4)
static void serve(int lfd, int lock_fd, int *argc, char ***argv)
{
	char exe[PATH_MAX];
	struct stat self;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	gint64 last_request = g_get_monotonic_time(), next_spare = last_request + SPARE_DELAY_US;
	pid_t spare_pid = 0;
	int from_spare = -1;

	if (n <= 0 || stat("/proc/self/exe", &self) < 0)
		_exit(0);
	exe[n] = 0;
	preinit();
	for (;;) {
		gint64 now = g_get_monotonic_time(), left = last_request + IDLE_MS * 1000LL - now;
		struct pollfd p = { lfd, POLLIN, 0 };
		char c;
		int r;

		if (left <= 0) {
			if (spare_pid > 0)
				kill(spare_pid, SIGTERM);
			_exit(0);
		}
		if (spare_pid <= 0 && now >= next_spare) {
			int pipefd[2];

			next_spare = now + SPARE_DELAY_US;
			if (pipe2(pipefd, O_CLOEXEC) == 0) {
				spare_pid = fork();
				if (spare_pid == 0) {
					close(pipefd[0]);
					spare(lfd, lock_fd, pipefd[1], exe, &self, argc, argv);
					return;
				}
				close(pipefd[1]);
				if (spare_pid > 0)
					from_spare = pipefd[0];
				else
					close(pipefd[0]);
			}
		}
		if (spare_pid <= 0) {
			/* requests are ours until the next spare */
			r = poll(&p, 1, (int)(MIN(left, MAX(next_spare - now, 0)) / 1000) + 1);
			if (r > 0) {
				r = serve_direct(lfd, lock_fd, exe, &self, argc, argv);
				if (r == 1)
					return;
				if (r < 0)
					_exit(0); /* replaced program: let a new zygote start */
				last_request = g_get_monotonic_time();
				next_spare = last_request + SPARE_DELAY_US;
			}
			continue;
		}
		p.fd = from_spare;
		if (poll(&p, 1, (int)(left / 1000) + 1) <= 0)
			continue;
		n = read(from_spare, &c, 1);
		if (n == 1 && c == 'x')
			_exit(0);
		close(from_spare);
		from_spare = -1;
		spare_pid = 0;
		now = g_get_monotonic_time();
		next_spare = now + SPARE_DELAY_US;
		if (n == 1 && c == 'c')
			last_request = now;
	}
}

void rove_nm_zygote(int *argc, char ***argv)
{
	pid_t mid;
	int lfd, lock_fd = -1, null;

	if (*argc != 3 || strcmp((*argv)[1], "--bus-name") != 0)
		return;
	/* Twice, so that the zygote is nobody's child but init's (the worker
	 * neither waits for it nor leaves a zombie). */
	mid = fork();
	if (mid < 0)
		return;
	if (mid > 0) {
		while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	if (fork() != 0)
		_exit(0);
	save_title(*argc, *argv);
	set_title((const char *const[]){ "nm-rove-worker", "--zygote" }, 2);
	setsid();
	lfd = listen_socket(&lock_fd);
	if (lfd < 0)
		_exit(0);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	if (null > 2)
		close(null);
	signal(SIGCHLD, SIG_IGN); /* spares and workers are reaped by the kernel */
	serve(lfd, lock_fd, argc, argv);
}
