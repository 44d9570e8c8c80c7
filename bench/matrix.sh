#!/usr/bin/env bash
# The drain at other concurrencies and job counts, each beside BullMQ in the same run (about 6 minutes on 2 cores):
# ours and BullMQ at the same concurrency (1, 10, 50), then 5,000 and 100,000 jobs at the defaults (ours 4, BullMQ 10).
set -euo pipefail
cd "$(dirname "$0")/.."
for c in 1 10 50; do
  bench/drain.py --rounds 2 --concurrency "$c" --bullmq-concurrency "$c" | grep -E '^drain|median'
done
for n in 5000 100000; do
  bench/drain.py --rounds 2 --jobs "$n" | grep -E '^drain|median'
done
