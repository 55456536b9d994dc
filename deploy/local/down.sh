#!/usr/bin/env bash
# Stops the services, RabbitMQ and PostgreSQL. Data stays under .local/ unless --purge, which also
# deletes the database and the broker's state (secrets are kept).
#   deploy/local/down.sh [--purge]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"

purge=false
for arg in "$@"; do
  case "$arg" in
    --purge) purge=true ;;
    *) die "unknown option $arg (usage: down.sh [--purge])" ;;
  esac
done

for pidfile in "$LOCAL"/run/*.pid; do
  [ -f "$pidfile" ] || continue
  stop_service "$(basename "$pidfile" .pid)"
done

[ -x "$RABBIT_BIN/rabbitmqctl" ] && [ -d "$RABBIT_HOME" ] && stop_rabbitmq
[ -x "$PG_BIN/pg_ctl" ] && stop_postgres

if [ "$purge" = true ]; then
  say "deleting the local database and broker state"
  rm -rf "$LOCAL/pg" "$LOCAL/rabbitmq"
fi
say "stopped"
