#!/usr/bin/env bash
# Stops the services, RabbitMQ and PostgreSQL; data stays under .local/ unless --purge.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"

purge=false
[ "${1:-}" = "--purge" ] && purge=true

for pidfile in "$LOCAL"/run/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $(basename "$pidfile" .pid)"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done

if [ -x /usr/lib/rabbitmq/bin/rabbitmqctl ] && rabbitmqctl_local ping >/dev/null 2>&1; then
  say "stopping RabbitMQ"
  rabbitmqctl_local stop >/dev/null 2>&1 || true
fi

if [ -s "$PG_DATA/PG_VERSION" ] && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
  say "stopping PostgreSQL"
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
fi

if [ "$purge" = true ]; then
  say "deleting local data"
  rm -rf "$LOCAL/pg" "$LOCAL/rabbitmq" "$LOCAL/logs" "$LOCAL/run" "$LOCAL/tokens" "$LOCAL/test-results"
fi
