#!/usr/bin/env bash
# Slow, idle and vanishing clients do not starve the real cairn-ca. With ca.json's cairn.http
# limits short (readTimeout 3s, idleTimeout 3s, maxConnections 200), slow_clients_attack.py
# keeps ~600 hostile connections open (slowloris heads dribbled one byte a second, idle
# keep-alive TLS connections, silent TLS and silent TCP connections, and waves of clients that
# send half a POST body and reset), reconnecting whenever they are closed. Meanwhile a normal
# client, curl with the CA root, keeps asking GET /health and POST /1.0/sign (a real
# certificate, from a fresh token each time): every request must be answered, within curl's
# --max-time. Then the attack stops reconnecting and the server must close every hostile
# connection by itself (a slowloris no later than readTimeout after its first byte, plus
# slack), its descriptors must go back to where they were, and its resident memory must have
# stayed bounded (/proc). Second, the same with maxConnections 4096 under `ulimit -n 200`: the
# CA lowers its cap to what its descriptors allow, says so, and holds the same way.
# usage: slow_clients_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in openssl curl; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done
T0=$SECONDS

READ_TIMEOUT=3
IDLE_TIMEOUT=3
MAX_CONNECTIONS=200
ATTACK_SECONDS=12
# What one request of the normal client may take, at most (curl --max-time).
LEGIT_MAX_TIME=5
# How much the CA's resident memory may grow under the attack (~50 MiB measured; a sanitizer
# build keeps freed memory in quarantine).
RSS_BUDGET_KB=$((160 * 1024))
if grep -qaE '__(asan|tsan|msan)_init' "$CAIRN_CA"; then RSS_BUDGET_KB=$((1024 * 1024)); fi

PORT=$(free_port)
CA_HOME=$WORK/ca-home
CA_JSON=$CA_HOME/config/ca.json
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
STEPPATH=$CA_HOME "$CAIRN" ca init --name "Slow Clients CA" --provisioner admin --dns 127.0.0.1 \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
check "ca init" test -s "$CA_JSON"

# The limits, and a provisioner whose key PyJWT holds (tokens in milliseconds, no password).
$PY "$HERE/tokens.py" keygen "$WORK/tester.pem" "$WORK/tester.jwk"
$PY - "$CA_JSON" "$WORK/tester.jwk" "$READ_TIMEOUT" "$IDLE_TIMEOUT" "$MAX_CONNECTIONS" <<'PYEOF'
import json, sys
path, jwk_path, read_t, idle_t, cap = sys.argv[1:6]
cfg = json.load(open(path))
cfg["cairn"] = {"http": {"readTimeout": read_t + "s", "writeTimeout": "3s",
                         "idleTimeout": idle_t + "s", "maxConnections": int(cap)}}
cfg["authority"]["provisioners"].append(
    {"type": "JWK", "name": "tester", "key": json.load(open(jwk_path))})
json.dump(cfg, open(path, "w"), indent="\t")
PYEOF

ROOT=$CA_HOME/certs/root_ca.crt
URL=https://127.0.0.1:$PORT
STEPPATH=$CA_HOME spawn ca "$CAIRN_CA" --password-file "$WORK/pw" "$CA_JSON"
CA_PID=$LAST_PID
if wait_https "$URL/health" "$ROOT" 30; then pass "cairn-ca serves"; else
  fail "cairn-ca serves" "$(tail -20 "$WORK/ca.log")"; finish; fi

# A ca.json limit out of range is refused at start, with the field named.
$PY - "$CA_JSON" "$WORK/bad.json" <<'PYEOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["cairn"]["http"]["readTimeout"] = "0s"
json.dump(cfg, open(sys.argv[2], "w"))
PYEOF
out=$(STEPPATH=$CA_HOME timeout 20 "$CAIRN_CA" --password-file "$WORK/pw" "$WORK/bad.json" 2>&1)
expect_match "a zero readTimeout is refused at start" "cairn.http.readTimeout must be between" "$out"

