#!/usr/bin/env bash
# The sanitizer stages of the test suite (scripts/test.sh runs both after the Release build):
#   scripts/sanitize.sh asan   AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on)
#                              build in build-asan/, then every unit and integration test
#   scripts/sanitize.sh tsan   ThreadSanitizer build of the binaries in build-tsan/, then the
#                              server under concurrent load (integration_concurrent_load:
#                              sign, ACME, renew, revoke and readers in parallel)
# A report fails the stage: the processes abort on the first one (halt_on_error), a leak at
# exit fails the test, and the integration tests scan every log for reports (lib.sh). Both use
# the system g++, so nothing beyond scripts/install-deps.sh --with-tests is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
STAGE=${1:?usage: scripts/sanitize.sh asan|tsan}
# -O1 keeps the stacks readable and the tests fast enough; assertions stay on (no NDEBUG).
common=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1"
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1")
SUPP=$PWD/scripts/sanitizers
case "$STAGE" in
  asan)
    dir=${BUILD_DIR:-build-asan}
    cmake -S . -B "$dir" "${common[@]}" -DCAIRN_SANITIZE=address,undefined >/dev/null
    cmake --build "$dir" --parallel "$(nproc)"
    export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0:strict_string_checks=1
    export LSAN_OPTIONS=suppressions=$SUPP/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # The benchmark run measures speed, which means nothing under a sanitizer; every other test
    # runs.
    (cd "$dir" && ctest --output-on-failure --timeout 900 -j "$(nproc)" -E '^bench_run_quick$')
    ;;
  tsan)
    dir=${BUILD_DIR:-build-tsan}
    cmake -S . -B "$dir" "${common[@]}" -DCAIRN_SANITIZE=thread >/dev/null
    cmake --build "$dir" --parallel "$(nproc)" --target cairn cairn-ca cairn-bench cairn-acme-bench
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp
    (cd "$dir" && LOAD_SECONDS=${LOAD_SECONDS:-20} ctest --output-on-failure --timeout 900 \
      -R '^integration_concurrent_load$')
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|tsan" >&2
    exit 2
    ;;
esac
