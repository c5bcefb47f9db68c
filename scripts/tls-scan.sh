#!/usr/bin/env bash
# Scans cairn-ca's TLS with testssl.sh and sslscan and rewrites docs/tls-scan.md from the
# result (the same checks CI runs as integration_tls_scan). Needs the test packages
# (scripts/install-deps.sh --with-tests). Builds cairn and cairn-ca in $BUILD_DIR (default
# build) unless they are there already.
# usage: scripts/tls-scan.sh [OUTPUT.md]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
OUT=${1:-docs/tls-scan.md}
if [ ! -x "$BUILD_DIR/src/cmd/cairn" ] || [ ! -x "$BUILD_DIR/src/cmd/cairn-ca" ]; then
  BUILD_DIR=$BUILD_DIR scripts/build.sh
fi
mkdir -p "$(dirname "$OUT")"
bash tests/integration/tls_scan_test.sh "$BUILD_DIR/src/cmd/cairn" "$BUILD_DIR/src/cmd/cairn-ca" --doc "$OUT"
