# SPDX-License-Identifier: GPL-2.0-or-later
"""The hostile responder's certificates: the tests' PKI (pki.sh's ca, gw and
other, ECDSA P-256) and chains made here from it: a loop (two CAs that
issued each other, one of them the gateway certificate's issuer) and a
chain 40 intermediates deep below the trusted CA."""

import datetime
import hashlib
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

LONG_CHAIN = 40


class Pki:
    pass


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "rove tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, pub, signer, ca, dns=None):
    now = datetime.datetime.utcnow()
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(pub).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if dns:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
    return b.sign(signer, hashes.SHA256())


def _der(c):
    return c.public_bytes(serialization.Encoding.DER)


def _key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def _pem_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def load(d):
    p = Pki()
    ca = _pem_cert(os.path.join(d, "ca.pem"))
    ca_key = _key(os.path.join(d, "ca.key"))
    spki = ca.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    p.ca_hash = hashlib.sha1(spki).digest()
    p.gw_der, p.gw_key = _der(_pem_cert(os.path.join(d, "gw.pem"))), _key(os.path.join(d, "gw.key"))
    p.other_der = _der(_pem_cert(os.path.join(d, "other.pem")))
    p.other_key = _key(os.path.join(d, "other.key"))
    # The loop: X and Y issued each other; the leaf (gw.rove.test) is X's.
    kx, ky = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    x = _cert(_name("loop X"), _name("loop Y"), kx.public_key(), ky, True)
    y = _cert(_name("loop Y"), _name("loop X"), ky.public_key(), kx, True)
    p.loop_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert(_name("gw.rove.test"), _name("loop X"), p.loop_key.public_key(), kx, False,
                 "gw.rove.test")
    p.loop_ders = [_der(leaf), _der(x), _der(y)]
    # The long chain: trusted CA -> int 1 -> ... -> int 40 -> gw.rove.test.
    issuer, ikey, chain = ca.subject, ca_key, []
    for i in range(1, LONG_CHAIN + 1):
        k = ec.generate_private_key(ec.SECP256R1())
        c = _cert(_name("deep %d" % i), issuer, k.public_key(), ikey, True)
        chain.append(c)
        issuer, ikey = c.subject, k
    p.long_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert(_name("gw.rove.test"), issuer, p.long_key.public_key(), ikey, False,
                 "gw.rove.test")
    p.long_ders = [_der(leaf)] + [_der(c) for c in reversed(chain)]
    return p


def sign_ecdsa256(key, octets):
    """AUTH method 9: ECDSA with SHA-256 on P-256, r | s (RFC 4754)."""
    r, s = decode_dss_signature(key.sign(octets, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
