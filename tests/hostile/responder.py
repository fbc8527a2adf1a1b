#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A scripted IKEv2 responder that misbehaves in one way per case.

It speaks enough of RFC 7296 to bring a rove session up (IKE_SA_INIT with a
real key exchange, IKE_AUTH with its certificate and ECDSA signature,
a PSK or EAP-MSCHAPv2 client, mode config, the CHILD SA, INFORMATIONAL),
on UDP 500 and 4500 (non-ESP marker) of one address, and in the exchange
the case names does one thing wrong (CASES below). It never checks rove's
MSCHAPv2 response (no MD4 needed): every EAP case ends before the MSK.

Usage: responder.py --addr A --pki DIR --case NAME [--log FILE]
DIR holds the tests' PKI (tests/integration/pki.sh): ca.pem, gw.pem/gw.key,
other.pem/other.key. Runs until killed; logs what it sends on stdout."""

import argparse
import hashlib
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ikecrypto as ic  # noqa: E402
import hostile_pki  # noqa: E402

# payload types
SA, KE, IDI, IDR, CERT, CERTREQ, AUTH, NONCE, N, DELETE = 33, 34, 35, 36, 37, 38, 39, 40, 41, 42
TSI, TSR, SK, CP, EAP, SKF = 44, 45, 46, 47, 48, 53
IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL = 34, 35, 36, 37
N_NAT_SRC, N_NAT_DST, N_FRAG_SUPPORTED, N_REDIRECT = 16388, 16389, 16430, 16407

CASES = {
    "none": "IKE_SA_INIT, IKE_AUTH: behaves (the baseline: rove comes up)",
    "downgrade": "IKE_SA_INIT: chooses 3DES, HMAC-MD5 and MODP-1024, never offered",
    "truncated": "IKE_SA_INIT: the last payload's length runs past the message",
    "overlong": "IKE_SA_INIT: a KE payload longer than its group's value",
    "duplicate": "IKE_SA_INIT: two KE payloads",
    "wrong-spi": "IKE_AUTH: a response for another initiator SPI first, then the right one",
    "wrong-spi-r": "IKE_AUTH: a response with another responder SPI first, then the right one",
    "wrong-msgid": "IKE_AUTH: a response with message ID 7 first, then the right one",
    "bad-icv": "IKE_AUTH: a response whose SK ICV is broken first, then the right one",
    "other-name": "IKE_AUTH: the certificate is for other.rove.test",
    "cert-loop": "IKE_AUTH: a CERT chain whose two intermediates issued each other",
    "cert-long": "IKE_AUTH: a CERT chain 40 intermediates deep",
    "huge-certreq": "IKE_SA_INIT: 3000 CA hashes in CERTREQ payloads",
    "eap-bad-success": "IKE_AUTH (EAP): MSCHAPv2 Success with a wrong authenticator response",
    "eap-early-success": "IKE_AUTH (EAP): EAP-Success right after the MSCHAPv2 response",
    "frag-overlap": "IKE_AUTH: the response in 3 fragments, number 2 twice, the second different",
    "frag-incomplete": "IKE_AUTH: fragments 1 and 2 of 3, never the third, then the whole response",
    "frag-too-many": "IKE_AUTH: 40 fragments claiming a total of 60000, then the whole response",
    "frag-too-big": "IKE_AUTH: 30 fragments of 2400 bytes (72 kB in all), then the whole response",
    "redirect-loop": "IKE_SA_INIT: REDIRECT to this same gateway, every time",
    "info-flood": "INFORMATIONAL: 200 requests a second after the tunnel is up, for 10 s or until rove deletes the SA",
}

POOL_IP = bytes([10, 3, 0, 7])
DNS_IP = bytes([10, 1, 0, 53])


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def payloads(first, data):
    """[(type, critical, body)] of a payload chain; raises ValueError."""
    out, t, off = [], first, 0
    while t != 0:
        if off + 4 > len(data):
            raise ValueError("truncated payload header")
        nxt, crit, plen = data[off], data[off + 1], struct.unpack("!H", data[off + 2:off + 4])[0]
        if plen < 4 or off + plen > len(data):
            raise ValueError("bad payload length")
        out.append((t, crit, data[off + 4:off + plen]))
        if t in (SK, SKF):
            out[-1] = (t, nxt, data[off + 4:off + plen])  # the inner first payload
            break
        t, off = nxt, off + plen
    return out


def chain(pls):
    """Bytes of a payload chain [(type, body)] and the first type."""
    out = b""
    for i, (t, body) in enumerate(pls):
        nxt = pls[i + 1][0] if i + 1 < len(pls) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return (pls[0][0] if pls else 0), out


def header(spi_i, spi_r, first, exch, flags, msg_id, length):
    return spi_i + spi_r + struct.pack("!BBBBII", first, 0x20, exch, flags, msg_id, length)


def notify(ntype, data=b"", proto=0, spi=b""):
    return (N, struct.pack("!BBH", proto, len(spi), ntype) + spi + data)


def parse_proposals(body):
    """[(num, proto, spi, [(type, id, keybits)])]"""
    props, off = [], 0
    while off < len(body):
        last, plen, num, proto, spisz, ntr = struct.unpack("!BxHBBBB", body[off:off + 8])
        spi = body[off + 8:off + 8 + spisz]
        toff, trs = off + 8 + spisz, []
        for _ in range(ntr):
            tlen, ttype, tid = struct.unpack("!xxHBxH", body[toff:toff + 8])
            kb = 0
            attrs = body[toff + 8:toff + tlen]
            if len(attrs) >= 4 and struct.unpack("!H", attrs[:2])[0] == 0x800E:
                kb = struct.unpack("!H", attrs[2:4])[0]
            trs.append((ttype, tid, kb))
            toff += tlen
        props.append((num, proto, spi, trs))
        off += plen
        if last == 0:
            break
    return props


def build_sa(num, proto, spi, trs):
    tb = b""
    for i, (ttype, tid, kb) in enumerate(trs):
        attrs = struct.pack("!HH", 0x800E, kb) if kb else b""
        tb += struct.pack("!BxHBxH", 0 if i == len(trs) - 1 else 3, 8 + len(attrs), ttype, tid) + attrs
    return struct.pack("!BxHBBBB", 0, 8 + len(spi) + len(tb), num, proto, len(spi), len(trs)) + spi + tb


def choose(props):
    """The first proposal: one transform of each type."""
    num, proto, spi, trs = props[0]
    chosen, seen = [], set()
    for t in trs:
        if t[0] not in seen:
            seen.add(t[0])
            chosen.append(t)
    return num, proto, spi, chosen


class IkeSA:
    def __init__(self, spi_i):
        self.spi_i, self.spi_r = spi_i, os.urandom(8)
        self.init_req = self.init_resp = None
        self.suite = self.keys = None
        self.last_auth_resp = {}  # msg_id -> datagrams
        self.eap_round = 0
        self.up = False
        self.peer_msg_id = 0  # our next request's message ID


class Responder:
    def __init__(self, args):
        self.case, self.addr = args.case, args.addr
        self.pki = hostile_pki.load(args.pki)
        self.sas = {}
        self.s500 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s500.bind((self.addr, 500))
        self.s4500 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s4500.bind((self.addr, 4500))
        self.flooded = False
        self.answers = 0

    # ---- sending ----
    def send(self, sock, peer, data):
        if sock is self.s4500:
            data = b"\0\0\0\0" + data
        sock.sendto(data, peer)

    def seal(self, sa, exch, msg_id, pls, flags=0x20, first_override=None):
        """An encrypted message (SK) from the responder's keys."""
        first, inner = chain(pls)
        suite, k = sa.suite, sa.keys
        total = 28 + 4 + ic.sk_sealed_len(suite, len(inner))
        hdr = header(sa.spi_i, sa.spi_r, SK, exch, flags, msg_id, total)
        skh = struct.pack("!BBH", first_override if first_override is not None else first, 0,
                          total - 28)
        return hdr + skh + ic.sk_seal(suite, k["er"], k["ar"], hdr + skh, inner)

    def fragments(self, sa, exch, msg_id, pls, nums, total, size=120, alter=None, filler=0):
        """SKF fragments `nums` (1-based) of the message cut into pieces of
        `size` bytes, claiming `total` fragments in all (filler: pieces of
        that many random bytes instead)."""
        first, inner = chain(pls)
        if total <= 8:  # exactly `total` pieces
            size = (len(inner) + total - 1) // total
        pieces = [inner[i:i + size] for i in range(0, len(inner), size)]
        out = []
        for n in nums:
            piece = pieces[(n - 1) % len(pieces)] if not filler else os.urandom(filler)
            if alter and n == alter:
                piece = bytes(reversed(piece))
            body_len = ic.sk_sealed_len(sa.suite, len(piece))
            tot = 28 + 8 + body_len
            hdr = header(sa.spi_i, sa.spi_r, SKF, exch, 0x20, msg_id, tot)
            skf = struct.pack("!BBHHH", first if n == 1 else 0, 0, 8 + body_len, n, total)
            out.append(hdr + skf + ic.sk_seal(sa.suite, sa.keys["er"], sa.keys["ar"], hdr + skf,
                                              piece))
        return out

    # ---- IKE_SA_INIT ----
    def ike_sa_init(self, sa, data, pls, peer):
        props = parse_proposals(dict((t, b) for t, _, b in pls)[SA])
        ke = dict((t, b) for t, _, b in pls)[KE]
        ni = dict((t, b) for t, _, b in pls)[NONCE]
        group = struct.unpack("!H", ke[:2])[0]
        num, proto, spi, trs = choose(props)
        trs = [t for t in trs if t[0] != 4] + [(4, group, 0)]  # the group of rove's KE
        if self.case == "redirect-loop":
            gw = socket.inet_aton(self.addr)
            resp_pls = [notify(N_REDIRECT, bytes([1, 4]) + gw + ni)]
            first, body = chain(resp_pls)
            msg = header(sa.spi_i, bytes(8), first, IKE_SA_INIT, 0x20, 0, 28 + len(body)) + body
            log("IKE_SA_INIT response: REDIRECT to %s (myself)" % self.addr)
            sa.init_out = [msg]
            return [msg], sa
        dh = ic.DH(group)
        nr = os.urandom(32)
        if self.case == "downgrade":
            trs = [(1, 3, 0), (2, 1, 0), (3, 1, 0), (4, 2, 0)]  # 3DES, PRF/HMAC-MD5, MODP-1024
        resp_pls = [(SA, build_sa(num, proto, spi, trs)),
                    (KE, struct.pack("!HH", group, 0) + dh.public + (b"\x55" * 64 if self.case == "overlong" else b"")),
                    (NONCE, nr)]
        ip, port = socket.inet_aton(peer[0]), struct.pack("!H", peer[1])
        resp_pls.append(notify(N_NAT_SRC, hashlib.sha1(sa.spi_i + sa.spi_r + socket.inet_aton(self.addr) + struct.pack("!H", 500)).digest()))
        resp_pls.append(notify(N_NAT_DST, hashlib.sha1(sa.spi_i + sa.spi_r + ip + port).digest()))
        if self.case == "huge-certreq":
            for _ in range(3):
                resp_pls.append((CERTREQ, b"\x04" + os.urandom(20 * 1000)))
        else:
            resp_pls.append((CERTREQ, b"\x04" + self.pki.ca_hash))
        if self.case.startswith("frag"):
            resp_pls.append(notify(N_FRAG_SUPPORTED))
        first, body = chain(resp_pls)
        msg = header(sa.spi_i, sa.spi_r, first, IKE_SA_INIT, 0x20, 0, 28 + len(body)) + body
        out = [msg]
        if self.case == "truncated":  # cut short, the header's length cut to match
            bad = body[:-10]
            out = [header(sa.spi_i, sa.spi_r, first, IKE_SA_INIT, 0x20, 0, 28 + len(bad)) + bad, msg]
        elif self.case == "duplicate":  # a second KE (another key) before the real one
            bad_pls = list(resp_pls)
            bad_pls.insert(1, (KE, struct.pack("!HH", group, 0) + ic.DH(group).public))
            first, bad = chain(bad_pls)
            out = [header(sa.spi_i, sa.spi_r, first, IKE_SA_INIT, 0x20, 0, 28 + len(bad)) + bad, msg]
        # keys (from rove's chosen suite)
        encr = [t for t in trs if t[0] == 1][0]
        prf_id = [t for t in trs if t[0] == 2][0][1]
        integ = [t for t in trs if t[0] == 3]
        if self.case != "downgrade":
            sa.suite = ic.Suite(encr[1], encr[2], prf_id, integ[0][1] if integ else 0)
            gir = dh.shared(ke[4:])
            sa.keys = ic.ike_keys(sa.suite, ni, nr, gir, sa.spi_i, sa.spi_r)
        sa.init_req, sa.init_resp, sa.ni, sa.nr = data, msg, ni, nr
        log("IKE_SA_INIT response (%s), group %d, %d bytes, %d datagram(s)" %
            (self.case, group, len(msg), len(out)))
        sa.init_out = out
        return out, sa

    # ---- IKE_AUTH ----
    def signed(self, sa, idr_body, key):
        octets = ic.auth_octets(sa.suite, sa.init_resp, sa.ni, sa.keys["pr"], idr_body)
        return hostile_pki.sign_ecdsa256(key, octets)

    def auth_payloads(self, sa, inner):
        d = dict((t, b) for t, _, b in inner)
        idr_body = b"\x02\0\0\0" + b"gw.rove.test"
        key, certs = self.pki.gw_key, [self.pki.gw_der]
        if self.case == "other-name":
            key, certs = self.pki.other_key, [self.pki.other_der]
        elif self.case == "cert-loop":
            key, certs = self.pki.loop_key, self.pki.loop_ders
        elif self.case == "cert-long":
            key, certs = self.pki.long_key, self.pki.long_ders
        pls = [(IDR, idr_body)] + [(CERT, b"\x04" + c) for c in certs]
        pls.append((AUTH, bytes([9, 0, 0, 0]) + self.signed(sa, idr_body, key)))
        return pls, d

    def child_payloads(self, d):
        num, proto, _spi, trs = choose(parse_proposals(d[SA]))
        cp = struct.pack("!BBBB", 2, 0, 0, 0) + struct.pack("!HH", 1, 4) + POOL_IP + \
            struct.pack("!HH", 3, 4) + DNS_IP
        tsi = struct.pack("!BBBB", 1, 0, 0, 0) + struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + POOL_IP + POOL_IP
        tsr = struct.pack("!BBBB", 1, 0, 0, 0) + struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + \
            bytes([10, 1, 0, 0]) + bytes([10, 1, 255, 255])
        return [(CP, cp), (SA, build_sa(num, proto, os.urandom(4), trs)), (TSI, tsi), (TSR, tsr)]

    def ike_auth(self, sa, msg_id, inner):
        d = dict((t, b) for t, _, b in inner)
        if EAP in d and sa.eap_round == 1:  # the MSCHAPv2 response
            sa.eap_round = 2
            if self.case == "eap-early-success":
                log("IKE_AUTH: EAP-Success without an MSCHAPv2 Success")
                return [self.seal(sa, IKE_AUTH, msg_id, [(EAP, bytes([3, d[EAP][1], 0, 4]))])]
            msg = b"S=" + b"0123456789ABCDEF0123456789ABCDEF01234567" + b" M=welcome"
            eap = bytes([1, 2]) + struct.pack("!H", 5 + 4 + len(msg)) + bytes([26, 3, 1]) + \
                struct.pack("!H", 4 + len(msg)) + msg
            log("IKE_AUTH: MSCHAPv2 Success with a made-up authenticator response")
            return [self.seal(sa, IKE_AUTH, msg_id, [(EAP, eap)])]
        if EAP in d:
            log("IKE_AUTH: EAP %s, nothing more to say" % d[EAP].hex())
            return []
        pls, d = self.auth_payloads(sa, inner)
        if AUTH not in d:  # EAP: an MSCHAPv2 challenge with the certificate
            sa.eap_round = 1
            name = b"hostile"
            chal = bytes([1, 1]) + struct.pack("!H", 5 + 4 + 1 + 16 + len(name)) + bytes([26, 1, 1]) + \
                struct.pack("!H", 4 + 1 + 16 + len(name)) + bytes([16]) + os.urandom(16) + name
            log("IKE_AUTH: certificate, AUTH and an MSCHAPv2 challenge")
            return [self.seal(sa, IKE_AUTH, msg_id, pls + [(EAP, chal)])]
        pls += self.child_payloads(d)
        if self.case.startswith("frag"):
            return self.frag_case(sa, msg_id, pls)
        good = self.seal(sa, IKE_AUTH, msg_id, pls)
        out = [good]
        if self.case == "wrong-spi":
            bad = bytearray(good)
            bad[0:8] = os.urandom(8)  # SPIi: an SA rove never started
            out = [bytes(bad), good]
        elif self.case == "wrong-spi-r":  # the AAD changes with it: the ICV fails
            bad = bytearray(good)
            bad[8:16] = os.urandom(8)
            out = [bytes(bad), good]
        elif self.case == "wrong-msgid":
            out = [self.seal(sa, IKE_AUTH, 7, pls), good]
        elif self.case == "bad-icv":
            bad = bytearray(good)
            bad[-1] ^= 0x01
            out = [bytes(bad), good]
        if self.case not in ("other-name", "cert-loop", "cert-long"):
            sa.up = True
        log("IKE_AUTH response (%s): %d datagram(s)" % (self.case, len(out)))
        return out

    def frag_case(self, sa, msg_id, pls):
        # each case then sends the whole response: rove must come up with it
        whole = [self.seal(sa, IKE_AUTH, msg_id, pls)]
        if self.case == "frag-overlap":  # fragment 2 again, other bytes, then 3
            frs = self.fragments(sa, IKE_AUTH, msg_id, pls, [1, 2], 3) + \
                self.fragments(sa, IKE_AUTH, msg_id, pls, [2], 3, alter=2) + \
                self.fragments(sa, IKE_AUTH, msg_id, pls, [3], 3)
            whole = []
        elif self.case == "frag-incomplete":
            frs = self.fragments(sa, IKE_AUTH, msg_id, pls, [1, 2], 3)
        elif self.case == "frag-too-big":
            frs = self.fragments(sa, IKE_AUTH, msg_id, pls, list(range(1, 31)), 30, filler=2400)
        else:
            frs = self.fragments(sa, IKE_AUTH, msg_id, pls, list(range(1, 41)), 60000)
        sa.up = True
        log("IKE_AUTH response as %d fragments (%s), then %d whole" %
            (len(frs), self.case, len(whole)))
        return frs + whole

    # ---- INFORMATIONAL ----
    def informational(self, sa, msg_id, inner):
        d = dict((t, b) for t, _, b in inner)
        if DELETE in d:
            log("INFORMATIONAL: DELETE, answered")
        return [self.seal(sa, INFORMATIONAL, msg_id, [])]

    def rove_deletes(self, sa, data):
        """Whether data is rove's INFORMATIONAL request with a DELETE."""
        first, exch = data[16], data[18]
        if exch != INFORMATIONAL or data[19] & 0x20:
            return False
        try:
            pls = payloads(first, data[28:])
            if not pls or pls[0][0] != SK:
                return False
            off = data.index(pls[0][2], 28)
            inner = ic.sk_open(sa.suite, sa.keys["ei"], sa.keys["ai"], data[:off], pls[0][2])
            return any(t == DELETE for t, _, _ in payloads(pls[0][1], inner))
        except (ValueError, KeyError, IndexError, struct.error):
            return False

    def flood(self, sa, sock, peer):
        """20 requests each 100 ms, each with the next message ID whatever
        rove answered, counting rove's answers, until rove's DELETE or 10 s."""
        self.flooded = True
        sent = answered = 0
        deleted = False
        t0 = time.time()
        while time.time() - t0 < 10 and not deleted:
            for _ in range(20):
                self.send(sock, peer, self.seal(sa, INFORMATIONAL, sa.peer_msg_id, [], flags=0))
                sa.peer_msg_id += 1
                sent += 1
            end = time.time() + 0.1
            while not deleted:
                r, _, _ = select.select([self.s500, self.s4500], [], [], max(0, end - time.time()))
                if not r:
                    break
                for s in r:
                    data = s.recvfrom(65535)[0]
                    if s is self.s4500:
                        if data[:4] != b"\0\0\0\0":
                            continue
                        data = data[4:]
                    if len(data) < 28:
                        continue
                    if data[19] & 0x20:
                        answered += 1
                    elif self.rove_deletes(sa, data):
                        deleted = True
        log("INFORMATIONAL: %d requests sent in %.1f s, %d answered%s" %
            (sent, time.time() - t0, answered, ", then rove's DELETE" if deleted else ""))

    # ---- the loop ----
    def handle(self, data, sock, peer):
        if len(data) < 28:
            return
        spi_i, spi_r = data[:8], data[8:16]
        first, ver, exch, flags, msg_id, length = struct.unpack("!BBBBII", data[16:28])
        if flags & 0x20:  # a response to one of our requests
            self.answers += 1
            if self.answers % 100 == 0 or self.answers < 2:
                log("INFORMATIONAL responses from rove: %d" % self.answers)
            return
        if exch == IKE_SA_INIT:
            sa = self.sas.get(spi_i)
            if sa and sa.init_req == data:
                for m in sa.init_out:
                    self.send(sock, peer, m)
                return
            sa = IkeSA(spi_i)
            msgs, sa = self.ike_sa_init(sa, data, payloads(first, data[28:]), peer)
            self.sas[spi_i] = sa
            for m in msgs:
                self.send(sock, peer, m)
            return
        sa = self.sas.get(spi_i)
        if not sa or not sa.keys or spi_r != sa.spi_r:
            return
        if msg_id in sa.last_auth_resp:  # a retransmission
            for m in sa.last_auth_resp[msg_id]:
                self.send(sock, peer, m)
            return
        pls = payloads(first, data[28:])
        if not pls or pls[0][0] != SK:
            log("unencrypted %d ignored" % exch)
            return
        off = data.index(pls[0][2], 28)
        try:
            inner_bytes = ic.sk_open(sa.suite, sa.keys["ei"], sa.keys["ai"], data[:off], pls[0][2])
        except ValueError as e:
            log("request %d: %s" % (msg_id, e))
            return
        inner = payloads(pls[0][1], inner_bytes)
        if exch == IKE_AUTH:
            out = self.ike_auth(sa, msg_id, inner)
        elif exch == INFORMATIONAL:
            out = self.informational(sa, msg_id, inner)
        else:
            log("exchange %d: no answer" % exch)
            out = []
        sa.last_auth_resp[msg_id] = out
        for m in out:
            self.send(sock, peer, m)
        if sa.up and self.case == "info-flood" and not self.flooded:
            time.sleep(0.3)  # rove installs its tunnel
            self.flood(sa, sock, peer)

    def run(self):
        log("responder on %s, case %s: %s" % (self.addr, self.case, CASES[self.case]))
        while True:
            r, _, _ = select.select([self.s500, self.s4500], [], [], 1.0)
            for sock in r:
                data, peer = sock.recvfrom(65535)
                if sock is self.s4500:
                    if data[:4] != b"\0\0\0\0":
                        continue  # ESP: no datapath here
                    data = data[4:]
                try:
                    self.handle(data, sock, peer)
                except (ValueError, KeyError, IndexError, struct.error) as e:
                    log("cannot handle a request: %s: %s" % (type(e).__name__, e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--pki", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    Responder(ap.parse_args()).run()


if __name__ == "__main__":
    main()
