# SPDX-License-Identifier: GPL-2.0-or-later
"""The hostile responder's key schedule against the known answers the unit
tests already hold: tests/unit/test_keys.c (SKEYSEED, SK_*, both PSK AUTH
values of two strongSwan 5.9.8 exchanges), tests/unit/test_sk.c (two
recorded IKE_AUTH requests: opened with SK_ei, and sealed again with the
same IV to the same bytes) and tests/unit/test_dh.c (RFC 7748 x25519).
Usage: test_ikecrypto.py UNIT-DIR. Exit 0 when every check holds."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import ikecrypto as ic  # noqa: E402
except ImportError as e:
    print("SKIP: %s (install python3-cryptography: bash tests/install-deps.sh)" % e)
    sys.exit(77)

unit = sys.argv[1]
failed = 0


def check(what, ok):
    global failed
    print(("ok - " if ok else "not ok - ") + what)
    failed += not ok


def c_strings(text):
    """Adjacent C string literals joined."""
    return "".join(re.findall(r'"([0-9a-f]*)"', text))


def kat(src, name):
    body = re.search(r"static const struct kat %s = \{(.*?)\n\};" % name, src, re.S).group(1)
    fields = {}
    for m in re.finditer(r"\.(\w+) =\s*((?:\s*\"[0-9a-f]*\")+)", body):
        fields[m.group(1)] = bytes.fromhex(c_strings(m.group(2)))
    return fields


def c_const(src, name):
    m = re.search(r"static const char %s\[\] =\s*((?:\s*\"[0-9a-f]*\")+);" % name, src)
    return bytes.fromhex(c_strings(m.group(1)))


keys_c = open(os.path.join(unit, "test_keys.c")).read()
psk = re.search(r'static const char psk\[\] = "([^"]*)"', keys_c).group(1).encode()
suites = {"kat_gcm": ic.Suite(ic.ENCR_AES_GCM_16, 256, 6),
          "kat_cbc": ic.Suite(ic.ENCR_AES_CBC, 128, 5, 12)}
for name, suite in suites.items():
    k = kat(keys_c, name)
    got = ic.ike_keys(suite, k["ni"], k["nr"], k["gir"], k["spi_i"], k["spi_r"])
    for key in ["d", "ai", "ar", "ei", "er", "pi", "pr"]:
        if "sk_" + key in k:
            check("%s: SK_%s" % (name, key), got[key] == k["sk_" + key])
    # The recorded octets are whole: message | peer's nonce | prf(SK_p, ID).
    for who, octets, nonce, skp, idb, auth in [
            ("initiator", k["init_octets"], k["nr"], got["pi"], k["init_id"], k["init_auth"]),
            ("responder", k["resp_octets"], k["ni"], got["pr"], k["resp_id"], k["resp_auth"])]:
        plen = len(got["d"])
        msg = octets[:-plen - len(nonce)]
        check("%s: the %s's AUTH octets" % (name, who),
              ic.auth_octets(suite, msg, nonce, skp, idb) == octets)
        check("%s: the %s's PSK AUTH" % (name, who), ic.psk_auth(suite, psk, octets) == auth)

sk_c = open(os.path.join(unit, "test_sk.c")).read()
for pre, suite in [("gcm", suites["kat_gcm"]), ("cbc", suites["kat_cbc"])]:
    msg, plain = c_const(sk_c, pre + "_msg"), c_const(sk_c, pre + "_plain")
    ekey = c_const(sk_c, pre + "_sk_ei")
    akey = c_const(sk_c, pre + "_sk_ai") if pre == "cbc" else b""
    aad = msg[:32]  # IKE header and the SK payload header
    body = msg[32:]
    try:
        opened = ic.sk_open(suite, ekey, akey, aad, body)
    except ValueError as e:
        opened = str(e).encode()
    check(pre + ": the recorded SK payload opens to the recorded payloads", opened == plain)
    # the recorded padding length, to seal to the very same bytes
    pt_len = ic.sk_sealed_len(suite, len(plain))
    pad = len(body) - pt_len if suite.aead else 0
    padding = None if suite.aead else ic.sk_padding(suite, ekey, body)
    sealed = ic.sk_seal(suite, ekey, akey, aad, plain, iv=body[:suite.iv_len()], pad=pad,
                        padding=padding)
    check(pre + ": sealing them again with the same IV gives the recorded bytes", sealed == body)
    bad = bytearray(body)
    bad[-1] ^= 1
    try:
        ic.sk_open(suite, ekey, akey, aad, bytes(bad))
        check(pre + ": a flipped ICV bit is refused", False)
    except ValueError:
        check(pre + ": a flipped ICV bit is refused", True)

dh_c = open(os.path.join(unit, "test_dh.c")).read()
v = dict(re.findall(r'#define (X25519_\w+) "([0-9a-f]+)"', dh_c))
a = ic.DH(31, bytes.fromhex(v["X25519_A"]))
b = ic.DH(31, bytes.fromhex(v["X25519_B"]))
check("x25519: public values (RFC 7748 6.1)",
      a.public.hex() == v["X25519_A_PUB"] and b.public.hex() == v["X25519_B_PUB"])
check("x25519: shared secret", a.shared(b.public).hex() == v["X25519_K"])
for g in (19, 14):
    x, y = ic.DH(g), ic.DH(g)
    check("group %d: both sides agree" % g, x.shared(y.public) == y.shared(x.public))
sys.exit(1 if failed else 0)
