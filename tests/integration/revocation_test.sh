#!/usr/bin/env bash
# Active revocation end to end, judged by clients nobody here wrote: the real cairn-ca with CRLs
# (full and delta) and its OCSP responder on its HTTPS address and a plain-HTTP insecureAddress;
# `openssl ocsp` (POST, nonce and no nonce, foreign issuers), curl (RFC 6960 GET, RFC 5019
# caching headers), `openssl verify -crl_check` with the CRL fetched from the leaf's own CRL
# distribution point, `openssl crl`, and nginx stapling the CA's OCSP response
# (ssl_stapling_verify). Then bad OCSP input, a restart (CRL numbers keep increasing), and a CA
# with neither CRL nor OCSP (404s, passive revocation as before).
# usage: revocation_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in openssl curl nginx; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done

PORT=$(free_port)
HTTP_PORT=$(free_port)
NGINX_PORT=$(free_port)
CA_HOME=$WORK/ca-home
CA_JSON=$CA_HOME/config/ca.json
export STEPPATH=$CA_HOME
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
"$CAIRN" ca init --name "Revocation CA" --provisioner admin --dns 127.0.0.1 \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
check "ca init" test -s "$CA_JSON"
ROOT=$CA_HOME/certs/root_ca.crt
INT=$CA_HOME/certs/intermediate_ca.crt
CHAIN=$WORK/chain.pem
cat "$INT" "$ROOT" >"$CHAIN"
URL=https://127.0.0.1:$PORT
HTTP=http://127.0.0.1:$HTTP_PORT

# set_revocation CRL OCSP: turn CRLs (with deltas) and OCSP on or off in ca.json.
set_revocation() {
  $PY - "$CA_JSON" "$HTTP_PORT" "$1" "$2" <<'PY'
import json, sys
path, port, crl, ocsp = sys.argv[1], sys.argv[2], sys.argv[3] == "on", sys.argv[4] == "on"
c = json.load(open(path))
c["insecureAddress"] = "127.0.0.1:" + port
c["crl"] = {"enabled": crl, "delta": crl}
c["ocsp"] = {"enabled": ocsp}
json.dump(c, open(path, "w"), indent=2)
PY
}
start_ca() {
  spawn ca "$CAIRN_CA" "$CA_JSON" --password-file "$WORK/pw"
  CA_PID=$LAST_PID
  wait_https "$URL/health" "$ROOT" 30 || { fail "cairn-ca serves" "$(tail -20 "$WORK/ca.log")"; finish; }
}
set_revocation on on
start_ca
pass "cairn-ca serves with crl and ocsp enabled"

# serial_of CERT: the decimal serial; hex_serial_of CERT: openssl's hex spelling of it.
serial_of() { $PY -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)"; }
hex_serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
# issue NAME CRT KEY: a certificate by a one-time token of the admin provisioner.
issue() {
  local tok
  tok=$("$CAIRN" ca token "$1" --provisioner admin --password-file "$WORK/ppw" 2>/dev/null) &&
    "$CAIRN" ca certificate "$1" "$2" "$3" --token "$tok" >/dev/null 2>&1
}
# ocsp ARGS...: openssl ocsp against the intermediate, verifying with the root (stdout+stderr).
ocsp() { timeout 20 openssl ocsp -issuer "$INT" -CAfile "$ROOT" "$@" 2>&1; }
# post_ocsp URL BODY OUT [CURL ARGS...]: POST a DER request; prints the HTTP status.
post_ocsp() {
  local url=$1 body=$2 out=$3; shift 3
  curl -s --max-time 20 -o "$out" -w '%{http_code}' -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$body" "$@" "$url"
}
# respin DER: what openssl makes of a saved response (verified against the root).
respin() { openssl ocsp -respin "$1" -issuer "$INT" -CAfile "$ROOT" -resp_text 2>&1; }
# urlenc FILE: the RFC 6960 GET path element of a DER request (base64, then URL-encoded).
urlenc() { $PY -c 'import base64,sys,urllib.parse; print(urllib.parse.quote(base64.b64encode(open(sys.argv[1],"rb").read()).decode(), safe=""))' "$1"; }
header() { tr -d '\r' <"$1" | awk -F': ' -v h="$2" 'tolower($1)==tolower(h){print $2}'; }
crl_number() { openssl crl -inform DER -in "$1" -noout -crlnumber 2>/dev/null | cut -d= -f2; }

