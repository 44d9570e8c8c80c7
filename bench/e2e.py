#!/usr/bin/env python3
"""End to end: a producer and one worker process together, N no-op jobs; beside BullMQ `e2e N 50`.
Then pick-up latency: jobs LPUSHed one at a time at a steady rate, time from the push to the 'processing' event.

Ours: one fresh process in the `all` role (HTTP intake and workers). The producer posts the N jobs to
POST /jobs/bulk in requests of --bulk jobs, 4 requests in flight, while the workers take them; timed from the
first request until job_queue:completed holds N. BullMQ's anchor adds jobs one by one, 50 in flight, in the
worker's node process (its fastest producer; its addBulk is about as fast).

Latency: a worker process idle on an empty queue; a plain client LPUSHes a seed-format job every 1/rate s and a
subscriber on job_status, in a process of its own, notes when each job's 'processing' event arrives (both read the
same monotonic clock).

    bench/e2e.py [--jobs 20000] [--rounds 3] [--bulk 500] [--rate 500] [--latency-seconds 10]
"""
import argparse
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def ours(n, bulk, concurrency, jvm):
    lib.flush()
    port = lib.free_port()
    app = lib.App("all", dict(lib.NO_OP, **{"camel.server.port": port, "jobqueue.worker.concurrency": concurrency}), jvm=jvm)
    try:
        app.wait_started()
        lib.wait_http(port)
        time.sleep(1.0)
        bodies = ["[" + ",".join('{"n":%d}' % i for i in range(start, min(n, start + bulk))) + "]"
                  for start in range(0, n, bulk)]
        start = time.time()
        with ThreadPoolExecutor(4) as pool:
            for status, _ in pool.map(lambda body: lib.http_post(port, "/jobs/bulk", body), bodies):
                assert status == 201, status
        done = lib.wait_for_length("job_queue:completed", n)
        return n / (done - start)
    finally:
        app.stop()


def listen(ready, results, stop_id):
    """In its own process (no GIL shared with the pusher): notes when each job's 'processing' event arrives."""
    sub = lib.Redis()
    sub.call("SUBSCRIBE", "job_status")
    ready.set()
    seen = {}
    while True:
        msg = sub.read()
        if msg is None or msg[0] != "message":
            continue
        now = time.monotonic()
        event = json.loads(msg[2])
        if event.get("status") == "processing":
            seen[event["jobId"]] = now
        if event.get("jobId") == stop_id:
            break
    results.put(seen)


def latency(rate, seconds, concurrency, jvm):
    lib.flush()
    app = lib.App("worker", dict(lib.NO_OP, **{"jobqueue.worker.concurrency": concurrency}), jvm=jvm)
    try:
        app.wait_started()
        ready, results = multiprocessing.Event(), multiprocessing.Queue()
        listener = multiprocessing.Process(target=listen, args=(ready, results, "stop"))
        listener.start()
        ready.wait(10)
        pusher = lib.Redis()
        sent = {}
        total = int(rate * seconds)
        interval = 1.0 / rate
        next_at = time.monotonic() + 0.5
        for i in range(total + 1):
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            job_id = f"lat_{i}" if i < total else "stop"
            job = json.dumps({"id": job_id, "data": {"i": i}, "createdAt": "2026-11-28T00:00:00.000Z",
                              "status": "queued", "attempts": 0})
            sent[job_id] = time.monotonic()
            pusher.call("LPUSH", "job_queue", job)
            next_at += interval
        seen = results.get(timeout=30)
        listener.join(5)
        # the first second warms the JIT up; latency is measured over the rest
        skip = int(rate)
        keys = [f"lat_{i}" for i in range(skip, total)]
        samples = sorted((seen[k] - sent[k]) * 1000 for k in keys if k in seen)
        return samples, len(keys) - len(samples)
    finally:
        app.stop()


def pct(samples, p):
    return samples[min(len(samples) - 1, int(len(samples) * p / 100))] if samples else float("nan")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--bulk", type=int, default=500)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--rate", type=int, default=500)
    p.add_argument("--latency-seconds", type=int, default=10)
    p.add_argument("--jvm", default=lib.recommended_jvm("all"), help="JVM flags for our process ('' for none)")
    p.add_argument("--only", choices=["throughput", "latency"], help="run one of the two measurements")
    a = p.parse_args()
    jvm = a.jvm.split()
    lib.ensure_setup()
    print(f"end to end, {a.jobs} no-op jobs, JVM flags: {a.jvm or '(none)'}, {lib.machine()}")
    theirs, mine = [], []
    for i in range(a.rounds if a.only != "latency" else 0):
        lib.flush()
        b = lib.bullmq("e2e", a.jobs, 50)
        theirs.append(b["rate"])
        o = ours(a.jobs, a.bulk, a.concurrency, jvm)
        mine.append(o)
        print(f"  round {i + 1}: BullMQ e2e c=50 {b['rate']:8.0f}/s   ours (bulk {a.bulk}, fresh process) {o:8.0f}/s", flush=True)
    if theirs:
        bm = lib.median(theirs)
        print(f"median  BullMQ: {bm:.0f} jobs/s   ours: {lib.median(mine):.0f} jobs/s   = {lib.median(mine) / bm:.2f} x BullMQ")
    if a.only == "throughput":
        return
    samples, missing = latency(a.rate, a.latency_seconds, a.concurrency, jvm)
    print(f"pick-up latency at {a.rate} jobs/s (LPUSH -> 'processing' event), {len(samples)} jobs:"
          f" p50 {pct(samples, 50):.2f} ms  p90 {pct(samples, 90):.2f} ms  p99 {pct(samples, 99):.2f} ms"
          f"  max {samples[-1] if samples else float('nan'):.2f} ms  (missing {missing})")


if __name__ == "__main__":
    main()
