#!/usr/bin/env bash
# SSHPOP end to end: a host certificate from `cairn ssh certificate --host`, `cairn ssh renew`
# (new serial, same key, principals and validity length, judged by ssh-keygen -L) and
# `cairn ssh rekey` (a new key the certificate matches); a real sshd presenting the renewed and
# the rekeyed host certificates accepts logins through an @cert-authority known_hosts line;
# `cairn ssh revoke` with SSHPOP (and with the JWK provisioner), after which renew and rekey
# are refused with a clear message; SSHPOP tokens made independently (PyJWT) work once; bad
# input over curl (garbage ott, a user certificate for renew, an oversized body).
# usage: ssh_pop_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/ssh_lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in ssh-keygen curl; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done

unset SSH_AUTH_SOCK
export HOME=$WORK/home
mkdir -p "$HOME"
ssh_ca_up "$CAIRN" "$CAIRN_CA" || { fail "cairn-ca serves" "$(tail -20 "$WORK/init.log" "$WORK/ca.log")"; finish; }
pass "cairn-ca serves"
cd "$WORK" || exit 1

serial() { ssh-keygen -L -f "$1" | sed -n 's/^ *Serial: //p'; }
principals() { ssh-keygen -L -f "$1" | sed -n '/Principals:/,/Critical Options:/p' | sed '1d;$d' | tr -d ' '; }
keyfp() { ssh-keygen -l -f "$1" | awk '{print $2}'; }
span() {
  ssh-keygen -L -f "$1" | $PY -c '
import re, sys, datetime
m = re.search(r"Valid: from (\S+) to (\S+)", sys.stdin.read())
f = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S")
print(int((f(m.group(2)) - f(m.group(1))).total_seconds()))'
}
# poptoken CERT KEY AUD SUB: an SSHPOP token made with PyJWT, independently of Cairn, as step
# makes it: header sshpop = the certificate's wire bytes in standard base64, signed by its key.
poptoken() {
  $PY - "$@" <<'PY'
import secrets, sys, time
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
cert, keyfile, aud, sub = sys.argv[1:5]
key = serialization.load_ssh_private_key(open(keyfile, "rb").read(), password=None)
alg = "EdDSA" if isinstance(key, ed25519.Ed25519PrivateKey) else "ES256"
now = int(time.time())
claims = {"iss": "sshpop", "sub": sub, "aud": aud, "iat": now, "nbf": now, "exp": now + 300,
          "jti": secrets.token_hex(32)}
print(jwt.encode(claims, key, algorithm=alg, headers={"sshpop": open(cert).read().split()[1]}))
PY
}
# post PATH BODY: POST JSON to the CA; prints the HTTP status, the body goes to $WORK/resp.json.
post() {
  curl -s -o "$WORK/resp.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
    --data-binary "$2" "$URL$1"
}

# A host certificate for 127.0.0.1 (Ed25519, unencrypted OpenSSH key).
"$CAIRN" ssh certificate --host 127.0.0.1 "$WORK/host_key" --principal 127.0.0.1 --principal localhost \
  --provisioner admin --provisioner-password-file "$WORK/ppw" --no-password --insecure --kty OKP \
  >"$WORK/cert.log" 2>&1
check "ssh certificate --host" test -s "$WORK/host_key-cert.pub"
cp "$WORK/host_key-cert.pub" "$WORK/host_key-cert.orig.pub"
OLD_SERIAL=$(serial "$WORK/host_key-cert.pub")
OLD_SPAN=$(span "$WORK/host_key-cert.pub")
OLD_PRINCIPALS=$(principals "$WORK/host_key-cert.pub")

# Renew: same key, principals and validity length; a new serial.
sleep 1
out=$("$CAIRN" ssh renew --force "$WORK/host_key-cert.pub" "$WORK/host_key" 2>&1)
expect_match "ssh renew prints the certificate file" "Certificate: $WORK/host_key-cert.pub" "$out"
expect_match "ssh renew chose the SSHPOP provisioner" "Provisioner: sshpop \(SSHPOP\)" "$out"
L=$(ssh-keygen -L -f "$WORK/host_key-cert.pub" 2>&1)
expect_match "renew: still a host certificate" "ssh-ed25519-cert-v01@openssh.com host certificate" "$L"
NEW_SERIAL=$(serial "$WORK/host_key-cert.pub")
check "renew: a new serial ($OLD_SERIAL -> $NEW_SERIAL)" test -n "$NEW_SERIAL" -a "$NEW_SERIAL" != "$OLD_SERIAL"
expect_eq "renew: the same principals" "$OLD_PRINCIPALS" "$(principals "$WORK/host_key-cert.pub")"
expect_eq "renew: the same validity length" "$OLD_SPAN" "$(span "$WORK/host_key-cert.pub")"
expect_eq "renew: the same key" "$(keyfp "$WORK/host_key.pub")" "$(keyfp "$WORK/host_key-cert.pub")"
expect_match "renew: the same key id" "Key ID: \"127.0.0.1\"" "$L"
RENEWED_SERIAL=$NEW_SERIAL

