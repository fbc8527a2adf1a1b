/* SPDX-License-Identifier: GPL-2.0-or-later */
/* EAP-TLS client against an OpenSSL TLS server in this process, with the
 * gateway's EAP-TLS framing written here from RFC 5216: TLS 1.2 and TLS 1.3
 * (RFC 9190: commitment message, exporter MSK), fragments both ways (the
 * L flag only on the first fragment, flights that are an exact multiple of
 * the fragment size), a retransmitted request (our ACK lost), a server
 * certificate for another name, and the MSK recomputed from the TLS
 * secrets (TLS-PRF for 1.2, HKDF-Expand-Label for 1.3) rather than with the
 * exporter call the client uses. */
#include "check.h"

#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cert.h"
#include "certgen.h"
#include "cred.h"
#include "eap_tls.h"

static EVP_PKEY *ca_key, *gw_key, *me_key;
static X509 *ca, *gw_cert, *other_cert, *me_cert;
static struct rove_trust *trust;
static struct rove_cred *cred;

/* ---- the gateway: an OpenSSL server and RFC 5216 framing ---- */

struct gw {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	uint8_t id;
	size_t frag;           /* TLS bytes per fragment; 0: exact multiple mode */
	struct rove_buf flight;/* our flight being sent */
	size_t off;
	struct rove_buf in;    /* the client's flight */
	bool committed, done, success;
	unsigned client_frags, client_l_flags, client_l_first;
	unsigned gw_exact, client_exact; /* flights split into equal fragments */
	size_t client_frag;
	char exporter_secret[200]; /* hex, from the key log (TLS 1.3) */
};

static struct gw *keylog_gw;

static void keylog(const SSL *ssl, const char *line)
{
	(void)ssl;
	if (keylog_gw && strncmp(line, "EXPORTER_SECRET ", 16) == 0)
		snprintf(keylog_gw->exporter_secret, sizeof(keylog_gw->exporter_secret), "%s",
			 strrchr(line, ' ') + 1);
}

