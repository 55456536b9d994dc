#!/usr/bin/env bash
# deploy/local/test.sh runs this after dotnet test: deploy/observability/check-metrics.sh --start, which starts the
# four services from the Release build on 5501-5504 (a platform started by up.sh may keep running beside them),
# drives a little traffic and checks that every metric the Grafana dashboard queries appears in a real scrape.
# Writes <results-dir>/metrics-check.trx, one test per dashboard metric; exits non-zero when one is not emitted.
#   tests/metrics-check/run-suite.sh <results-dir>
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
results=${1:?usage: run-suite.sh <results-dir>}
mkdir -p "$results" && results=$(cd "$results" && pwd)
trx="$results/metrics-check.trx"
report=$(mktemp); log="$results/metrics-check.log"
trap 'rm -f "$report"' EXIT

set +e
bash "$ROOT/deploy/observability/check-metrics.sh" --start --report "$report" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Whatever stopped the check before it reported is one failed test, so the summary counts it.
[ -s "$report" ] || printf 'check-metrics.sh ran to its report\tfailed (exit %s)\tsee %s\n' "$status" "$log" > "$report"

xml() { printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'; }
uuid() { cat /proc/sys/kernel/random/uuid; }
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z); list=8c84fa94-04c1-424b-9868-57a2d4851a1d
results_xml=""; definitions=""; total=0; passed=0
while IFS=$'\t' read -r metric outcome detail; do
  total=$((total + 1)); test_id=$(uuid); execution=$(uuid)
  name=$(xml "The dashboard metric $metric is emitted by the services")
  if [ "$outcome" = emitted ]; then
    passed=$((passed + 1))
    results_xml+="<UnitTestResult executionId=\"$execution\" testId=\"$test_id\" testName=\"$name\" computerName=\"$(hostname)\" duration=\"00:00:00\" startTime=\"$now\" endTime=\"$now\" testType=\"13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b\" outcome=\"Passed\" testListId=\"$list\"><Output><StdOut>$(xml "emitted by $detail")</StdOut></Output></UnitTestResult>"
  else
    results_xml+="<UnitTestResult executionId=\"$execution\" testId=\"$test_id\" testName=\"$name\" computerName=\"$(hostname)\" duration=\"00:00:00\" startTime=\"$now\" endTime=\"$now\" testType=\"13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b\" outcome=\"Failed\" testListId=\"$list\"><Output><ErrorInfo><Message>$(xml "$outcome: $detail")</Message></ErrorInfo></Output></UnitTestResult>"
  fi
  definitions+="<UnitTest name=\"$name\" storage=\"check-metrics.sh\" id=\"$test_id\"><Execution id=\"$execution\" /><TestMethod codeBase=\"check-metrics.sh\" adapterTypeName=\"executor://check-metrics\" className=\"metrics-check\" name=\"$name\" /></UnitTest>"
done < "$report"
failed=$((total - passed))
cat > "$trx" <<TRX
<?xml version="1.0" encoding="utf-8"?>
<TestRun id="$(uuid)" name="metrics-check" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Times creation="$now" queuing="$now" start="$now" finish="$now" />
  <Results>$results_xml</Results>
  <TestDefinitions>$definitions</TestDefinitions>
  <ResultSummary outcome="$([ $failed -eq 0 ] && echo Completed || echo Failed)">
    <Counters total="$total" executed="$total" passed="$passed" failed="$failed" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
  </ResultSummary>
</TestRun>
TRX
[ $failed -eq 0 ] && [ "$status" -eq 0 ]