# Renew into another file.
"$CAIRN" ssh renew --out "$WORK/renewed-cert.pub" "$WORK/host_key-cert.pub" "$WORK/host_key" >/dev/null 2>&1
check "renew --out writes a new certificate" test -s "$WORK/renewed-cert.pub"
expect_eq "renew --out leaves the input alone" "$RENEWED_SERIAL" "$(serial "$WORK/host_key-cert.pub")"

# Rekey: a new key, and a certificate for it.
out=$("$CAIRN" ssh rekey --out "$WORK/host2" --no-password --insecure --kty OKP \
  "$WORK/host_key-cert.pub" "$WORK/host_key" 2>&1)
expect_match "ssh rekey prints the new files" "Certificate: $WORK/host2-cert.pub" "$out"
check "rekey: ssh-keygen reads the new private key" ssh-keygen -y -f "$WORK/host2"
expect_eq "rekey: the private key matches the .pub" "$(cut -d' ' -f1,2 "$WORK/host2.pub")" "$(ssh-keygen -y -f "$WORK/host2" | cut -d' ' -f1,2)"
expect_eq "rekey: the certificate is for the new key" "$(keyfp "$WORK/host2.pub")" "$(keyfp "$WORK/host2-cert.pub")"
check "rekey: a new key" test "$(keyfp "$WORK/host2.pub")" != "$(keyfp "$WORK/host_key.pub")"
expect_eq "rekey: the same principals" "$OLD_PRINCIPALS" "$(principals "$WORK/host2-cert.pub")"
expect_eq "rekey: the same validity length" "$OLD_SPAN" "$(span "$WORK/host2-cert.pub")"
check "rekey: refuses --no-password without --insecure" bash -c "! '$CAIRN' ssh rekey --out '$WORK/x' --no-password '$WORK/host2-cert.pub' '$WORK/host2'"

# A real sshd presenting the renewed, then the rekeyed host certificate.
SSHD=/usr/sbin/sshd
if [ -x "$SSHD" ] && command -v ssh >/dev/null; then
  "$CAIRN" ssh certificate "$ME@example.com" "$WORK/id_ecdsa" --provisioner admin \
    --provisioner-password-file "$WORK/ppw" --no-password --insecure --no-agent >/dev/null 2>&1
  for host in host_key host2; do
    D=$WORK/sshd-$host
    sshd_up "$D" "$WORK/$host" "$WORK/$host-cert.pub" || fail "sshd listens" "$(tail -5 "$WORK/sshd-sshd-$host.log")"
    printf '@cert-authority 127.0.0.1 %s\n' "$(cat "$CA_HOME/certs/ssh_host_ca_key.pub")" >"$D/known_hosts"
    check "ssh login to sshd presenting the $host certificate (@cert-authority)" \
      sshc -i "$WORK/id_ecdsa" -o CertificateFile="$WORK/id_ecdsa-cert.pub" "$ME@127.0.0.1" true
  done
else
  fail "sshd and ssh are installed (scripts/install-deps.sh --with-tests)"
fi

# Tokens made by another implementation work, once.
TOK=$(poptoken "$WORK/host2-cert.pub" "$WORK/host2" "$URL/1.0/ssh/renew#sshpop/sshpop" "$(serial "$WORK/host2-cert.pub")")
code=$(post /1.0/ssh/renew "{\"ott\":\"$TOK\"}")
check "PyJWT SSHPOP token renews over /1.0/ssh/renew: 201 (got $code)" test "$code" = 201
expect_match "renew answer carries crt" '"crt":"' "$(cat "$WORK/resp.json")"
code=$(post /ssh/renew "{\"ott\":\"$TOK\"}")
check "the same token again: 401 (got $code)" test "$code" = 401
PUB=$(cut -d' ' -f2 "$WORK/id_ecdsa.pub")
TOK=$(poptoken "$WORK/host2-cert.pub" "$WORK/host2" "$URL/1.0/ssh/rekey#sshpop/sshpop" "$(serial "$WORK/host2-cert.pub")")
code=$(post /ssh/rekey "{\"ott\":\"$TOK\",\"publicKey\":\"$PUB\"}")
check "PyJWT SSHPOP token rekeys over /ssh/rekey: 201 (got $code)" test "$code" = 201

