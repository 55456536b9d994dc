#!/usr/bin/env bash
# deploy/local/test.sh runs this after dotnet test: the Node.js integrator (tests/interop-node) against the real
# platform. It starts Intake, Notification and Audit from the Release build on their own ports (5401, 5402, 5404;
# a platform started by up.sh on 5101-5104 may keep running beside them), makes the partner's broker user,
# runs `node --test` and writes <results-dir>/interop-node.trx; exits non-zero when a test fails.
#   tests/interop-node/run-suite.sh <results-dir>
# npm ci runs only when package-lock.json changed since the last install, so later runs need no network.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tests/interop-node"
results=${1:?usage: run-suite.sh <results-dir>}
mkdir -p "$results" && results=$(cd "$results" && pwd)
trx="$results/interop-node.trx"
logs="$results/interop-node-logs"
source "$ROOT/deploy/local/lib.sh"

PARTNER=${INTEROP_PARTNER:-NODE-INTEROP}            # takes its notices on partner.<code>; the integrator's own user
WEBHOOK_PARTNER=${INTEROP_WEBHOOK_PARTNER:-NODE-HOOK}  # takes its notices on the suite's webhook
BASE_PORT=${INTEROP_BASE_PORT:-5400}
NEEDED="Intake:$((BASE_PORT + 1)) Notification:$((BASE_PORT + 2)) Audit:$((BASE_PORT + 4))"

# Whatever stops the suite before the tests ran is one failed test in the TRX, so the summary counts it.
broken() {
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
  local reason; reason=$(printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g')
  cat > "$trx" <<TRX
<?xml version="1.0" encoding="utf-8"?>
<TestRun id="$(cat /proc/sys/kernel/random/uuid)" name="interop-node" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Times creation="$now" queuing="$now" start="$now" finish="$now" />
  <Results>
    <UnitTestResult executionId="6a9b1f52-1d0e-4c55-9f0a-3b7f6c2e8d11" testId="0d4f3e0a-5b8c-4d7e-9a61-2f1c7b9e4a30" testName="The interop suite can reach the platform" computerName="$(hostname)" duration="00:00:00" startTime="$now" endTime="$now" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Failed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d">
      <Output><ErrorInfo><Message>$reason</Message></ErrorInfo></Output>
    </UnitTestResult>
  </Results>
  <TestDefinitions>
    <UnitTest name="The interop suite can reach the platform" storage="run-suite.sh" id="0d4f3e0a-5b8c-4d7e-9a61-2f1c7b9e4a30">
      <Execution id="6a9b1f52-1d0e-4c55-9f0a-3b7f6c2e8d11" />
      <TestMethod codeBase="run-suite.sh" adapterTypeName="executor://node-test-runner" className="interop-node" name="The interop suite can reach the platform" />
    </UnitTest>
  </TestDefinitions>
  <ResultSummary outcome="Failed">
    <Counters total="1" executed="1" passed="0" failed="1" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
  </ResultSummary>
</TestRun>
TRX
  echo "interop-node: $1" >&2
  exit 1
}

[ -n "${AUDIT_PG:-}" ] || { [ -f "$LOCAL/env" ] && source "$LOCAL/env"; }
[ -n "${AUDIT_PG:-}" ] || broken "no settings: run deploy/local/up.sh or test.sh first"
# A machine without Node.js gets Debian's (like rabbitmq-server in up.sh); one too old is refused below.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm || true; fi
command -v node >/dev/null && command -v npm >/dev/null || broken "Node.js 20 or later and npm are required"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || broken "Node.js 20 or later is required (found $(node --version))"

lock_sum=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$HERE/node_modules/.package-lock.sha256" 2>/dev/null || true)" != "$lock_sum" ]; then
  say "installing the interop suite's npm packages (npm ci)"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || broken "npm ci failed in $HERE"
  echo "$lock_sum" > "$HERE/node_modules/.package-lock.sha256"
fi

# The integrator's broker user partner-<CODE>, with the permissions every integrator gets (lib.sh).
ensure_integrator "$PARTNER" "$(rabbitmqctl_local list_users --no-table-headers | awk '{print $1}')" ||
  broken "could not create the RabbitMQ user partner-$PARTNER"

pids=()
trap 'stop_pids "${pids[@]}"' EXIT

mkdir -p "$logs"
for entry in $NEEDED; do
  name=${entry%%:*}; port=${entry##*:}
  holder=$(port_holder "$port")
  [ -z "$holder" ] || broken "port $port (for $name) is in use by pid $holder; set INTEROP_BASE_PORT to move the suite's services"
  dll="$ROOT/services/$name/bin/Release/net10.0/AuditPlatform.$name.dll"
  if [ ! -f "$dll" ]; then
    say "building $name (Release)"
    dotnet build "$ROOT/services/$name" -c Release -nologo -v quiet -clp:ErrorsOnly > "$logs/build-$name.log" 2>&1 ||
      broken "building $name failed; see $logs/build-$name.log"
  fi
done

# Schema as the owner, then least privilege, as up.sh does; then each service under its own roles.
for entry in $NEEDED; do
  name=${entry%%:*}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  migrate_service "$name" "$logs/$svc-migrate.log" || broken "migrating $name failed; see $logs/$svc-migrate.log"
done
apply_least_privilege 2>/dev/null || broken "applying the least-privilege grants failed"

for entry in $NEEDED; do
  name=${entry%%:*}; port=${entry##*:}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  say "starting $name on http://127.0.0.1:$port for the interop suite"
  start_service_background "$name" "http://127.0.0.1:$port" "$logs/$svc.log"
  pids+=("$STARTED_PID")
done

for entry in $NEEDED; do
  name=${entry%%:*}; port=${entry##*:}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  ready=false
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ready=true; break; fi
    sleep 1
  done
  [ "$ready" = true ] || broken "$name did not become ready on port $port; see $logs/$svc.log"
done

export INTEROP_PARTNER="$PARTNER" INTEROP_WEBHOOK_PARTNER="$WEBHOOK_PARTNER" \
  INTEROP_INTAKE_URL="http://127.0.0.1:$((BASE_PORT + 1))" \
  INTEROP_NOTIFICATION_URL="http://127.0.0.1:$((BASE_PORT + 2))" \
  INTEROP_AUDIT_URL="http://127.0.0.1:$((BASE_PORT + 4))" \
  INTEROP_AMQP_URL="amqp://partner-$PARTNER:$(secret "rabbitmq-partner-$PARTNER.password")@127.0.0.1:$RABBIT_PORT/audit" \
  INTEROP_ADMIN_AMQP_URL="amqp://admin:$(secret rabbitmq-admin.password)@127.0.0.1:$RABBIT_PORT/audit" \
  AUDIT_SECRETS="$SECRETS" AUDIT_RABBITMQ_PORT="$RABBIT_PORT"

say "running the Node.js integrator's tests"
cd "$HERE"
set +e
node --test --test-timeout=300000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./trx-reporter.mjs --test-reporter-destination="$trx" \
  test/
status=$?
set -e
[ -s "$trx" ] || broken "node --test wrote no results (exit $status)"
exit $status
