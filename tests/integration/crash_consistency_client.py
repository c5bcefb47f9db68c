#!/usr/bin/python3
"""Issuance clients and store checks for crash_consistency_test.sh and disk_full_test.sh.

Tokens are minted here with PyJWT for a JWK provisioner whose key this script holds (see
tokens.py keygen); CSRs are made with pyca/cryptography. Nothing of Cairn is used but its HTTP
API and its database file, which is read with Python's sqlite3 module, read-only.

usage:
  load  --url U --root R --key K --jwk J --journal F --round N --clients N
        --kill-pid PID --kill-min S --kill-max S --seed N
      N clients POST /1.0/sign with fresh one-time tokens, each request a new name; at a random
      moment the process PID (cairn-ca) is killed with SIGKILL. Every request is appended to the
      journal (JSON lines): its token, and the certificate when one was received.
  check --url U --root R --key K --jwk J --journal F --revoked F --db DB --round N
      After a restart: every certificate a client received is in the store with the same DER,
      no serial twice, every token either consumed together with its certificate or not at all,
      tokens used before the crash are refused, the store passes its integrity checks, earlier
      revocations survived, and fresh revocations of certificates issued just before the crash
      succeed.
  sign  --url U --root R --key K --jwk J --cn NAME [--token TOKEN] --out FILE
      One POST /1.0/sign; prints "STATUS JTI" and writes the response body to FILE. --token
      reuses a token (printed by an earlier call to FILE.token).
  inspect --db DB [--jti ID]...
      Prints JSON: integrity_check, foreign_key_check, the test certificates (names ending in
      .crash.test) and which of the given token ids are marked used.

Every assertion prints "PASS name" or "FAIL name" (with details on the next lines).
"""
import argparse
import base64
import collections
import http.client
import json
import os
import random
import secrets
import signal
import sqlite3
import ssl
import sys
import threading
import time
import urllib.parse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SUFFIX = ".crash.test"
REQUEST_TIMEOUT = 20  # seconds; bounded waits only


def emit(ok, name, *details):
    print(("PASS " if ok else "FAIL ") + name)
    if not ok:
        for d in details:
            print("     " + str(d)[:2000])
    sys.stdout.flush()
    return ok


class Api:
    """One keep-alive HTTPS connection to the CA."""

    def __init__(self, url, root):
        u = urllib.parse.urlsplit(url)
        self.url, self.host, self.port = url, u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=root)
        self.conn = None

    def post(self, path, obj):
        """Returns (status, parsed JSON or raw text); raises OSError/HTTPException on transport
        failure (the connection is dropped then)."""
        body = json.dumps(obj)
        try:
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                        timeout=REQUEST_TIMEOUT)
            self.conn.request("POST", path, body, {"Content-Type": "application/json"})
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        try:
            return resp.status, json.loads(data)
        except ValueError:
            return resp.status, data.decode("utf-8", "replace")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Minter:
    """One-time tokens of the JWK provisioner `name`, signed with the key at `key_path`."""

    def __init__(self, key_path, jwk_path, name, url):
        self.key = open(key_path, "rb").read()
        self.kid = json.load(open(jwk_path))["kid"]
        self.name, self.url = name, url

    def token(self, sub, path, jti=None, sans=None):
        now = int(time.time())
        jti = jti or secrets.token_hex(16)
        claims = {"iss": self.name, "sub": sub, "aud": self.url + path, "iat": now, "nbf": now,
                  "exp": now + 600, "jti": jti}
        if sans is not None:
            claims["sans"] = sans
        tok = jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": self.kid,
                                                                       "typ": "JWT"})
        return tok, jti


class CsrMaker:
    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())

    def csr(self, cn):
        req = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
               .sign(self.key, hashes.SHA256()))
        return req.public_bytes(serialization.Encoding.PEM).decode()


def cert_from_response(body):
    """The leaf of a /sign response as (serial decimal, DER, CN), or None."""
    if not isinstance(body, dict) or not isinstance(body.get("crt"), str):
        return None
    cert = x509.load_pem_x509_certificate(body["crt"].encode())
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return (str(cert.serial_number), cert.public_bytes(serialization.Encoding.DER),
            cns[0].value if cns else "")


