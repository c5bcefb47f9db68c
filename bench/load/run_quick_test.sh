#!/usr/bin/env bash
# ctest bench_run_quick: bench/run --quick against the binaries just built, then latest.json
# must hold every reported key as a number, zero errors, and latest.md its table. Nothing is
# asserted on speed. Exits 77 (skipped) when cfssl, the peer, or wrk / ab (the OCSP load
# generators) are not installed.
# usage: run_quick_test.sh RUN CAIRN CAIRN_CA CAIRN_BENCH
set -uo pipefail
RUN=$1 CAIRN=$2 CAIRN_CA=$3 CAIRN_BENCH=$4
if ! command -v cfssl >/dev/null; then
  echo "SKIP: cfssl is not installed (scripts/install-deps.sh --with-tests installs it)"
  exit 77
fi
for t in wrk ab; do
  if ! command -v "$t" >/dev/null; then
    echo "SKIP: $t is not installed (scripts/install-deps.sh --with-tests installs it)"
    exit 77
  fi
done
OUT=$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench-test.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

if ! bash "$RUN" --quick --out "$OUT" --cairn "$CAIRN" --cairn-ca "$CAIRN_CA" \
  --cairn-bench "$CAIRN_BENCH" >"$OUT/run.log" 2>&1; then
  echo "FAIL: bench/run --quick exited non-zero"
  tail -30 "$OUT/run.log"
  exit 1
fi

/usr/bin/python3 - "$OUT/latest.json" "$OUT/latest.md" <<'PYEOF'
import json, sys
res = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read()
failures = []

def get(path):
    v = res
    for part in path.split("."):
        if not isinstance(v, dict) or part not in v:
            return None
        v = v[part]
    return v

positive = ["cairn.rps", "cairn.p99_ms", "cairn.cpu_us_per_issue", "cairn.rss_mb",
            "cairn.idle_rss_mb", "cairn.startup_ms", "cairn_32.rps", "cairn_32.p99_ms",
            "cfssl.rps", "cfssl.cpu_us_per_issue", "cfssl_authsign.rps", "floor_us",
            "efficiency", "ratio_vs_cfssl", "ratio_vs_cfssl_authsign", "machine.cores",
            "store.seeded_count", "store.empty.rps", "store.seeded.rps",
            "ocsp.cairn.rps", "ocsp.cairn.cpu_us", "ocsp.cairn.p99_ms", "ocsp.openssl.rps",
            "ocsp.openssl.cpu_us", "ocsp.cfssl.rps", "ocsp.cfssl.cpu_us", "ocsp.cairn_newconn.rps",
            "ocsp.openssl_newconn.rps", "ocsp.cfssl_newconn.rps", "ocsp.ratio_vs_cfssl",
            "ocsp.ratio_vs_openssl", "crl.generate_s", "crl.peak_rss_mb", "crl.crl_entries"]
for key in positive:
    v = get(key)
    if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
        failures.append(f"{key} is not a positive number: {v!r}")
for key in ["machine.cpu_model", "date", "git_commit"]:
    if not isinstance(get(key), str) or not get(key):
        failures.append(f"{key} is missing")
if res.get("errors") != 0:
    failures.append(f"errors: {res.get('errors')!r}")
for r in res.get("rounds", []):
    for mode in ("cairn", "cairn_32", "cfssl", "cfssl_authsign"):
        run = r.get(mode, {})
        if run.get("errors") != 0 or run.get("requests", 0) <= 0 or run.get("checked", 0) <= 0:
            failures.append(f"round {r.get('round')} {mode}: {run.get('requests')} requests, "
                            f"{run.get('checked')} checked, errors {run.get('errors')}: "
                            f"{run.get('error_samples')}")
if len(res.get("rounds", [])) != 1:
    failures.append("expected 1 round in --quick")
for r in res.get("ocsp", {}).get("rounds", []):
    for name in ("cairn", "openssl", "cfssl"):
        for v in ("ka", "nc"):
            run = r.get(f"{name}_{v}", {})
            if run.get("errors") != 0 or run.get("requests", 0) <= 0:
                failures.append(f"ocsp round {r.get('round')} {name}_{v}: {run.get('requests')} "
                                f"requests, errors {run.get('errors_by_kind')}")
if get("crl.crl_entries") != 10000 or get("crl.crl_signature_ok") is not True:
    failures.append(f"crl: {get('crl.crl_entries')!r} entries, signature {get('crl.crl_signature_ok')!r}")
if get("store.seeded_count") != 10000:
    failures.append(f"store.seeded_count: {get('store.seeded_count')!r}")
expected_eff = round(res["floor_us"] / res["cairn"]["cpu_us_per_issue"], 3) \
    if get("cairn.cpu_us_per_issue") else None
if res.get("efficiency") != expected_eff:
    failures.append(f"efficiency {res.get('efficiency')} != floor/cpu {expected_eff}")
for needle in ("| certificates/s |", "cores", "| Cairn | cfssl sign | cfssl authsign |",
               "## OCSP: one cached answer", "| keep-alive: responses/s |", "## CRL generation"):
    if needle not in md:
        failures.append(f"latest.md lacks {needle!r}")
for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print(f"PASS: bench/run --quick: all keys present, 0 errors "
      f"(cairn {res['cairn']['rps']}/s, cfssl {res['cfssl']['rps']}/s)")
PYEOF
