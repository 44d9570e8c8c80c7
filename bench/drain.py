#!/usr/bin/env python3
"""Drain: N jobs preloaded in the queue, one worker process, no-op processing; beside BullMQ `process N C`.

Each round runs, one after the other on the same Redis: BullMQ's anchor (a fresh node process, N jobs pre-added,
timed from Worker.run() until N completed events), then ours: a fresh worker process is started and left idle,
N seed-format jobs are LPUSHed in one call, and the time until job_queue:completed holds N is taken. The same
worker then drains N more (warm: the JIT has compiled the hot path). Leases, events, group commits: all on.

    bench/drain.py [--jobs 20000] [--rounds 3] [--concurrency 4] [--bullmq-concurrency 10] [--jvm "-XX:..."]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def ours(n, concurrency, jvm):
    lib.flush()
    app = lib.App("worker", dict(lib.NO_OP, **{"jobqueue.worker.concurrency": concurrency}), jvm=jvm)
    try:
        app.wait_started()
        time.sleep(1.0)
        rates = []
        for _ in range(2):
            r = lib.Redis()
            r.call("DEL", "job_queue:completed")
            start = time.time()
            lib.preload("job_queue", n)
            done = lib.wait_for_length("job_queue:completed", n)
            rates.append(n / (done - start))
        return rates[0], rates[1], app.rss_mb()
    finally:
        app.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--bullmq-concurrency", type=int, default=10)
    p.add_argument("--jvm", default=lib.recommended_jvm("worker"), help="JVM flags for our worker ('' for none)")
    a = p.parse_args()
    lib.ensure_setup()
    print(f"drain {a.jobs} no-op jobs, JVM flags: {a.jvm or '(none)'}, {lib.machine()}")
    theirs, cold, warm, rss = [], [], [], []
    for i in range(a.rounds):
        lib.flush()
        b = lib.bullmq("process", a.jobs, a.bullmq_concurrency)
        theirs.append(b["rate"])
        c, w, m = ours(a.jobs, a.concurrency, a.jvm.split())
        cold.append(c)
        warm.append(w)
        rss.append(m)
        print(f"  round {i + 1}: BullMQ {b['rate']:8.0f}/s   ours (fresh process) {c:8.0f}/s   ours (warm) {w:8.0f}/s"
              f"   RSS {m:.0f} MB", flush=True)
    bm = lib.median(theirs)
    print(f"median  BullMQ process c={a.bullmq_concurrency}: {bm:.0f} jobs/s")
    print(f"median  ours, fresh worker (c={a.concurrency}): {lib.median(cold):.0f} jobs/s  = {lib.median(cold) / bm:.2f} x BullMQ")
    print(f"median  ours, warm worker:          {lib.median(warm):.0f} jobs/s  = {lib.median(warm) / bm:.2f} x BullMQ")
    print(f"worker RSS after {2 * a.jobs} jobs: {max(rss):.0f} MB (max)")


if __name__ == "__main__":
    main()
