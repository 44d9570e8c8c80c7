#!/usr/bin/env python3
"""Chaos run: workers killed with SIGKILL while jobs flow; every job must end in completed or failed exactly once.

Starts a private Redis (append-only file on), the API and 3 worker processes of target/redis-job-queue.jar,
enqueues N jobs over HTTP (5-20 ms of processing, a small failure rate, retries), kills a random worker with
kill -9 every K seconds and starts it again, until every job has finished. Then it checks every job id it was
given: each must be in job_queue:completed or job_queue:failed exactly once, and no job may have stalled (been
given back as 'stalled') without having started ('processing') since it was last queued: only a job that started
can stall. Prints the counts and exits 1 if any job is lost, duplicated or stalled unstarted.

    mvn -B -DskipTests package && bench/chaos.py [--jobs 10000] [--kill-every 2] [--workers 3]

Needs python3 (standard library only), java, redis-server and redis-cli.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "target", "redis-job-queue.jar")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_cli(port, *args):
    out = subprocess.run(["redis-cli", "-p", str(port), "--raw", *args], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


class App:
    """One java -jar process of the application."""

    def __init__(self, role, directory, redis_port, settings):
        os.makedirs(directory, exist_ok=True)
        props = [f"-D{k}={v}" for k, v in settings.items()]
        env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{redis_port}")
        self.log = open(os.path.join(directory, "app.log"), "w")
        self.process = subprocess.Popen(["java", *props, "-jar", JAR, role], cwd=directory, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def wait_for_http(port, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/jobs/stats")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"the API did not answer on port {port}")


def enqueue(port, first, count, step, ids, errors):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for n in range(first, count, step):
        body = json.dumps({"n": n, "task": "chaos"})
        conn.request("POST", "/jobs", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        if response.status != 201:
            errors.append(f"{response.status} {payload[:200]!r}")
            continue
        ids.append(json.loads(payload)["id"])


def count_stalls(path):
    """The 'stalled' events, and those of them that no 'processing' of the same job preceded since it was last queued."""
    running = {}
    stalls = unstarted = 0
    with open(path) as events:
        for line in events:
            if not line.startswith("{"):
                continue  # redis-cli --raw prints the message type and channel on lines of their own
            try:
                event = json.loads(line)
            except ValueError:
                continue
            job, status = event.get("jobId"), event.get("status")
            if status == "processing":
                running[job] = True
            elif status == "stalled":
                stalls += 1
                unstarted += not running.get(job, False)
                running[job] = False
            else:
                running[job] = False
    return stalls, unstarted


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--kill-every", type=float, default=2.0, help="seconds between kills")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--failure-rate", type=float, default=0.02)
    parser.add_argument("--timeout", type=int, default=900, help="seconds before giving up")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if not os.path.isfile(JAR):
        sys.exit(f"{JAR} is missing: run mvn -B -DskipTests package first")
    rng = random.Random(args.seed)

    work = tempfile.mkdtemp(prefix="chaos-")
    redis_port, http_port = free_port(), free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--dir", work,
                              "--appendonly", "yes", "--save", ""], stdout=subprocess.DEVNULL)
    settings = {
        "jobqueue.processor.min-duration-ms": 5, "jobqueue.processor.max-duration-ms": 20,
        "jobqueue.processor.failure-rate": args.failure_rate,
        "jobqueue.retry.base-delay-ms": 100, "jobqueue.retry.max-delay-ms": 1000,
        # a short heartbeat timeout so that killed workers' jobs come back within seconds (the defaults: 8 s, and a
        # second sighting 3 s later; here 1 s and 2 s)
        "jobqueue.worker.heartbeat-interval-ms": 200, "jobqueue.worker.heartbeat-timeout-ms": 1000,
        "jobqueue.reaper.interval-ms": 200,
        # retention off: every finished job stays in its list to be counted
        "jobqueue.retention.completed.max-count": -1, "jobqueue.retention.completed.max-age": -1,
        "jobqueue.retention.failed.max-count": -1, "jobqueue.retention.failed.max-age": -1,
        "jobqueue.worker.poll-timeout-seconds": 1,
    }
    apps = []
    started = time.time()
    try:
        time.sleep(0.3)
        redis_cli(redis_port, "ping")
        monitor = subprocess.Popen(["redis-cli", "-p", str(redis_port), "--raw", "SUBSCRIBE", "job_status"],
                                   stdout=open(os.path.join(work, "events.log"), "w"))
        api = App("api", os.path.join(work, "api"), redis_port, dict(settings, **{"camel.server.port": http_port}))
        apps.append(api)
        workers = [App("worker", os.path.join(work, f"worker{i}-0"), redis_port, settings) for i in range(args.workers)]
        wait_for_http(http_port)

        ids, errors = [], []
        producers = [threading.Thread(target=enqueue, args=(http_port, lane, args.jobs, 8, ids, errors)) for lane in range(8)]
        for p in producers:
            p.start()

        kills, finished = 0, 0
        while True:
            time.sleep(args.kill_every)
            finished = sum(int(redis_cli(redis_port, "llen", key)[0]) for key in ("job_queue:completed", "job_queue:failed"))
            enqueued = not any(p.is_alive() for p in producers)
            print(f"  {time.time() - started:6.1f}s  enqueued {len(ids):6d}  finished {finished:6d}  kills {kills}", flush=True)
            if enqueued and finished >= len(ids):
                break
            if time.time() - started > args.timeout:
                print("timeout: not every job finished", flush=True)
                break
            victim = rng.randrange(len(workers))
            workers[victim].kill()
            kills += 1
            workers[victim] = App("worker", os.path.join(work, f"worker{victim}-{kills}"), redis_port, settings)
        elapsed = time.time() - started
        for p in producers:
            p.join()
        monitor.terminate()

        seen = {}
        bad_values = []
        retried = recovered_failed = 0
        for key in ("job_queue:completed", "job_queue:failed"):
            for line in redis_cli(redis_port, "lrange", key, "0", "-1"):
                if not line:
                    continue  # redis-cli --raw prints an empty list as one empty line; no job is empty text
                try:
                    job = json.loads(line)
                except ValueError:
                    print(f"  not JSON in {key}: {line[:300]!r}")
                    bad_values.append(line)
                    continue
                seen[job["id"]] = seen.get(job["id"], 0) + 1
                retried += job.get("attempts", 0) > 1
                recovered_failed += str(job.get("error", "")).startswith("stalled")
        stalled_events, stalled_unstarted = count_stalls(os.path.join(work, "events.log"))
        left = {key: int(redis_cli(redis_port, cmd, key)[0]) for key, cmd in
                (("job_queue", "llen"), ("job_queue:processing", "llen"), ("job_queue:delayed", "zcard"))}
        lost = [i for i in ids if i not in seen]
        duplicated = [i for i, count in seen.items() if count > 1]
        completed = int(redis_cli(redis_port, "llen", "job_queue:completed")[0])
        print()
        print(f"jobs enqueued      {len(ids)} (refused: {len(errors)})")
        print(f"workers killed     {kills} (kill -9 every {args.kill_every:g} s, {args.workers} workers)")
        print(f"completed          {completed}")
        print(f"failed             {len(seen) - completed} (of which stalled too often: {recovered_failed})")
        print(f"recovered          {stalled_events} stalls recovered (jobs given back to the queue by the reaper)")
        print(f"stalled unstarted  {stalled_unstarted} (a 'stalled' without a 'processing' since the job was queued: must be 0)")
        print(f"retried            {retried} jobs needed more than one attempt")
        print(f"lost               {len(lost)}")
        print(f"duplicated         {len(duplicated)}")
        print(f"unreadable values  {len(bad_values)}")
        print(f"left in queue/processing/delayed: {left}")
        print(f"took               {elapsed:.1f} s")
        ok = not lost and not duplicated and not errors and not bad_values and not stalled_unstarted
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        for app in apps:
            app.stop()
        for w in locals().get("workers", []):
            w.stop()
        redis.terminate()
        redis.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
