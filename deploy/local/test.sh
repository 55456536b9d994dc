#!/usr/bin/env bash
# Runs every test against real PostgreSQL and RabbitMQ on loopback, then prints one summary line
# summed over every test project's TRX results: "N passed, N failed, N skipped".
#   deploy/local/test.sh [dotnet test arguments, e.g. --filter FullyQualifiedName~Forwarder]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"
set -e
[ -f "$ROOT/AuditPlatform.sln" ] || die "AuditPlatform.sln not found under $ROOT"
infrastructure
# Browser tests drive Debian's Chromium headless; it is installed here, never downloaded by a test tool.
command -v chromium >/dev/null || apt_install chromium
export CHROMIUM_PATH; CHROMIUM_PATH=$(command -v chromium)
# shellcheck disable=SC1091
source "$LOCAL/env"
set +e

results="$LOCAL/test-results"
rm -rf "$results" && mkdir -p "$results"
# Suites that report a table (the hostile battery, the fault battery) write it here; it is printed below.
export AUDIT_TEST_RESULTS="$results"

say "building (Release)"
dotnet build "$ROOT/AuditPlatform.sln" -c Release -nologo -v quiet -clp:ErrorsOnly
build=$?

tests=1
if [ $build -eq 0 ]; then
  say "running the tests"
  dotnet test "$ROOT/AuditPlatform.sln" -c Release --no-build -nologo \
    --logger trx --results-directory "$results" --blame-hang-timeout 5m "$@"
  tests=$?
fi

# Suites that are not .NET test projects (other languages) hook in here and add a TRX of their own.
run_extra_suites() {
  local suite
  for suite in "$ROOT"/tests/*/run-suite.sh; do
    [ -x "$suite" ] || continue
    say "running $(basename "$(dirname "$suite")")"
    "$suite" "$results" || tests=1
  done
}
run_extra_suites

for table in "$results"/*.table.md; do
  [ -f "$table" ] || continue
  echo; say "$(basename "$table" .table.md)"; cat "$table"
done

passed=0; failed=0; skipped=0; files=0
while IFS= read -r trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  [ -n "$counters" ] || continue
  value() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(value total); ok=$(value passed); bad=$(( $(value failed) + $(value error) + $(value timeout) + $(value aborted) ))
  passed=$((passed + ok)); failed=$((failed + bad)); skipped=$((skipped + total - ok - bad)); files=$((files + 1))
done < <(find "$results" -name '*.trx')

status=0
[ $build -eq 0 ] || { echo "the build failed" >&2; status=1; }
[ $tests -eq 0 ] || status=1
[ $files -gt 0 ] || { echo "no test results were found" >&2; status=1; }
[ $failed -eq 0 ] || status=1
if [ -n "${CI:-}" ] && [ $skipped -gt 0 ]; then
  echo "tests were skipped; in CI every test must run" >&2
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
