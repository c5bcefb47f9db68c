#!/usr/bin/python3
"""Mints JWK provisioner tokens with PyJWT, an implementation independent of Cairn.

usage:
  tokens.py keygen KEY_PEM JWK_JSON          make a P-256 key and its public JWK (kid = thumbprint)
  tokens.py token KEY_PEM JWK_JSON NAME AUD SUB [--exp-offset S] [--nbf-offset S] [--iat-offset S]
                                             [--san NAME]... [--jti ID] [--tamper]
"""
import base64
import hashlib
import json
import secrets
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def keygen(key_path, jwk_path):
    key = ec.generate_private_key(ec.SECP256R1())
    nums = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256",
           "x": b64u(nums.x.to_bytes(32, "big")), "y": b64u(nums.y.to_bytes(32, "big"))}
    # RFC 7638 thumbprint: required members, sorted, no whitespace.
    canon = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"),
                       sort_keys=True)
    jwk["kid"] = b64u(hashlib.sha256(canon.encode()).digest())
    jwk["use"] = "sig"
    jwk["alg"] = "ES256"
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(jwk_path, "w") as f:
        json.dump(jwk, f)


def token(argv):
    key_path, jwk_path, name, aud, sub = argv[:5]
    opts = {"exp": 300, "nbf": 0, "iat": 0}
    sans, jti, tamper = [], secrets.token_hex(32), False
    i = 5
    while i < len(argv):
        a = argv[i]
        if a in ("--exp-offset", "--nbf-offset", "--iat-offset"):
            opts[a[2:5]] = int(argv[i + 1]); i += 2
        elif a == "--san":
            sans.append(argv[i + 1]); i += 2
        elif a == "--jti":
            jti = argv[i + 1]; i += 2
        elif a == "--tamper":
            tamper = True; i += 1
        else:
            raise SystemExit("unknown option " + a)
    now = int(time.time())
    claims = {"iss": name, "sub": sub, "aud": aud, "iat": now + opts["iat"],
              "nbf": now + opts["nbf"], "exp": now + opts["exp"], "jti": jti,
              "sans": sans or [sub]}
    jwk = json.load(open(jwk_path))
    key = open(key_path, "rb").read()
    tok = jwt.encode(claims, key, algorithm="ES256", headers={"kid": jwk["kid"], "typ": "JWT"})
    if tamper:
        head, payload, sig = tok.split(".")
        claims["sub"] = sub + ".evil"
        claims["sans"] = [s + ".evil" for s in claims["sans"]]
        payload = b64u(json.dumps(claims).encode())
        tok = ".".join([head, payload, sig])
    print(tok)


if __name__ == "__main__":
    if sys.argv[1] == "keygen":
        keygen(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "token":
        token(sys.argv[2:])
    else:
        raise SystemExit(__doc__)
