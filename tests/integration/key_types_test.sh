#!/usr/bin/env bash
# Key types: CA keys made by `ca init --kty RSA` and `--kty EC --crv P-384`, a CA key stored as
# encrypted PKCS#8, and leaf keys of every supported type (EC P-256/384/521, Ed25519, RSA
# 2048-4096); RSA under 2048 bits is refused. usage: key_types_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
printf 'pw\n' >"$WORK/pw"

# serve_ca NAME INIT_FLAGS...: init a CA in $WORK/NAME and serve it; sets URL, ROOT, CA_PID.
serve_ca() {
  local name=$1; shift
  local port; port=$(free_port)
  export STEPPATH=$WORK/$name
  "$CAIRN" ca init --name "$name" --provisioner admin --dns 127.0.0.1 --address "127.0.0.1:$port" \
    --password-file "$WORK/pw" --provisioner-password-file "$WORK/pw" "$@" >"$WORK/$name-init.log" 2>&1 || return 1
  [ -n "${PKCS8:-}" ] && convert_pkcs8
  spawn "$name" "$CAIRN_CA" --password-file "$WORK/pw" "$STEPPATH/config/ca.json"
  CA_PID=$LAST_PID
  URL=https://127.0.0.1:$port
  ROOT=$STEPPATH/certs/root_ca.crt
  wait_https "$URL/health" "$ROOT" 30
}
convert_pkcs8() {
  local k=$STEPPATH/secrets/intermediate_ca_key
  openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$k" -passin pass:pw -passout pass:pw -out "$k.p8" &&
    mv "$k.p8" "$k"
}
leaf() {  # leaf NAME KEYFLAGS...: a certificate from the current CA
  local name=$1; shift
  (cd "$WORK" && "$CAIRN" ca certificate "$name" "$name.crt" "$name.key" --provisioner admin \
    --provisioner-password-file "$WORK/pw" --ca-url "$URL" --root "$ROOT" "$@")
}
key_text() { openssl x509 -in "$WORK/$1.crt" -noout -text | grep -E "Public Key Algorithm|Public-Key|ASN1 OID|NIST CURVE" | tr -s ' ' | tr '\n' ' '; }

# An RSA CA.
if serve_ca rsa-ca --kty RSA --size 3072; then pass "an RSA CA serves"; else fail "an RSA CA serves" "$(tail -5 "$WORK/rsa-ca-init.log" "$WORK/rsa-ca.log")"; fi
expect_match "its intermediate key is RSA 3072" "3072 bit" "$(openssl x509 -in "$STEPPATH/certs/intermediate_ca.crt" -noout -text)"
check "it issues" leaf rsa-ca-leaf
check "an RSA-signed chain verifies" openssl verify -CAfile "$ROOT" -untrusted "$WORK/rsa-ca-leaf.crt" "$WORK/rsa-ca-leaf.crt"
stop_pid "$CA_PID"

# A P-384 CA, with its intermediate key as encrypted PKCS#8.
if PKCS8=1 serve_ca p384-ca --kty EC --crv P-384; then pass "a P-384 CA with a PKCS#8 key serves"; else fail "a P-384 CA with a PKCS#8 key serves" "$(tail -5 "$WORK/p384-ca.log")"; fi
check "the intermediate key is encrypted PKCS#8" grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$STEPPATH/secrets/intermediate_ca_key"
expect_match "its intermediate is P-384" "secp384r1|P-384" "$(openssl x509 -in "$STEPPATH/certs/intermediate_ca.crt" -noout -text)"

# Leaf keys of every type from the P-384 CA.
check "EC P-256 leaf" leaf k-p256 --kty EC --crv P-256
check "EC P-384 leaf" leaf k-p384 --kty EC --crv P-384
check "EC P-521 leaf" leaf k-p521 --kty EC --crv P-521
check "Ed25519 leaf" leaf k-ed25519 --kty OKP --crv Ed25519
check "RSA 2048 leaf" leaf k-rsa2048 --kty RSA --size 2048
check "RSA 4096 leaf" leaf k-rsa4096 --kty RSA --size 4096
expect_match "P-521 key" "secp521r1|P-521" "$(key_text k-p521)"
expect_match "Ed25519 key" "ED25519" "$(key_text k-ed25519)"
expect_match "RSA 4096 key" "4096 bit" "$(key_text k-rsa4096)"
expect_match "RSA leaves also get keyEncipherment" "Digital Signature, Key Encipherment" \
  "$(openssl x509 -in "$WORK/k-rsa2048.crt" -noout -text)"
for k in k-p256 k-p384 k-p521 k-ed25519 k-rsa2048 k-rsa4096; do
  check "$k chain verifies" openssl verify -CAfile "$ROOT" -untrusted "$WORK/$k.crt" "$WORK/$k.crt"
done

# RSA 1024 is refused with 403 (a CSR made by openssl, since cairn will not make such a key).
openssl req -new -newkey rsa:1024 -nodes -keyout "$WORK/weak.key" -subj /CN=weak.local -out "$WORK/weak.csr" 2>/dev/null
TOK=$("$CAIRN" ca token weak.local --provisioner admin --provisioner-password-file "$WORK/pw" --ca-url "$URL" --root "$ROOT" 2>/dev/null)
body=$($PY -c 'import json,sys; print(json.dumps({"csr": open(sys.argv[1]).read(), "ott": sys.argv[2]}))' "$WORK/weak.csr" "$TOK")
expect_eq "an RSA 1024 CSR is 403" 403 "$(curl -s -o "$WORK/weak.json" -w '%{http_code}' --cacert "$ROOT" -d "$body" "$URL/1.0/sign")"
expect_match "and says why" "2048" "$(cat "$WORK/weak.json")"
check_fails "cairn refuses to make an RSA 1024 key" leaf k-rsa1024 --kty RSA --size 1024
finish
