#!/usr/bin/python3
"""The bad input catalogue (docs/security.md) against the real cairn-ca: the CA API (/sign,
/renew, /revoke, /provisioners, /root), its HTTP layer (bodies, headers, paths) and its
templates. Every case prints "PASS <name>" or "FAIL <name>"; bad_input_test.sh counts them.

usage: bad_input_http.py URL ROOT WORK
  WORK holds tester.pem/tester.jwk (provisioner "tester", also the key of "tmpl"), other.pem
  (provisioner "other") and ca.json's path in ca_json.txt.
"""
import base64
import json
import os
import secrets
import sys
import time
import warnings

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID, NameOID

from bad_input_common import (Ca, csr_pem, der_of_pem, es256_signer, expect_error, header, hs256_signer,
                              jwk_of, jws_compact, load_key, new_key, pem_wrap, report)
import bad_input_common as common

# cryptography warns about a common name over 64 characters; the CA issues them, as step-ca.
warnings.filterwarnings("ignore", message="Attribute's length must be")
URL, ROOT, WORK = sys.argv[1:4]
ca = Ca(URL, ROOT)
tester = load_key(os.path.join(WORK, "tester.pem"))
other = load_key(os.path.join(WORK, "other.pem"))
TESTER_KID = jwk_of(tester)["kid"]
OTHER_KID = jwk_of(other)["kid"]
SIGN_AUD = URL + "/1.0/sign"


def claims(sub="svc.local", sans=None, iss="tester", aud=SIGN_AUD, iat=0, nbf=0, exp=300, **extra):
    now = int(time.time())
    rel = lambda v: now + v if isinstance(v, int) else v  # noqa: E731 (non-numbers go in as they are)
    c = {"iss": iss, "sub": sub, "aud": aud, "iat": rel(iat), "nbf": rel(nbf), "exp": rel(exp),
         "jti": secrets.token_hex(32), "sans": [sub] if sans is None else sans}
    c.update(extra)
    return c


def token(key=tester, kid=TESTER_KID, alg="ES256", hdr=None, **kw):
    h = {"alg": alg, "kid": kid, "typ": "JWT"}
    h.update(hdr or {})
    return jws_compact(json.dumps(h), json.dumps(claims(**kw)), es256_signer(key))


KEY = new_key("p256")
CSR = csr_pem(KEY, "svc.local", ["svc.local"])


def sign_body(csr=CSR, ott=None, **extra):
    b = {"csr": csr, "ott": token() if ott is None else ott}
    b.update(extra)
    return json.dumps(b)


def sign(name, want, body, msg=None):
    return expect_error(ca, name, want, "POST", "/1.0/sign", body, msg=msg)


def issued(name, body):
    """POSTs /1.0/sign expecting 201; returns the leaf (cryptography x509) or None."""
    st, hs, b = ca.request("POST", "/1.0/sign", body)
    report(name + ": 201", st == 201, "got HTTP %d" % st, b[:300])
    if st != 201:
        return None
    return x509.load_pem_x509_certificate(json.loads(b)["crt"].encode())


