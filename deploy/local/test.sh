#!/usr/bin/env bash
# Runs every test against real PostgreSQL and RabbitMQ on loopback, then prints one summary line
# summed over every test project's TRX results, last and alone: "N passed, N failed, N skipped".
#   deploy/local/test.sh [dotnet test arguments, e.g. --filter FullyQualifiedName~Forwarder]
#   deploy/local/test.sh --help     the settings taken from the environment (ports, policy, keys) and their defaults
# Fails if the build or any test fails, if no results were written, or (with CI set) if any test was
# skipped: in CI the integration tests must really run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"

if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
  cat <<USAGE
Starts PostgreSQL and RabbitMQ as up.sh does, builds, runs every test and prints "N passed, N failed, N skipped".
usage: deploy/local/test.sh [dotnet test arguments, e.g. --filter FullyQualifiedName~Forwarder]
The suites that start services (metrics check, fault battery, Node integrator) use ports of their own.
USAGE
  settings_help
  exit 0
fi

infrastructure
# Browser tests drive Debian's Chromium headless; it is installed here, never downloaded by a test tool.
command -v chromium >/dev/null || apt_install chromium
export CHROMIUM_PATH; CHROMIUM_PATH=$(command -v chromium)
# The documentation's checkpoint verifier is Python (standard library and cryptography); a test runs it as written.
python3 -c 'import cryptography' >/dev/null 2>&1 || apt_install python3 python3-cryptography
# shellcheck disable=SC1091
source "$LOCAL/env"

[ -f "$ROOT/AuditPlatform.sln" ] || die "AuditPlatform.sln not found under $ROOT: nothing to test"

results="$LOCAL/test-results"
rm -rf "$results" && mkdir -p "$results"
# Suites that report a table (the hostile battery, the fault battery) write it here; it is printed below.
export AUDIT_TEST_RESULTS="$results"

# From here on, failures are counted and reported, not fatal.
set +e
say "building (Release)"
dotnet build "$ROOT/AuditPlatform.sln" -c Release -nologo -v quiet -clp:ErrorsOnly
build=$?

tests=0
if [ $build -eq 0 ]; then
  say "running the tests"
  dotnet test "$ROOT/AuditPlatform.sln" -c Release --no-build -nologo \
    --logger trx --results-directory "$results" --blame-hang-timeout 5m "$@"
  tests=$?
fi

# Suites that are not .NET test projects (Node, the fault battery) hook in as tests/<suite>/run-suite.sh:
# each is given $results, writes a TRX of its own there, and fails the run by exiting non-zero.
run_extra_suites() {
  local suite
  for suite in "$ROOT"/tests/*/run-suite.sh; do
    [ -x "$suite" ] || continue
    say "running $(basename "$(dirname "$suite")")"
    "$suite" "$results" || tests=1
  done
}
run_extra_suites

# The deployment manifests (Dockerfiles, compose, kustomize) are checked statically: no engine runs here.
say "checking the deployment manifests"
bash "$ROOT/deploy/check-manifests.sh" || tests=1

for table in "$results"/*.table.md; do
  [ -f "$table" ] || continue
  echo; say "$(basename "$table" .table.md)"; cat "$table"
done

# One attribute of a TRX <Counters .../> element, 0 when absent.
counter() { local v; v=$(printf '%s' "$1" | sed -n "s/.* $2=\"\([0-9]*\)\".*/\1/p"); echo "${v:-0}"; }

passed=0; failed=0; skipped=0; files=0
while IFS= read -r -d '' trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  [ -n "$counters" ] || continue
  total=$(counter "$counters" total); ok=$(counter "$counters" passed)
  bad=$(( $(counter "$counters" failed) + $(counter "$counters" error) + $(counter "$counters" timeout) + $(counter "$counters" aborted) ))
  passed=$((passed + ok)); failed=$((failed + bad)); skipped=$((skipped + total - ok - bad)); files=$((files + 1))
done < <(find "$results" -name '*.trx' -print0)

status=0
[ $build -eq 0 ] || { echo "the build failed" >&2; status=1; }
[ $tests -eq 0 ] || { echo "dotnet test failed (exit $tests)" >&2; status=1; }
[ $files -gt 0 ] || { echo "no test results (*.trx) were written" >&2; status=1; }
[ $failed -eq 0 ] || status=1
if [ -n "${CI:-}" ] && [ $skipped -gt 0 ]; then
  echo "$skipped tests were skipped; in CI every test must run" >&2
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
