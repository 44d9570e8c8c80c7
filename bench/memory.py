#!/usr/bin/env python3
"""Redis memory after many finished jobs: with the default retention (10,000 completed for a day), and, as the
reference in the same run, with retention off (every finished job kept, as before retention existed).

One worker process drains N no-op jobs (preloaded by a plain client, in chunks); then Redis's INFO memory and the
number of keys are read.

    bench/memory.py [--jobs 200000]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

DEFAULTS = {"jobqueue.processor.min-duration-ms": 0, "jobqueue.processor.max-duration-ms": 0,
            "jobqueue.processor.failure-rate": 0}


def used_memory(r):
    for line in r.call("INFO", "memory").splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    return 0


def drain(n, settings):
    lib.flush()
    r = lib.Redis()
    before = used_memory(r)
    app = lib.App("worker", settings, jvm=lib.recommended_jvm("worker").split())
    try:
        app.wait_started()
        started = time.time()
        for first in range(0, n, 20000):
            lib.preload("job_queue", min(20000, n - first))
            while r.call("LLEN", "job_queue") > 20000:  # keep the queue short: measure what finished jobs leave
                time.sleep(0.05)
        while r.call("LLEN", "job_queue") or r.call("LLEN", "job_queue:processing"):
            time.sleep(0.1)
        time.sleep(1.0)
        took = time.time() - started
        return used_memory(r) - before, r.call("DBSIZE"), r.call("LLEN", "job_queue:completed"), took
    finally:
        app.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=200000)
    a = p.parse_args()
    lib.ensure_setup()
    print(f"Redis memory after {a.jobs} finished no-op jobs, {lib.machine()}")
    grown, keys, kept, took = drain(a.jobs, DEFAULTS)
    print(f"  default retention (10,000 completed, 1 day): +{grown / 1e6:.1f} MB, {keys} keys, "
          f"{kept} jobs in job_queue:completed ({took:.0f} s)")
    grown, keys, kept, took = drain(a.jobs, lib.NO_OP)
    print(f"  reference, retention off (every job kept):   +{grown / 1e6:.1f} MB, {keys} keys, "
          f"{kept} jobs in job_queue:completed ({took:.0f} s)")
    lib.flush()


if __name__ == "__main__":
    main()