def cn_of(cert):
    return [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def is_ca(cert):
    try:
        return cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    except x509.ExtensionNotFound:
        return False


# --- 0. the positive control: a good token and CSR sign -----------------------------------------------
issued("control: a good token and CSR", sign_body())

# --- 1. JSON ------------------------------------------------------------------------------------------
for path in ("/1.0/sign", "/sign", "/1.0/revoke"):
    expect_error(ca, "malformed JSON on " + path, 400, "POST", path, '{"csr":')
for name, body in [("a JSON array body", "[]"), ("a JSON string body", '"csr"'), ("a JSON number body", "1"),
                   ("a JSON null body", "null"), ("an empty body", ""),
                   ("trailing bytes after the object", '{"csr":"x","ott":"y"} {}'),
                   ("invalid UTF-8 in a string", b'{"csr":"\xff\xfe","ott":"x"}'),
                   ("a raw NUL byte", b'{"csr":"a\x00b","ott":"x"}'),
                   ("a lone surrogate escape", '{"csr":"\\ud800","ott":"x"}')]:
    sign(name, 400, body)
sign("JSON nested 33 deep (in templateData)", 400,
     '{"csr":"x","ott":"y","templateData":' + "[" * 33 + "]" * 33 + "}")
sign("JSON nested 100000 deep", 400, "[" * 100000)
sign("csr of the wrong type (number)", 400, '{"csr":5,"ott":"x"}')
sign("ott of the wrong type (array)", 400, json.dumps({"csr": CSR, "ott": ["a"]}))
sign("notAfter of the wrong type (object)", 400, sign_body(notAfter={"h": 1}))
sign("notAfter that is no time", 400, sign_body(notAfter="tomorrow"))
sign("missing csr", 400, json.dumps({"ott": token()}), msg="missing csr")
sign("missing ott", 400, json.dumps({"csr": CSR}), msg="missing ott")
sign("a string member over 64 KiB", 400, json.dumps({"csr": CSR, "ott": "a" * (65 * 1024)}))
# Duplicate members of a request body: the last one wins, as with Go's encoding/json.
good, bad = json.dumps(token()), json.dumps("not-a-token")
sign("duplicate ott, the last one garbage", 401,
     '{"csr":%s,"ott":%s,"ott":%s}' % (json.dumps(CSR), good, bad))
issued("duplicate ott, the last one good", '{"csr":%s,"ott":%s,"ott":%s}' % (json.dumps(CSR), bad, json.dumps(token())))

# Bodies over the limit (1 MiB): 413 with the error JSON, by length and by chunks.
sign("a body of 1 MiB + 1 byte", 413, "a" * ((1 << 20) + 1))
out = ca.raw(b"POST /1.0/sign HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 1000000000000\r\n\r\n")
report("Content-Length of 1 TB, no body sent: 413 at once", out.startswith(b"HTTP/1.1 413"), out[:200])
chunk = b"a" * 65536
body = b"".join(b"10000\r\n" + chunk + b"\r\n" for _ in range(17)) + b"0\r\n\r\n"
out = ca.raw(b"POST /1.0/sign HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
report("a chunked body over 1 MiB: 413", out.startswith(b"HTTP/1.1 413"), out[:200])
out = ca.raw(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (20 << 10) + b"\r\n\r\n")
report("request headers over 16 KiB: 431", out.startswith(b"HTTP/1.1 431"), out[:200])

# --- 2. PEM, DER, base64 ------------------------------------------------------------------------------
DER = der_of_pem(CSR)
ROOT_PEM = open(ROOT).read()
for name, csr in [
        ("csr that is no PEM", "garbage"),
        ("a CERTIFICATE PEM block as the csr", ROOT_PEM),
        ("a PEM block whose base64 is broken", CSR.replace("\n", "\n!!", 1)),
        ("a PEM block without its END line", CSR.split("-----END")[0]),
        ("PEM of random bytes", pem_wrap(os.urandom(300))),
        ("PEM of a truncated DER CSR", pem_wrap(DER[:-10])),
        ("PEM of a DER CSR with trailing bytes", pem_wrap(DER + b"\x00\x00")),
        ("PEM of a DER CSR with a wrong outer length", pem_wrap(DER[:2] + bytes([DER[2] ^ 0x01]) + DER[3:])),
        ("PEM of 40 KB of random bytes", pem_wrap(os.urandom(40000))),
]:
    sign(name, 400, sign_body(csr=csr))


def flip(der, at):
    b = bytearray(der)
    b[at] ^= 0x01
    return bytes(b)


sign("a CSR whose signature has a flipped bit", 400, sign_body(csr=pem_wrap(flip(DER, len(DER) - 3))))
tbs_cn = DER.find(b"svc.local")
sign("a CSR whose subject was altered after signing", 400, sign_body(csr=pem_wrap(flip(DER, tbs_cn))))

for name, ott in [("a token with characters outside base64url", "e!J.e!J.a!b"),
                  ("a token in the standard base64 alphabet", token().replace("-", "+").replace("_", "/") + "+/"),
                  ("a token with base64 padding", token() + "=="),
                  ("a token of two parts", ".".join(token().split(".")[:2])),
                  ("a token of four parts", token() + ".AAAA"),
                  ("a token whose header is not JSON", common.b64u("nope") + "." + token().split(".", 1)[1])]:
    sign(name, 401, sign_body(ott=ott))

# --- 3. weak and unsupported keys ---------------------------------------------------------------------
sign("an RSA 1024 CSR", 403, sign_body(csr=csr_pem(new_key("rsa1024"), "svc.local", ["svc.local"])),
     msg="2048")
for kind in ("p224", "secp256k1", "dsa", "ed448"):
    sign("a %s CSR" % kind, 400, sign_body(csr=csr_pem(new_key(kind), "svc.local", ["svc.local"])))
issued("control: an Ed25519 CSR", sign_body(csr=csr_pem(new_key("ed25519"), "svc.local", ["svc.local"])))
issued("control: an RSA 2048 CSR", sign_body(csr=csr_pem(new_key("rsa2048"), "svc.local", ["svc.local"])))

# --- 4. tokens ----------------------------------------------------------------------------------------
c = json.dumps(claims())
for alg, sig in [("none", b""), ("none", b"x"), ("None", b""), ("NONE", b"")]:
    t = jws_compact(json.dumps({"alg": alg, "kid": TESTER_KID, "typ": "JWT"}), c, lambda _d, s=sig: s)
    sign("alg %s, signature %r" % (alg, sig.decode()), 401, sign_body(ott=t))
# Key confusion: HS256 keyed with the provisioner's public key, in every spelling of it.
pub = tester.public_key()
tester_jwk = json.load(open(os.path.join(WORK, "tester.jwk")))
for name, secret in [
        ("the public JWK as ca.json holds it", json.dumps(tester_jwk).encode()),
        ("the public JWK, compact", json.dumps(tester_jwk, separators=(",", ":")).encode()),
        ("the PEM public key", pub.public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)),
        ("the DER public key", pub.public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)),
        ("the kid", TESTER_KID.encode())]:
    for alg in ("HS256",):
        t = jws_compact(json.dumps({"alg": alg, "kid": TESTER_KID, "typ": "JWT"}), c, hs256_signer(secret))
        sign("%s keyed with %s" % (alg, name), 401, sign_body(ott=t))
