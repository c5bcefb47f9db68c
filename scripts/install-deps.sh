#!/usr/bin/env bash
# Installs what Cairn needs to build and test on Debian 12 (bookworm). Idempotent: packages
# already present are skipped. Run as root or with sudo available.
set -euo pipefail

BUILD_PKGS=(build-essential cmake ninja-build pkg-config clang-format
  libssl-dev libboost-dev libboost-system-dev nlohmann-json3-dev libsqlite3-dev
  libcurl4-openssl-dev libc-ares-dev libcli11-dev libspdlog-dev libfmt-dev)
TEST_PKGS=(libgtest-dev libgmock-dev libbenchmark-dev openssl curl jose nginx-light sqlite3
  python3 python3-jwt python3-cryptography python3-prometheus-client procps iproute2
  golang-cfssl pebble certbot lego knot bind9-dnsutils openssh-client openssh-server wrk apache2-utils
  testssl.sh sslscan)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" = "--with-tests" ]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
echo "Installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
