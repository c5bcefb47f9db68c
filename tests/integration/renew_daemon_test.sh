#!/usr/bin/env bash
# `cairn ca renew --daemon` against short-lived certificates: it renews at about 2/3 of the
# lifetime, runs --exec after each renewal, and retries a failed renewal (CA down) until the CA
# is back. usage: renew_daemon_test.sh CAIRN CAIRN_CA
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CAIRN=$(readlink -f "$1")
CAIRN_CA=$(readlink -f "$2")
PORT=$(free_port)
export STEPPATH=$WORK/home
printf 'pw\n' >"$WORK/pw"
"$CAIRN" ca init --name "Daemon CA" --provisioner admin --dns 127.0.0.1 --address "127.0.0.1:$PORT" \
  --password-file "$WORK/pw" --provisioner-password-file "$WORK/pw" >/dev/null 2>&1
check "ca init" test -s "$STEPPATH/config/ca.json"
# Short lives for the test: 15s certificates, no backdate, renewal after expiry allowed.
$PY - "$STEPPATH/config/ca.json" <<'PYEOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["authority"]["backdate"] = "0s"
cfg["authority"]["provisioners"][0]["claims"] = {
    "minTLSCertDuration": "5s", "defaultTLSCertDuration": "15s", "allowRenewalAfterExpiry": True}
json.dump(cfg, open(sys.argv[1], "w"), indent="\t")
PYEOF
ROOT=$STEPPATH/certs/root_ca.crt
start_ca() {
  spawn "ca$1" "$CAIRN_CA" --password-file "$WORK/pw" "$STEPPATH/config/ca.json"
  CA_PID=$LAST_PID
  wait_https "https://127.0.0.1:$PORT/health" "$ROOT" 30
}
if start_ca 1; then pass "cairn-ca starts"; else fail "cairn-ca starts" "$(tail -5 "$WORK/ca1.log")"; finish; fi
cd "$WORK"
check "a 15s certificate" "$CAIRN" ca certificate short.local s.crt s.key --provisioner admin \
  --provisioner-password-file "$WORK/pw"
first_serial=$(openssl x509 -in s.crt -noout -serial)
cat >"$WORK/hook.sh" <<HOOK
#!/bin/sh
openssl x509 -in $WORK/s.crt -noout -serial >>$WORK/renewals.txt
HOOK
chmod +x "$WORK/hook.sh"
CAIRN_RENEW_RETRY_BASE=500ms spawn daemon "$CAIRN" ca renew --daemon --exec "$WORK/hook.sh" s.crt s.key
DAEMON_PID=$LAST_PID
count() { [ -f "$WORK/renewals.txt" ] && sort -u "$WORK/renewals.txt" | wc -l || echo 0; }
if wait_for 45 sh -c "[ \$(sort -u '$WORK/renewals.txt' 2>/dev/null | wc -l) -ge 2 ]"; then
  pass "two renewals, --exec run after each"
else
  fail "two renewals, --exec run after each" "renewals: $(count)" "$(tail -5 "$WORK/daemon.log")"
fi
check "the renewed certificate is new" test "$(openssl x509 -in s.crt -noout -serial)" != "$first_serial"
check "the renewed chain verifies" openssl verify -CAfile "$ROOT" -untrusted s.crt s.crt
check "the key file keeps mode 0600" test "$(stat -c %a s.key)" = 600

# The CA goes away: renewals fail and are retried; when it is back, renewal resumes.
before=$(count)
stop_pid "$CA_PID"
if wait_for 40 grep -qi "error" "$WORK/daemon.log"; then pass "a failed renewal is reported"; else
  fail "a failed renewal is reported" "$(tail -5 "$WORK/daemon.log")"; fi
sleep 2
if start_ca 2; then pass "cairn-ca comes back"; else fail "cairn-ca comes back" "$(tail -5 "$WORK/ca2.log")"; fi
if wait_for 40 sh -c "[ \$(sort -u '$WORK/renewals.txt' | wc -l) -gt $before ]"; then
  pass "the failed renewal is retried and succeeds"
else
  fail "the failed renewal is retried and succeeds" "$(tail -8 "$WORK/daemon.log")"
fi
check "the daemon is still running" kill -0 "$DAEMON_PID"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
expect_eq "SIGTERM stops the daemon with exit 0" 0 "$?"
finish
