#!/usr/bin/env bash
# The sanitizer stages of the test suite (scripts/test.sh runs both after the Release build):
#   scripts/sanitize.sh asan   AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on)
#                              build in build-asan/, then every unit and integration test
#   scripts/sanitize.sh tsan   ThreadSanitizer build of cairn-ca in build-tsan/, then that
#                              server under concurrent load (tests/integration/
#                              concurrent_load_test.sh: sign, ACME, renew, revoke and readers
#                              in parallel, driven by the Release clients of ./build)
# A report fails the stage: the processes abort on the first one (halt_on_error), a leak at
# exit fails the test, and the integration tests scan every log for reports (lib.sh). Both use
# the system g++, so nothing beyond scripts/install-deps.sh --with-tests is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
STAGE=${1:?usage: scripts/sanitize.sh asan|tsan}
# Assertions stay on (no NDEBUG); -g1 gives the reports file:line. ASan builds at -O0: with
# GCC 12 it compiles 2.5x faster than -O1 (the whole tree in about the time of a Release build)
# and the tests are I/O-bound. TSan builds only cairn-ca, at -O1 so that the load is real load.
common=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
# (UBSan's vptr check is off: cmake/sanitizers.cmake.)
asan_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -g1")
tsan_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1")
SUPP=$PWD/scripts/sanitizers
case "$STAGE" in
  asan)
    dir=${BUILD_DIR:-build-asan}
    cmake -S . -B "$dir" "${common[@]}" "${asan_flags[@]}" -DCAIRN_SANITIZE=address,undefined >/dev/null
    cmake --build "$dir" --parallel "$(nproc)"
    export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0
    export LSAN_OPTIONS=suppressions=$SUPP/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # The benchmark run measures speed, which means nothing under a sanitizer; every other test
    # runs.
    (cd "$dir" && ctest --output-on-failure --timeout 900 -j "$(nproc)" -E '^bench_run_quick$')
    ;;
  tsan)
    # Only the server is instrumented (the clients are not what is under test): cairn-ca from a
    # TSan build, the CLI and the load generators from the Release build in ./build.
    dir=${BUILD_DIR:-build-tsan}
    rel=${RELEASE_BUILD_DIR:-build}
    cmake -S . -B "$dir" "${common[@]}" "${tsan_flags[@]}" -DCAIRN_SANITIZE=thread >/dev/null
    cmake --build "$dir" --parallel "$(nproc)" --target cairn-ca
    cmake -S . -B "$rel" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$rel" --parallel "$(nproc)" --target cairn cairn-bench cairn-acme-bench
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp
    LOAD_SECONDS=${LOAD_SECONDS:-20} bash tests/integration/concurrent_load_test.sh \
      "$rel/src/cmd/cairn" "$dir/src/cmd/cairn-ca" "$rel/bench/load/cairn-bench" \
      "$rel/bench/load/cairn-acme-bench"
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|tsan" >&2
    exit 2
    ;;
esac
