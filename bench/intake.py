#!/usr/bin/env python3
"""HTTP intake: POST /jobs under wrk against the api role, beside a trivial node HTTP server in the same run;
then bulk intake: POST /jobs/bulk with 100,000 jobs, beside BullMQ's addBulk and raw Redis LPUSH.

The node server (bench/node_http.js) answers 201 doing no work: the ceiling of an HTTP server on this machine.
Rounds alternate between it and ours (after a --warmup of load on ours: the JIT compiles the request path), so both see the same machine; the figure to
compare is the ratio. Bodies are about 1 KB of JSON.

    bench/intake.py [--rounds 3] [--seconds 10] [--connections 50] [--bulk-jobs 100000]

Needs wrk (apt-get install wrk) and node.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"task":"send_email","to":"user@example.com","pad":"' .. string.rep("x", 960) .. '"}'
"""


def wrk(url, seconds, connections):
    script = "/tmp/bench-post-1k.lua"
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
                         capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return rate, p99_ms, int(bad.group(1)) if bad else 0, errors.group(1) if errors else ""


def bulk_body(n, ndjson):
    items = ['{"n":%d,"task":"send_email"}' % i for i in range(n)]
    return "\n".join(items) if ndjson else "[" + ",".join(items) + "]"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--bulk-jobs", type=int, default=100000)
    p.add_argument("--warmup", type=int, default=30, help="seconds of load before measuring (the JIT compiles the request path)")
    p.add_argument("--jvm", default=lib.recommended_jvm("api"), help="JVM flags for the api process ('' for none)")
    a = p.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    lib.ensure_setup()
    lib.flush()
    print(f"HTTP intake, wrk -t2 -c{a.connections} -d{a.seconds}s, ~1 KB body, JVM flags: {a.jvm or '(none)'}, {lib.machine()}")
    node_port, port = lib.free_port(), lib.free_port()
    node = subprocess.Popen(["node", os.path.join(HERE, "node_http.js"), str(node_port)], stdout=subprocess.DEVNULL)
    app = lib.App("api", {"camel.server.port": port}, jvm=a.jvm.split())
    try:
        app.wait_started()
        lib.wait_http(port)
        wrk(f"http://127.0.0.1:{port}/jobs", a.warmup, a.connections)  # the JIT compiles the request path
        theirs, ours, p99s, bad = [], [], [], 0
        for i in range(a.rounds):
            n_rate, n_p99, _, _ = wrk(f"http://127.0.0.1:{node_port}/", a.seconds, a.connections)
            lib.Redis().call("DEL", "job_queue", "job_queue:announced")
            o_rate, o_p99, o_bad, o_err = wrk(f"http://127.0.0.1:{port}/jobs", a.seconds, a.connections)
            theirs.append(n_rate)
            ours.append(o_rate)
            p99s.append(o_p99)
            bad += o_bad
            print(f"  round {i + 1}: node trivial server {n_rate:8.0f} req/s (p99 {n_p99:.1f} ms)   "
                  f"ours POST /jobs {o_rate:8.0f} req/s (p99 {o_p99:.1f} ms, non-201: {o_bad}{', ' + o_err if o_err else ''})",
                  flush=True)
        print(f"median  node {lib.median(theirs):.0f} req/s   ours {lib.median(ours):.0f} req/s   "
              f"= {lib.median(ours) / lib.median(theirs):.2f} x node   p99 {lib.median(p99s):.1f} ms   non-201 {bad}")

        print(f"bulk intake, {a.bulk_jobs} jobs per POST /jobs/bulk")
        for kind, ndjson in (("JSON array", False), ("NDJSON", True)):
            body = bulk_body(a.bulk_jobs, ndjson)
            ctype = "application/x-ndjson" if ndjson else "application/json"
            for _ in range(2):  # warm-up: the JIT compiles the bulk path
                lib.http_post(port, "/jobs/bulk", body, ctype)
                lib.Redis().call("DEL", "job_queue", "job_queue:announced")
            rates = []
            for _ in range(a.rounds):
                lib.Redis().call("DEL", "job_queue", "job_queue:announced")
                start = time.time()
                status, _ = lib.http_post(port, "/jobs/bulk", body, ctype)
                assert status == 201, status
                rates.append(a.bulk_jobs / (time.time() - start))
            print(f"  ours, {kind:10s}: {lib.median(rates):9.0f} jobs/s (median of {a.rounds}; "
                  f"{', '.join('%.0f' % r for r in rates)})", flush=True)
    finally:
        app.stop()
        node.terminate()
    lib.flush()
    b = lib.bullmq("enqueue-bulk", 100000)
    print(f"  BullMQ addBulk (batches of 1000): {b['rate']:9.0f} jobs/s")
    out = subprocess.run(["redis-benchmark", "-p", str(lib.REDIS_PORT), "-n", "200000", "-c", "50", "-P", "16", "-q",
                          "LPUSH", "bench_lpush", "x"], capture_output=True, text=True).stdout
    m = re.search(r"([\d.]+) requests per second", out.replace("\r", "\n"))
    print(f"  raw Redis LPUSH (redis-benchmark -c 50 -P 16): {float(m.group(1)):9.0f} values/s")
    lib.flush()


if __name__ == "__main__":
    main()
