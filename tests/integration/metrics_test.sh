#!/usr/bin/env bash
# Prometheus metrics on ca.json's metricsAddress, scraped and parsed by prometheus_client's own
# text-format parser: the page is well-formed, and the counters move as a user's requests
# (issuance, replays, bad tokens, renewals, revocations, unknown routes) say they must.
# usage: metrics_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")

PORT=$(free_port)
MPORT=$(free_port)
CA_HOME=$WORK/ca-home
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
STEPPATH=$CA_HOME "$CAIRN" ca init --name "Metrics CA" --provisioner admin --dns 127.0.0.1 \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
check "ca init" test -s "$CA_HOME/config/ca.json"

# A provisioner whose key PyJWT holds, for hand-made (expired, tampered, ...) tokens.
$PY "$HERE/tokens.py" keygen "$WORK/tester.pem" "$WORK/tester.jwk"
$PY - "$CA_HOME/config/ca.json" "$WORK/tester.jwk" "127.0.0.1:$MPORT" <<'PYEOF'
import json, sys
path, jwk_path, maddr = sys.argv[1:4]
cfg = json.load(open(path))
cfg["metricsAddress"] = maddr
cfg["authority"]["provisioners"].append(
    {"type": "JWK", "name": "tester", "key": json.load(open(jwk_path))})
json.dump(cfg, open(path, "w"), indent="\t")
PYEOF

ROOT=$CA_HOME/certs/root_ca.crt
URL=https://127.0.0.1:$PORT
MURL=http://127.0.0.1:$MPORT/metrics
STEPPATH=$CA_HOME spawn ca "$CAIRN_CA" --password-file "$WORK/pw" "$CA_HOME/config/ca.json"
if wait_https "$URL/health" "$ROOT" 30; then pass "cairn-ca serves"; else
  fail "cairn-ca serves" "$(tail -20 "$WORK/ca.log")"; finish; fi
wait_for 10 curl -sf "$MURL" || true

m() { $PY "$HERE/scrape_metrics.py" "$MURL" "$@" 2>&1; }
mint() { $PY "$HERE/tokens.py" token "$WORK/tester.pem" "$WORK/tester.jwk" tester "$@"; }

# --- the page ------------------------------------------------------------------------------------
expect_match "prometheus_client parses the whole page" '^ok [0-9]+ families$' "$(m --check)"
expect_eq "build info" 1 "$(m cairn_build_info version=0.1.0)"
expect_match "build info names OpenSSL" 'openssl="OpenSSL 3' "$(curl -s "$MURL" | grep '^cairn_build_info')"
expect_eq "signed_total is a counter" counter "$(m --type step_ca_x509_signed_total)"
expect_eq "request latency is a histogram" histogram "$(m --type cairn_http_request_duration_seconds)"
expect_eq "commit latency is a histogram" histogram "$(m --type cairn_store_commit_duration_seconds)"
expect_eq "commit batch size is a histogram" histogram "$(m --type cairn_store_commit_batch_size)"
expect_eq "open connections is a gauge" gauge "$(m --type cairn_http_open_connections)"
expect_eq "nothing signed yet" 0 "$(m step_ca_x509_signed_total)"
expect_match "resident memory is reported" '^[1-9][0-9]{6,}$' "$(m process_resident_memory_bytes)"
expect_match "open fds are reported" '^[1-9][0-9]*$' "$(m process_open_fds)"
expect_eq "the CA listener itself does not serve /metrics" 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" "$URL/metrics")"

# --- issuance ------------------------------------------------------------------------------------
csr() {  # csr NAME: a P-256 CSR for NAME, as JSON-ready PEM
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$1.key" \
    -subj "/CN=$1" -addext "subjectAltName=DNS:$1" 2>/dev/null
}
sign() {  # sign NAME TOKEN: POST /1.0/sign, prints the status; the response goes to $WORK/NAME.json
  local body
  body=$($PY -c 'import json,sys; print(json.dumps({"csr": sys.stdin.read(), "ott": sys.argv[1]}))' "$2" < <(csr "$1"))
  curl -s -o "$WORK/$1.json" -w '%{http_code}' --cacert "$ROOT" -H 'Content-Type: application/json' \
    --data-binary "$body" "$URL/1.0/sign"
}

TOK=$(mint "$URL/1.0/sign" svc.local)
expect_eq "sign with a good token" 201 "$(sign svc.local "$TOK")"
expect_eq "signed{tester,true} moved to 1" 1 "$(m step_ca_x509_signed_total provisioner=tester success=true)"
# step-ca names it step_ca_kms_signed; the parser reports counters with their _total suffix.
expect_eq "kms signatures counted" 1 "$(m step_ca_kms_signed_total)"
expect_eq "requests{POST,/1.0/sign,201}" 1 \
  "$(m cairn_http_requests_total method=POST route=/1.0/sign code=201)"
expect_eq "latency histogram counted the sign" 1 \
  "$(m cairn_http_request_duration_seconds_count route=/1.0/sign)"
expect_eq "latency +Inf bucket equals the count" 1 \
  "$(m cairn_http_request_duration_seconds_bucket route=/1.0/sign le=+Inf)"