fds() { find "/proc/$CA_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$CA_PID/status" 2>/dev/null; }
# Warm up (first TLS handshakes, first signature, store pages), then take the baseline.
mint() { $PY "$HERE/tokens.py" token "$WORK/tester.pem" "$WORK/tester.jwk" tester "$URL/1.0/sign" "$1"; }
sign() {  # sign NAME: POST /1.0/sign with a fresh token; prints "CODE SECONDS"
  local body tok
  tok=$(mint "$1") || { echo "token 0"; return; }
  body=$(openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
    -subj "/CN=$1" -addext "subjectAltName=DNS:$1" 2>/dev/null |
    $PY -c 'import json,sys; print(json.dumps({"csr": sys.stdin.read(), "ott": sys.argv[1]}))' "$tok")
  curl -s -o "$WORK/$1.json" -w '%{http_code} %{time_total}\n' --max-time "$LEGIT_MAX_TIME" \
    --cacert "$ROOT" -H 'Content-Type: application/json' --data-binary "$body" "$URL/1.0/sign"
}
health() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time "$LEGIT_MAX_TIME" --cacert "$ROOT" "$URL/health"; }
expect_eq "a certificate before the attack" "201" "$(sign warmup.local | cut -d' ' -f1)"
for _ in 1 2 3; do health >/dev/null; done
sleep 0.5  # (the server sees the last client's FIN)
BASE_FDS=$(fds)
BASE_RSS=$(rss_kb)
log "baseline: $BASE_FDS descriptors, RSS $BASE_RSS kB"

# attack NAME ATTACK_SECONDS ATTACKER_ARGS...: runs slow_clients_attack.py against the CA while
# the normal client asks GET /health and POST /1.0/sign in a loop, and samples the CA's RSS.
# Leaves $WORK/NAME.json (the attacker's report), NAME.legit (one line per request: "what code
# seconds") and NAME.rss.
attack() {
  local name=$1 secs=$2 apid i=0; shift 2
  $PY "$HERE/slow_clients_attack.py" 127.0.0.1 "$PORT" "$ROOT" --attack "$secs" \
    --drain $((READ_TIMEOUT * 3)) "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" &
  apid=$!
  PIDS+=("$apid")
  (while kill -0 "$apid" 2>/dev/null; do rss_kb; sleep 0.2; done) >"$WORK/$name.rss" &
  PIDS+=("$!")
  sleep 2  # let the hostile connections fill the cap
  : >"$WORK/$name.legit"
  # Through the attack and the drain after it (the attacker exits when the server has closed
  # everything it left open).
  while [ $((SECONDS - T0)) -lt 300 ] && kill -0 "$apid" 2>/dev/null; do
    i=$((i + 1))
    echo "health $(health)" >>"$WORK/$name.legit"
    echo "sign $(sign "$name$i.local")" >>"$WORK/$name.legit"
    echo "health $(health)" >>"$WORK/$name.legit"
    sleep 0.2
  done
  wait "$apid"
}
jget() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$WORK/$1.json" "$2"; }
# served NAME: the normal client's every request was answered, in time.
served() {
  local name=$1 health_total health_ok sign_total sign_ok slowest last
  health_total=$(grep -c '^health ' "$WORK/$name.legit")
  health_ok=$(grep -c '^health 200 ' "$WORK/$name.legit")
  sign_total=$(grep -c '^sign ' "$WORK/$name.legit")
  sign_ok=$(grep -c '^sign 201 ' "$WORK/$name.legit")
  expect_match "$name: the normal client made requests during the attack" '^([1-9][0-9]+)$' "$health_total"
  expect_eq "$name: every GET /health was answered 200" "$health_total" "$health_ok"
  expect_eq "$name: every POST /1.0/sign was answered 201" "$sign_total" "$sign_ok"
  if [ "$health_ok" != "$health_total" ] || [ "$sign_ok" != "$sign_total" ]; then
    log "failed requests:"; grep -Ev '^(health 200|sign 201) ' "$WORK/$name.legit" | head >&2
  fi
  slowest=$(awk '{print $3}' "$WORK/$name.legit" | sort -g | tail -1)
  log "$name: normal client $(grep -c . "$WORK/$name.legit") requests, slowest ${slowest}s (bound ${LEGIT_MAX_TIME}s)"
  last=$(ls -t "$WORK/$name"*.local.json 2>/dev/null | head -1)
  expect_match "$name: a certificate issued during the attack" '"crt":"-----BEGIN CERTIFICATE-----' \
    "$(tr -d '\n' <"${last:-/dev/null}")"
}
# all_closed NAME: the attacker opened more connections at once than the cap, of every kind,
# and the server closed every one by itself.
all_closed() {
  local name=$1 cap=$2 kind
  if [ -s "$WORK/$name.json" ]; then pass "$name: the attacker reported"; else
    fail "$name: the attacker reported" "$(tail -5 "$WORK/$name.err")"; return; fi
  log "$name: $(tr -d ' \n' <"$WORK/$name.json")"
  expect_eq "$name: more hostile connections open at once than the cap ($cap)" 1 \
    "$(($(jget "$name" '["peak_open"]') > cap))"
  for kind in slowloris tls-idle tls-silent tcp-silent; do
    expect_match "$name: $kind connections were opened" '^[1-9][0-9]*$' "$(jget "$name" "[\"$kind\"][\"opened\"]")"
    expect_eq "$name: the server closed every $kind connection by itself" 0 \
      "$(jget "$name" "[\"$kind\"][\"open_now\"]")"
  done
  expect_match "$name: half-body clients reset their connections" '^[1-9][0-9]*$' "$(jget "$name" '["rst"]["opened"]')"
}