static void gw_init(struct gw *g, X509 *cert, bool tls13, size_t frag)
{
	X509_STORE *st;

	memset(g, 0, sizeof(*g));
	g->ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_min_proto_version(g->ctx, tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(g->ctx, tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_use_certificate(g->ctx, cert);
	SSL_CTX_use_PrivateKey(g->ctx, gw_key);
	st = SSL_CTX_get_cert_store(g->ctx);
	X509_STORE_add_cert(st, ca);
	SSL_CTX_set_verify(g->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(g->ctx), (time_t)CG_NOW);
	SSL_CTX_set_num_tickets(g->ctx, 1); /* a post-handshake message before the commitment */
	SSL_CTX_set_keylog_callback(g->ctx, keylog);
	keylog_gw = g;
	g->ssl = SSL_new(g->ctx);
	g->rbio = BIO_new(BIO_s_mem());
	g->wbio = BIO_new(BIO_s_mem());
	SSL_set_bio(g->ssl, g->rbio, g->wbio);
	SSL_set_accept_state(g->ssl);
	g->frag = frag;
	g->id = 7;
	rove_buf_init(&g->flight);
	rove_buf_init(&g->in);
}

static void gw_free(struct gw *g)
{
	SSL_free(g->ssl);
	SSL_CTX_free(g->ctx);
	rove_buf_free(&g->flight);
	rove_buf_free(&g->in);
	keylog_gw = NULL;
}

static void req(struct rove_buf *out, uint8_t id, uint8_t flags, const uint8_t *len4,
		const uint8_t *d, size_t n)
{
	rove_buf_add_u8(out, 1);
	rove_buf_add_u8(out, id);
	rove_buf_add_be16(out, (uint16_t)(6 + (len4 ? 4 : 0) + n));
	rove_buf_add_u8(out, 13);
	rove_buf_add_u8(out, flags);
	if (len4)
		rove_buf_add(out, len4, 4);
	if (n)
		rove_buf_add(out, d, n);
}

/* Exact-multiple mode: a fragment size that divides the flight in 2..4. */
static size_t pick_frag(const struct gw *g, size_t len)
{
	if (g->frag)
		return g->frag;
	for (size_t parts = 2; parts <= 4; parts++)
		if (len % parts == 0 && len / parts > 0)
			return len / parts;
	return len; /* odd prime length: one fragment */
}

static void gw_send_fragment(struct gw *g, struct rove_buf *out)
{
	size_t rem = g->flight.len - g->off, f = pick_frag(g, g->flight.len);
	size_t n = rem < f ? rem : f;
	uint8_t len4[4], flags = 0;
	bool first = g->off == 0 && rem > n;

	rove_put_be32(len4, (uint32_t)g->flight.len);
	flags = (first ? 0x80 : 0) | (rem > n ? 0x40 : 0);
	if (first && g->flight.len % f == 0)
		g->gw_exact++;
	req(out, ++g->id, flags, first ? len4 : NULL, g->flight.data + g->off, n);
	g->off += n;
	if (g->off == g->flight.len) {
		rove_buf_reset(&g->flight);
		g->off = 0;
	}
}

static void gw_drain(struct gw *g)
{
	size_t n = BIO_ctrl_pending(g->wbio);

	if (n) {
		uint8_t *p = rove_buf_put(&g->flight, n);

		CHECK(BIO_read(g->wbio, p, (int)n) == (int)n);
	}
}

/* The gateway's answer to one EAP response from the client. */
static void gw_step(struct gw *g, const struct rove_buf *resp, struct rove_buf *out)
{
	const uint8_t *d = resp->data + 6;
	size_t n = resp->len - 6;
	uint8_t flags;

	CHECK(resp->len >= 6 && resp->data[0] == 2 && resp->data[1] == g->id &&
	      resp->data[4] == 13);
	flags = resp->data[5];
	if (g->flight.len) { /* this must be the ACK of our fragment */
		CHECK(n == 0 && flags == 0);
		gw_send_fragment(g, out);
		return;
	}
	if (n || flags) {
		g->client_frags++;
		if (flags & 0x80) {
			g->client_l_flags++;
			if (g->in.len == 0)
				g->client_l_first++;
			if (n >= 4 && g->in.len == 0 && rove_get_be32(d) % g->client_frag == 0)
				g->client_exact++;
			d += 4;
			n -= 4;
		}
	}
	rove_buf_add(&g->in, d, n);
	if (flags & 0x40) {
		req(out, ++g->id, 0, NULL, NULL, 0);
		return;
	}
	if (g->in.len)
		BIO_write(g->rbio, g->in.data, (int)g->in.len);
	rove_buf_reset(&g->in);
	if (!SSL_is_init_finished(g->ssl))
		(void)SSL_do_handshake(g->ssl);
	if (SSL_is_init_finished(g->ssl) && SSL_version(g->ssl) >= TLS1_3_VERSION &&
	    !g->committed) {
		static const uint8_t zero = 0;

		CHECK(SSL_write(g->ssl, &zero, 1) == 1);
		g->committed = true;
	}
	gw_drain(g);
	if (g->flight.len) {
		gw_send_fragment(g, out);
		return;
	}
	/* Nothing more from TLS and the client said nothing: done. */
	CHECK(SSL_is_init_finished(g->ssl) && n == 0);
	rove_buf_add_u8(out, 3);
	rove_buf_add_u8(out, ++g->id);
	rove_buf_add_be16(out, 4);
	g->done = true;
}

/* ---- MSK recomputed from the TLS secrets ---- */

static int tls12_msk(SSL *ssl, uint8_t msk[64])
{
	uint8_t master[48], seed[64], km[128];
	size_t mlen = SSL_SESSION_get_master_key(SSL_get_session(ssl), master, sizeof(master));
	const EVP_MD *md = SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl));
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[5];
	int ok;

	SSL_get_client_random(ssl, seed, 32);
	SSL_get_server_random(ssl, seed + 32, 32);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)EVP_MD_get0_name(md), 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master, mlen);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
						 (void *)"client EAP encryption", 21);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, 64);
	p[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, km, sizeof(km), p) == 1;
	memcpy(msk, km, 64);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* HKDF-Expand-Label (RFC 8446 7.1). */
static int expand_label(const EVP_MD *md, const uint8_t *secret, size_t slen, const char *label,
			const uint8_t *ctx, size_t clen, uint8_t *out, size_t olen)
{
	uint8_t info[300];
	size_t n = 0, ll = strlen(label);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY, ok;
	OSSL_PARAM p[5];

	info[n++] = (uint8_t)(olen >> 8);
	info[n++] = (uint8_t)olen;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, ll);
	n += 6 + ll;
	info[n++] = (uint8_t)clen;
	memcpy(info + n, ctx, clen);
	n += clen;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)EVP_MD_get0_name(md), 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n);
	p[3] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(k, out, olen, p) == 1;
	EVP_KDF_CTX_free(k);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* RFC 9190 2.3: TLS-Exporter("EXPORTER_EAP_TLS_Key_Material", 0x0D, 128),
 * with TLS-Exporter per RFC 8446 7.5 from the exporter master secret. */
