#!/usr/bin/env bash
# Every kind of request at once against one cairn-ca, for the ThreadSanitizer stage of CI (and
# as a concurrency check in every other build): POST /sign over keep-alive connections
# (cairn-bench), whole ACME orders with http-01 answered for real (cairn-acme-bench), renewals
# over mTLS and revocations (cairn ca renew / revoke, each a new process and connection), and
# readers of the CRL, OCSP, roots and metrics, all in parallel for LOAD_SECONDS. Then every
# client must have had zero errors, every certificate issued by a loop must verify, every
# revoked one must be revoked by OCSP, the server must still answer and exit cleanly on SIGTERM,
# and no process may have printed a sanitizer report (lib.sh's finish checks the logs).
# usage: concurrent_load_test.sh CAIRN CAIRN_CA CAIRN_BENCH CAIRN_ACME_BENCH
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
CAIRN_BENCH=$(readlink -f "$3")
CAIRN_ACME_BENCH=$(readlink -f "$4")
LOAD_SECONDS=${LOAD_SECONDS:-15}
for tool in openssl curl; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done

PORT=$(free_port)
HTTP01_PORT=$(free_port)
METRICS_PORT=$(free_port)
NO_DNS_PORT=$(free_port)
CA_HOME=$WORK/ca-home
CA_JSON=$CA_HOME/config/ca.json
export STEPPATH=$CA_HOME
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
"$CAIRN" ca init --name "Load CA" --provisioner admin --dns 127.0.0.1 \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >"$WORK/init.log" 2>&1
check "ca init" test -s "$CA_JSON"
check "add an ACME provisioner" "$CAIRN" ca provisioner add acme --type ACME
$PY - "$CA_JSON" "$METRICS_PORT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["metricsAddress"] = "127.0.0.1:" + sys.argv[2]
c["crl"] = {"enabled": True}
c["ocsp"] = {"enabled": True}
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
ROOT=$CA_HOME/certs/root_ca.crt
INT=$CA_HOME/certs/intermediate_ca.crt
URL=https://127.0.0.1:$PORT
# ACME validation goes to the bench's own http-01 responder; names are never resolved (the
# orders are for the IP 127.0.0.1, and the resolver is a port where nobody listens).
spawn ca "$CAIRN_CA" "$CA_JSON" --password-file "$WORK/pw" --acme-http-port "$HTTP01_PORT" \
  --resolver "127.0.0.1:$NO_DNS_PORT"
CA_PID=$LAST_PID
wait_https "$URL/health" "$ROOT" 60 || { fail "cairn-ca serves" "$(tail -20 "$WORK/ca.log")"; finish; }
pass "cairn-ca serves"

# A certificate to renew, made before the load.
cd "$WORK" || exit 1
check "a certificate to renew" "$CAIRN" ca certificate renew.local renew.crt renew.key \
  --provisioner admin --provisioner-password-file "$WORK/ppw"

