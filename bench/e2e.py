#!/usr/bin/env python3
"""End to end: a producer and one worker process together, N no-op jobs; beside BullMQ `e2e N 50`.
Then pick-up latency: jobs LPUSHed one at a time at a steady rate, time from the push to the 'processing' event.

Ours: one fresh process in the `all` role (HTTP intake and workers). The producer posts the N jobs to
POST /jobs/bulk in requests of --bulk jobs, 4 requests in flight, while the workers take them; timed from the
first request until job_queue:completed holds N. BullMQ's anchor adds jobs one by one, 50 in flight, in the
worker's node process (its fastest producer; its addBulk is about as fast).

Latency: a worker process idle on an empty queue; a plain client LPUSHes a seed-format job every 1/rate s and a
subscriber on job_status notes when each job's 'processing' event arrives (same clock, same machine).

    bench/e2e.py [--jobs 20000] [--rounds 3] [--bulk 500] [--rate 500] [--latency-seconds 10]
"""
import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def ours(n, bulk, concurrency):
    lib.flush()
    port = lib.free_port()
    app = lib.App("all", dict(lib.NO_OP, **{"camel.server.port": port, "jobqueue.worker.concurrency": concurrency}))
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


def latency(rate, seconds, concurrency):
    lib.flush()
    app = lib.App("worker", dict(lib.NO_OP, **{"jobqueue.worker.concurrency": concurrency}))
    seen = {}
    try:
        app.wait_started()
        sub = lib.Redis()
        sub.call("SUBSCRIBE", "job_status")

        def listen():
            while True:
                msg = sub.read()
                if msg is None or msg[0] != "message":
                    continue
                event = json.loads(msg[2])
                if event.get("status") == "processing":
                    seen[event["jobId"]] = time.perf_counter()
                if event.get("jobId") == "stop":
                    return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        pusher = lib.Redis()
        sent = {}
        total = int(rate * seconds)
        interval = 1.0 / rate
        next_at = time.perf_counter() + 1.0
        for i in range(total):
            while time.perf_counter() < next_at:
                pass
            job_id = f"lat_{i}"
            job = json.dumps({"id": job_id, "data": {"i": i}, "createdAt": "2026-11-28T00:00:00.000Z",
                              "status": "queued", "attempts": 0})
            sent[job_id] = time.perf_counter()
            pusher.call("LPUSH", "job_queue", job)
            next_at += interval
        time.sleep(1.0)
        # the first second warms the JIT up; latency is measured over the rest
        skip = int(rate)
        samples = sorted((seen[k] - sent[k]) * 1000 for k in list(sent)[skip:] if k in seen)
        missing = total - skip - len(samples)
        return samples, missing
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
    a = p.parse_args()
    lib.ensure_setup()
    print(f"end to end, {a.jobs} no-op jobs, {lib.machine()}")
    theirs, mine = [], []
    for i in range(a.rounds):
        lib.flush()
        b = lib.bullmq("e2e", a.jobs, 50)
        theirs.append(b["rate"])
        o = ours(a.jobs, a.bulk, a.concurrency)
        mine.append(o)
        print(f"  round {i + 1}: BullMQ e2e c=50 {b['rate']:8.0f}/s   ours (bulk {a.bulk}, fresh process) {o:8.0f}/s", flush=True)
    bm = lib.median(theirs)
    print(f"median  BullMQ: {bm:.0f} jobs/s   ours: {lib.median(mine):.0f} jobs/s   = {lib.median(mine) / bm:.2f} x BullMQ")
    samples, missing = latency(a.rate, a.latency_seconds, a.concurrency)
    print(f"pick-up latency at {a.rate} jobs/s (LPUSH -> 'processing' event), {len(samples)} jobs:"
          f" p50 {pct(samples, 50):.2f} ms  p90 {pct(samples, 90):.2f} ms  p99 {pct(samples, 99):.2f} ms"
          f"  max {samples[-1] if samples else float('nan'):.2f} ms  (missing {missing})")


if __name__ == "__main__":
    main()