sign("an unknown kid", 401, sign_body(ott=token(kid="no-such-kid")))
sign("no kid", 401, sign_body(ott=jws_compact(json.dumps({"alg": "ES256"}), c, es256_signer(tester))))
sign("a kid that is not a string", 401, sign_body(ott=token(kid=12)))
sign("signed by another provisioner's key (iss and kid of tester)", 401, sign_body(ott=token(key=other)))
sign("another provisioner's kid under tester's name", 401,
     sign_body(ott=token(key=other, kid=OTHER_KID)))
sign("tester's kid and key under another provisioner's name", 401, sign_body(ott=token(iss="other")))
sign("an attacker key embedded as jwk in the header", 401,
     sign_body(ott=token(key=other, hdr={"jwk": jwk_of(other)})))
sign("a critical header the CA does not know", 401, sign_body(ott=token(hdr={"crit": ["exp"], "exp": 1})))
sign("a wrong audience", 401, sign_body(ott=token(aud="https://ca.example/1.0/sign")))
sign("the revoke audience on /sign", 401, sign_body(ott=token(aud=URL + "/1.0/revoke")))
sign("an audience list without the CA", 401, sign_body(ott=token(aud=["https://a.example/1.0/sign"])))
sign("no audience", 401, sign_body(ott=token(aud=None)))
sign("expired (exp 2 minutes ago)", 401, sign_body(ott=token(exp=-120, nbf=-600)))
sign("not yet valid (nbf in 5 minutes)", 401, sign_body(ott=token(nbf=300, exp=600)))
sign("issued in the future (iat in 5 minutes)", 401, sign_body(ott=token(iat=300)))
sign("issued before the CA started (iat an hour ago)", 401, sign_body(ott=token(iat=-3600)))
sign("exp that is a string", 401, sign_body(ott=token(exp="soon")))
sign("exp beyond any time (1e30)", 401,
     sign_body(ott=jws_compact(json.dumps({"alg": "ES256", "kid": TESTER_KID}),
                               json.dumps(claims()).replace('"exp": ', '"exp": 1e30, "x": '),
                               es256_signer(tester))))
sign("no subject", 401, sign_body(ott=token(sub="", sans=["svc.local"])))
sign("duplicate claims (sub twice)", 401,
     sign_body(ott=jws_compact(json.dumps({"alg": "ES256", "kid": TESTER_KID}),
                               json.dumps(claims())[:-1] + ', "sub": "evil.local"}', es256_signer(tester))))
