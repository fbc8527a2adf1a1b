/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKEv2 codec: payload round trips, the message builder, malformed
 * input, and messages captured from strongSwan 5.9.8. */
#include "check.h"
#include "payload.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t spi_r[8] = { 0 };

/* With ROVE_FUZZ_CORPUS=dir set, messages the tests build are also written
 * there as seeds for fuzz_ike_msg. */
static void save_seed(const char *name, const uint8_t *p, size_t len)
{
	const char *dir = getenv("ROVE_FUZZ_CORPUS");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(p, 1, len, f);
	fclose(f);
}

/* Wraps a payload chain (first payload `first`) in an IKE header. */
static size_t wrap(uint8_t *out, uint8_t first, const uint8_t *chain, size_t len)
{
	memcpy(out, spi_i, 8);
	memset(out + 8, 0, 8);
	out[16] = first;
	out[17] = ROVE_IKE_VERSION;
	out[18] = ROVE_EXCH_IKE_SA_INIT;
	out[19] = ROVE_FLAG_INITIATOR;
	rove_put_be32(out + 20, 0);
	rove_put_be32(out + 24, (uint32_t)(ROVE_IKE_HDR_LEN + len));
	if (len)
		memcpy(out + ROVE_IKE_HDR_LEN, chain, len);
	return ROVE_IKE_HDR_LEN + len;
}

/* ---- header ---- */

