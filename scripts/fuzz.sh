#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of the decoders of outside bytes, each target for ROUNDS rounds
# of 10 s (its @FuzzTest maxDuration); the corpus grows in <module>/.cifuzz-corpus between rounds,
# and a finding is written to the target's inputs directory (src/test/resources/...Inputs/<method>)
# where it stays as a regression test. Prints runs, executions per second and coverage per target.
# Usage: scripts/fuzz.sh [ROUNDS] (make test: 1; make fuzz: FUZZ_ROUNDS, default 30 = 5 min each)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-1}"
MVN="${MVN:-mvn -B -o}"
TARGETS=(
  "libs/protocol:TokenVerifierFuzzTest#anyToken"
  "libs/protocol:TokenVerifierFuzzTest#anySignedToken"
  "services/gateway:GatewayFrameFuzzTest#anyFrame"
  "services/gateway:GatewayFrameFuzzTest#anyFrameZlibStream"
  "services/gateway:MessageBodyFuzzTest#anyBody"
  "services/gateway:RestRoutesFuzzTest#anyRequest"
)
summary=()
for t in "${TARGETS[@]}"; do
  module="${t%%:*}"
  test="${t#*:}"
  runs=0
  secs=0
  last=""
  for ((r = 1; r <= ROUNDS; r++)); do
    log="$(mktemp)"
    # one fuzz test per JVM: Jazzer fuzzes a single @FuzzTest per run
    if ! JAZZER_FUZZ=1 $MVN -q -pl "$module" surefire:test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1; then
      echo "FINDING in $test (round $r); the input is in its inputs directory:" >&2
      grep -E "FuzzTestFinding|Caused by|Test unit written" "$log" | head -5 >&2
      rm -f "$log"
      exit 1
    fi
    done_line="$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)"
    stat_line="$(grep -E 'DONE +cov:' "$log" | tail -1 || true)"
    rm -f "$log"
    if [[ -z "$done_line" ]]; then
      echo "no fuzzing run for $test (is JAZZER_FUZZ honoured?)" >&2
      exit 1
    fi
    runs=$((runs + $(echo "$done_line" | awk '{print $2}')))
    secs=$((secs + $(echo "$done_line" | awk '{print $5}')))
    last="$stat_line"
  done
  cov="$(echo "$last" | sed -E 's/.*cov: ([0-9]+).*corp: ([0-9]+)\/.*/cov \1, corpus \2/')"
  summary+=("$(printf '%-52s %12d runs in %5d s = %8d exec/s   %s' "$test" "$runs" "$secs" "$((runs / (secs > 0 ? secs : 1)))" "$cov")")
done
echo "fuzzing: ${ROUNDS} round(s) of 10 s per target, no findings"
printf '%s\n' "${summary[@]}"
