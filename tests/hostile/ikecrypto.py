# SPDX-License-Identifier: GPL-2.0-or-later
"""The hostile responder's key schedule (RFC 7296 2.13-2.15, RFC 5282),
written from the RFCs, not from rove: DH (x25519, ECP-256/384, MODP), PRF
and prf+, SKEYSEED and SK_*, the SK payload with AES-GCM-16 or
AES-CBC + HMAC-SHA2, and the AUTH octets. test_ikecrypto.py checks it
against the known answers tests/unit/test_keys.c, test_sk.c and test_dh.c
hold (strongSwan 5.9.8 logs, RFC 7748)."""

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENCR_AES_CBC, ENCR_AES_GCM_16 = 12, 20
PRF_HASH = {2: hashlib.sha1, 5: hashlib.sha256, 6: hashlib.sha384, 7: hashlib.sha512}
# integrity id: (hash, key length, ICV length)
INTEG = {2: (hashlib.sha1, 20, 12), 12: (hashlib.sha256, 32, 16),
         13: (hashlib.sha384, 48, 24), 14: (hashlib.sha512, 64, 32)}

MODP = {
    14: int("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
            "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
            "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
            "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
            "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
            "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
            "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
            "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF", 16),
}


class DH:
    """One side of a key exchange in `group` (a private key from `priv`,
    bytes, else random)."""

    def __init__(self, group, priv=None):
        self.group = group
        if group == 31:
            self.k = (x25519.X25519PrivateKey.from_private_bytes(priv) if priv
                      else x25519.X25519PrivateKey.generate())
            self.public = self.k.public_key().public_bytes(serialization.Encoding.Raw,
                                                           serialization.PublicFormat.Raw)
        elif group in (19, 20):
            curve = ec.SECP256R1() if group == 19 else ec.SECP384R1()
            self.k = (ec.derive_private_key(int.from_bytes(priv, "big"), curve) if priv
                      else ec.generate_private_key(curve))
            n = self.k.public_key().public_numbers()
            size = 32 if group == 19 else 48
            self.public = n.x.to_bytes(size, "big") + n.y.to_bytes(size, "big")
        elif group in MODP:
            p = MODP[group]
            self.size = (p.bit_length() + 7) // 8
            self.x = int.from_bytes(priv or os.urandom(32), "big")
            self.public = pow(2, self.x, p).to_bytes(self.size, "big")
        else:
            raise ValueError("DH group %d not supported" % group)

    def shared(self, peer):
        if self.group == 31:
            return self.k.exchange(x25519.X25519PublicKey.from_public_bytes(peer))
        if self.group in (19, 20):
            size = len(peer) // 2
            curve = ec.SECP256R1() if self.group == 19 else ec.SECP384R1()
            pub = ec.EllipticCurvePublicNumbers(int.from_bytes(peer[:size], "big"),
                                                int.from_bytes(peer[size:], "big"),
                                                curve).public_key()
            return self.k.exchange(ec.ECDH(), pub)
        p = MODP[self.group]
        return pow(int.from_bytes(peer, "big"), self.x, p).to_bytes(self.size, "big")


def prf(prf_id, key, data):
    return hmac.new(key, data, PRF_HASH[prf_id]).digest()