for depth in (33, 20000):
    sign("claims nested %d deep" % depth, 401,
         sign_body(ott=jws_compact(json.dumps({"alg": "ES256", "kid": TESTER_KID}),
                                   json.dumps(claims())[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}",
                                   es256_signer(tester))))
sign("duplicate header members (alg twice)", 401,
     sign_body(ott=jws_compact('{"alg":"ES256","kid":"%s","alg":"none"}' % TESTER_KID, c, es256_signer(tester))))
t = token()
issued("a fresh token", sign_body(ott=t))
sign("the same token again (replay)", 401, sign_body(ott=t))
t = token()
sign("a token used with a bad CSR", 400, sign_body(csr="garbage", ott=t))
issued("is not spent by the failed request", sign_body(ott=t))
sign("a tampered payload (names changed after signing)", 401,
     sign_body(ott=t.split(".")[0] + "." + common.b64u(json.dumps(claims(sub="evil.local"))) + "." + t.split(".")[2]))
sign("a token for other names than the CSR's", 403, sign_body(ott=token(sub="other.local")))

# /renew's Bearer token (x5cInsecure) and /revoke's token.
expect_error(ca, "renew: a Bearer token that is garbage", 401, "POST", "/1.0/renew", headers={"Authorization": "Bearer x.y.z"})
expect_error(ca, "renew: x5cInsecure of broken base64", 401, "POST", "/1.0/renew", headers={
    "Authorization": "Bearer " + jws_compact(json.dumps({"alg": "ES256", "x5cInsecure": ["!!"]}), c, es256_signer(tester))})
expect_error(ca, "renew: alg none over x5cInsecure", 401, "POST", "/1.0/renew", headers={
    "Authorization": "Bearer " + jws_compact(json.dumps({"alg": "none", "x5cInsecure": [common.b64u(b"x")]}), c, lambda d: b"")})
expect_error(ca, "renew: neither client certificate nor token", 400, "POST", "/1.0/renew")
expect_error(ca, "rekey without a client certificate", 400, "POST", "/1.0/rekey", json.dumps({"csr": CSR}))

REV_AUD = URL + "/1.0/revoke"
def revoke(name, want, body, msg=None):
    return expect_error(ca, "revoke: " + name, want, "POST", "/1.0/revoke", json.dumps(body), msg=msg)
revoke("a sign token", 401, {"serial": "1", "ott": token(sub="1"), "passive": True})
revoke("reasonCode out of range", 400, {"serial": "1", "ott": token(sub="1", aud=REV_AUD), "passive": True, "reasonCode": 99})
revoke("reasonCode that is a string", 400, {"serial": "1", "ott": token(sub="1", aud=REV_AUD), "passive": True, "reasonCode": "1"})
revoke("passive that is a string", 400, {"serial": "1", "ott": token(sub="1", aud=REV_AUD), "passive": "yes"})
revoke("a serial that is no number", 400, {"serial": "abc", "ott": token(sub="abc", aud=REV_AUD), "passive": True})
revoke("a serial of 200 digits", 400, {"serial": "9" * 200, "ott": token(sub="9" * 200, aud=REV_AUD), "passive": True})
revoke("token subject is another serial", 403, {"serial": "12", "ott": token(sub="13", aud=REV_AUD), "passive": True})
revoke("no token and no client certificate", 400, {"serial": "12", "passive": True},
       msg="missing ott or client certificate")

# --- 5. names: huge SAN lists, overlong names ------------------------------------------------------
many = ["h%d.svc.local" % i for i in range(1500)]
sign("1500 SANs in the token", 400, sign_body(csr=csr_pem(KEY, "svc.local"), ott=token(sans=many)),
     msg="more than 1000")
sign("1500 SANs in the CSR and the token", 400,
     sign_body(csr=csr_pem(KEY, "svc.local", many), ott=token(sans=many)), msg="more than 1000")
cert = issued("control: 1000 SANs", sign_body(csr=csr_pem(KEY, "svc.local"), ott=token(sans=many[:1000])))
# Without a name policy the names are the provisioner's to authorize, and, as step-ca (Go's x509
# sets no upper bounds), Cairn issues a 65-character CN or a 64-character DNS label; beyond 4096
# bytes a name is refused before anything is signed.
for name, sub, sans in [("a common name of 65 characters", "c" * 65, ["svc.local"]),
                        ("a DNS name of 261 characters", "svc.local", [".".join(["a" * 63] * 4) + ".local"]),
                        ("a DNS label of 64 characters", "svc.local", ["a" * 64 + ".local"])]:
    cert = issued(name + " (as step-ca)", sign_body(csr=csr_pem(KEY), ott=token(sub=sub, sans=sans)))
