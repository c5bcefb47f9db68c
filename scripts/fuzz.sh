#!/usr/bin/env bash
# Fuzz every parser target with libFuzzer for N minutes each (default 10), with ASan and UBSan.
# usage: scripts/fuzz.sh [MINUTES] [TARGET...]
# Builds with clang into build-fuzz/, fuzzes from a copy of fuzz/corpus/<target>/ (new inputs
# stay in build-fuzz/corpus/<target>/), and stops at the first crash, leaving the crashing
# input as build-fuzz/crash-* (or timeout-*/oom-*) — add it to fuzz/corpus/<target>/ once fixed.
# Each run ends with a line "== fuzz_<target>: done" and libFuzzer's final stats
# (stat::number_of_executed_units, cov, ft, corpus) in build-fuzz/fuzz-<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(ssh_key ssh_certificate ssh_private_key x509 ocsp_request pem
  jws jwk jwe jwt json_flat ca_json template http_request acme_body)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DCAIRN_FUZZ=ON -DCAIRN_SANITIZE=address,undefined,fuzzer-no-link \
  -DCAIRN_BUILD_TESTS=OFF -DCAIRN_BUILD_BENCH=OFF >/dev/null
ninja -C build-fuzz "${TARGETS[@]/#/fuzz_}"
for t in "${TARGETS[@]}"; do
  extra=()
  # acme_body keeps a CA and its store across inputs (memory grows by design), so libFuzzer's
  # leak check after every input that allocates more than it frees would run on nearly every
  # input, and dominate; LeakSanitizer still checks the whole run at exit.
  [ "$t" != acme_body ] || extra+=(-detect_leaks=0)
  mkdir -p "build-fuzz/corpus/$t"
  cp -n "fuzz/corpus/$t/"* "build-fuzz/corpus/$t/" 2>/dev/null || true
  echo "== fuzz_$t for $MINUTES min"
  # -timeout: one input taking longer is a finding (a slow path an attacker could use);
  # -rss_limit_mb (the malloc limit follows it): likewise for memory.
  (cd build-fuzz && "./fuzz/fuzz_$t" -max_total_time=$((MINUTES * 60)) -timeout=30 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 ${extra[@]+"${extra[@]}"} "corpus/$t" 2>&1 |
    tee "fuzz-$t.log" | { grep -v -E '^(#[0-9]+[[:space:]]+(REDUCE|NEW)|[[:space:]]+NEW_FUNC)' || true; })
  echo "== fuzz_$t: done"
done
