#!/usr/bin/env python3
"""One measured OCSP run of bench/run, against any responder, with wrk or ab.

  ocsp_load.py wait   --url URL --request REQ.der [--timeout S]
  ocsp_load.py verify --url URL --request REQ.der --issuer INT.pem --cert LEAF.pem --root ROOT.pem
  ocsp_load.py run    --tool wrk|ab --url URL --request REQ.der --connections N --duration S
                      [--warmup S] --server-pid PID --issuer ... --cert ... --root ...
                      [--wrk-script post.lua]

Every request is a POST of the same DER OCSP request (one SHA-1 CertID, no nonce) with
Content-Type application/ocsp-request.

run, in order:
 1. verify: one POST, the answer checked by `openssl ocsp -respin` (the signature must verify
    to the root and the certificate's status must be "good"); its body size is remembered;
 2. warm-up: `ab -n` (4,000 requests per warm-up second, new connections; a count, not a
    time, so that every connection ends with its answer: `openssl ocsp -multi` children spin
    forever on a connection the client closes before sending a request);
 3. the server's CPU time is read: utime+stime+cutime+cstime from /proc/PID/stat of the
    server and of every live descendant (openssl's -multi children), summed;
 4. the measured run: `wrk -t1 -cN -dS` (keep-alive; HTTP/1.1) or `ab -cN -tS` (a new
    connection per request; HTTP/1.0, no keep-alive), each on one thread;
 5. the server's CPU time again, and this process's children's CPU (the load generator's);
 6. verify again (unless --no-verify-after).
Errors: connect/read/write/timeout/non-2xx (wrk), connect/receive/exception/non-2xx (ab);
a mean body size below the verified answer's (wrk: bytes read per response, headers included;
ab: body bytes per response, within 16 bytes: openssl signs each answer anew and ECDSA
signatures vary in length) counts every response as an error; so does a failed verification.
Prints one JSON object.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CONTENT_TYPE = "application/ocsp-request"
WARMUP_PER_S = 4000
BODY_TOLERANCE = 16


def post(url, body, timeout=5):
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": CONTENT_TYPE})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def wait(url, body, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            status, _ = post(url, body, timeout=2)
            if status == 200:
                return True, None
            last = f"HTTP {status}"
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.05)
    return False, last


def verify(url, body, issuer, cert, root):
    """POSTs once and checks the answer with openssl; returns a dict with ok and details."""
    try:
        status, der = post(url, body)
    except (urllib.error.URLError, OSError) as e:
        return {"ok": False, "detail": f"POST failed: {e}"}
    if status != 200:
        return {"ok": False, "detail": f"HTTP {status}"}
    with tempfile.NamedTemporaryFile(suffix=".der") as f:
        f.write(der)
        f.flush()
        p = subprocess.run(["openssl", "ocsp", "-respin", f.name, "-issuer", issuer, "-cert", cert,
                            "-CAfile", root], capture_output=True, text=True)
    out = p.stdout + p.stderr
    ok = p.returncode == 0 and "Response verify OK" in out and f"{cert}: good" in out
    # The certificate's temporary directory is left out of the recorded detail.
    detail = " | ".join(l.strip().replace(cert, os.path.basename(cert)) for l in out.splitlines()
                        if "verify" in l.lower() or ": " in l and cert in l)
    return {"ok": ok, "body_bytes": len(der), "detail": detail}


def tree_cpu(pid):
    """utime+stime+cutime+cstime (s) of `pid` and its live descendants; (seconds, processes)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
        stats[int(name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    if pid not in stats:
        raise SystemExit(f"ocsp_load.py: server process {pid} is gone")
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for p, (ppid, _) in stats.items():
            if ppid == parent and p not in tree:
                tree.add(p)
                frontier.append(p)
    return sum(stats[p][1] for p in tree) / tick, len(tree)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_wrk(a):
    env = dict(os.environ, OCSP_REQUEST=a.request)
    cmd = ["wrk", "-t1", f"-c{a.connections}", f"-d{a.duration:g}s", "--timeout", "5s",
           "-s", a.wrk_script, a.url]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=a.duration + 60)
    m = re.search(r"^WRK_JSON (\{.*\})$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        raise SystemExit(f"ocsp_load.py: wrk failed ({p.returncode}): {p.stdout[-500:]} {p.stderr[-500:]}")
    w = json.loads(m.group(1))
    kinds = {k: w[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors",
                               "timeouts") if w[k]}
    n = w["requests"]
    return {
        "requests": n,
        "seconds": w["duration_us"] / 1e6,
        "latency_ms": {k: round(w[f"{k}_us"] / 1000, 3) for k in ("p50", "p90", "p99", "max")}
        | {"mean": round(w["mean_us"] / 1000, 3)},
        "errors_by_kind": kinds,
        "bytes_per_response": round(w["bytes"] / n, 1) if n else 0,
        "raw": w,
    }


def ab_cmd(a, n, time_limit=None, csv=None):
    cmd = ["ab", "-q", "-r", "-c", str(a.connections)]
    if time_limit is not None:
        # -t (whole seconds) implies -n 50000: -n must come after it.
        cmd += ["-t", str(max(1, round(time_limit)))]
    cmd += ["-n", str(n), "-p", a.request, "-T", CONTENT_TYPE]
    if csv:
        cmd += ["-e", csv]
    return cmd + [a.url]


def run_ab(a):
    with tempfile.NamedTemporaryFile(suffix=".csv") as csv:
        p = subprocess.run(ab_cmd(a, 100_000_000, a.duration, csv.name), capture_output=True,
                           text=True, timeout=a.duration + 60)
        pct = {}
        for line in open(csv.name):
            parts = line.strip().split(",")
            if len(parts) == 2 and parts[0].isdigit():
                pct[int(parts[0])] = float(parts[1])
    out = p.stdout

    def num(pattern, default=None):
        m = re.search(pattern, out, re.M)
        return float(m.group(1)) if m else default

    complete = num(r"^Complete requests:\s+(\d+)")
    if p.returncode != 0 or complete is None:
        raise SystemExit(f"ocsp_load.py: ab failed ({p.returncode}): {out[-500:]} {p.stderr[-500:]}")
    n = int(complete)
    kinds = {}
    m = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)", out)
    if m:
        # Length: a body of another size than the first one; not an error for openssl, whose
        # answers are signed anew each time (ECDSA signatures vary in length). The body-size
        # check below covers it.
        for k, v in zip(("connect_errors", "receive_errors", "length_mismatches",
                         "exceptions"), m.groups()):
            if int(v):
                kinds[k] = int(v)
    non2xx = num(r"^Non-2xx responses:\s+(\d+)", 0)
    if non2xx:
        kinds["status_errors"] = int(non2xx)
    body = num(r"^HTML transferred:\s+(\d+)", 0)
    return {
        "requests": n,
        "seconds": num(r"^Time taken for tests:\s+([\d.]+)"),
        "latency_ms": {"p50": pct.get(50), "p90": pct.get(90), "p99": pct.get(99),
                       "max": pct.get(100), "mean": num(r"^Time per request:\s+([\d.]+) \[ms\] \(mean\)")},
        "errors_by_kind": kinds,
        "body_bytes_per_response": round(body / n, 1) if n else 0,
    }


def cmd_run(a):
    body = open(a.request, "rb").read()
    before = verify(a.url, body, a.issuer, a.cert, a.root)
    if not before["ok"]:
        raise SystemExit(f"ocsp_load.py: {a.url}: the answer does not verify: {before['detail']}")
    expect = before["body_bytes"]
    if a.warmup > 0:
        n = max(200, int(a.warmup * WARMUP_PER_S))
        p = subprocess.run(ab_cmd(a, n), capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise SystemExit(f"ocsp_load.py: warm-up failed: {p.stdout[-300:]} {p.stderr[-300:]}")
    cpu0, _ = tree_cpu(a.server_pid)
    client0 = children_cpu()
    r = run_wrk(a) if a.tool == "wrk" else run_ab(a)
    client1 = children_cpu()
    cpu1, procs = tree_cpu(a.server_pid)
    after = {"ok": True, "detail": "skipped"} if a.no_verify_after else \
        verify(a.url, body, a.issuer, a.cert, a.root)
    n = r["requests"]
    kinds = {k: v for k, v in r["errors_by_kind"].items() if k != "length_mismatches"}
    if a.tool == "wrk" and n and r["bytes_per_response"] < expect:
        kinds["short_responses"] = n
    if a.tool == "ab" and n and abs(r["body_bytes_per_response"] - expect) > BODY_TOLERANCE:
        kinds["wrong_size_bodies"] = n
    if not after["ok"]:
        kinds["verify_after_run"] = 1
    errors = sum(kinds.values())
    rps = n / r["seconds"] if r["seconds"] else 0
    server_cpu = cpu1 - cpu0
    res = {
        "tool": a.tool,
        "keepalive": a.tool == "wrk",
        "url": a.url,
        "connections": a.connections,
        "duration_s": a.duration,
        "warmup_requests": max(200, int(a.warmup * WARMUP_PER_S)) if a.warmup > 0 else 0,
        "requests": n,
        "seconds": round(r["seconds"], 3),
        "rps": round(rps, 1),
        "latency_ms": r["latency_ms"],
        "errors": errors,
        "errors_by_kind": kinds,
        "length_mismatches": r["errors_by_kind"].get("length_mismatches", 0),
        "body_bytes": expect,
        "server": {"pid": a.server_pid, "processes": procs, "cpu_s": round(server_cpu, 3),
                   "cpu_us_per_response": round(server_cpu * 1e6 / n, 1) if n else None},
        "client": {"cpu_us_per_response": round((client1 - client0) * 1e6 / n, 1) if n else None},
        "verify_before": before["detail"],
        "verify_after": after["detail"],
    }
    if "bytes_per_response" in r:
        res["bytes_per_response"] = r["bytes_per_response"]
    if "body_bytes_per_response" in r:
        res["body_bytes_per_response"] = r["body_bytes_per_response"]
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["wait", "verify", "run"])
    ap.add_argument("--url", required=True)
    ap.add_argument("--request", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--issuer")
    ap.add_argument("--cert")
    ap.add_argument("--root")
    ap.add_argument("--tool", choices=["wrk", "ab"], default="wrk")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--server-pid", type=int)
    ap.add_argument("--no-verify-after", action="store_true",
                    help="skip the check after the run (openssl ocsp is wedged by then)")
    ap.add_argument("--wrk-script", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "post.lua"))
    a = ap.parse_args()
    if a.command == "wait":
        ok, last = wait(a.url, open(a.request, "rb").read(), a.timeout)
        if not ok:
            raise SystemExit(f"ocsp_load.py: {a.url} did not answer 200 within {a.timeout} s: {last}")
        return
    for k in ("issuer", "cert", "root"):
        if not getattr(a, k):
            raise SystemExit(f"ocsp_load.py: --{k} is required")
    if a.command == "verify":
        v = verify(a.url, open(a.request, "rb").read(), a.issuer, a.cert, a.root)
        print(json.dumps(v))
        sys.exit(0 if v["ok"] else 1)
    if not a.server_pid:
        raise SystemExit("ocsp_load.py: --server-pid is required")
    cmd_run(a)


if __name__ == "__main__":
    main()
