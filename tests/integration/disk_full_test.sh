#!/usr/bin/env bash
# Storage faults, with the CA's database directory on a small tmpfs of its own:
#  1. start-up refusals: a missing db directory (db.dataSource) and a read-only one (the tmpfs
#     remounted read-only; root ignores mode bits) make cairn-ca exit 1 at once with a message
#     naming the path and the cause: no crash, no stack trace, nothing created. (step-ca's
#     badger engine would create a missing directory, its bbolt engine refuses; Cairn refuses:
#     a missing db directory is most often a volume that did not mount, and a fresh database
#     would forget every revocation and used token.)
#  2. a full disk while serving: POST /sign fails with 503 in step-ca's error shape and no
#     certificate; /health stays 200; nothing is half-written (integrity check ok, the stored
#     certificates are exactly the ones clients received, the failed requests' tokens are not
#     consumed); once space is freed, issuance resumes without a restart, and the token of a
#     request that failed for lack of space is accepted then (it was never consumed: the token
#     and the certificate are one transaction; step-ca burns the token in an earlier write).
# The test runs in a private mount namespace (unshare -m, or unshare -rm without root), so its
# mount disappears with it whatever happens; it also unmounts on exit.
# usage: disk_full_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${CAIRN_DISK_FULL_NS:-}" ]; then
  export CAIRN_DISK_FULL_NS=1
  if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
    exec unshare -m --propagation private bash "$HERE/$(basename "$0")" "$@"
  elif unshare -rm true 2>/dev/null; then
    exec unshare -rm bash "$HERE/$(basename "$0")" "$@"
  fi
  # Neither: try to mount here (fails clearly below without privileges).
fi
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
for tool in curl sqlite3 mount umount; do
  command -v "$tool" >/dev/null || { fail "$tool is installed"; finish; }
done

FS=$WORK/fs
mkdir -p "$FS"
if ! mount -t tmpfs -o size=4m,mode=0700 tmpfs "$FS" 2>"$WORK/mount.err"; then
  fail "mount a 4 MiB tmpfs for the database (needs root or user namespaces)" "$(cat "$WORK/mount.err")"
  finish
fi
# On exit: stop our processes (they hold files on the tmpfs), unmount, then lib.sh's cleanup.
on_exit() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && stop_pid "$p"; done
  PIDS=()
  umount "$FS" 2>/dev/null || umount -l "$FS" 2>/dev/null || true
  cleanup
}
trap on_exit EXIT

PORT=$(free_port)
CA_HOME=$WORK/ca-home
CA_JSON=$CA_HOME/config/ca.json
printf 'ca-password\n' >"$WORK/pw"
printf 'provisioner-password\n' >"$WORK/ppw"
STEPPATH=$CA_HOME "$CAIRN" ca init --name "Disk Full CA" --provisioner admin --dns 127.0.0.1 \
  --address "127.0.0.1:$PORT" --password-file "$WORK/pw" \
  --provisioner-password-file "$WORK/ppw" >/dev/null 2>&1
check "ca init" test -s "$CA_JSON"
DB_DIR=$FS/db
DB=$DB_DIR/cairn.db
$PY "$HERE/tokens.py" keygen "$WORK/tester.pem" "$WORK/tester.jwk"
$PY - "$CA_JSON" "$WORK/tester.jwk" "$DB_DIR" <<'PYEOF'
import json, sys
path, jwk_path, db_dir = sys.argv[1:4]
cfg = json.load(open(path))
cfg["logger"] = {"format": "json"}
cfg["db"]["dataSource"] = db_dir
cfg["authority"]["provisioners"].append(
    {"type": "JWK", "name": "tester", "key": json.load(open(jwk_path))})
json.dump(cfg, open(path, "w"), indent="\t")
PYEOF
ROOT=$CA_HOME/certs/root_ca.crt
URL=https://127.0.0.1:$PORT
CLIENT=("$PY" "$HERE/crash_consistency_client.py")
COMMON=(--url "$URL" --root "$ROOT" --key "$WORK/tester.pem" --jwk "$WORK/tester.jwk")

