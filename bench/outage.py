#!/usr/bin/env python3
"""Redis outage under load: Redis is stopped for a while and started again while jobs are posted and processed.

Starts a private Redis (append-only file on) and the all role of target/redis-job-queue.jar (workers with 5-20 ms
jobs), posts jobs over HTTP at a steady rate, stops Redis after a few seconds (SHUTDOWN, as an operator would),
starts it again after --down seconds, goes on posting, and then waits until every accepted job has finished.
Checks: while Redis is down POST /jobs answers 503 with a JSON error, each within 2 s; every job that was
accepted (201) ends in job_queue:completed or job_queue:failed exactly once. Exits 1 otherwise.

    mvn -B -DskipTests package && bench/outage.py [--down 10] [--rate 200]

Needs python3 (standard library only), java, redis-server and redis-cli.
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from chaos import JAR, App, free_port, redis_cli, wait_for_http


class Poster(threading.Thread):
    """Posts one job every 1/rate s; notes what was accepted and how refusals were answered."""

    def __init__(self, port, rate):
        super().__init__(daemon=True)
        self.port, self.interval = port, 1.0 / rate
        self.accepted, self.refused, self.slowest_refusal, self.other = [], 0, 0.0, []
        self.running = True

    def run(self):
        n, next_at = 0, time.monotonic()
        while self.running:
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_at += self.interval
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("POST", "/jobs", json.dumps({"n": n}), {"Content-Type": "application/json"})
                response = conn.getresponse()
                body = response.read()
                conn.close()
            except OSError as e:
                self.other.append(f"no answer: {e}")
                continue
            took = time.monotonic() - started
            if response.status == 201:
                self.accepted.append(json.loads(body)["id"])
            elif response.status == 503 and json.loads(body).get("error"):
                self.refused += 1
                self.slowest_refusal = max(self.slowest_refusal, took)
            else:
                self.other.append(f"{response.status} {body[:200]!r}")
            n += 1


def start_redis(port, work):
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", work,
                              "--appendonly", "yes", "--save", ""], stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            if redis_cli(port, "PING") == ["PONG"]:
                return redis
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--down", type=float, default=10.0, help="seconds Redis stays stopped")
    parser.add_argument("--rate", type=int, default=200, help="jobs posted per second")
    parser.add_argument("--before", type=float, default=3.0, help="seconds of load before Redis stops")
    parser.add_argument("--after", type=float, default=5.0, help="seconds of load after Redis is back")
    a = parser.parse_args()
    if not os.path.isfile(JAR):
        sys.exit(f"{JAR} is missing: mvn -B -DskipTests package")
    work = tempfile.mkdtemp(prefix="outage-")
    redis_port, http_port = free_port(), free_port()
    redis = start_redis(redis_port, work)
    app = App("all", os.path.join(work, "app"), redis_port, {
        "camel.server.port": http_port, "jobqueue.processor.min-duration-ms": 5,
        "jobqueue.processor.max-duration-ms": 20, "jobqueue.processor.failure-rate": 0})
    poster = Poster(http_port, a.rate)
    try:
        wait_for_http(http_port)
        poster.start()
        time.sleep(a.before)
        redis_cli(redis_port, "SHUTDOWN")
        redis.wait(30)
        print(f"Redis stopped after {a.before:.0f} s of load ({len(poster.accepted)} jobs accepted so far)", flush=True)
        time.sleep(a.down)
        redis = start_redis(redis_port, work)
        print(f"Redis started again after {a.down:.0f} s ({poster.refused} posts refused meanwhile)", flush=True)
        time.sleep(a.after)
        poster.running = False
        poster.join(15)

        accepted = set(poster.accepted)
        deadline = time.time() + 120
        while time.time() < deadline:
            done = int(redis_cli(redis_port, "LLEN", "job_queue:completed")[0]) + \
                int(redis_cli(redis_port, "LLEN", "job_queue:failed")[0])
            if done >= len(accepted):
                break
            time.sleep(0.5)
        seen = {}
        for key in ("job_queue:completed", "job_queue:failed"):
            for value in redis_cli(redis_port, "LRANGE", key, "0", "-1"):
                if value:
                    job_id = json.loads(value)["id"]
                    seen[job_id] = seen.get(job_id, 0) + 1
        lost = [i for i in accepted if i not in seen]
        duplicated = [i for i, count in seen.items() if count > 1]
        print(f"accepted           {len(accepted)} (201)")
        print(f"refused            {poster.refused} (503 with a JSON error), slowest answer {poster.slowest_refusal:.2f} s")
        print(f"other answers      {len(poster.other)} {poster.other[:3]}")
        print(f"finished           {len(seen)}")
        print(f"lost               {len(lost)} {lost[:5]}")
        print(f"duplicated         {len(duplicated)} {duplicated[:5]}")
        ok = not lost and not duplicated and not poster.other and poster.refused > 0 and poster.slowest_refusal < 2.0
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        poster.running = False
        app.stop()
        redis.terminate()
        redis.wait(30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
