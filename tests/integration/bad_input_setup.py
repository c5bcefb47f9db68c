#!/usr/bin/python3
"""Prepares the CA of bad_input_test.sh: two independent P-256 keys (WORK/tester.pem|jwk and
WORK/other.pem|jwk) and, in ca.json, JSON request logs, the admin API and the provisioners the
catalogue needs:
  tester  JWK, key tester
  other   JWK, key other (a second provisioner, for "signed by another provisioner's key")
  tmpl    JWK, key tester, a custom X.509 template that prints templateData's "cn" with toJson
  scoped  JWK, key tester, a name policy allowing only *.scoped.local
  acme    ACME
It writes ca.json's path to WORK/ca_json.txt (for the traversal probes).

usage: bad_input_setup.py CA_JSON WORK
"""
import json
import os
import sys

from cryptography.hazmat.primitives import serialization

from bad_input_common import jwk_of, new_key

ca_json, work = sys.argv[1:3]
jwks = {}
for name in ("tester", "other"):
    key = new_key("p256")
    with open(os.path.join(work, name + ".pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    jwk = jwk_of(key)
    jwk.update({"use": "sig", "alg": "ES256"})
    jwks[name] = jwk
    with open(os.path.join(work, name + ".jwk"), "w") as f:
        json.dump(jwk, f)

TEMPLATE = ('{"subject": {"commonName": {{ toJson .Insecure.User.cn }}}, "sans": {{ toJson .SANs }},'
            ' "keyUsage": ["digitalSignature"], "extKeyUsage": ["serverAuth", "clientAuth"]}')
cfg = json.load(open(ca_json))
cfg["logger"] = {"format": "json"}
cfg["authority"]["enableAdmin"] = True
provs = cfg["authority"]["provisioners"]
provs.append({"type": "JWK", "name": "tester", "key": jwks["tester"]})
provs.append({"type": "JWK", "name": "other", "key": jwks["other"]})
provs.append({"type": "JWK", "name": "tmpl", "key": jwks["tester"],
              "options": {"x509": {"template": TEMPLATE}}})
provs.append({"type": "JWK", "name": "scoped", "key": jwks["tester"],
              "policy": {"x509": {"allow": {"dns": ["*.scoped.local"]}}}})
provs.append({"type": "ACME", "name": "acme"})
json.dump(cfg, open(ca_json, "w"), indent="\t")
with open(os.path.join(work, "ca_json.txt"), "w") as f:
    f.write(os.path.abspath(ca_json) + "\n")
