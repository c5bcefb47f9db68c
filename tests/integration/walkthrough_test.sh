#!/usr/bin/env bash
# The user path of the core CA, with the real binaries on 127.0.0.1 and real peers (openssl,
# curl, nginx, PyJWT): init, serve, bootstrap a second home, certificates by password and by
# token, inspect, renew, revoke, replay and bad tokens, TLS with nginx, reload, bad input.
# usage: walkthrough_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")

PORT=$(free_port)
CA_HOME=$WORK/ca-home
CLIENT_HOME=$WORK/client-home
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"

# --- 1. init -----------------------------------------------------------------------------------
out=$(STEPPATH=$CA_HOME "$CAIRN" ca init --name "Local CA" --provisioner admin --dns localhost \
  --dns 127.0.0.1 --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" 2>&1)
check "ca init exits 0" test $? -eq 0
for f in certs/root_ca.crt certs/intermediate_ca.crt secrets/root_ca_key \
  secrets/intermediate_ca_key config/ca.json config/defaults.json; do
  check "ca init wrote $f" test -s "$CA_HOME/$f"
done
check "ca init made db/" test -d "$CA_HOME/db"
expect_eq "intermediate key is 0600" 600 "$(stat -c %a "$CA_HOME/secrets/intermediate_ca_key")"
FP=$(openssl x509 -in "$CA_HOME/certs/root_ca.crt" -outform DER | sha256sum | cut -d' ' -f1)
expect_match "ca init prints the root fingerprint" "$FP" "$out"
check "openssl reads the encrypted intermediate key with the password" \
  openssl pkey -in "$CA_HOME/secrets/intermediate_ca_key" -passin pass:ca-password -noout
check_fails "the intermediate key is encrypted" \
  openssl pkey -in "$CA_HOME/secrets/intermediate_ca_key" -passin pass:wrong -noout
expect_eq "cairn path prints the home" "$CA_HOME" "$(STEPPATH=$CA_HOME "$CAIRN" path)"
encrypted_key=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["authority"]["provisioners"][0]["encryptedKey"])' "$CA_HOME/config/ca.json")
expect_match "encryptedKey is a PBES2 JWE" '"alg":"PBES2-HS256\+A128KW"' \
  "$(printf '%s' "${encrypted_key%%.*}" | tr '_-' '/+' | base64 -d 2>/dev/null)"

# Test-only changes to ca.json: JSON request logs, and a provisioner with short lifetimes for the
# renewal daemon, plus an independent key (PyJWT) for hand-made tokens.
$PY "$HERE/tokens.py" keygen "$WORK/tester.pem" "$WORK/tester.jwk"
$PY - "$CA_HOME/config/ca.json" "$WORK/tester.jwk" <<'PYEOF'
import json, sys
path, jwk_path = sys.argv[1], sys.argv[2]
cfg = json.load(open(path))
cfg["logger"] = {"format": "json"}
prov = cfg["authority"]["provisioners"]
short = dict(prov[0]); short["name"] = "short"
short["claims"] = {"minTLSCertDuration": "5s", "defaultTLSCertDuration": "15s",
                   "allowRenewalAfterExpiry": True}
prov.append(short)
json.dump(cfg, open(path, "w"), indent="\t")
PYEOF

# --- 2. serve -----------------------------------------------------------------------------------
ROOT=$CA_HOME/certs/root_ca.crt
URL=https://127.0.0.1:$PORT
spawn ca "$CAIRN_CA" --password-file "$WORK/pw" "$CA_HOME/config/ca.json"
CA_PID=$LAST_PID
if wait_https "$URL/health" "$ROOT" 30; then pass "cairn-ca serves /health over TLS"; else
  fail "cairn-ca serves /health over TLS" "$(tail -20 "$WORK/ca.log")"; finish; fi