static int tls13_msk(SSL *ssl, const char *secret_hex, uint8_t msk[64])
{
	const EVP_MD *md = SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl));
	uint8_t secret[64], empty_hash[64], ctx_hash[64], derived[64], km[128];
	static const uint8_t type = 13;
	size_t slen = check_hex(secret_hex, secret, sizeof(secret));
	size_t hlen = (size_t)EVP_MD_get_size(md);
	unsigned int l;

	EVP_Digest(NULL, 0, empty_hash, &l, md, NULL);
	EVP_Digest(&type, 1, ctx_hash, &l, md, NULL);
	if (slen != hlen ||
	    expand_label(md, secret, slen, "EXPORTER_EAP_TLS_Key_Material", empty_hash, hlen,
			 derived, hlen) < 0 ||
	    expand_label(md, derived, hlen, "exporter", ctx_hash, hlen, km, sizeof(km)) < 0)
		return -1;
	memcpy(msk, km, 64);
	return 0;
}

/* ---- runs ---- */

struct run {
	bool tls13;          /* both sides */
	size_t gw_frag;      /* 0: exact multiples */
	size_t client_frag;
	X509 *server_cert;
	bool dup_ack;        /* deliver one gateway ACK twice (our answer was lost) */
};

struct result {
	enum rove_eap_result res;
	char err[512];
	bool msk_ok;
	unsigned gw_frags_to_client, client_frags, client_l, client_l_first;
	unsigned gw_exact, client_exact;
	char version[16];
	bool gw_done;
};

static void client_feed(struct rove_eap_tls *t, const struct rove_buf *pkt, struct rove_buf *out,
			enum rove_eap_result *res, struct rove_err *err)
{
	rove_buf_reset(out);
	if (rove_eap_tls_input(t, pkt->data, pkt->len, out, res, err) < 0)
		*res = ROVE_EAP_DONE_FAILURE;
}

static void run(const struct run *r, struct result *o)
{
	struct rove_eap_tls_config cfg = {
		.identity = "carol@example.com", .cred = cred, .trust = trust,
		.server_id = "gw.example.com", .verify_time = CG_NOW, .tls13 = r->tls13,
		.frag_size = r->client_frag,
	};
	struct rove_err err = { 0 };
	struct rove_eap_tls *t = rove_eap_tls_new(&cfg, &err);
	struct rove_buf to_client, to_gw;
	struct gw g;
	bool duped = false;

	memset(o, 0, sizeof(*o));
	o->res = ROVE_EAP_DONE_FAILURE;
	CHECK(t != NULL);
	if (!t)
		return;
	gw_init(&g, r->server_cert, r->tls13, r->gw_frag);
	g.client_frag = r->client_frag;
	rove_buf_init(&to_client);
	rove_buf_init(&to_gw);
	/* Identity, then the start. */
	rove_buf_add(&to_client, "\x01\x05\x00\x05\x01", 5);
	client_feed(t, &to_client, &to_gw, &o->res, &err);
	CHECK(o->res == ROVE_EAP_CONTINUE && to_gw.len == 5 + 17 && to_gw.data[4] == 1 &&
	      memcmp(to_gw.data + 5, "carol@example.com", 17) == 0);
	rove_buf_reset(&to_client);
	req(&to_client, g.id, 0x20, NULL, NULL, 0);
	for (int round = 0; round < 200; round++) {
		client_feed(t, &to_client, &to_gw, &o->res, &err);
		if (o->res != ROVE_EAP_CONTINUE)
			break;
		if (r->dup_ack && !duped && to_client.len == 6 && to_client.data[5] == 0 &&
		    round > 1) {
			/* The gateway never saw our answer and sends its ACK again. */
			struct rove_buf again;

			rove_buf_init(&again);
			client_feed(t, &to_client, &again, &o->res, &err);
			CHECK(again.len == to_gw.len && memcmp(again.data, to_gw.data, again.len) == 0);
			rove_buf_free(&again);
			duped = true;
		}
		rove_buf_reset(&to_client);
		gw_step(&g, &to_gw, &to_client);
		if (to_client.len >= 6 && (to_client.data[5] & 0x3f) == 0 && to_client.data[0] == 1)
			o->gw_frags_to_client++;
	}
	snprintf(o->err, sizeof(o->err), "%s", o->res == ROVE_EAP_DONE_SUCCESS ? "" : err.msg);
	o->gw_done = g.done;
	o->client_frags = g.client_frags;
	o->client_l = g.client_l_flags;
	o->client_l_first = g.client_l_first;
	o->gw_exact = g.gw_exact;
	o->client_exact = g.client_exact;
	snprintf(o->version, sizeof(o->version), "%s", rove_eap_tls_version(t));
	if (o->res == ROVE_EAP_DONE_SUCCESS) {
		uint8_t expect[64];
		size_t mlen;
		const uint8_t *msk = rove_eap_tls_msk(t, &mlen);
		int rc = r->tls13 ? tls13_msk(g.ssl, g.exporter_secret, expect) :
				    tls12_msk(g.ssl, expect);

		o->msk_ok = rc == 0 && msk && mlen == 64 && memcmp(msk, expect, 64) == 0;
	}
	if (r->dup_ack)
		CHECK(duped);
	rove_buf_free(&to_client);
	rove_buf_free(&to_gw);
	gw_free(&g);
	rove_eap_tls_free(t);
}

