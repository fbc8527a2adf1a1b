/* SPDX-License-Identifier: GPL-2.0-or-later */
/* EAP-TLS client (RFC 5216, RFC 9190) over OpenSSL memory BIOs. */
#include "eap_tls.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cert.h"
#include "cred.h"

#define EAP_REQUEST 1
#define EAP_RESPONSE 2
#define EAP_SUCCESS 3
#define EAP_FAILURE 4
#define EAP_TYPE_IDENTITY 1
#define EAP_TYPE_NOTIFICATION 2
#define EAP_TYPE_NAK 3

#define FLAG_L 0x80 /* TLS Message Length included */
#define FLAG_M 0x40 /* more fragments */
#define FLAG_S 0x20 /* EAP-TLS start */

#define MSK_LEN 64
#define MAX_PEER_CERTS 8

struct rove_eap_tls {
	struct rove_eap_tls_config cfg;
	char *identity;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;           /* rbio: the gateway's bytes in; wbio: ours out */
	struct rove_buf in;         /* fragments of the gateway's flight */
	size_t in_expect;           /* its L length, 0 = not given */
	struct rove_buf outq;       /* our flight, sent in fragments */
	size_t out_off;
	bool started, handshake_done, committed, done;
	uint8_t msk[MSK_LEN];
	bool have_msk;
	char version[16], cipher[64];
	char verify_err[640];       /* why the server's certificate was refused */
	struct rove_peer_cert *peer;
	/* The last request and our answer: a retransmitted request (RFC 3748
	 * 4.1: same Identifier) gets the same answer again, not a new step. */
	struct rove_buf last_req, last_resp;
};

/* ---- the server's certificate: the IKE policy (cert.c) ---- */

static int add_der(X509 *x, struct rove_buf *store, size_t *offs, size_t *lens, size_t *n)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);

	if (len <= 0 || *n >= MAX_PEER_CERTS)
		return -1;
	offs[*n] = store->len;
	lens[(*n)++] = (size_t)len;
	rove_buf_add(store, der, (size_t)len);
	OPENSSL_free(der);
	return 0;
}

/* Replaces OpenSSL's chain check (SSL_CTX_set_cert_verify_callback). */
static int verify_server(X509_STORE_CTX *xs, void *arg)
{
	struct rove_eap_tls *t = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(xs);
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_untrusted(xs);
	struct rove_bytes certs[MAX_PEER_CERTS];
	size_t offs[MAX_PEER_CERTS], lens[MAX_PEER_CERTS], n = 0;
	struct rove_buf store;
	enum rove_cert_fail f = ROVE_CERT_OK;
	struct rove_err err;

	rove_buf_init(&store);
	if (!leaf || add_der(leaf, &store, offs, lens, &n) < 0) {
		rove_buf_free(&store);
		snprintf(t->verify_err, sizeof(t->verify_err), "%s",
			 _("the EAP-TLS server sent no certificate"));
		return 0;
	}
	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		if (X509_cmp(x, leaf) != 0)
			(void)add_der(x, &store, offs, lens, &n);
	}
	for (size_t i = 0; i < n; i++)
		certs[i] = (struct rove_bytes){ store.data + offs[i], lens[i] };
	rove_peer_cert_free(t->peer);
	t->peer = rove_peer_cert_verify(t->cfg.trust, certs, n, t->cfg.server_id,
					t->cfg.verify_time, &f, &err);
	rove_buf_free(&store);
	if (!t->peer) {
		snprintf(t->verify_err, sizeof(t->verify_err), _("EAP-TLS server certificate: %s"),
			 err.msg);
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	return 1;
}

/* ---- setup ---- */