# --- 1. the cap from ca.json ----------------------------------------------------------------------
attack capped "$ATTACK_SECONDS" --slowloris 200 --tls-idle 150 --tls-silent 100 --tcp-silent 150 \
  --rst-per-wave 25
served capped
all_closed capped "$MAX_CONNECTIONS"
# A slowloris lives at most readTimeout from its first byte (plus scheduling slack), although it
# sends a byte every second: the deadline is not renewed by each byte.
max_life=$(jget capped '["slowloris"]["max_life"]')
expect_eq "capped: a slowloris is cut within readTimeout of its first byte (max ${max_life}s)" 1 \
  "$($PY -c "print(int($max_life < $READ_TIMEOUT + 2))")"
fds_back() { [ "$(fds)" -le $((BASE_FDS + 3)) ]; }
wait_for 10 fds_back
expect_eq "capped: the CA's descriptors are back to the baseline ($BASE_FDS)" 1 "$(($(fds) <= BASE_FDS + 3))"
peak=$(sort -n "$WORK/capped.rss" | tail -1)
log "capped: RSS baseline $BASE_RSS kB, peak $peak kB, budget +$RSS_BUDGET_KB kB"
expect_eq "capped: resident memory stayed bounded (+$(((peak - BASE_RSS) / 1024)) MiB)" 1 \
  "$((peak - BASE_RSS <= RSS_BUDGET_KB))"
check "capped: cairn-ca is still running" kill -0 "$CA_PID"

# --- 2. the cap from the open-file limit ----------------------------------------------------------
# maxConnections 4096 but `ulimit -n 200`: the CA lowers its cap to what the descriptors allow
# (with a warning), and the attack meets the same eviction instead of EMFILE.
stop_pid "$CA_PID"
$PY - "$CA_JSON" <<'PYEOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["cairn"]["http"]["maxConnections"] = 4096
json.dump(cfg, open(sys.argv[1], "w"), indent="\t")
PYEOF
STEPPATH=$CA_HOME spawn ca-ulimit bash -c 'ulimit -n 200 && exec "$0" "$@"' "$CAIRN_CA" \
  --password-file "$WORK/pw" "$CA_JSON"
CA_PID=$LAST_PID
if wait_https "$URL/health" "$ROOT" 30; then pass "cairn-ca serves with ulimit -n 200"; else
  fail "cairn-ca serves with ulimit -n 200" "$(tail -20 "$WORK/ca-ulimit.log")"; finish; fi
expect_match "the cap is lowered to the open-file limit, with a warning" \
  'effective-max-connections"?[:=] ?136' "$(grep -h 'max connections lowered' "$WORK/ca-ulimit.log")"
attack ulimit 6 --slowloris 120 --tls-idle 60 --tls-silent 40 --tcp-silent 60 --rst-per-wave 10
served ulimit
all_closed ulimit 136
check "ulimit: cairn-ca is still running" kill -0 "$CA_PID"
expect_eq "and serves" "200" "$(health | cut -d' ' -f1)"
log "wall time $((SECONDS - T0)) s"
finish