# --- the URLs the certificates carry ----------------------------------------------------------------
cd "$WORK" || exit 1
check "issue leaf.local" issue leaf.local leaf.crt leaf.key
check "issue 127.0.0.1 (for nginx)" issue 127.0.0.1 web.crt web.key
ext=$(openssl x509 -in leaf.crt -noout -ext crlDistributionPoints,authorityInfoAccess 2>&1)
expect_match "the leaf's CRL distribution point is the insecure /crl" "URI:$HTTP/crl\$" "$ext"
expect_match "the leaf's AIA names the OCSP responder" "OCSP - URI:$HTTP/ocsp\$" "$ext"
CDP=$(openssl x509 -in leaf.crt -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p' | head -1)
tls_cert=$(openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null |
  openssl x509 -noout -ext crlDistributionPoints,authorityInfoAccess 2>&1)
expect_match "the CA's own TLS certificate carries the CRL DP" "URI:$HTTP/crl" "$tls_cert"
expect_match "the CA's own TLS certificate carries the OCSP URL" "OCSP - URI:$HTTP/ocsp" "$tls_cert"
openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null | openssl x509 >"$WORK/ca-tls.crt"
out=$(ocsp -cert "$WORK/ca-tls.crt" -url "$HTTP/ocsp" 2>&1)
expect_match "OCSP knows the CA's own TLS certificate: good" "ca-tls.crt: good" "$out"
SERIAL=$(serial_of leaf.crt)
HEX=$(hex_serial_of leaf.crt)

# --- 1-3. OCSP before revocation ------------------------------------------------------------------
out=$(ocsp -cert leaf.crt -url "$HTTP/ocsp")
expect_match "openssl ocsp over http: Response verify OK" "^Response verify OK" "$out"
expect_match "openssl ocsp over http: good" "^leaf.crt: good" "$out"
out=$(ocsp -cert leaf.crt -url "$URL/ocsp")
expect_match "openssl ocsp over https: verify OK and good" "leaf.crt: good" "$out"
expect_match "openssl ocsp over https: Response verify OK" "^Response verify OK" "$out"

# A nonce (openssl's default) is echoed: openssl would warn "WARNING: no nonce in response" or
# report "Nonce Verify error" otherwise; the echoed value is the one sent.
out=$(ocsp -cert leaf.crt -url "$HTTP/ocsp" -reqout nonce.req -respout nonce.resp -resp_text)
expect_match "a nonce request: good" "Cert Status: good" "$out"
check_fails "a nonce request: no nonce warning or error" grep -Eqi "nonce (verify error|in response)|WARNING" <<<"$out"
req_nonce=$(openssl ocsp -reqin nonce.req -req_text | grep -A1 'OCSP Nonce' | tail -1 | tr -d ' ')
resp_nonce=$(openssl ocsp -respin nonce.resp -resp_text -noverify | grep -A1 'OCSP Nonce' | tail -1 | tr -d ' ')
check "the request carried a nonce" test -n "$req_nonce"
expect_eq "the response echoes the request's nonce" "$req_nonce" "$resp_nonce"
code=$(post_ocsp "$HTTP/ocsp" nonce.req nonce2.resp -D nonce2.h)
expect_eq "POST /ocsp is 200" 200 "$code"
expect_match "a nonce answer is not cacheable" "no-store" "$(header nonce2.h Cache-Control)"
check_fails "a nonce answer is signed afresh (not the same bytes twice)" cmp -s nonce.resp nonce2.resp

# -no_nonce: served from the pre-signed cache, the same bytes every time.
out=$(ocsp -cert leaf.crt -url "$HTTP/ocsp" -no_nonce -respout cached1.resp)
expect_match "a -no_nonce request: good" "leaf.crt: good" "$out"
check_fails "a -no_nonce answer has no nonce" grep -q "OCSP Nonce" <<<"$(respin cached1.resp)"

# curl POST to the HTTPS address, checked by openssl -respin.
openssl ocsp -issuer "$INT" -cert leaf.crt -no_nonce -reqout leaf.req >/dev/null 2>&1
code=$(post_ocsp "$URL/ocsp" leaf.req https.resp --cacert "$ROOT")
expect_eq "curl POST to https /ocsp is 200" 200 "$code"
out=$(respin https.resp)
expect_match "the https POST answer verifies" "Response verify OK" "$out"
expect_match "the https POST answer is good" "Cert Status: good" "$out"

# RFC 6960 GET on both listeners, RFC 5019 caching headers.
GETPATH=$(urlenc leaf.req)
code=$(curl -s --max-time 20 -D get.h -o get.resp -w '%{http_code}' "$HTTP/ocsp/$GETPATH")
expect_eq "GET /ocsp/<base64> is 200" 200 "$code"
expect_eq "GET answers application/ocsp-response" application/ocsp-response "$(header get.h Content-Type)"
out=$(respin get.resp)
expect_match "the GET answer verifies" "Response verify OK" "$out"
expect_match "the GET answer is good" "Cert Status: good" "$out"
expect_match "GET: Cache-Control max-age" "max-age=[1-9][0-9]*" "$(header get.h Cache-Control)"
expect_eq "GET: the ETag is the quoted SHA-256 of the response" "\"$(sha256sum get.resp | cut -d' ' -f1)\"" \
  "$(header get.h ETag)"
this_update=$(openssl ocsp -respin get.resp -noverify -resp_text | sed -n 's/^ *This Update: //p' | head -1)
expect_eq "GET: Last-Modified is the response's thisUpdate" "$(date -u -d "$this_update" +%s)" \
  "$(date -u -d "$(header get.h Last-Modified)" +%s)"
code=$(curl -s --max-time 20 --cacert "$ROOT" -o get-https.resp -w '%{http_code}' "$URL/ocsp/$GETPATH")
expect_eq "GET over https is 200" 200 "$code"
check "the https GET answer is the same cached one" cmp get.resp get-https.resp
# Some clients send the base64 without URL-encoding it ('/' and '+' as they are).
curl -s --max-time 20 --path-as-is -o get-raw.resp "$HTTP/ocsp/$(base64 -w0 leaf.req)"
check "GET with unencoded base64 gets the same answer" cmp get.resp get-raw.resp
sleep 1.1 # a fresh signature would carry a later producedAt and different bytes
ocsp -cert leaf.crt -url "$HTTP/ocsp" -no_nonce -respout cached2.resp >/dev/null
check "-no_nonce answers come from the cache (same bytes a second later)" cmp cached1.resp cached2.resp
check "GET and POST get the same cached answer" cmp cached1.resp get.resp

out=$(ocsp -sha256 -cert leaf.crt -url "$HTTP/ocsp" -resp_text)
expect_match "a SHA-256 CertID is answered in kind" "Hash Algorithm: sha256" "$out"
expect_match "a SHA-256 CertID: good" "^leaf.crt: good" "$out"
out=$(ocsp -cert leaf.crt -cert web.crt -serial 12345 -url "$HTTP/ocsp")
expect_match "one request for three certificates: all answered" \
  "leaf.crt: good.*web.crt: good.*12345: unknown" "$(tr '\n' ' ' <<<"$out")"
out=$(ocsp -serial 12345 -url "$HTTP/ocsp")
expect_match "an unknown serial is unknown" "^12345: unknown" "$out"
expect_match "the unknown answer verifies" "^Response verify OK" "$out"
out=$(openssl ocsp -issuer "$ROOT" -serial 12345 -url "$HTTP/ocsp" -CAfile "$ROOT" 2>&1)
expect_match "another issuer (the root) is unauthorized" "Responder Error: unauthorized" "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout foreign.key \
  -subj /CN=Foreign -days 1 -out foreign.pem >/dev/null 2>&1
out=$(openssl ocsp -issuer foreign.pem -serial "$SERIAL" -url "$HTTP/ocsp" -CAfile "$ROOT" 2>&1)
expect_match "a foreign CA is unauthorized" "Responder Error: unauthorized" "$out"

# --- 4. the CRL before revocation -----------------------------------------------------------------
check "the CRL DP URL is http://127.0.0.1:$HTTP_PORT/crl" test "$CDP" = "$HTTP/crl"
code=$(curl -s --max-time 20 -D crl0.h -o crl0.der -w '%{http_code}' "$CDP")
expect_eq "GET the CRL from the leaf's CRL DP is 200" 200 "$code"
expect_eq "the CRL is application/pkix-crl" application/pkix-crl "$(header crl0.h Content-Type)"
check "the CRL is DER openssl reads" openssl crl -inform DER -in crl0.der -noout
openssl crl -inform DER -in crl0.der -out crl0.pem 2>/dev/null
check "openssl crl verifies the CRL's signature" openssl crl -in crl0.pem -CAfile "$CHAIN" -noout
check "before revocation: openssl verify -crl_check passes" \
  openssl verify -crl_check -CAfile "$CHAIN" -CRLfile crl0.pem leaf.crt
N0=$(crl_number crl0.der)
check "the CRL has a number" test -n "$N0"

# --- 5. nginx staples the CA's OCSP answer for a Cairn leaf ---------------------------------------
NG=$WORK/nginx
mkdir -p "$NG/tmp"
cat web.crt "$INT" >"$NG/web-chain.pem"
cat >"$NG/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $NG/tmp; proxy_temp_path $NG/tmp;
  fastcgi_temp_path $NG/tmp; uwsgi_temp_path $NG/tmp; scgi_temp_path $NG/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $NG/web-chain.pem;
    ssl_certificate_key $WORK/web.key;
    ssl_stapling on;
    ssl_stapling_verify on;
    ssl_trusted_certificate $CHAIN;
    location / { return 200 "stapled\n"; }
  }
}
NGX
spawn nginx nginx -c "$NG/nginx.conf" -p "$NG" -e "$NG/error.log"
NGINX_PID=$LAST_PID
if wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$NGINX_PORT"; then
  staple=
  for _ in $(seq 20); do
    staple=$(timeout 10 openssl s_client -connect "127.0.0.1:$NGINX_PORT" -status -CAfile "$ROOT" \
      </dev/null 2>&1)
    grep -q "Cert Status: good" <<<"$staple" && break
    sleep 0.3
  done
  expect_match "nginx staples: OCSP Response Status: successful" "OCSP Response Status: successful" "$staple"
  expect_match "nginx staples: Cert Status: good" "Cert Status: good" "$staple"
  expect_match "the nginx handshake verifies against the root" "Verify return code: 0 \(ok\)" "$staple"
  check "curl --cert-status accepts nginx's staple" curl -s --max-time 10 --cert-status --cacert "$ROOT" \
    "https://127.0.0.1:$NGINX_PORT/"
