#!/usr/bin/env bash
# Quick start: installs the dependencies, builds, creates a demo CA in ./demo (once) and serves
# it on https://localhost:8443 with the embedded SQLite store. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ROOT=$(pwd)
export STEPPATH="$ROOT/demo"
CAIRN="$ROOT/build/src/cmd/cairn"
CAIRN_CA="$ROOT/build/src/cmd/cairn-ca"
ADDRESS=${CAIRN_DEMO_ADDRESS:-127.0.0.1:8443}
if [ ! -f "$STEPPATH/config/ca.json" ]; then
  mkdir -p "$STEPPATH"
  umask 077
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$STEPPATH/password.txt"
  "$CAIRN" ca init --name "Demo CA" --provisioner admin --dns localhost --dns 127.0.0.1 \
    --address "$ADDRESS" --password-file "$STEPPATH/password.txt" \
    --provisioner-password-file "$STEPPATH/password.txt"
fi
FP=$("$CAIRN" certificate fingerprint "$STEPPATH/certs/root_ca.crt")
cat <<MSG

Cairn demo CA in $STEPPATH (password in $STEPPATH/password.txt)
Root fingerprint: $FP

Get a first certificate from another terminal:
  export STEPPATH=$STEPPATH
  $CAIRN ca certificate localhost localhost.crt localhost.key \\
      --provisioner admin --provisioner-password-file $STEPPATH/password.txt

MSG
exec "$CAIRN_CA" --password-file "$STEPPATH/password.txt" "$STEPPATH/config/ca.json"
