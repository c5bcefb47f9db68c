#!/usr/bin/env bash
# The ACME flow of `cairn ca certificate` against a real pebble (Debian package `pebble`) on
# 127.0.0.1: an IP identifier answered over http-01 by cairn's standalone server
# (--http-listen) and through --webroot, --not-after honoured, the chain verified with openssl
# against pebble's own root (/roots/0 on its management port); refusals for a missing trust
# anchor and conflicting flags. Pebble resolves no names: its DNS server is a port nobody
# serves. usage: acme_client_pebble_test.sh CAIRN [CAIRN_CA]
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
export STEPPATH=$WORK/step  # no default root or defaults.json from the real home

PEBBLE=$(command -v pebble || true)
if [ -z "$PEBBLE" ]; then
  fail "pebble is installed" "the Debian package 'pebble' is missing (scripts/install-deps.sh --with-tests)"
  finish
fi

# pebble's HTTPS certificate, from a throwaway root.
T=$WORK/tls
mkdir -p "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=pebble test root" \
  -keyout "$T/root.key" -out "$T/pebble-tls-root.pem" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$T/server.key" -out "$T/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$T/ext"
openssl x509 -req -in "$T/server.csr" -CA "$T/pebble-tls-root.pem" -CAkey "$T/root.key" -CAcreateserial \
  -days 2 -out "$T/server.pem" -extfile "$T/ext" 2>/dev/null
TLS_ROOT=$T/pebble-tls-root.pem

ACME_PORT=$(free_port)
MGMT_PORT=$(free_port)
HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
DNS_PORT=$(free_port)
cat >"$WORK/pebble.json" <<JSON
{ "pebble": {
    "listenAddress": "127.0.0.1:$ACME_PORT",
    "managementListenAddress": "127.0.0.1:$MGMT_PORT",
    "certificate": "$T/server.pem", "privateKey": "$T/server.key",
    "httpPort": $HTTP_PORT, "tlsPort": $TLS_PORT,
    "ocspResponderURL": "", "externalAccountBindingRequired": false } }
JSON
spawn pebble env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
  "$PEBBLE" -config "$WORK/pebble.json" -dnsserver "127.0.0.1:$DNS_PORT"
DIR=https://127.0.0.1:$ACME_PORT/dir
if wait_https "$DIR" "$TLS_ROOT" 20; then pass "pebble serves its directory"; else
  fail "pebble serves its directory" "$(tail -5 "$WORK/pebble.log")"; finish; fi
curl -sf --max-time 5 --cacert "$TLS_ROOT" "https://127.0.0.1:$MGMT_PORT/roots/0" >"$WORK/pebble-root.pem"
check "pebble's issuing root is a certificate" openssl x509 -in "$WORK/pebble-root.pem" -noout

acme() { (cd "$WORK" && timeout 60 "$CAIRN" ca certificate "$@"); }

# 1. Standalone http-01 for an IP identifier.
out=$(acme 127.0.0.1 ip.crt ip.key --acme "$DIR" --http-listen "127.0.0.1:$HTTP_PORT" \
  --root "$TLS_ROOT" --contact admin@example.com 2>&1)
rc=$?
if [ $rc -eq 0 ]; then pass "ca certificate --acme (standalone http-01)"; else
  fail "ca certificate --acme (standalone http-01)" "$out" "$(tail -5 "$WORK/pebble.log")"; fi
expect_match "progress names the standalone mode" "Using Standalone Mode HTTP challenge to validate 127.0.0.1" "$out"
expect_match "the certificate has the IP SAN" "IP Address:127.0.0.1" \
  "$(openssl x509 -in "$WORK/ip.crt" -noout -ext subjectAltName 2>&1)"
check "the chain verifies against pebble's root" \
  openssl verify -CAfile "$WORK/pebble-root.pem" -untrusted "$WORK/ip.crt" "$WORK/ip.crt"
check_fails "the chain does not verify against the TLS root" \
  openssl verify -CAfile "$TLS_ROOT" -untrusted "$WORK/ip.crt" "$WORK/ip.crt"
expect_eq "the crt file holds leaf and intermediate" "2" "$(grep -c 'BEGIN CERTIFICATE' "$WORK/ip.crt")"
expect_eq "the key matches the certificate" \
  "$(openssl x509 -in "$WORK/ip.crt" -noout -pubkey)" "$(openssl pkey -in "$WORK/ip.key" -pubout)"
expect_eq "the key file is 0600" "600" "$(stat -c %a "$WORK/ip.key")"
expect_match "the key is EC P-256 by default" "prime256v1|P-256" \
  "$(openssl pkey -in "$WORK/ip.key" -noout -text 2>&1)"

# 2. RSA key and a validity window (pebble honours the order's notAfter).
check "ca certificate --acme --kty RSA --not-after 48h" \
  acme 127.0.0.1 rsa.crt rsa.key --acme "$DIR" --http-listen "127.0.0.1:$HTTP_PORT" --root "$TLS_ROOT" \
  --kty RSA --size 2048 --not-after 48h
