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

# One test per dashboard metric, passed when it was emitted.
rows=$(mktemp); trap 'rm -f "$report" "$rows"' EXIT
while IFS=$'\t' read -r metric outcome detail; do
  if [ "$outcome" = emitted ]; then
    printf 'The dashboard metric %s is emitted by the services\tpassed\temitted by %s\n' "$metric" "$detail"
  else
    printf 'The dashboard metric %s is emitted by the services\tfailed\t%s: %s\n' "$metric" "$outcome" "$detail"
  fi
done < "$report" > "$rows"
# shellcheck disable=SC1091
source "$ROOT/tests/lib/trx.sh"
set +e
write_trx metrics-check "$rows" "$trx"
written=$?
set -e
[ $written -eq 0 ] && [ "$status" -eq 0 ]
