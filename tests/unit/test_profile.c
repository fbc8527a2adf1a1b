/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check.h"
#include "profile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH "/etc/rove/work.conf"

static struct rove_profile p;
static struct rove_diags diags;

static int parse_at(const char *path, const char *text)
{
	rove_profile_free(&p);
	memset(&diags, 0, sizeof(diags));
	return rove_profile_parse(path, text, strlen(text), &p, &diags);
}

static int parse(const char *text)
{
	return parse_at(PATH, text);
}

static void dump(void)
{
	char line[5000];

	for (size_t i = 0; i < diags.n; i++) {
		rove_diag_format(&diags.d[i], line, sizeof(line));
		fprintf(stderr, "  diag: %s\n", line);
	}
}

/* Whether some problem is on this line, for this key, with this text. */
static bool has(unsigned line, const char *key, const char *needle)
{
	for (size_t i = 0; i < diags.n; i++)
		if (diags.d[i].line == line && strcmp(diags.d[i].key, key) == 0 &&
		    strstr(diags.d[i].msg, needle))
			return true;
	dump();
	return false;
}

/* Whether some problem formats exactly as want. */
static bool has_text(const char *want)
{
	char line[5000];

	for (size_t i = 0; i < diags.n; i++) {
		rove_diag_format(&diags.d[i], line, sizeof(line));
		if (strcmp(line, want) == 0)
			return true;
	}
	fprintf(stderr, "  wanted: %s\n", want);
	dump();
	return false;
}

static void test_minimal(void)
{
	char a[64];

	CHECK(parse("[vpn]\nserver=vpn.example.com\nuser=alice\nca=/etc/rove/example-ca.pem\n") == 0);
	CHECK(diags.n == 0);
	CHECK_STR(p.name, "work");
	CHECK_STR(p.path, PATH);
	CHECK_STR(p.server, "vpn.example.com");
	CHECK_STR(p.user, "alice");
	CHECK_STR(p.ca, "/etc/rove/example-ca.pem");
	CHECK(p.remote_id == NULL && p.local_id == NULL && p.ike == NULL && p.esp == NULL);
	CHECK(p.auth == ROVE_PROFILE_AUTH_EAP_MSCHAPV2);
	CHECK(p.nroutes == 2);
	CHECK_STR(rove_prefix_str(&p.routes[0], a, sizeof(a)), "0.0.0.0/0");
	CHECK_STR(rove_prefix_str(&p.routes[1], a, sizeof(a)), "::/0");
	CHECK(!p.encap && p.mobike && p.dpd == 30 && p.datapath == ROVE_DP_AUTO);
	CHECK(p.dpd_timeout == 15 && p.reconnect && p.reauth == 0);
	CHECK(p.ike_rekey == 14400 && p.child_rekey == 3600); /* strongSwan's 4 h and 1 h */
	CHECK(p.password == NULL && p.psk == NULL && !p.secrets_readable_by_others);
	rove_profile_free(&p);
	CHECK(p.server == NULL);
	rove_profile_free(&p); /* twice is harmless */
}

