#!/usr/bin/env bash
# The whole test suite: installs the dependencies, then
#  1. builds the Release binaries (what users run) into build-release/ and runs the benchmark
#     smoke test on them (bench/run --quick: issuance, ACME and OCSP side by side with the peers);
#  2. builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on)
#     into build-asan/ and runs every unit, fuzz-corpus and integration test there;
#  3. builds cairn-ca with ThreadSanitizer into build-tsan/ and runs it under concurrent sign,
#     ACME, renew, revoke and read load.
# Each test runs once, in the build most likely to catch its bugs. Exits non-zero if anything
# fails. `scripts/build.sh && (cd build && ctest)` runs the same tests on a plain build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-tests
stage() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

stage "Release build"
BUILD_DIR=build-release scripts/build.sh -DCAIRN_BUILD_TESTS=OFF
stage "benchmark smoke test on the Release binaries"
bash bench/load/run_quick_test.sh bench/run build-release/src/cmd/cairn \
  build-release/src/cmd/cairn-ca build-release/bench/load/cairn-bench

stage "AddressSanitizer + UndefinedBehaviorSanitizer: every test"
scripts/sanitize.sh asan
stage "ThreadSanitizer: cairn-ca under concurrent load"
RELEASE_BUILD_DIR=build-release scripts/sanitize.sh tsan
stage "all passed"