expect_eq "/health" '{"status":"ok"}' "$(curl -s --cacert "$ROOT" "$URL/health")"
expect_eq "/1.0/health" '{"status":"ok"}' "$(curl -s --cacert "$ROOT" "$URL/1.0/health")"
server_cert=$(openssl s_client -connect "127.0.0.1:$PORT" -servername localhost </dev/null 2>/dev/null |
  openssl x509 -noout -subject -ext subjectAltName 2>/dev/null)
expect_match "the CA's TLS certificate carries its dnsNames" "DNS:localhost" "$server_cert"
check_fails "TLS 1.1 is refused" openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 </dev/null
expect_eq "/roots answers 201" 201 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" "$URL/roots")"
expect_eq "/root/{sha} returns the root" "$(openssl x509 -in "$ROOT")" \
  "$(curl -s --cacert "$ROOT" "$URL/root/$FP" | $PY -c 'import json,sys; print(json.load(sys.stdin)["ca"].strip())')"
expect_eq "/root/{unknown} is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" "$URL/root/00")"
provs=$(curl -s --cacert "$ROOT" "$URL/provisioners?limit=1")
expect_match "/provisioners pages with nextCursor" '"nextCursor":"[0-9a-f]+"' "$provs"
expect_eq "/provisioners?limit=x is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" "$URL/provisioners?limit=x")"

# --- 3. bootstrap a second home ------------------------------------------------------------------
export STEPPATH=$CLIENT_HOME
check_fails "bootstrap with a wrong fingerprint is refused" \
  "$CAIRN" ca bootstrap --ca-url "$URL" --fingerprint "$(printf '%064d' 0)"
check "ca bootstrap" "$CAIRN" ca bootstrap --ca-url "$URL" --fingerprint "$FP"
check "bootstrap saved the root" cmp "$ROOT" "$CLIENT_HOME/certs/root_ca.crt"
expect_match "bootstrap wrote defaults.json" "\"ca-url\": *\"$URL\"" "$(cat "$CLIENT_HOME/config/defaults.json")"
expect_eq "ca health" ok "$("$CAIRN" ca health 2>&1)"
check "ca root" "$CAIRN" ca root "$WORK/root-again.crt"
check "ca root fetched the same root" cmp "$ROOT" "$WORK/root-again.crt"

# --- 4. a certificate by password ----------------------------------------------------------------
cd "$WORK"
out=$("$CAIRN" ca certificate localhost leaf.crt leaf.key --provisioner admin \
  --provisioner-password-file "$WORK/ppw" --san localhost --san 127.0.0.1 2>&1)
check "ca certificate by password" test $? -eq 0
expect_match "ca certificate reports the certificate" "Certificate: leaf.crt" "$out"
expect_eq "leaf key is 0600" 600 "$(stat -c %a leaf.key)"
check "openssl verifies the chain" openssl verify -CAfile "$ROOT" -untrusted leaf.crt leaf.crt
leaf_text=$(openssl x509 -in leaf.crt -noout -text)
expect_match "leaf has the SANs" "DNS:localhost, IP Address:127.0.0.1" "$leaf_text"
expect_match "leaf has the provisioner extension" "1.3.6.1.4.1.37476.9000.64.1" "$leaf_text"
expect_match "leaf is for server and client auth" "TLS Web Server Authentication, TLS Web Client Authentication" "$leaf_text"
dur=$(( $(date -d "$(openssl x509 -in leaf.crt -noout -enddate | cut -d= -f2)" +%s) - \
        $(date -d "$(openssl x509 -in leaf.crt -noout -startdate | cut -d= -f2)" +%s) ))
expect_eq "default lifetime is 24h plus the 1m backdate" $((24 * 3600 + 60)) "$dur"
inspect=$("$CAIRN" certificate inspect leaf.crt --short 2>&1)
expect_match "certificate inspect --short" "localhost" "$inspect"
expect_eq "certificate fingerprint" "$(openssl x509 -in leaf.crt -outform DER | sha256sum | cut -d' ' -f1)" \
  "$("$CAIRN" certificate fingerprint leaf.crt)"
check "certificate verify --roots" "$CAIRN" certificate verify leaf.crt --roots "$ROOT"

