#!/usr/bin/env bash
# ACME end to end with unmodified clients: certbot (standalone http-01; manual dns-01 with hooks
# writing TXT records into a real Knot DNS server; renew; revoke; EAB) and lego (http-01,
# tls-alpn-01, dns-01 through its exec provider; EAB; renew; revoke) against the real cairn-ca.
# Every name is resolved by the local Knot server (test.example: "* A 127.0.0.1"), which the CA
# is told to use with --resolver; the clients' challenge servers listen on free ports the CA is
# told with --acme-http-port / --acme-tls-port. Chains are checked with openssl, revocations in
# the CA's SQLite database.
# usage: acme_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in certbot lego knotd nsupdate openssl sqlite3; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done

PORT=$(free_port)
HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
KNOT_PORT=$(free_port)
CA_HOME=$WORK/ca-home
export STEPPATH=$CA_HOME
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
"$CAIRN" ca init --name "ACME CA" --provisioner admin --dns 127.0.0.1 \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
check "ca init" test -s "$CA_HOME/config/ca.json"
ROOT=$CA_HOME/certs/root_ca.crt
INTERMEDIATE=$CA_HOME/certs/intermediate_ca.crt
check "add an ACME provisioner with 90-day certificates" \
  "$CAIRN" ca provisioner add acme --type ACME --x509-default-dur 2160h --x509-max-dur 2160h
check "add an ACME provisioner that requires EAB" \
  "$CAIRN" ca provisioner add acme-eab --type ACME --require-eab
check "add a dns-01-only ACME provisioner" \
  "$CAIRN" ca provisioner add acme-dns --type ACME --challenge dns-01
