#!/usr/bin/env bash
# A ca.json and PKI written the way step-ca writes them (by openssl and Python, not by Cairn)
# loads and serves; its legacy provisioner key (PBES2 p2c=100000, A128GCM) works with `cairn`.
# usage: stepca_config_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
PORT=$(free_port)
HOME_DIR=$WORK/step
printf 'prov-pass\n' >"$WORK/ppw"
$PY "$HERE/stepca_pki.py" "$HOME_DIR" "$PORT" "password" "prov-pass" || { fail "build the step-style PKI"; finish; }
ROOT=$HOME_DIR/certs/root_ca.crt
URL=https://127.0.0.1:$PORT

# The password comes from ca.json; relative paths would resolve against STEPPATH.
spawn ca env STEPPATH="$HOME_DIR" "$CAIRN_CA" "$HOME_DIR/config/ca.json"
if wait_https "$URL/health" "$ROOT" 30; then pass "a step-style ca.json serves"; else
  fail "a step-style ca.json serves" "$(tail -20 "$WORK/ca.log")"; finish; fi
provs=$(curl -s --cacert "$ROOT" "$URL/provisioners")
expect_match "the JWK provisioner is listed" '"name":"mariano"' "$provs"
expect_match "the ACME provisioner is listed" '"type":"ACME"' "$provs"
expect_match "the OIDC provisioner is listed as not served yet" '"state":"Uninitialized"' "$provs"
check_fails "an unknown provisioner type is skipped" sh -c "printf '%s' '$provs' | grep -q FUTURE-TYPE"
fed=$(curl -s --cacert "$ROOT" "$URL/federation" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["crts"]))')
expect_eq "/federation lists root and federated root" 2 "$fed"
kid=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["kid"])' "$HOME_DIR/provisioner.jwk")
expect_match "/provisioners/{kid}/encrypted-key" '"key":"eyJ' "$(curl -s --cacert "$ROOT" "$URL/provisioners/$kid/encrypted-key")"

export STEPPATH=$WORK/client
FP=$(openssl x509 -in "$ROOT" -outform DER | sha256sum | cut -d' ' -f1)
check "bootstrap against the step-style CA" "$CAIRN" ca bootstrap --ca-url "$URL" --fingerprint "$FP"
cd "$WORK"
check "a certificate with the legacy encrypted provisioner key" \
  "$CAIRN" ca certificate app.smallstep.test app.crt app.key --provisioner mariano \
  --provisioner-password-file "$WORK/ppw"
text=$(openssl x509 -in app.crt -noout -text)
expect_match "authority.template fills the subject" "C ?= ?US.*O ?= ?Smallstep.*CN ?= ?app.smallstep.test|C ?= ?US, L ?= ?San Francisco, O ?= ?Smallstep, CN ?= ?app.smallstep.test" "$text"
dur=$(( $(date -d "$(openssl x509 -in app.crt -noout -enddate | cut -d= -f2)" +%s) - \
        $(date -d "$(openssl x509 -in app.crt -noout -startdate | cut -d= -f2)" +%s) ))
expect_eq "provisioner claims set the default lifetime (2h, backdate 0s)" 7200 "$dur"
check "the chain verifies" openssl verify -CAfile "$ROOT" -untrusted app.crt app.crt
finish