else
  fail "nginx starts" "$(tail -5 "$NG/error.log")"
fi
stop_pid "$NGINX_PID"

# --- 1 (cont). revocation reaches OCSP before the revoke call returns -------------------------------
# Two seconds after the CA made its scheduled full CRL (the delta CRLs' base), so that the delta
# check below proves the delta accumulates what was revoked since its base.
sleep 2
check "cairn ca revoke --reasonCode 1" "$CAIRN" ca revoke "$SERIAL" --reasonCode 1 --provisioner admin \
  --password-file "$WORK/ppw"
out=$(ocsp -cert leaf.crt -url "$HTTP/ocsp" -no_nonce)
expect_match "right after the revoke, OCSP says revoked (cached, -no_nonce)" "^leaf.crt: revoked" "$out"
expect_match "OCSP: Reason: keyCompromise" "Reason: keyCompromise" "$out"
expect_match "OCSP: the revoked answer verifies" "^Response verify OK" "$out"
out=$(ocsp -cert leaf.crt -url "$HTTP/ocsp")
expect_match "with a nonce: revoked, keyCompromise" "Reason: keyCompromise" "$out"
out=$(ocsp -cert leaf.crt -url "$URL/ocsp")
expect_match "over https: revoked" "^leaf.crt: revoked" "$out"
curl -s --max-time 20 -o get-revoked.resp "$HTTP/ocsp/$GETPATH"
out=$(respin get-revoked.resp)
expect_match "GET: revoked" "Cert Status: revoked" "$out"
expect_match "GET: Revocation Reason: keyCompromise" "Revocation Reason: keyCompromise" "$out"
out=$(ocsp -cert web.crt -url "$HTTP/ocsp")
expect_match "another certificate stays good" "^web.crt: good" "$out"

