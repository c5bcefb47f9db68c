#!/usr/bin/python3
"""The ACME part of the bad input catalogue (docs/security.md) against the real cairn-ca: broken
and forged JWS, nonces, URLs, accounts, payloads and identifiers on /acme/acme/..., and the Host
header that ends up in Link and Location. Prints PASS/FAIL lines for bad_input_test.sh.

usage: bad_input_acme.py URL ROOT
"""
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from bad_input_common import Ca, b64u, es256_signer, header, hs256_signer, jwk_of, new_key, report
import bad_input_common as common

URL, ROOT = sys.argv[1:3]
ca = Ca(URL, ROOT)
BASE = "/acme/acme"
ACME = URL + BASE
JOSE = {"Content-Type": "application/jose+json"}


def problem(st, hs, b):
    """The ACME problem type of a response, or what is wrong with it."""
    if not ";".join(header(hs, "Content-Type")).startswith("application/problem+json"):
        return "not a problem document: %r" % header(hs, "Content-Type")
    try:
        t = json.loads(b)["type"]
    except (ValueError, KeyError):
        return "no type: %r" % b[:200]
    return t.replace("urn:ietf:params:acme:error:", "")


def expect_problem(name, want_status, want_types, path, body, headers=JOSE):
    st, hs, b = ca.request("POST", path, body, headers)
    t = problem(st, hs, b)
    report("%s: %d %s" % (name, want_status, "|".join(want_types)), st == want_status and t in want_types,
           "got HTTP %d %s" % (st, t), b[:300])
    return st, hs, b


def nonce():
    st, hs, _ = ca.request("GET", BASE + "/new-nonce")
    return header(hs, "Replay-Nonce")[0]


def jws(payload, url, key=None, kid=None, alg="ES256", sign=None, nonce_value=None, extra=None, raw_payload=None):
    key = key or KEY
    h = {"alg": alg, "nonce": nonce() if nonce_value is None else nonce_value, "url": url}
    if kid:
        h["kid"] = kid
    else:
        h["jwk"] = {k: v for k, v in jwk_of(key).items() if k != "kid"}
    h.update(extra or {})
    h = {k: v for k, v in h.items() if v is not None}
    protected = b64u(json.dumps(h))
    body = b64u(raw_payload if raw_payload is not None else ("" if payload is None else json.dumps(payload)))
    sig = (sign or es256_signer(key))((protected + "." + body).encode())
    return json.dumps({"protected": protected, "payload": body, "signature": b64u(sig)})


KEY = new_key("p256")
OTHER = new_key("p256")
NEW_ACCOUNT = ACME + "/new-account"
NEW_ORDER = ACME + "/new-order"

# --- the provisioner in the path ----------------------------------------------------------------------
for prov in ("nope", "tester", "..%2Facme"):
    st, hs, b = ca.request("GET", "/acme/%s/directory" % prov)
    report("directory of %s: 404 problem" % prov, st == 404 and problem(st, hs, b) == "malformed", st, b[:200])

# --- JWS on new-account -------------------------------------------------------------------------------
acct = {"termsOfServiceAgreed": True, "contact": ["mailto:a@example.test"]}
expect_problem("not JSON", 400, ["malformed"], BASE + "/new-account", "{not json")
expect_problem("JSON that is no JWS", 400, ["malformed"], BASE + "/new-account", "{}")
expect_problem("protected header in broken base64url", 400, ["malformed"], BASE + "/new-account",
               json.dumps({"protected": "!!!", "payload": "e30", "signature": "AAAA"}))
expect_problem("general JWS serialization with two signatures", 400, ["malformed"], BASE + "/new-account",
               json.dumps({"payload": "e30", "signatures": [{"protected": "e30", "signature": "AA"}] * 2}))
expect_problem("wrong Content-Type", 400, ["malformed"], BASE + "/new-account", jws(acct, NEW_ACCOUNT),
               {"Content-Type": "application/json"})
expect_problem("alg none", 400, ["badSignatureAlgorithm", "malformed"], BASE + "/new-account",
               jws(acct, NEW_ACCOUNT, alg="none", sign=lambda d: b""))
pub_jwk = json.dumps({k: v for k, v in jwk_of(KEY).items() if k != "kid"}).encode()
expect_problem("HS256 keyed with the account's public JWK", 400, ["badSignatureAlgorithm", "malformed"],
               BASE + "/new-account", jws(acct, NEW_ACCOUNT, alg="HS256", sign=hs256_signer(pub_jwk)))