expect_match "the store committed" '^[1-9][0-9]*$' "$(m cairn_store_commit_duration_seconds_count)"
expect_match "batch sizes observed" '^[1-9][0-9]*$' "$(m cairn_store_commit_batch_size_count)"
expect_eq "no failed commits" 0 "$(m cairn_store_failed_commits_total)"

# --- refused tokens, by reason -------------------------------------------------------------------
cp "$WORK/svc.local.json" "$WORK/svc.json"
cp "$WORK/svc.local.key" "$WORK/svc.key"
expect_eq "a replayed token is 401" 401 "$(sign svc.local "$TOK")"
expect_eq "rejections{replayed}" 1 "$(m cairn_token_rejections_total reason=replayed)"
expect_eq "signed{tester,false} counts the replay" 1 "$(m step_ca_x509_signed_total provisioner=tester success=false)"
expect_eq "the replay stored nothing: signed{true} still 1" 1 "$(m step_ca_x509_signed_total provisioner=tester success=true)"
expect_eq "an expired token is 401" 401 "$(sign a.local "$(mint "$URL/1.0/sign" a.local --exp-offset -120)")"
expect_eq "rejections{expired}" 1 "$(m cairn_token_rejections_total reason=expired)"
expect_eq "a future token is 401" 401 "$(sign b.local "$(mint "$URL/1.0/sign" b.local --nbf-offset 600)")"
expect_eq "rejections{not_yet_valid}" 1 "$(m cairn_token_rejections_total reason=not_yet_valid)"
expect_eq "a tampered token is 401" 401 "$(sign c.local "$(mint "$URL/1.0/sign" c.local --tamper)")"
expect_eq "rejections{signature}" 1 "$(m cairn_token_rejections_total reason=signature)"
expect_eq "a token from before the CA started is 401" 401 \
  "$(sign d.local "$(mint "$URL/1.0/sign" d.local --iat-offset -3600 --nbf-offset -3600)")"
expect_eq "rejections{issued_before_start}" 1 "$(m cairn_token_rejections_total reason=issued_before_start)"
unknown=$($PY "$HERE/tokens.py" token "$WORK/tester.pem" "$WORK/tester.jwk" nobody "$URL/1.0/sign" e.local)
expect_eq "an unknown provisioner is 401" 401 "$(sign e.local "$unknown")"
expect_eq "rejections{unknown_provisioner}" 1 "$(m cairn_token_rejections_total reason=unknown_provisioner)"
expect_eq "garbage is 401" 401 "$(sign f.local not-a-token)"
expect_eq "rejections{malformed}" 1 "$(m cairn_token_rejections_total reason=malformed)"
expect_eq "failures before a provisioner was found carry provisioner=\"\"" 2 \
  "$(m step_ca_x509_signed_total provisioner= success=false)"
expect_eq "all failed signs counted" 7 "$(m step_ca_x509_signed_total success=false)"

# --- renew, revoke, routes -----------------------------------------------------------------------
$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["crt"])' "$WORK/svc.json" >"$WORK/svc.crt"
expect_eq "renew over mTLS" 201 "$(curl -s -o "$WORK/renew.json" -w '%{http_code}' --cacert "$ROOT" \
  --cert "$WORK/svc.crt" --key "$WORK/svc.key" -X POST "$URL/1.0/renew")"
expect_eq "renewed{tester,true}" 1 "$(m step_ca_x509_renewed_total provisioner=tester success=true)"
serial=$(openssl x509 -in "$WORK/svc.crt" -noout -serial | cut -d= -f2)
serial=$($PY -c 'import sys; print(int(sys.argv[1], 16))' "$serial")
rtok=$(mint "$URL/1.0/revoke" "$serial")
expect_eq "revoke by token" 200 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ROOT" \
  -H 'Content-Type: application/json' --data-binary "{\"serial\":\"$serial\",\"ott\":\"$rtok\",\"passive\":true}" \
  "$URL/1.0/revoke")"
expect_eq "revoked{tester,true}" 1 "$(m step_ca_x509_revoked_total provisioner=tester success=true)"
before=$(m cairn_http_requests_total method=GET route= code=404)
curl -s -o /dev/null --cacert "$ROOT" "$URL/no/such/route"
curl -s -o /dev/null --cacert "$ROOT" "$URL/another/unknown/path"
expect_eq "unknown routes share one label" $((before + 2)) "$(m cairn_http_requests_total method=GET route= code=404)"
expect_match "health checks counted by route" '^[1-9][0-9]*$' \
  "$(m cairn_http_requests_total method=GET route=/health code=200)"
expect_match "connections accepted are counted" '^[1-9][0-9]*$' "$(m cairn_http_connections_total)"
# Far below the cap: nothing evicted or refused (tests/integration/slow_clients_test.sh and
# tests/http/server_limits_test.cc drive the cap).
expect_eq "evicted connections are a counter at 0" "counter 0" \
  "$(m --type cairn_http_connections_evicted_total) $(m cairn_http_connections_evicted_total)"
expect_eq "refused connections are a counter at 0" "counter 0" \
  "$(m --type cairn_http_connections_refused_total) $(m cairn_http_connections_refused_total)"
expect_match "uptime is reported" '^[0-9]+$' "$(m step_ca_uptime_seconds)"
expect_match "CPU time is reported" '^[0-9.]+$' "$(m process_cpu_seconds_total)"

finish
