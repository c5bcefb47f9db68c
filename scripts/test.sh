#!/usr/bin/env bash
# The whole test suite: installs the dependencies, builds, and runs every unit and
# integration test (ctest). Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-tests
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 -j "$(nproc)"