static int setup_ctx(struct rove_eap_tls *t, struct rove_err *err)
{
	const struct rove_cred *c = t->cfg.cred;
	X509 *chain[ROVE_CRED_MAX_CHAIN + 1];
	size_t n;

	t->ctx = SSL_CTX_new_ex(NULL, NULL, TLS_client_method());
	if (!t->ctx)
		return rove_err_set(err, ROVE_E_CRYPTO, _("cannot create a TLS context"));
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(t->ctx, t->cfg.tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	/* EAP-TLS resumes nothing and never renegotiates (refused outright), so
	 * a server without RFC 5746's extension is acceptable: strongSwan's
	 * TLS stack (5.9) sends none, and OpenSSL 3 would refuse it. */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_LEGACY_SERVER_CONNECT);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(t->ctx, verify_server, t);
	if (SSL_CTX_use_certificate(t->ctx, rove_cred_cert(c)) != 1 ||
	    SSL_CTX_use_PrivateKey(t->ctx, rove_cred_key(c)) != 1)
		return rove_err_set(err, ROVE_E_CRYPTO, _("OpenSSL refuses our certificate or key "
				      "for TLS"));
	n = rove_cred_pick_chain(c, NULL, 0, chain, ROVE_CRED_MAX_CHAIN + 1);
	for (size_t i = 1; i < n; i++)
		if (SSL_CTX_add1_chain_cert(t->ctx, chain[i]) != 1)
			return rove_err_set(err, ROVE_E_CRYPTO, _("cannot add an intermediate to TLS"));
	return 0;
}

struct rove_eap_tls *rove_eap_tls_new(const struct rove_eap_tls_config *cfg,
				      struct rove_err *err)
{
	struct rove_eap_tls *t;

	if (!cfg->identity || !*cfg->identity || strlen(cfg->identity) > ROVE_EAP_MAX_IDENTITY ||
	    !cfg->cred || !cfg->trust || !cfg->server_id) {
		rove_err_set(err, ROVE_E_INVAL, _("EAP-TLS needs an identity, our certificate, "
			       "trusted CAs and the server's identity"));
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->identity = strdup(cfg->identity))) {
		free(t);
		rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
		return NULL;
	}
	t->cfg = *cfg;
	t->cfg.identity = t->identity;
	if (!t->cfg.frag_size)
		t->cfg.frag_size = ROVE_EAP_TLS_FRAG_DEFAULT;
	rove_buf_init(&t->in);
	rove_buf_init(&t->outq);
	rove_buf_init(&t->last_req);
	rove_buf_init(&t->last_resp);
	if (setup_ctx(t, err) < 0) {
		ERR_clear_error();
		rove_eap_tls_free(t);
		return NULL;
	}
	return t;
}

void rove_eap_tls_free(struct rove_eap_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl); /* frees both BIOs */
	SSL_CTX_free(t->ctx);
	rove_peer_cert_free(t->peer);
	rove_buf_free(&t->in);
	rove_buf_free(&t->outq);
	rove_buf_free(&t->last_req);
	rove_buf_free(&t->last_resp);
	rove_wipe(t->msk, sizeof(t->msk));
	free(t->identity);
	free(t);
}

/* ---- EAP framing ---- */

static void eap_response(struct rove_buf *out, uint8_t id, uint8_t type, const uint8_t *data,
			 size_t len)
{
	rove_buf_add_u8(out, EAP_RESPONSE);
	rove_buf_add_u8(out, id);
	rove_buf_add_be16(out, (uint16_t)(5 + len));
	rove_buf_add_u8(out, type);
	if (len)
		rove_buf_add(out, data, len);
}

/* The next fragment of our flight: L (with the total) only on the first
 * of several, M on all but the last. */
static void send_fragment(struct rove_eap_tls *t, uint8_t id, struct rove_buf *out)
{
	size_t rem = t->outq.len - t->out_off;
	size_t n = rem < t->cfg.frag_size ? rem : t->cfg.frag_size;
	bool first_of_many = t->out_off == 0 && rem > n;
	uint8_t flags = (first_of_many ? FLAG_L : 0) | (rem > n ? FLAG_M : 0);

	rove_buf_add_u8(out, EAP_RESPONSE);
	rove_buf_add_u8(out, id);
	rove_buf_add_be16(out, (uint16_t)(6 + (first_of_many ? 4 : 0) + n));
	rove_buf_add_u8(out, ROVE_EAP_TYPE_TLS);
	rove_buf_add_u8(out, flags);
	if (first_of_many)
		rove_buf_add_be32(out, (uint32_t)t->outq.len);
	rove_buf_add(out, t->outq.data + t->out_off, n);
	t->out_off += n;
	if (t->out_off == t->outq.len) {
		rove_buf_reset(&t->outq);
		t->out_off = 0;
	}
}