# The loops below run until the load generators are done (STOP appears), so that everything
# overlaps however long the generators take to prepare.
STOP=$WORK/stop
running() { [ ! -e "$STOP" ]; }
# renew_loop: renew one certificate over mTLS until the deadline, keeping each result.
renew_loop() {
  local n=0 bad=0
  while running; do
    if "$CAIRN" ca renew --force renew.crt renew.key >>renew.log 2>&1; then
      n=$((n + 1))
      cp renew.crt "renewed-$n.crt"
    else
      bad=$((bad + 1))
    fi
  done
  echo "$n $bad" >renew.count
}
# revoke_loop: issue a certificate, then revoke it with its own key (mTLS), until the deadline.
revoke_loop() {
  local n=0 bad=0
  while running; do
    if "$CAIRN" ca certificate "rv-$n.local" "rv-$n.crt" "rv-$n.key" --provisioner admin \
      --provisioner-password-file "$WORK/ppw" >>revoke.log 2>&1 &&
      "$CAIRN" ca revoke --cert "rv-$n.crt" --key "rv-$n.key" --reason "load test" \
        >>revoke.log 2>&1; then
      n=$((n + 1))
    else
      bad=$((bad + 1))
      break
    fi
  done
  echo "$n $bad" >revoke.count
}
# read_loop: CRL, roots, health and metrics, each answer checked (whole bodies: `grep -q` in a
# pipe would stop reading early and fail curl with a broken pipe under pipefail).
read_loop() {
  local n=0 bad=0 body
  while running; do
    if ! curl -sf --max-time 10 --cacert "$ROOT" "$URL/1.0/crl" -o crl.der ||
      ! openssl crl -inform DER -in crl.der -noout 2>/dev/null; then
      echo "crl failed" >>read.log
    elif ! body=$(curl -sf --max-time 10 --cacert "$ROOT" "$URL/roots") ||
      [[ $body != *'"crts"'* ]]; then
      echo "roots failed: ${body:0:200}" >>read.log
    elif ! body=$(curl -sf --max-time 10 --cacert "$ROOT" "$URL/health") ||
      [[ $body != *ok* ]]; then
      echo "health failed: ${body:0:200}" >>read.log
    elif ! body=$(curl -sf --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics") ||
      [[ $body != *step_ca* ]]; then
      echo "metrics failed: ${body:0:200}" >>read.log
    else
      n=$((n + 1))
      continue
    fi
    bad=$((bad + 1))
  done
  echo "$n $bad" >read.count
}

log "load for ${LOAD_SECONDS}s: sign, ACME, renew, revoke, readers"
"$CAIRN_BENCH" sign --url "$URL" --root "$ROOT" --connections 4 --duration "$LOAD_SECONDS" \
  --warmup 0 --requests-max 2000 --ca-config "$CA_JSON" --provisioner admin \
  --password-file "$WORK/ppw" \
  --server-pid "$CA_PID" --json >sign.json 2>sign.err &
SIGN_JOB=$!
"$CAIRN_ACME_BENCH" --directory "$URL/acme/acme/directory" --root "$ROOT" --concurrency 2 \
  --duration "$LOAD_SECONDS" --warmup 0 --http-listen "127.0.0.1:$HTTP01_PORT" \
  --identifier-ip 127.0.0.1 --server-pid "$CA_PID" --request-timeout 20 --json \
  >acme.json 2>acme.err &
ACME_JOB=$!
renew_loop &
RENEW_JOB=$!
revoke_loop &
REVOKE_JOB=$!
read_loop &
READ_JOB=$!
wait "$SIGN_JOB"
check "cairn-bench sign exits 0" test $? -eq 0
wait "$ACME_JOB"
check "cairn-acme-bench exits 0" test $? -eq 0
touch "$STOP"
wait "$RENEW_JOB" "$REVOKE_JOB" "$READ_JOB"

jget() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$@" 2>/dev/null; }
expect_eq "POST /sign: no errors" 0 "$(jget sign.json '["errors"]')"
expect_match "POST /sign: certificates issued" '^[1-9][0-9]*$' "$(jget sign.json '["requests"]')"
expect_eq "ACME: no errors" 0 "$(jget acme.json '["errors"]')"
expect_match "ACME: orders completed" '^[1-9][0-9]*$' "$(jget acme.json '["orders"]')"
read -r RENEWED RENEW_BAD <renew.count
read -r REVOKED REVOKE_BAD <revoke.count
read -r READS READ_BAD <read.count
log "sign $(jget sign.json '["requests"]') acme $(jget acme.json '["orders"]') renew $RENEWED" \
  "revoke $REVOKED reads $READS"
expect_eq "renewals: none failed" 0 "$RENEW_BAD"
expect_match "renewals done" '^[1-9][0-9]*$' "$RENEWED"
expect_eq "revocations: none failed" 0 "$REVOKE_BAD"
expect_match "revocations done" '^[1-9][0-9]*$' "$REVOKED"
[ "$READ_BAD" = 0 ] || log "failed reads: $(head -5 read.log 2>/dev/null)"
expect_eq "readers: no failed read" 0 "$READ_BAD"
expect_match "reads done" '^[1-9][0-9]*$' "$READS"

# Every renewed certificate chains to the root; the revoked ones are revoked by OCSP.
bad=0
for c in renewed-*.crt; do
  openssl verify -CAfile "$ROOT" -untrusted "$INT" "$c" >/dev/null 2>&1 || bad=$((bad + 1))
done
expect_eq "every renewed certificate verifies" 0 "$bad"
bad=0
for ((i = 0; i < REVOKED; i += (REVOKED / 5) + 1)); do
  out=$(timeout 20 openssl ocsp -issuer "$INT" -CAfile "$ROOT" -cert "rv-$i.crt" \
    -url "$URL/ocsp" 2>&1)
  grep -q "rv-$i.crt: revoked" <<<"$out" || bad=$((bad + 1))
done
expect_eq "revoked certificates are revoked by OCSP" 0 "$bad"

check "cairn-ca still serves" curl -sf --max-time 10 --cacert "$ROOT" "$URL/health"
kill -TERM "$CA_PID"
wait "$CA_PID"
expect_eq "cairn-ca exits 0 on SIGTERM" 0 "$?"
finish