static void test_header(void)
{
	uint8_t b[64];
	struct rove_ike_header h;
	struct rove_err err;
	size_t len = wrap(b, ROVE_PL_NONE, NULL, 0);

	rove_put_be32(b + 20, 0x01020304);
	CHECK(rove_ike_header_parse(b, len, &h, &err) == 0);
	CHECK_MEM(h.spi_i, spi_i, 8);
	CHECK(h.version == 0x20 && h.exchange == ROVE_EXCH_IKE_SA_INIT);
	CHECK(h.flags == ROVE_FLAG_INITIATOR && h.msg_id == 0x01020304 && h.length == 28);

	CHECK(rove_ike_header_parse(b, 27, &h, &err) == -1);
	CHECK(err.code == ROVE_E_PARSE);
	/* length field disagrees with the datagram */
	b[27] = 29;
	CHECK(rove_ike_header_parse(b, 28, &h, &err) == -1);
	CHECK(err.code == ROVE_E_PARSE && strstr(err.msg, "length field 29"));
	b[27] = 20;
	CHECK(rove_ike_header_parse(b, 28, &h, &err) == -1);
	CHECK(err.code == ROVE_E_PARSE);
	b[27] = 28;
	/* IKEv1 and a future IKEv3 */
	b[17] = 0x10;
	CHECK(rove_ike_header_parse(b, 28, &h, &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	CHECK_STR(err.msg, "IKE major version 1");
	b[17] = 0x30;
	CHECK(rove_ike_header_parse(b, 28, &h, &err) == -1);
	CHECK(err.code == ROVE_E_UNSUPPORTED);
	/* a higher minor version is fine (2.1) */
	b[17] = 0x21;
	CHECK(rove_ike_header_parse(b, 28, &h, &err) == 0);
}

/* ---- SA ---- */

static void fill_sa(struct rove_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->n = 2;
	sa->prop[0] = (struct rove_proposal){ .num = 1, .protocol = ROVE_PROTO_IKE, .n = 4 };
	sa->prop[0].tr[0] = (struct rove_transform){ ROVE_TRANS_ENCR, ROVE_ENCR_AES_GCM_16, 256, false };
	sa->prop[0].tr[1] = (struct rove_transform){ ROVE_TRANS_PRF, ROVE_PRF_HMAC_SHA2_384, 0, false };
	sa->prop[0].tr[2] = (struct rove_transform){ ROVE_TRANS_DH, ROVE_DH_CURVE25519, 0, false };
	sa->prop[0].tr[3] = (struct rove_transform){ ROVE_TRANS_DH, ROVE_DH_ECP256, 0, false };
	sa->prop[1] = (struct rove_proposal){ .num = 2, .protocol = ROVE_PROTO_ESP, .spi_len = 4,
					      .spi = { 0xc1, 0xc2, 0xc3, 0xc4 }, .n = 3 };
	sa->prop[1].tr[0] = (struct rove_transform){ ROVE_TRANS_ENCR, ROVE_ENCR_AES_CBC, 128, false };
	sa->prop[1].tr[1] = (struct rove_transform){ ROVE_TRANS_INTEG, ROVE_INTEG_HMAC_SHA2_256_128, 0, false };
	sa->prop[1].tr[2] = (struct rove_transform){ ROVE_TRANS_ESN, ROVE_ESN_NO, 0, false };
}

static void test_sa_roundtrip(void)
{
	struct rove_sa sa, out;
	struct rove_buf b;
	struct rove_err err;

	fill_sa(&sa);
	rove_buf_init(&b);
	CHECK(rove_sa_build(&b, &sa) == 0);
	CHECK(b.len == 8 + 12 + 8 + 8 + 8 + 8 + 4 + 12 + 8 + 8);
	CHECK(b.data[0] == 2 && b.data[44] == 0); /* last-substructure flags */
	CHECK(rove_sa_parse(b.data, b.len, &out, &err) == 0);
	CHECK(out.n == 2);
	for (size_t i = 0; i < 2 && out.n == 2; i++) {
		CHECK(out.prop[i].num == sa.prop[i].num);
		CHECK(out.prop[i].protocol == sa.prop[i].protocol);
		CHECK(out.prop[i].spi_len == sa.prop[i].spi_len);
		CHECK_MEM(out.prop[i].spi, sa.prop[i].spi, sa.prop[i].spi_len);
		CHECK(out.prop[i].n == sa.prop[i].n);
		for (size_t j = 0; j < sa.prop[i].n; j++) {
			CHECK(out.prop[i].tr[j].type == sa.prop[i].tr[j].type);
			CHECK(out.prop[i].tr[j].id == sa.prop[i].tr[j].id);
			CHECK(out.prop[i].tr[j].key_len == sa.prop[i].tr[j].key_len);
			CHECK(!out.prop[i].tr[j].unknown_attr);
		}
	}
	/* a response carries only the accepted proposal, with its number */
	rove_buf_reset(&b);
	out.prop[0] = sa.prop[1];
	out.n = 1;
	CHECK(rove_sa_build(&b, &out) == 0);
	CHECK(rove_sa_parse(b.data, b.len, &out, &err) == 0);
	CHECK(out.n == 1 && out.prop[0].num == 2 && out.prop[0].spi_len == 4);
	/* builder input out of range */
	sa.prop[0].spi_len = 9;
	CHECK(rove_sa_build(&b, &sa) == -1);
	rove_buf_free(&b);
}

/* One proposal with two transforms, mutated by the malformed cases. */
static const char sa_two_tr[] =
	"0000001c 01010002"           /* last, len 28, #1 IKE, spi 0, 2 transforms */
	"0300000c 0100000c 800e0080"  /* ENCR AES-CBC-128 */
	"00000008 0400001f";          /* DH curve25519 */

static int sa_mutated(size_t off, uint8_t val, struct rove_err *err)
{
	uint8_t b[64];
	struct rove_sa sa;
	size_t len = check_hex(sa_two_tr, b, sizeof(b));

	b[off] = val;
	return rove_sa_parse(b, len, &sa, err);
}

static void test_sa_malformed(void)
{
	uint8_t b[128];
	struct rove_sa sa;
	struct rove_err err;
	size_t len;

	CHECK(sa_mutated(0, 0, &err) == 0);
	CHECK(sa_mutated(7, 3, &err) == -1); /* declares 3, holds 2 */
	CHECK(err.code == ROVE_E_PARSE && strstr(err.msg, "declares 3 transforms"));
	CHECK(sa_mutated(7, 1, &err) == -1); /* declares 1, holds 2 */
	CHECK(sa_mutated(11, 3, &err) == -1);
	CHECK_STR(err.msg, "SA payload: transform length 3 shorter than its header");
	CHECK(sa_mutated(11, 40, &err) == -1); /* transform past the proposal */
	CHECK(sa_mutated(8, 0, &err) == -1);   /* first transform marked last */
	CHECK(sa_mutated(20, 3, &err) == -1);  /* last transform marked "more" */
	CHECK(sa_mutated(0, 2, &err) == -1);   /* proposal "more" with nothing after */
	CHECK(sa_mutated(0, 1, &err) == -1);   /* bogus flag */
	CHECK(sa_mutated(3, 29, &err) == -1);  /* proposal length past the end */
	CHECK(sa_mutated(3, 7, &err) == -1);   /* proposal shorter than its header */
	CHECK(sa_mutated(6, 9, &err) == -1);   /* SPI size 9 */
	CHECK(strstr(err.msg, "SPI size 9") != NULL);
	CHECK(sa_mutated(4, 0, &err) == -1);   /* proposal number 0 */
	CHECK(sa_mutated(16, 0, &err) == -1);  /* TLV attribute running past */
	CHECK(rove_sa_parse(b, 0, &sa, &err) == -1);

	/* attributes we do not understand flag the transform */
	len = check_hex("00000020 01010002"
			"0300000c 0100000c 800f0080"  /* TV type 15 */
			"0000000c 0400001f 00010000", /* TLV type 1, empty */
			b, sizeof(b));
	CHECK(rove_sa_parse(b, len, &sa, &err) == 0);
	CHECK(sa.prop[0].tr[0].unknown_attr && sa.prop[0].tr[0].key_len == 0);
	CHECK(sa.prop[0].tr[1].unknown_attr);

	/* numbering: 1,2 fine; 1,3 and 2,3 not */
	len = check_hex("02000010 01010001 00000008 0400001f"
			"00000010 02010001 00000008 04000013", b, sizeof(b));
	CHECK(rove_sa_parse(b, len, &sa, &err) == 0 && sa.n == 2);
	b[16 + 4] = 3;
	CHECK(rove_sa_parse(b, len, &sa, &err) == -1);
	CHECK(strstr(err.msg, "proposal number 3 out of sequence") != NULL);
	b[4] = 2;
	CHECK(rove_sa_parse(b, len, &sa, &err) == -1);
	/* first proposal marked last although another follows */
	b[4] = 1;
	b[20] = 2;
	b[0] = 0;
	CHECK(rove_sa_parse(b, len, &sa, &err) == -1);
}

/* ---- simple payloads ---- */

static void test_ke_id_cert_auth(void)
{
	uint8_t data[40];
	struct rove_buf b;
	struct rove_err err;
	struct rove_ke ke;
	struct rove_id id;
	struct rove_cert_pl c;
	struct rove_auth a;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	rove_buf_init(&b);
	rove_ke_build(&b, ROVE_DH_CURVE25519, data, 32);
	CHECK(b.len == 36 && b.data[0] == 0 && b.data[1] == 31 && b.data[2] == 0);
	CHECK(rove_ke_parse(b.data, b.len, &ke, &err) == 0);
	CHECK(ke.group == 31 && ke.len == 32 && ke.data == b.data + 4);
	CHECK(rove_ke_parse(b.data, 4, &ke, &err) == -1);
	CHECK(rove_ke_parse(b.data, 3, &ke, &err) == -1);

	rove_buf_reset(&b);
	rove_id_build(&b, ROVE_ID_FQDN, (const uint8_t *)"vpn.example.org", 15);
	CHECK(rove_id_parse(b.data, b.len, &id, &err) == 0);
	CHECK(id.type == ROVE_ID_FQDN && id.len == 15 && memcmp(id.data, "vpn.example.org", 15) == 0);
	CHECK(rove_id_parse(b.data, 3, &id, &err) == -1);
	rove_buf_reset(&b);
	rove_id_build(&b, ROVE_ID_IPV4_ADDR, data, 5);
	CHECK(rove_id_parse(b.data, b.len, &id, &err) == -1);
	CHECK(rove_id_parse(b.data, b.len - 1, &id, &err) == 0);

	rove_buf_reset(&b);
	rove_cert_build(&b, ROVE_CERT_X509_SIG, data, 20);
	CHECK(rove_cert_parse(b.data, b.len, &c, &err) == 0);
	CHECK(c.encoding == 4 && c.len == 20 && memcmp(c.data, data, 20) == 0);
	CHECK(rove_cert_parse(b.data, 1, &c, &err) == 0 && c.len == 0); /* empty CERTREQ */
	CHECK(rove_cert_parse(b.data, 0, &c, &err) == -1);

	rove_buf_reset(&b);
	rove_auth_build(&b, ROVE_AUTH_PSK, data, 32);
	CHECK(b.len == 36 && b.data[0] == 2);
	CHECK(rove_auth_parse(b.data, b.len, &a, &err) == 0);
	CHECK(a.method == ROVE_AUTH_PSK && a.len == 32 && memcmp(a.data, data, 32) == 0);
	CHECK(rove_auth_parse(b.data, 4, &a, &err) == -1);

	CHECK(rove_nonce_check(15, &err) == -1 && err.code == ROVE_E_PARSE);
	CHECK(rove_nonce_check(16, &err) == 0);
	CHECK(rove_nonce_check(256, &err) == 0);
	CHECK(rove_nonce_check(257, &err) == -1);
	rove_buf_free(&b);
}

static void test_notify(void)
{
	const uint8_t spi[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct rove_buf b;
	struct rove_notify n;
	struct rove_err err;

	rove_buf_init(&b);
	rove_notify_build(&b, ROVE_PROTO_ESP, spi, 4, ROVE_N_REKEY_SA, (const uint8_t *)"xy", 2);
	CHECK(b.len == 10);
	CHECK(rove_notify_parse(b.data, b.len, &n, &err) == 0);
	CHECK(n.protocol == 3 && n.spi_size == 4 && memcmp(n.spi, spi, 4) == 0);
	CHECK(n.type == ROVE_N_REKEY_SA && n.len == 2 && memcmp(n.data, "xy", 2) == 0);
	b.data[1] = 7; /* SPI size past the end */
	CHECK(rove_notify_parse(b.data, b.len, &n, &err) == -1);
	CHECK(rove_notify_parse(b.data, 3, &n, &err) == -1);
	rove_buf_reset(&b);
	rove_notify_build(&b, 0, NULL, 0, ROVE_N_COOKIE, NULL, 0);
	CHECK(rove_notify_parse(b.data, b.len, &n, &err) == 0 && n.len == 0 && n.spi_size == 0);

	CHECK_STR(rove_notify_name(ROVE_N_NO_PROPOSAL_CHOSEN), "NO_PROPOSAL_CHOSEN");
	CHECK_STR(rove_notify_name(ROVE_N_NAT_DETECTION_SOURCE_IP), "NAT_DETECTION_SOURCE_IP");
	CHECK_STR(rove_notify_name(ROVE_N_UNSUPPORTED_CRITICAL_PAYLOAD), "UNSUPPORTED_CRITICAL_PAYLOAD");
	CHECK_STR(rove_notify_name(ROVE_N_SIGNATURE_HASH_ALGORITHMS), "SIGNATURE_HASH_ALGORITHMS");
	CHECK_STR(rove_notify_name(12345), "unknown");
	CHECK_STR(rove_notify_name(0), "unknown");
	rove_buf_free(&b);
}

static void test_delete(void)
{
	const uint8_t spis[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct rove_buf b;
	struct rove_delete d;
	struct rove_err err;

	rove_buf_init(&b);
	rove_delete_build(&b, ROVE_PROTO_ESP, 4, 2, spis);
	CHECK(rove_delete_parse(b.data, b.len, &d, &err) == 0);
	CHECK(d.protocol == 3 && d.spi_size == 4 && d.nspi == 2 && memcmp(d.spis, spis, 8) == 0);
	CHECK(rove_delete_parse(b.data, b.len - 1, &d, &err) == -1); /* short */
	b.data[1] = 8; /* 2 SPIs of 8 bytes would need 16 */
	CHECK(rove_delete_parse(b.data, b.len, &d, &err) == -1);
	b.data[3] = 1; /* 1 SPI of 8 bytes fits, but ESP SPIs are 4 */
	CHECK(rove_delete_parse(b.data, b.len, &d, &err) == -1);
	CHECK(strstr(err.msg, "SPI size 8") != NULL);

	rove_buf_reset(&b);
	rove_delete_build(&b, ROVE_PROTO_IKE, 0, 0, NULL);
	CHECK(b.len == 4);
	CHECK(rove_delete_parse(b.data, b.len, &d, &err) == 0 && d.protocol == 1 && d.nspi == 0);
	b.data[1] = 4;
	CHECK(rove_delete_parse(b.data, b.len, &d, &err) == -1);
	b.data[1] = 0;
	b.data[0] = 9;
	CHECK(rove_delete_parse(b.data, b.len, &d, &err) == -1);
	rove_buf_free(&b);
}

static void test_ts(void)
{
	struct rove_prefix p4, p6;
	struct rove_ts ts[3];
	struct rove_ts_list l;
	struct rove_buf b;
	struct rove_err err;

	CHECK(rove_prefix_parse("10.1.0.0/16", &p4));
	CHECK(rove_prefix_parse("2001:db8::/32", &p6));
	rove_ts_from_prefix(&p4, &ts[0]);
	rove_ts_from_prefix(&p6, &ts[1]);
	rove_ts_from_prefix(&p4, &ts[2]);
	ts[2].ip_proto = 17;
	ts[2].start_port = ts[2].end_port = 53;
	rove_buf_init(&b);
	rove_ts_build(&b, ts, 3);
	CHECK(b.len == 4 + 16 + 40 + 16);
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == 0);
	CHECK(l.n == 3);
	for (size_t i = 0; i < 3; i++)
		CHECK(memcmp(&l.ts[i], &ts[i], sizeof(ts[i])) == 0);
	CHECK(rove_ts_parse(b.data, b.len - 1, &l, &err) == -1);   /* truncated */
	b.data[0] = 2;
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == -1);       /* trailing */
	b.data[0] = 4;
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == -1);       /* count past end */
	b.data[0] = 0;
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == -1);
	b.data[0] = 3;

	/* start > end */
	b.data[4 + 8] = 11;
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == -1);
	CHECK(strstr(err.msg, "starts after its end") != NULL);
	b.data[4 + 8] = 10;
	/* unknown type, and a type with the wrong length */
	b.data[4] = 9;
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == -1);
	CHECK(strstr(err.msg, "unknown type 9") != NULL);
	b.data[4] = ROVE_TS_IPV6_ADDR_RANGE;
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == -1);
	b.data[4] = ROVE_TS_IPV4_ADDR_RANGE;
	/* ports: 65535-0 is OPAQUE, 54-53 is not */
	b.data[4 + 4] = 0xff, b.data[4 + 5] = 0xff, b.data[4 + 6] = 0, b.data[4 + 7] = 0;
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == 0);
	CHECK(l.ts[0].start_port == 65535 && l.ts[0].end_port == 0);
	b.data[4 + 4] = 0, b.data[4 + 5] = 54, b.data[4 + 6] = 0, b.data[4 + 7] = 53;
	CHECK(rove_ts_parse(b.data, b.len, &l, &err) == -1);
	CHECK(rove_ts_parse(b.data, 3, &l, &err) == -1);

	rove_buf_reset(&b);
	ts[0].type = 9;
	rove_ts_build(&b, ts, 1);
	CHECK(b.failed);
	rove_buf_free(&b);
}

