#!/usr/bin/env bash
# Crash consistency: cairn-ca (SQLite store, the default) under issuance load from several
# concurrent clients, killed with SIGKILL at random moments, several times, and restarted each
# time. After every restart: every certificate any client received is in the store, byte for
# byte, and revocable; no serial twice; each token is consumed together with its certificate or
# not at all (requests in flight at the kill included); tokens used before the crash are refused;
# revocations made before the crash survived it; PRAGMA integrity_check / foreign_key_check pass.
# The clients and checks are crash_consistency_client.py (PyJWT tokens, pyca CSRs, sqlite3).
# CRASH_SEED=N replays the kill moments of an earlier run; CRASH_ROUNDS=N changes the kills.
# usage: crash_consistency_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in curl sqlite3; do
  command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/install-deps.sh --with-tests)"; finish; }
done

ROUNDS=${CRASH_ROUNDS:-5}
SEED=${CRASH_SEED:-$RANDOM}
log "seed $SEED (CRASH_SEED=$SEED reproduces the kill moments)"
PORT=$(free_port)
CA_HOME=$WORK/ca-home
CA_JSON=$CA_HOME/config/ca.json
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
STEPPATH=$CA_HOME "$CAIRN" ca init --name "Crash CA" --provisioner admin --dns 127.0.0.1 \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
check "ca init" test -s "$CA_JSON"

# A JWK provisioner whose key the clients hold (PyJWT mints the tokens).
$PY "$HERE/tokens.py" keygen "$WORK/tester.pem" "$WORK/tester.jwk"
$PY - "$CA_JSON" "$WORK/tester.jwk" <<'PYEOF'
import json, sys
path, jwk_path = sys.argv[1:3]
cfg = json.load(open(path))
cfg["logger"] = {"format": "json"}
cfg["authority"]["provisioners"].append(
    {"type": "JWK", "name": "tester", "key": json.load(open(jwk_path))})
json.dump(cfg, open(path, "w"), indent="\t")
PYEOF
DB_DIR=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["db"]["dataSource"])' "$CA_JSON")
case $DB_DIR in /*) ;; *) DB_DIR=$CA_HOME/$DB_DIR ;; esac
DB=$DB_DIR/cairn.db
ROOT=$CA_HOME/certs/root_ca.crt
URL=https://127.0.0.1:$PORT
JOURNAL=$WORK/journal.jsonl
REVOKED=$WORK/revoked.jsonl
: >"$JOURNAL"
: >"$REVOKED"
CLIENT=("$PY" "$HERE/crash_consistency_client.py")
COMMON=(--url "$URL" --root "$ROOT" --key "$WORK/tester.pem" --jwk "$WORK/tester.jwk"
  --journal "$JOURNAL")

# py NAME ARGS...: runs the client; its PASS/FAIL lines count as this test's.
py() {
  local out rc
  out=$("${CLIENT[@]}" "$@" 2>&1)
  rc=$?
  printf '%s\n' "$out"
  PASSED=$((PASSED + $(grep -c '^PASS' <<<"$out")))
  FAILED=$((FAILED + $(grep -c '^FAIL' <<<"$out")))
  if [ $rc -ne 0 ]; then fail "crash_consistency_client.py $1 exits 0" "$(tail -5 <<<"$out")"; fi
}
# forget_pid PID: drop a reaped PID from lib.sh's list so cleanup never signals a reused one.
forget_pid() {
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
  PIDS=("${keep[@]}")
}
start_ca() {
  spawn "ca-$1" "$CAIRN_CA" --password-file "$WORK/pw" "$CA_JSON"
  CA_PID=$LAST_PID
  if ! wait_https "$URL/health" "$ROOT" 60; then
    fail "cairn-ca starts ($1)" "$(tail -20 "$WORK/ca-$1.log")"
    finish
  fi
}

start=$(date +%s)
start_ca 0
pass "cairn-ca serves"
for ((round = 1; round <= ROUNDS; round++)); do
  # Issuance load for a random 3-7 s, then SIGKILL from the load driver while requests are in
  # flight.
  py load "${COMMON[@]}" --round "$round" --clients 4 --kill-pid "$CA_PID" \
    --kill-min 3 --kill-max 7 --seed $((SEED + round))
  wait "$CA_PID" 2>/dev/null
  expect_eq "round $round: cairn-ca died of SIGKILL" 137 "$?"
  forget_pid "$CA_PID"
  start_ca "$round"
  pass "round $round: cairn-ca restarts on the crashed store"
  py check "${COMMON[@]}" --revoked "$REVOKED" --db "$DB" --round "$round"
done

# Some request was in flight at some kill (otherwise the kills proved less than they claim).
inflight=$(awk '{s += $1} END {print s + 0}' "$JOURNAL.inflight")
check "requests were in flight at the kills ($inflight in all)" test "$inflight" -gt 0
issued=$(grep -c '"outcome": "issued"' "$JOURNAL")
log "$issued certificates received over $ROUNDS kills"

# A clean stop, then the store as the sqlite3 shell sees it on its own (WAL checkpointed).
stop_pid "$CA_PID"
forget_pid "$CA_PID"
expect_eq "sqlite3: integrity_check after a clean stop" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check;' 2>&1)"
expect_eq "sqlite3: foreign_key_check after a clean stop" "" "$(sqlite3 "$DB" 'PRAGMA foreign_key_check;' 2>&1)"
expect_eq "sqlite3: no serial twice" 0 \
  "$(sqlite3 "$DB" 'SELECT COUNT(*) - COUNT(DISTINCT serial) FROM x509_certs;' 2>&1)"
log "wall time $(($(date +%s) - start)) s"
finish
