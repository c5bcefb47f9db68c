#!/usr/bin/python3
"""A webhook server for the integration tests, written for them (not Cairn's code).

usage: webhook_server.py PORT CERT KEY CLIENT_CA SECRET_B64 LOG [HOLD_FILE]

Serves HTTPS on 127.0.0.1:PORT with CERT/KEY and REQUIRES a client certificate that chains to
CLIENT_CA (step-ca presents its own TLS certificate to webhooks). Every request must carry
X-Smallstep-Signature = hex(HMAC-SHA256(base64decode(SECRET_B64), body)) and an
X-Smallstep-Webhook-ID; a bad signature is answered 401. Each request is appended to LOG as one
JSON line {"path", "signature_ok", "webhook_id", "client_cn", "body"}.

Paths:
  /enrich     ENRICHING: allow, data {"team": "billing", "level": 3}
  /authorize  AUTHORIZING: deny when the certificate names denied-by-hook.example.com (X.509)
              or has the principal denied-by-hook (SSH)
  /deny       allow false with an error message
  /hold       waits until HOLD_FILE exists, then allows (a slow webhook)
  /fail       answers 500
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import time

port, cert, key, client_ca, secret_b64, log_path = sys.argv[1:7]
hold_file = sys.argv[7] if len(sys.argv) > 7 else None
secret = base64.b64decode(secret_b64)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        want = hmac.new(secret, body, hashlib.sha256).hexdigest()
        got = self.headers.get("X-Smallstep-Signature", "")
        ok = hmac.compare_digest(want, got)
        peer = self.connection.getpeercert() or {}
        cn = ""
        for rdn in peer.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    cn = v
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        with open(log_path, "a") as f:
            f.write(json.dumps({"path": self.path, "signature_ok": ok,
                                "webhook_id": self.headers.get("X-Smallstep-Webhook-ID", ""),
                                "request_id": self.headers.get("X-Request-Id", ""),
                                "client_cn": cn, "body": payload}) + "\n")
        if not ok:
            return self.answer(401, {"error": "bad signature"})
        if self.path == "/enrich":
            return self.answer(200, {"allow": True, "data": {"team": "billing", "level": 3}})
        if self.path == "/authorize":
            crt = (payload or {}).get("x509Certificate", {})
            names = list(crt.get("dnsNames") or [])
            names += [s.get("value") for s in crt.get("sans") or []]
            if "denied-by-hook.example.com" in names:
                return self.answer(200, {"allow": False})
            ssh_crt = (payload or {}).get("sshCertificate") or {}
            if "denied-by-hook" in (ssh_crt.get("principals") or []):
                return self.answer(200, {"allow": False})
            return self.answer(200, {"allow": True})
        if self.path == "/deny":
            return self.answer(200, {"allow": False,
                                     "error": {"code": "nope", "message": "the hook says no"}})
        if self.path == "/hold":
            while hold_file and not os.path.exists(hold_file):
                time.sleep(0.05)
            return self.answer(200, {"allow": True, "data": {"team": "slow"}})
        if self.path == "/fail":
            return self.answer(500, {"error": "boom"})
        return self.answer(404, {"error": "no such hook"})


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(client_ca)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
srv.daemon_threads = True
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening", flush=True)
srv.serve_forever()
