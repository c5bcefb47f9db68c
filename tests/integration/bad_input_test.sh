#!/usr/bin/env bash
# The bad input catalogue (docs/security.md) against the real binaries: a CA made by `cairn ca
# init` with two more JWK provisioners, one with a custom template, and an ACME provisioner; then
# bad_input_http.py (CA API, HTTP layer, tokens, CSRs, names, templates, headers, paths) and
# bad_input_acme.py (ACME) send every class of bad input and check the status and the error
# shape; the CA's request log must show no 5xx for any of it, and the CA must still serve. Last,
# the CLI's parsers get the same garbage files.
# usage: bad_input_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")

PORT=$(free_port)
CA_HOME=$WORK/ca-home
CA_JSON=$CA_HOME/config/ca.json
export STEPPATH=$CA_HOME
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
"$CAIRN" ca init --name "Bad Input CA" --provisioner admin --dns 127.0.0.1 --dns localhost \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
check "ca init" test -s "$CA_JSON"
check "provisioners for the catalogue" env PYTHONPATH="$HERE" $PY "$HERE/bad_input_setup.py" "$CA_JSON" "$WORK"
ROOT=$CA_HOME/certs/root_ca.crt
URL=https://127.0.0.1:$PORT

spawn ca "$CAIRN_CA" --password-file "$WORK/pw" "$CA_JSON"
CA_PID=$LAST_PID
if wait_https "$URL/health" "$ROOT" 30; then pass "cairn-ca serves"; else
  fail "cairn-ca serves" "$(tail -20 "$WORK/ca.log")"; finish; fi

# A certificate of the first super admin (subject "step" of provisioner admin), for admin tokens.
tok=$("$CAIRN" ca token step --provisioner admin --provisioner-password-file "$WORK/ppw" 2>/dev/null)
check "an admin certificate" "$CAIRN" ca certificate step "$WORK/admin.crt" "$WORK/admin.key" --token "$tok"

# run_py NAME SCRIPT ARGS...: runs a catalogue script and counts its PASS/FAIL lines.
run_py() {
  local name=$1 out rc; shift
  out=$(cd "$WORK" && PYTHONPATH="$HERE" timeout 120 $PY "$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | grep -E '^(PASS|FAIL|     )'
  PASSED=$((PASSED + $(printf '%s\n' "$out" | grep -c '^PASS ')))
  FAILED=$((FAILED + $(printf '%s\n' "$out" | grep -c '^FAIL ')))
  if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
    fail "$name ran to the end (exit $rc)" "$(printf '%s' "$out" | tail -15)"
  fi
}
run_py "bad_input_http.py" "$HERE/bad_input_http.py" "$URL" "$ROOT" "$WORK"
run_py "bad_input_acme.py" "$HERE/bad_input_acme.py" "$URL" "$ROOT"

# Every bad request got a 4xx: none reached a 5xx (but 501 for what Cairn does not implement, and
# the one 500 step-ca answers too: template data that makes the rendered certificate JSON wrong),
# and the CA did not die.
check "the CA is still running" kill -0 "$CA_PID"
server_errors() {
  grep '"status":5[0-9][0-9]' "$WORK/ca.log" | grep -v '"status":501' |
    grep -v 'subject.commonName: must be a string'
}
expect_eq "no other request was answered 5xx" 0 "$(server_errors | wc -l)"
server_errors | head -5
check_fails "the request log holds no token" grep -q '"ott":"ey' "$WORK/ca.log"

# --- the CLI's parsers: garbage files fail with a message, never a crash ----------------------------
cd "$WORK"
printf 'garbage\n' >garbage.pem
head -c 300 /dev/urandom >random.der
{ echo '-----BEGIN CERTIFICATE-----'; head -c 300 /dev/urandom | base64; echo '-----END CERTIFICATE-----'; } >random.pem
head -c 200 "$ROOT" >truncated.pem
printf '%s\n' '-----BEGIN CERTIFICATE-----' '!!!!' '-----END CERTIFICATE-----' >badb64.pem
# cli_rejects NAME CMD...: exits 1 (not a signal, not 0) and says something on stderr.
cli_rejects() {
  local name=$1 rc err; shift
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -eq 1 ] && [ -n "$err" ]; then pass "$name: exit 1 with a message"; else
    fail "$name: exit 1 with a message" "exit $rc" "$err"; fi
}
for f in garbage.pem random.der random.pem truncated.pem badb64.pem; do
  cli_rejects "certificate inspect $f" "$CAIRN" certificate inspect "$f"
done
cli_rejects "certificate inspect of a directory" "$CAIRN" certificate inspect "$WORK"
cli_rejects "ssh inspect of garbage" "$CAIRN" ssh inspect garbage.pem
cli_rejects "crypto jwt inspect of garbage" sh -c "printf 'e30.!!.x' | '$CAIRN' crypto jwt inspect --insecure"
finish