expect_match "the key is RSA 2048" "2048 bit" "$(openssl pkey -in "$WORK/rsa.key" -noout -text 2>&1)"
check "it expires after 47h" openssl x509 -in "$WORK/rsa.crt" -noout -checkend 169200
check_fails "it expires within 49h" openssl x509 -in "$WORK/rsa.crt" -noout -checkend 176400

# 3. Webroot mode, with an existing file server on the http-01 port.
mkdir -p "$WORK/www"
spawn www $PY -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$WORK/www"
WWW_PID=$LAST_PID
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/"
out=$(acme 127.0.0.1 web.crt web.key --acme "$DIR" --webroot "$WORK/www" --root "$TLS_ROOT" 2>&1)
if [ $? -eq 0 ]; then pass "ca certificate --acme --webroot"; else fail "ca certificate --acme --webroot" "$out"; fi
expect_match "progress names the webroot mode" "Using Webroot Mode HTTP challenge" "$out"
check "the webroot chain verifies" \
  openssl verify -CAfile "$WORK/pebble-root.pem" -untrusted "$WORK/web.crt" "$WORK/web.crt"
expect_eq "the challenge file is removed" "" "$(ls -A "$WORK/www/.well-known/acme-challenge" 2>/dev/null)"
stop_pid "$WWW_PID"

# 4. Refusals.
out=$(acme 127.0.0.1 x.crt x.key --acme "$DIR" --http-listen "127.0.0.1:$HTTP_PORT" 2>&1)
if [ $? -ne 0 ]; then pass "without --root the ACME server is not trusted"; else fail "without --root the ACME server is not trusted" "$out"; fi
out=$(acme 127.0.0.1 x.crt x.key --acme "$DIR" --standalone --webroot "$WORK/www" --root "$TLS_ROOT" 2>&1)
expect_match "--standalone and --webroot are exclusive" "mutually exclusive" "$out"
out=$(acme 127.0.0.1 x.crt x.key --acme "$DIR" --san me@example.com --root "$TLS_ROOT" \
  --http-listen "127.0.0.1:$HTTP_PORT" 2>&1)
expect_match "e-mail SANs are refused" "not supported for ACME" "$out"
out=$(acme 127.0.0.1 x.crt x.key --acme "$DIR" --offline --root "$TLS_ROOT" 2>&1)
expect_match "--offline is refused" "offline mode and ACME are mutually exclusive" "$out"
# Nobody answers the challenge: pebble's problem is reported.
out=$(acme 127.0.0.1 x.crt x.key --acme "$DIR" --webroot "$WORK/www" --root "$TLS_ROOT" 2>&1)
if [ $? -ne 0 ]; then pass "an unanswered challenge fails"; else fail "an unanswered challenge fails" "$out"; fi
expect_match "with pebble's connection problem" "http-01 challenge for 127.0.0.1" "$out"
check_fails "no certificate was written" test -e "$WORK/x.crt"

# 5. The same flow through a CA's ACME provisioner, found by name in its /provisioners (step's
# ErrACMEToken path): the directory is <ca-url>/acme/<name>/directory. Needs cairn-ca.
if [ -n "${2:-}" ]; then
  CAIRN_CA=$(readlink -f "$2")
  printf 'pw\n' >"$WORK/pw"
  CA_PORT=$(free_port)
  "$CAIRN" ca init --name acme-ca --provisioner admin --dns 127.0.0.1 --address "127.0.0.1:$CA_PORT" \
    --password-file "$WORK/pw" --provisioner-password-file "$WORK/pw" >"$WORK/init.log" 2>&1 &&
    "$CAIRN" ca provisioner add acme --type ACME >>"$WORK/init.log" 2>&1
  check "a CA with an ACME provisioner is set up" grep -q '"ACME"' "$STEPPATH/config/ca.json"
  spawn cairn-ca "$CAIRN_CA" --password-file "$WORK/pw" --acme-http-port "$HTTP_PORT" "$STEPPATH/config/ca.json"
  CA_URL=https://127.0.0.1:$CA_PORT
  CA_ROOT=$STEPPATH/certs/root_ca.crt
  if wait_https "$CA_URL/health" "$CA_ROOT" 30; then pass "cairn-ca serves"; else fail "cairn-ca serves" "$(tail -5 "$WORK/cairn-ca.log")"; fi
  out=$(acme 127.0.0.1 prov.crt prov.key --provisioner acme --ca-url "$CA_URL" --root "$CA_ROOT" \
    --http-listen "127.0.0.1:$HTTP_PORT" 2>&1)
  if [ $? -eq 0 ]; then pass "ca certificate --provisioner <ACME provisioner>"; else
    fail "ca certificate --provisioner <ACME provisioner>" "$out" "$(tail -5 "$WORK/cairn-ca.log")"; fi
  expect_match "the ACME provisioner was chosen" "Provisioner: acme \\(ACME\\)" "$out"
  check "its chain verifies against the CA's root" \
    openssl verify -CAfile "$CA_ROOT" -untrusted "$WORK/prov.crt" "$WORK/prov.crt"
  expect_match "with the IP SAN" "IP Address:127.0.0.1" \
    "$(openssl x509 -in "$WORK/prov.crt" -noout -ext subjectAltName 2>&1)"
fi

finish