# start_refused NAME: cairn-ca must exit 1 by itself (bounded), without a crash; sets OUT.
start_refused() {
  local rc
  OUT=$(timeout 60 "$CAIRN_CA" --password-file "$WORK/pw" "$CA_JSON" 2>&1 </dev/null)
  rc=$?
  expect_eq "$1: cairn-ca exits 1" 1 "$rc"
  check_fails "$1: no crash or stack trace" grep -Eqi 'terminate called|abort|segmentation|core dumped|stack trace|what\(\)' <<<"$OUT"
  printf '     cairn-ca said: %s\n' "$(head -3 <<<"$OUT")"
}
start_ca() {
  spawn "ca-$1" "$CAIRN_CA" --password-file "$WORK/pw" "$CA_JSON"
  CA_PID=$LAST_PID
  if ! wait_https "$URL/health" "$ROOT" 60; then
    fail "cairn-ca starts ($1)" "$(tail -20 "$WORK/ca-$1.log")"
    finish
  fi
}
# sign CN [TOKEN]: POST /1.0/sign; sets STATUS, JTI and BODY (the JSON answer; for a 201 the
# received certificate's serial).
sign() {
  local out
  out=$("${CLIENT[@]}" sign "${COMMON[@]}" --cn "$1" ${2:+--token "$2"} --out "$WORK/sign.out" 2>&1)
  STATUS=${out%% *}
  JTI=${out#* }
  BODY=$(cat "$WORK/sign.out" 2>/dev/null)
  TOKEN=$(cat "$WORK/sign.out.token" 2>/dev/null)
}
inspect() { "${CLIENT[@]}" inspect --db "$DB" "$@" 2>&1; }
field() { $PY -c 'import json,sys; v=json.loads(sys.argv[1]); print(json.dumps(eval(sys.argv[2], {}, {"v": v})))' "$1" "$2" 2>&1; }
RECEIVED=()
received_json() { $PY -c 'import json,sys; print(json.dumps(sorted(sys.argv[1:])))' "${RECEIVED[@]}"; }

start=$(date +%s)

# --- 1. start-up refusals --------------------------------------------------------------------------
start_refused "a missing db directory"
expect_match "a missing db directory: the message names the path" "$DB_DIR" "$OUT"
expect_match "a missing db directory: the message names the cause" "does not exist" "$OUT"
check_fails "a missing db directory is not created behind the operator's back" test -e "$DB_DIR"

mkdir -m 0700 "$DB_DIR"
start_ca first
sign "before.crash.test"
expect_eq "a certificate is issued on the tmpfs" 201 "$STATUS"
[ "$STATUS" = 201 ] && RECEIVED+=("before.crash.test")
stop_pid "$CA_PID"
check "the database file exists" test -s "$DB"

mount -o remount,ro "$FS"
check_fails "the tmpfs is read-only now" touch "$DB_DIR/probe"
start_refused "a read-only db directory"
expect_match "a read-only db directory: the message names the path" "$DB_DIR" "$OUT"
expect_match "a read-only db directory: the message names the cause" "[Rr]ead-only file system" "$OUT"
mount -o remount,rw "$FS"

# --- 2. a full disk while serving --------------------------------------------------------------
start_ca second
sign "baseline.crash.test"
expect_eq "issuance works before the disk fills" 201 "$STATUS"
[ "$STATUS" = 201 ] && RECEIVED+=("baseline.crash.test")

# Fill the file system (bounded: the tmpfs has 4 MiB; head stops at 64 MiB if it did not).
head -c 64M /dev/zero >"$FS/filler" 2>/dev/null
expect_eq "the file system is full" 0 "$(df --output=avail -B1 "$FS" | tail -1 | tr -d ' ')"

# Commits that still fit in the WAL's last page may go through; within a few the disk is full.
FAILED_CN= FAILED_TOKEN= FAILED_JTI= FULL_STATUS= FULL_BODY=
for ((i = 1; i <= 50; i++)); do
  sign "full-$i.crash.test"
  if [ "$STATUS" = 201 ]; then RECEIVED+=("full-$i.crash.test"); continue; fi
  FAILED_CN=full-$i.crash.test FAILED_TOKEN=$TOKEN FAILED_JTI=$JTI FULL_STATUS=$STATUS FULL_BODY=$BODY
  break
done
log "issuance failed after $((i - 1)) more certificates: $FULL_STATUS $FULL_BODY"
check "issuance fails once the disk is full" test -n "$FAILED_CN"
expect_eq "a full disk is 503" 503 "$FULL_STATUS"
expect_eq "the error has step-ca's shape {status, message}" '["status", "message"]' "$(field "$FULL_BODY" 'list(v)')"
expect_eq "the error's status field is 503" 503 "$(field "$FULL_BODY" 'v["status"]')"
expect_match "the error's message is a clear one" 'temporarily unavailable' "$(field "$FULL_BODY" 'v["message"]')"
check_fails "no certificate is returned" grep -q '"crt"' <<<"$FULL_BODY"
expect_match "the CA's log names the cause" 'database or disk is full' "$(cat "$WORK/ca-second.log")"
expect_eq "/health is 200 while the disk is full" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$ROOT" "$URL/health")"
sign "full-again.crash.test"
expect_eq "the next request fails the same way" 503 "$STATUS"
SECOND_JTI=$JTI

state=$(inspect --jti "$FAILED_JTI" --jti "$SECOND_JTI")
expect_eq "while full: PRAGMA integrity_check is ok" '["ok"]' "$(field "$state" 'v["integrity"]')"
expect_eq "while full: PRAGMA foreign_key_check is empty" '[]' "$(field "$state" 'v["foreign_keys"]')"
expect_eq "while full: the stored certificates are exactly the received ones" "$(received_json)" \
  "$(field "$state" 'v["certs"]')"
expect_eq "while full: the failed requests' tokens are not consumed" '[false, false]' \
  "$(field "$state" 'list(v["used"].values())')"
check "cairn-ca is still running" kill -0 "$CA_PID"

# --- 3. space freed: issuance resumes without a restart ----------------------------------------------
rm -f "$FS/filler"
sign "$FAILED_CN" "$FAILED_TOKEN"
expect_eq "the token of the request that failed for lack of space now signs (201)" 201 "$STATUS"
[ "$STATUS" = 201 ] && RECEIVED+=("$FAILED_CN")
sign "after.crash.test"
expect_eq "a fresh token signs after the space is freed" 201 "$STATUS"
[ "$STATUS" = 201 ] && RECEIVED+=("after.crash.test")
sign "$FAILED_CN" "$FAILED_TOKEN"
expect_eq "that token, now used, is refused (401)" 401 "$STATUS"
check "the same cairn-ca process served it all (no restart)" kill -0 "$CA_PID"
state=$(inspect --jti "$FAILED_JTI")
expect_eq "after: PRAGMA integrity_check is ok" '["ok"]' "$(field "$state" 'v["integrity"]')"
expect_eq "after: the stored certificates are exactly the received ones" "$(received_json)" \
  "$(field "$state" 'v["certs"]')"
expect_eq "after: the retried token is consumed" '[true]' "$(field "$state" 'list(v["used"].values())')"
stop_pid "$CA_PID"
expect_eq "sqlite3: integrity_check after a clean stop" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check;' 2>&1)"
log "wall time $(($(date +%s) - start)) s"
finish
