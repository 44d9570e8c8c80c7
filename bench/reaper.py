#!/usr/bin/env python3
"""Reaper cost: what finding dead workers costs Redis when many jobs are running, and when some are large.

Sets up, in the bench Redis, a live worker process (heartbeat far ahead) holding 50,000 started jobs plus 100 jobs of
2 MB, exactly as startJobs.lua leaves them (processing list, records, held hash). Then:
  1. reference, same run: what the previous design's reaper did on every pass: read the whole processing list
     (LRANGE 0 -1), timed;
  2. ours: a worker process runs its reaper (every second, the default) for 10 s; Redis's own accounting
     (INFO commandstats, SLOWLOG over 5 ms) gives the time its script calls took;
  3. a second process holding 4 started jobs and 10 reserved ones dies among them: the time from its heartbeat
     running out to its jobs back in the queue, and the cost of the claim.

    bench/reaper.py [--jobs 50000] [--big 100] [--big-bytes 2000000]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

SETUP = """
local n, prefix, process = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local value = ARGV[4]
for i = 1, n do
  local id = prefix .. i
  local json = '{"id":"' .. id .. '","data":' .. value .. ',"status":"processing","attempts":0,"workerId":"' .. process .. '-1"}'
  redis.call('LPUSH', 'job_queue:processing', json)
  redis.call('HSET', 'job_queue:job:' .. id, 'state', 'reserved', 'run', process .. '/r' .. i, 'worker', process .. '-1')
  redis.call('HSET', 'job_queue:held:' .. process, id, json)
end
return n
"""


def commandstats(r, command):
    for line in r.call("INFO", "commandstats").splitlines():
        if line.startswith(f"cmdstat_{command}:"):
            fields = dict(kv.split("=") for kv in line.split(":", 1)[1].split(","))
            return int(fields["calls"]), int(fields["usec"])
    return 0, 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=50000)
    p.add_argument("--big", type=int, default=100)
    p.add_argument("--big-bytes", type=int, default=2_000_000)
    a = p.parse_args()
    lib.ensure_setup()
    lib.flush()
    r = lib.Redis()
    print(f"reaper cost, {a.jobs} running jobs + {a.big} of {a.big_bytes / 1e6:.0f} MB held by a live process, "
          f"{lib.machine()}")
    far = int(time.time() * 1000) + 3_600_000
    r.call("ZADD", "job_queue:workers", far, "live-1-aaaa")
    r.call("HSET", "job_queue:worker:live-1-aaaa", "threads", 1)
    for start in range(0, a.jobs, 10000):
        r.call("EVAL", SETUP, 0, min(10000, a.jobs - start), f"job_small_{start}_", "live-1-aaaa", '{"n":1}')
    big = '{"blob":"' + "x" * a.big_bytes + '"}'
    for i in range(a.big):
        r.call("EVAL", SETUP, 0, 1, f"job_big_{i}_", "live-1-aaaa", big)
    used = next(line for line in r.call("INFO", "memory").splitlines() if line.startswith("used_memory:"))
    print(f"  processing list: {r.call('LLEN', 'job_queue:processing')} jobs, Redis memory {int(used.split(':')[1]) / 1e6:.0f} MB")

    started = time.perf_counter()
    r.send("LRANGE", "job_queue:processing", 0, -1)
    r.file.readline()  # the array header; read the values without decoding 200 MB into Python strings
    read = 0
    while read < a.jobs + a.big:
        header = r.file.readline()
        r.file.read(int(header[1:-2]) + 2)
        read += 1
    reference = time.perf_counter() - started
    print(f"  reference: one pass of the previous reaper (LRANGE of the processing list): {reference * 1000:.0f} ms")

    r.call("CONFIG", "SET", "slowlog-log-slower-than", 5000)
    r.call("SLOWLOG", "RESET")
    r.call("CONFIG", "RESETSTAT")
    settings = dict(lib.NO_OP, **{"jobqueue.worker.concurrency": 4})
    app = lib.App("worker", settings, jvm=lib.recommended_jvm("worker").split())
    try:
        app.wait_started()
        time.sleep(10)
        calls, usec = commandstats(r, "evalsha")
        slow = r.call("SLOWLOG", "GET", 100)
        print(f"  ours, 10 s of an idle worker process (heartbeat, reaper, delayed jobs, each pass a script): "
              f"{calls} script calls, {usec / 1000:.1f} ms of Redis time in all, {usec / max(calls, 1):.0f} us per call; "
              f"calls over 5 ms: {len(slow)}")

        # a second process dies with 4 started jobs and 10 reserved ones among the live process's 50,100
        seconds, micros = r.call("TIME")
        now = int(seconds) * 1000 + int(micros) // 1000
        r.call("ZADD", "job_queue:workers", now + 1000, "dead-2-bbbb")
        r.call("HSET", "job_queue:worker:dead-2-bbbb", "threads", 1)
        r.call("EVAL", SETUP, 0, 4, "job_dead_", "dead-2-bbbb", '{"n":2}')
        for i in range(10):
            r.call("RPUSH", "job_queue:reserved:dead-2-bbbb-1",
                   '{"id":"job_reserved_' + str(i) + '","data":{},"status":"queued","attempts":0}')
        r.call("SLOWLOG", "RESET")
        r.call("CONFIG", "RESETSTAT")
        died = time.time() + 1.0
        deadline = time.time() + 60
        while time.time() < deadline and r.call("EXISTS", "job_queue:held:dead-2-bbbb"):
            time.sleep(0.05)
        back = time.time() - died
        calls, usec = commandstats(r, "evalsha")
        print(f"  ours, a process dies holding 4 started and 10 reserved jobs: given back {back:.1f} s after its heartbeat "
              f"ran out (a reaper must find it silent twice, 3 s apart); "
              f"{calls} script calls meanwhile, {usec / 1000:.1f} ms of Redis time in all; "
              f"calls over 5 ms: {len(r.call('SLOWLOG', 'GET', 100))}")
    finally:
        app.stop()
        r.call("CONFIG", "SET", "slowlog-log-slower-than", 10000)
        lib.flush()


if __name__ == "__main__":
    main()
