#!/usr/bin/env bash
# The API fuzzer (src/test/java/io/jobqueue/fuzz/ApiFuzzTest) for a longer hunt: ten times the tries of `mvn verify`
# by default, about 10 minutes on 2 cores. Prints the run's outcome: tries, answers by status, jobs accepted and
# pushed, reported bugs met, end checks, and each failure made as small as it would go. Exits as the test does.
#
#   bench/fuzz.sh                    # 80,000 tries, a new seed
#   bench/fuzz.sh 200000             # more tries
#   bench/fuzz.sh 80000 1234567      # repeat a run's requests and values (its timing will differ)
#
# Needs no Redis of its own: the test finds one as the other tests do (REDIS_URL, Docker, or a redis-server).
set -uo pipefail
cd "$(dirname "$0")/.."
tries="${1:-80000}"
seed="${2:-}"
log="target/fuzz-$(date +%Y%m%d-%H%M%S).log"
mkdir -p target
args=(-B -o -Dcds.skip=true -Dtest=ApiFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.tries="$tries"
      -Dfuzz.max-seconds="${FUZZ_MAX_SECONDS:-1800}")
[ -n "$seed" ] && args+=(-Dfuzz.seed="$seed")
start=$(date +%s)
mvn "${args[@]}" test >"$log" 2>&1
status=$?
# offline first (the usual case here); once online if a dependency is missing
if [ $status -ne 0 ] && grep -q "offline mode" "$log"; then
  mvn "${args[@]/-o/}" test >"$log" 2>&1
  status=$?
fi
echo "bench/fuzz.sh: $tries tries, $(( $(date +%s) - start )) s in all (with the build and the end checks); full log: $log"
grep -E "^ApiFuzzTest:|requests, answers|jobs accepted over HTTP|reported bugs met|^end check" "$log"
if [ $status -ne 0 ]; then
  # the failures, each made as small as it would go, as the assertion reports them
  sed -n '/^seed [0-9-]*:$/,/expected: <true>/p' "$log" | head -400
  grep -q "Tests run:" "$log" || tail -40 "$log"
fi
exit $status