static void test_cp(void)
{
	const uint8_t addr[4] = { 10, 3, 0, 1 };
	struct rove_cp_attr in[3] = {
		{ ROVE_CA_INTERNAL_IP4_ADDRESS, NULL, 0 },
		{ ROVE_CA_INTERNAL_IP4_DNS, addr, 4 },
		{ ROVE_CA_APPLICATION_VERSION, (const uint8_t *)"rove", 4 },
	};
	struct rove_cp cp;
	struct rove_buf b;
	struct rove_err err;

	rove_buf_init(&b);
	rove_cp_build(&b, ROVE_CFG_REQUEST, in, 3);
	CHECK(b.len == 4 + 4 + 8 + 8);
	CHECK(rove_cp_parse(b.data, b.len, &cp, &err) == 0);
	CHECK(cp.cfg_type == ROVE_CFG_REQUEST && cp.n == 3);
	for (size_t i = 0; i < 3 && cp.n == 3; i++) {
		CHECK(cp.attr[i].type == in[i].type && cp.attr[i].len == in[i].len);
		CHECK(in[i].len == 0 || memcmp(cp.attr[i].data, in[i].data, in[i].len) == 0);
	}
	/* the reserved top bit is not part of the type */
	b.data[4] |= 0x80;
	CHECK(rove_cp_parse(b.data, b.len, &cp, &err) == 0 && cp.attr[0].type == 1);
	/* attribute running past the end */
	CHECK(rove_cp_parse(b.data, b.len - 1, &cp, &err) == -1);
	CHECK(strstr(err.msg, "runs past the end") != NULL);
	CHECK(rove_cp_parse(b.data, 4 + 4 + 3, &cp, &err) == -1); /* header truncated */
	CHECK(rove_cp_parse(b.data, 3, &cp, &err) == -1);
	CHECK(rove_cp_parse(b.data, 4, &cp, &err) == 0 && cp.n == 0);
	rove_buf_free(&b);
}