static void test_tls12(void)
{
	struct run r = { .tls13 = false, .gw_frag = 1000, .client_frag = 1000,
			 .server_cert = gw_cert };
	struct result o;

	run(&r, &o);
	CHECK(o.res == ROVE_EAP_DONE_SUCCESS && o.gw_done);
	CHECK(o.msk_ok);
	CHECK_STR(o.version, "TLSv1.2");
	if (o.err[0])
		fprintf(stderr, "  %s\n", o.err);
}

static void test_tls13(void)
{
	struct run r = { .tls13 = true, .gw_frag = 1000, .client_frag = 1000,
			 .server_cert = gw_cert };
	struct result o;

	run(&r, &o);
	CHECK(o.res == ROVE_EAP_DONE_SUCCESS && o.gw_done);
	CHECK(o.msk_ok);
	CHECK_STR(o.version, "TLSv1.3");
	if (o.err[0])
		fprintf(stderr, "  %s\n", o.err);
}

/* Small fragments both ways: the client's flights go out in many pieces
 * with L only on the first of each; the gateway's come in pieces. */
static void test_fragments(void)
{
	for (int v = 0; v < 2; v++) {
		struct run r = { .tls13 = v, .gw_frag = 97, .client_frag = 61,
				 .server_cert = gw_cert };
		struct result o;

		run(&r, &o);
		CHECK(o.res == ROVE_EAP_DONE_SUCCESS && o.msk_ok);
		CHECK(o.client_frags > 10);
		CHECK(o.client_l > 0 && o.client_l == o.client_l_first);
	}
}

/* Flights cut into fragments of exactly equal size (no short last one). */
static void test_exact_multiples(void)
{
	unsigned gw_exact = 0, client_exact = 0;

	for (int v = 0; v < 2; v++) {
		struct run r = { .tls13 = v, .gw_frag = 0, .client_frag = 1000,
				 .server_cert = gw_cert };
		struct result o;

		run(&r, &o);
		CHECK(o.res == ROVE_EAP_DONE_SUCCESS && o.msk_ok);
		gw_exact += o.gw_exact;
	}
	CHECK(gw_exact > 0);
	/* Our own side: a client fragment size that divides the ClientHello
	 * is found by trying the sizes around its length. */
	for (size_t f = 40; f < 52; f++) {
		struct run r = { .tls13 = false, .gw_frag = 300, .client_frag = f,
				 .server_cert = gw_cert };
		struct result o;

		run(&r, &o);
		CHECK(o.res == ROVE_EAP_DONE_SUCCESS && o.msk_ok);
		client_exact += o.client_exact;
	}
	CHECK(client_exact > 0);
}

static void test_ack_lost(void)
{
	struct run r = { .tls13 = false, .gw_frag = 200, .client_frag = 100,
			 .server_cert = gw_cert, .dup_ack = true };
	struct result o;

	run(&r, &o);
	CHECK(o.res == ROVE_EAP_DONE_SUCCESS && o.msk_ok);
}

/* A server certificate for another name: refused before our certificate
 * goes out, with the policy's sentence. */