# --- 4 (cont). the CRL within a second ------------------------------------------------------------
fetch_crl_revoked() {
  curl -s --max-time 5 -o crl1.der "$CDP" &&
    grep -q "Serial Number: $HEX" <<<"$(openssl crl -inform DER -in crl1.der -noout -text)"
}
check "the CRL lists the serial within 2 s" wait_for 2 fetch_crl_revoked
openssl crl -inform DER -in crl1.der -out crl1.pem 2>/dev/null
out=$(openssl verify -crl_check -CAfile "$CHAIN" -CRLfile crl1.pem leaf.crt 2>&1)
check_fails "after revocation: openssl verify -crl_check fails" \
  openssl verify -crl_check -CAfile "$CHAIN" -CRLfile crl1.pem leaf.crt
expect_match "openssl verify says: certificate revoked" "certificate revoked" "$out"
check "web.crt still verifies against the new CRL" \
  openssl verify -crl_check -CAfile "$CHAIN" -CRLfile crl1.pem web.crt
crl_text=$(openssl crl -inform DER -in crl1.der -noout -text)
expect_match "openssl crl -text: the CRL number" "X509v3 CRL Number" "$crl_text"
expect_match "openssl crl -text: the reason" "Key Compromise" "$crl_text"
N1=$(crl_number crl1.der)
check "the CRL number increased with the revocation ($N0 -> $N1)" test "$((N1))" -gt "$((N0))"
code=$(curl -s --max-time 20 -o crl1-pem.pem -w '%{http_code}' "$CDP?pem")
expect_eq "GET /crl?pem is 200" 200 "$code"
expect_match "?pem is a PEM CRL" "^-----BEGIN X509 CRL-----" "$(cat crl1-pem.pem)"
expect_match "?pem lists the serial" "Serial Number: $HEX" "$(openssl crl -in crl1-pem.pem -noout -text 2>&1)"
code=$(curl -s --max-time 20 --cacert "$ROOT" -o crl-https.der -w '%{http_code}' "$URL/1.0/crl")
expect_eq "GET https /1.0/crl is 200" 200 "$code"
expect_match "/1.0/crl over https lists the serial" "Serial Number: $HEX" \
  "$(openssl crl -inform DER -in crl-https.der -noout -text 2>&1)"