# The administration API: `cairn ca acme eab` uses it as step's command does.
$PY - "$CA_HOME/config/ca.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["authority"]["enableAdmin"] = True
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
DB=$($PY -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["db"]["dataSource"])' "$CA_HOME/config/ca.json")
case "$DB" in /*) ;; *) DB=$CA_HOME/$DB ;; esac
case "$DB" in *.db | *.sqlite) ;; *) DB=$DB/cairn.db ;; esac  # a step-style db directory

# --- Knot: authoritative for test.example, RFC 2136 updates with a TSIG key -----------------------
TSIG_SECRET=$(head -c 32 /dev/urandom | base64)
K=$WORK/knot
mkdir -p "$K/run" "$K/db" "$K/zones"
cat >"$K/zones/test.example.zone" <<'ZONE'
$ORIGIN test.example.
$TTL 1
@   SOA ns.test.example. hostmaster.test.example. 1 3600 600 86400 1
@   NS  ns.test.example.
ns  A   127.0.0.1
@   A   127.0.0.1
*   A   127.0.0.1
ZONE
cat >"$K/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$KNOT_PORT
    rundir: "$K/run"
    user: $(id -un):$(id -gn)
log:
  - target: stderr
    any: warning
database:
    storage: "$K/db"
key:
  - id: acme-key
    algorithm: hmac-sha256
    secret: $TSIG_SECRET
acl:
  - id: acme-update
    address: 127.0.0.1
    key: acme-key
    action: update
template:
  - id: default
    storage: "$K/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: changes
zone:
  - domain: test.example
    acl: acme-update
CONF
spawn knot knotd -c "$K/knot.conf"
wait_for 20 sh -c "dig +short +time=1 +tries=1 @127.0.0.1 -p $KNOT_PORT www.test.example A | grep -q 127.0.0.1" ||
  { fail "knot answers" "$(tail -5 "$WORK/knot.log")"; finish; }
pass "knot answers for test.example"

# Hooks that put and remove TXT records (one per value: several may coexist).
cat >"$WORK/txt.sh" <<EOF
#!/bin/sh
# txt.sh add|del NAME VALUE
printf 'server 127.0.0.1 $KNOT_PORT\nupdate %s %s. 1 TXT "%s"\nsend\n' "\$1" "\$2" "\$3" |
  nsupdate -y hmac-sha256:acme-key:$TSIG_SECRET
EOF
cat >"$WORK/certbot-auth.sh" <<EOF
#!/bin/sh
exec "$WORK/txt.sh" add "_acme-challenge.\$CERTBOT_DOMAIN" "\$CERTBOT_VALIDATION"
EOF
cat >"$WORK/certbot-clean.sh" <<EOF
#!/bin/sh
exec "$WORK/txt.sh" delete "_acme-challenge.\$CERTBOT_DOMAIN" "\$CERTBOT_VALIDATION"
EOF
cat >"$WORK/lego-exec.sh" <<EOF
#!/bin/sh
# lego's exec provider: present|cleanup FQDN VALUE (FQDN has a trailing dot)
name=\${2%.}
case "\$1" in
  present) exec "$WORK/txt.sh" add "\$name" "\$3" ;;
  cleanup) exec "$WORK/txt.sh" delete "\$name" "\$3" ;;
esac
EOF
chmod +x "$WORK"/*.sh

# --- the CA ---------------------------------------------------------------------------------------
spawn ca "$CAIRN_CA" --password-file "$WORK/pw" --resolver "127.0.0.1:$KNOT_PORT" \
  --acme-http-port "$HTTP_PORT" --acme-tls-port "$TLS_PORT" "$CA_HOME/config/ca.json"
CA_PID=$LAST_PID
URL=https://127.0.0.1:$PORT
wait_https "$URL/health" "$ROOT" 30 || { fail "cairn-ca serves" "$(tail -20 "$WORK/ca.log")"; finish; }
DIR=$URL/acme/acme/directory
dir=$(curl -s --cacert "$ROOT" "$DIR")
expect_match "the directory names newOrder under the request's host" "\"newOrder\":\"$URL/acme/acme/new-order\"" "$dir"
expect_match "the EAB provisioner's directory says externalAccountRequired" '"externalAccountRequired":true' \
  "$(curl -s --cacert "$ROOT" "$URL/acme/acme-eab/directory")"
expect_eq "new-nonce answers HEAD with 200 and a Replay-Nonce" "200 1" \
  "$(curl -s -I --cacert "$ROOT" "$URL/acme/acme/new-nonce" -o "$WORK/nonce.h" -w '%{http_code}'; echo " $(grep -ci '^replay-nonce:' "$WORK/nonce.h")")"

# serial_of CERT: the decimal serial of a PEM certificate.
serial_of() { $PY -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)"; }
# lifetime_of CERT: notAfter - notBefore in seconds.
lifetime_of() {
  echo $(( $(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s) - \
           $(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s) ))
}
# verify_chain NAME CERT [CHAIN]: the leaf verifies against the root through the intermediate.
verify_chain() {
  check "$1" openssl verify -CAfile "$ROOT" -untrusted "${3:-$INTERMEDIATE}" "$2"
}
revocation_of() { sqlite3 "$DB" "SELECT reason_code, acme FROM revoked_x509_certs WHERE serial = '$1'"; }

# --- certbot ----------------------------------------------------------------------------------------
export REQUESTS_CA_BUNDLE=$ROOT
CB=(certbot --non-interactive --agree-tos --register-unsafely-without-email --server "$DIR"
    --config-dir "$WORK/cb/etc" --work-dir "$WORK/cb/work" --logs-dir "$WORK/cb/log")
check "certbot: standalone http-01 for two names" timeout 120 "${CB[@]}" certonly --standalone \
  --preferred-challenges http --http-01-address 127.0.0.1 --http-01-port "$HTTP_PORT" \
  -d test.example -d www.test.example
CERT=$WORK/cb/etc/live/test.example/cert.pem
verify_chain "certbot: the chain verifies with openssl" "$CERT" "$WORK/cb/etc/live/test.example/chain.pem"
text=$(openssl x509 -in "$CERT" -noout -text 2>/dev/null)
expect_match "certbot: both names are in the certificate" "DNS:test.example, DNS:www.test.example|DNS:www.test.example, DNS:test.example" "$text"
expect_match "certbot: the certificate carries the provisioner extension" "1\.3\.6\.1\.4\.1\.37476\.9000\.64\.1" "$text"
expect_eq "certbot: the provisioner's 90-day default lifetime" 7776000 "$(lifetime_of "$CERT")"

check "certbot: manual dns-01 with hooks, a wildcard too" timeout 120 "${CB[@]}" certonly --manual \
  --preferred-challenges dns --manual-auth-hook "$WORK/certbot-auth.sh" \
  --manual-cleanup-hook "$WORK/certbot-clean.sh" --cert-name dnsmanual \
  -d dns1.test.example -d '*.wild.test.example'
expect_match "certbot: the wildcard is in the certificate" 'DNS:\*\.wild\.test\.example' \
  "$(openssl x509 -in "$WORK/cb/etc/live/dnsmanual/cert.pem" -noout -text 2>/dev/null)"

old_serial=$(serial_of "$CERT")
check "certbot: forced renewal" timeout 180 "${CB[@]}" renew --force-renewal \
  --no-random-sleep-on-renew --cert-name test.example
new_serial=$(serial_of "$CERT")
check "certbot: the renewal is a new certificate" test "$old_serial" != "$new_serial"

check "certbot: revoke (keyCompromise)" timeout 60 "${CB[@]}" revoke --cert-path "$CERT" \
  --reason keycompromise --no-delete-after-revoke
expect_eq "certbot: the revocation is recorded with reason 1, as ACME" "1|1" "$(revocation_of "$new_serial")"

# EAB: refused without, accepted with a key made by `cairn ca acme eab add` through the admin API
# as the super admin "step" the CA created on first start (a certificate for it comes from the
# JWK provisioner "admin" on the way).
ADMIN=(--admin-subject step --admin-provisioner admin --password-file "$WORK/ppw")
CBE=(certbot --non-interactive --agree-tos --register-unsafely-without-email
     --server "$URL/acme/acme-eab/directory" --config-dir "$WORK/cbe/etc"
     --work-dir "$WORK/cbe/work" --logs-dir "$WORK/cbe/log")
out=$(timeout 60 "${CBE[@]}" register 2>&1)
expect_match "certbot: the EAB provisioner refuses an account without a binding" "external account" "$out"
eab=$("$CAIRN" ca acme eab add acme-eab certbot-user --json "${ADMIN[@]}" 2>"$WORK/eab.err")
KID=$(printf '%s' "$eab" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
HMAC=$(printf '%s' "$eab" | $PY -c 'import json,sys; print(json.load(sys.stdin)["hmacKey"])' 2>/dev/null)
check "cairn ca acme eab add makes a key through the admin API" test -n "$KID" -a -n "$HMAC"
expect_eq "the EAB key is 256 bits" 32 "$(printf '%s' "$HMAC" | $PY -c 'import base64,sys; s=sys.stdin.read().strip(); print(len(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))))' 2>/dev/null)"
expect_eq "the admin API recorded the key in the CA's database" "certbot-user" \
  "$(sqlite3 "$DB" "SELECT reference FROM acme_eab_keys WHERE id = '$KID'")"
out=$("$CAIRN" ca acme eab add acme-eab --admin-subject mallory --admin-provisioner admin \
  --password-file "$WORK/ppw" 2>&1)
expect_match "the admin API refuses a certificate whose subject is no admin" "unable to load admin" "$out"
out=$("$CAIRN" ca acme eab add acme "${ADMIN[@]}" 2>&1)
expect_match "the admin API refuses EAB keys for a provisioner without requireEAB" "EAB not enabled" "$out"
out=$(curl -s --cacert "$ROOT" -X POST -H 'Authorization: not-a-token' "$URL/admin/acme/eab/acme-eab")
expect_match "the admin API answers a bad token with step-ca's unauthorized error" '"type":"unauthorized"' "$out"
check "certbot: certificate with EAB" timeout 120 "${CBE[@]}" certonly --eab-kid "$KID" \
  --eab-hmac-key "$HMAC" --standalone --preferred-challenges http --http-01-address 127.0.0.1 \
  --http-01-port "$HTTP_PORT" -d eab.test.example
expect_match "cairn ca acme eab list (admin API) shows the key bound" "$KID .*certbot-user" \
  "$("$CAIRN" ca acme eab list acme-eab "${ADMIN[@]}" 2>&1)"
expect_match "cairn ca acme eab list --offline shows it too" "$KID .*certbot-user" \
  "$("$CAIRN" ca acme eab list acme-eab --offline 2>&1)"
out=$(timeout 60 certbot --non-interactive --agree-tos --register-unsafely-without-email \
  --server "$URL/acme/acme-eab/directory" --config-dir "$WORK/cbe2/etc" --work-dir "$WORK/cbe2/work" \
  --logs-dir "$WORK/cbe2/log" register --eab-kid "$KID" --eab-hmac-key "$HMAC" 2>&1)
expect_match "certbot: a bound EAB key does not bind a second account" "already bound" "$out"

# --- lego ---------------------------------------------------------------------------------------------
export LEGO_CA_CERTIFICATES=$ROOT
L=(lego --server "$DIR" --accept-tos --email admin@test.example --path "$WORK/lego")
check "lego: http-01" timeout 120 "${L[@]}" -d lego.test.example --http --http.port "127.0.0.1:$HTTP_PORT" run
verify_chain "lego: the chain verifies" "$WORK/lego/certificates/lego.test.example.crt"
check "lego: tls-alpn-01" timeout 120 "${L[@]}" -d alpn.test.example --tls --tls.port "127.0.0.1:$TLS_PORT" run
verify_chain "lego: the tls-alpn-01 chain verifies" "$WORK/lego/certificates/alpn.test.example.crt"
check "lego: dns-01 through the exec provider, a wildcard" env EXEC_PATH="$WORK/lego-exec.sh" \
  EXEC_PROPAGATION_TIMEOUT=30 EXEC_POLLING_INTERVAL=1 timeout 120 "${L[@]}" \
  -d '*.lego.test.example' --dns exec --dns.resolvers "127.0.0.1:$KNOT_PORT" --dns.disable-cp run
verify_chain "lego: the wildcard chain verifies" "$WORK/lego/certificates/_.lego.test.example.crt"
old_serial=$(serial_of "$WORK/lego/certificates/lego.test.example.crt")
check "lego: renew" timeout 120 "${L[@]}" -d lego.test.example --http --http.port "127.0.0.1:$HTTP_PORT" \
  renew --days 100000 --no-random-sleep
new_serial=$(serial_of "$WORK/lego/certificates/lego.test.example.crt")
check "lego: the renewal is a new certificate" test "$old_serial" != "$new_serial"
check "lego: revoke (reason 4)" timeout 60 "${L[@]}" -d lego.test.example revoke --reason 4 --keep
expect_eq "lego: the revocation is recorded with reason 4" "4|1" "$(revocation_of "$new_serial")"
out=$(timeout 60 "${L[@]}" -d lego.test.example revoke --reason 4 --keep 2>&1)
expect_match "lego: revoking again says alreadyRevoked" "alreadyRevoked" "$out"

eab=$("$CAIRN" ca acme eab add acme-eab --json --offline 2>&1)
KID=$(printf '%s' "$eab" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
HMAC=$(printf '%s' "$eab" | $PY -c 'import json,sys; print(json.load(sys.stdin)["hmacKey"])' 2>/dev/null)
check "lego: EAB account and certificate" timeout 120 lego --server "$URL/acme/acme-eab/directory" \
  --accept-tos --email eab@test.example --path "$WORK/lego-eab" --eab --kid "$KID" --hmac "$HMAC" \
  -d lego-eab.test.example --http --http.port "127.0.0.1:$HTTP_PORT" run
out=$(timeout 60 lego --server "$URL/acme/acme-eab/directory" --accept-tos --email x@test.example \
  --path "$WORK/lego-noeab" -d noeab.test.example --http --http.port "127.0.0.1:$HTTP_PORT" run 2>&1)
expect_match "lego: no EAB, no account" "[Ee]xternal [Aa]ccount" "$out"
# A key removed through the admin API binds nothing.
eab=$("$CAIRN" ca acme eab add acme-eab --json "${ADMIN[@]}" 2>/dev/null)
KID=$(printf '%s' "$eab" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
HMAC=$(printf '%s' "$eab" | $PY -c 'import json,sys; print(json.load(sys.stdin)["hmacKey"])' 2>/dev/null)
check "cairn ca acme eab remove (admin API)" "$CAIRN" ca acme eab remove acme-eab "$KID" "${ADMIN[@]}"
check_fails "the removed key is gone from the list" sh -c "'$CAIRN' ca acme eab list acme-eab --offline | grep -q '$KID'"
out=$(timeout 60 lego --server "$URL/acme/acme-eab/directory" --accept-tos --email r@test.example \
  --path "$WORK/lego-removed" --eab --kid "$KID" --hmac "$HMAC" -d removed.test.example --http \
  --http.port "127.0.0.1:$HTTP_PORT" run 2>&1)
expect_match "lego: a removed EAB key is refused" "[Ee]xternal [Aa]ccount|unauthorized|not found" "$out"

# A wrong answer: lego's http-01 server on a port the CA does not check -> the order fails with
# a problem naming the connection failure, and no certificate is issued.
WRONG_PORT=$(free_port)
out=$(timeout 120 "${L[@]}" -d wrong.test.example --http --http.port "127.0.0.1:$WRONG_PORT" run 2>&1)
expect_match "lego: an unanswered http-01 fails with a connection problem" "connection" "$out"
check_fails "lego: no certificate for the failed order" test -s "$WORK/lego/certificates/wrong.test.example.crt"

# --- cairn's own client, renewal information, and a provisioner added while serving -------------
check "cairn ca certificate with the ACME provisioner (standalone http-01)" timeout 120 \
  "$CAIRN" ca certificate own.test.example "$WORK/own.crt" "$WORK/own.key" --provisioner acme \
  --ca-url "$URL" --root "$ROOT" --http-listen "127.0.0.1:$HTTP_PORT"
verify_chain "cairn ca certificate: the chain verifies" "$WORK/own.crt"
ARI_ID=$($PY - "$CERT" <<'PY'
import base64, sys
from cryptography import x509
c = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
aki = c.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
n = c.serial_number
raw = n.to_bytes((n.bit_length() + 8) // 8, "big")  # DER INTEGER content, sign bit clear
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
print(b(aki) + "." + b(raw))
PY
)
ari=$(curl -s --cacert "$ROOT" "$URL/acme/acme/renewal-info/$ARI_ID")
expect_match "renewalInfo (RFC 9773) suggests a window for a revoked certificate" '"suggestedWindow":\{"end":"[0-9T:Z-]+","start"' "$ari"
check "add an ACME provisioner while the CA runs" "$CAIRN" ca provisioner add late --type ACME
kill -HUP "$CA_PID"
wait_for 10 sh -c "curl -sf --cacert '$ROOT' '$URL/acme/late/directory' | grep -q newAccount" &&
  pass "SIGHUP serves the new ACME provisioner" || fail "SIGHUP serves the new ACME provisioner" "$(tail -5 "$WORK/ca.log")"

# --- the CA keeps serving and logged no store errors ------------------------------------------------
check "cairn-ca is still up" kill -0 "$CA_PID"
check_fails "no store errors in the CA log" grep -qi "sqlite" "$WORK/ca.log"
finish
