#!/usr/bin/env bash
# Measures the platform that up.sh started against this machine's own limits, in one run, and prints a table.
#   deploy/local/bench.sh [--quick] [--only ceilings,bus,webhook,http,breach,audit]   the end-to-end benchmark
#   deploy/local/bench.sh soak [--minutes 60] [--rate n] [--window 30]        load held at half the saturated rate, sampled
#   deploy/local/bench.sh micro [BenchmarkDotNet arguments]                   micro-benchmarks of hot functions
# The full run writes tests/AuditPlatform.Benchmarks/results/latest.json; --quick (under 3 minutes) writes
# results/quick.json beside it; soak writes results/soak.json and the plot docs/images/soak.svg. Services that
# are not running are reported as "not available".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"

[ -f "$LOCAL/env" ] || die "the platform is not running: start it with deploy/local/up.sh, then run bench.sh"
# shellcheck disable=SC1091
source "$LOCAL/env"
pg_running || die "PostgreSQL is not running: start the platform with deploy/local/up.sh, then run bench.sh"
rabbitmqctl_local ping >/dev/null 2>&1 || die "RabbitMQ is not running: start the platform with deploy/local/up.sh, then run bench.sh"
curl -fsS "http://127.0.0.1:$(service_port Intake)/health/ready" >/dev/null 2>&1 ||
  die "Intake does not answer on 127.0.0.1:$(service_port Intake): start the platform with deploy/local/up.sh, then run bench.sh"
[ -s "$LOCAL/tokens/operator.jwt" ] || die "no development tokens in $LOCAL/tokens: run deploy/local/up.sh"

say "building the benchmark (Release)"
dotnet build "$ROOT/tests/AuditPlatform.Benchmarks/AuditPlatform.Benchmarks.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly ||
  die "the benchmark does not build"

say "machine: $(nproc) processors, $(free -g | awk '/^Mem:/ {print $2}') GB memory, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
cd "$ROOT"
AUDIT_ROOT="$ROOT" exec dotnet "$ROOT/tests/AuditPlatform.Benchmarks/bin/Release/net10.0/AuditPlatform.Benchmarks.dll" "$@"
