#!/usr/bin/env python3
"""Two builds side by side: the drain of N preloaded no-op jobs by one fresh worker process of each, alternated.

For each round and build: drain time (fresh, then warm), the worker's CPU per job (/proc utime+stime) and Redis's
CPU per job (INFO commandstats: microseconds spent in every command, scripts included). On a noisy host the CPU
figures are steadier than the rates. Compare a change against the build before it:

    git worktree add /tmp/before <commit> && (cd /tmp/before && mvn -B -q -DskipTests package)
    bench/ab.py --jar-a /tmp/before/target/redis-job-queue.jar [--jar-b target/redis-job-queue.jar] [--rounds 3]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def redis_usec(r):
    total = 0
    for line in r.call("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_"):
            fields = dict(kv.split("=") for kv in line.split(":", 1)[1].split(","))
            total += int(fields["usec"])
    return total


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def drain(jar, n, jvm):
    lib.flush()
    r = lib.Redis()
    app = lib.App("worker", lib.NO_OP, jvm=jvm, jar=jar)
    try:
        app.wait_started()
        time.sleep(1.0)
        results = []
        for _ in range(2):
            r.call("DEL", "job_queue:completed")
            r.call("CONFIG", "RESETSTAT")
            cpu = cpu_seconds(app.process.pid)
            start = time.time()
            lib.preload("job_queue", n)
            done = lib.wait_for_length("job_queue:completed", n)
            results.append((n / (done - start), (cpu_seconds(app.process.pid) - cpu) / n * 1e6, redis_usec(r) / n))
        return results
    finally:
        app.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jar-a", required=True)
    p.add_argument("--jar-b", default=lib.JAR)
    p.add_argument("--jobs", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    lib.ensure_setup()
    jvm = lib.recommended_jvm("worker").split()
    print(f"A/B drain of {a.jobs} no-op jobs, {lib.machine()}\n  A = {a.jar_a}\n  B = {a.jar_b}")
    figures = {"A": [], "B": []}
    for i in range(a.rounds):
        for name, jar in (("A", a.jar_a), ("B", a.jar_b)):
            archive = jar[:-4] + ".jsa"
            flags = [f for f in jvm if not f.startswith("-XX:SharedArchiveFile")]
            if os.path.isfile(archive):
                flags.append(f"-XX:SharedArchiveFile={archive}")
            (fresh, fresh_cpu, fresh_redis), (warm, warm_cpu, warm_redis) = drain(jar, a.jobs, flags)
            figures[name].append((fresh, warm, warm_cpu, warm_redis))
            print(f"  round {i + 1} {name}: fresh {fresh:8.0f}/s  warm {warm:8.0f}/s   worker CPU/job fresh {fresh_cpu:5.1f} us, "
                  f"warm {warm_cpu:5.1f} us   Redis CPU/job warm {warm_redis:5.1f} us", flush=True)
    for name in ("A", "B"):
        f = figures[name]
        print(f"median {name}: fresh {lib.median([x[0] for x in f]):.0f}/s, warm {lib.median([x[1] for x in f]):.0f}/s, "
              f"worker CPU/job (warm) {lib.median([x[2] for x in f]):.1f} us, Redis CPU/job (warm) {lib.median([x[3] for x in f]):.1f} us")


if __name__ == "__main__":
    main()