/* An EAP-TLS response without data: the ACK of a fragment, or "nothing
 * more to say" after the handshake. */
static void send_ack(uint8_t id, struct rove_buf *out)
{
	static const uint8_t flags = 0;

	eap_response(out, id, ROVE_EAP_TYPE_TLS, &flags, 1);
}

/* ---- TLS ---- */

static void tls_names(struct rove_eap_tls *t)
{
	snprintf(t->version, sizeof(t->version), "%s", SSL_get_version(t->ssl));
	snprintf(t->cipher, sizeof(t->cipher), "%s", SSL_get_cipher_name(t->ssl));
}

/* RFC 5216 2.3: Key_Material = TLS-PRF-128(master_secret, "client EAP
 * encryption", client.random || server.random), which is the RFC 5705
 * exporter without context; RFC 9190 2.3: TLS-Exporter(
 * "EXPORTER_EAP_TLS_Key_Material", 0x0D, 128). MSK = the first 64 octets. */
static int derive_msk(struct rove_eap_tls *t)
{
	static const char l12[] = "client EAP encryption";
	static const char l13[] = "EXPORTER_EAP_TLS_Key_Material";
	static const unsigned char type = ROVE_EAP_TYPE_TLS;
	unsigned char km[128];
	int ok;

	if (SSL_version(t->ssl) >= TLS1_3_VERSION)
		ok = SSL_export_keying_material(t->ssl, km, sizeof(km), l13, sizeof(l13) - 1,
						&type, 1, 1);
	else
		ok = SSL_export_keying_material(t->ssl, km, sizeof(km), l12, sizeof(l12) - 1,
						NULL, 0, 0);
	if (ok == 1) {
		memcpy(t->msk, km, MSK_LEN);
		t->have_msk = true;
	}
	OPENSSL_cleanse(km, sizeof(km));
	return ok == 1 ? 0 : -1;
}

static int tls_fail(struct rove_eap_tls *t, struct rove_err *err)
{
	unsigned long e = ERR_peek_last_error();
	char why[160];

	if (t->verify_err[0]) {
		ERR_clear_error();
		return rove_err_set(err, ROVE_E_CERT, "%s", t->verify_err);
	}
	ERR_clear_error();
	/* A received alert is reported as reason 1000 + its description. */
	if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET) {
		int alert = ERR_GET_REASON(e) - SSL_AD_REASON_OFFSET;
		const char *name = SSL_alert_desc_string_long(alert);

		if ((alert >= SSL_AD_BAD_CERTIFICATE && alert <= SSL_AD_UNKNOWN_CA) ||
		    alert == SSL_AD_ACCESS_DENIED)
			return rove_err_set(err, ROVE_E_AUTH, _("the gateway refused our certificate "
					      "in EAP-TLS (TLS alert: %s): check that it trusts the "
					      "CA that issued cert= and accepts our identity "
					      "(local-id)"), name);
		return rove_err_set(err, ROVE_E_AUTH, _("the gateway ended the EAP-TLS handshake "
				      "with the TLS alert \"%s\""), name);
	}
	ERR_error_string_n(e, why, sizeof(why));
	return rove_err_set(err, ROVE_E_AUTH, _("the EAP-TLS handshake failed: %s"),
			    e ? why : "unexpected end");
}

/* RFC 9190 2.5: after a TLS 1.3 handshake the server commits to sending no
 * more handshake messages with one octet 0x00 of application data. */
static int read_commitment(struct rove_eap_tls *t, struct rove_err *err)
{
	unsigned char b[16];
	int r = SSL_read(t->ssl, b, sizeof(b));

	if (r == 1 && b[0] == 0) {
		t->committed = true;
		return 0;
	}
	if (r > 0)
		return rove_err_set(err, ROVE_E_PROTO, _("the EAP-TLS server sent application data "
				      "other than the RFC 9190 commitment message"));
	if (SSL_get_error(t->ssl, r) == SSL_ERROR_WANT_READ)
		return 0;
	return tls_fail(t, err);
}