for name, sub, sans in [("a common name of 5000 bytes", "c" * 5000, ["svc.local"]),
                        ("a DNS name of 5000 bytes", "svc.local", ["d" * 5000]),
                        ("an e-mail address of 5000 bytes", "svc.local", ["a" * 5000 + "@svc.local"]),
                        ("a URI of 5000 bytes", "svc.local", ["https://svc.local/" + "a" * 5000])]:
    sign(name, 400, sign_body(csr=csr_pem(KEY), ott=token(sub=sub, sans=sans)), msg="longer than 4096")
sign("a token over 64 KiB (50000 SANs)", 400,
     sign_body(csr=csr_pem(KEY), ott=token(sans=["s%d" % i for i in range(50000)])))
# Under a name policy (provisioner "scoped": *.scoped.local) a name that does not parse as a DNS
# name is 400, one outside the policy 403. The policy's IDNA lookup, as step-ca's, does not
# enforce RFC 1035 label lengths.
def scoped(name, want, san):
    return sign("policy: " + name, want, sign_body(csr=csr_pem(KEY), ott=token(iss="scoped", sub=san, sans=[san])))
for name, san in [("a NUL inside a DNS name", "www.bank.local\u0000.scoped.local"),
                  ("template actions in a DNS name", "{{.Token}}.scoped.local"),
                  ("a quote in a DNS name", 'a"b.scoped.local'),
                  ("CR LF in a DNS name", "a\r\nb.scoped.local"),
                  ("a space in a DNS name", "a b.scoped.local")]:
    scoped(name, 400, san)
scoped("a name outside *.scoped.local", 403, "www.bank.local")
scoped("a name two labels below scoped.local", 403, "a.b.scoped.local")
issued("policy: a DNS label of 64 characters (as step-ca)",
       sign_body(csr=csr_pem(KEY), ott=token(iss="scoped", sub="a" * 64 + ".scoped.local")))
issued("policy: control, a.scoped.local", sign_body(csr=csr_pem(KEY), ott=token(iss="scoped", sub="a.scoped.local")))

# --- 6. template injection through request data ------------------------------------------------------
# The default template writes the token's subject with toJson: braces stay text, quotes stay inside
# the string.
braces = "{{ .Token.jti }}{{ printf \"%s\" \"x\" }}"
cert = issued("a subject holding template actions", sign_body(csr=csr_pem(KEY, "svc.local"), ott=token(sub=braces, sans=["svc.local"])))
report("the actions are not evaluated: the CN is the literal text", cert is not None and cn_of(cert) == [braces],
       cert and cn_of(cert))
quote = 'x", "basicConstraints": {"isCA": true, "maxPathLen": 0}, "dnsNames": ["evil.example"], "y": "'
cert = issued("a subject that closes the JSON string", sign_body(csr=csr_pem(KEY, "svc.local"), ott=token(sub=quote, sans=["svc.local"])))
if cert is not None:
    sans = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value.get_values_for_type(x509.DNSName)
    report("the JSON is not broken out of: CN literal, not a CA, no extra SAN",
           cn_of(cert) == [quote] and not is_ca(cert) and sans == ["svc.local"], cn_of(cert), is_ca(cert), sans)