/* cert= without user= means pubkey; files are anchored like ca=, URIs kept. */
static void test_auth_pubkey(void)
{
	CHECK(parse("[vpn]\nserver=gw\ncert=me.p12\nsend-remote-id=yes\n"
		    "[vpn-secrets]\nkey-password=pw\n") == 0);
	CHECK(p.auth == ROVE_PROFILE_AUTH_PUBKEY && p.send_remote_id);
	CHECK_STR(p.cert, "/etc/rove/me.p12");
	CHECK(p.key == NULL && p.key_password_len == 2);
	CHECK(parse("[vpn]\nserver=gw\nauth=pubkey\ncert=pkcs11:token=t;object=me\n"
		    "key=./k.pem\n") == 0);
	CHECK_STR(p.cert, "pkcs11:token=t;object=me");
	CHECK_STR(p.key, "/etc/rove/k.pem");
	CHECK(parse("[vpn]\nserver=gw\nauth=pubkey\n") != 0);
	CHECK(has(0, "cert", "missing: auth=pubkey needs our certificate"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nkey=k.pem\n") != 0);
	CHECK(has(0, "key", "set without cert="));
	CHECK(parse("[vpn]\nserver=gw\nauth=eap-tls\n") != 0);
	CHECK(has(0, "cert", "missing: auth=eap-tls needs our certificate"));
	CHECK(parse("[vpn]\nserver=gw\nauth=eap-tls\ncert=c.pem\neap-tls-version=1.3\n") == 0);
	CHECK(p.auth == ROVE_PROFILE_AUTH_EAP_TLS && p.eap_tls13);
	CHECK(parse("[vpn]\nserver=gw\nauth=eap-tls\ncert=c.pem\neap-tls-version=1.1\n") != 0);
	CHECK(has(5, "eap-tls-version", "expected 1.2 or 1.3"));
}

static void test_auth_inference(void)
{
	CHECK(parse("[vpn]\nserver=gw\nuser=bob\n") == 0 && p.auth == ROVE_PROFILE_AUTH_EAP_MSCHAPV2);
	CHECK(parse("[vpn]\nserver=gw\n[vpn-secrets]\npsk=0123456789abcdef\n") == 0);
	CHECK(p.auth == ROVE_PROFILE_AUTH_PSK && p.psk_len == 16);
	CHECK(parse("[vpn]\nserver=gw\nuser=bob\n[vpn-secrets]\npsk=k\n") == 0);
	CHECK(p.auth == ROVE_PROFILE_AUTH_EAP_MSCHAPV2);
	CHECK(parse("[vpn]\nserver=gw\nuser=bob\nauth=psk\n") == 0 && p.auth == ROVE_PROFILE_AUTH_PSK);
	CHECK(parse("[vpn]\nserver=gw\n") != 0);
	CHECK(has_text(PATH ": auth: set user= (EAP-MSCHAPv2), cert= (certificate) or auth=psk"));
	CHECK(parse("[vpn]\nserver=gw\nauth=eap-mschapv2\n") != 0);
	CHECK(has(0, "user", "needs the EAP user name"));
	CHECK(parse("[vpn]\nserver=gw\nauth=eap\n") != 0);
	CHECK(has(3, "auth", "\"eap\" is not an authentication method (expected eap-mschapv2, "
		  "eap-tls, pubkey or psk)"));
	test_auth_pubkey();
}

static void test_every_key(void)
{
	char a[64];

	CHECK(parse("# a full profile\n"
		    "[vpn]\n"
		    "service-type=org.freedesktop.NetworkManager.rove\n"
		    "server=192.0.2.1\n"
		    "remote-id=vpn.example.com\n"
		    "local-id=alice@example.com\n"
		    "user=alice\n"
		    "ca=ca.pem\n"
		    "auth=eap-mschapv2\n"
		    "routes=10.0.0.0/8, 192.168.1.0/24 2001:db8::/32,10.0.0.0/8\n"
		    "ike=aes256gcm16-prfsha384-x25519!\n"
		    "esp=aes256gcm16\n"
		    "encap=true\n"
		    "datapath=kernel\n"
		    "mobike=0\n"
		    "dpd=45s\n"
		    "password-flags=2\n"
		    "psk-flags=0\n"
		    "[vpn-secrets]\n"
		    "password=s3cret\n") == 0);
	CHECK(diags.n == 0);
	dump();
	CHECK_STR(p.server, "192.0.2.1");
	CHECK_STR(p.remote_id, "vpn.example.com");
	CHECK_STR(p.local_id, "alice@example.com");
	CHECK_STR(p.ca, "/etc/rove/ca.pem");
	CHECK(p.nroutes == 3);
	CHECK_STR(rove_prefix_str(&p.routes[1], a, sizeof(a)), "192.168.1.0/24");
	CHECK_STR(rove_prefix_str(&p.routes[2], a, sizeof(a)), "2001:db8::/32");
	CHECK_STR(p.ike, "aes256gcm16-prfsha384-x25519!");
	CHECK_STR(p.esp, "aes256gcm16");
	CHECK(p.encap && !p.mobike && p.dpd == 45 && p.datapath == ROVE_DP_KERNEL);
	CHECK(p.password_flags == 2 && p.psk_flags == 0);
	CHECK_STR(p.password, "s3cret");
	CHECK(p.password_len == 6);

	CHECK(parse("[vpn]\nserver=2001:db8::1\nuser=u\ndatapath=userspace\nmobike=yes\nencap=no\n"
		    "dpd=0\n") == 0);
	CHECK(p.datapath == ROVE_DP_USERSPACE && p.mobike && !p.encap && p.dpd == 0);
	CHECK(parse("[vpn]\nserver=vpn_1.example.com.\nuser=u\nmobike=FALSE\nencap=1\ndpd=86400\n") == 0);
	CHECK(!p.mobike && p.encap && p.dpd == 86400);
	CHECK(p.leak_block);
	CHECK(parse("[vpn]\nserver=vpn.example.com\nuser=u\nleak-block=no\n") == 0);
	CHECK(!p.leak_block);
	CHECK(parse("[vpn]\nserver=vpn.example.com\nuser=u\nleak-block=sometimes\n") != 0);
	CHECK(has(4, "leak-block", "\"sometimes\" is not yes or no"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\ndpd-timeout=4s\nreconnect=no\nreauth=90m\n") == 0);
	CHECK(p.dpd_timeout == 4 && !p.reconnect && p.reauth == 5400);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nreauth=1d\n") == 0 && p.reauth == 86400);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nreauth=20\n") == 0 && p.reauth == 20);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nreauth=no\n") == 0 && p.reauth == 0);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nreauth=5s\n") != 0 &&
	      has(4, "reauth", "\"5s\" is not a time from 10s to 30d"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nreauth=31d\n") != 0);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\ndpd-timeout=0\n") != 0 &&
	      has(4, "dpd-timeout", "from 1 to 3600"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nfragment-size=600\n") == 0 && p.fragment_size == 600);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nfragment-size=100\n") != 0 &&
	      has(4, "fragment-size", "\"100\" is not a size in bytes from 400 to 65535"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nreconnect=sometimes\n") != 0 &&
	      has(4, "reconnect", "is not yes or no"));
	/* NetworkManager's own properties are accepted and ignored. */
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nuser-name=\npersistent=false\ntimeout=0\n") == 0);
}

/* ike-rekey and child-rekey: strongSwan's time syntax, 0 = the gateway's. */
static void test_rekey_keys(void)
{
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nike-rekey=2h\nchild-rekey=90m\n") == 0);
	CHECK(p.ike_rekey == 7200 && p.child_rekey == 5400);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nike-rekey=1d\nchild-rekey=45s\n") == 0);
	CHECK(p.ike_rekey == 86400 && p.child_rekey == 45);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nike-rekey=0\nchild-rekey=3600\n") == 0);
	CHECK(p.ike_rekey == 0 && p.child_rekey == 3600);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nike-rekey=30d\n") == 0);
	CHECK(p.ike_rekey == 30 * 86400);
	CHECK(parse("[vpn]\n"
		    "server=gw\n"
		    "user=u\n"
		    "ike-rekey=4x\n"        /* 4 */
		    "child-rekey=-1\n"      /* 5 */
		    "[vpn-secrets]\n") != 0);
	CHECK(has(4, "ike-rekey", "\"4x\" is not a time up to 30 days"));
	CHECK(has(5, "child-rekey", "\"-1\" is not a time"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nchild-rekey=31d\n") != 0);
	CHECK(has(4, "child-rekey", "is not a time up to 30 days"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nike-rekey=h\n") != 0);
	CHECK(has(4, "ike-rekey", "\"h\""));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nike-rekey=4hh\n") != 0);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nike-rekey=99999999999\n") != 0);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nike_rekey=4h\n") != 0);
	CHECK(has(4, "ike_rekey", "did you mean 'ike-rekey'?"));
}

/* Every key with a bad value: each problem on its own line, all at once. */
static void test_every_key_invalid(void)
{
	CHECK(parse("[vpn]\n"
		    "server=vpn.example.com:4500\n"              /* 2 */
		    "remote-id=a\\nb\n"                          /* 3 */
		    "local-id=x\\ty\n"                           /* 4 */
		    "user=u\\r\n"                                /* 5 */
		    "ca=/etc/rove/\n"                            /* 6 */
		    "auth=mschap\n"                              /* 7 */
		    "routes=10.0.0.0/33\n"                       /* 8 */
		    "ike=aes257-sha256-modp2048\n"               /* 9 */
		    "esp=aes256gcm16-sha256\n"                   /* 10 */
		    "encap=maybe\n"                              /* 11 */
		    "datapath=fast\n"                            /* 12 */
		    "mobike=2\n"                                 /* 13 */
		    "dpd=30m\n"                                  /* 14 */
		    "password-flags=9\n"                         /* 15 */
		    "psk-flags=-1\n"                             /* 16 */
		    "service-type=org.freedesktop.NetworkManager.strongswan\n" /* 17 */
		    "[vpn-secrets]\n"
		    "password=\n") != 0);                        /* 19 */
	CHECK(has_text(PATH ":2: server: \"vpn.example.com:4500\" has a port; rove always uses "
		       "ports 500 and 4500, so write just vpn.example.com"));
	CHECK(has(3, "remote-id", "control character"));
	CHECK(has(4, "local-id", "control character"));
	CHECK(has(5, "user", "control character"));
	CHECK(has(6, "ca", "is a directory"));
	CHECK(has(7, "auth", "\"mschap\" is not an authentication method"));
	CHECK(has_text(PATH ":8: routes: \"10.0.0.0/33\" is not an address prefix "
		       "(expected e.g. 10.1.0.0/16)"));
	CHECK(has_text(PATH ":9: ike: unknown algorithm \"aes257\" in \"aes257-sha256-modp2048\""));
	CHECK(has(10, "esp", "takes no integrity algorithm"));
	CHECK(has(11, "encap", "\"maybe\" is not yes or no"));
	CHECK(has(12, "datapath", "\"fast\" is not a datapath (expected auto, kernel or userspace)"));
	CHECK(has(13, "mobike", "\"2\" is not yes or no"));
	CHECK(has(14, "dpd", "\"30m\" is not a number of seconds"));
	CHECK(has(15, "password-flags", "\"9\" is not a NetworkManager secret flags value"));
	CHECK(has(16, "psk-flags", "\"-1\""));
	CHECK(has(17, "service-type", "not rove"));
	CHECK(has(19, "password", "has no value"));
	/* And what follows from the bad lines: no server, no way to authenticate. */
	CHECK(has_text(PATH ": server: missing (the gateway's host name or address)"));
	CHECK(has(0, "auth", "set user="));
	CHECK(diags.n == 19);
}

static void test_server_values(void)
{
	CHECK(parse("[vpn]\nserver=[2001:db8::1]\nuser=u\n") != 0 && has(2, "server", "brackets"));
	CHECK(parse("[vpn]\nserver=[2001:db8::1]:500\nuser=u\n") != 0);
	CHECK(parse("[vpn]\nserver=2001:db8::zz\nuser=u\n") != 0 &&
	      has(2, "server", "not a valid IPv6 address"));
	CHECK(parse("[vpn]\nserver=10.0.0.256\nuser=u\n") != 0 &&
	      has(2, "server", "not a valid IPv4 address"));
	CHECK(parse("[vpn]\nserver=https://vpn.example.com\nuser=u\n") != 0 &&
	      has(2, "server", "write just the host"));
	CHECK(parse("[vpn]\nserver=-bad.example.com\nuser=u\n") != 0 &&
	      has(2, "server", "not a host name or IP address"));
	CHECK(parse("[vpn]\nserver=a..b\nuser=u\n") != 0);
	CHECK(parse("[vpn]\nserver=vpn example\nuser=u\n") != 0);
	CHECK(parse("[vpn]\nserver=Vpn-1.Example.COM\nuser=u\n") == 0);
}

static void test_routes(void)
{
	char a[64], text[2048];

	CHECK(parse("[vpn]\nserver=gw\nuser=u\nroutes=10.1.2.3/16\n") != 0);
	CHECK(has(4, "routes", "\"10.1.2.3/16\" has host bits set; did you mean 10.1.0.0/16?"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nroutes=2001:db8::/129\n") != 0 &&
	      has(4, "routes", "e.g. 2001:db8::/32"));
	/* A bare address is a host route. */
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nroutes=10.0.0.1\n") == 0 && p.nroutes == 1);
	CHECK_STR(rove_prefix_str(&p.routes[0], a, sizeof(a)), "10.0.0.1/32");
	/* Every bad prefix is reported, not just the first. */
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nroutes=x, 10.0.0.0/8 ,y\n") != 0);
	CHECK(has(4, "routes", "\"x\"") && has(4, "routes", "\"y\""));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nroutes= , ,\n") != 0 && has(4, "routes", "no prefix"));
	strcpy(text, "[vpn]\nserver=gw\nuser=u\nroutes=");
	for (int i = 0; i < 17; i++)
		sprintf(text + strlen(text), "10.%d.0.0/16,", i);
	strcat(text, "\n");
	CHECK(parse(text) != 0 && has(4, "routes", "more than 16 routes"));
}

static void test_escapes(void)
{
	CHECK(parse("[vpn]\nserver=gw\nuser=  \\sal ice  \n[vpn-secrets]\n"
		    "password=\\sa\\\\b\\tc\\nd\\r\\s\n") == 0);
	CHECK_STR(p.user, " al ice");
	CHECK(p.password_len == 10);
	CHECK(memcmp(p.password, " a\\b\tc\nd\r ", 10) == 0);
	CHECK(parse("[vpn]\nserver=gw\nuser=a\\xb\n") != 0 && has(3, "user", "unknown escape \\x"));
	CHECK(parse("[vpn]\nserver=gw\nuser=ab\\\n") != 0 && has(3, "user", "lone backslash"));
	/* Whitespace around keys and '=' is not part of them. */
	CHECK(parse("  [vpn]  \n\t server \t=\t gw \nuser= u\n") == 0);
	CHECK_STR(p.server, "gw");
	CHECK_STR(p.user, "u");
}

static void test_nm_keyfile(void)
{
	static const char nm[] =
		"[connection]\n"
		"id=Work VPN\n"
		"uuid=0b4c2a3e-4a3c-4a4e-9d5a-8f3c2e1d0a9b\n"
		"type=vpn\n"
		"autoconnect=false\n"
		"\n"
		"[vpn]\n"
		"service-type=org.freedesktop.NetworkManager.rove\n"
		"server=vpn.example.com\n"
		"user=alice\n"
		"password-flags=1\n"
		"\n"
		"[vpn-secrets]\n"
		"password=hunter2\n"
		"\n"
		"[ipv4]\n"
		"method=auto\n"
		"dns-search=\n"
		"never-default=true\n"
		"never-default=false\n"
		"\n"
		"[ipv6]\n"
		"addr-gen-mode=stable-privacy\n"
		"method=auto\n"
		"\n"
		"[proxy]\n";

	CHECK(parse_at("/etc/NetworkManager/system-connections/Work.nmconnection", nm) == 0);
	CHECK(diags.n == 0);
	CHECK_STR(p.name, "Work");
	CHECK_STR(p.server, "vpn.example.com");
	CHECK(p.password_flags == 1 && p.password_len == 7);
	CHECK(parse("[connection]\nid=x\n[vpn]\n"
		    "service-type=org.freedesktop.NetworkManager.strongswan\n"
		    "server=gw\nuser=u\n") != 0);
	CHECK(has(4, "service-type", "this connection is for "
		  "\"org.freedesktop.NetworkManager.strongswan\", not rove"));
}

static void test_syntax(void)
{
	char *big;
	size_t n;

	/* Duplicates. */
	CHECK(parse("[vpn]\nserver=gw\nserver=gw2\nuser=u\n") != 0);
	CHECK(has_text(PATH ":3: server: set twice (first on line 2)"));
	CHECK(parse("[vpn]\nserver=gw\n[vpn-secrets]\npsk=a\n[vpn]\nuser=u\n[vpn-secrets]\npsk=b\n") != 0);
	CHECK(has(8, "psk", "set twice (first on line 4)"));
	/* CRLF and no final newline. */
	CHECK(parse("[vpn]\r\nserver=gw\r\nuser=alice\r\n") == 0);
	CHECK_STR(p.user, "alice");
	CHECK(parse("[vpn]\nserver=gw\nuser=alice") == 0);
	CHECK_STR(p.user, "alice");
	CHECK(parse("\xef\xbb\xbf[vpn]\nserver=gw\nuser=alice\n") == 0);
	/* Comments and blank lines. */
	CHECK(parse("# comment\n; another\n\n   \n[vpn]\n  # indented\nserver=gw # not a comment\n"
		    "user=u\n") != 0);
	CHECK(has(7, "server", "not a host name"));
	/* Keys outside a group, broken lines and headers. */
	CHECK(parse("server=gw\n[vpn]\nuser=u\n") != 0);
	CHECK(has(1, "server", "outside of any group"));
	CHECK(parse("[vpn\nserver=gw\nuser=u\n") != 0 && has(1, "", "must end with ']'"));
	CHECK(parse("[]\n[vpn]\nserver=gw\nuser=u\n") != 0 && has(1, "", "invalid group name"));
	CHECK(parse("[vpn]\nserver gw\nuser=u\n") != 0 && has(2, "", "expected key=value"));
	CHECK(parse("[vpn]\n=gw\nuser=u\n") != 0 && has(2, "", "key is missing"));
	/* Bytes that cannot be in a profile. */
	rove_profile_free(&p);
	memset(&diags, 0, sizeof(diags));
	CHECK(rove_profile_parse(PATH, "[vpn]\nserver=g\0w\nuser=u\n", 21, &p, &diags) != 0);
	CHECK(has(2, "", "NUL byte"));
	memset(&diags, 0, sizeof(diags));
	rove_profile_free(&p);
	CHECK(parse("[vpn]\nserver=gw\nuser=\xff\n") != 0 && has(3, "", "not valid UTF-8 (byte 6"));
	CHECK(parse("[vpn]\nserver=gw\nuser=\xc0\xaf\n") != 0 && has(3, "", "UTF-8"));
	CHECK(parse("[vpn]\nserver=gw\nuser=\xed\xa0\x80\n") != 0 && has(3, "", "UTF-8"));
	CHECK(parse("[vpn]\nserver=gw\nuser=\xe2\x82\n") != 0 && has(3, "", "UTF-8"));
	CHECK(parse("[vpn]\nserver=gw\nuser=j\xc3\xbcrgen \xf0\x9f\x94\x91\n") == 0);
	/* Line length. */
	big = malloc(6000);
	strcpy(big, "[vpn]\nserver=gw\nuser=u\n#");
	n = strlen(big);
	memset(big + n, 'x', 4200);
	strcpy(big + n + 4200, "\n");
	CHECK(parse(big) != 0 && has(4, "", "longer than 4096"));
	free(big);
}

static void test_did_you_mean(void)
{
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nremoteid=gw\n") != 0);
	CHECK(has_text(PATH ":4: remoteid: unknown key; did you mean 'remote-id'?"));
	CHECK(parse("[vpn]\nsever=gw\nuser=u\n") != 0 && has(2, "sever", "did you mean 'server'?"));
	CHECK(parse("[vpn]\nserver=gw\nUser=u\n") != 0 && has(3, "User", "did you mean 'user'?"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nfrobnicate=1\n") != 0);
	CHECK(has(4, "frobnicate", "unknown key (see docs/profile.md"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\npassword=x\n") != 0);
	CHECK(has(4, "password", "belongs in [vpn-secrets], not in [vpn]"));
	CHECK(parse("[vpn]\nserver=gw\nuser=u\n[vpn-secrets]\npasword=x\n") != 0);
	CHECK(has(5, "pasword", "did you mean 'password'?"));
	CHECK(parse("[vpn]\nuser=u\n[vpn-secrets]\nserver=x\n") != 0);
	CHECK(has(4, "server", "belongs in [vpn]"));
}

static void test_many_problems(void)
{
	char text[4096];

	strcpy(text, "[vpn]\n");
	for (int i = 0; i < 40; i++)
		sprintf(text + strlen(text), "bogus%d=1\n", i);
	CHECK(parse(text) != 0);
	CHECK(diags.n == ROVE_MAX_DIAGS);
	CHECK(has(31, "bogus29", "unknown key"));
	CHECK_STR(diags.d[ROVE_MAX_DIAGS - 1].msg, "... more problems");
	rove_profile_free(&p);
	CHECK(rove_profile_parse(PATH, "[vpn]\n", 6, &p, NULL) != 0); /* no diags: still fails */
}

static void test_ca_paths(void)
{
	char cwd[4096], want[8192];

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nca=certs/ca.pem\n") == 0);
	CHECK_STR(p.ca, "/etc/rove/certs/ca.pem");
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nca=./ca.pem\n") == 0);
	CHECK_STR(p.ca, "/etc/rove/ca.pem");
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nca=/opt/ca.pem\n") == 0);
	CHECK_STR(p.ca, "/opt/ca.pem");
	CHECK(parse_at("/work.conf", "[vpn]\nserver=gw\nuser=u\nca=ca.pem\n") == 0);
	CHECK_STR(p.ca, "/ca.pem");
	CHECK(parse_at("profiles/w.conf", "[vpn]\nserver=gw\nuser=u\nca=ca.pem\n") == 0);
	snprintf(want, sizeof(want), "%s/profiles/ca.pem", strcmp(cwd, "/") ? cwd : "");
	CHECK_STR(p.ca, want);
	CHECK_STR(p.name, "w");
	CHECK(parse_at("w.conf", "[vpn]\nserver=gw\nuser=u\nca=ca.pem\n") == 0);
	snprintf(want, sizeof(want), "%s/ca.pem", strcmp(cwd, "/") ? cwd : "");
	CHECK_STR(p.ca, want);
	CHECK(parse_at(NULL, "[vpn]\nserver=gw\nuser=u\nca=ca.pem\n") == 0);
	CHECK_STR(p.ca, want);
	CHECK(p.name[0] == '\0');
}

/* crl= (a path, like ca=) and ocsp= (soft, require, no). */
static void test_revocation_keys(void)
{
	CHECK(parse("[vpn]\nserver=gw\nuser=u\n") == 0);
	CHECK(!p.crl && p.ocsp == ROVE_OCSP_PREF_SOFT);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\ncrl=crls/ca.crl\nocsp=require\n") == 0);
	CHECK_STR(p.crl, "/etc/rove/crls/ca.crl");
	CHECK(p.ocsp == ROVE_OCSP_PREF_REQUIRE);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\ncrl=/var/ca.crl\nocsp=no\n") == 0);
	CHECK_STR(p.crl, "/var/ca.crl");
	CHECK(p.ocsp == ROVE_OCSP_PREF_NO);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nocsp=soft\n") == 0);
	CHECK(p.ocsp == ROVE_OCSP_PREF_SOFT);
	CHECK(parse("[vpn]\nserver=gw\nuser=u\nocsp=maybe\ncrl=/etc/\n") != 0);
	CHECK(has(4, "ocsp", "\"maybe\" is not an OCSP mode (expected soft, require or no)"));
	CHECK(has(5, "crl", "\"/etc/\" is a directory; name the CRL file (PEM)"));
}

static void test_names_and_format(void)
{
	struct rove_diag d = { .file = "/x.conf", .line = 3, .key = "ike", .msg = "bad" };
	char name[200], buf[256];

	rove_diag_format(&d, buf, sizeof(buf));
	CHECK_STR(buf, "/x.conf:3: ike: bad");
	d.line = 0;
	rove_diag_format(&d, buf, sizeof(buf));
	CHECK_STR(buf, "/x.conf: ike: bad");
	d.key[0] = '\0';
	rove_diag_format(&d, buf, sizeof(buf));
	CHECK_STR(buf, "/x.conf: bad");
	d.file[0] = '\0';
	rove_diag_format(&d, buf, sizeof(buf));
	CHECK_STR(buf, "bad");
	rove_diag_format(&d, buf, 2);
	CHECK_STR(buf, "b");

	CHECK(parse_at("/etc/rove/home", "[vpn]\nserver=gw\nuser=u\n") == 0);
	CHECK_STR(p.name, "home");
	memset(name, 'n', 70);
	strcpy(name + 70, ".conf");
	CHECK(parse_at(name, "[vpn]\nserver=gw\nuser=u\n") != 0 && has(0, "", "too long"));
}

static void test_set_api(void)
{
	rove_profile_free(&p);
	memset(&diags, 0, sizeof(diags));
	rove_profile_init(&p, "nm:Work");
	CHECK(rove_profile_set(&p, false, "server", "gw1", 3, 0, &diags) == 0);
	CHECK(rove_profile_set(&p, false, "server", "gw2", 3, 0, &diags) == 0);
	CHECK_STR(p.server, "gw2");
	CHECK(rove_profile_set(&p, true, "psk", "a\0b", 3, 0, &diags) != 0);
	CHECK(has(0, "psk", "NUL"));
	CHECK(rove_profile_set(&p, true, "psk", "abc", 3, 0, &diags) == 0);
	CHECK(rove_profile_set(&p, true, "psk", "defg", 4, 0, &diags) == 0);
	CHECK(p.psk_len == 4 && strcmp(p.psk, "defg") == 0);
	/* Only the first value_len bytes count. */
	CHECK(rove_profile_set(&p, false, "user", "alice-and-more", 5, 0, &diags) == 0);
	CHECK_STR(p.user, "alice");
	CHECK(rove_profile_finish(&p, &diags) == 0);
	CHECK(p.auth == ROVE_PROFILE_AUTH_EAP_MSCHAPV2 && p.nroutes == 2);
	rove_profile_free(&p);
}

/* ---- files ---- */

static char dir[] = "/tmp/rove-test-profile-XXXXXX";

static void write_file(const char *name, const char *text, mode_t mode, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

static int load(const char *path)
{
	rove_profile_free(&p);
	memset(&diags, 0, sizeof(diags));
	return rove_profile_load(path, &p, &diags);
}

static void test_load(void)
{
	static const char secret[] = "[vpn]\nserver=gw\nuser=u\n[vpn-secrets]\npassword=pw\n";
	char path[512], want[2048], *big;

	CHECK(mkdtemp(dir) != NULL);
	write_file("open.conf", secret, 0644, path, sizeof(path));
	CHECK(load(path) != 0);
	CHECK(p.secrets_readable_by_others);
	snprintf(want, sizeof(want), "%s: contains secrets but is readable by others: chmod 600 %s",
		 path, path);
	CHECK(has_text(want));
	CHECK_STR(p.name, "open");

	write_file("group.conf", secret, 0620, path, sizeof(path));
	CHECK(load(path) != 0 && has(0, "", "is writable by others"));

	write_file("private.conf", secret, 0600, path, sizeof(path));
	CHECK(load(path) == 0 && !p.secrets_readable_by_others);
	CHECK_STR(p.password, "pw");

	/* A symbolic link is not followed, even to a private profile. */
	{
		char link[600];

		snprintf(link, sizeof(link), "%s/link.conf", dir);
		CHECK(symlink(path, link) == 0);
		CHECK(load(link) != 0 && has(0, "", "is a symbolic link"));
		unlink(link);
	}

	/* Without secrets the mode does not matter. */
	write_file("plain.conf", "[vpn]\nserver=gw\nuser=u\n", 0644, path, sizeof(path));
	CHECK(load(path) == 0);

	/* Problems in the file come with the file name. */
	write_file("bad.conf", "[vpn]\nserver=gw\nuser=u\ndpd=x\n", 0600, path, sizeof(path));
	CHECK(load(path) != 0);
	CHECK(diags.n == 1 && diags.d[0].line == 4 && strcmp(diags.d[0].file, path) == 0);

	CHECK(load(dir) != 0 && has(0, "", "not a regular file"));
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	CHECK(load(path) != 0 && has(0, "", "cannot open: No such file"));

	big = malloc(70000);
	strcpy(big, "[vpn]\nserver=gw\nuser=u\n#");
	memset(big + strlen(big), 'x', 69000);
	big[69999] = '\0';
	write_file("big.conf", big, 0600, path, sizeof(path));
	free(big);
	CHECK(load(path) != 0 && has(0, "", "larger than 64 KiB"));

	for (const char *n = "open.conf\0group.conf\0private.conf\0plain.conf\0bad.conf\0big.conf\0";
	     *n; n += strlen(n) + 1) {
		snprintf(path, sizeof(path), "%s/%s", dir, n);
		unlink(path);
	}
	CHECK(rmdir(dir) == 0);
	rove_profile_free(&p);
}

static void test_resolve(void)
{
	struct rove_err err;
	char out[64];

	CHECK(rove_profile_resolve("work", "/etc/rove", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "/etc/rove/work.conf");
	CHECK(rove_profile_resolve("work.conf", "/etc/rove", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "work.conf");
	CHECK(rove_profile_resolve("./work", "/etc/rove", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "./work");
	CHECK(rove_profile_resolve("/tmp/x", "/etc/rove", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "/tmp/x");
	CHECK(rove_profile_resolve("home.vpn", "/srv", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "/srv/home.vpn.conf");
	CHECK(rove_profile_resolve("", "/etc/rove", out, sizeof(out), &err) != 0);
	CHECK(err.code == ROVE_E_INVAL);
	CHECK(rove_profile_resolve(NULL, "/etc/rove", out, sizeof(out), &err) != 0);
	CHECK(rove_profile_resolve("a-rather-long-profile-name-that-will-not-fit", "/etc/rove",
				   out, 40, &err) != 0);
	CHECK(strstr(err.msg, "too long") != NULL);
}

/* NetworkManager's dictionaries: the same keys and checks, the problems
 * named by dictionary and key. */
static void test_from_pairs(void)
{
	static const char *const data[] = { "server", "vpn.example.com", "user", "alice",
					    "password-flags", "1", "dpd", "30" };
	static const char *const secrets[] = { "password", "s3cret" };
	static const char *const bad[] = { "server", "vpn.example.com", "dpd", "soon",
					   "severs", "x" };
	static const char *const nosrv[] = { "user", "alice" };
	char text[1024];

	memset(&diags, 0, sizeof(diags));
	rove_profile_free(&p);
	CHECK(rove_profile_from_pairs(&p, "nm-1", data, 4, secrets, 1, &diags) == 0);
	CHECK_STR(p.server, "vpn.example.com");
	CHECK_STR(p.user, "alice");
	CHECK_STR(p.name, "nm-1");
	CHECK(p.password && p.password_len == 6 && memcmp(p.password, "s3cret", 6) == 0);
	CHECK(p.password_flags == 1);
	CHECK(p.auth == ROVE_PROFILE_AUTH_EAP_MSCHAPV2);
	CHECK(diags.n == 0);

	memset(&diags, 0, sizeof(diags));
	rove_profile_free(&p);
	CHECK(rove_profile_from_pairs(&p, NULL, bad, 3, NULL, 0, &diags) < 0);
	CHECK(diags.n >= 2);
	rove_diag_format(&diags.d[0], text, sizeof(text));
	CHECK(strncmp(text, "vpn.data key 'dpd': ", 20) == 0);
	rove_diag_format(&diags.d[1], text, sizeof(text));
	CHECK(strncmp(text, "vpn.data key 'severs': ", 23) == 0);
	CHECK(strstr(text, "server") != NULL); /* the suggestion */

	memset(&diags, 0, sizeof(diags));
	rove_profile_free(&p);
	CHECK(rove_profile_from_pairs(&p, NULL, nosrv, 1, NULL, 0, &diags) < 0);
	CHECK(diags.n >= 1);
	rove_diag_format(&diags.d[0], text, sizeof(text));
	CHECK(strncmp(text, "vpn.data key 'server': ", 23) == 0);
	if (check_failures)
		dump();
}

int main(void)
{
	RUN(test_minimal);
	RUN(test_auth_inference);
	RUN(test_every_key);
	RUN(test_every_key_invalid);
	RUN(test_rekey_keys);
	RUN(test_server_values);
	RUN(test_routes);
	RUN(test_escapes);
	RUN(test_nm_keyfile);
	RUN(test_syntax);
	RUN(test_did_you_mean);
	RUN(test_many_problems);
	RUN(test_ca_paths);
	RUN(test_revocation_keys);
	RUN(test_names_and_format);
	RUN(test_set_api);
	RUN(test_load);
	RUN(test_resolve);
	RUN(test_from_pairs);
	rove_profile_free(&p);
	return check_summary();
}
