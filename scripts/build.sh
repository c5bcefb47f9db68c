#!/usr/bin/env bash
# Configures and builds Cairn into ./build (Release, warnings as errors).
# Extra arguments go to cmake, e.g. scripts/build.sh -DCAIRN_SANITIZE=address,undefined
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} "$@" >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