# --- 5. a certificate by token, and its replay ---------------------------------------------------
TOK=$("$CAIRN" ca token svc.local --provisioner admin --provisioner-password-file "$WORK/ppw" 2>/dev/null)
check "ca token prints a JWT" test "$(printf '%s' "$TOK" | tr -cd . | wc -c)" -eq 2
check "ca certificate --token" "$CAIRN" ca certificate svc.local svc.crt svc.key --token "$TOK"
check_fails "a replayed token is refused by the CLI" "$CAIRN" ca certificate svc.local svc2.crt svc2.key --token "$TOK" --force
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout x.key -subj /CN=svc.local \
  -addext subjectAltName=DNS:svc.local -out x.csr 2>/dev/null
sign_body() { $PY -c 'import json,sys; print(json.dumps({"csr": open(sys.argv[1]).read(), "ott": sys.argv[2]}))' "$1" "$2"; }
code=$(curl -s -o "$WORK/replay.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
  -d "$(sign_body x.csr "$TOK")" "$URL/1.0/sign")
expect_eq "a replayed token is 401" 401 "$code"
expect_match "errors have step-ca's shape" '"status":401' "$(cat "$WORK/replay.json")"

# Hand-made tokens from an independent JWT library, for a provisioner added by SIGHUP.
$PY - "$CA_HOME/config/ca.json" "$WORK/tester.jwk" <<'PYEOF'
import json, sys
path, jwk_path = sys.argv[1], sys.argv[2]
cfg = json.load(open(path))
cfg["authority"]["provisioners"].append({"type": "JWK", "name": "tester", "key": json.load(open(jwk_path))})
json.dump(cfg, open(path, "w"), indent="\t")
PYEOF
kill -HUP "$CA_PID"
wait_for 10 sh -c "curl -s --cacert '$ROOT' '$URL/provisioners' | grep -q tester"
expect_match "SIGHUP reloads provisioners" '"name":"tester"' "$(curl -s --cacert "$ROOT" "$URL/provisioners")"
mint() { $PY "$HERE/tokens.py" token "$WORK/tester.pem" "$WORK/tester.jwk" tester "$@"; }
post_sign() {
  curl -s -o "$WORK/sign.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
    -d "$(sign_body x.csr "$1")" "$URL/1.0/sign"
}
expect_eq "a good PyJWT token signs (201)" 201 "$(post_sign "$(mint "$URL/1.0/sign" svc.local)")"
expect_eq "the audience ignores the port" 201 "$(post_sign "$(mint "https://localhost:1/1.0/sign" svc.local)")"
expect_eq "a wrong audience is 401" 401 "$(post_sign "$(mint "https://ca.example/1.0/sign" svc.local)")"
expect_eq "an expired token is 401" 401 "$(post_sign "$(mint "$URL/1.0/sign" svc.local --exp-offset -120 --nbf-offset -600)")"
expect_eq "a not-yet-valid token is 401" 401 "$(post_sign "$(mint "$URL/1.0/sign" svc.local --nbf-offset 300 --exp-offset 600)")"
expect_eq "a token issued before the CA started is 401" 401 "$(post_sign "$(mint "$URL/1.0/sign" svc.local --iat-offset -3600)")"
expect_eq "a tampered token is 401" 401 "$(post_sign "$(mint "$URL/1.0/sign" svc.local --tamper)")"
expect_eq "names outside the token are 403" 403 "$(post_sign "$(mint "$URL/1.0/sign" svc.local --san other.local)")"

# --- 6. renew and revoke -------------------------------------------------------------------------
old_serial=$(openssl x509 -in leaf.crt -noout -serial)
check "ca renew (mTLS)" "$CAIRN" ca renew leaf.crt leaf.key --force
new_serial=$(openssl x509 -in leaf.crt -noout -serial)
check "renew made a new serial" test "$old_serial" != "$new_serial"
check "the renewed chain verifies" openssl verify -CAfile "$ROOT" -untrusted leaf.crt leaf.crt
check "ca renew --mtls=false (x5cInsecure token)" "$CAIRN" ca renew leaf.crt leaf.key --force --mtls=false
check "the token-renewed chain verifies" openssl verify -CAfile "$ROOT" -untrusted leaf.crt leaf.crt
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rekey.key -subj /CN=localhost \
  -out rekey.csr 2>/dev/null
