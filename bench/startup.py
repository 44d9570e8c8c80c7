#!/usr/bin/env python3
"""Start-up: from starting the application (the all role) to the first 201 from POST /jobs, and the process's
resident memory then: with the flags bin/redis-job-queue uses (class data sharing included), and as plain
`java -jar`; beside the JVM's own start (`java -version`) in the same run.

    bench/startup.py [--runs 5] [--jvm "..."]
"""
import argparse
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def first_201(jvm):
    port = lib.free_port()
    env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{lib.REDIS_PORT}")
    start = time.time()
    process = subprocess.Popen(["java", *jvm, f"-Dcamel.server.port={port}", "-Djobqueue.queue-name=startup_bench",
                                "-jar", lib.JAR], cwd="/tmp", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/jobs", data=b'{"hello":"world"}',
                                                 headers={"Content-Type": "application/json"}, method="POST")
                with urllib.request.urlopen(request, timeout=1) as response:
                    if response.status == 201:
                        break
            except OSError:
                pass
            if time.time() - start > 60:
                raise RuntimeError("no 201 within 60 s")
            time.sleep(0.01)
        took = time.time() - start
        with open(f"/proc/{process.pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
        return took, rss
    finally:
        process.terminate()
        process.wait()


def jvm_start():
    start = time.time()
    subprocess.run(["java", "-version"], capture_output=True)
    return time.time() - start


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    lib.ensure_setup()
    flags = lib.recommended_jvm("all")
    print(f"start-up to first 201, {lib.machine()}\n  flags: {flags}")
    tuned, plain, bare = [], [], []
    for i in range(a.runs):
        bare.append(jvm_start())
        tuned.append(first_201(flags.split()))
        plain.append(first_201([]))
        print(f"  run {i + 1}: java -version {bare[-1]:.2f} s   with the flags {tuned[-1][0]:.2f} s (RSS {tuned[-1][1]:.0f} MB)"
              f"   plain java -jar {plain[-1][0]:.2f} s (RSS {plain[-1][1]:.0f} MB)", flush=True)
    print(f"median  first 201: with the flags {lib.median([t for t, _ in tuned]):.2f} s, plain java -jar "
          f"{lib.median([t for t, _ in plain]):.2f} s (the JVM alone {lib.median(bare):.2f} s)")
    lib.Redis().call("DEL", "startup_bench")


if __name__ == "__main__":
    main()
