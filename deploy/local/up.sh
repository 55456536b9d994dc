#!/usr/bin/env bash
# Starts the whole platform on loopback: PostgreSQL, RabbitMQ and every service, with development tokens.
#   deploy/local/up.sh [--demo]     (--demo also replays the story in deploy/demo/ through the public API)
#   deploy/local/up.sh --help       the settings taken from the environment (ports, policy, keys) and their defaults
# Safe to run again: running infrastructure is reused, services are restarted on the new build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"

usage() {
  cat <<USAGE
Starts PostgreSQL, RabbitMQ and every service on loopback, with development tokens; safe to run again.
usage: deploy/local/up.sh [--demo] [--help]
  --demo   also replay the story in deploy/demo/ through the public APIs
USAGE
  settings_help
}

demo=false
for arg in "$@"; do
  case "$arg" in
    --demo) demo=true ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $arg (usage: up.sh [--demo] [--help])" ;;
  esac
done

infrastructure

[ -f "$ROOT/AuditPlatform.sln" ] || die "AuditPlatform.sln not found under $ROOT: nothing to build (PostgreSQL and RabbitMQ are up)"
say "building (Release)"
dotnet build "$ROOT/AuditPlatform.sln" -c Release -nologo -v quiet -clp:ErrorsOnly || die "the build failed"

mkdir -p "$LOCAL/run" "$LOCAL/logs" "$LOCAL/tokens"

# Schema changes run once, as the schema owner, before any service starts (never at service start);
# then the services run under their own least-privileged roles.
present=()
for entry in $SERVICES; do
  name=${entry%%:*}
  [ -f "$ROOT/services/$name/AuditPlatform.$name.csproj" ] && present+=("$entry")
done
for entry in "${present[@]}"; do
  name=${entry%%:*}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  stop_service "$svc"   # a re-run must pick up the new build
  say "migrating $name"
  migrate_service "$name" "$LOCAL/logs/$svc-migrate.log" || { tail -40 "$LOCAL/logs/$svc-migrate.log" >&2; die "migrating $name failed"; }
done
[ ${#present[@]} -eq 0 ] || apply_least_privilege

started=()
# The witness first (no database, no bus: a partner would run it elsewhere), so Audit's first checkpoint is cosigned.
if [ -f "$ROOT/services/Witness/bin/Release/net10.0/AuditPlatform.Witness.dll" ]; then
  stop_service witness
  claim_port "$WITNESS_PORT"
  say "starting the witness $WITNESS_NAME on http://127.0.0.1:$WITNESS_PORT"
  (
    eval "$(witness_env | sed 's/^/export "/; s/$/"/')"
    cd "$ROOT/services/Witness"
    setsid nohup dotnet bin/Release/net10.0/AuditPlatform.Witness.dll --urls "http://127.0.0.1:$WITNESS_PORT" \
      > "$LOCAL/logs/witness.log" 2>&1 < /dev/null &
    echo $! > "$LOCAL/run/witness.pid"
  )
  started+=("Witness:$WITNESS_PORT")
fi
for entry in "${present[@]}"; do
  name=${entry%%:*}; port=${entry##*:}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  claim_port "$port"   # else the readiness check could be answered by another checkout's service
  say "starting $name on http://127.0.0.1:$port"
  (
    export_service_env "$svc"
    [ "$svc" != audit ] || eval "$(audit_witness_env | sed 's/^/export "/; s/$/"/')"
    export Ledger__ApplySchemaOnStartup=false
    cd "$ROOT/services/$name"
    # setsid + nohup: the service outlives this script and the terminal that ran it.
    setsid nohup dotnet "bin/Release/net10.0/AuditPlatform.$name.dll" --urls "http://127.0.0.1:$port" \
      > "$LOCAL/logs/$svc.log" 2>&1 < /dev/null &
    echo $! > "$LOCAL/run/$svc.pid"
  )
  started+=("$name:$port")
done

for entry in "${started[@]}"; do
  name=${entry%%:*}; port=${entry##*:}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  ready=false
  for _ in $(seq 1 90); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ready=true; break; fi
    running "$(cat "$LOCAL/run/$svc.pid")" || break   # it died: no point in waiting
    sleep 1
  done
  if [ "$ready" != true ]; then
    tail -40 "$LOCAL/logs/$svc.log" >&2
    die "$name did not become ready on port $port; full log: $LOCAL/logs/$svc.log"
  fi
  say "$name is ready"
done

for role in operator compliance admin; do mint_token "$role" > "$LOCAL/tokens/$role.jwt"; done
for partner in US-FBI US-DHS; do mint_token integrator "$partner" > "$LOCAL/tokens/integrator-$partner.jwt"; done

if [ "$demo" = true ]; then
  if [ -f "$ROOT/deploy/demo/replay.sh" ]; then
    say "replaying the demo story"
    INTAKE_URL="http://127.0.0.1:$(service_port Intake)" NOTIFICATION_URL="http://127.0.0.1:$(service_port Notification)" \
      ESCALATION_URL="http://127.0.0.1:$(service_port Escalation)" bash "$ROOT/deploy/demo/replay.sh"
  else
    say "no demo scenario in deploy/demo/ yet"
  fi
fi

cat <<MSG

AuditPlatform is up.
  Intake        http://127.0.0.1:$(service_port Intake)   (OpenAPI: /openapi/v1.json)
  Notification  http://127.0.0.1:$(service_port Notification)
  Escalation    http://127.0.0.1:$(service_port Escalation)   (operators' dashboard at /)
  Audit         http://127.0.0.1:$(service_port Audit)   (compliance page at /)
  Witness       http://127.0.0.1:$WITNESS_PORT   ($WITNESS_NAME cosigns Audit's checkpoints; GET / shows what it cosigned)
  Policy        $POLICY_FILE
  RabbitMQ UI   http://127.0.0.1:$RABBIT_UI_PORT  (user admin, password in .local/secrets/rabbitmq-admin.password)
  PostgreSQL    127.0.0.1:$PG_PORT, database auditplatform (deploy/local/psql.sh)
  Tokens        .local/tokens/<role>.jwt, or deploy/local/token.sh <role> [partner]
  Logs          .local/logs/<service>.log
  Settings      source .local/env   (connection settings for tools and tests)
Services started: ${started[*]:-none}
MSG
