#!/usr/bin/env bash
# deploy/local/test.sh runs this after dotnet test: the quick fault battery against the local PostgreSQL and
# RabbitMQ (which it restarts, and leaves running). Writes faults.trx and faults.table.md into <results-dir>;
# exits non-zero on any loss or duplicate. The services run from the Release build on ports 5301-5331, so a
# platform started by up.sh (5101-5104) keeps running beside it.
#   tests/AuditPlatform.FaultBattery/run-suite.sh <results-dir> [--full] [battery options, e.g. --only SIGKILL]
# (--full: the full battery, longer and heavier, instead of the quick one; see docs/reliability.md.)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
results=${1:?usage: run-suite.sh <results-dir> [--full] [options]}; shift
mode=--quick
if [ "${1:-}" = --full ]; then mode=""; shift; fi
source "$ROOT/deploy/local/lib.sh"
[ -n "${AUDIT_PG:-}" ] || { [ -f "$LOCAL/env" ] && source "$LOCAL/env"; }
[ -n "${AUDIT_PG:-}" ] || die "no settings: run deploy/local/up.sh or test.sh first"
mkdir -p "$results"

battery="$ROOT/tests/AuditPlatform.FaultBattery/bin/Release/net10.0/AuditPlatform.FaultBattery.dll"
[ -f "$battery" ] || dotnet build "$ROOT/tests/AuditPlatform.FaultBattery" -c Release -nologo -v quiet -clp:ErrorsOnly

# Schema as the owner, then least privilege: the services run under their own roles, as up.sh runs them.
bash "$ROOT/tests/AuditPlatform.FaultBattery/control.sh" migrate
# The battery publishes as the administrator: it sends the partners' commands and reads the error queues.
bus="amqp://admin:$(secret rabbitmq-admin.password)@127.0.0.1:$RABBIT_PORT/audit"
exec dotnet "$battery" ${mode:+"$mode"} --root "$ROOT" --results "$results" --ledger "$AUDIT_PG" --bus "$bus" \
  --signing-key "$SECRETS/jwt-signing.key" "$@"