static void test_id_str(void)
{
	char s[128];
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct rove_id id = { ROVE_ID_FQDN, (const uint8_t *)"gw\x01\\x.test", 10 };
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;
	int dlen;

	CHECK_STR(rove_id_str(&id, s, sizeof(s)), "gw\\x01\\\\x.test");
	id = (struct rove_id){ ROVE_ID_IPV4_ADDR, (const uint8_t *)"\xc0\x00\x02\x01", 4 };
	CHECK_STR(rove_id_str(&id, s, sizeof(s)), "192.0.2.1");
	id = (struct rove_id){ ROVE_ID_IPV6_ADDR, v6, 16 };
	CHECK_STR(rove_id_str(&id, s, sizeof(s)), "2001:db8::1");
	id = (struct rove_id){ ROVE_ID_KEY_ID, (const uint8_t *)"\x0a\xff", 2 };
	CHECK_STR(rove_id_str(&id, s, sizeof(s)), "0aff");
	id = (struct rove_id){ ROVE_ID_RFC822_ADDR, (const uint8_t *)"alice@example.org", 17 };
	CHECK_STR(rove_id_str(&id, s, 6), "alice");
	memset(s, 'x', sizeof(s));
	rove_id_str(&id, s, 1);
	CHECK(s[0] == '\0');

	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"CH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"rove", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"gw.test", -1, -1, 0);
	dlen = i2d_X509_NAME(name, &der);
	CHECK(dlen > 0);
	id = (struct rove_id){ ROVE_ID_DER_ASN1_DN, der, (size_t)dlen };
	CHECK_STR(rove_id_str(&id, s, sizeof(s)), "CN=gw.test, O=rove, C=CH");
	/* a DN that is not DER falls back to hex */
	id.len = 3;
	rove_id_str(&id, s, sizeof(s));
	CHECK(strlen(s) == 6);
	OPENSSL_free(der);
	X509_NAME_free(name);
}

/* ---- message builder and chain ---- */

/* Builds an IKE_SA_INIT request like ours: SA KE Ni N(NATD_S) N(NATD_D)
 * N(FRAG_SUP) V. */
static void build_init(struct rove_mb *mb, const uint8_t *ke, const uint8_t *nonce)
{
	struct rove_sa sa;

	fill_sa(&sa);
	sa.n = 1;
	rove_mb_init(mb, spi_i, spi_r, ROVE_EXCH_IKE_SA_INIT, ROVE_FLAG_INITIATOR, 0);
	rove_mb_begin(mb, ROVE_PL_SA, false);
	rove_sa_build(&mb->buf, &sa);
	rove_mb_end(mb);
	rove_mb_begin(mb, ROVE_PL_KE, false);
	rove_ke_build(&mb->buf, ROVE_DH_CURVE25519, ke, 32);
	rove_mb_end(mb);
	rove_mb_add(mb, ROVE_PL_NONCE, nonce, 32);
	rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_NAT_DETECTION_SOURCE_IP, nonce, 20);
	rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_NAT_DETECTION_DESTINATION_IP, ke, 20);
	rove_mb_add_notify(mb, 0, NULL, 0, ROVE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	rove_mb_add(mb, ROVE_PL_VENDOR, (const uint8_t *)"rove", 4);
}

static void test_build_init(void)
{
	uint8_t ke[32], nonce[32];
	struct rove_mb mb;
	struct rove_msg m;
	struct rove_err err;
	struct rove_sa sa;
	struct rove_ke k;
	struct rove_notify n;
	const struct rove_payload *p;
	const uint8_t types[] = { ROVE_PL_SA, ROVE_PL_KE, ROVE_PL_NONCE, ROVE_PL_NOTIFY,
				  ROVE_PL_NOTIFY, ROVE_PL_NOTIFY, ROVE_PL_VENDOR };

	for (int i = 0; i < 32; i++)
		ke[i] = (uint8_t)(0x40 + i), nonce[i] = (uint8_t)(0x80 + i);
	build_init(&mb, ke, nonce);
	CHECK(rove_mb_finish(&mb, &err) == 0);
	save_seed("built_init", mb.buf.data, mb.buf.len);
	CHECK(rove_get_be32(mb.buf.data + 24) == mb.buf.len);
	CHECK(rove_msg_parse(mb.buf.data, mb.buf.len, &m, &err) == 0);
	CHECK(m.hdr.exchange == ROVE_EXCH_IKE_SA_INIT && m.hdr.flags == ROVE_FLAG_INITIATOR);
	CHECK(m.hdr.next_payload == ROVE_PL_SA && m.hdr.length == mb.buf.len);
	CHECK(m.n == sizeof(types));
	for (size_t i = 0; i < m.n && i < sizeof(types); i++) {
		CHECK(m.pl[i].type == types[i]);
		CHECK(m.pl[i].next == (i + 1 < sizeof(types) ? types[i + 1] : 0));
		CHECK(m.pl[i].body == mb.buf.data + m.pl[i].offset + 4);
		CHECK(!m.pl[i].critical);
	}
	CHECK(m.pl[0].offset == 28);
	p = rove_msg_find(&m, ROVE_PL_SA);
	CHECK(p && rove_sa_parse(p->body, p->len, &sa, &err) == 0 && sa.n == 1 && sa.prop[0].n == 4);
	p = rove_msg_find(&m, ROVE_PL_KE);
	CHECK(p && rove_ke_parse(p->body, p->len, &k, &err) == 0 && k.group == 31);
	CHECK(p && memcmp(k.data, ke, 32) == 0);
	p = rove_msg_find(&m, ROVE_PL_NONCE);
	CHECK(p && p->len == 32 && memcmp(p->body, nonce, 32) == 0);
	p = rove_msg_find_notify(&m, ROVE_N_NAT_DETECTION_DESTINATION_IP);
	CHECK(p == &m.pl[4]);
	CHECK(p && rove_notify_parse(p->body, p->len, &n, &err) == 0 && n.len == 20);
	CHECK(rove_msg_find_notify(&m, ROVE_N_COOKIE) == NULL);
	CHECK(rove_msg_find(&m, ROVE_PL_IDI) == NULL);
	p = rove_msg_find_next(&m, NULL, ROVE_PL_NOTIFY);
	CHECK(p == &m.pl[3]);
	p = rove_msg_find_next(&m, p, ROVE_PL_NOTIFY);
	CHECK(p == &m.pl[4]);
	p = rove_msg_find_next(&m, p, ROVE_PL_NOTIFY);
	CHECK(p == &m.pl[5]);
	CHECK(rove_msg_find_next(&m, p, ROVE_PL_NOTIFY) == NULL);
	rove_mb_free(&mb);
	CHECK(mb.buf.data == NULL);
}

