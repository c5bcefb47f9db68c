# Helpers for the integration tests: source it. Every process started is recorded by PID and
# stopped by PID on exit; every wait is bounded; nothing but 127.0.0.1 is contacted.
set -uo pipefail

PASSED=0
FAILED=0
PIDS=()
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/cairn-it.XXXXXX)

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$1"; [ $# -gt 1 ] && printf '     %s\n' "${@:2}"; }

# check NAME CMD...: the command must succeed.
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(printf '%s' "$out" | tail -5)"; fi
}
# check_fails NAME CMD...: the command must fail.
check_fails() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "$name" "unexpectedly succeeded: $(printf '%s' "$out" | tail -3)"; else pass "$name"; fi
}
# expect_eq NAME WANT GOT
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want: $2" "got:  $3"; fi
}
# expect_match NAME REGEX TEXT
expect_match() {
  if grep -Eq -- "$2" <<<"$3"; then pass "$1"; else fail "$1" "no match for /$2/ in:" "$(printf '%s' "$3" | head -5)"; fi
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# spawn NAME CMD...: start in the background, output to $WORK/NAME.log; sets LAST_PID.
spawn() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# wait_https URL CAFILE [SECONDS]: until the URL answers 200.
wait_https() {
  local url=$1 ca=$2 secs=${3:-20} i
  for ((i = 0; i < secs * 10; i++)); do
    if curl -sf --max-time 2 --cacert "$ca" "$url" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# wait_for SECONDS CMD...: until the command succeeds.
wait_for() {
  local secs=$1 i; shift
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

stop_pid() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && stop_pid "$p"; done
  if [ "$FAILED" -eq 0 ] && [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; else log "work dir kept: $WORK"; fi
}
trap cleanup EXIT

# sanitizer_reports: stops every spawned process (a LeakSanitizer report is written at exit),
# then fails for each log in $WORK holding a report of AddressSanitizer, LeakSanitizer,
# UndefinedBehaviorSanitizer or ThreadSanitizer. Silent in builds without sanitizers.
sanitizer_reports() {
  local p f
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && stop_pid "$p"; done
  while IFS= read -r f; do
    fail "no sanitizer report in ${f#"$WORK"/}" "$(grep -m3 -E "$SANITIZER_RE" "$f")"
  done < <(grep -rlE --binary-files=without-match "$SANITIZER_RE" "$WORK" 2>/dev/null)
}
SANITIZER_RE='ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|: runtime error: '

# finish: print the summary line and exit non-zero on any failure.
finish() {
  sanitizer_reports
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
  exit $?
}
