"""Shared pieces of the benchmarks: a minimal Redis client, the application's processes, BullMQ's anchor runs.

Standard library only. Every benchmark runs against a private Redis on 127.0.0.1:6390 (the one
../shared/anchors/setup.sh starts, without persistence, as in the anchors' figures), never 6379.
"""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "target", "redis-job-queue.jar")
ANCHORS = os.path.normpath(os.path.join(ROOT, "..", "shared", "anchors"))
ANCHORS_WORK = os.environ.get("ANCHORS_WORK", "/tmp/anchors-work")
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6390"))


def recommended_jvm(role):
    """The JVM flags bin/redis-job-queue uses for a role (see bench/README.md); --jvm '' measures plain java -jar."""
    flags = "-XX:+UseSerialGC" + ("" if role == "api" else " -XX:TieredStopAtLevel=1")
    archive = os.path.join(ROOT, "target", "redis-job-queue.jsa")
    if os.path.isfile(archive):
        flags += f" -XX:SharedArchiveFile={archive} -Xshare:auto"
    return flags

# a job that does nothing, as BullMQ's no-op processor: the default processor with 0 ms and no failures; finished
# jobs are all kept, as BullMQ keeps them by default (and so that the completed list counts them)
NO_OP = {"jobqueue.processor.min-duration-ms": 0, "jobqueue.processor.max-duration-ms": 0,
         "jobqueue.processor.failure-rate": 0,
         "jobqueue.retention.completed.max-count": -1, "jobqueue.retention.completed.max-age": -1}


class Redis:
    """Just enough RESP to load, poll and subscribe."""

    def __init__(self, port=REDIS_PORT):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        self.send(*args)
        return self.read()

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2].decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("unexpected reply %r" % line)

    def close(self):
        self.sock.close()


def ensure_setup():
    """BullMQ installed and the private Redis on 6390 running (../shared/anchors/setup.sh)."""
    if not os.path.isfile(JAR):
        sys.exit(f"{JAR} is missing: run mvn -B -DskipTests package first")
    try:
        Redis().call("PING")
        have_redis = True
    except OSError:
        have_redis = False
    if not have_redis or not os.path.isdir(os.path.join(ANCHORS_WORK, "bullmq", "node_modules", "bullmq")):
        subprocess.run([os.path.join(ANCHORS, "setup.sh")], check=True)


def flush():
    Redis().call("FLUSHDB")


def preload(queue, n):
    """LPUSHes n seed-format jobs in one script call, as another producer would leave them. Ids are new on every call:
    an id names one job, and a value whose id belongs to a job already run is a copy, dropped unrun."""
    prefix = f"job_{time.time_ns()}_"
    lua = ("for i=1,tonumber(ARGV[1]) do redis.call('LPUSH', KEYS[1], '{\"id\":\"'..ARGV[2]..i..'\",\"data\":{\"i\":'..i.."
           "'},\"createdAt\":\"2026-11-28T00:00:00.000Z\",\"status\":\"queued\",\"attempts\":0}') end return 1")
    Redis().call("EVAL", lua, 1, queue, n, prefix)


def wait_for_length(key, n, timeout=300, poll=0.005):
    r = Redis()
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.call("LLEN", key) >= n:
            return time.time()
        time.sleep(poll)
    raise RuntimeError(f"{key} did not reach {n} within {timeout} s")


class App:
    """One `java [flags] -jar target/redis-job-queue.jar <role>` process against the bench Redis."""

    def __init__(self, role, settings=None, jvm=(), log="/tmp/bench-app.log", jar=JAR):
        props = [f"-D{k}={v}" for k, v in (settings or {}).items()]
        env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}")
        self.log = open(log, "w")
        self.started = time.time()
        self.process = subprocess.Popen(["java", *jvm, *props, "-jar", jar, role], cwd="/tmp", env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.log_path = log

    def wait_started(self, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.log_path) as f:
                if "started in" in f.read():
                    return
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.log_path} process exited")
            time.sleep(0.05)
        raise RuntimeError("the application did not start")

    def rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def bullmq(mode, n, concurrency=None, extra=None):
    """One run of ../shared/anchors/bullmq_bench.js in a fresh node process; returns its JSON line."""
    args = ["node", os.path.join(ANCHORS, "bullmq_bench.js"), mode, str(n)]
    if concurrency is not None:
        args.append(str(concurrency))
    if extra:
        args.append(extra)
    env = dict(os.environ, NODE_PATH=os.path.join(ANCHORS_WORK, "bullmq", "node_modules"), PORT=str(REDIS_PORT))
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("bullmq_bench printed no result: " + out.stdout + out.stderr)


def http_post(port, path, body, content_type="application/json", timeout=120):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body.encode(),
                                     headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def wait_http(port, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/jobs/stats", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"no HTTP answer on port {port}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(values):
    return statistics.median(values) if values else float("nan")


def machine():
    cpus = os.cpu_count()
    load = open("/proc/loadavg").read().split()[0]
    return f"{cpus} cores, load {load}, {time.strftime('%Y-%m-%d %H:%M')}"