static void test_build_inner_and_sk(void)
{
	const uint8_t idv[] = "client@example.org";
	const uint8_t fake_ct[24] = { 0xaa };
	struct rove_mb in, out;
	struct rove_msg m;
	struct rove_err err;
	struct rove_id id;
	struct rove_buf body;

	rove_mb_init_inner(&in);
	rove_mb_begin(&in, ROVE_PL_IDI, false);
	rove_id_build(&in.buf, ROVE_ID_RFC822_ADDR, idv, sizeof(idv) - 1);
	rove_mb_end(&in);
	rove_mb_add_notify(&in, 0, NULL, 0, ROVE_N_INITIAL_CONTACT, NULL, 0);
	rove_mb_begin(&in, ROVE_PL_CP, true); /* left open: finish ends it */
	rove_cp_build(&in.buf, ROVE_CFG_REQUEST, NULL, 0);
	CHECK(rove_mb_finish(&in, &err) == 0);
	CHECK(in.first == ROVE_PL_IDI && in.buf.data[0] == ROVE_PL_NOTIFY);
	CHECK(in.buf.len == 4 + 4 + 18 + 8 + 8);

	/* an inner chain is appended after what m already holds */
	memset(&m, 0, sizeof(m));
	m.n = 1;
	m.pl[0].type = ROVE_PL_SA;
	CHECK(rove_msg_parse_inner(in.first, in.buf.data, in.buf.len, &m, &err) == 0);
	CHECK(m.n == 4 && m.pl[1].type == ROVE_PL_IDI && m.pl[1].offset == 0);
	CHECK(m.pl[2].type == ROVE_PL_NOTIFY && m.pl[3].type == ROVE_PL_CP && m.pl[3].critical);
	CHECK(rove_id_parse(m.pl[1].body, m.pl[1].len, &id, &err) == 0 && id.len == 18);
	/* errors leave m as it was */
	CHECK(rove_msg_parse_inner(in.first, in.buf.data, in.buf.len - 1, &m, &err) == -1);
	CHECK(m.n == 4);
	CHECK(rove_msg_parse_inner(ROVE_PL_NONE, NULL, 0, &m, &err) == 0 && m.n == 4);
	CHECK(rove_msg_parse_inner(ROVE_PL_NONE, in.buf.data, 1, &m, &err) == -1);

	/* outer message with an SK payload naming IDi as the first inner one */
	rove_mb_init(&out, spi_i, spi_i, ROVE_EXCH_IKE_AUTH, ROVE_FLAG_INITIATOR, 1);
	rove_mb_begin_sk(&out, in.first);
	rove_buf_add(&out.buf, fake_ct, sizeof(fake_ct));
	CHECK(rove_mb_finish(&out, &err) == 0);
	save_seed("built_sk", out.buf.data, out.buf.len);
	CHECK(rove_msg_parse(out.buf.data, out.buf.len, &m, &err) == 0);
	CHECK(m.n == 1 && m.pl[0].type == ROVE_PL_SK && m.pl[0].next == ROVE_PL_IDI);
	CHECK(m.pl[0].len == sizeof(fake_ct) && m.pl[0].offset == 28);
	/* SK inside SK */
	rove_buf_init(&body);
	rove_buf_add(&body, out.buf.data + 28, out.buf.len - 28);
	CHECK(rove_msg_parse_inner(ROVE_PL_SK, body.data, body.len, &m, &err) == -1);
	CHECK(err.code == ROVE_E_PARSE && m.n == 1);
	rove_buf_free(&body);
	/* nothing may follow SK */
	rove_mb_add(&out, ROVE_PL_NONCE, fake_ct, 16);
	CHECK(rove_mb_finish(&out, &err) == -1 && err.code == ROVE_E_NOMEM);
	rove_mb_begin_sk(&in, ROVE_PL_NONE);
	CHECK(rove_mb_finish(&in, &err) == -1);
	rove_mb_free(&in);
	rove_mb_free(&out);
}

