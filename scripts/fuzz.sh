#!/usr/bin/env bash
# Fuzz every parser target with libFuzzer for N minutes each (default 10), with ASan and UBSan.
# usage: scripts/fuzz.sh [MINUTES] [TARGET...]
# Builds with clang into build-fuzz/, fuzzes from a copy of fuzz/corpus/<target>/ (new inputs
# stay in build-fuzz/corpus/<target>/), and stops at the first crash, leaving the crashing
# input as build-fuzz/crash-* — add it to fuzz/corpus/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(ssh_key ssh_certificate x509 ocsp_request jws)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DCAIRN_FUZZ=ON -DCAIRN_SANITIZE=address,undefined,fuzzer-no-link \
  -DCAIRN_BUILD_TESTS=OFF -DCAIRN_BUILD_BENCH=OFF >/dev/null
ninja -C build-fuzz "${TARGETS[@]/#/fuzz_}"
for t in "${TARGETS[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  cp -n "fuzz/corpus/$t/"* "build-fuzz/corpus/$t/" 2>/dev/null || true
  echo "== fuzz_$t for $MINUTES min"
  (cd build-fuzz && "./fuzz/fuzz_$t" -max_total_time=$((MINUTES * 60)) -rss_limit_mb=1024 \
    -max_len=65536 "corpus/$t")
done