code=$(curl -s --max-time 20 -o delta.der -w '%{http_code}' "$HTTP/crl/delta")
expect_eq "GET /crl/delta is 200" 200 "$code"
delta_text=$(openssl crl -inform DER -in delta.der -noout -text 2>&1)
expect_match "the delta CRL has a Delta CRL Indicator" "Delta CRL Indicator: critical" "$delta_text"
expect_match "the delta CRL lists the revoked serial" "Serial Number: $HEX" "$delta_text"
expect_match "the full CRL points to the delta (Freshest CRL)" "URI:$HTTP/crl/delta" "$crl_text"

# --- 6. bad input -----------------------------------------------------------------------------------
# bad_post NAME FILE WANT: POST FILE; HTTP 200 with OCSP responder error WANT.
bad_post() {
  local code out
  code=$(post_ocsp "$HTTP/ocsp" "$2" bad.resp)
  out=$(openssl ocsp -respin bad.resp -noverify -resp_text 2>&1)
  expect_eq "$1: HTTP 200" 200 "$code"
  expect_match "$1: $3" "Responder Error: $3" "$out"
}
printf 'this is not an OCSP request' >garbage.bin
bad_post "garbage" garbage.bin malformedrequest
head -c 40 leaf.req >truncated.bin
bad_post "truncated DER" truncated.bin malformedrequest
: >empty.bin
bad_post "an empty body" empty.bin malformedrequest
code=$(curl -s --max-time 20 -o bad.resp -w '%{http_code}' "$HTTP/ocsp/%21%21not-base64%2A%2A")
expect_eq "GET with invalid base64: HTTP 200" 200 "$code"
expect_match "GET with invalid base64: malformedrequest" "Responder Error: malformedrequest" \
  "$(openssl ocsp -respin bad.resp -noverify -resp_text 2>&1)"