def prf_plus(prf_id, key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(prf_id, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


class Suite:
    """An IKE SA's transforms: encr id and key bits, prf id, integ id (0
    for AEAD)."""

    def __init__(self, encr, keybits, prf_id, integ=0):
        self.encr, self.keybits, self.prf, self.integ = encr, keybits, prf_id, integ

    @property
    def aead(self):
        return self.encr == ENCR_AES_GCM_16

    def encr_key_len(self):
        return self.keybits // 8 + (4 if self.aead else 0)  # GCM: + 4 bytes salt

    def integ_key_len(self):
        return 0 if self.aead else INTEG[self.integ][1]

    def icv_len(self):
        return 16 if self.aead else INTEG[self.integ][2]

    def iv_len(self):
        return 8 if self.aead else 16


def ike_keys(suite, ni, nr, gir, spi_i, spi_r):
    """SKEYSEED = prf(Ni | Nr, g^ir); prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
    cut into SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr."""
    skeyseed = prf(suite.prf, ni + nr, gir)
    plen = PRF_HASH[suite.prf]().digest_size
    lens = [plen, suite.integ_key_len(), suite.integ_key_len(),
            suite.encr_key_len(), suite.encr_key_len(), plen, plen]
    stream = prf_plus(suite.prf, skeyseed, ni + nr + spi_i + spi_r, sum(lens))
    keys, off = {}, 0
    for name, n in zip(["d", "ai", "ar", "ei", "er", "pi", "pr"], lens):
        keys[name] = stream[off:off + n]
        off += n
    return keys


def sk_seal(suite, ekey, akey, header_and_sk_hdr, plain, iv=None, pad=0, padding=None):
    """The body of an SK payload (IV | ciphertext | ICV) for `plain`; the
    caller's bytes are the IKE header and the SK payload header with the
    final lengths already in them (they are the AAD / part of the MAC).
    pad: GCM padding length; padding: CBC padding bytes (default zeros)."""
    iv = iv if iv is not None else os.urandom(suite.iv_len())
    if suite.aead:
        body = plain + bytes(pad) + bytes([pad])
        ct = AESGCM(ekey[:-4]).encrypt(ekey[-4:] + iv, body, header_and_sk_hdr)
        return iv + ct
    if padding is None:
        padding = bytes((16 - (len(plain) + 1) % 16) % 16)
    body = plain + padding + bytes([len(padding)])
    enc = Cipher(algorithms.AES(ekey), modes.CBC(iv)).encryptor()
    ct = enc.update(body) + enc.finalize()
    h = INTEG[suite.integ][0]
    icv = hmac.new(akey, header_and_sk_hdr + iv + ct, h).digest()[:suite.icv_len()]
    return iv + ct + icv


def sk_sealed_len(suite, plain_len, pad=0):
    if suite.aead:
        return suite.iv_len() + plain_len + pad + 1 + 16
    return suite.iv_len() + ((plain_len + 1 + 15) // 16) * 16 + suite.icv_len()


def sk_open(suite, ekey, akey, aad, body):
    """The inner payloads of an SK payload body (IV | ciphertext | ICV);
    aad is everything of the message before the IV. Raises ValueError on
    a bad ICV or padding."""
    iv = body[:suite.iv_len()]
    if suite.aead:
        try:
            pt = AESGCM(ekey[:-4]).decrypt(ekey[-4:] + iv, body[suite.iv_len():], aad)
        except Exception as e:
            raise ValueError("ICV check failed") from e
    else:
        icvl = suite.icv_len()
        ct, icv = body[suite.iv_len():-icvl], body[-icvl:]
        h = INTEG[suite.integ][0]
        want = hmac.new(akey, aad + iv + ct, h).digest()[:icvl]
        if not hmac.compare_digest(want, icv):
            raise ValueError("ICV check failed")
        dec = Cipher(algorithms.AES(ekey), modes.CBC(iv)).decryptor()
        pt = dec.update(ct) + dec.finalize()
    padlen = pt[-1]
    if padlen + 1 > len(pt):
        raise ValueError("bad padding")
    return pt[:-padlen - 1]


def sk_padding(suite, ekey, body):
    """The padding bytes of a CBC SK payload (to seal a recording again)."""
    iv, ct = body[:16], body[16:-suite.icv_len()]
    dec = Cipher(algorithms.AES(ekey), modes.CBC(iv)).decryptor()
    pt = dec.update(ct) + dec.finalize()
    return pt[-1 - pt[-1]:-1]


def auth_octets(suite, real_message, nonce, sk_p, id_body):
    """What an AUTH covers: the sender's IKE_SA_INIT message, the peer's
    nonce and prf(SK_p, ID body)."""
    return real_message + nonce + prf(suite.prf, sk_p, id_body)


def psk_auth(suite, psk, octets):
    return prf(suite.prf, prf(suite.prf, psk, b"Key Pad for IKEv2"), octets)