/* Moves what OpenSSL wrote to outq. */
static int drain_wbio(struct rove_eap_tls *t)
{
	size_t pending = BIO_ctrl_pending(t->wbio);
	uint8_t *p;
	int r;

	if (!pending)
		return 0;
	if (pending > ROVE_EAP_TLS_MAX_MSG || !(p = rove_buf_put(&t->outq, pending)))
		return -1;
	r = BIO_read(t->wbio, p, (int)pending);
	if (r != (int)pending)
		t->outq.len -= pending - (r > 0 ? (size_t)r : 0);
	return 0;
}

/* Runs OpenSSL on what arrived; leaves our next flight in outq. */
static int tls_step(struct rove_eap_tls *t, struct rove_err *err)
{
	if (!t->handshake_done) {
		int r = SSL_do_handshake(t->ssl);

		if (r == 1) {
			t->handshake_done = true;
			tls_names(t);
			if (derive_msk(t) < 0)
				return rove_err_set(err, ROVE_E_CRYPTO, _("cannot derive the EAP-TLS "
						      "MSK"));
		} else if (SSL_get_error(t->ssl, r) != SSL_ERROR_WANT_READ) {
			/* Send the alert OpenSSL wrote, then fail. */
			rove_buf_reset(&t->outq);
			drain_wbio(t);
			return tls_fail(t, err);
		}
	}
	if (t->handshake_done && SSL_version(t->ssl) >= TLS1_3_VERSION && !t->committed &&
	    read_commitment(t, err) < 0)
		return -1;
	if (drain_wbio(t) < 0)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	return 0;
}

static int start(struct rove_eap_tls *t, struct rove_err *err)
{
	if (t->started)
		return rove_err_set(err, ROVE_E_PROTO, _("the gateway restarted EAP-TLS"));
	t->ssl = SSL_new(t->ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->rbio || !t->wbio) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	}
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_connect_state(t->ssl);
	t->started = true;
	return tls_step(t, err);
}

/* One EAP-TLS request: flags, [length], data. */
static int tls_request(struct rove_eap_tls *t, uint8_t id, const uint8_t *d, size_t len,
		       struct rove_buf *out, struct rove_err *err)
{
	uint8_t flags;

	if (len < 1)
		return rove_err_set(err, ROVE_E_PARSE, _("EAP-TLS request without flags"));
	flags = d[0];
	d++;
	len--;
	if (flags & FLAG_S) {
		if (start(t, err) < 0)
			return -1;
		send_fragment(t, id, out);
		return 0;
	}
	if (!t->started)
		return rove_err_set(err, ROVE_E_PROTO, _("EAP-TLS data before the start"));
	if (t->outq.len) {
		/* We are sending a fragmented flight: this must be the ACK. */
		if (len || (flags & (FLAG_L | FLAG_M)))
			return rove_err_set(err, ROVE_E_PROTO, _("the EAP-TLS server sent data "
					      "instead of acknowledging our fragment"));
		send_fragment(t, id, out);
		return 0;
	}
	if (flags & FLAG_L) {
		uint32_t total;

		if (len < 4)
			return rove_err_set(err, ROVE_E_PARSE, _("EAP-TLS length field cut short"));
		total = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
		if (total > ROVE_EAP_TLS_MAX_MSG || total == 0)
			return rove_err_set(err, ROVE_E_PROTO, _("the EAP-TLS server announces a "
					      "%u-byte message (at most %u)"), total,
					    ROVE_EAP_TLS_MAX_MSG);
		if (!t->in.len)
			t->in_expect = total;
		d += 4;
		len -= 4;
	}
	if (t->in.len + len > ROVE_EAP_TLS_MAX_MSG ||
	    (t->in_expect && t->in.len + len > t->in_expect))
		return rove_err_set(err, ROVE_E_PROTO, _("the EAP-TLS server's fragments exceed "
				      "the message length"));
	rove_buf_add(&t->in, d, len);
	if (flags & FLAG_M) {
		send_ack(id, out);
		return 0;
	}
	if (t->in_expect && t->in.len != t->in_expect)
		return rove_err_set(err, ROVE_E_PROTO, _("the EAP-TLS server's fragments fall "
				      "short of the announced length"));
	if (t->in.len && BIO_write(t->rbio, t->in.data, (int)t->in.len) != (int)t->in.len)
		return rove_err_set(err, ROVE_E_NOMEM, _("out of memory"));
	rove_buf_reset(&t->in);
	t->in_expect = 0;
	if (tls_step(t, err) < 0) {
		if (t->outq.len) /* the alert */
			send_fragment(t, id, out);
		return -1;
	}
	if (t->outq.len)
		send_fragment(t, id, out);
	else
		send_ack(id, out);
	return 0;
}

