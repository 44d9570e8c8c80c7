#!/usr/bin/env bash
# Every benchmark, one after the other (about 15 minutes on 2 cores). Output: stdout, and bench/results-<date>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/redis-job-queue.jar ] || mvn -B -q -DskipTests package
out="bench/results-$(date +%Y%m%d-%H%M).txt"
{
  bench/startup.py
  bench/drain.py
  bench/e2e.py
  bench/intake.py
  bench/chaos.py --jobs 10000 --kill-every 2
  bench/outage.py --down 10
} 2>&1 | tee "$out"
echo "saved in $out"
