#!/usr/bin/env bash
# Starts the whole platform on loopback: PostgreSQL, RabbitMQ and every service, with development tokens.
#   deploy/local/up.sh [--demo]     (--demo also replays the story in deploy/demo/ through the public API)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"

demo=false
for arg in "$@"; do
  case "$arg" in
    --demo) demo=true ;;
    *) die "unknown option $arg (usage: up.sh [--demo])" ;;
  esac
done

[ -f "$ROOT/AuditPlatform.sln" ] || die "AuditPlatform.sln not found under $ROOT"
infrastructure

say "building (Release)"
dotnet build "$ROOT/AuditPlatform.sln" -c Release -nologo -v quiet -clp:ErrorsOnly

mkdir -p "$LOCAL/run" "$LOCAL/logs" "$LOCAL/tokens"

stop_service() {
  local pidfile="$LOCAL/run/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    local i; for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# Schema changes run once, as the schema owner, before any service starts (never at service start);
# then the services run under their own least-privileged roles.
present=()
for entry in $SERVICES; do
  name=${entry%%:*}
  [ -f "$ROOT/services/$name/AuditPlatform.$name.csproj" ] && present+=("$entry")
done
for entry in "${present[@]}"; do
  name=${entry%%:*}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  stop_service "$svc"
  say "migrating $name"
  ( set -a; eval "$(service_env "$svc" | sed 's/^/export "/; s/$/"/')"; export ConnectionStrings__Ledger="$(owner_connection)"
    cd "$ROOT/services/$name" && dotnet "bin/Release/net10.0/AuditPlatform.$name.dll" migrate ) \
    > "$LOCAL/logs/$svc-migrate.log" 2>&1 || { tail -40 "$LOCAL/logs/$svc-migrate.log"; die "migrating $name failed"; }
done
apply_least_privilege

started=()
for entry in "${present[@]}"; do
  name=${entry%%:*}; port=${entry##*:}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  say "starting $name on http://127.0.0.1:$port"
  (
    set -a; eval "$(service_env "$svc" | sed 's/^/export "/; s/$/"/')"; set +a
    export Ledger__ApplySchemaOnStartup=false
    cd "$ROOT/services/$name"
    setsid nohup dotnet "bin/Release/net10.0/AuditPlatform.$name.dll" --urls "http://127.0.0.1:$port" > "$LOCAL/logs/$svc.log" 2>&1 < /dev/null &
    echo $! > "$LOCAL/run/$svc.pid"
  )
  started+=("$name:$port")
done

for entry in "${started[@]}"; do
  name=${entry%%:*}; port=${entry##*:}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  ready=false
  for i in $(seq 1 90); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ready=true; break; fi
    kill -0 "$(cat "$LOCAL/run/$svc.pid")" 2>/dev/null || break
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
  if [ -x "$ROOT/deploy/demo/replay.sh" ]; then
    say "replaying the demo story"
    "$ROOT/deploy/demo/replay.sh"
  else
    say "no demo scenario in deploy/demo/ yet"
  fi
fi

cat <<MSG

AuditPlatform is up.
  Intake        http://127.0.0.1:5101   (OpenAPI: /openapi/v1.json)
  Notification  http://127.0.0.1:5102
  Escalation    http://127.0.0.1:5103   (operators' dashboard at /)
  Audit         http://127.0.0.1:5104   (compliance page at /)
  RabbitMQ UI   http://127.0.0.1:15672  (user admin, password in .local/secrets/rabbitmq-admin.password)
  Tokens        .local/tokens/<role>.jwt, or deploy/local/token.sh <role> [partner]
  Logs          .local/logs/<service>.log
  Settings      source .local/env   (connection settings for tools and tests)
Services started: ${started[*]:-none}
MSG