static void test_chain_malformed(void)
{
	uint8_t chain[256], msg[300];
	struct rove_msg m;
	struct rove_err err;
	size_t clen, len;

	/* Nonce(16) then Vendor ID(4) */
	clen = check_hex("2b000014 000102030405060708090a0b0c0d0e0f"
			 "00000008 726f7665", chain, sizeof(chain));
	len = wrap(msg, ROVE_PL_NONCE, chain, clen);
	CHECK(rove_msg_parse(msg, len, &m, &err) == 0 && m.n == 2);
	save_seed("nonce_vid", msg, len);

	/* truncated datagram */
	CHECK(rove_msg_parse(msg, 20, &m, &err) == -1 && err.code == ROVE_E_PARSE);
	/* header length mismatch */
	CHECK(rove_msg_parse(msg, len - 1, &m, &err) == -1 && err.code == ROVE_E_PARSE);
	/* payload length < 4 */
	msg[28 + 20 + 3] = 3;
	CHECK(rove_msg_parse(msg, len, &m, &err) == -1);
	CHECK_STR(err.msg, "Vendor ID payload: length 3 shorter than its header");
	/* payload running past the end */
	msg[28 + 20 + 3] = 9;
	CHECK(rove_msg_parse(msg, len, &m, &err) == -1);
	CHECK(strstr(err.msg, "runs past the end") != NULL);
	msg[28 + 20 + 3] = 8;
	/* trailing garbage: the chain ends one byte early */
	msg[28 + 20 + 3] = 7;
	CHECK(rove_msg_parse(msg, len, &m, &err) == -1);
	CHECK(strstr(err.msg, "1 trailing bytes") != NULL);
	msg[28 + 20 + 3] = 8;
	/* last payload says another follows, but the message ends */
	msg[28 + 20] = ROVE_PL_NOTIFY;
	CHECK(rove_msg_parse(msg, len, &m, &err) == -1);
	CHECK(strstr(err.msg, "Notify payload: generic header truncated") != NULL);
	msg[28 + 20] = 0;

	/* unknown non-critical payload (type 50) between them is skipped */
	clen = check_hex("32000014 000102030405060708090a0b0c0d0e0f"
			 "2b000008 01020304"
			 "00000008 726f7665", chain, sizeof(chain));
	len = wrap(msg, ROVE_PL_NONCE, chain, clen);
	CHECK(rove_msg_parse(msg, len, &m, &err) == 0);
	CHECK(m.n == 2 && m.pl[0].type == ROVE_PL_NONCE && m.pl[1].type == ROVE_PL_VENDOR);
	CHECK(m.pl[0].next == 50 && m.pl[1].offset == 28 + 20 + 8);
	/* ... but rejects the whole message when critical */
	msg[28 + 20 + 1] = 0x80;
	CHECK(rove_msg_parse(msg, len, &m, &err) == -1);
	CHECK(err.code == ROVE_E_CRITICAL && m.unsupported_critical == 50);
	/* a known payload with the critical bit is fine */
	msg[28 + 1] = 0x80;
	msg[28 + 20 + 1] = 0;
	CHECK(rove_msg_parse(msg, len, &m, &err) == 0 && m.pl[0].critical);
	CHECK(m.unsupported_critical == 0);

	/* SK not last */
	clen = check_hex("2b000008 00000000"   /* SK, next = Vendor ID */
			 "00000008 726f7665", chain, sizeof(chain));
	len = wrap(msg, ROVE_PL_SK, chain, clen);
	CHECK(rove_msg_parse(msg, len, &m, &err) == -1);
	CHECK(strstr(err.msg, "SK payload is not the last payload") != NULL);
	len = wrap(msg, ROVE_PL_SKF, chain, clen);
	CHECK(rove_msg_parse(msg, len, &m, &err) == -1);

	/* too many payloads: 49 empty Vendor IDs */
	clen = 0;
	for (int i = 0; i < ROVE_MAX_PAYLOADS + 1; i++) {
		chain[clen++] = i < ROVE_MAX_PAYLOADS ? ROVE_PL_VENDOR : 0;
		chain[clen++] = 0;
		chain[clen++] = 0;
		chain[clen++] = 4;
	}
	len = wrap(msg, ROVE_PL_VENDOR, chain, clen);
	CHECK(rove_msg_parse(msg, len, &m, &err) == -1);
	CHECK(strstr(err.msg, "more than 48 payloads") != NULL);
	len = wrap(msg, ROVE_PL_VENDOR, chain + 4, clen - 4);
	CHECK(rove_msg_parse(msg, len, &m, &err) == 0 && m.n == ROVE_MAX_PAYLOADS);
}

/* Every payload type in one message, as a plain chain: each comes back
 * through its own parser. Also the seed that reaches every fuzz branch. */
static void test_build_all(void)
{
	const uint8_t spis[4] = { 0xc0, 0, 0, 1 }, data[16] = { 0x55 };
	struct rove_cp_attr attr = { ROVE_CA_INTERNAL_IP4_ADDRESS, NULL, 0 };
	struct rove_prefix pfx;
	struct rove_ts ts;
	struct rove_sa sa;
	struct rove_mb mb;
	struct rove_msg m;
	struct rove_err err;
	struct rove_id id;
	struct rove_cert_pl c;
	struct rove_auth a;
	struct rove_delete d;
	struct rove_ts_list l;
	struct rove_cp cp;
	const struct rove_payload *p;
	uint8_t *seed;

	fill_sa(&sa);
	CHECK(rove_prefix_parse("10.1.0.0/16", &pfx));
	rove_ts_from_prefix(&pfx, &ts);
	rove_mb_init(&mb, spi_i, spi_i, ROVE_EXCH_IKE_AUTH, ROVE_FLAG_INITIATOR, 1);
	rove_mb_begin(&mb, ROVE_PL_IDI, false);
	rove_id_build(&mb.buf, ROVE_ID_FQDN, (const uint8_t *)"client.test", 11);
	rove_mb_begin(&mb, ROVE_PL_CERTREQ, false); /* ends IDi */
	rove_cert_build(&mb.buf, ROVE_CERT_X509_SIG, data, 16);
	rove_mb_begin(&mb, ROVE_PL_AUTH, false);
	rove_auth_build(&mb.buf, ROVE_AUTH_PSK, data, 16);
	rove_mb_begin(&mb, ROVE_PL_CP, false);
	rove_cp_build(&mb.buf, ROVE_CFG_REQUEST, &attr, 1);
	rove_mb_begin(&mb, ROVE_PL_SA, false);
	rove_sa_build(&mb.buf, &sa);
	rove_mb_begin(&mb, ROVE_PL_TSI, false);
	rove_ts_build(&mb.buf, &ts, 1);
	rove_mb_begin(&mb, ROVE_PL_TSR, false);
	rove_ts_build(&mb.buf, &ts, 1);
	rove_mb_begin(&mb, ROVE_PL_DELETE, false);
	rove_delete_build(&mb.buf, ROVE_PROTO_ESP, 4, 1, spis);
	rove_mb_add(&mb, ROVE_PL_EAP, (const uint8_t *)"\x02\x01\x00\x05\x01", 5);
	CHECK(rove_mb_finish(&mb, &err) == 0);
	save_seed("built_all", mb.buf.data, mb.buf.len);
	CHECK(rove_msg_parse(mb.buf.data, mb.buf.len, &m, &err) == 0);
	CHECK(m.n == 9);
	p = rove_msg_find(&m, ROVE_PL_IDI);
	CHECK(p && rove_id_parse(p->body, p->len, &id, &err) == 0 && id.len == 11);
	p = rove_msg_find(&m, ROVE_PL_CERTREQ);
	CHECK(p && rove_cert_parse(p->body, p->len, &c, &err) == 0 && c.len == 16);
	p = rove_msg_find(&m, ROVE_PL_AUTH);
	CHECK(p && rove_auth_parse(p->body, p->len, &a, &err) == 0 && a.len == 16);
	p = rove_msg_find(&m, ROVE_PL_CP);
	CHECK(p && rove_cp_parse(p->body, p->len, &cp, &err) == 0 && cp.n == 1);
	p = rove_msg_find(&m, ROVE_PL_SA);
	CHECK(p && rove_sa_parse(p->body, p->len, &sa, &err) == 0 && sa.n == 2);
	p = rove_msg_find(&m, ROVE_PL_TSR);
	CHECK(p && rove_ts_parse(p->body, p->len, &l, &err) == 0 && l.n == 1);
	CHECK(l.n == 1 && memcmp(&l.ts[0], &ts, sizeof(ts)) == 0);
	p = rove_msg_find(&m, ROVE_PL_DELETE);
	CHECK(p && rove_delete_parse(p->body, p->len, &d, &err) == 0 && d.nspi == 1);
	p = rove_msg_find(&m, ROVE_PL_EAP);
	CHECK(p && p->len == 5 && p->next == ROVE_PL_NONE);

	/* the same chain as an inner one: type byte, then the payloads */
	seed = malloc(mb.buf.len - 28 + 1);
	seed[0] = ROVE_PL_IDI;
	memcpy(seed + 1, mb.buf.data + 28, mb.buf.len - 28);
	save_seed("inner_all", seed, mb.buf.len - 28 + 1);
	/* appended to the outer chain: its payloads allowed once are there
	 * already (two IDi in one message), so m is left as it was */
	CHECK(rove_msg_parse_inner(seed[0], seed + 1, mb.buf.len - 28, &m, &err) < 0);
	CHECK(strstr(err.msg, "two IDi payloads") != NULL && m.n == 9);
	m.n = 1; /* the IDi alone, as if it were an SK payload */
	CHECK(rove_msg_parse_inner(seed[0], seed + 1, mb.buf.len - 28, &m, &err) < 0);
	m.n = 2; /* IDi and CERTREQ (a CERTREQ may come more than once) */
	m.pl[0].type = ROVE_PL_SK;
	CHECK(rove_msg_parse_inner(seed[0], seed + 1, mb.buf.len - 28, &m, &err) == 0);
	CHECK(m.n == 11 && m.pl[2].type == ROVE_PL_IDI && m.pl[2].offset == 0);
	free(seed);
	rove_mb_free(&mb);
}