$PY - leaf.req unknown-hash.bin <<'PY'
import sys
der = open(sys.argv[1], "rb").read()
sha1 = bytes.fromhex("06052B0E03021A")  # OID 1.3.14.3.2.26
assert der.count(sha1) == 1, der.hex()
open(sys.argv[2], "wb").write(der.replace(sha1, bytes.fromhex("06052B0E03021B")))
PY
bad_post "an unknown CertID hash algorithm" unknown-hash.bin unauthorized
head -c 102400 /dev/urandom >huge.bin
code=$(post_ocsp "$HTTP/ocsp" huge.bin bad.resp)
huge_out=$(openssl ocsp -respin bad.resp -noverify -resp_text 2>&1)
if [ "$code" = 413 ] || grep -q "Responder Error" <<<"$huge_out"; then
  pass "a 100 KB request: HTTP 413 or an OCSP error (got $code)"
else fail "a 100 KB request: HTTP 413 or an OCSP error" "HTTP $code" "$huge_out"; fi
code=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$HTTP/ocsp/$(head -c 75000 /dev/urandom | base64 -w0 |
  $PY -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.stdin.read().strip(), safe=""))')")
check "a 100 KB GET URL gets a 4xx or an OCSP error, not a dropped connection (got $code)" \
  test "$code" -ge 200 -a "$code" -lt 500
check "the CA is still up after bad input" kill -0 "$CA_PID"
out=$(ocsp -cert web.crt -url "$HTTP/ocsp")
expect_match "and still answers OCSP" "^web.crt: good" "$out"

# --- 4 (cont). CRL numbers keep increasing across a restart; revocations survive it ---------------
curl -s --max-time 20 -o before.der "$HTTP/crl"
NB=$(crl_number before.der)
stop_pid "$CA_PID"
check_fails "the CA is stopped" curl -s --max-time 2 --cacert "$ROOT" "$URL/health"
start_ca
curl -s --max-time 20 -o after.der "$HTTP/crl"
NA=$(crl_number after.der)
check "the CRL number strictly increases across a restart ($NB -> $NA)" test -n "$NB" -a -n "$NA" -a \
  "$((NA))" -gt "$((NB))"
expect_match "after the restart the CRL still lists the serial" "Serial Number: $HEX" \
  "$(openssl crl -inform DER -in after.der -noout -text 2>&1)"
out=$(ocsp -cert leaf.crt -url "$HTTP/ocsp" -no_nonce)
expect_match "after the restart OCSP still says revoked" "^leaf.crt: revoked" "$out"

# --- 7. neither CRL nor OCSP: 404s, passive revocation as before ------------------------------------
stop_pid "$CA_PID"
set_revocation off off
start_ca
expect_eq "without crl: https /crl is 404" 404 \
  "$(curl -s --max-time 20 --cacert "$ROOT" -o /dev/null -w '%{http_code}' "$URL/crl")"
expect_eq "without crl: /1.0/crl is 404" 404 \
  "$(curl -s --max-time 20 --cacert "$ROOT" -o /dev/null -w '%{http_code}' "$URL/1.0/crl")"
expect_eq "without crl: http /crl is 404" 404 "$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$HTTP/crl")"
expect_eq "without ocsp: POST /ocsp is 404" 404 "$(post_ocsp "$URL/ocsp" leaf.req /dev/null --cacert "$ROOT")"
check "issue passive.local" issue passive.local passive.crt passive.key
check_fails "without crl/ocsp the certificate has no CRL DP or AIA OCSP" grep -Eq "URI:" \
  <<<"$(openssl x509 -in passive.crt -noout -ext crlDistributionPoints,authorityInfoAccess 2>&1)"
check "passive revoke works" "$CAIRN" ca revoke "$(serial_of passive.crt)" --reasonCode 1 \
  --provisioner admin --password-file "$WORK/ppw"
check_fails "renewing the revoked certificate is refused" "$CAIRN" ca renew passive.crt passive.key --force
check "the CA is still up" kill -0 "$CA_PID"
finish