static int finish(struct rove_eap_tls *t, uint8_t code, enum rove_eap_result *res,
		  struct rove_err *err)
{
	t->done = true;
	*res = ROVE_EAP_DONE_FAILURE;
	if (code == EAP_FAILURE) {
		if (t->handshake_done)
			return rove_err_set(err, ROVE_E_AUTH, _("the gateway refused our certificate "
					      "in EAP-TLS: check that it trusts the CA of cert= and "
					      "the EAP identity (local-id)")), 0;
		return rove_err_set(err, ROVE_E_AUTH, _("the gateway ended EAP-TLS with a failure "
				      "before the TLS handshake completed")), 0;
	}
	if (!t->handshake_done || !t->have_msk ||
	    (SSL_version(t->ssl) >= TLS1_3_VERSION && !t->committed))
		return rove_err_set(err, ROVE_E_AUTH, _("the gateway sent EAP-Success before the "
				      "EAP-TLS handshake completed")), 0;
	*res = ROVE_EAP_DONE_SUCCESS;
	return 0;
}

int rove_eap_tls_input(struct rove_eap_tls *t, const uint8_t *pkt, size_t len,
		       struct rove_buf *out, enum rove_eap_result *res, struct rove_err *err)
{
	struct rove_eap_pkt p;
	size_t mark = out->len;
	int rc = 0;

	*res = ROVE_EAP_DONE_FAILURE;
	if (rove_eap_parse(pkt, len, &p, err) < 0)
		return -1;
	if (t->done)
		return rove_err_set(err, ROVE_E_PROTO, _("EAP packet after the end of EAP-TLS"));
	if (p.code == EAP_SUCCESS || p.code == EAP_FAILURE)
		return finish(t, p.code, res, err);
	if (p.code != EAP_REQUEST)
		return rove_err_set(err, ROVE_E_PROTO, _("unexpected EAP code %u"), p.code);
	*res = ROVE_EAP_CONTINUE;
	if (t->last_req.len == len && memcmp(t->last_req.data, pkt, len) == 0) {
		rove_buf_add(out, t->last_resp.data, t->last_resp.len);
		return 0;
	}
	switch (p.type) {
	case EAP_TYPE_IDENTITY:
		eap_response(out, p.id, EAP_TYPE_IDENTITY, (const uint8_t *)t->identity,
			     strlen(t->identity));
		break;
	case EAP_TYPE_NOTIFICATION:
		eap_response(out, p.id, EAP_TYPE_NOTIFICATION, NULL, 0);
		break;
	case ROVE_EAP_TYPE_TLS:
		rc = tls_request(t, p.id, p.data, p.data_len, out, err);
		break;
	default:
		if (t->started)
			return rove_err_set(err, ROVE_E_PROTO, _("the gateway switched EAP method "
					      "during EAP-TLS"));
		/* Nak (RFC 3748 5.3.1): we do EAP-TLS only. */
		{
			static const uint8_t want = ROVE_EAP_TYPE_TLS;

			eap_response(out, p.id, EAP_TYPE_NAK, &want, 1);
		}
		break;
	}
	if (rc < 0) {
		*res = ROVE_EAP_DONE_FAILURE;
		t->done = true;
		if (out->len == mark)
			return -1;
		return 0; /* the alert goes out; err says why */
	}
	rove_buf_reset(&t->last_req);
	rove_buf_add(&t->last_req, pkt, len);
	rove_buf_reset(&t->last_resp);
	rove_buf_add(&t->last_resp, out->data + mark, out->len - mark);
	return 0;
}

const uint8_t *rove_eap_tls_msk(const struct rove_eap_tls *t, size_t *len)
{
	*len = t->have_msk ? MSK_LEN : 0;
	return t->have_msk ? t->msk : NULL;
}

const char *rove_eap_tls_version(const struct rove_eap_tls *t)
{
	return t->version;
}

const char *rove_eap_tls_cipher(const struct rove_eap_tls *t)
{
	return t->cipher;
}
