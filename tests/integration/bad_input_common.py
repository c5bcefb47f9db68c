"""Shared by bad_input_http.py and bad_input_acme.py: an HTTPS client for the CA under test that
can send anything (raw bytes too), JOSE signing done by hand (so headers can be forged: alg none,
HS256 keyed with a public key, duplicate members), CSR builders for every key kind, and the
PASS/FAIL reporting that bad_input_test.sh counts.

Only the standard library, python3-cryptography and nothing of Cairn's own code.
"""
import base64
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import sys
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, utils
from cryptography.x509.oid import NameOID

FAILED = 0


def report(name, ok, *detail):
    """Prints one PASS/FAIL line, as lib.sh's pass/fail do."""
    global FAILED
    if ok:
        print("PASS " + name)
    else:
        FAILED += 1
        print("FAIL " + name)
        for d in detail:
            print("     " + str(d)[:600])
    sys.stdout.flush()


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Ca:
    """The CA under test: https://127.0.0.1:PORT with its root."""

    def __init__(self, url, root):
        u = urllib.parse.urlsplit(url)
        self.url = url
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=root)
        self.ctx.check_hostname = False

    def request(self, method, path, body=None, headers=None, timeout=20):
        """Returns (status, headers as a list of (name, value), body bytes)."""
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode()
            h = {"Content-Type": "application/json"} if body is not None else {}
            h.update(headers or {})
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def raw(self, data, timeout=10):
        """Sends raw bytes over TLS and returns everything read until the server closes (or the
        timeout): for what http.client refuses to send (CR/LF in header values, bad Host)."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            with self.ctx.wrap_socket(s, server_hostname="localhost") as t:
                t.sendall(data)
                out = b""
                deadline = time.time() + timeout
                while time.time() < deadline:
                    try:
                        chunk = t.recv(65536)
                    except (socket.timeout, ssl.SSLError, ConnectionError):
                        break
                    if not chunk:
                        break
                    out += chunk
                    # One response is enough: stop at the end of its body.
                    if b"\r\n\r\n" in out:
                        head, _, rest = out.partition(b"\r\n\r\n")
                        for line in head.split(b"\r\n"):
                            if line.lower().startswith(b"content-length:"):
                                if len(rest) >= int(line.split(b":", 1)[1]):
                                    return out
                return out


def header(headers, name):
    """All values of the header `name` (case-insensitive)."""
    return [v for k, v in headers if k.lower() == name.lower()]


def step_error(status, headers, body):
    """None when body is step-ca's error JSON {"status": status, "message": "..."} served as
    application/json, else what is wrong with it."""
    ct = ";".join(header(headers, "Content-Type"))
    if not ct.startswith("application/json"):
        return "Content-Type %r" % ct
    try:
        j = json.loads(body)
    except ValueError:
        return "not JSON: %r" % body[:200]
    if list(j.keys()) != ["status", "message"]:
        return "members %r" % list(j.keys())
    if j["status"] != status or not isinstance(j["message"], str) or not j["message"]:
        return "status/message %r" % j
    return None


def expect_error(ca, name, want, method, path, body=None, headers=None, msg=None):
    """Sends the request and checks the status and step-ca's error shape (and that the message
    contains `msg` when given). Returns the parsed response."""
    st, hs, b = ca.request(method, path, body, headers)
    problem = step_error(st, hs, b) if st >= 400 else None
    ok = st == want and problem is None
    if ok and msg is not None:
        ok = msg in json.loads(b)["message"]
    report("%s: %d" % (name, want), ok, "got HTTP %d" % st, problem or "", b[:300])
    return st, hs, b


# --- JOSE by hand ---------------------------------------------------------------------------------

def jws_compact(header_json, claims_json, sign):
    """header_json/claims_json are the exact JSON texts (so members may repeat); sign(input) -> sig
    bytes."""
    signing_input = b64u(header_json) + "." + b64u(claims_json)
    return signing_input + "." + b64u(sign(signing_input.encode()))


def es256_signer(key):
    def sign(data):
        r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return sign


def hs256_signer(secret):
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def load_key(path):
    return serialization.load_pem_private_key(open(path, "rb").read(), None)


def jwk_of(key):
    nums = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256",
           "x": b64u(nums.x.to_bytes(32, "big")), "y": b64u(nums.y.to_bytes(32, "big"))}
    canon = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"),
                       sort_keys=True)
    jwk["kid"] = b64u(hashlib.sha256(canon.encode()).digest())
    return jwk


# --- CSRs -----------------------------------------------------------------------------------------

def new_key(kind):
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p224":
        return ec.generate_private_key(ec.SECP224R1())
    if kind == "secp256k1":
        return ec.generate_private_key(ec.SECP256K1())
    if kind.startswith("rsa"):
        return rsa.generate_private_key(65537, int(kind[3:]))
    if kind == "dsa":
        return dsa.generate_private_key(2048)
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "ed448":
        return ed448.Ed448PrivateKey.generate()
    raise ValueError(kind)


def csr_pem(key, cn=None, dns=(), raw_der=False):
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn is not None else []))
    if dns:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), False)
    algo = None if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)) else hashes.SHA256()
    csr = b.sign(key, algo)
    if raw_der:
        return csr.public_bytes(serialization.Encoding.DER)
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def pem_wrap(der, kind="CERTIFICATE REQUEST"):
    b = base64.b64encode(der).decode()
    return ("-----BEGIN %s-----\n" % kind + "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) +
            "\n-----END %s-----\n" % kind)


def der_of_pem(pem):
    return base64.b64decode("".join(l for l in pem.splitlines() if l and not l.startswith("-----")))
