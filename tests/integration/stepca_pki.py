#!/usr/bin/python3
"""Builds a PKI and a ca.json the way step-ca's own files look, with tools independent of Cairn
(openssl for the keys and certificates, Python's cryptography for the provisioner JWE).

usage: stepca_pki.py HOME PORT PASSWORD PROVISIONER_PASSWORD
Writes HOME/certs/{root_ca,intermediate_ca,federated_ca}.crt, HOME/secrets/intermediate_ca_key
(legacy AES-128-CBC encrypted EC PEM, as in step-ca's authority testdata), HOME/config/ca.json
(tab-indented, Go durations, `root` as an array, numeric TLS versions, legacy cipher suite
names, authority.template and backdate, claims, a provisioner type Cairn does not serve) and
HOME/provisioner.pem (the legacy provisioner's private key, for minting tokens).
"""
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pbes2_jwe(plaintext, password, p2c=100000):
    """Compact JWE, PBES2-HS256+A128KW + A128GCM, the older step format (no cty)."""
    salt = os.urandom(16)
    header = {"alg": "PBES2-HS256+A128KW", "enc": "A128GCM", "p2c": p2c, "p2s": b64u(salt)}
    protected = b64u(json.dumps(header, separators=(",", ":")).encode())
    kek = PBKDF2HMAC(hashes.SHA256(), 16, b"PBES2-HS256+A128KW\x00" + salt, p2c).derive(password)
    cek = os.urandom(16)
    iv = os.urandom(12)
    ct = AESGCM(cek).encrypt(iv, plaintext, protected.encode())
    return ".".join([protected, b64u(aes_key_wrap(kek, cek)), b64u(iv), b64u(ct[:-16]),
                     b64u(ct[-16:])])


def main():
    home, port, password, prov_password = sys.argv[1:5]
    for d in ("certs", "secrets", "config", "db"):
        os.makedirs(os.path.join(home, d), exist_ok=True)
    c, s = os.path.join(home, "certs"), os.path.join(home, "secrets")
    ext = os.path.join(home, "ext.cnf")
    with open(ext, "w") as f:
        f.write("[req]\ndistinguished_name=dn\n[dn]\n[root]\nbasicConstraints=critical,CA:TRUE,pathlen:1\n"
                "keyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n"
                "[int]\nbasicConstraints=critical,CA:TRUE,pathlen:0\n"
                "keyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid\n")
    for name in ("root", "federated"):
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", f"{s}/{name}_ca_key", "-out", f"{c}/{name}_ca.crt",
           "-subj", f"/O=Smallstep/CN=Smallstep Test {name.title()} CA", "-days", "3650",
           "-config", ext, "-extensions", "root")
    sh("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{s}/int.plain")
    # The legacy OpenSSL PEM encryption step writes (Proc-Type / DEK-Info), here AES-128-CBC.
    sh("openssl", "ec", "-in", f"{s}/int.plain", "-aes128", "-passout", "pass:" + password,
       "-out", f"{s}/intermediate_ca_key")
    sh("openssl", "req", "-new", "-config", ext, "-key", f"{s}/int.plain", "-subj",
       "/O=Smallstep/CN=Smallstep Test Intermediate CA", "-out", f"{s}/int.csr")
    sh("openssl", "x509", "-req", "-in", f"{s}/int.csr", "-CA", f"{c}/root_ca.crt", "-CAkey",
       f"{s}/root_ca_key", "-CAcreateserial", "-days", "3650", "-out", f"{c}/intermediate_ca.crt",
       "-extfile", ext, "-extensions", "int")
    os.remove(f"{s}/int.plain")

    key = ec.generate_private_key(ec.SECP256R1())
    nums = key.private_numbers()
    pub = {"use": "sig", "kty": "EC", "crv": "P-256", "alg": "ES256",
           "x": b64u(nums.public_numbers.x.to_bytes(32, "big")),
           "y": b64u(nums.public_numbers.y.to_bytes(32, "big"))}
    canon = json.dumps({k: pub[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"),
                       sort_keys=True)
    pub["kid"] = b64u(hashlib.sha256(canon.encode()).digest())
    priv = dict(pub, d=b64u(nums.private_value.to_bytes(32, "big")))
    with open(os.path.join(home, "provisioner.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(home, "provisioner.jwk"), "w") as f:
        json.dump(pub, f)

    cfg = {
        "root": [f"{c}/root_ca.crt"],
        "federatedRoots": [f"{c}/federated_ca.crt"],
        "crt": f"{c}/intermediate_ca.crt",
        "key": f"{s}/intermediate_ca_key",
        "password": password,
        "address": f"127.0.0.1:{port}",
        "dnsNames": ["127.0.0.1", "ca.smallstep.test"],
        "logger": {"format": "text"},
        "db": {"type": "badgerv2", "dataSource": f"{home}/db", "badgerFileLoadingMode": ""},
        "tls": {
            "cipherSuites": ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
                             "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
            "minVersion": 1.2, "maxVersion": 1.3, "renegotiation": False},
        "authority": {
            "backdate": "0s",
            "template": {"country": "US", "locality": "San Francisco",
                         "organization": "Smallstep"},
            "claims": {"minTLSCertDuration": "1m0s", "maxTLSCertDuration": "48h0m0s",
                       "defaultTLSCertDuration": "24h0m0s"},
            "provisioners": [
                {"type": "JWK", "name": "mariano", "key": pub,
                 "encryptedKey": pbes2_jwe(json.dumps(priv).encode(), prov_password.encode()),
                 "claims": {"minTLSCertDuration": "1s", "defaultTLSCertDuration": "2h0m0s"}},
                {"type": "ACME", "name": "acme", "forceCN": True},
                {"type": "OIDC", "name": "Google", "clientID": "1087160488420.apps.example.com",
                 "clientSecret": "udTrOT3gzrO7W9fDPgZQLfYJ",
                 "configurationEndpoint": "https://127.0.0.1:9/.well-known/openid-configuration"},
                {"type": "FUTURE-TYPE", "name": "unknown"},
            ],
        },
    }
    with open(os.path.join(home, "config", "ca.json"), "w") as f:
        json.dump(cfg, f, indent="\t")


if __name__ == "__main__":
    main()