for name, san in [("a SAN holding template actions", "{{ .Token.jti }}.local"),
                  ("a SAN that closes the JSON string", 'a"}],"basicConstraints":{"isCA":true},"x":[{"a":"')]:
    cert = issued(name, sign_body(csr=csr_pem(KEY), ott=token(sub="svc.local", sans=["svc.local", san])))
    got = cert and cert.extensions.get_extension_for_oid(
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value.get_values_for_type(x509.DNSName)
    report(name + ": the SAN is the literal text, not a CA", got == ["svc.local", san] and not is_ca(cert), got)

# Provisioner "tmpl": a custom template printing templateData's cn with toJson.
def tmpl_body(data, sub="svc.local"):
    return sign_body(csr=csr_pem(KEY, None, ["svc.local"]), ott=token(iss="tmpl", sub=sub), templateData=data)
cert = issued("templateData holding template actions", tmpl_body({"cn": braces}))
report("templateData actions are not evaluated", cert is not None and cn_of(cert) == [braces], cert and cn_of(cert))
cert = issued("templateData that closes the JSON string", tmpl_body({"cn": quote}))
report("templateData does not break out of the JSON", cert is not None and cn_of(cert) == [quote] and not is_ca(cert),
       cert and cn_of(cert), cert and is_ca(cert))
cert = issued("templateData that is not an object: ignored, as step-ca", tmpl_body("just a string"))
report("templateData that is not an object: no common name", cert is not None and cn_of(cert) == [],
       cert and cn_of(cert))
sign("templateData nested 40 deep", 400, tmpl_body(json.loads("[" * 40 + "]" * 40)))
# Data that makes the rendered JSON wrong for its field: step-ca's 500 "error applying certificate
# template" (the template should check its data, with `fail`); bad_input_test.sh allows this one 5xx.
sign("templateData where the template wants a string", 500, tmpl_body({"cn": {"a": 1}}),
     msg="error applying certificate template")

# --- 7. header injection ------------------------------------------------------------------------------
def response_headers(raw):
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    return head[0], [tuple(x.strip() for x in l.split(b":", 1)) for l in head[1:] if b":" in l]


def no_evil(raw):
    return b"\r\nx-evil" not in raw.lower() and b"\nx-evil" not in raw.lower()


out = ca.raw(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: abc\r\nX-Evil: 1\r\n\r\n")
status, hs = response_headers(out)
report("X-Request-Id is echoed as sent, nothing more", [v for k, v in hs if k.lower() == b"x-request-id"] == [b"abc"]
       and no_evil(out), out[:400])
out = ca.raw(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: abc\r\n X-Evil: 1\r\n\r\n")
status, hs = response_headers(out)
report("X-Request-Id folded onto a second line (obs-fold): unfolded into one value, as Go does",
       out.startswith(b"HTTP/1.1 200") and no_evil(out)
       and [v for k, v in hs if k.lower() == b"x-request-id"] == [b"abc X-Evil: 1"], out[:400])
out = ca.raw(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: abc\rX-Evil: 1\r\n\r\n")
report("a bare CR in X-Request-Id: 400", out.startswith(b"HTTP/1.1 400") and no_evil(out), out[:400])
out = ca.raw(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: abc\nX-Evil: 1\r\n\r\n")
report("a bare LF in X-Request-Id: 400", out.startswith(b"HTTP/1.1 400") and no_evil(out), out[:400])
out = ca.raw(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: a\x01b\x7f\r\n\r\n")
report("control characters in X-Request-Id: 400", out.startswith(b"HTTP/1.1 400"), out[:400])
st, hs, b = ca.request("GET", "/health", headers={"X-Request-Id": "r" * 8000})
report("an 8000-byte X-Request-Id: answered, echoed at most as sent",
       st == 200 and all(len(v) <= 8000 for v in header(hs, "X-Request-Id")), st)
for path in ["/root/%0d%0aX-Evil:%201", "/acme/acme%0d%0aX-Evil:%201/directory",
             "/provisioners/%0d%0aX-Evil:%201/encrypted-key", "/1.0/%0d%0aX-Evil:%201"]:
    out = ca.raw(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    report("CR LF in the path %s: 404, no injected header" % path,
           out.startswith(b"HTTP/1.1 404") and no_evil(out), out[:400])

# Go's server refuses a Host no URL may be built from, and several Host fields, on every route.
for name, host in [("angle brackets and quotes", b'127.0.0.1>;rel="evil", <https://evil.example'),
                   ("a space", b"127.0.0.1 evil"), ("a path", b"evil.example/x?"),
                   ("CR in it", b"127.0.0.1\revil")]:
    out = ca.raw(b"GET /health HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
    report("a Host with %s on /health: 400" % name, out.startswith(b"HTTP/1.1 400") and b"evil" not in out,
           out[:300])
out = ca.raw(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
report("two Host fields: 400", out.startswith(b"HTTP/1.1 400") and b"evil" not in out, out[:300])
out = ca.raw(b"GET /health HTTP/1.1\r\nHost: [::1]:443\r\nConnection: close\r\n\r\n")
report("a Host with an IPv6 literal and a port is served", out.startswith(b"HTTP/1.1 200"), out[:300])

# --- 8. path traversal --------------------------------------------------------------------------------
ca_json = open(os.path.join(WORK, "ca_json.txt")).read().strip()
secret_bits = [b"root:x:", b"\"authority\"", b"BEGIN EC PRIVATE", b"ENCRYPTED PRIVATE KEY"]
for path in ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/1.0/..%2f..%2f..%2fetc%2fpasswd",
             "/root/..%2f..%2f..%2f..%2fetc%2fpasswd", "/roots.pem/../../config/ca.json",
             "/provisioners/..%2f..%2fconfig%2fca.json/encrypted-key", "/acme/..%2f..%2fconfig/directory",
             "/crl/..%2f..%2fsecrets%2fintermediate_ca_key", "/..%5c..%5cconfig%5cca.json",
             "/" + "%2e%2e/" * 20 + ca_json.lstrip("/"), "//etc/passwd", "/ocsp/..%2f..%2fetc%2fpasswd"]:
    out = ca.raw(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    code = out[9:12]
    report("traversal %s: 4xx, no file content" % path,
           code in (b"400", b"404", b"405") and not any(s in out for s in secret_bits), out[:300])

# --- 8b. file names through the API: the admin API could create a provisioner with a templateFile
# (step-ca's remote management); Cairn answers 501 to every provisioner write, so no client can
# name a file the CA then reads.
admin_pem = open(os.path.join(WORK, "admin.crt")).read()
admin_key = serialization.load_pem_private_key(open(os.path.join(WORK, "admin.key"), "rb").read(), None)
admin_chain = [x509.load_pem_x509_certificate(("-----BEGIN" + b).encode())
               for b in admin_pem.split("-----BEGIN")[1:]]


def admin_token(path, key=admin_key, alg="ES256", sign=None):
    now = int(time.time())
    h = {"alg": alg, "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                             for c in admin_chain]}
    c = {"iss": "step-admin-client/1.0", "sub": "step", "aud": URL + path, "iat": now, "nbf": now,
         "exp": now + 300, "jti": secrets.token_hex(16)}
    return jws_compact(json.dumps(h), json.dumps(c), sign or es256_signer(key))


evil_prov = json.dumps({"type": "JWK", "name": "evil", "key": tester_jwk,
                        "options": {"x509": {"templateFile": "../../../../etc/passwd"}}})
for name, hdrs, want in [
        ("no token", {}, 401),
        ("a token signed by another key than the x5c certificate's", {"Authorization": admin_token("/admin/provisioners", key=other)}, 401),
        ("an alg none token", {"Authorization": admin_token("/admin/provisioners", alg="none", sign=lambda d: b"")}, 401),
        ("a token for another path", {"Authorization": admin_token("/admin/admins")}, 401),
        ("a super admin's token", {"Authorization": admin_token("/admin/provisioners")}, 501)]:
    st, hs, b = ca.request("POST", "/admin/provisioners", evil_prov, dict(hdrs, **{"Content-Type": "application/json"}))
    ok = st == want
    try:
        ok = ok and set(json.loads(b)) == {"type", "detail", "message"}
    except ValueError:
        ok = False
    report("admin: POST /admin/provisioners with a templateFile, %s: %d" % (name, want), ok, st, b[:300])
st, hs, b = ca.request("GET", "/provisioners")
report("admin: no provisioner \"evil\" was created", st == 200 and b'"evil"' not in b, st)

# --- 9. query parameters ------------------------------------------------------------------------------
expect_error(ca, "provisioners?limit=abc", 400, "GET", "/provisioners?limit=abc")
expect_error(ca, "provisioners?limit of 11 digits", 400, "GET", "/provisioners?limit=99999999999")
st, hs, b = ca.request("GET", "/provisioners?limit=-5&cursor=%00%ff..%2f")
report("provisioners with a negative limit and a garbage cursor: 200, a JSON list",
       st == 200 and isinstance(json.loads(b).get("provisioners"), list), st, b[:200])
expect_error(ca, "an unknown route", 404, "GET", "/nope")
expect_error(ca, "a wrong method", 405, "PUT", "/1.0/sign", "{}")

st, _, b = ca.request("GET", "/health")
report("the CA still answers /health", st == 200 and json.loads(b) == {"status": "ok"}, st)
sys.exit(1 if common.FAILED else 0)