rekey_body=$($PY -c 'import json,sys; print(json.dumps({"csr": open(sys.argv[1]).read()}))' rekey.csr)
expect_eq "/rekey over mTLS is 201" 201 "$(curl -s -o rekey.json -w '%{http_code}' --cacert "$ROOT" \
  --cert leaf.crt --key leaf.key -d "$rekey_body" "$URL/1.0/rekey")"
$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["crt"], end="")' rekey.json >rekey.crt
expect_eq "the rekeyed certificate holds the new key" "$(openssl pkey -in rekey.key -pubout)" \
  "$(openssl x509 -in rekey.crt -noout -pubkey)"
expect_eq "/rekey without a client certificate is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' \
  --cacert "$ROOT" -d "$rekey_body" "$URL/1.0/rekey")"
check "ca sign (a CSR made by openssl)" "$CAIRN" ca sign x.csr x.crt --provisioner admin \
  --provisioner-password-file "$WORK/ppw"
expect_eq "ca sign kept the CSR's key" "$(openssl req -in x.csr -noout -pubkey)" "$(openssl x509 -in x.crt -noout -pubkey)"
renew_out=$("$CAIRN" ca renew leaf.crt leaf.key --expires-in 1h 2>&1)
expect_match "--expires-in skips a young certificate" "not renewed" "$renew_out"
svc_serial=$("$CAIRN" certificate inspect svc.crt --format json | $PY -c 'import json,sys; print(json.load(sys.stdin)["serial_number"])' 2>/dev/null ||
  $PY -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl x509 -in svc.crt -noout -serial | cut -d= -f2)")
check "ca revoke by token" "$CAIRN" ca revoke "$svc_serial" --provisioner admin --provisioner-password-file "$WORK/ppw" --reason "test"
check_fails "renewing a revoked certificate is refused" "$CAIRN" ca renew svc.crt svc.key --force
check_fails "revoking twice is refused" "$CAIRN" ca revoke "$svc_serial" --provisioner admin --provisioner-password-file "$WORK/ppw"
"$CAIRN" ca certificate other.local other.crt other.key --provisioner admin --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
other_serial=$($PY -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl x509 -in other.crt -noout -serial | cut -d= -f2)")
check "ca revoke over mTLS (--cert/--key)" "$CAIRN" ca revoke --cert other.crt --key other.key
check_fails "mTLS renewal of that certificate is refused" "$CAIRN" ca renew other.crt other.key --force

# --- 6b. offline: the CA's own home, no server; the certificate lands in the same store -------
out=$(STEPPATH=$CA_HOME "$CAIRN" ca certificate offline.local off.crt off.key --offline \
  --provisioner admin --provisioner-password-file "$WORK/ppw" --password-file "$WORK/pw" 2>&1)
check "ca certificate --offline" test -s off.crt
check "the offline chain verifies" openssl verify -CAfile "$ROOT" -untrusted off.crt off.crt
off_serial=$($PY -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl x509 -in off.crt -noout -serial | cut -d= -f2)")
expect_eq "the offline certificate is recorded in the CA's store" 1 \
  "$(sqlite3 "$CA_HOME/db/cairn.db" "select count(*) from x509_certs where serial='$off_serial'")"

