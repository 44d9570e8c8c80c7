#!/usr/bin/env python3
"""Redis's cost per job of the transition scripts, counted in instructions: load-independent, so it can compare two
designs (or two versions of a script) on a noisy host, where Redis's own timings move with every other process.

Runs a private redis-server under valgrind's callgrind, drives N no-op jobs through the scripts of a lua/ folder
exactly as a worker calls them (batches of --batch jobs: take, reserve, start, finish, and the published events),
and prints the instructions Redis executed per job, beside the same for the other folder when one is given.

    bench/script_cost.py [--lua src/main/resources/lua] [--compare /path/to/older/src/main/resources/lua]
                         [--jobs 2000] [--batch 20]

The older design (before per-job records and reserved lists: takeJobs, activateJobs, moveToFinished with leases)
is recognised by its activateJobs.lua.
"""
import argparse
import hashlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def script(folder, name):
    text = open(os.path.join(folder, name + ".lua")).read()
    return re.sub(r"(?m)^--@include (\w+)$",
                  lambda m: open(os.path.join(folder, "includes", m.group(1) + ".lua")).read(), text)


class Scripts:
    def __init__(self, r, folder, only=None, pid=None):
        self.r, self.folder, self.sha, self.only, self.pid = r, folder, {}, only, pid

    def call(self, name, keys, args):
        if name not in self.sha:
            self.sha[name] = self.r.call("SCRIPT", "LOAD", script(self.folder, name))
        counted = self.only == name
        if counted:
            instrument(self.pid, "on")
        result = self.r.call("EVALSHA", self.sha[name], len(keys), *keys, *args)
        if counted:
            instrument(self.pid, "off")
        return result


def instrument(pid, state):
    subprocess.run(["callgrind_control", f"--instr={state}", str(pid)], check=True, capture_output=True)


def job(i):
    return '{"id":"job_' + str(i) + '","data":{"i":' + str(i) + '},"createdAt":"2026-11-28T00:00:00.000Z","status":"queued","attempts":0}'


def started(i, worker):
    return ('{"id":"job_' + str(i) + '","data":{"i":' + str(i) + '},"createdAt":"2026-11-28T00:00:00.000Z","status":"processing",'
            '"attempts":0,"workerId":"' + worker + '","startedAt":"2026-12-02T10:00:00.000Z"}')


def finished(i, worker):
    return ('{"id":"job_' + str(i) + '","data":{"i":' + str(i) + '},"createdAt":"2026-11-28T00:00:00.000Z","status":"completed",'
            '"attempts":1,"workerId":"' + worker + '","startedAt":"2026-12-02T10:00:00.000Z",'
            '"finishedAt":"2026-12-02T10:00:00.001Z","result":{"processed":true,"durationMs":0}}')


def event(i, status, worker):
    return '{"jobId":"job_' + str(i) + '","status":"' + status + '","workerId":"' + worker + '","timestamp":"2026-12-02T10:00:00.000Z"}'


def drive_current(s, start, n, batch):
    worker, process = "w-1-aaaa-1", "w-1-aaaa"
    s.call("registerWorker", ["q:workers", "q:suspects", "q:worker:" + process], [process, 3_600_000, "threads", 1])
    for first in range(start, start + n, batch):
        ids = range(first, min(start + n, first + batch))
        taken = s.call("takeJobs", ["q", "q:reserved:" + worker, "q:fence:" + worker], [len(ids), 0])[1:]
        args = ["q:job:", process, "q:status", "2026-12-02T10:00:00.000Z"]
        for i in ids:
            args += ["job_%d" % i, f"{process}/run{i}", worker, 0]
        s.call("reserveJobs", ["q:workers", "q:announced"], args)
        args = ["q:job:", "q:status", "q:held:"]
        for k, i in enumerate(ids):
            args += ["start", "q:reserved:" + worker, taken[k], started(i, worker), "job_%d" % i, f"{process}/run{i}",
                     worker, event(i, "processing", worker)]
        s.call("startJobs", ["q:processing", "q:announced"], args)
        args = ["q:job:", "q:held:", "completed", -1, -1, "q:status"]
        for i in ids:
            args += ["job_%d" % i, f"{process}/run{i}", started(i, worker), finished(i, worker), ""]
        s.call("moveToFinished", ["q:processing", "q:completed"], args)
        s.call("publishEvents", [], ["q:status"] + [event(i, "completed", worker) for i in ids])


def drive_older(s, start, n, batch):
    worker = "w-1-1"
    for first in range(start, start + n, batch):
        ids = range(first, min(start + n, first + batch))
        taken = s.call("takeJobs", ["q", "q:processing"], [len(ids)])
        args = [int(time.time() * 1000) + 30000, "q:status", "2026-12-02T10:00:00.000Z"]
        for k, i in enumerate(ids):
            args += [taken[k], started(i, worker), "job_%d" % i]
        s.call("activateJobs", ["q:processing", "q:leases", "q:announced"], args)
        args = []
        for i in ids:
            args += [started(i, worker), finished(i, worker)]
        s.call("moveToFinished", ["q:processing", "q:leases", "q:completed"], args)
        s.call("publishEvents", [], ["q:status"] + [event(i, "processing", worker) for i in ids]
               + [event(i, "completed", worker) for i in ids])


def instructions(folder, n, batch, only=None):
    """Instructions redis-server executes for n jobs through the scripts of folder (callgrind, collected only while
    the jobs flow, or only in the calls of the script named {@code only})."""
    work = tempfile.mkdtemp(prefix="script-cost-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = os.path.join(work, "callgrind.out")
    server = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                               "redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", work],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                r = lib.Redis(port)
                r.call("PING")
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        r.call("EVAL", "for i=0,tonumber(ARGV[1])-1 do redis.call('LPUSH', KEYS[1], ARGV[2]..i..ARGV[3]) end", 1, "q",
               n + batch, '{"id":"job_', '","data":{},"status":"queued","attempts":0}')
        drive = drive_older if os.path.isfile(os.path.join(folder, "activateJobs.lua")) else drive_current
        drive(Scripts(r, folder), 0, batch, batch)  # load the scripts, warm up
        s = Scripts(r, folder, only, server.pid)
        if not only:
            instrument(server.pid, "on")
        drive(s, batch, n, batch)
        if not only:
            instrument(server.pid, "off")
        r.call("SHUTDOWN", "NOSAVE")
    except (RuntimeError, OSError):
        pass
    server.wait(timeout=120)
    with open(out) as f:
        for line in f:
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lua", default=os.path.join(ROOT, "src", "main", "resources", "lua"))
    p.add_argument("--compare")
    p.add_argument("--jobs", type=int, default=2000)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--by-script", action="store_true", help="also count each script's calls on their own")
    a = p.parse_args()
    for folder in [a.lua] + ([a.compare] if a.compare else []):
        total = instructions(folder, a.jobs, a.batch)
        print(f"{total / a.jobs:10.0f} instructions per job in Redis  ({folder}, {a.jobs} jobs, batches of {a.batch})")
        if a.by_script:
            older = os.path.isfile(os.path.join(folder, "activateJobs.lua"))
            names = ["takeJobs", "activateJobs", "moveToFinished", "publishEvents"] if older else \
                ["takeJobs", "reserveJobs", "startJobs", "moveToFinished", "publishEvents"]
            for name in names:
                print(f"  {instructions(folder, a.jobs, a.batch, name) / a.jobs:10.0f}  {name}")


if __name__ == "__main__":
    main()