pem = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
expect_problem("HS256 keyed with the account's PEM public key", 400, ["badSignatureAlgorithm", "malformed"],
               BASE + "/new-account", jws(acct, NEW_ACCOUNT, alg="HS256", sign=hs256_signer(pem)))
expect_problem("an oct jwk with HS256", 400, ["badSignatureAlgorithm", "malformed"], BASE + "/new-account",
               jws(acct, NEW_ACCOUNT, alg="HS256", sign=hs256_signer(b"k" * 32),
                   extra={"jwk": {"kty": "oct", "k": b64u(b"k" * 32)}}))
rsa_small = new_key("rsa1024")
nums = rsa_small.public_key().public_numbers()
rsa_jwk = {"kty": "RSA", "n": b64u(nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")),
           "e": b64u(nums.e.to_bytes(3, "big"))}
expect_problem("an RSA 1024 account key (RS256)", 400, ["badSignatureAlgorithm", "malformed"],
               BASE + "/new-account",
               jws(acct, NEW_ACCOUNT, alg="RS256", extra={"jwk": rsa_jwk},
                   sign=lambda d: rsa_small.sign(d, padding.PKCS1v15(), hashes.SHA256())))
p224 = new_key("p224")
p224_nums = p224.public_key().public_numbers()
expect_problem("a P-224 account key", 400, ["badPublicKey", "badSignatureAlgorithm", "malformed"], BASE + "/new-account",
               jws(acct, NEW_ACCOUNT, alg="ES256", sign=lambda d: b"\x00" * 56,
                   extra={"jwk": {"kty": "EC", "crv": "P-224", "x": b64u(p224_nums.x.to_bytes(28, "big")),
                                  "y": b64u(p224_nums.y.to_bytes(28, "big"))}}))
expect_problem("a bad signature", 400, ["malformed"], BASE + "/new-account",
               jws(acct, NEW_ACCOUNT, sign=lambda d: es256_signer(KEY)(d)[:-1] + b"\x00"))
expect_problem("signed by another key than the jwk", 400, ["malformed"], BASE + "/new-account",
               jws(acct, NEW_ACCOUNT, sign=es256_signer(OTHER)))
expect_problem("a nonce the CA never gave", 400, ["badNonce"], BASE + "/new-account",
               jws(acct, NEW_ACCOUNT, nonce_value=b64u(os.urandom(24))))
expect_problem("no nonce", 400, ["badNonce"], BASE + "/new-account", jws(acct, NEW_ACCOUNT, nonce_value=""))
expect_problem("a url of another endpoint", 401, ["unauthorized"], BASE + "/new-account", jws(acct, NEW_ORDER))
expect_problem("a url of another host", 401, ["unauthorized"], BASE + "/new-account",
               jws(acct, "https://evil.example" + BASE + "/new-account"))
expect_problem("both jwk and kid", 400, ["malformed"], BASE + "/new-account",
               jws(acct, NEW_ACCOUNT, extra={"kid": ACME + "/account/x"}))
expect_problem("a payload that is not an object", 400, ["malformed"], BASE + "/new-account",
               jws(None, NEW_ACCOUNT, raw_payload="[1,2]"))
expect_problem("a payload nested 17 deep", 400, ["malformed"], BASE + "/new-account",
               jws(None, NEW_ACCOUNT, raw_payload='{"contact":' + "[" * 16 + "]" * 16 + "}"))
expect_problem("onlyReturnExisting for an unknown key", 400, ["accountDoesNotExist"], BASE + "/new-account",
               jws({"onlyReturnExisting": True}, NEW_ACCOUNT))
expect_problem("11 contacts", 400, ["malformed", "invalidContact"], BASE + "/new-account",
               jws({"contact": ["mailto:a%d@example.test" % i for i in range(11)]}, NEW_ACCOUNT))
expect_problem("a contact that is not mailto", 400, ["unsupportedContact", "invalidContact", "malformed"],
               BASE + "/new-account", jws({"contact": ["tel:+1555"]}, NEW_ACCOUNT))
st, hs, b = ca.request("POST", BASE + "/new-account", "a" * (2 << 20), JOSE)
report("a 2 MiB body: 413", st == 413, st)

# A real account for what follows.
st, hs, b = ca.request("POST", BASE + "/new-account", jws(acct, NEW_ACCOUNT), JOSE)
loc = header(hs, "Location")
report("control: new-account 201 with a Location under the CA's URL",
       st == 201 and len(loc) == 1 and loc[0].startswith(ACME + "/account/"), st, loc, b[:200])
KID = loc[0] if loc else ACME + "/account/missing"

# --- kid, nonces and payloads of an existing account --------------------------------------------------
order = {"identifiers": [{"type": "dns", "value": "a.example.test"}]}
expect_problem("a kid that is no account", 400, ["accountDoesNotExist"], BASE + "/new-order",
               jws(order, NEW_ORDER, kid=ACME + "/account/nosuchaccount"))
expect_problem("a kid holding CR LF", 400, ["accountDoesNotExist", "malformed"], BASE + "/new-order",
               jws(order, NEW_ORDER, kid=ACME + "/account/x\r\nX-Evil: 1"))
expect_problem("the account's kid, signed by another key", 400, ["malformed"], BASE + "/new-order",
               jws(order, NEW_ORDER, kid=KID, key=OTHER))
n = nonce()
st, _, b = ca.request("POST", BASE + "/new-order", jws(order, NEW_ORDER, kid=KID, nonce_value=n), JOSE)
report("control: new-order 201", st == 201, st, b[:200])
expect_problem("the same nonce again (replay)", 400, ["badNonce"], BASE + "/new-order",
               jws(order, NEW_ORDER, kid=KID, nonce_value=n))
expect_problem("101 identifiers", 400, ["rejectedIdentifier", "malformed"], BASE + "/new-order",
               jws({"identifiers": [{"type": "dns", "value": "h%d.example.test" % i} for i in range(101)]},
                   NEW_ORDER, kid=KID))
for name, want, ident in [
        ("a DNS identifier of 300 characters", 403, {"type": "dns", "value": "a" * 290 + ".example.test"}),
        ("a DNS label of 64 characters", 403, {"type": "dns", "value": "a" * 64 + ".example.test"}),
        ("a DNS identifier holding template actions", 403, {"type": "dns", "value": "{{.Token}}.example.test"}),
        ("a DNS identifier that closes a JSON string", 403, {"type": "dns", "value": 'a"},{"isCA":true'}),
        ("a DNS identifier holding CR LF", 403, {"type": "dns", "value": "a\r\nb.example.test"}),
        ("an identifier value that is a number", 403, {"type": "dns", "value": 5}),
        ("an identifier of an unknown type", 400, {"type": "x-evil", "value": "a"})]:
    expect_problem(name, want, ["rejectedIdentifier" if want == 403 else "unsupportedIdentifier"],
                   BASE + "/new-order", jws({"identifiers": [ident]}, NEW_ORDER, kid=KID))
expect_problem("POST-as-GET of an order that does not exist", 404, ["malformed"], BASE + "/order/nosuchorder",
               jws(None, ACME + "/order/nosuchorder", kid=KID))
expect_problem("finalize of an order that does not exist", 404, ["malformed"], BASE + "/order/nosuchorder/finalize",
               jws({"csr": "!!"}, ACME + "/order/nosuchorder/finalize", kid=KID))
expect_problem("revoke-cert with a certificate in broken base64url", 400, ["malformed", "badCSR"],
               BASE + "/revoke-cert", jws({"certificate": "!!!"}, ACME + "/revoke-cert", kid=KID))
expect_problem("revoke-cert with random DER", 400, ["malformed"],
               BASE + "/revoke-cert", jws({"certificate": b64u(os.urandom(200))}, ACME + "/revoke-cert", kid=KID))

# --- the Host header is written into Link and Location ------------------------------------------------
def raw_get(path, host):
    return ca.raw(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")


for name, host in [("a Host with angle brackets and quotes", b'127.0.0.1>;rel="evil", <https://evil.example'),
                   ("a Host with a space", b"127.0.0.1 evil"),
                   ("a Host with a path", b"evil.example/acme/x?")]:
    out = raw_get(BASE + "/directory", host)
    head = out.split(b"\r\n\r\n")[0]
    report("%s: 400, copied into no Link nor URL" % name,
           out.startswith(b"HTTP/1.1 400") and b"evil" not in out
           and b"\r\nlink:" not in head.lower(), out[:400])
st, hs, b = ca.request("GET", BASE + "/directory")
report("the directory still answers", st == 200 and "newNonce" in json.loads(b), st)
sys.exit(1 if common.FAILED else 0)