# --- 7. the leaf serves TLS for nginx, and a client certificate passes ssl_verify_client ---------
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat "$CA_HOME/certs/intermediate_ca.crt" "$ROOT" >"$WORK/nginx/client-ca.pem"
cat >"$WORK/nginx/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp; proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp; uwsgi_temp_path $WORK/nginx/tmp; scgi_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $WORK/leaf.crt;
    ssl_certificate_key $WORK/leaf.key;
    ssl_client_certificate $WORK/nginx/client-ca.pem;
    ssl_verify_client optional;
    ssl_verify_depth 3;
    location / { return 200 "verify=\$ssl_client_verify\n"; }
  }
}
NGX
mkdir -p "$WORK/nginx/tmp"
spawn nginx nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log"
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$NGINX_PORT"
expect_eq "curl trusts nginx's Cairn leaf through the root" "verify=NONE" \
  "$(curl -s --cacert "$ROOT" --resolve "localhost:$NGINX_PORT:127.0.0.1" "https://localhost:$NGINX_PORT/")"
expect_eq "nginx accepts a Cairn client certificate" "verify=SUCCESS" \
  "$(curl -s --cacert "$ROOT" --cert leaf.crt --key leaf.key --resolve "localhost:$NGINX_PORT:127.0.0.1" "https://localhost:$NGINX_PORT/")"

# --- 8. bad input --------------------------------------------------------------------------------
post_raw() { curl -s -o "$WORK/bad.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' --data-binary "$1" "$URL$2"; }
expect_eq "malformed JSON is 400" 400 "$(post_raw '{"csr":' /sign)"
expect_match "a 400 has step-ca's error JSON" '^\{"status":400,"message":".+"\}' "$(cat "$WORK/bad.json")"
expect_eq "deeply nested JSON is 400" 400 "$(post_raw "$(printf '[%.0s' $(seq 100))" /sign)"
head -c 2000000 /dev/zero | tr '\0' 'a' >"$WORK/big.json"
expect_eq "a body over the limit is 413" 413 "$(post_raw @"$WORK/big.json" /sign)"
expect_eq "bad PEM is 400" 400 "$(post_raw "{\"csr\":\"garbage\",\"ott\":\"$TOK\"}" /sign)"
$PY - x.csr "$WORK/badsig.csr" <<'PYEOF'
import base64, sys
pem = open(sys.argv[1]).read().split("\n")
body = base64.b64decode("".join(l for l in pem if l and not l.startswith("-----")))
body = body[:-3] + bytes([body[-3] ^ 1]) + body[-2:]   # flip a bit of the signature
b64 = base64.b64encode(body).decode()
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE REQUEST-----\n" +
    "\n".join(b64[i:i+64] for i in range(0, len(b64), 64)) + "\n-----END CERTIFICATE REQUEST-----\n")
PYEOF
expect_eq "a CSR with a bad signature is 400" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" -d "$(sign_body "$WORK/badsig.csr" "$(mint "$URL/1.0/sign" svc.local)")" "$URL/sign")"
unknown=$($PY "$HERE/tokens.py" token "$WORK/tester.pem" "$WORK/tester.jwk" nobody "$URL/1.0/sign" svc.local)
expect_eq "an unknown provisioner is 401" 401 "$(post_sign "$unknown")"
expect_eq "an unknown route is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" "$URL/nope")"
expect_eq "the server goes on serving" '{"status":"ok"}' "$(curl -s --cacert "$ROOT" "$URL/health")"

# --- 9. the request log ---------------------------------------------------------------------------
logline=$(grep '"path":"/1.0/sign"' "$WORK/ca.log" | grep '"status":201' | tail -1)
for field in request-id method path status duration provisioner serial user-agent; do
  expect_match "request log has $field" "\"$field\":" "$logline"
done
check_fails "the request log never holds a token" grep -q "$TOK" "$WORK/ca.log"
rid=$(curl -s -D - -o /dev/null --cacert "$ROOT" -H 'X-Request-Id: abc-123' "$URL/health" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-request-id"{print $2}')
expect_eq "X-Request-Id is echoed" abc-123 "$rid"

# --- 10. SIGTERM ends the server cleanly ----------------------------------------------------------
kill -TERM "$CA_PID"
wait "$CA_PID"
expect_eq "SIGTERM exits 0" 0 "$?"
finish