def sign_once(api, minter, csrs, cn, token=None, jti=None):
    """POST /1.0/sign for `cn`. Returns a journal record (outcome issued/refused/lost)."""
    if token is None:
        token, jti = minter.token(cn, "/1.0/sign", sans=[cn])
    rec = {"cn": cn, "jti": jti, "token": token}
    try:
        status, body = api.post("/1.0/sign", {"csr": csrs.csr(cn), "ott": token})
    except (OSError, http.client.HTTPException) as e:
        rec.update(outcome="lost", error=repr(e))
        return rec
    rec["status"] = status
    rec["t"] = time.time()
    got = cert_from_response(body) if status == 201 else None
    if got is None:
        rec.update(outcome="refused", body=body)
    else:
        serial, der, got_cn = got
        rec.update(outcome="issued", serial=serial, der=base64.b64encode(der).decode(),
                   got_cn=got_cn)
    return rec


# ---------------------------------------------------------------------------------------------
# load


def load(a):
    rnd = random.Random(a.seed)
    minter = Minter(a.key, a.jwk, a.provisioner, a.url)
    records, lock = [], threading.Lock()
    stop = threading.Event()
    in_flight = [0]

    def client(i):
        api, csrs, n = Api(a.url, a.root), CsrMaker(), 0
        while not stop.is_set():
            cn = "r%d-c%d-%d%s" % (a.round, i, n, SUFFIX)
            n += 1
            with lock:
                in_flight[0] += 1
            rec = sign_once(api, minter, csrs, cn)
            with lock:
                in_flight[0] -= 1
                rec["round"] = a.round
                rec["after_kill"] = stop.is_set()
                records.append(rec)
            if rec["outcome"] == "lost" and not stop.is_set():
                time.sleep(0.05)  # the CA is not dead yet (we kill it): retry on a new connection
        api.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(a.clients)]
    for t in threads:
        t.start()
    delay = rnd.uniform(a.kill_min, a.kill_max)
    time.sleep(delay)
    with lock:
        busy = in_flight[0]
        issued_before = sum(1 for r in records if r["outcome"] == "issued")
    os.kill(a.kill_pid, signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(REQUEST_TIMEOUT + 10)
    alive = sum(1 for t in threads if t.is_alive())
    with lock:
        snapshot = list(records)
    with open(a.journal, "a") as f:
        for r in snapshot:
            f.write(json.dumps(r) + "\n")
    by = {}
    for r in snapshot:
        by[r["outcome"]] = by.get(r["outcome"], 0) + 1
    print("round %d: killed after %.2fs with %d requests in flight; issued %d, lost %d, "
          "refused %d" % (a.round, delay, busy, by.get("issued", 0), by.get("lost", 0),
                          by.get("refused", 0)))
    emit(alive == 0, "round %d: every client stopped after the kill" % a.round)
    emit(issued_before > 0, "round %d: certificates were issued before the kill" % a.round,
         "issued before the kill: %d" % issued_before)
    refused = [r for r in snapshot if r["outcome"] == "refused"]
    emit(not refused, "round %d: no request was refused during the load" % a.round,
         *[json.dumps({k: r.get(k) for k in ("cn", "status", "body")}) for r in refused[:3]])
    lost_early = [r for r in snapshot if r["outcome"] == "lost" and not r["after_kill"]]
    emit(not lost_early, "round %d: no request failed before the kill" % a.round,
         *[r.get("error") for r in lost_early[:3]])
    # The state file tells the next check how many requests were in flight (for the summary).
    with open(a.journal + ".inflight", "a") as f:
        f.write("%d\n" % busy)


# ---------------------------------------------------------------------------------------------
# check


def read_db(path):
    """(integrity rows, fk rows, {serial: (der, cn)} of test certs, all serial/DER mismatches,
    used token ids, revoked serials)."""
    db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True, timeout=10)
    try:
        integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        certs, mismatched = {}, []
        for serial, der in db.execute("SELECT serial, der FROM x509_certs"):
            c = x509.load_der_x509_certificate(der)
            if str(c.serial_number) != serial:
                mismatched.append(serial)
            cns = c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            cn = cns[0].value if cns else ""
            if cn.endswith(SUFFIX):
                certs[serial] = (bytes(der), cn)
        used = {r[0] for r in db.execute("SELECT id FROM used_tokens")}
        revoked = {r[0] for r in db.execute("SELECT serial FROM revoked_x509_certs")}
    finally:
        db.close()
    return integrity, fk, certs, mismatched, used, revoked