# Revoke with SSHPOP; then the certificate renews no more.
out=$("$CAIRN" ssh revoke --sshpop-cert "$WORK/host_key-cert.pub" --sshpop-key "$WORK/host_key" --reasonCode KeyCompromise 2>&1)
expect_match "ssh revoke (SSHPOP)" "SSH Certificate with Serial Number $RENEWED_SERIAL has been revoked" "$out"
out=$("$CAIRN" ssh renew --force "$WORK/host_key-cert.pub" "$WORK/host_key" 2>&1) && fail "renew of a revoked certificate refused" "$out" || pass "renew of a revoked certificate refused"
expect_match "renew refused: says revoked" "revoked" "$out"
out=$("$CAIRN" ssh rekey --force --no-password --insecure --out "$WORK/host3" "$WORK/host_key-cert.pub" "$WORK/host_key" 2>&1) && fail "rekey of a revoked certificate refused" "$out" || pass "rekey of a revoked certificate refused"
expect_match "rekey refused: says revoked" "revoked" "$out"
out=$("$CAIRN" ssh revoke --sshpop-cert "$WORK/host_key-cert.pub" --sshpop-key "$WORK/host_key" 2>&1) && fail "revoking twice refused" "$out" || pass "revoking twice refused"
expect_match "revoking twice: already revoked" "already revoked" "$out"
expect_eq "the certificate file was left alone" "$RENEWED_SERIAL" "$(serial "$WORK/host_key-cert.pub")"
# The original (never revoked) certificate still renews.
check "an unrevoked certificate of the same key still renews" \
  "$CAIRN" ssh renew --out "$WORK/orig-renewed-cert.pub" "$WORK/host_key-cert.orig.pub" "$WORK/host_key"

# Revoke with the JWK provisioner, by serial.
S2=$(serial "$WORK/host2-cert.pub")
out=$("$CAIRN" ssh revoke "$S2" --provisioner admin --provisioner-password-file "$WORK/ppw" 2>&1)
expect_match "ssh revoke <serial> (JWK)" "SSH Certificate with Serial Number $S2 has been revoked" "$out"
check_fails "renew after a JWK revocation refused" "$CAIRN" ssh renew --force "$WORK/host2-cert.pub" "$WORK/host2"

# Bad input.
code=$(post /1.0/ssh/renew '{"ott":"garbage"}')
check "garbage ott: 401 (got $code)" test "$code" = 401
expect_match "garbage ott: step-ca's error JSON" '"status":401' "$(cat "$WORK/resp.json")"
code=$(post /1.0/ssh/renew '{}')
check "missing ott: 400 (got $code)" test "$code" = 400
code=$(post /1.0/ssh/renew '{"ott":7}')
check "ott of the wrong type: 400 (got $code)" test "$code" = 400
code=$(post /1.0/ssh/rekey '{"ott":"x"}')
check "rekey without publicKey: 400 (got $code)" test "$code" = 400
TOK=$(poptoken "$WORK/host_key-cert.orig.pub" "$WORK/host_key" "$URL/1.0/ssh/rekey#sshpop/sshpop" "$OLD_SERIAL")
code=$(post /1.0/ssh/rekey "{\"ott\":\"$TOK\",\"publicKey\":\"AAAAC3NzaC1lZDI1NTE5AAAAIA\"}")
check "rekey with a malformed publicKey: 400 (got $code)" test "$code" = 400
TOK=$(poptoken "$WORK/id_ecdsa-cert.pub" "$WORK/id_ecdsa" "$URL/1.0/ssh/renew#sshpop/sshpop" "$(serial "$WORK/id_ecdsa-cert.pub")")
code=$(post /1.0/ssh/renew "{\"ott\":\"$TOK\"}")
check "sshpop header with a user certificate for renew: 400 (got $code)" test "$code" = 400
expect_match "user certificate: says host" "must be a host ssh certificate" "$(cat "$WORK/resp.json")"
TOK=$(poptoken "$WORK/host_key-cert.orig.pub" "$WORK/host2" "$URL/1.0/ssh/renew#sshpop/sshpop" "$OLD_SERIAL")
code=$(post /1.0/ssh/renew "{\"ott\":\"$TOK\"}")
check "token signed by another key than the certificate's: 401 (got $code)" test "$code" = 401
$PY -c 'import sys; sys.stdout.write("{\"ott\":\"" + "A" * (2 << 20) + "\"}")' >"$WORK/big.json"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
  --data-binary @"$WORK/big.json" "$URL/1.0/ssh/renew")
check "oversized body: 413 (got $code)" test "$code" = 413
finish