/* ---- messages captured from strongSwan 5.9.8 (client 192.0.2.2, gateway
 * 192.0.2.1, PSK, default proposals) ---- */

static const char sswan_init_req[] =
	"cc48c3ecee6db42b000000000000000021202208000000000000037c220002bc"
	"02000148010100220300000c0100000c800e00800300000c0100000c800e00c0"
	"0300000c0100000c800e01000300000c0100000d800e00800300000c0100000d"
	"800e00c00300000c0100000d800e01000300000c01000017800e00800300000c"
	"01000017800e00c00300000c01000017800e01000300000c01000018800e0080"
	"0300000c01000018800e00c00300000c01000018800e01000300000801000003"
	"030000080300000c030000080300000d030000080300000e0300000803000002"
	"0300000802000005030000080200000603000008020000070300000802000002"
	"030000080400001f030000080400002003000008040000130300000804000014"
	"0300000804000015030000080400001c030000080400001d030000080400001e"
	"030000080400000f030000080400001003000008040000110300000804000012"
	"000000080400000e00000170020100240300000c01000014800e00800300000c"
	"01000014800e00c00300000c01000014800e01000300000c01000010800e0080"
	"0300000c01000010800e00c00300000c01000010800e0100030000080100001c"
	"0300000c01000013800e00800300000c01000013800e00c00300000c01000013"
	"800e01000300000c01000012800e00800300000c01000012800e00c00300000c"
	"01000012800e01000300000c0100000f800e00800300000c0100000f800e00c0"
	"0300000c0100000f800e01000300000c0100000e800e00800300000c0100000e"
	"800e00c00300000c0100000e800e010003000008020000050300000802000006"
	"03000008020000070300000802000002030000080400001f0300000804000020"
	"030000080400001303000008040000140300000804000015030000080400001c"
	"030000080400001d030000080400001e030000080400000f0300000804000010"
	"03000008040000110300000804000012000000080400000e28000028001f0000"
	"d792307005edea4e0d41b969cb2ec9692c63fd0d8602dcffcfb3f99cece09f70"
	"29000024f92f2d8b0e3013a51766dbccf29bcdf08ca14b20bc9d9ea7b1d926bb"
	"fa0655592900001c000040041f0b43c85546185c8303e7890e47dca789b2ad70"
	"2900001c000040055294e7ae014650d1a6b7788f6bbfe81c420cf41d29000008"
	"0000402e290000100000402f00020003000400050000000800004016";

static const char sswan_init_resp[] =
	"cc48c3ecee6db42bd46b87f50af45ebc2120222000000000000000f822000030"
	"0000002c010100040300000c0100000c800e0080030000080300000c03000008"
	"02000005000000080400001f28000028001f0000d1a9eab9b1607209ae1bb814"
	"25d5adf71d929abafd4bb2809ccf735609dee2432900002424af6ea98d17b56f"
	"f6a851b95d7c812911227bdb3541781aca5b08d1715234332900001c00004004"
	"d43476f8a072467da029f92c71fce668a9dc228e2900001c0000400503c93e74"
	"bf2fe1c7a3b92a4778304dda0be66d18290000080000402e290000100000402f"
	"000200030004000529000008000040220000000800004014";

static const char sswan_auth_resp[] =
	"cc48c3ecee6db42bd46b87f50af45ebc2e20232000000001000000b024000094"
	"bd98c56ebdfc181d19cca9fd5e38881e3a438e393f10f011fbeda1e6bfdf5126"
	"509fb34edbce540040424a5c4a48cb3d92872023cf286bfcab7538f95674aa8e"
	"5e6f8691da9523bddc52d1b9efcf9541a269ad8b4831cf07d536ef7173775ecc"
	"307a7929a72f32e310e68a8261b13d90dcd920ccf803e18f4c8a01d757c29a13"
	"8a2d4276affaa58bc8c9a3ec8c6c80b2";

/* NAT-D hash (RFC 7296 2.23): SHA-1(SPIi | SPIr | IP | port). */
static void natd(const struct rove_ike_header *h, const char *ip, uint16_t port, uint8_t out[20])
{
	uint8_t in[8 + 8 + 4 + 2];
	unsigned int olen = 0;
	EVP_MD *sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);

	memcpy(in, h->spi_i, 8);
	memcpy(in + 8, h->spi_r, 8);
	inet_pton(AF_INET, ip, in + 16);
	rove_put_be16(in + 20, port);
	if (!sha1 || !EVP_Digest(in, sizeof(in), out, &olen, sha1, NULL))
		memset(out, 0, 20);
	EVP_MD_free(sha1);
}

static bool natd_matches(const struct rove_msg *m, uint16_t type, const char *ip)
{
	const struct rove_payload *p = rove_msg_find_notify(m, type);
	struct rove_notify n;
	uint8_t h[20];

	if (!p || rove_notify_parse(p->body, p->len, &n, NULL) < 0 || n.len != 20)
		return false;
	natd(&m->hdr, ip, 500, h);
	return memcmp(n.data, h, 20) == 0;
}