def read_journal(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            out = [json.loads(line) for line in f if line.strip()]
    return out


def check(a):
    journal = read_journal(a.journal)
    revoked_before = read_journal(a.revoked)
    integrity, fk, certs, mismatched, used, revoked = read_db(a.db)
    tag = "after kill %d: " % a.round
    emit(integrity == ["ok"], tag + "PRAGMA integrity_check is ok", *integrity[:5])
    emit(not fk, tag + "PRAGMA foreign_key_check is empty", *fk[:5])
    emit(not mismatched, tag + "every stored serial is the serial inside its certificate",
         *mismatched[:5])

    issued = [r for r in journal if r["outcome"] == "issued"]
    lost = [r for r in journal if r["outcome"] == "lost"]
    # Sanity of what clients received: the name asked for, no serial handed out twice.
    wrong_cn = [r["cn"] for r in issued if r["got_cn"] != r["cn"]]
    emit(not wrong_cn, tag + "each client received a certificate for the name it asked",
         *wrong_cn[:5])
    serials = collections.Counter(r["serial"] for r in issued)
    dup = sorted(s for s, n in serials.items() if n > 1)
    emit(not dup, tag + "no serial was handed out twice (%d certificates received)" % len(issued),
         *dup[:5])

    # Every certificate received is in the store, byte for byte.
    missing = [r for r in issued if r["serial"] not in certs]
    differ = [r for r in issued if r["serial"] in certs and
              certs[r["serial"]][0] != base64.b64decode(r["der"])]
    emit(not missing, tag + "every certificate a client received is in the store (%d)" % len(issued),
         *["missing: %s %s (round %d)" % (r["serial"], r["cn"], r["round"]) for r in missing[:5]])
    emit(not differ, tag + "the stored certificates are the ones the clients received",
         *[r["serial"] for r in differ[:5]])

    # Nothing handed out unrecorded, nothing recorded that no request asked for: the stored test
    # certificates are the received ones plus some whose response the crash swallowed.
    by_cn = {r["cn"]: r for r in journal}
    stored_cns = {cn: serial for serial, (_, cn) in certs.items()}
    stray = [cn for cn in stored_cns if cn not in by_cn]
    emit(not stray, tag + "every stored test certificate was asked for by a client", *stray[:5])
    stored_for_refused = [cn for cn in stored_cns if cn in by_cn and
                          by_cn[cn]["outcome"] == "refused"]
    emit(not stored_for_refused, tag + "no certificate is stored for a refused request",
         *stored_for_refused[:5])
    received_cns = {r["cn"] for r in issued}
    stored_lost = [cn for cn in stored_cns if cn not in received_cns]
    print("     stored test certificates: %d = %d received + %d whose response was lost "
          "(%d requests lost in all)" % (len(certs), len(received_cns & set(stored_cns)),
                                          len(stored_lost), len(lost)))
    emit(len(certs) == len(received_cns & set(stored_cns)) + len(stored_lost) and
         len(received_cns & set(stored_cns)) == len(issued) and len(stored_lost) <= len(lost),
         tag + "stored = received + (lost in flight), received all stored")

    # The token and the certificate are one transaction: both or neither, across the crash.
    torn = []
    for r in issued + lost:
        has_token, has_cert = r["jti"] in used, r["cn"] in stored_cns
        if has_token != has_cert or (r["outcome"] == "issued" and not has_cert):
            torn.append("%s %s token_used=%s cert_stored=%s" % (r["outcome"], r["cn"], has_token,
                                                               has_cert))
    emit(not torn, tag + "every token is consumed together with its certificate, or not at all",
         *torn[:5])

    api, minter, csrs = Api(a.url, a.root), Minter(a.key, a.jwk, a.provisioner, a.url), CsrMaker()

    # Tokens used before the crash are refused: the last ones received before the kill (those
    # whose commit was closest to it), the stored ones whose response was lost, and a sample of
    # older ones.
    prev = [r for r in issued if r["round"] == a.round]
    prev.sort(key=lambda r: r["t"])
    older = [r for r in issued if r["round"] < a.round]
    rnd = random.Random(a.round)
    sample = prev[-a.replay_last:] + [by_cn[cn] for cn in stored_lost[:5]] + rnd.sample(
        older, min(len(older), 5))
    accepted = []
    for r in sample:
        try:
            status, body = api.post("/1.0/sign", {"csr": csrs.csr(r["cn"]), "ott": r["token"]})
        except (OSError, http.client.HTTPException) as e:
            accepted.append("%s: %r" % (r["cn"], e))
            continue
        if status != 401 or not isinstance(body, dict) or body.get("status") != 401:
            accepted.append("%s: %s %s" % (r["cn"], status, str(body)[:200]))
    emit(sample and not accepted,
         tag + "%d tokens used before the crash are refused with 401" % len(sample), *accepted[:5])

    # Revocations made before the crash survived it.
    lost_rev = [r["serial"] for r in revoked_before if r["serial"] not in revoked]
    emit(not lost_rev, tag + "the %d revocations made before the crash are stored" %
         len(revoked_before), *lost_rev[:5])
    # The certificates issued right before the crash can be revoked now.
    to_revoke = [r for r in prev[-a.revoke_last:] if r["serial"] not in
                 {x["serial"] for x in revoked_before}]
    failed = []
    with open(a.revoked, "a") as f:
        for r in to_revoke:
            tok, _ = minter.token(r["serial"], "/1.0/revoke")
            try:
                status, body = api.post("/1.0/revoke", {"serial": r["serial"], "ott": tok,
                                                        "reasonCode": 4, "passive": True})
            except (OSError, http.client.HTTPException) as e:
                failed.append("%s: %r" % (r["serial"], e))
                continue
            if status != 200 or body != {"status": "ok"}:
                failed.append("%s: %s %s" % (r["serial"], status, str(body)[:200]))
            else:
                f.write(json.dumps({"serial": r["serial"], "round": a.round}) + "\n")
    emit(to_revoke and not failed, tag + "%d certificates issued just before the crash are "
         "revocable (POST /revoke)" % len(to_revoke), *failed[:5])
    revoked_now = read_db(a.db)[5]
    not_rec = [r["serial"] for r in to_revoke if r["serial"] not in revoked_now]
    emit(not not_rec, tag + "the revocations are in the store", *not_rec[:5])
    api.close()


# ---------------------------------------------------------------------------------------------
# sign / inspect (disk_full_test.sh)


def sign(a):
    api, csrs = Api(a.url, a.root), CsrMaker()
    minter = Minter(a.key, a.jwk, a.provisioner, a.url)
    token, jti = (a.token, None) if a.token else minter.token(a.cn, "/1.0/sign", sans=[a.cn])
    if jti is None:
        jti = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==="))["jti"]
    rec = sign_once(api, minter, csrs, a.cn, token=token, jti=jti)
    with open(a.out, "w") as f:
        body = rec.get("body")
        if rec["outcome"] == "issued":
            f.write(json.dumps({"serial": rec["serial"], "crt": True}))
        elif isinstance(body, dict):
            f.write(json.dumps(body))
        else:
            f.write(str(body if body is not None else rec.get("error")))
    with open(a.out + ".token", "w") as f:
        f.write(token)
    print(rec.get("status", 0), jti)
    api.close()


def inspect(a):
    integrity, fk, certs, mismatched, used, _ = read_db(a.db)
    print(json.dumps({"integrity": integrity, "foreign_keys": [list(r) for r in fk],
                      "mismatched": mismatched,
                      "certs": sorted(cn for _, cn in certs.values()),
                      "serials": sorted(certs),
                      "used": {j: j in used for j in a.jti}}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["load", "check", "sign", "inspect"])
    p.add_argument("--url")
    p.add_argument("--root")
    p.add_argument("--key")
    p.add_argument("--jwk")
    p.add_argument("--provisioner", default="tester")
    p.add_argument("--journal")
    p.add_argument("--revoked")
    p.add_argument("--db")
    p.add_argument("--round", type=int, default=1)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--kill-pid", type=int)
    p.add_argument("--kill-min", type=float, default=3)
    p.add_argument("--kill-max", type=float, default=7)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--replay-last", type=int, default=20)
    p.add_argument("--revoke-last", type=int, default=2)
    p.add_argument("--cn")
    p.add_argument("--token")
    p.add_argument("--out")
    p.add_argument("--jti", action="append", default=[])
    a = p.parse_args()
    {"load": load, "check": check, "sign": sign, "inspect": inspect}[a.cmd](a)


if __name__ == "__main__":
    main()