static void test_wrong_server(void)
{
	struct run r = { .tls13 = false, .gw_frag = 1000, .client_frag = 1000,
			 .server_cert = other_cert };
	struct result o;

	run(&r, &o);
	CHECK(o.res == ROVE_EAP_DONE_FAILURE && !o.gw_done);
	CHECK(strstr(o.err, "EAP-TLS server certificate:") != NULL);
	CHECK(o.client_frags <= 2); /* ClientHello and the alert, no Certificate */
}

static void test_malformed(void)
{
	struct rove_eap_tls_config cfg = {
		.identity = "carol@example.com", .cred = cred, .trust = trust,
		.server_id = "gw.example.com", .verify_time = CG_NOW,
	};
	struct rove_err err;
	struct rove_eap_tls *t = rove_eap_tls_new(&cfg, &err);
	struct rove_buf out;
	enum rove_eap_result res;
	/* Data before the start; an L length beyond the limit. */
	static const uint8_t early[] = { 1, 1, 0, 7, 13, 0, 0x16 };
	static const uint8_t huge[] = { 1, 2, 0, 10, 13, 0xc0, 0x01, 0, 0, 1 };
	static const uint8_t md5[] = { 1, 3, 0, 6, 4, 16 };

	rove_buf_init(&out);
	CHECK(rove_eap_tls_input(t, md5, sizeof(md5), &out, &res, &err) == 0);
	CHECK(res == ROVE_EAP_CONTINUE && out.len == 6 && out.data[4] == 3 && out.data[5] == 13);
	rove_buf_reset(&out);
	CHECK(rove_eap_tls_input(t, early, sizeof(early), &out, &res, &err) == -1);
	rove_eap_tls_free(t);
	t = rove_eap_tls_new(&cfg, &err);
	CHECK(rove_eap_tls_input(t, (const uint8_t *)"\x01\x01\x00\x06\x0d\x20", 6, &out, &res,
				 &err) == 0);
	CHECK(rove_eap_tls_input(t, huge, sizeof(huge), &out, &res, &err) == -1);
	CHECK(strstr(err.msg, "announces a") != NULL);
	rove_eap_tls_free(t);
	/* EAP-Success before any handshake. */
	t = rove_eap_tls_new(&cfg, &err);
	CHECK(rove_eap_tls_input(t, (const uint8_t *)"\x03\x01\x00\x04", 4, &out, &res, &err) == 0);
	CHECK(res == ROVE_EAP_DONE_FAILURE && strstr(err.msg, "before the EAP-TLS handshake"));
	rove_eap_tls_free(t);
	rove_buf_free(&out);
}

static int setup(void)
{
	char path[64];
	struct rove_err err;
	X509 *both[1];
	FILE *f;

	ca_key = cg_key(CG_P256);
	gw_key = cg_key(CG_P256);
	me_key = cg_key(CG_P256);
	ca = cg_ca("O=rove tests,CN=TLS CA", ca_key);
	gw_cert = cg_server("O=rove tests,CN=gw.example.com", "DNS:gw.example.com",
			    "serverAuth", gw_key, ca, ca_key);
	other_cert = cg_server("O=rove tests,CN=other.example.com", "DNS:other.example.com",
			       "serverAuth", gw_key, ca, ca_key);
	me_cert = cg_server("O=rove clients,CN=carol", "email:carol@example.com", "clientAuth",
			    me_key, ca, ca_key);
	if (!gw_cert || !other_cert || !me_cert)
		return -1;
	both[0] = ca;
	if (cg_write_pem(both, 1, path) < 0)
		return -1;
	trust = rove_trust_new(path, &err);
	unlink(path);
	if (cg_write_pem(&me_cert, 1, path) < 0 || !(f = fopen(path, "a")))
		return -1;
	PEM_write_PrivateKey(f, me_key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	cred = rove_cred_load(path, NULL, NULL, 0, NULL, &err);
	unlink(path);
	return trust && cred ? 0 : -1;
}

int main(void)
{
	if (setup() < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	RUN(test_tls12);
	RUN(test_tls13);
	RUN(test_fragments);
	RUN(test_exact_multiples);
	RUN(test_ack_lost);
	RUN(test_wrong_server);
	RUN(test_malformed);
	rove_cred_free(cred);
	rove_trust_free(trust);
	X509_free(ca);
	X509_free(gw_cert);
	X509_free(other_cert);
	X509_free(me_cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(gw_key);
	EVP_PKEY_free(me_key);
	return check_summary();
}