static void test_strongswan_init_request(void)
{
	static uint8_t buf[1024];
	size_t len = check_hex(sswan_init_req, buf, sizeof(buf));
	const uint16_t dh_order[] = { 31, 32, 19, 20, 21, 28, 29, 30, 15, 16, 17, 18, 14 };
	struct rove_msg m;
	struct rove_err err;
	struct rove_sa sa;
	struct rove_ke ke;
	struct rove_notify n;
	const struct rove_payload *p;
	size_t ndh = 0;

	save_seed("sswan_init_req", buf, len);
	CHECK(len == 892);
	CHECK(rove_msg_parse(buf, len, &m, &err) == 0);
	CHECK(m.hdr.exchange == ROVE_EXCH_IKE_SA_INIT && m.hdr.msg_id == 0);
	CHECK(m.hdr.flags == ROVE_FLAG_INITIATOR && m.n == 8);
	p = rove_msg_find(&m, ROVE_PL_SA);
	CHECK(p && rove_sa_parse(p->body, p->len, &sa, &err) == 0);
	CHECK(sa.n == 2);
	CHECK(sa.prop[0].num == 1 && sa.prop[0].protocol == ROVE_PROTO_IKE && sa.prop[0].spi_len == 0);
	CHECK(sa.prop[0].n == 34 && sa.prop[1].num == 2 && sa.prop[1].n == 36);
	/* proposal 1: AES-CBC-128 first, DH groups in strongSwan's order */
	CHECK(sa.prop[0].tr[0].type == ROVE_TRANS_ENCR && sa.prop[0].tr[0].id == ROVE_ENCR_AES_CBC);
	CHECK(sa.prop[0].tr[0].key_len == 128 && sa.prop[0].tr[2].key_len == 256);
	CHECK(sa.prop[0].tr[12].id == ROVE_ENCR_3DES && sa.prop[0].tr[12].key_len == 0);
	for (size_t i = 0; i < sa.prop[0].n; i++)
		if (sa.prop[0].tr[i].type == ROVE_TRANS_DH && ndh < 13)
			CHECK(sa.prop[0].tr[i].id == dh_order[ndh++]);
	CHECK(ndh == 13);
	/* proposal 2: AEADs, AES-GCM-16-128 first, ChaCha20 without key length */
	CHECK(sa.prop[1].tr[0].id == ROVE_ENCR_AES_GCM_16 && sa.prop[1].tr[0].key_len == 128);
	CHECK(sa.prop[1].tr[6].id == ROVE_ENCR_CHACHA20_POLY1305 && sa.prop[1].tr[6].key_len == 0);
	CHECK(sa.prop[1].tr[19].type == ROVE_TRANS_PRF && sa.prop[1].tr[19].id == ROVE_PRF_HMAC_SHA2_256);
	p = rove_msg_find(&m, ROVE_PL_KE);
	CHECK(p && rove_ke_parse(p->body, p->len, &ke, &err) == 0);
	CHECK(ke.group == ROVE_DH_CURVE25519 && ke.len == 32);
	p = rove_msg_find(&m, ROVE_PL_NONCE);
	CHECK(p && p->len == 32 && rove_nonce_check(p->len, &err) == 0);
	/* kernel-libipsec only does UDP-encapsulated ESP, so strongSwan fakes
	 * its source hash to force NAT-T; the destination hash is genuine. */
	CHECK(natd_matches(&m, ROVE_N_NAT_DETECTION_DESTINATION_IP, "192.0.2.1"));
	CHECK(!natd_matches(&m, ROVE_N_NAT_DETECTION_DESTINATION_IP, "192.0.2.2"));
	CHECK(!natd_matches(&m, ROVE_N_NAT_DETECTION_SOURCE_IP, "192.0.2.2"));
	p = rove_msg_find_notify(&m, ROVE_N_NAT_DETECTION_SOURCE_IP);
	CHECK(p == &m.pl[3] && p->len == 24);
	CHECK(rove_msg_find_notify(&m, ROVE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL);
	CHECK(rove_msg_find_notify(&m, ROVE_N_REDIRECT_SUPPORTED) == &m.pl[7]);
	p = rove_msg_find_notify(&m, ROVE_N_SIGNATURE_HASH_ALGORITHMS);
	CHECK(p && rove_notify_parse(p->body, p->len, &n, &err) == 0 && n.len == 8);
	CHECK(p && n.len == 8 && memcmp(n.data, "\x00\x02\x00\x03\x00\x04\x00\x05", 8) == 0);
	/* every truncation is rejected (with the header length adjusted, so
	 * the chain walker sees it), and ASan sees no over-read */
	for (size_t i = 0; i < len; i++) {
		uint8_t *cut = malloc(i ? i : 1);

		memcpy(cut, buf, i);
		if (i >= 28)
			rove_put_be32(cut + 24, (uint32_t)i);
		CHECK(rove_msg_parse(cut, i, &m, &err) == -1);
		free(cut);
	}
}

static void test_strongswan_responses(void)
{
	static uint8_t buf[512];
	size_t len = check_hex(sswan_init_resp, buf, sizeof(buf));
	struct rove_msg m;
	struct rove_err err;
	struct rove_sa sa;
	const struct rove_payload *p;

	save_seed("sswan_init_resp", buf, len);
	CHECK(rove_msg_parse(buf, len, &m, &err) == 0);
	CHECK(m.hdr.flags == ROVE_FLAG_RESPONSE && m.n == 9);
	p = rove_msg_find(&m, ROVE_PL_SA);
	CHECK(p && rove_sa_parse(p->body, p->len, &sa, &err) == 0);
	CHECK(sa.n == 1 && sa.prop[0].num == 1 && sa.prop[0].n == 4);
	CHECK(sa.prop[0].tr[0].id == ROVE_ENCR_AES_CBC && sa.prop[0].tr[0].key_len == 128);
	CHECK(sa.prop[0].tr[1].type == ROVE_TRANS_INTEG &&
	      sa.prop[0].tr[1].id == ROVE_INTEG_HMAC_SHA2_256_128);
	CHECK(sa.prop[0].tr[3].type == ROVE_TRANS_DH && sa.prop[0].tr[3].id == ROVE_DH_CURVE25519);
	CHECK(natd_matches(&m, ROVE_N_NAT_DETECTION_DESTINATION_IP, "192.0.2.2"));
	CHECK(!natd_matches(&m, ROVE_N_NAT_DETECTION_SOURCE_IP, "192.0.2.1")); /* faked */
	CHECK(rove_msg_find_notify(&m, 16404) != NULL); /* MULTIPLE_AUTH_SUPPORTED */

	len = check_hex(sswan_auth_resp, buf, sizeof(buf));
	save_seed("sswan_auth_resp", buf, len);
	CHECK(rove_msg_parse(buf, len, &m, &err) == 0);
	CHECK(m.hdr.exchange == ROVE_EXCH_IKE_AUTH && m.hdr.msg_id == 1 && m.n == 1);
	CHECK(m.pl[0].type == ROVE_PL_SK && m.pl[0].next == ROVE_PL_IDR);
	CHECK(m.pl[0].offset == 28 && m.pl[0].len == len - 32);
}

int main(void)
{
	RUN(test_header);
	RUN(test_sa_roundtrip);
	RUN(test_sa_malformed);
	RUN(test_ke_id_cert_auth);
	RUN(test_notify);
	RUN(test_delete);
	RUN(test_ts);
	RUN(test_cp);
	RUN(test_id_str);
	RUN(test_build_init);
	RUN(test_build_inner_and_sk);
	RUN(test_build_all);
	RUN(test_chain_malformed);
	RUN(test_strongswan_init_request);
	RUN(test_strongswan_responses);
	return check_summary();
}
